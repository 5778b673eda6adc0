/*
 * Chat on the "chat" channel: stamping, duplicate suppression, rate limit,
 * fan-out and the per-room history (dc_relay.h).
 */
#include "sfu/dc_relay_internal.h"

#include <stdlib.h>
#include <string.h>

void chat_relay_member_init(relay_member_t *m)
{
    m->seen = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
    g_queue_init(&m->seen_order);
    m->tokens = SFU_DC_CHAT_BURST;
}

void chat_relay_member_free(relay_member_t *m)
{
    g_queue_clear(&m->seen_order);
    g_hash_table_destroy(m->seen);
}

void chat_relay_history_clear(relay_room_t *room)
{
    g_queue_clear_full(&room->history, (GDestroyNotify)g_bytes_unref);
}

/* Remembers id; false if it was already there (a resend after a reconnect,
 * or a client bug): the message must not be relayed twice. */
static bool first_time(relay_member_t *m, const char *id)
{
    if (g_hash_table_contains(m->seen, id))
        return false;
    char *copy = strdup(id);
    if (!copy)
        return true;
    g_hash_table_add(m->seen, copy);
    g_queue_push_tail(&m->seen_order, copy);
    if (g_queue_get_length(&m->seen_order) > SEEN_IDS_MAX)
        g_hash_table_remove(m->seen, g_queue_pop_head(&m->seen_order)); /* frees it */
    return true;
}

/* Token bucket: SFU_DC_CHAT_RATE per second, SFU_DC_CHAT_BURST at once. */
static bool within_rate(relay_member_t *m, int64_t now_ms)
{
    if (m->tokens_at_ms && now_ms > m->tokens_at_ms)
        m->tokens += (double)(now_ms - m->tokens_at_ms) * SFU_DC_CHAT_RATE / 1000.0;
    if (m->tokens > SFU_DC_CHAT_BURST)
        m->tokens = SFU_DC_CHAT_BURST;
    m->tokens_at_ms = now_ms;
    if (m->tokens < 1)
        return false;
    m->tokens -= 1;
    return true;
}

static void remember(sfu_dc_relay_t *r, relay_room_t *room, const char *json, size_t len)
{
    if (r->cfg.chat_history <= 0)
        return;
    g_queue_push_tail(&room->history, g_bytes_new(json, len));
    while (g_queue_get_length(&room->history) > (guint)r->cfg.chat_history)
        g_bytes_unref(g_queue_pop_head(&room->history));
}

void chat_relay_message(sfu_dc_relay_t *r, relay_member_t *m, const dc_chat_msg_t *in,
                        int64_t now_ms)
{
    relay_room_t *room = m->room;
    if (!within_rate(m, now_ms)) {
        r->stats.rate_limited++;
        return;
    }
    if (!first_time(m, in->id)) {
        r->stats.chat_duplicates++;
        return;
    }
    relay_member_t *target = NULL;
    if (in->to[0]) {
        target = relay_member_by_str(room, in->to);
        if (!target || target == m) {
            r->stats.bad_messages++;
            return;
        }
    }
    dc_chat_msg_t *out = malloc(sizeof *out);
    char *json = malloc(DC_CONTROL_MSG_MAX + 1);
    size_t len;
    if (!out || !json)
        goto done;
    *out = *in;
    memcpy(out->from, m->peer_str, sizeof m->peer_str);
    memcpy(out->from_name, m->name, sizeof out->from_name);
    out->ts_ms = now_ms;
    if (dc_chat_encode(out, DC_FROM_SERVER, json, DC_CONTROL_MSG_MAX + 1, &len) != 0) {
        r->stats.bad_messages++;
        goto done;
    }
    r->stats.chat_in++;
    if (target) {
        r->stats.chat_out += relay_send_control(r, target, json, len);
        goto done;
    }
    /* Members whose chat channel is not open yet get it with the history. */
    remember(r, room, json, len);
    for (guint i = 0; i < room->members->len; i++) {
        relay_member_t *o = g_ptr_array_index(room->members, i);
        if (o != m && o->history_sent)
            r->stats.chat_out += relay_send_control(r, o, json, len);
    }
done:
    free(out);
    free(json);
}

void chat_relay_send_history(sfu_dc_relay_t *r, relay_member_t *m)
{
    for (GList *l = m->room->history.head; l; l = l->next) {
        gsize len;
        const char *json = g_bytes_get_data(l->data, &len);
        r->stats.history_out += relay_send_control(r, m, json, len);
    }
}
