/*
 * disruption.c — upstream's disruption controller: keeps each PodDisruptionBudget's status (how
 * many of its pods are healthy, how many it wants, how many may be evicted now) from the cached
 * pods its selector matches and their controllers' scale; disruption_core.c computes it. The API
 * server's eviction subresource spends the budget; this controller gives it back as pods come and
 * go, and forgets recorded evictions whose pods stayed (after two minutes, as upstream).
 */
#include "internal.h"
#include "c8s/selector.h"

#include <stdio.h>
#include <string.h>

#define UNSYNCED_RETRY_MS 200

typedef struct {
    client_t *client;
    informer_t *pdbs, *pods, *rss, *deps, *stss, *rcs;
    informer_reg_t *pdb_reg, *pod_reg, *rs_reg, *dep_reg, *sts_reg, *rc_reg;
    workqueue_t *queue;
    bool closing;
    void (*done)(void *data);
    void *done_data;
} dctrl_t;

typedef struct {
    dctrl_t *dc;
    const char *ns;
} ns_visit_t;

static bool enqueue_in_ns(json_t *pdb, void *data)
{
    ns_visit_t *v = data;
    const char *ns = controllers__meta(pdb, "namespace");
    if (ns && strcmp(ns, v->ns) == 0) {
        cleanup_free char *key = controllers__key(pdb);
        if (key)
            workqueue_add(v->dc->queue, key);
    }
    return true;
}

/* Something a budget counts moved (a pod, a workload's scale): every budget of its namespace is
 * looked at again — there are few, and judging which select it would cost as much. */
static void ns_changed(informer_t *inf, json_t *obj, void *data)
{
    (void)inf;
    dctrl_t *dc = data;
    ns_visit_t v = {dc, controllers__meta(obj, "namespace")};
    if (v.ns)
        informer_foreach(dc->pdbs, enqueue_in_ns, &v);
}

static void ns_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    (void)old;
    ns_changed(inf, obj, data);
}

static void pdb_changed(informer_t *inf, json_t *obj, void *data)
{
    (void)inf;
    dctrl_t *dc = data;
    cleanup_free char *key = controllers__key(obj);
    if (key)
        workqueue_add(dc->queue, key);
}

static void pdb_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    (void)old;
    pdb_changed(inf, obj, data);
}

typedef struct {
    const char *ns;
    labelsel_t *sel; /* NULL: nothing selected (a nil selector, as upstream's policy/v1) */
    json_t *out;
} pick_t;

static bool pick_pod(json_t *pod, void *data)
{
    pick_t *p = data;
    const char *ns = controllers__meta(pod, "namespace");
    if (p->sel && ns && strcmp(ns, p->ns) == 0 &&
        labelsel_matches(p->sel, json_object_get(json_object_get(pod, "metadata"), "labels")))
        json_array_append(p->out, pod);
    return true;
}

static json_int_t replicas(const json_t *obj)
{
    json_t *r = json_object_get(json_object_get(obj, "spec"), "replicas");
    return json_is_integer(r) ? json_integer_value(r) : 1;
}

/* The cached object of inf named by ref in ns when its uid is ref's, else NULL (borrowed). */
static json_t *by_ref(informer_t *inf, const char *ns, const json_t *ref)
{
    const char *name = json_string_value(json_object_get(ref, "name"));
    const char *uid = json_string_value(json_object_get(ref, "uid"));
    json_t *obj = name ? informer_get(inf, ns, name) : NULL;
    const char *have = obj ? controllers__meta(obj, "uid") : NULL;
    return have && uid && strcmp(have, uid) == 0 ? obj : NULL;
}

static bool ref_kind(const json_t *ref, const char *kind)
{
    const char *k = json_string_value(json_object_get(ref, "kind"));
    return k && strcmp(k, kind) == 0;
}

/* upstream's finders: the desired scale of each pod's controller, keyed by the uid of the pod's
 * controller reference (a ReplicaSet of a Deployment stands for the Deployment). */
static json_t *controller_scales(dctrl_t *dc, const char *ns, const json_t *pods)
{
    json_t *scales = json_object();
    size_t i;
    json_t *pod;
    json_array_foreach(pods, i, pod)
    {
        const json_t *ref = controllers__controller_ref(pod);
        const char *uid = ref ? json_string_value(json_object_get(ref, "uid")) : NULL;
        if (!uid || json_object_get(scales, uid))
            continue;
        json_t *owner = NULL;
        json_int_t n = -1;
        if (ref_kind(ref, "ReplicaSet") && (owner = by_ref(dc->rss, ns, ref))) {
            const json_t *dref = controllers__controller_ref(owner);
            json_t *dep = dref && ref_kind(dref, "Deployment") ? by_ref(dc->deps, ns, dref) : NULL;
            n = replicas(dep ? dep : owner);
        } else if (ref_kind(ref, "StatefulSet") && (owner = by_ref(dc->stss, ns, ref))) {
            n = replicas(owner);
        } else if (ref_kind(ref, "ReplicationController") && (owner = by_ref(dc->rcs, ns, ref))) {
            n = replicas(owner);
        }
        if (n >= 0)
            json_object_set_new(scales, uid, json_integer(n));
    }
    return scales;
}

static void sync_pdb(dctrl_t *dc, const char *key, json_t *pdb)
{
    const char *ns = controllers__meta(pdb, "namespace");
    const char *name = controllers__meta(pdb, "name");
    json_t *sel = json_object_get(json_object_get(pdb, "spec"), "selector");
    pick_t p = {ns, NULL, json_array()};
    c8s_err_t err = C8S_ERR_INIT;
    if (json_is_object(sel) && labelsel_from_json(sel, &p.sel, &err) != 0)
        p.sel = NULL; /* an invalid selector selects nothing */
    c8s_err_clear(&err);
    informer_foreach(dc->pods, pick_pod, &p);
    labelsel_free(p.sel);
    cleanup_json json_t *pods = p.out;
    cleanup_json json_t *scales = controller_scales(dc, ns, pods);
    int64_t recheck = 0;
    cleanup_json json_t *status =
        controllers__pdb_status(pdb, pods, scales, controllers__now_ms(), &recheck);
    if (recheck > 0)
        workqueue_add_after(dc->queue, key, (uint64_t)recheck);
    /* Written only when it changed; the conditions' times are kept when their status is. */
    if (json_equal(status, json_object_get(pdb, "status"))) {
        workqueue_forget(dc->queue, key);
        workqueue_done(dc->queue, key);
        return;
    }
    cleanup_json json_t *obj = json_deep_copy(pdb);
    json_object_set(obj, "status", status);
    ctrl_batch_t *b =
        controllers__batch_new(dc->client, dc->queue, key, "disruption", &dc->closing);
    cleanup_free char *path =
        xasprintf("/apis/policy/v1/namespaces/%s/poddisruptionbudgets/%s/status", ns, name);
    /* A PUT with the cached resourceVersion: a budget the eviction subresource has just spent
     * is answered 409, and its update event brings it back here. */
    controllers__batch_send(b, "PUT", path, "application/json", obj);
    controllers__batch_end(b);
}

static void process(workqueue_t *q, const char *key, void *data)
{
    dctrl_t *dc = data;
    if (!informer_synced(dc->pdbs) || !informer_synced(dc->pods) || !informer_synced(dc->rss) ||
        !informer_synced(dc->deps) || !informer_synced(dc->stss) || !informer_synced(dc->rcs)) {
        workqueue_add_after(q, key, UNSYNCED_RETRY_MS);
        workqueue_done(q, key);
        return;
    }
    char ns[256], name[256];
    controllers__split_key(key, ns, sizeof(ns), name, sizeof(name));
    json_t *pdb = informer_get(dc->pdbs, ns, name);
    if (!pdb || controllers__meta(pdb, "deletionTimestamp")) {
        workqueue_forget(q, key);
        workqueue_done(q, key);
        return;
    }
    sync_pdb(dc, key, pdb);
}

static ctrl_t *start(controllers_t *cm)
{
    dctrl_t *dc = xcalloc(1, sizeof(*dc));
    dc->client = controllers__client(cm);
    dc->queue = workqueue_new(client_loop(dc->client), 2, process, dc);
    dc->pdbs = controllers__informer(cm, "/apis/policy/v1/poddisruptionbudgets");
    dc->pods = controllers__informer(cm, "/api/v1/pods");
    dc->rss = controllers__informer(cm, "/apis/apps/v1/replicasets");
    dc->deps = controllers__informer(cm, "/apis/apps/v1/deployments");
    dc->stss = controllers__informer(cm, "/apis/apps/v1/statefulsets");
    dc->rcs = controllers__informer(cm, "/api/v1/replicationcontrollers");
    informer_handlers_t ph = {
        .on_add = pdb_changed, .on_update = pdb_updated, .on_delete = pdb_changed};
    informer_handlers_t nh = {
        .on_add = ns_changed, .on_update = ns_updated, .on_delete = ns_changed};
    dc->pod_reg = informer_add_handlers(dc->pods, &nh, dc);
    dc->rs_reg = informer_add_handlers(dc->rss, &nh, dc);
    dc->dep_reg = informer_add_handlers(dc->deps, &nh, dc);
    dc->sts_reg = informer_add_handlers(dc->stss, &nh, dc);
    dc->rc_reg = informer_add_handlers(dc->rcs, &nh, dc);
    dc->pdb_reg = informer_add_handlers(dc->pdbs, &ph, dc);
    return (ctrl_t *)dc;
}

static void on_queue_closed(void *data)
{
    dctrl_t *dc = data;
    void (*done)(void *) = dc->done;
    void *d = dc->done_data;
    free(dc);
    done(d);
}

static void stop(ctrl_t *ctrl, void (*done)(void *data), void *data)
{
    dctrl_t *dc = (dctrl_t *)ctrl;
    dc->closing = true;
    dc->done = done;
    dc->done_data = data;
    informer_remove_handlers(dc->pdbs, dc->pdb_reg);
    informer_remove_handlers(dc->pods, dc->pod_reg);
    informer_remove_handlers(dc->rss, dc->rs_reg);
    informer_remove_handlers(dc->deps, dc->dep_reg);
    informer_remove_handlers(dc->stss, dc->sts_reg);
    informer_remove_handlers(dc->rcs, dc->rc_reg);
    workqueue_close(dc->queue, on_queue_closed, dc);
}

const ctrl_ops_t controllers__disruption = {"disruption", start, stop};
