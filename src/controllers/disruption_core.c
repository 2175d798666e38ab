/*
 * disruption_core.c — pure: a PodDisruptionBudget's status from the pods it selects, as upstream's
 * disruption controller computes it (getExpectedPodCount, buildDisruptedPodMap, countHealthyPods,
 * updatePdbStatus and the DisruptionAllowed condition).
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *meta_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(json_object_get(o, "metadata"), key));
}

static bool terminating(const json_t *pod)
{
    json_t *ts = json_object_get(json_object_get(pod, "metadata"), "deletionTimestamp");
    return ts && !json_is_null(ts);
}

/* upstream's IsPodReady: the Ready condition is True (whatever the phase). */
static bool ready(const json_t *pod)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(pod, "status"), "conditions"), i, c)
    {
        const char *t = json_string_value(json_object_get(c, "type"));
        if (t && strcmp(t, "Ready") == 0) {
            const char *s = json_string_value(json_object_get(c, "status"));
            return s && strcmp(s, "True") == 0;
        }
    }
    return false;
}

int controllers__pdb_scaled(const json_t *v, long long total, long long *out)
{
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return 0;
    }
    const char *s = json_string_value(v);
    if (!s)
        return -1;
    char *end = NULL;
    long long pct = strtoll(s, &end, 10);
    if (end == s || strcmp(end, "%") != 0 || pct < 0)
        return -1;
    /* Rounded up, as upstream's GetScaledValueFromIntOrPercent(…, roundUp=true). */
    *out = (pct * total + 99) / 100;
    return 0;
}

/* upstream's getExpectedScale: the sum of the scales of the pods' controllers, each counted once.
 * -1 with *why set when a pod's controller is not known (scales lacks its uid). */
static int expected_scale(const json_t *pods, const json_t *scales, long long *out, char *why,
                          size_t why_len)
{
    cleanup_json json_t *seen = json_object();
    long long sum = 0;
    size_t i;
    json_t *pod;
    json_array_foreach(pods, i, pod)
    {
        const json_t *ref = controllers__controller_ref(pod);
        if (!ref)
            continue; /* unmanaged: counted nowhere (upstream logs and goes on) */
        const char *uid = json_string_value(json_object_get(ref, "uid"));
        json_t *scale = uid ? json_object_get(scales, uid) : NULL;
        if (!json_is_integer(scale)) {
            snprintf(why, why_len, "found no controllers for pod \"%s\"",
                     meta_str(pod, "name") ? meta_str(pod, "name") : "");
            return -1;
        }
        if (json_object_get(seen, uid))
            continue;
        json_object_set_new(seen, uid, json_true());
        sum += json_integer_value(scale);
    }
    *out = sum;
    return 0;
}

/* upstream's SetStatusCondition for DisruptionAllowed: lastTransitionTime kept unless the status
 * changes. */
static void set_condition(json_t *st, const char *status, const char *reason, const char *msg,
                          const char *now)
{
    json_t *conds = json_object_get(st, "conditions");
    if (!json_is_array(conds)) {
        conds = json_array();
        json_object_set_new(st, "conditions", conds);
    }
    json_t *cond = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "DisruptionAllowed", "status",
                             status, "reason", reason, "message", msg, "lastTransitionTime", now);
    json_t *og = json_object_get(st, "observedGeneration");
    if (json_is_integer(og))
        json_object_set(cond, "observedGeneration", og);
    size_t i;
    json_t *c;
    json_array_foreach(conds, i, c)
    {
        const char *t = json_string_value(json_object_get(c, "type"));
        if (t && strcmp(t, "DisruptionAllowed") == 0) {
            const char *was = json_string_value(json_object_get(c, "status"));
            json_t *lt = json_object_get(c, "lastTransitionTime");
            if (was && strcmp(was, status) == 0 && json_is_string(lt))
                json_object_set(cond, "lastTransitionTime", lt);
            json_array_set_new(conds, i, cond);
            return;
        }
    }
    json_array_append_new(conds, cond);
}

json_t *controllers__pdb_status(const json_t *pdb, const json_t *pods, const json_t *scales,
                                int64_t now_ms, int64_t *recheck_ms)
{
    *recheck_ms = 0;
    const json_t *spec = json_object_get(pdb, "spec");
    const json_t *old = json_object_get(pdb, "status");
    json_t *min = json_object_get(spec, "minAvailable");
    json_t *max = json_object_get(spec, "maxUnavailable");
    char now[40];
    c8s_rfc3339_format(now_ms / 1000, now, sizeof(now));
    long long expected = 0, desired = 0;
    char why[300] = "";
    int rc = 0;
    if (max && !json_is_null(max)) {
        long long n = 0;
        if ((rc = expected_scale(pods, scales, &expected, why, sizeof(why))) == 0 &&
            (rc = controllers__pdb_scaled(max, expected, &n)) != 0)
            snprintf(why, sizeof(why), "invalid maxUnavailable");
        desired = expected - n < 0 ? 0 : expected - n;
    } else if (json_is_integer(min)) {
        desired = json_integer_value(min);
        expected = (long long)json_array_size(pods);
    } else if (json_is_string(min)) {
        if ((rc = expected_scale(pods, scales, &expected, why, sizeof(why))) == 0 &&
            (rc = controllers__pdb_scaled(min, expected, &desired)) != 0)
            snprintf(why, sizeof(why), "invalid minAvailable");
    }
    if (rc != 0) {
        /* upstream's failSafe: nothing may be disrupted while the budget cannot be computed. */
        json_t *st = json_is_object(old) ? json_deep_copy(old) : json_object();
        json_object_set_new(st, "disruptionsAllowed", json_integer(0));
        static const char *const counts[] = {"currentHealthy", "desiredHealthy", "expectedPods"};
        for (size_t i = 0; i < C8S_ARRAY_SIZE(counts); i++)
            if (!json_is_integer(json_object_get(st, counts[i])))
                json_object_set_new(st, counts[i], json_integer(0));
        set_condition(st, "False", "SyncFailed", why, now);
        return st;
    }

    /* upstream's buildDisruptedPodMap: evictions not yet seen through, forgotten after the
     * deletion timeout; the earliest expiry is when to look again. */
    json_t *old_disrupted = json_object_get(old, "disruptedPods");
    json_t *disrupted = json_object();
    size_t i;
    json_t *pod;
    json_array_foreach(pods, i, pod)
    {
        const char *name = meta_str(pod, "name");
        if (terminating(pod) || !name)
            continue;
        const char *when = json_string_value(json_object_get(old_disrupted, name));
        int64_t t = c8s_rfc3339_parse(when);
        if (t < 0)
            continue;
        int64_t expires_ms = t * 1000 + PDB_DELETION_TIMEOUT_MS;
        if (expires_ms < now_ms)
            continue;
        json_object_set_new(disrupted, name, json_string(when));
        int64_t in = expires_ms - now_ms;
        if (*recheck_ms == 0 || in < *recheck_ms)
            *recheck_ms = in > 0 ? in : 1;
    }
    /* upstream's countHealthyPods. */
    long long current = 0;
    json_array_foreach(pods, i, pod)
    {
        const char *name = meta_str(pod, "name");
        if (terminating(pod) || (name && json_object_get(disrupted, name)))
            continue;
        if (ready(pod))
            current++;
    }
    /* expectedCount > 0: a budget matching no pods yet stays safe until it has counted them. */
    long long allowed = current - desired;
    if (expected <= 0 || allowed <= 0)
        allowed = 0;

    json_t *st = json_pack("{s:I, s:I, s:I, s:I}", "disruptionsAllowed", (json_int_t)allowed,
                           "currentHealthy", (json_int_t)current, "desiredHealthy",
                           (json_int_t)desired, "expectedPods", (json_int_t)expected);
    json_object_set_new(st, "observedGeneration",
                        json_integer(json_integer_value(
                            json_object_get(json_object_get(pdb, "metadata"), "generation"))));
    if (json_object_size(disrupted) > 0)
        json_object_set_new(st, "disruptedPods", disrupted);
    else
        json_decref(disrupted);
    json_t *conds = json_object_get(old, "conditions");
    if (json_is_array(conds))
        json_object_set_new(st, "conditions", json_deep_copy(conds));
    if (allowed > 0)
        set_condition(st, "True", "SufficientPods", "", now);
    else
        set_condition(st, "False", "InsufficientPods", "", now);
    return st;
}
