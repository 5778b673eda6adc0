/*
 * RFC 7983 first-byte demux: every value of the first byte, the RFC 5761
 * RTP/RTCP split on the second byte, and each class's minimum length.
 */
#include "rtp/demux.h"
#include "test.h"

/* What RFC 7983 §7 says the first byte b means (RTP when the second byte is
 * a plain payload type). */
static rtp_demux_kind_t expected_for_first_byte(int b)
{
    if (b <= 3)
        return RTP_DEMUX_STUN;
    if (b >= 20 && b <= 63)
        return RTP_DEMUX_DTLS;
    if (b >= 128 && b <= 191)
        return RTP_DEMUX_RTP;
    return RTP_DEMUX_UNKNOWN; /* 4..19 (incl. ZRTP 16..19), 64..127 (incl. TURN 64..79), 192..255 */
}

TEST(every_first_byte)
{
    uint8_t buf[64] = {0};
    buf[1] = 96; /* a dynamic RTP payload type, no marker */
    for (int b = 0; b <= 255; b++) {
        buf[0] = (uint8_t)b;
        rtp_demux_kind_t got = rtp_demux_classify(buf, sizeof buf);
        if (got != expected_for_first_byte(b))
            fprintf(stderr, "first byte %d\n", b);
        ASSERT_EQ(got, expected_for_first_byte(b));
    }
}

TEST(range_edges_named)
{
    /* first byte, expected: one row per edge of a range in RFC 7983 §7 */
    static const struct { uint8_t b; rtp_demux_kind_t k; } rows[] = {
        {0, RTP_DEMUX_STUN},     /* STUN binding request starts 0x00 */
        {1, RTP_DEMUX_STUN},     /* STUN success response 0x01 */
        {3, RTP_DEMUX_STUN},     /* last STUN value */
        {4, RTP_DEMUX_UNKNOWN},  /* first unassigned */
        {16, RTP_DEMUX_UNKNOWN}, /* ZRTP: not ours */
        {19, RTP_DEMUX_UNKNOWN}, /* last ZRTP */
        {20, RTP_DEMUX_DTLS},    /* change_cipher_spec */
        {21, RTP_DEMUX_DTLS},    /* alert */
        {22, RTP_DEMUX_DTLS},    /* handshake */
        {23, RTP_DEMUX_DTLS},    /* application_data */
        {63, RTP_DEMUX_DTLS},    /* last DTLS value */
        {64, RTP_DEMUX_UNKNOWN}, /* TURN channel: not used */
        {79, RTP_DEMUX_UNKNOWN}, /* last TURN channel */
        {127, RTP_DEMUX_UNKNOWN},/* version 1 */
        {128, RTP_DEMUX_RTP},    /* V=2, no P/X/CC */
        {0x90, RTP_DEMUX_RTP},   /* V=2 with extension (typical browser RTP) */
        {191, RTP_DEMUX_RTP},    /* V=2, P, X, CC=15 */
        {192, RTP_DEMUX_UNKNOWN},/* version 3 */
        {255, RTP_DEMUX_UNKNOWN},
    };
    uint8_t buf[32] = {0};
    buf[1] = 111; /* opus-like PT */
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        buf[0] = rows[i].b;
        ASSERT_EQ(rtp_demux_classify(buf, sizeof buf), rows[i].k);
    }
}

TEST(rtp_vs_rtcp_every_second_byte)
{
    uint8_t buf[32] = {0x80};
    for (int b = 0; b <= 255; b++) {
        buf[1] = (uint8_t)b;
        rtp_demux_kind_t want = (b >= 192 && b <= 223) ? RTP_DEMUX_RTCP : RTP_DEMUX_RTP;
        if (rtp_demux_classify(buf, sizeof buf) != want)
            fprintf(stderr, "second byte %d\n", b);
        ASSERT_EQ(rtp_demux_classify(buf, sizeof buf), want);
    }
}

TEST(rtcp_types_and_marker_rtp)
{
    /* second byte, expected */
    static const struct { uint8_t b; rtp_demux_kind_t k; } rows[] = {
        {191, RTP_DEMUX_RTP},  /* M=1, PT=63 */
        {192, RTP_DEMUX_RTCP}, /* first RTCP range value (old FIR) */
        {200, RTP_DEMUX_RTCP}, /* SR */
        {201, RTP_DEMUX_RTCP}, /* RR */
        {205, RTP_DEMUX_RTCP}, /* RTPFB (NACK, TWCC) */
        {206, RTP_DEMUX_RTCP}, /* PSFB (PLI, FIR, REMB) */
        {223, RTP_DEMUX_RTCP}, /* last RTCP range value */
        {224, RTP_DEMUX_RTP},  /* M=1, PT=96: a video marker packet */
        {0xEF, RTP_DEMUX_RTP}, /* M=1, PT=111 */
    };
    uint8_t buf[16] = {0x81};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        buf[1] = rows[i].b;
        ASSERT_EQ(rtp_demux_classify(buf, sizeof buf), rows[i].k);
    }
}

TEST(minimum_lengths)
{
    /* first two bytes, minimum length of that class */
    static const struct { uint8_t b0, b1; size_t min; rtp_demux_kind_t k; } rows[] = {
        {0x00, 0x01, RTP_DEMUX_STUN_MIN, RTP_DEMUX_STUN},
        {22, 0xFE, RTP_DEMUX_DTLS_MIN, RTP_DEMUX_DTLS},
        {0x80, 96, RTP_DEMUX_RTP_MIN, RTP_DEMUX_RTP},
        {0x80, 200, RTP_DEMUX_RTCP_MIN, RTP_DEMUX_RTCP},
    };
    uint8_t buf[32] = {0};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        buf[0] = rows[i].b0;
        buf[1] = rows[i].b1;
        ASSERT_EQ(rtp_demux_classify(buf, rows[i].min), rows[i].k);
        ASSERT_EQ(rtp_demux_classify(buf, rows[i].min - 1), RTP_DEMUX_UNKNOWN);
    }
    buf[0] = 0x80;
    ASSERT_EQ(rtp_demux_classify(buf, 1), RTP_DEMUX_UNKNOWN);
    ASSERT_EQ(rtp_demux_classify(buf, 0), RTP_DEMUX_UNKNOWN);
    ASSERT_EQ(rtp_demux_classify(NULL, 100), RTP_DEMUX_UNKNOWN);
}

TEST(names)
{
    ASSERT_STR_EQ(rtp_demux_kind_name(RTP_DEMUX_STUN), "stun");
    ASSERT_STR_EQ(rtp_demux_kind_name(RTP_DEMUX_DTLS), "dtls");
    ASSERT_STR_EQ(rtp_demux_kind_name(RTP_DEMUX_RTP), "rtp");
    ASSERT_STR_EQ(rtp_demux_kind_name(RTP_DEMUX_RTCP), "rtcp");
    ASSERT_STR_EQ(rtp_demux_kind_name(RTP_DEMUX_UNKNOWN), "unknown");
    ASSERT_STR_EQ(rtp_demux_kind_name((rtp_demux_kind_t)99), "unknown");
}

int main(void)
{
    RUN(every_first_byte);
    RUN(range_edges_named);
    RUN(rtp_vs_rtcp_every_second_byte);
    RUN(rtcp_types_and_marker_rtp);
    RUN(minimum_lengths);
    RUN(names);
    return TEST_REPORT();
}
