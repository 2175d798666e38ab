/*
 * sched_int.h — internals shared by the scheduler room's files: the per-pod cycle state and a
 * small topology-pair counter map. Not for other rooms.
 */
#ifndef C8S_SCHED_INT_H
#define C8S_SCHED_INT_H

#include "c8s/sched.h"

#define SCHED_LABEL_HOSTNAME "kubernetes.io/hostname"
#define SCHED_LABEL_ZONE     "topology.kubernetes.io/zone"
#define SCHED_LABEL_REGION   "topology.kubernetes.io/region"
#define SCHED_MAX_SCORE      100

/* Counts keyed by a topology pair (label key, label value), stored as "key=value" (label keys
 * never contain '='). Open addressing, linear probing; lookups never allocate. */
typedef struct sched__tmap_s {
    char **keys;
    int64_t *vals;
    size_t cap, len;
} sched__tmap_t;

void sched__tmap_free(sched__tmap_t *m);
/* The counter for (key, value); created at 0 when `create`, else NULL when absent. */
int64_t *sched__tmap_get(sched__tmap_t *m, const char *key, const char *value, bool create);
int64_t sched__tmap_value(const sched__tmap_t *m, const char *key, const char *value);
/* Adds delta to (node's value for key) when the node has the label (upstream's update). */
void sched__tmap_add_node(sched__tmap_t *m, const sched_node_t *node, const char *key,
                          int64_t delta);

typedef struct sched__spread_state_s {
    const sched_spread_t *c;
    sched__tmap_t counts; /* per domain value of c->topology_key */
    int64_t min;          /* over domains; 0 when fewer domains than minDomains */
    double weight;        /* soft: log(domains + 2) */
    bool self_match;      /* the incoming pod matches c->sel */
} sched__spread_state_t;

struct sched_cycle_s {
    const sched_pod_t *pod;
    sched_node_t *const *nodes;
    size_t n;

    /* InterPodAffinity filter state (upstream's preFilterState). */
    sched__tmap_t aff, anti, existing_anti;
    bool self_affinity; /* the pod matches all its own required affinity terms */

    /* PodTopologySpread: hard constraints (PreFilter) and soft ones (PreScore). */
    sched__spread_state_t *hard, *soft;
    size_t nhard, nsoft;

    /* ImageLocality: nodes holding each of pod->images. */
    int64_t *image_nodes;

    /* InterPodAffinity scoring: per topology pair. */
    sched__tmap_t pref;
    bool pref_any;

    bool affinity_free; /* no pod on any node has a pod (anti-)affinity term (caller's hint) */
};

/* sched_cycle_new, told whether any pod on the nodes has pod (anti-)affinity terms: when none
 * has, a pod without terms of its own skips the inter-pod passes over every node. */
sched_cycle_t *sched__cycle_new(const sched_pod_t *pod, sched_node_t *const *nodes, size_t n,
                                bool affinity_free);

/* Number of pods on node in namespace ns whose labels match sel. */
int64_t sched__count_matching(const sched_node_t *node, const labelsel_t *sel, const char *ns);
bool sched__fits_raw(const sched_pod_t *pod, const sched_res_t *alloc, int64_t alloc_pods,
                     const sched_res_t *used, int64_t npods, sched_status_t *st);
bool sched__port_conflict(const sched_hostport_t *want, const sched_hostport_t *used);
int sched__parse_effect(const char *s);
void sched__status_add(sched_status_t *st, const char *reason);

#endif
