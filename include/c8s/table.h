/*
 * table.h — server-side printing: the meta.k8s.io/v1 Table that kube-apiserver returns for
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` (what `kubectl get` asks for).
 *
 * Columns and cells follow upstream's printers (kubernetes pkg/printers/internalversion) for every
 * kind c8s serves; a kind without a printer gets upstream's default, Name and Created At. Like
 * upstream's TableConvertor, rows are generated "wide": every cell, priority-1 columns included;
 * kubectl hides priority-1 columns unless `-o wide`.
 *
 * Pure functions over jansson values: no I/O, no global mutable state. Time is passed in (`now`,
 * Unix seconds) so ages are deterministic. Every returned json_t * is a new reference owned by
 * the caller (json_decref); arguments are borrowed. Rows hold new references to parts of the
 * object (the whole object for TABLE_INCLUDE_OBJECT, its metadata for TABLE_INCLUDE_METADATA),
 * not copies: do not modify an object after building a row from it.
 */
#ifndef C8S_TABLE_H
#define C8S_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "c8s/base.h"
#include "c8s/kinds.h"

/* The ?includeObject= parameter (metav1.IncludeObjectPolicy): what each row's "object" holds. */
typedef enum {
    TABLE_INCLUDE_METADATA = 0, /* "Metadata", also "" (the default, what kubectl asks for): a
                                   PartialObjectMetadata {kind, apiVersion: meta.k8s.io/v1,
                                   metadata} */
    TABLE_INCLUDE_NONE = 1,     /* "None": "object": null */
    TABLE_INCLUDE_OBJECT = 2,   /* "Object": the whole object */
} table_include_t;

/* The autoscaling/v1 Scale that the scale subresources answer: pass it as k to print a Scale
 * (upstream's Name, Desired, Available, Age). Borrowed, static. */
const api_kind_t *table_scale_kind(void);

/* Parses includeObject (NULL or "" → Metadata). Unknown values give C8S_EBADREQUEST with
 * upstream's message `unrecognized includeObject value: "x"`. */
int table_parse_include(const char *s, table_include_t *out, c8s_err_t *err);

/* The columnDefinitions array for k: [{name, type, format, description, priority}, …].
 * wide=false leaves out priority-1 columns; the API server passes true, as upstream does. */
json_t *table_column_definitions(const api_kind_t *k, bool wide);

/* One row for obj (a k object): {"cells": [...], "object": ...}, plus "conditions" where upstream
 * sets them (pods that Succeeded or Failed: [{type: Completed, status: "True", reason, message}]).
 * Cells are strings, integers or booleans, one per column of table_column_definitions(k, true).
 * Never NULL: a malformed object gives cells of empty values. */
json_t *table_row(const api_kind_t *k, const json_t *obj, int64_t now_unix, table_include_t inc);

/* The whole Table for a list: {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata":
 * {"resourceVersion", "continue"}, "columnDefinitions": [...], "rows": [...]}. items is the
 * list's items array (borrowed; NULL is an empty list). resource_version and cont may be NULL or
 * "" (then left out, as upstream's omitempty). Add remainingItemCount to "metadata" yourself if
 * the list has one. */
json_t *table_from_list(const api_kind_t *k, const json_t *items, const char *resource_version,
                        const char *cont, int64_t now_unix, table_include_t inc);

/* The Table for a single GET: one row; metadata.resourceVersion is the object's. */
json_t *table_from_object(const api_kind_t *k, const json_t *obj, int64_t now_unix,
                          table_include_t inc);

/* The Table a watch sends as an event's object (ADDED/MODIFIED/DELETED): one row, metadata
 * carrying the object's resourceVersion. Upstream (apiserver watchEmbeddedEncoder) sends column
 * definitions with the first event of a watch only; later events carry "columnDefinitions": null.
 * The caller keeps that state: headers=true for the first event, false after. ERROR events
 * (Status objects) are not transformed; send them as they are. */
json_t *table_for_event(const api_kind_t *k, const json_t *obj, int64_t now_unix,
                        table_include_t inc, bool headers);

/* Upstream's duration.HumanDuration for a whole number of seconds: "0s" for -1 and 0 (clock
 * skew), "<invalid>" below that, "59s", "119s", "2m", "3m2s", "10m", "179m", "3h", "3h2m", "8h",
 * "47h", "2d", "2d3h", "8d", "400d", "2y", "2y35d", "8y". Owned by the caller (free). */
char *table_age(int64_t seconds);

/* Parses an RFC 3339 timestamp ("2024-05-01T10:00:00Z", "…T10:00:00.123456Z",
 * "…T12:00:00+02:00") into Unix seconds (fraction dropped). Returns false if s is not one. */
bool table_parse_time(const char *s, int64_t *out);

#endif
