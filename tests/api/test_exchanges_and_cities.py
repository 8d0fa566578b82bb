"""Exchange requests, matches, exchanges, cities and the taxonomy over the API, from the
outside: each endpoint's permission matrix, with the record unchanged on every refusal, and
bounded queries per list page."""

import copy

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services import BROKER, EDITOR, user_grant_staff_role
from exchanges.models import Exchange, ExchangeRequest, Match
from practices.models import PracticeTranslation
from tests.factories import (
    CityFactory,
    ExchangeFactory,
    ExchangeRequestFactory,
    MatchFactory,
    MembershipFactory,
    PracticeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SEARCH_BACKEND = "search.backends.database.DatabaseBackend"


@pytest.fixture(scope="module")
def _cities_and_people(module_transaction):
    """Made once for the module (see tests/conftest.py); each test gets a copy."""
    with module_transaction.unblock():
        dakar, lyon, quito = (
            CityFactory(name="Dakar", slug="dakar"),
            CityFactory(name="Lyon", slug="lyon"),
            CityFactory(name="Quito", slug="quito"),
        )
        people = {
            "requester_official": MembershipFactory(city=dakar, role="official").user,
            "requester_practitioner": MembershipFactory(city=dakar, role="practitioner").user,
            "peer_official": MembershipFactory(city=lyon, role="official").user,
            "peer_practitioner": MembershipFactory(city=lyon, role="practitioner").user,
            "outsider_official": MembershipFactory(city=quito, role="official").user,
            "broker": user_grant_staff_role(user=UserFactory(), role=BROKER),
            "editor": user_grant_staff_role(user=UserFactory(), role=EDITOR),
            "nobody": UserFactory(),
        }
    return {"dakar": dakar, "lyon": lyon, "quito": quito, "people": people}


@pytest.fixture
def cast_(_cities_and_people, client_for, db):
    cast_ = copy.deepcopy(_cities_and_people)
    clients = {name: client_for(user) for name, user in cast_["people"].items()}
    clients["anonymous"] = client_for(None)
    return {**cast_, "clients": clients}


def _request(c, need="We want quieter streets around the schools of the centre.", **kwargs):
    return ExchangeRequestFactory(
        city=c["dakar"],
        created_by=c["people"]["requester_official"],
        need=need,
        challenges=["sustainability"],
        **kwargs,
    )


def _proposed(c):
    """Lyon proposed to Dakar's request by the broker; Quito ranked and not proposed."""
    request = _request(c, taken=True, broker=c["people"]["broker"])
    exchange = ExchangeFactory(match__request=request, match__peer_city=c["lyon"], match__score=0.9)
    MatchFactory(request=request, peer_city=c["quito"], score=0.5)
    request.refresh_from_db()
    return request, exchange


def _status(response):
    return response.status_code


def test_filing_a_request(cast_):
    body = {
        "city": "dakar",
        "challenges": ["sustainability"],
        "need": "We want quieter streets around the schools of the centre.",
    }
    expected = {
        "anonymous": 401,
        "requester_practitioner": 403,
        "peer_official": 403,
        "broker": 403,
        "editor": 403,
        "nobody": 403,
    }
    for role, status in expected.items():
        assert _status(cast_["clients"][role].post("/api/v1/exchange-requests/", body)) == status
    assert ExchangeRequest.objects.count() == 0
    created = cast_["clients"]["requester_official"].post("/api/v1/exchange-requests/", body)
    assert created.status_code == 201, created.content
    again = cast_["clients"]["requester_official"].post("/api/v1/exchange-requests/", body)
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    short = cast_["clients"]["requester_official"].post(
        "/api/v1/exchange-requests/", {**body, "need": "help"}
    )
    assert short.status_code == 400 and "need" in short.json()["errors"]
    assert ExchangeRequest.objects.count() == 1


def test_who_sees_a_request_and_its_matches(cast_):
    request, _exchange = _proposed(cast_)
    url = f"/api/v1/exchange-requests/{request.pk}/"
    sees = {
        "requester_official": 2,
        "requester_practitioner": 2,
        "broker": 2,
        "peer_official": 1,  # its own proposal only
        "peer_practitioner": 1,
    }
    for role in sees:
        assert _status(cast_["clients"][role].get(url)) == 200, role
        matches = cast_["clients"][role].get(url + "matches/").json()
        assert matches["count"] == sees[role], role
        listed = cast_["clients"][role].get("/api/v1/exchange-requests/").json()["results"]
        assert [r["id"] for r in listed] == [request.pk], role
    for role in ("outsider_official", "editor", "nobody"):
        assert _status(cast_["clients"][role].get(url)) == 404, role
        assert _status(cast_["clients"][role].get(url + "matches/")) == 404, role
        assert cast_["clients"][role].get("/api/v1/exchange-requests/").json()["count"] == 0
    assert _status(cast_["clients"]["anonymous"].get(url)) == 401


def test_broker_actions_are_for_brokers(cast_, client_for):
    request = _request(cast_)
    url = f"/api/v1/exchange-requests/{request.pk}/"
    for role in ("requester_official", "requester_practitioner"):
        assert _status(cast_["clients"][role].post(url + "take/")) == 403
        assert _status(cast_["clients"][role].post(url + "rank/")) == 403
    assert _status(cast_["clients"]["outsider_official"].post(url + "take/")) == 404
    request.refresh_from_db()
    assert request.state == "open" and request.broker is None

    assert _status(cast_["clients"]["broker"].post(url + "take/")) == 200
    other_broker = client_for(user_grant_staff_role(user=UserFactory(), role=BROKER))
    taken = other_broker.post(url + "take/")
    assert taken.status_code == 409 and taken.json()["code"] == "conflict"

    match = Match.objects.create(request=request, peer_city=cast_["lyon"], score=0.9)
    propose = f"{url}matches/{match.pk}/propose/"
    assert _status(cast_["clients"]["requester_official"].post(propose)) == 403
    assert _status(cast_["clients"]["broker"].post(propose)) == 201
    again = cast_["clients"]["broker"].post(propose)
    assert again.status_code == 409
    assert Exchange.objects.count() == 1
    assert _status(cast_["clients"]["broker"].post(f"{url}matches/999999/propose/")) == 404


def test_exchange_steps_and_visibility(cast_):
    _, exchange = _proposed(cast_)
    url = f"/api/v1/exchanges/{exchange.pk}/"
    for role in ("outsider_official", "editor", "nobody"):
        assert _status(cast_["clients"][role].get(url)) == 404
        assert _status(cast_["clients"][role].post(url + "accept/")) == 404
    for role in ("requester_official", "broker"):
        response = cast_["clients"][role].post(url + "accept/")
        assert response.status_code == 403, role
    exchange.refresh_from_db()
    assert exchange.state == "proposed"
    decline = cast_["clients"]["peer_practitioner"].post(url + "decline/")
    assert decline.status_code == 400 and "note" in decline.json()["errors"]
    accept = cast_["clients"]["peer_practitioner"].post(url + "accept/")
    assert accept.status_code == 200 and accept.json()["state"] == "accepted"
    late = cast_["clients"]["peer_official"].post(url + "decline/", {"note": "Too late"})
    assert late.status_code == 409
    schedule = cast_["clients"]["broker"].post(url + "schedule/", {"starts_on": "not a date"})
    assert schedule.status_code == 400 and "starts_on" in schedule.json()["errors"]
    schedule = cast_["clients"]["broker"].post(
        url + "schedule/", {"starts_on": "2027-05-02", "ends_on": "2027-05-01"}
    )
    assert schedule.status_code == 400 and "ends_on" in schedule.json()["errors"]
    evaluate = cast_["clients"]["requester_official"].post(
        url + "evaluations/", {"city": "dakar", "outcome": "not_adopted"}
    )
    assert evaluate.status_code == 409  # not completed yet
    listed = cast_["clients"]["peer_official"].get("/api/v1/exchanges/").json()["results"]
    assert [e["id"] for e in listed] == [exchange.pk]


def test_request_withdrawal(cast_):
    request, exchange = _proposed(cast_)
    url = f"/api/v1/exchange-requests/{request.pk}/withdraw/"
    assert _status(cast_["clients"]["requester_practitioner"].post(url)) == 403
    assert _status(cast_["clients"]["peer_official"].post(url)) == 403
    done = cast_["clients"]["requester_official"].post(url, {"note": "Solved locally."})
    assert done.status_code == 200 and done.json()["state"] == "withdrawn"
    exchange.refresh_from_db()
    assert exchange.state == "cancelled"
    assert _status(cast_["clients"]["requester_official"].post(url)) == 409


def _count(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries), response.json()


def test_exchange_lists_run_bounded_queries(cast_):
    broker = cast_["clients"]["broker"]
    for i in range(12):
        request = _request(
            cast_,
            need=f"Need number {i} about quieter streets near schools.",
            taken=True,
            broker=cast_["people"]["broker"],
        )
        for city in (cast_["lyon"], cast_["quito"]):
            exchange = ExchangeFactory(match__request=request, match__peer_city=city)
            exchange.match.practices.set([PracticeFactory(city=city), PracticeFactory(city=city)])
    _count(broker, "/api/v1/taxonomy/")  # the token's first use is recorded once
    for url in ("/api/v1/exchange-requests/", "/api/v1/exchanges/"):
        small, first = _count(broker, url + "?page_size=2")
        large, every = _count(broker, url + "?page_size=100")
        assert len(first["results"]) == 2 and len(every["results"]) > 2
        assert small == large, url
    request_id = ExchangeRequest.objects.first().pk
    small, _ = _count(broker, f"/api/v1/exchange-requests/{request_id}/matches/?page_size=1")
    large, page = _count(broker, f"/api/v1/exchange-requests/{request_id}/matches/")
    assert page["count"] == 2 and small == large


def test_cities_and_members(cast_):
    anonymous = cast_["clients"]["anonymous"]
    listed = anonymous.get("/api/v1/cities/?q=ly").json()["results"]
    assert [c["slug"] for c in listed] == ["lyon"]
    detail = anonymous.get("/api/v1/cities/lyon/")
    assert detail.status_code == 200 and detail.json()["name"] == "Lyon"
    assert anonymous.get("/api/v1/cities/atlantis/").status_code == 404
    assert anonymous.get("/api/v1/cities/lyon/members/").status_code == 401
    for role in ("peer_official", "requester_official", "nobody"):
        assert cast_["clients"][role].get("/api/v1/cities/lyon/members/").status_code == 403
    for role in ("broker", "editor"):
        members = cast_["clients"][role].get("/api/v1/cities/lyon/members/").json()["results"]
        assert sorted(m["role"] for m in members) == ["official", "practitioner"]
    for i in range(30):
        CityFactory(name=f"Town {i:02d}")
    small, _ = _count(anonymous, "/api/v1/cities/?page_size=2")
    large, page = _count(anonymous, "/api/v1/cities/?page_size=100")
    assert len(page["results"]) == 33 and small == large


def test_taxonomy_in_three_languages(cast_):
    client = cast_["clients"]["anonymous"]
    for language, name in (("en", "Gender equality"), ("fr", "Égalité de genre")):
        body = client.get("/api/v1/taxonomy/", HTTP_ACCEPT_LANGUAGE=language).json()
        names = {c["slug"]: c["name"] for c in body["challenges"]}
        assert names["gender-equality"] == name
        assert len(body["sdgs"]) == 17 and body["topics"]


def test_request_filters(cast_):
    request = _request(cast_)
    broker = cast_["clients"]["broker"]
    assert broker.get("/api/v1/exchange-requests/?challenge=sustainability").json()["count"] == 1
    assert broker.get("/api/v1/exchange-requests/?challenge=gender-equality").json()["count"] == 0
    got = broker.get("/api/v1/exchange-requests/?state=open&city=dakar").json()["results"]
    assert [r["id"] for r in got] == [request.pk]
    bad = broker.get("/api/v1/exchange-requests/?state=lost")
    assert bad.status_code == 400 and "state" in bad.json()["errors"]


def test_match_explanations_in_the_readers_language(cast_):
    """The stored reasons are told in the language the client asks for, practice titles too;
    a match stored before reasons existed keeps its sentences."""
    request, exchange = _proposed(cast_)
    practice = PracticeFactory(
        city=cast_["lyon"], text__title="Quiet school streets", challenges=["sustainability"]
    )
    PracticeTranslation.objects.create(
        master=practice, language_code="fr", title="Rues scolaires apaisées", summary="Calme."
    )
    Match.objects.filter(pk=exchange.match_id).update(
        explanation={
            "components": {},
            "weights": {},
            "reasons": [
                {"key": "matched_by_meaning", "practices": [practice.pk], "similarities": [0.4]},
                {"key": "challenges", "challenges": ["sustainability"], "wanted": 1},
                {"key": "open"},
            ],
        }
    )
    Match.objects.filter(request=request, peer_city=cast_["quito"]).update(
        explanation={"sentences": ["written before reasons existed"]}
    )
    url = f"/api/v1/exchange-requests/{request.pk}/matches/"
    broker = cast_["clients"]["broker"]

    def said(language):
        body = broker.get(url, HTTP_ACCEPT_LANGUAGE=language).json()
        return {m["peer_city"]["slug"]: m["explanation"] for m in body["results"]}

    assert said("en")["lyon"] == [
        "matched by meaning: “Quiet school streets” (similarity 0.40)",
        "shares challenges Sustainability (1 of 1)",
        "open to exchanges",
    ]
    assert said("fr")["lyon"] == [
        "trouvé par le sens : « Rues scolaires apaisées » (similarité 0,40)",
        "partage les défis Durabilité (1 sur 1)",
        "ouverte aux échanges",
    ]
    # No Spanish text: the original title.
    assert (
        said("es")["lyon"][0]
        == "encontrado por el sentido: «Quiet school streets» (similitud 0,40)"
    )
    assert said("fr")["quito"] == ["written before reasons existed"]


def test_a_request_may_start_from_a_published_practice(cast_):
    """`source_practice` from the outside: a published practice is kept and returned; an
    unknown id, a practice the official may not see, an unpublished one of their own city and
    a value of another type are refused with 400 and the reason on the field, never a 500."""
    official = cast_["clients"]["requester_official"]
    published = PracticeFactory(city=cast_["lyon"], challenges=["sustainability"])
    others_draft = PracticeFactory(city=cast_["lyon"], review_state="draft", published_at=None)
    own_draft = PracticeFactory(city=cast_["dakar"], review_state="draft", published_at=None)
    body = {
        "city": "dakar",
        "challenges": ["sustainability"],
        "need": "We want quieter streets around the schools of the centre.",
    }

    def refused(value):
        response = official.post("/api/v1/exchange-requests/", {**body, "source_practice": value})
        assert response.status_code == 400, (value, response.content)
        return response.json()["errors"]["source_practice"][0]

    missing = 10**6 + published.pk
    assert refused(missing) == f"There is no practice {missing}."
    assert refused(2**70) == f"There is no practice {2**70}."
    # Someone else's draft does not exist for this official; their own city's draft does.
    assert refused(others_draft.pk) == f"There is no practice {others_draft.pk}."
    assert refused(own_draft.pk) == "Start from a published practice."
    for value, kind in [("abc", "str"), (True, "bool"), (1.5, "float"), ([published.pk], "list")]:
        assert refused(value) == f"Give the id of a practice, a number (not {kind}).", value
    french = official.post(
        "/api/v1/exchange-requests/",
        {**body, "source_practice": "abc"},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert french.json()["errors"]["source_practice"][0].startswith("Donnez l’identifiant")
    assert ExchangeRequest.objects.count() == 0

    created = official.post("/api/v1/exchange-requests/", {**body, "source_practice": published.pk})
    assert created.status_code == 201, created.content
    assert created.json()["source_practice"] == published.pk
    request = ExchangeRequest.objects.get()
    assert request.source_practice == published
    read = official.get(f"/api/v1/exchange-requests/{request.pk}/").json()
    assert read["source_practice"] == published.pk
    # Without one: null, as before.
    again = official.post(
        "/api/v1/exchange-requests/",
        {**body, "need": "We want cooler schoolyards with trees and fountains."},
    )
    assert again.status_code == 201 and again.json()["source_practice"] is None
