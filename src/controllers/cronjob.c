/*
 * cronjob.c — CronJob (batch/v1): creates a Job named <cronjob>-<minutes since the epoch> for
 * the most recent schedule time that has come (in UTC, time read through controllers__now_ms so
 * tests can drive it), honouring suspend, startingDeadlineSeconds, concurrencyPolicy
 * Allow/Forbid/Replace, and prunes finished Jobs beyond the history limits. Status carries
 * active, lastScheduleTime and lastSuccessfulTime.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SCHEDULED_ANNOTATION "batch.kubernetes.io/cronjob-scheduled-timestamp"

typedef struct {
    client_t *client;
    informer_t *cronjobs, *jobs;
    informer_reg_t *cj_reg, *job_reg;
    workqueue_t *queue;
    void (*done)(void *data);
    void *done_data;
    /* Zones loaded for spec.timeZone, by name: a few files read once each. */
    struct tz_entry_s {
        char *name;
        tz_t *tz; /* NULL: unknown zone */
    } * zones;
    size_t n_zones;
} cjctrl_t;

/* The zone named name (borrowed from the cache), or NULL with err set when it is unknown. */
static const tz_t *zone(cjctrl_t *cc, const char *name, c8s_err_t *err)
{
    for (size_t i = 0; i < cc->n_zones; i++)
        if (strcmp(cc->zones[i].name, name) == 0) {
            if (!cc->zones[i].tz)
                c8s_err_set(err, C8S_ENOTFOUND, "unknown time zone %s", name);
            return cc->zones[i].tz;
        }
    tz_t *tz = NULL;
    if (tz_load(name, &tz, err) != 0)
        tz = NULL;
    cc->zones = xrealloc(cc->zones, (cc->n_zones + 1) * sizeof(*cc->zones));
    cc->zones[cc->n_zones++] = (struct tz_entry_s){xstrdup(name), tz};
    return tz;
}

typedef struct {
    cjctrl_t *cc;
    char *key;
    char *status_path;
    json_t *status; /* to write once the Job exists */
    json_t *cj;     /* {"metadata": namespace, name, uid}: the events' object */
    char *job;      /* the Job's name */
} create_t;

/* The CronJob's identity alone, for events sent once a write has answered. Owned. */
static json_t *cj_ref(const json_t *cj)
{
    return json_pack("{s:{s:s?, s:s?, s:s?}}", "metadata", "namespace",
                     controllers__meta(cj, "namespace"), "name", controllers__meta(cj, "name"),
                     "uid", controllers__meta(cj, "uid"));
}

static void cj_event(cjctrl_t *cc, const json_t *cj, const char *type, const char *reason,
                     const char *msg)
{
    controllers__event(cc->client, cj, "CronJob", "batch/v1", "cronjob-controller", type, reason,
                       "%s", msg);
}

/* Whether the status (as written) lists Job name as active. */
static bool was_active(const json_t *status, const char *name)
{
    size_t i;
    const json_t *r;
    json_array_foreach(json_object_get(status, "active"), i, r)
    {
        const char *n = json_string_value(json_object_get(r, "name"));
        if (n && name && strcmp(n, name) == 0)
            return true;
    }
    return false;
}

static bool job_finished(const json_t *job, bool *succeeded)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(job, "status"), "conditions"), i, c)
    {
        const char *type = json_string_value(json_object_get(c, "type"));
        const char *st = json_string_value(json_object_get(c, "status"));
        if (!type || !st || strcmp(st, "True") != 0)
            continue;
        if (strcmp(type, "Complete") == 0 || strcmp(type, "Failed") == 0) {
            *succeeded = strcmp(type, "Complete") == 0;
            return true;
        }
    }
    return false;
}

static bool owned_by(const json_t *obj, const char *uid)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(json_object_get(obj, "metadata"), "ownerReferences"), i, r)
    {
        const char *u = json_string_value(json_object_get(r, "uid"));
        if (u && strcmp(u, uid) == 0 && json_is_true(json_object_get(r, "controller")))
            return true;
    }
    return false;
}

/* When a Job was scheduled: its annotation, else its creation time. */
static int64_t job_time(const json_t *job)
{
    const char *a = json_string_value(json_object_get(
        json_object_get(json_object_get(job, "metadata"), "annotations"), SCHEDULED_ANNOTATION));
    int64_t t = c8s_rfc3339_parse(a);
    return t >= 0 ? t : c8s_rfc3339_parse(controllers__meta(job, "creationTimestamp"));
}

typedef struct {
    const char *ns, *uid;
    json_t *jobs; /* owned array of borrowed (increfed) jobs */
} collect_t;

static bool collect(json_t *job, void *data)
{
    collect_t *c = data;
    const char *ns = controllers__meta(job, "namespace");
    if (ns && strcmp(ns, c->ns) == 0 && owned_by(job, c->uid))
        json_array_append(c->jobs, job);
    return true;
}

static int by_time(const void *a, const void *b)
{
    int64_t ta = job_time(*(json_t *const *)a), tb = job_time(*(json_t *const *)b);
    return ta < tb ? -1 : ta > tb;
}

static void on_written(const client_resp_t *resp, void *data)
{
    char *what = data;
    if (resp->status >= 300 && resp->status != 404 && resp->status != 409)
        log_warn("controllers", "cronjob: %s: %d %s", what, resp->status,
                 resp->body ? resp->body : "");
    free(what);
}

typedef struct {
    cjctrl_t *cc;
    json_t *cj; /* cj_ref */
    char *job;
} delete_t;

static void on_job_deleted(const client_resp_t *resp, void *data)
{
    delete_t *d = data;
    if (resp->status == 200 || resp->status == 202) {
        cleanup_free char *msg = xasprintf("Deleted job %s", d->job);
        cj_event(d->cc, d->cj, "Normal", "SuccessfulDelete", msg);
    } else if (resp->status != 404 && resp->status != 409) {
        log_warn("controllers", "cronjob: deleting job %s: %d %s", d->job, resp->status,
                 resp->body ? resp->body : "");
    }
    json_decref(d->cj);
    free(d->job);
    free(d);
}

static void delete_job(cjctrl_t *cc, const json_t *cj, const char *name)
{
    const char *ns = controllers__meta(cj, "namespace");
    cleanup_free char *path = xasprintf("/apis/batch/v1/namespaces/%s/jobs/%s", ns, name);
    static const char body[] = "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\","
                               "\"propagationPolicy\":\"Background\"}";
    delete_t *d = xcalloc(1, sizeof(*d));
    d->cc = cc;
    d->cj = cj_ref(cj);
    d->job = xstrdup(name);
    client_request(cc->client, "DELETE", path, "application/json", body, sizeof(body) - 1,
                   on_job_deleted, d);
}

static void write_status(cjctrl_t *cc, const char *path, json_t *status)
{
    json_t *patch = json_pack("{s:O}", "status", status);
    cleanup_free char *body = json_dumps(patch, JSON_COMPACT);
    json_decref(patch);
    client_request(cc->client, "PATCH", path, "application/merge-patch+json", body, strlen(body),
                   on_written, xasprintf("writing %s", path));
}

static void on_created(const client_resp_t *resp, void *data)
{
    create_t *cr = data;
    cjctrl_t *cc = cr->cc;
    if (resp->status == 201 || resp->status == 409) {
        if (resp->status == 201) {
            cleanup_free char *msg = xasprintf("Created job %s", cr->job);
            cj_event(cc, cr->cj, "Normal", "SuccessfulCreate", msg);
        }
        write_status(cc, cr->status_path, cr->status);
        workqueue_forget(cc->queue, cr->key);
    } else {
        log_warn("controllers", "cronjob %s: creating its job: %d %s", cr->key, resp->status,
                 resp->body ? resp->body : "");
        cleanup_json json_t *answer = resp->body ? json_loads(resp->body, 0, NULL) : NULL;
        cleanup_free char *msg =
            xasprintf("Error creating job: %s",
                      json_string_value(json_object_get(answer, "message")) ?: "unreachable");
        cj_event(cc, cr->cj, "Warning", "FailedCreate", msg);
        workqueue_add_rate_limited(cc->queue, cr->key);
    }
    workqueue_done(cc->queue, cr->key);
    free(cr->key);
    free(cr->status_path);
    json_decref(cr->status);
    json_decref(cr->cj);
    free(cr->job);
    free(cr);
}

/* The latest schedule time in (earliest, now], or -1; *missed counts those times (stopping past
 * 100). Past 100 the latest is found by searching back from now in widening windows, so a
 * schedule missed for years costs no more than one missed for a day. */
static int64_t latest_due(const cron_sched_t *s, int64_t earliest, int64_t now, int *missed)
{
    int64_t latest = -1;
    *missed = 0;
    for (int64_t t = controllers__cron_next(s, earliest); t >= 0 && t <= now;
         t = controllers__cron_next(s, t)) {
        latest = t;
        if (++*missed > 100)
            break;
    }
    if (*missed <= 100)
        return latest;
    static const int64_t windows[] = {3600, 86400, 32 * 86400, 367 * 86400, 5 * 367 * 86400};
    for (size_t w = 0; w < C8S_ARRAY_SIZE(windows); w++) {
        int64_t from = now - windows[w] > earliest ? now - windows[w] : earliest;
        for (int64_t t = controllers__cron_next(s, from); t >= 0 && t <= now;
             t = controllers__cron_next(s, t))
            latest = t;
        if (from == earliest || latest > now - windows[w])
            break;
    }
    return latest;
}

static json_t *job_ref(const json_t *job)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "apiVersion", "batch/v1", "kind", "Job",
                     "name", controllers__meta(job, "name"), "namespace",
                     controllers__meta(job, "namespace"), "uid", controllers__meta(job, "uid"),
                     "resourceVersion", controllers__meta(job, "resourceVersion") ?: "");
}

/* Requeues key for when the schedule next fires: in wall time, or in short steps under a test
 * clock (which may jump at any moment). */
static void requeue_next(cjctrl_t *cc, const char *key, const cron_sched_t *s, int64_t now_ms)
{
    int64_t next = controllers__cron_next(s, now_ms / 1000);
    if (next < 0)
        return;
    int64_t delay = next * 1000 - now_ms + 100;
    if (controllers__clock_is_test() && delay > 100)
        delay = 100;
    workqueue_add_after(cc->queue, key, (uint64_t)(delay > 0 ? delay : 0));
}

static void process(workqueue_t *q, const char *key, void *data)
{
    cjctrl_t *cc = data;
    char ns[256];
    const char *slash = strchr(key, '/');
    if (!slash || (size_t)(slash - key) >= sizeof(ns)) {
        workqueue_done(q, key);
        return;
    }
    snprintf(ns, sizeof(ns), "%.*s", (int)(slash - key), key);
    const char *name = slash + 1;
    json_t *cj = informer_get(cc->cronjobs, ns, name);
    const char *uid = controllers__meta(cj, "uid");
    if (!cj || !uid || controllers__meta(cj, "deletionTimestamp") || !informer_synced(cc->jobs)) {
        workqueue_done(q, key);
        return;
    }
    json_t *spec = json_object_get(cj, "spec");
    json_t *cur = json_object_get(cj, "status");
    int64_t now_ms = controllers__now_ms(), now = now_ms / 1000;

    /* The Jobs it owns, oldest first: active ones, finished ones, history pruned. */
    collect_t col = {ns, uid, json_array()};
    informer_foreach(cc->jobs, collect, &col);
    size_t njobs = json_array_size(col.jobs);
    json_t **jobs = xcalloc(njobs + 1, sizeof(*jobs));
    for (size_t i = 0; i < njobs; i++)
        jobs[i] = json_array_get(col.jobs, i);
    qsort(jobs, njobs, sizeof(*jobs), by_time);
    json_int_t keep_ok = 3, keep_failed = 1;
    if (json_is_integer(json_object_get(spec, "successfulJobsHistoryLimit")))
        keep_ok = json_integer_value(json_object_get(spec, "successfulJobsHistoryLimit"));
    if (json_is_integer(json_object_get(spec, "failedJobsHistoryLimit")))
        keep_failed = json_integer_value(json_object_get(spec, "failedJobsHistoryLimit"));
    json_int_t nok = 0, nfailed = 0;
    for (size_t i = 0; i < njobs; i++) {
        bool ok;
        if (job_finished(jobs[i], &ok))
            ok ? nok++ : nfailed++;
    }
    json_t *active = json_array();
    int64_t last_success =
        c8s_rfc3339_parse(json_string_value(json_object_get(cur, "lastSuccessfulTime")));
    for (size_t i = 0; i < njobs; i++) {
        bool ok;
        if (!job_finished(jobs[i], &ok)) {
            if (!controllers__meta(jobs[i], "deletionTimestamp"))
                json_array_append_new(active, job_ref(jobs[i]));
            continue;
        }
        if (was_active(cur, controllers__meta(jobs[i], "name"))) {
            /* Upstream says so once, as the Job leaves status.active. */
            cleanup_free char *msg =
                xasprintf("Saw completed job: %s, condition: %s",
                          controllers__meta(jobs[i], "name"), ok ? "Complete" : "Failed");
            cj_event(cc, cj, "Normal", "SawCompletedJob", msg);
        }
        if (ok) {
            int64_t ct = c8s_rfc3339_parse(json_string_value(
                json_object_get(json_object_get(jobs[i], "status"), "completionTime")));
            if (ct > last_success)
                last_success = ct;
        }
        if (controllers__meta(jobs[i], "deletionTimestamp"))
            continue;
        if (ok ? nok-- > keep_ok : nfailed-- > keep_failed)
            delete_job(cc, cj, controllers__meta(jobs[i], "name"));
    }

    json_t *status = json_object();
    json_object_set_new(status, "active",
                        json_array_size(active) ? json_incref(active) : json_null());
    /* lastScheduleTime is written only with the Job it records: a write from a stale view must
     * not take it back. */
    json_t *lst = json_object_get(cur, "lastScheduleTime");
    if (last_success >= 0) {
        char buf[32];
        c8s_rfc3339_format(last_success, buf, sizeof(buf));
        json_object_set_new(status, "lastSuccessfulTime", json_string(buf));
    }
    cleanup_free char *status_path =
        xasprintf("/apis/batch/v1/namespaces/%s/cronjobs/%s/status", ns, name);

    cron_sched_t sched;
    c8s_err_t err = C8S_ERR_INIT;
    const char *tz = json_string_value(json_object_get(spec, "timeZone"));
    int64_t due = -1;
    bool parsed =
        controllers__cron_parse(json_string_value(json_object_get(spec, "schedule")) ?: "", &sched,
                                &err) == 0;
    if (!parsed) {
        log_warn("controllers", "cronjob %s: unparseable schedule: %s", key, err.msg);
    } else if (tz && !(sched.tz = zone(cc, tz, &err))) {
        /* As upstream: an event, and no Jobs until the zone is fixed. */
        controllers__event(cc->client, cj, "CronJob", "batch/v1", "cronjob-controller", "Warning",
                           "UnknownTimeZone", "invalid timeZone: \"%s\": %s", tz, err.msg);
        parsed = false;
    }
    if (parsed && !json_is_true(json_object_get(spec, "suspend"))) {
        int64_t earliest = c8s_rfc3339_parse(json_string_value(lst));
        if (earliest < 0)
            earliest = c8s_rfc3339_parse(controllers__meta(cj, "creationTimestamp"));
        /* The status may lag behind Jobs this controller already made. */
        for (size_t i = 0; i < njobs; i++) {
            if (job_time(jobs[i]) > earliest)
                earliest = job_time(jobs[i]);
        }
        json_t *sds = json_object_get(spec, "startingDeadlineSeconds");
        if (json_is_integer(sds) && now - json_integer_value(sds) > earliest)
            earliest = now - json_integer_value(sds);
        int missed = 0;
        due = latest_due(&sched, earliest, now, &missed);
        if (missed > 100)
            log_warn("controllers",
                     "cronjob %s: too many missed start times (> 100); starting only the latest",
                     key);
        const char *policy = json_string_value(json_object_get(spec, "concurrencyPolicy"));
        if (due >= 0 && json_array_size(active) > 0 && policy && strcmp(policy, "Forbid") == 0)
            due = -1; /* stays pending: it runs when the active ones finish, if still in time */
        if (due >= 0 && policy && strcmp(policy, "Replace") == 0) {
            size_t i;
            json_t *r;
            cleanup_free char *due_name = xasprintf("%s-%lld", name, (long long)(due / 60));
            json_array_foreach(active, i, r)
            {
                const char *an = json_string_value(json_object_get(r, "name"));
                if (an && strcmp(an, due_name) != 0)
                    delete_job(cc, cj, an);
            }
            json_array_clear(active);
            json_object_set_new(status, "active", json_null());
        }
    }

    if (due >= 0) {
        char when[32];
        c8s_rfc3339_format(due, when, sizeof(when));
        cleanup_free char *jname = xasprintf("%s-%lld", name, (long long)(due / 60));
        json_t *tmpl = json_object_get(spec, "jobTemplate");
        json_t *tmeta = json_object_get(tmpl, "metadata");
        json_t *meta =
            json_pack("{s:s, s:s, s:[{s:s, s:s, s:s, s:s, s:b, s:b}]}", "name", jname, "namespace",
                      ns, "ownerReferences", "apiVersion", "batch/v1", "kind", "CronJob", "name",
                      name, "uid", uid, "controller", 1, "blockOwnerDeletion", 1);
        json_t *labels = json_object_get(tmeta, "labels");
        if (json_is_object(labels))
            json_object_set_new(meta, "labels", json_deep_copy(labels));
        json_t *ann = json_object_get(tmeta, "annotations");
        ann = json_is_object(ann) ? json_deep_copy(ann) : json_object();
        json_object_set_new(ann, SCHEDULED_ANNOTATION, json_string(when));
        json_object_set_new(meta, "annotations", ann);
        json_t *job =
            json_pack("{s:s, s:s, s:o, s:O}", "apiVersion", "batch/v1", "kind", "Job", "metadata",
                      meta, "spec", json_object_get(tmpl, "spec") ?: json_object());
        cleanup_free char *body = json_dumps(job, JSON_COMPACT);
        json_decref(job);
        json_object_set_new(status, "lastScheduleTime", json_string(when));
        json_t *ref = json_pack("{s:s, s:s, s:s, s:s}", "apiVersion", "batch/v1", "kind", "Job",
                                "name", jname, "namespace", ns);
        if (!json_is_array(json_object_get(status, "active")))
            json_object_set_new(status, "active", json_array());
        json_array_append_new(json_object_get(status, "active"), ref);
        create_t *cr = xcalloc(1, sizeof(*cr));
        cr->cc = cc;
        cr->key = xstrdup(key);
        cr->status_path = xstrdup(status_path);
        cr->status = json_incref(status);
        cr->cj = cj_ref(cj);
        cr->job = xstrdup(jname);
        cleanup_free char *path = xasprintf("/apis/batch/v1/namespaces/%s/jobs", ns);
        client_request(cc->client, "POST", path, "application/json", body, strlen(body), on_created,
                       cr);
        requeue_next(cc, key, &sched, now_ms);
    } else {
        /* Write only what changed. */
        json_t *ca = json_object_get(cur, "active");
        bool same_active = json_array_size(ca) == json_array_size(active);
        for (size_t i = 0; same_active && i < json_array_size(active); i++) {
            const char *a = json_string_value(json_object_get(json_array_get(ca, i), "name"));
            const char *b = json_string_value(json_object_get(json_array_get(active, i), "name"));
            same_active = a && b && strcmp(a, b) == 0;
        }
        const char *ls = json_string_value(json_object_get(cur, "lastSuccessfulTime"));
        const char *ns_ls = json_string_value(json_object_get(status, "lastSuccessfulTime"));
        bool same_ls =
            (!ls && !ns_ls) || (ls && ns_ls && c8s_rfc3339_parse(ls) == c8s_rfc3339_parse(ns_ls));
        if (!same_active || !same_ls)
            write_status(cc, status_path, status);
        if (parsed)
            requeue_next(cc, key, &sched, now_ms);
        workqueue_done(q, key);
    }
    json_decref(status);
    json_decref(active);
    free(jobs);
    json_decref(col.jobs);
}

static void enqueue(cjctrl_t *cc, const json_t *obj)
{
    const char *ns = controllers__meta(obj, "namespace"), *name = controllers__meta(obj, "name");
    if (!ns || !name)
        return;
    cleanup_free char *key = xasprintf("%s/%s", ns, name);
    workqueue_add(cc->queue, key);
}

static void cj_changed(informer_t *inf, json_t *obj, void *data)
{
    enqueue(data, obj);
}

static void cj_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    enqueue(data, obj);
}

/* A Job's change concerns the CronJob that controls it. */
static void job_changed(informer_t *inf, json_t *job, void *data)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(json_object_get(job, "metadata"), "ownerReferences"), i, r)
    {
        const char *kind = json_string_value(json_object_get(r, "kind"));
        const char *name = json_string_value(json_object_get(r, "name"));
        const char *ns = controllers__meta(job, "namespace");
        if (kind && name && ns && strcmp(kind, "CronJob") == 0 &&
            json_is_true(json_object_get(r, "controller"))) {
            cleanup_free char *key = xasprintf("%s/%s", ns, name);
            workqueue_add(((cjctrl_t *)data)->queue, key);
        }
    }
}

static void job_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    job_changed(inf, obj, data);
}

static bool enqueue_cj(json_t *obj, void *data)
{
    enqueue(data, obj);
    return true;
}

static void jobs_synced(informer_t *inf, void *data)
{
    cjctrl_t *cc = data;
    informer_foreach(cc->cronjobs, enqueue_cj, cc);
}

static ctrl_t *start(controllers_t *cm)
{
    cjctrl_t *cc = xcalloc(1, sizeof(*cc));
    cc->client = controllers__client(cm);
    cc->queue = workqueue_new(client_loop(cc->client), 2, process, cc);
    informer_handlers_t ch = {.on_add = cj_changed, .on_update = cj_updated};
    informer_handlers_t jh = {.on_add = job_changed,
                              .on_update = job_updated,
                              .on_delete = job_changed,
                              .on_synced = jobs_synced};
    cc->cronjobs = controllers__informer(cm, "/apis/batch/v1/cronjobs");
    cc->jobs = controllers__informer(cm, "/apis/batch/v1/jobs");
    cc->cj_reg = informer_add_handlers(cc->cronjobs, &ch, cc);
    cc->job_reg = informer_add_handlers(cc->jobs, &jh, cc);
    return (ctrl_t *)cc;
}

static void on_queue_closed(void *data)
{
    cjctrl_t *cc = data;
    void (*done)(void *) = cc->done;
    void *d = cc->done_data;
    for (size_t i = 0; i < cc->n_zones; i++) {
        free(cc->zones[i].name);
        tz_free(cc->zones[i].tz);
    }
    free(cc->zones);
    free(cc);
    done(d);
}

static void stop(ctrl_t *ctrl, void (*done)(void *data), void *data)
{
    cjctrl_t *cc = (cjctrl_t *)ctrl;
    cc->done = done;
    cc->done_data = data;
    informer_remove_handlers(cc->cronjobs, cc->cj_reg);
    informer_remove_handlers(cc->jobs, cc->job_reg);
    workqueue_close(cc->queue, on_queue_closed, cc);
}

const ctrl_ops_t controllers__cronjob = {"cronjob", start, stop};
