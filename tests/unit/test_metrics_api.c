/*
 * test_metrics_api.c — NodeMetrics and PodMetrics objects and their canonical quantities, as
 * metrics-server writes them.
 */
#include "c8s/metrics_api.h"
#include "test.h"

/* A Summary as the kubelet serves it: node and one pod with container c at cumulative CPU
 * cpu_ns sampled at time t (text), started at start. */
static json_t *summary(const char *t, long long node_cpu, long long cpu_ns, const char *start,
                       long long ws)
{
    json_t *cpu = json_pack("{s:s, s:I}", "time", t, "usageCoreNanoSeconds", (json_int_t)cpu_ns);
    return json_pack(
        "{s:{s:s, s:{s:s, s:I}, s:{s:I}}, s:[{s:{s:s, s:s}, s:[{s:s, s:s, s:o, s:{s:I}}]}]}",
        "node", "nodeName", "n1", "cpu", "time", t, "usageCoreNanoSeconds", (json_int_t)node_cpu,
        "memory", "workingSetBytes", (json_int_t)(1 << 30), "pods", "podRef", "namespace",
        "default", "name", "web-1", "containers", "name", "c", "startTime", start, "cpu", cpu,
        "memory", "workingSetBytes", (json_int_t)ws);
}

static void test_store(void)
{
    CHECK_INT(metrics_api_time_ns("2026-11-23T08:00:00Z"), 1795420800LL * 1000000000LL);
    CHECK_INT(metrics_api_time_ns("2026-11-23T08:00:00.5Z"),
              1795420800LL * 1000000000LL + 500000000LL);
    CHECK_INT(metrics_api_time_ns("nonsense"), -1);

    metrics_api_store_t *s = metrics_api_store_new();
    c8s_err_t err = C8S_ERR_INIT;
    json_t *bad = json_pack("{s:[]}", "pods");
    CHECK_INT(metrics_api_store_put(s, "n1", bad, &err), C8S_EINVALID);
    c8s_err_clear(&err);
    json_decref(bad);

    /* One sample: no rate yet, so nothing is served. */
    json_t *a =
        summary("2026-11-23T08:00:00Z", 1000000000LL, 5000000000LL, "2026-11-23T07:00:00Z", 4096);
    CHECK_INT(metrics_api_store_put(s, "n1", a, &err), 0);
    CHECK(metrics_api_store_node(s, "n1", NULL) == NULL);
    CHECK(metrics_api_store_pod(s, "default", "web-1", NULL) == NULL);
    /* The same sample scraped again changes nothing. */
    CHECK_INT(metrics_api_store_put(s, "n1", a, &err), 0);
    json_decref(a);

    /* 15 s later: the pod used 3 s of CPU (200m), the node 30 s (2 cores). */
    json_t *b = summary("2026-11-23T08:00:15.000Z", 31000000000LL, 8000000000LL,
                        "2026-11-23T07:00:00Z", 8192);
    CHECK_INT(metrics_api_store_put(s, "n1", b, &err), 0);
    json_decref(b);
    json_t *nm = metrics_api_store_node(s, "n1", NULL);
    CHECK_STR(json_string_value(json_object_get(json_object_get(nm, "usage"), "cpu")), "2");
    CHECK_STR(json_string_value(json_object_get(json_object_get(nm, "usage"), "memory")), "1Gi");
    CHECK_STR(json_string_value(json_object_get(nm, "window")), "15s");
    CHECK_STR(json_string_value(json_object_get(nm, "timestamp")), "2026-11-23T08:00:15Z");
    json_decref(nm);
    json_t *pm = metrics_api_store_pod(s, "default", "web-1", NULL);
    json_t *c0 = json_array_get(json_object_get(pm, "containers"), 0);
    CHECK_STR(json_string_value(json_object_get(json_object_get(c0, "usage"), "cpu")), "200m");
    CHECK_STR(json_string_value(json_object_get(json_object_get(c0, "usage"), "memory")), "8Ki");
    json_decref(pm);
    CHECK(metrics_api_store_pod(s, "default", "other", NULL) == NULL);

    /* A restarted container (new startTime) starts its history again. */
    json_t *c =
        summary("2026-11-23T08:00:30Z", 32000000000LL, 1000000LL, "2026-11-23T08:00:20Z", 8192);
    CHECK_INT(metrics_api_store_put(s, "n1", c, &err), 0);
    json_decref(c);
    CHECK(metrics_api_store_pod(s, "default", "web-1", NULL) == NULL);

    /* A pod the kubelet no longer reports is gone; forgetting a node drops all of it. */
    json_t *d = json_pack("{s:{s:{s:s, s:I}}, s:[]}", "node", "cpu", "time", "2026-11-23T08:00:45Z",
                          "usageCoreNanoSeconds", (json_int_t)33000000000LL, "pods");
    CHECK_INT(metrics_api_store_put(s, "n1", d, &err), 0);
    json_decref(d);
    nm = metrics_api_store_node(s, "n1", NULL);
    CHECK_STR(json_string_value(json_object_get(json_object_get(nm, "usage"), "cpu")), "66666666n");
    json_decref(nm);
    metrics_api_store_forget(s, "n1");
    CHECK(metrics_api_store_node(s, "n1", NULL) == NULL);
    metrics_api_store_free(s);
}

int main(void)
{
    char b[32];
    CHECK_STR(metrics_api_cpu(0, b, sizeof(b)), "0");
    CHECK_STR(metrics_api_cpu(12345, b, sizeof(b)), "12345n");
    CHECK_STR(metrics_api_cpu(3000, b, sizeof(b)), "3u");
    CHECK_STR(metrics_api_cpu(250000000, b, sizeof(b)), "250m");
    CHECK_STR(metrics_api_cpu(1500000000, b, sizeof(b)), "1500m");
    CHECK_STR(metrics_api_cpu(2000000000, b, sizeof(b)), "2");
    CHECK_STR(metrics_api_memory(0, b, sizeof(b)), "0");
    CHECK_STR(metrics_api_memory(512, b, sizeof(b)), "512");
    CHECK_STR(metrics_api_memory(1024, b, sizeof(b)), "1Ki");
    CHECK_STR(metrics_api_memory(134217728, b, sizeof(b)), "128Mi");
    CHECK_STR(metrics_api_memory(1536 * 1024, b, sizeof(b)), "1536Ki");
    CHECK_STR(metrics_api_memory(1500000, b, sizeof(b)), "1500k");
    CHECK_STR(metrics_api_memory(1048577, b, sizeof(b)), "1048577");

    json_t *labels = json_pack("{s:s}", "app", "web");
    json_t *n = metrics_api_node("n1", NULL, "2026-11-23T08:00:00Z", 15, 250000000, 1048576);
    CHECK_STR(json_string_value(json_object_get(n, "kind")), "NodeMetrics");
    CHECK_STR(json_string_value(json_object_get(n, "apiVersion")), "metrics.k8s.io/v1beta1");
    CHECK_STR(json_string_value(json_object_get(n, "window")), "15s");
    CHECK_STR(json_string_value(json_object_get(json_object_get(n, "usage"), "cpu")), "250m");
    CHECK_STR(json_string_value(json_object_get(json_object_get(n, "usage"), "memory")), "1Mi");
    CHECK(json_object_get(json_object_get(n, "metadata"), "labels") == NULL);
    json_decref(n);

    metrics_api_container_t cs[] = {{"app", 1000000, 4096}, {"side", 0, 100}};
    json_t *p = metrics_api_pod("default", "web-1", labels, "2026-11-23T08:00:00Z", 15.5, cs, 2);
    CHECK_STR(json_string_value(json_object_get(p, "kind")), "PodMetrics");
    CHECK_STR(json_string_value(json_object_get(json_object_get(p, "metadata"), "namespace")),
              "default");
    CHECK_STR(json_string_value(json_object_get(
                  json_object_get(json_object_get(p, "metadata"), "labels"), "app")),
              "web");
    CHECK_STR(json_string_value(json_object_get(p, "window")), "15.5s");
    json_t *c0 = json_array_get(json_object_get(p, "containers"), 0);
    CHECK_STR(json_string_value(json_object_get(c0, "name")), "app");
    CHECK_STR(json_string_value(json_object_get(json_object_get(c0, "usage"), "cpu")), "1m");
    CHECK_STR(json_string_value(json_object_get(json_object_get(c0, "usage"), "memory")), "4Ki");
    CHECK_INT(json_array_size(json_object_get(p, "containers")), 2);
    json_decref(p);
    json_decref(labels);
    test_store();
    TEST_END();
}
