"""Is the search engine there? For the readiness endpoint and the `elasticsearch_up` gauge
(ops/), which must answer within a probe's patience: a client of its own with a short timeout
and no retries, not the app's (which retries, and waits ELASTICSEARCH_TIMEOUT)."""

from __future__ import annotations

from django.conf import settings
from elasticsearch import Elasticsearch

from .client import client_options


def engine_configured() -> bool:
    return bool(settings.ELASTICSEARCH_URL)


def engine_status(*, timeout: float = 2.0) -> str | None:
    """The cluster's health colour (green, yellow, red), or None if no node answers."""
    options = {**client_options(), "request_timeout": timeout, "max_retries": 0}
    try:
        with Elasticsearch(**options) as client:
            return str(client.cluster.health(timeout=f"{int(timeout * 1000)}ms")["status"])
    except Exception:  # any transport or API error: the engine is not usable
        return None
