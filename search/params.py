"""Reading a search from query parameters (the page, the feed and the API share this).

Parameters: q, one parameter per facet (repeat it for several values), year_from, year_to,
sort (relevance, newest, adapted), page. Bad values get a ValidationError naming the parameter;
unknown facet values are kept and simply match nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.text import clean_text

from .backends.base import MAX_PAGE, SORTS, SearchQuery
from .facets import FACETS

MAX_QUERY_LENGTH = 500
MAX_VALUES_PER_FACET = 50


def _clean_text(value: str) -> str:
    # NUL and other control characters cannot be stored or analysed; drop them (core.text).
    return clean_text(value, single_line=True).strip()


def _int(
    params: Mapping[str, Any], name: str, low: int, high: int, errors: dict[str, list[str]]
) -> int | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        value = int(str(raw).strip())
    except ValueError:
        errors[name] = [_("%(name)s must be a whole number.") % {"name": name}]
        return None
    if not low <= value <= high:
        errors[name] = [
            _("%(name)s must be between %(low)d and %(high)d.")
            % {"name": name, "low": low, "high": high}
        ]
        return None
    return value


def parse_search_params(params: Any, *, language: str = "en") -> SearchQuery:
    """`params` is a QueryDict (or any mapping with getlist)."""
    errors: dict[str, list[str]] = {}
    text = _clean_text(str(params.get("q", "") or ""))
    if len(text) > MAX_QUERY_LENGTH:
        errors["q"] = [
            _("The search text is too long (at most %(max)d characters).")
            % {"max": MAX_QUERY_LENGTH}
        ]
    filters: dict[str, tuple[str, ...]] = {}
    for facet in FACETS:
        values = [_clean_text(str(v))[:100] for v in params.getlist(facet.param)]
        values = [v for v in dict.fromkeys(values) if v]
        if len(values) > MAX_VALUES_PER_FACET:
            errors[facet.param] = [
                _("Too many values (at most %(max)d).") % {"max": MAX_VALUES_PER_FACET}
            ]
        if values:
            filters[facet.param] = tuple(values)
    year_from = _int(params, "year_from", 1900, 2100, errors)
    year_to = _int(params, "year_to", 1900, 2100, errors)
    if year_from and year_to and year_to < year_from:
        errors["year_to"] = [_("year_to cannot be before year_from.")]
    page = _int(params, "page", 1, MAX_PAGE, errors) or 1
    sort = str(params.get("sort") or "relevance")
    if sort not in SORTS:
        errors["sort"] = [_("sort must be one of: %(values)s.") % {"values": ", ".join(SORTS)}]
    if errors:
        raise ValidationError(errors)
    return SearchQuery(
        text=text,
        filters=filters,
        year_from=year_from,
        year_to=year_to,
        sort=sort,
        page=page,
        language=language,
    )


def query_to_params(query: SearchQuery, **changes: Any) -> list[tuple[str, str]]:
    """The query parameters that reproduce `query` (with `changes` applied), for links."""
    pairs: list[tuple[str, str]] = []
    text = changes.get("q", query.text)
    if text:
        pairs.append(("q", text))
    filters = changes.get("filters", query.filters)
    for facet in FACETS:
        pairs += [(facet.param, v) for v in filters.get(facet.param, ())]
    for name in ("year_from", "year_to"):
        value = changes.get(name, getattr(query, name))
        if value is not None:
            pairs.append((name, str(value)))
    sort = changes.get("sort", query.sort)
    if sort != "relevance":
        pairs.append(("sort", sort))
    page = changes.get("page", 1)
    if page != 1:
        pairs.append(("page", str(page)))
    return pairs
