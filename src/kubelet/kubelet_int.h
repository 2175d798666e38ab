/* kubelet_int.h — what kubelet.c and pod.c share (internal to the kubelet role). */
#ifndef C8S_KUBELET_INT_H
#define C8S_KUBELET_INT_H

#include "c8s/client.h"
#include "c8s/cni.h"
#include "c8s/eviction.h"
#include "c8s/image.h"
#include "c8s/informer.h"
#include "c8s/kubelet.h"
#include "c8s/kubelet_server.h"
#include "c8s/ocispec.h"
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
    bool sidecar;           /* an init container with restartPolicy Always: runs beside the app's */
    bool finished; /* an app container that exited for good under the pod's restartPolicy */
    bool started, pulled;
    bool fresh_pull; /* the image was pulled for this start: no "already present" event */
    char *term_msg;  /* the exited run's termination message (owned), once term_read */
    bool term_read;
    /* upstream's image pull back-off, per pod and image: 10 s doubling to 5 min */
    uint64_t pull_backoff_ms, pull_failed_ms, pull_asked_ms;
    bool dead; /* exited, to be restarted once backoff_until_ms has passed */
    uint64_t backoff_until_ms;
    int restart_count;
    json_t *last_state; /* {"terminated": …} of the previous run, or NULL */
    /* probes, indexed by probe_kind_t */
    uint64_t started_ms, probe_last_ms[3];
    probe_state_t probe[3];
    bool probing;
    bool startup_pending; /* a startupProbe has not succeeded yet */
    bool post_start;      /* its postStart hook runs: not Running yet, as upstream reports it */
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
    unsigned interval_ms, report_ms;
    uint64_t status_sent_ms; /* loop time of the last status patch that landed (0: none yet) */
    bool run_pods;
    kubelet_node_facts_t facts;
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
    /* the eviction manager (eviction.c) */
    eviction_threshold_t evict_t[EVICTION_NSIGNALS];
    bool evict_have[EVICTION_NSIGNALS], pressure[EVICTION_NSIGNALS];
    uint64_t evict_interval_ms, evict_last_ms;
    /* the HTTPS port (server*.c) */
    kubelet_server_t *server;
    char *node_ip;
    atomic_int port;
    int want_port; /* the configured port (0: any) */
    /* A serving certificate handed over by kubelet_serve_cert (another thread), taken on the
     * loop by serve_async. */
    uv_async_t serve_async;
    uv_mutex_t serve_mu;
    char *serve_cert, *serve_key, *serve_ca;
    struct kexec_s *execs; /* exec sessions (server_exec.c) */
    struct kpf_s *pfs;     /* port-forward sessions (server_portforward.c) */
};

/* server_routes.c: registers the kubelet's own handlers (logs, exec, attach) on k->server. */
int kserver_routes(kubelet_t *k, c8s_err_t *err);
/* server_logs.c: /containerLogs/. */
int kserver_logs_route(kubelet_t *k, c8s_err_t *err);
/* server_exec.c: /exec/ and /attach/; kserver_exec_stop_all ends every session, port-forward's
 * too (stopping). */
int kserver_exec_route(kubelet_t *k, c8s_err_t *err);
void kserver_exec_stop_all(kubelet_t *k);
/* server_portforward.c: /portForward/; kserver_portforward_stop_all ends every session. */
int kserver_portforward_route(kubelet_t *k, c8s_err_t *err);
void kserver_portforward_stop_all(kubelet_t *k);

/* volume.c */
char *kvol_dir(const char *pod_dir, const char *name);
int kvol_prepare(const char *pod_dir, const json_t *vol, c8s_err_t *err);
int kvol_write_configmap(const char *pod_dir, const json_t *vol, const json_t *cm, c8s_err_t *err);
/* A downwardAPI volume's files (its items' fieldRefs, defaultMode), as upstream's. */
int kvol_write_downward(const char *pod_dir, const json_t *vol, const json_t *pod,
                        const ocispec_node_t *node, c8s_err_t *err);
/* Writes source idx of a projected volume: a serviceAccountToken (token), a configMap or secret
 * (obj: the object read), or downwardAPI fields of pod. Files are replaced atomically. */
int kvol_write_projected(const char *pod_dir, const json_t *vol, size_t idx, const json_t *pod,
                         const ocispec_node_t *node, const json_t *obj, const char *token,
                         c8s_err_t *err);
/* Links volume name of the pod to the directory of pv (a bound claim's PersistentVolume,
 * borrowed): a hostPath (created when DirectoryOrCreate) or local volume. */
int kvol_link_claim(const char *pod_dir, const char *name, const json_t *pv, c8s_err_t *err);
int kvol_mounts(const char *pod_dir, const json_t *pod, const json_t *container, json_t **out,
                c8s_err_t *err);
void kvol_unmount_all(const char *pod_dir, const json_t *pod);

/* hooks.c */
/* The argv (owned array, strings borrowed from cmd, k and tbuf) of `runc exec ctr_id cmd...`,
 * under timeout(1) when timeout_ms > 0 (tbuf holds its argument; exit status 124 then). */
const char **kexec_argv(const kubelet_t *k, const char *ctr_id, const json_t *cmd,
                        uint64_t timeout_ms, char *tbuf, size_t tlen);
/* An Event about pod (borrowed) from this kubelet; field: the involved object's fieldPath
 * (spec.containers{name}) or NULL. */
/* A Normal event about the node, from the kubelet. */
void kubelet_node_event(kubelet_t *k, const char *reason, const char *message);
void kubelet_event(kubelet_t *k, const json_t *pod, const char *field, const char *type,
                   const char *reason, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* ok, or the upstream-worded failure message (borrowed for the call). */
typedef void (*khook_cb)(bool ok, const char *msg, void *data);
/* Runs lifecycle handler `handler` (postStart/preStop, borrowed) of container ctr_id (its spec
 * `container` borrowed) bounded by timeout_ms (0: none): exec through runc exec, httpGet against
 * pod_ip as a probe does, sleep as a timer. cb runs on k's loop once when 0 is returned;
 * C8S_EINVALID for a handler that cannot run (cb not called). */
int khook_run(kubelet_t *k, const json_t *pod, const char *ctr_id, const json_t *handler,
              const json_t *container, const char *pod_ip, uint64_t timeout_ms, khook_cb cb,
              void *data, c8s_err_t *err);

/* eviction.c */
/* Measures the node every evict_interval_ms (from the pod tick) and, while a hard threshold is
 * met, evicts one pod per round, ranked as upstream. */
void keviction_tick(kubelet_t *k);
/* Sets the MemoryPressure / DiskPressure conditions of a node status (borrowed, changed in
 * place; old_status borrowed, may be NULL) from the last measurement. */
void keviction_node_status(const kubelet_t *k, json_t *status, const json_t *old_status,
                           const char *now);
/* Upstream's admission under pressure: NULL when pod may start, else the message (owned) of its
 * rejection, reason Evicted (BestEffort pods under memory pressure, all under disk pressure). */
char *keviction_admit(const kubelet_t *k, const json_t *pod);

/* pod.c, for the eviction manager: the pods it may pick (active and idle; *out owned, the pods
 * borrowed), their objects, cgroups and dirs, and the eviction itself (the pod is Failed with
 * reason Evicted and message msg, its containers stopped and its sandbox torn down; the object
 * is left for its owner to delete). */
size_t kpod_candidates(kubelet_t *k, kpod_t ***out);
const json_t *kpod_object(const kpod_t *p);
const char *kpod_cgroup(const kpod_t *p);
const char *kpod_dir(const kpod_t *p);
void kpod_evict(kpod_t *p, const char *msg);

void kpod_update(kubelet_t *k, json_t *pod);
void kpod_delete(kubelet_t *k, json_t *pod);
void kpod_tick(kubelet_t *k);
/* After the pod informer's first list: tears down pods left by an earlier run of c8s. */
void kpod_adopt_orphans(kubelet_t *k);
void kpod_free_all(kubelet_t *k);
/* The CRI log file (owned) of container ctr of pod ns/name, `back` runs before the current or
 * last one (0 or 1, for previous=true), and whether that run is running now. NULL with err:
 * C8S_ENOTFOUND (no such pod here), C8S_EBADREQUEST (no such container, no such run, not
 * started yet). Rotated pieces are <path>.1, .2, … (the shim's). */
/* The runtime id (owned) of container ctr of pod ns/name while it runs; NULL with err. */
char *kpod_running_id(kubelet_t *k, const char *ns, const char *name, const char *ctr,
                      c8s_err_t *err);
/* The network namespace file (owned; "" for hostNetwork) of pod ns/name while its sandbox is up;
 * NULL with err. For port-forward. */
char *kpod_netns(kubelet_t *k, const char *ns, const char *name, c8s_err_t *err);
/* The bundle dir (owned; config.json's) of container id, or NULL. */
char *kpod_bundle(kubelet_t *k, const char *id);
char *kpod_log_path(kubelet_t *k, const char *ns, const char *name, const char *ctr, int back,
                    bool *running, c8s_err_t *err);
/* For the stats handlers (stats_summary.c): visits every pod whose sandbox is up with its
 * cgroup and its containers (all borrowed for the call; a running container is started and
 * not dead, its cgroup <cgroup>/<id>, started_ms monotonic). */
typedef void (*kpod_stats_fn)(const char *ns, const char *name, const char *uid, const char *cgroup,
                              const kctr_t *ctrs, size_t n, void *data);
void kpod_stats_foreach(kubelet_t *k, kpod_stats_fn fn, void *data);
/* Registers /stats/summary and /metrics/resource on the kubelet's HTTPS port. */
int kstats_routes(kubelet_t *k, c8s_err_t *err);

#endif
