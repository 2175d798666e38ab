/*
 * namespace_core.c — the conditions upstream's namespace deleter keeps on a terminating
 * namespace, pure: the five types it maintains, each False with its "ok" reason and message
 * unless what the last sweep found says otherwise (resources or finalizers remaining, deletions
 * that failed), with lastTransitionTime kept while a condition's status holds.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "c8s/strbuf.h"

static const struct {
    const char *type, *ok_reason, *ok_message;
} kinds[] = {
    {"NamespaceDeletionDiscoveryFailure", "ResourcesDiscovered",
     "All resources successfully discovered"},
    {"NamespaceDeletionGroupVersionParsingFailure", "ParsedGroupVersions",
     "All legacy kube types successfully parsed"},
    {"NamespaceDeletionContentFailure", "ContentDeleted",
     "All content successfully deleted, may be waiting on finalization"},
    {"NamespaceContentRemaining", "ContentRemoved", "All content successfully removed"},
    {"NamespaceFinalizersRemaining", "ContentHasNoFinalizers",
     "All content-preserving finalizers finished"},
};

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "<prefix><key><sep><n><suffix>, …" over counts (name → integer), keys sorted. Owned. */
static char *counted(const char *prefix, const json_t *counts, const char *sep, const char *suffix)
{
    size_t n = json_object_size(counts), i = 0;
    const char **keys = xcalloc(n ? n : 1, sizeof(*keys));
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)counts, k, v) keys[i++] = k;
    qsort(keys, n, sizeof(*keys), key_cmp);
    strbuf_t b = STRBUF_INIT;
    strbuf_add(&b, prefix);
    for (i = 0; i < n; i++)
        strbuf_addf(&b, "%s%s%s%lld%s", i ? ", " : "", keys[i], sep,
                    (long long)json_integer_value(json_object_get(counts, keys[i])), suffix);
    free(keys);
    return strbuf_take(&b);
}

static const json_t *old_condition(const json_t *old, const char *type)
{
    size_t i;
    json_t *c;
    json_array_foreach(old, i, c)
    {
        const char *t = json_string_value(json_object_get(c, "type"));
        if (t && strcmp(t, type) == 0)
            return c;
    }
    return NULL;
}

json_t *controllers__ns_conditions(const json_t *old, const json_t *remaining,
                                   const json_t *finalizers, const char *delete_err,
                                   const char *now)
{
    json_t *out = json_array();
    for (size_t i = 0; i < C8S_ARRAY_SIZE(kinds); i++) {
        const char *status = "False", *reason = kinds[i].ok_reason;
        cleanup_free char *msg = NULL;
        if (i == 2 && delete_err) {
            status = "True";
            reason = "ContentDeletionFailed";
            msg = xstrdup(delete_err);
        } else if (i == 3 && json_object_size(remaining)) {
            status = "True";
            reason = "SomeResourcesRemain";
            msg = counted("Some resources are remaining: ", remaining, " has ",
                          " resource instances");
        } else if (i == 4 && json_object_size(finalizers)) {
            status = "True";
            reason = "SomeFinalizersRemain";
            msg = counted("Some content in the namespace has finalizers remaining: ", finalizers,
                          " in ", " resource instances");
        }
        const json_t *prev = old_condition(old, kinds[i].type);
        const char *since = json_string_value(json_object_get(prev, "lastTransitionTime"));
        const char *prev_status = json_string_value(json_object_get(prev, "status"));
        if (!since || !prev_status || strcmp(prev_status, status) != 0)
            since = now;
        json_array_append_new(out,
                              json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", kinds[i].type,
                                        "status", status, "lastTransitionTime", since, "reason",
                                        reason, "message", msg ? msg : kinds[i].ok_message));
    }
    return out;
}
