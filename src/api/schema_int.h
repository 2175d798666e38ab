/*
 * schema_int.h — the shorthand schema_types.c is written in, and the table it defines.
 */
#ifndef C8S_API_SCHEMA_INT_H
#define C8S_API_SCHEMA_INT_H

#include "c8s/base.h"
#include "c8s/schema.h"

/* A field's value: shape, kind, format, ref. */
#define V_(sh, k, f, r) .kind = k, .format = f, .ref = r
#define STR             V_(SCHEMA_ONE, SCHEMA_STRING, NULL, NULL)
#define BYTES           V_(SCHEMA_ONE, SCHEMA_STRING, "byte", NULL)
#define DATETIME        V_(SCHEMA_ONE, SCHEMA_STRING, "date-time", NULL)
#define I32             V_(SCHEMA_ONE, SCHEMA_INTEGER, "int32", NULL)
#define I64             V_(SCHEMA_ONE, SCHEMA_INTEGER, "int64", NULL)
#define NUM             V_(SCHEMA_ONE, SCHEMA_NUMBER, "double", NULL)
#define BOOL            V_(SCHEMA_ONE, SCHEMA_BOOLEAN, NULL, NULL)
#define ANY             V_(SCHEMA_ONE, SCHEMA_ANY, NULL, NULL)
#define REF(t)          V_(SCHEMA_ONE, SCHEMA_REF, NULL, &t)
/* Arrays and maps: the same value with another shape (SCHEMA_ONE is 0, the default). */
#define ARR(...)  __VA_ARGS__, .shape = SCHEMA_ARRAY
#define MAP(...)  __VA_ARGS__, .shape = SCHEMA_MAP
#define LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

#define REQ       SCHEMA_F_REQUIRED
#define PM        SCHEMA_F_PATCH_MERGE
#define PRK       SCHEMA_F_PATCH_RETAIN_KEYS
#define PREPL     SCHEMA_F_PATCH_REPLACE
#define LATOMIC   SCHEMA_F_LIST_ATOMIC
#define LSET      SCHEMA_F_LIST_SET
#define LMAP      SCHEMA_F_LIST_MAP
#define MATOMIC   SCHEMA_F_MAP_ATOMIC
#define MGRANULAR SCHEMA_F_MAP_GRANULAR

extern const schema_type_t *const schema__types[];
extern const size_t schema__n_types;
extern const schema_field_t schema__roots[];
extern const size_t schema__n_roots;

#endif
