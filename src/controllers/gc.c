/*
 * gc.c — the garbage collector: objects whose owners (metadata.ownerReferences) are all gone
 * are deleted, as upstream's garbage collector does for the three propagation policies:
 *
 * - Background: the owner goes at once; its dependents are collected afterwards.
 * - Foreground: the API server marks the owner (deletionTimestamp + the foregroundDeletion
 *   finalizer); the GC deletes its dependents and removes the finalizer once none of those with
 *   blockOwnerDeletion=true is left, upon which the API server removes the owner.
 * - Orphan: the owner carries the orphan finalizer; the GC removes the ownerReferences pointing
 *   at it from its dependents, then the finalizer.
 *
 * Every kind of the registry (but events, as upstream ignores them) is watched through the
 * shared informers; an index maps each owner uid to its dependents. An owner is "present" only
 * if an object of its kind and name exists with its uid (a new object with the same name is a
 * different owner); when the cache does not show it, a live GET decides, so a cache that lags
 * behind never gets a dependent collected.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FOREGROUND_RECHECK_MS 1000
#define UNSYNCED_RETRY_MS     200

typedef struct gc_s gc_t;

/* One watched storage. */
typedef struct {
    gc_t *gc;
    size_t idx;
    const api_kind_t *kind;
    informer_t *inf;
    informer_reg_t *reg;
    bool synced;
} gc_res_t;

struct gc_s {
    client_t *client;
    gc_res_t *res;
    size_t nres, unsynced;
    json_t *deps; /* owner uid → { dependent key → blockOwnerDeletion } */
    json_t *uids; /* uid → key of every cached object */
    workqueue_t *queue;
    bool closing;
    void (*done)(void *data);
    void *done_data;
};

/* One run of the queue's handler over one object. */
typedef struct {
    gc_t *gc;
    char *key;
    gc_res_t *res;
    json_t *obj;                        /* the cached object (a reference) */
    size_t next;                        /* ownerReference or dependent being looked at */
    json_t *solid, *dangling, *waiting; /* owner uids */
    json_t *todo;                       /* orphaning: dependent keys still to patch */
} job_t;

/* ---- keys and lookups ---- */

static char *key_for(const gc_res_t *r, const json_t *obj)
{
    const char *ns = controllers__meta(obj, "namespace");
    const char *name = controllers__meta(obj, "name");
    return xasprintf("%zu/%s/%s", r->idx, ns ? ns : "", name ? name : "");
}

/* Splits "idx/ns/name"; ns and name point into buf (owned by the caller). */
static gc_res_t *parse_key(gc_t *gc, char *buf, const char **ns, const char **name)
{
    char *end;
    unsigned long idx = strtoul(buf, &end, 10);
    if (*end != '/' || idx >= gc->nres)
        return NULL;
    char *n = strchr(end + 1, '/');
    if (!n)
        return NULL;
    *n = 0;
    *ns = end + 1;
    *name = n + 1;
    return &gc->res[idx];
}

static char *object_path(const gc_res_t *r, const char *ns, const char *name)
{
    cleanup_free char *gp = controllers__group_path(r->kind);
    if (r->kind->namespaced)
        return xasprintf("%s/namespaces/%s/%s/%s", gp, ns, r->kind->resource, name);
    return xasprintf("%s/%s/%s", gp, r->kind->resource, name);
}

/* The watched storage of an ownerReference's apiVersion and kind (any served version). */
static gc_res_t *res_for_ref(gc_t *gc, const json_t *ref)
{
    const char *av = json_string_value(json_object_get(ref, "apiVersion"));
    const char *kind = json_string_value(json_object_get(ref, "kind"));
    if (!av || !kind)
        return NULL;
    const char *slash = strchr(av, '/');
    size_t glen = slash ? (size_t)(slash - av) : 0;
    for (size_t i = 0; i < gc->nres; i++) {
        const api_kind_t *k = gc->res[i].kind;
        if (strcmp(k->kind, kind) == 0 && strlen(k->group) == glen &&
            strncmp(k->group, av, glen) == 0)
            return &gc->res[i];
    }
    return NULL;
}

static bool has_finalizer(const json_t *obj, const char *f)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(json_object_get(obj, "metadata"), "finalizers"), i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), f) == 0)
            return true;
    }
    return false;
}

static json_t *owner_refs(const json_t *obj)
{
    return json_object_get(json_object_get(obj, "metadata"), "ownerReferences");
}

static bool deleting_dependents(const json_t *obj)
{
    return controllers__meta(obj, "deletionTimestamp") && has_finalizer(obj, "foregroundDeletion");
}

/* ---- the dependents index ---- */

static void index_add(gc_t *gc, const char *key, const json_t *obj)
{
    const char *uid = controllers__meta(obj, "uid");
    if (uid)
        json_object_set_new(gc->uids, uid, json_string(key));
    size_t i;
    json_t *ref;
    json_array_foreach(owner_refs(obj), i, ref)
    {
        const char *ou = json_string_value(json_object_get(ref, "uid"));
        if (!ou)
            continue;
        json_t *set = json_object_get(gc->deps, ou);
        if (!set) {
            set = json_object();
            json_object_set_new(gc->deps, ou, set);
        }
        json_object_set_new(set, key,
                            json_boolean(json_is_true(json_object_get(ref, "blockOwnerDeletion"))));
    }
}

static void index_remove(gc_t *gc, const char *key, const json_t *obj, bool gone)
{
    const char *uid = controllers__meta(obj, "uid");
    if (uid && gone)
        json_object_del(gc->uids, uid);
    size_t i;
    json_t *ref;
    json_array_foreach(owner_refs(obj), i, ref)
    {
        const char *ou = json_string_value(json_object_get(ref, "uid"));
        json_t *set = ou ? json_object_get(gc->deps, ou) : NULL;
        if (!set)
            continue;
        json_object_del(set, key);
        if (json_object_size(set) == 0)
            json_object_del(gc->deps, ou);
    }
}

static void enqueue_uid(gc_t *gc, const char *uid)
{
    const char *k = uid ? json_string_value(json_object_get(gc->uids, uid)) : NULL;
    if (k)
        workqueue_add(gc->queue, k);
}

static void enqueue_dependents(gc_t *gc, const char *uid)
{
    json_t *set = uid ? json_object_get(gc->deps, uid) : NULL;
    const char *k;
    json_t *v;
    json_object_foreach(set, k, v) workqueue_add(gc->queue, k);
}

static void enqueue_owners(gc_t *gc, const json_t *obj)
{
    size_t i;
    json_t *ref;
    json_array_foreach(owner_refs(obj), i, ref)
        enqueue_uid(gc, json_string_value(json_object_get(ref, "uid")));
}

/* ---- informer handlers ---- */

static void look_at(gc_t *gc, const char *key, const json_t *obj)
{
    if (controllers__meta(obj, "deletionTimestamp")) {
        if (has_finalizer(obj, "orphan") || has_finalizer(obj, "foregroundDeletion"))
            workqueue_add(gc->queue, key);
        return;
    }
    if (json_array_size(owner_refs(obj)) > 0)
        workqueue_add(gc->queue, key);
}

static void on_add(informer_t *inf, json_t *obj, void *data)
{
    gc_res_t *r = data;
    cleanup_free char *key = key_for(r, obj);
    index_add(r->gc, key, obj);
    look_at(r->gc, key, obj);
}

static void on_update(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    gc_res_t *r = data;
    gc_t *gc = r->gc;
    cleanup_free char *key = key_for(r, obj);
    index_remove(gc, key, old, false);
    index_add(gc, key, obj);
    look_at(gc, key, obj);
    /* An owner waiting for its dependents may have lost a blocking one. */
    if (!json_equal(owner_refs(old), owner_refs(obj)) ||
        controllers__meta(obj, "deletionTimestamp"))
        enqueue_owners(gc, old);
}

static void on_delete(informer_t *inf, json_t *obj, void *data)
{
    gc_res_t *r = data;
    gc_t *gc = r->gc;
    cleanup_free char *key = key_for(r, obj);
    index_remove(gc, key, obj, true);
    enqueue_dependents(gc, controllers__meta(obj, "uid"));
    enqueue_owners(gc, obj);
}

static void on_synced(informer_t *inf, void *data)
{
    gc_res_t *r = data;
    if (!r->synced) {
        r->synced = true;
        r->gc->unsynced--;
    }
}

/* ---- jobs ---- */

/* How a job ends: done with the key, retried with back-off, or looked at again a little later
 * (a foreground owner still waiting). */
enum { JOB_DONE, JOB_RETRY, JOB_RECHECK };

static void job_end(job_t *j, int how)
{
    gc_t *gc = j->gc;
    if (how == JOB_RETRY && !gc->closing)
        workqueue_add_rate_limited(gc->queue, j->key);
    else if (how == JOB_RECHECK && !gc->closing)
        workqueue_add_after(gc->queue, j->key, FOREGROUND_RECHECK_MS);
    else
        workqueue_forget(gc->queue, j->key);
    workqueue_done(gc->queue, j->key);
    free(j->key);
    json_decref(j->obj);
    json_decref(j->solid);
    json_decref(j->dangling);
    json_decref(j->waiting);
    json_decref(j->todo);
    free(j);
}

static void on_write_done(const client_resp_t *resp, void *data)
{
    job_t *j = data;
    /* 404: already gone; 409: the object moved on (its next event brings it back). */
    if (resp->status >= 300 && resp->status != 404 && resp->status != 409) {
        log_warn("gc", "%s: %d %.*s", j->key, resp->status, (int)resp->len, resp->body);
        return job_end(j, JOB_RETRY);
    }
    job_end(j, resp->status == 409 ? JOB_RETRY : JOB_DONE);
}

/* A merge patch of metadata.<field> to value (stolen), guarded by the cached resourceVersion. */
static void patch_meta(job_t *j, const gc_res_t *r, const json_t *obj, const char *field,
                       json_t *value, client_cb cb)
{
    const char *ns = controllers__meta(obj, "namespace");
    cleanup_free char *path = object_path(r, ns ? ns : "", controllers__meta(obj, "name"));
    const char *rv = controllers__meta(obj, "resourceVersion");
    cleanup_json json_t *patch =
        json_pack("{s:{s:s, s:o}}", "metadata", "resourceVersion", rv ? rv : "", field, value);
    cleanup_free char *body = json_dumps(patch, JSON_COMPACT);
    client_request(j->gc->client, "PATCH", path, "application/merge-patch+json", body, strlen(body),
                   cb, j);
}

/* Orphan: strip the owner's uid from each dependent, then drop the finalizer. */
static void orphan_next(job_t *j);

static void on_orphaned_one(const client_resp_t *resp, void *data)
{
    job_t *j = data;
    if (resp->status >= 300 && resp->status != 404) {
        if (resp->status != 409)
            log_warn("gc", "orphaning a dependent of %s: %d", j->key, resp->status);
        return job_end(j, JOB_RETRY);
    }
    j->next++;
    orphan_next(j);
}

static void orphan_next(job_t *j)
{
    gc_t *gc = j->gc;
    if (gc->closing)
        return job_end(j, JOB_DONE);
    const char *uid = controllers__meta(j->obj, "uid");
    while (j->next < json_array_size(j->todo)) {
        cleanup_free char *buf = xstrdup(json_string_value(json_array_get(j->todo, j->next)));
        const char *ns, *name;
        gc_res_t *r = parse_key(gc, buf, &ns, &name);
        json_t *dep = r ? informer_get(r->inf, ns, name) : NULL;
        if (!dep) {
            j->next++;
            continue;
        }
        cleanup_json json_t *me = json_pack("[s]", uid);
        patch_meta(j, r, dep, "ownerReferences", controllers__gc_refs_without(dep, me, NULL),
                   on_orphaned_one);
        return;
    }
    patch_meta(j, j->res, j->obj, "finalizers",
               controllers__gc_finalizers_without(j->obj, "orphan"), on_write_done);
}

static void orphan(job_t *j)
{
    j->todo = json_array();
    json_t *set = json_object_get(j->gc->deps, controllers__meta(j->obj, "uid"));
    const char *k;
    json_t *v;
    json_object_foreach(set, k, v) json_array_append_new(j->todo, json_string(k));
    orphan_next(j);
}

/* Foreground: the dependents are deleted (each sees this owner waiting); the finalizer goes
 * when no dependent with blockOwnerDeletion is left. */
static void foreground(job_t *j)
{
    gc_t *gc = j->gc;
    json_t *set = json_object_get(gc->deps, controllers__meta(j->obj, "uid"));
    size_t blocking = 0;
    const char *k;
    json_t *v;
    json_object_foreach(set, k, v)
    {
        workqueue_add(gc->queue, k);
        if (json_is_true(v))
            blocking++;
    }
    if (blocking > 0)
        return job_end(j, JOB_RECHECK);
    patch_meta(j, j->res, j->obj, "finalizers",
               controllers__gc_finalizers_without(j->obj, "foregroundDeletion"), on_write_done);
}

static void delete_obj(job_t *j, const char *policy)
{
    const char *ns = controllers__meta(j->obj, "namespace");
    cleanup_free char *path = object_path(j->res, ns ? ns : "", controllers__meta(j->obj, "name"));
    cleanup_json json_t *opts = json_pack("{s:s, s:s, s:s, s:{s:s}}", "kind", "DeleteOptions",
                                          "apiVersion", "v1", "propagationPolicy", policy,
                                          "preconditions", "uid", controllers__meta(j->obj, "uid"));
    cleanup_free char *body = json_dumps(opts, JSON_COMPACT);
    log_info("gc", "deleting %s %s/%s (%s): no live owner left", j->res->kind->kind, ns ? ns : "",
             controllers__meta(j->obj, "name"), policy);
    client_request(j->gc->client, "DELETE", path, "application/json", body, strlen(body),
                   on_write_done, j);
}

static void decide(job_t *j)
{
    const char *uid = controllers__meta(j->obj, "uid");
    bool has_deps = json_object_size(json_object_get(j->gc->deps, uid)) > 0;
    json_t *refs = NULL;
    const char *policy = NULL;
    switch (controllers__gc_decide(j->obj, j->solid, j->dangling, j->waiting, has_deps, &refs,
                                   &policy)) {
    case GC_KEEP:
        return job_end(j, JOB_DONE);
    case GC_PATCH_REFS:
        return patch_meta(j, j->res, j->obj, "ownerReferences", refs, on_write_done);
    case GC_DELETE:
        return delete_obj(j, policy);
    }
}

static void classify_next(job_t *j);

static void classify(job_t *j, const json_t *owner)
{
    json_t *ref = json_array_get(owner_refs(j->obj), j->next);
    json_t *uid = json_object_get(ref, "uid");
    if (!owner)
        json_array_append(j->dangling, uid);
    else if (deleting_dependents(owner))
        json_array_append(j->waiting, uid);
    else
        json_array_append(j->solid, uid);
    j->next++;
}

static void on_owner_read(const client_resp_t *resp, void *data)
{
    job_t *j = data;
    if (resp->status != 200 && resp->status != 404) {
        log_warn("gc", "reading an owner of %s: %d", j->key, resp->status);
        return job_end(j, JOB_RETRY);
    }
    cleanup_json json_t *owner = NULL;
    if (resp->status == 200) {
        owner = json_loadb(resp->body, resp->len, 0, NULL);
        json_t *ref = json_array_get(owner_refs(j->obj), j->next);
        const char *want = json_string_value(json_object_get(ref, "uid"));
        const char *have = controllers__meta(owner, "uid");
        if (!want || !have || strcmp(want, have) != 0) {
            json_decref(owner);
            owner = NULL; /* same name, another object: the owner is gone */
        }
    }
    classify(j, owner);
    classify_next(j);
}

static void classify_next(job_t *j)
{
    gc_t *gc = j->gc;
    if (gc->closing)
        return job_end(j, JOB_DONE);
    json_t *refs = owner_refs(j->obj);
    const char *ns = controllers__meta(j->obj, "namespace");
    while (j->next < json_array_size(refs)) {
        json_t *ref = json_array_get(refs, j->next);
        const char *uid = json_string_value(json_object_get(ref, "uid"));
        const char *name = json_string_value(json_object_get(ref, "name"));
        gc_res_t *r = res_for_ref(gc, ref);
        if (!uid || !name || !r || (r->kind->namespaced && !j->res->kind->namespaced)) {
            /* Unresolvable (unknown kind, or a cluster-scoped dependent naming a namespaced
             * owner): never collected, as upstream. */
            json_array_append_new(j->solid, json_string(uid ? uid : ""));
            j->next++;
            continue;
        }
        const char *ons = r->kind->namespaced ? ns : NULL;
        json_t *cached = informer_get(r->inf, ons, name);
        const char *cu = controllers__meta(cached, "uid");
        if (cu && strcmp(cu, uid) == 0) {
            classify(j, cached);
            continue;
        }
        /* The cache may lag behind: ask the API server. */
        cleanup_free char *path = object_path(r, ons ? ons : "", name);
        client_request(gc->client, "GET", path, NULL, NULL, 0, on_owner_read, j);
        return;
    }
    decide(j);
}

static void process(workqueue_t *q, const char *key, void *data)
{
    gc_t *gc = data;
    if (gc->unsynced > 0) {
        /* Dependents not yet seen must not be missed by an orphaning or a foreground wait. */
        workqueue_add_after(q, key, UNSYNCED_RETRY_MS);
        workqueue_done(q, key);
        return;
    }
    cleanup_free char *buf = xstrdup(key);
    const char *ns, *name;
    gc_res_t *r = parse_key(gc, buf, &ns, &name);
    json_t *obj = r ? informer_get(r->inf, ns, name) : NULL;
    if (!obj) {
        workqueue_forget(q, key);
        workqueue_done(q, key);
        return;
    }
    job_t *j = xcalloc(1, sizeof(*j));
    j->gc = gc;
    j->key = xstrdup(key);
    j->res = r;
    j->obj = json_incref(obj);
    j->solid = json_array();
    j->dangling = json_array();
    j->waiting = json_array();
    if (controllers__meta(obj, "deletionTimestamp")) {
        if (has_finalizer(obj, "orphan"))
            return orphan(j);
        if (has_finalizer(obj, "foregroundDeletion"))
            return foreground(j);
        return job_end(j, JOB_DONE);
    }
    if (json_array_size(owner_refs(obj)) == 0)
        return job_end(j, JOB_DONE);
    classify_next(j);
}

/* The registry lists a storage once per served version (HPA): watch each storage once. */
static bool first_of_storage(size_t i)
{
    const api_kind_t *k = api_kind_at(i);
    if (!api_kind_stored(k))
        return false;
    for (size_t x = 0; x < i; x++) {
        const api_kind_t *o = api_kind_at(x);
        if (strcmp(o->group, k->group) == 0 &&
            strcmp(o->storage_resource, k->storage_resource) == 0)
            return false;
    }
    return true;
}

static ctrl_t *start(controllers_t *cm)
{
    gc_t *gc = xcalloc(1, sizeof(*gc));
    gc->client = controllers__client(cm);
    gc->deps = json_object();
    gc->uids = json_object();
    gc->queue = workqueue_new(client_loop(gc->client), 4, process, gc);
    size_t n = api_kinds_count();
    gc->res = xcalloc(n, sizeof(*gc->res));
    for (size_t i = 0; i < n; i++) {
        const api_kind_t *k = api_kind_at(i);
        /* Events are ignored, as upstream's collector ignores them: many, short-lived. */
        if (!first_of_storage(i) || strcmp(k->resource, "events") == 0)
            continue;
        gc_res_t *r = &gc->res[gc->nres];
        r->gc = gc;
        r->idx = gc->nres++;
        r->kind = k;
    }
    gc->unsynced = gc->nres;
    informer_handlers_t h = {
        .on_add = on_add, .on_update = on_update, .on_delete = on_delete, .on_synced = on_synced};
    for (size_t i = 0; i < gc->nres; i++) {
        gc_res_t *r = &gc->res[i];
        cleanup_free char *gp = controllers__group_path(r->kind);
        cleanup_free char *path = xasprintf("%s/%s", gp, r->kind->resource);
        r->inf = controllers__informer(cm, path);
        r->reg = informer_add_handlers(r->inf, &h, r);
    }
    return (ctrl_t *)gc;
}

static void on_queue_closed(void *data)
{
    gc_t *gc = data;
    void (*done)(void *) = gc->done;
    void *d = gc->done_data;
    json_decref(gc->deps);
    json_decref(gc->uids);
    free(gc->res);
    free(gc);
    done(d);
}

static void stop(ctrl_t *ctrl, void (*done)(void *data), void *data)
{
    gc_t *gc = (gc_t *)ctrl;
    gc->closing = true;
    gc->done = done;
    gc->done_data = data;
    for (size_t i = 0; i < gc->nres; i++)
        informer_remove_handlers(gc->res[i].inf, gc->res[i].reg);
    workqueue_close(gc->queue, on_queue_closed, gc);
}

const ctrl_ops_t controllers__gc = {"garbagecollector", start, stop};
