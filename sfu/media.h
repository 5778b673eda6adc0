/*
 * The media side as signaling sees it. Signaling (one thread) calls these
 * functions; each posts a job to the room's media worker and returns at once.
 * Results and events come back through the sink's callbacks, which run on a
 * worker thread and must only hand the data over (queue + wake), never touch
 * signaling state directly.
 *
 * Objects are named by integer ids across the thread boundary (rooms, peers)
 * or by the string ids the protocol uses (producerId "P12", consumerId "C7").
 * Ownership: every json_t passed in is stolen; every json_t passed to the
 * sink is owned by the sink.
 *
 * Methods (signaling/PROTOCOL.md, "Media"):
 *   publish            {sdp: offer}              -> {sdp: answer, producers: [...]}
 *   subscribe          {}                        -> {sdp: offer, version, consumers: [...]}
 *   subscribe-answer   {sdp: answer, version}    -> {}
 *   ice-candidate      {transport, candidate}    -> {}
 *   producer-pause / producer-resume   {producerId} -> {}
 *   consumer-pause / consumer-resume   {consumerId} -> {}
 * Events (to one peer or to a room):
 *   producer-added {producerId, peerId, kind}, producer-removed {producerId, peerId},
 *   producer-paused / producer-resumed {producerId, peerId},
 *   recv-offer {sdp, version, consumers: [...]}  (renegotiation of the receive transport),
 *   transport-state {transport: "send"|"recv", state}
 *
 * How the page maps received tracks to people: every offer for the receive
 * transport comes with `consumers`, one entry per live m-section:
 *   {consumerId, producerId, peerId, kind, mid, paused}
 * and each m-section carries a=msid:<peerId> <producerId>, so both
 * transceiver.mid and event.streams[0].id identify the participant.
 */
#ifndef SFU_MEDIA_H
#define SFU_MEDIA_H

#include <jansson.h>
#include <stdint.h>

#include "sfu/config.h"
#include "sfu/worker.h"

typedef struct sfu_media sfu_media_t;

/* Error codes a media reply can carry (wire names, see PROTOCOL.md). */
#define SFU_MEDIA_OK 0

typedef struct {
    void *ctx;
    /* The answer to sfu_media_request(ref). error_code NULL on success
       (data = response data), else a wire error code and a message. */
    void (*reply)(void *ctx, uint64_t ref, const char *error_code, const char *message,
                  json_t *data);
    /* An event for one peer of a room. */
    void (*event)(void *ctx, uint32_t room_id, uint32_t peer_id, const char *event, json_t *data);
} sfu_media_sink_t;

/* Creates the media side over an existing worker pool (certificate, ICE settings). */
sfu_media_t *sfu_media_create(const sfu_config_t *cfg, sfu_worker_pool_t *pool,
                              const sfu_media_sink_t *sink);

/* Frees the media side; call after signaling stopped and before the pool. NULL: no-op. */
void sfu_media_destroy(sfu_media_t *m);

/* A room was created / emptied. open returns the worker the room is pinned to. */
int sfu_media_room_open(sfu_media_t *m, uint32_t room_id);
void sfu_media_room_close(sfu_media_t *m, uint32_t room_id);

/* A participant joined / left for good (not a mere reconnect: transports stay up while a
   session is within its grace period). Leaving tears down its transports, producers and
   consumers, and the others get producer-removed. */
void sfu_media_peer_join(sfu_media_t *m, uint32_t room_id, uint32_t peer_id);
void sfu_media_peer_leave(sfu_media_t *m, uint32_t room_id, uint32_t peer_id);
/* The participant's display name, for chat's fromName (after peer_join). */
void sfu_media_peer_set_name(sfu_media_t *m, uint32_t room_id, uint32_t peer_id,
                             const char *name);

/* A media method from a peer; the answer comes to sink->reply with the same ref. */
void sfu_media_request(sfu_media_t *m, uint32_t room_id, uint32_t peer_id, uint64_t ref,
                       const char *method, json_t *data);

/* Is this a method the media side answers? */
int sfu_media_handles(const char *method);

/* Counters for /stats (any thread): a new JSON object. */
json_t *sfu_media_stats(const sfu_media_t *m);

#endif
