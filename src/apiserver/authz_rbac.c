/*
 * authz_rbac.c — the RBAC authorizer over the server's own watch caches, and escalation
 * prevention for writes of Roles, ClusterRoles and their bindings.
 *
 * The policy index (rbac.h) is rebuilt only when one of the four RBAC caches has moved to a new
 * revision since the last build, so a decision costs a walk over parsed bindings, never a parse.
 * Nothing here waits: a cache that is not yet filled means no opinion (refusal), as upstream's
 * authorizer before its informers sync.
 */
#include "internal.h"

#include "c8s/rbac.h"
#include "c8s/strbuf.h"

#include <string.h>

#define RBAC_GROUP "rbac.authorization.k8s.io"

static const struct {
    const char *resource, *kind;
} rbac_kinds[] = {
    {"clusterroles", "ClusterRole"},
    {"roles", "Role"},
    {"clusterrolebindings", "ClusterRoleBinding"},
    {"rolebindings", "RoleBinding"},
};

struct apiserver_rbac_s {
    rbac_policy_t *policy;
    int64_t revs[4];
};

void apiserver__rbac_free(apiserver_t *s)
{
    if (!s->rbac)
        return;
    rbac_policy_free(s->rbac->policy);
    free(s->rbac);
    s->rbac = NULL;
}

typedef struct {
    rbac_policy_t *p;
    const char *kind;
} scan_t;

static bool add_obj(wc_obj_t *o, void *data)
{
    scan_t *sc = data;
    json_t *obj = json_loadb(o->json, o->json_len, 0, NULL);
    if (obj)
        rbac_policy_add(sc->p, sc->kind, obj);
    json_decref(obj);
    return true;
}

const rbac_policy_t *apiserver__rbac_policy(apiserver_t *s)
{
    resource_t *res[4];
    int64_t revs[4];
    for (size_t i = 0; i < 4; i++) {
        const api_kind_t *k = api_kind_lookup(RBAC_GROUP, "v1", rbac_kinds[i].resource);
        res[i] = k ? apiserver__resource_for(s, k) : NULL;
        if (!res[i] || !res[i]->ready)
            return s->rbac ? s->rbac->policy : NULL;
        revs[i] = wcache_rev(res[i]->cache);
    }
    if (s->rbac && memcmp(s->rbac->revs, revs, sizeof(revs)) == 0)
        return s->rbac->policy;
    if (!s->rbac)
        s->rbac = xcalloc(1, sizeof(*s->rbac));
    rbac_policy_t *p = rbac_policy_new();
    for (size_t i = 0; i < 4; i++) {
        scan_t sc = {p, rbac_kinds[i].kind};
        wcache_scan(res[i]->cache, "", NULL, add_obj, &sc);
    }
    rbac_policy_finish(p);
    rbac_policy_free(s->rbac->policy);
    s->rbac->policy = p;
    memcpy(s->rbac->revs, revs, sizeof(revs));
    return p;
}

authz_decision_t apiserver__authz_rbac(apiserver_t *s, const auth_user_t *u, const auth_attrs_t *a,
                                       char **reason)
{
    return rbac_authorize(apiserver__rbac_policy(s), u, a, reason);
}

/* ---- escalation prevention ---- */

static bool may(api_req_t *r, const char *verb, const char *resource, const char *ns,
                const char *name)
{
    auth_attrs_t a = {.resource_request = true,
                      .verb = verb,
                      .api_group = RBAC_GROUP,
                      .api_version = "v1",
                      .resource = resource,
                      .ns = ns,
                      .name = name,
                      .path = r->path};
    return apiserver__authz_decide(r->srv, r->user, &a, NULL) == AUTHZ_ALLOW;
}

static int not_held(api_req_t *r, const json_t *missing, c8s_err_t *err)
{
    strbuf_t g = STRBUF_INIT;
    for (size_t i = 0; i < r->user->n_groups; i++)
        strbuf_addf(&g, "%s\"%s\"", i ? " " : "", r->user->groups[i]);
    cleanup_free char *groups = strbuf_take(&g);
    cleanup_free char *rules = rbac_rules_string(missing);
    return c8s_err_set(err, C8S_EFORBIDDEN,
                       "%s \"%s\" is forbidden: user \"%s\" (groups=[%s]) is attempting to grant "
                       "RBAC permissions not currently held:\n%s",
                       apiserver__qualified(r), r->name ? r->name : "", r->user->name, groups,
                       rules);
}

int apiserver__rbac_escalation(api_req_t *r, c8s_err_t *err)
{
    const api_kind_t *k = r->kind;
    if (!k || strcmp(k->group, RBAC_GROUP) != 0 || r->subresource)
        return 0;
    bool role = strcmp(k->kind, "Role") == 0 || strcmp(k->kind, "ClusterRole") == 0;
    bool binding =
        strcmp(k->kind, "RoleBinding") == 0 || strcmp(k->kind, "ClusterRoleBinding") == 0;
    if ((!role && !binding) || !r->user || auth_user_in_group(r->user, AUTH_GROUP_MASTERS))
        return 0;
    const char *ns = k->namespaced ? r->ns : NULL;
    const rbac_policy_t *p = apiserver__rbac_policy(r->srv);
    cleanup_json json_t *held = rbac_rules_for(p, r->user, ns);
    if (role) {
        if (may(r, "escalate", k->resource, ns, r->name))
            return 0;
        if (json_object_get(r->obj, "aggregationRule"))
            return c8s_err_set(err, C8S_EFORBIDDEN,
                               "%s \"%s\" is forbidden: must have cluster-admin privileges to use "
                               "the aggregationRule",
                               apiserver__qualified(r), r->name ? r->name : "");
        json_t *rules = json_object_get(r->obj, "rules");
        cleanup_json json_t *missing = NULL;
        if (rbac_covers(held, json_is_array(rules) ? rules : NULL, &missing))
            return 0;
        return not_held(r, missing, err);
    }
    const json_t *ref = json_object_get(r->obj, "roleRef");
    const char *rk = json_string_value(json_object_get(ref, "kind"));
    const char *rn = json_string_value(json_object_get(ref, "name"));
    if (!rk || !rn)
        return 0; /* validation refuses it */
    bool cluster_ref = strcmp(rk, "ClusterRole") == 0;
    /* Asked in the binding's namespace, so bind on a ClusterRole can be delegated per
     * namespace, as upstream. */
    if (may(r, "bind", cluster_ref ? "clusterroles" : "roles", ns, rn))
        return 0;
    cleanup_json json_t *rules = rbac_role_rules(p, rk, rn, ns);
    if (!rules)
        return c8s_err_set(err, C8S_EFORBIDDEN, "%s \"%s\" is forbidden: %s.%s \"%s\" not found",
                           apiserver__qualified(r), r->name ? r->name : "",
                           cluster_ref ? "clusterroles" : "roles", RBAC_GROUP, rn);
    cleanup_json json_t *missing = NULL;
    if (rbac_covers(held, rules, &missing))
        return 0;
    return not_held(r, missing, err);
}
