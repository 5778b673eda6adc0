/*
 * Media worker threads. Each worker owns one GMainContext and runs its loop
 * on its own thread; rooms are pinned to one worker when created, so every
 * transport, producer and consumer of a room lives on that worker and the
 * forwarding path takes no lock (DESIGN.md, Runtime model).
 *
 * Other threads never touch a worker's objects: they post a job, which runs
 * on the worker's thread, and refer to objects by integer id.
 */
#ifndef SFU_WORKER_H
#define SFU_WORKER_H

#include <glib.h>
#include <stdint.h>

typedef struct sfu_worker_pool sfu_worker_pool_t;
typedef struct sfu_worker sfu_worker_t;

typedef void (*sfu_worker_job_fn)(sfu_worker_t *w, void *arg);

/* Starts n worker threads (n >= 1). Returns NULL if a thread cannot start. */
sfu_worker_pool_t *sfu_worker_pool_create(int n);

/* Stops every loop, joins the threads and frees the pool. NULL is a no-op. */
void sfu_worker_pool_destroy(sfu_worker_pool_t *pool);

int sfu_worker_pool_size(const sfu_worker_pool_t *pool);

/* Picks the worker for a new room: the one with the fewest rooms. */
int sfu_worker_pool_pick(sfu_worker_pool_t *pool);

/*
 * Runs fn(worker, arg) on worker idx's thread, in order with other jobs
 * posted to it. Safe from any thread. Returns 0, or -1 if idx is invalid
 * (fn is then not called; the caller still owns arg).
 */
int sfu_worker_post(sfu_worker_pool_t *pool, int idx, sfu_worker_job_fn fn, void *arg);

/* Room bookkeeping, called by jobs on the worker's own thread. */
void sfu_worker_room_added(sfu_worker_t *w);
void sfu_worker_room_removed(sfu_worker_t *w);

/* Rooms placed on worker idx (read from any thread; approximate while changing). */
int sfu_worker_room_count(const sfu_worker_pool_t *pool, int idx);

GMainContext *sfu_worker_context(sfu_worker_t *w);
int sfu_worker_index(const sfu_worker_t *w);

#endif
