/*
 * test_api_apply.c — server-side apply over HTTP against a real etcd: PatchOptions checked as
 * upstream (fieldManager required, force only with apply: 422), an apply to a missing object
 * creates it (201) and records an Apply entry, dryRun leaves nothing, a conflicting apply is 409
 * with FieldManagerConflict causes naming the manager and the field, force takes the field,
 * Update entries name the writer (?fieldManager=, else the User-Agent) and the status subresource,
 * a PUT with managedFields [{}] clears the others, an applied configuration carrying
 * managedFields is refused, and concurrent applies to one missing object all land.
 */
#include "c8s/base.h"
#include "c8s/strbuf.h"
#include "harness.h"
#include "test.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static th_server_t srv;
static th_etcd_t etcd;

#define CM       "/api/v1/namespaces/default/configmaps"
#define APPLY_CT "Content-Type: application/apply-patch+yaml"

static long req(const char *method, const char *path, const char *ct, const char *agent,
                const char *body, json_t **out)
{
    char url[512], cth[128], uah[128];
    snprintf(url, sizeof(url), "%s%s", srv.url, path);
    snprintf(cth, sizeof(cth), "Content-Type: %s", ct ? ct : "application/json");
    snprintf(uah, sizeof(uah), "User-Agent: %s", agent ? agent : "apply-test/1.0 (linux)");
    const char *headers[3] = {cth, uah, NULL};
    th_resp_t r;
    if (th_http_h(method, url, headers, body, &r) != 0)
        return -1;
    if (out)
        *out = json_loadb(r.body, r.len, 0, NULL);
    long st = r.status;
    th_resp_free(&r);
    return st;
}

/* The managers of an object as "manager/operation[/subresource]" joined by spaces (owned). */
static char *managers(const json_t *obj)
{
    strbuf_t sb = STRBUF_INIT;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(json_object_get(obj, "metadata"), "managedFields"), i, e)
    {
        const char *sub = json_string_value(json_object_get(e, "subresource"));
        strbuf_addf(
            &sb, "%s%s/%s%s%s", i ? " " : "", json_string_value(json_object_get(e, "manager")),
            json_string_value(json_object_get(e, "operation")), sub ? "/" : "", sub ? sub : "");
    }
    return strbuf_take(&sb);
}

static const char *status_reason(const json_t *st)
{
    const char *r = json_string_value(json_object_get(st, "reason"));
    return r ? r : "";
}

static void test_patch_options(void)
{
    json_t *st = NULL;
    CHECK_INT(req("PATCH", CM "/opts", "application/apply-patch+yaml", NULL,
                  "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\"}", &st),
              422);
    CHECK_STR(json_string_value(json_object_get(st, "message")),
              "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is "
              "required for apply patch");
    CHECK_STR(json_string_value(json_object_get(json_object_get(st, "details"), "kind")),
              "PatchOptions");
    json_decref(st);
    CHECK_INT(req("PATCH", CM "/opts?force=true", "application/merge-patch+json", NULL, "{}", &st),
              422);
    CHECK(strstr(json_string_value(json_object_get(st, "message")),
                 "force: Forbidden: may not be specified for non-apply patch") != NULL);
    json_decref(st);
}

static void test_apply_create_conflict_force(void)
{
    const char *cfg = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  a: \"1\"\n"
                      "  b: \"2\"\n";
    json_t *o = NULL;
    /* dryRun: answered, nothing stored. */
    CHECK_INT(req("PATCH", CM "/app?fieldManager=tool&dryRun=All", "application/apply-patch+yaml",
                  NULL, cfg, &o),
              201);
    json_decref(o);
    CHECK_INT(req("GET", CM "/app", NULL, NULL, NULL, NULL), 404);
    /* A missing object is created. */
    CHECK_INT(
        req("PATCH", CM "/app?fieldManager=tool", "application/apply-patch+yaml", NULL, cfg, &o),
        201);
    cleanup_free char *m1 = managers(o);
    CHECK_STR(m1, "tool/Apply");
    json_t *e = json_array_get(json_object_get(json_object_get(o, "metadata"), "managedFields"), 0);
    CHECK_STR(json_string_value(json_object_get(e, "fieldsType")), "FieldsV1");
    CHECK_STR(json_string_value(json_object_get(e, "apiVersion")), "v1");
    CHECK(json_object_get(json_object_get(json_object_get(e, "fieldsV1"), "f:data"), "f:a"));
    json_decref(o);

    /* Another writer (a merge patch, named by its User-Agent) changes a. */
    CHECK_INT(req("PATCH", CM "/app", "application/merge-patch+json", "editor/2.0 (x)",
                  "{\"data\":{\"a\":\"9\"}}", &o),
              200);
    cleanup_free char *m2 = managers(o);
    CHECK_STR(m2, "tool/Apply editor/Update");
    json_decref(o);

    /* Applying a again conflicts. */
    CHECK_INT(
        req("PATCH", CM "/app?fieldManager=tool", "application/apply-patch+yaml", NULL, cfg, &o),
        409);
    CHECK_STR(status_reason(o), "Conflict");
    CHECK_STR(json_string_value(json_object_get(o, "message")),
              "Apply failed with 1 conflict: conflict with \"editor\" using v1: .data.a");
    json_t *cause = json_array_get(json_object_get(json_object_get(o, "details"), "causes"), 0);
    CHECK_STR(json_string_value(json_object_get(cause, "reason")), "FieldManagerConflict");
    CHECK_STR(json_string_value(json_object_get(cause, "field")), ".data.a");
    CHECK_STR(json_string_value(json_object_get(cause, "message")),
              "conflict with \"editor\" using v1");
    json_decref(o);

    /* Force takes it; the editor's entry, now empty, goes. */
    CHECK_INT(req("PATCH", CM "/app?fieldManager=tool&force=true", "application/apply-patch+yaml",
                  NULL, cfg, &o),
              200);
    CHECK_STR(json_string_value(json_object_get(json_object_get(o, "data"), "a")), "1");
    cleanup_free char *m3 = managers(o);
    CHECK_STR(m3, "tool/Apply");
    json_decref(o);

    /* Dropping b from the configuration removes it. */
    CHECK_INT(req("PATCH", CM "/app?fieldManager=tool", "application/apply-patch+yaml", NULL,
                  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  a: \"1\"\n",
                  &o),
              200);
    CHECK(json_object_get(json_object_get(o, "data"), "b") == NULL);
    json_decref(o);

    /* managedFields in an applied configuration are refused. */
    CHECK_INT(req("PATCH", CM "/app?fieldManager=tool", "application/apply-patch+yaml", NULL,
                  "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"app\","
                  "\"managedFields\":[{\"manager\":\"x\"}]}}",
                  &o),
              400);
    json_decref(o);

    /* A PUT naming its manager, sending managedFields [{}]: only its own entry remains. */
    CHECK_INT(req("GET", CM "/app", NULL, NULL, NULL, &o), 200);
    json_object_set_new(json_object_get(o, "metadata"), "managedFields", json_pack("[{}]"));
    json_object_set_new(json_object_get(o, "data"), "c", json_string("3"));
    char *body = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    CHECK_INT(req("PUT", CM "/app?fieldManager=replacer", NULL, NULL, body, &o), 200);
    free(body);
    cleanup_free char *m4 = managers(o);
    CHECK_STR(m4, "replacer/Update");
    json_decref(o);
}

static void test_status_subresource(void)
{
    const char *dep =
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\"},"
        "\"spec\":{\"replicas\":1,\"selector\":{\"matchLabels\":{\"a\":\"b\"}},\"template\":{"
        "\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{\"containers\":[{\"name\":\"c\","
        "\"image\":\"busybox\"}]}}}}";
    json_t *o = NULL;
    CHECK_INT(req("POST", "/apis/apps/v1/namespaces/default/deployments", NULL,
                  "kubectl/v1.32.0 (linux/amd64) kubernetes/abc", dep, &o),
              201);
    cleanup_free char *m1 = managers(o);
    CHECK_STR(m1, "kubectl/Update");
    json_decref(o);
    CHECK_INT(req("PATCH",
                  "/apis/apps/v1/namespaces/default/deployments/d/status?fieldManager=ctrl",
                  "application/merge-patch+json", NULL, "{\"status\":{\"replicas\":1}}", &o),
              200);
    cleanup_free char *m2 = managers(o);
    CHECK_STR(m2, "kubectl/Update ctrl/Update/status");
    json_decref(o);
}

/* Concurrent applies to one missing object: one creates it, the others (which found it missing
 * too) apply to it instead of failing with AlreadyExists. */
typedef struct {
    int i;
    long status;
} racer_t;

static void *race(void *arg)
{
    racer_t *rc = arg;
    char path[128], body[256];
    snprintf(path, sizeof(path), CM "/raced?fieldManager=m%d", rc->i);
    snprintf(body, sizeof(body),
             "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
             "\"raced\"},\"data\":{\"k%d\":\"v\"}}",
             rc->i);
    rc->status = req("PATCH", path, "application/apply-patch+yaml", NULL, body, NULL);
    return NULL;
}

static void test_apply_create_race(void)
{
    enum { N = 8 };
    racer_t rs[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        rs[i] = (racer_t){i, 0};
        pthread_create(&th[i], NULL, race, &rs[i]);
    }
    int created = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        CHECK_MSG(rs[i].status == 200 || rs[i].status == 201, "racer %d: HTTP %ld", i,
                  rs[i].status);
        created += rs[i].status == 201;
    }
    CHECK_INT(created, 1);
    json_t *o = NULL;
    CHECK_INT(req("GET", CM "/raced", NULL, NULL, NULL, &o), 200);
    CHECK_INT(json_object_size(json_object_get(o, "data")), N);
    CHECK_INT(json_array_size(json_object_get(json_object_get(o, "metadata"), "managedFields")), N);
    json_decref(o);
}

int main(void)
{
    REQUIRE(th_etcd_start(&etcd) == 0);
    static const char *const args[] = {"--disable-scheduler", "--disable-controller-manager", NULL};
    if (th_server_start(&srv, etcd.url, args) != 0) {
        th_server_stop(&srv);
        th_etcd_stop(&etcd);
        REQUIRE(!"server started");
    }
    test_patch_options();
    test_apply_create_conflict_force();
    test_status_subresource();
    test_apply_create_race();
    th_server_stop(&srv);
    th_etcd_stop(&etcd);
    TEST_END();
}
