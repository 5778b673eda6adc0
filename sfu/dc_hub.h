/*
 * The DataChannel hub: one thread that owns every SCTP association of the
 * process and runs the chat/file relay (dc_relay.h). See sfu/DATACHANNELS.md.
 *
 * Why one thread: usrsctp is a process-wide singleton and dc_sctp_tick()
 * fires the timers of every association on the ticking thread
 * (datachannel/sctp_assoc.h, THREADING). With all SCTP on the hub thread,
 * every callback runs where the association and the relay live, and the
 * media workers never call dc_sctp_* at all.
 *
 * Threads. The sfu_dc_hub_* calls below may be made from any thread: each
 * copies its arguments into a job for the hub thread and returns. Peers are
 * named by (room id, peer id); no pointer crosses a thread. SCTP packets
 * leave through `output`, which runs ON THE HUB THREAD while usrsctp holds
 * its locks: it must only copy the packet and post it to the worker that
 * owns the peer's send transport (media.c does).
 *
 * Lifetime of an association follows the send transport's:
 * transport_up (DTLS connected) creates it and starts the SCTP handshake,
 * transport_down (transport failed/closed/destroyed) or peer_leave
 * destroys it. Only members (peer_join) get one.
 */
#ifndef SFU_DC_HUB_H
#define SFU_DC_HUB_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "sfu/dc_relay.h"

typedef struct sfu_dc_hub sfu_dc_hub_t;

/* One SCTP packet for the peer's send transport (hub thread; copy it). */
typedef void (*sfu_dc_hub_output_fn)(void *ctx, uint32_t room_id, uint32_t peer_id,
                                     const uint8_t *pkt, size_t len);

/* Starts the hub thread. cfg may be NULL. NULL on failure. */
sfu_dc_hub_t *sfu_dc_hub_create(const sfu_dc_relay_config_t *cfg, sfu_dc_hub_output_fn output,
                                void *output_ctx);

/* Waits until the hub has stopped calling output (call before the workers
 * that output posts to go away). Jobs still run; packets are dropped. */
void sfu_dc_hub_quiesce(sfu_dc_hub_t *h);

/* Destroys every association (on the hub thread), stops and joins it.
 * Call only when no thread posts to the hub any more. NULL: no-op. */
void sfu_dc_hub_destroy(sfu_dc_hub_t *h);

void sfu_dc_hub_peer_join(sfu_dc_hub_t *h, uint32_t room_id, uint32_t peer_id, const char *name);
void sfu_dc_hub_peer_leave(sfu_dc_hub_t *h, uint32_t peer_id);
void sfu_dc_hub_room_close(sfu_dc_hub_t *h, uint32_t room_id);

void sfu_dc_hub_transport_up(sfu_dc_hub_t *h, uint32_t room_id, uint32_t peer_id);
void sfu_dc_hub_transport_down(sfu_dc_hub_t *h, uint32_t peer_id);
/* One decrypted DTLS application-data record (an SCTP packet); copied. */
void sfu_dc_hub_packet(sfu_dc_hub_t *h, uint32_t peer_id, const uint8_t *buf, size_t len);

/* Waits until every job posted before has run (tests, shutdown). */
void sfu_dc_hub_sync(sfu_dc_hub_t *h);

/* Counters (any thread; refreshed every tick): a new JSON object. */
json_t *sfu_dc_hub_stats(sfu_dc_hub_t *h);

#endif
