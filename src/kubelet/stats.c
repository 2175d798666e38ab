/*
 * stats.c — reading cgroup and /proc files for the kubelet's resource stats (stats.h); the
 * parsing is in stats_core.c.
 */
#include "c8s/stats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The whole of a small pseudo-file into buf (NUL-terminated). */
static int read_small(const char *path, char *buf, size_t len, c8s_err_t *err)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return c8s_err_set(err, errno == ENOENT ? C8S_ENOTFOUND : C8S_EINTERNAL, "%s: %s", path,
                           strerror(errno));
    size_t n = fread(buf, 1, len - 1, f);
    bool bad = ferror(f);
    fclose(f);
    if (bad)
        return c8s_err_set(err, C8S_EINTERNAL, "%s: read error", path);
    buf[n] = '\0';
    return 0;
}

static int read_in(const char *root, const char *hier, const char *path, const char *file,
                   char *buf, size_t len, c8s_err_t *err)
{
    cleanup_free char *p = hier ? xasprintf("%s/%s%s/%s", root, hier, path, file)
                                : xasprintf("%s%s/%s", root, path, file);
    return read_small(p, buf, len, err);
}

int stats_read_cgroup(const char *root, const char *path, int version, stats_cgroup_t *out,
                      c8s_err_t *err)
{
    bool v2 = version == 2;
    if (strcmp(path, "/") == 0)
        path = "";
    char buf[8192];
    int rc = read_in(root, v2 ? NULL : "cpuacct", path, v2 ? "cpu.stat" : "cpuacct.usage", buf,
                     sizeof(buf), err);
    if (rc == 0)
        rc = stats_cpu_ns(buf, v2, &out->cpu_ns, err);
    if (rc == 0)
        rc = read_in(root, v2 ? NULL : "memory", path,
                     v2 ? "memory.current" : "memory.usage_in_bytes", buf, sizeof(buf), err);
    if (rc == 0)
        rc = stats_cpu_ns(buf, false, &out->memory, err); /* one decimal number, as cpuacct.usage */
    if (rc == 0)
        rc = read_in(root, v2 ? NULL : "memory", path, "memory.stat", buf, sizeof(buf), err);
    if (rc == 0)
        rc = stats_working_set(out->memory, buf, v2, &out->working_set, err);
    return rc;
}

int stats_read_node(uint64_t *cpu_ns, uint64_t *mem_total, uint64_t *working_set, c8s_err_t *err)
{
    char buf[16384];
    int rc = read_small("/proc/stat", buf, sizeof(buf), err);
    if (rc == 0)
        rc = stats_proc_stat_cpu_ns(buf, sysconf(_SC_CLK_TCK), cpu_ns, err);
    if (rc == 0)
        rc = read_small("/proc/meminfo", buf, sizeof(buf), err);
    if (rc == 0)
        rc = stats_meminfo(buf, mem_total, working_set, err);
    return rc;
}
