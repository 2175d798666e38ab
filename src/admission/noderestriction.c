/*
 * noderestriction.c — the NodeRestriction admission plugin's decisions: a kubelet (user
 * system:node:<n> in group system:nodes) may change only its own Node (not its protected labels,
 * not its taints), its own Lease, mirror pods bound to itself, and the status of pods bound to
 * itself, as upstream's plugin/pkg/admission/noderestriction decides.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

const char *admission_node_name(const char *name, const char *const *groups, size_t n_groups)
{
    if (!name || strncmp(name, "system:node:", 12) != 0 || !name[12])
        return NULL;
    for (size_t i = 0; i < n_groups; i++)
        if (groups[i] && !strcmp(groups[i], "system:nodes"))
            return name + 12;
    return NULL;
}

static bool domain_is(const char *domain, size_t len, const char *d)
{
    size_t dl = strlen(d);
    if (len == dl && !strncmp(domain, d, dl))
        return true;
    return len > dl && domain[len - dl - 1] == '.' && !strncmp(domain + len - dl, d, dl);
}

/* Labels a kubelet sets on its own Node (upstream's kubeletapis.IsKubeletLabel). */
static bool kubelet_label(const char *key)
{
    static const char *const labels[] = {"kubernetes.io/hostname",
                                         "topology.kubernetes.io/zone",
                                         "topology.kubernetes.io/region",
                                         "failure-domain.beta.kubernetes.io/zone",
                                         "failure-domain.beta.kubernetes.io/region",
                                         "beta.kubernetes.io/instance-type",
                                         "node.kubernetes.io/instance-type",
                                         "beta.kubernetes.io/os",
                                         "beta.kubernetes.io/arch",
                                         "kubernetes.io/os",
                                         "kubernetes.io/arch"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(labels); i++)
        if (!strcmp(key, labels[i]))
            return true;
    const char *slash = strchr(key, '/');
    if (!slash)
        return false;
    size_t len = (size_t)(slash - key);
    return domain_is(key, len, "kubelet.kubernetes.io") ||
           domain_is(key, len, "node.kubernetes.io");
}

static bool forbidden_label(const char *key)
{
    if (!strncmp(key, "node-restriction.kubernetes.io/", 31))
        return true;
    const char *slash = strchr(key, '/');
    if (!slash)
        return false;
    size_t len = (size_t)(slash - key);
    if (!domain_is(key, len, "kubernetes.io") && !domain_is(key, len, "k8s.io"))
        return false;
    return !kubelet_label(key);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The forbidden label keys that differ between old and new (either may be NULL), sorted and
 * joined by ", "; owned, NULL when none. */
static char *forbidden_changes(const json_t *old, const json_t *new)
{
    size_t cap = json_object_size(old) + json_object_size(new), n = 0;
    const char **keys = xcalloc(cap ? cap : 1, sizeof(*keys));
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)new, k, v)
    {
        if (!json_equal(v, json_object_get(old, k)) && forbidden_label(k))
            keys[n++] = k;
    }
    json_object_foreach((json_t *)old, k, v)
    {
        if (!json_object_get(new, k) && forbidden_label(k))
            keys[n++] = k;
    }
    char *out = NULL;
    if (n) {
        qsort(keys, n, sizeof(*keys), cmp_str);
        strbuf_t b = STRBUF_INIT;
        for (size_t i = 0; i < n; i++)
            strbuf_sep(&b, ", ", keys[i]);
        out = strbuf_take(&b);
    }
    free(keys);
    return out;
}

static const json_t *labels_of(const json_t *o)
{
    return admission__get(json_object_get(o, "metadata"), "labels", NULL);
}

static int node_rules(const char *node, const char *op, const char *sub, const char *name,
                      const json_t *obj, const json_t *old, c8s_err_t *err)
{
    if (!name || strcmp(name, node) != 0)
        return c8s_err_set(err, C8S_EFORBIDDEN, "node \"%s\" is not allowed to modify node \"%s\"",
                           node, name ? name : "");
    if (!strcmp(op, "CREATE")) {
        cleanup_free char *bad = forbidden_changes(NULL, labels_of(obj));
        if (bad)
            return c8s_err_set(err, C8S_EFORBIDDEN,
                               "node \"%s\" is not allowed to set the following labels: %s", node,
                               bad);
    } else if (!strcmp(op, "UPDATE") && obj && old) {
        cleanup_free char *bad = forbidden_changes(labels_of(old), labels_of(obj));
        if (bad)
            return c8s_err_set(err, C8S_EFORBIDDEN,
                               "node \"%s\" is not allowed to modify labels: %s", node, bad);
        if (!sub && !json_equal(admission__get(json_object_get(old, "spec"), "taints", NULL)
                                    ? admission__get(json_object_get(old, "spec"), "taints", NULL)
                                    : json_null(),
                                admission__get(json_object_get(obj, "spec"), "taints", NULL)
                                    ? admission__get(json_object_get(obj, "spec"), "taints", NULL)
                                    : json_null()))
            return c8s_err_set(err, C8S_EFORBIDDEN, "node \"%s\" is not allowed to modify taints",
                               node);
    }
    return 0;
}

static const char *pod_node(const json_t *pod)
{
    const char *n = admission__str(json_object_get(pod, "spec"), "nodeName");
    return n ? n : "";
}

/* A mirror pod may reference nothing the node could not read itself. */
static int mirror_refs(const char *node, const json_t *pod, c8s_err_t *err)
{
    static const struct {
        const char *field, *what;
    } refs[] = {{"secret", "secrets"},
                {"configMap", "configmaps"},
                {"persistentVolumeClaim", "persistentvolumeclaims"}};
    size_t i;
    json_t *v;
    json_array_foreach(admission__get(json_object_get(pod, "spec"), "volumes", NULL), i, v)
    {
        for (size_t r = 0; r < C8S_ARRAY_SIZE(refs); r++)
            if (json_object_get(v, refs[r].field))
                return c8s_err_set(err, C8S_EFORBIDDEN,
                                   "node \"%s\" can not create pods that reference %s", node,
                                   refs[r].what);
    }
    return 0;
}

static int pod_rules(const char *node, const char *op, const char *sub, const json_t *obj,
                     const json_t *old, c8s_err_t *err)
{
    if (sub && !strcmp(sub, "status")) {
        if (strcmp(op, "UPDATE") != 0)
            return c8s_err_set(err, C8S_EFORBIDDEN, "unexpected operation %s", op);
        if (strcmp(pod_node(old), node) != 0)
            return c8s_err_set(err, C8S_EFORBIDDEN,
                               "node \"%s\" can only update pod status for pods with spec.nodeName "
                               "set to itself",
                               node);
        const json_t *ol = labels_of(old), *nl = labels_of(obj);
        if (!json_equal(ol ? ol : json_null(), nl ? nl : json_null()) &&
            (json_object_size(ol) || json_object_size(nl)))
            return c8s_err_set(err, C8S_EFORBIDDEN,
                               "node \"%s\" cannot update labels through pod status", node);
        return 0;
    }
    if (sub && !strcmp(sub, "eviction")) {
        if (strcmp(pod_node(old), node) != 0)
            return c8s_err_set(err, C8S_EFORBIDDEN,
                               "node \"%s\" can only evict pods with spec.nodeName set to itself",
                               node);
        return 0;
    }
    if (sub)
        return 0; /* other subresources are the authorizer's to refuse */
    if (!strcmp(op, "CREATE")) {
        const char *mirror =
            admission__str(admission__get(json_object_get(obj, "metadata"), "annotations", NULL),
                           "kubernetes.io/config.mirror");
        if (!mirror)
            return c8s_err_set(err, C8S_EFORBIDDEN,
                               "pod does not have \"kubernetes.io/config.mirror\" annotation, node "
                               "\"%s\" can only create mirror pods",
                               node);
        if (strcmp(pod_node(obj), node) != 0)
            return c8s_err_set(err, C8S_EFORBIDDEN,
                               "node \"%s\" can only create pods with spec.nodeName set to itself",
                               node);
        json_t *owners = admission__get(json_object_get(obj, "metadata"), "ownerReferences", NULL);
        if (json_array_size(owners) > 1)
            return c8s_err_set(err, C8S_EFORBIDDEN,
                               "node \"%s\" can only create pods with a single owner reference set "
                               "to itself",
                               node);
        if (json_array_size(owners) == 1) {
            json_t *o = json_array_get(owners, 0);
            const char *k = admission__str(o, "kind"), *n = admission__str(o, "name");
            if (!k || strcmp(k, "Node") || !n || strcmp(n, node))
                return c8s_err_set(err, C8S_EFORBIDDEN,
                                   "node \"%s\" can only create pods with an owner reference set "
                                   "to itself",
                                   node);
        }
        return mirror_refs(node, obj, err);
    }
    if (!strcmp(op, "DELETE")) {
        if (strcmp(pod_node(old), node) != 0)
            return c8s_err_set(err, C8S_EFORBIDDEN,
                               "node \"%s\" can only delete pods with spec.nodeName set to itself",
                               node);
        return 0;
    }
    return c8s_err_set(err, C8S_EFORBIDDEN,
                       "unexpected operation %s, node \"%s\" can only create and delete mirror "
                       "pods",
                       op, node);
}

int admission_node_restriction(const char *node, const char *op, const char *kind,
                               const char *subresource, const char *name, const json_t *obj,
                               const json_t *old, c8s_err_t *err)
{
    if (!node || !kind)
        return 0;
    if (!strcmp(kind, "Node"))
        return node_rules(node, op, subresource, name, obj, old, err);
    if (!strcmp(kind, "Pod"))
        return pod_rules(node, op, subresource, obj, old, err);
    if (!strcmp(kind, "Lease") && (!name || strcmp(name, node) != 0))
        return c8s_err_set(err, C8S_EFORBIDDEN,
                           "node \"%s\" can only access node lease with the same name as the "
                           "requesting node",
                           node);
    return 0;
}
