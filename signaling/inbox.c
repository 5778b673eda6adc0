#include "signaling/inbox.h"

#include <glib.h>
#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int is_reply;
    uint64_t ref;
    uint32_t peer_id;
    char *name;       /* error code (reply) or event name; NULL for a successful reply */
    char *message;
    json_t *data;
} inbox_msg_t;

struct sig_inbox {
    GMutex lock;
    GQueue queue;
    struct lws_context *wake;
};

sig_inbox_t *sig_inbox_create(void)
{
    sig_inbox_t *in = calloc(1, sizeof *in);
    if (!in)
        return NULL;
    g_mutex_init(&in->lock);
    g_queue_init(&in->queue);
    return in;
}

static void msg_free(inbox_msg_t *m)
{
    json_decref(m->data);
    free(m->name);
    free(m->message);
    free(m);
}

void sig_inbox_destroy(sig_inbox_t *in)
{
    if (!in)
        return;
    inbox_msg_t *m;
    while ((m = g_queue_pop_head(&in->queue)) != NULL)
        msg_free(m);
    g_mutex_clear(&in->lock);
    free(in);
}

void sig_inbox_set_wakeup(sig_inbox_t *in, struct lws_context *ctx)
{
    g_mutex_lock(&in->lock);
    in->wake = ctx;
    g_mutex_unlock(&in->lock);
}

static void push(sig_inbox_t *in, inbox_msg_t *m)
{
    g_mutex_lock(&in->lock);
    g_queue_push_tail(&in->queue, m);
    /* Under the lock, so clearing the wakeup before the context is destroyed
       guarantees no worker wakes a freed context. */
    if (in->wake)
        lws_cancel_service(in->wake);
    g_mutex_unlock(&in->lock);
}

void sig_inbox_push_reply(sig_inbox_t *in, uint64_t ref, const char *error_code,
                          const char *message, json_t *data)
{
    inbox_msg_t *m = calloc(1, sizeof *m);
    if (!m) {
        json_decref(data);
        return;
    }
    m->is_reply = 1;
    m->ref = ref;
    m->name = error_code ? strdup(error_code) : NULL;
    m->message = message ? strdup(message) : NULL;
    m->data = data;
    push(in, m);
}

void sig_inbox_push_event(sig_inbox_t *in, uint32_t peer_id, const char *event, json_t *data)
{
    inbox_msg_t *m = calloc(1, sizeof *m);
    if (!m) {
        json_decref(data);
        return;
    }
    m->peer_id = peer_id;
    m->name = strdup(event);
    m->data = data;
    push(in, m);
}

int sig_inbox_drain(sig_inbox_t *in, const sig_inbox_handlers_t *h)
{
    GQueue batch = G_QUEUE_INIT;
    g_mutex_lock(&in->lock);
    batch = in->queue;
    g_queue_init(&in->queue);
    g_mutex_unlock(&in->lock);
    int n = 0;
    inbox_msg_t *m;
    while ((m = g_queue_pop_head(&batch)) != NULL) {
        if (m->is_reply)
            h->reply(h->ctx, m->ref, m->name, m->message, m->data);
        else
            h->event(h->ctx, m->peer_id, m->name, m->data);
        m->data = NULL; /* handed over */
        msg_free(m);
        n++;
    }
    return n;
}
