/*
 * sched.h — the pure core of the scheduler role: node snapshots, pod requests, the filter and
 * score plugins of upstream's default profile, one scheduling decision, and a preemption helper.
 *
 * No I/O, no threads, no locks: the informer-fed queue and the binder live elsewhere and call
 * these. JSON is parsed once into structs (sched_pod_from_json, sched_node_from_json); the hot
 * path (filters and scores) works on those structs only. Resource checks are O(1) per node
 * thanks to aggregates kept on each node (sched_node_add_pod / sched_node_remove_pod).
 *
 * Wording of failure reasons and the unschedulable message follow upstream's scheduler
 * (pkg/scheduler/framework/plugins/...), so `kubectl describe pod` reads the same.
 *
 * Ownership: pods are reference counted (sched_pod_ref / sched_pod_unref, not thread-safe, as
 * the core is single-threaded); a node holds one reference on each pod in its aggregate. Nodes
 * are owned by whoever built them (sched_node_free). Results own their strings
 * (sched_result_clear).
 */
#ifndef C8S_SCHED_H
#define C8S_SCHED_H

#include "c8s/base.h"
#include "c8s/selector.h"
#include <stdbool.h>
#include <stdint.h>

/* ---- Plain data ------------------------------------------------------------------------ */

/* A resource vector: cpu in millicores, memory and ephemeral storage in bytes. */
typedef struct sched_res_s {
    int64_t cpu;
    int64_t mem;
    int64_t eph;
} sched_res_t;

enum { SCHED_PROTO_TCP = 0, SCHED_PROTO_UDP = 1, SCHED_PROTO_SCTP = 2 };

/* A host port: ip "0.0.0.0" when unset (upstream's default), protocol, port. */
typedef struct sched_hostport_s {
    char ip[48];
    int proto;
    int32_t port;
} sched_hostport_t;

/* Taint effects; SCHED_EFFECT_ANY is a toleration's empty effect (matches every effect). */
enum {
    SCHED_EFFECT_ANY = 0,
    SCHED_EFFECT_NO_SCHEDULE = 1,
    SCHED_EFFECT_PREFER_NO_SCHEDULE = 2,
    SCHED_EFFECT_NO_EXECUTE = 3,
};

typedef struct sched_taint_s {
    char *key;
    char *value; /* "" when unset */
    int effect;
} sched_taint_t;

typedef struct sched_toleration_s {
    char *key;   /* "" when unset: with Exists, tolerates every taint */
    char *value; /* "" when unset */
    bool exists; /* operator Exists (else Equal) */
    int effect;  /* SCHED_EFFECT_ANY when unset */
} sched_toleration_t;

/* Node selector requirement operators. */
enum {
    SCHED_OP_IN = 0,
    SCHED_OP_NOT_IN,
    SCHED_OP_EXISTS,
    SCHED_OP_DOES_NOT_EXIST,
    SCHED_OP_GT,
    SCHED_OP_LT,
};

typedef struct sched_nsreq_s {
    char *key;
    int op;
    char **values;
    size_t nvalues;
    int64_t num; /* Gt/Lt: the single value as an integer */
} sched_nsreq_t;

/* A NodeSelectorTerm: every expression and every field requirement must hold. A term with
 * neither matches nothing (upstream). matchFields supports metadata.name only. */
typedef struct sched_nsterm_s {
    sched_nsreq_t *exprs;
    size_t nexprs;
    sched_nsreq_t *fields;
    size_t nfields;
    int32_t weight; /* preferred terms only */
} sched_nsterm_t;

/* A PodAffinityTerm (required or, with weight, preferred). Namespaces default to the owning
 * pod's namespace; an empty namespaceSelector ({}) means every namespace. */
typedef struct sched_podterm_s {
    labelsel_t *sel; /* NULL label selector matches nothing (upstream) */
    char **namespaces;
    size_t nnamespaces;
    bool all_namespaces;
    char *topology_key;
    int32_t weight;
} sched_podterm_t;

/* A TopologySpreadConstraint. */
typedef struct sched_spread_s {
    int32_t max_skew;
    char *topology_key;
    bool hard; /* whenUnsatisfiable DoNotSchedule (else ScheduleAnyway) */
    labelsel_t *sel;
    int32_t min_domains; /* 1 when unset */
} sched_spread_t;

/* A bound PersistentVolume's spec.nodeAffinity.required: the node must match one of its terms. */
typedef struct sched_volaff_s {
    sched_nsterm_t *terms;
    size_t nterms;
} sched_volaff_t;

/* ---- Pods ------------------------------------------------------------------------------ */

typedef struct sched_pod_s {
    int refs;
    char *name;
    char *ns;
    char *uid;
    char *owner_uid; /* the controller ownerReference's uid, or NULL */
    char *node_name; /* spec.nodeName, or NULL */
    json_t *labels;  /* owned reference; always an object */
    int32_t priority;
    int64_t start_ns; /* status.startTime (0 when unset): preemption reprieves older pods first */

    sched_res_t req; /* effective requests (sched_pod_requests) */
    int64_t nz_cpu;  /* scoring requests: 100m / 200Mi for containers that set none */
    int64_t nz_mem;
    bool best_effort; /* no container sets any request or limit for cpu or memory */

    sched_hostport_t *ports;
    size_t nports;

    sched_nsterm_t selector; /* spec.nodeSelector as In requirements; nexprs 0 when unset */
    bool has_required_affinity;
    sched_nsterm_t *required; /* nodeAffinity required terms (ORed) */
    size_t nrequired;
    sched_nsterm_t *preferred;
    size_t npreferred;

    sched_toleration_t *tols;
    size_t ntols;

    sched_podterm_t *aff_req, *anti_req, *aff_pref, *anti_pref;
    size_t naff_req, nanti_req, naff_pref, nanti_pref;

    sched_spread_t *spread;
    size_t nspread;

    char **images; /* normalized (":latest" added when untagged), init then app containers */
    size_t nimages;

    sched_volaff_t *vols; /* node affinity of the PVs its claims are bound to (every one holds) */
    size_t nvols;
} sched_pod_t;

/* Builds a pod from its JSON (borrowed). Returns C8S_EINVALID on malformed quantities,
 * selectors or operators. *out has one reference, owned by the caller. */
int sched_pod_from_json(const json_t *pod, sched_pod_t **out, c8s_err_t *err);
/* Adds the node affinity of a PersistentVolume the pod's claim is bound to: `pv` (borrowed) is
 * the PV object; nothing is added when it has no spec.nodeAffinity.required. The caller resolves
 * claims to volumes (the core does no lookups). Returns C8S_EINVALID on a malformed selector. */
int sched_pod_add_volume(sched_pod_t *pod, const json_t *pv, c8s_err_t *err);
sched_pod_t *sched_pod_ref(sched_pod_t *pod);
void sched_pod_unref(sched_pod_t *pod);

/* Computes a pod's effective requests as upstream (resource helpers' PodRequests): per
 * resource, max(sum over app containers and sidecars, max over init containers) plus
 * spec.overhead; a container with only a limit requests its limit. nz_cpu/nz_mem get the
 * scoring variant where missing cpu/memory requests count as 100m / 200Mi. Fills `out`'s req,
 * nz_cpu, nz_mem and best_effort from the pod spec (borrowed). */
int sched_pod_requests(const json_t *spec, sched_pod_t *out, c8s_err_t *err);

/* ---- Nodes ----------------------------------------------------------------------------- */

typedef struct sched_image_s {
    char *name;
    int64_t size;
} sched_image_t;

typedef struct sched_node_s {
    char *name;
    json_t *labels; /* owned reference; always an object */
    sched_taint_t *taints;
    size_t ntaints;
    bool unschedulable;
    bool ready; /* Ready condition True; informational (upstream filters via taints) */
    sched_res_t alloc;
    int64_t alloc_pods;
    sched_image_t *images; /* sorted by name; one entry per name of status.images */
    size_t nimages;
    char *zone_key; /* "<region>:<zone>" from the topology labels, NULL without either */

    /* Aggregate of pods bound or assumed here. */
    sched_res_t requested;
    int64_t nz_cpu, nz_mem;
    sched_pod_t **pods; /* one reference each */
    size_t npods, cap;
    size_t naffinity;        /* pods with any pod (anti-)affinity term */
    size_t nanti_req;        /* pods with required anti-affinity terms */
    sched_hostport_t *ports; /* used host ports, one entry per pod port */
    size_t nports, ports_cap;
    uint64_t generation; /* bumped on every change to the aggregate */
} sched_node_t;

/* Builds a node from its JSON (borrowed); the aggregate starts empty. Owned by the caller. */
int sched_node_from_json(const json_t *node, sched_node_t **out, c8s_err_t *err);
void sched_node_free(sched_node_t *node);
/* Adds a pod (bound or assumed) to the aggregate; takes a reference. */
void sched_node_add_pod(sched_node_t *node, sched_pod_t *pod);
/* Removes the pod with pod's uid (or, without uid, namespace/name); drops its reference.
 * Returns C8S_ENOTFOUND if it was not there. */
int sched_node_remove_pod(sched_node_t *node, const sched_pod_t *pod, c8s_err_t *err);
/* Size of the named image on this node, or -1 (binary search). */
int64_t sched_node_image_size(const sched_node_t *node, const char *image);
/* Looks a node label up; NULL when absent. Borrowed. */
const char *sched_node_label(const sched_node_t *node, const char *key);

/* ---- Matching helpers (pure) ----------------------------------------------------------- */

bool sched_toleration_tolerates(const sched_toleration_t *t, const sched_taint_t *taint);
bool sched_nsterm_matches(const sched_nsterm_t *term, const sched_node_t *node);
/* True if `pod` is in the term's namespaces and its labels match the selector. */
bool sched_podterm_matches(const sched_podterm_t *term, const sched_pod_t *pod);
/* True if the node satisfies nodeSelector and the required node affinity. */
bool sched_node_matches_pod_affinity(const sched_pod_t *pod, const sched_node_t *node);

/* ---- Per-pod cycle state -------------------------------------------------------------- */

/* What upstream's PreFilter/PreScore compute once per pod over all nodes: topology counts for
 * inter-pod affinity and spreading, image spread. Borrows pod and nodes for its lifetime. */
typedef struct sched_cycle_s sched_cycle_t;

sched_cycle_t *sched_cycle_new(const sched_pod_t *pod, sched_node_t *const *nodes, size_t n);
/* Computes scoring state over the feasible nodes (soft spreading weights, preferred affinity
 * counts). Call once per cycle, before the score functions. */
void sched_cycle_prescore(sched_cycle_t *cy, sched_node_t *const *feasible, size_t nf);
void sched_cycle_free(sched_cycle_t *cy);

/* ---- Filters --------------------------------------------------------------------------- */

#define SCHED_STATUS_MAX 4

/* Failure reasons of one node: up to SCHED_STATUS_MAX strings kept inside (copy-safe). */
typedef struct sched_status_s {
    size_t n;
    uint16_t off[SCHED_STATUS_MAX];
    char buf[640];
} sched_status_t;

const char *sched_status_reason(const sched_status_t *st, size_t i);

/* Each filter returns true when the node passes; otherwise false with reason(s) added to st.
 * Reason strings (upstream's wording): */
#define SCHED_R_UNSCHEDULABLE   "node(s) were unschedulable"
#define SCHED_R_NODE_NAME       "node(s) didn't match the requested node name"
#define SCHED_R_CPU             "Insufficient cpu"
#define SCHED_R_MEMORY          "Insufficient memory"
#define SCHED_R_EPHEMERAL       "Insufficient ephemeral-storage"
#define SCHED_R_TOO_MANY_PODS   "Too many pods"
#define SCHED_R_PORTS           "node(s) didn't have free ports for the requested pod ports"
#define SCHED_R_NODE_AFFINITY   "node(s) didn't match Pod's node affinity/selector"
#define SCHED_R_ANTI_AFFINITY   "node(s) didn't match pod anti-affinity rules"
#define SCHED_R_AFFINITY        "node(s) didn't match pod affinity rules"
#define SCHED_R_EXISTING_ANTI   "node(s) didn't satisfy existing pods anti-affinity rules"
#define SCHED_R_SPREAD          "node(s) didn't match pod topology spread constraints"
#define SCHED_R_SPREAD_MISSING  SCHED_R_SPREAD " (missing required label)"
#define SCHED_R_VOLUME_AFFINITY "node(s) had volume node affinity conflict"

bool sched_filter_unschedulable(const sched_cycle_t *cy, const sched_node_t *n, sched_status_t *st);
bool sched_filter_node_name(const sched_cycle_t *cy, const sched_node_t *n, sched_status_t *st);
bool sched_filter_taints(const sched_cycle_t *cy, const sched_node_t *n, sched_status_t *st);
bool sched_filter_node_affinity(const sched_cycle_t *cy, const sched_node_t *n, sched_status_t *st);
bool sched_filter_ports(const sched_cycle_t *cy, const sched_node_t *n, sched_status_t *st);
bool sched_filter_resources(const sched_cycle_t *cy, const sched_node_t *n, sched_status_t *st);
bool sched_filter_spread(const sched_cycle_t *cy, const sched_node_t *n, sched_status_t *st);
bool sched_filter_inter_pod(const sched_cycle_t *cy, const sched_node_t *n, sched_status_t *st);
/* VolumeBinding for bound claims: the node satisfies every volume's node affinity. */
bool sched_filter_volumes(const sched_cycle_t *cy, const sched_node_t *n, sched_status_t *st);
/* All of the above in upstream's default order, stopping at the first failing plugin. */
bool sched_filter_all(const sched_cycle_t *cy, const sched_node_t *n, sched_status_t *st);

/* Pure resource/port checks against a given aggregate, used by preemption. */
bool sched_fits_resources(const sched_pod_t *pod, const sched_node_t *node, sched_status_t *st);
bool sched_fits_ports(const sched_pod_t *pod, const sched_node_t *node);

/* ---- Scores ---------------------------------------------------------------------------- */

/* Raw per-node scores; those marked "normalized" must go through their normalize function over
 * the scored nodes (in place) before weighting. All end in 0..100. */
int64_t sched_score_least_allocated(const sched_cycle_t *cy, const sched_node_t *n);
int64_t sched_score_balanced(const sched_cycle_t *cy, const sched_node_t *n);
int64_t sched_score_image_locality(const sched_cycle_t *cy, const sched_node_t *n);
int64_t sched_score_node_affinity(const sched_cycle_t *cy, const sched_node_t *n); /* normalized */
int64_t sched_score_taints(const sched_cycle_t *cy, const sched_node_t *n);        /* normalized */
int64_t sched_score_inter_pod(const sched_cycle_t *cy, const sched_node_t *n);     /* normalized */
int64_t sched_score_spread(const sched_cycle_t *cy, const sched_node_t *n);        /* normalized */
int64_t sched_score_owner_spread(const sched_cycle_t *cy, const sched_node_t *n);  /* normalized */

/* Upstream's DefaultNormalizeScore: scale to 0..100 by the maximum; reversed gives 100 - x. */
void sched_normalize_default(int64_t *scores, size_t n, bool reverse);
void sched_normalize_inter_pod(const sched_cycle_t *cy, int64_t *scores, size_t n);
void sched_normalize_spread(const sched_cycle_t *cy, sched_node_t *const *nodes, int64_t *scores,
                            size_t n);
void sched_normalize_owner_spread(const sched_cycle_t *cy, sched_node_t *const *nodes,
                                  int64_t *scores, size_t n);

/* ---- One decision ---------------------------------------------------------------------- */

/* Plugin weights; upstream's default profile by sched_weights_default. */
typedef struct sched_weights_s {
    int64_t least_allocated; /* NodeResourcesFit: 1 */
    int64_t balanced;        /* NodeResourcesBalancedAllocation: 1 */
    int64_t image_locality;  /* ImageLocality: 1 */
    int64_t node_affinity;   /* NodeAffinity: 2 */
    int64_t taints;          /* TaintToleration: 3 */
    int64_t inter_pod;       /* InterPodAffinity: 2 */
    int64_t spread;          /* PodTopologySpread: 2 */
    int64_t owner_spread;    /* SelectorSpread (legacy): 1 */
} sched_weights_t;

extern const sched_weights_t sched_weights_default;

typedef struct sched_opts_s {
    const sched_weights_t *weights; /* NULL: defaults */
    /* percentageOfNodesToScore: 0 adaptive (upstream: 50 - n/125, at least 5%, at least 100
     * nodes); 1..100 fixed. Filtering stops once that many feasible nodes are found. */
    int percentage;
    size_t start_index; /* where filtering starts (upstream rotates it between pods) */
    /* The caller knows that no pod on the nodes has any pod affinity or anti-affinity term:
     * a pod without such terms then skips the inter-pod passes over every node (upstream's
     * snapshot keeps the list of such nodes for the same reason). False is always correct. */
    bool affinity_free;
    /* Random source for tie-breaking; NULL picks the first best node. */
    uint64_t (*rand)(void *ctx);
    void *rand_ctx;
} sched_opts_t;

/* A xorshift64* step over *(uint64_t *)ctx, which must be non-zero; for sched_opts_t.rand. */
uint64_t sched_rand_xorshift(void *ctx);

typedef struct sched_reason_count_s {
    char *reason;
    size_t count;
} sched_reason_count_t;

typedef struct sched_result_s {
    sched_node_t *node;            /* borrowed from the input; NULL when nothing fits */
    int64_t score;                 /* the chosen node's weighted total */
    size_t evaluated;              /* nodes filtered */
    size_t feasible;               /* nodes that passed */
    size_t next_start;             /* start_index for the next pod */
    sched_reason_count_t *reasons; /* owned; per-reason node counts when nothing fits */
    size_t nreasons;
    char *message; /* owned; "0/3 nodes are available: ..." when nothing fits, else NULL */
} sched_result_t;

/* Filters, scores and picks a node for pod. Returns 0 (out->node may be NULL: unschedulable,
 * with message and reasons). Nodes are not changed: the caller assumes the pod onto the chosen
 * node with sched_node_add_pod. */
int sched_schedule_one(const sched_pod_t *pod, sched_node_t *const *nodes, size_t n,
                       const sched_opts_t *opts, sched_result_t *out);
void sched_result_clear(sched_result_t *r);
/* Upstream's FitError text for n nodes from counted reasons (sorted as upstream sorts the
 * "<count> <reason>" strings). Owned. */
char *sched_fit_message(size_t n, const sched_reason_count_t *reasons, size_t nreasons);

/* ---- Preemption ------------------------------------------------------------------------ */

typedef struct sched_preempt_s {
    sched_node_t *node; /* borrowed; NULL when no node can be made to fit */
    char **victims;     /* owned "namespace/name" strings */
    size_t nvictims;
} sched_preempt_t;

/* For a pod that fits nowhere: on each node that passes the non-resource filters, removes all
 * pods of lower priority, checks resources and ports fit, then reprieves victims from highest
 * priority down while it still fits (upstream's SelectVictimsOnNode). Picks the node by
 * upstream's order: lowest highest-victim priority, then lowest priority sum, then fewest
 * victims, then first. Nodes are unchanged on return. */
int sched_preempt_candidates(const sched_pod_t *pod, sched_node_t *const *nodes, size_t n,
                             sched_preempt_t *out, c8s_err_t *err);
void sched_preempt_clear(sched_preempt_t *p);

#endif
