/*
 * admission.h — pure decisions of the built-in admission plugins (issue 8), over JSON.
 *
 * No I/O: the API server's admission stage (src/apiserver/admission.c) looks up what a decision
 * needs (the namespace, LimitRanges, ResourceQuotas, PriorityClasses, StorageClasses, the user)
 * in its watch caches and passes it in. Every json_t argument is borrowed unless said otherwise;
 * objects documented as "modified" are changed in place.
 *
 * Refusals come back as C8S_EFORBIDDEN with upstream's reason text alone ("maximum cpu usage per
 * Container is 1, but limit is 2"); the caller prefixes `<resource> "<name>" is forbidden: ` as
 * upstream's admission.NewForbidden does.
 */
#ifndef C8S_ADMISSION_H
#define C8S_ADMISSION_H

#include "c8s/base.h"
#include <jansson.h>
#include <stdbool.h>

/* ---- core.c: DefaultTolerationSeconds and NamespaceLifecycle ---- */

/* DefaultTolerationSeconds: adds the not-ready and unreachable NoExecute tolerations (300 s) to
 * a pod (modified in place) unless it already tolerates that taint. Returns 0 or C8S_EINVALID
 * when spec.tolerations is not an array. */
int admission_default_tolerations(json_t *pod, c8s_err_t *err);

/* NamespaceLifecycle for a create of a namespaced object in `ns`. `nsobj` is the Namespace as
 * read (NULL when it does not exist). Returns 0, C8S_ENOTFOUND (missing namespace) or
 * C8S_EFORBIDDEN (terminating), with upstream's whole messages. */
int admission_namespace_create(const char *ns, const json_t *nsobj, c8s_err_t *err);

/* NamespaceLifecycle for a delete of Namespace `name`: the immortal ones are refused (403, whole
 * message). */
int admission_namespace_delete(const char *name, c8s_err_t *err);

/* ServiceAccount (tokens, issue 8), as upstream's plugin for a pod create. */
#define ADMISSION_SA_MOUNT_PATH    "/var/run/secrets/kubernetes.io/serviceaccount"
#define ADMISSION_SA_VOLUME_PREFIX "kube-api-access-"
/* True for a mirror pod (annotation kubernetes.io/config.mirror): it is left alone. */
bool admission_sa_is_mirror(const json_t *pod);
/* spec.serviceAccountName, defaulted to "default" (and spec.serviceAccount to match); borrowed
 * from pod. */
const char *admission_sa_default_name(json_t *pod);
/* With the pod's ServiceAccount sa (borrowed): copies its imagePullSecrets when the pod has
 * none, and unless automountServiceAccountToken is false (the pod's wins over the account's)
 * adds the projected volume `volume_name` (token, kube-root-ca.crt's ca.crt, the namespace) and a
 * read-only mount of it at ADMISSION_SA_MOUNT_PATH in every container and init container that
 * has nothing mounted there. A pod that already has a kube-api-access-* volume keeps it. */
int admission_sa_mount(json_t *pod, const json_t *sa, const char *volume_name, c8s_err_t *err);

/* ---- limitranger.c ---- */

/* LimitRanger for a pod being created: ranges is a JSON array of the namespace's LimitRange
 * objects. Fills each container's (and init container's) missing limits and requests from the
 * Container items' default / defaultRequest, recording what it set in the annotation
 * kubernetes.io/limit-ranger as upstream; then checks min, max and maxLimitRequestRatio of
 * Container and Pod items. pod is modified. C8S_EFORBIDDEN lists every violation. */
int admission_limitrange_pod(json_t *pod, const json_t *ranges, c8s_err_t *err);
/* LimitRanger for a PersistentVolumeClaim: min/max of requests.storage (PersistentVolumeClaim
 * items). */
int admission_limitrange_pvc(const json_t *pvc, const json_t *ranges, c8s_err_t *err);

/* ---- quota.c: ResourceQuota ---- */

/* What obj (an object of the kind named by group/resource, "" for core) uses, as upstream's
 * quota evaluators count it: an owned JSON object resource name → quantity string
 * ("pods": "1", "count/pods": "1", "requests.cpu": "250m", ...). Pods that are finished
 * (Succeeded/Failed) or, for the controller, being deleted past their grace use nothing. */
json_t *admission_quota_usage(const char *group, const char *resource, const json_t *obj);
/* Checks usage (from admission_quota_usage) against quota (a ResourceQuota with status.hard and
 * status.used). On success *new_used (owned) is status.used with the usage added for the
 * resources the quota constrains, or NULL when it constrains none of them (nothing to charge).
 * Refusals (C8S_EFORBIDDEN, bare reason): "exceeded quota: <name>, requested: ..., used: ...,
 * limited: ...", "status unknown for quota: <name>, resource: ...", and for pods "failed quota:
 * <name>: must specify limits.cpu for: c; ..." when the quota constrains compute resources a
 * container leaves unset. A quota obj does not match (admission_quota_matches) is let be
 * (*new_used NULL).
 */
int admission_quota_check(const json_t *quota, const char *group, const char *resource,
                          const json_t *obj, const json_t *usage, json_t **new_used,
                          c8s_err_t *err);
/* Whether obj falls under quota's scopes (spec.scopes and scopeSelector: Terminating,
 * NotTerminating, BestEffort, NotBestEffort, PriorityClass with In/NotIn/Exists/DoesNotExist; all
 * must hold). An unscoped quota matches everything; a scoped one only pods. */
bool admission_quota_matches(const json_t *quota, const char *group, const char *resource,
                             const json_t *obj);
/* The status a quota should have given the summed usage (an object resource → quantity string)
 * of every live object in its namespace: {"hard": spec.hard, "used": usage masked to the
 * resources in spec.hard, zeros included}. Owned. */
json_t *admission_quota_status(const json_t *quota, const json_t *usage);
/* Adds usage b into a (modified): quantities summed per resource name. 0 or C8S_EINVALID for a
 * malformed quantity. */
int admission_quota_add(json_t *a, const json_t *b, c8s_err_t *err);
/* What an update adds to usage: each resource of now (admission_quota_usage of the new object)
 * that grew over before (of the old one), by how much; resources that shrank or stayed are left
 * out, as upstream charges only increases on update. Owned. */
json_t *admission_quota_delta(const json_t *now, const json_t *before);

/* ---- priority.c ---- */

/* The built-in classes' values (upstream's scheduling.SystemCriticalPriority + 1000 and +0). */
#define ADMISSION_PRIO_NODE_CRITICAL    2000001000
#define ADMISSION_PRIO_CLUSTER_CRITICAL 2000000000
/* Priority for a pod being created: classes is the JSON array of PriorityClass objects. Sets
 * spec.priority (and spec.preemptionPolicy) from spec.priorityClassName, or from the
 * globalDefault class (its name written to priorityClassName) when none is named, else 0;
 * system-node-critical and system-cluster-critical resolve even when not stored. pod is
 * modified. Refuses (C8S_EFORBIDDEN) an unknown class and a pod-set priority that disagrees. */
int admission_priority_pod(json_t *pod, const json_t *classes, c8s_err_t *err);
/* Priority for a PriorityClass being created or updated: only one globalDefault may exist. */
int admission_priority_class(const json_t *pc, const json_t *classes, c8s_err_t *err);

/* ---- storageclass.c ---- */

/* DefaultStorageClass: a PVC (modified) without spec.storageClassName gets the default class
 * (annotated storageclass.kubernetes.io/is-default-class=true; the newest when several, as
 * upstream since 1.26). classes is the JSON array of StorageClass objects. */
void admission_default_storageclass(json_t *pvc, const json_t *classes);

/* ---- noderestriction.c ---- */

/* The node name of a node user (system:node:<n> in group system:nodes), or NULL (borrowed from
 * name). */
const char *admission_node_name(const char *name, const char *const *groups, size_t n_groups);
/* NodeRestriction for node `node`: op is CREATE, UPDATE, DELETE (upstream's operations), kind
 * the object's kind ("Node", "Pod"; others are let be), subresource NULL or "status" /
 * "eviction", obj the new object (NULL for DELETE), old the stored one (NULL for CREATE).
 * Refusals are C8S_EFORBIDDEN with upstream's reasons. */
int admission_node_restriction(const char *node, const char *op, const char *kind,
                               const char *subresource, const char *name, const json_t *obj,
                               const json_t *old, c8s_err_t *err);

/* ---- podsecurity.c: Pod Security Admission ---- */

typedef enum { PSA_PRIVILEGED = 0, PSA_BASELINE, PSA_RESTRICTED } psa_level_t;

/* The level a namespace label value names; -1 when it is not a level (upstream then falls back
 * to the default, privileged, and the namespace update was refused by validation). */
int admission_psa_level(const char *value);
/* Evaluates a pod spec (the pod's spec or a template's spec; meta is the pod's or template's
 * metadata for AppArmor annotations, may be NULL) against level. Returns NULL when it passes,
 * else the owned list of violations as upstream prints them:
 * `allowPrivilegeEscalation != false (container "c" must set ...), ...`. */
char *admission_psa_check(psa_level_t level, const json_t *meta, const json_t *spec);
/* Reads the namespace's labels (an object; may be NULL) for mode "enforce", "warn" or "audit":
 * the level (privileged when unlabelled or invalid) and the version label (default "latest";
 * copied into version, at least 16 bytes). */
psa_level_t admission_psa_mode(const json_t *labels, const char *mode, char *version, size_t len);

#endif
