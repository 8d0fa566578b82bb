"""Stopping the real Elasticsearch node, or the real Redis broker, while practices change:
saves succeed, nothing is lost, and once the service is back the index matches the database.

These tests stop and restart the services with the project's own scripts."""

import subprocess
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.services import EDITOR, user_grant_staff_role
from practices.models import Practice, SearchOutbox
from practices.services import (
    PracticeData,
    PracticeText,
    practice_transition,
    practice_update,
)
from search.backends import get_backend
from search.sync import outbox_drain, search_check, search_rebuild
from tests.factories import MembershipFactory, PracticeFactory
from tests.support import service_url

pytestmark = [pytest.mark.django_db, pytest.mark.stops_services]

ROOT = Path(__file__).resolve().parents[2]


def service(name, action):
    subprocess.run(
        [str(ROOT / "scripts" / f"{name}.sh"), action], check=True, capture_output=True, timeout=180
    )


@pytest.fixture
def two_hundred(world):
    """200 practices: a third submitted (to publish), a third published (to edit), a third
    published (to archive)."""
    city = world["lyon"]
    editor = user_grant_staff_role(user=MembershipFactory(city=city).user, role=EDITOR)
    practices = {"publish": [], "edit": [], "archive": []}
    for i in range(200):
        kind = ("publish", "edit", "archive")[i % 3]
        state = "submitted" if kind == "publish" else "published"
        practices[kind].append(
            PracticeFactory(
                city=city,
                review_state=state,
                published_at=timezone.now() if state == "published" else None,
                text__title=f"Practice {i}",
            )
        )
    return editor, practices


def change_everything(editor, practices, capture):
    from practices.models import Challenge

    challenge = list(Challenge.objects.filter(slug="quality-of-life"))
    with capture(execute=True):
        for p in practices["publish"]:
            practice_transition(practice=p, by=editor, name="publish")
        for p in practices["edit"]:
            practice_update(
                practice=p,
                by=editor,
                data=PracticeData(
                    text=PracticeText(title=f"{p.original.title} (edited)", summary="Edited."),
                    challenges=challenge,
                ),
            )
        for p in practices["archive"]:
            practice_transition(practice=p, by=editor, name="archive")


@pytest.mark.elasticsearch
def test_elasticsearch_down_then_back(es_settings, two_hundred, django_capture_on_commit_callbacks):
    editor, practices = two_hundred
    search_rebuild()
    assert search_check().clean
    service("elasticsearch", "down")
    try:
        change_everything(editor, practices, django_capture_on_commit_callbacks)
        # every save went through; the index could not follow
        assert Practice.objects.filter(review_state="published").count() == 67 + 67
        assert SearchOutbox.objects.count() >= 200
    finally:
        service("elasticsearch", "up")
    from search.client import get_client

    get_client.cache_clear()
    assert search_check().missing  # the newly published ones are not there yet
    drained = outbox_drain()
    assert drained >= 200
    report = search_check()
    assert report.clean, report
    assert not SearchOutbox.objects.exists()
    backend = get_backend()
    backend.refresh()
    from search.backends.base import SearchQuery

    assert backend.search(SearchQuery(text="edited", page_size=100)).total == 67


@pytest.mark.elasticsearch
@pytest.mark.redis
def test_redis_down_then_back(es_settings, two_hundred, django_capture_on_commit_callbacks):
    from config.celery import app

    editor, practices = two_hundred
    search_rebuild()
    saved = {k: app.conf[k] for k in ("task_always_eager", "broker_url", "task_publish_retry")}
    app.conf.update(
        task_always_eager=False, broker_url=service_url("redis"), task_publish_retry=False
    )
    service("redis", "down")
    try:
        change_everything(editor, practices, django_capture_on_commit_callbacks)
        assert SearchOutbox.objects.count() >= 200  # no drain could be queued
        assert Practice.objects.filter(review_state="archived").count() == 66
    finally:
        service("redis", "up")
        app.conf.update(saved)
    # the beat sweep (the same task, run here in process) catches up
    assert outbox_drain() >= 200
    assert search_check().clean
