"""The configured search backend: the class named by its dotted path in `SEARCH_BACKEND`, as
Django's cache framework and Wagtail's search backends name theirs. Its default follows
ELASTICSEARCH_URL (config/settings.py). Whatever is configured, the database backend is also
the fallback when the engine does not answer (search.selectors)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .base import SearchBackend
from .database import DatabaseBackend


def backend_class(path: str) -> type[SearchBackend]:
    """The backend class at `path`; a path that does not name one is a configuration error,
    reported with the setting's name rather than as an ImportError deep in a request."""
    try:
        found = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"SEARCH_BACKEND = {path!r} cannot be imported: {exc}") from exc
    if not (isinstance(found, type) and issubclass(found, SearchBackend)):
        raise ImproperlyConfigured(
            f"SEARCH_BACKEND = {path!r} is not a subclass of search.backends.base.SearchBackend."
        )
    return found


def get_backend() -> SearchBackend:
    return backend_class(settings.SEARCH_BACKEND)()


def get_database_backend() -> SearchBackend:
    return DatabaseBackend()
