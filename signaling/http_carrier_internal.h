/*
 * Types shared by the HTTP carrier's files: http_carrier.c (virtual
 * connections, routing, CORS, replies, timers), sse_carrier.c (GET /sse) and
 * poll_carrier.c (POST /poll, POST /rpc). Not for use outside signaling/.
 */
#ifndef SIG_HTTP_CARRIER_INTERNAL_H
#define SIG_HTTP_CARRIER_INTERNAL_H

#include <glib.h>

#include "signaling/http_carrier.h"
#include "signaling/http_outbox.h"
#include "signaling/http_wire.h"

/* A client that stops reading may fall this far behind before its virtual
   connection is dropped: the same byte bound as a WebSocket's send queue,
   and sig_http_config_t.outbox_messages messages. */
#define OUTBOX_MAX_BYTES (4u << 20)

/* SSE has no acknowledgement but a reconnect's Last-Event-ID, so messages
   written to a stream stay this long in case the stream dies with them in
   flight; older ones are dropped unconfirmed (see lost_n). */
#define SSE_WINDOW_COUNT 256
#define SSE_WINDOW_BYTES (1u << 20)

/* A poll answer carries at most this much; the client polls again at once. */
#define POLL_ANSWER_BYTES (256u << 10)

/* A poll body is {"after": n}. */
#define POLL_BODY_MAX 1024

typedef enum { VC_SSE, VC_POLL } vc_kind_t;

/* One client-chosen connection id: what the engine sees as a connection. */
typedef struct http_vconn {
    sig_http_carrier_t *carrier;
    char cid[SIG_CID_MAX + 1];
    vc_kind_t kind;
    sig_client_t *client;     /* NULL once handed back to the engine */
    sig_outbox_t *out;
    struct lws *wsi;          /* SSE: the open stream; long-poll: the held poll */
    uint64_t written_n;       /* SSE: newest n written to the current stream */
    uint64_t lost_n;          /* SSE: newest n dropped from the window unconfirmed */
    int64_t idle_since_ms;    /* when wsi last became NULL */
    int closed;               /* the engine closed it, or the outbox overflowed */
    int close_code;
    char close_reason[100];
} http_vconn_t;

struct sig_http_carrier {
    sig_engine_t *engine;
    sig_http_config_t cfg;
    char cors[1024];
    GHashTable *vconns;       /* cid -> http_vconn_t* (owned) */
};

typedef enum { HC_RPC = 1, HC_POLL, HC_SSE } hc_kind_t;

#define HC_MAGIC 0x53424843u

/* Per-request state in lws's per-connection memory. lws frees it when the
   HTTP transaction completes, so everything here lives for one request. */
typedef struct {
    uint32_t magic;           /* HC_MAGIC while the request is ours */
    hc_kind_t kind;
    http_vconn_t *vc;         /* SSE stream or held poll: whom it serves */
    char cid[SIG_CID_MAX + 1];
    char allow_origin[256];   /* echoed in Access-Control-Allow-Origin; "" = none */
    char *body;
    size_t body_len;
    size_t body_cap;
    uint64_t after;           /* poll: the client has every message <= after */
    int64_t deadline_ms;      /* poll: answer with nothing by then */
    int64_t last_write_ms;    /* SSE: heartbeat when idle */
    int created;              /* this request created (or reset) the connection */
    int hello_pending;        /* SSE: the hello frame is still to write */
    int ending;               /* SSE: replaced or finished; close at next writeable */
} http_conn_t;

/* http_carrier.c */
http_vconn_t *vc_lookup(sig_http_carrier_t *h, const char *cid);
/* Creates a connection, or answers 503 itself and returns NULL with the
   callback's result in *rc. */
http_vconn_t *vc_create_or_refuse(sig_http_carrier_t *h, struct lws *wsi, http_conn_t *hc,
                                  vc_kind_t kind, int refuse_new, int *rc);
void vc_destroy(http_vconn_t *vc, const char *why);
/* Detaches the request serving vc (stream or poll); it ends or answers empty. */
void vc_unhook(http_vconn_t *vc);
void vc_hook(http_vconn_t *vc, struct lws *wsi, http_conn_t *hc);
void hc_release(http_conn_t *hc);

int http_send(struct lws *wsi, http_conn_t *hc, unsigned int status, const char *type,
              const char *body, size_t len);
int http_send_stream_headers(struct lws *wsi, http_conn_t *hc);
/* Sends a JSON body, ends the request; returns the callback's result. */
int http_reply(struct lws *wsi, http_conn_t *hc, unsigned int status, const char *json);
int http_error(struct lws *wsi, http_conn_t *hc, unsigned int status, const char *code,
               const char *message);

/* sse_carrier.c */
int sse_open(sig_http_carrier_t *h, struct lws *wsi, http_conn_t *hc, int refuse_new);
int sse_writeable(sig_http_carrier_t *h, struct lws *wsi, http_conn_t *hc);

/* poll_carrier.c */
int poll_body_done(sig_http_carrier_t *h, struct lws *wsi, http_conn_t *hc, int refuse_new);
int poll_writeable(sig_http_carrier_t *h, struct lws *wsi, http_conn_t *hc);
int rpc_body_done(sig_http_carrier_t *h, struct lws *wsi, http_conn_t *hc);

#endif
