"""Recording that practices changed, for the search index (see search.models.SearchOutbox)."""

from __future__ import annotations

from collections.abc import Iterable

from .models import SearchOutbox


def outbox_record(*, practice_ids: Iterable[int]) -> None:
    """Call inside the transaction that changes the practices."""
    SearchOutbox.objects.bulk_create(
        [SearchOutbox(practice_id=pk) for pk in sorted(set(practice_ids))]
    )
