/* The signaling protocol codec: envelope parsing, limits, encoders, names. */
#include <stdlib.h>
#include <string.h>

#include "signaling/protocol.h"
#include "test.h"

static sig_error_t parse(const char *text, sig_request_t *req)
{
    char why[160];
    return sig_request_parse(text, strlen(text), 1024, 8, req, why, sizeof why);
}

TEST(parses_a_request)
{
    sig_request_t req;
    ASSERT_EQ(parse("{\"id\":7,\"method\":\"join-room\",\"data\":{\"room\":\"r\"}}", &req), SIG_OK);
    ASSERT_EQ(req.id, 7);
    ASSERT_STR_EQ(req.method, "join-room");
    ASSERT_STR_EQ(json_string_value(json_object_get(req.data, "room")), "r");
    sig_request_clear(&req);
}

TEST(data_defaults_to_an_empty_object)
{
    sig_request_t req;
    ASSERT_EQ(parse("{\"id\":0,\"method\":\"ping\"}", &req), SIG_OK);
    ASSERT_TRUE(json_is_object(req.data));
    ASSERT_EQ(json_object_size(req.data), 0);
    sig_request_clear(&req);
}

TEST(envelope_errors_carry_the_id_when_readable)
{
    /* input                                         expected error              id */
    static const struct { const char *in; sig_error_t err; int64_t id; } rows[] = {
        {"nope",                                     SIG_ERR_BAD_JSON,           -1},
        {"",                                         SIG_ERR_BAD_JSON,           -1},
        {"{\"id\":1,\"method\":\"a\"",               SIG_ERR_BAD_JSON,           -1}, /* truncated */
        {"[1]",                                      SIG_ERR_INVALID_REQUEST,    -1},
        {"{\"method\":\"ping\"}",                    SIG_ERR_INVALID_REQUEST,    -1}, /* no id */
        {"{\"id\":-3,\"method\":\"ping\"}",          SIG_ERR_INVALID_REQUEST,    -1},
        {"{\"id\":1.5,\"method\":\"ping\"}",         SIG_ERR_INVALID_REQUEST,    -1},
        {"{\"id\":\"1\",\"method\":\"ping\"}",       SIG_ERR_INVALID_REQUEST,    -1},
        {"{\"id\":4}",                               SIG_ERR_INVALID_REQUEST,     4}, /* no method */
        {"{\"id\":4,\"method\":\"\"}",               SIG_ERR_INVALID_REQUEST,     4},
        {"{\"id\":4,\"method\":7}",                  SIG_ERR_INVALID_REQUEST,     4},
        {"{\"id\":4,\"method\":\"ping\",\"data\":[]}", SIG_ERR_INVALID_REQUEST,   4},
        {"{\"id\":4,\"id\":5,\"method\":\"ping\"}",  SIG_ERR_BAD_JSON,           -1}, /* duplicate key */
        {"{\"id\":4,\"method\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}", SIG_ERR_INVALID_REQUEST, 4},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        sig_request_t req;
        sig_error_t e = parse(rows[i].in, &req);
        if (e != rows[i].err || req.id != rows[i].id)
            fprintf(stderr, "row %zu: %s\n", i, rows[i].in);
        ASSERT_EQ(e, rows[i].err);
        ASSERT_EQ(req.id, rows[i].id);
        ASSERT_TRUE(req.data == NULL);
    }
}

TEST(size_and_depth_limits)
{
    sig_request_t req;
    char why[160];
    char big[2000];
    memset(big, ' ', sizeof big);
    ASSERT_EQ(sig_request_parse(big, sizeof big, 1024, 8, &req, why, sizeof why), SIG_ERR_TOO_LARGE);
    ASSERT_TRUE(strstr(why, "1024") != NULL);
    const char *deep = "{\"id\":1,\"method\":\"x\",\"data\":{\"a\":[[[[[[[[1]]]]]]]]}}";
    ASSERT_EQ(parse(deep, &req), SIG_ERR_TOO_DEEP);
    const char *ok = "{\"id\":1,\"method\":\"x\",\"data\":{\"a\":[[[[[[1]]]]]]}}";
    ASSERT_EQ(parse(ok, &req), SIG_OK);
    sig_request_clear(&req);
}

TEST(depth_scan_ignores_brackets_in_strings)
{
    /* text                                  limit  depth */
    ASSERT_EQ(sig_json_depth("{}", 2, 8), 1);
    ASSERT_EQ(sig_json_depth("[[[]]]", 6, 8), 3);
    ASSERT_EQ(sig_json_depth("{\"a\":\"[[[[\"}", 12, 8), 1);
    ASSERT_EQ(sig_json_depth("{\"a\":\"\\\"[[[\"}", 13, 8), 1); /* escaped quote */
    ASSERT_EQ(sig_json_depth("[[[[[[[[[[", 10, 4), 5);       /* stops at limit + 1 */
    ASSERT_EQ(sig_json_depth("]]]]", 4, 4), 0);
}

TEST(encoders_produce_the_envelope)
{
    char *ok = sig_encode_ok(3, json_pack("{si}", "x", 1));
    ASSERT_STR_EQ(ok, "{\"id\":3,\"ok\":true,\"data\":{\"x\":1}}");
    free(ok);
    char *err = sig_encode_error(-1, SIG_ERR_ROOM_FULL, "full");
    ASSERT_STR_EQ(err, "{\"id\":null,\"ok\":false,\"error\":{\"code\":\"room_full\",\"message\":\"full\"}}");
    free(err);
    char *ev = sig_encode_event("participant-joined", 42, NULL);
    ASSERT_STR_EQ(ev, "{\"event\":\"participant-joined\",\"seq\":42,\"data\":{}}");
    free(ev);
}

TEST(every_error_has_a_wire_name)
{
    for (int i = 1; i < SIG_ERR__COUNT; i++) {
        const char *code = sig_error_code((sig_error_t)i);
        ASSERT_TRUE(code != NULL && strlen(code) > 2);
        ASSERT_TRUE(strcmp(code, "internal_error") != 0 || i == SIG_ERR_INTERNAL);
    }
    ASSERT_STR_EQ(sig_error_code((sig_error_t)999), "internal_error");
}

TEST(name_validation)
{
    char why[128];
    /* room names: no spaces, 1..64 */
    ASSERT_EQ(sig_validate_room_name("standup-2026_11.a", why, sizeof why), 0);
    ASSERT_EQ(sig_validate_room_name("", why, sizeof why), -1);
    ASSERT_EQ(sig_validate_room_name("a b", why, sizeof why), -1);
    ASSERT_EQ(sig_validate_room_name("../x", why, sizeof why), -1);
    ASSERT_EQ(sig_validate_room_name("a/b", why, sizeof why), -1);
    char long_name[80];
    memset(long_name, 'a', 65);
    long_name[65] = '\0';
    ASSERT_EQ(sig_validate_room_name(long_name, why, sizeof why), -1);
    long_name[64] = '\0';
    ASSERT_EQ(sig_validate_room_name(long_name, why, sizeof why), 0);
    /* display names: spaces inside and UTF-8 letters allowed */
    ASSERT_EQ(sig_validate_display_name("Ana María", why, sizeof why), 0);
    ASSERT_EQ(sig_validate_display_name("สมชาย", why, sizeof why), 0);
    ASSERT_EQ(sig_validate_display_name(" Ana", why, sizeof why), -1);
    ASSERT_EQ(sig_validate_display_name("Ana ", why, sizeof why), -1);
    ASSERT_EQ(sig_validate_display_name("<b>", why, sizeof why), -1);
    ASSERT_EQ(sig_validate_display_name("a\nb", why, sizeof why), -1);
}

TEST(field_helper_checks_type_and_length)
{
    char why[128];
    const char *out;
    json_t *d = json_pack("{sssi}", "room", "abc", "n", 5);
    ASSERT_EQ(sig_get_string(d, "room", 1, 8, &out, why, sizeof why), 0);
    ASSERT_STR_EQ(out, "abc");
    ASSERT_EQ(sig_get_string(d, "room", 1, 2, &out, why, sizeof why), -1);
    ASSERT_EQ(sig_get_string(d, "n", 1, 8, &out, why, sizeof why), -1);
    ASSERT_EQ(sig_get_string(d, "missing", 1, 8, &out, why, sizeof why), -1);
    ASSERT_EQ(sig_get_string(d, "missing", 0, 8, &out, why, sizeof why), 0);
    ASSERT_TRUE(out == NULL);
    json_decref(d);
}

int main(void)
{
    RUN(parses_a_request);
    RUN(data_defaults_to_an_empty_object);
    RUN(envelope_errors_carry_the_id_when_readable);
    RUN(size_and_depth_limits);
    RUN(depth_scan_ignores_brackets_in_strings);
    RUN(encoders_produce_the_envelope);
    RUN(every_error_has_a_wire_name);
    RUN(name_validation);
    RUN(field_helper_checks_type_and_length);
    return TEST_REPORT();
}
