/*
 * kinds.h — the object model: the registry of every kind c8s serves, defaulting and validation.
 *
 * Everything here is a pure function over jansson values: no I/O (but one: CronJob validation
 * reads the tz database to check spec.timeZone, as upstream does), no global mutable state. The
 * registry is one static table; the pointers it hands out are borrowed and valid forever. The API
 * server runs, for every write: decode → admission → api_object_default → api_object_validate.
 */
#ifndef C8S_KINDS_H
#define C8S_KINDS_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "c8s/base.h"

/* Subresources a kind serves besides the main resource (bits). */
typedef enum {
    API_SUB_STATUS = 1,
    API_SUB_SCALE = 2,
    API_SUB_BINDING = 4,
    API_SUB_TOKEN = 8,     /* serviceaccounts/token: TokenRequest (authentication.k8s.io/v1) */
    API_SUB_APPROVAL = 16, /* certificatesigningrequests/approval: the Approved/Denied conditions */
    API_SUB_EVICTION =
        32, /* pods/eviction: policy/v1 Eviction, deletion under disruption budgets */
} api_subresource_t;

/* One served group/version/resource. All strings are static. */
typedef struct api_kind_s {
    const char *group;     /* "" for core */
    const char *version;   /* "v1", "v2" */
    const char *resource;  /* plural, "pods" */
    const char *kind;      /* "Pod" */
    const char *singular;  /* "pod" */
    const char *list_kind; /* "PodList" */
    bool namespaced;
    const char *const *short_names;     /* NULL-terminated, may be NULL ("po", "deploy", ...) */
    const char *const *categories;      /* NULL-terminated, may be NULL ("all") */
    const char *const *field_selectors; /* NULL-terminated: fields allowed in ?fieldSelector= */
    unsigned subresources;              /* API_SUB_* bits */
    const char *storage_resource;       /* etcd key segment; HPA v1 and v2 share one */
    bool has_spec_status;               /* spec/status split (status subresource semantics) */
    unsigned flags;                     /* API_KIND_* bits */
} api_kind_t;

/* Kind flags. CREATE_ONLY: a request/answer kind that is never stored (TokenReview,
 * SubjectAccessReview, ...): POST only, no watch cache, skipped by controllers that sweep every
 * kind. */
enum { API_KIND_CREATE_ONLY = 1 };

/* True for kinds kept in etcd (everything but the create-only ones). */
bool api_kind_stored(const api_kind_t *k);

/* Registry lookups; returned pointers are borrowed, static, valid forever. NULL if absent. */
size_t api_kinds_count(void);
/* The i-th kind (i < api_kinds_count()), in discovery order, preferred versions first. */
const api_kind_t *api_kind_at(size_t i);
/* Exact match on group, version and plural resource. */
const api_kind_t *api_kind_lookup(const char *group, const char *version, const char *resource);
/* Exact match on group, version and Kind ("Deployment"). */
const api_kind_t *api_kind_by_kind(const char *group, const char *version, const char *kind);
/* Lookup by any of resource, singular, short name or Kind (case-insensitive), optionally
 * "resource.group" ("deployments.apps"); first match in the preferred version. For CLIs. */
const api_kind_t *api_kind_find(const char *name);
/* Writes "apps/v1" or "v1" into buf (truncated to len) and returns buf. */
const char *api_kind_api_version(const api_kind_t *k, char *buf, size_t len);
/* True if k serves the subresource named sub ("status", "scale", "binding", "approval"). */
bool api_kind_has_subresource(const api_kind_t *k, const char *sub);
/* True if field (e.g. "spec.nodeName") may be used in a fieldSelector for k. */
bool api_kind_field_selectable(const api_kind_t *k, const char *field);

/* Fills defaults in place as upstream's defaulters do for the fields users touch; existing
 * values are kept. obj is modified, ownership unchanged. Returns 0, or C8S_EBADREQUEST when obj
 * is not a JSON object (too malformed to default). */
int api_object_default(const api_kind_t *k, json_t *obj, c8s_err_t *err);

/* Validates a whole object (borrowed, not modified). old == NULL on create; on update old is the
 * stored object (immutable fields are checked against it). subresource: NULL for the main
 * resource, or "status". Returns 0, or C8S_EINVALID with one cause per problem: reason
 * FieldValueRequired / FieldValueInvalid / FieldValueNotSupported / FieldValueDuplicate /
 * FieldValueForbidden / FieldValueTooLong / FieldValueNotFound, field a JSON path like
 * "spec.containers[0].name", message like upstream's "Required value" or
 * "Invalid value: \"Foo\": a lowercase RFC 1123 label must ...". err->msg is upstream's summary:
 * `Pod "x" is invalid: [spec.containers: Required value, ...]` (one cause: no brackets); for
 * non-core groups the kind is qualified: `Deployment.apps "x" is invalid: ...`. */
int api_object_validate(const api_kind_t *k, const json_t *obj, const json_t *old,
                        const char *subresource, c8s_err_t *err);

/* Name checks: return NULL if valid, else a static message worded as upstream's. */
/* upstream's CertificateSigningRequest strategy for /status and /approval updates: every
 * condition of obj (the object to store) without lastUpdateTime gets now; one without
 * lastTransitionTime gets that of old's condition of the same type and status, or now. now is
 * RFC 3339 (borrowed); old may be NULL. */
void api_csr_condition_times(json_t *obj, const json_t *old, const char *now);

const char *api_check_dns1123_label(const char *s);     /* ≤63 */
const char *api_check_dns1123_subdomain(const char *s); /* ≤253 */
const char *api_check_dns1035_label(const char *s);     /* ≤63, starts with a letter (services) */
const char *api_check_qualified_name(const char *s);    /* label/annotation keys: [prefix/]name */
const char *api_check_label_value(const char *s);
const char *api_check_path_segment_name(const char *s); /* RBAC names: no '/', '%', '.', '..' */
const char *api_check_port_name(const char *s);         /* IANA_SVC_NAME, ≤15 */
const char *api_check_env_var_name(const char *s);
const char *api_check_config_key(const char *s); /* ConfigMap / Secret data keys */

/* EndpointSlices (a JSON array, borrowed) grouped by their Service: an owned JSON object
 * "<namespace>/<service>" → array of the slices (references). */
json_t *api_slices_by_service(const json_t *slices);

#endif
