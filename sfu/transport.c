#include "sfu/transport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtp/demux.h"

typedef struct timer_source {
    GSource base;
    sfu_transport_t *t;
} timer_source_t;

struct sfu_transport {
    sfu_transport_callbacks_t cb;
    sfu_transport_state_t state;
    sfu_dtls_role_t dtls_role;
    sfu_ice_agent_t *ice;      /* NULL without a GMainContext */
    sfu_dtls_t *dtls;
    sfu_srtp_session_t *srtp;  /* NULL until DTLS is connected */
    GSource *timer;            /* NULL without a GMainContext */
    int64_t timer_armed;       /* ready time given to the GSource, -1 = off */
    int64_t created_us;
    int64_t connect_timeout_us;  /* 0 = none */
    int64_t connect_deadline_us; /* 0 until the clock starts */
    char failure[96];
    char fingerprint[SFU_FINGERPRINT_MAX];
    sfu_transport_stats_t stats;
    int64_t rx_time_us;        /* arrival of the datagram being handled */
    uint8_t rx_buf[SFU_TRANSPORT_MAX_PACKET];
    uint8_t tx_buf[SFU_TRANSPORT_MAX_PACKET + SFU_SRTP_MAX_OVERHEAD];
};

void sfu_transport_config_defaults(sfu_transport_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    sfu_ice_config_defaults(&cfg->ice);
    cfg->dtls_role = SFU_DTLS_SERVER;
    cfg->connect_timeout_ms = 30000;
}

/* ---- state ------------------------------------------------------------------ */

static void set_state(sfu_transport_t *t, sfu_transport_state_t st)
{
    if (t->state == st || t->state == SFU_TRANSPORT_FAILED || t->state == SFU_TRANSPORT_CLOSED)
        return;
    t->state = st;
    if (st == SFU_TRANSPORT_CONNECTED)
        t->stats.connect_us = g_get_monotonic_time() - t->created_us;
    if (t->cb.on_state)
        t->cb.on_state(t, st, t->cb.user);
}

static void fail(sfu_transport_t *t, const char *layer, const char *why)
{
    if (t->failure[0] == '\0')
        snprintf(t->failure, sizeof t->failure, "%s%s%s", layer, why[0] ? ": " : "", why);
    set_state(t, SFU_TRANSPORT_FAILED);
}

static void start_connect_clock(sfu_transport_t *t, int64_t now_us)
{
    if (t->connect_deadline_us == 0 && t->connect_timeout_us > 0)
        t->connect_deadline_us = now_us + t->connect_timeout_us;
}

/* Points the GSource at the next deadline; only touches GLib on a change. */
static void arm_timer(sfu_transport_t *t)
{
    if (t->timer == NULL)
        return;
    int64_t next = sfu_transport_next_timeout(t);
    int64_t ready = next == SFU_TRANSPORT_NO_TIMEOUT ? -1 : next;
    if (ready != t->timer_armed) {
        t->timer_armed = ready;
        g_source_set_ready_time(t->timer, ready);
    }
}

/* ---- the wire ------------------------------------------------------------------ */

static int wire_send(sfu_transport_t *t, const uint8_t *buf, size_t len)
{
    if (t->ice != NULL)
        return sfu_ice_agent_send(t->ice, buf, len);
    t->cb.send_datagram(t, buf, len, t->cb.user);
    return 0;
}

/* ---- DTLS callbacks ------------------------------------------------------------ */

static void dtls_send(void *user, const uint8_t *buf, size_t len)
{
    sfu_transport_t *t = user;
    t->stats.dtls_packets_out++;
    if (wire_send(t, buf, len) != 0)
        t->stats.send_failures++; /* DTLS retransmits on its timer */
}

static void dtls_connected(sfu_transport_t *t)
{
    sfu_srtp_keys_t keys;
    if (sfu_dtls_srtp_keys(t->dtls, &keys) != 0) {
        fail(t, "dtls", "no keys");
        return;
    }
    t->srtp = sfu_srtp_session_create(&keys, t->dtls_role == SFU_DTLS_SERVER);
    memset(&keys, 0, sizeof keys);
    if (t->srtp == NULL) {
        fail(t, "srtp", "cannot create session");
        return;
    }
    t->stats.dtls_handshake_us = sfu_dtls_handshake_us(t->dtls);
    set_state(t, SFU_TRANSPORT_CONNECTED);
}

static void dtls_state(void *user, sfu_dtls_state_t st)
{
    sfu_transport_t *t = user;
    if (st == SFU_DTLS_CONNECTED)
        dtls_connected(t);
    else if (st == SFU_DTLS_FAILED)
        fail(t, "dtls", sfu_dtls_failure_reason(t->dtls));
    else if (st == SFU_DTLS_CLOSED)
        set_state(t, SFU_TRANSPORT_CLOSED);
}

static void dtls_app_data(void *user, const uint8_t *buf, size_t len)
{
    sfu_transport_t *t = user;
    if (t->cb.on_app_data)
        t->cb.on_app_data(t, buf, len, t->cb.user);
}

/* ---- ICE callbacks: forward into the sans-IO core --------------------------- */

static void ice_datagram(void *user, const uint8_t *buf, size_t len, int64_t now_us)
{
    sfu_transport_handle_datagram(user, buf, len, now_us);
}

static void ice_state(void *user, sfu_ice_state_t st)
{
    sfu_transport_t *t = user;
    if (st == SFU_ICE_CHECKING && t->state == SFU_TRANSPORT_NEW)
        set_state(t, SFU_TRANSPORT_CONNECTING);
    else if (st == SFU_ICE_CONNECTED)
        sfu_transport_handle_ice_connected(t, g_get_monotonic_time());
    else if (st == SFU_ICE_FAILED)
        fail(t, "ice", t->state == SFU_TRANSPORT_CONNECTED ? "consent lost" : "checks failed");
}

static void ice_candidate(void *user, const char *candidate)
{
    sfu_transport_t *t = user;
    if (t->cb.on_local_candidate)
        t->cb.on_local_candidate(t, candidate, t->cb.user);
}

/* ---- the timer GSource --------------------------------------------------------- */

static gboolean timer_dispatch(GSource *source, GSourceFunc unused, gpointer data)
{
    sfu_transport_t *t = ((timer_source_t *)source)->t;
    t->timer_armed = -1;
    g_source_set_ready_time(source, -1);
    sfu_transport_handle_timeout(t, g_get_monotonic_time());
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs timer_funcs = {NULL, NULL, timer_dispatch, NULL, NULL, NULL};

static void attach_timer(sfu_transport_t *t, GMainContext *ctx)
{
    t->timer = g_source_new(&timer_funcs, sizeof(timer_source_t));
    ((timer_source_t *)t->timer)->t = t;
    g_source_set_name(t->timer, "sfu-transport-timer");
    g_source_set_ready_time(t->timer, -1);
    g_source_attach(t->timer, ctx);
}

/* ---- lifecycle ------------------------------------------------------------------ */

static int make_dtls(sfu_transport_t *t, const sfu_transport_config_t *cfg,
                     const sfu_certificate_t *cert)
{
    sfu_dtls_callbacks_t dcb = {dtls_send, dtls_state, dtls_app_data, t};
    t->dtls = sfu_dtls_create(cert, cfg->dtls_role, &dcb);
    if (t->dtls == NULL)
        return -1;
    if (cfg->srtp_profiles[0] != '\0' &&
        sfu_dtls_set_srtp_profiles(t->dtls, cfg->srtp_profiles) != 0)
        return -1;
    return 0;
}

static int make_ice(sfu_transport_t *t, GMainContext *ctx, const sfu_transport_config_t *cfg)
{
    sfu_ice_callbacks_t icb = {ice_datagram, ice_state, ice_candidate, NULL, t};
    t->ice = sfu_ice_agent_create(ctx, &cfg->ice, &icb);
    return t->ice != NULL ? 0 : -1;
}

sfu_transport_t *sfu_transport_create(GMainContext *ctx, const sfu_transport_config_t *cfg,
                                      const sfu_certificate_t *cert,
                                      const sfu_transport_callbacks_t *cb)
{
    if (cfg == NULL || cert == NULL || cb == NULL || (ctx == NULL && cb->send_datagram == NULL))
        return NULL;
    if (sfu_srtp_global_init() != 0)
        return NULL;
    sfu_transport_t *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->cb = *cb;
    t->dtls_role = cfg->dtls_role;
    t->timer_armed = -1;
    t->created_us = g_get_monotonic_time();
    t->stats.dtls_handshake_us = -1;
    t->stats.connect_us = -1;
    t->connect_timeout_us = cfg->connect_timeout_ms > 0 ? (int64_t)cfg->connect_timeout_ms * 1000 : 0;
    snprintf(t->fingerprint, sizeof t->fingerprint, "%s", sfu_certificate_fingerprint(cert));
    if (make_dtls(t, cfg, cert) != 0)
        goto fail;
    if (ctx != NULL) {
        attach_timer(t, ctx);
        if (make_ice(t, ctx, cfg) != 0)
            goto fail;
        start_connect_clock(t, t->created_us);
        arm_timer(t);
    }
    return t;
fail:
    sfu_transport_destroy(t);
    return NULL;
}

void sfu_transport_destroy(sfu_transport_t *t)
{
    if (t == NULL)
        return;
    sfu_ice_agent_destroy(t->ice); /* first: no more datagrams come in */
    if (t->timer != NULL) {
        g_source_destroy(t->timer);
        g_source_unref(t->timer);
    }
    sfu_srtp_session_destroy(t->srtp);
    sfu_dtls_destroy(t->dtls);
    free(t);
}

int sfu_transport_close(sfu_transport_t *t)
{
    sfu_dtls_close(t->dtls); /* close_notify goes out through dtls_send */
    if (t->state != SFU_TRANSPORT_FAILED)
        t->state = SFU_TRANSPORT_CLOSED;
    arm_timer(t);
    return 0;
}

/* ---- SDP-facing getters and setters --------------------------------------------- */

const char *sfu_transport_ice_ufrag(const sfu_transport_t *t)
{
    return t->ice ? sfu_ice_agent_local_ufrag(t->ice) : "";
}

const char *sfu_transport_ice_pwd(const sfu_transport_t *t)
{
    return t->ice ? sfu_ice_agent_local_pwd(t->ice) : "";
}

int sfu_transport_ice_lite(const sfu_transport_t *t)
{
    return t->ice ? sfu_ice_agent_is_lite(t->ice) : 0;
}

const char *sfu_transport_fingerprint(const sfu_transport_t *t)
{
    return t->fingerprint;
}

const char *sfu_transport_dtls_setup(const sfu_transport_t *t)
{
    return t->dtls_role == SFU_DTLS_SERVER ? "passive" : "active";
}

size_t sfu_transport_local_candidate_count(const sfu_transport_t *t)
{
    return t->ice ? sfu_ice_agent_candidate_count(t->ice) : 0;
}

const char *sfu_transport_local_candidate(const sfu_transport_t *t, size_t i)
{
    return t->ice ? sfu_ice_agent_candidate(t->ice, i) : NULL;
}

/* Splits "sha-256 AB:CD:..." into the hash name and the value. */
static int split_fingerprint(const char *fp, char *alg, size_t cap, const char **value)
{
    const char *sp = fp ? strchr(fp, ' ') : NULL;
    if (sp == NULL || sp == fp || (size_t)(sp - fp) >= cap)
        return -EINVAL;
    memcpy(alg, fp, (size_t)(sp - fp));
    alg[sp - fp] = '\0';
    while (*sp == ' ')
        sp++;
    *value = sp;
    return *sp ? 0 : -EINVAL;
}

int sfu_transport_set_remote(sfu_transport_t *t, const char *ufrag, const char *pwd,
                             const char *fingerprint)
{
    char alg[16];
    const char *value;
    int r;

    if (split_fingerprint(fingerprint, alg, sizeof alg, &value) != 0 ||
        !sfu_fingerprint_alg_supported(alg) || strlen(value) >= SFU_FINGERPRINT_MAX)
        return -EINVAL;
    if (t->ice != NULL && (r = sfu_ice_agent_set_remote_credentials(t->ice, ufrag, pwd)) != 0)
        return r;
    r = sfu_dtls_set_remote_fingerprint(t->dtls, alg, value);
    arm_timer(t);
    return r;
}

int sfu_transport_set_dtls_role(sfu_transport_t *t, sfu_dtls_role_t role)
{
    int r = sfu_dtls_set_role(t->dtls, role);
    if (r == 0)
        t->dtls_role = role;
    return r;
}

int sfu_transport_add_remote_candidate(sfu_transport_t *t, const char *candidate)
{
    return t->ice ? sfu_ice_agent_add_remote_candidate(t->ice, candidate) : -ENOTSUP;
}

int sfu_transport_remote_candidates_done(sfu_transport_t *t)
{
    return t->ice ? sfu_ice_agent_remote_gathering_done(t->ice) : 0;
}

/* ---- sans-IO core --------------------------------------------------------------- */

/* Counts an unprotect failure by kind and passes the code on. */
static int count_unprotect_error(sfu_transport_t *t, int r)
{
    if (r == -EBADMSG)
        t->stats.decrypt_failures++;
    else if (r == -EALREADY)
        t->stats.replays++;
    else
        t->stats.drops++;
    return r;
}

/* SRTP/SRTCP in: copy into our buffer (the caller's may be read-only),
 * unprotect in place, hand the plain packet up. */
static int handle_srtp(sfu_transport_t *t, const uint8_t *buf, size_t len, int rtcp)
{
    size_t n = 0;
    int r;

    if (t->srtp == NULL) {
        t->stats.drops++;
        return -ENOTCONN;
    }
    if (len > sizeof t->rx_buf) {
        t->stats.drops++;
        return -EMSGSIZE;
    }
    memcpy(t->rx_buf, buf, len);
    r = rtcp ? sfu_srtp_unprotect_rtcp(t->srtp, t->rx_buf, len, &n)
             : sfu_srtp_unprotect_rtp(t->srtp, t->rx_buf, len, &n);
    if (r != 0)
        return count_unprotect_error(t, r);
    if (rtcp) {
        t->stats.rtcp_packets_in++;
        t->stats.rtcp_bytes_in += len;
        if (t->cb.on_rtcp)
            t->cb.on_rtcp(t, t->rx_buf, n, t->cb.user);
    } else {
        t->stats.rtp_packets_in++;
        t->stats.rtp_bytes_in += len;
        if (t->cb.on_rtp)
            t->cb.on_rtp(t, t->rx_buf, n, t->cb.user);
    }
    return 0;
}

int sfu_transport_handle_datagram(sfu_transport_t *t, const uint8_t *buf, size_t len,
                                  int64_t now_us)
{
    int r;

    start_connect_clock(t, now_us);
    t->rx_time_us = now_us;
    switch (rtp_demux_classify(buf, len)) {
    case RTP_DEMUX_RTP:
        return handle_srtp(t, buf, len, 0);
    case RTP_DEMUX_RTCP:
        return handle_srtp(t, buf, len, 1);
    case RTP_DEMUX_DTLS:
        t->stats.dtls_packets_in++;
        r = sfu_dtls_handle_datagram(t->dtls, buf, len, now_us);
        arm_timer(t);
        return r == 0 ? 0 : (r == -ENOTCONN ? -ENOTCONN : -EPROTO);
    default:
        /* STUN is answered inside libnice and never reaches us. */
        t->stats.drops++;
        return -EPROTO;
    }
}

int64_t sfu_transport_rx_time(const sfu_transport_t *t)
{
    return t->rx_time_us;
}

int sfu_transport_handle_ice_connected(sfu_transport_t *t, int64_t now_us)
{
    int r = 0;
    if (t->state == SFU_TRANSPORT_FAILED || t->state == SFU_TRANSPORT_CLOSED)
        return -ENOTCONN;
    start_connect_clock(t, now_us);
    if (t->state == SFU_TRANSPORT_NEW)
        set_state(t, SFU_TRANSPORT_CONNECTING);
    /* A server may already be handshaking: its ClientHello can arrive
     * before our side of ICE reports connected. */
    if (sfu_dtls_state(t->dtls) == SFU_DTLS_NEW)
        r = sfu_dtls_start(t->dtls, now_us);
    arm_timer(t);
    return r;
}

static int connecting(const sfu_transport_t *t)
{
    return t->state == SFU_TRANSPORT_NEW || t->state == SFU_TRANSPORT_CONNECTING;
}

int sfu_transport_handle_timeout(sfu_transport_t *t, int64_t now_us)
{
    int r;

    start_connect_clock(t, now_us);
    if (connecting(t) && t->connect_deadline_us != 0 && now_us >= t->connect_deadline_us) {
        int ice_up = sfu_transport_ice_state(t) == SFU_ICE_CONNECTED;
        fail(t, ice_up ? "dtls" : "ice", "connect timeout");
        r = -ETIMEDOUT;
    } else {
        r = sfu_dtls_handle_timeout(t->dtls, now_us);
    }
    arm_timer(t);
    return r;
}

int64_t sfu_transport_next_timeout(const sfu_transport_t *t)
{
    int64_t d = sfu_dtls_next_timeout(t->dtls);
    int64_t next = d == SFU_DTLS_NO_TIMEOUT ? SFU_TRANSPORT_NO_TIMEOUT : d;
    if (connecting(t) && t->connect_deadline_us != 0 && t->connect_deadline_us < next)
        next = t->connect_deadline_us;
    return next;
}

static int send_protected(sfu_transport_t *t, const uint8_t *buf, size_t len, int rtcp)
{
    size_t n = 0;
    int r;

    if (t->srtp == NULL || t->state != SFU_TRANSPORT_CONNECTED)
        return -ENOTCONN;
    if (buf == NULL || len > SFU_TRANSPORT_MAX_PACKET)
        return -EMSGSIZE;
    memcpy(t->tx_buf, buf, len);
    r = rtcp ? sfu_srtp_protect_rtcp(t->srtp, t->tx_buf, len, sizeof t->tx_buf, &n)
             : sfu_srtp_protect_rtp(t->srtp, t->tx_buf, len, sizeof t->tx_buf, &n);
    if (r == 0 && wire_send(t, t->tx_buf, n) != 0)
        r = -EIO;
    if (r != 0) {
        t->stats.send_failures++;
        return r;
    }
    if (rtcp) {
        t->stats.rtcp_packets_out++;
        t->stats.rtcp_bytes_out += n;
    } else {
        t->stats.rtp_packets_out++;
        t->stats.rtp_bytes_out += n;
    }
    return 0;
}

int sfu_transport_send_rtp(sfu_transport_t *t, const uint8_t *buf, size_t len)
{
    return send_protected(t, buf, len, 0);
}

int sfu_transport_send_rtcp(sfu_transport_t *t, const uint8_t *buf, size_t len)
{
    return send_protected(t, buf, len, 1);
}

int sfu_transport_send_app(sfu_transport_t *t, const uint8_t *buf, size_t len)
{
    return sfu_dtls_send_app(t->dtls, buf, len);
}

/* ---- state ---------------------------------------------------------------------------- */

sfu_transport_state_t sfu_transport_state(const sfu_transport_t *t)
{
    return t->state;
}

const char *sfu_transport_state_name(sfu_transport_state_t state)
{
    switch (state) {
    case SFU_TRANSPORT_NEW: return "new";
    case SFU_TRANSPORT_CONNECTING: return "connecting";
    case SFU_TRANSPORT_CONNECTED: return "connected";
    case SFU_TRANSPORT_FAILED: return "failed";
    case SFU_TRANSPORT_CLOSED: return "closed";
    default: return "?";
    }
}

sfu_ice_state_t sfu_transport_ice_state(const sfu_transport_t *t)
{
    return t->ice ? sfu_ice_agent_state(t->ice) : SFU_ICE_CONNECTED;
}

sfu_dtls_state_t sfu_transport_dtls_state(const sfu_transport_t *t)
{
    return sfu_dtls_state(t->dtls);
}

const char *sfu_transport_failure_reason(const sfu_transport_t *t)
{
    return t->failure;
}

sfu_srtp_profile_t sfu_transport_srtp_profile(const sfu_transport_t *t)
{
    return t->srtp ? sfu_srtp_session_profile(t->srtp) : SFU_SRTP_PROFILE_NONE;
}

void sfu_transport_get_stats(const sfu_transport_t *t, sfu_transport_stats_t *out)
{
    *out = t->stats;
}
