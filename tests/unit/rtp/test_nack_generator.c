/* Unit tests for rtp/nack_generator.c: gap detection, retry timing, recovery,
 * wraparound and resets. Time is a fake clock in microseconds. */
#include "test.h"

#include "rtp/nack_generator.h"

#define MS 1000

static rtp_nack_generator_t *make(size_t max_missing)
{
    rtp_nack_generator_config_t cfg;
    rtp_nack_generator_default_config(&cfg);
    cfg.max_missing = max_missing;
    cfg.first_delay_us = 10 * MS;
    cfg.retry_interval_us = 40 * MS;
    cfg.max_retries = 3;
    cfg.max_age_us = 1000 * MS;
    return rtp_nack_generator_create(&cfg);
}

TEST(no_gaps_nothing_to_do)
{
    rtp_nack_generator_t *g = rtp_nack_generator_create(NULL);
    uint16_t out[8];
    ASSERT_TRUE(g != NULL);
    for (uint16_t s = 0; s < 100; s++)
        ASSERT_EQ(rtp_nack_generator_on_packet(g, s, s * MS), 0);
    ASSERT_EQ(rtp_nack_generator_on_packet(g, 99, 100 * MS), 0); /* duplicate */
    ASSERT_EQ(rtp_nack_generator_poll(g, 200 * MS, out, 8), 0);
    ASSERT_EQ(rtp_nack_generator_next_timeout(g), INT64_MAX);
    rtp_nack_generator_destroy(g);
    rtp_nack_generator_destroy(NULL);
}

TEST(gap_is_nacked_after_delay_then_retried)
{
    rtp_nack_generator_t *g = make(512);
    uint16_t out[8];
    rtp_nack_generator_on_packet(g, 1, 0);
    ASSERT_EQ(rtp_nack_generator_on_packet(g, 5, 100 * MS), 0);
    ASSERT_EQ(rtp_nack_generator_missing(g), 3);
    ASSERT_EQ(rtp_nack_generator_next_timeout(g), 110 * MS);
    ASSERT_EQ(rtp_nack_generator_poll(g, 105 * MS, out, 8), 0); /* reorder grace */
    ASSERT_EQ(rtp_nack_generator_poll(g, 110 * MS, out, 8), 3);
    ASSERT_EQ(out[0], 2);
    ASSERT_EQ(out[1], 3);
    ASSERT_EQ(out[2], 4);
    ASSERT_EQ(rtp_nack_generator_poll(g, 120 * MS, out, 8), 0); /* too soon */
    ASSERT_EQ(rtp_nack_generator_next_timeout(g), 150 * MS);
    ASSERT_EQ(rtp_nack_generator_poll(g, 150 * MS, out, 8), 3);
    rtp_nack_generator_destroy(g);
}

TEST(recovered_packets_are_forgotten)
{
    rtp_nack_generator_t *g = make(512);
    uint16_t out[8];
    rtp_nack_generator_on_packet(g, 1, 0);
    rtp_nack_generator_on_packet(g, 5, 0);
    ASSERT_EQ(rtp_nack_generator_on_packet(g, 3, 5 * MS), 0); /* retransmission or reorder */
    ASSERT_EQ(rtp_nack_generator_missing(g), 2);
    ASSERT_EQ(rtp_nack_generator_poll(g, 10 * MS, out, 8), 2);
    ASSERT_EQ(out[0], 2);
    ASSERT_EQ(out[1], 4);
    rtp_nack_generator_on_packet(g, 2, 11 * MS);
    rtp_nack_generator_on_packet(g, 4, 12 * MS);
    ASSERT_EQ(rtp_nack_generator_missing(g), 0);
    ASSERT_EQ(rtp_nack_generator_given_up(g), 0);
    rtp_nack_generator_destroy(g);
}

TEST(gives_up_after_max_retries_and_max_age)
{
    rtp_nack_generator_t *g = make(512);
    uint16_t out[8];
    rtp_nack_generator_on_packet(g, 1, 0);
    rtp_nack_generator_on_packet(g, 3, 0); /* 2 missing */
    int64_t t = 0;
    int sent = 0;
    for (int i = 0; i < 20; i++, t += 40 * MS)
        sent += (int)rtp_nack_generator_poll(g, t + 10 * MS, out, 8);
    ASSERT_EQ(sent, 3);
    ASSERT_EQ(rtp_nack_generator_missing(g), 0);
    ASSERT_EQ(rtp_nack_generator_given_up(g), 1);

    rtp_nack_generator_set_retry_interval(g, 2000 * MS); /* only age can end it */
    rtp_nack_generator_on_packet(g, 5, 2000 * MS); /* 4 missing */
    ASSERT_EQ(rtp_nack_generator_poll(g, 2010 * MS, out, 8), 1);
    ASSERT_EQ(rtp_nack_generator_next_timeout(g), 3000 * MS + 1);
    ASSERT_EQ(rtp_nack_generator_poll(g, 3000 * MS + 1, out, 8), 0);
    ASSERT_EQ(rtp_nack_generator_missing(g), 0);
    ASSERT_EQ(rtp_nack_generator_given_up(g), 2);
    rtp_nack_generator_destroy(g);
}

TEST(wraparound)
{
    rtp_nack_generator_t *g = make(512);
    uint16_t out[8];
    rtp_nack_generator_on_packet(g, 65533, 0);
    ASSERT_EQ(rtp_nack_generator_on_packet(g, 2, 0), 0);
    ASSERT_EQ(rtp_nack_generator_poll(g, 10 * MS, out, 8), 4);
    ASSERT_EQ(out[0], 65534);
    ASSERT_EQ(out[1], 65535);
    ASSERT_EQ(out[2], 0);
    ASSERT_EQ(out[3], 1);
    rtp_nack_generator_on_packet(g, 65535, 11 * MS);
    rtp_nack_generator_on_packet(g, 0, 11 * MS);
    ASSERT_EQ(rtp_nack_generator_missing(g), 2);
    ASSERT_EQ(rtp_nack_generator_poll(g, 50 * MS, out, 8), 2);
    ASSERT_EQ(out[0], 65534);
    ASSERT_EQ(out[1], 1);
    rtp_nack_generator_destroy(g);
}

TEST(big_jump_resets_and_asks_for_keyframe)
{
    rtp_nack_generator_t *g = make(100);
    uint16_t out[8];
    rtp_nack_generator_on_packet(g, 10, 0);
    ASSERT_EQ(rtp_nack_generator_on_packet(g, 12, 0), 0); /* 11 missing */
    ASSERT_EQ(rtp_nack_generator_on_packet(g, 12 + 102, 0), RTP_NACK_KEYFRAME);
    ASSERT_EQ(rtp_nack_generator_missing(g), 0);
    ASSERT_EQ(rtp_nack_generator_on_packet(g, 12 + 104, 0), 0); /* tracking resumed */
    ASSERT_EQ(rtp_nack_generator_poll(g, 10 * MS, out, 8), 1);
    ASSERT_EQ(out[0], 12 + 103);
    /* once 115 is recovered, a jump of exactly max_missing gaps still fits */
    rtp_nack_generator_on_packet(g, 115, 15 * MS);
    ASSERT_EQ(rtp_nack_generator_on_packet(g, 116 + 101, 20 * MS), 0);
    ASSERT_EQ(rtp_nack_generator_missing(g), 100);
    rtp_nack_generator_destroy(g);
}

TEST(overflow_drops_oldest_gaps)
{
    rtp_nack_generator_t *g = make(4);
    uint16_t out[8];
    rtp_nack_generator_on_packet(g, 0, 0);
    ASSERT_EQ(rtp_nack_generator_on_packet(g, 4, 0), 0);                 /* 1 2 3 */
    ASSERT_EQ(rtp_nack_generator_on_packet(g, 8, 0), RTP_NACK_KEYFRAME); /* + 5 6 7 */
    ASSERT_EQ(rtp_nack_generator_missing(g), 4);
    ASSERT_EQ(rtp_nack_generator_given_up(g), 2);
    ASSERT_EQ(rtp_nack_generator_poll(g, 10 * MS, out, 8), 4);
    ASSERT_EQ(out[0], 3);
    ASSERT_EQ(out[3], 7);
    rtp_nack_generator_destroy(g);
}

TEST(backward_restart_needs_confirmation)
{
    rtp_nack_generator_t *g = make(100);
    uint16_t out[8];
    rtp_nack_generator_on_packet(g, 5000, 0);
    rtp_nack_generator_on_packet(g, 5002, 0); /* 5001 missing */
    ASSERT_EQ(rtp_nack_generator_on_packet(g, 10, 0), 0); /* stray: ignored */
    ASSERT_EQ(rtp_nack_generator_missing(g), 1);
    ASSERT_EQ(rtp_nack_generator_on_packet(g, 11, 0), 0); /* confirmed restart */
    ASSERT_EQ(rtp_nack_generator_missing(g), 0);
    ASSERT_EQ(rtp_nack_generator_on_packet(g, 13, 0), 0);
    ASSERT_EQ(rtp_nack_generator_poll(g, 10 * MS, out, 8), 1);
    ASSERT_EQ(out[0], 12);
    rtp_nack_generator_destroy(g);
}

TEST(poll_respects_cap_oldest_first)
{
    rtp_nack_generator_t *g = make(512);
    uint16_t out[2];
    rtp_nack_generator_on_packet(g, 0, 0);
    rtp_nack_generator_on_packet(g, 6, 0); /* 1..5 */
    ASSERT_EQ(rtp_nack_generator_poll(g, 10 * MS, out, 2), 2);
    ASSERT_EQ(out[0], 1);
    ASSERT_EQ(out[1], 2);
    ASSERT_EQ(rtp_nack_generator_poll(g, 10 * MS, out, 2), 2);
    ASSERT_EQ(out[0], 3);
    ASSERT_EQ(out[1], 4);
    ASSERT_EQ(rtp_nack_generator_poll(g, 10 * MS, out, 2), 1);
    ASSERT_EQ(out[0], 5);
    rtp_nack_generator_destroy(g);
}

TEST(rejects_bad_config)
{
    rtp_nack_generator_config_t cfg;
    rtp_nack_generator_default_config(&cfg);
    cfg.max_missing = 0;
    ASSERT_TRUE(rtp_nack_generator_create(&cfg) == NULL);
    rtp_nack_generator_default_config(&cfg);
    cfg.max_retries = 0;
    ASSERT_TRUE(rtp_nack_generator_create(&cfg) == NULL);
    rtp_nack_generator_default_config(&cfg);
    cfg.max_age_us = 0;
    ASSERT_TRUE(rtp_nack_generator_create(&cfg) == NULL);
}

int main(void)
{
    RUN(no_gaps_nothing_to_do);
    RUN(gap_is_nacked_after_delay_then_retried);
    RUN(recovered_packets_are_forgotten);
    RUN(gives_up_after_max_retries_and_max_age);
    RUN(wraparound);
    RUN(big_jump_resets_and_asks_for_keyframe);
    RUN(overflow_drops_oldest_gaps);
    RUN(backward_restart_needs_confirmation);
    RUN(poll_respects_cap_oldest_first);
    RUN(rejects_bad_config);
    return TEST_REPORT();
}
