#!/usr/bin/env bash
# `make backup`: the PostgreSQL database (pg_dump, custom format) and the media files (tar) into
# a new folder BACKUP_DIR/<UTC time>/, with a SHA-256 manifest. The search index is not backed up:
# it is rebuilt from the database on restore (scripts/restore.sh, docs/operations.md).
#
#   scripts/backup.sh            # BACKUP_DIR defaults to ./backups
#
# The database comes first, then the files: every file the dump refers to was on disk before
# the tar started, so a restore finds them all unless one was deleted in between (an
# attachment removed during the backup; its row then has no file, as after any lost file).
# The folder is written as <name>.partial and renamed when complete, so a backup that died
# half-way is never taken for a good one.
source "$(dirname "$0")/backup-lib.sh"

resolve_settings
bin=$(pg_bin)
stamp=$(date -u +%Y%m%dT%H%M%SZ)
dest="$BACKUP_DIR/$stamp"
[ -e "$dest" ] && die "$dest exists already"
mkdir -p "$dest.partial"
trap 'rm -rf "$dest.partial"' EXIT

log "dumping database $PGDATABASE on $PGHOST:$PGPORT"
"$bin/pg_dump" --format=custom --no-owner --no-privileges --file "$dest.partial/database.dump"

log "archiving media files from $MEDIA_ROOT"
mkdir -p "$MEDIA_ROOT"
tar -C "$MEDIA_ROOT" -czf "$dest.partial/media.tar.gz" .

{
  echo "created_at=$stamp"
  echo "database=$PGDATABASE"
  echo "server_version=$("$bin/psql" -qtAX -c 'SHOW server_version')"
  echo "commit=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)"
} >"$dest.partial/info.txt"
(cd "$dest.partial" && sha256sum database.dump media.tar.gz info.txt >SHA256SUMS)

mv "$dest.partial" "$dest"
trap - EXIT
log "backup complete: $dest ($(du -sh "$dest" | cut -f1))"
echo "$dest"
