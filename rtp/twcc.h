/*
 * Transport-wide congestion control feedback, receiver side
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01): record the
 * transport-wide sequence number (RTP header extension, §2) and arrival
 * time of every packet on a transport, and periodically turn them into
 * RTPFB FMT=15 feedback (§3.1) so the sending browser can estimate
 * bandwidth. A decoder for that feedback is here too (tests, and later
 * send-side estimation).
 *
 * Sans-IO: arrival times and `now` are caller-supplied microseconds from
 * one monotonic clock. Memory: `window` slots allocated by create().
 */
#ifndef SB_TWCC_H
#define SB_TWCC_H

#include <stddef.h>
#include <stdint.h>

#include "rtp/rtcp.h"
#include "rtp/rtp_error.h"
#include "rtp/rtp_packet.h"

#define RTP_TWCC_EXT_URI \
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"

/* Packet status symbols (§3.1.1). */
#define RTP_TWCC_NOT_RECEIVED 0
#define RTP_TWCC_SMALL_DELTA 1  /* 1-byte delta, 0..63.75 ms */
#define RTP_TWCC_LARGE_DELTA 2  /* 2-byte signed delta */

typedef struct rtp_twcc rtp_twcc_t;

/* window: unreported packets kept, power of two in 16..32768 (e.g. 4096).
 * media_ssrc goes in the feedback header. It must name one of the sending
 * browser's own SSRCs: libwebrtc (RTCPReceiver::HandleTransportFeedback)
 * drops feedback whose media SSRC none of its RTP modules owns, and then
 * never learns that anything arrived. */
rtp_twcc_t *rtp_twcc_create(uint32_t sender_ssrc, uint32_t media_ssrc, size_t window);
void rtp_twcc_destroy(rtp_twcc_t *t);

/* Changes the media SSRC written into later feedback (see create). */
void rtp_twcc_set_media_ssrc(rtp_twcc_t *t, uint32_t media_ssrc);

/*
 * Records one arrival. Returns 0, or RTP_ESTALE for a seq already covered by
 * a sent feedback (it was reported lost), or older than the first one seen
 * once a feedback has gone out. Duplicates keep the first arrival.
 * If more than `window` packets go unreported the oldest are dropped.
 */
int rtp_twcc_on_packet(rtp_twcc_t *t, uint16_t seq, int64_t arrival_us);

/* Reads the 2-byte transport-wide seq from extension `ext_id` of a packet:
 * 0, RTP_ENOENT, or RTP_EINVAL for a wrong length. */
int rtp_twcc_seq_from_packet(const rtp_packet_t *p, uint8_t ext_id, uint16_t *seq);

/*
 * Writes one feedback packet covering the oldest unreported packets (from
 * the first unreported seq up to the last received one) into buf. Returns
 * bytes written, 0 when nothing is pending, RTP_ENOSPC if cap cannot hold
 * even a minimal packet. One packet ends early when cap is reached or when
 * a gap between arrivals does not fit a 16-bit delta (±8.19 s); call again
 * until it returns 0 to drain everything. Call every 50-100 ms.
 */
int rtp_twcc_build_feedback(rtp_twcc_t *t, int64_t now_us, uint8_t *buf, size_t cap);

/* ---- decoding ----------------------------------------------------------- */

typedef struct rtp_twcc_status {
    uint16_t seq;
    uint8_t status;          /* RTP_TWCC_* symbol */
    int64_t arrival_us;      /* reference_time * 64 ms + deltas; 0 if lost */
} rtp_twcc_status_t;

/*
 * Decodes a whole TWCC feedback packet: header into *hdr, one entry per
 * packet status into out. Returns the status count, RTP_ENOSPC if cap is
 * smaller than it, RTP_ETRUNC / RTP_EINVAL on malformed chunks or deltas.
 */
int rtp_twcc_parse_feedback(const rtcp_packet_t *p, rtcp_twcc_t *hdr,
                            rtp_twcc_status_t *out, size_t cap);

#endif
