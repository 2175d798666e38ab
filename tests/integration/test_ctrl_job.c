/*
 * test_ctrl_job.c — the Job controller on a real etcd, the c8s API and the controller manager,
 * with pods finished by the test (their status patched as a kubelet would): a failed pod is
 * replaced after the back-off and the Job completes after `completions` successes; past
 * backoffLimit it fails (BackoffLimitExceeded) and ttlSecondsAfterFinished deletes it, its pods
 * following through the garbage collector; an Indexed Job runs one pod per index with the index
 * in its name, annotation, label and JOB_COMPLETION_INDEX; activeDeadlineSeconds fails a Job
 * (DeadlineExceeded) and removes its running pods; suspend removes them too (Suspended
 * condition, no startTime until resumed); podFailurePolicy; managedBy; backoffLimitPerIndex with
 * maxFailedIndexes and FailIndex; successPolicy; podReplacementPolicy Failed and status.ready;
 * Failed only after FailureTarget once no pod terminates.
 */
#include "c8s/apiserver.h"
#include "c8s/controllers.h"
#include "harness.h"
#include "test.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Polls of 50 ms for things that must happen: a minute, so a loaded machine only slows the test
 * down (things that must not happen are checked after the state that rules them out is seen). */
#define POLLS 1200

static char base[64];

static long api(const char *method, const char *path, const char *ct, const char *body,
                json_t **out)
{
    char url[512];
    snprintf(url, sizeof(url), "%s%s", base, path);
    th_resp_t r = {0};
    if (th_http(method, url, ct ? ct : (body ? "application/json" : NULL), body, &r) != 0)
        return -1;
    long st = r.status;
    if (out)
        *out = json_loads(r.body ? r.body : "", 0, NULL);
    if (st >= 300 && st != 404)
        fprintf(stderr, "%s %s: %ld %s\n", method, path, st, r.body ? r.body : "");
    th_resp_free(&r);
    return st;
}

/* A Job in default; extra (stolen, may be NULL) is merged into its spec. */
static long make_job(const char *name, json_t *extra)
{
    json_t *job =
        json_pack("{s:s, s:s, s:{s:s}, s:{s:{s:{s:{s:s}}, s:{s:s, s:[{s:s, s:s}]}}}}", "apiVersion",
                  "batch/v1", "kind", "Job", "metadata", "name", name, "spec", "template",
                  "metadata", "labels", "app", name, "spec", "restartPolicy", "Never", "containers",
                  "name", "c", "image", "busybox");
    if (extra) {
        json_object_update(json_object_get(job, "spec"), extra);
        json_decref(extra);
    }
    char *body = json_dumps(job, JSON_COMPACT);
    json_decref(job);
    long st = api("POST", "/apis/batch/v1/namespaces/default/jobs", NULL, body, NULL);
    free(body);
    return st;
}

static json_t *get_job(const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), "/apis/batch/v1/namespaces/default/jobs/%s", name);
    json_t *o = NULL;
    if (api("GET", path, NULL, NULL, &o) != 200) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The Job's pods in the given phase ("" for those not finished), sorted by name. Owned. */
static json_t *pods_of(const char *job, const char *phase)
{
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/namespaces/default/pods?labelSelector=job-name%%3D%s",
             job);
    json_t *list = NULL, *out = json_array();
    if (api("GET", path, NULL, NULL, &list) != 200) {
        json_decref(list);
        return out;
    }
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(list, "items"), i, p)
    {
        const char *ph = json_string_value(json_object_get(json_object_get(p, "status"), "phase"));
        if (!ph)
            ph = "Pending";
        bool running = strcmp(ph, "Succeeded") != 0 && strcmp(ph, "Failed") != 0;
        if (json_object_get(json_object_get(p, "metadata"), "deletionTimestamp"))
            continue;
        if (*phase ? strcmp(ph, phase) == 0 : running)
            json_array_append(out, p);
    }
    json_decref(list);
    return out;
}

static bool wait_pods(const char *job, const char *phase, size_t n)
{
    for (int i = 0; i < POLLS; i++) {
        json_t *a = pods_of(job, phase);
        size_t have = json_array_size(a);
        json_decref(a);
        if (have == n)
            return true;
        usleep(50 * 1000);
    }
    return false;
}

static const char *pod_name(const json_t *p)
{
    return json_string_value(json_object_get(json_object_get(p, "metadata"), "name"));
}

static long set_phase(const char *pod, const char *phase)
{
    char path[256], body[128];
    snprintf(path, sizeof(path), "/api/v1/namespaces/default/pods/%s/status", pod);
    snprintf(body, sizeof(body), "{\"status\":{\"phase\":\"%s\"}}", phase);
    return api("PATCH", path, "application/merge-patch+json", body, NULL);
}

/* Finishes every running pod of job with phase; returns how many. */
static size_t finish_all(const char *job, const char *phase)
{
    json_t *a = pods_of(job, "");
    size_t i, n = 0;
    json_t *p;
    json_array_foreach(a, i, p)
    {
        if (set_phase(pod_name(p), phase) == 200)
            n++;
    }
    json_decref(a);
    return n;
}

/* Polls until the Job has condition type True; returns its reason (static copy) or NULL. */
/* The job's condition `type` when its status is True (borrowed from j), or NULL. */
static const json_t *true_condition(const json_t *j, const char *type)
{
    size_t k;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(j, "status"), "conditions"), k, c)
    {
        const char *t = json_string_value(json_object_get(c, "type"));
        const char *s = json_string_value(json_object_get(c, "status"));
        if (t && s && strcmp(t, type) == 0 && strcmp(s, "True") == 0)
            return c;
    }
    return NULL;
}

/* Polls until the Job has condition `type` True; the Job as then read (owned), or NULL. */
static json_t *wait_job_condition(const char *name, const char *type)
{
    for (int i = 0; i < POLLS; i++) {
        json_t *j = get_job(name);
        if (true_condition(j, type))
            return j;
        json_decref(j);
        usleep(50 * 1000);
    }
    return NULL;
}

static const char *wait_condition(const char *name, const char *type)
{
    static char reason[64];
    json_t *j = wait_job_condition(name, type);
    if (!j)
        return NULL;
    const char *r = json_string_value(json_object_get(true_condition(j, type), "reason"));
    snprintf(reason, sizeof(reason), "%s", r ? r : "");
    json_decref(j);
    return reason;
}

/* Polls until the Job's condition `type` has this status, reason and message. */
static bool wait_cond_is(const char *name, const char *type, const char *status, const char *reason,
                         const char *message)
{
    for (int i = 0; i < POLLS; i++) {
        json_t *j = get_job(name);
        size_t k;
        json_t *c;
        bool ok = false;
        json_array_foreach(json_object_get(json_object_get(j, "status"), "conditions"), k, c)
        {
            const char *t = json_string_value(json_object_get(c, "type"));
            const char *s = json_string_value(json_object_get(c, "status"));
            const char *r = json_string_value(json_object_get(c, "reason"));
            const char *m = json_string_value(json_object_get(c, "message"));
            if (t && s && r && m && !strcmp(t, type) && !strcmp(s, status) && !strcmp(r, reason) &&
                !strcmp(m, message))
                ok = true;
        }
        json_decref(j);
        if (ok)
            return true;
        usleep(50 * 1000);
    }
    fprintf(stderr, "job %s: no condition %s=%s (%s: %s)\n", name, type, status, reason, message);
    return false;
}

/* Polls until the Job's status string field equals want. */
static bool wait_status_str(const char *name, const char *field, const char *want)
{
    for (int i = 0; i < POLLS; i++) {
        json_t *j = get_job(name);
        const char *v = json_string_value(json_object_get(json_object_get(j, "status"), field));
        bool ok = v && strcmp(v, want) == 0;
        json_decref(j);
        if (ok)
            return true;
        usleep(50 * 1000);
    }
    fprintf(stderr, "job %s: status.%s never became \"%s\"\n", name, field, want);
    return false;
}

static json_int_t status_int(const char *name, const char *field)
{
    json_t *j = get_job(name);
    json_int_t v = json_integer_value(json_object_get(json_object_get(j, "status"), field));
    json_decref(j);
    return v;
}

static bool wait_status(const char *job, const char *field, json_int_t want)
{
    for (int i = 0; i < POLLS; i++) {
        if (status_int(job, field) == want)
            return true;
        usleep(50 * 1000);
    }
    return false;
}

static void test_backoff_and_completion(void)
{
    CHECK_INT(make_job("bo", json_pack("{s:i, s:i, s:i}", "completions", 2, "parallelism", 1,
                                       "backoffLimit", 3)),
              201);
    REQUIRE_VOID(wait_pods("bo", "", 1));
    json_t *a = pods_of("bo", "");
    json_t *first = json_array_get(a, 0);
    json_t *labels = json_object_get(json_object_get(first, "metadata"), "labels");
    CHECK_STR(json_string_value(json_object_get(labels, "batch.kubernetes.io/job-name")), "bo");
    CHECK(json_object_get(labels, "batch.kubernetes.io/controller-uid") != NULL);
    CHECK(json_object_get(labels, "controller-uid") != NULL);
    CHECK_STR(json_string_value(json_object_get(labels, "app")), "bo");
    CHECK(strncmp(pod_name(first), "bo-", 3) == 0);
    char failed_name[128];
    snprintf(failed_name, sizeof(failed_name), "%s", pod_name(first));
    json_decref(a);
    /* Fails: a new pod comes after the back-off; the failure is counted. */
    CHECK_INT(set_phase(failed_name, "Failed"), 200);
    CHECK(wait_pods("bo", "", 1));
    a = pods_of("bo", "");
    CHECK(strcmp(pod_name(json_array_get(a, 0)), failed_name) != 0);
    json_decref(a);
    CHECK(wait_status("bo", "failed", 1));
    CHECK(wait_status("bo", "active", 1)); /* the count and the replacement may be two writes */
    /* Two successes, one at a time, complete it. */
    CHECK_INT(finish_all("bo", "Succeeded"), 1);
    CHECK(wait_pods("bo", "Succeeded", 1));
    CHECK(wait_pods("bo", "", 1));
    CHECK_INT(finish_all("bo", "Succeeded"), 1);
    const char *r = wait_condition("bo", "Complete");
    CHECK(r != NULL);
    CHECK(wait_condition("bo", "SuccessCriteriaMet") != NULL);
    json_t *j = get_job("bo");
    json_t *st = json_object_get(j, "status");
    CHECK_INT(json_integer_value(json_object_get(st, "succeeded")), 2);
    CHECK_INT(json_integer_value(json_object_get(st, "failed")), 1);
    CHECK_INT(json_integer_value(json_object_get(st, "active")), 0);
    CHECK(json_string_value(json_object_get(st, "completionTime")) != NULL);
    CHECK(json_string_value(json_object_get(st, "startTime")) != NULL);
    json_decref(j);
    usleep(300 * 1000);
    CHECK(wait_pods("bo", "", 0)); /* nothing more started */
    /* What `kubectl describe job` shows, in upstream's words. */
    CHECK(th_wait_event(base, "default", "Job", "bo", "SuccessfulCreate", "Created pod: bo-",
                        POLLS * 100));
    CHECK(th_wait_event(base, "default", "Job", "bo", "Completed", "Job completed", POLLS * 100));
}

static void test_backoff_limit_and_ttl(void)
{
    /* A TTL of 5 s, not less: the Failed Job must be seen by a poll before the TTL deletes it,
     * and a loaded machine answers a GET in a second at times (a fresh-clone run at TTL 1 s
     * missed it). */
    CHECK_INT(make_job("bl", json_pack("{s:i, s:i, s:i}", "parallelism", 2, "backoffLimit", 0,
                                       "ttlSecondsAfterFinished", 5)),
              201);
    REQUIRE_VOID(wait_pods("bl", "", 2));
    json_t *a = pods_of("bl", "");
    CHECK_INT(set_phase(pod_name(json_array_get(a, 0)), "Failed"), 200);
    json_decref(a);
    /* Both conditions from one read: the TTL may delete the Job right after. */
    json_t *failed = wait_job_condition("bl", "Failed");
    const char *r = json_string_value(json_object_get(true_condition(failed, "Failed"), "reason"));
    CHECK(r && strcmp(r, "BackoffLimitExceeded") == 0);
    CHECK(th_wait_event(base, "default", "Job", "bl", "BackoffLimitExceeded",
                        "Job has reached the specified backoff limit", POLLS * 100));
    CHECK(true_condition(failed, "FailureTarget") != NULL);
    json_decref(failed);
    CHECK(wait_pods("bl", "", 0)); /* the other one is removed */
    /* The TTL deletes the Job, and the collector its failed pod. */
    bool gone = false;
    for (int i = 0; i < POLLS && !gone; i++) {
        json_t *j = get_job("bl");
        gone = j == NULL;
        json_decref(j);
        if (!gone)
            usleep(50 * 1000);
    }
    CHECK(gone);
    CHECK(wait_pods("bl", "Failed", 0));
}

static void test_indexed(void)
{
    CHECK_INT(make_job("ix", json_pack("{s:i, s:i, s:s}", "completions", 3, "parallelism", 2,
                                       "completionMode", "Indexed")),
              201);
    REQUIRE_VOID(wait_pods("ix", "", 2));
    json_t *a = pods_of("ix", "");
    size_t i;
    json_t *p;
    bool seen[3] = {false};
    json_array_foreach(a, i, p)
    {
        json_t *meta = json_object_get(p, "metadata");
        const char *ix = json_string_value(json_object_get(
            json_object_get(meta, "annotations"), "batch.kubernetes.io/job-completion-index"));
        const char *lx = json_string_value(json_object_get(
            json_object_get(meta, "labels"), "batch.kubernetes.io/job-completion-index"));
        REQUIRE_VOID(ix && lx && strcmp(ix, lx) == 0);
        int n = atoi(ix);
        CHECK(n >= 0 && n < 2);
        if (n >= 0 && n < 3)
            seen[n] = true;
        char prefix[32];
        snprintf(prefix, sizeof(prefix), "ix-%d-", n);
        CHECK(strncmp(pod_name(p), prefix, strlen(prefix)) == 0);
        json_t *env = json_object_get(
            json_array_get(json_object_get(json_object_get(p, "spec"), "containers"), 0), "env");
        json_t *e0 = json_array_get(env, json_array_size(env) - 1);
        CHECK_STR(json_string_value(json_object_get(e0, "name")), "JOB_COMPLETION_INDEX");
    }
    CHECK(seen[0] && seen[1]);
    /* Index 1 succeeds, index 0 fails and is run again; then index 2 runs. */
    json_array_foreach(a, i, p)
    {
        const char *ix = json_string_value(
            json_object_get(json_object_get(json_object_get(p, "metadata"), "annotations"),
                            "batch.kubernetes.io/job-completion-index"));
        CHECK_INT(set_phase(pod_name(p), strcmp(ix, "1") == 0 ? "Succeeded" : "Failed"), 200);
    }
    json_decref(a);
    CHECK(wait_pods("ix", "", 2));
    CHECK(wait_status("ix", "succeeded", 1));
    json_t *j = get_job("ix");
    CHECK_STR(json_string_value(json_object_get(json_object_get(j, "status"), "completedIndexes")),
              "1");
    json_decref(j);
    CHECK_INT(finish_all("ix", "Succeeded"), 2);
    CHECK(wait_condition("ix", "Complete") != NULL);
    j = get_job("ix");
    CHECK_STR(json_string_value(json_object_get(json_object_get(j, "status"), "completedIndexes")),
              "0-2");
    CHECK_INT(json_integer_value(json_object_get(json_object_get(j, "status"), "succeeded")), 3);
    json_decref(j);
}

static void test_deadline_and_suspend(void)
{
    /* The pods may come and go within the deadline on a loaded machine: only the verdict and
     * that none is left are certain. */
    CHECK_INT(make_job("dl", json_pack("{s:i, s:i}", "parallelism", 2, "activeDeadlineSeconds", 2)),
              201);
    const char *r = wait_condition("dl", "Failed");
    CHECK(r && strcmp(r, "DeadlineExceeded") == 0);
    CHECK(wait_pods("dl", "", 0));

    CHECK_INT(make_job("sus", json_pack("{s:i}", "parallelism", 2)), 201);
    CHECK(wait_pods("sus", "", 2));
    CHECK_INT(api("PATCH", "/apis/batch/v1/namespaces/default/jobs/sus",
                  "application/merge-patch+json", "{\"spec\":{\"suspend\":true}}", NULL),
              200);
    CHECK(wait_pods("sus", "", 0));
    CHECK(wait_cond_is("sus", "Suspended", "True", "JobSuspended", "Job suspended"));
    CHECK_INT(api("PATCH", "/apis/batch/v1/namespaces/default/jobs/sus",
                  "application/merge-patch+json", "{\"spec\":{\"suspend\":false}}", NULL),
              200);
    CHECK(wait_pods("sus", "", 2));
    CHECK(wait_cond_is("sus", "Suspended", "False", "JobResumed", "Job resumed"));

    /* Created suspended: no start until resumed. */
    CHECK_INT(make_job("sus2", json_pack("{s:b}", "suspend", 1)), 201);
    CHECK(wait_cond_is("sus2", "Suspended", "True", "JobSuspended", "Job suspended"));
    json_t *j = get_job("sus2");
    CHECK(json_object_get(json_object_get(j, "status"), "startTime") == NULL);
    CHECK(wait_pods("sus2", "", 0));
    json_decref(j);
    CHECK_INT(api("PATCH", "/apis/batch/v1/namespaces/default/jobs/sus2",
                  "application/merge-patch+json", "{\"spec\":{\"suspend\":false}}", NULL),
              200);
    CHECK(wait_pods("sus2", "", 1));
    CHECK(wait_cond_is("sus2", "Suspended", "False", "JobResumed", "Job resumed"));
    j = get_job("sus2");
    CHECK(json_string_value(json_object_get(json_object_get(j, "status"), "startTime")) != NULL);
    json_decref(j);
}

static bool has_tracking(const char *pod)
{
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/namespaces/default/pods/%s", pod);
    json_t *o = NULL;
    bool found = false;
    if (api("GET", path, NULL, NULL, &o) == 200) {
        size_t i;
        json_t *f;
        json_array_foreach(json_object_get(json_object_get(o, "metadata"), "finalizers"), i, f)
        {
            if (strcmp(json_string_value(f) ?: "", "batch.kubernetes.io/job-tracking") == 0)
                found = true;
        }
    }
    json_decref(o);
    return found;
}

static bool wait_untracked(const char *pod)
{
    for (int i = 0; i < POLLS; i++) {
        if (!has_tracking(pod))
            return true;
        usleep(50 * 1000);
    }
    return false;
}

/* Pods carry upstream's job-tracking finalizer; a finished pod is counted, then released; a
 * counted pod deleted afterwards still counts; a running pod deleted by someone counts as
 * failed; the pods of a deleted Job keep no finalizer. */
static void test_tracking_finalizer(void)
{
    CHECK_INT(make_job("tr", json_pack("{s:i, s:i, s:i}", "completions", 3, "parallelism", 1,
                                       "backoffLimit", 5)),
              201);
    REQUIRE_VOID(wait_pods("tr", "", 1));
    json_t *a = pods_of("tr", "");
    char p1[128];
    snprintf(p1, sizeof(p1), "%s", pod_name(json_array_get(a, 0)));
    json_decref(a);
    CHECK(has_tracking(p1));
    CHECK_INT(set_phase(p1, "Succeeded"), 200);
    CHECK(wait_untracked(p1));
    CHECK(wait_status("tr", "succeeded", 1));
    json_t *j = get_job("tr");
    json_t *unc = json_object_get(json_object_get(j, "status"), "uncountedTerminatedPods");
    CHECK(json_is_object(unc) && json_object_size(unc) == 0);
    json_decref(j);

    /* Deleting the counted pod does not take its success back. */
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/namespaces/default/pods/%s", p1);
    CHECK_INT(api("DELETE", path, NULL, NULL, NULL), 200);
    REQUIRE_VOID(wait_pods("tr", "", 1));
    usleep(300 * 1000);
    CHECK_INT(status_int("tr", "succeeded"), 1);

    /* The running pod deleted by a user: a failure, and a replacement. */
    a = pods_of("tr", "");
    char p2[128];
    snprintf(p2, sizeof(p2), "%s", pod_name(json_array_get(a, 0)));
    json_decref(a);
    CHECK(has_tracking(p2));
    snprintf(path, sizeof(path), "/api/v1/namespaces/default/pods/%s", p2);
    CHECK_INT(api("DELETE", path, NULL, NULL, NULL), 200);
    CHECK(wait_status("tr", "failed", 1));
    CHECK(wait_untracked(p2));
    for (int i = 0; i < POLLS && api("GET", path, NULL, NULL, NULL) != 404; i++)
        usleep(50 * 1000);
    CHECK_INT(api("GET", path, NULL, NULL, NULL), 404);
    CHECK(wait_pods("tr", "", 1));

    /* Deleting the Job (orphaning its pods) releases them. */
    a = pods_of("tr", "");
    char p3[128];
    snprintf(p3, sizeof(p3), "%s", pod_name(json_array_get(a, 0)));
    json_decref(a);
    CHECK(has_tracking(p3));
    CHECK_INT(api("DELETE", "/apis/batch/v1/namespaces/default/jobs/tr", "application/json",
                  "{\"propagationPolicy\":\"Orphan\"}", NULL),
              200);
    CHECK(wait_untracked(p3));
    snprintf(path, sizeof(path), "/api/v1/namespaces/default/pods/%s", p3);
    CHECK_INT(api("DELETE", path, NULL, NULL, NULL), 200);
    for (int i = 0; i < POLLS && api("GET", path, NULL, NULL, NULL) != 404; i++)
        usleep(50 * 1000);
    CHECK_INT(api("GET", path, NULL, NULL, NULL), 404);
}

/* Patches a pod's status as a kubelet would (status: a JSON object's members). */
static long set_status(const char *pod, const char *status)
{
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/namespaces/default/pods/%s/status", pod);
    char *body = NULL;
    if (asprintf(&body, "{\"status\":{%s}}", status) < 0)
        return -1;
    long st = api("PATCH", path, "application/merge-patch+json", body, NULL);
    free(body);
    return st;
}

/* podFailurePolicy: a disrupted pod is ignored (replaced, not counted, even with backoffLimit
 * 0); exit code 42 of container c fails the Job at once with reason PodFailurePolicy. */
static void test_pod_failure_policy(void)
{
    json_t *pfp = json_loads(
        "{\"rules\":[{\"action\":\"Ignore\",\"onPodConditions\":[{\"type\":\"DisruptionTarget\","
        "\"status\":\"True\"}]},{\"action\":\"FailJob\",\"onExitCodes\":{\"containerName\":\"c\","
        "\"operator\":\"In\",\"values\":[42]}}]}",
        0, NULL);
    REQUIRE_VOID(pfp);
    CHECK_INT(make_job("pf", json_pack("{s:i, s:i, s:o}", "completions", 2, "backoffLimit", 0,
                                       "podFailurePolicy", pfp)),
              201);
    REQUIRE_VOID(wait_pods("pf", "", 1));
    json_t *a = pods_of("pf", "");
    char first[128];
    snprintf(first, sizeof(first), "%s", pod_name(json_array_get(a, 0)));
    json_decref(a);
    CHECK_INT(set_status(first, "\"phase\":\"Failed\",\"conditions\":[{\"type\":"
                                "\"DisruptionTarget\",\"status\":\"True\",\"reason\":"
                                "\"EvictionByEvictionAPI\"}]"),
              200);
    REQUIRE_VOID(wait_pods("pf", "", 1)); /* replaced */
    a = pods_of("pf", "");
    char second[128];
    snprintf(second, sizeof(second), "%s", pod_name(json_array_get(a, 0)));
    json_decref(a);
    CHECK(strcmp(first, second) != 0);
    /* The replacement came from the sync that saw the failure: any verdict is on record. */
    json_t *j0 = get_job("pf");
    CHECK(json_array_size(json_object_get(json_object_get(j0, "status"), "conditions")) == 0);
    json_decref(j0);
    CHECK_INT(status_int("pf", "failed"), 0);
    CHECK_INT(set_status(second, "\"phase\":\"Failed\",\"containerStatuses\":[{\"name\":\"c\","
                                 "\"ready\":false,\"restartCount\":0,\"image\":\"busybox\","
                                 "\"imageID\":\"\",\"state\":{\"terminated\":{\"exitCode\":42}}}]"),
              200);
    const char *r = wait_condition("pf", "Failed");
    CHECK(r && strcmp(r, "PodFailurePolicy") == 0);
    json_t *j = get_job("pf");
    bool msg_ok = false;
    size_t k;
    json_t *c;
    char want[256];
    snprintf(want, sizeof(want),
             "Container c for pod default/%s failed with exit code 42 matching FailJob rule at "
             "index 1",
             second);
    json_array_foreach(json_object_get(json_object_get(j, "status"), "conditions"), k, c)
    {
        const char *m = json_string_value(json_object_get(c, "message"));
        if (!strcmp(json_string_value(json_object_get(c, "type")), "Failed") && m &&
            !strcmp(m, want))
            msg_ok = true;
    }
    CHECK_MSG(msg_ok, "Failed condition message %s", want);
    json_decref(j);
}

/* A Job managed by another controller is left alone: no pods, no status. */
static void test_managed_by(void)
{
    CHECK_INT(make_job("mb", json_pack("{s:s}", "managedBy", "example.com/other")), 201);
    CHECK_INT(make_job("mb2", json_pack("{s:s}", "managedBy", "kubernetes.io/job-controller")),
              201);
    CHECK(wait_pods("mb2", "", 1)); /* the controller runs; by now it has seen both */
    CHECK(wait_pods("mb", "", 0));
    json_t *j = get_job("mb");
    CHECK(json_object_get(json_object_get(j, "status"), "startTime") == NULL);
    json_decref(j);
}

#define INDEX_ANN      "batch.kubernetes.io/job-completion-index"
#define FAIL_COUNT_ANN "batch.kubernetes.io/job-index-failure-count"

static const char *annotation(const json_t *p, const char *key)
{
    return json_string_value(
        json_object_get(json_object_get(json_object_get(p, "metadata"), "annotations"), key));
}

/* Polls for a running pod of job with completion index ix other than `not` (may be NULL); its
 * name into out and its failure-count annotation into count ("" when none). */
static bool wait_index_pod(const char *job, int ix, const char * not, char *out, size_t n,
                           char *count, size_t cn)
{
    for (int i = 0; i < POLLS; i++) {
        json_t *a = pods_of(job, "");
        size_t k;
        json_t *p;
        bool found = false;
        json_array_foreach(a, k, p)
        {
            const char *v = annotation(p, INDEX_ANN);
            if (!found && v && atoi(v) == ix && (!not || strcmp(pod_name(p), not ) != 0)) {
                snprintf(out, n, "%s", pod_name(p));
                const char *c = annotation(p, FAIL_COUNT_ANN);
                snprintf(count, cn, "%s", c ? c : "");
                found = true;
            }
        }
        json_decref(a);
        if (found)
            return true;
        usleep(50 * 1000);
    }
    fprintf(stderr, "job %s: no running pod for index %d\n", job, ix);
    return false;
}

/* The pod fails as a kubelet reports it: phase Failed, container c exited with code. */
static long fail_with(const char *pod, int code)
{
    char st[512];
    snprintf(st, sizeof(st),
             "\"phase\":\"Failed\",\"containerStatuses\":[{\"name\":\"c\",\"ready\":false,"
             "\"restartCount\":0,\"image\":\"busybox\",\"imageID\":\"\",\"state\":{"
             "\"terminated\":{\"exitCode\":%d}}}]",
             code);
    return set_status(pod, st);
}

/* backoffLimitPerIndex 1: an index's first failure is retried (the new pod carries the count),
 * its second fails the index (status.failedIndexes) and it runs no more; a FailIndex rule fails
 * its index at once; more failed indexes than maxFailedIndexes fail the Job. */
static void test_backoff_limit_per_index(void)
{
    json_t *pfp = json_loads("{\"rules\":[{\"action\":\"FailIndex\",\"onExitCodes\":{"
                             "\"operator\":\"In\",\"values\":[42]}}]}",
                             0, NULL);
    REQUIRE_VOID(pfp);
    CHECK_INT(
        make_job("bpi", json_pack("{s:i, s:i, s:s, s:i, s:i, s:o}", "completions", 3, "parallelism",
                                  3, "completionMode", "Indexed", "backoffLimitPerIndex", 1,
                                  "maxFailedIndexes", 1, "podFailurePolicy", pfp)),
        201);
    char p0[128], p0b[128], p1[128], p2[128], cnt[32];
    REQUIRE_VOID(wait_index_pod("bpi", 0, NULL, p0, sizeof(p0), cnt, sizeof(cnt)));
    CHECK_STR(cnt, "0");
    REQUIRE_VOID(wait_index_pod("bpi", 1, NULL, p1, sizeof(p1), cnt, sizeof(cnt)));
    REQUIRE_VOID(wait_index_pod("bpi", 2, NULL, p2, sizeof(p2), cnt, sizeof(cnt)));
    CHECK(wait_status_str("bpi", "failedIndexes", ""));
    CHECK_INT(status_int("bpi", "failed"), 0);

    CHECK_INT(fail_with(p0, 1), 200);
    REQUIRE_VOID(wait_index_pod("bpi", 0, p0, p0b, sizeof(p0b), cnt, sizeof(cnt)));
    CHECK_STR(cnt, "1");
    CHECK(wait_status("bpi", "failed", 1));
    CHECK(wait_status_str("bpi", "failedIndexes", ""));
    CHECK_INT(fail_with(p0b, 1), 200);
    CHECK(wait_status_str("bpi", "failedIndexes", "0"));
    CHECK(wait_status("bpi", "failed", 2));
    /* Seen failed: the sync that said so started nothing for index 0. */
    json_t *a = pods_of("bpi", "");
    CHECK_INT(json_array_size(a), 2);
    json_decref(a);

    CHECK_INT(set_phase(p1, "Succeeded"), 200);
    CHECK(wait_status_str("bpi", "completedIndexes", "1"));
    json_t *j = get_job("bpi");
    CHECK(json_array_size(json_object_get(json_object_get(j, "status"), "conditions")) == 0);
    json_decref(j);
    CHECK_INT(fail_with(p2, 42), 200);
    const char *r = wait_condition("bpi", "Failed");
    CHECK(r && strcmp(r, "MaxFailedIndexesExceeded") == 0);
    CHECK(wait_cond_is("bpi", "FailureTarget", "True", "MaxFailedIndexesExceeded",
                       "Job has exceeded the specified maximal number of failed indexes"));
    j = get_job("bpi");
    json_t *st = json_object_get(j, "status");
    CHECK_STR(json_string_value(json_object_get(st, "failedIndexes")), "0,2");
    CHECK_INT(json_integer_value(json_object_get(st, "failed")), 3);
    CHECK_INT(json_integer_value(json_object_get(st, "succeeded")), 1);
    json_decref(j);

    /* Without maxFailedIndexes the other indexes run on; the Job fails once all are done. */
    CHECK_INT(make_job("fix", json_pack("{s:i, s:i, s:s, s:i}", "completions", 2, "parallelism", 2,
                                        "completionMode", "Indexed", "backoffLimitPerIndex", 0)),
              201);
    char q0[128], q1[128];
    REQUIRE_VOID(wait_index_pod("fix", 0, NULL, q0, sizeof(q0), cnt, sizeof(cnt)));
    REQUIRE_VOID(wait_index_pod("fix", 1, NULL, q1, sizeof(q1), cnt, sizeof(cnt)));
    CHECK_INT(set_phase(q0, "Failed"), 200);
    CHECK(wait_status_str("fix", "failedIndexes", "0"));
    CHECK_INT(set_phase(q1, "Succeeded"), 200);
    CHECK(wait_cond_is("fix", "Failed", "True", "FailedIndexes", "Job has failed indexes"));
    CHECK(wait_status_str("fix", "completedIndexes", "1"));
}

/* successPolicy: once index 1 succeeded the Job is SuccessCriteriaMet, its other pods are
 * removed (not counted as failures), then it is Complete, both with reason SuccessPolicy. */
static void test_success_policy(void)
{
    json_t *sp = json_loads("{\"rules\":[{\"succeededIndexes\":\"1\"}]}", 0, NULL);
    REQUIRE_VOID(sp);
    CHECK_INT(make_job("sp", json_pack("{s:i, s:i, s:s, s:o}", "completions", 3, "parallelism", 3,
                                       "completionMode", "Indexed", "successPolicy", sp)),
              201);
    char p1[128], cnt[32];
    REQUIRE_VOID(wait_pods("sp", "", 3));
    REQUIRE_VOID(wait_index_pod("sp", 1, NULL, p1, sizeof(p1), cnt, sizeof(cnt)));
    CHECK_STR(cnt, ""); /* no per-index limit, no count */
    CHECK_INT(set_phase(p1, "Succeeded"), 200);
    CHECK(wait_cond_is("sp", "SuccessCriteriaMet", "True", "SuccessPolicy",
                       "Matched rules at index 0"));
    CHECK(wait_cond_is("sp", "Complete", "True", "SuccessPolicy", "Matched rules at index 0"));
    CHECK(wait_pods("sp", "", 0));
    json_t *j = get_job("sp");
    json_t *st = json_object_get(j, "status");
    CHECK_INT(json_integer_value(json_object_get(st, "succeeded")), 1);
    CHECK_INT(json_integer_value(json_object_get(st, "failed")), 0);
    CHECK_INT(json_integer_value(json_object_get(st, "active")), 0);
    CHECK_STR(json_string_value(json_object_get(st, "completedIndexes")), "1");
    CHECK(json_string_value(json_object_get(st, "completionTime")) != NULL);
    json_decref(j);
}

/* podReplacementPolicy Failed: a pod being deleted is status.terminating and not replaced until
 * its kubelet reports it Failed; status.ready follows the pods' Ready condition. */
static void test_replacement_policy(void)
{
    CHECK_INT(make_job("rp", json_pack("{s:i, s:s}", "backoffLimit", 3, "podReplacementPolicy",
                                       "Failed")),
              201);
    REQUIRE_VOID(wait_pods("rp", "", 1));
    json_t *a = pods_of("rp", "");
    char p[128];
    snprintf(p, sizeof(p), "%s", pod_name(json_array_get(a, 0)));
    json_decref(a);
    CHECK_INT(set_status(p, "\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\","
                            "\"status\":\"True\"}]"),
              200);
    CHECK(wait_status("rp", "ready", 1));
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/namespaces/default/pods/%s", p);
    CHECK_INT(api("DELETE", path, NULL, NULL, NULL), 200); /* kept by the tracking finalizer */
    CHECK(wait_status("rp", "terminating", 1));
    CHECK_INT(status_int("rp", "active"), 0);
    CHECK_INT(status_int("rp", "ready"), 0);
    CHECK(wait_pods("rp", "", 0));
    CHECK_INT(status_int("rp", "failed"), 0);
    /* The kubelet's verdict: now it is a failure, and replaced. */
    CHECK_INT(set_phase(p, "Failed"), 200);
    CHECK(wait_status("rp", "failed", 1));
    CHECK(wait_pods("rp", "", 1));
    CHECK(wait_status("rp", "terminating", 0));
    CHECK_INT(finish_all("rp", "Succeeded"), 1);
    CHECK(wait_condition("rp", "Complete") != NULL);

    /* A failure verdict is FailureTarget at once, Failed only once no pod is left terminating. */
    CHECK_INT(make_job("ft", json_pack("{s:i, s:i, s:s}", "parallelism", 2, "backoffLimit", 0,
                                       "podReplacementPolicy", "Failed")),
              201);
    REQUIRE_VOID(wait_pods("ft", "", 2));
    a = pods_of("ft", "");
    char pa[128], pb[128];
    snprintf(pa, sizeof(pa), "%s", pod_name(json_array_get(a, 0)));
    snprintf(pb, sizeof(pb), "%s", pod_name(json_array_get(a, 1)));
    json_decref(a);
    snprintf(path, sizeof(path), "/api/v1/namespaces/default/pods/%s", pa);
    CHECK_INT(api("DELETE", path, NULL, NULL, NULL), 200);
    CHECK(wait_status("ft", "terminating", 1));
    CHECK_INT(set_phase(pb, "Failed"), 200);
    CHECK(wait_cond_is("ft", "FailureTarget", "True", "BackoffLimitExceeded",
                       "Job has reached the specified backoff limit"));
    json_t *j = get_job("ft");
    bool failed_cond = false;
    size_t k;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(j, "status"), "conditions"), k, c)
    {
        if (!strcmp(json_string_value(json_object_get(c, "type")) ?: "", "Failed"))
            failed_cond = true;
    }
    CHECK_MSG(!failed_cond, "no Failed condition while a pod terminates");
    CHECK_INT(json_integer_value(json_object_get(json_object_get(j, "status"), "terminating")), 1);
    json_decref(j);
    CHECK_INT(set_phase(pa, "Failed"), 200);
    CHECK(wait_cond_is("ft", "Failed", "True", "BackoffLimitExceeded",
                       "Job has reached the specified backoff limit"));
    CHECK(wait_status("ft", "failed", 2));
}

int main(void)
{
    setenv("C8S_JOB_BACKOFF_BASE_MS", "300", 1);
    th_etcd_t etcd;
    REQUIRE(th_etcd_start(&etcd) == 0);
    apiserver_config_t cfg = {0};
    const char *eps[] = {etcd.url, NULL};
    cfg.etcd_endpoints = eps;
    cfg.port = th_free_port();
    snprintf(base, sizeof(base), "https://127.0.0.1:%d", cfg.port);
    c8s_err_t err = C8S_ERR_INIT;
    apiserver_t *srv = NULL;
    th_tls_config(&cfg);
    if (apiserver_start(&cfg, &srv, &err) != 0) {
        th_etcd_stop(&etcd);
        REQUIRE(!"server started");
    }
    controllers_t *cm = NULL;
    if (controllers_start(srv, &cm, &err) != 0) {
        apiserver_stop(srv);
        th_etcd_stop(&etcd);
        REQUIRE(!"controllers started");
    }
    for (int i = 0; i < POLLS && api("GET", "/api/v1/namespaces/default/serviceaccounts/default",
                                     NULL, NULL, NULL) != 200;
         i++)
        usleep(100 * 1000);

    test_backoff_and_completion();
    test_backoff_limit_and_ttl();
    test_indexed();
    test_deadline_and_suspend();
    test_tracking_finalizer();
    test_pod_failure_policy();
    test_managed_by();
    test_backoff_limit_per_index();
    test_success_policy();
    test_replacement_policy();

    controllers_stop(cm);
    apiserver_stop(srv);
    th_etcd_stop(&etcd);
    TEST_END();
}
