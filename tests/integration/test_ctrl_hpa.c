/*
 * test_ctrl_hpa.c — the HorizontalPodAutoscaler controller on a real etcd with the API server and
 * the controller manager in-process and pods run by the fake kubelet (which serves no stats, so
 * the resource metrics API has no figures for its pods): a target below minReplicas is scaled up
 * through its scale subresource with SuccessfulRescale and lastScaleTime; with no metrics the HPA
 * reports ScalingActive=False FailedGetResourceMetric and leaves the scale alone, as upstream; a
 * missing target gives AbleToScale=False FailedGetScale; a target at zero replicas gives
 * ScalingActive=False ScalingDisabled. Also the metrics.k8s.io group's discovery and its REST
 * answers (empty lists, NotFound, MethodNotAllowed).
 */
#include "ctrl_env.h"

#define HPATH "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers"
#define DPATH "/apis/apps/v1/namespaces/default/deployments"

static int make_deploy(env_t *e, const char *name, int replicas)
{
    cleanup_free char *body = xasprintf(
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"%s\"},"
        "\"spec\":{\"replicas\":%d,\"selector\":{\"matchLabels\":{\"app\":\"%s\"}},"
        "\"template\":{\"metadata\":{\"labels\":{\"app\":\"%s\"}},\"spec\":{"
        "\"containers\":[{\"name\":\"c\",\"image\":\"busybox\",\"resources\":{\"requests\":"
        "{\"cpu\":\"100m\"}}}]}}}}",
        name, replicas, name, name);
    return env_call(e, "POST", DPATH, "application/json", body, NULL);
}

static int make_hpa(env_t *e, const char *name, const char *kind, const char *target, int minr,
                    int maxr)
{
    cleanup_free char *body = xasprintf(
        "{\"apiVersion\":\"autoscaling/v2\",\"kind\":\"HorizontalPodAutoscaler\",\"metadata\":{"
        "\"name\":\"%s\"},\"spec\":{\"scaleTargetRef\":{\"apiVersion\":\"apps/v1\",\"kind\":"
        "\"%s\",\"name\":\"%s\"},\"minReplicas\":%d,\"maxReplicas\":%d,\"metrics\":[{\"type\":"
        "\"Resource\",\"resource\":{\"name\":\"cpu\",\"target\":{\"type\":\"Utilization\","
        "\"averageUtilization\":50}}}]}}",
        name, kind, target, minr, maxr);
    return env_call(e, "POST", HPATH, "application/json", body, NULL);
}

typedef struct {
    const char *hpa, *type, *status, *reason;
    json_t *last; /* the HPA last read (owned) */
} cond_t;

static bool has_condition(env_t *e, void *data)
{
    cond_t *c = data;
    cleanup_free char *path = xasprintf("%s/%s", HPATH, c->hpa);
    json_decref(c->last);
    c->last = NULL;
    if (env_call(e, "GET", path, NULL, NULL, &c->last) != 200)
        return false;
    size_t i;
    json_t *x;
    json_array_foreach(env_get(c->last, "status", "conditions"), i, x)
    {
        const char *t = json_string_value(json_object_get(x, "type"));
        const char *s = json_string_value(json_object_get(x, "status"));
        const char *r = json_string_value(json_object_get(x, "reason"));
        if (t && s && r && !strcmp(t, c->type) && !strcmp(s, c->status) && !strcmp(r, c->reason))
            return true;
    }
    return false;
}

static void expect_condition(env_t *e, const char *hpa, const char *type, const char *status,
                             const char *reason)
{
    cond_t c = {hpa, type, status, reason, NULL};
    bool ok = env_wait(e, has_condition, &c, 20000);
    char *dump = c.last ? json_dumps(env_get(c.last, "status", "conditions"), JSON_COMPACT) : NULL;
    CHECK_MSG(ok, "%s: want %s=%s %s, have %s", hpa, type, status, reason, dump ? dump : "none");
    free(dump);
    json_decref(c.last);
}

/* Whether an event of reason about the HPA exists. */
static bool has_event(env_t *e, const char *hpa, const char *reason)
{
    cleanup_free char *path =
        xasprintf("/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%%3D%s", hpa);
    json_t *list = NULL;
    env_call(e, "GET", path, NULL, NULL, &list);
    bool found = false;
    size_t i;
    json_t *ev;
    json_array_foreach(json_object_get(list, "items"), i, ev)
    {
        const char *r = json_string_value(json_object_get(ev, "reason"));
        if (r && !strcmp(r, reason))
            found = true;
    }
    json_decref(list);
    return found;
}

typedef struct {
    const char *name;
    int want;
} replicas_t;

static bool deploy_at(env_t *e, void *data)
{
    replicas_t *w = data;
    cleanup_free char *path = xasprintf("%s/%s", DPATH, w->name);
    json_t *d = NULL;
    env_call(e, "GET", path, NULL, NULL, &d);
    bool ok = d && env_int(d, "spec", "replicas") == w->want;
    json_decref(d);
    return ok;
}

static void test_min_replicas(env_t *e)
{
    REQUIRE_VOID(make_deploy(e, "small", 1) == 201);
    REQUIRE_VOID(make_hpa(e, "small", "Deployment", "small", 3, 5) == 201);
    replicas_t w = {"small", 3};
    CHECK_MSG(env_wait(e, deploy_at, &w, 20000), "the deployment was not scaled to minReplicas");
    expect_condition(e, "small", "AbleToScale", "True", "SucceededRescale");
    json_t *h = NULL;
    env_call(e, "GET", HPATH "/small", NULL, NULL, &h);
    CHECK(json_is_string(env_get(h, "status", "lastScaleTime")));
    CHECK_INT(env_int(h, "status", "desiredReplicas"), 3);
    json_decref(h);
    CHECK(has_event(e, "small", "SuccessfulRescale"));
}

static void test_no_metrics(env_t *e)
{
    REQUIRE_VOID(make_deploy(e, "web", 2) == 201);
    REQUIRE_VOID(make_hpa(e, "web", "Deployment", "web", 1, 5) == 201);
    expect_condition(e, "web", "ScalingActive", "False", "FailedGetResourceMetric");
    expect_condition(e, "web", "AbleToScale", "True", "SucceededGetScale");
    json_t *h = NULL;
    env_call(e, "GET", HPATH "/web", NULL, NULL, &h);
    CHECK_INT(env_int(h, "status", "currentReplicas"), 2);
    json_decref(h);
    CHECK(has_event(e, "web", "FailedGetResourceMetric"));
    replicas_t w = {"web", 2};
    CHECK(deploy_at(e, &w));
}

static void test_missing_target(env_t *e)
{
    REQUIRE_VOID(make_hpa(e, "ghost", "Deployment", "nothere", 1, 3) == 201);
    expect_condition(e, "ghost", "AbleToScale", "False", "FailedGetScale");
    REQUIRE_VOID(make_hpa(e, "odd", "Unknown", "x", 1, 3) == 201);
    expect_condition(e, "odd", "AbleToScale", "False", "FailedGetScale");
}

static void test_disabled(env_t *e)
{
    REQUIRE_VOID(make_deploy(e, "zero", 0) == 201);
    REQUIRE_VOID(make_hpa(e, "zero", "Deployment", "zero", 1, 3) == 201);
    expect_condition(e, "zero", "ScalingActive", "False", "ScalingDisabled");
    replicas_t w = {"zero", 0};
    CHECK(deploy_at(e, &w));
}

static void test_metrics_api(env_t *e)
{
    json_t *o = NULL;
    CHECK_INT(env_call(e, "GET", "/apis", NULL, NULL, &o), 200);
    bool listed = false;
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(o, "groups"), i, g) listed =
        listed || !strcmp(json_string_value(json_object_get(g, "name")) ?: "", "metrics.k8s.io");
    CHECK(listed);
    json_decref(o);
    CHECK_INT(env_call(e, "GET", "/apis/metrics.k8s.io/v1beta1", NULL, NULL, &o), 200);
    CHECK_INT(json_array_size(json_object_get(o, "resources")), 2);
    json_decref(o);
    CHECK_INT(env_call(e, "GET", "/apis/metrics.k8s.io/v1beta1/nodes", NULL, NULL, &o), 200);
    CHECK_STR(json_string_value(json_object_get(o, "kind")), "NodeMetricsList");
    CHECK_INT(json_array_size(json_object_get(o, "items")), 0);
    json_decref(o);
    CHECK_INT(
        env_call(e, "GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods", NULL, NULL, &o),
        200);
    CHECK_STR(json_string_value(json_object_get(o, "kind")), "PodMetricsList");
    json_decref(o);
    CHECK_INT(env_call(e, "GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope", NULL,
                       NULL, &o),
              404);
    CHECK_STR(json_string_value(json_object_get(o, "reason")), "NotFound");
    json_decref(o);
    CHECK_INT(env_call(e, "GET", "/apis/metrics.k8s.io/v1beta1/pods?labelSelector=a%3D%3D%3D", NULL,
                       NULL, NULL),
              400);
    CHECK_INT(
        env_call(e, "POST", "/apis/metrics.k8s.io/v1beta1/nodes", "application/json", "{}", NULL),
        405);
    CHECK_INT(env_call(e, "GET", "/apis/metrics.k8s.io/v1/nodes", NULL, NULL, NULL), 404);
}

int main(void)
{
    env_t e;
    controllers_config_t ccfg = {.hpa_sync_ms = 300};
    REQUIRE(env_start_cfg(&e, NULL, &ccfg) == 0);
    test_metrics_api(&e);
    test_min_replicas(&e);
    test_no_metrics(&e);
    test_missing_target(&e);
    test_disabled(&e);
    env_stop(&e);
    TEST_END();
}
