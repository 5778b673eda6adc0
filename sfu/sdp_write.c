/*
 * SDP writer: sdp_session_t -> text, in the line order browsers use
 * (RFC 8866 §5 for the session part, RFC 8829 §5.2.1 for media sections).
 * It writes what the struct holds and nothing else, so that
 * parse(write(s)) gives back s; see sdp.h for the contract.
 */
#include "sfu/sdp.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct out {
    char  *buf;
    size_t cap;
    size_t len; /* bytes the text needs so far, even past cap */
} out_t;

__attribute__((format(printf, 2, 3)))
static void put(out_t *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->len < o->cap ? o->cap - o->len : 0;
    int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
}

static const char *direction_name(sdp_direction_t d)
{
    static const char *names[] = { NULL, "sendrecv", "sendonly", "recvonly", "inactive" };
    return d >= SDP_DIR_SENDRECV && d <= SDP_DIR_INACTIVE ? names[d] : NULL;
}

static const char *setup_name(sdp_setup_t s)
{
    static const char *names[] = { NULL, "actpass", "active", "passive", "holdconn" };
    return s >= SDP_SETUP_ACTPASS && s <= SDP_SETUP_HOLDCONN ? names[s] : NULL;
}

static void put_fingerprint(out_t *o, const sdp_fingerprint_t *fp)
{
    if (!fp->algo[0] || !fp->len)
        return;
    put(o, "a=fingerprint:%s ", fp->algo);
    for (size_t i = 0; i < fp->len && i < SDP_FP_MAX; i++)
        put(o, i ? ":%02X" : "%02X", fp->bytes[i]);
    put(o, "\r\n");
}

/* ICE and DTLS attributes; the same set may sit at either level. */
static void put_transport(out_t *o, const char *ufrag, const char *pwd, bool trickle,
                          const sdp_fingerprint_t *fp, sdp_setup_t setup)
{
    if (ufrag[0])
        put(o, "a=ice-ufrag:%s\r\n", ufrag);
    if (pwd[0])
        put(o, "a=ice-pwd:%s\r\n", pwd);
    if (trickle)
        put(o, "a=ice-options:trickle\r\n");
    put_fingerprint(o, fp);
    if (setup_name(setup))
        put(o, "a=setup:%s\r\n", setup_name(setup));
}

static void put_session(out_t *o, const sdp_session_t *s)
{
    put(o, "v=0\r\n");
    put(o, "o=%s %llu %llu IN %s %s\r\n", s->origin_user[0] ? s->origin_user : "-",
        (unsigned long long)s->session_id, (unsigned long long)s->session_version,
        s->origin_ip6 ? "IP6" : "IP4", s->origin_addr[0] ? s->origin_addr : "127.0.0.1");
    put(o, "s=-\r\nt=0 0\r\n");
    if (s->ice_lite)
        put(o, "a=ice-lite\r\n");
    if (s->bundle_count) {
        put(o, "a=group:BUNDLE");
        for (size_t i = 0; i < s->bundle_count && i < SDP_MAX_BUNDLE; i++)
            put(o, " %s", s->bundle_mids[i]);
        put(o, "\r\n");
    }
    put_transport(o, s->ice_ufrag, s->ice_pwd, s->ice_trickle, &s->fingerprint, s->setup);
    if (direction_name(s->direction))
        put(o, "a=%s\r\n", direction_name(s->direction));
    if (s->end_of_candidates)
        put(o, "a=end-of-candidates\r\n");
    if (s->msid_semantic[0])
        put(o, "a=msid-semantic:%s%s%s\r\n", s->msid_semantic,
            s->msid_semantic_ids[0] ? " " : "", s->msid_semantic_ids);
}

static void put_candidate(out_t *o, const sdp_candidate_t *c)
{
    static const char *types[] = { "host", "srflx", "prflx", "relay" };
    static const char *tcptypes[] = { NULL, "active", "passive", "so" };
    put(o, "a=candidate:%s %u %s %lu %s %u typ %s", c->foundation, c->component,
        c->tcp ? "tcp" : "udp", (unsigned long)c->priority, c->addr, c->port,
        types[c->type <= SDP_CAND_RELAY ? c->type : 0]);
    if (c->raddr[0])
        put(o, " raddr %s rport %u", c->raddr, c->rport);
    if (c->tcptype > SDP_TCP_NONE && c->tcptype <= SDP_TCP_SO)
        put(o, " tcptype %s", tcptypes[c->tcptype]);
    put(o, "\r\n");
}

/* rtcp-fb in the order Chromium writes them. */
static void put_rtcp_fb(out_t *o, const sdp_codec_t *c)
{
    static const struct {
        uint32_t    bit;
        const char *text;
    } fbs[] = {
        { SDP_FB_GOOG_REMB, "goog-remb" }, { SDP_FB_TRANSPORT_CC, "transport-cc" },
        { SDP_FB_CCM_FIR, "ccm fir" },     { SDP_FB_NACK, "nack" },
        { SDP_FB_NACK_PLI, "nack pli" },
    };
    for (size_t i = 0; i < sizeof fbs / sizeof fbs[0]; i++)
        if (c->rtcp_fb & fbs[i].bit)
            put(o, "a=rtcp-fb:%u %s\r\n", c->pt, fbs[i].text);
}

static void put_codecs(out_t *o, const sdp_media_t *m)
{
    for (size_t i = 0; i < m->codec_count && i < SDP_MAX_CODECS; i++) {
        const sdp_codec_t *c = &m->codecs[i];
        if (c->name[0]) {
            put(o, "a=rtpmap:%u %s/%lu", c->pt, c->name, (unsigned long)c->clock_rate);
            if (c->channels)
                put(o, "/%u", c->channels);
            put(o, "\r\n");
        }
        put_rtcp_fb(o, c);
        if (c->fmtp[0])
            put(o, "a=fmtp:%u %s\r\n", c->pt, c->fmtp);
    }
}

static void put_simulcast_list(out_t *o, const char *dir, const sdp_simulcast_t *sc)
{
    put(o, "%s ", dir);
    for (size_t i = 0; i < sc->count && i < SDP_MAX_RIDS; i++)
        put(o, "%s%s%s", i ? ";" : "", (sc->paused >> i) & 1 ? "~" : "", sc->rids[i]);
}

static void put_rids(out_t *o, const sdp_media_t *m)
{
    for (size_t i = 0; i < m->rid_count && i < SDP_MAX_RIDS; i++)
        put(o, "a=rid:%s %s\r\n", m->rids[i].id,
            m->rids[i].direction == SDP_DIR_RECVONLY ? "recv" : "send");
    if (!m->simulcast_send.count && !m->simulcast_recv.count)
        return;
    put(o, "a=simulcast:");
    if (m->simulcast_send.count)
        put_simulcast_list(o, "send", &m->simulcast_send);
    if (m->simulcast_recv.count) {
        if (m->simulcast_send.count)
            put(o, " ");
        put_simulcast_list(o, "recv", &m->simulcast_recv);
    }
    put(o, "\r\n");
}

static void put_msid(out_t *o, const char *prefix, const char *stream, const char *track)
{
    put(o, "%s%s%s%s\r\n", prefix, stream, track[0] ? " " : "", track);
}

static void put_ssrcs(out_t *o, const sdp_media_t *m)
{
    for (size_t i = 0; i < m->ssrc_group_count && i < SDP_MAX_SSRC_GROUPS; i++) {
        const sdp_ssrc_group_t *g = &m->ssrc_groups[i];
        put(o, "a=ssrc-group:%s", g->semantics);
        for (size_t j = 0; j < g->count && j < SDP_MAX_GROUP_SSRCS; j++)
            put(o, " %lu", (unsigned long)g->ssrcs[j]);
        put(o, "\r\n");
    }
    for (size_t i = 0; i < m->ssrc_count && i < SDP_MAX_SSRCS; i++) {
        const sdp_ssrc_t *e = &m->ssrcs[i];
        unsigned long id = e->ssrc;
        if (e->cname[0])
            put(o, "a=ssrc:%lu cname:%s\r\n", id, e->cname);
        if (e->msid_stream[0]) {
            char prefix[40];
            snprintf(prefix, sizeof prefix, "a=ssrc:%lu msid:", id);
            put_msid(o, prefix, e->msid_stream, e->msid_track);
        }
        if (!e->cname[0] && !e->msid_stream[0])
            put(o, "a=ssrc:%lu\r\n", id);
    }
}

static const char *media_name(const sdp_media_t *m)
{
    static const char *names[] = { NULL, "audio", "video", "application" };
    if (m->media[0])
        return m->media;
    return m->kind >= SDP_MEDIA_AUDIO && m->kind <= SDP_MEDIA_APPLICATION ? names[m->kind] : NULL;
}

/* "m=" and "c=" lines. SDP_EINVAL when the section has no name, proto or
 * format: such a line would not parse back. */
static int put_media_line(out_t *o, const sdp_media_t *m)
{
    const char *name = media_name(m);
    bool rtp = sdp_proto_is_rtp(m->proto);
    if (!name || !m->proto[0] || (rtp ? m->codec_count == 0 : !m->fmt[0]))
        return SDP_EINVAL;
    put(o, "m=%s %u %s", name, m->port, m->proto);
    if (!rtp)
        put(o, " %s", m->fmt);
    for (size_t i = 0; rtp && i < m->codec_count && i < SDP_MAX_CODECS; i++)
        put(o, " %u", m->codecs[i].pt);
    /* ICE decides the addresses; RFC 8839 §4.2.1.3 placeholder. */
    put(o, "\r\nc=IN IP4 0.0.0.0\r\n");
    return SDP_OK;
}

/* `dflt`: the direction a section without one gets from the session. */
static int put_media(out_t *o, const sdp_media_t *m, sdp_direction_t dflt)
{
    int rc = put_media_line(o, m);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < m->candidate_count && i < SDP_MAX_CANDIDATES; i++)
        put_candidate(o, &m->candidates[i]);
    if (m->end_of_candidates)
        put(o, "a=end-of-candidates\r\n");
    put_transport(o, m->ice_ufrag, m->ice_pwd, m->ice_trickle, &m->fingerprint, m->setup);
    if (m->mid[0])
        put(o, "a=mid:%s\r\n", m->mid);
    for (size_t i = 0; i < m->extmap_count && i < SDP_MAX_EXTMAPS; i++) {
        const sdp_extmap_t *e = &m->extmaps[i];
        const char *dir = direction_name(e->direction);
        put(o, "a=extmap:%u%s%s %s\r\n", e->id, dir ? "/" : "", dir ? dir : "", e->uri);
    }
    /* Browsers state no direction on SCTP sections; there a line is only
     * written when it differs from the default (RFC 8866 §6.7). */
    bool rtp = sdp_proto_is_rtp(m->proto);
    if (direction_name(m->direction) && (rtp || m->direction != dflt))
        put(o, "a=%s\r\n", direction_name(m->direction));
    if (m->msid_stream[0])
        put_msid(o, "a=msid:", m->msid_stream, m->msid_track);
    if (m->rtcp_mux)
        put(o, "a=rtcp-mux\r\n");
    if (m->rtcp_rsize)
        put(o, "a=rtcp-rsize\r\n");
    if (m->bundle_only)
        put(o, "a=bundle-only\r\n");
    put_codecs(o, m);
    put_rids(o, m);
    put_ssrcs(o, m);
    if (m->sctp_port)
        put(o, "a=sctp-port:%u\r\n", m->sctp_port);
    if (m->max_message_size)
        put(o, "a=max-message-size:%lu\r\n", (unsigned long)m->max_message_size);
    return SDP_OK;
}

int sdp_write(const sdp_session_t *s, char *buf, size_t cap)
{
    if (!s || !buf || cap == 0)
        return SDP_EINVAL;
    out_t o = { buf, cap, 0 };
    sdp_direction_t dflt = direction_name(s->direction) ? s->direction : SDP_DIR_SENDRECV;
    put_session(&o, s);
    for (size_t i = 0; i < s->media_count && i < SDP_MAX_MEDIA; i++) {
        int rc = put_media(&o, &s->media[i], dflt);
        if (rc < 0)
            return rc;
    }
    if (o.len > SDP_MAX_TEXT)
        return SDP_ETOOBIG;
    if (o.len >= cap)
        return SDP_ENOSPACE;
    return (int)o.len;
}
