/*
 * role.c — the scheduler role around the pure core: informers keep a snapshot of nodes and of
 * the pods bound to them; pending pods go through a work queue; each is decided by
 * sched_schedule_one, assumed onto its node at once (so two pods never take the same last CPU),
 * and bound through pods/binding without waiting for the answer (upstream's binding cycle runs
 * beside the next scheduling cycle too). A pod that fits nowhere gets
 * PodScheduled=False/Unschedulable with upstream's message and a FailedScheduling event; if it
 * outranks pods somewhere, the fewest of them are evicted (gracefully) and the pod is nominated
 * to that node. It then waits in the unschedulable pool until the cluster changes in a way that
 * could help (a node added or changed, a pod removed) or five minutes pass, as upstream's queue
 * does, and comes back no sooner than its back-off (1 s doubling to 10 s per failed attempt).
 */
#include "c8s/client.h"
#include "c8s/informer.h"
#include "c8s/leader.h"
#include "c8s/sched.h"
#include "c8s/scheduler.h"
#include "c8s/workqueue.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Upstream's queue: podInitialBackoffDuration, podMaxBackoffDuration, the unschedulable pool's
 * leftover flush period and podMaxInUnschedulablePodsDuration. */
#define BACKOFF_INITIAL_MS     1000
#define BACKOFF_MAX_MS         10000
#define UNSCHEDULABLE_CHECK_MS 30000
#define UNSCHEDULABLE_MAX_MS   300000
/* Bindings in flight at once: enough to keep the API busy, few enough to keep latency short. */
#define BIND_WORKERS 64

/* The two built-in PriorityClasses upstream's API server creates. */
#define PRIORITY_NODE_CRITICAL    2000001000
#define PRIORITY_CLUSTER_CRITICAL 2000000000

typedef struct placed_s {
    sched_pod_t *pod; /* one reference */
    char *node;
    bool assumed;     /* bound by us, not yet seen bound through the informer */
    bool terminating; /* deletionTimestamp set: still holds its room until it is gone */
} placed_t;

/* A pending pod's history in the queue. */
typedef struct pinfo_s {
    int attempts;       /* failed scheduling or binding attempts */
    uint64_t fail_ms;   /* when the last one failed */
    uint64_t since_ms;  /* when it entered the unschedulable pool */
    bool unschedulable; /* waiting for a cluster change */
} pinfo_t;

struct scheduler_s {
    apiserver_t *srv;
    uv_loop_t loop;
    uv_thread_t thread;
    uv_async_t stop_async;
    uv_timer_t flush_timer;
    client_t *client;
    leader_t *leader;
    informer_t *nodes_inf, *pods_inf, *classes_inf, *pvcs_inf, *pvs_inf;
    workqueue_t *queue;
    json_t *nodes;        /* name → sched_node_t* (as an integer) */
    sched_node_t **array; /* the snapshot handed to the core */
    size_t n_array;
    bool array_dirty;
    json_t *placed;    /* "ns/name" → placed_t* (as an integer) */
    json_t *pending;   /* "ns/name" → pinfo_t* (as an integer): pods that failed an attempt */
    json_t *nominated; /* "ns/name" → placed_t* (as an integer): pending pods that preempted */
    uint64_t rand_state;
    size_t start_index;
    size_t affinity_pods; /* placed pods with pod (anti-)affinity terms */
    bool leading, stopping;
    int pending_stops;
};

static sched_node_t *node_get(scheduler_t *s, const char *name)
{
    return (sched_node_t *)(uintptr_t)json_integer_value(json_object_get(s->nodes, name));
}

static placed_t *placed_get(scheduler_t *s, const char *key)
{
    return (placed_t *)(uintptr_t)json_integer_value(json_object_get(s->placed, key));
}

static pinfo_t *pinfo_get(scheduler_t *s, const char *key, bool create)
{
    pinfo_t *pi = (pinfo_t *)(uintptr_t)json_integer_value(json_object_get(s->pending, key));
    if (!pi && create) {
        pi = xcalloc(1, sizeof(*pi));
        json_object_set_new(s->pending, key, json_integer((json_int_t)(uintptr_t)pi));
    }
    return pi;
}

/* The pod is bound or gone: its history goes. */
static void pinfo_drop(scheduler_t *s, const char *key)
{
    pinfo_t *pi = pinfo_get(s, key, false);
    if (!pi)
        return;
    free(pi);
    json_object_del(s->pending, key);
}

static uint64_t backoff_ms(int attempts)
{
    uint64_t ms = BACKOFF_INITIAL_MS;
    for (int i = 1; i < attempts && ms < BACKOFF_MAX_MS; i++)
        ms *= 2;
    return ms < BACKOFF_MAX_MS ? ms : BACKOFF_MAX_MS;
}

static void pinfo_failed(pinfo_t *pi)
{
    pi->attempts++;
    pi->fail_ms = c8s_now_ms();
}

/* Back to the active queue, or to wait out what is left of its back-off first. */
static void requeue(scheduler_t *s, const char *key)
{
    pinfo_t *pi = pinfo_get(s, key, false);
    uint64_t now = c8s_now_ms(), until = pi ? pi->fail_ms + backoff_ms(pi->attempts) : 0;
    if (pi)
        pi->unschedulable = false;
    if (until > now)
        workqueue_add_after(s->queue, key, until - now);
    else
        workqueue_add(s->queue, key);
}

static char *pod_key(const json_t *pod)
{
    json_t *md = json_object_get(pod, "metadata");
    return xasprintf("%s/%s", json_string_value(json_object_get(md, "namespace")) ?: "",
                     json_string_value(json_object_get(md, "name")) ?: "");
}

/* ---- the snapshot ---- */

static placed_t *nominee_get(scheduler_t *s, const char *key)
{
    return (placed_t *)(uintptr_t)json_integer_value(json_object_get(s->nominated, key));
}

static void nominee_drop(scheduler_t *s, const char *key)
{
    placed_t *p = nominee_get(s, key);
    if (!p)
        return;
    sched_pod_unref(p->pod);
    free(p->node);
    free(p);
    json_object_del(s->nominated, key);
}

/* Remembers that a pending pod waits for room it made on node by preemption. */
static void nominee_set(scheduler_t *s, const char *key, sched_pod_t *pod, const char *node)
{
    nominee_drop(s, key);
    placed_t *p = xcalloc(1, sizeof(*p));
    p->pod = sched_pod_ref(pod);
    p->node = xstrdup(node);
    json_object_set_new(s->nominated, key, json_integer((json_int_t)(uintptr_t)p));
}

static bool has_pod_terms(const sched_pod_t *p)
{
    return p->naff_req || p->nanti_req || p->naff_pref || p->nanti_pref;
}

static void unplace(scheduler_t *s, const char *key)
{
    placed_t *p = placed_get(s, key);
    if (!p)
        return;
    sched_node_t *n = node_get(s, p->node);
    if (n)
        sched_node_remove_pod(n, p->pod, NULL);
    if (has_pod_terms(p->pod))
        s->affinity_pods--;
    sched_pod_unref(p->pod);
    free(p->node);
    free(p);
    json_object_del(s->placed, key);
}

static void place(scheduler_t *s, const char *key, sched_pod_t *pod, const char *node, bool assumed)
{
    unplace(s, key);
    placed_t *p = xcalloc(1, sizeof(*p));
    p->pod = sched_pod_ref(pod);
    p->node = xstrdup(node);
    p->assumed = assumed;
    if (has_pod_terms(pod))
        s->affinity_pods++;
    json_object_set_new(s->placed, key, json_integer((json_int_t)(uintptr_t)p));
    sched_node_t *n = node_get(s, node);
    if (n)
        sched_node_add_pod(n, pod);
}

/* A change that could make room or open a node: every unschedulable pod gets another look. */
static void requeue_unschedulable(scheduler_t *s)
{
    const char *k;
    json_t *v;
    json_object_foreach(s->pending, k, v)
    {
        pinfo_t *pi = (pinfo_t *)(uintptr_t)json_integer_value(v);
        if (pi->unschedulable)
            requeue(s, k);
    }
}

/* ---- priorities ---- */

static bool find_global_default(json_t *pc, void *data)
{
    if (!json_is_true(json_object_get(pc, "globalDefault")))
        return true;
    *(int32_t *)data = (int32_t)json_integer_value(json_object_get(pc, "value"));
    return false;
}

/* The pod's priority is what Priority admission wrote in spec.priority, as upstream's
 * scheduler reads it. A pod without one (written to etcd before admission set it, or restored
 * from a backup) gets what admission would have given it: its PriorityClass's value, or the
 * globalDefault class's for a pod naming none. */
static int32_t pod_priority(scheduler_t *s, const json_t *pod)
{
    const json_t *spec = json_object_get(pod, "spec");
    const json_t *given = json_object_get(spec, "priority");
    if (json_is_integer(given))
        return (int32_t)json_integer_value(given);
    const char *cls = json_string_value(json_object_get(spec, "priorityClassName"));
    if (cls && *cls) {
        json_t *pc = s->classes_inf ? informer_get(s->classes_inf, NULL, cls) : NULL;
        if (json_is_integer(json_object_get(pc, "value")))
            return (int32_t)json_integer_value(json_object_get(pc, "value"));
        if (strcmp(cls, "system-node-critical") == 0)
            return PRIORITY_NODE_CRITICAL;
        if (strcmp(cls, "system-cluster-critical") == 0)
            return PRIORITY_CLUSTER_CRITICAL;
        return 0;
    }
    if (!s->classes_inf)
        return 0;
    int32_t def = 0;
    informer_foreach(s->classes_inf, find_global_default, &def);
    return def;
}

/* Adds the node affinity of the PVs the pod's claims are bound to. A claim that does not exist
 * makes the pod unschedulable with upstream's message (C8S_ENOTFOUND); a claim not bound yet
 * places no constraint (no volume binding by the scheduler: WaitForFirstConsumer is not
 * modelled). */
static int pod_volumes(scheduler_t *s, const json_t *pod, sched_pod_t *sp, c8s_err_t *err)
{
    const json_t *spec = json_object_get(pod, "spec");
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(spec, "volumes"), i, v)
    {
        const char *claim = json_string_value(
            json_object_get(json_object_get(v, "persistentVolumeClaim"), "claimName"));
        if (!claim)
            continue;
        json_t *pvc = s->pvcs_inf ? informer_get(s->pvcs_inf, sp->ns, claim) : NULL;
        if (!pvc)
            return c8s_err_set(err, C8S_ENOTFOUND, "persistentvolumeclaim \"%s\" not found", claim);
        const char *vol =
            json_string_value(json_object_get(json_object_get(pvc, "spec"), "volumeName"));
        json_t *pv = vol && *vol && s->pvs_inf ? informer_get(s->pvs_inf, NULL, vol) : NULL;
        if (pv && sched_pod_add_volume(sp, pv, err) != 0)
            return err->code;
    }
    return 0;
}

/* Parses a pod for the core, with its resolved priority. */
static int pod_parse(scheduler_t *s, const json_t *pod, sched_pod_t **out, c8s_err_t *err)
{
    if (sched_pod_from_json(pod, out, err) != 0)
        return err->code;
    (*out)->priority = pod_priority(s, pod);
    return 0;
}

static void on_node(informer_t *inf, json_t *obj, void *data)
{
    scheduler_t *s = data;
    sched_node_t *n = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    const char *name = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
    if (!name || sched_node_from_json(obj, &n, &err) != 0) {
        log_warn("scheduler", "node %s: %s", name ? name : "?", err.msg);
        c8s_err_clear(&err);
        return;
    }
    sched_node_t *old = node_get(s, name);
    json_object_set_new(s->nodes, name, json_integer((json_int_t)(uintptr_t)n));
    /* The pods placed there carry over to the new description of the node. */
    const char *k;
    json_t *v;
    json_object_foreach(s->placed, k, v)
    {
        placed_t *p = (placed_t *)(uintptr_t)json_integer_value(v);
        if (strcmp(p->node, name) == 0)
            sched_node_add_pod(n, p->pod);
    }
    sched_node_free(old);
    s->array_dirty = true;
    requeue_unschedulable(s);
}

static bool same_field(const json_t *a, const json_t *b, const char *outer, const char *inner)
{
    const json_t *x = json_object_get(a, outer), *y = json_object_get(b, outer);
    if (inner) {
        x = json_object_get(x, inner);
        y = json_object_get(y, inner);
    }
    return (!x && !y) || (x && y && json_equal((json_t *)x, (json_t *)y));
}

static void on_node_update(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    /* Heartbeats (conditions, times) change nothing the filters or scores read: only what
     * does rebuilds the node and wakes the unschedulable pods (upstream's node-update hints). */
    if (same_field(old, obj, "spec", NULL) && same_field(old, obj, "metadata", "labels") &&
        same_field(old, obj, "status", "allocatable") &&
        same_field(old, obj, "status", "capacity") && same_field(old, obj, "status", "images"))
        return;
    on_node(inf, obj, data);
}

static void on_node_delete(informer_t *inf, json_t *obj, void *data)
{
    scheduler_t *s = data;
    const char *name = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
    sched_node_t *n = name ? node_get(s, name) : NULL;
    if (!n)
        return;
    json_object_del(s->nodes, name);
    sched_node_free(n);
    s->array_dirty = true;
}

static bool is_ours(const json_t *pod)
{
    const char *sn =
        json_string_value(json_object_get(json_object_get(pod, "spec"), "schedulerName"));
    return !sn || !*sn || strcmp(sn, "default-scheduler") == 0;
}

static bool terminal(const json_t *pod)
{
    const char *ph = json_string_value(json_object_get(json_object_get(pod, "status"), "phase"));
    return ph && (strcmp(ph, "Succeeded") == 0 || strcmp(ph, "Failed") == 0);
}

/* A pending pod's status.nominatedNodeName (set by this or an earlier leader) holds room for it
 * on that node against pods of lower or equal priority, as upstream's nominator does. */
static void track_nominee(scheduler_t *s, const char *key, const json_t *pod)
{
    const char *nom =
        json_string_value(json_object_get(json_object_get(pod, "status"), "nominatedNodeName"));
    if (!nom || !*nom || json_object_get(json_object_get(pod, "metadata"), "deletionTimestamp")) {
        nominee_drop(s, key);
        return;
    }
    placed_t *p = nominee_get(s, key);
    if (p && strcmp(p->node, nom) == 0)
        return;
    sched_pod_t *sp = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    if (pod_parse(s, pod, &sp, &err) == 0) {
        nominee_set(s, key, sp, nom);
        sched_pod_unref(sp);
    }
    c8s_err_clear(&err);
}

static void on_pod(informer_t *inf, json_t *obj, void *data)
{
    scheduler_t *s = data;
    cleanup_free char *key = pod_key(obj);
    const char *node = json_string_value(json_object_get(json_object_get(obj, "spec"), "nodeName"));
    bool deleting = json_object_get(json_object_get(obj, "metadata"), "deletionTimestamp") != NULL;
    if (node && *node) {
        pinfo_drop(s, key);
        nominee_drop(s, key);
        if (terminal(obj)) {
            /* Finished pods hold nothing on their node any more. */
            if (placed_get(s, key)) {
                unplace(s, key);
                requeue_unschedulable(s);
            }
            return;
        }
        placed_t *p = placed_get(s, key);
        if (p && strcmp(p->node, node) == 0) {
            p->assumed = false; /* the binding is confirmed */
            p->terminating = deleting;
            return;
        }
        sched_pod_t *sp = NULL;
        c8s_err_t err = C8S_ERR_INIT;
        if (pod_parse(s, obj, &sp, &err) == 0) {
            place(s, key, sp, node, false);
            placed_get(s, key)->terminating = deleting;
            sched_pod_unref(sp);
        }
        c8s_err_clear(&err);
        return;
    }
    track_nominee(s, key, obj);
    if (is_ours(obj) && !deleting) {
        /* A pod that failed before comes back no sooner than its back-off allows. */
        pinfo_t *pi = pinfo_get(s, key, false);
        if (pi)
            requeue(s, key);
        else
            workqueue_add(s->queue, key);
    }
}

static void on_pod_update(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    scheduler_t *s = data;
    cleanup_free char *key = pod_key(obj);
    /* A pod waiting as unschedulable is looked at again only when something that decides its
     * placement changed, not on status writes (ours among them), as upstream's queue does. */
    track_nominee(s, key, obj);
    pinfo_t *pi = pinfo_get(s, key, false);
    if (pi && pi->unschedulable &&
        json_equal(json_object_get(old, "spec"), json_object_get(obj, "spec")) &&
        json_equal(json_object_get(json_object_get(old, "metadata"), "labels"),
                   json_object_get(json_object_get(obj, "metadata"), "labels")))
        return;
    on_pod(inf, obj, data);
}

static void on_pod_delete(informer_t *inf, json_t *obj, void *data)
{
    scheduler_t *s = data;
    cleanup_free char *key = pod_key(obj);
    pinfo_drop(s, key);
    nominee_drop(s, key);
    if (placed_get(s, key)) {
        unplace(s, key);
        requeue_unschedulable(s); /* room was made */
    }
}

static void on_volume(informer_t *inf, json_t *obj, void *data)
{
    requeue_unschedulable(data);
}

static void on_volume_update(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    if (!same_field(old, obj, "spec", NULL))
        requeue_unschedulable(data);
}

static void rebuild_array(scheduler_t *s)
{
    if (!s->array_dirty)
        return;
    free(s->array);
    s->n_array = json_object_size(s->nodes);
    s->array = xcalloc(s->n_array ? s->n_array : 1, sizeof(*s->array));
    size_t i = 0;
    const char *k;
    json_t *v;
    json_object_foreach(s->nodes, k, v) s->array[i++] =
        (sched_node_t *)(uintptr_t)json_integer_value(v);
    s->array_dirty = false;
}

/* ---- deciding and binding ---- */

typedef struct {
    scheduler_t *s;
    char *key;
    json_t *scheduled; /* a binding's Scheduled event, posted once the binding has landed */
} op_t;

static op_t *op_new(scheduler_t *s, const char *key)
{
    op_t *op = xcalloc(1, sizeof(*op));
    op->s = s;
    op->key = xstrdup(key);
    return op;
}

static void op_free(op_t *op)
{
    json_decref(op->scheduled);
    free(op->key);
    free(op);
}

static void on_reported(const client_resp_t *resp, void *data);

static void on_bound(const client_resp_t *resp, void *data)
{
    op_t *op = data;
    scheduler_t *s = op->s;
    workqueue_done(s->queue, op->key);
    if (resp->status == 201 || resp->status == 200) {
        pinfo_drop(s, op->key);
        if (op->scheduled)
            client_event_post(s->client, op->scheduled, on_reported, op_new(s, op->key));
    } else {
        /* Not bound: give the room back; 404/409 mean the pod went or is bound already. */
        placed_t *p = placed_get(s, op->key);
        if (p && p->assumed)
            unplace(s, op->key);
        if (resp->status != 404 && resp->status != 409) {
            pinfo_failed(pinfo_get(s, op->key, true));
            requeue(s, op->key);
        }
        log_warn("scheduler", "binding %s: %d %.200s", op->key, resp->status, resp->body);
    }
    op_free(op);
}

static void on_reported(const client_resp_t *resp, void *data)
{
    op_t *op = data;
    if (resp->status >= 300 && resp->status != 404)
        log_debug("scheduler", "writing for %s: %d %.200s", op->key, resp->status, resp->body);
    op_free(op);
}

/* Owned: an Event about pod from the scheduler, or NULL when the pod lacks a name. */
static json_t *new_event(const json_t *pod, const char *reason, const char *type,
                         const char *message)
{
    json_t *md = json_object_get(pod, "metadata");
    const char *ns = json_string_value(json_object_get(md, "namespace"));
    const char *name = json_string_value(json_object_get(md, "name"));
    json_t *ev =
        json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:s, s:s, s:s, s:s}, s:s, s:s, s:s, s:{s:s}, s:s}",
                  "apiVersion", "v1", "kind", "Event", "metadata", "namespace", ns,
                  "involvedObject", "kind", "Pod", "namespace", ns, "name", name, "uid",
                  json_string_value(json_object_get(md, "uid")) ?: "", "apiVersion", "v1", "reason",
                  reason, "message", message, "type", type, "source", "component",
                  "default-scheduler", "reportingComponent", "default-scheduler");
    return ev;
}

static void post_event(scheduler_t *s, const char *key, const json_t *pod, const char *reason,
                       const char *type, const char *message)
{
    json_t *ev = new_event(pod, reason, type, message);
    if (!ev)
        return;
    client_event_post(s->client, ev, on_reported, op_new(s, key));
    json_decref(ev);
}

/* PodScheduled=False/Unschedulable on the pod (and status.nominatedNodeName when it preempted),
 * and a FailedScheduling event, as upstream. */
static void report_unschedulable(scheduler_t *s, const char *key, const json_t *pod,
                                 const char *message, const char *nominated)
{
    json_t *md = json_object_get(pod, "metadata");
    const char *ns = json_string_value(json_object_get(md, "namespace"));
    const char *name = json_string_value(json_object_get(md, "name"));
    json_t *status = json_object_get(pod, "status");
    /* Already reported with this message: nothing to write (and no event to repeat). */
    const char *had = json_string_value(json_object_get(status, "nominatedNodeName"));
    bool same_nominated = !nominated || (had && strcmp(had, nominated) == 0);
    size_t ci;
    json_t *cc;
    json_array_foreach(json_object_get(status, "conditions"), ci, cc)
    {
        const char *t = json_string_value(json_object_get(cc, "type"));
        const char *st = json_string_value(json_object_get(cc, "status"));
        const char *m = json_string_value(json_object_get(cc, "message"));
        if (t && strcmp(t, "PodScheduled") == 0 && st && strcmp(st, "False") == 0 && m &&
            strcmp(m, message) == 0 && same_nominated)
            return;
    }
    char now[32];
    c8s_rfc3339_now(now, sizeof(now));
    json_t *conds = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(status, "conditions"), i, c)
    {
        const char *t = json_string_value(json_object_get(c, "type"));
        if (!t || strcmp(t, "PodScheduled") != 0)
            json_array_append(conds, c);
    }
    json_array_append_new(conds, json_pack("{s:s, s:s, s:s, s:s, s:n, s:s}", "type", "PodScheduled",
                                           "status", "False", "reason", "Unschedulable", "message",
                                           message, "lastProbeTime", "lastTransitionTime", now));
    json_t *patch = json_pack("{s:{s:o}}", "status", "conditions", conds);
    if (nominated)
        json_object_set_new(json_object_get(patch, "status"), "nominatedNodeName",
                            json_string(nominated));
    cleanup_free char *body = json_dumps(patch, JSON_COMPACT);
    json_decref(patch);
    cleanup_free char *path = xasprintf("/api/v1/namespaces/%s/pods/%s/status", ns, name);
    client_request(s->client, "PATCH", path, "application/merge-patch+json", body, strlen(body),
                   on_reported, op_new(s, key));
    post_event(s, key, pod, "FailedScheduling", "Warning", message);
}

/* Upstream's PodEligibleToPreemptOthers: not with preemptionPolicy Never, and not again while
 * pods it already evicted from its nominated node are still terminating there. */
static bool may_preempt(scheduler_t *s, const json_t *pod, const sched_pod_t *sp)
{
    const char *policy =
        json_string_value(json_object_get(json_object_get(pod, "spec"), "preemptionPolicy"));
    if (policy && strcmp(policy, "Never") == 0)
        return false;
    const char *nom =
        json_string_value(json_object_get(json_object_get(pod, "status"), "nominatedNodeName"));
    if (!nom || !*nom)
        return true;
    const char *k;
    json_t *v;
    json_object_foreach(s->placed, k, v)
    {
        placed_t *p = (placed_t *)(uintptr_t)json_integer_value(v);
        if (p->terminating && p->pod->priority < sp->priority && strcmp(p->node, nom) == 0)
            return false;
    }
    return true;
}

/* Evicts the victims gracefully (their kubelets stop them within their grace period) and tells
 * each why. Returns the node the pod is nominated to, or NULL when preemption cannot help. */
static const char *preempt(scheduler_t *s, const char *key, const json_t *pod, sched_pod_t *sp)
{
    sched_preempt_t pr = {0};
    c8s_err_t err = C8S_ERR_INIT;
    if (sched_preempt_candidates(sp, s->array, s->n_array, &pr, &err) != 0 || pr.nvictims == 0) {
        c8s_err_clear(&err);
        sched_preempt_clear(&pr);
        return NULL;
    }
    const char *node = pr.node->name;
    const char *uid =
        json_string_value(json_object_get(json_object_get(pod, "metadata"), "uid")) ?: "";
    for (size_t i = 0; i < pr.nvictims; i++) {
        const char *slash = strchr(pr.victims[i], '/');
        cleanup_free char *vns = xstrndup(pr.victims[i], (size_t)(slash - pr.victims[i]));
        json_t *victim = informer_get(s->pods_inf, vns, slash + 1);
        log_info("scheduler", "preempting %s on %s for %s", pr.victims[i], node, key);
        if (victim) {
            cleanup_free char *msg = xasprintf("Preempted by pod %s on node %s", uid, node);
            post_event(s, pr.victims[i], victim, "Preempted", "Normal", msg);
        }
        placed_t *p = placed_get(s, pr.victims[i]);
        if (p)
            p->terminating = true;
        cleanup_free char *path = xasprintf("/api/v1/namespaces/%s/pods/%s", vns, slash + 1);
        client_request(s->client, "DELETE", path, NULL, NULL, 0, on_reported,
                       op_new(s, pr.victims[i]));
    }
    /* The name outlives pr: it is the node's, and nodes change only on this thread. */
    sched_preempt_clear(&pr);
    return node;
}

/* Puts the pods nominated elsewhere with at least pod's priority onto their nominated nodes
 * (add) or takes them off again, so the room their victims free is not given to a less
 * important pod. Returns how many were put on. */
static size_t hold_nominated(scheduler_t *s, const char *key, const sched_pod_t *pod, bool add)
{
    size_t n = 0;
    const char *k;
    json_t *v;
    json_object_foreach(s->nominated, k, v)
    {
        placed_t *p = (placed_t *)(uintptr_t)json_integer_value(v);
        sched_node_t *node = node_get(s, p->node);
        if (!node || strcmp(k, key) == 0 || p->pod->priority < pod->priority)
            continue;
        if (add)
            sched_node_add_pod(node, p->pod);
        else
            sched_node_remove_pod(node, p->pod, NULL);
        n++;
    }
    return n;
}

static void process(workqueue_t *q, const char *key, void *data)
{
    scheduler_t *s = data;
    char ns[256], name[256];
    const char *slash = strchr(key, '/');
    snprintf(ns, sizeof(ns), "%.*s", slash ? (int)(slash - key) : 0, key);
    snprintf(name, sizeof(name), "%s", slash ? slash + 1 : key);
    json_t *pod = informer_get(s->pods_inf, ns, name);
    const char *bound =
        json_string_value(json_object_get(json_object_get(pod, "spec"), "nodeName"));
    if (!s->leading || !pod || (bound && *bound) || placed_get(s, key) || !is_ours(pod) ||
        json_object_get(json_object_get(pod, "metadata"), "deletionTimestamp")) {
        workqueue_done(q, key);
        return;
    }
    sched_pod_t *sp = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    if (pod_parse(s, pod, &sp, &err) != 0) {
        log_warn("scheduler", "pod %s: %s", key, err.msg);
        c8s_err_clear(&err);
        workqueue_done(q, key);
        return;
    }
    if (pod_volumes(s, pod, sp, &err) != 0) {
        /* Upstream's PreFilter verdict, for every node at once; waits for the claim to come. */
        cleanup_free char *msg =
            xasprintf("0/%zu nodes are available: %s.", json_object_size(s->nodes), err.msg);
        c8s_err_clear(&err);
        report_unschedulable(s, key, pod, msg, NULL);
        pinfo_t *pi = pinfo_get(s, key, true);
        pinfo_failed(pi);
        pi->unschedulable = true;
        pi->since_ms = pi->fail_ms;
        sched_pod_unref(sp);
        workqueue_done(q, key);
        return;
    }
    rebuild_array(s);
    size_t held = hold_nominated(s, key, sp, true);
    sched_opts_t opts = {.rand = sched_rand_xorshift,
                         .rand_ctx = &s->rand_state,
                         .start_index = s->start_index,
                         .affinity_free = s->affinity_pods == 0 && held == 0};
    sched_result_t res = {0};
    int rc = s->n_array ? sched_schedule_one(sp, s->array, s->n_array, &opts, &res) : 0;
    hold_nominated(s, key, sp, false);
    if (rc == 0 && res.node) {
        s->start_index = res.next_start;
        place(s, key, sp, res.node->name, true); /* assume: the room is taken now */
        nominee_drop(s, key);                    /* its room is its own now */
        json_t *b = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s}}", "apiVersion", "v1",
                              "kind", "Binding", "metadata", "name", name, "namespace", ns,
                              "target", "apiVersion", "v1", "kind", "Node", "name", res.node->name);
        cleanup_free char *body = json_dumps(b, JSON_COMPACT);
        json_decref(b);
        cleanup_free char *path = xasprintf("/api/v1/namespaces/%s/pods/%s/binding", ns, name);
        /* The key stays in process until the answer: that bounds the bindings in flight. */
        op_t *op = op_new(s, key);
        cleanup_free char *msg =
            xasprintf("Successfully assigned %s/%s to %s", ns, name, res.node->name);
        op->scheduled = new_event(pod, "Scheduled", "Normal", msg);
        client_request(s->client, "POST", path, "application/json", body, strlen(body), on_bound,
                       op);
    } else {
        const char *msg = res.message ? res.message : "no nodes available to schedule pods";
        const char *nominated = may_preempt(s, pod, sp) ? preempt(s, key, pod, sp) : NULL;
        if (nominated)
            nominee_set(s, key, sp, nominated);
        report_unschedulable(s, key, pod, msg, nominated);
        pinfo_t *pi = pinfo_get(s, key, true);
        pinfo_failed(pi);
        pi->unschedulable = true;
        pi->since_ms = pi->fail_ms;
        workqueue_done(q, key);
    }
    sched_result_clear(&res);
    sched_pod_unref(sp);
}

/* ---- life cycle ---- */

/* Upstream's flushUnschedulablePodsLeftover: no pod waits in the pool longer than five minutes,
 * whatever did or did not happen in the cluster. */
static void on_flush(uv_timer_t *t)
{
    scheduler_t *s = t->data;
    uint64_t now = c8s_now_ms();
    const char *k;
    json_t *v;
    json_object_foreach(s->pending, k, v)
    {
        pinfo_t *pi = (pinfo_t *)(uintptr_t)json_integer_value(v);
        if (pi->unschedulable && now - pi->since_ms >= UNSCHEDULABLE_MAX_MS)
            requeue(s, k);
    }
}

static bool enqueue_pending(json_t *pod, void *data)
{
    on_pod(NULL, pod, data);
    return true;
}

static void on_lead(void *data)
{
    scheduler_t *s = data;
    s->leading = true;
    /* Everything pending gets a look now. */
    informer_foreach(s->pods_inf, enqueue_pending, s);
}

static void on_lost(void *data)
{
    ((scheduler_t *)data)->leading = false;
}

static void on_pods_synced(informer_t *inf, void *data)
{
    informer_foreach(inf, enqueue_pending, data);
}

static void free_state(scheduler_t *s)
{
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(s->placed, tmp, k, v)
    {
        placed_t *p = (placed_t *)(uintptr_t)json_integer_value(v);
        sched_pod_unref(p->pod);
        free(p->node);
        free(p);
    }
    json_object_foreach(s->nodes, k, v)
        sched_node_free((sched_node_t *)(uintptr_t)json_integer_value(v));
    json_object_foreach(s->pending, k, v) free((pinfo_t *)(uintptr_t)json_integer_value(v));
    json_object_foreach(s->nominated, k, v)
    {
        placed_t *p = (placed_t *)(uintptr_t)json_integer_value(v);
        sched_pod_unref(p->pod);
        free(p->node);
        free(p);
    }
    json_decref(s->nominated);
    json_decref(s->placed);
    json_decref(s->nodes);
    json_decref(s->pending);
    free(s->array);
}

static void on_client_closed(void *data)
{
    scheduler_t *s = data;
    uv_close((uv_handle_t *)&s->stop_async, NULL);
    uv_close((uv_handle_t *)&s->flush_timer, NULL);
}

static void on_part_stopped(void *data)
{
    scheduler_t *s = data;
    if (--s->pending_stops == 0)
        client_close(s->client, on_client_closed, s);
}

static void on_stop(uv_async_t *a)
{
    scheduler_t *s = a->data;
    s->stopping = true;
    uv_timer_stop(&s->flush_timer);
    s->pending_stops = 7;
    leader_stop(s->leader, on_part_stopped, s);
    informer_stop(s->nodes_inf, on_part_stopped, s);
    informer_stop(s->pods_inf, on_part_stopped, s);
    informer_stop(s->classes_inf, on_part_stopped, s);
    informer_stop(s->pvcs_inf, on_part_stopped, s);
    informer_stop(s->pvs_inf, on_part_stopped, s);
    workqueue_close(s->queue, on_part_stopped, s);
}

static void run(void *arg)
{
    scheduler_t *s = arg;
    /* Named so top, perf and bench/scheduler can tell its CPU from the API server's. */
    pthread_setname_np(pthread_self(), "c8s-scheduler");
    s->queue = workqueue_new(&s->loop, BIND_WORKERS, process, s);
    informer_handlers_t nh = {on_node, on_node_update, on_node_delete, NULL};
    informer_handlers_t ph = {on_pod, on_pod_update, on_pod_delete, on_pods_synced};
    informer_handlers_t ch = {NULL, NULL, NULL, NULL};
    s->classes_inf =
        informer_start(s->client, "/apis/scheduling.k8s.io/v1/priorityclasses", NULL, &ch, s);
    /* A claim created or bound, or a volume added, may let a waiting pod go somewhere. */
    informer_handlers_t vh = {on_volume, on_volume_update, NULL, NULL};
    s->pvcs_inf = informer_start(s->client, "/api/v1/persistentvolumeclaims", NULL, &vh, s);
    s->pvs_inf = informer_start(s->client, "/api/v1/persistentvolumes", NULL, &vh, s);
    s->nodes_inf = informer_start(s->client, "/api/v1/nodes", NULL, &nh, s);
    s->pods_inf = informer_start(s->client, "/api/v1/pods", NULL, &ph, s);
    char host[256] = "c8s";
    gethostname(host, sizeof(host) - 1);
    cleanup_free char *identity =
        xasprintf("%s_%08x", host, (unsigned)(c8s_now_ns() ^ (uint64_t)getpid()));
    leader_config_t lc = {.ns = "kube-system",
                          .name = "c8s-scheduler",
                          .identity = identity,
                          .on_started = on_lead,
                          .on_stopped = on_lost,
                          .data = s};
    s->leader = leader_start(s->client, &lc);
    uv_timer_start(&s->flush_timer, on_flush, UNSCHEDULABLE_CHECK_MS, UNSCHEDULABLE_CHECK_MS);
    uv_run(&s->loop, UV_RUN_DEFAULT);
}

int scheduler_start(apiserver_t *srv, scheduler_t **out, c8s_err_t *err)
{
    scheduler_t *s = xcalloc(1, sizeof(*s));
    s->srv = srv;
    s->nodes = json_object();
    s->placed = json_object();
    s->pending = json_object();
    s->nominated = json_object();
    s->rand_state = c8s_now_ns() | 1;
    s->array_dirty = true;
    int rc = uv_loop_init(&s->loop);
    if (rc != 0) {
        free_state(s);
        free(s);
        return c8s_err_set(err, C8S_ESYS, "uv_loop_init: %s", uv_strerror(rc));
    }
    uv_async_init(&s->loop, &s->stop_async, on_stop);
    s->stop_async.data = s;
    uv_timer_init(&s->loop, &s->flush_timer);
    s->flush_timer.data = s;
    s->client = client_new_inproc(srv, &s->loop);
    rc = uv_thread_create(&s->thread, run, s);
    if (rc != 0) {
        client_close(s->client, on_client_closed, s);
        uv_run(&s->loop, UV_RUN_DEFAULT);
        uv_loop_close(&s->loop);
        free_state(s);
        free(s);
        return c8s_err_set(err, C8S_ESYS, "starting the scheduler thread: %s", uv_strerror(rc));
    }
    *out = s;
    return 0;
}

void scheduler_stop(scheduler_t *s)
{
    if (!s)
        return;
    uv_async_send(&s->stop_async);
    uv_thread_join(&s->thread);
    if (uv_loop_close(&s->loop) != 0)
        log_warn("scheduler", "loop closed with handles open");
    free_state(s);
    free(s);
}
