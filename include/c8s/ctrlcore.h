/*
 * ctrlcore.h — the pure decisions of the ReplicaSet and Deployment controllers, apart from any
 * I/O so they can be tested on their own: pod readiness and availability, the order in which a
 * ReplicaSet gives up pods when scaling down, the pod-template-hash, maxSurge/maxUnavailable
 * arithmetic and the rolling-update steps, as upstream's controller utilities decide them.
 * Every json_t argument is borrowed.
 */
#ifndef C8S_CTRLCORE_H
#define C8S_CTRLCORE_H

#include "c8s/base.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* RFC 3339 ("2026-11-23T00:44:26Z", fractions ignored) to seconds since the epoch; -1 if not
 * parseable. */
int64_t ctrlcore_parse_time(const char *s);

/* The Ready condition is True. */
bool ctrlcore_pod_ready(const json_t *pod);
/* Seconds since the epoch at which the pod last became Ready (its condition's
 * lastTransitionTime), or -1. */
int64_t ctrlcore_pod_ready_since(const json_t *pod);
/* Ready for at least min_ready seconds at `now`. When ready but not yet available, *wait_s (may
 * be NULL) is the seconds still to wait; otherwise 0. */
bool ctrlcore_pod_available(const json_t *pod, int64_t min_ready, int64_t now, int64_t *wait_s);
/* Counts toward a controller: not being deleted, not Succeeded nor Failed. */
bool ctrlcore_pod_active(const json_t *pod);

/* Upstream's ActivePods order: true if a should be deleted before b when scaling down —
 * unscheduled before scheduled, Pending before Unknown before Running, not ready before ready,
 * ready for less time before longer, more restarts before fewer, newer before older (then by
 * name, so the order is total). */
bool ctrlcore_delete_before(const json_t *a, const json_t *b);
/* Sorts pods (an array of borrowed pointers) into that order: victims first. */
void ctrlcore_sort_victims(const json_t **pods, size_t n);

/* The sizes of the slow-start batches for creating n pods: 1, 2, 4, … never more than what is
 * left. Returns the size of batch number i (0-based) given how many were already sent, 0 when
 * done. */
int ctrlcore_slow_start_batch(int n, int sent, int batch_index);

/* An IntOrString (integer, "25%", or "3") scaled against total: percentages round up when
 * round_up, down otherwise; a missing value is `dflt`. C8S_EINVALID on a malformed value. */
int ctrlcore_int_or_percent(const json_t *v, int total, bool round_up, int dflt, int *out,
                            c8s_err_t *err);
/* maxSurge (rounded up) and maxUnavailable (rounded down) of a rollingUpdate object for
 * `replicas`; both 0 gives maxUnavailable 1, as upstream's ResolveFenceposts. */
int ctrlcore_fenceposts(const json_t *rolling_update, int replicas, int *surge, int *unavailable,
                        c8s_err_t *err);

/* The pod-template-hash of a template (FNV-1a 32 over its canonical JSON with sorted keys and
 * without any pod-template-hash label, mixed with collision_count when ≥ 0), written as
 * upstream's SafeEncodeString of the decimal value into out (at least 16 bytes). */
void ctrlcore_template_hash(const json_t *tmpl, int64_t collision_count, char *out, size_t len);
/* Two templates equal but for the pod-template-hash label (upstream's EqualIgnoreHash). */
bool ctrlcore_template_equal_ignore_hash(const json_t *a, const json_t *b);

/* One ReplicaSet as the rollout arithmetic sees it. */
typedef struct ctrlcore_rs_s {
    int replicas;  /* spec.replicas */
    int actual;    /* status.replicas */
    int available; /* status.availableReplicas */
    int64_t created;
    int max_before; /* its max-replicas annotation (the deployment's size + surge when last
                     * scaled), 0 if absent */
} ctrlcore_rs_t;

/* The pods a set of ReplicaSets stands for: per RS the larger of spec and status, so a
 * scale-down not yet carried out still counts. */
int ctrlcore_pod_count(const ctrlcore_rs_t *rs, size_t n);

/* The new ReplicaSet's size for one RollingUpdate step (upstream's NewRSNewReplicas): grow
 * toward replicas without the total passing replicas + surge. cur_total counts every RS
 * (ctrlcore_pod_count). */
int ctrlcore_rolling_new_size(int replicas, int surge, int cur_total, int new_size);

/* The old ReplicaSets' sizes for one RollingUpdate step (upstream's reconcileOldReplicaSets:
 * first unhealthy replicas, then healthy ones oldest first, never below replicas - maxUnavailable
 * available). old[] is in any order; their .replicas are updated in place. Returns how many
 * replicas were taken away in total. */
int ctrlcore_rolling_scale_old(int replicas, int unavailable, const ctrlcore_rs_t *new_rs,
                               ctrlcore_rs_t *old, size_t n_old);

/* Proportional scaling (upstream's scale() for several active ReplicaSets during a
 * RollingUpdate): the deployment now wants `replicas` with `surge`; the difference between
 * replicas + surge and what the active ReplicaSets hold is shared out in proportion to their
 * sizes (each scaled by (replicas + surge) / max_before, rounded; status_replicas stands in for
 * a missing max_before), larger ReplicaSets first (newer first when growing, older first when
 * shrinking), the rounding leftover to the first. rs[] holds the active ones (spec > 0); their
 * .replicas are updated in place. */
void ctrlcore_proportional_scale(int replicas, int surge, int status_replicas, ctrlcore_rs_t *rs,
                                 size_t n);

/* Expectations, as upstream's ControllerExpectations (with deletions tracked per pod, as its
 * UIDTrackingControllerExpectations): what an owner (key "ns/name") has asked for and not yet
 * seen in its informer. The clock is the caller's (milliseconds), so this stays pure. */
typedef struct ctrlcore_expect_s ctrlcore_expect_t;
/* ttl_ms: after this long unseen writes are given up on (upstream: 5 minutes). Owned. */
ctrlcore_expect_t *ctrlcore_expect_new(uint64_t ttl_ms);
void ctrlcore_expect_free(ctrlcore_expect_t *x);
/* Replaces the owner's expectations: `adds` creations, and the deletion of each pod key given
 * (copied). */
void ctrlcore_expect_set(ctrlcore_expect_t *x, const char *owner, int adds,
                         const char *const *pod_keys, size_t n, uint64_t now_ms);
/* One creation seen (or failed, so never to be seen). */
void ctrlcore_expect_created(ctrlcore_expect_t *x, const char *owner);
/* The deletion of pod_key seen (or failed); true if the owner was waiting for it. With owner
 * NULL every owner is looked at, and the one that waited is returned in *found (borrowed until
 * the next call; may be NULL). */
bool ctrlcore_expect_deleted(ctrlcore_expect_t *x, const char *owner, const char *pod_key,
                             const char **found);
/* Nothing is awaited, or the wait has outlived the TTL (*expired set when that is why; may be
 * NULL). */
bool ctrlcore_expect_satisfied(const ctrlcore_expect_t *x, const char *owner, uint64_t now_ms,
                               bool *expired);
/* The owner is gone: drop its expectations. */
void ctrlcore_expect_forget(ctrlcore_expect_t *x, const char *owner);

#endif
