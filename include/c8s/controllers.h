/*
 * controllers.h — the controller role: a thread with its own loop running level-triggered
 * reconcilers over shared informers, talking to the API through the in-process client (so every
 * write goes through the same handler chain as kubectl's).
 */
#ifndef C8S_CONTROLLERS_H
#define C8S_CONTROLLERS_H

#include "c8s/apiserver.h"
#include "c8s/base.h"

#include <stdint.h>

typedef struct controllers_s controllers_t;

/* What some controllers need from the command line. Strings are read at start. */
typedef struct controllers_config_s {
    /* PEM bundle the root-CA publisher puts in every namespace's kube-root-ca.crt ConfigMap
     * (ca.crt); NULL: nothing is published. Read once at start (C8S_ESYS if unreadable). */
    const char *root_ca_file;
    /* Where the local-path provisioner puts volumes on the node it picks (a hostPath; NULL:
     * CONTROLLERS_LOCAL_STORAGE_DIR). The kubelet of that node creates the directory. */
    const char *local_storage_dir;
    /* Create the StorageClass "local-path" (provisioner c8s.io/local-path, WaitForFirstConsumer,
     * the default class) when the controllers start and it is absent, as k3s deploys its own. */
    bool local_path_class;
    /* Terminated pods kept before the pod garbage collector deletes the oldest (upstream's
     * --terminated-pod-gc-threshold); 0: 12500; negative: never. */
    int terminated_pod_gc_threshold;
    /* The CA the csrsigning controller signs approved CertificateSigningRequests with (PEM
     * files, read once at start; NULL: nothing is signed), and the longest validity it gives
     * (seconds; 0: one year, upstream's --cluster-signing-duration). */
    const char *cluster_signing_cert_file, *cluster_signing_key_file;
    long long cluster_signing_duration;
    /* The API server URL the kube-public/cluster-info kubeconfig names (with root_ca_file's
     * CA) for joining nodes; NULL: no cluster-info. */
    const char *cluster_info_server;
    /* How often each HorizontalPodAutoscaler is reconciled, in milliseconds (upstream's
     * --horizontal-pod-autoscaler-sync-period); 0: CONTROLLERS_HPA_SYNC_MS. */
    uint64_t hpa_sync_ms;
    /* The node IPAM: the pods' range every node's spec.podCIDR is cut from (IPv4; NULL:
     * 10.244.0.0/16, upstream's --cluster-cidr) and the size of each node's range (0: 24,
     * --node-cidr-mask-size). controllers_start_config fails with C8S_EINVALID on a bad pair. */
    const char *cluster_cidr;
    int node_cidr_mask_size;
} controllers_config_t;

#define CONTROLLERS_HPA_SYNC_MS 15000

#define CONTROLLERS_LOCAL_STORAGE_DIR "/var/lib/c8s/storage"

/* Starts the controller thread against srv (which must outlive it). *out is owned. */
int controllers_start(apiserver_t *srv, controllers_t **out, c8s_err_t *err);
/* The same with a config (NULL: the defaults above). */
int controllers_start_config(apiserver_t *srv, const controllers_config_t *cfg, controllers_t **out,
                             c8s_err_t *err);
/* The first node range of cfg's cluster CIDR (cfg may be NULL: the defaults), as
 * "a.b.c.d/n" into out: the range a server without the controllers gives its own node, as the
 * node IPAM controller would give the first node. C8S_EINVALID on a bad pair. */
int controllers_first_node_cidr(const controllers_config_t *cfg, char *out, size_t len,
                                c8s_err_t *err);
/* Stops every controller, joins the thread and frees cm. Call before apiserver_stop. */
void controllers_stop(controllers_t *cm);

/* For tests only: makes the controllers read "now" (milliseconds since the epoch, UTC) from fn
 * instead of the wall clock, so time-driven controllers (CronJob schedules) can be run through
 * hours in a second. fn is called on the controller thread; NULL restores the wall clock.
 * Process-wide; set it before controllers_start. */
typedef int64_t (*controllers_clock_fn)(void);
void controllers_set_clock(controllers_clock_fn fn);

#endif
