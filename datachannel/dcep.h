/*
 * DCEP: the WebRTC Data Channel Establishment Protocol (RFC 8832), plus the
 * SCTP payload protocol identifiers of RFC 8831 §8 and the stream-id parity
 * rule. Pure: bytes in, bytes out, no usrsctp and no allocation.
 *
 * DATA_CHANNEL_OPEN (RFC 8832 §5.1), all integers big-endian:
 *
 *    0                   1                   2                   3
 *   +---------------+---------------+-------------------------------+
 *   | type = 0x03   | channel type  |           priority            |
 *   +---------------+---------------+-------------------------------+
 *   |                    reliability parameter                      |
 *   +-------------------------------+-------------------------------+
 *   |         label length          |        protocol length        |
 *   +-------------------------------+-------------------------------+
 *   |  label (label length bytes), then protocol (protocol length)  |
 *   +---------------------------------------------------------------+
 *
 * DATA_CHANNEL_ACK (RFC 8832 §5.2) is the single byte 0x02.
 */
#ifndef SB_DC_DCEP_H
#define SB_DC_DCEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datachannel/dc_error.h"

/* SCTP payload protocol identifiers, RFC 8831 §8. Host byte order here;
 * usrsctp wants them in network order in sctp_sndinfo/sctp_rcvinfo. */
enum {
    DC_PPID_DCEP = 50,
    DC_PPID_STRING = 51,
    DC_PPID_BINARY_PARTIAL = 52, /* deprecated: fragment of a binary message */
    DC_PPID_BINARY = 53,
    DC_PPID_STRING_PARTIAL = 54, /* deprecated: fragment of a string message */
    DC_PPID_STRING_EMPTY = 56,   /* empty string; payload is one ignored byte */
    DC_PPID_BINARY_EMPTY = 57,   /* empty binary; payload is one ignored byte */
};

/* What a received PPID means. */
typedef struct dc_ppid_info {
    bool dcep;      /* a DCEP control message, not user data */
    bool is_string; /* user data is UTF-8 text (else binary) */
    bool partial;   /* deprecated fragment: more of the message follows */
    bool empty;     /* an empty message; ignore the payload byte */
} dc_ppid_info_t;

/* Classifies ppid (host order). DC_EINVAL for PPIDs WebRTC does not use. */
int dc_ppid_classify(uint32_t ppid, dc_ppid_info_t *out);

/* PPID to send a user message of len bytes with: 51/53, or 56/57 if empty. */
uint32_t dc_ppid_for_message(bool is_string, size_t len);

/* DCEP message types, RFC 8832 §8.2.1. */
enum {
    DC_DCEP_ACK = 0x02,
    DC_DCEP_OPEN = 0x03,
};

/* Channel types, RFC 8832 §5.1. Bit 7 set = unordered. */
enum {
    DC_CHANNEL_RELIABLE = 0x00,
    DC_CHANNEL_RELIABLE_UNORDERED = 0x80,
    DC_CHANNEL_PARTIAL_RELIABLE_REXMIT = 0x01,
    DC_CHANNEL_PARTIAL_RELIABLE_REXMIT_UNORDERED = 0x81,
    DC_CHANNEL_PARTIAL_RELIABLE_TIMED = 0x02,
    DC_CHANNEL_PARTIAL_RELIABLE_TIMED_UNORDERED = 0x82,
};

/* Priorities suggested by RFC 8832 §5.1; any 16-bit value is legal. */
enum {
    DC_PRIORITY_BELOW_NORMAL = 128,
    DC_PRIORITY_NORMAL = 256,
    DC_PRIORITY_HIGH = 512,
    DC_PRIORITY_EXTRA_HIGH = 1024,
};

/* Partial-reliability policy of a channel type. */
typedef enum dc_reliability {
    DC_RELIABLE = 0,
    DC_REXMIT = 1, /* reliability parameter = max retransmissions */
    DC_TIMED = 2,  /* reliability parameter = lifetime in milliseconds */
} dc_reliability_t;

bool dc_channel_type_valid(uint8_t channel_type);
bool dc_channel_type_unordered(uint8_t channel_type);
dc_reliability_t dc_channel_type_reliability(uint8_t channel_type);

/* Fixed part of DATA_CHANNEL_OPEN before label and protocol. */
#define DC_DCEP_OPEN_HEADER_LEN 12

/*
 * A parsed or to-be-written DATA_CHANNEL_OPEN. When parsed, label and
 * protocol point into the parsed buffer (not NUL-terminated) and live as long
 * as it does. Both are valid UTF-8 without NUL bytes.
 */
typedef struct dc_dcep_open {
    uint8_t channel_type;
    uint16_t priority;
    uint32_t reliability; /* 0 for reliable types */
    const uint8_t *label;
    uint16_t label_len;
    const uint8_t *protocol;
    uint16_t protocol_len;
} dc_dcep_open_t;

/* First byte of a DCEP message: DC_DCEP_OPEN, DC_DCEP_ACK or another type
 * (which RFC 8832 leaves unassigned; callers count and ignore it).
 * DC_ETRUNC if len is 0. */
int dc_dcep_message_type(const uint8_t *buf, size_t len);

/*
 * Parses a DATA_CHANNEL_OPEN. The message must be exactly 12 + label length
 * + protocol length bytes. Returns bytes consumed, or DC_ETRUNC (shorter than
 * its lengths say), DC_EINVAL (wrong type, unknown channel type, trailing
 * bytes, label/protocol not UTF-8 or containing NUL).
 */
int dc_dcep_parse_open(const uint8_t *buf, size_t len, dc_dcep_open_t *out);

/* Parses a DATA_CHANNEL_ACK: exactly one byte 0x02. Returns 1, or
 * DC_ETRUNC / DC_EINVAL. */
int dc_dcep_parse_ack(const uint8_t *buf, size_t len);

/* Bytes dc_dcep_write_open needs for o. */
size_t dc_dcep_open_size(const dc_dcep_open_t *o);

/* Writes o into buf. 0 and *len set, or DC_EINVAL (unknown channel type,
 * label/protocol not UTF-8), DC_ENOSPC. Reliability is written as 0 for
 * reliable channel types, as RFC 8832 §5.1 requires. */
int dc_dcep_write_open(const dc_dcep_open_t *o, uint8_t *buf, size_t cap,
                       size_t *len);

/* Writes DATA_CHANNEL_ACK. 0 and *len = 1, or DC_ENOSPC. */
int dc_dcep_write_ack(uint8_t *buf, size_t cap, size_t *len);

/*
 * Stream identifiers, RFC 8832 §6 and RFC 8831 §6.6: the DTLS client opens
 * channels on even stream ids, the DTLS server on odd ones; 65535 is never
 * used.
 */
#define DC_STREAM_ID_MAX 65534

/* True if sid is one the side with this DTLS role may open channels on. */
bool dc_stream_id_is_local(uint16_t sid, bool dtls_server);

/* Checks a stream id the peer opened a channel on: DC_OK, DC_EPROTO (it has
 * our parity), DC_EINVAL (65535). */
int dc_stream_id_check_remote(uint16_t sid, bool dtls_server);

/* True if buf[0..len) is well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF) and contains no NUL byte. */
bool dc_utf8_valid(const uint8_t *buf, size_t len);

#endif
