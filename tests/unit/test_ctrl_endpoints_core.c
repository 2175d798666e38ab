/*
 * test_ctrl_endpoints_core.c — the pure cores of the Endpoints and EndpointSlice controllers: which
 * services they act on, ready / not-ready / terminating pods, named target ports resolved per
 * pod, upstream's subset grouping, a stable order, no write when nothing changed, slices of at
 * most 100 endpoints that keep their endpoints in place, the placeholder slice; mirrored slices
 * for selector-less services.
 */
#include "../../src/controllers/internal.h"
#include "test.h"

#include <stdio.h>
#include <string.h>

static json_t *parse(const char *s)
{
    json_error_t e;
    json_t *j = json_loads(s, 0, &e);
    if (!j)
        fprintf(stderr, "bad test JSON: %s: %s\n", e.text, s);
    return j;
}

/* A pod in ns "ns" labelled app=web. ready: "True"/"False"; web: containerPort of the port
 * named "web" (0: none); extra: more JSON members of metadata (may be ""). */
static json_t *pod(const char *name, const char *ip, const char *ready, int web, const char *extra)
{
    char ports[128] = "";
    if (web)
        snprintf(ports, sizeof(ports), ",\"ports\":[{\"name\":\"web\",\"containerPort\":%d}]", web);
    char buf[2048];
    snprintf(buf, sizeof(buf),
             "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"ns\",\"uid\":\"uid-%s\","
             "\"labels\":{\"app\":\"web\"}%s},"
             "\"spec\":{\"nodeName\":\"n1\",\"containers\":[{\"name\":\"c\"%s}]},"
             "\"status\":{\"phase\":\"Running\"%s%s%s,\"conditions\":[{\"type\":\"Ready\","
             "\"status\":\"%s\"}]}}",
             name, name, extra, ports, ip ? ",\"podIP\":\"" : "", ip ? ip : "", ip ? "\"" : "",
             ready);
    return parse(buf);
}

static json_t *svc(const char *spec_extra)
{
    char buf[1024];
    snprintf(
        buf, sizeof(buf),
        "{\"metadata\":{\"name\":\"web\",\"namespace\":\"ns\",\"uid\":\"svc-uid\","
        "\"labels\":{\"team\":\"a\"}},"
        "\"spec\":{\"selector\":{\"app\":\"web\"},\"clusterIP\":\"10.96.0.5\","
        "\"ports\":[{\"name\":\"http\",\"port\":80,\"targetPort\":\"web\",\"protocol\":\"TCP\"},"
        "{\"name\":\"metrics\",\"port\":9090,\"targetPort\":9090,\"protocol\":\"TCP\"}]%s}}",
        spec_extra);
    return parse(buf);
}

static const char *ip_at(const json_t *subset, const char *field, size_t i)
{
    return json_string_value(
        json_object_get(json_array_get(json_object_get(subset, field), i), "ip"));
}

static json_t *svc_with_selector(void)
{
    return svc("");
}

static void test_selects(void)
{
    json_t *s = svc("");
    json_t *p = pod("a", "10.0.0.1", "True", 8080, "");
    CHECK(controllers__svc_selects(s));
    CHECK(controllers__svc_selects_pod(s, p));
    json_object_set_new(json_object_get(json_object_get(p, "metadata"), "labels"), "app",
                        json_string("db"));
    CHECK(!controllers__svc_selects_pod(s, p));
    json_object_set_new(json_object_get(p, "metadata"), "namespace", json_string("other"));
    CHECK(!controllers__svc_selects_pod(s, p));
    json_object_del(json_object_get(s, "spec"), "selector");
    CHECK(!controllers__svc_selects(s));
    json_t *e = svc(",\"type\":\"ExternalName\"");
    CHECK(!controllers__svc_selects(e));
    json_decref(s);
    json_decref(p);
    json_decref(e);
}

static void test_subsets(void)
{
    json_t *s = svc("");
    json_t *pods = json_array();
    json_array_append_new(pods, pod("b", "10.0.0.2", "False", 8080, ""));
    json_array_append_new(pods, pod("a", "10.0.0.10", "True", 8080, ""));
    json_array_append_new(pods, pod("c", "10.0.0.3", "True", 0, "")); /* lacks "web" */
    json_array_append_new(pods, pod("d", "10.0.0.4", "True", 8080,
                                    ",\"deletionTimestamp\":\"2026-01-01T00:00:00Z\""));
    json_array_append_new(pods, pod("e", NULL, "True", 8080, "")); /* no IP yet */
    json_t *f = pod("f", "10.0.0.6", "True", 8080, "");
    json_object_set_new(json_object_get(f, "status"), "phase", json_string("Succeeded"));
    json_array_append_new(pods, f);
    json_t *sub = controllers__endpoints_subsets(s, pods);
    /* http (8080): a ready, b not; metrics (9090): a and c ready, b not. Two subsets. */
    CHECK_INT(json_array_size(sub), 2);
    json_t *http = NULL, *metrics = NULL;
    size_t i;
    json_t *x;
    json_array_foreach(sub, i, x)
    {
        json_t *p0 = json_array_get(json_object_get(x, "ports"), 0);
        CHECK_INT(json_array_size(json_object_get(x, "ports")), 1);
        if (strcmp(json_string_value(json_object_get(p0, "name")), "http") == 0)
            http = x;
        else
            metrics = x;
    }
    REQUIRE_VOID(http && metrics);
    CHECK_INT(json_integer_value(
                  json_object_get(json_array_get(json_object_get(http, "ports"), 0), "port")),
              8080);
    CHECK_INT(json_array_size(json_object_get(http, "addresses")), 1);
    CHECK_STR(ip_at(http, "addresses", 0), "10.0.0.10");
    CHECK_STR(ip_at(http, "notReadyAddresses", 0), "10.0.0.2");
    CHECK_INT(json_array_size(json_object_get(metrics, "addresses")), 2);
    /* Sorted numerically by IP: 10.0.0.3 before 10.0.0.10. */
    CHECK_STR(ip_at(metrics, "addresses", 0), "10.0.0.3");
    CHECK_STR(ip_at(metrics, "addresses", 1), "10.0.0.10");
    json_t *a0 = json_array_get(json_object_get(metrics, "addresses"), 1);
    CHECK_STR(json_string_value(json_object_get(a0, "nodeName")), "n1");
    json_t *tr = json_object_get(a0, "targetRef");
    CHECK_STR(json_string_value(json_object_get(tr, "kind")), "Pod");
    CHECK_STR(json_string_value(json_object_get(tr, "name")), "a");
    CHECK_STR(json_string_value(json_object_get(tr, "uid")), "uid-a");

    /* Another order of the same pods gives the same result. */
    json_t *rev = json_array();
    for (size_t k = json_array_size(pods); k-- > 0;)
        json_array_append(rev, json_array_get(pods, k));
    json_t *sub2 = controllers__endpoints_subsets(s, rev);
    CHECK(json_equal(sub, sub2));

    /* No write when nothing changed; a write when a pod turns ready. */
    json_t *ep = controllers__endpoints_update(s, pods, NULL, "2026-01-01T00:00:00Z");
    REQUIRE_VOID(ep != NULL);
    CHECK_STR(json_string_value(json_object_get(json_object_get(ep, "metadata"), "name")), "web");
    CHECK_STR(json_string_value(json_object_get(
                  json_object_get(json_object_get(ep, "metadata"), "labels"), "team")),
              "a");
    CHECK(controllers__endpoints_update(s, rev, ep, NULL) == NULL);
    json_t *b = json_array_get(pods, 0);
    json_object_set_new(
        json_array_get(json_object_get(json_object_get(b, "status"), "conditions"), 0), "status",
        json_string("True"));
    json_t *ep2 = controllers__endpoints_update(s, pods, ep, NULL);
    CHECK(ep2 != NULL);
    json_t *sub3 = controllers__endpoints_subsets(s, pods);
    /* Now a and b serve both... b has web; c only metrics: still two subsets, none not-ready. */
    json_array_foreach(sub3, i, x) CHECK(json_object_get(x, "notReadyAddresses") == NULL);
    json_decref(sub3);
    json_decref(ep2);
    json_decref(ep);
    json_decref(sub2);
    json_decref(rev);
    json_decref(sub);
    json_decref(pods);
    json_decref(s);
}

static void test_grouping_and_options(void)
{
    /* Two numeric ports served by the same pods: one subset with both ports. */
    json_t *s = parse("{\"metadata\":{\"name\":\"db\",\"namespace\":\"ns\"},\"spec\":{"
                      "\"selector\":{\"app\":\"web\"},\"publishNotReadyAddresses\":true,"
                      "\"ports\":[{\"name\":\"b\",\"port\":2,\"targetPort\":2},"
                      "{\"name\":\"a\",\"port\":1,\"targetPort\":1,\"protocol\":\"UDP\"}]}}");
    json_t *pods = json_array();
    json_array_append_new(pods, pod("x", "10.0.0.1", "False", 0, ""));
    json_t *y = pod("y", "10.0.0.2", "True", 0, "");
    json_object_set_new(json_object_get(y, "spec"), "hostname", json_string("y-host"));
    json_object_set_new(json_object_get(y, "spec"), "subdomain", json_string("db"));
    json_array_append_new(pods, y);
    json_t *sub = controllers__endpoints_subsets(s, pods);
    CHECK_INT(json_array_size(sub), 1);
    json_t *s0 = json_array_get(sub, 0);
    CHECK_INT(json_array_size(json_object_get(s0, "ports")), 2);
    CHECK_STR(
        json_string_value(json_object_get(json_array_get(json_object_get(s0, "ports"), 0), "name")),
        "a");
    CHECK_STR(json_string_value(
                  json_object_get(json_array_get(json_object_get(s0, "ports"), 0), "protocol")),
              "UDP");
    /* publishNotReadyAddresses: the not-ready pod is published as ready. */
    CHECK_INT(json_array_size(json_object_get(s0, "addresses")), 2);
    CHECK(json_object_get(s0, "notReadyAddresses") == NULL);
    CHECK_STR(json_string_value(
                  json_object_get(json_array_get(json_object_get(s0, "addresses"), 1), "hostname")),
              "y-host");
    CHECK(json_object_get(json_array_get(json_object_get(s0, "addresses"), 0), "hostname") == NULL);
    json_decref(sub);
    /* A headless service without ports still lists its pods. */
    json_t *h = parse("{\"metadata\":{\"name\":\"h\",\"namespace\":\"ns\"},\"spec\":{"
                      "\"selector\":{\"app\":\"web\"},\"clusterIP\":\"None\"}}");
    sub = controllers__endpoints_subsets(h, pods);
    CHECK_INT(json_array_size(sub), 1);
    CHECK(json_object_get(json_array_get(sub, 0), "ports") == NULL);
    CHECK_INT(json_array_size(json_object_get(json_array_get(sub, 0), "addresses")), 1);
    json_t *ep = controllers__endpoints_update(h, pods, NULL, NULL);
    CHECK(json_object_get(json_object_get(json_object_get(ep, "metadata"), "labels"),
                          "service.kubernetes.io/headless") != NULL);
    json_decref(ep);
    json_decref(sub);
    json_decref(h);
    json_decref(pods);
    json_decref(s);
}

/* Applies a plan to the list of slices, as the API server would (names for creates). */
static void apply(json_t *slices, const json_t *plan, int *serial)
{
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(plan, "delete"), i, x)
    {
        for (size_t j = 0; j < json_array_size(slices); j++) {
            const char *n = json_string_value(
                json_object_get(json_object_get(json_array_get(slices, j), "metadata"), "name"));
            if (strcmp(n, json_string_value(x)) == 0) {
                json_array_remove(slices, j);
                break;
            }
        }
    }
    json_array_foreach(json_object_get(plan, "update"), i, x)
    {
        const char *n = json_string_value(json_object_get(json_object_get(x, "metadata"), "name"));
        for (size_t j = 0; j < json_array_size(slices); j++) {
            const char *m = json_string_value(
                json_object_get(json_object_get(json_array_get(slices, j), "metadata"), "name"));
            if (strcmp(n, m) == 0)
                json_array_set(slices, j, x);
        }
    }
    json_array_foreach(json_object_get(plan, "create"), i, x)
    {
        json_t *c = json_deep_copy(x);
        char name[64];
        snprintf(name, sizeof(name), "web-%d", (*serial)++);
        json_object_set_new(json_object_get(c, "metadata"), "name", json_string(name));
        json_array_append_new(slices, c);
    }
}

static size_t count(const json_t *plan, const char *what)
{
    return json_array_size(json_object_get(plan, what));
}

static size_t total_endpoints(const json_t *slices)
{
    size_t n = 0, i;
    json_t *s;
    json_array_foreach(slices, i, s) n += json_array_size(json_object_get(s, "endpoints"));
    return n;
}

static void test_slices(void)
{
    json_t *s = svc("");
    json_t *pods = json_array();
    json_array_append_new(pods, pod("a", "10.0.0.1", "True", 8080, ""));
    json_array_append_new(pods, pod("b", "10.0.0.2", "False", 8080, ""));
    json_array_append_new(pods, pod("t", "10.0.0.3", "True", 8080,
                                    ",\"deletionTimestamp\":\"2026-01-01T00:00:00Z\""));
    json_array_append_new(pods, pod("c", "10.0.0.4", "True", 0, "")); /* lacks "web" */
    json_t *slices = json_array();
    int serial = 0;
    json_t *plan = controllers__slices_plan(s, pods, slices, 100, NULL);
    /* Two port sets: {http, metrics} for a, b, t; {metrics} for c. */
    CHECK_INT(count(plan, "create"), 2);
    CHECK_INT(count(plan, "update") + count(plan, "delete"), 0);
    json_t *c0 = json_array_get(json_object_get(plan, "create"), 0);
    json_t *md = json_object_get(c0, "metadata");
    CHECK_STR(json_string_value(json_object_get(md, "generateName")), "web-");
    CHECK_STR(json_string_value(json_object_get(c0, "addressType")), "IPv4");
    CHECK_STR(json_string_value(
                  json_object_get(json_object_get(md, "labels"), "kubernetes.io/service-name")),
              "web");
    CHECK_STR(json_string_value(json_object_get(json_object_get(md, "labels"),
                                                "endpointslice.kubernetes.io/managed-by")),
              "endpointslice-controller.k8s.io");
    json_t * or = json_array_get(json_object_get(md, "ownerReferences"), 0);
    CHECK_STR(json_string_value(json_object_get(or, "uid")), "svc-uid");
    CHECK(json_is_true(json_object_get(or, "controller")));
    apply(slices, plan, &serial);
    json_decref(plan);
    CHECK_INT(total_endpoints(slices), 4);
    /* The terminating pod: terminating, serving (it is Ready), not ready. */
    size_t i, j;
    json_t *sl, *ep;
    int seen = 0;
    json_array_foreach(slices, i, sl) json_array_foreach(json_object_get(sl, "endpoints"), j, ep)
    {
        json_t *cond = json_object_get(ep, "conditions");
        const char *name =
            json_string_value(json_object_get(json_object_get(ep, "targetRef"), "name"));
        if (strcmp(name, "t") == 0) {
            seen++;
            CHECK(json_is_true(json_object_get(cond, "terminating")));
            CHECK(json_is_true(json_object_get(cond, "serving")));
            CHECK(json_is_false(json_object_get(cond, "ready")));
        } else if (strcmp(name, "b") == 0) {
            seen++;
            CHECK(json_is_false(json_object_get(cond, "ready")));
            CHECK(json_is_false(json_object_get(cond, "terminating")));
        } else if (strcmp(name, "c") == 0) {
            seen++;
            CHECK_INT(json_array_size(json_object_get(sl, "ports")), 1);
        }
    }
    CHECK_INT(seen, 3);
    /* Nothing changed: nothing to write. */
    plan = controllers__slices_plan(s, pods, slices, 100, NULL);
    CHECK_INT(count(plan, "create") + count(plan, "update") + count(plan, "delete"), 0);
    json_decref(plan);
    /* One pod goes: one update. */
    json_array_remove(pods, 0);
    plan = controllers__slices_plan(s, pods, slices, 100, NULL);
    CHECK_INT(count(plan, "update"), 1);
    CHECK_INT(count(plan, "create") + count(plan, "delete"), 0);
    apply(slices, plan, &serial);
    json_decref(plan);
    /* No pods: one placeholder, made from a slice that would go rather than anew. */
    json_array_clear(pods);
    plan = controllers__slices_plan(s, pods, slices, 100, NULL);
    CHECK_INT(count(plan, "create"), 0);
    CHECK_INT(count(plan, "update"), 1);
    CHECK_INT(count(plan, "delete"), 1);
    apply(slices, plan, &serial);
    json_decref(plan);
    CHECK_INT(json_array_size(slices), 1);
    CHECK_INT(json_array_size(json_object_get(json_array_get(slices, 0), "endpoints")), 0);
    CHECK(json_object_get(json_array_get(slices, 0), "ports") == NULL);
    plan = controllers__slices_plan(s, pods, slices, 100, NULL);
    CHECK_INT(count(plan, "create") + count(plan, "update") + count(plan, "delete"), 0);
    json_decref(plan);

    /* 250 pods: slices of at most 100, filling the placeholder first. */
    for (int k = 0; k < 250; k++) {
        char name[16], ip[32];
        snprintf(name, sizeof(name), "p%d", k);
        snprintf(ip, sizeof(ip), "10.1.%d.%d", k / 200, k % 200 + 1);
        json_array_append_new(pods, pod(name, ip, "True", 8080, ""));
    }
    plan = controllers__slices_plan(s, pods, slices, 100, NULL);
    apply(slices, plan, &serial);
    json_decref(plan);
    CHECK_INT(total_endpoints(slices), 250);
    json_array_foreach(slices, i, sl)
        CHECK(json_array_size(json_object_get(sl, "endpoints")) <= 100);
    CHECK_INT(json_array_size(slices), 3);
    plan = controllers__slices_plan(s, pods, slices, 100, NULL);
    CHECK_INT(count(plan, "create") + count(plan, "update") + count(plan, "delete"), 0);
    json_decref(plan);
    /* A slice of an older service of the same name (another uid) goes. */
    json_t *stale = json_deep_copy(json_array_get(slices, 0));
    json_object_set_new(json_object_get(stale, "metadata"), "name", json_string("stale"));
    json_object_set_new(
        json_array_get(json_object_get(json_object_get(stale, "metadata"), "ownerReferences"), 0),
        "uid", json_string("old-uid"));
    json_array_append_new(slices, stale);
    plan = controllers__slices_plan(s, pods, slices, 100, NULL);
    CHECK_INT(count(plan, "delete"), 1);
    CHECK_STR(json_string_value(json_array_get(json_object_get(plan, "delete"), 0)), "stale");
    CHECK_INT(count(plan, "create") + count(plan, "update"), 0);
    json_decref(plan);

    json_decref(slices);
    json_decref(pods);
    json_decref(s);
}

static size_t count_field(const json_t *subsets, const char *field)
{
    size_t n = 0, i;
    json_t *ss;
    json_array_foreach(subsets, i, ss) n += json_array_size(json_object_get(ss, field));
    return n;
}

static void test_over_capacity(void)
{
    json_t *s = parse("{\"metadata\":{\"name\":\"big\",\"namespace\":\"ns\"},\"spec\":{"
                      "\"selector\":{\"app\":\"web\"},\"ports\":[{\"port\":80}]}}");
    json_t *pods = json_array();
    for (int k = 0; k < 1200; k++) {
        char name[16], ip[32];
        snprintf(name, sizeof(name), "p%d", k);
        snprintf(ip, sizeof(ip), "10.2.%d.%d", k / 250, k % 250 + 1);
        json_array_append_new(pods, pod(name, ip, k < 900 ? "True" : "False", 0, ""));
    }
    /* 900 ready fit; the not-ready ones fill the 100 left. */
    json_t *ep = controllers__endpoints_update(s, pods, NULL, NULL);
    json_t *sub = json_object_get(ep, "subsets");
    CHECK_INT(count_field(sub, "addresses"), 900);
    CHECK_INT(count_field(sub, "notReadyAddresses"), 100);
    CHECK_STR(json_string_value(
                  json_object_get(json_object_get(json_object_get(ep, "metadata"), "annotations"),
                                  "endpoints.kubernetes.io/over-capacity")),
              "truncated");
    CHECK(controllers__endpoints_update(s, pods, ep, NULL) == NULL);
    /* More ready than fit: 1000 ready, none not ready. */
    size_t i;
    json_t *p;
    json_array_foreach(pods, i, p) json_object_set_new(
        json_array_get(json_object_get(json_object_get(p, "status"), "conditions"), 0), "status",
        json_string("True"));
    json_t *ep2 = controllers__endpoints_update(s, pods, ep, NULL);
    REQUIRE_VOID(ep2 != NULL);
    CHECK_INT(count_field(json_object_get(ep2, "subsets"), "addresses"), 1000);
    CHECK_INT(count_field(json_object_get(ep2, "subsets"), "notReadyAddresses"), 0);
    /* Back under the cap: the annotation goes. */
    while (json_array_size(pods) > 10)
        json_array_remove(pods, json_array_size(pods) - 1);
    json_t *ep3 = controllers__endpoints_update(s, pods, ep2, NULL);
    REQUIRE_VOID(ep3 != NULL);
    CHECK(json_object_get(json_object_get(json_object_get(ep3, "metadata"), "annotations"),
                          "endpoints.kubernetes.io/over-capacity") == NULL);
    CHECK_INT(count_field(json_object_get(ep3, "subsets"), "addresses"), 10);
    json_decref(ep3);
    json_decref(ep2);
    json_decref(ep);
    json_decref(pods);
    json_decref(s);
}

static void test_mirror(void)
{
    json_t *svc = parse("{\"metadata\":{\"name\":\"db\",\"namespace\":\"ns\"},\"spec\":{"
                        "\"ports\":[{\"port\":5432}]}}");
    json_t *ep = parse(
        "{\"metadata\":{\"name\":\"db\",\"namespace\":\"ns\",\"uid\":\"ep-uid\",\"labels\":{"
        "\"x\":\"y\"}},\"subsets\":[{\"addresses\":[{\"ip\":\"192.0.2.2\"},{\"ip\":\"192.0.2.1\","
        "\"nodeName\":\"n1\"}],\"notReadyAddresses\":[{\"ip\":\"192.0.2.3\"},{\"ip\":\"fd00::1\"}],"
        "\"ports\":[{\"port\":5432,\"protocol\":\"TCP\"}]},"
        "{\"addresses\":[{\"ip\":\"192.0.2.9\"}],\"ports\":[{\"name\":\"m\",\"port\":9187}]}]}");
    CHECK(controllers__should_mirror(svc, ep));
    CHECK(!controllers__should_mirror(NULL, ep));
    json_t *slices = json_array();
    json_t *plan = controllers__slices_mirror_plan(ep, slices, 100);
    CHECK_INT(count(plan, "create"), 2);
    int serial = 0;
    apply(slices, plan, &serial);
    json_decref(plan);
    size_t i, j;
    json_t *sl, *e;
    size_t ready = 0, not_ready = 0;
    json_array_foreach(slices, i, sl)
    {
        json_t *md = json_object_get(sl, "metadata");
        CHECK_STR(json_string_value(json_object_get(json_object_get(md, "labels"),
                                                    "endpointslice.kubernetes.io/managed-by")),
                  "endpointslicemirroring-controller.k8s.io");
        CHECK_STR(json_string_value(
                      json_object_get(json_object_get(md, "labels"), "kubernetes.io/service-name")),
                  "db");
        CHECK_STR(json_string_value(json_object_get(json_object_get(md, "labels"), "x")), "y");
        json_t *o = json_array_get(json_object_get(md, "ownerReferences"), 0);
        CHECK_STR(json_string_value(json_object_get(o, "kind")), "Endpoints");
        CHECK_STR(json_string_value(json_object_get(o, "uid")), "ep-uid");
        json_array_foreach(json_object_get(sl, "endpoints"), j, e)
        {
            if (json_is_true(json_object_get(json_object_get(e, "conditions"), "ready")))
                ready++;
            else
                not_ready++;
        }
    }
    CHECK_INT(ready, 3);
    CHECK_INT(not_ready, 1); /* the IPv6 address is not mirrored into IPv4 slices */
    plan = controllers__slices_mirror_plan(ep, slices, 100);
    CHECK_INT(count(plan, "create") + count(plan, "update") + count(plan, "delete"), 0);
    json_decref(plan);
    /* Services with a selector and Endpoints asking to be skipped are not mirrored. */
    json_object_set_new(json_object_get(json_object_get(ep, "metadata"), "labels"),
                        "endpointslice.kubernetes.io/skip-mirror", json_string("true"));
    CHECK(!controllers__should_mirror(svc, ep));
    json_t *sel = svc_with_selector();
    CHECK(!controllers__should_mirror(sel, ep));
    json_decref(sel);
    json_decref(slices);
    json_decref(ep);
    json_decref(svc);
}

int main(void)
{
    test_mirror();
    test_over_capacity();
    test_selects();
    test_subsets();
    test_grouping_and_options();
    test_slices();
    TEST_END();
}
