/*
 * metrics_api_core.c — NodeMetrics and PodMetrics objects and their quantities (metrics_api.h).
 */
#include "c8s/metrics_api.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

char *metrics_api_cpu(uint64_t nanocores, char *buf, size_t len)
{
    /* Upstream's canonical decimal form: the largest suffix that keeps the number whole. */
    static const char *const suffix[] = {"n", "u", "m", ""};
    uint64_t v = nanocores;
    int s = 0;
    while (v != 0 && s < 3 && v % 1000 == 0) {
        v /= 1000;
        s++;
    }
    if (v == 0)
        s = 3;
    snprintf(buf, len, "%" PRIu64 "%s", v, suffix[s]);
    return buf;
}

char *metrics_api_memory(uint64_t bytes, char *buf, size_t len)
{
    static const char *const bin[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    static const char *const dec[] = {"", "k", "M", "G", "T", "P", "E"};
    uint64_t v = bytes;
    int s = 0;
    /* Binary when a whole multiple of 1Ki, else decimal (upstream falls back to DecimalSI). */
    if (v >= 1024 && v % 1024 == 0) {
        while (v % 1024 == 0 && s < 6) {
            v /= 1024;
            s++;
        }
        snprintf(buf, len, "%" PRIu64 "%s", v, bin[s]);
        return buf;
    }
    while (v != 0 && v % 1000 == 0 && s < 6) {
        v /= 1000;
        s++;
    }
    snprintf(buf, len, "%" PRIu64 "%s", v, dec[s]);
    return buf;
}

static json_t *usage(uint64_t nanocores, uint64_t working_set)
{
    char c[32], m[32];
    return json_pack("{s:s, s:s}", "cpu", metrics_api_cpu(nanocores, c, sizeof(c)), "memory",
                     metrics_api_memory(working_set, m, sizeof(m)));
}

/* metav1.Duration's text: Go's time.Duration String for whole or fractional seconds. */
static json_t *window(double s)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%.9g", s);
    return json_sprintf("%ss", buf);
}

static json_t *meta(const char *ns, const char *name, const json_t *labels, const char *ts)
{
    json_t *m = json_pack("{s:s, s:s}", "name", name, "creationTimestamp", ts);
    if (ns)
        json_object_set_new(m, "namespace", json_string(ns));
    if (labels && json_object_size(labels) > 0)
        json_object_set_new(m, "labels", json_deep_copy(labels));
    return m;
}

json_t *metrics_api_node(const char *name, const json_t *labels, const char *timestamp,
                         double window_s, uint64_t nanocores, uint64_t working_set)
{
    return json_pack("{s:s, s:s, s:o, s:s, s:o, s:o}", "kind", "NodeMetrics", "apiVersion",
                     "metrics.k8s.io/v1beta1", "metadata", meta(NULL, name, labels, timestamp),
                     "timestamp", timestamp, "window", window(window_s), "usage",
                     usage(nanocores, working_set));
}

json_t *metrics_api_pod(const char *ns, const char *name, const json_t *labels,
                        const char *timestamp, double window_s,
                        const metrics_api_container_t *containers, size_t n)
{
    json_t *cs = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(cs,
                              json_pack("{s:s, s:o}", "name", containers[i].name, "usage",
                                        usage(containers[i].nanocores, containers[i].working_set)));
    return json_pack("{s:s, s:s, s:o, s:s, s:o, s:o}", "kind", "PodMetrics", "apiVersion",
                     "metrics.k8s.io/v1beta1", "metadata", meta(ns, name, labels, timestamp),
                     "timestamp", timestamp, "window", window(window_s), "containers", cs);
}

/* ---- the store of scraped samples ---- */

/* Kept as JSON, keyed as the API looks things up:
 *   nodes: {node: {"prev": [t_ns, cpu_ns], "cur": [t_ns, cpu_ns], "ws": bytes}}
 *   pods:  {"ns/name": {"node": node, "containers": {name: {"start": text, "prev": [...],
 *           "cur": [...], "ws": bytes}}}}
 * A few hundred bytes per container; rebuilt from nothing by two scrapes. */
struct metrics_api_store_s {
    json_t *nodes, *pods;
};

metrics_api_store_t *metrics_api_store_new(void)
{
    metrics_api_store_t *s = xcalloc(1, sizeof(*s));
    s->nodes = json_object();
    s->pods = json_object();
    return s;
}

void metrics_api_store_free(metrics_api_store_t *s)
{
    if (!s)
        return;
    json_decref(s->nodes);
    json_decref(s->pods);
    free(s);
}

int64_t metrics_api_time_ns(const char *s)
{
    int64_t sec = c8s_rfc3339_parse(s);
    if (sec < 0)
        return -1;
    int64_t ns = 0;
    const char *dot = strchr(s, '.');
    if (dot) {
        int digits = 0;
        for (const char *p = dot + 1; *p >= '0' && *p <= '9'; p++)
            if (digits < 9) {
                ns = ns * 10 + (*p - '0');
                digits++;
            }
        for (; digits < 9; digits++)
            ns *= 10;
    }
    return sec * 1000000000 + ns;
}

/* [t_ns, cpu_ns] of a Summary's cpu block, or NULL when it lacks either. Owned. */
static json_t *cpu_point(const json_t *cpu)
{
    int64_t t = metrics_api_time_ns(json_string_value(json_object_get(cpu, "time")));
    json_t *u = json_object_get(cpu, "usageCoreNanoSeconds");
    if (t < 0 || !json_is_integer(u))
        return NULL;
    return json_pack("[I, I]", (json_int_t)t, json_integer_value(u));
}

/* Moves cur to prev and sets the new point, unless the counter restarted (a new container
 * instance: start differs, or the counter went back) — then the history starts again. */
static void advance(json_t *entry, json_t *point, bool restarted)
{
    json_t *cur = json_object_get(entry, "cur");
    int64_t t = json_integer_value(json_array_get(point, 0));
    int64_t c = json_integer_value(json_array_get(point, 1));
    if (cur && !restarted && t == json_integer_value(json_array_get(cur, 0))) {
        /* The same sample again (scraped twice within the kubelet's period): keep both. */
        json_decref(point);
        return;
    }
    if (!restarted && cur && t > json_integer_value(json_array_get(cur, 0)) &&
        c >= json_integer_value(json_array_get(cur, 1)))
        json_object_set(entry, "prev", cur);
    else
        json_object_del(entry, "prev");
    json_object_set_new(entry, "cur", point);
}

static void put_ws(json_t *entry, const json_t *memory)
{
    json_t *ws = json_object_get(memory, "workingSetBytes");
    json_object_set_new(entry, "ws",
                        json_integer(json_is_integer(ws) ? json_integer_value(ws) : 0));
}

int metrics_api_store_put(metrics_api_store_t *s, const char *node, const json_t *summary,
                          c8s_err_t *err)
{
    json_t *n = json_object_get(summary, "node");
    if (!json_is_object(n))
        return c8s_err_set(err, C8S_EINVALID, "summary of node %s: no node stats", node);
    json_t *ne = json_object_get(s->nodes, node);
    if (!ne) {
        ne = json_object();
        json_object_set_new(s->nodes, node, ne);
    }
    json_t *pt = cpu_point(json_object_get(n, "cpu"));
    if (pt)
        advance(ne, pt, false);
    put_ws(ne, json_object_get(n, "memory"));

    json_t *seen = json_object();
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(summary, "pods"), i, p)
    {
        json_t *ref = json_object_get(p, "podRef");
        const char *ns = json_string_value(json_object_get(ref, "namespace"));
        const char *name = json_string_value(json_object_get(ref, "name"));
        if (!ns || !name)
            continue;
        char key[512];
        snprintf(key, sizeof(key), "%s/%s", ns, name);
        json_object_set_new(seen, key, json_true());
        json_t *pe = json_object_get(s->pods, key);
        if (!pe || strcmp(json_string_value(json_object_get(pe, "node")) ?: "", node) != 0) {
            pe = json_pack("{s:s, s:{}}", "node", node, "containers");
            json_object_set_new(s->pods, key, pe);
        }
        json_t *ctrs = json_object_get(pe, "containers");
        json_t *now = json_object();
        size_t j;
        json_t *c;
        json_array_foreach(json_object_get(p, "containers"), j, c)
        {
            const char *cname = json_string_value(json_object_get(c, "name"));
            json_t *cpt = cpu_point(json_object_get(c, "cpu"));
            if (!cname || !cpt) {
                json_decref(cpt);
                continue;
            }
            const char *start = json_string_value(json_object_get(c, "startTime")) ?: "";
            json_t *ce = json_object_get(ctrs, cname);
            bool restarted =
                ce && strcmp(json_string_value(json_object_get(ce, "start")) ?: "", start) != 0;
            ce = ce ? json_incref(ce) : json_object();
            json_object_set_new(ce, "start", json_string(start));
            advance(ce, cpt, restarted);
            put_ws(ce, json_object_get(c, "memory"));
            json_object_set_new(now, cname, ce);
        }
        /* Containers no longer reported are gone. */
        json_object_set_new(pe, "containers", now);
    }
    /* Pods of this node no longer reported are gone. */
    const char *key;
    json_t *pe;
    void *tmp;
    json_object_foreach_safe(s->pods, tmp, key, pe)
    {
        if (strcmp(json_string_value(json_object_get(pe, "node")) ?: "", node) == 0 &&
            !json_object_get(seen, key))
            json_object_del(s->pods, key);
    }
    json_decref(seen);
    return 0;
}

void metrics_api_store_forget(metrics_api_store_t *s, const char *node)
{
    json_object_del(s->nodes, node);
    const char *key;
    json_t *pe;
    void *tmp;
    json_object_foreach_safe(s->pods, tmp, key, pe)
    {
        if (strcmp(json_string_value(json_object_get(pe, "node")) ?: "", node) == 0)
            json_object_del(s->pods, key);
    }
}

void metrics_api_store_retain(metrics_api_store_t *s, const json_t *keep)
{
    const char *node;
    json_t *ne;
    void *tmp;
    json_object_foreach_safe(s->nodes, tmp, node, ne)
    {
        if (!json_object_get(keep, node)) {
            char *copy = xstrdup(node);
            metrics_api_store_forget(s, copy);
            free(copy);
        }
    }
}

/* The rate of an entry: false until it has two points. */
static bool rate(const json_t *entry, uint64_t *nanocores, int64_t *at_ns, double *window_s)
{
    json_t *prev = json_object_get(entry, "prev"), *cur = json_object_get(entry, "cur");
    if (!prev || !cur)
        return false;
    int64_t t0 = json_integer_value(json_array_get(prev, 0));
    int64_t t1 = json_integer_value(json_array_get(cur, 0));
    int64_t c0 = json_integer_value(json_array_get(prev, 1));
    int64_t c1 = json_integer_value(json_array_get(cur, 1));
    if (t1 <= t0 || c1 < c0)
        return false;
    *nanocores = (uint64_t)((double)(c1 - c0) * 1e9 / (double)(t1 - t0));
    *at_ns = t1;
    *window_s = (double)(t1 - t0) / 1e9;
    return true;
}

/* RFC 3339 to the second, as metav1.Time writes it. */
static void stamp(int64_t at_ns, char *buf, size_t len)
{
    c8s_rfc3339_format(at_ns / 1000000000, buf, len);
}

json_t *metrics_api_store_node(const metrics_api_store_t *s, const char *node, const json_t *labels)
{
    json_t *ne = json_object_get(s->nodes, node);
    uint64_t nc;
    int64_t at;
    double w;
    if (!ne || !rate(ne, &nc, &at, &w))
        return NULL;
    char ts[40];
    stamp(at, ts, sizeof(ts));
    return metrics_api_node(node, labels, ts, w, nc,
                            (uint64_t)json_integer_value(json_object_get(ne, "ws")));
}

json_t *metrics_api_store_pod(const metrics_api_store_t *s, const char *ns, const char *name,
                              const json_t *labels)
{
    char key[512];
    snprintf(key, sizeof(key), "%s/%s", ns, name);
    json_t *ctrs = json_object_get(json_object_get(s->pods, key), "containers");
    size_t n = json_object_size(ctrs);
    if (n == 0)
        return NULL;
    metrics_api_container_t *cs = xcalloc(n, sizeof(*cs));
    size_t i = 0;
    int64_t at = 0;
    double w = 0;
    const char *cname;
    json_t *ce;
    bool ok = true;
    json_object_foreach(ctrs, cname, ce)
    {
        int64_t cat;
        double cw;
        /* As metrics-server: a pod shows only when every container has a rate. */
        if (!rate(ce, &cs[i].nanocores, &cat, &cw)) {
            ok = false;
            break;
        }
        cs[i].name = cname;
        cs[i].working_set = (uint64_t)json_integer_value(json_object_get(ce, "ws"));
        if (cat > at) {
            at = cat;
            w = cw;
        }
        i++;
    }
    json_t *out = NULL;
    if (ok) {
        char ts[40];
        stamp(at, ts, sizeof(ts));
        out = metrics_api_pod(ns, name, labels, ts, w, cs, n);
    }
    free(cs);
    return out;
}
