#!/usr/bin/env python
"""Relevance benchmark: the judged set of benchmarks/relevance/, searched by words, by meaning
and by both, on each backend; figures printed (never asserted).

    make services-up
    .venv/bin/python benchmarks/relevance.py                      # database backend only
    ELASTICSEARCH_URL=http://127.0.0.1:9200 .venv/bin/python benchmarks/relevance.py  # and ES
    .venv/bin/python benchmarks/relevance.py --database-url sqlite:////tmp/relevance.sqlite3

What it does, in a PostgreSQL database of its own (`<name>_relevance`, recreated each run):
1. loads the reference cities (`cities_load_reference`, as `manage.py load_cities` does) and
   the 164 practices of corpus.jsonl, published, each in its one language (no translations),
   on the GeoNames city it names;
2. computes their sentence vectors (practices.vectors, what the outbox drain does) and builds
   the index of each backend;
3. runs the 91 queries of queries.jsonl through `backend.search(SearchQuery(text=...,
   mode=..., language=<the query's language>))` for each mode (lexical, semantic, combined)
   and each backend (database; Elasticsearch when ELASTICSEARCH_URL or --elasticsearch-url is
   given), and prints per query kind (same, cross, name; README.md in the folder says what
   each is):
   - recall@5: relevant practices (grade 1 or 2) among the first five hits, over
     min(5, number of relevant practices), as benchmarks/matching.py counts it;
   - MRR: the mean of 1 / rank of the first relevant hit (0 when none of the first 10 is);
   - name@1 (name queries): the share whose named practice is the first hit;
   - related@10: hits found by meaning alone among the first 10, per query, and how many of
     them are judged not relevant (what a looser floor for meaning costs);
   then the same figures for meaning alone computed here from the stored vectors, without any
   backend: what a backend's semantic mode should reach, and a check of the vectors;
4. a what-if table (POLICIES): combined retrieval with the database backend's lexical hits
   and other rules for which practices meaning adds (fixed floors, or the N nearest above a
   low floor), over the stored title+summary vectors and over whole-text vectors embedded
   here, with the wrong hits each rule brings.
Targets of issue 13 for "combined": same recall@5 >= 0.95, cross >= 0.9, name@1 >= 0.95, and
same-language combined never below lexical. It ends with one line of JSON holding every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.search import recreate_database, setup_django  # noqa: E402

DATA = ROOT / "benchmarks" / "relevance"
MODES = ("lexical", "semantic", "combined")
KINDS = ("same", "cross", "name")
DEPTH = 10


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip()


def scratch_database(database_url: str) -> tuple[str, str]:
    """The benchmark's own database beside `database_url`: (its name, its URL)."""
    import urllib.parse

    parsed = urllib.parse.urlparse(database_url)
    name = parsed.path.strip("/") + "_relevance"
    return name, parsed._replace(path=f"/{name}").geturl()


def find_cities(corpus: list[dict[str, Any]]) -> dict[tuple[str, str], Any]:
    """(city name, country) of the corpus -> the reference City: by its name, else by one of
    its alternate names; the most populous when several match."""
    from cities.models import City

    wanted = {(p["city"], p["country"]) for p in corpus}
    out: dict[tuple[str, str], Any] = {}
    for country in sorted({c for _n, c in wanted}):
        rows = sorted(
            City.objects.filter(country__iso2=country),
            key=lambda c: -(c.population or 0),
        )
        for name, iso2 in wanted:
            if iso2 != country:
                continue
            key = folded(name)
            match = next((c for c in rows if folded(c.name) == key), None) or next(
                (c for c in rows if key in {folded(a) for a in (c.alternate_names or [])}), None
            )
            if match is None:
                raise SystemExit(f"no reference city {name} ({iso2}): run check.py")
            out[(name, iso2)] = match
    return out


def load_corpus(corpus: list[dict[str, Any]]) -> dict[int, str]:
    """Create the corpus as published practices; returns practice pk -> corpus id."""
    from django.db import transaction
    from django.utils import timezone

    from practices.models import Challenge, Practice, PracticeTranslation, Sdg, Topic

    cities = find_cities(corpus)
    challenges = {c.slug: c for c in Challenge.objects.all()}
    topics = {t.slug: t for t in Topic.objects.all()}
    sdgs = {s.number: s for s in Sdg.objects.all()}
    ids: dict[int, str] = {}
    now = timezone.now()
    with transaction.atomic():
        for item in corpus:
            practice = Practice.objects.create(
                city=cities[(item["city"], item["country"])],
                language=item["language"],
                status="ongoing",
                start_year=item.get("start_year"),
                review_state=Practice.ReviewState.PUBLISHED,
                published_at=now,
            )
            sections = item.get("sections", {})
            PracticeTranslation.objects.create(
                master=practice,
                language_code=item["language"],
                title=item["title"],
                summary=item["summary"],
                context=sections.get("context", ""),
                objectives=sections.get("objectives", ""),
                implementation=sections.get("implementation", ""),
                results=sections.get("results", ""),
                lessons_learned=sections.get("lessons", ""),
            )
            practice.challenges.set([challenges[s] for s in item.get("challenges", [])])
            practice.topics.set([topics[s] for s in item.get("topics", [])])
            practice.sdgs.set([sdgs[n] for n in item.get("sdgs", [])])
            ids[practice.pk] = item["id"]
    return ids


def _by_kind(recall: dict[str, list[float]], rr: dict[str, list[float]]) -> dict[str, Any]:
    """Per kind of query that has any: how many, mean recall@5 and MRR."""
    return {
        kind: {
            "queries": len(recall[kind]),
            "recall@5": round(sum(recall[kind]) / len(recall[kind]), 3),
            "mrr": round(sum(rr[kind]) / len(rr[kind]), 3),
        }
        for kind in KINDS
        if recall[kind]
    }


def measure(backend: Any, queries: list[dict[str, Any]], ids: dict[int, str]) -> dict[str, Any]:
    """Figures of every mode on one backend."""
    from search.backends.base import SearchQuery

    out: dict[str, Any] = {}
    for mode in MODES:
        recall: dict[str, list[float]] = defaultdict(list)
        rr: dict[str, list[float]] = defaultdict(list)
        first: list[float] = []
        related: list[int] = []
        wrong: list[int] = []
        unavailable = 0
        started = time.perf_counter()
        for query in queries:
            page = backend.search(
                SearchQuery(
                    text=query["text"], mode=mode, language=query["language"], page_size=DEPTH
                )
            )
            unavailable += bool(page.semantic_unavailable)
            ranked = [ids.get(hit.id, "") for hit in page.hits[:DEPTH]]
            relevant = {r["id"] for r in query["relevant"]}
            kind = query["kind"]
            recall[kind].append(len(set(ranked[:5]) & relevant) / min(5, len(relevant)))
            rr[kind].append(next((1 / (i + 1) for i, r in enumerate(ranked) if r in relevant), 0.0))
            if kind == "name":
                first.append(1.0 if ranked[:1] and ranked[0] in relevant else 0.0)
            # What meaning adds costs something too: its hits judged not relevant.
            by_meaning = [ids.get(hit.id, "") for hit in page.hits[:DEPTH] if hit.related]
            related.append(len(by_meaning))
            wrong.append(sum(1 for r in by_meaning if r not in relevant))
        elapsed = time.perf_counter() - started
        out[mode] = {
            **_by_kind(recall, rr),
            "name@1": round(sum(first) / len(first), 3) if first else None,
            "related@10": round(sum(related) / len(related), 2),
            "wrong_related@10": round(sum(wrong) / len(wrong), 2),
            "semantic_unavailable": unavailable,
            "ms_per_query": round(1000 * elapsed / len(queries), 1),
        }
    return out


def measure_vectors(queries: list[dict[str, Any]], ids: dict[int, str]) -> dict[str, Any]:
    """Meaning alone, without any backend: each query's cosine similarity to every stored
    vector. What the backends' semantic part should reach; it checks the vectors, not them."""
    import numpy as np

    from core.embedding import get_embedder
    from practices.vectors import practice_vectors

    stored = practice_vectors(practice_ids=ids)
    pks = list(stored)
    matrix = np.stack([next(iter(stored[pk].values())) for pk in pks])
    started = time.perf_counter()
    needs = get_embedder().embed([q["text"] for q in queries])
    recall: dict[str, list[float]] = defaultdict(list)
    rr: dict[str, list[float]] = defaultdict(list)
    first: list[float] = []
    for query, need in zip(queries, needs, strict=True):
        order = np.argsort(-(matrix @ need))[:DEPTH]
        ranked = [ids[pks[i]] for i in order]
        relevant = {r["id"] for r in query["relevant"]}
        kind = query["kind"]
        recall[kind].append(len(set(ranked[:5]) & relevant) / min(5, len(relevant)))
        rr[kind].append(next((1 / (i + 1) for i, r in enumerate(ranked) if r in relevant), 0.0))
        if kind == "name":
            first.append(1.0 if ranked[0] in relevant else 0.0)
    row = _by_kind(recall, rr)
    return {
        "semantic": {
            **row,
            "name@1": round(sum(first) / len(first), 3) if first else None,
            "semantic_unavailable": 0,
            "ms_per_query": round(1000 * (time.perf_counter() - started) / len(queries), 1),
        }
    }


# What the set of practices found by meaning could be, measured on the stored vectors: the
# backends' fixed floors (database 0.40, Elasticsearch 0.32), a lower one, and "the N nearest
# at or above a low floor" whatever the absolute cosine (short queries score low against whole
# practices). Each with the database backend's lexical hits first, as combined search ranks.
POLICIES: tuple[tuple[str, float, int | None], ...] = (
    ("cosine >= 0.40", 0.40, None),
    ("cosine >= 0.32", 0.32, None),
    ("cosine >= 0.25", 0.25, None),
    ("5 nearest >= 0.20", 0.20, 5),
)


def measure_policies(
    queries: list[dict[str, Any]], ids: dict[int, str], corpus: list[dict[str, Any]]
) -> dict[str, Any]:
    """Combined retrieval under each POLICIES entry, for the stored title+summary vectors and
    for vectors of the whole text (title, summary and every section) embedded here: the two
    levers left when the backends miss the targets, and what each costs in wrong hits."""
    import numpy as np

    from core.embedding import get_embedder
    from practices.vectors import practice_vectors
    from search.backends.base import SearchQuery
    from search.backends.database import DatabaseBackend

    embedder = get_embedder()
    stored = practice_vectors(practice_ids=ids)
    pks = list(stored)
    by_id = {item["id"]: item for item in corpus}

    def whole(item: dict[str, Any]) -> str:
        sections = item.get("sections", {})
        return " ".join([f"{item['title']}. {item['summary']}", *sections.values()])

    matrices = {
        "title+summary": np.stack([next(iter(stored[pk].values())) for pk in pks]),
        "whole text": embedder.embed([whole(by_id[ids[pk]]) for pk in pks]),
    }
    needs = embedder.embed([q["text"] for q in queries])
    backend = DatabaseBackend()
    lexical = [
        [
            ids.get(hit.id, "")
            for hit in backend.search(
                SearchQuery(text=q["text"], mode="lexical", language=q["language"], page_size=50)
            ).hits
        ]
        for q in queries
    ]
    out: dict[str, Any] = {}
    for text, matrix in matrices.items():
        for label, floor, nearest in POLICIES:
            recall: dict[str, list[float]] = defaultdict(list)
            first: list[float] = []
            related: list[int] = []
            wrong: list[int] = []
            for query, need, words in zip(queries, needs, lexical, strict=True):
                similarity = matrix @ need
                order = [int(i) for i in np.argsort(-similarity) if similarity[i] >= floor]
                if nearest is not None:
                    order = order[:nearest]
                by_meaning = [ids[pks[i]] for i in order if ids[pks[i]] not in words]
                ranked = (words + by_meaning)[:DEPTH]
                relevant = {r["id"] for r in query["relevant"]}
                kind = query["kind"]
                recall[kind].append(len(set(ranked[:5]) & relevant) / min(5, len(relevant)))
                if kind == "name":
                    first.append(1.0 if ranked[:1] and ranked[0] in relevant else 0.0)
                shown = [r for r in ranked if r in by_meaning]
                related.append(len(shown))
                wrong.append(sum(1 for r in shown if r not in relevant))
            out[f"{text}, {label}"] = {
                **{k: round(sum(v) / len(v), 3) for k, v in recall.items()},
                "name@1": round(sum(first) / len(first), 3) if first else None,
                "related@10": round(sum(related) / len(related), 2),
                "wrong_related@10": round(sum(wrong) / len(wrong), 2),
            }
    return out


def print_policies(figures: dict[str, Any]) -> None:
    print("\n[what-if: database lexical hits, then meaning under another policy; recall@5]")
    print(
        f"{'vectors, policy':<36}{'same':>7}{'cross':>7}{'name':>7}{'name@1':>8}  related / wrong"
    )
    for label, row in figures.items():
        print(
            f"{label:<36}{row['same']:>7.3f}{row['cross']:>7.3f}{row['name']:>7.3f}"
            f"{row['name@1']:>8.3f}  {row['related@10']:>5} / {row['wrong_related@10']}"
        )


def print_table(name: str, figures: dict[str, Any]) -> None:
    print(f"\n[{name}]")
    print(
        f"{'mode':<10}" + "".join(f"{k + ' R@5':>12}{k + ' MRR':>12}" for k in KINDS) + "  name@1"
    )
    for mode in MODES:
        if mode not in figures:
            continue
        row = figures[mode]
        cells = "".join(
            f"{row[k]['recall@5']:>12.3f}{row[k]['mrr']:>12.3f}" if k in row else f"{'':>24}"
            for k in KINDS
        )
        notes = f"  ({row['ms_per_query']} ms/query"
        if "related@10" in row:
            notes += (
                f"; related hits in the first {DEPTH}: {row['related@10']}/query, "
                f"{row['wrong_related@10']} judged not relevant"
            )
        if row["semantic_unavailable"]:
            notes += f", meaning unavailable on {row['semantic_unavailable']} queries"
        print(f"{mode:<10}{cells}  {row['name@1']:.3f}{notes})")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL",
            os.environ.get(
                "DATABASE_URL", "postgres://policy:policy@127.0.0.1:5432/policy_transfer"
            ),
        ),
        help="a PostgreSQL URL (the benchmark works in a database of its own beside it), or "
        "sqlite:////tmp/relevance.sqlite3 (that file is recreated)",
    )
    parser.add_argument(
        "--elasticsearch-url",
        default=os.environ.get("ELASTICSEARCH_URL", ""),
        help="also measure the Elasticsearch backend (default: $ELASTICSEARCH_URL; empty: skip)",
    )
    args = parser.parse_args()

    if args.database_url.startswith("sqlite:"):
        # SQLite: the file named is the scratch database, recreated here.
        Path(args.database_url.split(":///", 1)[1]).unlink(missing_ok=True)
        url = args.database_url
    else:
        name, url = scratch_database(args.database_url)
        recreate_database(args.database_url, name)
    setup_django(url, args.elasticsearch_url)
    from django.conf import settings
    from django.core.management import call_command

    from cities.services import cities_load_reference
    from practices.vectors import vectors_refresh
    from search.backends.database import DatabaseBackend

    corpus = read_jsonl(DATA / "corpus.jsonl")
    queries = read_jsonl(DATA / "queries.jsonl")
    figures: dict[str, Any] = {"practices": len(corpus), "queries": len(queries)}
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    cities_load_reference()
    ids = load_corpus(corpus)
    figures["load_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    report = vectors_refresh(practice_ids=ids)
    figures["vectors"] = {
        "computed": report.computed,
        "failed": report.failed,
        "s": round(time.perf_counter() - started, 1),
    }
    print(
        f"[relevance] {len(corpus)} practices, {len(queries)} queries; "
        f"{report.computed} vectors in {figures['vectors']['s']} s"
        + (f", {report.failed} failed (meaning unavailable)" if report.failed else ""),
        flush=True,
    )

    backends: list[tuple[str, Any]] = [("database", DatabaseBackend())]
    if args.elasticsearch_url:
        from search.backends.elastic import ElasticsearchBackend

        settings.ELASTICSEARCH_INDEX_PREFIX = "relevance"
        backends.append(("elasticsearch", ElasticsearchBackend()))
    for label, backend in backends:
        backend.rebuild()
        backend.refresh()
        figures[label] = measure(backend, queries, ids)
        print_table(label, figures[label])
    figures["vectors_only"] = measure_vectors(queries, ids)
    print_table("reference: stored vectors, brute force, no backend", figures["vectors_only"])
    figures["policies"] = measure_policies(queries, ids, corpus)
    print_policies(figures["policies"])
    print()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
