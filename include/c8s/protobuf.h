/*
 * protobuf.h — decoding of Kubernetes protobuf request bodies into the JSON object model.
 *
 * kubectl's typed `create` subcommands send their object as application/vnd.kubernetes.protobuf
 * and do not fall back to JSON on 415; answers may stay JSON (their Accept lists it). The body is
 * the magic "k8s\0" and a runtime.Unknown envelope whose raw bytes are the object's own encoding.
 * The decoder walks a compact table of the types those commands send (src/api/protobuf_types.c);
 * field numbers it does not know are skipped as upstream's decoder skips them. Pure, no I/O; the
 * input is untrusted: wire types are checked, lengths bounded, nesting limited.
 */
#ifndef C8S_PROTOBUF_H
#define C8S_PROTOBUF_H

#include "c8s/base.h"

#include <jansson.h>
#include <stddef.h>

#define PROTOBUF_MEDIA_TYPE "application/vnd.kubernetes.protobuf"

/* Decodes body[0..len) into a new JSON object (owned by the caller) with apiVersion and kind
 * set from the envelope and proto3-style empty defaults omitted as upstream's JSON omits them.
 * Returns 0, C8S_EBADREQUEST for malformed input, or C8S_EMEDIATYPE for a kind the table lacks. */
int protobuf_decode(const void *body, size_t len, json_t **out, c8s_err_t *err);

/* Whether the table knows kind (for documentation and tests). */
int protobuf_kind_known(const char *kind);

#endif
