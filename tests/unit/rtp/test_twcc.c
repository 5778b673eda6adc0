/* Unit tests for rtp/twcc.c: transport-wide CC feedback building, decoding
 * and the REMB-free parts of the round trip. Time is a fake clock (us). */
#include "test.h"

#include "rtp/twcc.h"

#include <stdlib.h>

#define MS 1000
#define SENDER 0x01020304u
#define MEDIA 0x0a0b0c0du

static rtp_twcc_status_t st[70000];

/* Builds one feedback and decodes it back: returns the status count, 0 when
 * nothing was built, or a negative error. *len gets the packet size. */
static int round_trip(rtp_twcc_t *t, uint8_t *buf, size_t cap, rtcp_twcc_t *hdr,
                      int *len)
{
    int n = rtp_twcc_build_feedback(t, 0, buf, cap);
    *len = n;
    if (n <= 0)
        return n;
    if (n % 4 != 0 || (size_t)n > cap)
        return -100;
    rtcp_iter_t it;
    rtcp_packet_t p;
    rtcp_iter_init(&it, buf, (size_t)n);
    if (rtcp_iter_next(&it, &p) != n)
        return -101;
    return rtp_twcc_parse_feedback(&p, hdr, st, sizeof st / sizeof st[0]);
}

TEST(nothing_to_report)
{
    rtp_twcc_t *t = rtp_twcc_create(SENDER, MEDIA, 4096);
    uint8_t buf[256];
    ASSERT_TRUE(t != NULL);
    ASSERT_EQ(rtp_twcc_build_feedback(t, 0, buf, sizeof buf), 0);
    rtp_twcc_destroy(t);
    rtp_twcc_destroy(NULL);
    ASSERT_TRUE(rtp_twcc_create(1, 2, 1000) == NULL); /* not a power of two */
    ASSERT_TRUE(rtp_twcc_create(1, 2, 8) == NULL);
}

TEST(exact_bytes_run_length)
{
    rtp_twcc_t *t = rtp_twcc_create(SENDER, MEDIA, 4096);
    uint8_t buf[256];
    rtp_twcc_on_packet(t, 10, 128 * MS);
    rtp_twcc_on_packet(t, 11, 129 * MS);
    rtp_twcc_on_packet(t, 12, 130 * MS);
    int n = rtp_twcc_build_feedback(t, 130 * MS, buf, sizeof buf);
    static const uint8_t want[] = {
        0xaf, 0xcd, 0x00, 0x06, /* V=2 P=1 FMT=15 | PT=205 | length 6 */
        0x01, 0x02, 0x03, 0x04, /* sender SSRC */
        0x0a, 0x0b, 0x0c, 0x0d, /* media SSRC */
        0x00, 0x0a, 0x00, 0x03, /* base seq 10 | status count 3 */
        0x00, 0x00, 0x02, 0x00, /* reference time 2 (128 ms) | fb pkt count 0 */
        0x20, 0x03,             /* run length chunk: small delta x3 */
        0x00, 0x04, 0x04,       /* deltas 0, 1 ms, 1 ms in 250 us units */
        0x00, 0x00, 0x03,       /* padding, count 3 */
    };
    ASSERT_EQ(n, sizeof want);
    ASSERT_MEM_EQ(buf, want, sizeof want);
    ASSERT_EQ(rtp_twcc_build_feedback(t, 200 * MS, buf, sizeof buf), 0);
    rtp_twcc_destroy(t);
}

TEST(exact_bytes_loss_and_large_deltas)
{
    rtp_twcc_t *t = rtp_twcc_create(SENDER, MEDIA, 4096);
    uint8_t buf[256];
    /* 0, 1 received, 2 lost, 3 received: one-bit status vector */
    rtp_twcc_on_packet(t, 0, 64 * MS);
    rtp_twcc_on_packet(t, 1, 65 * MS);
    rtp_twcc_on_packet(t, 3, 66 * MS);
    int n = rtp_twcc_build_feedback(t, 0, buf, sizeof buf);
    ASSERT_EQ(n, 28);
    static const uint8_t chunk1[] = {0xb4, 0x00, 0x00, 0x04, 0x04}; /* 1 1 0 1 | deltas */
    ASSERT_MEM_EQ(buf + 20, chunk1, sizeof chunk1);

    /* 4 small, 5 +100 ms (large), 6 arrives 1 ms before 5 (negative), 7 small */
    rtp_twcc_on_packet(t, 4, 200 * MS);
    rtp_twcc_on_packet(t, 5, 300 * MS);
    rtp_twcc_on_packet(t, 6, 299 * MS);
    rtp_twcc_on_packet(t, 7, 300 * MS);
    n = rtp_twcc_build_feedback(t, 0, buf, sizeof buf);
    static const uint8_t want[] = {
        0x8f, 0xcd, 0x00, 0x06, /* V=2 P=0 FMT=15 | PT=205 | length 6 */
        0x01, 0x02, 0x03, 0x04, /* sender SSRC */
        0x0a, 0x0b, 0x0c, 0x0d, /* media SSRC */
        0x00, 0x04, 0x00, 0x04, /* base seq 4 | 4 statuses */
        0x00, 0x00, 0x03, 0x01, /* reference time 3 (192 ms) | fb pkt count 1 */
        0xda, 0x40,             /* two-bit vector: small large large small */
        0x20,                   /* 200 - 192 ms = 32 ticks */
        0x01, 0x90,             /* +100 ms = 400 ticks */
        0xff, 0xfc,             /* -1 ms = -4 ticks */
        0x04,                   /* +1 ms */
    };
    ASSERT_EQ(n, sizeof want);
    ASSERT_MEM_EQ(buf, want, sizeof want);
    rtp_twcc_destroy(t);
}

TEST(round_trip_in_order)
{
    rtp_twcc_t *t = rtp_twcc_create(SENDER, MEDIA, 4096);
    uint8_t buf[1500];
    rtcp_twcc_t hdr;
    int len;
    for (int i = 0; i < 100; i++)
        ASSERT_EQ(rtp_twcc_on_packet(t, (uint16_t)(500 + i), 10000 * MS + i * 1250), 0);
    ASSERT_EQ(round_trip(t, buf, sizeof buf, &hdr, &len), 100);
    ASSERT_EQ(hdr.base_seq, 500);
    ASSERT_EQ(hdr.sender_ssrc, SENDER);
    ASSERT_EQ(hdr.media_ssrc, MEDIA);
    ASSERT_EQ(hdr.reference_time, 10000 * MS / (64 * MS));
    ASSERT_EQ(buf[20], 0x20); /* a single run length chunk of 100 */
    ASSERT_EQ(buf[21], 100);
    for (int i = 0; i < 100; i++) {
        ASSERT_EQ(st[i].seq, 500 + i);
        ASSERT_EQ(st[i].status, RTP_TWCC_SMALL_DELTA);
        ASSERT_EQ(st[i].arrival_us, 10000 * MS + i * 1250);
    }
    rtp_twcc_destroy(t);
}

TEST(round_trip_mixed_statuses)
{
    rtp_twcc_t *t = rtp_twcc_create(SENDER, MEDIA, 4096);
    uint8_t buf[1500];
    rtcp_twcc_t hdr;
    int len;
    int64_t at[300];
    int64_t now = 5000 * MS;
    /* pseudo-random pattern: losses, bursts, long gaps, reordering */
    uint32_t x = 12345;
    for (int i = 0; i < 300; i++) {
        x = x * 1103515245u + 12345u;
        unsigned r = (x >> 16) % 100;
        now += (r < 5) ? 90 * MS : (int64_t)(r * 37);
        at[i] = (r < 15) ? -1 : now - ((r % 7 == 0) ? 3 * MS : 0);
    }
    at[299] = now + 1;
    for (int i = 0; i < 300; i++)
        if (at[i] >= 0)
            ASSERT_EQ(rtp_twcc_on_packet(t, (uint16_t)(65400 + i), at[i]), 0);
    ASSERT_EQ(round_trip(t, buf, sizeof buf, &hdr, &len), 300);
    ASSERT_EQ(hdr.base_seq, 65400);
    for (int i = 0; i < 300; i++) {
        ASSERT_EQ(st[i].seq, (uint16_t)(65400 + i));
        if (at[i] < 0) {
            ASSERT_EQ(st[i].status, RTP_TWCC_NOT_RECEIVED);
        } else {
            ASSERT_TRUE(st[i].status != RTP_TWCC_NOT_RECEIVED);
            ASSERT_EQ(st[i].arrival_us, at[i] / 250 * 250);
        }
    }
    rtp_twcc_destroy(t);
}

TEST(successive_feedbacks_continue)
{
    rtp_twcc_t *t = rtp_twcc_create(SENDER, MEDIA, 4096);
    uint8_t buf[1500];
    rtcp_twcc_t hdr;
    int len;
    rtp_twcc_on_packet(t, 1, 1000 * MS);
    rtp_twcc_on_packet(t, 2, 1001 * MS);
    ASSERT_EQ(round_trip(t, buf, sizeof buf, &hdr, &len), 2);
    ASSERT_EQ(hdr.fb_count, 0);
    ASSERT_EQ(round_trip(t, buf, sizeof buf, &hdr, &len), 0);
    ASSERT_EQ(rtp_twcc_on_packet(t, 2, 1002 * MS), RTP_ESTALE); /* already reported */
    rtp_twcc_on_packet(t, 4, 1050 * MS);
    rtp_twcc_on_packet(t, 4, 1060 * MS); /* duplicate keeps the first arrival */
    ASSERT_EQ(round_trip(t, buf, sizeof buf, &hdr, &len), 2);
    ASSERT_EQ(hdr.base_seq, 3);
    ASSERT_EQ(hdr.fb_count, 1);
    ASSERT_EQ(st[0].status, RTP_TWCC_NOT_RECEIVED);
    ASSERT_EQ(st[1].arrival_us, 1050 * MS);
    rtp_twcc_destroy(t);
}

TEST(huge_gap_splits_feedback)
{
    rtp_twcc_t *t = rtp_twcc_create(SENDER, MEDIA, 4096);
    uint8_t buf[1500];
    rtcp_twcc_t hdr;
    int len;
    rtp_twcc_on_packet(t, 0, 1000 * MS);
    rtp_twcc_on_packet(t, 1, 20000 * MS); /* 19 s: no 16-bit delta holds it */
    ASSERT_EQ(round_trip(t, buf, sizeof buf, &hdr, &len), 1);
    ASSERT_EQ(st[0].arrival_us, 1000 * MS);
    ASSERT_EQ(round_trip(t, buf, sizeof buf, &hdr, &len), 1);
    ASSERT_EQ(hdr.base_seq, 1);
    ASSERT_EQ(st[0].arrival_us, 20000 * MS);
    rtp_twcc_destroy(t);
}

TEST(small_buffer_drains_in_several_packets)
{
    rtp_twcc_t *t = rtp_twcc_create(SENDER, MEDIA, 4096);
    uint8_t buf[64];
    rtcp_twcc_t hdr;
    int len, n, total = 0, packets = 0;
    for (int i = 0; i < 100; i++)
        rtp_twcc_on_packet(t, (uint16_t)i, 3000 * MS + i * 200 * MS); /* all large */
    ASSERT_EQ(rtp_twcc_build_feedback(t, 0, buf, 26), RTP_ENOSPC);
    while ((n = round_trip(t, buf, sizeof buf, &hdr, &len)) > 0) {
        ASSERT_TRUE(len <= 64);
        ASSERT_EQ(hdr.base_seq, total);
        for (int i = 0; i < n; i++)
            ASSERT_EQ(st[i].arrival_us, 3000 * MS + (total + i) * 200 * MS);
        total += n;
        packets++;
    }
    ASSERT_EQ(n, 0);
    ASSERT_EQ(total, 100);
    ASSERT_TRUE(packets > 1);
    rtp_twcc_destroy(t);
}

TEST(long_loss_burst_does_not_stall)
{
    rtp_twcc_t *t = rtp_twcc_create(SENDER, MEDIA, 4096);
    uint8_t buf[200];
    rtcp_twcc_t hdr;
    int len, n, total = 0, received = 0;
    rtp_twcc_on_packet(t, 0, 1000 * MS);
    rtp_twcc_on_packet(t, 3000, 1100 * MS);
    while ((n = round_trip(t, buf, sizeof buf, &hdr, &len)) > 0) {
        ASSERT_EQ(hdr.base_seq, total);
        for (int i = 0; i < n; i++) {
            if (st[i].status == RTP_TWCC_NOT_RECEIVED)
                continue;
            received++;
            ASSERT_EQ(st[i].arrival_us, st[i].seq == 0 ? 1000 * MS : 1100 * MS);
        }
        total += n;
    }
    ASSERT_EQ(n, 0);
    ASSERT_EQ(total, 3001);
    ASSERT_EQ(received, 2);
    rtp_twcc_destroy(t);
}

TEST(window_overflow_drops_oldest)
{
    rtp_twcc_t *t = rtp_twcc_create(SENDER, MEDIA, 16);
    uint8_t buf[1500];
    rtcp_twcc_t hdr;
    int len;
    for (int i = 0; i < 40; i++)
        rtp_twcc_on_packet(t, (uint16_t)i, 100 * MS + i * MS);
    ASSERT_EQ(round_trip(t, buf, sizeof buf, &hdr, &len), 16);
    ASSERT_EQ(hdr.base_seq, 24);
    ASSERT_EQ(st[15].arrival_us, 139 * MS);
    ASSERT_EQ(rtp_twcc_on_packet(t, 0x7000, 200 * MS), 0); /* far jump */
    ASSERT_EQ(round_trip(t, buf, sizeof buf, &hdr, &len), 16);
    ASSERT_EQ(hdr.base_seq, 0x7000 - 15);
    ASSERT_EQ(st[15].arrival_us, 200 * MS);
    rtp_twcc_destroy(t);
}

TEST(decoder_rejects_malformed)
{
    uint8_t pkt[] = {
        0x8f, 0xcd, 0x00, 0x05, /* V=2 FMT=15 | PT=205 | length 5 */
        0x00, 0x00, 0x00, 0x01, /* sender SSRC */
        0x00, 0x00, 0x00, 0x02, /* media SSRC */
        0x00, 0x00, 0x00, 0x02, /* base seq 0 | 2 statuses */
        0x00, 0x00, 0x01, 0x00, /* reference time 1 | fb count 0 */
        0xd8, 0x00, 0x04, 0x00, /* two-bit vector: small, large | delta 4 | (large cut) */
    };
    rtcp_iter_t it;
    rtcp_packet_t p;
    rtcp_twcc_t hdr;
    rtcp_iter_init(&it, pkt, sizeof pkt);
    ASSERT_EQ(rtcp_iter_next(&it, &p), 24);
    /* two-byte delta needs bytes 3..4 of the 4-byte area: byte 4 missing */
    ASSERT_EQ(rtp_twcc_parse_feedback(&p, &hdr, st, 100), RTP_ETRUNC);
    ASSERT_EQ(rtp_twcc_parse_feedback(&p, &hdr, st, 1), RTP_ENOSPC);
    pkt[20] = 0xf0; /* symbol 3 is reserved */
    rtcp_iter_init(&it, pkt, sizeof pkt);
    ASSERT_EQ(rtcp_iter_next(&it, &p), 24);
    ASSERT_EQ(rtp_twcc_parse_feedback(&p, &hdr, st, 100), RTP_EINVAL);
    pkt[15] = 0x40; /* 64 statuses but only one chunk */
    pkt[20] = 0xd8;
    rtcp_iter_init(&it, pkt, sizeof pkt);
    ASSERT_EQ(rtcp_iter_next(&it, &p), 24);
    ASSERT_EQ(rtp_twcc_parse_feedback(&p, &hdr, st, 100), RTP_ETRUNC);
}

TEST(reads_transport_seq_extension)
{
    static const uint8_t pkt[] = {
        0x90, 0x60, 0x00, 0x01, /* V=2 X=1 | PT=96 | seq 1 */
        0x00, 0x00, 0x00, 0x00, /* timestamp */
        0x00, 0x00, 0x00, 0x01, /* SSRC */
        0xbe, 0xde, 0x00, 0x01, /* one-byte extensions, 1 word */
        0x31, 0xab, 0xcd, 0x00, /* id 3 len 2: transport seq 0xabcd, padding */
    };
    rtp_packet_t p;
    uint16_t seq;
    ASSERT_EQ(rtp_packet_parse(&p, pkt, sizeof pkt), 0);
    ASSERT_EQ(rtp_twcc_seq_from_packet(&p, 3, &seq), 0);
    ASSERT_EQ(seq, 0xabcd);
    ASSERT_EQ(rtp_twcc_seq_from_packet(&p, 4, &seq), RTP_ENOENT);
}

/* ---- an independent check: read our feedback the way Chromium does ----------
 *
 * What follows decodes a feedback packet from its bytes alone, following the
 * steps libwebrtc's TransportFeedback::Parse and TransportFeedbackAdapter
 * take (read from their source; written here from scratch, sharing nothing
 * with rtp/twcc.c): the RTCP common header with the P bit, the 16 fixed
 * bytes, the reference time as a *signed* 24-bit count of 64 ms, chunks
 * until status_count symbols (a chunk may carry more, they are cut), a delta
 * per received packet (1 byte unsigned / 2 bytes signed, in 250 us), symbol
 * 3 rejected, and nothing but padding after the deltas. Then a simulated
 * stream -- jitter, loss, reordering, duplicates, a sequence wrap and a
 * reference-time wrap -- is fed to the generator and every feedback is held
 * against the arrival log.
 */

#define REF_PERIOD_US ((int64_t)(1 << 24) * 64000) /* the 24-bit reference time wraps */

typedef struct chrome_fb {
    uint32_t sender_ssrc, media_ssrc;
    uint16_t base_seq, count;
    int64_t base_time_us;           /* signed reference time * 64 ms */
    uint8_t fb_seq;
    uint8_t received[2048];         /* per status: 1 if received */
    int64_t arrival_us[2048];       /* base_time + deltas so far */
} chrome_fb_t;

static int chrome_parse(const uint8_t *b, size_t len, chrome_fb_t *f)
{
    if (len < 4 || (b[0] >> 6) != 2 || (b[0] & 0x1f) != 15 || b[1] != 205)
        return -1;
    size_t total = 4 * ((size_t)((b[2] << 8) | b[3]) + 1);
    if (total != len)
        return -2;
    size_t end = total;
    if (b[0] & 0x20) { /* padding: the last byte counts it, header included */
        if (b[total - 1] == 0 || b[total - 1] > total - 4)
            return -3;
        end -= b[total - 1];
    }
    if (end < 4 + 8 + 8)
        return -4;
    const uint8_t *q = b + 4;
    f->sender_ssrc = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
    f->media_ssrc = (uint32_t)q[4] << 24 | (uint32_t)q[5] << 16 | (uint32_t)q[6] << 8 | q[7];
    f->base_seq = (uint16_t)(q[8] << 8 | q[9]);
    f->count = (uint16_t)(q[10] << 8 | q[11]);
    int32_t ref = (int32_t)((uint32_t)q[12] << 16 | (uint32_t)q[13] << 8 | q[14]);
    if (ref & 0x800000)
        ref -= 0x1000000;
    f->base_time_us = (int64_t)ref * 64000;
    f->fb_seq = q[15];
    if (f->count == 0 || f->count > sizeof f->received)
        return -5;
    uint8_t sym[2048 + 14];
    size_t n = 0, at = 4 + 16;
    while (n < f->count) {
        if (at + 2 > end)
            return -6;
        uint16_t c = (uint16_t)(b[at] << 8 | b[at + 1]);
        at += 2;
        if (!(c & 0x8000)) {
            size_t run = c & 0x1fff;
            if (run == 0)
                return -7;
            for (size_t k = 0; k < run && n < f->count; k++)
                sym[n++] = (uint8_t)((c >> 13) & 3);
        } else if (!(c & 0x4000)) {
            for (int k = 13; k >= 0 && n < f->count; k--)
                sym[n++] = (uint8_t)((c >> k) & 1);
        } else {
            for (int k = 12; k >= 0 && n < f->count; k -= 2)
                sym[n++] = (uint8_t)((c >> k) & 3);
        }
    }
    int64_t t = f->base_time_us;
    for (size_t i = 0; i < f->count; i++) {
        f->received[i] = sym[i] != 0;
        if (sym[i] == 3)
            return -8;
        if (sym[i] == 1) {
            if (at + 1 > end)
                return -9;
            t += (int64_t)b[at++] * 250;
        } else if (sym[i] == 2) {
            if (at + 2 > end)
                return -9;
            t += (int64_t)(int16_t)(b[at] << 8 | b[at + 1]) * 250;
            at += 2;
        }
        f->arrival_us[i] = t;
    }
    return at == end ? 0 : -10;
}

/* TransportFeedbackAdapter's step between two feedbacks' base times: the
 * difference, moved by one wrap period if that makes it smaller. */
static int64_t chrome_base_delta(int64_t now_base, int64_t prev_base)
{
    int64_t d = now_base - prev_base;
    if (llabs(d - REF_PERIOD_US) < llabs(d))
        d -= REF_PERIOD_US;
    else if (llabs(d + REF_PERIOD_US) < llabs(d))
        d += REF_PERIOD_US;
    return d;
}

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

#define SIM_PACKETS 6000

TEST(feedback_read_as_chromium_matches_the_arrival_log)
{
    static int64_t arrival[SIM_PACKETS];  /* by packet index; -1: lost */
    static int reported[SIM_PACKETS];     /* 0: not yet, 1: received, 2: lost */
    static chrome_fb_t f;
    uint8_t buf[1200];
    uint32_t seed = 12345;
    const uint16_t first_seq = 65000;    /* wraps after 536 packets */
    /* 2 s before the reference time's 24-bit wrap */
    const int64_t t0 = ((int64_t)1 << 23) * 64000 - 2 * 1000 * MS;

    rtp_twcc_t *t = rtp_twcc_create(SENDER, 0, 4096);
    ASSERT_TRUE(t != NULL);
    rtp_twcc_set_media_ssrc(t, MEDIA);

    /* Send times every 2 ms (bursts of 5 every 50th), arrival = send + one way
     * delay with jitter; 2% lost, 2% reordered by up to 30 ms. */
    for (int i = 0; i < SIM_PACKETS; i++) {
        int64_t send = t0 + (int64_t)i * 2 * MS - (i % 50 < 5 ? (i % 50) * 1900 : 0);
        uint32_t r = lcg(&seed) % 100;
        arrival[i] = r < 2 ? -1 : send + 20 * MS + (int64_t)(lcg(&seed) % 3000) +
                                       (r < 4 ? (int64_t)(lcg(&seed) % 30000) : 0);
        reported[i] = 0;
    }
    int64_t now = t0, unwrapped = 0, prev_fb_base = 0, offset = 0;
    int have_offset = 0, first_reported = 0;
    int feedbacks = 0, expect_fb_seq = 0, late_after_loss = 0;
    uint16_t expect_base = first_seq;
    /* Deliver in arrival order, a feedback every 100 ms, until 1 s after the end. */
    for (int64_t next_fb = t0 + 100 * MS; now < t0 + (SIM_PACKETS * 2 + 1000) * MS; now += 250) {
        for (int i = 0; i < SIM_PACKETS; i++)
            if (arrival[i] >= now - 250 && arrival[i] < now) {
                int rc = rtp_twcc_on_packet(t, (uint16_t)(first_seq + i), arrival[i]);
                if (reported[i] == 2) {
                    ASSERT_EQ(rc, RTP_ESTALE); /* it was reported lost already */
                    late_after_loss++;
                } else {
                    ASSERT_EQ(rc, 0);
                }
                if (i % 97 == 0) /* a duplicate: the first arrival stays */
                    ASSERT_TRUE(rtp_twcc_on_packet(t, (uint16_t)(first_seq + i), arrival[i] + 5 * MS) >= RTP_ESTALE);
            }
        if (now < next_fb)
            continue;
        next_fb += 100 * MS;
        int len;
        while ((len = rtp_twcc_build_feedback(t, now, buf, sizeof buf)) > 0) {
            ASSERT_EQ(chrome_parse(buf, (size_t)len, &f), 0);
            ASSERT_EQ(f.sender_ssrc, SENDER);
            ASSERT_EQ(f.media_ssrc, MEDIA);
            if (feedbacks == 0) /* the first seq that arrived first, or an earlier one */
                expect_base = f.base_seq, first_reported = (uint16_t)(f.base_seq - first_seq);
            ASSERT_EQ(f.base_seq, expect_base);          /* no gap, no overlap */
            ASSERT_EQ(f.fb_seq, (uint8_t)expect_fb_seq); /* feedback packet count */
            expect_base = (uint16_t)(expect_base + f.count);
            expect_fb_seq++;
            /* Chromium lays each feedback on its own time line by the base
             * time step, chosen across the 24-bit wrap (chrome_base_delta). */
            unwrapped = feedbacks == 0 ? f.base_time_us
                                       : unwrapped + chrome_base_delta(f.base_time_us, prev_fb_base);
            prev_fb_base = f.base_time_us;
            feedbacks++;
            for (int k = 0; k < f.count; k++) {
                int i = (uint16_t)(f.base_seq + k - first_seq);
                ASSERT_TRUE(i >= 0 && i < SIM_PACKETS);
                ASSERT_EQ(reported[i], 0); /* each packet reported once */
                if (!f.received[k]) {
                    /* reported lost: it had not arrived when this was built */
                    ASSERT_TRUE(arrival[i] < 0 || arrival[i] >= now);
                    reported[i] = 2;
                    continue;
                }
                ASSERT_TRUE(arrival[i] >= 0 && arrival[i] < now);
                /* On that line every arrival is the real one to 250 us, at
                 * one constant offset: no drift, no jump at the wrap. */
                int64_t on_line = unwrapped + (f.arrival_us[k] - f.base_time_us);
                int64_t off = (arrival[i] / 250) * 250 - on_line;
                if (!have_offset)
                    offset = off, have_offset = 1;
                ASSERT_EQ(off, offset);
                reported[i] = 1;
            }
        }
        ASSERT_TRUE(len == 0);
    }
    int received = 0, lost = 0;
    for (int i = 0; i < SIM_PACKETS; i++) {
        /* everything was reported in the end, but for what was lost or
         * arrived late before the first packet to arrive */
        ASSERT_TRUE(reported[i] != 0 || (i < first_reported && i < 5));
        received += reported[i] == 1;
        lost += reported[i] == 2;
        late_after_loss -= arrival[i] >= 0 && reported[i] == 2;
    }
    ASSERT_EQ(late_after_loss, 0); /* each late one was refused as stale */
    /* reordering by < 100 ms mostly lands before the next feedback */
    ASSERT_TRUE(lost < SIM_PACKETS * 5 / 100);
    ASSERT_TRUE(received > SIM_PACKETS * 95 / 100);
    ASSERT_TRUE(feedbacks >= SIM_PACKETS * 2 / 100);
    rtp_twcc_destroy(t);
}

int main(void)
{
    RUN(nothing_to_report);
    RUN(exact_bytes_run_length);
    RUN(exact_bytes_loss_and_large_deltas);
    RUN(round_trip_in_order);
    RUN(round_trip_mixed_statuses);
    RUN(successive_feedbacks_continue);
    RUN(huge_gap_splits_feedback);
    RUN(small_buffer_drains_in_several_packets);
    RUN(long_loss_burst_does_not_stall);
    RUN(window_overflow_drops_oldest);
    RUN(decoder_rejects_malformed);
    RUN(reads_transport_seq_extension);
    RUN(feedback_read_as_chromium_matches_the_arrival_log);
    return TEST_REPORT();
}
