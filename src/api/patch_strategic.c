/*
 * patch_strategic.c — Kubernetes strategic merge patch (application/strategic-merge-patch+json),
 * applied the way upstream's API server applies it (apimachinery strategicpatch with
 * MergeParallelList and IgnoreUnmatchedNulls), driven by c8s's own schema table (patch_schema.c).
 *
 * The original is deep-copied once; maps of that private copy are then merged in place, and
 * every merge step returns a new reference for the value that replaces the old one (a map with
 * `$patch: replace` or `delete` is a new object, a merged list a new array). The patch is only
 * read. A patch value landing where the original has nothing is merged against an empty value,
 * so that its own directives and nulls are resolved rather than stored.
 */
#include "c8s/patch.h"

#include <stdbool.h>
#include <string.h>

#define DIRECTIVE_MARKER   "$patch"
#define RETAIN_KEYS        "$retainKeys"
#define SET_ORDER          "$setElementOrder"
#define DELETE_FROM_PRIM   "$deleteFromPrimitiveList"
#define ERR_RETAIN_KEYS    "invalid patch format of retainKeys"
#define ERR_SET_ORDER      "invalid patch format of setElementOrder list"
#define ERR_PRIMITIVE_LIST "invalid patch format of primitive list"

static int merge_map(json_t *obj, const json_t *patch, const patch_field_t *f, json_t **out,
                     c8s_err_t *err);
static int merge_list(const json_t *orig, const json_t *patch, const patch_field_t *f, json_t **out,
                      c8s_err_t *err);

/* Compact JSON of v for error messages (owned by the caller). */
static char *dump(const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
    return s ? s : xstrdup("?");
}

static int err_bad_patch_type(c8s_err_t *err, const json_t *directive, const json_t *map)
{
    cleanup_free char *d = dump(directive);
    cleanup_free char *m = dump(map);
    return c8s_err_set(err, C8S_EBADREQUEST, "unknown patch type: %s in map: %s", d, m);
}

static int err_no_merge_key(c8s_err_t *err, const json_t *map, const char *key)
{
    cleanup_free char *m = dump(map);
    return c8s_err_set(err, C8S_EBADREQUEST, "map: %s does not contain declared merge key: %s", m,
                       key);
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "map";
    case JSON_ARRAY:
        return "slice";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "bool";
    default:
        return "null";
    }
}

/* The field name after "<prefix>/", or NULL when key is not of that form. */
static const char *directive_field(const char *key, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(key, prefix, n) != 0 || key[n] != '/' || !key[n + 1])
        return NULL;
    return key + n + 1;
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Index of the first element of arr equal to v, or -1. */
static long index_of(const json_t *arr, const json_t *v)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        if (json_equal(e, v))
            return (long)i;
    }
    return -1;
}

/* Index of the first map of arr whose merge key equals v, or -1. */
static long index_of_key(const json_t *arr, const char *key, const json_t *v)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        json_t *ev = json_object_get(e, key);
        if (ev && json_equal(ev, v))
            return (long)i;
    }
    return -1;
}

/* The value a patch value takes where the original has none (or one of another type): the patch
 * merged against nothing. */
static int apply_new(const json_t *pv, const patch_field_t *f, json_t **out, c8s_err_t *err)
{
    if (json_is_object(pv)) {
        cleanup_json json_t *empty = json_object();
        return merge_map(empty, pv, f, out, err);
    }
    if (json_is_array(pv) && (patch_field_strategy(f) & PATCH_STRATEGY_MERGE))
        return merge_list(NULL, pv, f, out, err);
    *out = json_deep_copy(pv);
    return 0;
}

/*
 * Ordering, as upstream's normalizeElementOrder: items named by the patch (order >= 0) are sorted
 * by their place in the patch, the others keep the original's order, and the two sequences are
 * interleaved, an original-only item going first only when both it and the next patch item come
 * from the original and it came first there. So items new to the list land before the
 * original-only items that follow them: upstream's server behaves so, kubectl's docs show it.
 */
static json_t *reorder(const json_t *merged, const long *origpos, const long *order)
{
    size_t n = json_array_size(merged);
    cleanup_free size_t *left = xcalloc(n ? n : 1, sizeof(size_t));
    cleanup_free size_t *right = xcalloc(n ? n : 1, sizeof(size_t));
    size_t nl = 0, nr = 0;
    for (size_t i = 0; i < n; i++) {
        if (order[i] < 0) {
            left[nl++] = i;
            continue;
        }
        /* Stable insertion by patch order. */
        size_t j = nr++;
        while (j > 0 && order[right[j - 1]] > order[i]) {
            right[j] = right[j - 1];
            j--;
        }
        right[j] = i;
    }
    json_t *out = json_array();
    size_t i = 0, j = 0;
    while (i < nl || j < nr) {
        size_t pick;
        if (i < nl && j < nr) {
            long lo = origpos[left[i]], ro = origpos[right[j]];
            pick = (lo >= 0 && ro >= 0 && lo < ro) ? left[i++] : right[j++];
        } else {
            pick = i < nl ? left[i++] : right[j++];
        }
        json_array_append(out, json_array_get(merged, pick));
    }
    return out;
}

/* Merges the contents of a list of maps by merge key; *merged holds the original's *survivors
 * items first, then items new from the patch. *plist gets the patch's items without the $patch
 * elements (whose order the result follows). */
static int merge_map_items(const json_t *orig, const json_t *patch, const patch_field_t *f,
                           const char *mk, json_t **merged, json_t **plist, size_t *survivors,
                           c8s_err_t *err)
{
    cleanup_json json_t *base = json_array();
    cleanup_json json_t *items = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(orig, i, e)
    {
        if (!json_is_object(e))
            return c8s_err_set(err, C8S_EBADREQUEST, "expected a map, but received a %s",
                               type_name(e));
        json_array_append(base, e);
    }
    bool replace = false;
    json_array_foreach(patch, i, e)
    {
        if (!json_is_object(e))
            return c8s_err_set(err, C8S_EBADREQUEST, "expected a map, but received a %s",
                               type_name(e));
        json_t *d = json_object_get(e, DIRECTIVE_MARKER);
        if (!d) {
            json_array_append(items, e);
            continue;
        }
        const char *s = json_string_value(d);
        if (s && strcmp(s, "delete") == 0) {
            json_t *kv = json_object_get(e, mk);
            if (!kv)
                return err_no_merge_key(err, e, mk);
            long at;
            while ((at = index_of_key(base, mk, kv)) >= 0)
                json_array_remove(base, (size_t)at);
        } else if (s && strcmp(s, "replace") == 0) {
            replace = true; /* keep going: the other $patch elements are pruned as well */
        } else if (s && strcmp(s, "merge") == 0) {
            return c8s_err_set(err, C8S_EBADREQUEST,
                               "merging lists cannot yet be specified in the patch");
        } else {
            return err_bad_patch_type(err, d, e);
        }
    }
    if (replace) {
        /* The patch's plain items become the list, as if they were the original. */
        json_array_clear(base);
        json_array_foreach(items, i, e)
        {
            json_t *nv = NULL;
            if (apply_new(e, f, &nv, err) != 0)
                return err->code;
            json_array_append_new(base, nv);
        }
        json_array_clear(items);
    }
    *survivors = json_array_size(base);
    json_array_foreach(items, i, e)
    {
        json_t *kv = json_object_get(e, mk);
        if (!kv)
            return err_no_merge_key(err, e, mk);
        long at = index_of_key(base, mk, kv);
        json_t *nv = NULL;
        if (at >= 0) {
            if (merge_map(json_array_get(base, (size_t)at), e, f, &nv, err) != 0)
                return err->code;
            json_array_set_new(base, (size_t)at, nv);
        } else {
            if (apply_new(e, f, &nv, err) != 0)
                return err->code;
            json_array_append_new(base, nv);
        }
    }
    *merged = c8s_steal(&base);
    *plist = c8s_steal(&items);
    return 0;
}

/* Checks the elements of a primitive merging list: no maps (no merge key), no lists. */
static int check_primitives(const json_t *arr, c8s_err_t *err)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        if (json_is_array(e))
            return c8s_err_set(err, C8S_EBADREQUEST, "lists of lists are not supported");
        if (json_is_object(e))
            return c8s_err_set(err, C8S_EBADREQUEST,
                               "cannot merge lists without merge key for type map");
    }
    return 0;
}

/* Union of two primitive lists without duplicates, the original's items first. */
static json_t *union_primitives(const json_t *orig, const json_t *patch)
{
    json_t *out = json_array();
    const json_t *lists[2] = {orig, patch};
    for (int l = 0; l < 2; l++) {
        size_t i;
        json_t *e;
        json_array_foreach(lists[l], i, e)
        {
            if (index_of(out, e) < 0)
                json_array_append(out, e);
        }
    }
    return out;
}

/* Places of merged's items in the original (by merge key when mk, else by value). */
static long *positions(const json_t *merged, const json_t *in, const char *mk)
{
    size_t n = json_array_size(merged);
    long *pos = xcalloc(n ? n : 1, sizeof(long));
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(merged, i);
        if (!in)
            pos[i] = -1;
        else if (mk)
            pos[i] = json_object_get(e, mk) ? index_of_key(in, mk, json_object_get(e, mk)) : -1;
        else
            pos[i] = index_of(in, e);
    }
    return pos;
}

/* Merges the contents of a merging list (by key, or as a set of primitives). *merged is in the
 * original's order then new items; *origpos gives each item's index in the original (or -1) and
 * *plist is the list whose order the patch asks for. */
static int merge_list_items(const json_t *orig, const json_t *patch, const patch_field_t *f,
                            json_t **merged, long **origpos, json_t **plist, c8s_err_t *err)
{
    const char *mk = patch_field_merge_key(f);
    cleanup_json json_t *empty = json_array();
    if (!orig)
        orig = empty;
    if (!patch)
        patch = empty;
    if (mk) {
        size_t survivors = 0;
        if (merge_map_items(orig, patch, f, mk, merged, plist, &survivors, err) != 0)
            return err->code;
        /* The surviving original items come first, in order; upstream counts their places after
         * the $patch elements took effect. */
        size_t n = json_array_size(*merged);
        *origpos = xcalloc(n ? n : 1, sizeof(long));
        for (size_t i = 0; i < n; i++)
            (*origpos)[i] = i < survivors ? (long)i : -1;
        return 0;
    }
    if (check_primitives(orig, err) != 0 || check_primitives(patch, err) != 0)
        return err->code;
    *merged = union_primitives(orig, patch);
    *origpos = positions(*merged, orig, NULL);
    *plist = json_incref((json_t *)patch);
    return 0;
}

static int merge_list(const json_t *orig, const json_t *patch, const patch_field_t *f, json_t **out,
                      c8s_err_t *err)
{
    if (json_array_size(orig) == 0 && json_array_size(patch) == 0) {
        *out = orig ? json_incref((json_t *)orig) : json_array();
        return 0;
    }
    cleanup_json json_t *merged = NULL;
    cleanup_json json_t *plist = NULL;
    cleanup_free long *origpos = NULL;
    if (merge_list_items(orig, patch, f, &merged, &origpos, &plist, err) != 0)
        return err->code;
    cleanup_free long *order = positions(merged, plist, patch_field_merge_key(f));
    *out = reorder(merged, origpos, order);
    return 0;
}

/* Upstream's validatePatchWithSetOrderList: the patch list's items (deletions and other $patch
 * elements aside) must appear in the $setElementOrder list, in the same relative order. */
static int check_set_order(const json_t *plist, const json_t *order, const char *mk, c8s_err_t *err)
{
    size_t np = json_array_size(plist), no = json_array_size(order);
    if (np == 0 || no == 0)
        return 0;
    size_t pi = 0, oi = 0;
    while (pi < np && oi < no) {
        json_t *pe = json_array_get(plist, pi), *oe = json_array_get(order, oi);
        if (json_is_object(pe) && json_object_get(pe, DIRECTIVE_MARKER)) {
            pi++;
            continue;
        }
        bool eq;
        if (mk) {
            if (!json_is_object(pe) || !json_is_object(oe))
                return c8s_err_set(err, C8S_EBADREQUEST, ERR_SET_ORDER);
            if (!json_object_get(pe, mk))
                return err_no_merge_key(err, pe, mk);
            if (!json_object_get(oe, mk))
                return err_no_merge_key(err, oe, mk);
            eq = json_equal(json_object_get(pe, mk), json_object_get(oe, mk));
        } else {
            eq = json_equal(pe, oe);
        }
        if (eq)
            pi++;
        oi++;
    }
    /* Skip trailing $patch elements (deletions sort last upstream). */
    while (pi < np && json_is_object(json_array_get(plist, pi)) &&
           json_object_get(json_array_get(plist, pi), DIRECTIVE_MARKER))
        pi++;
    if (pi < np) {
        cleanup_free char *p = dump(plist);
        cleanup_free char *o = dump(order);
        return c8s_err_set(err, C8S_EBADREQUEST,
                           "The order in patch list: %s doesn't match %s list: %s", p, SET_ORDER,
                           o);
    }
    return 0;
}

/* $setElementOrder/<field>: merges the field's list and orders it as the directive says; items
 * the directive does not name (original-only ones) keep their relative places. */
static int set_element_order(json_t *obj, const char *field, const json_t *order,
                             const json_t *plist, const patch_field_t *f, c8s_err_t *err)
{
    if (!json_is_array(order))
        return c8s_err_set(err, C8S_EBADREQUEST, ERR_SET_ORDER);
    json_t *orig = json_object_get(obj, field);
    if (orig && !json_is_array(orig))
        return c8s_err_set(err, C8S_EBADREQUEST, "expected a slice, but received a %s",
                           type_name(orig));
    if (plist && !json_is_array(plist))
        return c8s_err_set(err, C8S_EBADREQUEST, "expected a slice, but received a %s",
                           type_name(plist));
    bool merging = patch_field_strategy(f) & PATCH_STRATEGY_MERGE;
    const char *mk = merging ? patch_field_merge_key(f) : NULL;
    if (check_set_order(plist, order, mk, err) != 0)
        return err->code;
    if (!orig && !plist)
        return 0;
    cleanup_json json_t *merged = NULL;
    cleanup_json json_t *unused = NULL;
    cleanup_free long *origpos = NULL;
    if (merging) {
        if (merge_list_items(orig, plist, f, &merged, &origpos, &unused, err) != 0)
            return err->code;
    } else {
        /* A list without a merge strategy is replaced; only primitives can be ordered. */
        merged = json_deep_copy(plist ? plist : orig);
        size_t i;
        json_t *e;
        json_array_foreach(merged, i, e)
        {
            if (json_is_object(e) || json_is_array(e)) {
                json_object_set(obj, field, merged);
                return 0;
            }
        }
        origpos = positions(merged, orig, NULL);
    }
    if (mk) {
        size_t i;
        json_t *e;
        json_array_foreach(order, i, e)
        {
            if (!json_is_object(e) || !json_object_get(e, mk))
                return err_no_merge_key(err, e, mk);
        }
    }
    cleanup_free long *pos = positions(merged, order, mk);
    json_object_set_new(obj, field, reorder(merged, origpos, pos));
    return 0;
}

/* $retainKeys: every key the patch sets must be listed; keys of obj not listed are dropped. */
static int retain_keys(json_t *obj, const json_t *patch, const json_t *keys, c8s_err_t *err)
{
    if (!json_is_array(keys))
        return c8s_err_set(err, C8S_EBADREQUEST, ERR_RETAIN_KEYS);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)patch, k, v)
    {
        if (json_is_null(v) || k[0] == '$')
            continue;
        cleanup_json json_t *ks = json_string(k);
        if (index_of(keys, ks) < 0)
            return c8s_err_set(err, C8S_EBADREQUEST, ERR_RETAIN_KEYS);
    }
    void *tmp;
    json_object_foreach_safe(obj, tmp, k, v)
    {
        cleanup_json json_t *ks = json_string(k);
        if (index_of(keys, ks) < 0)
            json_object_del(obj, k);
    }
    return 0;
}

/* $deleteFromPrimitiveList/<field>: removes those values from the field's list. */
static int delete_from_primitive_list(json_t *obj, const char *field, const json_t *values,
                                      c8s_err_t *err)
{
    if (!json_is_array(values))
        return c8s_err_set(err, C8S_EBADREQUEST, ERR_PRIMITIVE_LIST);
    json_t *list = json_object_get(obj, field);
    if (!json_is_array(list))
        return 0;
    json_t *kept = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        if (index_of(values, e) < 0)
            json_array_append(kept, e);
    }
    json_object_set_new(obj, field, kept);
    return 0;
}

/* Merges patch into obj (mutated); *out is the resulting map (a new reference: obj itself, or a
 * new object for `$patch: replace` / `delete`). */
static int merge_map(json_t *obj, const json_t *patch, const patch_field_t *f, json_t **out,
                     c8s_err_t *err)
{
    json_t *d = json_object_get(patch, DIRECTIVE_MARKER);
    if (d) {
        const char *s = json_string_value(d);
        if (s && strcmp(s, "replace") == 0) {
            cleanup_json json_t *rest = json_copy((json_t *)patch);
            json_object_del(rest, DIRECTIVE_MARKER);
            cleanup_json json_t *empty = json_object();
            return merge_map(empty, rest, f, out, err);
        }
        if (s && strcmp(s, "delete") == 0) {
            /* Upstream leaves an empty map, not an absent key. */
            *out = json_object();
            return 0;
        }
        return err_bad_patch_type(err, d, patch);
    }
    json_t *rk = json_object_get(patch, RETAIN_KEYS);
    if (rk && retain_keys(obj, patch, rk, err) != 0)
        return err->code;

    const char *k;
    json_t *pv;
    /* Directives first: ordering merges its list, deletions and unknown directives. */
    json_object_foreach((json_t *)patch, k, pv)
    {
        if (k[0] != '$' || strcmp(k, RETAIN_KEYS) == 0)
            continue;
        const char *field;
        if (has_prefix(k, SET_ORDER)) {
            if (!(field = directive_field(k, SET_ORDER)))
                return c8s_err_set(err, C8S_EBADREQUEST, ERR_SET_ORDER);
            if (set_element_order(obj, field, pv, json_object_get(patch, field),
                                  patch_schema_child(f, field), err) != 0)
                return err->code;
        } else if (has_prefix(k, DELETE_FROM_PRIM)) {
            if (!(field = directive_field(k, DELETE_FROM_PRIM)))
                return c8s_err_set(err, C8S_EBADREQUEST, ERR_PRIMITIVE_LIST);
        } else {
            return c8s_err_set(err, C8S_EBADREQUEST, "unknown patch directive \"%s\"", k);
        }
    }
    json_object_foreach((json_t *)patch, k, pv)
    {
        if (k[0] == '$') {
            const char *field = directive_field(k, DELETE_FROM_PRIM);
            if (field && delete_from_primitive_list(obj, field, pv, err) != 0)
                return err->code;
            continue;
        }
        cleanup_free char *ordered = xasprintf("%s/%s", SET_ORDER, k);
        if (json_object_get(patch, ordered))
            continue; /* merged with its order above */
        if (json_is_null(pv)) {
            json_object_del(obj, k);
            continue;
        }
        const patch_field_t *child = patch_schema_child(f, k);
        json_t *cur = json_object_get(obj, k);
        json_t *nv = NULL;
        int rc;
        if (json_is_object(cur) && json_is_object(pv) &&
            !(patch_field_strategy(child) & PATCH_STRATEGY_REPLACE))
            rc = merge_map(cur, pv, child, &nv, err);
        else if (json_is_array(cur) && json_is_array(pv) &&
                 (patch_field_strategy(child) & PATCH_STRATEGY_MERGE))
            rc = merge_list(cur, pv, child, &nv, err);
        else
            rc = apply_new(pv, child, &nv, err);
        if (rc != 0)
            return rc;
        json_object_set_new(obj, k, nv);
    }
    *out = json_incref(obj);
    return 0;
}

int patch_strategic(const api_kind_t *k, const json_t *original, const json_t *patch, json_t **out,
                    c8s_err_t *err)
{
    /* The helpers report through err->code, so give them one when the caller passed none. */
    cleanup_err c8s_err_t local = C8S_ERR_INIT;
    if (!err)
        err = &local;
    if (!json_is_object(patch))
        return c8s_err_set(
            err, C8S_EBADREQUEST,
            "json: cannot unmarshal %s into Go value of type map[string]interface {}",
            !patch                   ? "null"
            : json_is_array(patch)   ? "array"
            : json_is_string(patch)  ? "string"
            : json_is_number(patch)  ? "number"
            : json_is_boolean(patch) ? "bool"
                                     : "null");
    cleanup_json json_t *work = json_is_object(original) ? json_deep_copy(original) : json_object();
    json_t *res = NULL;
    if (merge_map(work, patch, patch_schema_root(k), &res, err) != 0)
        return err->code;
    *out = res;
    return 0;
}
