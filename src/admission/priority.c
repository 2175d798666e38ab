/*
 * priority.c — the Priority admission plugin's decisions: a pod's spec.priority comes from its
 * PriorityClass (or the globalDefault one), never from the pod itself; only one class may be the
 * global default.
 */
#include "internal.h"

#include <string.h>

static const json_t *find_class(const json_t *classes, const char *name)
{
    size_t i;
    json_t *pc;
    json_array_foreach((json_t *)classes, i, pc)
    {
        const char *n = admission__str(json_object_get(pc, "metadata"), "name");
        if (n && !strcmp(n, name))
            return pc;
    }
    return NULL;
}

/* The globalDefault class; the one with the lowest value when several (upstream's choice). */
static const json_t *global_default(const json_t *classes)
{
    const json_t *best = NULL;
    size_t i;
    json_t *pc;
    json_array_foreach((json_t *)classes, i, pc)
    {
        if (!json_is_true(json_object_get(pc, "globalDefault")))
            continue;
        if (!best || json_integer_value(json_object_get(pc, "value")) <
                         json_integer_value(json_object_get(best, "value")))
            best = pc;
    }
    return best;
}

int admission_priority_pod(json_t *pod, const json_t *classes, c8s_err_t *err)
{
    json_t *spec = json_object_get(pod, "spec");
    if (!json_is_object(spec))
        return 0;
    const char *cls = admission__str(spec, "priorityClassName");
    json_int_t value = 0;
    const char *policy = "PreemptLowerPriority";
    const json_t *pc = NULL;
    if (cls && *cls) {
        pc = find_class(classes, cls);
        if (pc) {
            value = json_integer_value(json_object_get(pc, "value"));
        } else if (!strcmp(cls, "system-node-critical")) {
            value = ADMISSION_PRIO_NODE_CRITICAL;
        } else if (!strcmp(cls, "system-cluster-critical")) {
            value = ADMISSION_PRIO_CLUSTER_CRITICAL;
        } else {
            return c8s_err_set(err, C8S_EFORBIDDEN, "no PriorityClass with name %s was found", cls);
        }
    } else {
        pc = global_default(classes);
        if (pc) {
            value = json_integer_value(json_object_get(pc, "value"));
            json_object_set_new(
                spec, "priorityClassName",
                json_string(admission__str(json_object_get(pc, "metadata"), "name")));
        }
    }
    if (admission__str(pc, "preemptionPolicy"))
        policy = admission__str(pc, "preemptionPolicy");
    /* The API's defaulting writes priority 0 for a pod naming no class, so 0 there is "unset";
     * any other value the pod brings must agree with what its class says. */
    json_t *given = json_object_get(spec, "priority");
    bool unset = !json_is_integer(given) || ((!cls || !*cls) && json_integer_value(given) == 0);
    if (!unset && json_integer_value(given) != value)
        return c8s_err_set(err, C8S_EFORBIDDEN,
                           "the integer value of priority (%lld) must not be provided in pod spec; "
                           "priority admission controller computed %lld from the given "
                           "PriorityClass name",
                           (long long)json_integer_value(given), (long long)value);
    const char *gp = admission__str(spec, "preemptionPolicy");
    if (gp && strcmp(gp, policy) != 0)
        return c8s_err_set(err, C8S_EFORBIDDEN,
                           "the string value of PreemptionPolicy (%s) must not be provided in pod "
                           "spec; priority admission controller computed %s from the given "
                           "PriorityClass name",
                           gp, policy);
    json_object_set_new(spec, "priority", json_integer(value));
    json_object_set_new(spec, "preemptionPolicy", json_string(policy));
    return 0;
}

int admission_priority_class(const json_t *pc, const json_t *classes, c8s_err_t *err)
{
    if (!json_is_true(json_object_get(pc, "globalDefault")))
        return 0;
    const char *name = admission__str(json_object_get(pc, "metadata"), "name");
    size_t i;
    json_t *o;
    json_array_foreach((json_t *)classes, i, o)
    {
        const char *n = admission__str(json_object_get(o, "metadata"), "name");
        if (json_is_true(json_object_get(o, "globalDefault")) && n && name && strcmp(n, name))
            return c8s_err_set(err, C8S_EFORBIDDEN,
                               "PriorityClass %s is already marked as default. Only one default "
                               "can exist",
                               n);
    }
    return 0;
}
