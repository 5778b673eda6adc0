/*
 * The packet path at transport level, without the transports themselves:
 *
 *   sfu_router_in  (a publisher's send transport): plain RTP from the
 *     transport -> transport-wide-cc arrival record -> the producer owning
 *     the SSRC (learnt from the mid extension when the SDP had no a=ssrc);
 *     RTCP from the publisher (SR) -> producer; timers: TWCC feedback every
 *     SFU_ROUTER_TWCC_INTERVAL_US, REMB when TWCC is not negotiated, and
 *     each producer's NACK/RR/keyframe timers.
 *   sfu_router_out (a subscriber's receive transport): RTCP from the
 *     subscriber -> the consumer its media SSRC names; timers: SRs.
 *
 * Both hold borrowed pointers to producers / consumers that the room owns,
 * and a sfu_packet_out_t the room wires to the transport. Sans-IO: time is
 * passed in; tests drive them with synthetic packets. Fixed-size tables, no
 * allocation per packet.
 */
#ifndef SFU_ROUTER_H
#define SFU_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include "sfu/consumer.h"
#include "sfu/media_counters.h"
#include "sfu/packet_out.h"
#include "sfu/producer.h"
#include "sfu/transport.h"

#define SFU_ROUTER_MAX_PRODUCERS 16  /* one per m-section: SDP_MAX_MEDIA */
#define SFU_ROUTER_MAX_CONSUMERS 16
#define SFU_ROUTER_TWCC_INTERVAL_US 100000
#define SFU_ROUTER_REMB_INTERVAL_US 1000000
#define SFU_ROUTER_REMB_BPS 10000000ull /* cap only: the browser's own loss-based estimate rules */

typedef struct sfu_router_in sfu_router_in_t;
typedef struct sfu_router_out sfu_router_out_t;

/* ---- publisher side ---- */

/* rtcp_ssrc: sender SSRC of our feedback. out/counters borrowed. */
sfu_router_in_t *sfu_router_in_create(uint32_t rtcp_ssrc, sfu_packet_out_t *out,
                                      sfu_media_counters_t *counters);
void sfu_router_in_destroy(sfu_router_in_t *r);

/* Ids the publisher negotiated on this transport (BUNDLE: one id space);
 * 0 = not negotiated. remb: the publisher accepts goog-remb. */
void sfu_router_in_set_ext_ids(sfu_router_in_t *r, uint8_t mid_id, uint8_t twcc_id, int remb);

int sfu_router_in_add(sfu_router_in_t *r, sfu_producer_t *p);      /* -ENOSPC when full */
void sfu_router_in_remove(sfu_router_in_t *r, sfu_producer_t *p);
size_t sfu_router_in_count(const sfu_router_in_t *r);
sfu_producer_t *sfu_router_in_get(const sfu_router_in_t *r, size_t i);

/* Plain RTP from the transport (buf writable). 0, or RTP_ENOENT for an
 * SSRC no producer owns (counted), or a parse error. */
int sfu_router_in_handle_rtp(sfu_router_in_t *r, uint8_t *buf, size_t len, int64_t now_us);
void sfu_router_in_handle_rtcp(sfu_router_in_t *r, const uint8_t *buf, size_t len,
                               int64_t now_us);
void sfu_router_in_handle_timeout(sfu_router_in_t *r, int64_t now_us);

/* ---- subscriber side ---- */

sfu_router_out_t *sfu_router_out_create(sfu_media_counters_t *counters);
void sfu_router_out_destroy(sfu_router_out_t *r);

int sfu_router_out_add(sfu_router_out_t *r, sfu_consumer_t *c);    /* -ENOSPC when full */
void sfu_router_out_remove(sfu_router_out_t *r, sfu_consumer_t *c);

void sfu_router_out_handle_rtcp(sfu_router_out_t *r, const uint8_t *buf, size_t len,
                                int64_t now_us);
void sfu_router_out_handle_timeout(sfu_router_out_t *r, int64_t now_us, int64_t wall_us);

/* The transport came up, or the subscriber answered an offer: every
 * consumer still waiting for a keyframe asks its producer for one. */
void sfu_router_out_request_keyframes(sfu_router_out_t *r, int64_t now_us);

#endif
