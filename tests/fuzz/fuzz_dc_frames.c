/*
 * libFuzzer harness for the DataChannel application framing: chat messages,
 * file control messages, file chunks and file channel labels
 * (datachannel/chat_frame.c, file_frame.c). The first byte picks the decoder
 * and origin; whatever decodes must encode and decode back to the same value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "datachannel/chat_frame.h"
#include "datachannel/file_frame.h"

static void chat(const uint8_t *d, size_t n, dc_origin_t origin)
{
    static dc_chat_msg_t m, back;
    static char buf[DC_CONTROL_MSG_MAX * 7];
    size_t len;
    if (dc_chat_decode(d, n, origin, &m) != DC_OK)
        return;
    if (dc_chat_encode(&m, origin, buf, sizeof buf, &len) != DC_OK)
        abort();
    if (dc_chat_decode((const uint8_t *)buf, len, origin, &back) != DC_OK ||
        memcmp(&m, &back, sizeof m) != 0)
        abort();
}

static void file_ctrl(const uint8_t *d, size_t n, dc_origin_t origin)
{
    static dc_file_ctrl_t c, back;
    static char buf[DC_CONTROL_MSG_MAX];
    dc_file_limits_t lim = {.max_size = 1u << 20};
    size_t len;
    if (dc_file_ctrl_decode(d, n, &lim, origin, &c) != DC_OK)
        return;
    if (dc_file_ctrl_encode(&c, &lim, origin, buf, sizeof buf, &len) != DC_OK)
        abort();
    if (dc_file_ctrl_decode((const uint8_t *)buf, len, &lim, origin, &back) != DC_OK ||
        memcmp(&c, &back, sizeof c) != 0)
        abort();
}

static void chunk(const uint8_t *d, size_t n)
{
    static uint8_t buf[DC_FILE_CHUNK_MAX];
    dc_file_chunk_t c;
    size_t len;
    if (dc_file_chunk_parse(d, n, &c) < 0)
        return;
    if (dc_file_chunk_write(c.transfer_id, c.offset, c.data, c.len, buf,
                            sizeof buf, &len) != DC_OK ||
        len != n || memcmp(buf, d, n) != 0)
        abort();
    dc_file_rx_t rx;
    dc_file_rx_init(&rx, c.transfer_id, c.offset + c.len, c.offset);
    if (dc_file_rx_accept(&rx, &c) != 1)
        abort();
}

static void label(const uint8_t *d, size_t n)
{
    uint8_t id[DC_FILE_ID_LEN];
    char again[DC_FILE_LABEL_LEN + 1];
    if (dc_file_label_parse((const char *)d, n, id) != DC_OK)
        return;
    if (dc_file_label_write(id, again, sizeof again) != DC_OK ||
        strncasecmp(again, (const char *)d, n) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    dc_origin_t origin = (data[0] & 1) ? DC_FROM_SERVER : DC_FROM_CLIENT;
    switch ((data[0] >> 1) % 4) {
    case 0: chat(d, n, origin); break;
    case 1: file_ctrl(d, n, origin); break;
    case 2: chunk(d, n); break;
    default: label(d, n); break;
    }
    return 0;
}
