/*
 * A consumer: one outgoing copy of a producer. See consumer.h.
 */
#include "sfu/consumer.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "rtp/rtp_rewriter.h"
#include "sfu/transport.h"

struct sfu_consumer {
    sfu_consumer_params_t params;
    sfu_producer_t *producer;   /* NULL once detached */
    sfu_packet_out_t *out;
    sfu_media_counters_t *counters;
    rtp_rewriter_t *rw;
    uint32_t clock_rate;
    int video;
    int paused;
    int waiting_keyframe;
    uint16_t rtx_seq;
    uint8_t ext_map[256];       /* the publisher's id -> ours; 0 strips */
    int64_t next_sr;
    sfu_consumer_stats_t stats;
};

/* map[publisher id] = our id, for every extension both sides use. The mid
 * is dropped: its value names the publisher's m-section, and our a=ssrc
 * lines already tell the browser which section a packet belongs to. */
static void build_ext_map(sfu_consumer_t *c, const sfu_producer_params_t *pp)
{
    memset(c->ext_map, 0, sizeof c->ext_map);
    for (int k = 0; k < SFU_EXT_COUNT; k++) {
        if (k == SFU_EXT_MID || pp->ext_ids[k] == 0 || c->params.ext_ids[k] == 0)
            continue;
        c->ext_map[pp->ext_ids[k]] = c->params.ext_ids[k];
    }
}

sfu_consumer_t *sfu_consumer_create(const sfu_consumer_params_t *params,
                                    sfu_producer_t *producer, sfu_packet_out_t *out,
                                    sfu_media_counters_t *counters)
{
    if (!params || !producer || !out || !counters || params->ssrc == 0 || params->pt >= 128)
        return NULL;
    const sfu_producer_params_t *pp = sfu_producer_params(producer);
    sfu_consumer_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->params = *params;
    c->producer = producer;
    c->out = out;
    c->counters = counters;
    c->clock_rate = pp->codec.clock_rate;
    c->video = pp->kind == SDP_MEDIA_VIDEO;
    c->waiting_keyframe = c->video;
    c->rtx_seq = (uint16_t)g_random_int();
    build_ext_map(c, pp);
    /* RFC 3550 §5.1: random initial seq and timestamp. */
    c->rw = rtp_rewriter_create(params->ssrc, c->clock_rate, (uint16_t)g_random_int(),
                                g_random_int());
    if (!c->rw || sfu_producer_add_consumer(producer, c) != 0) {
        rtp_rewriter_destroy(c->rw);
        free(c);
        return NULL;
    }
    SFU_COUNT(counters, consumers);
    return c;
}

void sfu_consumer_destroy(sfu_consumer_t *c)
{
    if (!c)
        return;
    if (c->producer)
        sfu_producer_remove_consumer(c->producer, c);
    rtp_rewriter_destroy(c->rw);
    SFU_COUNT_ADD(c->counters, consumers, -1);
    free(c);
}

void sfu_consumer_detach(sfu_consumer_t *c)
{
    c->producer = NULL;
}

const sfu_consumer_params_t *sfu_consumer_params(const sfu_consumer_t *c)
{
    return &c->params;
}

uint32_t sfu_consumer_id(const sfu_consumer_t *c)
{
    return c->params.id;
}

sfu_producer_t *sfu_consumer_producer(const sfu_consumer_t *c)
{
    return c->producer;
}

void sfu_consumer_request_keyframe(sfu_consumer_t *c, int64_t now_us)
{
    if (c->producer && c->video)
        sfu_producer_request_keyframe(c->producer, now_us);
}

void sfu_consumer_restart(sfu_consumer_t *c, int64_t now_us)
{
    rtp_rewriter_mark_discontinuity(c->rw);
    c->waiting_keyframe = c->video;
    sfu_consumer_request_keyframe(c, now_us);
}

void sfu_consumer_set_paused(sfu_consumer_t *c, int paused, int64_t now_us)
{
    if (c->paused == !!paused)
        return;
    c->paused = !!paused;
    if (!paused)
        sfu_consumer_restart(c, now_us);
}

int sfu_consumer_paused(const sfu_consumer_t *c)
{
    return c->paused;
}

int sfu_consumer_waiting_keyframe(const sfu_consumer_t *c)
{
    return c->waiting_keyframe && !c->paused && c->producer;
}

/* ---- the packet path ---------------------------------------------------------- */

/* PT, extension ids and the transport-wide seq of the packet in scratch. */
static void rewrite_header(sfu_consumer_t *c, uint8_t *buf, size_t len, uint8_t pt)
{
    rtp_packet_t p;
    rtp_ext_t e;
    rtp_set_payload_type(buf, len, pt);
    if (rtp_ext_remap(buf, len, c->ext_map) <= 0 || c->params.ext_ids[SFU_EXT_TWCC] == 0)
        return;
    if (rtp_packet_parse(&p, buf, len) == 0 &&
        rtp_packet_find_ext(&p, c->params.ext_ids[SFU_EXT_TWCC], &e) == 0 && e.len == 2) {
        uint16_t seq = c->out->twcc_seq++;
        buf[e.offset] = (uint8_t)(seq >> 8);
        buf[e.offset + 1] = (uint8_t)seq;
    }
}

static int send_rtp(sfu_consumer_t *c, const uint8_t *buf, size_t len)
{
    int rc = c->out->send_rtp(c->out->user, buf, len);
    if (rc == 0) {
        SFU_COUNT(c->counters, rtp_packets_out);
        SFU_COUNT_ADD(c->counters, rtp_bytes_out, len);
    } else if (rc == -ENOTCONN) {
        SFU_COUNT(c->counters, drops_not_connected);
    } else {
        SFU_COUNT(c->counters, send_failures);
    }
    return rc;
}

/* Why a packet is not forwarded now, or 0 to forward it. */
static int gate(sfu_consumer_t *c, int keyframe)
{
    if (c->paused || !c->producer)
        return -EAGAIN;
    if (!c->out->connected) {
        SFU_COUNT(c->counters, drops_not_connected);
        return -ENOTCONN;
    }
    if (c->waiting_keyframe) {
        if (!keyframe) {
            SFU_COUNT(c->counters, drops_waiting_keyframe);
            return -EAGAIN;
        }
        c->waiting_keyframe = 0;
    }
    return 0;
}

int sfu_consumer_send(sfu_consumer_t *c, const rtp_packet_t *pkt, int keyframe,
                      int64_t now_us, uint8_t *scratch)
{
    int rc = gate(c, keyframe);
    if (rc != 0) {
        c->stats.dropped++;
        return rc;
    }
    size_t len = pkt->len;
    if (len > SFU_TRANSPORT_MAX_PACKET)
        return -EMSGSIZE;
    memcpy(scratch, pkt->data, len);
    rewrite_header(c, scratch, len, c->params.pt);
    if (rtp_rewriter_rewrite(c->rw, scratch, len, now_us) != 0) {
        SFU_COUNT(c->counters, drops_stale);
        c->stats.dropped++;
        return -ESTALE;
    }
    if ((rc = send_rtp(c, scratch, len)) != 0) {
        c->stats.dropped++;
        return rc;
    }
    c->stats.packets++;
    c->stats.bytes += pkt->payload_len;
    return 0;
}

/* ---- NACK answers ----------------------------------------------------------------- */

/* Builds the retransmission of stored packet `pkt` sent as out_seq/out_ts:
 * RFC 4588 §4 RTX (OSN before the payload, RTX SSRC/PT/seq) when we have an
 * RTX stream, else the original packet again. Returns its length or 0. */
static size_t build_retransmission(sfu_consumer_t *c, const rtp_packet_t *pkt,
                                   uint16_t out_seq, uint32_t out_ts, uint8_t *buf)
{
    size_t hdr = pkt->payload_offset, len = pkt->len;
    int rtx = c->params.rtx_ssrc != 0 && c->params.rtx_pt != 0;
    if (len + (rtx ? 2 : 0) > SFU_TRANSPORT_MAX_PACKET)
        return 0;
    memcpy(buf, pkt->data, hdr);
    if (rtx) {
        buf[hdr] = (uint8_t)(out_seq >> 8);
        buf[hdr + 1] = (uint8_t)out_seq;
        memcpy(buf + hdr + 2, pkt->data + hdr, len - hdr);
        len += 2;
    } else {
        memcpy(buf + hdr, pkt->data + hdr, len - hdr);
    }
    rewrite_header(c, buf, len, rtx ? c->params.rtx_pt : c->params.pt);
    rtp_set_ssrc(buf, len, rtx ? c->params.rtx_ssrc : c->params.ssrc);
    rtp_set_seq(buf, len, rtx ? c->rtx_seq++ : out_seq);
    rtp_set_timestamp(buf, len, out_ts);
    return len;
}

static void retransmit(sfu_consumer_t *c, uint16_t out_seq, int64_t now_us, uint8_t *scratch)
{
    uint32_t in_ssrc, out_ts;
    uint16_t in_seq;
    const uint8_t *bytes;
    size_t len;
    rtp_packet_t pkt;

    if (!c->producer || rtp_rewriter_reverse(c->rw, out_seq, &in_ssrc, &in_seq) != 0 ||
        in_ssrc != sfu_producer_ssrc(c->producer) ||
        sfu_producer_stored_packet(c->producer, in_seq, now_us, &bytes, &len) != 0 ||
        rtp_packet_parse(&pkt, bytes, len) != 0 ||
        rtp_rewriter_out_ts(c->rw, in_ssrc, pkt.timestamp, &out_ts) != 0 ||
        (len = build_retransmission(c, &pkt, out_seq, out_ts, scratch)) == 0) {
        c->stats.nack_misses++;
        SFU_COUNT(c->counters, retransmit_misses);
        return;
    }
    if (send_rtp(c, scratch, len) == 0) {
        c->stats.retransmissions++;
        SFU_COUNT(c->counters, retransmissions);
    }
}

static void handle_nack(sfu_consumer_t *c, const rtcp_packet_t *pkt, int64_t now_us,
                        uint8_t *scratch)
{
    rtcp_nack_t nack;
    uint16_t seqs[SFU_CONSUMER_NACK_MAX];
    if (rtcp_parse_nack(pkt, &nack) != 0)
        return;
    SFU_COUNT(c->counters, nacks_in);
    size_t n = rtcp_nack_expand(&nack, seqs, SFU_CONSUMER_NACK_MAX);
    for (size_t i = 0; i < n; i++)
        retransmit(c, seqs[i], now_us, scratch);
}

void sfu_consumer_handle_rtcp(sfu_consumer_t *c, const rtcp_packet_t *pkt, int64_t now_us,
                              uint8_t *scratch)
{
    if (pkt->pt == RTCP_PT_PSFB && (pkt->count == RTCP_PSFB_PLI || pkt->count == RTCP_PSFB_FIR)) {
        if (pkt->count == RTCP_PSFB_PLI)
            SFU_COUNT(c->counters, plis_in);
        else
            SFU_COUNT(c->counters, firs_in);
        c->stats.keyframe_requests++;
        sfu_consumer_request_keyframe(c, now_us);
    } else if (pkt->pt == RTCP_PT_RTPFB && pkt->count == RTCP_RTPFB_NACK && c->video) {
        handle_nack(c, pkt, now_us, scratch);
    }
}

/* ---- sender reports ------------------------------------------------------------------ */

static uint64_t ntp_add_us(uint64_t ntp, int64_t us)
{
    if (us < 0)
        us = 0;
    uint64_t s = (uint64_t)us / 1000000u, frac = (uint64_t)us % 1000000u;
    return ntp + (s << 32) + ((frac << 32) / 1000000u);
}

static uint32_t ticks(const sfu_consumer_t *c, int64_t us)
{
    return us > 0 ? (uint32_t)(((uint64_t)us * c->clock_rate) / 1000000u) : 0;
}

/*
 * The SR's NTP/RTP pair. With a publisher SR, its NTP time and our mapping
 * of its RTP time, both advanced to now: the audio and video consumers of
 * one publisher then share the publisher's clock and the subscriber can
 * keep them in lip sync (RFC 3550 §6.4.1). Without one, our wall clock and
 * the last sent timestamp advanced by the time since it was sent.
 */
static void sr_clock(sfu_consumer_t *c, int64_t now_us, int64_t wall_us, rtcp_sr_t *sr)
{
    uint64_t ntp;
    uint32_t rtp, out;
    int64_t at;
    if (c->producer && sfu_producer_last_sr(c->producer, &ntp, &rtp, &at) == 0 &&
        rtp_rewriter_out_ts(c->rw, sfu_producer_ssrc(c->producer), rtp, &out) == 0) {
        sr->ntp = ntp_add_us(ntp, now_us - at);
        sr->rtp_ts = out + ticks(c, now_us - at);
        return;
    }
    uint32_t last = 0;
    int64_t last_at = now_us;
    rtp_rewriter_last(c->rw, NULL, &last, &last_at);
    sr->ntp = rtcp_ntp_from_unix_us(wall_us);
    sr->rtp_ts = last + ticks(c, now_us - last_at);
}

void sfu_consumer_handle_timeout(sfu_consumer_t *c, int64_t now_us, int64_t wall_us)
{
    rtcp_sr_t sr;
    uint8_t buf[128];
    if (c->stats.packets == 0 || now_us < c->next_sr || !c->out->connected)
        return;
    c->next_sr = now_us + SFU_CONSUMER_SR_INTERVAL_US;
    memset(&sr, 0, sizeof sr);
    sr.ssrc = c->params.ssrc;
    sr_clock(c, now_us, wall_us, &sr);
    sr.packet_count = (uint32_t)c->stats.packets;
    sr.octet_count = (uint32_t)c->stats.bytes;
    int n = rtcp_write_sr(buf, sizeof buf, &sr);
    if (n <= 0)
        return;
    /* RFC 3550 §6.1: a compound starts with SR and carries the CNAME. */
    int m = rtcp_write_sdes_cname(buf + n, sizeof buf - (size_t)n, c->params.ssrc,
                                  c->params.cname, strnlen(c->params.cname, sizeof c->params.cname));
    if (m > 0)
        n += m;
    if (c->out->send_rtcp(c->out->user, buf, (size_t)n) == 0) {
        SFU_COUNT(c->counters, srs_out);
        SFU_COUNT(c->counters, rtcp_packets_out);
    }
}

void sfu_consumer_get_stats(const sfu_consumer_t *c, sfu_consumer_stats_t *out)
{
    *out = c->stats;
}
