/*
 * replicaset.c — the ReplicaSet (apps/v1) and ReplicationController (v1) controller, one
 * implementation for both kinds: owned pods are counted against spec.replicas and created
 * (slow start: batches of 1, 2, 4, …) or deleted (victims in ctrlcore_delete_before order).
 * Expectations, as upstream's, hold an owner still after it has issued creates and deletes until
 * the pod informer has seen them all (or 5 minutes passed), so a burst of events never counts a
 * stale cache twice. Orphans matching the selector are adopted, owned pods that no longer match
 * are released. The status is written through /status only when it changes.
 */
#include "internal.h"
#include "c8s/ctrlcore.h"
#include "c8s/selector.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define EXPECTATIONS_TTL_MS (5 * 60 * 1000)
#define BURST_REPLICAS      500

typedef struct {
    const char *name;        /* controller name */
    const char *component;   /* event source */
    const char *base;        /* group path */
    const char *resource;    /* plural */
    const char *kind;        /* for ownerReferences and events */
    const char *api_version; /* for ownerReferences and events */
    bool map_selector;       /* RC: spec.selector is a plain label map */
} rskind_t;

typedef struct {
    const rskind_t *k;
    client_t *client;
    informer_t *owners, *pods;
    informer_reg_t *owner_reg, *pod_reg;
    workqueue_t *queue;
    ctrlcore_expect_t *exp;
    void (*done)(void *data);
    void *done_data;
} rsctrl_t;

/* ---- helpers shared by the controllers (declared in internal.h) ---- */

static void on_event_posted(const client_resp_t *resp, void *data)
{
    if (resp->status >= 300)
        log_debug("controllers", "posting an event: %d", resp->status);
}

void controllers__event(client_t *c, const json_t *obj, const char *kind, const char *api_version,
                        const char *component, const char *type, const char *reason,
                        const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    const char *ns = controllers__meta(obj, "namespace");
    const char *name = controllers__meta(obj, "name");
    if (!name)
        return;
    /* A cluster-scoped object's (a Node's) events live in default, as upstream's recorder
     * puts them. */
    json_t *ev =
        json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:s?, s:s, s:s, s:s, s:s}, s:s, s:s, "
                  "s:s, s:{s:s}, s:s}",
                  "apiVersion", "v1", "kind", "Event", "metadata", "namespace", ns ? ns : "default",
                  "involvedObject", "kind", kind, "namespace", ns, "name", name, "uid",
                  controllers__meta(obj, "uid") ?: "", "apiVersion", api_version, "resourceVersion",
                  controllers__meta(obj, "resourceVersion") ?: "", "reason", reason, "message", msg,
                  "type", type, "source", "component", component, "reportingComponent", component);
    if (!ev)
        return;
    client_event_post(c, ev, on_event_posted, NULL);
    json_decref(ev);
}

const json_t *controllers__controller_ref(const json_t *obj)
{
    size_t i;
    const json_t *ref;
    json_array_foreach(json_object_get(json_object_get(obj, "metadata"), "ownerReferences"), i, ref)
    {
        if (json_is_true(json_object_get(ref, "controller")))
            return ref;
    }
    return NULL;
}

char *controllers__key(const json_t *obj)
{
    const char *ns = controllers__meta(obj, "namespace"), *name = controllers__meta(obj, "name");
    if (!name)
        return NULL;
    return xasprintf("%s/%s", ns ? ns : "", name);
}

void controllers__split_key(const char *key, char *ns, size_t nslen, char *name, size_t namelen)
{
    const char *slash = strchr(key, '/');
    snprintf(ns, nslen, "%.*s", slash ? (int)(slash - key) : 0, key);
    snprintf(name, namelen, "%s", slash ? slash + 1 : key);
}

json_t *controllers__owner_ref(const json_t *owner, const char *kind, const char *api_version)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:b, s:b}", "apiVersion", api_version, "kind", kind,
                     "name", controllers__meta(owner, "name") ?: "", "uid",
                     controllers__meta(owner, "uid") ?: "", "controller", 1, "blockOwnerDeletion",
                     1);
}

/* ---- expectations ---- */

static bool exp_satisfied(rsctrl_t *c, const char *key)
{
    bool expired = false;
    bool ok = ctrlcore_expect_satisfied(c->exp, key, c8s_now_ms(), &expired);
    if (expired)
        log_warn("controllers", "%s %s: expectations timed out; syncing anyway", c->k->kind, key);
    return ok;
}

/* ---- selectors and owners ---- */

static labelsel_t *owner_selector(const rskind_t *k, const json_t *owner)
{
    const json_t *sel = json_object_get(json_object_get(owner, "spec"), "selector");
    labelsel_t *ls = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    int rc;
    if (k->map_selector) {
        json_t *wrap = json_pack("{s:O}", "matchLabels", sel ? (json_t *)sel : json_object());
        rc = labelsel_from_json(wrap, &ls, &err);
        json_decref(wrap);
    } else {
        rc = labelsel_from_json(sel, &ls, &err);
    }
    if (rc != 0) {
        c8s_err_clear(&err);
        return NULL;
    }
    /* An empty selector would claim every pod in the namespace: upstream refuses it too. */
    if (labelsel_empty(ls)) {
        labelsel_free(ls);
        return NULL;
    }
    return ls;
}

/* The owner of a pod named by its controllerRef, if that owner is ours and the uid matches. */
static json_t *ref_owner(rsctrl_t *c, const json_t *pod)
{
    const json_t *ref = controllers__controller_ref(pod);
    const char *kind = json_string_value(json_object_get(ref, "kind"));
    if (!ref || !kind || strcmp(kind, c->k->kind) != 0)
        return NULL;
    json_t *owner = informer_get(c->owners, controllers__meta(pod, "namespace"),
                                 json_string_value(json_object_get(ref, "name")));
    const char *uid = json_string_value(json_object_get(ref, "uid"));
    if (!owner || !uid || strcmp(uid, controllers__meta(owner, "uid") ?: "") != 0)
        return NULL;
    return owner;
}

static void enqueue_owner(rsctrl_t *c, const json_t *owner)
{
    cleanup_free char *key = controllers__key(owner);
    if (key)
        workqueue_add(c->queue, key);
}

typedef struct {
    rsctrl_t *c;
    const json_t *pod;
} match_t;

static bool enqueue_if_selects(json_t *owner, void *data)
{
    match_t *m = data;
    const char *ns = controllers__meta(m->pod, "namespace");
    if (strcmp(controllers__meta(owner, "namespace") ?: "", ns ?: "") != 0)
        return true;
    labelsel_t *ls = owner_selector(m->c->k, owner);
    if (ls && labelsel_matches(ls, json_object_get(json_object_get(m->pod, "metadata"), "labels")))
        enqueue_owner(m->c, owner);
    labelsel_free(ls);
    return true;
}

/* An orphan may be adopted by any owner whose selector takes it. */
static void enqueue_for_pod(rsctrl_t *c, const json_t *pod)
{
    const json_t *ref = controllers__controller_ref(pod);
    if (ref) {
        json_t *owner = ref_owner(c, pod);
        if (owner)
            enqueue_owner(c, owner);
        return;
    }
    if (controllers__meta(pod, "deletionTimestamp"))
        return;
    match_t m = {c, pod};
    informer_foreach(c->owners, enqueue_if_selects, &m);
}

static void pod_gone(rsctrl_t *c, const json_t *pod)
{
    cleanup_free char *pkey = controllers__key(pod);
    /* Looked up by pod, not by controllerRef: an orphan counted while its adoption was in
     * flight may have been chosen as a victim, and it never carried our reference. */
    const char *waiting = NULL;
    if (pkey && ctrlcore_expect_deleted(c->exp, NULL, pkey, &waiting))
        workqueue_add(c->queue, waiting);
    json_t *owner = ref_owner(c, pod);
    if (!owner)
        return;
    cleanup_free char *okey = controllers__key(owner);
    workqueue_add(c->queue, okey);
}

static void pod_added(informer_t *inf, json_t *pod, void *data)
{
    rsctrl_t *c = data;
    if (controllers__meta(pod, "deletionTimestamp")) {
        /* Seen for the first time already terminating (a restart, a re-list). */
        pod_gone(c, pod);
        return;
    }
    json_t *owner = ref_owner(c, pod);
    if (owner) {
        cleanup_free char *okey = controllers__key(owner);
        ctrlcore_expect_created(c->exp, okey);
        workqueue_add(c->queue, okey);
        return;
    }
    enqueue_for_pod(c, pod);
}

static void pod_updated(informer_t *inf, json_t *old, json_t *pod, void *data)
{
    rsctrl_t *c = data;
    if (controllers__meta(pod, "deletionTimestamp")) {
        /* A graceful delete counts as done once the pod is marked (upstream does the same). */
        pod_gone(c, pod);
        return;
    }
    /* Owner or labels changed: both the old and the new owner have something to decide. */
    enqueue_for_pod(c, old);
    enqueue_for_pod(c, pod);
}

static void pod_deleted(informer_t *inf, json_t *pod, void *data)
{
    pod_gone(data, pod);
}

static void owner_changed(informer_t *inf, json_t *obj, void *data)
{
    enqueue_owner(data, obj);
}

static void owner_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    enqueue_owner(data, obj);
}

static void owner_deleted(informer_t *inf, json_t *obj, void *data)
{
    rsctrl_t *c = data;
    cleanup_free char *key = controllers__key(obj);
    if (key)
        ctrlcore_expect_forget(c->exp, key);
}

static bool enqueue_all(json_t *obj, void *data)
{
    enqueue_owner(data, obj);
    return true;
}

static void on_synced(informer_t *inf, void *data)
{
    rsctrl_t *c = data;
    informer_foreach(c->owners, enqueue_all, c);
}

/* ---- one sync ---- */

typedef struct {
    rsctrl_t *c;
    char *key;
    json_t *owner; /* a copy (the cache's may go while requests are out) */
    int pending;   /* requests out */
    bool failed;
    int64_t requeue_s; /* minReadySeconds still to wait, or 0 */
    /* creation in slow-start batches */
    json_t *pod_body;
    int to_create, sent, batch, batch_left;
} sync_t;

typedef struct {
    sync_t *s;
    char *pod; /* name, for the event */
    char *pod_key;
} req_t;

static void send_batch(sync_t *s);

static void sync_finish(sync_t *s)
{
    rsctrl_t *c = s->c;
    if (s->failed)
        workqueue_add_rate_limited(c->queue, s->key);
    else
        workqueue_forget(c->queue, s->key);
    if (s->requeue_s > 0)
        workqueue_add_after(c->queue, s->key, (uint64_t)s->requeue_s * 1000 + 100);
    workqueue_done(c->queue, s->key);
    free(s->key);
    json_decref(s->owner);
    json_decref(s->pod_body);
    free(s);
}

static void req_end(sync_t *s)
{
    if (--s->pending == 0 && s->batch_left == 0)
        sync_finish(s);
}

static req_t *req_new(sync_t *s, const char *pod, const char *pod_key)
{
    req_t *r = xcalloc(1, sizeof(*r));
    r->s = s;
    r->pod = pod ? xstrdup(pod) : NULL;
    r->pod_key = pod_key ? xstrdup(pod_key) : NULL;
    s->pending++;
    return r;
}

static void req_free(req_t *r)
{
    free(r->pod);
    free(r->pod_key);
    free(r);
}

static void on_written(const client_resp_t *resp, void *data)
{
    req_t *r = data;
    sync_t *s = r->s;
    if (resp->status >= 300 && resp->status != 404) {
        log_info("controllers", "%s %s: write answered %d: %.200s", s->c->k->kind, s->key,
                 resp->status, resp->body ? resp->body : "");
        s->failed = true;
    }
    req_free(r);
    req_end(s);
}

static void on_pod_created(const client_resp_t *resp, void *data)
{
    req_t *r = data;
    sync_t *s = r->s;
    rsctrl_t *c = s->c;
    if (resp->status == 201) {
        json_t *pod = json_loads(resp->body, 0, NULL);
        controllers__event(c->client, s->owner, c->k->kind, c->k->api_version, c->k->component,
                           "Normal", "SuccessfulCreate", "Created pod: %s",
                           controllers__meta(pod, "name") ?: "?");
        json_decref(pod);
    } else {
        /* This one will never be observed. */
        ctrlcore_expect_created(c->exp, s->key);
        s->failed = true;
        json_t *st = json_loads(resp->body ? resp->body : "", 0, NULL);
        const char *msg = json_string_value(json_object_get(st, "message"));
        log_info("controllers", "%s %s: creating a pod: %d %s", c->k->kind, s->key, resp->status,
                 msg ? msg : "");
        controllers__event(c->client, s->owner, c->k->kind, c->k->api_version, c->k->component,
                           "Warning", "FailedCreate", "Error creating: %s",
                           msg ? msg : "unknown error");
        json_decref(st);
    }
    req_free(r);
    if (--s->batch_left == 0) {
        s->pending--;
        if (s->failed) {
            /* Upstream stops at the first failed batch; what was not sent is not expected. */
            for (int i = s->sent; i < s->to_create; i++)
                ctrlcore_expect_created(c->exp, s->key);
            s->to_create = s->sent;
        }
        send_batch(s);
        return;
    }
    s->pending--;
}

static void send_batch(sync_t *s)
{
    int n = ctrlcore_slow_start_batch(s->to_create, s->sent, s->batch);
    if (n == 0) {
        if (s->pending == 0)
            sync_finish(s);
        return;
    }
    s->batch++;
    s->sent += n;
    s->batch_left = n;
    cleanup_free char *body = json_dumps(s->pod_body, JSON_COMPACT);
    cleanup_free char *path =
        xasprintf("/api/v1/namespaces/%s/pods", controllers__meta(s->owner, "namespace"));
    for (int i = 0; i < n; i++)
        client_request(s->c->client, "POST", path, "application/json", body, strlen(body),
                       on_pod_created, req_new(s, NULL, NULL));
}

static void on_pod_deleted(const client_resp_t *resp, void *data)
{
    req_t *r = data;
    sync_t *s = r->s;
    rsctrl_t *c = s->c;
    if (resp->status == 200 || resp->status == 202) {
        controllers__event(c->client, s->owner, c->k->kind, c->k->api_version, c->k->component,
                           "Normal", "SuccessfulDelete", "Deleted pod: %s", r->pod);
    } else {
        /* 404: gone already — the informer will tell. Anything else will not be observed. */
        if (resp->status != 404) {
            s->failed = true;
            ctrlcore_expect_deleted(c->exp, s->key, r->pod_key, NULL);
        }
    }
    req_free(r);
    req_end(s);
}

static json_t *pod_template_body(const rskind_t *k, const json_t *owner)
{
    const json_t *tmpl = json_object_get(json_object_get(owner, "spec"), "template");
    const json_t *tmd = json_object_get(tmpl, "metadata");
    json_t *md = json_object();
    cleanup_free char *gen = xasprintf("%s-", controllers__meta(owner, "name"));
    json_object_set_new(md, "generateName", json_string(gen));
    json_object_set_new(md, "namespace", json_string(controllers__meta(owner, "namespace")));
    if (json_object_get(tmd, "labels"))
        json_object_set_new(md, "labels", json_deep_copy(json_object_get(tmd, "labels")));
    if (json_object_get(tmd, "annotations"))
        json_object_set_new(md, "annotations", json_deep_copy(json_object_get(tmd, "annotations")));
    json_t *refs = json_array();
    json_array_append_new(refs, controllers__owner_ref(owner, k->kind, k->api_version));
    json_object_set_new(md, "ownerReferences", refs);
    json_t *spec = json_deep_copy(json_object_get(tmpl, "spec"));
    return json_pack("{s:s, s:s, s:o, s:o}", "apiVersion", "v1", "kind", "Pod", "metadata", md,
                     "spec", spec ? spec : json_object());
}

/* Adopts (add our controllerRef) or releases (drop it) a pod, guarded by its resourceVersion. */
static void patch_owner(sync_t *s, const json_t *pod, bool adopt)
{
    rsctrl_t *c = s->c;
    const char *uid = controllers__meta(s->owner, "uid");
    json_t *refs = json_array();
    size_t i;
    json_t *ref;
    json_array_foreach(json_object_get(json_object_get(pod, "metadata"), "ownerReferences"), i, ref)
    {
        if (strcmp(json_string_value(json_object_get(ref, "uid")) ?: "", uid ?: "") != 0)
            json_array_append(refs, ref);
    }
    if (adopt)
        json_array_append_new(refs,
                              controllers__owner_ref(s->owner, c->k->kind, c->k->api_version));
    json_t *patch = json_pack("{s:{s:o, s:s}}", "metadata", "ownerReferences", refs,
                              "resourceVersion", controllers__meta(pod, "resourceVersion") ?: "");
    cleanup_free char *body = json_dumps(patch, JSON_COMPACT);
    json_decref(patch);
    cleanup_free char *path =
        xasprintf("/api/v1/namespaces/%s/pods/%s", controllers__meta(pod, "namespace"),
                  controllers__meta(pod, "name"));
    log_debug("controllers", "%s %s: %s pod %s", c->k->kind, s->key,
              adopt ? "adopting" : "releasing", controllers__meta(pod, "name"));
    client_request(c->client, "PATCH", path, "application/merge-patch+json", body, strlen(body),
                   on_written, req_new(s, NULL, NULL));
}

typedef struct {
    sync_t *s;
    const char *ns, *uid;
    labelsel_t *sel;
    bool owner_deleting;
    const json_t **pods; /* claimed and active */
    size_t n, cap;
} claim_t;

static bool claim_visit(json_t *pod, void *data)
{
    claim_t *cl = data;
    if (strcmp(controllers__meta(pod, "namespace") ?: "", cl->ns) != 0)
        return true;
    const json_t *ref = controllers__controller_ref(pod);
    const json_t *labels = json_object_get(json_object_get(pod, "metadata"), "labels");
    bool matches = labelsel_matches(cl->sel, labels);
    bool ours = false;
    if (ref) {
        if (strcmp(json_string_value(json_object_get(ref, "uid")) ?: "", cl->uid) != 0)
            return true; /* someone else's */
        ours = true;
        if (!matches) {
            if (!cl->owner_deleting)
                patch_owner(cl->s, pod, false);
            return true;
        }
    } else {
        if (!matches || cl->owner_deleting || controllers__meta(pod, "deletionTimestamp"))
            return true;
        const char *phase =
            json_string_value(json_object_get(json_object_get(pod, "status"), "phase"));
        if (phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed")))
            return true;
        patch_owner(cl->s, pod, true);
        ours = true; /* counted now; a failed adoption retries the sync */
    }
    if (ours && ctrlcore_pod_active(pod)) {
        if (cl->n == cl->cap) {
            cl->cap = cl->cap ? cl->cap * 2 : 16;
            cl->pods = xrealloc(cl->pods, cl->cap * sizeof(*cl->pods));
        }
        cl->pods[cl->n++] = pod;
    }
    return true;
}

static int64_t get_int(const json_t *o, const char *a, const char *b)
{
    return json_integer_value(json_object_get(json_object_get(o, a), b));
}

static bool labels_superset(const json_t *labels, const json_t *want)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)want, k, v)
    {
        const char *have = json_string_value(json_object_get(labels, k));
        if (!have || strcmp(have, json_string_value(v) ?: "") != 0)
            return false;
    }
    return true;
}

/* Computes the status from the claimed pods; patches /status when it differs. */
static void write_status(sync_t *s, const json_t **pods, size_t n)
{
    const json_t *owner = s->owner;
    const json_t *spec = json_object_get(owner, "spec");
    int64_t min_ready = json_integer_value(json_object_get(spec, "minReadySeconds"));
    const json_t *tlabels =
        json_object_get(json_object_get(json_object_get(spec, "template"), "metadata"), "labels");
    int64_t now = (int64_t)time(NULL);
    int64_t fully = 0, ready = 0, avail = 0;
    for (size_t i = 0; i < n; i++) {
        if (labels_superset(json_object_get(json_object_get(pods[i], "metadata"), "labels"),
                            tlabels))
            fully++;
        if (ctrlcore_pod_ready(pods[i]))
            ready++;
        int64_t wait = 0;
        if (ctrlcore_pod_available(pods[i], min_ready, now, &wait))
            avail++;
        else if (wait > 0 && (s->requeue_s == 0 || wait < s->requeue_s))
            s->requeue_s = wait;
    }
    int64_t gen = get_int(owner, "metadata", "generation");
    const json_t *st = json_object_get(owner, "status");
    if (json_integer_value(json_object_get(st, "replicas")) == (int64_t)n &&
        json_is_integer(json_object_get(st, "replicas")) &&
        json_integer_value(json_object_get(st, "fullyLabeledReplicas")) == fully &&
        json_integer_value(json_object_get(st, "readyReplicas")) == ready &&
        json_integer_value(json_object_get(st, "availableReplicas")) == avail &&
        json_integer_value(json_object_get(st, "observedGeneration")) == gen)
        return;
    /* Zero counts are left out, as upstream's omitempty fields. */
    json_t *ns = json_pack("{s:I}", "replicas", (json_int_t)n);
    json_object_set_new(ns, "fullyLabeledReplicas", fully ? json_integer(fully) : json_null());
    json_object_set_new(ns, "readyReplicas", ready ? json_integer(ready) : json_null());
    json_object_set_new(ns, "availableReplicas", avail ? json_integer(avail) : json_null());
    json_object_set_new(ns, "observedGeneration", json_integer(gen));
    json_t *patch = json_pack("{s:o}", "status", ns);
    cleanup_free char *body = json_dumps(patch, JSON_COMPACT);
    json_decref(patch);
    cleanup_free char *path = xasprintf("%s/namespaces/%s/%s/%s/status", s->c->k->base,
                                        controllers__meta(owner, "namespace"), s->c->k->resource,
                                        controllers__meta(owner, "name"));
    client_request(s->c->client, "PATCH", path, "application/merge-patch+json", body, strlen(body),
                   on_written, req_new(s, NULL, NULL));
}

static void manage(sync_t *s, const json_t **pods, size_t n)
{
    rsctrl_t *c = s->c;
    const json_t *spec = json_object_get(s->owner, "spec");
    int want = json_is_integer(json_object_get(spec, "replicas"))
                   ? (int)json_integer_value(json_object_get(spec, "replicas"))
                   : 1;
    int diff = (int)n - want;
    if (diff < 0) {
        int add = -diff > BURST_REPLICAS ? BURST_REPLICAS : -diff;
        ctrlcore_expect_set(c->exp, s->key, add, NULL, 0, c8s_now_ms());
        s->to_create = add;
        s->pod_body = pod_template_body(c->k, s->owner);
        log_debug("controllers", "%s %s: creating %d pods", c->k->kind, s->key, add);
    } else if (diff > 0) {
        if (diff > BURST_REPLICAS)
            diff = BURST_REPLICAS;
        const json_t **victims = xmalloc(n * sizeof(*victims));
        memcpy(victims, pods, n * sizeof(*victims));
        ctrlcore_sort_victims(victims, n);
        char **keys = xcalloc((size_t)diff, sizeof(*keys));
        for (int i = 0; i < diff; i++)
            keys[i] = controllers__key(victims[i]);
        ctrlcore_expect_set(c->exp, s->key, 0, (const char *const *)keys, (size_t)diff,
                            c8s_now_ms());
        for (int i = 0; i < diff; i++)
            free(keys[i]);
        free(keys);
        for (int i = 0; i < diff; i++) {
            const char *name = controllers__meta(victims[i], "name");
            cleanup_free char *pk = controllers__key(victims[i]);
            cleanup_free char *path = xasprintf("/api/v1/namespaces/%s/pods/%s",
                                                controllers__meta(victims[i], "namespace"), name);
            client_request(c->client, "DELETE", path, NULL, NULL, 0, on_pod_deleted,
                           req_new(s, name, pk));
        }
        free(victims);
    }
}

static void process(workqueue_t *q, const char *key, void *data)
{
    rsctrl_t *c = data;
    char ns[256], name[256];
    controllers__split_key(key, ns, sizeof(ns), name, sizeof(name));
    json_t *owner = informer_get(c->owners, ns, name);
    if (!owner) {
        ctrlcore_expect_forget(c->exp, key);
        workqueue_done(q, key);
        return;
    }
    if (!informer_synced(c->pods) || !informer_synced(c->owners)) {
        workqueue_done(q, key); /* on_synced looks at everyone */
        return;
    }
    labelsel_t *sel = owner_selector(c->k, owner);
    if (!sel) {
        log_warn("controllers", "%s %s: invalid or empty selector", c->k->kind, key);
        workqueue_done(q, key);
        return;
    }
    bool satisfied = exp_satisfied(c, key);
    sync_t *s = xcalloc(1, sizeof(*s));
    s->c = c;
    s->key = xstrdup(key);
    s->owner = json_deep_copy(owner);
    s->pending = 1; /* this function's own hold, dropped below */
    claim_t cl = {.s = s,
                  .ns = ns,
                  .uid = controllers__meta(owner, "uid") ?: "",
                  .sel = sel,
                  .owner_deleting = controllers__meta(owner, "deletionTimestamp") != NULL};
    informer_foreach(c->pods, claim_visit, &cl);
    labelsel_free(sel);
    if (satisfied && !cl.owner_deleting)
        manage(s, cl.pods, cl.n);
    write_status(s, cl.pods, cl.n);
    free(cl.pods);
    if (s->to_create > 0) {
        s->pending--; /* the batches hold the sync from here */
        send_batch(s);
        return;
    }
    req_end(s);
}

/* ---- start and stop ---- */

static ctrl_t *start_kind(controllers_t *cm, const rskind_t *k)
{
    rsctrl_t *c = xcalloc(1, sizeof(*c));
    c->k = k;
    c->exp = ctrlcore_expect_new(EXPECTATIONS_TTL_MS);
    c->client = controllers__client(cm);
    c->queue = workqueue_new(client_loop(c->client), 5, process, c);
    cleanup_free char *opath = xasprintf("%s/%s", k->base, k->resource);
    c->owners = controllers__informer(cm, opath);
    c->pods = controllers__informer(cm, "/api/v1/pods");
    informer_handlers_t oh = {.on_add = owner_changed,
                              .on_update = owner_updated,
                              .on_delete = owner_deleted,
                              .on_synced = on_synced};
    informer_handlers_t ph = {.on_add = pod_added,
                              .on_update = pod_updated,
                              .on_delete = pod_deleted,
                              .on_synced = on_synced};
    c->owner_reg = informer_add_handlers(c->owners, &oh, c);
    c->pod_reg = informer_add_handlers(c->pods, &ph, c);
    return (ctrl_t *)c;
}

static void on_queue_closed(void *data)
{
    rsctrl_t *c = data;
    void (*done)(void *) = c->done;
    void *d = c->done_data;
    ctrlcore_expect_free(c->exp);
    free(c);
    done(d);
}

static void stop(ctrl_t *ctrl, void (*done)(void *data), void *data)
{
    rsctrl_t *c = (rsctrl_t *)ctrl;
    c->done = done;
    c->done_data = data;
    informer_remove_handlers(c->owners, c->owner_reg);
    informer_remove_handlers(c->pods, c->pod_reg);
    workqueue_close(c->queue, on_queue_closed, c);
}

static const rskind_t rs_kind = {
    "replicaset", "replicaset-controller", "/apis/apps/v1", "replicasets", "ReplicaSet", "apps/v1",
    false};
static const rskind_t rc_kind = {"replicationcontroller",
                                 "replication-controller",
                                 "/api/v1",
                                 "replicationcontrollers",
                                 "ReplicationController",
                                 "v1",
                                 true};

static ctrl_t *start_rs(controllers_t *cm)
{
    return start_kind(cm, &rs_kind);
}

static ctrl_t *start_rc(controllers_t *cm)
{
    return start_kind(cm, &rc_kind);
}

const ctrl_ops_t controllers__replicaset = {"replicaset", start_rs, stop};
const ctrl_ops_t controllers__replicationcontroller = {"replicationcontroller", start_rc, stop};
