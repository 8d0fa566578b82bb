#!/usr/bin/env bash
# What WeasyPrint (the practice PDF, practices/pdf.py) needs from the system: Debian's Pango
# (text layout; WeasyPrint loads it at import) and a set of fonts for Latin text (DejaVu, read
# from the disk: the PDF never fetches a font). Installed when missing by `make install`, so
# `make run` and `make test` have them on a fresh machine. Idempotent and quiet when all is
# there; only then does it need root (lib.sh re-runs it through sudo).
packages=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)
if ! command -v dpkg >/dev/null; then
  echo "[pdf-tools] not a Debian system: install Pango and a font for WeasyPrint yourself" >&2
  exit 0
fi
missing=0
for pkg in "${packages[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing=1; done
[ "$missing" -eq 0 ] && exit 0

source "$(dirname "$0")/lib.sh"
apt_install "${packages[@]}"
