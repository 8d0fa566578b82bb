"""Saved searches, my list and unsubscribing, from the outside."""

from __future__ import annotations

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from following.models import Bookmark, SavedSearch
from following.services import UNSUBSCRIBE_SALT, saved_search_save, unsubscribe_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _database_search(settings):
    settings.SEARCH_BACKEND = "search.backends.database.DatabaseBackend"


def test_a_search_is_saved_from_the_results_page_in_one_spelling(client, people):
    user = people["nobody"]
    client.force_login(user)
    page = client.get("/en/search/?topic=mobility&q=bus&page=2&q=ignored")
    form_url = reverse("following-search-save")
    assert form_url in page.content.decode()

    form = client.get(form_url, {"query": "topic=mobility&q=bus&page=2&sort=newest"})
    assert form.status_code == 200
    saved = client.post(
        form_url,
        {"query": "topic=mobility&q=bus&page=2", "name": "Buses", "frequency": "daily"},
    )
    assert saved.status_code == 302
    again = client.post(
        form_url, {"query": "q=bus&topic=mobility", "name": "Bus again", "frequency": "weekly"}
    )
    assert again.status_code == 302

    [row] = SavedSearch.objects.filter(user=user)
    assert (row.query, row.name, row.frequency) == ("q=bus&topic=mobility", "Bus again", "weekly")
    listing = client.get(reverse("following-searches")).content.decode()
    assert "Bus again" in listing and "/en/search/?q=bus&amp;topic=mobility" in listing


def test_a_search_the_page_would_refuse_is_not_saved(client, people):
    client.force_login(people["nobody"])
    answer = client.post(
        reverse("following-search-save"),
        {"query": "year_from=abc", "name": "Broken", "frequency": "daily"},
    )
    assert answer.status_code == 400
    assert not SavedSearch.objects.exists()


def test_signed_out_visitors_are_asked_to_sign_in(client):
    assert "Sign in to save this search" in client.get("/en/search/?q=bus").content.decode()
    for url in (reverse("following-searches"), reverse("following-list")):
        answer = client.get(url)
        assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


def test_nobody_changes_or_deletes_another_users_search(client, people):
    mine = saved_search_save(
        user=people["nobody"], query_string="q=bus", name="Buses", frequency="daily"
    )
    client.force_login(people["practitioner"])
    update = client.post(
        reverse("following-search-update", args=[mine.pk]), {f"s{mine.pk}-frequency": "none"}
    )
    delete = client.post(reverse("following-search-delete", args=[mine.pk]))
    assert (update.status_code, delete.status_code) == (404, 404)
    mine.refresh_from_db()
    assert mine.frequency == "daily"


def test_the_owner_changes_the_frequency_and_deletes(client, people):
    mine = saved_search_save(
        user=people["nobody"], query_string="q=bus", name="Buses", frequency="daily"
    )
    client.force_login(people["nobody"])
    client.post(
        reverse("following-search-update", args=[mine.pk]), {f"s{mine.pk}-frequency": "weekly"}
    )
    mine.refresh_from_db()
    assert mine.frequency == "weekly"
    client.post(reverse("following-search-delete", args=[mine.pk]))
    assert not SavedSearch.objects.exists()


def test_bookmarks_are_added_and_removed_without_javascript(client, people, make_practice):
    practice = make_practice("published", text__title="Bicycle lanes for everyone")
    hidden = make_practice("draft", text__title="A draft")
    user = people["nobody"]
    client.force_login(user)
    detail = practice.get_absolute_url()
    assert "Add to my list" in client.get(detail).content.decode()

    added = client.post(
        reverse("following-bookmark", args=[practice.pk]), {"action": "add", "next": detail}
    )
    assert added["Location"] == detail
    assert "Remove from my list" in client.get(detail).content.decode()
    assert "Bicycle lanes for everyone" in client.get(reverse("following-list")).content.decode()
    # From search results too, and back to them.
    results = client.get("/en/search/?q=bicycle").content.decode()
    assert "Remove from my list" in results

    assert (
        client.post(reverse("following-bookmark", args=[hidden.pk]), {"action": "add"}).status_code
        == 404
    )
    outside = client.post(
        reverse("following-bookmark", args=[practice.pk]),
        {"action": "remove", "next": "https://elsewhere.example/"},
    )
    assert outside["Location"] == reverse("following-list")
    assert not Bookmark.objects.filter(user=user).exists()


# -- unsubscribing ---------------------------------------------------------------------------


@pytest.fixture
def saved(people):
    return saved_search_save(
        user=people["nobody"], query_string="q=bus", name="Buses", frequency="daily"
    )


def test_the_link_works_signed_out_get_asks_and_post_does(saved):
    client = Client(enforce_csrf_checks=True)
    url = reverse(
        "following-unsubscribe",
        args=[unsubscribe_token(user_id=saved.user_id, saved_search_ids=[saved.pk])],
    )
    page = client.get(url)
    assert page.status_code == 200 and "Buses" in page.content.decode()
    saved.refresh_from_db()
    assert saved.frequency == "daily"  # a GET (a mail scanner following links) changes nothing

    done = client.post(url)
    assert done.status_code == 200
    saved.refresh_from_db()
    assert saved.frequency == "none"
    assert SavedSearch.objects.filter(pk=saved.pk).exists()


def test_the_one_click_post_of_rfc_8058_needs_no_cookie_or_token(saved):
    client = Client(enforce_csrf_checks=True)
    url = reverse(
        "following-unsubscribe",
        args=[unsubscribe_token(user_id=saved.user_id, saved_search_ids=[saved.pk])],
    )
    answer = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    saved.refresh_from_db()
    assert saved.frequency == "none"


def _forged(saved, other):
    good = unsubscribe_token(user_id=saved.user_id, saved_search_ids=[saved.pk])
    payload, signature = good.rsplit(":", 1)
    return {
        "tampered signature": f"{payload}:{signature[:-2]}xx",
        "other salt": signing.dumps({"u": other.user_id, "s": [other.pk]}, salt="other"),
        "other key": signing.dumps(
            {"u": other.user_id, "s": [other.pk]}, salt=UNSUBSCRIBE_SALT, key="not-our-secret"
        ),
        "unsigned": signing.b64_encode(b'{"u":1,"s":[1]}').decode(),
        "garbage": "abc",
    }


@pytest.mark.parametrize(
    "kind", ["tampered signature", "other salt", "other key", "unsigned", "garbage"]
)
def test_forged_or_altered_links_are_refused(saved, people, kind):
    other = saved_search_save(
        user=people["practitioner"], query_string="q=bus", name="Theirs", frequency="daily"
    )
    client = Client(enforce_csrf_checks=True)
    url = reverse("following-unsubscribe", args=[_forged(saved, other)[kind]])
    assert client.get(url).status_code == 404
    answer = client.post(url)
    assert answer.status_code == 404
    assert "Link not valid" in answer.content.decode()
    other.refresh_from_db()
    assert other.frequency == "daily"


def test_a_link_stops_only_the_searches_it_was_made_for(saved, people):
    other = saved_search_save(
        user=people["nobody"], query_string="q=water", name="Water", frequency="daily"
    )
    client = Client()
    client.post(
        reverse(
            "following-unsubscribe",
            args=[unsubscribe_token(user_id=saved.user_id, saved_search_ids=[saved.pk])],
        )
    )
    other.refresh_from_db()
    assert other.frequency == "daily"
    # A token naming another user's search does nothing to it.
    theirs = saved_search_save(
        user=people["practitioner"], query_string="q=bus", name="Theirs", frequency="daily"
    )
    client.post(
        reverse(
            "following-unsubscribe",
            args=[unsubscribe_token(user_id=saved.user_id, saved_search_ids=[theirs.pk])],
        )
    )
    theirs.refresh_from_db()
    assert theirs.frequency == "daily"
