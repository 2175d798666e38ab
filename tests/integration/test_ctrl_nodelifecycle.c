/*
 * test_ctrl_nodelifecycle.c — pod CIDR allocation on a real etcd, the c8s API and the controller
 * manager: nodes without spec.podCIDR get distinct /24s of 10.244.0.0/16 (podCIDR and podCIDRs),
 * a range a node already holds is not handed out again, and a deleted node's range is reused.
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

static long api(const char *method, const char *path, const char *body, json_t **out)
{
    char url[512];
    snprintf(url, sizeof(url), "%s%s", base, path);
    th_resp_t r = {0};
    if (th_http(method, url, body ? "application/json" : NULL, body, &r) != 0)
        return -1;
    long st = r.status;
    if (out)
        *out = json_loads(r.body ? r.body : "", 0, NULL);
    if (st >= 300 && st != 404)
        fprintf(stderr, "%s %s: %ld %s\n", method, path, st, r.body ? r.body : "");
    th_resp_free(&r);
    return st;
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
    th_etcd_t etcd;
    REQUIRE(th_etcd_start(&etcd) == 0);
    apiserver_config_t cfg = {0};
    const char *eps[] = {etcd.url, NULL};
    cfg.etcd_endpoints = eps;
    cfg.port = th_free_port();
    snprintf(base, sizeof(base), "http://127.0.0.1:%d", cfg.port);
    c8s_err_t err = C8S_ERR_INIT;
    apiserver_t *srv = NULL;
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

    controllers_stop(cm);
    apiserver_stop(srv);
    th_etcd_stop(&etcd);
    TEST_END();
}
