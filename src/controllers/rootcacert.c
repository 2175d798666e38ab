/*
 * rootcacert.c — the root-CA publisher: every live namespace has a ConfigMap kube-root-ca.crt
 * whose ca.crt is the cluster's CA bundle, so a pod's projected kube-api-access volume can give
 * its containers the CA to verify the API server with. Edits are put back, deletions undone.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#define ROOT_CA_NAME "kube-root-ca.crt"

typedef struct {
    client_t *client;
    const char *ca; /* borrowed from the manager */
    informer_t *namespaces, *configmaps;
    informer_reg_t *ns_reg, *cm_reg;
    workqueue_t *queue;
    void (*done)(void *data);
    void *done_data;
} rootca_t;

typedef struct {
    rootca_t *rc;
    char *ns;
} write_t;

static void on_written(const client_resp_t *resp, void *data)
{
    write_t *w = data;
    rootca_t *rc = w->rc;
    /* 409: someone wrote first (the next event brings it back here); 403/404: the namespace
     * is going or gone. */
    if ((resp->status >= 200 && resp->status < 300) || resp->status == 409 || resp->status == 403 ||
        resp->status == 404) {
        workqueue_forget(rc->queue, w->ns);
    } else {
        log_warn("controllers", "publishing %s in %s: %d", ROOT_CA_NAME, w->ns, resp->status);
        workqueue_add_rate_limited(rc->queue, w->ns);
    }
    workqueue_done(rc->queue, w->ns);
    free(w->ns);
    free(w);
}

static void process(workqueue_t *q, const char *ns, void *data)
{
    rootca_t *rc = data;
    json_t *obj = informer_get(rc->namespaces, NULL, ns);
    const char *phase = json_string_value(json_object_get(json_object_get(obj, "status"), "phase"));
    bool live = obj && !controllers__meta(obj, "deletionTimestamp") &&
                !(phase && strcmp(phase, "Terminating") == 0);
    if (!rc->ca || !live || !informer_synced(rc->configmaps)) {
        workqueue_done(q, ns);
        return;
    }
    json_t *cur = informer_get(rc->configmaps, ns, ROOT_CA_NAME);
    const char *have = json_string_value(json_object_get(json_object_get(cur, "data"), "ca.crt"));
    if (cur && have && strcmp(have, rc->ca) == 0) {
        workqueue_done(q, ns);
        return;
    }
    json_t *want = cur ? json_deep_copy(cur)
                       : json_pack("{s:s, s:s, s:{s:s, s:{s:s}}}", "apiVersion", "v1", "kind",
                                   "ConfigMap", "metadata", "name", ROOT_CA_NAME, "annotations",
                                   "kubernetes.io/description",
                                   "The cluster's CA bundle, for verifying the API server from "
                                   "inside the cluster (kubernetes.default.svc).");
    json_object_set_new(want, "data", json_pack("{s:s}", "ca.crt", rc->ca));
    json_object_del(want, "binaryData");
    cleanup_free char *body = json_dumps(want, JSON_COMPACT);
    json_decref(want);
    write_t *w = xcalloc(1, sizeof(*w));
    w->rc = rc;
    w->ns = xstrdup(ns);
    cleanup_free char *path =
        cur ? xasprintf("/api/v1/namespaces/%s/configmaps/%s", ns, ROOT_CA_NAME)
            : xasprintf("/api/v1/namespaces/%s/configmaps", ns);
    client_request(rc->client, cur ? "PUT" : "POST", path, "application/json", body, strlen(body),
                   on_written, w);
}

static void ns_added(informer_t *inf, json_t *obj, void *data)
{
    const char *name = controllers__meta(obj, "name");
    if (name)
        workqueue_add(((rootca_t *)data)->queue, name);
}

static void ns_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    ns_added(inf, obj, data);
}

static void cm_changed(informer_t *inf, json_t *obj, void *data)
{
    const char *name = controllers__meta(obj, "name");
    const char *ns = controllers__meta(obj, "namespace");
    if (name && ns && strcmp(name, ROOT_CA_NAME) == 0)
        workqueue_add(((rootca_t *)data)->queue, ns);
}

static void cm_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    cm_changed(inf, obj, data);
}

static bool enqueue_ns(json_t *obj, void *data)
{
    ns_added(NULL, obj, data);
    return true;
}

static void cm_synced(informer_t *inf, void *data)
{
    rootca_t *rc = data;
    informer_foreach(rc->namespaces, enqueue_ns, rc);
}

static ctrl_t *start(controllers_t *cm)
{
    rootca_t *rc = xcalloc(1, sizeof(*rc));
    rc->client = controllers__client(cm);
    rc->ca = controllers__root_ca(cm);
    rc->queue = workqueue_new(client_loop(rc->client), 2, process, rc);
    if (!rc->ca)
        return (ctrl_t *)rc; /* nothing to publish: no informers either */
    informer_handlers_t nh = {.on_add = ns_added, .on_update = ns_updated};
    informer_handlers_t ch = {
        .on_update = cm_updated, .on_delete = cm_changed, .on_synced = cm_synced};
    rc->configmaps = controllers__informer(cm, "/api/v1/configmaps");
    rc->namespaces = controllers__informer(cm, "/api/v1/namespaces");
    rc->cm_reg = informer_add_handlers(rc->configmaps, &ch, rc);
    rc->ns_reg = informer_add_handlers(rc->namespaces, &nh, rc);
    return (ctrl_t *)rc;
}

static void on_queue_closed(void *data)
{
    rootca_t *rc = data;
    void (*done)(void *) = rc->done;
    void *d = rc->done_data;
    free(rc);
    done(d);
}

static void stop(ctrl_t *ctrl, void (*done)(void *data), void *data)
{
    rootca_t *rc = (rootca_t *)ctrl;
    rc->done = done;
    rc->done_data = data;
    if (rc->namespaces)
        informer_remove_handlers(rc->namespaces, rc->ns_reg);
    if (rc->configmaps)
        informer_remove_handlers(rc->configmaps, rc->cm_reg);
    workqueue_close(rc->queue, on_queue_closed, rc);
}

const ctrl_ops_t controllers__rootcacert = {"root-ca-cert-publisher", start, stop};
