#include "signaling/engine_internal.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/log.h"

static void room_free(gpointer p)
{
    sig_room_t *room = p;
    g_ptr_array_free(room->members, TRUE);
    free(room);
}

static void session_free(gpointer p)
{
    sig_session_t *s = p;
    sig_replay_ring_destroy(s->ring);
    free(s);
}

sig_engine_t *sig_engine_create(const sig_engine_config_t *cfg, const sig_engine_hooks_t *hooks)
{
    sig_engine_t *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->cfg = *cfg;
    if (hooks)
        e->hooks = *hooks;
    e->rooms = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, room_free);
    e->sessions = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, session_free);
    e->clients = g_hash_table_new(g_direct_hash, g_direct_equal);
    e->peers = g_hash_table_new(g_direct_hash, g_direct_equal);
    e->pending = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    e->next_ref = 1;
    e->next_peer_id = 1;
    e->next_room_id = 1;
    return e;
}

void sig_engine_destroy(sig_engine_t *e)
{
    if (!e)
        return;
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, e->clients);
    while (g_hash_table_iter_next(&it, &key, NULL))
        ((sig_client_t *)key)->session = NULL;
    /* Hash tables only hold pointers the clients still own; carriers destroy
       their clients before the engine. */
    g_hash_table_destroy(e->clients);
    g_hash_table_destroy(e->pending);
    g_hash_table_destroy(e->peers);
    g_hash_table_destroy(e->sessions);
    g_hash_table_destroy(e->rooms);
    free(e);
}

sig_client_t *sig_client_create(sig_engine_t *e, const sig_carrier_ops_t *ops, void *conn,
                                const char *carrier, const char *remote_addr)
{
    sig_client_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->engine = e;
    c->ops = ops;
    c->conn = conn;
    snprintf(c->carrier, sizeof c->carrier, "%s", carrier);
    snprintf(c->remote, sizeof c->remote, "%s", remote_addr ? remote_addr : "?");
    c->tokens = e->cfg.rate_burst;
    c->tokens_at_ms = -1;
    g_hash_table_add(e->clients, c);
    return c;
}

void sig_client_destroy(sig_client_t *c, int64_t now_ms)
{
    if (!c)
        return;
    sig_session_t *s = c->session;
    if (s) {
        s->client = NULL;
        s->detached_at_ms = now_ms;
        LOG_INFO(SIG_LOG_SESSION_FMT "connection lost (%s from %s); keeping the place for %lld ms",
                 SIG_LOG_SESSION_ARGS(s), c->carrier, c->remote,
                 (long long)c->engine->cfg.grace_period_ms);
    }
    /* Answers still on their way to this connection have nowhere to go. */
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, c->engine->pending);
    while (g_hash_table_iter_next(&it, NULL, &value))
        if (((pending_media_t *)value)->client == c)
            g_hash_table_iter_remove(&it);
    g_hash_table_remove(c->engine->clients, c);
    free(c);
}

static void close_client(sig_client_t *c, int code, const char *reason)
{
    if (c->closed)
        return;
    c->closed = 1;
    c->ops->close(c->conn, code, reason);
}

static void send_text(sig_client_t *c, char *text)
{
    if (text && !c->closed)
        c->ops->send(c->conn, text, strlen(text));
    free(text);
}

void sig_reply_ok(sig_client_t *c, int64_t id, json_t *data)
{
    send_text(c, sig_encode_ok(id, data));
}

void sig_reply_error(sig_client_t *c, int64_t id, sig_error_t code, const char *message)
{
    c->engine->errors[code]++;
    const char *who = c->session ? c->session->id : "-";
    LOG_DEBUG("[session %s] %s request %lld rejected: %s: %s", who, c->carrier, (long long)id,
              sig_error_code(code), message);
    send_text(c, sig_encode_error(id, code, message));
}

/* Token bucket: rate_limit per second sustained, rate_burst at once. */
static int rate_allows(sig_client_t *c, int64_t now_ms)
{
    const sig_engine_config_t *cfg = &c->engine->cfg;
    if (c->tokens_at_ms >= 0 && now_ms > c->tokens_at_ms) {
        c->tokens += (double)(now_ms - c->tokens_at_ms) * cfg->rate_limit / 1000.0;
        if (c->tokens > cfg->rate_burst)
            c->tokens = cfg->rate_burst;
    }
    c->tokens_at_ms = now_ms;
    if (c->tokens < 1.0)
        return 0;
    c->tokens -= 1.0;
    return 1;
}

void sig_client_handle_text(sig_client_t *c, const char *text, size_t len, int64_t now_ms)
{
    sig_engine_t *e = c->engine;
    if (c->closed)
        return;
    e->messages_in++;
    if (!rate_allows(c, now_ms)) {
        e->rate_limited++;
        LOG_WARN("[session %s] %s from %s: over %d messages/s; closing",
                 c->session ? c->session->id : "-", c->carrier, c->remote, e->cfg.rate_limit);
        close_client(c, 1008, "rate limit exceeded");
        return;
    }
    sig_request_t req;
    char why[160];
    sig_error_t err = sig_request_parse(text, len, e->cfg.max_message_bytes, e->cfg.max_json_depth,
                                        &req, why, sizeof why);
    if (err != SIG_OK) {
        sig_reply_error(c, req.id, err, why);
        return;
    }
    sig_dispatch(c, &req, now_ms);
    sig_request_clear(&req);
}

void sig_client_reject(sig_client_t *c, sig_error_t code, const char *why, int64_t now_ms)
{
    if (c->closed)
        return;
    c->engine->messages_in++;
    if (!rate_allows(c, now_ms)) {
        c->engine->rate_limited++;
        close_client(c, 1008, "rate limit exceeded");
        return;
    }
    sig_reply_error(c, -1, code, why);
}

size_t sig_engine_max_message_bytes(const sig_engine_t *e)
{
    return e->cfg.max_message_bytes;
}

/* Sends an event to one session, or keeps it for replay while detached. */
void sig_emit(sig_session_t *s, const char *event, json_t *data)
{
    uint64_t seq = sig_replay_ring_last_seq(s->ring) + 1;
    char *text = sig_encode_event(event, seq, data);
    if (!text)
        return;
    if (s->client && !s->client->closed)
        s->client->ops->send(s->client->conn, text, strlen(text));
    sig_replay_ring_push(s->ring, seq, text);
}

static void emit_to_room(sig_room_t *room, const sig_session_t *except, const char *event,
                         json_t *data)
{
    for (guint i = 0; i < room->members->len; i++) {
        sig_session_t *m = g_ptr_array_index(room->members, i);
        if (m != except)
            sig_emit(m, event, json_deep_copy(data));
    }
    json_decref(data);
}

static json_t *participant_json(const sig_session_t *s)
{
    char peer[16];
    snprintf(peer, sizeof peer, "p%u", s->peer_id);
    return json_pack("{ssss}", "peerId", peer, "name", s->name);
}

json_t *sig_room_participants(const sig_room_t *room, const sig_session_t *except)
{
    json_t *list = json_array();
    for (guint i = 0; i < room->members->len; i++) {
        sig_session_t *m = g_ptr_array_index(room->members, i);
        if (m != except)
            json_array_append_new(list, participant_json(m));
    }
    return list;
}

static void random_hex(char *out, size_t bytes)
{
    unsigned char raw[32];
    if (bytes > sizeof raw || RAND_bytes(raw, (int)bytes) != 1)
        abort(); /* no secure randomness: tokens would be guessable */
    for (size_t i = 0; i < bytes; i++)
        sprintf(out + 2 * i, "%02x", raw[i]);
}

static sig_room_t *room_get_or_create(sig_engine_t *e, const char *name)
{
    sig_room_t *room = g_hash_table_lookup(e->rooms, name);
    if (room)
        return room;
    if ((int)g_hash_table_size(e->rooms) >= e->cfg.max_rooms)
        return NULL;
    room = calloc(1, sizeof *room);
    if (!room)
        return NULL;
    room->id = e->next_room_id++;
    snprintf(room->name, sizeof room->name, "%s", name);
    room->members = g_ptr_array_new();
    room->worker = e->hooks.room_created ? e->hooks.room_created(e->hooks.ctx, room->id) : 0;
    g_hash_table_insert(e->rooms, room->name, room);
    LOG_INFO("[room %s] created on worker %d", room->name, room->worker);
    return room;
}

static void room_release_if_empty(sig_engine_t *e, sig_room_t *room)
{
    if (room->members->len > 0)
        return;
    LOG_INFO("[room %s] empty; freed", room->name);
    if (e->hooks.room_destroyed)
        e->hooks.room_destroyed(e->hooks.ctx, room->id, room->worker);
    g_hash_table_remove(e->rooms, room->name);
}

sig_error_t sig_session_join(sig_client_t *c, const char *room_name, const char *name, char *why,
                             size_t cap)
{
    sig_engine_t *e = c->engine;
    sig_room_t *existing = g_hash_table_lookup(e->rooms, room_name);
    if (existing && (int)existing->members->len >= e->cfg.max_peers_per_room) {
        snprintf(why, cap, "room \"%s\" already has %d participants", room_name,
                 e->cfg.max_peers_per_room);
        return SIG_ERR_ROOM_FULL;
    }
    sig_room_t *room = room_get_or_create(e, room_name);
    if (!room) {
        snprintf(why, cap, "the server holds its maximum of %d rooms", e->cfg.max_rooms);
        return SIG_ERR_SERVER_FULL;
    }
    sig_session_t *s = calloc(1, sizeof *s);
    s->ring = s ? sig_replay_ring_create((size_t)e->cfg.replay_events) : NULL;
    if (!s || !s->ring) {
        free(s);
        room_release_if_empty(e, room);
        snprintf(why, cap, "out of memory");
        return SIG_ERR_INTERNAL;
    }
    random_hex(s->id, 8);
    random_hex(s->token, 32);
    s->peer_id = e->next_peer_id++;
    snprintf(s->name, sizeof s->name, "%s", name);
    s->room = room;
    g_hash_table_insert(e->sessions, s->token, s);
    g_hash_table_insert(e->peers, GUINT_TO_POINTER(s->peer_id), s);
    emit_to_room(room, NULL, "participant-joined", participant_json(s));
    g_ptr_array_add(room->members, s);
    sig_session_attach(s, c);
    e->joins++;
    if (e->hooks.peer_joined)
        e->hooks.peer_joined(e->hooks.ctx, room->id, s->peer_id);
    LOG_INFO(SIG_LOG_SESSION_FMT "\"%s\" joined room %s over %s from %s (%u in room)",
             SIG_LOG_SESSION_ARGS(s), s->name, room->name, c->carrier, c->remote,
             room->members->len);
    return SIG_OK;
}

void sig_session_attach(sig_session_t *s, sig_client_t *c)
{
    if (s->client && s->client != c) {
        sig_client_t *old = s->client;
        old->session = NULL;
        close_client(old, 4000, "session resumed on another connection");
    }
    s->client = c;
    c->session = s;
    s->detached_at_ms = 0;
}

/* Removes a session from its room, tells the others why, and frees it. */
void sig_session_end(sig_engine_t *e, sig_session_t *s, const char *reason)
{
    sig_room_t *room = s->room;
    LOG_INFO(SIG_LOG_SESSION_FMT "left room %s: %s", SIG_LOG_SESSION_ARGS(s), room->name, reason);
    g_ptr_array_remove(room->members, s);
    json_t *ev = participant_json(s);
    json_object_set_new(ev, "reason", json_string(reason));
    emit_to_room(room, NULL, "participant-left", ev);
    if (s->client)
        s->client->session = NULL;
    if (e->hooks.peer_left)
        e->hooks.peer_left(e->hooks.ctx, room->id, s->peer_id);
    g_hash_table_remove(e->peers, GUINT_TO_POINTER(s->peer_id));
    g_hash_table_remove(e->sessions, s->token);
    room_release_if_empty(e, room);
}

void sig_engine_tick(sig_engine_t *e, int64_t now_ms)
{
    GPtrArray *expired = g_ptr_array_new();
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, e->sessions);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        sig_session_t *s = value;
        if (!s->client && now_ms - s->detached_at_ms >= e->cfg.grace_period_ms)
            g_ptr_array_add(expired, s);
    }
    for (guint i = 0; i < expired->len; i++) {
        e->expired++;
        sig_session_end(e, g_ptr_array_index(expired, i), "timeout");
    }
    g_ptr_array_free(expired, TRUE);
}

void sig_engine_shutdown(sig_engine_t *e)
{
    e->shutting_down = 1;
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, e->sessions);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        sig_session_t *s = value;
        sig_emit(s, "server-shutdown", json_pack("{ss}", "reason", "server is stopping"));
    }
    g_hash_table_iter_init(&it, e->clients);
    gpointer key;
    while (g_hash_table_iter_next(&it, &key, NULL))
        close_client(key, 1001, "server shutting down");
}

uint64_t sig_engine_track_media_request(sig_engine_t *e, sig_client_t *c, int64_t id)
{
    pending_media_t *p = g_new(pending_media_t, 1);
    gint64 *key = g_new(gint64, 1);
    *key = (gint64)e->next_ref++;
    p->client = c;
    p->id = id;
    g_hash_table_insert(e->pending, key, p);
    return (uint64_t)*key;
}

void sig_engine_media_reply(sig_engine_t *e, uint64_t ref, const char *error_code,
                            const char *message, json_t *data)
{
    gint64 key = (gint64)ref;
    pending_media_t *p = g_hash_table_lookup(e->pending, &key);
    if (!p) {
        json_decref(data);
        return;
    }
    if (error_code)
        sig_reply_error(p->client, p->id, sig_error_from_code(error_code), message ? message : "");
    else
        sig_reply_ok(p->client, p->id, data);
    if (error_code)
        json_decref(data);
    g_hash_table_remove(e->pending, &key);
}

void sig_engine_media_event(sig_engine_t *e, uint32_t peer_id, const char *event, json_t *data)
{
    sig_session_t *s = g_hash_table_lookup(e->peers, GUINT_TO_POINTER(peer_id));
    if (!s) {
        json_decref(data);
        return;
    }
    sig_emit(s, event, data);
}

json_t *sig_engine_stats(const sig_engine_t *e)
{
    guint attached = 0;
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, e->sessions);
    while (g_hash_table_iter_next(&it, NULL, &value))
        attached += ((sig_session_t *)value)->client != NULL;
    json_t *errors = json_object();
    for (int i = 1; i < SIG_ERR__COUNT; i++)
        if (e->errors[i])
            json_object_set_new(errors, sig_error_code(i), json_integer((json_int_t)e->errors[i]));
    return json_pack("{sisisisisIsIsIsIsIsIsIso}", "rooms", g_hash_table_size(e->rooms),
                     "sessions", g_hash_table_size(e->sessions), "sessionsConnected", attached,
                     "connections", g_hash_table_size(e->clients),
                     "messagesIn", (json_int_t)e->messages_in, "joins", (json_int_t)e->joins,
                     "leaves", (json_int_t)e->leaves, "resumes", (json_int_t)e->resumes,
                     "replayedEvents", (json_int_t)e->replayed_events,
                     "expiredSessions", (json_int_t)e->expired,
                     "rateLimited", (json_int_t)e->rate_limited, "errors", errors);
}

const char *sig_engine_peer_name(const sig_engine_t *e, uint32_t peer_id)
{
    const sig_session_t *s = g_hash_table_lookup(e->peers, GUINT_TO_POINTER(peer_id));
    return s ? s->name : NULL;
}
