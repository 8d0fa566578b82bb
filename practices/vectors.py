"""Sentence vectors of practices: what is embedded, when it is computed, where it is kept.

- **What.** One vector per language version of a practice (each `PracticeTranslation` row):
  its title and one-line summary (`embedding_text`). The encoder (core.embedding) places the
  three languages in one space, so a version in any language answers a query in any other;
  a practice with a human translation simply has one more way to be found. Title and summary
  say what a practice is about in one or two sentences; the sections add detail that the
  encoder averages away, and cost about seven times more to embed (docs/embeddings.md). The
  choice is measured by benchmarks/relevance.py and written down in docs/search.md.
- **When.** Never inside a web request: the search outbox drain (search.sync.outbox_drain, run
  by a Celery task after the commit and by the periodic sweep) calls `vectors_refresh` for the
  practices it is about to index, so the index always receives the latest vector. When the
  embedder is down, the text is indexed without a vector (search stays lexical for it) and
  `vectors_sweep` computes what is missing later.
- **Where.** In the database, on the translation row, with `text_hash` of the embedded text and
  the model's version. A rebuild or a re-import whose text did not change computes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
from django.db import transaction
from django.db.models import QuerySet
from numpy.typing import NDArray

from core.embedding import EmbedderUnavailable, get_embedder, text_hash

from .models import Practice, PracticeTranslation
from .outbox import outbox_record

log = logging.getLogger(__name__)

BATCH = 64


def vector_from_bytes(raw: bytes | memoryview | None) -> NDArray[np.float32] | None:
    if raw is None:
        return None
    return np.frombuffer(bytes(raw), dtype=np.float32)


def vector_to_bytes(vector: NDArray[np.float32]) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


@dataclass
class VectorReport:
    computed: int = 0
    unchanged: int = 0
    failed: int = 0
    practice_ids: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class _Version:
    """One language version as the vectors see it (plain values: parler's models refuse
    deferred fields, and the sweep reads every row)."""

    id: int
    practice_id: int
    text: str
    stored_hash: str


def _versions(rows: QuerySet[PracticeTranslation]) -> Iterator[_Version]:
    for pk, master_id, title, summary, stored in rows.values_list(
        "id", "master_id", "title", "summary", "embedding_hash"
    ).iterator(chunk_size=2000):
        yield _Version(pk, master_id, _joined(title, summary), stored)


def _joined(title: str, summary: str) -> str:
    return f"{title.strip()}. {summary.strip()}"


def embedding_text(row: PracticeTranslation) -> str:
    """The text whose meaning stands for this language version: its title and summary."""
    return _joined(row.title, row.summary)


def vectors_refresh(*, practice_ids: Iterable[int]) -> VectorReport:
    """Compute the vectors of these practices' language versions whose text (or the model)
    changed since their vector was stored. Never raises for an embedder outage: the rows keep
    their old vector (or none), the report counts them as failed, and the sweep retries."""
    ids = sorted(set(practice_ids))
    report = VectorReport()
    if not ids:
        return report
    version = get_embedder_version()
    todo: list[tuple[_Version, str]] = []
    for row in _versions(PracticeTranslation.objects.filter(master_id__in=ids).order_by("id")):
        wanted = text_hash(row.text, version=version)
        if row.stored_hash == wanted:
            report.unchanged += 1
        else:
            todo.append((row, wanted))
    for start in range(0, len(todo), BATCH):
        chunk = todo[start : start + BATCH]
        try:
            vectors = get_embedder().embed([row.text for row, _hash in chunk])
        except EmbedderUnavailable:
            log.warning("embedder unavailable: %d vectors wait for the sweep", len(todo) - start)
            report.failed += len(todo) - start
            break
        for (row, wanted), vector in zip(chunk, vectors, strict=True):
            # A plain UPDATE: saving the row would touch text_updated_at and look like an edit.
            PracticeTranslation.objects.filter(pk=row.id).update(
                embedding=vector_to_bytes(vector), embedding_hash=wanted
            )
            report.computed += 1
            report.practice_ids.add(row.practice_id)
    return report


def get_embedder_version() -> str:
    """The configured model's version, read without loading the model."""
    from core.embedding import embedder_class

    return embedder_class().model_version()


def vectors_pending(*, published_only: bool = True) -> tuple[list[int], list[int]]:
    """(practices with a language version that has no vector, practices with a stale one):
    what `search_check` reports and what `vectors_sweep` computes."""
    version = get_embedder_version()
    rows = PracticeTranslation.objects.order_by("id")
    if published_only:
        rows = rows.filter(master__review_state=Practice.ReviewState.PUBLISHED)
    missing: set[int] = set()
    stale: set[int] = set()
    for row in _versions(rows):
        if not row.stored_hash:
            missing.add(row.practice_id)
        elif row.stored_hash != text_hash(row.text, version=version):
            stale.add(row.practice_id)
    return sorted(missing), sorted(stale - missing)


def vectors_sweep(*, limit: int = 5000) -> VectorReport:
    """Compute the missing and stale vectors of every practice (at most `limit` practices per
    run), and record the practices whose vector changed in the outbox, so the index gets
    them. Run by beat; also what `manage.py vectors_refresh` does."""
    missing, stale = vectors_pending(published_only=False)
    ids = (missing + stale)[:limit]
    report = vectors_refresh(practice_ids=ids)
    if report.practice_ids:
        with transaction.atomic():
            outbox_record(practice_ids=report.practice_ids)
    return report


def practice_vectors(*, practice_ids: Iterable[int]) -> dict[int, dict[str, NDArray[np.float32]]]:
    """The stored vectors of these practices, by practice and language."""
    out: dict[int, dict[str, NDArray[np.float32]]] = {}
    rows = PracticeTranslation.objects.filter(
        master_id__in=set(practice_ids), embedding__isnull=False
    ).values_list("master_id", "language_code", "embedding")
    for master_id, language, raw in rows:
        vector = vector_from_bytes(raw)
        if vector is not None:
            out.setdefault(master_id, {})[language] = vector
    return out
