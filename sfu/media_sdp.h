/*
 * Glue between SDP (sdp.h, pure) and the media objects: what our
 * descriptions say about a transport, what a browser's description says
 * about the transport's remote end, and what an answered m-section says
 * about a producer. Pure apart from the transport calls in
 * sfu_media_sdp_apply_remote.
 */
#ifndef SFU_MEDIA_SDP_H
#define SFU_MEDIA_SDP_H

#include <stdint.h>

#include "sfu/producer.h"
#include "sfu/sdp.h"
#include "sfu/transport.h"

/* Our ICE credentials, fingerprint and candidates for a description.
 * 0, or -EINVAL when the transport's fingerprint does not parse. */
int sfu_media_sdp_local(const sfu_transport_t *t, uint64_t session_id, uint64_t version,
                        sdp_local_t *out);

/* The first accepted (port != 0) section of a description: whose ICE and
 * DTLS attributes apply to the whole BUNDLE. NULL when there is none. */
const sdp_media_t *sfu_media_sdp_bundle_media(const sdp_session_t *s);

/*
 * Hands the remote ICE credentials and fingerprint to the transport and,
 * for an answer, the DTLS role its a=setup implies (active -> we are the
 * server; passive -> we are the client). 0, or -EINVAL when they are
 * missing or unusable (the transport is then unchanged or half set: the
 * caller treats the description as invalid).
 */
int sfu_media_sdp_apply_remote(sfu_transport_t *t, const sdp_session_t *s, int is_answer);

/* The id of extension `uri` in a section; 0 when not negotiated. */
uint8_t sfu_media_sdp_ext_id(const sdp_media_t *m, const char *uri);

/*
 * A producer's parameters from an offered section `om` (SSRCs, RTX pairing
 * from a=ssrc-group:FID, cname) and our answer to it `am` (codec and RTX
 * PTs, extension ids). id, peer_id and rtcp_ssrc are left to the caller.
 * -EINVAL when the answer carries no media codec.
 */
int sfu_media_sdp_producer(const sdp_media_t *om, const sdp_media_t *am,
                           sfu_producer_params_t *out);

/* Our extension ids in receive-transport offers, by role (sdp_offer_extmaps). */
void sfu_media_sdp_offer_ext_ids(sdp_media_kind_t kind, uint8_t ids[SFU_EXT_COUNT]);

#endif
