#include "sfu/ice_agent.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <time.h>

#include <linux/sockios.h>

#include <nice/agent.h>
#include <nice/interfaces.h>

#include "sfu/log.h"

#define COMPONENT 1 /* rtcp-mux: RTP and RTCP share component 1 */

struct sfu_ice_agent {
    NiceAgent *agent;
    GMainContext *ctx;
    guint stream_id;
    sfu_ice_config_t cfg;
    sfu_ice_callbacks_t cb;
    sfu_ice_state_t state;
    char ufrag[SFU_ICE_UFRAG_MAX];
    char pwd[SFU_ICE_PWD_MAX];
    char candidates[SFU_ICE_MAX_CANDIDATES][SFU_ICE_CANDIDATE_MAX];
    size_t n_candidates;
    int rx_fd;                 /* the selected pair's socket; -1: look it up */
    struct timespec last_stamp;
};

/* ---- configuration ------------------------------------------------------- */

void sfu_ice_config_defaults(sfu_ice_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->controlling = 0;
    cfg->full_mode = 0;
    cfg->consent_freshness = 1;
}

static int is_numeric_ip(const char *s)
{
    unsigned char tmp[sizeof(struct in6_addr)];
    return s != NULL && (inet_pton(AF_INET, s, tmp) == 1 || inet_pton(AF_INET6, s, tmp) == 1);
}

int sfu_ice_config_set_port_range(sfu_ice_config_t *cfg, const char *range)
{
    unsigned long lo, hi;
    char *end;

    if (range == NULL)
        return -EINVAL;
    lo = strtoul(range, &end, 10);
    if (end == range || *end != '-')
        return -EINVAL;
    const char *p = end + 1;
    hi = strtoul(p, &end, 10);
    if (end == p || *end != '\0' || lo < 1 || hi > 65535 || lo > hi)
        return -EINVAL;
    cfg->port_min = (uint16_t)lo;
    cfg->port_max = (uint16_t)hi;
    return 0;
}

int sfu_ice_config_add_local_addr(sfu_ice_config_t *cfg, const char *ip)
{
    if (!is_numeric_ip(ip) || strlen(ip) >= SFU_ICE_ADDR_MAX)
        return -EINVAL;
    if (cfg->n_local_addrs >= SFU_ICE_MAX_LOCAL_ADDRS)
        return -ENOSPC;
    snprintf(cfg->local_addrs[cfg->n_local_addrs++], SFU_ICE_ADDR_MAX, "%s", ip);
    return 0;
}

/* ---- candidate lines (RFC 8839 §5.1) --------------------------------------- */

/* Copies the next space-separated token of *s into out; 0 or -EINVAL. */
static int next_token(const char **s, char *out, size_t cap)
{
    const char *p = *s;
    size_t n = 0;
    while (*p == ' ')
        p++;
    while (p[n] != '\0' && p[n] != ' ' && p[n] != '\r' && p[n] != '\n')
        n++;
    if (n == 0 || n >= cap)
        return -EINVAL;
    memcpy(out, p, n);
    out[n] = '\0';
    *s = p + n;
    return 0;
}

static int parse_uint(const char *tok, unsigned long max, unsigned long *out)
{
    char *end;
    if (tok[0] < '0' || tok[0] > '9')
        return -EINVAL;
    errno = 0;
    unsigned long v = strtoul(tok, &end, 10);
    if (*end != '\0' || errno != 0 || v > max)
        return -EINVAL;
    *out = v;
    return 0;
}

static int parse_type(const char *tok, sfu_ice_candidate_type_t *out)
{
    static const char *const names[] = {"host", "srflx", "prflx", "relay"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(tok, names[i]) == 0) {
            *out = (sfu_ice_candidate_type_t)i;
            return 0;
        }
    }
    return -EINVAL;
}

/* foundation component transport priority address port */
static int parse_fixed_fields(const char **s, sfu_ice_candidate_t *c)
{
    char tok[SFU_ICE_ADDR_MAX];
    unsigned long v;

    if (next_token(s, c->foundation, sizeof c->foundation) != 0)
        return -EINVAL;
    if (next_token(s, tok, sizeof tok) != 0 || parse_uint(tok, 256, &v) != 0 || v < 1)
        return -EINVAL;
    c->component = (unsigned)v;
    if (next_token(s, tok, sizeof tok) != 0)
        return -EINVAL;
    if (strcasecmp(tok, "udp") == 0)
        c->tcp = 0;
    else if (strcasecmp(tok, "tcp") == 0)
        c->tcp = 1;
    else
        return -EINVAL;
    if (next_token(s, tok, sizeof tok) != 0 || parse_uint(tok, UINT32_MAX, &v) != 0)
        return -EINVAL;
    c->priority = (uint32_t)v;
    if (next_token(s, c->address, sizeof c->address) != 0)
        return -EINVAL;
    if (next_token(s, tok, sizeof tok) != 0 || parse_uint(tok, 65535, &v) != 0)
        return -EINVAL;
    c->port = (uint16_t)v;
    return 0;
}

/* "typ" type, then extension name/value pairs, of which raddr/rport matter. */
static int parse_attributes(const char *s, sfu_ice_candidate_t *c)
{
    char name[SFU_ICE_ADDR_MAX], value[SFU_ICE_CANDIDATE_MAX];
    unsigned long v;

    if (next_token(&s, name, sizeof name) != 0 || strcmp(name, "typ") != 0 ||
        next_token(&s, value, sizeof value) != 0 || parse_type(value, &c->type) != 0)
        return -EINVAL;
    while (next_token(&s, name, sizeof name) == 0) {
        if (next_token(&s, value, sizeof value) != 0)
            return -EINVAL; /* a name without a value */
        if (strcmp(name, "raddr") == 0) {
            size_t n = strlen(value);
            if (n >= sizeof c->raddr)
                return -EINVAL;
            memcpy(c->raddr, value, n + 1);
        } else if (strcmp(name, "rport") == 0) {
            if (parse_uint(value, 65535, &v) != 0)
                return -EINVAL;
            c->rport = (uint16_t)v;
        }
    }
    while (*s == ' ')
        s++;
    return (*s == '\0' || *s == '\r' || *s == '\n') ? 0 : -EINVAL;
}

int sfu_ice_parse_candidate(const char *line, sfu_ice_candidate_t *out)
{
    if (line == NULL || out == NULL)
        return -EINVAL;
    memset(out, 0, sizeof *out);
    if (strncmp(line, "a=", 2) == 0)
        line += 2;
    if (strncmp(line, "candidate:", 10) != 0)
        return -EINVAL;
    const char *s = line + 10;
    if (parse_fixed_fields(&s, out) != 0 || parse_attributes(s, out) != 0)
        return -EINVAL;
    return 0;
}

/* ---- libnice callbacks: a few lines each, forwarding to our handlers ------ */

static void handle_nice_state(sfu_ice_agent_t *a, guint nice_state);
static void handle_local_candidate(sfu_ice_agent_t *a, NiceCandidate *c);

/*
 * When the datagram libnice just read reached the socket, on the monotonic
 * clock. Congestion control (transport-wide-cc feedback) needs the arrival
 * time, not the time this thread got round to it: on a loaded host a worker
 * descheduled for 50 ms would otherwise report a burst of packets arriving
 * at once, which the sender reads as a queue building up. libnice reads one
 * datagram and calls us before reading the next, so SIOCGSTAMPNS (the
 * kernel's receive time of the last datagram read from the socket) is this
 * one's; the first call turns stamping on. Media flows on the selected
 * pair's socket; a stamp that is missing, repeated (the datagram came on
 * another socket), in the future or over a second old falls back to now.
 */
static int64_t arrival_time(sfu_ice_agent_t *a)
{
    int64_t now = g_get_monotonic_time();
    struct timespec ts, real;
    if (a->rx_fd < 0) {
        GSocket *s = nice_agent_get_selected_socket(a->agent, a->stream_id, COMPONENT);
        if (s == NULL)
            return now;
        a->rx_fd = g_socket_get_fd(s);
        g_object_unref(s);
    }
    if (ioctl(a->rx_fd, SIOCGSTAMPNS, &ts) != 0 ||
        (ts.tv_sec == a->last_stamp.tv_sec && ts.tv_nsec == a->last_stamp.tv_nsec) ||
        clock_gettime(CLOCK_REALTIME, &real) != 0)
        return now;
    a->last_stamp = ts;
    int64_t age = (int64_t)(real.tv_sec - ts.tv_sec) * 1000000 + (real.tv_nsec - ts.tv_nsec) / 1000;
    return age >= 0 && age < 1000000 ? now - age : now;
}

static void nice_recv_cb(NiceAgent *agent, guint stream_id, guint component_id, guint len,
                         gchar *buf, gpointer data)
{
    sfu_ice_agent_t *a = data;
    a->cb.on_datagram(a->cb.user, (const uint8_t *)buf, len, arrival_time(a));
}

static void nice_selected_pair_cb(NiceAgent *agent, guint stream_id, guint component_id,
                                  NiceCandidate *local, NiceCandidate *remote, gpointer data)
{
    ((sfu_ice_agent_t *)data)->rx_fd = -1; /* maybe another local socket now */
}

static void nice_state_cb(NiceAgent *agent, guint stream_id, guint component_id,
                          guint state, gpointer data)
{
    handle_nice_state(data, state);
}

static void nice_candidate_cb(NiceAgent *agent, NiceCandidate *candidate, gpointer data)
{
    handle_local_candidate(data, candidate);
}

static void nice_gathering_done_cb(NiceAgent *agent, guint stream_id, gpointer data)
{
    sfu_ice_agent_t *a = data;
    if (a->cb.on_gathering_done)
        a->cb.on_gathering_done(a->cb.user);
}

/* ---- handlers ------------------------------------------------------------------ */

static void handle_nice_state(sfu_ice_agent_t *a, guint nice_state)
{
    sfu_ice_state_t st;
    switch (nice_state) {
    case NICE_COMPONENT_STATE_CONNECTING: st = SFU_ICE_CHECKING; break;
    case NICE_COMPONENT_STATE_CONNECTED:
    case NICE_COMPONENT_STATE_READY: st = SFU_ICE_CONNECTED; break;
    case NICE_COMPONENT_STATE_FAILED: st = SFU_ICE_FAILED; break;
    default: return; /* disconnected/gathering: nothing to report */
    }
    if (st == a->state)
        return;
    a->state = st;
    LOG_DEBUG("ice %p: %s (libnice %s)", (void *)a, sfu_ice_state_name(st),
              nice_component_state_to_string(nice_state));
    if (a->cb.on_state)
        a->cb.on_state(a->cb.user, st);
}

static int is_loopback_string(const char *ip)
{
    return strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0;
}

/* Which address to announce for a local candidate; NULL = do not announce. */
static const char *announced_address(const sfu_ice_agent_t *a, const NiceAddress *addr,
                                     char *buf)
{
    nice_address_to_string(addr, buf);
    if (a->cfg.announce_ip[0] == '\0')
        return buf;
    /* Gathering on every interface, loopback is unreachable from outside the
     * host or container; addresses the operator listed are announced. */
    if (a->cfg.n_local_addrs == 0 && is_loopback_string(buf))
        return NULL;
    int announce_v6 = strchr(a->cfg.announce_ip, ':') != NULL;
    if (announce_v6 != (nice_address_ip_version(addr) == 6))
        return NULL;
    return a->cfg.announce_ip;
}

static void handle_local_candidate(sfu_ice_agent_t *a, NiceCandidate *c)
{
    char ip[NICE_ADDRESS_STRING_LEN];
    const char *shown;

    if (c->component_id != COMPONENT || c->transport != NICE_CANDIDATE_TRANSPORT_UDP ||
        c->type != NICE_CANDIDATE_TYPE_HOST || a->n_candidates >= SFU_ICE_MAX_CANDIDATES)
        return;
    shown = announced_address(a, &c->addr, ip);
    if (shown == NULL)
        return;
    char *line = a->candidates[a->n_candidates];
    snprintf(line, SFU_ICE_CANDIDATE_MAX, "candidate:%s %u udp %u %s %u typ host",
             c->foundation, COMPONENT, c->priority, shown, nice_address_get_port(&c->addr));
    a->n_candidates++;
    if (a->cb.on_candidate)
        a->cb.on_candidate(a->cb.user, line);
}

/* ---- lifecycle ------------------------------------------------------------------ */

static NiceAgent *make_nice_agent(GMainContext *ctx, const sfu_ice_config_t *cfg)
{
    /* Trickle: local candidates are signalled as found, and a full agent does
     * not give up before the peer's end-of-candidates. */
    NiceAgentOption opts = NICE_AGENT_OPTION_ICE_TRICKLE;
    if (!cfg->full_mode)
        opts |= NICE_AGENT_OPTION_LITE_MODE;
    if (cfg->consent_freshness)
        opts |= NICE_AGENT_OPTION_CONSENT_FRESHNESS;
    NiceAgent *agent = nice_agent_new_full(ctx, NICE_COMPATIBILITY_RFC5245, opts);
    if (agent == NULL)
        return NULL;
    g_object_set(agent, "controlling-mode", cfg->controlling ? TRUE : FALSE, "ice-tcp", FALSE,
                 "ice-udp", TRUE, NULL);
    /* Debian's libnice is built with UPnP-IGD, on by default: it would
     * multicast SSDP searches and open router ports. Never wanted here. */
    if (g_object_class_find_property(G_OBJECT_GET_CLASS(agent), "upnp") != NULL)
        g_object_set(agent, "upnp", FALSE, NULL);
    return agent;
}

static int is_link_local_string(const char *ip)
{
    return strncasecmp(ip, "fe80:", 5) == 0 || strncmp(ip, "169.254.", 8) == 0;
}

/* Adds the configured addresses, or every interface's (loopback included,
 * IPv6 link-local excluded: it needs a scope the SDP cannot carry). */
static int add_local_addresses(sfu_ice_agent_t *a)
{
    int added = 0;
    NiceAddress addr;

    if (a->cfg.n_local_addrs > 0) {
        for (size_t i = 0; i < a->cfg.n_local_addrs; i++) {
            nice_address_init(&addr);
            if (nice_address_set_from_string(&addr, a->cfg.local_addrs[i]) &&
                nice_agent_add_local_address(a->agent, &addr))
                added++;
        }
        return added > 0 ? 0 : -1;
    }
    GList *ips = nice_interfaces_get_local_ips(TRUE);
    for (GList *l = ips; l != NULL; l = l->next) {
        nice_address_init(&addr);
        if (!is_link_local_string(l->data) && nice_address_set_from_string(&addr, l->data) &&
            nice_agent_add_local_address(a->agent, &addr))
            added++;
    }
    g_list_free_full(ips, g_free);
    return added > 0 ? 0 : -1;
}

static int copy_local_credentials(sfu_ice_agent_t *a)
{
    gchar *ufrag = NULL, *pwd = NULL;
    int ok = nice_agent_get_local_credentials(a->agent, a->stream_id, &ufrag, &pwd) &&
             ufrag && pwd;
    if (ok) {
        snprintf(a->ufrag, sizeof a->ufrag, "%s", ufrag);
        snprintf(a->pwd, sizeof a->pwd, "%s", pwd);
    }
    g_free(ufrag);
    g_free(pwd);
    return ok ? 0 : -1;
}

static void connect_signals(sfu_ice_agent_t *a)
{
    g_signal_connect(a->agent, "component-state-changed", G_CALLBACK(nice_state_cb), a);
    g_signal_connect(a->agent, "new-candidate-full", G_CALLBACK(nice_candidate_cb), a);
    g_signal_connect(a->agent, "candidate-gathering-done", G_CALLBACK(nice_gathering_done_cb), a);
    g_signal_connect(a->agent, "new-selected-pair-full", G_CALLBACK(nice_selected_pair_cb), a);
}

static int start_stream(sfu_ice_agent_t *a)
{
    if (add_local_addresses(a) != 0)
        return -1;
    a->stream_id = nice_agent_add_stream(a->agent, 1);
    if (a->stream_id == 0)
        return -1;
    if (a->cfg.port_min != 0)
        nice_agent_set_port_range(a->agent, a->stream_id, COMPONENT, a->cfg.port_min,
                                  a->cfg.port_max);
    if (!nice_agent_attach_recv(a->agent, a->stream_id, COMPONENT, a->ctx, nice_recv_cb, a))
        return -1;
    if (copy_local_credentials(a) != 0)
        return -1;
    return nice_agent_gather_candidates(a->agent, a->stream_id) ? 0 : -1;
}

sfu_ice_agent_t *sfu_ice_agent_create(GMainContext *ctx, const sfu_ice_config_t *cfg,
                                      const sfu_ice_callbacks_t *cb)
{
    if (ctx == NULL || cfg == NULL || cb == NULL || cb->on_datagram == NULL)
        return NULL;
    sfu_ice_agent_t *a = calloc(1, sizeof *a);
    if (a == NULL)
        return NULL;
    a->cfg = *cfg;
    a->cb = *cb;
    a->rx_fd = -1;
    a->ctx = g_main_context_ref(ctx);
    a->agent = make_nice_agent(ctx, cfg);
    if (a->agent == NULL)
        goto fail;
    connect_signals(a);
    if (start_stream(a) != 0)
        goto fail;
    return a;
fail:
    sfu_ice_agent_destroy(a);
    return NULL;
}

void sfu_ice_agent_destroy(sfu_ice_agent_t *a)
{
    if (a == NULL)
        return;
    if (a->agent != NULL) {
        g_signal_handlers_disconnect_by_data(a->agent, a);
        if (a->stream_id != 0)
            nice_agent_attach_recv(a->agent, a->stream_id, COMPONENT, a->ctx, NULL, NULL);
        g_object_unref(a->agent);
    }
    g_main_context_unref(a->ctx);
    free(a);
}

/* ---- operations ------------------------------------------------------------------ */

const char *sfu_ice_agent_local_ufrag(const sfu_ice_agent_t *a)
{
    return a->ufrag;
}

const char *sfu_ice_agent_local_pwd(const sfu_ice_agent_t *a)
{
    return a->pwd;
}

int sfu_ice_agent_is_lite(const sfu_ice_agent_t *a)
{
    return !a->cfg.full_mode;
}

size_t sfu_ice_agent_candidate_count(const sfu_ice_agent_t *a)
{
    return a->n_candidates;
}

const char *sfu_ice_agent_candidate(const sfu_ice_agent_t *a, size_t i)
{
    return i < a->n_candidates ? a->candidates[i] : NULL;
}

/* RFC 8839 §5.4: ice-char = ALPHA / DIGIT / "+" / "/", with length bounds. */
static int valid_ice_chars(const char *s, size_t min, size_t max)
{
    size_t n = 0;
    if (s == NULL)
        return 0;
    for (; s[n] != '\0'; n++) {
        char c = s[n];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '+' || c == '/';
        if (!ok || n >= max)
            return 0;
    }
    return n >= min;
}

int sfu_ice_agent_set_remote_credentials(sfu_ice_agent_t *a, const char *ufrag, const char *pwd)
{
    if (!valid_ice_chars(ufrag, 4, 256) || !valid_ice_chars(pwd, 22, 256))
        return -EINVAL;
    return nice_agent_set_remote_credentials(a->agent, a->stream_id, ufrag, pwd) ? 0 : -EIO;
}

static NiceCandidateType nice_type(sfu_ice_candidate_type_t t)
{
    switch (t) {
    case SFU_ICE_CAND_SRFLX: return NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE;
    case SFU_ICE_CAND_PRFLX: return NICE_CANDIDATE_TYPE_PEER_REFLEXIVE;
    case SFU_ICE_CAND_RELAY: return NICE_CANDIDATE_TYPE_RELAYED;
    default: return NICE_CANDIDATE_TYPE_HOST;
    }
}

static NiceCandidate *to_nice_candidate(const sfu_ice_agent_t *a, const sfu_ice_candidate_t *p)
{
    NiceCandidate *c = nice_candidate_new(nice_type(p->type));
    c->stream_id = a->stream_id;
    c->component_id = COMPONENT;
    c->transport = NICE_CANDIDATE_TRANSPORT_UDP;
    c->priority = p->priority;
    g_strlcpy(c->foundation, p->foundation, sizeof c->foundation);
    if (!nice_address_set_from_string(&c->addr, p->address)) {
        nice_candidate_free(c);
        return NULL;
    }
    nice_address_set_port(&c->addr, p->port);
    if (p->raddr[0] != '\0' && is_numeric_ip(p->raddr) &&
        nice_address_set_from_string(&c->base_addr, p->raddr))
        nice_address_set_port(&c->base_addr, p->rport);
    return c;
}

int sfu_ice_agent_add_remote_candidate(sfu_ice_agent_t *a, const char *line)
{
    sfu_ice_candidate_t p;
    if (sfu_ice_parse_candidate(line, &p) != 0)
        return -EINVAL;
    if (p.tcp || p.component != COMPONENT || !is_numeric_ip(p.address))
        return -ENOTSUP;
    NiceCandidate *c = to_nice_candidate(a, &p);
    if (c == NULL)
        return -EINVAL;
    GSList *list = g_slist_append(NULL, c);
    int added = nice_agent_set_remote_candidates(a->agent, a->stream_id, COMPONENT, list);
    g_slist_free(list);
    nice_candidate_free(c);
    return added >= 1 ? 0 : -EIO;
}

int sfu_ice_agent_remote_gathering_done(sfu_ice_agent_t *a)
{
    return nice_agent_peer_candidate_gathering_done(a->agent, a->stream_id) ? 0 : -EIO;
}

/* Tried even before our side reports CONNECTED: a lite agent may get the
 * browser's first DTLS flight a moment before its own triggered check
 * completes, and libnice sends as soon as it has a selected pair. */
int sfu_ice_agent_send(sfu_ice_agent_t *a, const uint8_t *buf, size_t len)
{
    if (buf == NULL || len == 0 || len > G_MAXUINT)
        return -EINVAL;
    gint n = nice_agent_send(a->agent, a->stream_id, COMPONENT, (guint)len, (const gchar *)buf);
    if (n == (gint)len)
        return 0;
    return a->state == SFU_ICE_CONNECTED ? -EIO : -ENOTCONN;
}

sfu_ice_state_t sfu_ice_agent_state(const sfu_ice_agent_t *a)
{
    return a->state;
}

const char *sfu_ice_state_name(sfu_ice_state_t state)
{
    switch (state) {
    case SFU_ICE_NEW: return "new";
    case SFU_ICE_CHECKING: return "checking";
    case SFU_ICE_CONNECTED: return "connected";
    case SFU_ICE_FAILED: return "failed";
    default: return "?";
    }
}
