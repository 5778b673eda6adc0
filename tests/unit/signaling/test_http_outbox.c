/* The HTTP carriers' outbox: numbering, bounds, exact drop-through. */
#include <stdlib.h>
#include <string.h>

#include "signaling/http_outbox.h"
#include "test.h"

static void push_str(sig_outbox_t *o, const char *s)
{
    sig_outbox_push(o, s, strlen(s));
}

TEST(numbers_messages_from_one_and_keeps_them_in_order)
{
    sig_outbox_t *o = sig_outbox_create(16, 1024);
    ASSERT_EQ(sig_outbox_last_n(o), 0);
    ASSERT_EQ(sig_outbox_first_n(o), 1); /* empty: last + 1 */
    push_str(o, "a");
    push_str(o, "bb");
    push_str(o, "ccc");
    ASSERT_EQ(sig_outbox_last_n(o), 3);
    ASSERT_EQ(sig_outbox_count(o), 3);
    ASSERT_EQ(sig_outbox_bytes(o), 6);
    ASSERT_STR_EQ(sig_outbox_get(o, 2)->text, "bb");
    ASSERT_EQ(sig_outbox_get(o, 3)->n, 3);
    ASSERT_TRUE(sig_outbox_get(o, 0) == NULL);
    ASSERT_TRUE(sig_outbox_get(o, 4) == NULL);
    sig_outbox_destroy(o);
}

TEST(drop_through_forgets_received_messages_only)
{
    sig_outbox_t *o = sig_outbox_create(16, 1024);
    push_str(o, "1");
    push_str(o, "2");
    push_str(o, "3");
    sig_outbox_drop_through(o, 2);
    ASSERT_EQ(sig_outbox_first_n(o), 3);
    ASSERT_EQ(sig_outbox_count(o), 1);
    ASSERT_TRUE(sig_outbox_get(o, 2) == NULL);
    ASSERT_STR_EQ(sig_outbox_get(o, 3)->text, "3");
    sig_outbox_drop_through(o, 1); /* older than what is held: nothing */
    ASSERT_EQ(sig_outbox_count(o), 1);
    sig_outbox_drop_through(o, 99);
    ASSERT_EQ(sig_outbox_count(o), 0);
    ASSERT_EQ(sig_outbox_first_n(o), 4);
    push_str(o, "4"); /* numbering continues */
    ASSERT_EQ(sig_outbox_get(o, 4)->n, 4);
    sig_outbox_destroy(o);
}

TEST(bounds_refuse_without_using_a_number)
{
    sig_outbox_t *o = sig_outbox_create(3, 10);
    ASSERT_EQ(sig_outbox_push(o, "12345", 5), 0);
    ASSERT_EQ(sig_outbox_push(o, "123456", 6), SIG_OUTBOX_EFULL); /* 11 bytes > 10 */
    ASSERT_EQ(sig_outbox_last_n(o), 1);
    ASSERT_EQ(sig_outbox_push(o, "a", 1), 0);
    ASSERT_EQ(sig_outbox_push(o, "b", 1), 0);
    ASSERT_EQ(sig_outbox_push(o, "c", 1), SIG_OUTBOX_EFULL); /* 4 messages > 3 */
    sig_outbox_drop_through(o, 1);
    ASSERT_EQ(sig_outbox_push(o, "c", 1), 0);
    ASSERT_EQ(sig_outbox_last_n(o), 4);
    sig_outbox_destroy(o);
}

TEST(ring_wraps_and_grows_without_reordering)
{
    sig_outbox_t *o = sig_outbox_create(1000, 1 << 20);
    char buf[16];
    uint64_t dropped = 0;
    for (int i = 1; i <= 500; i++) {
        snprintf(buf, sizeof buf, "m%d", i);
        push_str(o, buf);
        if (i % 3 == 0) /* keep a moving window so head wraps around */
            sig_outbox_drop_through(o, dropped += 2);
    }
    uint64_t first = sig_outbox_first_n(o);
    ASSERT_EQ(first, dropped + 1);
    for (uint64_t n = first; n <= 500; n++) {
        snprintf(buf, sizeof buf, "m%llu", (unsigned long long)n);
        ASSERT_STR_EQ(sig_outbox_get(o, n)->text, buf);
    }
    sig_outbox_clear(o);
    ASSERT_EQ(sig_outbox_bytes(o), 0);
    sig_outbox_destroy(o);
    sig_outbox_destroy(NULL);
}

int main(void)
{
    RUN(numbers_messages_from_one_and_keeps_them_in_order);
    RUN(drop_through_forgets_received_messages_only);
    RUN(bounds_refuse_without_using_a_number);
    RUN(ring_wraps_and_grows_without_reordering);
    return TEST_REPORT();
}
