/*
 * Per-worker media counters. Each worker thread owns one set and is its only
 * writer (relaxed atomic adds, uncontended); any thread may read them for
 * sfu_media_stats(). Gauges (transports, producers, consumers, ...) go up and
 * down; everything else only grows.
 */
#ifndef SFU_MEDIA_COUNTERS_H
#define SFU_MEDIA_COUNTERS_H

#include <stdatomic.h>
#include <stdint.h>

typedef struct sfu_media_counters {
    /* gauges */
    atomic_llong rooms, peers, transports, producers, consumers;
    /* RTP through producers (plain bytes, after SRTP unprotect) */
    atomic_ullong rtp_packets_in, rtp_bytes_in;
    /* RTP sent to subscribers, retransmissions included */
    atomic_ullong rtp_packets_out, rtp_bytes_out;
    atomic_ullong rtcp_packets_in, rtcp_packets_out;
    /* loss repair */
    atomic_ullong nacks_in;          /* NACK packets from subscribers */
    atomic_ullong nacks_out;         /* NACK packets sent to publishers */
    atomic_ullong retransmissions;   /* packets resent from a nack buffer */
    atomic_ullong retransmit_misses; /* NACKed seqs we no longer had */
    /* keyframes */
    atomic_ullong plis_in, firs_in;  /* from subscribers */
    atomic_ullong plis_out;          /* keyframe requests sent to publishers */
    atomic_ullong keyframe_requests_deferred; /* held back by the rate limit */
    /* reports and bandwidth feedback */
    atomic_ullong srs_out, rrs_out, twcc_out, remb_out;
    /* drops */
    atomic_ullong drops_not_connected; /* subscriber transport not up yet */
    atomic_ullong drops_unknown;       /* RTP of no producer, or an unnegotiated PT */
    atomic_ullong drops_stale;         /* rewriter said too old / before a switch */
    atomic_ullong drops_waiting_keyframe; /* video before the first keyframe */
    atomic_ullong send_failures;
} sfu_media_counters_t;

#define SFU_COUNT_ADD(c, field, n) \
    atomic_fetch_add_explicit(&(c)->field, (n), memory_order_relaxed)
#define SFU_COUNT(c, field) SFU_COUNT_ADD(c, field, 1)
#define SFU_COUNT_GET(c, field) atomic_load_explicit(&(c)->field, memory_order_relaxed)

#endif
