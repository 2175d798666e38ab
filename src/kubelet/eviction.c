/*
 * eviction.c — the kubelet's eviction manager (the core is include/c8s/eviction.h): every
 * evict_interval_ms it measures memory.available (/proc/meminfo's MemAvailable, the node's
 * capacity less its working set) and nodefs.available (statvfs of the kubelet's root dir); while
 * a hard threshold is met the node reports MemoryPressure / DiskPressure and one pod per round is
 * evicted — ranked by its memory working set (pod cgroup) or its disk use (the pod's dir: logs,
 * emptyDirs, writable layers) against its requests — until the signal is back above the
 * threshold. Upstream's grace for hard evictions is none: the pod's containers get one second.
 */
#include "kubelet_int.h"

#include "c8s/ocispec.h"
#include "c8s/stats.h"

#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

static _Thread_local int64_t du_bytes;

static int du_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)path;
    (void)f;
    if (flag == FTW_F || flag == FTW_D || flag == FTW_SL)
        du_bytes += (int64_t)st->st_blocks * 512;
    return 0;
}

/* Bytes under dir on its own filesystem (mounted volumes such as tmpfs or hostPath are not the
 * node's disk to reclaim). */
static int64_t disk_usage(const char *dir)
{
    du_bytes = 0;
    if (nftw(dir, du_one, 16, FTW_PHYS | FTW_MOUNT) != 0)
        return du_bytes;
    return du_bytes;
}

static int64_t memory_usage(const kubelet_t *k, const kpod_t *p)
{
    (void)k;
    stats_cgroup_t cg;
    c8s_err_t err = C8S_ERR_INIT;
    if (stats_read_cgroup("/sys/fs/cgroup", kpod_cgroup(p), runtime_cgroup_version(), &cg, &err) !=
        0) {
        c8s_err_clear(&err);
        return 0;
    }
    return (int64_t)cg.working_set;
}

/* available and capacity of each signal; false when it could not be measured. */
static bool observe(const kubelet_t *k, eviction_signal_t s, int64_t *avail, int64_t *cap)
{
    if (s == EVICTION_MEMORY) {
        uint64_t cpu, total, ws;
        c8s_err_t err = C8S_ERR_INIT;
        if (stats_read_node(&cpu, &total, &ws, &err) != 0) {
            c8s_err_clear(&err);
            return false;
        }
        *cap = (int64_t)total;
        *avail = (int64_t)(total - ws);
        return true;
    }
    struct statvfs sv;
    if (statvfs(k->root_dir, &sv) != 0)
        return false;
    *cap = (int64_t)sv.f_blocks * (int64_t)sv.f_frsize;
    *avail = (int64_t)sv.f_bavail * (int64_t)sv.f_frsize;
    return true;
}

void keviction_tick(kubelet_t *k)
{
    uint64_t now = c8s_now_ms();
    if (k->evict_last_ms && now - k->evict_last_ms < k->evict_interval_ms)
        return;
    k->evict_last_ms = now;
    int64_t avail[EVICTION_NSIGNALS] = {0}, cap[EVICTION_NSIGNALS] = {0};
    int victim_signal = -1;
    for (int s = 0; s < EVICTION_NSIGNALS; s++) {
        bool was = k->pressure[s];
        k->pressure[s] = k->evict_have[s] && observe(k, (eviction_signal_t)s, &avail[s], &cap[s]) &&
                         eviction_met(&k->evict_t[s], avail[s], cap[s]);
        if (k->pressure[s] != was)
            log_warn("kubelet", "node %s: %s %s", k->node_name,
                     eviction_condition((eviction_signal_t)s),
                     k->pressure[s] ? "(threshold met)" : "relieved");
        if (k->pressure[s] && victim_signal < 0)
            victim_signal = s; /* memory before disk, as upstream's order of signals */
    }
    if (victim_signal < 0)
        return;
    eviction_signal_t sig = (eviction_signal_t)victim_signal;
    kpod_t **cands = NULL;
    size_t n = kpod_candidates(k, &cands);
    if (n == 0) {
        free(cands);
        return;
    }
    eviction_pod_t *ps = xcalloc(n, sizeof(*ps));
    for (size_t i = 0; i < n; i++) {
        ps[i].pod = kpod_object(cands[i]);
        ps[i].usage =
            sig == EVICTION_MEMORY ? memory_usage(k, cands[i]) : disk_usage(kpod_dir(cands[i]));
    }
    eviction_rank(ps, n, sig);
    kpod_t *victim = NULL;
    for (size_t i = 0; i < n && !victim; i++)
        if (kpod_object(cands[i]) == ps[0].pod)
            victim = cands[i];
    cleanup_free char *msg = eviction_message(sig, &k->evict_t[sig], avail[sig], cap[sig]);
    const json_t *md = json_object_get(ps[0].pod, "metadata");
    log_warn("kubelet", "evicting pod %s/%s (%s use %lld bytes, requests %lld): %s",
             json_string_value(json_object_get(md, "namespace")) ?: "",
             json_string_value(json_object_get(md, "name")) ?: "", eviction_resource(sig),
             (long long)ps[0].usage, (long long)ps[0].request, msg);
    free(ps);
    free(cands);
    if (victim)
        kpod_evict(victim, msg);
}

void keviction_node_status(const kubelet_t *k, json_t *status, const json_t *old_status,
                           const char *now)
{
    json_t *conds = json_object_get(status, "conditions"), *c;
    size_t i;
    json_array_foreach(conds, i, c)
    {
        const char *type = json_string_value(json_object_get(c, "type")) ?: "";
        for (int s = 0; s < EVICTION_NSIGNALS; s++) {
            if (strcmp(type, eviction_condition((eviction_signal_t)s)) != 0 || !k->pressure[s])
                continue;
            json_object_set_new(c, "status", json_string("True"));
            json_object_set_new(c, "reason",
                                json_string(s == EVICTION_MEMORY ? "KubeletHasInsufficientMemory"
                                                                 : "KubeletHasDiskPressure"));
            json_object_set_new(c, "message",
                                json_string(s == EVICTION_MEMORY
                                                ? "kubelet has insufficient memory available"
                                                : "kubelet has disk pressure"));
            /* The transition time stays what it was while the condition stays True. */
            const char *lt = now;
            json_t *o;
            size_t j;
            json_array_foreach(json_object_get(old_status, "conditions"), j, o)
            {
                if (strcmp(json_string_value(json_object_get(o, "type")) ?: "", type) == 0 &&
                    strcmp(json_string_value(json_object_get(o, "status")) ?: "", "True") == 0)
                    lt = json_string_value(json_object_get(o, "lastTransitionTime")) ?: now;
            }
            json_object_set_new(c, "lastTransitionTime", json_string(lt));
        }
    }
}

char *keviction_admit(const kubelet_t *k, const json_t *pod)
{
    /* Upstream admits critical pods and, under memory pressure only, pods other than BestEffort
     * ones (and BestEffort ones tolerating the memory-pressure taint). */
    bool mem = k->pressure[EVICTION_MEMORY], disk = k->pressure[EVICTION_DISK];
    if (!mem && !disk)
        return NULL;
    if (!disk) {
        if (ocispec_qos_class(pod) != OCISPEC_QOS_BESTEFFORT)
            return NULL;
        json_t *t;
        size_t i;
        json_array_foreach(json_object_get(json_object_get(pod, "spec"), "tolerations"), i, t)
        {
            const char *key = json_string_value(json_object_get(t, "key"));
            const char *op = json_string_value(json_object_get(t, "operator"));
            const char *eff = json_string_value(json_object_get(t, "effect"));
            bool key_ok = key ? strcmp(key, "node.kubernetes.io/memory-pressure") == 0
                              : op && strcmp(op, "Exists") == 0;
            if (key_ok && (!eff || !*eff || strcmp(eff, "NoSchedule") == 0))
                return NULL;
        }
    }
    return xasprintf("The node had condition: [%s%s%s]. ", mem ? "MemoryPressure" : "",
                     mem && disk ? " " : "", disk ? "DiskPressure" : "");
}
