/* test_api_admission.c — the admission plugins over HTTP against a real etcd, with the
 * controllers running (the ResourceQuota controller fills quota status): DefaultTolerationSeconds,
 * NamespaceLifecycle, LimitRanger, ResourceQuota, PodSecurity, Priority, DefaultStorageClass. */
#include "harness.h"
#include "test.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static th_etcd_t etcd;
static th_server_t srv;

/* A request with a JSON body written with ' for "; returns the status, *out (owned, may be NULL)
 * the parsed answer. */
static long call(const char *method, const char *path, const char *body, json_t **out,
                 char **headers)
{
    char url[512];
    snprintf(url, sizeof url, "%s%s", srv.url, path);
    char *b = body ? strdup(body) : NULL;
    for (char *c = b; c && *c; c++)
        if (*c == '\'')
            *c = '"';
    th_resp_t resp = {0};
    long st = -1;
    const char *ct = !b                             ? NULL
                     : strcmp(method, "PATCH") == 0 ? "application/merge-patch+json"
                                                    : "application/json";
    if (th_http(method, url, ct, b, &resp) == 0) {
        st = resp.status;
        if (out)
            *out = resp.body ? json_loads(resp.body, 0, NULL) : NULL;
        if (headers) {
            *headers = resp.headers;
            resp.headers = NULL;
        }
    }
    th_resp_free(&resp);
    free(b);
    return st;
}

static const char *msg_of(const json_t *status)
{
    const char *m = json_string_value(json_object_get(status, "message"));
    return m ? m : "(none)";
}

static void make_ns(const char *name, const char *labels)
{
    char body[512];
    snprintf(body, sizeof body, "{'metadata':{'name':'%s','labels':%s}}", name,
             labels ? labels : "{}");
    CHECK_INT(call("POST", "/api/v1/namespaces", body, NULL, NULL), 201);
}

static long make_pod(const char *ns, const char *name, const char *extra_spec, json_t **out,
                     char **headers)
{
    char path[256], body[2048];
    snprintf(path, sizeof path, "/api/v1/namespaces/%s/pods", ns);
    snprintf(body, sizeof body,
             "{'metadata':{'name':'%s'},'spec':{%s%s'containers':[{'name':'c','image':'busybox'"
             "}]}}",
             name, extra_spec ? extra_spec : "", extra_spec ? "," : "");
    return call("POST", path, body, out, headers);
}

/* Quantity string at status.used[res] of a quota (owned copy) or NULL. */
static char *quota_used(const char *ns, const char *name, const char *res)
{
    char path[256];
    snprintf(path, sizeof path, "/api/v1/namespaces/%s/resourcequotas/%s", ns, name);
    json_t *q = NULL;
    char *v = NULL;
    if (call("GET", path, NULL, &q, NULL) == 200) {
        const char *s = json_string_value(
            json_object_get(json_object_get(json_object_get(q, "status"), "used"), res));
        v = s ? strdup(s) : NULL;
    }
    json_decref(q);
    return v;
}

/* Waits up to 20 s for status.used[res] == want. */
static bool wait_used(const char *ns, const char *name, const char *res, const char *want)
{
    for (int i = 0; i < 200; i++) {
        char *v = quota_used(ns, name, res);
        bool ok = v && !strcmp(v, want);
        free(v);
        if (ok)
            return true;
        usleep(100 * 1000);
    }
    return false;
}

static void test_default_toleration_seconds(void)
{
    json_t *pod = NULL;
    CHECK_INT(make_pod("default", "plain", NULL, &pod, NULL), 201);
    char *got = json_dumps(json_object_get(json_object_get(pod, "spec"), "tolerations"),
                           JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_MSG(got &&
                  strstr(got, "{\"effect\":\"NoExecute\",\"key\":\"node.kubernetes.io/"
                              "not-ready\",\"operator\":\"Exists\",\"tolerationSeconds\":300}") &&
                  strstr(got, "{\"effect\":\"NoExecute\",\"key\":\"node.kubernetes.io/"
                              "unreachable\",\"operator\":\"Exists\",\"tolerationSeconds\":300}"),
              "plain pod tolerations: %s", got);
    free(got);
    json_decref(pod);
    pod = NULL;
    CHECK_INT(make_pod("default", "own",
                       "'tolerations':[{'key':'node.kubernetes.io/not-ready','operator':'Exists',"
                       "'effect':'NoExecute','tolerationSeconds':7}]",
                       &pod, NULL),
              201);
    got = json_dumps(json_object_get(json_object_get(pod, "spec"), "tolerations"),
                     JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_MSG(got && strstr(got, "\"tolerationSeconds\":7") &&
                  !strstr(got, "not-ready\",\"operator\":\"Exists\",\"tolerationSeconds\":300"),
              "own toleration kept: %s", got);
    free(got);
    json_decref(pod);
}

static void test_namespace_lifecycle(void)
{
    json_t *st = NULL;
    CHECK_INT(make_pod("missing", "p", NULL, &st, NULL), 404);
    CHECK_STR(msg_of(st), "namespaces \"missing\" not found");
    json_decref(st);
    st = NULL;
    CHECK_INT(call("DELETE", "/api/v1/namespaces/kube-system", NULL, &st, NULL), 403);
    CHECK_STR(msg_of(st), "namespaces \"kube-system\" is forbidden: this namespace may not be "
                          "deleted");
    json_decref(st);
    /* A namespace being deleted takes no new content. */
    make_ns("doomed", NULL);
    CHECK_INT(call("POST", "/api/v1/namespaces/doomed/configmaps",
                   "{'metadata':{'name':'keep','finalizers':['test/hold']}}", NULL, NULL),
              201);
    CHECK_INT(call("DELETE", "/api/v1/namespaces/doomed", NULL, NULL, NULL), 200);
    st = NULL;
    CHECK_INT(make_pod("doomed", "late", NULL, &st, NULL), 403);
    CHECK_STR(msg_of(st), "unable to create new content in namespace doomed because it is being "
                          "terminated");
    json_decref(st);
}

static void test_limitranger(void)
{
    make_ns("lr", NULL);
    CHECK_INT(call("POST", "/api/v1/namespaces/lr/limitranges",
                   "{'metadata':{'name':'lr'},'spec':{'limits':[{'type':'Container','default':{"
                   "'cpu':'500m','memory':'128Mi'},'defaultRequest':{'cpu':'100m'},'max':{'cpu':"
                   "'1'}}]}}",
                   NULL, NULL),
              201);
    json_t *pod = NULL;
    CHECK_INT(make_pod("lr", "small", NULL, &pod, NULL), 201);
    json_t *res = json_object_get(
        json_array_get(json_object_get(json_object_get(pod, "spec"), "containers"), 0),
        "resources");
    char *got = json_dumps(res, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_STR(got, "{\"limits\":{\"cpu\":\"500m\",\"memory\":\"128Mi\"},\"requests\":{\"cpu\":"
                   "\"100m\",\"memory\":\"128Mi\"}}");
    free(got);
    json_decref(pod);
    json_t *st = NULL;
    char path[] = "/api/v1/namespaces/lr/pods";
    CHECK_INT(call("POST", path,
                   "{'metadata':{'name':'big'},'spec':{'containers':[{'name':'c','image':'b',"
                   "'resources':{'limits':{'cpu':'2'}}}]}}",
                   &st, NULL),
              403);
    CHECK_STR(msg_of(st), "pods \"big\" is forbidden: maximum cpu usage per Container is 1, but "
                          "limit is 2");
    json_decref(st);
}

static void test_resource_quota(void)
{
    make_ns("q", NULL);
    CHECK_INT(call("POST", "/api/v1/namespaces/q/resourcequotas",
                   "{'metadata':{'name':'q'},'spec':{'hard':{'pods':'2','configmaps':'5'}}}", NULL,
                   NULL),
              201);
    /* The controller publishes status.hard (admission refuses until it knows it) and counts
     * the configmap every namespace gets... none here: zero. */
    CHECK_MSG(wait_used("q", "q", "pods", "0"), "quota status filled in");
    CHECK_INT(make_pod("q", "p1", NULL, NULL, NULL), 201);
    /* Charged by admission itself, not later by the controller. */
    char *u = quota_used("q", "q", "pods");
    CHECK_STR(u, "1");
    free(u);
    CHECK_INT(make_pod("q", "p2", NULL, NULL, NULL), 201);
    json_t *st = NULL;
    CHECK_INT(make_pod("q", "p3", NULL, &st, NULL), 403);
    CHECK_STR(msg_of(st), "pods \"p3\" is forbidden: exceeded quota: q, requested: pods=1, used: "
                          "pods=2, limited: pods=2");
    json_decref(st);
    CHECK_INT(call("DELETE", "/api/v1/namespaces/q/pods/p1", NULL, NULL, NULL), 200);
    CHECK_MSG(wait_used("q", "q", "pods", "1"), "released on delete");
    CHECK_INT(make_pod("q", "p3", NULL, NULL, NULL), 201);

    /* Compute quotas want every container to say what it needs. */
    CHECK_INT(call("POST", "/api/v1/namespaces/q/resourcequotas",
                   "{'metadata':{'name':'cpu'},'spec':{'hard':{'requests.cpu':'1'}}}", NULL, NULL),
              201);
    CHECK_MSG(wait_used("q", "cpu", "requests.cpu", "0"), "cpu quota status");
    CHECK_INT(call("DELETE", "/api/v1/namespaces/q/pods/p2", NULL, NULL, NULL), 200);
    CHECK_MSG(wait_used("q", "q", "pods", "1"), "p2 released");
    st = NULL;
    CHECK_INT(make_pod("q", "nocpu", NULL, &st, NULL), 403);
    CHECK_STR(msg_of(st), "pods \"nocpu\" is forbidden: failed quota: cpu: must specify "
                          "requests.cpu for: c");
    json_decref(st);
    st = NULL;
    CHECK_INT(call("POST", "/api/v1/namespaces/q/pods",
                   "{'metadata':{'name':'hungry'},'spec':{'containers':[{'name':'c','image':'b',"
                   "'resources':{'requests':{'cpu':'1500m'}}}]}}",
                   &st, NULL),
              403);
    CHECK_STR(msg_of(st), "pods \"hungry\" is forbidden: exceeded quota: cpu, requested: "
                          "requests.cpu=1500m, used: requests.cpu=0, limited: requests.cpu=1");
    json_decref(st);
    CHECK_INT(call("POST", "/api/v1/namespaces/q/pods",
                   "{'metadata':{'name':'fits'},'spec':{'containers':[{'name':'c','image':'b',"
                   "'resources':{'requests':{'cpu':'600m'}}}]}}",
                   NULL, NULL),
              201);
    u = quota_used("q", "cpu", "requests.cpu");
    CHECK_STR(u, "600m");
    free(u);

    /* Updates are charged what they add: a service turned NodePort, a claim grown. */
    CHECK_INT(call("POST", "/api/v1/namespaces/q/resourcequotas",
                   "{'metadata':{'name':'svc'},'spec':{'hard':{'services.nodeports':'0',"
                   "'requests.storage':'2Gi'}}}",
                   NULL, NULL),
              201);
    CHECK_MSG(wait_used("q", "svc", "services.nodeports", "0"), "svc quota status");
    CHECK_INT(call("POST", "/api/v1/namespaces/q/services",
                   "{'metadata':{'name':'s'},'spec':{'ports':[{'port':80}]}}", NULL, NULL),
              201);
    st = NULL;
    CHECK_INT(
        call("PATCH", "/api/v1/namespaces/q/services/s", "{'spec':{'type':'NodePort'}}", &st, NULL),
        403);
    CHECK_STR(msg_of(st), "services \"s\" is forbidden: exceeded quota: svc, requested: "
                          "services.nodeports=1, used: services.nodeports=0, limited: "
                          "services.nodeports=0");
    json_decref(st);
    CHECK_INT(call("POST", "/api/v1/namespaces/q/persistentvolumeclaims",
                   "{'metadata':{'name':'c'},'spec':{'accessModes':['ReadWriteOnce'],"
                   "'storageClassName':'','resources':{'requests':{'storage':'1Gi'}}}}",
                   NULL, NULL),
              201);
    u = quota_used("q", "svc", "requests.storage");
    CHECK_STR(u, "1Gi");
    free(u);
    st = NULL;
    CHECK_INT(call("PATCH", "/api/v1/namespaces/q/persistentvolumeclaims/c",
                   "{'spec':{'resources':{'requests':{'storage':'3Gi'}}}}", &st, NULL),
              403);
    CHECK_STR(msg_of(st), "persistentvolumeclaims \"c\" is forbidden: exceeded quota: svc, "
                          "requested: requests.storage=2Gi, used: requests.storage=1Gi, limited: "
                          "requests.storage=2Gi");
    json_decref(st);
    /* An update that adds nothing is not charged (nor refused). */
    CHECK_INT(call("PATCH", "/api/v1/namespaces/q/services/s", "{'metadata':{'labels':{'a':'b'}}}",
                   NULL, NULL),
              200);
}

static void test_pod_security(void)
{
    make_ns("strict", "{'pod-security.kubernetes.io/enforce':'restricted'}");
    json_t *st = NULL;
    CHECK_INT(make_pod("strict", "priv", "'hostNetwork':true", &st, NULL), 403);
    CHECK_STR(msg_of(st),
              "pods \"priv\" is forbidden: violates PodSecurity \"restricted:latest\": "
              "allowPrivilegeEscalation != false (container \"c\" must set "
              "securityContext.allowPrivilegeEscalation=false), unrestricted capabilities "
              "(container \"c\" must set securityContext.capabilities.drop=[\"ALL\"]), host "
              "namespaces (hostNetwork=true), runAsNonRoot != true (pod or "
              "container \"c\" must set securityContext.runAsNonRoot=true), seccompProfile (pod "
              "or container \"c\" must set securityContext.seccompProfile.type to "
              "\"RuntimeDefault\" or \"Localhost\")");
    json_decref(st);
    CHECK_INT(call("POST", "/api/v1/namespaces/strict/pods",
                   "{'metadata':{'name':'good'},'spec':{'securityContext':{'runAsNonRoot':true,"
                   "'seccompProfile':{'type':'RuntimeDefault'}},'containers':[{'name':'c','image':"
                   "'b','securityContext':{'allowPrivilegeEscalation':false,'capabilities':{"
                   "'drop':['ALL']}}}]}}",
                   NULL, NULL),
              201);

    make_ns("warned", "{'pod-security.kubernetes.io/warn':'baseline'}");
    char *headers = NULL;
    CHECK_INT(call("POST", "/api/v1/namespaces/warned/pods",
                   "{'metadata':{'name':'priv'},'spec':{'containers':[{'name':'c','image':'b',"
                   "'securityContext':{'privileged':true}}]}}",
                   NULL, &headers),
              201);
    CHECK_MSG(headers &&
                  strstr(headers, "299 - \"would violate PodSecurity \\\"baseline:latest\\\": "
                                  "privileged (container \\\"c\\\" must not set "
                                  "securityContext.privileged=true)\""),
              "warning header: %s", headers);
    free(headers);
    /* A workload is not refused, even where its pods would be; its author is warned. */
    headers = NULL;
    CHECK_INT(call("POST", "/apis/apps/v1/namespaces/strict/deployments",
                   "{'metadata':{'name':'d'},'spec':{'selector':{'matchLabels':{'a':'b'}},"
                   "'template':{'metadata':{'labels':{'a':'b'}},'spec':{'hostPID':true,"
                   "'containers':[{'name':'c','image':'b','securityContext':{"
                   "'allowPrivilegeEscalation':false,'capabilities':{'drop':['ALL']}}}],"
                   "'securityContext':{'runAsNonRoot':true,'seccompProfile':{'type':"
                   "'RuntimeDefault'}}}}}}",
                   NULL, &headers),
              201);
    CHECK_MSG(headers && strstr(headers, "would violate PodSecurity \\\"restricted:latest\\\": "
                                         "host namespaces (hostPID=true)"),
              "deployment warning: %s", headers);
    free(headers);
}

static void test_priority(void)
{
    json_t *pc = NULL;
    for (int i = 0; i < 100; i++) {
        if (call("GET", "/apis/scheduling.k8s.io/v1/priorityclasses/system-node-critical", NULL,
                 &pc, NULL) == 200)
            break;
        json_decref(pc);
        pc = NULL;
        usleep(100 * 1000);
    }
    CHECK_INT(json_integer_value(json_object_get(pc, "value")), 2000001000);
    json_decref(pc);
    json_t *pod = NULL;
    CHECK_INT(
        make_pod("default", "crit", "'priorityClassName':'system-cluster-critical'", &pod, NULL),
        201);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(pod, "spec"), "priority")),
              2000000000);
    json_decref(pod);
    json_t *st = NULL;
    CHECK_INT(make_pod("default", "nope", "'priorityClassName':'nope'", &st, NULL), 403);
    CHECK_STR(msg_of(st), "pods \"nope\" is forbidden: no PriorityClass with name nope was found");
    json_decref(st);
    CHECK_INT(call("POST", "/apis/scheduling.k8s.io/v1/priorityclasses",
                   "{'metadata':{'name':'everyone'},'value':42,'globalDefault':true}", NULL, NULL),
              201);
    pod = NULL;
    /* The cache may trail the create by a moment. */
    for (int i = 0; i < 50; i++) {
        char name[32];
        snprintf(name, sizeof name, "dflt%d", i);
        json_decref(pod);
        pod = NULL;
        CHECK_INT(make_pod("default", name, NULL, &pod, NULL), 201);
        if (json_integer_value(json_object_get(json_object_get(pod, "spec"), "priority")) == 42)
            break;
        usleep(100 * 1000);
    }
    json_t *spec = json_object_get(pod, "spec");
    CHECK_INT(json_integer_value(json_object_get(spec, "priority")), 42);
    CHECK_STR(json_string_value(json_object_get(spec, "priorityClassName")), "everyone");
    json_decref(pod);
    CHECK_INT(
        call("DELETE", "/apis/scheduling.k8s.io/v1/priorityclasses/everyone", NULL, NULL, NULL),
        200);
}

static void test_default_storage_class(void)
{
    CHECK_INT(call("POST", "/apis/storage.k8s.io/v1/storageclasses",
                   "{'metadata':{'name':'std','annotations':{"
                   "'storageclass.kubernetes.io/is-default-class':'true'}},'provisioner':'x'}",
                   NULL, NULL),
              201);
    json_t *pvc = NULL;
    for (int i = 0; i < 50; i++) {
        char body[512];
        snprintf(body, sizeof body,
                 "{'metadata':{'name':'claim%d'},'spec':{'accessModes':['ReadWriteOnce'],"
                 "'resources':{'requests':{'storage':'1Gi'}}}}",
                 i);
        json_decref(pvc);
        pvc = NULL;
        CHECK_INT(
            call("POST", "/api/v1/namespaces/default/persistentvolumeclaims", body, &pvc, NULL),
            201);
        if (json_object_get(json_object_get(pvc, "spec"), "storageClassName"))
            break;
        usleep(100 * 1000);
    }
    CHECK_STR(json_string_value(json_object_get(json_object_get(pvc, "spec"), "storageClassName")),
              "std");
    json_decref(pvc);
    pvc = NULL;
    CHECK_INT(call("POST", "/api/v1/namespaces/default/persistentvolumeclaims",
                   "{'metadata':{'name':'noclass'},'spec':{'storageClassName':'','accessModes':["
                   "'ReadWriteOnce'],'resources':{'requests':{'storage':'1Gi'}}}}",
                   &pvc, NULL),
              201);
    CHECK_STR(json_string_value(json_object_get(json_object_get(pvc, "spec"), "storageClassName")),
              "");
    json_decref(pvc);
}

int main(void)
{
    REQUIRE(th_etcd_start(&etcd) == 0);
    /* ServiceAccount admission is test_api_tokens' subject; here pods are created in
     * namespaces a moment old, before the controller has made their default account. */
    /* No local-path class: the test makes its own default StorageClass. */
    static const char *const args[] = {"--disable-scheduler",
                                       "--disable-admission-plugins=ServiceAccount",
                                       "--disable-local-storage", NULL};
    if (th_server_start(&srv, etcd.url, args) != 0) {
        th_server_stop(&srv);
        th_etcd_stop(&etcd);
        REQUIRE(!"server started");
    }
    test_default_toleration_seconds();
    test_namespace_lifecycle();
    test_limitranger();
    test_resource_quota();
    test_pod_security();
    test_priority();
    test_default_storage_class();
    CHECK_INT(th_server_stop(&srv), 0);
    th_etcd_stop(&etcd);
    TEST_END();
}
