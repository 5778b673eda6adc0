/*
 * RTP packet view (RFC 3550 §5.1), header extensions (RFC 8285), in-place
 * header setters and keyframe detection for VP8, VP9 and H.264.
 *
 * Parsing never copies: rtp_packet_t points into the caller's buffer and is
 * valid as long as that buffer is. Nothing here allocates or keeps state.
 */
#ifndef SB_RTP_PACKET_H
#define SB_RTP_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "rtp/rtp_error.h"

#define RTP_HEADER_MIN 12
#define RTP_EXT_PROFILE_ONE_BYTE 0xBEDE   /* RFC 8285 §4.2 */
#define RTP_EXT_PROFILE_TWO_BYTE 0x1000   /* RFC 8285 §4.3, low 4 bits = appbits */

typedef struct rtp_packet {
    const uint8_t *data;     /* whole packet as given */
    size_t len;              /* whole packet length, padding included */
    uint8_t version;         /* always 2 after a successful parse */
    uint8_t padding;         /* P bit */
    uint8_t extension;       /* X bit */
    uint8_t csrc_count;      /* CC */
    uint8_t marker;          /* M bit */
    uint8_t payload_type;    /* PT, 7 bits */
    uint16_t seq;
    uint32_t timestamp;
    uint32_t ssrc;
    size_t header_len;       /* fixed header + CSRCs + extension block */
    uint16_t ext_profile;    /* "defined by profile" word, 0 if no extension */
    size_t ext_offset;       /* offset of extension data (after its 4-byte header) */
    size_t ext_len;          /* extension data length in bytes (multiple of 4) */
    size_t payload_offset;   /* == header_len */
    size_t payload_len;      /* payload without padding */
    uint8_t padding_len;     /* bytes of padding removed, 0 if none */
} rtp_packet_t;

/*
 * Parses buf as an RTP packet into *p. Returns 0, or RTP_ETRUNC when a length
 * field points past the end, RTP_EVERSION when V != 2, RTP_EINVAL for a zero
 * padding count or padding longer than the payload (RFC 3550 §5.1).
 */
int rtp_packet_parse(rtp_packet_t *p, const uint8_t *buf, size_t len);

/* CSRC i (0 <= i < csrc_count) of a parsed packet. */
uint32_t rtp_packet_csrc(const rtp_packet_t *p, unsigned i);

/* Sequence-number distance a - b in the range [-32768, 32767] (RFC 3550 A.1
 * style serial arithmetic). Positive means a is newer. */
static inline int rtp_seq_diff(uint16_t a, uint16_t b)
{
    int d = (int)((unsigned)(a - b) & 0xffffu);
    return d >= 0x8000 ? d - 0x10000 : d;
}

/* ---- in-place setters; each needs len >= RTP_HEADER_MIN (else RTP_ETRUNC) */
int rtp_set_ssrc(uint8_t *buf, size_t len, uint32_t ssrc);
int rtp_set_seq(uint8_t *buf, size_t len, uint16_t seq);
int rtp_set_timestamp(uint8_t *buf, size_t len, uint32_t ts);
/* Keeps the marker bit; pt must be < 128 (else RTP_EINVAL). */
int rtp_set_payload_type(uint8_t *buf, size_t len, uint8_t pt);
int rtp_set_marker(uint8_t *buf, size_t len, int marker);

/* ---- header extensions (RFC 8285) ------------------------------------- */

typedef struct rtp_ext {
    uint8_t id;              /* 1..14 one-byte form, 1..255 two-byte form */
    uint8_t len;             /* data length: 1..16 one-byte, 0..255 two-byte */
    size_t offset;           /* offset of the data in the packet buffer */
    const uint8_t *data;
} rtp_ext_t;

typedef struct rtp_ext_iter {
    const uint8_t *pkt;
    size_t pos, end;         /* within pkt */
    int two_byte;
} rtp_ext_iter_t;

/*
 * Starts walking the extension elements of a parsed packet. Returns 0, or
 * RTP_ENOENT if the packet has no RFC 8285 extension block (no X bit or an
 * unknown profile; such blocks are opaque and left alone).
 */
int rtp_ext_iter_init(rtp_ext_iter_t *it, const rtp_packet_t *p);

/* Next element: 1 and *out filled, 0 at the end, RTP_ETRUNC if an element
 * runs past the block. Padding bytes (id 0) are skipped; a one-byte id 15
 * ends the walk (RFC 8285 §4.2). */
int rtp_ext_iter_next(rtp_ext_iter_t *it, rtp_ext_t *out);

/* First element with this id: 0 and *out filled, RTP_ENOENT, or RTP_ETRUNC. */
int rtp_packet_find_ext(const rtp_packet_t *p, uint8_t id, rtp_ext_t *out);

/*
 * Rewrites extension ids in place for one consumer. map[old_id] is the new
 * id; map[old_id] == 0 strips the element by overwriting its header and data
 * with zero bytes, which RFC 8285 §4.2/§4.3 define as padding, so the packet
 * keeps its length. To keep an id unchanged map it to itself.
 * A one-byte block only accepts new ids 1..14. All new ids are checked before
 * any byte changes, so on RTP_EINVAL the packet is untouched.
 * Returns the number of elements kept, or a negative error (RTP_ENOENT when
 * the packet has no RFC 8285 block).
 */
int rtp_ext_remap(uint8_t *buf, size_t len, const uint8_t map[256]);

/* ---- keyframe detection ------------------------------------------------ */

typedef enum rtp_codec {
    RTP_CODEC_OTHER = 0,
    RTP_CODEC_VP8,
    RTP_CODEC_VP9,
    RTP_CODEC_H264,
} rtp_codec_t;

/*
 * 1 if this RTP payload starts (or, for H.264, contains) a keyframe, 0 if
 * not, RTP_ETRUNC if the payload descriptor is cut short, RTP_EINVAL for an
 * unsupported codec. Callers test `> 0`.
 *   VP8  RFC 7741 §4.2-4.3: S=1, PID=0 and the P bit of the VP8 header is 0.
 *   VP9  RFC 9628 §4.2 (draft-ietf-payload-vp9): P=0, B=1, spatial layer 0.
 *   H264 RFC 6184 §5.6-5.8: an IDR slice (5) or SPS (7) as a single NAL
 *        unit, inside a STAP-A, or at the start of an FU-A.
 */
int rtp_is_keyframe(rtp_codec_t codec, const uint8_t *payload, size_t len);

#endif
