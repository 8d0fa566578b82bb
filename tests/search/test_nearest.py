"""`nearest`: the published practices closest in meaning to a vector, on both backends (what
peer matching asks instead of reading every stored vector), with the real encoder."""

import numpy as np
import pytest

from core.embedding import get_embedder
from practices.models import Practice
from practices.vectors import practice_vectors, vectors_refresh
from search.backends.base import SearchUnavailable
from search.backends.database import DatabaseBackend
from search.selectors import practice_nearest, practice_nearest_by_city
from tests.factories import catalogue_practice as make

pytestmark = pytest.mark.django_db

NEED = "rain gardens and permeable paving against flooding"


@pytest.fixture
def flood(world, sync_index):
    """Practices in one language each (so the database's best version and Elasticsearch's mean
    vector are the same vector), on and off the subject, published or not."""
    made = {
        "sponge": make(
            world["dakar"],
            title="Sponge districts",
            summary="Rain gardens and permeable paving soak up storm water instead of flooding.",
            challenges=("sustainability",),
        ),
        "jardines": make(
            world["mexico"],
            language="es",
            title="Jardines de lluvia contra las inundaciones",
            summary="Pavimentos permeables que absorben el agua de las tormentas.",
            challenges=("sustainability", "quality-of-life"),
        ),
        "squares": make(
            world["lyon"],
            title="Water squares",
            summary="Public squares that fill with rain during cloudbursts to prevent flooding.",
            challenges=("quality-of-life",),
        ),
        "draft": make(
            world["paris"],
            title="Rain gardens against flooding",
            summary="Rain gardens and permeable paving.",
            state="draft",
        ),
        "bikes": make(
            world["lyon"],
            language="fr",
            title="Vélos en libre-service",
            summary="Des vélos partagés dans toute la métropole.",
        ),
    }
    report = vectors_refresh(practice_ids=Practice.objects.values_list("pk", flat=True))
    assert report.failed == 0
    backend = sync_index()
    return {"backend": backend, **made}


def _need():
    return [float(x) for x in get_embedder().embed([NEED])[0]]


def test_most_similar_published_practices_first_with_their_cosine(flood):
    vector = _need()
    found = flood["backend"].nearest(vector, filters={}, limit=10, min_similarity=0.25)
    ids = [n.id for n in found]
    assert flood["draft"].pk not in ids  # published only
    assert flood["bikes"].pk not in ids  # below the floor
    assert set(ids) == {flood["sponge"].pk, flood["jardines"].pk, flood["squares"].pk}
    similarities = [n.similarity for n in found]
    assert similarities == sorted(similarities, reverse=True)
    # The raw cosine, as the stored vectors give it (not an engine score), on both backends.
    stored = practice_vectors(practice_ids=ids)
    for neighbour in found:
        (own,) = stored[neighbour.id].values()
        assert neighbour.similarity == pytest.approx(float(np.dot(own, vector)), abs=1e-3)


def test_filters_floor_and_limit(flood):
    backend, vector = flood["backend"], _need()
    only = backend.nearest(
        vector, filters={"challenge": ("sustainability",)}, limit=10, min_similarity=0.25
    )
    assert {n.id for n in only} == {flood["sponge"].pk, flood["jardines"].pk}
    everything = backend.nearest(vector, filters={}, limit=10, min_similarity=-1.0)
    assert flood["bikes"].pk in [n.id for n in everything]
    first = backend.nearest(vector, filters={}, limit=1, min_similarity=-1.0)
    assert [n.id for n in first] == [everything[0].id]
    assert backend.nearest(vector, filters={}, limit=0, min_similarity=-1.0) == []


class DownBackend(DatabaseBackend):
    """A configured engine that does not answer."""

    def nearest(self, *args, **kwargs):
        raise SearchUnavailable("node down")


def test_the_database_answers_when_the_engine_does_not(world, settings):
    sponge = make(
        world["dakar"],
        title="Sponge districts",
        summary="Rain gardens and permeable paving soak up storm water instead of flooding.",
    )
    vectors_refresh(practice_ids=[sponge.pk])
    settings.SEARCH_BACKEND = f"{__name__}.DownBackend"
    found, degraded = practice_nearest(
        vector=_need(), filters={"challenge": ("sustainability",)}, limit=5, min_similarity=0.25
    )
    assert degraded
    assert [n.id for n in found] == [sponge.pk]


# -- nearest_by_city: how many practices of each city answer by meaning --------------------


@pytest.fixture
def flood_cities(flood, world, sync_index):
    """The flood practices plus, in Dakar, a French one on the subject with a Spanish
    translation, and an off-subject one: Dakar has two answers, one readable in Spanish."""
    flood["pluie"] = make(
        world["dakar"],
        language="fr",
        title="Jardins de pluie contre les inondations",
        summary="Des chaussées perméables absorbent l'eau des orages au lieu d'inonder les rues.",
        translations={
            "es": (
                "Jardines de lluvia contra las inundaciones",
                "Pavimentos permeables absorben el agua de las tormentas en lugar de inundar.",
                "",
            )
        },
    )
    flood["market"] = make(
        world["dakar"], title="Night markets", summary="Street food stalls open after dark."
    )
    report = vectors_refresh(practice_ids=[flood["pluie"].pk, flood["market"].pk])
    assert report.failed == 0
    flood["backend"] = sync_index()
    return flood


def _expected_counts(flood, vector, floor):
    """City slug -> the published fixture practices whose every version is at least `floor`
    close (so the database's best version and Elasticsearch's mean vector agree), computed
    from the stored vectors, not through a backend."""
    practices = [flood[k] for k in ("sponge", "jardines", "squares", "bikes", "pluie", "market")]
    stored = practice_vectors(practice_ids=[p.pk for p in practices])
    out: dict[str, set[int]] = {}
    for practice in practices:
        sims = [float(np.dot(v, vector)) for v in stored[practice.pk].values()]
        assert all(s >= floor + 0.03 for s in sims) or all(s < floor - 0.03 for s in sims)
        if min(sims) >= floor:
            out.setdefault(practice.city.slug, set()).add(practice.pk)
    return out


def test_cities_with_their_count_of_answers_by_meaning(flood_cities):
    flood, vector = flood_cities, _need()
    backend = flood["backend"]
    expected = _expected_counts(flood, vector, 0.25)
    assert expected["dakar"] == {flood["sponge"].pk, flood["pluie"].pk}
    found = backend.nearest_by_city(
        vector, filters={}, min_similarity=0.25, language="es", cities=10, per_city=3
    )
    assert {c.city: c.count for c in found} == {city: len(pks) for city, pks in expected.items()}
    assert found[0].city == "dakar"  # the most answers first
    by_city = {c.city: c for c in found}
    # Of Dakar's two answers only the French one has a Spanish text; Mexico's is Spanish.
    assert by_city["dakar"].in_language == 1
    assert by_city["mexico"].in_language == 1
    assert by_city["lyon"].in_language == 0
    for city in found:
        assert {n.id for n in city.closest} == expected[city.city]
        similarities = [n.similarity for n in city.closest]
        assert similarities == sorted(similarities, reverse=True)
    # Cities with one answer each: the one whose answer is closer comes first.
    ones = [c for c in found if c.count == 1]
    assert [c.closest[0].similarity for c in ones] == sorted(
        (c.closest[0].similarity for c in ones), reverse=True
    )
    # The similarity is the raw cosine of the stored vector (single-language practices).
    stored = practice_vectors(practice_ids=[flood["squares"].pk])
    (own,) = stored[flood["squares"].pk].values()
    assert by_city["lyon"].closest[0].similarity == pytest.approx(
        float(np.dot(own, vector)), abs=1e-3
    )


def test_cities_by_meaning_filters_cut_and_per_city(flood_cities):
    flood, vector = flood_cities, _need()
    backend = flood["backend"]
    only = backend.nearest_by_city(
        vector,
        filters={"challenge": ("quality-of-life",)},
        min_similarity=0.25,
        language="en",
        cities=10,
        per_city=1,
    )
    # Dakar's answers are on sustainability only; Mexico's and Lyon's on quality of life.
    assert {c.city: c.count for c in only} == {"mexico": 1, "lyon": 1}
    first = backend.nearest_by_city(
        vector, filters={}, min_similarity=0.25, language="en", cities=1, per_city=0
    )
    assert [(c.city, c.count, c.closest) for c in first] == [("dakar", 2, ())]
    assert (
        backend.nearest_by_city(
            vector, filters={}, min_similarity=0.25, language="en", cities=0, per_city=3
        )
        == []
    )
    # Below the floor of everything: the off-subject practices count too.
    everything = backend.nearest_by_city(
        vector, filters={}, min_similarity=-1.0, language="en", cities=10, per_city=5
    )
    assert {c.city: c.count for c in everything}["dakar"] == 3
    assert flood["draft"].pk not in {n.id for c in everything for n in c.closest}


class DownByCityBackend(DatabaseBackend):
    def nearest_by_city(self, *args, **kwargs):
        raise SearchUnavailable("node down")


def test_the_database_counts_by_city_when_the_engine_does_not(world, settings):
    sponge = make(
        world["dakar"],
        title="Sponge districts",
        summary="Rain gardens and permeable paving soak up storm water instead of flooding.",
    )
    vectors_refresh(practice_ids=[sponge.pk])
    settings.SEARCH_BACKEND = f"{__name__}.DownByCityBackend"
    found, degraded = practice_nearest_by_city(
        vector=_need(),
        filters={"challenge": ("sustainability",)},
        min_similarity=0.25,
        language="en",
        cities=5,
        per_city=2,
    )
    assert degraded
    assert [(c.city, c.count, [n.id for n in c.closest]) for c in found] == [
        ("dakar", 1, [sponge.pk])
    ]


def test_cities_by_meaning_within_a_band_of_each_languages_closest(flood_cities):
    """With a band, each original language is held against its own closest practice: the
    English ones against the closest English one, the only Spanish and French answers stand."""
    flood, vector = flood_cities, _need()
    backend = flood["backend"]
    english = [flood["sponge"], flood["squares"]]
    stored = practice_vectors(practice_ids=[p.pk for p in english])
    sims = {p.pk: float(np.dot(next(iter(stored[p.pk].values())), vector)) for p in english}
    closest_english = max(sims, key=lambda pk: sims[pk])
    further = min(sims, key=lambda pk: sims[pk])
    assert sims[closest_english] - sims[further] > 0.02
    found = backend.nearest_by_city(
        vector,
        filters={},
        min_similarity=0.25,
        language="en",
        cities=10,
        per_city=3,
        band=0.005,
    )
    counted = {n.id for c in found for n in c.closest}
    assert counted == {closest_english, flood["jardines"].pk, flood["pluie"].pk}
    wide = backend.nearest_by_city(
        vector, filters={}, min_similarity=0.25, language="en", cities=10, per_city=3, band=1.0
    )
    assert {n.id for c in wide for n in c.closest} == counted | {further}
