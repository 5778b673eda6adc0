/*
 * The ICE adapter: candidate-line parsing (RFC 8839 §5.1), configuration
 * helpers, and a live libnice agent on 127.0.0.1 (credentials, the port
 * range, announce-IP rewriting). No connectivity checks are sent here.
 */
#include <errno.h>

#include "sfu/ice_agent.h"
#include "test.h"

/* ---- parsing ------------------------------------------------------------------ */

TEST(parses_browser_candidates)
{
    sfu_ice_candidate_t c;
    /* Chromium server-reflexive with its extension attributes */
    ASSERT_EQ(sfu_ice_parse_candidate(
                  "candidate:842163049 1 udp 1677729535 192.0.2.10 54321 typ srflx raddr "
                  "10.0.0.5 rport 50000 generation 0 ufrag EsAw network-id 1 network-cost 10",
                  &c), 0);
    ASSERT_STR_EQ(c.foundation, "842163049");
    ASSERT_EQ(c.component, 1);
    ASSERT_EQ(c.tcp, 0);
    ASSERT_EQ(c.priority, 1677729535u);
    ASSERT_STR_EQ(c.address, "192.0.2.10");
    ASSERT_EQ(c.port, 54321);
    ASSERT_EQ(c.type, SFU_ICE_CAND_SRFLX);
    ASSERT_STR_EQ(c.raddr, "10.0.0.5");
    ASSERT_EQ(c.rport, 50000);
    /* SDP form with a=, upper-case UDP (Firefox) and a line end */
    ASSERT_EQ(sfu_ice_parse_candidate("a=candidate:0 1 UDP 2122252543 198.51.100.7 49203 typ host\r\n", &c), 0);
    ASSERT_EQ(c.priority, 2122252543u);
    ASSERT_EQ(c.type, SFU_ICE_CAND_HOST);
    ASSERT_STR_EQ(c.raddr, "");
    /* IPv6 relay */
    ASSERT_EQ(sfu_ice_parse_candidate("candidate:3 1 udp 16777215 2001:db8::1 3478 typ relay raddr 2001:db8::2 rport 1", &c), 0);
    ASSERT_STR_EQ(c.address, "2001:db8::1");
    ASSERT_EQ(c.type, SFU_ICE_CAND_RELAY);
    /* TCP and mDNS parse; the agent declines them later */
    ASSERT_EQ(sfu_ice_parse_candidate("candidate:4 1 tcp 1518280447 192.0.2.1 9 typ host tcptype active", &c), 0);
    ASSERT_EQ(c.tcp, 1);
    ASSERT_EQ(sfu_ice_parse_candidate("candidate:5 1 udp 2122262783 4a6d2b1e-1f9a-4c6e-9c3d-2f1e0a9b8c7d.local 54400 typ host generation 0", &c), 0);
    ASSERT_STR_EQ(c.address, "4a6d2b1e-1f9a-4c6e-9c3d-2f1e0a9b8c7d.local");
    ASSERT_EQ(sfu_ice_parse_candidate("candidate:6 2 udp 1 192.0.2.1 1 typ prflx", &c), 0);
    ASSERT_EQ(c.component, 2);
    ASSERT_EQ(c.type, SFU_ICE_CAND_PRFLX);
}

TEST(rejects_malformed_candidates)
{
    /* one row per rule */
    static const char *const bad[] = {
        "",                                                      /* empty */
        "candidate:",                                            /* nothing after the prefix */
        "1 1 udp 1 192.0.2.1 1 typ host",                        /* no "candidate:" */
        "candidate:1 1 udp 1 192.0.2.1 1",                       /* no typ */
        "candidate:1 1 udp 1 192.0.2.1 1 type host",             /* "type" is not "typ" */
        "candidate:1 1 udp 1 192.0.2.1 1 typ nat",               /* unknown type */
        "candidate:1 0 udp 1 192.0.2.1 1 typ host",              /* component 0 */
        "candidate:1 257 udp 1 192.0.2.1 1 typ host",            /* component > 256 */
        "candidate:1 1 sctp 1 192.0.2.1 1 typ host",             /* unknown transport */
        "candidate:1 1 udp x 192.0.2.1 1 typ host",              /* priority not a number */
        "candidate:1 1 udp 4294967296 192.0.2.1 1 typ host",     /* priority > 2^32-1 */
        "candidate:1 1 udp -1 192.0.2.1 1 typ host",             /* negative priority */
        "candidate:1 1 udp 1 192.0.2.1 65536 typ host",          /* port > 65535 */
        "candidate:1 1 udp 1 192.0.2.1 1 typ host generation",   /* name without value */
        "candidate:1 1 udp 1 192.0.2.1 1 typ host rport 99999",  /* bad rport */
        "candidate:123456789012345678901234567890123 1 udp 1 192.0.2.1 1 typ host", /* foundation 33 */
    };
    sfu_ice_candidate_t c;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (sfu_ice_parse_candidate(bad[i], &c) != -EINVAL)
            fprintf(stderr, "accepted: %s\n", bad[i]);
        ASSERT_EQ(sfu_ice_parse_candidate(bad[i], &c), -EINVAL);
    }
    ASSERT_EQ(sfu_ice_parse_candidate(NULL, &c), -EINVAL);
}

/* ---- configuration ---------------------------------------------------------------- */

TEST(port_ranges)
{
    sfu_ice_config_t cfg;
    sfu_ice_config_defaults(&cfg);
    ASSERT_EQ(cfg.full_mode, 0);
    ASSERT_EQ(cfg.controlling, 0);
    ASSERT_EQ(cfg.consent_freshness, 1);
    ASSERT_EQ(sfu_ice_config_set_port_range(&cfg, "40000-49999"), 0);
    ASSERT_EQ(cfg.port_min, 40000);
    ASSERT_EQ(cfg.port_max, 49999);
    ASSERT_EQ(sfu_ice_config_set_port_range(&cfg, "5000-5000"), 0);
    static const char *const bad[] = {"", "5000", "5000-", "-5000", "2000-1000", "0-10",
                                      "1-65536", "a-b", "10-20x", "10 - 20"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ASSERT_EQ(sfu_ice_config_set_port_range(&cfg, bad[i]), -EINVAL);
    ASSERT_EQ(cfg.port_min, 5000); /* unchanged by the failures */
}

TEST(local_addresses)
{
    sfu_ice_config_t cfg;
    sfu_ice_config_defaults(&cfg);
    ASSERT_EQ(sfu_ice_config_add_local_addr(&cfg, "localhost"), -EINVAL);
    ASSERT_EQ(sfu_ice_config_add_local_addr(&cfg, "::1"), 0);
    for (int i = 1; i < SFU_ICE_MAX_LOCAL_ADDRS; i++)
        ASSERT_EQ(sfu_ice_config_add_local_addr(&cfg, "127.0.0.1"), 0);
    ASSERT_EQ(sfu_ice_config_add_local_addr(&cfg, "127.0.0.1"), -ENOSPC);
}

/* ---- a live agent on loopback ----------------------------------------------------- */

typedef struct {
    int candidates;
    int datagrams;
} counters_t;

static void on_datagram(void *user, const uint8_t *buf, size_t len, int64_t now_us)
{
    ((counters_t *)user)->datagrams++;
}

static void on_candidate(void *user, const char *line)
{
    ((counters_t *)user)->candidates++;
}

static sfu_ice_agent_t *loopback_agent(GMainContext *ctx, const char *ports, const char *announce,
                                       counters_t *counters)
{
    sfu_ice_config_t cfg;
    sfu_ice_config_defaults(&cfg);
    sfu_ice_config_add_local_addr(&cfg, "127.0.0.1");
    if (ports)
        sfu_ice_config_set_port_range(&cfg, ports);
    if (announce)
        snprintf(cfg.announce_ip, sizeof cfg.announce_ip, "%s", announce);
    sfu_ice_callbacks_t cb = {on_datagram, NULL, on_candidate, NULL, counters};
    return sfu_ice_agent_create(ctx, &cfg, &cb);
}

TEST(agent_gathers_on_loopback)
{
    GMainContext *ctx = g_main_context_new();
    counters_t n = {0, 0};
    sfu_ice_agent_t *a = loopback_agent(ctx, "42000-42099", NULL, &n);
    ASSERT_TRUE(a != NULL);
    ASSERT_EQ(sfu_ice_agent_is_lite(a), 1);
    ASSERT_TRUE(strlen(sfu_ice_agent_local_ufrag(a)) >= 4);
    ASSERT_TRUE(strlen(sfu_ice_agent_local_pwd(a)) >= 22);
    ASSERT_EQ(sfu_ice_agent_candidate_count(a), 1);
    ASSERT_EQ(n.candidates, 1); /* trickled as well */
    sfu_ice_candidate_t c;
    ASSERT_EQ(sfu_ice_parse_candidate(sfu_ice_agent_candidate(a, 0), &c), 0);
    ASSERT_STR_EQ(c.address, "127.0.0.1");
    ASSERT_TRUE(c.port >= 42000 && c.port <= 42099);
    ASSERT_EQ(c.type, SFU_ICE_CAND_HOST);
    ASSERT_TRUE(sfu_ice_agent_candidate(a, 1) == NULL);
    ASSERT_EQ(sfu_ice_agent_state(a), SFU_ICE_NEW);

    const uint8_t x[4] = {1, 2, 3, 4};
    ASSERT_EQ(sfu_ice_agent_send(a, x, sizeof x), -ENOTCONN); /* no pair yet */
    ASSERT_EQ(sfu_ice_agent_set_remote_credentials(a, "abc", "0123456789012345678901"), -EINVAL);
    ASSERT_EQ(sfu_ice_agent_set_remote_credentials(a, "abcd", "012345678901234567890"), -EINVAL);
    ASSERT_EQ(sfu_ice_agent_set_remote_credentials(a, "ab=d", "0123456789012345678901"), -EINVAL);
    ASSERT_EQ(sfu_ice_agent_set_remote_credentials(a, "ab+d", "01234567890123456789/1"), 0);
    /* loopback port 9 (discard): any check libnice sends stays on this host */
    ASSERT_EQ(sfu_ice_agent_add_remote_candidate(a, "candidate:1 1 udp 2130706431 127.0.0.1 9 typ host"), 0);
    ASSERT_EQ(sfu_ice_agent_add_remote_candidate(a, "candidate:1 2 udp 2130706431 127.0.0.1 9 typ host"), -ENOTSUP);
    ASSERT_EQ(sfu_ice_agent_add_remote_candidate(a, "candidate:1 1 tcp 2130706431 127.0.0.1 9 typ host"), -ENOTSUP);
    ASSERT_EQ(sfu_ice_agent_add_remote_candidate(a, "candidate:x"), -EINVAL);
    sfu_ice_agent_destroy(a);
    sfu_ice_agent_destroy(NULL);
    while (g_main_context_iteration(ctx, FALSE))
        ;
    g_main_context_unref(ctx);
}

TEST(announce_ip_replaces_address)
{
    GMainContext *ctx = g_main_context_new();
    counters_t n = {0, 0};
    sfu_ice_agent_t *a = loopback_agent(ctx, NULL, "203.0.113.5", &n);
    ASSERT_TRUE(a != NULL);
    ASSERT_EQ(sfu_ice_agent_candidate_count(a), 1);
    sfu_ice_candidate_t c;
    ASSERT_EQ(sfu_ice_parse_candidate(sfu_ice_agent_candidate(a, 0), &c), 0);
    ASSERT_STR_EQ(c.address, "203.0.113.5");
    ASSERT_TRUE(c.port != 0);
    sfu_ice_agent_destroy(a);

    /* an IPv6 announce address does not stand in for an IPv4 socket */
    sfu_ice_agent_t *b = loopback_agent(ctx, NULL, "2001:db8::5", &n);
    ASSERT_TRUE(b != NULL);
    ASSERT_EQ(sfu_ice_agent_candidate_count(b), 0);
    sfu_ice_agent_destroy(b);
    while (g_main_context_iteration(ctx, FALSE))
        ;
    g_main_context_unref(ctx);
}

TEST(port_range_is_honoured_and_can_run_out)
{
    GMainContext *ctx = g_main_context_new();
    counters_t n = {0, 0};
    sfu_ice_agent_t *a = loopback_agent(ctx, "42500-42599", NULL, &n);
    ASSERT_TRUE(a != NULL);
    sfu_ice_candidate_t c;
    ASSERT_EQ(sfu_ice_parse_candidate(sfu_ice_agent_candidate(a, 0), &c), 0);
    ASSERT_TRUE(c.port >= 42500 && c.port <= 42599);
    /* a range of just the port a holds: a second agent cannot gather */
    char range[32];
    snprintf(range, sizeof range, "%u-%u", c.port, c.port);
    sfu_ice_agent_t *b = loopback_agent(ctx, range, NULL, &n);
    ASSERT_TRUE(b == NULL);
    sfu_ice_agent_destroy(b);
    sfu_ice_agent_destroy(a);
    while (g_main_context_iteration(ctx, FALSE))
        ;
    g_main_context_unref(ctx);
}

int main(void)
{
    RUN(parses_browser_candidates);
    RUN(rejects_malformed_candidates);
    RUN(port_ranges);
    RUN(local_addresses);
    RUN(agent_gathers_on_loopback);
    RUN(announce_ip_replaces_address);
    RUN(port_range_is_honoured_and_can_run_out);
    return TEST_REPORT();
}
