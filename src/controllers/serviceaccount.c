/*
 * serviceaccount.c — every namespace that is not being deleted has a ServiceAccount named
 * `default`, created when the namespace appears and again if someone deletes it.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    client_t *client;
    informer_t *namespaces, *accounts;
    informer_reg_t *ns_reg, *sa_reg;
    workqueue_t *queue;
    void (*done)(void *data);
    void *done_data;
} sactrl_t;

typedef struct {
    sactrl_t *sc;
    char *ns;
} create_t;

static void on_created(const client_resp_t *resp, void *data)
{
    create_t *cr = data;
    sactrl_t *sc = cr->sc;
    /* 409: someone made it first; 403/404: the namespace is going or gone. */
    if (resp->status == 201 || resp->status == 409 || resp->status == 403 || resp->status == 404) {
        workqueue_forget(sc->queue, cr->ns);
    } else {
        log_warn("controllers", "creating the default ServiceAccount in %s: %d", cr->ns,
                 resp->status);
        workqueue_add_rate_limited(sc->queue, cr->ns);
    }
    workqueue_done(sc->queue, cr->ns);
    free(cr->ns);
    free(cr);
}

static void process(workqueue_t *q, const char *ns, void *data)
{
    sactrl_t *sc = data;
    json_t *obj = informer_get(sc->namespaces, NULL, ns);
    const char *phase = json_string_value(json_object_get(json_object_get(obj, "status"), "phase"));
    bool live = obj && !controllers__meta(obj, "deletionTimestamp") &&
                !(phase && strcmp(phase, "Terminating") == 0);
    if (!live || !informer_synced(sc->accounts) || informer_get(sc->accounts, ns, "default")) {
        workqueue_done(q, ns);
        return;
    }
    create_t *cr = xcalloc(1, sizeof(*cr));
    cr->sc = sc;
    cr->ns = xstrdup(ns);
    cleanup_free char *path = xasprintf("/api/v1/namespaces/%s/serviceaccounts", ns);
    static const char body[] = "{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\","
                               "\"metadata\":{\"name\":\"default\"}}";
    client_request(sc->client, "POST", path, "application/json", body, sizeof(body) - 1, on_created,
                   cr);
}

static void ns_changed(informer_t *inf, json_t *obj, void *data)
{
    const char *name = controllers__meta(obj, "name");
    if (name)
        workqueue_add(((sactrl_t *)data)->queue, name);
}

static void ns_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    ns_changed(inf, obj, data);
}

static void sa_deleted(informer_t *inf, json_t *obj, void *data)
{
    const char *ns = controllers__meta(obj, "namespace");
    if (ns)
        workqueue_add(((sactrl_t *)data)->queue, ns);
}

static bool enqueue_ns(json_t *obj, void *data)
{
    ns_changed(NULL, obj, data);
    return true;
}

static void sa_synced(informer_t *inf, void *data)
{
    /* Namespaces seen before the accounts were known get their look now. */
    sactrl_t *sc = data;
    informer_foreach(sc->namespaces, enqueue_ns, sc);
}

static ctrl_t *start(controllers_t *cm)
{
    sactrl_t *sc = xcalloc(1, sizeof(*sc));
    sc->client = controllers__client(cm);
    sc->queue = workqueue_new(client_loop(sc->client), 2, process, sc);
    informer_handlers_t nh = {.on_add = ns_changed, .on_update = ns_updated};
    informer_handlers_t ah = {.on_delete = sa_deleted, .on_synced = sa_synced};
    sc->accounts = controllers__informer(cm, "/api/v1/serviceaccounts");
    sc->namespaces = controllers__informer(cm, "/api/v1/namespaces");
    sc->sa_reg = informer_add_handlers(sc->accounts, &ah, sc);
    sc->ns_reg = informer_add_handlers(sc->namespaces, &nh, sc);
    return (ctrl_t *)sc;
}

static void on_queue_closed(void *data)
{
    sactrl_t *sc = data;
    void (*done)(void *) = sc->done;
    void *d = sc->done_data;
    free(sc);
    done(d);
}

static void stop(ctrl_t *ctrl, void (*done)(void *data), void *data)
{
    sactrl_t *sc = (sactrl_t *)ctrl;
    sc->done = done;
    sc->done_data = data;
    informer_remove_handlers(sc->namespaces, sc->ns_reg);
    informer_remove_handlers(sc->accounts, sc->sa_reg);
    workqueue_close(sc->queue, on_queue_closed, sc);
}

const ctrl_ops_t controllers__serviceaccount = {"serviceaccount", start, stop};
