/*
 * kinds.c — the registry: one static table with every group/version/resource c8s serves.
 *
 * Scope, short names, categories and subresources follow upstream's discovery documents, so
 * `kubectl get all`, `kubectl get deploy` and `kubectl api-resources` behave as against a real
 * cluster. Preferred versions come first: api_kind_find returns the first match.
 */
#include "c8s/kinds.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define LIST(...) ((const char *const[]){__VA_ARGS__, NULL})
#define META      "metadata.name", "metadata.namespace"
#define ALL       LIST("all")
#define ST        API_SUB_STATUS
#define SC        API_SUB_SCALE
#define FS        LIST(META)

static const api_kind_t kinds[] = {
    /* core/v1 */
    {"", "v1", "namespaces", "Namespace", "namespace", "NamespaceList", false, LIST("ns"), NULL,
     LIST(META, "status.phase"), ST, "namespaces", true, 0},
    {"", "v1", "pods", "Pod", "pod", "PodList", true, LIST("po"), ALL,
     LIST(META, "spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
          "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP",
          "status.podIPs", "status.nominatedNodeName"),
     ST | API_SUB_BINDING | API_SUB_EVICTION, "pods", true, 0},
    {"", "v1", "nodes", "Node", "node", "NodeList", false, LIST("no"), NULL,
     LIST(META, "spec.unschedulable"), ST, "nodes", true, 0},
    {"", "v1", "services", "Service", "service", "ServiceList", true, LIST("svc"), ALL,
     LIST(META, "spec.clusterIP", "spec.type"), ST, "services", true, 0},
    {"", "v1", "endpoints", "Endpoints", "endpoints", "EndpointsList", true, LIST("ep"), NULL, FS,
     0, "endpoints", false, 0},
    {"", "v1", "configmaps", "ConfigMap", "configmap", "ConfigMapList", true, LIST("cm"), NULL, FS,
     0, "configmaps", false, 0},
    {"", "v1", "secrets", "Secret", "secret", "SecretList", true, NULL, NULL, LIST(META, "type"), 0,
     "secrets", false, 0},
    {"", "v1", "serviceaccounts", "ServiceAccount", "serviceaccount", "ServiceAccountList", true,
     LIST("sa"), NULL, FS, API_SUB_TOKEN, "serviceaccounts", false, 0},
    {"", "v1", "events", "Event", "event", "EventList", true, LIST("ev"), NULL,
     LIST(META, "involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
          "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
          "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"),
     0, "events", false, 0},
    {"", "v1", "replicationcontrollers", "ReplicationController", "replicationcontroller",
     "ReplicationControllerList", true, LIST("rc"), ALL, LIST(META, "status.replicas"), ST | SC,
     "replicationcontrollers", true, 0},
    {"", "v1", "persistentvolumes", "PersistentVolume", "persistentvolume", "PersistentVolumeList",
     false, LIST("pv"), NULL, FS, ST, "persistentvolumes", true, 0},
    {"", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", "persistentvolumeclaim",
     "PersistentVolumeClaimList", true, LIST("pvc"), NULL, FS, ST, "persistentvolumeclaims", true,
     0},
    {"", "v1", "resourcequotas", "ResourceQuota", "resourcequota", "ResourceQuotaList", true,
     LIST("quota"), NULL, FS, ST, "resourcequotas", true, 0},
    {"", "v1", "limitranges", "LimitRange", "limitrange", "LimitRangeList", true, LIST("limits"),
     NULL, FS, 0, "limitranges", false, 0},
    /* apps/v1 */
    {"apps", "v1", "deployments", "Deployment", "deployment", "DeploymentList", true,
     LIST("deploy"), ALL, FS, ST | SC, "deployments", true, 0},
    {"apps", "v1", "replicasets", "ReplicaSet", "replicaset", "ReplicaSetList", true, LIST("rs"),
     ALL, LIST(META, "status.replicas"), ST | SC, "replicasets", true, 0},
    {"apps", "v1", "statefulsets", "StatefulSet", "statefulset", "StatefulSetList", true,
     LIST("sts"), ALL, FS, ST | SC, "statefulsets", true, 0},
    {"apps", "v1", "daemonsets", "DaemonSet", "daemonset", "DaemonSetList", true, LIST("ds"), ALL,
     FS, ST, "daemonsets", true, 0},
    {"apps", "v1", "controllerrevisions", "ControllerRevision", "controllerrevision",
     "ControllerRevisionList", true, NULL, NULL, FS, 0, "controllerrevisions", false, 0},
    /* batch/v1 */
    {"batch", "v1", "jobs", "Job", "job", "JobList", true, NULL, ALL,
     LIST(META, "status.successful"), ST, "jobs", true, 0},
    {"batch", "v1", "cronjobs", "CronJob", "cronjob", "CronJobList", true, LIST("cj"), ALL, FS, ST,
     "cronjobs", true, 0},
    /* authentication.k8s.io/v1: create-only (tokens, issue 8) */
    {"authentication.k8s.io", "v1", "tokenreviews", "TokenReview", "tokenreview", "TokenReviewList",
     false, NULL, NULL, FS, 0, "tokenreviews", false, API_KIND_CREATE_ONLY},
    {"authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", "selfsubjectreview",
     "SelfSubjectReviewList", false, NULL, NULL, FS, 0, "selfsubjectreviews", false,
     API_KIND_CREATE_ONLY},
    /* coordination.k8s.io/v1 */
    {"coordination.k8s.io", "v1", "leases", "Lease", "lease", "LeaseList", true, NULL, NULL, FS, 0,
     "leases", false, 0},
    /* discovery.k8s.io/v1 */
    {"discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", "endpointslice",
     "EndpointSliceList", true, NULL, NULL, FS, 0, "endpointslices", false, 0},
    /* autoscaling: v2 is preferred; both versions share one storage location. */
    {"autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler",
     "horizontalpodautoscaler", "HorizontalPodAutoscalerList", true, LIST("hpa"), ALL, FS, ST,
     "horizontalpodautoscalers", true, 0},
    {"autoscaling", "v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler",
     "horizontalpodautoscaler", "HorizontalPodAutoscalerList", true, LIST("hpa"), ALL, FS, ST,
     "horizontalpodautoscalers", true, 0},
    /* networking.k8s.io/v1 */
    {"networking.k8s.io", "v1", "ingresses", "Ingress", "ingress", "IngressList", true, LIST("ing"),
     NULL, FS, ST, "ingresses", true, 0},
    {"networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", "networkpolicy",
     "NetworkPolicyList", true, LIST("netpol"), NULL, FS, 0, "networkpolicies", false, 0},
    /* storage.k8s.io/v1 */
    {"storage.k8s.io", "v1", "storageclasses", "StorageClass", "storageclass", "StorageClassList",
     false, LIST("sc"), NULL, FS, 0, "storageclasses", false, 0},
    /* rbac.authorization.k8s.io/v1 */
    {"rbac.authorization.k8s.io", "v1", "roles", "Role", "role", "RoleList", true, NULL, NULL, FS,
     0, "roles", false, 0},
    {"rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", "clusterrole",
     "ClusterRoleList", false, NULL, NULL, FS, 0, "clusterroles", false, 0},
    {"rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", "rolebinding",
     "RoleBindingList", true, NULL, NULL, FS, 0, "rolebindings", false, 0},
    {"rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding",
     "clusterrolebinding", "ClusterRoleBindingList", false, NULL, NULL, FS, 0,
     "clusterrolebindings", false, 0},
    /* authorization.k8s.io/v1: access reviews, create-only (never stored). */
    {"authorization.k8s.io", "v1", "subjectaccessreviews", "SubjectAccessReview",
     "subjectaccessreview", "SubjectAccessReviewList", false, NULL, NULL, FS, 0,
     "subjectaccessreviews", true, API_KIND_CREATE_ONLY},
    {"authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview",
     "selfsubjectaccessreview", "SelfSubjectAccessReviewList", false, NULL, NULL, FS, 0,
     "selfsubjectaccessreviews", true, API_KIND_CREATE_ONLY},
    {"authorization.k8s.io", "v1", "localsubjectaccessreviews", "LocalSubjectAccessReview",
     "localsubjectaccessreview", "LocalSubjectAccessReviewList", true, NULL, NULL, FS, 0,
     "localsubjectaccessreviews", true, API_KIND_CREATE_ONLY},
    {"authorization.k8s.io", "v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview",
     "selfsubjectrulesreview", "SelfSubjectRulesReviewList", false, NULL, NULL, FS, 0,
     "selfsubjectrulesreviews", true, API_KIND_CREATE_ONLY},
    /* certificates.k8s.io/v1: how nodes (and anyone allowed) get client and serving
     * certificates signed by the cluster CA. */
    {"certificates.k8s.io", "v1", "certificatesigningrequests", "CertificateSigningRequest",
     "certificatesigningrequest", "CertificateSigningRequestList", false, LIST("csr"), NULL,
     LIST(META, "spec.signerName"), ST | API_SUB_APPROVAL, "certificatesigningrequests", true, 0},
    /* policy/v1 */
    {"policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", "poddisruptionbudget",
     "PodDisruptionBudgetList", true, LIST("pdb"), NULL, FS, ST, "poddisruptionbudgets", true, 0},
    /* scheduling.k8s.io/v1 */
    {"scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", "priorityclass",
     "PriorityClassList", false, LIST("pc"), NULL, FS, 0, "priorityclasses", false, 0},
};

bool api_kind_stored(const api_kind_t *k)
{
    return k && !(k->flags & API_KIND_CREATE_ONLY);
}

size_t api_kinds_count(void)
{
    return C8S_ARRAY_SIZE(kinds);
}

const api_kind_t *api_kind_at(size_t i)
{
    return i < C8S_ARRAY_SIZE(kinds) ? &kinds[i] : NULL;
}

const api_kind_t *api_kind_lookup(const char *group, const char *version, const char *resource)
{
    if (!group || !version || !resource)
        return NULL;
    for (size_t i = 0; i < C8S_ARRAY_SIZE(kinds); i++)
        if (!strcmp(kinds[i].group, group) && !strcmp(kinds[i].version, version) &&
            !strcmp(kinds[i].resource, resource))
            return &kinds[i];
    return NULL;
}

const api_kind_t *api_kind_by_kind(const char *group, const char *version, const char *kind)
{
    if (!group || !version || !kind)
        return NULL;
    for (size_t i = 0; i < C8S_ARRAY_SIZE(kinds); i++)
        if (!strcmp(kinds[i].group, group) && !strcmp(kinds[i].version, version) &&
            !strcmp(kinds[i].kind, kind))
            return &kinds[i];
    return NULL;
}

static bool name_matches(const api_kind_t *k, const char *name, size_t len)
{
    const char *cands[] = {k->resource, k->singular, k->kind};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(cands); i++)
        if (strlen(cands[i]) == len && !strncasecmp(cands[i], name, len))
            return true;
    for (const char *const *s = k->short_names; s && *s; s++)
        if (strlen(*s) == len && !strncasecmp(*s, name, len))
            return true;
    return false;
}

const api_kind_t *api_kind_find(const char *name)
{
    if (!name || !*name)
        return NULL;
    /* Whole name first: "pods", "Deployment"; then "resource.group" ("deployments.apps"). */
    for (size_t i = 0; i < C8S_ARRAY_SIZE(kinds); i++)
        if (name_matches(&kinds[i], name, strlen(name)))
            return &kinds[i];
    const char *dot = strchr(name, '.');
    if (!dot)
        return NULL;
    for (size_t i = 0; i < C8S_ARRAY_SIZE(kinds); i++)
        if (!strcasecmp(kinds[i].group, dot + 1) &&
            name_matches(&kinds[i], name, (size_t)(dot - name)))
            return &kinds[i];
    return NULL;
}

const char *api_kind_api_version(const api_kind_t *k, char *buf, size_t len)
{
    if (!len)
        return buf;
    if (k->group[0])
        snprintf(buf, len, "%s/%s", k->group, k->version);
    else
        snprintf(buf, len, "%s", k->version);
    return buf;
}

bool api_kind_has_subresource(const api_kind_t *k, const char *sub)
{
    if (!k || !sub)
        return false;
    if (!strcmp(sub, "status"))
        return k->subresources & API_SUB_STATUS;
    if (!strcmp(sub, "scale"))
        return k->subresources & API_SUB_SCALE;
    if (!strcmp(sub, "binding"))
        return k->subresources & API_SUB_BINDING;
    if (!strcmp(sub, "approval"))
        return k->subresources & API_SUB_APPROVAL;
    if (!strcmp(sub, "eviction"))
        return k->subresources & API_SUB_EVICTION;
    return false;
}

bool api_kind_field_selectable(const api_kind_t *k, const char *field)
{
    if (!k || !field)
        return false;
    for (const char *const *f = k->field_selectors; f && *f; f++)
        if (!strcmp(*f, field))
            return true;
    return false;
}
