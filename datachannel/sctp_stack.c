/*
 * Process-wide side of the usrsctp adapter. usrsctp is a singleton (global
 * timers, global address list, global socket table), so this file holds the
 * only file-level state in datachannel/: one lock, the registry that maps the
 * opaque handles usrsctp hands back to live associations, the init/finish
 * refcount and the tick clock. See sctp_assoc.h for the threading contract.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "datachannel/sctp_internal.h"

/* A handle is (generation << SLOT_BITS) | slot, never a pointer, so a late
 * callback for a freed association finds an empty or reused slot whose
 * generation does not match, instead of freed memory. */
#define SLOT_BITS 20u
#define SLOT_MASK ((1u << SLOT_BITS) - 1u)

static struct {
    pthread_mutex_t lock; /* recursive: callbacks may call dc_sctp_* again */
    int depth;            /* nesting of dc_sctp_* calls in the lock holder */
    bool in_output;       /* inside on_output (usrsctp holds its locks) */
    bool usrsctp_up;
    bool pending;         /* some association has work for dc_sctp_drain */
    uint32_t live;        /* attached associations */
    uint32_t next_gen;
    dc_sctp_t **slots;
    uint32_t nslots;
    dc_sctp_t *graveyard; /* detached, freed by the outermost leave() */
    bool have_tick;
    int64_t last_tick_ms;
    uint32_t finish_failures; /* usrsctp_finish kept refusing */
} g;

static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void init_lock(void)
{
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&g.lock, &attr);
    pthread_mutexattr_destroy(&attr);
}

static dc_sctp_t *lookup(void *handle)
{
    uintptr_t h = (uintptr_t)handle;
    uint32_t slot = (uint32_t)(h & SLOT_MASK);
    uint32_t gen = (uint32_t)(h >> SLOT_BITS);
    if (slot >= g.nslots || !g.slots[slot] || g.slots[slot]->gen != gen)
        return NULL;
    return g.slots[slot];
}

/* usrsctp's single output hook: every packet of every association. */
static int conn_output(void *addr, void *buf, size_t len, uint8_t tos,
                       uint8_t set_df)
{
    dc_sctp_t *a = lookup(addr);
    if (!a || !a->output_ok)
        return 0;
    a->stats.packets_out++;
    a->stats.bytes_out += len;
    bool was = g.in_output;
    g.in_output = true;
    a->cb.on_output(a->cb.user, buf, len);
    g.in_output = was;
    return 0;
}

/*
 * Global tunables, set once per usrsctp_init (sctp_init resets them).
 * ASCONF off: one AF_CONN address per association, and with it off usrsctp's
 * iterator thread never sends on our associations. The SACK delay and RTO
 * values follow what WebRTC stacks use instead of RFC 4960's WAN defaults.
 * max_chunks_on_queue must exceed send buffer / MTU or sends block early.
 */
static void start_usrsctp(void)
{
    usrsctp_init_nothreads(0, conn_output, NULL);
    usrsctp_sysctl_set_sctp_asconf_enable(0);
    usrsctp_sysctl_set_sctp_auto_asconf(0);
    usrsctp_sysctl_set_sctp_ecn_enable(0);
    usrsctp_sysctl_set_sctp_pr_enable(1);
    usrsctp_sysctl_set_sctp_reconfig_enable(1);
    usrsctp_sysctl_set_sctp_max_chunks_on_queue(10 * 1024);
    usrsctp_sysctl_set_sctp_delayed_sack_time_default(20);
    usrsctp_sysctl_set_sctp_rto_initial_default(1000);
    usrsctp_sysctl_set_sctp_rto_min_default(200);
    usrsctp_sysctl_set_sctp_rto_max_default(10000);
    usrsctp_sysctl_set_sctp_init_rto_max_default(10000);
    g.usrsctp_up = true;
    g.have_tick = false;
}

/*
 * usrsctp_finish refuses while any socket lingers; with SO_LINGER 0 closed
 * sockets go at once, but an endpoint can still wait for its INPKILL timer,
 * so run the timers a few simulated seconds before giving up. If it still
 * refuses, usrsctp stays up and the next create reuses it.
 */
static void stop_usrsctp(void)
{
    for (int i = 0; i < 500; i++) {
        if (usrsctp_finish() == 0) {
            g.usrsctp_up = false;
            free(g.slots);
            g.slots = NULL;
            g.nslots = 0;
            return;
        }
        usrsctp_handle_timers(10);
    }
    g.finish_failures++;
}

int dc_sctp_stack_enter(void)
{
    pthread_once(&g_once, init_lock);
    pthread_mutex_lock(&g.lock);
    if (g.in_output) {
        pthread_mutex_unlock(&g.lock);
        return DC_ESTATE;
    }
    g.depth++;
    return DC_OK;
}

/* Runs every association's queued work until none is left: callbacks may
 * queue more (a send from on_message, a destroy from on_closed). */
static void flush(void)
{
    while (g.pending) {
        g.pending = false;
        for (uint32_t i = 0; i < g.nslots; i++) {
            dc_sctp_t *a = g.slots[i];
            if (!a || !a->pending)
                continue;
            a->pending = false;
            if (a->dead)
                dc_sctp_close_socket(a); /* destroy deferred from on_output */
            else
                dc_sctp_drain(a);
        }
    }
}

void dc_sctp_stack_leave(void)
{
    if (g.depth == 1) {
        flush();
        /* Only right after the last association went away: if usrsctp_finish
         * keeps refusing, do not retry it on every later call. */
        bool reaped = g.graveyard != NULL;
        while (g.graveyard) {
            dc_sctp_t *a = g.graveyard;
            g.graveyard = a->grave_next;
            dc_sctp_free(a);
        }
        if (reaped && g.live == 0 && g.usrsctp_up)
            stop_usrsctp();
    }
    g.depth--;
    pthread_mutex_unlock(&g.lock);
}

static int slot_alloc(dc_sctp_t *a)
{
    uint32_t i = 0;
    while (i < g.nslots && g.slots[i])
        i++;
    if (i == g.nslots) {
        uint32_t n = g.nslots ? g.nslots * 2 : 16;
        if (n > SLOT_MASK + 1)
            return DC_ENOMEM;
        dc_sctp_t **s = realloc(g.slots, n * sizeof *s);
        if (!s)
            return DC_ENOMEM;
        memset(s + g.nslots, 0, (n - g.nslots) * sizeof *s);
        g.slots = s;
        g.nslots = n;
    }
    if (++g.next_gen == 0) /* generation 0 would make handle 0 possible */
        g.next_gen = 1;
    a->slot = i;
    a->gen = g.next_gen;
    a->handle = (void *)(((uintptr_t)a->gen << SLOT_BITS) | i);
    g.slots[i] = a;
    return DC_OK;
}

int dc_sctp_stack_attach(dc_sctp_t *a)
{
    if (!g.usrsctp_up)
        start_usrsctp();
    int rc = slot_alloc(a);
    if (rc < 0) {
        if (g.live == 0)
            stop_usrsctp();
        return rc;
    }
    g.live++;
    usrsctp_register_address(a->handle);
    return DC_OK;
}

void dc_sctp_stack_detach(dc_sctp_t *a)
{
    usrsctp_deregister_address(a->handle);
    g.slots[a->slot] = NULL;
    g.live--;
    a->grave_next = g.graveyard;
    g.graveyard = a;
}

bool dc_sctp_stack_is_up(void)
{
    if (dc_sctp_stack_enter() < 0)
        return true;
    bool up = g.usrsctp_up;
    dc_sctp_stack_leave();
    return up;
}

uint32_t dc_sctp_stack_finish_failures(void)
{
    if (dc_sctp_stack_enter() < 0)
        return 0;
    uint32_t n = g.finish_failures;
    dc_sctp_stack_leave();
    return n;
}

void dc_sctp_stack_mark_pending(dc_sctp_t *a)
{
    a->pending = true;
    g.pending = true;
}

/* Runs inside usrsctp: queue only (see sctp_internal.h). We own data. */
int dc_sctp_stack_receive_cb(struct socket *sock, union sctp_sockstore addr,
                             void *data, size_t len, struct sctp_rcvinfo rcv,
                             int flags, void *ulp_info)
{
    dc_sctp_t *a = lookup(ulp_info);
    dc_sctp_event_t *ev = a && !a->dead ? calloc(1, sizeof *ev) : NULL;
    if (!ev) {
        if (a)
            a->stats.dropped_messages++;
        free(data);
        return 1;
    }
    ev->data = data;
    ev->len = len;
    ev->rcv = rcv;
    ev->flags = flags;
    if (a->ev_tail)
        a->ev_tail->next = ev;
    else
        a->ev_head = ev;
    a->ev_tail = ev;
    dc_sctp_stack_mark_pending(a);
    return 1;
}

/* Runs inside usrsctp after each SACK (threshold 0): sb_free is exact. */
int dc_sctp_stack_send_cb(struct socket *sock, uint32_t sb_free, void *ulp_info)
{
    dc_sctp_t *a = lookup(ulp_info);
    if (!a)
        return 0;
    a->buffered = sb_free >= a->sndbuf ? 0 : a->sndbuf - sb_free;
    if (a->above_low || a->need_retry)
        dc_sctp_stack_mark_pending(a);
    return 0;
}

void dc_sctp_tick(int64_t now_ms)
{
    if (dc_sctp_stack_enter() < 0)
        return;
    if (g.usrsctp_up) {
        if (!g.have_tick) {
            g.have_tick = true;
            g.last_tick_ms = now_ms;
        } else if (now_ms > g.last_tick_ms) {
            int64_t elapsed = now_ms - g.last_tick_ms;
            g.last_tick_ms = now_ms;
            usrsctp_handle_timers(elapsed > INT32_MAX ? INT32_MAX : (uint32_t)elapsed);
        }
        for (uint32_t i = 0; i < g.nslots; i++)
            if (g.slots[i] && g.slots[i]->need_retry)
                dc_sctp_stack_mark_pending(g.slots[i]);
    }
    dc_sctp_stack_leave();
}
