/*
 * eviction.h — the pure core of the kubelet's eviction manager: hard thresholds on the node's
 * memory.available and nodefs.available (upstream's --eviction-hard syntax and defaults), which
 * are met, the ranking of pods to evict under memory or disk pressure, and upstream's status
 * message for an evicted pod. No I/O: the kubelet measures and feeds the figures in.
 */
#ifndef C8S_EVICTION_H
#define C8S_EVICTION_H

#include "c8s/base.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Upstream's default hard thresholds on Linux (the image filesystem is the node's here). */
#define EVICTION_HARD_DEFAULT "memory.available<100Mi,nodefs.available<10%"

typedef enum { EVICTION_MEMORY, EVICTION_DISK, EVICTION_NSIGNALS } eviction_signal_t;

/* One threshold: a quantity in bytes, or a percentage of capacity (percent > 0). */
typedef struct eviction_threshold_s {
    eviction_signal_t signal;
    int64_t bytes;
    double percent;
} eviction_threshold_t;

/* Parses "memory.available<100Mi,nodefs.available<10%" (upstream's flag; "" for none). At most
 * one threshold per signal (the last wins). Returns 0 or C8S_EINVALID (unknown signal, an
 * operator other than <, a bad quantity or percentage). */
int eviction_parse(const char *spec, eviction_threshold_t out[EVICTION_NSIGNALS],
                   bool have[EVICTION_NSIGNALS], c8s_err_t *err);

/* The threshold's quantity in bytes against a capacity. */
int64_t eviction_threshold_bytes(const eviction_threshold_t *t, int64_t capacity);

/* Whether available < the threshold's quantity. */
bool eviction_met(const eviction_threshold_t *t, int64_t available, int64_t capacity);

/* "memory", "ephemeral-storage": the resource a signal reclaims (static). */
const char *eviction_resource(eviction_signal_t s);
/* "MemoryPressure", "DiskPressure" (static). */
const char *eviction_condition(eviction_signal_t s);

/* A candidate: the pod (borrowed) and its measured usage of the signal's resource (bytes). */
typedef struct eviction_pod_s {
    const json_t *pod;
    int64_t usage;
    int64_t request; /* filled by eviction_rank: memory or ephemeral-storage requests */
    int32_t priority;
} eviction_pod_t;

/* Orders pods for eviction under signal as upstream's ranking does: pods whose usage exceeds
 * their requests first, then lower priority first, then the larger usage above requests first —
 * so BestEffort pods go first, then Burstable pods over their requests, and Guaranteed pods
 * (which cannot exceed) last. Stable for equal keys. */
void eviction_rank(eviction_pod_t *pods, size_t n, eviction_signal_t signal);

/* Upstream's status message for a pod evicted under signal (owned): "The node was low on
 * resource: memory. Threshold quantity: 100Mi, available: 51200Ki. " (the threshold in the
 * largest binary unit it is a whole number of). */
char *eviction_message(eviction_signal_t signal, const eviction_threshold_t *t, int64_t available,
                       int64_t capacity);

#endif
