"""The anonymous log of searches: what people look for and find little or nothing about
(the secretariat's gap view), never who looked.

Decisions and their reasons:
- **No identity.** A row has no user, session, address, user agent or time of day: the day, the
  normalised text, the language, the filters and the number of results. Rows are aggregated
  as they are written (one row per day, text, language and filters, with a count), so no row
  stands for one person's search.
- **Normalised text**: case folded, whitespace collapsed, control characters dropped, cut to
  200 characters; accents are kept (they change meaning in French and Spanish).
- **What counts as a search**: the first page of the search page with words or filters.
  Turning pages, the feed and the API (machines) are not recorded, nor a bare visit to the
  page (no words, no filters: browsing, not a need).
- **One statement on the request path**: an `INSERT … ON CONFLICT DO UPDATE` adds one to the
  day's row or creates it (PostgreSQL and SQLite both have it). Recording never breaks or
  blocks a search: a database error is logged and the search page is answered as usual.
  benchmarks/dashboard.py measures what it costs.
- **Retention**: rows older than `SEARCH_LOG_RETENTION_DAYS` (180 by default) are deleted every
  night by the periodic task `search.purge_query_log` (config/settings.py's beat schedule).
- **"Found little"**: at most `FEW_RESULTS` results (none counts too).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone

from core.text import clean_text

from .backends.base import SearchQuery
from .facets import FACETS
from .models import SearchQueryDay

log = logging.getLogger(__name__)

FEW_RESULTS = 2
TEXT_LENGTH = 200
FILTERS_LENGTH = 1000


def normalise_text(text: str) -> str:
    return " ".join(clean_text(text, single_line=True).casefold().split())[:TEXT_LENGTH]


def _filters(query: SearchQuery) -> str:
    pairs = [
        f"{facet.param}={value}"
        for facet in FACETS
        for value in sorted(set(query.filters.get(facet.param, ())))
    ]
    pairs += [
        f"{name}={value}"
        for name in ("year_from", "year_to")
        if (value := getattr(query, name)) is not None
    ]
    return "&".join(pairs)[:FILTERS_LENGTH]


def is_recorded(query: SearchQuery) -> bool:
    """Whether this search is one the log keeps (the module's docstring says which)."""
    return query.page == 1 and bool(normalise_text(query.text) or _filters(query))


def search_query_record(*, query: SearchQuery, results: int, day: date | None = None) -> None:
    """Count one search of `query` that found `results` practices, without who searched."""
    if not is_recorded(query):
        return
    row = SearchQueryDay(
        day=day or timezone.localdate(),
        text=normalise_text(query.text),
        language=query.language[:5],
        filters=_filters(query),
        challenge=",".join(sorted(set(query.filters.get("challenge", ()))))[:200],
        region=",".join(sorted(set(query.filters.get("region", ()))))[:100],
        results=max(results, 0),
    )
    # Only the model's own table name is formatted in; every value is a parameter.
    table = connection.ops.quote_name(SearchQueryDay._meta.db_table)
    columns = "(day, text, language, filters, challenge, region, searches, results)"
    sql = (
        f"INSERT INTO {table} {columns} VALUES (%s, %s, %s, %s, %s, %s, 1, %s) "  # noqa: S608
        "ON CONFLICT (day, text, language, filters) DO UPDATE SET "
        f"searches = {table}.searches + 1, results = excluded.results"
    )
    params: list[date | str | int] = [
        row.day,
        row.text,
        row.language,
        row.filters,
        row.challenge,
        row.region,
        row.results,
    ]
    try:
        # Inside a transaction (tests, or a caller's atomic block) a savepoint keeps a failed
        # insert from poisoning it; outside, the statement is its own transaction.
        if connection.in_atomic_block:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, params)
        else:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
    except DatabaseError:
        log.warning("search not recorded in the query log", exc_info=True)


def search_log_purge(*, today: date | None = None, days: int | None = None) -> int:
    """Delete the rows older than the retention period; how many were deleted."""
    keep = settings.SEARCH_LOG_RETENTION_DAYS if days is None else days
    cutoff = (today or timezone.localdate()) - timedelta(days=keep)
    deleted, _ = SearchQueryDay.objects.filter(day__lt=cutoff).delete()
    return deleted


# --- reads for the secretariat's gap view ----------------------------------------------------


def _since(days: int | None) -> QuerySet[SearchQueryDay]:
    rows = SearchQueryDay.objects.all()
    if days is not None:
        rows = rows.filter(day__gte=timezone.localdate() - timedelta(days=days))
    return rows


def searches_finding_little(*, days: int | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The searches that found at most FEW_RESULTS practices, most searched first: text,
    language, filters, how many times (`count`), on how many days, and the most results any
    of them found (`found`)."""
    return list(
        _since(days)
        .values("text", "language", "filters")
        .annotate(count=Sum("searches"), found=Max("results"), days=Count("day"))
        .filter(found__lte=FEW_RESULTS)
        .order_by("-count", "text", "language", "filters")[:limit]
    )


def searches_by(*, field: str, days: int | None = None) -> list[dict[str, Any]]:
    """Searches grouped by the challenge or the region chosen ("" for none): how many
    (`count`), how many found little and how many found nothing."""
    if field not in ("challenge", "region"):
        raise ValueError(field)
    return list(
        _since(days)
        .values(field)
        .annotate(
            count=Sum("searches"),
            little=Sum("searches", filter=Q(results__lte=FEW_RESULTS), default=0),
            nothing=Sum("searches", filter=Q(results=0), default=0),
        )
        .order_by("-little", "-count", field)
    )
