/*
 * test_metrics_api.c — NodeMetrics and PodMetrics objects and their canonical quantities, as
 * metrics-server writes them.
 */
#include "c8s/metrics_api.h"
#include "test.h"

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
    TEST_END();
}
