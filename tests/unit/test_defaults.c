/* test_defaults.c — defaulting fills what upstream's defaulters fill and keeps what users set. */
#include "c8s/kinds.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

/* Defaults obj (JSON text) as kind `resource` of group/version and returns it (owned). */
static json_t *defaulted(const char *group, const char *version, const char *resource,
                         const char *text)
{
    json_error_t jerr;
    json_t *obj = json_loads(text, 0, &jerr);
    if (!obj) {
        fprintf(stderr, "bad test JSON: %s: %s\n", jerr.text, text);
        abort();
    }
    c8s_err_t err = C8S_ERR_INIT;
    const api_kind_t *k = api_kind_lookup(group, version, resource);
    if (!k || api_object_default(k, obj, &err) != 0)
        abort();
    return obj;
}

/* The value at a dotted path ("spec.containers.0.name"), as compact JSON text. */
static char *at(const json_t *obj, const char *path)
{
    char *copy = xstrdup(path), *save = NULL;
    const json_t *v = obj;
    for (char *tok = strtok_r(copy, ".", &save); tok && v; tok = strtok_r(NULL, ".", &save))
        v = json_is_array(v) ? json_array_get(v, strtoul(tok, NULL, 10)) : json_object_get(v, tok);
    free(copy);
    if (!v)
        return xstrdup("<absent>");
    return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
}

typedef struct {
    const char *path, *want;
} expect_t;

static void check_all(const json_t *obj, const expect_t *e, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        char *got = at(obj, e[i].path);
        CHECK_MSG(!strcmp(got, e[i].want), "%s: %s = %s, want %s", what, e[i].path, got, e[i].want);
        free(got);
    }
}

#define CHECK_ALL(obj, e, what) check_all(obj, e, C8S_ARRAY_SIZE(e), what)

int main(void)
{
    /* Pod: spec and container defaults. */
    json_t *pod = defaulted(
        "", "v1", "pods",
        "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":["
        "{\"name\":\"a\",\"image\":\"nginx\",\"ports\":[{\"containerPort\":80}],"
        "\"resources\":{\"limits\":{\"cpu\":\"1\",\"memory\":\"1Gi\"},\"requests\":{\"cpu\":"
        "\"500m\"}},\"livenessProbe\":{\"httpGet\":{\"port\":80}},"
        "\"env\":[{\"name\":\"N\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"metadata.name\"}}}]}"
        ","
        "{\"name\":\"b\",\"image\":\"busybox:1.36\",\"imagePullPolicy\":\"Never\"},"
        "{\"name\":\"c\",\"image\":\"reg:5000/x/busybox:latest\"},"
        "{\"name\":\"d\",\"image\":\"busybox@sha256:abc\"}],"
        "\"volumes\":[{\"name\":\"v\"},{\"name\":\"s\",\"secret\":{\"secretName\":\"x\"}}],"
        "\"restartPolicy\":\"Never\"}}");
    static const expect_t pod_want[] = {
        {"spec.restartPolicy", "\"Never\""},
        {"spec.dnsPolicy", "\"ClusterFirst\""},
        {"spec.terminationGracePeriodSeconds", "30"},
        {"spec.schedulerName", "\"default-scheduler\""},
        {"spec.securityContext", "{}"},
        {"spec.enableServiceLinks", "true"},
        {"spec.priority", "0"},
        {"spec.containers.0.imagePullPolicy", "\"Always\""},
        {"spec.containers.1.imagePullPolicy", "\"Never\""},
        {"spec.containers.2.imagePullPolicy", "\"Always\""},
        {"spec.containers.3.imagePullPolicy", "\"IfNotPresent\""},
        {"spec.containers.0.terminationMessagePath", "\"/dev/termination-log\""},
        {"spec.containers.0.terminationMessagePolicy", "\"File\""},
        {"spec.containers.0.ports.0.protocol", "\"TCP\""},
        {"spec.containers.0.resources.requests", "{\"cpu\":\"500m\",\"memory\":\"1Gi\"}"},
        {"spec.containers.1.resources", "{}"},
        {"spec.containers.0.livenessProbe.timeoutSeconds", "1"},
        {"spec.containers.0.livenessProbe.periodSeconds", "10"},
        {"spec.containers.0.livenessProbe.successThreshold", "1"},
        {"spec.containers.0.livenessProbe.failureThreshold", "3"},
        {"spec.containers.0.livenessProbe.httpGet.path", "\"/\""},
        {"spec.containers.0.livenessProbe.httpGet.scheme", "\"HTTP\""},
        {"spec.containers.0.env.0.valueFrom.fieldRef.apiVersion", "\"v1\""},
        {"spec.volumes.0.emptyDir", "{}"},
        {"spec.volumes.1.secret.defaultMode", "420"},
        {"spec.volumes.1.emptyDir", "<absent>"},
    };
    CHECK_ALL(pod, pod_want, "pod");
    /* Defaulting twice changes nothing. */
    json_t *again = json_deep_copy(pod);
    c8s_err_t err = C8S_ERR_INIT;
    CHECK_INT(api_object_default(api_kind_find("pods"), again, &err), 0);
    CHECK(json_equal(pod, again));
    json_decref(again);
    json_decref(pod);

    /* A value that is not an object cannot be defaulted. */
    json_t *arr = json_array();
    CHECK_INT(api_object_default(api_kind_find("pods"), arr, &err), C8S_EBADREQUEST);
    c8s_err_clear(&err);
    json_decref(arr);

    /* Deployment: workload defaults plus pod defaults in the template. */
    json_t *d = defaulted("apps", "v1", "deployments",
                          "{\"spec\":{\"selector\":{\"matchLabels\":{\"a\":\"b\"}},"
                          "\"template\":{\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{"
                          "\"containers\":[{\"name\":\"c\",\"image\":\"nginx:1.25\"}]}}}}");
    static const expect_t d_want[] = {
        {"spec.replicas", "1"},
        {"spec.strategy.type", "\"RollingUpdate\""},
        {"spec.strategy.rollingUpdate.maxUnavailable", "\"25%\""},
        {"spec.strategy.rollingUpdate.maxSurge", "\"25%\""},
        {"spec.revisionHistoryLimit", "10"},
        {"spec.progressDeadlineSeconds", "600"},
        {"spec.template.spec.restartPolicy", "\"Always\""},
        {"spec.template.spec.containers.0.imagePullPolicy", "\"IfNotPresent\""},
    };
    CHECK_ALL(d, d_want, "deployment");
    json_decref(d);
    /* Existing values kept; Recreate gets no rollingUpdate. */
    d = defaulted("apps", "v1", "deployments",
                  "{\"spec\":{\"replicas\":0,\"strategy\":{\"type\":\"Recreate\"},"
                  "\"revisionHistoryLimit\":2}}");
    static const expect_t d2_want[] = {
        {"spec.replicas", "0"},
        {"spec.strategy", "{\"type\":\"Recreate\"}"},
        {"spec.revisionHistoryLimit", "2"},
    };
    CHECK_ALL(d, d2_want, "deployment kept");
    json_decref(d);

    json_t *rc = defaulted("", "v1", "replicationcontrollers",
                           "{\"spec\":{\"template\":{\"metadata\":{\"labels\":{\"app\":\"x\"}},"
                           "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}}}");
    static const expect_t rc_want[] = {
        {"spec.replicas", "1"},
        {"spec.selector", "{\"app\":\"x\"}"},
        {"metadata.labels", "{\"app\":\"x\"}"},
    };
    CHECK_ALL(rc, rc_want, "rc");
    json_decref(rc);

    json_t *sts = defaulted("apps", "v1", "statefulsets",
                            "{\"spec\":{\"volumeClaimTemplates\":[{\"spec\":{}}]}}");
    static const expect_t sts_want[] = {
        {"spec.replicas", "1"},
        {"spec.podManagementPolicy", "\"OrderedReady\""},
        {"spec.updateStrategy.type", "\"RollingUpdate\""},
        {"spec.updateStrategy.rollingUpdate.partition", "0"},
        {"spec.revisionHistoryLimit", "10"},
        {"spec.volumeClaimTemplates.0.spec.volumeMode", "\"Filesystem\""},
    };
    CHECK_ALL(sts, sts_want, "statefulset");
    json_decref(sts);

    json_t *ds = defaulted("apps", "v1", "daemonsets", "{}");
    static const expect_t ds_want[] = {
        {"spec.updateStrategy.type", "\"RollingUpdate\""},
        {"spec.updateStrategy.rollingUpdate.maxUnavailable", "1"},
        {"spec.updateStrategy.rollingUpdate.maxSurge", "0"},
        {"spec.revisionHistoryLimit", "10"},
    };
    CHECK_ALL(ds, ds_want, "daemonset");
    json_decref(ds);

    json_t *job = defaulted("batch", "v1", "jobs",
                            "{\"spec\":{\"template\":{\"spec\":{\"restartPolicy\":\"Never\","
                            "\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}}}");
    static const expect_t job_want[] = {
        {"spec.parallelism", "1"},
        {"spec.completions", "1"},
        {"spec.backoffLimit", "6"},
        {"spec.completionMode", "\"NonIndexed\""},
        {"spec.suspend", "false"},
        {"spec.template.spec.restartPolicy", "\"Never\""},
        {"spec.template.spec.dnsPolicy", "\"ClusterFirst\""},
    };
    CHECK_ALL(job, job_want, "job");
    json_decref(job);
    /* A work queue (parallelism only) keeps completions unset. */
    job = defaulted("batch", "v1", "jobs", "{\"spec\":{\"parallelism\":3}}");
    static const expect_t wq_want[] = {{"spec.parallelism", "3"}, {"spec.completions", "<absent>"}};
    CHECK_ALL(job, wq_want, "job work queue");
    json_decref(job);
    /* A per-index limit lifts the global one; a pod failure policy waits for terminal pods. */
    job = defaulted("batch", "v1", "jobs",
                    "{\"spec\":{\"completionMode\":\"Indexed\",\"completions\":3,"
                    "\"backoffLimitPerIndex\":1,\"podFailurePolicy\":{\"rules\":[]}}}");
    static const expect_t pi_want[] = {{"spec.backoffLimit", "2147483647"},
                                       {"spec.podReplacementPolicy", "\"Failed\""}};
    CHECK_ALL(job, pi_want, "job per index");
    json_decref(job);
    job = defaulted("batch", "v1", "jobs", "{\"spec\":{\"parallelism\":3}}");
    static const expect_t rp_want[] = {{"spec.podReplacementPolicy", "\"TerminatingOrFailed\""}};
    CHECK_ALL(job, rp_want, "job replacement");
    json_decref(job);

    json_t *cj = defaulted("batch", "v1", "cronjobs",
                           "{\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":{"
                           "\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}}}}}");
    static const expect_t cj_want[] = {
        {"spec.concurrencyPolicy", "\"Allow\""},
        {"spec.suspend", "false"},
        {"spec.successfulJobsHistoryLimit", "3"},
        {"spec.failedJobsHistoryLimit", "1"},
        {"spec.jobTemplate.spec.template.spec.terminationGracePeriodSeconds", "30"},
        {"spec.jobTemplate.spec.backoffLimit", "<absent>"},
    };
    CHECK_ALL(cj, cj_want, "cronjob");
    json_decref(cj);

    json_t *svc = defaulted("", "v1", "services",
                            "{\"spec\":{\"ports\":[{\"port\":80},{\"port\":443,\"targetPort\":"
                            "\"https\",\"protocol\":\"UDP\"}]}}");
    static const expect_t svc_want[] = {
        {"spec.type", "\"ClusterIP\""},
        {"spec.sessionAffinity", "\"None\""},
        {"spec.ports.0.protocol", "\"TCP\""},
        {"spec.ports.0.targetPort", "80"},
        {"spec.ports.1.targetPort", "\"https\""},
        {"spec.ports.1.protocol", "\"UDP\""},
        {"spec.internalTrafficPolicy", "\"Cluster\""},
        {"spec.externalTrafficPolicy", "<absent>"},
        {"spec.ipFamilies", "[\"IPv4\"]"},
        {"spec.ipFamilyPolicy", "\"SingleStack\""},
    };
    CHECK_ALL(svc, svc_want, "service");
    json_decref(svc);
    svc = defaulted("", "v1", "services",
                    "{\"spec\":{\"type\":\"NodePort\",\"ports\":[{\"port\":80}]}}");
    static const expect_t np_want[] = {{"spec.externalTrafficPolicy", "\"Cluster\""}};
    CHECK_ALL(svc, np_want, "nodeport service");
    json_decref(svc);

    json_t *ns = defaulted("", "v1", "namespaces", "{\"metadata\":{\"name\":\"x\"}}");
    static const expect_t ns_want[] = {{"spec.finalizers", "[\"kubernetes\"]"},
                                       {"status.phase", "\"Active\""}};
    CHECK_ALL(ns, ns_want, "namespace");
    json_decref(ns);

    json_t *sec = defaulted("", "v1", "secrets", "{}");
    static const expect_t sec_want[] = {{"type", "\"Opaque\""}};
    CHECK_ALL(sec, sec_want, "secret");
    json_decref(sec);
    sec = defaulted("", "v1", "secrets", "{\"type\":\"kubernetes.io/tls\"}");
    static const expect_t tls_want[] = {{"type", "\"kubernetes.io/tls\""}};
    CHECK_ALL(sec, tls_want, "tls secret");
    json_decref(sec);

    json_t *pvc = defaulted("", "v1", "persistentvolumeclaims", "{\"spec\":{}}");
    static const expect_t pvc_want[] = {{"spec.volumeMode", "\"Filesystem\""}};
    CHECK_ALL(pvc, pvc_want, "pvc");
    json_decref(pvc);
    json_t *pv = defaulted("", "v1", "persistentvolumes", "{\"spec\":{}}");
    static const expect_t pv_want[] = {{"spec.persistentVolumeReclaimPolicy", "\"Retain\""}};
    CHECK_ALL(pv, pv_want, "pv");
    json_decref(pv);

    json_t *hpa = defaulted("autoscaling", "v2", "horizontalpodautoscalers", "{\"spec\":{}}");
    static const expect_t hpa_want[] = {
        {"spec.minReplicas", "1"},
        {"spec.metrics.0.resource.name", "\"cpu\""},
        {"spec.metrics.0.resource.target.averageUtilization", "80"},
    };
    CHECK_ALL(hpa, hpa_want, "hpa v2");
    json_decref(hpa);
    hpa = defaulted("autoscaling", "v1", "horizontalpodautoscalers", "{\"spec\":{}}");
    static const expect_t hpa1_want[] = {{"spec.minReplicas", "1"}, {"spec.metrics", "<absent>"}};
    CHECK_ALL(hpa, hpa1_want, "hpa v1");
    json_decref(hpa);

    json_t *lr = defaulted("", "v1", "limitranges",
                           "{\"spec\":{\"limits\":[{\"type\":\"Container\",\"max\":{\"cpu\":\"2\"},"
                           "\"min\":{\"memory\":\"1Mi\"}}]}}");
    static const expect_t lr_want[] = {
        {"spec.limits.0.default", "{\"cpu\":\"2\"}"},
        {"spec.limits.0.defaultRequest", "{\"cpu\":\"2\",\"memory\":\"1Mi\"}"},
    };
    CHECK_ALL(lr, lr_want, "limitrange");
    json_decref(lr);

    json_t *rb = defaulted("rbac.authorization.k8s.io", "v1", "rolebindings",
                           "{\"subjects\":[{\"kind\":\"User\",\"name\":\"u\"}]}");
    static const expect_t rb_want[] = {{"subjects.0.apiGroup", "\"rbac.authorization.k8s.io\""}};
    CHECK_ALL(rb, rb_want, "rolebinding");
    json_decref(rb);
    TEST_END();
}
