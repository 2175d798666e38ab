/* admission_core.c — pure decisions of the built-in admission plugins; see admission.h. */
#include "c8s/admission.h"

#include <string.h>

static bool tolerates(const json_t *tols, const char *key)
{
    size_t i;
    const json_t *t;
    json_array_foreach(tols, i, t)
    {
        const char *k = json_string_value(json_object_get(t, "key"));
        const char *op = json_string_value(json_object_get(t, "operator"));
        const char *eff = json_string_value(json_object_get(t, "effect"));
        /* Upstream treats a toleration as present when it matches the taint: an empty key
         * with Exists matches every key, an empty effect matches every effect. */
        bool key_ok = (k && !strcmp(k, key)) || ((!k || !*k) && op && !strcmp(op, "Exists"));
        bool eff_ok = !eff || !*eff || !strcmp(eff, "NoExecute");
        if (key_ok && eff_ok)
            return true;
    }
    return false;
}

int admission_default_tolerations(json_t *pod, c8s_err_t *err)
{
    static const char *const keys[] = {"node.kubernetes.io/not-ready",
                                       "node.kubernetes.io/unreachable"};
    json_t *spec = json_object_get(pod, "spec");
    if (!json_is_object(spec))
        return 0; /* validation reports a missing spec */
    json_t *tols = json_object_get(spec, "tolerations");
    if (tols && !json_is_array(tols) && !json_is_null(tols))
        return c8s_err_set(err, C8S_EINVALID, "spec.tolerations: must be an array");
    if (!json_is_array(tols)) {
        tols = json_array();
        if (!tols || json_object_set_new(spec, "tolerations", tols) != 0)
            return c8s_err_set(err, C8S_EINTERNAL, "out of memory");
    }
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (tolerates(tols, keys[i]))
            continue;
        json_t *t = json_pack("{s:s, s:s, s:s, s:I}", "key", keys[i], "operator", "Exists",
                              "effect", "NoExecute", "tolerationSeconds", (json_int_t)300);
        if (!t || json_array_append_new(tols, t) != 0)
            return c8s_err_set(err, C8S_EINTERNAL, "out of memory");
    }
    return 0;
}

int admission_namespace_create(const char *ns, const json_t *nsobj, c8s_err_t *err)
{
    if (!nsobj)
        return c8s_err_set(err, C8S_ENOTFOUND, "namespaces \"%s\" not found", ns);
    const char *phase =
        json_string_value(json_object_get(json_object_get(nsobj, "status"), "phase"));
    bool deleting =
        json_object_get(json_object_get(nsobj, "metadata"), "deletionTimestamp") != NULL;
    if (deleting || (phase && !strcmp(phase, "Terminating")))
        return c8s_err_set(err, C8S_EFORBIDDEN,
                           "unable to create new content in namespace %s because it is being "
                           "terminated",
                           ns);
    return 0;
}

int admission_namespace_delete(const char *name, c8s_err_t *err)
{
    static const char *const immortal[] = {"default", "kube-system", "kube-public"};
    for (size_t i = 0; i < sizeof immortal / sizeof immortal[0]; i++)
        if (!strcmp(name, immortal[i]))
            return c8s_err_set(err, C8S_EFORBIDDEN,
                               "namespaces \"%s\" is forbidden: this namespace may not be deleted",
                               name);
    return 0;
}
