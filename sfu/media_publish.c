/*
 * The send side of a peer: `publish` (the browser's offer, our answer),
 * producers appearing and going with each renegotiation, producer
 * pause/resume. See MEDIA.md.
 */
#include "sfu/media_room_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/codecs.h"
#include "sfu/log.h"
#include "sfu/media_sdp.h"

#define ANSWER_TEXT_MAX SDP_MAX_TEXT

static json_t *producer_json(const sfu_producer_t *prod, uint32_t owner)
{
    const sfu_producer_params_t *pp = sfu_producer_params(prod);
    char id[16], peer[16];
    snprintf(id, sizeof id, "P%u", pp->id);
    snprintf(peer, sizeof peer, "p%u", owner);
    return json_pack("{ssssssss}", "producerId", id, "peerId", peer, "kind",
                     media_kind_name(pp->kind), "mid", pp->mid);
}

/* An event about one producer to every peer of the room but its owner. */
static void tell_others(sfu_media_room_t *r, uint32_t owner, const sfu_producer_t *prod,
                        const char *event, int with_kind)
{
    for (guint i = 0; i < r->peers->len; i++) {
        media_peer_t *o = g_ptr_array_index(r->peers, i);
        if (o->id == owner)
            continue;
        json_t *ev = producer_json(prod, owner);
        json_object_del(ev, "mid");
        if (!with_kind)
            json_object_del(ev, "kind");
        media_room_event(r, o->id, event, ev);
    }
}

static void remove_producer(sfu_media_room_t *r, media_peer_t *p, sfu_producer_t *prod)
{
    LOG_INFO("[peer p%u] producer P%u removed", p->id, sfu_producer_id(prod));
    media_producer_removing(r, prod);
    tell_others(r, p->id, prod, "producer-removed", 0);
    sfu_router_in_remove(p->in, prod);
    sfu_producer_destroy(prod);
}

void media_remove_producers(sfu_media_room_t *r, media_peer_t *p)
{
    while (p->in && sfu_router_in_count(p->in) > 0)
        remove_producer(r, p, sfu_router_in_get(p->in, 0));
}

void media_close_send(sfu_media_room_t *r, media_peer_t *p)
{
    /* Silent: callers that owe the room producer-removed events call
     * media_remove_producers first. Consumers left anywhere are detached. */
    while (p->in && sfu_router_in_count(p->in) > 0) {
        sfu_producer_t *prod = sfu_router_in_get(p->in, 0);
        sfu_router_in_remove(p->in, prod);
        sfu_producer_destroy(prod);
    }
    sfu_router_in_destroy(p->in);
    p->in = NULL;
    media_tp_destroy(r, p->send);
    p->send = NULL;
}

static int ensure_send(sfu_media_room_t *r, media_peer_t *p)
{
    if (p->send)
        return 0;
    p->send = media_tp_create(r, p, 0);
    if (!p->send)
        return -1;
    p->in = sfu_router_in_create(p->send->rtcp_ssrc, &p->send->out, r->env.counters);
    if (!p->in) {
        media_close_send(r, p);
        return -1;
    }
    return 0;
}

/* The offer's ICE/DTLS parameters: applied once; a later offer must keep
 * them (an ICE restart would need a new transport). NULL or an error text. */
static const char *apply_offer_transport(media_peer_t *p, const sdp_session_t *offer)
{
    const sdp_media_t *m = sfu_media_sdp_bundle_media(offer);
    const char *ufrag = m ? sdp_media_ice_ufrag(offer, m) : NULL;
    if (!ufrag)
        return "the offer has no bundled section with ICE credentials";
    if (p->send->remote_set)
        return strcmp(ufrag, p->send->remote_ufrag) == 0 ? NULL
               : "ICE restart is not supported: publish on a new connection";
    if (sfu_media_sdp_apply_remote(p->send->t, offer, 0) != 0)
        return "unusable ICE credentials or fingerprint";
    snprintf(p->send->remote_ufrag, sizeof p->send->remote_ufrag, "%s", ufrag);
    p->send->remote_set = 1;
    return NULL;
}

static sfu_producer_t *find_by_mid(media_peer_t *p, const char *mid)
{
    for (size_t i = 0; i < sfu_router_in_count(p->in); i++) {
        sfu_producer_t *prod = sfu_router_in_get(p->in, i);
        if (strcmp(sfu_producer_params(prod)->mid, mid) == 0)
            return prod;
    }
    return NULL;
}

static int carries_media(const sdp_media_t *am)
{
    return am && am->port != 0 && am->direction == SDP_DIR_RECVONLY &&
           (am->kind == SDP_MEDIA_AUDIO || am->kind == SDP_MEDIA_VIDEO);
}

static sfu_producer_t *create_producer(sfu_media_room_t *r, media_peer_t *p,
                                       const sdp_media_t *om, const sdp_media_t *am)
{
    sfu_producer_params_t pp;
    if (sfu_media_sdp_producer(om, am, &pp) != 0)
        return NULL;
    pp.id = media_room_next_id(r);
    pp.peer_id = p->id;
    pp.rtcp_ssrc = p->send->rtcp_ssrc;
    sfu_producer_t *prod = sfu_producer_create(&pp, &p->send->out, r->env.counters);
    if (prod && sfu_router_in_add(p->in, prod) != 0) {
        sfu_producer_destroy(prod);
        return NULL;
    }
    if (prod)
        LOG_INFO("[peer p%u] producer P%u: %s mid %s %s/%u pt %u ssrc %u rtx %u", p->id, pp.id,
                 media_kind_name(pp.kind), pp.mid, pp.codec.name, pp.codec.clock_rate,
                 pp.codec.pt, pp.ssrc, pp.rtx_ssrc);
    return prod;
}

/*
 * Brings the producers in line with a new answer: sections no longer
 * sending (port 0, inactive, gone) lose their producer; sending sections
 * without one get one. New producers go to `added` (announced by the caller
 * after the reply).
 */
static void sync_producers(sfu_media_room_t *r, media_peer_t *p, const sdp_session_t *offer,
                           const sdp_session_t *answer, GPtrArray *added)
{
    for (size_t i = sfu_router_in_count(p->in); i-- > 0;) {
        sfu_producer_t *prod = sfu_router_in_get(p->in, i);
        if (!carries_media(sdp_find_media(answer, sfu_producer_params(prod)->mid)))
            remove_producer(r, p, prod);
    }
    for (size_t i = 0; i < answer->media_count; i++) {
        const sdp_media_t *am = &answer->media[i];
        if (!carries_media(am) || find_by_mid(p, am->mid))
            continue;
        sfu_producer_t *prod = create_producer(r, p, &offer->media[i], am);
        if (prod)
            g_ptr_array_add(added, prod);
    }
}

/* Extension ids and REMB on the whole transport (BUNDLE: one id space). */
static void configure_router(media_peer_t *p, const sdp_session_t *answer)
{
    uint8_t mid = 0, twcc = 0;
    int remb = 0;
    for (size_t i = 0; i < answer->media_count; i++) {
        const sdp_media_t *am = &answer->media[i];
        if (!carries_media(am))
            continue;
        if (!mid)
            mid = sfu_media_sdp_ext_id(am, SDP_URI_MID);
        if (!twcc)
            twcc = sfu_media_sdp_ext_id(am, SDP_URI_TWCC);
        for (size_t k = 0; k < am->codec_count; k++)
            remb |= (am->codecs[k].rtcp_fb & SDP_FB_GOOG_REMB) != 0;
    }
    sfu_router_in_set_ext_ids(p->in, mid, twcc, remb);
}

static json_t *producers_json(media_peer_t *p)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < sfu_router_in_count(p->in); i++) {
        json_t *o = producer_json(sfu_router_in_get(p->in, i), p->id);
        json_object_del(o, "peerId");
        json_array_append_new(arr, o);
    }
    return arr;
}

/* Parses the offer and writes our answer text; NULL or an error text. */
static const char *negotiate(sfu_media_room_t *r, media_peer_t *p, const char *text, sdp_session_t *offer,
                             sdp_session_t *answer, char *out, const char **code)
{
    sdp_local_t local;
    *code = "invalid_sdp";
    if (sdp_parse(text, strlen(text), offer) != SDP_OK)
        return "the offer does not parse";
    if (!sfu_media_sdp_bundle_media(offer))
        return "the offer has no bundled section";
    /* Only a usable offer gets a transport (and its UDP ports). */
    *code = "internal_error";
    if (ensure_send(r, p) != 0)
        return "cannot create the send transport";
    const char *err = apply_offer_transport(p, offer);
    if (err) {
        *code = p->send->remote_set ? "wrong_state" : "invalid_sdp";
        return err;
    }
    *code = "internal_error";
    if (sfu_media_sdp_local(p->send->t, p->send->session_id, ++p->send->version, &local) != 0)
        return "no local description";
    *code = "invalid_sdp";
    int rc = sdp_build_answer(offer, &local, answer);
    if (rc == SDP_EROLE)
        return "the offer must leave the DTLS server role to us (a=setup:actpass or active)";
    if (rc != SDP_OK)
        return "nothing in the offer can be received (need bundled Opus or VP8)";
    *code = "internal_error";
    if (sdp_write(answer, out, ANSWER_TEXT_MAX + 1) < 0)
        return "cannot write the answer";
    return NULL;
}

void media_publish(sfu_media_room_t *r, media_peer_t *p, uint64_t ref, json_t *data)
{
    const char *text = media_json_str(data, "sdp"), *code = NULL, *err;
    if (!text || strlen(text) > SDP_MAX_TEXT) {
        media_room_reply_error(r, ref, "invalid_params", "need sdp: an offer as a string");
        return;
    }
    sdp_session_t *offer = malloc(sizeof *offer), *answer = malloc(sizeof *answer);
    char *out = malloc(ANSWER_TEXT_MAX + 1);
    GPtrArray *added = g_ptr_array_new();
    if (!offer || !answer || !out)
        err = "out of memory", code = "internal_error";
    else
        err = negotiate(r, p, text, offer, answer, out, &code);
    if (err) {
        media_room_reply_error(r, ref, code, err);
    } else {
        configure_router(p, answer);
        sync_producers(r, p, offer, answer, added);
        media_room_reply_ok(r, ref, json_pack("{ssso}", "sdp", out, "producers",
                                                producers_json(p)));
        for (guint i = 0; i < added->len; i++) {
            tell_others(r, p->id, g_ptr_array_index(added, i), "producer-added", 1);
            media_producer_added(r, p, g_ptr_array_index(added, i));
        }
        media_flush_offers(r);
    }
    g_ptr_array_free(added, TRUE);
    free(offer);
    free(answer);
    free(out);
}

void media_producer_pause(sfu_media_room_t *r, media_peer_t *p, uint64_t ref, json_t *data,
                          int paused)
{
    const char *id = media_json_str(data, "producerId");
    uint32_t n = media_parse_id(id, 'P');
    sfu_producer_t *prod = NULL;
    for (size_t i = 0; p->in && n && i < sfu_router_in_count(p->in); i++)
        if (sfu_producer_id(sfu_router_in_get(p->in, i)) == n)
            prod = sfu_router_in_get(p->in, i);
    if (!id) {
        media_room_reply_error(r, ref, "invalid_params", "need producerId");
        return;
    }
    if (!prod) {
        media_room_reply_error(r, ref, "unknown_producer", "no such producer of yours");
        return;
    }
    int changed = sfu_producer_paused(prod) != paused;
    sfu_producer_set_paused(prod, paused, g_get_monotonic_time());
    media_room_reply_ok(r, ref, NULL);
    if (changed)
        tell_others(r, p->id, prod, paused ? "producer-paused" : "producer-resumed", 0);
}
