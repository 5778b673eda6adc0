/*
 * Helpers shared by the packet-path tests (test_producer.c,
 * test_consumer.c, test_router.c): a capture for sfu_packet_out_t and
 * builders for the RTP packets a Chromium publisher sends. Header-only,
 * static functions: each test includes it once.
 */
#ifndef TEST_MEDIA_PACKETS_H
#define TEST_MEDIA_PACKETS_H

#include <stdio.h>
#include <string.h>

#include "rtp/rtcp.h"
#include "sfu/consumer.h"
#include "sfu/packet_out.h"
#include "sfu/producer.h"

/* ---- shared by the packet-path tests: capture outputs, build packets ---- */
#define CAP 64

typedef struct {
    uint8_t rtp[CAP][1600];
    size_t rtp_len[CAP];
    int n_rtp;
    uint8_t rtcp[CAP][1600];
    size_t rtcp_len[CAP];
    int n_rtcp;
} capture_t;

static inline int cap_rtp(void *user, const uint8_t *buf, size_t len)
{
    capture_t *c = user;
    if (c->n_rtp < CAP) {
        memcpy(c->rtp[c->n_rtp], buf, len);
        c->rtp_len[c->n_rtp++] = len;
    }
    return 0;
}

static inline int cap_rtcp(void *user, const uint8_t *buf, size_t len)
{
    capture_t *c = user;
    if (c->n_rtcp < CAP) {
        memcpy(c->rtcp[c->n_rtcp], buf, len);
        c->rtcp_len[c->n_rtcp++] = len;
    }
    return 0;
}

static inline void out_init(sfu_packet_out_t *o, capture_t *c)
{
    memset(c, 0, sizeof *c);
    *o = (sfu_packet_out_t){cap_rtp, cap_rtcp, c, 1, 100};
}

static inline uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* VP8 payload: descriptor S=1 PID=0 (0x10), then a payload header whose P
 * bit (0 = keyframe, RFC 7741 §4.3) we choose, then filler bytes. */
static inline size_t vp8_payload(uint8_t *p, int keyframe, uint8_t fill)
{
    p[0] = 0x10;
    p[1] = keyframe ? 0x00 : 0x01;
    for (int i = 2; i < 20; i++)
        p[i] = (uint8_t)(fill + i);
    return 20;
}

/*
 * An RTP packet as a Chromium publisher sends it: V=2, X=1 with a one-byte
 * extension block holding mid (id 4, "1"), abs-send-time (id 2, 3 bytes)
 * and transport-wide seq (id 3, 2 bytes) -- 12 bytes of extension data --
 * then the payload.
 */
static inline size_t make_rtp(uint8_t *buf, uint32_t ssrc, uint8_t pt, uint16_t seq, uint32_t ts,
                       uint16_t twcc, const uint8_t *payload, size_t plen)
{
    const uint8_t hdr[28] = {
        0x90, pt, (uint8_t)(seq >> 8), (uint8_t)seq,
        (uint8_t)(ts >> 24), (uint8_t)(ts >> 16), (uint8_t)(ts >> 8), (uint8_t)ts,
        (uint8_t)(ssrc >> 24), (uint8_t)(ssrc >> 16), (uint8_t)(ssrc >> 8), (uint8_t)ssrc,
        0xBE, 0xDE, 0x00, 0x03,              /* one-byte profile, 3 words */
        0x40, '1',                           /* id 4 (mid), len 1 */
        0x22, 0x01, 0x02, 0x03,              /* id 2 (abs-send-time), len 3 */
        0x31, (uint8_t)(twcc >> 8), (uint8_t)twcc, /* id 3 (twcc), len 2 */
        0x00, 0x00, 0x00,                    /* padding */
    };
    memcpy(buf, hdr, sizeof hdr);
    memcpy(buf + sizeof hdr, payload, plen);
    return sizeof hdr + plen;
}

#define HDR_LEN 28

static inline void video_params(sfu_producer_params_t *pp, uint32_t id)
{
    memset(pp, 0, sizeof *pp);
    pp->id = id;
    pp->peer_id = 1;
    pp->kind = SDP_MEDIA_VIDEO;
    snprintf(pp->mid, sizeof pp->mid, "1");
    pp->ssrc = 1000;
    pp->rtx_ssrc = 1001;
    sdp_codec_init(&pp->codec);
    pp->codec.pt = 96;
    snprintf(pp->codec.name, sizeof pp->codec.name, "VP8");
    pp->codec.clock_rate = 90000;
    pp->rtx_pt = 97;
    pp->ext_ids[SFU_EXT_MID] = 4;
    pp->ext_ids[SFU_EXT_ABS_SEND] = 2;
    pp->ext_ids[SFU_EXT_TWCC] = 3;
    pp->rtcp_ssrc = 7;
}

static inline void consumer_params(sfu_consumer_params_t *cp, int rtx)
{
    memset(cp, 0, sizeof *cp);
    cp->id = 50;
    cp->peer_id = 2;
    cp->ssrc = 5000;
    cp->rtx_ssrc = rtx ? 5001 : 0;
    cp->pt = 100;
    cp->rtx_pt = rtx ? 101 : 0;
    cp->ext_ids[SFU_EXT_MID] = 1;
    cp->ext_ids[SFU_EXT_ABS_SEND] = 12;
    cp->ext_ids[SFU_EXT_TWCC] = 13;
    snprintf(cp->cname, sizeof cp->cname, "p1");
}

/* Feeds one video packet of the producer's media SSRC. */
static inline int feed(sfu_producer_t *p, uint16_t seq, uint32_t ts, int keyframe, int64_t now)
{
    uint8_t pl[32], buf[256];
    size_t plen = vp8_payload(pl, keyframe, (uint8_t)seq);
    size_t len = make_rtp(buf, 1000, 96, seq, ts, seq, pl, plen);
    return sfu_producer_handle_rtp(p, buf, len, now);
}

/* Counts RTCP packets of (pt, fmt) among the captured compounds. */
static inline int count_rtcp(const capture_t *c, uint8_t pt, int fmt)
{
    int n = 0;
    for (int i = 0; i < c->n_rtcp; i++) {
        rtcp_iter_t it;
        rtcp_packet_t p;
        rtcp_iter_init(&it, c->rtcp[i], c->rtcp_len[i]);
        while (rtcp_iter_next(&it, &p) > 0)
            n += p.pt == pt && (fmt < 0 || p.count == fmt);
    }
    return n;
}

#endif
