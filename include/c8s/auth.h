/*
 * auth.h — who is asking (authentication) and what a request asks to do (authorization
 * attributes), as the API server's filter chain and the authorizers share them.
 *
 * The shapes follow upstream's user.Info and authorizer.Attributes so that RBAC, the Node
 * authorizer, admission (NodeRestriction), audit and priority-and-fairness read one record.
 */
#ifndef C8S_AUTH_H
#define C8S_AUTH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Well-known names (upstream's k8s.io/apiserver/pkg/authentication/user). */
#define AUTH_GROUP_MASTERS         "system:masters"
#define AUTH_GROUP_AUTHENTICATED   "system:authenticated"
#define AUTH_GROUP_UNAUTHENTICATED "system:unauthenticated"
#define AUTH_GROUP_NODES           "system:nodes"
#define AUTH_GROUP_SERVICEACCOUNTS "system:serviceaccounts"
#define AUTH_USER_ANONYMOUS        "system:anonymous"
#define AUTH_USER_APISERVER        "system:apiserver"
#define AUTH_NODE_PREFIX           "system:node:"
#define AUTH_SA_PREFIX             "system:serviceaccount:"

/* An authenticated identity. Owned by whoever made it (auth_user_new/auth_user_dup); every
 * string and the extra object belong to the record. */
typedef struct auth_user_s {
    char *name;
    char *uid;     /* may be NULL */
    char **groups; /* n_groups strings */
    size_t n_groups;
    json_t *extra; /* object: key → array of strings; NULL when empty */
} auth_user_t;

/* A new user (owned). groups may be NULL when n is 0; uid may be NULL. */
auth_user_t *auth_user_new(const char *name, const char *uid, const char *const *groups, size_t n);
/* Adds group g unless already present. */
void auth_user_add_group(auth_user_t *u, const char *g);
/* A deep copy (owned); NULL for NULL. */
auth_user_t *auth_user_dup(const auth_user_t *u);
void auth_user_free(auth_user_t *u);
bool auth_user_in_group(const auth_user_t *u, const char *g);
/* upstream's UserInfo object {username, uid, groups, extra} (owned). */
json_t *auth_user_to_json(const auth_user_t *u);

/* What a request asks to do (borrowed strings, valid for the request's life). */
typedef struct auth_attrs_s {
    bool resource_request;
    /* get list watch create update patch delete deletecollection (resource requests), or the
     * lower-case HTTP method mapped as upstream: get post put patch delete (non-resource). */
    const char *verb;
    const char *api_group; /* "" for core */
    const char *api_version;
    const char *resource;    /* plural */
    const char *subresource; /* NULL for the main resource */
    const char *ns;          /* NULL for cluster scope */
    const char *name;        /* NULL for collections */
    const char *path;        /* the request path (non-resource requests match on it) */
} auth_attrs_t;

typedef enum { AUTHZ_NO_OPINION = 0, AUTHZ_ALLOW, AUTHZ_DENY } authz_decision_t;

/* upstream's Forbidden message for a refusal: `pods "x" is forbidden: User "u" cannot get
 * resource "pods" in API group "" in the namespace "ns"` (owned). reason, when non-empty, is
 * appended after ": ". */
char *auth_forbidden_message(const auth_user_t *u, const auth_attrs_t *a, const char *reason);

#endif
