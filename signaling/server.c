#include "signaling/server.h"

#include <errno.h>
#include <libwebsockets.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sfu/log.h"
#include "sfu/media.h"
#include "signaling/engine.h"
#include "signaling/http_carrier.h"
#include "signaling/inbox.h"
#include "signaling/ws_carrier.h"

struct sig_server {
    sfu_config_t cfg;
    sfu_worker_pool_t *workers;
    sfu_media_t *media;
    sig_inbox_t *inbox;       /* worker -> signaling: media replies and events */
    sig_engine_t *engine;
    sig_http_carrier_t *http; /* SSE and long-poll (/sse, /rpc, /poll) */
    struct lws_context *lws;
    lws_retry_bo_t retry;
    struct lws_http_mount mounts[6];
    struct lws_protocols protocols[2];
    lws_sorted_usec_list_t tick_sul;
    pthread_t thread;
    int thread_started;
    atomic_int stop_requested;
    int stopping;
    int64_t stop_deadline_ms;
};

int64_t sig_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- media hooks: the engine's calls into the media workers ---- */

static int hook_room_created(void *ctx, uint32_t room_id)
{
    sig_server_t *srv = ctx;
    return sfu_media_room_open(srv->media, room_id);
}

static void hook_room_destroyed(void *ctx, uint32_t room_id, int worker)
{
    sig_server_t *srv = ctx;
    sfu_media_room_close(srv->media, room_id);
}

static void hook_peer_joined(void *ctx, uint32_t room_id, uint32_t peer_id)
{
    sig_server_t *srv = ctx;
    sfu_media_peer_join(srv->media, room_id, peer_id);
    sfu_media_peer_set_name(srv->media, room_id, peer_id,
                            sig_engine_peer_name(srv->engine, peer_id));
}

static void hook_peer_left(void *ctx, uint32_t room_id, uint32_t peer_id)
{
    sig_server_t *srv = ctx;
    sfu_media_peer_leave(srv->media, room_id, peer_id);
}

static void hook_media_request(void *ctx, uint32_t room_id, uint32_t peer_id, uint64_t ref,
                               const char *method, json_t *data)
{
    sig_server_t *srv = ctx;
    sfu_media_request(srv->media, room_id, peer_id, ref, method, data);
}

/* ---- the media sink: runs on worker threads, only queues ---- */

static void sink_reply(void *ctx, uint64_t ref, const char *error_code, const char *message,
                       json_t *data)
{
    sig_server_t *srv = ctx;
    sig_inbox_push_reply(srv->inbox, ref, error_code, message, data);
}

static void sink_event(void *ctx, uint32_t room_id, uint32_t peer_id, const char *event,
                       json_t *data)
{
    sig_server_t *srv = ctx;
    sig_inbox_push_event(srv->inbox, peer_id, event, data);
}

/* ---- inbox handlers: on the signaling thread ---- */

static void deliver_reply(void *ctx, uint64_t ref, const char *error_code, const char *message,
                          json_t *data)
{
    sig_server_t *srv = ctx;
    sig_engine_media_reply(srv->engine, ref, error_code, message, data);
}

static void deliver_event(void *ctx, uint32_t peer_id, const char *event, json_t *data)
{
    sig_server_t *srv = ctx;
    sig_engine_media_event(srv->engine, peer_id, event, data);
}

static void drain_inbox(sig_server_t *srv)
{
    sig_inbox_handlers_t h = {.ctx = srv, .reply = deliver_reply, .event = deliver_event};
    sig_inbox_drain(srv->inbox, &h);
}

/* ---- HTTP endpoints: /healthz and /stats ---- */

static long resident_kib(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static char *stats_body(sig_server_t *srv)
{
    json_t *root = json_object();
    json_object_set_new(root, "signaling", sig_engine_stats(srv->engine));
    json_t *workers = json_array();
    for (int i = 0; i < sfu_worker_pool_size(srv->workers); i++)
        json_array_append_new(workers, json_pack("{sisi}", "index", i, "rooms",
                                                 sfu_worker_room_count(srv->workers, i)));
    json_object_set_new(root, "workers", workers);
    json_object_set_new(root, "media", sfu_media_stats(srv->media));
    json_object_set_new(root, "process", json_pack("{sI}", "residentKiB", (json_int_t)resident_kib()));
    char *s = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return s;
}

static int respond(struct lws *wsi, unsigned int status, const char *type, const char *body)
{
    size_t len = strlen(body);
    uint8_t head[LWS_PRE + 512], *start = head + LWS_PRE, *p = start, *end = head + sizeof head - 1;
    if (lws_add_http_common_headers(wsi, status, type, (lws_filepos_t)len, &p, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                     (const unsigned char *)"no-store", 8, &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    uint8_t *buf = malloc(LWS_PRE + len + 1);
    if (!buf)
        return -1;
    memcpy(buf + LWS_PRE, body, len);
    int n = lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_HTTP_FINAL);
    free(buf);
    if (n < (int)len)
        return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int handle_http(sig_server_t *srv, struct lws *wsi)
{
    char uri[256];
    if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0)
        return respond(wsi, HTTP_STATUS_METHOD_NOT_ALLOWED, "text/plain", "GET only\n");
    if (strcmp(uri, "/healthz") == 0)
        return respond(wsi, HTTP_STATUS_OK, "text/plain",
                       srv->stopping ? "stopping\n" : "ok\n");
    if (strcmp(uri, "/stats") == 0) {
        char *body = stats_body(srv);
        int rc = respond(wsi, HTTP_STATUS_OK, "application/json", body ? body : "{}");
        free(body);
        return rc;
    }
    return respond(wsi, HTTP_STATUS_NOT_FOUND, "text/plain", "not found\n");
}

/* ---- the protocol callback: HTTP, WebSocket, wakeups ---- */

static void begin_stop(sig_server_t *srv)
{
    if (srv->stopping)
        return;
    srv->stopping = 1;
    srv->stop_deadline_ms = sig_now_ms() + 2000;
    LOG_INFO("stopping: telling participants and closing connections");
    sig_engine_shutdown(srv->engine);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct lws_context *ctx = lws_get_context(wsi);
    sig_server_t *srv = ctx ? lws_context_user(ctx) : NULL;
    if (srv && srv->http) {
        int rc = sig_http_carrier_callback(srv->http, srv->stopping, wsi, reason, user, in, len);
        if (rc != SIG_HTTP_NOT_HANDLED)
            return rc;
    }
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        return handle_http(srv, wsi);
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        if (srv && srv->engine)
            drain_inbox(srv);
        if (srv && atomic_load(&srv->stop_requested))
            begin_stop(srv);
        return 0;
    default:
        break;
    }
    if (srv) {
        int rc = sig_ws_carrier_callback(srv->engine, srv->stopping, wsi, reason, user, in, len);
        if (rc != SIG_WS_NOT_HANDLED)
            return rc;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static void tick(lws_sorted_usec_list_t *sul)
{
    sig_server_t *srv = lws_container_of(sul, sig_server_t, tick_sul);
    sig_engine_tick(srv->engine, sig_now_ms());
    sig_http_carrier_tick(srv->http, sig_now_ms());
    lws_sul_schedule(srv->lws, 0, &srv->tick_sul, tick, 250 * LWS_US_PER_MS);
}

static void lws_log_to_ours(int level, const char *line)
{
    char copy[512];
    snprintf(copy, sizeof copy, "%s", line);
    size_t n = strlen(copy);
    while (n && (copy[n - 1] == '\n' || copy[n - 1] == '\r'))
        copy[--n] = '\0';
    /* lws prefixes its own timestamp; ours comes first anyway. */
    if (level & LLL_ERR)
        LOG_ERROR("lws: %s", copy);
    else if (level & LLL_WARN)
        LOG_WARN("lws: %s", copy);
    else
        LOG_DEBUG("lws: %s", copy);
}

static void setup_mounts(sig_server_t *srv)
{
    struct lws_http_mount *m = srv->mounts;
    /* Longest match wins; these two reach LWS_CALLBACK_HTTP. */
    m[0] = (struct lws_http_mount){.mount_next = &m[1], .mountpoint = "/healthz",
                                   .origin = "switchboard", .origin_protocol = LWSMPRO_CALLBACK,
                                   .mountpoint_len = 8};
    m[1] = (struct lws_http_mount){.mount_next = &m[2], .mountpoint = "/stats",
                                   .origin = "switchboard", .origin_protocol = LWSMPRO_CALLBACK,
                                   .mountpoint_len = 6};
    m[2] = (struct lws_http_mount){.mount_next = &m[3], .mountpoint = "/sse",
                                   .origin = "switchboard", .origin_protocol = LWSMPRO_CALLBACK,
                                   .mountpoint_len = 4};
    m[3] = (struct lws_http_mount){.mount_next = &m[4], .mountpoint = "/rpc",
                                   .origin = "switchboard", .origin_protocol = LWSMPRO_CALLBACK,
                                   .mountpoint_len = 4};
    m[4] = (struct lws_http_mount){.mount_next = &m[5], .mountpoint = "/poll",
                                   .origin = "switchboard", .origin_protocol = LWSMPRO_CALLBACK,
                                   .mountpoint_len = 5};
    m[5] = (struct lws_http_mount){.mountpoint = "/", .origin = srv->cfg.web_root,
                                   .def = "index.html", .origin_protocol = LWSMPRO_FILE,
                                   .mountpoint_len = 1, .cache_max_age = 0};
}

/*
 * Binds and releases the listen address once before libwebsockets tries, so
 * a busy port gets a precise message (and lws's failed-start path, which
 * leaks, is not taken in the common case).
 */
static int probe_listen(const char *host, int port)
{
    char service[8];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai = NULL;
    int gai = getaddrinfo(host[0] ? host : NULL, service, &hints, &ai);
    if (gai != 0) {
        LOG_ERROR("cannot listen on %s:%d: %s", host, port, gai_strerror(gai));
        return -1;
    }
    int fd = socket(ai->ai_family, ai->ai_socktype, 0);
    int one = 1, rc = -1;
    if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
        bind(fd, ai->ai_addr, ai->ai_addrlen) == 0)
        rc = 0;
    else
        LOG_ERROR("cannot listen on %s:%d: %s", host, port, strerror(errno));
    if (fd >= 0)
        close(fd);
    freeaddrinfo(ai);
    return rc;
}

sig_server_t *sig_server_create(const sfu_config_t *cfg, sfu_worker_pool_t *workers)
{
    if (probe_listen(cfg->listen_host, cfg->listen_port) != 0)
        return NULL;
    sig_server_t *srv = calloc(1, sizeof *srv);
    if (!srv)
        return NULL;
    srv->cfg = *cfg;
    srv->workers = workers;
    sig_engine_config_t ecfg = {
        .max_peers_per_room = cfg->max_peers_per_room, .max_rooms = cfg->max_rooms,
        .grace_period_ms = (int64_t)cfg->grace_period_s * 1000,
        .replay_events = cfg->replay_events, .max_message_bytes = (size_t)cfg->max_message_bytes,
        .max_json_depth = cfg->max_json_depth, .rate_limit = cfg->rate_limit,
        .rate_burst = cfg->rate_burst};
    sig_engine_hooks_t hooks = {.ctx = srv, .room_created = hook_room_created,
                                .room_destroyed = hook_room_destroyed,
                                .peer_joined = hook_peer_joined, .peer_left = hook_peer_left,
                                .is_media_method = sfu_media_handles,
                                .media_request = hook_media_request};
    sfu_media_sink_t sink = {.ctx = srv, .reply = sink_reply, .event = sink_event};
    srv->inbox = sig_inbox_create();
    srv->media = sfu_media_create(cfg, workers, &sink);
    srv->engine = sig_engine_create(&ecfg, &hooks);
    sig_http_config_t hcfg = {
        .cors_origins = cfg->cors_origins, .sse_heartbeat_ms = (int64_t)cfg->sse_heartbeat_s * 1000,
        .poll_timeout_ms = (int64_t)cfg->long_poll_timeout_s * 1000,
        .idle_timeout_ms = (int64_t)cfg->http_idle_timeout_s * 1000,
        .max_connections = cfg->max_http_connections,
        .outbox_messages = MAX(1024, 2 * cfg->replay_events)};
    srv->http = srv->engine ? sig_http_carrier_create(srv->engine, &hcfg) : NULL;
    if (!srv->inbox || !srv->media || !srv->engine || !srv->http) {
        LOG_ERROR("cannot start the media side (certificate, ICE settings?)");
        sig_server_destroy(srv);
        return NULL;
    }

    lws_set_log_level(sfu_log_threshold >= SFU_LOG_DEBUG ? LLL_ERR | LLL_WARN | LLL_NOTICE | LLL_INFO
                                                         : LLL_ERR | LLL_WARN,
                      lws_log_to_ours);
    setup_mounts(srv);
    srv->protocols[0] = (struct lws_protocols){
        .name = "switchboard", .callback = callback,
        .per_session_data_size = MAX(sig_ws_carrier_conn_size(), sig_http_carrier_conn_size()),
        .rx_buffer_size = 16384};
    srv->retry = (lws_retry_bo_t){.secs_since_valid_ping = (uint16_t)cfg->heartbeat_s,
                                  .secs_since_valid_hangup = (uint16_t)(2 * cfg->heartbeat_s)};

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = cfg->listen_port;
    info.iface = cfg->listen_host[0] && strcmp(cfg->listen_host, "0.0.0.0") != 0
                     ? cfg->listen_host : NULL;
    info.protocols = srv->protocols;
    info.mounts = srv->mounts;
    info.user = srv; /* how the protocol callback finds us: lws_context_user() */
    info.retry_and_idle_policy = &srv->retry;
    info.options = LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE |
                   LWS_SERVER_OPTION_VALIDATE_UTF8;
    if (!info.iface || strchr(info.iface, ':') == NULL)
        info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    info.vhost_name = "switchboard";
    srv->lws = lws_create_context(&info);
    if (srv->lws)
        sig_inbox_set_wakeup(srv->inbox, srv->lws);
    if (!srv->lws) {
        LOG_ERROR("cannot listen on %s:%d (is the port in use, or the address not local?)",
                  cfg->listen_host, cfg->listen_port);
        sig_server_destroy(srv);
        return NULL;
    }
    lws_sul_schedule(srv->lws, 0, &srv->tick_sul, tick, 250 * LWS_US_PER_MS);
    return srv;
}

static void *signaling_main(void *arg)
{
    sig_server_t *srv = arg;
    sfu_log_set_thread_name("signaling");
    LOG_INFO("listening on http://%s:%d (web root %s)", srv->cfg.listen_host, srv->cfg.listen_port,
             srv->cfg.web_root);
    for (;;) {
        if (lws_service(srv->lws, 0) < 0)
            break;
        if (srv->stopping) {
            json_t *st = sig_engine_stats(srv->engine);
            int conns = (int)json_integer_value(json_object_get(st, "connections"));
            json_decref(st);
            if (conns == 0 || sig_now_ms() > srv->stop_deadline_ms)
                break;
        }
    }
    return NULL;
}

int sig_server_start(sig_server_t *srv)
{
    if (pthread_create(&srv->thread, NULL, signaling_main, srv) != 0)
        return -1;
    srv->thread_started = 1;
    return 0;
}

void sig_server_request_stop(sig_server_t *srv)
{
    atomic_store(&srv->stop_requested, 1);
    if (srv->lws)
        lws_cancel_service(srv->lws);
}

void sig_server_destroy(sig_server_t *srv)
{
    if (!srv)
        return;
    if (srv->thread_started)
        pthread_join(srv->thread, NULL);
    if (srv->lws) {
        lws_sul_cancel(&srv->tick_sul);
        sig_inbox_set_wakeup(srv->inbox, NULL);
        /* Closes what is left; each close reaches sig_client_destroy. */
        lws_context_destroy(srv->lws);
    }
    sig_http_carrier_destroy(srv->http); /* its clients go before the engine */
    sig_engine_destroy(srv->engine);
    /* Media tears down on its workers; replies it still sends land in the
       inbox, which is freed after it. */
    sfu_media_destroy(srv->media);
    sig_inbox_destroy(srv->inbox);
    free(srv);
}
