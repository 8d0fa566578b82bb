"""The index never loses an update: outbox, drain, rebuild with alias swap, check."""

import pytest
from django.core.management import call_command

from practices.models import Practice, SearchOutbox
from practices.services import PracticeText, practice_transition, practice_translation_set
from search.backends import get_backend
from search.backends.base import SearchQuery
from search.models import SearchLock
from search.sync import RebuildLocked, outbox_drain, search_check, search_rebuild
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.elasticsearch]


def ids_found(**kwargs):
    backend = get_backend()
    backend.refresh()
    return {h.id for h in backend.search(SearchQuery(page_size=100, **kwargs)).hits}


def test_publish_edit_archive_reach_the_index(
    es_settings, catalogue, django_capture_on_commit_callbacks
):
    search_rebuild()
    draft = next(p for p in catalogue if p.review_state == "draft")
    editor = __import__("accounts.services", fromlist=["x"]).user_grant_staff_role(
        user=MembershipFactory(city=draft.city).user, role="editor"
    )
    with django_capture_on_commit_callbacks(execute=True):
        practice_transition(practice=draft, by=editor, name="submit")
        practice_transition(practice=draft, by=editor, name="publish")
    assert draft.pk in ids_found()
    assert not SearchOutbox.objects.exists()  # drained after the commit

    with django_capture_on_commit_callbacks(execute=True):
        practice_translation_set(
            practice=draft,
            by=editor,
            language="es",
            text=PracticeText(title="Calles seguras", summary="Seguridad nocturna."),
            quality="machine",
        )
    assert draft.pk in ids_found(text="calles seguras")

    with django_capture_on_commit_callbacks(execute=True):
        practice_transition(practice=draft, by=editor, name="archive")
    assert draft.pk not in ids_found()
    assert search_check().clean


def test_engine_down_delays_but_loses_nothing(
    es_settings, catalogue, settings, django_capture_on_commit_callbacks
):
    search_rebuild()
    practice = next(p for p in catalogue if p.review_state == "submitted")
    editor = __import__("accounts.services", fromlist=["x"]).user_grant_staff_role(
        user=MembershipFactory(city=practice.city).user, role="editor"
    )
    real_url = settings.ELASTICSEARCH_URL
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"  # nothing listens there
    from search.client import get_client

    get_client.cache_clear()
    with django_capture_on_commit_callbacks(execute=True):
        practice_transition(practice=practice, by=editor, name="publish")  # the save succeeds
    practice.refresh_from_db()
    assert practice.review_state == "published"
    assert SearchOutbox.objects.filter(practice_id=practice.pk).exists()  # kept for later
    settings.ELASTICSEARCH_URL = real_url
    get_client.cache_clear()
    report = search_check()
    assert report.missing == [practice.pk]
    assert outbox_drain() >= 1
    assert search_check().clean
    assert practice.pk in ids_found()


def test_rebuild_swaps_the_alias_and_drops_the_old_index(es_settings, catalogue):
    backend = get_backend()
    search_rebuild()
    first = set(backend.client.indices.get_alias(name=backend.alias))
    search_rebuild()
    second = set(backend.client.indices.get_alias(name=backend.alias))
    assert len(first) == len(second) == 1 and first != second
    assert not backend.client.indices.exists(index=first.pop())
    assert len(ids_found()) == Practice.objects.filter(review_state="published").count()


def test_outbox_waits_during_a_rebuild_and_is_caught_up(es_settings, catalogue):
    search_rebuild()
    practice = next(p for p in catalogue if p.review_state == "published")
    SearchLock.objects.create(name="rebuild", holder="another process")
    Practice.objects.filter(pk=practice.pk).update(review_state="archived")
    SearchOutbox.objects.create(practice_id=practice.pk)
    assert outbox_drain() == 0  # the rebuild will do it
    with pytest.raises(RebuildLocked, match="another process"):
        search_rebuild()
    SearchLock.objects.all().delete()
    _count, caught_up = search_rebuild()
    assert caught_up == 1
    assert practice.pk not in ids_found()


def test_a_failed_rebuild_keeps_the_old_index(es_settings, catalogue, monkeypatch):
    from search.backends import elastic

    backend = get_backend()
    search_rebuild()
    before = set(backend.client.indices.get_alias(name=backend.alias))

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(elastic, "documents", broken)
    with pytest.raises(RuntimeError):
        search_rebuild()
    assert set(backend.client.indices.get_alias(name=backend.alias)) == before
    indices = backend.client.indices.get(index=f"{es_settings.ELASTICSEARCH_INDEX_PREFIX}-*")
    assert set(indices) == before  # the half-built index was deleted
    assert not SearchLock.objects.exists()


def test_search_check_reports_every_difference(es_settings, catalogue, capsys):
    search_rebuild()
    call_command("search_check")
    assert "matches" in capsys.readouterr().out
    published = [p for p in catalogue if p.review_state == "published"]
    Practice.objects.filter(pk=published[0].pk).update(review_state="archived")  # extra
    Practice.objects.filter(pk=published[1].pk).update(updated_at="2030-01-01T00:00:00Z")  # stale
    get_backend().client.delete(
        index=get_backend().alias, id=str(published[2].pk), refresh=True
    )  # missing
    with pytest.raises(SystemExit) as exit_:
        call_command("search_check")
    assert exit_.value.code == 1
    out = capsys.readouterr().out
    assert f"missing from the index: {published[2].pk}" in out
    assert f"in the index but not published: {published[0].pk}" in out
    assert f"out of date in the index: {published[1].pk}" in out


def test_rebuild_command(es_settings, catalogue, capsys):
    call_command("search_rebuild")
    assert "Indexed 9 practices" in capsys.readouterr().out
