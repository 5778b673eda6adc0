/*
 * The HTTP carriers, for networks that break WebSockets: SSE (GET /sse for
 * server -> client, POST /rpc for requests) and long-poll (POST /poll and
 * POST /rpc). Each client-chosen connection id names a *virtual connection*
 * that owns one sig_client_t and an outbox of numbered messages, so the
 * session engine sees it exactly like a WebSocket. signaling/PROTOCOL.md
 * ("Carriers") documents the wire.
 *
 * Runs on the signaling thread only, like the engine.
 */
#ifndef SIG_HTTP_CARRIER_H
#define SIG_HTTP_CARRIER_H

#include <libwebsockets.h>
#include <stdint.h>

#include "signaling/engine.h"

#define SIG_HTTP_NOT_HANDLED 1001

typedef struct sig_http_carrier sig_http_carrier_t;

typedef struct {
    const char *cors_origins;    /* copied; comma list, "*" = any, "" = same origin only */
    int64_t sse_heartbeat_ms;
    int64_t poll_timeout_ms;
    int64_t idle_timeout_ms;     /* no stream and no poll this long: dropped */
    int max_connections;
    int outbox_messages;         /* per connection; keep above the replay ring so a
                                    full resume replay fits */
} sig_http_config_t;

sig_http_carrier_t *sig_http_carrier_create(sig_engine_t *engine, const sig_http_config_t *cfg);

/*
 * Destroys every virtual connection (their sessions enter the grace period)
 * and frees the carrier. Call after the lws context is destroyed and before
 * the engine. NULL is a no-op.
 */
void sig_http_carrier_destroy(sig_http_carrier_t *h);

/* Bytes of per-connection state libwebsockets must allocate. */
size_t sig_http_carrier_conn_size(void);

/*
 * Handles /sse, /rpc and /poll. Returns the callback's result, or
 * SIG_HTTP_NOT_HANDLED for requests and reasons it leaves alone. refuse_new:
 * the server is stopping; new virtual connections get 503.
 */
int sig_http_carrier_callback(sig_http_carrier_t *h, int refuse_new, struct lws *wsi,
                              enum lws_callback_reasons reason, void *user, void *in, size_t len);

/* Heartbeats, poll timeouts, idle expiry. Call a few times a second. */
void sig_http_carrier_tick(sig_http_carrier_t *h, int64_t now_ms);

#endif
