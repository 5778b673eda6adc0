/*
 * Transport-level demux and timers for producers and consumers. See router.h.
 */
#include "sfu/router.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rtp/twcc.h"

#define TWCC_WINDOW 4096

struct sfu_router_in {
    sfu_producer_t *producers[SFU_ROUTER_MAX_PRODUCERS];
    size_t n;
    uint32_t rtcp_ssrc;
    sfu_packet_out_t *out;
    sfu_media_counters_t *counters;
    uint8_t mid_id, twcc_id;
    int remb;
    rtp_twcc_t *twcc;
    int64_t next_twcc, next_remb;
};

struct sfu_router_out {
    sfu_consumer_t *consumers[SFU_ROUTER_MAX_CONSUMERS];
    size_t n;
    sfu_media_counters_t *counters;
    uint8_t scratch[SFU_TRANSPORT_MAX_PACKET + 2];
};

/* ---- publisher side ------------------------------------------------------------ */

sfu_router_in_t *sfu_router_in_create(uint32_t rtcp_ssrc, sfu_packet_out_t *out,
                                      sfu_media_counters_t *counters)
{
    if (!out || !counters)
        return NULL;
    sfu_router_in_t *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->rtcp_ssrc = rtcp_ssrc;
    r->out = out;
    r->counters = counters;
    r->twcc = rtp_twcc_create(rtcp_ssrc, 0, TWCC_WINDOW);
    if (!r->twcc) {
        free(r);
        return NULL;
    }
    return r;
}

void sfu_router_in_destroy(sfu_router_in_t *r)
{
    if (!r)
        return;
    rtp_twcc_destroy(r->twcc);
    free(r);
}

void sfu_router_in_set_ext_ids(sfu_router_in_t *r, uint8_t mid_id, uint8_t twcc_id, int remb)
{
    r->mid_id = mid_id;
    r->twcc_id = twcc_id;
    r->remb = remb;
}

int sfu_router_in_add(sfu_router_in_t *r, sfu_producer_t *p)
{
    if (r->n == SFU_ROUTER_MAX_PRODUCERS)
        return -ENOSPC;
    r->producers[r->n++] = p;
    return 0;
}

void sfu_router_in_remove(sfu_router_in_t *r, sfu_producer_t *p)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->producers[i] == p) {
            memmove(&r->producers[i], &r->producers[i + 1], (r->n - i - 1) * sizeof p);
            r->n--;
            return;
        }
}

size_t sfu_router_in_count(const sfu_router_in_t *r)
{
    return r->n;
}

sfu_producer_t *sfu_router_in_get(const sfu_router_in_t *r, size_t i)
{
    return i < r->n ? r->producers[i] : NULL;
}

/* A producer whose SDP had no a=ssrc (e.g. rid-based sending) learns its
 * SSRC from the first packet whose mid extension names its m-section. RTX
 * of such a stream stays unknown and is dropped (the rtx_ssrc is 0). */
static sfu_producer_t *bind_by_mid(sfu_router_in_t *r, const rtp_packet_t *pkt)
{
    rtp_ext_t e;
    if (r->mid_id == 0 || rtp_packet_find_ext(pkt, r->mid_id, &e) != 0)
        return NULL;
    for (size_t i = 0; i < r->n; i++) {
        sfu_producer_t *p = r->producers[i];
        const char *mid = sfu_producer_params(p)->mid;
        if (sfu_producer_ssrc(p) == 0 && strlen(mid) == e.len && memcmp(mid, e.data, e.len) == 0) {
            sfu_producer_bind_ssrc(p, pkt->ssrc);
            return p;
        }
    }
    return NULL;
}

static sfu_producer_t *find_producer(sfu_router_in_t *r, const rtp_packet_t *pkt)
{
    for (size_t i = 0; i < r->n; i++) {
        sfu_producer_t *p = r->producers[i];
        if (sfu_producer_ssrc(p) == pkt->ssrc ||
            (sfu_producer_rtx_ssrc(p) != 0 && sfu_producer_rtx_ssrc(p) == pkt->ssrc))
            return p;
    }
    return bind_by_mid(r, pkt);
}

int sfu_router_in_handle_rtp(sfu_router_in_t *r, uint8_t *buf, size_t len, int64_t now_us)
{
    rtp_packet_t pkt;
    uint16_t tseq;
    int rc = rtp_packet_parse(&pkt, buf, len);
    if (rc < 0)
        return rc;
    /* Every packet counts for bandwidth estimation, probes and RTX too. */
    if (r->twcc_id && rtp_twcc_seq_from_packet(&pkt, r->twcc_id, &tseq) == 0)
        rtp_twcc_on_packet(r->twcc, tseq, now_us);
    sfu_producer_t *p = find_producer(r, &pkt);
    if (!p) {
        SFU_COUNT(r->counters, drops_unknown);
        return RTP_ENOENT;
    }
    return sfu_producer_handle_rtp(p, buf, len, now_us);
}

void sfu_router_in_handle_rtcp(sfu_router_in_t *r, const uint8_t *buf, size_t len,
                               int64_t now_us)
{
    rtcp_iter_t it;
    rtcp_packet_t pkt;
    rtcp_sr_t sr;
    SFU_COUNT(r->counters, rtcp_packets_in);
    rtcp_iter_init(&it, buf, len);
    while (rtcp_iter_next(&it, &pkt) > 0) {
        if (pkt.pt != RTCP_PT_SR || rtcp_parse_sr(&pkt, &sr) != 0)
            continue;
        for (size_t i = 0; i < r->n; i++)
            if (sfu_producer_ssrc(r->producers[i]) == sr.ssrc)
                sfu_producer_handle_sr(r->producers[i], &sr, now_us);
    }
}

/* The media SSRC our feedback names: any SSRC the publisher sends on this
 * transport will do (one transport-wide sequence covers them all), but it
 * must be one of its own, or Chromium discards the feedback (twcc.h). The
 * first producer's, so that exactly one of its RTP modules takes it. */
static uint32_t feedback_media_ssrc_in(const sfu_router_in_t *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (sfu_producer_ssrc(r->producers[i]) != 0)
            return sfu_producer_ssrc(r->producers[i]);
    return 0;
}

static void send_twcc(sfu_router_in_t *r, int64_t now_us)
{
    uint8_t buf[1200];
    int n;
    rtp_twcc_set_media_ssrc(r->twcc, feedback_media_ssrc_in(r));
    /* Drain: one call covers what fits in one packet. */
    for (int i = 0; i < 8 && (n = rtp_twcc_build_feedback(r->twcc, now_us, buf, sizeof buf)) > 0;
         i++) {
        if (r->out->send_rtcp(r->out->user, buf, (size_t)n) != 0)
            return;
        SFU_COUNT(r->counters, twcc_out);
        SFU_COUNT(r->counters, rtcp_packets_out);
    }
}

/*
 * Without transport-cc the browser estimates from losses and takes REMB as
 * an upper bound; a fixed generous cap lets it ramp up on a good path
 * instead of staying at its start rate.
 */
static void send_remb(sfu_router_in_t *r)
{
    uint32_t ssrcs[SFU_ROUTER_MAX_PRODUCERS];
    size_t n = 0;
    uint8_t buf[96];
    for (size_t i = 0; i < r->n; i++)
        if (sfu_producer_ssrc(r->producers[i]) != 0)
            ssrcs[n++] = sfu_producer_ssrc(r->producers[i]);
    if (n == 0)
        return;
    int len = rtcp_write_remb(buf, sizeof buf, r->rtcp_ssrc, SFU_ROUTER_REMB_BPS, ssrcs, n);
    if (len > 0 && r->out->send_rtcp(r->out->user, buf, (size_t)len) == 0) {
        SFU_COUNT(r->counters, remb_out);
        SFU_COUNT(r->counters, rtcp_packets_out);
    }
}

void sfu_router_in_handle_timeout(sfu_router_in_t *r, int64_t now_us)
{
    if (!r->out->connected)
        return;
    if (r->twcc_id && now_us >= r->next_twcc) {
        r->next_twcc = now_us + SFU_ROUTER_TWCC_INTERVAL_US;
        send_twcc(r, now_us);
    }
    if (!r->twcc_id && r->remb && now_us >= r->next_remb) {
        r->next_remb = now_us + SFU_ROUTER_REMB_INTERVAL_US;
        send_remb(r);
    }
    for (size_t i = 0; i < r->n; i++)
        sfu_producer_handle_timeout(r->producers[i], now_us);
}

/* ---- subscriber side ---------------------------------------------------------------- */

sfu_router_out_t *sfu_router_out_create(sfu_media_counters_t *counters)
{
    if (!counters)
        return NULL;
    sfu_router_out_t *r = calloc(1, sizeof *r);
    if (r)
        r->counters = counters;
    return r;
}

void sfu_router_out_destroy(sfu_router_out_t *r)
{
    free(r);
}

int sfu_router_out_add(sfu_router_out_t *r, sfu_consumer_t *c)
{
    if (r->n == SFU_ROUTER_MAX_CONSUMERS)
        return -ENOSPC;
    r->consumers[r->n++] = c;
    return 0;
}

void sfu_router_out_remove(sfu_router_out_t *r, sfu_consumer_t *c)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->consumers[i] == c) {
            r->consumers[i] = r->consumers[--r->n];
            return;
        }
}

static sfu_consumer_t *consumer_by_ssrc(sfu_router_out_t *r, uint32_t ssrc)
{
    for (size_t i = 0; i < r->n; i++) {
        const sfu_consumer_params_t *cp = sfu_consumer_params(r->consumers[i]);
        if (cp->ssrc == ssrc || (cp->rtx_ssrc != 0 && cp->rtx_ssrc == ssrc))
            return r->consumers[i];
    }
    return NULL;
}

/* RFC 4585 §6.1: feedback names the media source at body offset 4; FIR
 * (RFC 5104 §4.3.1.2) names it in its FCI entries instead. */
static uint32_t feedback_media_ssrc(const rtcp_packet_t *pkt)
{
    rtcp_fir_t fir;
    uint32_t ssrc = 0;
    uint8_t seq;
    if (pkt->pt == RTCP_PT_PSFB && pkt->count == RTCP_PSFB_FIR) {
        if (rtcp_parse_fir(pkt, &fir) == 0 && rtcp_fir_entry(&fir, 0, &ssrc, &seq) == 0)
            return ssrc;
        return 0;
    }
    if (pkt->body_len < 8)
        return 0;
    const uint8_t *b = pkt->body + 4;
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

void sfu_router_out_handle_rtcp(sfu_router_out_t *r, const uint8_t *buf, size_t len,
                                int64_t now_us)
{
    rtcp_iter_t it;
    rtcp_packet_t pkt;
    SFU_COUNT(r->counters, rtcp_packets_in);
    rtcp_iter_init(&it, buf, len);
    while (rtcp_iter_next(&it, &pkt) > 0) {
        if (pkt.pt != RTCP_PT_PSFB && pkt.pt != RTCP_PT_RTPFB)
            continue; /* RR, SDES, ...: nothing to act on yet */
        sfu_consumer_t *c = consumer_by_ssrc(r, feedback_media_ssrc(&pkt));
        if (c)
            sfu_consumer_handle_rtcp(c, &pkt, now_us, r->scratch);
    }
}

void sfu_router_out_handle_timeout(sfu_router_out_t *r, int64_t now_us, int64_t wall_us)
{
    for (size_t i = 0; i < r->n; i++)
        sfu_consumer_handle_timeout(r->consumers[i], now_us, wall_us);
}

void sfu_router_out_request_keyframes(sfu_router_out_t *r, int64_t now_us)
{
    for (size_t i = 0; i < r->n; i++)
        if (sfu_consumer_waiting_keyframe(r->consumers[i]))
            sfu_consumer_request_keyframe(r->consumers[i], now_us);
}
