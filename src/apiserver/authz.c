/*
 * authz.c — authorization: may this user do what the request asks. Authorizers are asked in
 * order and the first with an opinion decides; nobody's approval is a refusal, as upstream's
 * union authorizer with RBAC last.
 */
#include "internal.h"

#include <strings.h>
#include <string.h>

typedef authz_decision_t (*authorizer_fn)(apiserver_t *s, const auth_user_t *u,
                                          const auth_attrs_t *a, char **reason);

static const authorizer_fn authorizers[] = {
    apiserver__authz_node,
    apiserver__authz_rbac,
    NULL,
};

static bool watch_param(const api_req_t *r)
{
    const char *w = apiserver__query(r, "watch");
    return (w && (strcmp(w, "true") == 0 || strcmp(w, "1") == 0)) ||
           (r->verb && strcmp(r->verb, "WATCH") == 0);
}

static const char *resource_verb(const api_req_t *r)
{
    const char *m = r->method;
    if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0) {
        if (watch_param(r))
            return "watch";
        return r->name ? "get" : "list";
    }
    if (strcmp(m, "POST") == 0)
        return "create";
    if (strcmp(m, "PUT") == 0)
        return "update";
    if (strcmp(m, "PATCH") == 0)
        return "patch";
    if (strcmp(m, "DELETE") == 0)
        return r->name ? "delete" : "deletecollection";
    return "";
}

static const char *nonresource_verb(const char *m)
{
    static const char *const known[] = {"get", "post", "put", "patch", "delete", "head", "options"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(known); i++)
        if (strcasecmp(m, known[i]) == 0)
            return known[i];
    return "";
}

void apiserver__auth_attrs(const api_req_t *r, auth_attrs_t *a)
{
    memset(a, 0, sizeof(*a));
    a->path = r->path;
    a->resource_request = r->resource != NULL;
    if (!a->resource_request) {
        a->verb = nonresource_verb(r->method);
        return;
    }
    a->verb = resource_verb(r);
    a->api_group = r->group ? r->group : "";
    a->api_version = r->version;
    a->resource = r->resource;
    a->subresource = r->subresource;
    a->ns = r->ns;
    a->name = r->name;
}

authz_decision_t apiserver__authz_decide(apiserver_t *s, const auth_user_t *u,
                                         const auth_attrs_t *a, char **reason)
{
    if (auth_user_in_group(u, AUTH_GROUP_MASTERS))
        return AUTHZ_ALLOW;
    for (size_t i = 0; authorizers[i]; i++) {
        char *why = NULL;
        authz_decision_t d = authorizers[i](s, u, a, &why);
        if (d != AUTHZ_NO_OPINION) {
            if (reason)
                *reason = why;
            else
                free(why);
            return d;
        }
        free(why);
    }
    return AUTHZ_NO_OPINION;
}

bool apiserver__authorize(api_req_t *r)
{
    auth_attrs_t a;
    apiserver__auth_attrs(r, &a);
    char *reason = NULL;
    authz_decision_t d = apiserver__authz_decide(r->srv, r->user, &a, &reason);
    if (d == AUTHZ_ALLOW) {
        free(reason);
        return true;
    }
    if (auth_user_in_group(r->user, AUTH_GROUP_UNAUTHENTICATED)) {
        /* A stranger learns nothing about what exists: 401 as if anonymity were off. */
        free(reason);
        r->verb = r->method;
        apiserver__respond_code(r, C8S_EUNAUTH, "Unauthorized");
        return false;
    }
    cleanup_free char *msg = auth_forbidden_message(r->user, &a, reason);
    free(reason);
    r->verb = r->method;
    apiserver__respond_code(r, C8S_EFORBIDDEN, "%s", msg);
    return false;
}
