/*
 * yaml.h — YAML ↔ JSON for manifests, as kubectl and kube-apiserver convert them
 * (sigs.k8s.io/yaml over gopkg.in/yaml.v2).
 *
 * Pure functions, no I/O. Plain scalars resolve as yaml.v2 does: true/false/yes/no/on/off/y/n
 * (in their lower, Title and UPPER spellings) are booleans; null, Null, NULL, ~ and the empty
 * scalar are null; decimal, 0x, 0o, 0b and leading-0 octal integers (with `_` separators) are
 * integers; other YAML-style floats are numbers; everything else, and every quoted or block
 * scalar, is a string. Explicit tags (!!str, !!int, !!float, !!bool, !!null) are honoured.
 * Numbers with an integral value (1.0, 1e3) become JSON integers, as Go's encoding/json prints
 * them. Anchors, aliases and merge keys (`<<`) are supported, with the expansion capped.
 *
 * Errors are C8S_EBADREQUEST with upstream's wording, e.g. "error converting YAML to JSON:
 * yaml: line 3: mapping values are not allowed in this context".
 */
#ifndef C8S_YAML_H
#define C8S_YAML_H

#include "c8s/base.h"

/* Limits against alias expansion bombs and deep nesting. */
#define C8S_YAML_MAX_NODES 1000000 /* node visits after alias expansion, per document */
#define C8S_YAML_MAX_DEPTH 1000    /* nesting after alias expansion */

/* Converts the first document of buf[0..len) to JSON. *out is a new reference owned by the
 * caller; an empty stream gives JSON null. Later documents are ignored, as yaml.v2's Unmarshal
 * does. Mapping keys that are not strings take their string form (1 → "1", true → "true");
 * a repeated key is an error ("key \"a\" already set in map"), as sigs.k8s.io/yaml's strict
 * mode; .inf and .nan are refused since JSON cannot hold them. */
int yaml_to_json(const char *buf, size_t len, json_t **out, c8s_err_t *err);

/* Converts a multi-document stream (`---` separators) into a JSON array of its documents,
 * skipping empty (null) ones. *out_array is a new reference owned by the caller. */
int yaml_docs_to_json(const char *buf, size_t len, json_t **out_array, c8s_err_t *err);

/* Emits v (borrowed) as one block-style YAML document, as `kubectl get -o yaml` prints: keys in
 * the object's order, strings quoted only where they would read back as another type ("true",
 * "123", "", "null", timestamps) or cannot be plain, multi-line strings as literal blocks `|`.
 * *out is a NUL-terminated buffer owned by the caller (free); *out_len its length (may be NULL).
 * Fails only if v holds something YAML cannot carry (C8S_EINTERNAL). */
int json_to_yaml(const json_t *v, char **out, size_t *out_len, c8s_err_t *err);

#endif
