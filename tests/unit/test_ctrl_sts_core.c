/*
 * test_ctrl_sts_core.c — the StatefulSet controller's decisions, table-driven over pod states:
 * which ordinal is created, deleted or updated next under OrderedReady and Parallel, scale-down
 * waiting for health, the partition, OnDelete; the pod and claim built for an ordinal; the
 * revision hash and history pruning shared with the DaemonSet controller.
 */
#include "../../src/controllers/internal.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A set "web" with replicas, policy, strategy type and partition, and one claim template. */
static json_t *sts(int replicas, const char *policy, const char *type, int partition)
{
    char buf[2048];
    snprintf(buf, sizeof(buf),
             "{\"metadata\":{\"name\":\"web\",\"namespace\":\"ns\",\"uid\":\"u1\",\"generation\":"
             "4},\"spec\":{\"replicas\":%d,\"serviceName\":\"svc\",\"podManagementPolicy\":\"%s\","
             "\"updateStrategy\":{\"type\":\"%s\",\"rollingUpdate\":{\"partition\":%d}},"
             "\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":{\"metadata\":{"
             "\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"c\"}],"
             "\"volumes\":[{\"name\":\"data\",\"emptyDir\":{}}]}},\"volumeClaimTemplates\":[{"
             "\"metadata\":{\"name\":\"data\"},\"spec\":{\"accessModes\":[\"ReadWriteOnce\"]}}]}}",
             replicas, policy, type, partition);
    return json_loads(buf, 0, NULL);
}

/* Pods from a compact description: one char per ordinal — 'R' ready at revision "new", 'r'
 * ready at "old", 'p' pending (new), 'o' pending (old), 'F' failed, 'T' terminating, '-' none. */
static json_t *pods(const char *desc)
{
    json_t *a = json_array();
    for (int i = 0; desc[i]; i++) {
        char c = desc[i];
        if (c == '-')
            continue;
        bool ready = c == 'R' || c == 'r' || c == 'T';
        const char *rev = (c == 'r' || c == 'o') ? "old" : "new";
        char buf[1024];
        snprintf(buf, sizeof(buf),
                 "{\"metadata\":{\"name\":\"web-%d\",\"labels\":{\"controller-revision-hash\":"
                 "\"%s\"}%s},\"status\":{\"phase\":\"%s\",\"conditions\":[{\"type\":\"Ready\","
                 "\"status\":\"%s\"}]}}",
                 i, rev, c == 'T' ? ",\"deletionTimestamp\":\"2026-01-01T00:00:00Z\"" : "",
                 c == 'F' ? "Failed" : (ready ? "Running" : "Pending"), ready ? "True" : "False");
        json_array_append_new(a, json_loads(buf, 0, NULL));
    }
    return a;
}

/* "c0 c1 d2" — creates and deletes of the plan, by ordinal. */
static void summary(const json_t *plan, char *buf, size_t len)
{
    buf[0] = 0;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(plan, "create_pods"), i, v)
    {
        size_t n = strlen(buf);
        const char *name = controllers__meta(v, "name");
        snprintf(buf + n, len - n, "%sc%s", n ? " " : "", strrchr(name, '-') + 1);
    }
    json_array_foreach(json_object_get(plan, "delete_pods"), i, v)
    {
        size_t n = strlen(buf);
        snprintf(buf + n, len - n, "%sd%s", n ? " " : "", strrchr(json_string_value(v), '-') + 1);
    }
}

static const struct {
    int replicas;
    const char *policy, *type;
    int partition;
    const char *pods, *want;
} cases[] = {
    /* OrderedReady creation: the lowest missing, once all below are Ready. */
    {3, "OrderedReady", "RollingUpdate", 0, "", "c0"},
    {3, "OrderedReady", "RollingUpdate", 0, "R", "c1"},
    {3, "OrderedReady", "RollingUpdate", 0, "p", ""},
    {3, "OrderedReady", "RollingUpdate", 0, "RR", "c2"},
    {3, "OrderedReady", "RollingUpdate", 0, "R-R", "c1"},
    {3, "OrderedReady", "RollingUpdate", 0, "RRR", ""},
    /* Parallel: everything missing at once, health not awaited. */
    {3, "Parallel", "RollingUpdate", 0, "", "c0 c1 c2"},
    {3, "Parallel", "RollingUpdate", 0, "p", "c1 c2"},
    /* A failed pod is deleted (and recreated on a later pass). */
    {3, "OrderedReady", "RollingUpdate", 0, "RFR", "d1"},
    {3, "OrderedReady", "RollingUpdate", 0, "-RR", "c0"},
    /* Scale-down: highest first, one at a time, only while the others are healthy. */
    {1, "OrderedReady", "RollingUpdate", 0, "RRR", "d2"},
    {1, "OrderedReady", "RollingUpdate", 0, "RRT", ""},
    {1, "OrderedReady", "RollingUpdate", 0, "pRR", ""},
    {1, "OrderedReady", "RollingUpdate", 0, "RRp", "d2"},
    {1, "OrderedReady", "RollingUpdate", 0, "RpR", ""},
    {1, "Parallel", "RollingUpdate", 0, "RRR", "d2 d1"},
    /* Rolling update: highest old pod first, after those above are back and Ready. */
    {3, "OrderedReady", "RollingUpdate", 0, "rrr", "d2"},
    {3, "OrderedReady", "RollingUpdate", 0, "rr-", "c2"},
    {3, "OrderedReady", "RollingUpdate", 0, "rrp", ""},
    {3, "OrderedReady", "RollingUpdate", 0, "rrR", "d1"},
    {3, "Parallel", "RollingUpdate", 0, "rrR", "d1"},
    {3, "OrderedReady", "RollingUpdate", 0, "rRR", "d0"},
    /* Partition: ordinals below it keep the old revision. */
    {3, "OrderedReady", "RollingUpdate", 2, "rrR", ""},
    {3, "OrderedReady", "RollingUpdate", 1, "rrR", "d1"},
    {3, "OrderedReady", "RollingUpdate", 1, "rRR", ""},
    /* OnDelete: nothing is replaced by the controller. */
    {3, "OrderedReady", "OnDelete", 0, "rrr", ""},
};

int main(void)
{
    json_t *tpl_new = json_pack("{s:{s:{s:s}},s:{s:[{s:s}]}}", "metadata", "labels", "app", "web",
                                "spec", "containers", "name", "new");
    json_t *tpl_old = json_pack("{s:{s:{s:s}},s:{s:[{s:s}]}}", "metadata", "labels", "app", "web",
                                "spec", "containers", "name", "old");
    json_t *all_pvcs =
        json_pack("{s:b,s:b,s:b}", "data-web-0", 1, "data-web-1", 1, "data-web-2", 1);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *s = sts(cases[i].replicas, cases[i].policy, cases[i].type, cases[i].partition);
        json_t *p = pods(cases[i].pods);
        json_t *plan = controllers__sts_plan(s, p, all_pvcs, "old", tpl_old, "new", tpl_new, 0);
        char got[128];
        summary(plan, got, sizeof(got));
        CHECK_MSG(strcmp(got, cases[i].want) == 0,
                  "case %zu (%d %s %s p%d \"%s\"): \"%s\", want \"%s\"", i, cases[i].replicas,
                  cases[i].policy, cases[i].type, cases[i].partition, cases[i].pods, got,
                  cases[i].want);
        json_decref(plan);
        json_decref(p);
        json_decref(s);
    }

    /* Claims come before the pod; a partitioned ordinal is created at the old revision. */
    json_t *s = sts(3, "OrderedReady", "RollingUpdate", 1);
    json_t *none = json_object();
    json_t *p = pods("");
    json_t *plan = controllers__sts_plan(s, p, none, "old", tpl_old, "new", tpl_new, 0);
    json_t *pvc = json_array_get(json_object_get(plan, "create_pvcs"), 0);
    CHECK_INT(json_array_size(json_object_get(plan, "create_pvcs")), 1);
    CHECK_STR(controllers__meta(pvc, "name"), "data-web-0");
    CHECK_STR(json_string_value(json_object_get(
                  json_object_get(json_object_get(pvc, "metadata"), "labels"), "app")),
              "web");
    json_t *pod = json_array_get(json_object_get(plan, "create_pods"), 0);
    json_t *labels = json_object_get(json_object_get(pod, "metadata"), "labels");
    CHECK_STR(json_string_value(json_object_get(labels, "controller-revision-hash")), "old");
    CHECK_STR(json_string_value(json_object_get(labels, "statefulset.kubernetes.io/pod-name")),
              "web-0");
    CHECK_STR(json_string_value(json_object_get(labels, "apps.kubernetes.io/pod-index")), "0");
    json_t *spec = json_object_get(pod, "spec");
    CHECK_STR(json_string_value(json_object_get(spec, "hostname")), "web-0");
    CHECK_STR(json_string_value(json_object_get(spec, "subdomain")), "svc");
    CHECK_STR(json_string_value(
                  json_object_get(json_array_get(json_object_get(spec, "containers"), 0), "name")),
              "old");
    /* The template's volume "data" is replaced by the claim. */
    json_t *vols = json_object_get(spec, "volumes");
    CHECK_INT(json_array_size(vols), 1);
    CHECK_STR(json_string_value(json_object_get(
                  json_object_get(json_array_get(vols, 0), "persistentVolumeClaim"), "claimName")),
              "data-web-0");
    json_t *st = json_object_get(plan, "status");
    CHECK_INT(json_integer_value(json_object_get(st, "observedGeneration")), 4);
    CHECK_STR(json_string_value(json_object_get(st, "updateRevision")), "new");
    json_decref(plan);
    json_decref(p);
    json_decref(s);

    /* Status: counts by revision, and a finished update makes the update revision current. */
    s = sts(3, "OrderedReady", "RollingUpdate", 0);
    p = pods("rRp");
    plan = controllers__sts_plan(s, p, all_pvcs, "old", tpl_old, "new", tpl_new, 0);
    st = json_object_get(plan, "status");
    CHECK_INT(json_integer_value(json_object_get(st, "replicas")), 3);
    CHECK_INT(json_integer_value(json_object_get(st, "readyReplicas")), 2);
    CHECK_INT(json_integer_value(json_object_get(st, "currentReplicas")), 1);
    CHECK_INT(json_integer_value(json_object_get(st, "updatedReplicas")), 2);
    CHECK_STR(json_string_value(json_object_get(st, "currentRevision")), "old");
    json_decref(plan);
    json_decref(p);
    p = pods("RRR");
    plan = controllers__sts_plan(s, p, all_pvcs, "old", tpl_old, "new", tpl_new, 0);
    st = json_object_get(plan, "status");
    CHECK_STR(json_string_value(json_object_get(st, "currentRevision")), "new");
    CHECK_INT(json_integer_value(json_object_get(st, "currentReplicas")), 3);
    json_decref(plan);
    json_decref(p);
    json_decref(s);

    /* whenScaled=Delete: claims of ordinals scaled away go once their pod has. */
    s = sts(1, "OrderedReady", "RollingUpdate", 0);
    json_object_set_new(json_object_get(s, "spec"), "persistentVolumeClaimRetentionPolicy",
                        json_pack("{s:s,s:s}", "whenDeleted", "Retain", "whenScaled", "Delete"));
    p = pods("RR");
    plan = controllers__sts_plan(s, p, all_pvcs, "new", tpl_new, "new", tpl_new, 0);
    json_t *dp = json_object_get(plan, "delete_pvcs");
    CHECK_INT(json_array_size(dp), 1);
    CHECK_STR(json_string_value(json_array_get(dp, 0)), "data-web-2");
    json_decref(plan);
    json_decref(p);
    json_decref(s);

    /* minReadySeconds: OrderedReady waits until web-0 has been Ready that long. */
    s = sts(3, "OrderedReady", "RollingUpdate", 0);
    json_object_set_new(json_object_get(s, "spec"), "minReadySeconds", json_integer(10));
    p = pods("R");
    json_object_set_new(
        json_array_get(
            json_object_get(json_object_get(json_array_get(p, 0), "status"), "conditions"), 0),
        "lastTransitionTime", json_string("1970-01-01T00:01:40Z")); /* 100 s */
    plan = controllers__sts_plan(s, p, all_pvcs, "new", tpl_new, "new", tpl_new, 105);
    CHECK_INT(json_array_size(json_object_get(plan, "create_pods")), 0);
    CHECK_INT(json_integer_value(json_object_get(plan, "requeue_after")), 5);
    st = json_object_get(plan, "status");
    CHECK_INT(json_integer_value(json_object_get(st, "readyReplicas")), 1);
    CHECK_INT(json_integer_value(json_object_get(st, "availableReplicas")), 0);
    json_decref(plan);
    plan = controllers__sts_plan(s, p, all_pvcs, "new", tpl_new, "new", tpl_new, 110);
    CHECK_INT(json_array_size(json_object_get(plan, "create_pods")), 1);
    CHECK(json_object_get(plan, "requeue_after") == NULL);
    CHECK_INT(
        json_integer_value(json_object_get(json_object_get(plan, "status"), "availableReplicas")),
        1);
    json_decref(plan);
    json_decref(p);
    json_decref(s);

    /* Ordinals. */
    s = sts(1, "OrderedReady", "RollingUpdate", 0);
    static const struct {
        const char *name;
        int want;
    } ords[] = {{"web-0", 0},   {"web-12", 12}, {"web-", -1}, {"web-01", -1},
                {"webx-1", -1}, {"web-1a", -1}, {"web", -1}};
    for (size_t i = 0; i < sizeof(ords) / sizeof(ords[0]); i++) {
        json_t *o = json_pack("{s:{s:s}}", "metadata", "name", ords[i].name);
        CHECK_INT(controllers__sts_ordinal(s, o), ords[i].want);
        json_decref(o);
    }
    json_decref(s);

    /* Revision hash: stable over key order, different for different templates. */
    json_t *a = json_loads("{\"a\":1,\"b\":{\"c\":2}}", 0, NULL);
    json_t *b = json_loads("{\"b\":{\"c\":2},\"a\":1}", 0, NULL);
    char *ha = controllers__revision_hash(a), *hb = controllers__revision_hash(b);
    char *hn = controllers__revision_hash(tpl_new);
    CHECK_STR(ha, hb);
    CHECK(strcmp(ha, hn) != 0);
    CHECK(strspn(ha, "bcdfghjklmnpqrstvwxz2456789") == strlen(ha));
    free(ha);
    free(hb);
    free(hn);
    json_decref(a);
    json_decref(b);

    /* History: the oldest revisions not in use beyond the limit. */
    json_t *revs = json_loads("[{\"metadata\":{\"name\":\"r3\"},\"revision\":3},"
                              "{\"metadata\":{\"name\":\"r1\"},\"revision\":1},"
                              "{\"metadata\":{\"name\":\"r2\"},\"revision\":2},"
                              "{\"metadata\":{\"name\":\"r4\"},\"revision\":4}]",
                              0, NULL);
    json_t *live = json_pack("{s:b,s:b}", "r4", 1, "r1", 1);
    json_t *gone = controllers__history_prune(revs, live, 1);
    CHECK_INT(json_array_size(gone), 1);
    CHECK_STR(json_string_value(json_array_get(gone, 0)), "r2");
    json_decref(gone);
    gone = controllers__history_prune(revs, live, 0);
    CHECK_INT(json_array_size(gone), 2);
    json_decref(gone);
    json_decref(live);
    json_decref(revs);

    json_decref(none);
    json_decref(all_pvcs);
    json_decref(tpl_new);
    json_decref(tpl_old);
    TEST_END();
}
