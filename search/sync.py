"""Keeping the index in step with the database: draining the outbox, rebuilding, checking."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from practices.models import SearchOutbox
from practices.vectors import vectors_pending, vectors_refresh

from .backends import get_backend
from .backends.base import SearchUnavailable
from .documents import searchable
from .models import SearchLock

REBUILD_LOCK = "rebuild"
STALE_LOCK = timedelta(hours=2)


def rebuild_running() -> bool:
    return SearchLock.objects.filter(
        name=REBUILD_LOCK, acquired_at__gt=timezone.now() - STALE_LOCK
    ).exists()


def outbox_drain(*, batch: int = 500, max_batches: int = 1000) -> int:
    """Index every practice named in the outbox, re-reading it from the database, then delete
    those rows. Rows stay when the engine is down (SearchUnavailable propagates) or while a
    rebuild runs (it drains them itself after swapping). Returns the rows drained."""
    if rebuild_running():
        return 0
    backend = get_backend()
    drained = 0
    for _ in range(max_batches):
        # Vectors first, outside the lock: embedding takes milliseconds per text, and the
        # documents indexed just below must carry the vectors of the texts they carry.
        pending = SearchOutbox.objects.order_by("id").values_list("practice_id", flat=True)
        vectors_refresh(practice_ids=pending[:batch])
        with transaction.atomic():
            rows = list(
                SearchOutbox.objects.select_for_update(skip_locked=True)
                .order_by("id")
                .values_list("id", "practice_id")[:batch]
            )
            if not rows:
                break
            backend.index({practice_id for _id, practice_id in rows})
            SearchOutbox.objects.filter(id__in=[row_id for row_id, _pid in rows]).delete()
            drained += len(rows)
    return drained


class RebuildLocked(Exception):
    pass


def search_rebuild() -> tuple[int, int]:
    """Rebuild the index while search keeps serving, then catch up with what changed meanwhile.
    Sentence vectors that are missing or stale are computed first. Returns (documents
    indexed, outbox rows caught up)."""
    holder = f"{socket.gethostname()}:{os.getpid()}"
    SearchLock.objects.filter(
        name=REBUILD_LOCK, acquired_at__lte=timezone.now() - STALE_LOCK
    ).delete()
    try:
        with transaction.atomic():
            SearchLock.objects.create(name=REBUILD_LOCK, holder=holder)
    except IntegrityError as exc:
        lock = SearchLock.objects.get(name=REBUILD_LOCK)
        since = f"{lock.acquired_at:%Y-%m-%d %H:%M:%S}"
        raise RebuildLocked(
            f"Another rebuild has been running since {since} ({lock.holder})."
        ) from exc
    try:
        # Vectors the outbox never computed (practices loaded in bulk, an embedder outage):
        # computed now, once, so the new index is complete; stored vectors are reused as is.
        missing, stale = vectors_pending()
        vectors_refresh(practice_ids=missing + stale)
        count = get_backend().rebuild()
    finally:
        SearchLock.objects.filter(name=REBUILD_LOCK, holder=holder).delete()
    return count, outbox_drain()


@dataclass
class CheckReport:
    missing: list[int] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    # Published practices with a language version whose sentence vector is missing (the
    # embedder was down) or was computed from an older text or model: search finds them by
    # their words only until `vectors_sweep` catches up.
    vector_missing: list[int] = field(default_factory=list)
    vector_stale: list[int] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """The index holds exactly the published practices, each at its current version."""
        return not (self.missing or self.extra or self.stale)

    @property
    def vectors_clean(self) -> bool:
        return not (self.vector_missing or self.vector_stale)


def search_check() -> CheckReport:
    """Every difference between the published practices and the index."""
    backend = get_backend()
    report = CheckReport()
    backend.refresh()  # make the latest writes visible first
    indexed = backend.indexed_versions()
    wanted = {pk: stamp.isoformat() for pk, stamp in searchable().values_list("pk", "updated_at")}
    report.missing = sorted(set(wanted) - set(indexed))
    report.extra = sorted(set(indexed) - set(wanted))
    report.stale = sorted(pk for pk in set(wanted) & set(indexed) if wanted[pk] != indexed[pk])
    report.vector_missing, report.vector_stale = vectors_pending()
    return report


__all__ = ["RebuildLocked", "SearchUnavailable", "outbox_drain", "search_check", "search_rebuild"]
