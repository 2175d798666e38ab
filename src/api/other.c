/*
 * other.c — defaulting and validation of the kinds outside core, apps and batch: Lease,
 * EndpointSlice, HorizontalPodAutoscaler (v1 and v2), Ingress, NetworkPolicy, StorageClass, the
 * RBAC kinds, PriorityClass and PodDisruptionBudget.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const protocols[] = {"SCTP", "TCP", "UDP", NULL};

/* ---- Lease ---- */

static void lease_validate(c8s_err_t *err, const json_t *obj)
{
    long long v;
    json_t *spec = api__obj(obj, "spec");
    if (api__int(spec, "leaseDurationSeconds", &v) && v <= 0)
        api__invalid_int(err, "spec.leaseDurationSeconds", v, "must be greater than 0");
    if (api__int(spec, "leaseTransitions", &v) && v < 0)
        api__invalid_int(err, "spec.leaseTransitions", v, "must be greater than or equal to 0");
}

/* ---- EndpointSlice ---- */

static void endpointslice_defaults(json_t *obj)
{
    size_t i;
    json_t *port;
    json_array_foreach(api__arr(obj, "ports"), i, port)
    {
        if (!json_is_object(port))
            continue;
        api__default_str(port, "protocol", "TCP");
        if (!json_object_get(port, "name"))
            json_object_set_new(port, "name", json_string(""));
    }
}

static void endpointslice_validate(c8s_err_t *err, const json_t *obj)
{
    static const char *const types[] = {"IPv4", "IPv6", "FQDN", NULL};
    api__check_enum(err, obj, "addressType", "addressType", types, true);
    char p[API_PATH_MAX];
    size_t i;
    json_t *x;
    json_array_foreach(api__arr(obj, "endpoints"), i, x)
    {
        size_t n = json_array_size(api__arr(x, "addresses"));
        api__path(p, sizeof(p), "endpoints[%zu].addresses", i);
        if (n == 0)
            api__required(err, p, "must contain at least 1 address");
        else if (n > 100)
            c8s_err_add_cause(err, "FieldValueTooMany", p,
                              "Too many: %zu: must have at most 100 items", n);
    }
    json_array_foreach(api__arr(obj, "ports"), i, x)
    {
        long long n;
        if (api__int(x, "port", &n) && (n < 1 || n > 65535))
            api__invalid_int(err, api__path(p, sizeof(p), "ports[%zu].port", i), n,
                             "must be between 1 and 65535, inclusive");
        api__check_enum(err, x, "protocol", api__path(p, sizeof(p), "ports[%zu].protocol", i),
                        protocols, false);
    }
}

/* ---- HorizontalPodAutoscaler ---- */

static void hpa_v1_defaults(json_t *obj)
{
    api__default_int(api__ensure_obj(obj, "spec"), "minReplicas", 1, false);
}

/* v2 also defaults the metrics to 80% average CPU utilization, as upstream. */
static void hpa_v2_defaults(json_t *obj)
{
    json_t *spec = api__ensure_obj(obj, "spec");
    api__default_int(spec, "minReplicas", 1, false);
    if (json_array_size(api__arr(spec, "metrics")) == 0)
        json_object_set_new(spec, "metrics",
                            json_pack("[{s:s, s:{s:s, s:{s:s, s:i}}}]", "type", "Resource",
                                      "resource", "name", "cpu", "target", "type", "Utilization",
                                      "averageUtilization", 80));
}

static void hpa_validate(c8s_err_t *err, const json_t *obj)
{
    json_t *spec = api__obj(obj, "spec");
    json_t *ref = api__obj(spec, "scaleTargetRef");
    const char *kind = api__str(ref, "kind"), *name = api__str(ref, "name"), *msg;
    if (!kind || !*kind)
        api__required(err, "spec.scaleTargetRef.kind", NULL);
    if (!name || !*name)
        api__required(err, "spec.scaleTargetRef.name", NULL);
    else if ((msg = api_check_path_segment_name(name)))
        api__invalid_str(err, "spec.scaleTargetRef.name", name, msg);
    long long minr = 1, maxr = 0;
    bool have_min = api__int(spec, "minReplicas", &minr);
    if (have_min && minr < 1)
        api__invalid_int(err, "spec.minReplicas", minr, "must be greater than or equal to 1");
    if (!api__int(spec, "maxReplicas", &maxr))
        api__required(err, "spec.maxReplicas", NULL);
    else if (maxr < 1)
        api__invalid_int(err, "spec.maxReplicas", maxr, "must be greater than 0");
    else if (maxr < minr)
        api__invalid_int(err, "spec.maxReplicas", maxr,
                         "must be greater than or equal to `minReplicas`");
    long long cpu;
    if (api__int(spec, "targetCPUUtilizationPercentage", &cpu) && cpu < 1)
        api__invalid_int(err, "spec.targetCPUUtilizationPercentage", cpu,
                         "must be greater than or equal to 1");
    static const char *const types[] = {"ContainerResource", "External", "Object", "Pods",
                                        "Resource",          NULL};
    char p[API_PATH_MAX];
    size_t i;
    json_t *m;
    json_array_foreach(api__arr(spec, "metrics"), i, m) api__check_enum(
        err, m, "type", api__path(p, sizeof(p), "spec.metrics[%zu].type", i), types, true);
}

/* ---- Ingress ---- */

static void ingress_backend(c8s_err_t *err, const json_t *b, const char *field)
{
    char p[API_PATH_MAX];
    json_t *svc = api__obj(b, "service"), *res = api__obj(b, "resource");
    if (!svc && !res) {
        api__invalid(err, field, b, "one backend (service or resource) must be specified");
        return;
    }
    if (svc && res) {
        api__invalid(err, field, b, "cannot set both service and resource backends");
        return;
    }
    if (!svc)
        return;
    const char *name = api__str(svc, "name"), *msg;
    api__path(p, sizeof(p), "%s.service.name", field);
    if (!name || !*name)
        api__required(err, p, NULL);
    else if ((msg = api_check_dns1035_label(name)))
        api__invalid_str(err, p, name, msg);
    json_t *port = api__obj(svc, "port");
    long long n = 0;
    bool has_num = api__int(port, "number", &n);
    const char *pname = api__str(port, "name");
    api__path(p, sizeof(p), "%s.service.port", field);
    if (!has_num && (!pname || !*pname))
        api__required(err, p, "port name or number is required");
    else if (has_num && pname && *pname)
        api__invalid(err, p, port, "cannot set both port name & port number");
    else if (has_num && (n < 1 || n > 65535))
        api__invalid_int(err, api__path(p, sizeof(p), "%s.service.port.number", field), n,
                         "must be between 1 and 65535, inclusive");
}

static void ingress_validate(c8s_err_t *err, const json_t *obj)
{
    static const char *const path_types[] = {"Exact", "ImplementationSpecific", "Prefix", NULL};
    json_t *spec = api__obj(obj, "spec");
    json_t *def = api__obj(spec, "defaultBackend");
    json_t *rules = api__arr(spec, "rules");
    if (!def && json_array_size(rules) == 0)
        api__invalid(err, "spec", spec, "either `defaultBackend` or `rules` must be specified");
    if (def)
        ingress_backend(err, def, "spec.defaultBackend");
    char p[API_PATH_MAX], b[API_PATH_MAX];
    size_t i, j;
    json_t *r, *path;
    json_array_foreach(rules, i, r)
    {
        const char *host = api__str(r, "host"), *msg;
        if (host && *host) {
            /* A wildcard host is "*." followed by a subdomain. */
            const char *h = strncmp(host, "*.", 2) ? host : host + 2;
            if ((msg = api_check_dns1123_subdomain(h)))
                api__invalid_str(err, api__path(p, sizeof(p), "spec.rules[%zu].host", i), host,
                                 msg);
        }
        json_t *http = api__obj(r, "http");
        if (!http)
            continue;
        json_t *paths = api__arr(http, "paths");
        if (json_array_size(paths) == 0)
            api__required(err, api__path(p, sizeof(p), "spec.rules[%zu].http.paths", i), NULL);
        json_array_foreach(paths, j, path)
        {
            api__path(b, sizeof(b), "spec.rules[%zu].http.paths[%zu]", i, j);
            const char *pt = api__str(path, "pathType");
            api__path(p, sizeof(p), "%s.pathType", b);
            if (!pt || !*pt)
                api__required(err, p, "pathType must be specified");
            else if (!api__in(pt, path_types))
                api__not_supported(err, p, pt, path_types);
            const char *ps = api__str(path, "path");
            if (pt && strcmp(pt, "ImplementationSpecific") && (!ps || ps[0] != '/'))
                api__invalid_str(err, api__path(p, sizeof(p), "%s.path", b), ps ? ps : "",
                                 "must be an absolute path");
            ingress_backend(err, api__obj(path, "backend"),
                            api__path(p, sizeof(p), "%s.backend", b));
        }
    }
}

/* ---- NetworkPolicy ---- */

static void netpol_port_defaults(json_t *rules, const char *peers_key)
{
    size_t i, j;
    json_t *r, *port;
    (void)peers_key;
    json_array_foreach(rules, i, r)
        json_array_foreach(api__arr(r, "ports"), j, port) if (json_is_object(port))
            api__default_str(port, "protocol", "TCP");
}

static void netpol_defaults(json_t *obj)
{
    json_t *spec = api__obj(obj, "spec");
    netpol_port_defaults(api__arr(spec, "ingress"), "from");
    netpol_port_defaults(api__arr(spec, "egress"), "to");
}

static void netpol_validate(c8s_err_t *err, const json_t *obj)
{
    static const char *const types[] = {"Ingress", "Egress", NULL};
    json_t *spec = api__obj(obj, "spec");
    json_t *ps = api__obj(spec, "podSelector");
    if (ps)
        api__check_label_selector(err, ps, "spec.podSelector");
    char p[API_PATH_MAX];
    size_t i;
    json_t *t;
    json_array_foreach(api__arr(spec, "policyTypes"), i, t)
    {
        const char *s = json_string_value(t);
        if (!api__in(s, types))
            api__not_supported(err, api__path(p, sizeof(p), "spec.policyTypes[%zu]", i), s ? s : "",
                               types);
    }
    static const char *const dirs[] = {"ingress", "egress"};
    for (size_t d = 0; d < C8S_ARRAY_SIZE(dirs); d++) {
        size_t j;
        json_t *r, *port;
        json_array_foreach(api__arr(spec, dirs[d]), i, r)
            json_array_foreach(api__arr(r, "ports"), j, port) api__check_enum(
                err, port, "protocol",
                api__path(p, sizeof(p), "spec.%s[%zu].ports[%zu].protocol", dirs[d], i, j),
                protocols, false);
    }
}

/* ---- StorageClass ---- */

static void storageclass_defaults(json_t *obj)
{
    api__default_str(obj, "reclaimPolicy", "Delete");
    api__default_str(obj, "volumeBindingMode", "Immediate");
}

static void storageclass_validate(c8s_err_t *err, const json_t *obj)
{
    const char *prov = api__str(obj, "provisioner"), *msg;
    if (!prov || !*prov)
        api__required(err, "provisioner", NULL);
    else if ((msg = api_check_qualified_name(prov)))
        api__invalid_str(err, "provisioner", prov, msg);
    static const char *const policies[] = {"Delete", "Retain", NULL};
    static const char *const modes[] = {"Immediate", "WaitForFirstConsumer", NULL};
    api__check_enum(err, obj, "reclaimPolicy", "reclaimPolicy", policies, false);
    api__check_enum(err, obj, "volumeBindingMode", "volumeBindingMode", modes, false);
}

static void storageclass_update(c8s_err_t *err, const json_t *obj, const json_t *old)
{
    static const char *const frozen[] = {"provisioner", "parameters", "reclaimPolicy",
                                         "volumeBindingMode"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(frozen); i++) {
        json_t *a = json_object_get(obj, frozen[i]), *b = json_object_get(old, frozen[i]);
        if ((a || b) && !(a && b && json_equal(a, b)))
            api__forbidden(err, frozen[i], "updates to this field are forbidden");
    }
}

/* ---- RBAC ---- */

static void rbac_rules(c8s_err_t *err, const json_t *obj)
{
    char p[API_PATH_MAX];
    size_t i;
    json_t *r;
    json_array_foreach(api__arr(obj, "rules"), i, r)
    {
        if (json_array_size(api__arr(r, "verbs")) == 0)
            api__required(err, api__path(p, sizeof(p), "rules[%zu].verbs", i),
                          "verbs must contain at least one value");
        bool urls = json_array_size(api__arr(r, "nonResourceURLs")) > 0;
        bool res = json_array_size(api__arr(r, "resources")) > 0;
        if (urls && res)
            api__invalid(err, api__path(p, sizeof(p), "rules[%zu].nonResourceURLs", i),
                         api__arr(r, "nonResourceURLs"),
                         "rules cannot apply to both regular resources and non-resource URLs");
        if (!urls && json_array_size(api__arr(r, "apiGroups")) == 0)
            api__required(err, api__path(p, sizeof(p), "rules[%zu].apiGroups", i),
                          "resource rules must supply at least one api group");
        if (!urls && !res)
            api__required(err, api__path(p, sizeof(p), "rules[%zu].resources", i),
                          "resource rules must supply at least one resource");
    }
}

static void cluster_role_validate(c8s_err_t *err, const json_t *obj)
{
    /* An aggregated ClusterRole has its rules filled by the controller. */
    if (!api__obj(obj, "aggregationRule"))
        rbac_rules(err, obj);
}

static void binding_defaults(json_t *obj)
{
    size_t i;
    json_t *s;
    json_array_foreach(api__arr(obj, "subjects"), i, s)
    {
        const char *kind = api__str(s, "kind");
        if (!json_is_object(s) || !kind)
            continue;
        if (!strcmp(kind, "ServiceAccount"))
            api__default_str(s, "apiGroup", "");
        else if (!strcmp(kind, "User") || !strcmp(kind, "Group"))
            api__default_str(s, "apiGroup", "rbac.authorization.k8s.io");
    }
}

static void binding_common(c8s_err_t *err, const json_t *obj, bool cluster)
{
    static const char *const role_kinds[] = {"Role", "ClusterRole", NULL};
    static const char *const cluster_kinds[] = {"ClusterRole", NULL};
    static const char *const subject_kinds[] = {"ServiceAccount", "User", "Group", NULL};
    json_t *ref = api__obj(obj, "roleRef");
    const char *ag = api__str(ref, "apiGroup");
    if (ag && strcmp(ag, "rbac.authorization.k8s.io")) {
        static const char *const groups[] = {"rbac.authorization.k8s.io", NULL};
        api__not_supported(err, "roleRef.apiGroup", ag, groups);
    }
    api__check_enum(err, ref, "kind", "roleRef.kind", cluster ? cluster_kinds : role_kinds, true);
    const char *name = api__str(ref, "name"), *msg;
    if (!name || !*name)
        api__required(err, "roleRef.name", NULL);
    else if ((msg = api_check_path_segment_name(name)))
        api__invalid_str(err, "roleRef.name", name, msg);
    char p[API_PATH_MAX];
    size_t i;
    json_t *s;
    json_array_foreach(api__arr(obj, "subjects"), i, s)
    {
        const char *kind = api__str(s, "kind"), *sn = api__str(s, "name");
        if (!sn || !*sn)
            api__required(err, api__path(p, sizeof(p), "subjects[%zu].name", i), NULL);
        api__check_enum(err, s, "kind", api__path(p, sizeof(p), "subjects[%zu].kind", i),
                        subject_kinds, true);
        const char *sns = api__str(s, "namespace");
        if (cluster && kind && !strcmp(kind, "ServiceAccount") && (!sns || !*sns))
            api__required(err, api__path(p, sizeof(p), "subjects[%zu].namespace", i), NULL);
    }
}

static void rolebinding_validate(c8s_err_t *err, const json_t *obj)
{
    binding_common(err, obj, false);
}

static void clusterrolebinding_validate(c8s_err_t *err, const json_t *obj)
{
    binding_common(err, obj, true);
}

static void binding_update(c8s_err_t *err, const json_t *obj, const json_t *old)
{
    json_t *a = json_object_get(obj, "roleRef"), *b = json_object_get(old, "roleRef");
    if (a && b && !json_equal(a, b))
        api__invalid(err, "roleRef", a, "cannot change roleRef");
}

/* ---- PriorityClass ---- */

#define HIGHEST_USER_PRIORITY 1000000000LL

static void priorityclass_defaults(json_t *obj)
{
    api__default_str(obj, "preemptionPolicy", "PreemptLowerPriority");
}

static void priorityclass_validate(c8s_err_t *err, const json_t *obj)
{
    const char *name = api__str(api__obj(obj, "metadata"), "name");
    long long v;
    bool system = name && !strncmp(name, "system-", 7);
    if (!api__int(obj, "value", &v))
        api__required(err, "value", NULL);
    else if (!system && v > HIGHEST_USER_PRIORITY)
        api__forbidden(err, "value",
                       "maximum allowed value of a user defined priority is 1000000000");
    static const char *const policies[] = {"Never", "PreemptLowerPriority", NULL};
    api__check_enum(err, obj, "preemptionPolicy", "preemptionPolicy", policies, false);
}

static void priorityclass_update(c8s_err_t *err, const json_t *obj, const json_t *old)
{
    json_t *a = json_object_get(obj, "value"), *b = json_object_get(old, "value");
    if (a && b && !json_equal(a, b))
        api__forbidden(err, "value", "may not be changed in an update.");
    a = json_object_get(obj, "preemptionPolicy");
    b = json_object_get(old, "preemptionPolicy");
    if (a && b && !json_equal(a, b))
        api__check_immutable(err, a, b, "preemptionPolicy");
}

/* ---- PodDisruptionBudget ---- */

/* upstream's ValidatePositiveIntOrPercent and IsNotMoreThan100Percent for one IntOrString. */
static void pdb_int_or_percent(c8s_err_t *err, const json_t *v, const char *field)
{
    if (json_is_integer(v)) {
        if (json_integer_value(v) < 0)
            api__invalid(err, field, v, "must be greater than or equal to 0");
        return;
    }
    const char *s = json_string_value(v);
    if (!s) {
        api__invalid(err, field, v, "must be an integer or percentage (e.g '5%')");
        return;
    }
    size_t n = strspn(s, "0123456789");
    if (n == 0 || s[n] != '%' || s[n + 1] != '\0') {
        api__invalid(err, field, v,
                     "a valid percent string must be a numeric string followed by an ending '%' "
                     "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')");
        return;
    }
    if (strtoll(s, NULL, 10) > 100 || n > 3)
        api__invalid(err, field, v, "must not be greater than 100%");
}

static void pdb_validate(c8s_err_t *err, const json_t *obj)
{
    static const char *const policies[] = {"AlwaysAllow", "IfHealthyBudget", NULL};
    json_t *spec = api__obj(obj, "spec");
    json_t *min = json_object_get(spec, "minAvailable");
    json_t *max = json_object_get(spec, "maxUnavailable");
    if (json_is_null(min))
        min = NULL;
    if (json_is_null(max))
        max = NULL;
    if (min && max)
        api__invalid(err, "spec", spec, "minAvailable and maxUnavailable cannot be both set");
    if (min)
        pdb_int_or_percent(err, min, "spec.minAvailable");
    if (max)
        pdb_int_or_percent(err, max, "spec.maxUnavailable");
    json_t *sel = api__obj(spec, "selector");
    if (sel)
        api__check_label_selector(err, sel, "spec.selector");
    api__check_enum(err, spec, "unhealthyPodEvictionPolicy", "spec.unhealthyPodEvictionPolicy",
                    policies, false);
}

static void pdb_status(c8s_err_t *err, const json_t *obj)
{
    static const char *const counts[] = {"disruptionsAllowed", "currentHealthy", "desiredHealthy",
                                         "expectedPods"};
    json_t *st = api__obj(obj, "status");
    char p[API_PATH_MAX];
    for (size_t i = 0; i < C8S_ARRAY_SIZE(counts); i++)
        api__check_min(err, st, counts[i], api__path(p, sizeof(p), "status.%s", counts[i]), 0);
}

const api__hooks_t api__other_hooks[] = {
    {"coordination.k8s.io", "Lease", NULL, NULL, lease_validate, NULL, NULL, NULL},
    {"discovery.k8s.io", "EndpointSlice", NULL, endpointslice_defaults, endpointslice_validate,
     NULL, NULL, NULL},
    {"autoscaling", "HorizontalPodAutoscaler", NULL, hpa_v2_defaults, hpa_validate, NULL, NULL,
     "v2"},
    {"autoscaling", "HorizontalPodAutoscaler", NULL, hpa_v1_defaults, hpa_validate, NULL, NULL,
     "v1"},
    {"networking.k8s.io", "Ingress", NULL, NULL, ingress_validate, NULL, NULL, NULL},
    {"networking.k8s.io", "NetworkPolicy", NULL, netpol_defaults, netpol_validate, NULL, NULL,
     NULL},
    {"storage.k8s.io", "StorageClass", NULL, storageclass_defaults, storageclass_validate,
     storageclass_update, NULL, NULL},
    {"rbac.authorization.k8s.io", "Role", api_check_path_segment_name, NULL, rbac_rules, NULL, NULL,
     NULL},
    {"rbac.authorization.k8s.io", "ClusterRole", api_check_path_segment_name, NULL,
     cluster_role_validate, NULL, NULL, NULL},
    {"rbac.authorization.k8s.io", "RoleBinding", api_check_path_segment_name, binding_defaults,
     rolebinding_validate, binding_update, NULL, NULL},
    {"rbac.authorization.k8s.io", "ClusterRoleBinding", api_check_path_segment_name,
     binding_defaults, clusterrolebinding_validate, binding_update, NULL, NULL},
    {"scheduling.k8s.io", "PriorityClass", NULL, priorityclass_defaults, priorityclass_validate,
     priorityclass_update, NULL, NULL},
    {"policy", "PodDisruptionBudget", NULL, NULL, pdb_validate, NULL, pdb_status, NULL},
    {0},
};
