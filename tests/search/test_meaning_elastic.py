"""Search by meaning on Elasticsearch (issue 13): words and meaning in one request, with the real
multilingual encoder and a real node. The database backend has its own tests."""

from collections import Counter

import pytest
from django.urls import reverse

from practices.models import Practice
from practices.vectors import vectors_refresh
from search.backends import get_backend
from search.backends.base import SearchQuery
from search.documents import build_document
from search.facets import FACETS
from tests.factories import catalogue_practice as make
from tests.support import BROKEN_EMBEDDER

pytestmark = [pytest.mark.django_db, pytest.mark.elasticsearch]


@pytest.fixture
def meaning(es_settings, catalogue, catalogue_world):
    world = catalogue_world
    """The catalogue, plus practices written in one language only, every vector computed the
    way the outbox drain does, and the index rebuilt from the stored vectors."""
    gardens_es = make(
        world["mexico"],
        title="Huertos urbanos comunitarios",
        language="es",
        summary="Los vecinos cultivan verduras y hortalizas en terrenos baldíos del barrio.",
        challenges=("quality-of-life",),
        topics=(),
        start_year=2017,
    )
    gardens_en = make(
        world["lyon"],
        title="Vegetable plots on vacant land",
        summary="Residents grow their own food on empty lots lent by the city.",
        challenges=("social-cohesion",),
        topics=("food",),
        start_year=2015,
    )
    report = vectors_refresh(practice_ids=Practice.objects.values_list("pk", flat=True))
    assert report.failed == 0 and report.computed > 0
    backend = get_backend()
    backend.rebuild()
    backend.refresh()
    return {"backend": backend, "gardens_es": gardens_es, "gardens_en": gardens_en}


def _search(backend, text, **kwargs):
    return backend.search(SearchQuery(text=text, language="fr", **kwargs))


def _all_ids(backend, text, **kwargs):
    """Every hit, page after page, as a user would page through them."""
    ids, page = [], 1
    while True:
        result = backend.search(SearchQuery(text=text, page=page, page_size=2, **kwargs))
        ids += [h.id for h in result.hits]
        if page >= result.pages:
            return ids, result
        page += 1


def test_a_french_query_finds_a_practice_written_only_in_spanish(meaning):
    result = _search(meaning["backend"], "jardins potagers partagés en ville")
    hits = {h.id: h for h in result.hits}
    assert meaning["gardens_es"].pk in hits
    found = hits[meaning["gardens_es"].pk]
    assert found.related  # none of the words is in the Spanish text
    assert found.highlights == {}
    # Meaning has a floor: practices about buses or recycling do not join.
    titles = {
        p.pk: p.safe_translation_getter("title", any_language=True)
        for p in Practice.objects.filter(pk__in=hits)
    }
    assert not any("autobús" in t or "Recycling" in t for t in titles.values()), titles


def test_a_query_without_accents_or_plurals_finds_it_too(meaning):
    result = _search(meaning["backend"], "jardin potager partage")
    assert meaning["gardens_es"].pk in [h.id for h in result.hits]


def test_exact_words_and_names_rank_first(meaning, catalogue, catalogue_world):
    world = catalogue_world
    backend = meaning["backend"]
    result = _search(backend, "Dakar")
    dakar = {p.pk for p in catalogue if p.city == world["dakar"] and p.review_state == "published"}
    assert {h.id for h in result.hits[: len(dakar)]} == dakar
    assert not any(h.related for h in result.hits[: len(dakar)])

    paris_budget = catalogue[1]
    result = _search(backend, "Budget participatif")
    assert result.hits[0].id == paris_budget.pk and not result.hits[0].related
    assert "<mark>" in result.hits[0].highlights["title"][0]
    # Its Spanish sibling joins by meaning, after every practice that has the words.
    ids = [h.id for h in result.hits]
    assert catalogue[2].pk in ids
    flags = [h.related for h in result.hits]
    assert flags == sorted(flags), "a related hit ranked above a word hit"


def test_total_and_facet_counts_describe_the_hits(meaning):
    backend = meaning["backend"]
    text = "citizens decide how the city spends money"
    ids, page = _all_ids(backend, text)
    assert len(ids) == len(set(ids)) == page.total > 0
    docs = {p.pk: build_document(p) for p in Practice.objects.filter(pk__in=ids)}
    for facet in FACETS:
        expected: Counter[str] = Counter()
        for doc in docs.values():
            value = doc[facet.field]
            for v in value if isinstance(value, list) else [value]:
                expected[str(v)] += 1
        got = {f.value: f.count for f in page.facets[facet.param] if f.count}
        assert got == {k: v for k, v in expected.items() if k in got or facet.param != "year"}, (
            facet.param
        )

    # With a selection, each of its facet's counts is what choosing that value alone shows,
    # and the other facets count the hits that remain.
    chosen = ("participation",)
    ids, page = _all_ids(backend, text, filters={"topic": chosen})
    assert len(ids) == page.total
    for value in page.facets["topic"]:
        if value.count:
            alone = backend.search(SearchQuery(text=text, filters={"topic": (value.value,)}))
            assert alone.total == value.count, value.value
    docs = {p.pk: build_document(p) for p in Practice.objects.filter(pk__in=ids)}
    languages = Counter(doc["language"] for doc in docs.values())
    assert {f.value: f.count for f in page.facets["language"] if f.count} == dict(languages)


def test_lexical_only_when_the_embedder_is_broken(meaning, settings):
    settings.EMBEDDER = BROKEN_EMBEDDER
    result = _search(meaning["backend"], "Budget participatif")
    assert result.semantic_unavailable
    assert result.hits and not any(h.related for h in result.hits)
    assert meaning["gardens_es"].pk not in [
        h.id for h in _search(meaning["backend"], "jardins potagers partagés").hits
    ]


def test_modes_run_one_part_alone(meaning):
    backend = meaning["backend"]
    lexical = _search(backend, "jardins potagers partagés en ville", mode="lexical")
    assert meaning["gardens_es"].pk not in [h.id for h in lexical.hits]
    assert not lexical.semantic_unavailable
    semantic = _search(backend, "Budget participatif", mode="semantic")
    assert semantic.hits and all(h.related for h in semantic.hits)


HOSTILE = [
    "participation " * 700,  # about 10,000 characters
    "x" * 10_000,
    "🌳🚲 jardins 👩‍🌾",
    "budget\x00participatif",
    "ميزانية تشاركية مدينة",
    'title:"budget" AND (city:* OR /.*/) ~2 ^3 \\ [a TO z] {!}',
    "   ",
    "\ud800",
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
@pytest.mark.parametrize("mode", ["combined", "semantic"])
def test_hostile_queries_get_an_answer(meaning, text, mode):
    result = meaning["backend"].search(
        SearchQuery(text=text, mode=mode, filters={"language": ("fr", "es")})
    )
    assert result.total >= 0 and len(result.hits) <= result.total


def test_hostile_queries_never_fail_the_api(meaning, client):
    for text in HOSTILE[:6]:
        response = client.get(reverse("api-search"), {"q": text})
        assert response.status_code < 500, text


def test_similar_practices_cross_languages(meaning):
    backend = meaning["backend"]
    assert backend.more_like_this(meaning["gardens_en"], limit=3)[0] == meaning["gardens_es"].pk
    assert backend.more_like_this(meaning["gardens_es"], limit=3)[0] == meaning["gardens_en"].pk


def test_similar_practices_without_a_vector_use_words(meaning, catalogue):
    from practices.models import PracticeTranslation

    practice = catalogue[1]
    PracticeTranslation.objects.filter(master=practice).update(embedding=None, embedding_hash="")
    backend = meaning["backend"]
    backend.index([practice.pk])
    backend.refresh()
    similar = backend.more_like_this(practice, limit=3)
    assert practice.pk not in similar
    assert catalogue[2].pk in similar  # shared topic, and "particip..." in both


def test_did_you_mean_counts_word_hits_only(meaning):
    page = meaning["backend"].search(SearchQuery(text="budgte participatf"))
    assert page.suggestion and "participatif" in page.suggestion


def test_many_distinct_words_get_an_answer(meaning):
    text = " ".join(f"mot{i}" for i in range(1500))
    result = meaning["backend"].search(SearchQuery(text=text))
    assert result.total >= 0


def test_an_index_built_before_vectors_gets_the_field(es_settings, catalogue):
    from search.backends import elastic

    backend = get_backend()
    old = elastic.mappings()
    del old["properties"]["vector"]
    backend.client.indices.create(
        index=f"{backend.alias}-old",
        settings=elastic.index_settings(),
        mappings=old,
        aliases={backend.alias: {}},
    )
    practice = catalogue[1]
    assert vectors_refresh(practice_ids=[practice.pk]).computed == 1
    backend.index([practice.pk])  # refused by the strict mapping without the field
    backend.refresh()
    result = backend.search(SearchQuery(text="Budget participatif"))
    assert [h.id for h in result.hits] == [practice.pk]


@pytest.mark.parametrize("mode", ["combined", "semantic"])
def test_the_page_size_does_not_change_what_matches(meaning, mode):
    # The knn query's neighbour count defaults to the request's size: unless it is fixed, a
    # page of one hit would report a smaller total and other facet counts than a page of 50.
    backend = meaning["backend"]
    text = "citizens decide how the city spends money"
    wide = backend.search(SearchQuery(text=text, mode=mode, page_size=50))
    assert sum(h.related for h in wide.hits) >= 2
    for size in (1, 2):
        narrow = backend.search(SearchQuery(text=text, mode=mode, page_size=size))
        assert narrow.total == wide.total
        assert narrow.facets == wide.facets
