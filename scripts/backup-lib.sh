# Shared by backup.sh and restore.sh. Sourced, not run.
#
# Unlike the service scripts these do not need root (they only talk to PostgreSQL over TCP
# and read or write the media folder), so they do not source lib.sh, which re-runs as root.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
BACKUP_DIR=${BACKUP_DIR:-$ROOT/backups}
PG_PORT=${PG_PORT:-5432}

log() { printf '[%s] %s\n' "$(basename "$0" .sh)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

pg_bin() {
  # The client programs of the newest PostgreSQL installed (Debian keeps them per version,
  # outside PATH); pg_dump must be at least as new as the server it dumps.
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin/pg_dump 2>/dev/null | sort -V | tail -n 1)
  [ -n "$found" ] || found=$(command -v pg_dump || true)
  [ -n "$found" ] || die "pg_dump not found: install the Debian package postgresql-client"
  dirname "$found"
}

resolve_settings() {
  # The database and media folder as the app sees them (environment, then .env), exported as
  # libpq's variables, so the password never appears on a command line. Without a PostgreSQL
  # DATABASE_URL anywhere, the database of `make run-full` (PostgreSQL on PG_PORT).
  local settings
  settings=$(cd "$ROOT" && DJANGO_SETTINGS_MODULE=config.settings "$PYTHON" - <<'PY'
import shlex

from django.conf import settings

db = settings.DATABASES["default"]
values = {
    "ENGINE": db["ENGINE"],
    "PGHOST": db.get("HOST") or "127.0.0.1",
    "PGPORT": str(db.get("PORT") or 5432),
    "PGUSER": db.get("USER") or "",
    "PGPASSWORD": db.get("PASSWORD") or "",
    "PGDATABASE": db.get("NAME") or "",
    "MEDIA_ROOT": str(settings.MEDIA_ROOT),
}
for name, value in values.items():
    print(f"{name}={shlex.quote(value)}")
PY
  )
  eval "$settings"
  if [[ "$ENGINE" != *postgresql* ]] && [ -z "${DATABASE_URL:-}" ]; then
    export DATABASE_URL="postgres://policy:policy@127.0.0.1:$PG_PORT/policy_transfer"
    resolve_settings
    return
  fi
  [[ "$ENGINE" == *postgresql* ]] || die "backups need PostgreSQL; DATABASE_URL is $ENGINE"
  export PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE MEDIA_ROOT
}
