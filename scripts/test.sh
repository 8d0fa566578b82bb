#!/usr/bin/env bash
# `make test`: lint, types, then the whole suite on PostgreSQL, Elasticsearch and Redis started
# here and stopped on exit (even on failure), so a second run starts from nothing again.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
BIN="$ROOT/.venv/bin"

export DJANGO_DEBUG=1
# The suite's shared node is a single node whatever the caller's ES_NODES: the cluster tests
# start a cluster of their own beside it, on the next ports (tests/search/test_cluster.py).
export ES_NODES=1
# The services start in the background while lint, types and the migrations check run
# (Elasticsearch alone takes 5-15 s to start); their output follows once they are up.
"$ROOT/scripts/services.sh" down >/dev/null 2>&1 || true
services_log=$(mktemp)
"$ROOT/scripts/services.sh" up >"$services_log" 2>&1 &
services_starting=$!
stop_services() {
  wait "$services_starting" 2>/dev/null || true  # never stop them halfway through starting
  "$ROOT/scripts/services.sh" down
  rm -f "$services_log"
}
trap stop_services EXIT

"$BIN/ruff" check .
"$BIN/ruff" format --check .
"$BIN/mypy" .
DJANGO_DEBUG=1 "$BIN/python" manage.py makemigrations --check --dry-run >/dev/null \
  || die "models and migrations differ: run manage.py makemigrations"

if ! wait "$services_starting"; then
  cat "$services_log" >&2
  die "the services did not start (their output is above)"
fi
cat "$services_log" >&2

export DATABASE_URL="postgres://policy:policy@127.0.0.1:$PG_PORT/policy_transfer"
export ELASTICSEARCH_URL="http://127.0.0.1:$ES_PORT"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
# Tasks stay eager inside the test process; the Redis tests start their own real worker.
export CELERY_BROKER_URL=""
# A test whose service is unreachable fails instead of skipping.
export REQUIRE_SERVICES=1
# Two processes, one per core (pytest-xdist, see pyproject.toml); arguments of this script go
# to pytest after these, e.g. `scripts/test.sh -n 0 tests/search` for one process.
"$BIN/pytest" -p no:cacheprovider -n 2 --dist load "$@"
