/* Unit tests for rtp/nack_buffer.c: the per-producer retransmission store. */
#include "test.h"

#include "rtp/nack_buffer.h"

#define MS 1000

static void fill(uint8_t *b, size_t n, uint8_t v)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(v + i);
}

TEST(put_then_get_returns_a_copy)
{
    rtp_nack_buffer_t *nb = rtp_nack_buffer_create(1024, RTP_NACK_BUFFER_SLOT_SIZE, 1000 * MS);
    uint8_t pkt[1200];
    const uint8_t *got;
    size_t len;
    ASSERT_TRUE(nb != NULL);
    fill(pkt, sizeof pkt, 7);
    ASSERT_EQ(rtp_nack_buffer_put(nb, 42, pkt, sizeof pkt, 0), 0);
    pkt[0] = 0; /* the store keeps its own copy */
    ASSERT_EQ(rtp_nack_buffer_get(nb, 42, 10 * MS, &got, &len), 0);
    ASSERT_EQ(len, 1200);
    ASSERT_EQ(got[0], 7);
    ASSERT_EQ(got[1199], (uint8_t)(7 + 1199));
    ASSERT_EQ(rtp_nack_buffer_get(nb, 43, 10 * MS, &got, &len), RTP_ENOENT);
    rtp_nack_buffer_destroy(nb);
    rtp_nack_buffer_destroy(NULL);
}

TEST(rejects_bad_arguments)
{
    ASSERT_TRUE(rtp_nack_buffer_create(1000, 1500, 1) == NULL); /* not a power of two */
    ASSERT_TRUE(rtp_nack_buffer_create(0, 1500, 1) == NULL);
    ASSERT_TRUE(rtp_nack_buffer_create(65536, 1500, 1) == NULL);
    ASSERT_TRUE(rtp_nack_buffer_create(16, 0, 1) == NULL);
    ASSERT_TRUE(rtp_nack_buffer_create(16, 1500, 0) == NULL);
    rtp_nack_buffer_t *nb = rtp_nack_buffer_create(16, 100, MS);
    uint8_t pkt[101] = {0};
    ASSERT_EQ(rtp_nack_buffer_put(nb, 1, pkt, 101, 0), RTP_ENOSPC);
    ASSERT_EQ(rtp_nack_buffer_put(nb, 1, pkt, 0, 0), RTP_EINVAL);
    ASSERT_EQ(rtp_nack_buffer_put(nb, 1, pkt, 100, 0), 0);
    rtp_nack_buffer_destroy(nb);
}

TEST(expires_after_max_age)
{
    rtp_nack_buffer_t *nb = rtp_nack_buffer_create(64, 1500, 1000 * MS);
    uint8_t pkt[10] = {1};
    const uint8_t *got;
    size_t len;
    rtp_nack_buffer_put(nb, 5, pkt, sizeof pkt, 100 * MS);
    ASSERT_EQ(rtp_nack_buffer_get(nb, 5, 1100 * MS, &got, &len), 0);     /* exactly max age */
    ASSERT_EQ(rtp_nack_buffer_get(nb, 5, 1100 * MS + 1, &got, &len), RTP_ESTALE);
    rtp_nack_buffer_destroy(nb);
}

TEST(newer_packets_overwrite_their_slot)
{
    rtp_nack_buffer_t *nb = rtp_nack_buffer_create(16, 1500, 1000 * MS);
    uint8_t a[4] = {0xa}, b[4] = {0xb};
    const uint8_t *got;
    size_t len;
    ASSERT_EQ(rtp_nack_buffer_put(nb, 3, a, sizeof a, 0), 0);
    ASSERT_EQ(rtp_nack_buffer_put(nb, 19, b, sizeof b, MS), 0); /* same slot */
    ASSERT_EQ(rtp_nack_buffer_get(nb, 3, MS, &got, &len), RTP_ENOENT);
    ASSERT_EQ(rtp_nack_buffer_get(nb, 19, MS, &got, &len), 0);
    ASSERT_EQ(got[0], 0xb);
    /* a very late seq 3 must not evict the fresher 19 ... */
    ASSERT_EQ(rtp_nack_buffer_put(nb, 3, a, sizeof a, 2 * MS), RTP_ESTALE);
    ASSERT_EQ(rtp_nack_buffer_get(nb, 19, 2 * MS, &got, &len), 0);
    /* ... unless 19 has expired anyway */
    ASSERT_EQ(rtp_nack_buffer_put(nb, 3, a, sizeof a, 2000 * MS), 0);
    ASSERT_EQ(rtp_nack_buffer_get(nb, 3, 2000 * MS, &got, &len), 0);
    rtp_nack_buffer_destroy(nb);
}

TEST(wraparound)
{
    rtp_nack_buffer_t *nb = rtp_nack_buffer_create(1024, 1500, 1000 * MS);
    uint8_t pkt[8];
    const uint8_t *got;
    size_t len;
    /* 2000 packets straddling 65535 -> 0; the last 1024 are retrievable */
    for (uint32_t i = 0; i < 2000; i++) {
        uint16_t seq = (uint16_t)(65000 + i);
        fill(pkt, sizeof pkt, (uint8_t)i);
        ASSERT_EQ(rtp_nack_buffer_put(nb, seq, pkt, sizeof pkt, i * 10), 0);
    }
    for (uint32_t i = 0; i < 2000; i++) {
        uint16_t seq = (uint16_t)(65000 + i);
        int rc = rtp_nack_buffer_get(nb, seq, 20000, &got, &len);
        if (i < 2000 - 1024) {
            ASSERT_EQ(rc, RTP_ENOENT);
        } else {
            ASSERT_EQ(rc, 0);
            ASSERT_EQ(got[0], (uint8_t)i);
        }
    }
    rtp_nack_buffer_destroy(nb);
}

TEST(clear_forgets_everything)
{
    rtp_nack_buffer_t *nb = rtp_nack_buffer_create(16, 1500, 1000 * MS);
    uint8_t pkt[4] = {1};
    const uint8_t *got;
    size_t len;
    rtp_nack_buffer_put(nb, 1, pkt, sizeof pkt, 0);
    rtp_nack_buffer_clear(nb);
    ASSERT_EQ(rtp_nack_buffer_get(nb, 1, 0, &got, &len), RTP_ENOENT);
    rtp_nack_buffer_destroy(nb);
}

int main(void)
{
    RUN(put_then_get_returns_a_copy);
    RUN(rejects_bad_arguments);
    RUN(expires_after_max_age);
    RUN(newer_packets_overwrite_their_slot);
    RUN(wraparound);
    RUN(clear_forgets_everything);
    return TEST_REPORT();
}
