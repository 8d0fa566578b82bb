#!/usr/bin/env bash
# `make restore`: replace the database and the media files with a backup made by backup.sh,
# then rebuild the search index from the restored database and check it.
#
#   scripts/restore.sh [--yes] [BACKUP_FOLDER]   # default: the newest folder in BACKUP_DIR
#
# Everything in the database and the media folder is deleted first. Stop the app and the
# Celery workers before, and start them after: a request or task running meanwhile would write
# into a half-restored database. The index is never restored: `search_rebuild` builds a fresh
# one from the restored rows (and computes any missing sentence vector), and `search_check`
# proves it matches (the script fails if not).
source "$(dirname "$0")/backup-lib.sh"

yes=0
if [ "${1:-}" = "--yes" ]; then yes=1; shift; fi
folder=${1:-}
if [ -z "$folder" ]; then
  folder=$(ls -d "$BACKUP_DIR"/*/ 2>/dev/null | grep -v '\.partial/$' | sort | tail -n 1 || true)
  [ -n "$folder" ] || die "no backup in $BACKUP_DIR (give the folder: scripts/restore.sh FOLDER)"
fi
folder=${folder%/}
[ -f "$folder/SHA256SUMS" ] || die "$folder is not a complete backup (no SHA256SUMS)"
(cd "$folder" && sha256sum --quiet -c SHA256SUMS) || die "$folder is damaged (checksums differ)"

resolve_settings
bin=$(pg_bin)
if [ "$yes" -ne 1 ]; then
  [ -t 0 ] || die "not a terminal: confirm with --yes"
  read -r -p "Replace database $PGDATABASE on $PGHOST:$PGPORT and everything in $MEDIA_ROOT with $folder? [y/N] " answer
  [ "$answer" = "y" ] || die "nothing done"
fi

log "emptying database $PGDATABASE"
# The schema, not the database: the app's role owns the database but may not be allowed to
# create one, and the database's settings and grants stay as they are.
"$bin/psql" -qX -v ON_ERROR_STOP=1 -c "DROP SCHEMA IF EXISTS public CASCADE" -c "CREATE SCHEMA public"
log "restoring database from $folder/database.dump"
"$bin/pg_restore" --no-owner --no-privileges --exit-on-error --single-transaction \
  --dbname "$PGDATABASE" "$folder/database.dump"

log "restoring media files into $MEDIA_ROOT"
mkdir -p "$MEDIA_ROOT"
find "$MEDIA_ROOT" -mindepth 1 -delete
tar -C "$MEDIA_ROOT" -xzf "$folder/media.tar.gz"

cd "$ROOT"
# A backup made by an older version of the app gets this version's migrations.
"$PYTHON" manage.py migrate --noinput
log "rebuilding the search index from the database"
"$PYTHON" manage.py search_rebuild
"$PYTHON" manage.py search_check
log "restored $folder"
