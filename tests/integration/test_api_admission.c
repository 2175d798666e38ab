/* test_admission.c — admission over HTTP against a real etcd: DefaultTolerationSeconds. */
#include "harness.h"
#include "test.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static th_etcd_t etcd;
static th_server_t srv;

/* Creates a pod in "default" and returns its tolerations as compact sorted JSON (owned). */
static char *create_pod(const char *name, const char *tolerations)
{
    char url[256], body[1024];
    snprintf(url, sizeof url, "%s/api/v1/namespaces/default/pods", srv.url);
    snprintf(
        body, sizeof body,
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\"},"
        "\"spec\":{\"tolerations\":%s,\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}",
        name, tolerations);
    th_resp_t resp = {0};
    CHECK(th_http("POST", url, "application/json", body, &resp) == 0);
    CHECK_MSG(resp.status == 201, "create %s: %ld %s", name, resp.status, resp.body);
    json_t *pod = resp.body ? json_loads(resp.body, 0, NULL) : NULL;
    char *out = pod ? json_dumps(json_object_get(json_object_get(pod, "spec"), "tolerations"),
                                 JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS)
                    : NULL;
    json_decref(pod);
    th_resp_free(&resp);
    return out;
}

static void test_default_toleration_seconds(void)
{
    char *got = create_pod("plain", "[]");
    CHECK_MSG(got &&
                  strstr(got, "{\"effect\":\"NoExecute\",\"key\":\"node.kubernetes.io/"
                              "not-ready\",\"operator\":\"Exists\",\"tolerationSeconds\":300}") &&
                  strstr(got, "{\"effect\":\"NoExecute\",\"key\":\"node.kubernetes.io/"
                              "unreachable\",\"operator\":\"Exists\",\"tolerationSeconds\":300}"),
              "plain pod tolerations: %s", got);
    free(got);
    got = create_pod("own", "[{\"key\":\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\","
                            "\"effect\":\"NoExecute\",\"tolerationSeconds\":7}]");
    CHECK_MSG(got && strstr(got, "\"tolerationSeconds\":7") &&
                  !strstr(got, "not-ready\",\"operator\":\"Exists\",\"tolerationSeconds\":300"),
              "own toleration kept: %s", got);
    free(got);
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
    test_default_toleration_seconds();
    CHECK_INT(th_server_stop(&srv), 0);
    th_etcd_stop(&etcd);
    TEST_END();
}
