/*
 * test_ctrl_daemonset.c — the DaemonSet controller on a real etcd, the c8s API, the controller
 * manager and the scheduler (daemon pods carry required affinity to their node's name; the
 * scheduler binds them). The test plays the kubelet by marking bound pods Running and Ready.
 * Checked: one pod per node, none on a node with an untolerated taint until the set tolerates
 * it; pods follow nodes added and deleted; the pods carry the automatic daemon tolerations; a
 * rolling update replaces pods one node at a time (sampled continuously); a rollback renumbers
 * the old revision; status counts.
 */
#include "c8s/apiserver.h"
#include "c8s/controllers.h"
#include "c8s/scheduler.h"
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

static const char *meta(json_t *o, const char *f)
{
    return json_string_value(json_object_get(json_object_get(o, "metadata"), f));
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

/* A node with room for pods; taint: "" or a JSON taint object. */
static long make_node(const char *name, const char *taint)
{
    char body[1024], path[256];
    snprintf(body, sizeof(body),
             "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"%s\",\"labels\":{"
             "\"kubernetes.io/hostname\":\"%s\"}},\"spec\":{%s%s%s}}",
             name, name, *taint ? "\"taints\":[" : "", taint, *taint ? "]" : "");
    long st = api("POST", "/api/v1/nodes", NULL, body, NULL);
    if (st != 201)
        return st;
    snprintf(path, sizeof(path), "/api/v1/nodes/%s/status", name);
    return api("PATCH", path, "application/merge-patch+json",
               "{\"status\":{\"allocatable\":{\"cpu\":\"4\",\"memory\":\"8Gi\",\"pods\":\"110\"},"
               "\"capacity\":{\"cpu\":\"4\",\"memory\":\"8Gi\",\"pods\":\"110\"},\"conditions\":[{"
               "\"type\":\"Ready\",\"status\":\"True\"}]}}",
               NULL);
}

typedef struct {
    int max_down;    /* most nodes seen at once without a Ready daemon pod (after the start) */
    char nodes[256]; /* " n1 n2 " of the latest sample: nodes with a live pod, sorted */
    char hashes[256];
} kubelet_t;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* One sample over the daemon pods: which nodes have one, how many of want (node names) lack a
 * Ready one; then marks bound pods Ready. */
static void tick(kubelet_t *k, const char *const *want)
{
    json_t *list = NULL;
    api("GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dagent", NULL, NULL, &list);
    json_t *items = json_object_get(list, "items");
    const char *names[16];
    size_t n = 0;
    size_t i;
    json_t *p;
    int down = 0;
    for (const char *const *w = want; w && *w; w++) {
        bool ok = false;
        json_array_foreach(items, i, p)
        {
            const char *node =
                json_string_value(json_object_get(json_object_get(p, "spec"), "nodeName"));
            if (node && strcmp(node, *w) == 0 && is_ready(p) && !meta(p, "deletionTimestamp"))
                ok = true;
        }
        down += !ok;
    }
    if (down > k->max_down)
        k->max_down = down;
    k->hashes[0] = 0;
    json_array_foreach(items, i, p)
    {
        const char *node =
            json_string_value(json_object_get(json_object_get(p, "spec"), "nodeName"));
        if (node && n < 16)
            names[n++] = node;
        const char *h = json_string_value(json_object_get(
            json_object_get(json_object_get(p, "metadata"), "labels"), "controller-revision-hash"));
        if (h && !strstr(k->hashes, h)) {
            size_t l = strlen(k->hashes);
            snprintf(k->hashes + l, sizeof(k->hashes) - l, "%s%s", l ? " " : "", h);
        }
        if (node && !is_ready(p)) {
            char path[256];
            snprintf(path, sizeof(path), "/api/v1/namespaces/default/pods/%s/status",
                     meta(p, "name"));
            api("PATCH", path, "application/merge-patch+json",
                "{\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\","
                "\"status\":\"True\"}]}}",
                NULL);
        }
    }
    qsort(names, n, sizeof(names[0]), cmp_str);
    k->nodes[0] = 0;
    for (size_t j = 0; j < n; j++) {
        size_t l = strlen(k->nodes);
        snprintf(k->nodes + l, sizeof(k->nodes) - l, " %s", names[j]);
    }
    size_t l = strlen(k->nodes);
    snprintf(k->nodes + l, sizeof(k->nodes) - l, " ");
    json_decref(list);
}

static json_int_t ds_status(const char *f)
{
    json_t *ds = NULL;
    api("GET", "/apis/apps/v1/namespaces/default/daemonsets/agent", NULL, NULL, &ds);
    json_int_t v = json_integer_value(json_object_get(json_object_get(ds, "status"), f));
    json_decref(ds);
    return v;
}

/* Plays the kubelet until the daemon pods sit exactly on nodes (" n1 n2 ") and all are Ready
 * (up to 30 s). */
static bool wait_nodes(kubelet_t *k, const char *nodes, const char *const *want)
{
    for (int i = 0; i < 1500; i++) {
        tick(k, want);
        if (strcmp(k->nodes, nodes) == 0 &&
            ds_status("numberReady") == ds_status("desiredNumberScheduled"))
            return true;
        usleep(20 * 1000);
    }
    fprintf(stderr, "daemon pods on \"%s\", want \"%s\"\n", k->nodes, nodes);
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
        th_etcd_stop(&etcd);
        REQUIRE(!"server started");
    }
    controllers_t *cm = NULL;
    scheduler_t *sched = NULL;
    if (controllers_start(srv, &cm, &err) != 0 || scheduler_start(srv, &sched, &err) != 0) {
        controllers_stop(cm);
        apiserver_stop(srv);
        th_etcd_stop(&etcd);
        REQUIRE(!"controllers and scheduler started");
    }
    for (int i = 0; i < 200 && api("GET", "/api/v1/namespaces/default", NULL, NULL, NULL) != 200;
         i++)
        usleep(100 * 1000);

    static const char infra[] =
        "{\"key\":\"dedicated\",\"value\":\"infra\",\"effect\":\"NoSchedule\"}";
    CHECK_INT(make_node("n1", ""), 200);
    CHECK_INT(make_node("n2", ""), 200);
    CHECK_INT(make_node("n3", infra), 200);
    CHECK_INT(api("POST", "/apis/apps/v1/namespaces/default/daemonsets", NULL,
                  "{\"apiVersion\":\"apps/v1\",\"kind\":\"DaemonSet\",\"metadata\":{\"name\":"
                  "\"agent\"},\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"agent\"}},"
                  "\"template\":{\"metadata\":{\"labels\":{\"app\":\"agent\"}},\"spec\":{"
                  "\"terminationGracePeriodSeconds\":0,\"containers\":[{\"name\":\"c\","
                  "\"image\":\"busybox\"}]}}}}",
                  NULL),
              201);
    kubelet_t k = {0};
    CHECK(wait_nodes(&k, " n1 n2 ", NULL));
    CHECK_INT(ds_status("desiredNumberScheduled"), 2);
    CHECK_INT(ds_status("currentNumberScheduled"), 2);
    CHECK_INT(ds_status("numberMisscheduled"), 0);
    CHECK_INT(ds_status("updatedNumberScheduled"), 2);
    CHECK(th_wait_event(base, "default", "DaemonSet", "agent", "SuccessfulCreate",
                        "Created pod: agent-", 60000));

    /* The pod: bound through affinity on the node's name, daemon tolerations added. */
    json_t *list = NULL;
    api("GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dagent", NULL, NULL, &list);
    json_t *pod = json_array_get(json_object_get(list, "items"), 0);
    json_t *spec = json_object_get(pod, "spec");
    json_t *mf = json_array_get(
        json_object_get(
            json_array_get(
                json_object_get(json_object_get(json_object_get(json_object_get(spec, "affinity"),
                                                                "nodeAffinity"),
                                                "requiredDuringSchedulingIgnoredDuringExecution"),
                                "nodeSelectorTerms"),
                0),
            "matchFields"),
        0);
    CHECK_STR(json_string_value(json_object_get(mf, "key")), "metadata.name");
    CHECK_STR(json_string_value(json_array_get(json_object_get(mf, "values"), 0)),
              json_string_value(json_object_get(spec, "nodeName")));
    char tols[1024] = "";
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(spec, "tolerations"), i, t)
    {
        size_t l = strlen(tols);
        snprintf(tols + l, sizeof(tols) - l, "%s/%s ", json_string_value(json_object_get(t, "key")),
                 json_string_value(json_object_get(t, "effect")));
    }
    CHECK(strstr(tols, "node.kubernetes.io/not-ready/NoExecute") != NULL);
    CHECK(strstr(tols, "node.kubernetes.io/unreachable/NoExecute") != NULL);
    CHECK(strstr(tols, "node.kubernetes.io/unschedulable/NoSchedule") != NULL);
    CHECK(strstr(tols, "node.kubernetes.io/network-unavailable") == NULL);
    json_decref(list);

    /* Nodes come and go. */
    CHECK_INT(make_node("n4", ""), 200);
    CHECK(wait_nodes(&k, " n1 n2 n4 ", NULL));
    CHECK_INT(api("DELETE", "/api/v1/nodes/n2", NULL, NULL, NULL), 200);
    CHECK(wait_nodes(&k, " n1 n4 ", NULL));

    /* Tolerating the taint brings the tainted node in. */
    CHECK_INT(api("PATCH", "/apis/apps/v1/namespaces/default/daemonsets/agent",
                  "application/merge-patch+json",
                  "{\"spec\":{\"template\":{\"spec\":{\"tolerations\":[{\"key\":\"dedicated\","
                  "\"operator\":\"Equal\",\"value\":\"infra\",\"effect\":\"NoSchedule\"}]}}}}",
                  NULL),
              200);
    static const char *const all3[] = {"n1", "n3", "n4", NULL};
    CHECK(wait_nodes(&k, " n1 n3 n4 ", NULL));
    /* That was an update too: wait until every pod is at the new revision. */
    for (int j = 0; j < 1500 && (ds_status("updatedNumberScheduled") != 3 || strchr(k.hashes, ' '));
         j++) {
        tick(&k, all3);
        usleep(20 * 1000);
    }
    CHECK_INT(ds_status("updatedNumberScheduled"), 3);

    /* A rolling update, one node at a time. */
    char before[256];
    snprintf(before, sizeof(before), "%s", k.hashes);
    k.max_down = 0;
    CHECK_INT(api("PATCH", "/apis/apps/v1/namespaces/default/daemonsets/agent",
                  "application/merge-patch+json",
                  "{\"spec\":{\"template\":{\"metadata\":{\"labels\":{\"app\":\"agent\","
                  "\"v\":\"2\"}}}}}",
                  NULL),
              200);
    bool done = false;
    for (int j = 0; j < 1500 && !done; j++) {
        tick(&k, all3);
        done = strcmp(k.hashes, before) != 0 && !strchr(k.hashes, ' ') &&
               strcmp(k.nodes, " n1 n3 n4 ") == 0 && ds_status("numberReady") == 3 &&
               ds_status("updatedNumberScheduled") == 3;
        usleep(20 * 1000);
    }
    CHECK_MSG(done, "rolling update finished: hashes \"%s\" on \"%s\"", k.hashes, k.nodes);
    CHECK_MSG(k.max_down <= 1, "rolling update took %d nodes down at once", k.max_down);
    CHECK_INT(ds_status("desiredNumberScheduled"), 3);
    CHECK_INT(ds_status("numberMisscheduled"), 0);

    /* Two revisions recorded, numbered. */
    list = NULL;
    api("GET", "/apis/apps/v1/namespaces/default/controllerrevisions", NULL, NULL, &list);
    json_int_t maxrev = 0;
    json_array_foreach(json_object_get(list, "items"), i, t)
    {
        json_int_t r = json_integer_value(json_object_get(t, "revision"));
        maxrev = r > maxrev ? r : maxrev;
    }
    CHECK_INT(maxrev, 3);
    json_decref(list);

    /* Rolling back to the previous template renumbers its revision as the newest. */
    CHECK_INT(api("PATCH", "/apis/apps/v1/namespaces/default/daemonsets/agent",
                  "application/merge-patch+json",
                  "{\"spec\":{\"template\":{\"metadata\":{\"labels\":{\"v\":null}}}}}", NULL),
              200);
    done = false;
    for (int j = 0; j < 1500 && !done; j++) {
        tick(&k, all3);
        done = strcmp(k.hashes, before) == 0 && strcmp(k.nodes, " n1 n3 n4 ") == 0 &&
               ds_status("numberReady") == 3 && ds_status("updatedNumberScheduled") == 3;
        usleep(20 * 1000);
    }
    CHECK_MSG(done, "rolled back: hashes \"%s\", want \"%s\"", k.hashes, before);
    json_int_t back = 0, count = 0;
    for (int j = 0; j < 100 && back != 4; j++) {
        list = NULL;
        api("GET", "/apis/apps/v1/namespaces/default/controllerrevisions", NULL, NULL, &list);
        count = (json_int_t)json_array_size(json_object_get(list, "items"));
        json_array_foreach(json_object_get(list, "items"), i, t)
        {
            const char *h = json_string_value(
                json_object_get(json_object_get(json_object_get(t, "metadata"), "labels"),
                                "controller.kubernetes.io/hash"));
            if (h && strcmp(h, before) == 0)
                back = json_integer_value(json_object_get(t, "revision"));
        }
        json_decref(list);
        if (back != 4)
            usleep(100 * 1000);
    }
    CHECK_INT(back, 4);
    CHECK_INT(count, 3);

    scheduler_stop(sched);
    controllers_stop(cm);
    apiserver_stop(srv);
    th_etcd_stop(&etcd);
    TEST_END();
}
