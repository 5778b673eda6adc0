#include "sfu/worker.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "sfu/log.h"

struct sfu_worker {
    int index;
    GMainContext *ctx;
    GMainLoop *loop;
    GThread *thread;
    atomic_int rooms;     /* written on the worker thread, read anywhere */
    atomic_int pending;   /* rooms picked but not yet added: keeps pick() balanced */
};

struct sfu_worker_pool {
    int n;
    sfu_worker_t *workers;
};

typedef struct {
    sfu_worker_t *worker;
    sfu_worker_job_fn fn;
    void *arg;
} job_t;

static gpointer worker_main(gpointer data)
{
    sfu_worker_t *w = data;
    char name[16];
    snprintf(name, sizeof name, "worker-%d", w->index);
    sfu_log_set_thread_name(name);
    g_main_context_push_thread_default(w->ctx);
    LOG_DEBUG("media worker %d running", w->index);
    g_main_loop_run(w->loop);
    g_main_context_pop_thread_default(w->ctx);
    LOG_DEBUG("media worker %d stopped", w->index);
    return NULL;
}

sfu_worker_pool_t *sfu_worker_pool_create(int n)
{
    sfu_worker_pool_t *pool = calloc(1, sizeof *pool);
    if (!pool)
        return NULL;
    pool->workers = calloc((size_t)n, sizeof *pool->workers);
    if (!pool->workers) {
        free(pool);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        sfu_worker_t *w = &pool->workers[i];
        w->index = i;
        w->ctx = g_main_context_new();
        w->loop = g_main_loop_new(w->ctx, FALSE);
        w->thread = g_thread_try_new("sb-worker", worker_main, w, NULL);
        if (!w->thread) {
            g_main_loop_unref(w->loop);
            g_main_context_unref(w->ctx);
            pool->n = i;
            sfu_worker_pool_destroy(pool);
            return NULL;
        }
        pool->n = i + 1;
    }
    return pool;
}

static gboolean quit_job(gpointer data)
{
    g_main_loop_quit(data);
    return G_SOURCE_REMOVE;
}

void sfu_worker_pool_destroy(sfu_worker_pool_t *pool)
{
    if (!pool)
        return;
    for (int i = 0; i < pool->n; i++) {
        sfu_worker_t *w = &pool->workers[i];
        /* Quit from inside the loop so jobs posted before this still run. */
        g_main_context_invoke(w->ctx, quit_job, w->loop);
        g_thread_join(w->thread);
        g_main_loop_unref(w->loop);
        g_main_context_unref(w->ctx);
    }
    free(pool->workers);
    free(pool);
}

int sfu_worker_pool_size(const sfu_worker_pool_t *pool)
{
    return pool->n;
}

int sfu_worker_pool_pick(sfu_worker_pool_t *pool)
{
    int best = 0, best_load = -1;
    for (int i = 0; i < pool->n; i++) {
        sfu_worker_t *w = &pool->workers[i];
        int load = atomic_load(&w->rooms) + atomic_load(&w->pending);
        if (best_load < 0 || load < best_load) {
            best = i;
            best_load = load;
        }
    }
    atomic_fetch_add(&pool->workers[best].pending, 1);
    return best;
}

static gboolean run_job(gpointer data)
{
    job_t *job = data;
    job->fn(job->worker, job->arg);
    free(job);
    return G_SOURCE_REMOVE;
}

int sfu_worker_post(sfu_worker_pool_t *pool, int idx, sfu_worker_job_fn fn, void *arg)
{
    if (idx < 0 || idx >= pool->n)
        return -1;
    job_t *job = malloc(sizeof *job);
    if (!job)
        return -1;
    *job = (job_t){&pool->workers[idx], fn, arg};
    /* An idle source attached to the worker's context wakes its loop. */
    GSource *src = g_idle_source_new();
    g_source_set_priority(src, G_PRIORITY_DEFAULT);
    g_source_set_callback(src, run_job, job, NULL);
    g_source_attach(src, pool->workers[idx].ctx);
    g_source_unref(src);
    return 0;
}

void sfu_worker_room_added(sfu_worker_t *w)
{
    atomic_fetch_add(&w->rooms, 1);
    if (atomic_load(&w->pending) > 0)
        atomic_fetch_sub(&w->pending, 1);
}

void sfu_worker_room_removed(sfu_worker_t *w)
{
    atomic_fetch_sub(&w->rooms, 1);
}

int sfu_worker_room_count(const sfu_worker_pool_t *pool, int idx)
{
    if (idx < 0 || idx >= pool->n)
        return -1;
    return atomic_load(&((sfu_worker_pool_t *)pool)->workers[idx].rooms);
}

GMainContext *sfu_worker_context(sfu_worker_t *w)
{
    return w->ctx;
}

int sfu_worker_index(const sfu_worker_t *w)
{
    return w->index;
}
