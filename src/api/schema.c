/*
 * schema.c — lookups over c8s's schema tables (schema_types.c) and the unknown / duplicate field
 * checks of fieldValidation.
 */
#include "schema_int.h"

#include "c8s/strbuf.h"

#include <stdio.h>
#include <string.h>

size_t schema_types_count(void)
{
    return schema__n_types;
}

const schema_type_t *schema_type_at(size_t i)
{
    return i < schema__n_types ? schema__types[i] : NULL;
}

const schema_type_t *schema_type_by_name(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < schema__n_types; i++)
        if (strcmp(schema__types[i]->name, name) == 0)
            return schema__types[i];
    return NULL;
}

const schema_type_t *schema_type_for_kind(const api_kind_t *k)
{
    if (!k)
        return NULL;
    for (size_t i = 0; i < schema__n_types; i++) {
        const schema_type_t *t = schema__types[i];
        if (t->kind && strcmp(t->group, k->group) == 0 && strcmp(t->version, k->version) == 0 &&
            strcmp(t->kind, k->kind) == 0)
            return t;
    }
    return NULL;
}

const schema_field_t *schema_kind_root(const api_kind_t *k)
{
    const schema_type_t *t = schema_type_for_kind(k);
    for (size_t i = 0; t && i < schema__n_roots; i++)
        if (schema__roots[i].ref == t)
            return &schema__roots[i];
    return NULL;
}

const schema_field_t *schema_field_find(const schema_type_t *t, const char *name)
{
    if (!t || !t->fields || !name)
        return NULL;
    /* The tables are sorted by name (strcmp order, as the generator wrote them). */
    size_t lo = 0, hi = t->n_fields;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(t->fields[mid].name, name);
        if (c == 0)
            return &t->fields[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const schema_type_t *schema_type_at_path(const schema_type_t *t, const char *path,
                                         const schema_field_t **field)
{
    if (field)
        *field = NULL;
    char name[128];
    while (t && path && *path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof(name))
            return NULL;
        memcpy(name, path, n);
        name[n] = '\0';
        const schema_field_t *f = schema_field_find(t, name);
        if (!f)
            return NULL;
        if (field)
            *field = f;
        t = f->kind == SCHEMA_REF ? f->ref : NULL;
        path += n;
        if (*path == '.')
            path++;
        if (!t && *path)
            return NULL;
    }
    return t;
}

typedef struct {
    strbuf_t path;
    json_t *out;
    bool prune;
} walk_t;

static void walk(walk_t *w, const schema_type_t *t, json_t *v, const json_t *old);

static void cut(walk_t *w, size_t mark)
{
    w->path.len = mark;
    if (w->path.s)
        w->path.s[mark] = '\0';
}

/* old: the value at the same place in the stored object (NULL if none), whose own unknown fields
 * are tolerated: a write must not fail over fields the client did not send. */
static void walk_value(walk_t *w, const schema_field_t *f, json_t *v, const json_t *old)
{
    if (f->kind != SCHEMA_REF || !f->ref || !f->ref->fields)
        return; /* scalars and free-form values have no fields to be unknown */
    size_t mark = w->path.len;
    if (f->shape == SCHEMA_ONE) {
        walk(w, f->ref, v, old);
    } else if (f->shape == SCHEMA_ARRAY && json_is_array(v)) {
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item)
        {
            char idx[32];
            snprintf(idx, sizeof(idx), "[%zu]", i);
            strbuf_add(&w->path, idx);
            walk(w, f->ref, item, json_array_get(old, i));
            cut(w, mark);
        }
    } else if (f->shape == SCHEMA_MAP && json_is_object(v)) {
        const char *key;
        json_t *item;
        json_object_foreach(v, key, item)
        {
            strbuf_add(&w->path, ".");
            strbuf_add(&w->path, key);
            walk(w, f->ref, item, json_object_get(old, key));
            cut(w, mark);
        }
    }
}

static void walk(walk_t *w, const schema_type_t *t, json_t *v, const json_t *old)
{
    if (!json_is_object(v) || !t->fields)
        return;
    const char *key;
    json_t *child;
    void *tmp;
    json_object_foreach_safe(v, tmp, key, child)
    {
        size_t mark = w->path.len;
        if (mark)
            strbuf_add(&w->path, ".");
        strbuf_add(&w->path, key);
        const schema_field_t *f = schema_field_find(t, key);
        if (f) {
            walk_value(w, f, child, json_object_get(old, key));
        } else if (!json_object_get(old, key)) {
            json_array_append_new(w->out, json_sprintf("unknown field \"%s\"", w->path.s));
            if (w->prune)
                json_object_del(v, key);
        }
        cut(w, mark);
    }
}

json_t *schema_unknown_fields(const api_kind_t *k, json_t *obj, const json_t *old, bool prune)
{
    walk_t w = {STRBUF_INIT, json_array(), prune};
    const schema_type_t *t = schema_type_for_kind(k);
    if (t)
        walk(&w, t, obj, old);
    strbuf_free(&w.path);
    return w.out;
}

void schema_duplicate_fields(const char *text, size_t len, json_t *problems)
{
    json_error_t jerr;
    json_t *v = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (v) {
        json_decref(v);
        return;
    }
    /* jansson stops at the first duplicate and names it: "duplicate object key near '"x"'". */
    const char *p = strstr(jerr.text, "duplicate object key near '\"");
    if (!p)
        return;
    p += strlen("duplicate object key near '\"");
    size_t n = strcspn(p, "\"");
    json_array_append_new(problems, json_sprintf("duplicate field \"%.*s\"", (int)n, p));
}
