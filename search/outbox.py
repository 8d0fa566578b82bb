"""Recording that practices changed, for the search index (see search.models.SearchOutbox)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from .models import SearchOutbox

log = logging.getLogger(__name__)


def outbox_record(*, practice_ids: Iterable[int]) -> None:
    """Call inside the transaction that changes the practices.

    Also stamps the practices' `updated_at`, which the index keeps as each document's version
    (search_check compares them), and asks for a drain once the transaction has committed.
    """
    from practices.models import Practice

    ids = sorted(set(practice_ids))
    if not ids:
        return
    SearchOutbox.objects.bulk_create([SearchOutbox(practice_id=pk) for pk in ids])
    Practice.objects.filter(pk__in=ids).update(updated_at=timezone.now())
    transaction.on_commit(_request_drain)


def _request_drain() -> None:
    from .tasks import drain_outbox

    try:
        drain_outbox.delay()
    except Exception:
        # The broker (or, with eager tasks, the search engine) being down must never fail the
        # user's save: the rows stay in the outbox and the periodic sweep drains them later.
        log.warning("search outbox drain not run now; the sweep will catch up", exc_info=True)
