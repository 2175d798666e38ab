/* test_kinds.c — the registry: every kind once, with upstream's scope, names and subresources. */
#include "c8s/kinds.h"
#include "test.h"

#include <stdbool.h>
#include <string.h>

static bool has(const char *const *list, const char *s)
{
    for (; list && *list; list++)
        if (!strcmp(*list, s))
            return true;
    return false;
}

int main(void)
{
    static const struct {
        const char *group, *version, *resource, *kind;
        bool namespaced;
        const char *short_name; /* NULL: none */
        bool all;
        unsigned subs;
    } want[] = {
        {"", "v1", "namespaces", "Namespace", false, "ns", false, API_SUB_STATUS},
        {"", "v1", "pods", "Pod", true, "po", true,
         API_SUB_STATUS | API_SUB_BINDING | API_SUB_EVICTION},
        {"", "v1", "nodes", "Node", false, "no", false, API_SUB_STATUS},
        {"", "v1", "services", "Service", true, "svc", true, API_SUB_STATUS},
        {"", "v1", "endpoints", "Endpoints", true, "ep", false, 0},
        {"", "v1", "configmaps", "ConfigMap", true, "cm", false, 0},
        {"", "v1", "secrets", "Secret", true, NULL, false, 0},
        {"", "v1", "serviceaccounts", "ServiceAccount", true, "sa", false, API_SUB_TOKEN},
        {"", "v1", "events", "Event", true, "ev", false, 0},
        {"", "v1", "replicationcontrollers", "ReplicationController", true, "rc", true,
         API_SUB_STATUS | API_SUB_SCALE},
        {"", "v1", "persistentvolumes", "PersistentVolume", false, "pv", false, API_SUB_STATUS},
        {"", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, "pvc", false,
         API_SUB_STATUS},
        {"", "v1", "resourcequotas", "ResourceQuota", true, "quota", false, API_SUB_STATUS},
        {"", "v1", "limitranges", "LimitRange", true, "limits", false, 0},
        {"apps", "v1", "deployments", "Deployment", true, "deploy", true,
         API_SUB_STATUS | API_SUB_SCALE},
        {"apps", "v1", "replicasets", "ReplicaSet", true, "rs", true,
         API_SUB_STATUS | API_SUB_SCALE},
        {"apps", "v1", "statefulsets", "StatefulSet", true, "sts", true,
         API_SUB_STATUS | API_SUB_SCALE},
        {"apps", "v1", "daemonsets", "DaemonSet", true, "ds", true, API_SUB_STATUS},
        {"apps", "v1", "controllerrevisions", "ControllerRevision", true, NULL, false, 0},
        {"batch", "v1", "jobs", "Job", true, NULL, true, API_SUB_STATUS},
        {"batch", "v1", "cronjobs", "CronJob", true, "cj", true, API_SUB_STATUS},
        {"authentication.k8s.io", "v1", "tokenreviews", "TokenReview", false, NULL, false, 0},
        {"authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", false, NULL,
         false, 0},
        {"coordination.k8s.io", "v1", "leases", "Lease", true, NULL, false, 0},
        {"discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true, NULL, false, 0},
        {"autoscaling", "v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, "hpa",
         true, API_SUB_STATUS},
        {"autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, "hpa",
         true, API_SUB_STATUS},
        {"networking.k8s.io", "v1", "ingresses", "Ingress", true, "ing", false, API_SUB_STATUS},
        {"networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true, "netpol", false, 0},
        {"storage.k8s.io", "v1", "storageclasses", "StorageClass", false, "sc", false, 0},
        {"rbac.authorization.k8s.io", "v1", "roles", "Role", true, NULL, false, 0},
        {"rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false, NULL, false, 0},
        {"rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true, NULL, false, 0},
        {"rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false,
         NULL, false, 0},
        {"scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", false, "pc", false, 0},
        {"policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, "pdb", false,
         API_SUB_STATUS},
        {"authorization.k8s.io", "v1", "subjectaccessreviews", "SubjectAccessReview", false, NULL,
         false, 0},
        {"authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", false,
         NULL, false, 0},
        {"authorization.k8s.io", "v1", "localsubjectaccessreviews", "LocalSubjectAccessReview",
         true, NULL, false, 0},
        {"authorization.k8s.io", "v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview", false,
         NULL, false, 0},
        {"certificates.k8s.io", "v1", "certificatesigningrequests", "CertificateSigningRequest",
         false, "csr", false, API_SUB_STATUS | API_SUB_APPROVAL},
    };
    CHECK_INT(api_kinds_count(), C8S_ARRAY_SIZE(want));
    for (size_t i = 0; i < C8S_ARRAY_SIZE(want); i++) {
        const api_kind_t *k = api_kind_lookup(want[i].group, want[i].version, want[i].resource);
        CHECK_MSG(k != NULL, "%s/%s %s missing", want[i].group, want[i].version, want[i].resource);
        if (!k)
            continue;
        int seen = 0;
        for (size_t j = 0; j < api_kinds_count(); j++)
            seen += api_kind_at(j) == k;
        CHECK_INT(seen, 1);
        CHECK_STR(k->kind, want[i].kind);
        CHECK_MSG(k->namespaced == want[i].namespaced, "%s scope", k->resource);
        CHECK_MSG(k->subresources == want[i].subs, "%s subresources %u", k->resource,
                  k->subresources);
        CHECK_MSG(has(k->categories, "all") == want[i].all, "%s category all", k->resource);
        if (want[i].short_name)
            CHECK_MSG(has(k->short_names, want[i].short_name), "%s short name", k->resource);
        else
            CHECK_MSG(k->short_names == NULL, "%s has no short names", k->resource);
        CHECK(api_kind_by_kind(want[i].group, want[i].version, want[i].kind) == k);
        CHECK(k->storage_resource && k->field_selectors);
        CHECK(has(k->field_selectors, "metadata.name"));
        CHECK(has(k->field_selectors, "metadata.namespace"));
        char list[128];
        snprintf(list, sizeof(list), "%sList", k->kind);
        CHECK_STR(k->list_kind, list);
    }
    /* Both HPA versions share one storage location. */
    CHECK_STR(api_kind_lookup("autoscaling", "v1", "horizontalpodautoscalers")->storage_resource,
              api_kind_lookup("autoscaling", "v2", "horizontalpodautoscalers")->storage_resource);

    static const struct {
        const char *name, *group, *resource;
    } finds[] = {
        {"pods", "", "pods"},
        {"pod", "", "pods"},
        {"po", "", "pods"},
        {"Pod", "", "pods"},
        {"PODS", "", "pods"},
        {"deploy", "apps", "deployments"},
        {"deployments.apps", "apps", "deployments"},
        {"deployment.apps", "apps", "deployments"},
        {"Deployment", "apps", "deployments"},
        {"svc", "", "services"},
        {"hpa", "autoscaling", "horizontalpodautoscalers"},
        {"cj", "batch", "cronjobs"},
        {"jobs.batch", "batch", "jobs"},
        {"netpol", "networking.k8s.io", "networkpolicies"},
        {"ingresses.networking.k8s.io", "networking.k8s.io", "ingresses"},
        {"clusterrolebindings", "rbac.authorization.k8s.io", "clusterrolebindings"},
        {"quota", "", "resourcequotas"},
        {"limits", "", "limitranges"},
        {"pc", "scheduling.k8s.io", "priorityclasses"},
        {"ep", "", "endpoints"},
    };
    for (size_t i = 0; i < C8S_ARRAY_SIZE(finds); i++) {
        const api_kind_t *k = api_kind_find(finds[i].name);
        CHECK_MSG(k != NULL, "find %s", finds[i].name);
        if (!k)
            continue;
        CHECK_STR(k->group, finds[i].group);
        CHECK_STR(k->resource, finds[i].resource);
    }
    CHECK_STR(api_kind_find("hpa")->version, "v2"); /* preferred version */
    CHECK(api_kind_find("nosuch") == NULL);
    CHECK(api_kind_find("pods.apps") == NULL);
    CHECK(api_kind_find("") == NULL);
    CHECK(api_kind_lookup("apps", "v1", "pods") == NULL);
    CHECK(api_kind_by_kind("", "v1", "Deployment") == NULL);

    char buf[64];
    CHECK_STR(api_kind_api_version(api_kind_find("deploy"), buf, sizeof(buf)), "apps/v1");
    CHECK_STR(api_kind_api_version(api_kind_find("po"), buf, sizeof(buf)), "v1");

    const api_kind_t *pods = api_kind_find("pods");
    CHECK(api_kind_has_subresource(pods, "status"));
    CHECK(api_kind_has_subresource(pods, "binding"));
    CHECK(!api_kind_has_subresource(pods, "scale"));
    CHECK(api_kind_has_subresource(api_kind_find("rs"), "scale"));
    CHECK(!api_kind_has_subresource(api_kind_find("cm"), "status"));
    CHECK(api_kind_field_selectable(pods, "spec.nodeName"));
    CHECK(api_kind_field_selectable(pods, "status.phase"));
    CHECK(!api_kind_field_selectable(pods, "spec.containers"));
    CHECK(api_kind_field_selectable(api_kind_find("ev"), "involvedObject.uid"));
    CHECK(api_kind_field_selectable(api_kind_find("secrets"), "type"));
    CHECK(api_kind_field_selectable(api_kind_find("no"), "spec.unschedulable"));
    CHECK(api_kind_field_selectable(api_kind_find("cm"), "metadata.name"));
    CHECK(!api_kind_field_selectable(api_kind_find("cm"), "data"));
    TEST_END();
}
