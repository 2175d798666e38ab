/*
 * stats_summary.c — the kubelet's resource stats on its HTTPS port, as upstream's kubelet serves
 * them to metrics-server: /stats/summary (the part of the Summary API metrics-server reads: node,
 * pod and container CPU and memory, from the cgroups the kubelet made and from /proc) and
 * /metrics/resource (the same figures in Prometheus text, built by stats_core.c). The reads are
 * small synchronous reads of cgroupfs and /proc pseudo-files, a few per container, on the
 * kubelet's loop; they do not touch a disk.
 */
#include "c8s/kubelet_server.h"
#include "c8s/runtime.h"
#include "c8s/stats.h"
#include "kubelet_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define CGROUP_ROOT "/sys/fs/cgroup"

/* RFC 3339 with nanoseconds of a wall-clock time in ns. */
static json_t *stamp(int64_t wall_ns)
{
    char sec[40];
    c8s_rfc3339_format(wall_ns / 1000000000, sec, sizeof(sec));
    size_t n = strlen(sec);
    if (n > 0 && sec[n - 1] == 'Z')
        sec[--n] = '\0';
    return json_sprintf("%s.%09lldZ", sec, (long long)(wall_ns % 1000000000));
}

static int64_t wall_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Wall-clock ns minus monotonic ns, taken once: container start times (kept monotonic by the
 * pod workers) then map to the same wall time at every scrape, which is what tells a scraper a
 * container has not restarted. */
static int64_t wall_offset_ns(void)
{
    static int64_t off;
    static bool set;
    if (!set) {
        off = wall_now_ns() - (int64_t)c8s_now_ns();
        set = true;
    }
    return off;
}

static json_t *usage(const stats_cgroup_t *cg, json_t *t)
{
    return json_pack("{s:{s:O, s:I}, s:{s:O, s:I, s:I}}", "cpu", "time", t, "usageCoreNanoSeconds",
                     (json_int_t)cg->cpu_ns, "memory", "time", t, "usageBytes",
                     (json_int_t)cg->memory, "workingSetBytes", (json_int_t)cg->working_set);
}

typedef struct {
    int version;
    json_t *pods;
} collect_t;

static void add_pod(const char *ns, const char *name, const char *uid, const char *cgroup,
                    const kctr_t *ctrs, size_t n, void *data)
{
    collect_t *c = data;
    json_t *cs = json_array();
    for (size_t i = 0; i < n; i++) {
        if (!ctrs[i].started || ctrs[i].dead || ctrs[i].done || !ctrs[i].id)
            continue;
        cleanup_free char *path = xasprintf("%s/%s", cgroup, ctrs[i].id);
        stats_cgroup_t cg;
        c8s_err_t err = C8S_ERR_INIT;
        if (stats_read_cgroup(CGROUP_ROOT, path, c->version, &cg, &err) != 0) {
            /* Between its start and its cgroup's creation, or just exited: no sample. */
            c8s_err_clear(&err);
            continue;
        }
        json_t *t = stamp(wall_now_ns());
        json_t *ce = usage(&cg, t);
        json_object_set_new(ce, "name", json_string(ctrs[i].name));
        json_object_set_new(ce, "startTime",
                            stamp(((int64_t)ctrs[i].started_ms * 1000000 + wall_offset_ns()) /
                                  1000000000 * 1000000000));
        json_decref(t);
        json_array_append_new(cs, ce);
    }
    json_t *pod = json_pack("{s:{s:s, s:s, s:s}, s:o}", "podRef", "name", name, "namespace", ns,
                            "uid", uid, "containers", cs);
    stats_cgroup_t cg;
    c8s_err_t err = C8S_ERR_INIT;
    if (stats_read_cgroup(CGROUP_ROOT, cgroup, c->version, &cg, &err) == 0) {
        json_t *t = stamp(wall_now_ns());
        json_t *u = usage(&cg, t);
        json_object_update(pod, u);
        json_decref(u);
        json_decref(t);
    }
    c8s_err_clear(&err);
    json_array_append_new(c->pods, pod);
}

/* The Summary; owned. */
static json_t *summary(kubelet_t *k, c8s_err_t *err)
{
    uint64_t cpu, total, ws;
    if (stats_read_node(&cpu, &total, &ws, err) != 0)
        return NULL;
    json_t *t = stamp(wall_now_ns());
    json_t *node = json_pack(
        "{s:s, s:{s:O, s:I}, s:{s:O, s:I, s:I, s:I}}", "nodeName", k->node_name, "cpu", "time", t,
        "usageCoreNanoSeconds", (json_int_t)cpu, "memory", "time", t, "availableBytes",
        (json_int_t)(total - ws), "usageBytes", (json_int_t)ws, "workingSetBytes", (json_int_t)ws);
    json_decref(t);
    collect_t c = {runtime_cgroup_version(), json_array()};
    kpod_stats_foreach(k, add_pod, &c);
    return json_pack("{s:o, s:o}", "node", node, "pods", c.pods);
}

static void on_summary(kubelet_server_req_t *r, void *data)
{
    kubelet_t *k = data;
    c8s_err_t err = C8S_ERR_INIT;
    if (strcmp(kubelet_server_req_method(r), "GET") != 0 ||
        strcmp(kubelet_server_req_path(r), "/stats/summary") != 0) {
        c8s_err_set(&err, C8S_ENOTFOUND, "%s not found", kubelet_server_req_path(r));
        kubelet_server_respond_err(r, &err);
        c8s_err_clear(&err);
        return;
    }
    json_t *s = summary(k, &err);
    if (!s) {
        kubelet_server_respond_err(r, &err);
        c8s_err_clear(&err);
        return;
    }
    kubelet_server_respond_json(r, 200, s);
}

static void on_resource(kubelet_server_req_t *r, void *data)
{
    kubelet_t *k = data;
    c8s_err_t err = C8S_ERR_INIT;
    if (strcmp(kubelet_server_req_method(r), "GET") != 0 ||
        strcmp(kubelet_server_req_path(r), "/metrics/resource") != 0) {
        c8s_err_set(&err, C8S_ENOTFOUND, "%s not found", kubelet_server_req_path(r));
        kubelet_server_respond_err(r, &err);
        c8s_err_clear(&err);
        return;
    }
    json_t *s = summary(k, &err);
    cleanup_free char *text = stats_resource_metrics(s);
    json_decref(s);
    c8s_err_clear(&err);
    kubelet_server_respond(r, 200, "text/plain; version=0.0.4", text, strlen(text));
}

int kstats_routes(kubelet_t *k, c8s_err_t *err)
{
    if (kubelet_server_route(k->server, "/stats/summary", on_summary, k, err) != 0 ||
        kubelet_server_route(k->server, "/metrics/resource", on_resource, k, err) != 0)
        return err->code;
    return 0;
}
