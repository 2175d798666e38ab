/*
 * test_ctrl_nodelifecycle.c — node health and pod CIDR allocation on a real etcd, the c8s API
 * and the controller manager (grace period shortened to 1.5 s with C8S_NODE_MONITOR_GRACE_MS):
 * a node whose Lease the test stops renewing becomes Ready=Unknown with the unreachable
 * NoSchedule and NoExecute taints; its pod without tolerations is evicted at once, the one
 * tolerating for 2 s afterwards, the one tolerating for ever stays with Ready False; renewed and
 * reporting Ready again, the node loses the taints. Pod CIDR allocation on a real etcd, the c8s API
 * and the controller manager: nodes without spec.podCIDR get distinct /24s of 10.244.0.0/16
 * (podCIDR and podCIDRs), a range a node already holds is not handed out again, and a deleted
 * node's range is reused.
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

static char base[64];

static long api(const char *method, const char *path, const char *body, json_t **out)
{
    return th_api(base, method, path, NULL, body, out);
}

static long make_node(const char *name, const char *cidr);

static long patch(const char *path, const char *body)
{
    char url[512];
    snprintf(url, sizeof(url), "%s%s", base, path);
    th_resp_t r = {0};
    if (th_http("PATCH", url, "application/merge-patch+json", body, &r) != 0)
        return -1;
    long st = r.status;
    if (st >= 300)
        fprintf(stderr, "PATCH %s: %ld %s\n", path, st, r.body ? r.body : "");
    th_resp_free(&r);
    return st;
}

static int renewals;

static long renew(const char *node)
{
    char path[256], body[256];
    snprintf(path, sizeof(path),
             "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/%s", node);
    snprintf(body, sizeof(body), "{\"spec\":{\"renewTime\":\"2026-01-01T00:00:00.%06dZ\"}}",
             ++renewals);
    return patch(path, body);
}

static long make_pod(const char *name, const char *node, const char *tolerations)
{
    char body[1024];
    snprintf(body, sizeof(body),
             "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\"},\"spec\":{"
             "\"nodeName\":\"%s\",\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]%s%s}}",
             name, node, tolerations ? ",\"tolerations\":" : "", tolerations ? tolerations : "");
    return api("POST", "/api/v1/namespaces/default/pods", body, NULL);
}

static json_t *get(const char *path)
{
    json_t *o = NULL;
    if (api("GET", path, NULL, &o) != 200) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static const char *cond(const json_t *obj, const char *type)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(obj, "status"), "conditions"), i, c)
    {
        const char *t = json_string_value(json_object_get(c, "type"));
        if (t && strcmp(t, type) == 0)
            return json_string_value(json_object_get(c, "status"));
    }
    return NULL;
}

static bool has_taint(const json_t *node, const char *key, const char *effect)
{
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(json_object_get(node, "spec"), "taints"), i, t)
    {
        const char *k = json_string_value(json_object_get(t, "key"));
        const char *e = json_string_value(json_object_get(t, "effect"));
        if (k && e && strcmp(k, key) == 0 && strcmp(e, effect) == 0)
            return true;
    }
    return false;
}

static bool pod_gone(const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/namespaces/default/pods/%s", name);
    json_t *p = get(path);
    bool gone = !p || json_object_get(json_object_get(p, "metadata"), "deletionTimestamp");
    json_decref(p);
    return gone;
}

static void test_health(void)
{
    static const char ready_true[] =
        "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\","
        "\"reason\":\"KubeletReady\"}]}}";
    CHECK_INT(make_node("h1", NULL), 201);
    CHECK_INT(patch("/api/v1/nodes/h1/status", ready_true), 200);
    CHECK_INT(api("POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases",
                  "{\"metadata\":{\"name\":\"h1\"},\"spec\":{\"holderIdentity\":\"h1\","
                  "\"leaseDurationSeconds\":40,\"renewTime\":\"2026-01-01T00:00:00.000000Z\"}}",
                  NULL),
              201);
    /* Admission gives every pod 300 s tolerations for not-ready and unreachable (upstream's
     * DefaultTolerationSeconds), so a pod evicted at once says so with tolerationSeconds 0. */
    CHECK_INT(make_pod("bare", "h1",
                       "[{\"key\":\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\","
                       "\"effect\":\"NoExecute\",\"tolerationSeconds\":0}]"),
              201);
    CHECK_INT(make_pod("short", "h1",
                       "[{\"key\":\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\","
                       "\"effect\":\"NoExecute\",\"tolerationSeconds\":10}]"),
              201);
    CHECK_INT(make_pod("forever", "h1", "[{\"operator\":\"Exists\"}]"), 201);
    CHECK_INT(patch("/api/v1/namespaces/default/pods/forever/status",
                    "{\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\","
                    "\"status\":\"True\"}]}}"),
              200);
    /* Renewed for 3 s (twice the grace period): nothing happens. */
    for (int i = 0; i < 10; i++) {
        CHECK_INT(renew("h1"), 200);
        usleep(300 * 1000);
    }
    json_t *n = get("/api/v1/nodes/h1");
    CHECK_STR(cond(n, "Ready"), "True");
    CHECK(!has_taint(n, "node.kubernetes.io/unreachable", "NoExecute"));
    json_decref(n);
    CHECK(!pod_gone("bare"));
    /* Silent: Unknown and tainted; the bare pod goes at once. */
    bool tainted = false;
    for (int i = 0; i < 100 && !tainted; i++) {
        n = get("/api/v1/nodes/h1");
        const char *r = cond(n, "Ready");
        tainted = r && strcmp(r, "Unknown") == 0 &&
                  has_taint(n, "node.kubernetes.io/unreachable", "NoExecute") &&
                  has_taint(n, "node.kubernetes.io/unreachable", "NoSchedule");
        json_decref(n);
        if (!tainted)
            usleep(100 * 1000);
    }
    CHECK(tainted);
    /* What `kubectl describe node` shows of the node controller. */
    CHECK(th_wait_event(base, "default", "Node", "h1", "RegisteredNode",
                        "Node h1 event: Registered Node h1 in Controller", 60000));
    CHECK(th_wait_event(base, "default", "Node", "h1", "NodeNotReady",
                        "Node h1 status is now: NodeNotReady", 60000));
    bool gone = false;
    /* Generous bounds: a loaded CI machine is slow; what matters is the order (bare at once,
     * short after its 10 s, forever never, and the rest of the pods keep admission's 300 s). */
    for (int i = 0; i < 80 && !(gone = pod_gone("bare")); i++)
        usleep(100 * 1000);
    CHECK(gone);
    CHECK(!pod_gone("short"));
    gone = false;
    for (int i = 0; i < 300 && !(gone = pod_gone("short")); i++)
        usleep(100 * 1000);
    CHECK(gone);
    CHECK(!pod_gone("forever"));
    json_t *p = get("/api/v1/namespaces/default/pods/forever");
    CHECK_STR(cond(p, "Ready"), "False");
    json_decref(p);
    /* Back: the kubelet renews and reports Ready; the taints go. */
    CHECK_INT(renew("h1"), 200);
    CHECK_INT(patch("/api/v1/nodes/h1/status", ready_true), 200);
    bool clean = false;
    for (int i = 0; i < 50 && !clean; i++) {
        CHECK_INT(renew("h1"), 200);
        n = get("/api/v1/nodes/h1");
        clean = !has_taint(n, "node.kubernetes.io/unreachable", "NoExecute") &&
                !has_taint(n, "node.kubernetes.io/unreachable", "NoSchedule");
        json_decref(n);
        if (!clean)
            usleep(100 * 1000);
    }
    CHECK(clean);
    /* Pressure conditions put their NoSchedule taints, which go with them. */
    CHECK_INT(patch("/api/v1/nodes/h1/status",
                    "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\","
                    "\"reason\":\"KubeletReady\"},{\"type\":\"MemoryPressure\",\"status\":"
                    "\"True\"},{\"type\":\"DiskPressure\",\"status\":\"False\"}]}}"),
              200);
    bool pressed = false;
    for (int i = 0; i < 50 && !pressed; i++) {
        CHECK_INT(renew("h1"), 200);
        n = get("/api/v1/nodes/h1");
        pressed = has_taint(n, "node.kubernetes.io/memory-pressure", "NoSchedule") &&
                  !has_taint(n, "node.kubernetes.io/disk-pressure", "NoSchedule");
        json_decref(n);
        if (!pressed)
            usleep(100 * 1000);
    }
    CHECK(pressed);
    CHECK_INT(patch("/api/v1/nodes/h1/status", ready_true), 200);
    clean = false;
    for (int i = 0; i < 50 && !clean; i++) {
        CHECK_INT(renew("h1"), 200);
        n = get("/api/v1/nodes/h1");
        clean = !has_taint(n, "node.kubernetes.io/memory-pressure", "NoSchedule");
        json_decref(n);
        if (!clean)
            usleep(100 * 1000);
    }
    CHECK(clean);
    /* A cordoned node (spec.unschedulable, kubectl cordon) gets the unschedulable NoSchedule
     * taint; uncordoned, it goes. */
    CHECK_INT(patch("/api/v1/nodes/h1", "{\"spec\":{\"unschedulable\":true}}"), 200);
    bool cordoned = false;
    for (int i = 0; i < 50 && !cordoned; i++) {
        CHECK_INT(renew("h1"), 200);
        n = get("/api/v1/nodes/h1");
        cordoned = has_taint(n, "node.kubernetes.io/unschedulable", "NoSchedule");
        json_decref(n);
        if (!cordoned)
            usleep(100 * 1000);
    }
    CHECK(cordoned);
    CHECK_INT(patch("/api/v1/nodes/h1", "{\"spec\":{\"unschedulable\":null}}"), 200);
    clean = false;
    for (int i = 0; i < 50 && !clean; i++) {
        CHECK_INT(renew("h1"), 200);
        n = get("/api/v1/nodes/h1");
        clean = !has_taint(n, "node.kubernetes.io/unschedulable", "NoSchedule");
        json_decref(n);
        if (!clean)
            usleep(100 * 1000);
    }
    CHECK(clean);
    /* A status post is a heartbeat too (upstream's probe): 3 s of posts with a fresh Ready
     * lastHeartbeatTime and no Lease renewal keep the node Ready. */
    for (int i = 0; i < 10; i++) {
        char body[256];
        snprintf(body, sizeof(body),
                 "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\","
                 "\"reason\":\"KubeletReady\",\"lastHeartbeatTime\":\"2026-01-01T00:00:%02dZ\"}]}}",
                 i);
        CHECK_INT(patch("/api/v1/nodes/h1/status", body), 200);
        usleep(300 * 1000);
    }
    n = get("/api/v1/nodes/h1");
    CHECK_STR(cond(n, "Ready"), "True");
    CHECK(!has_taint(n, "node.kubernetes.io/unreachable", "NoSchedule"));
    json_decref(n);
}

static long make_node(const char *name, const char *cidr)
{
    char body[256];
    if (cidr)
        snprintf(body, sizeof(body),
                 "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"%s\"},"
                 "\"spec\":{\"podCIDR\":\"%s\",\"podCIDRs\":[\"%s\"]}}",
                 name, cidr, cidr);
    else
        snprintf(body, sizeof(body),
                 "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"%s\"}}", name);
    return api("POST", "/api/v1/nodes", body, NULL);
}

/* Polls until the node has a podCIDR; copies it into out. */
static bool wait_cidr(const char *name, char *out, size_t len)
{
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/nodes/%s", name);
    for (int i = 0; i < 200; i++) {
        json_t *n = NULL;
        api("GET", path, NULL, &n);
        json_t *spec = json_object_get(n, "spec");
        const char *c = json_string_value(json_object_get(spec, "podCIDR"));
        const char *c0 = json_string_value(json_array_get(json_object_get(spec, "podCIDRs"), 0));
        bool ok = c && c0 && strcmp(c, c0) == 0;
        if (ok)
            snprintf(out, len, "%s", c);
        json_decref(n);
        if (ok)
            return true;
        usleep(50 * 1000);
    }
    return false;
}

int main(void)
{
    setenv("C8S_NODE_MONITOR_GRACE_MS", "1500", 1);
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
    /* A node holding 10.244.0.0/24 before any allocator ran. */
    CHECK_INT(make_node("pre", "10.244.0.0/24"), 201);
    controllers_t *cm = NULL;
    if (controllers_start(srv, &cm, &err) != 0) {
        apiserver_stop(srv);
        th_etcd_stop(&etcd);
        REQUIRE(!"controllers started");
    }
    CHECK_INT(make_node("a", NULL), 201);
    CHECK_INT(make_node("b", NULL), 201);
    char pre[32] = "", a[32] = "", b[32] = "", c[32] = "";
    CHECK(wait_cidr("pre", pre, sizeof(pre)));
    CHECK_STR(pre, "10.244.0.0/24");
    CHECK(wait_cidr("a", a, sizeof(a)));
    CHECK(wait_cidr("b", b, sizeof(b)));
    CHECK(strncmp(a, "10.244.", 7) == 0 && strncmp(b, "10.244.", 7) == 0);
    CHECK(strcmp(a, b) != 0);
    CHECK(strcmp(a, pre) != 0 && strcmp(b, pre) != 0);
    CHECK(strcmp(a, "10.244.1.0/24") == 0 || strcmp(b, "10.244.1.0/24") == 0);
    /* a's range is free again once a is gone. */
    CHECK_INT(api("DELETE", "/api/v1/nodes/a", NULL, NULL), 200);
    usleep(300 * 1000);
    CHECK_INT(make_node("c", NULL), 201);
    CHECK(wait_cidr("c", c, sizeof(c)));
    CHECK_STR(c, a);
    test_health();
    controllers_stop(cm);

    /* Another cluster CIDR and node mask size (--cluster-cidr, --node-cidr-mask-size): new
     * nodes get ranges from it; a bad pair is refused. */
    controllers_config_t ccfg = {.cluster_cidr = "10.44.0.0/20", .node_cidr_mask_size = 26};
    controllers_config_t bad = {.cluster_cidr = "10.44.0.0/24", .node_cidr_mask_size = 20};
    cm = NULL;
    CHECK_INT(controllers_start_config(srv, &bad, &cm, &err), C8S_EINVALID);
    CHECK(cm == NULL);
    if (controllers_start_config(srv, &ccfg, &cm, &err) != 0) {
        apiserver_stop(srv);
        th_etcd_stop(&etcd);
        REQUIRE(!"controllers started with a cluster CIDR");
    }
    char d[32] = "", e[32] = "";
    CHECK_INT(make_node("d", NULL), 201);
    CHECK(wait_cidr("d", d, sizeof(d)));
    CHECK_STR(d, "10.44.0.0/26");
    CHECK_INT(make_node("e", NULL), 201);
    CHECK(wait_cidr("e", e, sizeof(e)));
    CHECK_STR(e, "10.44.0.64/26");

    controllers_stop(cm);
    apiserver_stop(srv);
    th_etcd_stop(&etcd);
    TEST_END();
}
