/*
 * audit_policy.c — upstream's audit Policy: rules matched in order by user, group, verb,
 * resource, namespace or non-resource URL; the first match decides the level.
 */
#include "c8s/audit.h"
#include "c8s/strbuf.h"
#include "c8s/yaml.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    char *group;
    char **resources;
    size_t n_resources;
    char **names;
    size_t n_names;
} gr_t;

typedef struct {
    audit_level_t level;
    char **users, **groups, **verbs, **namespaces, **urls;
    size_t n_users, n_groups, n_verbs, n_namespaces, n_urls;
    gr_t *res;
    size_t n_res;
    unsigned omit;
} rule_t;

struct audit_policy_s {
    rule_t *rules;
    size_t n_rules;
    unsigned omit;
};

static const char *const level_names[] = {"None", "Metadata", "Request", "RequestResponse"};

const char *audit_level_name(audit_level_t l)
{
    return (unsigned)l < 4 ? level_names[l] : "None";
}

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void audit_policy_free(audit_policy_t *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_rules; i++) {
        rule_t *r = &p->rules[i];
        free_strs(r->users, r->n_users);
        free_strs(r->groups, r->n_groups);
        free_strs(r->verbs, r->n_verbs);
        free_strs(r->namespaces, r->n_namespaces);
        free_strs(r->urls, r->n_urls);
        for (size_t k = 0; k < r->n_res; k++) {
            free(r->res[k].group);
            free_strs(r->res[k].resources, r->res[k].n_resources);
            free_strs(r->res[k].names, r->res[k].n_names);
        }
        free(r->res);
    }
    free(p->rules);
    free(p);
}

/* A list of strings at field `name` of o (absent or null: empty). */
static int strs(const json_t *o, const char *name, const char *where, char ***out, size_t *n,
                c8s_err_t *err)
{
    const json_t *a = json_object_get(o, name);
    *out = NULL;
    *n = 0;
    if (!a || json_is_null(a))
        return 0;
    if (!json_is_array(a))
        return c8s_err_set(err, C8S_EINVALID, "%s.%s: must be a list of strings", where, name);
    *out = xcalloc(json_array_size(a) + 1, sizeof(char *));
    size_t i;
    const json_t *v;
    json_array_foreach(a, i, v)
    {
        if (!json_is_string(v))
            return c8s_err_set(err, C8S_EINVALID, "%s.%s[%zu]: must be a string", where, name, i);
        (*out)[(*n)++] = xstrdup(json_string_value(v));
    }
    return 0;
}

static int stages(const json_t *o, const char *where, unsigned *out, c8s_err_t *err)
{
    static const char *const names[] = {"RequestReceived", "ResponseStarted", "ResponseComplete",
                                        "Panic"};
    const json_t *a = json_object_get(o, "omitStages");
    *out = 0;
    if (!a || json_is_null(a))
        return 0;
    if (!json_is_array(a))
        return c8s_err_set(err, C8S_EINVALID, "%s.omitStages: must be a list", where);
    size_t i;
    const json_t *v;
    json_array_foreach(a, i, v)
    {
        const char *s = json_string_value(v);
        size_t k = 0;
        while (k < 4 && !(s && strcmp(s, names[k]) == 0))
            k++;
        if (k == 4)
            return c8s_err_set(err, C8S_EINVALID, "%s.omitStages[%zu]: unknown stage %s", where, i,
                               s ? s : "(not a string)");
        *out |= 1u << k;
    }
    return 0;
}

static int parse_rule(const json_t *o, size_t idx, rule_t *r, c8s_err_t *err)
{
    char where[48];
    snprintf(where, sizeof(where), "rules[%zu]", idx);
    if (!json_is_object(o))
        return c8s_err_set(err, C8S_EINVALID, "%s: must be an object", where);
    const char *lvl = json_string_value(json_object_get(o, "level"));
    size_t k = 0;
    while (k < 4 && !(lvl && strcmp(lvl, level_names[k]) == 0))
        k++;
    if (k == 4)
        return c8s_err_set(err, C8S_EINVALID, "%s.level: unknown level %s", where,
                           lvl ? lvl : "(missing)");
    r->level = (audit_level_t)k;
    if (strs(o, "users", where, &r->users, &r->n_users, err) ||
        strs(o, "userGroups", where, &r->groups, &r->n_groups, err) ||
        strs(o, "verbs", where, &r->verbs, &r->n_verbs, err) ||
        strs(o, "namespaces", where, &r->namespaces, &r->n_namespaces, err) ||
        strs(o, "nonResourceURLs", where, &r->urls, &r->n_urls, err) ||
        stages(o, where, &r->omit, err))
        return err->code;
    const json_t *res = json_object_get(o, "resources");
    if (res && !json_is_null(res)) {
        if (!json_is_array(res))
            return c8s_err_set(err, C8S_EINVALID, "%s.resources: must be a list", where);
        r->res = xcalloc(json_array_size(res) + 1, sizeof(gr_t));
        size_t i;
        const json_t *g;
        json_array_foreach(res, i, g)
        {
            gr_t *gr = &r->res[r->n_res++];
            const char *group = json_string_value(json_object_get(g, "group"));
            gr->group = xstrdup(group ? group : "");
            if (strs(g, "resources", where, &gr->resources, &gr->n_resources, err) ||
                strs(g, "resourceNames", where, &gr->names, &gr->n_names, err))
                return err->code;
        }
    }
    if ((r->n_res || r->n_namespaces) && r->n_urls)
        return c8s_err_set(err, C8S_EINVALID,
                           "%s: rules cannot apply to both regular resources and non-resource "
                           "URLs",
                           where);
    return 0;
}

int audit_policy_parse(const char *text, size_t len, audit_policy_t **out, c8s_err_t *err)
{
    cleanup_json json_t *doc = NULL;
    if (yaml_to_json(text, len, &doc, err) != 0)
        return c8s_err_wrap(err, "audit policy");
    const char *kind = json_string_value(json_object_get(doc, "kind"));
    const char *av = json_string_value(json_object_get(doc, "apiVersion"));
    if (!kind || strcmp(kind, "Policy") != 0 || !av ||
        (strcmp(av, "audit.k8s.io/v1") != 0 && strcmp(av, "audit.k8s.io/v1beta1") != 0))
        return c8s_err_set(err, C8S_EINVALID,
                           "audit policy: want kind Policy, apiVersion audit.k8s.io/v1");
    audit_policy_t *p = xcalloc(1, sizeof(*p));
    const json_t *rules = json_object_get(doc, "rules");
    if (rules && !json_is_array(rules)) {
        audit_policy_free(p);
        return c8s_err_set(err, C8S_EINVALID, "audit policy: rules must be a list");
    }
    p->rules = xcalloc(json_array_size(rules) + 1, sizeof(rule_t));
    size_t i;
    const json_t *r;
    json_array_foreach(rules, i, r)
    {
        if (parse_rule(r, i, &p->rules[p->n_rules++], err) != 0) {
            audit_policy_free(p);
            return c8s_err_wrap(err, "audit policy");
        }
    }
    if (stages(doc, "policy", &p->omit, err) != 0) {
        audit_policy_free(p);
        return c8s_err_wrap(err, "audit policy");
    }
    *out = p;
    return 0;
}

int audit_policy_load(const char *path, audit_policy_t **out, c8s_err_t *err)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return c8s_err_set(err, C8S_ENOTFOUND, "reading audit policy %s: %m", path);
    strbuf_t b = STRBUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        strbuf_addn(&b, chunk, n);
    fclose(f);
    int rc = audit_policy_parse(b.s ? b.s : "", b.len, out, err);
    strbuf_free(&b);
    if (rc != 0)
        c8s_err_wrap(err, "%s", path);
    return rc;
}

static bool has(char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (s && strcmp(v[i], s) == 0)
            return true;
    return false;
}

static bool path_matches(const char *path, const char *spec)
{
    size_t n = strlen(spec);
    if (strcmp(spec, "*") == 0 || strcmp(spec, path) == 0)
        return true;
    return n > 0 && spec[n - 1] == '*' && strncmp(path, spec, n - 1) == 0;
}

static bool resource_matches(const rule_t *r, const auth_attrs_t *a)
{
    if (!a->resource_request)
        return false;
    if (r->n_namespaces && !has(r->namespaces, r->n_namespaces, a->ns ? a->ns : ""))
        return false;
    if (r->n_res == 0)
        return true;
    const char *group = a->api_group ? a->api_group : "";
    const char *res = a->resource ? a->resource : "";
    const char *sub = a->subresource;
    char combined[256];
    snprintf(combined, sizeof(combined), "%s%s%s", res, sub ? "/" : "", sub ? sub : "");
    for (size_t i = 0; i < r->n_res; i++) {
        const gr_t *gr = &r->res[i];
        if (strcmp(gr->group, group) != 0)
            continue;
        if (gr->n_resources == 0)
            return true;
        if (gr->n_names && !has(gr->names, gr->n_names, a->name))
            continue;
        for (size_t k = 0; k < gr->n_resources; k++) {
            const char *spec = gr->resources[k];
            size_t n = strlen(spec);
            if (strcmp(spec, combined) == 0 || strcmp(spec, "*") == 0)
                return true;
            if (sub && strncmp(spec, "*/", 2) == 0 && strcmp(spec + 2, sub) == 0)
                return true;
            if (n > 2 && strcmp(spec + n - 2, "/*") == 0 && strlen(res) == n - 2 &&
                strncmp(spec, res, n - 2) == 0)
                return true;
        }
    }
    return false;
}

static bool rule_matches(const rule_t *r, const auth_user_t *u, const auth_attrs_t *a)
{
    if (r->n_users && !has(r->users, r->n_users, u ? u->name : AUTH_USER_ANONYMOUS))
        return false;
    if (r->n_groups) {
        bool any = false;
        for (size_t i = 0; u && !any && i < u->n_groups; i++)
            any = has(r->groups, r->n_groups, u->groups[i]);
        if (!any)
            return false;
    }
    if (r->n_verbs && !has(r->verbs, r->n_verbs, a->verb))
        return false;
    if (r->n_namespaces || r->n_res)
        return resource_matches(r, a);
    if (r->n_urls) {
        if (a->resource_request || !a->path)
            return false;
        for (size_t i = 0; i < r->n_urls; i++)
            if (path_matches(a->path, r->urls[i]))
                return true;
        return false;
    }
    return true;
}

audit_level_t audit_policy_match(const audit_policy_t *p, const auth_user_t *u,
                                 const auth_attrs_t *a, unsigned *omit)
{
    *omit = p->omit;
    for (size_t i = 0; i < p->n_rules; i++)
        if (rule_matches(&p->rules[i], u, a)) {
            *omit |= p->rules[i].omit;
            return p->rules[i].level;
        }
    return AUDIT_LEVEL_NONE;
}

char *audit_backup_name(const char *path, time_t secs, int millis)
{
    struct tm tm;
    gmtime_r(&secs, &tm);
    char ts[48];
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H-%M-%S", &tm);
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base)
        dot = base + strlen(base);
    return xasprintf("%.*s-%s.%03d%s", (int)(dot - path), path, ts, millis, dot);
}
