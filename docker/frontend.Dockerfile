# Switchboard frontend image: Debian's nginx serving the web demo and
# reverse-proxying /ws, /sse, /rpc, /poll, /healthz, /stats and /metrics to the
# SFU (docker/nginx/). Build from the repository root:
#   docker build --network host -f docker/frontend.Dockerfile -t switchboard-frontend .
# Settings (environment): FRONTEND_PORT (8080), SFU_ADDRESS (127.0.0.1:8081),
# NGINX_SITE (switchboard; switchboard-no-websocket strips the WebSocket
# upgrade, for testing the fallbacks). `docker run --rm IMAGE nginx -t` checks
# the configuration it would run with.
FROM debian:bookworm
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >/dev/null \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && rm -f /etc/nginx/sites-enabled/default \
 && ln -sf /dev/stdout /var/log/nginx/access.log \
 && ln -sf /dev/stderr /var/log/nginx/error.log
COPY docker/nginx/switchboard.conf docker/nginx/switchboard-no-websocket.conf /etc/nginx/switchboard/
COPY docker/nginx/snippets/ /etc/nginx/snippets/
COPY docker/nginx/entrypoint.sh /usr/local/bin/switchboard-frontend
COPY docker/healthcheck.sh /usr/local/bin/switchboard-healthcheck
COPY web-demo /usr/share/switchboard/web-demo
# Fail the build on a configuration nginx rejects.
RUN /usr/local/bin/switchboard-frontend nginx -t -q

ENV FRONTEND_PORT=8080 \
    SFU_ADDRESS=127.0.0.1:8081 \
    NGINX_SITE=switchboard
EXPOSE 8080/tcp
# nginx's master runs as root and its workers as www-data (Debian's nginx.conf).
# SIGTERM: fast shutdown; open WebSockets close and browsers reconnect.
STOPSIGNAL SIGTERM
# /healthz through nginx is proxied to the SFU: healthy means both answer.
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
  CMD /usr/local/bin/switchboard-healthcheck "$FRONTEND_PORT"
ENTRYPOINT ["/usr/local/bin/switchboard-frontend"]
CMD ["nginx", "-g", "daemon off;"]
