/*
 * sfu_srtp_session: protect on one side, unprotect on the other, for both
 * DTLS-SRTP profiles; tampering and replays are rejected.
 */
#include <errno.h>

#include "sfu/srtp_session.h"
#include "test.h"

/* Deterministic keys; distinct bytes per field so a swap would show. */
static sfu_srtp_keys_t make_keys(sfu_srtp_profile_t profile)
{
    sfu_srtp_keys_t k;
    memset(&k, 0, sizeof k);
    k.profile = profile;
    sfu_srtp_profile_lengths(profile, &k.key_len, &k.salt_len);
    for (size_t i = 0; i < SFU_SRTP_KEY_MAX; i++) {
        k.client_key[i] = (uint8_t)(0x10 + i);
        k.server_key[i] = (uint8_t)(0x40 + i);
    }
    for (size_t i = 0; i < SFU_SRTP_SALT_MAX; i++) {
        k.client_salt[i] = (uint8_t)(0x80 + i);
        k.server_salt[i] = (uint8_t)(0xc0 + i);
    }
    return k;
}

/* RTP: V=2, PT=111 (opus), seq, ts=0x1000, SSRC, 20-byte payload. */
static size_t make_rtp(uint8_t *buf, uint16_t seq, uint32_t ssrc)
{
    static const uint8_t hdr[12] = {0x80, 111, 0, 0, 0, 0, 0x10, 0x00, 0, 0, 0, 0};
    memcpy(buf, hdr, 12);
    buf[2] = (uint8_t)(seq >> 8);
    buf[3] = (uint8_t)seq;
    buf[8] = (uint8_t)(ssrc >> 24);
    buf[9] = (uint8_t)(ssrc >> 16);
    buf[10] = (uint8_t)(ssrc >> 8);
    buf[11] = (uint8_t)ssrc;
    for (int i = 0; i < 20; i++)
        buf[12 + i] = (uint8_t)(seq + i);
    return 32;
}

/* RTCP receiver report with no report blocks, then a PLI (RFC 4585 §6.3.1). */
static const uint8_t rtcp_rr_pli[] = {
    0x80, 201, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44,                         /* RR, SSRC */
    0x81, 206, 0x00, 0x02, 0x11, 0x22, 0x33, 0x44, 0xde, 0xad, 0xbe, 0xef, /* PLI */
};

typedef struct {
    sfu_srtp_session_t *server, *client;
} sessions_t;

static sessions_t open_pair(sfu_srtp_profile_t profile)
{
    sfu_srtp_keys_t k = make_keys(profile);
    sessions_t s = {sfu_srtp_session_create(&k, 1), sfu_srtp_session_create(&k, 0)};
    return s;
}

static void close_pair(sessions_t s)
{
    sfu_srtp_session_destroy(s.server);
    sfu_srtp_session_destroy(s.client);
}

static void round_trip(sfu_srtp_profile_t profile)
{
    sessions_t s = open_pair(profile);
    ASSERT_TRUE(s.server && s.client);
    ASSERT_EQ(sfu_srtp_session_profile(s.server), profile);
    uint8_t buf[128], plain[128];
    size_t len = make_rtp(buf, 1000, 0xabcdef01), n = 0;
    memcpy(plain, buf, len);
    /* client -> server RTP */
    ASSERT_EQ(sfu_srtp_protect_rtp(s.client, buf, len, sizeof buf, &n), 0);
    ASSERT_EQ(n, len + sfu_srtp_overhead(profile, 0));
    ASSERT_TRUE(memcmp(buf + 12, plain + 12, 20) != 0); /* payload encrypted */
    ASSERT_EQ(sfu_srtp_unprotect_rtp(s.server, buf, n, &n), 0);
    ASSERT_EQ(n, len);
    ASSERT_MEM_EQ(buf, plain, len);
    /* server -> client RTP */
    ASSERT_EQ(sfu_srtp_protect_rtp(s.server, buf, len, sizeof buf, &n), 0);
    ASSERT_EQ(sfu_srtp_unprotect_rtp(s.client, buf, n, &n), 0);
    ASSERT_MEM_EQ(buf, plain, len);
    /* RTCP both ways */
    for (int dir = 0; dir < 2; dir++) {
        sfu_srtp_session_t *tx = dir ? s.server : s.client, *rx = dir ? s.client : s.server;
        memcpy(buf, rtcp_rr_pli, sizeof rtcp_rr_pli);
        ASSERT_EQ(sfu_srtp_protect_rtcp(tx, buf, sizeof rtcp_rr_pli, sizeof buf, &n), 0);
        ASSERT_EQ(n, sizeof rtcp_rr_pli + sfu_srtp_overhead(profile, 1));
        ASSERT_EQ(sfu_srtp_unprotect_rtcp(rx, buf, n, &n), 0);
        ASSERT_EQ(n, sizeof rtcp_rr_pli);
        ASSERT_MEM_EQ(buf, rtcp_rr_pli, n);
    }
    close_pair(s);
}

TEST(round_trip_gcm) { round_trip(SFU_SRTP_AEAD_AES_128_GCM); }
TEST(round_trip_aes_cm) { round_trip(SFU_SRTP_AES128_CM_SHA1_80); }

static void tamper(sfu_srtp_profile_t profile)
{
    sessions_t s = open_pair(profile);
    uint8_t buf[128];
    size_t n;
    /* one flipped bit anywhere (header, payload, tag) fails authentication */
    size_t positions[] = {1, 11, 12, 25, 31, 32, 32 + sfu_srtp_overhead(profile, 0) - 1};
    for (size_t i = 0; i < sizeof positions / sizeof positions[0]; i++) {
        size_t len = make_rtp(buf, (uint16_t)(2000 + i), 0x01020304);
        ASSERT_EQ(sfu_srtp_protect_rtp(s.client, buf, len, sizeof buf, &n), 0);
        buf[positions[i]] ^= 0x01;
        ASSERT_EQ(sfu_srtp_unprotect_rtp(s.server, buf, n, &n), -EBADMSG);
    }
    memcpy(buf, rtcp_rr_pli, sizeof rtcp_rr_pli);
    ASSERT_EQ(sfu_srtp_protect_rtcp(s.client, buf, sizeof rtcp_rr_pli, sizeof buf, &n), 0);
    buf[10] ^= 0x80;
    ASSERT_EQ(sfu_srtp_unprotect_rtcp(s.server, buf, n, &n), -EBADMSG);
    close_pair(s);
}

TEST(tamper_detected_gcm) { tamper(SFU_SRTP_AEAD_AES_128_GCM); }
TEST(tamper_detected_aes_cm) { tamper(SFU_SRTP_AES128_CM_SHA1_80); }

static void replay(sfu_srtp_profile_t profile)
{
    sessions_t s = open_pair(profile);
    uint8_t buf[128], copy[128];
    size_t n, m;
    size_t len = make_rtp(buf, 7, 0x55667788);
    ASSERT_EQ(sfu_srtp_protect_rtp(s.client, buf, len, sizeof buf, &n), 0);
    memcpy(copy, buf, n);
    ASSERT_EQ(sfu_srtp_unprotect_rtp(s.server, buf, n, &m), 0);
    ASSERT_EQ(sfu_srtp_unprotect_rtp(s.server, copy, n, &m), -EALREADY);
    /* RTCP replay too */
    memcpy(buf, rtcp_rr_pli, sizeof rtcp_rr_pli);
    ASSERT_EQ(sfu_srtp_protect_rtcp(s.client, buf, sizeof rtcp_rr_pli, sizeof buf, &n), 0);
    memcpy(copy, buf, n);
    ASSERT_EQ(sfu_srtp_unprotect_rtcp(s.server, buf, n, &m), 0);
    ASSERT_EQ(sfu_srtp_unprotect_rtcp(s.server, copy, n, &m), -EALREADY);
    close_pair(s);
}

TEST(replay_rejected_gcm) { replay(SFU_SRTP_AEAD_AES_128_GCM); }
TEST(replay_rejected_aes_cm) { replay(SFU_SRTP_AES128_CM_SHA1_80); }

TEST(reordering_within_window_accepted)
{
    sessions_t s = open_pair(SFU_SRTP_AEAD_AES_128_GCM);
    static uint8_t pkts[600][64];
    size_t lens[600];
    for (int i = 0; i < 600; i++)
        ASSERT_EQ(sfu_srtp_protect_rtp(s.client, pkts[i], make_rtp(pkts[i], (uint16_t)i, 9),
                                       sizeof pkts[i], &lens[i]), 0);
    size_t n;
    ASSERT_EQ(sfu_srtp_unprotect_rtp(s.server, pkts[599], lens[599], &n), 0);
    /* 500 packets late still fits the 1024 window */
    ASSERT_EQ(sfu_srtp_unprotect_rtp(s.server, pkts[99], lens[99], &n), 0);
    close_pair(s);
}

TEST(many_ssrcs_one_session)
{
    /* an SFU forwards many SSRCs through one outbound template */
    sessions_t s = open_pair(SFU_SRTP_AEAD_AES_128_GCM);
    uint8_t buf[128];
    size_t n;
    for (uint32_t ssrc = 1; ssrc <= 20; ssrc++) {
        size_t len = make_rtp(buf, 1, ssrc);
        ASSERT_EQ(sfu_srtp_protect_rtp(s.server, buf, len, sizeof buf, &n), 0);
        ASSERT_EQ(sfu_srtp_unprotect_rtp(s.client, buf, n, &n), 0);
        ASSERT_EQ(n, len);
    }
    close_pair(s);
}

TEST(retransmission_with_same_seq_can_be_protected)
{
    /* NACK answers resend the original sequence number */
    sessions_t s = open_pair(SFU_SRTP_AES128_CM_SHA1_80);
    uint8_t buf[128];
    size_t n;
    size_t len = make_rtp(buf, 42, 77);
    ASSERT_EQ(sfu_srtp_protect_rtp(s.server, buf, len, sizeof buf, &n), 0);
    len = make_rtp(buf, 42, 77);
    ASSERT_EQ(sfu_srtp_protect_rtp(s.server, buf, len, sizeof buf, &n), 0);
    close_pair(s);
}

TEST(wrong_direction_keys_fail)
{
    /* a packet the server protected does not unprotect at the server */
    sfu_srtp_keys_t k = make_keys(SFU_SRTP_AEAD_AES_128_GCM);
    sfu_srtp_session_t *a = sfu_srtp_session_create(&k, 1);
    sfu_srtp_session_t *b = sfu_srtp_session_create(&k, 1);
    uint8_t buf[128];
    size_t n;
    size_t len = make_rtp(buf, 1, 1);
    ASSERT_EQ(sfu_srtp_protect_rtp(a, buf, len, sizeof buf, &n), 0);
    ASSERT_EQ(sfu_srtp_unprotect_rtp(b, buf, n, &n), -EBADMSG);
    sfu_srtp_session_destroy(a);
    sfu_srtp_session_destroy(b);
}

TEST(buffer_and_argument_checks)
{
    sessions_t s = open_pair(SFU_SRTP_AEAD_AES_128_GCM);
    uint8_t buf[64];
    size_t n;
    size_t len = make_rtp(buf, 1, 1);
    /* 32 + 16 tag = 48 fits exactly; 47 does not */
    ASSERT_EQ(sfu_srtp_protect_rtp(s.client, buf, len, 47, &n), -ENOSPC);
    ASSERT_EQ(sfu_srtp_protect_rtp(s.client, buf, len, 48, &n), 0);
    ASSERT_EQ(sfu_srtp_protect_rtcp(s.client, buf, 8, 27, &n), -ENOSPC);
    ASSERT_EQ(sfu_srtp_unprotect_rtp(s.server, buf, 5, &n), -EINVAL); /* too short */
    close_pair(s);

    sfu_srtp_keys_t k = make_keys(SFU_SRTP_AEAD_AES_128_GCM);
    k.salt_len = 14; /* wrong for GCM */
    ASSERT_TRUE(sfu_srtp_session_create(&k, 1) == NULL);
    k.profile = SFU_SRTP_PROFILE_NONE;
    ASSERT_TRUE(sfu_srtp_session_create(&k, 1) == NULL);
    ASSERT_TRUE(sfu_srtp_session_create(NULL, 1) == NULL);
    sfu_srtp_session_destroy(NULL);
}

TEST(names_and_overheads)
{
    ASSERT_STR_EQ(sfu_srtp_profile_name(SFU_SRTP_AEAD_AES_128_GCM), "AEAD_AES_128_GCM");
    ASSERT_STR_EQ(sfu_srtp_profile_name(SFU_SRTP_AES128_CM_SHA1_80), "AES_CM_128_HMAC_SHA1_80");
    ASSERT_STR_EQ(sfu_srtp_profile_name(SFU_SRTP_PROFILE_NONE), "none");
    ASSERT_EQ(sfu_srtp_overhead(SFU_SRTP_AEAD_AES_128_GCM, 0), 16);
    ASSERT_EQ(sfu_srtp_overhead(SFU_SRTP_AEAD_AES_128_GCM, 1), 20);
    ASSERT_EQ(sfu_srtp_overhead(SFU_SRTP_AES128_CM_SHA1_80, 0), 10);
    ASSERT_EQ(sfu_srtp_overhead(SFU_SRTP_AES128_CM_SHA1_80, 1), 14);
    ASSERT_TRUE(sfu_srtp_overhead(SFU_SRTP_AEAD_AES_128_GCM, 1) <= SFU_SRTP_MAX_OVERHEAD);
}

int main(void)
{
    RUN(round_trip_gcm);
    RUN(round_trip_aes_cm);
    RUN(tamper_detected_gcm);
    RUN(tamper_detected_aes_cm);
    RUN(replay_rejected_gcm);
    RUN(replay_rejected_aes_cm);
    RUN(reordering_within_window_accepted);
    RUN(many_ssrcs_one_session);
    RUN(retransmission_with_same_seq_can_be_protected);
    RUN(wrong_direction_keys_fail);
    RUN(buffer_and_argument_checks);
    RUN(names_and_overheads);
    return TEST_REPORT();
}
