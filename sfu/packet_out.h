/*
 * Where a producer's RTCP and a consumer's RTP/RTCP go: in production the
 * functions wrap sfu_transport_send_rtp/rtcp of one transport; unit tests
 * plug in a capture. The owner of the transport keeps `connected` in step
 * with the transport's state, so the packet path can drop (and count)
 * packets for a transport that is not up without touching it.
 */
#ifndef SFU_PACKET_OUT_H
#define SFU_PACKET_OUT_H

#include <stddef.h>
#include <stdint.h>

typedef struct sfu_packet_out {
    /* 0 or a negative errno (-ENOTCONN before keys). buf is not kept. */
    int (*send_rtp)(void *user, const uint8_t *buf, size_t len);
    int (*send_rtcp)(void *user, const uint8_t *buf, size_t len);
    void *user;
    int connected;
    /* Next transport-wide sequence number sent on this transport
     * (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2): one counter
     * per transport, shared by its consumers. */
    uint16_t twcc_seq;
} sfu_packet_out_t;

#endif
