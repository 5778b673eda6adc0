#include "rtp/rtp_error.h"

const char *rtp_strerror(int err)
{
    switch (err) {
    case RTP_OK: return "ok";
    case RTP_EINVAL: return "malformed input or invalid argument";
    case RTP_ETRUNC: return "truncated packet";
    case RTP_ENOSPC: return "no space in output buffer";
    case RTP_ENOENT: return "not found";
    case RTP_EVERSION: return "unsupported version";
    case RTP_ESTALE: return "stale packet";
    case RTP_ENOMEM: return "out of memory";
    default: return "unknown error";
    }
}
