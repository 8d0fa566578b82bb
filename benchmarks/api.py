#!/usr/bin/env python
"""API benchmark: practice list, practice detail and search over HTTP, figures printed (never
asserted).

    make services-up
    .venv/bin/python benchmarks/api.py              # 100,000 practices
    .venv/bin/python benchmarks/api.py --size 5000  # a quick run

In a PostgreSQL database of its own (`<name>_bench`, the search benchmark's, recreated unless
--reuse), it generates --size practices over --cities member cities with the demo generator,
builds the Elasticsearch index, starts gunicorn (2 workers x 4 threads, DEBUG off, rate limits
off: see setup_django in benchmarks/search.py) and sends --requests requests of each kind at
concurrency 1 and 4, as an anonymous client:
- list: /api/v1/practices/ pages 1-40 of 25; a third filtered by challenge and a third by
  SDG, pages 1-10;
- detail: /api/v1/practices/{id}/ of random published practices;
- search: /api/v1/search/practices/ with the search benchmark's query mix.
Every answer must be 200 (errors are counted). It ends with one line of JSON of every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import search as bench  # noqa: E402

CHALLENGES = [
    "social-cohesion",
    "sustainability",
    "economic-development",
    "gender-equality",
    "quality-of-life",
]


def list_paths(count: int, rng: random.Random) -> list[str]:
    paths = []
    for i in range(count):
        params: dict[str, str | int] = {"page": rng.randint(1, 40), "page_size": 25}
        if i % 3:
            params["page"] = rng.randint(1, 10)  # a filtered list is shorter
        if i % 3 == 1:
            params["challenge"] = rng.choice(CHALLENGES)
        elif i % 3 == 2:
            params["sdg"] = rng.randint(1, 17)
        paths.append("/api/v1/practices/?" + urllib.parse.urlencode(params))
    return paths


def run(port: int, paths: list[str], concurrency: int) -> dict:
    result = bench.run_urls([f"http://127.0.0.1:{port}{path}" for path in paths], concurrency)
    result["requests_per_s"] = result.pop("per_s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=100_000, help="practices (100000)")
    parser.add_argument("--cities", type=int, default=1000, help="member cities (1000)")
    parser.add_argument("--requests", type=int, default=500, help="per kind (500)")
    bench.add_service_arguments(parser)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the data and index of a previous run"
    )
    args = parser.parse_args()

    bench_name, bench_url = bench.bench_database(args.database_url)
    if not args.reuse:
        bench.recreate_database(args.database_url, bench_name)
    bench.setup_django(bench_url, args.elasticsearch_url)

    from django.core.management import call_command

    from cities.services import cities_load_reference
    from portal.demo import demo_load
    from practices.models import Practice

    figures: dict = {"size": args.size, "cities": args.cities, "requests": args.requests}
    call_command("migrate", verbosity=0)
    if not args.reuse:
        cities_load_reference()
        started = time.perf_counter()
        demo_load(practices=args.size, member_cities=args.cities)
        figures["generate_s"] = round(time.perf_counter() - started, 1)
    figures["practices"] = Practice.objects.count()
    published = list(Practice.objects.filter(review_state="published").values_list("pk", flat=True))
    from search.backends.elastic import ElasticsearchBackend

    backend = ElasticsearchBackend()
    current = backend.client.indices.exists_alias(name=backend.alias) and (
        backend.client.count(index=backend.alias)["count"] == len(published)
    )
    if not current:  # a new database, or --reuse after the services were restarted
        print(f"[api] indexing {len(published)} published practices …", flush=True)
        subprocess.run(
            [sys.executable, "manage.py", "search_rebuild"],
            cwd=ROOT,
            env={**os.environ},
            check=True,
        )
    rng = random.Random(11)
    kinds = {
        "list": list_paths(args.requests, rng),
        "detail": [f"/api/v1/practices/{rng.choice(published)}/" for _ in range(args.requests)],
        "search": [
            "/api/v1/search/practices/?" + urllib.parse.urlencode(p)
            for p in bench.query_mix(args.requests)
        ],
    }
    server = bench.start_gunicorn({**os.environ}, args.port)
    try:
        for paths in kinds.values():
            run(args.port, paths[:20], 2)  # warm the workers and caches
        for kind, paths in kinds.items():
            figures[kind] = {}
            for concurrency in (1, 4):
                print(f"[api] {kind}: {len(paths)} requests at concurrency {concurrency} …")
                figures[kind][f"c{concurrency}"] = run(args.port, paths, concurrency)
        figures["web_peak_rss_mb"] = round(sum(bench.process_tree_peaks_kb(server.pid)) / 1024, 1)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    print()
    print(f"{figures['practices']} practices, {args.requests} requests per kind:")
    for kind in kinds:
        for c in (1, 4):
            h = figures[kind][f"c{c}"]
            print(
                f"  {kind:7} concurrency {c}: {h['requests_per_s']} requests/s, "
                f"p50 {h['p50_ms']} ms, p95 {h['p95_ms']} ms, {h['errors']} errors"
            )
    print(f"  web processes peak {figures['web_peak_rss_mb']} MB")
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
