/*
 * Strict JSON field access for the control-channel codecs (chat_frame.c,
 * file_frame.c). jansson validates UTF-8 and rejects \u0000 by default; we
 * add size caps, type checks and character rules per field.
 */
#include "datachannel/control_json.h"

#include <string.h>

#include "datachannel/dc_error.h"

json_t *dc_json_load(const uint8_t *buf, size_t len, size_t max_len, int *err)
{
    *err = DC_EINVAL;
    if (!buf || len == 0)
        return NULL;
    if (len > max_len) {
        *err = DC_ETOOBIG;
        return NULL;
    }
    json_error_t jerr;
    json_t *root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return NULL;
    if (!json_is_object(root)) {
        json_decref(root);
        return NULL;
    }
    *err = DC_OK;
    return root;
}

const char *dc_json_type(const json_t *obj)
{
    return json_string_value(json_object_get(obj, "type"));
}

bool dc_str_kind_ok(const char *s, size_t len, dc_str_kind_t kind)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0)
            return false;
        if (kind == DC_STR_TOKEN && (c < 0x21 || c > 0x7e))
            return false;
        if (kind == DC_STR_LINE && (c < 0x20 || c == 0x7f))
            return false;
    }
    return true;
}

int dc_json_get_str(const json_t *obj, const char *key, bool required,
                    dc_str_kind_t kind, size_t max, char *out, size_t cap)
{
    if (cap <= max)
        return DC_EINVAL;
    out[0] = '\0';
    json_t *v = json_object_get(obj, key);
    if (!v)
        return required ? DC_EINVAL : DC_OK;
    if (!json_is_string(v))
        return DC_EINVAL;
    size_t len = json_string_length(v);
    const char *s = json_string_value(v);
    if (len == 0)
        return DC_EINVAL;
    if (len > max)
        return DC_ETOOBIG;
    if (!dc_str_kind_ok(s, len, kind))
        return DC_EINVAL;
    memcpy(out, s, len);
    out[len] = '\0';
    return DC_OK;
}

size_t dc_json_str_len(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_length(v) : 0;
}

int dc_json_get_u64(const json_t *obj, const char *key, bool required,
                    uint64_t max, uint64_t *out)
{
    *out = 0;
    json_t *v = json_object_get(obj, key);
    if (!v)
        return required ? DC_EINVAL : DC_OK;
    if (!json_is_integer(v))
        return DC_EINVAL;
    json_int_t n = json_integer_value(v);
    if (n < 0)
        return DC_EINVAL;
    if ((uint64_t)n > max)
        return DC_ETOOBIG;
    *out = (uint64_t)n;
    return DC_OK;
}

int dc_json_put_str(json_t *obj, const char *key, const char *value)
{
    if (!value || !value[0])
        return DC_OK;
    json_t *s = json_string(value); /* NULL if value is not UTF-8 */
    if (!s)
        return DC_EINVAL;
    return json_object_set_new(obj, key, s) == 0 ? DC_OK : DC_ENOMEM;
}

int dc_json_put_u64(json_t *obj, const char *key, uint64_t value)
{
    if (value > (uint64_t)INT64_MAX)
        return DC_EINVAL;
    json_t *n = json_integer((json_int_t)value);
    if (!n)
        return DC_ENOMEM;
    return json_object_set_new(obj, key, n) == 0 ? DC_OK : DC_ENOMEM;
}

int dc_json_dump(const json_t *obj, char *buf, size_t cap, size_t *len)
{
    if (!buf || cap == 0)
        return DC_ENOSPC;
    /* json_dumpb writes at most cap - 1 bytes and returns the full size. */
    size_t need = json_dumpb(obj, buf, cap - 1, JSON_COMPACT);
    if (need == 0)
        return DC_EINVAL;
    if (need > cap - 1)
        return DC_ENOSPC;
    buf[need] = '\0';
    *len = need;
    return DC_OK;
}
