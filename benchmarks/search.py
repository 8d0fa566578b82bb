#!/usr/bin/env python
"""Search benchmark: realistic data, a fixed query mix, figures printed (never asserted).

    make services-up
    .venv/bin/python benchmarks/search.py            # 100,000 practices (10,000 for the DB)
    .venv/bin/python benchmarks/search.py --size 5000 --db-size 2000   # a quick run
    .venv/bin/python benchmarks/search.py --reuse --skip-database   # Elasticsearch again
    .venv/bin/python benchmarks/search.py --reuse --skip-database --no-rebuild   # its queries
    .venv/bin/python benchmarks/search.py --skip-elasticsearch      # the database backend only

What it does, in a PostgreSQL database of its own (`<name>_bench`, recreated each run unless
--reuse):
1. loads the cities and generates --db-size practices over --cities member cities
   (portal.demo, the same generator as the demo), runs the query mix through the database
   backend in process and through HTTP (gunicorn, 2 workers x 4 threads, DEBUG off) at
   concurrency 1 and 4;
   before that, computes the sentence vector of every language version (practices.vectors,
   what the outbox drain does; the embedding throughput in texts/s), so the default
   "combined" search has its meaning part to work with;
2. grows the data to --size practices, computes the new versions' vectors, rebuilds the
   Elasticsearch index with those stored vectors in a child process (`manage.py
   search_rebuild`: documents/s and that process's peak memory), and runs the same mix through
   the Elasticsearch backend and through HTTP.
The query mix: --queries queries (500), each a text drawn from real practice vocabulary in
English, French and Spanish plus zero to three facet filters, seeded so every run is the same.
HTTP latencies are also given by the number of facets selected (each selected facet costs the
Elasticsearch backend one more aggregation). Memory: the peak of each web worker, which loads
the model on its first search. It ends with one line of JSON holding every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TEXTS = [
    "participatory budgeting",
    "budget participatif",
    "presupuesto participativo",
    "safe streets for women at night",
    "rues sûres femmes nuit",
    "calles seguras mujeres",
    "bus rapid transit",
    "bus à haut niveau de service",
    "autobús tránsito rápido",
    "affordable housing",
    "logement abordable",
    "vivienda asequible",
    "waste pickers recycling",
    "recyclage inclusif",
    "reciclaje",
    "flooding",
    "inondations",
    "inundaciones",
    "energy retrofit",
    "rénovation énergétique",
    "open data",
    "données ouvertes",
    "datos abiertos",
    "older residents health",
    "school canteens",
    "cantines scolaires",
    "newcomers welcome",
    "accueil migrants",
    "culture",
    "women entrepreneurship",
    "emprendimiento femenino",
    "air quality school",
    "water losses",
    "urban forest heat",
    "îlots de fraîcheur",
    "digital skills",
    "superblocks",
    "green bond",
    "bono verde",
    "gender-based violence",
    "violencia de género",
    "",
]
FACET_CHOICES = {
    "challenge": [
        "social-cohesion",
        "sustainability",
        "economic-development",
        "gender-equality",
        "quality-of-life",
    ],
    "sdg": [str(n) for n in range(1, 18)],
    "topic": [
        "mobility",
        "housing",
        "water",
        "energy",
        "waste",
        "participation",
        "safety",
        "jobs",
        "health",
    ],
    "region": ["002", "019", "142", "150", "009"],
    "language": ["en", "fr", "es"],
    "status": ["pilot", "ongoing", "completed"],
    "year": ["before-2010", "2010-2014", "2015-2019", "2020-2024"],
    "size_band": ["under-1m", "1m-3m", "3m-10m", "over-10m"],
}


def query_mix(count: int, seed: int = 7) -> list[list[tuple[str, str]]]:
    rng = random.Random(seed)
    mix = []
    for _ in range(count):
        params = []
        text = rng.choice(TEXTS)
        if text:
            params.append(("q", text))
        for facet in rng.sample(sorted(FACET_CHOICES), rng.randint(0, 3)):
            for value in rng.sample(FACET_CHOICES[facet], rng.choice([1, 1, 2])):
                params.append((facet, value))
        mix.append(params)
    return mix


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary(ms: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(pct(ms, 95), 1),
        "max_ms": round(max(ms), 1),
    }


def setup_django(database_url: str, es_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["ELASTICSEARCH_URL"] = es_url
    # BENCH_INDEX_PREFIX keeps two benchmark data sets (say 10k and 100k) apart on one cluster.
    os.environ["ELASTICSEARCH_INDEX_PREFIX"] = os.environ.get("BENCH_INDEX_PREFIX", "bench")
    os.environ["CELERY_BROKER_URL"] = ""
    # DEBUG off: no per-query bookkeeping, production template caching.
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(64))
    os.environ["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "0"
    os.environ["DJANGO_READ_DOT_ENV"] = "0"
    # Production settings insist on a cache every worker shares (rate limits count in it).
    os.environ.setdefault("DJANGO_CACHE_URL", "redis://127.0.0.1:6379/2")
    # No API rate limits: a benchmark measures the work, not 429 answers.
    for scope in ("ANON", "USER"):
        os.environ[f"API_THROTTLE_{scope}"] = ""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()


def add_service_arguments(parser: argparse.ArgumentParser) -> None:
    """--database-url and --elasticsearch-url, shared by every benchmark."""
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://policy:policy@127.0.0.1:5432/policy_transfer"
        ),
    )
    parser.add_argument(
        "--elasticsearch-url",
        default=os.environ.get("BENCH_ELASTICSEARCH_URL", "http://127.0.0.1:9200"),
    )


def bench_database(database_url: str) -> tuple[str, str]:
    """The benchmarks' own database beside `database_url`: (its name, its URL)."""
    parsed = urllib.parse.urlparse(database_url)
    name = parsed.path.strip("/") + "_bench"
    return name, parsed._replace(path=f"/{name}").geturl()


def recreate_database(base_url: str, name: str) -> None:
    import psycopg

    parsed = urllib.parse.urlparse(base_url)
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def run_backend(backend, mix, language="en") -> dict:
    from search.backends.base import SearchQuery
    from search.params import parse_search_params

    class Params(dict):
        def getlist(self, key):
            return self.get(key, [])

    latencies, took = [], []
    for params in mix:
        data = Params()
        for k, v in params:
            data.setdefault(k, []).append(v)
        flat = Params({k: (v if k in FACET_CHOICES else v[0]) for k, v in data.items()})
        flat.getlist = lambda key, d=data: d.get(key, [])  # type: ignore[method-assign]
        query: SearchQuery = parse_search_params(flat, language=language)
        start = time.perf_counter()
        page = backend.search(query)
        latencies.append((time.perf_counter() - start) * 1000)
        if page.took_ms is not None:
            took.append(page.took_ms)
    out = {"in_process": summary(latencies)}
    if took:
        out["engine_took"] = summary(took)
    return out


def start_gunicorn(env: dict[str, str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--worker-class",
            "gthread",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health/", timeout=2).read()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def process_tree_peaks_kb(pid: int) -> list[int]:
    """The peak resident memory (VmHWM) of a process and of each of its children."""
    peaks = []
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]))
        except OSError:
            pass
    return peaks


def run_urls(urls: list[str], concurrency: int, groups: list[int] | None = None) -> dict:
    """GET every URL once from `concurrency` threads; latencies, throughput and errors (any
    answer but 200); with `groups` (one label per URL), the latencies of each label too."""
    latencies: list[float] = []
    by_url: dict[int, float] = {}
    errors = 0
    lock = threading.Lock()
    index = iter(range(len(urls)))

    def worker():
        nonlocal errors
        while True:
            with lock:
                i = next(index, None)
            if i is None:
                return
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(urls[i], timeout=30) as response:
                    response.read()
                    ok = response.status == 200
            except OSError:
                ok = False
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                latencies.append(elapsed)
                by_url[i] = elapsed
                errors += 0 if ok else 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    out = {**summary(latencies), "per_s": round(len(urls) / wall, 1), "errors": errors}
    if groups is not None:
        out["by_group"] = {
            str(g): {
                "queries": groups.count(g),
                **summary([by_url[i] for i, label in enumerate(groups) if label == g]),
            }
            for g in sorted(set(groups))
        }
    return out


def run_http(port: int, mix, concurrency: int) -> dict:
    urls = [
        f"http://127.0.0.1:{port}/api/v1/search/practices/?" + urllib.parse.urlencode(p)
        for p in mix
    ]
    facets = [len({k for k, _v in p if k in FACET_CHOICES}) for p in mix]
    result = run_urls(urls, concurrency, groups=facets)
    result["searches_per_s"] = result.pop("per_s")
    result["by_selected_facets"] = result.pop("by_group")
    return result


def phase(label: str, env: dict[str, str], port: int, mix, backend) -> dict:
    print(f"[{label}] {len(mix)} queries in process …", flush=True)
    result = run_backend(backend, mix)
    server = start_gunicorn(env, port)
    try:
        run_http(port, mix[:20], 2)  # warm the workers
        for concurrency in (1, 4):
            print(
                f"[{label}] {len(mix)} queries over HTTP at concurrency {concurrency} …", flush=True
            )
            result[f"http_c{concurrency}"] = run_http(port, mix, concurrency)
        peaks = process_tree_peaks_kb(server.pid)
        result["web_peak_rss_mb"] = round(sum(peaks) / 1024, 1)
        result["web_worker_peak_rss_mb"] = round(max(peaks[1:] or peaks) / 1024, 1)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return result


def compute_vectors() -> dict:
    """The vectors of every language version that has none (what the outbox drain does)."""
    from practices.models import Practice
    from practices.vectors import vectors_refresh

    started = time.perf_counter()
    report = vectors_refresh(practice_ids=Practice.objects.values_list("pk", flat=True))
    seconds = time.perf_counter() - started
    return {
        "computed": report.computed,
        "unchanged": report.unchanged,
        "failed": report.failed,
        "seconds": round(seconds, 1),
        "texts_per_s": round(report.computed / seconds, 1) if report.computed else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--size", type=int, default=100_000, help="practices for Elasticsearch (100000)"
    )
    parser.add_argument(
        "--db-size", type=int, default=10_000, help="practices for the database backend (10000)"
    )
    parser.add_argument("--cities", type=int, default=1000, help="member cities (1000)")
    parser.add_argument("--queries", type=int, default=500)
    add_service_arguments(parser)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the benchmark database of a previous run"
    )
    parser.add_argument(
        "--skip-database",
        action="store_true",
        help="measure Elasticsearch only (with --reuse: a second run of that phase)",
    )
    parser.add_argument(
        "--skip-elasticsearch", action="store_true", help="measure the database backend only"
    )
    parser.add_argument(
        "--no-rebuild",
        action="store_true",
        help="with --reuse: search the index the previous run built (no rebuild figure)",
    )
    args = parser.parse_args()

    bench_name, bench_url = bench_database(args.database_url)
    if not args.reuse:
        recreate_database(args.database_url, bench_name)
    setup_django(bench_url, args.elasticsearch_url)

    from django.core.management import call_command

    from cities.services import cities_load_reference
    from portal.demo import demo_load
    from search.backends.database import DatabaseBackend
    from search.backends.elastic import ElasticsearchBackend

    figures: dict = {
        "size": args.size,
        "db_size": args.db_size,
        "cities": args.cities,
        "queries": args.queries,
    }
    call_command("migrate", verbosity=0)
    cities_load_reference()
    mix = query_mix(args.queries)
    env = {**os.environ}

    started = time.perf_counter()
    demo_load(practices=args.db_size, member_cities=args.cities)
    figures["generate_db_size_s"] = round(time.perf_counter() - started, 1)
    print(f"[database] computing the vectors of {args.db_size} practices …", flush=True)
    figures["vectors_db_size"] = compute_vectors()
    env_db = {
        **env,
        "ELASTICSEARCH_URL": "",
        "SEARCH_BACKEND": "search.backends.database.DatabaseBackend",
    }
    if not args.skip_database:
        figures["database"] = phase("database", env_db, args.port, mix, DatabaseBackend())

    if args.skip_elasticsearch:
        print()
        report_database(args, figures["database"])
        print(json.dumps(figures, sort_keys=True))
        return
    started = time.perf_counter()
    demo_load(practices=args.size, member_cities=args.cities)
    figures["generate_size_s"] = round(time.perf_counter() - started, 1)
    print(f"[elasticsearch] computing the vectors of {args.size} practices …", flush=True)
    figures["vectors"] = compute_vectors()

    backend = ElasticsearchBackend()
    if not args.no_rebuild:
        print(f"[elasticsearch] rebuilding the index of {args.size} practices …", flush=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "manage.py", "search_rebuild"], cwd=ROOT, env=env, check=True
        )
        rebuild_s = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        indexed = backend.client.count(index=backend.alias)["count"]
        figures["rebuild"] = {
            "documents": indexed,
            "seconds": round(rebuild_s, 1),
            "docs_per_s": round(indexed / rebuild_s),
            "indexer_peak_rss_mb": round(max(peak, before) / 1024, 1),
        }
    figures["elasticsearch"] = phase("elasticsearch", env, args.port, mix, backend)

    print()
    report(args, figures)
    print(json.dumps(figures, sort_keys=True))


def report(args: argparse.Namespace, figures: dict) -> None:
    if "database" in figures:
        report_database(args, figures["database"])
    vx = figures["vectors"]
    print(
        f"Vectors: {vx['computed']} texts in {vx['seconds']} s = {vx['texts_per_s']} texts/s (1 thread)"
    )
    report_elasticsearch(args, figures["elasticsearch"], figures.get("rebuild"))


def report_database(args: argparse.Namespace, db: dict) -> None:
    print(f"Database backend, {args.db_size} practices, {args.queries} queries:")
    print(
        f"  in process          p50 {db['in_process']['p50_ms']} ms, p95 {db['in_process']['p95_ms']} ms"
    )
    for c in (1, 4):
        h = db[f"http_c{c}"]
        print(
            f"  HTTP concurrency {c}  p50 {h['p50_ms']} ms, p95 {h['p95_ms']} ms, {h['searches_per_s']} searches/s, {h['errors']} errors"
        )
    print(
        f"  web processes peak  {db['web_peak_rss_mb']} MB, one worker {db['web_worker_peak_rss_mb']} MB"
    )
    print(f"  HTTP c1 by facets   {by_facets(db['http_c1'])}")


def report_elasticsearch(args: argparse.Namespace, es: dict, rb: dict | None) -> None:
    print(f"Elasticsearch backend, {args.size} practices:")
    if rb:
        print(
            f"  rebuild             {rb['documents']} documents in {rb['seconds']} s = {rb['docs_per_s']} docs/s, indexer peak {rb['indexer_peak_rss_mb']} MB"
        )
    print(
        f"  engine took         p50 {es['engine_took']['p50_ms']} ms, p95 {es['engine_took']['p95_ms']} ms"
    )
    print(
        f"  in process          p50 {es['in_process']['p50_ms']} ms, p95 {es['in_process']['p95_ms']} ms"
    )
    for c in (1, 4):
        h = es[f"http_c{c}"]
        print(
            f"  HTTP concurrency {c}  p50 {h['p50_ms']} ms, p95 {h['p95_ms']} ms, {h['searches_per_s']} searches/s, {h['errors']} errors"
        )
    print(
        f"  web processes peak  {es['web_peak_rss_mb']} MB, one worker {es['web_worker_peak_rss_mb']} MB"
    )
    print(f"  HTTP c1 by facets   {by_facets(es['http_c1'])}")


def by_facets(http: dict) -> str:
    return "; ".join(
        f"{n} selected: p50 {row['p50_ms']} p95 {row['p95_ms']} ms ({row['queries']})"
        for n, row in http["by_selected_facets"].items()
    )


if __name__ == "__main__":
    main()
