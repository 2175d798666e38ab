/*
 * oidc.c — ServiceAccount issuer discovery: /.well-known/openid-configuration and the key set at
 * /openid/v1/jwks, so that a relying party outside the cluster can verify ServiceAccount tokens
 * (as upstream serves them; who may read them is authorization's business).
 */
#include "internal.h"

#include <string.h>

bool apiserver__oidc(api_req_t *r)
{
    const char *p = r->path;
    bool config = strcmp(p, "/.well-known/openid-configuration") == 0;
    bool jwks = strcmp(p, "/openid/v1/jwks") == 0;
    if (!config && !jwks)
        return false;
    r->verb = r->method;
    if (strcmp(r->method, "GET") != 0) {
        apiserver__respond_code(r, C8S_EMETHOD,
                                "the server does not allow this method on the requested resource");
        return true;
    }
    json_t *doc = config ? apiserver__oidc_config(r->srv) : apiserver__oidc_jwks(r->srv);
    if (!doc) {
        apiserver__respond_code(r, C8S_ENOTFOUND,
                                "the server could not find the requested resource");
        return true;
    }
    char *body = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    apiserver__respond(r, 200, config ? "application/json" : "application/jwk-set+json", body,
                       strlen(body));
    free(body);
    return true;
}
