/*
 * POST /poll (the long-poll carrier's server -> client half) and POST /rpc
 * (requests, for both HTTP carriers).
 *
 * A poll says {"after": n}: the client has every message numbered <= n. The
 * server forgets those, answers at once with what follows, or holds the
 * request until something arrives or the poll timeout passes. A lost answer
 * costs nothing: the next poll repeats the same `after` and gets the same
 * messages again, so delivery is exact.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/log.h"
#include "signaling/http_carrier_internal.h"
#include "signaling/ws_carrier.h" /* sig_now_ms */

int rpc_body_done(sig_http_carrier_t *h, struct lws *wsi, http_conn_t *hc)
{
    http_vconn_t *vc = vc_lookup(h, hc->cid);
    if (!vc)
        return http_error(wsi, hc, HTTP_STATUS_NOT_FOUND, "unknown_connection",
                          "no connection with this id (it expired, or was never opened): open "
                          "/sse or /poll with a new id and resume");
    if (vc->closed) {
        char why[160];
        snprintf(why, sizeof why, "this connection was closed (%d %s)", vc->close_code,
                 vc->close_reason);
        return http_error(wsi, hc, HTTP_STATUS_GONE, "connection_closed", why);
    }
    /* The engine answers on the stream or poll, in order with events, exactly
       as on a WebSocket; bad JSON gets its bad_json response there too. */
    sig_client_handle_text(vc->client, hc->body ? hc->body : "", hc->body_len, sig_now_ms());
    return http_reply(wsi, hc, 202, "{\"accepted\":true}");
}

static char *closed_json(const http_vconn_t *vc)
{
    json_t *o = json_pack("{siss}", "code", vc->close_code, "reason", vc->close_reason);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return s;
}

/*
 * Answers the poll in hc with vc's messages after hc->after (up to
 * POLL_ANSWER_BYTES, at least one), `next` = the newest number included,
 * `created` when this poll made the connection, `closed` once the outbox is
 * through on a closed connection (which is then freed). vc may be NULL: an
 * empty answer for a poll that was replaced.
 */
static int poll_answer(struct lws *wsi, http_conn_t *hc, http_vconn_t *vc)
{
    GString *s = g_string_sized_new(256);
    uint64_t n = hc->after;
    int finish = 0;
    g_string_append(s, "{\"messages\":[");
    if (vc) {
        uint64_t floor = sig_outbox_first_n(vc->out) - 1, last = sig_outbox_last_n(vc->out);
        n = n > floor ? n : floor;
        n = n < last ? n : last;
        const sig_outbox_msg_t *m;
        int any = 0;
        while ((s->len < POLL_ANSWER_BYTES || !any) && (m = sig_outbox_get(vc->out, n + 1)) != NULL) {
            if (any)
                g_string_append_c(s, ',');
            g_string_append_len(s, m->text, (gssize)m->len);
            n = m->n;
            any = 1;
        }
        finish = vc->closed && !sig_outbox_get(vc->out, n + 1);
    }
    g_string_append_printf(s, "],\"next\":%llu", (unsigned long long)n);
    if (hc->created)
        g_string_append(s, ",\"created\":true");
    char *closed = finish ? closed_json(vc) : NULL;
    if (closed)
        g_string_append_printf(s, ",\"closed\":%s", closed);
    g_string_append_c(s, '}');
    free(closed);
    int rc = http_reply(wsi, hc, HTTP_STATUS_OK, s->str);
    g_string_free(s, TRUE);
    if (finish)
        vc_destroy(vc, "closed");
    return rc;
}

int poll_body_done(sig_http_carrier_t *h, struct lws *wsi, http_conn_t *hc, int refuse_new)
{
    char why[128];
    uint64_t after;
    if (sig_poll_parse_after(hc->body, hc->body_len, &after, why, sizeof why) != 0)
        return http_error(wsi, hc, HTTP_STATUS_BAD_REQUEST, "bad_request", why);
    hc->after = after;
    http_vconn_t *vc = vc_lookup(h, hc->cid);
    if (vc && vc->kind != VC_POLL)
        return http_error(wsi, hc, HTTP_STATUS_CONFLICT, "wrong_carrier",
                          "this connection id belongs to an SSE connection");
    if (vc && after > sig_outbox_last_n(vc->out)) {
        LOG_INFO("[long-poll %.8s] poll after %llu, but only %llu were sent; resetting", vc->cid,
                 (unsigned long long)after, (unsigned long long)sig_outbox_last_n(vc->out));
        vc_destroy(vc, "reset");
        vc = NULL;
    }
    if (!vc) {
        int rc;
        vc = vc_create_or_refuse(h, wsi, hc, VC_POLL, refuse_new, &rc);
        return vc ? poll_answer(wsi, hc, vc) : rc; /* tell the client at once: created */
    }
    sig_outbox_drop_through(vc->out, after);
    vc_unhook(vc); /* an older poll still held answers empty */
    if (sig_outbox_count(vc->out) > 0 || vc->closed)
        return poll_answer(wsi, hc, vc);
    vc_hook(vc, wsi, hc);
    hc->deadline_ms = sig_now_ms() + h->cfg.poll_timeout_ms;
    lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0); /* we time it ourselves */
    return 0;
}

int poll_writeable(sig_http_carrier_t *h, struct lws *wsi, http_conn_t *hc)
{
    http_vconn_t *vc = hc->vc;
    if (!vc && !hc->ending)
        return 0; /* not holding (already answered) */
    if (vc && sig_outbox_count(vc->out) == 0 && !vc->closed && sig_now_ms() < hc->deadline_ms)
        return 0; /* nothing yet: keep holding */
    return poll_answer(wsi, hc, vc);
}
