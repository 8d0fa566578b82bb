"""Peer matching on a small world whose right answer is known, on both search backends."""

from __future__ import annotations

import pytest
from django.utils import timezone

from cities.models import City, CityIndicator, Country
from exchanges.explanations import explanation_sentences
from exchanges.matching import WEIGHTS, matches_refresh, need_keywords, rank_peers
from exchanges.models import Exchange, ExchangeRequest, Match
from practices.models import Challenge, Practice, Topic
from practices.vectors import vectors_refresh
from tests.factories import UserFactory, catalogue_practice, region

pytestmark = pytest.mark.django_db

NEED = "Flooding: rain gardens"
EXPECTED_ORDER = ["Lyon", "Abidjan", "Nairobi", "Mexico", "Bogota", "Quito"]


@pytest.fixture
def peers():
    """Cities of three regions, sizes and languages; Dakar asks. Lyon has the most practices
    on the need, Abidjan the closest context, Nairobi only context, Mexico only a challenge."""
    africa = region("002", "Africa")
    europe = region("150", "Europe")
    americas = region("019", "Americas")
    subregions = {
        "africa": region("202", "Sub-Saharan Africa", africa),
        "europe": region("155", "Western Europe", europe),
        "americas": region("419", "Latin America and the Caribbean", americas),
    }
    countries = {}
    for iso2, name, where in [
        ("SN", "Senegal", "africa"),
        ("CI", "Côte d'Ivoire", "africa"),
        ("KE", "Kenya", "africa"),
        ("GH", "Ghana", "africa"),
        ("NG", "Nigeria", "africa"),
        ("FR", "France", "europe"),
        ("MX", "Mexico", "americas"),
        ("CO", "Colombia", "americas"),
        ("EC", "Ecuador", "americas"),
    ]:
        countries[iso2] = Country.objects.create(
            iso2=iso2, name_en=name, name_fr=name, name_es=name, subregion=subregions[where]
        )
    today = timezone.now().date()

    def city(name, iso2, population, languages, *, status="active", open_=False):
        return City.objects.create(
            name=name,
            slug=name.lower(),
            country=countries[iso2],
            population=population,
            languages=languages,
            member_status=status,
            member_since=today if status else None,
            open_to_exchanges=open_,
        )

    c = {
        "dakar": city("Dakar", "SN", 3_500_000, ["fr", "wo"], open_=True),
        "abidjan": city("Abidjan", "CI", 4_700_000, ["fr"], open_=True),
        "nairobi": city("Nairobi", "KE", 4_400_000, ["en", "sw"], open_=True),
        "lyon": city("Lyon", "FR", 520_000, ["fr"], open_=True),
        "mexico": city("Mexico", "MX", 12_000_000, ["es"]),
        "bogota": city("Bogota", "CO", 900_000, ["es"]),
        "quito": city("Quito", "EC", 900_000, ["es"]),
        # Not members: never candidates, however good their practices.
        "accra": city("Accra", "GH", 4_000_000, ["en", "fr"], status="", open_=True),
        "lagos": city("Lagos", "NG", 8_000_000, ["fr"], status="former", open_=True),
    }
    flood = {"challenges": ("sustainability",), "topics": ("water", "climate-adaptation")}
    lyon_practices = [
        catalogue_practice(
            c["lyon"],
            title=f"Flooding rain gardens, district {n}",
            summary="Streets that drink the rain.",
            body="Rain gardens hold storm water so that flooding stops.",
            days_ago=n,
            **flood,
        )
        for n in range(3)
    ]
    lyon_practices[0].adapted_count = 2
    lyon_practices[0].save(update_fields=["adapted_count"])
    catalogue_practice(c["lyon"], title="Women entrepreneurs fund", challenges=("gender-equality",))
    catalogue_practice(c["lyon"], title="Flooding rain gardens draft", state="draft", **flood)
    catalogue_practice(
        c["abidjan"],
        title="Green lagoon shores",
        summary="Mangroves and parks along the lagoon.",
        body="Rain gardens in the streets behind the shore reduce flooding.",
        challenges=("sustainability", "quality-of-life"),
        topics=("water",),
    )
    catalogue_practice(
        c["nairobi"],
        title="Flooding rain gardens in schools",
        summary="Girls' toilets stay dry.",
        challenges=("gender-equality",),
        topics=("water",),
    )
    catalogue_practice(
        c["mexico"],
        title="Bus corridors",
        summary="Dedicated lanes.",
        challenges=("sustainability",),
        topics=("mobility",),
    )
    for owner in ("dakar", "accra", "lagos", "accra"):
        catalogue_practice(c[owner], title="Flooding rain gardens everywhere", **flood)

    # Abidjan was the peer of one completed exchange; an unfinished one does not count.
    other = ExchangeRequest.objects.create(city=c["lyon"], need="Mangroves")
    done = Match.objects.create(request=other, peer_city=c["abidjan"], score=0.5)
    Exchange.objects.create(match=done, state=Exchange.State.COMPLETED)
    ongoing = Match.objects.create(request=other, peer_city=c["mexico"], score=0.4)
    Exchange.objects.create(match=ongoing, state=Exchange.State.IN_PROGRESS)

    for owner, value in (("dakar", 10), ("abidjan", 8), ("lyon", 30)):
        CityIndicator.objects.create(
            city=c[owner], name="green space m2 per inhabitant", value=value, year=2024
        )
    CityIndicator.objects.create(
        city=c["dakar"], name="green space m2 per inhabitant", value=2, year=2015
    )

    request = ExchangeRequest.objects.create(city=c["dakar"], need=NEED, languages=["fr"])
    request.challenges.set(Challenge.objects.filter(slug__in=["sustainability", "quality-of-life"]))
    request.topics.set(Topic.objects.filter(slug__in=["water", "climate-adaptation"]))
    c["request"] = request
    return c


def _ranking(peers, sync_index, limit=10):
    # Vectors as the outbox drain computes them: relevance by meaning must not upset an
    # order that words and likeness already settle.
    vectors_refresh(practice_ids=Practice.objects.values_list("pk", flat=True))
    sync_index()
    return rank_peers(request=peers["request"], limit=limit)


def test_weights_sum_to_one():
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)
    assert set(WEIGHTS) == {
        "relevance",
        "challenges",
        "topics",
        "context",
        "track_record",
        "openness",
    }


def test_need_keywords_drop_stop_words_and_repeats():
    assert need_keywords("We want rain gardens, rain and more gardens!") == ["rain", "gardens"]
    assert need_keywords("Nous cherchons à réduire les inondations") == ["réduire", "inondations"]


def test_ranking_order_is_the_known_one(peers, sync_index):
    ranked = _ranking(peers, sync_index)
    assert [c.city.name for c in ranked] == EXPECTED_ORDER
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)
    for candidate in ranked:
        assert 0.0 <= candidate.score <= 1.0
        assert set(candidate.components) == set(WEIGHTS)
        assert all(0.0 <= v <= 1.0 for v in candidate.components.values())
        assert candidate.score == pytest.approx(
            sum(WEIGHTS[k] * v for k, v in candidate.components.items()), abs=1e-3
        )


def test_limit_and_ties_by_name(peers, sync_index):
    ranked = _ranking(peers, sync_index, limit=20)
    bogota, quito = ranked[-2:]
    assert bogota.score == quito.score
    assert [bogota.city.name, quito.city.name] == ["Bogota", "Quito"]
    assert [c.city.name for c in _ranking(peers, sync_index, limit=2)] == EXPECTED_ORDER[:2]


def test_requester_and_non_members_never_appear(peers, sync_index):
    names = {c.city.name for c in _ranking(peers, sync_index, limit=50)}
    assert names.isdisjoint({"Dakar", "Accra", "Lagos"})


def test_explanations_name_their_facts(peers, sync_index):
    ranked = {c.city.name: c for c in _ranking(peers, sync_index)}
    lyon, abidjan = ranked["Lyon"], ranked["Abidjan"]

    assert lyon.explanation[0].startswith("3 published practices match the need (best relevance")
    assert "shares challenges Sustainability (1 of 2)" in lyon.explanation
    assert "works on topics Climate adaptation, Water (2 of 2)" in lyon.explanation
    assert "works in French, a language of the request" in lyon.explanation
    assert "green space m2 per inhabitant 30 against 10 (closeness 0.33)" in lyon.explanation
    assert "0 completed exchanges; practices adapted by 2 cities" in lyon.explanation
    assert "open to exchanges" in lyon.explanation
    assert not any("world region" in s or "population band" in s for s in lyon.explanation)
    assert lyon.components["relevance"] >= 0.7  # the most matches
    assert lyon.components["challenges"] == 0.5
    assert lyon.components["topics"] == 1.0

    assert abidjan.explanation[0].startswith("1 published practice matches the need")
    assert "shares challenges Sustainability, Quality of life (2 of 2)" in abidjan.explanation
    assert "works on topics Water (1 of 2)" in abidjan.explanation
    assert "same world region (Africa)" in abidjan.explanation
    assert "population band 3 to 10 million like Dakar" in abidjan.explanation
    # The latest value of each city's indicator is compared (Dakar's 2024 figure, not 2015's).
    assert "green space m2 per inhabitant 8 against 10 (closeness 0.80)" in abidjan.explanation
    assert "1 completed exchange; practices adapted by 0 cities" in abidjan.explanation
    assert abidjan.components["context"] == pytest.approx((1 + 1 + 1 + 0.8) / 4)

    nairobi = ranked["Nairobi"]
    assert nairobi.components["relevance"] == 0  # its practice is not on the challenges
    assert nairobi.components["challenges"] == 0
    assert not any("language" in s for s in nairobi.explanation)
    assert "same world region (Africa)" in nairobi.explanation

    mexico = ranked["Mexico"]
    assert mexico.explanation == ["shares challenges Sustainability (1 of 2)"]
    assert mexico.components["track_record"] == 0  # an exchange in progress is no record yet
    assert ranked["Quito"].explanation == []


def test_practices_that_earned_the_place(peers, sync_index):
    ranked = {c.city.name: c for c in _ranking(peers, sync_index)}
    lyon = ranked["Lyon"].practices
    assert len(lyon) == 3
    assert all(p.city_id == peers["lyon"].pk and p.is_published for p in lyon)
    assert all("Flooding rain gardens, district" in str(p) for p in lyon)
    # No text match, but a published practice on a challenge of the request.
    assert [str(p) for p in ranked["Mexico"].practices] == ["Bus corridors"]
    assert ranked["Nairobi"].practices == []


@pytest.mark.elasticsearch
def test_same_ranking_on_both_backends(peers, settings, es_settings):
    """The Elasticsearch and database backends give the same order and the same facts (the
    relevance figures themselves differ: each engine scores in its own way)."""
    from search.backends import get_backend

    results = {}
    for name, path in (
        ("database", "search.backends.database.DatabaseBackend"),
        ("elasticsearch", "search.backends.elastic.ElasticsearchBackend"),
    ):
        settings.SEARCH_BACKEND = path
        backend = get_backend()
        assert backend.name == name
        backend.rebuild()
        if name == "elasticsearch":
            backend.refresh()
        results[name] = [
            (
                c.city.name,
                [s.split(" (best")[0] for s in c.explanation],
                sorted(p.pk for p in c.practices),
            )
            for c in rank_peers(request=peers["request"])
        ]
    assert [row[0] for row in results["database"]] == EXPECTED_ORDER
    assert results["database"] == results["elasticsearch"]


def test_no_match_without_need_words_still_ranks_on_the_rest(peers, sync_index):
    request = peers["request"]
    request.need = "the and of"
    request.save()
    ranked = _ranking(peers, sync_index)
    assert all(c.components["relevance"] == 0 for c in ranked)
    assert ranked[0].city.name == "Abidjan"  # closest context, both challenges


def test_queries_do_not_grow_with_the_number_of_cities(peers, sync_index):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sync_index()
    with CaptureQueriesContext(connection) as few:
        rank_peers(request=peers["request"])
    country = Country.objects.get(iso2="FR")
    for n in range(30):
        city = City.objects.create(
            name=f"Extra {n}",
            slug=f"extra-{n}",
            country=country,
            population=3_000_000 + n,
            languages=["fr"],
            member_status="active",
            member_since=timezone.now().date(),
            open_to_exchanges=True,
        )
        catalogue_practice(
            city, title=f"Flooding rain gardens extra {n}", challenges=("sustainability",)
        )
    sync_index()
    with CaptureQueriesContext(connection) as many:
        rank_peers(request=peers["request"], limit=10)
    assert len(many.captured_queries) <= len(few.captured_queries)


def test_matches_refresh_stores_suggestions_and_keeps_broker_work(peers, sync_index):
    sync_index()
    request = peers["request"]
    matches = matches_refresh(request=request)
    assert [m.peer_city.name for m in matches] == EXPECTED_ORDER
    first = matches[0]
    assert first.status == Match.Status.SUGGESTED
    assert set(first.explanation) == {"components", "weights", "reasons"}
    assert first.explanation["weights"] == WEIGHTS
    # Stored as data (a sentence key and its figures), rendered when read.
    assert first.explanation["reasons"][0]["key"] == "words"
    assert first.explanation["reasons"][0]["count"] == 3
    assert explanation_sentences(first.explanation)[0].startswith("3 published practices match")
    assert first.score == pytest.approx(
        sum(WEIGHTS[k] * v for k, v in first.explanation["components"].items()), abs=1e-3
    )
    assert first.practices.count() == 3

    # A broker proposes Abidjan; Quito was declined earlier by hand; Lyon's suggestion goes
    # stale (its score changed by hand) and must be replaced.
    broker = UserFactory()
    abidjan = Match.objects.get(request=request, peer_city=peers["abidjan"])
    abidjan.status = Match.Status.PROPOSED
    abidjan.proposed_by = broker
    abidjan.score = 0.01
    abidjan.save()
    Match.objects.filter(request=request, peer_city=peers["quito"]).update(
        status=Match.Status.DECLINED, score=0.02
    )
    Match.objects.filter(request=request, peer_city=peers["lyon"]).update(score=0.99)
    # A suggestion for a city that is no longer a candidate disappears.
    peers["bogota"].member_status = "former"
    peers["bogota"].save()

    again = matches_refresh(request=request)
    assert [m.peer_city.name for m in again] == ["Lyon", "Nairobi", "Mexico"]
    assert again[0].pk == first.pk and again[0].score == pytest.approx(first.score)
    abidjan.refresh_from_db()
    assert (abidjan.status, abidjan.score, abidjan.proposed_by) == (
        Match.Status.PROPOSED,
        0.01,
        broker,
    )
    statuses = dict(Match.objects.filter(request=request).values_list("peer_city__name", "status"))
    assert statuses == {
        "Lyon": "suggested",
        "Abidjan": "proposed",
        "Nairobi": "suggested",
        "Mexico": "suggested",
        "Quito": "declined",
    }
