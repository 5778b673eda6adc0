/*
 * libFuzzer harness for rtp/rtp_packet.c: header parse, extension walk and
 * lookup, in-place id remapping, and keyframe detection for every codec.
 * Invariant violations abort so the fuzzer reports them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtp/rtp_packet.h"
#include "rtp/twcc.h"

static void check(int ok)
{
    if (!ok)
        abort();
}

static int walk_extensions(const rtp_packet_t *p)
{
    rtp_ext_iter_t it;
    rtp_ext_t e;
    int n = 0, rc;
    if (rtp_ext_iter_init(&it, p) < 0)
        return -1;
    while ((rc = rtp_ext_iter_next(&it, &e)) > 0) {
        check(e.offset >= p->ext_offset);
        check(e.offset + e.len <= p->ext_offset + p->ext_len);
        check(e.data == p->data + e.offset);
        n++;
    }
    return rc < 0 ? rc : n;
}

static void remap_copy(const uint8_t *data, size_t size, const rtp_packet_t *p)
{
    uint8_t map[256];
    for (unsigned i = 0; i < 256; i++)
        map[i] = (uint8_t)((i * 7 + 3) % 15); /* 0 strips, 1..14 fit one-byte */
    uint8_t *copy = malloc(size);
    if (!copy)
        return;
    memcpy(copy, data, size);
    int before = walk_extensions(p);
    int kept = rtp_ext_remap(copy, size, map);
    rtp_packet_t q;
    check(rtp_packet_parse(&q, copy, size) == 0);
    check(q.header_len == p->header_len && q.payload_len == p->payload_len);
    if (kept >= 0) {
        check(before >= kept);
        check(walk_extensions(&q) == kept);
        check(memcmp(copy + p->header_len, data + p->header_len, size - p->header_len) == 0);
    } else {
        check(memcmp(copy, data, size) == 0); /* untouched on error */
    }
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rtp_packet_t p;
    if (rtp_packet_parse(&p, data, size) == 0) {
        check(p.header_len + p.payload_len + p.padding_len == size);
        for (unsigned i = 0; i < p.csrc_count; i++)
            (void)rtp_packet_csrc(&p, i);
        walk_extensions(&p);
        rtp_ext_t e;
        uint16_t tw;
        if (size > 0 && rtp_packet_find_ext(&p, data[size - 1], &e) == 0)
            check(e.id == data[size - 1] && e.offset + e.len <= size);
        (void)rtp_twcc_seq_from_packet(&p, 3, &tw);
        remap_copy(data, size, &p);
        const uint8_t *payload = data + p.payload_offset;
        for (int c = RTP_CODEC_VP8; c <= RTP_CODEC_H264; c++)
            (void)rtp_is_keyframe((rtp_codec_t)c, payload, p.payload_len);
    }
    /* raw payload descriptors too: the bytes need not be an RTP packet */
    for (int c = RTP_CODEC_OTHER; c <= RTP_CODEC_H264; c++) {
        int k = rtp_is_keyframe((rtp_codec_t)c, data, size);
        check(k == 0 || k == 1 || k == RTP_ETRUNC || k == RTP_EINVAL);
    }
    return 0;
}
