/*
 * The worker-side room: peers, transports, the room timer, method dispatch
 * and teardown. Send-side methods are in media_publish.c, receive-side ones
 * in media_subscribe.c. See media_room.h and MEDIA.md.
 */
#include "sfu/media_room_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/log.h"
#include "sfu/media_dc.h"

/* ---- small helpers ----------------------------------------------------------- */

uint32_t media_room_next_id(sfu_media_room_t *r)
{
    return atomic_fetch_add(r->env.next_id, 1) + 1;
}

uint32_t media_random_ssrc(void)
{
    uint32_t s;
    do
        s = g_random_int();
    while (s == 0);
    return s;
}

const char *media_kind_name(sdp_media_kind_t kind)
{
    return kind == SDP_MEDIA_AUDIO ? "audio" : kind == SDP_MEDIA_VIDEO ? "video" : "other";
}

uint32_t media_parse_id(const char *s, char prefix)
{
    char *end;
    if (!s || s[0] != prefix || s[1] < '1' || s[1] > '9')
        return 0;
    unsigned long v = strtoul(s + 1, &end, 10);
    return *end == '\0' && v <= UINT32_MAX ? (uint32_t)v : 0;
}

const char *media_json_str(json_t *data, const char *key)
{
    json_t *v = json_is_object(data) ? json_object_get(data, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

void media_room_event(sfu_media_room_t *r, uint32_t peer_id, const char *event, json_t *data)
{
    if (!data)
        return;
    r->env.sink->event(r->env.sink->ctx, r->id, peer_id, event, data);
}

void media_room_reply_ok(sfu_media_room_t *r, uint64_t ref, json_t *data)
{
    r->env.sink->reply(r->env.sink->ctx, ref, NULL, NULL, data ? data : json_object());
}

void media_room_reply_error(sfu_media_room_t *r, uint64_t ref, const char *code,
                            const char *message)
{
    r->env.sink->reply(r->env.sink->ctx, ref, code, message, NULL);
}

media_peer_t *media_room_peer(sfu_media_room_t *r, uint32_t peer_id)
{
    for (guint i = 0; i < r->peers->len; i++) {
        media_peer_t *p = g_ptr_array_index(r->peers, i);
        if (p->id == peer_id)
            return p;
    }
    return NULL;
}

/* ---- transports ------------------------------------------------------------------ */

static int64_t now_us(void)
{
    return g_get_monotonic_time();
}

static int tp_send_rtp(void *user, const uint8_t *buf, size_t len)
{
    return sfu_transport_send_rtp(((media_tp_t *)user)->t, buf, len);
}

static int tp_send_rtcp(void *user, const uint8_t *buf, size_t len)
{
    return sfu_transport_send_rtcp(((media_tp_t *)user)->t, buf, len);
}

static void tp_on_rtp(sfu_transport_t *t, uint8_t *buf, size_t len, void *user)
{
    media_tp_t *tp = user;
    /* The arrival time, not now: bandwidth feedback depends on it. */
    if (!tp->recv && tp->peer->in)
        sfu_router_in_handle_rtp(tp->peer->in, buf, len, sfu_transport_rx_time(t));
}

static void tp_on_rtcp(sfu_transport_t *t, uint8_t *buf, size_t len, void *user)
{
    media_tp_t *tp = user;
    if (tp->recv && tp->peer->out)
        sfu_router_out_handle_rtcp(tp->peer->out, buf, len, now_us());
    else if (!tp->recv && tp->peer->in)
        sfu_router_in_handle_rtcp(tp->peer->in, buf, len, now_us());
}

static void tp_on_app(sfu_transport_t *t, const uint8_t *buf, size_t len, void *user)
{
    media_dc_app_data(user, buf, len);
}

static gboolean reap(gpointer data);

/* Failure teardown destroys the transport, which a transport callback must
 * not do: it is deferred to an idle source on the same loop. */
static void schedule_reap(sfu_media_room_t *r)
{
    if (r->reaper)
        return;
    r->reaper = g_idle_source_new();
    g_source_set_callback(r->reaper, reap, r, NULL);
    g_source_attach(r->reaper, r->env.ctx);
}

static void tp_on_state(sfu_transport_t *t, sfu_transport_state_t st, void *user)
{
    media_tp_t *tp = user;
    sfu_media_room_t *r = tp->room;
    tp->state = st;
    tp->out.connected = st == SFU_TRANSPORT_CONNECTED;
    media_dc_state(tp, st);
    LOG_INFO("[peer p%u] %s transport %s%s%s", tp->peer->id, tp->recv ? "recv" : "send",
             sfu_transport_state_name(st), st == SFU_TRANSPORT_FAILED ? ": " : "",
             st == SFU_TRANSPORT_FAILED ? sfu_transport_failure_reason(t) : "");
    if (st == SFU_TRANSPORT_CONNECTED) {
        media_room_event(r, tp->peer->id, "transport-state",
                         json_pack("{ssss}", "transport", tp->recv ? "recv" : "send",
                                   "state", "connected"));
        if (tp->recv && tp->peer->out)
            sfu_router_out_request_keyframes(tp->peer->out, now_us());
    } else if (st == SFU_TRANSPORT_FAILED || st == SFU_TRANSPORT_CLOSED) {
        schedule_reap(r);
    }
}

media_tp_t *media_tp_create(sfu_media_room_t *r, media_peer_t *p, int recv)
{
    media_tp_t *tp = calloc(1, sizeof *tp);
    if (!tp)
        return NULL;
    tp->room = r;
    tp->peer = p;
    tp->recv = recv;
    tp->out = (sfu_packet_out_t){tp_send_rtp, tp_send_rtcp, tp, 0, 1};
    tp->session_id = ((uint64_t)g_random_int() << 30) ^ g_random_int();
    tp->rtcp_ssrc = media_random_ssrc();
    sfu_transport_callbacks_t cb = {tp_on_rtp, tp_on_rtcp, tp_on_app, tp_on_state, NULL, NULL, tp};
    tp->t = sfu_transport_create(r->env.ctx, &r->env.tcfg, r->env.cert, &cb);
    if (!tp->t) {
        LOG_WARN("[peer p%u] cannot create a %s transport (ports exhausted?)", p->id,
                 recv ? "recv" : "send");
        free(tp);
        return NULL;
    }
    SFU_COUNT(r->env.counters, transports);
    return tp;
}

void media_tp_destroy(sfu_media_room_t *r, media_tp_t *tp)
{
    if (!tp)
        return;
    media_dc_closed(tp);
    if (tp->state != SFU_TRANSPORT_FAILED && tp->state != SFU_TRANSPORT_CLOSED)
        sfu_transport_close(tp->t); /* close_notify: the browser learns at once */
    sfu_transport_destroy(tp->t);
    SFU_COUNT_ADD(r->env.counters, transports, -1);
    free(tp);
}

/* A failed transport: tell the peer, drop what rode on it. The peer can
 * publish or subscribe again, which makes a new transport. */
static void reap_transport(sfu_media_room_t *r, media_peer_t *p, int recv)
{
    media_tp_t *tp = recv ? p->recv : p->send;
    if (!tp || (tp->state != SFU_TRANSPORT_FAILED && tp->state != SFU_TRANSPORT_CLOSED))
        return;
    media_room_event(r, p->id, "transport-state",
                     json_pack("{ssss}", "transport", recv ? "recv" : "send", "state",
                               tp->state == SFU_TRANSPORT_FAILED ? "failed" : "closed"));
    if (recv) {
        media_close_recv(r, p);
    } else {
        media_remove_producers(r, p);
        media_close_send(r, p);
    }
}

static gboolean reap(gpointer data)
{
    sfu_media_room_t *r = data;
    g_source_unref(r->reaper);
    r->reaper = NULL;
    for (guint i = 0; i < r->peers->len; i++) {
        media_peer_t *p = g_ptr_array_index(r->peers, i);
        reap_transport(r, p, 0);
        reap_transport(r, p, 1);
    }
    media_flush_offers(r);
    return G_SOURCE_REMOVE;
}

/* ---- the room timer ------------------------------------------------------------ */

static gboolean tick(gpointer data)
{
    sfu_media_room_t *r = data;
    int64_t now = now_us(), wall = g_get_real_time();
    for (guint i = 0; i < r->peers->len; i++) {
        media_peer_t *p = g_ptr_array_index(r->peers, i);
        if (p->in)
            sfu_router_in_handle_timeout(p->in, now);
        if (p->out)
            sfu_router_out_handle_timeout(p->out, now, wall);
    }
    return G_SOURCE_CONTINUE;
}

/* ---- room and peers ---------------------------------------------------------------- */

sfu_media_room_t *sfu_media_room_create(const sfu_media_env_t *env, uint32_t room_id)
{
    sfu_media_room_t *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->id = room_id;
    r->env = *env;
    r->peers = g_ptr_array_new();
    r->timer = g_timeout_source_new(SFU_MEDIA_ROOM_TICK_MS);
    g_source_set_callback(r->timer, tick, r, NULL);
    g_source_attach(r->timer, env->ctx);
    SFU_COUNT(env->counters, rooms);
    return r;
}

static void peer_free(sfu_media_room_t *r, media_peer_t *p)
{
    media_close_recv(r, p);
    media_close_send(r, p);
    SFU_COUNT_ADD(r->env.counters, peers, -1);
    free(p);
}

void sfu_media_room_destroy(sfu_media_room_t *r)
{
    if (!r)
        return;
    /* Every consumer first: they point at producers of other peers. */
    for (guint i = 0; i < r->peers->len; i++)
        media_close_recv(r, g_ptr_array_index(r->peers, i));
    for (guint i = 0; i < r->peers->len; i++)
        peer_free(r, g_ptr_array_index(r->peers, i));
    g_ptr_array_free(r->peers, TRUE);
    g_source_destroy(r->timer);
    g_source_unref(r->timer);
    if (r->reaper) {
        g_source_destroy(r->reaper);
        g_source_unref(r->reaper);
    }
    SFU_COUNT_ADD(r->env.counters, rooms, -1);
    free(r);
}

uint32_t sfu_media_room_id(const sfu_media_room_t *r)
{
    return r->id;
}

size_t sfu_media_room_peer_count(const sfu_media_room_t *r)
{
    return r->peers->len;
}

static media_peer_t *peer_get_or_add(sfu_media_room_t *r, uint32_t peer_id)
{
    media_peer_t *p = media_room_peer(r, peer_id);
    if (p)
        return p;
    p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->id = peer_id;
    g_ptr_array_add(r->peers, p);
    SFU_COUNT(r->env.counters, peers);
    return p;
}

void sfu_media_room_peer_join(sfu_media_room_t *r, uint32_t peer_id)
{
    peer_get_or_add(r, peer_id);
}

void sfu_media_room_peer_leave(sfu_media_room_t *r, uint32_t peer_id)
{
    media_peer_t *p = media_room_peer(r, peer_id);
    if (!p)
        return;
    media_remove_producers(r, p);
    g_ptr_array_remove(r->peers, p);
    peer_free(r, p);
    media_flush_offers(r);
}

/* ---- methods --------------------------------------------------------------------------- */

/* ice-candidate {transport: "send"|"recv", candidate: "candidate:..." | ""}. */
static void ice_candidate(sfu_media_room_t *r, media_peer_t *p, uint64_t ref, json_t *data)
{
    const char *which = media_json_str(data, "transport");
    const char *cand = media_json_str(data, "candidate");
    if (!which || !cand || (strcmp(which, "send") != 0 && strcmp(which, "recv") != 0)) {
        media_room_reply_error(r, ref, "invalid_params",
                               "need transport (\"send\" or \"recv\") and candidate");
        return;
    }
    media_tp_t *tp = strcmp(which, "send") == 0 ? p->send : p->recv;
    if (!tp) {
        media_room_reply_error(r, ref, "wrong_state", "that transport does not exist yet");
        return;
    }
    int rc = cand[0] == '\0' ? sfu_transport_remote_candidates_done(tp->t)
                             : sfu_transport_add_remote_candidate(tp->t, cand);
    /* -ENOTSUP: mDNS or TCP; an ICE-lite server learns the address from the
     * browser's checks anyway, so this is not the browser's error. */
    if (rc == -EINVAL)
        media_room_reply_error(r, ref, "invalid_params", "malformed candidate");
    else
        media_room_reply_ok(r, ref, NULL);
}

void sfu_media_room_request(sfu_media_room_t *r, uint32_t peer_id, uint64_t ref,
                            const char *method, json_t *data)
{
    media_peer_t *p = peer_get_or_add(r, peer_id);
    if (!p) {
        media_room_reply_error(r, ref, "internal_error", "out of memory");
        return;
    }
    if (strcmp(method, "publish") == 0)
        media_publish(r, p, ref, data);
    else if (strcmp(method, "subscribe") == 0)
        media_subscribe(r, p, ref, data);
    else if (strcmp(method, "subscribe-answer") == 0)
        media_subscribe_answer(r, p, ref, data);
    else if (strcmp(method, "ice-candidate") == 0)
        ice_candidate(r, p, ref, data);
    else if (strcmp(method, "producer-pause") == 0 || strcmp(method, "producer-resume") == 0)
        media_producer_pause(r, p, ref, data, strcmp(method, "producer-pause") == 0);
    else if (strcmp(method, "consumer-pause") == 0 || strcmp(method, "consumer-resume") == 0)
        media_consumer_pause(r, p, ref, data, strcmp(method, "consumer-pause") == 0);
    else
        media_room_reply_error(r, ref, "invalid_params", "not a media method");
}
