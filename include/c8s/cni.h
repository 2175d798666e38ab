/*
 * cni.h — pod networks through the standard CNI plugins (Debian's containernetworking-plugins
 * in /usr/lib/cni): a bridge (`c8s0`) with host-local IPAM on the node's pod CIDR, portmap for
 * hostPorts, loopback. The kubelet calls ADD when a pod's sandbox starts and DEL when it is torn
 * down; the final ADD result is cached per sandbox so DEL gets its prevResult after a restart.
 *
 * The configuration JSON is built by pure functions; the plugins run through proc.h, never on
 * the loop. Network namespaces are files (a bind mount of the namespace) under the run dir.
 */
#ifndef C8S_CNI_H
#define C8S_CNI_H

#include "c8s/base.h"

#include <jansson.h>
#include <stdbool.h>
#include <uv.h>

typedef struct cni_config_s {
    const char *plugin_dir; /* default /usr/lib/cni */
    const char *state_dir;  /* IPAM leases and cached results (required) */
    const char *bridge;     /* default c8s0 */
    const char *subnet;     /* the node's pod CIDR, e.g. 10.244.0.0/24 (required) */
    bool no_masquerade;     /* ipMasq is on unless this is set */
} cni_config_t;

/* The network list (owned): bridge + host-local on subnet (gateway the first address), then
 * portmap. NULL with err when subnet is not an IPv4 CIDR. */
json_t *cni_conflist(const cni_config_t *c, c8s_err_t *err);

/* What plugin i of list gets on stdin (owned): its own config with the list's name and
 * cniVersion, prevResult when given, and runtimeConfig for the capabilities it declares (only
 * portMappings here). prev and port_mappings are borrowed and may be NULL. */
json_t *cni_plugin_stdin(const json_t *list, size_t i, const json_t *prev,
                         const json_t *port_mappings);

/* hostPorts of a pod spec as CNI portMappings ([{hostPort, containerPort, protocol, hostIP}]);
 * owned, an empty array when there are none. */
json_t *cni_port_mappings(const json_t *pod_spec);

/* result: the ADD result (borrowed for the call), NULL on failure or for DEL; err: why. */
typedef void (*cni_cb)(int rc, const json_t *result, const char *err, void *data);

/* ADD: loopback, then the list in order. id names the sandbox (the pod uid); netns is the
 * namespace file; pod_ns/pod_name go to CNI_ARGS as K8S_POD_NAMESPACE/K8S_POD_NAME. */
void cni_add(uv_loop_t *loop, const cni_config_t *c, const char *id, const char *netns,
             const char *pod_ns, const char *pod_name, const json_t *port_mappings, cni_cb cb,
             void *data);

/* DEL: the list in reverse, with the cached result; idempotent (a DEL for a sandbox that is
 * half set up, or already gone, succeeds). netns may no longer exist. */
void cni_del(uv_loop_t *loop, const cni_config_t *c, const char *id, const char *netns,
             const char *pod_ns, const char *pod_name, cni_cb cb, void *data);

/* The pod's IPv4 address from an ADD result ("10.244.0.5"), into buf; false when none. */
bool cni_result_ip(const json_t *result, char *buf, size_t size);

/* A new network namespace kept by a bind mount at path (`unshare --net=path`, off the loop); cb
 * gets rc 0, or a negative code and why (result is always NULL). The file must not exist. */
void cni_netns_create(uv_loop_t *loop, const char *path, cni_cb cb, void *data);
/* Unmounts and removes it; a missing file is not an error. */
int cni_netns_remove(const char *path, c8s_err_t *err);

#endif
