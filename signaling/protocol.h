/*
 * The signaling protocol codec: JSON text <-> typed messages. Pure: no I/O,
 * no session state. The envelope (docs/protocol.md):
 *
 *   request       {"id": 7, "method": "join-room", "data": {...}}
 *   response      {"id": 7, "ok": true, "data": {...}}
 *                 {"id": 7, "ok": false, "error": {"code": "room_full", "message": "..."}}
 *   notification  {"event": "participant-joined", "seq": 42, "data": {...}}
 */
#ifndef SIG_PROTOCOL_H
#define SIG_PROTOCOL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Error codes carried in responses. Their strings are the wire names. */
typedef enum {
    SIG_OK = 0,
    SIG_ERR_BAD_JSON,          /* not JSON, or not UTF-8 */
    SIG_ERR_TOO_LARGE,         /* over --max-message-size */
    SIG_ERR_TOO_DEEP,          /* nesting over --max-json-depth */
    SIG_ERR_INVALID_REQUEST,   /* envelope wrong: not an object, id/method/data missing or mistyped */
    SIG_ERR_UNKNOWN_METHOD,
    SIG_ERR_INVALID_PARAMS,    /* data fields missing, mistyped, too long or with bad characters */
    SIG_ERR_NOT_JOINED,        /* method needs a session; call join-room or resume first */
    SIG_ERR_ALREADY_JOINED,
    SIG_ERR_ROOM_FULL,
    SIG_ERR_SERVER_FULL,
    SIG_ERR_INVALID_TOKEN,     /* resume with an unknown or expired token */
    SIG_ERR_REPLAY_GAP,        /* resume asked for events the server no longer holds */
    SIG_ERR_SHUTTING_DOWN,
    SIG_ERR_INVALID_SDP,       /* SDP that does not parse, or that we cannot answer */
    SIG_ERR_UNKNOWN_PRODUCER,
    SIG_ERR_UNKNOWN_CONSUMER,
    SIG_ERR_WRONG_STATE,       /* e.g. subscribe-answer without a pending offer */
    SIG_ERR_INTERNAL,
    SIG_ERR__COUNT
} sig_error_t;

const char *sig_error_code(sig_error_t e);

/* The enum for a wire name; SIG_ERR_INTERNAL for names it does not know. */
sig_error_t sig_error_from_code(const char *code);

#define SIG_METHOD_MAX 32

/* A parsed request. `data` is an owned reference (an empty object if absent). */
typedef struct {
    int64_t id;                   /* -1 when the id could not be read */
    char method[SIG_METHOD_MAX];
    json_t *data;
} sig_request_t;

/*
 * Parses one text frame into *req. On failure returns the error to send back
 * and writes a human-readable reason into why (cap bytes); req->id is then the
 * request's id if it could still be read, else -1. On success the caller owns
 * req->data and releases it with sig_request_clear().
 */
sig_error_t sig_request_parse(const char *text, size_t len, size_t max_bytes, int max_depth,
                              sig_request_t *req, char *why, size_t cap);

void sig_request_clear(sig_request_t *req);

/*
 * Returns the nesting depth of arrays/objects in JSON text, counting only
 * brackets outside strings; stops early and returns limit + 1 once limit is
 * exceeded, so a hostile 64 KiB "[[[[..." costs one linear scan and no
 * recursion in the JSON parser.
 */
int sig_json_depth(const char *text, size_t len, int limit);

/* Encoders return a malloc'd NUL-terminated string (caller frees) or NULL. */
char *sig_encode_ok(int64_t id, json_t *data /* stolen; NULL = {} */);
char *sig_encode_error(int64_t id /* -1 = null */, sig_error_t code, const char *message);
char *sig_encode_event(const char *event, uint64_t seq, json_t *data /* stolen; NULL = {} */);

/*
 * Field helpers for method handlers. Each returns 0, or -1 with a reason in
 * why. Names: 1..max_len bytes of letters, digits, space, '-', '_', '.'
 * (room names: no spaces), no leading/trailing space.
 */
int sig_get_string(json_t *data, const char *key, int required, size_t max_len,
                   const char **out, char *why, size_t cap);
int sig_validate_room_name(const char *s, char *why, size_t cap);
int sig_validate_display_name(const char *s, char *why, size_t cap);

#endif
