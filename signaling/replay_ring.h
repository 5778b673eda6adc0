/*
 * A session's bounded ring of sent events, for replay on resume. Each entry is
 * an encoded notification with its sequence number; sequence numbers pushed
 * must increase by one. When full, the oldest entry is dropped.
 */
#ifndef SIG_REPLAY_RING_H
#define SIG_REPLAY_RING_H

#include <stddef.h>
#include <stdint.h>

typedef struct sig_replay_ring sig_replay_ring_t;

sig_replay_ring_t *sig_replay_ring_create(size_t capacity);
void sig_replay_ring_destroy(sig_replay_ring_t *r);

/* Takes ownership of text (malloc'd). Returns 0, or -1 if seq is not the next one. */
int sig_replay_ring_push(sig_replay_ring_t *r, uint64_t seq, char *text);

/* Number of entries held, and the seq of the newest (0 when nothing was ever pushed). */
size_t sig_replay_ring_count(const sig_replay_ring_t *r);
uint64_t sig_replay_ring_last_seq(const sig_replay_ring_t *r);

/*
 * Calls fn for every entry with seq > after_seq, oldest first. Returns the
 * number of entries visited, or -1 (visiting nothing) when the ring no longer
 * holds after_seq + 1 (a gap), or when after_seq is beyond the newest seq.
 */
typedef void (*sig_replay_fn)(void *ctx, uint64_t seq, const char *text);
long sig_replay_ring_replay(const sig_replay_ring_t *r, uint64_t after_seq, sig_replay_fn fn,
                            void *ctx);

#endif
