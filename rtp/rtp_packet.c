/*
 * RTP packet parsing, header extensions and keyframe detection.
 * See rtp_packet.h for the contracts.
 */
#include "rtp/rtp_packet.h"

#include <string.h>

#include "rtp/rtp_bytes.h"

/* RFC 3550 §5.1 fixed header, CSRC list, then the §5.3.1 extension block:
 * 16-bit profile word, 16-bit length in 32-bit words, data. */
static int parse_header_chain(rtp_packet_t *p, const uint8_t *buf, size_t len)
{
    size_t off = RTP_HEADER_MIN + 4u * p->csrc_count;
    if (off > len)
        return RTP_ETRUNC;
    if (p->extension) {
        if (off + 4 > len)
            return RTP_ETRUNC;
        p->ext_profile = rtp_rd16(buf + off);
        p->ext_len = 4u * rtp_rd16(buf + off + 2);
        p->ext_offset = off + 4;
        off = p->ext_offset + p->ext_len;
        if (off > len)
            return RTP_ETRUNC;
    }
    p->header_len = off;
    p->payload_offset = off;
    return 0;
}

int rtp_packet_parse(rtp_packet_t *p, const uint8_t *buf, size_t len)
{
    if (!p || (!buf && len))
        return RTP_EINVAL;
    memset(p, 0, sizeof *p);
    if (len < RTP_HEADER_MIN)
        return RTP_ETRUNC;
    p->data = buf;
    p->len = len;
    p->version = buf[0] >> 6;
    if (p->version != 2)
        return RTP_EVERSION;
    p->padding = (buf[0] >> 5) & 1;
    p->extension = (buf[0] >> 4) & 1;
    p->csrc_count = buf[0] & 0x0f;
    p->marker = buf[1] >> 7;
    p->payload_type = buf[1] & 0x7f;
    p->seq = rtp_rd16(buf + 2);
    p->timestamp = rtp_rd32(buf + 4);
    p->ssrc = rtp_rd32(buf + 8);

    int rc = parse_header_chain(p, buf, len);
    if (rc < 0)
        return rc;
    p->payload_len = len - p->header_len;
    if (p->padding) {
        /* The last octet counts the padding, itself included (§5.1). */
        if (p->payload_len == 0)
            return RTP_EINVAL;
        uint8_t pad = buf[len - 1];
        if (pad == 0 || pad > p->payload_len)
            return RTP_EINVAL;
        p->padding_len = pad;
        p->payload_len -= pad;
    }
    return 0;
}

uint32_t rtp_packet_csrc(const rtp_packet_t *p, unsigned i)
{
    if (!p || !p->data || i >= p->csrc_count)
        return 0;
    return rtp_rd32(p->data + RTP_HEADER_MIN + 4u * i);
}

/* ---- setters ------------------------------------------------------------ */

int rtp_set_ssrc(uint8_t *buf, size_t len, uint32_t ssrc)
{
    if (!buf || len < RTP_HEADER_MIN)
        return RTP_ETRUNC;
    rtp_wr32(buf + 8, ssrc);
    return 0;
}

int rtp_set_seq(uint8_t *buf, size_t len, uint16_t seq)
{
    if (!buf || len < RTP_HEADER_MIN)
        return RTP_ETRUNC;
    rtp_wr16(buf + 2, seq);
    return 0;
}

int rtp_set_timestamp(uint8_t *buf, size_t len, uint32_t ts)
{
    if (!buf || len < RTP_HEADER_MIN)
        return RTP_ETRUNC;
    rtp_wr32(buf + 4, ts);
    return 0;
}

int rtp_set_payload_type(uint8_t *buf, size_t len, uint8_t pt)
{
    if (!buf || len < RTP_HEADER_MIN)
        return RTP_ETRUNC;
    if (pt > 0x7f)
        return RTP_EINVAL;
    buf[1] = (uint8_t)((buf[1] & 0x80) | pt);
    return 0;
}

int rtp_set_marker(uint8_t *buf, size_t len, int marker)
{
    if (!buf || len < RTP_HEADER_MIN)
        return RTP_ETRUNC;
    buf[1] = (uint8_t)((buf[1] & 0x7f) | (marker ? 0x80 : 0));
    return 0;
}

/* ---- header extensions (RFC 8285) ---------------------------------------- */

int rtp_ext_iter_init(rtp_ext_iter_t *it, const rtp_packet_t *p)
{
    if (!it || !p || !p->data)
        return RTP_EINVAL;
    memset(it, 0, sizeof *it);
    if (!p->extension)
        return RTP_ENOENT;
    if (p->ext_profile == RTP_EXT_PROFILE_ONE_BYTE)
        it->two_byte = 0;
    else if ((p->ext_profile & 0xfff0) == RTP_EXT_PROFILE_TWO_BYTE)
        it->two_byte = 1;
    else
        return RTP_ENOENT;
    it->pkt = p->data;
    it->pos = p->ext_offset;
    it->end = p->ext_offset + p->ext_len;
    return 0;
}

/* RFC 8285 §4.2: ID (4 bits) | L (4 bits, length - 1) | data. ID 0 is a
 * padding byte; ID 15 is reserved and stops processing. */
static int next_one_byte(rtp_ext_iter_t *it, rtp_ext_t *out)
{
    while (it->pos < it->end) {
        uint8_t b = it->pkt[it->pos];
        if (b == 0) {
            it->pos++;
            continue;
        }
        uint8_t id = b >> 4;
        size_t n = (size_t)(b & 0x0f) + 1;
        if (id == 15) {
            it->pos = it->end;
            return 0;
        }
        if (it->pos + 1 + n > it->end)
            return RTP_ETRUNC;
        out->id = id;
        out->len = (uint8_t)n;
        out->offset = it->pos + 1;
        out->data = it->pkt + out->offset;
        it->pos += 1 + n;
        return 1;
    }
    return 0;
}

/* RFC 8285 §4.3: ID (8 bits) | length (8 bits) | data; ID 0 is padding. */
static int next_two_byte(rtp_ext_iter_t *it, rtp_ext_t *out)
{
    while (it->pos < it->end) {
        uint8_t id = it->pkt[it->pos];
        if (id == 0) {
            it->pos++;
            continue;
        }
        if (it->pos + 2 > it->end)
            return RTP_ETRUNC;
        size_t n = it->pkt[it->pos + 1];
        if (it->pos + 2 + n > it->end)
            return RTP_ETRUNC;
        out->id = id;
        out->len = (uint8_t)n;
        out->offset = it->pos + 2;
        out->data = it->pkt + out->offset;
        it->pos += 2 + n;
        return 1;
    }
    return 0;
}

int rtp_ext_iter_next(rtp_ext_iter_t *it, rtp_ext_t *out)
{
    if (!it || !out)
        return RTP_EINVAL;
    if (!it->pkt)
        return 0;
    return it->two_byte ? next_two_byte(it, out) : next_one_byte(it, out);
}

int rtp_packet_find_ext(const rtp_packet_t *p, uint8_t id, rtp_ext_t *out)
{
    rtp_ext_iter_t it;
    rtp_ext_t e;
    int rc = rtp_ext_iter_init(&it, p);
    if (rc < 0)
        return rc;
    while ((rc = rtp_ext_iter_next(&it, &e)) > 0) {
        if (e.id == id) {
            if (out)
                *out = e;
            return 0;
        }
    }
    return rc < 0 ? rc : RTP_ENOENT;
}

/* First pass of rtp_ext_remap: walk the whole block and check every new id
 * before the second pass writes anything. */
static int remap_check(const rtp_packet_t *p, const uint8_t map[256])
{
    rtp_ext_iter_t it;
    rtp_ext_t e;
    int rc = rtp_ext_iter_init(&it, p);
    if (rc < 0)
        return rc;
    while ((rc = rtp_ext_iter_next(&it, &e)) > 0) {
        if (!it.two_byte && map[e.id] > 14)
            return RTP_EINVAL;
    }
    return rc;
}

int rtp_ext_remap(uint8_t *buf, size_t len, const uint8_t map[256])
{
    rtp_packet_t p;
    if (!map)
        return RTP_EINVAL;
    int rc = rtp_packet_parse(&p, buf, len);
    if (rc < 0)
        return rc;
    rc = remap_check(&p, map);
    if (rc < 0)
        return rc;

    rtp_ext_iter_t it;
    rtp_ext_t e;
    int kept = 0;
    rtp_ext_iter_init(&it, &p);
    size_t hdr = it.two_byte ? 2 : 1;
    while (rtp_ext_iter_next(&it, &e) > 0) {
        uint8_t nid = map[e.id];
        uint8_t *h = buf + e.offset - hdr;
        if (nid == 0) {
            memset(h, 0, hdr + e.len); /* zero bytes are padding */
        } else if (it.two_byte) {
            h[0] = nid;
            kept++;
        } else {
            h[0] = (uint8_t)((nid << 4) | (h[0] & 0x0f));
            kept++;
        }
    }
    return kept;
}

/* ---- keyframe detection -------------------------------------------------- */

/* RFC 7741 §4.2 payload descriptor, then §4.3 payload header whose first
 * byte has the inverse key frame flag P in bit 0. Only the first packet of a
 * frame (S=1, PID=0) carries that header. */
static int vp8_keyframe(const uint8_t *p, size_t len)
{
    if (len < 1)
        return RTP_ETRUNC;
    size_t i = 1;
    if (p[0] & 0x80) { /* X: extension byte I|L|T|K */
        if (len < 2)
            return RTP_ETRUNC;
        uint8_t x = p[i++];
        if (x & 0x80) { /* I: PictureID, M bit selects 7 or 15 bits */
            if (i >= len)
                return RTP_ETRUNC;
            i += (p[i] & 0x80) ? 2 : 1;
        }
        if (x & 0x40) /* L: TL0PICIDX */
            i++;
        if (x & 0x30) /* T or K: TID|Y|KEYIDX */
            i++;
    }
    if (i > len)
        return RTP_ETRUNC;
    int start = (p[0] & 0x10) != 0;
    int pid = p[0] & 0x07;
    if (!start || pid != 0)
        return 0;
    if (i >= len)
        return RTP_ETRUNC;
    return (p[i] & 0x01) == 0;
}

/* RFC 9628 §4.2: I|P|L|F|B|E|V|Z, then an optional picture id (I, 7 or 15
 * bits), then with L the layer byte TID(3)|U|SID(3)|D. A keyframe packet is
 * not inter-predicted (P=0), starts a frame (B=1) and is in spatial layer 0. */
static int vp9_keyframe(const uint8_t *p, size_t len)
{
    if (len < 1)
        return RTP_ETRUNC;
    uint8_t b0 = p[0];
    size_t i = 1;
    unsigned sid = 0;
    if (b0 & 0x80) {
        if (i >= len)
            return RTP_ETRUNC;
        i += (p[i] & 0x80) ? 2 : 1;
    }
    if (b0 & 0x20) {
        if (i >= len)
            return RTP_ETRUNC;
        sid = (p[i] >> 1) & 0x07;
    }
    if (i > len)
        return RTP_ETRUNC;
    return !(b0 & 0x40) && (b0 & 0x08) && sid == 0;
}

static int h264_nal_is_key(uint8_t nal_header)
{
    uint8_t type = nal_header & 0x1f;
    return type == 5 || type == 7; /* IDR slice or SPS */
}

/* RFC 6184 §5.7.1: after the STAP header (and a 16-bit DON for STAP-B),
 * units of 16-bit size followed by the NAL unit. */
static int h264_stap_keyframe(const uint8_t *p, size_t len, size_t i)
{
    if (i > len)
        return RTP_ETRUNC;
    while (i < len) {
        if (i + 2 > len)
            return RTP_ETRUNC;
        size_t n = rtp_rd16(p + i);
        i += 2;
        if (n == 0)
            return RTP_EINVAL;
        if (i + n > len)
            return RTP_ETRUNC;
        if (h264_nal_is_key(p[i]))
            return 1;
        i += n;
    }
    return 0;
}

/* RFC 6184 §5.6 single NAL unit, §5.7 STAP-A/B, §5.8 FU-A/B (FU header
 * S|E|R|Type: the start fragment carries the original NAL type). */
static int h264_keyframe(const uint8_t *p, size_t len)
{
    if (len < 1)
        return RTP_ETRUNC;
    uint8_t type = p[0] & 0x1f;
    if (type >= 1 && type <= 23)
        return h264_nal_is_key(p[0]);
    switch (type) {
    case 24: /* STAP-A */
        return h264_stap_keyframe(p, len, 1);
    case 25: /* STAP-B */
        return h264_stap_keyframe(p, len, 3);
    case 28: /* FU-A */
    case 29: /* FU-B */
        if (len < 2)
            return RTP_ETRUNC;
        return (p[1] & 0x80) && h264_nal_is_key(p[1]);
    default: /* MTAP16/24 and reserved types carry no keyframe we detect */
        return 0;
    }
}

int rtp_is_keyframe(rtp_codec_t codec, const uint8_t *payload, size_t len)
{
    if (!payload && len)
        return RTP_EINVAL;
    switch (codec) {
    case RTP_CODEC_VP8: return vp8_keyframe(payload, len);
    case RTP_CODEC_VP9: return vp9_keyframe(payload, len);
    case RTP_CODEC_H264: return h264_keyframe(payload, len);
    default: return RTP_EINVAL;
    }
}
