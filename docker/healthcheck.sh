#!/bin/bash
# Health check for the Switchboard images (no curl inside them): GET /healthz
# through bash's /dev/tcp, healthy on "200".
#
#   switchboard-healthcheck               the SFU: its --listen flag (from PID 1's
#                                         command line), else SWITCHBOARD_LISTEN,
#                                         else 0.0.0.0:8080
#   switchboard-healthcheck HOST:PORT     that address (the frontend passes
#                                         FRONTEND_PORT; its /healthz is proxied
#                                         to the SFU, so it checks both)
# A wildcard host (0.0.0.0, ::, empty) is checked on loopback.
set -u

target=${1:-}
if [ -z "$target" ]; then
  target=${SWITCHBOARD_LISTEN:-0.0.0.0:8080}
  if [ -r /proc/1/cmdline ]; then
    mapfile -d '' -t argv </proc/1/cmdline
    for ((i = 0; i < ${#argv[@]}; i++)); do
      case "${argv[i]}" in
        --listen=*) target=${argv[i]#--listen=} ;;
        --listen) [ $((i + 1)) -lt ${#argv[@]} ] && target=${argv[i + 1]} ;;
      esac
    done
  fi
fi

case "$target" in
  *:*) host=${target%:*}; port=${target##*:} ;;
  *) host=""; port=$target ;;
esac
host=${host#[}
host=${host%]}
case "$host" in
  "" | 0.0.0.0 | "*") host=127.0.0.1 ;;
  ::) host=::1 ;;
esac
case "$port" in
  "" | *[!0-9]*) echo "healthcheck: cannot tell the port from '$target'" >&2; exit 1 ;;
esac

exec 3<>"/dev/tcp/$host/$port" || exit 1
printf 'GET /healthz HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$host:$port" >&3
IFS= read -r -t 3 status <&3 || { echo "healthcheck: no answer from $host:$port" >&2; exit 1; }
case "$status" in
  "HTTP/1."?" 200"*) exit 0 ;;
  *) echo "healthcheck: $host:$port/healthz: ${status%$'\r'}" >&2; exit 1 ;;
esac
