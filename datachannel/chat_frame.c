/*
 * Chat message codec: JSON <-> dc_chat_msg_t with the caps of chat_frame.h.
 */
#include "datachannel/chat_frame.h"

#include <string.h>

#include "datachannel/control_json.h"

static int decode_fields(const json_t *o, dc_origin_t origin, dc_chat_msg_t *out)
{
    int rc;
    uint64_t ts;
    if ((rc = dc_json_get_str(o, "id", true, DC_STR_TOKEN, DC_CHAT_ID_MAX,
                              out->id, sizeof out->id)) < 0)
        return rc;
    if ((rc = dc_json_get_str(o, "text", true, DC_STR_TEXT, DC_CHAT_TEXT_MAX,
                              out->text, sizeof out->text)) < 0)
        return rc;
    out->text_len = dc_json_str_len(o, "text");
    if ((rc = dc_json_get_str(o, "to", false, DC_STR_TOKEN, DC_PEER_ID_MAX,
                              out->to, sizeof out->to)) < 0)
        return rc;
    if (origin == DC_FROM_CLIENT)
        return DC_OK; /* from/fromName/ts are the server's to set */
    if ((rc = dc_json_get_str(o, "from", true, DC_STR_TOKEN, DC_PEER_ID_MAX,
                              out->from, sizeof out->from)) < 0)
        return rc;
    if ((rc = dc_json_get_str(o, "fromName", false, DC_STR_LINE,
                              DC_DISPLAY_NAME_MAX, out->from_name,
                              sizeof out->from_name)) < 0)
        return rc;
    if ((rc = dc_json_get_u64(o, "ts", true, (uint64_t)INT64_MAX, &ts)) < 0)
        return rc;
    out->ts_ms = (int64_t)ts;
    return DC_OK;
}

int dc_chat_decode(const uint8_t *buf, size_t len, dc_origin_t origin,
                   dc_chat_msg_t *out)
{
    if (!out)
        return DC_EINVAL;
    memset(out, 0, sizeof *out);
    int rc;
    json_t *o = dc_json_load(buf, len, DC_CONTROL_MSG_MAX, &rc);
    if (!o)
        return rc;
    const char *type = dc_json_type(o);
    if (!type)
        rc = DC_EINVAL;
    else if (strcmp(type, "chat") != 0)
        rc = DC_EUNKNOWN;
    else
        rc = decode_fields(o, origin, out);
    json_decref(o);
    if (rc < 0)
        memset(out, 0, sizeof *out);
    return rc;
}

/* The encoder enforces what the decoder will demand of its output. */
static int check_msg(const dc_chat_msg_t *m, dc_origin_t origin)
{
    size_t id = strnlen(m->id, sizeof m->id);
    size_t text = strnlen(m->text, sizeof m->text);
    size_t to = strnlen(m->to, sizeof m->to);
    if (id == 0 || id > DC_CHAT_ID_MAX || !dc_str_kind_ok(m->id, id, DC_STR_TOKEN))
        return DC_EINVAL;
    if (text == 0 || text > DC_CHAT_TEXT_MAX)
        return text ? DC_ETOOBIG : DC_EINVAL;
    if (to > DC_PEER_ID_MAX || !dc_str_kind_ok(m->to, to, DC_STR_TOKEN))
        return DC_EINVAL;
    if (origin == DC_FROM_CLIENT)
        return DC_OK;
    size_t from = strnlen(m->from, sizeof m->from);
    size_t name = strnlen(m->from_name, sizeof m->from_name);
    if (from == 0 || from > DC_PEER_ID_MAX ||
        !dc_str_kind_ok(m->from, from, DC_STR_TOKEN))
        return DC_EINVAL;
    if (name > DC_DISPLAY_NAME_MAX ||
        !dc_str_kind_ok(m->from_name, name, DC_STR_LINE))
        return DC_EINVAL;
    return m->ts_ms < 0 ? DC_EINVAL : DC_OK;
}

int dc_chat_encode(const dc_chat_msg_t *m, dc_origin_t origin, char *buf,
                   size_t cap, size_t *len)
{
    if (!m || !buf || !len)
        return DC_EINVAL;
    int rc = check_msg(m, origin);
    if (rc < 0)
        return rc;
    json_t *o = json_object();
    if (!o)
        return DC_ENOMEM;
    if ((rc = dc_json_put_str(o, "type", "chat")) < 0 ||
        (rc = dc_json_put_str(o, "id", m->id)) < 0 ||
        (rc = dc_json_put_str(o, "text", m->text)) < 0 ||
        (rc = dc_json_put_str(o, "to", m->to)) < 0)
        goto out;
    if (origin == DC_FROM_SERVER &&
        ((rc = dc_json_put_str(o, "from", m->from)) < 0 ||
         (rc = dc_json_put_str(o, "fromName", m->from_name)) < 0 ||
         (rc = dc_json_put_u64(o, "ts", (uint64_t)m->ts_ms)) < 0))
        goto out;
    rc = dc_json_dump(o, buf, cap, len);
out:
    json_decref(o);
    return rc;
}
