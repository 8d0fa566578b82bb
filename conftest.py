"""Test-wide setup. Service markers (elasticsearch, postgres, redis) are enforced here:
with REQUIRE_SERVICES=1 (set by `make test`) an unreachable service fails the test with the
command that starts it; without it the test is skipped, for a quick local run."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.support import (
    SERVICES,
    browser_tools_missing,
    reachable,
    service_missing,
    service_url,
)


@contextmanager
def _services_lock(item: pytest.Item) -> Iterator[None]:
    """Under pytest-xdist, a test marked `stops_services` (or `cluster`) runs alone: it holds a lock
    exclusively that every other test holds shared, from its first fixture to its last teardown
    (module fixtures that index into Elasticsearch included). A writer-first turnstile keeps
    the other worker from starting test after test while one waits to stop a service."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        yield
        return
    # The run's temporary folder, shared by its workers (each has a sub-folder of it).
    folder = item.config._tmp_path_factory.getbasetemp().parent
    # A cluster test's three JVMs and its timing want the machine's two cores to themselves.
    exclusive = any(item.get_closest_marker(m) for m in ("stops_services", "cluster"))
    with (
        open(folder / "services.turnstile", "a") as turnstile,
        open(folder / "services.lock", "a") as lock,
    ):
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        fcntl.flock(lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        if not exclusive:
            fcntl.flock(turnstile, fcntl.LOCK_UN)
        yield  # closing the files releases both locks


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    with _services_lock(item):
        return (yield)


# The migrations' data (taxonomy, groups), serialized by pytest-django when it creates the test
# database, for tests with serialized_rollback to restore after another test's flush.
_MIGRATED_DATA: dict[str, str] = {}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    from django.db import connections

    for alias in connections:
        contents = getattr(connections[alias], "_test_serialized_contents", None)
        if contents is not None:
            _MIGRATED_DATA[alias] = contents


def _give_the_connection_its_migrated_data(item: pytest.Item) -> None:
    # Django restores the copy (and its flush leaves the restoring to it) only through the
    # connection object that carried it when the database was created. Once Playwright's event
    # loop runs in this thread (the browser tests), Django hands out another connection object,
    # without it: a test with serialized_rollback after a browser test started without the
    # taxonomy, or with groups both recreated and restored. Give the current one the copy,
    # before the test's setup and before its teardown.
    marker = item.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("serialized_rollback") or not _MIGRATED_DATA:
        return
    from django.db import connections

    for alias, contents in _MIGRATED_DATA.items():
        connection = connections[alias]
        if getattr(connection, "_test_serialized_contents", None) is None:
            connection._test_serialized_contents = contents


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    _give_the_connection_its_migrated_data(item)


def pytest_runtest_setup(item: pytest.Item) -> None:
    _give_the_connection_its_migrated_data(item)
    if item.get_closest_marker("browser") is not None and (missing := browser_tools_missing()):
        message = f"browser tools missing: {', '.join(missing)}; run `make browser-tools`."
        service_missing(message)
    if item.get_closest_marker("frontserver") is not None and shutil.which("nginx") is None:
        message = "nginx is not installed; run `scripts/nginx.sh install`."
        service_missing(message)
    for name in SERVICES:
        if item.get_closest_marker(name) is None:
            continue
        url = service_url(name)
        if reachable(url):
            continue
        message = f"{name} is not reachable at {url}; start it with `make services-up`."
        service_missing(message)


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    # Tests create many users; the production hasher is deliberately slow. For the whole
    # session, so that rows shared by a module's tests (tests/conftest.py) are made with it too.
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True, scope="session")
def _session_index_prefix():
    # A test that reaches Elasticsearch without choosing indices of its own (es_settings) would
    # use the default prefix, that is the indices of a `make run-full` on the same node.
    import uuid

    from django.conf import settings
    from django.test import override_settings

    prefix = f"test-session-{uuid.uuid4().hex[:12]}"
    with override_settings(ELASTICSEARCH_INDEX_PREFIX=prefix):
        yield
        if settings.ELASTICSEARCH_URL and reachable(settings.ELASTICSEARCH_URL):
            from search.client import get_client

            get_client.cache_clear()
            get_client().options(ignore_status=404).indices.delete(index=f"{prefix}-*")
            get_client.cache_clear()


@pytest.fixture(autouse=True)
def _no_api_rate_limits(settings):
    # API rate limits are tested on their own (tests/api/test_auth_and_limits.py); elsewhere
    # they would make a test's outcome depend on how many requests the tests before it made.
    settings.API_THROTTLE_RATES = {"anon": None, "user": None}


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate limits count in the cache; one test's attempts must not limit the next one.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    # A request through the test client activates its page's language in this thread and
    # leaves it active; each test starts in the default language instead of the last page's.
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")
