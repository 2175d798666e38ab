/*
 * apf.h — API Priority and Fairness in its essentials (upstream's flowcontrol): the built-in
 * priority levels and flow schemas, classification of a request into (flow schema, priority
 * level, flow), and the fair-queuing core of one priority level.
 *
 * Everything here is pure: no I/O, no clock (times are passed in), so that the dispatch order can
 * be simulated deterministically. The API server's glue (src/apiserver/apf.c) holds requests in
 * apf_item_t records and answers them.
 */
#ifndef C8S_APF_H
#define C8S_APF_H

#include "c8s/auth.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A built-in PriorityLevelConfiguration (flowcontrol.apiserver.k8s.io/v1). */
typedef struct apf_pl_s {
    const char *name;
    const char *uid; /* stable, shown in X-Kubernetes-PF-PriorityLevel-UID */
    bool exempt;
    int shares;  /* nominalConcurrencyShares */
    bool reject; /* limitResponse Reject (no queues) */
    int queues, hand_size, queue_length_limit;
} apf_pl_t;

typedef enum { APF_DIST_NONE = 0, APF_DIST_BY_USER, APF_DIST_BY_NAMESPACE } apf_dist_t;

/* A built-in FlowSchema. Its matching is code (apf_classify), its identity data. */
typedef struct apf_fs_s {
    const char *name;
    const char *uid; /* stable, shown in X-Kubernetes-PF-FlowSchema-UID */
    int precedence;  /* matchingPrecedence */
    const char *pl;  /* priority level name */
    apf_dist_t dist;
} apf_fs_t;

/* The built-in tables, in upstream's order (the flow schemas by matching precedence). */
extern const apf_pl_t apf_priority_levels[];
extern const size_t apf_n_priority_levels;
extern const apf_fs_t apf_flow_schemas[];
extern const size_t apf_n_flow_schemas;

const apf_pl_t *apf_pl_lookup(const char *name);

/* Classifies a request as upstream's built-in flow schemas do: the first schema (by matching
 * precedence) whose subjects and rules match. u may be NULL (treated as system:anonymous). Sets
 * *fs and *pl (borrowed, static) and returns the flow distinguisher (owned: the user name, the
 * namespace, or "" for none). */
char *apf_classify(const auth_user_t *u, const auth_attrs_t *a, const apf_fs_t **fs,
                   const apf_pl_t **pl);

/* The nominal concurrency limit of each level: ceil(total * shares / sum of the non-exempt
 * levels' shares), at least 1; 0 for exempt levels. out has apf_n_priority_levels entries. */
void apf_concurrency_limits(int total, int *out);

/* The flow's hash (FNV-1a 64 of schema name, NUL, distinguisher), what shuffle sharding deals
 * hands from. */
uint64_t apf_flow_hash(const char *fs_name, const char *distinguisher);

/* Deals the hand of hand_size distinct queue indices (of n_queues) for hash h, as a shuffle
 * sharding dealer does: h read as a mixed-radix number. out has hand_size entries. */
void apf_deal(uint64_t h, int n_queues, int hand_size, int *out);

/* One queued or executing request. Embedded in the caller's record; the queue set only links
 * it. */
typedef struct apf_item_s {
    struct apf_item_s *next;
    int queue; /* index, or -1 before enqueue */
    double enqueued_at, dispatched_at;
    bool executing;
    void *data; /* the caller's */
} apf_item_t;

/* The fair-queuing state of one priority level. */
typedef struct apf_qset_s apf_qset_t;

typedef enum {
    APF_DISPATCHED = 0, /* a seat was free: execute now */
    APF_QUEUED,         /* waiting: apf_qset_next returns it when a seat frees */
    APF_REJECTED,       /* queue full (or a Reject level with no free seat): answer 429 */
} apf_verdict_t;

/* A queue set with `limit` seats; queues/hand_size/qlen as the level's queuing config (queues 0:
 * no queuing, excess is rejected). Owned; free with apf_qset_free. */
apf_qset_t *apf_qset_new(int limit, int queues, int hand_size, int qlen);
void apf_qset_free(apf_qset_t *q);
/* Offers item it (of flow hash h) at time now (seconds). */
apf_verdict_t apf_qset_offer(apf_qset_t *q, apf_item_t *it, uint64_t h, double now);
/* The next item to execute when a seat is free (marked executing), or NULL. Call repeatedly
 * after apf_qset_done until NULL. Among the non-empty queues it takes the head of the one with
 * the least virtual work dispatched (upstream's fair queuing: virtual start time of the next
 * request, each request costing one seat for an estimated service time, corrected when it ends). */
apf_item_t *apf_qset_next(apf_qset_t *q, double now);
/* An executing item has ended at time now: its seat is free again. */
void apf_qset_done(apf_qset_t *q, apf_item_t *it, double now);
/* Removes a waiting item (its wait timed out or its client left). */
void apf_qset_remove(apf_qset_t *q, apf_item_t *it);
/* The oldest waiting item enqueued at or before `before`, or NULL (for queue-wait timeouts). */
apf_item_t *apf_qset_expired(apf_qset_t *q, double before);

/* Figures for metrics and the debug dumps. */
int apf_qset_limit(const apf_qset_t *q);
int apf_qset_executing(const apf_qset_t *q);
int apf_qset_waiting(const apf_qset_t *q);
int apf_qset_n_queues(const apf_qset_t *q);
/* Queue i: its waiting count, executing count and virtual start (seconds of virtual time). */
void apf_qset_queue_info(const apf_qset_t *q, int i, int *waiting, int *executing, double *vstart);
/* The first waiting item of queue i (follow ->next), for the request dump. */
const apf_item_t *apf_qset_queue_head(const apf_qset_t *q, int i);

#endif
