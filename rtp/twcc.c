/*
 * Transport-wide CC feedback generator and decoder. See twcc.h.
 *
 * Arrivals live in a ring indexed by extended seq. The invariant: for every
 * extended seq e in [base, highest], arrival[e & mask] is e's arrival time
 * or NONE; `base` is the first seq not yet covered by a sent feedback.
 */
#include "rtp/twcc.h"

#include <stdlib.h>
#include <string.h>

#include "rtp/rtp_bytes.h"

#define NONE INT64_MIN
#define TICK_US 250            /* receive delta unit (§3.1.5) */
#define REF_UNIT_US 64000      /* reference time unit (§3.1) */
#define TICKS_PER_REF (REF_UNIT_US / TICK_US)
#define FB_FIXED_LEN 20        /* RTCP header, 2 SSRCs, base/count/ref/fb count */
#define MAX_RUN 0x1fff         /* 13-bit run length */

struct rtp_twcc {
    uint32_t sender_ssrc, media_ssrc;
    size_t window;             /* power of two */
    int64_t *arrival;
    uint8_t *symbols;          /* scratch for one feedback, window entries */
    int16_t *deltas;           /* scratch, in ticks */
    int started;
    int reported;              /* a feedback went out */
    int64_t base, highest;     /* extended seqs */
    uint8_t fb_count;
};

rtp_twcc_t *rtp_twcc_create(uint32_t sender_ssrc, uint32_t media_ssrc, size_t window)
{
    if (window < 16 || window > 32768 || (window & (window - 1)) != 0)
        return NULL;
    rtp_twcc_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->sender_ssrc = sender_ssrc;
    t->media_ssrc = media_ssrc;
    t->window = window;
    t->arrival = malloc(window * sizeof *t->arrival);
    t->symbols = malloc(window);
    t->deltas = malloc(window * sizeof *t->deltas);
    if (!t->arrival || !t->symbols || !t->deltas)
        goto fail;
    for (size_t i = 0; i < window; i++)
        t->arrival[i] = NONE;
    return t;
fail:
    rtp_twcc_destroy(t);
    return NULL;
}

void rtp_twcc_destroy(rtp_twcc_t *t)
{
    if (!t)
        return;
    free(t->arrival);
    free(t->symbols);
    free(t->deltas);
    free(t);
}

void rtp_twcc_set_media_ssrc(rtp_twcc_t *t, uint32_t media_ssrc)
{
    if (t)
        t->media_ssrc = media_ssrc;
}

static int64_t *slot(rtp_twcc_t *t, int64_t ext)
{
    return &t->arrival[(uint64_t)ext & (t->window - 1)];
}

/* Moves `highest` forward to ext, clearing the slots it passes, and drops
 * unreported seqs that fall out of the window. */
static void advance_to(rtp_twcc_t *t, int64_t ext)
{
    int64_t from = t->highest + 1;
    if (ext - from >= (int64_t)t->window)
        from = ext - (int64_t)t->window + 1;
    for (int64_t e = from; e <= ext; e++)
        *slot(t, e) = NONE;
    t->highest = ext;
    if (t->base < ext - (int64_t)t->window + 1)
        t->base = ext - (int64_t)t->window + 1;
}

int rtp_twcc_on_packet(rtp_twcc_t *t, uint16_t seq, int64_t arrival_us)
{
    if (!t || arrival_us == NONE)
        return RTP_EINVAL;
    if (!t->started) {
        t->started = 1;
        t->base = t->highest = seq;
        *slot(t, seq) = arrival_us;
        return 0;
    }
    int64_t ext = t->highest + rtp_seq_diff(seq, (uint16_t)t->highest);
    /* Until the first feedback goes out nothing is reported yet, so a packet
     * overtaken by the first one to arrive (a probe burst reordered) still
     * gets in: the base moves back. Its slots are untouched (NONE). */
    if (ext < t->base && !t->reported && t->highest - ext < (int64_t)t->window)
        t->base = ext;
    if (ext < t->base)
        return RTP_ESTALE;
    if (ext > t->highest)
        advance_to(t, ext);
    int64_t *a = slot(t, ext);
    if (*a == NONE)
        *a = arrival_us;
    return 0;
}

int rtp_twcc_seq_from_packet(const rtp_packet_t *p, uint8_t ext_id, uint16_t *seq)
{
    rtp_ext_t e;
    int rc = rtp_packet_find_ext(p, ext_id, &e);
    if (rc < 0)
        return rc == RTP_ETRUNC ? rc : RTP_ENOENT;
    if (e.len != 2)
        return RTP_EINVAL;
    if (seq)
        *seq = rtp_rd16(e.data);
    return 0;
}

static int16_t rd16_signed(const uint8_t *p)
{
    int v = rtp_rd16(p);
    return (int16_t)(v >= 0x8000 ? v - 0x10000 : v);
}

/* ---- building ------------------------------------------------------------ */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* Upper bound of a feedback's size for n statuses: worst case every chunk is
 * a 7-symbol vector and every delta takes 2 bytes, plus padding. */
static size_t worst_len(size_t n)
{
    return FB_FIXED_LEN + 2 * ((n + 6) / 7) + 2 * n + 3;
}

static size_t max_statuses(const rtp_twcc_t *t, size_t cap)
{
    size_t n = (size_t)(t->highest - t->base + 1);
    if (n > 0xffff)
        n = 0xffff;
    if (cap < worst_len(1))
        return 0;
    size_t fit = (cap - FB_FIXED_LEN - 5) * 7 / 16;
    while (fit > 0 && worst_len(fit) > cap)
        fit--;
    return n < fit ? n : fit;
}

/* Fills symbols/deltas for up to max statuses from base. Stops before a
 * delta that 16 bits cannot hold and drops trailing lost packets (they may
 * still arrive and go in the next feedback), unless all max are lost: then
 * they are reported as such so a long loss burst cannot stall feedback.
 * Returns the status count; *ref gets the reference time in 64 ms units. */
static size_t collect(rtp_twcc_t *t, size_t max, int64_t *ref)
{
    size_t n = 0, last_received = 0;
    int64_t prev = 0;
    int have_ref = 0;
    for (int64_t e = t->base; n < max; e++, n++) {
        int64_t a = *slot(t, e);
        if (a == NONE) {
            t->symbols[n] = RTP_TWCC_NOT_RECEIVED;
            continue;
        }
        int64_t tick = floor_div(a, TICK_US);
        if (!have_ref) {
            *ref = floor_div(a, REF_UNIT_US);
            prev = *ref * TICKS_PER_REF;
            have_ref = 1;
        }
        int64_t d = tick - prev;
        if (d < INT16_MIN || d > INT16_MAX)
            break;
        t->symbols[n] = (d >= 0 && d <= 255) ? RTP_TWCC_SMALL_DELTA : RTP_TWCC_LARGE_DELTA;
        t->deltas[n] = (int16_t)d;
        prev = tick;
        last_received = n + 1;
    }
    if (last_received == 0) {
        *ref = floor_div(*slot(t, t->highest), REF_UNIT_US);
        return max;
    }
    return last_received;
}

static size_t run_length(const uint8_t *sym, size_t n)
{
    size_t r = 1;
    while (r < n && r < MAX_RUN && sym[r] == sym[0])
        r++;
    return r;
}

/* §3.1.3 run length chunk: T=0 | S (2) | run length (13). */
static size_t put_run(uint8_t *out, uint8_t sym, size_t run)
{
    rtp_wr16(out, (uint16_t)((sym << 13) | run));
    return run;
}

/* §3.1.4 status vector chunk: T=1 | S | 14 one-bit or 7 two-bit symbols,
 * first symbol in the most significant position; unused slots stay 0. */
static size_t put_vector(uint8_t *out, const uint8_t *sym, size_t n, int two_bit)
{
    size_t slots = two_bit ? 7 : 14;
    unsigned bits = two_bit ? 2 : 1;
    uint16_t c = two_bit ? 0xc000 : 0x8000;
    size_t k = n < slots ? n : slots;
    for (size_t i = 0; i < k; i++)
        c |= (uint16_t)(sym[i] << (14 - bits * (i + 1)));
    rtp_wr16(out, c);
    return k;
}

static int has_large(const uint8_t *sym, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (sym[i] == RTP_TWCC_LARGE_DELTA)
            return 1;
    return 0;
}

/* Greedy chunking: long runs as run length, mixed stretches as one-bit
 * vectors when no large delta is among the next 14, else two-bit vectors. */
static size_t encode_chunks(const uint8_t *sym, size_t n, uint8_t *out)
{
    size_t i = 0, pos = 0;
    while (i < n) {
        size_t left = n - i;
        size_t run = run_length(sym + i, left);
        size_t span = left < 14 ? left : 14;
        if (run >= 14 || run == left)
            i += put_run(out + pos, sym[i], run);
        else if (!has_large(sym + i, span))
            i += put_vector(out + pos, sym + i, left, 0);
        else if (run >= 7)
            i += put_run(out + pos, sym[i], run);
        else
            i += put_vector(out + pos, sym + i, left, 1);
        pos += 2;
    }
    return pos;
}

static size_t encode_deltas(const rtp_twcc_t *t, size_t n, uint8_t *out)
{
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        if (t->symbols[i] == RTP_TWCC_SMALL_DELTA) {
            out[pos++] = (uint8_t)t->deltas[i];
        } else if (t->symbols[i] == RTP_TWCC_LARGE_DELTA) {
            rtp_wr16(out + pos, (uint16_t)t->deltas[i]);
            pos += 2;
        }
    }
    return pos;
}

int rtp_twcc_build_feedback(rtp_twcc_t *t, int64_t now_us, uint8_t *buf, size_t cap)
{
    (void)now_us; /* feedback is driven by arrivals; kept for a pacing policy */
    if (!t || !buf)
        return RTP_EINVAL;
    if (!t->started || t->base > t->highest)
        return 0;
    size_t max = max_statuses(t, cap);
    if (max == 0)
        return RTP_ENOSPC;
    int64_t ref = 0;
    size_t n = collect(t, max, &ref);

    size_t pos = FB_FIXED_LEN;
    pos += encode_chunks(t->symbols, n, buf + pos);
    pos += encode_deltas(t, n, buf + pos);
    size_t pad = (4 - (pos & 3)) & 3;
    if (pad) {
        /* libwebrtc pads with the RTCP P bit and a count in the last byte */
        memset(buf + pos, 0, pad);
        buf[pos + pad - 1] = (uint8_t)pad;
        pos += pad;
    }
    rtcp_write_header(buf, RTCP_RTPFB_TWCC, RTCP_PT_RTPFB, pos);
    if (pad)
        buf[0] |= 0x20;
    rtp_wr32(buf + 4, t->sender_ssrc);
    rtp_wr32(buf + 8, t->media_ssrc);
    rtp_wr16(buf + 12, (uint16_t)t->base);
    rtp_wr16(buf + 14, (uint16_t)n);
    rtp_wr24(buf + 16, (uint32_t)ref & 0xffffff);
    buf[19] = t->fb_count++;
    t->reported = 1;
    t->base += (int64_t)n;
    return (int)pos;
}

/* ---- decoding ------------------------------------------------------------- */

/* Expands packet chunks into out[i].status; returns bytes of chunks used. */
static int decode_chunks(const rtcp_twcc_t *h, rtp_twcc_status_t *out)
{
    size_t i = 0, pos = 0, count = h->status_count;
    while (i < count) {
        if (pos + 2 > h->chunks_len)
            return RTP_ETRUNC;
        uint16_t c = rtp_rd16(h->chunks + pos);
        pos += 2;
        if (!(c & 0x8000)) {
            uint8_t s = (c >> 13) & 3;
            size_t run = c & MAX_RUN;
            for (size_t r = 0; r < run && i < count; r++)
                out[i++].status = s;
        } else {
            int two_bit = (c & 0x4000) != 0;
            unsigned bits = two_bit ? 2 : 1;
            size_t slots = two_bit ? 7 : 14;
            for (size_t k = 0; k < slots && i < count; k++)
                out[i++].status = (c >> (14 - bits * (k + 1))) & (two_bit ? 3 : 1);
        }
    }
    return (int)pos;
}

int rtp_twcc_parse_feedback(const rtcp_packet_t *p, rtcp_twcc_t *hdr,
                            rtp_twcc_status_t *out, size_t cap)
{
    if (!hdr || (!out && cap))
        return RTP_EINVAL;
    int rc = rtcp_parse_twcc(p, hdr);
    if (rc < 0)
        return rc;
    if (hdr->status_count > cap)
        return RTP_ENOSPC;
    int pos = decode_chunks(hdr, out);
    if (pos < 0)
        return pos;
    size_t at = (size_t)pos;
    int64_t time = (int64_t)hdr->reference_time * REF_UNIT_US;
    for (size_t i = 0; i < hdr->status_count; i++) {
        out[i].seq = (uint16_t)(hdr->base_seq + i);
        out[i].arrival_us = 0;
        uint8_t s = out[i].status;
        if (s == RTP_TWCC_NOT_RECEIVED)
            continue;
        if (s == RTP_TWCC_SMALL_DELTA) {
            if (at + 1 > hdr->chunks_len)
                return RTP_ETRUNC;
            time += (int64_t)hdr->chunks[at++] * TICK_US;
        } else if (s == RTP_TWCC_LARGE_DELTA) {
            if (at + 2 > hdr->chunks_len)
                return RTP_ETRUNC;
            time += (int64_t)rd16_signed(hdr->chunks + at) * TICK_US;
            at += 2;
        } else {
            return RTP_EINVAL; /* symbol 3 is reserved */
        }
        out[i].arrival_us = time;
    }
    return hdr->status_count;
}
