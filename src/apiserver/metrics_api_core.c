/*
 * metrics_api_core.c — NodeMetrics and PodMetrics objects and their quantities (metrics_api.h).
 */
#include "c8s/metrics_api.h"

#include <inttypes.h>
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
