"""The saved-search digests: news only, once per period, each practice once, in the reader's
language, with the RFC 8058 headers; nothing mailed at publish time."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, connections, transaction
from django.utils import timezone

from accounts.models import User
from following.digests import digest_period, digest_run
from following.models import DigestClaim, SavedSearch
from following.services import saved_search_save
from tests.factories import PracticeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(people):
    user = people["nobody"]
    user.preferred_language = "fr"
    user.save(update_fields=["preferred_language"])
    return user


def _digests(to):
    return [m for m in mail.outbox if to in m.to and "List-Unsubscribe" in m.extra_headers]


def test_a_digest_lists_what_was_published_since_and_is_sent_once_a_period(
    backend_name, sync_index, reader, make_practice
):
    make_practice(
        "published",
        text__title="Bicycle lanes of old",
        published_at=timezone.now() - timedelta(days=3),
    )
    saved_search_save(user=reader, query_string="q=bicycle", name="Vélo", frequency="daily")
    make_practice("published", text__title="Bicycle lanes for everyone")
    make_practice("published", text__title="Water meters")
    make_practice("submitted", text__title="Bicycle parking, not yet published")
    sync_index()

    report = digest_run(frequency="daily")
    again = digest_run(frequency="daily")

    assert (report.mails, again.mails) == (1, 0)
    [sent] = _digests(reader.email)
    assert "Bicycle lanes for everyone" in sent.body
    assert "of old" not in sent.body
    assert "Water meters" not in sent.body
    assert "not yet published" not in sent.body
    assert DigestClaim.objects.filter(saved_search__user=reader).count() == 1


def test_the_next_period_brings_only_what_is_new_since_the_last_digest(
    settings, reader, make_practice
):
    settings.SEARCH_BACKEND = "search.backends.database.DatabaseBackend"
    saved_search_save(user=reader, query_string="q=bicycle", name="Vélo", frequency="daily")
    make_practice("published", text__title="Bicycle lanes for everyone")
    digest_run(frequency="daily")
    tomorrow = timezone.now() + timedelta(days=1)
    make_practice("published", text__title="Bicycle school buses", published_at=tomorrow)

    assert digest_run(frequency="daily", now=tomorrow + timedelta(hours=1)).mails == 1
    first, second = _digests(reader.email)
    assert "Bicycle lanes for everyone" in first.body
    assert "Bicycle school buses" in second.body
    assert "Bicycle lanes for everyone" not in second.body
    # Nothing new the day after: no mail at all.
    assert digest_run(frequency="daily", now=tomorrow + timedelta(days=1)).mails == 0


def test_a_practice_found_by_several_searches_is_listed_once_naming_them(
    settings, reader, make_practice
):
    settings.SEARCH_BACKEND = "search.backends.database.DatabaseBackend"
    saved_search_save(user=reader, query_string="q=bicycle", name="Vélo", frequency="weekly")
    saved_search_save(user=reader, query_string="q=lanes", name="Voies", frequency="weekly")
    saved_search_save(user=reader, query_string="q=water", name="Eau", frequency="weekly")
    make_practice("published", text__title="Bicycle lanes for everyone")

    assert digest_run(frequency="weekly").mails == 1
    [sent] = _digests(reader.email)
    assert sent.body.count("Bicycle lanes for everyone") == 1
    found_by = next(line for line in sent.body.splitlines() if "Vélo" in line and "Voies" in line)
    assert "Eau" not in found_by
    # The daily run does not send the weekly searches.
    assert digest_run(frequency="daily").mails == 0


@pytest.mark.parametrize(
    ("language", "subject", "found_by"),
    [
        ("fr", "nouvelle pratique", "Trouvée par"),
        ("es", "nueva práctica", "Encontrada por"),
        ("en", "new practice", "Found by"),
    ],
)
def test_the_mail_is_in_the_readers_language_with_one_click_unsubscribe(
    settings, reader, make_practice, language, subject, found_by
):
    settings.SEARCH_BACKEND = "search.backends.database.DatabaseBackend"
    settings.SITE_URL = "https://policy-transfer.example"
    reader.preferred_language = language
    reader.save(update_fields=["preferred_language"])
    saved_search_save(user=reader, query_string="q=bicycle", name="Vélo", frequency="daily")
    make_practice("published", text__title="Bicycle lanes for everyone")

    digest_run(frequency="daily")

    [sent] = _digests(reader.email)
    assert subject in sent.subject
    assert found_by in sent.body
    link = sent.extra_headers["List-Unsubscribe"]
    assert link.startswith(f"<https://policy-transfer.example/{language}/following/unsubscribe/")
    assert link.endswith("/>")
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link[1:-1] in sent.body


def test_searches_without_mail_and_inactive_users_get_none(settings, reader, make_practice):
    settings.SEARCH_BACKEND = "search.backends.database.DatabaseBackend"
    saved_search_save(user=reader, query_string="q=bicycle", name="Vélo", frequency="none")
    gone = UserFactory(is_active=False)
    saved_search_save(user=reader, query_string="q=lanes", name="Voies", frequency="none")
    SavedSearch.objects.create(user=gone, query="q=bicycle", name="x", frequency="daily")
    make_practice("published", text__title="Bicycle lanes for everyone")

    assert digest_run(frequency="daily").mails == 0
    assert not mail.outbox


def test_periods_are_days_and_iso_weeks_in_the_sites_time_zone():
    at = timezone.make_aware(timezone.datetime(2026, 12, 31, 23, 30))
    assert digest_period(frequency="daily", at=at) == "daily:2026-12-31"
    assert digest_period(frequency="weekly", at=at) == "weekly:2026-W53"
    with pytest.raises(ValueError):
        digest_period(frequency="none", at=at)


# -- two runs at once ----------------------------------------------------------------------


def _waiting_for_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_at_once_send_one_digest(settings, celery_join_flag):
    settings.SEARCH_BACKEND = "search.backends.database.DatabaseBackend"
    reader = UserFactory(preferred_language="fr")
    saved_search_save(user=reader, query_string="q=bicycle", name="Vélo", frequency="daily")
    PracticeFactory(text__title="Bicycle lanes for everyone")
    results: list[int] = []

    def run() -> None:
        try:
            results.append(digest_run(frequency="daily").mails)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    # Both runs start while the user's row is held here, and both reach it before either goes
    # on: they race for the same user's digest.
    with transaction.atomic():
        User.objects.select_for_update().get(pk=reader.pk)
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while _waiting_for_locks() < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _waiting_for_locks() == 2
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(results) == [0, 1]
    assert len([m for m in mail.outbox if reader.email in m.to]) == 1
    assert DigestClaim.objects.count() == 1


def test_the_beat_schedule_sends_both_digests_through_the_registered_task(
    settings, reader, make_practice
):
    from config.celery import app
    from following.tasks import send_digests

    app.loader.import_default_modules()
    digests = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "following.send_digests"
    ]
    assert sorted(entry["args"] for entry in digests) == [("daily",), ("weekly",)]
    assert "following.send_digests" in app.tasks

    settings.SEARCH_BACKEND = "search.backends.database.DatabaseBackend"
    saved_search_save(user=reader, query_string="q=bicycle", name="Vélo", frequency="weekly")
    make_practice("published", text__title="Bicycle lanes for everyone")
    assert send_digests.delay("weekly").get() == 1
    assert send_digests.delay("weekly").get() == 0
