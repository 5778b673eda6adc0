/* The session replay ring: bounded, ordered, exact replay after a given seq. */
#include <stdlib.h>
#include <string.h>

#include "signaling/replay_ring.h"
#include "test.h"

typedef struct {
    uint64_t seqs[64];
    char texts[64][16];
    int n;
} seen_t;

static void collect(void *ctx, uint64_t seq, const char *text)
{
    seen_t *s = ctx;
    s->seqs[s->n] = seq;
    snprintf(s->texts[s->n], sizeof s->texts[0], "%s", text);
    s->n++;
}

static char *text_for(uint64_t seq)
{
    char *t = malloc(16);
    snprintf(t, 16, "ev%llu", (unsigned long long)seq);
    return t;
}

TEST(empty_ring_replays_nothing_from_zero)
{
    sig_replay_ring_t *r = sig_replay_ring_create(4);
    seen_t s = {0};
    ASSERT_EQ(sig_replay_ring_replay(r, 0, collect, &s), 0);
    ASSERT_EQ(s.n, 0);
    ASSERT_EQ(sig_replay_ring_replay(r, 1, collect, &s), -1); /* from the future */
    sig_replay_ring_destroy(r);
}

TEST(replays_exactly_the_events_after_seq_in_order)
{
    sig_replay_ring_t *r = sig_replay_ring_create(8);
    for (uint64_t seq = 1; seq <= 5; seq++)
        ASSERT_EQ(sig_replay_ring_push(r, seq, text_for(seq)), 0);
    seen_t s = {0};
    ASSERT_EQ(sig_replay_ring_replay(r, 2, collect, &s), 3);
    ASSERT_EQ(s.n, 3);
    ASSERT_EQ(s.seqs[0], 3);
    ASSERT_EQ(s.seqs[2], 5);
    ASSERT_STR_EQ(s.texts[0], "ev3");
    ASSERT_STR_EQ(s.texts[2], "ev5");
    seen_t none = {0};
    ASSERT_EQ(sig_replay_ring_replay(r, 5, collect, &none), 0); /* up to date */
    sig_replay_ring_destroy(r);
}

TEST(full_ring_drops_oldest_and_reports_gaps)
{
    sig_replay_ring_t *r = sig_replay_ring_create(4);
    for (uint64_t seq = 1; seq <= 10; seq++)
        ASSERT_EQ(sig_replay_ring_push(r, seq, text_for(seq)), 0);
    ASSERT_EQ(sig_replay_ring_count(r), 4);
    ASSERT_EQ(sig_replay_ring_last_seq(r), 10);
    seen_t s = {0};
    ASSERT_EQ(sig_replay_ring_replay(r, 6, collect, &s), 4); /* 7..10 still held */
    ASSERT_EQ(s.seqs[0], 7);
    ASSERT_STR_EQ(s.texts[3], "ev10");
    seen_t gap = {0};
    ASSERT_EQ(sig_replay_ring_replay(r, 5, collect, &gap), -1); /* 6 was dropped */
    ASSERT_EQ(gap.n, 0);
    sig_replay_ring_destroy(r);
}

TEST(rejects_out_of_order_push)
{
    sig_replay_ring_t *r = sig_replay_ring_create(4);
    char *t = text_for(2);
    ASSERT_EQ(sig_replay_ring_push(r, 2, t), -1);
    free(t); /* ownership stays with the caller on failure */
    ASSERT_EQ(sig_replay_ring_push(r, 1, text_for(1)), 0);
    t = text_for(1);
    ASSERT_EQ(sig_replay_ring_push(r, 1, t), -1);
    free(t);
    sig_replay_ring_destroy(r);
}

TEST(wraps_many_times)
{
    sig_replay_ring_t *r = sig_replay_ring_create(3);
    for (uint64_t seq = 1; seq <= 1000; seq++)
        ASSERT_EQ(sig_replay_ring_push(r, seq, text_for(seq)), 0);
    seen_t s = {0};
    ASSERT_EQ(sig_replay_ring_replay(r, 997, collect, &s), 3);
    ASSERT_STR_EQ(s.texts[0], "ev998");
    ASSERT_STR_EQ(s.texts[2], "ev1000");
    sig_replay_ring_destroy(r);
    sig_replay_ring_destroy(NULL);
    ASSERT_TRUE(sig_replay_ring_create(0) == NULL);
}

int main(void)
{
    RUN(empty_ring_replays_nothing_from_zero);
    RUN(replays_exactly_the_events_after_seq_in_order);
    RUN(full_ring_drops_oldest_and_reports_gaps);
    RUN(rejects_out_of_order_push);
    RUN(wraps_many_times);
    return TEST_REPORT();
}
