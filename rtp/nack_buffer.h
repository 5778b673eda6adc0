/*
 * Retransmission store for one video producer stream (one SSRC): keeps the
 * last `capacity` packets, up to `max_age_us` old, so subscribers' NACKs
 * (RFC 4585 §6.2.1) can be answered without asking the publisher.
 *
 * All memory is allocated by create(): `capacity` slots of `slot_size`
 * bytes each (e.g. 1024 x 1500, about one second of high-rate video).
 * Slot = seq % capacity, so capacity must be a power of two that divides
 * 65536 and the mapping survives the seq wrap. Sans-IO: time is passed in.
 */
#ifndef SB_NACK_BUFFER_H
#define SB_NACK_BUFFER_H

#include <stddef.h>
#include <stdint.h>

#include "rtp/rtp_error.h"

#define RTP_NACK_BUFFER_SLOT_SIZE 1500

typedef struct rtp_nack_buffer rtp_nack_buffer_t;

/* capacity: power of two, 1..32768. slot_size: > 0 (largest packet kept).
 * max_age_us: > 0. Returns NULL on a bad argument or no memory. */
rtp_nack_buffer_t *rtp_nack_buffer_create(size_t capacity, size_t slot_size,
                                          int64_t max_age_us);
void rtp_nack_buffer_destroy(rtp_nack_buffer_t *nb);

/*
 * Stores a copy of the packet with this seq. Returns 0, RTP_ENOSPC if len >
 * slot_size, RTP_EINVAL for len 0, RTP_ESTALE if the slot holds a newer,
 * unexpired packet (a very late input never evicts fresher data).
 */
int rtp_nack_buffer_put(rtp_nack_buffer_t *nb, uint16_t seq, const uint8_t *bytes,
                        size_t len, int64_t now_us);

/*
 * Looks up seq: 0 with *bytes and *len pointing into the store (valid until the
 * next put or clear), RTP_ENOENT if never stored or overwritten, RTP_ESTALE
 * if older than max_age_us.
 */
int rtp_nack_buffer_get(const rtp_nack_buffer_t *nb, uint16_t seq, int64_t now_us,
                        const uint8_t **bytes, size_t *len);

/* Forgets everything, e.g. when the producer's SSRC or seq base changes. */
void rtp_nack_buffer_clear(rtp_nack_buffer_t *nb);

#endif
