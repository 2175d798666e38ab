/*
 * hpa.h — the pure decisions of the HorizontalPodAutoscaler (autoscaling/v2), apart from any I/O
 * so they can be tested on their own: the replica count a resource metric asks for (upstream's
 * replica calculator, with its tolerance and its handling of missing and unready pods), and the
 * normalisation of that count (stabilization windows, min/max, the default scale-up limit or the
 * behavior's rate policies). Times are the caller's clock in seconds. All arguments are borrowed.
 */
#ifndef C8S_HPA_H
#define C8S_HPA_H

#include "c8s/base.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Upstream's default --horizontal-pod-autoscaler-tolerance. */
#define HPA_TOLERANCE 0.1
/* Upstream's default --horizontal-pod-autoscaler-downscale-stabilization (seconds). */
#define HPA_DOWNSCALE_WINDOW 300

/* How a pod counts in the calculation (the caller decides it from the pod and its metric, as
 * upstream's groupPods: deleted or Failed pods are ignored; Pending pods, and for CPU pods not yet
 * Ready or whose sample predates their readiness within the initialization period, are unready;
 * a pod without a sample is missing). */
typedef enum {
    HPA_POD_OK = 0,
    HPA_POD_IGNORED,
    HPA_POD_UNREADY,
    HPA_POD_MISSING,
} hpa_pod_state_t;

typedef struct hpa_pod_s {
    hpa_pod_state_t state;
    int64_t usage;   /* the metric: milli-CPU or bytes, summed over the pod's containers */
    int64_t request; /* the summed requests of the same resource; 0 when not all set */
} hpa_pod_t;

/* The outcome of one metric. */
typedef struct hpa_calc_s {
    int replicas;        /* the replica count the metric asks for */
    int utilization;     /* current utilization in percent (utilization targets only) */
    int64_t average;     /* current average usage per pod with a sample */
    int ready_pod_count; /* pods that had a usable sample */
} hpa_calc_t;

/* A Utilization target (percent of the pods' requests). current_replicas is the scale target's
 * status.replicas. Fails with C8S_EINVALID when no pod has a sample, or a sampled pod has no
 * request (upstream: "missing request for cpu"). */
int hpa_calc_utilization(const hpa_pod_t *pods, size_t n, int current_replicas, int target_percent,
                         double tolerance, hpa_calc_t *out, c8s_err_t *err);
/* An AverageValue target (milli-CPU or bytes per pod). Same failures but for requests. */
int hpa_calc_average_value(const hpa_pod_t *pods, size_t n, int current_replicas,
                           int64_t target_average, double tolerance, hpa_calc_t *out,
                           c8s_err_t *err);

/* Earlier recommendations, kept by the controller per HPA. */
typedef struct hpa_rec_s {
    int64_t at;
    int replicas;
} hpa_rec_t;

/* Past scaling actions (for the rate policies): a positive delta is a scale-up. */
typedef struct hpa_event_s {
    int64_t at;
    int delta;
} hpa_event_t;

typedef enum {
    HPA_SELECT_MAX = 0,
    HPA_SELECT_MIN,
    HPA_SELECT_DISABLED,
} hpa_select_t;

typedef struct hpa_policy_s {
    bool percent; /* type Percent; otherwise Pods */
    int value;
    int period; /* periodSeconds */
} hpa_policy_t;

/* One direction of spec.behavior. */
typedef struct hpa_rules_s {
    int window; /* stabilizationWindowSeconds */
    hpa_select_t select;
    hpa_policy_t policies[8];
    size_t n_policies;
} hpa_rules_t;

typedef struct hpa_behavior_s {
    hpa_rules_t up, down;
} hpa_behavior_t;

/* Upstream's defaults for a behavior (or one direction of it) left out: scale up by 100% or 4
 * pods per 15 s whichever is more, with no window; scale down by 100% per 15 s after a 300 s
 * window. */
void hpa_behavior_default(hpa_behavior_t *b);

/* Why the count was limited (the ScalingLimited condition's reason), or NULL. Static strings. */
typedef struct hpa_limit_s {
    int replicas;
    int stabilized;      /* the recommendation after the stabilization window(s), before limits */
    const char *reason;  /* "TooFewReplicas", "TooManyReplicas", "ScaleUpLimit", "ScaleDownLimit" */
    const char *message; /* e.g. "the desired replica count is more than the maximum replica
                          * count" */
} hpa_limit_t;

/* Normalises `desired` for the scale target at `current` replicas. recs (n_recs, capacity cap)
 * is updated in place: entries older than the longest window are dropped and this
 * recommendation appended; *n_recs is the new count. With behavior NULL it is upstream's
 * normalizeDesiredReplicas (the largest recommendation of the last `down_window` seconds, then
 * min/max and a scale-up of at most max(2 x current, 4)); otherwise
 * normalizeDesiredReplicasWithBehaviors, and events (n_events) are the scaling actions the rate
 * policies look back on. */
void hpa_normalize(int current, int desired, int min_replicas, int max_replicas, int down_window,
                   const hpa_behavior_t *behavior, const hpa_event_t *events, size_t n_events,
                   hpa_rec_t *recs, size_t *n_recs, size_t cap, int64_t now, hpa_limit_t *out);

#endif
