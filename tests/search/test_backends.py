"""The search backend is a setting: SEARCH_BACKEND names its class by dotted path, its default
follows ELASTICSEARCH_URL, and a path that names no backend is a clear configuration error."""

import runpy
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured

from search.backends import get_backend
from search.backends.base import SearchQuery
from search.backends.database import DatabaseBackend
from search.selectors import practice_search_page
from tests.factories import PracticeFactory

SETTINGS = Path(__file__).resolve().parents[2] / "config" / "settings.py"


class QuietDatabaseBackend(DatabaseBackend):
    """A backend of our own, to show that any subclass named in settings is the one used."""

    name = "quiet"


def _settings_module(monkeypatch, **env):
    monkeypatch.setenv("DJANGO_READ_DOT_ENV", "0")
    monkeypatch.setenv("DJANGO_DEBUG", "1")
    for name in ("SEARCH_BACKEND", "ELASTICSEARCH_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def test_default_follows_the_elasticsearch_url(monkeypatch):
    assert (
        _settings_module(monkeypatch)["SEARCH_BACKEND"]
        == "search.backends.database.DatabaseBackend"
    )
    assert (
        _settings_module(monkeypatch, ELASTICSEARCH_URL="http://127.0.0.1:9200")["SEARCH_BACKEND"]
        == "search.backends.elastic.ElasticsearchBackend"
    )
    assert (
        _settings_module(
            monkeypatch,
            ELASTICSEARCH_URL="http://127.0.0.1:9200",
            SEARCH_BACKEND="search.backends.database.DatabaseBackend",
        )["SEARCH_BACKEND"]
        == "search.backends.database.DatabaseBackend"
    )


@pytest.mark.django_db
def test_the_dotted_path_in_settings_is_the_backend_searches_use(settings):
    settings.SEARCH_BACKEND = f"{__name__}.QuietDatabaseBackend"
    practice = PracticeFactory(text__title="Quiet streets")
    assert type(get_backend()) is QuietDatabaseBackend
    page = practice_search_page(query=SearchQuery(text="quiet"), user=AnonymousUser())
    assert page.backend == "quiet"
    assert [hit.id for hit in page.hits] == [practice.pk]


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("search.backends.nowhere.Backend", "cannot be imported"),
        ("search.backends.database.NoSuchBackend", "cannot be imported"),
        ("DatabaseBackend", "cannot be imported"),
        ("search.backends.base.SearchQuery", "is not a subclass of"),
        ("search.backends.base.PAGE_SIZE", "is not a subclass of"),
    ],
)
def test_a_path_that_names_no_backend_is_a_configuration_error(settings, path, says):
    settings.SEARCH_BACKEND = path
    with pytest.raises(ImproperlyConfigured, match=f"SEARCH_BACKEND = '{path}' {says}"):
        get_backend()
