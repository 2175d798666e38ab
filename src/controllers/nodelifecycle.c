/*
 * nodelifecycle.c — the node IPAM part of upstream's node controllers: every node without
 * spec.podCIDR gets the lowest free /24 of the cluster CIDR 10.244.0.0/16 (spec.podCIDR and
 * spec.podCIDRs), no two nodes the same; a deleted node's range is free again. The used ranges
 * are rebuilt from the nodes once the cache has synced, so a restart never hands one out twice.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#define CLUSTER_PREFIX "10.244."
#define NRANGES        256

typedef struct {
    client_t *client;
    informer_t *nodes;
    informer_reg_t *reg;
    workqueue_t *queue;
    bool used[NRANGES];
    bool synced;
    void (*done)(void *data);
    void *done_data;
} nlctrl_t;

/* The /24 index of a node's podCIDR within the cluster CIDR, or -1. */
static int range_of(const json_t *node)
{
    const char *c = json_string_value(json_object_get(json_object_get(node, "spec"), "podCIDR"));
    int x;
    char tail[8];
    if (!c || strncmp(c, CLUSTER_PREFIX, strlen(CLUSTER_PREFIX)) != 0 ||
        sscanf(c + strlen(CLUSTER_PREFIX), "%d.0/24%1s", &x, tail) != 1 || x < 0 || x >= NRANGES)
        return -1;
    return x;
}

typedef struct {
    nlctrl_t *nc;
    char *name;
    int range;
} patch_t;

static void on_patched(const client_resp_t *resp, void *data)
{
    patch_t *p = data;
    nlctrl_t *nc = p->nc;
    if (resp->status != 200) {
        /* 404: the node went; otherwise try again (the range is free again either way). */
        nc->used[p->range] = false;
        if (resp->status != 404) {
            log_warn("controllers", "nodeipam: setting the podCIDR of %s: %d %s", p->name,
                     resp->status, resp->body ? resp->body : "");
            workqueue_add_rate_limited(nc->queue, p->name);
        }
    } else {
        workqueue_forget(nc->queue, p->name);
    }
    workqueue_done(nc->queue, p->name);
    free(p->name);
    free(p);
}

static void process(workqueue_t *q, const char *name, void *data)
{
    nlctrl_t *nc = data;
    json_t *node = informer_get(nc->nodes, NULL, name);
    if (!nc->synced || !node || controllers__meta(node, "deletionTimestamp") ||
        json_object_get(json_object_get(node, "spec"), "podCIDR")) {
        workqueue_done(q, name);
        return;
    }
    int x = 0;
    while (x < NRANGES && nc->used[x])
        x++;
    if (x == NRANGES) {
        log_warn("controllers", "nodeipam: no free /24 in 10.244.0.0/16 for node %s", name);
        workqueue_done(q, name);
        return;
    }
    nc->used[x] = true;
    char body[160];
    snprintf(body, sizeof(body),
             "{\"spec\":{\"podCIDR\":\"" CLUSTER_PREFIX "%d.0/24\",\"podCIDRs\":[\"" CLUSTER_PREFIX
             "%d.0/24\"]}}",
             x, x);
    patch_t *p = xcalloc(1, sizeof(*p));
    p->nc = nc;
    p->name = xstrdup(name);
    p->range = x;
    cleanup_free char *path = xasprintf("/api/v1/nodes/%s", name);
    client_request(nc->client, "PATCH", path, "application/merge-patch+json", body, strlen(body),
                   on_patched, p);
}

static void node_added(informer_t *inf, json_t *obj, void *data)
{
    nlctrl_t *nc = data;
    int x = range_of(obj);
    if (x >= 0)
        nc->used[x] = true;
    const char *name = controllers__meta(obj, "name");
    if (name && nc->synced)
        workqueue_add(nc->queue, name);
}

static void node_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    node_added(inf, obj, data);
}

static void node_deleted(informer_t *inf, json_t *obj, void *data)
{
    nlctrl_t *nc = data;
    int x = range_of(obj);
    if (x >= 0)
        nc->used[x] = false;
}

static bool enqueue_node(json_t *obj, void *data)
{
    nlctrl_t *nc = data;
    const char *name = controllers__meta(obj, "name");
    if (name)
        workqueue_add(nc->queue, name);
    return true;
}

static void nodes_synced(informer_t *inf, void *data)
{
    /* Every range in use is known now (node_added saw them all): hand out the rest. */
    nlctrl_t *nc = data;
    nc->synced = true;
    informer_foreach(nc->nodes, enqueue_node, nc);
}

static ctrl_t *start(controllers_t *cm)
{
    nlctrl_t *nc = xcalloc(1, sizeof(*nc));
    nc->client = controllers__client(cm);
    nc->queue = workqueue_new(client_loop(nc->client), 1, process, nc);
    informer_handlers_t h = {.on_add = node_added,
                             .on_update = node_updated,
                             .on_delete = node_deleted,
                             .on_synced = nodes_synced};
    nc->nodes = controllers__informer(cm, "/api/v1/nodes");
    nc->reg = informer_add_handlers(nc->nodes, &h, nc);
    return (ctrl_t *)nc;
}

static void on_queue_closed(void *data)
{
    nlctrl_t *nc = data;
    void (*done)(void *) = nc->done;
    void *d = nc->done_data;
    free(nc);
    done(d);
}

static void stop(ctrl_t *ctrl, void (*done)(void *data), void *data)
{
    nlctrl_t *nc = (nlctrl_t *)ctrl;
    nc->done = done;
    nc->done_data = data;
    informer_remove_handlers(nc->nodes, nc->reg);
    workqueue_close(nc->queue, on_queue_closed, nc);
}

const ctrl_ops_t controllers__nodelifecycle = {"nodelifecycle", start, stop};
