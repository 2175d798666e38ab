/*
 * bench/workloads.c — the StatefulSet and DaemonSet cores' cost per sync (a harness, not a
 * test): a StatefulSet of 10, 100 and 1,000 Ready pods with nothing to do (the steady state of
 * every pod event), and a DaemonSet over 100, 1,000 and 5,000 nodes: judging every node
 * (scheduler core: affinity, taints) plus the plan with a pod on each. Ends with one
 * `RESULT key=value …` line.
 */
#include "../src/controllers/internal.h"
#include "c8s/sched.h"

#include <stdio.h>
#include <string.h>

static double time_ms(void (*fn)(void *), void *arg, int reps)
{
    uint64_t t0 = c8s_now_ns();
    for (int i = 0; i < reps; i++)
        fn(arg);
    return (double)(c8s_now_ns() - t0) / 1e6 / reps;
}

typedef struct {
    json_t *set, *pods, *pvcs, *tpl, *nodes, *fits;
} ctx_t;

static void sts_steady(void *a)
{
    ctx_t *c = a;
    json_t *plan =
        controllers__sts_plan(c->set, c->pods, c->pvcs, "web-1", c->tpl, "web-1", c->tpl, 0);
    if (json_array_size(json_object_get(plan, "create_pods")) ||
        json_array_size(json_object_get(plan, "delete_pods")))
        fprintf(stderr, "unexpected write\n");
    json_decref(plan);
}

static void ds_sync(void *a)
{
    ctx_t *c = a;
    struct sched_pod_s *sp = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    if (controllers__ds_pod_parse(c->tpl, &sp, &err) != 0) {
        fprintf(stderr, "parse: %s\n", err.msg);
        return;
    }
    json_t *fits = json_object();
    size_t i;
    json_t *n;
    json_array_foreach(c->nodes, i, n)
    {
        bool run = false, cont = false;
        if (controllers__ds_node_fit(sp, n, &run, &cont, &err) != 0)
            fprintf(stderr, "fit: %s\n", err.msg);
        json_object_set_new(fits, controllers__meta(n, "name"),
                            json_pack("{s:b,s:b}", "run", run, "continue", cont));
    }
    sched_pod_unref(sp);
    json_t *plan = controllers__ds_plan(c->set, fits, c->pods, "h", 0);
    if (json_array_size(json_object_get(plan, "create_on")) ||
        json_array_size(json_object_get(plan, "delete_pods")))
        fprintf(stderr, "unexpected write\n");
    json_decref(plan);
    json_decref(fits);
}

static json_t *ready_pod(const char *name, const char *rev, const char *node)
{
    return json_pack("{s:{s:s,s:s,s:{s:s}},s:{s:s},s:{s:s,s:[{s:s,s:s}]}}", "metadata", "name",
                     name, "creationTimestamp", "2026-01-01T00:00:00Z", "labels",
                     "controller-revision-hash", rev, "spec", "nodeName", node, "status", "phase",
                     "Running", "conditions", "type", "Ready", "status", "True");
}

int main(void)
{
    char result[1024] = "RESULT";
    static const int sizes[] = {10, 100, 1000};
    printf("%-8s %-14s\n", "pods", "sts steady ms");
    for (size_t s = 0; s < C8S_ARRAY_SIZE(sizes); s++) {
        int n = sizes[s];
        ctx_t c = {0};
        c.set = json_pack("{s:{s:s,s:s,s:s,s:i},s:{s:i,s:s,s:{s:s}}}", "metadata", "name", "web",
                          "namespace", "ns", "uid", "u", "generation", 1, "spec", "replicas", n,
                          "podManagementPolicy", "OrderedReady", "updateStrategy", "type",
                          "RollingUpdate");
        c.tpl = json_pack("{s:{s:[{s:s}]}}", "spec", "containers", "name", "c");
        c.pods = json_array();
        c.pvcs = json_object();
        for (int i = 0; i < n; i++) {
            char name[32];
            snprintf(name, sizeof(name), "web-%d", i);
            json_array_append_new(c.pods, ready_pod(name, "web-1", "n1"));
        }
        int reps = n >= 1000 ? 20 : 200;
        double ms = time_ms(sts_steady, &c, reps);
        printf("%-8d %-14.3f\n", n, ms);
        size_t l = strlen(result);
        snprintf(result + l, sizeof(result) - l, " sts_steady_%d_ms=%.3f", n, ms);
        json_decref(c.set);
        json_decref(c.tpl);
        json_decref(c.pods);
        json_decref(c.pvcs);
    }

    static const int nodes[] = {100, 1000, 5000};
    printf("%-8s %-14s\n", "nodes", "ds sync ms");
    for (size_t s = 0; s < C8S_ARRAY_SIZE(nodes); s++) {
        int n = nodes[s];
        ctx_t c = {0};
        c.set = json_pack("{s:{s:s,s:s,s:s,s:i},s:{s:{s:s},s:{s:{s:{s:s}},s:{s:{s:s},s:[{s:s}]}}}}",
                          "metadata", "name", "agent", "namespace", "ns", "uid", "u", "generation",
                          1, "spec", "updateStrategy", "type", "RollingUpdate", "template",
                          "metadata", "labels", "app", "agent", "spec", "nodeSelector", "role",
                          "worker", "containers", "name", "c");
        c.tpl = controllers__ds_template(c.set);
        c.nodes = json_array();
        c.pods = json_array();
        for (int i = 0; i < n; i++) {
            char name[32], pod[32];
            snprintf(name, sizeof(name), "node-%d", i);
            snprintf(pod, sizeof(pod), "agent-%d", i);
            json_array_append_new(
                c.nodes,
                json_pack("{s:{s:s,s:{s:s}},s:{s:[{s:s,s:s,s:s}]},s:{s:{s:s,s:s,s:s}}}", "metadata",
                          "name", name, "labels", "role", "worker", "spec", "taints", "key",
                          "node.kubernetes.io/unschedulable", "effect", "NoSchedule", "value", "",
                          "status", "allocatable", "cpu", "4", "memory", "8Gi", "pods", "110"));
            json_array_append_new(c.pods, ready_pod(pod, "h", name));
        }
        int reps = n >= 5000 ? 5 : 50;
        double ms = time_ms(ds_sync, &c, reps);
        printf("%-8d %-14.3f\n", n, ms);
        size_t l = strlen(result);
        snprintf(result + l, sizeof(result) - l, " ds_sync_%d_ms=%.3f", n, ms);
        json_decref(c.set);
        json_decref(c.tpl);
        json_decref(c.nodes);
        json_decref(c.pods);
    }
    printf("%s\n", result);
    return 0;
}
