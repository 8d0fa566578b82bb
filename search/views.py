"""The search page and its Atom feed (the API's search endpoints are in api/search/)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.syndication.views import Feed
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from core.languages import current_language
from core.text import xml_safe
from practices.selectors import taxonomy

from .backends.base import MAX_PAGE, SearchQuery
from .facets import FACETS
from .params import parse_search_params, query_to_params
from .querylog import search_query_record
from .selectors import practice_closest, practice_rows, practice_search_page


def search_page(request: HttpRequest) -> HttpResponse:
    try:
        query = parse_search_params(request.GET, language=current_language())
        errors: dict[str, list[str]] = {}
    except ValidationError as exc:
        errors = exc.message_dict
        query = SearchQuery(language=current_language())
    page = practice_search_page(query=query, user=request.user)
    if not errors:
        # What was searched and how much it found, never who (search/querylog.py).
        search_query_record(query=query, results=page.total)
    rows = practice_rows(page)
    chips = []
    for facet in FACETS:
        labels = {fv.value: fv.label for fv in page.facets.get(facet.param, [])}
        for value in query.selected(facet.param):
            remaining = {
                **query.filters,
                facet.param: tuple(v for v in query.selected(facet.param) if v != value),
            }
            chips.append(
                {
                    "label": f"{facet.title}: {labels.get(value, value)}",
                    "url": "?" + urlencode(query_to_params(query, filters=remaining)),
                }
            )
    facets = [
        {
            "facet": facet,
            "values": [
                {
                    "value": fv,
                    "url": "?"
                    + urlencode(
                        query_to_params(
                            query,
                            filters={
                                **query.filters,
                                facet.param: tuple(
                                    v for v in query.selected(facet.param) if v != fv.value
                                )
                                if fv.selected
                                else (*query.selected(facet.param), fv.value),
                            },
                        )
                    ),
                }
                for fv in page.facets.get(facet.param, [])
            ],
        }
        for facet in FACETS
    ]
    closest = [] if errors else practice_closest(page=page, user=request.user)
    # A page with nothing on it still leads somewhere: the same search without its filters,
    # and every challenge to browse.
    dead_end = not errors and page.total == 0 and not closest
    status = 400 if errors else 200
    return render(
        request,
        "search/search.html",
        {
            "query": query,
            "page": page,
            "rows": rows,
            "closest": closest,
            "unfiltered_url": "?"
            + urlencode(query_to_params(query, filters={}, year_from=None, year_to=None))
            if dead_end and (any(query.filters.values()) or query.year_from or query.year_to)
            else "",
            "browse": [
                {"label": c.label, "url": "?" + urlencode({"challenge": c.slug})}
                for c in taxonomy()["challenges"]
            ]
            if dead_end
            else [],
            "facets": facets,
            "chips": chips,
            "errors": errors,
            "sorts": [
                ("relevance", _("Relevance")),
                ("newest", _("Newest")),
                ("adapted", _("Most adapted")),
            ],
            "prev_url": "?" + urlencode(query_to_params(query, page=query.page - 1))
            if query.page > 1
            else "",
            "next_url": "?" + urlencode(query_to_params(query, page=query.page + 1))
            if query.page < min(page.pages, MAX_PAGE)
            else "",
            "feed_url": "feed/?" + urlencode(query_to_params(query)),
            "suggestion_url": "?" + urlencode(query_to_params(query, q=page.suggestion))
            if page.suggestion
            else "",
            "hidden_filters": [
                (k, v) for k, v in query_to_params(query) if k not in ("q", "sort", "page")
            ],
        },
        status=status,
    )


class SearchFeed(Feed):
    """An Atom feed of any search: the page's URL with /feed/ gives its newest results."""

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> SearchQuery:
        try:
            query = parse_search_params(request.GET, language=current_language())
        except ValidationError:
            query = SearchQuery(language=current_language())
        return SearchQuery(
            text=query.text,
            filters=query.filters,
            year_from=query.year_from,
            year_to=query.year_to,
            sort="newest",
            language=query.language,
        )

    # Text stored before core.text cleaned it at the door, and the query itself, may hold
    # characters XML forbids: the feed writes them out (a feed that fails helps no one).
    def title(self, obj: SearchQuery) -> str:
        return xml_safe(_("Policy Transfer: %(q)s") % {"q": obj.text or _("new practices")})

    def link(self, obj: SearchQuery) -> str:
        # The search page in the reader's language (the URL is under its language prefix).
        return reverse("search") + "?" + urlencode(query_to_params(obj))

    def subtitle(self, obj: SearchQuery) -> str:
        return _("The newest published practices matching this search.")

    def items(self, obj: SearchQuery) -> list[Any]:
        return [row.practice for row in practice_rows(practice_search_page(query=obj, user=None))]  # type: ignore[arg-type]

    def item_title(self, item: Any) -> str:
        text = item.text_in(current_language())
        return xml_safe(text.title) if text else str(item.pk)

    def item_description(self, item: Any) -> str:
        text = item.text_in(current_language())
        return xml_safe(f"{text.summary if text else ''} ({item.city.label})")

    def item_pubdate(self, item: Any) -> Any:
        return item.published_at
