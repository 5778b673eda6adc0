/*
 * Worker-side DataChannel hooks (media_dc.h).
 */
#include "sfu/media_dc.h"

#include "sfu/dc_hub.h"

void media_dc_app_data(media_tp_t *tp, const uint8_t *buf, size_t len)
{
    if (!tp->recv && tp->room->env.dc_hub)
        sfu_dc_hub_packet(tp->room->env.dc_hub, tp->peer->id, buf, len);
}

void media_dc_state(media_tp_t *tp, sfu_transport_state_t st)
{
    sfu_dc_hub_t *hub = tp->room->env.dc_hub;
    if (tp->recv || !hub)
        return;
    if (st == SFU_TRANSPORT_CONNECTED)
        sfu_dc_hub_transport_up(hub, tp->room->id, tp->peer->id);
    else if (st == SFU_TRANSPORT_FAILED || st == SFU_TRANSPORT_CLOSED)
        sfu_dc_hub_transport_down(hub, tp->peer->id);
}

void media_dc_closed(media_tp_t *tp)
{
    if (!tp->recv && tp->room->env.dc_hub && tp->state == SFU_TRANSPORT_CONNECTED)
        sfu_dc_hub_transport_down(tp->room->env.dc_hub, tp->peer->id);
}

void sfu_media_room_dc_send(sfu_media_room_t *r, uint32_t peer_id, const uint8_t *buf,
                            size_t len)
{
    media_peer_t *p = media_room_peer(r, peer_id);
    if (p && p->send && p->send->state == SFU_TRANSPORT_CONNECTED)
        sfu_transport_send_app(p->send->t, buf, len);
}
