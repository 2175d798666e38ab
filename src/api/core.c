/*
 * core.c — defaulting and validation of the core/v1 kinds other than pods and replication
 * controllers: Namespace, Node, Service, Endpoints, ConfigMap, Secret, ServiceAccount, Event,
 * PersistentVolume(Claim), ResourceQuota and LimitRange, as upstream's core defaulters and
 * validators do for the fields users touch.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

static const char *const protocols[] = {"SCTP", "TCP", "UDP", NULL};
static const char *const access_modes[] = {"ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany",
                                           "ReadWriteOncePod", NULL};
static const char *const volume_modes[] = {"Block", "Filesystem", NULL};

/* ---- Namespace ---- */

static void namespace_defaults(json_t *obj)
{
    json_t *spec = api__ensure_obj(obj, "spec");
    if (!api__arr(spec, "finalizers"))
        json_object_set_new(spec, "finalizers", json_pack("[s]", "kubernetes"));
    api__default_str(api__ensure_obj(obj, "status"), "phase", "Active");
}

static void namespace_validate(c8s_err_t *err, const json_t *obj)
{
    size_t i;
    json_t *f;
    json_array_foreach(api__arr(api__obj(obj, "spec"), "finalizers"), i, f)
    {
        const char *s = json_string_value(f);
        const char *msg = s ? api_check_qualified_name(s) : "must be a string";
        if (msg)
            api__invalid(err, "spec.finalizers", f, msg);
    }
}

static void namespace_status(c8s_err_t *err, const json_t *obj)
{
    static const char *const phases[] = {"Active", "Terminating", NULL};
    api__check_enum(err, api__obj(obj, "status"), "phase", "status.phase", phases, false);
}

/* ---- Node ---- */

static void node_defaults(json_t *obj)
{
    json_t *status = api__obj(obj, "status");
    json_t *cap = api__obj(status, "capacity");
    if (cap && !api__obj(status, "allocatable"))
        json_object_set_new(status, "allocatable", json_deep_copy(cap));
}

static void node_validate(c8s_err_t *err, const json_t *obj)
{
    static const char *const effects[] = {"NoSchedule", "PreferNoSchedule", "NoExecute", NULL};
    char p[API_PATH_MAX];
    size_t i;
    json_t *t;
    json_array_foreach(api__arr(api__obj(obj, "spec"), "taints"), i, t)
    {
        const char *key = api__str(t, "key"), *msg;
        api__path(p, sizeof(p), "spec.taints[%zu].key", i);
        if (!key || !*key)
            api__required(err, p, NULL);
        else if ((msg = api_check_qualified_name(key)))
            api__invalid_str(err, p, key, msg);
        api__check_enum(err, t, "effect", api__path(p, sizeof(p), "spec.taints[%zu].effect", i),
                        effects, true);
    }
    json_t *st = api__obj(obj, "status");
    api__check_resource_list(err, api__obj(st, "capacity"), "status.capacity");
    api__check_resource_list(err, api__obj(st, "allocatable"), "status.allocatable");
}

/* ---- Service ---- */

static void service_defaults(json_t *obj)
{
    json_t *spec = api__ensure_obj(obj, "spec");
    api__default_str(spec, "type", "ClusterIP");
    api__default_str(spec, "sessionAffinity", "None");
    const char *type = api__str(spec, "type");
    if (!strcmp(api__str(spec, "sessionAffinity"), "ClientIP")) {
        json_t *cfg = api__ensure_obj(api__ensure_obj(spec, "sessionAffinityConfig"), "clientIP");
        api__default_int(cfg, "timeoutSeconds", 10800, false);
    }
    size_t i;
    json_t *port;
    json_array_foreach(api__arr(spec, "ports"), i, port)
    {
        if (!json_is_object(port))
            continue;
        api__default_str(port, "protocol", "TCP");
        json_t *tp = json_object_get(port, "targetPort");
        json_t *pn = json_object_get(port, "port");
        if ((!tp || json_is_null(tp) || (json_is_integer(tp) && !json_integer_value(tp)) ||
             (json_is_string(tp) && !*json_string_value(tp))) &&
            pn)
            json_object_set(port, "targetPort", pn);
    }
    if (strcmp(type, "ExternalName")) {
        api__default_str(spec, "internalTrafficPolicy", "Cluster");
        if (!api__arr(spec, "ipFamilies"))
            json_object_set_new(spec, "ipFamilies", json_pack("[s]", "IPv4"));
        api__default_str(spec, "ipFamilyPolicy", "SingleStack");
    }
    if (!strcmp(type, "NodePort") || !strcmp(type, "LoadBalancer"))
        api__default_str(spec, "externalTrafficPolicy", "Cluster");
    if (!strcmp(type, "LoadBalancer"))
        api__default_bool(spec, "allocateLoadBalancerNodePorts", true);
}

static void service_ports(c8s_err_t *err, const json_t *ports)
{
    char p[API_PATH_MAX];
    cleanup_json json_t *names = json_object();
    bool many = json_array_size(ports) > 1;
    size_t i;
    json_t *port;
    json_array_foreach(ports, i, port)
    {
        const char *name = api__str(port, "name"), *msg;
        api__path(p, sizeof(p), "spec.ports[%zu].name", i);
        if (!name || !*name) {
            if (many)
                api__required(err, p, NULL);
        } else if ((msg = api_check_dns1123_label(name))) {
            api__invalid_str(err, p, name, msg);
        } else if (json_object_get(names, name)) {
            api__duplicate(err, p, name);
        }
        if (name && *name)
            json_object_set_new(names, name, json_true());
        long long n = 0;
        api__path(p, sizeof(p), "spec.ports[%zu].port", i);
        if (!api__int(port, "port", &n))
            api__required(err, p, NULL);
        else if (n < 1 || n > 65535)
            api__invalid_int(err, p, n, "must be between 1 and 65535, inclusive");
        api__check_enum(err, port, "protocol",
                        api__path(p, sizeof(p), "spec.ports[%zu].protocol", i), protocols, true);
        json_t *tp = json_object_get(port, "targetPort");
        api__path(p, sizeof(p), "spec.ports[%zu].targetPort", i);
        if (json_is_integer(tp) && (json_integer_value(tp) < 1 || json_integer_value(tp) > 65535))
            api__invalid_int(err, p, json_integer_value(tp),
                             "must be between 1 and 65535, inclusive");
        else if (json_is_string(tp) && (msg = api_check_port_name(json_string_value(tp))))
            api__invalid(err, p, tp, msg);
    }
}

static void service_validate(c8s_err_t *err, const json_t *obj)
{
    static const char *const types[] = {"ClusterIP", "ExternalName", "LoadBalancer", "NodePort",
                                        NULL};
    static const char *const affinity[] = {"ClientIP", "None", NULL};
    static const char *const policies[] = {"Cluster", "Local", NULL};
    json_t *spec = api__obj(obj, "spec");
    api__check_enum(err, spec, "type", "spec.type", types, true);
    api__check_enum(err, spec, "sessionAffinity", "spec.sessionAffinity", affinity, true);
    api__check_enum(err, spec, "internalTrafficPolicy", "spec.internalTrafficPolicy", policies,
                    false);
    api__check_enum(err, spec, "externalTrafficPolicy", "spec.externalTrafficPolicy", policies,
                    false);
    const char *type = api__str(spec, "type");
    const char *cip = api__str(spec, "clusterIP");
    bool headless = cip && !strcmp(cip, "None");
    bool external = type && !strcmp(type, "ExternalName");
    json_t *ports = api__arr(spec, "ports");
    if (json_array_size(ports) == 0 && !headless && !external)
        api__required(err, "spec.ports", NULL);
    service_ports(err, ports);
    if (external) {
        const char *en = api__str(spec, "externalName"), *msg;
        if (!en || !*en)
            api__required(err, "spec.externalName", NULL);
        else if ((msg = api_check_dns1123_subdomain(en)))
            api__invalid_str(err, "spec.externalName", en, msg);
    }
    json_t *sel = api__obj(spec, "selector");
    if (sel)
        api__check_labels(err, sel, "spec.selector");
}

static void service_update(c8s_err_t *err, const json_t *obj, const json_t *old)
{
    json_t *s = api__obj(obj, "spec"), *o = api__obj(old, "spec");
    const char *ocip = api__str(o, "clusterIP");
    /* Once allocated, clusterIP stays; an update that omits it keeps the old one (server). */
    if (ocip && *ocip && api__str(s, "clusterIP"))
        api__check_immutable(err, json_object_get(s, "clusterIP"), json_object_get(o, "clusterIP"),
                             "spec.clusterIP");
}

/* ---- Endpoints ---- */

static void endpoints_defaults(json_t *obj)
{
    size_t i, j;
    json_t *ss, *port;
    json_array_foreach(api__arr(obj, "subsets"), i, ss)
        json_array_foreach(api__arr(ss, "ports"), j, port) if (json_is_object(port))
            api__default_str(port, "protocol", "TCP");
}

static void endpoints_validate(c8s_err_t *err, const json_t *obj)
{
    char p[API_PATH_MAX];
    size_t i, j;
    json_t *ss, *x;
    json_array_foreach(api__arr(obj, "subsets"), i, ss)
    {
        json_array_foreach(api__arr(ss, "addresses"), j, x)
        {
            const char *ip = api__str(x, "ip");
            if (!ip || !*ip)
                api__required(err, api__path(p, sizeof(p), "subsets[%zu].addresses[%zu].ip", i, j),
                              NULL);
        }
        json_array_foreach(api__arr(ss, "ports"), j, x)
        {
            long long n;
            api__path(p, sizeof(p), "subsets[%zu].ports[%zu].port", i, j);
            if (!api__int(x, "port", &n))
                api__required(err, p, NULL);
            else if (n < 1 || n > 65535)
                api__invalid_int(err, p, n, "must be between 1 and 65535, inclusive");
            api__check_enum(err, x, "protocol",
                            api__path(p, sizeof(p), "subsets[%zu].ports[%zu].protocol", i, j),
                            protocols, true);
        }
    }
}

/* ---- ConfigMap and Secret ---- */

#define MAX_DATA_BYTES (1024 * 1024)

static size_t check_keys(c8s_err_t *err, const json_t *map, const char *field, const json_t *other,
                         const char *other_name)
{
    char p[API_PATH_MAX];
    size_t total = 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)map, k, v)
    {
        const char *msg = api_check_config_key(k);
        api__path(p, sizeof(p), "%s[%s]", field, k);
        if (msg)
            api__invalid_str(err, p, k, msg);
        if (other && json_object_get(other, k)) {
            char detail[128];
            snprintf(detail, sizeof(detail), "duplicate of key present in %s", other_name);
            api__invalid_str(err, p, k, detail);
        }
        if (!json_is_string(v))
            api__invalid(err, p, v, "must be a string");
        else
            total += json_string_length(v);
    }
    return total;
}

/* A field that must be a map (upstream's decoder refuses anything else before validation). */
static void want_maps(c8s_err_t *err, const json_t *obj, const char *const *fields, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_object_get(obj, fields[i]);
        if (v && !json_is_object(v) && !json_is_null(v))
            api__invalid(err, fields[i], v, "must be a map of strings");
    }
}

static void configmap_validate(c8s_err_t *err, const json_t *obj)
{
    static const char *const maps[] = {"data", "binaryData"};
    want_maps(err, obj, maps, C8S_ARRAY_SIZE(maps));
    json_t *data = api__obj(obj, "data"), *bin = api__obj(obj, "binaryData");
    size_t total = check_keys(err, data, "data", bin, "binaryData");
    total += check_keys(err, bin, "binaryData", NULL, NULL);
    if (total > MAX_DATA_BYTES)
        c8s_err_add_cause(err, "FieldValueTooLong", "", "Too long: must have at most %d bytes",
                          MAX_DATA_BYTES);
}

/* With `immutable: true` the payload can never change, nor can immutable be unset. */
static void immutable_data(c8s_err_t *err, const json_t *obj, const json_t *old,
                           const char *const *keys, size_t n)
{
    if (!json_is_true(json_object_get(old, "immutable")))
        return;
    if (!json_is_true(json_object_get(obj, "immutable")))
        api__forbidden(err, "immutable", "field is immutable when `immutable` is set");
    for (size_t i = 0; i < n; i++) {
        json_t *a = json_object_get(obj, keys[i]), *b = json_object_get(old, keys[i]);
        bool ea = !a || json_is_null(a) || (json_is_object(a) && !json_object_size(a));
        bool eb = !b || json_is_null(b) || (json_is_object(b) && !json_object_size(b));
        if ((ea && eb) || (a && b && json_equal(a, b)))
            continue;
        api__forbidden(err, keys[i], "field is immutable when `immutable` is set");
    }
}

static void configmap_update(c8s_err_t *err, const json_t *obj, const json_t *old)
{
    static const char *const keys[] = {"data", "binaryData"};
    immutable_data(err, obj, old, keys, C8S_ARRAY_SIZE(keys));
}

static void secret_defaults(json_t *obj)
{
    api__default_str(obj, "type", "Opaque");
}

static void secret_validate(c8s_err_t *err, const json_t *obj)
{
    static const char *const maps[] = {"data", "stringData"};
    want_maps(err, obj, maps, C8S_ARRAY_SIZE(maps));
    json_t *data = api__obj(obj, "data"), *sd = api__obj(obj, "stringData");
    size_t total = check_keys(err, data, "data", NULL, NULL);
    total += check_keys(err, sd, "stringData", NULL, NULL);
    if (total > MAX_DATA_BYTES)
        api__too_long(err, "data", MAX_DATA_BYTES);
    const char *type = api__str(obj, "type");
    if (type && !strcmp(type, "kubernetes.io/service-account-token")) {
        json_t *ann = api__obj(api__obj(obj, "metadata"), "annotations");
        if (!api__str(ann, "kubernetes.io/service-account.name"))
            api__required(err, "metadata.annotations[kubernetes.io/service-account.name]", NULL);
    } else if (type && !strcmp(type, "kubernetes.io/dockerconfigjson")) {
        if (!json_object_get(data, ".dockerconfigjson") &&
            !json_object_get(sd, ".dockerconfigjson"))
            api__required(err, "data[.dockerconfigjson]", NULL);
    } else if (type && !strcmp(type, "kubernetes.io/tls")) {
        static const char *const keys[] = {"tls.crt", "tls.key"};
        char p[API_PATH_MAX];
        for (size_t i = 0; i < C8S_ARRAY_SIZE(keys); i++)
            if (!json_object_get(data, keys[i]) && !json_object_get(sd, keys[i]))
                api__required(err, api__path(p, sizeof(p), "data[%s]", keys[i]), NULL);
    }
}

static void secret_update(c8s_err_t *err, const json_t *obj, const json_t *old)
{
    api__check_immutable(err, json_object_get(obj, "type"), json_object_get(old, "type"), "type");
    static const char *const keys[] = {"data"};
    immutable_data(err, obj, old, keys, C8S_ARRAY_SIZE(keys));
}

/* ---- Event ---- */

static void event_validate(c8s_err_t *err, const json_t *obj)
{
    json_t *io = api__obj(obj, "involvedObject");
    if (!io) {
        api__required(err, "involvedObject", NULL);
        return;
    }
    const char *ns = api__str(api__obj(obj, "metadata"), "namespace");
    const char *ions = api__str(io, "namespace");
    if (ions && *ions && ns && strcmp(ns, ions))
        api__invalid_str(err, "involvedObject.namespace", ions, "does not match event.namespace");
    static const char *const types[] = {"Normal", "Warning", NULL};
    const char *type = api__str(obj, "type");
    if (type && *type && !api__in(type, types))
        api__not_supported(err, "type", type, types);
    const char *reason = api__str(obj, "reason");
    if (reason && strlen(reason) > 128)
        api__too_long(err, "reason", 128);
}

/* ---- PersistentVolume and PersistentVolumeClaim ---- */

void api__default_pvc_spec(json_t *spec)
{
    if (json_is_object(spec))
        api__default_str(spec, "volumeMode", "Filesystem");
}

static void pvc_defaults(json_t *obj)
{
    api__default_pvc_spec(api__ensure_obj(obj, "spec"));
    api__default_str(api__ensure_obj(obj, "status"), "phase", "Pending");
}

static void check_access_modes(c8s_err_t *err, const json_t *spec)
{
    json_t *modes = api__arr(spec, "accessModes");
    if (json_array_size(modes) == 0) {
        api__required(err, "spec.accessModes", "at least 1 access mode is required");
        return;
    }
    size_t i;
    json_t *m;
    json_array_foreach(modes, i, m)
    {
        const char *s = json_string_value(m);
        if (!api__in(s, access_modes))
            api__not_supported(err, "spec.accessModes", s ? s : "", access_modes);
    }
}

static void pvc_validate(c8s_err_t *err, const json_t *obj)
{
    json_t *spec = api__obj(obj, "spec");
    check_access_modes(err, spec);
    json_t *req = api__obj(api__obj(spec, "resources"), "requests");
    if (!json_object_get(req, "storage"))
        api__required(err, "spec.resources[storage]", NULL);
    api__check_resource_list(err, req, "spec.resources.requests");
    api__check_enum(err, spec, "volumeMode", "spec.volumeMode", volume_modes, false);
    json_t *sel = api__obj(spec, "selector");
    if (sel)
        api__check_label_selector(err, sel, "spec.selector");
}

static void pvc_update(c8s_err_t *err, const json_t *obj, const json_t *old)
{
    /* Only the storage request (expansion) and a late volumeName binding may change. */
    cleanup_json json_t *a = json_deep_copy(api__obj(obj, "spec"));
    cleanup_json json_t *b = json_deep_copy(api__obj(old, "spec"));
    static const char *const mutable_fields[] = {"resources", "volumeAttributesClassName"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(mutable_fields); i++) {
        json_object_del(a, mutable_fields[i]);
        json_object_del(b, mutable_fields[i]);
    }
    if (!api__str(b, "volumeName"))
        json_object_del(a, "volumeName");
    if (!json_equal(a, b))
        api__forbidden(err, "spec",
                       "spec is immutable after creation except resources.requests and "
                       "volumeAttributesClassName for bound claims");
}

static void pv_defaults(json_t *obj)
{
    json_t *spec = api__ensure_obj(obj, "spec");
    api__default_str(spec, "persistentVolumeReclaimPolicy", "Retain");
    api__default_str(spec, "volumeMode", "Filesystem");
    api__default_str(api__ensure_obj(obj, "status"), "phase", "Pending");
}

static void pv_validate(c8s_err_t *err, const json_t *obj)
{
    json_t *spec = api__obj(obj, "spec");
    check_access_modes(err, spec);
    json_t *cap = api__obj(spec, "capacity");
    if (!json_object_get(cap, "storage"))
        api__required(err, "spec.capacity[storage]", NULL);
    api__check_resource_list(err, cap, "spec.capacity");
    static const char *const policies[] = {"Delete", "Recycle", "Retain", NULL};
    api__check_enum(err, spec, "persistentVolumeReclaimPolicy",
                    "spec.persistentVolumeReclaimPolicy", policies, false);
    api__check_enum(err, spec, "volumeMode", "spec.volumeMode", volume_modes, false);
    static const char *const sources[] = {"hostPath",
                                          "local",
                                          "nfs",
                                          "csi",
                                          "iscsi",
                                          "fc",
                                          "cephfs",
                                          "rbd",
                                          "glusterfs",
                                          "azureDisk",
                                          "azureFile",
                                          "awsElasticBlockStore",
                                          "gcePersistentDisk",
                                          "cinder",
                                          "flexVolume",
                                          "vsphereVolume",
                                          "portworxVolume",
                                          "scaleIO",
                                          "storageos",
                                          "quobyte",
                                          "photonPersistentDisk",
                                          "flocker"};
    int n = 0;
    for (size_t i = 0; i < C8S_ARRAY_SIZE(sources); i++)
        if (api__obj(spec, sources[i]))
            n++;
    if (n == 0)
        api__required(err, "spec", "must specify a volume type");
    else if (n > 1)
        api__forbidden(err, "spec", "may not specify more than 1 volume type");
}

/* ---- ResourceQuota and LimitRange ---- */

static void quota_validate(c8s_err_t *err, const json_t *obj)
{
    json_t *spec = api__obj(obj, "spec");
    api__check_resource_list(err, api__obj(spec, "hard"), "spec.hard");
    static const char *const scopes[] = {"Terminating",
                                         "NotTerminating",
                                         "BestEffort",
                                         "NotBestEffort",
                                         "PriorityClass",
                                         "CrossNamespacePodAffinity",
                                         NULL};
    size_t i;
    json_t *s;
    json_array_foreach(api__arr(spec, "scopes"), i, s)
    {
        const char *v = json_string_value(s);
        if (!api__in(v, scopes))
            api__not_supported(err, "spec.scopes", v ? v : "", scopes);
    }
}

static void quota_status(c8s_err_t *err, const json_t *obj)
{
    json_t *st = api__obj(obj, "status");
    api__check_resource_list(err, api__obj(st, "hard"), "status.hard");
    api__check_resource_list(err, api__obj(st, "used"), "status.used");
}

static void limitrange_defaults(json_t *obj)
{
    size_t i;
    json_t *item;
    json_array_foreach(api__arr(api__obj(obj, "spec"), "limits"), i, item)
    {
        const char *type = api__str(item, "type");
        if (!json_is_object(item) || !type || strcmp(type, "Container"))
            continue;
        json_t *def = api__ensure_obj(item, "default");
        json_t *defreq = api__ensure_obj(item, "defaultRequest");
        const char *k;
        json_t *v;
        /* max → default limit → default request; min also seeds the default request. */
        json_object_foreach(api__obj(item, "max"), k, v) if (!json_object_get(def, k))
            json_object_set(def, k, v);
        json_object_foreach(def, k, v) if (!json_object_get(defreq, k))
            json_object_set(defreq, k, v);
        json_object_foreach(api__obj(item, "min"), k, v) if (!json_object_get(defreq, k))
            json_object_set(defreq, k, v);
    }
}

static void limitrange_validate(c8s_err_t *err, const json_t *obj)
{
    static const char *const types[] = {"Pod", "Container", "PersistentVolumeClaim", NULL};
    static const char *const lists[] = {"max", "min", "default", "defaultRequest",
                                        "maxLimitRequestRatio"};
    char p[API_PATH_MAX];
    size_t i;
    json_t *item;
    json_array_foreach(api__arr(api__obj(obj, "spec"), "limits"), i, item)
    {
        api__path(p, sizeof(p), "spec.limits[%zu].type", i);
        const char *type = api__str(item, "type");
        if (!type || !*type)
            api__required(err, p, NULL);
        else if (!api__in(type, types) && api_check_qualified_name(type))
            api__not_supported(err, p, type, types);
        for (size_t l = 0; l < C8S_ARRAY_SIZE(lists); l++)
            api__check_resource_list(err, api__obj(item, lists[l]),
                                     api__path(p, sizeof(p), "spec.limits[%zu].%s", i, lists[l]));
    }
}

const api__hooks_t api__core_hooks[] = {
    {"", "Namespace", api_check_dns1123_label, namespace_defaults, namespace_validate, NULL,
     namespace_status, NULL},
    {"", "Node", NULL, node_defaults, node_validate, NULL, node_validate, NULL},
    {"", "Service", api_check_dns1035_label, service_defaults, service_validate, service_update,
     NULL, NULL},
    {"", "Endpoints", NULL, endpoints_defaults, endpoints_validate, NULL, NULL, NULL},
    {"", "ConfigMap", NULL, NULL, configmap_validate, configmap_update, NULL, NULL},
    {"", "Secret", NULL, secret_defaults, secret_validate, secret_update, NULL, NULL},
    {"", "ServiceAccount", NULL, NULL, NULL, NULL, NULL, NULL},
    {"", "Event", NULL, NULL, event_validate, NULL, NULL, NULL},
    {"", "PersistentVolume", NULL, pv_defaults, pv_validate, NULL, NULL, NULL},
    {"", "PersistentVolumeClaim", NULL, pvc_defaults, pvc_validate, pvc_update, NULL, NULL},
    {"", "ResourceQuota", NULL, NULL, quota_validate, NULL, quota_status, NULL},
    {"", "LimitRange", NULL, limitrange_defaults, limitrange_validate, NULL, NULL, NULL},
    {0},
};
