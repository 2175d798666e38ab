/*
 * patch.h — the patch math of PATCH requests, as pure functions over JSON: JSON merge patch
 * (RFC 7386, application/merge-patch+json) and JSON patch (RFC 6902, application/json-patch+json).
 */
#ifndef C8S_PATCH_H
#define C8S_PATCH_H

#include "c8s/base.h"

/* Applies a merge patch to target (borrowed) and returns the result (owned, new). */
json_t *patch_merge(const json_t *target, const json_t *patch);

/* Applies a JSON patch (an array of operations) to doc (borrowed); *out is the result (owned).
 * Errors are C8S_EBADREQUEST (malformed operations) or C8S_EINVALID (a failed test or a
 * missing path), with upstream-like messages. */
int patch_json(const json_t *doc, const json_t *ops, json_t **out, c8s_err_t *err);

#endif
