/*
 * test_ctrl_endpoints.c — the Endpoints and EndpointSlice controllers on a real etcd, the c8s
 * API and the controller manager. The test plays the kubelet by patching pods' status: pods
 * turning ready and unready move between addresses and notReadyAddresses; a terminating pod
 * leaves the Endpoints at once and stays in its slice as terminating; a pod without the named
 * target port is left out of that port's subset; a service without a selector keeps the
 * Endpoints written by hand, mirrored into a slice (unless labelled skip-mirror); deleting the
 * service removes its Endpoints and (through the garbage collector) its slices; Endpoints of a
 * service deleted while no controller ran go when the controllers start again.
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

static long api(const char *method, const char *path, const char *ct, const char *body,
                json_t **out)
{
    return th_api(base, method, path, ct, body, out);
}

/* A pod on node-1 labelled app=web; web: containerPort of the port named "web" (0: none). */
static long make_pod(const char *name, int web)
{
    char ports[128] = "";
    if (web)
        snprintf(ports, sizeof(ports), ",\"ports\":[{\"name\":\"web\",\"containerPort\":%d}]", web);
    char body[1024];
    snprintf(body, sizeof(body),
             "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\",\"labels\":{"
             "\"app\":\"web\"}},\"spec\":{\"nodeName\":\"node-1\",\"containers\":[{\"name\":\"c\","
             "\"image\":\"busybox\"%s}]}}",
             name, ports);
    return api("POST", "/api/v1/namespaces/default/pods", NULL, body, NULL);
}

/* What a kubelet reports: Running with an IP, Ready or not. */
static long set_status(const char *name, const char *ip, bool ready)
{
    char body[1024], path[256];
    snprintf(body, sizeof(body),
             "{\"status\":{\"phase\":\"Running\",\"podIP\":\"%s\",\"podIPs\":[{\"ip\":\"%s\"}],"
             "\"conditions\":[{\"type\":\"Ready\",\"status\":\"%s\"}]}}",
             ip, ip, ready ? "True" : "False");
    snprintf(path, sizeof(path), "/api/v1/namespaces/default/pods/%s/status", name);
    return api("PATCH", path, "application/merge-patch+json", body, NULL);
}

/* Polls until GET path answers want (up to 20 s). */
static bool wait_status(const char *path, long want)
{
    for (int i = 0; i < 200; i++) {
        if (api("GET", path, NULL, NULL, NULL) == want)
            return true;
        usleep(100 * 1000);
    }
    return false;
}

/* The subset of ep serving the named port, or NULL. */
static json_t *subset_of(json_t *ep, const char *port)
{
    size_t i, j;
    json_t *s, *p;
    json_array_foreach(json_object_get(ep, "subsets"), i, s) json_array_foreach(
        json_object_get(s, "ports"), j,
        p) if (strcmp(json_string_value(json_object_get(p, "name")), port) == 0) return s;
    return NULL;
}

/* The IPs of a subset's field, space-separated in the order listed. */
static void ips(json_t *subset, const char *field, char *buf, size_t len)
{
    buf[0] = 0;
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(subset, field), i, a)
    {
        size_t n = strlen(buf);
        snprintf(buf + n, len - n, "%s%s", n ? " " : "",
                 json_string_value(json_object_get(a, "ip")));
    }
}

/* Polls the Endpoints "web" until port's subset lists ready and not_ready exactly (up to 20 s). */
static bool wait_subset(const char *port, const char *ready, const char *not_ready)
{
    char r[256] = "", n[256] = "";
    for (int i = 0; i < 200; i++) {
        json_t *ep = NULL;
        long st = api("GET", "/api/v1/namespaces/default/endpoints/web", NULL, NULL, &ep);
        json_t *s = st == 200 ? subset_of(ep, port) : NULL;
        ips(s, "addresses", r, sizeof(r));
        ips(s, "notReadyAddresses", n, sizeof(n));
        json_decref(ep);
        if (strcmp(r, ready) == 0 && strcmp(n, not_ready) == 0)
            return true;
        usleep(100 * 1000);
    }
    fprintf(stderr, "port %s: ready \"%s\" not ready \"%s\"; wanted \"%s\" / \"%s\"\n", port, r, n,
            ready, not_ready);
    return false;
}

/* The service's slices (owned list object). */
static json_t *slices_of(const char *svc)
{
    char path[256];
    snprintf(path, sizeof(path),
             "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector="
             "kubernetes.io%%2Fservice-name%%3D%s",
             svc);
    json_t *list = NULL;
    api("GET", path, NULL, NULL, &list);
    return list;
}

/* The slice endpoint of pod name (borrowed from list), and how many endpoints in all. */
static json_t *slice_ep(json_t *list, const char *name, size_t *total)
{
    json_t *found = NULL;
    *total = 0;
    size_t i, j;
    json_t *s, *e;
    json_array_foreach(json_object_get(list, "items"), i, s)
        json_array_foreach(json_object_get(s, "endpoints"), j, e)
    {
        (*total)++;
        if (strcmp(json_string_value(json_object_get(json_object_get(e, "targetRef"), "name")),
                   name) == 0)
            found = e;
    }
    return found;
}

/* The resourceVersions of Endpoints "web" and of its slices (in list order). */
static void rvs(char ep_rv[32], char sl_rv[256])
{
    json_t *ep = NULL;
    api("GET", "/api/v1/namespaces/default/endpoints/web", NULL, NULL, &ep);
    const char *rv =
        json_string_value(json_object_get(json_object_get(ep, "metadata"), "resourceVersion"));
    snprintf(ep_rv, 32, "%s", rv ? rv : "");
    json_decref(ep);
    json_t *list = slices_of("web");
    sl_rv[0] = 0;
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(list, "items"), i, s)
    {
        size_t n = strlen(sl_rv);
        snprintf(
            sl_rv + n, 256 - n, "%s ",
            json_string_value(json_object_get(json_object_get(s, "metadata"), "resourceVersion")));
    }
    json_decref(list);
}

static bool cond(json_t *ep, const char *c)
{
    return json_is_true(json_object_get(json_object_get(ep, "conditions"), c));
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
        th_etcd_stop(&etcd);
        REQUIRE(!"server started");
    }
    controllers_t *cm = NULL;
    if (controllers_start(srv, &cm, &err) != 0) {
        apiserver_stop(srv);
        th_etcd_stop(&etcd);
        REQUIRE(!"controllers started");
    }
    for (int i = 0; i < 200 && api("GET", "/api/v1/namespaces/default", NULL, NULL, NULL) != 200;
         i++)
        usleep(100 * 1000);

    /* Endpoints written by hand for a service without a selector are left alone. */
    CHECK_INT(api("POST", "/api/v1/namespaces/default/services", NULL,
                  "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"manual\"},"
                  "\"spec\":{\"ports\":[{\"port\":5432}]}}",
                  NULL),
              201);
    CHECK_INT(
        api("POST", "/api/v1/namespaces/default/endpoints", NULL,
            "{\"apiVersion\":\"v1\",\"kind\":\"Endpoints\",\"metadata\":{\"name\":\"manual\"},"
            "\"subsets\":[{\"addresses\":[{\"ip\":\"192.0.2.7\"}],\"ports\":[{\"port\":5432}]}]}",
            NULL),
        201);

    CHECK_INT(make_pod("a", 8080), 201);
    CHECK_INT(make_pod("b", 8080), 201);
    CHECK_INT(make_pod("c", 0), 201); /* lacks the port named "web" */
    CHECK_INT(set_status("a", "10.244.0.11", true), 200);
    CHECK_INT(set_status("b", "10.244.0.12", false), 200);
    CHECK_INT(set_status("c", "10.244.0.13", true), 200);
    CHECK_INT(api("POST", "/api/v1/namespaces/default/services", NULL,
                  "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"web\","
                  "\"labels\":{\"tier\":\"front\"}},\"spec\":{\"selector\":{\"app\":\"web\"},"
                  "\"ports\":[{\"name\":\"http\",\"port\":80,\"targetPort\":\"web\"},"
                  "{\"name\":\"metrics\",\"port\":9090,\"targetPort\":9090}]}}",
                  NULL),
              201);

    CHECK(wait_subset("http", "10.244.0.11", "10.244.0.12"));
    CHECK(wait_subset("metrics", "10.244.0.11 10.244.0.13", "10.244.0.12"));
    json_t *ep = NULL;
    CHECK_INT(api("GET", "/api/v1/namespaces/default/endpoints/web", NULL, NULL, &ep), 200);
    json_t *http = subset_of(ep, "http");
    CHECK_INT(json_integer_value(
                  json_object_get(json_array_get(json_object_get(http, "ports"), 0), "port")),
              8080);
    json_t *a0 = json_array_get(json_object_get(http, "addresses"), 0);
    CHECK_STR(json_string_value(json_object_get(a0, "nodeName")), "node-1");
    CHECK_STR(json_string_value(json_object_get(json_object_get(a0, "targetRef"), "name")), "a");
    json_t *md = json_object_get(ep, "metadata");
    CHECK_STR(json_string_value(json_object_get(json_object_get(md, "labels"), "tier")), "front");
    CHECK(json_object_get(json_object_get(md, "annotations"),
                          "endpoints.kubernetes.io/last-change-trigger-time") != NULL);
    json_decref(ep);

    /* Readiness comes and goes. */
    CHECK_INT(set_status("b", "10.244.0.12", true), 200);
    CHECK(wait_subset("http", "10.244.0.11 10.244.0.12", ""));
    CHECK_INT(set_status("a", "10.244.0.11", false), 200);
    CHECK(wait_subset("http", "10.244.0.12", "10.244.0.11"));
    CHECK(wait_subset("metrics", "10.244.0.12 10.244.0.13", "10.244.0.11"));

    /* Slices: every pod once; ownership, labels, names. */
    size_t total = 0;
    bool ok = false;
    for (int i = 0; i < 200 && !ok; i++) {
        json_t *list = slices_of("web");
        json_t *e = slice_ep(list, "a", &total);
        ok = total == 3 && e && !cond(e, "ready") && !cond(e, "serving");
        json_decref(list);
        if (!ok)
            usleep(100 * 1000);
    }
    CHECK_MSG(ok, "3 slice endpoints with a not ready (have %zu)", total);
    json_t *list = slices_of("web");
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(list, "items"), i, s)
    {
        json_t *smd = json_object_get(s, "metadata");
        CHECK(strncmp(json_string_value(json_object_get(smd, "name")), "web-", 4) == 0);
        CHECK_STR(json_string_value(json_object_get(s, "addressType")), "IPv4");
        CHECK_STR(json_string_value(json_object_get(json_object_get(smd, "labels"),
                                                    "endpointslice.kubernetes.io/managed-by")),
                  "endpointslice-controller.k8s.io");
        json_t *o = json_array_get(json_object_get(smd, "ownerReferences"), 0);
        CHECK_STR(json_string_value(json_object_get(o, "kind")), "Service");
        CHECK_STR(json_string_value(json_object_get(o, "name")), "web");
    }
    /* Two port sets (a and b with http+metrics, c with metrics): two slices. */
    CHECK_INT(json_array_size(json_object_get(list, "items")), 2);
    json_decref(list);

    /* A pod change that alters nothing published writes nothing. */
    char ep_rv[32], sl_rv[256];
    rvs(ep_rv, sl_rv);
    CHECK_INT(api("PATCH", "/api/v1/namespaces/default/pods/a", "application/merge-patch+json",
                  "{\"metadata\":{\"annotations\":{\"touched\":\"yes\"}}}", NULL),
              200);
    usleep(1000 * 1000);
    char ep_rv2[32], sl_rv2[256];
    rvs(ep_rv2, sl_rv2);
    CHECK_STR(ep_rv2, ep_rv);
    CHECK_STR(sl_rv2, sl_rv);

    /* A terminating pod leaves the Endpoints at once and stays in its slice as terminating. */
    CHECK_INT(api("DELETE", "/api/v1/namespaces/default/pods/c", NULL, NULL, NULL), 200);
    CHECK(wait_subset("metrics", "10.244.0.12", "10.244.0.11"));
    ok = false;
    for (int k = 0; k < 200 && !ok; k++) {
        list = slices_of("web");
        json_t *e = slice_ep(list, "c", &total);
        ok = e && cond(e, "terminating") && cond(e, "serving") && !cond(e, "ready");
        json_decref(list);
        if (!ok)
            usleep(100 * 1000);
    }
    CHECK_MSG(ok, "c terminating in its slice");
    /* Gone for good (as its kubelet would remove it): out of the slices too. */
    CHECK_INT(
        api("DELETE", "/api/v1/namespaces/default/pods/c?gracePeriodSeconds=0", NULL, NULL, NULL),
        200);
    ok = false;
    for (int k = 0; k < 200 && !ok; k++) {
        list = slices_of("web");
        ok = !slice_ep(list, "c", &total) && total == 2 &&
             json_array_size(json_object_get(list, "items")) == 1;
        json_decref(list);
        if (!ok)
            usleep(100 * 1000);
    }
    CHECK_MSG(ok, "c out of the slices, one slice left");

    /* The hand-written Endpoints of the selector-less service are untouched. */
    ep = NULL;
    CHECK_INT(api("GET", "/api/v1/namespaces/default/endpoints/manual", NULL, NULL, &ep), 200);
    char buf[128];
    ips(json_array_get(json_object_get(ep, "subsets"), 0), "addresses", buf, sizeof(buf));
    CHECK_STR(buf, "192.0.2.7");
    json_decref(ep);
    /* ... and mirrored into a slice of the mirroring controller's. */
    ok = false;
    for (int k = 0; k < 200 && !ok; k++) {
        list = slices_of("manual");
        json_t *s0 = json_array_get(json_object_get(list, "items"), 0);
        json_t *e0 = json_array_get(json_object_get(s0, "endpoints"), 0);
        ok = json_array_size(json_object_get(list, "items")) == 1 &&
             strcmp(json_string_value(json_array_get(json_object_get(e0, "addresses"), 0)),
                    "192.0.2.7") == 0 &&
             cond(e0, "ready") &&
             strcmp(json_string_value(
                        json_object_get(json_object_get(json_object_get(s0, "metadata"), "labels"),
                                        "endpointslice.kubernetes.io/managed-by")),
                    "endpointslicemirroring-controller.k8s.io") == 0;
        json_decref(list);
        if (!ok)
            usleep(100 * 1000);
    }
    CHECK_MSG(ok, "the hand-written Endpoints mirrored");
    /* Asked not to be mirrored: the slice goes. */
    CHECK_INT(
        api("PATCH", "/api/v1/namespaces/default/endpoints/manual", "application/merge-patch+json",
            "{\"metadata\":{\"labels\":{\"endpointslice.kubernetes.io/skip-mirror\":\"true\"}}}",
            NULL),
        200);
    ok = false;
    for (int k = 0; k < 200 && !ok; k++) {
        list = slices_of("manual");
        ok = json_array_size(json_object_get(list, "items")) == 0;
        json_decref(list);
        if (!ok)
            usleep(100 * 1000);
    }
    CHECK_MSG(ok, "skip-mirror removes the mirrored slice");

    /* The service goes: its Endpoints and its slices follow. */
    CHECK_INT(api("DELETE", "/api/v1/namespaces/default/services/web", NULL, NULL, NULL), 200);
    ok = false;
    for (int k = 0; k < 200 && !ok; k++) {
        list = slices_of("web");
        ok = api("GET", "/api/v1/namespaces/default/endpoints/web", NULL, NULL, NULL) == 404 &&
             json_array_size(json_object_get(list, "items")) == 0;
        json_decref(list);
        if (!ok)
            usleep(100 * 1000);
    }
    CHECK_MSG(ok, "endpoints and slices of a deleted service gone");

    /* A service deleted while no controller runs: its Endpoints go when one starts again. */
    CHECK_INT(api("POST", "/api/v1/namespaces/default/services", NULL,
                  "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"late\"},"
                  "\"spec\":{\"selector\":{\"app\":\"web\"},\"ports\":[{\"port\":80}]}}",
                  NULL),
              201);
    CHECK(wait_status("/api/v1/namespaces/default/endpoints/late", 200));
    controllers_stop(cm);
    cm = NULL;
    CHECK_INT(api("DELETE", "/api/v1/namespaces/default/services/late", NULL, NULL, NULL), 200);
    CHECK_INT(api("GET", "/api/v1/namespaces/default/endpoints/late", NULL, NULL, NULL), 200);
    REQUIRE(controllers_start(srv, &cm, &err) == 0);
    CHECK(wait_status("/api/v1/namespaces/default/endpoints/late", 404));

    controllers_stop(cm);
    apiserver_stop(srv);
    th_etcd_stop(&etcd);
    TEST_END();
}
