/*
 * nodelife_core.c — pure: taint-based eviction timing, as upstream's NoExecute taint manager
 * decides it from a pod's tolerations.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static bool str_eq(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

bool controllers__tolerates(const json_t *tol, const json_t *taint)
{
    const char *teff = json_string_value(json_object_get(tol, "effect"));
    const char *eff = json_string_value(json_object_get(taint, "effect"));
    if (teff && *teff && !str_eq(teff, eff))
        return false;
    const char *tkey = json_string_value(json_object_get(tol, "key"));
    const char *op = json_string_value(json_object_get(tol, "operator"));
    bool exists = op && strcmp(op, "Exists") == 0;
    if (!tkey || !*tkey)
        return exists; /* an empty key with Exists tolerates everything */
    if (!str_eq(tkey, json_string_value(json_object_get(taint, "key"))))
        return false;
    if (exists)
        return true;
    if (op && *op && strcmp(op, "Equal") != 0)
        return false;
    return str_eq(json_string_value(json_object_get(tol, "value")),
                  json_string_value(json_object_get(taint, "value")));
}

int64_t controllers__evict_at(const json_t *pod, const json_t *taints)
{
    json_t *tols = json_object_get(json_object_get(pod, "spec"), "tolerations");
    int64_t at = -1;
    size_t i;
    json_t *taint;
    json_array_foreach(taints, i, taint)
    {
        const char *eff = json_string_value(json_object_get(taint, "effect"));
        if (!eff || strcmp(eff, "NoExecute") != 0)
            continue;
        /* The shortest tolerationSeconds among the tolerations matching this taint; one
         * without tolerationSeconds tolerates it for ever. */
        bool matched = false, forever = false;
        int64_t secs = INT64_MAX;
        size_t j;
        json_t *tol;
        json_array_foreach(tols, j, tol)
        {
            if (!controllers__tolerates(tol, taint))
                continue;
            matched = true;
            json_t *ts = json_object_get(tol, "tolerationSeconds");
            if (!json_is_integer(ts))
                forever = true;
            else if (json_integer_value(ts) < secs)
                secs = json_integer_value(ts) < 0 ? 0 : json_integer_value(ts);
        }
        if (!matched)
            return 0;
        if (forever && secs == INT64_MAX)
            continue;
        int64_t added = c8s_rfc3339_parse(json_string_value(json_object_get(taint, "timeAdded")));
        int64_t t = (added < 0 ? 0 : added) + secs;
        if (t < 1)
            t = 1; /* never 0: that means "at once" */
        if (at < 0 || t < at)
            at = t;
    }
    return at;
}
