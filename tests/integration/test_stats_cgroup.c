/*
 * test_stats_cgroup.c — the kubelet's stats readers on this machine's real cgroupfs and /proc:
 * the root cgroup's CPU counter grows while this test burns CPU, its memory figures are sane,
 * and the node's CPU and memory read from /proc.
 */
#include "c8s/runtime.h"
#include "c8s/stats.h"
#include "test.h"

#include <time.h>

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Spins for about 200 ms of wall time so the counters have something to count. */
static void burn(void)
{
    volatile uint64_t x = 0;
    uint64_t end = now_ns() + 200000000ull;
    while (now_ns() < end)
        for (int i = 0; i < 10000; i++)
            x += (uint64_t)i;
}

int main(void)
{
    c8s_err_t err = {0};
    int version = runtime_cgroup_version();
    if (version != 1 && version != 2)
        TEST_SKIP("no cgroupfs");

    stats_cgroup_t a = {0}, b = {0};
    uint64_t at_a = now_ns();
    int rc = stats_read_cgroup("/sys/fs/cgroup", "/", version, &a, &err);
    CHECK_MSG(rc == 0, "%s", err.msg);
    REQUIRE(rc == 0);
    burn();
    uint64_t at_b = now_ns();
    CHECK_INT(stats_read_cgroup("/sys/fs/cgroup", "/", version, &b, &err), 0);
    CHECK(b.cpu_ns > a.cpu_ns);
    uint64_t mcores = 0;
    CHECK_INT(stats_cpu_millicores(a.cpu_ns, at_a, b.cpu_ns, at_b, &mcores, &err), 0);
    CHECK(mcores > 0);
    CHECK(b.memory > 0);
    CHECK(b.working_set <= b.memory);

    /* A cgroup that does not exist. */
    CHECK_INT(stats_read_cgroup("/sys/fs/cgroup", "/c8s-no-such-cgroup", version, &b, &err),
              C8S_ENOTFOUND);
    c8s_err_clear(&err);

    uint64_t cpu1 = 0, cpu2 = 0, total = 0, ws = 0;
    CHECK_INT(stats_read_node(&cpu1, &total, &ws, &err), 0);
    burn();
    CHECK_INT(stats_read_node(&cpu2, &total, &ws, &err), 0);
    CHECK(cpu2 > cpu1);
    CHECK(total > 0 && ws > 0 && ws < total);
    TEST_END();
}
