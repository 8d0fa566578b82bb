"""The database backend understands meaning (issue 13): words are matched across accents and
plurals in English, French and Spanish, and practices close in meaning in any language join the
hits, after the lexical ones and labelled "related", with facets counting exactly the hits.

Runs on whichever database the suite uses (PostgreSQL in `make test`; SQLite with an empty
DATABASE_URL); the stemming test needs PostgreSQL's configurations. The embedder is the real
model: what is tested is whether its neighbours are found, not a stand-in's."""

import os

import pytest
from django.db import connection

from practices.models import Practice, PracticeTranslation
from practices.vectors import vectors_refresh
from search.backends import get_backend
from search.backends.base import SearchQuery
from search.facets import FACETS
from tests.factories import catalogue_practice as make
from tests.support import BROKEN_EMBEDDER

from .test_contract import values_of

pytestmark = pytest.mark.django_db

DATABASE = "search.backends.database.DatabaseBackend"


@pytest.fixture
def corpus(world, settings):
    settings.SEARCH_BACKEND = DATABASE
    w = world
    practices = {
        "women": make(
            w["lyon"],
            title="Safe streets for women at night",
            summary="Night buses stop on request.",
            body="Exploratory walks with residents and better street lighting.",
            topics=("safety", "mobility"),
            start_year=2018,
            days_ago=3,
        ),
        "mobilite": make(
            w["paris"],
            title="Mobilité des femmes la nuit",
            language="fr",
            summary="Les transports publics s'arrêtent à la demande.",
            body="Des marches exploratoires avec les habitantes.",
            topics=("mobility",),
            start_year=2020,
            days_ago=2,
        ),
        "dengue": make(
            w["mexico"],
            title="Mingas vecinales contra los criaderos del mosquito del dengue",
            language="es",
            summary="Cada sábado los vecinos vacían los recipientes con agua estancada donde "
            "se reproduce el mosquito.",
            topics=("health",),
            start_year=2016,
            days_ago=5,
        ),
        "budget": make(
            w["paris"],
            title="Budget participatif",
            language="fr",
            summary="Les habitants votent des projets.",
            body="Chaque année les habitants proposent et votent.",
            topics=("participation", "safety"),
            start_year=2014,
            days_ago=1,
        ),
        # Says "women" and "night" often, but is not named by the query of the name test.
        "lighting": make(
            w["dakar"],
            title="Street lighting for women and night markets",
            summary="Women traders asked for light at night; night markets stay open safely.",
            body="Women and night workers walk safer streets at night.",
            topics=("safety",),
            start_year=2021,
            days_ago=4,
        ),
    }
    report = vectors_refresh(practice_ids=[p.pk for p in practices.values()])
    assert report.failed == 0
    return practices


def search(text, **kwargs):
    kwargs.setdefault("page_size", 100)
    return get_backend().search(SearchQuery(text=text, **kwargs))


def test_a_french_query_finds_a_practice_that_exists_only_in_spanish(corpus):
    dengue = corpus["dengue"]
    assert list(dengue.translations.values_list("language_code", flat=True)) == ["es"]
    query = "éliminer les eaux stagnantes où se reproduisent les moustiques"

    page = search(query)

    hits = {hit.id: hit for hit in page.hits}
    assert dengue.pk in hits
    assert hits[dengue.pk].related
    assert search(query, mode="lexical").total == 0
    assert corpus["budget"].pk not in hits
    assert not page.semantic_unavailable


def test_related_hits_come_after_every_lexical_hit(corpus):
    page = search("night buses for women")

    assert [(hit.id, hit.related) for hit in page.hits] == [
        (corpus["women"].pk, False),
        (corpus["mobilite"].pk, True),
    ]


def test_a_query_whose_words_no_practice_holds_together_finds_it_by_meaning(corpus):
    # No version says both "women" and "transport": words alone found nothing here.
    assert search("women transport", mode="lexical").total == 0
    page = search("women transport")
    assert [(hit.id, hit.related) for hit in page.hits] == [(corpus["mobilite"].pk, True)]


@pytest.mark.parametrize(
    ("plain", "variant"),
    [
        ("mobilite des femmes", "Mobilité des FEMMES"),
        ("transport", "transports"),
        ("street", "streets"),
        ("marche exploratoire", "marches exploratoires"),
    ],
)
def test_without_accents_or_in_the_plural_the_same_practices_are_found(corpus, plain, variant):
    found = {hit.id for hit in search(plain, mode="lexical").hits}
    assert found
    assert found == {hit.id for hit in search(variant, mode="lexical").hits}


def test_a_query_without_accents_finds_and_marks_the_accented_practice(corpus):
    hits = {hit.id: hit for hit in search("mobilite des femmes").hits if not hit.related}
    assert hits[corpus["mobilite"].pk].highlights["title"] == [
        "<mark>Mobilité</mark> <mark>des</mark> <mark>femmes</mark> la nuit"
    ]


def test_the_vectors_held_in_memory_follow_the_database(corpus):
    query = "éliminer les eaux stagnantes où se reproduisent les moustiques"
    dengue = corpus["dengue"]
    assert dengue.pk in {hit.id for hit in search(query).hits}
    PracticeTranslation.objects.filter(master=dengue).update(embedding=None, embedding_hash="")
    assert dengue.pk not in {hit.id for hit in search(query).hits}
    vectors_refresh(practice_ids=[dengue.pk])
    assert dengue.pk in {hit.id for hit in search(query).hits}


def test_a_name_query_ranks_its_practice_first(corpus):
    page = search("safe streets for women at night")
    assert page.hits[0].id == corpus["women"].pk
    page = search("Mobilite des femmes la nuit")
    assert page.hits[0].id == corpus["mobilite"].pk


@pytest.mark.parametrize(
    "filters", [{}, {"topic": ("safety",)}, {"topic": ("safety",), "city": ("paris",)}]
)
def test_facet_counts_describe_exactly_the_hits(corpus, filters):
    page = search("night buses for women", filters=filters)
    assert any(hit.related for hit in page.hits) or filters
    hits = list(Practice.objects.filter(pk__in=[hit.id for hit in page.hits]))
    assert page.total == len(hits)
    for facet in FACETS:
        if facet.param in filters:
            continue  # its counts ignore its own selection, as test_contract checks
        expected: dict[str, int] = {}
        for practice in hits:
            for value in values_of(practice, facet.param):
                expected[value] = expected.get(value, 0) + 1
        got = {fv.value: fv.count for fv in page.facets[facet.param] if fv.count}
        assert got == expected, facet.param


def test_related_hits_respect_the_filters(corpus):
    query = "éliminer les eaux stagnantes où se reproduisent les moustiques"
    assert corpus["dengue"].pk in {hit.id for hit in search(query).hits}
    assert search(query, filters={"city": ("paris",)}).total == 0


def test_a_broken_embedder_gives_lexical_results_and_says_so(corpus, settings):
    settings.EMBEDDER = BROKEN_EMBEDDER
    page = search("night buses for women")
    assert page.semantic_unavailable
    assert [(hit.id, hit.related) for hit in page.hits] == [(corpus["women"].pk, False)]
    assert not search("night buses for women", mode="lexical").semantic_unavailable


def test_semantic_mode_returns_meaning_alone(corpus):
    page = search("lutte contre les moustiques", mode="semantic")
    assert [hit.id for hit in page.hits] == [corpus["dengue"].pk]


def test_did_you_mean_is_offered_only_when_the_correction_has_results(corpus):
    assert search("partcipatif", mode="lexical").suggestion == "participatif"
    # Under a filter no budget practice passes, the correction would find nothing either.
    assert search("partcipatif", mode="lexical", filters={"language": ("en",)}).suggestion == ""


def test_more_like_this_goes_by_meaning_across_languages(corpus):
    backend = get_backend()
    # The English and French night-mobility practices share no words in their titles.
    assert backend.more_like_this(corpus["women"], limit=1) == [corpus["mobilite"].pk]
    assert backend.more_like_this(corpus["mobilite"], limit=1) == [corpus["women"].pk]
    assert corpus["women"].pk not in backend.more_like_this(corpus["women"])


def test_more_like_this_without_a_vector_falls_back_to_shared_topics(corpus):
    budget = corpus["budget"]
    budget.translations.update(embedding=None, embedding_hash="")
    similar = get_backend().more_like_this(budget)
    # Those sharing the topic "safety" (and the challenge) first, then the challenge alone.
    assert set(similar[:2]) == {corpus["women"].pk, corpus["lighting"].pk}
    assert set(similar[2:]) == {corpus["mobilite"].pk, corpus["dengue"].pk}


HOSTILE = [
    "x" * 10_000,
    "transport " * 1_000,
    "🚌🌙 femmes 👩‍👩‍👧",
    "night\x00safety",
    "\x00",
    "النقل الآمن للنساء ليلاً",
    "\u202enoitatropsnart\u202c",
    'title:(women AND "night") OR body:* ~2 ^3 [a TO z] {x} /re.*/ \\ && || !',
    "' OR 1=1; DROP TABLE practices_practice; --",
    "%_%",
    "\ud800",
    "   ",
]


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("mode", ["combined", "lexical", "semantic"])
def test_hostile_strings_never_raise(corpus, text, mode):
    page = search(text, mode=mode)
    assert page.total == len(page.hits)
    assert get_backend().ids(SearchQuery(text=text, mode=mode), limit=10) is not None


@pytest.mark.postgres
def test_postgresql_stems_each_language_and_folds_accents(corpus):
    if connection.vendor != "postgresql" and os.environ.get("REQUIRE_SERVICES") != "1":
        pytest.skip("the suite runs on SQLite (empty DATABASE_URL)")
    assert connection.vendor == "postgresql"
    # English stemming: "lights" and "lighting" share the stem "light".
    assert corpus["lighting"].pk in {hit.id for hit in search("lights", mode="lexical").hits}
    # Spanish stemming without the accent: "sabados" for "sábado".
    assert {hit.id for hit in search("sabados", mode="lexical").hits} == {corpus["dengue"].pk}
    # French stemming: "exploratoire" for "exploratoires".
    assert corpus["mobilite"].pk in {hit.id for hit in search("exploratoire", mode="lexical").hits}


def test_short_words_match_whole_words_not_pieces_of_others(world, settings):
    """On SQLite, "car" found "carril", "cargo" and "scarce" (substring matching): the demo's
    "cable car" ranked car-free days and a bicycle lane first. A short word now matches whole
    words (and its plural), a long one the start of words."""
    settings.SEARCH_BACKEND = DATABASE
    w = world
    cable = make(w["lyon"], title="Cable cars for hillside districts", summary="Gondolas.")
    make(w["paris"], title="Carril bici", summary="Un carril segregado.", language="es")
    make(w["dakar"], title="Scarce water", summary="Cargo bikes deliver water.")
    transport = make(w["mexico"], title="Transporte público", summary="Buses.", language="es")
    backend = get_backend()
    backend.rebuild()
    found = backend.search(SearchQuery(text="car", mode="lexical"))
    assert [h.id for h in found.hits] == [cable.pk]
    assert backend.search(SearchQuery(text="cars", mode="lexical")).total == 1
    hit = backend.search(SearchQuery(text="cable car", mode="lexical")).hits[0]
    assert hit.id == cable.pk and "<mark>cars</mark>" in hit.highlights["title"][0]
    long = backend.search(SearchQuery(text="transport", mode="lexical"))
    assert transport.pk in [h.id for h in long.hits]  # a long word: the start of "transporte"


def test_a_word_the_texts_contain_is_not_corrected(world, settings):
    """ "cable car" got "Did you mean calle car?": "cable" was in no title, only in texts."""
    settings.SEARCH_BACKEND = DATABASE
    make(world["lyon"], title="Gondola lifts for hillsides", summary="A cable car network.")
    make(world["mexico"], title="Calle car-free", summary="Sin coches.", language="es")
    backend = get_backend()
    backend.rebuild()
    page = backend.search(SearchQuery(text="cable car", mode="lexical"))
    assert page.total == 1 and page.suggestion == ""
    assert backend.search(SearchQuery(text="gondala lifts")).suggestion == "gondola lifts"
