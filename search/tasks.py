from __future__ import annotations

from typing import Any

from celery import shared_task

from .backends.base import SearchUnavailable
from .querylog import search_log_purge
from .sync import outbox_drain


@shared_task(name="search.drain_outbox", acks_late=True, ignore_result=True)
def drain_outbox() -> int:
    """Drain the search outbox. Also run every minute by beat as a sweep, so changes whose
    drain could not be queued (broker down) or failed (engine down) are indexed later."""
    try:
        return outbox_drain()
    except SearchUnavailable:
        return 0  # rows stay in the outbox for the next sweep


def request_drain(**kwargs: Any) -> None:
    """Receiver of practices.outbox.outbox_recorded (connected in search.apps): queue a drain
    once the writer's transaction has committed. If the broker is down this raises; the sender
    logs it and the rows wait for the sweep."""
    drain_outbox.delay()


@shared_task(name="search.purge_query_log", ignore_result=True)
def purge_query_log() -> int:
    """Delete the search log's rows older than SEARCH_LOG_RETENTION_DAYS (nightly, by beat)."""
    return search_log_purge()
