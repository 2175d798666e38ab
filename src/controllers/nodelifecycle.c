/*
 * nodelifecycle.c — upstream's node lifecycle and node IPAM controllers.
 *
 * Health: a node heartbeats by renewing its Lease in kube-node-lease or posting its status (the
 * Ready condition's lastHeartbeatTime). When neither has
 * changed for the grace period (40 s; C8S_NODE_MONITOR_GRACE_MS, read once, shortens it for
 * tests) as measured on this controller's clock (from when it last saw a change, as upstream,
 * so clock skew does not matter), every node condition becomes Unknown (NodeStatusUnknown) and
 * its pods' Ready condition False. Taints follow Ready: Unknown → node.kubernetes.io/unreachable,
 * False → node.kubernetes.io/not-ready, each NoSchedule and NoExecute (timeAdded set); removed
 * when Ready is True again. MemoryPressure, DiskPressure and PIDPressure True each put their
 * NoSchedule taint (node.kubernetes.io/memory-pressure...), removed with the condition. Pods on a
 * node with NoExecute taints are deleted at once when they do not tolerate one, else after their
 * tolerationSeconds (nodelife_core.c).
 *
 * IPAM: every node without spec.podCIDR gets the lowest free range of the cluster CIDR
 * (--cluster-cidr, 10.244.0.0/16; ranges of --node-cidr-mask-size bits, 24) in spec.podCIDR
 * and spec.podCIDRs, no two nodes the same; a deleted node's range
 * is free again. The used ranges are rebuilt from the nodes once the cache has synced, so a
 * restart never hands one out twice.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LEASE_NS          "kube-node-lease"
#define TAINT_UNREACHABLE "node.kubernetes.io/unreachable"
#define TAINT_NOT_READY   "node.kubernetes.io/not-ready"

typedef struct {
    client_t *client;
    informer_t *nodes;
    informer_reg_t *reg;
    workqueue_t *queue;
    informer_t *leases, *pods;
    informer_reg_t *lease_reg, *pod_reg;
    workqueue_t *tick; /* one key, "monitor": the periodic health pass */
    json_t *assigned;  /* node → the range patched onto it, until its cache shows it */
    json_t *seen; /* node → {"rv": renewTime, "hb": Ready heartbeat, "at": our ms of a change} */
    json_t *registered; /* node → true once its RegisteredNode event went out */
    int64_t grace_ms;
    controllers_ipam_t ipam;
    bool *used; /* ipam.count flags: the ranges handed out */
    bool synced;
    int closing;
    void (*done)(void *data);
    void *done_data;
} nlctrl_t;

/* The index of a node's podCIDR among the cluster CIDR's ranges, or -1. */
static long range_of(const nlctrl_t *nc, const json_t *node)
{
    return controllers__ipam_index(
        &nc->ipam, json_string_value(json_object_get(json_object_get(node, "spec"), "podCIDR")));
}

typedef struct {
    nlctrl_t *nc;
    char *name;
    size_t range;
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
        json_object_set_new(nc->assigned, p->name, json_integer((json_int_t)p->range));
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
        json_object_get(json_object_get(node, "spec"), "podCIDR") ||
        json_object_get(nc->assigned, name)) {
        workqueue_done(q, name);
        return;
    }
    size_t x = 0;
    while (x < nc->ipam.count && nc->used[x])
        x++;
    if (x == nc->ipam.count) {
        char first[32];
        controllers__ipam_format(&nc->ipam, 0, first, sizeof(first));
        log_warn("controllers",
                 "nodeipam: no free /%d range left in the cluster CIDR (%s...) for "
                 "node %s",
                 nc->ipam.mask_size, first, name);
        workqueue_done(q, name);
        return;
    }
    nc->used[x] = true;
    char cidr[32], body[160];
    controllers__ipam_format(&nc->ipam, x, cidr, sizeof(cidr));
    snprintf(body, sizeof(body), "{\"spec\":{\"podCIDR\":\"%s\",\"podCIDRs\":[\"%s\"]}}", cidr,
             cidr);
    patch_t *p = xcalloc(1, sizeof(*p));
    p->nc = nc;
    p->name = xstrdup(name);
    p->range = x;
    cleanup_free char *path = xasprintf("/api/v1/nodes/%s", name);
    client_request(nc->client, "PATCH", path, "application/merge-patch+json", body, strlen(body),
                   on_patched, p);
}

static int64_t grace_ms(void)
{
    const char *e = getenv("C8S_NODE_MONITOR_GRACE_MS");
    long long v = e ? atoll(e) : 0;
    return v > 0 ? v : 40000;
}

/* Records a heartbeat of node when what it shows changed: key "rv" is its Lease's renewTime, "hb"
 * its Ready condition's lastHeartbeatTime (upstream counts a status post as a probe too, so a
 * kubelet that is back judges its node before its first Lease renewal lands). The first sight of
 * a node counts as a heartbeat; value NULL records nothing else. */
static void observe(nlctrl_t *nc, const char *node, const char *key, const char *value)
{
    json_t *h = json_object_get(nc->seen, node);
    const char *old = json_string_value(json_object_get(h, key));
    if (h && (!value || (old && strcmp(old, value) == 0)))
        return;
    if (!h) {
        h = json_object();
        json_object_set_new(nc->seen, node, h);
    }
    if (value)
        json_object_set_new(h, key, json_string(value));
    json_object_set_new(h, "at", json_integer((json_int_t)controllers__now_ms()));
}

static void on_written(const client_resp_t *resp, void *data)
{
    char *what = data;
    if (resp->status >= 300 && resp->status != 404 && resp->status != 409)
        log_warn("controllers", "nodelifecycle: %s: %d %s", what, resp->status,
                 resp->body ? resp->body : "");
    free(what);
}

static void merge_patch(nlctrl_t *nc, const char *path, json_t *patch /* stolen */)
{
    cleanup_free char *body = json_dumps(patch, JSON_COMPACT);
    json_decref(patch);
    client_request(nc->client, "PATCH", path, "application/merge-patch+json", body, strlen(body),
                   on_written, xasprintf("patching %s", path));
}

/* The node's Ready condition, or NULL. Borrowed from obj. */
static const json_t *ready_condition(const json_t *obj)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(obj, "status"), "conditions"), i, c)
    {
        const char *t = json_string_value(json_object_get(c, "type"));
        if (t && strcmp(t, "Ready") == 0)
            return c;
    }
    return NULL;
}

static const char *ready_status(const json_t *obj)
{
    return json_string_value(json_object_get(ready_condition(obj), "status"));
}

static const char *ready_heartbeat(const json_t *obj)
{
    return json_string_value(json_object_get(ready_condition(obj), "lastHeartbeatTime"));
}

/* The node's conditions all Unknown (a Ready one added if it had none). Owned. */
static json_t *unknown_conditions(const json_t *node, const char *now)
{
    json_t *out = json_array();
    bool has_ready = false;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(node, "status"), "conditions"), i, c)
    {
        json_t *n = json_deep_copy(c);
        const char *t = json_string_value(json_object_get(c, "type"));
        if (t && strcmp(t, "Ready") == 0)
            has_ready = true;
        json_object_set_new(n, "status", json_string("Unknown"));
        json_object_set_new(n, "reason", json_string("NodeStatusUnknown"));
        json_object_set_new(n, "message", json_string("Kubelet stopped posting node status."));
        json_object_set_new(n, "lastTransitionTime", json_string(now));
        json_array_append_new(out, n);
    }
    if (!has_ready)
        json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "Ready", "status",
                                             "Unknown", "reason", "NodeStatusUnknown", "message",
                                             "Kubelet stopped posting node status.",
                                             "lastTransitionTime", now));
    return out;
}

/* Upstream's TaintNodesByCondition: a pressure or NetworkUnavailable condition True, or
 * spec.unschedulable (a cordoned node; cond NULL here), puts a NoSchedule taint on the node (the
 * kubelet reports the condition; the scheduler and DaemonSets read the taint). */
static const struct {
    const char *cond, *key;
} cond_taints[] = {
    {"MemoryPressure", "node.kubernetes.io/memory-pressure"},
    {"DiskPressure", "node.kubernetes.io/disk-pressure"},
    {"PIDPressure", "node.kubernetes.io/pid-pressure"},
    {"NetworkUnavailable", "node.kubernetes.io/network-unavailable"},
    {NULL, "node.kubernetes.io/unschedulable"},
};

static int cond_taint(const char *key)
{
    for (size_t i = 0; key && i < sizeof(cond_taints) / sizeof(cond_taints[0]); i++)
        if (strcmp(key, cond_taints[i].key) == 0)
            return (int)i;
    return -1;
}

static bool cond_true(const json_t *node, const char *type)
{
    json_t *c;
    size_t i;
    json_array_foreach(json_object_get(json_object_get(node, "status"), "conditions"), i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "type")) ?: "", type) == 0)
            return strcmp(json_string_value(json_object_get(c, "status")) ?: "", "True") == 0;
    }
    return false;
}

static bool wants_cond_taint(const json_t *node, size_t c)
{
    return cond_taints[c].cond
               ? cond_true(node, cond_taints[c].cond)
               : json_is_true(json_object_get(json_object_get(node, "spec"), "unschedulable"));
}

static bool is_health_taint(const json_t *t)
{
    const char *k = json_string_value(json_object_get(t, "key"));
    return k && (strcmp(k, TAINT_UNREACHABLE) == 0 || strcmp(k, TAINT_NOT_READY) == 0);
}

/* The taints node should carry for its Ready status: its own, with the health taints made to
 * match (kept with their timeAdded when already there). Owned. */
static json_t *wanted_taints(const json_t *node, const char *ready, const char *now)
{
    json_t *cur = json_object_get(json_object_get(node, "spec"), "taints");
    const char *key = !ready || strcmp(ready, "Unknown") == 0 ? TAINT_UNREACHABLE
                      : strcmp(ready, "False") == 0           ? TAINT_NOT_READY
                                                              : NULL;
    json_t *out = json_array();
    bool have_ns = false, have_ne = false;
    bool have_cond[sizeof(cond_taints) / sizeof(cond_taints[0])] = {false};
    size_t i;
    json_t *t;
    json_array_foreach(cur, i, t)
    {
        int ct = cond_taint(json_string_value(json_object_get(t, "key")));
        if (ct >= 0) {
            const char *eff = json_string_value(json_object_get(t, "effect"));
            if (wants_cond_taint(node, (size_t)ct) && !have_cond[ct] && eff &&
                strcmp(eff, "NoSchedule") == 0) {
                have_cond[ct] = true;
                json_array_append(out, t);
            }
            continue;
        }
        if (!is_health_taint(t)) {
            json_array_append(out, t);
            continue;
        }
        if (key && strcmp(json_string_value(json_object_get(t, "key")), key) == 0) {
            const char *eff = json_string_value(json_object_get(t, "effect"));
            if (eff && strcmp(eff, "NoSchedule") == 0 && !have_ns) {
                have_ns = true;
                json_array_append(out, t);
            } else if (eff && strcmp(eff, "NoExecute") == 0 && !have_ne) {
                have_ne = true;
                json_array_append(out, t);
            }
        }
    }
    if (key && !have_ns)
        json_array_append_new(out, json_pack("{s:s, s:s}", "key", key, "effect", "NoSchedule"));
    if (key && !have_ne)
        json_array_append_new(
            out, json_pack("{s:s, s:s, s:s}", "key", key, "effect", "NoExecute", "timeAdded", now));
    for (size_t c = 0; c < sizeof(cond_taints) / sizeof(cond_taints[0]); c++)
        if (!have_cond[c] && wants_cond_taint(node, c))
            json_array_append_new(
                out, json_pack("{s:s, s:s}", "key", cond_taints[c].key, "effect", "NoSchedule"));
    return out;
}

typedef struct {
    nlctrl_t *nc;
    json_t *nodes; /* name → {"unknown": bool, "taints": [...]} for the pass */
    int64_t now;
    int64_t next; /* earliest pending eviction (epoch s), or -1 */
} pass_t;

/* A Normal event about node from the node controller. */
static void node_event(nlctrl_t *nc, const json_t *node, const char *reason, const char *msg)
{
    controllers__event(nc->client, node, "Node", "v1", "node-controller", "Normal", reason, "%s",
                       msg);
}

static bool check_node(json_t *node, void *data)
{
    pass_t *p = data;
    nlctrl_t *nc = p->nc;
    const char *name = controllers__meta(node, "name");
    if (!name || controllers__meta(node, "deletionTimestamp"))
        return true;
    char now[32];
    c8s_rfc3339_format(p->now / 1000, now, sizeof(now));
    if (!json_object_get(nc->registered, name)) {
        cleanup_free char *msg =
            xasprintf("Node %s event: Registered Node %s in Controller", name, name);
        node_event(nc, node, "RegisteredNode", msg);
        json_object_set_new(nc->registered, name, json_true());
    }
    observe(nc, name, "hb", ready_heartbeat(node));
    int64_t at = json_integer_value(json_object_get(json_object_get(nc->seen, name), "at"));
    const char *ready = ready_status(node);
    bool silent = p->now - at > nc->grace_ms;
    cleanup_free char *path = xasprintf("/api/v1/nodes/%s", name);
    if (silent && !(ready && strcmp(ready, "Unknown") == 0)) {
        log_warn("controllers", "node %s: no heartbeat for %lld ms; marking it Unknown", name,
                 (long long)(p->now - at));
        json_t *conds = unknown_conditions(node, now);
        cleanup_free char *spath = xasprintf("/api/v1/nodes/%s/status", name);
        merge_patch(nc, spath, json_pack("{s:{s:o}}", "status", "conditions", conds));
        cleanup_free char *msg = xasprintf("Node %s status is now: NodeNotReady", name);
        node_event(nc, node, "NodeNotReady", msg);
        ready = "Unknown";
    }
    if (!ready && !silent)
        return true; /* a node that never reported: judged once the grace period has passed */
    json_t *taints = wanted_taints(node, ready, now);
    json_t *cur = json_object_get(json_object_get(node, "spec"), "taints");
    if (!json_equal(taints, cur ? cur : json_array_size(taints) ? NULL : taints))
        merge_patch(nc, path,
                    json_pack("{s:{s:O}}", "spec", "taints",
                              json_array_size(taints) ? taints : json_null()));
    json_object_set_new(
        p->nodes, name,
        json_pack("{s:b, s:o}", "unknown", strcmp(ready, "Unknown") == 0, "taints", taints));
    return true;
}

static bool check_pod(json_t *pod, void *data)
{
    pass_t *p = data;
    nlctrl_t *nc = p->nc;
    const char *node = json_string_value(json_object_get(json_object_get(pod, "spec"), "nodeName"));
    json_t *n = node ? json_object_get(p->nodes, node) : NULL;
    const char *ns = controllers__meta(pod, "namespace"), *name = controllers__meta(pod, "name");
    if (!n || !ns || !name || controllers__meta(pod, "deletionTimestamp"))
        return true;
    const char *phase = json_string_value(json_object_get(json_object_get(pod, "status"), "phase"));
    if (phase && (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0))
        return true;
    int64_t at = controllers__evict_at(pod, json_object_get(n, "taints"));
    if (at >= 0 && at * 1000 <= p->now) {
        log_info("controllers", "evicting pod %s/%s from node %s (NoExecute taint)", ns, name,
                 node);
        cleanup_free char *path = xasprintf("/api/v1/namespaces/%s/pods/%s", ns, name);
        client_request(nc->client, "DELETE", path, NULL, NULL, 0, on_written,
                       xasprintf("evicting pod %s/%s", ns, name));
        return true;
    }
    if (at > 0 && (p->next < 0 || at < p->next))
        p->next = at;
    /* As upstream's MarkPodsNotReady. */
    const char *ready = ready_status(pod);
    if (json_is_true(json_object_get(n, "unknown")) && ready && strcmp(ready, "True") == 0) {
        char now[32];
        c8s_rfc3339_format(p->now / 1000, now, sizeof(now));
        json_t *conds =
            json_deep_copy(json_object_get(json_object_get(pod, "status"), "conditions"));
        size_t i;
        json_t *c;
        json_array_foreach(conds, i, c)
        {
            const char *t = json_string_value(json_object_get(c, "type"));
            if (t && strcmp(t, "Ready") == 0) {
                json_object_set_new(c, "status", json_string("False"));
                json_object_set_new(c, "reason", json_string("NodeNotReady"));
                json_object_set_new(c, "lastTransitionTime", json_string(now));
            }
        }
        cleanup_free char *path = xasprintf("/api/v1/namespaces/%s/pods/%s/status", ns, name);
        merge_patch(nc, path, json_pack("{s:{s:o}}", "status", "conditions", conds));
    }
    return true;
}

/* The health pass: every node judged, every pod on a NoExecute-tainted node looked at. Runs
 * every quarter of the grace period (at most every second). */
static void monitor(workqueue_t *q, const char *key, void *data)
{
    nlctrl_t *nc = data;
    if (nc->synced && informer_synced(nc->leases) && informer_synced(nc->pods)) {
        pass_t p = {nc, json_object(), controllers__now_ms(), -1};
        informer_foreach(nc->nodes, check_node, &p);
        informer_foreach(nc->pods, check_pod, &p);
        json_decref(p.nodes);
    }
    int64_t period = nc->grace_ms / 4;
    if (period > 1000)
        period = 1000;
    if (period < 50)
        period = 50;
    workqueue_add_after(q, key, (uint64_t)period);
    workqueue_done(q, key);
}

static void lease_seen(informer_t *inf, json_t *lease, void *data)
{
    const char *ns = controllers__meta(lease, "namespace"),
               *name = controllers__meta(lease, "name");
    if (!ns || !name || strcmp(ns, LEASE_NS) != 0)
        return;
    observe(data, name, "rv",
            json_string_value(json_object_get(json_object_get(lease, "spec"), "renewTime")));
}

static void lease_updated(informer_t *inf, json_t *old, json_t *lease, void *data)
{
    lease_seen(inf, lease, data);
}

static void node_added(informer_t *inf, json_t *obj, void *data)
{
    nlctrl_t *nc = data;
    long x = range_of(nc, obj);
    const char *name = controllers__meta(obj, "name");
    if (x >= 0) {
        nc->used[x] = true;
        if (name)
            json_object_del(nc->assigned, name);
    }
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
    const char *name = controllers__meta(obj, "name");
    if (name) {
        json_object_del(nc->seen, name);
        if (json_object_get(nc->registered, name)) {
            cleanup_free char *msg =
                xasprintf("Node %s event: Removing Node %s from Controller", name, name);
            node_event(nc, obj, "RemovingNode", msg);
            json_object_del(nc->registered, name);
        }
        json_t *a = json_object_get(nc->assigned, name);
        if (a)
            nc->used[json_integer_value(a)] = false;
        json_object_del(nc->assigned, name);
    }
    long x = range_of(nc, obj);
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
    nc->seen = json_object();
    nc->registered = json_object();
    nc->assigned = json_object();
    nc->grace_ms = grace_ms();
    nc->ipam = *controllers__ipam(cm);
    nc->used = xcalloc(nc->ipam.count, sizeof(*nc->used));
    nc->client = controllers__client(cm);
    nc->queue = workqueue_new(client_loop(nc->client), 1, process, nc);
    informer_handlers_t h = {.on_add = node_added,
                             .on_update = node_updated,
                             .on_delete = node_deleted,
                             .on_synced = nodes_synced};
    nc->nodes = controllers__informer(cm, "/api/v1/nodes");
    nc->reg = informer_add_handlers(nc->nodes, &h, nc);
    informer_handlers_t lh = {.on_add = lease_seen, .on_update = lease_updated};
    informer_handlers_t ph = {0};
    nc->leases = controllers__informer(cm, "/apis/coordination.k8s.io/v1/leases");
    nc->lease_reg = informer_add_handlers(nc->leases, &lh, nc);
    nc->pods = controllers__informer(cm, "/api/v1/pods");
    nc->pod_reg = informer_add_handlers(nc->pods, &ph, nc);
    nc->tick = workqueue_new(client_loop(nc->client), 1, monitor, nc);
    workqueue_add(nc->tick, "monitor");
    return (ctrl_t *)nc;
}

static void on_queue_closed(void *data)
{
    nlctrl_t *nc = data;
    if (--nc->closing > 0)
        return;
    void (*done)(void *) = nc->done;
    void *d = nc->done_data;
    json_decref(nc->seen);
    json_decref(nc->registered);
    json_decref(nc->assigned);
    free(nc->used);
    free(nc);
    done(d);
}

static void stop(ctrl_t *ctrl, void (*done)(void *data), void *data)
{
    nlctrl_t *nc = (nlctrl_t *)ctrl;
    nc->done = done;
    nc->done_data = data;
    informer_remove_handlers(nc->nodes, nc->reg);
    informer_remove_handlers(nc->leases, nc->lease_reg);
    informer_remove_handlers(nc->pods, nc->pod_reg);
    nc->closing = 2;
    workqueue_close(nc->queue, on_queue_closed, nc);
    workqueue_close(nc->tick, on_queue_closed, nc);
}

const ctrl_ops_t controllers__nodelifecycle = {"nodelifecycle", start, stop};
