/*
 * admission_sa.c — ServiceAccount admission for pod creates: the pod's account must exist (read
 * from the watch cache), and its token, the cluster CA and the namespace are mounted into every
 * container (the pure part is src/api/admission_sa.c). It runs only when the server can issue
 * ServiceAccount tokens: without a signing key there is no token to mount.
 */
#include "internal.h"
#include "c8s/admission.h"

#include <string.h>

/* Whether plugin is in the comma-separated list (upstream's --disable-admission-plugins). */
static bool disabled(const char *list, const char *plugin)
{
    size_t n = strlen(plugin);
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, plugin, n) == 0)
            return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}

int apiserver__admission_sa(api_req_t *r, json_t *pod, c8s_err_t *err)
{
    if (!apiserver__tokens_can_sign(r->srv) || admission_sa_is_mirror(pod) ||
        disabled(r->srv->cfg.disable_admission_plugins, "ServiceAccount"))
        return 0;
    const char *sa_name = admission_sa_default_name(pod);
    if (!sa_name)
        return 0;
    resource_t *res = apiserver__resource_for(r->srv, api_kind_lookup("", "v1", "serviceaccounts"));
    if (!res || !res->ready)
        return c8s_err_set(err, C8S_EUNAVAILABLE,
                           "service accounts are not loaded yet; try again shortly");
    cleanup_free char *key = apiserver__key(res, r->ns, sa_name);
    wc_obj_t *o = wcache_get(res->cache, key);
    if (!o)
        return c8s_err_set(err, C8S_EFORBIDDEN,
                           "pods \"%s\" is forbidden: error looking up service account %s/%s: "
                           "serviceaccount \"%s\" not found",
                           r->name ? r->name : "", r->ns, sa_name, sa_name);
    cleanup_json json_t *sa = json_loadb(o->json, o->json_len, 0, NULL);
    cleanup_free char *vol = apiserver__generate_name(ADMISSION_SA_VOLUME_PREFIX);
    return admission_sa_mount(pod, sa, vol, err);
}
