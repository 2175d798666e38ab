/*
 * metrics_api.h — the metrics.k8s.io/v1beta1 objects the API server serves (NodeMetrics,
 * PodMetrics), built from figures the kubelets report, with quantities written as upstream's
 * metrics-server writes them (CPU as a nanocore quantity, memory as a binary-SI byte quantity,
 * both in canonical form). Pure: no I/O. Returned objects are owned by the caller; arguments are
 * borrowed.
 */
#ifndef C8S_METRICS_API_H
#define C8S_METRICS_API_H

#include "c8s/base.h"

#include <stddef.h>
#include <stdint.h>

/* Canonical quantity strings: nanocores ("250m", "1500m", "2", "12345n", "3u") and bytes
 * ("128Mi", "1500", "1500k"). buf holds at least 32 bytes; returns buf. */
char *metrics_api_cpu(uint64_t nanocores, char *buf, size_t len);
char *metrics_api_memory(uint64_t bytes, char *buf, size_t len);

/* One container's usage in a PodMetrics. */
typedef struct metrics_api_container_s {
    const char *name;
    uint64_t nanocores;
    uint64_t working_set;
} metrics_api_container_t;

/* A NodeMetrics for `name` with the node's labels (may be NULL), the sample's time (RFC 3339)
 * and window in seconds. */
json_t *metrics_api_node(const char *name, const json_t *labels, const char *timestamp,
                         double window_s, uint64_t nanocores, uint64_t working_set);
/* A PodMetrics for namespace/name with the pod's labels (may be NULL). */
json_t *metrics_api_pod(const char *ns, const char *name, const json_t *labels,
                        const char *timestamp, double window_s,
                        const metrics_api_container_t *containers, size_t n);

/* The latest kubelet samples and the rates between each node's, pod's and container's last two
 * (as metrics-server keeps them). Owned by its user (the API server's metrics scraper); not
 * thread-safe. */
typedef struct metrics_api_store_s metrics_api_store_t;

metrics_api_store_t *metrics_api_store_new(void);
void metrics_api_store_free(metrics_api_store_t *s);
/* Records what node's kubelet answered at /stats/summary (borrowed): node.cpu.{time,
 * usageCoreNanoSeconds}, node.memory.workingSetBytes, and per pod (podRef) per container the
 * same plus startTime. A container whose startTime changed, or whose counter went back, starts
 * its history again; pods and containers absent from the summary are dropped. C8S_EINVALID
 * when the summary has no node block. */
int metrics_api_store_put(metrics_api_store_t *s, const char *node, const json_t *summary,
                          c8s_err_t *err);
/* Drops everything known of node (gone, or no longer Ready). */
void metrics_api_store_forget(metrics_api_store_t *s, const char *node);
/* Drops every node not in keep (an object keyed by node name; borrowed). */
void metrics_api_store_retain(metrics_api_store_t *s, const json_t *keep);
/* The NodeMetrics of node, or NULL until two samples give a rate. labels borrowed (may be
 * NULL). Owned. */
json_t *metrics_api_store_node(const metrics_api_store_t *s, const char *node,
                               const json_t *labels);
/* The PodMetrics of ns/name, or NULL until every container of it has a rate. Owned. */
json_t *metrics_api_store_pod(const metrics_api_store_t *s, const char *ns, const char *name,
                              const json_t *labels);
/* An RFC 3339 time with optional fraction in nanoseconds since the epoch; -1 if unparseable. */
int64_t metrics_api_time_ns(const char *s);

#endif
