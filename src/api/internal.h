/*
 * internal.h — helpers shared by the files of src/api/ (not a public header): field-error
 * builders worded as upstream's field.Error bodies, JSON getters that treat a wrong type as
 * absent, a small quantity parser, a local label selector matcher, and the per-kind hooks.
 */
#ifndef C8S_API_INTERNAL_H
#define C8S_API_INTERNAL_H

#include <stdbool.h>

#include "c8s/kinds.h"

#define API_PATH_MAX 512

/* Builds a field path into buf (printf-style) and returns buf. */
const char *api__path(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Field errors. detail may be NULL. Values are rendered as upstream does: strings quoted, numbers
 * bare, objects as compact JSON. */
void api__required(c8s_err_t *err, const char *field, const char *detail);
void api__invalid(c8s_err_t *err, const char *field, const json_t *value, const char *detail);
void api__invalid_str(c8s_err_t *err, const char *field, const char *value, const char *detail);
void api__invalid_int(c8s_err_t *err, const char *field, long long value, const char *detail);
void api__not_supported(c8s_err_t *err, const char *field, const char *value,
                        const char *const *supported);
void api__duplicate(c8s_err_t *err, const char *field, const char *value);
void api__forbidden(c8s_err_t *err, const char *field, const char *detail);
void api__too_long(c8s_err_t *err, const char *field, long long max);
void api__not_found(c8s_err_t *err, const char *field, const char *value);
/* A list with n items where at most max are allowed. */
void api__too_many(c8s_err_t *err, const char *field, long long n, long long max);

/* Getters: NULL (or the fallback) when absent or of another JSON type. Borrowed references. */
json_t *api__obj(const json_t *o, const char *key);
json_t *api__arr(const json_t *o, const char *key);
const char *api__str(const json_t *o, const char *key);
/* Returns true and sets *out if key holds an integer. */
bool api__int(const json_t *o, const char *key, long long *out);
/* Object at key, created (empty) if absent or not an object. */
json_t *api__ensure_obj(json_t *o, const char *key);

/* Defaulting: set key when absent/null (strings: also when ""; ints with zero_unset: also
 * when 0, matching Go's non-pointer fields). */
void api__default_str(json_t *o, const char *key, const char *val);
void api__default_int(json_t *o, const char *key, long long val, bool zero_unset);
void api__default_bool(json_t *o, const char *key, bool val);

/* Helpers for validation of common shapes. */
bool api__in(const char *s, const char *const *set);
/* Checks an enum string field: Required when absent (if required), NotSupported otherwise. */
void api__check_enum(c8s_err_t *err, const json_t *o, const char *key, const char *field,
                     const char *const *supported, bool required);
/* Integer field at key, if present, must be ≥ min: "must be greater than or equal to N". */
void api__check_min(c8s_err_t *err, const json_t *o, const char *key, const char *field,
                    long long min);
void api__check_labels(c8s_err_t *err, const json_t *labels, const char *field);
void api__check_label_selector(c8s_err_t *err, const json_t *sel, const char *field);
/* Quantity: parses a Kubernetes quantity (string or JSON number). 0 or -1. */
int api__quantity(const json_t *v, long double *out);
/* Validates a map of resource name → quantity (non-negative, syntactically valid). */
void api__check_resource_list(c8s_err_t *err, const json_t *list, const char *field);
/* True if selector (LabelSelector JSON) matches labels (object of strings). */
bool api__selector_matches(const json_t *selector, const json_t *labels);
/* Simple equality selector (map of strings) matches labels. */
bool api__map_selector_matches(const json_t *selector, const json_t *labels);
/* Field is immutable on update: compares new and old values (either may be NULL). */
void api__check_immutable(c8s_err_t *err, const json_t *nv, const json_t *ov, const char *field);

/* Pod pieces used by workloads. */
void api__default_pod_spec(json_t *spec);
void api__default_pod_template(json_t *tmpl);
void api__validate_pod_spec(c8s_err_t *err, const json_t *spec, const char *field);
void api__validate_pod_template(c8s_err_t *err, const json_t *tmpl, const char *field);
void api__validate_pod_update(c8s_err_t *err, const json_t *spec, const json_t *old_spec);
void api__default_pvc_spec(json_t *spec);

/* Per-kind hooks. validate: whole object on create and update; update: immutability against old;
 * status: the status subresource. Any may be NULL. */
typedef void (*api__default_fn)(json_t *obj);
typedef void (*api__validate_fn)(c8s_err_t *err, const json_t *obj);
typedef void (*api__update_fn)(c8s_err_t *err, const json_t *obj, const json_t *old);
typedef const char *(*api__name_fn)(const char *name);

typedef struct api__hooks_s {
    const char *group;
    const char *kind;
    api__name_fn name; /* NULL: DNS-1123 subdomain */
    api__default_fn defaults;
    api__validate_fn validate;
    api__update_fn update;
    api__validate_fn status;
    const char *version; /* NULL: every version of the kind */
} api__hooks_t;

/* The hook tables, one per source file; each ends with a zeroed entry. */
extern const api__hooks_t api__core_hooks[];
extern const api__hooks_t api__pod_hooks[];
extern const api__hooks_t api__workload_hooks[];
extern const api__hooks_t api__other_hooks[];
extern const api__hooks_t api__certificates_hooks[];
const api__hooks_t *api__hooks_for(const api_kind_t *k);

#endif
