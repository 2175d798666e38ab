/*
 * gc_core.c — the garbage collector's decisions, pure: what becomes of a dependent once each of
 * its owners is known to be live, gone (dangling) or being deleted in the foreground (waiting),
 * as upstream's attemptToDeleteItem decides; and the metadata edits the collector writes.
 */
#include "internal.h"

#include <string.h>

static json_t *meta_arr(const json_t *obj, const char *field)
{
    return json_object_get(json_object_get(obj, "metadata"), field);
}

static bool has_finalizer(const json_t *obj, const char *f)
{
    size_t i;
    json_t *v;
    json_array_foreach(meta_arr(obj, "finalizers"), i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), f) == 0)
            return true;
    }
    return false;
}

/* An empty list is sent as null so that a merge patch removes the field. */
static json_t *or_null(json_t *arr)
{
    if (json_array_size(arr) > 0)
        return arr;
    json_decref(arr);
    return json_null();
}

json_t *controllers__gc_finalizers_without(const json_t *obj, const char *f)
{
    json_t *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(meta_arr(obj, "finalizers"), i, v)
    {
        if (!json_is_string(v) || strcmp(json_string_value(v), f) != 0)
            json_array_append(out, v);
    }
    return or_null(out);
}

static bool uid_in(const json_t *uids, const char *uid)
{
    size_t i;
    json_t *v;
    json_array_foreach(uids, i, v)
    {
        if (uid && json_is_string(v) && strcmp(json_string_value(v), uid) == 0)
            return true;
    }
    return false;
}

json_t *controllers__gc_refs_without(const json_t *obj, const json_t *a, const json_t *b)
{
    json_t *out = json_array();
    size_t i;
    json_t *ref;
    json_array_foreach(meta_arr(obj, "ownerReferences"), i, ref)
    {
        const char *u = json_string_value(json_object_get(ref, "uid"));
        if (!uid_in(a, u) && !uid_in(b, u))
            json_array_append(out, ref);
    }
    return or_null(out);
}

gc_action_t controllers__gc_decide(const json_t *obj, const json_t *solid, const json_t *dangling,
                                   const json_t *waiting, bool has_dependents, json_t **refs,
                                   const char **policy)
{
    *refs = NULL;
    *policy = NULL;
    if (json_array_size(solid) > 0) {
        if (json_array_size(dangling) == 0 && json_array_size(waiting) == 0)
            return GC_KEEP;
        /* A live owner keeps the dependent; references to owners gone or going are dropped. */
        *refs = controllers__gc_refs_without(obj, dangling, waiting);
        return GC_PATCH_REFS;
    }
    if (json_array_size(waiting) > 0 && has_dependents) {
        /* An owner waits for its dependents: this one makes its own dependents go first. */
        *policy = "Foreground";
        return GC_DELETE;
    }
    *policy = has_finalizer(obj, "orphan")               ? "Orphan"
              : has_finalizer(obj, "foregroundDeletion") ? "Foreground"
                                                         : "Background";
    return GC_DELETE;
}
