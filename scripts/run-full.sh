#!/usr/bin/env bash
# `make run-full`: the production-shaped stack on this machine, with production settings
# (DJANGO_DEBUG=0): PostgreSQL, Elasticsearch and Redis from scripts/, gunicorn
# (deploy/gunicorn_conf.py) behind nginx (scripts/nginx.sh: HTTPS with a self-signed
# certificate, static files, attachments through X-Accel-Redirect), a Celery worker and beat.
# Ctrl-C stops the app processes, nginx and the services. docs/operations.md describes the layout.
#
# Ports (environment): NGINX_HTTPS_PORT [8443], NGINX_HTTP_PORT [8080, redirects to HTTPS],
# GUNICORN_PORT [8000, 127.0.0.1, reached through nginx only], GUNICORN_WORKERS [2 x cores + 1],
# CELERY_CONCURRENCY [2]; the services' as in scripts/README.md.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
BIN="$ROOT/.venv/bin"

export NGINX_HTTP_PORT=${NGINX_HTTP_PORT:-8080}
export NGINX_HTTPS_PORT=${NGINX_HTTPS_PORT:-8443}
export GUNICORN_PORT=${GUNICORN_PORT:-8000}
CELERY_CONCURRENCY=${CELERY_CONCURRENCY:-2}
for port in "$NGINX_HTTP_PORT" "$NGINX_HTTPS_PORT" "$GUNICORN_PORT"; do
  port_open "$port" && die "port $port is taken by another process; stop it or choose other ports (NGINX_HTTP_PORT, NGINX_HTTPS_PORT, GUNICORN_PORT)"
done
"$ROOT/scripts/nginx.sh" install
"$ROOT/scripts/services.sh" up

export DJANGO_DEBUG=0
export DATABASE_URL="postgres://policy:policy@127.0.0.1:$PG_PORT/policy_transfer"
# ES_NODES=3 make run-full: a cluster of three nodes, every one of them given to the app, and
# the index with one replica (docs/operations.md, "An Elasticsearch cluster").
ELASTICSEARCH_URL=$(es_urls); export ELASTICSEARCH_URL
if [ "${ES_NODES:-1}" -gt 1 ]; then export ELASTICSEARCH_REPLICAS=${ELASTICSEARCH_REPLICAS:-1}; fi
export CELERY_BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
export CELERY_RESULT_BACKEND="redis://127.0.0.1:$REDIS_PORT/1"
# The rate limits count in a cache shared by every gunicorn worker.
export DJANGO_CACHE_URL=${DJANGO_CACHE_URL:-redis://127.0.0.1:$REDIS_PORT/2}
# A secret of this run folder (made once; `make services-down` deletes it with the database).
if [ -z "${DJANGO_SECRET_KEY:-}" ]; then
  [ -s "$RUN_DIR/secret-key" ] || (umask 077 && "$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(64))' > "$RUN_DIR/secret-key")
  DJANGO_SECRET_KEY=$(cat "$RUN_DIR/secret-key")
fi
export DJANGO_SECRET_KEY
export DJANGO_ALLOWED_HOSTS=${DJANGO_ALLOWED_HOSTS:-localhost,127.0.0.1}
# nginx sets X-Forwarded-Proto and X-Forwarded-For (TRUSTED_PROXY_COUNT is then 1) and sends
# the attachments the app allows from its internal location.
export DJANGO_BEHIND_PROXY=1
export ATTACHMENT_ACCEL_REDIRECT=/protected-media/
# HSTS as in production but short and for this host only: a year-long policy on "localhost"
# would send the browser to https://localhost:8000 for `make run`'s development server too.
export DJANGO_SECURE_HSTS_SECONDS=${DJANGO_SECURE_HSTS_SECONDS:-300}
export DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS=${DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS:-0}
export DJANGO_SECURE_HSTS_PRELOAD=${DJANGO_SECURE_HSTS_PRELOAD:-0}
export SITE_URL=${SITE_URL:-https://127.0.0.1:$NGINX_HTTPS_PORT}
# Beside the database, in the run folder, where nginx's workers (www-data) can read them: a
# checkout may be private to its owner.
export DJANGO_STATIC_ROOT=${DJANGO_STATIC_ROOT:-$RUN_DIR/static}
export DJANGO_MEDIA_ROOT=${DJANGO_MEDIA_ROOT:-$RUN_DIR/media}
mkdir -p "$DJANGO_STATIC_ROOT" "$DJANGO_MEDIA_ROOT"
# /metrics sums the counters of every app process (docs/operations.md, Metrics); emptied here
# because files left by a previous run would be counted again.
export PROMETHEUS_MULTIPROC_DIR="$RUN_DIR/prometheus"
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"

pids=()
stop() {
  trap - INT TERM EXIT
  "$ROOT/scripts/nginx.sh" down || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$ROOT/scripts/services.sh" down postgres redis elasticsearch
}
trap stop INT TERM EXIT

"$BIN/python" manage.py migrate --noinput
"$BIN/python" manage.py collectstatic --noinput -v 0
"$BIN/python" manage.py load_cities
# Demo accounts share a known password: fine on this machine, refused on a real server.
"$BIN/python" manage.py load_demo --allow-production
# The index follows the database: a new cluster (ES_NODES changed) or a wiped node starts
# empty while the database keeps its practices, so rebuild it when the two differ.
"$BIN/python" manage.py search_check >/dev/null 2>&1 || "$BIN/python" manage.py search_rebuild
"$BIN/gunicorn" -c deploy/gunicorn_conf.py config.wsgi:application & pids+=($!)
"$BIN/celery" -A config worker --concurrency "$CELERY_CONCURRENCY" --loglevel INFO & pids+=($!)
"$BIN/celery" -A config beat --loglevel INFO --schedule "$RUN_DIR/celerybeat-schedule" & pids+=($!)
"$ROOT/scripts/nginx.sh" up
log "serving on https://127.0.0.1:$NGINX_HTTPS_PORT/ (self-signed: curl --cacert $RUN_DIR/nginx/tls/cert.pem; http://127.0.0.1:$NGINX_HTTP_PORT/ redirects) through nginx to gunicorn on 127.0.0.1:$GUNICORN_PORT, with PostgreSQL, Elasticsearch and Celery on Redis; Ctrl-C stops"
wait -n "${pids[@]}"
