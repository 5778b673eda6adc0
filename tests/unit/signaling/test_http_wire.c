/* HTTP carrier wire pieces: connection ids, SSE framing, CORS allowlist, poll bodies. */
#include <stdlib.h>
#include <string.h>

#include "signaling/http_wire.h"
#include "test.h"

TEST(connection_ids_are_22_to_64_url_safe_characters)
{
    ASSERT_TRUE(sig_http_cid_valid("0123456789abcdef0123456789abcdef")); /* 128-bit hex */
    ASSERT_TRUE(sig_http_cid_valid("AbCdEfGhIjKlMnOpQrSt-_"));           /* 22 base64url */
    ASSERT_TRUE(!sig_http_cid_valid("AbCdEfGhIjKlMnOpQrSt-"));           /* 21: too short */
    ASSERT_TRUE(!sig_http_cid_valid("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdefX"));
    ASSERT_TRUE(!sig_http_cid_valid("0123456789abcdef0123456789abcde/"));
    ASSERT_TRUE(!sig_http_cid_valid("0123456789abcdef 123456789abcdef"));
    ASSERT_TRUE(!sig_http_cid_valid(""));
    ASSERT_TRUE(!sig_http_cid_valid(NULL));
}

TEST(sse_frames_carry_id_event_and_one_data_line_per_line)
{
    char buf[256];
    size_t n = sig_sse_frame(buf, sizeof buf, 7, NULL, "{\"a\":1}", 7);
    ASSERT_STR_EQ(buf, "id: 7\ndata: {\"a\":1}\n\n");
    ASSERT_EQ(n, strlen(buf));
    sig_sse_frame(buf, sizeof buf, 0, "hello", "{}", 2);
    ASSERT_STR_EQ(buf, "event: hello\ndata: {}\n\n");
    /* CR, LF and CRLF all end a line: text can never end the frame early. */
    sig_sse_frame(buf, sizeof buf, 0, NULL, "a\nb\r\nc\rd", 8);
    ASSERT_STR_EQ(buf, "data: a\ndata: b\ndata: c\ndata: d\n\n");
    sig_sse_frame(buf, sizeof buf, 0, NULL, "a\n", 2);
    ASSERT_STR_EQ(buf, "data: a\ndata: \n\n");
    sig_sse_frame(buf, sizeof buf, 0, NULL, "", 0);
    ASSERT_STR_EQ(buf, "data: \n\n");
}

TEST(sse_frame_reports_the_size_it_needs)
{
    char small[8];
    size_t need = sig_sse_frame(NULL, 0, 123, NULL, "xyz", 3);
    ASSERT_EQ(need, strlen("id: 123\ndata: xyz\n\n"));
    ASSERT_EQ(sig_sse_frame(small, sizeof small, 123, NULL, "xyz", 3), need);
}

TEST(origin_allowlist_matches_whole_entries)
{
    const char *list = "https://app.example, http://localhost:3000";
    ASSERT_TRUE(sig_origin_listed(list, "https://app.example"));
    ASSERT_TRUE(sig_origin_listed(list, "HTTPS://APP.EXAMPLE"));
    ASSERT_TRUE(sig_origin_listed(list, "http://localhost:3000"));
    ASSERT_TRUE(!sig_origin_listed(list, "https://app.example.evil"));
    ASSERT_TRUE(!sig_origin_listed(list, "https://app.exampl"));
    ASSERT_TRUE(!sig_origin_listed("", "https://app.example"));
    ASSERT_TRUE(sig_origin_listed("*", "https://anything.example"));
    ASSERT_TRUE(!sig_origin_listed("*", ""));
    ASSERT_TRUE(sig_origin_is_host("http://127.0.0.1:8080", "127.0.0.1:8080"));
    ASSERT_TRUE(!sig_origin_is_host("http://127.0.0.1:8081", "127.0.0.1:8080"));
    ASSERT_TRUE(!sig_origin_is_host("null", "127.0.0.1:8080"));
}

TEST(poll_bodies_and_event_ids)
{
    char why[128];
    uint64_t after = 99;
    ASSERT_EQ(sig_poll_parse_after("{\"after\":42}", 12, &after, why, sizeof why), 0);
    ASSERT_EQ(after, 42);
    ASSERT_EQ(sig_poll_parse_after("", 0, &after, why, sizeof why), 0);
    ASSERT_EQ(after, 0);
    ASSERT_EQ(sig_poll_parse_after("{}", 2, &after, why, sizeof why), 0);
    ASSERT_EQ(sig_poll_parse_after("{\"after\":-1}", 12, &after, why, sizeof why), -1);
    ASSERT_EQ(sig_poll_parse_after("{\"after\":1.5}", 13, &after, why, sizeof why), -1);
    ASSERT_EQ(sig_poll_parse_after("[1]", 3, &after, why, sizeof why), -1);
    ASSERT_EQ(sig_poll_parse_after("nope", 4, &after, why, sizeof why), -1);
    ASSERT_EQ(sig_sse_parse_id("17"), 17);
    ASSERT_EQ(sig_sse_parse_id("1x"), 0);
    ASSERT_EQ(sig_sse_parse_id("99999999999999999999999"), 0);
    ASSERT_EQ(sig_sse_parse_id(NULL), 0);
}

int main(void)
{
    RUN(connection_ids_are_22_to_64_url_safe_characters);
    RUN(sse_frames_carry_id_event_and_one_data_line_per_line);
    RUN(sse_frame_reports_the_size_it_needs);
    RUN(origin_allowlist_matches_whole_entries);
    RUN(poll_bodies_and_event_ids);
    return TEST_REPORT();
}
