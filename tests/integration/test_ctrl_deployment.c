/*
 * test_ctrl_deployment.c — the Deployment controller on a real etcd with the API server and
 * controller manager in-process and pods run by the fake kubelet. Sampling the pods every 50 ms
 * throughout: a RollingUpdate with maxSurge=1, maxUnavailable=0 never has more than replicas+1
 * pods nor fewer than replicas ready; undo to an earlier revision reuses its ReplicaSet as the
 * newest revision; a paused deployment does not roll until resumed; Recreate never runs old and
 * new pods together; a controller manager restarted in the middle of a rollout finishes it
 * without going past the surge; old ReplicaSets beyond revisionHistoryLimit go; the
 * Progressing and Available conditions and the status read by `kubectl rollout status`.
 */
#include "ctrl_env.h"

#define DPATH "/apis/apps/v1/namespaces/default/deployments/"

static char *deploy_body(const char *name, int replicas, const char *image, const char *strategy)
{
    return xasprintf(
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"%s\"},"
        "\"spec\":{\"replicas\":%d,\"selector\":{\"matchLabels\":{\"app\":\"%s\"}},"
        "\"strategy\":%s,\"template\":{\"metadata\":{\"labels\":{\"app\":\"%s\"}},\"spec\":{"
        "\"containers\":[{\"name\":\"c\",\"image\":\"%s\"}]}}}}",
        name, replicas, name, strategy, name, image);
}

/* Pods of the deployment "stuck" never become ready. */
static fk_action_t decide(const json_t *pod, void *data)
{
    const char *app = json_string_value(
        json_object_get(json_object_get(json_object_get(pod, "metadata"), "labels"), "app"));
    const char *image = json_string_value(json_object_get(
        json_array_get(json_object_get(json_object_get(pod, "spec"), "containers"), 0), "image"));
    if (image && !strcmp(image, "img:bad"))
        return FK_NOT_READY; /* a rollout that cannot finish */
    return app && !strcmp(app, "stuck") ? FK_NOT_READY : FK_READY;
}

static const char surge1[] =
    "{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxSurge\":1,\"maxUnavailable\":0}}";

typedef struct {
    const char *name;
    int replicas;
    /* sampled */
    int max_pods, min_ready;
    bool sampling;   /* min_ready counts only once the first rollout is complete */
    int max_hashes;  /* Recreate: how many templates had pods at once (terminating too) */
    const char *why; /* last reason not complete, for the failure message */
    int samples;
} watch_t;

static void report(const char *what, const watch_t *w)
{
    printf("%s: %d samples, at most %d pods, at least %d ready, at most %d templates\n", what,
           w->samples, w->max_pods, w->sampling ? w->min_ready : -1, w->max_hashes);
}

static void sample(env_t *e, watch_t *w)
{
    char sel[128];
    snprintf(sel, sizeof(sel), "app%%3D%s", w->name);
    int ready = 0;
    int n = env_pods(e, "default", sel, &ready, NULL);
    w->samples++;
    if (n > w->max_pods)
        w->max_pods = n;
    if (w->sampling && ready < w->min_ready)
        w->min_ready = ready;
    /* Every pod, terminating or not, by template. */
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/namespaces/default/pods?labelSelector=%s", sel);
    json_t *list = NULL;
    env_call(e, "GET", path, NULL, NULL, &list);
    const char *hashes[8];
    int nh = 0;
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(list, "items"), i, p)
    {
        const char *h = json_string_value(
            json_object_get(env_get(p, "metadata", "labels"), "pod-template-hash"));
        bool seen = false;
        for (int k = 0; k < nh; k++)
            seen = seen || (h && !strcmp(hashes[k], h));
        if (h && !seen && nh < 8)
            hashes[nh++] = h;
    }
    if (nh > w->max_hashes)
        w->max_hashes = nh;
    json_decref(list);
}

static const char *cond_reason(const json_t *d, const char *type)
{
    size_t i;
    json_t *c;
    json_array_foreach(env_get(d, "status", "conditions"), i, c)
    {
        if (!strcmp(json_string_value(json_object_get(c, "type")) ?: "", type))
            return json_string_value(json_object_get(c, "reason"));
    }
    return NULL;
}

/* What `kubectl rollout status` checks, and no pods of other templates left. */
static bool rolled_out(env_t *e, void *data)
{
    watch_t *w = data;
    sample(e, w);
    char path[256];
    snprintf(path, sizeof(path), DPATH "%s", w->name);
    json_t *d = NULL;
    env_call(e, "GET", path, NULL, NULL, &d);
    int gen = env_int(d, "metadata", "generation");
    bool ok = false;
    if (env_int(d, "status", "observedGeneration") < gen)
        w->why = "observedGeneration behind";
    else if (env_int(d, "status", "updatedReplicas") < w->replicas)
        w->why = "updatedReplicas short";
    else if (env_int(d, "status", "replicas") > env_int(d, "status", "updatedReplicas"))
        w->why = "old replicas pending termination";
    else if (env_int(d, "status", "availableReplicas") < env_int(d, "status", "updatedReplicas"))
        w->why = "updated replicas not available";
    else if (strcmp(cond_reason(d, "Progressing") ?: "", "NewReplicaSetAvailable") != 0)
        w->why = "Progressing not NewReplicaSetAvailable";
    else if (strcmp(cond_reason(d, "Available") ?: "", "MinimumReplicasAvailable") != 0)
        w->why = "not Available";
    else
        ok = true;
    json_decref(d);
    if (ok) {
        /* and the pods agree */
        char sel[128];
        snprintf(sel, sizeof(sel), "app%%3D%s", w->name);
        int ready = 0;
        json_t *list = NULL;
        snprintf(path, sizeof(path), "/api/v1/namespaces/default/pods?labelSelector=%s", sel);
        env_call(e, "GET", path, NULL, NULL, &list);
        size_t all = json_array_size(json_object_get(list, "items"));
        json_decref(list);
        ok = env_pods(e, "default", sel, &ready, NULL) == w->replicas && ready == w->replicas &&
             all == (size_t)w->replicas;
        if (!ok)
            w->why = "pods not settled";
    }
    return ok;
}

static bool pods_settled(env_t *e, void *data)
{
    watch_t *w = data;
    char sel[128];
    snprintf(sel, sizeof(sel), "app%%3D%s", w->name);
    int ready = 0;
    return env_pods(e, "default", sel, &ready, NULL) == w->replicas && ready == w->replicas;
}

/* The deployment's ReplicaSets (owned list) */
static json_t *replicasets(env_t *e, const char *app)
{
    char path[256];
    snprintf(path, sizeof(path),
             "/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%%3D%s", app);
    json_t *list = NULL;
    env_call(e, "GET", path, NULL, NULL, &list);
    json_t *items = json_incref(json_object_get(list, "items"));
    json_decref(list);
    return items ? items : json_array();
}

static const char *annotation(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(env_get(o, "metadata", "annotations"), k));
}

static const json_t *rs_with_image(const json_t *items, const char *image)
{
    size_t i;
    json_t *rs;
    json_array_foreach(items, i, rs)
    {
        const json_t *c = json_array_get(
            env_get(json_object_get(json_object_get(rs, "spec"), "template"), "spec", "containers"),
            0);
        if (!strcmp(json_string_value(json_object_get(c, "image")) ?: "", image))
            return rs;
    }
    return NULL;
}

static int set_image(env_t *e, const char *name, const char *image)
{
    char path[256], body[256];
    snprintf(path, sizeof(path), DPATH "%s", name);
    snprintf(body, sizeof(body),
             "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":"
             "\"%s\"}]}}}}",
             image);
    return env_call(e, "PATCH", path, "application/merge-patch+json", body, NULL);
}

static json_t *get_deploy(env_t *e, const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), DPATH "%s", name);
    json_t *d = NULL;
    env_call(e, "GET", path, NULL, NULL, &d);
    return d;
}

static void test_rollout(env_t *e)
{
    cleanup_free char *body = deploy_body("web", 3, "img:v1", surge1);
    REQUIRE_VOID(env_call(e, "POST", "/apis/apps/v1/namespaces/default/deployments",
                          "application/json", body, NULL) == 201);
    watch_t w = {.name = "web", .replicas = 3};
    CHECK_MSG(env_wait(e, rolled_out, &w, 30000), "first rollout: %s", w.why);
    /* What kubectl itself says. */
    const char *const status[] = {
        "-n", "default", "rollout", "status", "deployment/web", "--timeout=30s", NULL};
    int rc = env_kubectl(e, NULL, status);
    if (rc == -1)
        fprintf(stderr, "kubectl not found: rollout status not checked with it\n");
    else
        CHECK_INT(rc, 0);
    CHECK_MSG(w.max_pods <= 3, "max pods %d", w.max_pods);
    json_t *rss = replicasets(e, "web");
    CHECK_INT(json_array_size(rss), 1);
    const json_t *rs1 = json_array_get(rss, 0);
    const char *hash =
        json_string_value(json_object_get(env_get(rs1, "metadata", "labels"), "pod-template-hash"));
    char want_name[128];
    snprintf(want_name, sizeof(want_name), "web-%s", hash ? hash : "?");
    CHECK_STR(json_string_value(env_get(rs1, "metadata", "name")), want_name);
    CHECK_STR(annotation(rs1, "deployment.kubernetes.io/revision"), "1");
    json_decref(rss);

    /* Roll to v2, sampling all along. */
    REQUIRE_VOID(set_image(e, "web", "img:v2") == 200);
    watch_t w2 = {.name = "web", .replicas = 3, .sampling = true, .min_ready = 1000};
    CHECK_MSG(env_wait(e, rolled_out, &w2, 60000), "rollout to v2: %s", w2.why);
    report("rollout v1→v2", &w2);
    CHECK_MSG(w2.max_pods <= 4, "max pods %d > replicas+1", w2.max_pods);
    CHECK_MSG(w2.min_ready >= 3, "min ready %d < replicas", w2.min_ready);
    rss = replicasets(e, "web");
    CHECK_INT(json_array_size(rss), 2);
    const json_t *v1 = rs_with_image(rss, "img:v1"), *v2 = rs_with_image(rss, "img:v2");
    CHECK(v1 && env_int(v1, "spec", "replicas") == 0);
    CHECK(v2 && env_int(v2, "spec", "replicas") == 3);
    CHECK_STR(annotation(v2, "deployment.kubernetes.io/revision"), "2");
    json_decref(rss);
    json_t *d = get_deploy(e, "web");
    CHECK_STR(annotation(d, "deployment.kubernetes.io/revision"), "2");
    json_decref(d);
}

/* `kubectl rollout undo`, the real one: it patches the template of the previous revision's
 * ReplicaSet (without its pod-template-hash label) back into the deployment. */
static void test_undo(env_t *e)
{
    const char *const undo[] = {"-n", "default", "rollout", "undo", "deployment/web", NULL};
    int rc = env_kubectl(e, NULL, undo);
    if (rc == -1) {
        /* No kubectl here: what it does, by hand — the previous revision's template without
         * its pod-template-hash label, patched into the deployment. */
        fprintf(stderr, "kubectl not found: rollout undo done by hand\n");
        json_t *rss = replicasets(e, "web");
        const json_t *v1 = rs_with_image(rss, "img:v1");
        REQUIRE_VOID(v1 != NULL);
        json_t *tmpl = json_deep_copy(json_object_get(json_object_get(v1, "spec"), "template"));
        json_object_del(json_object_get(json_object_get(tmpl, "metadata"), "labels"),
                        "pod-template-hash");
        json_t *patch = json_pack("{s:{s:o}}", "spec", "template", tmpl);
        cleanup_free char *body = json_dumps(patch, JSON_COMPACT);
        json_decref(patch);
        json_decref(rss);
        rc = env_call(e, "PATCH", DPATH "web", "application/strategic-merge-patch+json", body,
                      NULL) == 200
                 ? 0
                 : 1;
    }
    REQUIRE_VOID(rc == 0);
    watch_t w = {.name = "web", .replicas = 3, .sampling = true, .min_ready = 1000};
    CHECK_MSG(env_wait(e, rolled_out, &w, 60000), "undo: %s", w.why);
    report("undo", &w);
    CHECK_MSG(w.max_pods <= 4, "max pods %d", w.max_pods);
    CHECK_MSG(w.min_ready >= 3, "min ready %d", w.min_ready);
    json_t *rss = replicasets(e, "web");
    CHECK_INT(json_array_size(rss), 2); /* the old ReplicaSet again, no new one */
    if (json_array_size(rss) != 2) {
        size_t i;
        json_t *rs;
        json_array_foreach(rss, i, rs)
        {
            char *t = json_dumps(json_object_get(json_object_get(rs, "spec"), "template"),
                                 JSON_COMPACT | JSON_SORT_KEYS);
            fprintf(stderr, "rs %zu: %s\n", i, t);
            free(t);
        }
    }
    const json_t *v1 = rs_with_image(rss, "img:v1");
    CHECK(v1 && env_int(v1, "spec", "replicas") == 3);
    CHECK_STR(annotation(v1, "deployment.kubernetes.io/revision"), "3");
    json_decref(rss);
    json_t *d = get_deploy(e, "web");
    CHECK_STR(annotation(d, "deployment.kubernetes.io/revision"), "3");
    json_decref(d);
}

static void test_pause(env_t *e)
{
    REQUIRE_VOID(env_call(e, "PATCH", DPATH "web", "application/merge-patch+json",
                          "{\"spec\":{\"paused\":true}}", NULL) == 200);
    REQUIRE_VOID(set_image(e, "web", "img:v3") == 200);
    env_run(e, 1500);
    json_t *rss = replicasets(e, "web");
    CHECK(rs_with_image(rss, "img:v3") == NULL);
    json_decref(rss);
    json_t *d = get_deploy(e, "web");
    CHECK_STR(cond_reason(d, "Progressing"), "DeploymentPaused");
    CHECK_INT(env_int(d, "status", "observedGeneration"), env_int(d, "metadata", "generation"));
    json_decref(d);
    /* A scale still applies while paused (one active ReplicaSet). */
    REQUIRE_VOID(env_call(e, "PATCH", DPATH "web", "application/merge-patch+json",
                          "{\"spec\":{\"replicas\":4}}", NULL) == 200);
    watch_t w4 = {.name = "web", .replicas = 4};
    CHECK(env_wait(e, pods_settled, &w4, 20000));
    REQUIRE_VOID(env_call(e, "PATCH", DPATH "web", "application/merge-patch+json",
                          "{\"spec\":{\"replicas\":3}}", NULL) == 200);
    watch_t w3 = {.name = "web", .replicas = 3};
    CHECK(env_wait(e, pods_settled, &w3, 20000));
    rss = replicasets(e, "web");
    CHECK(rs_with_image(rss, "img:v3") == NULL);
    json_decref(rss);
    REQUIRE_VOID(env_call(e, "PATCH", DPATH "web", "application/merge-patch+json",
                          "{\"spec\":{\"paused\":false}}", NULL) == 200);
    watch_t w = {.name = "web", .replicas = 3, .sampling = true, .min_ready = 1000};
    CHECK_MSG(env_wait(e, rolled_out, &w, 60000), "resume: %s", w.why);
    CHECK_MSG(w.max_pods <= 4, "max pods %d", w.max_pods);
    rss = replicasets(e, "web");
    const json_t *v3 = rs_with_image(rss, "img:v3");
    CHECK(v3 && env_int(v3, "spec", "replicas") == 3);
    CHECK_STR(v3 ? annotation(v3, "deployment.kubernetes.io/revision") : NULL, "4");
    json_decref(rss);
}

static void test_history_limit(env_t *e)
{
    REQUIRE_VOID(env_call(e, "PATCH", DPATH "web", "application/merge-patch+json",
                          "{\"spec\":{\"revisionHistoryLimit\":1}}", NULL) == 200);
    REQUIRE_VOID(set_image(e, "web", "img:v4") == 200);
    watch_t w = {.name = "web", .replicas = 3};
    CHECK_MSG(env_wait(e, rolled_out, &w, 60000), "v4: %s", w.why);
    env_run(e, 1000);
    json_t *rss = replicasets(e, "web");
    CHECK_INT(json_array_size(rss), 2); /* v4 and the newest old one (v3) */
    CHECK(rs_with_image(rss, "img:v3") != NULL);
    json_decref(rss);
}

static void test_recreate(env_t *e)
{
    cleanup_free char *body = deploy_body("rec", 2, "img:v1", "{\"type\":\"Recreate\"}");
    REQUIRE_VOID(env_call(e, "POST", "/apis/apps/v1/namespaces/default/deployments",
                          "application/json", body, NULL) == 201);
    watch_t w = {.name = "rec", .replicas = 2};
    CHECK_MSG(env_wait(e, rolled_out, &w, 30000), "recreate first: %s", w.why);
    REQUIRE_VOID(set_image(e, "rec", "img:v2") == 200);
    watch_t w2 = {.name = "rec", .replicas = 2};
    CHECK_MSG(env_wait(e, rolled_out, &w2, 60000), "recreate v2: %s", w2.why);
    report("recreate", &w2);
    CHECK_MSG(w2.max_hashes <= 1, "old and new pods at once (%d templates)", w2.max_hashes);
    json_t *rss = replicasets(e, "rec");
    const json_t *v2 = rs_with_image(rss, "img:v2");
    CHECK(v2 && env_int(v2, "spec", "replicas") == 2);
    json_decref(rss);
}

typedef struct {
    watch_t *w;
    const char *image;
} newrs_t;

static bool new_rs_scaled(env_t *e, void *data)
{
    newrs_t *n = data;
    sample(e, n->w);
    json_t *rss = replicasets(e, n->w->name);
    const json_t *rs = rs_with_image(rss, n->image);
    bool ok = rs && env_int(rs, "status", "availableReplicas") >= 2;
    json_decref(rss);
    return ok;
}

/* The controller manager stops halfway through a rollout; a new one finishes it. */
static void test_restart(env_t *e)
{
    cleanup_free char *body = deploy_body("big", 5, "img:v1", surge1);
    REQUIRE_VOID(env_call(e, "POST", "/apis/apps/v1/namespaces/default/deployments",
                          "application/json", body, NULL) == 201);
    watch_t w = {.name = "big", .replicas = 5};
    CHECK_MSG(env_wait(e, rolled_out, &w, 30000), "big first: %s", w.why);
    REQUIRE_VOID(set_image(e, "big", "img:v2") == 200);
    watch_t w2 = {.name = "big", .replicas = 5, .sampling = true, .min_ready = 1000};
    newrs_t n = {&w2, "img:v2"};
    CHECK(env_wait(e, new_rs_scaled, &n, 30000));
    controllers_stop(e->cm);
    e->cm = NULL;
    env_run(e, 300);
    sample(e, &w2);
    c8s_err_t err = C8S_ERR_INIT;
    REQUIRE_VOID(controllers_start(e->srv, &e->cm, &err) == 0);
    CHECK_MSG(env_wait(e, rolled_out, &w2, 60000), "after restart: %s", w2.why);
    report("rollout across a restart", &w2);
    CHECK_MSG(w2.max_pods <= 6, "max pods %d > replicas+1", w2.max_pods);
    CHECK_MSG(w2.min_ready >= 5, "min ready %d", w2.min_ready);
    json_t *rss = replicasets(e, "big");
    CHECK_INT(json_array_size(rss), 2);
    json_decref(rss);
}

typedef struct {
    const char *name, *reason;
} cond_t;

static bool progressing_is(env_t *e, void *data)
{
    cond_t *c = data;
    json_t *d = get_deploy(e, c->name);
    bool ok = !strcmp(cond_reason(d, "Progressing") ?: "", c->reason);
    json_decref(d);
    return ok;
}

/* Pods that never become ready: past progressDeadlineSeconds the rollout is reported stuck,
 * and kubectl rollout status says so. */
static void test_deadline(env_t *e)
{
    cleanup_free char *body = deploy_body("stuck", 1, "img:v1", surge1);
    json_t *d = json_loads(body, 0, NULL);
    json_object_set_new(json_object_get(d, "spec"), "progressDeadlineSeconds", json_integer(2));
    cleanup_free char *b2 = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    REQUIRE_VOID(env_call(e, "POST", "/apis/apps/v1/namespaces/default/deployments",
                          "application/json", b2, NULL) == 201);
    cond_t c = {"stuck", "ProgressDeadlineExceeded"};
    CHECK(env_wait(e, progressing_is, &c, 20000));
    d = get_deploy(e, "stuck");
    CHECK_STR(cond_reason(d, "Available"), "MinimumReplicasUnavailable");
    CHECK_INT(env_int(d, "status", "unavailableReplicas"), 1);
    json_decref(d);
    const char *const status[] = {
        "-n", "default", "rollout", "status", "deployment/stuck", "--timeout=20s", NULL};
    int rc = env_kubectl(e, NULL, status);
    if (rc == -1)
        fprintf(stderr, "kubectl not found: rollout status not checked with it\n");
    else
        CHECK(rc != 0);
}

typedef struct {
    const char *rs, *owner_kind;
} ref_t;

static bool rs_owned_by(env_t *e, void *data)
{
    ref_t *r = data;
    char path[256];
    snprintf(path, sizeof(path), "/apis/apps/v1/namespaces/default/replicasets/%s", r->rs);
    json_t *rs = NULL;
    env_call(e, "GET", path, NULL, NULL, &rs);
    const json_t *ref = json_array_get(env_get(rs, "metadata", "ownerReferences"), 0);
    bool ok = ref && json_is_true(json_object_get(ref, "controller")) &&
              !strcmp(json_string_value(json_object_get(ref, "kind")) ?: "", r->owner_kind);
    json_decref(rs);
    return ok;
}

/* A ReplicaSet nobody owns, with the deployment's template, is adopted as its new one: no
 * second ReplicaSet, no new pods. */
static void test_adopt(env_t *e)
{
    const char *rs = "{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"metadata\":{"
                     "\"name\":\"adopt-manual\",\"labels\":{\"app\":\"adopt\"}},\"spec\":{"
                     "\"replicas\":2,\"selector\":{\"matchLabels\":{\"app\":\"adopt\"}},"
                     "\"template\":{\"metadata\":{\"labels\":{\"app\":\"adopt\"}},\"spec\":{"
                     "\"containers\":[{\"name\":\"c\",\"image\":\"img:v1\"}]}}}}";
    REQUIRE_VOID(env_call(e, "POST", "/apis/apps/v1/namespaces/default/replicasets",
                          "application/json", rs, NULL) == 201);
    watch_t w = {.name = "adopt", .replicas = 2};
    CHECK(env_wait(e, pods_settled, &w, 20000));
    json_t *before = NULL;
    env_pods(e, "default", "app%3Dadopt", NULL, &before);
    cleanup_free char *body = deploy_body("adopt", 2, "img:v1", surge1);
    REQUIRE_VOID(env_call(e, "POST", "/apis/apps/v1/namespaces/default/deployments",
                          "application/json", body, NULL) == 201);
    ref_t r = {"adopt-manual", "Deployment"};
    CHECK(env_wait(e, rs_owned_by, &r, 20000));
    watch_t w2 = {.name = "adopt", .replicas = 2};
    CHECK_MSG(env_wait(e, rolled_out, &w2, 30000), "adopted: %s", w2.why);
    json_t *rss = replicasets(e, "adopt");
    CHECK_INT(json_array_size(rss), 1);
    json_decref(rss);
    json_t *after = NULL;
    env_pods(e, "default", "app%3Dadopt", NULL, &after);
    CHECK_INT(json_array_size(after), 2);
    size_t i;
    json_t *p;
    json_array_foreach(after, i, p)
    {
        bool found = false;
        size_t j;
        json_t *q;
        json_array_foreach(before, j, q) found =
            found || json_equal(env_get(p, "metadata", "uid"), env_get(q, "metadata", "uid"));
        CHECK(found);
    }
    json_decref(before);
    json_decref(after);
}

typedef struct {
    const char *app;
    int old_size, new_size;
} sizes_t;

static bool sizes_are(env_t *e, void *data)
{
    sizes_t *z = data;
    json_t *rss = replicasets(e, z->app);
    const json_t *o = rs_with_image(rss, "img:v1"), *n = rs_with_image(rss, "img:bad");
    bool ok = o && n && env_int(o, "spec", "replicas") == z->old_size &&
              env_int(n, "spec", "replicas") == z->new_size;
    json_decref(rss);
    return ok;
}

/* Scaled while a rollout is stuck: the new size is shared between old and new ReplicaSets in
 * proportion (upstream's example: 10 → 20 with maxSurge 3 → 5, maxUnavailable 2). */
static void test_proportional(env_t *e)
{
    cleanup_free char *body =
        deploy_body("prop", 10, "img:v1",
                    "{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxSurge\":\"25%\","
                    "\"maxUnavailable\":\"25%\"}}");
    REQUIRE_VOID(env_call(e, "POST", "/apis/apps/v1/namespaces/default/deployments",
                          "application/json", body, NULL) == 201);
    watch_t w = {.name = "prop", .replicas = 10};
    CHECK_MSG(env_wait(e, rolled_out, &w, 30000), "prop: %s", w.why);
    REQUIRE_VOID(set_image(e, "prop", "img:bad") == 200);
    /* 13 pods at most, 8 available at least: old 8, new 5, and no further. */
    sizes_t stuck = {"prop", 8, 5};
    CHECK(env_wait(e, sizes_are, &stuck, 20000));
    env_run(e, 1000);
    CHECK(sizes_are(e, &stuck));
    REQUIRE_VOID(env_call(e, "PATCH", DPATH "prop", "application/merge-patch+json",
                          "{\"spec\":{\"replicas\":20}}", NULL) == 200);
    /* 25 in all: 8·25/13 → 15 and 5·25/13 → 10. */
    sizes_t scaled = {"prop", 15, 10};
    CHECK(env_wait(e, sizes_are, &scaled, 20000));
    env_run(e, 1000);
    CHECK(sizes_are(e, &scaled));
}

static void test_events(env_t *e)
{
    json_t *list = NULL;
    env_call(e, "GET", "/api/v1/namespaces/default/events", NULL, NULL, &list);
    int up = 0, down = 0;
    size_t i;
    json_t *ev;
    json_array_foreach(json_object_get(list, "items"), i, ev)
    {
        const char *msg = json_string_value(json_object_get(ev, "message")) ?: "";
        if (strcmp(json_string_value(json_object_get(ev, "reason")) ?: "", "ScalingReplicaSet"))
            continue;
        if (!strncmp(msg, "Scaled up replica set web-", 26))
            up++;
        if (!strncmp(msg, "Scaled down replica set web-", 28))
            down++;
    }
    json_decref(list);
    CHECK(up >= 3);
    CHECK(down >= 3);
}

int main(void)
{
    env_t e;
    fakekubelet_config_t fkc = {.ready_delay_ms = 400, .decide = decide};
    REQUIRE(env_start(&e, &fkc) == 0);
    test_rollout(&e);
    test_undo(&e);
    test_pause(&e);
    test_history_limit(&e);
    test_recreate(&e);
    test_restart(&e);
    test_deadline(&e);
    test_adopt(&e);
    test_proportional(&e);
    test_events(&e);
    env_stop(&e);
    TEST_END();
}
