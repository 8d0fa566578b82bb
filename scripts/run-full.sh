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
# ES_NODES=3 make run-full: a cluster of three nodes, every one of them given to the app, and
# the index with one replica (docs/operations.md, "An Elasticsearch cluster").
ELASTICSEARCH_URL=$(es_urls); export ELASTICSEARCH_URL
if [ "${ES_NODES:-1}" -gt 1 ]; then export ELASTICSEARCH_REPLICAS=${ELASTICSEARCH_REPLICAS:-1}; fi
export CELERY_BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
export CELERY_RESULT_BACKEND="redis://127.0.0.1:$REDIS_PORT/1"

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
