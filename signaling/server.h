/*
 * The signaling thread: one libwebsockets context on one port serving the web
 * demo's static files at /, /healthz, /stats and WebSocket signaling at /ws.
 * It owns the session engine; nothing else touches the engine.
 */
#ifndef SIG_SERVER_H
#define SIG_SERVER_H

#include "sfu/config.h"
#include "sfu/worker.h"

typedef struct sig_server sig_server_t;

/*
 * Binds the listening socket (so a busy port is reported here, before any
 * thread starts) and prepares the engine. Returns NULL with a logged reason.
 */
sig_server_t *sig_server_create(const sfu_config_t *cfg, sfu_worker_pool_t *workers);

/* Starts the signaling thread. Returns 0 or -1. */
int sig_server_start(sig_server_t *srv);

/*
 * Asks the signaling thread to stop (safe from any thread): participants get
 * "server-shutdown", connections close with 1001, then the thread exits.
 */
void sig_server_request_stop(sig_server_t *srv);

/* Waits for the signaling thread, then frees everything. NULL is a no-op. */
void sig_server_destroy(sig_server_t *srv);

#endif
