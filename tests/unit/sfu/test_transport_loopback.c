/*
 * Two transports back to back in one process over real UDP on 127.0.0.1:
 * one configured as the SFU (ICE-lite, controlled, DTLS server), one playing
 * the browser (libnice full agent, controlling, DTLS client). Real ICE
 * connectivity checks, a real DTLS handshake, then SRTP RTP and RTCP both
 * ways, checked byte for byte after unprotect. Every wait is bounded
 * (WAIT_LIMIT_US); nothing ever leaves the loopback interface.
 */
#include <errno.h>
#include <stdlib.h>

#include "sfu/certificate.h"
#include "sfu/transport.h"
#include "test.h"

#define WAIT_LIMIT_US (10 * 1000000LL)
#define N_RTP 40
#define N_RTCP 10

typedef struct {
    const char *name;
    sfu_transport_t *t;
    sfu_transport_state_t last_state;
    int state_changes;
    int rtp_count, rtcp_count, rtp_mismatch, rtcp_mismatch;
    int app_count;
    const uint8_t (*expect_rtp)[256]; /* what the other side sent, by index */
    const size_t *expect_rtp_len;
    const uint8_t (*expect_rtcp)[256];
    const size_t *expect_rtcp_len;
} endpoint_t;

/* ---- callbacks ------------------------------------------------------------- */

static void on_state(sfu_transport_t *t, sfu_transport_state_t st, void *user)
{
    endpoint_t *e = user;
    e->last_state = st;
    e->state_changes++;
}

/* Received packets carry their index in the last payload byte. */
static void on_rtp(sfu_transport_t *t, uint8_t *buf, size_t len, void *user)
{
    endpoint_t *e = user;
    int i = buf[len - 1];
    if (i >= N_RTP || e->expect_rtp_len[i] != len || memcmp(e->expect_rtp[i], buf, len) != 0)
        e->rtp_mismatch++;
    e->rtp_count++;
}

static void on_rtcp(sfu_transport_t *t, uint8_t *buf, size_t len, void *user)
{
    endpoint_t *e = user;
    int i = buf[len - 1];
    if (i >= N_RTCP || e->expect_rtcp_len[i] != len || memcmp(e->expect_rtcp[i], buf, len) != 0)
        e->rtcp_mismatch++;
    e->rtcp_count++;
}

static void on_app(sfu_transport_t *t, const uint8_t *buf, size_t len, void *user)
{
    ((endpoint_t *)user)->app_count++;
}

/* ---- packets ----------------------------------------------------------------- */

typedef struct {
    uint8_t rtp[N_RTP][256];
    size_t rtp_len[N_RTP];
    uint8_t rtcp[N_RTCP][256];
    size_t rtcp_len[N_RTCP];
} traffic_t;

/* RTP: V=2 with a one-byte header extension (as browsers send), PT 96,
 * varying payload sizes; the last byte is the index. */
static void make_traffic(traffic_t *tr, uint32_t ssrc)
{
    for (int i = 0; i < N_RTP; i++) {
        uint8_t *p = tr->rtp[i];
        size_t payload = 20 + (size_t)i * 5;
        const uint8_t hdr[20] = {0x90, (uint8_t)(i == N_RTP - 1 ? 0xE0 : 0x60),
                                 0, (uint8_t)i, 0, 0, (uint8_t)i, 0,
                                 (uint8_t)(ssrc >> 24), (uint8_t)(ssrc >> 16),
                                 (uint8_t)(ssrc >> 8), (uint8_t)ssrc,
                                 0xBE, 0xDE, 0x00, 0x01, 0x10, (uint8_t)i, 0, 0};
        memcpy(p, hdr, sizeof hdr);
        for (size_t k = 0; k < payload; k++)
            p[20 + k] = (uint8_t)(k * 7 + i);
        tr->rtp_len[i] = 20 + payload;
        p[tr->rtp_len[i] - 1] = (uint8_t)i;
    }
    /* RTCP: a receiver report (RFC 3550 §6.4.2) followed by an APP packet
     * whose last byte is the index, as one compound packet. */
    for (int i = 0; i < N_RTCP; i++) {
        const uint8_t pkt[20] = {0x80, 201, 0, 1, (uint8_t)(ssrc >> 24), (uint8_t)(ssrc >> 16),
                                 (uint8_t)(ssrc >> 8), (uint8_t)ssrc,
                                 0x80, 204, 0, 2, 0, 0, 0, 1, 't', 'e', 's', (uint8_t)i};
        memcpy(tr->rtcp[i], pkt, sizeof pkt);
        tr->rtcp_len[i] = sizeof pkt;
    }
}

/* ---- the harness --------------------------------------------------------------- */

typedef struct {
    GMainContext *ctx;
    GSource *tick; /* wakes the loop so deadlines are checked */
    sfu_certificate_t *sfu_cert, *browser_cert;
    endpoint_t sfu, browser;
    traffic_t from_browser, from_sfu;
} harness_t;

static gboolean tick_cb(gpointer data)
{
    return G_SOURCE_CONTINUE;
}

static sfu_transport_t *make_endpoint(harness_t *h, endpoint_t *e, int is_sfu)
{
    sfu_transport_config_t cfg;
    sfu_transport_config_defaults(&cfg);
    sfu_ice_config_add_local_addr(&cfg.ice, "127.0.0.1"); /* loopback only */
    if (is_sfu) {
        sfu_ice_config_set_port_range(&cfg.ice, "41000-41999");
    } else {
        cfg.ice.controlling = 1; /* a browser facing an ICE-lite server */
        cfg.ice.full_mode = 1;
        cfg.dtls_role = SFU_DTLS_CLIENT;
    }
    sfu_transport_callbacks_t cb = {on_rtp, on_rtcp, on_app, on_state, NULL, NULL, e};
    e->name = is_sfu ? "sfu" : "browser";
    return sfu_transport_create(h->ctx, &cfg, is_sfu ? h->sfu_cert : h->browser_cert, &cb);
}

static int harness_init(harness_t *h)
{
    memset(h, 0, sizeof *h);
    h->ctx = g_main_context_new();
    h->tick = g_timeout_source_new(20);
    g_source_set_callback(h->tick, tick_cb, NULL, NULL);
    g_source_attach(h->tick, h->ctx);
    h->sfu_cert = sfu_certificate_generate("sfu");
    h->browser_cert = sfu_certificate_generate("browser");
    make_traffic(&h->from_browser, 0x11111111);
    make_traffic(&h->from_sfu, 0x22222222);
    /* each side checks what it receives against what the other sent */
    h->sfu.expect_rtp = h->from_browser.rtp;
    h->sfu.expect_rtp_len = h->from_browser.rtp_len;
    h->sfu.expect_rtcp = h->from_browser.rtcp;
    h->sfu.expect_rtcp_len = h->from_browser.rtcp_len;
    h->browser.expect_rtp = h->from_sfu.rtp;
    h->browser.expect_rtp_len = h->from_sfu.rtp_len;
    h->browser.expect_rtcp = h->from_sfu.rtcp;
    h->browser.expect_rtcp_len = h->from_sfu.rtcp_len;
    h->sfu.t = make_endpoint(h, &h->sfu, 1);
    h->browser.t = make_endpoint(h, &h->browser, 0);
    return h->sfu.t && h->browser.t ? 0 : -1;
}

static void harness_free(harness_t *h)
{
    sfu_transport_destroy(h->sfu.t);
    sfu_transport_destroy(h->browser.t);
    /* let libnice's pending sources run out before the context goes */
    while (g_main_context_iteration(h->ctx, FALSE))
        ;
    g_source_destroy(h->tick);
    g_source_unref(h->tick);
    g_main_context_unref(h->ctx);
    sfu_certificate_destroy(h->sfu_cert);
    sfu_certificate_destroy(h->browser_cert);
}

typedef int (*done_fn)(const harness_t *h);

/* Runs the loop until done(h) or the limit; returns 1 if done. */
static int run_until_limit(harness_t *h, done_fn done, int64_t limit_us)
{
    int64_t limit = g_get_monotonic_time() + limit_us;
    while (!done(h)) {
        if (g_get_monotonic_time() > limit)
            return 0;
        g_main_context_iteration(h->ctx, TRUE);
    }
    return 1;
}

static int run_until(harness_t *h, done_fn done)
{
    return run_until_limit(h, done, WAIT_LIMIT_US);
}

/* Signalling, done directly: each side learns the other's ICE credentials,
 * DTLS fingerprint and candidates (what the SDP offer/answer carries). */
static int exchange(harness_t *h, sfu_transport_t *a, sfu_transport_t *b,
                    const char *fingerprint_of_a)
{
    char fp[SFU_FINGERPRINT_MAX + 16];
    snprintf(fp, sizeof fp, "sha-256 %s", fingerprint_of_a);
    int r = sfu_transport_set_remote(b, sfu_transport_ice_ufrag(a), sfu_transport_ice_pwd(a), fp);
    for (size_t i = 0; r == 0 && i < sfu_transport_local_candidate_count(a); i++)
        r = sfu_transport_add_remote_candidate(b, sfu_transport_local_candidate(a, i));
    if (r == 0)
        r = sfu_transport_remote_candidates_done(b);
    return r;
}

static int both_settled(const harness_t *h)
{
    sfu_transport_state_t a = sfu_transport_state(h->sfu.t), b = sfu_transport_state(h->browser.t);
    return (a == SFU_TRANSPORT_CONNECTED || a == SFU_TRANSPORT_FAILED) &&
           (b == SFU_TRANSPORT_CONNECTED || b == SFU_TRANSPORT_FAILED);
}

static int all_received(const harness_t *h)
{
    return h->sfu.rtp_count >= N_RTP && h->sfu.rtcp_count >= N_RTCP &&
           h->browser.rtp_count >= N_RTP && h->browser.rtcp_count >= N_RTCP;
}

static int sfu_closed(const harness_t *h)
{
    return sfu_transport_state(h->sfu.t) == SFU_TRANSPORT_CLOSED;
}

/* ---- tests --------------------------------------------------------------------------- */

TEST(sfu_and_browser_connect_and_exchange_srtp)
{
    harness_t h;
    ASSERT_EQ(harness_init(&h), 0);
    /* the SFU answers as ICE-lite DTLS server; host candidates on 127.0.0.1 */
    ASSERT_EQ(sfu_transport_ice_lite(h.sfu.t), 1);
    ASSERT_EQ(sfu_transport_ice_lite(h.browser.t), 0);
    ASSERT_STR_EQ(sfu_transport_dtls_setup(h.sfu.t), "passive");
    ASSERT_TRUE(sfu_transport_local_candidate_count(h.sfu.t) >= 1);
    ASSERT_TRUE(sfu_transport_local_candidate_count(h.browser.t) >= 1);
    const char *cand = sfu_transport_local_candidate(h.sfu.t, 0);
    printf("     sfu candidate: %s\n", cand);
    sfu_ice_candidate_t parsed;
    ASSERT_EQ(sfu_ice_parse_candidate(cand, &parsed), 0);
    ASSERT_STR_EQ(parsed.address, "127.0.0.1");
    ASSERT_TRUE(parsed.port >= 41000 && parsed.port <= 41999); /* the configured range */

    int64_t t0 = g_get_monotonic_time();
    ASSERT_EQ(exchange(&h, h.sfu.t, h.browser.t, sfu_transport_fingerprint(h.sfu.t)), 0);
    ASSERT_EQ(exchange(&h, h.browser.t, h.sfu.t, sfu_transport_fingerprint(h.browser.t)), 0);
    ASSERT_TRUE(run_until(&h, both_settled));
    int64_t t1 = g_get_monotonic_time();
    if (sfu_transport_state(h.sfu.t) != SFU_TRANSPORT_CONNECTED)
        fprintf(stderr, "sfu failed: %s\n", sfu_transport_failure_reason(h.sfu.t));
    ASSERT_EQ(sfu_transport_state(h.sfu.t), SFU_TRANSPORT_CONNECTED);
    ASSERT_EQ(sfu_transport_state(h.browser.t), SFU_TRANSPORT_CONNECTED);
    ASSERT_EQ(sfu_transport_ice_state(h.sfu.t), SFU_ICE_CONNECTED);
    ASSERT_EQ(sfu_transport_srtp_profile(h.sfu.t), SFU_SRTP_AEAD_AES_128_GCM);
    ASSERT_EQ(sfu_transport_srtp_profile(h.browser.t), SFU_SRTP_AEAD_AES_128_GCM);

    sfu_transport_stats_t ss, bs;
    sfu_transport_get_stats(h.sfu.t, &ss);
    sfu_transport_get_stats(h.browser.t, &bs);
    printf("     negotiated SRTP profile: %s\n",
           sfu_srtp_profile_name(sfu_transport_srtp_profile(h.sfu.t)));
    printf("     ICE+DTLS connect (from exchange): %.1f ms\n", (double)(t1 - t0) / 1000.0);
    printf("     DTLS handshake: %.1f ms (browser side, ClientHello to Finished), "
           "%.1f ms (sfu side)\n",
           (double)bs.dtls_handshake_us / 1000.0, (double)ss.dtls_handshake_us / 1000.0);

    /* SRTP both ways */
    for (int i = 0; i < N_RTP; i++) {
        ASSERT_EQ(sfu_transport_send_rtp(h.browser.t, h.from_browser.rtp[i],
                                         h.from_browser.rtp_len[i]), 0);
        ASSERT_EQ(sfu_transport_send_rtp(h.sfu.t, h.from_sfu.rtp[i], h.from_sfu.rtp_len[i]), 0);
    }
    for (int i = 0; i < N_RTCP; i++) {
        ASSERT_EQ(sfu_transport_send_rtcp(h.browser.t, h.from_browser.rtcp[i],
                                          h.from_browser.rtcp_len[i]), 0);
        ASSERT_EQ(sfu_transport_send_rtcp(h.sfu.t, h.from_sfu.rtcp[i], h.from_sfu.rtcp_len[i]), 0);
    }
    ASSERT_TRUE(run_until(&h, all_received));
    ASSERT_EQ(h.sfu.rtp_count, N_RTP);
    ASSERT_EQ(h.sfu.rtcp_count, N_RTCP);
    ASSERT_EQ(h.browser.rtp_count, N_RTP);
    ASSERT_EQ(h.browser.rtcp_count, N_RTCP);
    ASSERT_EQ(h.sfu.rtp_mismatch + h.sfu.rtcp_mismatch, 0);
    ASSERT_EQ(h.browser.rtp_mismatch + h.browser.rtcp_mismatch, 0);

    sfu_transport_get_stats(h.sfu.t, &ss);
    ASSERT_EQ(ss.rtp_packets_in, N_RTP);
    ASSERT_EQ(ss.rtp_packets_out, N_RTP);
    ASSERT_EQ(ss.rtcp_packets_in, N_RTCP);
    ASSERT_EQ(ss.rtcp_packets_out, N_RTCP);
    ASSERT_EQ(ss.decrypt_failures, 0);
    ASSERT_EQ(ss.replays, 0);
    ASSERT_TRUE(ss.rtp_bytes_in > ss.rtp_packets_in * 16); /* wire bytes include tags */

    /* the browser hangs up: close_notify reaches the SFU */
    ASSERT_EQ(sfu_transport_close(h.browser.t), 0);
    ASSERT_TRUE(run_until(&h, sfu_closed));
    ASSERT_EQ(h.sfu.last_state, SFU_TRANSPORT_CLOSED);
    ASSERT_EQ(sfu_transport_send_rtp(h.sfu.t, h.from_sfu.rtp[0], h.from_sfu.rtp_len[0]),
              -ENOTCONN);
    harness_free(&h);
}

TEST(wrong_fingerprint_fails_over_loopback)
{
    harness_t h;
    ASSERT_EQ(harness_init(&h), 0);
    sfu_certificate_t *mallory = sfu_certificate_generate("mallory");
    ASSERT_EQ(exchange(&h, h.sfu.t, h.browser.t, sfu_transport_fingerprint(h.sfu.t)), 0);
    /* the SFU's SDP names another certificate than the one the browser uses */
    ASSERT_EQ(exchange(&h, h.browser.t, h.sfu.t, sfu_certificate_fingerprint(mallory)), 0);
    ASSERT_TRUE(run_until(&h, both_settled));
    ASSERT_EQ(sfu_transport_state(h.sfu.t), SFU_TRANSPORT_FAILED);
    ASSERT_STR_EQ(sfu_transport_failure_reason(h.sfu.t), "dtls: fingerprint mismatch");
    ASSERT_EQ(sfu_transport_state(h.browser.t), SFU_TRANSPORT_FAILED); /* got the alert */
    ASSERT_EQ(sfu_transport_srtp_profile(h.sfu.t), SFU_SRTP_PROFILE_NONE);
    sfu_certificate_destroy(mallory);
    harness_free(&h);
}

TEST(bad_remote_parameters_rejected)
{
    harness_t h;
    ASSERT_EQ(harness_init(&h), 0);
    const char *fp = "sha-256 AB:CD";
    ASSERT_EQ(sfu_transport_set_remote(h.sfu.t, "ab", "0123456789012345678901", fp), -EINVAL);
    ASSERT_EQ(sfu_transport_set_remote(h.sfu.t, "abcd", "short", fp), -EINVAL);
    ASSERT_EQ(sfu_transport_set_remote(h.sfu.t, "ab d", "0123456789012345678901", fp), -EINVAL);
    ASSERT_EQ(sfu_transport_set_remote(h.sfu.t, "abcd", "0123456789012345678901", "AB:CD"),
              -EINVAL);
    ASSERT_EQ(sfu_transport_set_remote(h.sfu.t, "abcd", "0123456789012345678901", "md5 AB:CD"),
              -EINVAL);
    ASSERT_EQ(sfu_transport_add_remote_candidate(h.sfu.t, "candidate:1 1 udp"), -EINVAL);
    ASSERT_EQ(sfu_transport_add_remote_candidate(
                  h.sfu.t, "candidate:1 1 tcp 1 127.0.0.1 9 typ host tcptype active"),
              -ENOTSUP);
    ASSERT_EQ(sfu_transport_add_remote_candidate(
                  h.sfu.t, "candidate:1 1 udp 1 0b7b0d5c-6a2c-4c8e.local 5000 typ host"),
              -ENOTSUP);
    ASSERT_EQ(sfu_transport_send_rtp(h.sfu.t, h.from_sfu.rtp[0], h.from_sfu.rtp_len[0]),
              -ENOTCONN);
    harness_free(&h);
}

static int sfu_failed(const harness_t *h)
{
    return sfu_transport_state(h->sfu.t) == SFU_TRANSPORT_FAILED;
}

TEST(vanished_browser_loses_consent)
{
    harness_t h;
    ASSERT_EQ(harness_init(&h), 0);
    ASSERT_EQ(exchange(&h, h.sfu.t, h.browser.t, sfu_transport_fingerprint(h.sfu.t)), 0);
    ASSERT_EQ(exchange(&h, h.browser.t, h.sfu.t, sfu_transport_fingerprint(h.browser.t)), 0);
    ASSERT_TRUE(run_until(&h, both_settled));
    ASSERT_EQ(sfu_transport_state(h.sfu.t), SFU_TRANSPORT_CONNECTED);
    /* the tab is killed: no close_notify, its sockets just go away */
    sfu_transport_destroy(h.browser.t);
    h.browser.t = NULL;
    int64_t t0 = g_get_monotonic_time();
    int ok = run_until_limit(&h, sfu_failed, 30 * 1000000LL);
    printf("     consent lost after %.1f s\n", (double)(g_get_monotonic_time() - t0) / 1e6);
    ASSERT_TRUE(ok);
    ASSERT_STR_EQ(sfu_transport_failure_reason(h.sfu.t), "ice: consent lost");
    harness_free(&h);
}

int main(void)
{
    RUN(sfu_and_browser_connect_and_exchange_srtp);
    RUN(wrong_fingerprint_fails_over_loopback);
    RUN(bad_remote_parameters_rejected);
    RUN(vanished_browser_loses_consent);
    return TEST_REPORT();
}
