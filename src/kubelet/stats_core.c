/*
 * stats_core.c — parsers for the kubelet's resource stats (stats.h): cgroup CPU and memory
 * files, /proc/stat and /proc/meminfo, and the CPU rate between two samples.
 */
#include "c8s/stats.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A decimal unsigned integer at *p (leading blanks skipped); *p moves past it. */
static bool parse_u64(const char **p, uint64_t *out)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!isdigit((unsigned char)*s))
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return false;
    *out = v;
    *p = end;
    return true;
}

int stats_kv(const char *text, const char *key, uint64_t *out, c8s_err_t *err)
{
    size_t klen = strlen(key);
    for (const char *line = text; line && *line;) {
        if (strncmp(line, key, klen) == 0 && (line[klen] == ' ' || line[klen] == '\t')) {
            const char *p = line + klen;
            if (!parse_u64(&p, out) || (*p && *p != '\n' && !isspace((unsigned char)*p)))
                return c8s_err_set(err, C8S_EINVALID, "%s: not an unsigned integer", key);
            return 0;
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return c8s_err_set(err, C8S_ENOTFOUND, "%s: not found", key);
}

int stats_cpu_ns(const char *text, bool v2, uint64_t *out, c8s_err_t *err)
{
    if (v2) {
        uint64_t usec;
        int rc = stats_kv(text, "usage_usec", &usec, err);
        if (rc < 0)
            return rc;
        if (usec > UINT64_MAX / 1000)
            return c8s_err_set(err, C8S_EINVALID, "usage_usec out of range");
        *out = usec * 1000;
        return 0;
    }
    const char *p = text;
    if (!parse_u64(&p, out))
        return c8s_err_set(err, C8S_EINVALID, "cpuacct.usage: not an unsigned integer");
    return 0;
}

int stats_working_set(uint64_t usage, const char *memory_stat, bool v2, uint64_t *out,
                      c8s_err_t *err)
{
    uint64_t inactive = 0;
    int rc = stats_kv(memory_stat, v2 ? "inactive_file" : "total_inactive_file", &inactive, err);
    /* A missing key counts as no inactive file pages, as cAdvisor does. */
    if (rc < 0 && rc != C8S_ENOTFOUND)
        return rc;
    if (rc == C8S_ENOTFOUND)
        c8s_err_clear(err);
    *out = usage > inactive ? usage - inactive : 0;
    return 0;
}

int stats_proc_stat_cpu_ns(const char *text, long hz, uint64_t *out, c8s_err_t *err)
{
    if (hz <= 0)
        return c8s_err_set(err, C8S_EINVALID, "bad clock tick rate %ld", hz);
    if (strncmp(text, "cpu ", 4) != 0)
        return c8s_err_set(err, C8S_EINVALID, "/proc/stat: no aggregate cpu line");
    const char *p = text + 4;
    uint64_t f[8] = {0};
    for (int i = 0; i < 8; i++)
        if (!parse_u64(&p, &f[i]))
            return c8s_err_set(err, C8S_EINVALID, "/proc/stat: short cpu line");
    /* user nice system idle iowait irq softirq steal */
    uint64_t busy = f[0] + f[1] + f[2] + f[5] + f[6] + f[7];
    *out = busy / (uint64_t)hz * 1000000000ull + busy % (uint64_t)hz * 1000000000ull / (uint64_t)hz;
    return 0;
}

static int meminfo_kb(const char *text, const char *key, uint64_t *out, c8s_err_t *err)
{
    int rc = stats_kv(text, key, out, err);
    if (rc < 0)
        return rc;
    *out *= 1024;
    return 0;
}

int stats_meminfo(const char *text, uint64_t *total, uint64_t *working_set, c8s_err_t *err)
{
    uint64_t avail;
    int rc = meminfo_kb(text, "MemTotal:", total, err);
    if (rc == 0)
        rc = meminfo_kb(text, "MemAvailable:", &avail, err);
    if (rc < 0)
        return c8s_err_wrap(err, "/proc/meminfo");
    *working_set = *total > avail ? *total - avail : 0;
    return 0;
}

int stats_cpu_millicores(uint64_t prev_ns, uint64_t prev_at, uint64_t cur_ns, uint64_t cur_at,
                         uint64_t *out, c8s_err_t *err)
{
    if (cur_at <= prev_at)
        return c8s_err_set(err, C8S_EINVALID, "samples not in time order");
    if (cur_ns < prev_ns)
        return c8s_err_set(err, C8S_EINVALID, "cpu counter went backwards");
    *out = (uint64_t)((double)(cur_ns - prev_ns) * 1000.0 / (double)(cur_at - prev_at));
    return 0;
}
