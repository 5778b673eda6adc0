/*
 * The HTTP carriers' core: virtual connections (one sig_client_t and one
 * outbox per client-chosen connection id), the engine's send/close callbacks,
 * request routing and validation (method, CORS origin, connection id, body
 * size), replies, and the timers (heartbeats, poll timeouts, idle expiry).
 * The endpoints themselves are in sse_carrier.c and poll_carrier.c.
 */
#include "signaling/http_carrier_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/log.h"
#include "signaling/ws_carrier.h" /* sig_now_ms */

/* ---- virtual connections ---- */

static void vc_send(void *conn, const char *text, size_t len)
{
    http_vconn_t *vc = conn;
    if (vc->closed)
        return;
    int rc = sig_outbox_push(vc->out, text, len);
    if (rc != 0) {
        /* Called from inside the engine: only mark it here; the writer or the
           tick hands the client back (sig_client_destroy) outside the engine. */
        LOG_WARN("[%s %.8s] %s; dropping the connection (its session can resume)",
                 vc->kind == VC_SSE ? "sse" : "long-poll", vc->cid,
                 rc == SIG_OUTBOX_EFULL ? "client too slow: outbox full" : "out of memory");
        sig_outbox_clear(vc->out);
        vc->closed = 1;
        vc->close_code = 1008;
        snprintf(vc->close_reason, sizeof vc->close_reason, "too slow: messages backed up");
    }
    if (vc->wsi)
        lws_callback_on_writable(vc->wsi);
}

static void vc_close(void *conn, int code, const char *reason)
{
    http_vconn_t *vc = conn;
    if (vc->closed)
        return;
    vc->closed = 1;
    vc->close_code = code;
    snprintf(vc->close_reason, sizeof vc->close_reason, "%s", reason);
    if (vc->wsi)
        lws_callback_on_writable(vc->wsi);
}

static const sig_carrier_ops_t vc_ops = {.send = vc_send, .close = vc_close};

http_vconn_t *vc_lookup(sig_http_carrier_t *h, const char *cid)
{
    return g_hash_table_lookup(h->vconns, cid);
}

http_vconn_t *vc_create_or_refuse(sig_http_carrier_t *h, struct lws *wsi, http_conn_t *hc,
                                  vc_kind_t kind, int refuse_new, int *rc)
{
    if (refuse_new) {
        *rc = http_error(wsi, hc, HTTP_STATUS_SERVICE_UNAVAILABLE, "shutting_down",
                   "the server is stopping");
        return NULL;
    }
    if ((int)g_hash_table_size(h->vconns) >= h->cfg.max_connections) {
        LOG_WARN("refusing an HTTP carrier connection: %d open (--max-http-connections)",
                 h->cfg.max_connections);
        *rc = http_error(wsi, hc, HTTP_STATUS_SERVICE_UNAVAILABLE, "too_many_connections",
                   "the server holds its maximum of SSE and long-poll connections");
        return NULL;
    }
    http_vconn_t *vc = calloc(1, sizeof *vc);
    char peer[64] = "?";
    lws_get_peer_simple(wsi, peer, sizeof peer);
    if (vc) {
        vc->carrier = h;
        vc->kind = kind;
        snprintf(vc->cid, sizeof vc->cid, "%s", hc->cid);
        vc->out = sig_outbox_create((size_t)h->cfg.outbox_messages, OUTBOX_MAX_BYTES);
        vc->client = sig_client_create(h->engine, &vc_ops, vc, kind == VC_SSE ? "sse" : "long-poll",
                                       peer);
        vc->idle_since_ms = sig_now_ms();
    }
    if (!vc || !vc->out || !vc->client) {
        if (vc) {
            sig_client_destroy(vc->client, sig_now_ms());
            sig_outbox_destroy(vc->out);
            free(vc);
        }
        *rc = http_error(wsi, hc, HTTP_STATUS_INTERNAL_SERVER_ERROR, "internal_error",
                         "out of memory");
        return NULL;
    }
    g_hash_table_insert(h->vconns, vc->cid, vc);
    hc->created = 1;
    *rc = 0;
    LOG_DEBUG("[%s %.8s] new connection from %s", kind == VC_SSE ? "sse" : "long-poll", vc->cid,
              peer);
    return vc;
}

void vc_hook(http_vconn_t *vc, struct lws *wsi, http_conn_t *hc)
{
    vc->wsi = wsi;
    hc->vc = vc;
}

void vc_unhook(http_vconn_t *vc)
{
    if (!vc->wsi)
        return;
    http_conn_t *hc = lws_wsi_user(vc->wsi);
    if (hc && hc->magic == HC_MAGIC && hc->vc == vc) {
        hc->vc = NULL;
        hc->ending = 1; /* an SSE stream closes; a held poll answers empty */
        lws_callback_on_writable(vc->wsi);
    }
    vc->wsi = NULL;
    vc->idle_since_ms = sig_now_ms();
}

/* Must not be called from inside an engine callback (send/close). */
void vc_destroy(http_vconn_t *vc, const char *why)
{
    LOG_DEBUG("[%s %.8s] connection gone: %s", vc->kind == VC_SSE ? "sse" : "long-poll", vc->cid,
              why);
    vc_unhook(vc);
    sig_client_destroy(vc->client, sig_now_ms());
    g_hash_table_remove(vc->carrier->vconns, vc->cid);
    sig_outbox_destroy(vc->out);
    free(vc);
}

/* Ends our hold on a request: detached from its connection, body freed. */
void hc_release(http_conn_t *hc)
{
    if (hc->magic != HC_MAGIC)
        return;
    if (hc->vc && hc->vc->wsi) {
        hc->vc->wsi = NULL;
        hc->vc->idle_since_ms = sig_now_ms();
    }
    hc->vc = NULL;
    free(hc->body);
    hc->body = NULL;
    hc->magic = 0;
}

/* ---- replies ---- */

static int add_header(struct lws *wsi, const char *name, const char *value, uint8_t **p,
                      uint8_t *end)
{
    return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                       (const unsigned char *)value, (int)strlen(value), p, end);
}

/* Cache-Control and, for allowed cross-origin callers, CORS (Fetch standard, "CORS protocol"). */
static int add_common(struct lws *wsi, http_conn_t *hc, uint8_t **p, uint8_t *end)
{
    if (add_header(wsi, "cache-control:", "no-store", p, end))
        return -1;
    if (hc->allow_origin[0] && (add_header(wsi, "access-control-allow-origin:", hc->allow_origin,
                                           p, end) ||
                                add_header(wsi, "vary:", "Origin", p, end)))
        return -1;
    return 0;
}

int http_send(struct lws *wsi, http_conn_t *hc, unsigned int status, const char *type,
              const char *body, size_t len)
{
    uint8_t head[LWS_PRE + 2048], *start = head + LWS_PRE, *p = start,
                                  *end = head + sizeof head - 1;
    if (lws_add_http_common_headers(wsi, status, type, (lws_filepos_t)len, &p, end) ||
        add_common(wsi, hc, &p, end))
        return -1;
    if (status == HTTP_STATUS_METHOD_NOT_ALLOWED &&
        add_header(wsi, "allow:", hc->kind == HC_SSE ? "GET, OPTIONS" : "POST, OPTIONS", &p, end))
        return -1;
    if (lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    if (len == 0)
        return 0;
    uint8_t *buf = malloc(LWS_PRE + len);
    if (!buf)
        return -1;
    memcpy(buf + LWS_PRE, body, len);
    int n = lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_HTTP_FINAL);
    free(buf);
    return n < (int)len ? -1 : 0;
}

int http_send_stream_headers(struct lws *wsi, http_conn_t *hc)
{
    uint8_t head[LWS_PRE + 2048], *start = head + LWS_PRE, *p = start,
                                  *end = head + sizeof head - 1;
    /* No length: the stream ends when the connection does. X-Accel-Buffering
       stops nginx from holding events back in its proxy buffer. */
    if (lws_add_http_common_headers(wsi, HTTP_STATUS_OK, "text/event-stream",
                                    LWS_ILLEGAL_HTTP_CONTENT_LEN, &p, end) ||
        add_common(wsi, hc, &p, end) || add_header(wsi, "x-accel-buffering:", "no", &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    return 0;
}

int http_reply(struct lws *wsi, http_conn_t *hc, unsigned int status, const char *json)
{
    int rc = http_send(wsi, hc, status, "application/json", json, strlen(json));
    hc_release(hc);
    if (rc != 0)
        return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

int http_error(struct lws *wsi, http_conn_t *hc, unsigned int status, const char *code,
               const char *message)
{
    json_t *o = json_pack("{s{ssss}}", "error", "code", code, "message", message);
    char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    int rc = http_reply(wsi, hc, status, body ? body : "{}");
    free(body);
    return rc;
}

/* ---- routing ---- */

static hc_kind_t path_kind(const char *uri, int len)
{
    if (len == 4 && memcmp(uri, "/sse", 4) == 0)
        return HC_SSE;
    if (len == 4 && memcmp(uri, "/rpc", 4) == 0)
        return HC_RPC;
    if (len == 5 && memcmp(uri, "/poll", 5) == 0)
        return HC_POLL;
    return 0;
}

/*
 * Same-origin requests and requests without Origin (not from a browser page)
 * pass; a cross-origin page must be on the allowlist, and then gets CORS
 * headers. Returns 0 to go on, -1 to refuse.
 */
static int check_origin(sig_http_carrier_t *h, struct lws *wsi, http_conn_t *hc)
{
    char origin[256], host[256];
    int olen = lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN);
    if (olen == 0)
        return 0;
    if (olen >= (int)sizeof origin || lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) < 0)
        return -1;
    if (sig_origin_listed(h->cors, origin)) {
        snprintf(hc->allow_origin, sizeof hc->allow_origin, "%s", origin);
        return 0;
    }
    if (lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST) > 0 && sig_origin_is_host(origin, host))
        return 0;
    return -1;
}

/* CORS preflight (Fetch standard, "CORS-preflight fetch"). */
static int preflight(struct lws *wsi, http_conn_t *hc)
{
    uint8_t head[LWS_PRE + 2048], *start = head + LWS_PRE, *p = start,
                                  *end = head + sizeof head - 1;
    int rc = -1;
    if (!lws_add_http_common_headers(wsi, HTTP_STATUS_NO_CONTENT, "text/plain", 0, &p, end) &&
        !add_common(wsi, hc, &p, end) &&
        !add_header(wsi, "access-control-allow-methods:", "GET, POST, OPTIONS", &p, end) &&
        !add_header(wsi, "access-control-allow-headers:",
                    "Content-Type, X-Switchboard-Connection, Last-Event-ID", &p, end) &&
        !add_header(wsi, "access-control-max-age:", "600", &p, end) &&
        !lws_finalize_write_http_header(wsi, start, &p, end))
        rc = 0;
    hc_release(hc);
    if (rc != 0)
        return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* POST /rpc and /poll: the connection id header and a bounded, declared body. */
static int begin_post(sig_http_carrier_t *h, struct lws *wsi, http_conn_t *hc)
{
    char clen[24];
    if (lws_hdr_custom_copy(wsi, hc->cid, sizeof hc->cid, "x-switchboard-connection:", 25) <= 0 ||
        !sig_http_cid_valid(hc->cid))
        return http_error(wsi, hc, HTTP_STATUS_BAD_REQUEST, "bad_connection_id",
                          "X-Switchboard-Connection must be 22-64 characters of A-Z a-z 0-9 - _");
    if (lws_hdr_copy(wsi, clen, sizeof clen, WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0)
        return http_error(wsi, hc, HTTP_STATUS_LENGTH_REQUIRED, "length_required",
                          "send the body with a Content-Length");
    unsigned long long declared = strtoull(clen, NULL, 10);
    size_t limit = hc->kind == HC_RPC ? sig_engine_max_message_bytes(h->engine) : POLL_BODY_MAX;
    if (declared > limit) {
        char why[96];
        snprintf(why, sizeof why, "the body is %llu bytes; the limit is %zu", declared, limit);
        /* Answered before reading: lws discards the body without keeping it. */
        return http_error(wsi, hc, HTTP_STATUS_REQ_ENTITY_TOO_LARGE, "message_too_large", why);
    }
    hc->body_cap = (size_t)declared;
    hc->body = malloc(hc->body_cap + 1);
    if (!hc->body)
        return http_error(wsi, hc, HTTP_STATUS_INTERNAL_SERVER_ERROR, "internal_error",
                          "out of memory");
    return 0;
}

static int on_http(sig_http_carrier_t *h, int refuse_new, struct lws *wsi, http_conn_t *hc)
{
    char *uri = NULL;
    int ulen = 0;
    int meth = lws_http_get_uri_and_method(wsi, &uri, &ulen);
    hc_kind_t kind = meth >= 0 && uri ? path_kind(uri, ulen) : 0;
    if (!kind)
        return SIG_HTTP_NOT_HANDLED;
    memset(hc, 0, sizeof *hc);
    hc->magic = HC_MAGIC;
    hc->kind = kind;
    if (check_origin(h, wsi, hc) != 0)
        return http_error(wsi, hc, HTTP_STATUS_FORBIDDEN, "origin_not_allowed",
                          "this origin may not use the server (see --cors-origins)");
    if (meth == LWSHUMETH_OPTIONS)
        return preflight(wsi, hc);
    if ((kind == HC_SSE && meth != LWSHUMETH_GET) || (kind != HC_SSE && meth != LWSHUMETH_POST))
        return http_error(wsi, hc, HTTP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed",
                          kind == HC_SSE ? "use GET" : "use POST");
    if (kind == HC_SSE)
        return sse_open(h, wsi, hc, refuse_new);
    return begin_post(h, wsi, hc);
}

static int on_body(http_conn_t *hc, const void *in, size_t len)
{
    if (hc->body_len + len > hc->body_cap)
        return -1; /* more than Content-Length said: lws does not allow it */
    memcpy(hc->body + hc->body_len, in, len);
    hc->body_len += len;
    return 0;
}

int sig_http_carrier_callback(sig_http_carrier_t *h, int refuse_new, struct lws *wsi,
                              enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    http_conn_t *hc = user;
    if (reason == LWS_CALLBACK_HTTP)
        return hc ? on_http(h, refuse_new, wsi, hc) : SIG_HTTP_NOT_HANDLED;
    if (!hc || hc->magic != HC_MAGIC)
        return SIG_HTTP_NOT_HANDLED;
    switch (reason) {
    case LWS_CALLBACK_HTTP_BODY:
        return hc->body ? on_body(hc, in, len) : 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (hc->body)
            hc->body[hc->body_len] = '\0';
        if (hc->kind == HC_RPC)
            return rpc_body_done(h, wsi, hc);
        return hc->kind == HC_POLL ? poll_body_done(h, wsi, hc, refuse_new) : 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (hc->kind == HC_SSE)
            return sse_writeable(h, wsi, hc);
        return hc->kind == HC_POLL ? poll_writeable(h, wsi, hc) : 0;
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        hc_release(hc);
        return SIG_HTTP_NOT_HANDLED; /* lws's own handling continues */
    default:
        return SIG_HTTP_NOT_HANDLED;
    }
}

/* ---- lifetime and timers ---- */

sig_http_carrier_t *sig_http_carrier_create(sig_engine_t *engine, const sig_http_config_t *cfg)
{
    sig_http_carrier_t *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->engine = engine;
    h->cfg = *cfg;
    snprintf(h->cors, sizeof h->cors, "%s", cfg->cors_origins ? cfg->cors_origins : "");
    h->cfg.cors_origins = h->cors;
    if (h->cfg.outbox_messages < 16)
        h->cfg.outbox_messages = 1024;
    h->vconns = g_hash_table_new(g_str_hash, g_str_equal);
    return h;
}

void sig_http_carrier_destroy(sig_http_carrier_t *h)
{
    if (!h)
        return;
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, h->vconns);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        http_vconn_t *vc = value;
        g_hash_table_iter_steal(&it);
        vc->wsi = NULL; /* every request is gone with the lws context */
        sig_client_destroy(vc->client, sig_now_ms());
        sig_outbox_destroy(vc->out);
        free(vc);
    }
    g_hash_table_destroy(h->vconns);
    free(h);
}

/* One connection's timers; returns 1 when it has expired. */
static int vc_tick(sig_http_carrier_t *h, http_vconn_t *vc, int64_t now_ms)
{
    if (vc->closed && vc->client && !vc->wsi) {
        /* Nobody to tell right now: give the session back to the engine; the
           close notice waits for the next stream or poll. */
        sig_client_destroy(vc->client, now_ms);
        vc->client = NULL;
    }
    if (!vc->wsi)
        return now_ms - vc->idle_since_ms >= h->cfg.idle_timeout_ms;
    http_conn_t *hc = lws_wsi_user(vc->wsi);
    if (!hc || hc->magic != HC_MAGIC)
        return 0;
    if (vc->kind == VC_SSE && now_ms - hc->last_write_ms >= h->cfg.sse_heartbeat_ms)
        lws_callback_on_writable(vc->wsi);
    if (vc->kind == VC_POLL && now_ms >= hc->deadline_ms)
        lws_callback_on_writable(vc->wsi);
    return 0;
}

void sig_http_carrier_tick(sig_http_carrier_t *h, int64_t now_ms)
{
    GPtrArray *expired = g_ptr_array_new();
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, h->vconns);
    while (g_hash_table_iter_next(&it, NULL, &value))
        if (vc_tick(h, value, now_ms))
            g_ptr_array_add(expired, value);
    for (guint i = 0; i < expired->len; i++) {
        http_vconn_t *vc = g_ptr_array_index(expired, i);
        LOG_INFO("[%s %.8s] no stream or poll for %lld ms; dropping the connection",
                 vc->kind == VC_SSE ? "sse" : "long-poll", vc->cid,
                 (long long)h->cfg.idle_timeout_ms);
        vc_destroy(vc, "idle");
    }
    g_ptr_array_free(expired, TRUE);
}

size_t sig_http_carrier_conn_size(void)
{
    return sizeof(http_conn_t);
}
