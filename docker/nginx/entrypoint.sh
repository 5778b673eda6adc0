#!/bin/bash
# Frontend image entrypoint: writes the nginx site from the environment, then
# runs the command (default: nginx in the foreground).
#
#   FRONTEND_PORT  what nginx listens on: PORT or ADDRESS:PORT   (default 8080)
#   SFU_ADDRESS    the SFU's HOST:PORT, e.g. its SWITCHBOARD_LISTEN; a wildcard
#                  host (0.0.0.0, [::]) is reached on loopback  (default 127.0.0.1:8081)
#   NGINX_SITE     switchboard | switchboard-no-websocket       (default switchboard)
#
#   docker run --rm switchboard-frontend nginx -t     checks the rendered config
set -euo pipefail

FRONTEND_PORT=${FRONTEND_PORT:-8080}
SFU_ADDRESS=${SFU_ADDRESS:-127.0.0.1:8081}
NGINX_SITE=${NGINX_SITE:-switchboard}
templates=/etc/nginx/switchboard
site=/etc/nginx/sites-enabled/switchboard.conf

case "$SFU_ADDRESS" in
  0.0.0.0:*) SFU_ADDRESS=127.0.0.1:${SFU_ADDRESS#0.0.0.0:} ;;
  "[::]:"*) SFU_ADDRESS="[::1]:${SFU_ADDRESS#"[::]:"}" ;;
esac
# Plain addresses only: nothing that could end or extend an nginx directive.
host_re='[][A-Za-z0-9.:_-]+'
if ! [[ $FRONTEND_PORT =~ ^($host_re:)?[0-9]{1,5}$ ]]; then
  echo "frontend: FRONTEND_PORT must be PORT or ADDRESS:PORT, got '$FRONTEND_PORT'" >&2; exit 2
fi
if ! [[ $SFU_ADDRESS =~ ^$host_re:[0-9]{1,5}$ ]]; then
  echo "frontend: SFU_ADDRESS must be HOST:PORT, got '$SFU_ADDRESS'" >&2; exit 2
fi
if ! [[ $NGINX_SITE =~ ^[A-Za-z0-9_-]+$ ]] || [ ! -f "$templates/$NGINX_SITE.conf" ]; then
  echo "frontend: no site '$NGINX_SITE' in $templates (have: $(cd "$templates" && ls -- *.conf | sed 's/\.conf$//' | tr '\n' ' '))" >&2
  exit 2
fi

sed -e "/# FRONTEND_PORT\$/ s/listen [^;]*;/listen $FRONTEND_PORT;/" \
    -e "/# SFU_ADDRESS\$/ s/server [^;]*;/server $SFU_ADDRESS;/" \
    "$templates/$NGINX_SITE.conf" >"$site"
grep -qF "listen $FRONTEND_PORT;" "$site" && grep -qF "server $SFU_ADDRESS;" "$site" || {
  echo "frontend: could not set the listen/upstream lines in $site" >&2; exit 2
}

# `docker run IMAGE -t` means `nginx -t`.
if [ $# -eq 0 ] || [ "${1#-}" != "$1" ]; then
  set -- nginx "$@"
fi
exec "$@"
