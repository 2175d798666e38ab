/*
 * stats.h — the pure parsers behind the kubelet's resource stats: cgroup v1 and v2 CPU and
 * memory files, /proc/stat and /proc/meminfo for the node, and the CPU rate between two samples,
 * as cAdvisor and metrics-server compute them. No I/O: callers read the files and pass the text
 * (borrowed).
 */
#ifndef C8S_STATS_H
#define C8S_STATS_H

#include "c8s/base.h"

#include <stdbool.h>
#include <stdint.h>

/* The value of `key` in a "key value" per line file (memory.stat, cpu.stat). C8S_ENOTFOUND when
 * absent, C8S_EINVALID when its value is not a decimal unsigned integer. */
int stats_kv(const char *text, const char *key, uint64_t *out, c8s_err_t *err);

/* Cumulative CPU time in nanoseconds: from cgroup v1 cpuacct.usage (v2 false: the file is one
 * number of nanoseconds) or from cgroup v2 cpu.stat (v2 true: its usage_usec). */
int stats_cpu_ns(const char *text, bool v2, uint64_t *out, c8s_err_t *err);

/* The working set as upstream defines it: usage less inactive file pages, not below 0.
 * memory_stat is memory.stat's text; v1 reads total_inactive_file, v2 inactive_file. */
int stats_working_set(uint64_t usage, const char *memory_stat, bool v2, uint64_t *out,
                      c8s_err_t *err);

/* The node's cumulative busy CPU time in nanoseconds from /proc/stat's first "cpu" line (user,
 * nice, system, irq, softirq and steal; idle and iowait excluded), at `hz` ticks a second. */
int stats_proc_stat_cpu_ns(const char *text, long hz, uint64_t *out, c8s_err_t *err);

/* MemTotal and MemTotal - MemAvailable (the node's working set) in bytes from /proc/meminfo. */
int stats_meminfo(const char *text, uint64_t *total, uint64_t *working_set, c8s_err_t *err);

/* The CPU rate in millicores between two cumulative samples (ns) taken at two times (ns);
 * C8S_EINVALID when the times do not advance or the counter went backwards (a restarted
 * container: upstream drops such a sample). */
int stats_cpu_millicores(uint64_t prev_ns, uint64_t prev_at, uint64_t cur_ns, uint64_t cur_at,
                         uint64_t *out, c8s_err_t *err);

/* One cgroup's figures. */
typedef struct stats_cgroup_s {
    uint64_t cpu_ns;      /* cumulative CPU time */
    uint64_t memory;      /* usage (v1 memory.usage_in_bytes, v2 memory.current) */
    uint64_t working_set; /* usage less inactive file pages */
} stats_cgroup_t;

/* Reads a cgroup's CPU and memory files (small synchronous reads of cgroupfs, for the kubelet's
 * stats thread). root is the cgroupfs mount ("/sys/fs/cgroup"), path the cgroup's path inside
 * each hierarchy ("/" or "/kubepods/pod<uid>"), version 1 or 2. */
int stats_read_cgroup(const char *root, const char *path, int version, stats_cgroup_t *out,
                      c8s_err_t *err);

/* The node's cumulative busy CPU time (ns), memory total and working set (bytes) from /proc. */
int stats_read_node(uint64_t *cpu_ns, uint64_t *mem_total, uint64_t *working_set, c8s_err_t *err);

/* The kubelet's /metrics/resource text (Prometheus exposition format, as upstream's resource
 * metrics endpoint) from a Summary (borrowed; NULL gives only scrape_error 1): container, pod and
 * node CPU seconds and working set, container start times, with each sample's timestamp in ms.
 * Owned. */
char *stats_resource_metrics(const json_t *summary);

#endif
