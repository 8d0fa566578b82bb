"""The one place that builds an Elasticsearch client from settings.

ELASTICSEARCH_URL may carry basic-auth credentials (https://user:pass@host:9200) or they may be
given apart (ELASTICSEARCH_USERNAME/PASSWORD); ELASTICSEARCH_API_KEY takes precedence over both.
ELASTICSEARCH_CA_CERTS points at a CA bundle for clusters with their own certificate authority.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlparse, urlunparse

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from elasticsearch import Elasticsearch


def client_options() -> dict[str, Any]:
    url = settings.ELASTICSEARCH_URL
    if not url:
        raise ImproperlyConfigured(
            "ELASTICSEARCH_URL is empty: the database search backend is in use."
        )
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ImproperlyConfigured(f"ELASTICSEARCH_URL must be an http(s) URL, not {url!r}.")
    options: dict[str, Any] = {
        "request_timeout": settings.ELASTICSEARCH_TIMEOUT,
        "max_retries": settings.ELASTICSEARCH_MAX_RETRIES,
        "retry_on_timeout": True,
    }
    username, password = parsed.username, parsed.password
    if username:
        netloc = parsed.hostname + (f":{parsed.port}" if parsed.port else "")
        url = urlunparse(parsed._replace(netloc=netloc))
    username = settings.ELASTICSEARCH_USERNAME or username
    password = settings.ELASTICSEARCH_PASSWORD or password
    if settings.ELASTICSEARCH_API_KEY:
        options["api_key"] = settings.ELASTICSEARCH_API_KEY
    elif username:
        options["basic_auth"] = (username, password or "")
    if settings.ELASTICSEARCH_CA_CERTS:
        options["ca_certs"] = settings.ELASTICSEARCH_CA_CERTS
    options["hosts"] = [url]
    return options


@lru_cache(maxsize=1)
def get_client() -> Elasticsearch:
    return Elasticsearch(**client_options())
