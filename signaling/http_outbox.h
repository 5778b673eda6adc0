/*
 * The outbox of one HTTP virtual connection (SSE or long-poll): every message
 * the engine sends it (responses and events, in order), numbered 1, 2, 3, ...
 * by a per-connection counter `n`. Messages stay until the client shows it
 * received them (a poll's `after`, an SSE reconnect's Last-Event-ID), so a
 * response lost with a dead socket is sent again. Bounded in count and bytes:
 * a client that stops reading cannot grow it without limit.
 *
 * Pure: no I/O, no clock. Numbers held are always contiguous (first_n ..
 * last_n), because messages only leave from the front.
 */
#ifndef SIG_HTTP_OUTBOX_H
#define SIG_HTTP_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#define SIG_OUTBOX_EFULL (-2)

typedef struct sig_outbox sig_outbox_t;

typedef struct {
    uint64_t n;
    size_t len;
    char *text;               /* NUL-terminated copy, owned by the outbox */
} sig_outbox_msg_t;

sig_outbox_t *sig_outbox_create(size_t max_count, size_t max_bytes);
void sig_outbox_destroy(sig_outbox_t *o); /* NULL is a no-op */

/*
 * Appends a copy of text, numbered last_n + 1. Returns 0; SIG_OUTBOX_EFULL
 * when it would pass a bound (nothing appended, no number used); -1 when out
 * of memory.
 */
int sig_outbox_push(sig_outbox_t *o, const char *text, size_t len);

/* Drops every message numbered <= n (the client has them). */
void sig_outbox_drop_through(sig_outbox_t *o, uint64_t n);

/* Drops everything held; numbering continues. */
void sig_outbox_clear(sig_outbox_t *o);

/* The message numbered n, or NULL when not held. Valid until the next push or drop. */
const sig_outbox_msg_t *sig_outbox_get(const sig_outbox_t *o, uint64_t n);

/* The newest number ever assigned (0 before the first push). */
uint64_t sig_outbox_last_n(const sig_outbox_t *o);

/* The oldest number held; last_n + 1 when empty. */
uint64_t sig_outbox_first_n(const sig_outbox_t *o);

size_t sig_outbox_count(const sig_outbox_t *o);
size_t sig_outbox_bytes(const sig_outbox_t *o);

#endif
