#include "signaling/protocol.h"

#include <stdio.h>
#include <string.h>

static const char *const error_codes[SIG_ERR__COUNT] = {
    [SIG_OK] = "ok",
    [SIG_ERR_BAD_JSON] = "bad_json",
    [SIG_ERR_TOO_LARGE] = "message_too_large",
    [SIG_ERR_TOO_DEEP] = "too_deep",
    [SIG_ERR_INVALID_REQUEST] = "invalid_request",
    [SIG_ERR_UNKNOWN_METHOD] = "unknown_method",
    [SIG_ERR_INVALID_PARAMS] = "invalid_params",
    [SIG_ERR_NOT_JOINED] = "not_joined",
    [SIG_ERR_ALREADY_JOINED] = "already_joined",
    [SIG_ERR_ROOM_FULL] = "room_full",
    [SIG_ERR_SERVER_FULL] = "server_full",
    [SIG_ERR_INVALID_TOKEN] = "invalid_token",
    [SIG_ERR_REPLAY_GAP] = "replay_gap",
    [SIG_ERR_SHUTTING_DOWN] = "shutting_down",
    [SIG_ERR_INVALID_SDP] = "invalid_sdp",
    [SIG_ERR_UNKNOWN_PRODUCER] = "unknown_producer",
    [SIG_ERR_UNKNOWN_CONSUMER] = "unknown_consumer",
    [SIG_ERR_WRONG_STATE] = "wrong_state",
    [SIG_ERR_INTERNAL] = "internal_error",
};

const char *sig_error_code(sig_error_t e)
{
    return (e >= 0 && e < SIG_ERR__COUNT) ? error_codes[e] : "internal_error";
}

sig_error_t sig_error_from_code(const char *code)
{
    for (int i = 1; i < SIG_ERR__COUNT; i++)
        if (code && strcmp(code, error_codes[i]) == 0)
            return (sig_error_t)i;
    return SIG_ERR_INTERNAL;
}

int sig_json_depth(const char *text, size_t len, int limit)
{
    int depth = 0, max = 0, in_string = 0, escaped = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (in_string) {
            if (escaped)
                escaped = 0;
            else if (c == '\\')
                escaped = 1;
            else if (c == '"')
                in_string = 0;
            continue;
        }
        if (c == '"') {
            in_string = 1;
        } else if (c == '[' || c == '{') {
            if (++depth > max) {
                max = depth;
                if (max > limit)
                    return limit + 1;
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return max;
}

static sig_error_t fail(char *why, size_t cap, sig_error_t e, const char *msg)
{
    snprintf(why, cap, "%s", msg);
    return e;
}

/* Reads "id" if it is a non-negative integer; anything else leaves -1. */
static int64_t read_id(json_t *root)
{
    json_t *id = json_object_get(root, "id");
    if (json_is_integer(id) && json_integer_value(id) >= 0)
        return json_integer_value(id);
    return -1;
}

sig_error_t sig_request_parse(const char *text, size_t len, size_t max_bytes, int max_depth,
                              sig_request_t *req, char *why, size_t cap)
{
    memset(req, 0, sizeof *req);
    req->id = -1;
    if (len > max_bytes) {
        snprintf(why, cap, "message is %zu bytes; the limit is %zu", len, max_bytes);
        return SIG_ERR_TOO_LARGE;
    }
    if (sig_json_depth(text, len, max_depth) > max_depth) {
        snprintf(why, cap, "JSON nesting deeper than %d", max_depth);
        return SIG_ERR_TOO_DEEP;
    }
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        snprintf(why, cap, "not valid JSON: %s (at byte %d)", jerr.text, jerr.position);
        return SIG_ERR_BAD_JSON;
    }
    sig_error_t e = SIG_OK;
    json_t *method = json_object_get(root, "method");
    json_t *data = json_object_get(root, "data");
    if (!json_is_object(root)) {
        e = fail(why, cap, SIG_ERR_INVALID_REQUEST, "a request must be a JSON object");
        goto done;
    }
    req->id = read_id(root);
    if (req->id < 0) {
        e = fail(why, cap, SIG_ERR_INVALID_REQUEST, "\"id\" must be a non-negative integer");
    } else if (!json_is_string(method) || json_string_length(method) == 0 ||
               json_string_length(method) >= SIG_METHOD_MAX) {
        e = fail(why, cap, SIG_ERR_INVALID_REQUEST, "\"method\" must be a non-empty string");
    } else if (data && !json_is_object(data)) {
        e = fail(why, cap, SIG_ERR_INVALID_REQUEST, "\"data\" must be an object when present");
    } else {
        snprintf(req->method, sizeof req->method, "%s", json_string_value(method));
        req->data = data ? json_incref(data) : json_object();
    }
done:
    json_decref(root);
    return e;
}

void sig_request_clear(sig_request_t *req)
{
    json_decref(req->data);
    req->data = NULL;
}

static char *dump_and_free(json_t *msg)
{
    if (!msg)
        return NULL;
    char *s = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    return s;
}

char *sig_encode_ok(int64_t id, json_t *data)
{
    return dump_and_free(json_pack("{sIsbso}", "id", (json_int_t)id, "ok", 1, "data",
                                   data ? data : json_object()));
}

char *sig_encode_error(int64_t id, sig_error_t code, const char *message)
{
    json_t *jid = id >= 0 ? json_integer(id) : json_null();
    return dump_and_free(json_pack("{sosbs{ssss}}", "id", jid, "ok", 0, "error", "code",
                                   sig_error_code(code), "message", message ? message : ""));
}

char *sig_encode_event(const char *event, uint64_t seq, json_t *data)
{
    return dump_and_free(json_pack("{sssIso}", "event", event, "seq", (json_int_t)seq, "data",
                                   data ? data : json_object()));
}

int sig_get_string(json_t *data, const char *key, int required, size_t max_len,
                   const char **out, char *why, size_t cap)
{
    json_t *v = json_object_get(data, key);
    *out = NULL;
    if (!v) {
        if (!required)
            return 0;
        snprintf(why, cap, "\"%s\" is required", key);
        return -1;
    }
    if (!json_is_string(v)) {
        snprintf(why, cap, "\"%s\" must be a string", key);
        return -1;
    }
    if (json_string_length(v) > max_len) {
        snprintf(why, cap, "\"%s\" is longer than %zu bytes", key, max_len);
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

static int valid_name(const char *s, size_t max, int allow_space, const char *what, char *why,
                      size_t cap)
{
    size_t n = strlen(s);
    if (n == 0 || n > max) {
        snprintf(why, cap, "%s must be 1 to %zu characters", what, max);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.' || (allow_space && c == ' ') ||
                 (allow_space && c >= 0x80); /* UTF-8 letters in display names */
        if (!ok) {
            snprintf(why, cap, "%s may hold letters, digits, '-', '_', '.'%s only", what,
                     allow_space ? " and spaces" : "");
            return -1;
        }
    }
    if (s[0] == ' ' || s[n - 1] == ' ') {
        snprintf(why, cap, "%s must not start or end with a space", what);
        return -1;
    }
    return 0;
}

int sig_validate_room_name(const char *s, char *why, size_t cap)
{
    return valid_name(s, 64, 0, "room name", why, cap);
}

int sig_validate_display_name(const char *s, char *why, size_t cap)
{
    return valid_name(s, 64, 1, "display name", why, cap);
}
