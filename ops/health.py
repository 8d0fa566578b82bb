"""What `/health/ready` checks: each dependency the configuration names, with a short timeout,
reported by name, so a load balancer takes the process out of rotation and an operator sees
which dependency is down.

- database: always (`SELECT 1`);
- elasticsearch: when ELASTICSEARCH_URL is set; a red cluster counts as down (some shards
  answer nothing), yellow as up (replicas missing, every document still served);
- redis: the Celery broker when it is Redis, and `redis_cache` the cache (DJANGO_CACHE_URL)
  when it is another Redis URL.

An error is reported by its class only: the endpoint is reachable from outside, and exception
messages carry host names and ports.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import connection

from search.health import engine_configured, engine_status

TIMEOUT = 2.0


@dataclass
class Check:
    ok: bool
    ms: float
    detail: str = ""


def _timed(probe: Callable[[], str]) -> Check:
    started = time.perf_counter()
    try:
        detail = probe()
        ok = True
    except Exception as exc:  # every failure means "down"; which one is in the detail
        detail, ok = type(exc).__name__, False
    return Check(ok=ok, ms=round((time.perf_counter() - started) * 1000, 1), detail=detail)


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def _elasticsearch() -> str:
    status = engine_status(timeout=TIMEOUT)
    if status is None:
        raise ConnectionError("no node answered")
    if status == "red":
        raise RuntimeError("cluster red")
    return status


def redis_urls() -> dict[str, str]:
    """{check name: URL}: "redis" for the Celery broker, "redis_cache" for the cache when it
    is another Redis (the same URL is checked once)."""
    found: dict[str, str] = {}
    broker = settings.CELERY_BROKER_URL
    if broker.startswith(("redis://", "rediss://", "unix://")):
        found["redis"] = broker
    cache = settings.CACHES.get("default", {})
    if "redis" in str(cache.get("BACKEND", "")).lower():
        location = cache.get("LOCATION")
        url = str((location[0] if isinstance(location, list) else location) or "")
        if url and url not in found.values():
            found["redis_cache"] = url
    return found


def _redis(url: str) -> Callable[[], str]:
    def probe() -> str:
        client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
        try:
            client.ping()
        finally:
            client.close()
        return "pong"

    return probe


def readiness() -> dict[str, Check]:
    checks = {"database": _timed(_database)}
    if engine_configured():
        checks["elasticsearch"] = _timed(_elasticsearch)
    for name, url in redis_urls().items():
        checks[name] = _timed(_redis(url))
    return checks
