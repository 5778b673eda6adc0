/*
 * A producer: receive side of one track. See producer.h.
 */
#include "sfu/producer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rtp/nack_buffer.h"
#include "rtp/nack_generator.h"
#include "sfu/codecs.h"
#include "sfu/consumer.h"
#include "sfu/transport.h"

#define NACK_POLL_MAX 64

/* RFC 3550 A.1 / A.3 / A.8 receive statistics for the RR. */
typedef struct recv_stats {
    int started;
    uint16_t max_seq;
    uint32_t cycles;       /* shifted count of seq wraps */
    uint32_t base_seq;
    uint32_t received;
    uint32_t expected_prior, received_prior;
    int64_t transit;       /* previous transit in RTP units */
    uint32_t jitter_q4;    /* jitter * 16 (A.8 integer form) */
} recv_stats_t;

struct sfu_producer {
    sfu_producer_params_t params;
    rtp_codec_t rtp_codec;     /* for keyframe detection */
    sfu_packet_out_t *out;
    sfu_media_counters_t *counters;
    int paused;

    sfu_consumer_t **consumers;
    size_t n_consumers, cap_consumers;

    rtp_nack_buffer_t *store;   /* video only */
    rtp_nack_generator_t *nack; /* video only */
    int64_t last_keyframe_req;  /* 0: never */
    int keyframe_pending;
    int64_t next_rr;

    recv_stats_t rs;
    int have_sr;
    uint64_t sr_ntp;
    uint32_t sr_rtp;
    int64_t sr_at;

    sfu_producer_stats_t stats;
    uint8_t scratch[SFU_TRANSPORT_MAX_PACKET];
};

const char *sfu_ext_uri(sfu_ext_t e)
{
    switch (e) {
    case SFU_EXT_MID: return SDP_URI_MID;
    case SFU_EXT_ABS_SEND: return SDP_URI_ABS_SEND;
    case SFU_EXT_TWCC: return SDP_URI_TWCC;
    case SFU_EXT_AUDIO_LEVEL: return SDP_URI_AUDIO_LVL;
    case SFU_EXT_ORIENTATION: return SDP_URI_VIDEO_ORNT;
    default: return "";
    }
}

static rtp_codec_t codec_of(const sdp_codec_t *c)
{
    if (strcasecmp(c->name, "VP8") == 0)
        return RTP_CODEC_VP8;
    if (strcasecmp(c->name, "VP9") == 0)
        return RTP_CODEC_VP9;
    if (strcasecmp(c->name, "H264") == 0)
        return RTP_CODEC_H264;
    return RTP_CODEC_OTHER;
}

sfu_producer_t *sfu_producer_create(const sfu_producer_params_t *params,
                                    sfu_packet_out_t *out, sfu_media_counters_t *counters)
{
    if (!params || !out || !counters || params->codec.clock_rate == 0 ||
        (params->kind != SDP_MEDIA_AUDIO && params->kind != SDP_MEDIA_VIDEO))
        return NULL;
    sfu_producer_t *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->params = *params;
    p->rtp_codec = codec_of(&params->codec);
    p->out = out;
    p->counters = counters;
    if (params->kind == SDP_MEDIA_VIDEO) {
        p->store = rtp_nack_buffer_create(SFU_PRODUCER_NACK_CAPACITY, RTP_NACK_BUFFER_SLOT_SIZE,
                                          SFU_PRODUCER_NACK_MAX_AGE_US);
        p->nack = rtp_nack_generator_create(NULL);
        if (!p->store || !p->nack) {
            sfu_producer_destroy(p);
            return NULL;
        }
    }
    SFU_COUNT(counters, producers);
    return p;
}

void sfu_producer_destroy(sfu_producer_t *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_consumers; i++)
        sfu_consumer_detach(p->consumers[i]);
    free(p->consumers);
    rtp_nack_buffer_destroy(p->store);
    rtp_nack_generator_destroy(p->nack);
    if (p->counters)
        SFU_COUNT_ADD(p->counters, producers, -1);
    free(p);
}

const sfu_producer_params_t *sfu_producer_params(const sfu_producer_t *p)
{
    return &p->params;
}

uint32_t sfu_producer_id(const sfu_producer_t *p)
{
    return p->params.id;
}

uint32_t sfu_producer_ssrc(const sfu_producer_t *p)
{
    return p->params.ssrc;
}

uint32_t sfu_producer_rtx_ssrc(const sfu_producer_t *p)
{
    return p->params.rtx_ssrc;
}

void sfu_producer_bind_ssrc(sfu_producer_t *p, uint32_t ssrc)
{
    p->params.ssrc = ssrc;
}

int sfu_producer_add_consumer(sfu_producer_t *p, sfu_consumer_t *c)
{
    if (p->n_consumers == p->cap_consumers) {
        size_t cap = p->cap_consumers ? p->cap_consumers * 2 : 4;
        sfu_consumer_t **a = realloc(p->consumers, cap * sizeof *a);
        if (!a)
            return -ENOMEM;
        p->consumers = a;
        p->cap_consumers = cap;
    }
    p->consumers[p->n_consumers++] = c;
    return 0;
}

void sfu_producer_remove_consumer(sfu_producer_t *p, sfu_consumer_t *c)
{
    for (size_t i = 0; i < p->n_consumers; i++)
        if (p->consumers[i] == c) {
            p->consumers[i] = p->consumers[--p->n_consumers];
            return;
        }
}

size_t sfu_producer_consumer_count(const sfu_producer_t *p)
{
    return p->n_consumers;
}

void sfu_producer_set_paused(sfu_producer_t *p, int paused, int64_t now_us)
{
    if (p->paused == !!paused)
        return;
    p->paused = !!paused;
    /* Consumers restart cleanly: a new rewriter segment (else the seqs
     * skipped while paused look lost downstream) and a keyframe. */
    for (size_t i = 0; i < p->n_consumers && !paused; i++)
        sfu_consumer_restart(p->consumers[i], now_us);
    if (!paused)
        sfu_producer_request_keyframe(p, now_us);
}

int sfu_producer_paused(const sfu_producer_t *p)
{
    return p->paused;
}

/* ---- receive statistics (RFC 3550 A.1, A.8) ---------------------------------- */

static void stats_update(sfu_producer_t *p, const rtp_packet_t *pkt, int64_t now_us)
{
    recv_stats_t *rs = &p->rs;
    if (!rs->started) {
        rs->started = 1;
        rs->max_seq = pkt->seq;
        rs->base_seq = pkt->seq;
        rs->received = 1;
        rs->transit = (int64_t)(now_us * (int64_t)p->params.codec.clock_rate / 1000000) -
                      pkt->timestamp;
        return;
    }
    rs->received++;
    int d = rtp_seq_diff(pkt->seq, rs->max_seq);
    if (d <= 0)
        return; /* reordered or retransmitted: no jitter sample */
    if (pkt->seq < rs->max_seq)
        rs->cycles += 65536;
    rs->max_seq = pkt->seq;
    int64_t arrival = now_us * (int64_t)p->params.codec.clock_rate / 1000000;
    int64_t transit = arrival - pkt->timestamp;
    int64_t delta = transit - rs->transit;
    rs->transit = transit;
    if (delta < 0)
        delta = -delta;
    if (delta > 0x7fffffff)
        delta = 0x7fffffff;
    rs->jitter_q4 += (uint32_t)delta - ((rs->jitter_q4 + 8) >> 4);
}

/* Fills one RR report block about our media SSRC (RFC 3550 §6.4.1, A.3). */
static void report_block(sfu_producer_t *p, rtcp_report_block_t *b, int64_t now_us)
{
    recv_stats_t *rs = &p->rs;
    uint32_t ext_max = rs->cycles + rs->max_seq;
    int64_t expected = (int64_t)ext_max - rs->base_seq + 1;
    int64_t lost = expected - rs->received;
    int64_t expected_interval = expected - rs->expected_prior;
    int64_t lost_interval = expected_interval - (rs->received - rs->received_prior);
    rs->expected_prior = (uint32_t)expected;
    rs->received_prior = rs->received;
    memset(b, 0, sizeof *b);
    b->ssrc = p->params.ssrc;
    if (expected_interval > 0 && lost_interval > 0)
        b->fraction_lost = (uint8_t)((lost_interval << 8) / expected_interval);
    b->cumulative_lost = (int32_t)(lost > 0x7fffff ? 0x7fffff : (lost < -0x800000 ? -0x800000 : lost));
    b->ext_highest_seq = ext_max;
    b->jitter = rs->jitter_q4 >> 4;
    if (p->have_sr) {
        b->lsr = rtcp_ntp_compact(p->sr_ntp);
        b->dlsr = (uint32_t)(((now_us - p->sr_at) * 65536) / 1000000);
    }
    p->stats.lost = lost > 0 ? (uint64_t)lost : 0;
}

/* ---- the packet path ------------------------------------------------------------- */

/*
 * RFC 4588 §4: an RTX payload starts with the original seq (OSN). Rewrites
 * the packet in place into the original: media SSRC, OSN, the codec's PT,
 * payload moved back by two bytes. Returns the new length, or 0 for a
 * padding-only packet (bandwidth probing), which is not media.
 */
static size_t rtx_unwrap(sfu_producer_t *p, uint8_t *buf, const rtp_packet_t *pkt)
{
    if (pkt->payload_len < 2)
        return 0;
    size_t off = pkt->payload_offset;
    uint16_t osn = (uint16_t)((buf[off] << 8) | buf[off + 1]);
    memmove(buf + off, buf + off + 2, pkt->len - off - 2);
    size_t len = pkt->len - 2;
    rtp_set_seq(buf, len, osn);
    rtp_set_ssrc(buf, len, p->params.ssrc);
    rtp_set_payload_type(buf, len, p->params.codec.pt);
    return len;
}

static void on_nack_tracker(sfu_producer_t *p, uint16_t seq, int64_t now_us)
{
    if (p->nack && rtp_nack_generator_on_packet(p->nack, seq, now_us) == RTP_NACK_KEYFRAME)
        sfu_producer_request_keyframe(p, now_us);
}

static void fan_out(sfu_producer_t *p, const rtp_packet_t *pkt, int64_t now_us)
{
    int keyframe = 0;
    if (p->rtp_codec != RTP_CODEC_OTHER && pkt->payload_len > 0)
        keyframe = rtp_is_keyframe(p->rtp_codec, pkt->data + pkt->payload_offset,
                                   pkt->payload_len) > 0;
    /* A keyframe after a deferred request answers it: whoever asked (a new
     * consumer, a subscriber that lost packets) can start from this one, so
     * the publisher is not made to send a second one. */
    if (keyframe)
        p->keyframe_pending = 0;
    for (size_t i = 0; i < p->n_consumers; i++)
        sfu_consumer_send(p->consumers[i], pkt, keyframe, now_us, p->scratch);
}

int sfu_producer_handle_rtp(sfu_producer_t *p, uint8_t *buf, size_t len, int64_t now_us)
{
    rtp_packet_t pkt;
    int rc = rtp_packet_parse(&pkt, buf, len);
    if (rc < 0)
        return rc;
    SFU_COUNT(p->counters, rtp_packets_in);
    SFU_COUNT_ADD(p->counters, rtp_bytes_in, len);
    if (pkt.ssrc == p->params.rtx_ssrc && p->params.rtx_ssrc != 0) {
        p->stats.rtx_packets++;
        len = rtx_unwrap(p, buf, &pkt);
        if (len == 0) {
            p->stats.padding_packets++;
            return 0;
        }
        if ((rc = rtp_packet_parse(&pkt, buf, len)) < 0)
            return rc;
    } else if (pkt.ssrc != p->params.ssrc) {
        return RTP_ENOENT;
    } else {
        stats_update(p, &pkt, now_us);
    }
    p->stats.packets++;
    p->stats.bytes += len;
    if (pkt.payload_type != p->params.codec.pt) {
        SFU_COUNT(p->counters, drops_unknown);
        return 0;
    }
    on_nack_tracker(p, pkt.seq, now_us);
    if (p->store)
        rtp_nack_buffer_put(p->store, pkt.seq, buf, len, now_us);
    if (!p->paused)
        fan_out(p, &pkt, now_us);
    return 0;
}

void sfu_producer_handle_sr(sfu_producer_t *p, const rtcp_sr_t *sr, int64_t now_us)
{
    p->have_sr = 1;
    p->sr_ntp = sr->ntp;
    p->sr_rtp = sr->rtp_ts;
    p->sr_at = now_us;
}

int sfu_producer_last_sr(const sfu_producer_t *p, uint64_t *ntp, uint32_t *rtp_ts,
                         int64_t *at_us)
{
    if (!p->have_sr)
        return RTP_ENOENT;
    *ntp = p->sr_ntp;
    *rtp_ts = p->sr_rtp;
    *at_us = p->sr_at;
    return 0;
}

int sfu_producer_stored_packet(const sfu_producer_t *p, uint16_t seq, int64_t now_us,
                               const uint8_t **bytes, size_t *len)
{
    if (!p->store)
        return RTP_ENOENT;
    return rtp_nack_buffer_get(p->store, seq, now_us, bytes, len);
}

/* ---- RTCP to the publisher --------------------------------------------------------- */

static int send_rtcp(sfu_producer_t *p, const uint8_t *buf, int n)
{
    if (n <= 0)
        return -EINVAL;
    int rc = p->out->send_rtcp(p->out->user, buf, (size_t)n);
    if (rc == 0)
        SFU_COUNT(p->counters, rtcp_packets_out);
    return rc;
}

static void send_pli(sfu_producer_t *p, int64_t now_us)
{
    uint8_t buf[16];
    int n = rtcp_write_pli(buf, sizeof buf, p->params.rtcp_ssrc, p->params.ssrc);
    if (send_rtcp(p, buf, n) != 0) {
        p->keyframe_pending = 1; /* try again when the transport is up */
        return;
    }
    p->last_keyframe_req = now_us;
    p->keyframe_pending = 0;
    p->stats.keyframe_requests_sent++;
    SFU_COUNT(p->counters, plis_out);
}

void sfu_producer_request_keyframe(sfu_producer_t *p, int64_t now_us)
{
    if (p->params.kind != SDP_MEDIA_VIDEO || p->params.ssrc == 0)
        return;
    if (p->last_keyframe_req != 0 &&
        now_us - p->last_keyframe_req < SFU_PRODUCER_KEYFRAME_INTERVAL_US) {
        if (!p->keyframe_pending)
            SFU_COUNT(p->counters, keyframe_requests_deferred);
        p->keyframe_pending = 1;
        return;
    }
    send_pli(p, now_us);
}

static void send_nacks(sfu_producer_t *p, int64_t now_us)
{
    uint16_t seqs[NACK_POLL_MAX];
    uint8_t buf[16 + 4 * NACK_POLL_MAX];
    if (!p->nack || rtp_nack_generator_next_timeout(p->nack) > now_us)
        return;
    size_t n = rtp_nack_generator_poll(p->nack, now_us, seqs, NACK_POLL_MAX);
    if (n == 0)
        return;
    int len = rtcp_write_nack(buf, sizeof buf, p->params.rtcp_ssrc, p->params.ssrc, seqs, n);
    if (send_rtcp(p, buf, len) == 0)
        SFU_COUNT(p->counters, nacks_out);
}

static void send_rr(sfu_producer_t *p, int64_t now_us)
{
    rtcp_rr_t rr;
    uint8_t buf[64];
    memset(&rr, 0, sizeof rr);
    rr.ssrc = p->params.rtcp_ssrc;
    rr.report_count = 1;
    report_block(p, &rr.reports[0], now_us);
    if (send_rtcp(p, buf, rtcp_write_rr(buf, sizeof buf, &rr)) == 0)
        SFU_COUNT(p->counters, rrs_out);
}

void sfu_producer_handle_timeout(sfu_producer_t *p, int64_t now_us)
{
    send_nacks(p, now_us);
    if (p->keyframe_pending && (p->last_keyframe_req == 0 ||
                               now_us - p->last_keyframe_req >= SFU_PRODUCER_KEYFRAME_INTERVAL_US))
        send_pli(p, now_us);
    if (p->rs.started && now_us >= p->next_rr) {
        p->next_rr = now_us + SFU_PRODUCER_RR_INTERVAL_US;
        send_rr(p, now_us);
    }
}

void sfu_producer_get_stats(const sfu_producer_t *p, sfu_producer_stats_t *out)
{
    *out = p->stats;
    out->jitter = p->rs.jitter_q4 >> 4;
}
