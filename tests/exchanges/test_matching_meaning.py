"""Peer matching by meaning, across English, French and Spanish, with the real encoder."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation

from cities.models import City, Country
from core.embedding import EmbedderUnavailable, UniversalSentenceEncoder, get_embedder
from exchanges.explanations import explanation_sentences
from exchanges.matching import matches_refresh, rank_peers
from exchanges.models import ExchangeRequest, Match
from practices.models import Challenge, Practice, PracticeTranslation
from practices.vectors import vectors_refresh
from tests.factories import catalogue_practice as make
from tests.factories import region

pytestmark = pytest.mark.django_db

SPONGE_NEED = (
    "how İzmir built sponge neighbourhoods (rain gardens, permeable paving) and how they "
    "financed and maintained them"
)

FRENCH_NEED = (
    "Nous voulons réduire les inondations grâce à des jardins de pluie et des sols perméables"
)


@pytest.fixture
def world():
    """Nairobi asks. Bangkok is the most alike to Nairobi and has no flood practice; İzmir
    published sponge neighbourhoods; Rotterdam several flood practices in other words;
    Medellín one flood practice, in Spanish only; Lyon only practices on other subjects."""
    africa = region("002", "Africa")
    asia = region("142", "Asia")
    europe = region("150", "Europe")
    americas = region("019", "Americas")
    subregions = {
        "africa": region("202", "Sub-Saharan Africa", africa),
        "asia": region("035", "South-eastern Asia", asia),
        "west-asia": region("145", "Western Asia", asia),
        "europe": region("155", "Western Europe", europe),
        "americas": region("419", "Latin America and the Caribbean", americas),
    }
    countries = {
        iso2: Country.objects.create(
            iso2=iso2, name_en=name, name_fr=name, name_es=name, subregion=subregions[where]
        )
        for iso2, name, where in [
            ("KE", "Kenya", "africa"),
            ("SN", "Senegal", "africa"),
            ("TH", "Thailand", "asia"),
            ("TR", "Türkiye", "west-asia"),
            ("NL", "Netherlands", "europe"),
            ("FR", "France", "europe"),
            ("CO", "Colombia", "americas"),
        ]
    }

    def city(name, iso2, population, languages, open_=False):
        return City.objects.create(
            name=name,
            slug=name.lower().replace("İ", "i").replace("í", "i"),
            country=countries[iso2],
            population=population,
            languages=languages,
            member_status="active",
            member_since=timezone.now().date(),
            open_to_exchanges=open_,
        )

    c = {
        "nairobi": city("Nairobi", "KE", 4_400_000, ["en", "sw"], open_=True),
        "dakar": city("Dakar", "SN", 3_500_000, ["fr", "wo"], open_=True),
        "bangkok": city("Bangkok", "TH", 5_400_000, ["en", "th"], open_=True),
        "izmir": city("İzmir", "TR", 2_900_000, ["tr"]),
        "rotterdam": city("Rotterdam", "NL", 650_000, ["nl", "en"], open_=True),
        "medellin": city("Medellín", "CO", 2_500_000, ["es"]),
        "lyon": city("Lyon", "FR", 520_000, ["fr"], open_=True),
    }
    sustainability = ("sustainability",)
    make(c["bangkok"], title="Night markets for street vendors", challenges=sustainability)
    make(
        c["bangkok"],
        title="Bus rapid transit on the ring road",
        summary="Dedicated lanes and new stations.",
        challenges=sustainability,
    )
    c["sponge"] = make(
        c["izmir"],
        title="Sponge neighbourhoods",
        summary="Streets, squares and parks that soak up heavy rain instead of flooding.",
        challenges=sustainability,
    )
    make(
        c["rotterdam"],
        title="Water squares that store storm water",
        summary="Public squares that fill with rain during cloudbursts to prevent flooding.",
        challenges=sustainability,
    )
    make(
        c["rotterdam"],
        title="Green roofs against urban flooding",
        summary="Subsidies for roofs that hold rainwater.",
        challenges=sustainability,
    )
    c["jardines"] = make(
        c["medellin"],
        language="es",
        title="Jardines de lluvia y pavimentos permeables contra las inundaciones",
        summary="Los barrios absorben el agua de las tormentas.",
        challenges=sustainability,
    )
    make(
        c["lyon"],
        language="fr",
        title="Vélos en libre-service",
        summary="Des vélos partagés dans toute la métropole.",
        challenges=sustainability,
    )
    vectors_refresh(practice_ids=Practice.objects.values_list("pk", flat=True))
    return c


def _request(city, need, *, source=None):
    request = ExchangeRequest.objects.create(city=city, need=need, source_practice=source)
    request.challenges.set(Challenge.objects.filter(slug="sustainability"))
    return request


def test_request_from_izmir_practice_ranks_izmir_first(world, sync_index):
    sync_index()
    request = _request(world["nairobi"], SPONGE_NEED, source=world["sponge"])
    ranked = rank_peers(request=request)
    assert ranked[0].city == world["izmir"]
    assert ranked[0].practices[0] == world["sponge"]
    assert ranked[0].components["relevance"] == 1.0
    assert "the request was started from one of its practices" in ranked[0].explanation
    # Bangkok, the most alike to Nairobi, has nothing on the need: meaning puts it below the
    # city whose practices answer it in other words.
    names = [c.city.name for c in ranked]
    assert names.index("Rotterdam") < names.index("Bangkok")
    rotterdam = ranked[names.index("Rotterdam")]
    by_meaning = [s for s in rotterdam.explanation if s.startswith("matched by meaning: ")]
    assert len(by_meaning) == 1
    assert "“Green roofs against urban flooding” (similarity 0." in by_meaning[0]
    assert (
        rotterdam.components["relevance"] > ranked[names.index("Bangkok")].components["relevance"]
    )


def test_need_naming_a_city_counts_for_it_without_a_source_practice(world, sync_index):
    sync_index()
    ranked = rank_peers(request=_request(world["nairobi"], SPONGE_NEED))
    izmir = next(c for c in ranked if c.city == world["izmir"])
    assert izmir.components["relevance"] == 1.0
    assert "the need names İzmir" in izmir.explanation
    # Full marks on relevance; likeness and openness still order it among the answering cities.
    names = [c.city.name for c in ranked]
    assert names.index("İzmir") < names.index("Bangkok")


def test_source_city_is_not_first_when_it_is_the_requester(world, sync_index):
    sync_index()
    request = _request(world["izmir"], SPONGE_NEED, source=world["sponge"])
    ranked = rank_peers(request=request)
    assert world["izmir"] not in [c.city for c in ranked]


def test_french_need_finds_the_city_whose_only_answer_is_in_spanish(world, sync_index):
    sync_index()
    need = FRENCH_NEED
    ranked = rank_peers(request=_request(world["dakar"], need))
    names = [c.city.name for c in ranked]
    medellin = ranked[names.index("Medellín")]
    assert names.index("Medellín") < names.index("Lyon")
    assert names.index("Medellín") < names.index("Bangkok")
    assert medellin.practices[0] == world["jardines"]
    assert medellin.explanation[0].startswith(
        "matched by meaning: “Jardines de lluvia y pavimentos permeables contra las inundaciones”"
    )
    assert not any("matched by" in s for s in ranked[names.index("Lyon")].explanation)


def test_words_and_meaning_are_told_apart(world, sync_index):
    make(
        world["lyon"],
        title="Jardins de pluie contre les inondations",
        summary="Des jardins de pluie dans chaque rue.",
        challenges=("sustainability",),
    )
    vectors_refresh(practice_ids=Practice.objects.values_list("pk", flat=True))
    sync_index()
    ranked = rank_peers(request=_request(world["dakar"], "jardins de pluie contre les inondations"))
    lyon = next(c for c in ranked if c.city == world["lyon"])
    assert "matched by words: “Jardins de pluie contre les inondations”" in lyon.explanation
    medellin = next(c for c in ranked if c.city == world["medellin"])
    assert any(s.startswith("matched by meaning:") for s in medellin.explanation)


def test_explanations_are_stored_as_reasons_and_read_in_the_readers_language(world, sync_index):
    """Ranked by an English-speaking broker, read in French and Spanish: every sentence in the
    reader's language, and each practice under its title in that language when it has one (else
    its original)."""
    PracticeTranslation.objects.create(
        master=world["sponge"],
        language_code="fr",
        title="Quartiers éponges",
        summary="Des rues et des places qui absorbent les pluies.",
    )
    sync_index()
    request = _request(world["nairobi"], SPONGE_NEED, source=world["sponge"])
    with translation.override("en"):
        matches = {m.peer_city.name: m for m in matches_refresh(request=request)}
    izmir = Match.objects.get(pk=matches["İzmir"].pk)
    reasons = izmir.explanation["reasons"]
    assert reasons[0] == {"key": "source_practice"}
    assert {"key": "names_city", "city": "İzmir"} in reasons
    rotterdam = Match.objects.get(pk=matches["Rotterdam"].pk)

    with translation.override("fr"):
        said = explanation_sentences(izmir.explanation)
        assert said[0] == "la demande est partie d’une de ses pratiques"
        assert "le besoin nomme İzmir" in said
        assert any("« Quartiers éponges »" in s for s in said)
        assert any("(similarité 0," in s for s in explanation_sentences(rotterdam.explanation))
    with translation.override("es"):
        said = explanation_sentences(izmir.explanation)
        assert said[0] == "la solicitud partió de una de sus prácticas"
        # No Spanish version: the original title.
        assert any("Sponge neighbourhoods" in s for s in said)
    with translation.override("en"):
        said = explanation_sentences(izmir.explanation)
        assert said[0] == "the request was started from one of its practices"


def test_explanations_stored_as_sentences_still_read(world):
    """Rows ranked before reasons existed keep their sentences, shown as they were written."""
    match = Match.objects.create(
        request=_request(world["nairobi"], SPONGE_NEED),
        peer_city=world["izmir"],
        score=0.5,
        explanation={"components": {}, "sentences": ["open to exchanges"]},
    )
    with translation.override("fr"):
        assert explanation_sentences(match.explanation) == ["open to exchanges"]
    # A reason this version does not know, or a malformed one, is left out, never an error.
    odd = {"reasons": [{"key": "from_the_future"}, {"key": "words"}, {"key": "open"}]}
    assert explanation_sentences(odd) == ["open to exchanges"]


class MissingLibraryEncoder(UniversalSentenceEncoder):
    """An install whose encoder library is gone: loading fails as it would on a server."""

    module = "usem3_not_installed"


def test_without_the_embedder_matching_falls_back_to_words_and_says_so(world, sync_index, settings):
    sync_index()
    settings.EMBEDDER = f"{__name__}.MissingLibraryEncoder"
    with pytest.raises(EmbedderUnavailable):
        get_embedder()
    need = FRENCH_NEED
    ranked = rank_peers(request=_request(world["dakar"], need))
    medellin = next(c for c in ranked if c.city == world["medellin"])
    assert medellin.components["relevance"] == 0.0  # words alone do not cross languages
    for candidate in ranked:
        assert "matched by words only: the language model is unavailable" in (candidate.explanation)
    # What the request says about itself still counts without the model.
    request = _request(world["nairobi"], SPONGE_NEED, source=world["sponge"])
    assert rank_peers(request=request)[0].city == world["izmir"]


@pytest.mark.elasticsearch
def test_on_elasticsearch_meaning_comes_from_the_index_not_the_stored_vectors(world, es_settings):
    """The engine answers by meaning (a knn query on the indexed vectors): with the vectors
    gone from the database, the Spanish-only answer to a French need is still found."""
    from search.backends import get_backend

    backend = get_backend()
    backend.rebuild()
    backend.refresh()
    PracticeTranslation.objects.update(embedding=None, embedding_hash="")
    ranked = rank_peers(request=_request(world["dakar"], FRENCH_NEED))
    medellin = next(c for c in ranked if c.city == world["medellin"])
    assert medellin.practices[0] == world["jardines"]
    assert medellin.explanation[0].startswith("matched by meaning: ")


@pytest.fixture
def answers(world):
    """Medellín has four answers to the flood need, all in Spanish; İzmir three, in English."""
    sustainability = ("sustainability",)
    for title, summary in [
        ("Parques inundables", "Parques que guardan el agua de lluvia para evitar inundaciones."),
        ("Techos verdes contra las inundaciones", "Cubiertas que retienen el agua de lluvia."),
        (
            "Zanjas de drenaje con vegetación",
            "Zanjas verdes que absorben el agua de las tormentas e impiden las inundaciones.",
        ),
    ]:
        make(
            world["medellin"],
            language="es",
            title=title,
            summary=summary,
            challenges=sustainability,
        )
    for title, summary in [
        ("Rain gardens in every school", "School yards that soak up storm water against floods."),
        ("Permeable paving in old streets", "Paving that lets heavy rain soak into the ground."),
    ]:
        make(world["izmir"], title=title, summary=summary, challenges=sustainability)
    vectors_refresh(practice_ids=Practice.objects.values_list("pk", flat=True))
    return world


def test_relevance_by_meaning_counts_every_answer_and_favours_the_readers_language(
    answers, sync_index
):
    """Each answering practice counts (not only a city's best three), and one the requester
    can read in the language of the request counts twice."""
    sync_index()
    request = _request(answers["dakar"], FRENCH_NEED)
    request.languages = ["fr"]  # neither city wrote in French: four answers beat three
    request.save()
    ranked = {c.city.name: c for c in rank_peers(request=request)}
    assert ranked["Medellín"].components["relevance"] > ranked["İzmir"].components["relevance"]
    assert len([p for p in ranked["Medellín"].practices if p.city == answers["medellin"]]) == 4
    request.languages = ["en"]  # İzmir's three are in English: 3 + 3 against 4
    request.save()
    ranked = {c.city.name: c for c in rank_peers(request=request)}
    assert ranked["İzmir"].components["relevance"] > ranked["Medellín"].components["relevance"]
    request.languages = ["es"]  # Medellín's four are in Spanish: 4 + 4 against 3
    request.save()
    ranked = {c.city.name: c for c in rank_peers(request=request)}
    assert ranked["Medellín"].components["relevance"] == 1.0
    assert ranked["Medellín"].components["relevance"] > ranked["İzmir"].components["relevance"]
