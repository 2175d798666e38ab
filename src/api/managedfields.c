/*
 * managedfields.c — metadata.managedFields and the two operations of server-side apply, as
 * upstream's fieldmanager and structured-merge-diff's Updater do them: an Update takes the
 * fields its write changed from every other manager; an Apply merges a configuration, removes
 * what its manager applied before and no manager owns any more, and refuses to change what other
 * managers own unless forced (then it takes those fields).
 */
#include "mf_int.h"

#include "c8s/strbuf.h"

#include <string.h>

/* Metadata the server sets: never owned by a manager (upstream strips the same). */
static const char *const server_meta[] = {"name",
                                          "namespace",
                                          "creationTimestamp",
                                          "selfLink",
                                          "uid",
                                          "generation",
                                          "managedFields",
                                          "resourceVersion",
                                          "deletionTimestamp",
                                          "deletionGracePeriodSeconds"};

/* The part of obj a write through subresource may own, as a shallow copy (new; NULL for NULL):
 * no apiVersion, kind or server-set metadata; the main resource does not own status, the status
 * subresource owns only status. */
static json_t *view(const json_t *obj, const char *sub)
{
    if (!json_is_object(obj))
        return NULL;
    json_t *v = json_object();
    bool status_only = sub && strcmp(sub, "status") == 0;
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)obj, k, x)
    {
        if (strcmp(k, "apiVersion") == 0 || strcmp(k, "kind") == 0)
            continue;
        if (status_only != (strcmp(k, "status") == 0))
            continue;
        if (strcmp(k, "metadata") == 0 && json_is_object(x)) {
            json_t *md = json_copy(x);
            for (size_t i = 0; i < C8S_ARRAY_SIZE(server_meta); i++)
                json_object_del(md, server_meta[i]);
            /* Nothing left is no field at all (an empty metadata would read as a set leaf). */
            if (json_object_size(md) > 0)
                json_object_set_new(v, k, md);
            else
                json_decref(md);
            continue;
        }
        json_object_set(v, k, x);
    }
    return v;
}

static const char *estr(const json_t *e, const char *k)
{
    const char *s = json_string_value(json_object_get(e, k));
    return s ? s : "";
}

static bool is_apply(const json_t *e)
{
    return strcmp(estr(e, "operation"), "Apply") == 0;
}

/* Whether entry e is who's for operation op: upstream identifies a manager by its name, the
 * operation, the subresource and, for updates only, the apiVersion. */
static bool same_manager(const json_t *e, const managedfields_who_t *who, const char *op)
{
    if (strcmp(estr(e, "manager"), who->manager) != 0 || strcmp(estr(e, "operation"), op) != 0 ||
        strcmp(estr(e, "subresource"), who->subresource ? who->subresource : "") != 0)
        return false;
    return strcmp(op, "Apply") == 0 || strcmp(estr(e, "apiVersion"), who->api_version) == 0;
}

/* Whether sets a and b share a member (no allocation: most writes touch no other manager's
 * fields, and then their sets need no new copy). */
static bool overlaps(const json_t *a, const json_t *b)
{
    if (!a || !b)
        return false;
    if (mf__member(a) && mf__member(b))
        return true;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)a, k, v)
    {
        if (strcmp(k, ".") != 0 && overlaps(v, json_object_get(b, k)))
            return true;
    }
    return false;
}

/* The entries of obj's managedFields as a new array of copies (entries without fields dropped),
 * or NULL when there are none or they do not decode. */
static json_t *decode(const json_t *obj)
{
    json_t *mf = json_object_get(json_object_get(obj, "metadata"), "managedFields");
    if (!json_is_array(mf) || json_array_size(mf) == 0)
        return NULL;
    json_t *out = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(mf, i, e)
    {
        if (!json_is_object(e))
            goto bad;
        json_t *fs = json_object_get(e, "fieldsV1");
        const char *ft = json_string_value(json_object_get(e, "fieldsType"));
        const char *op = estr(e, "operation");
        if (fs && !json_is_object(fs) && !json_is_null(fs))
            goto bad;
        if (!json_is_object(fs) || json_object_size(fs) == 0)
            continue; /* nothing owned: upstream drops the entry ([{}] clears managedFields) */
        if ((ft && strcmp(ft, "FieldsV1") != 0) ||
            (strcmp(op, "Apply") != 0 && strcmp(op, "Update") != 0))
            goto bad;
        /* Shallow: the set operations never change a set, they make new ones. */
        json_array_append_new(out, json_copy(e));
    }
    return out;
bad:
    json_decref(out);
    return NULL;
}

static json_t *new_entry(const managedfields_who_t *who, const char *op, json_t *set)
{
    json_t *e = json_object();
    json_object_set_new(e, "manager", json_string(who->manager));
    json_object_set_new(e, "operation", json_string(op));
    json_object_set_new(e, "apiVersion", json_string(who->api_version));
    json_object_set_new(e, "time", json_string(who->time));
    json_object_set_new(e, "fieldsType", json_string("FieldsV1"));
    json_object_set_new(e, "fieldsV1", set);
    if (who->subresource && *who->subresource)
        json_object_set_new(e, "subresource", json_string(who->subresource));
    return e;
}

/* Writes entries (stolen) into obj, without the empty ones; no managedFields when none is left. */
static void store_entries(json_t *obj, json_t *entries)
{
    for (size_t i = json_array_size(entries); i-- > 0;)
        if (fieldset_empty(json_object_get(json_array_get(entries, i), "fieldsV1")))
            json_array_remove(entries, i);
    json_t *md = json_object_get(obj, "metadata");
    if (!json_is_object(md)) {
        md = json_object();
        json_object_set_new(obj, "metadata", md);
    }
    if (json_array_size(entries) == 0) {
        json_object_del(md, "managedFields");
        json_decref(entries);
        return;
    }
    json_object_set_new(md, "managedFields", entries);
}

static void set_fields(json_t *e, json_t *set)
{
    json_object_set_new(e, "fieldsV1", set);
}

void managedfields_update(const api_kind_t *k, const json_t *old, json_t *obj,
                          const managedfields_who_t *who)
{
    const schema_field_t *root = k ? schema_kind_root(k) : NULL;
    json_t *entries = who->subresource ? NULL : decode(obj);
    if (!entries)
        entries = decode(old);
    if (!entries)
        entries = json_array();
    json_t *lv = view(old, who->subresource), *rv = view(obj, who->subresource);
    json_t *a, *m, *d;
    fieldset_compare(root, lv, rv, &a, &m, &d);
    json_decref(lv);
    json_decref(rv);
    json_t *touched = fieldset_union(a, m);
    json_t *all = fieldset_union(touched, d);
    json_t *mine = NULL;
    size_t i;
    json_t *e;
    json_array_foreach(entries, i, e)
    {
        if (!mine && same_manager(e, who, "Update")) {
            mine = e;
            continue;
        }
        json_t *fs = json_object_get(e, "fieldsV1");
        if (!fieldset_empty(all) && overlaps(fs, all))
            set_fields(e, fieldset_difference(fs, all));
    }
    if (mine) {
        json_t *rest = fieldset_difference(json_object_get(mine, "fieldsV1"), d);
        set_fields(mine, fieldset_union(rest, touched));
        json_decref(rest);
        if (!fieldset_empty(all))
            json_object_set_new(mine, "time", json_string(who->time));
    } else if (!fieldset_empty(touched)) {
        json_array_append_new(entries, new_entry(who, "Update", json_incref(touched)));
    }
    json_decref(a);
    json_decref(m);
    json_decref(d);
    json_decref(touched);
    json_decref(all);
    store_entries(obj, entries);
}

/* How upstream names a manager in a conflict: "kubectl", or for updates
 * "kubectl-scale" with subresource "scale" using apps/v1. */
static void print_manager(strbuf_t *sb, const json_t *e)
{
    strbuf_addf(sb, "\"%s\"", estr(e, "manager"));
    if (*estr(e, "subresource"))
        strbuf_addf(sb, " with subresource \"%s\"", estr(e, "subresource"));
    if (!is_apply(e))
        strbuf_addf(sb, " using %s", estr(e, "apiVersion"));
}

static int conflict_error(json_t *conflicts, c8s_err_t *err)
{
    /* conflicts: array of [entry, paths]. */
    size_t total = 0, i;
    json_t *c;
    json_array_foreach(conflicts, i, c) total += json_array_size(json_array_get(c, 1));
    strbuf_t msg = STRBUF_INIT;
    json_array_foreach(conflicts, i, c)
    {
        strbuf_t who = STRBUF_INIT;
        print_manager(&who, json_array_get(c, 0));
        char *w = strbuf_take(&who);
        size_t j;
        json_t *p;
        json_array_foreach(json_array_get(c, 1), j, p)
        {
            c8s_err_add_cause(err, "FieldManagerConflict", json_string_value(p), "conflict with %s",
                              w);
            if (total == 1)
                strbuf_addf(&msg, "Apply failed with 1 conflict: conflict with %s: %s", w,
                            json_string_value(p));
        }
        if (total > 1) {
            strbuf_addf(&msg, "%sconflicts with %s:", msg.len ? "\n" : "", w);
            json_array_foreach(json_array_get(c, 1), j, p)
                strbuf_addf(&msg, "\n- %s", json_string_value(p));
        }
        free(w);
    }
    char *m = strbuf_take(&msg);
    if (total > 1)
        c8s_err_set(err, C8S_ECONFLICT, "Apply failed with %zu conflicts: %s", total, m);
    else
        c8s_err_set(err, C8S_ECONFLICT, "%s", m);
    free(m);
    return err->code;
}

int managedfields_apply(const api_kind_t *k, const json_t *live, const json_t *config,
                        const managedfields_who_t *who, bool force, json_t **out, c8s_err_t *err)
{
    *out = NULL;
    if (!json_is_object(config))
        return c8s_err_set(err, C8S_EBADREQUEST, "the applied configuration must be an object");
    json_t *cmf = json_object_get(json_object_get(config, "metadata"), "managedFields");
    if (cmf && !json_is_null(cmf))
        return c8s_err_set(err, C8S_EBADREQUEST, "metadata.managedFields must be nil");
    const schema_field_t *root = k ? schema_kind_root(k) : NULL;
    mf_ty_t t = {root, false};
    json_t *entries = live ? decode(live) : NULL;
    if (!entries)
        entries = json_array();

    json_t *cv = view(config, who->subresource);
    json_t *set = fieldset_from_object(root, cv);
    json_decref(cv);
    json_t *merged = mf__merge(t, json_is_object(live) ? live : NULL, config);
    if (json_is_object(merged)) {
        json_t *md = json_object_get(merged, "metadata");
        if (json_is_object(md))
            json_object_del(md, "managedFields");
    }

    /* This manager's entry now owns what the configuration sets. */
    json_t *mine = NULL, *last = NULL;
    size_t i;
    json_t *e;
    json_array_foreach(entries, i, e) if (!mine && same_manager(e, who, "Apply")) mine = e;
    if (mine) {
        last = json_incref(json_object_get(mine, "fieldsV1"));
        set_fields(mine, json_incref(set));
        json_object_set_new(mine, "apiVersion", json_string(who->api_version));
    } else {
        mine = new_entry(who, "Apply", json_incref(set));
        json_array_append_new(entries, mine);
    }

    /* What it applied last time and nobody owns now goes. */
    if (last && !fieldset_empty(last)) {
        json_t *keep = json_object();
        json_array_foreach(entries, i, e)
        {
            json_t *u = fieldset_union(keep, json_object_get(e, "fieldsV1"));
            json_decref(keep);
            keep = u;
        }
        json_t *rm = fieldset_difference(last, keep);
        if (!fieldset_empty(rm))
            mf__remove(t, merged, rm, keep);
        json_decref(rm);
        json_decref(keep);
    }

    json_t *lv = view(live, who->subresource), *rv = view(merged, who->subresource);
    json_t *a, *m, *d;
    fieldset_compare(root, lv, rv, &a, &m, &d);
    json_decref(lv);
    json_decref(rv);
    json_t *changed = fieldset_union(a, m);
    json_t *conflicts = json_array();
    json_array_foreach(entries, i, e)
    {
        if (e == mine)
            continue;
        json_t *c = fieldset_intersection(json_object_get(e, "fieldsV1"), changed);
        if (!fieldset_empty(c))
            json_array_append_new(conflicts, json_pack("[O, o]", e, fieldset_paths(c)));
        if (force || fieldset_empty(c)) {
            json_t *rest = fieldset_difference(json_object_get(e, "fieldsV1"), c);
            set_fields(e, fieldset_difference(rest, d));
            json_decref(rest);
        }
        json_decref(c);
    }
    int rc = 0;
    if (json_array_size(conflicts) > 0 && !force)
        rc = conflict_error(conflicts, err);
    if (rc == 0 && (!fieldset_empty(changed) || !fieldset_empty(d) || !json_equal(last, set)))
        json_object_set_new(mine, "time", json_string(who->time));
    json_decref(conflicts);
    json_decref(changed);
    json_decref(a);
    json_decref(m);
    json_decref(d);
    json_decref(last);
    json_decref(set);
    if (rc != 0) {
        json_decref(entries);
        json_decref(merged);
        return rc;
    }
    store_entries(merged, entries);
    *out = merged;
    return 0;
}

char *managedfields_manager_from_agent(const char *agent, size_t len)
{
    if (!agent || len == 0)
        return xstrdup("unknown");
    size_t n = 0;
    while (n < len && agent[n] != '/')
        n++;
    if (n > 128)
        n = 128;
    if (n == 0)
        return xstrdup("unknown");
    return xstrndup(agent, n);
}
