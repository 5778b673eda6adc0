/* Chat messages on the control channel: JSON codec with caps. */
#include "datachannel/chat_frame.h"

#include <stdlib.h>

#include "test.h"

#define DECODE(s, origin, m) dc_chat_decode((const uint8_t *)(s), strlen(s), (origin), (m))

TEST(decodes_client_message)
{
    dc_chat_msg_t m;
    ASSERT_EQ(DECODE("{\"type\":\"chat\",\"id\":\"c-1\",\"text\":\"hello\"}",
                     DC_FROM_CLIENT, &m), DC_OK);
    ASSERT_STR_EQ(m.id, "c-1");
    ASSERT_STR_EQ(m.text, "hello");
    ASSERT_EQ(m.text_len, 5);
    ASSERT_STR_EQ(m.to, "");
    ASSERT_STR_EQ(m.from, "");
}

TEST(decodes_private_message)
{
    dc_chat_msg_t m;
    ASSERT_EQ(DECODE("{\"type\":\"chat\",\"id\":\"c-2\",\"text\":\"psst\",\"to\":\"peer-7\"}",
                     DC_FROM_CLIENT, &m), DC_OK);
    ASSERT_STR_EQ(m.to, "peer-7");
}

TEST(client_cannot_set_sender)
{
    dc_chat_msg_t m;
    ASSERT_EQ(DECODE("{\"type\":\"chat\",\"id\":\"c\",\"text\":\"t\",\"from\":\"admin\","
                     "\"fromName\":\"Admin\",\"ts\":1}", DC_FROM_CLIENT, &m), DC_OK);
    ASSERT_STR_EQ(m.from, "");
    ASSERT_STR_EQ(m.from_name, "");
    ASSERT_EQ(m.ts_ms, 0);
}

TEST(decodes_server_message)
{
    dc_chat_msg_t m;
    ASSERT_EQ(DECODE("{\"type\":\"chat\",\"id\":\"c-1\",\"text\":\"h\\u00e9\\n\",\"from\":\"p1\","
                     "\"fromName\":\"Ann \\u00c9\",\"ts\":1700000000123,\"extra\":[1,2]}",
                     DC_FROM_SERVER, &m), DC_OK);
    ASSERT_STR_EQ(m.text, "h\xc3\xa9\n");
    ASSERT_EQ(m.text_len, 4);
    ASSERT_STR_EQ(m.from, "p1");
    ASSERT_STR_EQ(m.from_name, "Ann \xc3\x89");
    ASSERT_EQ(m.ts_ms, 1700000000123LL);
}

TEST(round_trips)
{
    dc_chat_msg_t in;
    memset(&in, 0, sizeof in);
    strcpy(in.id, "msg-42");
    strcpy(in.text, "quote \" backslash \\ tab \t emoji \xf0\x9f\x98\x80");
    strcpy(in.to, "peer-9");
    strcpy(in.from, "peer-1");
    strcpy(in.from_name, "Zo\xc3\xab");
    in.ts_ms = 1234567890123LL;
    for (int origin = 0; origin < 2; origin++) {
        char buf[512];
        size_t len = 0;
        ASSERT_EQ(dc_chat_encode(&in, (dc_origin_t)origin, buf, sizeof buf, &len), DC_OK);
        ASSERT_EQ(strlen(buf), len);
        dc_chat_msg_t out;
        ASSERT_EQ(dc_chat_decode((const uint8_t *)buf, len, (dc_origin_t)origin, &out), DC_OK);
        ASSERT_STR_EQ(out.id, in.id);
        ASSERT_STR_EQ(out.text, in.text);
        ASSERT_STR_EQ(out.to, in.to);
        if (origin == DC_FROM_SERVER) {
            ASSERT_STR_EQ(out.from, in.from);
            ASSERT_STR_EQ(out.from_name, in.from_name);
            ASSERT_EQ(out.ts_ms, in.ts_ms);
        } else {
            ASSERT_STR_EQ(out.from, ""); /* not written for the server */
        }
    }
}

TEST(encodes_exact_json)
{
    dc_chat_msg_t m;
    memset(&m, 0, sizeof m);
    strcpy(m.id, "a");
    strcpy(m.text, "hi");
    strcpy(m.from, "p");
    m.ts_ms = 5;
    char buf[128];
    size_t len;
    ASSERT_EQ(dc_chat_encode(&m, DC_FROM_SERVER, buf, sizeof buf, &len), DC_OK);
    ASSERT_STR_EQ(buf, "{\"type\":\"chat\",\"id\":\"a\",\"text\":\"hi\",\"from\":\"p\",\"ts\":5}");
    ASSERT_EQ(dc_chat_encode(&m, DC_FROM_SERVER, buf, len, &len), DC_ENOSPC); /* no room for NUL */
}

TEST(text_cap)
{
    size_t n = DC_CHAT_TEXT_MAX;
    char *json = malloc(n + 64);
    ASSERT_TRUE(json != NULL);
    int off = sprintf(json, "{\"type\":\"chat\",\"id\":\"x\",\"text\":\"");
    memset(json + off, 'a', n);
    strcpy(json + off + n, "\"}");
    dc_chat_msg_t m;
    int at_cap = DECODE(json, DC_FROM_CLIENT, &m);
    size_t got = m.text_len;
    memset(json + off, 'a', n + 1); /* one byte more */
    strcpy(json + off + n + 1, "\"}");
    int over = DECODE(json, DC_FROM_CLIENT, &m);
    free(json);
    ASSERT_EQ(at_cap, DC_OK);
    ASSERT_EQ(got, DC_CHAT_TEXT_MAX);
    ASSERT_EQ(over, DC_ETOOBIG);
}

TEST(message_size_cap)
{
    size_t n = DC_CONTROL_MSG_MAX + 1;
    char *json = malloc(n + 1);
    ASSERT_TRUE(json != NULL);
    memset(json, ' ', n); /* whitespace-padded but too long */
    memcpy(json, "{\"type\":\"chat\",\"id\":\"x\",\"text\":\"t\"}", 35);
    json[n] = '\0';
    dc_chat_msg_t m;
    int rc = DECODE(json, DC_FROM_CLIENT, &m);
    free(json);
    ASSERT_EQ(rc, DC_ETOOBIG);
}

/* Every row must fail with the given error. */
TEST(rejects_malformed)
{
    static const struct { const char *json; int origin; int err; } rows[] = {
        {"", 0, DC_EINVAL},                                        /* empty */
        {"{", 0, DC_EINVAL},                                       /* not JSON */
        {"[]", 0, DC_EINVAL},                                      /* not an object */
        {"\"chat\"", 0, DC_EINVAL},                                /* a string */
        {"{\"id\":\"a\",\"text\":\"t\"}", 0, DC_EINVAL},           /* no type */
        {"{\"type\":7,\"id\":\"a\",\"text\":\"t\"}", 0, DC_EINVAL}, /* type not string */
        {"{\"type\":\"file-offer\"}", 0, DC_EUNKNOWN},             /* another decoder's */
        {"{\"type\":\"chat\",\"text\":\"t\"}", 0, DC_EINVAL},      /* no id */
        {"{\"type\":\"chat\",\"id\":\"a\"}", 0, DC_EINVAL},        /* no text */
        {"{\"type\":\"chat\",\"id\":\"a\",\"text\":\"\"}", 0, DC_EINVAL},    /* empty text */
        {"{\"type\":\"chat\",\"id\":\"\",\"text\":\"t\"}", 0, DC_EINVAL},    /* empty id */
        {"{\"type\":\"chat\",\"id\":5,\"text\":\"t\"}", 0, DC_EINVAL},       /* id not string */
        {"{\"type\":\"chat\",\"id\":\"a b\",\"text\":\"t\"}", 0, DC_EINVAL}, /* space in id */
        {"{\"type\":\"chat\",\"id\":\"a\",\"text\":[\"t\"]}", 0, DC_EINVAL}, /* text array */
        {"{\"type\":\"chat\",\"id\":\"a\",\"text\":\"t\",\"to\":\"\"}", 0, DC_EINVAL}, /* empty to */
        {"{\"type\":\"chat\",\"id\":\"a\",\"text\":\"t\",\"to\":null}", 0, DC_EINVAL}, /* null to */
        {"{\"type\":\"chat\",\"id\":\"a\",\"text\":\"a\\u0000b\"}", 0, DC_EINVAL},     /* NUL */
        {"{\"type\":\"chat\",\"id\":\"a\",\"text\":\"\xff\"}", 0, DC_EINVAL},          /* bad UTF-8 */
        {"{\"type\":\"chat\",\"id\":\"a\",\"id\":\"b\",\"text\":\"t\"}", 0, DC_EINVAL}, /* duplicate */
        {"{\"type\":\"chat\",\"id\":\"0123456789012345678901234567890123456789"
         "012345678901234567890123456789\",\"text\":\"t\"}", 0, DC_ETOOBIG},         /* id 70 bytes */
        {"{\"type\":\"chat\",\"id\":\"a\",\"text\":\"t\",\"ts\":1}", 1, DC_EINVAL},  /* server: no from */
        {"{\"type\":\"chat\",\"id\":\"a\",\"text\":\"t\",\"from\":\"p\"}", 1, DC_EINVAL}, /* no ts */
        {"{\"type\":\"chat\",\"id\":\"a\",\"text\":\"t\",\"from\":\"p\",\"ts\":-1}", 1, DC_EINVAL},
        {"{\"type\":\"chat\",\"id\":\"a\",\"text\":\"t\",\"from\":\"p\",\"ts\":1.5}", 1, DC_EINVAL},
        {"{\"type\":\"chat\",\"id\":\"a\",\"text\":\"t\",\"from\":\"p\",\"ts\":1,"
         "\"fromName\":\"a\\nb\"}", 1, DC_EINVAL},                                  /* newline in name */
        {"{\"type\":\"chat\",\"id\":\"a\",\"text\":\"t\"} x", 0, DC_EINVAL},         /* trailing junk */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        dc_chat_msg_t m;
        int rc = DECODE(rows[i].json, (dc_origin_t)rows[i].origin, &m);
        if (rc != rows[i].err)
            fprintf(stderr, "row %zu: %s\n", i, rows[i].json);
        ASSERT_EQ(rc, rows[i].err);
        ASSERT_STR_EQ(m.id, ""); /* out is cleared on error */
    }
}

TEST(encoder_rejects_invalid)
{
    dc_chat_msg_t m;
    char buf[256];
    size_t len;
    memset(&m, 0, sizeof m);
    strcpy(m.text, "t");
    ASSERT_EQ(dc_chat_encode(&m, DC_FROM_CLIENT, buf, sizeof buf, &len), DC_EINVAL); /* no id */
    strcpy(m.id, "a");
    m.text[0] = '\0';
    ASSERT_EQ(dc_chat_encode(&m, DC_FROM_CLIENT, buf, sizeof buf, &len), DC_EINVAL); /* no text */
    strcpy(m.text, "\xff");
    ASSERT_EQ(dc_chat_encode(&m, DC_FROM_CLIENT, buf, sizeof buf, &len), DC_EINVAL); /* bad UTF-8 */
    strcpy(m.text, "t");
    ASSERT_EQ(dc_chat_encode(&m, DC_FROM_SERVER, buf, sizeof buf, &len), DC_EINVAL); /* no from */
    strcpy(m.from, "p");
    m.ts_ms = -5;
    ASSERT_EQ(dc_chat_encode(&m, DC_FROM_SERVER, buf, sizeof buf, &len), DC_EINVAL);
    m.ts_ms = 0;
    memset(m.text, 'a', sizeof m.text); /* not NUL-terminated */
    ASSERT_EQ(dc_chat_encode(&m, DC_FROM_SERVER, buf, sizeof buf, &len), DC_ETOOBIG);
    ASSERT_EQ(dc_chat_encode(NULL, DC_FROM_SERVER, buf, sizeof buf, &len), DC_EINVAL);
}

int main(void)
{
    RUN(decodes_client_message);
    RUN(decodes_private_message);
    RUN(client_cannot_set_sender);
    RUN(decodes_server_message);
    RUN(round_trips);
    RUN(encodes_exact_json);
    RUN(text_cap);
    RUN(message_size_cap);
    RUN(rejects_malformed);
    RUN(encoder_rejects_invalid);
    return TEST_REPORT();
}
