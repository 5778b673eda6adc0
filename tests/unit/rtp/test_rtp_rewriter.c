/* Unit tests for rtp/rtp_rewriter.c: continuity of the outgoing stream across
 * pause/resume, source switches, wraparound and reordering. */
#include "test.h"

#include "rtp/rtp_packet.h"
#include "rtp/rtp_rewriter.h"

#define OUT_SSRC 0x0a0b0c0du
#define SSRC_A 0x1111u
#define SSRC_B 0x2222u
#define MS 1000 /* microseconds */

/* Maps one packet and checks the result code; returns the out seq. */
static int map(rtp_rewriter_t *rw, uint32_t ssrc, uint16_t seq, uint32_t ts,
               int64_t now, uint32_t *out_ts)
{
    uint16_t s;
    uint32_t t;
    int rc = rtp_rewriter_map(rw, ssrc, seq, ts, now, &s, &t);
    if (rc < 0)
        return rc;
    if (out_ts)
        *out_ts = t;
    return s;
}

TEST(first_packet_gets_initial_values_then_offsets)
{
    rtp_rewriter_t *rw = rtp_rewriter_create(OUT_SSRC, 90000, 100, 5000);
    uint32_t ts;
    ASSERT_TRUE(rw != NULL);
    ASSERT_EQ(rtp_rewriter_last(rw, NULL, NULL, NULL), RTP_ENOENT);
    ASSERT_EQ(map(rw, SSRC_A, 7000, 123456, 0, &ts), 100);
    ASSERT_EQ(ts, 5000);
    ASSERT_EQ(map(rw, SSRC_A, 7001, 123456, 1 * MS, &ts), 101);
    ASSERT_EQ(ts, 5000);
    ASSERT_EQ(map(rw, SSRC_A, 7002, 126456, 33 * MS, &ts), 102);
    ASSERT_EQ(ts, 8000);
    uint32_t ots;
    ASSERT_EQ(rtp_rewriter_out_ts(rw, SSRC_A, 123456 + 90000, &ots), 0);
    ASSERT_EQ(ots, 5000 + 90000);
    ASSERT_EQ(rtp_rewriter_out_ts(rw, SSRC_B, 1, &ots), RTP_ENOENT);
    rtp_rewriter_destroy(rw);
    rtp_rewriter_destroy(NULL);
    ASSERT_TRUE(rtp_rewriter_create(1, 0, 0, 0) == NULL);
}

TEST(wraparound_on_both_sides)
{
    rtp_rewriter_t *rw = rtp_rewriter_create(OUT_SSRC, 90000, 65534, 0xfffffff0u);
    uint32_t ts;
    /* input wraps at a different point than the output */
    static const uint16_t in[] = {65533, 65534, 65535, 0, 1, 2};
    static const uint16_t want[] = {65534, 65535, 0, 1, 2, 3};
    for (int i = 0; i < 6; i++)
        ASSERT_EQ(map(rw, SSRC_A, in[i], 0xffffff00u + 3000u * (unsigned)i, i * 33 * MS, &ts), want[i]);
    ASSERT_EQ(ts, 0xfffffff0u + 15000u); /* wrapped timestamp, offset intact */
    uint32_t ssrc;
    uint16_t seq;
    ASSERT_EQ(rtp_rewriter_reverse(rw, 0, &ssrc, &seq), 0);
    ASSERT_EQ(seq, 65535);
    ASSERT_EQ(rtp_rewriter_reverse(rw, 65534, &ssrc, &seq), 0);
    ASSERT_EQ(seq, 65533);
    rtp_rewriter_destroy(rw);
}

TEST(reorder_and_duplicates_map_consistently)
{
    rtp_rewriter_t *rw = rtp_rewriter_create(OUT_SSRC, 90000, 100, 0);
    ASSERT_EQ(map(rw, SSRC_A, 10, 0, 0, NULL), 100);
    ASSERT_EQ(map(rw, SSRC_A, 12, 0, 1 * MS, NULL), 102);
    ASSERT_EQ(map(rw, SSRC_A, 11, 0, 2 * MS, NULL), 101); /* late, in window */
    ASSERT_EQ(map(rw, SSRC_A, 12, 0, 3 * MS, NULL), 102); /* duplicate */
    ASSERT_EQ(map(rw, SSRC_A, 9, 0, 3 * MS, NULL), RTP_ESTALE); /* before segment start */
    uint16_t seq;
    ASSERT_EQ(rtp_rewriter_last(rw, &seq, NULL, NULL), 0);
    ASSERT_EQ(seq, 102);
    /* far too old: outside the misorder window */
    ASSERT_EQ(map(rw, SSRC_A, (uint16_t)(12 - RTP_REWRITER_MAX_MISORDER - 1), 0, 4 * MS, NULL),
              RTP_ESTALE);
    ASSERT_EQ(map(rw, SSRC_A, 13, 0, 5 * MS, NULL), 103);
    rtp_rewriter_destroy(rw);
}

TEST(pause_resume_continues_seq_and_advances_ts_by_wall_clock)
{
    rtp_rewriter_t *rw = rtp_rewriter_create(OUT_SSRC, 90000, 1000, 0);
    uint32_t ts;
    int64_t now = 0;
    for (uint16_t s = 10; s < 15; s++, now += 33 * MS)
        map(rw, SSRC_A, s, 3000u * s, now, &ts);
    ASSERT_EQ(ts, 12000); /* 3000 * (14 - 10) */
    /* last frame was first sent at 4 * 33 ms = 132 ms */
    rtp_rewriter_mark_discontinuity(rw);
    /* The SFU dropped seq 15..499 while the consumer was paused. */
    int64_t resume = 132 * MS + 2000 * MS;
    ASSERT_EQ(map(rw, SSRC_A, 500, 3000u * 500, resume, &ts), 1005);
    ASSERT_EQ(ts, 12000 + 2 * 90000);
    ASSERT_EQ(map(rw, SSRC_A, 501, 3000u * 501, resume + 33 * MS, &ts), 1006);
    ASSERT_EQ(ts, 12000 + 2 * 90000 + 3000);
    /* a packet from before the pause shows up late */
    ASSERT_EQ(map(rw, SSRC_A, 14, 3000u * 14, resume + 40 * MS, NULL), RTP_ESTALE);
    /* reorder across the resume point is dropped as well */
    ASSERT_EQ(map(rw, SSRC_A, 499, 3000u * 499, resume + 41 * MS, NULL), RTP_ESTALE);
    rtp_rewriter_destroy(rw);
}

TEST(producer_gap_without_discontinuity_keeps_the_gap)
{
    /* A publisher-side loss is not ours to hide: the subscriber must see
     * the gap so it can NACK it. */
    rtp_rewriter_t *rw = rtp_rewriter_create(OUT_SSRC, 48000, 0, 0);
    ASSERT_EQ(map(rw, SSRC_A, 100, 0, 0, NULL), 0);
    ASSERT_EQ(map(rw, SSRC_A, 105, 4800, 100 * MS, NULL), 5);
    uint32_t ssrc;
    uint16_t seq;
    ASSERT_EQ(rtp_rewriter_reverse(rw, 3, &ssrc, &seq), 0);
    ASSERT_EQ(seq, 103);
    rtp_rewriter_destroy(rw);
}

TEST(source_switch_is_continuous)
{
    rtp_rewriter_t *rw = rtp_rewriter_create(OUT_SSRC, 90000, 200, 1000);
    uint32_t ts;
    ASSERT_EQ(map(rw, SSRC_A, 1000, 50000, 0, &ts), 200);
    ASSERT_EQ(map(rw, SSRC_A, 1001, 53000, 33 * MS, &ts), 201);
    ASSERT_EQ(ts, 4000);
    /* switch to layer B with unrelated seq/ts bases, 10 ms later */
    ASSERT_EQ(map(rw, SSRC_B, 40000, 7777777, 43 * MS, &ts), 202);
    ASSERT_EQ(ts, 4000 + 900);
    ASSERT_EQ(map(rw, SSRC_B, 40001, 7777777, 44 * MS, &ts), 203);
    ASSERT_EQ(ts, 4900);
    /* late packets of A are from before the switch */
    ASSERT_EQ(map(rw, SSRC_A, 1001, 53000, 45 * MS, NULL), RTP_ESTALE);
    ASSERT_EQ(map(rw, SSRC_A, 999, 47000, 45 * MS, NULL), RTP_ESTALE);
    /* B reordered before its own first packet */
    ASSERT_EQ(map(rw, SSRC_B, 39999, 7774777, 46 * MS, NULL), RTP_ESTALE);
    /* switching back to A with fresh packets is a new segment */
    ASSERT_EQ(map(rw, SSRC_A, 1010, 80000, 300 * MS, &ts), 204);
    ASSERT_EQ(ts, 4900 + (300 - 43) * 90);
    ASSERT_EQ(map(rw, SSRC_A, 1011, 80000, 301 * MS, NULL), 205);
    rtp_rewriter_destroy(rw);
}

TEST(reverse_mapping_across_segments)
{
    rtp_rewriter_t *rw = rtp_rewriter_create(OUT_SSRC, 90000, 65530, 0);
    uint32_t ssrc;
    uint16_t seq;
    for (uint16_t s = 100; s < 105; s++)
        map(rw, SSRC_A, s, 0, 0, NULL); /* out 65530..65534 */
    for (uint16_t s = 60000; s < 60005; s++)
        map(rw, SSRC_B, s, 0, MS, NULL); /* out 65535, 0..3 */
    ASSERT_EQ(rtp_rewriter_reverse(rw, 65532, &ssrc, &seq), 0);
    ASSERT_EQ(ssrc, SSRC_A);
    ASSERT_EQ(seq, 102);
    ASSERT_EQ(rtp_rewriter_reverse(rw, 65535, &ssrc, &seq), 0);
    ASSERT_EQ(ssrc, SSRC_B);
    ASSERT_EQ(seq, 60000);
    ASSERT_EQ(rtp_rewriter_reverse(rw, 3, &ssrc, &seq), 0);
    ASSERT_EQ(seq, 60004);
    ASSERT_EQ(rtp_rewriter_reverse(rw, 4, &ssrc, &seq), RTP_ENOENT);     /* not sent yet */
    ASSERT_EQ(rtp_rewriter_reverse(rw, 65529, &ssrc, &seq), RTP_ENOENT); /* before start */
    rtp_rewriter_destroy(rw);
}

TEST(reverse_history_is_bounded)
{
    rtp_rewriter_t *rw = rtp_rewriter_create(OUT_SSRC, 90000, 0, 0);
    uint32_t ssrc;
    uint16_t seq;
    /* one packet per segment, alternating sources with fresh seqs */
    for (int i = 0; i < RTP_REWRITER_HISTORY + 2; i++)
        ASSERT_EQ(map(rw, (i & 1) ? SSRC_B : SSRC_A, (uint16_t)(i * 10), 0, i * MS, NULL), i);
    ASSERT_EQ(rtp_rewriter_reverse(rw, 0, &ssrc, &seq), RTP_ENOENT);
    ASSERT_EQ(rtp_rewriter_reverse(rw, 1, &ssrc, &seq), RTP_ENOENT);
    ASSERT_EQ(rtp_rewriter_reverse(rw, 2, &ssrc, &seq), 0);
    ASSERT_EQ(seq, 20);
    rtp_rewriter_destroy(rw);
}

TEST(seq_restart_needs_confirmation)
{
    rtp_rewriter_t *rw = rtp_rewriter_create(OUT_SSRC, 90000, 0, 0);
    ASSERT_EQ(map(rw, SSRC_A, 100, 0, 0, NULL), 0);
    ASSERT_EQ(map(rw, SSRC_A, 101, 0, MS, NULL), 1);
    /* same SSRC jumps 20000 ahead: first packet held back ... */
    ASSERT_EQ(map(rw, SSRC_A, 20101, 0, 2 * MS, NULL), RTP_ESTALE);
    /* ... a stray in-range packet cancels the probe ... */
    ASSERT_EQ(map(rw, SSRC_A, 102, 0, 3 * MS, NULL), 2);
    ASSERT_EQ(map(rw, SSRC_A, 20102, 0, 4 * MS, NULL), RTP_ESTALE);
    /* ... and its successor confirms the restart, continuing the output */
    ASSERT_EQ(map(rw, SSRC_A, 20103, 0, 5 * MS, NULL), 3);
    ASSERT_EQ(map(rw, SSRC_A, 20104, 0, 6 * MS, NULL), 4);
    rtp_rewriter_destroy(rw);
}

TEST(timestamps_strictly_increase_on_instant_switch)
{
    rtp_rewriter_t *rw = rtp_rewriter_create(OUT_SSRC, 90000, 0, 500);
    uint32_t ts;
    map(rw, SSRC_A, 1, 9999, 0, &ts);
    ASSERT_EQ(map(rw, SSRC_B, 1, 1, 0, &ts), 1); /* same instant */
    ASSERT_EQ(ts, 501);
    rtp_rewriter_destroy(rw);
}

TEST(rewrite_in_place)
{
    uint8_t pkt[] = {
        0x80, 0x60, 0x00, 0x05, /* V=2 | PT=96 | seq 5 */
        0x00, 0x00, 0x00, 0x64, /* timestamp 100 */
        0x00, 0x00, 0x11, 0x11, /* SSRC_A */
        0xaa,                   /* payload */
    };
    rtp_rewriter_t *rw = rtp_rewriter_create(OUT_SSRC, 90000, 0x4242, 0x01000000u);
    ASSERT_EQ(rtp_rewriter_rewrite(rw, pkt, sizeof pkt, 0), 0);
    static const uint8_t want[] = {
        0x80, 0x60, 0x42, 0x42, /* seq 0x4242 */
        0x01, 0x00, 0x00, 0x00, /* timestamp 0x01000000 */
        0x0a, 0x0b, 0x0c, 0x0d, /* OUT_SSRC */
        0xaa,
    };
    ASSERT_MEM_EQ(pkt, want, sizeof want);
    ASSERT_EQ(rtp_rewriter_rewrite(rw, pkt, 11, 0), RTP_ETRUNC);
    ASSERT_EQ(rtp_rewriter_ssrc(rw), OUT_SSRC);
    rtp_rewriter_destroy(rw);
}

TEST(long_stream_many_wraps)
{
    /* 200k packets with periodic reordering: output never skips or repeats */
    rtp_rewriter_t *rw = rtp_rewriter_create(OUT_SSRC, 90000, 777, 0);
    ASSERT_EQ(map(rw, SSRC_A, 39999, 0, 0, NULL), 777);
    uint16_t expect = 778;
    for (uint32_t i = 0; i < 200000; i += 2) {
        uint16_t a = (uint16_t)(40000 + i), b = (uint16_t)(a + 1);
        ASSERT_EQ(map(rw, SSRC_A, b, i * 100, i, NULL), (uint16_t)(expect + 1));
        ASSERT_EQ(map(rw, SSRC_A, a, i * 100, i, NULL), expect);
        expect = (uint16_t)(expect + 2);
    }
    rtp_rewriter_destroy(rw);
}

int main(void)
{
    RUN(first_packet_gets_initial_values_then_offsets);
    RUN(wraparound_on_both_sides);
    RUN(reorder_and_duplicates_map_consistently);
    RUN(pause_resume_continues_seq_and_advances_ts_by_wall_clock);
    RUN(producer_gap_without_discontinuity_keeps_the_gap);
    RUN(source_switch_is_continuous);
    RUN(reverse_mapping_across_segments);
    RUN(reverse_history_is_bounded);
    RUN(seq_restart_needs_confirmation);
    RUN(timestamps_strictly_increase_on_instant_switch);
    RUN(rewrite_in_place);
    RUN(long_stream_many_wraps);
    return TEST_REPORT();
}
