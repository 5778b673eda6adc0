/* Unit tests for rtp/rtp_packet.c: header parsing, extensions, setters and
 * keyframe detection. */
#include "test.h"

#include "rtp/rtp_packet.h"

/* RTP packet with a one-byte header extension block (RFC 8285 §4.2). */
static const uint8_t pkt_one_byte[] = {
    0x90, 0x60, 0x12, 0x34, /* V=2 P=0 X=1 CC=0 | M=0 PT=96 | seq 0x1234 */
    0x00, 0x00, 0x10, 0x00, /* timestamp 4096 */
    0xde, 0xad, 0xbe, 0xef, /* SSRC */
    0xbe, 0xde, 0x00, 0x02, /* profile 0xBEDE, 2 words of extension data */
    0x11, 0xab, 0xcd, 0x00, /* id 1 len 2 (ab cd), padding byte */
    0x30, 0x7f, 0x00, 0x00, /* id 3 len 1 (7f), two padding bytes */
    0x01, 0x02, 0x03,       /* payload */
};

/* Two CSRCs, marker, and 3 bytes of padding (RFC 3550 §5.1). */
static const uint8_t pkt_csrc_padding[] = {
    0xa2, 0xe0, 0xff, 0xff, /* V=2 P=1 X=0 CC=2 | M=1 PT=96 | seq 65535 */
    0xff, 0xff, 0xff, 0xff, /* timestamp 0xffffffff */
    0x01, 0x02, 0x03, 0x04, /* SSRC */
    0x11, 0x11, 0x11, 0x11, /* CSRC 0 */
    0x22, 0x22, 0x22, 0x22, /* CSRC 1 */
    0xaa, 0xbb,             /* payload */
    0x00, 0x00, 0x03,       /* padding, count 3 in the last byte */
};

/* Two-byte header extension block (RFC 8285 §4.3). */
static const uint8_t pkt_two_byte[] = {
    0x90, 0x6f, 0x00, 0x01, /* V=2 X=1 | PT=111 | seq 1 */
    0x00, 0x00, 0x00, 0x01, /* timestamp 1 */
    0x00, 0x00, 0x00, 0x02, /* SSRC 2 */
    0x10, 0x00, 0x00, 0x02, /* profile 0x1000 (appbits 0), 2 words */
    0x05, 0x00, 0xc8, 0x03, /* id 5 len 0 | id 200 len 3 ... */
    0x01, 0x02, 0x03, 0x00, /* ... data 01 02 03, padding */
    0xff,                   /* payload */
};

TEST(parse_one_byte_fixture)
{
    rtp_packet_t p;
    ASSERT_EQ(rtp_packet_parse(&p, pkt_one_byte, sizeof pkt_one_byte), 0);
    ASSERT_EQ(p.version, 2);
    ASSERT_EQ(p.padding, 0);
    ASSERT_EQ(p.extension, 1);
    ASSERT_EQ(p.csrc_count, 0);
    ASSERT_EQ(p.marker, 0);
    ASSERT_EQ(p.payload_type, 96);
    ASSERT_EQ(p.seq, 0x1234);
    ASSERT_EQ(p.timestamp, 4096);
    ASSERT_EQ(p.ssrc, 0xdeadbeefu);
    ASSERT_EQ(p.ext_profile, 0xbede);
    ASSERT_EQ(p.ext_offset, 16);
    ASSERT_EQ(p.ext_len, 8);
    ASSERT_EQ(p.header_len, 24);
    ASSERT_EQ(p.payload_offset, 24);
    ASSERT_EQ(p.payload_len, 3);
    ASSERT_EQ(p.data[p.payload_offset], 0x01);
}

TEST(parse_csrc_and_padding)
{
    rtp_packet_t p;
    ASSERT_EQ(rtp_packet_parse(&p, pkt_csrc_padding, sizeof pkt_csrc_padding), 0);
    ASSERT_EQ(p.padding, 1);
    ASSERT_EQ(p.marker, 1);
    ASSERT_EQ(p.csrc_count, 2);
    ASSERT_EQ(p.seq, 65535);
    ASSERT_EQ(p.timestamp, 0xffffffffu);
    ASSERT_EQ(rtp_packet_csrc(&p, 0), 0x11111111u);
    ASSERT_EQ(rtp_packet_csrc(&p, 1), 0x22222222u);
    ASSERT_EQ(rtp_packet_csrc(&p, 2), 0);
    ASSERT_EQ(p.header_len, 20);
    ASSERT_EQ(p.padding_len, 3);
    ASSERT_EQ(p.payload_len, 2);
    ASSERT_EQ(p.data[p.payload_offset + 1], 0xbb);
}

TEST(parse_rejects_truncated_headers)
{
    rtp_packet_t p;
    /* Every cut inside the header chain fails; cuts inside the payload parse. */
    for (size_t len = 0; len < 24; len++)
        ASSERT_EQ(rtp_packet_parse(&p, pkt_one_byte, len), RTP_ETRUNC);
    for (size_t len = 24; len <= sizeof pkt_one_byte; len++) {
        ASSERT_EQ(rtp_packet_parse(&p, pkt_one_byte, len), 0);
        ASSERT_EQ(p.payload_len, len - 24);
    }
    for (size_t len = 0; len < 20; len++)
        ASSERT_EQ(rtp_packet_parse(&p, pkt_csrc_padding, len), RTP_ETRUNC);
}

TEST(parse_rejects_bad_version_and_padding)
{
    uint8_t b[sizeof pkt_csrc_padding];
    rtp_packet_t p;
    memcpy(b, pkt_csrc_padding, sizeof b);
    b[0] = (uint8_t)((b[0] & 0x3f) | 0x40); /* version 1 */
    ASSERT_EQ(rtp_packet_parse(&p, b, sizeof b), RTP_EVERSION);

    memcpy(b, pkt_csrc_padding, sizeof b);
    b[sizeof b - 1] = 0; /* padding count 0 */
    ASSERT_EQ(rtp_packet_parse(&p, b, sizeof b), RTP_EINVAL);
    b[sizeof b - 1] = 6; /* more padding than payload (5 bytes) */
    ASSERT_EQ(rtp_packet_parse(&p, b, sizeof b), RTP_EINVAL);
    b[sizeof b - 1] = 5; /* all of the payload is padding: legal */
    ASSERT_EQ(rtp_packet_parse(&p, b, sizeof b), 0);
    ASSERT_EQ(p.payload_len, 0);
    /* P bit with no payload byte to hold the count */
    ASSERT_EQ(rtp_packet_parse(&p, b, 20), RTP_EINVAL);
    ASSERT_EQ(rtp_packet_parse(NULL, b, sizeof b), RTP_EINVAL);
}

TEST(find_one_byte_extensions)
{
    rtp_packet_t p;
    rtp_ext_t e;
    ASSERT_EQ(rtp_packet_parse(&p, pkt_one_byte, sizeof pkt_one_byte), 0);
    ASSERT_EQ(rtp_packet_find_ext(&p, 1, &e), 0);
    ASSERT_EQ(e.len, 2);
    ASSERT_EQ(e.offset, 17);
    ASSERT_EQ(e.data[0], 0xab);
    ASSERT_EQ(e.data[1], 0xcd);
    ASSERT_EQ(rtp_packet_find_ext(&p, 3, &e), 0);
    ASSERT_EQ(e.len, 1);
    ASSERT_EQ(e.data[0], 0x7f);
    ASSERT_EQ(rtp_packet_find_ext(&p, 2, &e), RTP_ENOENT);

    rtp_ext_iter_t it;
    int n = 0;
    ASSERT_EQ(rtp_ext_iter_init(&it, &p), 0);
    while (rtp_ext_iter_next(&it, &e) > 0)
        n++;
    ASSERT_EQ(n, 2);
}

TEST(find_two_byte_extensions)
{
    rtp_packet_t p;
    rtp_ext_t e;
    ASSERT_EQ(rtp_packet_parse(&p, pkt_two_byte, sizeof pkt_two_byte), 0);
    ASSERT_EQ(rtp_packet_find_ext(&p, 5, &e), 0);
    ASSERT_EQ(e.len, 0);
    ASSERT_EQ(rtp_packet_find_ext(&p, 200, &e), 0);
    ASSERT_EQ(e.len, 3);
    ASSERT_EQ(e.data[2], 0x03);
    ASSERT_EQ(rtp_packet_find_ext(&p, 1, &e), RTP_ENOENT);
}

TEST(extension_edge_cases)
{
    uint8_t b[sizeof pkt_one_byte];
    rtp_packet_t p;
    rtp_ext_t e;

    memcpy(b, pkt_one_byte, sizeof b);
    b[16] = 0x1f; /* id 1 claims 16 data bytes: runs past the 8-byte block */
    ASSERT_EQ(rtp_packet_parse(&p, b, sizeof b), 0);
    ASSERT_EQ(rtp_packet_find_ext(&p, 3, &e), RTP_ETRUNC);

    memcpy(b, pkt_one_byte, sizeof b);
    b[16] = 0xf0; /* id 15: stop processing the block */
    ASSERT_EQ(rtp_packet_parse(&p, b, sizeof b), 0);
    ASSERT_EQ(rtp_packet_find_ext(&p, 3, &e), RTP_ENOENT);

    memcpy(b, pkt_one_byte, sizeof b);
    b[12] = 0x12; /* unknown profile 0x12de: opaque, no elements */
    ASSERT_EQ(rtp_packet_parse(&p, b, sizeof b), 0);
    ASSERT_EQ(rtp_packet_find_ext(&p, 1, &e), RTP_ENOENT);

    ASSERT_EQ(rtp_packet_parse(&p, pkt_csrc_padding, sizeof pkt_csrc_padding), 0);
    ASSERT_EQ(rtp_packet_find_ext(&p, 1, &e), RTP_ENOENT); /* no X bit */

    uint8_t t[sizeof pkt_two_byte];
    memcpy(t, pkt_two_byte, sizeof t);
    t[19] = 0x09; /* id 200 claims 9 bytes, 5 remain in the block */
    ASSERT_EQ(rtp_packet_parse(&p, t, sizeof t), 0);
    ASSERT_EQ(rtp_packet_find_ext(&p, 200, &e), RTP_ETRUNC);
}

TEST(remap_one_byte_ids_and_strip)
{
    uint8_t b[sizeof pkt_one_byte];
    uint8_t map[256] = {0};
    memcpy(b, pkt_one_byte, sizeof b);
    map[1] = 5; /* renumber 1 -> 5 */
    map[3] = 0; /* strip 3 */
    ASSERT_EQ(rtp_ext_remap(b, sizeof b, map), 1);
    static const uint8_t want[] = {
        0x51, 0xab, 0xcd, 0x00, /* id 5 len 2, padding */
        0x00, 0x00, 0x00, 0x00, /* id 3 became padding */
    };
    ASSERT_MEM_EQ(b + 16, want, sizeof want);
    ASSERT_MEM_EQ(b, pkt_one_byte, 16);                 /* header untouched */
    ASSERT_MEM_EQ(b + 24, pkt_one_byte + 24, 3);        /* payload untouched */

    rtp_packet_t p;
    rtp_ext_t e;
    ASSERT_EQ(rtp_packet_parse(&p, b, sizeof b), 0);
    ASSERT_EQ(rtp_packet_find_ext(&p, 5, &e), 0);
    ASSERT_EQ(e.data[1], 0xcd);
    ASSERT_EQ(rtp_packet_find_ext(&p, 3, &e), RTP_ENOENT);
}

TEST(remap_rejects_ids_that_do_not_fit)
{
    uint8_t b[sizeof pkt_one_byte];
    uint8_t map[256] = {0};
    memcpy(b, pkt_one_byte, sizeof b);
    map[1] = 1;
    map[3] = 15; /* not a one-byte id */
    ASSERT_EQ(rtp_ext_remap(b, sizeof b, map), RTP_EINVAL);
    ASSERT_MEM_EQ(b, pkt_one_byte, sizeof b);
    ASSERT_EQ(rtp_ext_remap(b, sizeof b, NULL), RTP_EINVAL);
    ASSERT_EQ(rtp_ext_remap(b, 10, map), RTP_ETRUNC);
}

TEST(remap_two_byte_ids)
{
    uint8_t b[sizeof pkt_two_byte];
    uint8_t map[256] = {0};
    memcpy(b, pkt_two_byte, sizeof b);
    map[200] = 201;
    map[5] = 0;
    ASSERT_EQ(rtp_ext_remap(b, sizeof b, map), 1);
    static const uint8_t want[] = {
        0x00, 0x00, 0xc9, 0x03, /* id 5 stripped to padding | id 201 len 3 */
        0x01, 0x02, 0x03, 0x00,
    };
    ASSERT_MEM_EQ(b + 16, want, sizeof want);
}

TEST(setters_rewrite_in_place)
{
    uint8_t b[sizeof pkt_csrc_padding];
    rtp_packet_t p;
    memcpy(b, pkt_csrc_padding, sizeof b);
    ASSERT_EQ(rtp_set_ssrc(b, sizeof b, 0xcafebabe), 0);
    ASSERT_EQ(rtp_set_seq(b, sizeof b, 7), 0);
    ASSERT_EQ(rtp_set_timestamp(b, sizeof b, 0x01020304), 0);
    ASSERT_EQ(rtp_set_payload_type(b, sizeof b, 100), 0);
    ASSERT_EQ(rtp_set_payload_type(b, sizeof b, 128), RTP_EINVAL);
    ASSERT_EQ(rtp_packet_parse(&p, b, sizeof b), 0);
    ASSERT_EQ(p.ssrc, 0xcafebabeu);
    ASSERT_EQ(p.seq, 7);
    ASSERT_EQ(p.timestamp, 0x01020304u);
    ASSERT_EQ(p.payload_type, 100);
    ASSERT_EQ(p.marker, 1); /* kept */
    ASSERT_EQ(rtp_set_marker(b, sizeof b, 0), 0);
    ASSERT_EQ(b[1], 100);
    ASSERT_EQ(rtp_set_seq(b, 11, 1), RTP_ETRUNC);
    ASSERT_EQ(rtp_set_ssrc(NULL, 12, 1), RTP_ETRUNC);
}

TEST(seq_diff_wraps)
{
    ASSERT_EQ(rtp_seq_diff(1, 65535), 2);
    ASSERT_EQ(rtp_seq_diff(65535, 1), -2);
    ASSERT_EQ(rtp_seq_diff(100, 100), 0);
    ASSERT_EQ(rtp_seq_diff(0x8000, 0), -32768);
    ASSERT_EQ(rtp_seq_diff(0x7fff, 0), 32767);
}

TEST(vp8_keyframes)
{
    static const uint8_t key[] = {0x10, 0x50, 0x9d, 0x01, 0x2a}; /* S=1 PID=0 | P=0 */
    static const uint8_t delta[] = {0x10, 0x51};                 /* P=1 */
    static const uint8_t cont[] = {0x00, 0x50};                  /* S=0 */
    static const uint8_t ext_key[] = {
        0x90,       /* X=1 S=1 PID=0 */
        0xe0,       /* I L T present */
        0x80, 0x01, /* M=1: 15-bit picture id */
        0x05,       /* TL0PICIDX */
        0x20,       /* TID|Y|KEYIDX */
        0x50,       /* VP8 payload header, P=0 */
    };
    ASSERT_EQ(rtp_is_keyframe(RTP_CODEC_VP8, key, sizeof key), 1);
    ASSERT_EQ(rtp_is_keyframe(RTP_CODEC_VP8, delta, sizeof delta), 0);
    ASSERT_EQ(rtp_is_keyframe(RTP_CODEC_VP8, cont, sizeof cont), 0);
    ASSERT_EQ(rtp_is_keyframe(RTP_CODEC_VP8, ext_key, sizeof ext_key), 1);
    for (size_t n = 0; n < sizeof ext_key; n++)
        ASSERT_EQ(rtp_is_keyframe(RTP_CODEC_VP8, ext_key, n), RTP_ETRUNC);
    ASSERT_EQ(rtp_is_keyframe(RTP_CODEC_VP8, key, 1), RTP_ETRUNC);
}

TEST(vp9_keyframes)
{
    static const uint8_t key[] = {0x88, 0x81, 0x23};       /* I B | 15-bit pic id */
    static const uint8_t inter[] = {0xc8, 0x05};           /* I P B */
    static const uint8_t mid[] = {0x80, 0x05};             /* I, not frame start */
    static const uint8_t layer0[] = {0xa8, 0x05, 0x00, 0x07}; /* I L B | pic | SID 0 | TL0 */
    static const uint8_t layer1[] = {0xa8, 0x05, 0x02, 0x07}; /* SID 1 */
    ASSERT_EQ(rtp_is_keyframe(RTP_CODEC_VP9, key, sizeof key), 1);
    ASSERT_EQ(rtp_is_keyframe(RTP_CODEC_VP9, inter, sizeof inter), 0);
    ASSERT_EQ(rtp_is_keyframe(RTP_CODEC_VP9, mid, sizeof mid), 0);
    ASSERT_EQ(rtp_is_keyframe(RTP_CODEC_VP9, layer0, sizeof layer0), 1);
    ASSERT_EQ(rtp_is_keyframe(RTP_CODEC_VP9, layer1, sizeof layer1), 0);
    ASSERT_EQ(rtp_is_keyframe(RTP_CODEC_VP9, key, 2), RTP_ETRUNC);
    ASSERT_EQ(rtp_is_keyframe(RTP_CODEC_VP9, layer0, 2), RTP_ETRUNC);
    ASSERT_EQ(rtp_is_keyframe(RTP_CODEC_VP9, key, 0), RTP_ETRUNC);
}

TEST(h264_keyframes)
{
    static const uint8_t idr[] = {0x65, 0x88};   /* NAL type 5 */
    static const uint8_t slice[] = {0x41, 0x9a}; /* NAL type 1 */
    static const uint8_t sps[] = {0x67, 0x42};   /* NAL type 7 */
    static const uint8_t stap_key[] = {
        0x78,                   /* STAP-A */
        0x00, 0x02, 0x09, 0xf0, /* size 2: access unit delimiter */
        0x00, 0x03, 0x67, 0x42, 0x00, /* size 3: SPS */
    };
    static const uint8_t stap_plain[] = {0x78, 0x00, 0x02, 0x41, 0x00};
    static const uint8_t stap_cut[] = {0x78, 0x00, 0x05, 0x67};   /* size past end */
    static const uint8_t stap_zero[] = {0x78, 0x00, 0x00, 0x67};  /* zero-size unit */
    static const uint8_t fu_start_idr[] = {0x7c, 0x85, 0x00}; /* FU-A, S=1, type 5 */
    static const uint8_t fu_mid_idr[] = {0x7c, 0x05, 0x00};   /* S=0 */
    static const uint8_t fu_start_p[] = {0x7c, 0x81, 0x00};   /* type 1 */
    ASSERT_EQ(rtp_is_keyframe(RTP_CODEC_H264, idr, sizeof idr), 1);
    ASSERT_EQ(rtp_is_keyframe(RTP_CODEC_H264, slice, sizeof slice), 0);
    ASSERT_EQ(rtp_is_keyframe(RTP_CODEC_H264, sps, sizeof sps), 1);
    ASSERT_EQ(rtp_is_keyframe(RTP_CODEC_H264, stap_key, sizeof stap_key), 1);
    ASSERT_EQ(rtp_is_keyframe(RTP_CODEC_H264, stap_plain, sizeof stap_plain), 0);
    ASSERT_EQ(rtp_is_keyframe(RTP_CODEC_H264, stap_cut, sizeof stap_cut), RTP_ETRUNC);
    ASSERT_EQ(rtp_is_keyframe(RTP_CODEC_H264, stap_zero, sizeof stap_zero), RTP_EINVAL);
    ASSERT_EQ(rtp_is_keyframe(RTP_CODEC_H264, fu_start_idr, sizeof fu_start_idr), 1);
    ASSERT_EQ(rtp_is_keyframe(RTP_CODEC_H264, fu_mid_idr, sizeof fu_mid_idr), 0);
    ASSERT_EQ(rtp_is_keyframe(RTP_CODEC_H264, fu_start_p, sizeof fu_start_p), 0);
    ASSERT_EQ(rtp_is_keyframe(RTP_CODEC_H264, fu_start_idr, 1), RTP_ETRUNC);
    ASSERT_EQ(rtp_is_keyframe(RTP_CODEC_H264, idr, 0), RTP_ETRUNC);
    ASSERT_EQ(rtp_is_keyframe(RTP_CODEC_OTHER, idr, sizeof idr), RTP_EINVAL);
}

TEST(error_strings)
{
    ASSERT_STR_EQ(rtp_strerror(RTP_OK), "ok");
    ASSERT_STR_EQ(rtp_strerror(RTP_ETRUNC), "truncated packet");
    ASSERT_STR_EQ(rtp_strerror(-999), "unknown error");
}

int main(void)
{
    RUN(parse_one_byte_fixture);
    RUN(parse_csrc_and_padding);
    RUN(parse_rejects_truncated_headers);
    RUN(parse_rejects_bad_version_and_padding);
    RUN(find_one_byte_extensions);
    RUN(find_two_byte_extensions);
    RUN(extension_edge_cases);
    RUN(remap_one_byte_ids_and_strip);
    RUN(remap_rejects_ids_that_do_not_fit);
    RUN(remap_two_byte_ids);
    RUN(setters_rewrite_in_place);
    RUN(seq_diff_wraps);
    RUN(vp8_keyframes);
    RUN(vp9_keyframes);
    RUN(h264_keyframes);
    RUN(error_strings);
    return TEST_REPORT();
}
