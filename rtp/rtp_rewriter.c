/*
 * Per-consumer SSRC / sequence / timestamp rewriting. See rtp_rewriter.h.
 *
 * Sequence numbers are tracked "extended" (int64, never wrapping) on both
 * sides so comparisons stay exact across 65535 -> 0 wraps; only the low 16
 * bits go on the wire.
 */
#include "rtp/rtp_rewriter.h"

#include <stdlib.h>

#include "rtp/rtp_packet.h"

typedef struct segment {
    uint32_t ssrc;
    int64_t in_first;        /* extended input seq of the segment's first packet */
    int64_t in_max;          /* extended input seq of its newest packet */
    int64_t out_first;       /* extended output seq given to in_first */
    uint32_t ts_offset;      /* out_ts = in_ts + ts_offset (mod 2^32) */
} segment_t;

struct rtp_rewriter {
    uint32_t out_ssrc;
    uint32_t clock_rate;
    uint16_t initial_seq;
    uint32_t initial_ts;
    int started;
    int discontinuity;
    segment_t segs[RTP_REWRITER_HISTORY]; /* ring, segs[cur] is current */
    unsigned cur, nsegs;
    int64_t out_max;         /* extended output seq of the newest packet */
    uint32_t out_ts_max;     /* newest output timestamp */
    int64_t out_ts_at;       /* now_us when out_ts_max was first sent */
    int probing;             /* a seq jump waits for confirmation */
    uint32_t probe_ssrc;
    uint16_t probe_seq;      /* the seq that would confirm it */
};

rtp_rewriter_t *rtp_rewriter_create(uint32_t out_ssrc, uint32_t clock_rate,
                                    uint16_t initial_seq, uint32_t initial_ts)
{
    if (clock_rate == 0)
        return NULL;
    rtp_rewriter_t *rw = calloc(1, sizeof *rw);
    if (!rw)
        return NULL;
    rw->out_ssrc = out_ssrc;
    rw->clock_rate = clock_rate;
    rw->initial_seq = initial_seq;
    rw->initial_ts = initial_ts;
    return rw;
}

void rtp_rewriter_destroy(rtp_rewriter_t *rw)
{
    free(rw);
}

void rtp_rewriter_mark_discontinuity(rtp_rewriter_t *rw)
{
    if (rw)
        rw->discontinuity = 1;
}

uint32_t rtp_rewriter_ssrc(const rtp_rewriter_t *rw)
{
    return rw ? rw->out_ssrc : 0;
}

/* Timestamp ticks for the wall-clock time since the newest output timestamp
 * was sent; at least 1 so the output timestamp strictly increases. */
static uint32_t elapsed_ticks(const rtp_rewriter_t *rw, int64_t now_us)
{
    int64_t us = now_us - rw->out_ts_at;
    if (us < 0)
        us = 0;
    if (us > (int64_t)1 << 40) /* ~12 days; keeps the product in range */
        us = (int64_t)1 << 40;
    uint64_t ticks = ((uint64_t)us * rw->clock_rate) / 1000000u;
    return ticks ? (uint32_t)ticks : 1;
}

static void start_segment(rtp_rewriter_t *rw, uint32_t ssrc, uint16_t seq,
                          uint32_t ts, int64_t now_us)
{
    uint32_t out_ts;
    int64_t out_first;
    if (rw->started) {
        out_first = rw->out_max + 1;
        out_ts = rw->out_ts_max + elapsed_ticks(rw, now_us);
        rw->cur = (rw->cur + 1) % RTP_REWRITER_HISTORY;
    } else {
        out_first = rw->initial_seq;
        out_ts = rw->initial_ts;
        rw->cur = 0;
    }
    if (rw->nsegs < RTP_REWRITER_HISTORY)
        rw->nsegs++;
    segment_t *s = &rw->segs[rw->cur];
    s->ssrc = ssrc;
    s->in_first = seq;
    s->in_max = seq;
    s->out_first = out_first;
    s->ts_offset = out_ts - ts;
    rw->discontinuity = 0;
    rw->probing = 0;
}

/* Segment i steps back from the current one (0 = current). */
static const segment_t *seg_back(const rtp_rewriter_t *rw, unsigned i)
{
    return &rw->segs[(rw->cur + RTP_REWRITER_HISTORY - i) % RTP_REWRITER_HISTORY];
}

/* A packet is late if the newest segment of its SSRC already went past it
 * (by at most MAX_MISORDER; further back is more likely a fresh start). */
static int is_late(const rtp_rewriter_t *rw, uint32_t ssrc, uint16_t seq)
{
    for (unsigned i = 0; i < rw->nsegs; i++) {
        const segment_t *s = seg_back(rw, i);
        if (s->ssrc != ssrc)
            continue;
        int d = rtp_seq_diff(seq, (uint16_t)s->in_max);
        return d <= 0 && d >= -RTP_REWRITER_MAX_MISORDER;
    }
    return 0;
}

/*
 * Same SSRC as the current segment: returns the extended input seq, or
 * RTP_ESTALE. A jump beyond the misorder/dropout limits is taken as a seq
 * restart only when the next packet follows it (RFC 3550 A.1); *restart
 * tells the caller to open a new segment.
 */
static int64_t place_in_segment(rtp_rewriter_t *rw, segment_t *s, uint16_t seq,
                                int *restart)
{
    int d = rtp_seq_diff(seq, (uint16_t)s->in_max);
    *restart = 0;
    if (d > RTP_REWRITER_MAX_DROPOUT || d < -RTP_REWRITER_MAX_MISORDER) {
        if (rw->probing && rw->probe_ssrc == s->ssrc && rw->probe_seq == seq) {
            *restart = 1;
            return 0;
        }
        rw->probing = 1;
        rw->probe_ssrc = s->ssrc;
        rw->probe_seq = (uint16_t)(seq + 1);
        return RTP_ESTALE;
    }
    int64_t ext = s->in_max + d;
    if (ext < s->in_first)
        return RTP_ESTALE;
    rw->probing = 0;
    return ext;
}

/* Picks the segment for this packet, opening one if needed. Returns the
 * extended input seq or RTP_ESTALE. */
static int64_t select_segment(rtp_rewriter_t *rw, uint32_t ssrc, uint16_t seq,
                              uint32_t ts, int64_t now_us)
{
    if (!rw->started) {
        start_segment(rw, ssrc, seq, ts, now_us);
        return seq;
    }
    segment_t *s = &rw->segs[rw->cur];
    if (rw->discontinuity || ssrc != s->ssrc) {
        if (is_late(rw, ssrc, seq))
            return RTP_ESTALE;
        start_segment(rw, ssrc, seq, ts, now_us);
        return seq;
    }
    int restart;
    int64_t ext = place_in_segment(rw, s, seq, &restart);
    if (restart) {
        start_segment(rw, ssrc, seq, ts, now_us);
        return seq;
    }
    return ext;
}

int rtp_rewriter_map(rtp_rewriter_t *rw, uint32_t in_ssrc, uint16_t in_seq,
                     uint32_t in_ts, int64_t now_us,
                     uint16_t *out_seq, uint32_t *out_ts)
{
    if (!rw)
        return RTP_EINVAL;
    int64_t ext = select_segment(rw, in_ssrc, in_seq, in_ts, now_us);
    if (ext < 0)
        return (int)ext;
    segment_t *s = &rw->segs[rw->cur];
    if (ext > s->in_max)
        s->in_max = ext;
    int64_t out = s->out_first + (ext - s->in_first);
    uint32_t ts = in_ts + s->ts_offset;
    if (!rw->started || out > rw->out_max)
        rw->out_max = out;
    if (!rw->started || (int32_t)(ts - rw->out_ts_max) > 0) {
        rw->out_ts_max = ts;
        rw->out_ts_at = now_us;
    }
    rw->started = 1;
    if (out_seq)
        *out_seq = (uint16_t)out;
    if (out_ts)
        *out_ts = ts;
    return 0;
}

int rtp_rewriter_rewrite(rtp_rewriter_t *rw, uint8_t *buf, size_t len, int64_t now_us)
{
    rtp_packet_t p;
    uint16_t seq;
    uint32_t ts;
    int rc = rtp_packet_parse(&p, buf, len);
    if (rc < 0)
        return rc;
    rc = rtp_rewriter_map(rw, p.ssrc, p.seq, p.timestamp, now_us, &seq, &ts);
    if (rc < 0)
        return rc;
    rtp_set_ssrc(buf, len, rw->out_ssrc);
    rtp_set_seq(buf, len, seq);
    rtp_set_timestamp(buf, len, ts);
    return 0;
}

int rtp_rewriter_reverse(const rtp_rewriter_t *rw, uint16_t out_seq,
                         uint32_t *in_ssrc, uint16_t *in_seq)
{
    if (!rw)
        return RTP_EINVAL;
    if (!rw->started)
        return RTP_ENOENT;
    int64_t ext = rw->out_max + rtp_seq_diff(out_seq, (uint16_t)rw->out_max);
    for (unsigned i = 0; i < rw->nsegs; i++) {
        const segment_t *s = seg_back(rw, i);
        int64_t out_last = s->out_first + (s->in_max - s->in_first);
        if (ext < s->out_first || ext > out_last)
            continue;
        if (in_ssrc)
            *in_ssrc = s->ssrc;
        if (in_seq)
            *in_seq = (uint16_t)(s->in_first + (ext - s->out_first));
        return 0;
    }
    return RTP_ENOENT;
}

int rtp_rewriter_out_ts(const rtp_rewriter_t *rw, uint32_t in_ssrc,
                        uint32_t in_ts, uint32_t *out_ts)
{
    if (!rw || !out_ts)
        return RTP_EINVAL;
    if (!rw->started || rw->segs[rw->cur].ssrc != in_ssrc)
        return RTP_ENOENT;
    *out_ts = in_ts + rw->segs[rw->cur].ts_offset;
    return 0;
}

int rtp_rewriter_last(const rtp_rewriter_t *rw, uint16_t *seq, uint32_t *ts,
                      int64_t *ts_at_us)
{
    if (!rw)
        return RTP_EINVAL;
    if (!rw->started)
        return RTP_ENOENT;
    if (seq)
        *seq = (uint16_t)rw->out_max;
    if (ts)
        *ts = rw->out_ts_max;
    if (ts_at_us)
        *ts_at_us = rw->out_ts_at;
    return 0;
}
