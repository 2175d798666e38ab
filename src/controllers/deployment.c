/*
 * deployment.c — the Deployment controller: one ReplicaSet per pod template (named
 * <deployment>-<pod-template-hash>), rolled over by RollingUpdate (maxSurge, maxUnavailable) or
 * Recreate (old scaled to 0, their pods gone, then the new), with revision numbers, history
 * clean-up, pause, and the Progressing/Available conditions `kubectl rollout status` reads.
 *
 * Each sync takes one step and ends; the ReplicaSet events it causes bring the next. Scaling is
 * absolute (a step repeated on a stale cache writes the same sizes), and a deployment is not
 * synced again until the informer shows the ReplicaSet writes of its last step, so a step is
 * never computed from the state before the previous one.
 */
#include "internal.h"
#include "c8s/ctrlcore.h"
#include "c8s/selector.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define ANN_REVISION  "deployment.kubernetes.io/revision"
#define ANN_DESIRED   "deployment.kubernetes.io/desired-replicas"
#define ANN_MAX       "deployment.kubernetes.io/max-replicas"
#define COMPONENT     "deployment-controller"
#define WRITE_WAIT_MS 30000 /* give up waiting for a write to show after this */
#define MAX_STEP_RS   64

/* A ReplicaSet write not yet seen by the informer. */
typedef struct {
    char *dkey;   /* the deployment */
    char *rs;     /* namespace/name of the ReplicaSet */
    long long rv; /* its resourceVersion after the write */
    uint64_t at_ms;
    bool create; /* until seen, a missing ReplicaSet is one not yet in the cache */
} written_t;

typedef struct {
    client_t *client;
    informer_t *deploys, *rss, *pods;
    informer_reg_t *d_reg, *rs_reg, *pod_reg;
    workqueue_t *queue;
    written_t *w;
    size_t nw, capw;
    void (*done)(void *data);
    void *done_data;
} dctrl_t;

static long long rv_of(const json_t *obj)
{
    const char *rv = controllers__meta(obj, "resourceVersion");
    return rv ? strtoll(rv, NULL, 10) : 0;
}

static void written_drop(dctrl_t *c, size_t i)
{
    free(c->w[i].dkey);
    free(c->w[i].rs);
    c->w[i] = c->w[--c->nw];
}

static void written_add(dctrl_t *c, const char *dkey, const json_t *rs, bool create)
{
    if (c->nw == c->capw) {
        c->capw = c->capw ? c->capw * 2 : 16;
        c->w = xrealloc(c->w, c->capw * sizeof(*c->w));
    }
    written_t *w = &c->w[c->nw++];
    w->dkey = xstrdup(dkey);
    w->rs = controllers__key(rs);
    w->rv = rv_of(rs);
    w->at_ms = c8s_now_ms();
    w->create = create;
}

/* True while one of the deployment's writes has not come back through the informer. */
static bool writes_unseen(dctrl_t *c, const char *dkey)
{
    bool unseen = false;
    for (size_t i = 0; i < c->nw;) {
        if (strcmp(c->w[i].dkey, dkey) != 0) {
            i++;
            continue;
        }
        char ns[256], name[256];
        controllers__split_key(c->w[i].rs, ns, sizeof(ns), name, sizeof(name));
        json_t *rs = informer_get(c->rss, ns, name);
        /* Seen; or deleted since (a scaled ReplicaSet someone removed); or given up on. */
        if ((rs && rv_of(rs) >= c->w[i].rv) || (!rs && !c->w[i].create) ||
            c8s_now_ms() - c->w[i].at_ms > WRITE_WAIT_MS) {
            written_drop(c, i);
            continue;
        }
        unseen = true;
        i++;
    }
    return unseen;
}

/* ---- event handlers ---- */

static void enqueue(dctrl_t *c, const json_t *d)
{
    cleanup_free char *key = controllers__key(d);
    if (key)
        workqueue_add(c->queue, key);
}

static json_t *rs_deployment(dctrl_t *c, const json_t *rs)
{
    const json_t *ref = controllers__controller_ref(rs);
    const char *kind = json_string_value(json_object_get(ref, "kind"));
    if (!ref || !kind || strcmp(kind, "Deployment") != 0)
        return NULL;
    json_t *d = informer_get(c->deploys, controllers__meta(rs, "namespace"),
                             json_string_value(json_object_get(ref, "name")));
    const char *uid = json_string_value(json_object_get(ref, "uid"));
    if (!d || !uid || strcmp(uid, controllers__meta(d, "uid") ?: "") != 0)
        return NULL;
    return d;
}

static void d_added(informer_t *inf, json_t *obj, void *data)
{
    enqueue(data, obj);
}

static void d_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    enqueue(data, obj);
}

static void d_deleted(informer_t *inf, json_t *obj, void *data)
{
    dctrl_t *c = data;
    cleanup_free char *key = controllers__key(obj);
    for (size_t i = 0; key && i < c->nw;) {
        if (strcmp(c->w[i].dkey, key) == 0)
            written_drop(c, i);
        else
            i++;
    }
}

static bool selects(const json_t *d, const json_t *obj)
{
    labelsel_t *ls = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    if (labelsel_from_json(json_object_get(json_object_get(d, "spec"), "selector"), &ls, &err) !=
        0) {
        c8s_err_clear(&err);
        return false;
    }
    bool ok = !labelsel_empty(ls) &&
              labelsel_matches(ls, json_object_get(json_object_get(obj, "metadata"), "labels"));
    labelsel_free(ls);
    return ok;
}

typedef struct {
    dctrl_t *c;
    const json_t *rs;
} orphan_t;

static bool enqueue_if_selects(json_t *d, void *data)
{
    orphan_t *o = data;
    if (strcmp(controllers__meta(d, "namespace") ?: "",
               controllers__meta(o->rs, "namespace") ?: "") == 0 &&
        selects(d, o->rs))
        enqueue(o->c, d);
    return true;
}

static void rs_changed(informer_t *inf, json_t *rs, void *data)
{
    dctrl_t *c = data;
    if (!controllers__controller_ref(rs)) {
        /* An orphan: any deployment selecting it may adopt it. */
        orphan_t o = {c, rs};
        informer_foreach(c->deploys, enqueue_if_selects, &o);
        return;
    }
    json_t *d = rs_deployment(c, rs);
    if (d)
        enqueue(c, d);
}

static void rs_updated(informer_t *inf, json_t *old, json_t *rs, void *data)
{
    rs_changed(inf, rs, data);
}

/* Recreate waits for the old pods to be gone: their removal is worth a look. */
static void pod_deleted(informer_t *inf, json_t *pod, void *data)
{
    dctrl_t *c = data;
    const json_t *ref = controllers__controller_ref(pod);
    const char *kind = json_string_value(json_object_get(ref, "kind"));
    if (!ref || !kind || strcmp(kind, "ReplicaSet") != 0)
        return;
    json_t *rs = informer_get(c->rss, controllers__meta(pod, "namespace"),
                              json_string_value(json_object_get(ref, "name")));
    if (rs)
        rs_changed(inf, rs, c);
}

static bool enqueue_all(json_t *obj, void *data)
{
    enqueue(data, obj);
    return true;
}

static void on_synced(informer_t *inf, void *data)
{
    dctrl_t *c = data;
    informer_foreach(c->deploys, enqueue_all, c);
}

/* ---- one sync ---- */

typedef struct {
    dctrl_t *c;
    char *key;
    json_t *d; /* a copy */
    int pending;
    bool failed;
    uint64_t requeue_ms;
} dsync_t;

typedef struct {
    dsync_t *s;
    char *rs_name;
    json_t *tmpl; /* for a create that meets a name taken */
} dreq_t;

static void dsync_release(dsync_t *s)
{
    if (--s->pending > 0)
        return;
    dctrl_t *c = s->c;
    if (s->failed)
        workqueue_add_rate_limited(c->queue, s->key);
    else
        workqueue_forget(c->queue, s->key);
    if (s->requeue_ms)
        workqueue_add_after(c->queue, s->key, s->requeue_ms);
    workqueue_done(c->queue, s->key);
    free(s->key);
    json_decref(s->d);
    free(s);
}

static dreq_t *dreq_new(dsync_t *s, const char *rs_name)
{
    dreq_t *r = xcalloc(1, sizeof(*r));
    r->s = s;
    r->rs_name = rs_name ? xstrdup(rs_name) : NULL;
    s->pending++;
    return r;
}

static void dreq_end(dreq_t *r)
{
    dsync_t *s = r->s;
    free(r->rs_name);
    json_decref(r->tmpl);
    free(r);
    dsync_release(s);
}

static void on_written(const client_resp_t *resp, void *data)
{
    dreq_t *r = data;
    dsync_t *s = r->s;
    if (resp->status >= 300 && resp->status != 404) {
        log_info("controllers", "Deployment %s: write answered %d: %.200s", s->key, resp->status,
                 resp->body ? resp->body : "");
        s->failed = true;
    }
    dreq_end(r);
}

/* A ReplicaSet write answered: remember its resourceVersion until the informer has it. */
static void on_rs_written(const client_resp_t *resp, void *data)
{
    dreq_t *r = data;
    dsync_t *s = r->s;
    if (resp->status == 200 || resp->status == 201) {
        json_t *rs = json_loads(resp->body, 0, NULL);
        if (rs)
            written_add(s->c, s->key, rs, resp->status == 201);
        json_decref(rs);
        dreq_end(r);
        return;
    }
    if (resp->status == 409 && r->tmpl) {
        /* The name is taken. By our own ReplicaSet not yet in the cache: nothing to do. By
         * another template (a hash collision): count it, so the next hash differs. */
        json_t *rs = informer_get(s->c->rss, controllers__meta(s->d, "namespace"), r->rs_name);
        const json_t *ref = rs ? controllers__controller_ref(rs) : NULL;
        bool ours = ref && strcmp(json_string_value(json_object_get(ref, "uid")) ?: "",
                                  controllers__meta(s->d, "uid") ?: "") == 0;
        if (rs &&
            !(ours && ctrlcore_template_equal_ignore_hash(
                          json_object_get(json_object_get(rs, "spec"), "template"), r->tmpl))) {
            json_int_t cc = json_integer_value(
                json_object_get(json_object_get(s->d, "status"), "collisionCount"));
            json_t *patch = json_pack("{s:{s:I}}", "status", "collisionCount", cc + 1);
            cleanup_free char *body = json_dumps(patch, JSON_COMPACT);
            json_decref(patch);
            cleanup_free char *path =
                xasprintf("/apis/apps/v1/namespaces/%s/deployments/%s/status",
                          controllers__meta(s->d, "namespace"), controllers__meta(s->d, "name"));
            client_request(s->c->client, "PATCH", path, "application/merge-patch+json", body,
                           strlen(body), on_written, dreq_new(s, NULL));
        } else if (!rs) {
            s->failed = true; /* not in the cache yet: look again later */
        }
        dreq_end(r);
        return;
    }
    on_written(resp, data);
}

static int spec_int(const json_t *obj, const char *field, int dflt)
{
    const json_t *v = json_object_get(json_object_get(obj, "spec"), field);
    return json_is_integer(v) ? (int)json_integer_value(v) : dflt;
}

static int status_int(const json_t *obj, const char *field)
{
    return (int)json_integer_value(json_object_get(json_object_get(obj, "status"), field));
}

static long long revision_of(const json_t *obj)
{
    const char *r = json_string_value(json_object_get(
        json_object_get(json_object_get(obj, "metadata"), "annotations"), ANN_REVISION));
    return r ? strtoll(r, NULL, 10) : 0;
}

static void scale_rs(dsync_t *s, const json_t *rs, int replicas, int surge)
{
    int from = spec_int(rs, "replicas", 1);
    const char *name = controllers__meta(rs, "name");
    char desired[24], max[24];
    snprintf(desired, sizeof(desired), "%d", spec_int(s->d, "replicas", 1));
    snprintf(max, sizeof(max), "%d", spec_int(s->d, "replicas", 1) + surge);
    json_t *patch = json_pack("{s:{s:{s:s, s:s}}, s:{s:i}}", "metadata", "annotations", ANN_DESIRED,
                              desired, ANN_MAX, max, "spec", "replicas", replicas);
    cleanup_free char *body = json_dumps(patch, JSON_COMPACT);
    json_decref(patch);
    cleanup_free char *path = xasprintf("/apis/apps/v1/namespaces/%s/replicasets/%s",
                                        controllers__meta(rs, "namespace"), name);
    client_request(s->c->client, "PATCH", path, "application/merge-patch+json", body, strlen(body),
                   on_rs_written, dreq_new(s, name));
    if (from != replicas)
        controllers__event(s->c->client, s->d, "Deployment", "apps/v1", COMPONENT, "Normal",
                           "ScalingReplicaSet", "Scaled %s replica set %s to %d",
                           replicas > from ? "up" : "down", name, replicas);
}

static void patch_revision(dsync_t *s, const char *base, const char *resource, const json_t *obj,
                           long long rev, client_cb cb)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "%lld", rev);
    json_t *patch = json_pack("{s:{s:{s:s}}}", "metadata", "annotations", ANN_REVISION, buf);
    cleanup_free char *body = json_dumps(patch, JSON_COMPACT);
    json_decref(patch);
    cleanup_free char *path =
        xasprintf("%s/namespaces/%s/%s/%s", base, controllers__meta(obj, "namespace"), resource,
                  controllers__meta(obj, "name"));
    client_request(s->c->client, "PATCH", path, "application/merge-patch+json", body, strlen(body),
                   cb, dreq_new(s, controllers__meta(obj, "name")));
}

static void create_rs(dsync_t *s, const char *hash, long long revision, int replicas, int surge)
{
    const json_t *d = s->d;
    const json_t *dspec = json_object_get(d, "spec");
    json_t *tmpl = json_deep_copy(json_object_get(dspec, "template"));
    json_t *tmd = json_object_get(tmpl, "metadata");
    if (!json_is_object(tmd)) {
        tmd = json_object();
        json_object_set_new(tmpl, "metadata", tmd);
    }
    json_t *labels = json_object_get(tmd, "labels");
    if (!json_is_object(labels)) {
        labels = json_object();
        json_object_set_new(tmd, "labels", labels);
    }
    json_object_set_new(labels, "pod-template-hash", json_string(hash));
    json_t *sel = json_deep_copy(json_object_get(dspec, "selector"));
    if (!json_is_object(sel)) {
        json_decref(sel);
        sel = json_object();
    }
    json_t *ml = json_object_get(sel, "matchLabels");
    if (!json_is_object(ml)) {
        ml = json_object();
        json_object_set_new(sel, "matchLabels", ml);
    }
    json_object_set_new(ml, "pod-template-hash", json_string(hash));
    cleanup_free char *name = xasprintf("%s-%s", controllers__meta(d, "name"), hash);
    char rev[24], desired[24], max[24];
    snprintf(rev, sizeof(rev), "%lld", revision);
    snprintf(desired, sizeof(desired), "%d", spec_int(d, "replicas", 1));
    snprintf(max, sizeof(max), "%d", spec_int(d, "replicas", 1) + surge);
    json_t *refs = json_array();
    json_array_append_new(refs, controllers__owner_ref(d, "Deployment", "apps/v1"));
    json_t *rs =
        json_pack("{s:s, s:s, s:{s:s, s:s, s:O, s:{s:s, s:s, s:s}, s:o}, s:{s:i, s:I, s:o, s:O}}",
                  "apiVersion", "apps/v1", "kind", "ReplicaSet", "metadata", "name", name,
                  "namespace", controllers__meta(d, "namespace"), "labels", labels, "annotations",
                  ANN_REVISION, rev, ANN_DESIRED, desired, ANN_MAX, max, "ownerReferences", refs,
                  "spec", "replicas", replicas, "minReadySeconds",
                  (json_int_t)spec_int(d, "minReadySeconds", 0), "selector", sel, "template", tmpl);
    cleanup_free char *body = json_dumps(rs, JSON_COMPACT);
    json_decref(rs);
    cleanup_free char *path =
        xasprintf("/apis/apps/v1/namespaces/%s/replicasets", controllers__meta(d, "namespace"));
    dreq_t *r = dreq_new(s, name);
    r->tmpl = tmpl; /* the reference taken by json_pack's "O" above is ours */
    client_request(s->c->client, "POST", path, "application/json", body, strlen(body),
                   on_rs_written, r);
    log_info("controllers", "Deployment %s: new replica set %s (revision %lld)", s->key, name,
             revision);
    if (replicas > 0)
        controllers__event(s->c->client, d, "Deployment", "apps/v1", COMPONENT, "Normal",
                           "ScalingReplicaSet", "Scaled up replica set %s to %d", name, replicas);
}

/* ---- status ---- */

static const json_t *find_condition(const json_t *status, const char *type)
{
    size_t i;
    const json_t *c;
    json_array_foreach(json_object_get(status, "conditions"), i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "type")) ?: "", type) == 0)
            return c;
    }
    return NULL;
}

/* Sets a condition as upstream's SetDeploymentCondition: the same status and reason is no
 * change; otherwise a new one (keeping lastTransitionTime when only the reason moved and
 * keep_transition says so). */
static void set_condition(json_t *conds, const char *type, const char *status, const char *reason,
                          const char *msg, bool refresh)
{
    char now[32];
    c8s_rfc3339_now(now, sizeof(now));
    size_t i;
    json_t *c;
    json_array_foreach(conds, i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "type")) ?: "", type) != 0)
            continue;
        bool same_status =
            strcmp(json_string_value(json_object_get(c, "status")) ?: "", status) == 0;
        bool same_reason =
            strcmp(json_string_value(json_object_get(c, "reason")) ?: "", reason) == 0;
        if (same_status && same_reason && !refresh)
            return;
        const char *lt = json_string_value(json_object_get(c, "lastTransitionTime"));
        json_t *n = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", type, "status", status,
                              "lastUpdateTime", now, "lastTransitionTime",
                              same_status && lt ? lt : now, "reason", reason, "message", msg);
        json_array_set_new(conds, i, n);
        return;
    }
    json_array_append_new(conds, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", type, "status",
                                           status, "lastUpdateTime", now, "lastTransitionTime", now,
                                           "reason", reason, "message", msg));
}

typedef struct {
    const json_t **rs; /* owned by the deployment, oldest first */
    size_t n;
    const json_t *new_rs;
    bool created; /* the new RS was created in this sync */
    const char *new_name;
    int unavailable; /* maxUnavailable */
} view_t;

static void put_count(json_t *st, const char *field, long long v)
{
    if (v > 0)
        json_object_set_new(st, field, json_integer(v));
}

static void write_status(dsync_t *s, const view_t *v)
{
    const json_t *d = s->d;
    const json_t *old = json_object_get(d, "status");
    int replicas = spec_int(d, "replicas", 1);
    long long total_spec = 0, actual = 0, ready = 0, avail = 0;
    for (size_t i = 0; i < v->n; i++) {
        total_spec += spec_int(v->rs[i], "replicas", 1);
        actual += status_int(v->rs[i], "replicas");
        ready += status_int(v->rs[i], "readyReplicas");
        avail += status_int(v->rs[i], "availableReplicas");
    }
    long long updated = v->new_rs ? status_int(v->new_rs, "replicas") : 0;
    long long unavail = total_spec - avail > 0 ? total_spec - avail : 0;
    json_t *st = json_object();
    long long gen =
        json_integer_value(json_object_get(json_object_get(d, "metadata"), "generation"));
    put_count(st, "observedGeneration", gen);
    put_count(st, "replicas", actual);
    put_count(st, "updatedReplicas", updated);
    put_count(st, "readyReplicas", ready);
    put_count(st, "availableReplicas", avail);
    put_count(st, "unavailableReplicas", unavail);
    if (json_object_get(old, "collisionCount"))
        json_object_set(st, "collisionCount", json_object_get(old, "collisionCount"));
    json_t *conds = json_deep_copy(json_object_get(old, "conditions"));
    if (!json_is_array(conds)) {
        json_decref(conds);
        conds = json_array();
    }
    if (avail >= replicas - v->unavailable)
        set_condition(conds, "Available", "True", "MinimumReplicasAvailable",
                      "Deployment has minimum availability.", false);
    else
        set_condition(conds, "Available", "False", "MinimumReplicasUnavailable",
                      "Deployment does not have minimum availability.", false);
    const json_t *dspec = json_object_get(d, "spec");
    const json_t *pds = json_object_get(dspec, "progressDeadlineSeconds");
    const json_t *pcond = find_condition(old, "Progressing");
    const char *preason = json_string_value(json_object_get(pcond, "reason")) ?: "";
    char msg[512];
    const char *nn = v->new_name ? v->new_name : "";
    bool paused = json_is_true(json_object_get(dspec, "paused"));
    if (!json_is_integer(pds)) {
        for (size_t i = 0; i < json_array_size(conds); i++) {
            if (!strcmp(json_string_value(json_object_get(json_array_get(conds, i), "type")) ?: "",
                        "Progressing")) {
                json_array_remove(conds, i);
                break;
            }
        }
    } else if (paused) {
        set_condition(conds, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused",
                      false);
    } else {
        if (!strcmp(preason, "DeploymentPaused"))
            set_condition(conds, "Progressing", "Unknown", "DeploymentResumed",
                          "Deployment is resumed", false);
        if (v->created) {
            snprintf(msg, sizeof(msg), "Created new replica set \"%s\"", nn);
            set_condition(conds, "Progressing", "True", "NewReplicaSetCreated", msg, false);
        } else if (v->new_rs && !pcond) {
            snprintf(msg, sizeof(msg), "Found new replica set \"%s\"", nn);
            set_condition(conds, "Progressing", "True", "FoundNewReplicaSet", msg, false);
        }
        bool latched = actual == updated && !strcmp(preason, "NewReplicaSetAvailable");
        bool complete = updated == replicas && actual == replicas && avail == replicas;
        long long old_updated = status_int(d, "updatedReplicas");
        long long old_old = status_int(d, "replicas") - old_updated;
        bool progressing = updated > old_updated || actual - updated < old_old ||
                           ready > status_int(d, "readyReplicas") ||
                           avail > status_int(d, "availableReplicas");
        /* cur is borrowed from a temporary wrapper: read what is needed now. */
        json_t *wrap = json_pack("{s:O}", "conditions", conds);
        const json_t *cur = find_condition(wrap, "Progressing");
        int64_t last =
            ctrlcore_parse_time(json_string_value(json_object_get(cur, "lastUpdateTime")));
        const char *creason = json_string_value(json_object_get(cur, "reason")) ?: "";
        bool timed_out = cur && strcmp(creason, "NewReplicaSetAvailable") != 0 &&
                         (strcmp(creason, "ProgressDeadlineExceeded") == 0 ||
                          (last >= 0 && last + json_integer_value(pds) < (int64_t)time(NULL)));
        json_decref(wrap);
        if (!latched) {
            if (complete) {
                snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" has successfully progressed.", nn);
                set_condition(conds, "Progressing", "True", "NewReplicaSetAvailable", msg, false);
            } else if (progressing) {
                snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" is progressing.", nn);
                set_condition(conds, "Progressing", "True", "ReplicaSetUpdated", msg, true);
            } else if (timed_out) {
                snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" has timed out progressing.", nn);
                set_condition(conds, "Progressing", "False", "ProgressDeadlineExceeded", msg,
                              false);
            }
            if (!complete && !timed_out) {
                /* Look again when the deadline would pass without news. */
                uint64_t ms = (uint64_t)json_integer_value(pds) * 1000 + 500;
                if (last >= 0 && last + json_integer_value(pds) > (int64_t)time(NULL))
                    ms = (uint64_t)(last + json_integer_value(pds) - (int64_t)time(NULL)) * 1000 +
                         500;
                s->requeue_ms = ms;
            }
        }
    }
    if (json_array_size(conds) > 0)
        json_object_set_new(st, "conditions", conds);
    else
        json_decref(conds);
    if (json_equal(st, (json_t *)old)) {
        json_decref(st);
        return;
    }
    /* A merge patch: fields that fell to zero are removed explicitly. */
    const char *k;
    json_t *val;
    json_object_foreach((json_t *)old, k, val)
    {
        if (!json_object_get(st, k))
            json_object_set_new(st, k, json_null());
    }
    json_t *patch = json_pack("{s:o}", "status", st);
    cleanup_free char *body = json_dumps(patch, JSON_COMPACT);
    json_decref(patch);
    cleanup_free char *path =
        xasprintf("/apis/apps/v1/namespaces/%s/deployments/%s/status",
                  controllers__meta(d, "namespace"), controllers__meta(d, "name"));
    client_request(s->c->client, "PATCH", path, "application/merge-patch+json", body, strlen(body),
                   on_written, dreq_new(s, NULL));
}

/* ---- the steps ---- */

typedef struct {
    dsync_t *s;
    const char *uid;
    const char *ns;
    const json_t **out;
    size_t n, cap;
} collect_t;

/* Adopts an orphan ReplicaSet the selector takes (guarded by its resourceVersion). */
static void adopt_rs(dsync_t *s, const json_t *rs)
{
    json_t *refs =
        json_deep_copy(json_object_get(json_object_get(rs, "metadata"), "ownerReferences"));
    if (!json_is_array(refs)) {
        json_decref(refs);
        refs = json_array();
    }
    json_array_append_new(refs, controllers__owner_ref(s->d, "Deployment", "apps/v1"));
    json_t *patch = json_pack("{s:{s:o, s:s}}", "metadata", "ownerReferences", refs,
                              "resourceVersion", controllers__meta(rs, "resourceVersion") ?: "");
    cleanup_free char *body = json_dumps(patch, JSON_COMPACT);
    json_decref(patch);
    cleanup_free char *path =
        xasprintf("/apis/apps/v1/namespaces/%s/replicasets/%s", controllers__meta(rs, "namespace"),
                  controllers__meta(rs, "name"));
    log_info("controllers", "Deployment %s: adopting replica set %s", s->key,
             controllers__meta(rs, "name"));
    client_request(s->c->client, "PATCH", path, "application/merge-patch+json", body, strlen(body),
                   on_rs_written, dreq_new(s, controllers__meta(rs, "name")));
}

static bool collect_rs(json_t *rs, void *data)
{
    collect_t *cl = data;
    if (strcmp(controllers__meta(rs, "namespace") ?: "", cl->ns) != 0)
        return true;
    const json_t *ref = controllers__controller_ref(rs);
    if (!ref) {
        if (controllers__meta(cl->s->d, "deletionTimestamp") ||
            controllers__meta(rs, "deletionTimestamp") || !selects(cl->s->d, rs))
            return true;
        adopt_rs(cl->s, rs);
        /* counted as ours from now: the write is awaited before the next step */
    } else if (strcmp(json_string_value(json_object_get(ref, "uid")) ?: "", cl->uid) != 0) {
        return true;
    }
    if (cl->n == cl->cap) {
        cl->cap = cl->cap ? cl->cap * 2 : 8;
        cl->out = xrealloc(cl->out, cl->cap * sizeof(*cl->out));
    }
    cl->out[cl->n++] = rs;
    return true;
}

static int64_t created_of(const json_t *o)
{
    return ctrlcore_parse_time(controllers__meta(o, "creationTimestamp"));
}

static int by_age(const void *x, const void *y)
{
    const json_t *a = *(const json_t *const *)x, *b = *(const json_t *const *)y;
    int64_t ca = created_of(a), cb = created_of(b);
    if (ca != cb)
        return ca < cb ? -1 : 1;
    return strcmp(controllers__meta(a, "name") ?: "", controllers__meta(b, "name") ?: "");
}

typedef struct {
    const json_t **old;
    size_t n;
    const char *ns;
    bool found;
} oldpods_t;

static bool old_pod_visit(json_t *pod, void *data)
{
    oldpods_t *op = data;
    if (strcmp(controllers__meta(pod, "namespace") ?: "", op->ns) != 0)
        return true;
    const json_t *ref = controllers__controller_ref(pod);
    const char *uid = json_string_value(json_object_get(ref, "uid"));
    if (!uid)
        return true;
    const char *phase = json_string_value(json_object_get(json_object_get(pod, "status"), "phase"));
    if (phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed")))
        return true;
    for (size_t i = 0; i < op->n; i++) {
        if (strcmp(controllers__meta(op->old[i], "uid") ?: "", uid) == 0) {
            op->found = true;
            return false;
        }
    }
    return true;
}

/* Old ReplicaSets beyond revisionHistoryLimit, fully scaled down, go (oldest revision first). */
static void cleanup_history(dsync_t *s, const json_t **old, size_t n)
{
    int limit = spec_int(s->d, "revisionHistoryLimit", 10);
    const json_t *cand[MAX_STEP_RS];
    size_t nc = 0;
    for (size_t i = 0; i < n && nc < MAX_STEP_RS; i++) {
        if (spec_int(old[i], "replicas", 1) == 0 && status_int(old[i], "replicas") == 0 &&
            !controllers__meta(old[i], "deletionTimestamp"))
            cand[nc++] = old[i];
    }
    if ((int)nc <= limit)
        return;
    /* Sort by revision, oldest first (insertion sort: a handful). */
    for (size_t i = 1; i < nc; i++) {
        for (size_t j = i; j > 0 && revision_of(cand[j]) < revision_of(cand[j - 1]); j--) {
            const json_t *t = cand[j];
            cand[j] = cand[j - 1];
            cand[j - 1] = t;
        }
    }
    for (size_t i = 0; i < nc - (size_t)limit; i++) {
        cleanup_free char *path =
            xasprintf("/apis/apps/v1/namespaces/%s/replicasets/%s",
                      controllers__meta(cand[i], "namespace"), controllers__meta(cand[i], "name"));
        log_info("controllers", "Deployment %s: removing old replica set %s", s->key,
                 controllers__meta(cand[i], "name"));
        client_request(s->c->client, "DELETE", path, NULL, NULL, 0, on_written, dreq_new(s, NULL));
    }
}

static int ann_int(const json_t *o, const char *k)
{
    const char *v = json_string_value(
        json_object_get(json_object_get(json_object_get(o, "metadata"), "annotations"), k));
    return v ? atoi(v) : -1;
}

/* The deployment's size changed since its active ReplicaSets were last sized (upstream's
 * isScalingEvent, by their desired-replicas annotation). */
static bool scaling_event(const json_t **rs, size_t n, int replicas)
{
    for (size_t i = 0; i < n; i++) {
        int desired = ann_int(rs[i], ANN_DESIRED);
        if (spec_int(rs[i], "replicas", 1) > 0 && desired >= 0 && desired != replicas)
            return true;
    }
    return false;
}

/* Upstream's scale(): the one active ReplicaSet (or the newest when none is) takes the whole
 * size; with a saturated new one the old go to 0; otherwise, in a RollingUpdate, the change is
 * shared out proportionally (ctrlcore_proportional_scale). all[] is oldest first. */
static bool scale_step(dsync_t *s, const json_t *new_rs, const json_t **all, size_t n, int replicas,
                       int surge, bool rolling)
{
    const json_t *active[MAX_STEP_RS];
    size_t na = 0;
    for (size_t i = 0; i < n && na < MAX_STEP_RS; i++) {
        if (spec_int(all[i], "replicas", 1) > 0)
            active[na++] = all[i];
    }
    if (na <= 1) {
        const json_t *t = na ? active[0] : new_rs ? new_rs : n ? all[n - 1] : NULL;
        if (!t || spec_int(t, "replicas", 1) == replicas)
            return false;
        scale_rs(s, t, replicas, surge);
        return true;
    }
    bool acted = false;
    if (new_rs && spec_int(new_rs, "replicas", 1) == replicas &&
        ann_int(new_rs, ANN_DESIRED) == replicas &&
        status_int(new_rs, "availableReplicas") >= replicas) {
        for (size_t i = 0; i < na; i++) {
            if (active[i] != new_rs) {
                scale_rs(s, active[i], 0, surge);
                acted = true;
            }
        }
        return acted;
    }
    if (!rolling)
        return false;
    ctrlcore_rs_t sizes[MAX_STEP_RS];
    for (size_t i = 0; i < na; i++) {
        int mb = ann_int(active[i], ANN_MAX);
        sizes[i] = (ctrlcore_rs_t){.replicas = spec_int(active[i], "replicas", 1),
                                   .created = created_of(active[i]),
                                   .max_before = mb > 0 ? mb : 0};
    }
    ctrlcore_proportional_scale(replicas, surge, status_int(s->d, "replicas"), sizes, na);
    for (size_t i = 0; i < na; i++) {
        /* Written even when unchanged: the annotations record the new size. */
        scale_rs(s, active[i], sizes[i].replicas, surge);
        acted = true;
    }
    return acted;
}

static void process(workqueue_t *q, const char *key, void *data)
{
    dctrl_t *c = data;
    char ns[256], name[256];
    controllers__split_key(key, ns, sizeof(ns), name, sizeof(name));
    json_t *d = informer_get(c->deploys, ns, name);
    if (!d || !informer_synced(c->rss) || !informer_synced(c->pods) ||
        !informer_synced(c->deploys)) {
        workqueue_done(q, key);
        return;
    }
    if (writes_unseen(c, key)) {
        /* The ReplicaSet's event brings it back; the delay only covers a write never seen. */
        workqueue_add_after(q, key, 2000);
        workqueue_done(q, key);
        return;
    }
    dsync_t *s = xcalloc(1, sizeof(*s));
    s->c = c;
    s->key = xstrdup(key);
    s->d = json_deep_copy(d);
    s->pending = 1;
    d = s->d;
    const json_t *dspec = json_object_get(d, "spec");
    collect_t cl = {.s = s, .uid = controllers__meta(d, "uid") ?: "", .ns = ns};
    informer_foreach(c->rss, collect_rs, &cl);
    if (cl.n > 1)
        qsort(cl.out, cl.n, sizeof(*cl.out), by_age);
    const json_t *tmpl = json_object_get(dspec, "template");
    const json_t *new_rs = NULL;
    const json_t *old[MAX_STEP_RS];
    size_t nold = 0;
    long long max_old_rev = 0;
    for (size_t i = 0; i < cl.n; i++) {
        if (!new_rs && ctrlcore_template_equal_ignore_hash(
                           json_object_get(json_object_get(cl.out[i], "spec"), "template"), tmpl))
            new_rs = cl.out[i];
        else if (nold < MAX_STEP_RS)
            old[nold++] = cl.out[i];
    }
    for (size_t i = 0; i < nold; i++) {
        long long r = revision_of(old[i]);
        if (r > max_old_rev)
            max_old_rev = r;
    }
    int replicas = spec_int(d, "replicas", 1);
    const json_t *strategy = json_object_get(dspec, "strategy");
    bool recreate =
        strcmp(json_string_value(json_object_get(strategy, "type")) ?: "", "Recreate") == 0;
    int surge = 0, unavailable = 0;
    if (!recreate) {
        c8s_err_t err = C8S_ERR_INIT;
        if (ctrlcore_fenceposts(json_object_get(strategy, "rollingUpdate"), replicas, &surge,
                                &unavailable, &err) != 0) {
            log_warn("controllers", "Deployment %s: %s", key, err.msg);
            c8s_err_clear(&err);
            surge = 0;
            unavailable = 1;
        }
    }
    bool paused = json_is_true(json_object_get(dspec, "paused"));
    bool deleting = controllers__meta(d, "deletionTimestamp") != NULL;
    view_t v = {.rs = cl.out, .n = cl.n, .new_rs = new_rs, .unavailable = unavailable};
    char hash[16];
    ctrlcore_template_hash(
        tmpl,
        json_is_integer(json_object_get(json_object_get(d, "status"), "collisionCount"))
            ? json_integer_value(json_object_get(json_object_get(d, "status"), "collisionCount"))
            : -1,
        hash, sizeof(hash));
    cleanup_free char *new_name =
        new_rs ? xstrdup(controllers__meta(new_rs, "name")) : xasprintf("%s-%s", name, hash);
    v.new_name = new_name;
    bool acted = false;
    if (deleting) {
        /* Only the status while the deployment goes. */
    } else if (paused) {
        /* No rollout while paused; a scale still applies. */
        if (scaling_event(cl.out, cl.n, replicas) ||
            (new_rs && nold == 0 && spec_int(new_rs, "replicas", 1) != replicas))
            acted = scale_step(s, new_rs, cl.out, cl.n, replicas, surge, !recreate);
        cleanup_history(s, old, nold);
    } else if (scaling_event(cl.out, cl.n, replicas) &&
               (acted = scale_step(s, new_rs, cl.out, cl.n, replicas, surge, !recreate))) {
        /* Resized; the next sync goes on with the rollout. A resize with nothing to write
         * (Recreate with two active sets) falls through to the rollout instead. */
    } else if (!new_rs) {
        ctrlcore_rs_t cur[MAX_STEP_RS];
        for (size_t i = 0; i < nold; i++)
            cur[i] = (ctrlcore_rs_t){spec_int(old[i], "replicas", 1),
                                     status_int(old[i], "replicas"), 0, 0, 0};
        int size =
            recreate ? 0
                     : ctrlcore_rolling_new_size(replicas, surge, ctrlcore_pod_count(cur, nold), 0);
        create_rs(s, hash, max_old_rev + 1, size, surge);
        v.created = true;
        acted = true;
    } else {
        long long rev = revision_of(new_rs);
        if (rev <= max_old_rev || rev == 0) {
            /* Back to an older template (rollout undo): it becomes the newest revision. */
            rev = max_old_rev + 1;
            patch_revision(s, "/apis/apps/v1", "replicasets", new_rs, rev, on_rs_written);
            acted = true;
        }
        if (revision_of(d) != rev)
            patch_revision(s, "/apis/apps/v1", "deployments", d, rev, on_written);
        if (!acted && recreate) {
            for (size_t i = 0; i < nold; i++) {
                if (spec_int(old[i], "replicas", 1) != 0) {
                    scale_rs(s, old[i], 0, 0);
                    acted = true;
                }
            }
            oldpods_t op = {old, nold, ns, false};
            if (!acted)
                informer_foreach(c->pods, old_pod_visit, &op);
            if (!acted && !op.found && spec_int(new_rs, "replicas", 1) != replicas) {
                scale_rs(s, new_rs, replicas, 0);
                acted = true;
            }
            acted = acted || op.found;
        } else if (!acted) {
            ctrlcore_rs_t cur[MAX_STEP_RS + 1];
            for (size_t i = 0; i < nold; i++)
                cur[i] =
                    (ctrlcore_rs_t){spec_int(old[i], "replicas", 1), status_int(old[i], "replicas"),
                                    status_int(old[i], "availableReplicas"), created_of(old[i]), 0};
            ctrlcore_rs_t nrs = {spec_int(new_rs, "replicas", 1), status_int(new_rs, "replicas"),
                                 status_int(new_rs, "availableReplicas"), created_of(new_rs), 0};
            cur[nold] = nrs;
            int size = ctrlcore_rolling_new_size(replicas, surge, ctrlcore_pod_count(cur, nold + 1),
                                                 nrs.replicas);
            if (size != nrs.replicas) {
                scale_rs(s, new_rs, size, surge);
                acted = true;
            } else {
                ctrlcore_rolling_scale_old(replicas, unavailable, &nrs, cur, nold);
                for (size_t i = 0; i < nold; i++) {
                    if (cur[i].replicas != spec_int(old[i], "replicas", 1)) {
                        scale_rs(s, old[i], cur[i].replicas, surge);
                        acted = true;
                    }
                }
            }
        }
        if (!acted)
            cleanup_history(s, old, nold);
    }
    write_status(s, &v);
    free(cl.out);
    dsync_release(s);
}

/* ---- start and stop ---- */

static ctrl_t *start(controllers_t *cm)
{
    dctrl_t *c = xcalloc(1, sizeof(*c));
    c->client = controllers__client(cm);
    c->queue = workqueue_new(client_loop(c->client), 5, process, c);
    c->deploys = controllers__informer(cm, "/apis/apps/v1/deployments");
    c->rss = controllers__informer(cm, "/apis/apps/v1/replicasets");
    c->pods = controllers__informer(cm, "/api/v1/pods");
    informer_handlers_t dh = {
        .on_add = d_added, .on_update = d_updated, .on_delete = d_deleted, .on_synced = on_synced};
    informer_handlers_t rh = {.on_add = rs_changed,
                              .on_update = rs_updated,
                              .on_delete = rs_changed,
                              .on_synced = on_synced};
    informer_handlers_t ph = {.on_delete = pod_deleted, .on_synced = on_synced};
    c->d_reg = informer_add_handlers(c->deploys, &dh, c);
    c->rs_reg = informer_add_handlers(c->rss, &rh, c);
    c->pod_reg = informer_add_handlers(c->pods, &ph, c);
    return (ctrl_t *)c;
}

static void on_queue_closed(void *data)
{
    dctrl_t *c = data;
    void (*done)(void *) = c->done;
    void *d = c->done_data;
    while (c->nw > 0)
        written_drop(c, 0);
    free(c->w);
    free(c);
    done(d);
}

static void stop(ctrl_t *ctrl, void (*done)(void *data), void *data)
{
    dctrl_t *c = (dctrl_t *)ctrl;
    c->done = done;
    c->done_data = data;
    informer_remove_handlers(c->deploys, c->d_reg);
    informer_remove_handlers(c->rss, c->rs_reg);
    informer_remove_handlers(c->pods, c->pod_reg);
    workqueue_close(c->queue, on_queue_closed, c);
}

const ctrl_ops_t controllers__deployment = {"deployment", start, stop};
