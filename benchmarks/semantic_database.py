#!/usr/bin/env python
"""What the meaning part of the database search backend costs (issue 13), figures printed.

    make services-up
    .venv/bin/python benchmarks/semantic_database.py                # 10,000 practices
    .venv/bin/python benchmarks/semantic_database.py --size 2000    # a quick run
    .venv/bin/python benchmarks/semantic_database.py --existing \
        --database-url postgres://…/policy_transfer_bench   # search.py's data, real vectors

In a PostgreSQL database of its own (`<name>_semantic_bench`, recreated each run), it generates
--size practices (portal.demo), gives every language version a random unit vector (the timing
does not depend on what the vectors mean, and embedding 10,000 texts would take minutes), then
measures, in process:
- the first load of the vector matrix, and the check that keeps it current on every query
  (one (id, hash) row per version) with the matrix product, when nothing changed;
- the same after one vector changed (what a query pays after the outbox drain wrote one);
- embedding one query with the real model;
- whole searches through DatabaseBackend in "lexical" and "combined" mode over a query mix.
It ends with one line of JSON holding every figure.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# benchmarks/search.py's helpers, loaded by path: its name is the `search` app's.
_spec = importlib.util.spec_from_file_location("search_benchmark", ROOT / "benchmarks/search.py")
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def timed(function, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=10_000, help="practices (10000)")
    parser.add_argument("--cities", type=int, default=500, help="member cities (500)")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument(
        "--existing",
        action="store_true",
        help="measure the database --database-url names as it is (e.g. the one benchmarks/"
        "search.py filled, with real vectors): nothing generated, nothing written but the "
        "one changed hash it restores",
    )
    bench.add_service_arguments(parser)
    args = parser.parse_args()

    if args.existing:
        url = args.database_url
    else:
        name, _url = bench.bench_database(args.database_url)
        name = name.replace("_bench", "_semantic_bench")
        url = args.database_url.rsplit("/", 1)[0] + f"/{name}"
        bench.recreate_database(args.database_url, name)
    bench.setup_django(url, "")

    import numpy as np
    from django.core.management import call_command
    from django.db import connection

    from cities.services import cities_load_reference
    from core.embedding import get_embedder
    from portal.demo import demo_load
    from practices.models import Practice, PracticeTranslation
    from practices.vectors import vector_from_bytes
    from search.backends import database
    from search.backends.base import SearchQuery

    if args.existing:
        figures: dict = {"size": Practice.objects.count(), "existing": True}
        ids = list(
            PracticeTranslation.objects.filter(embedding__isnull=False).values_list("id", flat=True)
        )
        first = PracticeTranslation.objects.get(pk=ids[0])
        query = vector_from_bytes(first.embedding)
        restore = first.embedding_hash
    else:
        call_command("migrate", verbosity=0)
        cities_load_reference()
        started = time.perf_counter()
        demo_load(practices=args.size, member_cities=args.cities)
        figures = {"size": args.size, "generate_s": round(time.perf_counter() - started, 1)}
        rng = np.random.default_rng(13)
        ids = list(PracticeTranslation.objects.values_list("id", flat=True))
        vectors = rng.standard_normal((len(ids), 512)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE practices_practice_translation SET embedding = %s, embedding_hash = %s "
                "WHERE id = %s",
                [(v.tobytes(), f"bench{i}", i) for i, v in zip(ids, vectors, strict=True)],
            )
        query = vectors[0]
        restore = None
    figures["versions"] = len(ids)
    assert query is not None

    cache = database._VectorCache()
    figures["first_load_ms"] = round(timed(lambda: cache.closest(query, threshold=0.4), 1)[0], 1)
    matrix, _practices = cache.current()
    figures["matrix_mb"] = round(matrix.nbytes / 2**20, 1)
    figures["warm_check_and_product"] = bench.summary(
        timed(lambda: cache.closest(query, threshold=0.4), args.repeat)
    )
    figures["product_only"] = bench.summary(timed(lambda: matrix @ query, args.repeat))

    def one_changed() -> None:
        PracticeTranslation.objects.filter(pk=ids[0]).update(
            embedding_hash=f"changed{time.perf_counter_ns()}"
        )
        cache.closest(query, threshold=0.4)

    figures["after_one_change"] = bench.summary(timed(one_changed, args.repeat))
    if restore is not None:
        PracticeTranslation.objects.filter(pk=ids[0]).update(embedding_hash=restore)

    embedder = get_embedder()
    texts = (bench.TEXTS * (args.repeat // len(bench.TEXTS) + 1))[: args.repeat]
    figures["embed_query"] = bench.summary(
        [timed(lambda t=t: embedder.embed([t]), 1)[0] for t in texts]
    )

    backend = database.DatabaseBackend()
    for mode in ("lexical", "combined"):
        figures[f"search_{mode}"] = bench.summary(
            [
                timed(lambda t=t, m=mode: backend.search(SearchQuery(text=t, mode=m)), 1)[0]
                for t in texts
            ]
        )

    print(
        f"Semantic part of the database backend, {figures['size']} practices, {len(ids)} versions:"
    )
    for key, value in figures.items():
        print(f"  {key:24} {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
