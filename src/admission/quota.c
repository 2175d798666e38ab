/*
 * quota.c — the ResourceQuota admission plugin's and controller's arithmetic: what an object
 * uses (upstream's quota evaluators for pods, services, claims and object counts), whether a
 * quota admits it, and the status a quota should show.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static void set_qty(json_t *list, const char *k, int64_t milli, quantity_format_t f)
{
    quantity_t q = {.milli = milli, .format = f};
    char buf[48];
    json_object_set_new(list, k, json_string(quantity_format(&q, buf, sizeof buf)));
}

static void set_count(json_t *list, const char *k, int64_t n)
{
    set_qty(list, k, n * 1000, QUANTITY_DECIMAL_SI);
}

static bool pod_uses_nothing(const json_t *pod)
{
    const char *phase = admission__str(json_object_get(pod, "status"), "phase");
    return phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"));
}

static void pod_usage(json_t *u, const json_t *pod)
{
    set_count(u, "pods", 1);
    json_t *spec = json_object_get(pod, "spec");
    json_t *req = admission__pod_total(spec, "requests");
    json_t *lim = admission__pod_total(spec, "limits");
    static const char *const names[] = {"cpu", "memory", "ephemeral-storage"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(names); i++) {
        json_t *v = json_object_get(req, names[i]);
        if (v) {
            char k[64];
            snprintf(k, sizeof k, "requests.%s", names[i]);
            json_object_set(u, k, v);
            if (strcmp(names[i], "ephemeral-storage") != 0)
                json_object_set(u, names[i], v);
        }
        v = json_object_get(lim, names[i]);
        if (v) {
            char k[64];
            snprintf(k, sizeof k, "limits.%s", names[i]);
            json_object_set(u, k, v);
        }
    }
    json_decref(req);
    json_decref(lim);
}

static void service_usage(json_t *u, const json_t *svc)
{
    set_count(u, "services", 1);
    json_t *spec = json_object_get(svc, "spec");
    const char *type = admission__str(spec, "type");
    size_t ports = json_array_size(json_object_get(spec, "ports"));
    if (type && !strcmp(type, "LoadBalancer")) {
        set_count(u, "services.loadbalancers", 1);
        if (!json_is_false(json_object_get(spec, "allocateLoadBalancerNodePorts")))
            set_count(u, "services.nodeports", (int64_t)ports);
    } else if (type && !strcmp(type, "NodePort")) {
        set_count(u, "services.nodeports", (int64_t)ports);
    }
}

static void pvc_usage(json_t *u, const json_t *pvc)
{
    set_count(u, "persistentvolumeclaims", 1);
    json_t *spec = json_object_get(pvc, "spec");
    json_t *st = admission__get(json_object_get(spec, "resources"), "requests", "storage");
    const char *cls = admission__str(spec, "storageClassName");
    if (st)
        json_object_set(u, "requests.storage", st);
    if (cls && *cls) {
        cleanup_free char *k =
            xasprintf("%s.storageclass.storage.k8s.io/persistentvolumeclaims", cls);
        set_count(u, k, 1);
        if (st) {
            cleanup_free char *ks =
                xasprintf("%s.storageclass.storage.k8s.io/requests.storage", cls);
            json_object_set(u, ks, st);
        }
    }
}

json_t *admission_quota_usage(const char *group, const char *resource, const json_t *obj)
{
    json_t *u = json_object();
    bool core = !group || !*group;
    if (core && !strcmp(resource, "pods") && pod_uses_nothing(obj))
        return u;
    cleanup_free char *count =
        core ? xasprintf("count/%s", resource) : xasprintf("count/%s.%s", resource, group);
    set_count(u, count, 1);
    if (!core)
        return u;
    if (!strcmp(resource, "pods"))
        pod_usage(u, obj);
    else if (!strcmp(resource, "services"))
        service_usage(u, obj);
    else if (!strcmp(resource, "persistentvolumeclaims"))
        pvc_usage(u, obj);
    else if (!strcmp(resource, "configmaps") || !strcmp(resource, "secrets") ||
             !strcmp(resource, "replicationcontrollers") || !strcmp(resource, "resourcequotas"))
        set_count(u, resource, 1);
    return u;
}

int admission_quota_add(json_t *a, const json_t *b, c8s_err_t *err)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)b, k, v)
    {
        quantity_t q, s;
        if (quantity_parse_json(v, &q, err) != 0)
            return err->code;
        if (admission__qty(a, k, &s)) {
            /* Upstream's Add keeps the receiver's format unless it was a bare zero. */
            quantity_format_t f = s.milli == 0 ? q.format : s.format;
            q.milli += s.milli;
            q.format = f;
        }
        char buf[48];
        json_object_set_new(a, k, json_string(quantity_format(&q, buf, sizeof buf)));
    }
    return 0;
}

json_t *admission_quota_delta(const json_t *now, const json_t *before)
{
    json_t *d = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)now, k, v)
    {
        quantity_t q, b;
        c8s_err_t err = C8S_ERR_INIT;
        if (quantity_parse_json(v, &q, &err) != 0) {
            c8s_err_clear(&err);
            continue;
        }
        if (admission__qty(before, k, &b)) {
            if (q.milli <= b.milli)
                continue;
            q.milli -= b.milli;
        }
        char buf[48];
        json_object_set_new(d, k, json_string(quantity_format(&q, buf, sizeof buf)));
    }
    return d;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted keys of an object (array of borrowed strings, owned array; *n set). */
static const char **sorted_keys(const json_t *o, size_t *n)
{
    *n = json_object_size(o);
    const char **keys = xcalloc(*n ? *n : 1, sizeof(*keys));
    size_t i = 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) keys[i++] = k;
    qsort(keys, *n, sizeof(*keys), cmp_str);
    return keys;
}

/* upstream's prettyPrint of a ResourceList masked to names: "pods=1,requests.cpu=1". */
static char *pretty(const json_t *list, const json_t *names)
{
    strbuf_t b = STRBUF_INIT;
    size_t n;
    const char **keys = sorted_keys(names, &n);
    for (size_t i = 0; i < n; i++) {
        quantity_t q = {0};
        char buf[48] = "0";
        if (admission__qty(list, keys[i], &q))
            quantity_format(&q, buf, sizeof buf);
        if (b.len)
            strbuf_add(&b, ",");
        strbuf_addf(&b, "%s=%s", keys[i], buf);
    }
    free(keys);
    return strbuf_take(&b);
}

static bool is_compute(const char *k)
{
    static const char *const names[] = {"cpu",
                                        "memory",
                                        "requests.cpu",
                                        "requests.memory",
                                        "limits.cpu",
                                        "limits.memory",
                                        "requests.ephemeral-storage",
                                        "limits.ephemeral-storage",
                                        "ephemeral-storage"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(names); i++)
        if (!strcmp(k, names[i]))
            return true;
    return false;
}

/* The compute names one container sets, as upstream's podComputeUsageHelper names them. */
static bool container_sets(const json_t *c, const char *k)
{
    json_t *res = json_object_get(c, "resources");
    json_t *req = json_object_get(res, "requests"), *lim = json_object_get(res, "limits");
    if (!strncmp(k, "requests.", 9))
        return json_object_get(req, k + 9) != NULL;
    if (!strncmp(k, "limits.", 7))
        return json_object_get(lim, k + 7) != NULL;
    return json_object_get(req, k) != NULL;
}

/* upstream's pod evaluator Constraints: every container must set each compute resource the
 * quota constrains. */
static int pod_constraints(const json_t *quota, const json_t *hard, const json_t *pod,
                           c8s_err_t *err)
{
    json_t *missing = json_object(); /* resource → object of container names */
    const json_t *spec = json_object_get(pod, "spec");
    static const char *const lists[] = {"initContainers", "containers"};
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)hard, k, v)
    {
        if (!is_compute(k))
            continue;
        for (size_t l = 0; l < 2; l++) {
            size_t i;
            json_t *c;
            json_array_foreach(json_object_get(spec, lists[l]), i, c)
            {
                if (container_sets(c, k))
                    continue;
                json_t *set = json_object_get(missing, k);
                if (!set) {
                    set = json_object();
                    json_object_set_new(missing, k, set);
                }
                const char *cn = admission__str(c, "name");
                json_object_set_new(set, cn ? cn : "", json_true());
            }
        }
    }
    int rc = 0;
    if (json_object_size(missing)) {
        strbuf_t b = STRBUF_INIT;
        size_t n;
        const char **keys = sorted_keys(missing, &n);
        for (size_t i = 0; i < n; i++) {
            size_t m;
            const char **names = sorted_keys(json_object_get(missing, keys[i]), &m);
            if (b.len)
                strbuf_add(&b, "; ");
            strbuf_addf(&b, "%s for: ", keys[i]);
            for (size_t j = 0; j < m; j++)
                strbuf_addf(&b, "%s%s", j ? "," : "", names[j]);
            free(names);
        }
        free(keys);
        char *s = strbuf_take(&b);
        rc = c8s_err_set(err, C8S_EFORBIDDEN, "failed quota: %s: must specify %s",
                         admission__str(json_object_get(quota, "metadata"), "name"), s);
        free(s);
    }
    json_decref(missing);
    return rc;
}

static bool best_effort(const json_t *spec)
{
    static const char *const lists[] = {"initContainers", "containers"};
    for (size_t l = 0; l < 2; l++) {
        size_t i;
        json_t *c;
        json_array_foreach(json_object_get(spec, lists[l]), i, c)
        {
            json_t *res = json_object_get(c, "resources");
            if (json_object_size(json_object_get(res, "requests")) ||
                json_object_size(json_object_get(res, "limits")))
                return false;
        }
    }
    return true;
}

/* Whether a pod is in one scope; values/op for the selector's PriorityClass expressions. */
static bool in_scope(const char *scope, const json_t *pod, const char *op, const json_t *values)
{
    const json_t *spec = json_object_get(pod, "spec");
    if (!strcmp(scope, "Terminating") || !strcmp(scope, "NotTerminating")) {
        json_t *ads = json_object_get(spec, "activeDeadlineSeconds");
        bool term = json_is_integer(ads) && json_integer_value(ads) >= 0;
        return !strcmp(scope, "Terminating") ? term : !term;
    }
    if (!strcmp(scope, "BestEffort"))
        return best_effort(spec);
    if (!strcmp(scope, "NotBestEffort"))
        return !best_effort(spec);
    if (!strcmp(scope, "PriorityClass")) {
        const char *pc = admission__str(spec, "priorityClassName");
        bool set = pc && *pc;
        if (!op || !strcmp(op, "Exists"))
            return set;
        if (!strcmp(op, "DoesNotExist"))
            return !set;
        bool found = false;
        size_t i;
        json_t *v;
        json_array_foreach((json_t *)values, i, v) found =
            found || (set && json_string_value(v) && !strcmp(json_string_value(v), pc));
        return !strcmp(op, "In") ? found : !strcmp(op, "NotIn") ? !found : false;
    }
    return false; /* CrossNamespacePodAffinity and unknown scopes: not modelled */
}

bool admission_quota_matches(const json_t *quota, const char *group, const char *resource,
                             const json_t *obj)
{
    const json_t *spec = json_object_get(quota, "spec");
    const json_t *scopes = json_object_get(spec, "scopes");
    const json_t *exprs =
        admission__get(json_object_get(spec, "scopeSelector"), "matchExpressions", NULL);
    if (json_array_size(scopes) == 0 && json_array_size(exprs) == 0)
        return true;
    /* Scopes speak of pods: a scoped quota counts nothing else, as upstream's evaluators. */
    if ((group && *group) || strcmp(resource, "pods") != 0)
        return false;
    size_t i;
    json_t *v;
    json_array_foreach((json_t *)scopes, i, v)
    {
        if (!json_is_string(v) || !in_scope(json_string_value(v), obj, NULL, NULL))
            return false;
    }
    json_array_foreach((json_t *)exprs, i, v)
    {
        const char *name = admission__str(v, "scopeName");
        if (!name ||
            !in_scope(name, obj, admission__str(v, "operator"), json_object_get(v, "values")))
            return false;
    }
    return true;
}

int admission_quota_check(const json_t *quota, const char *group, const char *resource,
                          const json_t *obj, const json_t *usage, json_t **new_used, c8s_err_t *err)
{
    *new_used = NULL;
    const json_t *spec = json_object_get(quota, "spec");
    if (!admission_quota_matches(quota, group, resource, obj))
        return 0;
    const char *qname = admission__str(json_object_get(quota, "metadata"), "name");
    const json_t *shard = json_object_get(spec, "hard");
    const json_t *status = json_object_get(quota, "status");
    const json_t *hard = json_object_get(status, "hard");
    const json_t *used = json_object_get(status, "used");
    if ((!group || !*group) && !strcmp(resource, "pods") && !pod_uses_nothing(obj) &&
        pod_constraints(quota, shard, obj, err) != 0)
        return err->code;
    json_t *relevant = json_object(), *unknown = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)usage, k, v)
    {
        if (!json_object_get(shard, k))
            continue;
        json_object_set(relevant, k, v);
        if (!json_object_get(hard, k))
            json_object_set_new(unknown, k, json_true());
    }
    int rc = 0;
    if (json_object_size(unknown)) {
        size_t n;
        const char **keys = sorted_keys(unknown, &n);
        strbuf_t b = STRBUF_INIT;
        for (size_t i = 0; i < n; i++)
            strbuf_sep(&b, ",", keys[i]);
        free(keys);
        char *s = strbuf_take(&b);
        rc = c8s_err_set(err, C8S_EFORBIDDEN, "status unknown for quota: %s, resource: %s", qname,
                         s);
        free(s);
        goto out;
    }
    if (json_object_size(relevant) == 0)
        goto out;
    json_t *next = json_is_object(used) ? json_deep_copy(used) : json_object();
    if (admission_quota_add(next, relevant, err) != 0) {
        json_decref(next);
        rc = err->code;
        goto out;
    }
    json_t *exceeded = json_object();
    json_object_foreach(relevant, k, v)
    {
        quantity_t nq, hq;
        if (admission__qty(next, k, &nq) && admission__qty(hard, k, &hq) &&
            quantity_cmp(&nq, &hq) > 0)
            json_object_set_new(exceeded, k, json_true());
    }
    if (json_object_size(exceeded)) {
        char *rq = pretty(relevant, exceeded), *us = pretty(used, exceeded),
             *li = pretty(hard, exceeded);
        rc = c8s_err_set(err, C8S_EFORBIDDEN,
                         "exceeded quota: %s, requested: %s, used: %s, limited: %s", qname, rq, us,
                         li);
        free(rq);
        free(us);
        free(li);
        json_decref(next);
    } else {
        *new_used = next;
    }
    json_decref(exceeded);
out:
    json_decref(relevant);
    json_decref(unknown);
    return rc;
}

json_t *admission_quota_status(const json_t *quota, const json_t *usage)
{
    const json_t *shard = admission__get(quota, "spec", "hard");
    json_t *hard = json_is_object(shard) ? json_deep_copy(shard) : json_object();
    json_t *used = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(hard, k, v)
    {
        json_t *u = json_object_get(usage, k);
        json_object_set_new(used, k, u ? json_incref(u) : json_string("0"));
    }
    return json_pack("{s:o, s:o}", "hard", hard, "used", used);
}
