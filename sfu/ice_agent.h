/*
 * ICE for one transport: a thin adapter over a libnice NiceAgent with one
 * stream and one component (BUNDLE + rtcp-mux put everything on one 5-tuple).
 *
 * The SFU side is ICE-lite and controlled (TRANSPORT.md explains why): it
 * announces a=ice-lite, gathers host candidates only, and lets the browser,
 * which is then always the controlling agent (RFC 8445 §6.1.1), run and
 * nominate the checks. A full-mode controlling agent can be made too; the
 * loopback test uses one to play the browser.
 *
 * The agent runs in the GMainContext it is given, so every callback below
 * runs on the thread iterating that context. The libnice callbacks are a few
 * lines each: they hand bytes plus the monotonic time (g_get_monotonic_time,
 * microseconds) to cb.on_datagram, and state changes to cb.on_state.
 *
 * Candidate lines are RFC 8839 §5.1 "candidate:" attributes without "a=";
 * remote ones may carry "a=" and line ends. UDP only.
 */
#ifndef SFU_ICE_AGENT_H
#define SFU_ICE_AGENT_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#define SFU_ICE_UFRAG_MAX 257      /* RFC 8839 §5.4: 4..256 chars */
#define SFU_ICE_PWD_MAX 257        /* 22..256 chars */
#define SFU_ICE_ADDR_MAX 64
#define SFU_ICE_MAX_LOCAL_ADDRS 8
#define SFU_ICE_MAX_CANDIDATES 16
#define SFU_ICE_CANDIDATE_MAX 256
#define SFU_ICE_FOUNDATION_MAX 33  /* 1..32 ice-chars */

typedef enum sfu_ice_state {
    SFU_ICE_NEW = 0,
    SFU_ICE_CHECKING,
    SFU_ICE_CONNECTED, /* a pair is selected; data flows */
    SFU_ICE_FAILED,    /* checks failed, or consent was lost (RFC 7675) */
} sfu_ice_state_t;

typedef struct sfu_ice_config {
    int controlling;   /* 0 for the SFU; 1 only to play a browser in tests */
    int full_mode;     /* 0 = ICE-lite (the SFU); 1 = full agent */
    int consent_freshness; /* RFC 7675 checks; FAILED ~10 s after answers stop */
    uint16_t port_min; /* UDP port range for host candidates; 0,0 = any */
    uint16_t port_max;
    /* NAT/Docker: announce this address instead of the candidates' own.
     * Only candidates of the same family are announced, and when gathering
     * on every interface, loopback candidates are left out. */
    char announce_ip[SFU_ICE_ADDR_MAX];
    /* Gather only on these addresses; none = every interface, loopback too. */
    char local_addrs[SFU_ICE_MAX_LOCAL_ADDRS][SFU_ICE_ADDR_MAX];
    size_t n_local_addrs;
} sfu_ice_config_t;

typedef struct sfu_ice_callbacks {
    /* A received non-STUN datagram (libnice answers STUN itself). */
    void (*on_datagram)(void *user, const uint8_t *buf, size_t len, int64_t now_us);
    void (*on_state)(void *user, sfu_ice_state_t state);
    /* A local candidate line to trickle to the peer (may be NULL). */
    void (*on_candidate)(void *user, const char *candidate);
    void (*on_gathering_done)(void *user);
    void *user;
} sfu_ice_callbacks_t;

typedef enum sfu_ice_candidate_type {
    SFU_ICE_CAND_HOST = 0,
    SFU_ICE_CAND_SRFLX,
    SFU_ICE_CAND_PRFLX,
    SFU_ICE_CAND_RELAY,
} sfu_ice_candidate_type_t;

/* A parsed candidate attribute (RFC 8839 §5.1). */
typedef struct sfu_ice_candidate {
    char foundation[SFU_ICE_FOUNDATION_MAX];
    unsigned component;
    int tcp; /* transport is TCP (not usable here) */
    uint32_t priority;
    char address[SFU_ICE_ADDR_MAX];
    uint16_t port;
    sfu_ice_candidate_type_t type;
    char raddr[SFU_ICE_ADDR_MAX]; /* "" when absent */
    uint16_t rport;
} sfu_ice_candidate_t;

typedef struct sfu_ice_agent sfu_ice_agent_t;

/* Fills *cfg with the SFU's defaults: lite, controlled, consent freshness on,
 * any port, every interface. */
void sfu_ice_config_defaults(sfu_ice_config_t *cfg);

/* Parses "MIN-MAX" (1 <= MIN <= MAX <= 65535) into cfg. 0 or -EINVAL. */
int sfu_ice_config_set_port_range(sfu_ice_config_t *cfg, const char *range);

/* Adds one address to gather on; -ENOSPC when full, -EINVAL if not numeric. */
int sfu_ice_config_add_local_addr(sfu_ice_config_t *cfg, const char *ip);

/*
 * Parses one candidate line ("candidate:..." or "a=candidate:...", with or
 * without a line end). Returns 0, or -EINVAL when malformed. Pure.
 */
int sfu_ice_parse_candidate(const char *line, sfu_ice_candidate_t *out);

/*
 * Creates the agent in ctx, makes local credentials and gathers host
 * candidates (synchronously for host candidates: they are available when
 * this returns, and each was also passed to cb.on_candidate). NULL when
 * libnice fails, e.g. no port free in the range.
 */
sfu_ice_agent_t *sfu_ice_agent_create(GMainContext *ctx, const sfu_ice_config_t *cfg,
                                      const sfu_ice_callbacks_t *cb);

/* Detaches every callback, then frees the agent (closing its sockets).
 * NULL is a no-op. Call on the context's thread. */
void sfu_ice_agent_destroy(sfu_ice_agent_t *a);

const char *sfu_ice_agent_local_ufrag(const sfu_ice_agent_t *a);
const char *sfu_ice_agent_local_pwd(const sfu_ice_agent_t *a);
int sfu_ice_agent_is_lite(const sfu_ice_agent_t *a);

/* Local candidate lines gathered so far (announce IP applied). */
size_t sfu_ice_agent_candidate_count(const sfu_ice_agent_t *a);
const char *sfu_ice_agent_candidate(const sfu_ice_agent_t *a, size_t i);

/* The peer's a=ice-ufrag / a=ice-pwd. -EINVAL when out of RFC bounds. */
int sfu_ice_agent_set_remote_credentials(sfu_ice_agent_t *a, const char *ufrag,
                                         const char *pwd);

/*
 * Adds one remote candidate (trickle or SDP). Returns 0 when added, -EINVAL
 * when malformed, -ENOTSUP for candidates this agent cannot use (TCP,
 * component 2, mDNS ".local" names: an ICE-lite server learns the browser's
 * address from its checks anyway), -EIO if libnice refuses it.
 */
int sfu_ice_agent_add_remote_candidate(sfu_ice_agent_t *a, const char *line);

/* The peer signalled end-of-candidates: lets a full agent conclude FAILED. */
int sfu_ice_agent_remote_gathering_done(sfu_ice_agent_t *a);

/* Sends one datagram on the selected pair: 0, -ENOTCONN when no pair is
 * selected yet, or -EIO. */
int sfu_ice_agent_send(sfu_ice_agent_t *a, const uint8_t *buf, size_t len);

sfu_ice_state_t sfu_ice_agent_state(const sfu_ice_agent_t *a);
const char *sfu_ice_state_name(sfu_ice_state_t state);

#endif
