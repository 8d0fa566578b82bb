"""Test-wide setup. Service markers (elasticsearch, postgres, redis) are enforced here:
with REQUIRE_SERVICES=1 (set by `make test`) an unreachable service fails the test with the
command that starts it; without it the test is skipped, for a quick local run."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path
from urllib.parse import urlparse

import pytest

SERVICES = {
    "elasticsearch": ("ELASTICSEARCH_URL", "http://127.0.0.1:9200"),
    "postgres": ("DATABASE_URL", "postgres://127.0.0.1:5432/"),
    "redis": ("REDIS_URL", "redis://127.0.0.1:6379/0"),
}


def service_url(name: str) -> str:
    variable, default = SERVICES[name]
    value = os.environ.get(variable, "")
    if name == "postgres" and not value.startswith("postgres"):
        return default
    return value or default


def _reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 80), 2):
            return True
    except OSError:
        return False


ROOT = Path(__file__).resolve().parent
# The browser tests drive Debian's Chromium (never a downloaded build), run axe-core inside it
# and the Nu HTML Checker (vnu.jar) on the machine's Java; `make test` installs all three.
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def browser_tools_missing() -> list[str]:
    missing = [str(p) for p in (CHROMIUM, AXE_JS, VNU_JAR) if not p.exists()]
    if shutil.which("java") is None:
        missing.append("java")
    return missing


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("browser") is not None and (missing := browser_tools_missing()):
        message = f"browser tools missing: {', '.join(missing)}; run `make browser-tools`."
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    for name in SERVICES:
        if item.get_closest_marker(name) is None:
            continue
        url = service_url(name)
        if _reachable(url):
            continue
        message = f"{name} is not reachable at {url}; start it with `make services-up`."
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Tests create many users; the production hasher is deliberately slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_api_rate_limits(settings):
    # API rate limits are tested on their own (tests/api/test_auth_and_limits.py); elsewhere
    # they would make a test's outcome depend on how many requests the tests before it made.
    settings.API_THROTTLE_RATES = {"anon": None, "user": None, "login": None}


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
