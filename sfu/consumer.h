/*
 * A consumer: one outgoing copy of a producer on a subscriber's receive
 * transport. Worker-thread only.
 *
 * Per packet (sfu_consumer_send): drop while paused or, for video, until a
 * keyframe starts the stream; copy into the producer's scratch buffer;
 * payload type -> ours; header extension ids -> the ids of our offer (the
 * mid extension is stripped: our a=ssrc lines identify the stream); a
 * transport-wide seq from the receive transport's counter; SSRC, seq and
 * timestamp through rtp_rewriter (continuous across pauses and source
 * changes); send.
 *
 * RTCP from the subscriber (sfu_consumer_handle_rtcp): PLI/FIR become a
 * (rate-limited) keyframe request to the producer; NACKed seqs are mapped
 * back through the rewriter and resent from the producer's store, as RTX
 * (RFC 4588) when the consumer has an RTX stream, else as the original.
 * sfu_consumer_handle_timeout sends an SR about once a second.
 */
#ifndef SFU_CONSUMER_H
#define SFU_CONSUMER_H

#include <stddef.h>
#include <stdint.h>

#include "rtp/rtcp.h"
#include "rtp/rtp_packet.h"
#include "sfu/media_counters.h"
#include "sfu/packet_out.h"
#include "sfu/producer.h"

#define SFU_CONSUMER_SR_INTERVAL_US 1000000
#define SFU_CONSUMER_NACK_MAX 64 /* seqs answered per NACK packet */

typedef struct sfu_consumer_params {
    uint32_t id;                 /* "C<id>" on the wire */
    uint32_t peer_id;            /* the subscriber */
    uint32_t ssrc, rtx_ssrc;     /* ours; rtx_ssrc 0: no RTX */
    uint8_t pt, rtx_pt;          /* ours (sdp_codec_for_offer) */
    uint8_t ext_ids[SFU_EXT_COUNT]; /* ours (sdp_offer_extmaps); 0: not sent */
    char cname[SDP_ID_MAX];      /* SDES CNAME in our SRs */
} sfu_consumer_params_t;

/*
 * Creates a consumer of `producer` and registers it there. out and counters
 * are borrowed. The consumer starts unpaused and, for video, waiting for a
 * keyframe; the caller asks the producer for one once the subscriber can
 * receive (sfu_consumer_request_keyframe). NULL on failure.
 */
sfu_consumer_t *sfu_consumer_create(const sfu_consumer_params_t *params,
                                    sfu_producer_t *producer, sfu_packet_out_t *out,
                                    sfu_media_counters_t *counters);

/* Unregisters from the producer (if still attached) and frees. NULL: no-op. */
void sfu_consumer_destroy(sfu_consumer_t *c);

/* The producer is going away: forget it; the consumer forwards nothing more. */
void sfu_consumer_detach(sfu_consumer_t *c);

const sfu_consumer_params_t *sfu_consumer_params(const sfu_consumer_t *c);
uint32_t sfu_consumer_id(const sfu_consumer_t *c);
sfu_producer_t *sfu_consumer_producer(const sfu_consumer_t *c);

/* Pause stops forwarding; resume restarts at the next keyframe (video) with
 * continuous seq/timestamps, and asks the producer for one. */
void sfu_consumer_set_paused(sfu_consumer_t *c, int paused, int64_t now_us);
int sfu_consumer_paused(const sfu_consumer_t *c);
/* Video not yet restarted by a keyframe (after creation or resume). */
int sfu_consumer_waiting_keyframe(const sfu_consumer_t *c);

/* The input is about to jump (the producer resumes after a pause): the next
 * packet starts a new rewriter segment, at a keyframe for video. */
void sfu_consumer_restart(sfu_consumer_t *c, int64_t now_us);

/* Asks the producer for a keyframe for this consumer (video). */
void sfu_consumer_request_keyframe(sfu_consumer_t *c, int64_t now_us);

/*
 * Forwards one producer packet (pkt parsed from buf). keyframe: the packet
 * starts a keyframe. scratch: at least SFU_TRANSPORT_MAX_PACKET bytes owned
 * by the caller. Returns 0 when sent, or a negative code for a dropped
 * packet (already counted).
 */
int sfu_consumer_send(sfu_consumer_t *c, const rtp_packet_t *pkt, int keyframe,
                      int64_t now_us, uint8_t *scratch);

/* One feedback or report packet from the subscriber addressed to this
 * consumer's SSRC (PLI, FIR, NACK, RR). */
void sfu_consumer_handle_rtcp(sfu_consumer_t *c, const rtcp_packet_t *pkt, int64_t now_us,
                              uint8_t *scratch);

/* SR about once a second; wall_us: g_get_real_time() (NTP timestamps). */
void sfu_consumer_handle_timeout(sfu_consumer_t *c, int64_t now_us, int64_t wall_us);

typedef struct sfu_consumer_stats {
    uint64_t packets, bytes;      /* sent (payload octets for bytes, as SR) */
    uint64_t retransmissions, nack_misses;
    uint64_t dropped;             /* paused, not connected, stale, waiting for keyframe */
    uint64_t keyframe_requests;   /* PLI/FIR received */
} sfu_consumer_stats_t;

void sfu_consumer_get_stats(const sfu_consumer_t *c, sfu_consumer_stats_t *out);

#endif
