/*
 * hpa.c — HorizontalPodAutoscaler (autoscaling/v2): every sync period it reads the target's scale
 * subresource (Deployment, ReplicaSet, StatefulSet or any kind serving /scale), the pods its
 * selector picks and their usage from the resource metrics API (metrics.k8s.io/v1beta1, through
 * the same client as every other controller write), runs upstream's replica calculator and
 * normalisation (hpa_core.c) and writes the scale and the HPA's status: currentReplicas,
 * desiredReplicas, currentMetrics, lastScaleTime and the conditions AbleToScale, ScalingActive
 * and ScalingLimited with upstream's reasons and messages, plus its events (SuccessfulRescale,
 * FailedGetScale, FailedGetResourceMetric, FailedComputeMetricsReplicas, FailedRescale).
 *
 * Only Resource metrics (cpu, memory) are computed: c8s serves no custom or external metrics
 * API, so other metric types count as invalid, as they do upstream when those APIs are absent.
 */
#include "internal.h"

#include "c8s/hpa.h"
#include "c8s/quantity.h"
#include "c8s/selector.h"
#include "c8s/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMPONENT "horizontal-pod-autoscaler"
/* Upstream's defaults: --horizontal-pod-autoscaler-cpu-initialization-period and
 * --horizontal-pod-autoscaler-initial-readiness-delay (seconds). */
#define CPU_INIT_PERIOD 300
#define READINESS_DELAY 30
#define MAX_RECS        128
#define MAX_EVENTS      64

/* What the controller remembers of one HPA between syncs: its recent recommendations (for the
 * stabilization windows) and its recent scaling actions (for the behavior's rate policies).
 * Like upstream's, it is memory only: a restarted controller starts with none. */
typedef struct hpa_mem_s {
    char *key;
    hpa_rec_t recs[MAX_RECS];
    size_t n_recs;
    hpa_event_t events[MAX_EVENTS];
    size_t n_events;
} hpa_mem_t;

typedef struct {
    client_t *client;
    informer_t *hpas, *pods;
    informer_reg_t *hpa_reg, *pod_reg;
    workqueue_t *queue;
    uint64_t sync_ms;
    hpa_mem_t *mems;
    size_t n_mems;
    void (*done)(void *data);
    void *done_data;
} hpactrl_t;

/* One sync of one HPA across its asynchronous steps; owns everything it points to. */
typedef struct {
    hpactrl_t *hc;
    char *key;
    json_t *hpa;        /* a reference to the cached object */
    char *scale_path;   /* the target's /scale */
    json_t *conditions; /* the conditions being written */
    json_t *metrics;    /* status.currentMetrics; NULL: keep the old ones */
    int current, desired;
    bool rescaled;
    char *rescale_reason;
    char *selector; /* the target's pod selector (query form) */
} sync_t;

static hpa_mem_t *mem_of(hpactrl_t *hc, const char *key, bool create)
{
    for (size_t i = 0; i < hc->n_mems; i++)
        if (strcmp(hc->mems[i].key, key) == 0)
            return &hc->mems[i];
    if (!create)
        return NULL;
    hc->mems = xrealloc(hc->mems, (hc->n_mems + 1) * sizeof(*hc->mems));
    hpa_mem_t *m = &hc->mems[hc->n_mems++];
    memset(m, 0, sizeof(*m));
    m->key = xstrdup(key);
    return m;
}

static void mem_forget(hpactrl_t *hc, const char *key)
{
    for (size_t i = 0; i < hc->n_mems; i++)
        if (strcmp(hc->mems[i].key, key) == 0) {
            free(hc->mems[i].key);
            hc->mems[i] = hc->mems[--hc->n_mems];
            return;
        }
}

static void sync_free(sync_t *s)
{
    free(s->key);
    json_decref(s->hpa);
    free(s->scale_path);
    json_decref(s->conditions);
    json_decref(s->metrics);
    free(s->rescale_reason);
    free(s->selector);
    free(s);
}

/* Sets condition type in s->conditions, keeping its lastTransitionTime while the status stays. */
static void set_condition(sync_t *s, const char *type, bool status, const char *reason,
                          const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void set_condition(sync_t *s, const char *type, bool status, const char *reason,
                          const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    const char *st = status ? "True" : "False";
    char now[32];
    c8s_rfc3339_format(controllers__now_ms() / 1000, now, sizeof(now));
    size_t i;
    json_t *c;
    json_array_foreach(s->conditions, i, c)
    {
        const char *t = json_string_value(json_object_get(c, "type"));
        if (!t || strcmp(t, type) != 0)
            continue;
        const char *old = json_string_value(json_object_get(c, "status"));
        if (!old || strcmp(old, st) != 0 || !json_object_get(c, "lastTransitionTime"))
            json_object_set_new(c, "lastTransitionTime", json_string(now));
        json_object_set_new(c, "status", json_string(st));
        json_object_set_new(c, "reason", json_string(reason));
        json_object_set_new(c, "message", json_string(msg));
        return;
    }
    json_array_append_new(s->conditions,
                          json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", type, "status", st,
                                    "lastTransitionTime", now, "reason", reason, "message", msg));
}

static void event(sync_t *s, bool warning, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void event(sync_t *s, bool warning, const char *reason, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    controllers__event(s->hc->client, s->hpa, "HorizontalPodAutoscaler", "autoscaling/v2",
                       COMPONENT, warning ? "Warning" : "Normal", reason, "%s", msg);
}

static void on_status_written(const client_resp_t *resp, void *data)
{
    char *key = data;
    if (resp->status >= 300 && resp->status != 404 && resp->status != 409)
        log_warn("controllers", "hpa %s: writing status: %d %s", key, resp->status,
                 resp->body ? resp->body : "");
    free(key);
}

/* Whether two condition lists say the same (times aside). */
static bool same_conditions(const json_t *a, const json_t *b)
{
    if (json_array_size(a) != json_array_size(b))
        return false;
    static const char *const fields[] = {"type", "status", "reason", "message"};
    for (size_t i = 0; i < json_array_size(a); i++)
        for (size_t f = 0; f < C8S_ARRAY_SIZE(fields); f++) {
            const char *x = json_string_value(json_object_get(json_array_get(a, i), fields[f]));
            const char *y = json_string_value(json_object_get(json_array_get(b, i), fields[f]));
            if (!x || !y || strcmp(x, y) != 0)
                return false;
        }
    return true;
}

/* Writes the status (when it changed), requeues for the next period and ends the sync. */
static void finish(sync_t *s)
{
    hpactrl_t *hc = s->hc;
    json_t *old = json_object_get(s->hpa, "status");
    json_t *st = json_object();
    json_t *gen = json_object_get(json_object_get(s->hpa, "metadata"), "generation");
    if (json_is_integer(gen))
        json_object_set(st, "observedGeneration", gen);
    json_object_set_new(st, "currentReplicas", json_integer(s->current));
    json_object_set_new(st, "desiredReplicas", json_integer(s->desired));
    json_object_set(st, "conditions", s->conditions);
    if (s->metrics)
        json_object_set(st, "currentMetrics",
                        json_array_size(s->metrics) ? s->metrics : json_null());
    if (s->rescaled) {
        char now[32];
        c8s_rfc3339_format(controllers__now_ms() / 1000, now, sizeof(now));
        json_object_set_new(st, "lastScaleTime", json_string(now));
    }
    bool changed =
        s->rescaled || !same_conditions(json_object_get(old, "conditions"), s->conditions);
    static const char *const keys[] = {"observedGeneration", "currentReplicas", "desiredReplicas",
                                       "currentMetrics"};
    for (size_t i = 0; !changed && i < C8S_ARRAY_SIZE(keys); i++) {
        json_t *a = json_object_get(old, keys[i]), *b = json_object_get(st, keys[i]);
        if (b && !json_equal(a ? a : json_null(), b) && !(json_is_null(b) && !a))
            changed = true;
    }
    if (changed) {
        char ns[256], name[256];
        controllers__split_key(s->key, ns, sizeof(ns), name, sizeof(name));
        cleanup_free char *path = xasprintf(
            "/apis/autoscaling/v2/namespaces/%s/horizontalpodautoscalers/%s/status", ns, name);
        json_t *patch = json_pack("{s:o}", "status", st);
        cleanup_free char *body = json_dumps(patch, JSON_COMPACT);
        json_decref(patch);
        client_request(hc->client, "PATCH", path, "application/merge-patch+json", body,
                       strlen(body), on_status_written, xstrdup(s->key));
    } else {
        json_decref(st);
    }
    workqueue_forget(hc->queue, s->key);
    workqueue_add_after(hc->queue, s->key, hc->sync_ms);
    workqueue_done(hc->queue, s->key);
    sync_free(s);
}

/* ---- the metrics ---- */

typedef struct {
    int64_t cpu, memory; /* milli-CPU, bytes */
    int64_t at;          /* the sample's timestamp (seconds) */
    int64_t window;      /* seconds */
} usage_t;

static int64_t duration_s(const char *s)
{
    if (!s)
        return 0;
    char *end;
    double v = strtod(s, &end);
    if (end == s)
        return 0;
    if (*end == 'm' && end[1] != 's')
        v *= 60;
    return (int64_t)v;
}

/* The usage of a PodMetrics (borrowed), its containers summed. */
static void pod_usage(const json_t *pm, usage_t *u)
{
    memset(u, 0, sizeof(*u));
    u->at = c8s_rfc3339_parse(json_string_value(json_object_get(pm, "timestamp")));
    u->window = duration_s(json_string_value(json_object_get(pm, "window")));
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(pm, "containers"), i, c)
    {
        json_t *usage = json_object_get(c, "usage");
        quantity_t q;
        c8s_err_t err = C8S_ERR_INIT;
        if (quantity_parse_json(json_object_get(usage, "cpu"), &q, &err) == 0)
            u->cpu += quantity_milli(&q);
        c8s_err_clear(&err);
        if (quantity_parse_json(json_object_get(usage, "memory"), &q, &err) == 0)
            u->memory += quantity_value(&q);
        c8s_err_clear(&err);
    }
}

/* The summed requests of resource over the pod's containers; 0 when one lacks it. */
static int64_t pod_request(const json_t *pod, const char *resource, bool cpu)
{
    int64_t sum = 0;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(pod, "spec"), "containers"), i, c)
    {
        json_t *v =
            json_object_get(json_object_get(json_object_get(c, "resources"), "requests"), resource);
        quantity_t q;
        c8s_err_t err = C8S_ERR_INIT;
        if (!v || quantity_parse_json(v, &q, &err) != 0) {
            c8s_err_clear(&err);
            return 0;
        }
        sum += cpu ? quantity_milli(&q) : quantity_value(&q);
    }
    return sum;
}

static const json_t *pod_condition(const json_t *pod, const char *type)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(pod, "status"), "conditions"), i, c)
    {
        const char *t = json_string_value(json_object_get(c, "type"));
        if (t && strcmp(t, type) == 0)
            return c;
    }
    return NULL;
}

/* How a pod counts, as upstream's groupPods. */
static hpa_pod_state_t pod_state(const json_t *pod, const usage_t *u, bool cpu, int64_t now)
{
    const char *phase =
        json_string_value(json_object_get(json_object_get(pod, "status"), "phase")) ?: "";
    if (controllers__meta(pod, "deletionTimestamp") || strcmp(phase, "Failed") == 0)
        return HPA_POD_IGNORED;
    if (strcmp(phase, "Pending") == 0)
        return HPA_POD_UNREADY;
    if (!u)
        return HPA_POD_MISSING;
    if (!cpu)
        return HPA_POD_OK;
    const json_t *ready = pod_condition(pod, "Ready");
    int64_t start = c8s_rfc3339_parse(
        json_string_value(json_object_get(json_object_get(pod, "status"), "startTime")));
    if (!ready || start < 0)
        return HPA_POD_UNREADY;
    bool is_false = strcmp(json_string_value(json_object_get(ready, "status")) ?: "", "False") == 0;
    int64_t transition =
        c8s_rfc3339_parse(json_string_value(json_object_get(ready, "lastTransitionTime")));
    bool unready;
    /* During the initialization period a sample taken before the pod became ready (startup
     * CPU) does not count; afterwards only a pod that never became ready is left out. */
    if (start + CPU_INIT_PERIOD > now)
        unready = is_false || u->at < transition + u->window;
    else
        unready = is_false && start + READINESS_DELAY > transition;
    return unready ? HPA_POD_UNREADY : HPA_POD_OK;
}

typedef struct {
    const char *ns;
    labelsel_t *sel;
    json_t *pods; /* owned array of references */
} select_t;

static bool select_pod(json_t *pod, void *data)
{
    select_t *sc = data;
    const char *ns = controllers__meta(pod, "namespace");
    if (ns && strcmp(ns, sc->ns) == 0 &&
        labelsel_matches(sc->sel, json_object_get(json_object_get(pod, "metadata"), "labels")))
        json_array_append(sc->pods, pod);
    return true;
}

/* One Resource metric's proposal; fills *status (owned) with its currentMetrics entry and
 * *name (static or into namebuf) with upstream's metric name for messages. */
static int compute_resource(sync_t *s, const json_t *spec_metric, const json_t *pods,
                            const json_t *usage_by_pod, int *replicas, json_t **status,
                            char *namebuf, size_t namelen, c8s_err_t *err)
{
    json_t *res = json_object_get(spec_metric, "resource");
    const char *resource = json_string_value(json_object_get(res, "name")) ?: "";
    json_t *target = json_object_get(res, "target");
    const char *ttype = json_string_value(json_object_get(target, "type")) ?: "";
    bool cpu = strcmp(resource, "cpu") == 0;
    if (!cpu && strcmp(resource, "memory") != 0)
        return c8s_err_set(err, C8S_EINVALID,
                           "failed to get %s utilization: unable to get metrics for resource %s: "
                           "no metrics returned from resource metrics API",
                           resource, resource);
    if (json_object_size(usage_by_pod) == 0)
        return c8s_err_set(err, C8S_EINVALID,
                           "failed to get %s utilization: unable to get metrics for resource %s: "
                           "no metrics returned from resource metrics API",
                           resource, resource);
    bool util = strcmp(ttype, "Utilization") == 0;
    if (util)
        snprintf(namebuf, namelen, "%s resource utilization (percentage of request)", resource);
    else
        snprintf(namebuf, namelen, "%s resource", resource);

    size_t n = json_array_size(pods);
    hpa_pod_t *hp = xcalloc(n + 1, sizeof(*hp));
    int64_t now = controllers__now_ms() / 1000;
    for (size_t i = 0; i < n; i++) {
        json_t *pod = json_array_get(pods, i);
        json_t *u = json_object_get(usage_by_pod, controllers__meta(pod, "name"));
        usage_t pu;
        if (u)
            pod_usage(u, &pu);
        hp[i].state = pod_state(pod, u ? &pu : NULL, cpu, now);
        hp[i].usage = u ? (cpu ? pu.cpu : pu.memory) : 0;
        hp[i].request = pod_request(pod, resource, cpu);
    }
    hpa_calc_t out;
    c8s_err_t cerr = C8S_ERR_INIT;
    int rc;
    if (util) {
        json_t *au = json_object_get(target, "averageUtilization");
        rc = hpa_calc_utilization(hp, n, s->current,
                                  json_is_integer(au) ? (int)json_integer_value(au) : 0,
                                  HPA_TOLERANCE, &out, &cerr);
    } else if (strcmp(ttype, "AverageValue") == 0) {
        quantity_t q = {0};
        rc = quantity_parse_json(json_object_get(target, "averageValue"), &q, &cerr);
        if (rc == 0)
            rc = hpa_calc_average_value(hp, n, s->current,
                                        cpu ? quantity_milli(&q) : quantity_value(&q),
                                        HPA_TOLERANCE, &out, &cerr);
    } else {
        rc = c8s_err_set(&cerr, C8S_EINVALID, "invalid target type %s for resource %s", ttype,
                         resource);
    }
    free(hp);
    if (rc != 0) {
        c8s_err_set(err, C8S_EINVALID, "failed to get %s utilization: %s", resource, cerr.msg);
        c8s_err_clear(&cerr);
        return C8S_EINVALID;
    }
    *replicas = out.replicas;
    char qbuf[64];
    quantity_t avg = {.milli = cpu ? out.average : out.average * 1000,
                      .format = cpu ? QUANTITY_DECIMAL_SI : QUANTITY_BINARY_SI};
    quantity_format(&avg, qbuf, sizeof(qbuf));
    json_t *current = json_pack("{s:s}", "averageValue", qbuf);
    if (util)
        json_object_set_new(current, "averageUtilization", json_integer(out.utilization));
    *status = json_pack("{s:s, s:{s:s, s:o}}", "type", "Resource", "resource", "name", resource,
                        "current", current);
    return 0;
}

/* Reads behavior (borrowed, may be absent) into b; false when absent. */
static bool parse_behavior(const json_t *behavior, hpa_behavior_t *b)
{
    if (!json_is_object(behavior))
        return false;
    hpa_behavior_default(b);
    const char *dirs[] = {"scaleUp", "scaleDown"};
    hpa_rules_t *rules[] = {&b->up, &b->down};
    for (size_t d = 0; d < 2; d++) {
        json_t *r = json_object_get(behavior, dirs[d]);
        if (!json_is_object(r))
            continue;
        json_t *w = json_object_get(r, "stabilizationWindowSeconds");
        if (json_is_integer(w))
            rules[d]->window = (int)json_integer_value(w);
        const char *sel = json_string_value(json_object_get(r, "selectPolicy"));
        if (sel)
            rules[d]->select = strcmp(sel, "Min") == 0        ? HPA_SELECT_MIN
                               : strcmp(sel, "Disabled") == 0 ? HPA_SELECT_DISABLED
                                                              : HPA_SELECT_MAX;
        json_t *pols = json_object_get(r, "policies");
        if (!json_is_array(pols))
            continue;
        rules[d]->n_policies = 0;
        size_t i;
        json_t *p;
        json_array_foreach(pols, i, p)
        {
            if (rules[d]->n_policies >= C8S_ARRAY_SIZE(rules[d]->policies))
                break;
            const char *type = json_string_value(json_object_get(p, "type")) ?: "";
            rules[d]->policies[rules[d]->n_policies++] = (hpa_policy_t){
                .percent = strcmp(type, "Percent") == 0,
                .value = (int)json_integer_value(json_object_get(p, "value")),
                .period = (int)json_integer_value(json_object_get(p, "periodSeconds")),
            };
        }
    }
    return true;
}

static void rescale(sync_t *s);

/* Upstream's normalisation and its conditions, then the rescale when the count changes. */
static void decide(sync_t *s, int proposal, const char *metric_name)
{
    hpactrl_t *hc = s->hc;
    json_t *spec = json_object_get(s->hpa, "spec");
    int minr = json_is_integer(json_object_get(spec, "minReplicas"))
                   ? (int)json_integer_value(json_object_get(spec, "minReplicas"))
                   : 1;
    int maxr = (int)json_integer_value(json_object_get(spec, "maxReplicas"));
    hpa_mem_t *m = mem_of(hc, s->key, true);
    hpa_behavior_t b;
    bool with_b = parse_behavior(json_object_get(spec, "behavior"), &b);
    int64_t now = controllers__now_ms() / 1000;
    hpa_limit_t lim;
    hpa_normalize(s->current, proposal, minr, maxr, HPA_DOWNSCALE_WINDOW, with_b ? &b : NULL,
                  m->events, m->n_events, m->recs, &m->n_recs, MAX_RECS, now, &lim);
    if (lim.stabilized != proposal) {
        if (lim.stabilized > proposal)
            set_condition(s, "AbleToScale", true, "ScaleDownStabilized",
                          "recent recommendations were higher than current one, applying the "
                          "highest recent recommendation");
        else
            set_condition(s, "AbleToScale", true, "ScaleUpStabilized",
                          "recent recommendations were lower than current one, applying the "
                          "lowest recent recommendation");
    } else {
        set_condition(s, "AbleToScale", true, "ReadyForNewScale",
                      "recommended size matches current size");
    }
    if (lim.reason)
        set_condition(s, "ScalingLimited", true, lim.reason, "%s", lim.message);
    else
        set_condition(s, "ScalingLimited", false, "DesiredWithinRange",
                      "the desired count is within the acceptable range");
    s->desired = lim.replicas;
    if (s->desired > s->current)
        s->rescale_reason = xasprintf("%s above target", metric_name);
    else if (s->desired < s->current)
        s->rescale_reason = xstrdup("All metrics below target");
    rescale(s);
}

static void on_metrics(const client_resp_t *resp, void *data)
{
    sync_t *s = data;
    hpactrl_t *hc = s->hc;
    json_t *spec = json_object_get(s->hpa, "spec");
    json_t *list = resp->status == 200 ? json_loads(resp->body, 0, NULL) : NULL;
    json_t *usage_by_pod = json_object();
    size_t i;
    json_t *pm;
    json_array_foreach(json_object_get(list, "items"), i, pm)
    {
        const char *name = controllers__meta(pm, "name");
        if (name)
            json_object_set(usage_by_pod, name, pm);
    }

    char ns[256], name[256];
    controllers__split_key(s->key, ns, sizeof(ns), name, sizeof(name));
    select_t sc = {ns, NULL, json_array()};
    c8s_err_t err = C8S_ERR_INIT;
    if (labelsel_parse(s->selector, &sc.sel, &err) == 0) {
        informer_foreach(hc->pods, select_pod, &sc);
        labelsel_free(sc.sel);
    }
    c8s_err_clear(&err);

    json_t *statuses = json_array();
    int best = -1, invalid = 0, total = 0;
    char best_name[128] = "", first_err[1100] = "", first_reason[64] = "";
    json_t *m;
    json_array_foreach(json_object_get(spec, "metrics"), i, m)
    {
        total++;
        const char *type = json_string_value(json_object_get(m, "type")) ?: "";
        c8s_err_t merr = C8S_ERR_INIT;
        int replicas = 0;
        json_t *st = NULL;
        char mname[128];
        int rc;
        if (strcmp(type, "Resource") != 0) {
            rc = c8s_err_set(&merr, C8S_EINVALID,
                             "unable to get metric of type %s: no custom or external metrics API "
                             "is served",
                             type);
        } else if (!list) {
            const char *res =
                json_string_value(json_object_get(json_object_get(m, "resource"), "name")) ?: "";
            json_t *body = json_loads(resp->body ? resp->body : "", 0, NULL);
            const char *why = json_string_value(json_object_get(body, "message"));
            rc = c8s_err_set(&merr, C8S_EUNAVAILABLE,
                             "failed to get %s utilization: unable to get metrics for resource "
                             "%s: unable to fetch metrics from resource metrics API: %s",
                             res, res,
                             why                 ? why
                             : resp->status == 0 ? "no answer"
                                                 : "the server could not find the requested "
                                                   "resource (get pods.metrics.k8s.io)");
            json_decref(body);
            if (!first_reason[0]) {
                snprintf(first_reason, sizeof(first_reason), "FailedGetResourceMetric");
                event(s, true, "FailedGetResourceMetric", "%s", merr.msg);
            }
        } else {
            rc = compute_resource(s, m, sc.pods, usage_by_pod, &replicas, &st, mname, sizeof(mname),
                                  &merr);
            if (rc != 0 && !first_reason[0]) {
                snprintf(first_reason, sizeof(first_reason), "FailedGetResourceMetric");
                event(s, true, "FailedGetResourceMetric", "%s", merr.msg);
            }
        }
        if (rc != 0) {
            if (!first_err[0])
                snprintf(first_err, sizeof(first_err), "%s", merr.msg);
            if (!first_reason[0])
                snprintf(first_reason, sizeof(first_reason), "FailedGetResourceMetric");
            invalid++;
            c8s_err_clear(&merr);
            continue;
        }
        json_array_append_new(statuses, st);
        if (replicas > best) {
            best = replicas;
            snprintf(best_name, sizeof(best_name), "%s", mname);
        }
    }
    json_decref(sc.pods);
    json_decref(usage_by_pod);
    json_decref(list);
    s->metrics = statuses;

    /* As upstream: no proposal at all, or one that would scale down while some metric could
     * not be read (it might have asked for more), leaves the scale alone. */
    if (invalid > 0 && (invalid >= total || best < s->current)) {
        if (total > 0)
            event(s, true, "FailedComputeMetricsReplicas",
                  "invalid metrics (%d invalid out of %d), first error is: failed to get "
                  "resource metric value: %s",
                  invalid, total, first_err);
        set_condition(s, "ScalingActive", false,
                      first_reason[0] ? first_reason : "InvalidMetricSourceType",
                      "the HPA was unable to compute the replica count: %s", first_err);
        json_t *old = json_object_get(json_object_get(s->hpa, "status"), "desiredReplicas");
        s->desired = json_is_integer(old) ? (int)json_integer_value(old) : s->current;
        return finish(s);
    }
    set_condition(s, "ScalingActive", true, "ValidMetricFound",
                  "the HPA was able to successfully calculate a replica count from %s", best_name);
    decide(s, best, best_name);
}

static void on_rescaled(const client_resp_t *resp, void *data)
{
    sync_t *s = data;
    hpactrl_t *hc = s->hc;
    if (resp->status == 200) {
        s->rescaled = true;
        set_condition(s, "AbleToScale", true, "SucceededRescale",
                      "the HPA controller was able to update the target scale to %d", s->desired);
        event(s, false, "SuccessfulRescale", "New size: %d; reason: %s", s->desired,
              s->rescale_reason ?: "");
        hpa_mem_t *m = mem_of(hc, s->key, true);
        if (m->n_events == MAX_EVENTS) {
            memmove(m->events, m->events + 1, (MAX_EVENTS - 1) * sizeof(*m->events));
            m->n_events--;
        }
        m->events[m->n_events++] =
            (hpa_event_t){.at = controllers__now_ms() / 1000, .delta = s->desired - s->current};
    } else {
        json_t *body = json_loads(resp->body ? resp->body : "", 0, NULL);
        const char *why = json_string_value(json_object_get(body, "message")) ?: "no answer";
        set_condition(s, "AbleToScale", false, "FailedUpdateScale",
                      "the HPA controller was unable to update the target scale: %s", why);
        event(s, true, "FailedRescale", "New size: %d; reason: %s; error: %s", s->desired,
              s->rescale_reason ?: "", why);
        json_decref(body);
        s->desired = s->current;
    }
    finish(s);
}

static void rescale(sync_t *s)
{
    if (s->desired == s->current)
        return finish(s);
    cleanup_free char *body = xasprintf("{\"spec\":{\"replicas\":%d}}", s->desired);
    client_request(s->hc->client, "PATCH", s->scale_path, "application/merge-patch+json", body,
                   strlen(body), on_rescaled, s);
}

static void on_scale(const client_resp_t *resp, void *data)
{
    sync_t *s = data;
    json_t *spec = json_object_get(s->hpa, "spec");
    json_t *old_status = json_object_get(s->hpa, "status");
    json_t *scale = resp->status == 200 ? json_loads(resp->body, 0, NULL) : NULL;
    json_t *cur = json_object_get(json_object_get(scale, "spec"), "replicas");
    if (!json_is_integer(cur)) {
        json_t *body = json_loads(resp->body ? resp->body : "", 0, NULL);
        const char *why = json_string_value(json_object_get(body, "message")) ?: "no answer";
        set_condition(s, "AbleToScale", false, "FailedGetScale",
                      "the HPA controller was unable to get the target's current scale: %s", why);
        event(s, true, "FailedGetScale", "%s", why);
        json_decref(body);
        json_decref(scale);
        json_t *c = json_object_get(old_status, "currentReplicas");
        json_t *d = json_object_get(old_status, "desiredReplicas");
        s->current = json_is_integer(c) ? (int)json_integer_value(c) : 0;
        s->desired = json_is_integer(d) ? (int)json_integer_value(d) : 0;
        return finish(s);
    }
    s->current = (int)json_integer_value(cur);
    set_condition(s, "AbleToScale", true, "SucceededGetScale",
                  "the HPA controller was able to get the target's current scale");
    int minr = json_is_integer(json_object_get(spec, "minReplicas"))
                   ? (int)json_integer_value(json_object_get(spec, "minReplicas"))
                   : 1;
    int maxr = (int)json_integer_value(json_object_get(spec, "maxReplicas"));
    const char *selector =
        json_string_value(json_object_get(json_object_get(scale, "status"), "selector"));
    if (s->current == 0 && minr != 0) {
        set_condition(s, "ScalingActive", false, "ScalingDisabled",
                      "scaling is disabled since the replica count of the target is zero");
        s->desired = 0;
        json_decref(scale);
        return finish(s);
    }
    if (s->current > maxr || s->current < minr) {
        s->desired = s->current > maxr ? maxr : minr;
        s->rescale_reason =
            xstrdup(s->current > maxr ? "Current number of replicas above Spec.MaxReplicas"
                                      : "Current number of replicas below Spec.MinReplicas");
        json_decref(scale);
        return rescale(s);
    }
    if (!selector || !*selector) {
        set_condition(s, "ScalingActive", false, "InvalidSelector",
                      "the HPA target's scale is missing a selector");
        event(s, true, "SelectorRequired", "selector is required");
        s->desired = s->current;
        json_decref(scale);
        return finish(s);
    }
    char ns[256], name[256];
    controllers__split_key(s->key, ns, sizeof(ns), name, sizeof(name));
    strbuf_t pb = STRBUF_INIT;
    strbuf_addf(&pb, "/apis/metrics.k8s.io/v1beta1/namespaces/%s/pods?labelSelector=", ns);
    strbuf_add_escaped(&pb, selector, NULL);
    cleanup_free char *path = strbuf_take(&pb);
    s->selector = xstrdup(selector);
    json_decref(scale);
    client_request(s->hc->client, "GET", path, NULL, NULL, 0, on_metrics, s);
}

static void process(workqueue_t *q, const char *key, void *data)
{
    hpactrl_t *hc = data;
    char ns[256], name[256];
    controllers__split_key(key, ns, sizeof(ns), name, sizeof(name));
    json_t *hpa = informer_get(hc->hpas, ns, name);
    if (!hpa || controllers__meta(hpa, "deletionTimestamp")) {
        if (!hpa)
            mem_forget(hc, key);
        workqueue_forget(q, key);
        workqueue_done(q, key);
        return;
    }
    if (!informer_synced(hc->pods)) {
        workqueue_done(q, key);
        workqueue_add_after(q, key, 200);
        return;
    }
    sync_t *s = xcalloc(1, sizeof(*s));
    s->hc = hc;
    s->key = xstrdup(key);
    s->hpa = json_incref(hpa);
    json_t *old = json_object_get(json_object_get(hpa, "status"), "conditions");
    s->conditions = json_is_array(old) ? json_deep_copy(old) : json_array();
    json_t *ref = json_object_get(json_object_get(hpa, "spec"), "scaleTargetRef");
    const char *kind = json_string_value(json_object_get(ref, "kind")) ?: "";
    const char *target = json_string_value(json_object_get(ref, "name")) ?: "";
    const char *av = json_string_value(json_object_get(ref, "apiVersion")) ?: "v1";
    char group[128] = "";
    const char *version = av, *slash = strchr(av, '/');
    if (slash) {
        snprintf(group, sizeof(group), "%.*s", (int)(slash - av), av);
        version = slash + 1;
    }
    const api_kind_t *k = api_kind_by_kind(group, version, kind);
    if (!k || !api_kind_has_subresource(k, "scale")) {
        set_condition(s, "AbleToScale", false, "FailedGetScale",
                      "the HPA controller was unable to get the target's current scale: no "
                      "matches for kind \"%s\" in group \"%s\"",
                      kind, group);
        event(s, true, "FailedGetScale", "no matches for kind \"%s\" in group \"%s\"", kind, group);
        json_t *c = json_object_get(json_object_get(hpa, "status"), "currentReplicas");
        s->current = s->desired = json_is_integer(c) ? (int)json_integer_value(c) : 0;
        return finish(s);
    }
    cleanup_free char *gp = controllers__group_path(k);
    s->scale_path = xasprintf("%s/namespaces/%s/%s/%s/scale", gp, ns, k->resource, target);
    client_request(hc->client, "GET", s->scale_path, NULL, NULL, 0, on_scale, s);
}

static void enqueue(hpactrl_t *hc, const json_t *obj)
{
    cleanup_free char *key = controllers__key(obj);
    if (key)
        workqueue_add(hc->queue, key);
}

static void hpa_added(informer_t *inf, json_t *obj, void *data)
{
    enqueue(data, obj);
}

/* Only a change of the spec is worth an early sync: the controller's own status writes come
 * back as updates too, and the period brings the next sync anyway. */
static void hpa_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    if (!json_equal(json_object_get(old, "spec"), json_object_get(obj, "spec")))
        enqueue(data, obj);
}

static void hpa_deleted(informer_t *inf, json_t *obj, void *data)
{
    enqueue(data, obj);
}

static bool enqueue_all(json_t *obj, void *data)
{
    enqueue(data, obj);
    return true;
}

static void pods_synced(informer_t *inf, void *data)
{
    hpactrl_t *hc = data;
    informer_foreach(hc->hpas, enqueue_all, hc);
}

static ctrl_t *start(controllers_t *cm)
{
    hpactrl_t *hc = xcalloc(1, sizeof(*hc));
    hc->client = controllers__client(cm);
    hc->sync_ms = controllers__hpa_sync_ms(cm);
    hc->queue = workqueue_new(client_loop(hc->client), 2, process, hc);
    informer_handlers_t hh = {
        .on_add = hpa_added, .on_update = hpa_updated, .on_delete = hpa_deleted};
    informer_handlers_t ph = {.on_synced = pods_synced};
    hc->hpas = controllers__informer(cm, "/apis/autoscaling/v2/horizontalpodautoscalers");
    hc->pods = controllers__informer(cm, "/api/v1/pods");
    hc->hpa_reg = informer_add_handlers(hc->hpas, &hh, hc);
    hc->pod_reg = informer_add_handlers(hc->pods, &ph, hc);
    return (ctrl_t *)hc;
}

static void on_queue_closed(void *data)
{
    hpactrl_t *hc = data;
    void (*done)(void *) = hc->done;
    void *d = hc->done_data;
    for (size_t i = 0; i < hc->n_mems; i++)
        free(hc->mems[i].key);
    free(hc->mems);
    free(hc);
    done(d);
}

static void stop(ctrl_t *ctrl, void (*done)(void *data), void *data)
{
    hpactrl_t *hc = (hpactrl_t *)ctrl;
    hc->done = done;
    hc->done_data = data;
    informer_remove_handlers(hc->hpas, hc->hpa_reg);
    informer_remove_handlers(hc->pods, hc->pod_reg);
    workqueue_close(hc->queue, on_queue_closed, hc);
}

const ctrl_ops_t controllers__hpa = {"horizontalpodautoscaling", start, stop};
