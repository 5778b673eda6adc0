/*
 * Types shared by the session engine's files (engine.c: connections, sessions,
 * rooms; methods.c: the request handlers). Not for use outside signaling/.
 */
#ifndef SIG_ENGINE_INTERNAL_H
#define SIG_ENGINE_INTERNAL_H

#include <glib.h>

#include "signaling/engine.h"
#include "signaling/protocol.h"
#include "signaling/replay_ring.h"

typedef struct sig_room sig_room_t;
typedef struct sig_session sig_session_t;

struct sig_session {
    char id[17];              /* public, appears in logs */
    char token[65];           /* secret, proves ownership on resume */
    uint32_t peer_id;
    char name[65];
    sig_room_t *room;
    sig_replay_ring_t *ring;
    sig_client_t *client;     /* NULL while detached */
    int64_t detached_at_ms;
};

struct sig_room {
    uint32_t id;
    char name[65];
    int worker;
    GPtrArray *members;       /* sig_session_t*, in join order */
};

struct sig_client {
    sig_engine_t *engine;
    const sig_carrier_ops_t *ops;
    void *conn;
    char carrier[16];
    char remote[64];
    sig_session_t *session;
    double tokens;            /* rate limiter bucket */
    int64_t tokens_at_ms;
    int closed;               /* closed by the engine: ignore further input */
};

struct sig_engine {
    sig_engine_config_t cfg;
    sig_engine_hooks_t hooks;
    GHashTable *rooms;        /* name -> sig_room_t* (owned) */
    GHashTable *sessions;     /* token -> sig_session_t* (owned) */
    GHashTable *clients;      /* sig_client_t* set */
    GHashTable *peers;        /* peer id -> sig_session_t* (borrowed from sessions) */
    GHashTable *pending;      /* media request ref -> pending_media_t* (owned) */
    uint64_t next_ref;
    uint32_t next_peer_id;
    uint32_t next_room_id;
    int shutting_down;
    /* counters */
    uint64_t messages_in;
    uint64_t errors[SIG_ERR__COUNT];
    uint64_t joins, leaves, resumes, replayed_events, expired, rate_limited;
};

/* engine.c, used by methods.c */
void sig_reply_ok(sig_client_t *c, int64_t id, json_t *data);
void sig_reply_error(sig_client_t *c, int64_t id, sig_error_t code, const char *message);
void sig_emit(sig_session_t *s, const char *event, json_t *data /* stolen */);
sig_error_t sig_session_join(sig_client_t *c, const char *room, const char *name, char *why,
                             size_t cap);
void sig_session_end(sig_engine_t *e, sig_session_t *s, const char *reason);
void sig_session_attach(sig_session_t *s, sig_client_t *c);
json_t *sig_room_participants(const sig_room_t *room, const sig_session_t *except);

/* A media request waiting for its answer from a worker. */
typedef struct {
    sig_client_t *client;     /* NULL once the connection is gone */
    int64_t id;
} pending_media_t;

/* Remembers who asked; returns the ref the media side answers with. */
uint64_t sig_engine_track_media_request(sig_engine_t *e, sig_client_t *c, int64_t id);

/* methods.c */
void sig_dispatch(sig_client_t *c, sig_request_t *req, int64_t now_ms);

#define SIG_LOG_SESSION_FMT "[peer p%u session %s] "
#define SIG_LOG_SESSION_ARGS(s) (s)->peer_id, (s)->id

#endif
