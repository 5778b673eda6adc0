/*
 * File transfer framing (see datachannel/README.md for the full protocol).
 *
 * Control messages travel as JSON on the control channel next to chat:
 *   file-offer    {transferId, name, size, mime?, sha256, to?}   sender -> receivers
 *   file-accept   {transferId, offset?}   receiver: send me bytes from offset
 *   file-decline  {transferId, reason?}
 *   file-cancel   {transferId, reason?}   either side, any time
 *   file-progress {transferId, offset}    receiver: bytes [0, offset) are stored
 *   file-done     {transferId}            receiver: all bytes in, SHA-256 matched
 * Messages the server relays carry "from" (the peer that wrote them).
 *
 * Data travels as binary messages (PPID 53) on a per-transfer reliable,
 * ordered channel labelled "file:<transferId>":
 *
 *    0        1                          17                       25
 *   +--------+--------------------------+------------------------+--------
 *   | ver=1  | transfer id (16 bytes)   | offset (u64, big end.) | payload
 *   +--------+--------------------------+------------------------+--------
 *
 * payload is 1..16384 bytes: file bytes [offset, offset + payload length).
 * Pure: no I/O; jansson only.
 */
#ifndef SB_DC_FILE_FRAME_H
#define SB_DC_FILE_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datachannel/chat_frame.h" /* dc_origin_t, DC_PEER_ID_MAX */
#include "datachannel/dc_error.h"

#define DC_FILE_ID_LEN 16        /* transfer id bytes in a chunk header */
#define DC_FILE_ID_HEX_LEN 32    /* ... and as lowercase hex in JSON */
#define DC_FILE_NAME_MAX 255     /* bytes of UTF-8 in a file name */
#define DC_FILE_MIME_MAX 127     /* bytes in a MIME type */
#define DC_FILE_REASON_MAX 64    /* bytes in a decline/cancel reason */
#define DC_FILE_SHA256_HEX_LEN 64
#define DC_FILE_CHUNK_VERSION 1
#define DC_FILE_CHUNK_HEADER_LEN 25
#define DC_FILE_CHUNK_PAYLOAD_MAX 16384
#define DC_FILE_CHUNK_MAX (DC_FILE_CHUNK_HEADER_LEN + DC_FILE_CHUNK_PAYLOAD_MAX)
#define DC_FILE_DEFAULT_MAX_SIZE (100ull * 1024 * 1024)
/* End-to-end flow control: a sender keeps at most this many bytes beyond
 * the last file-progress offset it heard, and receivers report progress at
 * least every DC_FILE_PROGRESS_INTERVAL bytes. This bounds what the server
 * must hold per transfer when the receiving leg is slower. */
#define DC_FILE_WINDOW_BYTES (1024u * 1024)
#define DC_FILE_PROGRESS_INTERVAL (256u * 1024)
#define DC_FILE_LABEL_PREFIX "file:"
#define DC_FILE_LABEL_LEN (5 + DC_FILE_ID_HEX_LEN)

typedef enum dc_file_ctrl_type {
    DC_FILE_OFFER = 1,
    DC_FILE_ACCEPT,
    DC_FILE_DECLINE,
    DC_FILE_CANCEL,
    DC_FILE_PROGRESS,
    DC_FILE_DONE,
} dc_file_ctrl_type_t;

typedef struct dc_file_limits {
    uint64_t max_size; /* largest file offered; 0 = DC_FILE_DEFAULT_MAX_SIZE */
} dc_file_limits_t;

typedef struct dc_file_ctrl {
    dc_file_ctrl_type_t type;
    uint8_t transfer_id[DC_FILE_ID_LEN];
    /* offer */
    char name[DC_FILE_NAME_MAX + 1];
    char mime[DC_FILE_MIME_MAX + 1]; /* may be "" */
    uint64_t size;
    char sha256[DC_FILE_SHA256_HEX_LEN + 1]; /* lowercase hex */
    /* accept (resume point, default 0) and progress */
    uint64_t offset;
    /* decline, cancel: optional */
    char reason[DC_FILE_REASON_MAX + 1];
    /* offer: optional target peer ("" = room) */
    char to[DC_PEER_ID_MAX + 1];
    /* required in every message from the server */
    char from[DC_PEER_ID_MAX + 1];
} dc_file_ctrl_t;

/* JSON "type" string of t, NULL if t is not a dc_file_ctrl_type_t. */
const char *dc_file_ctrl_type_name(dc_file_ctrl_type_t t);

/*
 * Decodes one file control message. limits may be NULL (defaults). Errors:
 * DC_EUNKNOWN ("type" is not a file-* type: try another decoder),
 * DC_ETOOBIG (message, name, mime or size over its cap), DC_EINVAL
 * (malformed JSON, missing or mistyped field, bad transfer id / sha256 /
 * name, offset beyond the limit).
 */
int dc_file_ctrl_decode(const uint8_t *buf, size_t len,
                        const dc_file_limits_t *limits, dc_origin_t origin,
                        dc_file_ctrl_t *out);

/* Encodes c (NUL-terminated output, *len excludes it) after the same checks
 * the decoder makes. DC_ENOSPC if buf is too small. */
int dc_file_ctrl_encode(const dc_file_ctrl_t *c, const dc_file_limits_t *limits,
                        dc_origin_t origin, char *buf, size_t cap, size_t *len);

/* A parsed chunk; data points into the parsed buffer. */
typedef struct dc_file_chunk {
    uint8_t transfer_id[DC_FILE_ID_LEN];
    uint64_t offset;
    const uint8_t *data;
    size_t len;
} dc_file_chunk_t;

/* Parses a chunk message. Returns bytes consumed (all of len), DC_ETRUNC
 * (no payload or short header), DC_EINVAL (unknown version),
 * DC_ETOOBIG (payload over 16 KiB, or offset + length overflows). */
int dc_file_chunk_parse(const uint8_t *buf, size_t len, dc_file_chunk_t *out);

/* Writes a chunk header and payload. 0 and *len, or DC_EINVAL (empty
 * payload), DC_ETOOBIG, DC_ENOSPC. */
int dc_file_chunk_write(const uint8_t transfer_id[DC_FILE_ID_LEN],
                        uint64_t offset, const uint8_t *data, size_t data_len,
                        uint8_t *buf, size_t cap, size_t *len);

/* Transfer id <-> 32 lowercase hex characters. Parsing accepts upper case
 * too; anything else (or another length) is DC_EINVAL. out gets a NUL. */
int dc_file_id_from_hex(const char *hex, size_t len, uint8_t id[DC_FILE_ID_LEN]);
void dc_file_id_to_hex(const uint8_t id[DC_FILE_ID_LEN],
                       char out[DC_FILE_ID_HEX_LEN + 1]);

/* Channel label "file:<hex id>" (NUL-terminated) and its parser. */
int dc_file_label_write(const uint8_t id[DC_FILE_ID_LEN], char *buf, size_t cap);
int dc_file_label_parse(const char *label, size_t len,
                        uint8_t id[DC_FILE_ID_LEN]);

/*
 * Receiving side of one transfer: checks each chunk against what the offer
 * announced. Chunks arrive on a reliable ordered channel, so the only valid
 * offset is the next expected one (after a resume, the accepted offset).
 */
typedef struct dc_file_rx {
    uint8_t transfer_id[DC_FILE_ID_LEN];
    uint64_t size; /* from the offer */
    uint64_t next; /* bytes [0, next) received */
} dc_file_rx_t;

void dc_file_rx_init(dc_file_rx_t *rx, const uint8_t id[DC_FILE_ID_LEN],
                     uint64_t size, uint64_t start_offset);

/* Accepts c if it continues the transfer: returns 1 when the transfer is now
 * complete, 0 otherwise; DC_ENOENT (other transfer), DC_EPROTO (offset is
 * not the next expected byte), DC_ETOOBIG (runs past the offered size).
 * A rejected chunk leaves rx unchanged. */
int dc_file_rx_accept(dc_file_rx_t *rx, const dc_file_chunk_t *c);

#endif
