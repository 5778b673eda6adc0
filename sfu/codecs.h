/*
 * What the SFU can forward: the codec and RTP header extension capability
 * tables, and the negotiation that picks an answer's codecs from a browser's
 * offer. Pure functions over sdp_codec_t / sdp_extmap_t (see sdp.h).
 *
 * Codecs: opus/48000/2 and VP8 always; VP9 profile 0; H.264 with
 * packetization-mode=1 and profile-level-id 42e01f or 42001f (constrained
 * baseline / baseline, level 3.1) only, because an SFU forwards the
 * publisher's bitstream unchanged and every subscriber must be able to decode
 * it; RTX (RFC 4588) for each video codec.
 */
#ifndef SB_SFU_CODECS_H
#define SB_SFU_CODECS_H

#include "sfu/sdp.h"

/* One codec we can forward. */
typedef struct sdp_codec_cap {
    sdp_media_kind_t kind;
    const char      *name;         /* rtpmap encoding name, compared case-insensitively */
    uint32_t         clock_rate;
    uint8_t          channels;     /* 0 for video */
    bool             required;     /* every deployment must support it */
    int32_t          profile_level_id; /* H.264 only; -1 otherwise */
    uint8_t          offer_pt;     /* payload type in the server's own offers */
    uint8_t          offer_rtx_pt; /* RTX payload type in our offers; 0: none */
    uint32_t         rtcp_fb;      /* SDP_FB_* we handle for this codec */
} sdp_codec_cap_t;

/* The capability table; *count receives its length. */
const sdp_codec_cap_t *sdp_codec_caps(size_t *count);

/* The table entry `c` (an offered or negotiated codec of `kind`) matches:
 * name, clock rate, channels and, for VP9 and H.264, the fmtp parameters
 * that decide decodability. NULL when we cannot forward it. RTX never
 * matches; see sdp_codec_is_rtx(). */
const sdp_codec_cap_t *sdp_codec_match(sdp_media_kind_t kind, const sdp_codec_t *c);

bool sdp_codec_is_rtx(const sdp_codec_t *c);

/*
 * Picks the answer's codecs from `n` offered codecs of one media section:
 * every offered codec we can forward, then the RTX payload type whose apt
 * points at one of them (at most one per codec), all in the offer's order
 * (the browser's preference) and with the browser's payload types. rtcp-fb
 * is reduced to what both sides support. Writes at most `cap` codecs to
 * `out` and returns how many, or SDP_ENOCODEC when none of the offered
 * codecs is forwardable, SDP_EINVAL on bad arguments.
 */
int sdp_negotiate_codecs(sdp_media_kind_t kind, const sdp_codec_t *offered, size_t n,
                         sdp_codec_t *out, size_t cap);

/*
 * Prepares a consumer's codec for the server's offer on a receive transport:
 * copies the producer's negotiated codec `producer`, gives it our payload
 * type for that codec and our rtcp-fb, and reports our RTX payload type in
 * *rtx_pt (0 for audio). Keeping one PT per codec on every receive transport
 * lets the forwarding path rewrite PTs from a table. SDP_ENOCODEC when
 * `producer` is not a codec we forward.
 */
int sdp_codec_for_offer(sdp_media_kind_t kind, const sdp_codec_t *producer,
                        sdp_codec_t *out, uint8_t *rtx_pt);

/* Header extensions (RFC 8285) we keep in answers, and the ids we use in our
 * own offers. */
bool sdp_extmap_supported(sdp_media_kind_t kind, const char *uri);
size_t sdp_offer_extmaps(sdp_media_kind_t kind, sdp_extmap_t *out, size_t cap);

#define SDP_URI_MID        "urn:ietf:params:rtp-hdrext:sdes:mid"
#define SDP_URI_RID        "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
#define SDP_URI_RRID       "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"
#define SDP_URI_ABS_SEND   "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define SDP_URI_TWCC       "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
#define SDP_URI_AUDIO_LVL  "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
#define SDP_URI_VIDEO_ORNT "urn:3gpp:video-orientation"

#endif
