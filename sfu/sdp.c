/*
 * SDP lookups and the two descriptions the server builds: the answer on a
 * send transport and the offer on a receive transport. Contracts in sdp.h,
 * reasoning in sfu/SDP.md.
 */
#include "sfu/sdp.h"

#include <stdio.h>
#include <string.h>

#include "sfu/codecs.h"

#define DEFAULT_SCTP_PORT        5000
#define DEFAULT_MAX_MESSAGE_SIZE 262144
#define PROTO_RTP                "UDP/TLS/RTP/SAVPF"
#define PROTO_SCTP               "UDP/DTLS/SCTP"
#define FMT_DATACHANNEL          "webrtc-datachannel"
#define DISCARD_PORT             9 /* RFC 8839 §4.2.1.3: ICE picks the real one */

/* ---- lookups ------------------------------------------------------------ */

bool sdp_proto_is_rtp(const char *proto)
{
    return proto && strstr(proto, "RTP/") != NULL;
}

const char *sdp_media_ice_ufrag(const sdp_session_t *s, const sdp_media_t *m)
{
    if (m && m->ice_ufrag[0])
        return m->ice_ufrag;
    return s && s->ice_ufrag[0] ? s->ice_ufrag : NULL;
}

const char *sdp_media_ice_pwd(const sdp_session_t *s, const sdp_media_t *m)
{
    if (m && m->ice_pwd[0])
        return m->ice_pwd;
    return s && s->ice_pwd[0] ? s->ice_pwd : NULL;
}

const sdp_fingerprint_t *sdp_media_fingerprint(const sdp_session_t *s, const sdp_media_t *m)
{
    if (m && m->fingerprint.len)
        return &m->fingerprint;
    return s && s->fingerprint.len ? &s->fingerprint : NULL;
}

sdp_setup_t sdp_media_setup(const sdp_session_t *s, const sdp_media_t *m)
{
    if (m && m->setup != SDP_SETUP_NONE)
        return m->setup;
    return s ? s->setup : SDP_SETUP_NONE;
}

const sdp_media_t *sdp_find_media(const sdp_session_t *s, const char *mid)
{
    if (!s || !mid || !mid[0])
        return NULL;
    for (size_t i = 0; i < s->media_count; i++)
        if (strcmp(s->media[i].mid, mid) == 0)
            return &s->media[i];
    return NULL;
}

const sdp_codec_t *sdp_find_codec(const sdp_media_t *m, uint8_t pt)
{
    for (size_t i = 0; m && i < m->codec_count; i++)
        if (m->codecs[i].pt == pt)
            return &m->codecs[i];
    return NULL;
}

const sdp_extmap_t *sdp_find_extmap(const sdp_media_t *m, const char *uri)
{
    for (size_t i = 0; m && uri && i < m->extmap_count; i++)
        if (strcmp(m->extmaps[i].uri, uri) == 0)
            return &m->extmaps[i];
    return NULL;
}

const sdp_ssrc_group_t *sdp_find_ssrc_group(const sdp_media_t *m, const char *semantics)
{
    for (size_t i = 0; m && semantics && i < m->ssrc_group_count; i++)
        if (strcmp(m->ssrc_groups[i].semantics, semantics) == 0)
            return &m->ssrc_groups[i];
    return NULL;
}

bool sdp_in_bundle(const sdp_session_t *s, const char *mid)
{
    for (size_t i = 0; s && mid && mid[0] && i < s->bundle_count; i++)
        if (strcmp(s->bundle_mids[i], mid) == 0)
            return true;
    return false;
}

/* ---- shared building blocks -------------------------------------------- */

static void origin_init(sdp_session_t *s, const sdp_local_t *local)
{
    snprintf(s->origin_user, sizeof s->origin_user, "-");
    snprintf(s->origin_addr, sizeof s->origin_addr, "127.0.0.1");
    s->session_id = local->session_id;
    s->session_version = local->session_version;
    /* We never gather or change roles: RFC 8445 §2.5 lite agent. */
    s->ice_lite = true;
}

/* What every section we accept carries: our ICE credentials, certificate
 * fingerprint, all our candidates (ice-lite has them all up front, so the
 * list is complete) and rtcp-mux / port placeholder. */
static void local_transport(sdp_media_t *m, const sdp_local_t *local, sdp_setup_t setup)
{
    m->port = DISCARD_PORT;
    memcpy(m->ice_ufrag, local->ice_ufrag, sizeof m->ice_ufrag);
    memcpy(m->ice_pwd, local->ice_pwd, sizeof m->ice_pwd);
    m->ice_ufrag[SDP_ICE_MAX - 1] = m->ice_pwd[SDP_ICE_MAX - 1] = '\0';
    m->fingerprint = local->fingerprint;
    m->setup = setup;
    m->candidate_count = local->candidate_count <= SDP_MAX_CANDIDATES
                             ? local->candidate_count : SDP_MAX_CANDIDATES;
    memcpy(m->candidates, local->candidates, m->candidate_count * sizeof m->candidates[0]);
    m->end_of_candidates = true;
}

static void local_sctp(sdp_media_t *m, const sdp_local_t *local)
{
    snprintf(m->proto, sizeof m->proto, PROTO_SCTP);
    snprintf(m->fmt, sizeof m->fmt, FMT_DATACHANNEL);
    m->sctp_port = local->sctp_port ? local->sctp_port : DEFAULT_SCTP_PORT;
    m->max_message_size = local->max_message_size ? local->max_message_size
                                                   : DEFAULT_MAX_MESSAGE_SIZE;
}

static void add_bundle(sdp_session_t *s, const char *mid)
{
    if (s->bundle_count < SDP_MAX_BUNDLE)
        memcpy(s->bundle_mids[s->bundle_count++], mid, SDP_TOKEN_MAX);
}

/* ---- answer on a send transport ----------------------------------------- */

/* A section we cannot or will not take: RFC 3264 §6 says port 0, same media
 * type and protocol, at least one format; RFC 8843 §7.3.3 keeps the mid. */
static void reject_media(const sdp_media_t *om, sdp_media_t *a)
{
    memset(a, 0, sizeof *a);
    a->kind = om->kind;
    memcpy(a->media, om->media, sizeof a->media);
    memcpy(a->proto, om->proto, sizeof a->proto);
    memcpy(a->fmt, om->fmt, sizeof a->fmt);
    memcpy(a->mid, om->mid, sizeof a->mid);
    a->direction = SDP_DIR_INACTIVE;
    if (om->codec_count) {
        sdp_codec_init(&a->codecs[0]);
        a->codecs[0].pt = om->codecs[0].pt;
        a->codec_count = 1;
    }
}

/* Header extensions we use, with the browser's ids; simulcast mirrored. */
static void answer_rtp_extras(const sdp_media_t *om, sdp_media_t *a)
{
    for (size_t i = 0; i < om->extmap_count; i++)
        if (sdp_extmap_supported(om->kind, om->extmaps[i].uri) &&
            a->extmap_count < SDP_MAX_EXTMAPS) {
            a->extmaps[a->extmap_count] = om->extmaps[i];
            a->extmaps[a->extmap_count++].direction = SDP_DIR_NONE;
        }
    /* RFC 8853 §5.3: the answerer reverses the offered send list. */
    for (size_t i = 0; i < om->rid_count; i++)
        if (om->rids[i].direction == SDP_DIR_SENDONLY) {
            a->rids[a->rid_count] = om->rids[i];
            a->rids[a->rid_count++].direction = SDP_DIR_RECVONLY;
        }
    if (a->rid_count)
        a->simulcast_recv = om->simulcast_send;
}

static bool answer_rtp(const sdp_media_t *om, sdp_media_t *a)
{
    if (strcmp(om->proto, PROTO_RTP) != 0)
        return false;
    int n = sdp_negotiate_codecs(om->kind, om->codecs, om->codec_count, a->codecs,
                                 SDP_MAX_CODECS);
    if (n <= 0)
        return false;
    a->codec_count = (uint8_t)n;
    a->direction = om->direction == SDP_DIR_SENDONLY || om->direction == SDP_DIR_SENDRECV
                       ? SDP_DIR_RECVONLY : SDP_DIR_INACTIVE;
    a->rtcp_mux = true;
    a->rtcp_rsize = om->rtcp_rsize;
    answer_rtp_extras(om, a);
    return true;
}

static bool answer_sctp(const sdp_media_t *om, sdp_media_t *a, const sdp_local_t *local)
{
    if (strcmp(om->proto, PROTO_SCTP) != 0 || strcmp(om->fmt, FMT_DATACHANNEL) != 0)
        return false;
    local_sctp(a, local);
    return true;
}

/* Fills answer section `a` for offered section `om`; false: rejected. */
static bool answer_media(const sdp_session_t *offer, const sdp_media_t *om,
                         const sdp_local_t *local, sdp_media_t *a)
{
    reject_media(om, a);
    /* One transport per direction: a section outside BUNDLE would need its own. */
    if (om->port == 0 || !sdp_in_bundle(offer, om->mid))
        return false;
    sdp_media_t tmp = *a;
    tmp.codec_count = 0;
    tmp.direction = SDP_DIR_NONE;
    bool ok = false;
    if (om->kind == SDP_MEDIA_AUDIO || om->kind == SDP_MEDIA_VIDEO)
        ok = answer_rtp(om, &tmp);
    else if (om->kind == SDP_MEDIA_APPLICATION)
        ok = answer_sctp(om, &tmp, local);
    if (!ok)
        return false;
    *a = tmp;
    /* The browser offers actpass; as DTLS server we answer passive. */
    local_transport(a, local, SDP_SETUP_PASSIVE);
    return true;
}

int sdp_build_answer(const sdp_session_t *offer, const sdp_local_t *local,
                     sdp_session_t *answer)
{
    if (!offer || !local || !answer || offer == answer)
        return SDP_EINVAL;
    memset(answer, 0, sizeof *answer);
    origin_init(answer, local);
    for (size_t i = 0; i < offer->media_count && i < SDP_MAX_MEDIA; i++) {
        const sdp_media_t *om = &offer->media[i];
        sdp_setup_t setup = sdp_media_setup(offer, om);
        if (om->port && (setup == SDP_SETUP_PASSIVE || setup == SDP_SETUP_HOLDCONN))
            return SDP_EROLE;
        answer_media(offer, om, local, &answer->media[i]);
        answer->media_count++;
    }
    /* Same order as the offer's group, so the offerer-tagged section stays
     * first whenever we accept it (RFC 8843 §7.3.1). */
    for (size_t i = 0; i < offer->bundle_count; i++) {
        const sdp_media_t *am = sdp_find_media(answer, offer->bundle_mids[i]);
        if (am && am->port && !sdp_in_bundle(answer, am->mid))
            add_bundle(answer, am->mid);
    }
    return answer->bundle_count ? SDP_OK : SDP_ENOMEDIA;
}

/* ---- offer on a receive transport --------------------------------------- */

static void rtx_codec(sdp_codec_t *c, uint8_t pt, uint8_t apt)
{
    sdp_codec_init(c);
    c->pt = pt;
    snprintf(c->name, sizeof c->name, "rtx");
    c->clock_rate = 90000;
    snprintf(c->fmtp, sizeof c->fmtp, "apt=%u", apt);
    c->apt = apt;
}

static void add_ssrc(sdp_media_t *m, uint32_t ssrc, const sdp_offer_slot_t *slot)
{
    sdp_ssrc_t *e = &m->ssrcs[m->ssrc_count++];
    e->ssrc = ssrc;
    memcpy(e->cname, slot->cname, sizeof e->cname);
    memcpy(e->msid_stream, slot->stream_id, sizeof e->msid_stream);
    memcpy(e->msid_track, slot->track_id, sizeof e->msid_track);
}

/* The consumer's stream: msid (RFC 8830), SSRC with cname, RTX SSRC paired
 * by an FID group (RFC 4588 §8.1) so the browser maps retransmissions. */
static void offer_stream(sdp_media_t *m, const sdp_offer_slot_t *slot)
{
    memcpy(m->msid_stream, slot->stream_id, sizeof m->msid_stream);
    memcpy(m->msid_track, slot->track_id, sizeof m->msid_track);
    if (!m->msid_stream[0])
        snprintf(m->msid_stream, sizeof m->msid_stream, "-");
    add_ssrc(m, slot->ssrc, slot);
    if (slot->rtx_pt && slot->rtx_ssrc) {
        add_ssrc(m, slot->rtx_ssrc, slot);
        sdp_ssrc_group_t *g = &m->ssrc_groups[m->ssrc_group_count++];
        snprintf(g->semantics, sizeof g->semantics, "FID");
        g->ssrcs[0] = slot->ssrc;
        g->ssrcs[1] = slot->rtx_ssrc;
        g->count = 2;
    }
}

static int offer_rtp(sdp_media_t *m, const sdp_offer_slot_t *slot)
{
    bool active = slot->state == SDP_SLOT_ACTIVE;
    if (active && (!slot->codec.name[0] || !slot->ssrc || !slot->cname[0]))
        return SDP_EINVAL;
    snprintf(m->proto, sizeof m->proto, PROTO_RTP);
    m->codecs[0] = slot->codec;
    m->codec_count = 1;
    if (slot->rtx_pt && slot->codec.name[0]) {
        rtx_codec(&m->codecs[1], slot->rtx_pt, slot->codec.pt);
        m->codec_count = 2;
    }
    if (slot->state == SDP_SLOT_CLOSED) {
        m->direction = SDP_DIR_INACTIVE;
        return SDP_OK;
    }
    m->rtcp_mux = m->rtcp_rsize = true;
    m->extmap_count = (uint8_t)sdp_offer_extmaps(m->kind, m->extmaps, SDP_MAX_EXTMAPS);
    m->direction = active ? SDP_DIR_SENDONLY : SDP_DIR_INACTIVE;
    if (active)
        offer_stream(m, slot);
    return SDP_OK;
}

/* A caller's string we are about to write into SDP: terminated within `cap`
 * and free of blanks and control bytes, which would break the line. */
static bool is_token(const char *s, size_t cap, bool may_be_empty)
{
    size_t n = strnlen(s, cap);
    if (n == cap || (n == 0 && !may_be_empty))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

static int offer_media(sdp_media_t *m, const sdp_offer_slot_t *slot, const sdp_local_t *local)
{
    static const char *names[] = { NULL, "audio", "video", "application" };
    if (slot->kind < SDP_MEDIA_AUDIO || slot->kind > SDP_MEDIA_APPLICATION ||
        !is_token(slot->mid, SDP_TOKEN_MAX, false) ||
        !is_token(slot->cname, SDP_ID_MAX, true) ||
        !is_token(slot->stream_id, SDP_ID_MAX, true) ||
        !is_token(slot->track_id, SDP_ID_MAX, true))
        return SDP_EINVAL;
    memset(m, 0, sizeof *m);
    m->kind = slot->kind;
    snprintf(m->media, sizeof m->media, "%s", names[slot->kind]);
    memcpy(m->mid, slot->mid, sizeof m->mid);
    if (slot->kind == SDP_MEDIA_APPLICATION)
        local_sctp(m, local);
    else if (offer_rtp(m, slot) < 0)
        return SDP_EINVAL;
    if (slot->state == SDP_SLOT_CLOSED) {
        m->port = 0; /* RFC 8843 §7.3.3: out of BUNDLE; mid may be recycled */
        m->sctp_port = 0;
        m->max_message_size = 0;
        return SDP_OK;
    }
    /* JSEP offerers say actpass; browsers then answer active, leaving the
     * server the DTLS server it always is. */
    local_transport(m, local, SDP_SETUP_ACTPASS);
    return SDP_OK;
}

int sdp_build_offer(const sdp_offer_slot_t *slots, size_t n, const sdp_local_t *local,
                    sdp_session_t *out)
{
    if (!slots || !local || !out || n == 0 || n > SDP_MAX_MEDIA)
        return SDP_EINVAL;
    memset(out, 0, sizeof *out);
    origin_init(out, local);
    snprintf(out->msid_semantic, sizeof out->msid_semantic, "WMS");
    snprintf(out->msid_semantic_ids, sizeof out->msid_semantic_ids, "*");
    for (size_t i = 0; i < n; i++) {
        sdp_media_t *m = &out->media[i];
        int rc = offer_media(m, &slots[i], local);
        if (rc < 0)
            return rc;
        if (sdp_find_media(out, m->mid))
            return SDP_EINVAL; /* duplicate mid */
        out->media_count++;
        if (m->port)
            add_bundle(out, m->mid);
    }
    return SDP_OK;
}
