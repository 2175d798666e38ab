/* test_kubelet_node.c — the kubelet role's node registration against a real etcd and the API
 * server in-process: the Node is created with capacity, addresses, nodeInfo and Ready conditions,
 * and without a pod CIDR when the kubelet was given none (the node IPAM controller assigns it);
 * its Lease in kube-node-lease is renewed; transition times stay put across
 * heartbeats; an unchanged status is not sent again until the report frequency has passed, a
 * status another writer changed is put right at the next beat; a Node that exists already is
 * adopted with its own podCIDR. Touches nothing on the
 * host (registration reads facts only). */
#include "c8s/apiserver.h"
#include "c8s/kubelet.h"
#include "harness.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char base[64];

static json_t *get(const char *path)
{
    cleanup_free char *url = xasprintf("%s%s", base, path);
    th_resp_t r = {0};
    if (th_http("GET", url, NULL, NULL, &r) != 0 || r.status != 200) {
        th_resp_free(&r);
        return NULL;
    }
    json_t *o = json_loads(r.body, 0, NULL);
    th_resp_free(&r);
    return o;
}

static const json_t *cond(const json_t *node, const char *type)
{
    json_t *c;
    size_t i;
    json_array_foreach(json_object_get(json_object_get(node, "status"), "conditions"), i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "type")), type) == 0)
            return c;
    }
    return NULL;
}

static bool wait_heartbeats(kubelet_t *k, unsigned long n)
{
    for (int i = 0; i < 1200; i++) {
        if (kubelet_heartbeats(k) >= n)
            return true;
        usleep(50000);
    }
    return false;
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
        fprintf(stderr, "apiserver_start: %s\n", err.msg);
        th_etcd_stop(&etcd);
        REQUIRE(!"server started");
    }
    json_t *ns = NULL;
    for (int i = 0; i < 100 && !(ns = get("/api/v1/namespaces/kube-node-lease")); i++)
        usleep(50000);
    CHECK(ns != NULL);
    json_decref(ns);

    char root[] = "/tmp/c8s-kubelet-XXXXXX";
    REQUIRE(mkdtemp(root));
    kubelet_config_t kc = {.node_name = "node-a", .root_dir = root, .status_interval_ms = 200};
    kubelet_t *k = NULL;
    CHECK_INT(kubelet_start(srv, &kc, &k, &err), 0);
    CHECK(wait_heartbeats(k, 2));
    /* What `kubectl describe node` shows of the kubelet. */
    CHECK(th_wait_event(base, "default", "Node", "node-a", "Starting", "Starting kubelet.", 60000));
    CHECK(th_wait_event(base, "default", "Node", "node-a", "NodeReady",
                        "Node node-a status is now: NodeReady", 60000));
    CHECK(th_wait_event(base, "default", "Node", "node-a", "NodeHasSufficientMemory",
                        "Node node-a status is now: NodeHasSufficientMemory", 60000));

    json_t *node = get("/api/v1/nodes/node-a");
    CHECK(node != NULL);
    json_t *spec = json_object_get(node, "spec");
    json_t *status = json_object_get(node, "status");
    CHECK(json_object_get(spec, "podCIDR") == NULL);
    CHECK_STR(json_string_value(json_object_get(json_object_get(status, "capacity"), "pods")),
              "110");
    CHECK(json_object_get(json_object_get(status, "allocatable"), "cpu") != NULL);
    CHECK(json_object_get(json_object_get(status, "allocatable"), "memory") != NULL);
    CHECK(json_object_get(json_object_get(status, "capacity"), "ephemeral-storage") != NULL);
    json_t *info = json_object_get(status, "nodeInfo");
    CHECK_STR(json_string_value(json_object_get(info, "operatingSystem")), "linux");
    const char *rt = json_string_value(json_object_get(info, "containerRuntimeVersion"));
    CHECK(rt && strncmp(rt, "runc://", 7) == 0);
    CHECK(json_string_length(json_object_get(info, "kernelVersion")) > 0);
    json_t *addr0 = json_array_get(json_object_get(status, "addresses"), 0);
    CHECK_STR(json_string_value(json_object_get(addr0, "type")), "InternalIP");
    const json_t *ready = cond(node, "Ready");
    CHECK(ready != NULL);
    CHECK_STR(json_string_value(json_object_get(ready, "status")), "True");
    CHECK(cond(node, "MemoryPressure") && cond(node, "DiskPressure") && cond(node, "PIDPressure"));
    cleanup_free char *t1 =
        xstrdup(json_string_value(json_object_get(ready, "lastTransitionTime")) ?: "");
    json_decref(node);

    json_t *lease = get("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-a");
    CHECK(lease != NULL);
    json_t *ls = json_object_get(lease, "spec");
    CHECK_STR(json_string_value(json_object_get(ls, "holderIdentity")), "node-a");
    CHECK_INT(json_integer_value(json_object_get(ls, "leaseDurationSeconds")), 40);
    cleanup_free char *renew1 = xstrdup(json_string_value(json_object_get(ls, "renewTime")) ?: "");
    json_decref(lease);

    /* Two more heartbeats (status and lease each): the lease is renewed, Ready did not move. */
    unsigned long h = kubelet_heartbeats(k);
    CHECK(wait_heartbeats(k, h + 4));
    lease = get("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-a");
    CHECK(lease != NULL);
    const char *renew2 =
        json_string_value(json_object_get(json_object_get(lease, "spec"), "renewTime"));
    CHECK(renew2 && strcmp(renew1, renew2) != 0);
    json_decref(lease);
    node = get("/api/v1/nodes/node-a");
    CHECK_STR(json_string_value(json_object_get(cond(node, "Ready"), "lastTransitionTime")), t1);
    json_decref(node);

    /* An unchanged status is not sent again (upstream's nodeStatusReportFrequency, 5 min): a
     * window of three beats passes with the Lease renewed and the Node not written. The first
     * windows may still see a write (a read from the watch cache before it has the kubelet's
     * last patch), so up to 40 are tried; a kubelet that sends every beat never has one. */
    bool quiet = false;
    for (int w = 0; w < 40 && !quiet; w++) {
        node = get("/api/v1/nodes/node-a");
        cleanup_free char *rv = xstrdup(
            json_string_value(json_object_get(json_object_get(node, "metadata"), "resourceVersion"))
                ?: "");
        json_decref(node);
        h = kubelet_heartbeats(k);
        CHECK(wait_heartbeats(k, h + 6));
        node = get("/api/v1/nodes/node-a");
        const char *rv2 = json_string_value(
            json_object_get(json_object_get(node, "metadata"), "resourceVersion"));
        quiet = rv2 && strcmp(rv, rv2) == 0;
        json_decref(node);
    }
    CHECK_MSG(quiet, "the Node was written on every beat");

    /* What another writer changed is a change: Ready Unknown (as the node lifecycle controller
     * writes it) is put back to True at the next beats, not 5 minutes later. */
    cleanup_free char *spath = xasprintf("%s/api/v1/nodes/node-a/status", base);
    th_resp_t pr = {0};
    CHECK(th_http("PATCH", spath, "application/merge-patch+json",
                  "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"Unknown\","
                  "\"reason\":\"NodeStatusUnknown\",\"message\":\"Kubelet stopped posting node "
                  "status.\"}]}}",
                  &pr) == 0);
    CHECK_INT(pr.status, 200);
    th_resp_free(&pr);
    bool back = false;
    for (int i = 0; i < 1200 && !back; i++) {
        node = get("/api/v1/nodes/node-a");
        const char *st = json_string_value(json_object_get(cond(node, "Ready"), "status"));
        back = st && strcmp(st, "True") == 0 && cond(node, "MemoryPressure") != NULL;
        json_decref(node);
        if (!back)
            usleep(50000);
    }
    CHECK_MSG(back, "Ready stayed Unknown");
    kubelet_stop(k);

    /* A Node created beforehand keeps its podCIDR; the kubelet adopts it. */
    const char *pre = "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"node-b\"},"
                      "\"spec\":{\"podCIDR\":\"10.244.5.0/24\"}}";
    cleanup_free char *url = xasprintf("%s/api/v1/nodes", base);
    th_resp_t r = {0};
    CHECK(th_http("POST", url, "application/json", pre, &r) == 0);
    CHECK_INT(r.status, 201);
    th_resp_free(&r);
    kc.node_name = "node-b";
    /* With a report frequency of 1 s the unchanged status is sent again: a new heartbeat time. */
    kc.status_report_ms = 1000;
    CHECK_INT(kubelet_start(srv, &kc, &k, &err), 0);
    CHECK(wait_heartbeats(k, 2));
    node = get("/api/v1/nodes/node-b");
    CHECK_STR(json_string_value(json_object_get(json_object_get(node, "spec"), "podCIDR")),
              "10.244.5.0/24");
    CHECK_STR(json_string_value(json_object_get(cond(node, "Ready"), "status")), "True");
    cleanup_free char *hb1 =
        xstrdup(json_string_value(json_object_get(cond(node, "Ready"), "lastHeartbeatTime")) ?: "");
    json_decref(node);
    bool reported = false;
    for (int i = 0; i < 1200 && !reported; i++) {
        node = get("/api/v1/nodes/node-b");
        const char *hb2 =
            json_string_value(json_object_get(cond(node, "Ready"), "lastHeartbeatTime"));
        reported = hb2 && strcmp(hb1, hb2) != 0;
        json_decref(node);
        if (!reported)
            usleep(50000);
    }
    CHECK_MSG(reported, "the status was not reported again");
    kubelet_stop(k);

    apiserver_stop(srv);
    th_etcd_stop(&etcd);
    th_rmtree(root);
    TEST_END();
}
