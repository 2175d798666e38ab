/*
 * managedfields.h — server-side apply, as pure functions over JSON: field sets in upstream's
 * FieldsV1 encoding derived from objects through c8s's schema (schema.h), the
 * metadata.managedFields entries of an object, the Update operation (a write records the fields
 * its manager changed and takes them from the others) and the Apply operation (a configuration
 * merged into the live object, the fields its manager stopped applying removed, changes to fields
 * other managers own refused as conflicts unless forced), as structured-merge-diff does.
 *
 * A field set (fieldset_*) is a FieldsV1 trie: a JSON object whose keys are path elements
 * ("f:<field>", "k:<json of the item's keys>" for lists keyed by x-kubernetes-list-map-keys,
 * "v:<json value>" for set lists, "i:<index>") and whose values are the sets below them; a path
 * is in the set when its node is empty ({}) or holds ".". Every set function returns a new set
 * owned by the caller and leaves its arguments unchanged.
 */
#ifndef C8S_MANAGEDFIELDS_H
#define C8S_MANAGEDFIELDS_H

#include "c8s/base.h"
#include "c8s/kinds.h"
#include "c8s/schema.h"

#include <stdbool.h>

/* The fields obj sets, as an applied configuration owns them: every leaf (scalars, atomic lists
 * and maps, null and empty values), every item of keyed and set lists, every key of a map-typed
 * field. root is the kind's schema (schema_kind_root) or NULL (no schema: objects are granular
 * maps, lists atomic). obj is borrowed. */
json_t *fieldset_from_object(const schema_field_t *root, const json_t *obj);
json_t *fieldset_union(const json_t *a, const json_t *b);
json_t *fieldset_difference(const json_t *a, const json_t *b);
json_t *fieldset_intersection(const json_t *a, const json_t *b);
bool fieldset_empty(const json_t *s);
/* The paths of the set's members, as upstream prints them (".spec.replicas",
 * `.spec.containers[name="web"].image`, `.metadata.finalizers[="x"]`): a new array of strings. */
json_t *fieldset_paths(const json_t *s);

/* How lhs and rhs (borrowed, either may be NULL) differ: *added holds the paths only rhs sets,
 * *removed those only lhs sets, *modified the leaves both set to different values (all owned). */
void fieldset_compare(const schema_field_t *root, const json_t *lhs, const json_t *rhs,
                      json_t **added, json_t **modified, json_t **removed);

/* Who writes: the manager's name, the apiVersion the request used ("apps/v1"), the subresource
 * ("status", "scale" or NULL) and the time of the write (RFC 3339). All borrowed. */
typedef struct managedfields_who_s {
    const char *manager;
    const char *api_version;
    const char *subresource;
    const char *time;
} managedfields_who_t;

/* The Update operation (create, update, non-apply patch): records in obj's
 * metadata.managedFields the fields who changed from old (NULL on create) to obj, and takes them
 * from the other managers. The entries start from those obj carries when they are a valid,
 * non-empty list and the write is not to a subresource (a client may rewrite managedFields, as
 * upstream allows), else from old's. Server-set metadata (uid, resourceVersion, generation, ...),
 * apiVersion and kind are never owned; status only through the status subresource. k may be NULL
 * (no schema). Never fails: entries that do not decode are dropped. */
void managedfields_update(const api_kind_t *k, const json_t *old, json_t *obj,
                          const managedfields_who_t *who);

/* The Apply operation: *out (owned) is config (borrowed) applied to live (borrowed; NULL when the
 * object does not exist yet) by who, with its managedFields. Errors: C8S_EBADREQUEST when config
 * is not an object or sets metadata.managedFields; C8S_ECONFLICT when the apply changes fields
 * other managers own and force is false, with upstream's message ("Apply failed with 1 conflict:
 * conflict with \"kubectl-scale\" with subresource \"scale\" using apps/v1: .spec.replicas") and
 * one FieldManagerConflict cause per field. */
int managedfields_apply(const api_kind_t *k, const json_t *live, const json_t *config,
                        const managedfields_who_t *who, bool force, json_t **out, c8s_err_t *err);

/* The manager a request without ?fieldManager= is recorded under, from its User-Agent as upstream
 * takes it (the part before the first '/': "kubectl/v1.32.0 (linux/amd64)" → "kubectl"), at most
 * 128 bytes; NULL or empty agents give "unknown". Returns a new string. */
char *managedfields_manager_from_agent(const char *agent, size_t len);

#endif
