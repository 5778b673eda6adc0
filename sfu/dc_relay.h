/*
 * The DataChannel relay: chat and file transfer between the participants of
 * a room (issue 5; wire formats in datachannel/README.md). It knows rooms,
 * members and channels by id and moves messages between them; it never
 * touches SCTP itself. Whatever it sends, opens or closes goes through
 * sfu_dc_relay_ops_t, which the DataChannel hub (dc_hub.c) maps onto usrsctp
 * associations and unit tests map onto a capture.
 *
 * Single-threaded: every call, and every ops callback, runs on the thread
 * that owns the relay (the hub thread). Peers are named by their process-wide
 * peer id (the signaling engine's; "p<id>" on the wire).
 *
 * Chat (on the "chat" channel a browser opens): the relay stamps from,
 * fromName and ts, drops a repeated (from, id), relays to everyone else in
 * the room whose chat channel is open (or to the one peer named by "to"),
 * and keeps the last cfg.chat_history room-wide messages, which a member
 * receives, oldest first, when its chat channel first opens.
 *
 * Files: control messages on "chat", chunks on "file:<id>" channels. The
 * relay answers the sender once for all receivers (from "server"): file-accept
 * when every offered receiver has answered and at least one accepted,
 * file-progress with the lowest offset every accepting receiver has stored,
 * file-done when they all finished, file-decline / file-cancel when nobody is
 * left. Chunks go to each accepting receiver on a channel the relay opens to
 * it; a leg whose association holds more than cfg.leg_high_water unacked
 * bytes queues them (bounded: the sender's 1 MiB window beyond the slowest
 * receiver's progress bounds every queue; a sender overrunning it is
 * cancelled). See sfu/DATACHANNELS.md.
 */
#ifndef SFU_DC_RELAY_H
#define SFU_DC_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SFU_DC_CHAT_HISTORY_DEFAULT 200
#define SFU_DC_LEG_HIGH_WATER_DEFAULT (256u * 1024)
#define SFU_DC_ANSWER_TIMEOUT_MS_DEFAULT 30000
/* Chat messages per second per member, sustained, and the burst allowed. */
#define SFU_DC_CHAT_RATE 20
#define SFU_DC_CHAT_BURST 200
/* Control messages waiting for a member's send buffer, at most. */
#define SFU_DC_CTRL_QUEUE_MAX 512

typedef struct sfu_dc_relay sfu_dc_relay_t;

/* Zero fields take the defaults. */
typedef struct sfu_dc_relay_config {
    int chat_history;          /* messages kept per room; <0 = none [200] */
    uint64_t max_file_size;    /* [DC_FILE_DEFAULT_MAX_SIZE, 100 MiB] */
    size_t leg_high_water;     /* [256 KiB] */
    int64_t answer_timeout_ms; /* unanswered offers count as declined [30 s] */
} sfu_dc_relay_config_t;

typedef struct sfu_dc_relay_ops {
    void *user;
    /* One message on peer's channel. 0, DC_EAGAIN (buffer full: the relay
     * queues and retries on sfu_dc_relay_writable), other DC_E* (dropped). */
    int (*send)(void *user, uint32_t peer_id, uint16_t stream, bool is_string,
                const uint8_t *data, size_t len);
    /* Opens a reliable ordered channel to peer. 0 and *stream, or DC_E*. */
    int (*open_channel)(void *user, uint32_t peer_id, const char *label, uint16_t *stream);
    void (*close_channel)(void *user, uint32_t peer_id, uint16_t stream);
    /* Bytes sent to peer and not yet acknowledged (whole association). */
    size_t (*buffered_amount)(void *user, uint32_t peer_id);
} sfu_dc_relay_ops_t;

typedef struct sfu_dc_relay_stats {
    uint64_t chat_in, chat_out;      /* accepted chat messages; copies delivered */
    uint64_t chat_duplicates;        /* repeated (from, id), dropped */
    uint64_t history_out;            /* history messages sent to late joiners */
    uint64_t control_in, control_out; /* file control messages */
    uint64_t files_offered, files_completed, files_cancelled;
    uint64_t file_bytes_in, file_bytes_out; /* payload bytes */
    uint64_t bad_messages;  /* malformed or unknown JSON, binary on chat, text on a file channel */
    uint64_t bad_channels;  /* unknown labels, file channels without a transfer */
    uint64_t bad_chunks;    /* chunks for unknown/cancelled transfers, wrong id or offset */
    uint64_t rate_limited;  /* chat beyond the per-member rate */
    uint64_t overruns;      /* transfers cancelled: sender beyond its window */
    uint64_t send_failures; /* dropped: queue full or send error */
    uint64_t queued_bytes;  /* gauge: chunk bytes waiting on all legs */
    uint64_t queued_peak;   /* highest queued_bytes of one leg seen */
    uint64_t transfers;     /* gauge */
} sfu_dc_relay_stats_t;

/* NULL on no memory. cfg may be NULL; ops is copied (all four required). */
sfu_dc_relay_t *sfu_dc_relay_create(const sfu_dc_relay_config_t *cfg,
                                    const sfu_dc_relay_ops_t *ops);
/* Frees everything without sending. NULL is a no-op. */
void sfu_dc_relay_destroy(sfu_dc_relay_t *r);

/* A participant joined room_id (name may be NULL). Joining again (another
 * room, or a new name) moves/renames it. */
void sfu_dc_relay_member_join(sfu_dc_relay_t *r, uint32_t room_id, uint32_t peer_id,
                              const char *name);
/* Left for good: its transfers end; the room goes with its last member. */
void sfu_dc_relay_member_leave(sfu_dc_relay_t *r, uint32_t peer_id);
void sfu_dc_relay_room_close(sfu_dc_relay_t *r, uint32_t room_id);
bool sfu_dc_relay_is_member(const sfu_dc_relay_t *r, uint32_t peer_id);
/* The room a member is in, 0 if none. */
uint32_t sfu_dc_relay_member_room(const sfu_dc_relay_t *r, uint32_t peer_id);

/* The peer's association is gone: all its channels are, too. Transfers it
 * sends are cancelled, legs it receives are dropped. */
void sfu_dc_relay_disconnected(sfu_dc_relay_t *r, uint32_t peer_id);

/* The peer opened a channel (DCEP done). Unknown labels are closed. */
void sfu_dc_relay_channel_open(sfu_dc_relay_t *r, uint32_t peer_id, uint16_t stream,
                               const char *label);
void sfu_dc_relay_channel_close(sfu_dc_relay_t *r, uint32_t peer_id, uint16_t stream);

/* One message from peer on stream; now_ms is wall-clock time (chat ts). */
void sfu_dc_relay_message(sfu_dc_relay_t *r, uint32_t peer_id, uint16_t stream,
                          bool is_string, const uint8_t *data, size_t len, int64_t now_ms);

/* The peer's buffered amount fell: flush what waits for it. */
void sfu_dc_relay_writable(sfu_dc_relay_t *r, uint32_t peer_id);

/* Periodic: offer answer timeouts, queue flushing. now_ms wall clock. */
void sfu_dc_relay_tick(sfu_dc_relay_t *r, int64_t now_ms);

void sfu_dc_relay_get_stats(const sfu_dc_relay_t *r, sfu_dc_relay_stats_t *out);

#endif
