"""Recording that practices changed, for whoever keeps a copy of them (the search index).

The outbox belongs to the app whose writes it records: `practices` (and `exchanges`, when an
adoption changes a practice's count) write a row in the transaction of the change, and `search`,
one floor up, drains the table (search.sync). Before, the table lived in `search`, so
`practices.services` imported `search` while `search` imported `practices.models`: the one
cycle between apps. Now `practices` knows nothing of search: after the commit it sends
`outbox_recorded`, and the search app connects the drain to it (search.apps). An app imports only
from the floors below it (see portal/__init__.py); a signal is how a lower floor tells an upper
one that something happened.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from .models import Practice, SearchOutbox

log = logging.getLogger(__name__)

# Sent (sender=SearchOutbox) once a transaction that wrote outbox rows has committed.
outbox_recorded = Signal()


def outbox_record(*, practice_ids: Iterable[int]) -> None:
    """Call inside the transaction that changes the practices.

    Also stamps the practices' `updated_at`, which the index keeps as each document's version
    (search_check compares them), and announces the rows once the transaction has committed.
    """
    ids = sorted(set(practice_ids))
    if not ids:
        return
    SearchOutbox.objects.bulk_create([SearchOutbox(practice_id=pk) for pk in ids])
    Practice.objects.filter(pk__in=ids).update(updated_at=timezone.now())
    transaction.on_commit(_announce)


def _announce() -> None:
    # A receiver failing (the broker or, with eager tasks, the search engine being down) must
    # never fail the user's save: the rows stay in the outbox and the periodic sweep drains them.
    for receiver, result in outbox_recorded.send_robust(sender=SearchOutbox):
        if isinstance(result, Exception):
            log.warning(
                "outbox receiver %s failed; the rows stay for the sweep to catch up",
                getattr(receiver, "__qualname__", receiver),
                exc_info=result,
            )
