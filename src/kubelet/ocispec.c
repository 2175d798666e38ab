/*
 * ocispec.c — a container's OCI runtime spec from its pod, its image config and node facts: the
 * pure core of the kubelet's runtime path (see include/c8s/ocispec.h). The rules followed are
 * upstream's (kubelet's env and command handling, containerd's CRI spec generation, runc's
 * defaults), restated here in c8s's own form.
 */
#include "c8s/ocispec.h"
#include "c8s/kinds.h"
#include "c8s/quantity.h"
#include "c8s/strbuf.h"

#include <stdio.h>
#include <string.h>

#define DEFAULT_PATH   "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define CPU_PERIOD     100000
#define MIN_SHARES     2
#define MAX_SHARES     262144
#define MIN_QUOTA      1000
#define OOM_GUARANTEED (-997)
#define OOM_BESTEFFORT 1000
#define SECCOMP_EPERM  1
#define SECCOMP_ENOSYS 38
#define FIELD_MAX_LEN  4096

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static const json_t *jpath2(const json_t *o, const char *a, const char *b)
{
    return json_object_get(json_object_get(o, a), b);
}

/* ---- resources and QoS ---- */

/* A container's cpu/memory request or limit in milli-units; false when absent. */
static bool res_get(const json_t *c, const char *kind, const char *res, int64_t *milli)
{
    const json_t *v = json_object_get(jpath2(c, "resources", kind), res);
    quantity_t q;
    c8s_err_t e = C8S_ERR_INIT;
    if (!v || quantity_parse_json(v, &q, &e) < 0) {
        c8s_err_clear(&e);
        return false;
    }
    *milli = quantity_milli(&q);
    return true;
}

/* The request as the API's defaulting leaves it: a missing request takes the limit. */
static bool res_request(const json_t *c, const char *res, int64_t *milli)
{
    return res_get(c, "requests", res, milli) || res_get(c, "limits", res, milli);
}

ocispec_qos_t ocispec_qos_class(const json_t *pod)
{
    static const char *const lists[] = {"initContainers", "containers"};
    static const char *const res[] = {"cpu", "memory"};
    int64_t req[2] = {0, 0}, lim[2] = {0, 0};
    bool any_req = false, any_lim = false, guaranteed = true;
    for (size_t l = 0; l < 2; l++) {
        const json_t *cs = jpath2(pod, "spec", lists[l]);
        size_t i;
        const json_t *c;
        json_array_foreach(cs, i, c)
        {
            for (size_t r = 0; r < 2; r++) {
                int64_t v;
                if (res_request(c, res[r], &v) && v > 0) {
                    req[r] += v;
                    any_req = true;
                }
                if (res_get(c, "limits", res[r], &v) && v > 0) {
                    lim[r] += v;
                    any_lim = true;
                } else {
                    guaranteed = false;
                }
            }
        }
    }
    if (!any_req && !any_lim)
        return OCISPEC_QOS_BESTEFFORT;
    if (guaranteed && req[0] == lim[0] && req[1] == lim[1])
        return OCISPEC_QOS_GUARANTEED;
    return OCISPEC_QOS_BURSTABLE;
}

const char *ocispec_qos_name(ocispec_qos_t q)
{
    switch (q) {
    case OCISPEC_QOS_GUARANTEED:
        return "Guaranteed";
    case OCISPEC_QOS_BURSTABLE:
        return "Burstable";
    default:
        return "BestEffort";
    }
}

char *ocispec_pod_cgroup(const char *kubepods_root, const json_t *pod)
{
    const char *uid = jstr(json_object_get(pod, "metadata"), "uid");
    const char *tier = "";
    switch (ocispec_qos_class(pod)) {
    case OCISPEC_QOS_BURSTABLE:
        tier = "burstable/";
        break;
    case OCISPEC_QOS_BESTEFFORT:
        tier = "besteffort/";
        break;
    default:
        break;
    }
    size_t n = strlen(kubepods_root);
    while (n > 1 && kubepods_root[n - 1] == '/')
        n--;
    return xasprintf("%.*s/%spod%s", (int)n, kubepods_root, tier, uid ? uid : "");
}

/* The pod's effective request or limit of res: the app containers' sum, or the largest init
 * container's when larger (init containers run one at a time, before the others). *all is
 * cleared when some container lacks it. */
static int64_t pod_amount(const json_t *pod, const char *kind, const char *res, bool *all)
{
    int64_t sum = 0, init_max = 0, v;
    size_t i;
    const json_t *c;
    json_array_foreach(jpath2(pod, "spec", "containers"), i, c)
    {
        bool have =
            strcmp(kind, "requests") == 0 ? res_request(c, res, &v) : res_get(c, kind, res, &v);
        if (have && v > 0)
            sum += v;
        else if (all)
            *all = false;
    }
    json_array_foreach(jpath2(pod, "spec", "initContainers"), i, c)
    {
        bool have =
            strcmp(kind, "requests") == 0 ? res_request(c, res, &v) : res_get(c, kind, res, &v);
        if (have && v > 0) {
            if (v > init_max)
                init_max = v;
        } else if (all) {
            *all = false;
        }
    }
    return sum > init_max ? sum : init_max;
}

void ocispec_pod_resources(const json_t *pod, ocispec_pod_resources_t *out)
{
    *out = (ocispec_pod_resources_t){.cpu_shares = MIN_SHARES, .cpu_period = CPU_PERIOD};
    if (ocispec_qos_class(pod) == OCISPEC_QOS_BESTEFFORT)
        return;
    bool cpu_all = true, mem_all = true;
    out->cpu_shares = ocispec_cpu_shares(pod_amount(pod, "requests", "cpu", NULL));
    int64_t cpu_lim = pod_amount(pod, "limits", "cpu", &cpu_all);
    int64_t mem_lim = pod_amount(pod, "limits", "memory", &mem_all);
    if (cpu_all)
        out->cpu_quota = ocispec_cpu_quota(cpu_lim, CPU_PERIOD);
    if (mem_all)
        out->memory_limit = (mem_lim + 999) / 1000;
}

uint64_t ocispec_cpu_shares(int64_t milli)
{
    if (milli <= 0)
        return MIN_SHARES;
    uint64_t s = (uint64_t)milli * 1024 / 1000;
    if (s < MIN_SHARES)
        return MIN_SHARES;
    return s > MAX_SHARES ? MAX_SHARES : s;
}

int64_t ocispec_cpu_quota(int64_t milli, int64_t period)
{
    if (milli <= 0)
        return 0;
    int64_t q = milli * period / 1000;
    return q < MIN_QUOTA ? MIN_QUOTA : q;
}

/* ---- $(VAR) expansion ---- */

char *ocispec_expand(const char *in, const json_t *env)
{
    strbuf_t b = STRBUF_INIT;
    size_t n = strlen(in), i = 0;
    while (i < n) {
        if (in[i] != '$' || i + 1 >= n) {
            strbuf_addn(&b, in + i, 1);
            i++;
            continue;
        }
        char next = in[i + 1];
        if (next == '$') {
            strbuf_add(&b, "$");
            i += 2;
        } else if (next == '(') {
            const char *close = strchr(in + i + 2, ')');
            if (!close) {
                /* An unterminated reference stays as written. */
                strbuf_add(&b, "$(");
                i += 2;
                continue;
            }
            size_t len = (size_t)(close - (in + i + 2));
            cleanup_free char *name = xstrndup(in + i + 2, len);
            const char *v = json_string_value(json_object_get(env, name));
            if (v) {
                strbuf_add(&b, v);
            } else {
                strbuf_add(&b, "$(");
                strbuf_add(&b, name);
                strbuf_add(&b, ")");
            }
            i += len + 3;
        } else {
            strbuf_addn(&b, in + i, 2);
            i += 2;
        }
    }
    return strbuf_take(&b);
}

/* ---- env ---- */

static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decodes a Secret's base64 value; NULL when malformed. Owned. */
static char *b64_decode(const char *s)
{
    size_t n = strlen(s);
    char *out = xmalloc(n / 4 * 3 + 4);
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=')
            break;
        int v = b64val((unsigned char)s[i]);
        if (v < 0) {
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xff);
        }
    }
    out[o] = 0;
    return out;
}

static const char *pod_ns(const json_t *pod)
{
    const char *ns = jstr(json_object_get(pod, "metadata"), "namespace");
    return ns ? ns : "default";
}

/* A ConfigMap's or Secret's value for key, decoded (owned); NULL with *missing set to why. */
static int source_value(const json_t *pod, const ocispec_node_t *node, bool secret,
                        const char *name, const char *key, bool optional, char **out,
                        c8s_err_t *err)
{
    *out = NULL;
    const json_t *obj =
        json_object_get(secret ? node->secrets : node->configmaps, name ? name : "");
    if (!obj) {
        if (optional)
            return 0;
        return c8s_err_set(err, C8S_EINVALID, "%s \"%s\" not found",
                           secret ? "secret" : "configmap", name ? name : "");
    }
    const char *v = jstr(json_object_get(obj, "data"), key ? key : "");
    if (!v) {
        if (optional)
            return 0;
        return c8s_err_set(err, C8S_EINVALID, "couldn't find key %s in %s %s/%s", key ? key : "",
                           secret ? "Secret" : "ConfigMap", pod_ns(pod), name ? name : "");
    }
    if (!secret) {
        *out = xstrdup(v);
        return 0;
    }
    *out = b64_decode(v);
    if (!*out)
        return c8s_err_set(err, C8S_EINVALID, "secret %s/%s: key %s is not valid base64",
                           pod_ns(pod), name ? name : "", key ? key : "");
    return 0;
}

/* metadata.labels['key'] → key (owned) or NULL when path is not of that shape. */
static char *subscript(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    size_t len = strlen(path);
    if (strncmp(path, prefix, n) != 0 || path[n] != '[' || len < n + 4 || path[len - 1] != ']')
        return NULL;
    char q = path[n + 1];
    if ((q != '\'' && q != '"') || path[len - 2] != q)
        return NULL;
    return xstrndup(path + n + 2, len - n - 4);
}

static char *join_ips(const json_t *list)
{
    strbuf_t b = STRBUF_INIT;
    size_t i;
    const json_t *e;
    json_array_foreach(list, i, e)
    {
        const char *ip = jstr(e, "ip");
        if (ip)
            strbuf_sep(&b, ",", ip);
    }
    return strbuf_take(&b);
}

static int field_ref(const json_t *pod, const ocispec_node_t *node, const char *path, char **out,
                     c8s_err_t *err)
{
    const json_t *meta = json_object_get(pod, "metadata");
    const json_t *spec = json_object_get(pod, "spec");
    const json_t *status = json_object_get(pod, "status");
    const char *v = NULL;
    char *key;
    if (!path)
        return c8s_err_set(err, C8S_EINVALID, "fieldRef without fieldPath");
    if ((key = subscript(path, "metadata.labels")) ||
        (key = subscript(path, "metadata.annotations"))) {
        bool labels = strncmp(path, "metadata.labels", 15) == 0;
        v = jstr(json_object_get(meta, labels ? "labels" : "annotations"), key);
        free(key);
        *out = xstrdup(v ? v : "");
        return 0;
    }
    if (strcmp(path, "metadata.name") == 0)
        v = jstr(meta, "name");
    else if (strcmp(path, "metadata.namespace") == 0)
        v = pod_ns(pod);
    else if (strcmp(path, "metadata.uid") == 0)
        v = jstr(meta, "uid");
    else if (strcmp(path, "spec.nodeName") == 0)
        v = jstr(spec, "nodeName") ? jstr(spec, "nodeName") : node->node_name;
    else if (strcmp(path, "spec.serviceAccountName") == 0)
        v = jstr(spec, "serviceAccountName");
    else if (strcmp(path, "status.hostIP") == 0)
        v = jstr(status, "hostIP") ? jstr(status, "hostIP") : node->host_ip;
    else if (strcmp(path, "status.podIP") == 0)
        v = jstr(status, "podIP") ? jstr(status, "podIP") : node->pod_ip;
    else if (strcmp(path, "status.podIPs") == 0 || strcmp(path, "status.hostIPs") == 0) {
        bool pods = strcmp(path, "status.podIPs") == 0;
        const json_t *l = json_object_get(status, pods ? "podIPs" : "hostIPs");
        if (json_array_size(l)) {
            *out = join_ips(l);
            return 0;
        }
        v = pods ? node->pod_ip : node->host_ip;
    } else
        return c8s_err_set(err, C8S_EINVALID, "unsupported fieldPath: %s", path);
    *out = xstrdup(v ? v : "");
    return 0;
}

static const json_t *find_container(const json_t *pod, const char *name)
{
    static const char *const lists[] = {"containers", "initContainers"};
    for (size_t l = 0; l < 2; l++) {
        size_t i;
        const json_t *c;
        json_array_foreach(jpath2(pod, "spec", lists[l]), i, c)
        {
            const char *n = jstr(c, "name");
            if (n && name && strcmp(n, name) == 0)
                return c;
        }
    }
    return NULL;
}

static int resource_ref(const json_t *pod, const json_t *self, const ocispec_node_t *node,
                        const json_t *ref, char **out, c8s_err_t *err)
{
    const char *cname = jstr(ref, "containerName");
    const json_t *c = (cname && *cname) ? find_container(pod, cname) : self;
    const char *res = jstr(ref, "resource");
    if (!c)
        return c8s_err_set(err, C8S_EINVALID, "container %s not found", cname);
    if (!res)
        return c8s_err_set(err, C8S_EINVALID, "resourceFieldRef without resource");
    quantity_t div = {.milli = 1000, .format = QUANTITY_DECIMAL_SI};
    const json_t *dv = json_object_get(ref, "divisor");
    c8s_err_t e = C8S_ERR_INIT;
    if (dv && quantity_parse_json(dv, &div, &e) < 0) {
        c8s_err_move(err, &e);
        return c8s_err_wrap(err, "resourceFieldRef divisor");
    }
    const char *dot = strchr(res, '.');
    if (!dot || div.milli <= 0)
        return c8s_err_set(err, C8S_EINVALID, "unsupported container resource: %s", res);
    char kind[16];
    snprintf(kind, sizeof kind, "%.*s", (int)(dot - res), res);
    const char *name = dot + 1;
    bool cpu = strcmp(name, "cpu") == 0;
    if ((strcmp(kind, "limits") != 0 && strcmp(kind, "requests") != 0) ||
        (!cpu && strcmp(name, "memory") != 0 && strcmp(name, "ephemeral-storage") != 0))
        return c8s_err_set(err, C8S_EINVALID, "unsupported container resource: %s", res);
    int64_t v = 0;
    bool limits = strcmp(kind, "limits") == 0;
    if (!res_get(c, kind, name, &v)) {
        v = 0;
        /* An unset limit reads as the node's allocatable, as upstream merges it. */
        if (limits && cpu && node)
            v = node->node_cpu_milli;
        else if (limits && strcmp(name, "memory") == 0 && node)
            v = node->node_memory_bytes * 1000;
    }
    int64_t r;
    if (cpu)
        r = (v + div.milli - 1) / div.milli; /* ceil(milli / divisor milli) */
    else {
        int64_t bytes = (v + 999) / 1000, d = (div.milli + 999) / 1000;
        if (d <= 0)
            d = 1;
        r = (bytes + d - 1) / d;
    }
    *out = xasprintf("%lld", (long long)r);
    return 0;
}

int ocispec_resource_field(const json_t *pod, const json_t *container, const ocispec_node_t *node,
                           const json_t *ref, char **out, c8s_err_t *err)
{
    return resource_ref(pod, container, node, ref, out, err);
}

/* The kubelet's env (envFrom then env, valueFrom resolved, values expanded), as an ordered JSON
 * object name → value (owned, in *out). */
static int kubelet_env(const json_t *pod, const json_t *c, const ocispec_node_t *node, json_t **out,
                       c8s_err_t *err)
{
    cleanup_json json_t *env = json_object();
    size_t i;
    const json_t *src;
    json_array_foreach(json_object_get(c, "envFrom"), i, src)
    {
        const char *prefix = jstr(src, "prefix");
        bool secret = json_object_get(src, "secretRef") != NULL;
        const json_t *ref = json_object_get(src, secret ? "secretRef" : "configMapRef");
        if (!ref)
            continue;
        const char *name = jstr(ref, "name");
        const json_t *obj =
            json_object_get(secret ? node->secrets : node->configmaps, name ? name : "");
        if (!obj) {
            if (json_is_true(json_object_get(ref, "optional")))
                continue;
            return c8s_err_set(err, C8S_EINVALID, "%s \"%s\" not found",
                               secret ? "secret" : "configmap", name ? name : "");
        }
        const char *key;
        json_t *val;
        json_object_foreach(json_object_get((json_t *)obj, "data"), key, val)
        {
            cleanup_free char *full = xasprintf("%s%s", prefix ? prefix : "", key);
            /* Keys that are not valid variable names are skipped (upstream warns in an event). */
            if (api_check_env_var_name(full) != NULL || !json_is_string(val))
                continue;
            char *v = secret ? b64_decode(json_string_value(val)) : xstrdup(json_string_value(val));
            if (!v)
                return c8s_err_set(err, C8S_EINVALID, "secret %s/%s: key %s is not valid base64",
                                   pod_ns(pod), name, key);
            json_object_set_new(env, full, json_stringn_nocheck(v, strlen(v)));
            free(v);
        }
    }
    const json_t *e;
    json_array_foreach(json_object_get(c, "env"), i, e)
    {
        const char *name = jstr(e, "name");
        const json_t *from = json_object_get(e, "valueFrom");
        char *v = NULL;
        int rc = 0;
        if (!name)
            continue;
        if (!from) {
            const char *raw = jstr(e, "value");
            v = ocispec_expand(raw ? raw : "", env);
        } else if (json_object_get(from, "fieldRef")) {
            rc =
                field_ref(pod, node, jstr(json_object_get(from, "fieldRef"), "fieldPath"), &v, err);
        } else if (json_object_get(from, "resourceFieldRef")) {
            rc = resource_ref(pod, c, node, json_object_get(from, "resourceFieldRef"), &v, err);
        } else if (json_object_get(from, "configMapKeyRef") ||
                   json_object_get(from, "secretKeyRef")) {
            bool secret = json_object_get(from, "secretKeyRef") != NULL;
            const json_t *ref = json_object_get(from, secret ? "secretKeyRef" : "configMapKeyRef");
            rc = source_value(pod, node, secret, jstr(ref, "name"), jstr(ref, "key"),
                              json_is_true(json_object_get(ref, "optional")), &v, err);
            if (rc == 0 && !v)
                continue; /* optional and absent: the variable is not set at all */
        } else {
            return c8s_err_set(err, C8S_EINVALID, "env %s: unsupported valueFrom", name);
        }
        if (rc < 0)
            return c8s_err_wrap(err, "env %s", name);
        json_object_set_new(env, name, json_stringn_nocheck(v, strlen(v)));
        free(v);
    }
    *out = c8s_steal(&env);
    return 0;
}

/* Sets NAME=value in an array of "NAME=value", replacing an earlier NAME in place. */
static void env_put(json_t *arr, const char *name, const char *value)
{
    size_t n = strlen(name), i;
    json_t *e;
    cleanup_free char *s = xasprintf("%s=%s", name, value);
    /* Values need not be UTF-8 (a Secret's bytes); the spec file carries them as given. */
    json_t *entry = json_stringn_nocheck(s, strlen(s));
    json_array_foreach(arr, i, e)
    {
        const char *x = json_string_value(e);
        if (x && strncmp(x, name, n) == 0 && x[n] == '=') {
            json_array_set_new(arr, i, entry);
            return;
        }
    }
    json_array_append_new(arr, entry);
}

static void env_put_raw(json_t *arr, const char *kv)
{
    const char *eq = strchr(kv, '=');
    cleanup_free char *name = eq ? xstrndup(kv, (size_t)(eq - kv)) : xstrdup(kv);
    env_put(arr, name, eq ? eq + 1 : "");
}

static bool env_has(const json_t *arr, const char *name)
{
    size_t n = strlen(name), i;
    const json_t *e;
    json_array_foreach(arr, i, e)
    {
        const char *x = json_string_value(e);
        if (x && strncmp(x, name, n) == 0 && x[n] == '=')
            return true;
    }
    return false;
}

static int build_env(const json_t *pod, const json_t *c, const json_t *image,
                     const ocispec_node_t *node, json_t **kenv_out, json_t **out, c8s_err_t *err)
{
    cleanup_json json_t *kenv = NULL;
    if (kubelet_env(pod, c, node, &kenv, err) < 0)
        return err->code;
    cleanup_json json_t *arr = json_array();
    /* containerd's order: HOSTNAME, then the image's env, then the kubelet's. */
    if (node->hostname)
        env_put(arr, "HOSTNAME", node->hostname);
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(image, "Env"), i, e)
    {
        if (json_string_value(e))
            env_put_raw(arr, json_string_value(e));
    }
    const char *k;
    json_t *v;
    json_object_foreach(kenv, k, v) env_put(arr, k, json_string_value(v));
    if (!env_has(arr, "PATH"))
        env_put_raw(arr, DEFAULT_PATH);
    *out = c8s_steal(&arr);
    if (kenv_out)
        *kenv_out = c8s_steal(&kenv);
    return 0;
}

int ocispec_env(const json_t *pod, const json_t *container, const json_t *image_config,
                const ocispec_node_t *node, json_t **out, c8s_err_t *err)
{
    return build_env(pod, container, image_config, node, NULL, out, err);
}

/* ---- process: args, user, capabilities ---- */

static json_t *expand_list(const json_t *list, const json_t *env)
{
    json_t *out = json_array();
    size_t i;
    const json_t *e;
    json_array_foreach(list, i, e)
    {
        char *s = ocispec_expand(json_string_value(e) ? json_string_value(e) : "", env);
        json_array_append_new(out, json_string(s));
        free(s);
    }
    return out;
}

static int build_args(const json_t *c, const json_t *image, const json_t *kenv, json_t **out,
                      c8s_err_t *err)
{
    cleanup_json json_t *cmd = expand_list(json_object_get(c, "command"), kenv);
    cleanup_json json_t *args = expand_list(json_object_get(c, "args"), kenv);
    /* command replaces the image's Entrypoint; args replace its Cmd; a command alone drops Cmd. */
    if (json_array_size(cmd) == 0) {
        if (json_array_size(args) == 0)
            json_array_extend(args, json_object_get((json_t *)image, "Cmd"));
        const json_t *ep = json_object_get(image, "Entrypoint");
        bool empty_ep = json_array_size(ep) == 1 && json_string_value(json_array_get(ep, 0)) &&
                        !*json_string_value(json_array_get(ep, 0));
        if (!empty_ep)
            json_array_extend(cmd, (json_t *)ep);
    }
    json_array_extend(cmd, args);
    if (json_array_size(cmd) == 0)
        return c8s_err_set(err, C8S_EINVALID, "no command specified");
    *out = c8s_steal(&cmd);
    return 0;
}

/* securityContext field of the container, falling back to the pod's. */
static const json_t *sc_get(const json_t *pod, const json_t *c, const char *k)
{
    const json_t *v = jpath2(c, "securityContext", k);
    if (v && !json_is_null(v))
        return v;
    return json_object_get(jpath2(pod, "spec", "securityContext"), k);
}

static bool parse_id(const char *s, size_t n, int64_t *out)
{
    if (n == 0 || n > 10)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    if (v > 0xffffffffLL)
        return false;
    *out = v;
    return true;
}

static int build_user(const json_t *pod, const json_t *c, const json_t *image, json_t **out,
                      c8s_err_t *err)
{
    int64_t uid = 0, gid = 0;
    bool have_uid = false, have_gid = false;
    const char *iuser = jstr(image, "User");
    const json_t *ru = sc_get(pod, c, "runAsUser"), *rg = sc_get(pod, c, "runAsGroup");
    if (ru && json_is_integer(ru)) {
        uid = json_integer_value(ru);
        have_uid = true;
    }
    if (rg && json_is_integer(rg)) {
        gid = json_integer_value(rg);
        have_gid = true;
    }
    if (iuser && *iuser) {
        const char *colon = strchr(iuser, ':');
        size_t ulen = colon ? (size_t)(colon - iuser) : strlen(iuser);
        int64_t v;
        if (!have_uid) {
            if (!parse_id(iuser, ulen, &v))
                return c8s_err_set(err, C8S_EINVALID,
                                   "image user \"%s\" is not numeric: c8s resolves no user names; "
                                   "set securityContext.runAsUser",
                                   iuser);
            uid = v;
            have_uid = true;
        }
        if (!have_gid && colon) {
            if (!parse_id(colon + 1, strlen(colon + 1), &v))
                return c8s_err_set(err, C8S_EINVALID,
                                   "image group in \"%s\" is not numeric; set "
                                   "securityContext.runAsGroup",
                                   iuser);
            gid = v;
        }
    }
    if (json_is_true(sc_get(pod, c, "runAsNonRoot")) && uid == 0) {
        const json_t *meta = json_object_get(pod, "metadata");
        return c8s_err_set(err, C8S_EINVALID,
                           "container has runAsNonRoot and image will run as root (pod: "
                           "\"%s_%s(%s)\", container: %s)",
                           jstr(meta, "name") ? jstr(meta, "name") : "", pod_ns(pod),
                           jstr(meta, "uid") ? jstr(meta, "uid") : "",
                           jstr(c, "name") ? jstr(c, "name") : "");
    }
    json_t *u = json_pack("{s:I,s:I}", "uid", (json_int_t)uid, "gid", (json_int_t)gid);
    json_t *extra = json_array();
    const json_t *psc = jpath2(pod, "spec", "securityContext");
    size_t i;
    const json_t *g;
    json_array_foreach(json_object_get(psc, "supplementalGroups"), i, g)
    {
        if (json_is_integer(g))
            json_array_append_new(extra, json_integer(json_integer_value(g)));
    }
    const json_t *fsg = json_object_get(psc, "fsGroup");
    if (json_is_integer(fsg)) {
        bool dup = false;
        json_array_foreach(extra, i, g) dup |= json_integer_value(g) == json_integer_value(fsg);
        if (!dup)
            json_array_append_new(extra, json_integer(json_integer_value(fsg)));
    }
    if (json_array_size(extra))
        json_object_set_new(u, "additionalGids", extra);
    else
        json_decref(extra);
    *out = u;
    return 0;
}

static const char *const all_caps[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

/* containerd's default set for unprivileged containers. */
static const char *const default_caps[] = {
    "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
    "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
    "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
    "CAP_KILL",    "CAP_AUDIT_WRITE",
};

static bool in_list(const json_t *list, const char *s)
{
    size_t i;
    const json_t *e;
    json_array_foreach(list, i, e)
    {
        const char *x = json_string_value(e);
        if (x && strcmp(x, s) == 0)
            return true;
    }
    return false;
}

/* "NET_ADMIN" or "CAP_NET_ADMIN" → "CAP_NET_ADMIN" (owned, upper case). */
static char *cap_name(const char *s)
{
    char *r = strncasecmp(s, "CAP_", 4) == 0 ? xstrdup(s) : xasprintf("CAP_%s", s);
    for (char *p = r; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    return r;
}

static int build_caps(const json_t *c, bool privileged, json_t **out, c8s_err_t *err)
{
    json_t *set = json_array();
    const json_t *caps = jpath2(c, "securityContext", "capabilities");
    const json_t *add = json_object_get(caps, "add"), *drop = json_object_get(caps, "drop");
    if (privileged || in_list(add, "ALL")) {
        for (size_t i = 0; i < C8S_ARRAY_SIZE(all_caps); i++)
            json_array_append_new(set, json_string(all_caps[i]));
    } else if (!in_list(drop, "ALL")) {
        for (size_t i = 0; i < C8S_ARRAY_SIZE(default_caps); i++)
            json_array_append_new(set, json_string(default_caps[i]));
    }
    size_t i;
    const json_t *e;
    if (!privileged) {
        json_array_foreach(add, i, e)
        {
            const char *s = json_string_value(e);
            if (!s || strcmp(s, "ALL") == 0)
                continue;
            cleanup_free char *n = cap_name(s);
            bool known = false;
            for (size_t k = 0; k < C8S_ARRAY_SIZE(all_caps); k++)
                known |= strcmp(all_caps[k], n) == 0;
            if (!known) {
                json_decref(set);
                return c8s_err_set(err, C8S_EINVALID, "unknown capability \"%s\" to add", s);
            }
            if (!in_list(set, n))
                json_array_append_new(set, json_string(n));
        }
        json_array_foreach(drop, i, e)
        {
            const char *s = json_string_value(e);
            if (!s || strcmp(s, "ALL") == 0)
                continue;
            cleanup_free char *n = cap_name(s);
            for (size_t k = json_array_size(set); k-- > 0;)
                if (strcmp(json_string_value(json_array_get(set, k)), n) == 0)
                    json_array_remove(set, k);
        }
    }
    *out = json_pack("{s:O,s:O,s:o}", "bounding", set, "effective", set, "permitted", set);
    return 0;
}

/* ---- seccomp ---- */

/* The RuntimeDefault profile, in c8s's own compact form: allow by default, refuse (EPERM) the
 * calls that containerd's and Docker's default profiles leave out for an unprivileged
 * container, except those a granted capability makes legitimate; refuse clone() asking for new
 * namespaces without CAP_SYS_ADMIN; clone3 answers ENOSYS so libc falls back to clone, whose
 * flags a filter can see. runc skips names its libseccomp does not know (other architectures). */
typedef struct {
    const char *cap; /* NULL: always refused */
    const char *calls;
} deny_group_t;

static const deny_group_t deny_groups[] = {
    {NULL, "add_key keyctl request_key nfsservctl create_module get_kernel_syms "
           "query_module uselib ustat sysfs _sysctl vm86 vm86old userfaultfd kexec_file_load "
           "kexec_load"},
    {"CAP_SYS_ADMIN", "mount umount umount2 unshare setns pivot_root swapon swapoff quotactl "
                      "name_to_handle_at fanotify_init fsopen fsconfig fsmount fspick move_mount "
                      "open_tree mount_setattr lookup_dcookie perf_event_open bpf"},
    {"CAP_SYS_PTRACE", "ptrace process_vm_readv process_vm_writev kcmp"},
    {"CAP_SYS_MODULE", "init_module finit_module delete_module"},
    {"CAP_SYS_TIME", "settimeofday stime clock_settime clock_settime64 adjtimex clock_adjtime "
                     "clock_adjtime64"},
    {"CAP_SYS_BOOT", "reboot"},
    {"CAP_SYS_PACCT", "acct"},
    {"CAP_SYS_RAWIO", "iopl ioperm"},
    {"CAP_SYS_NICE", "get_mempolicy set_mempolicy mbind move_pages"},
    {"CAP_DAC_READ_SEARCH", "open_by_handle_at"},
    {"CAP_SYSLOG", "syslog"},
};

static void add_calls(json_t *names, const char *list)
{
    const char *p = list;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *q = p;
        while (*q && *q != ' ')
            q++;
        if (q > p) {
            char *n = xstrndup(p, (size_t)(q - p));
            if (!in_list(names, n))
                json_array_append_new(names, json_string(n));
            free(n);
        }
        p = q;
    }
}

static json_t *seccomp_default(const json_t *caps)
{
    const json_t *eff = json_object_get(caps, "bounding");
    json_t *names = json_array();
    bool sys_admin = in_list(eff, "CAP_SYS_ADMIN");
    for (size_t i = 0; i < C8S_ARRAY_SIZE(deny_groups); i++) {
        if (deny_groups[i].cap && in_list(eff, deny_groups[i].cap))
            continue;
        add_calls(names, deny_groups[i].calls);
    }
    json_t *syscalls = json_array();
    json_array_append_new(syscalls, json_pack("{s:o,s:s,s:i}", "names", names, "action",
                                              "SCMP_ACT_ERRNO", "errnoRet", SECCOMP_EPERM));
    json_array_append_new(syscalls, json_pack("{s:[s],s:s,s:i}", "names", "clone3", "action",
                                              "SCMP_ACT_ERRNO", "errnoRet", SECCOMP_ENOSYS));
    if (!sys_admin) {
        /* CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWTIME: one rule per
         * flag, since a masked compare can only test bits that are set. */
        static const uint64_t flags[] = {0x00020000, 0x02000000, 0x04000000, 0x08000000,
                                         0x10000000, 0x20000000, 0x40000000, 0x00000080};
        for (size_t i = 0; i < C8S_ARRAY_SIZE(flags); i++)
            json_array_append_new(
                syscalls, json_pack("{s:[s],s:s,s:i,s:[{s:i,s:I,s:I,s:s}]}", "names", "clone",
                                    "action", "SCMP_ACT_ERRNO", "errnoRet", SECCOMP_EPERM, "args",
                                    "index", 0, "value", (json_int_t)flags[i], "valueTwo",
                                    (json_int_t)flags[i], "op", "SCMP_CMP_MASKED_EQ"));
    }
#if defined(__x86_64__)
    json_t *arch = json_pack("[s,s,s]", "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
#elif defined(__aarch64__)
    json_t *arch = json_pack("[s,s]", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
#else
    json_t *arch = json_array();
#endif
    return json_pack("{s:s,s:o,s:o}", "defaultAction", "SCMP_ACT_ALLOW", "architectures", arch,
                     "syscalls", syscalls);
}

/* The profile type for this container: "RuntimeDefault", "Unconfined" or an error. */
static int seccomp_type(const json_t *pod, const json_t *c, const ocispec_node_t *node,
                        const char **type, c8s_err_t *err)
{
    const json_t *p = sc_get(pod, c, "seccompProfile");
    const char *t = jstr(p, "type");
    if (!t)
        t = node->seccomp_default ? "RuntimeDefault" : "Unconfined";
    if (strcmp(t, "RuntimeDefault") != 0 && strcmp(t, "Unconfined") != 0)
        return c8s_err_set(err, C8S_EINVALID, "seccomp profile type %s is not supported", t);
    *type = t;
    return 0;
}

/* ---- mounts, namespaces, resources ---- */

static const char *const masked_paths[] = {
    "/proc/acpi",
    "/proc/asound",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
};
static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

static json_t *default_mounts(bool privileged)
{
    const char *ro = privileged ? "rw" : "ro";
    return json_pack("[{s:s,s:s,s:s,s:[s,s,s]},"
                     "{s:s,s:s,s:s,s:[s,s,s,s]},"
                     "{s:s,s:s,s:s,s:[s,s,s,s,s,s]},"
                     "{s:s,s:s,s:s,s:[s,s,s,s,s]},"
                     "{s:s,s:s,s:s,s:[s,s,s]},"
                     "{s:s,s:s,s:s,s:[s,s,s,s]},"
                     "{s:s,s:s,s:s,s:[s,s,s,s,s]}]",
                     "destination", "/proc", "type", "proc", "source", "proc", "options", "nosuid",
                     "noexec", "nodev", "destination", "/dev", "type", "tmpfs", "source", "tmpfs",
                     "options", "nosuid", "strictatime", "mode=755", "size=65536k", "destination",
                     "/dev/pts", "type", "devpts", "source", "devpts", "options", "nosuid",
                     "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", "destination",
                     "/dev/shm", "type", "tmpfs", "source", "shm", "options", "nosuid", "noexec",
                     "nodev", "mode=1777", "size=65536k", "destination", "/dev/mqueue", "type",
                     "mqueue", "source", "mqueue", "options", "nosuid", "noexec", "nodev",
                     "destination", "/sys", "type", "sysfs", "source", "sysfs", "options", "nosuid",
                     "noexec", "nodev", ro, "destination", "/sys/fs/cgroup", "type", "cgroup",
                     "source", "cgroup", "options", "nosuid", "noexec", "nodev", "relatime", ro);
}

static void bind_file(json_t *mounts, const char *src, const char *dst, bool ro)
{
    if (!src)
        return;
    json_array_append_new(mounts, json_pack("{s:s,s:s,s:s,s:[s,s,s]}", "destination", dst, "type",
                                            "bind", "source", src, "options", "rbind", "rprivate",
                                            ro ? "ro" : "rw"));
}

static json_t *namespaces(const ocispec_node_t *node, const json_t *pod)
{
    const json_t *spec = json_object_get(pod, "spec");
    json_t *ns = json_array();
    json_array_append_new(ns, json_pack("{s:s}", "type", "mount"));
    if (!json_is_true(json_object_get(spec, "hostPID")))
        json_array_append_new(ns, json_pack("{s:s}", "type", "pid"));
    if (!json_is_true(json_object_get(spec, "hostIPC"))) {
        if (node->ipcns_path)
            json_array_append_new(ns,
                                  json_pack("{s:s,s:s}", "type", "ipc", "path", node->ipcns_path));
        else
            json_array_append_new(ns, json_pack("{s:s}", "type", "ipc"));
    }
    if (node->utsns_path)
        json_array_append_new(ns, json_pack("{s:s,s:s}", "type", "uts", "path", node->utsns_path));
    else
        json_array_append_new(ns, json_pack("{s:s}", "type", "uts"));
    if (node->netns_path && !json_is_true(json_object_get(spec, "hostNetwork")))
        json_array_append_new(ns,
                              json_pack("{s:s,s:s}", "type", "network", "path", node->netns_path));
    if (node->cgroup_version == 2)
        json_array_append_new(ns, json_pack("{s:s}", "type", "cgroup"));
    return ns;
}

static json_t *resources(const json_t *c, const ocispec_node_t *node, bool privileged)
{
    int64_t cpu_req = 0, cpu_lim = 0, mem_lim = 0;
    res_request(c, "cpu", &cpu_req);
    res_get(c, "limits", "cpu", &cpu_lim);
    res_get(c, "limits", "memory", &mem_lim);
    json_t *cpu = json_pack("{s:I}", "shares", (json_int_t)ocispec_cpu_shares(cpu_req));
    if (cpu_lim > 0) {
        json_object_set_new(cpu, "quota", json_integer(ocispec_cpu_quota(cpu_lim, CPU_PERIOD)));
        json_object_set_new(cpu, "period", json_integer(CPU_PERIOD));
    }
    json_t *r = json_pack("{s:o}", "cpu", cpu);
    if (mem_lim > 0) {
        int64_t bytes = (mem_lim + 999) / 1000;
        /* swap = limit: no swap for the container, as the kubelet configures it. */
        json_object_set_new(
            r, "memory",
            json_pack("{s:I,s:I}", "limit", (json_int_t)bytes, "swap", (json_int_t)bytes));
    }
    if (node->pids_limit > 0)
        json_object_set_new(r, "pids", json_pack("{s:I}", "limit", (json_int_t)node->pids_limit));
    json_object_set_new(r, "devices",
                        json_pack("[{s:b,s:s}]", "allow", privileged ? 1 : 0, "access", "rwm"));
    return r;
}

static int oom_score_adj(const json_t *pod, const json_t *c, const ocispec_node_t *node)
{
    switch (ocispec_qos_class(pod)) {
    case OCISPEC_QOS_GUARANTEED:
        return OOM_GUARANTEED;
    case OCISPEC_QOS_BESTEFFORT:
        return OOM_BESTEFFORT;
    default:
        break;
    }
    int64_t req = 0;
    res_request(c, "memory", &req);
    req /= 1000;
    if (node->node_memory_bytes <= 0)
        return 999;
    int64_t adj = 1000 - (1000 * req) / node->node_memory_bytes;
    if (adj < 2)
        adj = 2;
    if (adj > 999)
        adj = 999;
    return (int)adj;
}

static json_t *str_array(const char *const *s, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(s[i]));
    return a;
}

int ocispec_build(const json_t *pod, const json_t *c, const json_t *image,
                  const ocispec_node_t *node, json_t **out, c8s_err_t *err)
{
    *out = NULL;
    if (!json_is_object(pod) || !json_is_object(c) || !node || !node->rootfs ||
        !node->container_id || !node->pod_cgroup)
        return c8s_err_set(err, C8S_EINVALID,
                           "ocispec: pod, container, rootfs, container id and cgroup are required");
    const json_t *sc = json_object_get(c, "securityContext");
    bool privileged = json_is_true(json_object_get(sc, "privileged"));
    cleanup_json json_t *kenv = NULL, *env = NULL, *args = NULL, *user = NULL, *caps = NULL;
    const char *sec_type = NULL;
    if (build_env(pod, c, image, node, &kenv, &env, err) < 0 ||
        build_args(c, image, kenv, &args, err) < 0 || build_user(pod, c, image, &user, err) < 0 ||
        build_caps(c, privileged, &caps, err) < 0 || seccomp_type(pod, c, node, &sec_type, err) < 0)
        return err->code;

    const char *cwd = jstr(c, "workingDir");
    if (!cwd || !*cwd)
        cwd = jstr(image, "WorkingDir");
    if (!cwd || !*cwd)
        cwd = "/";
    /* noNewPrivileges only when allowPrivilegeEscalation is explicitly false, as upstream. */
    bool nnp = json_is_false(json_object_get(sc, "allowPrivilegeEscalation")) && !privileged;

    /* A tty container's process runs on a terminal its shim holds the master of, with TERM set
     * as containerd's WithTTY does (unless the env names one). */
    bool tty = json_is_true(json_object_get(c, "tty"));
    if (tty && !env_has(env, "TERM"))
        json_array_append_new(env, json_string("TERM=xterm"));
    json_t *process = json_pack("{s:b,s:o,s:O,s:O,s:s,s:O,s:b,s:i}", "terminal", tty, "user", user,
                                "args", args, "env", env, "cwd", cwd, "capabilities", caps,
                                "noNewPrivileges", nnp, "oomScoreAdj", oom_score_adj(pod, c, node));
    user = NULL; /* the "o" above took it, also on failure */
    if (!process)
        return c8s_err_set(err, C8S_EINVALID, "ocispec: workingDir is not valid UTF-8");

    json_t *mounts = default_mounts(privileged);
    bool ro_root = json_is_true(json_object_get(sc, "readOnlyRootFilesystem"));
    bind_file(mounts, node->hosts, "/etc/hosts", false);
    bind_file(mounts, node->resolv_conf, "/etc/resolv.conf", ro_root);
    bind_file(mounts, node->hostname_file, "/etc/hostname", ro_root);
    json_array_extend(mounts, (json_t *)node->mounts);

    json_t *linux_ = json_pack("{s:o,s:o,s:s}", "namespaces", namespaces(node, pod), "resources",
                               resources(c, node, privileged), "cgroupsPath", "");
    cleanup_free char *cg = xasprintf("%s/%s", node->pod_cgroup, node->container_id);
    json_object_set_new(linux_, "cgroupsPath", json_string(cg));
    if (!privileged) {
        json_object_set_new(linux_, "maskedPaths",
                            str_array(masked_paths, C8S_ARRAY_SIZE(masked_paths)));
        json_object_set_new(linux_, "readonlyPaths",
                            str_array(readonly_paths, C8S_ARRAY_SIZE(readonly_paths)));
    }
    if (!privileged && strcmp(sec_type, "RuntimeDefault") == 0)
        json_object_set_new(linux_, "seccomp", seccomp_default(caps));
    const json_t *sysctls = json_object_get(jpath2(pod, "spec", "securityContext"), "sysctls");
    if (json_array_size(sysctls)) {
        json_t *s = json_object();
        size_t i;
        const json_t *e;
        json_array_foreach(sysctls, i, e)
        {
            if (jstr(e, "name") && jstr(e, "value"))
                json_object_set_new(s, jstr(e, "name"), json_string(jstr(e, "value")));
        }
        json_object_set_new(linux_, "sysctl", s);
    }

    json_t *spec = json_pack("{s:s,s:o,s:{s:s,s:b},s:o,s:o}", "ociVersion", "1.0.2", "process",
                             process, "root", "path", node->rootfs, "readonly", ro_root, "mounts",
                             mounts, "linux", linux_);
    if (!spec)
        return c8s_err_set(err, C8S_EINVALID, "ocispec: rootfs path is not valid UTF-8");
    if (!node->utsns_path && node->hostname)
        json_object_set_new(spec, "hostname", json_string(node->hostname));
    *out = spec;
    return 0;
}
