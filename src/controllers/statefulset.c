/*
 * statefulset.c — the StatefulSet controller: for every set, the ControllerRevision of its
 * template, then the writes the pure core (sts_core.c) plans from the cached pods and claims —
 * claims and pods created, pods deleted — and the status. Pod names are fixed by ordinal, so a
 * write the cache has not caught up with is answered 409 or 404 and needs no bookkeeping; the
 * informers' events bring the set back when something moves.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define UNSYNCED_RETRY_MS 200

typedef struct {
    client_t *client;
    informer_t *sets, *pods, *pvcs, *revs;
    informer_reg_t *set_reg, *pod_reg, *rev_reg, *pvc_reg;
    workqueue_t *queue;
    bool closing;
    void (*done)(void *data);
    void *done_data;
} stsctrl_t;

static void enqueue(stsctrl_t *sc, const char *ns, const char *name)
{
    if (!ns || !name)
        return;
    cleanup_free char *key = xasprintf("%s/%s", ns, name);
    workqueue_add(sc->queue, key);
}

typedef struct {
    const char *ns;
    json_t *out;
} names_t;

static bool pick_pvc(json_t *pvc, void *data)
{
    names_t *n = data;
    const char *ns = controllers__meta(pvc, "namespace");
    const char *name = controllers__meta(pvc, "name");
    if (ns && name && strcmp(ns, n->ns) == 0)
        json_object_set_new(n->out, name, json_true());
    return true;
}

/* The status fields of plan that differ from sts's, or NULL when none does. */
static json_t *status_change(const json_t *sts, const json_t *want)
{
    json_t *have = json_object_get(sts, "status");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)want, k, v)
    {
        if (!json_equal(json_object_get(have, k), v))
            return json_pack("{s:O}", "status", want);
    }
    return NULL;
}

static void sync_set(stsctrl_t *sc, const char *key, json_t *sts)
{
    const char *ns = controllers__meta(sts, "namespace");
    const char *name = controllers__meta(sts, "name");
    ctrl_batch_t *b =
        controllers__batch_new(sc->client, sc->queue, key, "statefulset", &sc->closing);
    controllers__batch_owner(b, sts, "StatefulSet", "apps/v1", "statefulset-controller");
    json_t *tpl = json_object_get(json_object_get(sts, "spec"), "template");
    cleanup_free char *hash = controllers__revision_hash(tpl);
    cleanup_free char *upd_rev = xasprintf("%s-%s", name, hash);
    cleanup_json json_t *revs = controllers__owned(sc->revs, sts);
    json_int_t max = 0;
    const json_t *cur_cr = NULL, *upd_cr = NULL;
    const char *status_cur =
        json_string_value(json_object_get(json_object_get(sts, "status"), "currentRevision"));
    size_t i;
    json_t *cr;
    json_array_foreach(revs, i, cr)
    {
        json_int_t r = json_integer_value(json_object_get(cr, "revision"));
        if (r > max)
            max = r;
        const char *n = controllers__meta(cr, "name");
        if (n && strcmp(n, upd_rev) == 0)
            upd_cr = cr;
        if (n && status_cur && strcmp(n, status_cur) == 0)
            cur_cr = cr;
    }
    cleanup_free char *revs_path = xasprintf("/apis/apps/v1/namespaces/%s/controllerrevisions", ns);
    if (!upd_cr) {
        /* The revision first; its informer event brings the set back for the pods. */
        cleanup_json json_t *obj =
            controllers__revision_new(sts, "StatefulSet", tpl, hash, max + 1);
        controllers__batch_send(b, "POST", revs_path, "application/json", obj);
        controllers__batch_end(b);
        return;
    }
    if (json_integer_value(json_object_get(upd_cr, "revision")) < max) {
        /* Back to an older template (a rollback): its revision becomes the newest, as upstream. */
        cleanup_json json_t *bump = json_pack("{s:I}", "revision", max + 1);
        cleanup_free char *p = xasprintf("%s/%s", revs_path, upd_rev);
        controllers__batch_send(b, "PATCH", p, "application/merge-patch+json", bump);
    }
    const char *cur_rev = cur_cr ? status_cur : upd_rev;
    cleanup_json json_t *cur_tpl = cur_cr ? controllers__revision_template(cur_cr) : NULL;

    cleanup_json json_t *pods = controllers__owned(sc->pods, sts);
    names_t pn = {ns, json_object()};
    informer_foreach(sc->pvcs, pick_pvc, &pn);
    cleanup_json json_t *pvcs = pn.out;
    cleanup_json json_t *plan = controllers__sts_plan(
        sts, pods, pvcs, cur_rev, cur_tpl ? cur_tpl : tpl, upd_rev, tpl, (int64_t)time(NULL));
    json_t *later = json_object_get(plan, "requeue_after");
    if (later) /* a pod turns available (minReadySeconds) then */
        workqueue_add_after(sc->queue, key, (uint64_t)json_integer_value(later) * 1000);

    json_t *v;
    cleanup_free char *pvc_path = xasprintf("/api/v1/namespaces/%s/persistentvolumeclaims", ns);
    json_array_foreach(json_object_get(plan, "create_pvcs"), i, v)
    {
        /* A claim is <template>-<set>-<ordinal>, for pod <set>-<ordinal>. */
        const char *claim = controllers__meta(v, "name") ?: "";
        cleanup_free char *infix = xasprintf("-%s-", name);
        const char *at = strstr(claim, infix);
        const char *pod = at ? at + 1 : "";
        cleanup_free char *ok =
            xasprintf("create Claim %s Pod %s in StatefulSet %s success", claim, pod, name);
        cleanup_free char *fail = xasprintf(
            "create Claim %s for Pod %s in StatefulSet %s failed error: ", claim, pod, name);
        ctrl_write_events_t ev = {"SuccessfulCreate", ok, NULL, "FailedCreate", fail};
        controllers__batch_send_ev(b, "POST", pvc_path, "application/json", v, &ev);
    }
    /* A pod waits for its claims: created on a later pass once they are in the cache. */
    if (json_array_size(json_object_get(plan, "create_pvcs")) == 0) {
        cleanup_free char *pod_path = xasprintf("/api/v1/namespaces/%s/pods", ns);
        json_array_foreach(json_object_get(plan, "create_pods"), i, v)
        {
            const char *pod = controllers__meta(v, "name") ?: "";
            cleanup_free char *ok =
                xasprintf("create Pod %s in StatefulSet %s successful", pod, name);
            cleanup_free char *fail =
                xasprintf("create Pod %s in StatefulSet %s failed error: ", pod, name);
            ctrl_write_events_t ev = {"SuccessfulCreate", ok, NULL, "FailedCreate", fail};
            controllers__batch_send_ev(b, "POST", pod_path, "application/json", v, &ev);
        }
    }
    json_array_foreach(json_object_get(plan, "delete_pods"), i, v)
    {
        const char *pod = json_string_value(v);
        cleanup_free char *p = xasprintf("/api/v1/namespaces/%s/pods/%s", ns, pod);
        cleanup_free char *ok = xasprintf("delete Pod %s in StatefulSet %s successful", pod, name);
        cleanup_free char *fail =
            xasprintf("delete Pod %s in StatefulSet %s failed error: ", pod, name);
        ctrl_write_events_t ev = {"SuccessfulDelete", ok, NULL, "FailedDelete", fail};
        controllers__batch_send_ev(b, "DELETE", p, NULL, NULL, &ev);
    }
    json_array_foreach(json_object_get(plan, "delete_pvcs"), i, v)
    {
        cleanup_free char *p =
            xasprintf("/api/v1/namespaces/%s/persistentvolumeclaims/%s", ns, json_string_value(v));
        controllers__batch_send(b, "DELETE", p, NULL, NULL);
    }
    cleanup_json json_t *st = status_change(sts, json_object_get(plan, "status"));
    if (st) {
        cleanup_free char *p =
            xasprintf("/apis/apps/v1/namespaces/%s/statefulsets/%s/status", ns, name);
        controllers__batch_send(b, "PATCH", p, "application/merge-patch+json", st);
    }

    /* Old revisions beyond revisionHistoryLimit go, but never one a pod still runs. */
    cleanup_json json_t *live = json_object();
    json_object_set_new(live, upd_rev, json_true());
    json_object_set_new(live, cur_rev, json_true());
    json_t *pod;
    json_array_foreach(pods, i, pod)
    {
        const char *r = controllers__pod_revision(pod);
        if (r)
            json_object_set_new(live, r, json_true());
    }
    json_t *lim = json_object_get(json_object_get(sts, "spec"), "revisionHistoryLimit");
    cleanup_json json_t *prune =
        controllers__history_prune(revs, live, json_is_integer(lim) ? json_integer_value(lim) : 10);
    json_array_foreach(prune, i, v)
    {
        cleanup_free char *p = xasprintf("%s/%s", revs_path, json_string_value(v));
        controllers__batch_send(b, "DELETE", p, NULL, NULL);
    }
    controllers__batch_end(b);
}

static void process(workqueue_t *q, const char *key, void *data)
{
    stsctrl_t *sc = data;
    if (!informer_synced(sc->sets) || !informer_synced(sc->pods) || !informer_synced(sc->pvcs) ||
        !informer_synced(sc->revs)) {
        workqueue_add_after(q, key, UNSYNCED_RETRY_MS);
        workqueue_done(q, key);
        return;
    }
    cleanup_free char *buf = xstrdup(key);
    char *slash = strchr(buf, '/');
    json_t *sts = slash ? (*slash = 0, informer_get(sc->sets, buf, slash + 1)) : NULL;
    /* A set that is gone or going leaves its pods to the garbage collector. */
    if (!sts || json_object_get(json_object_get(sts, "metadata"), "deletionTimestamp")) {
        workqueue_done(q, key);
        return;
    }
    sync_set(sc, key, sts);
}

static void set_changed(informer_t *inf, json_t *obj, void *data)
{
    enqueue(data, controllers__meta(obj, "namespace"), controllers__meta(obj, "name"));
}

static void set_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    set_changed(inf, obj, data);
}

static void owned_changed(informer_t *inf, json_t *obj, void *data)
{
    enqueue(data, controllers__meta(obj, "namespace"),
            controllers__controller_name(obj, "StatefulSet"));
}

static void owned_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    owned_changed(inf, obj, data);
}

typedef struct {
    stsctrl_t *sc;
    const char *ns;
} ns_visit_t;

static bool enqueue_in_ns(json_t *sts, void *data)
{
    ns_visit_t *v = data;
    const char *ns = controllers__meta(sts, "namespace");
    if (ns && strcmp(ns, v->ns) == 0)
        enqueue(v->sc, ns, controllers__meta(sts, "name"));
    return true;
}

/* A claim arrived: the sets of its namespace may have a pod waiting for it. */
static void pvc_added(informer_t *inf, json_t *obj, void *data)
{
    stsctrl_t *sc = data;
    ns_visit_t v = {sc, controllers__meta(obj, "namespace")};
    if (v.ns)
        informer_foreach(sc->sets, enqueue_in_ns, &v);
}

static ctrl_t *start(controllers_t *cm)
{
    stsctrl_t *sc = xcalloc(1, sizeof(*sc));
    sc->client = controllers__client(cm);
    sc->queue = workqueue_new(client_loop(sc->client), 4, process, sc);
    sc->sets = controllers__informer(cm, "/apis/apps/v1/statefulsets");
    sc->pods = controllers__informer(cm, "/api/v1/pods");
    sc->pvcs = controllers__informer(cm, "/api/v1/persistentvolumeclaims");
    sc->revs = controllers__informer(cm, "/apis/apps/v1/controllerrevisions");
    informer_handlers_t sh = {
        .on_add = set_changed, .on_update = set_updated, .on_delete = set_changed};
    informer_handlers_t oh = {
        .on_add = owned_changed, .on_update = owned_updated, .on_delete = owned_changed};
    sc->rev_reg = informer_add_handlers(sc->revs, &oh, sc);
    sc->pod_reg = informer_add_handlers(sc->pods, &oh, sc);
    informer_handlers_t ch = {.on_add = pvc_added};
    sc->pvc_reg = informer_add_handlers(sc->pvcs, &ch, sc);
    sc->set_reg = informer_add_handlers(sc->sets, &sh, sc);
    return (ctrl_t *)sc;
}

static void on_queue_closed(void *data)
{
    stsctrl_t *sc = data;
    void (*done)(void *) = sc->done;
    void *d = sc->done_data;
    free(sc);
    done(d);
}

static void stop(ctrl_t *ctrl, void (*done)(void *data), void *data)
{
    stsctrl_t *sc = (stsctrl_t *)ctrl;
    sc->closing = true;
    sc->done = done;
    sc->done_data = data;
    informer_remove_handlers(sc->sets, sc->set_reg);
    informer_remove_handlers(sc->pods, sc->pod_reg);
    informer_remove_handlers(sc->revs, sc->rev_reg);
    informer_remove_handlers(sc->pvcs, sc->pvc_reg);
    workqueue_close(sc->queue, on_queue_closed, sc);
}

const ctrl_ops_t controllers__statefulset = {"statefulset", start, stop};
