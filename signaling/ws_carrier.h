/*
 * The WebSocket carrier (/ws): turns libwebsockets callbacks into session
 * engine calls. Reassembles fragmented text messages up to the configured
 * limit (never buffering more), queues outgoing messages, and closes with a
 * code and reason when the engine asks.
 */
#ifndef SIG_WS_CARRIER_H
#define SIG_WS_CARRIER_H

#include <libwebsockets.h>

#include "signaling/engine.h"

#define SIG_WS_NOT_HANDLED 1000

/* Bytes of per-connection state libwebsockets must allocate. */
size_t sig_ws_carrier_conn_size(void);

/* Returns the callback's result, or SIG_WS_NOT_HANDLED for reasons it leaves to lws. */
int sig_ws_carrier_callback(sig_engine_t *engine, int refuse_new, struct lws *wsi,
                            enum lws_callback_reasons reason, void *user, void *in, size_t len);

int64_t sig_now_ms(void);

#endif
