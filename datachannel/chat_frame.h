/*
 * Chat messages on the control DataChannel ("chat", ordered and reliable).
 * Each message is one JSON text message (PPID 51); see datachannel/README.md.
 *
 *   client -> server  {"type":"chat","id":"c-17","text":"hi","to":"peer-3"}
 *   server -> client  {"type":"chat","id":"c-17","text":"hi","to":"peer-3",
 *                      "from":"peer-1","fromName":"Ann","ts":1700000000123}
 *
 * "to" is optional (absent = the whole room). The server never trusts a
 * client's "from"/"fromName"/"ts": the client decoder ignores them and the
 * server fills them in. Pure: no I/O; jansson only.
 */
#ifndef SB_DC_CHAT_FRAME_H
#define SB_DC_CHAT_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "datachannel/dc_error.h"

/* Label of the control channel that carries chat and file control. */
#define DC_CONTROL_LABEL "chat"

#define DC_CHAT_TEXT_MAX 4096 /* bytes of UTF-8 in "text" */
#define DC_CHAT_ID_MAX 64     /* bytes in a message id (printable ASCII) */
#define DC_PEER_ID_MAX 64     /* bytes in a peer id (printable ASCII) */
#define DC_DISPLAY_NAME_MAX 128 /* bytes in "fromName" (no control chars) */
/* Largest control-channel JSON message any decoder accepts. */
#define DC_CONTROL_MSG_MAX 16384

/* Who wrote a control message: decides which fields are required/used. */
typedef enum dc_origin {
    DC_FROM_CLIENT = 0,
    DC_FROM_SERVER = 1,
} dc_origin_t;

typedef struct dc_chat_msg {
    char id[DC_CHAT_ID_MAX + 1];
    char text[DC_CHAT_TEXT_MAX + 1];
    size_t text_len;
    char to[DC_PEER_ID_MAX + 1]; /* "" = everyone in the room */
    /* Set by the server; required when origin is DC_FROM_SERVER. */
    char from[DC_PEER_ID_MAX + 1];
    char from_name[DC_DISPLAY_NAME_MAX + 1]; /* optional, may be "" */
    int64_t ts_ms;                           /* server time, ms since epoch */
} dc_chat_msg_t;

/*
 * Decodes one chat message. Errors: DC_EUNKNOWN ("type" is not "chat": try
 * another decoder), DC_ETOOBIG (message, text or an id over its cap),
 * DC_EINVAL (not JSON, missing/empty/mistyped field, bad characters).
 */
int dc_chat_decode(const uint8_t *buf, size_t len, dc_origin_t origin,
                   dc_chat_msg_t *out);

/*
 * Encodes m as a client or server message into buf (NUL-terminated; *len
 * excludes the NUL). Checks the same rules as the decoder, so whatever it
 * writes decodes. DC_ENOSPC if buf is too small.
 */
int dc_chat_encode(const dc_chat_msg_t *m, dc_origin_t origin, char *buf,
                   size_t cap, size_t *len);

#endif
