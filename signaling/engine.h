/*
 * The session engine: rooms, sessions, resume and replay, method dispatch.
 * Every carrier (WebSocket now; SSE and long-poll later) feeds it the same
 * way, so all carriers share methods, events, sequence numbers and replay.
 *
 * Sans-IO: the engine never touches a socket or reads the monotonic clock.
 * A carrier creates one sig_client_t per connection, passes each received
 * text message with the current time, and supplies `send`/`close` callbacks
 * the engine calls to deliver responses and events. Single-threaded: every
 * call happens on the signaling thread.
 */
#ifndef SIG_ENGINE_H
#define SIG_ENGINE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "signaling/protocol.h"

typedef struct sig_engine sig_engine_t;
typedef struct sig_client sig_client_t;

typedef struct {
    int max_peers_per_room;
    int max_rooms;
    int64_t grace_period_ms;
    int replay_events;
    size_t max_message_bytes;
    int max_json_depth;
    int rate_limit;          /* messages per second, sustained */
    int rate_burst;
} sig_engine_config_t;

/* What the engine tells the media side. All optional. */
typedef struct {
    void *ctx;
    /* A room was created; returns the media worker it is pinned to. */
    int (*room_created)(void *ctx, uint32_t room_id);
    void (*room_destroyed)(void *ctx, uint32_t room_id, int worker);
    /* A participant entered / left the room for good (not on reconnects). */
    void (*peer_joined)(void *ctx, uint32_t room_id, uint32_t peer_id);
    void (*peer_left)(void *ctx, uint32_t room_id, uint32_t peer_id);
    /* Is `method` answered by the media side? Then media_request gets it
       (data stolen) and the answer arrives later via sig_engine_media_reply. */
    int (*is_media_method)(const char *method);
    void (*media_request)(void *ctx, uint32_t room_id, uint32_t peer_id, uint64_t ref,
                          const char *method, json_t *data);
} sig_engine_hooks_t;

/* How the engine reaches one connection. */
typedef struct {
    /* Queue one text message for the connection. */
    void (*send)(void *conn, const char *text, size_t len);
    /* Close the connection with a WebSocket-style code and reason. The engine
       has already detached it; it must not be used for this session again. */
    void (*close)(void *conn, int code, const char *reason);
} sig_carrier_ops_t;

sig_engine_t *sig_engine_create(const sig_engine_config_t *cfg, const sig_engine_hooks_t *hooks);

/* Frees every session and room without telling anyone. NULL is a no-op. */
void sig_engine_destroy(sig_engine_t *e);

/* A new connection on a carrier ("websocket", ...). */
sig_client_t *sig_client_create(sig_engine_t *e, const sig_carrier_ops_t *ops, void *conn,
                                const char *carrier, const char *remote_addr);

/*
 * The connection is gone (closed, reset, timed out). Its session, if any,
 * stays in its room for the grace period, collecting events to replay.
 * NULL is a no-op.
 */
void sig_client_destroy(sig_client_t *c, int64_t now_ms);

/* One complete text message from the connection. */
void sig_client_handle_text(sig_client_t *c, const char *text, size_t len, int64_t now_ms);

/*
 * A message the carrier refused before parsing (over max_message_bytes, or a
 * binary frame): answered with an error without an id, counted, rate-limited
 * like any message.
 */
void sig_client_reject(sig_client_t *c, sig_error_t code, const char *why, int64_t now_ms);

size_t sig_engine_max_message_bytes(const sig_engine_t *e);

/* Expires sessions whose grace period ended. Call about once a second. */
void sig_engine_tick(sig_engine_t *e, int64_t now_ms);

/*
 * Tells every connected participant the server is stopping (event
 * "server-shutdown"), closes their connections with 1001, and refuses new
 * joins from now on.
 */
void sig_engine_shutdown(sig_engine_t *e);

/*
 * The media side answered request `ref`: error_code NULL for success (data
 * is the response data, stolen), else a wire error code and message. If the
 * connection that asked is gone, the answer is dropped: the client saw its
 * request fail with the connection.
 */
void sig_engine_media_reply(sig_engine_t *e, uint64_t ref, const char *error_code,
                            const char *message, json_t *data);

/* An event from the media side for one participant (data stolen). Sent, or
   kept for replay while the participant is reconnecting. */
void sig_engine_media_event(sig_engine_t *e, uint32_t peer_id, const char *event, json_t *data);

/* The display name of a participant in a room, NULL if none (valid until it
   leaves). For hooks that need more than the id, e.g. chat's fromName. */
const char *sig_engine_peer_name(const sig_engine_t *e, uint32_t peer_id);

/* Counts for /stats and tests: a new JSON object. */
json_t *sig_engine_stats(const sig_engine_t *e);

#endif
