"""Search latency, by backend, operation and outcome, as a Prometheus histogram (served with
the other metrics at /metrics, ops/views.py).

Measured around each call to a backend in search.selectors.search_answer, so a search the
engine could not answer shows twice: once as `elasticsearch`/`unavailable` (with the time it took
to give up) and once as `database`/`ok` (the fallback that answered)."""

from __future__ import annotations

from prometheus_client import Histogram

SEARCH_SECONDS = Histogram(
    "policy_transfer_search_seconds",
    "Time a search backend took to answer, by backend, operation and outcome.",
    ["backend", "operation", "outcome"],
    # From a cached facet count to an engine timing out (ELASTICSEARCH_TIMEOUT is 10 s).
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)


def backend_label(backend: object) -> str:
    name = type(backend).__name__.removesuffix("Backend").lower()
    return name or "unknown"
