#include "signaling/http_outbox.h"

#include <stdlib.h>
#include <string.h>

/* A ring of messages that grows by doubling up to max_count: most connections
   hold a handful of messages, so they should not pay for the bound. */
struct sig_outbox {
    sig_outbox_msg_t *ring;
    size_t cap;               /* slots allocated */
    size_t head;              /* slot of the oldest message */
    size_t count;
    size_t bytes;
    size_t max_count;
    size_t max_bytes;
    uint64_t last_n;
};

sig_outbox_t *sig_outbox_create(size_t max_count, size_t max_bytes)
{
    if (max_count == 0)
        return NULL;
    sig_outbox_t *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->max_count = max_count;
    o->max_bytes = max_bytes;
    return o;
}

void sig_outbox_destroy(sig_outbox_t *o)
{
    if (!o)
        return;
    sig_outbox_clear(o);
    free(o->ring);
    free(o);
}

static sig_outbox_msg_t *slot(const sig_outbox_t *o, size_t i)
{
    return &o->ring[(o->head + i) % o->cap];
}

static int grow(sig_outbox_t *o)
{
    size_t cap = o->cap ? o->cap * 2 : 8;
    if (cap > o->max_count)
        cap = o->max_count;
    sig_outbox_msg_t *ring = malloc(cap * sizeof *ring);
    if (!ring)
        return -1;
    for (size_t i = 0; i < o->count; i++)
        ring[i] = *slot(o, i);
    free(o->ring);
    o->ring = ring;
    o->cap = cap;
    o->head = 0;
    return 0;
}

int sig_outbox_push(sig_outbox_t *o, const char *text, size_t len)
{
    if (o->count >= o->max_count || o->bytes + len > o->max_bytes)
        return SIG_OUTBOX_EFULL;
    if (o->count == o->cap && grow(o) != 0)
        return -1;
    char *copy = malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, text, len);
    copy[len] = '\0';
    sig_outbox_msg_t *m = slot(o, o->count);
    m->n = ++o->last_n;
    m->len = len;
    m->text = copy;
    o->count++;
    o->bytes += len;
    return 0;
}

void sig_outbox_drop_through(sig_outbox_t *o, uint64_t n)
{
    while (o->count && slot(o, 0)->n <= n) {
        sig_outbox_msg_t *m = slot(o, 0);
        o->bytes -= m->len;
        free(m->text);
        m->text = NULL;
        o->head = (o->head + 1) % o->cap;
        o->count--;
    }
}

void sig_outbox_clear(sig_outbox_t *o)
{
    sig_outbox_drop_through(o, UINT64_MAX);
}

const sig_outbox_msg_t *sig_outbox_get(const sig_outbox_t *o, uint64_t n)
{
    uint64_t first = sig_outbox_first_n(o);
    if (n < first || n > o->last_n)
        return NULL;
    return slot(o, (size_t)(n - first));
}

uint64_t sig_outbox_last_n(const sig_outbox_t *o)
{
    return o->last_n;
}

uint64_t sig_outbox_first_n(const sig_outbox_t *o)
{
    return o->last_n + 1 - o->count;
}

size_t sig_outbox_count(const sig_outbox_t *o)
{
    return o->count;
}

size_t sig_outbox_bytes(const sig_outbox_t *o)
{
    return o->bytes;
}
