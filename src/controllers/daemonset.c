/*
 * daemonset.c — the DaemonSet controller: for every set, the ControllerRevision of its
 * template, then one daemon pod per node that should run it (ds_core.c decides from the cached
 * nodes and pods), pods removed from nodes that no longer qualify or are gone, rolling updates
 * within maxUnavailable, and the status. Daemon pods have generated names, so creates and
 * deletes the cache has not shown yet are remembered (upstream's expectations) to keep a slow
 * cache from causing a second pod on a node or a second node down during an update.
 */
#include "internal.h"
#include "c8s/sched.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define UNSYNCED_RETRY_MS 200
/* How long a write the cache has not reflected is waited for before it is tried again. */
#define EXPECT_TTL_MS 30000

typedef struct {
    client_t *client;
    informer_t *sets, *pods, *nodes, *revs;
    informer_reg_t *set_reg, *pod_reg, *node_reg, *rev_reg;
    workqueue_t *queue;
    /* "ns/name" → {"create": {node: ms}, "delete": {pod: ms}}: writes not yet seen. */
    json_t *expect;
    bool closing;
    void (*done)(void *data);
    void *done_data;
} dsctrl_t;

static void enqueue(dsctrl_t *dc, const char *ns, const char *name)
{
    if (!ns || !name)
        return;
    cleanup_free char *key = xasprintf("%s/%s", ns, name);
    workqueue_add(dc->queue, key);
}

typedef struct {
    const struct sched_pod_s *pod;
    json_t *out;
} fit_t;

static bool fit_node(json_t *node, void *data)
{
    fit_t *f = data;
    const char *name = controllers__meta(node, "name");
    if (!name || json_object_get(json_object_get(node, "metadata"), "deletionTimestamp"))
        return true;
    bool run = false, cont = false;
    cleanup_err c8s_err_t err = C8S_ERR_INIT;
    if (controllers__ds_node_fit(f->pod, node, &run, &cont, &err) != 0) {
        /* A node the scheduler cannot read gets no new daemon but keeps the one it has. */
        log_warn("daemonset", "node %s: %s", name, err.msg);
        cont = true;
    }
    json_object_set_new(f->out, name, json_pack("{s:b,s:b}", "run", run, "continue", cont));
    return true;
}

static json_t *status_change(const json_t *ds, const json_t *want)
{
    json_t *have = json_object_get(ds, "status");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)want, k, v)
    {
        if (!json_equal(json_object_get(have, k), v))
            return json_pack("{s:O}", "status", want);
    }
    return NULL;
}

/* Drops the expectations the cache now reflects or that are too old; returns the live ones. */
static json_t *expectations(dsctrl_t *dc, const char *key, const json_t *pods)
{
    json_t *e = json_object_get(dc->expect, key);
    if (!e) {
        e = json_pack("{s:{},s:{}}", "create", "delete");
        json_object_set_new(dc->expect, key, e);
    }
    uint64_t now = uv_now(client_loop(dc->client));
    json_t *creates = json_object_get(e, "create"), *deletes = json_object_get(e, "delete");
    size_t i;
    json_t *pod;
    json_array_foreach(pods, i, pod)
    {
        const char *node = controllers__ds_pod_node(pod);
        if (node)
            json_object_del(creates, node);
    }
    const char *k;
    json_t *v, *tmp;
    json_object_foreach_safe(creates, tmp, k, v)
    {
        if (now - (uint64_t)json_integer_value(v) > EXPECT_TTL_MS)
            json_object_del(creates, k);
    }
    json_object_foreach_safe(deletes, tmp, k, v)
    {
        bool seen = true;
        json_array_foreach(pods, i, pod)
        {
            const char *n = controllers__meta(pod, "name");
            if (n && strcmp(n, k) == 0 && !controllers__pod_terminating(pod))
                seen = false;
        }
        if (seen || now - (uint64_t)json_integer_value(v) > EXPECT_TTL_MS)
            json_object_del(deletes, k);
    }
    return e;
}

static void sync_set(dsctrl_t *dc, const char *key, json_t *ds)
{
    const char *ns = controllers__meta(ds, "namespace");
    const char *name = controllers__meta(ds, "name");
    ctrl_batch_t *b = controllers__batch_new(dc->client, dc->queue, key, "daemonset", &dc->closing);
    controllers__batch_owner(b, ds, "DaemonSet", "apps/v1", "daemonset-controller");
    json_t *spec_tpl = json_object_get(json_object_get(ds, "spec"), "template");
    cleanup_free char *hash = controllers__revision_hash(spec_tpl);
    cleanup_free char *rev = xasprintf("%s-%s", name, hash);
    cleanup_json json_t *revs = controllers__owned(dc->revs, ds);
    json_int_t max = 0;
    const json_t *have = NULL;
    size_t i;
    json_t *v;
    json_array_foreach(revs, i, v)
    {
        json_int_t r = json_integer_value(json_object_get(v, "revision"));
        if (r > max)
            max = r;
        const char *n = controllers__meta(v, "name");
        if (n && strcmp(n, rev) == 0)
            have = v;
    }
    cleanup_free char *revs_path = xasprintf("/apis/apps/v1/namespaces/%s/controllerrevisions", ns);
    if (!have) {
        cleanup_json json_t *obj =
            controllers__revision_new(ds, "DaemonSet", spec_tpl, hash, max + 1);
        controllers__batch_send(b, "POST", revs_path, "application/json", obj);
        controllers__batch_end(b);
        return;
    }

    if (json_integer_value(json_object_get(have, "revision")) < max) {
        /* Back to an older template (a rollback): its revision becomes the newest, as upstream. */
        cleanup_json json_t *bump = json_pack("{s:I}", "revision", max + 1);
        cleanup_free char *p = xasprintf("%s/%s", revs_path, rev);
        controllers__batch_send(b, "PATCH", p, "application/merge-patch+json", bump);
    }
    cleanup_json json_t *tpl = controllers__ds_template(ds);
    struct sched_pod_s *sp = NULL;
    cleanup_err c8s_err_t err = C8S_ERR_INIT;
    if (controllers__ds_pod_parse(tpl, &sp, &err) != 0) {
        /* The API validated the template, so this is not expected; leave the pods alone rather
         * than judge every node unfit. The set comes back when it changes. */
        log_warn("daemonset", "%s: template: %s", key, err.msg);
        controllers__batch_end(b);
        return;
    }
    fit_t f = {sp, json_object()};
    informer_foreach(dc->nodes, fit_node, &f);
    sched_pod_unref(sp);
    cleanup_json json_t *nodes = f.out;
    cleanup_json json_t *all = controllers__owned(dc->pods, ds);
    json_t *e = expectations(dc, key, all);
    json_t *creates = json_object_get(e, "create"), *deletes = json_object_get(e, "delete");
    /* Pods we deleted count as terminating until the cache says so itself: their node gets
     * no new pod yet and counts as unavailable. */
    cleanup_json json_t *pods = json_array();
    json_array_foreach(all, i, v)
    {
        if (!json_object_get(deletes, controllers__meta(v, "name"))) {
            json_array_append(pods, v);
            continue;
        }
        json_t *c = json_copy(v);
        json_t *md = json_copy(json_object_get(v, "metadata"));
        json_object_set_new(md, "deletionTimestamp", json_string("pending"));
        json_object_set_new(c, "metadata", md);
        json_array_append_new(pods, c);
    }
    cleanup_json json_t *plan = controllers__ds_plan(ds, nodes, pods, hash, (int64_t)time(NULL));
    json_t *later = json_object_get(plan, "requeue_after");
    if (later) /* a pod turns available (minReadySeconds) then */
        workqueue_add_after(dc->queue, key, (uint64_t)json_integer_value(later) * 1000);
    uint64_t now = uv_now(client_loop(dc->client));
    cleanup_free char *pod_path = xasprintf("/api/v1/namespaces/%s/pods", ns);
    json_array_foreach(json_object_get(plan, "create_on"), i, v)
    {
        const char *node = json_string_value(v);
        if (json_object_get(creates, node))
            continue; /* created; not in the cache yet */
        cleanup_json json_t *pod = controllers__ds_pod(ds, tpl, hash, node);
        json_object_set_new(creates, node, json_integer((json_int_t)now));
        /* Upstream's pod control: its events name the pod (generated: from the answer). */
        ctrl_write_events_t ev = {"SuccessfulCreate", NULL, "Created pod: ", "FailedCreate",
                                  "Error creating: "};
        controllers__batch_send_ev(b, "POST", pod_path, "application/json", pod, &ev);
    }
    json_array_foreach(json_object_get(plan, "delete_pods"), i, v)
    {
        json_object_set_new(deletes, json_string_value(v), json_integer((json_int_t)now));
        cleanup_free char *p = xasprintf("%s/%s", pod_path, json_string_value(v));
        cleanup_free char *ok = xasprintf("Deleted pod: %s", json_string_value(v));
        ctrl_write_events_t ev = {"SuccessfulDelete", ok, NULL, "FailedDelete", "Error deleting: "};
        controllers__batch_send_ev(b, "DELETE", p, NULL, NULL, &ev);
    }
    cleanup_json json_t *st = status_change(ds, json_object_get(plan, "status"));
    if (st) {
        cleanup_free char *p =
            xasprintf("/apis/apps/v1/namespaces/%s/daemonsets/%s/status", ns, name);
        controllers__batch_send(b, "PATCH", p, "application/merge-patch+json", st);
    }
    cleanup_json json_t *live = json_object();
    json_object_set_new(live, rev, json_true());
    json_array_foreach(all, i, v)
    {
        const char *r = controllers__pod_revision(v);
        if (r) {
            cleanup_free char *n = xasprintf("%s-%s", name, r);
            json_object_set_new(live, n, json_true());
        }
    }
    json_t *lim = json_object_get(json_object_get(ds, "spec"), "revisionHistoryLimit");
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
    dsctrl_t *dc = data;
    if (!informer_synced(dc->sets) || !informer_synced(dc->pods) || !informer_synced(dc->nodes) ||
        !informer_synced(dc->revs)) {
        workqueue_add_after(q, key, UNSYNCED_RETRY_MS);
        workqueue_done(q, key);
        return;
    }
    cleanup_free char *buf = xstrdup(key);
    char *slash = strchr(buf, '/');
    json_t *ds = slash ? (*slash = 0, informer_get(dc->sets, buf, slash + 1)) : NULL;
    if (!ds || json_object_get(json_object_get(ds, "metadata"), "deletionTimestamp")) {
        json_object_del(dc->expect, key);
        workqueue_done(q, key);
        return;
    }
    sync_set(dc, key, ds);
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
            controllers__controller_name(obj, "DaemonSet"));
}

static void owned_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    owned_changed(inf, obj, data);
}

static bool enqueue_set(json_t *ds, void *data)
{
    set_changed(NULL, ds, data);
    return true;
}

/* Any node change may change where daemons should run. */
static void node_changed(informer_t *inf, json_t *obj, void *data)
{
    dsctrl_t *dc = data;
    informer_foreach(dc->sets, enqueue_set, dc);
}

static void node_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    json_t *a = json_object_get(old, "metadata"), *b = json_object_get(obj, "metadata");
    /* Status heartbeats alone do not move daemons; labels, taints and cordons do. */
    if (json_equal(json_object_get(a, "labels"), json_object_get(b, "labels")) &&
        json_equal(json_object_get(old, "spec"), json_object_get(obj, "spec")))
        return;
    node_changed(inf, obj, data);
}

static ctrl_t *start(controllers_t *cm)
{
    dsctrl_t *dc = xcalloc(1, sizeof(*dc));
    dc->client = controllers__client(cm);
    dc->expect = json_object();
    dc->queue = workqueue_new(client_loop(dc->client), 4, process, dc);
    dc->sets = controllers__informer(cm, "/apis/apps/v1/daemonsets");
    dc->pods = controllers__informer(cm, "/api/v1/pods");
    dc->nodes = controllers__informer(cm, "/api/v1/nodes");
    dc->revs = controllers__informer(cm, "/apis/apps/v1/controllerrevisions");
    informer_handlers_t sh = {
        .on_add = set_changed, .on_update = set_updated, .on_delete = set_changed};
    informer_handlers_t oh = {
        .on_add = owned_changed, .on_update = owned_updated, .on_delete = owned_changed};
    informer_handlers_t nh = {
        .on_add = node_changed, .on_update = node_updated, .on_delete = node_changed};
    dc->rev_reg = informer_add_handlers(dc->revs, &oh, dc);
    dc->pod_reg = informer_add_handlers(dc->pods, &oh, dc);
    dc->node_reg = informer_add_handlers(dc->nodes, &nh, dc);
    dc->set_reg = informer_add_handlers(dc->sets, &sh, dc);
    return (ctrl_t *)dc;
}

static void on_queue_closed(void *data)
{
    dsctrl_t *dc = data;
    void (*done)(void *) = dc->done;
    void *d = dc->done_data;
    json_decref(dc->expect);
    free(dc);
    done(d);
}

static void stop(ctrl_t *ctrl, void (*done)(void *data), void *data)
{
    dsctrl_t *dc = (dsctrl_t *)ctrl;
    dc->closing = true;
    dc->done = done;
    dc->done_data = data;
    informer_remove_handlers(dc->sets, dc->set_reg);
    informer_remove_handlers(dc->pods, dc->pod_reg);
    informer_remove_handlers(dc->nodes, dc->node_reg);
    informer_remove_handlers(dc->revs, dc->rev_reg);
    workqueue_close(dc->queue, on_queue_closed, dc);
}

const ctrl_ops_t controllers__daemonset = {"daemonset", start, stop};
