/* Unit tests for rtp/rtcp.c: compound iteration, parsers and writers. */
#include "test.h"

#include "rtp/rtcp.h"

/* SR + SDES + BYE compound (RFC 3550 §6.1). */
static const uint8_t compound[] = {
    /* SR, RC=1: 52 bytes */
    0x81, 0xc8, 0x00, 0x0c, /* V=2 P=0 RC=1 | PT=200 | length 12 */
    0x11, 0x22, 0x33, 0x44, /* sender SSRC */
    0xe5, 0x00, 0x00, 0x01, /* NTP seconds */
    0x80, 0x00, 0x00, 0x00, /* NTP fraction (0.5 s) */
    0x00, 0x01, 0x00, 0x00, /* RTP timestamp 65536 */
    0x00, 0x00, 0x00, 0x64, /* sender's packet count 100 */
    0x00, 0x00, 0x27, 0x10, /* sender's octet count 10000 */
    0x55, 0x66, 0x77, 0x88, /* report block: SSRC */
    0x40, 0xff, 0xff, 0xfe, /* fraction lost 64/256 | cumulative lost -2 */
    0x00, 0x01, 0x00, 0x05, /* extended highest seq: cycle 1, seq 5 */
    0x00, 0x00, 0x00, 0x20, /* jitter 32 */
    0x12, 0x34, 0x56, 0x78, /* LSR */
    0x00, 0x01, 0x00, 0x00, /* DLSR 1 s */
    /* SDES, SC=1: 16 bytes */
    0x81, 0xca, 0x00, 0x03, /* V=2 SC=1 | PT=202 | length 3 */
    0x11, 0x22, 0x33, 0x44, /* chunk SSRC */
    0x01, 0x04, 'a', 'b',   /* CNAME, length 4 */
    'c', 'd', 0x00, 0x00,   /* END item, pad */
    /* BYE, SC=1 with reason: 12 bytes */
    0x81, 0xcb, 0x00, 0x02, /* V=2 SC=1 | PT=203 | length 2 */
    0x11, 0x22, 0x33, 0x44, /* SSRC */
    0x01, 'x', 0x00, 0x00,  /* reason length 1 "x", pad */
};

static const uint8_t pli[] = {
    0x81, 0xce, 0x00, 0x02, /* V=2 FMT=1 | PT=206 PSFB | length 2 */
    0x00, 0x00, 0x00, 0x01, /* sender SSRC 1 */
    0x00, 0x00, 0x00, 0x02, /* media SSRC 2 */
};

static const uint8_t fir[] = {
    0x84, 0xce, 0x00, 0x04, /* V=2 FMT=4 | PT=206 | length 4 */
    0x00, 0x00, 0x00, 0x01, /* sender SSRC 1 */
    0x00, 0x00, 0x00, 0x00, /* media SSRC unused, 0 */
    0x00, 0x00, 0x00, 0x09, /* FCI: SSRC 9 */
    0x07, 0x00, 0x00, 0x00, /* seq nr 7, reserved */
};

static const uint8_t nack[] = {
    0x81, 0xcd, 0x00, 0x04, /* V=2 FMT=1 | PT=205 RTPFB | length 4 */
    0x00, 0x00, 0x00, 0x01, /* sender SSRC 1 */
    0x00, 0x00, 0x00, 0x02, /* media SSRC 2 */
    0x00, 0x0a, 0x80, 0x01, /* PID 10, BLP bits 0 and 15: 11 and 26 lost */
    0xff, 0xff, 0x00, 0x01, /* PID 65535, BLP bit 0: 0 lost */
};

static const uint8_t remb[] = {
    0x8f, 0xce, 0x00, 0x05, /* V=2 FMT=15 | PT=206 | length 5 */
    0x00, 0x00, 0x00, 0x01, /* sender SSRC 1 */
    0x00, 0x00, 0x00, 0x00, /* media SSRC 0 */
    'R', 'E', 'M', 'B',     /* unique identifier */
    0x01, 0x0b, 0xd0, 0x90, /* 1 SSRC | exp 2 | mantissa 250000: 1 Mbit/s */
    0x00, 0x00, 0x00, 0x09, /* SSRC 9 */
};

static const uint8_t twcc[] = {
    0x8f, 0xcd, 0x00, 0x06, /* V=2 FMT=15 | PT=205 | length 6 */
    0x00, 0x00, 0x00, 0x01, /* sender SSRC 1 */
    0x00, 0x00, 0x00, 0x02, /* media SSRC 2 */
    0x00, 0x01, 0x00, 0x03, /* base seq 1 | status count 3 */
    0xff, 0xff, 0xff, 0x05, /* reference time -1 | fb pkt count 5 */
    0x20, 0x03, 0x04, 0x08, /* run length chunk: small delta x3 | deltas... */
    0x0c, 0x00, 0x00, 0x00, /* ...last delta, zero padding */
};

static int first_packet(const uint8_t *buf, size_t len, rtcp_packet_t *p)
{
    rtcp_iter_t it;
    rtcp_iter_init(&it, buf, len);
    return rtcp_iter_next(&it, p);
}

TEST(iterates_compound)
{
    rtcp_iter_t it;
    rtcp_packet_t p;
    rtcp_iter_init(&it, compound, sizeof compound);
    ASSERT_EQ(rtcp_iter_next(&it, &p), 52);
    ASSERT_EQ(p.pt, RTCP_PT_SR);
    ASSERT_EQ(p.count, 1);
    ASSERT_EQ(p.body_len, 48);
    ASSERT_EQ(rtcp_iter_next(&it, &p), 16);
    ASSERT_EQ(p.pt, RTCP_PT_SDES);
    ASSERT_EQ(rtcp_iter_next(&it, &p), 12);
    ASSERT_EQ(p.pt, RTCP_PT_BYE);
    ASSERT_EQ(rtcp_iter_next(&it, &p), 0);
    ASSERT_EQ(rtcp_iter_next(&it, &p), 0);
}

TEST(iterator_rejects_truncation_everywhere)
{
    /* Cutting anywhere except at a packet boundary ends in RTP_ETRUNC. */
    for (size_t len = 0; len < sizeof compound; len++) {
        rtcp_iter_t it;
        rtcp_packet_t p;
        int rc, packets = 0;
        rtcp_iter_init(&it, compound, len);
        while ((rc = rtcp_iter_next(&it, &p)) > 0)
            packets++;
        int boundary = len == 0 || len == 52 || len == 68;
        ASSERT_EQ(rc, boundary ? 0 : RTP_ETRUNC);
        ASSERT_EQ(rtcp_iter_next(&it, &p), rc); /* sticky */
    }
}

TEST(iterator_rejects_bad_version_and_padding)
{
    uint8_t b[sizeof pli];
    rtcp_packet_t p;
    memcpy(b, pli, sizeof b);
    b[0] = 0x41; /* V=1 */
    ASSERT_EQ(first_packet(b, sizeof b, &p), RTP_EVERSION);
    memcpy(b, pli, sizeof b);
    b[0] |= 0x20; /* P=1 with last byte 0x02: 2 bytes of padding */
    ASSERT_EQ(first_packet(b, sizeof b, &p), 12);
    ASSERT_EQ(p.body_len, 6);
    b[11] = 0; /* padding count 0 */
    ASSERT_EQ(first_packet(b, sizeof b, &p), RTP_EINVAL);
    b[11] = 9; /* more padding than body */
    ASSERT_EQ(first_packet(b, sizeof b, &p), RTP_EINVAL);
    memcpy(b, pli, sizeof b);
    b[3] = 0xff; /* length beyond the buffer */
    ASSERT_EQ(first_packet(b, sizeof b, &p), RTP_ETRUNC);
}

TEST(parses_sr_with_report_block)
{
    rtcp_packet_t p;
    rtcp_sr_t sr;
    ASSERT_EQ(first_packet(compound, sizeof compound, &p), 52);
    ASSERT_EQ(rtcp_parse_sr(&p, &sr), 0);
    ASSERT_EQ(sr.ssrc, 0x11223344u);
    ASSERT_EQ(sr.ntp >> 32, 0xe5000001u);
    ASSERT_EQ(sr.ntp & 0xffffffffu, 0x80000000u);
    ASSERT_EQ(sr.rtp_ts, 65536);
    ASSERT_EQ(sr.packet_count, 100);
    ASSERT_EQ(sr.octet_count, 10000);
    ASSERT_EQ(sr.report_count, 1);
    ASSERT_EQ(sr.reports[0].ssrc, 0x55667788u);
    ASSERT_EQ(sr.reports[0].fraction_lost, 64);
    ASSERT_EQ(sr.reports[0].cumulative_lost, -2);
    ASSERT_EQ(sr.reports[0].ext_highest_seq, 0x10005);
    ASSERT_EQ(sr.reports[0].jitter, 32);
    ASSERT_EQ(sr.reports[0].lsr, 0x12345678u);
    ASSERT_EQ(sr.reports[0].dlsr, 65536);
    rtcp_rr_t rr;
    ASSERT_EQ(rtcp_parse_rr(&p, &rr), RTP_EINVAL); /* wrong type */
}

TEST(sr_with_missing_report_blocks_is_truncated)
{
    uint8_t b[52];
    rtcp_packet_t p;
    rtcp_sr_t sr;
    memcpy(b, compound, sizeof b);
    b[0] = 0x82; /* RC=2 but only one block present */
    ASSERT_EQ(first_packet(b, sizeof b, &p), 52);
    ASSERT_EQ(rtcp_parse_sr(&p, &sr), RTP_ETRUNC);
}

TEST(parses_bye_reason)
{
    rtcp_packet_t p;
    rtcp_bye_t bye;
    ASSERT_EQ(first_packet(compound + 68, 12, &p), 12);
    ASSERT_EQ(rtcp_parse_bye(&p, &bye), 0);
    ASSERT_EQ(bye.count, 1);
    ASSERT_EQ(bye.ssrcs[0], 0x11223344u);
    ASSERT_EQ(bye.reason_len, 1);
    ASSERT_EQ(bye.reason[0], 'x');

    uint8_t b[12];
    memcpy(b, compound + 68, 12);
    b[8] = 5; /* reason longer than the packet */
    ASSERT_EQ(first_packet(b, sizeof b, &p), 12);
    ASSERT_EQ(rtcp_parse_bye(&p, &bye), RTP_ETRUNC);
}

TEST(sr_rr_round_trip)
{
    rtcp_sr_t sr = {0}, back;
    uint8_t buf[1024];
    sr.ssrc = 42;
    sr.ntp = rtcp_ntp_from_unix_us(1500000);
    sr.rtp_ts = 0xfffffff0u;
    sr.packet_count = 7;
    sr.octet_count = 7000;
    sr.report_count = 2;
    sr.reports[0].ssrc = 1;
    sr.reports[0].cumulative_lost = -8388608; /* most negative 24-bit value */
    sr.reports[1].ssrc = 2;
    sr.reports[1].cumulative_lost = 9000000;  /* clamps to 0x7fffff */
    sr.reports[1].jitter = 3;
    int n = rtcp_write_sr(buf, sizeof buf, &sr);
    ASSERT_EQ(n, 28 + 48);
    rtcp_packet_t p;
    ASSERT_EQ(first_packet(buf, (size_t)n, &p), n);
    ASSERT_EQ(rtcp_parse_sr(&p, &back), 0);
    ASSERT_EQ(back.ntp, sr.ntp);
    ASSERT_EQ(back.rtp_ts, sr.rtp_ts);
    ASSERT_EQ(back.report_count, 2);
    ASSERT_EQ(back.reports[0].cumulative_lost, -8388608);
    ASSERT_EQ(back.reports[1].cumulative_lost, 0x7fffff);
    ASSERT_EQ(back.reports[1].jitter, 3);
    ASSERT_EQ(rtcp_write_sr(buf, 75, &sr), RTP_ENOSPC);

    rtcp_rr_t rr = {0}, rback;
    rr.ssrc = 5;
    ASSERT_EQ(rtcp_write_rr(buf, sizeof buf, &rr), 8); /* empty RR is legal */
    rr.report_count = 1;
    rr.reports[0].ssrc = 6;
    rr.reports[0].fraction_lost = 12;
    n = rtcp_write_rr(buf, sizeof buf, &rr);
    ASSERT_EQ(n, 32);
    ASSERT_EQ(first_packet(buf, (size_t)n, &p), n);
    ASSERT_EQ(rtcp_parse_rr(&p, &rback), 0);
    ASSERT_EQ(rback.ssrc, 5);
    ASSERT_EQ(rback.reports[0].fraction_lost, 12);
    rr.report_count = 32;
    ASSERT_EQ(rtcp_write_rr(buf, sizeof buf, &rr), RTP_EINVAL);
}

TEST(ntp_conversion)
{
    ASSERT_EQ(rtcp_ntp_from_unix_us(0) >> 32, 2208988800u);
    ASSERT_EQ(rtcp_ntp_from_unix_us(500000) & 0xffffffffu, 0x80000000u);
    ASSERT_EQ(rtcp_ntp_compact(0x1234567890abcdefull), 0x567890abu);
}

TEST(sdes_and_bye_writers)
{
    uint8_t buf[64];
    rtcp_packet_t p;
    int n = rtcp_write_sdes_cname(buf, sizeof buf, 7, "abcd", 4);
    ASSERT_EQ(n, 16);
    static const uint8_t want[] = {
        0x81, 0xca, 0x00, 0x03, 0x00, 0x00, 0x00, 0x07,
        0x01, 0x04, 'a', 'b', 'c', 'd', 0x00, 0x00,
    };
    ASSERT_MEM_EQ(buf, want, sizeof want);
    n = rtcp_write_sdes_cname(buf, sizeof buf, 7, "abcdef", 6);
    ASSERT_EQ(n, 20); /* END item needs one more word */
    ASSERT_EQ(rtcp_write_sdes_cname(buf, 8, 7, "abcd", 4), RTP_ENOSPC);

    uint32_t ssrcs[2] = {3, 4};
    rtcp_bye_t bye;
    n = rtcp_write_bye(buf, sizeof buf, ssrcs, 2);
    ASSERT_EQ(n, 12);
    ASSERT_EQ(first_packet(buf, (size_t)n, &p), 12);
    ASSERT_EQ(rtcp_parse_bye(&p, &bye), 0);
    ASSERT_EQ(bye.count, 2);
    ASSERT_EQ(bye.ssrcs[1], 4);
    ASSERT_TRUE(bye.reason == NULL);
}

TEST(pli_and_fir)
{
    rtcp_packet_t p;
    rtcp_pli_t pl;
    rtcp_fir_t f;
    uint32_t ssrc;
    uint8_t seq;
    ASSERT_EQ(first_packet(pli, sizeof pli, &p), 12);
    ASSERT_EQ(rtcp_parse_pli(&p, &pl), 0);
    ASSERT_EQ(pl.sender_ssrc, 1);
    ASSERT_EQ(pl.media_ssrc, 2);
    ASSERT_EQ(rtcp_parse_fir(&p, &f), RTP_EINVAL);

    ASSERT_EQ(first_packet(fir, sizeof fir, &p), 20);
    ASSERT_EQ(rtcp_parse_fir(&p, &f), 0);
    ASSERT_EQ(f.count, 1);
    ASSERT_EQ(rtcp_fir_entry(&f, 0, &ssrc, &seq), 0);
    ASSERT_EQ(ssrc, 9);
    ASSERT_EQ(seq, 7);
    ASSERT_EQ(rtcp_fir_entry(&f, 1, &ssrc, &seq), RTP_ENOENT);

    uint8_t buf[32];
    ASSERT_EQ(rtcp_write_pli(buf, sizeof buf, 1, 2), 12);
    ASSERT_MEM_EQ(buf, pli, sizeof pli);
    ASSERT_EQ(rtcp_write_fir(buf, sizeof buf, 1, 9, 7), 20);
    ASSERT_MEM_EQ(buf, fir, sizeof fir);
    ASSERT_EQ(rtcp_write_pli(buf, 11, 1, 2), RTP_ENOSPC);
    ASSERT_EQ(rtcp_write_fir(buf, 19, 1, 9, 7), RTP_ENOSPC);
}

TEST(parses_nack_and_expands)
{
    rtcp_packet_t p;
    rtcp_nack_t n;
    uint16_t pid, blp, seqs[32];
    ASSERT_EQ(first_packet(nack, sizeof nack, &p), 20);
    ASSERT_EQ(rtcp_parse_nack(&p, &n), 0);
    ASSERT_EQ(n.media_ssrc, 2);
    ASSERT_EQ(n.count, 2);
    ASSERT_EQ(rtcp_nack_entry(&n, 1, &pid, &blp), 0);
    ASSERT_EQ(pid, 65535);
    ASSERT_EQ(blp, 1);
    ASSERT_EQ(rtcp_nack_expand(&n, seqs, 32), 5);
    ASSERT_EQ(seqs[0], 10);
    ASSERT_EQ(seqs[1], 11);
    ASSERT_EQ(seqs[2], 26);
    ASSERT_EQ(seqs[3], 65535);
    ASSERT_EQ(seqs[4], 0);
    ASSERT_EQ(rtcp_nack_expand(&n, seqs, 2), 2); /* cap respected */

    uint8_t b[12];
    memcpy(b, nack, 12);
    b[3] = 0x02; /* no FCI at all */
    ASSERT_EQ(first_packet(b, sizeof b, &p), 12);
    ASSERT_EQ(rtcp_parse_nack(&p, &n), RTP_ETRUNC);
}

TEST(nack_writer_packs_pid_blp)
{
    static const uint16_t lost[] = {10, 11, 26, 27, 65535, 0, 1, 1};
    uint8_t buf[64];
    int len = rtcp_write_nack(buf, sizeof buf, 1, 2, lost, 8);
    ASSERT_EQ(len, 12 + 3 * 4);
    static const uint8_t want[] = {
        0x81, 0xcd, 0x00, 0x05, /* FMT=1 PT=205 length 5 */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
        0x00, 0x0a, 0x80, 0x01, /* PID 10: 11, 26 */
        0x00, 0x1b, 0x00, 0x00, /* PID 27 */
        0xff, 0xff, 0x00, 0x03, /* PID 65535: 0, 1 (duplicate 1 ignored) */
    };
    ASSERT_MEM_EQ(buf, want, sizeof want);

    rtcp_packet_t p;
    rtcp_nack_t n;
    uint16_t seqs[64];
    ASSERT_EQ(first_packet(buf, (size_t)len, &p), len);
    ASSERT_EQ(rtcp_parse_nack(&p, &n), 0);
    ASSERT_EQ(rtcp_nack_expand(&n, seqs, 64), 7);
    ASSERT_EQ(rtcp_write_nack(buf, 16, 1, 2, lost, 3), 16); /* 10, 11, 26: one entry */
    ASSERT_EQ(rtcp_write_nack(buf, 19, 1, 2, lost, 8), RTP_ENOSPC);
    ASSERT_EQ(rtcp_write_nack(buf, 15, 1, 2, lost, 1), RTP_ENOSPC);
    ASSERT_EQ(rtcp_write_nack(buf, sizeof buf, 1, 2, lost, 0), RTP_EINVAL);
}

TEST(nack_round_trip_many)
{
    uint16_t lost[300], back[600];
    uint8_t buf[2048];
    for (int i = 0; i < 300; i++)
        lost[i] = (uint16_t)(65000 + i * 3); /* wraps past 65535 */
    int len = rtcp_write_nack(buf, sizeof buf, 1, 2, lost, 300);
    ASSERT_TRUE(len > 0);
    rtcp_packet_t p;
    rtcp_nack_t n;
    ASSERT_EQ(first_packet(buf, (size_t)len, &p), len);
    ASSERT_EQ(rtcp_parse_nack(&p, &n), 0);
    ASSERT_EQ(rtcp_nack_expand(&n, back, 600), 300);
    for (int i = 0; i < 300; i++)
        ASSERT_EQ(back[i], lost[i]);
}

TEST(remb_bitrate_encoding)
{
    uint8_t exp;
    uint32_t m;
    rtcp_remb_encode_bitrate(0, &exp, &m);
    ASSERT_EQ(exp, 0);
    ASSERT_EQ(m, 0);
    rtcp_remb_encode_bitrate(262143, &exp, &m);
    ASSERT_EQ(exp, 0);
    ASSERT_EQ(m, 262143);
    rtcp_remb_encode_bitrate(262144, &exp, &m);
    ASSERT_EQ(exp, 1);
    ASSERT_EQ(m, 131072);
    rtcp_remb_encode_bitrate(1000000, &exp, &m);
    ASSERT_EQ(exp, 2);
    ASSERT_EQ(m, 250000);
    static const uint64_t rates[] = {1, 30000, 999999, 5000000000ull, UINT64_MAX};
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        rtcp_remb_encode_bitrate(rates[i], &exp, &m);
        uint64_t back = rtcp_remb_decode_bitrate(exp, m);
        ASSERT_TRUE(back <= rates[i]);
        ASSERT_TRUE(rates[i] - back < (1ull << exp));
    }
    ASSERT_EQ(rtcp_remb_decode_bitrate(63, 0x3ffff) == UINT64_MAX, 1);
    ASSERT_EQ(rtcp_remb_decode_bitrate(46, 0x3ffff), 0x3ffffull << 46);
}

TEST(remb_parse_and_write)
{
    rtcp_packet_t p;
    rtcp_remb_t r;
    ASSERT_EQ(first_packet(remb, sizeof remb, &p), 24);
    ASSERT_EQ(rtcp_parse_remb(&p, &r), 0);
    ASSERT_EQ(r.sender_ssrc, 1);
    ASSERT_EQ(r.bitrate_bps, 1000000);
    ASSERT_EQ(r.ssrc_count, 1);
    ASSERT_EQ(rtcp_remb_ssrc(&r, 0), 9);

    uint8_t buf[64];
    uint32_t ssrc = 9;
    ASSERT_EQ(rtcp_write_remb(buf, sizeof buf, 1, 1000000, &ssrc, 1), 24);
    ASSERT_MEM_EQ(buf, remb, sizeof remb);
    ASSERT_EQ(rtcp_write_remb(buf, 23, 1, 1000000, &ssrc, 1), RTP_ENOSPC);

    uint8_t b[sizeof remb];
    memcpy(b, remb, sizeof b);
    b[12] = 'X'; /* another application-layer feedback */
    ASSERT_EQ(first_packet(b, sizeof b, &p), 24);
    ASSERT_EQ(rtcp_parse_remb(&p, &r), RTP_ENOENT);
    memcpy(b, remb, sizeof b);
    b[16] = 2; /* claims 2 SSRCs, has 1 */
    ASSERT_EQ(first_packet(b, sizeof b, &p), 24);
    ASSERT_EQ(rtcp_parse_remb(&p, &r), RTP_ETRUNC);
}

TEST(twcc_header)
{
    rtcp_packet_t p;
    rtcp_twcc_t t;
    ASSERT_EQ(first_packet(twcc, sizeof twcc, &p), 28);
    ASSERT_EQ(rtcp_parse_twcc(&p, &t), 0);
    ASSERT_EQ(t.sender_ssrc, 1);
    ASSERT_EQ(t.media_ssrc, 2);
    ASSERT_EQ(t.base_seq, 1);
    ASSERT_EQ(t.status_count, 3);
    ASSERT_EQ(t.reference_time, -1);
    ASSERT_EQ(t.fb_count, 5);
    ASSERT_EQ(t.chunks_len, 8);
    ASSERT_EQ(t.chunks[0], 0x20);
    rtcp_nack_t n;
    ASSERT_EQ(rtcp_parse_nack(&p, &n), RTP_EINVAL); /* FMT 15, not 1 */
}

TEST(every_parser_survives_every_truncation)
{
    /* Re-frame each fixture with a shortened length field: parsers must
     * refuse cleanly, never read past body_len. */
    const uint8_t *fx[] = {pli, fir, nack, remb, twcc};
    const size_t fl[] = {sizeof pli, sizeof fir, sizeof nack, sizeof remb, sizeof twcc};
    for (size_t k = 0; k < 5; k++) {
        for (size_t words = 0; words * 4 < fl[k]; words++) {
            uint8_t b[64];
            memcpy(b, fx[k], fl[k]);
            b[2] = 0;
            b[3] = (uint8_t)(words ? words - 1 : 0);
            rtcp_packet_t p;
            size_t len = words ? words * 4 : 4;
            ASSERT_EQ(first_packet(b, len, &p), (int)len);
            rtcp_pli_t a;
            rtcp_fir_t f;
            rtcp_nack_t n;
            rtcp_remb_t r;
            rtcp_twcc_t t;
            (void)rtcp_parse_pli(&p, &a);
            ASSERT_TRUE(rtcp_parse_fir(&p, &f) < 0 || f.count * 8 + 8 <= p.body_len);
            ASSERT_TRUE(rtcp_parse_nack(&p, &n) < 0 || n.count * 4 + 8 <= p.body_len);
            ASSERT_TRUE(rtcp_parse_remb(&p, &r) < 0 || 16u + 4u * r.ssrc_count <= p.body_len);
            ASSERT_TRUE(rtcp_parse_twcc(&p, &t) < 0 || t.chunks_len + 16 == p.body_len);
        }
    }
}

int main(void)
{
    RUN(iterates_compound);
    RUN(iterator_rejects_truncation_everywhere);
    RUN(iterator_rejects_bad_version_and_padding);
    RUN(parses_sr_with_report_block);
    RUN(sr_with_missing_report_blocks_is_truncated);
    RUN(parses_bye_reason);
    RUN(sr_rr_round_trip);
    RUN(ntp_conversion);
    RUN(sdes_and_bye_writers);
    RUN(pli_and_fir);
    RUN(parses_nack_and_expands);
    RUN(nack_writer_packs_pid_blp);
    RUN(nack_round_trip_many);
    RUN(remb_bitrate_encoding);
    RUN(remb_parse_and_write);
    RUN(twcc_header);
    RUN(every_parser_survives_every_truncation);
    return TEST_REPORT();
}
