/*
 * stats_core.c — parsers for the kubelet's resource stats (stats.h): cgroup CPU and memory
 * files, /proc/stat and /proc/meminfo, and the CPU rate between two samples.
 */
#include "c8s/stats.h"
#include "c8s/strbuf.h"

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

/* ---- /metrics/resource ---- */

static void metric_head(strbuf_t *b, const char *name, const char *help, const char *type)
{
    strbuf_addf(b, "# HELP %s [STABLE] %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Milliseconds since the epoch of an RFC 3339 time ("...T..:..:..[.fraction]Z"). */
static long long ms_of(const json_t *t)
{
    const char *s = json_string_value(t);
    int64_t sec = c8s_rfc3339_parse(s);
    if (sec < 0)
        return 0;
    long long ms = 0;
    const char *dot = strchr(s, '.');
    if (dot)
        for (int i = 1; i <= 3 && dot[i] >= '0' && dot[i] <= '9'; i++)
            ms = ms * 10 + (dot[i] - '0');
    /* Fewer than three digits: scale up. */
    if (dot) {
        int digits = 0;
        while (digits < 3 && dot[digits + 1] >= '0' && dot[digits + 1] <= '9')
            digits++;
        for (; digits < 3; digits++)
            ms *= 10;
    }
    return (long long)sec * 1000 + ms;
}

/* One sample line: name{labels} value timestamp. */
static void sample(strbuf_t *b, const char *name, const char *labels, double v, bool integer,
                   const json_t *t)
{
    strbuf_add(b, name);
    if (labels && *labels)
        strbuf_addf(b, "{%s}", labels);
    if (integer)
        strbuf_addf(b, " %.0f %lld\n", v, ms_of(t));
    else
        strbuf_addf(b, " %.15g %lld\n", v, ms_of(t));
}

/* Prometheus label values escape backslash, quote and newline. */
static void label(strbuf_t *b, const char *k, const char *v)
{
    strbuf_sep(b, ",", "");
    strbuf_addf(b, "%s=\"", k);
    for (; v && *v; v++) {
        if (*v == '\\' || *v == '"')
            strbuf_addf(b, "\\%c", *v);
        else if (*v == '\n')
            strbuf_add(b, "\\n");
        else
            strbuf_addn(b, v, 1);
    }
    strbuf_add(b, "\"");
}

static char *pod_labels(const json_t *pod, const char *container)
{
    strbuf_t b = STRBUF_INIT;
    const json_t *ref = json_object_get(pod, "podRef");
    if (container)
        label(&b, "container", container);
    label(&b, "namespace", json_string_value(json_object_get(ref, "namespace")));
    label(&b, "pod", json_string_value(json_object_get(ref, "name")));
    return strbuf_take(&b);
}

static double num(const json_t *o, const char *block, const char *field)
{
    return (double)json_integer_value(json_object_get(json_object_get(o, block), field));
}

static const json_t *when(const json_t *o, const char *block)
{
    return json_object_get(json_object_get(o, block), "time");
}

char *stats_resource_metrics(const json_t *summary)
{
    strbuf_t b = STRBUF_INIT;
    const json_t *pods = json_object_get(summary, "pods");
    size_t i, j;
    const json_t *p, *c;

    metric_head(&b, "container_cpu_usage_seconds_total",
                "Cumulative cpu time consumed by the container in core-seconds", "counter");
    json_array_foreach(pods, i, p) json_array_foreach(json_object_get(p, "containers"), j, c)
    {
        cleanup_free char *l = pod_labels(p, json_string_value(json_object_get(c, "name")));
        sample(&b, "container_cpu_usage_seconds_total", l,
               num(c, "cpu", "usageCoreNanoSeconds") / 1e9, false, when(c, "cpu"));
    }
    metric_head(&b, "container_memory_working_set_bytes",
                "Current working set of the container in bytes", "gauge");
    json_array_foreach(pods, i, p) json_array_foreach(json_object_get(p, "containers"), j, c)
    {
        cleanup_free char *l = pod_labels(p, json_string_value(json_object_get(c, "name")));
        sample(&b, "container_memory_working_set_bytes", l, num(c, "memory", "workingSetBytes"),
               true, when(c, "memory"));
    }
    metric_head(&b, "container_start_time_seconds",
                "Start time of the container since unix epoch in seconds", "gauge");
    json_array_foreach(pods, i, p) json_array_foreach(json_object_get(p, "containers"), j, c)
    {
        cleanup_free char *l = pod_labels(p, json_string_value(json_object_get(c, "name")));
        double st = (double)ms_of(json_object_get(c, "startTime")) / 1000.0;
        sample(&b, "container_start_time_seconds", l, st, false, json_object_get(c, "startTime"));
    }
    const json_t *node = json_object_get(summary, "node");
    if (node) {
        metric_head(&b, "node_cpu_usage_seconds_total",
                    "Cumulative cpu time consumed by the node in core-seconds", "counter");
        sample(&b, "node_cpu_usage_seconds_total", NULL,
               num(node, "cpu", "usageCoreNanoSeconds") / 1e9, false, when(node, "cpu"));
        metric_head(&b, "node_memory_working_set_bytes", "Current working set of the node in bytes",
                    "gauge");
        sample(&b, "node_memory_working_set_bytes", NULL, num(node, "memory", "workingSetBytes"),
               true, when(node, "memory"));
    }
    metric_head(&b, "pod_cpu_usage_seconds_total",
                "Cumulative cpu time consumed by the pod in core-seconds", "counter");
    json_array_foreach(pods, i, p)
    {
        if (!json_object_get(p, "cpu"))
            continue;
        cleanup_free char *l = pod_labels(p, NULL);
        sample(&b, "pod_cpu_usage_seconds_total", l, num(p, "cpu", "usageCoreNanoSeconds") / 1e9,
               false, when(p, "cpu"));
    }
    metric_head(&b, "pod_memory_working_set_bytes", "Current working set of the pod in bytes",
                "gauge");
    json_array_foreach(pods, i, p)
    {
        if (!json_object_get(p, "memory"))
            continue;
        cleanup_free char *l = pod_labels(p, NULL);
        sample(&b, "pod_memory_working_set_bytes", l, num(p, "memory", "workingSetBytes"), true,
               when(p, "memory"));
    }
    strbuf_add(&b, "# HELP scrape_error [ALPHA] 1 if there was an error while getting container "
                   "metrics, 0 otherwise\n# TYPE scrape_error gauge\n");
    strbuf_addf(&b, "scrape_error %d\n", summary ? 0 : 1);
    return strbuf_take(&b);
}
