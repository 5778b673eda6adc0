/*
 * The DataChannel hub thread (dc_hub.h): jobs in, one usrsctp association
 * per peer send transport, the relay, a 10 ms tick, packets out.
 */
#include "sfu/dc_hub.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datachannel/chat_frame.h"
#include "datachannel/sctp_assoc.h"
#include "sfu/log.h"
#include "sfu/worker.h"

typedef struct hub_assoc {
    sfu_dc_hub_t *h;
    uint32_t room_id, peer_id;
    dc_sctp_t *a;
} hub_assoc_t;

struct sfu_dc_hub {
    sfu_worker_pool_t *thread;  /* one worker: the hub's loop and thread */
    sfu_dc_hub_output_fn output;
    void *output_ctx;
    size_t low_threshold;
    /* hub thread only */
    sfu_dc_relay_t *relay;
    GHashTable *assocs;         /* peer id -> hub_assoc_t* (owned) */
    GSource *timer;
    bool quiet;                 /* no more output */
    dc_sctp_stats_t gone;       /* counters of destroyed associations */
    /* snapshot for other threads */
    GMutex lock;
    sfu_dc_relay_stats_t relay_snap;
    dc_sctp_stats_t sctp_snap;
    uint64_t assocs_snap, assocs_created;
};

typedef enum { J_INIT, J_JOIN, J_LEAVE, J_ROOM_CLOSE, J_UP, J_DOWN, J_PACKET, J_QUIET,
               J_SYNC, J_STOP } job_kind_t;

typedef struct hub_job {
    sfu_dc_hub_t *h;
    job_kind_t kind;
    uint32_t room_id, peer_id;
    char name[DC_DISPLAY_NAME_MAX + 1];
    int has_name;
    /* J_QUIET, J_SYNC, J_STOP: the poster waits */
    GMutex *done_lock;
    GCond *done_cond;
    int *done;
    size_t len;
    uint8_t data[];
} hub_job_t;

static int64_t wall_ms(void)
{
    return g_get_real_time() / 1000;
}

/* ---- associations ------------------------------------------------------------------ */

static void add_stats(dc_sctp_stats_t *sum, const dc_sctp_stats_t *s)
{
    sum->packets_in += s->packets_in;
    sum->packets_out += s->packets_out;
    sum->bytes_in += s->bytes_in;
    sum->bytes_out += s->bytes_out;
    sum->messages_in += s->messages_in;
    sum->messages_out += s->messages_out;
    sum->message_bytes_in += s->message_bytes_in;
    sum->message_bytes_out += s->message_bytes_out;
    sum->dcep_errors += s->dcep_errors;
    sum->dropped_messages += s->dropped_messages;
    sum->send_would_block += s->send_would_block;
}

static void assoc_free(gpointer data)
{
    hub_assoc_t *ha = data;
    dc_sctp_stats_t s;
    dc_sctp_get_stats(ha->a, &s);
    add_stats(&ha->h->gone, &s);
    dc_sctp_destroy(ha->a); /* ABORT through on_output unless quiet */
    free(ha);
}

static void on_output(void *user, const uint8_t *pkt, size_t len)
{
    hub_assoc_t *ha = user;
    if (!ha->h->quiet)
        ha->h->output(ha->h->output_ctx, ha->room_id, ha->peer_id, pkt, len);
}

static void on_connected(void *user)
{
    hub_assoc_t *ha = user;
    LOG_INFO("[peer p%u] datachannels: SCTP association up", ha->peer_id);
}

static void on_closed(void *user, dc_sctp_close_reason_t reason)
{
    hub_assoc_t *ha = user;
    sfu_dc_hub_t *h = ha->h;
    uint32_t peer = ha->peer_id;
    LOG_INFO("[peer p%u] datachannels: SCTP association %s", peer,
             reason == DC_SCTP_CLOSED_SHUTDOWN ? "shut down"
             : reason == DC_SCTP_CLOSED_LOST ? "lost" : "failed");
    /* sctp_assoc.h: other callbacks may destroy the reporting association. */
    g_hash_table_remove(h->assocs, GUINT_TO_POINTER(peer));
    sfu_dc_relay_disconnected(h->relay, peer);
}

static void on_channel_open(void *user, const dc_channel_info_t *info)
{
    hub_assoc_t *ha = user;
    if (info->remote)
        sfu_dc_relay_channel_open(ha->h->relay, ha->peer_id, info->stream, info->label);
}

static void on_message(void *user, uint16_t stream, bool is_string, const uint8_t *data,
                       size_t len)
{
    hub_assoc_t *ha = user;
    sfu_dc_relay_message(ha->h->relay, ha->peer_id, stream, is_string, data, len, wall_ms());
}

static void on_channel_close(void *user, uint16_t stream)
{
    hub_assoc_t *ha = user;
    sfu_dc_relay_channel_close(ha->h->relay, ha->peer_id, stream);
}

static void on_buffered_amount_low(void *user)
{
    hub_assoc_t *ha = user;
    sfu_dc_relay_writable(ha->h->relay, ha->peer_id);
}

static void transport_down(sfu_dc_hub_t *h, uint32_t peer_id)
{
    if (g_hash_table_remove(h->assocs, GUINT_TO_POINTER(peer_id)))
        sfu_dc_relay_disconnected(h->relay, peer_id);
}

static void transport_up(sfu_dc_hub_t *h, uint32_t room_id, uint32_t peer_id)
{
    if (sfu_dc_relay_member_room(h->relay, peer_id) != room_id)
        return; /* left already, or never joined */
    transport_down(h, peer_id); /* a new send transport replaces the old */
    hub_assoc_t *ha = calloc(1, sizeof *ha);
    if (!ha)
        return;
    *ha = (hub_assoc_t){h, room_id, peer_id, NULL};
    dc_sctp_config_t cfg = {.dtls_server = true,
                            .buffered_amount_low_threshold = (uint32_t)h->low_threshold};
    dc_sctp_callbacks_t cb = {ha, on_output, on_connected, on_closed, on_channel_open,
                              on_message, on_channel_close, on_buffered_amount_low};
    int rc = dc_sctp_create(&cfg, &cb, &ha->a);
    if (rc != 0) {
        LOG_WARN("[peer p%u] datachannels: cannot create an SCTP association: %s", peer_id,
                 dc_strerror(rc));
        free(ha);
        return;
    }
    g_hash_table_insert(h->assocs, GUINT_TO_POINTER(peer_id), ha);
    h->assocs_created++;
    dc_sctp_connect(ha->a);
}

/* ---- relay ops: the relay's view of the associations --------------------------------- */

static dc_sctp_t *assoc_of(sfu_dc_hub_t *h, uint32_t peer_id)
{
    hub_assoc_t *ha = g_hash_table_lookup(h->assocs, GUINT_TO_POINTER(peer_id));
    return ha ? ha->a : NULL;
}

static int op_send(void *user, uint32_t peer_id, uint16_t stream, bool is_string,
                   const uint8_t *data, size_t len)
{
    dc_sctp_t *a = assoc_of(user, peer_id);
    if (!a)
        return DC_ENOENT;
    return dc_sctp_send(a, stream, is_string ? DC_PPID_STRING : DC_PPID_BINARY, data, len);
}

static int op_open(void *user, uint32_t peer_id, const char *label, uint16_t *stream)
{
    dc_sctp_t *a = assoc_of(user, peer_id);
    dc_channel_params_t p = {.label = label, .channel_type = DC_CHANNEL_RELIABLE};
    return a ? dc_sctp_open_channel(a, &p, stream) : DC_ENOENT;
}

static void op_close(void *user, uint32_t peer_id, uint16_t stream)
{
    dc_sctp_t *a = assoc_of(user, peer_id);
    if (a)
        dc_sctp_close_channel(a, stream);
}

static size_t op_buffered(void *user, uint32_t peer_id)
{
    dc_sctp_t *a = assoc_of(user, peer_id);
    return a ? dc_sctp_buffered_amount(a) : 0;
}

/* ---- the thread --------------------------------------------------------------------------- */

static void snapshot(sfu_dc_hub_t *h)
{
    dc_sctp_stats_t sum = h->gone;
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, h->assocs);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        dc_sctp_stats_t s;
        dc_sctp_get_stats(((hub_assoc_t *)value)->a, &s);
        add_stats(&sum, &s);
    }
    g_mutex_lock(&h->lock);
    sfu_dc_relay_get_stats(h->relay, &h->relay_snap);
    h->sctp_snap = sum;
    h->assocs_snap = g_hash_table_size(h->assocs);
    g_mutex_unlock(&h->lock);
}

static gboolean tick(gpointer data)
{
    sfu_dc_hub_t *h = data;
    if (g_hash_table_size(h->assocs) > 0)
        dc_sctp_tick(g_get_monotonic_time() / 1000);
    sfu_dc_relay_tick(h->relay, wall_ms());
    snapshot(h);
    return G_SOURCE_CONTINUE;
}

static void finish(hub_job_t *job)
{
    g_mutex_lock(job->done_lock);
    *job->done = 1;
    g_cond_signal(job->done_cond);
    g_mutex_unlock(job->done_lock);
}

static void run_job(sfu_worker_t *w, void *arg)
{
    hub_job_t *job = arg;
    sfu_dc_hub_t *h = job->h;
    hub_assoc_t *ha;
    switch (job->kind) {
    case J_INIT:
        sfu_log_set_thread_name("dc-hub");
        h->timer = g_timeout_source_new(DC_SCTP_TICK_INTERVAL_MS);
        g_source_set_callback(h->timer, tick, h, NULL);
        g_source_attach(h->timer, sfu_worker_context(w));
        break;
    case J_JOIN:
        sfu_dc_relay_member_join(h->relay, job->room_id, job->peer_id,
                                 job->has_name ? job->name : NULL);
        break;
    case J_LEAVE:
        transport_down(h, job->peer_id);
        sfu_dc_relay_member_leave(h->relay, job->peer_id);
        break;
    case J_ROOM_CLOSE: {
        GHashTableIter it;
        gpointer value;
        g_hash_table_iter_init(&it, h->assocs);
        while (g_hash_table_iter_next(&it, NULL, &value))
            if (((hub_assoc_t *)value)->room_id == job->room_id)
                g_hash_table_iter_remove(&it);
        sfu_dc_relay_room_close(h->relay, job->room_id);
        break;
    }
    case J_UP: transport_up(h, job->room_id, job->peer_id); break;
    case J_DOWN: transport_down(h, job->peer_id); break;
    case J_PACKET:
        ha = g_hash_table_lookup(h->assocs, GUINT_TO_POINTER(job->peer_id));
        if (ha)
            dc_sctp_handle_packet(ha->a, job->data, job->len);
        break;
    case J_QUIET: h->quiet = true; finish(job); return;
    case J_SYNC: snapshot(h); finish(job); return;
    case J_STOP:
        h->quiet = true;
        g_hash_table_remove_all(h->assocs);
        snapshot(h);
        if (h->timer) {
            g_source_destroy(h->timer);
            g_source_unref(h->timer);
            h->timer = NULL;
        }
        finish(job);
        return;
    }
    free(job);
}

static hub_job_t *job_new(sfu_dc_hub_t *h, job_kind_t kind, uint32_t room_id, uint32_t peer_id,
                          size_t len)
{
    hub_job_t *job = calloc(1, sizeof *job + len);
    if (job)
        *job = (hub_job_t){.h = h, .kind = kind, .room_id = room_id, .peer_id = peer_id,
                           .len = len};
    return job;
}

static void post(sfu_dc_hub_t *h, hub_job_t *job)
{
    if (job && sfu_worker_post(h->thread, 0, run_job, job) != 0)
        free(job);
}

/* Posts a job and waits until the hub thread has run it. */
static void post_wait(sfu_dc_hub_t *h, job_kind_t kind)
{
    GMutex lock;
    GCond cond;
    int done = 0;
    g_mutex_init(&lock);
    g_cond_init(&cond);
    hub_job_t job = {.h = h, .kind = kind, .done_lock = &lock, .done_cond = &cond,
                     .done = &done};
    if (sfu_worker_post(h->thread, 0, run_job, &job) == 0) {
        g_mutex_lock(&lock);
        while (!done)
            g_cond_wait(&cond, &lock);
        g_mutex_unlock(&lock);
    }
    g_cond_clear(&cond);
    g_mutex_clear(&lock);
}

sfu_dc_hub_t *sfu_dc_hub_create(const sfu_dc_relay_config_t *cfg, sfu_dc_hub_output_fn output,
                                void *output_ctx)
{
    if (!output)
        return NULL;
    sfu_dc_hub_t *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->output = output;
    h->output_ctx = output_ctx;
    sfu_dc_relay_ops_t ops = {h, op_send, op_open, op_close, op_buffered};
    h->relay = sfu_dc_relay_create(cfg, &ops);
    h->assocs = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, assoc_free);
    size_t high = cfg && cfg->leg_high_water ? cfg->leg_high_water : SFU_DC_LEG_HIGH_WATER_DEFAULT;
    h->low_threshold = high / 2;
    g_mutex_init(&h->lock);
    h->thread = h->relay ? sfu_worker_pool_create(1) : NULL;
    if (!h->thread) {
        sfu_dc_relay_destroy(h->relay);
        g_hash_table_destroy(h->assocs);
        g_mutex_clear(&h->lock);
        free(h);
        return NULL;
    }
    post(h, job_new(h, J_INIT, 0, 0, 0));
    return h;
}

void sfu_dc_hub_quiesce(sfu_dc_hub_t *h)
{
    if (h)
        post_wait(h, J_QUIET);
}

void sfu_dc_hub_sync(sfu_dc_hub_t *h)
{
    if (h)
        post_wait(h, J_SYNC);
}

void sfu_dc_hub_destroy(sfu_dc_hub_t *h)
{
    if (!h)
        return;
    post_wait(h, J_STOP);
    sfu_worker_pool_destroy(h->thread);
    g_hash_table_destroy(h->assocs);
    sfu_dc_relay_destroy(h->relay);
    g_mutex_clear(&h->lock);
    free(h);
}

void sfu_dc_hub_peer_join(sfu_dc_hub_t *h, uint32_t room_id, uint32_t peer_id, const char *name)
{
    hub_job_t *job = job_new(h, J_JOIN, room_id, peer_id, 0);
    if (job && name) {
        snprintf(job->name, sizeof job->name, "%s", name);
        job->has_name = 1;
    }
    post(h, job);
}

void sfu_dc_hub_peer_leave(sfu_dc_hub_t *h, uint32_t peer_id)
{
    post(h, job_new(h, J_LEAVE, 0, peer_id, 0));
}

void sfu_dc_hub_room_close(sfu_dc_hub_t *h, uint32_t room_id)
{
    post(h, job_new(h, J_ROOM_CLOSE, room_id, 0, 0));
}

void sfu_dc_hub_transport_up(sfu_dc_hub_t *h, uint32_t room_id, uint32_t peer_id)
{
    post(h, job_new(h, J_UP, room_id, peer_id, 0));
}

void sfu_dc_hub_transport_down(sfu_dc_hub_t *h, uint32_t peer_id)
{
    post(h, job_new(h, J_DOWN, 0, peer_id, 0));
}

void sfu_dc_hub_packet(sfu_dc_hub_t *h, uint32_t peer_id, const uint8_t *buf, size_t len)
{
    if (!buf || len == 0 || len > 65536)
        return;
    hub_job_t *job = job_new(h, J_PACKET, 0, peer_id, len);
    if (job)
        memcpy(job->data, buf, len);
    post(h, job);
}

json_t *sfu_dc_hub_stats(sfu_dc_hub_t *h)
{
    g_mutex_lock(&h->lock);
    sfu_dc_relay_stats_t r = h->relay_snap;
    dc_sctp_stats_t s = h->sctp_snap;
    uint64_t assocs = h->assocs_snap;
    g_mutex_unlock(&h->lock);
#define I(v) json_integer((json_int_t)(v))
    json_t *o = json_object();
    json_object_set_new(o, "associations", I(assocs));
    json_object_set_new(o, "sctpPacketsIn", I(s.packets_in));
    json_object_set_new(o, "sctpPacketsOut", I(s.packets_out));
    json_object_set_new(o, "messagesIn", I(s.messages_in));
    json_object_set_new(o, "messagesOut", I(s.messages_out));
    json_object_set_new(o, "messageBytesIn", I(s.message_bytes_in));
    json_object_set_new(o, "messageBytesOut", I(s.message_bytes_out));
    json_object_set_new(o, "dcepErrors", I(s.dcep_errors));
    json_object_set_new(o, "sctpDroppedMessages", I(s.dropped_messages));
    json_object_set_new(o, "sendWouldBlock", I(s.send_would_block));
    json_object_set_new(o, "chatIn", I(r.chat_in));
    json_object_set_new(o, "chatOut", I(r.chat_out));
    json_object_set_new(o, "chatDuplicates", I(r.chat_duplicates));
    json_object_set_new(o, "historyOut", I(r.history_out));
    json_object_set_new(o, "fileControlIn", I(r.control_in));
    json_object_set_new(o, "fileControlOut", I(r.control_out));
    json_object_set_new(o, "filesOffered", I(r.files_offered));
    json_object_set_new(o, "filesCompleted", I(r.files_completed));
    json_object_set_new(o, "filesCancelled", I(r.files_cancelled));
    json_object_set_new(o, "fileBytesIn", I(r.file_bytes_in));
    json_object_set_new(o, "fileBytesOut", I(r.file_bytes_out));
    json_object_set_new(o, "transfers", I(r.transfers));
    json_object_set_new(o, "queuedBytes", I(r.queued_bytes));
    json_object_set_new(o, "queuedPeakBytes", I(r.queued_peak));
    json_object_set_new(o, "badMessages", I(r.bad_messages));
    json_object_set_new(o, "badChannels", I(r.bad_channels));
    json_object_set_new(o, "badChunks", I(r.bad_chunks));
    json_object_set_new(o, "rateLimited", I(r.rate_limited));
    json_object_set_new(o, "overruns", I(r.overruns));
    json_object_set_new(o, "sendFailures", I(r.send_failures));
    json_object_set_new(o, "drops", I(r.bad_messages + r.bad_channels + r.bad_chunks +
                                      r.rate_limited + r.send_failures + s.dcep_errors +
                                      s.dropped_messages));
#undef I
    return o;
}
