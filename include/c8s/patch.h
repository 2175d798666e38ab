/*
 * patch.h — the patch math of PATCH requests, as pure functions over JSON: JSON merge patch
 * (RFC 7386, application/merge-patch+json), JSON patch (RFC 6902, application/json-patch+json)
 * and Kubernetes strategic merge patch (application/strategic-merge-patch+json), with the table
 * of list fields and their patch strategies that the last one needs.
 */
#ifndef C8S_PATCH_H
#define C8S_PATCH_H

#include "c8s/base.h"
#include "c8s/kinds.h"
#include "c8s/schema.h"

/* Applies a merge patch to target (borrowed) and returns the result (owned, new). */
json_t *patch_merge(const json_t *target, const json_t *patch);

/* Applies a JSON patch (an array of operations) to doc (borrowed); *out is the result (owned).
 * Errors are C8S_EBADREQUEST (malformed operations) or C8S_EINVALID (a failed test or a
 * missing path), with upstream-like messages. */
int patch_json(const json_t *doc, const json_t *ops, json_t **out, c8s_err_t *err);

/* Patch strategy bits of a field, as upstream's x-kubernetes-patch-strategy. With no bits a list
 * is replaced as a whole and a map merged key by key (JSON merge patch semantics). */
enum {
    PATCH_STRATEGY_MERGE = 1,       /* list: merged by merge key, or unioned if primitive */
    PATCH_STRATEGY_RETAIN_KEYS = 2, /* map (or list elements) that clients send $retainKeys for */
    PATCH_STRATEGY_REPLACE = 4,     /* map: replaced as a whole */
};

/* One node of a kind's patch schema: a field of c8s's schema (schema.h; for a list, its
 * elements' fields are its children). Nodes are static, borrowed, valid forever. Every function
 * accepts NULL (an unknown field) and then returns NULL / 0. */
typedef schema_field_t patch_field_t;

/* The root node of k's schema, or NULL when c8s has no table for k (lists are then replaced). */
const patch_field_t *patch_schema_root(const api_kind_t *k);
/* The child of f named name ("containers"), or NULL when unknown. */
const patch_field_t *patch_schema_child(const patch_field_t *f, const char *name);
/* PATCH_STRATEGY_* bits of f. */
unsigned patch_field_strategy(const patch_field_t *f);
/* The merge key of a merging list of maps ("name"); NULL for other fields and primitive lists. */
const char *patch_field_merge_key(const patch_field_t *f);

/* Lookups by a dotted path of field names from the object root, list elements skipped:
 * "spec.template.spec.containers.ports" for a Deployment's container ports. */
const patch_field_t *patch_schema_lookup(const api_kind_t *k, const char *path);
unsigned patch_strategy(const api_kind_t *k, const char *path);
const char *patch_merge_key(const api_kind_t *k, const char *path);

/* Applies a strategic merge patch (an object) to original for kind k; original and patch are
 * borrowed and unchanged, *out is the result (owned, new). k may be NULL (custom resources): every
 * list is then replaced. Semantics follow upstream's apimachinery strategicpatch (server side):
 * maps merge recursively and null deletes a key; merging lists are merged by merge key (primitive
 * ones unioned), patch items placed in the patch's order among the original's items; other lists
 * are replaced. Directives: $patch (replace / delete, on a map or as a list element),
 * $retainKeys, $setElementOrder/<field>, $deleteFromPrimitiveList/<field>. Errors are
 * C8S_EBADREQUEST: a patch that is not an object, an unknown directive, malformed directives or
 * list items without their merge key. */
int patch_strategic(const api_kind_t *k, const json_t *original, const json_t *patch, json_t **out,
                    c8s_err_t *err);

#endif
