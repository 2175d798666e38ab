/*
 * pod.c — Pod defaulting and validation, also used for the pod templates of every workload.
 *
 * Defaults follow upstream's core/v1 defaulters (SetDefaults_PodSpec, _Container, _Probe, ...);
 * validation follows ValidatePodSpec and ValidatePodUpdate for the fields users touch, with the
 * same field paths, reasons and messages.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

/* ---- defaults ---- */

/* Upstream: Always when the tag is "latest" or absent (and no digest), else IfNotPresent. */
static const char *pull_policy_for(const char *image)
{
    if (strchr(image, '@'))
        return "IfNotPresent";
    const char *slash = strrchr(image, '/');
    const char *colon = strrchr(slash ? slash : image, ':');
    if (!colon || !strcmp(colon + 1, "latest"))
        return "Always";
    return "IfNotPresent";
}

static void default_probe(json_t *c, const char *key)
{
    json_t *p = api__obj(c, key);
    if (!p)
        return;
    api__default_int(p, "timeoutSeconds", 1, true);
    api__default_int(p, "periodSeconds", 10, true);
    api__default_int(p, "successThreshold", 1, true);
    api__default_int(p, "failureThreshold", 3, true);
    json_t *http = api__obj(p, "httpGet");
    if (http) {
        api__default_str(http, "path", "/");
        api__default_str(http, "scheme", "HTTP");
    }
}

static void default_container(json_t *c, bool host_network)
{
    const char *image = api__str(c, "image");
    if (image && *image)
        api__default_str(c, "imagePullPolicy", pull_policy_for(image));
    api__default_str(c, "terminationMessagePath", "/dev/termination-log");
    api__default_str(c, "terminationMessagePolicy", "File");
    size_t i;
    json_t *port;
    json_array_foreach(api__arr(c, "ports"), i, port)
    {
        if (!json_is_object(port))
            continue;
        api__default_str(port, "protocol", "TCP");
        long long cp;
        if (host_network && api__int(port, "containerPort", &cp))
            api__default_int(port, "hostPort", cp, true);
    }
    json_t *res = api__ensure_obj(c, "resources");
    json_t *limits = api__obj(res, "limits");
    if (limits && json_object_size(limits)) {
        /* Requests default to limits, resource by resource. */
        json_t *req = api__ensure_obj(res, "requests");
        const char *k;
        json_t *v;
        json_object_foreach(limits, k, v) if (!json_object_get(req, k)) json_object_set(req, k, v);
    }
    json_t *env;
    json_array_foreach(api__arr(c, "env"), i, env)
    {
        json_t *fr = api__obj(api__obj(env, "valueFrom"), "fieldRef");
        if (fr)
            api__default_str(fr, "apiVersion", "v1");
    }
    default_probe(c, "livenessProbe");
    default_probe(c, "readinessProbe");
    default_probe(c, "startupProbe");
}

static void default_volume(json_t *v)
{
    if (json_object_size(v) == 1 && json_object_get(v, "name"))
        json_object_set_new(v, "emptyDir", json_object());
    static const char *const with_mode[] = {"configMap", "secret", "downwardAPI", "projected"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(with_mode); i++) {
        json_t *src = api__obj(v, with_mode[i]);
        if (src)
            api__default_int(src, "defaultMode", 0644, false);
    }
    json_t *hp = api__obj(v, "hostPath");
    if (hp && !json_object_get(hp, "type"))
        json_object_set_new(hp, "type", json_string(""));
}

void api__default_pod_spec(json_t *spec)
{
    if (!json_is_object(spec))
        return;
    api__default_str(spec, "restartPolicy", "Always");
    api__default_str(spec, "dnsPolicy", "ClusterFirst");
    api__default_int(spec, "terminationGracePeriodSeconds", 30, false);
    api__default_str(spec, "schedulerName", "default-scheduler");
    api__ensure_obj(spec, "securityContext");
    api__default_bool(spec, "enableServiceLinks", true);
    if (!api__str(spec, "priorityClassName"))
        api__default_int(spec, "priority", 0, false);
    json_t *hn = json_object_get(spec, "hostNetwork");
    bool host_network = json_is_true(hn);
    static const char *const lists[] = {"initContainers", "containers"};
    for (size_t l = 0; l < C8S_ARRAY_SIZE(lists); l++) {
        size_t i;
        json_t *c;
        json_array_foreach(api__arr(spec, lists[l]), i, c) if (json_is_object(c))
            default_container(c, host_network);
    }
    size_t i;
    json_t *v;
    json_array_foreach(api__arr(spec, "volumes"), i, v) if (json_is_object(v)) default_volume(v);
}

void api__default_pod_template(json_t *tmpl)
{
    if (json_is_object(tmpl))
        api__default_pod_spec(api__obj(tmpl, "spec"));
}

static void pod_defaults(json_t *obj)
{
    api__default_pod_spec(api__obj(obj, "spec"));
}

/* ---- validation ---- */

static const char *const restart_policies[] = {"Always", "OnFailure", "Never", NULL};
static const char *const dns_policies[] = {"ClusterFirstWithHostNet", "ClusterFirst", "Default",
                                           "None", NULL};
static const char *const protocols[] = {"SCTP", "TCP", "UDP", NULL};
static const char *const pull_policies[] = {"Always", "IfNotPresent", "Never", NULL};
static const char *const msg_policies[] = {"File", "FallbackToLogsOnError", NULL};
static const char *const toleration_ops[] = {"Equal", "Exists", NULL};
static const char *const taint_effects[] = {"NoSchedule", "PreferNoSchedule", "NoExecute", NULL};

static void check_port_num(c8s_err_t *err, const json_t *o, const char *key, const char *field,
                           bool required)
{
    long long v = 0;
    bool have = api__int(o, key, &v);
    if (!have || v == 0) {
        if (required)
            api__required(err, field, NULL);
        return;
    }
    if (v < 1 || v > 65535)
        api__invalid_int(err, field, v, "must be between 1 and 65535, inclusive");
}

static void check_ports(c8s_err_t *err, const json_t *c, const char *base)
{
    char p[API_PATH_MAX], b[API_PATH_MAX];
    cleanup_json json_t *names = json_object();
    size_t i;
    json_t *port;
    json_array_foreach(api__arr(c, "ports"), i, port)
    {
        api__path(b, sizeof(b), "%s.ports[%zu]", base, i);
        const char *name = api__str(port, "name");
        if (name && *name) {
            const char *msg = api_check_port_name(name);
            api__path(p, sizeof(p), "%s.name", b);
            if (msg)
                api__invalid_str(err, p, name, msg);
            else if (json_object_get(names, name))
                api__duplicate(err, p, name);
            json_object_set_new(names, name, json_true());
        }
        check_port_num(err, port, "containerPort", api__path(p, sizeof(p), "%s.containerPort", b),
                       true);
        check_port_num(err, port, "hostPort", api__path(p, sizeof(p), "%s.hostPort", b), false);
        api__check_enum(err, port, "protocol", api__path(p, sizeof(p), "%s.protocol", b), protocols,
                        true);
    }
}

static void check_env(c8s_err_t *err, const json_t *c, const char *base)
{
    char p[API_PATH_MAX];
    size_t i;
    json_t *e;
    json_array_foreach(api__arr(c, "env"), i, e)
    {
        api__path(p, sizeof(p), "%s.env[%zu].name", base, i);
        const char *name = api__str(e, "name");
        const char *msg;
        if (!name || !*name)
            api__required(err, p, NULL);
        else if ((msg = api_check_env_var_name(name)))
            api__invalid_str(err, p, name, msg);
    }
}

static void check_resources(c8s_err_t *err, const json_t *c, const char *base)
{
    char p[API_PATH_MAX];
    json_t *res = api__obj(c, "resources");
    json_t *limits = api__obj(res, "limits"), *requests = api__obj(res, "requests");
    if (limits)
        api__check_resource_list(err, limits, api__path(p, sizeof(p), "%s.resources.limits", base));
    if (!requests)
        return;
    api__path(p, sizeof(p), "%s.resources.requests", base);
    api__check_resource_list(err, requests, p);
    const char *k;
    json_t *v;
    json_object_foreach(requests, k, v)
    {
        json_t *lim = json_object_get(limits, k);
        long double rq, lq;
        if (!lim || api__quantity(v, &rq) < 0 || api__quantity(lim, &lq) < 0 || rq <= lq)
            continue;
        cleanup_free char *ls = json_is_string(lim) ? xstrdup(json_string_value(lim))
                                                    : json_dumps(lim, JSON_ENCODE_ANY);
        char detail[256];
        snprintf(detail, sizeof(detail), "must be less than or equal to %s limit of %s", k, ls);
        if (json_is_string(v))
            api__invalid(err, p, v, detail);
        else {
            cleanup_free char *vs = json_dumps(v, JSON_ENCODE_ANY);
            api__invalid_str(err, p, vs, detail);
        }
    }
}

static void check_probe(c8s_err_t *err, const json_t *c, const char *key, const char *base,
                        bool success_must_be_one)
{
    json_t *probe = api__obj(c, key);
    if (!probe)
        return;
    char b[API_PATH_MAX], p[API_PATH_MAX];
    api__path(b, sizeof(b), "%s.%s", base, key);
    static const char *const handlers[] = {"exec", "httpGet", "tcpSocket", "grpc"};
    int n = 0;
    for (size_t i = 0; i < C8S_ARRAY_SIZE(handlers); i++)
        if (api__obj(probe, handlers[i]))
            n++;
    if (n == 0)
        api__required(err, b, "must specify a handler type");
    else if (n > 1)
        api__forbidden(err, b, "may not specify more than 1 handler type");
    api__check_min(err, probe, "initialDelaySeconds",
                   api__path(p, sizeof(p), "%s.initialDelaySeconds", b), 0);
    static const char *const mins[] = {"timeoutSeconds", "periodSeconds", "successThreshold",
                                       "failureThreshold"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(mins); i++)
        api__check_min(err, probe, mins[i], api__path(p, sizeof(p), "%s.%s", b, mins[i]), 1);
    long long st;
    if (success_must_be_one && api__int(probe, "successThreshold", &st) && st != 1)
        api__invalid_int(err, api__path(p, sizeof(p), "%s.successThreshold", b), st, "must be 1");
}

static void check_mounts(c8s_err_t *err, const json_t *c, const char *base, const json_t *vols)
{
    char p[API_PATH_MAX];
    cleanup_json json_t *paths = json_object();
    size_t i;
    json_t *m;
    json_array_foreach(api__arr(c, "volumeMounts"), i, m)
    {
        const char *name = api__str(m, "name"), *mp = api__str(m, "mountPath");
        api__path(p, sizeof(p), "%s.volumeMounts[%zu].name", base, i);
        if (!name || !*name)
            api__required(err, p, NULL);
        else if (!json_object_get(vols, name))
            api__not_found(err, p, name);
        api__path(p, sizeof(p), "%s.volumeMounts[%zu].mountPath", base, i);
        if (!mp || !*mp)
            api__required(err, p, NULL);
        else if (json_object_get(paths, mp))
            api__invalid_str(err, p, mp, "must be unique");
        else
            json_object_set_new(paths, mp, json_true());
    }
}

static void check_container(c8s_err_t *err, const json_t *c, const char *base, json_t *names,
                            const json_t *vols, bool init)
{
    char p[API_PATH_MAX];
    const char *name = api__str(c, "name"), *msg;
    api__path(p, sizeof(p), "%s.name", base);
    if (!name || !*name)
        api__required(err, p, NULL);
    else if ((msg = api_check_dns1123_label(name)))
        api__invalid_str(err, p, name, msg);
    else if (json_object_get(names, name))
        api__duplicate(err, p, name);
    if (name && *name)
        json_object_set_new(names, name, json_true());
    const char *image = api__str(c, "image");
    if (!image || !*image)
        api__required(err, api__path(p, sizeof(p), "%s.image", base), NULL);
    api__check_enum(err, c, "imagePullPolicy", api__path(p, sizeof(p), "%s.imagePullPolicy", base),
                    pull_policies, false);
    api__check_enum(err, c, "terminationMessagePolicy",
                    api__path(p, sizeof(p), "%s.terminationMessagePolicy", base), msg_policies,
                    false);
    check_ports(err, c, base);
    check_env(err, c, base);
    check_resources(err, c, base);
    check_mounts(err, c, base, vols);
    /* Sidecars: an init container with restartPolicy Always runs beside the app's, with
     * probes and hooks; the field means nothing elsewhere (upstream's SidecarContainers). */
    static const char *const sidecar_policies[] = {"Always", NULL};
    const char *rp = api__str(c, "restartPolicy");
    bool sidecar = init && rp && strcmp(rp, "Always") == 0;
    api__path(p, sizeof(p), "%s.restartPolicy", base);
    if (json_object_get(c, "restartPolicy") && !init)
        api__forbidden(err, p, "may not be set for non-init containers");
    else if (json_object_get(c, "restartPolicy") && !sidecar)
        api__not_supported(err, p, rp ? rp : "", sidecar_policies);
    if (!init || sidecar) {
        check_probe(err, c, "livenessProbe", base, true);
        check_probe(err, c, "readinessProbe", base, false);
        check_probe(err, c, "startupProbe", base, true);
        return;
    }
    static const char *const app_only[] = {"lifecycle", "livenessProbe", "readinessProbe",
                                           "startupProbe"};
    for (size_t k = 0; k < C8S_ARRAY_SIZE(app_only); k++)
        if (json_object_get(c, app_only[k]))
            api__forbidden(err, api__path(p, sizeof(p), "%s.%s", base, app_only[k]),
                           "may not be set for init containers without restartPolicy=Always");
}

/* Returns the set of volume names (owned) after checking the volumes. */
static json_t *check_volumes(c8s_err_t *err, const json_t *spec, const char *field)
{
    json_t *names = json_object();
    char p[API_PATH_MAX], b[API_PATH_MAX];
    size_t i;
    json_t *v;
    json_array_foreach(api__arr(spec, "volumes"), i, v)
    {
        api__path(b, sizeof(b), "%s.volumes[%zu]", field, i);
        api__path(p, sizeof(p), "%s.name", b);
        const char *name = api__str(v, "name"), *msg;
        if (!name || !*name)
            api__required(err, p, NULL);
        else if ((msg = api_check_dns1123_label(name)))
            api__invalid_str(err, p, name, msg);
        else if (json_object_get(names, name))
            api__duplicate(err, p, name);
        if (name && *name)
            json_object_set_new(names, name, json_true());
        size_t sources = json_object_size(v) - (json_object_get(v, "name") ? 1 : 0);
        if (sources == 0)
            api__required(err, b, "must specify a volume type");
        else if (sources > 1)
            api__forbidden(err, b, "may not specify more than 1 volume type");
    }
    return names;
}

static void check_tolerations(c8s_err_t *err, const json_t *spec, const char *field)
{
    char b[API_PATH_MAX], p[API_PATH_MAX];
    size_t i;
    json_t *t;
    json_array_foreach(api__arr(spec, "tolerations"), i, t)
    {
        api__path(b, sizeof(b), "%s.tolerations[%zu]", field, i);
        const char *key = api__str(t, "key"), *op = api__str(t, "operator");
        const char *value = api__str(t, "value"), *msg;
        if (key && *key && (msg = api_check_qualified_name(key)))
            api__invalid_str(err, api__path(p, sizeof(p), "%s.key", b), key, msg);
        if ((!key || !*key) && (!op || strcmp(op, "Exists")))
            api__invalid_str(err, api__path(p, sizeof(p), "%s.operator", b), op ? op : "",
                             "operator must be Exists when `key` is empty, which means \"match "
                             "all values and all keys\"");
        api__check_enum(err, t, "operator", api__path(p, sizeof(p), "%s.operator", b),
                        toleration_ops, false);
        if (op && !strcmp(op, "Exists") && value && *value)
            api__invalid_str(err, api__path(p, sizeof(p), "%s.operator", b), value,
                             "value must be empty when `operator` is 'Exists'");
        api__check_enum(err, t, "effect", api__path(p, sizeof(p), "%s.effect", b), taint_effects,
                        false);
    }
}

void api__validate_pod_spec(c8s_err_t *err, const json_t *spec, const char *field)
{
    char p[API_PATH_MAX], b[API_PATH_MAX];
    cleanup_json json_t *vols = check_volumes(err, spec, field);
    cleanup_json json_t *names = json_object();
    size_t i;
    json_t *c;
    json_array_foreach(api__arr(spec, "initContainers"), i, c) check_container(
        err, c, api__path(b, sizeof(b), "%s.initContainers[%zu]", field, i), names, vols, true);
    json_t *containers = api__arr(spec, "containers");
    if (json_array_size(containers) == 0)
        api__required(err, api__path(p, sizeof(p), "%s.containers", field), NULL);
    json_array_foreach(containers, i, c) check_container(
        err, c, api__path(b, sizeof(b), "%s.containers[%zu]", field, i), names, vols, false);
    api__check_enum(err, spec, "restartPolicy", api__path(p, sizeof(p), "%s.restartPolicy", field),
                    restart_policies, true);
    api__check_enum(err, spec, "dnsPolicy", api__path(p, sizeof(p), "%s.dnsPolicy", field),
                    dns_policies, true);
    const char *dns = api__str(spec, "dnsPolicy");
    if (dns && !strcmp(dns, "None") && !api__obj(spec, "dnsConfig"))
        api__required(err, api__path(p, sizeof(p), "%s.dnsConfig", field),
                      "must provide `dnsConfig` when `dnsPolicy` is None");
    api__check_min(err, spec, "terminationGracePeriodSeconds",
                   api__path(p, sizeof(p), "%s.terminationGracePeriodSeconds", field), 0);
    long long ads;
    if (api__int(spec, "activeDeadlineSeconds", &ads) && (ads < 1 || ads > 2147483647))
        api__invalid_int(err, api__path(p, sizeof(p), "%s.activeDeadlineSeconds", field), ads,
                         "must be between 1 and 2147483647, inclusive");
    json_t *ns = api__obj(spec, "nodeSelector");
    if (ns)
        api__check_labels(err, ns, api__path(p, sizeof(p), "%s.nodeSelector", field));
    static const char *const dns_labels[] = {"hostname", "subdomain"};
    for (size_t k = 0; k < C8S_ARRAY_SIZE(dns_labels); k++) {
        const char *v = api__str(spec, dns_labels[k]), *msg;
        if (v && *v && (msg = api_check_dns1123_label(v)))
            api__invalid_str(err, api__path(p, sizeof(p), "%s.%s", field, dns_labels[k]), v, msg);
    }
    const char *sa = api__str(spec, "serviceAccountName"), *msg;
    if (sa && *sa && (msg = api_check_dns1123_subdomain(sa)))
        api__invalid_str(err, api__path(p, sizeof(p), "%s.serviceAccountName", field), sa, msg);
    check_tolerations(err, spec, field);
}

void api__validate_pod_template(c8s_err_t *err, const json_t *tmpl, const char *field)
{
    char p[API_PATH_MAX];
    if (!json_is_object(tmpl)) {
        api__required(err, field, NULL);
        return;
    }
    json_t *labels = api__obj(api__obj(tmpl, "metadata"), "labels");
    if (labels)
        api__check_labels(err, labels, api__path(p, sizeof(p), "%s.metadata.labels", field));
    api__validate_pod_spec(err, api__obj(tmpl, "spec"), api__path(p, sizeof(p), "%s.spec", field));
}

/* Upstream's rule: copy the mutable fields from old into new, then the rest must be equal. */
void api__validate_pod_update(c8s_err_t *err, const json_t *spec, const json_t *old_spec)
{
    if (!spec || !old_spec)
        return;
    cleanup_json json_t *munged = json_deep_copy(spec);
    static const char *const lists[] = {"containers", "initContainers"};
    for (size_t l = 0; l < C8S_ARRAY_SIZE(lists); l++) {
        json_t *nc = api__arr(munged, lists[l]), *oc = api__arr(old_spec, lists[l]);
        for (size_t i = 0; i < json_array_size(nc) && i < json_array_size(oc); i++) {
            json_t *img = json_object_get(json_array_get(oc, i), "image");
            if (json_is_object(json_array_get(nc, i)) && img)
                json_object_set(json_array_get(nc, i), "image", img);
        }
    }
    static const char *const carried[] = {"activeDeadlineSeconds", "terminationGracePeriodSeconds",
                                          "tolerations"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(carried); i++) {
        json_t *ov = json_object_get(old_spec, carried[i]);
        if (ov)
            json_object_set(munged, carried[i], ov);
        else
            json_object_del(munged, carried[i]);
    }
    if (!json_equal(munged, (json_t *)old_spec))
        api__forbidden(err, "spec",
                       "pod updates may not change fields other than "
                       "`spec.containers[*].image`,`spec.initContainers[*].image`,"
                       "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to "
                       "existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to "
                       "be set to 1 if it was previously negative)");
    /* Tolerations may only be added to. */
    size_t i;
    json_t *t;
    json_t *nt = api__arr(spec, "tolerations");
    json_array_foreach(api__arr(old_spec, "tolerations"), i, t)
    {
        bool found = false;
        for (size_t j = 0; j < json_array_size(nt) && !found; j++)
            found = json_equal(t, json_array_get(nt, j));
        if (!found) {
            api__forbidden(err, "spec.tolerations",
                           "existing toleration can not be modified except its tolerationSeconds");
            break;
        }
    }
}

static void pod_validate(c8s_err_t *err, const json_t *obj)
{
    api__validate_pod_spec(err, api__obj(obj, "spec"), "spec");
}

static void pod_update(c8s_err_t *err, const json_t *obj, const json_t *old)
{
    api__validate_pod_update(err, api__obj(obj, "spec"), api__obj(old, "spec"));
}

const api__hooks_t api__pod_hooks[] = {
    {"", "Pod", NULL, pod_defaults, pod_validate, pod_update, NULL, NULL},
    {0},
};
