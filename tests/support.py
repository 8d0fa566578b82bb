"""Where the tests find the live services and the browser tools, and where they write their
artifacts. Plain helpers, imported by the conftest files and the tests (fixtures live in the
conftest.py files, never imported)."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from core.embedding import Embedder, EmbedderUnavailable, UniversalSentenceEncoder

ROOT = Path(__file__).resolve().parent.parent

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


def reachable(url: str) -> bool:
    """Whether the service answers a connection; for a list of URLs separated by commas (the
    nodes of an Elasticsearch cluster), whether one of them does, as the client needs."""
    for one in url.split(","):
        parsed = urlparse(one.strip())
        try:
            with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 80), 2):
                return True
        except OSError:
            continue
    return False


# The browser tests drive Debian's Chromium (never a downloaded build), run axe-core inside it
# and the Nu HTML Checker (vnu.jar) on the machine's Java; `make test` installs all three.
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
# Screenshots, the HTML vnu checked and axe's findings (gitignored).
ARTIFACTS = ROOT / "test-artifacts"


def browser_tools_missing() -> list[str]:
    missing = [str(p) for p in (CHROMIUM, AXE_JS, VNU_JAR) if not p.exists()]
    if shutil.which("java") is None:
        missing.append("java")
    return missing


class BrokenEmbedder(Embedder):
    """An embedder whose model cannot load, as when its package is broken on a server; its
    version is the real model's, so vectors computed once it is back count as current."""

    dimension = 512

    def __init__(self) -> None:
        raise EmbedderUnavailable("the model file is damaged")

    @classmethod
    def model_version(cls) -> str:
        return UniversalSentenceEncoder.model_version()

    def embed(self, texts: Sequence[str]) -> np.ndarray:  # pragma: no cover - never built
        raise EmbedderUnavailable("never loaded")


# For `settings.EMBEDDER` in tests of how search, vectors and matching degrade.
BROKEN_EMBEDDER = f"{__name__}.BrokenEmbedder"


def race_for_practice_lock(
    practice_pk: int, calls: Sequence[Any], *, wait: float = 60
) -> list[Any]:
    """Run each of `calls` (no arguments) in a thread of its own while the test holds the
    practice's row lock, and let go only once every call waits for that lock (PostgreSQL's
    pg_stat_activity): they all read the practice before any of them writes, then take the
    lock in turn. Returns what each call returned, in order (None if it raised)."""
    import threading
    import time

    from django.db import connection, connections, transaction

    from practices.models import Practice

    def waiting() -> int:
        with connection.cursor() as cursor:
            # Within a transaction PostgreSQL keeps showing its first view of the activity.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            return cursor.fetchone()[0]

    results: dict[int, Any] = {}

    def run(i: int) -> None:
        try:
            results[i] = calls[i]()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    with transaction.atomic():
        Practice.objects.select_for_update().get(pk=practice_pk)
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + wait
        while waiting() < len(threads) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert waiting() == len(threads), "the calls did not reach the row lock"
    for thread in threads:
        thread.join(timeout=2 * wait)
    return [results.get(i) for i in range(len(calls))]


def service_missing(message: str) -> None:
    """A test needs something that is not there: under REQUIRE_SERVICES=1 (make test, CI) the
    test fails, so a missing service can never pass as a skip; elsewhere it is skipped."""
    import pytest

    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)
