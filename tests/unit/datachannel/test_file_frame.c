/* File transfer framing: JSON control messages and the binary chunk header. */
#include "datachannel/file_frame.h"

#include "test.h"

#define ID_HEX "00112233445566778899aabbccddeeff"
#define SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define DECODE(s, lim, origin, c) \
    dc_file_ctrl_decode((const uint8_t *)(s), strlen(s), (lim), (origin), (c))

static const uint8_t id_bytes[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                     0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

/* A chunk carrying "abc" at offset 0x0102030405060708. */
static const uint8_t chunk_abc[] = {
    0x01,                                           /* version 1 */
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, /* transfer id, bytes 0-7 */
    0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, /* transfer id, bytes 8-15 */
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* offset, big-endian u64 */
    'a', 'b', 'c',                                  /* payload */
};

TEST(decodes_offer)
{
    dc_file_ctrl_t c;
    ASSERT_EQ(DECODE("{\"type\":\"file-offer\",\"transferId\":\"" ID_HEX "\",\"name\":"
                     "\"r\\u00e9sum\\u00e9.pdf\",\"size\":1048576,\"mime\":\"application/pdf\","
                     "\"sha256\":\"" SHA "\",\"to\":\"peer-2\"}", NULL, DC_FROM_CLIENT, &c), DC_OK);
    ASSERT_EQ(c.type, DC_FILE_OFFER);
    ASSERT_MEM_EQ(c.transfer_id, id_bytes, 16);
    ASSERT_STR_EQ(c.name, "r\xc3\xa9sum\xc3\xa9.pdf");
    ASSERT_EQ(c.size, 1048576);
    ASSERT_STR_EQ(c.mime, "application/pdf");
    ASSERT_STR_EQ(c.sha256, SHA);
    ASSERT_STR_EQ(c.to, "peer-2");
}

TEST(offer_normalises_hex)
{
    dc_file_ctrl_t c;
    ASSERT_EQ(DECODE("{\"type\":\"file-offer\",\"transferId\":\"00112233445566778899AABBCCDDEEFF\","
                     "\"name\":\"a\",\"size\":0,\"sha256\":\"E3B0C44298FC1C149AFBF4C8996FB924"
                     "27AE41E4649B934CA495991B7852B855\"}", NULL, DC_FROM_CLIENT, &c), DC_OK);
    ASSERT_MEM_EQ(c.transfer_id, id_bytes, 16);
    ASSERT_STR_EQ(c.sha256, SHA);
    ASSERT_STR_EQ(c.mime, "");
    ASSERT_EQ(c.size, 0);
}

TEST(decodes_each_type)
{
    static const struct { const char *json; int type; uint64_t offset; const char *reason; } rows[] = {
        {"{\"type\":\"file-accept\",\"transferId\":\"" ID_HEX "\"}", DC_FILE_ACCEPT, 0, ""},
        {"{\"type\":\"file-accept\",\"transferId\":\"" ID_HEX "\",\"offset\":16384}",
         DC_FILE_ACCEPT, 16384, ""},                                   /* resume */
        {"{\"type\":\"file-decline\",\"transferId\":\"" ID_HEX "\"}", DC_FILE_DECLINE, 0, ""},
        {"{\"type\":\"file-cancel\",\"transferId\":\"" ID_HEX "\",\"reason\":\"user\"}",
         DC_FILE_CANCEL, 0, "user"},
        {"{\"type\":\"file-progress\",\"transferId\":\"" ID_HEX "\",\"offset\":99}",
         DC_FILE_PROGRESS, 99, ""},
        {"{\"type\":\"file-done\",\"transferId\":\"" ID_HEX "\"}", DC_FILE_DONE, 0, ""},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        dc_file_ctrl_t c;
        ASSERT_EQ(DECODE(rows[i].json, NULL, DC_FROM_CLIENT, &c), DC_OK);
        ASSERT_EQ(c.type, rows[i].type);
        ASSERT_MEM_EQ(c.transfer_id, id_bytes, 16);
        ASSERT_EQ(c.offset, rows[i].offset);
        ASSERT_STR_EQ(c.reason, rows[i].reason);
    }
}

TEST(server_messages_need_from)
{
    dc_file_ctrl_t c;
    const char *no_from = "{\"type\":\"file-done\",\"transferId\":\"" ID_HEX "\"}";
    const char *with_from = "{\"type\":\"file-done\",\"transferId\":\"" ID_HEX "\",\"from\":\"p\"}";
    ASSERT_EQ(DECODE(no_from, NULL, DC_FROM_SERVER, &c), DC_EINVAL);
    ASSERT_EQ(DECODE(with_from, NULL, DC_FROM_SERVER, &c), DC_OK);
    ASSERT_STR_EQ(c.from, "p");
    ASSERT_EQ(DECODE(with_from, NULL, DC_FROM_CLIENT, &c), DC_OK);
    ASSERT_STR_EQ(c.from, ""); /* clients cannot claim a sender */
}

TEST(size_limit)
{
    dc_file_limits_t lim = {.max_size = 1000};
    dc_file_ctrl_t c;
    const char *at = "{\"type\":\"file-offer\",\"transferId\":\"" ID_HEX "\",\"name\":\"a\","
                     "\"size\":1000,\"sha256\":\"" SHA "\"}";
    const char *over = "{\"type\":\"file-offer\",\"transferId\":\"" ID_HEX "\",\"name\":\"a\","
                       "\"size\":1001,\"sha256\":\"" SHA "\"}";
    const char *dflt = "{\"type\":\"file-offer\",\"transferId\":\"" ID_HEX "\",\"name\":\"a\","
                       "\"size\":104857601,\"sha256\":\"" SHA "\"}";
    ASSERT_EQ(DECODE(at, &lim, DC_FROM_CLIENT, &c), DC_OK);
    ASSERT_EQ(DECODE(over, &lim, DC_FROM_CLIENT, &c), DC_ETOOBIG);
    ASSERT_EQ(DECODE(dflt, NULL, DC_FROM_CLIENT, &c), DC_ETOOBIG); /* 100 MiB + 1 */
}

TEST(round_trips)
{
    for (int t = DC_FILE_OFFER; t <= DC_FILE_DONE; t++) {
        dc_file_ctrl_t in, out;
        memset(&in, 0, sizeof in);
        in.type = (dc_file_ctrl_type_t)t;
        memcpy(in.transfer_id, id_bytes, 16);
        strcpy(in.from, "peer-1");
        if (t == DC_FILE_OFFER) {
            strcpy(in.name, "holiday \"photo\".jpg");
            strcpy(in.mime, "image/jpeg");
            strcpy(in.sha256, SHA);
            strcpy(in.to, "peer-2");
            in.size = 5 * 1024 * 1024;
        }
        if (t == DC_FILE_ACCEPT || t == DC_FILE_PROGRESS)
            in.offset = 65536;
        if (t == DC_FILE_CANCEL || t == DC_FILE_DECLINE)
            strcpy(in.reason, "busy");
        for (int origin = 0; origin < 2; origin++) {
            char buf[1024];
            size_t len;
            ASSERT_EQ(dc_file_ctrl_encode(&in, NULL, (dc_origin_t)origin, buf, sizeof buf, &len), DC_OK);
            ASSERT_EQ(dc_file_ctrl_decode((const uint8_t *)buf, len, NULL, (dc_origin_t)origin, &out), DC_OK);
            ASSERT_EQ(out.type, t);
            ASSERT_MEM_EQ(out.transfer_id, id_bytes, 16);
            ASSERT_STR_EQ(out.name, in.name);
            ASSERT_STR_EQ(out.mime, in.mime);
            ASSERT_STR_EQ(out.sha256, in.sha256);
            ASSERT_STR_EQ(out.to, in.to);
            ASSERT_STR_EQ(out.reason, in.reason);
            ASSERT_EQ(out.size, in.size);
            ASSERT_EQ(out.offset, in.offset);
            ASSERT_STR_EQ(out.from, origin == DC_FROM_SERVER ? "peer-1" : "");
        }
    }
}

TEST(encodes_exact_json)
{
    dc_file_ctrl_t c;
    memset(&c, 0, sizeof c);
    c.type = DC_FILE_PROGRESS;
    memcpy(c.transfer_id, id_bytes, 16);
    c.offset = 32768;
    char buf[256];
    size_t len;
    ASSERT_EQ(dc_file_ctrl_encode(&c, NULL, DC_FROM_CLIENT, buf, sizeof buf, &len), DC_OK);
    ASSERT_STR_EQ(buf, "{\"type\":\"file-progress\",\"transferId\":\"" ID_HEX "\",\"offset\":32768}");
    ASSERT_EQ(dc_file_ctrl_encode(&c, NULL, DC_FROM_CLIENT, buf, 10, &len), DC_ENOSPC);
}

/* Every row must fail with the given error. */
TEST(rejects_malformed_ctrl)
{
#define OFFER(fields) "{\"type\":\"file-offer\",\"transferId\":\"" ID_HEX "\"," fields "}"
    static const struct { const char *json; int err; } rows[] = {
        {"{\"type\":\"chat\",\"id\":\"a\",\"text\":\"t\"}", DC_EUNKNOWN},  /* chat's */
        {"{\"type\":\"file-bogus\",\"transferId\":\"" ID_HEX "\"}", DC_EUNKNOWN},
        {"{\"transferId\":\"" ID_HEX "\"}", DC_EINVAL},                     /* no type */
        {"{\"type\":\"file-done\"}", DC_EINVAL},                            /* no id */
        {"{\"type\":\"file-done\",\"transferId\":\"0011\"}", DC_EINVAL},    /* short id */
        {"{\"type\":\"file-done\",\"transferId\":\"" ID_HEX "00\"}", DC_EINVAL}, /* long id */
        {"{\"type\":\"file-done\",\"transferId\":\"g0112233445566778899aabbccddeeff\"}", DC_EINVAL},
        {"{\"type\":\"file-done\",\"transferId\":7}", DC_EINVAL},           /* id not string */
        {"{\"type\":\"file-progress\",\"transferId\":\"" ID_HEX "\"}", DC_EINVAL}, /* no offset */
        {"{\"type\":\"file-progress\",\"transferId\":\"" ID_HEX "\",\"offset\":-1}", DC_EINVAL},
        {"{\"type\":\"file-progress\",\"transferId\":\"" ID_HEX "\",\"offset\":\"1\"}", DC_EINVAL},
        {"{\"type\":\"file-progress\",\"transferId\":\"" ID_HEX "\",\"offset\":1e3}", DC_EINVAL},
        {"{\"type\":\"file-progress\",\"transferId\":\"" ID_HEX "\",\"offset\":104857601}", DC_EINVAL},
        {"{\"type\":\"file-cancel\",\"transferId\":\"" ID_HEX "\",\"reason\":\"a\\tb\"}", DC_EINVAL},
        {OFFER("\"size\":1,\"sha256\":\"" SHA "\""), DC_EINVAL},                     /* no name */
        {OFFER("\"name\":\"a\",\"sha256\":\"" SHA "\""), DC_EINVAL},                 /* no size */
        {OFFER("\"name\":\"a\",\"size\":1"), DC_EINVAL},                             /* no sha256 */
        {OFFER("\"name\":\"a\",\"size\":1,\"sha256\":\"abc\""), DC_EINVAL},          /* short */
        {OFFER("\"name\":\"a\",\"size\":1,\"sha256\":\"" SHA "0\""), DC_EINVAL},     /* long */
        {OFFER("\"name\":\"a\",\"size\":1,\"sha256\":\"z3b0c44298fc1c149afbf4c8996fb924"
               "27ae41e4649b934ca495991b7852b855\""), DC_EINVAL},                    /* not hex */
        {OFFER("\"name\":\"\",\"size\":1,\"sha256\":\"" SHA "\""), DC_EINVAL},       /* empty name */
        {OFFER("\"name\":\"../etc/passwd\",\"size\":1,\"sha256\":\"" SHA "\""), DC_EINVAL},
        {OFFER("\"name\":\"a\\\\b\",\"size\":1,\"sha256\":\"" SHA "\""), DC_EINVAL}, /* backslash */
        {OFFER("\"name\":\"..\",\"size\":1,\"sha256\":\"" SHA "\""), DC_EINVAL},
        {OFFER("\"name\":\"a\\nb\",\"size\":1,\"sha256\":\"" SHA "\""), DC_EINVAL},  /* newline */
        {OFFER("\"name\":\"a\",\"size\":-1,\"sha256\":\"" SHA "\""), DC_EINVAL},
        {OFFER("\"name\":\"a\",\"size\":1.5,\"sha256\":\"" SHA "\""), DC_EINVAL},
        {OFFER("\"name\":\"a\",\"size\":1,\"mime\":\"text/\\u00e9\",\"sha256\":\"" SHA "\""), DC_EINVAL},
        {OFFER("\"name\":\"a\",\"size\":1,\"sha256\":\"" SHA "\",\"to\":\"a b\""), DC_EINVAL},
        {"{\"type\":\"file-done\",\"transferId\":\"" ID_HEX "\",\"type\":\"file-done\"}", DC_EINVAL},
        {"not json", DC_EINVAL},
    };
#undef OFFER
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        dc_file_ctrl_t c;
        int rc = DECODE(rows[i].json, NULL, DC_FROM_CLIENT, &c);
        if (rc != rows[i].err)
            fprintf(stderr, "row %zu: %s\n", i, rows[i].json);
        ASSERT_EQ(rc, rows[i].err);
        ASSERT_EQ(c.type, 0); /* cleared on error */
    }
}

TEST(name_cap)
{
    char name[DC_FILE_NAME_MAX + 2];
    char json[1024];
    dc_file_ctrl_t c;
    memset(name, 'n', DC_FILE_NAME_MAX);
    name[DC_FILE_NAME_MAX] = '\0';
    snprintf(json, sizeof json, "{\"type\":\"file-offer\",\"transferId\":\"" ID_HEX "\","
             "\"name\":\"%s\",\"size\":1,\"sha256\":\"" SHA "\"}", name);
    ASSERT_EQ(DECODE(json, NULL, DC_FROM_CLIENT, &c), DC_OK);
    strcat(name, "n"); /* 256 bytes */
    snprintf(json, sizeof json, "{\"type\":\"file-offer\",\"transferId\":\"" ID_HEX "\","
             "\"name\":\"%s\",\"size\":1,\"sha256\":\"" SHA "\"}", name);
    ASSERT_EQ(DECODE(json, NULL, DC_FROM_CLIENT, &c), DC_ETOOBIG);
}

TEST(encoder_rejects_invalid)
{
    dc_file_ctrl_t c;
    char buf[512];
    size_t len;
    memset(&c, 0, sizeof c);
    ASSERT_EQ(dc_file_ctrl_encode(&c, NULL, DC_FROM_CLIENT, buf, sizeof buf, &len), DC_EINVAL); /* type 0 */
    c.type = DC_FILE_OFFER;
    strcpy(c.name, "a/b");
    strcpy(c.sha256, SHA);
    ASSERT_EQ(dc_file_ctrl_encode(&c, NULL, DC_FROM_CLIENT, buf, sizeof buf, &len), DC_EINVAL);
    strcpy(c.name, "ab");
    c.size = DC_FILE_DEFAULT_MAX_SIZE + 1;
    ASSERT_EQ(dc_file_ctrl_encode(&c, NULL, DC_FROM_CLIENT, buf, sizeof buf, &len), DC_ETOOBIG);
    c.size = 1;
    strcpy(c.sha256, "xyz");
    ASSERT_EQ(dc_file_ctrl_encode(&c, NULL, DC_FROM_CLIENT, buf, sizeof buf, &len), DC_EINVAL);
    strcpy(c.sha256, SHA);
    ASSERT_EQ(dc_file_ctrl_encode(&c, NULL, DC_FROM_SERVER, buf, sizeof buf, &len), DC_EINVAL); /* from */
    ASSERT_EQ(dc_file_ctrl_encode(&c, NULL, DC_FROM_CLIENT, buf, sizeof buf, &len), DC_OK);
    ASSERT_STR_EQ(dc_file_ctrl_type_name(DC_FILE_DONE), "file-done");
    ASSERT_TRUE(dc_file_ctrl_type_name((dc_file_ctrl_type_t)99) == NULL);
}

TEST(parses_chunk)
{
    dc_file_chunk_t ch;
    ASSERT_EQ(dc_file_chunk_parse(chunk_abc, sizeof chunk_abc, &ch), sizeof chunk_abc);
    ASSERT_MEM_EQ(ch.transfer_id, id_bytes, 16);
    ASSERT_EQ(ch.offset, 0x0102030405060708ULL);
    ASSERT_EQ(ch.len, 3);
    ASSERT_MEM_EQ(ch.data, "abc", 3);
}

TEST(writes_chunk)
{
    uint8_t buf[64];
    size_t len;
    ASSERT_EQ(dc_file_chunk_write(id_bytes, 0x0102030405060708ULL, (const uint8_t *)"abc",
                                  3, buf, sizeof buf, &len), DC_OK);
    ASSERT_EQ(len, sizeof chunk_abc);
    ASSERT_MEM_EQ(buf, chunk_abc, len);
    ASSERT_EQ(dc_file_chunk_write(id_bytes, 0, (const uint8_t *)"abc", 3, buf, 27, &len), DC_ENOSPC);
    ASSERT_EQ(dc_file_chunk_write(id_bytes, 0, (const uint8_t *)"abc", 0, buf, sizeof buf, &len), DC_EINVAL);
    ASSERT_EQ(dc_file_chunk_write(id_bytes, UINT64_MAX - 1, (const uint8_t *)"abc", 3, buf,
                                  sizeof buf, &len), DC_ETOOBIG);
}

TEST(chunk_payload_cap)
{
    static uint8_t big[DC_FILE_CHUNK_MAX + 1];
    static uint8_t payload[DC_FILE_CHUNK_PAYLOAD_MAX + 1];
    size_t len;
    dc_file_chunk_t ch;
    ASSERT_EQ(dc_file_chunk_write(id_bytes, 0, payload, DC_FILE_CHUNK_PAYLOAD_MAX, big,
                                  sizeof big, &len), DC_OK);
    ASSERT_EQ(len, DC_FILE_CHUNK_MAX);
    ASSERT_EQ(dc_file_chunk_parse(big, len, &ch), DC_FILE_CHUNK_MAX);
    ASSERT_EQ(ch.len, DC_FILE_CHUNK_PAYLOAD_MAX);
    ASSERT_EQ(dc_file_chunk_parse(big, len + 1, &ch), DC_ETOOBIG); /* 16 KiB + 1 */
    ASSERT_EQ(dc_file_chunk_write(id_bytes, 0, payload, DC_FILE_CHUNK_PAYLOAD_MAX + 1, big,
                                  sizeof big, &len), DC_ETOOBIG);
}

TEST(rejects_malformed_chunk)
{
    uint8_t b[sizeof chunk_abc];
    dc_file_chunk_t ch;
    ASSERT_EQ(dc_file_chunk_parse(chunk_abc, 25, &ch), DC_ETRUNC); /* header only */
    ASSERT_EQ(dc_file_chunk_parse(chunk_abc, 10, &ch), DC_ETRUNC); /* cut in id */
    ASSERT_EQ(dc_file_chunk_parse(chunk_abc, 0, &ch), DC_ETRUNC);
    memcpy(b, chunk_abc, sizeof b);
    b[0] = 0x02; /* unknown version */
    ASSERT_EQ(dc_file_chunk_parse(b, sizeof b, &ch), DC_EINVAL);
    memcpy(b, chunk_abc, sizeof b);
    memset(b + 17, 0xff, 8); /* offset UINT64_MAX: offset + 3 overflows */
    ASSERT_EQ(dc_file_chunk_parse(b, sizeof b, &ch), DC_ETOOBIG);
    ASSERT_EQ(dc_file_chunk_parse(NULL, 30, &ch), DC_EINVAL);
}

TEST(ids_and_labels)
{
    uint8_t id[16];
    char hex[33], label[64];
    dc_file_id_to_hex(id_bytes, hex);
    ASSERT_STR_EQ(hex, ID_HEX);
    ASSERT_EQ(dc_file_id_from_hex(hex, 32, id), DC_OK);
    ASSERT_MEM_EQ(id, id_bytes, 16);
    ASSERT_EQ(dc_file_id_from_hex(hex, 31, id), DC_EINVAL);
    ASSERT_EQ(dc_file_label_write(id_bytes, label, sizeof label), DC_OK);
    ASSERT_STR_EQ(label, "file:" ID_HEX);
    ASSERT_EQ(dc_file_label_parse(label, strlen(label), id), DC_OK);
    ASSERT_MEM_EQ(id, id_bytes, 16);
    ASSERT_EQ(dc_file_label_write(id_bytes, label, DC_FILE_LABEL_LEN), DC_ENOSPC);
    ASSERT_EQ(dc_file_label_parse("chat", 4, id), DC_EINVAL);
    ASSERT_EQ(dc_file_label_parse("fila:" ID_HEX, 37, id), DC_EINVAL);
}

TEST(receiver_checks_chunks)
{
    dc_file_rx_t rx;
    dc_file_chunk_t c = {.offset = 0, .data = (const uint8_t *)"abcdefghij", .len = 4};
    memcpy(c.transfer_id, id_bytes, 16);
    dc_file_rx_init(&rx, id_bytes, 10, 0);
    ASSERT_EQ(dc_file_rx_accept(&rx, &c), 0);          /* [0,4) */
    ASSERT_EQ(dc_file_rx_accept(&rx, &c), DC_EPROTO);  /* replay of offset 0 */
    c.offset = 8;
    ASSERT_EQ(dc_file_rx_accept(&rx, &c), DC_EPROTO);  /* gap */
    c.offset = 4;
    c.len = 7;
    ASSERT_EQ(dc_file_rx_accept(&rx, &c), DC_ETOOBIG); /* past size 10 */
    c.len = 6;
    c.transfer_id[0] ^= 1;
    ASSERT_EQ(dc_file_rx_accept(&rx, &c), DC_ENOENT);  /* other transfer */
    c.transfer_id[0] ^= 1;
    ASSERT_EQ(rx.next, 4);                             /* rejections left it alone */
    ASSERT_EQ(dc_file_rx_accept(&rx, &c), 1);          /* [4,10): complete */
    dc_file_rx_init(&rx, id_bytes, 10, 4);             /* resumed at 4 */
    ASSERT_EQ(dc_file_rx_accept(&rx, &c), 1);
}

int main(void)
{
    RUN(decodes_offer);
    RUN(offer_normalises_hex);
    RUN(decodes_each_type);
    RUN(server_messages_need_from);
    RUN(size_limit);
    RUN(round_trips);
    RUN(encodes_exact_json);
    RUN(rejects_malformed_ctrl);
    RUN(name_cap);
    RUN(encoder_rejects_invalid);
    RUN(parses_chunk);
    RUN(writes_chunk);
    RUN(chunk_payload_cap);
    RUN(rejects_malformed_chunk);
    RUN(ids_and_labels);
    RUN(receiver_checks_chunks);
    return TEST_REPORT();
}
