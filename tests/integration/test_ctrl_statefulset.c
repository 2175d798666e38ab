/*
 * test_ctrl_statefulset.c — the StatefulSet controller on a real etcd, the c8s API and the
 * controller manager. The test plays the kubelet: it samples the set's pods continuously and
 * marks each new one Running and Ready, counting how many were not Ready at once (OrderedReady
 * allows one). Checked: pods appear 0→N-1 with their identity, labels and claims (claims
 * created first and kept on scale-down); scale-down removes the highest ordinal and waits while
 * another pod is unhealthy; a rolling update goes from the top ordinal down, honours the
 * partition, then completes and moves currentRevision; a failed pod is replaced under the same
 * name; Parallel creates without waiting; with whenDeleted=Delete the claims go with the set.
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

static long api(const char *method, const char *path, const char *ct, const char *body,
                json_t **out)
{
    return th_api(base, method, path, ct, body, out);
}

static long set_pod_status(const char *name, const char *phase, bool ready)
{
    char body[512], path[256];
    snprintf(body, sizeof(body),
             "{\"status\":{\"phase\":\"%s\",\"conditions\":[{\"type\":\"Ready\",\"status\":"
             "\"%s\"}]}}",
             phase, ready ? "True" : "False");
    snprintf(path, sizeof(path), "/api/v1/namespaces/default/pods/%s/status", name);
    return api("PATCH", path, "application/merge-patch+json", body, NULL);
}

static bool is_ready(json_t *pod)
{
    json_t *st = json_object_get(pod, "status");
    const char *phase = json_string_value(json_object_get(st, "phase"));
    if (!phase || strcmp(phase, "Running") != 0)
        return false;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(st, "conditions"), i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "type")), "Ready") == 0)
            return strcmp(json_string_value(json_object_get(c, "status")), "True") == 0;
    }
    return false;
}

static const char *meta(json_t *o, const char *f)
{
    return json_string_value(json_object_get(json_object_get(o, "metadata"), f));
}

static const char *label(json_t *o, const char *l)
{
    return json_string_value(
        json_object_get(json_object_get(json_object_get(o, "metadata"), "labels"), l));
}

/* The pods labelled app=<app> (owned list). */
static json_t *pods_of(const char *app)
{
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/namespaces/default/pods?labelSelector=app%%3D%s", app);
    json_t *list = NULL;
    api("GET", path, NULL, NULL, &list);
    return list;
}

static bool pvc_exists(const char *name);

typedef struct {
    int claims_missing; /* pods seen before their claim */
    int max_not_ready;  /* most pods seen not Ready at one sample */
    char order[256];    /* names in the order first seen */
    bool keep_unready[8];
} kubelet_t;

/* One sample: counts the pods not Ready, records new names, then makes them Ready (unless the
 * test keeps that ordinal down). Returns the number of pods. */
static size_t tick(kubelet_t *k, const char *app)
{
    json_t *list = pods_of(app);
    json_t *items = json_object_get(list, "items");
    int not_ready = 0;
    size_t i;
    json_t *p;
    json_array_foreach(items, i, p)
    {
        if (!is_ready(p))
            not_ready++;
        char needle[64];
        snprintf(needle, sizeof(needle), " %s ", meta(p, "name"));
        if (!strstr(k->order, needle)) {
            char claim[128];
            snprintf(claim, sizeof(claim), "data-%s", meta(p, "name"));
            if (strcmp(app, "web") == 0 && !pvc_exists(claim))
                k->claims_missing++;
            size_t n = strlen(k->order);
            snprintf(k->order + n, sizeof(k->order) - n, "%s%s ", n ? "" : " ", meta(p, "name"));
        }
    }
    if (not_ready > k->max_not_ready)
        k->max_not_ready = not_ready;
    json_array_foreach(items, i, p)
    {
        const char *idx = label(p, "apps.kubernetes.io/pod-index");
        int o = idx ? atoi(idx) : 0;
        if (!is_ready(p) && !(o < 8 && k->keep_unready[o]))
            set_pod_status(meta(p, "name"), "Running", true);
    }
    size_t n = json_array_size(items);
    json_decref(list);
    return n;
}

static json_t *get_sts(const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), "/apis/apps/v1/namespaces/default/statefulsets/%s", name);
    json_t *o = NULL;
    api("GET", path, NULL, NULL, &o);
    return o;
}

static json_int_t sts_status(json_t *sts, const char *f)
{
    return json_integer_value(json_object_get(json_object_get(sts, "status"), f));
}

static const char *sts_status_str(json_t *sts, const char *f)
{
    return json_string_value(json_object_get(json_object_get(sts, "status"), f));
}

/* Plays the kubelet until done(app) holds (up to 30 s). */
static bool run_until(kubelet_t *k, const char *app, bool (*done)(void *), void *arg)
{
    for (int i = 0; i < 1500; i++) {
        tick(k, app);
        if (done(arg))
            return true;
        usleep(20 * 1000);
    }
    return false;
}

typedef struct {
    const char *sts;
    json_int_t ready, updated;
    const char *pods_rev; /* "" or the label every pod must carry */
} want_t;

static bool sts_settled(void *arg)
{
    want_t *w = arg;
    json_t *s = get_sts(w->sts);
    bool ok = sts_status(s, "readyReplicas") == w->ready && sts_status(s, "replicas") == w->ready &&
              (w->updated < 0 || sts_status(s, "updatedReplicas") == w->updated) &&
              sts_status(s, "observedGeneration") ==
                  json_integer_value(json_object_get(json_object_get(s, "metadata"), "generation"));
    json_decref(s);
    return ok;
}

static long patch_sts(const char *name, const char *body)
{
    char path[256];
    snprintf(path, sizeof(path), "/apis/apps/v1/namespaces/default/statefulsets/%s", name);
    return api("PATCH", path, "application/merge-patch+json", body, NULL);
}

/* The revision label of pod name ("" when absent or no pod). */
static void pod_rev(const char *name, char *buf, size_t len)
{
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/namespaces/default/pods/%s", name);
    json_t *p = NULL;
    buf[0] = 0;
    if (api("GET", path, NULL, NULL, &p) == 200 && label(p, "controller-revision-hash"))
        snprintf(buf, len, "%s", label(p, "controller-revision-hash"));
    json_decref(p);
}

static bool pvc_exists(const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/namespaces/default/persistentvolumeclaims/%s", name);
    return api("GET", path, NULL, NULL, NULL) == 200;
}

static const char sts_web[] =
    "{\"apiVersion\":\"apps/v1\",\"kind\":\"StatefulSet\",\"metadata\":{\"name\":\"web\"},"
    "\"spec\":{\"replicas\":3,\"serviceName\":\"web\",\"selector\":{\"matchLabels\":{\"app\":"
    "\"web\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{"
    "\"containers\":[{\"name\":\"c\",\"image\":\"busybox\",\"volumeMounts\":[{\"name\":"
    "\"data\",\"mountPath\":\"/data\"}]}]}},"
    "\"volumeClaimTemplates\":[{\"metadata\":{\"name\":\"data\"},"
    "\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],\"resources\":{\"requests\":{\"storage\":"
    "\"1Gi\"}}}}]}}";

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

    /* Create: 0, 1, 2 in order, one not Ready at a time, claims before pods. */
    CHECK_INT(api("POST", "/apis/apps/v1/namespaces/default/statefulsets", NULL, sts_web, NULL),
              201);
    kubelet_t k = {0};
    want_t w = {"web", 3, 3, ""};
    CHECK(run_until(&k, "web", sts_settled, &w));
    CHECK_STR(k.order, " web-0 web-1 web-2 ");
    CHECK_MSG(k.max_not_ready <= 1, "OrderedReady: %d pods not Ready at once", k.max_not_ready);
    CHECK(pvc_exists("data-web-0") && pvc_exists("data-web-1") && pvc_exists("data-web-2"));
    CHECK_INT(k.claims_missing, 0);
    /* What `kubectl describe statefulset` shows, in upstream's words. */
    CHECK(th_wait_event(base, "default", "StatefulSet", "web", "SuccessfulCreate",
                        "create Pod web-1 in StatefulSet web successful", 60000));
    CHECK(th_wait_event(base, "default", "StatefulSet", "web", "SuccessfulCreate",
                        "create Claim data-web-1 Pod web-1 in StatefulSet web success", 60000));

    json_t *pod = NULL;
    CHECK_INT(api("GET", "/api/v1/namespaces/default/pods/web-1", NULL, NULL, &pod), 200);
    json_t *spec = json_object_get(pod, "spec");
    CHECK_STR(json_string_value(json_object_get(spec, "hostname")), "web-1");
    CHECK_STR(json_string_value(json_object_get(spec, "subdomain")), "web");
    CHECK_STR(label(pod, "statefulset.kubernetes.io/pod-name"), "web-1");
    CHECK_STR(label(pod, "apps.kubernetes.io/pod-index"), "1");
    json_t *vol = json_array_get(json_object_get(spec, "volumes"), 0);
    CHECK_STR(json_string_value(json_object_get(vol, "name")), "data");
    CHECK_STR(json_string_value(
                  json_object_get(json_object_get(vol, "persistentVolumeClaim"), "claimName")),
              "data-web-1");
    json_t *ref =
        json_array_get(json_object_get(json_object_get(pod, "metadata"), "ownerReferences"), 0);
    CHECK_STR(json_string_value(json_object_get(ref, "kind")), "StatefulSet");
    CHECK(json_is_true(json_object_get(ref, "controller")));
    char rev1[128];
    snprintf(rev1, sizeof(rev1), "%s", label(pod, "controller-revision-hash"));
    json_decref(pod);

    json_t *s = get_sts("web");
    CHECK_STR(sts_status_str(s, "currentRevision"), rev1);
    CHECK_STR(sts_status_str(s, "updateRevision"), rev1);
    CHECK_INT(sts_status(s, "currentReplicas"), 3);
    CHECK_INT(sts_status(s, "availableReplicas"), 3);
    json_decref(s);
    char path[256];
    snprintf(path, sizeof(path), "/apis/apps/v1/namespaces/default/controllerrevisions/%s", rev1);
    json_t *cr = NULL;
    CHECK_INT(api("GET", path, NULL, NULL, &cr), 200);
    CHECK_INT(json_integer_value(json_object_get(cr, "revision")), 1);
    CHECK(json_object_get(json_object_get(json_object_get(cr, "data"), "spec"), "template"));
    json_decref(cr);

    /* Scale-down waits while another pod is unhealthy, then removes the highest ordinal; the
     * claims stay. */
    k.keep_unready[0] = true;
    CHECK_INT(set_pod_status("web-0", "Running", false), 200);
    CHECK_INT(patch_sts("web", "{\"spec\":{\"replicas\":2}}"), 200);
    for (int i = 0; i < 50; i++) { /* 1 s */
        tick(&k, "web");
        usleep(20 * 1000);
    }
    CHECK_MSG(api("GET", "/api/v1/namespaces/default/pods/web-2", NULL, NULL, NULL) == 200,
              "web-2 kept while web-0 is not Ready");
    k.keep_unready[0] = false;
    k.max_not_ready = 0;
    w = (want_t){"web", 2, 2, ""};
    CHECK(run_until(&k, "web", sts_settled, &w));
    CHECK_INT(api("GET", "/api/v1/namespaces/default/pods/web-2", NULL, NULL, NULL), 404);
    CHECK_INT(api("GET", "/api/v1/namespaces/default/pods/web-1", NULL, NULL, NULL), 200);
    CHECK(pvc_exists("data-web-2"));

    /* Back to 3: web-2 comes back on its old claim. */
    CHECK_INT(patch_sts("web", "{\"spec\":{\"replicas\":3}}"), 200);
    w = (want_t){"web", 3, 3, ""};
    CHECK(run_until(&k, "web", sts_settled, &w));

    /* Rolling update with partition 1: web-2 then web-1 updated, web-0 kept. */
    k.max_not_ready = 0;
    CHECK_INT(patch_sts("web",
                        "{\"spec\":{\"updateStrategy\":{\"rollingUpdate\":{\"partition\":1}},"
                        "\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\","
                        "\"v\":\"2\"}}}}}"),
              200);
    w = (want_t){"web", 3, 2, ""};
    CHECK(run_until(&k, "web", sts_settled, &w));
    CHECK_MSG(k.max_not_ready <= 1, "rolling update: %d pods not Ready at once", k.max_not_ready);
    s = get_sts("web");
    char rev2[128];
    snprintf(rev2, sizeof(rev2), "%s",
             sts_status_str(s, "updateRevision") ? sts_status_str(s, "updateRevision") : "");
    CHECK(strcmp(rev2, rev1) != 0);
    CHECK_STR(sts_status_str(s, "currentRevision"), rev1);
    json_decref(s);
    char r[128];
    pod_rev("web-0", r, sizeof(r));
    CHECK_STR(r, rev1);
    pod_rev("web-1", r, sizeof(r));
    CHECK_STR(r, rev2);
    pod_rev("web-2", r, sizeof(r));
    CHECK_STR(r, rev2);

    /* Partition 0: web-0 follows and the update revision becomes current. */
    CHECK_INT(
        patch_sts("web", "{\"spec\":{\"updateStrategy\":{\"rollingUpdate\":{\"partition\":0}}}}"),
        200);
    w = (want_t){"web", 3, 3, ""};
    CHECK(run_until(&k, "web", sts_settled, &w));
    CHECK_MSG(k.max_not_ready <= 1, "rolling update: %d pods not Ready at once", k.max_not_ready);
    pod_rev("web-0", r, sizeof(r));
    CHECK_STR(r, rev2);
    for (int i = 0; i < 100; i++) {
        s = get_sts("web");
        bool done = sts_status_str(s, "currentRevision") &&
                    strcmp(sts_status_str(s, "currentRevision"), rev2) == 0;
        json_decref(s);
        if (done)
            break;
        usleep(100 * 1000);
    }
    s = get_sts("web");
    CHECK_STR(sts_status_str(s, "currentRevision"), rev2);
    CHECK_INT(sts_status(s, "currentReplicas"), 3);
    json_decref(s);

    /* A failed pod is replaced under its name. */
    pod = NULL;
    api("GET", "/api/v1/namespaces/default/pods/web-1", NULL, NULL, &pod);
    char uid[64];
    snprintf(uid, sizeof(uid), "%s", meta(pod, "uid") ? meta(pod, "uid") : "");
    json_decref(pod);
    CHECK_INT(set_pod_status("web-1", "Failed", false), 200);
    bool replaced = false;
    for (int i = 0; i < 1500 && !replaced; i++) {
        tick(&k, "web");
        pod = NULL;
        if (api("GET", "/api/v1/namespaces/default/pods/web-1", NULL, NULL, &pod) == 200)
            replaced = strcmp(meta(pod, "uid"), uid) != 0 && is_ready(pod);
        json_decref(pod);
        usleep(20 * 1000);
    }
    CHECK_MSG(replaced, "failed web-1 replaced");

    /* Parallel: every pod at once, without waiting for readiness. */
    CHECK_INT(api("POST", "/apis/apps/v1/namespaces/default/statefulsets", NULL,
                  "{\"apiVersion\":\"apps/v1\",\"kind\":\"StatefulSet\",\"metadata\":{\"name\":"
                  "\"par\"},\"spec\":{\"replicas\":3,\"podManagementPolicy\":\"Parallel\","
                  "\"serviceName\":\"par\",\"selector\":{\"matchLabels\":{\"app\":\"par\"}},"
                  "\"template\":{\"metadata\":{\"labels\":{\"app\":\"par\"}},\"spec\":{"
                  "\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}}}",
                  NULL),
              201);
    size_t n = 0;
    for (int i = 0; i < 300 && n < 3; i++) {
        json_t *list = pods_of("par");
        n = json_array_size(json_object_get(list, "items"));
        json_decref(list);
        usleep(100 * 1000);
    }
    CHECK_INT(n, 3);

    /* Deleting the set: its pods go (garbage collector), its claims stay (Retain). */
    CHECK_INT(api("DELETE", "/apis/apps/v1/namespaces/default/statefulsets/web", NULL, NULL, NULL),
              200);
    n = 1;
    for (int i = 0; i < 300 && n > 0; i++) {
        json_t *list = pods_of("web");
        n = json_array_size(json_object_get(list, "items"));
        json_decref(list);
        usleep(100 * 1000);
    }
    CHECK_INT(n, 0);
    CHECK(pvc_exists("data-web-0") && pvc_exists("data-web-2"));

    /* whenDeleted=Delete: the claims go with the set. */
    CHECK_INT(api("POST", "/apis/apps/v1/namespaces/default/statefulsets", NULL,
                  "{\"apiVersion\":\"apps/v1\",\"kind\":\"StatefulSet\",\"metadata\":{\"name\":"
                  "\"tmp\"},\"spec\":{\"replicas\":1,\"serviceName\":\"tmp\",\"selector\":{"
                  "\"matchLabels\":{\"app\":\"tmp\"}},\"persistentVolumeClaimRetentionPolicy\":{"
                  "\"whenDeleted\":\"Delete\"},\"template\":{\"metadata\":{\"labels\":{\"app\":"
                  "\"tmp\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}},"
                  "\"volumeClaimTemplates\":[{\"metadata\":{\"name\":\"data\"},\"spec\":{"
                  "\"accessModes\":[\"ReadWriteOnce\"],\"resources\":{\"requests\":{\"storage\":"
                  "\"1Gi\"}}}}]}}",
                  NULL),
              201);
    bool ok = false;
    for (int i = 0; i < 300 && !ok; i++) {
        ok = api("GET", "/api/v1/namespaces/default/pods/tmp-0", NULL, NULL, NULL) == 200;
        if (!ok)
            usleep(100 * 1000);
    }
    CHECK(ok && pvc_exists("data-tmp-0"));
    CHECK_INT(api("DELETE", "/apis/apps/v1/namespaces/default/statefulsets/tmp", NULL, NULL, NULL),
              200);
    for (int i = 0; i < 300 && pvc_exists("data-tmp-0"); i++)
        usleep(100 * 1000);
    CHECK(!pvc_exists("data-tmp-0"));

    controllers_stop(cm);
    apiserver_stop(srv);
    th_etcd_stop(&etcd);
    TEST_END();
}
