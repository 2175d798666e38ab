/* internal.h — what the controllers share: the manager's loop and client, and each controller's
 * start/stop entry. Everything runs on the controller thread. */
#ifndef C8S_CONTROLLERS_INTERNAL_H
#define C8S_CONTROLLERS_INTERNAL_H

#include "c8s/client.h"
#include "c8s/controllers.h"
#include "c8s/informer.h"
#include "c8s/kinds.h"
#include "c8s/auth.h"
#include "c8s/pki.h"
#include "c8s/tz.h"
#include "c8s/workqueue.h"

typedef struct ctrl_s ctrl_t;

/* One controller: started once the loop runs; stopped (asynchronously: it calls done when it
 * has let go of everything) when the manager stops. */
typedef struct ctrl_ops_s {
    const char *name;
    ctrl_t *(*start)(controllers_t *cm);
    void (*stop)(ctrl_t *ctrl, void (*done)(void *data), void *data);
} ctrl_ops_t;

extern const ctrl_ops_t controllers__namespace;
extern const ctrl_ops_t controllers__serviceaccount;
extern const ctrl_ops_t controllers__gc;
extern const ctrl_ops_t controllers__endpoints;
extern const ctrl_ops_t controllers__endpointslice;
extern const ctrl_ops_t controllers__endpointslicemirroring;
extern const ctrl_ops_t controllers__statefulset;
extern const ctrl_ops_t controllers__daemonset;

extern const ctrl_ops_t controllers__replicaset;
extern const ctrl_ops_t controllers__replicationcontroller;
extern const ctrl_ops_t controllers__deployment;
extern const ctrl_ops_t controllers__servicelb;

extern const ctrl_ops_t controllers__cronjob;
extern const ctrl_ops_t controllers__job;
extern const ctrl_ops_t controllers__nodelifecycle;
extern const ctrl_ops_t controllers__podgc;

/* ---- node IPAM (nodeipam_core.c) ---- */

/* The cluster CIDR cut into count per-node ranges of mask_size bits (base host-order). */
typedef struct {
    uint32_t base;
    int prefix, mask_size;
    size_t count;
} controllers_ipam_t;
/* C8S_EINVALID when cluster_cidr is not an IPv4 CIDR or mask_size does not fit it (at most 2^16
 * ranges). */
int controllers__ipam_init(controllers_ipam_t *ipam, const char *cluster_cidr, int mask_size,
                           c8s_err_t *err);
/* The same with cfg's cluster CIDR and mask size or their defaults (cfg may be NULL). */
int controllers__ipam_init_config(controllers_ipam_t *ipam, const controllers_config_t *cfg,
                                  c8s_err_t *err);
/* The index of the range cidr is, or -1 when it is not exactly one of the ranges. */
long controllers__ipam_index(const controllers_ipam_t *ipam, const char *cidr);
/* Writes range index ("10.244.3.0/24") into out. */
void controllers__ipam_format(const controllers_ipam_t *ipam, size_t index, char *out, size_t len);
/* The manager's cluster CIDR and node mask size (its config; defaults 10.244.0.0/16, 24). */
const controllers_ipam_t *controllers__ipam(controllers_t *cm);
extern const ctrl_ops_t controllers__rootcacert;

/* The CA bundle to publish as kube-root-ca.crt (borrowed), or NULL. */
const char *controllers__root_ca(controllers_t *cm);

/* ---- certificates (certificates.c, csr_core.c) ---- */

extern const ctrl_ops_t controllers__csr;
extern const ctrl_ops_t controllers__bootstrapsigner;
/* The signing CA's certificate and key (PEM, borrowed), NULL when not configured; how long
 * issued certificates live at most (seconds); the API server's URL for cluster-info (borrowed,
 * or NULL). */
const char *controllers__signing_cert(controllers_t *cm);
const char *controllers__signing_key(controllers_t *cm);
long long controllers__signing_duration(controllers_t *cm);
const char *controllers__cluster_server(controllers_t *cm);

#define CSR_SIGNER_CLIENT          "kubernetes.io/kube-apiserver-client"
#define CSR_SIGNER_KUBELET_CLIENT  "kubernetes.io/kube-apiserver-client-kubelet"
#define CSR_SIGNER_KUBELET_SERVING "kubernetes.io/kubelet-serving"

/* Whether csr has a condition of type (status True). */
bool controllers__csr_has(const json_t *csr, const char *type);
/* Decodes and parses spec.request into *info (clear with pki_csr_info_clear), and spec.usages
 * into PKI_USAGE_* bits (*other: a usage outside those four). -1 for an unreadable request. */
int controllers__csr_info(const json_t *csr, pki_csr_info_t *info, unsigned *usages, bool *other);
/* NULL when the request is one upstream's signer would sign for its signerName, else why not
 * (static text). */
const char *controllers__csr_signer_problem(const char *signer, const pki_csr_info_t *info,
                                            unsigned usages, bool other);
/* upstream's isNodeClientCert / serving shape checks: NULL when it is one, else why not. */
const char *controllers__csr_node_client_problem(const pki_csr_info_t *info, unsigned usages,
                                                 bool other);
const char *controllers__csr_serving_problem(const pki_csr_info_t *info, unsigned usages,
                                             bool other);
/* Whether a kubelet-serving CSR is approved without a person: its requester is the node it
 * names (username system:node:<n> in system:nodes) and every DNS name and IP it asks for is
 * the node's name or one of node's status.addresses (node borrowed, may be NULL: false). */
bool controllers__csr_serving_approvable(const json_t *csr, const pki_csr_info_t *info,
                                         unsigned usages, bool other, const json_t *node);

/* ---- the CSR cleaner (csrcleaner.c, csrclean_core.c) ---- */

extern const ctrl_ops_t controllers__csrcleaner;
/* How long finished and pending CSRs are kept (ms): upstream's approvedExpiration and
 * deniedExpiration (1 h, the latter for Failed too) and pendingExpiration (24 h). */
typedef struct {
    int64_t approved_ms, denied_ms, pending_ms;
} controllers_csrclean_ages_t;
#define CSRCLEAN_APPROVED_MS (3600LL * 1000)
#define CSRCLEAN_DENIED_MS   (3600LL * 1000)
#define CSRCLEAN_PENDING_MS  (24LL * 3600 * 1000)
/* Whether csr (borrowed) is to be deleted at now_ms (epoch ms). When not, *recheck_ms is how
 * long until it will be as it stands (0: never, until it changes). */
bool controllers__csrclean_due(const json_t *csr, const controllers_csrclean_ages_t *ages,
                               int64_t now_ms, int64_t *recheck_ms);

extern const ctrl_ops_t controllers__clusterroleaggregation;

extern const ctrl_ops_t controllers__resourcequota;

extern const ctrl_ops_t controllers__hpa;
/* How often each HorizontalPodAutoscaler is synced (the manager's config). */
uint64_t controllers__hpa_sync_ms(controllers_t *cm);

/* ---- persistent volumes (persistentvolume.c, pv_core.c) ---- */

extern const ctrl_ops_t controllers__persistentvolume;
/* The provisioner name of c8s's built-in local-path StorageClass. */
#define CONTROLLERS_LOCAL_PROVISIONER "c8s.io/local-path"
/* Whether pv's claimRef names pvc (namespace, name, and uid when the ref has one). */
bool controllers__pv_bound_to(const json_t *pv, const json_t *pvc);
/* Whether pv satisfies pvc: class, access modes, volume mode, size, selector. */
bool controllers__pv_fits(const json_t *pv, const json_t *pvc);
/* The volume pvc binds to among pvs (a JSON array, borrowed): one pre-bound to it, else the
 * smallest unclaimed Available one that fits. Borrowed from pvs; NULL when none. */
const json_t *controllers__pv_choose(const json_t *pvs, const json_t *pvc);
/* A claimRef naming pvc (owned). */
json_t *controllers__pv_claim_ref(const json_t *pvc);
/* The hostPath PersistentVolume the local-path provisioner makes for pvc on node, pre-bound to
 * it, in a directory under base_dir; sc (the claim's StorageClass) gives the reclaim policy.
 * Owned; NULL when pvc lacks a uid, namespace or name. */
json_t *controllers__pv_provision(const json_t *pvc, const json_t *sc, const char *node,
                                  const char *base_dir);
/* The directory local-path volumes go under (the controller manager's config). */
const char *controllers__local_storage_dir(controllers_t *cm);
/* Whether the controllers make the default local-path StorageClass. */
bool controllers__local_path_class(controllers_t *cm);
/* Terminated pods the pod garbage collector keeps (0: it deletes none for their number). */
size_t controllers__terminated_pod_gc_threshold(controllers_t *cm);

/* The in-process client every controller writes through (borrowed). */
client_t *controllers__client(controllers_t *cm);
/* The shared informer of a collection ("/api/v1/pods"): one list and watch however many
 * controllers read it. Started on first use; borrowed, alive until every controller has
 * stopped. A controller adds its handlers (informer_add_handlers) and removes them in its stop. */
informer_t *controllers__informer(controllers_t *cm, const char *path);

/* The controllers' "now" in milliseconds since the epoch: the wall clock, or the test's clock
 * (controllers_set_clock). Time-driven controllers (CronJob) read time only through this. */
int64_t controllers__now_ms(void);
/* True while a test clock is set (timers then poll in short real-time steps). */
bool controllers__clock_is_test(void);

/* "/api/v1" or "/apis/<group>/<version>" for a kind; owned. */
char *controllers__group_path(const api_kind_t *k);
/* A JSON string field at metadata.<field>, or NULL (borrowed). */
const char *controllers__meta(const json_t *obj, const char *field);

/* ---- gc_core.c: pure, the garbage collector's decisions ---- */

typedef enum { GC_KEEP, GC_PATCH_REFS, GC_DELETE } gc_action_t;
/* What becomes of obj (a dependent, not being deleted) once the uids of its owners are sorted
 * into solid (live), dangling (gone: absent, or another uid under that name) and waiting (being
 * deleted with foregroundDeletion) — borrowed JSON arrays of strings. has_dependents: obj owns
 * something itself. GC_PATCH_REFS sets *refs (owned) to the ownerReferences to keep (JSON null
 * for none); GC_DELETE sets *policy (static) to the propagationPolicy to delete with. */
gc_action_t controllers__gc_decide(const json_t *obj, const json_t *solid, const json_t *dangling,
                                   const json_t *waiting, bool has_dependents, json_t **refs,
                                   const char **policy);
/* obj's metadata.finalizers without f (owned; JSON null when none is left). */
json_t *controllers__gc_finalizers_without(const json_t *obj, const char *f);
/* obj's ownerReferences without those whose uid is in a or b (arrays of uid strings, either
 * may be NULL). Owned; JSON null when none is left. */
json_t *controllers__gc_refs_without(const json_t *obj, const json_t *a, const json_t *b);

/* ---- namespace_core.c: pure, a terminating namespace's conditions ---- */

/* The five conditions upstream's namespace deleter maintains, from what the last sweep found:
 * remaining ("<resource>.<group>" → objects left) and finalizers (finalizer → objects carrying
 * it), both borrowed JSON objects; delete_err (NULL: none) the deletions that failed. A
 * condition whose status is unchanged keeps its lastTransitionTime from old (the namespace's
 * current conditions, borrowed). Owned JSON array. */
json_t *controllers__ns_conditions(const json_t *old, const json_t *remaining,
                                   const json_t *finalizers, const char *delete_err,
                                   const char *now);

/* ---- podgc_core.c: pure, the pod garbage collector's decisions ---- */

/* True for a pod whose phase is Succeeded or Failed. */
bool controllers__podgc_terminated(const json_t *pod);
/* Of pods (n borrowed objects), moves the terminated ones to the front in the order they are
 * collected and returns how many of them go so that threshold remain (0: none). */
size_t controllers__podgc_victims(const json_t **pods, size_t n, size_t threshold);
/* The merge patch of pods/status that fails a pod before it is force-deleted: phase Failed and,
 * with reason, a DisruptionTarget condition (reason, message, now). Owned; NULL when the pod is
 * already Succeeded or Failed (nothing to write). */
json_t *controllers__podgc_failed_status(const json_t *pod, const char *reason, const char *message,
                                         const char *now);

/* ---- endpoints.c: shared with endpointslice.c ---- */

/* Writes the current UTC time as RFC 3339 with nanoseconds ("2026-01-02T03:04:05.000000006Z"). */
void controllers__now_rfc3339nano(char *buf, size_t len);
/* Adds to q the "ns/name" of every service in services (the shared informer) that selects pod;
 * when triggers (a JSON object, may be NULL) has no time for a key yet, records now. */
void controllers__enqueue_services_of(informer_t *services, const json_t *pod, workqueue_t *q,
                                      json_t *triggers);
/* The cached pods svc selects: an owned JSON array holding references to the cache's objects. */
json_t *controllers__selected_pods(informer_t *pods, const json_t *svc);

/* ---- endpoints_core.c: pure, what the Endpoints and EndpointSlice controllers compute ---- */

/* True if the Endpoints/EndpointSlice controllers act on svc: it has a selector and is not of
 * type ExternalName (a service without one keeps whatever endpoints were written for it). */
bool controllers__svc_selects(const json_t *svc);
/* True if svc acts on pod: same namespace and every selector label matches. */
bool controllers__svc_selects_pod(const json_t *svc, const json_t *pod);
/* The Endpoints subsets for svc over pods (a JSON array of the pods it selects; borrowed), as
 * upstream's endpoints controller builds them: ready and not-ready addresses, terminating and
 * finished pods left out, named target ports resolved per pod, ports offered by the same
 * addresses grouped in one subset, everything sorted. Owned JSON array. */
json_t *controllers__endpoints_subsets(const json_t *svc, const json_t *pods);
/* The Endpoints object to write (owned: current updated, or a new one when current is NULL),
 * or NULL when current already holds these subsets and labels. Past 1000 addresses the subsets
 * are truncated as upstream does (ready ones first) and marked with the annotation
 * endpoints.kubernetes.io/over-capacity=truncated. trigger (may be NULL) goes into the
 * endpoints.kubernetes.io/last-change-trigger-time annotation of what is written. */
json_t *controllers__endpoints_update(const json_t *svc, const json_t *pods, const json_t *current,
                                      const char *trigger);
/* The EndpointSlice writes that bring existing (the service's managed slices, a JSON array;
 * borrowed) to what svc over pods should publish: {"create": [slice…], "update": [slice…],
 * "delete": [name…]} (owned). Endpoints are grouped by their resolved ports, at most max (0:
 * 100) per slice, kept in the slice that holds them; terminating pods stay with
 * terminating=true; an empty service keeps one placeholder slice. Creates carry generateName
 * "<service>-" and an ownerReference to the service. */
json_t *controllers__slices_plan(const json_t *svc, const json_t *pods, const json_t *existing,
                                 size_t max, const char *trigger);
/* True if the Endpoints of svc are mirrored into slices, as upstream's EndpointSliceMirroring
 * controller does: both exist, svc has no selector (the EndpointSlice controller serves those),
 * and the Endpoints are not labelled endpointslice.kubernetes.io/skip-mirror=true. */
bool controllers__should_mirror(const json_t *svc, const json_t *endpoints);
/* The plan (as controllers__slices_plan's) that mirrors endpoints (borrowed) into existing (its
 * mirrored slices, borrowed): addresses ready, notReadyAddresses not, IPv4 only, grouped by
 * ports, labels copied with kubernetes.io/service-name and managed-by
 * endpointslicemirroring-controller.k8s.io, owned by the Endpoints; no placeholder. */
json_t *controllers__slices_mirror_plan(const json_t *endpoints, const json_t *existing,
                                        size_t max);

/* The ownerReference with controller=true, or NULL (borrowed). */
const json_t *controllers__controller_ref(const json_t *obj);
/* "<namespace>/<name>" of an object, or NULL without a name; owned. */
char *controllers__key(const json_t *obj);
/* Splits "<namespace>/<name>" into the two buffers (truncating). */
void controllers__split_key(const char *key, char *ns, size_t nslen, char *name, size_t namelen);
/* A controller ownerReference to owner (controller and blockOwnerDeletion true); owned. */
json_t *controllers__owner_ref(const json_t *owner, const char *kind, const char *api_version);
/* Posts a core/v1 Event about obj (fire and forget: the answer is only logged), as upstream's
 * recorder: reason e.g. "SuccessfulCreate", type "Normal" or "Warning". */
void controllers__event(client_t *c, const json_t *obj, const char *kind, const char *api_version,
                        const char *component, const char *type, const char *reason,
                        const char *fmt, ...) __attribute__((format(printf, 8, 9)));

/* ---- history_core.c: pure, shared by the StatefulSet and DaemonSet controllers ---- */

/* The hash naming a pod template's revision (stable over key order; owned). */
char *controllers__revision_hash(const json_t *tpl);
/* True if obj has a controller ownerReference with owner's uid. */
bool controllers__owned_by(const json_t *obj, const json_t *owner);
/* The name of obj's controller of the given kind, or NULL (borrowed). */
const char *controllers__controller_name(const json_t *obj, const char *kind);
/* The ControllerRevision "<owner>-<hash>" holding tpl (borrowed) at revision; owned. */
json_t *controllers__revision_new(const json_t *owner, const char *kind, const json_t *tpl,
                                  const char *hash, json_int_t revision);
/* The template a ControllerRevision holds (owned), or NULL. */
json_t *controllers__revision_template(const json_t *cr);
/* Names (owned JSON array) of the revisions to delete so that at most limit of those not in
 * live (an object keyed by revision name) remain, oldest first. */
json_t *controllers__history_prune(const json_t *revisions, const json_t *live, json_int_t limit);
bool controllers__pod_terminating(const json_t *pod);
/* Phase Failed or Succeeded. */
bool controllers__pod_finished(const json_t *pod);
/* Phase Running and condition Ready True. */
bool controllers__pod_ready(const json_t *pod);
/* Seconds until pod counts as available — Ready for min_ready seconds by its Ready condition's
 * lastTransitionTime (now: Unix seconds) — 0 if it is, -1 if it is not Ready (or shows no
 * transition time while min_ready > 0). */
int64_t controllers__pod_available_in(const json_t *pod, json_int_t min_ready, int64_t now);
/* The pod's controller-revision-hash label, or NULL (borrowed). */
const char *controllers__pod_revision(const json_t *pod);

/* ---- sts_core.c: pure, the StatefulSet controller's decisions ---- */

/* The ordinal of pod in sts ("<sts>-<n>"), or -1. */
int controllers__sts_ordinal(const json_t *sts, const json_t *pod);
/* "<template>-<sts>-<ordinal>"; owned. */
char *controllers__sts_claim_name(const json_t *sts, const json_t *vct, int ordinal);
/* The claim of volumeClaimTemplate vct for ordinal; owned. */
json_t *controllers__sts_pvc(const json_t *sts, const json_t *vct, int ordinal);
/* The pod of ordinal from tpl at revision (the revision's name); owned. */
json_t *controllers__sts_pod(const json_t *sts, const json_t *tpl, const char *revision,
                             int ordinal);
/* The next writes for sts over pods (the set's pods, a JSON array) and pvcs (an object keyed
 * by the names of the namespace's claims), all borrowed: {"create_pvcs": [pvc…], "create_pods":
 * [pod…], "delete_pods": [name…], "delete_pvcs": [name…], "status": {…}} (owned), plus
 * "requeue_after" (seconds) when a pod becomes available (minReadySeconds) later. now: Unix
 * seconds. */
json_t *controllers__sts_plan(const json_t *sts, const json_t *pods, const json_t *pvcs,
                              const char *cur_rev, const json_t *cur_tpl, const char *upd_rev,
                              const json_t *upd_tpl, int64_t now);

/* ---- ds_core.c: pure, the DaemonSet controller's decisions ---- */

/* The DaemonSet's pod template with the tolerations upstream adds to daemon pods; owned. */
json_t *controllers__ds_template(const json_t *ds);
/* The scheduler's view of a daemon pod of tpl (from controllers__ds_template), parsed once per
 * sync; *out is owned (sched_pod_unref). */
struct sched_pod_s;
int controllers__ds_pod_parse(const json_t *tpl, struct sched_pod_s **out, c8s_err_t *err);
/* Whether that pod should run on node, and whether one already there may stay (an untolerated
 * NoSchedule taint keeps new pods off only). */
int controllers__ds_node_fit(const struct sched_pod_s *pod, const json_t *node, bool *should_run,
                             bool *may_continue, c8s_err_t *err);
/* The daemon pod for node, labelled with hash; owned. */
json_t *controllers__ds_pod(const json_t *ds, const json_t *tpl, const char *hash,
                            const char *node);
/* The node a daemon pod is for: spec.nodeName, else its matchFields metadata.name (borrowed). */
const char *controllers__ds_pod_node(const json_t *pod);
/* The next writes for ds: nodes is an object node name → {"run": bool, "continue": bool}, pods
 * the set's pods (borrowed). Returns {"create_on": [node…], "delete_pods": [name…], "status":
 * {…}} (owned), plus "requeue_after" (seconds) as controllers__sts_plan. */
json_t *controllers__ds_plan(const json_t *ds, const json_t *nodes, const json_t *pods,
                             const char *hash, int64_t now);

/* ---- history.c: shared by the StatefulSet and DaemonSet controllers ---- */

/* The objects of inf in owner's namespace with a controller reference to owner: an owned JSON
 * array holding references to the cache's objects. */
json_t *controllers__owned(informer_t *inf, const json_t *owner);
/* A batch of writes for one key of q: once every write has answered and the batch is ended,
 * the key is done — retried with back-off if a write failed (unless *closing), its back-off
 * reset otherwise. who names the controller in logs (static); closing is borrowed. */
typedef struct ctrl_batch_s ctrl_batch_t;
ctrl_batch_t *controllers__batch_new(client_t *c, workqueue_t *q, const char *key, const char *who,
                                     const bool *closing);
/* Sends one write (body may be NULL; borrowed). 404 and 409 answers count as done. */
void controllers__batch_send(ctrl_batch_t *b, const char *method, const char *path,
                             const char *content_type, const json_t *body);
void controllers__batch_end(ctrl_batch_t *b);
/* The object the batch's write events are about (its namespace, name and uid copied), as kind
 * api_version, from component (static strings). */
void controllers__batch_owner(ctrl_batch_t *b, const json_t *owner, const char *kind,
                              const char *api_version, const char *component);
/* Upstream's events for one write: a Normal ok_reason event once it lands (ok_msg, or when NULL
 * "<ok_prefix><the answer's metadata.name>"), a Warning fail_reason event when it is refused
 * ("<fail_prefix><the answer's message>"). Strings copied. */
typedef struct {
    const char *ok_reason, *ok_msg, *ok_prefix;
    const char *fail_reason, *fail_prefix;
} ctrl_write_events_t;
/* As controllers__batch_send, with the write's events (needs controllers__batch_owner). */
void controllers__batch_send_ev(ctrl_batch_t *b, const char *method, const char *path,
                                const char *content_type, const json_t *body,
                                const ctrl_write_events_t *ev);

/* ---- cron_core.c: pure, CronJob schedules ---- */

/* A parsed five-field schedule: bits[i] has bit v set when value v matches field i (minute,
 * hour, day of month, month 1-12, day of week 0-6 from Sunday). */
typedef struct {
    uint64_t bits[5];
    bool dom_star, dow_star; /* the day field was "*" or "?": days match when both match */
    const tz_t *tz;          /* spec.timeZone (borrowed); NULL: UTC */
} cron_sched_t;
/* Parses spec as robfig/cron's standard parser does: five fields with *, ?, a-b, /step, lists
 * and names (jan-dec, sun-sat, any case), or @yearly @annually @monthly @weekly @daily
 * @midnight @hourly. @every and a TZ= prefix are refused (C8S_EINVALID). */
int controllers__cron_parse(const char *spec, cron_sched_t *out, c8s_err_t *err);
/* The first activation strictly after `after` (seconds since the epoch), or -1 when there is
 * none within five years (e.g. "0 0 30 2 *"). Fields match the wall clock of s->tz: a time the
 * clock skips (spring forward) does not run, a time it shows twice (fall back) runs once. */
int64_t controllers__cron_next(const cron_sched_t *s, int64_t after);

/* ---- job_core.c: pure, the Job controller's arithmetic ---- */

/* How long after the last failure a Job with `failures` failed pods waits before creating
 * another: base, doubled per further failure, capped at 6 minutes (upstream's); 0 without
 * failures. */
int64_t controllers__job_backoff_ms(int64_t base_ms, int64_t failures);
/* done[0..n) as upstream's completedIndexes: "0-2,4,6-7" ("" when none). Owned. */
char *controllers__job_index_ranges(const bool *done, long n);
/* The inverse: marks in done[0..n) the indexes s lists ("0-2,4"); NULL or malformed parts and
 * indexes out of range are skipped. */
void controllers__job_index_parse(const char *s, bool *done, long n);

typedef enum {
    JOB_PFP_NONE, /* no rule matched: the failure counts against the backoff limit */
    JOB_PFP_FAIL_JOB,
    JOB_PFP_FAIL_INDEX,
    JOB_PFP_IGNORE,
    JOB_PFP_COUNT,
} job_pfp_action_t;
/* The first rule of podFailurePolicy (spec.podFailurePolicy, borrowed) that a failed pod
 * matches, as upstream: onExitCodes looks at terminated init and app containers with a non-zero
 * exit code (of containerName when set); onPodConditions at the pod's conditions by type and
 * status. *msg (owned, NULL when none matched) is upstream's explanation, used as the Failed
 * condition's message for FailJob. */
job_pfp_action_t controllers__job_pfp_match(const json_t *pfp, const json_t *pod, char **msg);
/* Whether a failed pod of an index with backoffLimitPerIndex `limit` fails its index, as
 * upstream: a FailIndex rule does at once, an ignored failure never, else once the pod was the
 * index's attempt after `limit` earlier failures (its job-index-failure-count annotation). */
bool controllers__job_index_failed(job_pfp_action_t act, int64_t failure_count, int64_t limit);
/* Whether successPolicy (spec.successPolicy, borrowed) is met by the succeeded indexes done[0..n):
 * the first rule whose succeededIndexes all succeeded (or succeededCount of them), or, without
 * succeededIndexes, whose succeededCount indexes succeeded. *msg (owned, NULL when not met) is
 * upstream's "Matched rules at index N". Nothing succeeded: never met. */
bool controllers__job_success_match(const json_t *sp, const bool *done, long n, char **msg);

/* ---- disruption.c, disruption_core.c: PodDisruptionBudgets ---- */

extern const ctrl_ops_t controllers__disruption;
/* upstream's DeletionTimeout: how long an eviction the API server recorded in a budget's
 * disruptedPods keeps its pod out of the healthy count before the controller forgets it. */
#define PDB_DELETION_TIMEOUT_MS (2 * 60 * 1000LL)
/* An IntOrString v against total: the integer itself, or the percentage of total rounded up.
 * -1 when v is neither. */
int controllers__pdb_scaled(const json_t *v, long long total, long long *out);
/* The status pdb (borrowed) should have over pods (the pods its selector matches in its
 * namespace, a borrowed JSON array) at now_ms (epoch ms): expectedPods (the count of pods for an
 * integer minAvailable, else the summed scale of the pods' controllers, scales being an object
 * controller uid → its desired replicas, borrowed), desiredHealthy, currentHealthy (Ready pods
 * neither terminating nor recently evicted), disruptionsAllowed, disruptedPods less the entries
 * older than PDB_DELETION_TIMEOUT_MS or of pods gone, observedGeneration and the
 * DisruptionAllowed condition (SufficientPods / InsufficientPods; SyncFailed with the reason when
 * a pod's controller is unknown, allowing nothing). Owned. *recheck_ms: when an entry of
 * disruptedPods expires (0: none). */
json_t *controllers__pdb_status(const json_t *pdb, const json_t *pods, const json_t *scales,
                                int64_t now_ms, int64_t *recheck_ms);

/* ---- nodelife_core.c: pure, taint-based eviction ---- */

/* True if toleration tol tolerates taint (key/operator Equal|Exists/value/effect, an empty key
 * with Exists tolerating everything). */
bool controllers__tolerates(const json_t *tol, const json_t *taint);
/* When pod must leave a node with taints (a JSON array; only NoExecute counts): 0 at once (a
 * NoExecute taint it does not tolerate), else the epoch second timeAdded + the shortest
 * matching tolerationSeconds (the earliest over the taints), or -1 never (every NoExecute
 * taint tolerated without tolerationSeconds). */
int64_t controllers__evict_at(const json_t *pod, const json_t *taints);

#endif
