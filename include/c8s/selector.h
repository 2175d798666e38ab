/*
 * selector.h — label selectors and field selectors, as the API uses them.
 *
 * Label selectors: the query-string syntax (`a=b,c!=d,e in (f,g),h notin (i),j,!k`, also `==`,
 * `>` and `<` for integer values) and the LabelSelector object ({matchLabels, matchExpressions}
 * with operators In, NotIn, Exists, DoesNotExist). Field selectors: `f=v,g!=w,h==x` over dotted
 * paths into the object (metadata.name, spec.nodeName, involvedObject.kind, …).
 * Pure functions, no I/O. Parse errors are C8S_EBADREQUEST with upstream's wording where it has
 * one (e.g. "unable to parse requirement: ...").
 */
#ifndef C8S_SELECTOR_H
#define C8S_SELECTOR_H

#include "c8s/base.h"
#include <stdbool.h>

typedef struct labelsel_s labelsel_t;

/* Parses the query-string form. An empty string (or NULL) gives a selector that matches
 * everything. *out is owned by the caller (labelsel_free). */
int labelsel_parse(const char *s, labelsel_t **out, c8s_err_t *err);

/* Builds from a metav1.LabelSelector JSON object (borrowed). NULL or {} matches everything
 * (upstream: an empty LabelSelector selects all; workloads refuse empty selectors separately).
 * Invalid operators or values give C8S_EINVALID. */
int labelsel_from_json(const json_t *sel, labelsel_t **out, c8s_err_t *err);

/* True if the labels object (borrowed JSON object of string→string, may be NULL = no labels)
 * satisfies every requirement. */
bool labelsel_matches(const labelsel_t *sel, const json_t *labels);

/* True if the selector has no requirements. */
bool labelsel_empty(const labelsel_t *sel);

/* Canonical string form (requirements sorted by key, as upstream's String()); owned. */
char *labelsel_string(const labelsel_t *sel);

void labelsel_free(labelsel_t *sel);

typedef struct fieldsel_s fieldsel_t;

/* Parses `field=value,field!=value,field==value`. Values may escape `,` `=` `!` `\` with `\`.
 * NULL or "" matches everything. */
int fieldsel_parse(const char *s, fieldsel_t **out, c8s_err_t *err);

/* Checks every field named by the selector is in `allowed` (NULL-terminated list of dotted
 * paths). Otherwise C8S_EBADREQUEST "field label not supported: <field>". */
int fieldsel_check(const fieldsel_t *sel, const char *const *allowed, c8s_err_t *err);

/* True if obj (borrowed) satisfies every requirement. A field's value is the string at the
 * dotted path in obj; a missing field is "" (so `spec.nodeName=` selects unscheduled pods, as
 * upstream); numbers and booleans are compared in their JSON text form. */
bool fieldsel_matches(const fieldsel_t *sel, const json_t *obj);

/* If the selector requires field == value exactly, returns that value (borrowed), else NULL.
 * Lets the server narrow a list (metadata.namespace, metadata.name) before filtering. */
const char *fieldsel_exact(const fieldsel_t *sel, const char *field);

/* Number of requirements (0 = matches everything). */
size_t fieldsel_count(const fieldsel_t *sel);

void fieldsel_free(fieldsel_t *sel);

#endif
