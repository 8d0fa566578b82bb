#!/usr/bin/env bash
# What the browser tests (tests/browser) need, installed when missing: Debian's Chromium (driven
# by Playwright through its executable path; Playwright never downloads a browser here), Node.js
# and npm, a Java runtime for the Nu HTML Checker, and the npm packages of package-lock.json
# (axe-core, vnu-jar) in node_modules/. Idempotent; `make test` runs it.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

packages=()
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || packages+=(chromium)
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
command -v java >/dev/null || packages+=(default-jre-headless)
[ ${#packages[@]} -eq 0 ] || apt_install "${packages[@]}"

# --ignore-scripts: vnu-jar's install script would download a Java runtime; the machine's is used.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing the npm packages of package-lock.json"
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi
