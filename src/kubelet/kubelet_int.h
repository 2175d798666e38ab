/* kubelet_int.h — what kubelet.c and pod.c share (internal to the kubelet role). */
#ifndef C8S_KUBELET_INT_H
#define C8S_KUBELET_INT_H

#include "c8s/client.h"
#include "c8s/cni.h"
#include "c8s/image.h"
#include "c8s/informer.h"
#include "c8s/kubelet.h"
#include "c8s/kubelet_server.h"
#include "c8s/probe.h"
#include "c8s/proc.h"
#include "c8s/runtime.h"

#include <stdatomic.h>

typedef struct kpod_s kpod_t;

/* One app container of a pod worker. Strings owned. */
typedef struct kctr_s {
    char *name, *id, *image, *image_id, *dir;
    char *reason, *message; /* while waiting */
    bool init, done;        /* an init container; done: it exited 0 */
    bool started, pulled;
    bool dead; /* exited, to be restarted once backoff_until_ms has passed */
    uint64_t backoff_until_ms;
    int restart_count;
    json_t *last_state; /* {"terminated": …} of the previous run, or NULL */
    /* probes, indexed by probe_kind_t */
    uint64_t started_ms, probe_last_ms[3];
    probe_state_t probe[3];
    bool probing;
    bool startup_pending; /* a startupProbe has not succeeded yet */
} kctr_t;

struct kubelet_s {
    apiserver_t *srv;
    uv_loop_t loop;
    uv_thread_t thread;
    uv_async_t stop_async;
    uv_timer_t timer, tick;
    client_t *client;
    char *node_name, *root_dir, *pod_cidr, *cluster_dns, *kubepods_root;
    char *cni_state, *runc_root, *state_root, *shim_bin;
    char **insecure_copy;
    const char *const *insecure;
    size_t n_insecure;
    unsigned interval_ms;
    bool run_pods;
    kubelet_node_facts_t facts;
    json_t *old_status;
    bool registered, lease_exists, stopping;
    int inflight;
    atomic_ulong heartbeats;
    /* the pod worker */
    runtime_t *rt;
    image_store_t *images;
    cni_config_t cni;
    informer_t *pods_inf;
    kpod_t *pods;
    struct kpull_s *pulls; /* image pulls in flight (pod.c) */
    /* the HTTPS port (server*.c) */
    kubelet_server_t *server;
    char *node_ip;
    atomic_int port;
};

/* server_routes.c: registers the kubelet's own handlers (logs, exec, attach) on k->server. */
int kserver_routes(kubelet_t *k, c8s_err_t *err);

/* volume.c */
char *kvol_dir(const char *pod_dir, const char *name);
int kvol_prepare(const char *pod_dir, const json_t *vol, c8s_err_t *err);
int kvol_write_configmap(const char *pod_dir, const json_t *vol, const json_t *cm, c8s_err_t *err);
/* Writes source idx of a projected volume: a serviceAccountToken (token), a configMap or secret
 * (obj: the object read), or downwardAPI fields of pod. Files are replaced atomically. */
int kvol_write_projected(const char *pod_dir, const json_t *vol, size_t idx, const json_t *pod,
                         const json_t *obj, const char *token, c8s_err_t *err);
/* Links volume name of the pod to the directory of pv (a bound claim's PersistentVolume,
 * borrowed): a hostPath (created when DirectoryOrCreate) or local volume. */
int kvol_link_claim(const char *pod_dir, const char *name, const json_t *pv, c8s_err_t *err);
int kvol_mounts(const char *pod_dir, const json_t *pod, const json_t *container, json_t **out,
                c8s_err_t *err);
void kvol_unmount_all(const char *pod_dir, const json_t *pod);

void kpod_update(kubelet_t *k, json_t *pod);
void kpod_delete(kubelet_t *k, json_t *pod);
void kpod_tick(kubelet_t *k);
/* After the pod informer's first list: tears down pods left by an earlier run of c8s. */
void kpod_adopt_orphans(kubelet_t *k);
void kpod_free_all(kubelet_t *k);
/* For the stats handlers (stats_summary.c): visits every pod whose sandbox is up with its
 * cgroup and its containers (all borrowed for the call; a running container is started and
 * not dead, its cgroup <cgroup>/<id>, started_ms monotonic). */
typedef void (*kpod_stats_fn)(const char *ns, const char *name, const char *uid, const char *cgroup,
                              const kctr_t *ctrs, size_t n, void *data);
void kpod_stats_foreach(kubelet_t *k, kpod_stats_fn fn, void *data);
/* Registers /stats/summary and /metrics/resource on the kubelet's HTTPS port. */
int kstats_routes(kubelet_t *k, c8s_err_t *err);

#endif
