"""Search over the API: faceted results, completions, and streamed exports of any search.

The parameters are the search page's (search/params.py): q, one parameter per facet (repeat it
for several values), year_from, year_to, sort, page; `page_size` (1–100) for the API.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import api_view, permission_classes, throttle_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from core.spreadsheet import spreadsheet_safe
from practices.models import Practice
from search.backends.base import MAX_PAGE, SORTS, SearchPage
from search.facets import FACETS
from search.params import parse_search_params
from search.selectors import (
    practice_rows,
    practice_search_ids,
    practice_search_page,
    practice_suggestions,
)

from ..common import ErrorSerializer, request_language
from ..limits import AnonRate, UserRate
from .serializers import SearchResultSerializer, SuggestResultSerializer

EXPORT_MAX_ROWS = 10_000
EXPORT_CHUNK = 500
MAX_API_PAGE_SIZE = 100

SEARCH_PARAMETERS = [
    OpenApiParameter("q", str, description="Words to find (at most 500 characters)."),
    *[
        OpenApiParameter(
            facet.param,
            str,
            many=True,
            explode=True,
            description=f"{facet.title} (repeat for several values: any of them matches).",
        )
        for facet in FACETS
    ],
    OpenApiParameter("year_from", int, description="Started in or after this year (1900–2100)."),
    OpenApiParameter("year_to", int, description="Started in or before this year (1900–2100)."),
    OpenApiParameter("sort", str, enum=list(SORTS), description="Default: relevance."),
]


def _page_size(request: Request) -> int:
    raw = request.query_params.get("page_size")
    if raw in (None, ""):
        return 20
    if not str(raw).isdigit() or not 1 <= int(str(raw)) <= MAX_API_PAGE_SIZE:
        raise ValidationError(
            {
                "page_size": [
                    _("page_size must be a whole number between 1 and %(max)d.")
                    % {"max": MAX_API_PAGE_SIZE}
                ]
            }
        )
    return int(str(raw))


def _page_json(page: SearchPage, rows: list[Any]) -> dict[str, Any]:
    language = page.query.language
    results = []
    for row in rows:
        practice = row.practice
        text = practice.text_in(language)
        results.append(
            {
                "id": practice.pk,
                "title": text.title if text else "",
                "summary": text.summary if text else "",
                "language": text.language_code if text else practice.language,
                "city": {
                    "name": practice.city.name,
                    "slug": practice.city.slug,
                    "country": practice.city.country.iso2,
                },
                "url": practice.get_absolute_url(),
                "highlights": row.highlights,
                "related": row.related,
            }
        )
    return {
        "total": page.total,
        "page": page.query.page,
        "pages": page.pages,
        "results": results,
        "facets": {
            param: [
                {"value": fv.value, "label": fv.label, "count": fv.count, "selected": fv.selected}
                for fv in values
            ]
            for param, values in page.facets.items()
        },
        "suggestion": page.suggestion,
        "degraded": page.degraded,
        "semantic_unavailable": page.semantic_unavailable,
    }


ERRORS = {400: OpenApiResponse(ErrorSerializer), 429: OpenApiResponse(ErrorSerializer)}


@extend_schema(
    operation_id="search_practices",
    tags=["search"],
    parameters=[
        *SEARCH_PARAMETERS,
        OpenApiParameter("page", int, description=f"1–{MAX_PAGE}."),
        OpenApiParameter("page_size", int, description=f"1–{MAX_API_PAGE_SIZE}; default 20."),
    ],
    responses={200: SearchResultSerializer, **ERRORS},
    description="Faceted search of published practices, in the request's language.",
)
@api_view(["GET"])
@permission_classes([AllowAny])
def search_practices(request: Request) -> Response:
    query = parse_search_params(request.query_params, language=request_language())
    query = replace(query, page_size=_page_size(request))
    page = practice_search_page(query=query, user=request.user)
    return Response(_page_json(page, practice_rows(page)))


@extend_schema(
    operation_id="search_suggest",
    tags=["search"],
    parameters=[OpenApiParameter("q", str, description="The first letters (2 or more).")],
    responses={200: SuggestResultSerializer, 429: OpenApiResponse(ErrorSerializer)},
    description="Completions of practice titles and city names, for a search box.",
)
@api_view(["GET"])
@permission_classes([AllowAny])
def search_suggest(request: Request) -> Response:
    prefix = "".join(ch for ch in str(request.query_params.get("q", "")) if ch >= " ")[:100]
    suggestions, degraded = practice_suggestions(prefix=prefix, language=request_language())
    return Response({"suggestions": suggestions, "degraded": degraded})


EXPORT_COLUMNS = [
    "id",
    "title",
    "summary",
    "language",
    "original_language",
    "city",
    "country",
    "challenges",
    "sdgs",
    "topics",
    "status",
    "start_year",
    "end_year",
    "adapted_count",
    "published_at",
    "url",
]


def _export_rows(ids: list[int], language: str, base_url: str) -> Iterator[dict[str, Any]]:
    """The practices of `ids`, in that order, loaded a chunk at a time (bounded memory)."""
    with translation.override(language):
        for start in range(0, len(ids), EXPORT_CHUNK):
            chunk = ids[start : start + EXPORT_CHUNK]
            found = {
                p.pk: p
                for p in Practice.objects.filter(
                    pk__in=chunk, review_state=Practice.ReviewState.PUBLISHED
                )
                .select_related("city__country")
                .prefetch_related("translations", "challenges", "sdgs", "topics")
            }
            for pk in chunk:
                practice = found.get(pk)
                if practice is None:
                    continue
                text = practice.text_in(language)
                yield {
                    "id": practice.pk,
                    "title": text.title if text else "",
                    "summary": text.summary if text else "",
                    "language": text.language_code if text else practice.language,
                    "original_language": practice.language,
                    "city": practice.city.name,
                    "country": practice.city.country.iso2,
                    "challenges": [c.slug for c in practice.challenges.all()],
                    "sdgs": [s.number for s in practice.sdgs.all()],
                    "topics": [t.slug for t in practice.topics.all()],
                    "status": practice.status,
                    "start_year": practice.start_year,
                    "end_year": practice.end_year,
                    "adapted_count": practice.adapted_count,
                    "published_at": practice.published_at.isoformat()
                    if practice.published_at
                    else None,
                    "url": base_url + practice.get_absolute_url(),
                }


def _csv_stream(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS)
    yield "\ufeff"  # so that spreadsheet programs read UTF-8
    writer.writeheader()
    for row in rows:
        writer.writerow({k: spreadsheet_safe(v) for k, v in row.items()})
        if buffer.tell() > 32_768:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _json_stream(rows: Iterator[dict[str, Any]], meta: dict[str, Any]) -> Iterator[str]:
    yield '{"meta": ' + json.dumps(meta) + ', "results": ['
    first = True
    for row in rows:
        yield ("" if first else ",") + json.dumps(row, ensure_ascii=False)
        first = False
    yield "]}"


@extend_schema(
    operation_id="search_practices_export",
    tags=["search"],
    parameters=[
        *SEARCH_PARAMETERS,
        OpenApiParameter(
            "output", str, enum=["csv", "json"], description="File type; default csv."
        ),
        OpenApiParameter(
            "limit", int, description=f"At most this many rows (1–{EXPORT_MAX_ROWS}, default)."
        ),
    ],
    responses={
        (200, "text/csv"): OpenApiResponse(
            OpenApiTypes.STR, description="One row per practice, in the search's order."
        ),
        (200, "application/json"): OpenApiResponse(
            OpenApiTypes.OBJECT,
            description='{"meta": {...}, "results": [one object per practice]}',
        ),
        **ERRORS,
    },
    description="The result of a search as a file, streamed: up to 10,000 practices in the "
    "search's order, with their taxonomy, city and dates.",
)
@api_view(["GET"])
@permission_classes([AllowAny])
@throttle_classes([AnonRate, UserRate])
def search_export(request: Request) -> StreamingHttpResponse:
    query = parse_search_params(request.query_params, language=request_language())
    output = request.query_params.get("output") or "csv"
    errors: dict[str, list[str]] = {}
    if output not in ("csv", "json"):
        errors["output"] = [_("output must be csv or json.")]
    raw_limit = request.query_params.get("limit") or str(EXPORT_MAX_ROWS)
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= EXPORT_MAX_ROWS:
        errors["limit"] = [
            _("limit must be a whole number between 1 and %(max)d.") % {"max": EXPORT_MAX_ROWS}
        ]
    if errors:
        raise ValidationError(errors)
    ids, degraded = practice_search_ids(query=query, user=request.user, limit=int(raw_limit))
    base_url = request.build_absolute_uri("/").rstrip("/")
    rows = _export_rows(ids, query.language, base_url)
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    if output == "csv":
        response = StreamingHttpResponse(_csv_stream(rows), content_type="text/csv; charset=utf-8")
    else:
        meta = {
            "query": dict(request.query_params.lists()),
            "count": len(ids),
            "degraded": degraded,
            "exported_at": timezone.now().isoformat(),
        }
        response = StreamingHttpResponse(_json_stream(rows, meta), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="practices-{stamp}.{output}"'
    response["X-Total-Count"] = str(len(ids))
    return response
