/*
 * bench/managedfields.c — what server-side apply's bookkeeping costs a write (a harness, not a
 * test): the managedFields Update operation on a create, a spec update and a status update of a
 * Deployment and of a Pod, and an Apply, each beside the copy-and-serialize every write already
 * does, in microseconds per operation. Ends with one `RESULT key=value …` line.
 */
#include "c8s/kinds.h"
#include "c8s/managedfields.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static const char *DEPLOY =
    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\","
    "\"namespace\":\"default\",\"uid\":\"0b3c\",\"creationTimestamp\":\"2026-11-23T10:00:00Z\","
    "\"generation\":1,\"labels\":{\"app\":\"web\",\"tier\":\"front\"},\"annotations\":{\"note\":"
    "\"x\"}},\"spec\":{\"replicas\":3,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},"
    "\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxSurge\":\"25%\","
    "\"maxUnavailable\":\"25%\"}},\"revisionHistoryLimit\":10,\"progressDeadlineSeconds\":600,"
    "\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":"
    "\"web\",\"image\":\"nginx:1.27\",\"ports\":[{\"containerPort\":80,\"protocol\":\"TCP\"}],"
    "\"env\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\",\"value\":\"2\"}],\"resources\":{"
    "\"requests\":{\"cpu\":\"100m\",\"memory\":\"64Mi\"}},\"terminationMessagePath\":\"/dev/"
    "termination-log\",\"terminationMessagePolicy\":\"File\",\"imagePullPolicy\":\"IfNotPresent\"},"
    "{\"name\":\"side\",\"image\":\"busybox\",\"command\":[\"sleep\",\"3600\"]}],\"restartPolicy\":"
    "\"Always\",\"terminationGracePeriodSeconds\":30,\"dnsPolicy\":\"ClusterFirst\","
    "\"schedulerName\":\"default-scheduler\"}}},\"status\":{\"replicas\":3,\"readyReplicas\":3,"
    "\"conditions\":[{\"type\":\"Available\",\"status\":\"True\"}]}}";

static double per_op(const char *what, int n, double t0)
{
    double us = (now_us() - t0) / n;
    printf("%-44s %8.2f us/op\n", what, us);
    return us;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    if (n <= 0)
        n = 20000;
    const api_kind_t *k = api_kind_lookup("apps", "v1", "deployments");
    json_t *base = json_loads(DEPLOY, 0, NULL);
    if (!k || !base) {
        fprintf(stderr, "bench setup failed\n");
        return 1;
    }
    managedfields_who_t who = {"kubectl-client-side-apply", "apps/v1", NULL,
                               "2026-11-23T10:00:00Z"};
    managedfields_who_t st = {"kube-controller-manager", "apps/v1", "status",
                              "2026-11-23T10:00:00Z"};

    /* What every write does already: a deep copy and one serialization. */
    double t0 = now_us();
    for (int i = 0; i < n; i++) {
        json_t *c = json_deep_copy(base);
        free(json_dumps(c, JSON_COMPACT));
        json_decref(c);
    }
    double copy = per_op("copy + serialize (every write, baseline)", n, t0);
    t0 = now_us();
    for (int i = 0; i < n; i++)
        json_decref(json_deep_copy(base));
    double copy_only = per_op("copy alone (subtracted below)", n, t0);

    t0 = now_us();
    for (int i = 0; i < n; i++) {
        json_t *c = json_deep_copy(base);
        managedfields_update(k, NULL, c, &who);
        json_decref(c);
    }
    double create = per_op("Update operation: create", n, t0) - copy_only;

    json_t *owned = json_deep_copy(base);
    managedfields_update(k, NULL, owned, &who);
    t0 = now_us();
    for (int i = 0; i < n; i++) {
        json_t *c = json_deep_copy(owned);
        json_object_set_new(json_object_get(c, "spec"), "replicas", json_integer(i));
        managedfields_update(k, owned, c, &who);
        json_decref(c);
    }
    double update = per_op("Update operation: spec update", n, t0) - copy_only;

    t0 = now_us();
    for (int i = 0; i < n; i++) {
        json_t *c = json_deep_copy(owned);
        json_object_set_new(json_object_get(c, "status"), "readyReplicas", json_integer(i));
        managedfields_update(k, owned, c, &st);
        json_decref(c);
    }
    double status = per_op("Update operation: status subresource", n, t0) - copy_only;

    json_t *cfg = json_deep_copy(base);
    json_object_del(cfg, "status");
    json_t *applied = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    managedfields_who_t ap = {"kubectl", "apps/v1", NULL, "2026-11-23T10:00:00Z"};
    if (managedfields_apply(k, NULL, cfg, &ap, false, &applied, &err) != 0) {
        fprintf(stderr, "apply failed: %s\n", err.msg);
        return 1;
    }
    t0 = now_us();
    for (int i = 0; i < n; i++) {
        json_t *out = NULL;
        json_object_set_new(json_object_get(cfg, "spec"), "replicas", json_integer(i % 5));
        if (managedfields_apply(k, applied, cfg, &ap, false, &out, &err) != 0) {
            fprintf(stderr, "apply failed: %s\n", err.msg);
            return 1;
        }
        json_decref(out);
    }
    double apply = per_op("Apply operation (existing object)", n, t0);
    printf("(Update figures are net of the copy their loop makes.)\n");
    printf("RESULT copy_serialize_us=%.2f update_create_us=%.2f update_spec_us=%.2f "
           "update_status_us=%.2f apply_us=%.2f\n",
           copy, create, update, status, apply);
    json_decref(base);
    json_decref(owned);
    json_decref(cfg);
    json_decref(applied);
    return 0;
}
