/*
 * test_ctrl_podgc.c — the pod garbage collector on a real etcd with the API server and the
 * controller manager in-process (pass every 300 ms, node quarantine 1 s, threshold 2):
 * of four Succeeded pods the two oldest go; a Running pod bound to a node that is then deleted
 * is failed and force-deleted once the quarantine has passed, while a pod on a node that exists
 * stays; a terminating pod on a NotReady node tainted out-of-service is force-deleted.
 */
#include "ctrl_env.h"

static env_t env;

/* No kubelet runs anything here; the one of n4 is down (deletions there never finish). */
static fk_action_t leave_alone(const json_t *pod, void *data)
{
    const char *node = json_string_value(env_get(pod, "spec", "nodeName"));
    return node && strcmp(node, "n4") == 0 ? FK_DEAD : FK_IGNORE;
}

static int make_node(const char *name, bool ready)
{
    char body[512];
    snprintf(body, sizeof(body), "{\"metadata\":{\"name\":\"%s\"}}", name);
    if (env_call(&env, "POST", "/api/v1/nodes", "application/json", body, NULL) != 201)
        return -1;
    snprintf(body, sizeof(body),
             "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"%s\"}]}}",
             ready ? "True" : "False");
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/nodes/%s/status", name);
    return env_call(&env, "PATCH", path, "application/merge-patch+json", body, NULL) == 200 ? 0
                                                                                            : -1;
}

/* A pod bound to node (NULL: unbound) whose status says phase. */
static int make_pod(const char *name, const char *node, const char *phase, const char *finalizer)
{
    char body[1024], path[256];
    snprintf(body, sizeof(body),
             "{\"metadata\":{\"name\":\"%s\"%s%s%s},\"spec\":{%s%s%s\"containers\":[{\"name\":"
             "\"c\",\"image\":\"busybox\"}]}}",
             name, finalizer ? ",\"finalizers\":[\"" : "", finalizer ? finalizer : "",
             finalizer ? "\"]" : "", node ? "\"nodeName\":\"" : "", node ? node : "",
             node ? "\"," : "");
    if (env_call(&env, "POST", "/api/v1/namespaces/default/pods", "application/json", body, NULL) !=
        201)
        return -1;
    snprintf(body, sizeof(body), "{\"status\":{\"phase\":\"%s\"}}", phase);
    snprintf(path, sizeof(path), "/api/v1/namespaces/default/pods/%s/status", name);
    return env_call(&env, "PATCH", path, "application/merge-patch+json", body, NULL) == 200 ? 0
                                                                                            : -1;
}

static bool gone(env_t *e, void *data)
{
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/namespaces/default/pods/%s", (const char *)data);
    return env_call(e, "GET", path, NULL, NULL, NULL) == 404;
}

static bool exists(const char *name)
{
    return !gone(&env, (void *)name);
}

int main(void)
{
    setenv("C8S_PODGC_PERIOD_MS", "300", 1);
    setenv("C8S_PODGC_QUARANTINE_MS", "1000", 1);
    fakekubelet_config_t fkc = {.decide = leave_alone};
    controllers_config_t cc = {.terminated_pod_gc_threshold = 2};
    REQUIRE(env_start_cfg(&env, &fkc, &cc) == 0);
    REQUIRE(make_node("n1", true) == 0);

    /* Four Succeeded pods, created a second apart: the two oldest go. */
    const char *done[] = {"done-1", "done-2", "done-3", "done-4"};
    for (int i = 0; i < 4; i++) {
        CHECK(make_pod(done[i], "n1", "Succeeded", NULL) == 0);
        if (i < 3)
            sleep(1);
    }
    CHECK(env_wait(&env, gone, (void *)"done-1", 20000));
    CHECK(env_wait(&env, gone, (void *)"done-2", 20000));
    env_run(&env, 1000); /* a few more passes: nothing else goes */
    CHECK(exists("done-3"));
    CHECK(exists("done-4"));

    /* A node deleted: its Running pod is failed and force-deleted after the quarantine; a pod
     * on a node that exists stays. */
    REQUIRE(make_node("n2", true) == 0);
    CHECK(make_pod("orphan", "n2", "Running", NULL) == 0);
    CHECK(make_pod("homed", "n1", "Running", NULL) == 0);
    CHECK_INT(env_call(&env, "DELETE", "/api/v1/nodes/n2", NULL, NULL, NULL), 200);
    CHECK(env_wait(&env, gone, (void *)"orphan", 20000));
    CHECK(exists("homed"));

    /* An orphan held by a finalizer shows what podgc wrote before deleting it. */
    REQUIRE(make_node("n3", true) == 0);
    CHECK(make_pod("held", "n3", "Running", "example.com/hold") == 0);
    CHECK_INT(env_call(&env, "DELETE", "/api/v1/nodes/n3", NULL, NULL, NULL), 200);
    json_t *held = NULL;
    bool failed = false;
    for (int i = 0; i < 200 && !failed; i++) {
        env_run(&env, 100);
        json_decref(held);
        held = NULL;
        env_call(&env, "GET", "/api/v1/namespaces/default/pods/held", NULL, NULL, &held);
        failed = env_get(held, "metadata", "deletionTimestamp") != NULL;
    }
    CHECK(failed);
    CHECK_STR(json_string_value(env_get(held, "status", "phase")), "Failed");
    const char *reason = NULL;
    size_t i;
    json_t *c;
    json_array_foreach(env_get(held, "status", "conditions"), i, c)
    {
        if (!strcmp(json_string_value(json_object_get(c, "type")) ?: "", "DisruptionTarget"))
            reason = json_string_value(json_object_get(c, "reason"));
    }
    CHECK_STR(reason, "DeletionByPodGC");
    json_decref(held);
    CHECK_INT(env_call(&env, "PATCH", "/api/v1/namespaces/default/pods/held",
                       "application/merge-patch+json", "{\"metadata\":{\"finalizers\":null}}",
                       NULL),
              200);
    CHECK(env_wait(&env, gone, (void *)"held", 20000));

    /* Terminating on a NotReady node whose kubelet is down: it stays until the operator taints
     * the node out-of-service, then it is force-deleted. */
    REQUIRE(make_node("n4", false) == 0);
    CHECK(make_pod("stuck", "n4", "Running", NULL) == 0);
    CHECK_INT(env_call(&env, "DELETE", "/api/v1/namespaces/default/pods/stuck", NULL, NULL, NULL),
              200);
    env_run(&env, 1500);
    CHECK(exists("stuck")); /* no taint yet: it waits for its kubelet */
    CHECK_INT(env_call(&env, "PATCH", "/api/v1/nodes/n4", "application/merge-patch+json",
                       "{\"spec\":{\"taints\":[{\"key\":\"node.kubernetes.io/out-of-service\","
                       "\"effect\":\"NoExecute\"}]}}",
                       NULL),
              200);
    CHECK(env_wait(&env, gone, (void *)"stuck", 20000));

    env_stop(&env);
    TEST_END();
}
