/*
 * A room as its media worker sees it: peers, each with a send transport
 * (the browser publishes: offer from the browser, answer from us) and a
 * receive transport (the browser subscribes: offer from us, renegotiated as
 * producers come and go), their producers and consumers, and the room's
 * timer. Every function runs on the room's worker thread; replies and
 * events leave through env->sink (which hands them to the signaling
 * thread). See sfu/MEDIA.md.
 */
#ifndef SFU_MEDIA_ROOM_H
#define SFU_MEDIA_ROOM_H

#include <glib.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdint.h>

#include "sfu/certificate.h"
#include "sfu/media.h"
#include "sfu/media_counters.h"
#include "sfu/transport.h"

#define SFU_MEDIA_ROOM_TICK_MS 20 /* NACK retry granularity; TWCC every 5th */

/* What every room of a worker shares; borrowed by rooms, lives longer. */
typedef struct sfu_media_env {
    GMainContext *ctx;                /* the worker's loop */
    const sfu_certificate_t *cert;
    sfu_transport_config_t tcfg;      /* ICE ports, announce IP, DTLS server */
    const sfu_media_sink_t *sink;
    sfu_media_counters_t *counters;   /* the worker's */
    atomic_uint *next_id;             /* producer/consumer numbers, process-wide */
    struct sfu_dc_hub *dc_hub;        /* DataChannels (dc_hub.h); NULL: none */
} sfu_media_env_t;

typedef struct sfu_media_room sfu_media_room_t;

/* NULL on no memory. Starts the room's timer on env->ctx. */
sfu_media_room_t *sfu_media_room_create(const sfu_media_env_t *env, uint32_t room_id);

/* Tears every peer down without events (the room is gone). NULL: no-op. */
void sfu_media_room_destroy(sfu_media_room_t *r);

uint32_t sfu_media_room_id(const sfu_media_room_t *r);
size_t sfu_media_room_peer_count(const sfu_media_room_t *r);

void sfu_media_room_peer_join(sfu_media_room_t *r, uint32_t peer_id);
/* Frees the peer's transports, producers (others get producer-removed and
 * a new recv-offer) and consumers. Unknown peers: no-op. */
void sfu_media_room_peer_leave(sfu_media_room_t *r, uint32_t peer_id);

/* One media method; always answers through env->sink->reply(ref). data is
 * borrowed. A peer not yet joined is created on first use. */
void sfu_media_room_request(sfu_media_room_t *r, uint32_t peer_id, uint64_t ref,
                            const char *method, json_t *data);

#endif
