/*
 * A minimal unit-test harness. Every assertion prints both sides on failure
 * (libuv style) and the test binary exits non-zero if any test failed.
 *
 *   TEST(parses_header) { ASSERT_EQ(rtp_version(buf), 2); }
 *   int main(void) { RUN(parses_header); return TEST_REPORT(); }
 */
#ifndef SB_TEST_H
#define SB_TEST_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int test_failures_;
static int test_count_;
static int test_current_failed_;

#define TEST(name) static void test_##name(void)

#define RUN(name)                                                              \
    do {                                                                       \
        test_current_failed_ = 0;                                              \
        test_count_++;                                                         \
        test_##name();                                                         \
        printf("%s %s\n", test_current_failed_ ? "FAIL" : "ok  ", #name);      \
        if (test_current_failed_)                                              \
            test_failures_++;                                                  \
    } while (0)

#define TEST_REPORT()                                                          \
    (printf("%d tests, %d failed\n", test_count_, test_failures_),             \
     test_failures_ ? 1 : 0)

#define TEST_FAIL_(fmt, ...)                                                   \
    do {                                                                       \
        fprintf(stderr, "%s:%d: " fmt "\n", __FILE__, __LINE__, __VA_ARGS__);  \
        test_current_failed_ = 1;                                              \
    } while (0)

/* Integer comparison; both values are printed on failure. Returns from the test. */
#define ASSERT_EQ(a, b)                                                        \
    do {                                                                       \
        long long a_ = (long long)(a), b_ = (long long)(b);                    \
        if (a_ != b_) {                                                        \
            TEST_FAIL_("ASSERT_EQ(%s, %s): %lld != %lld", #a, #b, a_, b_);     \
            return;                                                            \
        }                                                                      \
    } while (0)

#define ASSERT_NE(a, b)                                                        \
    do {                                                                       \
        long long a_ = (long long)(a), b_ = (long long)(b);                    \
        if (a_ == b_) {                                                        \
            TEST_FAIL_("ASSERT_NE(%s, %s): both %lld", #a, #b, a_);            \
            return;                                                            \
        }                                                                      \
    } while (0)

#define ASSERT_TRUE(c)                                                         \
    do {                                                                       \
        if (!(c)) {                                                            \
            TEST_FAIL_("ASSERT_TRUE(%s)", #c);                                 \
            return;                                                            \
        }                                                                      \
    } while (0)

#define ASSERT_STR_EQ(a, b)                                                    \
    do {                                                                       \
        const char *a_ = (a), *b_ = (b);                                       \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) {                               \
            TEST_FAIL_("ASSERT_STR_EQ(%s, %s): \"%s\" != \"%s\"", #a, #b,      \
                       a_ ? a_ : "(null)", b_ ? b_ : "(null)");                \
            return;                                                            \
        }                                                                      \
    } while (0)

#define ASSERT_MEM_EQ(a, b, n)                                                 \
    do {                                                                       \
        const uint8_t *a_ = (const uint8_t *)(a), *b_ = (const uint8_t *)(b);  \
        size_t n_ = (n);                                                       \
        for (size_t i_ = 0; i_ < n_; i_++) {                                   \
            if (a_[i_] != b_[i_]) {                                            \
                TEST_FAIL_("ASSERT_MEM_EQ(%s, %s): byte %zu: 0x%02x != 0x%02x",\
                           #a, #b, i_, a_[i_], b_[i_]);                        \
                return;                                                        \
            }                                                                  \
        }                                                                      \
    } while (0)

#endif
