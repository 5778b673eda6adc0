/*
 * GET /sse?cid=<id>: the server -> client half of the SSE carrier. Opens (or
 * re-attaches to) a virtual connection and streams its outbox as SSE frames,
 * `id: <n>` on each, so a reconnect's Last-Event-ID tells us exactly what the
 * client received. Requests go by POST /rpc (poll_carrier.c).
 *
 * Delivery rule: messages written to a stream stay in the outbox (up to
 * SSE_WINDOW_*) until a reconnect confirms them. A reconnect with
 * Last-Event-ID K drops 1..K and writes everything after K again; if K is
 * one we cannot vouch for (newer than anything written, or older than a
 * message we already let go unconfirmed) the connection is reset: a fresh
 * one, `created: true` in the hello, and the client resumes its session.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/log.h"
#include "signaling/http_carrier_internal.h"
#include "signaling/ws_carrier.h" /* sig_now_ms */

/* One lws_write per writeable callback carries about this much. */
#define SSE_BATCH_BYTES (16u << 10)

/* EventSource waits this long before reconnecting (the "retry" field). */
#define SSE_RETRY_MS 1000

typedef struct {
    uint8_t *buf;             /* LWS_PRE headroom, then len bytes of frames */
    size_t len;
    size_t cap;               /* bytes after the headroom */
} frames_t;

static int frames_reserve(frames_t *f, size_t more)
{
    if (f->len + more + 1 <= f->cap)
        return 0;
    size_t cap = f->cap ? f->cap : 4096;
    while (cap < f->len + more + 1)
        cap *= 2;
    uint8_t *b = realloc(f->buf, LWS_PRE + cap);
    if (!b)
        return -1;
    f->buf = b;
    f->cap = cap;
    return 0;
}

static int frames_add(frames_t *f, uint64_t id, const char *event, const char *data, size_t len)
{
    size_t need = sig_sse_frame(NULL, 0, id, event, data, len);
    if (frames_reserve(f, need) != 0)
        return -1;
    sig_sse_frame((char *)f->buf + LWS_PRE + f->len, f->cap - f->len, id, event, data, len);
    f->len += need;
    return 0;
}

/* A line that is not a message: a "retry:" field or a ": comment". */
static int frames_add_line(frames_t *f, const char *text)
{
    size_t len = strlen(text);
    if (frames_reserve(f, len) != 0)
        return -1;
    memcpy(f->buf + LWS_PRE + f->len, text, len);
    f->len += len;
    return 0;
}

/* Can the client's Last-Event-ID k be honoured exactly? Then forget 1..k. */
static int sse_confirm(http_vconn_t *vc, uint64_t k)
{
    if (k > vc->written_n || k < vc->lost_n)
        return -1;
    sig_outbox_drop_through(vc->out, k);
    uint64_t floor = sig_outbox_first_n(vc->out) - 1;
    vc->written_n = k > floor ? k : floor;
    vc->lost_n = 0;
    return 0;
}

/* Keeps the written-but-unconfirmed window bounded. */
static void sse_trim(http_vconn_t *vc)
{
    for (;;) {
        uint64_t first = sig_outbox_first_n(vc->out);
        if (first > vc->written_n)
            return;
        if (vc->written_n - first + 1 <= SSE_WINDOW_COUNT &&
            sig_outbox_bytes(vc->out) <= SSE_WINDOW_BYTES)
            return;
        sig_outbox_drop_through(vc->out, first);
        vc->lost_n = first;
    }
}

/* Last-Event-ID, or ?lastEventId= for a client that opens a new EventSource
   (which cannot set headers) and still knows what it received. */
static uint64_t last_event_id(struct lws *wsi)
{
    char buf[32];
    if (lws_hdr_custom_copy(wsi, buf, sizeof buf, "last-event-id:", 14) > 0)
        return sig_sse_parse_id(buf);
    char arg[48];
    const char *v = lws_get_urlarg_by_name(wsi, "lastEventId=", arg, sizeof arg);
    return v ? sig_sse_parse_id(v) : 0;
}

static int read_cid(struct lws *wsi, http_conn_t *hc)
{
    char arg[SIG_CID_MAX + 8];
    const char *v = lws_get_urlarg_by_name(wsi, "cid=", arg, sizeof arg);
    if (!v || strlen(v) > SIG_CID_MAX || !sig_http_cid_valid(v))
        return -1;
    snprintf(hc->cid, sizeof hc->cid, "%s", v);
    return 0;
}

int sse_open(sig_http_carrier_t *h, struct lws *wsi, http_conn_t *hc, int refuse_new)
{
    if (read_cid(wsi, hc) != 0)
        return http_error(wsi, hc, HTTP_STATUS_BAD_REQUEST, "bad_connection_id",
                          "?cid= must be 22-64 characters of A-Z a-z 0-9 - _");
    uint64_t k = last_event_id(wsi);
    http_vconn_t *vc = vc_lookup(h, hc->cid);
    if (vc && vc->kind != VC_SSE)
        return http_error(wsi, hc, HTTP_STATUS_CONFLICT, "wrong_carrier",
                          "this connection id belongs to a long-poll connection");
    if (vc && sse_confirm(vc, k) != 0) {
        LOG_INFO("[sse %.8s] reconnect with Last-Event-ID %llu, written %llu, unconfirmed drops "
                 "through %llu: cannot replay exactly; resetting (the client resumes)",
                 vc->cid, (unsigned long long)k, (unsigned long long)vc->written_n,
                 (unsigned long long)vc->lost_n);
        vc_destroy(vc, "reset");
        vc = NULL;
    }
    if (!vc) {
        int rc;
        vc = vc_create_or_refuse(h, wsi, hc, VC_SSE, refuse_new, &rc);
        if (!vc)
            return rc;
    }
    vc_unhook(vc); /* a newer stream replaces the old one */
    if (http_send_stream_headers(wsi, hc) != 0)
        return -1;
    vc_hook(vc, wsi, hc);
    hc->hello_pending = 1;
    hc->last_write_ms = sig_now_ms();
    /* A stream without an lws timeout (we send heartbeats); its header table
       goes back to the pool, everything we need from it is copied.
       (lws_http_mark_sse does the same plus an h2-only step that logs an
       error on HTTP/1.1.) */
    lws_http_headers_detach(wsi);
    lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
    lws_callback_on_writable(wsi);
    return 0;
}

static int add_hello(sig_http_carrier_t *h, frames_t *f, http_conn_t *hc, http_vconn_t *vc)
{
    char retry[32], data[160];
    snprintf(retry, sizeof retry, "retry: %d\n", SSE_RETRY_MS);
    int n = snprintf(data, sizeof data, "{\"cid\":\"%s\",\"created\":%s,\"heartbeatMs\":%lld}",
                     vc->cid, hc->created ? "true" : "false", (long long)h->cfg.sse_heartbeat_ms);
    return frames_add_line(f, retry) || frames_add(f, 0, "hello", data, (size_t)n);
}

static int add_close(frames_t *f, http_vconn_t *vc)
{
    json_t *o = json_pack("{siss}", "code", vc->close_code, "reason", vc->close_reason);
    char *data = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    int rc = data ? frames_add(f, 0, "close", data, strlen(data)) : -1;
    free(data);
    return rc;
}

/*
 * Writes the hello, then outbox messages after written_n (a batch), then the
 * close notice once the outbox is through; a heartbeat comment when there is
 * nothing else and the stream has been quiet.
 */
int sse_writeable(sig_http_carrier_t *h, struct lws *wsi, http_conn_t *hc)
{
    http_vconn_t *vc = hc->vc;
    if (!vc || hc->ending)
        return -1; /* replaced or finished: close the socket */
    int64_t now = sig_now_ms();
    frames_t f = {0};
    int fail = hc->hello_pending ? add_hello(h, &f, hc, vc) : 0;
    uint64_t n = vc->written_n;
    const sig_outbox_msg_t *m;
    while (!fail && f.len < SSE_BATCH_BYTES && (m = sig_outbox_get(vc->out, n + 1)) != NULL) {
        fail = frames_add(&f, m->n, NULL, m->text, m->len);
        n = m->n;
    }
    int finish = vc->closed && !sig_outbox_get(vc->out, n + 1);
    if (!fail && finish)
        fail = add_close(&f, vc);
    if (!fail && f.len == 0 && now - hc->last_write_ms >= h->cfg.sse_heartbeat_ms)
        fail = frames_add_line(&f, ": hb\n\n");
    if (fail || f.len == 0) {
        free(f.buf);
        return fail ? -1 : 0;
    }
    int wrote = lws_write(wsi, f.buf + LWS_PRE, f.len, LWS_WRITE_HTTP);
    free(f.buf);
    if (wrote < 0)
        return -1;
    hc->hello_pending = 0;
    hc->last_write_ms = now;
    vc->written_n = n;
    sse_trim(vc);
    if (finish)
        vc_destroy(vc, "closed"); /* this stream ends at its next writeable */
    else if (sig_outbox_get(vc->out, vc->written_n + 1))
        lws_callback_on_writable(wsi);
    return 0;
}
