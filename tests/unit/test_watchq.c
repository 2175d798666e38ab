/* test_watchq.c — a watch stream's queue bound (src/apiserver/watchq.h): the events a stream
 * starts with never count against it, live events do (by bytes and by count), and sending the
 * head of the queue uses up the start's share first. */
#include "../../src/apiserver/watchq.h"
#include "test.h"

int main(void)
{
    /* A start of 10,000 lines of 1 KiB (a large list as ADDED events): far past a 4 MiB bound,
     * yet the first live event fits. */
    watchq_acct_t a = {0};
    for (int i = 0; i < 10000; i++)
        watchq_push(&a, 1024, false);
    CHECK_INT(a.n, 10000);
    CHECK_INT(a.replay_bytes, 10000 * 1024);
    CHECK(!watchq_full(&a, 600, 4u << 20, 5000));

    /* Live events count: by bytes … */
    for (int i = 0; i < 6000; i++)
        watchq_push(&a, 600, true);
    CHECK(!watchq_full(&a, 600, 4u << 20, 8000)); /* 6,001 × 600 B < 4 MiB */
    CHECK(watchq_full(&a, 600, 2u << 20, 8000));  /* > 2 MiB */
    /* … and by count. */
    CHECK(watchq_full(&a, 1, 1u << 30, 6000));
    CHECK(!watchq_full(&a, 1, 1u << 30, 6001));

    /* Sending part of the start leaves the live share as it was. */
    watchq_take(&a, 4000, 4000 * 1024);
    CHECK_INT(a.replay_n, 6000);
    CHECK_INT(a.n, 6000 + 6000);
    CHECK(watchq_full(&a, 1, 1u << 30, 6000));
    /* A batch across the boundary: the rest of the start and 10 live lines. */
    watchq_take(&a, 6010, 6000 * 1024 + 10 * 600);
    CHECK_INT(a.replay_n, 0);
    CHECK_INT(a.replay_bytes, 0);
    CHECK_INT(a.n, 5990);
    CHECK_INT(a.bytes, 5990 * 600);
    CHECK(!watchq_full(&a, 1, 1u << 30, 6000));
    CHECK(watchq_full(&a, 1, 1u << 30, 5990));

    /* Everything sent: empty again, any live line fits a bound at least its size. */
    watchq_take(&a, 5990, 5990 * 600);
    CHECK_INT(a.n, 0);
    CHECK_INT(a.bytes, 0);
    CHECK(!watchq_full(&a, 600, 600, 1));
    CHECK(watchq_full(&a, 601, 600, 1));

    /* A stream with no start: every entry is live. */
    watchq_acct_t b = {0};
    watchq_push(&b, 100, true);
    watchq_push(&b, 100, true);
    CHECK(watchq_full(&b, 100, 250, 10));
    CHECK(!watchq_full(&b, 50, 250, 10));
    watchq_take(&b, 1, 100);
    CHECK(!watchq_full(&b, 100, 250, 10));
    TEST_END();
}
