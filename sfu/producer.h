/*
 * A producer: one incoming track (audio or video) of a publisher's send
 * transport (DESIGN.md, "Producer / consumer"). Worker-thread only.
 *
 *   sfu_producer_handle_rtp: RTX unwrap (RFC 4588 §4) -> receive statistics
 *     -> upstream loss tracking (nack_generator) -> retransmission store
 *     (video) -> each consumer (sfu_consumer_send)
 *   sfu_producer_handle_timeout: NACKs and RR to the publisher, keyframe
 *     requests held back by the rate limit
 *
 * Keyframe requests (PLI, RFC 4585 §6.3.1) are rate limited to one per
 * SFU_PRODUCER_KEYFRAME_INTERVAL_US; a request inside the interval is not
 * lost but deferred to its end, so a late joiner still gets its keyframe
 * quickly while a receiver asking in a loop cannot cause a keyframe storm.
 *
 * The packet path does not allocate or log; it counts in the worker's
 * sfu_media_counters_t. Only the current codec (the first negotiated one,
 * which is what a browser sends) is forwarded.
 */
#ifndef SFU_PRODUCER_H
#define SFU_PRODUCER_H

#include <stddef.h>
#include <stdint.h>

#include "rtp/rtcp.h"
#include "rtp/rtp_packet.h"
#include "sfu/media_counters.h"
#include "sfu/packet_out.h"
#include "sfu/sdp.h"

#define SFU_PRODUCER_KEYFRAME_INTERVAL_US 500000
#define SFU_PRODUCER_RR_INTERVAL_US 1000000
#define SFU_PRODUCER_NACK_CAPACITY 1024       /* packets kept for NACKs (power of 2) */
#define SFU_PRODUCER_NACK_MAX_AGE_US 1000000  /* about one second of video */

/* The header extensions the SFU reads or forwards, by role. */
typedef enum sfu_ext {
    SFU_EXT_MID = 0,
    SFU_EXT_ABS_SEND,
    SFU_EXT_TWCC,
    SFU_EXT_AUDIO_LEVEL,
    SFU_EXT_ORIENTATION,
    SFU_EXT_COUNT
} sfu_ext_t;

/* The extension URI for a role (codecs.h names). */
const char *sfu_ext_uri(sfu_ext_t e);

typedef struct sfu_consumer sfu_consumer_t;
typedef struct sfu_producer sfu_producer_t;

typedef struct sfu_producer_params {
    uint32_t id;               /* "P<id>" on the wire */
    uint32_t peer_id;          /* the publisher */
    sdp_media_kind_t kind;     /* AUDIO or VIDEO */
    char mid[SDP_TOKEN_MAX];   /* the publisher's m-section */
    uint32_t ssrc, rtx_ssrc;   /* 0: learn from the first packet (no a=ssrc) */
    sdp_codec_t codec;         /* negotiated codec, the publisher's PT */
    uint8_t rtx_pt;            /* the publisher's RTX PT for codec; 0: none */
    uint8_t ext_ids[SFU_EXT_COUNT]; /* the publisher's ids; 0: not negotiated */
    char cname[SDP_ID_MAX];
    uint32_t rtcp_ssrc;        /* sender SSRC of our RTCP to the publisher */
} sfu_producer_params_t;

/*
 * Creates a producer. out (RTCP to the publisher) and counters are borrowed
 * and must outlive it. Video producers get a retransmission store and NACK
 * generator. NULL on a bad argument or no memory.
 */
sfu_producer_t *sfu_producer_create(const sfu_producer_params_t *params,
                                    sfu_packet_out_t *out, sfu_media_counters_t *counters);

/* Frees the producer. Its consumers must have been destroyed (or detached)
 * first. NULL is a no-op. */
void sfu_producer_destroy(sfu_producer_t *p);

const sfu_producer_params_t *sfu_producer_params(const sfu_producer_t *p);
uint32_t sfu_producer_id(const sfu_producer_t *p);
uint32_t sfu_producer_ssrc(const sfu_producer_t *p);
uint32_t sfu_producer_rtx_ssrc(const sfu_producer_t *p);
/* Binds SSRCs learnt from the first packet when the SDP had none. */
void sfu_producer_bind_ssrc(sfu_producer_t *p, uint32_t ssrc);

/* Consumers fed by this producer (called when they are made and freed). */
int sfu_producer_add_consumer(sfu_producer_t *p, sfu_consumer_t *c);
void sfu_producer_remove_consumer(sfu_producer_t *p, sfu_consumer_t *c);
size_t sfu_producer_consumer_count(const sfu_producer_t *p);

/* Paused (muted) producers keep receiving but forward nothing. */
void sfu_producer_set_paused(sfu_producer_t *p, int paused, int64_t now_us);
int sfu_producer_paused(const sfu_producer_t *p);

/*
 * One plain RTP packet of this producer's media or RTX SSRC. buf is
 * writable (RTX packets are unwrapped in place). Returns 0 when handled
 * (forwarded, stored, or deliberately dropped), RTP_EINVAL / RTP_ETRUNC for
 * a packet that does not parse, RTP_ENOENT for an SSRC that is not ours.
 */
int sfu_producer_handle_rtp(sfu_producer_t *p, uint8_t *buf, size_t len, int64_t now_us);

/* The publisher's sender report (for RR's LSR/DLSR and consumers' SRs). */
void sfu_producer_handle_sr(sfu_producer_t *p, const rtcp_sr_t *sr, int64_t now_us);

/* The last SR: 0 and its NTP time, RTP timestamp and arrival, RTP_ENOENT
 * before the first one. */
int sfu_producer_last_sr(const sfu_producer_t *p, uint64_t *ntp, uint32_t *rtp_ts,
                         int64_t *at_us);

/* Asks the publisher for a keyframe, rate limited (see above). Audio: no-op. */
void sfu_producer_request_keyframe(sfu_producer_t *p, int64_t now_us);

/* A copy of packet seq from the retransmission store (video only): 0 with
 * *bytes and *len valid until the next packet, else RTP_ENOENT / RTP_ESTALE. */
int sfu_producer_stored_packet(const sfu_producer_t *p, uint16_t seq, int64_t now_us,
                               const uint8_t **bytes, size_t *len);

/* Timers: NACKs, RR, deferred keyframe request. now_us monotonic. */
void sfu_producer_handle_timeout(sfu_producer_t *p, int64_t now_us);

typedef struct sfu_producer_stats {
    uint64_t packets, bytes, rtx_packets, padding_packets, lost;
    uint32_t jitter;           /* RTP timestamp units */
    uint64_t keyframe_requests_sent;
} sfu_producer_stats_t;

void sfu_producer_get_stats(const sfu_producer_t *p, sfu_producer_stats_t *out);

#endif
