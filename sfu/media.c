/*
 * The media side's front door (media.h): signaling-thread calls become jobs
 * on the room's worker; each worker keeps its own registry of rooms by id
 * and its own counters. The only state shared between threads is the
 * room -> worker map (under a mutex, touched once per call, never on the
 * packet path), the id counter and the counters (atomics).
 */
#include "sfu/media.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/dc_hub.h"
#include "sfu/log.h"
#include "sfu/media_dc.h"
#include "sfu/media_room.h"

typedef struct worker_state {
    GHashTable *rooms;              /* room id -> sfu_media_room_t*; worker thread only */
    sfu_media_counters_t counters;
    sfu_media_env_t env;
} worker_state_t;

struct sfu_media {
    sfu_worker_pool_t *pool;
    sfu_media_sink_t sink;
    sfu_certificate_t *cert;
    atomic_uint next_id;
    int n_workers;
    worker_state_t *workers;
    GMutex lock;                    /* guards room_worker */
    GHashTable *room_worker;        /* room id -> worker index + 1 */
    sfu_dc_hub_t *dc_hub;           /* DataChannels: its own thread (dc_hub.h) */
};

typedef enum { JOB_ROOM_OPEN, JOB_ROOM_CLOSE, JOB_PEER_JOIN, JOB_PEER_LEAVE, JOB_REQUEST,
               JOB_SHUTDOWN } job_kind_t;

typedef struct media_job {
    sfu_media_t *m;
    job_kind_t kind;
    uint32_t room_id, peer_id;
    uint64_t ref;
    char method[32];
    json_t *data;
    /* JOB_SHUTDOWN: the caller waits for done */
    GMutex *done_lock;
    GCond *done_cond;
    int *done;
} media_job_t;

static int worker_of(sfu_media_t *m, uint32_t room_id);
static void start_datachannels(sfu_media_t *m, const sfu_config_t *cfg);

static const char *const methods[] = {
    "publish", "subscribe", "subscribe-answer", "ice-candidate", "producer-pause",
    "producer-resume", "consumer-pause", "consumer-resume",
};

int sfu_media_handles(const char *method)
{
    for (size_t i = 0; method && i < sizeof methods / sizeof methods[0]; i++)
        if (strcmp(method, methods[i]) == 0)
            return 1;
    return 0;
}

/* ---- settings ------------------------------------------------------------------ */

static int transport_config(const sfu_config_t *cfg, sfu_transport_config_t *out)
{
    sfu_transport_config_defaults(out);
    if (cfg->rtc_ports[0] && sfu_ice_config_set_port_range(&out->ice, cfg->rtc_ports) != 0) {
        LOG_ERROR("media: bad rtc port range \"%s\"", cfg->rtc_ports);
        return -1;
    }
    size_t n = strnlen(cfg->announce_ip, sizeof cfg->announce_ip);
    if (n >= sizeof out->ice.announce_ip) {
        LOG_ERROR("media: announce ip too long");
        return -1;
    }
    memcpy(out->ice.announce_ip, cfg->announce_ip, n);
    out->ice.announce_ip[n] = '\0';
    return 0;
}

sfu_media_t *sfu_media_create(const sfu_config_t *cfg, sfu_worker_pool_t *pool,
                              const sfu_media_sink_t *sink)
{
    sfu_transport_config_t tcfg;
    if (!cfg || !pool || !sink || !sink->reply || !sink->event || transport_config(cfg, &tcfg))
        return NULL;
    sfu_media_t *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->pool = pool;
    m->sink = *sink;
    m->n_workers = sfu_worker_pool_size(pool);
    m->cert = sfu_certificate_generate("switchboard");
    m->workers = calloc((size_t)m->n_workers, sizeof *m->workers);
    if (!m->cert || !m->workers) {
        sfu_certificate_destroy(m->cert);
        free(m->workers);
        free(m);
        return NULL;
    }
    for (int i = 0; i < m->n_workers; i++) {
        worker_state_t *ws = &m->workers[i];
        ws->rooms = g_hash_table_new(g_direct_hash, g_direct_equal);
        ws->env = (sfu_media_env_t){NULL, m->cert, tcfg, &m->sink, &ws->counters, &m->next_id, NULL};
    }
    g_mutex_init(&m->lock);
    m->room_worker = g_hash_table_new(g_direct_hash, g_direct_equal);
    start_datachannels(m, cfg);
    LOG_INFO("media: %d workers, rtc ports %s, certificate %s", m->n_workers,
             cfg->rtc_ports[0] ? cfg->rtc_ports : "any", sfu_certificate_fingerprint(m->cert));
    return m;
}

/* ---- DataChannels: the hub thread's packets back to the room's worker ---- */

typedef struct dc_out_job {
    sfu_media_t *m;
    uint32_t room_id, peer_id;
    size_t len;
    uint8_t pkt[];
} dc_out_job_t;

static void run_dc_out(sfu_worker_t *w, void *arg)
{
    dc_out_job_t *job = arg;
    worker_state_t *ws = &job->m->workers[sfu_worker_index(w)];
    sfu_media_room_t *r = g_hash_table_lookup(ws->rooms, GUINT_TO_POINTER(job->room_id));
    if (r)
        sfu_media_room_dc_send(r, job->peer_id, job->pkt, job->len);
    free(job);
}

/* Hub thread, inside usrsctp (dc_hub.h): copy and post, nothing else. */
static void dc_output(void *ctx, uint32_t room_id, uint32_t peer_id, const uint8_t *pkt,
                      size_t len)
{
    sfu_media_t *m = ctx;
    int idx = worker_of(m, room_id);
    dc_out_job_t *job = idx >= 0 ? malloc(sizeof *job + len) : NULL;
    if (!job)
        return;
    *job = (dc_out_job_t){m, room_id, peer_id, len};
    memcpy(job->pkt, pkt, len);
    if (sfu_worker_post(m->pool, idx, run_dc_out, job) != 0)
        free(job);
}

static void start_datachannels(sfu_media_t *m, const sfu_config_t *cfg)
{
    sfu_dc_relay_config_t dcfg = {.chat_history = cfg->chat_history ? cfg->chat_history : -1,
                                  .max_file_size = (uint64_t)cfg->max_file_size};
    m->dc_hub = sfu_dc_hub_create(&dcfg, dc_output, m);
    if (!m->dc_hub)
        LOG_WARN("media: cannot start the DataChannel thread; chat and files are off");
    for (int i = 0; i < m->n_workers; i++)
        m->workers[i].env.dc_hub = m->dc_hub;
}

/* ---- jobs (worker thread) ----------------------------------------------------------- */

static void destroy_rooms(sfu_worker_t *w, worker_state_t *ws)
{
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, ws->rooms);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        sfu_media_room_destroy(value);
        sfu_worker_room_removed(w);
        g_hash_table_iter_remove(&it);
    }
}

static void room_open(sfu_worker_t *w, worker_state_t *ws, uint32_t room_id)
{
    if (g_hash_table_contains(ws->rooms, GUINT_TO_POINTER(room_id)))
        return;
    ws->env.ctx = sfu_worker_context(w);
    sfu_media_room_t *r = sfu_media_room_create(&ws->env, room_id);
    if (!r) {
        LOG_ERROR("media: cannot create room %u", room_id);
        return;
    }
    g_hash_table_insert(ws->rooms, GUINT_TO_POINTER(room_id), r);
    sfu_worker_room_added(w);
}

static void room_close(sfu_worker_t *w, worker_state_t *ws, uint32_t room_id)
{
    sfu_media_room_t *r = g_hash_table_lookup(ws->rooms, GUINT_TO_POINTER(room_id));
    if (!r)
        return;
    g_hash_table_remove(ws->rooms, GUINT_TO_POINTER(room_id));
    sfu_media_room_destroy(r);
    sfu_worker_room_removed(w);
}

static void request(media_job_t *job, sfu_media_room_t *r)
{
    if (r)
        sfu_media_room_request(r, job->peer_id, job->ref, job->method, job->data);
    else
        job->m->sink.reply(job->m->sink.ctx, job->ref, "wrong_state",
                           "the room has no media session", NULL);
}

static void finish_shutdown(media_job_t *job)
{
    g_mutex_lock(job->done_lock);
    *job->done = 1;
    g_cond_signal(job->done_cond);
    g_mutex_unlock(job->done_lock);
}

static void run_job(sfu_worker_t *w, void *arg)
{
    media_job_t *job = arg;
    worker_state_t *ws = &job->m->workers[sfu_worker_index(w)];
    sfu_media_room_t *r = g_hash_table_lookup(ws->rooms, GUINT_TO_POINTER(job->room_id));
    switch (job->kind) {
    case JOB_ROOM_OPEN: room_open(w, ws, job->room_id); break;
    case JOB_ROOM_CLOSE: room_close(w, ws, job->room_id); break;
    case JOB_PEER_JOIN: if (r) sfu_media_room_peer_join(r, job->peer_id); break;
    case JOB_PEER_LEAVE: if (r) sfu_media_room_peer_leave(r, job->peer_id); break;
    case JOB_REQUEST: request(job, r); break;
    case JOB_SHUTDOWN: destroy_rooms(w, ws); finish_shutdown(job); return; /* caller frees */
    }
    json_decref(job->data);
    free(job);
}

/* ---- posting (signaling thread) ------------------------------------------------------- */

static int worker_of(sfu_media_t *m, uint32_t room_id)
{
    g_mutex_lock(&m->lock);
    int idx = GPOINTER_TO_INT(g_hash_table_lookup(m->room_worker, GUINT_TO_POINTER(room_id))) - 1;
    g_mutex_unlock(&m->lock);
    return idx;
}

/* Posts a job to the room's worker; data is stolen either way. */
static int post(sfu_media_t *m, int idx, job_kind_t kind, uint32_t room_id, uint32_t peer_id,
                uint64_t ref, const char *method, json_t *data)
{
    media_job_t *job = calloc(1, sizeof *job);
    if (!job || idx < 0) {
        free(job);
        json_decref(data);
        return -1;
    }
    *job = (media_job_t){.m = m, .kind = kind, .room_id = room_id, .peer_id = peer_id,
                         .ref = ref, .data = data};
    if (method)
        snprintf(job->method, sizeof job->method, "%s", method);
    if (sfu_worker_post(m->pool, idx, run_job, job) != 0) {
        json_decref(data);
        free(job);
        return -1;
    }
    return 0;
}

int sfu_media_room_open(sfu_media_t *m, uint32_t room_id)
{
    int idx = worker_of(m, room_id);
    if (idx >= 0)
        return idx;
    idx = sfu_worker_pool_pick(m->pool);
    g_mutex_lock(&m->lock);
    g_hash_table_insert(m->room_worker, GUINT_TO_POINTER(room_id), GINT_TO_POINTER(idx + 1));
    g_mutex_unlock(&m->lock);
    post(m, idx, JOB_ROOM_OPEN, room_id, 0, 0, NULL, NULL);
    return idx;
}

void sfu_media_room_close(sfu_media_t *m, uint32_t room_id)
{
    int idx = worker_of(m, room_id);
    if (idx < 0)
        return;
    g_mutex_lock(&m->lock);
    g_hash_table_remove(m->room_worker, GUINT_TO_POINTER(room_id));
    g_mutex_unlock(&m->lock);
    post(m, idx, JOB_ROOM_CLOSE, room_id, 0, 0, NULL, NULL);
    if (m->dc_hub)
        sfu_dc_hub_room_close(m->dc_hub, room_id);
}

void sfu_media_peer_join(sfu_media_t *m, uint32_t room_id, uint32_t peer_id)
{
    post(m, worker_of(m, room_id), JOB_PEER_JOIN, room_id, peer_id, 0, NULL, NULL);
    if (m->dc_hub)
        sfu_dc_hub_peer_join(m->dc_hub, room_id, peer_id, NULL);
}

void sfu_media_peer_set_name(sfu_media_t *m, uint32_t room_id, uint32_t peer_id, const char *name)
{
    if (m->dc_hub)
        sfu_dc_hub_peer_join(m->dc_hub, room_id, peer_id, name ? name : "");
}

void sfu_media_peer_leave(sfu_media_t *m, uint32_t room_id, uint32_t peer_id)
{
    post(m, worker_of(m, room_id), JOB_PEER_LEAVE, room_id, peer_id, 0, NULL, NULL);
    if (m->dc_hub)
        sfu_dc_hub_peer_leave(m->dc_hub, peer_id);
}

void sfu_media_request(sfu_media_t *m, uint32_t room_id, uint32_t peer_id, uint64_t ref,
                       const char *method, json_t *data)
{
    if (!sfu_media_handles(method)) {
        json_decref(data);
        m->sink.reply(m->sink.ctx, ref, "invalid_params", "not a media method", NULL);
        return;
    }
    int idx = worker_of(m, room_id);
    if (post(m, idx, JOB_REQUEST, room_id, peer_id, ref, method, data) != 0)
        m->sink.reply(m->sink.ctx, ref, idx < 0 ? "wrong_state" : "internal_error",
                      idx < 0 ? "the room has no media session" : "cannot reach the media worker",
                      NULL);
}

/* ---- teardown and stats -------------------------------------------------------------- */

/* Destroys every room on its own worker (transports must be freed on the
 * thread that runs their loop) and waits for each. */
static void shutdown_worker(sfu_media_t *m, int idx)
{
    GMutex lock;
    GCond cond;
    int done = 0;
    g_mutex_init(&lock);
    g_cond_init(&cond);
    media_job_t job = {.m = m, .kind = JOB_SHUTDOWN, .done_lock = &lock, .done_cond = &cond,
                       .done = &done};
    if (sfu_worker_post(m->pool, idx, run_job, &job) == 0) {
        g_mutex_lock(&lock);
        while (!done)
            g_cond_wait(&cond, &lock);
        g_mutex_unlock(&lock);
    }
    g_cond_clear(&cond);
    g_mutex_clear(&lock);
}

void sfu_media_destroy(sfu_media_t *m)
{
    if (!m)
        return;
    /* The hub stops posting to the workers before they shut down, and is
     * destroyed after them (their transports tell it they are gone). */
    sfu_dc_hub_quiesce(m->dc_hub);
    for (int i = 0; i < m->n_workers; i++) {
        shutdown_worker(m, i);
        g_hash_table_destroy(m->workers[i].rooms);
    }
    sfu_dc_hub_destroy(m->dc_hub);
    g_hash_table_destroy(m->room_worker);
    g_mutex_clear(&m->lock);
    sfu_certificate_destroy(m->cert);
    free(m->workers);
    free(m);
}

#define COUNTERS(X)                                                                        \
    X(rooms, "rooms") X(peers, "peers") X(transports, "transports")                         \
    X(producers, "producers") X(consumers, "consumers")                                     \
    X(rtp_packets_in, "rtpPacketsIn") X(rtp_bytes_in, "rtpBytesIn")                         \
    X(rtp_packets_out, "rtpPacketsOut") X(rtp_bytes_out, "rtpBytesOut")                     \
    X(rtcp_packets_in, "rtcpPacketsIn") X(rtcp_packets_out, "rtcpPacketsOut")               \
    X(nacks_in, "nacksIn") X(nacks_out, "nacksOut") X(retransmissions, "retransmissions")    \
    X(retransmit_misses, "retransmitMisses") X(plis_in, "plisIn") X(firs_in, "firsIn")       \
    X(plis_out, "keyframeRequestsOut")                                                      \
    X(keyframe_requests_deferred, "keyframeRequestsDeferred") X(srs_out, "sendersReportsOut") \
    X(rrs_out, "receiverReportsOut") X(twcc_out, "twccFeedbackOut") X(remb_out, "rembOut")  \
    X(drops_not_connected, "dropsNotConnected") X(drops_unknown, "dropsUnknown")            \
    X(drops_stale, "dropsStale") X(drops_waiting_keyframe, "dropsWaitingKeyframe")          \
    X(send_failures, "sendFailures")

static json_t *counters_json(const sfu_media_counters_t *c)
{
    json_t *o = json_object();
#define SET(field, name) \
    json_object_set_new(o, name, json_integer((json_int_t)SFU_COUNT_GET(c, field)));
    COUNTERS(SET)
#undef SET
    return o;
}

json_t *sfu_media_stats(const sfu_media_t *m)
{
    sfu_media_counters_t total;
    memset(&total, 0, sizeof total);
    json_t *per = json_array();
    for (int i = 0; i < m->n_workers; i++) {
        const sfu_media_counters_t *c = &m->workers[i].counters;
#define ADD(field, name) atomic_store(&total.field, total.field + SFU_COUNT_GET(c, field));
        COUNTERS(ADD)
#undef ADD
        json_array_append_new(per, counters_json(c));
    }
    json_t *o = counters_json(&total);
    json_object_set_new(o, "workers", per);
    if (m->dc_hub)
        json_object_set_new(o, "datachannel", sfu_dc_hub_stats(m->dc_hub));
    return o;
}
