#!/usr/bin/env bash
# PostgreSQL for development and tests, from Debian's package, in the run folder.
#
#   scripts/postgres.sh up|down|status
#
# A private cluster (not Debian's default one) owned by the `postgres` user, listening on
# 127.0.0.1 only, with role `policy` (password `policy`, may create databases) and the
# databases `policy_transfer` (the app) and `test_policy_transfer` (pytest-django recreates it).
source "$(dirname "$0")/lib.sh"

PG_DIR="$RUN_DIR/postgres"
DATA="$PG_DIR/data"

bindir() {
  local initdb
  initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)
  [ -n "$initdb" ] && dirname "$initdb"
}

pg() { runuser -u postgres -- "$@"; }

up() {
  [ -n "$(bindir)" ] || apt_install postgresql
  local bin; bin=$(bindir)
  if [ -f "$DATA/postmaster.pid" ] && pg "$bin/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    log "already running"; return 0
  fi
  port_open "$PG_PORT" && die "port $PG_PORT is taken by another process; stop it or set PG_PORT"
  mkdir -p "$RUN_DIR" && chmod a+rx "$RUN_DIR"
  if [ ! -f "$DATA/PG_VERSION" ]; then
    mkdir -p "$PG_DIR" && chown postgres "$PG_DIR"
    pg "$bin/initdb" -D "$DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  # Throwaway data: durability traded for speed (no fsync), as is usual for test clusters.
  pg "$bin/pg_ctl" -D "$DATA" -l "$PG_DIR/server.log" -w -t 60 start -o \
    "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null \
    || { tail -n 30 "$PG_DIR/server.log" >&2; die "PostgreSQL did not start (log above)"; }
  local psql=("$bin/psql" -h "$PG_DIR" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qtA)
  pg "${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname='policy'" | grep -q 1 \
    || pg "${psql[@]}" -c "CREATE ROLE policy LOGIN CREATEDB PASSWORD 'policy'"
  for db in policy_transfer test_policy_transfer; do
    pg "${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 \
      || pg "${psql[@]}" -c "CREATE DATABASE $db OWNER policy"
  done
  log "PostgreSQL is up on 127.0.0.1:$PG_PORT (DATABASE_URL=postgres://policy:policy@127.0.0.1:$PG_PORT/policy_transfer)"
}

down() {
  local bin; bin=$(bindir) || return 0
  if [ -n "$bin" ] && [ -f "$DATA/postmaster.pid" ]; then
    pg "$bin/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
    log "stopped"
  fi
}

status() {
  local bin; bin=$(bindir) || { echo "PostgreSQL is not installed"; return 1; }
  pg "$bin/pg_ctl" -D "$DATA" status
}

"${1:-status}"
