/*
 * rbac.c — the RBAC evaluator: PolicyRule matching, subjects, bindings, rule coverage. Behaviour
 * follows upstream's plugin/pkg/auth/authorizer/rbac and registry/rbac/validation.
 */
#include "c8s/rbac.h"
#include "c8s/base.h"
#include "c8s/selector.h"
#include "c8s/strbuf.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    char *name;
    char *ns; /* NULL for a ClusterRoleBinding */
    char *ref_kind, *ref_name;
    json_t *subjects; /* array */
} binding_t;

struct rbac_policy_s {
    json_t *roles;  /* "ns/name" → rules array */
    json_t *croles; /* name → {rules, labels, aggregationRule} */
    binding_t *b;
    size_t n, cap;
};

rbac_policy_t *rbac_policy_new(void)
{
    rbac_policy_t *p = xcalloc(1, sizeof(*p));
    p->roles = json_object();
    p->croles = json_object();
    return p;
}

void rbac_policy_free(rbac_policy_t *p)
{
    if (!p)
        return;
    json_decref(p->roles);
    json_decref(p->croles);
    for (size_t i = 0; i < p->n; i++) {
        free(p->b[i].name);
        free(p->b[i].ns);
        free(p->b[i].ref_kind);
        free(p->b[i].ref_name);
        json_decref(p->b[i].subjects);
    }
    free(p->b);
    free(p);
}

size_t rbac_policy_bindings(const rbac_policy_t *p)
{
    return p->n;
}

static const char *str_at(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static json_t *rules_copy(const json_t *obj)
{
    json_t *rules = json_object_get(obj, "rules");
    return json_is_array(rules) ? json_deep_copy(rules) : json_array();
}

void rbac_policy_add(rbac_policy_t *p, const char *kind, const json_t *obj)
{
    const json_t *md = json_object_get(obj, "metadata");
    const char *name = str_at(md, "name");
    const char *ns = str_at(md, "namespace");
    if (!name || !kind)
        return;
    if (strcmp(kind, "Role") == 0) {
        if (!ns)
            return;
        cleanup_free char *key = xasprintf("%s/%s", ns, name);
        json_object_set_new(p->roles, key, rules_copy(obj));
    } else if (strcmp(kind, "ClusterRole") == 0) {
        json_t *e = json_object();
        json_object_set_new(e, "rules", rules_copy(obj));
        json_t *labels = json_object_get(md, "labels");
        if (json_is_object(labels))
            json_object_set_new(e, "labels", json_deep_copy(labels));
        json_t *agg = json_object_get(obj, "aggregationRule");
        if (json_is_object(agg))
            json_object_set_new(e, "aggregationRule", json_deep_copy(agg));
        json_object_set_new(p->croles, name, e);
    } else if (strcmp(kind, "RoleBinding") == 0 || strcmp(kind, "ClusterRoleBinding") == 0) {
        bool cluster = kind[0] == 'C';
        if (!cluster && !ns)
            return;
        const json_t *ref = json_object_get(obj, "roleRef");
        const char *rk = str_at(ref, "kind"), *rn = str_at(ref, "name");
        const json_t *subj = json_object_get(obj, "subjects");
        if (!rk || !rn || !json_is_array(subj))
            return;
        if (p->n == p->cap) {
            p->cap = p->cap ? p->cap * 2 : 16;
            p->b = xrealloc(p->b, p->cap * sizeof(*p->b));
        }
        binding_t *b = &p->b[p->n++];
        b->name = xstrdup(name);
        b->ns = cluster ? NULL : xstrdup(ns);
        b->ref_kind = xstrdup(rk);
        b->ref_name = xstrdup(rn);
        b->subjects = json_deep_copy(subj);
    }
}

static bool rule_in(const json_t *rules, const json_t *rule)
{
    size_t i;
    json_t *r;
    json_array_foreach(rules, i, r) if (json_equal(r, (json_t *)rule)) return true;
    return false;
}

static bool selected(const json_t *agg, const json_t *labels)
{
    size_t i;
    json_t *sel;
    json_array_foreach(json_object_get(agg, "clusterRoleSelectors"), i, sel)
    {
        labelsel_t *ls = NULL;
        c8s_err_t err = C8S_ERR_INIT;
        if (labelsel_from_json(sel, &ls, &err) != 0) {
            c8s_err_clear(&err);
            continue;
        }
        /* An empty selector would select everything; upstream's controller refuses to. */
        bool m = labels && !labelsel_empty(ls) && labelsel_matches(ls, labels);
        labelsel_free(ls);
        if (m)
            return true;
    }
    return false;
}

static bool aggregate_once(rbac_policy_t *p);

/* ClusterRoleBindings first, then RoleBindings by namespace: a decision visits the cluster
 * bindings and one namespace's run, found by halves. */
static int binding_cmp(const void *a, const void *b)
{
    const binding_t *x = a, *y = b;
    if (!x->ns || !y->ns)
        return (x->ns != NULL) - (y->ns != NULL);
    return strcmp(x->ns, y->ns);
}

void rbac_policy_finish(rbac_policy_t *p)
{
    if (p->n > 1)
        qsort(p->b, p->n, sizeof(*p->b), binding_cmp);
    /* Aggregates may feed aggregates (view → edit → admin): repeat until nothing changes. */
    for (int round = 0; round < 8; round++)
        if (!aggregate_once(p))
            break;
}

static bool aggregate_once(rbac_policy_t *p)
{
    bool changed = false;
    const char *name;
    json_t *e;
    json_object_foreach(p->croles, name, e)
    {
        json_t *agg = json_object_get(e, "aggregationRule");
        if (!agg)
            continue;
        json_t *rules = json_object_get(e, "rules");
        const char *other;
        json_t *oe;
        json_object_foreach(p->croles, other, oe)
        {
            if (oe == e || !selected(agg, json_object_get(oe, "labels")))
                continue;
            size_t i;
            json_t *r;
            json_array_foreach(json_object_get(oe, "rules"), i, r)
            {
                if (!rule_in(rules, r)) {
                    json_array_append(rules, r);
                    changed = true;
                }
            }
        }
    }
    return changed;
}

json_t *rbac_aggregated_rules(const json_t *aggregation_rule, const json_t *roles)
{
    json_t *out = json_array();
    size_t i, j;
    json_t *role, *r;
    json_array_foreach(roles, i, role)
    {
        const json_t *labels = json_object_get(json_object_get(role, "metadata"), "labels");
        if (!json_is_object(labels) || !selected(aggregation_rule, labels))
            continue;
        json_array_foreach(json_object_get(role, "rules"), j, r) if (!rule_in(out, r))
            json_array_append(out, r);
    }
    return out;
}

/* ---- rule matching ---- */

static bool has(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *x = json_string_value(v);
        if (x && strcmp(x, s) == 0)
            return true;
    }
    return false;
}

static bool verb_matches(const json_t *rule, const char *verb)
{
    const json_t *v = json_object_get(rule, "verbs");
    return has(v, "*") || has(v, verb);
}

static bool resource_matches(const json_t *rule, const char *combined, const char *sub)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(rule, "resources"), i, v)
    {
        const char *x = json_string_value(v);
        if (!x)
            continue;
        if (strcmp(x, "*") == 0 || strcmp(x, combined) == 0)
            return true;
        if (sub && *sub && strncmp(x, "*/", 2) == 0 && strcmp(x + 2, sub) == 0)
            return true;
    }
    return false;
}

static bool name_matches(const json_t *rule, const char *name)
{
    const json_t *names = json_object_get(rule, "resourceNames");
    if (json_array_size(names) == 0)
        return true;
    return name && *name && has(names, name);
}

static bool url_matches(const json_t *rule, const char *path)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(rule, "nonResourceURLs"), i, v)
    {
        const char *x = json_string_value(v);
        if (!x)
            continue;
        size_t n = strlen(x);
        if (strcmp(x, "*") == 0 || strcmp(x, path) == 0)
            return true;
        if (n > 0 && x[n - 1] == '*' && strncmp(path, x, n - 1) == 0)
            return true;
    }
    return false;
}

bool rbac_rule_allows(const json_t *rule, const auth_attrs_t *a)
{
    if (!json_is_object(rule) || !a->verb)
        return false;
    if (!a->resource_request)
        return verb_matches(rule, a->verb) && url_matches(rule, a->path ? a->path : "");
    const char *group = a->api_group ? a->api_group : "";
    const json_t *groups = json_object_get(rule, "apiGroups");
    if (!verb_matches(rule, a->verb) || !(has(groups, "*") || has(groups, group)))
        return false;
    char combined[256];
    if (a->subresource && *a->subresource)
        snprintf(combined, sizeof(combined), "%s/%s", a->resource ? a->resource : "",
                 a->subresource);
    else
        snprintf(combined, sizeof(combined), "%s", a->resource ? a->resource : "");
    return resource_matches(rule, combined, a->subresource) && name_matches(rule, a->name);
}

/* ---- subjects and bindings ---- */

static bool applies(const json_t *s, const auth_user_t *u, const char *binding_ns)
{
    const char *kind = str_at(s, "kind"), *name = str_at(s, "name");
    if (!kind || !name)
        return false;
    if (strcmp(kind, "User") == 0)
        return u->name && strcmp(u->name, name) == 0;
    if (strcmp(kind, "Group") == 0)
        return auth_user_in_group(u, name);
    if (strcmp(kind, "ServiceAccount") == 0) {
        const char *ns = str_at(s, "namespace");
        if (!ns || !*ns)
            ns = binding_ns;
        if (!ns || !*ns || !u->name)
            return false;
        cleanup_free char *want = xasprintf(AUTH_SA_PREFIX "%s:%s", ns, name);
        return strcmp(want, u->name) == 0;
    }
    return false;
}

static const json_t *subject_for(const binding_t *b, const auth_user_t *u)
{
    size_t i;
    json_t *s;
    json_array_foreach(b->subjects, i, s) if (applies(s, u, b->ns)) return s;
    return NULL;
}

static const json_t *ref_rules(const rbac_policy_t *p, const char *kind, const char *name,
                               const char *ns)
{
    if (strcmp(kind, "ClusterRole") == 0)
        return json_object_get(json_object_get(p->croles, name), "rules");
    if (strcmp(kind, "Role") == 0 && ns) {
        cleanup_free char *key = xasprintf("%s/%s", ns, name);
        return json_object_get(p->roles, key);
    }
    return NULL;
}

json_t *rbac_role_rules(const rbac_policy_t *p, const char *ref_kind, const char *ref_name,
                        const char *ns)
{
    if (!p || !ref_kind || !ref_name)
        return NULL;
    const json_t *r = ref_rules(p, ref_kind, ref_name, ns);
    return r ? json_deep_copy(r) : NULL;
}

static char *describe(const binding_t *b, const json_t *s)
{
    strbuf_t sb = STRBUF_INIT;
    if (b->ns)
        strbuf_addf(&sb, "RoleBinding \"%s/%s\"", b->name, b->ns);
    else
        strbuf_addf(&sb, "ClusterRoleBinding \"%s\"", b->name);
    strbuf_addf(&sb, " of %s \"%s\" to %s ", b->ref_kind, b->ref_name, str_at(s, "kind"));
    if (strcmp(str_at(s, "kind"), "ServiceAccount") == 0) {
        const char *ns = str_at(s, "namespace");
        strbuf_addf(&sb, "\"%s/%s\"", str_at(s, "name"), ns && *ns ? ns : b->ns ? b->ns : "");
    } else {
        strbuf_addf(&sb, "\"%s\"", str_at(s, "name"));
    }
    return strbuf_take(&sb);
}

/* Visits the bindings that apply to u in ns (cluster bindings first, as upstream), with the
 * rules of their role; stops when fn returns true. */
static bool visit(const rbac_policy_t *p, const auth_user_t *u, const char *ns,
                  bool (*fn)(const binding_t *b, const json_t *subj, const json_t *rules,
                             void *data),
                  void *data)
{
    /* Cluster bindings come first (rbac_policy_finish sorts). */
    size_t n_cluster = 0;
    while (n_cluster < p->n && !p->b[n_cluster].ns)
        n_cluster++;
    for (int pass = 0; pass < 2; pass++) {
        size_t from = 0, to = n_cluster;
        if (pass == 1) {
            size_t lo = n_cluster, hi = p->n;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (strcmp(p->b[mid].ns, ns) < 0)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            from = to = lo;
            while (to < p->n && strcmp(p->b[to].ns, ns) == 0)
                to++;
        }
        for (size_t i = from; i < to; i++) {
            const binding_t *b = &p->b[i];
            /* A ClusterRoleBinding may only reference a ClusterRole. */
            if (!b->ns && strcmp(b->ref_kind, "ClusterRole") != 0)
                continue;
            const json_t *s = subject_for(b, u);
            if (!s)
                continue;
            const json_t *rules = ref_rules(p, b->ref_kind, b->ref_name, b->ns);
            if (rules && fn(b, s, rules, data))
                return true;
        }
        if (!ns || !*ns)
            break;
    }
    return false;
}

typedef struct {
    const auth_attrs_t *a;
    char *reason;
} authz_visit_t;

static bool authz_one(const binding_t *b, const json_t *subj, const json_t *rules, void *data)
{
    authz_visit_t *v = data;
    size_t i;
    json_t *r;
    json_array_foreach(rules, i, r)
    {
        if (rbac_rule_allows(r, v->a)) {
            cleanup_free char *d = describe(b, subj);
            v->reason = xasprintf("RBAC: allowed by %s", d);
            return true;
        }
    }
    return false;
}

authz_decision_t rbac_authorize(const rbac_policy_t *p, const auth_user_t *u, const auth_attrs_t *a,
                                char **reason)
{
    if (!p || !u)
        return AUTHZ_NO_OPINION;
    authz_visit_t v = {.a = a};
    const char *ns = a->resource_request ? a->ns : NULL;
    if (visit(p, u, ns, authz_one, &v)) {
        if (reason)
            *reason = v.reason;
        else
            free(v.reason);
        return AUTHZ_ALLOW;
    }
    return AUTHZ_NO_OPINION;
}

static bool collect(const binding_t *b, const json_t *subj, const json_t *rules, void *data)
{
    (void)b;
    (void)subj;
    json_t *out = data;
    size_t i;
    json_t *r;
    json_array_foreach(rules, i, r) json_array_append(out, r);
    return false;
}

json_t *rbac_rules_for(const rbac_policy_t *p, const auth_user_t *u, const char *ns)
{
    json_t *out = json_array();
    if (p && u)
        visit(p, u, ns && *ns ? ns : NULL, collect, out);
    json_t *copy = json_deep_copy(out);
    json_decref(out);
    return copy;
}

/* ---- coverage (escalation) ---- */

static bool covers_str(const json_t *owner, const char *s)
{
    return has(owner, "*") || has(owner, s);
}

static bool covers_resource(const json_t *owner, const char *res)
{
    if (has(owner, "*") || has(owner, res))
        return true;
    const char *slash = strchr(res, '/');
    if (!slash)
        return false;
    cleanup_free char *any = xasprintf("*%s", slash);
    return has(owner, any);
}

static bool covers_url(const json_t *owner, const char *url)
{
    size_t i;
    json_t *v;
    json_array_foreach(owner, i, v)
    {
        const char *x = json_string_value(v);
        if (!x)
            continue;
        size_t n = strlen(x);
        if (strcmp(x, url) == 0 || strcmp(x, "*") == 0 ||
            (n > 0 && x[n - 1] == '*' && strncmp(url, x, n - 1) == 0))
            return true;
    }
    return false;
}

/* Does owner rule o cover the atomic rule r (one verb, and one group+resource(+name) or one
 * URL)? */
static bool rule_covers(const json_t *o, const json_t *r)
{
    const char *verb = json_string_value(json_array_get(json_object_get(r, "verbs"), 0));
    if (!verb || !covers_str(json_object_get(o, "verbs"), verb))
        return false;
    const json_t *urls = json_object_get(r, "nonResourceURLs");
    if (json_array_size(urls) > 0)
        return covers_url(json_object_get(o, "nonResourceURLs"),
                          json_string_value(json_array_get(urls, 0)));
    const char *g = json_string_value(json_array_get(json_object_get(r, "apiGroups"), 0));
    const char *res = json_string_value(json_array_get(json_object_get(r, "resources"), 0));
    if (!g || !res || !covers_str(json_object_get(o, "apiGroups"), g) ||
        !covers_resource(json_object_get(o, "resources"), res))
        return false;
    const json_t *onames = json_object_get(o, "resourceNames");
    if (json_array_size(onames) == 0)
        return true;
    const char *name = json_string_value(json_array_get(json_object_get(r, "resourceNames"), 0));
    return name && has(onames, name);
}

static json_t *atom(const char *verb, const char *group, const char *res, const char *name,
                    const char *url)
{
    json_t *a = json_object();
    if (url) {
        json_object_set_new(a, "nonResourceURLs", json_pack("[s]", url));
    } else {
        json_object_set_new(a, "apiGroups", json_pack("[s]", group));
        json_object_set_new(a, "resources", json_pack("[s]", res));
        if (name)
            json_object_set_new(a, "resourceNames", json_pack("[s]", name));
    }
    json_object_set_new(a, "verbs", json_pack("[s]", verb));
    return a;
}

/* upstream's BreakdownRule: one rule per verb × group × resource × name, or verb × URL. */
static void breakdown(const json_t *rule, json_t *out)
{
    size_t vi, gi, ri, ni, ui;
    json_t *v, *g, *res, *n, *u;
    json_array_foreach(json_object_get(rule, "verbs"), vi, v)
    {
        const char *verb = json_string_value(v);
        if (!verb)
            continue;
        json_array_foreach(json_object_get(rule, "apiGroups"), gi, g)
        {
            json_array_foreach(json_object_get(rule, "resources"), ri, res)
            {
                const json_t *names = json_object_get(rule, "resourceNames");
                if (!json_string_value(g) || !json_string_value(res))
                    continue;
                if (json_array_size(names) == 0) {
                    json_array_append_new(
                        out, atom(verb, json_string_value(g), json_string_value(res), NULL, NULL));
                    continue;
                }
                json_array_foreach(names, ni, n) if (json_string_value(n)) json_array_append_new(
                    out, atom(verb, json_string_value(g), json_string_value(res),
                              json_string_value(n), NULL));
            }
        }
        json_array_foreach(json_object_get(rule, "nonResourceURLs"), ui,
                           u) if (json_string_value(u))
            json_array_append_new(out, atom(verb, NULL, NULL, NULL, json_string_value(u)));
    }
}

bool rbac_covers(const json_t *owner, const json_t *requested, json_t **missing)
{
    json_t *atoms = json_array();
    size_t i, j;
    json_t *r, *o;
    json_array_foreach(requested, i, r) breakdown(r, atoms);
    json_t *miss = json_array();
    json_array_foreach(atoms, i, r)
    {
        bool ok = false;
        json_array_foreach(owner, j, o) if (rule_covers(o, r))
        {
            ok = true;
            break;
        }
        if (!ok && !rule_in(miss, r))
            json_array_append(miss, r);
    }
    json_decref(atoms);
    bool covered = json_array_size(miss) == 0;
    if (missing)
        *missing = miss;
    else
        json_decref(miss);
    return covered;
}

static void add_list(strbuf_t *sb, const char *label, const json_t *arr, bool *first)
{
    if (json_array_size(arr) == 0)
        return;
    strbuf_addf(sb, "%s%s:[", *first ? "" : ", ", label);
    *first = false;
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
        strbuf_addf(sb, "%s\"%s\"", i ? " " : "", json_string_value(v) ? json_string_value(v) : "");
    strbuf_addf(sb, "]");
}

static char *compact_string(const json_t *rule)
{
    strbuf_t sb = STRBUF_INIT;
    bool first = true;
    strbuf_addf(&sb, "{");
    add_list(&sb, "APIGroups", json_object_get(rule, "apiGroups"), &first);
    add_list(&sb, "Resources", json_object_get(rule, "resources"), &first);
    add_list(&sb, "ResourceNames", json_object_get(rule, "resourceNames"), &first);
    add_list(&sb, "NonResourceURLs", json_object_get(rule, "nonResourceURLs"), &first);
    add_list(&sb, "Verbs", json_object_get(rule, "verbs"), &first);
    strbuf_addf(&sb, "}");
    return strbuf_take(&sb);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Atomic rules that differ only in their verb are merged (upstream's CompactRules does this for
 * simple resource rules). */
static json_t *compact(const json_t *rules)
{
    json_t *out = json_array();
    size_t i, j;
    json_t *r, *o;
    json_array_foreach(rules, i, r)
    {
        bool merged = false;
        json_array_foreach(out, j, o)
        {
            json_t *a = json_deep_copy(o), *b = json_deep_copy(r);
            json_object_del(a, "verbs");
            json_object_del(b, "verbs");
            bool same = json_equal(a, b) && !json_object_get(a, "nonResourceURLs") &&
                        !json_object_get(a, "resourceNames");
            json_decref(a);
            json_decref(b);
            if (same) {
                json_t *verb = json_array_get(json_object_get(r, "verbs"), 0);
                if (!has(json_object_get(o, "verbs"), json_string_value(verb)))
                    json_array_append(json_object_get(o, "verbs"), verb);
                merged = true;
                break;
            }
        }
        if (!merged)
            json_array_append_new(out, json_deep_copy(r));
    }
    return out;
}

char *rbac_rules_string(const json_t *rules)
{
    json_t *c = compact(rules);
    size_t n = json_array_size(c);
    char **lines = xcalloc(n ? n : 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        lines[i] = compact_string(json_array_get(c, i));
    qsort(lines, n, sizeof(char *), cmp_str);
    strbuf_t sb = STRBUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(lines[i], lines[i - 1]) != 0)
            strbuf_addf(&sb, "%s%s", sb.len ? "\n" : "", lines[i]);
    }
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    json_decref(c);
    return strbuf_take_or(&sb, "");
}
