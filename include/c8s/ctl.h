/*
 * ctl.h — `c8s ctl`, c8s's own kubectl: the entry point, and the pure cores it is built on
 * (column printing, the jsonpath subset, client-side apply's three-way merge), exposed for tests.
 */
#ifndef C8S_CTL_H
#define C8S_CTL_H

#include "c8s/base.h"
#include "c8s/kinds.h"

/* `c8s ctl VERB ...` (argv[0] is "ctl" or "c8sctl"). Prints as kubectl does; returns the exit
 * code (0, or 1 on any error, as kubectl). */
int ctl_main(int argc, char **argv);

/* Lays out rows (a JSON array of arrays of strings or numbers, the header row first) as kubectl's
 * tabwriter does: columns left-aligned, each as wide as its widest cell plus 3 spaces (at least
 * 6), the last column unpadded, one row per line. Returns an owned string. */
char *ctl_format_columns(const json_t *rows);
/* The same, with widths remembered across calls (Go tabwriter's RememberWidths, which keeps
 * `get -w` rows aligned with the table above them): remember[0..n) holds the widths so far (0 at
 * first) and is updated. */
char *ctl_format_columns_remember(const json_t *rows, size_t *remember, size_t n_remember);

/* Evaluates a kubectl jsonpath template ("{.metadata.name}", "{.items[*].metadata.name}",
 * "{range .items[*]}{.metadata.name}{\"\\n\"}{end}", text outside braces copied) against v
 * (borrowed). Supported: .field, ['field'], [n] (negative from the end), [*], .., range/end,
 * quoted literals. Several results of one expression are joined by a space; strings print bare,
 * other values as compact JSON. *out is owned. Errors (C8S_EBADREQUEST) name the problem as
 * kubectl does: "error executing jsonpath ...: ... is not found". */
int ctl_jsonpath(const char *tmpl, const json_t *v, char **out, c8s_err_t *err);

/* kubectl apply's three-way merge: the patch that takes current to modified, deleting what the
 * last applied configuration (original, may be NULL) had and modified no longer has, and leaving
 * alone what others added. For k with a patch schema the result is a strategic merge patch
 * (lists with a merge key diffed by key, $setElementOrder, $patch: delete,
 * $deleteFromPrimitiveList); for k == NULL a JSON merge patch. All inputs are borrowed; *out is a
 * new object, {} when nothing changes. */
int ctl_threeway_patch(const api_kind_t *k, const json_t *original, const json_t *modified,
                       const json_t *current, json_t **out, c8s_err_t *err);

#endif
