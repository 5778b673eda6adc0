/*
 * Internal to datachannel/: the strict JSON helpers that chat_frame.c and
 * file_frame.c share. Every control-channel message is one JSON object with
 * a string "type"; unknown keys are ignored (so clients can add fields),
 * duplicate keys, wrong types and out-of-range values are errors.
 */
#ifndef SB_DC_CONTROL_JSON_H
#define SB_DC_CONTROL_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* String rules for dc_json_get_str. */
typedef enum dc_str_kind {
    DC_STR_TEXT,  /* any UTF-8 (jansson has validated it; no NUL) */
    DC_STR_TOKEN, /* printable ASCII 0x21..0x7e: ids */
    DC_STR_LINE,  /* UTF-8 without control characters: names */
} dc_str_kind_t;

/* Parses buf as one JSON object of at most max_len bytes. NULL and *err set
 * (DC_ETOOBIG, DC_EINVAL) on failure. Caller json_decref()s the result. */
json_t *dc_json_load(const uint8_t *buf, size_t len, size_t max_len, int *err);

/* The object's "type" string, or NULL if missing or not a string. */
const char *dc_json_type(const json_t *obj);

/*
 * Copies string member key into out (cap bytes, NUL-terminated) if its
 * length is 1..max bytes and it follows kind. A missing key is DC_EINVAL if
 * required, else out = "". Other failures: DC_EINVAL (not a string, empty,
 * bad characters), DC_ETOOBIG (longer than max). cap must exceed max.
 */
int dc_json_get_str(const json_t *obj, const char *key, bool required,
                    dc_str_kind_t kind, size_t max, char *out, size_t cap);

/* Length in bytes of the string member key, 0 if absent. Only valid after a
 * successful dc_json_get_str for the same key. */
size_t dc_json_str_len(const json_t *obj, const char *key);

/* Reads integer member key into *out if 0 <= value <= max. Missing: DC_EINVAL
 * if required, else *out = 0 and DC_OK. Real numbers are DC_EINVAL. */
int dc_json_get_u64(const json_t *obj, const char *key, bool required,
                    uint64_t max, uint64_t *out);

/* Adds key: value (a string) unless value is NULL or "". DC_ENOMEM/DC_EINVAL. */
int dc_json_put_str(json_t *obj, const char *key, const char *value);

/* Adds key: value (an integer). */
int dc_json_put_u64(json_t *obj, const char *key, uint64_t value);

/* Serialises obj compactly into buf, NUL-terminated; *len excludes the NUL.
 * DC_ENOSPC if buf is too small, DC_EINVAL if jansson fails. */
int dc_json_dump(const json_t *obj, char *buf, size_t cap, size_t *len);

/* True if s (NUL-terminated, len bytes) satisfies kind. */
bool dc_str_kind_ok(const char *s, size_t len, dc_str_kind_t kind);

#endif
