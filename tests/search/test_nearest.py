"""`nearest`: the published practices closest in meaning to a vector, on both backends (what
peer matching asks instead of reading every stored vector), with the real encoder."""

import numpy as np
import pytest

from core.embedding import get_embedder
from practices.models import Practice
from practices.vectors import practice_vectors, vectors_refresh
from search.backends.base import SearchUnavailable
from search.backends.database import DatabaseBackend
from search.selectors import practice_nearest
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
