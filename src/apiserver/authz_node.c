/*
 * authz_node.c — the Node authorizer: what a kubelet (user system:node:<name> in group
 * system:nodes) may do, as upstream's in essence. It reads the objects every node needs, writes
 * its own Node, Lease and events, and the status of pods bound to it (spec.nodeName); it reads a
 * Secret, ConfigMap, PersistentVolumeClaim or ServiceAccount only when a pod bound to it refers
 * to it, and a PersistentVolume only when it is the volume of such a claim. Anything else: no
 * opinion (RBAC decides; the default policy gives nodes nothing more), so one kubelet's credentials
 * cannot touch another node's pods.
 *
 * Pods are found through an index node name → pod keys over the pods watch cache, rebuilt when
 * the cache's revision moves (the fields skeleton holds spec.nodeName: no parse to index).
 */
#include "internal.h"

#include <string.h>

struct apiserver_nodeidx_s {
    int64_t rev;
    json_t *by_node; /* node name → array of pod keys */
};

void apiserver__nodeidx_free(apiserver_t *s)
{
    if (!s->nodeidx)
        return;
    json_decref(s->nodeidx->by_node);
    free(s->nodeidx);
    s->nodeidx = NULL;
}

static resource_t *pods_res(apiserver_t *s)
{
    const api_kind_t *k = api_kind_lookup("", "v1", "pods");
    resource_t *res = k ? apiserver__resource_for(s, k) : NULL;
    return res && res->ready ? res : NULL;
}

static bool index_pod(wc_obj_t *o, void *data)
{
    json_t *by = data;
    const char *node =
        json_string_value(json_object_get(json_object_get(o->fields, "spec"), "nodeName"));
    if (!node || !*node)
        return true;
    json_t *arr = json_object_get(by, node);
    if (!arr) {
        arr = json_array();
        json_object_set_new(by, node, arr);
    }
    json_array_append_new(arr, json_string(o->key));
    return true;
}

/* The keys of pods bound to node (borrowed array, NULL when none or the cache is not filled). */
static const json_t *pods_on(apiserver_t *s, const char *node)
{
    resource_t *res = pods_res(s);
    if (!res)
        return NULL;
    int64_t rev = wcache_rev(res->cache);
    if (!s->nodeidx) {
        s->nodeidx = xcalloc(1, sizeof(*s->nodeidx));
        s->nodeidx->rev = -1;
    }
    if (s->nodeidx->rev != rev || !s->nodeidx->by_node) {
        json_decref(s->nodeidx->by_node);
        s->nodeidx->by_node = json_object();
        wcache_scan(res->cache, "", NULL, index_pod, s->nodeidx->by_node);
        s->nodeidx->rev = rev;
    }
    return json_object_get(s->nodeidx->by_node, node);
}

static bool pod_bound(apiserver_t *s, const char *node, const char *ns, const char *name)
{
    resource_t *res = pods_res(s);
    if (!res || !ns || !name)
        return false;
    cleanup_free char *key = apiserver__key(res, ns, name);
    wc_obj_t *o = wcache_get(res->cache, key);
    if (!o)
        return false;
    const char *n =
        json_string_value(json_object_get(json_object_get(o->fields, "spec"), "nodeName"));
    return n && strcmp(n, node) == 0;
}

static bool str_is(const json_t *v, const char *s)
{
    const char *x = json_string_value(v);
    return x && strcmp(x, s) == 0;
}

/* Does a container list refer to the secret (secret=true) or config map `name`? */
static bool containers_refer(const json_t *cs, bool secret, const char *name)
{
    const char *ref = secret ? "secretKeyRef" : "configMapKeyRef";
    const char *from = secret ? "secretRef" : "configMapRef";
    size_t i, j;
    json_t *c, *e;
    json_array_foreach(cs, i, c)
    {
        json_array_foreach(
            json_object_get(c, "env"), j,
            e) if (str_is(json_object_get(json_object_get(json_object_get(e, "valueFrom"), ref),
                                          "name"),
                          name)) return true;
        json_array_foreach(
            json_object_get(c, "envFrom"), j,
            e) if (str_is(json_object_get(json_object_get(e, from), "name"), name)) return true;
    }
    return false;
}

static bool volume_refers(const json_t *v, const char *resource, const char *name)
{
    if (strcmp(resource, "secrets") == 0) {
        if (str_is(json_object_get(json_object_get(v, "secret"), "secretName"), name))
            return true;
    } else if (strcmp(resource, "configmaps") == 0) {
        if (str_is(json_object_get(json_object_get(v, "configMap"), "name"), name))
            return true;
    } else if (strcmp(resource, "persistentvolumeclaims") == 0) {
        return str_is(json_object_get(json_object_get(v, "persistentVolumeClaim"), "claimName"),
                      name);
    }
    const char *src = strcmp(resource, "secrets") == 0 ? "secret" : "configMap";
    size_t i;
    json_t *p;
    json_array_foreach(
        json_object_get(json_object_get(v, "projected"), "sources"), i,
        p) if (str_is(json_object_get(json_object_get(p, src), "name"), name)) return true;
    return false;
}

static bool pod_refers(const json_t *pod, const char *resource, const char *name)
{
    const json_t *spec = json_object_get(pod, "spec");
    if (strcmp(resource, "serviceaccounts") == 0) {
        const char *sa = json_string_value(json_object_get(spec, "serviceAccountName"));
        return strcmp(sa && *sa ? sa : "default", name) == 0;
    }
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(spec, "volumes"), i,
                       v) if (volume_refers(v, resource, name)) return true;
    bool secret = strcmp(resource, "secrets") == 0;
    if (secret || strcmp(resource, "configmaps") == 0) {
        static const char *const lists[] = {"containers", "initContainers", "ephemeralContainers"};
        for (size_t k = 0; k < C8S_ARRAY_SIZE(lists); k++)
            if (containers_refer(json_object_get(spec, lists[k]), secret, name))
                return true;
    }
    if (secret)
        json_array_foreach(json_object_get(spec, "imagePullSecrets"), i,
                           v) if (str_is(json_object_get(v, "name"), name)) return true;
    return false;
}

/* Is ns/name of resource referred to by a pod bound to node? */
static bool referenced(apiserver_t *s, const char *node, const char *resource, const char *ns,
                       const char *name)
{
    if (!ns || !name)
        return false;
    const json_t *keys = pods_on(s, node);
    resource_t *res = pods_res(s);
    cleanup_free char *prefix = res ? apiserver__key(res, ns, "") : NULL;
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k)
    {
        const char *key = json_string_value(k);
        if (strncmp(key, prefix, strlen(prefix)) != 0)
            continue;
        wc_obj_t *o = wcache_get(res->cache, key);
        if (!o)
            continue;
        json_t *pod = json_loadb(o->json, o->json_len, 0, NULL);
        bool hit = pod && pod_refers(pod, resource, name);
        json_decref(pod);
        if (hit)
            return true;
    }
    return false;
}

/* Is PersistentVolume name the volume of a claim a pod bound to node uses? */
static bool volume_referenced(apiserver_t *s, const char *node, const char *name)
{
    const api_kind_t *k = api_kind_lookup("", "v1", "persistentvolumeclaims");
    resource_t *claims = k ? apiserver__resource_for(s, k) : NULL;
    resource_t *pods = pods_res(s);
    if (!name || !claims || !claims->ready || !pods)
        return false;
    const json_t *keys = pods_on(s, node);
    size_t i;
    json_t *key;
    json_array_foreach(keys, i, key)
    {
        wc_obj_t *o = wcache_get(pods->cache, json_string_value(key));
        cleanup_json json_t *pod = o ? json_loadb(o->json, o->json_len, 0, NULL) : NULL;
        const char *ns =
            json_string_value(json_object_get(json_object_get(pod, "metadata"), "namespace"));
        size_t j;
        json_t *v;
        json_array_foreach(json_object_get(json_object_get(pod, "spec"), "volumes"), j, v)
        {
            const char *claim = json_string_value(
                json_object_get(json_object_get(v, "persistentVolumeClaim"), "claimName"));
            if (!claim || !ns)
                continue;
            cleanup_free char *ck = apiserver__key(claims, ns, claim);
            wc_obj_t *c = wcache_get(claims->cache, ck);
            cleanup_json json_t *pvc = c ? json_loadb(c->json, c->json_len, 0, NULL) : NULL;
            if (str_is(json_object_get(json_object_get(pvc, "spec"), "volumeName"), name))
                return true;
        }
    }
    return false;
}

static bool is(const char *a, const char *b)
{
    return a && strcmp(a, b) == 0;
}

static bool read_verb(const char *v)
{
    return is(v, "get") || is(v, "list") || is(v, "watch");
}

authz_decision_t apiserver__authz_node(apiserver_t *s, const auth_user_t *u, const auth_attrs_t *a,
                                       char **reason)
{
    (void)reason;
    if (!u || !u->name || strncmp(u->name, AUTH_NODE_PREFIX, strlen(AUTH_NODE_PREFIX)) != 0 ||
        !auth_user_in_group(u, AUTH_GROUP_NODES) || !a->resource_request)
        return AUTHZ_NO_OPINION;
    const char *node = u->name + strlen(AUTH_NODE_PREFIX);
    if (!*node)
        return AUTHZ_NO_OPINION;
    const char *g = a->api_group ? a->api_group : "";
    const char *r = a->resource ? a->resource : "";
    const char *sub = a->subresource;
    const char *v = a->verb;
    bool allow = false;
    if (!*g) {
        if (is(r, "nodes")) {
            if (!sub && read_verb(v))
                allow = true;
            else if (!sub && is(v, "create"))
                allow = true; /* the body's name is checked by NodeRestriction upstream */
            else if ((!sub || is(sub, "status")) &&
                     (is(v, "get") || is(v, "update") || is(v, "patch")))
                allow = is(a->name, node);
        } else if (is(r, "pods")) {
            if (!sub && read_verb(v))
                allow = true;
            else if (is(sub, "status") && (is(v, "update") || is(v, "patch") || is(v, "get")))
                allow = pod_bound(s, node, a->ns, a->name);
            else if (!sub && is(v, "delete"))
                allow = pod_bound(s, node, a->ns, a->name);
            else if (is(sub, "eviction") && is(v, "create"))
                allow = true; /* upstream's node rules; NodeRestriction holds it to its pods */
        } else if ((is(r, "services") || is(r, "endpoints")) && !sub && read_verb(v)) {
            allow = true;
        } else if (is(r, "namespaces") && !sub && read_verb(v)) {
            /* c8s's proxy role enforces NetworkPolicy on the node (as k3s's agents do): it reads
             * namespaces' labels, and the policies below, with the node's identity. */
            allow = true;
        } else if (is(r, "events") && !sub &&
                   (is(v, "create") || is(v, "update") || is(v, "patch"))) {
            allow = true;
        } else if ((is(r, "secrets") || is(r, "configmaps") || is(r, "persistentvolumeclaims") ||
                    is(r, "serviceaccounts")) &&
                   !sub && is(v, "get")) {
            allow = referenced(s, node, r, a->ns, a->name);
        } else if (is(r, "serviceaccounts") && is(sub, "token") && is(v, "create")) {
            allow = referenced(s, node, r, a->ns, a->name);
        } else if (is(r, "persistentvolumes") && !sub && is(v, "get")) {
            allow = volume_referenced(s, node, a->name);
        }
    } else if (is(g, "discovery.k8s.io") && is(r, "endpointslices") && !sub && read_verb(v)) {
        allow = true;
    } else if (is(g, "networking.k8s.io") && is(r, "networkpolicies") && !sub && read_verb(v)) {
        allow = true;
    } else if (is(g, "certificates.k8s.io") && is(r, "certificatesigningrequests") && !sub &&
               (is(v, "create") || read_verb(v))) {
        /* As upstream's node rules: a kubelet asks for its serving certificate and renews its
         * client certificate itself; what is approved is the approver's business. */
        allow = true;
    } else if (is(g, "coordination.k8s.io") && is(r, "leases") && !sub &&
               is(a->ns, "kube-node-lease")) {
        if (is(v, "create"))
            allow = true;
        else if (is(v, "get") || is(v, "update") || is(v, "patch"))
            allow = is(a->name, node);
    }
    return allow ? AUTHZ_ALLOW : AUTHZ_NO_OPINION;
}
