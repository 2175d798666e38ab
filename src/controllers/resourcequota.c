/*
 * resourcequota.c — the ResourceQuota controller: each quota's status.hard mirrors spec.hard and
 * status.used is recomputed from the objects that really exist in its namespace, so what
 * admission charged for a write that then failed, and what deleted objects held, is given back.
 * Usage is counted by the same evaluators admission uses (admission_quota_usage). Status is
 * written with the quota's resourceVersion: a conflict (admission charged meanwhile) retries
 * from the fresh cache.
 */
#include "internal.h"
#include "c8s/admission.h"
#include "c8s/quantity.h"

#include <stdio.h>
#include <string.h>

/* Recomputed from scratch every so often as upstream's full resync does, in case an event was
 * missed between a charge and a failed write. */
#define RESYNC_MS 300000 /* upstream's --resource-quota-sync-period */

static const struct {
    const char *group, *resource, *path;
} tracked[] = {{"", "pods", "/api/v1/pods"},
               {"", "services", "/api/v1/services"},
               {"", "configmaps", "/api/v1/configmaps"},
               {"", "secrets", "/api/v1/secrets"},
               {"", "persistentvolumeclaims", "/api/v1/persistentvolumeclaims"},
               {"", "replicationcontrollers", "/api/v1/replicationcontrollers"},
               {"", "resourcequotas", "/api/v1/resourcequotas"},
               {"apps", "deployments", "/apis/apps/v1/deployments"},
               {"apps", "replicasets", "/apis/apps/v1/replicasets"},
               {"apps", "statefulsets", "/apis/apps/v1/statefulsets"},
               {"apps", "daemonsets", "/apis/apps/v1/daemonsets"},
               {"batch", "jobs", "/apis/batch/v1/jobs"},
               {"batch", "cronjobs", "/apis/batch/v1/cronjobs"}};
#define RECHECK_MS 2000
#define N_TRACKED  C8S_ARRAY_SIZE(tracked)
#define QUOTAS     6 /* the index of resourcequotas in tracked */

typedef struct {
    client_t *client;
    informer_t *inf[N_TRACKED];
    informer_reg_t *reg[N_TRACKED];
    workqueue_t *queue;
    bool closing;
    void (*done)(void *data);
    void *done_data;
} rqctrl_t;

typedef struct {
    rqctrl_t *rc;
    char *ns;
    int pending;
    bool failed, has_quotas, lowered;
} sync_t;

/* ---- handlers: any change in a namespace re-counts that namespace's quotas ---- */

static void enqueue(rqctrl_t *rc, const json_t *obj)
{
    const char *ns = controllers__meta(obj, "namespace");
    if (ns && !rc->closing)
        workqueue_add(rc->queue, ns);
}

/* As upstream's replenishment: admission charges what is created, so only what gives usage
 * back (a delete, a pod finishing, a service or claim changing shape) and a quota's own hard
 * limits changing call for a recount. Recounting on every add would race admission's charge
 * against an informer that has not seen the new object yet. */
static void on_delete(informer_t *inf, json_t *obj, void *data)
{
    enqueue(data, obj);
}

static bool pod_done(const json_t *pod)
{
    const char *p = json_string_value(json_object_get(json_object_get(pod, "status"), "phase"));
    return p && (!strcmp(p, "Succeeded") || !strcmp(p, "Failed"));
}

static void on_update(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    rqctrl_t *rc = data;
    if (inf == rc->inf[QUOTAS]) {
        json_t *hard = json_object_get(json_object_get(obj, "spec"), "hard");
        if (!json_equal(hard, json_object_get(json_object_get(old, "spec"), "hard")) ||
            !json_equal(hard, json_object_get(json_object_get(obj, "status"), "hard")))
            enqueue(rc, obj);
        return;
    }
    if (inf == rc->inf[0]) { /* pods: only finishing gives anything back */
        if (pod_done(obj) != pod_done(old))
            enqueue(rc, obj);
        return;
    }
    if ((inf == rc->inf[1] || inf == rc->inf[4]) &&
        !json_equal(json_object_get(obj, "spec"), json_object_get(old, "spec")))
        enqueue(rc, obj);
}

static void on_quota_add(informer_t *inf, json_t *obj, void *data)
{
    enqueue(data, obj);
}

static bool enqueue_quota(json_t *obj, void *data)
{
    enqueue(data, obj);
    return true;
}

static void on_synced(informer_t *inf, void *data)
{
    rqctrl_t *rc = data;
    /* One recount once every cache is there (each recount is a chance to race a charge). */
    for (size_t i = 0; i < N_TRACKED; i++)
        if (!rc->inf[i] || !informer_synced(rc->inf[i]))
            return;
    informer_foreach(rc->inf[QUOTAS], enqueue_quota, rc);
}

/* True if any resource of used_new is below its value in used_old. */
static bool lowers(const json_t *used_old, const json_t *used_new)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)used_new, k, v)
    {
        json_t *o = json_object_get(used_old, k);
        quantity_t a, b;
        c8s_err_t err = C8S_ERR_INIT;
        if (o && quantity_parse_json(o, &a, &err) == 0 && quantity_parse_json(v, &b, &err) == 0 &&
            quantity_cmp(&b, &a) < 0)
            return true;
        c8s_err_clear(&err);
    }
    return false;
}

/* ---- the sync of one namespace ---- */

typedef struct {
    const char *ns;
    const char *group, *resource;
    json_t *usage;
    const json_t *quota; /* count only what this quota's scopes take in; NULL: everything */
} count_t;

static bool count_one(json_t *obj, void *data)
{
    count_t *ct = data;
    const char *ns = controllers__meta(obj, "namespace");
    if (!ns || strcmp(ns, ct->ns) != 0)
        return true;
    if (ct->quota && !admission_quota_matches(ct->quota, ct->group, ct->resource, obj))
        return true;
    json_t *u = admission_quota_usage(ct->group, ct->resource, obj);
    c8s_err_t err = C8S_ERR_INIT;
    if (admission_quota_add(ct->usage, u, &err) != 0)
        c8s_err_clear(&err); /* a malformed quantity counts for nothing, as upstream */
    json_decref(u);
    return true;
}

typedef struct {
    const char *ns;
    json_t *list;
} quotas_t;

static bool quota_of_ns(json_t *obj, void *data)
{
    quotas_t *q = data;
    const char *ns = controllers__meta(obj, "namespace");
    if (ns && !strcmp(ns, q->ns))
        json_array_append(q->list, obj);
    return true;
}

static void sync_finish(sync_t *s)
{
    rqctrl_t *rc = s->rc;
    if (s->failed && !rc->closing) {
        workqueue_add_rate_limited(rc->queue, s->ns);
    } else {
        workqueue_forget(rc->queue, s->ns);
        if (!rc->closing && s->has_quotas)
            workqueue_add_after(rc->queue, s->ns, RESYNC_MS);
        /* A recount that gave usage back may have read the caches before they showed an object
         * admission had just charged for: count again once they have caught up. */
        if (!rc->closing && s->lowered)
            workqueue_add_after(rc->queue, s->ns, RECHECK_MS);
    }
    workqueue_done(rc->queue, s->ns);
    free(s->ns);
    free(s);
}

static void on_status_written(const client_resp_t *resp, void *data)
{
    sync_t *s = data;
    /* 404: the quota went away; 409: admission charged meanwhile — count again. */
    if (resp->status == 409)
        s->failed = true;
    else if (resp->status != 200 && resp->status != 404) {
        log_warn("controllers", "resourcequota status in %s: %d", s->ns, resp->status);
        s->failed = true;
    }
    if (--s->pending == 0)
        sync_finish(s);
}

static void process(workqueue_t *q, const char *ns, void *data)
{
    rqctrl_t *rc = data;
    sync_t *s = xcalloc(1, sizeof(*s));
    s->rc = rc;
    s->ns = xstrdup(ns);
    s->pending = 1; /* held until every write is sent */
    for (size_t i = 0; i < N_TRACKED; i++) {
        if (!informer_synced(rc->inf[i])) {
            /* The synced handler enqueues every quota once all caches are there. */
            s->pending = 0;
            workqueue_done(q, s->ns);
            free(s->ns);
            free(s);
            return;
        }
    }
    quotas_t qs = {ns, json_array()};
    informer_foreach(rc->inf[QUOTAS], quota_of_ns, &qs);
    json_t *usage = NULL;
    s->has_quotas = json_array_size(qs.list) > 0;
    if (s->has_quotas) {
        usage = json_object();
        for (size_t i = 0; i < N_TRACKED; i++) {
            count_t ct = {ns, tracked[i].group, tracked[i].resource, usage, NULL};
            informer_foreach(rc->inf[i], count_one, &ct);
        }
    }
    size_t i;
    json_t *quota;
    json_array_foreach(qs.list, i, quota)
    {
        json_t *status;
        json_t *qspec = json_object_get(quota, "spec");
        if (json_array_size(json_object_get(qspec, "scopes")) ||
            json_object_get(qspec, "scopeSelector")) {
            /* Scoped quotas count pods only, those their scopes take in. */
            json_t *own = json_object();
            count_t ct = {ns, "", "pods", own, quota};
            informer_foreach(rc->inf[0], count_one, &ct);
            status = admission_quota_status(quota, own);
            json_decref(own);
        } else {
            status = admission_quota_status(quota, usage);
        }
        if (json_equal(status, json_object_get(quota, "status"))) {
            json_decref(status);
            continue;
        }
        if (lowers(json_object_get(json_object_get(quota, "status"), "used"),
                   json_object_get(status, "used")))
            s->lowered = true;
        json_t *obj = json_deep_copy(quota);
        json_object_set_new(obj, "status", status);
        cleanup_free char *body = json_dumps(obj, JSON_COMPACT);
        json_decref(obj);
        cleanup_free char *path = xasprintf("/api/v1/namespaces/%s/resourcequotas/%s/status", ns,
                                            controllers__meta(quota, "name"));
        s->pending++;
        client_request(rc->client, "PUT", path, "application/json", body, strlen(body),
                       on_status_written, s);
    }
    json_decref(usage);
    json_decref(qs.list);
    if (--s->pending == 0)
        sync_finish(s);
}

static ctrl_t *start(controllers_t *cm)
{
    rqctrl_t *rc = xcalloc(1, sizeof(*rc));
    rc->client = controllers__client(cm);
    rc->queue = workqueue_new(client_loop(rc->client), 2, process, rc);
    informer_handlers_t h = {
        .on_update = on_update, .on_delete = on_delete, .on_synced = on_synced};
    informer_handlers_t qh = h;
    qh.on_add = on_quota_add;
    for (size_t i = 0; i < N_TRACKED; i++)
        rc->inf[i] = controllers__informer(cm, tracked[i].path);
    for (size_t i = 0; i < N_TRACKED; i++)
        rc->reg[i] = informer_add_handlers(rc->inf[i], i == QUOTAS ? &qh : &h, rc);
    return (ctrl_t *)rc;
}

static void on_queue_closed(void *data)
{
    rqctrl_t *rc = data;
    void (*done)(void *) = rc->done;
    void *d = rc->done_data;
    free(rc);
    done(d);
}

static void stop(ctrl_t *ctrl, void (*done)(void *data), void *data)
{
    rqctrl_t *rc = (rqctrl_t *)ctrl;
    rc->closing = true;
    rc->done = done;
    rc->done_data = data;
    for (size_t i = 0; i < N_TRACKED; i++)
        informer_remove_handlers(rc->inf[i], rc->reg[i]);
    workqueue_close(rc->queue, on_queue_closed, rc);
}

const ctrl_ops_t controllers__resourcequota = {"resourcequota", start, stop};
