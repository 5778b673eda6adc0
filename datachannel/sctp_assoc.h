/*
 * One SCTP association for WebRTC DataChannels, on usrsctp in AF_CONN mode.
 * Sans-IO: packets come in through dc_sctp_handle_packet() (the payload of
 * DTLS application data) and go out through the on_output callback (the
 * caller writes them into DTLS). Time comes in through dc_sctp_tick(). The
 * adapter speaks DCEP (RFC 8832) itself: it answers DATA_CHANNEL_OPEN with
 * DATA_CHANNEL_ACK and sends OPEN for the channels we open.
 *
 * THREADING. usrsctp keeps all its state in process globals and, in the
 * "nothreads" mode used here, runs its timers only when dc_sctp_tick() is
 * called. Every dc_sctp_* function takes one process-wide recursive lock,
 * so calls from different threads are serialised and safe. But callbacks for
 * association A can run inside ANY dc_sctp_* call that drives usrsctp for A:
 * calls on A itself, and dc_sctp_tick() (timers of every association fire in
 * the thread that ticks). The simple deployment is therefore: all SCTP of the
 * process on one thread (tick included). If associations live on several
 * threads, a callback must not touch state owned by another thread (e.g.
 * queue the packet to A's owner instead of writing to A's DTLS directly).
 * Callbacks run with the process lock held: they must not block, nor take a
 * lock that another thread holds while calling dc_sctp_* (lock-order
 * inversion). usrsctp additionally starts one internal
 * "iterator" thread that never calls back into us (we disable ASCONF).
 *
 * CALLBACKS. on_output runs while usrsctp holds its own locks: it must only
 * copy or encrypt the packet; any dc_sctp_* call from it returns DC_ESTATE
 * (dc_sctp_destroy is deferred). All other callbacks run after usrsctp has
 * returned, so from them you may send, open, close, and destroy any
 * association, including the one being reported. After dc_sctp_destroy(a)
 * returns, no callback for a runs again.
 *
 * TIMERS. Call dc_sctp_tick(now_ms) every DC_SCTP_TICK_INTERVAL_MS while any
 * association exists (usrsctp cannot report its next deadline). It is global:
 * one call drives every association; extra calls are harmless because it
 * feeds usrsctp the time elapsed since the previous tick. Pass a real
 * monotonic clock: when a retransmission timer fires, usrsctp picks the
 * chunks to resend by comparing their send time with gettimeofday(), so a
 * clock that runs ahead of wall time makes timers fire and resend nothing.
 *
 * LIFETIME. The first dc_sctp_create() initialises usrsctp, the last
 * dc_sctp_destroy() shuts it down (usrsctp_finish) once its sockets are gone.
 */
#ifndef SB_DC_SCTP_ASSOC_H
#define SB_DC_SCTP_ASSOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datachannel/dc_error.h"
#include "datachannel/dcep.h"

typedef struct dc_sctp dc_sctp_t;

#define DC_SCTP_TICK_INTERVAL_MS 10
#define DC_SCTP_DEFAULT_PORT 5000
#define DC_SCTP_DEFAULT_MAX_STREAMS 256
#define DC_SCTP_DEFAULT_MAX_MESSAGE_SIZE (256u * 1024)
#define DC_SCTP_DEFAULT_BUFFER (1024u * 1024)
#define DC_SCTP_DEFAULT_MTU 1200
/* RFC 8841 §6.1: a peer that announces no a=max-message-size takes 64 KiB. */
#define DC_SCTP_REMOTE_MAX_MESSAGE_SIZE_DEFAULT 65536u
/* Longest label or protocol we keep (DCEP allows 65535). */
#define DC_LABEL_MAX 1024

/* Zero fields take the defaults in brackets. */
typedef struct dc_sctp_config {
    bool dtls_server;              /* our DTLS role: server opens odd stream ids */
    uint16_t local_port;           /* our a=sctp-port [5000] */
    uint16_t remote_port;          /* peer's a=sctp-port [5000] */
    uint16_t max_streams;          /* inbound and outbound streams [256] */
    uint32_t max_message_size;     /* largest message we receive; announce it as
                                      a=max-message-size [256 KiB] */
    uint32_t remote_max_message_size; /* peer's a=max-message-size [64 KiB];
                                      pass UINT32_MAX for SDP's "0 = no limit" */
    uint32_t send_buffer;          /* usrsctp send buffer bytes [1 MiB] */
    uint32_t recv_buffer;          /* receive buffer [1 MiB, at least
                                      2 x max_message_size] */
    uint32_t buffered_amount_low_threshold; /* [0] */
    uint16_t mtu;                  /* SCTP packet size before DTLS [1200] */
} dc_sctp_config_t;

typedef struct dc_channel_info {
    uint16_t stream;
    uint8_t channel_type; /* DC_CHANNEL_* */
    uint16_t priority;
    uint32_t reliability; /* rexmit count or lifetime ms */
    const char *label;    /* NUL-terminated; valid until the channel is freed */
    const char *protocol;
    bool remote;          /* the peer opened it */
    bool negotiated;      /* opened out of band, no DCEP */
} dc_channel_info_t;

typedef enum dc_sctp_close_reason {
    DC_SCTP_CLOSED_SHUTDOWN = 1, /* graceful SHUTDOWN completed */
    DC_SCTP_CLOSED_LOST = 2,     /* ABORT received or peer unreachable */
    DC_SCTP_CLOSED_FAILED = 3,   /* association could not be established */
} dc_sctp_close_reason_t;

typedef struct dc_sctp_callbacks {
    void *user;
    /* Required. One SCTP packet to carry in DTLS. See CALLBACKS above. */
    void (*on_output)(void *user, const uint8_t *pkt, size_t len);
    /* Association is up: channels may be opened and used. */
    void (*on_connected)(void *user);
    /* Association is gone; reported once. Destroy it when convenient. */
    void (*on_closed)(void *user, dc_sctp_close_reason_t reason);
    /* A channel completed DCEP: the peer's OPEN (we answered ACK), or the
     * peer's ACK (or first message) for one we opened. */
    void (*on_channel_open)(void *user, const dc_channel_info_t *info);
    /* One complete message. Empty messages (PPID 56/57) have len 0. */
    void (*on_message)(void *user, uint16_t stream, bool is_string,
                       const uint8_t *data, size_t len);
    /* Channel closed by either side (stream reset, RFC 8831 §6.7). */
    void (*on_channel_close)(void *user, uint16_t stream);
    /* Buffered amount dropped to the threshold or below (edge-triggered). */
    void (*on_buffered_amount_low)(void *user);
} dc_sctp_callbacks_t;

typedef struct dc_channel_params {
    const char *label;    /* UTF-8, at most DC_LABEL_MAX bytes; NULL = "" */
    const char *protocol; /* NULL = "" */
    uint8_t channel_type; /* DC_CHANNEL_* */
    uint16_t priority;    /* 0 = DC_PRIORITY_NORMAL */
    uint32_t reliability; /* max rexmits or lifetime ms for partial types */
    bool negotiated;      /* true: no DCEP, use `stream` as agreed out of band */
    uint16_t stream;
} dc_channel_params_t;

typedef struct dc_sctp_stats {
    uint64_t packets_in, packets_out;
    uint64_t bytes_in, bytes_out;           /* SCTP packet bytes */
    uint64_t messages_in, messages_out;     /* user messages */
    uint64_t message_bytes_in, message_bytes_out;
    uint64_t dcep_errors;      /* malformed/unexpected DCEP, parity violations */
    uint64_t dropped_messages; /* unknown stream, bad PPID, oversized */
    uint64_t send_would_block; /* dc_sctp_send returned DC_EAGAIN */
} dc_sctp_stats_t;

/*
 * Creates an association (no packet is sent yet; no callback runs).
 * cfg may be NULL for defaults; cb->on_output is required.
 * DC_EINVAL, DC_ENOMEM, DC_EIO (usrsctp refused a socket option).
 */
int dc_sctp_create(const dc_sctp_config_t *cfg, const dc_sctp_callbacks_t *cb,
                   dc_sctp_t **out);

/* Closes (sending ABORT through on_output if the association is up) and
 * frees. NULL is a no-op. */
void dc_sctp_destroy(dc_sctp_t *a);

/* Starts the handshake (INIT). Both WebRTC peers connect; SCTP resolves the
 * collision. Call once DTLS is up (an inbound packet also starts it).
 * DC_ESTATE if already started. */
int dc_sctp_connect(dc_sctp_t *a);

/* One inbound SCTP packet (decrypted DTLS payload). Callbacks may run.
 * Connects first if dc_sctp_connect was not called yet. DC_EINVAL for an
 * empty or over-64-KiB packet, DC_ESTATE after destroy. */
int dc_sctp_handle_packet(dc_sctp_t *a, const uint8_t *pkt, size_t len);

/* Drives usrsctp's timers for all associations; see TIMERS above. */
void dc_sctp_tick(int64_t now_ms);

/*
 * Opens a channel: picks the lowest free stream id of our parity and sends
 * DATA_CHANNEL_OPEN (or, negotiated, takes p->stream as is). You may send at
 * once; on_channel_open follows when the peer acknowledges. DC_ESTATE (not
 * connected), DC_ENOSPC (no free stream id), DC_EINVAL (bad params or label
 * too long), DC_EPROTO (negotiated stream in use), DC_EAGAIN.
 */
int dc_sctp_open_channel(dc_sctp_t *a, const dc_channel_params_t *p,
                         uint16_t *stream_out);

/*
 * Sends one message on an open (or opening) channel. ppid is DC_PPID_STRING
 * or DC_PPID_BINARY; an empty message goes out as PPID 56/57. Returns 0, or
 * DC_EAGAIN (send buffer full: wait for on_buffered_amount_low), DC_ETOOBIG
 * (over the peer's max message size), DC_ENOENT (no such channel),
 * DC_ESTATE (closing or not connected), DC_EINVAL, DC_EIO.
 */
int dc_sctp_send(dc_sctp_t *a, uint16_t stream, uint32_t ppid,
                 const uint8_t *data, size_t len);

/* Closes a channel by resetting its outgoing stream (RFC 8831 §6.7);
 * on_channel_close follows when the peer has reset its side. DC_ENOENT,
 * DC_ESTATE (already closing). */
int dc_sctp_close_channel(dc_sctp_t *a, uint16_t stream);

/* Bytes handed to dc_sctp_send (and DCEP) that the peer has not yet
 * acknowledged. One figure for the whole association. */
size_t dc_sctp_buffered_amount(const dc_sctp_t *a);
void dc_sctp_set_buffered_amount_low_threshold(dc_sctp_t *a, size_t bytes);

/* Largest message dc_sctp_send accepts (peer's max, capped by our buffer). */
size_t dc_sctp_max_send_size(const dc_sctp_t *a);

/* Copies channel info (label/protocol pointers stay owned by a). DC_ENOENT. */
int dc_sctp_channel_info(const dc_sctp_t *a, uint16_t stream,
                         dc_channel_info_t *out);

bool dc_sctp_is_connected(const dc_sctp_t *a);
void dc_sctp_get_stats(const dc_sctp_t *a, dc_sctp_stats_t *out);

#endif
