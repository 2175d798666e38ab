/*
 * test_stats.c — the kubelet's resource stats parsers on sample cgroup v1/v2 and /proc files:
 * CPU counters, the working set (usage less inactive file pages), the node's CPU and memory, and
 * the CPU rate between samples.
 */
#include "c8s/stats.h"
#include "test.h"

static const char v1_memory_stat[] = "cache 4096\nrss 8192\ninactive_file 100\n"
                                     "total_cache 40960\ntotal_rss 81920\n"
                                     "total_inactive_file 30000\ntotal_active_file 500\n";
static const char v2_memory_stat[] = "anon 8192\nfile 40960\nactive_file 500\ninactive_file 2000\n";
static const char v2_cpu_stat[] = "usage_usec 1234567\nuser_usec 1000000\nsystem_usec 234567\n"
                                  "nr_periods 0\n";
static const char proc_stat[] =
    "cpu  100 20 30 4000 50 6 7 8 0 0\ncpu0 50 10 15 2000 25 3 3 4 0 0\n"
    "intr 1 2 3\n";
static const char meminfo[] = "MemTotal:        8000000 kB\nMemFree:         1000000 kB\n"
                              "MemAvailable:    6000000 kB\nBuffers:          100 kB\n";

/* /metrics/resource from a Summary: upstream's names, labels and millisecond timestamps. */
static void test_resource_metrics(void)
{
    json_t *sum = json_loads(
        "{\"node\":{\"cpu\":{\"time\":\"2026-11-23T08:00:00.25Z\",\"usageCoreNanoSeconds\":"
        "1500000000},\"memory\":{\"time\":\"2026-11-23T08:00:00.25Z\",\"workingSetBytes\":"
        "4096}},\"pods\":[{\"podRef\":{\"name\":\"w\\\"1\",\"namespace\":\"default\"},"
        "\"containers\":[{\"name\":\"c\",\"startTime\":\"2026-11-23T07:00:00Z\",\"cpu\":{"
        "\"time\":\"2026-11-23T08:00:00Z\",\"usageCoreNanoSeconds\":250000000},\"memory\":{"
        "\"time\":\"2026-11-23T08:00:00Z\",\"workingSetBytes\":1024}}]}]}",
        0, NULL);
    REQUIRE_VOID(sum != NULL);
    char *t = stats_resource_metrics(sum);
    CHECK_MSG(strstr(t, "# TYPE container_cpu_usage_seconds_total counter\n") != NULL, "%s", t);
    CHECK_MSG(strstr(t, "container_cpu_usage_seconds_total{container=\"c\",namespace=\"default\","
                        "pod=\"w\\\"1\"} 0.25 1795420800000\n") != NULL,
              "%s", t);
    CHECK_MSG(strstr(t, "container_memory_working_set_bytes{container=\"c\",namespace=\"default\","
                        "pod=\"w\\\"1\"} 1024 1795420800000\n") != NULL,
              "%s", t);
    CHECK_MSG(strstr(t, "container_start_time_seconds{container=\"c\",namespace=\"default\","
                        "pod=\"w\\\"1\"} 1795417200 1795417200000\n") != NULL,
              "%s", t);
    CHECK_MSG(strstr(t, "node_cpu_usage_seconds_total 1.5 1795420800250\n") != NULL, "%s", t);
    CHECK_MSG(strstr(t, "node_memory_working_set_bytes 4096 1795420800250\n") != NULL, "%s", t);
    CHECK(strstr(t, "scrape_error 0\n") != NULL);
    free(t);
    json_decref(sum);
    t = stats_resource_metrics(NULL);
    CHECK(strstr(t, "scrape_error 1\n") != NULL);
    free(t);
}

int main(void)
{
    c8s_err_t err = {0};
    uint64_t v = 0, w = 0;

    CHECK_INT(stats_kv(v1_memory_stat, "total_inactive_file", &v, &err), 0);
    CHECK_INT(v, 30000);
    /* A key that is only a prefix of another does not match it. */
    CHECK_INT(stats_kv(v1_memory_stat, "total", &v, &err), C8S_ENOTFOUND);
    c8s_err_clear(&err);
    CHECK_INT(stats_kv("x abc\n", "x", &v, &err), C8S_EINVALID);
    c8s_err_clear(&err);

    CHECK_INT(stats_cpu_ns("987654321\n", false, &v, &err), 0);
    CHECK_INT(v, 987654321);
    CHECK_INT(stats_cpu_ns(v2_cpu_stat, true, &v, &err), 0);
    CHECK_INT(v, 1234567000);
    CHECK_INT(stats_cpu_ns("", false, &v, &err), C8S_EINVALID);
    c8s_err_clear(&err);

    CHECK_INT(stats_working_set(100000, v1_memory_stat, false, &v, &err), 0);
    CHECK_INT(v, 70000);
    CHECK_INT(stats_working_set(100000, v2_memory_stat, true, &v, &err), 0);
    CHECK_INT(v, 98000);
    CHECK_INT(stats_working_set(1000, v1_memory_stat, false, &v, &err), 0);
    CHECK_INT(v, 0);
    CHECK_INT(stats_working_set(1000, "", true, &v, &err), 0);
    CHECK_INT(v, 1000);

    /* busy = 100 + 20 + 30 + 6 + 7 + 8 = 171 ticks at 100 Hz = 1.71 s. */
    CHECK_INT(stats_proc_stat_cpu_ns(proc_stat, 100, &v, &err), 0);
    CHECK_INT(v, 1710000000);
    CHECK_INT(stats_proc_stat_cpu_ns("cpu0 1 2\n", 100, &v, &err), C8S_EINVALID);
    c8s_err_clear(&err);

    CHECK_INT(stats_meminfo(meminfo, &v, &w, &err), 0);
    CHECK_INT(v, 8000000ull * 1024);
    CHECK_INT(w, 2000000ull * 1024);
    CHECK(stats_meminfo("MemTotal: 1 kB\n", &v, &w, &err) < 0);
    c8s_err_clear(&err);

    /* Half a core over 2 s. */
    CHECK_INT(
        stats_cpu_millicores(1000000000, 10000000000ull, 2000000000, 12000000000ull, &v, &err), 0);
    CHECK_INT(v, 500);
    CHECK_INT(stats_cpu_millicores(2, 10, 1, 20, &v, &err), C8S_EINVALID);
    c8s_err_clear(&err);
    CHECK_INT(stats_cpu_millicores(1, 10, 2, 10, &v, &err), C8S_EINVALID);
    c8s_err_clear(&err);
    test_resource_metrics();
    TEST_END();
}
