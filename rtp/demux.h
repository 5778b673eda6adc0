/*
 * First-byte demultiplexing of everything that arrives on a WebRTC transport's
 * single UDP 5-tuple (BUNDLE + rtcp-mux): STUN, DTLS, SRTP and SRTCP.
 *
 * RFC 7983 §7 assigns ranges of the first byte:
 *
 *     0 -   3  STUN            (RFC 5389 top two bits 00)
 *    16 -  19  ZRTP            (not used by WebRTC: unknown here)
 *    20 -  63  DTLS            (TLS content types 20..63)
 *    64 -  79  TURN channel    (not used without TURN: unknown here)
 *   128 - 191  RTP / RTCP      (version 2)
 *
 * RTP and RTCP share 128..191; RFC 5761 §4 separates them by the second byte:
 * RTCP packet types 192..223 (SR 200, RR 201, SDES, BYE, APP, RTPFB 205,
 * PSFB 206, XR 207, ...) occupy the octet where RTP has the marker bit plus a
 * payload type, which is why payload types 64..95 are never used for RTP
 * when rtcp-mux is on.
 *
 * Pure: no state, no allocation. Every class also needs a minimum length (the
 * smallest header that kind can have) so callers can index the header bytes
 * they need without checking again.
 */
#ifndef SB_RTP_DEMUX_H
#define SB_RTP_DEMUX_H

#include <stddef.h>
#include <stdint.h>

typedef enum rtp_demux_kind {
    RTP_DEMUX_UNKNOWN = 0, /* drop it */
    RTP_DEMUX_STUN,
    RTP_DEMUX_DTLS,
    RTP_DEMUX_RTP,
    RTP_DEMUX_RTCP,
} rtp_demux_kind_t;

/* Minimum lengths for each class (fixed headers). */
#define RTP_DEMUX_STUN_MIN 20 /* RFC 5389 §6 message header */
#define RTP_DEMUX_DTLS_MIN 13 /* RFC 6347 §4.1 record header */
#define RTP_DEMUX_RTP_MIN 12  /* RFC 3550 §5.1 fixed header */
#define RTP_DEMUX_RTCP_MIN 8  /* RFC 3550 §6.4.2 RR: header + SSRC */

/* Classifies one datagram; a too-short datagram is RTP_DEMUX_UNKNOWN. */
rtp_demux_kind_t rtp_demux_classify(const uint8_t *buf, size_t len);

/* "stun", "dtls", "rtp", "rtcp" or "unknown". */
const char *rtp_demux_kind_name(rtp_demux_kind_t kind);

#endif
