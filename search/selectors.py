"""Searching practices for a user: the one entry point for the page, the feed and the API."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch

from accounts.models import User
from practices.models import Practice, PracticeTranslation

from .backends import get_backend, get_database_backend
from .backends.base import SearchPage, SearchQuery, SearchUnavailable

log = logging.getLogger(__name__)


@dataclass
class ResultRow:
    practice: Practice
    highlights: dict[str, list[str]]


def practice_search_page(*, query: SearchQuery, user: User | AnonymousUser) -> SearchPage:
    """Search published practices. If the search engine does not answer, the database backend
    answers instead and the page is marked degraded. Everyone sees the same published
    practices, so `user` changes nothing yet; it is here so the rule has one home."""
    try:
        return get_backend().search(query)
    except SearchUnavailable:
        log.warning("search engine unavailable, answering from the database", exc_info=True)
        page = get_database_backend().search(query)
        page.degraded = True
        return page


def practice_search_ids(
    *, query: SearchQuery, user: User | AnonymousUser, limit: int
) -> tuple[list[int], bool]:
    """Every matching published practice id in order, up to `limit`, and whether the database
    answered in place of the search engine (exports)."""
    try:
        return get_backend().ids(query, limit=limit), False
    except SearchUnavailable:
        log.warning("search engine unavailable, exporting from the database", exc_info=True)
        return get_database_backend().ids(query, limit=limit), True


def practice_rows(page: SearchPage) -> list[ResultRow]:
    """The practices of a page of hits, in hit order, with what the cards need loaded."""
    ids = [hit.id for hit in page.hits]
    practices = {
        p.pk: p
        for p in Practice.objects.filter(pk__in=ids, review_state=Practice.ReviewState.PUBLISHED)
        .select_related("city__country")
        .prefetch_related(Prefetch("translations", queryset=PracticeTranslation.objects.all()))
    }
    return [ResultRow(practices[h.id], h.highlights) for h in page.hits if h.id in practices]


def practice_suggestions(*, prefix: str, language: str) -> tuple[list[dict[str, str]], bool]:
    try:
        return get_backend().suggest(prefix, language=language), False
    except SearchUnavailable:
        return get_database_backend().suggest(prefix, language=language), True


def practice_similar(*, practice: Practice, limit: int = 5) -> list[Practice]:
    try:
        ids = get_backend().more_like_this(practice, limit=limit)
    except SearchUnavailable:
        ids = get_database_backend().more_like_this(practice, limit=limit)
    found = {
        p.pk: p
        for p in Practice.objects.filter(pk__in=ids, review_state=Practice.ReviewState.PUBLISHED)
        .select_related("city__country")
        .prefetch_related("translations")
    }
    return [found[pk] for pk in ids if pk in found]
