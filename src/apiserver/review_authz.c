/*
 * review_authz.c — authorization.k8s.io/v1 access reviews: SubjectAccessReview (may anyone do
 * this), LocalSubjectAccessReview (the same, in the URL's namespace), SelfSubjectAccessReview (may
 * I) and SelfSubjectRulesReview (what may I do in a namespace). The authorizer chain answers
 * them exactly as it answers requests. `kubectl auth can-i` speaks the two self kinds.
 */
#include "internal.h"

#include "c8s/rbac.h"

#include <string.h>

/* The user the self reviews speak for: whoever the request authenticated as (owned copy). */
static auth_user_t *self_user(const api_req_t *r)
{
    return auth_user_dup(r->user);
}

static const char *s_at(const json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

static const char *nz(const char *s)
{
    return s && *s ? s : NULL;
}

/* Attributes from spec (borrowing its strings); C8S_EINVALID unless exactly one of the two
 * attribute sets is given. */
static int spec_attrs(const json_t *spec, auth_attrs_t *a, c8s_err_t *err)
{
    const json_t *ra = json_object_get(spec, "resourceAttributes");
    const json_t *na = json_object_get(spec, "nonResourceAttributes");
    if (json_is_object(ra) == json_is_object(na))
        return c8s_err_set(err, C8S_EINVALID,
                           "spec.resourceAttributes: Invalid value: \"null\": exactly one of "
                           "nonResourceAttributes or resourceAttributes must be specified");
    memset(a, 0, sizeof(*a));
    if (json_is_object(na)) {
        a->verb = s_at(na, "verb");
        a->path = s_at(na, "path");
        return 0;
    }
    a->resource_request = true;
    a->verb = s_at(ra, "verb");
    a->api_group = s_at(ra, "group");
    a->api_version = s_at(ra, "version");
    a->resource = s_at(ra, "resource");
    a->subresource = nz(s_at(ra, "subresource"));
    a->ns = nz(s_at(ra, "namespace"));
    a->name = nz(s_at(ra, "name"));
    return 0;
}

static void set_status(api_req_t *r, json_t *obj, const auth_user_t *u, const auth_attrs_t *a)
{
    char *reason = NULL;
    authz_decision_t d = apiserver__authz_decide(r->srv, u, a, &reason);
    json_t *st = json_object();
    json_object_set_new(st, "allowed", json_boolean(d == AUTHZ_ALLOW));
    if (d == AUTHZ_DENY)
        json_object_set_new(st, "denied", json_true());
    if (reason && *reason)
        json_object_set_new(st, "reason", json_string(reason));
    free(reason);
    json_object_set_new(obj, "status", st);
}

static json_t *spec_of(json_t *obj)
{
    json_t *spec = json_object_get(obj, "spec");
    if (!json_is_object(spec)) {
        spec = json_object();
        json_object_set_new(obj, "spec", spec);
    }
    return spec;
}

/* A user from a SubjectAccessReview's spec (owned). */
static auth_user_t *spec_user(const json_t *spec)
{
    auth_user_t *u = auth_user_new(s_at(spec, "user"), nz(s_at(spec, "uid")), NULL, 0);
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(spec, "groups"), i, g) if (json_string_value(g))
        auth_user_add_group(u, json_string_value(g));
    json_t *extra = json_object_get(spec, "extra");
    if (json_is_object(extra) && json_object_size(extra) > 0)
        u->extra = json_deep_copy(extra);
    return u;
}

static int subject_review(api_req_t *r, json_t *obj, bool local, c8s_err_t *err)
{
    json_t *spec = spec_of(obj);
    auth_attrs_t a;
    if (spec_attrs(spec, &a, err) != 0)
        return -1;
    if (!*s_at(spec, "user") && json_array_size(json_object_get(spec, "groups")) == 0)
        return c8s_err_set(err, C8S_EINVALID,
                           "spec.user: Invalid value: \"\": at least one of user or group must be "
                           "specified");
    if (local) {
        if (!a.resource_request)
            return c8s_err_set(err, C8S_EINVALID,
                               "spec.nonResourceAttributes: Invalid value: \"\": disallowed on "
                               "this kind of request");
        if (a.ns && r->ns && strcmp(a.ns, r->ns) != 0)
            return c8s_err_set(err, C8S_EBADREQUEST,
                               "spec.resourceAttributes.namespace must match namespace: %s", r->ns);
        a.ns = r->ns;
    }
    if (!a.path)
        a.path = "";
    auth_user_t *u = spec_user(spec);
    set_status(r, obj, u, &a);
    auth_user_free(u);
    return 0;
}

int apiserver__review_sar(api_req_t *r, json_t *obj, c8s_err_t *err)
{
    return subject_review(r, obj, false, err);
}

int apiserver__review_lsar(api_req_t *r, json_t *obj, c8s_err_t *err)
{
    return subject_review(r, obj, true, err);
}

int apiserver__review_ssar(api_req_t *r, json_t *obj, c8s_err_t *err)
{
    json_t *spec = spec_of(obj);
    auth_attrs_t a;
    if (spec_attrs(spec, &a, err) != 0)
        return -1;
    if (!a.path)
        a.path = "";
    auth_user_t *u = self_user(r);
    set_status(r, obj, u, &a);
    auth_user_free(u);
    return 0;
}

int apiserver__review_ssrr(api_req_t *r, json_t *obj, c8s_err_t *err)
{
    (void)err;
    json_t *spec = spec_of(obj);
    const char *ns = nz(s_at(spec, "namespace"));
    auth_user_t *u = self_user(r);
    const struct rbac_policy_s *p = apiserver__rbac_policy(r->srv);
    json_t *rules = rbac_rules_for(p, u, ns);
    json_t *res_rules = json_array(), *url_rules = json_array();
    size_t i;
    json_t *rule;
    json_array_foreach(rules, i, rule)
    {
        json_t *urls = json_object_get(rule, "nonResourceURLs");
        if (json_array_size(urls) > 0) {
            json_array_append_new(url_rules,
                                  json_pack("{s:O, s:O}", "verbs", json_object_get(rule, "verbs"),
                                            "nonResourceURLs", urls));
            continue;
        }
        json_t *rr = json_object();
        static const char *const keys[] = {"verbs", "apiGroups", "resources", "resourceNames"};
        for (size_t k = 0; k < C8S_ARRAY_SIZE(keys); k++) {
            json_t *v = json_object_get(rule, keys[k]);
            if (json_is_array(v))
                json_object_set(rr, keys[k], v);
        }
        json_array_append_new(res_rules, rr);
    }
    json_decref(rules);
    /* The Node authorizer's grants depend on objects, not rules: upstream reports them as
     * incomplete too. */
    bool incomplete = u->name && strncmp(u->name, AUTH_NODE_PREFIX, strlen(AUTH_NODE_PREFIX)) == 0;
    auth_user_free(u);
    json_object_set_new(obj, "status",
                        json_pack("{s:o, s:o, s:b}", "resourceRules", res_rules, "nonResourceRules",
                                  url_rules, "incomplete", incomplete));
    return 0;
}
