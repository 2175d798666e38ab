/*
 * endpointslice.c — the EndpointSlice controller: for every Service with a selector, the
 * discovery.k8s.io/v1 EndpointSlices (labelled kubernetes.io/service-name and managed-by
 * endpointslice-controller.k8s.io, owned by the Service so the garbage collector removes them
 * with it) that list the pods it selects, planned by the pure core in endpoints_core.c. The
 * same machinery serves the EndpointSliceMirroring controller, which turns the Endpoints of
 * selector-less Services into slices (managed-by endpointslicemirroring-controller.k8s.io,
 * owned by the Endpoints).
 *
 * Slices are created with generateName, so a sync that ran on a cache not yet showing our last
 * writes would create duplicates: as upstream's EndpointSliceTracker, the controller remembers
 * what it wrote per service (name → resourceVersion, or deleted) and waits until the cache has
 * caught up before planning that service again.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNSYNCED_RETRY_MS 200
#define CATCH_UP_MS       100
#define EXPECT_GIVE_UP_MS 10000
#define MAX_PER_SLICE     100
#define LABEL_SERVICE     "kubernetes.io/service-name"
#define LABEL_MANAGED_BY  "endpointslice.kubernetes.io/managed-by"
#define MANAGER           "endpointslice-controller.k8s.io"
#define MIRROR_MANAGER    "endpointslicemirroring-controller.k8s.io"

typedef struct {
    client_t *client;
    bool mirror;         /* the mirroring controller: slices from selector-less Endpoints */
    const char *manager; /* the managed-by label of our slices */
    informer_t *services, *pods, *slices, *endpoints;
    informer_reg_t *svc_reg, *pod_reg, *slice_reg, *ep_reg;
    workqueue_t *queue;
    json_t *triggers; /* "ns/name" → time of the first change not yet written */
    json_t *expect;   /* "ns/name" → {"at": ms, "slices": {name → resourceVersion | "-"}} */
    bool closing;
    void (*done)(void *data);
    void *done_data;
} slctrl_t;

/* One sync's writes, done one after the other. */
typedef struct {
    slctrl_t *sc;
    char *key, *ns;
    json_t *plan;
    size_t step; /* over create, then update, then delete */
} sync_t;

static void sync_end(sync_t *s, bool ok)
{
    slctrl_t *sc = s->sc;
    if (ok) {
        json_object_del(sc->triggers, s->key);
        workqueue_forget(sc->queue, s->key);
    } else if (!sc->closing) {
        workqueue_add_rate_limited(sc->queue, s->key);
    }
    workqueue_done(sc->queue, s->key);
    free(s->key);
    free(s->ns);
    json_decref(s->plan);
    free(s);
}

static void expect_slice(slctrl_t *sc, const char *key, const char *name, const char *rv)
{
    json_t *e = json_object_get(sc->expect, key);
    if (!e) {
        e = json_pack("{s:I, s:{}}", "at", (json_int_t)c8s_now_ms(), "slices");
        json_object_set_new(sc->expect, key, e);
    }
    json_object_set_new(json_object_get(e, "slices"), name, json_string(rv));
}

/* True when the cache shows every write remembered for key (and forgets them then). */
static bool caught_up(slctrl_t *sc, const char *key, const char *ns)
{
    json_t *e = json_object_get(sc->expect, key);
    if (!e)
        return true;
    if (c8s_now_ms() - (uint64_t)json_integer_value(json_object_get(e, "at")) > EXPECT_GIVE_UP_MS) {
        log_warn("endpointslice", "the cache did not show our writes for %s in time", key);
        json_object_del(sc->expect, key);
        return true;
    }
    const char *name;
    json_t *rv;
    json_object_foreach(json_object_get(e, "slices"), name, rv)
    {
        json_t *cached = informer_get(sc->slices, ns, name);
        const char *want = json_string_value(rv);
        if (strcmp(want, "-") == 0) {
            if (cached)
                return false;
            continue;
        }
        /* Seen when the slice shows our write, or when the cache is past it (then someone
         * else changed or removed the slice since). */
        const char *have = controllers__meta(cached, "resourceVersion");
        const char *at = informer_resource_version(sc->slices);
        long long w = strtoll(want, NULL, 10);
        if ((!have || strtoll(have, NULL, 10) < w) && (!at || strtoll(at, NULL, 10) < w))
            return false;
    }
    json_object_del(sc->expect, key);
    return true;
}

static void sync_step(sync_t *s);

static void on_step_done(const client_resp_t *resp, void *data)
{
    sync_t *s = data;
    slctrl_t *sc = s->sc;
    size_t nc = json_array_size(json_object_get(s->plan, "create"));
    size_t nu = json_array_size(json_object_get(s->plan, "update"));
    bool is_delete = s->step >= nc + nu;
    if (resp->status >= 300 && !(is_delete && resp->status == 404)) {
        if (resp->status == 403 && s->step < nc)
            return sync_end(s, true); /* the namespace is going */
        if (resp->status != 409)
            log_warn("endpointslice", "writing slices of %s: %d %.*s", s->key, resp->status,
                     (int)resp->len, resp->body);
        return sync_end(s, false);
    }
    if (is_delete) {
        const char *name = json_string_value(
            json_array_get(json_object_get(s->plan, "delete"), s->step - nc - nu));
        expect_slice(sc, s->key, name, "-");
    } else {
        cleanup_json json_t *obj = json_loadb(resp->body, resp->len, 0, NULL);
        const char *name = controllers__meta(obj, "name");
        const char *rv = controllers__meta(obj, "resourceVersion");
        if (name && rv)
            expect_slice(sc, s->key, name, rv);
    }
    s->step++;
    sync_step(s);
}

static void sync_step(sync_t *s)
{
    slctrl_t *sc = s->sc;
    if (sc->closing)
        return sync_end(s, false);
    json_t *creates = json_object_get(s->plan, "create");
    json_t *updates = json_object_get(s->plan, "update");
    json_t *deletes = json_object_get(s->plan, "delete");
    size_t nc = json_array_size(creates), nu = json_array_size(updates);
    size_t i = s->step;
    cleanup_free char *coll =
        xasprintf("/apis/discovery.k8s.io/v1/namespaces/%s/endpointslices", s->ns);
    if (i < nc) {
        cleanup_free char *body = json_dumps(json_array_get(creates, i), JSON_COMPACT);
        client_request(sc->client, "POST", coll, "application/json", body, strlen(body),
                       on_step_done, s);
    } else if (i < nc + nu) {
        json_t *obj = json_array_get(updates, i - nc);
        cleanup_free char *path = xasprintf("%s/%s", coll, controllers__meta(obj, "name"));
        cleanup_free char *body = json_dumps(obj, JSON_COMPACT);
        client_request(sc->client, "PUT", path, "application/json", body, strlen(body),
                       on_step_done, s);
    } else if (i < nc + nu + json_array_size(deletes)) {
        cleanup_free char *path =
            xasprintf("%s/%s", coll, json_string_value(json_array_get(deletes, i - nc - nu)));
        client_request(sc->client, "DELETE", path, NULL, NULL, 0, on_step_done, s);
    } else {
        sync_end(s, true);
    }
}

static bool managed_for(const slctrl_t *sc, const json_t *slice, const char *ns, const char *name)
{
    json_t *labels = json_object_get(json_object_get(slice, "metadata"), "labels");
    const char *svc = json_string_value(json_object_get(labels, LABEL_SERVICE));
    const char *by = json_string_value(json_object_get(labels, LABEL_MANAGED_BY));
    const char *sns = controllers__meta(slice, "namespace");
    return svc && by && sns && strcmp(by, sc->manager) == 0 && (!name || strcmp(svc, name) == 0) &&
           (!ns || strcmp(sns, ns) == 0);
}

typedef struct {
    const slctrl_t *sc;
    const char *ns, *name;
    json_t *out;
} mine_t;

static bool pick_slice(json_t *slice, void *data)
{
    mine_t *m = data;
    if (managed_for(m->sc, slice, m->ns, m->name))
        json_array_append(m->out, slice);
    return true;
}

static void run_plan(slctrl_t *sc, const char *key, const char *ns, json_t *plan /* stolen */)
{
    sync_t *s = xcalloc(1, sizeof(*s));
    s->sc = sc;
    s->key = xstrdup(key);
    s->ns = xstrdup(ns);
    s->plan = plan;
    sync_step(s);
}

static void process(workqueue_t *q, const char *key, void *data)
{
    slctrl_t *sc = data;
    if (!informer_synced(sc->services) || !informer_synced(sc->slices) ||
        (sc->pods && !informer_synced(sc->pods)) ||
        (sc->endpoints && !informer_synced(sc->endpoints))) {
        workqueue_add_after(q, key, UNSYNCED_RETRY_MS);
        workqueue_done(q, key);
        return;
    }
    cleanup_free char *buf = xstrdup(key);
    char *slash = strchr(buf, '/');
    if (!slash) {
        workqueue_done(q, key);
        return;
    }
    *slash = 0;
    const char *ns = buf, *name = slash + 1;
    json_t *svc = informer_get(sc->services, ns, name);
    if (!caught_up(sc, key, ns)) {
        workqueue_add_after(q, key, CATCH_UP_MS);
        workqueue_done(q, key);
        return;
    }
    mine_t m = {sc, ns, name, json_array()};
    informer_foreach(sc->slices, pick_slice, &m);
    json_t *plan = NULL;
    if (sc->mirror) {
        json_t *ep = informer_get(sc->endpoints, ns, name);
        if (controllers__should_mirror(svc, ep)) {
            plan = controllers__slices_mirror_plan(ep, m.out, MAX_PER_SLICE);
        } else if (json_array_size(m.out) > 0) {
            /* No longer mirrored (selector added, skip-mirror, Endpoints or Service gone). */
            plan = json_pack("{s:[], s:[], s:[]}", "create", "update", "delete");
            size_t i;
            json_t *sl;
            json_array_foreach(m.out, i, sl) json_array_append_new(
                json_object_get(plan, "delete"), json_string(controllers__meta(sl, "name")));
        }
    } else if (svc && controllers__svc_selects(svc)) {
        cleanup_json json_t *pods = controllers__selected_pods(sc->pods, svc);
        plan = controllers__slices_plan(svc, pods, m.out, MAX_PER_SLICE,
                                        json_string_value(json_object_get(sc->triggers, key)));
    }
    /* Else a deleted service's slices are the garbage collector's (they name it as owner). */
    json_decref(m.out);
    if (!plan) {
        json_object_del(sc->expect, key);
        json_object_del(sc->triggers, key);
        workqueue_forget(q, key);
        workqueue_done(q, key);
        return;
    }
    run_plan(sc, key, ns, plan);
}

static void svc_changed(informer_t *inf, json_t *obj, void *data)
{
    slctrl_t *sc = data;
    const char *ns = controllers__meta(obj, "namespace");
    const char *name = controllers__meta(obj, "name");
    if (!ns || !name)
        return;
    cleanup_free char *key = xasprintf("%s/%s", ns, name);
    if (!json_object_get(sc->triggers, key)) {
        char now[48];
        controllers__now_rfc3339nano(now, sizeof(now));
        json_object_set_new(sc->triggers, key, json_string(now));
    }
    workqueue_add(sc->queue, key);
}

static void svc_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    svc_changed(inf, obj, data);
}

static void pod_changed(informer_t *inf, json_t *obj, void *data)
{
    slctrl_t *sc = data;
    controllers__enqueue_services_of(sc->services, obj, sc->queue, sc->triggers);
}

static void pod_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    slctrl_t *sc = data;
    controllers__enqueue_services_of(sc->services, old, sc->queue, sc->triggers);
    controllers__enqueue_services_of(sc->services, obj, sc->queue, sc->triggers);
}

/* Someone else changed or removed one of our slices: look at its service again. */
static void slice_changed(informer_t *inf, json_t *obj, void *data)
{
    slctrl_t *sc = data;
    if (!managed_for(sc, obj, NULL, NULL))
        return;
    const char *svc = json_string_value(json_object_get(
        json_object_get(json_object_get(obj, "metadata"), "labels"), LABEL_SERVICE));
    cleanup_free char *key = xasprintf("%s/%s", controllers__meta(obj, "namespace"), svc);
    workqueue_add(sc->queue, key);
}

static void slice_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    slice_changed(inf, obj, data);
}

static void ep_changed(informer_t *inf, json_t *obj, void *data)
{
    svc_changed(inf, obj, data);
}

static void ep_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    svc_changed(inf, obj, data);
}

static slctrl_t *common_start(controllers_t *cm, bool mirror)
{
    slctrl_t *sc = xcalloc(1, sizeof(*sc));
    sc->client = controllers__client(cm);
    sc->mirror = mirror;
    sc->manager = mirror ? MIRROR_MANAGER : MANAGER;
    sc->triggers = json_object();
    sc->expect = json_object();
    sc->queue = workqueue_new(client_loop(sc->client), 4, process, sc);
    sc->services = controllers__informer(cm, "/api/v1/services");
    sc->slices = controllers__informer(cm, "/apis/discovery.k8s.io/v1/endpointslices");
    informer_handlers_t lh = {.on_update = slice_updated, .on_delete = slice_changed};
    sc->slice_reg = informer_add_handlers(sc->slices, &lh, sc);
    return sc;
}

static ctrl_t *start(controllers_t *cm)
{
    slctrl_t *sc = common_start(cm, false);
    sc->pods = controllers__informer(cm, "/api/v1/pods");
    informer_handlers_t sh = {
        .on_add = svc_changed, .on_update = svc_updated, .on_delete = svc_changed};
    informer_handlers_t ph = {
        .on_add = pod_changed, .on_update = pod_updated, .on_delete = pod_changed};
    sc->pod_reg = informer_add_handlers(sc->pods, &ph, sc);
    sc->svc_reg = informer_add_handlers(sc->services, &sh, sc);
    return (ctrl_t *)sc;
}

/* Upstream's EndpointSliceMirroring controller: Endpoints written for a selector-less Service
 * (by hand or by another controller) become slices too, so that readers of slices alone (the
 * proxy) see them. Keyed like the service; the Endpoints own the slices. */
static ctrl_t *start_mirror(controllers_t *cm)
{
    slctrl_t *sc = common_start(cm, true);
    sc->endpoints = controllers__informer(cm, "/api/v1/endpoints");
    informer_handlers_t sh = {
        .on_add = svc_changed, .on_update = svc_updated, .on_delete = svc_changed};
    informer_handlers_t eh = {
        .on_add = ep_changed, .on_update = ep_updated, .on_delete = ep_changed};
    sc->ep_reg = informer_add_handlers(sc->endpoints, &eh, sc);
    sc->svc_reg = informer_add_handlers(sc->services, &sh, sc);
    return (ctrl_t *)sc;
}

static void on_queue_closed(void *data)
{
    slctrl_t *sc = data;
    void (*done)(void *) = sc->done;
    void *d = sc->done_data;
    json_decref(sc->triggers);
    json_decref(sc->expect);
    free(sc);
    done(d);
}

static void stop(ctrl_t *ctrl, void (*done)(void *data), void *data)
{
    slctrl_t *sc = (slctrl_t *)ctrl;
    sc->closing = true;
    sc->done = done;
    sc->done_data = data;
    informer_remove_handlers(sc->services, sc->svc_reg);
    if (sc->pods)
        informer_remove_handlers(sc->pods, sc->pod_reg);
    if (sc->endpoints)
        informer_remove_handlers(sc->endpoints, sc->ep_reg);
    informer_remove_handlers(sc->slices, sc->slice_reg);
    workqueue_close(sc->queue, on_queue_closed, sc);
}

const ctrl_ops_t controllers__endpointslice = {"endpointslice", start, stop};
const ctrl_ops_t controllers__endpointslicemirroring = {"endpointslicemirroring", start_mirror,
                                                        stop};
