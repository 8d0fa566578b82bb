"""The API's limits: page sizes, request rates and request body sizes.

- Pages: 25 items by default, `page_size` up to 100; a count of 1,000 or more is reused for
  30 seconds (CachedCountPaginator).
- Rates (settings.API_THROTTLE_RATES): per client address for anonymous requests, per user for
  signed-in ones. The client address is core.network.client_address (settings.
  TRUSTED_PROXY_COUNT), the one every limiter uses: DRF's own get_ident, which reads the whole
  X-Forwarded-For header unless NUM_PROXIES is set, is replaced, so rotating the header's first
  element never buys a new budget. Exceeding a rate answers 429 with `Retry-After`. Counts live
  in the default cache, shared by every web process in production (DJANGO_CACHE_URL, Redis).
- Exchanging a password for a token follows the web's sign-in policy (accounts.ratelimits:
  failures only, per account and address, per address, per account from new addresses).
- Bodies: JSON bodies over settings.API_MAX_BODY_BYTES answer 413, and bodies nested deeper than
  MAX_JSON_DEPTH answer 400, before being parsed.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from rest_framework import parsers, throttling
from rest_framework.exceptions import ParseError
from rest_framework.pagination import PageNumberPagination

from core.network import client_address

from .errors import PayloadTooLarge


class CachedCountPaginator(Paginator):
    """Counting a long list is most of the cost of one of its pages (40-60 ms for 80,000
    practices through a taxonomy filter). A count of at least LONG is kept for a few seconds,
    per query (the SQL includes the reader's visibility), so the pages of one listing share
    it; shorter lists are counted every time and stay exact."""

    LONG = 1000
    SECONDS = 30

    @cached_property
    def count(self) -> int:
        query = getattr(self.object_list, "query", None)
        if query is None:
            return super().count
        try:
            sql, params = query.sql_with_params()
        except EmptyResultSet:
            return 0
        key = "api-count:" + hashlib.sha256(f"{sql}|{params!r}".encode()).hexdigest()
        found = cache.get(key)
        if found is not None:
            return int(found)
        counted = super().count
        if counted >= self.LONG:
            cache.set(key, counted, self.SECONDS)
        return counted


class Pagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    django_paginator_class = CachedCountPaginator


class _SettingsRate:
    """Reads its rate from settings at each request, so deployments (and tests) can change it.
    (DRF's throttles use the default cache, looked up at each request.)"""

    scope: str

    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_RATES.get(self.scope) or None

    def get_ident(self, request: Any) -> str:
        return client_address(request._request)


class AnonRate(_SettingsRate, throttling.AnonRateThrottle):
    scope = "anon"


class UserRate(_SettingsRate, throttling.UserRateThrottle):
    scope = "user"


class LimitedJSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        limit = settings.API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and str(declared).isdigit() and int(declared) > limit:
            raise PayloadTooLarge(_too_large(limit))
        if stream is None:
            return {}
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise PayloadTooLarge(_too_large(limit))
        if _depth(body) > MAX_JSON_DEPTH:
            raise ParseError(
                _("The JSON body is nested more than %(depth)d levels deep.")
                % {"depth": MAX_JSON_DEPTH}
            )
        return super().parse(io.BytesIO(body), media_type, parser_context)


# No body the API accepts nests deeper than 4 levels; Python's JSON reader recurses once per
# level and gives up (RecursionError, a 500) around 1,000, which 2 kB of brackets reach.
MAX_JSON_DEPTH = 32
_OPENERS, _CLOSERS = frozenset(b"[{"), frozenset(b"]}")
_QUOTE, _ESCAPE = ord('"'), ord("\\")


def _depth(body: bytes) -> int:
    """How deep the brackets of a JSON text nest, those inside strings aside: one pass over
    the bytes, before anything is parsed (a malformed body is the parser's to refuse)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == _ESCAPE:
                escaped = True
            elif byte == _QUOTE:
                in_string = False
        elif byte == _QUOTE:
            in_string = True
        elif byte in _OPENERS:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_JSON_DEPTH:
                    return deepest
        elif byte in _CLOSERS:
            depth -= 1
    return deepest


def _too_large(limit: int) -> str:
    return _("The request body is larger than %(size)d kB.") % {"size": limit // 1024}
