/*
 * test_ctrl_cronjob.c — the CronJob controller on a real etcd, the c8s API and the controller
 * manager, under a test clock advanced a minute at a time: a "*" + "/1" schedule fires once a
 * minute with Jobs named <cronjob>-<minutes>; Allow runs them side by side and prunes finished
 * ones past the history limits; Forbid skips while one runs and starts the pending time once it
 * finishes; Replace deletes the running one; suspend stops firing.
 */
#include "c8s/apiserver.h"
#include "c8s/controllers.h"
#include "harness.h"
#include "test.h"

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char base[64];
static _Atomic int64_t fake_ms;

static int64_t fake_clock(void)
{
    return fake_ms;
}

static long api(const char *method, const char *path, const char *ct, const char *body,
                json_t **out)
{
    return th_api(base, method, path, ct, body, out);
}

static long make_cronjob(const char *name, const char *policy, int keep_ok)
{
    json_t *cj = json_pack(
        "{s:s, s:s, s:{s:s}, s:{s:s, s:s, s:i, s:i, s:{s:{s:{s:{s:s, s:[{s:s, s:s}]}}}}}}",
        "apiVersion", "batch/v1", "kind", "CronJob", "metadata", "name", name, "spec", "schedule",
        "*/1 * * * *", "concurrencyPolicy", policy, "successfulJobsHistoryLimit", keep_ok,
        "failedJobsHistoryLimit", 1, "jobTemplate", "spec", "template", "spec", "restartPolicy",
        "Never", "containers", "name", "c", "image", "busybox");
    char *body = json_dumps(cj, JSON_COMPACT);
    json_decref(cj);
    long st = api("POST", "/apis/batch/v1/namespaces/default/cronjobs", NULL, body, NULL);
    free(body);
    return st;
}

static long get_job(const char *cj, int64_t minute, json_t **out)
{
    char path[256];
    snprintf(path, sizeof(path), "/apis/batch/v1/namespaces/default/jobs/%s-%lld", cj,
             (long long)minute);
    return api("GET", path, NULL, NULL, out);
}

static bool wait_job(const char *cj, int64_t minute, long want)
{
    for (int i = 0; i < 200; i++) {
        if (get_job(cj, minute, NULL) == want)
            return true;
        usleep(50 * 1000);
    }
    return false;
}

/* Marks a Job finished as the Job controller would. */
static long finish_job(const char *cj, int64_t minute, bool ok)
{
    char path[256], body[512], when[32];
    time_t t = (time_t)(fake_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(path, sizeof(path), "/apis/batch/v1/namespaces/default/jobs/%s-%lld/status", cj,
             (long long)minute);
    if (ok)
        snprintf(body, sizeof(body),
                 "{\"status\":{\"startTime\":\"%s\",\"completionTime\":\"%s\",\"succeeded\":1,"
                 "\"conditions\":[{\"type\":\"SuccessCriteriaMet\",\"status\":\"True\"},"
                 "{\"type\":\"Complete\",\"status\":\"True\"}]}}",
                 when, when);
    else
        snprintf(body, sizeof(body),
                 "{\"status\":{\"startTime\":\"%s\",\"failed\":1,\"conditions\":["
                 "{\"type\":\"FailureTarget\",\"status\":\"True\"},"
                 "{\"type\":\"Failed\",\"status\":\"True\",\"reason\":\"BackoffLimitExceeded\"}]}}",
                 when);
    return api("PATCH", path, "application/merge-patch+json", body, NULL);
}

static json_t *get_cronjob(const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), "/apis/batch/v1/namespaces/default/cronjobs/%s", name);
    json_t *o = NULL;
    api("GET", path, NULL, NULL, &o);
    return o;
}

/* Polls until the CronJob's status.active holds n Jobs. */
static bool wait_active(const char *name, size_t n)
{
    for (int i = 0; i < 200; i++) {
        json_t *o = get_cronjob(name);
        size_t have = json_array_size(json_object_get(json_object_get(o, "status"), "active"));
        json_decref(o);
        if (have == n)
            return true;
        usleep(50 * 1000);
    }
    return false;
}

/* Polls until the CronJob's status has field. */
static bool wait_status_field(const char *name, const char *field)
{
    for (int i = 0; i < 200; i++) {
        json_t *o = get_cronjob(name);
        bool have = json_object_get(json_object_get(o, "status"), field) != NULL;
        json_decref(o);
        if (have)
            return true;
        usleep(50 * 1000);
    }
    return false;
}

static void advance_to(int64_t minute)
{
    fake_ms = minute * 60000 + 5000;
}

int main(void)
{
    fake_ms = (int64_t)time(NULL) * 1000;
    controllers_set_clock(fake_clock);

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
    for (int i = 0; i < 200 && api("GET", "/api/v1/namespaces/default", NULL, NULL, NULL) != 200;
         i++)
        usleep(100 * 1000);

    /* CronJobs count from their creation (real time): stop the test clock late in the minute
     * they are created in, so the next minute is the first due. */
    while (time(NULL) % 60 >= 50)
        usleep(200 * 1000);
    int64_t m0 = (int64_t)time(NULL) / 60;
    fake_ms = m0 * 60000 + 55000;
    CHECK_INT(make_cronjob("allow", "Allow", 1), 201);
    CHECK_INT(make_cronjob("forbid", "Forbid", 3), 201);
    CHECK_INT(make_cronjob("replace", "Replace", 3), 201);
    /* Nothing is due before the next minute. */
    usleep(500 * 1000);
    CHECK_INT(get_job("allow", m0, NULL), 404);
    CHECK_INT(get_job("allow", m0 + 1, NULL), 404);

    advance_to(m0 + 1);
    CHECK(wait_job("allow", m0 + 1, 200));
    CHECK(wait_job("forbid", m0 + 1, 200));
    CHECK(wait_job("replace", m0 + 1, 200));
    json_t *job = NULL;
    CHECK_INT(get_job("allow", m0 + 1, &job), 200);
    json_t *ref =
        json_array_get(json_object_get(json_object_get(job, "metadata"), "ownerReferences"), 0);
    CHECK_STR(json_string_value(json_object_get(ref, "kind")), "CronJob");
    CHECK(json_is_true(json_object_get(ref, "controller")));
    json_decref(job);
    CHECK(wait_active("allow", 1));
    CHECK(wait_status_field("allow", "lastScheduleTime"));

    /* Minute 2: Allow runs a second beside the first; Forbid waits; Replace replaces. */
    advance_to(m0 + 2);
    CHECK(wait_job("allow", m0 + 2, 200));
    CHECK(wait_job("replace", m0 + 2, 200));
    CHECK(wait_job("replace", m0 + 1, 404));
    usleep(500 * 1000);
    CHECK_INT(get_job("forbid", m0 + 2, NULL), 404);
    CHECK_INT(get_job("allow", m0 + 1, NULL), 200);
    CHECK(wait_active("allow", 2));
    /* Once Forbid's Job finishes, the pending time runs. */
    CHECK_INT(finish_job("forbid", m0 + 1, true), 200);
    CHECK(wait_job("forbid", m0 + 2, 200));

    /* History: one successful kept, one failed kept. */
    CHECK_INT(finish_job("allow", m0 + 1, true), 200);
    CHECK(wait_active("allow", 1));
    CHECK_INT(get_job("allow", m0 + 1, NULL), 200);
    CHECK_INT(finish_job("allow", m0 + 2, true), 200);
    CHECK(wait_job("allow", m0 + 1, 404));
    CHECK_INT(get_job("allow", m0 + 2, NULL), 200);
    CHECK(wait_status_field("allow", "lastSuccessfulTime"));
    /* What `kubectl describe cronjob` shows, in upstream's words. */
    {
        char msg[128];
        snprintf(msg, sizeof(msg), "Created job allow-%lld", (long long)(m0 + 2));
        CHECK(th_wait_event(base, "default", "CronJob", "allow", "SuccessfulCreate", msg, 60000));
        snprintf(msg, sizeof(msg), "Saw completed job: allow-%lld, condition: Complete",
                 (long long)(m0 + 1));
        CHECK(th_wait_event(base, "default", "CronJob", "allow", "SawCompletedJob", msg, 60000));
        snprintf(msg, sizeof(msg), "Deleted job allow-%lld", (long long)(m0 + 1));
        CHECK(th_wait_event(base, "default", "CronJob", "allow", "SuccessfulDelete", msg, 60000));
    }
    advance_to(m0 + 3);
    CHECK(wait_job("allow", m0 + 3, 200));
    CHECK_INT(finish_job("allow", m0 + 3, false), 200);
    advance_to(m0 + 4);
    CHECK(wait_job("allow", m0 + 4, 200));
    CHECK_INT(finish_job("allow", m0 + 4, false), 200);
    CHECK(wait_job("allow", m0 + 3, 404));
    CHECK_INT(get_job("allow", m0 + 4, NULL), 200);
    CHECK_INT(get_job("allow", m0 + 2, NULL), 200);

    /* Suspended: no more Jobs; several minutes later, resumed: only the latest time runs. */
    CHECK_INT(api("PATCH", "/apis/batch/v1/namespaces/default/cronjobs/allow",
                  "application/merge-patch+json", "{\"spec\":{\"suspend\":true}}", NULL),
              200);
    usleep(300 * 1000);
    advance_to(m0 + 5);
    usleep(500 * 1000);
    CHECK_INT(get_job("allow", m0 + 5, NULL), 404);
    advance_to(m0 + 8);
    CHECK_INT(api("PATCH", "/apis/batch/v1/namespaces/default/cronjobs/allow",
                  "application/merge-patch+json", "{\"spec\":{\"suspend\":false}}", NULL),
              200);
    CHECK(wait_job("allow", m0 + 8, 200));
    CHECK_INT(get_job("allow", m0 + 6, NULL), 404);

    /* spec.timeZone: "0 * * * *" in Kolkata (+05:30) is half past every UTC hour. */
    const char *tzcj = "{\"metadata\":{\"name\":\"kolkata\"},\"spec\":{\"schedule\":\"0 * * * *\","
                       "\"timeZone\":\"Asia/Kolkata\",\"jobTemplate\":{\"spec\":{\"template\":"
                       "{\"spec\":{\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"c\","
                       "\"image\":\"busybox\"}]}}}}}}";
    CHECK_INT(api("POST", "/apis/batch/v1/namespaces/default/cronjobs", NULL, tzcj, NULL), 201);
    int64_t now_min = fake_ms / 60000;
    int64_t half = now_min - now_min % 60 + 30;
    if (half <= now_min)
        half += 60;
    advance_to(half);
    CHECK(wait_job("kolkata", half, 200));
    CHECK_INT(get_job("kolkata", half - 30, NULL), 404);
    json_t *bad = NULL;
    const char *badcj = "{\"metadata\":{\"name\":\"mars\"},\"spec\":{\"schedule\":\"0 * * * *\","
                        "\"timeZone\":\"Mars/Olympus_Mons\",\"jobTemplate\":{\"spec\":{"
                        "\"template\":{\"spec\":{\"restartPolicy\":\"Never\",\"containers\":[{"
                        "\"name\":\"c\",\"image\":\"busybox\"}]}}}}}}";
    CHECK_INT(api("POST", "/apis/batch/v1/namespaces/default/cronjobs", NULL, badcj, &bad), 422);
    CHECK_STR(json_string_value(json_object_get(bad, "message")),
              "CronJob.batch \"mars\" is invalid: spec.timeZone: Invalid value: "
              "\"Mars/Olympus_Mons\": unknown time zone Mars/Olympus_Mons");
    json_decref(bad);

    controllers_stop(cm);
    controllers_set_clock(NULL);
    apiserver_stop(srv);
    th_etcd_stop(&etcd);
    TEST_END();
}
