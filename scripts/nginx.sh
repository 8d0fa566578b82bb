#!/usr/bin/env bash
# nginx, the front server of `make run-full` and of the front-server test, from Debian's package.
#
#   scripts/nginx.sh install|up|down|status|config
#
# `up` renders deploy/nginx/*.template into its own folder of the run directory (config, pid,
# logs, temporary files, a self-signed certificate), checks the result with `nginx -t` and
# starts nginx; the master runs as root, its workers as NGINX_USER. It proxies to gunicorn at
# APP_ADDRESS, which it does not start (scripts/run-full.sh does). `config` renders only.
#
# Settings (environment; defaults in brackets):
#   NGINX_HTTP_PORT [8080]  NGINX_HTTPS_PORT [8443]  NGINX_LISTEN_ADDRESS [127.0.0.1]
#   APP_ADDRESS [127.0.0.1:$GUNICORN_PORT, GUNICORN_PORT 8000]  gunicorn, host:port or unix:path
#   NGINX_DIR [$RUN_DIR/nginx]   NGINX_USER [www-data]   NGINX_SERVER_NAME [localhost 127.0.0.1]
#   NGINX_TLS_CERT, NGINX_TLS_KEY [a self-signed pair made here, for localhost and 127.0.0.1]
#   DJANGO_STATIC_ROOT, DJANGO_MEDIA_ROOT [the settings' defaults: staticfiles/, media/]
#   ATTACHMENT_MAX_IMAGE_BYTES, ATTACHMENT_MAX_PDF_BYTES, UPLOAD_FORM_OVERHEAD_BYTES (body limit)
source "$(dirname "$0")/lib.sh"

NGINX_HTTP_PORT=${NGINX_HTTP_PORT:-8080}
NGINX_HTTPS_PORT=${NGINX_HTTPS_PORT:-8443}
GUNICORN_PORT=${GUNICORN_PORT:-8000}
APP_ADDRESS=${APP_ADDRESS:-127.0.0.1:$GUNICORN_PORT}
NGINX_LISTEN_ADDRESS=${NGINX_LISTEN_ADDRESS:-127.0.0.1}
NGINX_DIR=${NGINX_DIR:-$RUN_DIR/nginx}
NGINX_USER=${NGINX_USER:-www-data}
NGINX_SERVER_NAME=${NGINX_SERVER_NAME:-localhost 127.0.0.1}
NGINX_TLS_CERT=${NGINX_TLS_CERT:-$NGINX_DIR/tls/cert.pem}
NGINX_TLS_KEY=${NGINX_TLS_KEY:-$NGINX_DIR/tls/key.pem}
STATIC_ROOT=${DJANGO_STATIC_ROOT:-$ROOT/staticfiles}
MEDIA_ROOT=${DJANGO_MEDIA_ROOT:-$ROOT/media}
PID_FILE="$NGINX_DIR/nginx.pid"
NGINX=(nginx -p "$NGINX_DIR/" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_DIR/logs/error.log")

install() {
  command -v nginx >/dev/null || apt_install nginx
}

certificate() {
  # For local use only: browsers warn about it (curl: --cacert "$NGINX_DIR/tls/cert.pem").
  # Made again when missing or within a day of expiring.
  [ "$NGINX_TLS_CERT" = "$NGINX_DIR/tls/cert.pem" ] || return 0
  if [ -f "$NGINX_TLS_CERT" ] && openssl x509 -checkend 86400 -noout -in "$NGINX_TLS_CERT" >/dev/null; then
    return 0
  fi
  mkdir -p "$NGINX_DIR/tls" && chmod 700 "$NGINX_DIR/tls"
  openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
    -keyout "$NGINX_TLS_KEY" -out "$NGINX_TLS_CERT" 2>/dev/null
  log "made a self-signed certificate for localhost and 127.0.0.1: $NGINX_TLS_CERT"
}

render() {
  # render TEMPLATE OUTPUT: every @NAME@ replaced (paths may hold "/", never "|").
  local max_body suffix=":$NGINX_HTTPS_PORT"
  [ "$NGINX_HTTPS_PORT" = 443 ] && suffix=""
  max_body=$(( ${ATTACHMENT_MAX_IMAGE_BYTES:-5242880} > ${ATTACHMENT_MAX_PDF_BYTES:-20971520}
               ? ${ATTACHMENT_MAX_IMAGE_BYTES:-5242880} : ${ATTACHMENT_MAX_PDF_BYTES:-20971520} ))
  max_body=$(( max_body + ${UPLOAD_FORM_OVERHEAD_BYTES:-65536} ))
  sed -e "s|@DIR@|${NGINX_DIR%/}|g" -e "s|@USER@|$NGINX_USER|g" \
      -e "s|@SERVER_NAME@|$NGINX_SERVER_NAME|g" \
      -e "s|@LISTEN_ADDRESS@|$NGINX_LISTEN_ADDRESS|g" -e "s|@HTTP_PORT@|$NGINX_HTTP_PORT|g" -e "s|@HTTPS_PORT@|$NGINX_HTTPS_PORT|g" \
      -e "s|@HTTPS_PORT_SUFFIX@|$suffix|g" \
      -e "s|@TLS_CERT@|$NGINX_TLS_CERT|g" -e "s|@TLS_KEY@|$NGINX_TLS_KEY|g" \
      -e "s|@APP_ADDRESS@|$APP_ADDRESS|g" \
      -e "s|@STATIC_ROOT@|${STATIC_ROOT%/}|g" -e "s|@MEDIA_ROOT@|${MEDIA_ROOT%/}|g" \
      -e "s|@MAX_BODY_BYTES@|$max_body|g" "$1" > "$2"
  ! grep -v "^\s*#" "$2" | grep "@[A-Z_]*@" >&2 || die "placeholders left in $2"
}

config() {
  install
  mkdir -p "$NGINX_DIR/logs" "$NGINX_DIR/tmp"
  chmod a+rx "$RUN_DIR" "$NGINX_DIR"
  certificate
  render "$ROOT/deploy/nginx/nginx.conf.template" "$NGINX_DIR/nginx.conf"
  render "$ROOT/deploy/nginx/policy-transfer.conf.template" "$NGINX_DIR/policy-transfer.conf"
  "${NGINX[@]}" -t -q || die "nginx refused the configuration in $NGINX_DIR"
  # The workers send the files themselves: tell now, not with a 403 on the first request.
  for folder in "$STATIC_ROOT" "$MEDIA_ROOT"; do
    [ -d "$folder" ] || continue
    runuser -u "$NGINX_USER" -- test -r "$folder" -a -x "$folder" \
      || die "$NGINX_USER cannot read $folder (nor enter a folder above it); nginx could not send its files"
  done
}

up() {
  if pid_alive "$PID_FILE"; then log "already running"; return 0; fi
  for port in "$NGINX_HTTP_PORT" "$NGINX_HTTPS_PORT"; do
    port_open "$port" && die "port $port is taken by another process; stop it or set NGINX_HTTP_PORT/NGINX_HTTPS_PORT"
  done
  config
  "${NGINX[@]}" || die "nginx did not start (see $NGINX_DIR/logs/error.log)"
  wait_for 10 "nginx on https://127.0.0.1:$NGINX_HTTPS_PORT/ (http: $NGINX_HTTP_PORT)" port_open "$NGINX_HTTPS_PORT" \
    || die "nginx did not start (see $NGINX_DIR/logs/error.log)"
}

down() {
  if pid_alive "$PID_FILE"; then
    # QUIT: the workers finish the requests they are serving, then exit.
    kill -QUIT "$(cat "$PID_FILE")"
    for _ in $(seq 1 40); do pid_alive "$PID_FILE" || break; sleep 0.25; done
    pid_alive "$PID_FILE" && kill -TERM "$(cat "$PID_FILE")"
    log "stopped"
  fi
  rm -f "$PID_FILE"
}

status() {
  pid_alive "$PID_FILE" && echo "nginx is running (pid $(cat "$PID_FILE"), https://127.0.0.1:$NGINX_HTTPS_PORT/)"
}

"${1:-status}"
