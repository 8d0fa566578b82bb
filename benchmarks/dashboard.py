#!/usr/bin/env python
"""The secretariat's dashboard at scale: render time, SQL queries and memory.

    make services-up
    .venv/bin/python benchmarks/dashboard.py                   # reuse <name>_dashboard if filled
    .venv/bin/python benchmarks/dashboard.py --regenerate      # 100,000 practices, 10,000 requests
    .venv/bin/python benchmarks/dashboard.py --practices 20000 --requests 2000 --regenerate

Data, in its own PostgreSQL database `<name>_dashboard` beside --database-url: the reference
cities, then `portal.demo.demo_load` (bulk inserts) for the practices and member cities, then
--requests exchange requests written here in bulk (bulk_create, one batch per table): filed over
the last two years by random member cities, one to three challenges each, three ranked peers,
and for most of them an exchange that went some way along its lifecycle with its dated events
(proposed, accepted, scheduled, in progress, completed, evaluated; some declined or cancelled).
The anonymous search log gets 180 days of rows (200 a day). The search index and the sentence
vectors are not built: the dashboard reads neither (the outbox drain is disconnected while
loading, so no encoder runs).

Measured, in process through Django's test client as a signed-in broker, DEBUG off:
- each page (`/en/dashboard/`, `/en/dashboard/gaps/`, `/en/exchanges/pipeline/`) rendered
  --renders times after one warm-up: median, p95 and max milliseconds;
- the SQL queries of one render of each page (the same number at any size: the test
  tests/dashboard/test_dashboard.py::test_queries_do_not_grow_with_the_data asserts it);
- peak Python heap during one render (tracemalloc) and the process's peak resident size;
- the cost of recording one search in the anonymous log (search.querylog: one upsert), median
  and p95 over 1,000 searches.
The last line is JSON with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import time
import tracemalloc
import urllib.parse
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.search import pct, recreate_database  # noqa: E402

PAGES = ("/en/dashboard/", "/en/dashboard/gaps/", "/en/exchanges/pipeline/")


def database_filled(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT count(*) FROM exchanges_exchangerequest").fetchone()
    except psycopg.Error:
        return False
    return bool(row and row[0])


def setup(database_url: str, cache_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["ELASTICSEARCH_URL"] = ""
    os.environ["CELERY_BROKER_URL"] = ""
    os.environ["DJANGO_DEBUG"] = "0"  # no per-query bookkeeping, cached templates
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-" + "x" * 50)
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "0"
    os.environ["DJANGO_READ_DOT_ENV"] = "0"
    os.environ["DJANGO_CACHE_URL"] = cache_url
    # Persistent connections, as a production server keeps them: the figure is the page's
    # work, not a new PostgreSQL connection per render.
    os.environ["DATABASE_CONN_MAX_AGE"] = "60"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()


def generate(*, practices: int, requests: int, cities: int, seed: int) -> dict[str, Any]:
    from django.core.management import call_command

    from cities.services import cities_load_reference
    from portal.demo import demo_load
    from practices.outbox import outbox_recorded

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    cities_load_reference()
    # The dashboard reads neither the index nor the vectors: no drain (and no encoder) runs.
    outbox_recorded.disconnect(dispatch_uid="search.request_drain")

    def progress(done: int, total: int) -> None:
        if done % 10_000 == 0:
            print(f"[dashboard] {done}/{total} practices", flush=True)

    demo_load(practices=practices, member_cities=cities, progress=progress)
    loaded = time.perf_counter() - started
    make_requests(count=requests, seed=seed)
    make_search_log(seed=seed)
    return {
        "generate_practices_s": round(loaded, 1),
        "generate_total_s": round(time.perf_counter() - started, 1),
    }


def make_requests(*, count: int, seed: int) -> None:
    """`count` requests with their matches, exchanges and events, in bulk."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from cities.models import City
    from core.staff import BROKER
    from exchanges.models import Exchange, ExchangeEvent, ExchangeRequest, Match
    from practices.models import Challenge

    rng = random.Random(seed)
    members = list(City.objects.filter(member_status="active").values_list("pk", flat=True))
    challenges = list(Challenge.objects.values_list("pk", flat=True))
    brokers = list(User.objects.filter(groups__name=BROKER).values_list("pk", flat=True)) or [None]
    now = timezone.now()
    R, E = ExchangeRequest.State, Exchange.State
    # How far along its lifecycle each request's exchange went (None: no proposal yet).
    paths = [
        (None, 20),
        ((E.PROPOSED,), 15),
        ((E.PROPOSED, E.DECLINED), 8),
        ((E.PROPOSED, E.ACCEPTED), 10),
        ((E.PROPOSED, E.ACCEPTED, E.SCHEDULED), 10),
        ((E.PROPOSED, E.ACCEPTED, E.SCHEDULED, E.IN_PROGRESS), 8),
        ((E.PROPOSED, E.ACCEPTED, E.SCHEDULED, E.IN_PROGRESS, E.COMPLETED), 9),
        ((E.PROPOSED, E.ACCEPTED, E.SCHEDULED, E.IN_PROGRESS, E.COMPLETED, E.EVALUATED), 15),
        ((E.PROPOSED, E.CANCELLED), 5),
    ]
    choices, weights = zip(*paths, strict=True)
    with transaction.atomic():
        plans = []
        rows = []
        for _i in range(count):
            city = rng.choice(members)
            filed = now - timedelta(days=rng.uniform(0, 730))
            path = rng.choices(choices, weights)[0]
            last = path[-1] if path else None
            state = (
                R.OPEN
                if path is None and rng.random() < 0.5
                else R.IN_REVIEW
                if path is None or last in (E.DECLINED, E.CANCELLED)
                else R.PROPOSED
                if last == E.PROPOSED
                else R.CLOSED
                if last == E.EVALUATED
                else R.MATCHED
            )
            rows.append(
                ExchangeRequest(
                    city_id=city,
                    need=f"Benchmark need {_i}: we want to learn how others did it.",
                    state=state,
                    broker_id=None if state == R.OPEN else rng.choice(brokers),
                )
            )
            plans.append((city, filed, path))
        created = ExchangeRequest.objects.bulk_create(rows, batch_size=2000)
        # created_at is set on insert (auto_now_add): put each request at its filing date.
        for request, (_city, filed, _path) in zip(created, plans, strict=True):
            request.created_at = filed
        ExchangeRequest.objects.bulk_update(created, ["created_at"], batch_size=2000)
        through = ExchangeRequest.challenges.through
        through.objects.bulk_create(
            [
                through(exchangerequest_id=r.pk, challenge_id=c)
                for r in created
                for c in rng.sample(challenges, rng.randint(1, 3))
            ],
            batch_size=5000,
        )
        matches = []
        for request, (city, _filed, _path) in zip(created, plans, strict=True):
            peers = rng.sample([m for m in members if m != city][:300], 3)
            matches += [
                Match(request_id=request.pk, peer_city_id=p, score=round(rng.random(), 3))
                for p in peers
            ]
        matches = Match.objects.bulk_create(matches, batch_size=5000)
        exchanges, dated = [], []
        for n, (_city, filed, path) in enumerate(plans):
            if not path:
                continue
            match = matches[3 * n]
            match.status = Match.Status.PROPOSED
            exchanges.append(Exchange(match_id=match.pk, state=path[-1]))
            dated.append((filed, path))
        Match.objects.bulk_update(
            [m for m in matches if m.status == Match.Status.PROPOSED], ["status"], batch_size=5000
        )
        exchanges = Exchange.objects.bulk_create(exchanges, batch_size=5000)
        events = []
        for exchange, (filed, path) in zip(exchanges, dated, strict=True):
            at, previous = filed, ""
            for state in path:
                at += timedelta(days=rng.uniform(1, 20))
                events.append(
                    ExchangeEvent(
                        exchange_id=exchange.pk, from_state=previous, to_state=state, at=at
                    )
                )
                previous = state
            exchange.created_at = filed + timedelta(days=1)
        Exchange.objects.bulk_update(exchanges, ["created_at"], batch_size=5000)
        ExchangeEvent.objects.bulk_create(events, batch_size=5000)


def make_search_log(*, seed: int, days: int = 180, per_day: int = 200) -> None:
    from django.utils import timezone

    from practices.models import Challenge
    from search.models import SearchQueryDay

    rng = random.Random(seed)
    slugs = list(Challenge.objects.values_list("slug", flat=True))
    regions = ["002", "019", "142", "150", "009", ""]
    today = timezone.localdate()
    rows = []
    for d in range(days):
        for i in range(per_day):
            challenge = rng.choice([*slugs, "", ""])
            region = rng.choice(regions)
            filters = "&".join(
                f for f in (f"challenge={challenge}" if challenge else "",
                            f"region={region}" if region else "") if f
            )  # fmt: skip
            rows.append(
                SearchQueryDay(
                    day=today - timedelta(days=d),
                    text=f"query {i}",
                    language=rng.choice(["en", "fr", "es"]),
                    filters=filters,
                    challenge=challenge,
                    region=region,
                    searches=rng.randint(1, 20),
                    results=rng.choice([0, 0, 1, 2, 5, 10, 40]),
                )
            )
    SearchQueryDay.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)


def _timed(statements: list[tuple[float, str]]) -> Any:
    """A database execute wrapper that notes (milliseconds, SQL) of every statement."""

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append(((time.perf_counter() - started) * 1000, sql))

    return timed


def measure(*, renders: int) -> dict[str, Any]:
    # Production serves hashed static files collected beforehand; here the page links them by
    # name, which costs the same, so no collectstatic is needed.
    from django.conf import settings
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from cities.models import City
    from core.staff import BROKER
    from exchanges.models import Exchange, ExchangeRequest
    from practices.models import Practice
    from search.backends.base import SearchQuery
    from search.models import SearchQueryDay
    from search.querylog import search_query_record

    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    staticfiles_storage._setup()  # type: ignore[attr-defined]

    broker = User.objects.filter(groups__name=BROKER).first()
    assert broker is not None, "the demo has a broker"
    client = Client()
    client.force_login(broker)
    out: dict[str, Any] = {
        "practices": Practice.objects.count(),
        "requests": ExchangeRequest.objects.count(),
        "exchanges": Exchange.objects.count(),
        "member_cities": City.objects.filter(member_status="active").count(),
        "search_log_rows": SearchQueryDay.objects.count(),
        "pages": {},
    }
    for path in PAGES:
        assert client.get(path).status_code == 200  # warm-up: templates, connections
        # Counted with a wrapper rather than connection.queries, which every request resets.
        statements: list[tuple[float, str]] = []
        with connection.execute_wrapper(_timed(statements)):
            client.get(path)
        tracemalloc.start()
        client.get(path)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        ms = []
        for _i in range(renders):
            started = time.perf_counter()
            response = client.get(path)
            ms.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        out["pages"][path] = {
            "median_ms": round(statistics.median(ms), 1),
            "p95_ms": round(pct(ms, 95), 1),
            "max_ms": round(max(ms), 1),
            "queries": len(statements),
            "sql_ms": round(sum(ms for ms, _sql in statements), 1),
            "slowest_sql": [
                (round(ms, 1), sql[:160]) for ms, sql in sorted(statements, reverse=True)[:3]
            ],
            "peak_heap_kb": round(peak / 1024),
        }
    record_ms = []
    for i in range(1000):
        query = SearchQuery(text=f"bench record {i % 50}", language="en")
        started = time.perf_counter()
        search_query_record(query=query, results=i % 4)
        record_ms.append((time.perf_counter() - started) * 1000)
    out["search_record_ms"] = {
        "median": round(statistics.median(record_ms), 3),
        "p95": round(pct(record_ms, 95), 3),
    }
    SearchQueryDay.objects.filter(text__startswith="bench record").delete()
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://policy:policy@127.0.0.1:5432/policy_transfer"
        ),
    )
    parser.add_argument(
        "--cache-url", default=os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/2")
    )
    parser.add_argument("--practices", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--cities", type=int, default=1000)
    parser.add_argument("--renders", type=int, default=30)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()

    parsed = urllib.parse.urlparse(args.database_url)
    name = parsed.path.strip("/") + "_dashboard"
    url = parsed._replace(path=f"/{name}").geturl()
    figures: dict[str, Any] = {"database": name}
    regenerate = args.regenerate or not database_filled(url)
    if regenerate:
        recreate_database(args.database_url, name)
    setup(url, args.cache_url)
    if regenerate:
        print(
            f"[dashboard] generating {args.practices} practices and {args.requests} requests …",
            flush=True,
        )
        figures.update(
            generate(
                practices=args.practices,
                requests=args.requests,
                cities=args.cities,
                seed=args.seed,
            )
        )
    figures.update(measure(renders=args.renders))
    print(
        f"data: {figures['practices']} practices, {figures['requests']} requests, "
        f"{figures['exchanges']} exchanges, {figures['member_cities']} member cities, "
        f"{figures['search_log_rows']} search-log rows"
    )
    for path, page in figures["pages"].items():
        print(
            f"{path:28} median {page['median_ms']:7.1f} ms  p95 {page['p95_ms']:7.1f} ms  "
            f"max {page['max_ms']:7.1f} ms  {page['queries']} queries ({page['sql_ms']} ms)  "
            f"peak heap {page['peak_heap_kb']} kB"
        )
    record = figures["search_record_ms"]
    print(f"recording one search: median {record['median']} ms, p95 {record['p95']} ms")
    print(f"peak resident size: {figures['peak_rss_mb']} MB")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
