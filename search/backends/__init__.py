"""The configured search backend: Elasticsearch when ELASTICSEARCH_URL is set, else the
database backend (like Django's cache framework, the choice is a setting)."""

from __future__ import annotations

from django.conf import settings

from .base import SearchBackend
from .database import DatabaseBackend


def get_backend() -> SearchBackend:
    if settings.ELASTICSEARCH_URL:
        from .elastic import ElasticsearchBackend

        return ElasticsearchBackend()
    return DatabaseBackend()


def get_database_backend() -> SearchBackend:
    return DatabaseBackend()
