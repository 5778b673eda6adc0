/*
 * File transfers through the relay (dc_relay.h, datachannel/README.md):
 * offers fan out to the receivers, their answers and progress fold into one
 * answer for the sender, chunks go from the sender's "file:<id>" channel to
 * one channel per accepting receiver, and nothing is kept beyond what the
 * sender's end-to-end window allows.
 */
#include "sfu/dc_relay_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the relay signs its aggregated answers to the sender with. */
#define SERVER_FROM "server"
/* A leg's queue beyond this means the sender ignored its window. */
#define LEG_QUEUE_MAX (2 * (size_t)DC_FILE_WINDOW_BYTES + DC_FILE_CHUNK_MAX)

typedef enum { LEG_OFFERED, LEG_ACCEPTED, LEG_DECLINED, LEG_DONE, LEG_CANCELLED } leg_state_t;

typedef struct leg {
    uint32_t peer_id;
    leg_state_t state;
    int stream;             /* the channel we opened to the receiver */
    uint64_t progress;      /* receiver's last file-progress */
    GQueue queue;           /* GBytes* chunks waiting for its buffer */
    size_t queued;
} leg_t;

struct relay_transfer {
    uint8_t id[DC_FILE_ID_LEN];
    uint32_t sender;
    int sender_stream;
    dc_file_ctrl_t offer;
    dc_file_rx_t rx;        /* checks the sender's chunks */
    leg_t *legs;
    size_t n_legs;
    int64_t offered_at_ms;
    bool started;           /* the sender was told to send */
    bool ended;             /* to be freed by sweep() */
    uint64_t progress_sent;
};

/* ---- helpers ------------------------------------------------------------------ */

static relay_transfer_t *find(relay_room_t *room, const uint8_t id[DC_FILE_ID_LEN])
{
    for (guint i = 0; i < room->transfers->len; i++) {
        relay_transfer_t *t = g_ptr_array_index(room->transfers, i);
        if (!t->ended && memcmp(t->id, id, DC_FILE_ID_LEN) == 0)
            return t;
    }
    return NULL;
}

static leg_t *leg_of(relay_transfer_t *t, uint32_t peer_id)
{
    for (size_t i = 0; i < t->n_legs; i++)
        if (t->legs[i].peer_id == peer_id)
            return &t->legs[i];
    return NULL;
}

static void leg_drop_queue(sfu_dc_relay_t *r, leg_t *l)
{
    r->stats.queued_bytes -= l->queued;
    l->queued = 0;
    g_queue_clear_full(&l->queue, (GDestroyNotify)g_bytes_unref);
}

/* Encodes c (from `from`) and sends it on m's chat channel. */
static void send_ctrl(sfu_dc_relay_t *r, relay_member_t *m, dc_file_ctrl_t *c, const char *from)
{
    char json[DC_CONTROL_MSG_MAX + 1];
    size_t len;
    dc_file_limits_t limits = {r->cfg.max_file_size};
    if (!m)
        return;
    snprintf(c->from, sizeof c->from, "%s", from);
    if (dc_file_ctrl_encode(c, &limits, DC_FROM_SERVER, json, sizeof json, &len) != 0)
        return;
    r->stats.control_out += relay_send_control(r, m, json, len);
}

static void send_simple(sfu_dc_relay_t *r, uint32_t peer_id, const relay_transfer_t *t,
                        dc_file_ctrl_type_t type, uint64_t offset, const char *reason,
                        const char *from)
{
    dc_file_ctrl_t c;
    memset(&c, 0, sizeof c);
    c.type = type;
    memcpy(c.transfer_id, t->id, DC_FILE_ID_LEN);
    c.offset = offset;
    if (reason)
        snprintf(c.reason, sizeof c.reason, "%s", reason);
    send_ctrl(r, relay_member(r, peer_id), &c, from);
}

static void close_leg_channel(sfu_dc_relay_t *r, leg_t *l)
{
    if (l->stream != NO_STREAM)
        r->ops.close_channel(r->ops.user, l->peer_id, (uint16_t)l->stream);
    l->stream = NO_STREAM;
}

static const char *sender_str(const relay_transfer_t *t, char buf[PEER_STR_MAX])
{
    snprintf(buf, PEER_STR_MAX, "p%u", t->sender);
    return buf;
}

/* Ends t: closes every channel; the caller has told whom it had to. */
static void end_transfer(sfu_dc_relay_t *r, relay_transfer_t *t)
{
    if (t->ended)
        return;
    t->ended = true;
    for (size_t i = 0; i < t->n_legs; i++) {
        leg_drop_queue(r, &t->legs[i]);
        close_leg_channel(r, &t->legs[i]);
    }
    if (t->sender_stream != NO_STREAM)
        r->ops.close_channel(r->ops.user, t->sender, (uint16_t)t->sender_stream);
    t->sender_stream = NO_STREAM;
    r->stats.transfers--;
}

/* Cancels t everywhere: receivers still in it and the sender hear why. */
static void cancel_transfer(sfu_dc_relay_t *r, relay_transfer_t *t, const char *reason,
                            bool tell_sender)
{
    char from[PEER_STR_MAX];
    if (t->ended)
        return;
    for (size_t i = 0; i < t->n_legs; i++) {
        leg_t *l = &t->legs[i];
        if (l->state == LEG_OFFERED || l->state == LEG_ACCEPTED)
            send_simple(r, l->peer_id, t, DC_FILE_CANCEL, 0, reason, sender_str(t, from));
        if (l->state == LEG_OFFERED || l->state == LEG_ACCEPTED)
            l->state = LEG_CANCELLED;
    }
    if (tell_sender)
        send_simple(r, t->sender, t, DC_FILE_CANCEL, 0, reason, SERVER_FROM);
    r->stats.files_cancelled++;
    end_transfer(r, t);
}

static void sweep(relay_room_t *room)
{
    for (guint i = room->transfers->len; i-- > 0;) {
        relay_transfer_t *t = g_ptr_array_index(room->transfers, i);
        if (!t->ended)
            continue;
        g_ptr_array_remove_index(room->transfers, i);
        free(t->legs);
        free(t);
    }
}

/* ---- aggregation toward the sender ------------------------------------------------ */

/* Before the start: once nobody is left to answer, tell the sender. */
static void check_answers(sfu_dc_relay_t *r, relay_transfer_t *t)
{
    size_t offered = 0, accepted = 0;
    for (size_t i = 0; i < t->n_legs; i++) {
        offered += t->legs[i].state == LEG_OFFERED;
        accepted += t->legs[i].state == LEG_ACCEPTED;
    }
    if (t->started || t->ended || offered > 0)
        return;
    if (accepted > 0) {
        t->started = true;
        send_simple(r, t->sender, t, DC_FILE_ACCEPT, 0, NULL, SERVER_FROM);
    } else {
        send_simple(r, t->sender, t, DC_FILE_DECLINE, 0, "declined", SERVER_FROM);
        end_transfer(r, t);
    }
}

/* After the start: the slowest accepting receiver's progress, or the end. */
static void update_progress(sfu_dc_relay_t *r, relay_transfer_t *t)
{
    if (!t->started) {
        check_answers(r, t);
        return;
    }
    if (t->ended)
        return;
    uint64_t low = UINT64_MAX;
    size_t active = 0, done = 0;
    for (size_t i = 0; i < t->n_legs; i++) {
        const leg_t *l = &t->legs[i];
        if (l->state == LEG_ACCEPTED) {
            active++;
            if (l->progress < low)
                low = l->progress;
        }
        done += l->state == LEG_DONE;
    }
    if (active == 0) {
        if (done > 0) {
            send_simple(r, t->sender, t, DC_FILE_DONE, 0, NULL, SERVER_FROM);
            r->stats.files_completed++;
        } else {
            send_simple(r, t->sender, t, DC_FILE_CANCEL, 0, "no-receivers", SERVER_FROM);
            r->stats.files_cancelled++;
        }
        end_transfer(r, t);
    } else if (low > t->progress_sent) {
        t->progress_sent = low;
        send_simple(r, t->sender, t, DC_FILE_PROGRESS, low, NULL, SERVER_FROM);
    }
}

static void leg_cancel(sfu_dc_relay_t *r, relay_transfer_t *t, leg_t *l, const char *reason)
{
    char from[PEER_STR_MAX];
    if (reason)
        send_simple(r, l->peer_id, t, DC_FILE_CANCEL, 0, reason, sender_str(t, from));
    l->state = LEG_CANCELLED;
    leg_drop_queue(r, l);
    close_leg_channel(r, l);
    update_progress(r, t);
}

/* ---- control messages ---------------------------------------------------------------- */

static void offer(sfu_dc_relay_t *r, relay_member_t *m, const dc_file_ctrl_t *c)
{
    relay_room_t *room = m->room;
    if (find(room, c->transfer_id)) {
        r->stats.bad_messages++; /* a resent or colliding offer */
        return;
    }
    relay_transfer_t *t = calloc(1, sizeof *t);
    if (t)
        t->legs = calloc(room->members->len, sizeof *t->legs);
    if (!t || !t->legs) {
        free(t);
        return;
    }
    memcpy(t->id, c->transfer_id, DC_FILE_ID_LEN);
    t->sender = m->peer_id;
    t->sender_stream = NO_STREAM;
    t->offer = *c;
    dc_file_rx_init(&t->rx, t->id, c->size, 0);
    for (guint i = 0; i < room->members->len; i++) {
        relay_member_t *o = g_ptr_array_index(room->members, i);
        if (o == m || o->chat_stream == NO_STREAM || (c->to[0] && strcmp(o->peer_str, c->to) != 0))
            continue;
        t->legs[t->n_legs++] = (leg_t){.peer_id = o->peer_id, .state = LEG_OFFERED,
                                       .stream = NO_STREAM};
    }
    g_ptr_array_add(room->transfers, t);
    r->stats.transfers++;
    r->stats.files_offered++;
    if (t->n_legs == 0) {
        send_simple(r, m->peer_id, t, DC_FILE_DECLINE, 0, "no-receivers", SERVER_FROM);
        end_transfer(r, t);
        return;
    }
    for (size_t i = 0; i < t->n_legs; i++) {
        dc_file_ctrl_t out = t->offer;
        send_ctrl(r, relay_member(r, t->legs[i].peer_id), &out, m->peer_str);
    }
}

static void accept_leg(sfu_dc_relay_t *r, relay_member_t *m, relay_transfer_t *t, leg_t *l)
{
    char label[DC_FILE_LABEL_LEN + 1];
    uint16_t stream;
    if (t->started) { /* the bytes have started flowing: we keep none to replay */
        leg_cancel(r, t, l, "too-late");
        return;
    }
    if (dc_file_label_write(t->id, label, sizeof label) != 0 ||
        r->ops.open_channel(r->ops.user, m->peer_id, label, &stream) != 0) {
        leg_cancel(r, t, l, "no-channel");
        return;
    }
    l->stream = stream;
    l->state = LEG_ACCEPTED;
    check_answers(r, t);
}

void file_relay_control(sfu_dc_relay_t *r, relay_member_t *m, const dc_file_ctrl_t *c)
{
    relay_room_t *room = m->room;
    if (c->type == DC_FILE_OFFER) {
        offer(r, m, c);
        sweep(room);
        return;
    }
    relay_transfer_t *t = find(room, c->transfer_id);
    leg_t *l = t ? leg_of(t, m->peer_id) : NULL;
    if (t && t->sender == m->peer_id && c->type == DC_FILE_CANCEL) {
        cancel_transfer(r, t, c->reason[0] ? c->reason : "cancelled", false);
    } else if (!l) {
        r->stats.bad_messages++;
    } else if (c->type == DC_FILE_ACCEPT && l->state == LEG_OFFERED) {
        accept_leg(r, m, t, l);
    } else if (c->type == DC_FILE_DECLINE && l->state == LEG_OFFERED) {
        l->state = LEG_DECLINED;
        check_answers(r, t);
    } else if (c->type == DC_FILE_CANCEL &&
               (l->state == LEG_OFFERED || l->state == LEG_ACCEPTED)) {
        leg_cancel(r, t, l, NULL);
    } else if (c->type == DC_FILE_PROGRESS && l->state == LEG_ACCEPTED &&
               c->offset >= l->progress && c->offset <= t->rx.next) {
        l->progress = c->offset;
        update_progress(r, t);
    } else if (c->type == DC_FILE_DONE && l->state == LEG_ACCEPTED && t->rx.next == t->offer.size) {
        l->state = LEG_DONE;
        l->progress = t->offer.size;
        close_leg_channel(r, l);
        update_progress(r, t);
    } else {
        r->stats.bad_messages++;
    }
    sweep(room);
}

/* ---- channels and chunks ------------------------------------------------------------- */

bool file_relay_channel_open(sfu_dc_relay_t *r, relay_member_t *m, uint16_t stream,
                             const uint8_t id[DC_FILE_ID_LEN])
{
    relay_transfer_t *t = find(m->room, id);
    if (!t || t->sender != m->peer_id || t->sender_stream != NO_STREAM)
        return false;
    t->sender_stream = stream;
    return true;
}

static void leg_flush(sfu_dc_relay_t *r, relay_transfer_t *t, leg_t *l)
{
    while (l->state == LEG_ACCEPTED && !g_queue_is_empty(&l->queue) &&
           r->ops.buffered_amount(r->ops.user, l->peer_id) < r->cfg.leg_high_water) {
        GBytes *b = g_queue_peek_head(&l->queue);
        gsize len;
        const uint8_t *p = g_bytes_get_data(b, &len);
        int rc = r->ops.send(r->ops.user, l->peer_id, (uint16_t)l->stream, false, p, len);
        if (rc == DC_EAGAIN)
            return;
        if (rc != 0) {
            r->stats.send_failures++;
            leg_cancel(r, t, l, "send-failed");
            return;
        }
        r->stats.file_bytes_out += len - DC_FILE_CHUNK_HEADER_LEN;
        l->queued -= len;
        r->stats.queued_bytes -= len;
        g_bytes_unref(g_queue_pop_head(&l->queue));
    }
}

/* One chunk to one receiver: now if its association has room, else queued. */
static void forward(sfu_dc_relay_t *r, relay_transfer_t *t, leg_t *l, const uint8_t *data,
                    size_t len)
{
    if (g_queue_is_empty(&l->queue) &&
        r->ops.buffered_amount(r->ops.user, l->peer_id) < r->cfg.leg_high_water) {
        int rc = r->ops.send(r->ops.user, l->peer_id, (uint16_t)l->stream, false, data, len);
        if (rc == 0) {
            r->stats.file_bytes_out += len - DC_FILE_CHUNK_HEADER_LEN;
            return;
        }
        if (rc != DC_EAGAIN) {
            r->stats.send_failures++;
            leg_cancel(r, t, l, "send-failed");
            return;
        }
    }
    if (l->queued + len > LEG_QUEUE_MAX) {
        r->stats.overruns++;
        cancel_transfer(r, t, "window-overrun", true);
        return;
    }
    g_queue_push_tail(&l->queue, g_bytes_new(data, len));
    l->queued += len;
    r->stats.queued_bytes += len;
    if (l->queued > r->stats.queued_peak)
        r->stats.queued_peak = l->queued;
}

bool file_relay_data(sfu_dc_relay_t *r, relay_member_t *m, uint16_t stream,
                     const uint8_t *data, size_t len)
{
    relay_room_t *room = m->room;
    relay_transfer_t *t = NULL;
    for (guint i = 0; i < room->transfers->len && !t; i++) {
        relay_transfer_t *x = g_ptr_array_index(room->transfers, i);
        if (!x->ended && x->sender == m->peer_id && x->sender_stream == stream)
            t = x;
    }
    if (!t)
        return false;
    dc_file_chunk_t c;
    if (dc_file_chunk_parse(data, len, &c) < 0 || !t->started ||
        dc_file_rx_accept(&t->rx, &c) < 0) {
        r->stats.bad_chunks++;
        cancel_transfer(r, t, "bad-chunk", true);
        sweep(room);
        return true;
    }
    r->stats.file_bytes_in += c.len;
    if (c.offset + c.len > t->progress_sent + LEG_QUEUE_MAX) {
        r->stats.overruns++;
        cancel_transfer(r, t, "window-overrun", true);
        sweep(room);
        return true;
    }
    for (size_t i = 0; i < t->n_legs && !t->ended; i++)
        if (t->legs[i].state == LEG_ACCEPTED)
            forward(r, t, &t->legs[i], data, len);
    sweep(room);
    return true;
}

void file_relay_channel_close(sfu_dc_relay_t *r, relay_member_t *m, uint16_t stream)
{
    relay_room_t *room = m->room;
    for (guint i = 0; i < room->transfers->len; i++) {
        relay_transfer_t *t = g_ptr_array_index(room->transfers, i);
        if (t->ended)
            continue;
        if (t->sender == m->peer_id && t->sender_stream == stream) {
            t->sender_stream = NO_STREAM;
            if (t->rx.next < t->offer.size) /* closed before the last byte: gone */
                cancel_transfer(r, t, "channel-closed", false);
            continue;
        }
        leg_t *l = leg_of(t, m->peer_id);
        if (l && l->stream == stream) {
            l->stream = NO_STREAM;
            if (l->state == LEG_ACCEPTED)
                leg_cancel(r, t, l, NULL);
        }
    }
    sweep(room);
}

void file_relay_member_gone(sfu_dc_relay_t *r, relay_member_t *m)
{
    relay_room_t *room = m->room;
    for (guint i = 0; i < room->transfers->len; i++) {
        relay_transfer_t *t = g_ptr_array_index(room->transfers, i);
        if (t->ended)
            continue;
        if (t->sender == m->peer_id) {
            t->sender_stream = NO_STREAM; /* its association is gone */
            cancel_transfer(r, t, "sender-left", false);
            continue;
        }
        leg_t *l = leg_of(t, m->peer_id);
        if (l && (l->state == LEG_OFFERED || l->state == LEG_ACCEPTED)) {
            l->stream = NO_STREAM;
            leg_cancel(r, t, l, NULL);
        }
    }
    sweep(room);
}

void file_relay_flush(sfu_dc_relay_t *r, relay_member_t *m)
{
    relay_room_t *room = m->room;
    for (guint i = 0; i < room->transfers->len; i++) {
        relay_transfer_t *t = g_ptr_array_index(room->transfers, i);
        leg_t *l = t->ended ? NULL : leg_of(t, m->peer_id);
        if (l)
            leg_flush(r, t, l);
    }
    sweep(room);
}

void file_relay_tick(sfu_dc_relay_t *r, relay_room_t *room, int64_t now_ms)
{
    for (guint i = 0; i < room->transfers->len; i++) {
        relay_transfer_t *t = g_ptr_array_index(room->transfers, i);
        if (t->ended || t->started)
            continue;
        if (!t->offered_at_ms)
            t->offered_at_ms = now_ms;
        if (now_ms - t->offered_at_ms < r->cfg.answer_timeout_ms)
            continue;
        for (size_t k = 0; k < t->n_legs; k++)
            if (t->legs[k].state == LEG_OFFERED)
                leg_cancel(r, t, &t->legs[k], "timeout");
        check_answers(r, t);
    }
    sweep(room);
}

void file_relay_free_all(relay_room_t *room)
{
    for (guint i = 0; i < room->transfers->len; i++) {
        relay_transfer_t *t = g_ptr_array_index(room->transfers, i);
        for (size_t k = 0; k < t->n_legs; k++)
            g_queue_clear_full(&t->legs[k].queue, (GDestroyNotify)g_bytes_unref);
        t->ended = true;
    }
    sweep(room);
}
