/*
 * RTCP codec: compound-packet iteration (RFC 3550 §6), SR/RR/BYE, and the
 * feedback messages an SFU relays or generates: PLI (RFC 4585 §6.3.1),
 * FIR (RFC 5104 §4.3.1), generic NACK (RFC 4585 §6.2.1), REMB
 * (draft-alvestrand-rmcat-remb-03) and the transport-wide CC header
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1; full decode and
 * the generator are in twcc.h).
 *
 * Parsers take a packet view from rtcp_iter_next() and point into the
 * caller's buffer; variable-length lists (FIR, NACK, REMB SSRCs) stay in the
 * buffer and are read with the accessor next to each type. Writers take
 * (buf, cap) and return the bytes written or a negative RTP_E* code; their
 * outputs can be concatenated into a compound packet.
 */
#ifndef SB_RTCP_H
#define SB_RTCP_H

#include <stddef.h>
#include <stdint.h>

#include "rtp/rtp_error.h"

/* Packet types (RFC 3550 §12.1, RFC 4585 §6.1). */
#define RTCP_PT_SR 200
#define RTCP_PT_RR 201
#define RTCP_PT_SDES 202
#define RTCP_PT_BYE 203
#define RTCP_PT_APP 204
#define RTCP_PT_RTPFB 205
#define RTCP_PT_PSFB 206

/* Feedback message types carried in the count field. */
#define RTCP_RTPFB_NACK 1   /* RFC 4585 §6.2.1 */
#define RTCP_RTPFB_TWCC 15  /* transport-wide CC draft §3.1 */
#define RTCP_PSFB_PLI 1     /* RFC 4585 §6.3.1 */
#define RTCP_PSFB_FIR 4     /* RFC 5104 §4.3.1 */
#define RTCP_PSFB_AFB 15    /* application layer feedback; REMB lives here */

#define RTCP_MAX_REPORTS 31 /* the 5-bit RC field */
#define RTCP_HEADER_LEN 4
#define RTCP_REPORT_BLOCK_LEN 24

/* One packet of a compound, as found by the iterator. */
typedef struct rtcp_packet {
    const uint8_t *data;     /* start of the 4-byte common header */
    size_t len;              /* whole packet, header and padding included */
    uint8_t padding;         /* P bit */
    uint8_t count;           /* RC / SC / FMT, 5 bits */
    uint8_t pt;
    const uint8_t *body;     /* after the common header */
    size_t body_len;         /* padding removed */
} rtcp_packet_t;

typedef struct rtcp_iter {
    const uint8_t *buf;
    size_t len, off;
    int err;                 /* sticky: once an error is returned, it stays */
} rtcp_iter_t;

void rtcp_iter_init(rtcp_iter_t *it, const uint8_t *buf, size_t len);

/*
 * Next packet of the compound: returns its length in bytes (> 0) and fills
 * *out, 0 at the end, or a negative error: RTP_ETRUNC when a length field
 * points past the end, RTP_EVERSION for V != 2, RTP_EINVAL for bad padding.
 * Every length is checked against the remaining bytes (RFC 3550 A.2), so a
 * caller can walk any input. Reduced-size RTCP (RFC 5506) is accepted: the
 * first packet need not be SR/RR.
 */
int rtcp_iter_next(rtcp_iter_t *it, rtcp_packet_t *out);

/* ---- SR / RR (RFC 3550 §6.4) -------------------------------------------- */

typedef struct rtcp_report_block {
    uint32_t ssrc;
    uint8_t fraction_lost;   /* fixed point, /256 */
    int32_t cumulative_lost; /* 24-bit signed on the wire */
    uint32_t ext_highest_seq;
    uint32_t jitter;         /* in RTP timestamp units */
    uint32_t lsr;            /* middle 32 bits of the last SR's NTP time */
    uint32_t dlsr;           /* delay since that SR, 1/65536 s */
} rtcp_report_block_t;

typedef struct rtcp_sr {
    uint32_t ssrc;
    uint64_t ntp;            /* 32.32 fixed point seconds since 1900 */
    uint32_t rtp_ts;
    uint32_t packet_count;
    uint32_t octet_count;
    uint8_t report_count;
    rtcp_report_block_t reports[RTCP_MAX_REPORTS];
} rtcp_sr_t;

typedef struct rtcp_rr {
    uint32_t ssrc;
    uint8_t report_count;
    rtcp_report_block_t reports[RTCP_MAX_REPORTS];
} rtcp_rr_t;

/* Parsers return 0, RTP_EINVAL when p is not that packet type, RTP_ETRUNC
 * when the body is shorter than its counts need. Trailing profile-specific
 * extension bytes are ignored. */
int rtcp_parse_sr(const rtcp_packet_t *p, rtcp_sr_t *out);
int rtcp_parse_rr(const rtcp_packet_t *p, rtcp_rr_t *out);

/* report_count must be <= RTCP_MAX_REPORTS (else RTP_EINVAL). */
int rtcp_write_sr(uint8_t *buf, size_t cap, const rtcp_sr_t *sr);
int rtcp_write_rr(uint8_t *buf, size_t cap, const rtcp_rr_t *rr);

/* NTP helpers for SR/RR timing (RFC 3550 §4, §6.4.1). */
uint64_t rtcp_ntp_from_unix_us(int64_t unix_us);
static inline uint32_t rtcp_ntp_compact(uint64_t ntp)
{
    return (uint32_t)(ntp >> 16);
}

/* ---- SDES / BYE (RFC 3550 §6.5, §6.6) ------------------------------------ */

/* One SDES chunk with a single CNAME item (§6.5.1). cname_len <= 255. */
int rtcp_write_sdes_cname(uint8_t *buf, size_t cap, uint32_t ssrc,
                          const char *cname, size_t cname_len);

typedef struct rtcp_bye {
    uint8_t count;
    uint32_t ssrcs[RTCP_MAX_REPORTS];
    const uint8_t *reason;   /* NULL if absent; not NUL-terminated */
    uint8_t reason_len;
} rtcp_bye_t;

int rtcp_parse_bye(const rtcp_packet_t *p, rtcp_bye_t *out);
/* n <= RTCP_MAX_REPORTS; no reason text. */
int rtcp_write_bye(uint8_t *buf, size_t cap, const uint32_t *ssrcs, size_t n);

/* ---- feedback (RFC 4585 §6.1: sender SSRC, media SSRC, FCI) -------------- */

typedef struct rtcp_pli {
    uint32_t sender_ssrc;
    uint32_t media_ssrc;
} rtcp_pli_t;

int rtcp_parse_pli(const rtcp_packet_t *p, rtcp_pli_t *out);
int rtcp_write_pli(uint8_t *buf, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc);

typedef struct rtcp_fir {
    uint32_t sender_ssrc;
    size_t count;            /* FCI entries, >= 1 */
    const uint8_t *fci;
} rtcp_fir_t;

int rtcp_parse_fir(const rtcp_packet_t *p, rtcp_fir_t *out);
/* Entry i: the SSRC asked for a decoder refresh and the command seq nr. */
int rtcp_fir_entry(const rtcp_fir_t *f, size_t i, uint32_t *ssrc, uint8_t *seq_nr);
/* One FCI entry for media_ssrc; the header's media SSRC is 0 (§4.3.1.2).
 * The caller increments seq_nr per new request (§4.3.1.1). */
int rtcp_write_fir(uint8_t *buf, size_t cap, uint32_t sender_ssrc,
                   uint32_t media_ssrc, uint8_t seq_nr);

typedef struct rtcp_nack {
    uint32_t sender_ssrc;
    uint32_t media_ssrc;
    size_t count;            /* PID/BLP entries, >= 1 */
    const uint8_t *fci;
} rtcp_nack_t;

int rtcp_parse_nack(const rtcp_packet_t *p, rtcp_nack_t *out);
int rtcp_nack_entry(const rtcp_nack_t *n, size_t i, uint16_t *pid, uint16_t *blp);
/* Expands every PID/BLP into lost sequence numbers, in wire order, writing at
 * most cap of them. Returns how many were written. */
size_t rtcp_nack_expand(const rtcp_nack_t *n, uint16_t *seqs, size_t cap);
/*
 * Packs the lost seqs into PID/BLP entries: each seq within 1..16 after the
 * current entry's PID sets a BLP bit, anything else starts a new entry.
 * Ascending input (mod 2^16) packs tightest; any order is correct.
 * n >= 1 (else RTP_EINVAL).
 */
int rtcp_write_nack(uint8_t *buf, size_t cap, uint32_t sender_ssrc,
                    uint32_t media_ssrc, const uint16_t *seqs, size_t n);

/* ---- REMB (draft-alvestrand-rmcat-remb-03 §2.2) -------------------------- */

typedef struct rtcp_remb {
    uint32_t sender_ssrc;
    uint64_t bitrate_bps;    /* saturates at UINT64_MAX */
    uint8_t ssrc_count;
    const uint8_t *ssrcs;
} rtcp_remb_t;

/* RTP_ENOENT for an AFB packet that is not REMB. */
int rtcp_parse_remb(const rtcp_packet_t *p, rtcp_remb_t *out);
uint32_t rtcp_remb_ssrc(const rtcp_remb_t *r, size_t i);
/* n <= 255 SSRCs the estimate applies to. */
int rtcp_write_remb(uint8_t *buf, size_t cap, uint32_t sender_ssrc,
                    uint64_t bitrate_bps, const uint32_t *ssrcs, size_t n);

/* bitrate = mantissa (18 bits) << exp (6 bits); encode rounds down. */
void rtcp_remb_encode_bitrate(uint64_t bps, uint8_t *exp, uint32_t *mantissa);
uint64_t rtcp_remb_decode_bitrate(uint8_t exp, uint32_t mantissa);

/* ---- transport-wide CC header (draft-holmer-...-01 §3.1) ------------------ */

typedef struct rtcp_twcc {
    uint32_t sender_ssrc;
    uint32_t media_ssrc;
    uint16_t base_seq;
    uint16_t status_count;
    int32_t reference_time;  /* 24-bit signed, units of 64 ms */
    uint8_t fb_count;
    const uint8_t *chunks;   /* packet chunks followed by receive deltas */
    size_t chunks_len;
} rtcp_twcc_t;

int rtcp_parse_twcc(const rtcp_packet_t *p, rtcp_twcc_t *out);

/* Common header writer used by every writer here (and by twcc.c):
 * V=2, P=0, count/FMT, PT, length = len/4 - 1. len must be a multiple of 4. */
void rtcp_write_header(uint8_t *buf, uint8_t count, uint8_t pt, size_t len);

#endif
