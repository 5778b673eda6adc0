/*
 * DCEP codec (RFC 8832 §5), PPIDs (RFC 8831 §8) and stream-id parity
 * (RFC 8832 §6). See dcep.h for the wire layout.
 */
#include "datachannel/dcep.h"

#include <string.h>

#include "datachannel/dc_bytes.h"

int dc_ppid_classify(uint32_t ppid, dc_ppid_info_t *out)
{
    dc_ppid_info_t info = {0};
    switch (ppid) {
    case DC_PPID_DCEP: info.dcep = true; break;
    case DC_PPID_STRING: info.is_string = true; break;
    case DC_PPID_BINARY: break;
    case DC_PPID_STRING_PARTIAL: info.is_string = true; info.partial = true; break;
    case DC_PPID_BINARY_PARTIAL: info.partial = true; break;
    case DC_PPID_STRING_EMPTY: info.is_string = true; info.empty = true; break;
    case DC_PPID_BINARY_EMPTY: info.empty = true; break;
    default: return DC_EINVAL;
    }
    *out = info;
    return DC_OK;
}

uint32_t dc_ppid_for_message(bool is_string, size_t len)
{
    if (len == 0)
        return is_string ? DC_PPID_STRING_EMPTY : DC_PPID_BINARY_EMPTY;
    return is_string ? DC_PPID_STRING : DC_PPID_BINARY;
}

bool dc_channel_type_valid(uint8_t t)
{
    return (t & 0x7f) <= 0x02;
}

bool dc_channel_type_unordered(uint8_t t)
{
    return (t & 0x80) != 0;
}

dc_reliability_t dc_channel_type_reliability(uint8_t t)
{
    switch (t & 0x7f) {
    case 0x01: return DC_REXMIT;
    case 0x02: return DC_TIMED;
    default: return DC_RELIABLE;
    }
}

/* Length of the UTF-8 sequence starting at lead byte b, 0 if b cannot lead. */
static size_t utf8_seq_len(uint8_t b)
{
    if (b < 0x80)
        return 1;
    if (b >= 0xc2 && b <= 0xdf)
        return 2;
    if (b >= 0xe0 && b <= 0xef)
        return 3;
    if (b >= 0xf0 && b <= 0xf4)
        return 4;
    return 0;
}

/*
 * Follows RFC 3629 §4: the second byte's range depends on the lead byte, which
 * rules out overlong forms (E0, F0), surrogates (ED) and code points above
 * U+10FFFF (F4). Every later byte is a plain continuation byte.
 */
bool dc_utf8_valid(const uint8_t *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t b = p[i];
        if (b == 0)
            return false;
        size_t n = utf8_seq_len(b);
        if (n == 0 || len - i < n)
            return false;
        if (n > 1) {
            uint8_t lo = 0x80, hi = 0xbf, c = p[i + 1];
            if (b == 0xe0) lo = 0xa0;
            if (b == 0xed) hi = 0x9f;
            if (b == 0xf0) lo = 0x90;
            if (b == 0xf4) hi = 0x8f;
            if (c < lo || c > hi)
                return false;
            for (size_t k = 2; k < n; k++)
                if ((p[i + k] & 0xc0) != 0x80)
                    return false;
        }
        i += n;
    }
    return true;
}

int dc_dcep_message_type(const uint8_t *buf, size_t len)
{
    if (!buf || len == 0)
        return DC_ETRUNC;
    return buf[0];
}

int dc_dcep_parse_open(const uint8_t *buf, size_t len, dc_dcep_open_t *out)
{
    if (!buf || !out)
        return DC_EINVAL;
    if (len < DC_DCEP_OPEN_HEADER_LEN)
        return DC_ETRUNC;
    if (buf[0] != DC_DCEP_OPEN || !dc_channel_type_valid(buf[1]))
        return DC_EINVAL;
    uint16_t label_len = dc_rd16(buf + 8);
    uint16_t protocol_len = dc_rd16(buf + 10);
    size_t need = (size_t)DC_DCEP_OPEN_HEADER_LEN + label_len + protocol_len;
    if (len < need)
        return DC_ETRUNC;
    if (len > need)
        return DC_EINVAL;
    const uint8_t *label = buf + DC_DCEP_OPEN_HEADER_LEN;
    const uint8_t *protocol = label + label_len;
    if (!dc_utf8_valid(label, label_len) || !dc_utf8_valid(protocol, protocol_len))
        return DC_EINVAL;
    out->channel_type = buf[1];
    out->priority = dc_rd16(buf + 2);
    /* RFC 8832 §5.1: ignored on receipt for reliable channels. */
    out->reliability = dc_channel_type_reliability(buf[1]) == DC_RELIABLE
                           ? 0 : dc_rd32(buf + 4);
    out->label = label;
    out->label_len = label_len;
    out->protocol = protocol;
    out->protocol_len = protocol_len;
    return (int)need;
}

int dc_dcep_parse_ack(const uint8_t *buf, size_t len)
{
    if (!buf || len == 0)
        return DC_ETRUNC;
    if (buf[0] != DC_DCEP_ACK || len != 1)
        return DC_EINVAL;
    return 1;
}

size_t dc_dcep_open_size(const dc_dcep_open_t *o)
{
    return (size_t)DC_DCEP_OPEN_HEADER_LEN + o->label_len + o->protocol_len;
}

int dc_dcep_write_open(const dc_dcep_open_t *o, uint8_t *buf, size_t cap,
                       size_t *len)
{
    if (!o || !buf || !len || !dc_channel_type_valid(o->channel_type))
        return DC_EINVAL;
    if ((o->label_len && !o->label) || (o->protocol_len && !o->protocol))
        return DC_EINVAL;
    if (!dc_utf8_valid(o->label, o->label_len) ||
        !dc_utf8_valid(o->protocol, o->protocol_len))
        return DC_EINVAL;
    size_t need = dc_dcep_open_size(o);
    if (cap < need)
        return DC_ENOSPC;
    bool reliable = dc_channel_type_reliability(o->channel_type) == DC_RELIABLE;
    buf[0] = DC_DCEP_OPEN;
    buf[1] = o->channel_type;
    dc_wr16(buf + 2, o->priority);
    dc_wr32(buf + 4, reliable ? 0 : o->reliability);
    dc_wr16(buf + 8, o->label_len);
    dc_wr16(buf + 10, o->protocol_len);
    if (o->label_len)
        memcpy(buf + DC_DCEP_OPEN_HEADER_LEN, o->label, o->label_len);
    if (o->protocol_len)
        memcpy(buf + DC_DCEP_OPEN_HEADER_LEN + o->label_len, o->protocol,
               o->protocol_len);
    *len = need;
    return DC_OK;
}

int dc_dcep_write_ack(uint8_t *buf, size_t cap, size_t *len)
{
    if (!buf || !len)
        return DC_EINVAL;
    if (cap < 1)
        return DC_ENOSPC;
    buf[0] = DC_DCEP_ACK;
    *len = 1;
    return DC_OK;
}

bool dc_stream_id_is_local(uint16_t sid, bool dtls_server)
{
    if (sid > DC_STREAM_ID_MAX)
        return false;
    return (sid & 1u) == (dtls_server ? 1u : 0u);
}

int dc_stream_id_check_remote(uint16_t sid, bool dtls_server)
{
    if (sid > DC_STREAM_ID_MAX)
        return DC_EINVAL;
    return dc_stream_id_is_local(sid, dtls_server) ? DC_EPROTO : DC_OK;
}
