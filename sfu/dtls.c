#include "sfu/dtls.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

/* Retransmission timer (RFC 6347 §4.2.4.1): start below the RFC's 1 s, as
 * browsers do, double per timeout, and cap at 8 s so a dead peer fails in
 * about a minute (OpenSSL gives up after 12 timeouts) instead of ten. */
#define INITIAL_TIMEOUT_US 400000u
#define MAX_TIMEOUT_US 8000000u
#define APP_BUF_MAX 16384 /* largest DTLS plaintext record */

struct sfu_dtls {
    SSL_CTX *ctx;
    SSL *ssl;
    BIO *rbio; /* memory BIO, owned by ssl */
    sfu_dtls_role_t role;
    sfu_dtls_state_t state;
    sfu_dtls_callbacks_t cb;
    int started;
    int handshake_done; /* OpenSSL finished; may still await the fingerprint */
    int64_t deadline_us;
    int64_t started_us;
    int64_t done_us;      /* when OpenSSL finished */
    int64_t handshake_us; /* done_us - started_us once CONNECTED */
    char remote_alg[16];
    char remote_fp[SFU_FINGERPRINT_MAX];
    const char *failure;
    sfu_srtp_keys_t keys;
    uint8_t app_buf[APP_BUF_MAX];
};

/* ---- the write side: one BIO_write from OpenSSL = one datagram ---------- */

static pthread_once_t method_once = PTHREAD_ONCE_INIT;
static BIO_METHOD *out_method;

static int out_write(BIO *b, const char *data, int len)
{
    sfu_dtls_t *d = BIO_get_data(b);
    if (len > 0 && d != NULL && d->cb.send != NULL)
        d->cb.send(d->cb.user, (const uint8_t *)data, (size_t)len);
    return len;
}

static long out_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_DGRAM_QUERY_MTU:
        return SFU_DTLS_MTU;
    default:
        return 0; /* no pending data, no MTU overhead, nothing else */
    }
}

static void make_out_method(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "sfu-dtls-out");
    if (m != NULL && (BIO_meth_set_write(m, out_write) != 1 ||
                      BIO_meth_set_ctrl(m, out_ctrl) != 1)) {
        BIO_meth_free(m);
        m = NULL;
    }
    out_method = m;
}

/* ---- small helpers ------------------------------------------------------- */

static void set_state(sfu_dtls_t *d, sfu_dtls_state_t st)
{
    if (d->state == st)
        return;
    d->state = st;
    if (d->cb.on_state)
        d->cb.on_state(d->cb.user, st);
}

static void fail(sfu_dtls_t *d, const char *why)
{
    if (d->failure == NULL || d->failure[0] == '\0')
        d->failure = why;
    d->deadline_us = SFU_DTLS_NO_TIMEOUT;
    set_state(d, SFU_DTLS_FAILED);
}

/* OpenSSL's timer is relative to its own clock; re-anchor it to ours. */
static void update_deadline(sfu_dtls_t *d, int64_t now_us)
{
    struct timeval tv;
    if (d->state != SFU_DTLS_FAILED && d->state != SFU_DTLS_CLOSED &&
        DTLSv1_get_timeout(d->ssl, &tv) == 1)
        d->deadline_us = now_us + (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
    else
        d->deadline_us = SFU_DTLS_NO_TIMEOUT;
}

static unsigned int timer_cb(SSL *ssl, unsigned int previous_us)
{
    if (previous_us == 0)
        return INITIAL_TIMEOUT_US;
    return previous_us >= MAX_TIMEOUT_US / 2 ? MAX_TIMEOUT_US : previous_us * 2;
}

/* ---- peer authentication ------------------------------------------------- */

static int fingerprint_matches(const sfu_dtls_t *d, X509 *peer)
{
    char fp[SFU_FINGERPRINT_MAX];
    if (peer == NULL || sfu_fingerprint_x509(peer, d->remote_alg, fp, sizeof fp) < 0)
        return 0;
    return sfu_fingerprint_equal(fp, d->remote_fp);
}

/*
 * OpenSSL's chain check cannot succeed for a self-signed WebRTC certificate,
 * so its verdict (preverify_ok) is ignored. When the SDP fingerprint is
 * already known the end-entity certificate (depth 0) is checked here, so a
 * mismatch aborts the handshake with a bad_certificate alert; otherwise the
 * check waits for sfu_dtls_set_remote_fingerprint().
 */
static int verify_cb(int preverify_ok, X509_STORE_CTX *store)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    sfu_dtls_t *d = ssl ? SSL_get_app_data(ssl) : NULL;

    if (d == NULL)
        return 0;
    if (X509_STORE_CTX_get_error_depth(store) != 0 || d->remote_fp[0] == '\0')
        return 1;
    if (fingerprint_matches(d, X509_STORE_CTX_get_current_cert(store)))
        return 1;
    d->failure = "fingerprint mismatch";
    return 0;
}

/* ---- handshake completion ------------------------------------------------ */

/* RFC 5764 §4.2: client_key | server_key | client_salt | server_salt. */
static int export_keys(sfu_dtls_t *d)
{
    static const char label[] = "EXTRACTOR-dtls_srtp";
    const SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(d->ssl);
    uint8_t mat[2 * (SFU_SRTP_KEY_MAX + SFU_SRTP_SALT_MAX)];
    sfu_srtp_keys_t *k = &d->keys;

    if (p == NULL)
        return -1;
    k->profile = (sfu_srtp_profile_t)p->id;
    if (sfu_srtp_profile_lengths(k->profile, &k->key_len, &k->salt_len) != 0)
        return -1;
    size_t kl = k->key_len, sl = k->salt_len;
    if (SSL_export_keying_material(d->ssl, mat, 2 * (kl + sl), label, sizeof label - 1,
                                   NULL, 0, 0) != 1)
        return -1;
    memcpy(k->client_key, mat, kl);
    memcpy(k->server_key, mat + kl, kl);
    memcpy(k->client_salt, mat + 2 * kl, sl);
    memcpy(k->server_salt, mat + 2 * kl + sl, sl);
    OPENSSL_cleanse(mat, sizeof mat);
    return 0;
}

/* Connected once OpenSSL is done and the peer's certificate matches the SDP
 * fingerprint; waits (CONNECTING) while the fingerprint is unknown. */
static void try_connect(sfu_dtls_t *d)
{
    if (!d->handshake_done || d->state != SFU_DTLS_CONNECTING || d->remote_fp[0] == '\0')
        return;
    X509 *peer = SSL_get0_peer_certificate(d->ssl);
    if (!fingerprint_matches(d, peer)) {
        SSL_shutdown(d->ssl); /* close_notify: the peer stops waiting */
        ERR_clear_error();
        fail(d, "fingerprint mismatch");
        return;
    }
    d->handshake_us = d->done_us - d->started_us;
    set_state(d, SFU_DTLS_CONNECTED);
}

static void on_handshake_done(sfu_dtls_t *d, int64_t now_us)
{
    d->handshake_done = 1;
    d->done_us = now_us;
    if (export_keys(d) != 0) {
        SSL_shutdown(d->ssl);
        ERR_clear_error();
        fail(d, "no SRTP profile negotiated");
        return;
    }
    try_connect(d);
}

/* Maps SSL_get_error() after a failed call: 0 when it only wants more input. */
static int check_ssl_result(sfu_dtls_t *d, int r, const char *what)
{
    int err = SSL_get_error(d->ssl, r);
    ERR_clear_error();
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
        return 0;
    if (err == SSL_ERROR_ZERO_RETURN) {
        d->deadline_us = SFU_DTLS_NO_TIMEOUT;
        set_state(d, SFU_DTLS_CLOSED);
        return 0;
    }
    fail(d, what);
    return -EPROTO;
}

static int step_handshake(sfu_dtls_t *d, int64_t now_us)
{
    int r = SSL_do_handshake(d->ssl);
    if (r == 1) {
        on_handshake_done(d, now_us);
        return 0;
    }
    return check_ssl_result(d, r, "handshake failed");
}

/* Reads every decrypted record of the datagram just fed in. */
static int drain_app_data(sfu_dtls_t *d)
{
    for (;;) {
        int n = SSL_read(d->ssl, d->app_buf, sizeof d->app_buf);
        if (n <= 0)
            return check_ssl_result(d, n, "record layer failure");
        if (d->state == SFU_DTLS_CONNECTED && d->cb.on_app_data)
            d->cb.on_app_data(d->cb.user, d->app_buf, (size_t)n);
    }
}

/* ---- lifecycle ------------------------------------------------------------ */

static void apply_role(sfu_dtls_t *d);

static SSL_CTX *make_ctx(const sfu_certificate_t *cert)
{
    SSL_CTX *ctx = SSL_CTX_new(DTLS_method());
    if (ctx == NULL)
        return NULL;
    if (SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) != 1 ||
        SSL_CTX_use_certificate(ctx, sfu_certificate_x509(cert)) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, sfu_certificate_key(cert)) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1 ||
        SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20:ECDHE+AES") != 1 ||
        SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384") != 1 ||
        SSL_CTX_set_tlsext_use_srtp(ctx, SFU_DTLS_SRTP_PROFILES) != 0) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    /* Both sides must present a certificate: it is how WebRTC authenticates. */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_cb);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    /* WebRTC never renegotiates DTLS; refusing it removes a DoS lever. */
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_QUERY_MTU | SSL_OP_NO_RENEGOTIATION);
    return ctx;
}

static int attach_bios(sfu_dtls_t *d)
{
    BIO *wbio;

    pthread_once(&method_once, make_out_method);
    if (out_method == NULL)
        return -1;
    d->rbio = BIO_new(BIO_s_mem());
    wbio = BIO_new(out_method);
    if (d->rbio == NULL || wbio == NULL) {
        BIO_free(d->rbio);
        BIO_free(wbio);
        d->rbio = NULL;
        return -1;
    }
    BIO_set_mem_eof_return(d->rbio, -1); /* empty means "want read", not EOF */
    BIO_set_data(wbio, d);
    BIO_set_init(wbio, 1);
    SSL_set_bio(d->ssl, d->rbio, wbio);
    return 0;
}

sfu_dtls_t *sfu_dtls_create(const sfu_certificate_t *cert, sfu_dtls_role_t role,
                            const sfu_dtls_callbacks_t *cb)
{
    if (cert == NULL || cb == NULL || cb->send == NULL)
        return NULL;
    sfu_dtls_t *d = calloc(1, sizeof *d);
    if (d == NULL)
        return NULL;
    d->role = role;
    d->cb = *cb;
    d->failure = "";
    d->deadline_us = SFU_DTLS_NO_TIMEOUT;
    d->handshake_us = -1;
    d->ctx = make_ctx(cert);
    d->ssl = d->ctx ? SSL_new(d->ctx) : NULL;
    if (d->ssl == NULL || attach_bios(d) != 0)
        goto fail;
    SSL_set_app_data(d->ssl, d);
    SSL_set_mtu(d->ssl, SFU_DTLS_MTU);
    DTLS_set_timer_cb(d->ssl, timer_cb);
    apply_role(d);
    ERR_clear_error();
    return d;
fail:
    ERR_clear_error();
    sfu_dtls_destroy(d);
    return NULL;
}

void sfu_dtls_destroy(sfu_dtls_t *d)
{
    if (d == NULL)
        return;
    SSL_free(d->ssl); /* frees both BIOs */
    SSL_CTX_free(d->ctx);
    OPENSSL_cleanse(&d->keys, sizeof d->keys);
    free(d);
}

/* ---- public operations ----------------------------------------------------- */

static void apply_role(sfu_dtls_t *d)
{
    if (d->role == SFU_DTLS_CLIENT)
        SSL_set_connect_state(d->ssl);
    else
        SSL_set_accept_state(d->ssl);
}

int sfu_dtls_set_role(sfu_dtls_t *d, sfu_dtls_role_t role)
{
    if (d->started)
        return -EBUSY;
    d->role = role;
    apply_role(d);
    return 0;
}

int sfu_dtls_set_srtp_profiles(sfu_dtls_t *d, const char *profiles)
{
    if (d->started)
        return -EBUSY;
    if (profiles == NULL || SSL_set_tlsext_use_srtp(d->ssl, profiles) != 0) {
        ERR_clear_error();
        return -EINVAL;
    }
    return 0;
}

int sfu_dtls_set_remote_fingerprint(sfu_dtls_t *d, const char *alg, const char *hex)
{
    if (!sfu_fingerprint_alg_supported(alg) || hex == NULL || hex[0] == '\0' ||
        strlen(alg) >= sizeof d->remote_alg || strlen(hex) >= sizeof d->remote_fp)
        return -EINVAL;
    snprintf(d->remote_alg, sizeof d->remote_alg, "%s", alg);
    snprintf(d->remote_fp, sizeof d->remote_fp, "%s", hex);
    try_connect(d); /* decides now if the handshake already finished */
    return 0;
}

static void begin(sfu_dtls_t *d, int64_t now_us)
{
    d->started = 1;
    d->started_us = now_us;
    set_state(d, SFU_DTLS_CONNECTING);
}

int sfu_dtls_start(sfu_dtls_t *d, int64_t now_us)
{
    if (d->started)
        return -EBUSY;
    begin(d, now_us);
    if (d->role == SFU_DTLS_CLIENT) {
        int r = step_handshake(d, now_us); /* emits the ClientHello */
        update_deadline(d, now_us);
        return r;
    }
    return 0;
}

int sfu_dtls_handle_datagram(sfu_dtls_t *d, const uint8_t *buf, size_t len, int64_t now_us)
{
    int r;

    if (d->state == SFU_DTLS_FAILED || d->state == SFU_DTLS_CLOSED)
        return -ENOTCONN;
    if (buf == NULL || len == 0 || len > INT32_MAX)
        return -EINVAL;
    if (!d->started)
        begin(d, now_us); /* a server starts with the peer's ClientHello */
    if (BIO_write(d->rbio, buf, (int)len) != (int)len) {
        ERR_clear_error();
        return -ENOMEM;
    }
    r = d->handshake_done ? 0 : step_handshake(d, now_us);
    if (r == 0 && d->handshake_done && d->state != SFU_DTLS_FAILED &&
        d->state != SFU_DTLS_CLOSED)
        r = drain_app_data(d);
    (void)BIO_reset(d->rbio); /* never let one datagram's leftovers join the next */
    update_deadline(d, now_us);
    return r;
}

int64_t sfu_dtls_next_timeout(const sfu_dtls_t *d)
{
    return d->deadline_us;
}

int sfu_dtls_handle_timeout(sfu_dtls_t *d, int64_t now_us)
{
    if (d->deadline_us == SFU_DTLS_NO_TIMEOUT || now_us < d->deadline_us)
        return 0;
    if (DTLSv1_handle_timeout(d->ssl) < 0) {
        ERR_clear_error();
        fail(d, "handshake timeout");
        return -ETIMEDOUT;
    }
    ERR_clear_error();
    update_deadline(d, now_us);
    return 0;
}

int sfu_dtls_send_app(sfu_dtls_t *d, const uint8_t *buf, size_t len)
{
    if (d->state != SFU_DTLS_CONNECTED)
        return -ENOTCONN;
    if (buf == NULL || len == 0)
        return -EINVAL;
    if (len > APP_BUF_MAX)
        return -EMSGSIZE;
    int n = SSL_write(d->ssl, buf, (int)len);
    if (n != (int)len) {
        ERR_clear_error();
        return -EPROTO;
    }
    return 0;
}

int sfu_dtls_close(sfu_dtls_t *d)
{
    if (d->state == SFU_DTLS_CONNECTED || d->state == SFU_DTLS_CONNECTING) {
        if (d->handshake_done)
            SSL_shutdown(d->ssl); /* emits close_notify through cb.send */
        ERR_clear_error();
    }
    if (d->state != SFU_DTLS_FAILED)
        d->state = SFU_DTLS_CLOSED;
    d->deadline_us = SFU_DTLS_NO_TIMEOUT;
    return 0;
}

sfu_dtls_state_t sfu_dtls_state(const sfu_dtls_t *d)
{
    return d->state;
}

const char *sfu_dtls_state_name(sfu_dtls_state_t state)
{
    switch (state) {
    case SFU_DTLS_NEW: return "new";
    case SFU_DTLS_CONNECTING: return "connecting";
    case SFU_DTLS_CONNECTED: return "connected";
    case SFU_DTLS_FAILED: return "failed";
    case SFU_DTLS_CLOSED: return "closed";
    default: return "?";
    }
}

sfu_dtls_role_t sfu_dtls_role(const sfu_dtls_t *d)
{
    return d->role;
}

const char *sfu_dtls_failure_reason(const sfu_dtls_t *d)
{
    return d->failure ? d->failure : "";
}

int sfu_dtls_srtp_keys(const sfu_dtls_t *d, sfu_srtp_keys_t *out)
{
    if (d->state != SFU_DTLS_CONNECTED)
        return -ENOTCONN;
    *out = d->keys;
    return 0;
}

int64_t sfu_dtls_handshake_us(const sfu_dtls_t *d)
{
    return d->handshake_us;
}
