/*
 * libFuzzer harness for the DCEP codec (datachannel/dcep.c). Whatever parses
 * must write back to the same bytes (reliability zeroed for reliable types),
 * and the PPID / parity helpers must accept any input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "datachannel/dcep.h"

static void check_open_round_trip(const uint8_t *data, size_t size)
{
    dc_dcep_open_t o;
    int n = dc_dcep_parse_open(data, size, &o);
    if (n < 0)
        return;
    if ((size_t)n != size || dc_dcep_open_size(&o) != size)
        abort();
    uint8_t *out = malloc(size);
    size_t len = 0;
    if (!out)
        return;
    if (dc_dcep_write_open(&o, out, size, &len) != DC_OK || len != size)
        abort();
    /* Identical except the reliability field of reliable channel types. */
    if (memcmp(out, data, 4) != 0 || memcmp(out + 8, data + 8, size - 8) != 0)
        abort();
    if (dc_channel_type_reliability(o.channel_type) != DC_RELIABLE &&
        memcmp(out + 4, data + 4, 4) != 0)
        abort();
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int type = dc_dcep_message_type(data, size);
    if (type == DC_DCEP_ACK && dc_dcep_parse_ack(data, size) == 1 && size != 1)
        abort();
    check_open_round_trip(data, size);
    (void)dc_utf8_valid(data, size);
    if (size >= 4) {
        dc_ppid_info_t pi;
        uint32_t ppid = ((uint32_t)data[0] << 24) | ((uint32_t)data[1] << 16) |
                        ((uint32_t)data[2] << 8) | data[3];
        (void)dc_ppid_classify(ppid, &pi);
        uint16_t sid = (uint16_t)(((uint16_t)data[0] << 8) | data[1]);
        bool server = (data[2] & 1) != 0;
        if (dc_stream_id_is_local(sid, server) &&
            dc_stream_id_check_remote(sid, server) != DC_EPROTO)
            abort();
    }
    return 0;
}
