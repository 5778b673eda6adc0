/*
 * Internal to the usrsctp adapter (sctp_stack.c, sctp_assoc.c,
 * sctp_channel.c). Nothing outside datachannel/ includes this.
 *
 *   sctp_stack.c    process-wide usrsctp state: init/finish refcount, the
 *                   lock, the handle registry, usrsctp's callbacks, ticks
 *   sctp_assoc.c    one association: socket options, packets, events
 *   sctp_channel.c  channels on it: DCEP open/ack, messages, stream resets
 *
 * usrsctp calls us back while holding its own locks, so its receive and
 * send-space callbacks only queue an event on the association; the queue is
 * drained (and user callbacks run) when the outermost dc_sctp_* call is about
 * to return, after usrsctp has unwound.
 */
#ifndef SB_DC_SCTP_INTERNAL_H
#define SB_DC_SCTP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <usrsctp.h>

#include "datachannel/sctp_assoc.h"

typedef enum dc_ch_state {
    DC_CH_OPENING, /* we sent OPEN, no ACK yet */
    DC_CH_OPEN,
    DC_CH_CLOSING, /* a stream reset is under way */
} dc_ch_state_t;

typedef struct dc_channel {
    dc_channel_info_t info; /* label/protocol point at the strings below */
    char *label;
    char *protocol;
    dc_ch_state_t state;
    bool ack_pending;     /* peer's OPEN accepted, ACK not yet queued */
    bool out_reset_req;   /* we asked usrsctp to reset our outgoing stream */
    bool out_reset_done;
    bool in_reset_done;   /* the peer reset its outgoing stream */
    bool close_reported;  /* on_channel_close ran (or must never run) */
    uint8_t reset_retries;
} dc_channel_t;

/* One thing usrsctp told us, queued until usrsctp has returned. */
typedef struct dc_sctp_event {
    struct dc_sctp_event *next;
    void *data; /* malloc'd by usrsctp; NULL = association went down */
    size_t len;
    struct sctp_rcvinfo rcv;
    int flags;  /* MSG_NOTIFICATION, MSG_EOR */
} dc_sctp_event_t;

typedef enum dc_assoc_state {
    DC_ASSOC_NEW,
    DC_ASSOC_CONNECTING,
    DC_ASSOC_OPEN,
    DC_ASSOC_CLOSED,
} dc_assoc_state_t;

struct dc_sctp {
    void *handle;   /* our AF_CONN address and usrsctp ulp_info */
    uint32_t slot;  /* index in the stack's registry */
    uint32_t gen;
    dc_sctp_config_t cfg;
    dc_sctp_callbacks_t cb;
    struct socket *sock;
    dc_assoc_state_t state;
    bool dead;      /* destroy called: no more callbacks */
    bool output_ok; /* on_output allowed (also during destroy's close) */
    uint16_t in_streams, out_streams; /* negotiated at COMM_UP */
    dc_channel_t **channels;          /* cfg.max_streams entries */
    uint8_t *discard;                 /* bit per stream: drop until EOR */
    dc_sctp_event_t *ev_head, *ev_tail;
    bool pending;    /* events or retries waiting for dc_sctp_drain */
    bool need_retry; /* an ACK or stream reset could not be queued */
    uint32_t sndbuf; /* usrsctp's send buffer limit, for buffered amount */
    size_t buffered;
    size_t low_threshold;
    bool above_low;
    dc_sctp_stats_t stats;
    struct dc_sctp *grave_next;
};

/* --- sctp_stack.c --- */

/* Every public entry point: takes the process lock. DC_ESTATE (lock not
 * taken) when called from inside on_output. */
int dc_sctp_stack_enter(void);
/* Runs queued events if this is the outermost call, frees destroyed
 * associations, shuts usrsctp down if none is left, drops the lock. */
void dc_sctp_stack_leave(void);
/* Registers a (initialising usrsctp on first use): sets a->handle. */
int dc_sctp_stack_attach(dc_sctp_t *a);
/* Unregisters a and queues it to be freed by the outermost leave(). */
void dc_sctp_stack_detach(dc_sctp_t *a);
/* For tests: whether usrsctp is initialised, and how often usrsctp_finish
 * refused to shut it down after the last association went away. */
bool dc_sctp_stack_is_up(void);
uint32_t dc_sctp_stack_finish_failures(void);
/* Notes that a has queued work for the next drain. */
void dc_sctp_stack_mark_pending(dc_sctp_t *a);
/* usrsctp_socket callbacks. */
int dc_sctp_stack_receive_cb(struct socket *sock, union sctp_sockstore addr,
                             void *data, size_t len, struct sctp_rcvinfo rcv,
                             int flags, void *ulp_info);
int dc_sctp_stack_send_cb(struct socket *sock, uint32_t sb_free, void *ulp_info);

/* --- sctp_assoc.c --- */

/* Processes a's queued events and retries (user callbacks run here). */
void dc_sctp_drain(dc_sctp_t *a);
/* Closes a's socket (ABORT goes out if output_ok) and detaches it. */
void dc_sctp_close_socket(dc_sctp_t *a);
/* Frees a and everything it owns (socket already closed). */
void dc_sctp_free(dc_sctp_t *a);
/* usrsctp_sendv wrapper: 0 or DC_EAGAIN / DC_ETOOBIG / DC_EIO. */
int dc_sctp_raw_send(dc_sctp_t *a, uint16_t sid, uint32_t ppid,
                     const void *data, size_t len, bool unordered,
                     dc_reliability_t pr, uint32_t pr_value);
/* Requests an outgoing stream reset. 0 or DC_EIO. */
int dc_sctp_reset_stream(dc_sctp_t *a, uint16_t sid);

/* --- sctp_channel.c --- */

void dc_sctp_channel_on_data(dc_sctp_t *a, const struct sctp_rcvinfo *rcv,
                             const uint8_t *data, size_t len, bool eor);
void dc_sctp_channel_on_reset(dc_sctp_t *a,
                              const struct sctp_stream_reset_event *ev,
                              size_t len);
/* Retries ACKs and stream resets that could not be queued earlier. */
void dc_sctp_channel_retry(dc_sctp_t *a);
void dc_sctp_channels_free(dc_sctp_t *a);

#endif
