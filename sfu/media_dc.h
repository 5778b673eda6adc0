/*
 * Where the media worker meets the DataChannel hub (sfu/DATACHANNELS.md).
 * Worker-thread only; each function is one hook the room code calls, so
 * media_room.c stays unaware of SCTP:
 *
 *   send transport on_app_data  -> media_dc_app_data   (copy, post to the hub)
 *   send transport CONNECTED    -> media_dc_state      (hub: create association)
 *   send transport FAILED/CLOSED, or destroyed -> media_dc_state / media_dc_closed
 *   hub output, posted back by media.c -> sfu_media_room_dc_send (send-app)
 *
 * DataChannels ride the send transport only: the page creates its `chat`
 * channel on the connection it offers on. A receive transport's application
 * data is ignored.
 */
#ifndef SFU_MEDIA_DC_H
#define SFU_MEDIA_DC_H

#include "sfu/media_room_internal.h"

void media_dc_app_data(media_tp_t *tp, const uint8_t *buf, size_t len);
void media_dc_state(media_tp_t *tp, sfu_transport_state_t st);
/* tp is about to be destroyed. */
void media_dc_closed(media_tp_t *tp);

/* One SCTP packet from the hub for peer_id's send transport; dropped if it
 * is gone or not connected. */
void sfu_media_room_dc_send(sfu_media_room_t *r, uint32_t peer_id, const uint8_t *buf,
                            size_t len);

#endif
