/*
 * podgc_core.c — the pod garbage collector's decisions, pure: which pods count as terminated, the
 * order the oldest of them go in once there are more than the threshold (evicted ones first, then
 * by creation time, then by name, as upstream's byEvictionAndCreationTimestamp), and the status
 * a pod is given before it is force-deleted (Failed, with a condition saying why).
 */
#include "internal.h"

#include "c8s/ctrlcore.h"

#include <stdlib.h>
#include <string.h>

static const char *phase_of(const json_t *pod)
{
    return json_string_value(json_object_get(json_object_get(pod, "status"), "phase"));
}

bool controllers__podgc_terminated(const json_t *pod)
{
    const char *phase = phase_of(pod);
    return phase && (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0);
}

static bool evicted(const json_t *pod)
{
    const char *phase = phase_of(pod);
    const char *reason =
        json_string_value(json_object_get(json_object_get(pod, "status"), "reason"));
    return phase && reason && strcmp(phase, "Failed") == 0 && strcmp(reason, "Evicted") == 0;
}

static int victim_cmp(const void *pa, const void *pb)
{
    const json_t *a = *(const json_t *const *)pa, *b = *(const json_t *const *)pb;
    bool ea = evicted(a), eb = evicted(b);
    if (ea != eb)
        return ea ? -1 : 1;
    int64_t ta = ctrlcore_parse_time(controllers__meta(a, "creationTimestamp"));
    int64_t tb = ctrlcore_parse_time(controllers__meta(b, "creationTimestamp"));
    if (ta != tb)
        return ta < tb ? -1 : 1;
    const char *na = controllers__meta(a, "name"), *nb = controllers__meta(b, "name");
    return strcmp(na ? na : "", nb ? nb : "");
}

size_t controllers__podgc_victims(const json_t **pods, size_t n, size_t threshold)
{
    size_t t = 0;
    for (size_t i = 0; i < n; i++)
        if (controllers__podgc_terminated(pods[i]))
            pods[t++] = pods[i];
    if (t <= threshold)
        return 0;
    qsort(pods, t, sizeof(*pods), victim_cmp);
    return t - threshold;
}

json_t *controllers__podgc_failed_status(const json_t *pod, const char *reason, const char *message,
                                         const char *now)
{
    if (controllers__podgc_terminated(pod))
        return NULL;
    json_t *conds = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(pod, "status"), "conditions"), i, c)
    {
        const char *t = json_string_value(json_object_get(c, "type"));
        if (!reason || !t || strcmp(t, "DisruptionTarget") != 0)
            json_array_append(conds, c);
    }
    if (reason)
        json_array_append_new(conds,
                              json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "DisruptionTarget",
                                        "status", "True", "reason", reason, "message",
                                        message ? message : "", "lastTransitionTime", now));
    return json_pack("{s:{s:s, s:o}}", "status", "phase", "Failed", "conditions", conds);
}
