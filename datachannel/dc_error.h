/*
 * Error codes shared by everything in datachannel/. Functions return 0 (or a
 * byte count) on success and one of these negative values on failure; the
 * protocol code counts errors, the I/O layer decides what to log.
 */
#ifndef SB_DC_ERROR_H
#define SB_DC_ERROR_H

enum {
    DC_OK = 0,
    DC_EINVAL = -1,   /* malformed input or bad argument */
    DC_ETRUNC = -2,   /* input shorter than its own headers claim */
    DC_ENOSPC = -3,   /* caller's output buffer is too small */
    DC_ENOENT = -4,   /* unknown stream, channel or transfer */
    DC_ETOOBIG = -5,  /* exceeds a cap: message size, text length, file size */
    DC_EAGAIN = -6,   /* send buffer full: retry after buffered-amount-low */
    DC_ESTATE = -7,   /* not allowed in the current state */
    DC_ENOMEM = -8,   /* allocation failed */
    DC_EPROTO = -9,   /* protocol violation (stream parity, duplicate open) */
    DC_EUNKNOWN = -10, /* message type this decoder does not handle */
    DC_EIO = -11,     /* usrsctp refused the operation for another reason */
};

/* Short static description of a DC_E* code ("unknown error" otherwise). */
const char *dc_strerror(int err);

#endif
