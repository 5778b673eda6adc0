/*
 * The receive side of a peer: `subscribe` (our offer), `subscribe-answer`,
 * consumers appearing and going as producers do (each change renegotiates
 * with a `recv-offer` event), consumer pause/resume. Our offer's m-sections
 * are slots that keep their order for the transport's lifetime; a closed
 * slot is refilled with a new mid only after the browser has answered the
 * offer that closed it (RFC 8843 §7.3.3). See MEDIA.md.
 */
#include "sfu/media_room_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/codecs.h"
#include "sfu/log.h"
#include "sfu/media_sdp.h"

static json_t *consumer_json(const media_slot_t *s)
{
    const sfu_consumer_params_t *cp = sfu_consumer_params(s->consumer);
    char id[16];
    snprintf(id, sizeof id, "C%u", cp->id);
    /* stream_id is the owner's "p<id>", track_id the producer's "P<id>". */
    return json_pack("{ssssssssss}", "consumerId", id, "producerId", s->sdp.track_id,
                     "peerId", s->sdp.stream_id, "kind", media_kind_name(s->sdp.kind),
                     "mid", s->sdp.mid);
}

json_t *media_consumers_json(const media_peer_t *p)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < p->n_slots; i++)
        if (p->slots[i].consumer)
            json_array_append_new(arr, consumer_json(&p->slots[i]));
    return arr;
}

/* ---- slots and consumers ------------------------------------------------------------ */

static int ensure_recv(sfu_media_room_t *r, media_peer_t *p)
{
    if (p->recv)
        return 0;
    p->recv = media_tp_create(r, p, 1);
    if (!p->recv)
        return -1;
    p->out = sfu_router_out_create(r->env.counters);
    if (!p->out) {
        media_close_recv(r, p);
        return -1;
    }
    return 0;
}

/* A slot for a new consumer: a closed one the browser has seen closed, else
 * a new one at the end. NULL when the offer is full (SDP_MAX_MEDIA). */
static media_slot_t *take_slot(media_peer_t *p)
{
    for (size_t i = 0; i < p->n_slots; i++) {
        media_slot_t *s = &p->slots[i];
        if (s->sdp.state == SDP_SLOT_CLOSED && s->closed_in != 0 && s->closed_in <= p->answered)
            return s;
    }
    return p->n_slots < SDP_MAX_MEDIA ? &p->slots[p->n_slots++] : NULL;
}

static int consumes(const media_peer_t *p, const sfu_producer_t *prod)
{
    for (size_t i = 0; i < p->n_slots; i++)
        if (p->slots[i].consumer && sfu_consumer_producer(p->slots[i].consumer) == prod)
            return 1;
    return 0;
}

/* The m-section for a consumer of prod: its codec under our PT, fresh SSRCs,
 * msid = owner peer / producer so the page can tell whose track it is. */
static int fill_slot(sdp_offer_slot_t *s, media_peer_t *sub, const sfu_producer_t *prod)
{
    const sfu_producer_params_t *pp = sfu_producer_params(prod);
    uint8_t rtx_pt = 0;
    memset(s, 0, sizeof *s);
    s->kind = pp->kind;
    s->state = SDP_SLOT_ACTIVE;
    if (sdp_codec_for_offer(pp->kind, &pp->codec, &s->codec, &rtx_pt) != SDP_OK)
        return -EINVAL;
    snprintf(s->mid, sizeof s->mid, "%u", sub->next_mid++);
    s->rtx_pt = pp->rtx_pt ? rtx_pt : 0; /* RTX only when the publisher gives us NACK repair */
    s->ssrc = media_random_ssrc();
    s->rtx_ssrc = s->rtx_pt ? media_random_ssrc() : 0;
    snprintf(s->cname, sizeof s->cname, "p%u", pp->peer_id);
    snprintf(s->stream_id, sizeof s->stream_id, "p%u", pp->peer_id);
    snprintf(s->track_id, sizeof s->track_id, "P%u", pp->id);
    return 0;
}

static sfu_consumer_t *make_consumer(sfu_media_room_t *r, media_peer_t *sub,
                                     sfu_producer_t *prod, const sdp_offer_slot_t *s)
{
    sfu_consumer_params_t cp;
    memset(&cp, 0, sizeof cp);
    cp.id = media_room_next_id(r);
    cp.peer_id = sub->id;
    cp.ssrc = s->ssrc;
    cp.rtx_ssrc = s->rtx_ssrc;
    cp.pt = s->codec.pt;
    cp.rtx_pt = s->rtx_pt;
    sfu_media_sdp_offer_ext_ids(s->kind, cp.ext_ids);
    snprintf(cp.cname, sizeof cp.cname, "%s", s->cname);
    sfu_consumer_t *c = sfu_consumer_create(&cp, prod, &sub->recv->out, r->env.counters);
    if (c && sfu_router_out_add(sub->out, c) != 0) {
        sfu_consumer_destroy(c);
        c = NULL;
    }
    return c;
}

static int add_consumer(sfu_media_room_t *r, media_peer_t *sub, sfu_producer_t *prod)
{
    sdp_offer_slot_t s;
    if (consumes(sub, prod))
        return 0;
    if (ensure_recv(r, sub) != 0 || fill_slot(&s, sub, prod) != 0)
        return -1;
    size_t before = sub->n_slots;
    media_slot_t *slot = take_slot(sub);
    sfu_consumer_t *c = slot ? make_consumer(r, sub, prod, &s) : NULL;
    if (!c) {
        sub->n_slots = before; /* give back a slot we just appended */
        LOG_WARN("[peer p%u] no consumer for P%u (offer full or no memory)", sub->id,
                 sfu_producer_id(prod));
        return -1;
    }
    memset(slot, 0, sizeof *slot);
    slot->sdp = s;
    slot->consumer = c;
    sub->offer_dirty = 1;
    LOG_INFO("[peer p%u] consumer C%u of P%u in mid %s", sub->id, sfu_consumer_id(c),
             sfu_producer_id(prod), s.mid);
    return 0;
}

static void close_slot(sfu_media_room_t *r, media_peer_t *p, media_slot_t *s)
{
    sfu_router_out_remove(p->out, s->consumer);
    sfu_consumer_destroy(s->consumer);
    s->consumer = NULL;
    s->sdp.state = SDP_SLOT_CLOSED;
    s->closed_in = p->offered + 1; /* the next offer carries the closure */
    p->offer_dirty = 1;
}

void media_producer_added(sfu_media_room_t *r, media_peer_t *owner, sfu_producer_t *prod)
{
    for (guint i = 0; i < r->peers->len; i++) {
        media_peer_t *p = g_ptr_array_index(r->peers, i);
        if (p != owner && p->subscribed)
            add_consumer(r, p, prod);
    }
}

void media_producer_removing(sfu_media_room_t *r, sfu_producer_t *prod)
{
    for (guint i = 0; i < r->peers->len; i++) {
        media_peer_t *p = g_ptr_array_index(r->peers, i);
        for (size_t k = 0; k < p->n_slots; k++)
            if (p->slots[k].consumer && sfu_consumer_producer(p->slots[k].consumer) == prod)
                close_slot(r, p, &p->slots[k]);
    }
}

void media_close_recv(sfu_media_room_t *r, media_peer_t *p)
{
    for (size_t k = 0; k < p->n_slots; k++)
        if (p->slots[k].consumer) {
            sfu_consumer_destroy(p->slots[k].consumer);
            p->slots[k].consumer = NULL;
        }
    p->n_slots = 0;
    p->offered = p->answered = 0;
    p->offer_dirty = 0;
    p->subscribed = 0;
    sfu_router_out_destroy(p->out);
    p->out = NULL;
    media_tp_destroy(r, p->recv);
    p->recv = NULL;
}

/* ---- offers ------------------------------------------------------------------------ */

/* Writes the next offer version into a new JSON string; NULL on failure. */
static json_t *build_offer(media_peer_t *p)
{
    sdp_offer_slot_t slots[SDP_MAX_MEDIA];
    sdp_local_t local;
    json_t *result = NULL;
    sdp_session_t *s = malloc(sizeof *s);
    char *text = malloc(SDP_MAX_TEXT + 1);
    for (size_t i = 0; i < p->n_slots; i++)
        slots[i] = p->slots[i].sdp;
    if (s && text && p->recv &&
        sfu_media_sdp_local(p->recv->t, p->recv->session_id, p->offered + 1, &local) == 0 &&
        sdp_build_offer(slots, p->n_slots, &local, s) == SDP_OK &&
        sdp_write(s, text, SDP_MAX_TEXT + 1) > 0) {
        p->offered++;
        p->offer_dirty = 0;
        result = json_string(text);
    }
    free(s);
    free(text);
    return result;
}

/* {sdp, version, consumers}; sdp null while there is nothing to receive. */
static json_t *offer_json(media_peer_t *p)
{
    json_t *sdp = p->n_slots ? build_offer(p) : json_null();
    if (!sdp)
        return NULL;
    return json_pack("{sosIso}", "sdp", sdp, "version", (json_int_t)p->offered, "consumers",
                     media_consumers_json(p));
}

void media_flush_offers(sfu_media_room_t *r)
{
    for (guint i = 0; i < r->peers->len; i++) {
        media_peer_t *p = g_ptr_array_index(r->peers, i);
        if (!p->subscribed || !p->offer_dirty || p->n_slots == 0)
            continue;
        json_t *ev = offer_json(p);
        if (ev)
            media_room_event(r, p->id, "recv-offer", ev);
        else
            LOG_WARN("[peer p%u] cannot build the receive offer", p->id);
    }
}

/* ---- methods ----------------------------------------------------------------------- */

void media_subscribe(sfu_media_room_t *r, media_peer_t *p, uint64_t ref, json_t *data)
{
    p->subscribed = 1;
    for (guint i = 0; i < r->peers->len; i++) {
        media_peer_t *o = g_ptr_array_index(r->peers, i);
        for (size_t k = 0; o != p && o->in && k < sfu_router_in_count(o->in); k++)
            add_consumer(r, p, sfu_router_in_get(o->in, k));
    }
    json_t *reply = offer_json(p);
    if (reply)
        media_room_reply_ok(r, ref, reply);
    else
        media_room_reply_error(r, ref, "internal_error", "cannot build the offer");
}

/* The answer's ICE/DTLS parameters, applied once per transport. */
static const char *apply_answer_transport(media_peer_t *p, const sdp_session_t *answer)
{
    if (p->recv->remote_set)
        return NULL;
    if (sfu_media_sdp_apply_remote(p->recv->t, answer, 1) != 0)
        return "unusable ICE credentials, fingerprint or a=setup in the answer";
    p->recv->remote_set = 1;
    return NULL;
}

void media_subscribe_answer(sfu_media_room_t *r, media_peer_t *p, uint64_t ref, json_t *data)
{
    const char *text = media_json_str(data, "sdp");
    json_t *v = json_is_object(data) ? json_object_get(data, "version") : NULL;
    if (!text || strlen(text) > SDP_MAX_TEXT || !json_is_integer(v)) {
        media_room_reply_error(r, ref, "invalid_params", "need sdp (string) and version");
        return;
    }
    json_int_t version = json_integer_value(v);
    if (!p->recv || p->offered == 0 || version > (json_int_t)p->offered || version < 1) {
        media_room_reply_error(r, ref, "wrong_state", "no such offer is pending");
        return;
    }
    if (version < (json_int_t)p->offered || version <= (json_int_t)p->answered) {
        /* A newer offer is on its way; its answer is the one that counts. */
        media_room_reply_ok(r, ref, json_pack("{sb}", "stale", 1));
        return;
    }
    sdp_session_t *s = malloc(sizeof *s);
    const char *err = !s ? "out of memory"
                      : sdp_parse(text, strlen(text), s) != SDP_OK ? "the answer does not parse"
                      : apply_answer_transport(p, s);
    free(s);
    if (err) {
        media_room_reply_error(r, ref, "invalid_sdp", err);
        return;
    }
    p->answered = (uint64_t)version;
    media_room_reply_ok(r, ref, NULL);
    if (p->recv->out.connected)
        sfu_router_out_request_keyframes(p->out, g_get_monotonic_time());
}

void media_consumer_pause(sfu_media_room_t *r, media_peer_t *p, uint64_t ref, json_t *data,
                          int paused)
{
    const char *id = media_json_str(data, "consumerId");
    uint32_t n = media_parse_id(id, 'C');
    if (!id) {
        media_room_reply_error(r, ref, "invalid_params", "need consumerId");
        return;
    }
    for (size_t i = 0; n && i < p->n_slots; i++) {
        sfu_consumer_t *c = p->slots[i].consumer;
        if (c && sfu_consumer_id(c) == n) {
            sfu_consumer_set_paused(c, paused, g_get_monotonic_time());
            media_room_reply_ok(r, ref, NULL);
            return;
        }
    }
    media_room_reply_error(r, ref, "unknown_consumer", "no such consumer of yours");
}
