/*
 * namespace.c — the namespace controller: when a namespace is being deleted, delete everything
 * in it, kind by kind; once nothing is left, remove the `kubernetes` finalizer (through the
 * finalize subresource), upon which the API server removes the namespace. Objects that take
 * time to go (pods finishing on their kubelet, objects with finalizers) make it look again.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#define RECHECK_MS 1000

typedef struct {
    client_t *client;
    informer_t *namespaces;
    informer_reg_t *reg;
    workqueue_t *queue;
    void (*done)(void *data);
    void *done_data;
    int closing;
} nsctrl_t;

/* One sweep of one namespace. */
typedef struct {
    nsctrl_t *nc;
    char *name;
    size_t kind;   /* index into the registry */
    bool checking; /* second pass: is anything left? */
    int remaining;
} sweep_t;

static void sweep_step(sweep_t *sw);

static void sweep_end(sweep_t *sw, bool again)
{
    nsctrl_t *nc = sw->nc;
    if (again && !nc->closing)
        workqueue_add_after(nc->queue, sw->name, RECHECK_MS);
    else
        workqueue_forget(nc->queue, sw->name);
    workqueue_done(nc->queue, sw->name);
    free(sw->name);
    free(sw);
}

/* The registry lists a storage once per served version (HPA): visit each storage once. */
static bool first_of_storage(size_t i)
{
    const api_kind_t *k = api_kind_at(i);
    if (!api_kind_stored(k))
        return false;
    for (size_t j = 0; j < i; j++) {
        const api_kind_t *o = api_kind_at(j);
        if (strcmp(o->group, k->group) == 0 &&
            strcmp(o->storage_resource, k->storage_resource) == 0)
            return false;
    }
    return true;
}

static void on_finalized(const client_resp_t *resp, void *data)
{
    sweep_t *sw = data;
    if (resp->status != 200 && resp->status != 404 && resp->status != 409)
        log_warn("controllers", "finalizing namespace %s: %d %s", sw->name, resp->status,
                 resp->body);
    sweep_end(sw, resp->status != 200 && resp->status != 404);
}

static void finalize(sweep_t *sw)
{
    json_t *ns = informer_get(sw->nc->namespaces, NULL, sw->name);
    if (!ns)
        return sweep_end(sw, false);
    cleanup_json json_t *copy = json_deep_copy(ns);
    json_t *spec = json_object_get(copy, "spec");
    json_t *fins = json_object_get(spec, "finalizers");
    json_t *kept = json_array();
    size_t i;
    json_t *f;
    json_array_foreach(fins, i,
                       f) if (!json_is_string(f) || strcmp(json_string_value(f), "kubernetes") != 0)
        json_array_append(kept, f);
    json_object_set_new(spec, "finalizers", kept);
    cleanup_free char *body = json_dumps(copy, JSON_COMPACT);
    cleanup_free char *path = xasprintf("/api/v1/namespaces/%s/finalize", sw->name);
    client_request(sw->nc->client, "PUT", path, "application/json", body, strlen(body),
                   on_finalized, sw);
}

static void on_kind_done(const client_resp_t *resp, void *data)
{
    sweep_t *sw = data;
    if (sw->checking && resp->status == 200) {
        cleanup_json json_t *list = json_loadb(resp->body, resp->len, 0, NULL);
        sw->remaining += (int)json_array_size(json_object_get(list, "items"));
    } else if (resp->status >= 300 && resp->status != 404) {
        /* Try again later; what was deleted stays deleted. */
        sw->remaining++;
    }
    sw->kind++;
    sweep_step(sw);
}

static void sweep_step(sweep_t *sw)
{
    if (sw->nc->closing)
        return sweep_end(sw, false);
    size_t n = api_kinds_count();
    while (sw->kind < n && (!api_kind_at(sw->kind)->namespaced || !first_of_storage(sw->kind)))
        sw->kind++;
    if (sw->kind >= n) {
        if (!sw->checking) {
            sw->checking = true;
            sw->kind = 0;
            sw->remaining = 0;
            return sweep_step(sw);
        }
        if (sw->remaining > 0)
            return sweep_end(sw, true);
        return finalize(sw);
    }
    const api_kind_t *k = api_kind_at(sw->kind);
    cleanup_free char *gp = controllers__group_path(k);
    cleanup_free char *path = xasprintf("%s/namespaces/%s/%s%s", gp, sw->name, k->resource,
                                        sw->checking ? "?limit=1" : "");
    client_request(sw->nc->client, sw->checking ? "GET" : "DELETE", path, NULL, NULL, 0,
                   on_kind_done, sw);
}

static void process(workqueue_t *q, const char *key, void *data)
{
    nsctrl_t *nc = data;
    json_t *ns = informer_get(nc->namespaces, NULL, key);
    if (!ns || !controllers__meta(ns, "deletionTimestamp")) {
        workqueue_forget(q, key);
        workqueue_done(q, key);
        return;
    }
    sweep_t *sw = xcalloc(1, sizeof(*sw));
    sw->nc = nc;
    sw->name = xstrdup(key);
    sweep_step(sw);
}

static void enqueue(nsctrl_t *nc, json_t *obj)
{
    const char *name = controllers__meta(obj, "name");
    if (name && controllers__meta(obj, "deletionTimestamp"))
        workqueue_add(nc->queue, name);
}

static void on_add(informer_t *inf, json_t *obj, void *data)
{
    enqueue(data, obj);
}

static void on_update(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    enqueue(data, obj);
}

static ctrl_t *start(controllers_t *cm)
{
    nsctrl_t *nc = xcalloc(1, sizeof(*nc));
    nc->client = controllers__client(cm);
    nc->queue = workqueue_new(client_loop(nc->client), 4, process, nc);
    informer_handlers_t h = {.on_add = on_add, .on_update = on_update};
    nc->namespaces = controllers__informer(cm, "/api/v1/namespaces");
    nc->reg = informer_add_handlers(nc->namespaces, &h, nc);
    return (ctrl_t *)nc;
}

static void on_queue_closed(void *data)
{
    nsctrl_t *nc = data;
    void (*done)(void *) = nc->done;
    void *d = nc->done_data;
    free(nc);
    done(d);
}

static void stop(ctrl_t *ctrl, void (*done)(void *data), void *data)
{
    nsctrl_t *nc = (nsctrl_t *)ctrl;
    nc->closing = 1;
    nc->done = done;
    nc->done_data = data;
    informer_remove_handlers(nc->namespaces, nc->reg);
    workqueue_close(nc->queue, on_queue_closed, nc);
}

const ctrl_ops_t controllers__namespace = {"namespace", start, stop};
