/*
 * Shared between media_room.c (room, peers, transports, events),
 * media_publish.c (send side) and media_subscribe.c (receive side).
 * Worker-thread only.
 */
#ifndef SFU_MEDIA_ROOM_INTERNAL_H
#define SFU_MEDIA_ROOM_INTERNAL_H

#include "sfu/consumer.h"
#include "sfu/media_room.h"
#include "sfu/packet_out.h"
#include "sfu/producer.h"
#include "sfu/router.h"
#include "sfu/sdp.h"

typedef struct media_peer media_peer_t;

/* One transport of a peer with what the packet path needs of it. */
typedef struct media_tp {
    sfu_media_room_t *room;
    media_peer_t *peer;
    int recv;                    /* 0: send transport, 1: receive transport */
    sfu_transport_t *t;
    sfu_packet_out_t out;
    sfu_transport_state_t state;
    int remote_set;              /* remote ICE/DTLS parameters applied */
    char remote_ufrag[SDP_ICE_MAX];
    uint32_t rtcp_ssrc;          /* sender SSRC of our RTCP on it */
    uint64_t session_id, version;
} media_tp_t;

/* One m-section of our offer on the receive transport. */
typedef struct media_slot {
    sdp_offer_slot_t sdp;
    sfu_consumer_t *consumer;    /* NULL unless ACTIVE */
    uint64_t closed_in;          /* offer version that closed it */
} media_slot_t;

struct media_peer {
    uint32_t id;
    media_tp_t *send, *recv;
    sfu_router_in_t *in;         /* with send: its producers */
    sfu_router_out_t *out;       /* with recv: its consumers */
    media_slot_t slots[SDP_MAX_MEDIA];
    size_t n_slots;
    uint32_t next_mid;
    uint64_t offered, answered;  /* recv offer versions */
    int offer_dirty;             /* slots changed since the last offer */
    int subscribed;              /* called subscribe: gets consumers and offers */
};

struct sfu_media_room {
    uint32_t id;
    sfu_media_env_t env;
    GPtrArray *peers;            /* media_peer_t*, in join order */
    GSource *timer;
    GSource *reaper;             /* pending teardown of failed transports */
};

/* media_room.c */
media_peer_t *media_room_peer(sfu_media_room_t *r, uint32_t peer_id);
void media_room_event(sfu_media_room_t *r, uint32_t peer_id, const char *event, json_t *data);
void media_room_reply_ok(sfu_media_room_t *r, uint64_t ref, json_t *data);
void media_room_reply_error(sfu_media_room_t *r, uint64_t ref, const char *code,
                            const char *message);
media_tp_t *media_tp_create(sfu_media_room_t *r, media_peer_t *p, int recv);
void media_tp_destroy(sfu_media_room_t *r, media_tp_t *tp);
uint32_t media_room_next_id(sfu_media_room_t *r);
uint32_t media_random_ssrc(void);
const char *media_kind_name(sdp_media_kind_t kind);
/* "P12" -> 12; 0 when malformed. */
uint32_t media_parse_id(const char *s, char prefix);
/* A JSON string field of data, or NULL when absent or not a string. */
const char *media_json_str(json_t *data, const char *key);

/* media_publish.c */
void media_publish(sfu_media_room_t *r, media_peer_t *p, uint64_t ref, json_t *data);
void media_producer_pause(sfu_media_room_t *r, media_peer_t *p, uint64_t ref, json_t *data,
                          int paused);
/* Removes every producer of p (others: producer-removed + renegotiation). */
void media_remove_producers(sfu_media_room_t *r, media_peer_t *p);
/* Frees the send transport, router and any producers left, without events. */
void media_close_send(sfu_media_room_t *r, media_peer_t *p);

/* media_subscribe.c */
void media_subscribe(sfu_media_room_t *r, media_peer_t *p, uint64_t ref, json_t *data);
void media_subscribe_answer(sfu_media_room_t *r, media_peer_t *p, uint64_t ref, json_t *data);
void media_consumer_pause(sfu_media_room_t *r, media_peer_t *p, uint64_t ref, json_t *data,
                          int paused);
/* A new producer of `owner`: consumers for every subscribed peer. */
void media_producer_added(sfu_media_room_t *r, media_peer_t *owner, sfu_producer_t *prod);
/* A producer is going: close its consumers' slots. */
void media_producer_removing(sfu_media_room_t *r, sfu_producer_t *prod);
/* Sends recv-offer to every subscribed peer whose slots changed. */
void media_flush_offers(sfu_media_room_t *r);
/* Frees p's consumers, receive transport and router. */
void media_close_recv(sfu_media_room_t *r, media_peer_t *p);
json_t *media_consumers_json(const media_peer_t *p);

#endif
