/*
 * namespace.c — the namespace controller: when a namespace is being deleted, delete everything
 * in it, kind by kind; once nothing is left, remove the `kubernetes` finalizer (through the
 * finalize subresource), upon which the API server removes the namespace. Objects that take
 * time to go (pods finishing on their kubelet, objects with finalizers) make it look again.
 * Each sweep's findings go into the namespace's status conditions as upstream's deleter writes
 * them (NamespaceContentRemaining, NamespaceFinalizersRemaining, …), so `kubectl describe ns`
 * says what a Terminating namespace waits for.
 */
#include "internal.h"

#include "c8s/strbuf.h"

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
    json_t *left;       /* "<resource>.<group>" → objects left (second pass) */
    json_t *finalizers; /* finalizer → objects left carrying it */
    strbuf_t failed;    /* deletions that failed (first pass) */
    int n_failed;
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
    json_decref(sw->left);
    json_decref(sw->finalizers);
    strbuf_free(&sw->failed);
    free(sw->name);
    free(sw);
}

static void on_status_written(const client_resp_t *resp, void *data)
{
    char *name = data;
    if (resp->status >= 300 && resp->status != 404 && resp->status != 409)
        log_warn("controllers", "namespace %s: writing its conditions: %d %.200s", name,
                 resp->status, resp->body ? resp->body : "");
    free(name);
}

static bool same_conditions(const json_t *a, const json_t *b)
{
    if (json_array_size(a) != json_array_size(b))
        return false;
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *x = json_array_get(a, i), *y = json_array_get(b, i);
        static const char *const keys[] = {"type", "status", "reason", "message"};
        for (size_t k = 0; k < C8S_ARRAY_SIZE(keys); k++)
            if (!json_equal(json_object_get(x, keys[k]), json_object_get(y, keys[k])))
                return false;
    }
    return true;
}

/* The sweep's findings as the namespace's conditions, written when they changed. */
static void write_conditions(sweep_t *sw)
{
    json_t *ns = informer_get(sw->nc->namespaces, NULL, sw->name);
    if (!ns)
        return;
    json_t *old = json_object_get(json_object_get(ns, "status"), "conditions");
    char now[32];
    c8s_rfc3339_format(controllers__now_ms() / 1000, now, sizeof(now));
    cleanup_free char *err =
        sw->n_failed ? xasprintf("Failed to delete all resource types, %d remaining: %s",
                                 sw->n_failed, sw->failed.s)
                     : NULL;
    cleanup_json json_t *conds =
        controllers__ns_conditions(old, sw->left, sw->finalizers, err, now);
    if (same_conditions(old, conds))
        return;
    cleanup_json json_t *patch = json_pack("{s:{s:O}}", "status", "conditions", conds);
    cleanup_free char *body = json_dumps(patch, JSON_COMPACT);
    cleanup_free char *path = xasprintf("/api/v1/namespaces/%s/status", sw->name);
    client_request(sw->nc->client, "PATCH", path, "application/merge-patch+json", body,
                   strlen(body), on_status_written, xstrdup(sw->name));
}

/* Counts what a list of the second pass holds, by resource and by finalizer. */
static void count_left(sweep_t *sw, const api_kind_t *k, const json_t *items)
{
    size_t n = json_array_size(items);
    if (!n)
        return;
    cleanup_free char *key = xasprintf("%s.%s", k->resource, k->group);
    json_object_set_new(sw->left, key, json_integer(n));
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        size_t j;
        json_t *f;
        json_array_foreach(json_object_get(json_object_get(item, "metadata"), "finalizers"), j, f)
        {
            const char *name = json_string_value(f);
            if (name)
                json_object_set_new(
                    sw->finalizers, name,
                    json_integer(json_integer_value(json_object_get(sw->finalizers, name)) + 1));
        }
    }
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
        json_t *items = json_object_get(list, "items");
        sw->remaining += (int)json_array_size(items);
        count_left(sw, api_kind_at(sw->kind), items);
    } else if (resp->status >= 300 && resp->status != 404) {
        /* Try again later; what was deleted stays deleted. */
        sw->remaining++;
        if (!sw->checking) {
            const api_kind_t *k = api_kind_at(sw->kind);
            strbuf_sep(&sw->failed, ", ", "");
            strbuf_addf(&sw->failed, "%s.%s: HTTP %d", k->resource, k->group, resp->status);
            sw->n_failed++;
        }
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
        write_conditions(sw);
        if (sw->remaining > 0)
            return sweep_end(sw, true);
        return finalize(sw);
    }
    const api_kind_t *k = api_kind_at(sw->kind);
    cleanup_free char *gp = controllers__group_path(k);
    cleanup_free char *path = xasprintf("%s/namespaces/%s/%s", gp, sw->name, k->resource);
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
    sw->left = json_object();
    sw->finalizers = json_object();
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
