/*
 * job.c — Job (batch/v1): runs pods from the template until `completions` have succeeded
 * (NonIndexed, or Indexed with one pod per index 0..completions-1), at most `parallelism` at a
 * time; recreates failed pods after an exponential back-off (base 10 s, doubling, capped at
 * 6 min; the base can be lowered for tests with C8S_JOB_BACKOFF_BASE_MS, read once) until
 * backoffLimit failures; fails on activeDeadlineSeconds; suspend removes the running pods
 * (Suspended condition; resuming restarts startTime); ttlSecondsAfterFinished deletes the
 * finished Job (the garbage collector takes its pods). podFailurePolicy, backoffLimitPerIndex /
 * maxFailedIndexes (per-index retries, failedIndexes), successPolicy (SuccessCriteriaMet, then
 * Complete once the rest is gone) and podReplacementPolicy follow upstream's batch/v1.
 *
 * Counting uses upstream's job-tracking finalizer: every pod is created with
 * batch.kubernetes.io/job-tracking, so it cannot vanish before it is counted. A finished pod's
 * UID goes first into status.uncountedTerminatedPods; once that write is seen, the finalizer is
 * removed; once the pod is seen without it (or gone), the UID moves into the succeeded/failed
 * counters. A pod deleted before it finished counts as failed, unless the Job itself removed it
 * (finished or suspended). Counts therefore survive pods being deleted.
 */
#include "internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define INDEX_KEY         "batch.kubernetes.io/job-completion-index"
#define TRACKING_FINAL    "batch.kubernetes.io/job-tracking"
#define FAIL_COUNT_KEY    "batch.kubernetes.io/job-index-failure-count"
#define IGNORED_COUNT_KEY "batch.kubernetes.io/job-index-ignored-failure-count"

typedef struct {
    client_t *client;
    informer_t *jobs, *pods;
    informer_reg_t *job_reg, *pod_reg;
    workqueue_t *queue;
    json_t *expect;  /* job uid → pods created and not yet seen by the informer */
    json_t *removed; /* pod uid → true: pods this controller deleted (not failures) */
    /* Creates and status writes whose answers still come back here: the controller is freed
     * only once they have, and its queue is gone once closed (stop). */
    size_t inflight;
    bool closed;
    void (*done)(void *data);
    void *done_data;
} jobctrl_t;

static void maybe_free(jobctrl_t *jc);

static int64_t backoff_base_ms(void)
{
    static int64_t base = -1;
    if (base < 0) {
        const char *e = getenv("C8S_JOB_BACKOFF_BASE_MS");
        long long v = e ? atoll(e) : 0;
        base = v > 0 ? v : 10000;
    }
    return base;
}

static const char *owner_uid(const json_t *obj, const char *kind)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(json_object_get(obj, "metadata"), "ownerReferences"), i, r)
    {
        const char *k = json_string_value(json_object_get(r, "kind"));
        if (k && strcmp(k, kind) == 0 && json_is_true(json_object_get(r, "controller")))
            return json_string_value(json_object_get(r, "uid"));
    }
    return NULL;
}

static const char *pod_phase(const json_t *pod)
{
    const char *p = json_string_value(json_object_get(json_object_get(pod, "status"), "phase"));
    return p ? p : "Pending";
}

static bool pod_ready(const json_t *pod)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(pod, "status"), "conditions"), i, c)
    {
        const char *t = json_string_value(json_object_get(c, "type"));
        const char *s = json_string_value(json_object_get(c, "status"));
        if (t && s && strcmp(t, "Ready") == 0)
            return strcmp(s, "True") == 0;
    }
    return false;
}

/* When a failed pod finished: the latest container finishedAt, else its creation. */
static int64_t pod_finished_at(const json_t *pod)
{
    int64_t latest = -1;
    size_t i;
    json_t *cs;
    json_array_foreach(json_object_get(json_object_get(pod, "status"), "containerStatuses"), i, cs)
    {
        int64_t t = c8s_rfc3339_parse(json_string_value(json_object_get(
            json_object_get(json_object_get(cs, "state"), "terminated"), "finishedAt")));
        if (t > latest)
            latest = t;
    }
    return latest >= 0 ? latest : c8s_rfc3339_parse(controllers__meta(pod, "creationTimestamp"));
}

static long pod_index(const json_t *pod)
{
    const char *s = json_string_value(json_object_get(
        json_object_get(json_object_get(pod, "metadata"), "annotations"), INDEX_KEY));
    if (!s || !*s)
        return -1;
    char *end;
    long v = strtol(s, &end, 10);
    return *end || v < 0 ? -1 : v;
}

/* A per-index failure count annotation; 0 when missing or not a count (a user may edit it). */
static int64_t ann_count(const json_t *pod, const char *key)
{
    const char *s = json_string_value(
        json_object_get(json_object_get(json_object_get(pod, "metadata"), "annotations"), key));
    if (!s || !*s)
        return 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    return *end || v < 0 || v > INT32_MAX ? 0 : (int64_t)v;
}

/* The index of the tracking finalizer in the pod's finalizers, or -1. */
static long tracking_index(const json_t *pod)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(json_object_get(pod, "metadata"), "finalizers"), i, f)
    {
        if (json_is_string(f) && strcmp(json_string_value(f), TRACKING_FINAL) == 0)
            return (long)i;
    }
    return -1;
}

static bool in_list(const json_t *list, const char *uid)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), uid) == 0)
            return true;
    }
    return false;
}

static void on_unfinalized(const client_resp_t *resp, void *data)
{
    char *what = data;
    /* 404: gone; 409/422: the finalizer moved or went meanwhile (the test op failed). */
    if (resp->status >= 300 && resp->status != 404 && resp->status != 409 && resp->status != 422)
        log_warn("controllers", "job: %s: %d %s", what, resp->status, resp->body ? resp->body : "");
    free(what);
}

/* Removes the tracking finalizer, testing that it is still where it was seen, so a concurrent
 * change of the list cannot make this remove someone else's. */
static void remove_tracking(jobctrl_t *jc, const json_t *pod)
{
    long ix = tracking_index(pod);
    const char *ns = controllers__meta(pod, "namespace"), *name = controllers__meta(pod, "name");
    if (ix < 0 || !ns || !name)
        return;
    cleanup_free char *body =
        xasprintf("[{\"op\":\"test\",\"path\":\"/metadata/finalizers/%ld\",\"value\":\"%s\"},"
                  "{\"op\":\"remove\",\"path\":\"/metadata/finalizers/%ld\"}]",
                  ix, TRACKING_FINAL, ix);
    cleanup_free char *path = xasprintf("/api/v1/namespaces/%s/pods/%s", ns, name);
    client_request(jc->client, "PATCH", path, "application/json-patch+json", body, strlen(body),
                   on_unfinalized, xasprintf("removing the tracking finalizer of %s/%s", ns, name));
}

typedef struct {
    const char *ns, *uid;
    json_t *pods;
} collect_t;

static bool collect(json_t *pod, void *data)
{
    collect_t *c = data;
    const char *ns = controllers__meta(pod, "namespace");
    const char *u = owner_uid(pod, "Job");
    if (ns && u && strcmp(ns, c->ns) == 0 && strcmp(u, c->uid) == 0)
        json_array_append(c->pods, pod);
    return true;
}

static void on_written(const client_resp_t *resp, void *data)
{
    char *what = data;
    if (resp->status >= 300 && resp->status != 404 && resp->status != 409)
        log_warn("controllers", "job: %s: %d %s", what, resp->status, resp->body ? resp->body : "");
    free(what);
}

typedef struct {
    jobctrl_t *jc;
    char *key;
} status_write_t;

static void on_status_written(const client_resp_t *resp, void *data)
{
    status_write_t *sw = data;
    jobctrl_t *jc = sw->jc;
    jc->inflight--;
    if (resp->status == 409) {
        if (!jc->closed) /* once stopped there is no queue to retry on */
            workqueue_add_after(jc->queue, sw->key, 100);
    } else if (resp->status >= 300 && resp->status != 404)
        log_warn("controllers", "job: writing the status of %s: %d %s", sw->key, resp->status,
                 resp->body ? resp->body : "");
    free(sw->key);
    free(sw);
    maybe_free(jc);
}

static void delete_pod(jobctrl_t *jc, const char *ns, const char *name)
{
    cleanup_free char *path = xasprintf("/api/v1/namespaces/%s/pods/%s", ns, name);
    client_request(jc->client, "DELETE", path, NULL, NULL, 0, on_written,
                   xasprintf("deleting pod %s/%s", ns, name));
}

typedef struct {
    jobctrl_t *jc;
    char *uid;
    json_t *job; /* {"metadata": namespace, name, uid}: the events' object */
} create_t;

static void job_event(jobctrl_t *jc, const json_t *job, const char *type, const char *reason,
                      const char *msg)
{
    controllers__event(jc->client, job, "Job", "batch/v1", "job-controller", type, reason, "%s",
                       msg);
}

static void expect_add(jobctrl_t *jc, const char *uid, json_int_t d)
{
    json_int_t v = json_integer_value(json_object_get(jc->expect, uid)) + d;
    if (v > 0)
        json_object_set_new(jc->expect, uid, json_integer(v));
    else
        json_object_del(jc->expect, uid);
}

static void on_pod_created(const client_resp_t *resp, void *data)
{
    create_t *cr = data;
    jobctrl_t *jc = cr->jc;
    jc->inflight--;
    cleanup_json json_t *body = resp->body ? json_loads(resp->body, 0, NULL) : NULL;
    if (resp->status != 201) {
        log_warn("controllers", "job: creating a pod: %d %s", resp->status,
                 resp->body ? resp->body : "");
        expect_add(jc, cr->uid, -1);
        cleanup_free char *msg = xasprintf(
            "Error creating: %s", json_string_value(json_object_get(body, "message")) ?: "");
        if (resp->status > 0)
            job_event(jc, cr->job, "Warning", "FailedCreate", msg);
    } else {
        cleanup_free char *msg =
            xasprintf("Created pod: %s", controllers__meta(body, "name") ?: "?");
        job_event(jc, cr->job, "Normal", "SuccessfulCreate", msg);
    }
    json_decref(cr->job);
    free(cr->uid);
    free(cr);
    maybe_free(jc);
}

/* A pod from the Job's template: its labels, the Job's, an owner reference and (Indexed) the
 * completion index as annotation, label and JOB_COMPLETION_INDEX; with backoffLimitPerIndex
 * (fail_count >= 0) the index's failures so far as upstream's annotations. */
static void create_pod(jobctrl_t *jc, const json_t *job, long index, int64_t fail_count,
                       int64_t ignored_count)
{
    const char *ns = controllers__meta(job, "namespace"), *name = controllers__meta(job, "name");
    const char *uid = controllers__meta(job, "uid");
    json_t *tmpl = json_object_get(json_object_get(job, "spec"), "template");
    json_t *tmeta = json_object_get(tmpl, "metadata");
    json_t *labels = json_object_get(tmeta, "labels");
    labels = json_is_object(labels) ? json_deep_copy(labels) : json_object();
    json_object_set_new(labels, "batch.kubernetes.io/controller-uid", json_string(uid));
    json_object_set_new(labels, "batch.kubernetes.io/job-name", json_string(name));
    json_object_set_new(labels, "controller-uid", json_string(uid));
    json_object_set_new(labels, "job-name", json_string(name));
    json_t *ann = json_object_get(tmeta, "annotations");
    ann = json_is_object(ann) ? json_deep_copy(ann) : json_object();
    json_t *spec = json_deep_copy(json_object_get(tmpl, "spec"));
    if (!spec)
        spec = json_object();
    char gen[300];
    if (index >= 0) {
        char idx[32];
        snprintf(idx, sizeof(idx), "%ld", index);
        json_object_set_new(labels, INDEX_KEY, json_string(idx));
        json_object_set_new(ann, INDEX_KEY, json_string(idx));
        if (fail_count >= 0) {
            snprintf(idx, sizeof(idx), "%lld", (long long)fail_count);
            json_object_set_new(ann, FAIL_COUNT_KEY, json_string(idx));
            if (ignored_count > 0) {
                snprintf(idx, sizeof(idx), "%lld", (long long)ignored_count);
                json_object_set_new(ann, IGNORED_COUNT_KEY, json_string(idx));
            }
        }
        const char *lists[] = {"containers", "initContainers"};
        for (size_t l = 0; l < 2; l++) {
            size_t i;
            json_t *c;
            json_array_foreach(json_object_get(spec, lists[l]), i, c)
            {
                json_t *env = json_object_get(c, "env");
                if (!json_is_array(env)) {
                    env = json_array();
                    json_object_set_new(c, "env", env);
                }
                json_array_append_new(env,
                                      json_pack("{s:s, s:{s:{s:s}}}", "name",
                                                "JOB_COMPLETION_INDEX", "valueFrom", "fieldRef",
                                                "fieldPath", "metadata.labels['" INDEX_KEY "']"));
            }
        }
        snprintf(gen, sizeof(gen), "%s-%ld-", name, index);
    } else {
        snprintf(gen, sizeof(gen), "%s-", name);
    }
    json_t *pod =
        json_pack("{s:s, s:s, s:{s:s, s:s, s:o, s:o, s:[s], s:[{s:s, s:s, s:s, s:s, s:b, "
                  "s:b}]}, s:o}",
                  "apiVersion", "v1", "kind", "Pod", "metadata", "generateName", gen, "namespace",
                  ns, "labels", labels, "annotations", ann, "finalizers", TRACKING_FINAL,
                  "ownerReferences", "apiVersion", "batch/v1", "kind", "Job", "name", name, "uid",
                  uid, "controller", 1, "blockOwnerDeletion", 1, "spec", spec);
    cleanup_free char *body = json_dumps(pod, JSON_COMPACT);
    json_decref(pod);
    cleanup_free char *path = xasprintf("/api/v1/namespaces/%s/pods", ns);
    create_t *cr = xcalloc(1, sizeof(*cr));
    cr->jc = jc;
    cr->uid = xstrdup(uid);
    cr->job =
        json_pack("{s:{s:s, s:s, s:s}}", "metadata", "namespace", ns, "name", name, "uid", uid);
    expect_add(jc, uid, 1);
    jc->inflight++;
    client_request(jc->client, "POST", path, "application/json", body, strlen(body), on_pod_created,
                   cr);
}

static json_t *condition(const char *type, const char *reason, const char *msg, const char *now)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", type, "status", "True", "reason",
                     reason, "message", msg, "lastProbeTime", now, "lastTransitionTime", now);
}

/* The condition of type t with status True in conds, or NULL. Borrowed. */
static json_t *condition_true(const json_t *conds, const char *t)
{
    size_t i;
    json_t *c;
    json_array_foreach(conds, i, c)
    {
        const char *ct = json_string_value(json_object_get(c, "type"));
        const char *cs = json_string_value(json_object_get(c, "status"));
        if (ct && cs && strcmp(ct, t) == 0 && strcmp(cs, "True") == 0)
            return c;
    }
    return NULL;
}

static bool str_is(const json_t *o, const char *k, const char *want)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v && strcmp(v, want) == 0;
}

/* Upstream's ensureJobConditionStatus: sets condition `type` in conds to status/reason/message
 * when it differs; a missing one is added only when True (a False one would say nothing). */
static void ensure_condition(json_t *conds, const char *type, const char *st, const char *reason,
                             const char *msg, const char *now)
{
    size_t i;
    json_t *c;
    json_array_foreach(conds, i, c)
    {
        if (!str_is(c, "type", type))
            continue;
        if (!str_is(c, "status", st) || !str_is(c, "reason", reason) || !str_is(c, "message", msg))
            json_array_set_new(conds, i,
                               json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", type, "status",
                                         st, "reason", reason, "message", msg, "lastProbeTime", now,
                                         "lastTransitionTime", now));
        return;
    }
    if (strcmp(st, "True") == 0)
        json_array_append_new(conds, condition(type, reason, msg, now));
}

/* Deletes the Job's running pods (only those whose index is marked in only_idx[0..nidx) when
 * given), remembering them as removed by the Job, not failed. Returns how many; *ready_out
 * (optional) how many of them were ready. */
static json_int_t remove_active(jobctrl_t *jc, const json_t *pods, const char *ns, long nidx,
                                const bool *only_idx, json_int_t *ready_out)
{
    json_int_t n = 0, r = 0;
    size_t i;
    json_t *pod;
    json_array_foreach(pods, i, pod)
    {
        const char *phase = pod_phase(pod);
        if (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed") ||
            controllers__meta(pod, "deletionTimestamp"))
            continue;
        if (only_idx) {
            long ix = pod_index(pod);
            if (ix < 0 || ix >= nidx || !only_idx[ix])
                continue;
        }
        const char *puid = controllers__meta(pod, "uid");
        if (puid)
            json_object_set_new(jc->removed, puid, json_true());
        delete_pod(jc, ns, controllers__meta(pod, "name"));
        n++;
        r += pod_ready(pod);
    }
    if (ready_out)
        *ready_out = r;
    return n;
}

static bool finished_at(const json_t *job, int64_t *when)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(job, "status"), "conditions"), i, c)
    {
        const char *t = json_string_value(json_object_get(c, "type"));
        const char *s = json_string_value(json_object_get(c, "status"));
        if (t && s && strcmp(s, "True") == 0 &&
            (strcmp(t, "Complete") == 0 || strcmp(t, "Failed") == 0)) {
            *when = c8s_rfc3339_parse(json_string_value(json_object_get(c, "lastTransitionTime")));
            return true;
        }
    }
    return false;
}

static json_int_t int_field(const json_t *o, const char *k, json_int_t dflt)
{
    json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? json_integer_value(v) : dflt;
}

static void process(workqueue_t *q, const char *key, void *data)
{
    jobctrl_t *jc = data;
    char ns[256];
    const char *slash = strchr(key, '/');
    if (!slash || (size_t)(slash - key) >= sizeof(ns)) {
        workqueue_done(q, key);
        return;
    }
    snprintf(ns, sizeof(ns), "%.*s", (int)(slash - key), key);
    const char *name = slash + 1;
    json_t *job = informer_get(jc->jobs, ns, name);
    const char *uid = controllers__meta(job, "uid");
    if (!job || !uid || controllers__meta(job, "deletionTimestamp") || !informer_synced(jc->pods)) {
        workqueue_done(q, key);
        return;
    }
    /* Another controller owns this Job's pods and status (upstream's managedBy). */
    const char *managed_by =
        json_string_value(json_object_get(json_object_get(job, "spec"), "managedBy"));
    if (managed_by && strcmp(managed_by, "kubernetes.io/job-controller") != 0) {
        workqueue_done(q, key);
        return;
    }
    int64_t now_ms = controllers__now_ms(), now = now_ms / 1000;
    char nowbuf[32];
    c8s_rfc3339_format(now, nowbuf, sizeof(nowbuf));
    json_t *spec = json_object_get(job, "spec"), *cur = json_object_get(job, "status");

    int64_t fin;
    if (finished_at(job, &fin)) {
        /* Counting is over: no pod of a finished Job keeps the finalizer. */
        collect_t done = {ns, uid, json_array()};
        informer_foreach(jc->pods, collect, &done);
        size_t di;
        json_t *dp;
        json_array_foreach(done.pods, di, dp)
        {
            if (tracking_index(dp) >= 0)
                remove_tracking(jc, dp);
        }
        json_decref(done.pods);
        json_t *ttl = json_object_get(spec, "ttlSecondsAfterFinished");
        if (json_is_integer(ttl) && fin >= 0) {
            int64_t at = fin + json_integer_value(ttl);
            if (now >= at) {
                cleanup_free char *path =
                    xasprintf("/apis/batch/v1/namespaces/%s/jobs/%s", ns, name);
                static const char body[] = "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\","
                                           "\"propagationPolicy\":\"Background\"}";
                client_request(jc->client, "DELETE", path, "application/json", body,
                               sizeof(body) - 1, on_written, xasprintf("deleting job %s", key));
            } else {
                workqueue_add_after(q, key, (uint64_t)((at - now) * 1000));
            }
        }
        workqueue_done(q, key);
        return;
    }
    if (json_integer_value(json_object_get(jc->expect, uid)) > 0) {
        workqueue_add_after(q, key, 200); /* wait to see the pods it made */
        workqueue_done(q, key);
        return;
    }

    bool indexed =
        json_is_string(json_object_get(spec, "completionMode")) &&
        strcmp(json_string_value(json_object_get(spec, "completionMode")), "Indexed") == 0;
    json_t *jcompl = json_object_get(spec, "completions");
    json_int_t parallelism = int_field(spec, "parallelism", 1);
    json_int_t completions = json_is_integer(jcompl) ? json_integer_value(jcompl) : -1;
    if (completions < 0 && !json_is_integer(json_object_get(spec, "parallelism")))
        completions = 1;
    json_int_t backoff_limit = int_field(spec, "backoffLimit", 6);
    bool suspend = json_is_true(json_object_get(spec, "suspend"));
    /* Per-index limits only mean something for Indexed Jobs (validation insists). */
    json_int_t bli = indexed ? int_field(spec, "backoffLimitPerIndex", -1) : -1;
    json_int_t max_failed_idx = int_field(spec, "maxFailedIndexes", -1);

    json_t *pfp = json_object_get(spec, "podFailurePolicy");
    if (!json_is_object(pfp))
        pfp = NULL;
    /* Upstream's onlyReplaceFailedPods: a terminating pod is neither replaced nor judged until it
     * is terminal (podReplacementPolicy Failed, implied by a podFailurePolicy). */
    const char *prp = json_string_value(json_object_get(spec, "podReplacementPolicy"));
    bool only_failed = pfp || (prp && strcmp(prp, "Failed") == 0);
    char *pfp_msg = NULL; /* owned: why a FailJob rule fails the Job */
    collect_t col = {ns, uid, json_array()};
    informer_foreach(jc->pods, collect, &col);
    json_int_t active = 0, ready = 0, terminating = 0;
    int64_t last_fail = -1;
    long nidx = indexed && completions > 0 ? (long)completions : 0;
    size_t nb = (size_t)nidx + 1;
    bool *idx_done = xcalloc(nb, 1), *idx_busy = xcalloc(nb, 1), *idx_failed = xcalloc(nb, 1);
    /* Per index (backoffLimitPerIndex): the failure counts the next pod carries, and when its
     * last counted failure finished. Only then: validation caps such Jobs at 100000 indexes. */
    size_t nbi = bli >= 0 ? nb : 1;
    int64_t *idx_fc = xcalloc(nbi, sizeof(int64_t)), *idx_ic = xcalloc(nbi, sizeof(int64_t));
    int64_t *idx_last_fail = xcalloc(nbi, sizeof(int64_t));
    for (size_t x = 0; x < nbi; x++)
        idx_last_fail[x] = -1;
    if (indexed)
        controllers__job_index_parse(json_string_value(json_object_get(cur, "completedIndexes")),
                                     idx_done, nidx);
    if (bli >= 0)
        controllers__job_index_parse(json_string_value(json_object_get(cur, "failedIndexes")),
                                     idx_failed, nidx);
    /* Finished pods recorded in the stored status, and this sync's view of them. */
    json_t *unc = json_object_get(cur, "uncountedTerminatedPods");
    json_t *stored_us = json_object_get(unc, "succeeded"),
           *stored_uf = json_object_get(unc, "failed");
    json_t *us = json_is_array(stored_us) ? json_deep_copy(stored_us) : json_array();
    json_t *uf = json_is_array(stored_uf) ? json_deep_copy(stored_uf) : json_array();
    json_int_t counted_s = int_field(cur, "succeeded", 0), counted_f = int_field(cur, "failed", 0);
    size_t i;
    json_t *pod;
    json_array_foreach(col.pods, i, pod)
    {
        const char *phase = pod_phase(pod);
        const char *puid = controllers__meta(pod, "uid");
        bool succ = strcmp(phase, "Succeeded") == 0, fail = strcmp(phase, "Failed") == 0;
        bool deleting = controllers__meta(pod, "deletionTimestamp") != NULL;
        bool ours = puid && json_object_get(jc->removed, puid);
        long ix = pod_index(pod);
        if (ix >= nidx)
            ix = -1;
        if (succ && ix >= 0)
            idx_done[ix] = true;
        job_pfp_action_t act = JOB_PFP_NONE;
        if (fail && pfp) {
            char *why = NULL;
            act = controllers__job_pfp_match(pfp, pod, &why);
            if (act == JOB_PFP_FAIL_JOB && !pfp_msg)
                pfp_msg = why;
            else
                free(why);
        }
        if (fail && act != JOB_PFP_IGNORE) {
            int64_t t = pod_finished_at(pod);
            if (t > last_fail)
                last_fail = t;
        }
        /* Upstream's isPodFailed, less the pods this controller removed itself. */
        bool failed_pod = fail || (deleting && !succ && !only_failed && !ours);
        if (bli >= 0 && ix >= 0 && failed_pod) {
            int64_t fc = ann_count(pod, FAIL_COUNT_KEY), ic = ann_count(pod, IGNORED_COUNT_KEY);
            bool counted = act != JOB_PFP_IGNORE;
            if (tracking_index(pod) >= 0 && controllers__job_index_failed(act, fc, bli))
                idx_failed[ix] = true;
            if (counted) {
                fc++;
                int64_t t = pod_finished_at(pod);
                if (t > idx_last_fail[ix])
                    idx_last_fail[ix] = t;
            } else {
                ic++;
            }
            /* The replacement carries on from the index's latest attempt. */
            if (fc + ic > idx_fc[ix] + idx_ic[ix]) {
                idx_fc[ix] = fc;
                idx_ic[ix] = ic;
            }
        }
        if (!succ && !fail && !deleting) {
            active++;
            if (pod_ready(pod))
                ready++;
            if (ix >= 0)
                idx_busy[ix] = true;
        }
        if (!succ && !fail && deleting) {
            terminating++;
            if (only_failed && ix >= 0)
                idx_busy[ix] = true;
        }
        if (!puid || tracking_index(pod) < 0)
            continue; /* counted already */
        if (in_list(stored_us, puid) || in_list(stored_uf, puid)) {
            remove_tracking(jc, pod); /* its count is on record: let it go */
            continue;
        }
        if (in_list(us, puid) || in_list(uf, puid))
            continue;
        /* An ignored failure is not counted, nor is a pod this controller removed; otherwise a
         * terminating pod waits until terminal where only failed pods are replaced. */
        if (act == JOB_PFP_IGNORE || (deleting && !succ && !fail && ours))
            remove_tracking(jc, pod);
        else if (only_failed && deleting && !succ && !fail)
            continue;
        else if (succ)
            json_array_append_new(us, json_string(puid));
        else if (fail || deleting)
            json_array_append_new(uf, json_string(puid));
    }
    /* Recorded pods now seen without the finalizer, or gone, move into the counters. */
    json_t *lists[2] = {us, uf};
    json_int_t *counters[2] = {&counted_s, &counted_f};
    for (size_t l = 0; l < 2; l++) {
        for (size_t k = json_array_size(lists[l]); k-- > 0;) {
            const char *u = json_string_value(json_array_get(lists[l], k));
            json_t *seen = NULL;
            json_array_foreach(col.pods, i, pod)
            {
                const char *puid = controllers__meta(pod, "uid");
                if (puid && u && strcmp(puid, u) == 0)
                    seen = pod;
            }
            if (!seen || tracking_index(seen) < 0) {
                (*counters[l])++;
                json_array_remove(lists[l], k);
            }
        }
    }
    json_int_t succeeded = counted_s + (json_int_t)json_array_size(us);
    json_int_t failed = counted_f + (json_int_t)json_array_size(uf);
    json_int_t failed_idx = 0;
    if (indexed) {
        succeeded = 0;
        for (long x = 0; x < nidx; x++) {
            succeeded += idx_done[x];
            failed_idx += idx_failed[x] && !idx_done[x];
        }
    }

    json_t *status = json_object();
    json_t *conds = json_object_get(cur, "conditions");
    conds = json_is_array(conds) ? json_deep_copy(conds) : json_array();
    /* A resumed Job counts activeDeadlineSeconds afresh (upstream resets startTime). */
    bool resuming = !suspend && condition_true(conds, "Suspended") != NULL;
    const char *start = json_string_value(json_object_get(cur, "startTime"));
    if ((!start && !suspend) || resuming)
        start = nowbuf;
    if (start)
        json_object_set_new(status, "startTime", json_string(start));

    /* The verdict, in upstream's order: a success or failure already declared stands; then the
     * failures; then the success policy; then completions. */
    const char *fail_reason = NULL, *fail_msg = NULL;
    const char *met_reason = NULL, *met_msg = NULL;
    char *sp_msg = NULL; /* owned: the success policy's message */
    bool met_new = false;
    json_t *ads = json_object_get(spec, "activeDeadlineSeconds");
    json_t *met_c = condition_true(conds, "SuccessCriteriaMet");
    json_t *ft_c = met_c ? NULL : condition_true(conds, "FailureTarget");
    if (met_c) {
        met_reason = json_string_value(json_object_get(met_c, "reason"));
        met_msg = json_string_value(json_object_get(met_c, "message"));
        if (!met_reason)
            met_reason = "SuccessPolicy";
        if (!met_msg)
            met_msg = "";
    } else if (ft_c) {
        fail_reason = json_string_value(json_object_get(ft_c, "reason"));
        fail_msg = json_string_value(json_object_get(ft_c, "message"));
        if (!fail_reason)
            fail_reason = "BackoffLimitExceeded";
        if (!fail_msg)
            fail_msg = "";
    } else if (pfp_msg) {
        fail_reason = "PodFailurePolicy";
        fail_msg = pfp_msg;
    } else if (failed > backoff_limit) {
        fail_reason = "BackoffLimitExceeded";
        fail_msg = "Job has reached the specified backoff limit";
    } else if (json_is_integer(ads) && start && !suspend &&
               now >= c8s_rfc3339_parse(start) + json_integer_value(ads)) {
        fail_reason = "DeadlineExceeded";
        fail_msg = "Job was active longer than specified deadline";
    } else if (bli >= 0 && max_failed_idx >= 0 && failed_idx > max_failed_idx) {
        fail_reason = "MaxFailedIndexesExceeded";
        fail_msg = "Job has exceeded the specified maximal number of failed indexes";
    } else if (bli >= 0 && failed_idx > 0 && failed_idx + succeeded >= completions) {
        fail_reason = "FailedIndexes";
        fail_msg = "Job has failed indexes";
    } else if (indexed && controllers__job_success_match(json_object_get(spec, "successPolicy"),
                                                         idx_done, nidx, &sp_msg)) {
        met_reason = "SuccessPolicy";
        met_msg = sp_msg;
        met_new = true;
    }
    /* A verdict by policy, limit or deadline is final (Complete / Failed) once no pod runs or
     * terminates any more (upstream's delayed terminal condition). */
    bool none_left = active == 0 && terminating == 0;
    bool complete = false, failed_final = false;
    if (met_reason)
        complete = none_left;
    else if (fail_reason)
        failed_final = none_left;
    else {
        if (completions >= 0)
            complete = succeeded >= completions;
        else
            complete = succeeded > 0 && active == 0; /* work queue: one success, others done */
    }
    bool finishing = failed_final || complete;

    if (finishing || suspend || met_reason || fail_reason) {
        /* Nothing more runs. */
        json_int_t deleted = remove_active(jc, col.pods, ns, 0, NULL, NULL);
        if (!finishing)
            terminating += deleted;
        active = ready = 0;
    }
    /* Upstream's events for a Job that finishes, is suspended or resumes. */
    if (failed_final)
        job_event(jc, job, "Warning", fail_reason, fail_msg);
    else if (complete)
        job_event(jc, job, "Normal", "Completed", "Job completed");
    else if (suspend && !condition_true(conds, "Suspended"))
        job_event(jc, job, "Normal", "Suspended", "Job suspended");
    else if (resuming)
        job_event(jc, job, "Normal", "Resumed", "Job resumed");
    if (fail_reason) {
        if (!ft_c)
            json_array_append_new(conds, condition("FailureTarget", fail_reason, fail_msg, nowbuf));
        if (failed_final)
            json_array_append_new(conds, condition("Failed", fail_reason, fail_msg, nowbuf));
    } else if (met_reason) {
        if (met_new)
            json_array_append_new(conds,
                                  condition("SuccessCriteriaMet", met_reason, met_msg, nowbuf));
        if (complete) {
            json_array_append_new(conds, condition("Complete", met_reason, met_msg, nowbuf));
            json_object_set_new(status, "completionTime", json_string(nowbuf));
        }
    } else if (complete) {
        json_array_append_new(conds,
                              condition("SuccessCriteriaMet", "CompletionsReached",
                                        "Reached expected number of succeeded pods", nowbuf));
        json_array_append_new(conds,
                              condition("Complete", "CompletionsReached",
                                        "Reached expected number of succeeded pods", nowbuf));
        json_object_set_new(status, "completionTime", json_string(nowbuf));
    } else if (suspend) {
        ensure_condition(conds, "Suspended", "True", "JobSuspended", "Job suspended", nowbuf);
    } else {
        ensure_condition(conds, "Suspended", "False", "JobResumed", "Job resumed", nowbuf);
        /* A failed index runs no more. */
        if (failed_idx > 0) {
            json_int_t rready = 0;
            json_int_t gone = remove_active(jc, col.pods, ns, nidx, idx_failed, &rready);
            active -= gone;
            ready -= rready;
            terminating += gone;
        }
        /* Start pods up to parallelism, after the back-off when pods have failed (per index
         * with backoffLimitPerIndex). */
        int64_t wait_ms = 0;
        if (bli < 0 && failed > 0 && last_fail >= 0) {
            int64_t d = controllers__job_backoff_ms(backoff_base_ms(), failed);
            wait_ms = last_fail * 1000 + d - now_ms;
        }
        json_int_t want = parallelism;
        if (completions >= 0 && completions - succeeded - failed_idx < want)
            want = completions - succeeded - failed_idx;
        if (completions < 0 && succeeded > 0)
            want = 0;
        json_int_t slots = want - active - (only_failed ? terminating : 0);
        if (slots > 0 && wait_ms > 0) {
            workqueue_add_after(q, key, (uint64_t)wait_ms);
        } else if (indexed) {
            int64_t min_wait = 0;
            for (long ix = 0; ix < nidx && slots > 0; ix++) {
                if (idx_done[ix] || idx_busy[ix] || idx_failed[ix])
                    continue;
                if (bli >= 0 && idx_fc[ix] > 0 && idx_last_fail[ix] >= 0) {
                    int64_t w = idx_last_fail[ix] * 1000 +
                                controllers__job_backoff_ms(backoff_base_ms(), idx_fc[ix]) - now_ms;
                    if (w > 0) {
                        if (min_wait == 0 || w < min_wait)
                            min_wait = w;
                        continue;
                    }
                }
                create_pod(jc, job, ix, bli >= 0 ? idx_fc[ix] : -1, bli >= 0 ? idx_ic[ix] : 0);
                active++;
                slots--;
            }
            if (min_wait > 0)
                workqueue_add_after(q, key, (uint64_t)min_wait);
        } else {
            for (; slots > 0; slots--, active++)
                create_pod(jc, job, -1, -1, 0);
        }
        if (json_is_integer(ads) && start)
            workqueue_add_after(
                q, key,
                (uint64_t)((c8s_rfc3339_parse(start) + json_integer_value(ads) - now) * 1000 +
                           100));
    }
    /* A finished Job's uncounted pods are folded into the counters at once: the finished
     * branch above releases every pod. */
    json_t *unc_new = json_object();
    if (!finishing && json_array_size(us))
        json_object_set(unc_new, "succeeded", us);
    if (!finishing && json_array_size(uf))
        json_object_set(unc_new, "failed", uf);
    json_object_set_new(status, "uncountedTerminatedPods", unc_new);
    json_object_set_new(status, "active", json_integer(active));
    json_object_set_new(status, "succeeded",
                        json_integer(finishing || indexed ? succeeded : counted_s));
    json_object_set_new(status, "failed", json_integer(finishing ? failed : counted_f));
    json_object_set_new(status, "ready", json_integer(ready));
    json_object_set_new(status, "terminating", json_integer(terminating));
    if (indexed) {
        char *r = controllers__job_index_ranges(idx_done, nidx);
        if (*r)
            json_object_set_new(status, "completedIndexes", json_string(r));
        free(r);
    }
    if (bli >= 0) {
        /* Upstream keeps it present (possibly ""), so readers can tell the feature is on. */
        char *r = controllers__job_index_ranges(idx_failed, nidx);
        json_object_set_new(status, "failedIndexes", json_string(r));
        free(r);
    }
    /* No conditions: left out, so a write from a stale view cannot remove someone's. */
    if (json_array_size(conds))
        json_object_set_new(status, "conditions", conds);
    else
        json_decref(conds);
    /* Write when something changed. */
    bool same = true;
    const char *k;
    json_t *v;
    json_object_foreach(status, k, v)
    {
        json_t *c = json_object_get(cur, k);
        if (!json_equal(v, c))
            same = false;
    }
    if (!same) {
        json_t *patch = json_pack("{s:O}", "status", status);
        /* A merge patch keeps what it does not mention: clear emptied lists by name. */
        json_t *pu = json_deep_copy(json_object_get(status, "uncountedTerminatedPods"));
        if (!json_object_get(pu, "succeeded"))
            json_object_set_new(pu, "succeeded", json_null());
        if (!json_object_get(pu, "failed"))
            json_object_set_new(pu, "failed", json_null());
        json_object_set_new(json_object_get(patch, "status"), "uncountedTerminatedPods", pu);
        /* Only onto the Job this sync read: two writes in flight could otherwise land out of
         * order, an older view (say completedIndexes "0,1") over the newer one that completed
         * the Job. A conflict is computed again from the newer Job. */
        json_object_set_new(
            patch, "metadata",
            json_pack("{s:s}", "resourceVersion", controllers__meta(job, "resourceVersion") ?: ""));
        cleanup_free char *body = json_dumps(patch, JSON_COMPACT);
        json_decref(patch);
        cleanup_free char *path =
            xasprintf("/apis/batch/v1/namespaces/%s/jobs/%s/status", ns, name);
        status_write_t *sw = xcalloc(1, sizeof(*sw));
        sw->jc = jc;
        sw->key = xstrdup(key);
        jc->inflight++;
        client_request(jc->client, "PATCH", path, "application/merge-patch+json", body,
                       strlen(body), on_status_written, sw);
    }
    json_decref(status);
    json_decref(us);
    json_decref(uf);
    free(pfp_msg);
    free(idx_done);
    free(idx_busy);
    free(idx_failed);
    free(idx_fc);
    free(idx_ic);
    free(idx_last_fail);
    free(sp_msg);
    json_decref(col.pods);
    workqueue_done(q, key);
}

static void enqueue(jobctrl_t *jc, const json_t *obj)
{
    const char *ns = controllers__meta(obj, "namespace"), *name = controllers__meta(obj, "name");
    if (!ns || !name)
        return;
    cleanup_free char *key = xasprintf("%s/%s", ns, name);
    workqueue_add(jc->queue, key);
}

static void job_added(informer_t *inf, json_t *obj, void *data)
{
    enqueue(data, obj);
}

static void job_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    enqueue(data, obj);
}

static void job_gone(jobctrl_t *jc, const json_t *job);

static void job_deleted(informer_t *inf, json_t *obj, void *data)
{
    const char *uid = controllers__meta(obj, "uid");
    if (uid)
        json_object_del(((jobctrl_t *)data)->expect, uid);
    job_gone(data, obj);
}

static void pod_changed(jobctrl_t *jc, const json_t *pod)
{
    size_t i;
    json_t *r;
    const char *ns = controllers__meta(pod, "namespace");
    json_array_foreach(json_object_get(json_object_get(pod, "metadata"), "ownerReferences"), i, r)
    {
        const char *kind = json_string_value(json_object_get(r, "kind"));
        const char *name = json_string_value(json_object_get(r, "name"));
        if (ns && kind && name && strcmp(kind, "Job") == 0 &&
            json_is_true(json_object_get(r, "controller"))) {
            cleanup_free char *key = xasprintf("%s/%s", ns, name);
            workqueue_add(jc->queue, key);
        }
    }
}

/* A pod keeping the tracking finalizer without a live Job to count it (the Job was deleted,
 * is being deleted, or orphaned it) is released at once. */
static void release_orphan(jobctrl_t *jc, const json_t *pod)
{
    if (tracking_index(pod) < 0 || !informer_synced(jc->jobs))
        return;
    const char *ns = controllers__meta(pod, "namespace");
    const char *owner = owner_uid(pod, "Job");
    size_t i;
    json_t *r;
    const char *jname = NULL;
    json_array_foreach(json_object_get(json_object_get(pod, "metadata"), "ownerReferences"), i, r)
    {
        const char *kind = json_string_value(json_object_get(r, "kind"));
        if (kind && strcmp(kind, "Job") == 0 && json_is_true(json_object_get(r, "controller")))
            jname = json_string_value(json_object_get(r, "name"));
    }
    json_t *job = ns && jname ? informer_get(jc->jobs, ns, jname) : NULL;
    const char *juid = controllers__meta(job, "uid");
    if (!owner || !job || !juid || strcmp(juid, owner) != 0 ||
        controllers__meta(job, "deletionTimestamp"))
        remove_tracking(jc, pod);
}

static void pod_added(informer_t *inf, json_t *obj, void *data)
{
    jobctrl_t *jc = data;
    const char *uid = owner_uid(obj, "Job");
    if (uid)
        expect_add(jc, uid, -1);
    release_orphan(jc, obj);
    pod_changed(jc, obj);
}

static void pod_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    release_orphan(data, obj);
    pod_changed(data, obj);
}

static void pod_deleted(informer_t *inf, json_t *obj, void *data)
{
    jobctrl_t *jc = data;
    const char *uid = controllers__meta(obj, "uid");
    if (uid)
        json_object_del(jc->removed, uid);
    pod_changed(jc, obj);
}

static bool release_if_orphan(json_t *pod, void *data)
{
    release_orphan(data, pod);
    return true;
}

static bool enqueue_job(json_t *obj, void *data)
{
    enqueue(data, obj);
    return true;
}

static void jobs_synced(informer_t *inf, void *data)
{
    jobctrl_t *jc = data;
    if (informer_synced(jc->pods))
        informer_foreach(jc->pods, release_if_orphan, jc);
}

static void pods_synced(informer_t *inf, void *data)
{
    jobctrl_t *jc = data;
    informer_foreach(jc->jobs, enqueue_job, jc);
    informer_foreach(jc->pods, release_if_orphan, jc);
}

/* A deleted Job's pods: the garbage collector deletes them, and they are released as they
 * change; this covers those it will not touch (orphaned). */
static void job_gone(jobctrl_t *jc, const json_t *job)
{
    if (informer_synced(jc->pods))
        informer_foreach(jc->pods, release_if_orphan, jc);
}

static ctrl_t *start(controllers_t *cm)
{
    jobctrl_t *jc = xcalloc(1, sizeof(*jc));
    jc->client = controllers__client(cm);
    jc->expect = json_object();
    jc->removed = json_object();
    jc->queue = workqueue_new(client_loop(jc->client), 2, process, jc);
    informer_handlers_t jh = {.on_add = job_added,
                              .on_update = job_updated,
                              .on_delete = job_deleted,
                              .on_synced = jobs_synced};
    informer_handlers_t ph = {.on_add = pod_added,
                              .on_update = pod_updated,
                              .on_delete = pod_deleted,
                              .on_synced = pods_synced};
    jc->jobs = controllers__informer(cm, "/apis/batch/v1/jobs");
    jc->pods = controllers__informer(cm, "/api/v1/pods");
    jc->job_reg = informer_add_handlers(jc->jobs, &jh, jc);
    jc->pod_reg = informer_add_handlers(jc->pods, &ph, jc);
    return (ctrl_t *)jc;
}

static void maybe_free(jobctrl_t *jc)
{
    if (!jc->closed || jc->inflight > 0)
        return;
    void (*done)(void *) = jc->done;
    void *d = jc->done_data;
    json_decref(jc->expect);
    json_decref(jc->removed);
    free(jc);
    done(d);
}

static void on_queue_closed(void *data)
{
    jobctrl_t *jc = data;
    jc->closed = true;
    maybe_free(jc);
}

static void stop(ctrl_t *ctrl, void (*done)(void *data), void *data)
{
    jobctrl_t *jc = (jobctrl_t *)ctrl;
    jc->done = done;
    jc->done_data = data;
    informer_remove_handlers(jc->jobs, jc->job_reg);
    informer_remove_handlers(jc->pods, jc->pod_reg);
    workqueue_close(jc->queue, on_queue_closed, jc);
}

const ctrl_ops_t controllers__job = {"job", start, stop};
