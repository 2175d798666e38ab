/* internal.h — what the controllers share: the manager's loop and client, and each controller's
 * start/stop entry. Everything runs on the controller thread. */
#ifndef C8S_CONTROLLERS_INTERNAL_H
#define C8S_CONTROLLERS_INTERNAL_H

#include "c8s/client.h"
#include "c8s/controllers.h"
#include "c8s/informer.h"
#include "c8s/kinds.h"
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

/* The in-process client every controller writes through (borrowed). */
client_t *controllers__client(controllers_t *cm);
/* The shared informer of a collection ("/api/v1/pods"): one list and watch however many
 * controllers read it. Started on first use; borrowed, alive until every controller has
 * stopped. A controller adds its handlers (informer_add_handlers) and removes them in its stop. */
informer_t *controllers__informer(controllers_t *cm, const char *path);

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

#endif
