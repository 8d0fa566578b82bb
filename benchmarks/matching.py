#!/usr/bin/env python
"""Peer-matching benchmark: how fast `rank_peers` is and whether it finds the right cities.

    make services-up
    .venv/bin/python benchmarks/matching.py              # reuse <name>_bench if it exists
    .venv/bin/python benchmarks/matching.py --size 5000  # regenerate at a smaller scale

Data: the PostgreSQL database `<name>_bench` and the Elasticsearch indices with prefix `bench`
that benchmarks/search.py fills (1,000 member cities, 100,000 practices). When that database
exists it is reused as it is (the index is rebuilt only if its count differs from the
database's); with --size N, or when it does not exist, it is recreated and filled with N
practices by portal.demo.demo_load (default 100,000) and the index rebuilt.

Requests with a known answer: the demo generator writes every practice from one of a fixed
list of ideas (portal.demo_content.IDEAS, the n-th practice has idea n mod len(IDEAS)), so
which practices answer which need is known by construction. Each of --requests requests
(seeded) picks a published practice at random, takes its idea, one of the idea's challenges
and topics, and the idea's summary in one of the three languages (the practice's own or
another) as the need text, and is filed by another member city chosen at random.

Ground truth, computed directly from the database, never through the search engine: the
member cities (other than the requester) ranked by their number of published practices of that
idea carrying that challenge, and having a text in the language of the need (a need in French
can only be found through French text). "Expected" cities are those whose count is at least
the fifth highest (ties included). recall@5 = expected cities among the first five of the
ranking / min(5, cities with a count). MRR = mean of 1 / rank of the first city with the
highest count (0 when absent from the top 10). The same figures against the count over every
language are printed too (`any_language`), for information.

Each request is ranked through the Elasticsearch backend (p50/p95/max of `rank_peers`, limit
10, in process). The requests are deleted at the end. The last line is JSON with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.search import (  # noqa: E402
    add_service_arguments,
    bench_database,
    pct,
    recreate_database,
    setup_django,
)

LANGS = ("en", "fr", "es")


def database_exists(base_url: str, name: str) -> bool:
    import psycopg

    parsed = urllib.parse.urlparse(base_url)
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def prepare(args: argparse.Namespace, regenerate: bool, env: dict[str, str]) -> dict[str, Any]:
    from django.core.management import call_command

    from cities.services import cities_load_reference
    from portal.demo import demo_load
    from practices.models import Practice
    from search.backends.elastic import ElasticsearchBackend

    out: dict[str, Any] = {"regenerated": regenerate}
    call_command("migrate", verbosity=0)
    if regenerate:
        started = time.perf_counter()
        cities_load_reference()
        demo_load(practices=args.size, member_cities=args.cities)
        out["generate_s"] = round(time.perf_counter() - started, 1)
    published = Practice.objects.filter(review_state="published").count()
    backend = ElasticsearchBackend()
    try:
        indexed = backend.client.count(index=backend.alias)["count"]
    except Exception:  # no index yet
        indexed = -1
    if regenerate or indexed != published:
        print(f"[matching] rebuilding the index of {published} published practices …", flush=True)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "manage.py", "search_rebuild"], cwd=ROOT, env=env, check=True
        )
        out["rebuild_s"] = round(time.perf_counter() - started, 1)
    out["published"] = published
    out["practices"] = Practice.objects.count()
    return out


def make_requests(count: int, seed: int) -> list[dict[str, Any]]:
    """The requests and their ground truth, from the database alone."""
    from cities.models import City
    from portal.demo import DEMO_URL
    from portal.demo_content import IDEAS
    from practices.models import Practice, PracticeTranslation

    prefix = DEMO_URL.format(n="")
    members = set(
        City.objects.filter(member_status=City.MemberStatus.ACTIVE).values_list("pk", flat=True)
    )
    rows = Practice.objects.filter(
        review_state="published", source_url__startswith=prefix, city_id__in=members
    ).values_list("pk", "city_id", "source_url", "language")
    idea_of: dict[int, int] = {}
    city_of: dict[int, int] = {}
    by_idea: dict[int, list[int]] = defaultdict(list)
    for pk, city_id, url, _language in rows:
        idea = int(url[len(prefix) :]) % len(IDEAS)
        idea_of[pk], city_of[pk] = idea, city_id
        by_idea[idea].append(pk)
    languages: dict[int, set[str]] = defaultdict(set)
    for master_id, code in PracticeTranslation.objects.filter(master_id__in=idea_of).values_list(
        "master_id", "language_code"
    ):
        languages[master_id].add(code)

    rng = random.Random(seed)
    practice_ids = sorted(idea_of)
    member_list = sorted(members)
    out = []
    for _ in range(count):
        target = practice_ids[rng.randrange(len(practice_ids))]
        idea_no = idea_of[target]
        idea = IDEAS[idea_no]
        language = rng.choice(LANGS)
        requester = rng.choice([c for c in member_list if c != city_of[target]])
        # Every practice of an idea carries all the idea's challenges, so the chosen challenge
        # filters nothing out of the idea: the count is per idea (and language).
        in_language: Counter[int] = Counter()
        any_language: Counter[int] = Counter()
        for pk in by_idea[idea_no]:
            city_id = city_of[pk]
            if city_id == requester:
                continue
            any_language[city_id] += 1
            if language in languages[pk]:
                in_language[city_id] += 1
        out.append(
            {
                "requester": requester,
                "target_city": city_of[target],
                "challenge": rng.choice(idea["challenges"]),
                "topic": rng.choice(idea["topics"]),
                "language": language,
                "need": idea["summary"][language],
                "truth": in_language,
                "truth_any": any_language,
            }
        )
    return out


def score(ranked: list[int], truth: Counter[int]) -> tuple[float, float]:
    """(recall@5, reciprocal rank of the first best city) of one ranking."""
    counts = sorted(truth.values(), reverse=True)
    if not counts:
        return 1.0, 1.0
    fifth = counts[min(4, len(counts) - 1)]
    expected = {c for c, n in truth.items() if n >= fifth}
    recall = len(set(ranked[:5]) & expected) / min(5, len(counts))
    best = {c for c, n in truth.items() if n == counts[0]}
    rr = next((1 / (i + 1) for i, c in enumerate(ranked) if c in best), 0.0)
    return recall, rr


def run(requests: list[dict[str, Any]]) -> dict[str, Any]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from exchanges.matching import rank_peers
    from exchanges.models import ExchangeRequest
    from practices.models import Challenge, Topic

    challenges = dict(Challenge.objects.values_list("slug", "pk"))
    topics = dict(Topic.objects.values_list("slug", "pk"))
    created: list[int] = []
    latencies: list[float] = []
    queries: list[int] = []
    recalls, rrs, recalls_any, rrs_any = [], [], [], []
    try:
        objects = []
        for item in requests:
            request = ExchangeRequest.objects.create(
                city_id=item["requester"],
                need=item["need"],
                languages=[item["language"]],
                state=ExchangeRequest.State.OPEN,
            )
            request.challenges.set([challenges[item["challenge"]]])
            request.topics.set([topics[item["topic"]]])
            created.append(request.pk)
            objects.append(request)
        rank_peers(request=objects[0])  # warm caches (taxonomy labels, connections)
        for i, (item, request) in enumerate(zip(requests, objects, strict=True)):
            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                ranked = rank_peers(request=request, limit=10)
                latencies.append((time.perf_counter() - started) * 1000)
            queries.append(len(captured.captured_queries))
            ids = [c.city.pk for c in ranked]
            r, rr = score(ids, item["truth"])
            recalls.append(r)
            rrs.append(rr)
            r, rr = score(ids, item["truth_any"])
            recalls_any.append(r)
            rrs_any.append(rr)
            if (i + 1) % 50 == 0:
                print(f"[matching] {i + 1}/{len(requests)} requests ranked", flush=True)
    finally:
        ExchangeRequest.objects.filter(pk__in=created).delete()
    return {
        "requests": len(requests),
        "rank_ms": {
            "p50": round(statistics.median(latencies), 1),
            "p95": round(pct(latencies, 95), 1),
            "max": round(max(latencies), 1),
        },
        "sql_queries_per_ranking": max(queries),
        "recall_at_5": round(statistics.mean(recalls), 3),
        "mrr": round(statistics.mean(rrs), 3),
        "any_language": {
            "recall_at_5": round(statistics.mean(recalls_any), 3),
            "mrr": round(statistics.mean(rrs_any), 3),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--size",
        type=int,
        default=None,
        help="recreate the benchmark database with this many practices (default: reuse it)",
    )
    parser.add_argument("--cities", type=int, default=1000, help="member cities (1000)")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    add_service_arguments(parser)
    args = parser.parse_args()

    bench_name, bench_url = bench_database(args.database_url)
    regenerate = args.size is not None or not database_exists(args.database_url, bench_name)
    if args.size is None:
        args.size = 100_000
    if regenerate:
        print(f"[matching] creating {bench_name} with {args.size} practices …", flush=True)
        recreate_database(args.database_url, bench_name)
    else:
        print(f"[matching] reusing {bench_name} (--size N to regenerate)", flush=True)
    setup_django(bench_url, args.elasticsearch_url)
    env = {**os.environ}

    figures: dict[str, Any] = {"database": bench_name, "cities": args.cities}
    figures.update(prepare(args, regenerate, env))
    print(f"[matching] {args.requests} requests with known answers …", flush=True)
    requests = make_requests(args.requests, args.seed)
    figures.update(run(requests))

    f = figures
    print()
    print(
        f"Peer matching, {f['published']} published practices ({f['practices']} in all), "
        f"Elasticsearch backend, {f['requests']} requests:"
    )
    print(
        f"  rank_peers   p50 {f['rank_ms']['p50']} ms, p95 {f['rank_ms']['p95']} ms, "
        f"max {f['rank_ms']['max']} ms, at most {f['sql_queries_per_ranking']} SQL queries"
    )
    print(f"  recall@5     {f['recall_at_5']}   (any language: {f['any_language']['recall_at_5']})")
    print(f"  MRR          {f['mrr']}   (any language: {f['any_language']['mrr']})")
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
