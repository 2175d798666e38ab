/*
 * servicelb.c — a built-in load balancer for Services of type LoadBalancer (k3s's ServiceLB
 * idea, without its pods): the Service's status.loadBalancer.ingress lists the InternalIPs of the
 * Ready nodes, and the proxy role sends traffic to those addresses on the service's ports
 * through the service's chains, so every node answers. Services with a loadBalancerClass belong
 * to another implementation and are left alone; a Service that stops being a LoadBalancer has its
 * ingress cleared.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    client_t *client;
    informer_t *services, *nodes;
    informer_reg_t *svc_reg, *node_reg;
    workqueue_t *queue;
    void (*done)(void *data);
    void *done_data;
} lbctrl_t;

typedef struct {
    lbctrl_t *lc;
    char *key;
} write_t;

static bool node_ready(const json_t *node)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(node, "status"), "conditions"), i, c)
    {
        const char *type = json_string_value(json_object_get(c, "type"));
        const char *st = json_string_value(json_object_get(c, "status"));
        if (type && strcmp(type, "Ready") == 0)
            return st && strcmp(st, "True") == 0;
    }
    return false;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

static bool add_node_ip(json_t *node, void *data)
{
    if (!node_ready(node) ||
        json_is_true(json_object_get(json_object_get(node, "spec"), "unschedulable")))
        return true;
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(json_object_get(node, "status"), "addresses"), i, a)
    {
        const char *type = json_string_value(json_object_get(a, "type"));
        const char *ip = json_string_value(json_object_get(a, "address"));
        if (type && ip && strcmp(type, "InternalIP") == 0)
            json_array_append_new(data, json_string(ip));
    }
    return true;
}

/* What status.loadBalancer should be for svc: owned JSON object. */
static json_t *desired(lbctrl_t *lc, const json_t *svc)
{
    const json_t *spec = json_object_get(svc, "spec");
    const char *type = json_string_value(json_object_get(spec, "type"));
    json_t *lb = json_object();
    if (!type || strcmp(type, "LoadBalancer") != 0)
        return lb;
    cleanup_json json_t *ips = json_array();
    informer_foreach(lc->nodes, add_node_ip, ips);
    size_t n = json_array_size(ips);
    cleanup_free json_t **sorted = xcalloc(n + 1, sizeof(*sorted));
    for (size_t i = 0; i < n; i++)
        sorted[i] = json_array_get(ips, i);
    qsort(sorted, n, sizeof(*sorted), str_cmp);
    json_t *ingress = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(ingress, json_pack("{s:O, s:s}", "ip", sorted[i], "ipMode", "VIP"));
    if (n)
        json_object_set_new(lb, "ingress", ingress);
    else
        json_decref(ingress);
    return lb;
}

static void on_written(const client_resp_t *resp, void *data)
{
    write_t *w = data;
    if (resp->status == 200 || resp->status == 404) {
        workqueue_forget(w->lc->queue, w->key);
    } else {
        log_warn("controllers", "servicelb: status of %s: %d", w->key, resp->status);
        workqueue_add_rate_limited(w->lc->queue, w->key);
    }
    workqueue_done(w->lc->queue, w->key);
    free(w->key);
    free(w);
}

static void process(workqueue_t *q, const char *key, void *data)
{
    lbctrl_t *lc = data;
    char ns[256], name[256];
    if (sscanf(key, "%255[^/]/%255s", ns, name) != 2 || !informer_synced(lc->nodes)) {
        workqueue_done(q, key);
        return;
    }
    json_t *svc = informer_get(lc->services, ns, name);
    const json_t *spec = json_object_get(svc, "spec");
    if (!svc || json_is_string(json_object_get(spec, "loadBalancerClass"))) {
        workqueue_done(q, key);
        return;
    }
    cleanup_json json_t *want = desired(lc, svc);
    json_t *have = json_object_get(json_object_get(svc, "status"), "loadBalancer");
    if ((have && json_equal(want, have)) || (!have && json_object_size(want) == 0)) {
        workqueue_done(q, key);
        return;
    }
    /* A merge patch replaces the ingress list whole; null removes it. Guarded by the
     * resourceVersion the decision was made on. */
    json_t *ingress = json_object_get(want, "ingress");
    cleanup_json json_t *patch =
        json_pack("{s:{s:O}, s:{s:{s:O}}}", "metadata", "resourceVersion",
                  json_object_get(json_object_get(svc, "metadata"), "resourceVersion"), "status",
                  "loadBalancer", "ingress", ingress ? ingress : json_null());
    cleanup_free char *body = json_dumps(patch, JSON_COMPACT);
    cleanup_free char *path = xasprintf("/api/v1/namespaces/%s/services/%s/status", ns, name);
    write_t *w = xcalloc(1, sizeof(*w));
    w->lc = lc;
    w->key = xstrdup(key);
    client_request(lc->client, "PATCH", path, "application/merge-patch+json", body, strlen(body),
                   on_written, w);
}

static void enqueue_svc(lbctrl_t *lc, const json_t *svc)
{
    const char *ns = controllers__meta(svc, "namespace"), *name = controllers__meta(svc, "name");
    if (!ns || !name)
        return;
    char key[600];
    snprintf(key, sizeof(key), "%s/%s", ns, name);
    workqueue_add(lc->queue, key);
}

static void svc_add(informer_t *inf, json_t *obj, void *data)
{
    enqueue_svc(data, obj);
}

static void svc_update(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    enqueue_svc(data, obj);
}

static bool enqueue_lb(json_t *svc, void *data)
{
    const char *type = json_string_value(json_object_get(json_object_get(svc, "spec"), "type"));
    const json_t *lb = json_object_get(json_object_get(svc, "status"), "loadBalancer");
    if ((type && strcmp(type, "LoadBalancer") == 0) || json_object_size(lb) > 0)
        enqueue_svc(data, svc);
    return true;
}

/* Any node change may change the addresses: every load-balanced service gets a look. */
static void node_changed(informer_t *inf, json_t *obj, void *data)
{
    informer_foreach(((lbctrl_t *)data)->services, enqueue_lb, data);
}

static void node_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    if (node_ready(old) != node_ready(obj) ||
        !json_equal(json_object_get(json_object_get(old, "status"), "addresses"),
                    json_object_get(json_object_get(obj, "status"), "addresses")) ||
        json_is_true(json_object_get(json_object_get(old, "spec"), "unschedulable")) !=
            json_is_true(json_object_get(json_object_get(obj, "spec"), "unschedulable")))
        node_changed(inf, obj, data);
}

static void nodes_synced(informer_t *inf, void *data)
{
    node_changed(inf, NULL, data);
}

static ctrl_t *start(controllers_t *cm)
{
    lbctrl_t *lc = xcalloc(1, sizeof(*lc));
    lc->client = controllers__client(cm);
    lc->queue = workqueue_new(client_loop(lc->client), 2, process, lc);
    lc->services = controllers__informer(cm, "/api/v1/services");
    lc->nodes = controllers__informer(cm, "/api/v1/nodes");
    informer_handlers_t sh = {.on_add = svc_add, .on_update = svc_update};
    informer_handlers_t nh = {.on_add = node_changed,
                              .on_update = node_updated,
                              .on_delete = node_changed,
                              .on_synced = nodes_synced};
    lc->svc_reg = informer_add_handlers(lc->services, &sh, lc);
    lc->node_reg = informer_add_handlers(lc->nodes, &nh, lc);
    return (ctrl_t *)lc;
}

static void on_queue_closed(void *data)
{
    lbctrl_t *lc = data;
    void (*done)(void *) = lc->done;
    void *d = lc->done_data;
    free(lc);
    done(d);
}

static void stop(ctrl_t *ctrl, void (*done)(void *data), void *data)
{
    lbctrl_t *lc = (lbctrl_t *)ctrl;
    lc->done = done;
    lc->done_data = data;
    informer_remove_handlers(lc->services, lc->svc_reg);
    informer_remove_handlers(lc->nodes, lc->node_reg);
    workqueue_close(lc->queue, on_queue_closed, lc);
}

const ctrl_ops_t controllers__servicelb = {"servicelb", start, stop};
