/*
 * Upstream loss detection for one publisher stream (one SSRC): tracks the
 * incoming sequence numbers, remembers the gaps, and tells the caller which
 * seqs to put in a generic NACK (RFC 4585 §6.2.1) and when.
 *
 * Sans-IO: on_packet() for every received packet (including retransmitted
 * ones, which is how gaps get filled), poll() from a timer; next_timeout()
 * says when poll() next has work. A missing seq is NACKed first after
 * first_delay_us (reordering tolerance), then again every retry_interval_us,
 * and forgotten after max_retries NACKs, after max_age_us, or once it
 * arrives. Memory: max_missing entries, allocated by create().
 */
#ifndef SB_NACK_GENERATOR_H
#define SB_NACK_GENERATOR_H

#include <stddef.h>
#include <stdint.h>

#include "rtp/rtp_error.h"

/* on_packet() result: the stream jumped further than NACK can repair (or
 * the gap list overflowed); ask the publisher for a keyframe (PLI). */
#define RTP_NACK_KEYFRAME 1

typedef struct rtp_nack_generator_config {
    size_t max_missing;        /* gaps tracked at once; a bigger jump resets */
    unsigned max_retries;      /* NACKs per seq before giving up */
    int64_t first_delay_us;    /* wait after a gap appears before the first NACK */
    int64_t retry_interval_us; /* between NACKs of one seq (about one RTT) */
    int64_t max_age_us;        /* forget a gap this long after it appeared */
} rtp_nack_generator_config_t;

typedef struct rtp_nack_generator rtp_nack_generator_t;

/* 512 gaps, 10 retries, 10 ms first delay, 40 ms retry interval, 1 s age. */
void rtp_nack_generator_default_config(rtp_nack_generator_config_t *cfg);

/* cfg NULL means the defaults. NULL on a bad config or no memory. */
rtp_nack_generator_t *rtp_nack_generator_create(const rtp_nack_generator_config_t *cfg);
void rtp_nack_generator_destroy(rtp_nack_generator_t *g);

/*
 * Records a received seq. Returns 0, or RTP_NACK_KEYFRAME when a forward
 * jump larger than max_missing reset the tracker or the gap list overflowed
 * (its oldest gaps were dropped). A jump backwards by more than max_missing
 * is taken as a seq restart once the next packet confirms it (RFC 3550 A.1).
 */
int rtp_nack_generator_on_packet(rtp_nack_generator_t *g, uint16_t seq, int64_t now_us);

/* Writes up to cap seqs that are due for a NACK now, oldest first, and
 * counts a retry for each. Returns how many were written. */
size_t rtp_nack_generator_poll(rtp_nack_generator_t *g, int64_t now_us,
                               uint16_t *out, size_t cap);

/* Earliest time poll() has something to do; INT64_MAX if nothing is missing. */
int64_t rtp_nack_generator_next_timeout(const rtp_nack_generator_t *g);

/* Adjusts the retry interval, e.g. to the RTT measured from RR/SR. */
void rtp_nack_generator_set_retry_interval(rtp_nack_generator_t *g, int64_t us);

/* Seqs currently missing (tracked, not given up). */
size_t rtp_nack_generator_missing(const rtp_nack_generator_t *g);

/* Seqs dropped without recovery (retries exhausted, aged out, overflow). */
uint64_t rtp_nack_generator_given_up(const rtp_nack_generator_t *g);

#endif
