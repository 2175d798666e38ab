/*
 * ocispec.h — the OCI runtime spec (runc's config.json) of one container, as a pure function of
 * the pod, the container, the image config and a few node-side facts; and the resource math
 * around it (QoS class, pod cgroup layout, cpu shares and quota, $(VAR) expansion).
 *
 * No I/O here: everything the function needs is passed in (the ConfigMaps and Secrets that env
 * refers to were fetched by the caller). Errors are what upstream reports as
 * CreateContainerConfigError (a missing ConfigMap key, runAsNonRoot violated, no command).
 *
 * Namespaces: c8s has no pause container. The kubelet creates, per pod, a network namespace and
 * an IPC and UTS namespace kept alive by bind mounts (files under the pod's run dir); every
 * container of the pod joins them by path. The UTS namespace carries the pod's hostname (set
 * when it is created), so a container joining it gets no "hostname" in its spec (runc refuses
 * to set a hostname in a namespace it did not create). When a path is NULL the container gets
 * a private namespace of that kind (and the hostname, for UTS).
 *
 * A container with `tty: true` gets process.terminal (and TERM=xterm unless its env sets TERM,
 * as containerd); its shim reads that flag from the bundle and holds the terminal (runtime.h).
 */
#ifndef C8S_OCISPEC_H
#define C8S_OCISPEC_H

#include "c8s/base.h"
#include <stdbool.h>
#include <stdint.h>

typedef enum {
    OCISPEC_QOS_GUARANTEED = 0,
    OCISPEC_QOS_BURSTABLE = 1,
    OCISPEC_QOS_BESTEFFORT = 2,
} ocispec_qos_t;

/* The pod's QoS class as upstream computes it (cpu and memory only; init containers count; a
 * missing request defaults to the limit). */
ocispec_qos_t ocispec_qos_class(const json_t *pod);
/* "Guaranteed", "Burstable", "BestEffort" (static strings). */
const char *ocispec_qos_name(ocispec_qos_t q);

/* The pod's cgroup, as an absolute cgroupfs path under kubepods_root (e.g. "/kubepods"):
 * Guaranteed pods directly under it ("/kubepods/pod<uid>"), the others under "burstable/" or
 * "besteffort/". The same layout serves cgroup v1 (in every hierarchy) and v2. Owned. */
char *ocispec_pod_cgroup(const char *kubepods_root, const json_t *pod);

/* A pod's own cgroup limits, as upstream's kubelet sets them on the pod cgroup: cpu shares from
 * the pod's cpu request (sum over app containers, or the largest init container's if larger);
 * a cpu quota only when every container has a cpu limit, a memory limit only when every one has
 * a memory limit; BestEffort pods get shares 2 and nothing else. */
typedef struct ocispec_pod_resources_s {
    uint64_t cpu_shares;
    int64_t cpu_quota;    /* µs per cpu_period; 0: none */
    int64_t cpu_period;   /* µs */
    int64_t memory_limit; /* bytes; 0: none */
} ocispec_pod_resources_t;
void ocispec_pod_resources(const json_t *pod, ocispec_pod_resources_t *out);

/* Upstream's cpu conversions: shares = max(2, milli*1024/1000) (capped at 262144, 2 for 0);
 * quota = milli*period/1000, at least 1000 µs, 0 (no quota) when milli is 0. */
uint64_t ocispec_cpu_shares(int64_t milli);
int64_t ocispec_cpu_quota(int64_t milli, int64_t period);

/* Upstream's $(VAR) expansion: $(NAME) becomes the value of NAME in env (a JSON object of
 * name → string, borrowed) or stays as written when NAME is undefined; $$ is a literal $;
 * any other $ stays. Returns an owned string. */
char *ocispec_expand(const char *in, const json_t *env);

typedef struct ocispec_node_s {
    const char *container_id; /* runc container id; also the leaf of the cgroup path */
    const char *rootfs;       /* prepared root filesystem (absolute) */
    const char *netns_path;   /* pod network namespace file; NULL: host network */
    const char *ipcns_path;   /* pod IPC namespace file; NULL: a private one */
    const char *utsns_path;   /* pod UTS namespace file; NULL: a private one */
    const char *pod_cgroup;   /* from ocispec_pod_cgroup */
    int cgroup_version;       /* 1 or 2 (cgroupfs driver either way) */
    const char *hostname;     /* pod hostname (used when the UTS namespace is private) */
    const char *resolv_conf;  /* files bind-mounted at /etc/...; NULL: none */
    const char *hosts;
    const char *hostname_file;
    const json_t *mounts;      /* JSON array of OCI mounts prepared for volumes, or NULL */
    const json_t *configmaps;  /* JSON object name → ConfigMap (same namespace), or NULL */
    const json_t *secrets;     /* JSON object name → Secret, or NULL */
    const char *node_name;     /* for spec.nodeName when the pod lacks it */
    const char *pod_ip;        /* for status.podIP when the pod status lacks it */
    const char *host_ip;       /* for status.hostIP likewise */
    int64_t node_cpu_milli;    /* allocatable; resourceFieldRef of an unset limit uses these */
    int64_t node_memory_bytes; /* also the capacity for Burstable oom_score_adj */
    int64_t pids_limit;        /* per-container pids limit; 0: none */
    bool seccomp_default;      /* kubelet --seccomp-default: unset profile means RuntimeDefault */
} ocispec_node_t;

/* Builds the OCI runtime spec of `container` (an element of spec.containers or
 * spec.initContainers of `pod`) with image_config the image's "config" object (Entrypoint, Cmd,
 * Env, WorkingDir, User; may be NULL). All inputs borrowed. On success *out is a new JSON object
 * (owned by the caller). On failure returns C8S_EINVALID with upstream's message. */
int ocispec_build(const json_t *pod, const json_t *container, const json_t *image_config,
                  const ocispec_node_t *node, json_t **out, c8s_err_t *err);

/* A resourceFieldRef's value (limits.cpu, requests.memory, … of the container it names, or of
 * container when it names none; divisor applied, rounded up as upstream), an unset limit
 * reading as the node's allocatable (node may be NULL: 0). *out owned. C8S_EINVALID with
 * upstream's message. */
int ocispec_resource_field(const json_t *pod, const json_t *container, const ocispec_node_t *node,
                           const json_t *ref, char **out, c8s_err_t *err);

/* Just the environment as the container will see it: image env, then envFrom and env (with
 * valueFrom resolved and $(VAR) expanded), later names replacing earlier in place. A JSON array
 * of "NAME=value" strings (owned) in *out. */
int ocispec_env(const json_t *pod, const json_t *container, const json_t *image_config,
                const ocispec_node_t *node, json_t **out, c8s_err_t *err);

#endif
