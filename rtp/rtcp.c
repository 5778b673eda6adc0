/*
 * RTCP compound iteration, parsers and writers. See rtcp.h for contracts.
 */
#include "rtp/rtcp.h"

#include <string.h>

#include "rtp/rtp_bytes.h"

#define FB_HEADER_LEN 12 /* common header + sender SSRC + media SSRC */

/* ---- iteration (RFC 3550 §6.1, A.2) -------------------------------------- */

void rtcp_iter_init(rtcp_iter_t *it, const uint8_t *buf, size_t len)
{
    memset(it, 0, sizeof *it);
    it->buf = buf;
    it->len = buf ? len : 0;
}

static int iter_fail(rtcp_iter_t *it, int err)
{
    it->err = err;
    return err;
}

int rtcp_iter_next(rtcp_iter_t *it, rtcp_packet_t *out)
{
    if (!it || !out)
        return RTP_EINVAL;
    if (it->err)
        return it->err;
    if (it->off >= it->len)
        return 0;
    size_t remaining = it->len - it->off;
    const uint8_t *b = it->buf + it->off;
    if (remaining < RTCP_HEADER_LEN)
        return iter_fail(it, RTP_ETRUNC);
    if ((b[0] >> 6) != 2)
        return iter_fail(it, RTP_EVERSION);
    /* The length field counts 32-bit words minus one (§6.4.1). */
    size_t plen = 4u * ((size_t)rtp_rd16(b + 2) + 1);
    if (plen > remaining)
        return iter_fail(it, RTP_ETRUNC);

    memset(out, 0, sizeof *out);
    out->data = b;
    out->len = plen;
    out->padding = (b[0] >> 5) & 1;
    out->count = b[0] & 0x1f;
    out->pt = b[1];
    out->body = b + RTCP_HEADER_LEN;
    out->body_len = plen - RTCP_HEADER_LEN;
    if (out->padding) {
        /* Last octet counts the padding octets, itself included (§6.4.1). */
        uint8_t pad = b[plen - 1];
        if (pad == 0 || pad > out->body_len)
            return iter_fail(it, RTP_EINVAL);
        out->body_len -= pad;
    }
    it->off += plen;
    return (int)plen;
}

void rtcp_write_header(uint8_t *buf, uint8_t count, uint8_t pt, size_t len)
{
    buf[0] = (uint8_t)(0x80 | (count & 0x1f));
    buf[1] = pt;
    rtp_wr16(buf + 2, (uint16_t)(len / 4 - 1));
}

/* ---- SR / RR (RFC 3550 §6.4.1, §6.4.2) ------------------------------------ */

static void read_report_block(const uint8_t *p, rtcp_report_block_t *rb)
{
    rb->ssrc = rtp_rd32(p);
    rb->fraction_lost = p[4];
    uint32_t lost = rtp_rd24(p + 5);
    /* cumulative number of packets lost is a signed 24-bit integer */
    rb->cumulative_lost = (lost & 0x800000) ? (int32_t)lost - 0x1000000 : (int32_t)lost;
    rb->ext_highest_seq = rtp_rd32(p + 8);
    rb->jitter = rtp_rd32(p + 12);
    rb->lsr = rtp_rd32(p + 16);
    rb->dlsr = rtp_rd32(p + 20);
}

static void write_report_block(uint8_t *p, const rtcp_report_block_t *rb)
{
    int32_t lost = rb->cumulative_lost;
    if (lost > 0x7fffff)
        lost = 0x7fffff;
    if (lost < -0x800000)
        lost = -0x800000;
    rtp_wr32(p, rb->ssrc);
    p[4] = rb->fraction_lost;
    rtp_wr24(p + 5, (uint32_t)lost & 0xffffff);
    rtp_wr32(p + 8, rb->ext_highest_seq);
    rtp_wr32(p + 12, rb->jitter);
    rtp_wr32(p + 16, rb->lsr);
    rtp_wr32(p + 20, rb->dlsr);
}

int rtcp_parse_sr(const rtcp_packet_t *p, rtcp_sr_t *out)
{
    if (!p || !out || p->pt != RTCP_PT_SR)
        return RTP_EINVAL;
    if (p->body_len < 24 + (size_t)p->count * RTCP_REPORT_BLOCK_LEN)
        return RTP_ETRUNC;
    const uint8_t *b = p->body;
    out->ssrc = rtp_rd32(b);
    out->ntp = ((uint64_t)rtp_rd32(b + 4) << 32) | rtp_rd32(b + 8);
    out->rtp_ts = rtp_rd32(b + 12);
    out->packet_count = rtp_rd32(b + 16);
    out->octet_count = rtp_rd32(b + 20);
    out->report_count = p->count;
    for (unsigned i = 0; i < p->count; i++)
        read_report_block(b + 24 + i * RTCP_REPORT_BLOCK_LEN, &out->reports[i]);
    return 0;
}

int rtcp_parse_rr(const rtcp_packet_t *p, rtcp_rr_t *out)
{
    if (!p || !out || p->pt != RTCP_PT_RR)
        return RTP_EINVAL;
    if (p->body_len < 4 + (size_t)p->count * RTCP_REPORT_BLOCK_LEN)
        return RTP_ETRUNC;
    out->ssrc = rtp_rd32(p->body);
    out->report_count = p->count;
    for (unsigned i = 0; i < p->count; i++)
        read_report_block(p->body + 4 + i * RTCP_REPORT_BLOCK_LEN, &out->reports[i]);
    return 0;
}

int rtcp_write_sr(uint8_t *buf, size_t cap, const rtcp_sr_t *sr)
{
    if (!buf || !sr || sr->report_count > RTCP_MAX_REPORTS)
        return RTP_EINVAL;
    size_t len = 28 + (size_t)sr->report_count * RTCP_REPORT_BLOCK_LEN;
    if (cap < len)
        return RTP_ENOSPC;
    rtcp_write_header(buf, sr->report_count, RTCP_PT_SR, len);
    rtp_wr32(buf + 4, sr->ssrc);
    rtp_wr32(buf + 8, (uint32_t)(sr->ntp >> 32));
    rtp_wr32(buf + 12, (uint32_t)sr->ntp);
    rtp_wr32(buf + 16, sr->rtp_ts);
    rtp_wr32(buf + 20, sr->packet_count);
    rtp_wr32(buf + 24, sr->octet_count);
    for (unsigned i = 0; i < sr->report_count; i++)
        write_report_block(buf + 28 + i * RTCP_REPORT_BLOCK_LEN, &sr->reports[i]);
    return (int)len;
}

int rtcp_write_rr(uint8_t *buf, size_t cap, const rtcp_rr_t *rr)
{
    if (!buf || !rr || rr->report_count > RTCP_MAX_REPORTS)
        return RTP_EINVAL;
    size_t len = 8 + (size_t)rr->report_count * RTCP_REPORT_BLOCK_LEN;
    if (cap < len)
        return RTP_ENOSPC;
    rtcp_write_header(buf, rr->report_count, RTCP_PT_RR, len);
    rtp_wr32(buf + 4, rr->ssrc);
    for (unsigned i = 0; i < rr->report_count; i++)
        write_report_block(buf + 8 + i * RTCP_REPORT_BLOCK_LEN, &rr->reports[i]);
    return (int)len;
}

/* NTP time (RFC 3550 §4): seconds since 1900-01-01 in the high 32 bits and
 * the binary fraction in the low 32 bits. */
uint64_t rtcp_ntp_from_unix_us(int64_t unix_us)
{
    const uint64_t unix_epoch_in_ntp = 2208988800u;
    if (unix_us < 0)
        unix_us = 0;
    uint64_t secs = (uint64_t)unix_us / 1000000u + unix_epoch_in_ntp;
    uint64_t frac = (((uint64_t)unix_us % 1000000u) << 32) / 1000000u;
    return (secs << 32) | frac;
}

/* ---- SDES / BYE ----------------------------------------------------------- */

/* §6.5: chunk = SSRC, items (type, length, text), then a null item and
 * zero padding to the next 32-bit boundary. */
int rtcp_write_sdes_cname(uint8_t *buf, size_t cap, uint32_t ssrc,
                          const char *cname, size_t cname_len)
{
    if (!buf || (!cname && cname_len) || cname_len > 255)
        return RTP_EINVAL;
    size_t raw = 4 + 4 + 2 + cname_len + 1; /* header, SSRC, item, text, END */
    size_t len = (raw + 3) & ~(size_t)3;
    if (cap < len)
        return RTP_ENOSPC;
    rtcp_write_header(buf, 1, RTCP_PT_SDES, len);
    rtp_wr32(buf + 4, ssrc);
    buf[8] = 1; /* CNAME */
    buf[9] = (uint8_t)cname_len;
    if (cname_len)
        memcpy(buf + 10, cname, cname_len);
    memset(buf + 10 + cname_len, 0, len - 10 - cname_len);
    return (int)len;
}

/* §6.6: SC SSRC/CSRC words, then an optional length-prefixed reason. */
int rtcp_parse_bye(const rtcp_packet_t *p, rtcp_bye_t *out)
{
    if (!p || !out || p->pt != RTCP_PT_BYE)
        return RTP_EINVAL;
    size_t need = 4u * p->count;
    if (p->body_len < need)
        return RTP_ETRUNC;
    memset(out, 0, sizeof *out);
    out->count = p->count;
    for (unsigned i = 0; i < p->count; i++)
        out->ssrcs[i] = rtp_rd32(p->body + 4 * i);
    if (p->body_len > need) {
        uint8_t rlen = p->body[need];
        if (need + 1 + rlen > p->body_len)
            return RTP_ETRUNC;
        out->reason = p->body + need + 1;
        out->reason_len = rlen;
    }
    return 0;
}

int rtcp_write_bye(uint8_t *buf, size_t cap, const uint32_t *ssrcs, size_t n)
{
    if (!buf || (!ssrcs && n) || n > RTCP_MAX_REPORTS)
        return RTP_EINVAL;
    size_t len = 4 + 4 * n;
    if (cap < len)
        return RTP_ENOSPC;
    rtcp_write_header(buf, (uint8_t)n, RTCP_PT_BYE, len);
    for (size_t i = 0; i < n; i++)
        rtp_wr32(buf + 4 + 4 * i, ssrcs[i]);
    return (int)len;
}

/* ---- feedback common (RFC 4585 §6.1) -------------------------------------- */

/* Checks PT/FMT and the two SSRC words; returns the FCI via *fci and *fci_len. */
static int fb_open(const rtcp_packet_t *p, uint8_t pt, uint8_t fmt,
                   const uint8_t **fci, size_t *fci_len)
{
    if (!p || p->pt != pt || p->count != fmt)
        return RTP_EINVAL;
    if (p->body_len < 8)
        return RTP_ETRUNC;
    *fci = p->body + 8;
    *fci_len = p->body_len - 8;
    return 0;
}

static int fb_begin(uint8_t *buf, size_t cap, size_t len, uint8_t fmt, uint8_t pt,
                    uint32_t sender_ssrc, uint32_t media_ssrc)
{
    if (!buf)
        return RTP_EINVAL;
    if (cap < len)
        return RTP_ENOSPC;
    rtcp_write_header(buf, fmt, pt, len);
    rtp_wr32(buf + 4, sender_ssrc);
    rtp_wr32(buf + 8, media_ssrc);
    return 0;
}

int rtcp_parse_pli(const rtcp_packet_t *p, rtcp_pli_t *out)
{
    const uint8_t *fci;
    size_t fci_len;
    int rc = fb_open(p, RTCP_PT_PSFB, RTCP_PSFB_PLI, &fci, &fci_len);
    if (rc < 0 || !out)
        return rc < 0 ? rc : RTP_EINVAL;
    out->sender_ssrc = rtp_rd32(p->body);
    out->media_ssrc = rtp_rd32(p->body + 4);
    return 0;
}

int rtcp_write_pli(uint8_t *buf, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc)
{
    int rc = fb_begin(buf, cap, FB_HEADER_LEN, RTCP_PSFB_PLI, RTCP_PT_PSFB,
                      sender_ssrc, media_ssrc);
    return rc < 0 ? rc : FB_HEADER_LEN;
}

/* ---- FIR (RFC 5104 §4.3.1): FCI = SSRC, seq nr, 24 reserved bits ---------- */

int rtcp_parse_fir(const rtcp_packet_t *p, rtcp_fir_t *out)
{
    const uint8_t *fci;
    size_t fci_len;
    int rc = fb_open(p, RTCP_PT_PSFB, RTCP_PSFB_FIR, &fci, &fci_len);
    if (rc < 0 || !out)
        return rc < 0 ? rc : RTP_EINVAL;
    if (fci_len < 8)
        return RTP_ETRUNC;
    out->sender_ssrc = rtp_rd32(p->body);
    out->count = fci_len / 8;
    out->fci = fci;
    return 0;
}

int rtcp_fir_entry(const rtcp_fir_t *f, size_t i, uint32_t *ssrc, uint8_t *seq_nr)
{
    if (!f || i >= f->count)
        return RTP_ENOENT;
    const uint8_t *e = f->fci + 8 * i;
    if (ssrc)
        *ssrc = rtp_rd32(e);
    if (seq_nr)
        *seq_nr = e[4];
    return 0;
}

int rtcp_write_fir(uint8_t *buf, size_t cap, uint32_t sender_ssrc,
                   uint32_t media_ssrc, uint8_t seq_nr)
{
    const size_t len = FB_HEADER_LEN + 8;
    int rc = fb_begin(buf, cap, len, RTCP_PSFB_FIR, RTCP_PT_PSFB, sender_ssrc, 0);
    if (rc < 0)
        return rc;
    rtp_wr32(buf + 12, media_ssrc);
    buf[16] = seq_nr;
    buf[17] = buf[18] = buf[19] = 0;
    return (int)len;
}

/* ---- generic NACK (RFC 4585 §6.2.1): FCI = PID (16) | BLP (16) ------------- */

int rtcp_parse_nack(const rtcp_packet_t *p, rtcp_nack_t *out)
{
    const uint8_t *fci;
    size_t fci_len;
    int rc = fb_open(p, RTCP_PT_RTPFB, RTCP_RTPFB_NACK, &fci, &fci_len);
    if (rc < 0 || !out)
        return rc < 0 ? rc : RTP_EINVAL;
    if (fci_len < 4)
        return RTP_ETRUNC;
    out->sender_ssrc = rtp_rd32(p->body);
    out->media_ssrc = rtp_rd32(p->body + 4);
    out->count = fci_len / 4;
    out->fci = fci;
    return 0;
}

int rtcp_nack_entry(const rtcp_nack_t *n, size_t i, uint16_t *pid, uint16_t *blp)
{
    if (!n || i >= n->count)
        return RTP_ENOENT;
    if (pid)
        *pid = rtp_rd16(n->fci + 4 * i);
    if (blp)
        *blp = rtp_rd16(n->fci + 4 * i + 2);
    return 0;
}

/* BLP bit i (LSB first) reports PID + i + 1 lost. */
size_t rtcp_nack_expand(const rtcp_nack_t *n, uint16_t *seqs, size_t cap)
{
    size_t out = 0;
    if (!n || !seqs)
        return 0;
    for (size_t i = 0; i < n->count; i++) {
        uint16_t pid, blp;
        rtcp_nack_entry(n, i, &pid, &blp);
        if (out == cap)
            return out;
        seqs[out++] = pid;
        for (unsigned bit = 0; bit < 16; bit++) {
            if (!(blp & (1u << bit)))
                continue;
            if (out == cap)
                return out;
            seqs[out++] = (uint16_t)(pid + bit + 1);
        }
    }
    return out;
}

int rtcp_write_nack(uint8_t *buf, size_t cap, uint32_t sender_ssrc,
                    uint32_t media_ssrc, const uint16_t *seqs, size_t n)
{
    if (!buf || !seqs || n == 0)
        return RTP_EINVAL;
    if (cap < FB_HEADER_LEN + 4)
        return RTP_ENOSPC;
    size_t pos = FB_HEADER_LEN; /* start of the current entry */
    uint16_t pid = seqs[0], blp = 0;
    for (size_t i = 1; i < n; i++) {
        unsigned d = (unsigned)(uint16_t)(seqs[i] - pid);
        if (d == 0)
            continue; /* duplicate of the PID */
        if (d <= 16) {
            blp |= (uint16_t)(1u << (d - 1));
            continue;
        }
        rtp_wr16(buf + pos, pid);
        rtp_wr16(buf + pos + 2, blp);
        pos += 4;
        if (pos + 4 > cap)
            return RTP_ENOSPC;
        pid = seqs[i];
        blp = 0;
    }
    rtp_wr16(buf + pos, pid);
    rtp_wr16(buf + pos + 2, blp);
    pos += 4;
    if (pos > 4u * 65536)
        return RTP_EINVAL; /* more than the 16-bit length field can say */
    fb_begin(buf, cap, pos, RTCP_RTPFB_NACK, RTCP_PT_RTPFB, sender_ssrc, media_ssrc);
    return (int)pos;
}

/* ---- REMB (draft-alvestrand-rmcat-remb-03 §2.2) ----------------------------
 * FCI: 'R' 'E' 'M' 'B' | Num SSRC (8) | BR Exp (6) | BR Mantissa (18) | SSRCs.
 * The header's media SSRC is always 0. */

void rtcp_remb_encode_bitrate(uint64_t bps, uint8_t *exp, uint32_t *mantissa)
{
    uint8_t e = 0;
    while (bps > 0x3ffffu) {
        bps >>= 1;
        e++;
    }
    *exp = e;
    *mantissa = (uint32_t)bps;
}

uint64_t rtcp_remb_decode_bitrate(uint8_t exp, uint32_t mantissa)
{
    mantissa &= 0x3ffff;
    exp &= 0x3f;
    /* an 18-bit mantissa shifted by more than 46 may not fit in 64 bits */
    if (exp > 46 && (mantissa >> (64 - exp)) != 0)
        return UINT64_MAX;
    return (uint64_t)mantissa << exp;
}

int rtcp_parse_remb(const rtcp_packet_t *p, rtcp_remb_t *out)
{
    const uint8_t *fci;
    size_t fci_len;
    int rc = fb_open(p, RTCP_PT_PSFB, RTCP_PSFB_AFB, &fci, &fci_len);
    if (rc < 0 || !out)
        return rc < 0 ? rc : RTP_EINVAL;
    if (fci_len < 4 || memcmp(fci, "REMB", 4) != 0)
        return RTP_ENOENT;
    if (fci_len < 8)
        return RTP_ETRUNC;
    uint8_t num = fci[4];
    if (fci_len < 8 + 4u * num)
        return RTP_ETRUNC;
    out->sender_ssrc = rtp_rd32(p->body);
    out->ssrc_count = num;
    out->bitrate_bps = rtcp_remb_decode_bitrate(fci[5] >> 2, rtp_rd24(fci + 5) & 0x3ffff);
    out->ssrcs = fci + 8;
    return 0;
}

uint32_t rtcp_remb_ssrc(const rtcp_remb_t *r, size_t i)
{
    if (!r || i >= r->ssrc_count)
        return 0;
    return rtp_rd32(r->ssrcs + 4 * i);
}

int rtcp_write_remb(uint8_t *buf, size_t cap, uint32_t sender_ssrc,
                    uint64_t bitrate_bps, const uint32_t *ssrcs, size_t n)
{
    if ((!ssrcs && n) || n > 255)
        return RTP_EINVAL;
    size_t len = FB_HEADER_LEN + 8 + 4 * n;
    int rc = fb_begin(buf, cap, len, RTCP_PSFB_AFB, RTCP_PT_PSFB, sender_ssrc, 0);
    if (rc < 0)
        return rc;
    uint8_t exp;
    uint32_t mantissa;
    rtcp_remb_encode_bitrate(bitrate_bps, &exp, &mantissa);
    memcpy(buf + 12, "REMB", 4);
    buf[16] = (uint8_t)n;
    buf[17] = (uint8_t)((exp << 2) | (mantissa >> 16));
    rtp_wr16(buf + 18, (uint16_t)mantissa);
    for (size_t i = 0; i < n; i++)
        rtp_wr32(buf + 20 + 4 * i, ssrcs[i]);
    return (int)len;
}

/* ---- transport-wide CC header (draft-holmer-...-01 §3.1) -------------------
 * FCI: base seq (16) | status count (16) | reference time (24, signed) |
 * fb pkt count (8) | packet chunks | receive deltas | zero padding. */

int rtcp_parse_twcc(const rtcp_packet_t *p, rtcp_twcc_t *out)
{
    const uint8_t *fci;
    size_t fci_len;
    int rc = fb_open(p, RTCP_PT_RTPFB, RTCP_RTPFB_TWCC, &fci, &fci_len);
    if (rc < 0 || !out)
        return rc < 0 ? rc : RTP_EINVAL;
    if (fci_len < 8)
        return RTP_ETRUNC;
    out->sender_ssrc = rtp_rd32(p->body);
    out->media_ssrc = rtp_rd32(p->body + 4);
    out->base_seq = rtp_rd16(fci);
    out->status_count = rtp_rd16(fci + 2);
    uint32_t ref = rtp_rd24(fci + 4);
    out->reference_time = (ref & 0x800000) ? (int32_t)ref - 0x1000000 : (int32_t)ref;
    out->fb_count = fci[7];
    out->chunks = fci + 8;
    out->chunks_len = fci_len - 8;
    return 0;
}
