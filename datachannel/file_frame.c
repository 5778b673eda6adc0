/*
 * File transfer codec: JSON control messages and the binary chunk header
 * described in file_frame.h and datachannel/README.md.
 */
#include "datachannel/file_frame.h"

#include <string.h>

#include "datachannel/control_json.h"
#include "datachannel/dc_bytes.h"

static const char *const type_names[] = {
    [DC_FILE_OFFER] = "file-offer",     [DC_FILE_ACCEPT] = "file-accept",
    [DC_FILE_DECLINE] = "file-decline", [DC_FILE_CANCEL] = "file-cancel",
    [DC_FILE_PROGRESS] = "file-progress", [DC_FILE_DONE] = "file-done",
};

const char *dc_file_ctrl_type_name(dc_file_ctrl_type_t t)
{
    if ((int)t < DC_FILE_OFFER || (int)t > DC_FILE_DONE)
        return NULL;
    return type_names[t];
}

static int type_from_name(const char *s)
{
    for (int t = DC_FILE_OFFER; t <= DC_FILE_DONE; t++)
        if (strcmp(s, type_names[t]) == 0)
            return t;
    return DC_EUNKNOWN;
}

static uint64_t max_size(const dc_file_limits_t *limits)
{
    return limits && limits->max_size ? limits->max_size : DC_FILE_DEFAULT_MAX_SIZE;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int dc_file_id_from_hex(const char *hex, size_t len, uint8_t id[DC_FILE_ID_LEN])
{
    if (!hex || len != DC_FILE_ID_HEX_LEN)
        return DC_EINVAL;
    for (size_t i = 0; i < DC_FILE_ID_LEN; i++) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return DC_EINVAL;
        id[i] = (uint8_t)((hi << 4) | lo);
    }
    return DC_OK;
}

void dc_file_id_to_hex(const uint8_t id[DC_FILE_ID_LEN],
                       char out[DC_FILE_ID_HEX_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < DC_FILE_ID_LEN; i++) {
        out[2 * i] = digits[id[i] >> 4];
        out[2 * i + 1] = digits[id[i] & 0x0f];
    }
    out[DC_FILE_ID_HEX_LEN] = '\0';
}

int dc_file_label_write(const uint8_t id[DC_FILE_ID_LEN], char *buf, size_t cap)
{
    if (!id || !buf)
        return DC_EINVAL;
    if (cap < DC_FILE_LABEL_LEN + 1)
        return DC_ENOSPC;
    memcpy(buf, DC_FILE_LABEL_PREFIX, 5);
    dc_file_id_to_hex(id, buf + 5);
    return DC_OK;
}

int dc_file_label_parse(const char *label, size_t len, uint8_t id[DC_FILE_ID_LEN])
{
    if (!label || len != DC_FILE_LABEL_LEN ||
        memcmp(label, DC_FILE_LABEL_PREFIX, 5) != 0)
        return DC_EINVAL;
    return dc_file_id_from_hex(label + 5, DC_FILE_ID_HEX_LEN, id);
}

/* A name the receiver can offer as a download: one path component. */
static bool name_ok(const char *s, size_t len)
{
    if (len == 0 || !dc_str_kind_ok(s, len, DC_STR_LINE))
        return false;
    if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return false;
    return memchr(s, '/', len) == NULL && memchr(s, '\\', len) == NULL;
}

/* MIME types are printable ASCII; parameters may contain spaces. */
static bool mime_ok(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return false;
    return true;
}

/* Checks 64 hex digits and lowers them in place. */
static bool sha256_normalize(char *s)
{
    if (strlen(s) != DC_FILE_SHA256_HEX_LEN)
        return false;
    for (size_t i = 0; i < DC_FILE_SHA256_HEX_LEN; i++) {
        int v = hex_value(s[i]);
        if (v < 0)
            return false;
        s[i] = "0123456789abcdef"[v];
    }
    return true;
}

static int decode_offer(const json_t *o, uint64_t max, dc_file_ctrl_t *c)
{
    int rc;
    if ((rc = dc_json_get_str(o, "name", true, DC_STR_LINE, DC_FILE_NAME_MAX,
                              c->name, sizeof c->name)) < 0)
        return rc;
    if (!name_ok(c->name, strlen(c->name)))
        return DC_EINVAL;
    if ((rc = dc_json_get_u64(o, "size", true, max, &c->size)) < 0)
        return rc;
    if ((rc = dc_json_get_str(o, "mime", false, DC_STR_TEXT, DC_FILE_MIME_MAX,
                              c->mime, sizeof c->mime)) < 0)
        return rc;
    if (!mime_ok(c->mime, strlen(c->mime)))
        return DC_EINVAL;
    if ((rc = dc_json_get_str(o, "sha256", true, DC_STR_TOKEN,
                              DC_FILE_SHA256_HEX_LEN, c->sha256,
                              sizeof c->sha256)) < 0)
        return rc == DC_ETOOBIG ? DC_EINVAL : rc;
    if (!sha256_normalize(c->sha256))
        return DC_EINVAL;
    return dc_json_get_str(o, "to", false, DC_STR_TOKEN, DC_PEER_ID_MAX, c->to,
                           sizeof c->to);
}

static int decode_body(const json_t *o, uint64_t max, dc_origin_t origin,
                       dc_file_ctrl_t *c)
{
    char hex[DC_FILE_ID_HEX_LEN + 1];
    int rc = dc_json_get_str(o, "transferId", true, DC_STR_TOKEN,
                             DC_FILE_ID_HEX_LEN, hex, sizeof hex);
    if (rc < 0)
        return rc == DC_ETOOBIG ? DC_EINVAL : rc;
    if (dc_file_id_from_hex(hex, strlen(hex), c->transfer_id) < 0)
        return DC_EINVAL;
    if (origin == DC_FROM_SERVER &&
        (rc = dc_json_get_str(o, "from", true, DC_STR_TOKEN, DC_PEER_ID_MAX,
                              c->from, sizeof c->from)) < 0)
        return rc;
    switch (c->type) {
    case DC_FILE_OFFER:
        return decode_offer(o, max, c);
    case DC_FILE_ACCEPT:
    case DC_FILE_PROGRESS:
        rc = dc_json_get_u64(o, "offset", c->type == DC_FILE_PROGRESS, max,
                             &c->offset);
        return rc == DC_ETOOBIG ? DC_EINVAL : rc;
    case DC_FILE_DECLINE:
    case DC_FILE_CANCEL:
        return dc_json_get_str(o, "reason", false, DC_STR_LINE,
                               DC_FILE_REASON_MAX, c->reason, sizeof c->reason);
    case DC_FILE_DONE:
        return DC_OK;
    }
    return DC_EINVAL;
}

int dc_file_ctrl_decode(const uint8_t *buf, size_t len,
                        const dc_file_limits_t *limits, dc_origin_t origin,
                        dc_file_ctrl_t *out)
{
    if (!out)
        return DC_EINVAL;
    memset(out, 0, sizeof *out);
    int rc;
    json_t *o = dc_json_load(buf, len, DC_CONTROL_MSG_MAX, &rc);
    if (!o)
        return rc;
    const char *type = dc_json_type(o);
    rc = type ? type_from_name(type) : DC_EINVAL;
    if (rc > 0) {
        out->type = (dc_file_ctrl_type_t)rc;
        rc = decode_body(o, max_size(limits), origin, out);
    }
    json_decref(o);
    if (rc < 0)
        memset(out, 0, sizeof *out);
    return rc < 0 ? rc : DC_OK;
}

/* Field length within its array, or cap (meaning: not NUL-terminated). */
#define FIELD_LEN(f) strnlen((f), sizeof(f))

static int check_ctrl(const dc_file_ctrl_t *c, uint64_t max, dc_origin_t origin)
{
    if (!dc_file_ctrl_type_name(c->type))
        return DC_EINVAL;
    size_t from = FIELD_LEN(c->from), to = FIELD_LEN(c->to);
    if (origin == DC_FROM_SERVER &&
        (from == 0 || from > DC_PEER_ID_MAX || !dc_str_kind_ok(c->from, from, DC_STR_TOKEN)))
        return DC_EINVAL;
    if (to > DC_PEER_ID_MAX || !dc_str_kind_ok(c->to, to, DC_STR_TOKEN))
        return DC_EINVAL;
    size_t reason = FIELD_LEN(c->reason);
    if (reason > DC_FILE_REASON_MAX || !dc_str_kind_ok(c->reason, reason, DC_STR_LINE))
        return DC_EINVAL;
    if (c->offset > max)
        return DC_EINVAL;
    if (c->type != DC_FILE_OFFER)
        return DC_OK;
    size_t name = FIELD_LEN(c->name), mime = FIELD_LEN(c->mime);
    if (name > DC_FILE_NAME_MAX || !name_ok(c->name, name))
        return name > DC_FILE_NAME_MAX ? DC_ETOOBIG : DC_EINVAL;
    if (mime > DC_FILE_MIME_MAX || !mime_ok(c->mime, mime))
        return DC_EINVAL;
    if (c->size > max)
        return DC_ETOOBIG;
    char sha[DC_FILE_SHA256_HEX_LEN + 1];
    if (FIELD_LEN(c->sha256) != DC_FILE_SHA256_HEX_LEN)
        return DC_EINVAL;
    memcpy(sha, c->sha256, sizeof sha);
    return sha256_normalize(sha) ? DC_OK : DC_EINVAL;
}

static int put_body(json_t *o, const dc_file_ctrl_t *c, dc_origin_t origin)
{
    char hex[DC_FILE_ID_HEX_LEN + 1], sha[DC_FILE_SHA256_HEX_LEN + 1];
    int rc;
    dc_file_id_to_hex(c->transfer_id, hex);
    if ((rc = dc_json_put_str(o, "type", dc_file_ctrl_type_name(c->type))) < 0 ||
        (rc = dc_json_put_str(o, "transferId", hex)) < 0)
        return rc;
    if (origin == DC_FROM_SERVER && (rc = dc_json_put_str(o, "from", c->from)) < 0)
        return rc;
    switch (c->type) {
    case DC_FILE_OFFER:
        memcpy(sha, c->sha256, sizeof sha);
        sha256_normalize(sha);
        if ((rc = dc_json_put_str(o, "name", c->name)) < 0 ||
            (rc = dc_json_put_u64(o, "size", c->size)) < 0 ||
            (rc = dc_json_put_str(o, "mime", c->mime)) < 0 ||
            (rc = dc_json_put_str(o, "sha256", sha)) < 0)
            return rc;
        return dc_json_put_str(o, "to", c->to);
    case DC_FILE_ACCEPT:
    case DC_FILE_PROGRESS:
        return dc_json_put_u64(o, "offset", c->offset);
    case DC_FILE_DECLINE:
    case DC_FILE_CANCEL:
        return dc_json_put_str(o, "reason", c->reason);
    case DC_FILE_DONE:
        return DC_OK;
    }
    return DC_EINVAL;
}

int dc_file_ctrl_encode(const dc_file_ctrl_t *c, const dc_file_limits_t *limits,
                        dc_origin_t origin, char *buf, size_t cap, size_t *len)
{
    if (!c || !buf || !len)
        return DC_EINVAL;
    int rc = check_ctrl(c, max_size(limits), origin);
    if (rc < 0)
        return rc;
    json_t *o = json_object();
    if (!o)
        return DC_ENOMEM;
    rc = put_body(o, c, origin);
    if (rc == DC_OK)
        rc = dc_json_dump(o, buf, cap, len);
    json_decref(o);
    return rc;
}

int dc_file_chunk_parse(const uint8_t *buf, size_t len, dc_file_chunk_t *out)
{
    if (!buf || !out)
        return DC_EINVAL;
    if (len <= DC_FILE_CHUNK_HEADER_LEN)
        return DC_ETRUNC;
    if (buf[0] != DC_FILE_CHUNK_VERSION)
        return DC_EINVAL;
    size_t payload = len - DC_FILE_CHUNK_HEADER_LEN;
    if (payload > DC_FILE_CHUNK_PAYLOAD_MAX)
        return DC_ETOOBIG;
    uint64_t offset = dc_rd64(buf + 1 + DC_FILE_ID_LEN);
    if (offset > UINT64_MAX - payload)
        return DC_ETOOBIG;
    memcpy(out->transfer_id, buf + 1, DC_FILE_ID_LEN);
    out->offset = offset;
    out->data = buf + DC_FILE_CHUNK_HEADER_LEN;
    out->len = payload;
    return (int)len;
}

int dc_file_chunk_write(const uint8_t transfer_id[DC_FILE_ID_LEN],
                        uint64_t offset, const uint8_t *data, size_t data_len,
                        uint8_t *buf, size_t cap, size_t *len)
{
    if (!transfer_id || !data || !buf || !len || data_len == 0)
        return DC_EINVAL;
    if (data_len > DC_FILE_CHUNK_PAYLOAD_MAX || offset > UINT64_MAX - data_len)
        return DC_ETOOBIG;
    if (cap < DC_FILE_CHUNK_HEADER_LEN + data_len)
        return DC_ENOSPC;
    buf[0] = DC_FILE_CHUNK_VERSION;
    memcpy(buf + 1, transfer_id, DC_FILE_ID_LEN);
    dc_wr64(buf + 1 + DC_FILE_ID_LEN, offset);
    memcpy(buf + DC_FILE_CHUNK_HEADER_LEN, data, data_len);
    *len = DC_FILE_CHUNK_HEADER_LEN + data_len;
    return DC_OK;
}

void dc_file_rx_init(dc_file_rx_t *rx, const uint8_t id[DC_FILE_ID_LEN],
                     uint64_t size, uint64_t start_offset)
{
    memcpy(rx->transfer_id, id, DC_FILE_ID_LEN);
    rx->size = size;
    rx->next = start_offset < size ? start_offset : size;
}

int dc_file_rx_accept(dc_file_rx_t *rx, const dc_file_chunk_t *c)
{
    if (!rx || !c)
        return DC_EINVAL;
    if (memcmp(rx->transfer_id, c->transfer_id, DC_FILE_ID_LEN) != 0)
        return DC_ENOENT;
    if (c->offset != rx->next)
        return DC_EPROTO;
    if (c->len > rx->size - rx->next)
        return DC_ETOOBIG;
    rx->next += c->len;
    return rx->next == rx->size ? 1 : 0;
}
