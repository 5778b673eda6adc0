/*
 * libFuzzer harness for rtp/demux.c: any bytes must classify without reading
 * out of bounds, and the class must agree with RFC 7983's first-byte ranges
 * and the minimum lengths the header promises to callers.
 */
#include <stdint.h>
#include <stdlib.h>

#include "rtp/demux.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rtp_demux_kind_t k = rtp_demux_classify(data, size);
    switch (k) {
    case RTP_DEMUX_STUN:
        if (size < RTP_DEMUX_STUN_MIN || data[0] > 3)
            abort();
        break;
    case RTP_DEMUX_DTLS:
        if (size < RTP_DEMUX_DTLS_MIN || data[0] < 20 || data[0] > 63)
            abort();
        break;
    case RTP_DEMUX_RTP:
        if (size < RTP_DEMUX_RTP_MIN || (data[0] >> 6) != 2 ||
            (data[1] >= 192 && data[1] <= 223))
            abort();
        break;
    case RTP_DEMUX_RTCP:
        if (size < RTP_DEMUX_RTCP_MIN || (data[0] >> 6) != 2 || data[1] < 192 ||
            data[1] > 223)
            abort();
        break;
    default:
        break;
    }
    (void)rtp_demux_kind_name(k);
    return 0;
}
