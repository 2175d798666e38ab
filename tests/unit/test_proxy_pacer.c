/* test_proxy_pacer.c — the proxy's minimum sync interval runs from the start of the previous
 * sync, as upstream's BoundedFrequencyRunner: a change during or after a sync waits only what
 * is left of min_ms since that sync started, and not at all after a sync longer than min_ms.
 * Times are given, not measured: nothing here depends on the machine's speed. */
#include "c8s/proxy.h"
#include "test.h"

#define MS 1000000ull

static void test_first_sync_at_once(void)
{
    proxy_pacer_t pc = {0};
    CHECK_INT((int)proxy_pacer_wait_ms(&pc, 0, 1000), 0);
    CHECK_INT((int)proxy_pacer_wait_ms(&pc, 5000 * MS, 1000), 0);
    CHECK_INT((int)proxy_pacer_last_ms(&pc), 0);
}

static void test_from_the_start(void)
{
    proxy_pacer_t pc = {0};
    proxy_pacer_started(&pc, 10000 * MS);
    /* During the sync: what is left of the interval since it started. */
    CHECK_INT((int)proxy_pacer_wait_ms(&pc, 10300 * MS, 1000), 700);
    proxy_pacer_finished(&pc, 10800 * MS);
    CHECK_INT((int)proxy_pacer_last_ms(&pc), 800);
    /* 800 ms of sync then a change: 200 ms to wait, not 1000 (from the end). */
    CHECK_INT((int)proxy_pacer_wait_ms(&pc, 10800 * MS, 1000), 200);
    CHECK_INT((int)proxy_pacer_wait_ms(&pc, 10900 * MS, 1000), 100);
    CHECK_INT((int)proxy_pacer_wait_ms(&pc, 11000 * MS, 1000), 0);
    /* Rounded up: never started before the interval is over. */
    CHECK_INT((int)proxy_pacer_wait_ms(&pc, 10999 * MS + 1, 1000), 1);
}

static void test_slow_sync_followed_at_once(void)
{
    proxy_pacer_t pc = {0};
    proxy_pacer_started(&pc, 0);
    proxy_pacer_finished(&pc, 1500 * MS);
    CHECK_INT((int)proxy_pacer_wait_ms(&pc, 1500 * MS, 1000), 0);
    /* The next sync's start is what counts from then on. */
    proxy_pacer_started(&pc, 1500 * MS);
    proxy_pacer_finished(&pc, 1600 * MS);
    CHECK_INT((int)proxy_pacer_wait_ms(&pc, 1600 * MS, 1000), 900);
    CHECK_INT((int)proxy_pacer_last_ms(&pc), 100);
}

static void test_zero_interval(void)
{
    proxy_pacer_t pc = {0};
    proxy_pacer_started(&pc, 100 * MS);
    CHECK_INT((int)proxy_pacer_wait_ms(&pc, 100 * MS, 0), 0);
}

int main(void)
{
    test_first_sync_at_once();
    test_from_the_start();
    test_slow_sync_followed_at_once();
    test_zero_interval();
    TEST_END();
}
