/*
 * fakekubelet.c — the controller tests' kubelet (fakekubelet.h): an informer on pods and a work
 * queue; each pod's turn compares what the pod reports with what it should report and writes
 * the difference through pods/binding, pods/status or a final DELETE.
 */
#include "fakekubelet.h"

#include "c8s/client.h"
#include "c8s/informer.h"
#include "c8s/workqueue.h"

#include <stdio.h>
#include <string.h>

struct fakekubelet_s {
    client_t *client;
    informer_t *pods;
    workqueue_t *queue;
    fakekubelet_config_t cfg;
    char *node;
    json_t *first_seen; /* key → ms */
    unsigned ip_seq;
    bool closed;
};

static const char *meta(const json_t *o, const char *f)
{
    return json_string_value(json_object_get(json_object_get(o, "metadata"), f));
}

static void enqueue(fakekubelet_t *fk, const json_t *pod)
{
    char key[600];
    snprintf(key, sizeof(key), "%s/%s", meta(pod, "namespace") ?: "", meta(pod, "name") ?: "");
    workqueue_add(fk->queue, key);
}

static void on_add(informer_t *inf, json_t *pod, void *data)
{
    enqueue(data, pod);
}

static void on_update(informer_t *inf, json_t *old, json_t *pod, void *data)
{
    enqueue(data, pod);
}

static void on_delete(informer_t *inf, json_t *pod, void *data)
{
    fakekubelet_t *fk = data;
    char key[600];
    snprintf(key, sizeof(key), "%s/%s", meta(pod, "namespace") ?: "", meta(pod, "name") ?: "");
    json_object_del(fk->first_seen, key);
}

typedef struct {
    fakekubelet_t *fk;
    char *key;
} op_t;

static void on_answer(const client_resp_t *resp, void *data)
{
    op_t *op = data;
    /* 404/409: the pod moved on meanwhile; its next event brings it back. */
    if (resp->status >= 300 && resp->status != 404 && resp->status != 409) {
        fprintf(stderr, "fakekubelet: %s: %d %.200s\n", op->key, resp->status,
                resp->body ? resp->body : "");
        workqueue_add_rate_limited(op->fk->queue, op->key);
    }
    workqueue_done(op->fk->queue, op->key);
    free(op->key);
    free(op);
}

static void fk_send(fakekubelet_t *fk, const char *key, const char *method, const char *path,
                    const char *ct, json_t *body)
{
    char *b = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    op_t *op = xcalloc(1, sizeof(*op));
    op->fk = fk;
    op->key = xstrdup(key);
    client_request(fk->client, method, path, ct, b, b ? strlen(b) : 0, on_answer, op);
    free(b);
}

static const char *ready_status(const json_t *pod)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(pod, "status"), "conditions"), i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "type")) ?: "", "Ready") == 0)
            return json_string_value(json_object_get(c, "status"));
    }
    return NULL;
}

static json_t *status_for(fakekubelet_t *fk, const json_t *pod, fk_action_t a)
{
    char now[32];
    c8s_rfc3339_now(now, sizeof(now));
    const char *ready = a == FK_READY ? "True" : "False";
    json_t *conds = json_array();
    const char *types[] = {"PodScheduled", "Initialized", "ContainersReady", "Ready"};
    for (size_t i = 0; i < 4; i++)
        json_array_append_new(conds, json_pack("{s:s, s:s, s:n, s:s}", "type", types[i], "status",
                                               i < 2 ? "True" : ready, "lastProbeTime",
                                               "lastTransitionTime", now));
    json_t *cs = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(pod, "spec"), "containers"), i, c)
    {
        json_t *state = a == FK_FAIL
                            ? json_pack("{s:{s:i, s:s, s:s, s:s}}", "terminated", "exitCode", 1,
                                        "reason", "Error", "startedAt", now, "finishedAt", now)
                            : json_pack("{s:{s:s}}", "running", "startedAt", now);
        json_array_append_new(
            cs, json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:i, s:o}", "name",
                          json_string_value(json_object_get(c, "name")) ?: "c", "image",
                          json_string_value(json_object_get(c, "image")) ?: "", "imageID", "",
                          "containerID", "fake://0", "ready", a == FK_READY, "started",
                          a != FK_FAIL, "restartCount", 0, "state", state));
    }
    fk->ip_seq++;
    char ip[32];
    snprintf(ip, sizeof(ip), "10.244.%u.%u", (fk->ip_seq >> 8) & 0xff, (fk->ip_seq & 0xff) | 1);
    return json_pack("{s:{s:s, s:o, s:o, s:s, s:[{s:s}], s:s, s:s, s:s}}", "status", "phase",
                     a == FK_FAIL ? "Failed" : "Running", "conditions", conds, "containerStatuses",
                     cs, "podIP", ip, "podIPs", "ip", ip, "hostIP", "127.0.0.1", "startTime", now,
                     "qosClass", "BestEffort");
}

static void process(workqueue_t *q, const char *key, void *data)
{
    fakekubelet_t *fk = data;
    char ns[256], name[256];
    const char *slash = strchr(key, '/');
    snprintf(ns, sizeof(ns), "%.*s", slash ? (int)(slash - key) : 0, key);
    snprintf(name, sizeof(name), "%s", slash ? slash + 1 : key);
    json_t *pod = informer_get(fk->pods, ns, name);
    if (!pod || fk->closed) {
        workqueue_done(q, key);
        return;
    }
    char path[700];
    fk_action_t a = fk->cfg.decide ? fk->cfg.decide(pod, fk->cfg.data) : FK_READY;
    if (a == FK_DEAD) {
        workqueue_done(q, key);
        return;
    }
    if (meta(pod, "deletionTimestamp")) {
        snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s?gracePeriodSeconds=0", ns,
                 name);
        fk_send(fk, key, "DELETE", path, NULL, NULL);
        return;
    }
    if (a == FK_IGNORE) {
        workqueue_done(q, key);
        return;
    }
    const char *node = json_string_value(json_object_get(json_object_get(pod, "spec"), "nodeName"));
    if (!node || !*node) {
        snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s/binding", ns, name);
        fk_send(fk, key, "POST", path, "application/json",
                json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:s}}", "apiVersion", "v1", "kind",
                          "Binding", "metadata", "name", name, "target", "kind", "Node", "name",
                          fk->node));
        return;
    }
    const char *phase = json_string_value(json_object_get(json_object_get(pod, "status"), "phase"));
    const char *ready = ready_status(pod);
    bool want_ready = a == FK_READY;
    const char *want_phase = a == FK_FAIL ? "Failed" : "Running";
    if (phase && strcmp(phase, want_phase) == 0 && ready &&
        strcmp(ready, want_ready ? "True" : "False") == 0) {
        workqueue_done(q, key);
        return;
    }
    if (phase && (strcmp(phase, "Failed") == 0 || strcmp(phase, "Succeeded") == 0)) {
        workqueue_done(q, key); /* finished pods stay finished */
        return;
    }
    if (fk->cfg.ready_delay_ms > 0) {
        uint64_t now = c8s_now_ms();
        json_t *seen = json_object_get(fk->first_seen, key);
        if (!seen) {
            json_object_set_new(fk->first_seen, key, json_integer((json_int_t)now));
            workqueue_add_after(q, key, fk->cfg.ready_delay_ms);
            workqueue_done(q, key);
            return;
        }
        uint64_t at = (uint64_t)json_integer_value(seen);
        if (now < at + fk->cfg.ready_delay_ms) {
            workqueue_add_after(q, key, at + fk->cfg.ready_delay_ms - now);
            workqueue_done(q, key);
            return;
        }
    }
    snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s/status", ns, name);
    fk_send(fk, key, "PATCH", path, "application/merge-patch+json", status_for(fk, pod, a));
}

fakekubelet_t *fakekubelet_start(apiserver_t *srv, uv_loop_t *loop, const fakekubelet_config_t *cfg)
{
    fakekubelet_t *fk = xcalloc(1, sizeof(*fk));
    if (cfg)
        fk->cfg = *cfg;
    fk->node = xstrdup(fk->cfg.node ? fk->cfg.node : "fake-node");
    fk->first_seen = json_object();
    fk->client = client_new_inproc(srv, loop);
    fk->queue = workqueue_new(loop, 8, process, fk);
    informer_handlers_t h = {.on_add = on_add, .on_update = on_update, .on_delete = on_delete};
    fk->pods = informer_start(fk->client, "/api/v1/pods", NULL, &h, fk);
    return fk;
}

void fakekubelet_poke(fakekubelet_t *fk, const char *ns, const char *name)
{
    char key[600];
    snprintf(key, sizeof(key), "%s/%s", ns, name);
    workqueue_add(fk->queue, key);
}

static void on_flag(void *data)
{
    *(bool *)data = true;
}

void fakekubelet_stop(fakekubelet_t *fk)
{
    if (!fk)
        return;
    uv_loop_t *loop = client_loop(fk->client);
    fk->closed = true;
    bool inf_done = false, q_done = false, c_done = false;
    informer_stop(fk->pods, on_flag, &inf_done);
    workqueue_close(fk->queue, on_flag, &q_done);
    while (!inf_done || !q_done)
        uv_run(loop, UV_RUN_ONCE);
    client_close(fk->client, on_flag, &c_done);
    while (!c_done)
        uv_run(loop, UV_RUN_ONCE);
    json_decref(fk->first_seen);
    free(fk->node);
    free(fk);
}
