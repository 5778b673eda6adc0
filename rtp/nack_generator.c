/*
 * Upstream NACK generation. See nack_generator.h.
 *
 * Seqs are extended to int64 relative to the newest one seen, so the gap
 * list stays sorted across 65535 -> 0 wraps. The list is a plain sorted
 * array: gaps are appended in order, recovered ones removed by binary search.
 */
#include "rtp/nack_generator.h"

#include <stdlib.h>
#include <string.h>

#include "rtp/rtp_packet.h"

typedef struct missing {
    int64_t seq;             /* extended */
    int64_t detected_at;
    int64_t sent_at;         /* valid once retries > 0 */
    unsigned retries;
} missing_t;

struct rtp_nack_generator {
    rtp_nack_generator_config_t cfg;
    int started;
    int64_t highest;         /* extended seq of the newest packet */
    missing_t *list;         /* sorted by seq, cfg.max_missing entries */
    size_t count;
    int probing;
    uint16_t probe_seq;
    uint64_t given_up;
};

void rtp_nack_generator_default_config(rtp_nack_generator_config_t *cfg)
{
    cfg->max_missing = 512;
    cfg->max_retries = 10;
    cfg->first_delay_us = 10000;
    cfg->retry_interval_us = 40000;
    cfg->max_age_us = 1000000;
}

rtp_nack_generator_t *rtp_nack_generator_create(const rtp_nack_generator_config_t *cfg)
{
    rtp_nack_generator_config_t def;
    if (!cfg) {
        rtp_nack_generator_default_config(&def);
        cfg = &def;
    }
    if (cfg->max_missing == 0 || cfg->max_missing > 0x7fff || cfg->max_retries == 0 ||
        cfg->first_delay_us < 0 || cfg->retry_interval_us < 0 || cfg->max_age_us <= 0)
        return NULL;
    rtp_nack_generator_t *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->cfg = *cfg;
    g->list = calloc(cfg->max_missing, sizeof *g->list);
    if (!g->list) {
        free(g);
        return NULL;
    }
    return g;
}

void rtp_nack_generator_destroy(rtp_nack_generator_t *g)
{
    if (!g)
        return;
    free(g->list);
    free(g);
}

static void reset(rtp_nack_generator_t *g, int64_t highest)
{
    g->given_up += g->count;
    g->count = 0;
    g->highest = highest;
    g->probing = 0;
}

/* Drops the oldest gaps so n more fit. Returns 1 if any had to go. */
static int make_room(rtp_nack_generator_t *g, size_t n)
{
    if (g->count + n <= g->cfg.max_missing)
        return 0;
    size_t drop = g->count + n - g->cfg.max_missing;
    if (drop > g->count)
        drop = g->count;
    memmove(g->list, g->list + drop, (g->count - drop) * sizeof *g->list);
    g->count -= drop;
    g->given_up += drop;
    return 1;
}

static void add_missing(rtp_nack_generator_t *g, int64_t seq, int64_t now_us)
{
    missing_t *m = &g->list[g->count++];
    m->seq = seq;
    m->detected_at = now_us;
    m->sent_at = 0;
    m->retries = 0;
}

static void remove_missing(rtp_nack_generator_t *g, int64_t seq)
{
    size_t lo = 0, hi = g->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->list[mid].seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < g->count && g->list[lo].seq == seq) {
        memmove(g->list + lo, g->list + lo + 1, (g->count - lo - 1) * sizeof *g->list);
        g->count--;
    }
}

/* A packet older than the newest: fills a gap, is a duplicate, or (far
 * back, confirmed by its successor) starts a new seq space. */
static int on_older(rtp_nack_generator_t *g, uint16_t seq, int d)
{
    if (-d > (int)g->cfg.max_missing) {
        if (g->probing && seq == g->probe_seq) {
            reset(g, g->highest + d);
            return 0;
        }
        g->probing = 1;
        g->probe_seq = (uint16_t)(seq + 1);
        return 0;
    }
    g->probing = 0;
    remove_missing(g, g->highest + d);
    return 0;
}

int rtp_nack_generator_on_packet(rtp_nack_generator_t *g, uint16_t seq, int64_t now_us)
{
    if (!g)
        return RTP_EINVAL;
    if (!g->started) {
        g->started = 1;
        g->highest = seq;
        return 0;
    }
    int d = rtp_seq_diff(seq, (uint16_t)g->highest);
    if (d == 0)
        return 0;
    if (d < 0)
        return on_older(g, seq, d);
    g->probing = 0;
    if ((size_t)(d - 1) > g->cfg.max_missing) {
        reset(g, g->highest + d);
        return RTP_NACK_KEYFRAME;
    }
    int overflow = make_room(g, (size_t)(d - 1));
    for (int64_t s = g->highest + 1; s < g->highest + d; s++)
        add_missing(g, s, now_us);
    g->highest += d;
    return overflow ? RTP_NACK_KEYFRAME : 0;
}

static int64_t due_at(const rtp_nack_generator_t *g, const missing_t *m)
{
    if (m->retries == 0)
        return m->detected_at + g->cfg.first_delay_us;
    return m->sent_at + g->cfg.retry_interval_us;
}

static int gives_up(const rtp_nack_generator_t *g, const missing_t *m, int64_t now_us)
{
    return m->retries >= g->cfg.max_retries || now_us - m->detected_at > g->cfg.max_age_us;
}

size_t rtp_nack_generator_poll(rtp_nack_generator_t *g, int64_t now_us,
                               uint16_t *out, size_t cap)
{
    if (!g || (!out && cap))
        return 0;
    size_t n = 0, kept = 0;
    for (size_t i = 0; i < g->count; i++) {
        missing_t m = g->list[i];
        if (gives_up(g, &m, now_us)) {
            g->given_up++;
            continue;
        }
        if (n < cap && now_us >= due_at(g, &m)) {
            out[n++] = (uint16_t)m.seq;
            m.retries++;
            m.sent_at = now_us;
        }
        g->list[kept++] = m;
    }
    g->count = kept;
    return n;
}

int64_t rtp_nack_generator_next_timeout(const rtp_nack_generator_t *g)
{
    int64_t next = INT64_MAX;
    if (!g)
        return next;
    for (size_t i = 0; i < g->count; i++) {
        const missing_t *m = &g->list[i];
        int64_t t = m->retries >= g->cfg.max_retries ? m->sent_at : due_at(g, m);
        int64_t expire = m->detected_at + g->cfg.max_age_us + 1;
        if (expire < t)
            t = expire;
        if (t < next)
            next = t;
    }
    return next;
}

void rtp_nack_generator_set_retry_interval(rtp_nack_generator_t *g, int64_t us)
{
    if (g && us >= 0)
        g->cfg.retry_interval_us = us;
}

size_t rtp_nack_generator_missing(const rtp_nack_generator_t *g)
{
    return g ? g->count : 0;
}

uint64_t rtp_nack_generator_given_up(const rtp_nack_generator_t *g)
{
    return g ? g->given_up : 0;
}
