/*
 * Producer packet path without sockets: RTX unwrap into the original
 * stream, keyframe request rate limit, upstream NACK and RR, pause.
 */
#include "sfu/media_counters.h"
#include "test.h"
#include "test_media_packets.h"

static sfu_media_counters_t counters;
static capture_t pub, sub;
static sfu_packet_out_t pub_out, sub_out;

static sfu_producer_t *make(void)
{
    sfu_producer_params_t pp;
    video_params(&pp, 1);
    out_init(&pub_out, &pub);
    out_init(&sub_out, &sub);
    return sfu_producer_create(&pp, &pub_out, &counters);
}

static sfu_consumer_t *attach(sfu_producer_t *p)
{
    sfu_consumer_params_t cp;
    consumer_params(&cp, 1);
    return sfu_consumer_create(&cp, p, &sub_out, &counters);
}

TEST(rtx_fills_the_gap_with_the_original_seq)
{
    sfu_producer_t *p = make();
    sfu_consumer_t *c = attach(p);
    ASSERT_TRUE(p && c);
    ASSERT_EQ(feed(p, 10, 900, 1, 1000), 0);
    ASSERT_EQ(feed(p, 12, 900, 0, 2000), 0); /* 11 lost */
    ASSERT_EQ(sub.n_rtp, 2);
    uint16_t base = rd16(sub.rtp[0] + 2);
    ASSERT_EQ(rd16(sub.rtp[1] + 2), (uint16_t)(base + 2));

    /* RFC 4588 RTX: SSRC 1001, PT 97, own seq, OSN 11 before the payload. */
    uint8_t pl[32], rtx_pl[34], buf[256];
    size_t plen = vp8_payload(pl, 0, 11);
    rtx_pl[0] = 0;
    rtx_pl[1] = 11;
    memcpy(rtx_pl + 2, pl, plen);
    size_t len = make_rtp(buf, 1001, 97, 555, 900, 3, rtx_pl, plen + 2);
    ASSERT_EQ(sfu_producer_handle_rtp(p, buf, len, 3000), 0);
    ASSERT_EQ(sub.n_rtp, 3);
    ASSERT_EQ(rd16(sub.rtp[2] + 2), (uint16_t)(base + 1)); /* mapped as seq 11 */
    ASSERT_EQ(sub.rtp[2][1] & 0x7f, 100);                  /* consumer's PT */
    ASSERT_EQ(rd32(sub.rtp[2] + 8), 5000);
    ASSERT_EQ(sub.rtp_len[2], len - 2);
    ASSERT_MEM_EQ(sub.rtp[2] + HDR_LEN, pl, plen);

    /* A padding-only RTX packet (bandwidth probe) is not media. */
    len = make_rtp(buf, 1001, 97, 556, 900, 4, pl, 0);
    ASSERT_EQ(sfu_producer_handle_rtp(p, buf, len, 4000), 0);
    ASSERT_EQ(sub.n_rtp, 3);
    sfu_producer_stats_t st;
    sfu_producer_get_stats(p, &st);
    ASSERT_EQ(st.rtx_packets, 2);
    ASSERT_EQ(st.padding_packets, 1);
    sfu_consumer_destroy(c);
    sfu_producer_destroy(p);
}

TEST(unknown_ssrc_and_pt)
{
    sfu_producer_t *p = make();
    uint8_t pl[32], buf[256];
    size_t len = make_rtp(buf, 4242, 96, 1, 1, 1, pl, vp8_payload(pl, 1, 0));
    ASSERT_EQ(sfu_producer_handle_rtp(p, buf, len, 1), RTP_ENOENT);
    uint64_t before = SFU_COUNT_GET(&counters, drops_unknown);
    len = make_rtp(buf, 1000, 35, 1, 1, 1, pl, vp8_payload(pl, 1, 0)); /* PT not negotiated */
    ASSERT_EQ(sfu_producer_handle_rtp(p, buf, len, 1), 0);
    ASSERT_EQ(SFU_COUNT_GET(&counters, drops_unknown), before + 1);
    ASSERT_EQ(sfu_producer_handle_rtp(p, buf, 5, 1), RTP_ETRUNC);
    sfu_producer_destroy(p);
}

TEST(keyframe_requests_are_rate_limited_not_lost)
{
    sfu_producer_t *p = make();
    int64_t t = 10 * 1000000;
    sfu_producer_request_keyframe(p, t);
    ASSERT_EQ(count_rtcp(&pub, RTCP_PT_PSFB, RTCP_PSFB_PLI), 1);
    for (int i = 1; i <= 10; i++) /* a receiver asking in a loop */
        sfu_producer_request_keyframe(p, t + i * 10000);
    ASSERT_EQ(count_rtcp(&pub, RTCP_PT_PSFB, RTCP_PSFB_PLI), 1);
    sfu_producer_handle_timeout(p, t + 400000);
    ASSERT_EQ(count_rtcp(&pub, RTCP_PT_PSFB, RTCP_PSFB_PLI), 1);
    sfu_producer_handle_timeout(p, t + SFU_PRODUCER_KEYFRAME_INTERVAL_US);
    ASSERT_EQ(count_rtcp(&pub, RTCP_PT_PSFB, RTCP_PSFB_PLI), 2); /* the deferred one */
    sfu_producer_handle_timeout(p, t + 2 * SFU_PRODUCER_KEYFRAME_INTERVAL_US);
    ASSERT_EQ(count_rtcp(&pub, RTCP_PT_PSFB, RTCP_PSFB_PLI), 2); /* nothing pending */
    /* the PLI names the publisher's SSRC, from our RTCP SSRC */
    ASSERT_EQ(rd32(pub.rtcp[0] + 4), 7);
    ASSERT_EQ(rd32(pub.rtcp[0] + 8), 1000);
    sfu_producer_destroy(p);
}

TEST(a_keyframe_answers_a_deferred_request)
{
    sfu_producer_t *p = make();
    int64_t t = 10 * 1000000;
    sfu_producer_request_keyframe(p, t);
    sfu_producer_request_keyframe(p, t + 100000); /* deferred */
    ASSERT_EQ(count_rtcp(&pub, RTCP_PT_PSFB, RTCP_PSFB_PLI), 1);
    ASSERT_EQ(feed(p, 1, 3000, 1, t + 150000), 0); /* the publisher's keyframe */
    sfu_producer_handle_timeout(p, t + SFU_PRODUCER_KEYFRAME_INTERVAL_US);
    ASSERT_EQ(count_rtcp(&pub, RTCP_PT_PSFB, RTCP_PSFB_PLI), 1); /* no second one */
    /* a delta frame does not answer it */
    sfu_producer_request_keyframe(p, t + SFU_PRODUCER_KEYFRAME_INTERVAL_US + 100000);
    ASSERT_EQ(feed(p, 2, 6000, 0, t + SFU_PRODUCER_KEYFRAME_INTERVAL_US + 150000), 0);
    sfu_producer_handle_timeout(p, t + 2 * SFU_PRODUCER_KEYFRAME_INTERVAL_US);
    ASSERT_EQ(count_rtcp(&pub, RTCP_PT_PSFB, RTCP_PSFB_PLI), 2);
    sfu_producer_destroy(p);
}

static int not_connected(void *user, const uint8_t *buf, size_t len)
{
    return -107; /* -ENOTCONN: the publisher's transport is not up yet */
}

TEST(a_request_before_the_transport_is_up_is_sent_later)
{
    sfu_producer_t *p = make();
    pub_out.send_rtcp = not_connected;
    sfu_producer_request_keyframe(p, 1000);
    ASSERT_EQ(pub.n_rtcp, 0);
    pub_out.send_rtcp = cap_rtcp;
    sfu_producer_handle_timeout(p, 2000);
    ASSERT_EQ(count_rtcp(&pub, RTCP_PT_PSFB, RTCP_PSFB_PLI), 1);
    sfu_producer_destroy(p);
}

TEST(upstream_loss_is_nacked_and_reported)
{
    sfu_producer_t *p = make();
    int64_t t = 1000000;
    ASSERT_EQ(feed(p, 20, 100, 1, t), 0);
    ASSERT_EQ(feed(p, 23, 100, 0, t + 1000), 0); /* 21, 22 missing */
    sfu_producer_handle_timeout(p, t + 50000);
    ASSERT_EQ(count_rtcp(&pub, RTCP_PT_RTPFB, RTCP_RTPFB_NACK), 1);
    rtcp_iter_t it;
    rtcp_packet_t pkt;
    rtcp_nack_t nack;
    uint16_t seqs[8];
    for (int i = 0; i < pub.n_rtcp; i++) {
        rtcp_iter_init(&it, pub.rtcp[i], pub.rtcp_len[i]);
        while (rtcp_iter_next(&it, &pkt) > 0)
            if (pkt.pt == RTCP_PT_RTPFB) {
                ASSERT_EQ(rtcp_parse_nack(&pkt, &nack), 0);
                ASSERT_EQ(nack.media_ssrc, 1000);
                ASSERT_EQ(rtcp_nack_expand(&nack, seqs, 8), 2);
                ASSERT_EQ(seqs[0], 21);
                ASSERT_EQ(seqs[1], 22);
            }
    }
    /* an RR went out with the first timeout; it reports 2 lost of 4 */
    ASSERT_EQ(count_rtcp(&pub, RTCP_PT_RR, -1), 1);
    for (int i = 0; i < pub.n_rtcp; i++) {
        rtcp_rr_t rr;
        rtcp_iter_init(&it, pub.rtcp[i], pub.rtcp_len[i]);
        while (rtcp_iter_next(&it, &pkt) > 0)
            if (pkt.pt == RTCP_PT_RR) {
                ASSERT_EQ(rtcp_parse_rr(&pkt, &rr), 0);
                ASSERT_EQ(rr.report_count, 1);
                ASSERT_EQ(rr.reports[0].ssrc, 1000);
                ASSERT_EQ(rr.reports[0].cumulative_lost, 2);
                ASSERT_EQ(rr.reports[0].ext_highest_seq, 23);
            }
    }
    sfu_producer_destroy(p);
}

TEST(paused_producer_forwards_nothing_and_restarts_at_a_keyframe)
{
    sfu_producer_t *p = make();
    sfu_consumer_t *c = attach(p);
    int64_t t = 1000000;
    ASSERT_EQ(feed(p, 1, 1000, 1, t), 0);
    ASSERT_EQ(feed(p, 2, 1000, 0, t), 0);
    sfu_producer_set_paused(p, 1, t);
    for (uint16_t s = 3; s < 50; s++)
        feed(p, s, 1000 + s * 3000u, s == 10, t + s * 33000);
    ASSERT_EQ(sub.n_rtp, 2);
    int plis = count_rtcp(&pub, RTCP_PT_PSFB, RTCP_PSFB_PLI);
    sfu_producer_set_paused(p, 0, t + 2000000);
    ASSERT_EQ(count_rtcp(&pub, RTCP_PT_PSFB, RTCP_PSFB_PLI), plis + 1);
    feed(p, 50, 200000, 0, t + 2010000); /* not a keyframe: held back */
    ASSERT_EQ(sub.n_rtp, 2);
    feed(p, 51, 203000, 1, t + 2040000);
    ASSERT_EQ(sub.n_rtp, 3);
    /* continuous: the 48 packets skipped while paused leave no hole */
    ASSERT_EQ(rd16(sub.rtp[2] + 2), (uint16_t)(rd16(sub.rtp[1] + 2) + 1));
    ASSERT_TRUE((int32_t)(rd32(sub.rtp[2] + 4) - rd32(sub.rtp[1] + 4)) > 0);
    sfu_consumer_destroy(c);
    sfu_producer_destroy(p);
}

TEST(destroying_the_producer_detaches_consumers)
{
    sfu_producer_t *p = make();
    sfu_consumer_t *c = attach(p);
    ASSERT_EQ(sfu_producer_consumer_count(p), 1);
    sfu_producer_destroy(p);
    ASSERT_TRUE(sfu_consumer_producer(c) == NULL);
    uint8_t buf[64];
    rtp_packet_t pkt;
    size_t len = make_rtp(buf, 1000, 96, 1, 1, 1, (const uint8_t *)"\x10\x00", 2);
    rtp_packet_parse(&pkt, buf, len);
    ASSERT_TRUE(sfu_consumer_send(c, &pkt, 1, 1, buf) < 0);
    sfu_consumer_destroy(c);
    ASSERT_EQ(SFU_COUNT_GET(&counters, producers), 0);
    ASSERT_EQ(SFU_COUNT_GET(&counters, consumers), 0);
}

int main(void)
{
    RUN(rtx_fills_the_gap_with_the_original_seq);
    RUN(unknown_ssrc_and_pt);
    RUN(keyframe_requests_are_rate_limited_not_lost);
    RUN(a_keyframe_answers_a_deferred_request);
    RUN(a_request_before_the_transport_is_up_is_sent_later);
    RUN(upstream_loss_is_nacked_and_reported);
    RUN(paused_producer_forwards_nothing_and_restarts_at_a_keyframe);
    RUN(destroying_the_producer_detaches_consumers);
    return TEST_REPORT();
}
