/*
 * kubelet.h — the kubelet role of `c8s server`: a thread with its own libuv loop and in-process
 * client that registers this node (the Node object, its status every 10 s, a Lease in
 * kube-node-lease renewed every 10 s) and, with run_pods, runs the pods bound to it (sandbox,
 * CNI, images, containers through the runtime, restarts with back-off, status, graceful
 * teardown). Init containers, volumes and probes are not done yet: docs/architecture.md, "The
 * kubelet role".
 */
#ifndef C8S_KUBELET_H
#define C8S_KUBELET_H

#include "c8s/base.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct apiserver_s apiserver_t;
struct client_http_config_s;

typedef struct kubelet_config_s {
    const char *node_name; /* required */
    const char *root_dir;  /* node-local state (required); created when missing */
    const char *pod_cidr;  /* NULL: the Node's spec.podCIDR, once the node IPAM sets it */
    const char *const *insecure_registries; /* "host:port" pulled over plain HTTP */
    size_t n_insecure;
    unsigned status_interval_ms; /* node status and lease renewal (default 10000) */
    /* The Node's status is computed every status_interval_ms but sent only when it changed or
     * when this long has passed since the last send (default 300000, upstream's
     * nodeStatusReportFrequency; C8S_NODE_STATUS_REPORT_MS overrides the default for tests).
     * The Lease is the heartbeat. */
    unsigned status_report_ms;
    bool run_pods;             /* run the pods bound here (the pod worker); false: register only */
    const char *cluster_dns;   /* pods' nameserver (default 10.96.0.10) */
    const char *kubepods_root; /* pod cgroups go under this (default /kubepods) */
    const char *runc_root;     /* runc --root (NULL: runc's default) */
    const char *shim_bin;      /* the c8s binary for shims (default /proc/self/exe) */
    /* Hard eviction thresholds, upstream's --eviction-hard syntax (NULL: upstream's default
     * "memory.available<100Mi,nodefs.available<10%"; "": none), checked every
     * eviction_interval_ms (default 10000). See include/c8s/eviction.h. */
    const char *eviction_hard;
    unsigned eviction_interval_ms;
    /* A remote API server (`c8s agent`): the kubelet talks to it over HTTPS with these
     * credentials (copied) instead of in-process; srv is then unused (may be NULL). */
    const struct client_http_config_s *remote;
    /* The node's InternalIP (--node-ip): where the API server reaches the kubelet's port; NULL:
     * the first non-loopback IPv4 address. */
    const char *node_ip;
    /* The HTTPS port (kubelet_server.h: logs, exec, attach, stats), served only when a
     * certificate is given. port 0: a free one (tests); the Node reports the one in use. An
     * agent node brings its own certificate; `c8s server` issues one from the cluster CA. */
    int port;
    const char *tls_cert_file, *tls_key_file;
    const char *client_ca_file; /* required with a certificate */
} kubelet_config_t;

typedef struct kubelet_s kubelet_t;

/* Starts the kubelet thread against srv (which must outlive it), or cfg->remote. Strings in cfg
 * are copied. */
int kubelet_start(apiserver_t *srv, const kubelet_config_t *cfg, kubelet_t **out, c8s_err_t *err);
/* Stops the thread and frees k (NULL is fine). Call before apiserver_stop. */
void kubelet_stop(kubelet_t *k);
/* Opens the HTTPS port with this serving certificate (PEM files, copied; cert and key may be the
 * same file), or, when it is open, serves new handshakes with it (rotation). Any thread, between
 * kubelet_start and kubelet_stop; done on the kubelet's loop, failures logged. The Node's
 * daemonEndpoints.kubeletEndpoint.Port follows with its next status. */
void kubelet_serve_cert(kubelet_t *k, const char *cert_file, const char *key_file,
                        const char *client_ca_file);
/* Node status syncs (the Node read, its status patched when due) and lease renewals that
 * succeeded so far, two a beat (any thread; for tests). */
unsigned long kubelet_heartbeats(const kubelet_t *k);
/* The port the kubelet's HTTPS server listens on, 0 when it serves none (any thread). */
int kubelet_port(const kubelet_t *k);

/* ---- pure parts ---- */

/* Node facts gathered once at start. Strings owned by the holder. */
typedef struct kubelet_node_facts_s {
    int64_t cpus;
    int64_t memory_bytes;
    int64_t storage_bytes;
    char *internal_ip; /* IPv4 */
    char *hostname;
    char *kernel, *os_image, *arch, *runtime_version;
    int kubelet_port; /* status.daemonEndpoints.kubeletEndpoint.Port (0: not served) */
} kubelet_node_facts_t;

/* Reads them (blocking: runs `runc --version`); root_dir is where ephemeral storage lives. */
void kubelet_node_facts_read(kubelet_node_facts_t *f, const char *root_dir);
void kubelet_node_facts_free(kubelet_node_facts_t *f);

/* The Node's status as the kubelet reports it (owned): capacity and allocatable (cpu, memory in
 * Ki, ephemeral-storage, pods 110), addresses, nodeInfo, and the Ready / MemoryPressure /
 * DiskPressure / PIDPressure conditions, each keeping its lastTransitionTime from old_status
 * (borrowed, may be NULL) when its status did not change. now: RFC 3339. */
json_t *kubelet_node_status(const kubelet_node_facts_t *f, const json_t *old_status,
                            const char *now);

/* Whether merge-patching status (the kubelet's, borrowed) onto current (the Node's status as the
 * API server has it, borrowed, may be NULL) would change anything but heartbeat times, as
 * upstream's nodeStatusHasChanged: conditions are matched by type with lastHeartbeatTime left
 * out, capacity and allocatable compared as quantities, everything else as JSON. */
bool kubelet_node_status_changed(const json_t *current, const json_t *status);
/* The reasons of upstream's node condition events ("NodeHasSufficientMemory", "NodeReady",
 * "NodeNotReady", …) for the conditions of status (computed) whose status current (the API
 * server's, borrowed, may be NULL) does not have yet. Owned array of strings. */
json_t *kubelet_node_condition_events(const json_t *current, const json_t *status);

/* ---- per-pod files (pure) ---- */

/* The pod's hostname: spec.hostname, else metadata.name, cut to 63 characters (owned). */
char *kubelet_pod_hostname(const json_t *pod);

/* The pod's /etc/hosts (owned), as upstream writes it: the localhost and IPv6 lines, the pod's
 * address with its FQDN (when spec.subdomain is set) and hostname, then spec.hostAliases.
 * pod_ip may be NULL (no line for the pod then). domain: the cluster domain. */
char *kubelet_pod_hosts(const json_t *pod, const char *pod_ip, const char *domain);

/* The pod's /etc/resolv.conf (owned) by dnsPolicy: ClusterFirst (the default; Default instead for
 * a hostNetwork pod) and ClusterFirstWithHostNet give "nameserver <cluster_dns>", "search
 * <ns>.svc.<domain> svc.<domain> <domain>" followed by the node's search domains, "options
 * ndots:5"; Default is the node's (node_resolv, its text, may be NULL); None only what
 * spec.dnsConfig says. dnsConfig's nameservers, searches and options are merged in (options by
 * name, later wins); at most 3 nameservers and 32 search domains are kept. */
char *kubelet_pod_resolv_conf(const json_t *pod, const char *cluster_dns, const char *domain,
                              const char *node_resolv);

/* ---- pod status (pure) ---- */

/* What the pod worker knows of one container. Strings borrowed; NULL when unknown. */
typedef struct kubelet_ctr_s {
    const char *name;
    const char *state;            /* "waiting", "running" or "terminated" */
    const char *reason, *message; /* waiting: ContainerCreating, ErrImagePull, CrashLoopBackOff…;
                                     terminated: Completed, Error, OOMKilled */
    int exit_code, signal;
    const char *started_at, *finished_at; /* RFC 3339 */
    const json_t *last_state;             /* the previous run's state object, or NULL */
    int restart_count;
    bool ready, started;
    bool restartable; /* a sidecar: an init container with restartPolicy Always */
    const char *image, *image_id, *container_id;
} kubelet_ctr_t;

/* A terminated container's message, as upstream's kubelet makes it: what it wrote to its
 * terminationMessagePath (file, its last 4 KiB); when that is empty and fallback_to_logs
 * (terminationMessagePolicy FallbackToLogsOnError) and it failed, the last 80 lines of its CRI
 * log (log), at most their last 2 KiB. NULL when there is none; owned. */
char *kubelet_termination_message(const char *file, size_t file_len, const char *log,
                                  size_t log_len, bool fallback_to_logs, int exit_code);

/* The pod's phase as upstream derives it from its containers: Pending while an init container
 * has not succeeded (Failed if one failed under restartPolicy Never) or an app container waits
 * without having run; Running while one runs, or when all have stopped and the policy restarts
 * them (Always; OnFailure when one failed); Succeeded when all stopped with 0; Failed when all
 * stopped and one failed under Never. Static string. */
const char *kubelet_pod_phase(const json_t *pod, const kubelet_ctr_t *init, size_t n_init,
                              const kubelet_ctr_t *app, size_t n_app);

/* The pod's whole status (owned) for PUT /status: phase, conditions (PodScheduled,
 * PodReadyToStartContainers, Initialized, ContainersReady, Ready; each keeping its
 * lastTransitionTime from old_status when its status did not change), initContainerStatuses,
 * containerStatuses, hostIP(s), podIP(s), startTime (kept from old_status), qosClass.
 * pod_ip may be NULL (no sandbox yet). now: RFC 3339. */
json_t *kubelet_pod_status(const json_t *pod, const json_t *old_status, bool sandbox_ready,
                           const kubelet_ctr_t *init, size_t n_init, const kubelet_ctr_t *app,
                           size_t n_app, const char *host_ip, const char *pod_ip, const char *now);

#endif
