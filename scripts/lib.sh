# Shared by the service scripts. Sourced, not run.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The run folder holds every service's data, logs and pid files; `make services-down` removes it.
# It lives outside the checkout because the services run as unprivileged users that may not be
# able to enter the checkout (a fresh clone under mktemp is private to root).
RUN_DIR=${POLICY_TRANSFER_RUN_DIR:-/tmp/policy-transfer-run}
# Built artefacts that make later starts fast (Elasticsearch jars); kept by services-down.
CACHE_DIR=${POLICY_TRANSFER_CACHE_DIR:-/var/tmp/policy-transfer-cache}

ES_PORT=${ES_PORT:-9200}
ES_TRANSPORT_PORT=${ES_TRANSPORT_PORT:-9300}
PG_PORT=${PG_PORT:-5432}
REDIS_PORT=${REDIS_PORT:-6379}

log() { printf '[%s] %s\n' "$(basename "$0" .sh)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# The services run as their own unprivileged users, which only root can arrange: a developer
# who is not root gets the script re-run through sudo.
if [ "$(id -u)" -ne 0 ]; then
  exec sudo -E "$0" "$@"
fi

apt_install() {
  # Install Debian packages only when missing; `apt-get update` once per run folder.
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]} (Debian packages)"
  env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # Debian's packages try to start their own system services; this machine has no init, and
  # our scripts start the servers themselves, so tell the package scripts not to.
  sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d'
  env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

wait_for() {
  # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.5
  done
  log "$what is up"
}

ensure_user() {
  local user=$1
  id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
}

pid_alive() {
  [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

es_urls() {
  # The app's ELASTICSEARCH_URL for what elasticsearch.sh runs: the single node, or every node
  # of an ES_NODES cluster separated by commas (node i on ES_PORT+i-1).
  local urls=() i
  for i in $(seq 1 "${ES_NODES:-1}"); do urls+=("http://127.0.0.1:$((ES_PORT + i - 1))"); done
  (IFS=,; echo "${urls[*]}")
}
