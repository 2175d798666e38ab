/* eviction_core.c — thresholds, ranking and messages of the kubelet's eviction manager (see
 * include/c8s/eviction.h). Requests come from the scheduler's pod model, as for admission. */
#include "c8s/eviction.h"
#include "c8s/quantity.h"
#include "c8s/sched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const signal_names[EVICTION_NSIGNALS] = {"memory.available", "nodefs.available"};

int eviction_parse(const char *spec, eviction_threshold_t out[EVICTION_NSIGNALS],
                   bool have[EVICTION_NSIGNALS], c8s_err_t *err)
{
    for (int i = 0; i < EVICTION_NSIGNALS; i++)
        have[i] = false;
    cleanup_free char *copy = xstrdup(spec ? spec : "");
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        if (!*tok)
            continue;
        char *lt = strchr(tok, '<');
        if (!lt)
            return c8s_err_set(err, C8S_EINVALID, "eviction threshold %s: want signal<quantity",
                               tok);
        *lt = '\0';
        const char *val = lt + 1;
        int sig = -1;
        for (int i = 0; i < EVICTION_NSIGNALS; i++)
            if (strcmp(tok, signal_names[i]) == 0)
                sig = i;
        if (sig < 0)
            return c8s_err_set(err, C8S_EINVALID,
                               "eviction threshold: unsupported signal %s (memory.available, "
                               "nodefs.available)",
                               tok);
        eviction_threshold_t t = {.signal = (eviction_signal_t)sig};
        size_t vl = strlen(val);
        if (vl > 1 && val[vl - 1] == '%') {
            char *end;
            t.percent = strtod(val, &end);
            if (end != val + vl - 1 || !(t.percent > 0) || t.percent > 100)
                return c8s_err_set(err, C8S_EINVALID, "eviction threshold %s: bad percentage %s",
                                   tok, val);
        } else {
            quantity_t q;
            if (quantity_parse(val, &q, err) != 0)
                return c8s_err_wrap(err, "eviction threshold %s", tok);
            t.bytes = quantity_value(&q);
            if (t.bytes < 0)
                return c8s_err_set(err, C8S_EINVALID, "eviction threshold %s: negative", tok);
        }
        out[sig] = t;
        have[sig] = true;
    }
    return 0;
}

int64_t eviction_threshold_bytes(const eviction_threshold_t *t, int64_t capacity)
{
    if (t->percent > 0)
        return (int64_t)((double)capacity * t->percent / 100.0);
    return t->bytes;
}

bool eviction_met(const eviction_threshold_t *t, int64_t available, int64_t capacity)
{
    return available < eviction_threshold_bytes(t, capacity);
}

const char *eviction_resource(eviction_signal_t s)
{
    return s == EVICTION_MEMORY ? "memory" : "ephemeral-storage";
}

const char *eviction_condition(eviction_signal_t s)
{
    return s == EVICTION_MEMORY ? "MemoryPressure" : "DiskPressure";
}

static int cmp_pods(const eviction_pod_t *a, const eviction_pod_t *b)
{
    bool ea = a->usage > a->request, eb = b->usage > b->request;
    if (ea != eb)
        return ea ? -1 : 1;
    if (a->priority != b->priority)
        return a->priority < b->priority ? -1 : 1;
    int64_t oa = a->usage - a->request, ob = b->usage - b->request;
    if (oa != ob)
        return oa > ob ? -1 : 1;
    return 0;
}

void eviction_rank(eviction_pod_t *pods, size_t n, eviction_signal_t signal)
{
    for (size_t i = 0; i < n; i++) {
        sched_pod_t *sp = NULL;
        c8s_err_t err = C8S_ERR_INIT;
        pods[i].request = 0;
        pods[i].priority = 0;
        if (sched_pod_from_json(pods[i].pod, &sp, &err) == 0) {
            pods[i].request = signal == EVICTION_MEMORY ? sp->req.mem : sp->req.eph;
            pods[i].priority = sp->priority;
            sched_pod_unref(sp);
        }
        c8s_err_clear(&err);
    }
    /* Insertion sort: stable, and a node holds ~110 pods at most. */
    for (size_t i = 1; i < n; i++) {
        eviction_pod_t x = pods[i];
        size_t j = i;
        while (j > 0 && cmp_pods(&x, &pods[j - 1]) < 0) {
            pods[j] = pods[j - 1];
            j--;
        }
        pods[j] = x;
    }
}

char *eviction_message(eviction_signal_t signal, const eviction_threshold_t *t, int64_t available,
                       int64_t capacity)
{
    /* The threshold as upstream prints a quantity: in the largest binary unit it is a whole
     * number of. */
    char q[64];
    int64_t v = eviction_threshold_bytes(t, capacity);
    static const char *const units[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi"};
    int u = 0;
    while (u < 5 && v && v % 1024 == 0) {
        v /= 1024;
        u++;
    }
    snprintf(q, sizeof(q), "%lld%s", (long long)v, units[u]);
    return xasprintf(
        "The node was low on resource: %s. Threshold quantity: %s, available: %lldKi. ",
        eviction_resource(signal), q, (long long)(available / 1024));
}
