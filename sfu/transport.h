/*
 * One WebRTC transport: the server's end of one RTCPeerConnection (a peer
 * has a send transport and a receive transport, DESIGN.md "Runtime model").
 *
 *   libnice (ICE-lite, controlled) --datagram--> sfu_transport_handle_datagram
 *       first byte (rtp/demux.h, RFC 7983):
 *         DTLS  -> sfu_dtls (server; keys -> sfu_srtp_session)
 *                  application data -> cb.on_app_data (SCTP later)
 *         RTP   -> SRTP unprotect -> cb.on_rtp
 *         RTCP  -> SRTCP unprotect -> cb.on_rtcp
 *   sfu_transport_send_rtp/rtcp: protect -> libnice
 *
 * Sans-IO core: handle_datagram / handle_ice_connected / handle_timeout take
 * bytes and a time, and next_timeout says when to call again. Given a
 * GMainContext the transport wires itself to libnice and arms a GSource for
 * its deadline; given ctx == NULL it has no ICE and hands datagrams to
 * cb.send_datagram, which is how unit tests drive it without sockets.
 *
 * The packet path (handle_datagram for RTP/RTCP, send_rtp, send_rtcp) does
 * not allocate and does not log; it counts (sfu_transport_stats_t).
 * Everything runs on the thread that iterates ctx; callbacks must not
 * destroy the transport (defer it to an idle source).
 */
#ifndef SFU_TRANSPORT_H
#define SFU_TRANSPORT_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include "sfu/certificate.h"
#include "sfu/dtls.h"
#include "sfu/ice_agent.h"
#include "sfu/srtp_session.h"

/* Largest datagram accepted or sent on the SRTP path. */
#define SFU_TRANSPORT_MAX_PACKET 2048
#define SFU_TRANSPORT_NO_TIMEOUT INT64_MAX

typedef enum sfu_transport_state {
    SFU_TRANSPORT_NEW = 0,
    SFU_TRANSPORT_CONNECTING, /* ICE checking or DTLS handshaking */
    SFU_TRANSPORT_CONNECTED,  /* SRTP keys in place: media flows */
    SFU_TRANSPORT_FAILED,     /* ICE failed / consent lost / DTLS failed */
    SFU_TRANSPORT_CLOSED,     /* closed by us or by the peer's close_notify */
} sfu_transport_state_t;

typedef struct sfu_transport_config {
    sfu_ice_config_t ice;
    sfu_dtls_role_t dtls_role; /* SFU_DTLS_SERVER for the SFU */
    char srtp_profiles[96];    /* "" = SFU_DTLS_SRTP_PROFILES */
    /* FAILED if not CONNECTED this long after the clock starts (creation
     * with a GMainContext, else the first handle_* call); 0 = never. */
    int connect_timeout_ms;
} sfu_transport_config_t;

typedef struct sfu_transport_stats {
    uint64_t rtp_packets_in, rtp_bytes_in;   /* bytes: SRTP on the wire */
    uint64_t rtcp_packets_in, rtcp_bytes_in;
    uint64_t rtp_packets_out, rtp_bytes_out;
    uint64_t rtcp_packets_out, rtcp_bytes_out;
    uint64_t dtls_packets_in, dtls_packets_out;
    uint64_t decrypt_failures; /* SRTP/SRTCP authentication failed */
    uint64_t replays;          /* SRTP/SRTCP replayed or too old */
    uint64_t drops;            /* unknown first byte, too big, before keys */
    uint64_t send_failures;    /* protect or socket send failed */
    int64_t dtls_handshake_us; /* -1 until connected */
    int64_t connect_us;        /* creation to CONNECTED, -1 until then */
} sfu_transport_stats_t;

typedef struct sfu_transport sfu_transport_t;

typedef struct sfu_transport_callbacks {
    /* Plain RTP/RTCP after unprotect; buf is the transport's, valid during
     * the call, writable (e.g. for header rewriting in place). */
    void (*on_rtp)(sfu_transport_t *t, uint8_t *buf, size_t len, void *user);
    void (*on_rtcp)(sfu_transport_t *t, uint8_t *buf, size_t len, void *user);
    void (*on_app_data)(sfu_transport_t *t, const uint8_t *buf, size_t len, void *user);
    void (*on_state)(sfu_transport_t *t, sfu_transport_state_t state, void *user);
    /* A local candidate to trickle; may be NULL (then use the getters). */
    void (*on_local_candidate)(sfu_transport_t *t, const char *candidate, void *user);
    /* Only without a GMainContext: puts one datagram on the wire. */
    void (*send_datagram)(sfu_transport_t *t, const uint8_t *buf, size_t len, void *user);
    void *user;
} sfu_transport_callbacks_t;

/* SFU defaults: ICE-lite controlled (sfu_ice_config_defaults), DTLS server,
 * 30 s to connect. */
void sfu_transport_config_defaults(sfu_transport_config_t *cfg);

/*
 * Creates a transport. With ctx, an ICE agent gathers host candidates at
 * once (available from the getters when this returns); without ctx,
 * cb->send_datagram is required. cert is borrowed (its fingerprint is
 * copied); cfg and cb are copied. NULL on failure.
 */
sfu_transport_t *sfu_transport_create(GMainContext *ctx, const sfu_transport_config_t *cfg,
                                      const sfu_certificate_t *cert,
                                      const sfu_transport_callbacks_t *cb);

/* Frees everything without sending; NULL is a no-op. Use close() first to
 * tell the peer. Call on ctx's thread, not from a callback. */
void sfu_transport_destroy(sfu_transport_t *t);

/* Sends DTLS close_notify and moves to CLOSED (no on_state call). */
int sfu_transport_close(sfu_transport_t *t);

/* ---- for the SDP writer ---------------------------------------------------- */
const char *sfu_transport_ice_ufrag(const sfu_transport_t *t); /* "" without ICE */
const char *sfu_transport_ice_pwd(const sfu_transport_t *t);
int sfu_transport_ice_lite(const sfu_transport_t *t);          /* 1: write a=ice-lite */
/* Our certificate's "AB:CD:..." (a=fingerprint:sha-256 ...). */
const char *sfu_transport_fingerprint(const sfu_transport_t *t);
/* "passive" for a DTLS server, "active" for a client (a=setup in an answer). */
const char *sfu_transport_dtls_setup(const sfu_transport_t *t);
size_t sfu_transport_local_candidate_count(const sfu_transport_t *t);
const char *sfu_transport_local_candidate(const sfu_transport_t *t, size_t i);

/* ---- from the SDP parser / trickle ------------------------------------------ */

/*
 * The peer's a=ice-ufrag, a=ice-pwd and a=fingerprint value ("sha-256
 * AB:CD:..."). -EINVAL names a bad argument (nothing is changed then).
 * Without ICE, ufrag and pwd may be NULL.
 */
int sfu_transport_set_remote(sfu_transport_t *t, const char *ufrag, const char *pwd,
                             const char *fingerprint);

/*
 * Sets our DTLS role from the peer's a=setup before DTLS starts: the peer
 * "active" -> SFU_DTLS_SERVER, "passive" -> SFU_DTLS_CLIENT. -EBUSY later.
 */
int sfu_transport_set_dtls_role(sfu_transport_t *t, sfu_dtls_role_t role);

/* One remote candidate line; see sfu_ice_agent_add_remote_candidate(). */
int sfu_transport_add_remote_candidate(sfu_transport_t *t, const char *candidate);
int sfu_transport_remote_candidates_done(sfu_transport_t *t);

/* ---- sans-IO core ------------------------------------------------------------- */

/*
 * One received datagram. Returns 0, or a negative code that the stats
 * already count: -EBADMSG (SRTP authentication), -EALREADY (replay),
 * -ENOTCONN (media before keys), -EMSGSIZE, -EPROTO (unknown or DTLS failure).
 */
int sfu_transport_handle_datagram(sfu_transport_t *t, const uint8_t *buf, size_t len,
                                  int64_t now_us);

/* The now_us of the datagram being handled: inside on_rtp/on_rtcp, when it
 * arrived (the ICE adapter passes the kernel's receive time). */
int64_t sfu_transport_rx_time(const sfu_transport_t *t);

/* The path to the peer is up (ICE connected): starts DTLS. The ICE adapter
 * calls this; unit tests without ICE call it themselves. */
int sfu_transport_handle_ice_connected(sfu_transport_t *t, int64_t now_us);

/* DTLS retransmissions and the connect timeout (-ETIMEDOUT when it fired). */
int sfu_transport_handle_timeout(sfu_transport_t *t, int64_t now_us);
int64_t sfu_transport_next_timeout(const sfu_transport_t *t);

/*
 * Protects a copy of the plain RTP/RTCP packet and sends it; buf is not
 * modified. -ENOTCONN before keys, -EMSGSIZE when too big, -EIO on a send
 * failure (counted), other protect errors as sfu_srtp_protect_*.
 */
int sfu_transport_send_rtp(sfu_transport_t *t, const uint8_t *buf, size_t len);
int sfu_transport_send_rtcp(sfu_transport_t *t, const uint8_t *buf, size_t len);

/* Application data over DTLS (SCTP later); see sfu_dtls_send_app(). */
int sfu_transport_send_app(sfu_transport_t *t, const uint8_t *buf, size_t len);

/* ---- state ------------------------------------------------------------------------ */
sfu_transport_state_t sfu_transport_state(const sfu_transport_t *t);
const char *sfu_transport_state_name(sfu_transport_state_t state);
sfu_ice_state_t sfu_transport_ice_state(const sfu_transport_t *t);
sfu_dtls_state_t sfu_transport_dtls_state(const sfu_transport_t *t);
/* Why it failed, e.g. "ice failed", "dtls: fingerprint mismatch"; or "". */
const char *sfu_transport_failure_reason(const sfu_transport_t *t);
sfu_srtp_profile_t sfu_transport_srtp_profile(const sfu_transport_t *t);
void sfu_transport_get_stats(const sfu_transport_t *t, sfu_transport_stats_t *out);

#endif
