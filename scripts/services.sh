#!/usr/bin/env bash
# Start, stop or show every local service: PostgreSQL, Redis and Elasticsearch.
#
#   scripts/services.sh up|down|status [postgres] [redis] [elasticsearch]
#
# `down` with no service named also removes the run folder, so the next `up` starts clean.
source "$(dirname "$0")/lib.sh"

action=${1:-status}; shift || true
services=("$@")
[ ${#services[@]} -eq 0 ] && services=(postgres redis elasticsearch)

case "$action" in
  up)
    for s in "${services[@]}"; do "$ROOT/scripts/$s.sh" up; done
    ;;
  down)
    for s in "${services[@]}"; do "$ROOT/scripts/$s.sh" down || true; done
    if [ $# -eq 0 ]; then rm -rf "$RUN_DIR"; log "removed $RUN_DIR"; fi
    ;;
  status)
    for s in "${services[@]}"; do echo "== $s"; "$ROOT/scripts/$s.sh" status || true; done
    ;;
  *) die "usage: $0 up|down|status [service...]" ;;
esac
