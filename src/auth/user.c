/*
 * user.c — the identity record the authenticators fill and the authorizers read.
 */
#include "c8s/auth.h"
#include "c8s/base.h"
#include "c8s/strbuf.h"

#include <string.h>

auth_user_t *auth_user_new(const char *name, const char *uid, const char *const *groups, size_t n)
{
    auth_user_t *u = xcalloc(1, sizeof(*u));
    u->name = xstrdup(name ? name : "");
    u->uid = uid ? xstrdup(uid) : NULL;
    for (size_t i = 0; i < n; i++)
        auth_user_add_group(u, groups[i]);
    return u;
}

bool auth_user_in_group(const auth_user_t *u, const char *g)
{
    if (!u || !g)
        return false;
    for (size_t i = 0; i < u->n_groups; i++)
        if (strcmp(u->groups[i], g) == 0)
            return true;
    return false;
}

void auth_user_add_group(auth_user_t *u, const char *g)
{
    if (!g || auth_user_in_group(u, g))
        return;
    u->groups = xrealloc(u->groups, (u->n_groups + 1) * sizeof(*u->groups));
    u->groups[u->n_groups++] = xstrdup(g);
}

auth_user_t *auth_user_dup(const auth_user_t *u)
{
    if (!u)
        return NULL;
    auth_user_t *c = auth_user_new(u->name, u->uid, (const char *const *)u->groups, u->n_groups);
    c->extra = u->extra ? json_deep_copy(u->extra) : NULL;
    return c;
}

void auth_user_free(auth_user_t *u)
{
    if (!u)
        return;
    free(u->name);
    free(u->uid);
    for (size_t i = 0; i < u->n_groups; i++)
        free(u->groups[i]);
    free(u->groups);
    json_decref(u->extra);
    free(u);
}

json_t *auth_user_to_json(const auth_user_t *u)
{
    json_t *o = json_object();
    json_object_set_new(o, "username", json_string(u->name));
    if (u->uid && *u->uid)
        json_object_set_new(o, "uid", json_string(u->uid));
    json_t *g = json_array();
    for (size_t i = 0; i < u->n_groups; i++)
        json_array_append_new(g, json_string(u->groups[i]));
    json_object_set_new(o, "groups", g);
    if (u->extra && json_object_size(u->extra) > 0)
        json_object_set(o, "extra", u->extra);
    return o;
}

char *auth_forbidden_message(const auth_user_t *u, const auth_attrs_t *a, const char *reason)
{
    strbuf_t b = STRBUF_INIT;
    const char *who = u && u->name ? u->name : AUTH_USER_ANONYMOUS;
    if (!a->resource_request) {
        strbuf_addf(&b, "forbidden: User \"%s\" cannot %s path \"%s\"", who, a->verb,
                    a->path ? a->path : "");
    } else {
        const char *group = a->api_group ? a->api_group : "";
        strbuf_addf(&b, "%s%s%s", a->resource ? a->resource : "", *group ? "." : "", group);
        if (a->name && *a->name)
            strbuf_addf(&b, " \"%s\"", a->name);
        strbuf_addf(&b,
                    " is forbidden: User \"%s\" cannot %s resource \"%s%s%s\" in API group "
                    "\"%s\"",
                    who, a->verb, a->resource ? a->resource : "", a->subresource ? "/" : "",
                    a->subresource ? a->subresource : "", group);
        if (a->ns && *a->ns)
            strbuf_addf(&b, " in the namespace \"%s\"", a->ns);
        else
            strbuf_addf(&b, " at the cluster scope");
    }
    if (reason && *reason)
        strbuf_addf(&b, ": %s", reason);
    return strbuf_take(&b);
}
