/* test_admission.c — the pure admission decisions give upstream's results and messages. */
#include "c8s/admission.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

/* JSON with ' for " (the tables read better). */
static json_t *load(const char *text)
{
    json_error_t jerr;
    char *t = strdup(text);
    for (char *c = t; *c; c++)
        if (*c == '\'')
            *c = '"';
    json_t *v = json_loads(t, 0, &jerr);
    free(t);
    if (!v) {
        fprintf(stderr, "bad test JSON: %s: %s\n", jerr.text, text);
        abort();
    }
    return v;
}

/* Defaults a pod and returns its tolerations as compact JSON (owned). */
static char *tolerations_of(const char *pod_text)
{
    json_t *pod = load(pod_text);
    c8s_err_t err = C8S_ERR_INIT;
    CHECK(admission_default_tolerations(pod, &err) == 0);
    char *s = json_dumps(json_object_get(json_object_get(pod, "spec"), "tolerations"),
                         JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(pod);
    return s;
}

static void test_default_tolerations(void)
{
    static const struct {
        const char *pod, *want;
    } cases[] = {
        {"{\"spec\":{}}",
         "[{\"effect\":\"NoExecute\",\"key\":\"node.kubernetes.io/not-ready\",\"operator\":"
         "\"Exists\",\"tolerationSeconds\":300},{\"effect\":\"NoExecute\",\"key\":\"node."
         "kubernetes.io/unreachable\",\"operator\":\"Exists\",\"tolerationSeconds\":300}]"},
        /* a user's own toleration for one taint is kept, the other is added */
        {"{\"spec\":{\"tolerations\":[{\"key\":\"node.kubernetes.io/not-ready\",\"operator\":"
         "\"Exists\",\"effect\":\"NoExecute\",\"tolerationSeconds\":5}]}}",
         "[{\"effect\":\"NoExecute\",\"key\":\"node.kubernetes.io/not-ready\",\"operator\":"
         "\"Exists\",\"tolerationSeconds\":5},{\"effect\":\"NoExecute\",\"key\":\"node."
         "kubernetes.io/unreachable\",\"operator\":\"Exists\",\"tolerationSeconds\":300}]"},
        /* tolerate-everything already covers both */
        {"{\"spec\":{\"tolerations\":[{\"operator\":\"Exists\"}]}}", "[{\"operator\":\"Exists\"}]"},
        /* a NoSchedule toleration of the same key does not cover NoExecute */
        {"{\"spec\":{\"tolerations\":[{\"key\":\"node.kubernetes.io/unreachable\",\"operator\":"
         "\"Exists\",\"effect\":\"NoSchedule\"}]}}",
         "[{\"effect\":\"NoSchedule\",\"key\":\"node.kubernetes.io/unreachable\",\"operator\":"
         "\"Exists\"},{\"effect\":\"NoExecute\",\"key\":\"node.kubernetes.io/not-ready\","
         "\"operator\":\"Exists\",\"tolerationSeconds\":300},{\"effect\":\"NoExecute\",\"key\":"
         "\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\",\"tolerationSeconds\":300}]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = tolerations_of(cases[i].pod);
        CHECK_MSG(got && !strcmp(got, cases[i].want), "case %zu: got %s", i, got);
        free(got);
    }
    json_t *bad = load("{\"spec\":{\"tolerations\":7}}");
    c8s_err_t err = C8S_ERR_INIT;
    CHECK(admission_default_tolerations(bad, &err) == C8S_EINVALID);
    json_decref(bad);
}

static void test_namespace_lifecycle(void)
{
    c8s_err_t err = C8S_ERR_INIT;
    CHECK(admission_namespace_create("gone", NULL, &err) == C8S_ENOTFOUND);
    CHECK(!strcmp(err.msg, "namespaces \"gone\" not found"));

    json_t *live = load("{\"metadata\":{\"name\":\"a\"},\"status\":{\"phase\":\"Active\"}}");
    CHECK(admission_namespace_create("a", live, &err) == 0);
    json_decref(live);

    json_t *term = load("{\"metadata\":{\"name\":\"t\"},\"status\":{\"phase\":\"Terminating\"}}");
    CHECK(admission_namespace_create("t", term, &err) == C8S_EFORBIDDEN);
    CHECK(!strcmp(err.msg, "unable to create new content in namespace t because it is being "
                           "terminated"));
    json_decref(term);

    const char *immortal[] = {"default", "kube-system", "kube-public"};
    for (size_t i = 0; i < 3; i++)
        CHECK(admission_namespace_delete(immortal[i], &err) == C8S_EFORBIDDEN);
    CHECK(!strcmp(err.msg, "namespaces \"kube-public\" is forbidden: this namespace may not be "
                           "deleted"));
    CHECK(admission_namespace_delete("mine", &err) == 0);
}

/* ---- LimitRanger ---- */

static const char *const LR =
    "[{'metadata':{'name':'lr'},'spec':{'limits':[{'type':'Container',"
    "'default':{'cpu':'500m','memory':'256Mi'},'defaultRequest':{'cpu':'100m'},"
    "'max':{'cpu':'1'},'min':{'cpu':'50m'},'maxLimitRequestRatio':{'cpu':'10'}},"
    "{'type':'Pod','max':{'memory':'1Gi'}},"
    "{'type':'PersistentVolumeClaim','min':{'storage':'1Gi'},'max':{'storage':'5Gi'}}]}}]";

static void test_limitranger(void)
{
    static const struct {
        const char *pod;
        int code;
        const char *want; /* error message, or the resources of container c after defaulting */
    } cases[] = {
        /* defaults fill what is missing, and the annotation says what */
        {"{'metadata':{'name':'p'},'spec':{'containers':[{'name':'c'}]}}", 0,
         "{'limits':{'cpu':'500m','memory':'256Mi'},'requests':{'cpu':'100m'}}"},
        /* a container's own values are kept */
        {"{'metadata':{'name':'p'},'spec':{'containers':[{'name':'c','resources':{'limits':"
         "{'cpu':'800m','memory':'64Mi'},'requests':{'cpu':'200m'}}}]}}",
         0, "{'limits':{'cpu':'800m','memory':'64Mi'},'requests':{'cpu':'200m'}}"},
        {"{'metadata':{'name':'p'},'spec':{'containers':[{'name':'c','resources':{'limits':"
         "{'cpu':'2'},'requests':{'cpu':'2'}}}]}}",
         C8S_EFORBIDDEN, "maximum cpu usage per Container is 1, but limit is 2"},
        {"{'metadata':{'name':'p'},'spec':{'containers':[{'name':'c','resources':{'requests':"
         "{'cpu':'10m'}}}]}}",
         C8S_EFORBIDDEN,
         "[minimum cpu usage per Container is 50m, but request is 10m, cpu max limit to request "
         "ratio per Container is 10, but provided ratio is 50.000000]"},
        {"{'metadata':{'name':'p'},'spec':{'containers':[{'name':'c','resources':{'limits':"
         "{'memory':'700Mi'}}},{'name':'d','resources':{'limits':{'memory':'700Mi'}}}]}}",
         C8S_EFORBIDDEN, "maximum memory usage per Pod is 1Gi, but limit is 1400Mi"},
    };
    json_t *ranges = load(LR);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *pod = load(cases[i].pod);
        c8s_err_t err = C8S_ERR_INIT;
        int rc = admission_limitrange_pod(pod, ranges, &err);
        CHECK_MSG(rc == cases[i].code, "case %zu: rc %d (%s)", i, rc, err.msg);
        if (rc != 0) {
            CHECK_MSG(!strcmp(err.msg, cases[i].want), "case %zu: %s", i, err.msg);
        } else {
            json_t *want = load(cases[i].want);
            json_t *got = json_object_get(
                json_array_get(json_object_get(json_object_get(pod, "spec"), "containers"), 0),
                "resources");
            char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
            CHECK_MSG(json_equal(got, want), "case %zu: %s", i, g);
            free(g);
            json_decref(want);
        }
        c8s_err_clear(&err);
        if (i == 0) {
            const char *ann = json_string_value(
                json_object_get(json_object_get(json_object_get(pod, "metadata"), "annotations"),
                                "kubernetes.io/limit-ranger"));
            CHECK_STR(ann, "LimitRanger plugin set: cpu request for container c; cpu, memory "
                           "limit for container c");
        }
        json_decref(pod);
    }
    json_t *pvc = load("{'spec':{'resources':{'requests':{'storage':'500Mi'}}}}");
    c8s_err_t err = C8S_ERR_INIT;
    CHECK(admission_limitrange_pvc(pvc, ranges, &err) == C8S_EFORBIDDEN);
    CHECK_STR(err.msg, "minimum storage usage per PersistentVolumeClaim is 1Gi, but request is "
                       "500Mi");
    json_decref(pvc);
    pvc = load("{'spec':{'resources':{'requests':{'storage':'2Gi'}}}}");
    CHECK(admission_limitrange_pvc(pvc, ranges, &err) == 0);
    json_decref(pvc);
    json_decref(ranges);
}

/* ---- ResourceQuota ---- */

static void test_quota(void)
{
    json_t *pod = load("{'metadata':{'name':'p'},'spec':{'containers':[{'name':'c','resources':{"
                       "'requests':{'cpu':'250m','memory':'64Mi'},'limits':{'cpu':'500m'}}},"
                       "{'name':'d','resources':{'requests':{'cpu':'250m'}}}]}}");
    json_t *u = admission_quota_usage("", "pods", pod);
    json_t *want = load("{'pods':'1','count/pods':'1','requests.cpu':'500m','cpu':'500m',"
                        "'requests.memory':'64Mi','memory':'64Mi','limits.cpu':'500m'}");
    char *g = json_dumps(u, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_MSG(json_equal(u, want), "pod usage %s", g);
    free(g);
    json_decref(want);

    static const struct {
        const char *quota;
        int code;
        const char *want; /* the message, or the new status.used */
    } cases[] = {
        {"{'metadata':{'name':'q'},'spec':{'hard':{'pods':'2'}},'status':{'hard':{'pods':'2'},"
         "'used':{'pods':'1'}}}",
         0, "{'pods':'2'}"},
        {"{'metadata':{'name':'q'},'spec':{'hard':{'pods':'1','requests.cpu':'1'}},'status':{"
         "'hard':{'pods':'1','requests.cpu':'1'},'used':{'pods':'1','requests.cpu':'0'}}}",
         C8S_EFORBIDDEN, "exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1"},
        {"{'metadata':{'name':'q'},'spec':{'hard':{'requests.cpu':'600m','requests.memory':"
         "'100Mi'}},'status':{'hard':{'requests.cpu':'600m','requests.memory':'100Mi'},'used':{"
         "'requests.cpu':'200m','requests.memory':'50Mi'}}}",
         C8S_EFORBIDDEN, "failed quota: q: must specify requests.memory for: d"},
        {"{'metadata':{'name':'q'},'spec':{'hard':{'requests.cpu':'600m'}},'status':{'hard':{"
         "'requests.cpu':'600m'},'used':{'requests.cpu':'200m'}}}",
         C8S_EFORBIDDEN,
         "exceeded quota: q, requested: requests.cpu=500m, used: requests.cpu=200m, limited: "
         "requests.cpu=600m"},
        {"{'metadata':{'name':'q'},'spec':{'hard':{'pods':'5'}}}", C8S_EFORBIDDEN,
         "status unknown for quota: q, resource: pods"},
        /* not constraining pods: nothing to charge */
        {"{'metadata':{'name':'q'},'spec':{'hard':{'services':'1'}},'status':{'hard':{"
         "'services':'1'},'used':{'services':'1'}}}",
         0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *q = load(cases[i].quota), *used = NULL;
        c8s_err_t err = C8S_ERR_INIT;
        int rc = admission_quota_check(q, "", "pods", pod, u, &used, &err);
        CHECK_MSG(rc == cases[i].code, "case %zu: rc %d (%s)", i, rc, err.msg);
        if (rc != 0) {
            CHECK_MSG(!strcmp(err.msg, cases[i].want), "case %zu: %s", i, err.msg);
        } else if (cases[i].want) {
            json_t *w = load(cases[i].want);
            CHECK_MSG(json_equal(used, w), "case %zu", i);
            json_decref(w);
        } else {
            CHECK(used == NULL);
        }
        json_decref(used);
        json_decref(q);
        c8s_err_clear(&err);
    }
    json_decref(u);
    json_decref(pod);

    json_t *svc = load("{'spec':{'type':'LoadBalancer','ports':[{'port':80},{'port':443}]}}");
    u = admission_quota_usage("", "services", svc);
    want = load("{'services':'1','count/services':'1','services.loadbalancers':'1',"
                "'services.nodeports':'2'}");
    CHECK(json_equal(u, want));
    json_decref(want);
    json_decref(u);
    json_decref(svc);
    json_t *dep = load("{'spec':{}}");
    u = admission_quota_usage("apps", "deployments", dep);
    want = load("{'count/deployments.apps':'1'}");
    CHECK(json_equal(u, want));
    json_decref(want);
    json_decref(u);
    json_decref(dep);

    json_t *q = load("{'spec':{'hard':{'pods':'3','secrets':'2'}}}");
    json_t *usage = load("{'pods':'1','configmaps':'4'}");
    json_t *st = admission_quota_status(q, usage);
    json_decref(usage);
    want = load("{'hard':{'pods':'3','secrets':'2'},'used':{'pods':'1','secrets':'0'}}");
    CHECK(json_equal(st, want));
    json_decref(want);
    json_decref(st);
    json_decref(q);
}

static void test_quota_scopes(void)
{
    static const struct {
        const char *quota, *pod;
        bool matches;
    } cases[] = {
        {"{'spec':{'scopes':['BestEffort']}}", "{'spec':{'containers':[{'name':'c'}]}}", true},
        {"{'spec':{'scopes':['BestEffort']}}",
         "{'spec':{'containers':[{'name':'c','resources':{'requests':{'cpu':'1'}}}]}}", false},
        {"{'spec':{'scopes':['NotBestEffort','Terminating']}}",
         "{'spec':{'activeDeadlineSeconds':30,'containers':[{'name':'c','resources':{'limits':{"
         "'cpu':'1'}}}]}}",
         true},
        {"{'spec':{'scopes':['NotTerminating']}}",
         "{'spec':{'activeDeadlineSeconds':30,'containers':[{'name':'c'}]}}", false},
        {"{'spec':{'scopeSelector':{'matchExpressions':[{'scopeName':'PriorityClass','operator':"
         "'In','values':['high']}]}}}",
         "{'spec':{'priorityClassName':'high','containers':[{'name':'c'}]}}", true},
        {"{'spec':{'scopeSelector':{'matchExpressions':[{'scopeName':'PriorityClass','operator':"
         "'NotIn','values':['high']}]}}}",
         "{'spec':{'priorityClassName':'high','containers':[{'name':'c'}]}}", false},
        {"{'spec':{'scopeSelector':{'matchExpressions':[{'scopeName':'PriorityClass','operator':"
         "'DoesNotExist'}]}}}",
         "{'spec':{'containers':[{'name':'c'}]}}", true},
        {"{'spec':{}}", "{'spec':{}}", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *q = load(cases[i].quota), *pod = load(cases[i].pod);
        CHECK_MSG(admission_quota_matches(q, "", "pods", pod) == cases[i].matches, "case %zu", i);
        json_decref(q);
        json_decref(pod);
    }
    json_t *q = load("{'spec':{'scopes':['BestEffort']}}"), *cm = load("{'data':{}}");
    CHECK(!admission_quota_matches(q, "", "configmaps", cm));
    json_decref(q);
    json_decref(cm);
}

/* ---- Priority ---- */

static void test_priority(void)
{
    json_t *classes = load("[{'metadata':{'name':'high'},'value':1000},{'metadata':{'name':"
                           "'dflt'},'value':7,'globalDefault':true,'preemptionPolicy':'Never'}]");
    static const struct {
        const char *pod;
        int code;
        long long prio;
        const char *want;
    } cases[] = {
        {"{'spec':{'priorityClassName':'high'}}", 0, 1000, "PreemptLowerPriority"},
        {"{'spec':{'priority':0}}", 0, 7, "Never"},
        {"{'spec':{'priorityClassName':'system-node-critical'}}", 0, 2000001000,
         "PreemptLowerPriority"},
        {"{'spec':{'priorityClassName':'nope'}}", C8S_EFORBIDDEN, 0,
         "no PriorityClass with name nope was found"},
        {"{'spec':{'priorityClassName':'high','priority':5}}", C8S_EFORBIDDEN, 0,
         "the integer value of priority (5) must not be provided in pod spec; priority admission "
         "controller computed 1000 from the given PriorityClass name"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *pod = load(cases[i].pod);
        c8s_err_t err = C8S_ERR_INIT;
        int rc = admission_priority_pod(pod, classes, &err);
        CHECK_MSG(rc == cases[i].code, "case %zu: %s", i, err.msg);
        json_t *spec = json_object_get(pod, "spec");
        if (rc == 0) {
            CHECK_INT(json_integer_value(json_object_get(spec, "priority")), cases[i].prio);
            CHECK_STR(json_string_value(json_object_get(spec, "preemptionPolicy")), cases[i].want);
        } else {
            CHECK_STR(err.msg, cases[i].want);
        }
        c8s_err_clear(&err);
        json_decref(pod);
    }
    json_t *pc = load("{'metadata':{'name':'other'},'value':1,'globalDefault':true}");
    c8s_err_t err = C8S_ERR_INIT;
    CHECK(admission_priority_class(pc, classes, &err) == C8S_EFORBIDDEN);
    CHECK_STR(err.msg, "PriorityClass dflt is already marked as default. Only one default can "
                       "exist");
    json_decref(pc);
    json_decref(classes);
}

/* ---- DefaultStorageClass ---- */

static void test_default_storageclass(void)
{
    json_t *classes = load(
        "[{'metadata':{'name':'slow','creationTimestamp':'2026-01-01T00:00:00Z','annotations':{"
        "'storageclass.kubernetes.io/is-default-class':'true'}}},{'metadata':{'name':'fast',"
        "'creationTimestamp':'2026-02-01T00:00:00Z','annotations':{"
        "'storageclass.kubernetes.io/is-default-class':'true'}}},{'metadata':{'name':'x',"
        "'creationTimestamp':'2026-03-01T00:00:00Z'}}]");
    json_t *pvc = load("{'spec':{}}");
    admission_default_storageclass(pvc, classes);
    CHECK_STR(json_string_value(json_object_get(json_object_get(pvc, "spec"), "storageClassName")),
              "fast");
    json_decref(pvc);
    pvc = load("{'spec':{'storageClassName':''}}");
    admission_default_storageclass(pvc, classes);
    CHECK_STR(json_string_value(json_object_get(json_object_get(pvc, "spec"), "storageClassName")),
              "");
    json_decref(pvc);
    json_decref(classes);
}

/* ---- NodeRestriction ---- */

static void test_node_restriction(void)
{
    const char *groups[] = {"system:nodes", "system:authenticated"};
    CHECK_STR(admission_node_name("system:node:n1", groups, 2), "n1");
    CHECK(admission_node_name("system:node:n1", groups + 1, 1) == NULL);
    CHECK(admission_node_name("alice", groups, 2) == NULL);
    static const struct {
        const char *op, *kind, *sub, *name, *obj, *old;
        const char *want; /* NULL: allowed */
    } cases[] = {
        {"UPDATE", "Node", "status", "n1", "{'metadata':{'name':'n1'}}",
         "{'metadata':{'name':'n1'}}", NULL},
        {"UPDATE", "Node", "status", "n2", "{}", "{}",
         "node \"n1\" is not allowed to modify node \"n2\""},
        {"UPDATE", "Node", NULL, "n1",
         "{'metadata':{'labels':{'node-restriction.kubernetes.io/a':'x','kubernetes.io/os':'l'}}}",
         "{'metadata':{'labels':{}}}",
         "node \"n1\" is not allowed to modify labels: node-restriction.kubernetes.io/a"},
        {"CREATE", "Node", NULL, "n1",
         "{'metadata':{'labels':{'node-role.kubernetes.io/master':'','kubernetes.io/hostname':'n1',"
         "'example.com/x':'y'}}}",
         NULL,
         "node \"n1\" is not allowed to set the following labels: "
         "node-role.kubernetes.io/master"},
        {"UPDATE", "Node", NULL, "n1", "{'spec':{'taints':[{'key':'a','effect':'NoSchedule'}]}}",
         "{'spec':{}}", "node \"n1\" is not allowed to modify taints"},
        {"CREATE", "Pod", NULL, "p", "{'spec':{'nodeName':'n1'}}", NULL,
         "pod does not have \"kubernetes.io/config.mirror\" annotation, node \"n1\" can only "
         "create mirror pods"},
        {"CREATE", "Pod", NULL, "p",
         "{'metadata':{'annotations':{'kubernetes.io/"
         "config.mirror':'x'}},'spec':{'nodeName':'n2'}}",
         NULL, "node \"n1\" can only create pods with spec.nodeName set to itself"},
        {"CREATE", "Pod", NULL, "p",
         "{'metadata':{'annotations':{'kubernetes.io/"
         "config.mirror':'x'}},'spec':{'nodeName':'n1'}}",
         NULL, NULL},
        {"UPDATE", "Pod", "status", "p", "{'spec':{'nodeName':'n1'}}", "{'spec':{'nodeName':'n1'}}",
         NULL},
        {"UPDATE", "Pod", "status", "p", "{'spec':{'nodeName':'n2'}}", "{'spec':{'nodeName':'n2'}}",
         "node \"n1\" can only update pod status for pods with spec.nodeName set to itself"},
        {"UPDATE", "Pod", NULL, "p", "{'spec':{'nodeName':'n1'}}", "{'spec':{'nodeName':'n1'}}",
         "unexpected operation UPDATE, node \"n1\" can only create and delete mirror pods"},
        {"DELETE", "Pod", NULL, "p", NULL, "{'spec':{'nodeName':'n2'}}",
         "node \"n1\" can only delete pods with spec.nodeName set to itself"},
        {"DELETE", "Pod", NULL, "p", NULL, "{'spec':{'nodeName':'n1'}}", NULL},
        {"UPDATE", "Lease", NULL, "n2", "{}", "{}",
         "node \"n1\" can only access node lease with the same name as the requesting node"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *obj = cases[i].obj ? load(cases[i].obj) : NULL;
        json_t *old = cases[i].old ? load(cases[i].old) : NULL;
        c8s_err_t err = C8S_ERR_INIT;
        int rc = admission_node_restriction("n1", cases[i].op, cases[i].kind, cases[i].sub,
                                            cases[i].name, obj, old, &err);
        if (cases[i].want)
            CHECK_MSG(rc == C8S_EFORBIDDEN && !strcmp(err.msg, cases[i].want), "case %zu: %s", i,
                      err.msg);
        else
            CHECK_MSG(rc == 0, "case %zu: %s", i, err.msg);
        c8s_err_clear(&err);
        json_decref(obj);
        json_decref(old);
    }
}

/* ---- Pod Security ---- */

static void test_pod_security(void)
{
    static const struct {
        psa_level_t level;
        const char *spec;
        const char *want; /* NULL: passes */
    } cases[] = {
        {PSA_BASELINE, "{'containers':[{'name':'c','image':'i'}]}", NULL},
        {PSA_BASELINE, "{'containers':[{'name':'c','securityContext':{'privileged':true}}]}",
         "privileged (container \"c\" must not set securityContext.privileged=true)"},
        {PSA_BASELINE,
         "{'hostNetwork':true,'hostPID':true,'volumes':[{'name':'h','hostPath':{'path':'/'}}],"
         "'containers':[{'name':'a','ports':[{'containerPort':80,'hostPort':80}],"
         "'securityContext':{'capabilities':{'add':['NET_ADMIN','CHOWN']}}},"
         "{'name':'b','securityContext':{'capabilities':{'add':['SYS_ADMIN']}}}]}",
         "non-default capabilities (containers \"a\", \"b\" must not include \"NET_ADMIN\", "
         "\"SYS_ADMIN\" in securityContext.capabilities.add), host namespaces (hostNetwork=true, "
         "hostPID=true), hostPath volumes (volume \"h\"), hostPort (container \"a\" uses hostPort "
         "80)"},
        {PSA_BASELINE,
         "{'securityContext':{'seccompProfile':{'type':'Unconfined'},'sysctls':[{'name':"
         "'kernel.msgmax','value':'1'}]},'containers':[{'name':'c','securityContext':{"
         "'procMount':'Unmasked'}}]}",
         "procMount (container \"c\" must not set securityContext.procMount to \"Unmasked\"), "
         "seccompProfile (pod must not set securityContext.seccompProfile.type to "
         "\"Unconfined\"), forbidden sysctls (kernel.msgmax)"},
        {PSA_RESTRICTED, "{'containers':[{'name':'c','image':'i'}]}",
         "allowPrivilegeEscalation != false (container \"c\" must set "
         "securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "
         "\"c\" must set securityContext.capabilities.drop=[\"ALL\"]), runAsNonRoot != true (pod "
         "or container \"c\" must set securityContext.runAsNonRoot=true), seccompProfile (pod or "
         "container \"c\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or "
         "\"Localhost\")"},
        {PSA_RESTRICTED,
         "{'securityContext':{'runAsNonRoot':true,'seccompProfile':{'type':'RuntimeDefault'}},"
         "'volumes':[{'name':'e','emptyDir':{}}],'containers':[{'name':'c','securityContext':{"
         "'allowPrivilegeEscalation':false,'capabilities':{'drop':['ALL'],'add':["
         "'NET_BIND_SERVICE']}}}]}",
         NULL},
        {PSA_RESTRICTED,
         "{'securityContext':{'runAsNonRoot':true,'runAsUser':0,'seccompProfile':{'type':"
         "'RuntimeDefault'}},'volumes':[{'name':'n','nfs':{'server':'s','path':'/'}}],"
         "'containers':[{'name':'c','securityContext':{'allowPrivilegeEscalation':false,"
         "'capabilities':{'drop':['ALL']}}}]}",
         "restricted volume types (volume \"n\" uses restricted volume type \"nfs\"), runAsUser=0 "
         "(pod must not set runAsUser=0)"},
        {PSA_PRIVILEGED, "{'hostNetwork':true,'containers':[{'name':'c'}]}", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *spec = load(cases[i].spec);
        char *got = admission_psa_check(cases[i].level, NULL, spec);
        if (cases[i].want)
            CHECK_MSG(got && !strcmp(got, cases[i].want), "case %zu: %s", i, got);
        else
            CHECK_MSG(got == NULL, "case %zu: %s", i, got);
        free(got);
        json_decref(spec);
    }
    json_t *labels = load("{'pod-security.kubernetes.io/enforce':'restricted',"
                          "'pod-security.kubernetes.io/enforce-version':'v1.30',"
                          "'pod-security.kubernetes.io/warn':'bogus'}");
    char ver[16];
    CHECK_INT(admission_psa_mode(labels, "enforce", ver, sizeof ver), PSA_RESTRICTED);
    CHECK_STR(ver, "v1.30");
    CHECK_INT(admission_psa_mode(labels, "warn", ver, sizeof ver), PSA_PRIVILEGED);
    CHECK_STR(ver, "latest");
    CHECK_INT(admission_psa_mode(labels, "audit", ver, sizeof ver), PSA_PRIVILEGED);
    json_decref(labels);
}

/* An update is charged only what grew. */
static void test_quota_delta(void)
{
    json_t *now = load("{'requests.storage':'3Gi','services.nodeports':'1','count/services':'1',"
                       "'requests.cpu':'500m'}");
    json_t *before = load("{'requests.storage':'1Gi','services.nodeports':'0','count/services':"
                          "'1','requests.cpu':'1'}");
    json_t *d = admission_quota_delta(now, before);
    CHECK_INT((int)json_object_size(d), 2);
    CHECK_STR(json_string_value(json_object_get(d, "requests.storage")), "2Gi");
    CHECK_STR(json_string_value(json_object_get(d, "services.nodeports")), "1");
    json_decref(d);
    json_t *empty = load("{}");
    d = admission_quota_delta(now, empty);
    CHECK_INT((int)json_object_size(d), 4);
    json_decref(d);
    json_decref(empty);
    json_decref(now);
    json_decref(before);
}

int main(void)
{
    test_quota_delta();
    test_default_tolerations();
    test_namespace_lifecycle();
    test_limitranger();
    test_quota();
    test_quota_scopes();
    test_priority();
    test_default_storageclass();
    test_node_restriction();
    test_pod_security();
    TEST_END();
}
