"""The exchange pages from the outside: who sees what, and forms that never 500."""

import pytest
from django.utils import timezone

from exchanges.models import Exchange, ExchangeRequest, Match
from practices.models import Practice
from tests.factories import PracticeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("requester_official", 200),
        ("requester_practitioner", 200),
        ("broker", 200),
        ("outsider_official", 404),
        ("nobody", 404),
        ("peer_official", 404),
    ],
)
def test_an_outsider_cannot_see_another_citys_request(client, cast_, make_request, role, status):
    request = make_request()
    client.force_login(cast_["people"][role])
    assert client.get(f"/en/exchanges/requests/{request.pk}/").status_code == status


def test_anonymous_is_sent_to_sign_in(client, make_request):
    request = make_request()
    assert client.get(f"/en/exchanges/requests/{request.pk}/").status_code == 302
    assert client.get("/en/exchanges/board/").status_code == 302


def test_peer_sees_its_proposal_and_answers(client, cast_, make_exchange):
    exchange = make_exchange()
    client.force_login(cast_["people"]["peer_practitioner"])
    assert client.get(f"/en/exchanges/requests/{exchange.match.request.pk}/").status_code == 200
    assert exchange.pk in [e.pk for e in client.get("/en/exchanges/mine/").context["to_answer"]]
    response = client.post(f"/en/exchanges/{exchange.pk}/step/decline/", {"note": ""}, follow=True)
    assert response.status_code == 200 and "Say why" in response.content.decode()
    client.post(f"/en/exchanges/{exchange.pk}/step/accept/", {"note": "Yes!"})
    client.post(
        f"/en/exchanges/{exchange.pk}/step/accept/", {"note": "Yes again!"}, follow=True
    )  # double click
    exchange.refresh_from_db()
    assert exchange.state == "accepted" and exchange.events.count() == 2
    client.force_login(cast_["people"]["outsider_official"])
    assert client.get(f"/en/exchanges/{exchange.pk}/").status_code == 404
    assert (
        client.post(f"/en/exchanges/{exchange.pk}/step/cancel/", {"note": "x"}).status_code == 404
    )


def test_official_files_a_request_through_the_form(client, cast_):
    client.force_login(cast_["people"]["requester_official"])
    assert client.get("/en/exchanges/requests/new/").status_code == 200
    data = {
        "city": cast_["requester"].pk,
        "challenges": ["gender-equality"],
        "need": "We need to make night buses safer for women.",
        "formats": ["webinar"],
        "languages": ["fr"],
    }
    assert client.post("/en/exchanges/requests/new/", data).status_code == 302
    response = client.post(
        "/en/exchanges/requests/new/", data, follow=True
    )  # the same form sent twice
    assert "already filed" in response.content.decode()
    assert ExchangeRequest.objects.count() == 1
    bad = client.post(
        "/en/exchanges/requests/new/",
        {
            **data,
            "challenges": ["astrology"],
            "window_start": "2027-05-01",
            "window_end": "2027-01-01",
            "formats": ["carrier-pigeon"],
        },
    )
    assert bad.status_code == 200 and ExchangeRequest.objects.count() == 1
    client.force_login(cast_["people"]["requester_practitioner"])
    assert client.get("/en/exchanges/requests/new/").status_code == 403


def test_broker_board_and_actions(client, cast_, make_request):
    request = make_request()
    client.force_login(cast_["people"]["broker"])
    page = client.get("/en/exchanges/board/").content.decode()
    assert "Dakar" in page
    assert (
        "Dakar"
        not in client.get(
            "/en/exchanges/board/",
            {"region": "002", "broker": "none", "challenge": "sustainability"},
        ).content.decode()
    )
    assert client.get("/en/exchanges/board/", {"broker": "abc", "region": "<x>"}).status_code == 200
    client.post(f"/en/exchanges/requests/{request.pk}/take/")
    request.refresh_from_db()
    assert request.state == "in_review"
    match = Match.objects.create(
        request=request,
        peer_city=cast_["peer"],
        score=0.5,
        explanation={"sentences": ["Shares the challenge Gender equality"]},
    )
    assert (
        "Shares the challenge"
        in client.get(f"/en/exchanges/requests/{request.pk}/").content.decode()
    )
    client.post(f"/en/exchanges/requests/{request.pk}/propose/", {"match": match.pk})
    client.post(f"/en/exchanges/requests/{request.pk}/propose/", {"match": match.pk})  # twice
    assert Exchange.objects.count() == 1
    assert (
        client.post(f"/en/exchanges/requests/{request.pk}/propose/", {"match": "999"}).status_code
        == 404
    )
    assert client.post(f"/en/exchanges/requests/{request.pk}/fly/").status_code == 404
    client.force_login(cast_["people"]["requester_official"])
    assert client.get("/en/exchanges/board/").status_code == 403


def test_exchange_page_schedules_and_evaluates(client, cast_, make_exchange):
    exchange = make_exchange("accepted")
    client.force_login(cast_["people"]["peer_official"])
    client.post(f"/en/exchanges/{exchange.pk}/step/schedule/", {"starts_on": "bad-date"})
    client.post(
        f"/en/exchanges/{exchange.pk}/step/schedule/",
        {"starts_on": "2027-03-01", "ends_on": "2027-02-01"},
    )
    exchange.refresh_from_db()
    assert exchange.state == "accepted"
    client.post(f"/en/exchanges/{exchange.pk}/step/schedule/", {"starts_on": "2027-03-01"})
    exchange.refresh_from_db()
    assert exchange.state == "scheduled"
    Exchange.objects.filter(pk=exchange.pk).update(state="completed")
    page = client.get(f"/en/exchanges/{exchange.pk}/").content.decode()
    assert "Record the evaluation" in page
    peer = cast_["peer"].pk
    response = client.post(
        f"/en/exchanges/{exchange.pk}/evaluate/{peer}/",
        {f"city{peer}-would_host_again": "yes", f"city{peer}-helped": "Time."},
        follow=True,
    )
    assert response.status_code == 200
    assert exchange.evaluations.count() == 1
    assert (
        client.post(f"/en/exchanges/{exchange.pk}/evaluate/999999/", {"outcome": "x"}).status_code
        == 404
    )
    assert timezone.now()


def test_broker_ranks_peers_from_the_request_page(client, cast_, make_request, settings):
    from tests.factories import PracticeFactory

    settings.SEARCH_BACKEND = "search.backends.database.DatabaseBackend"
    PracticeFactory(
        city=cast_["peer"],
        text__title="Safer streets for women at night",
        challenges=["gender-equality"],
    )
    request = make_request()
    client.force_login(cast_["people"]["broker"])
    client.post(f"/en/exchanges/requests/{request.pk}/take/")
    client.post(f"/en/exchanges/requests/{request.pk}/rank/")
    match = Match.objects.get(request=request, peer_city=cast_["peer"])
    assert match.status == "suggested" and match.explanation["reasons"]
    page = client.get(f"/en/exchanges/requests/{request.pk}/").content.decode()
    assert "Lyon" in page and "Propose this peer" in page
    assert "shares challenges Gender equality (1 of 1)" in page
    # Rendered when read: the same stored reasons in the reader's language.
    page = client.get(f"/fr/exchanges/requests/{request.pk}/").content.decode()
    assert "partage les défis Égalité de genre (1 sur 1)" in page
    assert not Match.objects.filter(request=request, peer_city=cast_["requester"]).exists()
    client.force_login(cast_["people"]["requester_official"])
    assert client.post(f"/en/exchanges/requests/{request.pk}/rank/").status_code == 403


def test_a_request_started_from_a_practice_keeps_it(client, cast_):
    """The practice page's "ask for an exchange" link carries the practice into the request,
    where matching reads it (tests/exchanges/test_matching_meaning.py)."""
    practice = PracticeFactory(city=cast_["peer"], text__title="Sponge neighbourhoods")
    draft = PracticeFactory(city=cast_["peer"], review_state=Practice.ReviewState.DRAFT)
    client.force_login(cast_["people"]["requester_official"])
    form = client.get(f"/en/exchanges/requests/new/?practice={practice.pk}").content.decode()
    assert f'name="source_practice" value="{practice.pk}"' in form
    data = {
        "city": cast_["requester"].pk,
        "challenges": ["sustainability"],
        "need": "How did you build sponge neighbourhoods and maintain them?",
    }
    # A draft is not something a request can start from.
    refused = client.post("/en/exchanges/requests/new/", {**data, "source_practice": draft.pk})
    assert refused.status_code == 200 and not ExchangeRequest.objects.exists()
    response = client.post("/en/exchanges/requests/new/", {**data, "source_practice": practice.pk})
    assert response.status_code == 302
    assert ExchangeRequest.objects.get().source_practice == practice


@pytest.mark.parametrize("language", ["fr", "es"])
def test_every_exchange_action_keeps_the_readers_language(client, cast_, make_request, language):
    """Issue 14, item 15: after each action a French reader landed on an unprefixed path, in
    English. Every redirect of the exchange pages, followed, stays under /fr/ (or /es/)."""
    people = cast_["people"]
    prefix = f"/{language}/"

    def redirected(response):
        assert response.status_code == 302, response.content[:300]
        assert response["Location"].startswith(prefix), response["Location"]
        return response["Location"]

    client.force_login(people["requester_official"])
    data = {
        "city": cast_["requester"].pk,
        "challenges": ["gender-equality"],
        "need": "We need to make night buses safer for women.",
        "languages": ["fr"],
    }
    redirected(client.post(f"{prefix}exchanges/requests/new/", data))
    request = ExchangeRequest.objects.get()
    client.force_login(people["broker"])
    redirected(client.post(f"{prefix}exchanges/requests/{request.pk}/take/"))
    match = Match.objects.create(request=request, peer_city=cast_["peer"], score=0.5)
    redirected(
        client.post(f"{prefix}exchanges/requests/{request.pk}/propose/", {"match": match.pk})
    )
    exchange = Exchange.objects.get()
    client.force_login(people["peer_official"])
    redirected(client.post(f"{prefix}exchanges/{exchange.pk}/step/accept/", {"note": "Oui"}))
    redirected(client.post(f"{prefix}exchanges/{exchange.pk}/step/decline/", {"note": ""}))
    landed = client.get(
        redirected(client.post(f"{prefix}exchanges/{exchange.pk}/step/schedule/", {}))
    )
    assert landed.status_code == 200 and f'<html lang="{language}"' in landed.content.decode()
    Exchange.objects.filter(pk=exchange.pk).update(state="completed")
    redirected(
        client.post(
            f"{prefix}exchanges/{exchange.pk}/evaluate/{cast_['peer'].pk}/",
            {f"city{cast_['peer'].pk}-would_host_again": "maybe"},
        )
    )


def test_suggestions_link_to_pages_in_the_language_asked(client, cast_, backend_name, sync_index):
    PracticeFactory(city=cast_["peer"], review_state="published", published_at=timezone.now())
    practice = Practice.objects.get()
    sync_index()
    title = practice.text_in("en").title
    body = client.get("/api/v1/search/suggest/", {"q": title[:4]}, HTTP_ACCEPT_LANGUAGE="fr").json()
    assert body["suggestions"] and body["suggestions"][0]["url"].startswith("/fr/")


def test_pages_show_labels_not_codes_in_the_readers_language(client, cast_, make_request):
    """Issue 16: "study-visit", "en, ha" and "Aucun." under feminine headings."""
    request = make_request(formats=["study-visit", "webinar"], languages=["fr", "es"])
    city = cast_["requester"]
    city.languages = ["fr", "ha"]
    city.save(update_fields=["languages"])
    client.force_login(cast_["people"]["requester_official"])
    page = client.get(f"/fr/exchanges/requests/{request.pk}/").content.decode()
    assert "study-visit" not in page
    assert "visite d’étude" in page or "visite d'étude" in page
    assert "français, espagnol" in page
    city_page = client.get(f"/fr/cities/{city.slug}/").content.decode()
    assert "français, haoussa" in city_page
    english = client.get(f"/en/cities/{city.slug}/").content.decode()
    assert "French, Hausa" in english
    mine = client.get("/fr/exchanges/mine/").content.decode()
    assert "Aucun." not in mine
