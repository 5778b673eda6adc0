/*
 * The relay's rooms, members and channels, and the dispatch of incoming
 * messages to chat_relay.c and file_relay.c. See dc_relay.h.
 */
#include "sfu/dc_relay_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- rooms and members ---------------------------------------------------------- */

relay_member_t *relay_member(const sfu_dc_relay_t *r, uint32_t peer_id)
{
    return g_hash_table_lookup(r->members, GUINT_TO_POINTER(peer_id));
}

relay_member_t *relay_member_by_str(relay_room_t *room, const char *peer_str)
{
    for (guint i = 0; peer_str && i < room->members->len; i++) {
        relay_member_t *m = g_ptr_array_index(room->members, i);
        if (strcmp(m->peer_str, peer_str) == 0)
            return m;
    }
    return NULL;
}

static relay_room_t *room_get_or_add(sfu_dc_relay_t *r, uint32_t room_id)
{
    relay_room_t *room = g_hash_table_lookup(r->rooms, GUINT_TO_POINTER(room_id));
    if (room)
        return room;
    room = calloc(1, sizeof *room);
    if (!room)
        return NULL;
    room->id = room_id;
    room->members = g_ptr_array_new();
    room->transfers = g_ptr_array_new();
    g_queue_init(&room->history);
    g_hash_table_insert(r->rooms, GUINT_TO_POINTER(room_id), room);
    return room;
}

static void room_free(relay_room_t *room)
{
    file_relay_free_all(room);
    g_ptr_array_free(room->transfers, TRUE);
    chat_relay_history_clear(room);
    g_ptr_array_free(room->members, TRUE);
    free(room);
}

static void ctrl_queue_clear(relay_member_t *m)
{
    g_queue_clear_full(&m->ctrl_queue, (GDestroyNotify)g_bytes_unref);
}

/* Takes m out of its room (ending its transfers); frees the room when empty. */
static void detach(sfu_dc_relay_t *r, relay_member_t *m)
{
    relay_room_t *room = m->room;
    if (!room)
        return;
    file_relay_member_gone(r, m);
    g_ptr_array_remove(room->members, m);
    m->room = NULL;
    if (room->members->len == 0) {
        g_hash_table_remove(r->rooms, GUINT_TO_POINTER(room->id));
        room_free(room);
    }
}

static void member_free(gpointer data)
{
    relay_member_t *m = data;
    ctrl_queue_clear(m);
    chat_relay_member_free(m);
    free(m);
}

sfu_dc_relay_t *sfu_dc_relay_create(const sfu_dc_relay_config_t *cfg,
                                    const sfu_dc_relay_ops_t *ops)
{
    if (!ops || !ops->send || !ops->open_channel || !ops->close_channel || !ops->buffered_amount)
        return NULL;
    sfu_dc_relay_t *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    if (cfg)
        r->cfg = *cfg;
    if (r->cfg.chat_history == 0)
        r->cfg.chat_history = SFU_DC_CHAT_HISTORY_DEFAULT;
    if (r->cfg.chat_history < 0)
        r->cfg.chat_history = 0;
    if (!r->cfg.max_file_size)
        r->cfg.max_file_size = DC_FILE_DEFAULT_MAX_SIZE;
    if (!r->cfg.leg_high_water)
        r->cfg.leg_high_water = SFU_DC_LEG_HIGH_WATER_DEFAULT;
    if (!r->cfg.answer_timeout_ms)
        r->cfg.answer_timeout_ms = SFU_DC_ANSWER_TIMEOUT_MS_DEFAULT;
    r->ops = *ops;
    r->members = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, member_free);
    r->rooms = g_hash_table_new(g_direct_hash, g_direct_equal);
    return r;
}

void sfu_dc_relay_destroy(sfu_dc_relay_t *r)
{
    if (!r)
        return;
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, r->rooms);
    while (g_hash_table_iter_next(&it, NULL, &value))
        room_free(value);
    g_hash_table_destroy(r->rooms);
    g_hash_table_destroy(r->members);
    free(r);
}

void sfu_dc_relay_member_join(sfu_dc_relay_t *r, uint32_t room_id, uint32_t peer_id,
                              const char *name)
{
    relay_member_t *m = relay_member(r, peer_id);
    if (!m) {
        m = calloc(1, sizeof *m);
        if (!m)
            return;
        m->peer_id = peer_id;
        snprintf(m->peer_str, sizeof m->peer_str, "p%u", peer_id);
        m->chat_stream = NO_STREAM;
        g_queue_init(&m->ctrl_queue);
        chat_relay_member_init(m);
        g_hash_table_insert(r->members, GUINT_TO_POINTER(peer_id), m);
    }
    if (name) {
        /* fromName must hold no control characters (chat_frame.h). */
        size_t n = 0;
        for (const char *s = name; *s && n < DC_DISPLAY_NAME_MAX; s++)
            m->name[n++] = (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s;
        m->name[n] = '\0';
    }
    if (m->room && m->room->id == room_id)
        return;
    detach(r, m);
    relay_room_t *room = room_get_or_add(r, room_id);
    if (!room)
        return;
    m->room = room;
    g_ptr_array_add(room->members, m);
}

void sfu_dc_relay_member_leave(sfu_dc_relay_t *r, uint32_t peer_id)
{
    relay_member_t *m = relay_member(r, peer_id);
    if (!m)
        return;
    detach(r, m);
    g_hash_table_remove(r->members, GUINT_TO_POINTER(peer_id));
}

void sfu_dc_relay_room_close(sfu_dc_relay_t *r, uint32_t room_id)
{
    relay_room_t *room = g_hash_table_lookup(r->rooms, GUINT_TO_POINTER(room_id));
    while (room && room->members->len > 0) {
        relay_member_t *m = g_ptr_array_index(room->members, room->members->len - 1);
        bool last = room->members->len == 1;
        sfu_dc_relay_member_leave(r, m->peer_id); /* frees the room with the last one */
        if (last)
            break;
    }
}

bool sfu_dc_relay_is_member(const sfu_dc_relay_t *r, uint32_t peer_id)
{
    return relay_member(r, peer_id) != NULL;
}

uint32_t sfu_dc_relay_member_room(const sfu_dc_relay_t *r, uint32_t peer_id)
{
    relay_member_t *m = relay_member(r, peer_id);
    return m && m->room ? m->room->id : 0;
}

void sfu_dc_relay_disconnected(sfu_dc_relay_t *r, uint32_t peer_id)
{
    relay_member_t *m = relay_member(r, peer_id);
    if (!m)
        return;
    if (m->room)
        file_relay_member_gone(r, m);
    m->chat_stream = NO_STREAM;
    ctrl_queue_clear(m);
}

/* ---- control messages out --------------------------------------------------------- */

static void flush_control(sfu_dc_relay_t *r, relay_member_t *m)
{
    while (m->chat_stream != NO_STREAM && !g_queue_is_empty(&m->ctrl_queue)) {
        GBytes *b = g_queue_peek_head(&m->ctrl_queue);
        gsize len;
        const uint8_t *p = g_bytes_get_data(b, &len);
        int rc = r->ops.send(r->ops.user, m->peer_id, (uint16_t)m->chat_stream, true, p, len);
        if (rc == DC_EAGAIN)
            return;
        if (rc != 0)
            r->stats.send_failures++;
        g_bytes_unref(g_queue_pop_head(&m->ctrl_queue));
    }
}

bool relay_send_control(sfu_dc_relay_t *r, relay_member_t *m, const char *json, size_t len)
{
    if (m->chat_stream == NO_STREAM)
        return false;
    if (g_queue_is_empty(&m->ctrl_queue)) {
        int rc = r->ops.send(r->ops.user, m->peer_id, (uint16_t)m->chat_stream, true,
                             (const uint8_t *)json, len);
        if (rc == 0)
            return true;
        if (rc != DC_EAGAIN) {
            r->stats.send_failures++;
            return false;
        }
    }
    if (g_queue_get_length(&m->ctrl_queue) >= SFU_DC_CTRL_QUEUE_MAX) {
        r->stats.send_failures++;
        return false;
    }
    g_queue_push_tail(&m->ctrl_queue, g_bytes_new(json, len));
    return true;
}

/* ---- channels ----------------------------------------------------------------------- */

static void refuse_channel(sfu_dc_relay_t *r, uint32_t peer_id, uint16_t stream)
{
    r->stats.bad_channels++;
    r->ops.close_channel(r->ops.user, peer_id, stream);
}

void sfu_dc_relay_channel_open(sfu_dc_relay_t *r, uint32_t peer_id, uint16_t stream,
                               const char *label)
{
    relay_member_t *m = relay_member(r, peer_id);
    uint8_t id[DC_FILE_ID_LEN];
    if (!m || !m->room || !label) {
        refuse_channel(r, peer_id, stream);
    } else if (strcmp(label, DC_CONTROL_LABEL) == 0) {
        if (m->chat_stream != NO_STREAM && m->chat_stream != stream) {
            refuse_channel(r, peer_id, stream); /* one control channel per association */
            return;
        }
        m->chat_stream = stream;
        if (!m->history_sent) {
            m->history_sent = true;
            chat_relay_send_history(r, m);
        }
        flush_control(r, m);
    } else if (dc_file_label_parse(label, strlen(label), id) != 0 ||
               !file_relay_channel_open(r, m, stream, id)) {
        refuse_channel(r, peer_id, stream);
    }
}

void sfu_dc_relay_channel_close(sfu_dc_relay_t *r, uint32_t peer_id, uint16_t stream)
{
    relay_member_t *m = relay_member(r, peer_id);
    if (!m)
        return;
    if (m->chat_stream == stream) {
        m->chat_stream = NO_STREAM;
        ctrl_queue_clear(m);
    } else if (m->room) {
        file_relay_channel_close(r, m, stream);
    }
}

/* ---- messages in ----------------------------------------------------------------------- */

static void control_message(sfu_dc_relay_t *r, relay_member_t *m, const uint8_t *data,
                            size_t len, int64_t now_ms)
{
    dc_chat_msg_t *chat = malloc(sizeof *chat);
    dc_file_ctrl_t *ctrl = malloc(sizeof *ctrl);
    dc_file_limits_t limits = {r->cfg.max_file_size};
    int rc = chat ? dc_chat_decode(data, len, DC_FROM_CLIENT, chat) : DC_ENOMEM;
    if (rc == 0) {
        chat_relay_message(r, m, chat, now_ms);
    } else if (rc == DC_EUNKNOWN && ctrl &&
               dc_file_ctrl_decode(data, len, &limits, DC_FROM_CLIENT, ctrl) == 0) {
        r->stats.control_in++;
        file_relay_control(r, m, ctrl);
    } else {
        r->stats.bad_messages++;
    }
    free(chat);
    free(ctrl);
}

void sfu_dc_relay_message(sfu_dc_relay_t *r, uint32_t peer_id, uint16_t stream,
                          bool is_string, const uint8_t *data, size_t len, int64_t now_ms)
{
    relay_member_t *m = relay_member(r, peer_id);
    if (!m || !m->room) {
        r->stats.bad_messages++;
        return;
    }
    if (m->chat_stream == stream) {
        if (is_string)
            control_message(r, m, data, len, now_ms);
        else
            r->stats.bad_messages++;
        return;
    }
    if (is_string) {
        r->stats.bad_messages++;
        return;
    }
    if (!file_relay_data(r, m, stream, data, len))
        r->stats.bad_chunks++;
}

void sfu_dc_relay_writable(sfu_dc_relay_t *r, uint32_t peer_id)
{
    relay_member_t *m = relay_member(r, peer_id);
    if (!m)
        return;
    flush_control(r, m);
    if (m->room)
        file_relay_flush(r, m);
}

void sfu_dc_relay_tick(sfu_dc_relay_t *r, int64_t now_ms)
{
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, r->rooms);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        relay_room_t *room = value;
        file_relay_tick(r, room, now_ms);
        for (guint i = 0; i < room->members->len; i++)
            sfu_dc_relay_writable(r, ((relay_member_t *)g_ptr_array_index(room->members, i))->peer_id);
    }
}

void sfu_dc_relay_get_stats(const sfu_dc_relay_t *r, sfu_dc_relay_stats_t *out)
{
    *out = r->stats;
}
