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

#endif
