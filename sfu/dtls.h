/*
 * DTLS 1.2 for one WebRTC transport (RFC 6347, DTLS-SRTP RFC 5764), sans-IO:
 * datagrams and the current time go in through handle_* calls, datagrams to
 * send come out through a callback, and the caller owns the clock and the
 * timer (next_timeout / handle_timeout). No sockets: OpenSSL reads from a
 * memory BIO we fill one datagram at a time and writes into a small BIO of
 * ours that hands each datagram to cb.send, so datagram boundaries survive.
 *
 * The SFU is the DTLS server (it answers the browser's ClientHello and picks
 * the SRTP profile, AEAD_AES_128_GCM first); the client role exists so tests
 * can play the browser. The peer is authenticated by the fingerprint from its
 * SDP (a=fingerprint, RFC 8122): any self-signed certificate is accepted by
 * OpenSSL's verify step and then its digest must match, else the handshake
 * fails. If the handshake finishes before the fingerprint is known, the
 * object stays CONNECTING until sfu_dtls_set_remote_fingerprint() decides.
 *
 * Callbacks run only inside sfu_dtls_* calls on the caller's thread; a
 * callback must not destroy the object.
 *
 * Clock caveat: OpenSSL 3.0 measures its retransmission timer with
 * gettimeofday(). next_timeout() converts OpenSSL's "time left" into the
 * caller's clock at every call, and handle_timeout() asks OpenSSL, which
 * retransmits only once its own clock agrees the timer expired.
 */
#ifndef SFU_DTLS_H
#define SFU_DTLS_H

#include <stddef.h>
#include <stdint.h>

#include "sfu/certificate.h"
#include "sfu/srtp_session.h"

#define SFU_DTLS_NO_TIMEOUT INT64_MAX
/* Largest datagram we let OpenSSL build (RFC 8261 §5 keeps WebRTC under ~1200). */
#define SFU_DTLS_MTU 1200
/* Offer/accept list, in server preference order: GCM first (DESIGN.md). */
#define SFU_DTLS_SRTP_PROFILES "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"

typedef enum sfu_dtls_role {
    SFU_DTLS_SERVER = 0, /* a=setup:passive: the SFU's role */
    SFU_DTLS_CLIENT = 1, /* a=setup:active: the browser's role (tests) */
} sfu_dtls_role_t;

typedef enum sfu_dtls_state {
    SFU_DTLS_NEW = 0,
    SFU_DTLS_CONNECTING,
    SFU_DTLS_CONNECTED, /* handshake done, fingerprint verified, keys ready */
    SFU_DTLS_FAILED,
    SFU_DTLS_CLOSED,    /* close_notify sent or received */
} sfu_dtls_state_t;

typedef struct sfu_dtls_callbacks {
    /* One datagram to put on the wire (required). */
    void (*send)(void *user, const uint8_t *buf, size_t len);
    void (*on_state)(void *user, sfu_dtls_state_t state);
    /* Decrypted application data (SCTP packets later); buf is ours, borrowed. */
    void (*on_app_data)(void *user, const uint8_t *buf, size_t len);
    void *user;
} sfu_dtls_callbacks_t;

typedef struct sfu_dtls sfu_dtls_t;

/*
 * Makes a DTLS endpoint using cert (borrowed: OpenSSL keeps its own
 * references). cb is copied. NULL on allocation or OpenSSL failure.
 */
sfu_dtls_t *sfu_dtls_create(const sfu_certificate_t *cert, sfu_dtls_role_t role,
                            const sfu_dtls_callbacks_t *cb);

/* NULL is a no-op. Sends nothing; call sfu_dtls_close() first for close_notify. */
void sfu_dtls_destroy(sfu_dtls_t *d);

/* Changes the role before the handshake starts (a=setup decided late, e.g.
 * when our actpass offer is answered with passive). -EBUSY after start. */
int sfu_dtls_set_role(sfu_dtls_t *d, sfu_dtls_role_t role);

/*
 * Replaces the SRTP profile list (OpenSSL names, ':'-separated) before the
 * handshake; the server picks the first of its own list the client offers.
 * -EINVAL for an unknown name, -EBUSY after start.
 */
int sfu_dtls_set_srtp_profiles(sfu_dtls_t *d, const char *profiles);

/*
 * The peer's a=fingerprint: alg is the SDP hash name ("sha-256"), hex the
 * "AB:CD:.." value. May come before or after the handshake; after it, this
 * call decides CONNECTED or FAILED. -EINVAL for an unsupported alg or a value
 * that is too long.
 */
int sfu_dtls_set_remote_fingerprint(sfu_dtls_t *d, const char *alg, const char *hex);

/* Starts the handshake: a client sends its ClientHello, a server waits for
 * one. 0, -EBUSY if already started, -EPROTO on OpenSSL failure. */
int sfu_dtls_start(sfu_dtls_t *d, int64_t now_us);

/*
 * Feeds one received DTLS datagram. Handshake records advance the handshake
 * (a server starts by itself on a ClientHello); application data is handed to
 * cb.on_app_data. Garbage is dropped silently by OpenSSL. Returns 0, or
 * -ENOTCONN when failed/closed, -EPROTO when this datagram made it fail.
 */
int sfu_dtls_handle_datagram(sfu_dtls_t *d, const uint8_t *buf, size_t len, int64_t now_us);

/* When handle_timeout should next be called (SFU_DTLS_NO_TIMEOUT: never). */
int64_t sfu_dtls_next_timeout(const sfu_dtls_t *d);

/* Retransmits the last flight if its timer expired; too many timeouts fail
 * the handshake (-ETIMEDOUT). */
int sfu_dtls_handle_timeout(sfu_dtls_t *d, int64_t now_us);

/* Encrypts and sends application data (one record, len <= 16384).
 * -ENOTCONN before CONNECTED, -EMSGSIZE if too long, -EPROTO. */
int sfu_dtls_send_app(sfu_dtls_t *d, const uint8_t *buf, size_t len);

/* Sends close_notify (if connected or connecting) and moves to CLOSED
 * without calling on_state. */
int sfu_dtls_close(sfu_dtls_t *d);

sfu_dtls_state_t sfu_dtls_state(const sfu_dtls_t *d);
const char *sfu_dtls_state_name(sfu_dtls_state_t state);
sfu_dtls_role_t sfu_dtls_role(const sfu_dtls_t *d);

/* Why it failed ("fingerprint mismatch", "handshake timeout", ...), or "". */
const char *sfu_dtls_failure_reason(const sfu_dtls_t *d);

/* Keys exported with "EXTRACTOR-dtls_srtp" (RFC 5764 §4.2) for the
 * negotiated profile; -ENOTCONN before CONNECTED. */
int sfu_dtls_srtp_keys(const sfu_dtls_t *d, sfu_srtp_keys_t *out);

/* Time from start (or the first datagram) to CONNECTED, or -1. */
int64_t sfu_dtls_handshake_us(const sfu_dtls_t *d);

#endif
