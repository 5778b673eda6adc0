/*
 * Error codes shared by everything in rtp/. Functions return 0 (or a count /
 * a byte length) on success and one of these negative values on failure, so
 * the I/O layer can decide what to count and what to log.
 */
#ifndef SB_RTP_ERROR_H
#define SB_RTP_ERROR_H

enum {
    RTP_OK = 0,
    RTP_EINVAL = -1,  /* malformed input or bad argument */
    RTP_ETRUNC = -2,  /* input shorter than its own headers claim */
    RTP_ENOSPC = -3,  /* caller's output buffer or a fixed table is too small */
    RTP_ENOENT = -4,  /* the thing looked up is not there */
    RTP_EVERSION = -5, /* RTP/RTCP version field is not 2 */
    RTP_ESTALE = -6,  /* too old, or from before a stream switch: drop it */
    RTP_ENOMEM = -7,  /* create() could not allocate */
};

/* Short static description of an RTP_E* code ("unknown error" otherwise). */
const char *rtp_strerror(int err);

#endif
