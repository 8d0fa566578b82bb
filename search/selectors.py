"""Searching practices for a user: the one entry point for the page, the feed and the API."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch
from django.utils import translation

from accounts.models import User
from practices.models import Practice, PracticeTranslation

from .backends import get_backend, get_database_backend
from .backends.base import (
    CityNeighbours,
    Neighbour,
    SearchBackend,
    SearchPage,
    SearchQuery,
    SearchUnavailable,
)
from .metrics import SEARCH_SECONDS, backend_label

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class ResultRow:
    practice: Practice
    highlights: dict[str, list[str]]
    # Found by meaning alone: the page labels it "related".
    related: bool = False


def search_answer(*, ask: Callable[[SearchBackend], T], what: str) -> tuple[T, bool]:
    """Ask the configured backend; if its engine does not answer, ask the database backend
    instead and say so: the answer comes with True (the page then shows that results are
    degraded, the API answers `"degraded": true`) and a warning is logged. The one place where
    search falls back, for every selector below."""
    try:
        return _timed(ask, get_backend(), what), False
    except SearchUnavailable:
        log.warning("search engine unavailable, %s from the database", what, exc_info=True)
        return _timed(ask, get_database_backend(), what), True


def _timed(ask: Callable[[SearchBackend], T], backend: SearchBackend, what: str) -> T:
    started = time.perf_counter()
    outcome = "error"
    try:
        answer = ask(backend)
        outcome = "ok"
        return answer
    except SearchUnavailable:
        outcome = "unavailable"
        raise
    finally:
        SEARCH_SECONDS.labels(backend_label(backend), what.replace(" ", "_"), outcome).observe(
            time.perf_counter() - started
        )


def practice_search_page(*, query: SearchQuery, user: User | AnonymousUser) -> SearchPage:
    """Search published practices (marked degraded when the database answered in place of
    the engine). Everyone sees the same published practices, so `user` changes nothing yet; it
    is here so the rule has one home."""
    page, degraded = search_answer(ask=lambda backend: backend.search(query), what="searching")
    page.degraded = degraded
    return page


def practice_search_ids(
    *, query: SearchQuery, user: User | AnonymousUser, limit: int
) -> tuple[list[int], bool]:
    """Every matching published practice id in order, up to `limit`, and whether the database
    answered in place of the search engine (exports)."""
    return search_answer(ask=lambda backend: backend.ids(query, limit=limit), what="exporting")


def practice_nearest(
    *,
    vector: Sequence[float],
    filters: dict[str, tuple[str, ...]],
    limit: int,
    min_similarity: float,
) -> tuple[list[Neighbour], bool]:
    """The published practices closest in meaning to a sentence vector (peer matching), most
    similar first, with their cosine, and whether the database answered in place of the
    engine. The same retrieval as the meaning part of a search, without facets or highlights."""
    return search_answer(
        ask=lambda backend: backend.nearest(
            vector, filters=filters, limit=limit, min_similarity=min_similarity
        ),
        what="finding practices by meaning",
    )


def practice_nearest_by_city(
    *,
    vector: Sequence[float],
    filters: dict[str, tuple[str, ...]],
    min_similarity: float,
    language: str,
    cities: int,
    per_city: int,
    band: float | None = None,
) -> tuple[list[CityNeighbours], bool]:
    """The cities with the most published practices close in meaning to a sentence vector
    (peer matching counts them), each with how many, how many readable in `language` and its
    closest few (with a `band`, only practices within it of the closest in their language);
    and whether the database answered in place of the engine."""
    return search_answer(
        ask=lambda backend: backend.nearest_by_city(
            vector,
            filters=filters,
            min_similarity=min_similarity,
            language=language,
            cities=cities,
            per_city=per_city,
            band=band,
        ),
        what="counting practices by meaning",
    )


def practice_rows(page: SearchPage) -> list[ResultRow]:
    """The practices of a page of hits, in hit order, with what the cards need loaded."""
    ids = [hit.id for hit in page.hits]
    practices = {
        p.pk: p
        for p in Practice.objects.filter(pk__in=ids, review_state=Practice.ReviewState.PUBLISHED)
        .select_related("city__country", "cover")
        .prefetch_related(Prefetch("translations", queryset=PracticeTranslation.objects.all()))
    }
    return [
        ResultRow(practices[h.id], h.highlights, related=h.related)
        for h in page.hits
        if h.id in practices
    ]


# Fewer hits than this for a text query and the page also shows the closest practices by
# meaning, so that a search never ends on an empty or near-empty page.
FEW_HITS = 5
CLOSEST_LIMIT = 5
# How close (raw cosine) a practice must be to appear among the closest by meaning. Lower than
# the main list's floor (the backends' SEMANTIC_THRESHOLD / KNN_SIMILARITY), because short
# queries score low against a title and summary even when they mean the same thing: measured
# with the multilingual encoder on the demo's practices, "transport" and the bus rapid transit
# corridors 0.22-0.23, "femmes" and the safe streets for women 0.21-0.23, "water" and the
# water-loss practices 0.21, "bus" 0.31; strings that mean nothing here ("asdfgh", "xyz",
# "qwerty uiop", "football", "pizza recipe") reach 0.08-0.16. The block is labelled as
# "closest in meaning", not as an answer, and shows at most CLOSEST_LIMIT practices.
CLOSEST_SIMILARITY = 0.20


def practice_closest(
    *, page: SearchPage, user: User | AnonymousUser, limit: int = CLOSEST_LIMIT
) -> list[ResultRow]:
    """The practices closest in meaning to a text query that found few or none by words (with
    the same filters), leaving out those already on the page; none when the query has no text,
    found enough, or meaning is unavailable."""
    query = page.query
    if not query.text.strip() or page.total >= FEW_HITS or page.semantic_unavailable:
        return []
    closest = practice_search_page(
        query=replace(
            query,
            mode="semantic",
            page=1,
            sort="relevance",
            page_size=limit + FEW_HITS,
            similarity_floor=CLOSEST_SIMILARITY,
        ),
        user=user,
    )
    if closest.semantic_unavailable:
        return []
    shown = {hit.id for hit in page.hits}
    closest.hits = [hit for hit in closest.hits if hit.id not in shown][:limit]
    return practice_rows(closest)


def practice_suggestions(*, prefix: str, language: str) -> tuple[list[dict[str, str]], bool]:
    """Titles and city names starting with `prefix`, with links to their pages in `language`
    (the API is outside the language prefixes; the page that asks says its language)."""
    with translation.override(language):
        return search_answer(
            ask=lambda backend: backend.suggest(prefix, language=language), what="suggesting"
        )


def practice_similar(*, practice: Practice, limit: int = 5) -> list[Practice]:
    ids, _degraded = search_answer(
        ask=lambda backend: backend.more_like_this(practice, limit=limit),
        what="finding similar practices",
    )
    found = {
        p.pk: p
        for p in Practice.objects.filter(pk__in=ids, review_state=Practice.ReviewState.PUBLISHED)
        .select_related("city__country", "cover")
        .prefetch_related("translations")
    }
    return [found[pk] for pk in ids if pk in found]
