/*
 * threeway.c — client-side apply's three-way merge (kubectl's CreateThreeWayMergePatch, learnt
 * from its behaviour): the changes and additions that take the live object to the manifest,
 * plus the deletions of what the last applied manifest had and the new one dropped. Fields that
 * neither manifest mentions (set by the server or by others) are left alone.
 */
#include "c8s/ctl.h"
#include "c8s/patch.h"

#include <string.h>

typedef enum { DIFF_CHANGES, DIFF_DELETIONS } diff_mode_t;

static json_t *diff_map(const json_t *from, const json_t *to, const patch_field_t *f,
                        diff_mode_t mode);

static const json_t *find_by_key(const json_t *list, const char *key, const json_t *val)
{
    size_t i;
    const json_t *e;
    json_array_foreach(list, i, e)
    {
        const json_t *v = json_object_get(e, key);
        if (v && json_equal(v, val))
            return e;
    }
    return NULL;
}

static bool list_has(const json_t *list, const json_t *v)
{
    size_t i;
    const json_t *e;
    json_array_foreach(list, i, e) if (json_equal(e, v)) return true;
    return false;
}

/* Adds to patch what the list field name needs, for a list whose strategy is merge. */
static void diff_merging_list(json_t *patch, const char *name, const json_t *from, const json_t *to,
                              const patch_field_t *f, diff_mode_t mode)
{
    const char *key = patch_field_merge_key(f);
    size_t i;
    const json_t *e;
    if (!key) { /* primitive list: a union on the server; removals are a directive */
        json_t *add = json_array(), *del = json_array();
        json_array_foreach(to, i, e) if (!list_has(from, e))
            json_array_append_new(add, json_deep_copy(e));
        json_array_foreach(from, i, e) if (!list_has(to, e)) json_array_append(del, (json_t *)e);
        if (mode == DIFF_CHANGES && json_array_size(add) > 0)
            json_object_set(patch, name, add);
        if (mode == DIFF_DELETIONS && json_array_size(del) > 0) {
            cleanup_free char *d = xasprintf("$deleteFromPrimitiveList/%s", name);
            json_object_set(patch, d, del);
        }
        json_decref(add);
        json_decref(del);
        return;
    }
    json_t *items = json_array();
    if (mode == DIFF_CHANGES) {
        json_array_foreach(to, i, e)
        {
            const json_t *kv = json_object_get(e, key);
            const json_t *old = kv ? find_by_key(from, key, kv) : NULL;
            if (!old) {
                json_array_append_new(items, json_deep_copy(e));
                continue;
            }
            json_t *d = diff_map(old, e, f, mode);
            if (json_object_size(d) > 0) {
                json_object_set(d, key, (json_t *)kv);
                json_array_append(items, d);
            }
            json_decref(d);
        }
    } else {
        json_array_foreach(from, i, e)
        {
            const json_t *kv = json_object_get(e, key);
            if (!kv)
                continue;
            const json_t *now = find_by_key(to, key, kv);
            if (!now) {
                json_array_append_new(items, json_pack("{s:O,s:s}", key, kv, "$patch", "delete"));
                continue;
            }
            json_t *d = diff_map(e, now, f, mode);
            if (json_object_size(d) > 0) {
                json_object_set(d, key, (json_t *)kv);
                json_array_append(items, d);
            }
            json_decref(d);
        }
    }
    if (json_array_size(items) > 0) {
        json_object_set(patch, name, items);
        if (mode == DIFF_CHANGES) {
            /* Keeps the manifest's order on the server, as kubectl sends it. */
            json_t *order = json_array();
            json_array_foreach(to, i, e)
            {
                const json_t *kv = json_object_get(e, key);
                if (kv)
                    json_array_append_new(order, json_pack("{s:O}", key, kv));
            }
            cleanup_free char *d = xasprintf("$setElementOrder/%s", name);
            json_object_set_new(patch, d, order);
        }
    }
    json_decref(items);
}

/* The patch (new object, maybe empty) from map from to map to, in one mode. f may be NULL. */
static json_t *diff_map(const json_t *from, const json_t *to, const patch_field_t *f,
                        diff_mode_t mode)
{
    json_t *patch = json_object();
    const char *k;
    json_t *tv;
    json_object_foreach((json_t *)to, k, tv)
    {
        const json_t *fv = json_object_get(from, k);
        const patch_field_t *cf = patch_schema_child(f, k);
        if (!fv || json_is_null(fv)) {
            if (mode == DIFF_CHANGES && !json_is_null(tv))
                json_object_set_new(patch, k, json_deep_copy(tv));
            continue;
        }
        if (json_is_object(fv) && json_is_object(tv) &&
            !(patch_field_strategy(cf) & PATCH_STRATEGY_REPLACE)) {
            json_t *d = diff_map(fv, tv, cf, mode);
            if (json_object_size(d) > 0)
                json_object_set(patch, k, d);
            json_decref(d);
            continue;
        }
        if (json_is_array(fv) && json_is_array(tv) &&
            (patch_field_strategy(cf) & PATCH_STRATEGY_MERGE)) {
            diff_merging_list(patch, k, fv, tv, cf, mode);
            continue;
        }
        if (mode == DIFF_CHANGES && !json_equal(fv, tv))
            json_object_set_new(patch, k, json_deep_copy(tv));
    }
    if (mode == DIFF_DELETIONS) {
        json_t *fv;
        json_object_foreach((json_t *)from, k, fv) if (!json_object_get(to, k))
            json_object_set_new(patch, k, json_null());
    }
    return patch;
}

/* Folds the deletions patch into the changes patch: maps merged, items of lists with a merge key
 * merged by key, other lists concatenated. */
static void merge_into(json_t *dst, const json_t *src, const patch_field_t *f)
{
    const char *k;
    json_t *sv;
    json_object_foreach((json_t *)src, k, sv)
    {
        json_t *dv = json_object_get(dst, k);
        const patch_field_t *cf = patch_schema_child(f, k);
        const char *key = patch_field_merge_key(cf);
        if (json_is_object(dv) && json_is_object(sv)) {
            merge_into(dv, sv, cf);
        } else if (json_is_array(dv) && json_is_array(sv)) {
            size_t i;
            json_t *e;
            json_array_foreach(sv, i, e)
            {
                const json_t *kv = key ? json_object_get(e, key) : NULL;
                json_t *same = kv ? (json_t *)find_by_key(dv, key, kv) : NULL;
                if (same && json_is_object(same))
                    merge_into(same, e, cf);
                else
                    json_array_append_new(dv, json_deep_copy(e));
            }
        } else if (!dv) {
            json_object_set_new(dst, k, json_deep_copy(sv));
        }
    }
}

int ctl_threeway_patch(const api_kind_t *k, const json_t *original, const json_t *modified,
                       const json_t *current, json_t **out, c8s_err_t *err)
{
    if (!json_is_object(modified) || (current && !json_is_object(current)) ||
        (original && !json_is_object(original)))
        return c8s_err_set(err, C8S_EBADREQUEST, "three-way merge needs objects");
    const patch_field_t *root = k ? patch_schema_root(k) : NULL;
    json_t *empty = json_object();
    json_t *changes = diff_map(current ? current : empty, modified, root, DIFF_CHANGES);
    json_t *dels = diff_map(original ? original : empty, modified, root, DIFF_DELETIONS);
    merge_into(changes, dels, root);
    json_decref(dels);
    json_decref(empty);
    *out = changes;
    return 0;
}
