/*
 * schema.h — c8s's own schema of the kinds it serves: every type once (fields, their types,
 * required fields, list and patch extensions, short descriptions), for the OpenAPI documents
 * (openapi.h) and for fieldValidation's unknown-field check.
 *
 * Pure data and pure functions; every pointer handed out is static, borrowed, valid forever.
 */
#ifndef C8S_SCHEMA_H
#define C8S_SCHEMA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "c8s/kinds.h"

/* What a value is: a scalar, free-form JSON (ANY), or a reference to another type. */
typedef enum {
    SCHEMA_STRING = 1,
    SCHEMA_INTEGER,
    SCHEMA_NUMBER,
    SCHEMA_BOOLEAN,
    SCHEMA_ANY,           /* any JSON value (RawExtension, FieldsV1, free-form objects) */
    SCHEMA_QUANTITY,      /* "100m", "1Gi" or a number */
    SCHEMA_INT_OR_STRING, /* 8080 or "http" / "25%" */
    SCHEMA_REF,
} schema_kind_t;

/* How a field holds its values. */
typedef enum { SCHEMA_ONE = 0, SCHEMA_ARRAY, SCHEMA_MAP } schema_shape_t;

/* Field and type flags. */
enum {
    SCHEMA_F_REQUIRED = 1 << 0,
    SCHEMA_F_PATCH_MERGE = 1 << 1,       /* x-kubernetes-patch-strategy: merge */
    SCHEMA_F_PATCH_RETAIN_KEYS = 1 << 2, /* ... retainKeys */
    SCHEMA_F_PATCH_REPLACE = 1 << 3,     /* ... replace */
    SCHEMA_F_LIST_ATOMIC = 1 << 4,       /* x-kubernetes-list-type */
    SCHEMA_F_LIST_SET = 1 << 5,
    SCHEMA_F_LIST_MAP = 1 << 6,
    SCHEMA_F_MAP_ATOMIC = 1 << 7, /* x-kubernetes-map-type */
    SCHEMA_F_MAP_GRANULAR = 1 << 8,
};

typedef struct schema_type_s schema_type_t;

typedef struct schema_field_s {
    const char *name;
    unsigned char shape;      /* schema_shape_t */
    unsigned char kind;       /* schema_kind_t of the value (of each item / map value) */
    const char *format;       /* "int32", "int64", "double", "byte", "date-time" or NULL */
    const schema_type_t *ref; /* kind == SCHEMA_REF */
    unsigned flags;           /* SCHEMA_F_* */
    const char *merge_key;    /* x-kubernetes-patch-merge-key or NULL */
    const char *map_keys;     /* x-kubernetes-list-map-keys, comma-separated, or NULL */
    const char *const *enums; /* NULL-terminated allowed values (documentation) or NULL */
    const char *desc;         /* one line, or NULL */
} schema_field_t;

struct schema_type_s {
    const char *name; /* the definition name, as upstream's: "io.k8s.api.core.v1.Container" */
    const char *desc;
    const schema_field_t *fields; /* sorted by name; NULL for an alias */
    size_t n_fields;
    schema_kind_t alias; /* types without fields: what they stand for (Time: STRING date-time) */
    const char *format;
    unsigned flags;
    const char *group, *version, *kind; /* set on the top-level type of a served kind */
};

/* All types, in a stable order (kinds first as the registry lists them, then what they use). */
size_t schema_types_count(void);
const schema_type_t *schema_type_at(size_t i);
/* By definition name; NULL if absent. */
const schema_type_t *schema_type_by_name(const char *name);
/* The top-level type of a served kind (by group, version, kind); NULL if none. */
const schema_type_t *schema_type_for_kind(const api_kind_t *k);
/* k's whole object as a field (unnamed, referring to k's type): the root of the tree strategic
 * merge patch walks. NULL if k is not a served kind. */
const schema_field_t *schema_kind_root(const api_kind_t *k);
/* A field of an object type, by name; NULL if absent (or t is an alias). */
const schema_field_t *schema_field_find(const schema_type_t *t, const char *name);
/* The type reached by a dotted path from t ("spec.template.spec.containers"): the field's item
 * or value type for arrays and maps. NULL when the path leaves the schema; *field (optional) is
 * set to the last field walked (NULL for an empty path). */
const schema_type_t *schema_type_at_path(const schema_type_t *t, const char *path,
                                         const schema_field_t **field);

/* The problems fieldValidation reports for obj (borrowed) as a kind k object: every field the
 * schema does not know, at any depth (pod templates included), as upstream words them:
 * `unknown field "spec.template.spec.containers[0].foo"`. Returns a new array of strings (empty
 * when none), owned by the caller. Values of the wrong JSON type are left to validation. With
 * prune, the unknown fields are also removed from obj (as upstream's decoding drops them).
 * old (borrowed, may be NULL): the stored object a patch was applied to; unknown fields it already
 * has at the same place are neither reported nor removed (the client did not send them). */
json_t *schema_unknown_fields(const api_kind_t *k, json_t *obj, const json_t *old, bool prune);

/* The duplicate-field problems of a JSON text (`duplicate field "replicas"`), appended to
 * problems (an array, borrowed). Texts that are not JSON add nothing. */
void schema_duplicate_fields(const char *text, size_t len, json_t *problems);

#endif
