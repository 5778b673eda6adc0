/*
 * The transport's sans-IO core without ICE or sockets: two transports (SFU =
 * DTLS server, "browser" = DTLS client) whose datagrams go into in-memory
 * queues, so a test sees and can tamper with every datagram. Covers the
 * first-byte demux into DTLS / SRTP / SRTCP, the counters, and the states.
 */
#include <errno.h>

#include "sfu/certificate.h"
#include "sfu/transport.h"
#include "test.h"

#define QCAP 64

typedef struct {
    uint8_t data[QCAP][2100];
    size_t len[QCAP];
    int count;
} queue_t;

typedef struct {
    sfu_transport_t *t;
    queue_t out; /* what this side sent */
    int rtp_count, rtcp_count, app_count;
    uint8_t last[2100];
    size_t last_len;
    sfu_transport_state_t state;
} end_t;

static void send_datagram(sfu_transport_t *t, const uint8_t *buf, size_t len, void *user)
{
    queue_t *q = &((end_t *)user)->out;
    if (q->count < QCAP && len <= sizeof q->data[0]) {
        memcpy(q->data[q->count], buf, len);
        q->len[q->count++] = len;
    }
}

static void keep(end_t *e, const uint8_t *buf, size_t len)
{
    memcpy(e->last, buf, len);
    e->last_len = len;
}

static void on_rtp(sfu_transport_t *t, uint8_t *buf, size_t len, void *user)
{
    ((end_t *)user)->rtp_count++;
    keep(user, buf, len);
}

static void on_rtcp(sfu_transport_t *t, uint8_t *buf, size_t len, void *user)
{
    ((end_t *)user)->rtcp_count++;
    keep(user, buf, len);
}

static void on_app(sfu_transport_t *t, const uint8_t *buf, size_t len, void *user)
{
    ((end_t *)user)->app_count++;
    keep(user, buf, len);
}

static void on_state(sfu_transport_t *t, sfu_transport_state_t st, void *user)
{
    ((end_t *)user)->state = st;
}

typedef struct {
    sfu_certificate_t *c1, *c2;
    end_t sfu, browser;
} net_t;

static sfu_transport_t *make(net_t *n, end_t *e, sfu_dtls_role_t role, sfu_certificate_t *cert)
{
    sfu_transport_config_t cfg;
    sfu_transport_config_defaults(&cfg);
    cfg.dtls_role = role;
    sfu_transport_callbacks_t cb = {on_rtp, on_rtcp, on_app, on_state, NULL, send_datagram, e};
    return sfu_transport_create(NULL, &cfg, cert, &cb);
}

static void net_init(net_t *n)
{
    memset(n, 0, sizeof *n);
    n->c1 = sfu_certificate_generate("sfu");
    n->c2 = sfu_certificate_generate("browser");
    n->sfu.t = make(n, &n->sfu, SFU_DTLS_SERVER, n->c1);
    n->browser.t = make(n, &n->browser, SFU_DTLS_CLIENT, n->c2);
}

static void net_free(net_t *n)
{
    sfu_transport_destroy(n->sfu.t);
    sfu_transport_destroy(n->browser.t);
    sfu_certificate_destroy(n->c1);
    sfu_certificate_destroy(n->c2);
}

static int deliver(end_t *from, end_t *to)
{
    static queue_t snap; /* the receiver may answer into from->out meanwhile */
    snap = from->out;
    from->out.count = 0;
    for (int i = 0; i < snap.count; i++)
        sfu_transport_handle_datagram(to->t, snap.data[i], snap.len[i], 0);
    return snap.count;
}

static void pump(net_t *n)
{
    for (int i = 0; i < 50; i++)
        if (deliver(&n->browser, &n->sfu) + deliver(&n->sfu, &n->browser) == 0)
            return;
}

static void set_fingerprints(net_t *n)
{
    char fp[SFU_FINGERPRINT_MAX + 16];
    snprintf(fp, sizeof fp, "sha-256 %s", sfu_transport_fingerprint(n->browser.t));
    sfu_transport_set_remote(n->sfu.t, NULL, NULL, fp);
    snprintf(fp, sizeof fp, "sha-256 %s", sfu_transport_fingerprint(n->sfu.t));
    sfu_transport_set_remote(n->browser.t, NULL, NULL, fp);
}

static void connect_pair(net_t *n)
{
    set_fingerprints(n);
    sfu_transport_handle_ice_connected(n->sfu.t, 0);
    sfu_transport_handle_ice_connected(n->browser.t, 0);
    pump(n);
}

/* PT 111, seq, SSRC 0x01020304, 16-byte payload */
static size_t rtp_packet(uint8_t *p, uint16_t seq)
{
    const uint8_t hdr[12] = {0x80, 111, (uint8_t)(seq >> 8), (uint8_t)seq, 0, 0, 0, 1, 1, 2, 3, 4};
    memcpy(p, hdr, 12);
    for (int i = 0; i < 16; i++)
        p[12 + i] = (uint8_t)(0xA0 + i);
    return 28;
}

TEST(connects_and_carries_media)
{
    net_t n;
    net_init(&n);
    ASSERT_TRUE(n.sfu.t && n.browser.t);
    ASSERT_EQ(sfu_transport_state(n.sfu.t), SFU_TRANSPORT_NEW);
    ASSERT_STR_EQ(sfu_transport_ice_ufrag(n.sfu.t), "");
    ASSERT_EQ(sfu_transport_local_candidate_count(n.sfu.t), 0);
    connect_pair(&n);
    ASSERT_EQ(n.sfu.state, SFU_TRANSPORT_CONNECTED);
    ASSERT_EQ(n.browser.state, SFU_TRANSPORT_CONNECTED);
    ASSERT_EQ(sfu_transport_srtp_profile(n.sfu.t), SFU_SRTP_AEAD_AES_128_GCM);

    uint8_t pkt[64];
    size_t len = rtp_packet(pkt, 1);
    ASSERT_EQ(sfu_transport_send_rtp(n.browser.t, pkt, len), 0);
    ASSERT_EQ(n.browser.out.count, 1);
    ASSERT_EQ(n.browser.out.len[0], len + 16); /* GCM tag on the wire */
    pump(&n);
    ASSERT_EQ(n.sfu.rtp_count, 1);
    ASSERT_EQ(n.sfu.last_len, len);
    ASSERT_MEM_EQ(n.sfu.last, pkt, len);

    const uint8_t pli[12] = {0x81, 206, 0, 2, 0, 0, 0, 9, 1, 2, 3, 4};
    ASSERT_EQ(sfu_transport_send_rtcp(n.sfu.t, pli, sizeof pli), 0);
    pump(&n);
    ASSERT_EQ(n.browser.rtcp_count, 1);
    ASSERT_MEM_EQ(n.browser.last, pli, sizeof pli);

    sfu_transport_stats_t s;
    sfu_transport_get_stats(n.sfu.t, &s);
    ASSERT_EQ(s.rtp_packets_in, 1);
    ASSERT_EQ(s.rtp_bytes_in, len + 16);
    ASSERT_EQ(s.rtcp_packets_out, 1);
    ASSERT_EQ(s.rtcp_bytes_out, sizeof pli + 20);
    ASSERT_TRUE(s.dtls_packets_in >= 2 && s.dtls_packets_out >= 2);
    ASSERT_EQ(s.dtls_handshake_us, 0); /* the fake clock stood still */
    net_free(&n);
}

TEST(counts_bad_packets)
{
    net_t n;
    net_init(&n);
    uint8_t pkt[64];
    size_t len = rtp_packet(pkt, 5);
    /* media before keys is dropped */
    ASSERT_EQ(sfu_transport_handle_datagram(n.sfu.t, pkt, len, 0), -ENOTCONN);
    connect_pair(&n);

    ASSERT_EQ(sfu_transport_send_rtp(n.browser.t, pkt, len), 0);
    uint8_t wire[128];
    size_t wlen = n.browser.out.len[0];
    memcpy(wire, n.browser.out.data[0], wlen);
    n.browser.out.count = 0;
    ASSERT_EQ(sfu_transport_handle_datagram(n.sfu.t, wire, wlen, 0), 0);
    ASSERT_EQ(sfu_transport_handle_datagram(n.sfu.t, wire, wlen, 0), -EALREADY); /* replay */
    /* a fresh packet with one bit flipped (a replayed one is caught first) */
    len = rtp_packet(pkt, 6);
    ASSERT_EQ(sfu_transport_send_rtp(n.browser.t, pkt, len), 0);
    memcpy(wire, n.browser.out.data[0], wlen);
    n.browser.out.count = 0;
    wire[20] ^= 1;
    ASSERT_EQ(sfu_transport_handle_datagram(n.sfu.t, wire, wlen, 0), -EBADMSG);
    /* plain RTP from someone without the keys */
    len = rtp_packet(pkt, 7);
    ASSERT_EQ(sfu_transport_handle_datagram(n.sfu.t, pkt, len, 0), -EBADMSG);
    /* first bytes nobody uses here: ZRTP, TURN channel, version 1 */
    const uint8_t zrtp[20] = {16}, turn[20] = {64}, v1[20] = {0x40};
    ASSERT_EQ(sfu_transport_handle_datagram(n.sfu.t, zrtp, sizeof zrtp, 0), -EPROTO);
    ASSERT_EQ(sfu_transport_handle_datagram(n.sfu.t, turn, sizeof turn, 0), -EPROTO);
    ASSERT_EQ(sfu_transport_handle_datagram(n.sfu.t, v1, sizeof v1, 0), -EPROTO);
    static uint8_t huge[SFU_TRANSPORT_MAX_PACKET + 1] = {0x80, 111};
    ASSERT_EQ(sfu_transport_handle_datagram(n.sfu.t, huge, sizeof huge, 0), -EMSGSIZE);
    ASSERT_EQ(sfu_transport_send_rtp(n.sfu.t, huge, sizeof huge), -EMSGSIZE);

    sfu_transport_stats_t s;
    sfu_transport_get_stats(n.sfu.t, &s);
    ASSERT_EQ(s.rtp_packets_in, 1);
    ASSERT_EQ(s.replays, 1);
    ASSERT_EQ(s.decrypt_failures, 2);
    ASSERT_EQ(s.drops, 5); /* before keys, 3 unknown, 1 too big */
    ASSERT_EQ(n.sfu.rtp_count, 1);
    ASSERT_EQ(sfu_transport_state(n.sfu.t), SFU_TRANSPORT_CONNECTED); /* none of it hurts */
    net_free(&n);
}

TEST(app_data_both_ways)
{
    net_t n;
    net_init(&n);
    const uint8_t msg[] = "sctp";
    ASSERT_EQ(sfu_transport_send_app(n.sfu.t, msg, sizeof msg), -ENOTCONN);
    connect_pair(&n);
    ASSERT_EQ(sfu_transport_send_app(n.browser.t, msg, sizeof msg), 0);
    pump(&n);
    ASSERT_EQ(n.sfu.app_count, 1);
    ASSERT_MEM_EQ(n.sfu.last, msg, sizeof msg);
    ASSERT_EQ(sfu_transport_send_app(n.sfu.t, msg, sizeof msg), 0);
    pump(&n);
    ASSERT_EQ(n.browser.app_count, 1);
    net_free(&n);
}

TEST(retransmission_deadline_is_exposed)
{
    net_t n;
    net_init(&n);
    set_fingerprints(&n);
    ASSERT_EQ(sfu_transport_next_timeout(n.browser.t), SFU_TRANSPORT_NO_TIMEOUT);
    sfu_transport_handle_ice_connected(n.browser.t, 5000000);
    /* the ClientHello is out and its retransmission timer runs */
    ASSERT_EQ(n.browser.out.count, 1);
    int64_t next = sfu_transport_next_timeout(n.browser.t);
    ASSERT_TRUE(next > 5000000 && next <= 5000000 + 1000000);
    ASSERT_EQ(sfu_transport_handle_timeout(n.browser.t, 5000000), 0); /* not yet */
    ASSERT_EQ(n.browser.out.count, 1);
    pump(&n);
    ASSERT_EQ(sfu_transport_next_timeout(n.browser.t), SFU_TRANSPORT_NO_TIMEOUT);
    net_free(&n);
}

TEST(fingerprint_mismatch_fails)
{
    net_t n;
    net_init(&n);
    set_fingerprints(&n);
    char fp[SFU_FINGERPRINT_MAX + 16];
    snprintf(fp, sizeof fp, "sha-256 %s", sfu_transport_fingerprint(n.sfu.t)); /* not the browser's */
    ASSERT_EQ(sfu_transport_set_remote(n.sfu.t, NULL, NULL, fp), 0);
    sfu_transport_handle_ice_connected(n.sfu.t, 0);
    sfu_transport_handle_ice_connected(n.browser.t, 0);
    pump(&n);
    ASSERT_EQ(n.sfu.state, SFU_TRANSPORT_FAILED);
    ASSERT_STR_EQ(sfu_transport_failure_reason(n.sfu.t), "dtls: fingerprint mismatch");
    ASSERT_EQ(sfu_transport_dtls_state(n.sfu.t), SFU_DTLS_FAILED);
    ASSERT_EQ(sfu_transport_handle_ice_connected(n.sfu.t, 0), -ENOTCONN);
    net_free(&n);
}

TEST(close_reaches_peer)
{
    net_t n;
    net_init(&n);
    connect_pair(&n);
    ASSERT_EQ(sfu_transport_close(n.sfu.t), 0);
    ASSERT_EQ(sfu_transport_state(n.sfu.t), SFU_TRANSPORT_CLOSED);
    pump(&n);
    ASSERT_EQ(n.browser.state, SFU_TRANSPORT_CLOSED);
    uint8_t pkt[64];
    ASSERT_EQ(sfu_transport_send_rtp(n.sfu.t, pkt, rtp_packet(pkt, 1)), -ENOTCONN);
    net_free(&n);
}

TEST(create_checks_arguments)
{
    sfu_certificate_t *c = sfu_certificate_generate(NULL);
    sfu_transport_config_t cfg;
    sfu_transport_config_defaults(&cfg);
    sfu_transport_callbacks_t cb = {0};
    /* no context and nowhere to send */
    ASSERT_TRUE(sfu_transport_create(NULL, &cfg, c, &cb) == NULL);
    cb.send_datagram = send_datagram;
    snprintf(cfg.srtp_profiles, sizeof cfg.srtp_profiles, "SRTP_BOGUS");
    ASSERT_TRUE(sfu_transport_create(NULL, &cfg, c, &cb) == NULL);
    ASSERT_TRUE(sfu_transport_create(NULL, &cfg, NULL, &cb) == NULL);
    sfu_transport_destroy(NULL);
    ASSERT_EQ(strlen(sfu_certificate_fingerprint(c)), 95);
    sfu_certificate_destroy(c);
}

TEST(roles_can_be_swapped_before_start)
{
    net_t n;
    net_init(&n);
    /* our actpass offer was answered with a=setup:passive: the SFU becomes
     * the DTLS client and the browser the server */
    ASSERT_EQ(sfu_transport_set_dtls_role(n.sfu.t, SFU_DTLS_CLIENT), 0);
    ASSERT_EQ(sfu_transport_set_dtls_role(n.browser.t, SFU_DTLS_SERVER), 0);
    ASSERT_STR_EQ(sfu_transport_dtls_setup(n.sfu.t), "active");
    connect_pair(&n);
    ASSERT_EQ(n.sfu.state, SFU_TRANSPORT_CONNECTED);
    ASSERT_EQ(n.browser.state, SFU_TRANSPORT_CONNECTED);
    uint8_t pkt[64];
    size_t len = rtp_packet(pkt, 9);
    ASSERT_EQ(sfu_transport_send_rtp(n.sfu.t, pkt, len), 0);
    pump(&n);
    ASSERT_EQ(n.browser.rtp_count, 1);
    ASSERT_MEM_EQ(n.browser.last, pkt, len);
    ASSERT_EQ(sfu_transport_set_dtls_role(n.sfu.t, SFU_DTLS_SERVER), -EBUSY);
    net_free(&n);
}

TEST(connect_timeout_fails_a_silent_peer)
{
    sfu_certificate_t *c = sfu_certificate_generate(NULL);
    end_t e;
    memset(&e, 0, sizeof e);
    sfu_transport_config_t cfg;
    sfu_transport_config_defaults(&cfg);
    ASSERT_EQ(cfg.connect_timeout_ms, 30000);
    cfg.connect_timeout_ms = 1000;
    sfu_transport_callbacks_t cb = {on_rtp, on_rtcp, on_app, on_state, NULL, send_datagram, &e};
    e.t = sfu_transport_create(NULL, &cfg, c, &cb);
    ASSERT_TRUE(e.t != NULL);
    ASSERT_EQ(sfu_transport_next_timeout(e.t), SFU_TRANSPORT_NO_TIMEOUT); /* clock not started */
    ASSERT_EQ(sfu_transport_handle_ice_connected(e.t, 2000000), 0);
    /* a DTLS server waits for a ClientHello that never comes */
    ASSERT_EQ(sfu_transport_next_timeout(e.t), 3000000);
    ASSERT_EQ(sfu_transport_handle_timeout(e.t, 2999999), 0);
    ASSERT_EQ(e.state, SFU_TRANSPORT_CONNECTING);
    ASSERT_EQ(sfu_transport_handle_timeout(e.t, 3000000), -ETIMEDOUT);
    ASSERT_EQ(e.state, SFU_TRANSPORT_FAILED);
    ASSERT_STR_EQ(sfu_transport_failure_reason(e.t), "dtls: connect timeout");
    ASSERT_EQ(sfu_transport_next_timeout(e.t), SFU_TRANSPORT_NO_TIMEOUT);
    sfu_transport_destroy(e.t);
    sfu_certificate_destroy(c);
}

int main(void)
{
    RUN(connects_and_carries_media);
    RUN(counts_bad_packets);
    RUN(app_data_both_ways);
    RUN(retransmission_deadline_is_exposed);
    RUN(fingerprint_mismatch_fails);
    RUN(close_reaches_peer);
    RUN(create_checks_arguments);
    RUN(roles_can_be_swapped_before_start);
    RUN(connect_timeout_fails_a_silent_peer);
    return TEST_REPORT();
}
