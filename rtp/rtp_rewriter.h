/*
 * Per-consumer RTP header rewriting: one outgoing SSRC with continuous
 * sequence numbers and monotonic timestamps while the input underneath
 * pauses, resumes, switches simulcast layer or is replaced by another track.
 *
 * The input is cut into segments. A segment starts on the first packet
 * forwarded, on a new input SSRC, after rtp_rewriter_mark_discontinuity(),
 * or when the input seq restarts (a jump confirmed by two consecutive
 * packets, RFC 3550 A.1). Inside a segment the mapping is a fixed offset,
 * so reordered and duplicate packets map to the same output seq/ts each
 * time. A new segment continues at last output seq + 1, and its timestamp
 * advances from the newest output timestamp by the wall-clock time elapsed
 * since that timestamp was first sent (clock_rate ticks per second, at
 * least 1 tick), which is what a receiver's jitter buffer expects.
 *
 * Packets that belong before the current segment (late packets of an old
 * source, or of the same source from before a pause) return RTP_ESTALE and
 * must be dropped: their output seqs are already used or skipped.
 *
 * The caller feeds only packets of the source it wants forwarded (layer
 * selection is the SFU's job); a packet of any other SSRC that is not late
 * is taken as a switch to it.
 *
 * Sans-IO: no clock reads; `now_us` is any monotonic microsecond clock.
 */
#ifndef SB_RTP_REWRITER_H
#define SB_RTP_REWRITER_H

#include <stddef.h>
#include <stdint.h>

#include "rtp/rtp_error.h"

#define RTP_REWRITER_HISTORY 8         /* segments kept for reverse mapping */
#define RTP_REWRITER_MAX_MISORDER 512  /* how late a reordered packet may be */
#define RTP_REWRITER_MAX_DROPOUT 3000  /* larger forward jumps need confirmation */

typedef struct rtp_rewriter rtp_rewriter_t;

/* initial_seq / initial_ts are the first outgoing values (pick them at
 * random, RFC 3550 §5.1). clock_rate > 0 (e.g. 90000 video, 48000 Opus).
 * Returns NULL if clock_rate is 0 or memory is short. */
rtp_rewriter_t *rtp_rewriter_create(uint32_t out_ssrc, uint32_t clock_rate,
                                    uint16_t initial_seq, uint32_t initial_ts);
void rtp_rewriter_destroy(rtp_rewriter_t *rw);

/* The next packet starts a new segment even if its SSRC is unchanged: call
 * when the consumer resumes after the SFU dropped packets while paused. */
void rtp_rewriter_mark_discontinuity(rtp_rewriter_t *rw);

/*
 * Maps one input packet. Returns 0 and sets *out_seq / *out_ts, or
 * RTP_ESTALE: drop the packet (late, from before the segment, or the first
 * packet of an unconfirmed seq jump).
 */
int rtp_rewriter_map(rtp_rewriter_t *rw, uint32_t in_ssrc, uint16_t in_seq,
                     uint32_t in_ts, int64_t now_us,
                     uint16_t *out_seq, uint32_t *out_ts);

/* Parses the RTP header in buf, maps it and writes the outgoing SSRC, seq
 * and timestamp in place. Returns 0, RTP_ESTALE, or a parse error. */
int rtp_rewriter_rewrite(rtp_rewriter_t *rw, uint8_t *buf, size_t len, int64_t now_us);

/*
 * Reverse mapping for a subscriber's NACK: the input SSRC and seq that were
 * sent as out_seq. RTP_ENOENT if out_seq is older than the kept history or
 * was never sent by a segment (e.g. a seq skipped by the producer).
 */
int rtp_rewriter_reverse(const rtp_rewriter_t *rw, uint16_t out_seq,
                         uint32_t *in_ssrc, uint16_t *in_seq);

/* Maps an input timestamp of the current source (e.g. from its SR) to the
 * output timeline. RTP_ENOENT if in_ssrc is not the current source. */
int rtp_rewriter_out_ts(const rtp_rewriter_t *rw, uint32_t in_ssrc,
                        uint32_t in_ts, uint32_t *out_ts);

/* Newest output seq and timestamp, and when that timestamp was first sent;
 * RTP_ENOENT before the first packet. Any pointer may be NULL. */
int rtp_rewriter_last(const rtp_rewriter_t *rw, uint16_t *seq, uint32_t *ts,
                      int64_t *ts_at_us);

uint32_t rtp_rewriter_ssrc(const rtp_rewriter_t *rw);

#endif
