/*
 * patch_schema.c — what strategic merge patch needs to know about a kind's fields (which lists
 * merge, by which key; which maps retain keys), read from c8s's schema of its kinds
 * (schema_types.c), where upstream's x-kubernetes-patch-strategy / x-kubernetes-patch-merge-key
 * facts are recorded once for the OpenAPI documents too. Fields with no strategy there
 * (tolerations, Node taints, Endpoints subsets, ...) are replaced as a whole, as upstream does.
 */
#include "c8s/patch.h"

#include <string.h>

const patch_field_t *patch_schema_root(const api_kind_t *k)
{
    /* Kinds outside the registry (custom resources) get no schema at all. */
    return schema_kind_root(k);
}

const patch_field_t *patch_schema_child(const patch_field_t *f, const char *name)
{
    if (!f || f->kind != SCHEMA_REF || !name)
        return NULL;
    return schema_field_find(f->ref, name);
}

unsigned patch_field_strategy(const patch_field_t *f)
{
    if (!f)
        return 0;
    unsigned s = 0;
    if (f->flags & SCHEMA_F_PATCH_MERGE)
        s |= PATCH_STRATEGY_MERGE;
    if (f->flags & SCHEMA_F_PATCH_RETAIN_KEYS)
        s |= PATCH_STRATEGY_RETAIN_KEYS;
    if (f->flags & SCHEMA_F_PATCH_REPLACE)
        s |= PATCH_STRATEGY_REPLACE;
    return s;
}

const char *patch_field_merge_key(const patch_field_t *f)
{
    return f ? f->merge_key : NULL;
}

const patch_field_t *patch_schema_lookup(const api_kind_t *k, const char *path)
{
    const patch_field_t *f = patch_schema_root(k);
    if (!path || !*path)
        return f;
    char name[128];
    while (f && *path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof(name))
            return NULL;
        memcpy(name, path, n);
        name[n] = '\0';
        f = patch_schema_child(f, name);
        path += n;
        if (*path == '.')
            path++;
    }
    return f;
}

unsigned patch_strategy(const api_kind_t *k, const char *path)
{
    return patch_field_strategy(patch_schema_lookup(k, path));
}

const char *patch_merge_key(const api_kind_t *k, const char *path)
{
    return patch_field_merge_key(patch_schema_lookup(k, path));
}
