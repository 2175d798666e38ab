/*
 * openapi.h — the OpenAPI documents c8s serves, built from its own schema (schema.h) and kinds
 * registry (kinds.h): Swagger 2.0 at /openapi/v2 and OpenAPI 3.0 per group-version at
 * /openapi/v3/<api/v1 | apis/group/version>. Pure functions; every result is a new value the
 * caller owns.
 */
#ifndef C8S_OPENAPI_H
#define C8S_OPENAPI_H

#include <jansson.h>

/* The whole Swagger 2.0 document: definitions of every type, paths of every served resource. */
json_t *openapi_v2(void);

/* doc (an openapi_v2() document, borrowed) as gnostic's openapi.v2.Document protobuf message,
 * the form client-go's OpenAPISchema() asks for. Owned bytes, *len set. */
char *openapi_v2_protobuf(const json_t *doc, size_t *len);

/* The OpenAPI 3.0 document of one group-version (group "" for core), with the schemas its
 * kinds reach; NULL when c8s serves no kind in it. */
json_t *openapi_v3_group_version(const char *group, const char *version);

/* The v3 index keys: an array of "api/v1", "apis/apps/v1", ... in registry order. */
json_t *openapi_v3_group_versions(void);

#endif
