"""Pages added for the web experience: the "my city" dashboard, the home page's sections, the
city profile's exchanges, the error pages and the search page's enhancements."""

import pytest
from django.test import Client
from django.urls import reverse
from django.views.defaults import server_error

from exchanges.models import Exchange
from practices.models import Practice
from tests.factories import MembershipFactory, PracticeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_my_city_shows_what_the_members_have_to_do(client, cast_, make_exchange):
    peer = cast_["peer"]
    draft = PracticeFactory(
        city=peer, text__title="Half written", review_state="draft", published_at=None
    )
    waiting = PracticeFactory(
        city=peer, text__title="Waiting one", review_state="submitted", published_at=None
    )
    PracticeFactory(city=cast_["outsider"], text__title="Not ours", review_state="draft")
    exchange = make_exchange()
    client.force_login(cast_["people"]["peer_practitioner"])
    response = client.get(reverse("my-city"))
    assert response.status_code == 200
    board = response.context["boards"][0]
    assert list(board["to_work_on"]) == [draft]
    assert list(board["in_review"]) == [waiting]
    assert list(board["to_answer"]) == [exchange]
    page = response.content.decode()
    assert "Half written" in page and "Not ours" not in page
    assert reverse("exchange-detail", args=[exchange.pk]) in page


def test_my_city_lists_the_officials_open_requests(client, cast_, make_exchange):
    exchange = make_exchange()
    client.force_login(cast_["people"]["requester_official"])
    board = client.get(reverse("my-city")).context["boards"][0]
    assert list(board["requests"]) == [exchange.match.request]
    assert board["is_official"]


def test_my_city_needs_an_account_and_explains_when_there_is_no_city(client):
    assert client.get(reverse("my-city")).status_code == 302
    client.force_login(UserFactory())
    assert "not a member of any city" in client.get(reverse("my-city")).content.decode()


def test_home_lists_the_most_adapted_practices(client):
    adopted = PracticeFactory(text__title="Copied everywhere")
    Practice.objects.filter(pk=adopted.pk).update(adapted_count=3)
    PracticeFactory(text__title="Nobody yet")
    response = client.get(reverse("home"))
    assert list(response.context["most_adapted"]) == [adopted]
    assert "Most adapted" in response.content.decode()


def test_city_profile_shows_finished_exchanges_only(client, cast_, make_exchange):
    done = make_exchange(Exchange.State.COMPLETED)
    page = client.get(cast_["peer"].get_absolute_url()).content.decode()
    assert "Dakar learned from Lyon" in page
    Exchange.objects.filter(pk=done.pk).update(state=Exchange.State.ACCEPTED)
    assert "learned from" not in client.get(cast_["peer"].get_absolute_url()).content.decode()


def test_error_pages_are_ours(client, rf):
    missing = client.get("/fr/practices/999999/")
    assert missing.status_code == 404 and "Page introuvable" in missing.content.decode()
    client.force_login(MembershipFactory().user)
    denied = client.get("/en/exchanges/board/")
    assert denied.status_code == 403 and "brokers" in denied.content.decode()
    crashed = server_error(rf.get("/en/"))
    assert crashed.status_code == 500 and b"Something went wrong" in crashed.content


def test_search_page_loads_its_enhancements_from_static_files(client):
    page = client.get(reverse("search")).content.decode()
    assert 'src="/static/js/search.js"' in page
    assert 'data-suggest-url="/api/v1/search/suggest/"' in page and 'id="suggestions"' in page
    # No inline script or event handler: the CSP would refuse it.
    assert "<script>" not in page and " onclick=" not in page


def test_every_post_form_carries_its_csrf_token(cast_):
    client = Client()
    client.force_login(cast_["people"]["requester_official"])
    for name in ("my-city", "practice-create", "exchange-request-create", "home"):
        page = client.get(reverse(name)).content.decode()
        assert page.count('method="post"') == page.count('name="csrfmiddlewaretoken"'), name


def test_a_form_without_its_csrf_token_gets_our_page_in_the_pages_language():
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/fr/accounts/login/", {"username": "a@b.c", "password": "x"})
    assert response.status_code == 403
    assert "Le formulaire a expiré" in response.content.decode()
