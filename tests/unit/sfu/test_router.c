/*
 * Transport-level demux and timers without sockets: RTP to the producer
 * owning the SSRC (or learnt from the mid extension), transport-wide-cc
 * feedback to the publisher, the publisher's SR, subscribers' feedback to
 * the consumer its media SSRC names.
 */
#include "rtp/twcc.h"
#include "sfu/router.h"
#include "test.h"
#include "test_media_packets.h"

static sfu_media_counters_t counters;
static capture_t pub, sub;
static sfu_packet_out_t pub_out, sub_out;

static sfu_router_in_t *rin;
static sfu_producer_t *video, *audio;

static void setup(void)
{
    sfu_producer_params_t pp;
    out_init(&pub_out, &pub);
    out_init(&sub_out, &sub);
    rin = sfu_router_in_create(7, &pub_out, &counters);
    sfu_router_in_set_ext_ids(rin, 4, 3, 1);
    video_params(&pp, 1);
    video = sfu_producer_create(&pp, &pub_out, &counters);
    video_params(&pp, 2);
    pp.kind = SDP_MEDIA_AUDIO;
    snprintf(pp.mid, sizeof pp.mid, "0");
    pp.ssrc = 0; /* no a=ssrc in the SDP: learnt from the mid extension */
    pp.rtx_ssrc = 0;
    pp.rtx_pt = 0;
    snprintf(pp.codec.name, sizeof pp.codec.name, "opus");
    pp.codec.pt = 111;
    pp.codec.clock_rate = 48000;
    audio = sfu_producer_create(&pp, &pub_out, &counters);
    sfu_router_in_add(rin, video);
    sfu_router_in_add(rin, audio);
}

static void teardown(void)
{
    sfu_router_in_destroy(rin);
    sfu_producer_destroy(video);
    sfu_producer_destroy(audio);
}

TEST(rtp_goes_to_the_producer_of_its_ssrc)
{
    setup();
    uint8_t buf[256], pl[32];
    size_t len = make_rtp(buf, 1000, 96, 5, 100, 1, pl, vp8_payload(pl, 1, 0));
    ASSERT_EQ(sfu_router_in_handle_rtp(rin, buf, len, 1000), 0);
    sfu_producer_stats_t st;
    sfu_producer_get_stats(video, &st);
    ASSERT_EQ(st.packets, 1);
    /* unknown SSRC whose mid ("1") belongs to a producer that has one: dropped */
    len = make_rtp(buf, 999, 96, 5, 100, 2, pl, 20);
    ASSERT_EQ(sfu_router_in_handle_rtp(rin, buf, len, 2000), RTP_ENOENT);
    /* the audio producer has no SSRC yet; a packet whose mid is "0" binds it */
    len = make_rtp(buf, 4444, 111, 1, 100, 3, pl, 20);
    buf[17] = '0';
    ASSERT_EQ(sfu_router_in_handle_rtp(rin, buf, len, 3000), 0);
    ASSERT_EQ(sfu_producer_ssrc(audio), 4444);
    sfu_producer_get_stats(audio, &st);
    ASSERT_EQ(st.packets, 1);
    teardown();
}

TEST(transport_wide_feedback_every_100ms)
{
    setup();
    uint8_t buf[256], pl[32];
    int64_t t = 1000000;
    for (uint16_t s = 0; s < 10; s++) {
        if (s == 4)
            continue; /* lost on the way */
        size_t len = make_rtp(buf, 1000, 96, s, 100, (uint16_t)(500 + s), pl,
                              vp8_payload(pl, s == 0, 0));
        sfu_router_in_handle_rtp(rin, buf, len, t + s * 5000);
    }
    sfu_router_in_handle_timeout(rin, t + 60000);
    ASSERT_EQ(count_rtcp(&pub, RTCP_PT_RTPFB, RTCP_RTPFB_TWCC), 1);
    rtcp_iter_t it;
    rtcp_packet_t p;
    rtcp_twcc_t hdr;
    rtp_twcc_status_t st[32];
    for (int i = 0; i < pub.n_rtcp; i++) {
        rtcp_iter_init(&it, pub.rtcp[i], pub.rtcp_len[i]);
        while (rtcp_iter_next(&it, &p) > 0)
            if (p.pt == RTCP_PT_RTPFB && p.count == RTCP_RTPFB_TWCC) {
                ASSERT_EQ(rtp_twcc_parse_feedback(&p, &hdr, st, 32), 10);
                ASSERT_EQ(hdr.base_seq, 500);
                /* one of the publisher's SSRCs, or Chromium drops it */
                ASSERT_EQ(hdr.media_ssrc, 1000);
                ASSERT_EQ(st[4].status, RTP_TWCC_NOT_RECEIVED);
                ASSERT_TRUE(st[5].status != RTP_TWCC_NOT_RECEIVED);
            }
    }
    sfu_router_in_handle_timeout(rin, t + 100000); /* too soon */
    ASSERT_EQ(count_rtcp(&pub, RTCP_PT_RTPFB, RTCP_RTPFB_TWCC), 1);
    /* nothing is sent for a transport that is not up */
    pub_out.connected = 0;
    size_t len = make_rtp(buf, 1000, 96, 10, 100, 510, pl, 20);
    sfu_router_in_handle_rtp(rin, buf, len, t + 200000);
    sfu_router_in_handle_timeout(rin, t + 300000);
    ASSERT_EQ(count_rtcp(&pub, RTCP_PT_RTPFB, RTCP_RTPFB_TWCC), 1);
    teardown();
}

TEST(remb_when_transport_cc_is_not_negotiated)
{
    setup();
    sfu_router_in_set_ext_ids(rin, 4, 0, 1);
    sfu_router_in_handle_timeout(rin, 1000000);
    ASSERT_EQ(count_rtcp(&pub, RTCP_PT_PSFB, RTCP_PSFB_AFB), 1);
    sfu_router_in_handle_timeout(rin, 1500000);
    ASSERT_EQ(count_rtcp(&pub, RTCP_PT_PSFB, RTCP_PSFB_AFB), 1);
    teardown();
}

TEST(publisher_sr_reaches_its_producer)
{
    setup();
    uint8_t buf[128];
    rtcp_sr_t sr;
    memset(&sr, 0, sizeof sr);
    sr.ssrc = 1000;
    sr.ntp = 0x0123456789abcdefull;
    sr.rtp_ts = 4242;
    int len = rtcp_write_sr(buf, sizeof buf, &sr);
    sfu_router_in_handle_rtcp(rin, buf, (size_t)len, 777);
    uint64_t ntp;
    uint32_t rtp;
    int64_t at;
    ASSERT_EQ(sfu_producer_last_sr(video, &ntp, &rtp, &at), 0);
    ASSERT_EQ(rtp, 4242);
    ASSERT_EQ(at, 777);
    ASSERT_TRUE(ntp == 0x0123456789abcdefull);
    teardown();
}

TEST(subscriber_feedback_goes_to_the_consumer_it_names)
{
    setup();
    sfu_router_out_t *rout = sfu_router_out_create(&counters);
    sfu_consumer_params_t cp;
    consumer_params(&cp, 1);
    sfu_consumer_t *c1 = sfu_consumer_create(&cp, video, &sub_out, &counters);
    cp.id = 51;
    cp.ssrc = 6000;
    cp.rtx_ssrc = 0;
    cp.rtx_pt = 0;
    cp.pt = 111;
    sfu_consumer_t *c2 = sfu_consumer_create(&cp, audio, &sub_out, &counters);
    ASSERT_EQ(sfu_router_out_add(rout, c1), 0);
    ASSERT_EQ(sfu_router_out_add(rout, c2), 0);
    uint8_t buf[64];
    int len = rtcp_write_pli(buf, sizeof buf, 1, 6000); /* the audio consumer: no-op */
    sfu_router_out_handle_rtcp(rout, buf, (size_t)len, 1000000);
    ASSERT_EQ(count_rtcp(&pub, RTCP_PT_PSFB, RTCP_PSFB_PLI), 0);
    len = rtcp_write_fir(buf, sizeof buf, 1, 5000, 3); /* FIR names it in the FCI */
    sfu_router_out_handle_rtcp(rout, buf, (size_t)len, 1000000);
    ASSERT_EQ(count_rtcp(&pub, RTCP_PT_PSFB, RTCP_PSFB_PLI), 1);
    len = rtcp_write_pli(buf, sizeof buf, 1, 12345); /* nobody's */
    sfu_router_out_handle_rtcp(rout, buf, (size_t)len, 3000000);
    ASSERT_EQ(count_rtcp(&pub, RTCP_PT_PSFB, RTCP_PSFB_PLI), 1);
    /* keyframes for consumers still waiting, e.g. when the transport comes up */
    sfu_router_out_request_keyframes(rout, 4000000);
    ASSERT_EQ(count_rtcp(&pub, RTCP_PT_PSFB, RTCP_PSFB_PLI), 2);
    sfu_router_out_destroy(rout);
    sfu_consumer_destroy(c1);
    sfu_consumer_destroy(c2);
    teardown();
}

int main(void)
{
    RUN(rtp_goes_to_the_producer_of_its_ssrc);
    RUN(transport_wide_feedback_every_100ms);
    RUN(remb_when_transport_cc_is_not_negotiated);
    RUN(publisher_sr_reaches_its_producer);
    RUN(subscriber_feedback_goes_to_the_consumer_it_names);
    return TEST_REPORT();
}
