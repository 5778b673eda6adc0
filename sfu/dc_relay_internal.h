/*
 * Shared by dc_relay.c (rooms, members, channels, dispatch, control-message
 * queue), chat_relay.c (chat and history) and file_relay.c (transfers).
 * Relay thread only.
 */
#ifndef SFU_DC_RELAY_INTERNAL_H
#define SFU_DC_RELAY_INTERNAL_H

#include <glib.h>

#include "datachannel/chat_frame.h"
#include "datachannel/file_frame.h"
#include "sfu/dc_relay.h"

#define NO_STREAM (-1)
#define PEER_STR_MAX 16
/* Chat ids remembered per member for duplicate detection. */
#define SEEN_IDS_MAX 1024

typedef struct relay_room relay_room_t;
typedef struct relay_transfer relay_transfer_t;

typedef struct relay_member {
    uint32_t peer_id;
    char peer_str[PEER_STR_MAX];     /* "p12" */
    char name[DC_DISPLAY_NAME_MAX + 1];
    relay_room_t *room;
    int chat_stream;                 /* NO_STREAM until the browser opens "chat" */
    bool history_sent;
    GQueue ctrl_queue;               /* GBytes*: control messages waiting for buffer */
    GHashTable *seen;                /* chat ids already relayed (owned strings) */
    GQueue seen_order;               /* same strings, oldest first (borrowed) */
    double tokens;                   /* chat rate limiter */
    int64_t tokens_at_ms;
} relay_member_t;

struct relay_room {
    uint32_t id;
    GPtrArray *members;              /* relay_member_t*, join order (borrowed) */
    GQueue history;                  /* GBytes*: encoded server chat messages */
    GPtrArray *transfers;            /* relay_transfer_t* (owned) */
};

struct sfu_dc_relay {
    sfu_dc_relay_config_t cfg;
    sfu_dc_relay_ops_t ops;
    GHashTable *members;             /* peer id -> relay_member_t* (owned) */
    GHashTable *rooms;               /* room id -> relay_room_t* (owned) */
    sfu_dc_relay_stats_t stats;
};

/* dc_relay.c */
relay_member_t *relay_member(const sfu_dc_relay_t *r, uint32_t peer_id);
/* "p12" -> the member in room, NULL if none. */
relay_member_t *relay_member_by_str(relay_room_t *room, const char *peer_str);
/* Sends a control (JSON) message on m's chat channel, queueing it if the
 * buffer is full. false if m has no chat channel or the queue is full. */
bool relay_send_control(sfu_dc_relay_t *r, relay_member_t *m, const char *json, size_t len);

/* chat_relay.c */
void chat_relay_message(sfu_dc_relay_t *r, relay_member_t *m, const dc_chat_msg_t *msg,
                        int64_t now_ms);
void chat_relay_send_history(sfu_dc_relay_t *r, relay_member_t *m);
void chat_relay_history_clear(relay_room_t *room);
void chat_relay_member_init(relay_member_t *m);
void chat_relay_member_free(relay_member_t *m);

/* file_relay.c */
void file_relay_control(sfu_dc_relay_t *r, relay_member_t *m, const dc_file_ctrl_t *c);
/* A sender's "file:<id>" channel opened; false: no transfer of m's with that id. */
bool file_relay_channel_open(sfu_dc_relay_t *r, relay_member_t *m, uint16_t stream,
                             const uint8_t id[DC_FILE_ID_LEN]);
/* A binary message on a non-chat stream; false if no transfer owns it. */
bool file_relay_data(sfu_dc_relay_t *r, relay_member_t *m, uint16_t stream,
                     const uint8_t *data, size_t len);
void file_relay_channel_close(sfu_dc_relay_t *r, relay_member_t *m, uint16_t stream);
/* m is going (left or its association closed). */
void file_relay_member_gone(sfu_dc_relay_t *r, relay_member_t *m);
void file_relay_flush(sfu_dc_relay_t *r, relay_member_t *m);
void file_relay_tick(sfu_dc_relay_t *r, relay_room_t *room, int64_t now_ms);
void file_relay_free_all(relay_room_t *room);

#endif
