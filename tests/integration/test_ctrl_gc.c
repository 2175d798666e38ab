/*
 * test_ctrl_gc.c — the garbage collector on a real etcd, the c8s API and the controller manager:
 * cascading deletion with propagationPolicy Background, Foreground (blockOwnerDeletion holds the
 * owner back, through two levels) and Orphan; a dependent with two owners keeps living while one
 * does; an owner replaced by a new object of the same name is still gone; a dependent whose owner
 * never existed is collected; a cluster-scoped dependent naming a namespaced owner is not;
 * deletions made while no collector ran are carried out when one starts.
 */
#include "c8s/apiserver.h"
#include "c8s/controllers.h"
#include "harness.h"
#include "test.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char base[64];

static long api(const char *method, const char *path, const char *ct, const char *body,
                json_t **out)
{
    return th_api(base, method, path, ct, body, out);
}

static long post(const char *path, json_t *obj /* stolen */, char *uid_out)
{
    char *body = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    json_t *res = NULL;
    long st = api("POST", path, NULL, body, &res);
    free(body);
    if (uid_out) {
        const char *u = json_string_value(json_object_get(json_object_get(res, "metadata"), "uid"));
        snprintf(uid_out, 40, "%s", u ? u : "");
    }
    json_decref(res);
    return st;
}

static json_t *ref(const char *kind, const char *name, const char *uid, bool block)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:b}", "apiVersion", "v1", "kind", kind, "name", name,
                     "uid", uid, "blockOwnerDeletion", block);
}

/* A ConfigMap in default with the given ownerReferences (stolen; may be NULL). */
static long make_cm(const char *name, json_t *refs, char *uid_out)
{
    json_t *cm = json_pack("{s:s, s:s, s:{s:s}, s:{s:s}}", "apiVersion", "v1", "kind", "ConfigMap",
                           "metadata", "name", name, "data", "k", "v");
    if (refs)
        json_object_set_new(json_object_get(cm, "metadata"), "ownerReferences", refs);
    return post("/api/v1/namespaces/default/configmaps", cm, uid_out);
}

static long get_cm(const char *name, json_t **out)
{
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/namespaces/default/configmaps/%s", name);
    return api("GET", path, NULL, NULL, out);
}

static long del(const char *path, const char *policy)
{
    char body[256];
    snprintf(body, sizeof(body),
             "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"propagationPolicy\":\"%s\"}",
             policy);
    return api("DELETE", path, NULL, body, NULL);
}

static long del_cm(const char *name, const char *policy)
{
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/namespaces/default/configmaps/%s", name);
    return del(path, policy);
}

/* Polls until GET path answers want (up to 20 s). */
static bool wait_status(const char *path, long want)
{
    for (int i = 0; i < 200; i++) {
        if (api("GET", path, NULL, NULL, NULL) == want)
            return true;
        usleep(100 * 1000);
    }
    return false;
}

static bool wait_cm_gone(const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/namespaces/default/configmaps/%s", name);
    return wait_status(path, 404);
}

static size_t nrefs(const json_t *obj)
{
    return json_array_size(json_object_get(json_object_get(obj, "metadata"), "ownerReferences"));
}

/* Polls until the ConfigMap has n ownerReferences. */
static bool wait_refs(const char *name, size_t n)
{
    for (int i = 0; i < 200; i++) {
        json_t *o = NULL;
        long st = get_cm(name, &o);
        size_t have = nrefs(o);
        json_decref(o);
        if (st == 200 && have == n)
            return true;
        usleep(100 * 1000);
    }
    return false;
}

static void test_background(void)
{
    char ou[40], du[40];
    REQUIRE_VOID(make_cm("bg-owner", NULL, ou) == 201);
    REQUIRE_VOID(
        make_cm("bg-dep1", json_pack("[o]", ref("ConfigMap", "bg-owner", ou, false)), du) == 201);
    REQUIRE_VOID(
        make_cm("bg-dep2", json_pack("[o]", ref("ConfigMap", "bg-owner", ou, true)), NULL) == 201);
    /* A grandchild goes too, through its parent. */
    REQUIRE_VOID(make_cm("bg-grandchild", json_pack("[o]", ref("ConfigMap", "bg-dep1", du, false)),
                         NULL) == 201);
    json_t *pod = json_pack("{s:s, s:s, s:{s:s, s:[o]}, s:{s:[{s:s, s:s}]}}", "apiVersion", "v1",
                            "kind", "Pod", "metadata", "name", "bg-pod", "ownerReferences",
                            ref("ConfigMap", "bg-owner", ou, false), "spec", "containers", "name",
                            "c", "image", "busybox");
    REQUIRE_VOID(post("/api/v1/namespaces/default/pods", pod, NULL) == 201);
    usleep(300 * 1000); /* the collector sees them with a live owner first */
    CHECK_INT(get_cm("bg-dep1", NULL), 200);
    CHECK_INT(del_cm("bg-owner", "Background"), 200);
    CHECK_INT(get_cm("bg-owner", NULL), 404); /* the owner goes at once */
    CHECK(wait_cm_gone("bg-dep1"));
    CHECK(wait_cm_gone("bg-dep2"));
    CHECK(wait_cm_gone("bg-grandchild"));
    CHECK(wait_status("/api/v1/namespaces/default/pods/bg-pod", 404));
}

static void test_two_owners(void)
{
    char a[40], b[40];
    REQUIRE_VOID(make_cm("two-a", NULL, a) == 201);
    REQUIRE_VOID(make_cm("two-b", NULL, b) == 201);
    REQUIRE_VOID(make_cm("two-dep",
                         json_pack("[o, o]", ref("ConfigMap", "two-a", a, true),
                                   ref("ConfigMap", "two-b", b, false)),
                         NULL) == 201);
    CHECK_INT(del_cm("two-a", "Background"), 200);
    /* The reference to the gone owner is dropped; the dependent lives on. */
    CHECK(wait_refs("two-dep", 1));
    json_t *o = NULL;
    CHECK_INT(get_cm("two-dep", &o), 200);
    json_t *r0 =
        json_array_get(json_object_get(json_object_get(o, "metadata"), "ownerReferences"), 0);
    CHECK_STR(json_string_value(json_object_get(r0, "name")), "two-b");
    json_decref(o);
    CHECK_INT(del_cm("two-b", "Background"), 200);
    CHECK(wait_cm_gone("two-dep"));
}

static void test_same_name(void)
{
    char ou[40], nu[40];
    REQUIRE_VOID(make_cm("same-owner", NULL, ou) == 201);
    REQUIRE_VOID(make_cm("same-dep", json_pack("[o]", ref("ConfigMap", "same-owner", ou, false)),
                         NULL) == 201);
    /* Gone and back under the same name: a different owner. */
    CHECK_INT(del_cm("same-owner", "Background"), 200);
    CHECK_INT(make_cm("same-owner", NULL, nu), 201);
    CHECK(strcmp(ou, nu) != 0);
    CHECK(wait_cm_gone("same-dep"));
    CHECK_INT(get_cm("same-owner", NULL), 200);
    /* A dependent whose owner never existed. */
    CHECK_INT(make_cm("ghost-dep",
                      json_pack("[o]", ref("ConfigMap", "never-was",
                                           "00000000-0000-0000-0000-000000000001", false)),
                      NULL),
              201);
    CHECK(wait_cm_gone("ghost-dep"));
}

static void test_foreground(void)
{
    char ou[40];
    REQUIRE_VOID(make_cm("fg-owner", NULL, ou) == 201);
    /* The blocking dependent holds a finalizer of the test's, so it lingers until released. */
    json_t *held =
        json_pack("{s:s, s:s, s:{s:s, s:[s], s:[o]}}", "apiVersion", "v1", "kind", "ConfigMap",
                  "metadata", "name", "fg-blocking", "finalizers", "test.c8s.io/hold",
                  "ownerReferences", ref("ConfigMap", "fg-owner", ou, true));
    REQUIRE_VOID(post("/api/v1/namespaces/default/configmaps", held, NULL) == 201);
    REQUIRE_VOID(
        make_cm("fg-free", json_pack("[o]", ref("ConfigMap", "fg-owner", ou, false)), NULL) == 201);
    CHECK_INT(del_cm("fg-owner", "Foreground"), 200);
    json_t *o = NULL;
    CHECK_INT(get_cm("fg-owner", &o), 200);
    json_t *md = json_object_get(o, "metadata");
    CHECK(json_object_get(md, "deletionTimestamp") != NULL);
    CHECK_STR(json_string_value(json_array_get(json_object_get(md, "finalizers"), 0)),
              "foregroundDeletion");
    json_decref(o);
    CHECK(wait_cm_gone("fg-free"));
    /* The blocking dependent is being deleted but still there: the owner waits. */
    for (int i = 0; i < 200; i++) {
        json_t *b = NULL;
        get_cm("fg-blocking", &b);
        bool marked = json_object_get(json_object_get(b, "metadata"), "deletionTimestamp");
        json_decref(b);
        if (marked)
            break;
        usleep(100 * 1000);
    }
    json_t *b = NULL;
    CHECK_INT(get_cm("fg-blocking", &b), 200);
    CHECK(json_object_get(json_object_get(b, "metadata"), "deletionTimestamp") != NULL);
    json_decref(b);
    usleep(1500 * 1000);
    CHECK_INT(get_cm("fg-owner", NULL), 200);
    CHECK_INT(api("PATCH", "/api/v1/namespaces/default/configmaps/fg-blocking",
                  "application/merge-patch+json", "{\"metadata\":{\"finalizers\":null}}", NULL),
              200);
    CHECK(wait_cm_gone("fg-blocking"));
    CHECK(wait_cm_gone("fg-owner"));
}

/* Foreground through two levels: the middle one is deleted in the foreground too, so the top
 * waits for the leaf. */
static void test_foreground_chain(void)
{
    char top[40], mid[40];
    REQUIRE_VOID(make_cm("ch-top", NULL, top) == 201);
    REQUIRE_VOID(make_cm("ch-mid", json_pack("[o]", ref("ConfigMap", "ch-top", top, true)), mid) ==
                 201);
    json_t *leaf =
        json_pack("{s:s, s:s, s:{s:s, s:[s], s:[o]}}", "apiVersion", "v1", "kind", "ConfigMap",
                  "metadata", "name", "ch-leaf", "finalizers", "test.c8s.io/hold",
                  "ownerReferences", ref("ConfigMap", "ch-mid", mid, true));
    REQUIRE_VOID(post("/api/v1/namespaces/default/configmaps", leaf, NULL) == 201);
    usleep(300 * 1000);
    CHECK_INT(del_cm("ch-top", "Foreground"), 200);
    bool mid_waits = false;
    for (int i = 0; i < 200 && !mid_waits; i++) {
        json_t *o = NULL;
        get_cm("ch-mid", &o);
        json_t *md = json_object_get(o, "metadata");
        mid_waits = json_object_get(md, "deletionTimestamp") &&
                    json_array_size(json_object_get(md, "finalizers")) == 1 &&
                    strcmp(json_string_value(json_array_get(json_object_get(md, "finalizers"), 0)),
                           "foregroundDeletion") == 0;
        json_decref(o);
        if (!mid_waits)
            usleep(100 * 1000);
    }
    CHECK_MSG(mid_waits, "the middle object is deleted in the foreground");
    usleep(1000 * 1000);
    CHECK_INT(get_cm("ch-top", NULL), 200);
    CHECK_INT(get_cm("ch-mid", NULL), 200);
    CHECK_INT(api("PATCH", "/api/v1/namespaces/default/configmaps/ch-leaf",
                  "application/merge-patch+json", "{\"metadata\":{\"finalizers\":null}}", NULL),
              200);
    CHECK(wait_cm_gone("ch-leaf"));
    CHECK(wait_cm_gone("ch-mid"));
    CHECK(wait_cm_gone("ch-top"));
}

static void test_orphan(void)
{
    char ou[40], other[40];
    REQUIRE_VOID(make_cm("or-owner", NULL, ou) == 201);
    REQUIRE_VOID(make_cm("or-other", NULL, other) == 201);
    REQUIRE_VOID(
        make_cm("or-dep1", json_pack("[o]", ref("ConfigMap", "or-owner", ou, true)), NULL) == 201);
    REQUIRE_VOID(make_cm("or-dep2",
                         json_pack("[o, o]", ref("ConfigMap", "or-owner", ou, false),
                                   ref("ConfigMap", "or-other", other, false)),
                         NULL) == 201);
    CHECK_INT(del_cm("or-owner", "Orphan"), 200);
    CHECK(wait_cm_gone("or-owner"));
    usleep(500 * 1000);
    json_t *o = NULL;
    CHECK_INT(get_cm("or-dep1", &o), 200);
    CHECK_INT(nrefs(o), 0);
    json_decref(o);
    CHECK_INT(get_cm("or-dep2", &o), 200);
    CHECK_INT(nrefs(o), 1);
    json_t *r0 =
        json_array_get(json_object_get(json_object_get(o, "metadata"), "ownerReferences"), 0);
    CHECK_STR(json_string_value(json_object_get(r0, "name")), "or-other");
    json_decref(o);
}

static void test_cluster_scoped_dependent(void)
{
    char ou[40];
    REQUIRE_VOID(make_cm("cs-owner", NULL, ou) == 201);
    json_t *pc = json_pack("{s:s, s:s, s:{s:s, s:[o]}, s:i}", "apiVersion", "scheduling.k8s.io/v1",
                           "kind", "PriorityClass", "metadata", "name", "gc-test-pc",
                           "ownerReferences", ref("ConfigMap", "cs-owner", ou, false), "value", 7);
    REQUIRE_VOID(post("/apis/scheduling.k8s.io/v1/priorityclasses", pc, NULL) == 201);
    CHECK_INT(del_cm("cs-owner", "Background"), 200);
    /* A sibling namespaced dependent shows the collector has acted by now. */
    usleep(1500 * 1000);
    CHECK_INT(api("GET", "/apis/scheduling.k8s.io/v1/priorityclasses/gc-test-pc", NULL, NULL, NULL),
              200);
    api("DELETE", "/apis/scheduling.k8s.io/v1/priorityclasses/gc-test-pc", NULL, NULL, NULL);
}

int main(void)
{
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
    /* The default namespace exists before anything is created in it. */
    wait_status("/api/v1/namespaces/default", 200);

    test_background();
    test_two_owners();
    test_same_name();
    test_foreground();
    test_foreground_chain();
    test_orphan();
    test_cluster_scoped_dependent();

    /* Level-triggered: what happened while no collector ran is found when one starts. */
    char ou[40], fu[40];
    CHECK_INT(make_cm("down-owner", NULL, ou), 201);
    CHECK_INT(
        make_cm("down-dep", json_pack("[o]", ref("ConfigMap", "down-owner", ou, false)), NULL),
        201);
    CHECK_INT(make_cm("down-fg", NULL, fu), 201);
    CHECK_INT(make_cm("down-fg-dep", json_pack("[o]", ref("ConfigMap", "down-fg", fu, true)), NULL),
              201);
    usleep(300 * 1000);
    controllers_stop(cm);
    cm = NULL;
    CHECK_INT(del_cm("down-owner", "Background"), 200);
    CHECK_INT(del_cm("down-fg", "Foreground"), 200);
    usleep(300 * 1000);
    CHECK_INT(get_cm("down-dep", NULL), 200);
    CHECK_INT(get_cm("down-fg", NULL), 200);
    REQUIRE(controllers_start(srv, &cm, &err) == 0);
    CHECK(wait_cm_gone("down-dep"));
    CHECK(wait_cm_gone("down-fg-dep"));
    CHECK(wait_cm_gone("down-fg"));

    controllers_stop(cm);
    apiserver_stop(srv);
    th_etcd_stop(&etcd);
    TEST_END();
}
