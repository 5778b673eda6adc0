/*
 * Messages from media workers to the signaling thread: media replies and
 * events. Workers push from their own threads; the push wakes the signaling
 * loop (lws_cancel_service), which drains the inbox into the session engine.
 * This is the only way data crosses from a worker into signaling.
 */
#ifndef SIG_INBOX_H
#define SIG_INBOX_H

#include <jansson.h>
#include <stdint.h>

struct lws_context;
typedef struct sig_inbox sig_inbox_t;

sig_inbox_t *sig_inbox_create(void);
void sig_inbox_destroy(sig_inbox_t *in);  /* frees undelivered messages; NULL: no-op */

/* Wake this context on every push; NULL stops waking (before the context is destroyed). */
void sig_inbox_set_wakeup(sig_inbox_t *in, struct lws_context *ctx);

/* Any thread. data is stolen. */
void sig_inbox_push_reply(sig_inbox_t *in, uint64_t ref, const char *error_code,
                          const char *message, json_t *data);
void sig_inbox_push_event(sig_inbox_t *in, uint32_t peer_id, const char *event, json_t *data);

/* Signaling thread: hands every queued message to the callbacks, oldest first. */
typedef struct {
    void *ctx;
    void (*reply)(void *ctx, uint64_t ref, const char *error_code, const char *message,
                  json_t *data);
    void (*event)(void *ctx, uint32_t peer_id, const char *event, json_t *data);
} sig_inbox_handlers_t;

int sig_inbox_drain(sig_inbox_t *in, const sig_inbox_handlers_t *h);

#endif
