/*
 * test_ctrl_ds_core.c — the DaemonSet controller's decisions: node eligibility (nodeSelector,
 * required node affinity, NoSchedule/NoExecute taints against the set's and the automatic
 * tolerations), the daemon pod bound by matchFields, and the plan over nodes and pods
 * (creates, misscheduled and surplus pods, pods of gone nodes, rolling update within
 * maxUnavailable, status).
 */
#include "../../src/controllers/internal.h"
#include "c8s/sched.h"
#include "test.h"

#include <stdio.h>
#include <string.h>

static json_t *ds(const char *spec_extra, const char *max_unavailable)
{
    char buf[2048];
    snprintf(buf, sizeof(buf),
             "{\"metadata\":{\"name\":\"agent\",\"namespace\":\"ns\",\"uid\":\"u1\","
             "\"generation\":2},\"spec\":{\"updateStrategy\":{\"type\":\"RollingUpdate\","
             "\"rollingUpdate\":{\"maxUnavailable\":%s}},\"template\":{\"metadata\":{\"labels\":"
             "{\"app\":\"agent\"}},\"spec\":{\"containers\":[{\"name\":\"c\"}]%s}}}}",
             max_unavailable, spec_extra);
    return json_loads(buf, 0, NULL);
}

static json_t *node(const char *labels, const char *taints)
{
    char buf[1024];
    snprintf(buf, sizeof(buf),
             "{\"metadata\":{\"name\":\"n\",\"labels\":%s},\"spec\":{\"taints\":%s}}", labels,
             taints);
    return json_loads(buf, 0, NULL);
}

static const struct {
    const char *spec_extra, *labels, *taints;
    bool run, cont;
} fits[] = {
    {"", "{}", "[]", true, true},
    {",\"nodeSelector\":{\"disk\":\"ssd\"}", "{\"disk\":\"ssd\"}", "[]", true, true},
    {",\"nodeSelector\":{\"disk\":\"ssd\"}", "{}", "[]", false, false},
    {",\"affinity\":{\"nodeAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\":{"
     "\"nodeSelectorTerms\":[{\"matchExpressions\":[{\"key\":\"zone\",\"operator\":\"In\","
     "\"values\":[\"a\"]}]}]}}}",
     "{\"zone\":\"b\"}", "[]", false, false},
    {"", "{}", "[{\"key\":\"dedicated\",\"value\":\"infra\",\"effect\":\"NoSchedule\"}]", false,
     true},
    {"", "{}", "[{\"key\":\"dedicated\",\"value\":\"infra\",\"effect\":\"NoExecute\"}]", false,
     false},
    {"", "{}", "[{\"key\":\"dedicated\",\"effect\":\"PreferNoSchedule\"}]", true, true},
    {",\"tolerations\":[{\"key\":\"dedicated\",\"operator\":\"Equal\",\"value\":\"infra\","
     "\"effect\":\"NoSchedule\"}]",
     "{}", "[{\"key\":\"dedicated\",\"value\":\"infra\",\"effect\":\"NoSchedule\"}]", true, true},
    /* The automatic tolerations: cordoned, not ready, under pressure. */
    {"", "{}", "[{\"key\":\"node.kubernetes.io/unschedulable\",\"effect\":\"NoSchedule\"}]", true,
     true},
    {"", "{}", "[{\"key\":\"node.kubernetes.io/not-ready\",\"effect\":\"NoExecute\"}]", true, true},
    {"", "{}", "[{\"key\":\"node.kubernetes.io/memory-pressure\",\"effect\":\"NoSchedule\"}]", true,
     true},
    /* network-unavailable only for hostNetwork pods. */
    {"", "{}", "[{\"key\":\"node.kubernetes.io/network-unavailable\",\"effect\":\"NoSchedule\"}]",
     false, true},
    {",\"hostNetwork\":true", "{}",
     "[{\"key\":\"node.kubernetes.io/network-unavailable\",\"effect\":\"NoSchedule\"}]", true,
     true},
};

/* A daemon pod on node at hash; state 'R' ready, 'p' pending, 'F' failed, 'T' terminating. */
static json_t *dpod(const char *name, const char *node, const char *hash, char state,
                    const char *created)
{
    char buf[1024];
    bool ready = state == 'R' || state == 'T';
    snprintf(buf, sizeof(buf),
             "{\"metadata\":{\"name\":\"%s\",\"creationTimestamp\":\"%s\",\"labels\":{"
             "\"controller-revision-hash\":\"%s\"}%s},\"spec\":{\"nodeName\":\"%s\"},\"status\":{"
             "\"phase\":\"%s\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"%s\"}]}}",
             name, created, hash, state == 'T' ? ",\"deletionTimestamp\":\"x\"" : "", node,
             state == 'F' ? "Failed" : (ready ? "Running" : "Pending"), ready ? "True" : "False");
    return json_loads(buf, 0, NULL);
}

static void list(const json_t *a, char *buf, size_t len)
{
    buf[0] = 0;
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        size_t n = strlen(buf);
        snprintf(buf + n, len - n, "%s%s", n ? " " : "", json_string_value(v));
    }
}

int main(void)
{
    for (size_t i = 0; i < sizeof(fits) / sizeof(fits[0]); i++) {
        json_t *d = ds(fits[i].spec_extra, "1");
        json_t *tpl = controllers__ds_template(d);
        json_t *n = node(fits[i].labels, fits[i].taints);
        bool run = !fits[i].run, cont = !fits[i].cont;
        c8s_err_t err = C8S_ERR_INIT;
        struct sched_pod_s *sp = NULL;
        REQUIRE(controllers__ds_pod_parse(tpl, &sp, &err) == 0);
        CHECK_INT(controllers__ds_node_fit(sp, n, &run, &cont, &err), 0);
        sched_pod_unref(sp);
        CHECK_MSG(run == fits[i].run && cont == fits[i].cont, "fit %zu: run %d cont %d", i, run,
                  cont);
        json_decref(n);
        json_decref(tpl);
        json_decref(d);
    }

    /* The pod: bound by matchFields in every required term, expressions kept. */
    json_t *d = ds(",\"affinity\":{\"nodeAffinity\":{\"requiredDuringSchedulingIgnoredDuringExec"
                   "ution\":{\"nodeSelectorTerms\":[{\"matchExpressions\":[{\"key\":\"zone\","
                   "\"operator\":\"In\",\"values\":[\"a\"]}]}]}}}",
                   "1");
    json_t *tpl = controllers__ds_template(d);
    json_t *pod = controllers__ds_pod(d, tpl, "h1", "n7");
    CHECK_STR(controllers__ds_pod_node(pod), "n7");
    CHECK_STR(controllers__meta(pod, "generateName"), "agent-");
    json_t *term = json_array_get(
        json_object_get(
            json_object_get(
                json_object_get(json_object_get(json_object_get(pod, "spec"), "affinity"),
                                "nodeAffinity"),
                "requiredDuringSchedulingIgnoredDuringExecution"),
            "nodeSelectorTerms"),
        0);
    CHECK_INT(json_array_size(json_object_get(term, "matchExpressions")), 1);
    CHECK_INT(json_array_size(json_object_get(term, "matchFields")), 1);
    json_t *labels = json_object_get(json_object_get(pod, "metadata"), "labels");
    CHECK_STR(json_string_value(json_object_get(labels, "controller-revision-hash")), "h1");
    CHECK_STR(json_string_value(json_object_get(labels, "pod-template-generation")), "2");
    CHECK_STR(json_string_value(json_object_get(labels, "app")), "agent");
    json_decref(pod);
    json_decref(tpl);
    json_decref(d);

    /* The plan. n1, n2, n3 should run; n4 may keep its pod (NoSchedule); n5 must not. */
    json_t *nodes = json_loads(
        "{\"n1\":{\"run\":true,\"continue\":true},\"n2\":{\"run\":true,\"continue\":true},"
        "\"n3\":{\"run\":true,\"continue\":true},\"n4\":{\"run\":false,\"continue\":true},"
        "\"n5\":{\"run\":false,\"continue\":false}}",
        0, NULL);
    d = ds("", "1");
    json_t *pods = json_array();
    json_array_append_new(pods, dpod("a", "n1", "new", 'R', "t1"));
    json_array_append_new(pods, dpod("b", "n1", "new", 'R', "t2")); /* surplus, younger */
    json_array_append_new(pods, dpod("c", "n4", "new", 'R', "t1"));
    json_array_append_new(pods, dpod("d", "n5", "new", 'R', "t1"));
    json_array_append_new(pods, dpod("e", "gone", "new", 'R', "t1"));
    json_array_append_new(pods, dpod("f", "n3", "new", 'F', "t1"));
    json_t *plan = controllers__ds_plan(d, nodes, pods, "new", 0);
    char buf[256];
    list(json_object_get(plan, "create_on"), buf, sizeof(buf));
    CHECK_STR(buf, "n2");
    list(json_object_get(plan, "delete_pods"), buf, sizeof(buf));
    CHECK_STR(buf, "b f d e");
    json_t *st = json_object_get(plan, "status");
    CHECK_INT(json_integer_value(json_object_get(st, "desiredNumberScheduled")), 3);
    CHECK_INT(json_integer_value(json_object_get(st, "currentNumberScheduled")), 1);
    CHECK_INT(json_integer_value(json_object_get(st, "numberMisscheduled")), 2);
    CHECK_INT(json_integer_value(json_object_get(st, "numberReady")), 1);
    CHECK_INT(json_integer_value(json_object_get(st, "observedGeneration")), 2);
    json_decref(plan);
    json_decref(pods);

    /* Rolling update: old pods that are down go first, then ready ones within the budget. */
    static const struct {
        const char *states; /* per node n1..n3: 'R'/'p' at old, 'N' ready at new, '-' none */
        const char *max, *want;
    } ru[] = {
        {"RRR", "1", "o1"},
        {"NRR", "1", "o2"},
        {"NpR", "1", "o2"},
        {"pRR", "1", "o1"},
        {"N-R", "1", ""},
        {"RRR", "2", "o1 o2"},
        {"RRR", "\"50%\"", "o1 o2"},
        {"RRR", "\"30%\"", "o1"},
        {"RRR", "\"100%\"", "o1 o2 o3"},
        {"NNN", "1", ""},
    };
    for (size_t i = 0; i < sizeof(ru) / sizeof(ru[0]); i++) {
        json_t *dd = ds("", ru[i].max);
        json_t *nn = json_loads("{\"n1\":{\"run\":true,\"continue\":true},\"n2\":{\"run\":true,"
                                "\"continue\":true},\"n3\":{\"run\":true,\"continue\":true}}",
                                0, NULL);
        pods = json_array();
        for (int k = 0; k < 3; k++) {
            char c = ru[i].states[k], name[16], nodename[16];
            snprintf(name, sizeof(name), "%c%d", c == 'N' ? 'n' : 'o', k + 1);
            snprintf(nodename, sizeof(nodename), "n%d", k + 1);
            if (c != '-')
                json_array_append_new(pods, dpod(name, nodename, c == 'N' ? "new" : "old",
                                                 c == 'p' ? 'p' : 'R', "t1"));
        }
        plan = controllers__ds_plan(dd, nn, pods, "new", 0);
        list(json_object_get(plan, "delete_pods"), buf, sizeof(buf));
        CHECK_MSG(strcmp(buf, ru[i].want) == 0, "update %zu (%s max %s): \"%s\", want \"%s\"", i,
                  ru[i].states, ru[i].max, buf, ru[i].want);
        json_decref(plan);
        json_decref(pods);
        json_decref(nn);
        json_decref(dd);
    }
    /* minReadySeconds: Ready is not yet available; the set comes back when it will be. */
    json_decref(d);
    d = ds("", "1");
    json_object_set_new(json_object_get(d, "spec"), "minReadySeconds", json_integer(10));
    pods = json_array();
    json_t *np = dpod("a", "n1", "new", 'R', "t1");
    json_object_set_new(
        json_array_get(json_object_get(json_object_get(np, "status"), "conditions"), 0),
        "lastTransitionTime", json_string("1970-01-01T00:01:40Z"));
    json_array_append_new(pods, np);
    json_t *one = json_loads("{\"n1\":{\"run\":true,\"continue\":true}}", 0, NULL);
    plan = controllers__ds_plan(d, one, pods, "new", 103);
    st = json_object_get(plan, "status");
    CHECK_INT(json_integer_value(json_object_get(st, "numberReady")), 1);
    CHECK_INT(json_integer_value(json_object_get(st, "numberAvailable")), 0);
    CHECK_INT(json_integer_value(json_object_get(st, "numberUnavailable")), 1);
    CHECK_INT(json_integer_value(json_object_get(plan, "requeue_after")), 7);
    json_decref(plan);
    plan = controllers__ds_plan(d, one, pods, "new", 200);
    CHECK_INT(
        json_integer_value(json_object_get(json_object_get(plan, "status"), "numberAvailable")), 1);
    json_decref(plan);
    json_decref(one);
    json_decref(pods);
    json_decref(nodes);
    json_decref(d);
    TEST_END();
}
