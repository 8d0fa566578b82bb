#!/usr/bin/env bash
# `make run-full`: the production-shaped stack on this machine. PostgreSQL, Elasticsearch and
# Redis from scripts/, a Celery worker and beat, and the development server on :8000.
# Ctrl-C stops the app processes and the services.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
BIN="$ROOT/.venv/bin"

"$ROOT/scripts/services.sh" up
export DJANGO_DEBUG=1
export DATABASE_URL="postgres://policy:policy@127.0.0.1:$PG_PORT/policy_transfer"
export ELASTICSEARCH_URL="http://127.0.0.1:$ES_PORT"
export CELERY_BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
export CELERY_RESULT_BACKEND="redis://127.0.0.1:$REDIS_PORT/1"
# /metrics sums the counters of every app process (docs/operations.md, Metrics); emptied here
# because files left by a previous run would be counted again.
export PROMETHEUS_MULTIPROC_DIR="$RUN_DIR/prometheus"
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$ROOT/scripts/services.sh" down postgres redis elasticsearch
}
trap stop INT TERM EXIT

"$BIN/python" manage.py migrate --noinput
"$BIN/python" manage.py load_cities
"$BIN/python" manage.py load_demo
"$BIN/celery" -A config worker --concurrency 2 --loglevel INFO & pids+=($!)
"$BIN/celery" -A config beat --loglevel INFO --schedule "$RUN_DIR/celerybeat-schedule" & pids+=($!)
"$BIN/python" manage.py runserver 127.0.0.1:8000 & pids+=($!)
log "serving on http://127.0.0.1:8000/ with PostgreSQL, Elasticsearch and Celery on Redis; Ctrl-C stops"
wait -n "${pids[@]}"
