/*
 * Request handlers, one per method (docs/protocol.md lists them). Each gets a
 * parsed request whose envelope is valid and answers exactly once.
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "sfu/log.h"
#include "signaling/engine_internal.h"

typedef void (*method_fn)(sig_client_t *c, sig_request_t *req, int64_t now_ms);

static json_t *session_json(const sig_session_t *s, int64_t grace_ms)
{
    char peer[16];
    snprintf(peer, sizeof peer, "p%u", s->peer_id);
    return json_pack("{sssssssssssoso}", "peerId", peer, "sessionId", s->id, "resumeToken",
                     s->token, "room", s->room->name, "name", s->name, "participants",
                     sig_room_participants(s->room, s), "graceMs",
                     json_integer((json_int_t)grace_ms));
}

static void method_ping(sig_client_t *c, sig_request_t *req, int64_t now_ms)
{
    sig_reply_ok(c, req->id, json_pack("{sI}", "serverTime", (json_int_t)(g_get_real_time() / 1000)));
}

static void method_join_room(sig_client_t *c, sig_request_t *req, int64_t now_ms)
{
    const char *room, *name;
    char why[160];
    if (c->engine->shutting_down) {
        sig_reply_error(c, req->id, SIG_ERR_SHUTTING_DOWN, "the server is stopping");
        return;
    }
    if (c->session) {
        sig_reply_error(c, req->id, SIG_ERR_ALREADY_JOINED,
                        "this connection is already in a room; call leave-room first");
        return;
    }
    if (sig_get_string(req->data, "room", 1, 64, &room, why, sizeof why) != 0 ||
        sig_validate_room_name(room, why, sizeof why) != 0 ||
        sig_get_string(req->data, "name", 1, 64, &name, why, sizeof why) != 0 ||
        sig_validate_display_name(name, why, sizeof why) != 0) {
        sig_reply_error(c, req->id, SIG_ERR_INVALID_PARAMS, why);
        return;
    }
    sig_error_t err = sig_session_join(c, room, name, why, sizeof why);
    if (err != SIG_OK) {
        sig_reply_error(c, req->id, err, why);
        return;
    }
    sig_reply_ok(c, req->id, session_json(c->session, c->engine->cfg.grace_period_ms));
}

static void method_leave_room(sig_client_t *c, sig_request_t *req, int64_t now_ms)
{
    c->engine->leaves++;
    sig_session_end(c->engine, c->session, "left");
    sig_reply_ok(c, req->id, NULL);
}

static void replay_one(void *ctx, uint64_t seq, const char *text)
{
    sig_client_t *c = ctx;
    c->ops->send(c->conn, text, strlen(text));
}

static int read_last_seq(json_t *data, uint64_t *out, char *why, size_t cap)
{
    json_t *v = json_object_get(data, "lastSeq");
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        snprintf(why, cap, "\"lastSeq\" must be a non-negative integer");
        return -1;
    }
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

static void method_resume(sig_client_t *c, sig_request_t *req, int64_t now_ms)
{
    sig_engine_t *e = c->engine;
    const char *token;
    uint64_t last_seq;
    char why[160];
    if (c->session) {
        sig_reply_error(c, req->id, SIG_ERR_ALREADY_JOINED, "this connection already has a session");
        return;
    }
    if (sig_get_string(req->data, "token", 1, 64, &token, why, sizeof why) != 0 ||
        read_last_seq(req->data, &last_seq, why, sizeof why) != 0) {
        sig_reply_error(c, req->id, SIG_ERR_INVALID_PARAMS, why);
        return;
    }
    sig_session_t *s = g_hash_table_lookup(e->sessions, token);
    if (!s) {
        sig_reply_error(c, req->id, SIG_ERR_INVALID_TOKEN,
                        "no session for this token (it ended, or its grace period passed); join again");
        return;
    }
    uint64_t newest = sig_replay_ring_last_seq(s->ring);
    size_t held = sig_replay_ring_count(s->ring);
    if (last_seq > newest || last_seq + held < newest) {
        LOG_WARN(SIG_LOG_SESSION_FMT "resume from seq %llu impossible (server at %llu, holds %zu); "
                 "ending the session", SIG_LOG_SESSION_ARGS(s), (unsigned long long)last_seq,
                 (unsigned long long)newest, held);
        sig_session_end(e, s, "replay_gap");
        sig_reply_error(c, req->id, SIG_ERR_REPLAY_GAP,
                        "events since lastSeq are no longer held; join again");
        return;
    }
    sig_session_attach(s, c);
    e->resumes++;
    json_t *data = session_json(s, e->cfg.grace_period_ms);
    json_object_set_new(data, "replayed", json_integer((json_int_t)(newest - last_seq)));
    sig_reply_ok(c, req->id, data);
    long n = sig_replay_ring_replay(s->ring, last_seq, replay_one, c);
    e->replayed_events += (uint64_t)(n > 0 ? n : 0);
    LOG_INFO(SIG_LOG_SESSION_FMT "resumed over %s from %s; replayed %ld events after seq %llu",
             SIG_LOG_SESSION_ARGS(s), c->carrier, c->remote, n, (unsigned long long)last_seq);
}

typedef struct {
    const char *name;
    method_fn fn;
    int needs_session;
} method_row_t;

static const method_row_t methods[] = {
    {"ping", method_ping, 0},
    {"join-room", method_join_room, 0},
    {"resume", method_resume, 0},
    {"leave-room", method_leave_room, 1},
};

/* Media methods go to the room's worker; the answer comes back later. */
static int dispatch_media(sig_client_t *c, sig_request_t *req)
{
    sig_engine_t *e = c->engine;
    if (!e->hooks.is_media_method || !e->hooks.is_media_method(req->method))
        return 0;
    if (!c->session) {
        sig_reply_error(c, req->id, SIG_ERR_NOT_JOINED,
                        "this method needs a session: call join-room or resume first");
        return 1;
    }
    uint64_t ref = sig_engine_track_media_request(e, c, req->id);
    e->hooks.media_request(e->hooks.ctx, c->session->room->id, c->session->peer_id, ref,
                           req->method, json_incref(req->data));
    return 1;
}

void sig_dispatch(sig_client_t *c, sig_request_t *req, int64_t now_ms)
{
    if (dispatch_media(c, req))
        return;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        if (strcmp(methods[i].name, req->method) != 0)
            continue;
        if (methods[i].needs_session && !c->session) {
            sig_reply_error(c, req->id, SIG_ERR_NOT_JOINED,
                            "this method needs a session: call join-room or resume first");
            return;
        }
        methods[i].fn(c, req, now_ms);
        return;
    }
    char why[96];
    snprintf(why, sizeof why, "unknown method \"%s\"", req->method);
    sig_reply_error(c, req->id, SIG_ERR_UNKNOWN_METHOD, why);
}
