#include "datachannel/dc_error.h"

const char *dc_strerror(int err)
{
    switch (err) {
    case DC_OK: return "ok";
    case DC_EINVAL: return "invalid input";
    case DC_ETRUNC: return "truncated input";
    case DC_ENOSPC: return "output buffer too small";
    case DC_ENOENT: return "no such stream, channel or transfer";
    case DC_ETOOBIG: return "exceeds size limit";
    case DC_EAGAIN: return "send buffer full, try again";
    case DC_ESTATE: return "not allowed in current state";
    case DC_ENOMEM: return "out of memory";
    case DC_EPROTO: return "protocol violation";
    case DC_EUNKNOWN: return "unknown message type";
    case DC_EIO: return "sctp stack error";
    default: return "unknown error";
    }
}
