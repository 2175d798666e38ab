/*
 * podgc.c — the pod garbage collector, as upstream's podgc controller: every 20 s it
 *   - deletes the oldest terminated pods (Succeeded or Failed; evicted ones first) beyond
 *     --terminated-pod-gc-threshold (12,500; 0 disables this part),
 *   - force-deletes pods bound to a node that no longer exists: a node missing from the cache is
 *     quarantined for 40 s, then asked for once more, and only a 404 condemns its pods (a node
 *     deleted and made again meanwhile keeps them),
 *   - force-deletes terminating pods that were never scheduled (no kubelet will finish them),
 *   - force-deletes terminating pods on a node that is not Ready and carries the
 *     node.kubernetes.io/out-of-service taint (the operator's word that the node is gone).
 * A pod that is not yet Succeeded or Failed is first patched to Failed (orphans with a
 * DisruptionTarget condition, reason DeletionByPodGC), so that Jobs and other owners count it,
 * then deleted with grace period 0.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PODGC_PERIOD_MS      20000
#define PODGC_QUARANTINE_MS  40000
#define TAINT_OUT_OF_SERVICE "node.kubernetes.io/out-of-service"

typedef struct {
    client_t *client;
    informer_t *pods, *nodes;
    workqueue_t *tick;
    json_t *missing;  /* node name → when first seen missing (ms) */
    json_t *inflight; /* "ns/name" of pods being collected, and "node:<name>" lookups */
    size_t threshold;
    int64_t period_ms, quarantine_ms;
    int pending; /* requests whose callbacks have yet to run */
    bool closed;
    void (*done)(void *data);
    void *done_data;
} podgc_t;

typedef struct {
    podgc_t *gc;
    char *ns, *name, *key;
} op_t;

static int64_t env_ms(const char *name, int64_t dflt)
{
    const char *e = getenv(name);
    long long v = e ? atoll(e) : 0;
    return v > 0 ? v : dflt;
}

static void maybe_free(podgc_t *gc)
{
    if (!gc->closed || gc->pending > 0)
        return;
    json_decref(gc->missing);
    json_decref(gc->inflight);
    void (*done)(void *) = gc->done;
    void *d = gc->done_data;
    free(gc);
    done(d);
}

static void op_free(op_t *op)
{
    podgc_t *gc = op->gc;
    json_object_del(gc->inflight, op->key);
    free(op->ns);
    free(op->name);
    free(op->key);
    free(op);
    gc->pending--;
    maybe_free(gc);
}

static void on_deleted(const client_resp_t *resp, void *data)
{
    op_t *op = data;
    if (resp->status >= 300 && resp->status != 404)
        log_warn("controllers", "podgc: deleting pod %s: %d %.200s", op->key, resp->status,
                 resp->body ? resp->body : "");
    else if (resp->status < 300)
        log_info("controllers", "podgc: force-deleted pod %s", op->key);
    op_free(op);
}

static void delete_pod(op_t *op)
{
    cleanup_free char *path =
        xasprintf("/api/v1/namespaces/%s/pods/%s?gracePeriodSeconds=0", op->ns, op->name);
    client_request(op->gc->client, "DELETE", path, NULL, NULL, 0, on_deleted, op);
}

static void on_failed(const client_resp_t *resp, void *data)
{
    op_t *op = data;
    if (op->gc->closed || (resp->status >= 300 && resp->status != 404)) {
        if (!op->gc->closed)
            log_warn("controllers", "podgc: marking pod %s Failed: %d %.200s", op->key,
                     resp->status, resp->body ? resp->body : "");
        op_free(op); /* the next pass tries again */
        return;
    }
    if (resp->status == 404) {
        op_free(op);
        return;
    }
    delete_pod(op);
}

/* Upstream's markFailedAndDeletePod: Failed first (with the condition when one is given). */
static void collect(podgc_t *gc, const json_t *pod, const char *reason, const char *message)
{
    const char *ns = controllers__meta(pod, "namespace"), *name = controllers__meta(pod, "name");
    if (!ns || !name)
        return;
    cleanup_free char *key = xasprintf("%s/%s", ns, name);
    if (json_object_get(gc->inflight, key))
        return;
    json_object_set_new(gc->inflight, key, json_true());
    op_t *op = xcalloc(1, sizeof(*op));
    op->gc = gc;
    op->ns = xstrdup(ns);
    op->name = xstrdup(name);
    op->key = xstrdup(key);
    gc->pending++;
    char now[32];
    c8s_rfc3339_format(controllers__now_ms() / 1000, now, sizeof(now));
    cleanup_json json_t *patch = controllers__podgc_failed_status(pod, reason, message, now);
    if (!patch) {
        delete_pod(op);
        return;
    }
    cleanup_free char *body = json_dumps(patch, JSON_COMPACT);
    cleanup_free char *path = xasprintf("/api/v1/namespaces/%s/pods/%s/status", ns, name);
    client_request(gc->client, "PATCH", path, "application/merge-patch+json", body, strlen(body),
                   on_failed, op);
}

typedef struct {
    podgc_t *gc;
    const json_t **all;
    size_t n, cap;
    int64_t now;
    json_t *seen_missing; /* node names referenced by pods and absent from the cache */
} pass_t;

static bool node_ready(const json_t *node)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(node, "status"), "conditions"), i, c)
    {
        const char *t = json_string_value(json_object_get(c, "type"));
        const char *s = json_string_value(json_object_get(c, "status"));
        if (t && strcmp(t, "Ready") == 0)
            return s && strcmp(s, "True") == 0;
    }
    return false;
}

static bool out_of_service(const json_t *node)
{
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(json_object_get(node, "spec"), "taints"), i, t)
    {
        const char *k = json_string_value(json_object_get(t, "key"));
        if (k && strcmp(k, TAINT_OUT_OF_SERVICE) == 0)
            return true;
    }
    return false;
}

static bool look_at_pod(json_t *pod, void *data)
{
    pass_t *p = data;
    podgc_t *gc = p->gc;
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 256;
        p->all = xrealloc(p->all, p->cap * sizeof(*p->all));
    }
    p->all[p->n++] = pod;
    const char *node = json_string_value(json_object_get(json_object_get(pod, "spec"), "nodeName"));
    bool terminating = controllers__meta(pod, "deletionTimestamp") != NULL;
    if (!node || !*node) {
        if (terminating)
            collect(gc, pod, NULL, NULL);
        return true;
    }
    json_t *n = informer_get(gc->nodes, NULL, node);
    if (!n) {
        json_object_set_new(p->seen_missing, node, json_true());
        return true;
    }
    if (terminating && !node_ready(n) && out_of_service(n))
        collect(gc, pod, NULL, NULL);
    return true;
}

typedef struct {
    podgc_t *gc;
    char *node;
} lookup_t;

static bool collect_orphan(json_t *pod, void *data)
{
    lookup_t *l = data;
    const char *node = json_string_value(json_object_get(json_object_get(pod, "spec"), "nodeName"));
    if (node && strcmp(node, l->node) == 0)
        collect(l->gc, pod, "DeletionByPodGC", "PodGC: node no longer exists");
    return true;
}

/* The quarantine's last word: the node asked for by name, its pods collected on a 404. */
static void on_node_looked_up(const client_resp_t *resp, void *data)
{
    lookup_t *l = data;
    podgc_t *gc = l->gc;
    cleanup_free char *key = xasprintf("node:%s", l->node);
    json_object_del(gc->inflight, key);
    if (!gc->closed && resp->status == 404 && !informer_get(gc->nodes, NULL, l->node)) {
        log_info("controllers", "podgc: node %s is gone; collecting its pods", l->node);
        informer_foreach(gc->pods, collect_orphan, l);
    }
    if (resp->status != 404)
        json_object_del(gc->missing, l->node); /* it exists: a new quarantine if it goes */
    free(l->node);
    free(l);
    gc->pending--;
    maybe_free(gc);
}

static void orphans(pass_t *p)
{
    podgc_t *gc = p->gc;
    /* Nodes no pod names any more, or that came back, leave quarantine. */
    const char *name;
    json_t *v, *tmp;
    json_object_foreach_safe(gc->missing, tmp, name, v)
    {
        if (!json_object_get(p->seen_missing, name))
            json_object_del(gc->missing, name);
    }
    json_object_foreach(p->seen_missing, name, v)
    {
        json_t *since = json_object_get(gc->missing, name);
        if (!since) {
            json_object_set_new(gc->missing, name, json_integer(p->now));
            continue;
        }
        cleanup_free char *key = xasprintf("node:%s", name);
        if (p->now - json_integer_value(since) < gc->quarantine_ms ||
            json_object_get(gc->inflight, key))
            continue;
        json_object_set_new(gc->inflight, key, json_true());
        lookup_t *l = xcalloc(1, sizeof(*l));
        l->gc = gc;
        l->node = xstrdup(name);
        gc->pending++;
        cleanup_free char *path = xasprintf("/api/v1/nodes/%s", name);
        client_request(gc->client, "GET", path, NULL, NULL, 0, on_node_looked_up, l);
    }
}

static void pass(workqueue_t *q, const char *key, void *data)
{
    podgc_t *gc = data;
    if (informer_synced(gc->pods) && informer_synced(gc->nodes)) {
        pass_t p = {.gc = gc, .now = controllers__now_ms(), .seen_missing = json_object()};
        informer_foreach(gc->pods, look_at_pod, &p);
        orphans(&p);
        if (gc->threshold > 0) {
            size_t victims = controllers__podgc_victims(p.all, p.n, gc->threshold);
            if (victims)
                log_info("controllers", "podgc: %zu terminated pods over the threshold of %zu",
                         victims, gc->threshold);
            for (size_t i = 0; i < victims; i++)
                collect(gc, p.all[i], NULL, NULL);
        }
        free(p.all);
        json_decref(p.seen_missing);
    }
    workqueue_done(q, key);
    workqueue_add_after(q, key, (uint64_t)gc->period_ms);
}

static ctrl_t *start(controllers_t *cm)
{
    podgc_t *gc = xcalloc(1, sizeof(*gc));
    gc->client = controllers__client(cm);
    gc->missing = json_object();
    gc->inflight = json_object();
    gc->threshold = controllers__terminated_pod_gc_threshold(cm);
    /* Test knobs, as the node lifecycle's C8S_NODE_MONITOR_GRACE_MS. */
    gc->period_ms = env_ms("C8S_PODGC_PERIOD_MS", PODGC_PERIOD_MS);
    gc->quarantine_ms = env_ms("C8S_PODGC_QUARANTINE_MS", PODGC_QUARANTINE_MS);
    gc->pods = controllers__informer(cm, "/api/v1/pods");
    gc->nodes = controllers__informer(cm, "/api/v1/nodes");
    gc->tick = workqueue_new(client_loop(gc->client), 1, pass, gc);
    workqueue_add_after(gc->tick, "gc", (uint64_t)gc->period_ms);
    return (ctrl_t *)gc;
}

static void on_queue_closed(void *data)
{
    podgc_t *gc = data;
    gc->closed = true;
    maybe_free(gc);
}

static void stop(ctrl_t *ctrl, void (*done)(void *data), void *data)
{
    podgc_t *gc = (podgc_t *)ctrl;
    gc->done = done;
    gc->done_data = data;
    workqueue_close(gc->tick, on_queue_closed, gc);
}

const ctrl_ops_t controllers__podgc = {"podgc", start, stop};
