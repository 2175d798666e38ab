/*
 * fieldset.c — field sets in upstream's FieldsV1 encoding, and the walks over objects that
 * server-side apply needs (structured-merge-diff's ToFieldSet, Compare, Merge and RemoveItems),
 * typed by c8s's schema: which lists are keyed (x-kubernetes-list-map-keys or a patch merge key),
 * which are sets (primitive lists with list-type set or patch strategy merge), and which maps and
 * lists are atomic (everything else, as upstream treats lists without a list type).
 */
#include "mf_int.h"

#include "c8s/strbuf.h"

#include <stdio.h>
#include <string.h>

/* ---- types ---- */

static const schema_type_t *ref_of(mf_ty_t t)
{
    if (!t.f || t.f->kind != SCHEMA_REF)
        return NULL;
    if (!t.elem && t.f->shape != SCHEMA_ONE)
        return NULL;
    return t.f->ref;
}

/* Appends v's JSON text to buf (at *n, NUL-terminated); false when it does not fit. The common
 * values (plain strings, integers) are written directly: key paths are built on every write, and
 * going through a serializer for each would cost more than the rest of the walk. */
static bool put_json(char *buf, size_t len, size_t *n, const json_t *v)
{
    char tmp[32];
    char *dump = NULL;
    const char *s = NULL;
    size_t sl = 0;
    bool quote = false;
    if (json_is_string(v)) {
        s = json_string_value(v);
        sl = json_string_length(v);
        quote = true;
        for (size_t i = 0; i < sl && quote; i++) {
            unsigned char c = (unsigned char)s[i];
            quote = c >= 0x20 && c != '"' && c != '\\';
        }
    } else if (json_is_integer(v)) {
        sl = (size_t)snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        s = tmp;
    }
    if (!json_is_integer(v) && !quote) {
        dump = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        s = dump ? dump : "null";
        sl = strlen(s);
    }
    size_t need = sl + (quote ? 2 : 0);
    bool ok = *n + need < len;
    if (ok) {
        if (quote)
            buf[(*n)++] = '"';
        memcpy(buf + *n, s, sl);
        *n += sl;
        if (quote)
            buf[(*n)++] = '"';
        buf[*n] = '\0';
    }
    free(dump);
    return ok;
}

/* The path element of a keyed list item, "k:" and the JSON of its keys sorted by name, written to
 * buf; false when the item has none of them (or they do not fit). protocol, the one defaulted key
 * of c8s's kinds (container and service ports), counts as "TCP" when absent, so that an applied
 * port matches its defaulted live self. */
bool mf__item_key(const schema_field_t *f, const json_t *item, char *buf, size_t len)
{
    if (!json_is_object(item))
        return false;
    const char *keys = f->map_keys ? f->map_keys : f->merge_key;
    if (!keys)
        return false;
    enum { MAXK = 8 };
    char names[MAXK][64];
    const json_t *vals[MAXK];
    size_t nk = 0;
    json_t *tcp = NULL;
    while (*keys && nk < MAXK) {
        size_t n = strcspn(keys, ",");
        if (n < sizeof(names[0])) {
            memcpy(names[nk], keys, n);
            names[nk][n] = '\0';
            const json_t *v = json_object_get(item, names[nk]);
            if (v && !json_is_null(v)) {
                vals[nk++] = v;
            } else if (strcmp(names[nk], "protocol") == 0) {
                if (!tcp)
                    tcp = json_string("TCP");
                vals[nk++] = tcp;
            }
        }
        keys += n;
        if (*keys == ',')
            keys++;
    }
    /* Sorted by name, as upstream writes them (insertion sort: a handful of keys). */
    for (size_t i = 1; i < nk; i++)
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char t[64];
            memcpy(t, names[j], sizeof(t));
            memcpy(names[j], names[j - 1], sizeof(t));
            memcpy(names[j - 1], t, sizeof(t));
            const json_t *tv = vals[j];
            vals[j] = vals[j - 1];
            vals[j - 1] = tv;
        }
    bool ok = nk > 0 && len > 4;
    size_t n = 0;
    if (ok) {
        memcpy(buf, "k:{", 3);
        n = 3;
    }
    for (size_t i = 0; ok && i < nk; i++) {
        size_t nl = strlen(names[i]);
        ok = n + nl + 4 < len;
        if (!ok)
            break;
        if (i)
            buf[n++] = ',';
        buf[n++] = '"';
        memcpy(buf + n, names[i], nl);
        n += nl;
        buf[n++] = '"';
        buf[n++] = ':';
        ok = put_json(buf, len, &n, vals[i]);
    }
    ok = ok && n + 2 < len;
    if (ok) {
        buf[n++] = '}';
        buf[n] = '\0';
    }
    json_decref(tcp);
    return ok;
}

bool mf__value_key(const json_t *v, char *buf, size_t len)
{
    size_t n = 2;
    if (len < 3)
        return false;
    memcpy(buf, "v:", 2);
    return put_json(buf, len, &n, v);
}

/* "f:<name>" in buf, or in a new string when it does not fit (free it when it is not buf). */
char *mf__field_key(char *buf, size_t len, const char *name)
{
    size_t n = strlen(name);
    if (n + 3 > len)
        return xasprintf("f:%s", name);
    buf[0] = 'f';
    buf[1] = ':';
    memcpy(buf + 2, name, n + 1);
    return buf;
}

mf_cls_t mf__classify(mf_ty_t t, const json_t *v)
{
    bool obj = json_is_object(v), arr = json_is_array(v);
    if (!obj && !arr)
        return MF_LEAF;
    if (!t.f)
        return obj && json_object_size(v) > 0 ? MF_MAP : MF_LEAF;
    if (!t.elem && t.f->shape == SCHEMA_ARRAY) {
        if (!arr || json_array_size(v) == 0)
            return MF_LEAF;
        unsigned fl = t.f->flags;
        /* Items without keys are skipped by the walks; validation refuses them. */
        if (t.f->kind == SCHEMA_REF &&
            ((fl & SCHEMA_F_LIST_MAP) || ((fl & SCHEMA_F_PATCH_MERGE) && t.f->merge_key)))
            return MF_LMAP;
        if (t.f->kind != SCHEMA_REF && t.f->kind != SCHEMA_ANY &&
            ((fl & SCHEMA_F_LIST_SET) || (fl & SCHEMA_F_PATCH_MERGE)))
            return MF_LSET;
        return MF_LEAF;
    }
    if (!t.elem && t.f->shape == SCHEMA_MAP)
        return obj && json_object_size(v) > 0 && !(t.f->flags & SCHEMA_F_MAP_ATOMIC) ? MF_MAP
                                                                                     : MF_LEAF;
    const schema_type_t *ref = ref_of(t);
    if (!obj || json_object_size(v) == 0 || !ref || !ref->fields)
        return MF_LEAF;
    if ((ref->flags & SCHEMA_F_MAP_ATOMIC) || (!t.elem && (t.f->flags & SCHEMA_F_MAP_ATOMIC)))
        return MF_LEAF;
    return MF_STRUCT;
}

/* The type of the child named key of a value of type t classified c, and whether the child is an
 * item (a path of its own in every set, as map keys and list items are) rather than a declared
 * field (a path only when it is a leaf). */
mf_ty_t mf__child(mf_ty_t t, mf_cls_t c, const char *key, bool *item)
{
    mf_ty_t out = {NULL, false};
    *item = true;
    switch (c) {
    case MF_STRUCT:
        out.f = schema_field_find(ref_of(t), key);
        *item = false;
        break;
    case MF_MAP:
        if (t.f && !t.elem && t.f->shape == SCHEMA_MAP)
            out = (mf_ty_t){t.f, true};
        break;
    case MF_LMAP:
    case MF_LSET:
        out = (mf_ty_t){t.f, true};
        break;
    default:
        break;
    }
    return out;
}

/* ---- set nodes ---- */

bool mf__member(const json_t *n)
{
    return n && (json_object_size(n) == 0 || json_object_get(n, "."));
}

/* Finishes a node built from its children: marks it a member, or drops it when it holds
 * nothing. Steals children; returns the node or NULL. */
json_t *mf__node(json_t *children, bool member)
{
    if (json_object_size(children) == 0) {
        if (!member) {
            json_decref(children);
            return NULL;
        }
        return children;
    }
    if (member)
        json_object_set_new(children, ".", json_object());
    return children;
}

bool fieldset_empty(const json_t *s)
{
    return !s || json_object_size(s) == 0;
}

static json_t *op_union(const json_t *a, const json_t *b)
{
    if (!a)
        return b ? json_deep_copy(b) : NULL;
    if (!b)
        return json_deep_copy(a);
    json_t *out = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)a, k, v)
    {
        if (strcmp(k, ".") == 0)
            continue;
        json_t *u = op_union(v, json_object_get(b, k));
        if (u)
            json_object_set_new(out, k, u);
    }
    json_object_foreach((json_t *)b, k, v)
    {
        if (strcmp(k, ".") != 0 && !json_object_get(a, k))
            json_object_set_new(out, k, json_deep_copy(v));
    }
    return mf__node(out, mf__member(a) || mf__member(b));
}

static json_t *op_diff(const json_t *a, const json_t *b)
{
    if (!a)
        return NULL;
    if (!b)
        return json_deep_copy(a);
    json_t *out = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)a, k, v)
    {
        if (strcmp(k, ".") == 0)
            continue;
        json_t *bv = json_object_get(b, k);
        json_t *d = bv ? op_diff(v, bv) : json_deep_copy(v);
        if (d)
            json_object_set_new(out, k, d);
    }
    return mf__node(out, mf__member(a) && !mf__member(b));
}

static json_t *op_inter(const json_t *a, const json_t *b)
{
    if (!a || !b)
        return NULL;
    json_t *out = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)a, k, v)
    {
        if (strcmp(k, ".") == 0)
            continue;
        json_t *i = op_inter(v, json_object_get(b, k));
        if (i)
            json_object_set_new(out, k, i);
    }
    return mf__node(out, mf__member(a) && mf__member(b));
}

/* The top of a set is not a path of its own: an empty set is {} and stays so. */
static json_t *top(json_t *n)
{
    if (!n)
        return json_object();
    if (json_object_size(n) == 0) { /* "the whole object" is not a path: nothing */
        return n;
    }
    json_object_del(n, ".");
    return n;
}

json_t *fieldset_union(const json_t *a, const json_t *b)
{
    if (fieldset_empty(a))
        return b ? json_deep_copy(b) : json_object();
    if (fieldset_empty(b))
        return json_deep_copy(a);
    return top(op_union(a, b));
}

json_t *fieldset_difference(const json_t *a, const json_t *b)
{
    if (fieldset_empty(a))
        return json_object();
    if (fieldset_empty(b))
        return json_deep_copy(a);
    return top(op_diff(a, b));
}

json_t *fieldset_intersection(const json_t *a, const json_t *b)
{
    if (fieldset_empty(a) || fieldset_empty(b))
        return json_object();
    return top(op_inter(a, b));
}

/* ---- from an object ---- */

json_t *mf__tofs(mf_ty_t t, const json_t *v, bool item)
{
    mf_cls_t c = mf__classify(t, v);
    json_t *out = json_object();
    bool member = item;
    switch (c) {
    case MF_LEAF:
        member = true;
        break;
    case MF_STRUCT:
    case MF_MAP: {
        const char *k;
        json_t *cv;
        json_object_foreach((json_t *)v, k, cv)
        {
            bool ci;
            mf_ty_t ct = mf__child(t, c, k, &ci);
            json_t *n = mf__tofs(ct, cv, ci);
            if (!n)
                continue;
            char kb[MF_KEY_MAX];
            char *pe = mf__field_key(kb, sizeof(kb), k);
            json_object_set_new(out, pe, n);
            if (pe != kb)
                free(pe);
        }
        break;
    }
    case MF_LMAP: {
        size_t i;
        json_t *cv;
        mf_ty_t ct = {t.f, true};
        json_array_foreach(v, i, cv)
        {
            char pe[MF_KEY_MAX];
            json_t *n = mf__item_key(t.f, cv, pe, sizeof(pe)) ? mf__tofs(ct, cv, true) : NULL;
            if (n)
                json_object_set_new(out, pe, n);
        }
        break;
    }
    case MF_LSET: {
        size_t i;
        json_t *cv;
        json_array_foreach(v, i, cv)
        {
            char pe[MF_KEY_MAX];
            if (mf__value_key(cv, pe, sizeof(pe)))
                json_object_set_new(out, pe, json_object());
        }
        break;
    }
    }
    return mf__node(out, member);
}

json_t *fieldset_from_object(const schema_field_t *root, const json_t *obj)
{
    mf_ty_t t = {root, false};
    if (!json_is_object(obj))
        return json_object();
    return top(mf__tofs(t, obj, false));
}

/* ---- paths ---- */

static void path_elem(strbuf_t *sb, const char *pe)
{
    if (strncmp(pe, "f:", 2) == 0) {
        strbuf_addf(sb, ".%s", pe + 2);
    } else if (strncmp(pe, "v:", 2) == 0) {
        strbuf_addf(sb, "[=%s]", pe + 2);
    } else if (strncmp(pe, "i:", 2) == 0) {
        strbuf_addf(sb, "[%s]", pe + 2);
    } else if (strncmp(pe, "k:", 2) == 0) {
        json_t *k = json_loads(pe + 2, 0, NULL);
        strbuf_add(sb, "[");
        const char *name;
        json_t *v;
        bool first = true;
        json_object_foreach(k, name, v)
        {
            char *d = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            strbuf_addf(sb, "%s%s=%s", first ? "" : ",", name, d ? d : "null");
            free(d);
            first = false;
        }
        json_decref(k);
        strbuf_add(sb, "]");
    } else {
        strbuf_addf(sb, ".%s", pe);
    }
}

static void paths_walk(const json_t *n, strbuf_t *prefix, json_t *out)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)n, k, v)
    {
        if (strcmp(k, ".") == 0)
            continue;
        size_t mark = prefix->len;
        path_elem(prefix, k);
        if (mf__member(v))
            json_array_append_new(out, json_string(prefix->s ? prefix->s : ""));
        paths_walk(v, prefix, out);
        /* Back to this level's prefix for the next sibling. */
        prefix->len = mark;
        if (prefix->s)
            prefix->s[mark] = '\0';
    }
}

json_t *fieldset_paths(const json_t *s)
{
    json_t *out = json_array();
    strbuf_t sb = STRBUF_INIT;
    if (s)
        paths_walk(s, &sb, out);
    strbuf_free(&sb);
    return out;
}

/* ---- compare ---- */

static void put(json_t *parent, const char *pe, json_t *child)
{
    if (child)
        json_object_set_new(parent, pe, child);
}

/* The items of a keyed list by key: key → item (borrowed). */
static json_t *index_items(const schema_field_t *f, const json_t *arr)
{
    json_t *idx = json_object();
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        char k[MF_KEY_MAX];
        if (mf__item_key(f, v, k, sizeof(k)))
            json_object_set(idx, k, v);
    }
    return idx;
}

void mf__compare(mf_ty_t t, const json_t *l, const json_t *r, bool item, json_t **add, json_t **mod,
                 json_t **rem)
{
    *add = *mod = *rem = NULL;
    if (!l && !r)
        return;
    if (!l) {
        *add = mf__tofs(t, r, item);
        return;
    }
    if (!r) {
        *rem = mf__tofs(t, l, item);
        return;
    }
    mf_cls_t cl = mf__classify(t, l), cr = mf__classify(t, r);
    if (cl != cr || cl == MF_LEAF) {
        if (!json_equal(l, r))
            *mod = json_object();
        return;
    }
    json_t *a = json_object(), *m = json_object(), *d = json_object();
    json_t *ca, *cm, *cd;
    switch (cl) {
    case MF_STRUCT:
    case MF_MAP: {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)l, k, v)
        {
            json_t *rv = json_object_get(r, k);
            /* Unchanged subtrees (most of an object on most writes) cost one comparison. */
            if (rv && json_equal(v, rv))
                continue;
            bool ci;
            mf_ty_t ct = mf__child(t, cl, k, &ci);
            mf__compare(ct, v, rv, ci, &ca, &cm, &cd);
            if (!ca && !cm && !cd)
                continue;
            char kb[MF_KEY_MAX];
            char *pe = mf__field_key(kb, sizeof(kb), k);
            put(a, pe, ca);
            put(m, pe, cm);
            put(d, pe, cd);
            if (pe != kb)
                free(pe);
        }
        json_object_foreach((json_t *)r, k, v)
        {
            if (json_object_get(l, k))
                continue;
            bool ci;
            mf_ty_t ct = mf__child(t, cl, k, &ci);
            char kb[MF_KEY_MAX];
            char *pe = mf__field_key(kb, sizeof(kb), k);
            put(a, pe, mf__tofs(ct, v, ci));
            if (pe != kb)
                free(pe);
        }
        break;
    }
    case MF_LMAP: {
        mf_ty_t ct = {t.f, true};
        json_t *li = index_items(t.f, l), *ri = index_items(t.f, r);
        const char *k;
        json_t *v;
        json_object_foreach(li, k, v)
        {
            json_t *rv = json_object_get(ri, k);
            if (rv && json_equal(v, rv))
                continue;
            mf__compare(ct, v, rv, true, &ca, &cm, &cd);
            put(a, k, ca);
            put(m, k, cm);
            put(d, k, cd);
        }
        json_object_foreach(ri, k, v)
        {
            if (!json_object_get(li, k))
                put(a, k, mf__tofs(ct, v, true));
        }
        json_decref(li);
        json_decref(ri);
        break;
    }
    case MF_LSET: {
        size_t i;
        json_t *v;
        json_t *ls = json_object(), *rs = json_object();
        char kb[MF_KEY_MAX];
        json_array_foreach(l, i, v) if (mf__value_key(v, kb, sizeof(kb)))
            json_object_set_new(ls, kb, json_object());
        json_array_foreach(r, i, v) if (mf__value_key(v, kb, sizeof(kb)))
            json_object_set_new(rs, kb, json_object());
        const char *k;
        json_object_foreach(ls, k, v) if (!json_object_get(rs, k))
            json_object_set_new(d, k, json_object());
        json_object_foreach(rs, k, v) if (!json_object_get(ls, k))
            json_object_set_new(a, k, json_object());
        json_decref(ls);
        json_decref(rs);
        break;
    }
    default:
        break;
    }
    *add = mf__node(a, false);
    *mod = mf__node(m, false);
    *rem = mf__node(d, false);
}

void fieldset_compare(const schema_field_t *root, const json_t *lhs, const json_t *rhs,
                      json_t **added, json_t **modified, json_t **removed)
{
    mf_ty_t t = {root, false};
    json_t *a, *m, *d;
    mf__compare(t, json_is_object(lhs) ? lhs : NULL, json_is_object(rhs) ? rhs : NULL, false, &a,
                &m, &d);
    *added = top(a);
    *modified = top(m);
    *removed = top(d);
}

/* ---- merge and removal ---- */

/* The path element of each item of a keyed or set list, in order (NULL for an item without one);
 * an array of new strings, freed with free_keys. */
static char **list_keys(mf_ty_t t, mf_cls_t c, const json_t *arr, size_t *n)
{
    *n = json_array_size(arr);
    char **ks = xcalloc(*n ? *n : 1, sizeof(*ks));
    for (size_t i = 0; i < *n; i++) {
        char kb[MF_KEY_MAX];
        const json_t *v = json_array_get(arr, i);
        bool ok =
            c == MF_LMAP ? mf__item_key(t.f, v, kb, sizeof(kb)) : mf__value_key(v, kb, sizeof(kb));
        ks[i] = ok ? xstrdup(kb) : NULL;
    }
    return ks;
}

static void free_keys(char **ks, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(ks[i]);
    free(ks);
}

/* The items of a keyed or set list merged, in the order structured-merge-diff gives them: the
 * items both lists have come in the configuration's order, the live object's own items keep their
 * place among them, and new items go where the configuration puts them. */
static json_t *merge_list(mf_ty_t t, mf_cls_t c, const json_t *live, const json_t *cfg)
{
    mf_ty_t ct = {t.f, true};
    size_t nl, nr;
    char **lk = list_keys(t, c, live, &nl), **rk = list_keys(t, c, cfg, &nr);
    json_t *li = json_object(), *ri = json_object();
    for (size_t i = 0; i < nl; i++)
        if (lk[i])
            json_object_set(li, lk[i], json_array_get(live, i));
    for (size_t i = 0; i < nr; i++)
        if (rk[i])
            json_object_set(ri, rk[i], json_array_get(cfg, i));
    /* The shared keys in the configuration's order; next is the one to place next. */
    size_t ns = 0, si = 0;
    const char **shared = xcalloc(nr ? nr : 1, sizeof(*shared));
    for (size_t i = 0; i < nr; i++)
        if (rk[i] && json_object_get(li, rk[i]))
            shared[ns++] = rk[i];
    json_t *out = json_array();
    size_t l = 0, r = 0;
    while (l < nl || r < nr) {
        const char *next = si < ns ? shared[si] : NULL;
        if (l < nl && !lk[l]) {
            json_array_append_new(out, json_deep_copy(json_array_get(live, l++)));
            continue;
        }
        if (r < nr && !rk[r]) {
            json_array_append_new(out, json_deep_copy(json_array_get(cfg, r++)));
            continue;
        }
        if (l < nl && r < nr) {
            if (strcmp(lk[l], rk[r]) == 0) {
                json_array_append_new(
                    out, mf__merge(ct, json_array_get(live, l), json_array_get(cfg, r)));
                if (next && strcmp(next, rk[r]) == 0)
                    si++;
                l++, r++;
                continue;
            }
            if (json_object_get(ri, lk[l]) && next && strcmp(next, lk[l]) != 0) {
                l++; /* shared, placed later in the configuration's order */
                continue;
            }
        }
        if (l < nl && !json_object_get(ri, lk[l])) {
            json_array_append_new(out, json_deep_copy(json_array_get(live, l++)));
            continue;
        }
        if (r < nr) {
            json_array_append_new(
                out, mf__merge(ct, json_object_get(li, rk[r]), json_array_get(cfg, r)));
            if (next && strcmp(next, rk[r]) == 0)
                si++;
            r++;
            continue;
        }
        l++; /* a shared item the configuration's order placed already */
    }
    free(shared);
    free_keys(lk, nl);
    free_keys(rk, nr);
    json_decref(li);
    json_decref(ri);
    return out;
}

json_t *mf__merge(mf_ty_t t, const json_t *live, const json_t *cfg)
{
    if (!cfg)
        return live ? json_deep_copy(live) : NULL;
    if (!live)
        return json_deep_copy(cfg);
    mf_cls_t cl = mf__classify(t, live), cc = mf__classify(t, cfg);
    if (cl != cc || cc == MF_LEAF)
        return json_deep_copy(cfg);
    switch (cc) {
    case MF_STRUCT:
    case MF_MAP: {
        json_t *out = json_deep_copy(live);
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)cfg, k, v)
        {
            if (json_is_null(v)) {
                /* As decoding into upstream's types does: a null field is an absent one. */
                json_object_del(out, k);
                continue;
            }
            bool ci;
            mf_ty_t ct = mf__child(t, cc, k, &ci);
            json_object_set_new(out, k, mf__merge(ct, json_object_get(live, k), v));
        }
        return out;
    }
    case MF_LMAP:
    case MF_LSET:
        return merge_list(t, cc, live, cfg);
    default:
        return json_deep_copy(cfg);
    }
}

/* Whether a keyed list item's field is one of its keys (never removed: the item would lose its
 * identity). */
static bool is_key_field(const schema_field_t *f, const char *name)
{
    const char *keys = f ? (f->map_keys ? f->map_keys : f->merge_key) : NULL;
    size_t n = strlen(name);
    while (keys && *keys) {
        size_t m = strcspn(keys, ",");
        if (m == n && strncmp(keys, name, n) == 0)
            return true;
        keys += m;
        if (*keys == ',')
            keys++;
    }
    return false;
}

void mf__remove(mf_ty_t t, json_t *v, const json_t *rm, const json_t *keep)
{
    mf_cls_t c = mf__classify(t, v);
    const char *pe;
    json_t *sub;
    json_object_foreach((json_t *)rm, pe, sub)
    {
        if (strcmp(pe, ".") == 0)
            continue;
        const json_t *ks = keep ? json_object_get(keep, pe) : NULL;
        /* The whole child goes only when nobody keeps anything below it. */
        bool whole = mf__member(sub) && !ks;
        if ((c == MF_STRUCT || c == MF_MAP) && strncmp(pe, "f:", 2) == 0) {
            const char *name = pe + 2;
            json_t *cv = json_object_get(v, name);
            if (!cv)
                continue;
            if (t.elem && c == MF_STRUCT && is_key_field(t.f, name))
                continue;
            if (whole) {
                json_object_del(v, name);
            } else {
                bool ci;
                mf__remove(mf__child(t, c, name, &ci), cv, sub, ks);
            }
        } else if (c == MF_LMAP && strncmp(pe, "k:", 2) == 0) {
            for (size_t i = 0; i < json_array_size(v); i++) {
                json_t *it = json_array_get(v, i);
                char k[MF_KEY_MAX];
                bool match = mf__item_key(t.f, it, k, sizeof(k)) && strcmp(k, pe) == 0;
                if (!match)
                    continue;
                if (whole)
                    json_array_remove(v, i);
                else
                    mf__remove((mf_ty_t){t.f, true}, it, sub, ks);
                break;
            }
        } else if (c == MF_LSET && strncmp(pe, "v:", 2) == 0 && whole) {
            for (size_t i = 0; i < json_array_size(v); i++) {
                char k[MF_KEY_MAX];
                bool match =
                    mf__value_key(json_array_get(v, i), k, sizeof(k)) && strcmp(k, pe) == 0;
                if (match) {
                    json_array_remove(v, i);
                    break;
                }
            }
        }
    }
}
