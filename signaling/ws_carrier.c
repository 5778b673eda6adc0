#include "signaling/ws_carrier.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/log.h"

/* A slow reader may fall this far behind before we drop its socket; its
   session survives and resume replays from the ring. */
#define OUT_QUEUE_MAX_BYTES (4u << 20)

typedef struct {
    struct lws *wsi;
    sig_client_t *client;
    GQueue *out;              /* uint8_t[LWS_PRE + len] buffers, see out_msg_t */
    size_t out_bytes;
    char *rx;                 /* message being reassembled */
    size_t rx_len;
    size_t rx_cap;
    int rx_oversize;          /* current message passed the limit: discarding */
    int rx_binary;
    int close_code;           /* nonzero: close once the queue is written */
    int close_sent;           /* the close frame went out: wait for the peer's */
    char close_reason[100];
} ws_conn_t;

typedef struct {
    size_t len;
    uint8_t bytes[];          /* LWS_PRE headroom, then the message */
} out_msg_t;

size_t sig_ws_carrier_conn_size(void)
{
    return sizeof(ws_conn_t);
}

static void conn_send(void *conn, const char *text, size_t len)
{
    ws_conn_t *c = conn;
    if (c->close_code)
        return;
    if (c->out_bytes + len > OUT_QUEUE_MAX_BYTES) {
        LOG_WARN("websocket reader too slow (%zu bytes queued); dropping the socket", c->out_bytes);
        c->close_code = 1008;
        snprintf(c->close_reason, sizeof c->close_reason, "too slow: messages backed up");
        lws_callback_on_writable(c->wsi);
        return;
    }
    out_msg_t *m = malloc(sizeof *m + LWS_PRE + len);
    if (!m)
        return;
    m->len = len;
    memcpy(m->bytes + LWS_PRE, text, len);
    g_queue_push_tail(c->out, m);
    c->out_bytes += len;
    lws_callback_on_writable(c->wsi);
}

static void conn_close(void *conn, int code, const char *reason)
{
    ws_conn_t *c = conn;
    if (c->close_code)
        return;
    c->close_code = code;
    snprintf(c->close_reason, sizeof c->close_reason, "%s", reason);
    lws_callback_on_writable(c->wsi);
}

static const sig_carrier_ops_t ws_ops = {.send = conn_send, .close = conn_close};

static int on_established(sig_engine_t *engine, ws_conn_t *c, struct lws *wsi)
{
    char peer[64] = "?";
    lws_get_peer_simple(wsi, peer, sizeof peer);
    memset(c, 0, sizeof *c);
    c->wsi = wsi;
    c->out = g_queue_new();
    c->client = sig_client_create(engine, &ws_ops, c, "websocket", peer);
    LOG_DEBUG("websocket connection from %s", peer);
    return c->client ? 0 : -1;
}

static void on_closed(ws_conn_t *c)
{
    if (!c->out)
        return; /* never established */
    sig_client_destroy(c->client, sig_now_ms());
    c->client = NULL;
    out_msg_t *m;
    while ((m = g_queue_pop_head(c->out)) != NULL)
        free(m);
    g_queue_free(c->out);
    c->out = NULL;
    free(c->rx);
    c->rx = NULL;
}

static int on_writeable(ws_conn_t *c)
{
    out_msg_t *m = g_queue_pop_head(c->out);
    if (m) {
        c->out_bytes -= m->len;
        int n = lws_write(c->wsi, m->bytes + LWS_PRE, m->len, LWS_WRITE_TEXT);
        free(m);
        if (n < 0)
            return -1;
        if (!g_queue_is_empty(c->out) || c->close_code)
            lws_callback_on_writable(c->wsi);
        return 0;
    }
    if (c->close_code && !c->close_sent) {
        /* Returning -1 once makes lws send the close frame and wait for the
           peer's answer while it drains what the peer already sent; closing
           the socket with unread data would reset it, and the peer would
           lose our last responses and the reason. */
        c->close_sent = 1;
        lws_close_reason(c->wsi, (enum lws_close_status)c->close_code,
                         (unsigned char *)c->close_reason, strlen(c->close_reason));
        return -1;
    }
    return 0;
}

/* Appends one fragment; keeps at most max_bytes of a message. */
static void on_receive(ws_conn_t *c, struct lws *wsi, const char *in, size_t len, size_t max_bytes)
{
    if (lws_is_first_fragment(wsi)) {
        c->rx_len = 0;
        c->rx_oversize = 0;
        c->rx_binary = lws_frame_is_binary(wsi);
    }
    if (!c->rx_oversize && c->rx_len + len > max_bytes) {
        c->rx_oversize = 1;
        free(c->rx);
        c->rx = NULL;
        c->rx_cap = 0;
    }
    if (c->rx_oversize) {
        c->rx_len += len; /* count only */
    } else {
        if (c->rx_len + len + 1 > c->rx_cap) {
            size_t cap = c->rx_cap ? c->rx_cap : 4096;
            while (cap < c->rx_len + len + 1)
                cap *= 2;
            char *n = realloc(c->rx, cap);
            if (!n)
                return;
            c->rx = n;
            c->rx_cap = cap;
        }
        memcpy(c->rx + c->rx_len, in, len);
        c->rx_len += len;
    }
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
        return;
    int64_t now = sig_now_ms();
    if (c->rx_oversize) {
        char why[96];
        snprintf(why, sizeof why, "message is %zu bytes; the limit is %zu", c->rx_len, max_bytes);
        sig_client_reject(c->client, SIG_ERR_TOO_LARGE, why, now);
    } else if (c->rx_binary) {
        sig_client_reject(c->client, SIG_ERR_INVALID_REQUEST,
                          "binary frames are not part of the protocol; send JSON text", now);
    } else
        sig_client_handle_text(c->client, c->rx ? c->rx : "", c->rx_len, now);
    /* Do not keep a big buffer around for a connection that sent one big message. */
    if (c->rx_cap > 65536) {
        free(c->rx);
        c->rx = NULL;
        c->rx_cap = 0;
    }
    c->rx_len = 0;
}

static int is_ws_path(struct lws *wsi)
{
    char uri[64];
    return lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) > 0 &&
           (strcmp(uri, "/ws") == 0 || strncmp(uri, "/ws?", 4) == 0);
}

int sig_ws_carrier_callback(sig_engine_t *engine, int refuse_new, struct lws *wsi,
                            enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    ws_conn_t *c = user;
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        /* WebSocket upgrades are accepted on /ws only. */
        return (is_ws_path(wsi) && !refuse_new) ? 0 : -1;
    case LWS_CALLBACK_ESTABLISHED:
        return on_established(engine, c, wsi);
    case LWS_CALLBACK_CLOSED:
        on_closed(c);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return c->out ? on_writeable(c) : 0;
    case LWS_CALLBACK_RECEIVE:
        on_receive(c, wsi, in, len, (size_t)sig_engine_max_message_bytes(engine));
        return 0;
    default:
        return SIG_WS_NOT_HANDLED;
    }
}
