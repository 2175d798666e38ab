/*
 * test_node_failover.c — a node that goes silent loses its pods to the others, end to end on a
 * real etcd with the API server, the controller manager and the scheduler in-process (node
 * grace period shortened to 1.5 s): a Deployment's four pods run on n1; n1 stops renewing its
 * Lease; the node lifecycle controller marks it Unknown and taints it unreachable; its pods
 * (tolerating that for 1 s) are evicted; the ReplicaSet makes replacements and the scheduler
 * places them on n2, the Deployment available again. n1 back: its taints go.
 */
#include "c8s/scheduler.h"
#include "ctrl_env.h"

static bool n1_alive = true;

/* The kubelets of n1 and n2: bound pods run on a live node; the scheduler binds. */
static fk_action_t decide(const json_t *pod, void *data)
{
    const char *node = json_string_value(env_get(pod, "spec", "nodeName"));
    if (!node || !*node)
        return FK_IGNORE;
    if (strcmp(node, "n1") == 0 && !n1_alive)
        return FK_IGNORE;
    return FK_READY;
}

static env_t env;
static uv_timer_t heartbeat;
static int beats;

static void on_patched(const client_resp_t *resp, void *data)
{
    if (resp->status >= 300)
        fprintf(stderr, "heartbeat: %d %s\n", resp->status, resp->body ? resp->body : "");
}

static void beat(const char *node)
{
    char path[256], body[256];
    snprintf(path, sizeof(path),
             "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/%s", node);
    snprintf(body, sizeof(body), "{\"spec\":{\"renewTime\":\"2026-01-01T00:00:00.%06dZ\"}}",
             ++beats);
    client_request(env.c, "PATCH", path, "application/merge-patch+json", body, strlen(body),
                   on_patched, NULL);
}

/* A kubelet back from silence finds its node Unknown and posts Ready again on its next status
 * sync; it keeps doing so, because the controller may judge it once more on a Lease it has not
 * yet seen renewed. */
static bool n1_returned;

static void post_ready(const char *node)
{
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/nodes/%s/status", node);
    static const char body[] = "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":"
                               "\"True\",\"reason\":\"KubeletReady\"}]}}";
    client_request(env.c, "PATCH", path, "application/merge-patch+json", body, strlen(body),
                   on_patched, NULL);
}

static void on_heartbeat(uv_timer_t *t)
{
    if (n1_alive)
        beat("n1");
    if (n1_returned)
        post_ready("n1");
    beat("n2");
}

static int make_node(const char *name)
{
    char body[1024];
    snprintf(
        body, sizeof(body),
        "{\"metadata\":{\"name\":\"%s\",\"labels\":{\"kubernetes.io/hostname\":\"%s\"}},"
        "\"status\":{\"capacity\":{\"cpu\":\"8\",\"memory\":\"16Gi\",\"pods\":\"110\"},"
        "\"allocatable\":{\"cpu\":\"8\",\"memory\":\"16Gi\",\"pods\":\"110\"},"
        "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"KubeletReady\"}]}}",
        name, name);
    if (env_call(&env, "POST", "/api/v1/nodes", "application/json", body, NULL) != 201)
        return -1;
    /* Status is a subresource: write the Ready condition there too. */
    snprintf(
        body, sizeof(body),
        "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\","
        "\"reason\":\"KubeletReady\"}],\"allocatable\":{\"cpu\":\"8\",\"memory\":\"16Gi\","
        "\"pods\":\"110\"},\"capacity\":{\"cpu\":\"8\",\"memory\":\"16Gi\",\"pods\":\"110\"}}}");
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/nodes/%s/status", name);
    if (env_call(&env, "PATCH", path, "application/merge-patch+json", body, NULL) != 200)
        return -1;
    snprintf(body, sizeof(body),
             "{\"metadata\":{\"name\":\"%s\"},\"spec\":{\"holderIdentity\":\"%s\","
             "\"leaseDurationSeconds\":40,\"renewTime\":\"2026-01-01T00:00:00.000000Z\"}}",
             name, name);
    return env_call(&env, "POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases",
                    "application/json", body, NULL) == 201
               ? 0
               : -1;
}

typedef struct {
    const char *node; /* every ready pod on it */
    int n;
} placed_t;

static bool pods_on(env_t *e, void *data)
{
    placed_t *p = data;
    json_t *items = NULL;
    int ready = 0;
    if (env_pods(e, "default", "app%3Dweb", &ready, &items) != p->n || ready != p->n) {
        json_decref(items);
        return false;
    }
    size_t i;
    json_t *pod;
    bool all = true;
    json_array_foreach(items, i, pod)
    {
        const char *node = json_string_value(env_get(pod, "spec", "nodeName"));
        if (!node || strcmp(node, p->node) != 0)
            all = false;
    }
    json_decref(items);
    return all;
}

static bool node_tainted(env_t *e, void *data)
{
    json_t *n = NULL;
    env_call(e, "GET", "/api/v1/nodes/n1", NULL, NULL, &n);
    bool want = *(bool *)data, has = false;
    size_t i;
    json_t *t;
    json_array_foreach(env_get(n, "spec", "taints"), i, t)
    {
        if (!strcmp(json_string_value(json_object_get(t, "key")) ?: "",
                    "node.kubernetes.io/unreachable"))
            has = true;
    }
    json_decref(n);
    return has == want;
}

static bool deployment_available(env_t *e, void *data)
{
    json_t *d = NULL;
    env_call(e, "GET", "/apis/apps/v1/namespaces/default/deployments/web", NULL, NULL, &d);
    bool ok = env_int(d, "status", "availableReplicas") == 4;
    json_decref(d);
    return ok;
}

int main(void)
{
    setenv("C8S_NODE_MONITOR_GRACE_MS", "1500", 1);
    fakekubelet_config_t fkc = {.decide = decide};
    REQUIRE(env_start(&env, &fkc) == 0);
    scheduler_t *sched = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    REQUIRE(scheduler_start(env.srv, &sched, &err) == 0);
    uv_timer_init(&env.loop, &heartbeat);
    uv_timer_start(&heartbeat, on_heartbeat, 300, 300);

    REQUIRE(make_node("n1") == 0);
    const char *dep =
        "{\"metadata\":{\"name\":\"web\"},\"spec\":{\"replicas\":4,\"selector\":{\"matchLabels\":"
        "{\"app\":\"web\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{"
        "\"tolerations\":[{\"key\":\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\","
        "\"effect\":\"NoExecute\",\"tolerationSeconds\":1}],"
        "\"containers\":[{\"name\":\"web\",\"image\":\"busybox\"}]}}}}";
    CHECK_INT(env_call(&env, "POST", "/apis/apps/v1/namespaces/default/deployments",
                       "application/json", dep, NULL),
              201);
    placed_t on_n1 = {"n1", 4};
    CHECK(env_wait(&env, pods_on, &on_n1, 30000));
    REQUIRE(make_node("n2") == 0);

    /* n1 goes silent. */
    n1_alive = false;
    bool tainted = true;
    CHECK(env_wait(&env, node_tainted, &tainted, 20000));
    placed_t on_n2 = {"n2", 4};
    CHECK(env_wait(&env, pods_on, &on_n2, 30000));
    CHECK(env_wait(&env, deployment_available, NULL, 20000));

    /* n1 back: heartbeats and a Ready status again; the taints go. */
    n1_alive = true;
    n1_returned = true;
    bool clean = false;
    CHECK(env_wait(&env, node_tainted, &clean, 20000));

    uv_timer_stop(&heartbeat);
    uv_close((uv_handle_t *)&heartbeat, NULL);
    scheduler_stop(sched);
    env_stop(&env);
    TEST_END();
}
