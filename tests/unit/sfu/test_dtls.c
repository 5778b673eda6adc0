/*
 * Two sfu_dtls objects, a server (the SFU) and a client (playing the
 * browser), wired back to back through in-memory queues and driven by a fake
 * clock: no sockets, no sleeping.
 *
 * OpenSSL 3.0 reads its DTLS retransmission timer with gettimeofday(), so
 * this file defines gettimeofday() itself: the dynamic linker resolves
 * libssl's call to this definition, and OpenSSL sees the same fake clock as
 * the code under test. Nothing else in this process depends on it.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

#include "sfu/certificate.h"
#include "sfu/dtls.h"
#include "sfu/srtp_session.h"
#include "test.h"

/* ---- fake clock -------------------------------------------------------- */

static int64_t fake_now_us = 1000000000; /* arbitrary start */
static int64_t wall_base_us = -1;       /* real time when the test started */

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    (void)tz;
    if (wall_base_us < 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        wall_base_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 - fake_now_us;
    }
    int64_t t = wall_base_us + fake_now_us;
    tv->tv_sec = t / 1000000;
    tv->tv_usec = t % 1000000;
    return 0;
}

/* ---- an in-memory "network" between the two endpoints ------------------- */

#define QCAP 64
typedef struct {
    uint8_t data[QCAP][1500];
    size_t len[QCAP];
    int count;
    int drop_next; /* drop this many datagrams entering this queue */
    int dropped;
    int sent;
} queue_t;

typedef struct {
    queue_t q;                /* datagrams this endpoint sent */
    int states[8];            /* sfu_dtls_state_t history */
    int n_states;
    uint8_t app[4096];
    size_t app_len;
    int app_count;
} side_t;

static void on_send(void *user, const uint8_t *buf, size_t len)
{
    queue_t *q = &((side_t *)user)->q;
    q->sent++;
    if (q->drop_next > 0) {
        q->drop_next--;
        q->dropped++;
        return;
    }
    if (q->count < QCAP && len <= sizeof q->data[0]) {
        memcpy(q->data[q->count], buf, len);
        q->len[q->count++] = len;
    }
}

static void on_state(void *user, sfu_dtls_state_t st)
{
    side_t *s = user;
    if (s->n_states < 8)
        s->states[s->n_states++] = st;
}

static void on_app(void *user, const uint8_t *buf, size_t len)
{
    side_t *s = user;
    if (len <= sizeof s->app) {
        memcpy(s->app, buf, len);
        s->app_len = len;
    }
    s->app_count++;
}

typedef struct {
    sfu_certificate_t *server_cert, *client_cert, *other_cert;
    side_t server_side, client_side;
    sfu_dtls_t *server, *client;
} pair_t;

static void pair_init(pair_t *p)
{
    memset(p, 0, sizeof *p);
    p->server_cert = sfu_certificate_generate("server");
    p->client_cert = sfu_certificate_generate("client");
    p->other_cert = sfu_certificate_generate("mallory");
    sfu_dtls_callbacks_t scb = {on_send, on_state, on_app, &p->server_side};
    sfu_dtls_callbacks_t ccb = {on_send, on_state, on_app, &p->client_side};
    p->server = sfu_dtls_create(p->server_cert, SFU_DTLS_SERVER, &scb);
    p->client = sfu_dtls_create(p->client_cert, SFU_DTLS_CLIENT, &ccb);
}

/* Both sides learn each other's SDP fingerprint. */
static void pair_exchange_fingerprints(pair_t *p)
{
    sfu_dtls_set_remote_fingerprint(p->server, "sha-256",
                                    sfu_certificate_fingerprint(p->client_cert));
    sfu_dtls_set_remote_fingerprint(p->client, "sha-256",
                                    sfu_certificate_fingerprint(p->server_cert));
}

static void pair_free(pair_t *p)
{
    sfu_dtls_destroy(p->server);
    sfu_dtls_destroy(p->client);
    sfu_certificate_destroy(p->server_cert);
    sfu_certificate_destroy(p->client_cert);
    sfu_certificate_destroy(p->other_cert);
}

/* Moves everything queued on `from` into `to`, in order; returns how many. */
static int deliver(side_t *from, sfu_dtls_t *to)
{
    queue_t snapshot = from->q; /* to may answer into from's queue meanwhile */
    int n = snapshot.count;
    from->q.count = 0;
    for (int i = 0; i < n; i++)
        sfu_dtls_handle_datagram(to, snapshot.data[i], snapshot.len[i], fake_now_us);
    return n;
}

/* Delivers in both directions until the wire is quiet. */
static void pump(pair_t *p)
{
    for (int rounds = 0; rounds < 50; rounds++) {
        int moved = deliver(&p->client_side, p->server) + deliver(&p->server_side, p->client);
        if (moved == 0)
            return;
    }
}

static void handshake(pair_t *p)
{
    pair_exchange_fingerprints(p);
    sfu_dtls_start(p->server, fake_now_us);
    sfu_dtls_start(p->client, fake_now_us);
    pump(p);
}

/* ---- tests ----------------------------------------------------------------- */

TEST(handshake_completes_with_same_keys)
{
    pair_t p;
    pair_init(&p);
    ASSERT_TRUE(p.server && p.client);
    ASSERT_EQ(sfu_dtls_state(p.server), SFU_DTLS_NEW);
    handshake(&p);
    ASSERT_EQ(sfu_dtls_state(p.server), SFU_DTLS_CONNECTED);
    ASSERT_EQ(sfu_dtls_state(p.client), SFU_DTLS_CONNECTED);
    /* new -> connecting -> connected, each reported once */
    ASSERT_EQ(p.server_side.n_states, 2);
    ASSERT_EQ(p.server_side.states[0], SFU_DTLS_CONNECTING);
    ASSERT_EQ(p.server_side.states[1], SFU_DTLS_CONNECTED);

    sfu_srtp_keys_t sk, ck;
    ASSERT_EQ(sfu_dtls_srtp_keys(p.server, &sk), 0);
    ASSERT_EQ(sfu_dtls_srtp_keys(p.client, &ck), 0);
    ASSERT_EQ(sk.profile, SFU_SRTP_AEAD_AES_128_GCM); /* GCM first, server picks */
    ASSERT_EQ(ck.profile, sk.profile);
    ASSERT_EQ(sk.key_len, 16);
    ASSERT_EQ(sk.salt_len, 12);
    ASSERT_MEM_EQ(sk.client_key, ck.client_key, 16);
    ASSERT_MEM_EQ(sk.server_key, ck.server_key, 16);
    ASSERT_MEM_EQ(sk.client_salt, ck.client_salt, 12);
    ASSERT_MEM_EQ(sk.server_salt, ck.server_salt, 12);
    ASSERT_TRUE(memcmp(sk.client_key, sk.server_key, 16) != 0);
    ASSERT_EQ(sfu_dtls_handshake_us(p.server), 0); /* fake clock did not move */
    ASSERT_EQ(sfu_dtls_next_timeout(p.server), SFU_DTLS_NO_TIMEOUT);
    pair_free(&p);
}

TEST(server_preference_picks_gcm)
{
    pair_t p;
    pair_init(&p);
    /* the client lists AES-CM first; the server's order decides */
    ASSERT_EQ(sfu_dtls_set_srtp_profiles(p.client, "SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM"), 0);
    handshake(&p);
    sfu_srtp_keys_t k;
    ASSERT_EQ(sfu_dtls_srtp_keys(p.server, &k), 0);
    ASSERT_EQ(k.profile, SFU_SRTP_AEAD_AES_128_GCM);
    pair_free(&p);
}

TEST(aes_cm_when_client_offers_only_that)
{
    pair_t p;
    pair_init(&p);
    ASSERT_EQ(sfu_dtls_set_srtp_profiles(p.client, "SRTP_AES128_CM_SHA1_80"), 0);
    handshake(&p);
    sfu_srtp_keys_t sk, ck;
    ASSERT_EQ(sfu_dtls_srtp_keys(p.server, &sk), 0);
    ASSERT_EQ(sfu_dtls_srtp_keys(p.client, &ck), 0);
    ASSERT_EQ(sk.profile, SFU_SRTP_AES128_CM_SHA1_80);
    ASSERT_EQ(sk.salt_len, 14);
    ASSERT_MEM_EQ(sk.server_salt, ck.server_salt, 14);
    pair_free(&p);
}

TEST(no_common_srtp_profile_fails)
{
    pair_t p;
    pair_init(&p);
    ASSERT_EQ(sfu_dtls_set_srtp_profiles(p.client, "SRTP_AES128_CM_SHA1_32"), 0);
    handshake(&p);
    /* DTLS itself completes, but without SRTP keys a WebRTC transport is useless */
    ASSERT_EQ(sfu_dtls_state(p.server), SFU_DTLS_FAILED);
    ASSERT_STR_EQ(sfu_dtls_failure_reason(p.server), "no SRTP profile negotiated");
    ASSERT_EQ(sfu_dtls_state(p.client), SFU_DTLS_FAILED);
    pair_free(&p);
}

TEST(bad_profile_names_rejected)
{
    pair_t p;
    pair_init(&p);
    ASSERT_EQ(sfu_dtls_set_srtp_profiles(p.client, "SRTP_NOPE"), -EINVAL);
    ASSERT_EQ(sfu_dtls_set_remote_fingerprint(p.client, "md5", "AA:BB"), -EINVAL);
    ASSERT_EQ(sfu_dtls_set_remote_fingerprint(p.client, "sha-256", ""), -EINVAL);
    sfu_dtls_start(p.client, fake_now_us);
    ASSERT_EQ(sfu_dtls_set_srtp_profiles(p.client, "SRTP_AES128_CM_SHA1_80"), -EBUSY);
    ASSERT_EQ(sfu_dtls_start(p.client, fake_now_us), -EBUSY);
    pair_free(&p);
}

TEST(server_rejects_wrong_client_fingerprint)
{
    pair_t p;
    pair_init(&p);
    pair_exchange_fingerprints(&p);
    /* the server's SDP says the browser is mallory */
    sfu_dtls_set_remote_fingerprint(p.server, "sha-256",
                                    sfu_certificate_fingerprint(p.other_cert));
    sfu_dtls_start(p.client, fake_now_us);
    pump(&p);
    ASSERT_EQ(sfu_dtls_state(p.server), SFU_DTLS_FAILED);
    ASSERT_STR_EQ(sfu_dtls_failure_reason(p.server), "fingerprint mismatch");
    ASSERT_NE(sfu_dtls_state(p.client), SFU_DTLS_CONNECTED); /* it got the alert */
    sfu_srtp_keys_t k;
    ASSERT_EQ(sfu_dtls_srtp_keys(p.server, &k), -ENOTCONN);
    uint8_t b = 22;
    ASSERT_EQ(sfu_dtls_handle_datagram(p.server, &b, 1, fake_now_us), -ENOTCONN);
    pair_free(&p);
}

TEST(client_rejects_wrong_server_fingerprint)
{
    pair_t p;
    pair_init(&p);
    pair_exchange_fingerprints(&p);
    sfu_dtls_set_remote_fingerprint(p.client, "sha-256",
                                    sfu_certificate_fingerprint(p.other_cert));
    sfu_dtls_start(p.client, fake_now_us);
    pump(&p);
    ASSERT_EQ(sfu_dtls_state(p.client), SFU_DTLS_FAILED);
    ASSERT_STR_EQ(sfu_dtls_failure_reason(p.client), "fingerprint mismatch");
    ASSERT_NE(sfu_dtls_state(p.server), SFU_DTLS_CONNECTED);
    pair_free(&p);
}

TEST(fingerprint_after_handshake)
{
    pair_t p;
    pair_init(&p);
    sfu_dtls_set_remote_fingerprint(p.client, "sha-256",
                                    sfu_certificate_fingerprint(p.server_cert));
    sfu_dtls_start(p.client, fake_now_us);
    pump(&p);
    /* the answer with the browser's fingerprint has not arrived yet */
    ASSERT_EQ(sfu_dtls_state(p.server), SFU_DTLS_CONNECTING);
    sfu_srtp_keys_t k;
    ASSERT_EQ(sfu_dtls_srtp_keys(p.server, &k), -ENOTCONN);
    /* lower-case hex is the same fingerprint (RFC 8122 §5) */
    char lower[SFU_FINGERPRINT_MAX];
    snprintf(lower, sizeof lower, "%s", sfu_certificate_fingerprint(p.client_cert));
    for (char *c = lower; *c; c++)
        if (*c >= 'A' && *c <= 'F')
            *c = (char)(*c - 'A' + 'a');
    ASSERT_EQ(sfu_dtls_set_remote_fingerprint(p.server, "SHA-256", lower), 0);
    ASSERT_EQ(sfu_dtls_state(p.server), SFU_DTLS_CONNECTED);
    pair_free(&p);
}

TEST(wrong_fingerprint_after_handshake_fails)
{
    pair_t p;
    pair_init(&p);
    sfu_dtls_set_remote_fingerprint(p.client, "sha-256",
                                    sfu_certificate_fingerprint(p.server_cert));
    sfu_dtls_start(p.client, fake_now_us);
    pump(&p);
    ASSERT_EQ(sfu_dtls_state(p.server), SFU_DTLS_CONNECTING);
    sfu_dtls_set_remote_fingerprint(p.server, "sha-256",
                                    sfu_certificate_fingerprint(p.other_cert));
    ASSERT_EQ(sfu_dtls_state(p.server), SFU_DTLS_FAILED);
    pump(&p); /* the close_notify reaches the client */
    ASSERT_EQ(sfu_dtls_state(p.client), SFU_DTLS_CLOSED);
    pair_free(&p);
}

TEST(app_data_both_ways)
{
    pair_t p;
    pair_init(&p);
    handshake(&p);
    const uint8_t ping[] = "sctp packet from the browser";
    const uint8_t pong[] = "and one from the server";
    ASSERT_EQ(sfu_dtls_send_app(p.client, ping, sizeof ping), 0);
    pump(&p);
    ASSERT_EQ(p.server_side.app_count, 1);
    ASSERT_EQ(p.server_side.app_len, sizeof ping);
    ASSERT_MEM_EQ(p.server_side.app, ping, sizeof ping);
    ASSERT_EQ(sfu_dtls_send_app(p.server, pong, sizeof pong), 0);
    pump(&p);
    ASSERT_EQ(p.client_side.app_count, 1);
    ASSERT_MEM_EQ(p.client_side.app, pong, sizeof pong);
    static uint8_t big[16385];
    ASSERT_EQ(sfu_dtls_send_app(p.server, big, sizeof big), -EMSGSIZE);
    pair_free(&p);
}

TEST(app_data_refused_before_connected)
{
    pair_t p;
    pair_init(&p);
    const uint8_t x[] = "early";
    ASSERT_EQ(sfu_dtls_send_app(p.client, x, sizeof x), -ENOTCONN);
    pair_free(&p);
}

/* Jumps the fake clock to an endpoint's deadline and fires its timer. */
static int fire_timer(sfu_dtls_t *d)
{
    int64_t when = sfu_dtls_next_timeout(d);
    if (when == SFU_DTLS_NO_TIMEOUT)
        return -1;
    if (when > fake_now_us)
        fake_now_us = when;
    return sfu_dtls_handle_timeout(d, fake_now_us);
}

TEST(lost_client_hello_is_retransmitted)
{
    pair_t p;
    pair_init(&p);
    pair_exchange_fingerprints(&p);
    int64_t t0 = fake_now_us;
    p.client_side.q.drop_next = 1; /* the ClientHello is lost */
    sfu_dtls_start(p.client, fake_now_us);
    pump(&p);
    ASSERT_EQ(sfu_dtls_state(p.server), SFU_DTLS_NEW); /* nothing arrived */
    ASSERT_EQ(sfu_dtls_next_timeout(p.client), t0 + 400000);

    /* too early: nothing happens */
    ASSERT_EQ(sfu_dtls_handle_timeout(p.client, t0 + 1000), 0);
    ASSERT_EQ(p.client_side.q.count, 0);

    ASSERT_EQ(fire_timer(p.client), 0);
    ASSERT_EQ(p.client_side.q.count, 1); /* the ClientHello again */
    pump(&p);
    ASSERT_EQ(sfu_dtls_state(p.server), SFU_DTLS_CONNECTED);
    ASSERT_EQ(sfu_dtls_state(p.client), SFU_DTLS_CONNECTED);
    ASSERT_EQ(sfu_dtls_handshake_us(p.client), 400000);
    pair_free(&p);
}

TEST(lost_server_flight_is_retransmitted)
{
    pair_t p;
    pair_init(&p);
    pair_exchange_fingerprints(&p);
    sfu_dtls_start(p.client, fake_now_us);
    deliver(&p.client_side, p.server); /* ClientHello arrives */
    ASSERT_TRUE(p.server_side.q.count >= 1);
    p.server_side.q.count = 0; /* ... and the whole server flight is lost */
    pump(&p);
    ASSERT_EQ(sfu_dtls_state(p.client), SFU_DTLS_CONNECTING);

    /* client times out first (it sent first), resends its ClientHello and
     * the server answers a repeated ClientHello with its flight again */
    ASSERT_EQ(fire_timer(p.client), 0);
    pump(&p);
    if (sfu_dtls_state(p.client) != SFU_DTLS_CONNECTED) {
        ASSERT_EQ(fire_timer(p.server), 0);
        pump(&p);
    }
    ASSERT_EQ(sfu_dtls_state(p.server), SFU_DTLS_CONNECTED);
    ASSERT_EQ(sfu_dtls_state(p.client), SFU_DTLS_CONNECTED);
    pair_free(&p);
}

TEST(lost_final_flight_recovers)
{
    pair_t p;
    pair_init(&p);
    pair_exchange_fingerprints(&p);
    sfu_dtls_start(p.client, fake_now_us);
    deliver(&p.client_side, p.server); /* ClientHello */
    deliver(&p.server_side, p.client); /* server flight; client answers */
    deliver(&p.client_side, p.server); /* client Finished: server done */
    ASSERT_EQ(sfu_dtls_state(p.server), SFU_DTLS_CONNECTED);
    p.server_side.q.count = 0; /* the server's ChangeCipherSpec+Finished is lost */
    ASSERT_EQ(sfu_dtls_state(p.client), SFU_DTLS_CONNECTING);
    ASSERT_EQ(fire_timer(p.client), 0); /* client resends its last flight */
    pump(&p);                          /* server answers with its Finished */
    ASSERT_EQ(sfu_dtls_state(p.client), SFU_DTLS_CONNECTED);
    pair_free(&p);
}

TEST(dead_peer_times_out)
{
    pair_t p;
    pair_init(&p);
    pair_exchange_fingerprints(&p);
    p.client_side.q.drop_next = 1000; /* nothing ever gets through */
    int64_t t0 = fake_now_us;
    sfu_dtls_start(p.client, fake_now_us);
    int rc = 0, fired = 0;
    while (sfu_dtls_state(p.client) == SFU_DTLS_CONNECTING && fired < 50) {
        rc = fire_timer(p.client);
        fired++;
    }
    ASSERT_EQ(sfu_dtls_state(p.client), SFU_DTLS_FAILED);
    ASSERT_EQ(rc, -ETIMEDOUT);
    ASSERT_STR_EQ(sfu_dtls_failure_reason(p.client), "handshake timeout");
    ASSERT_TRUE(p.client_side.q.dropped >= 10); /* it kept retransmitting */
    int64_t took = fake_now_us - t0;
    printf("     dead peer: failed after %d timeouts, %.1f s (fake clock)\n", fired,
           (double)took / 1e6);
    ASSERT_TRUE(took < 120 * 1000000LL);
    ASSERT_EQ(sfu_dtls_next_timeout(p.client), SFU_DTLS_NO_TIMEOUT);
    pair_free(&p);
}

TEST(close_notify_closes_peer)
{
    pair_t p;
    pair_init(&p);
    handshake(&p);
    ASSERT_EQ(sfu_dtls_close(p.client), 0);
    ASSERT_EQ(sfu_dtls_state(p.client), SFU_DTLS_CLOSED);
    ASSERT_EQ(p.client_side.q.count, 1); /* the alert */
    pump(&p);
    ASSERT_EQ(sfu_dtls_state(p.server), SFU_DTLS_CLOSED);
    const uint8_t x[] = "late";
    ASSERT_EQ(sfu_dtls_send_app(p.server, x, sizeof x), -ENOTCONN);
    pair_free(&p);
}

TEST(garbage_is_ignored)
{
    pair_t p;
    pair_init(&p);
    pair_exchange_fingerprints(&p);
    /* records that look like DTLS (first byte 22) but are not */
    uint8_t junk[64];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(i * 37 + 11);
    junk[0] = 22;
    junk[1] = 0xfe;
    junk[2] = 0xfd;
    sfu_dtls_handle_datagram(p.server, junk, sizeof junk, fake_now_us);
    ASSERT_NE(sfu_dtls_state(p.server), SFU_DTLS_FAILED);
    sfu_dtls_start(p.client, fake_now_us);
    pump(&p);
    ASSERT_EQ(sfu_dtls_state(p.server), SFU_DTLS_CONNECTED);
    /* and after the handshake */
    sfu_dtls_handle_datagram(p.server, junk, sizeof junk, fake_now_us);
    junk[0] = 23; /* application_data with a bad MAC */
    sfu_dtls_handle_datagram(p.server, junk, sizeof junk, fake_now_us);
    ASSERT_EQ(sfu_dtls_state(p.server), SFU_DTLS_CONNECTED);
    ASSERT_EQ(p.server_side.app_count, 0);
    pair_free(&p);
}

TEST(exported_keys_drive_srtp)
{
    pair_t p;
    pair_init(&p);
    handshake(&p);
    sfu_srtp_keys_t sk, ck;
    sfu_dtls_srtp_keys(p.server, &sk);
    sfu_dtls_srtp_keys(p.client, &ck);
    sfu_srtp_session_t *ss = sfu_srtp_session_create(&sk, 1);
    sfu_srtp_session_t *cs = sfu_srtp_session_create(&ck, 0);
    ASSERT_TRUE(ss && cs);
    uint8_t pkt[64] = {0x80, 96, 0, 1, 0, 0, 0, 1, 0xca, 0xfe, 0xba, 0xbe, 'h', 'i'};
    uint8_t orig[14];
    memcpy(orig, pkt, sizeof orig);
    size_t n;
    ASSERT_EQ(sfu_srtp_protect_rtp(cs, pkt, 14, sizeof pkt, &n), 0);
    ASSERT_EQ(sfu_srtp_unprotect_rtp(ss, pkt, n, &n), 0);
    ASSERT_EQ(n, 14);
    ASSERT_MEM_EQ(pkt, orig, 14);
    sfu_srtp_session_destroy(ss);
    sfu_srtp_session_destroy(cs);
    pair_free(&p);
}

int main(void)
{
    RUN(handshake_completes_with_same_keys);
    RUN(server_preference_picks_gcm);
    RUN(aes_cm_when_client_offers_only_that);
    RUN(no_common_srtp_profile_fails);
    RUN(bad_profile_names_rejected);
    RUN(server_rejects_wrong_client_fingerprint);
    RUN(client_rejects_wrong_server_fingerprint);
    RUN(fingerprint_after_handshake);
    RUN(wrong_fingerprint_after_handshake_fails);
    RUN(app_data_both_ways);
    RUN(app_data_refused_before_connected);
    RUN(lost_client_hello_is_retransmitted);
    RUN(lost_server_flight_is_retransmitted);
    RUN(lost_final_flight_recovers);
    RUN(dead_peer_times_out);
    RUN(close_notify_closes_peer);
    RUN(garbage_is_ignored);
    RUN(exported_keys_drive_srtp);
    return TEST_REPORT();
}
