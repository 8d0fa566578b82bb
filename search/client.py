"""The one place that builds an Elasticsearch client from settings.

ELASTICSEARCH_URL is one node's URL or, for a cluster, several separated by commas
(http://es1:9200,http://es2:9200,http://es3:9200); every node gets requests. URLs may carry
basic-auth credentials (https://user:pass@host:9200) or they may be given apart
(ELASTICSEARCH_USERNAME/PASSWORD); ELASTICSEARCH_API_KEY takes precedence over both.
ELASTICSEARCH_CA_CERTS points at a CA bundle for clusters with their own certificate authority.

Retry policy, decided for a cluster that loses a node (tests/search/test_cluster.py,
benchmarks/node_loss.py): a request that meets a connection error, a timeout
(ELASTICSEARCH_TIMEOUT seconds) or a 429/502/503/504 is sent again to the next node, up to
ELASTICSEARCH_MAX_RETRIES times; the node that failed rests (1 s, doubling up to 30 s) before it
is tried again. Every request here is a read or an idempotent write (index or delete by id), so
sending one twice is harmless. Sniffing stays off: the node list is the one configured, which
behind a load balancer or in containers is the only one the app can reach (a sniffed node
announces its publish address, which may not be); with three nodes listed, one lost node
leaves two. Adding a node to the list is a settings change (docs/operations.md).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlparse, urlunparse

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from elasticsearch import Elasticsearch


def node_urls(value: str) -> list[str]:
    """The node URLs of ELASTICSEARCH_URL (one, or several separated by commas)."""
    return [part.strip() for part in value.split(",") if part.strip()]


def client_options() -> dict[str, Any]:
    urls = node_urls(settings.ELASTICSEARCH_URL)
    if not urls:
        raise ImproperlyConfigured(
            "ELASTICSEARCH_URL is empty: the database search backend is in use."
        )
    options: dict[str, Any] = {
        "request_timeout": settings.ELASTICSEARCH_TIMEOUT,
        "max_retries": settings.ELASTICSEARCH_MAX_RETRIES,
        "retry_on_timeout": True,
        "sniff_on_start": False,
        "sniff_on_node_failure": False,
    }
    hosts, username, password = [], "", ""
    for url in urls:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ImproperlyConfigured(
                f"ELASTICSEARCH_URL must be http(s) URLs separated by commas, not {url!r}."
            )
        if parsed.username:
            if username and (parsed.username, parsed.password or "") != (username, password):
                raise ImproperlyConfigured(
                    "ELASTICSEARCH_URL: the nodes' URLs carry different credentials."
                )
            username, password = parsed.username, parsed.password or ""
            netloc = parsed.hostname + (f":{parsed.port}" if parsed.port else "")
            url = urlunparse(parsed._replace(netloc=netloc))
        hosts.append(url)
    username = settings.ELASTICSEARCH_USERNAME or username
    password = settings.ELASTICSEARCH_PASSWORD or password
    if settings.ELASTICSEARCH_API_KEY:
        options["api_key"] = settings.ELASTICSEARCH_API_KEY
    elif username:
        options["basic_auth"] = (username, password or "")
    if settings.ELASTICSEARCH_CA_CERTS:
        options["ca_certs"] = settings.ELASTICSEARCH_CA_CERTS
    options["hosts"] = hosts
    return options


@lru_cache(maxsize=1)
def get_client() -> Elasticsearch:
    return Elasticsearch(**client_options())
