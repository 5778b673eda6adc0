/*
 * libFuzzer harness for the stateful parts of rtp/: the input is a script of
 * 6-byte operations driving one rewriter, NACK generator, NACK buffer and
 * TWCC recorder with a fake clock. Checked invariants:
 *   - every packet the rewriter forwards maps back to itself (reverse map);
 *   - every TWCC feedback built decodes back to the count it announced;
 *   - NACK buffer hits return what was stored for that seq.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtp/nack_buffer.h"
#include "rtp/nack_generator.h"
#include "rtp/rtp_rewriter.h"
#include "rtp/twcc.h"

static rtp_twcc_status_t statuses[65536];

static void check(int ok)
{
    if (!ok)
        abort();
}

typedef struct state {
    rtp_rewriter_t *rw;
    rtp_nack_generator_t *gen;
    rtp_nack_buffer_t *nb;
    rtp_twcc_t *twcc;
    int64_t now;
} state_t;

static void op_rewrite(state_t *s, uint8_t sel, uint16_t seq, uint16_t ts)
{
    uint32_t ssrc = 1000 + (sel >> 4) % 3, back_ssrc;
    uint16_t out_seq, back_seq;
    uint32_t out_ts;
    if (rtp_rewriter_map(s->rw, ssrc, seq, (uint32_t)ts * 90u, s->now, &out_seq, &out_ts) < 0)
        return;
    check(rtp_rewriter_reverse(s->rw, out_seq, &back_ssrc, &back_seq) == 0);
    check(back_ssrc == ssrc && back_seq == seq);
}

static void op_twcc_build(state_t *s, uint8_t sel)
{
    uint8_t buf[1500];
    size_t cap = 27 + (size_t)sel * 5;
    int n = rtp_twcc_build_feedback(s->twcc, s->now, buf, cap);
    check(n == 0 || n == RTP_ENOSPC || (n > 0 && (size_t)n <= cap && n % 4 == 0));
    if (n <= 0)
        return;
    rtcp_iter_t it;
    rtcp_packet_t p;
    rtcp_twcc_t hdr;
    rtcp_iter_init(&it, buf, (size_t)n);
    check(rtcp_iter_next(&it, &p) == n);
    int count = rtp_twcc_parse_feedback(&p, &hdr, statuses, 65536);
    check(count > 0 && count == hdr.status_count);
}

static void op_nack_buffer(state_t *s, int put, uint16_t seq, uint8_t len)
{
    uint8_t pkt[256];
    const uint8_t *got;
    size_t got_len;
    if (put) {
        memset(pkt, (uint8_t)seq, sizeof pkt);
        (void)rtp_nack_buffer_put(s->nb, seq, pkt, (size_t)len + 1, s->now);
        return;
    }
    if (rtp_nack_buffer_get(s->nb, seq, s->now, &got, &got_len) == 0) {
        check(got_len >= 1 && got_len <= 256);
        check(got[0] == (uint8_t)seq && got[got_len - 1] == (uint8_t)seq);
    }
}

static void run(state_t *s, const uint8_t *data, size_t size)
{
    for (size_t i = 0; i + 6 <= size; i += 6) {
        const uint8_t *b = data + i;
        uint16_t seq = (uint16_t)((b[1] << 8) | b[2]);
        uint16_t ts = (uint16_t)((b[3] << 8) | b[4]);
        uint16_t out[64];
        s->now += (int64_t)b[5] * 700;
        switch (b[0] & 0x0f) {
        case 0: case 1: case 2: op_rewrite(s, b[0], seq, ts); break;
        case 3: rtp_rewriter_mark_discontinuity(s->rw); break;
        case 4: case 5: (void)rtp_nack_generator_on_packet(s->gen, seq, s->now); break;
        case 6:
            check(rtp_nack_generator_poll(s->gen, s->now, out, b[1] % 64) <= b[1] % 64u);
            break;
        case 7: case 8: case 9: (void)rtp_twcc_on_packet(s->twcc, seq, s->now - b[3] * 100); break;
        case 10: op_twcc_build(s, b[4]); break;
        case 11: case 12: op_nack_buffer(s, 1, seq, b[3]); break;
        case 13: op_nack_buffer(s, 0, seq, b[3]); break;
        default: s->now += (int64_t)ts * 1000; break; /* a long silence */
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rtp_nack_generator_config_t cfg;
    rtp_nack_generator_default_config(&cfg);
    cfg.max_missing = 64;
    state_t s = {
        .rw = rtp_rewriter_create(0xabcdef, 90000, 65500, 0),
        .gen = rtp_nack_generator_create(&cfg),
        .nb = rtp_nack_buffer_create(64, 256, 1000000),
        .twcc = rtp_twcc_create(1, 2, 256),
        .now = 1000000,
    };
    if (s.rw && s.gen && s.nb && s.twcc)
        run(&s, data, size);
    rtp_rewriter_destroy(s.rw);
    rtp_nack_generator_destroy(s.gen);
    rtp_nack_buffer_destroy(s.nb);
    rtp_twcc_destroy(s.twcc);
    return 0;
}
