#!/usr/bin/env python
"""How long the practice PDF (practices/pdf.py) takes to make, over the demo practices.

    make demo                                   # the curated demo in the development database
    .venv/bin/python benchmarks/pdf.py          # every published practice, in en, fr and es
    .venv/bin/python benchmarks/pdf.py --limit 40 --languages fr

Reads the database the settings name (DATABASE_URL; the development SQLite file by default),
loads each published practice as the PDF view does (practices.selectors.practice_get_visible,
as an anonymous visitor) and renders it in process, one language after the other. The first
rendering is timed apart: it pays for importing WeasyPrint and loading Pango and the fonts,
once per process. Prints the median, the 95th percentile and the maximum of the others, the
sizes, and a last line of JSON with every figure. Decides docs/web.md's "generated on
request, not cached".
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="at most this many practices")
    parser.add_argument("--languages", default="en,fr,es")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.contrib.auth.models import AnonymousUser

    from practices import selectors
    from practices.models import Practice
    from practices.pdf import practice_pdf

    ids = list(
        Practice.objects.filter(review_state=Practice.ReviewState.PUBLISHED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if args.limit:
        ids = ids[: args.limit]
    if not ids:
        sys.exit("no published practice: run `make demo` first")
    languages = [code.strip() for code in args.languages.split(",") if code.strip()]

    timings: list[float] = []
    sizes: list[int] = []
    first = None
    for language in languages:
        for pk in ids:
            start = time.perf_counter()
            practice = selectors.practice_get_visible(pk=pk, user=AnonymousUser())
            body = practice_pdf(practice=practice, language=language)
            elapsed = (time.perf_counter() - start) * 1000
            if first is None:
                first = elapsed
                continue
            timings.append(elapsed)
            sizes.append(len(body))

    figures = {
        "practices": len(ids),
        "languages": languages,
        "renders": len(timings) + 1,
        "first_ms": round(first or 0, 1),
        "median_ms": round(statistics.median(timings), 1) if timings else None,
        "p95_ms": round(pct(timings, 0.95), 1) if timings else None,
        "max_ms": round(max(timings), 1) if timings else None,
        "median_kb": round(statistics.median(sizes) / 1024, 1) if sizes else None,
        "max_kb": round(max(sizes) / 1024, 1) if sizes else None,
    }
    print(
        f"{figures['renders']} PDFs ({len(ids)} practices x {', '.join(languages)}): "
        f"first {figures['first_ms']} ms (imports WeasyPrint, loads Pango and fonts); then "
        f"median {figures['median_ms']} ms, p95 {figures['p95_ms']} ms, max {figures['max_ms']} ms; "
        f"size median {figures['median_kb']} KB, max {figures['max_kb']} KB"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
