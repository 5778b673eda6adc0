#include "rtp/demux.h"

/* RFC 5761 §4: the second octet of an RTCP packet is its packet type,
 * 192..223; in RTP the same octet is M bit + PT. */
static int second_byte_is_rtcp(uint8_t b)
{
    return b >= 192 && b <= 223;
}

rtp_demux_kind_t rtp_demux_classify(const uint8_t *buf, size_t len)
{
    if (buf == NULL || len == 0)
        return RTP_DEMUX_UNKNOWN;
    uint8_t b = buf[0];
    if (b <= 3)
        return len >= RTP_DEMUX_STUN_MIN ? RTP_DEMUX_STUN : RTP_DEMUX_UNKNOWN;
    if (b >= 20 && b <= 63)
        return len >= RTP_DEMUX_DTLS_MIN ? RTP_DEMUX_DTLS : RTP_DEMUX_UNKNOWN;
    if (b >= 128 && b <= 191) {
        if (len < 2)
            return RTP_DEMUX_UNKNOWN;
        if (second_byte_is_rtcp(buf[1]))
            return len >= RTP_DEMUX_RTCP_MIN ? RTP_DEMUX_RTCP : RTP_DEMUX_UNKNOWN;
        return len >= RTP_DEMUX_RTP_MIN ? RTP_DEMUX_RTP : RTP_DEMUX_UNKNOWN;
    }
    return RTP_DEMUX_UNKNOWN; /* ZRTP, TURN channels, anything else */
}

const char *rtp_demux_kind_name(rtp_demux_kind_t kind)
{
    switch (kind) {
    case RTP_DEMUX_STUN: return "stun";
    case RTP_DEMUX_DTLS: return "dtls";
    case RTP_DEMUX_RTP: return "rtp";
    case RTP_DEMUX_RTCP: return "rtcp";
    default: return "unknown";
    }
}
