/*
 * persistentvolume.c — claims meet volumes. The binder binds each PersistentVolumeClaim to a
 * PersistentVolume (pv_core.c chooses which) in upstream's order: the volume's claimRef, then the
 * claim's volumeName and bind annotations, then both statuses Bound; a volume whose claim is gone
 * is Released, or deleted under reclaimPolicy Delete. The local-path provisioner (k3s ships the
 * same idea) makes a hostPath volume for a claim of a class with provisioner c8s.io/local-path:
 * with volumeBindingMode WaitForFirstConsumer on the node the scheduler put the claim's first pod
 * on, with Immediate on the first Ready node. Every pass does one write and looks again when it
 * is answered, so a restart or a lost race resumes from what the objects say.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    controllers_t *cm;
    client_t *client;
    informer_t *claims, *volumes, *pods, *classes, *nodes;
    informer_reg_t *claim_reg, *vol_reg, *pod_reg;
    workqueue_t *queue;
    void (*done)(void *data);
    void *done_data;
} pvctrl_t;

typedef struct {
    pvctrl_t *pc;
    char *key;
} write_t;

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static void on_written(const client_resp_t *resp, void *data)
{
    write_t *w = data;
    pvctrl_t *pc = w->pc;
    if (resp->status >= 200 && resp->status < 300) {
        workqueue_forget(pc->queue, w->key);
        workqueue_add(pc->queue, w->key); /* the next step, once the caches show this one */
    } else if (resp->status == 404) {
        workqueue_forget(pc->queue, w->key);
    } else {
        if (resp->status != 409)
            log_warn("controllers", "persistentvolume %s: %d %.*s", w->key, resp->status,
                     (int)(resp->len > 200 ? 200 : resp->len), resp->body ? resp->body : "");
        workqueue_add_rate_limited(pc->queue, w->key);
    }
    workqueue_done(pc->queue, w->key);
    free(w->key);
    free(w);
}

/* One write for key; body (borrowed) may be NULL. */
static void write_obj(pvctrl_t *pc, const char *key, const char *method, const char *path,
                      const char *ct, json_t *body)
{
    write_t *w = xcalloc(1, sizeof(*w));
    w->pc = pc;
    w->key = xstrdup(key);
    cleanup_free char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    client_request(pc->client, method, path, ct, text, text ? strlen(text) : 0, on_written, w);
}

static void merge_patch(pvctrl_t *pc, const char *key, const char *path, json_t *patch)
{
    write_obj(pc, key, "PATCH", path, "application/merge-patch+json", patch);
    json_decref(patch);
}

static bool add_obj(json_t *obj, void *data)
{
    json_array_append(data, obj);
    return true;
}

typedef struct {
    const char *ns, *claim;
    const char *node;
} consumer_t;

static bool find_consumer(json_t *pod, void *data)
{
    consumer_t *c = data;
    const json_t *spec = json_object_get(pod, "spec");
    const char *node = str(spec, "nodeName");
    if (!node || !*node || strcmp(controllers__meta(pod, "namespace") ?: "", c->ns) != 0)
        return true;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(spec, "volumes"), i, v)
    {
        const char *claim = str(json_object_get(v, "persistentVolumeClaim"), "claimName");
        if (claim && strcmp(claim, c->claim) == 0) {
            c->node = node;
            return false;
        }
    }
    return true;
}

static bool first_ready(json_t *node, void *data)
{
    size_t i;
    json_t *cond;
    json_array_foreach(json_object_get(json_object_get(node, "status"), "conditions"), i, cond)
    {
        if (strcmp(str(cond, "type") ?: "", "Ready") == 0 &&
            strcmp(str(cond, "status") ?: "", "True") == 0) {
            *(const char **)data = controllers__meta(node, "name");
            return false;
        }
    }
    return true;
}

/* Where a claim of the local-path class is provisioned; NULL: not yet known. */
static const char *pick_node(pvctrl_t *pc, const json_t *pvc, const json_t *sc)
{
    const char *sel = str(json_object_get(json_object_get(pvc, "metadata"), "annotations"),
                          "volume.kubernetes.io/selected-node");
    if (sel && *sel)
        return sel;
    const char *mode = str(sc, "volumeBindingMode");
    if (mode && strcmp(mode, "WaitForFirstConsumer") == 0) {
        consumer_t c = {controllers__meta(pvc, "namespace"), controllers__meta(pvc, "name"), NULL};
        if (c.ns && c.claim)
            informer_foreach(pc->pods, find_consumer, &c);
        return c.node;
    }
    const char *node = NULL;
    informer_foreach(pc->nodes, first_ready, &node);
    return node;
}

static void sync_claim(pvctrl_t *pc, const char *key, const char *ns, const char *name)
{
    json_t *pvc = informer_get(pc->claims, ns, name);
    if (!pvc || controllers__meta(pvc, "deletionTimestamp")) {
        workqueue_done(pc->queue, key);
        return;
    }
    const json_t *spec = json_object_get(pvc, "spec");
    const char *vol = str(spec, "volumeName");
    cleanup_free char *claim_path =
        xasprintf("/api/v1/namespaces/%s/persistentvolumeclaims/%s", ns, name);
    if (vol && *vol) {
        json_t *pv = informer_get(pc->volumes, NULL, vol);
        cleanup_free char *pv_path = xasprintf("/api/v1/persistentvolumes/%s", vol);
        const char *pv_phase = pv ? str(json_object_get(pv, "status"), "phase") : NULL;
        const char *phase = str(json_object_get(pvc, "status"), "phase");
        if (pv && !json_object_get(json_object_get(pv, "spec"), "claimRef")) {
            merge_patch(pc, key, pv_path,
                        json_pack("{s:{s:o}}", "spec", "claimRef", controllers__pv_claim_ref(pvc)));
        } else if (pv && controllers__pv_bound_to(pv, pvc) &&
                   (!pv_phase || strcmp(pv_phase, "Bound") != 0)) {
            cleanup_free char *p = xasprintf("%s/status", pv_path);
            merge_patch(pc, key, p, json_pack("{s:{s:s}}", "status", "phase", "Bound"));
        } else if (pv && controllers__pv_bound_to(pv, pvc) &&
                   (!phase || strcmp(phase, "Bound") != 0)) {
            const json_t *pspec = json_object_get(pv, "spec");
            cleanup_free char *p = xasprintf("%s/status", claim_path);
            merge_patch(pc, key, p,
                        json_pack("{s:{s:s, s:O?, s:O?}}", "status", "phase", "Bound",
                                  "accessModes", json_object_get(pspec, "accessModes"), "capacity",
                                  json_object_get(pspec, "capacity")));
        } else if (!pv && phase && strcmp(phase, "Bound") == 0) {
            cleanup_free char *p = xasprintf("%s/status", claim_path);
            merge_patch(pc, key, p, json_pack("{s:{s:s}}", "status", "phase", "Lost"));
        } else {
            workqueue_done(pc->queue, key);
        }
        return;
    }
    cleanup_json json_t *pvs = json_array();
    informer_foreach(pc->volumes, add_obj, pvs);
    const json_t *pv = controllers__pv_choose(pvs, pvc);
    if (pv) {
        const char *pv_name = controllers__meta(pv, "name");
        if (!controllers__pv_bound_to(pv, pvc)) {
            /* The volume first, guarded by its resourceVersion: two claims racing for one
             * volume cannot both win. */
            cleanup_free char *p = xasprintf("/api/v1/persistentvolumes/%s", pv_name);
            merge_patch(pc, key, p,
                        json_pack("{s:{s:s?}, s:{s:o}}", "metadata", "resourceVersion",
                                  controllers__meta(pv, "resourceVersion"), "spec", "claimRef",
                                  controllers__pv_claim_ref(pvc)));
        } else {
            merge_patch(pc, key, claim_path,
                        json_pack("{s:{s:{s:s, s:s}}, s:{s:s}}", "metadata", "annotations",
                                  "pv.kubernetes.io/bind-completed", "yes",
                                  "pv.kubernetes.io/bound-by-controller", "yes", "spec",
                                  "volumeName", pv_name));
        }
        return;
    }
    const char *cls = str(spec, "storageClassName");
    json_t *sc = cls && *cls ? informer_get(pc->classes, NULL, cls) : NULL;
    const char *node =
        sc && strcmp(str(sc, "provisioner") ?: "", CONTROLLERS_LOCAL_PROVISIONER) == 0
            ? pick_node(pc, pvc, sc)
            : NULL;
    cleanup_json json_t *npv =
        node ? controllers__pv_provision(pvc, sc, node, controllers__local_storage_dir(pc->cm))
             : NULL;
    if (npv) {
        log_info("controllers", "persistentvolume: provisioning %s for %s/%s on %s",
                 controllers__meta(npv, "name"), ns, name, node);
        write_obj(pc, key, "POST", "/api/v1/persistentvolumes", "application/json", npv);
        return;
    }
    if (!json_object_get(json_object_get(pvc, "status"), "phase")) {
        cleanup_free char *p = xasprintf("%s/status", claim_path);
        merge_patch(pc, key, p, json_pack("{s:{s:s}}", "status", "phase", "Pending"));
        return;
    }
    workqueue_done(pc->queue, key);
}

static void sync_volume(pvctrl_t *pc, const char *key, const char *name)
{
    json_t *pv = informer_get(pc->volumes, NULL, name);
    if (!pv || controllers__meta(pv, "deletionTimestamp")) {
        workqueue_done(pc->queue, key);
        return;
    }
    const json_t *spec = json_object_get(pv, "spec");
    const json_t *ref = json_object_get(spec, "claimRef");
    const char *phase = str(json_object_get(pv, "status"), "phase");
    cleanup_free char *path = xasprintf("/api/v1/persistentvolumes/%s", name);
    cleanup_free char *status_path = xasprintf("%s/status", path);
    if (!ref) {
        if (!phase || strcmp(phase, "Available") != 0)
            merge_patch(pc, key, status_path,
                        json_pack("{s:{s:s}}", "status", "phase", "Available"));
        else
            workqueue_done(pc->queue, key);
        return;
    }
    const char *rns = str(ref, "namespace"), *rname = str(ref, "name"), *ruid = str(ref, "uid");
    json_t *pvc = rns && rname ? informer_get(pc->claims, rns, rname) : NULL;
    bool claim_there = pvc && (!ruid || strcmp(ruid, controllers__meta(pvc, "uid") ?: "") == 0);
    if (claim_there) {
        cleanup_free char *ck = xasprintf("c/%s/%s", rns, rname);
        workqueue_add(pc->queue, ck);
        workqueue_done(pc->queue, key);
        return;
    }
    /* A claim pre-bound by name alone (no uid) may simply not exist yet. */
    if (!ruid || !informer_synced(pc->claims)) {
        workqueue_done(pc->queue, key);
        return;
    }
    const char *policy = str(spec, "persistentVolumeReclaimPolicy");
    if (policy && strcmp(policy, "Delete") == 0) {
        log_info("controllers", "persistentvolume: deleting %s (its claim %s/%s is gone)", name,
                 rns, rname);
        write_obj(pc, key, "DELETE", path, NULL, NULL);
    } else if (!phase || strcmp(phase, "Released") != 0) {
        merge_patch(pc, key, status_path, json_pack("{s:{s:s}}", "status", "phase", "Released"));
    } else {
        workqueue_done(pc->queue, key);
    }
}

static void process(workqueue_t *q, const char *key, void *data)
{
    pvctrl_t *pc = data;
    if (!informer_synced(pc->claims) || !informer_synced(pc->volumes)) {
        workqueue_add_after(q, key, 500);
        workqueue_done(q, key);
        return;
    }
    if (key[0] == 'v' && key[1] == '/') {
        sync_volume(pc, key, key + 2);
        return;
    }
    char ns[256], name[256];
    controllers__split_key(key + 2, ns, sizeof(ns), name, sizeof(name));
    sync_claim(pc, key, ns, name);
}

static void claim_changed(informer_t *inf, json_t *obj, void *data)
{
    (void)inf;
    const char *ns = controllers__meta(obj, "namespace"), *name = controllers__meta(obj, "name");
    if (!ns || !name)
        return;
    cleanup_free char *key = xasprintf("c/%s/%s", ns, name);
    workqueue_add(((pvctrl_t *)data)->queue, key);
}

static void claim_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    (void)old;
    claim_changed(inf, obj, data);
}

static void claim_deleted(informer_t *inf, json_t *obj, void *data)
{
    (void)inf;
    /* Its volume is released (or deleted) now. */
    const char *vol = str(json_object_get(obj, "spec"), "volumeName");
    if (vol && *vol) {
        cleanup_free char *key = xasprintf("v/%s", vol);
        workqueue_add(((pvctrl_t *)data)->queue, key);
    }
}

static void volume_changed(informer_t *inf, json_t *obj, void *data)
{
    (void)inf;
    const char *name = controllers__meta(obj, "name");
    if (!name)
        return;
    cleanup_free char *key = xasprintf("v/%s", name);
    workqueue_add(((pvctrl_t *)data)->queue, key);
}

static void volume_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    (void)old;
    volume_changed(inf, obj, data);
}

static void pod_changed(informer_t *inf, json_t *obj, void *data)
{
    (void)inf;
    const json_t *spec = json_object_get(obj, "spec");
    const char *ns = controllers__meta(obj, "namespace");
    if (!ns || !str(spec, "nodeName"))
        return;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(spec, "volumes"), i, v)
    {
        const char *claim = str(json_object_get(v, "persistentVolumeClaim"), "claimName");
        if (!claim)
            continue;
        cleanup_free char *key = xasprintf("c/%s/%s", ns, claim);
        workqueue_add(((pvctrl_t *)data)->queue, key);
    }
}

static void pod_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    /* Only the binding matters: a pod that just got its node may be a claim's first consumer. */
    if (!str(json_object_get(old, "spec"), "nodeName"))
        pod_changed(inf, obj, data);
}

static void on_class(const client_resp_t *resp, void *data)
{
    (void)data;
    if (resp->status != 201 && resp->status != 409)
        log_warn("controllers", "creating the local-path StorageClass: %d", resp->status);
}

/* The default StorageClass the provisioner serves, made once (a user's edits are kept). */
static void ensure_class(pvctrl_t *pc)
{
    static const char body[] =
        "{\"apiVersion\":\"storage.k8s.io/v1\",\"kind\":\"StorageClass\",\"metadata\":{"
        "\"name\":\"local-path\",\"annotations\":{"
        "\"storageclass.kubernetes.io/is-default-class\":\"true\"}},"
        "\"provisioner\":\"" CONTROLLERS_LOCAL_PROVISIONER "\",\"reclaimPolicy\":\"Delete\","
        "\"volumeBindingMode\":\"WaitForFirstConsumer\"}";
    client_request(pc->client, "POST", "/apis/storage.k8s.io/v1/storageclasses", "application/json",
                   body, sizeof(body) - 1, on_class, NULL);
}

static ctrl_t *start(controllers_t *cm)
{
    pvctrl_t *pc = xcalloc(1, sizeof(*pc));
    pc->cm = cm;
    pc->client = controllers__client(cm);
    pc->queue = workqueue_new(client_loop(pc->client), 2, process, pc);
    pc->claims = controllers__informer(cm, "/api/v1/persistentvolumeclaims");
    pc->volumes = controllers__informer(cm, "/api/v1/persistentvolumes");
    pc->pods = controllers__informer(cm, "/api/v1/pods");
    pc->classes = controllers__informer(cm, "/apis/storage.k8s.io/v1/storageclasses");
    pc->nodes = controllers__informer(cm, "/api/v1/nodes");
    informer_handlers_t ch = {
        .on_add = claim_changed, .on_update = claim_updated, .on_delete = claim_deleted};
    informer_handlers_t vh = {.on_add = volume_changed, .on_update = volume_updated};
    informer_handlers_t ph = {.on_add = pod_changed, .on_update = pod_updated};
    pc->claim_reg = informer_add_handlers(pc->claims, &ch, pc);
    pc->vol_reg = informer_add_handlers(pc->volumes, &vh, pc);
    pc->pod_reg = informer_add_handlers(pc->pods, &ph, pc);
    if (controllers__local_path_class(cm))
        ensure_class(pc);
    return (ctrl_t *)pc;
}

static void on_queue_closed(void *data)
{
    pvctrl_t *pc = data;
    void (*done)(void *) = pc->done;
    void *d = pc->done_data;
    free(pc);
    done(d);
}

static void stop(ctrl_t *ctrl, void (*done)(void *data), void *data)
{
    pvctrl_t *pc = (pvctrl_t *)ctrl;
    pc->done = done;
    pc->done_data = data;
    informer_remove_handlers(pc->claims, pc->claim_reg);
    informer_remove_handlers(pc->volumes, pc->vol_reg);
    informer_remove_handlers(pc->pods, pc->pod_reg);
    workqueue_close(pc->queue, on_queue_closed, pc);
}

const ctrl_ops_t controllers__persistentvolume = {"persistentvolume", start, stop};
