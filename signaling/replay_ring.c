#include "signaling/replay_ring.h"

#include <stdlib.h>

struct sig_replay_ring {
    size_t capacity;
    size_t count;
    size_t head;          /* index of the oldest entry */
    uint64_t last_seq;    /* seq of the newest entry; 0 before the first push */
    char **texts;
};

sig_replay_ring_t *sig_replay_ring_create(size_t capacity)
{
    if (capacity == 0)
        return NULL;
    sig_replay_ring_t *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->texts = calloc(capacity, sizeof *r->texts);
    if (!r->texts) {
        free(r);
        return NULL;
    }
    r->capacity = capacity;
    return r;
}

void sig_replay_ring_destroy(sig_replay_ring_t *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->count; i++)
        free(r->texts[(r->head + i) % r->capacity]);
    free(r->texts);
    free(r);
}

int sig_replay_ring_push(sig_replay_ring_t *r, uint64_t seq, char *text)
{
    if (seq != r->last_seq + 1)
        return -1;
    if (r->count == r->capacity) {
        free(r->texts[r->head]);
        r->head = (r->head + 1) % r->capacity;
        r->count--;
    }
    r->texts[(r->head + r->count) % r->capacity] = text;
    r->count++;
    r->last_seq = seq;
    return 0;
}

size_t sig_replay_ring_count(const sig_replay_ring_t *r)
{
    return r->count;
}

uint64_t sig_replay_ring_last_seq(const sig_replay_ring_t *r)
{
    return r->last_seq;
}

long sig_replay_ring_replay(const sig_replay_ring_t *r, uint64_t after_seq, sig_replay_fn fn,
                            void *ctx)
{
    if (after_seq > r->last_seq)
        return -1;
    uint64_t first_held = r->last_seq - r->count + 1;
    if (after_seq + 1 < first_held)
        return -1;
    long visited = 0;
    for (uint64_t seq = after_seq + 1; seq <= r->last_seq; seq++) {
        size_t idx = (r->head + (size_t)(seq - first_held)) % r->capacity;
        fn(ctx, seq, r->texts[idx]);
        visited++;
    }
    return visited;
}
