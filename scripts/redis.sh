#!/usr/bin/env bash
# Redis for development and tests (the Celery broker), from Debian's package.
#
#   scripts/redis.sh up|down|status
#
# Listens on 127.0.0.1 only, keeps nothing on disk (no RDB snapshots, no AOF).
source "$(dirname "$0")/lib.sh"

REDIS_DIR="$RUN_DIR/redis"
PID_FILE="$REDIS_DIR/redis.pid"

up() {
  command -v redis-server >/dev/null || apt_install redis-server
  if pid_alive "$PID_FILE"; then log "already running"; return 0; fi
  port_open "$REDIS_PORT" && die "port $REDIS_PORT is taken by another process; stop it or set REDIS_PORT"
  mkdir -p "$REDIS_DIR"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --protected-mode yes \
    --save "" --appendonly no --dir "$REDIS_DIR" --daemonize yes \
    --pidfile "$PID_FILE" --logfile "$REDIS_DIR/redis.log"
  wait_for 30 "Redis" redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping \
    || die "Redis did not start (see $REDIS_DIR/redis.log)"
}

down() {
  if pid_alive "$PID_FILE"; then
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || kill "$(cat "$PID_FILE")"
    for _ in $(seq 1 20); do pid_alive "$PID_FILE" || break; sleep 0.25; done
    log "stopped"
  fi
  rm -f "$PID_FILE"
}

status() {
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping
}

"${1:-status}"
