/*
 * Consumer packet path without sockets: payload type and header extension
 * mapping, seq/timestamp continuity across pause/resume, drops before the
 * transport is up, NACKs answered from the producer's store (RTX and
 * plain), PLI/FIR relayed with the producer's rate limit, SR.
 */
#include "sfu/media_counters.h"
#include "test.h"
#include "test_media_packets.h"

static sfu_media_counters_t counters;
static capture_t pub, sub;
static sfu_packet_out_t pub_out, sub_out;
static uint8_t scratch[2100];

static sfu_producer_t *producer;

static sfu_consumer_t *make(int rtx)
{
    sfu_producer_params_t pp;
    sfu_consumer_params_t cp;
    video_params(&pp, 1);
    consumer_params(&cp, rtx);
    out_init(&pub_out, &pub);
    out_init(&sub_out, &sub);
    producer = sfu_producer_create(&pp, &pub_out, &counters);
    return sfu_consumer_create(&cp, producer, &sub_out, &counters);
}

static void done(sfu_consumer_t *c)
{
    sfu_consumer_destroy(c);
    sfu_producer_destroy(producer);
}

/* Extension element (one-byte form) with this id in a sent packet; -1 if absent. */
static int find_ext(const uint8_t *buf, size_t len, uint8_t id, rtp_ext_t *e)
{
    rtp_packet_t p;
    if (rtp_packet_parse(&p, buf, len) != 0)
        return -1;
    return rtp_packet_find_ext(&p, id, e) == 0 ? 0 : -1;
}

TEST(pt_ssrc_and_extensions_are_the_subscribers)
{
    sfu_consumer_t *c = make(1);
    ASSERT_EQ(feed(producer, 10, 1000, 1, 1000), 0);
    ASSERT_EQ(feed(producer, 11, 1000, 0, 2000), 0);
    ASSERT_EQ(sub.n_rtp, 2);
    const uint8_t *o = sub.rtp[0];
    ASSERT_EQ(o[1] & 0x7f, 100);
    ASSERT_EQ(rd32(o + 8), 5000);
    rtp_ext_t e;
    /* mid (publisher id 4) stripped: our a=ssrc lines identify the stream */
    ASSERT_EQ(find_ext(o, sub.rtp_len[0], 4, &e), -1);
    ASSERT_EQ(find_ext(o, sub.rtp_len[0], 1, &e), -1);
    /* abs-send-time 2 -> 12, value untouched */
    ASSERT_EQ(find_ext(o, sub.rtp_len[0], 12, &e), 0);
    ASSERT_EQ(e.len, 3);
    ASSERT_EQ(e.data[2], 0x03);
    /* transport-wide seq 3 -> 13, renumbered from the receive transport's counter */
    ASSERT_EQ(find_ext(o, sub.rtp_len[0], 13, &e), 0);
    ASSERT_EQ(rd16(e.data), 100);
    ASSERT_EQ(find_ext(sub.rtp[1], sub.rtp_len[1], 13, &e), 0);
    ASSERT_EQ(rd16(e.data), 101);
    ASSERT_EQ(sub_out.twcc_seq, 102);
    /* payload byte for byte, same length */
    ASSERT_EQ(sub.rtp_len[0], HDR_LEN + 20);
    uint8_t pl[32];
    vp8_payload(pl, 1, 10);
    ASSERT_MEM_EQ(o + HDR_LEN, pl, 20);
    done(c);
}

TEST(video_starts_at_a_keyframe)
{
    sfu_consumer_t *c = make(1);
    ASSERT_TRUE(sfu_consumer_waiting_keyframe(c));
    uint64_t before = SFU_COUNT_GET(&counters, drops_waiting_keyframe);
    feed(producer, 1, 1000, 0, 1000);
    feed(producer, 2, 1000, 0, 2000);
    ASSERT_EQ(sub.n_rtp, 0);
    ASSERT_EQ(SFU_COUNT_GET(&counters, drops_waiting_keyframe), before + 2);
    feed(producer, 3, 4000, 1, 3000);
    feed(producer, 4, 4000, 0, 4000);
    ASSERT_EQ(sub.n_rtp, 2);
    ASSERT_TRUE(!sfu_consumer_waiting_keyframe(c));
    done(c);
}

TEST(not_connected_is_dropped_and_counted)
{
    sfu_consumer_t *c = make(1);
    sub_out.connected = 0;
    uint64_t before = SFU_COUNT_GET(&counters, drops_not_connected);
    feed(producer, 1, 1000, 1, 1000);
    ASSERT_EQ(sub.n_rtp, 0);
    ASSERT_EQ(SFU_COUNT_GET(&counters, drops_not_connected), before + 1);
    sub_out.connected = 1;
    feed(producer, 2, 1000, 1, 2000); /* still waiting for a keyframe: this is one */
    ASSERT_EQ(sub.n_rtp, 1);
    done(c);
}

TEST(continuity_across_pause_and_resume)
{
    sfu_consumer_t *c = make(1);
    int64_t t = 5000000;
    uint16_t seq = 60000; /* wraps during the test */
    uint32_t ts = 0xfffff000u;
    for (int i = 0; i < 5; i++, seq++, ts += 3000)
        feed(producer, seq, ts, i == 0, t += 33333);
    ASSERT_EQ(sub.n_rtp, 5);
    sfu_consumer_set_paused(c, 1, t);
    for (int i = 0; i < 30; i++, seq++, ts += 3000)
        feed(producer, seq, ts, i % 10 == 0, t += 33333);
    ASSERT_EQ(sub.n_rtp, 5);
    int plis = count_rtcp(&pub, RTCP_PT_PSFB, RTCP_PSFB_PLI);
    sfu_consumer_set_paused(c, 0, t += 600000);
    ASSERT_EQ(count_rtcp(&pub, RTCP_PT_PSFB, RTCP_PSFB_PLI), plis + 1); /* resume asks */
    feed(producer, seq++, ts += 3000, 0, t += 33333); /* delta frame: held back */
    ASSERT_EQ(sub.n_rtp, 5);
    feed(producer, seq++, ts += 3000, 1, t += 33333);
    feed(producer, seq++, ts += 3000, 0, t += 33333);
    ASSERT_EQ(sub.n_rtp, 7);
    for (int i = 1; i < 7; i++) {
        uint16_t d = (uint16_t)(rd16(sub.rtp[i] + 2) - rd16(sub.rtp[i - 1] + 2));
        ASSERT_EQ(d, 1); /* no hole, no repeat */
        ASSERT_TRUE((int32_t)(rd32(sub.rtp[i] + 4) - rd32(sub.rtp[i - 1] + 4)) > 0);
    }
    /* the pause lasted about 1.6 s: the timestamp jump says so (90 kHz) */
    uint32_t jump = rd32(sub.rtp[5] + 4) - rd32(sub.rtp[4] + 4);
    ASSERT_TRUE(jump > 90000 && jump < 2 * 90000);
    done(c);
}

/* A NACK from the subscriber for output seqs. */
static size_t nack_for(uint8_t *buf, const uint16_t *seqs, size_t n)
{
    int len = rtcp_write_nack(buf, 256, 0x1234, 5000, seqs, n);
    return len > 0 ? (size_t)len : 0;
}

static void deliver_rtcp(sfu_consumer_t *c, const uint8_t *buf, size_t len, int64_t now)
{
    rtcp_iter_t it;
    rtcp_packet_t p;
    rtcp_iter_init(&it, buf, len);
    while (rtcp_iter_next(&it, &p) > 0)
        sfu_consumer_handle_rtcp(c, &p, now, scratch);
}

TEST(nack_is_answered_from_the_store_as_rtx)
{
    sfu_consumer_t *c = make(1);
    for (uint16_t s = 100; s < 105; s++)
        feed(producer, s, 9000, s == 100, 1000 + s);
    ASSERT_EQ(sub.n_rtp, 5);
    uint16_t lost = rd16(sub.rtp[2] + 2); /* publisher seq 102 */
    uint8_t buf[256];
    size_t len = nack_for(buf, &lost, 1);
    deliver_rtcp(c, buf, len, 2000);
    ASSERT_EQ(sub.n_rtp, 6);
    const uint8_t *r = sub.rtp[5];
    ASSERT_EQ(r[1] & 0x7f, 101);           /* RTX PT */
    ASSERT_EQ(rd32(r + 8), 5001);          /* RTX SSRC */
    ASSERT_EQ(rd32(r + 4), rd32(sub.rtp[2] + 4)); /* same timestamp */
    ASSERT_EQ(rd16(r + HDR_LEN), lost);    /* OSN */
    ASSERT_EQ(sub.rtp_len[5], sub.rtp_len[2] + 2);
    ASSERT_MEM_EQ(r + HDR_LEN + 2, sub.rtp[2] + HDR_LEN, sub.rtp_len[2] - HDR_LEN);
    sfu_consumer_stats_t st;
    sfu_consumer_get_stats(c, &st);
    ASSERT_EQ(st.retransmissions, 1);
    /* a seq we never sent is a miss, not a crash */
    uint16_t never = (uint16_t)(lost + 1000);
    len = nack_for(buf, &never, 1);
    deliver_rtcp(c, buf, len, 3000);
    sfu_consumer_get_stats(c, &st);
    ASSERT_EQ(st.nack_misses, 1);
    ASSERT_EQ(sub.n_rtp, 6);
    done(c);
}

TEST(nack_without_rtx_resends_the_original)
{
    sfu_consumer_t *c = make(0);
    for (uint16_t s = 7; s < 10; s++)
        feed(producer, s, 9000, s == 7, 1000 + s);
    uint16_t lost[2] = {rd16(sub.rtp[0] + 2), rd16(sub.rtp[1] + 2)};
    uint8_t buf[256];
    deliver_rtcp(c, buf, nack_for(buf, lost, 2), 2000);
    ASSERT_EQ(sub.n_rtp, 5);
    ASSERT_EQ(rd16(sub.rtp[3] + 2), lost[0]);
    ASSERT_EQ(rd32(sub.rtp[3] + 8), 5000);
    ASSERT_EQ(sub.rtp[3][1] & 0x7f, 100);
    ASSERT_MEM_EQ(sub.rtp[3] + HDR_LEN, sub.rtp[0] + HDR_LEN, sub.rtp_len[0] - HDR_LEN);
    done(c);
}

TEST(pli_and_fir_reach_the_publisher_rate_limited)
{
    sfu_consumer_t *c = make(1);
    uint8_t buf[64];
    int64_t t = 1000000;
    int len = rtcp_write_pli(buf, sizeof buf, 0x1234, 5000);
    for (int i = 0; i < 20; i++) /* a storm from one receiver */
        deliver_rtcp(c, buf, (size_t)len, t + i * 1000);
    ASSERT_EQ(count_rtcp(&pub, RTCP_PT_PSFB, RTCP_PSFB_PLI), 1);
    len = rtcp_write_fir(buf, sizeof buf, 0x1234, 5000, 1);
    deliver_rtcp(c, buf, (size_t)len, t + SFU_PRODUCER_KEYFRAME_INTERVAL_US);
    ASSERT_EQ(count_rtcp(&pub, RTCP_PT_PSFB, RTCP_PSFB_PLI), 2);
    sfu_consumer_stats_t st;
    sfu_consumer_get_stats(c, &st);
    ASSERT_EQ(st.keyframe_requests, 21);
    done(c);
}

TEST(sender_report_uses_the_rewritten_clock)
{
    sfu_consumer_t *c = make(1);
    int64_t t = 1000000;
    sfu_consumer_handle_timeout(c, t, 1700000000000000LL);
    ASSERT_EQ(sub.n_rtcp, 0); /* nothing sent yet: no SR */
    for (uint16_t s = 1; s <= 3; s++)
        feed(producer, s, 90000 + s, s == 1, t);
    sfu_consumer_handle_timeout(c, t + 100000, 1700000000000000LL);
    ASSERT_EQ(sub.n_rtcp, 1);
    rtcp_iter_t it;
    rtcp_packet_t p;
    rtcp_sr_t sr;
    rtcp_iter_init(&it, sub.rtcp[0], sub.rtcp_len[0]);
    ASSERT_TRUE(rtcp_iter_next(&it, &p) > 0);
    ASSERT_EQ(rtcp_parse_sr(&p, &sr), 0);
    ASSERT_EQ(sr.ssrc, 5000);
    ASSERT_EQ(sr.packet_count, 3);
    ASSERT_EQ(sr.octet_count, 60);
    /* last sent ts + 100 ms at 90 kHz */
    ASSERT_EQ(sr.rtp_ts, rd32(sub.rtp[2] + 4) + 9000);
    ASSERT_TRUE(rtcp_iter_next(&it, &p) > 0);
    ASSERT_EQ(p.pt, RTCP_PT_SDES);
    sfu_consumer_handle_timeout(c, t + 200000, 1700000000000000LL);
    ASSERT_EQ(sub.n_rtcp, 1); /* once a second */
    done(c);
}

int main(void)
{
    RUN(pt_ssrc_and_extensions_are_the_subscribers);
    RUN(video_starts_at_a_keyframe);
    RUN(not_connected_is_dropped_and_counted);
    RUN(continuity_across_pause_and_resume);
    RUN(nack_is_answered_from_the_store_as_rtx);
    RUN(nack_without_rtx_resends_the_original);
    RUN(pli_and_fir_reach_the_publisher_rate_limited);
    RUN(sender_report_uses_the_rewritten_clock);
    return TEST_REPORT();
}
