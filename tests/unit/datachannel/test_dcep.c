/*
 * DCEP codec (RFC 8832 §5), PPIDs (RFC 8831 §8), stream-id parity (RFC 8832
 * §6) and the UTF-8 check used for labels.
 */
#include "datachannel/dcep.h"

#include "test.h"

/* DATA_CHANNEL_OPEN for a reliable ordered channel "chat", protocol "json". */
static const uint8_t open_chat[] = {
    0x03,                   /* message type: DATA_CHANNEL_OPEN */
    0x00,                   /* channel type: RELIABLE */
    0x01, 0x00,             /* priority 256 (normal) */
    0x00, 0x00, 0x00, 0x00, /* reliability parameter: 0 for reliable */
    0x00, 0x04,             /* label length 4 */
    0x00, 0x04,             /* protocol length 4 */
    'c', 'h', 'a', 't',     /* label */
    'j', 's', 'o', 'n',     /* protocol */
};

/* Unordered, partially reliable by lifetime (3000 ms), empty protocol. */
static const uint8_t open_timed[] = {
    0x03,                   /* DATA_CHANNEL_OPEN */
    0x82,                   /* PARTIAL_RELIABLE_TIMED_UNORDERED */
    0x02, 0x00,             /* priority 512 (high) */
    0x00, 0x00, 0x0b, 0xb8, /* lifetime 3000 ms */
    0x00, 0x01,             /* label length 1 */
    0x00, 0x00,             /* protocol length 0 */
    'x',                    /* label */
};

TEST(parses_reliable_open)
{
    dc_dcep_open_t o;
    ASSERT_EQ(dc_dcep_message_type(open_chat, sizeof open_chat), DC_DCEP_OPEN);
    ASSERT_EQ(dc_dcep_parse_open(open_chat, sizeof open_chat, &o), sizeof open_chat);
    ASSERT_EQ(o.channel_type, DC_CHANNEL_RELIABLE);
    ASSERT_EQ(o.priority, DC_PRIORITY_NORMAL);
    ASSERT_EQ(o.reliability, 0);
    ASSERT_EQ(o.label_len, 4);
    ASSERT_MEM_EQ(o.label, "chat", 4);
    ASSERT_EQ(o.protocol_len, 4);
    ASSERT_MEM_EQ(o.protocol, "json", 4);
}

TEST(parses_partial_reliable_open)
{
    dc_dcep_open_t o;
    ASSERT_EQ(dc_dcep_parse_open(open_timed, sizeof open_timed, &o), sizeof open_timed);
    ASSERT_EQ(o.channel_type, DC_CHANNEL_PARTIAL_RELIABLE_TIMED_UNORDERED);
    ASSERT_EQ(o.priority, DC_PRIORITY_HIGH);
    ASSERT_EQ(o.reliability, 3000);
    ASSERT_EQ(o.protocol_len, 0);
    ASSERT_TRUE(dc_channel_type_unordered(o.channel_type));
    ASSERT_EQ(dc_channel_type_reliability(o.channel_type), DC_TIMED);
}

TEST(reliability_ignored_for_reliable_types)
{
    uint8_t b[sizeof open_chat];
    memcpy(b, open_chat, sizeof b);
    b[7] = 0x05; /* a sender that ignored "MUST be 0" */
    dc_dcep_open_t o;
    ASSERT_EQ(dc_dcep_parse_open(b, sizeof b, &o), sizeof b);
    ASSERT_EQ(o.reliability, 0);
}

TEST(channel_types)
{
    static const struct { uint8_t t; int valid, unordered, rel; } rows[] = {
        {0x00, 1, 0, DC_RELIABLE}, /* RELIABLE */
        {0x80, 1, 1, DC_RELIABLE}, /* RELIABLE_UNORDERED */
        {0x01, 1, 0, DC_REXMIT},   /* PARTIAL_RELIABLE_REXMIT */
        {0x81, 1, 1, DC_REXMIT},   /* ..._UNORDERED */
        {0x02, 1, 0, DC_TIMED},    /* PARTIAL_RELIABLE_TIMED */
        {0x82, 1, 1, DC_TIMED},    /* ..._UNORDERED */
        {0x03, 0, 0, 0},           /* unassigned */
        {0x7f, 0, 0, 0},           /* unassigned */
        {0xff, 0, 0, 0},           /* unassigned, unordered bit set */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        ASSERT_EQ(dc_channel_type_valid(rows[i].t), rows[i].valid);
        if (!rows[i].valid)
            continue;
        ASSERT_EQ(dc_channel_type_unordered(rows[i].t), rows[i].unordered);
        ASSERT_EQ(dc_channel_type_reliability(rows[i].t), rows[i].rel);
    }
}

TEST(open_round_trips)
{
    static const uint8_t types[] = {0x00, 0x80, 0x01, 0x81, 0x02, 0x82};
    for (size_t i = 0; i < sizeof types; i++) {
        dc_dcep_open_t in = {.channel_type = types[i], .priority = 1024,
                             .reliability = 7, .label = (const uint8_t *)"files/\xc3\xa9",
                             .label_len = 8, .protocol = (const uint8_t *)"p",
                             .protocol_len = 1};
        uint8_t buf[64];
        size_t len = 0;
        ASSERT_EQ(dc_dcep_write_open(&in, buf, sizeof buf, &len), DC_OK);
        ASSERT_EQ(len, dc_dcep_open_size(&in));
        dc_dcep_open_t out;
        ASSERT_EQ(dc_dcep_parse_open(buf, len, &out), len);
        ASSERT_EQ(out.channel_type, types[i]);
        ASSERT_EQ(out.priority, 1024);
        ASSERT_EQ(out.reliability, dc_channel_type_reliability(types[i]) ? 7 : 0);
        ASSERT_MEM_EQ(out.label, in.label, 8);
        ASSERT_MEM_EQ(out.protocol, "p", 1);
    }
}

TEST(writes_exact_bytes)
{
    dc_dcep_open_t in = {.channel_type = 0, .priority = 256,
                         .label = (const uint8_t *)"chat", .label_len = 4,
                         .protocol = (const uint8_t *)"json", .protocol_len = 4};
    uint8_t buf[sizeof open_chat];
    size_t len = 0;
    ASSERT_EQ(dc_dcep_write_open(&in, buf, sizeof buf, &len), DC_OK);
    ASSERT_EQ(len, sizeof open_chat);
    ASSERT_MEM_EQ(buf, open_chat, len);
    ASSERT_EQ(dc_dcep_write_open(&in, buf, sizeof buf - 1, &len), DC_ENOSPC);
    in.channel_type = 0x05;
    ASSERT_EQ(dc_dcep_write_open(&in, buf, sizeof buf, &len), DC_EINVAL);
    in.channel_type = 0;
    in.label = (const uint8_t *)"\xff\xfe\xfd\xfc";
    ASSERT_EQ(dc_dcep_write_open(&in, buf, sizeof buf, &len), DC_EINVAL);
}

TEST(ack)
{
    static const uint8_t ack[] = {0x02}; /* DATA_CHANNEL_ACK */
    uint8_t buf[1];
    size_t len = 0;
    ASSERT_EQ(dc_dcep_write_ack(buf, sizeof buf, &len), DC_OK);
    ASSERT_EQ(len, 1);
    ASSERT_MEM_EQ(buf, ack, 1);
    ASSERT_EQ(dc_dcep_write_ack(buf, 0, &len), DC_ENOSPC);
    ASSERT_EQ(dc_dcep_message_type(ack, 1), DC_DCEP_ACK);
    ASSERT_EQ(dc_dcep_parse_ack(ack, 1), 1);
}

TEST(rejects_malformed_ack)
{
    static const uint8_t two[] = {0x02, 0x00};  /* trailing byte */
    static const uint8_t open[] = {0x03};       /* not an ACK */
    ASSERT_EQ(dc_dcep_parse_ack(two, sizeof two), DC_EINVAL);
    ASSERT_EQ(dc_dcep_parse_ack(open, sizeof open), DC_EINVAL);
    ASSERT_EQ(dc_dcep_parse_ack(two, 0), DC_ETRUNC);
    ASSERT_EQ(dc_dcep_message_type(two, 0), DC_ETRUNC);
}

/* Each row is open_chat with one defect; every one must be an error. */
TEST(rejects_malformed_open)
{
    static const struct { size_t at; uint8_t value; size_t len; int err; } rows[] = {
        {0, 0x02, sizeof open_chat, DC_EINVAL},       /* type is ACK */
        {1, 0x03, sizeof open_chat, DC_EINVAL},       /* unknown channel type */
        {1, 0x7f, sizeof open_chat, DC_EINVAL},       /* unknown channel type */
        {9, 0x05, sizeof open_chat, DC_ETRUNC},       /* label length 5: short */
        {11, 0x05, sizeof open_chat, DC_ETRUNC},      /* protocol length 5 */
        {8, 0xff, sizeof open_chat, DC_ETRUNC},       /* label length 0xff04 */
        {9, 0x03, sizeof open_chat, DC_EINVAL},       /* lengths 3+4: 1 extra byte */
        {12, 0x00, sizeof open_chat, DC_EINVAL},      /* NUL in label */
        {13, 0xc0, sizeof open_chat, DC_EINVAL},      /* overlong UTF-8 lead */
        {17, 0xff, sizeof open_chat, DC_EINVAL},      /* 0xff in protocol */
        {0, 0x03, 11, DC_ETRUNC},                     /* header cut at 11 bytes */
        {0, 0x03, 19, DC_ETRUNC},                     /* protocol cut short */
        {0, 0x03, 0, DC_ETRUNC},                      /* empty */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        uint8_t b[sizeof open_chat];
        memcpy(b, open_chat, sizeof b);
        b[rows[i].at] = rows[i].value;
        dc_dcep_open_t o;
        int rc = dc_dcep_parse_open(b, rows[i].len, &o);
        if (rc != rows[i].err)
            fprintf(stderr, "row %zu\n", i);
        ASSERT_EQ(rc, rows[i].err);
    }
}

TEST(rejects_trailing_bytes)
{
    uint8_t b[sizeof open_chat + 1];
    memcpy(b, open_chat, sizeof open_chat);
    b[sizeof open_chat] = 'x';
    dc_dcep_open_t o;
    ASSERT_EQ(dc_dcep_parse_open(b, sizeof b, &o), DC_EINVAL);
}

TEST(ppids)
{
    static const struct { uint32_t ppid; int ok, dcep, str, partial, empty; } rows[] = {
        {50, 1, 1, 0, 0, 0}, /* WebRTC DCEP */
        {51, 1, 0, 1, 0, 0}, /* WebRTC String */
        {52, 1, 0, 0, 1, 0}, /* WebRTC Binary Partial (deprecated) */
        {53, 1, 0, 0, 0, 0}, /* WebRTC Binary */
        {54, 1, 0, 1, 1, 0}, /* WebRTC String Partial (deprecated) */
        {55, 0, 0, 0, 0, 0}, /* unassigned */
        {56, 1, 0, 1, 0, 1}, /* WebRTC String Empty */
        {57, 1, 0, 0, 0, 1}, /* WebRTC Binary Empty */
        {0, 0, 0, 0, 0, 0},  /* unspecified */
        {0x32000000, 0, 0, 0, 0, 0}, /* 50 in the wrong byte order */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        dc_ppid_info_t pi;
        int rc = dc_ppid_classify(rows[i].ppid, &pi);
        ASSERT_EQ(rc, rows[i].ok ? DC_OK : DC_EINVAL);
        if (!rows[i].ok)
            continue;
        ASSERT_EQ(pi.dcep, rows[i].dcep);
        ASSERT_EQ(pi.is_string, rows[i].str);
        ASSERT_EQ(pi.partial, rows[i].partial);
        ASSERT_EQ(pi.empty, rows[i].empty);
    }
    ASSERT_EQ(dc_ppid_for_message(true, 3), DC_PPID_STRING);
    ASSERT_EQ(dc_ppid_for_message(false, 3), DC_PPID_BINARY);
    ASSERT_EQ(dc_ppid_for_message(true, 0), DC_PPID_STRING_EMPTY);
    ASSERT_EQ(dc_ppid_for_message(false, 0), DC_PPID_BINARY_EMPTY);
}

TEST(stream_parity)
{
    /* DTLS client: even ids are ours, the peer (server) uses odd ones. */
    ASSERT_TRUE(dc_stream_id_is_local(0, false));
    ASSERT_TRUE(!dc_stream_id_is_local(1, false));
    ASSERT_EQ(dc_stream_id_check_remote(1, false), DC_OK);
    ASSERT_EQ(dc_stream_id_check_remote(2, false), DC_EPROTO);
    /* DTLS server: odd ids are ours. */
    ASSERT_TRUE(dc_stream_id_is_local(1, true));
    ASSERT_TRUE(!dc_stream_id_is_local(2, true));
    ASSERT_EQ(dc_stream_id_check_remote(0, true), DC_OK);
    ASSERT_EQ(dc_stream_id_check_remote(3, true), DC_EPROTO);
    /* 65535 is reserved for both. */
    ASSERT_TRUE(!dc_stream_id_is_local(65535, true));
    ASSERT_EQ(dc_stream_id_check_remote(65535, false), DC_EINVAL);
    ASSERT_EQ(dc_stream_id_check_remote(65534, true), DC_OK);
}

TEST(utf8)
{
    static const struct { const char *s; size_t len; int ok; } rows[] = {
        {"plain", 5, 1},
        {"\xc3\xa9", 2, 1},             /* é */
        {"\xe2\x82\xac", 3, 1},         /* € */
        {"\xf0\x9f\x98\x80", 4, 1},     /* U+1F600 */
        {"\xf4\x8f\xbf\xbf", 4, 1},     /* U+10FFFF, the last code point */
        {"a\0b", 3, 0},                 /* NUL */
        {"\xc0\xaf", 2, 0},             /* overlong '/' */
        {"\xe0\x80\xaf", 3, 0},         /* overlong, 3 bytes */
        {"\xf0\x80\x80\xaf", 4, 0},     /* overlong, 4 bytes */
        {"\xed\xa0\x80", 3, 0},         /* surrogate U+D800 */
        {"\xf4\x90\x80\x80", 4, 0},     /* U+110000 */
        {"\xc3", 1, 0},                 /* truncated */
        {"\xe2\x82", 2, 0},             /* truncated */
        {"\x80", 1, 0},                 /* lone continuation */
        {"\xc3\x28", 2, 0},             /* bad continuation */
        {"\xf5\x80\x80\x80", 4, 0},     /* lead byte above F4 */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (dc_utf8_valid((const uint8_t *)rows[i].s, rows[i].len) != rows[i].ok)
            fprintf(stderr, "utf8 row %zu\n", i);
        ASSERT_EQ(dc_utf8_valid((const uint8_t *)rows[i].s, rows[i].len), rows[i].ok);
    }
}

TEST(null_arguments)
{
    dc_dcep_open_t o;
    size_t len;
    ASSERT_EQ(dc_dcep_parse_open(NULL, 12, &o), DC_EINVAL);
    ASSERT_EQ(dc_dcep_parse_open(open_chat, sizeof open_chat, NULL), DC_EINVAL);
    ASSERT_EQ(dc_dcep_write_open(NULL, NULL, 0, &len), DC_EINVAL);
    ASSERT_STR_EQ(dc_strerror(DC_ETRUNC), "truncated input");
    ASSERT_STR_EQ(dc_strerror(-999), "unknown error");
}

int main(void)
{
    RUN(parses_reliable_open);
    RUN(parses_partial_reliable_open);
    RUN(reliability_ignored_for_reliable_types);
    RUN(channel_types);
    RUN(open_round_trips);
    RUN(writes_exact_bytes);
    RUN(ack);
    RUN(rejects_malformed_ack);
    RUN(rejects_malformed_open);
    RUN(rejects_trailing_bytes);
    RUN(ppids);
    RUN(stream_parity);
    RUN(utf8);
    RUN(null_arguments);
    return TEST_REPORT();
}
