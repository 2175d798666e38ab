/* test_validate.c — validation: valid objects pass; invalid ones fail with upstream's field path,
 * reason and summary message; immutable fields are refused on update. */
#include "c8s/kinds.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

#define POD_SPEC "\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]"
#define TMPL     "\"template\":{\"metadata\":{\"labels\":{\"app\":\"x\"}},\"spec\":{" POD_SPEC "}}"
#define SEL      "\"selector\":{\"matchLabels\":{\"app\":\"x\"}}"
#define META     "\"metadata\":{\"name\":\"x\",\"namespace\":\"default\"}"
#define CMETA    "\"metadata\":{\"name\":\"x\"}"
/* A Job spec's head and its Never template, for the batch/v1 policy fields between them. */
#define JOB(fields)                                                                                \
    "{" META ",\"spec\":{" fields "\"template\":{\"spec\":{\"restartPolicy\":\"Never\"," POD_SPEC  \
    "}}}}"
#define IDX       "\"completionMode\":\"Indexed\",\"completions\":4,"
#define PFP(rule) "\"podFailurePolicy\":{\"rules\":[" rule "]},"

static json_t *load(const char *text)
{
    json_error_t jerr;
    json_t *o = json_loads(text, 0, &jerr);
    if (!o) {
        fprintf(stderr, "bad test JSON: %s: %s\n", jerr.text, text);
        abort();
    }
    return o;
}

/* Defaults then validates; returns rc and leaves causes in err. */
static int run(const char *kind, const char *text, const char *old_text, const char *sub,
               c8s_err_t *err)
{
    const api_kind_t *k = api_kind_find(kind);
    if (!k)
        abort();
    cleanup_json json_t *obj = load(text);
    cleanup_json json_t *old = old_text ? load(old_text) : NULL;
    api_object_default(k, obj, err);
    if (old)
        api_object_default(k, old, err);
    return api_object_validate(k, obj, old, sub, err);
}

static bool has_cause(const c8s_err_t *err, const char *field, const char *reason)
{
    size_t i;
    json_t *c;
    json_array_foreach(err->causes, i, c)
    {
        if (!strcmp(json_string_value(json_object_get(c, "field")), field) &&
            !strcmp(json_string_value(json_object_get(c, "reason")), reason))
            return true;
    }
    return false;
}

static void dump(const c8s_err_t *err)
{
    fprintf(stderr, "  msg: %s\n", err->msg);
}

int main(void)
{
    static const struct {
        const char *kind, *obj;
    } valid[] = {
        {"pods", "{" META ",\"spec\":{" POD_SPEC "}}"},
        {"pods",
         "{" META ",\"spec\":{\"initContainers\":[{\"name\":\"s\",\"image\":\"i\","
         "\"restartPolicy\":\"Always\",\"startupProbe\":{\"exec\":{\"command\":["
         "\"true\"]}},\"lifecycle\":{\"preStop\":{\"exec\":{\"command\":[\"true\"]}}}}]," POD_SPEC
         "}}"},

        {"pdb", "{" META ",\"spec\":{\"minAvailable\":1,\"selector\":{\"matchLabels\":{"
                "\"app\":\"w\"}}}}"},
        {"pdb", "{" META ",\"spec\":{\"maxUnavailable\":\"100%\",\"selector\":{},"
                "\"unhealthyPodEvictionPolicy\":\"AlwaysAllow\"}}"},
        {"pdb", "{" META ",\"spec\":{\"minAvailable\":\"0%\"}}"},
        {"pods", "{\"metadata\":{\"generateName\":\"web-\",\"namespace\":\"d\","
                 "\"labels\":{\"app.kubernetes.io/name\":\"w\",\"tier\":\"\"},"
                 "\"annotations\":{\"Example.com/Note\":\"x\"}},\"spec\":{"
                 "\"volumes\":[{\"name\":\"data\"}],\"containers\":[{\"name\":\"c\",\"image\":"
                 "\"nginx\",\"ports\":[{\"name\":\"http\",\"containerPort\":80},{\"containerPort\":"
                 "53,\"protocol\":\"UDP\"}],\"env\":[{\"name\":\"MY_VAR.x\",\"value\":\"1\"}],"
                 "\"resources\":{\"requests\":{\"cpu\":\"250m\",\"memory\":\"64Mi\"},\"limits\":"
                 "{\"cpu\":\"1\",\"memory\":\"1e9\"}},\"volumeMounts\":[{\"name\":\"data\","
                 "\"mountPath\":\"/data\"}],\"readinessProbe\":{\"tcpSocket\":{\"port\":80}}}],"
                 "\"tolerations\":[{\"operator\":\"Exists\"}]}}"},
        {"deployments", "{" META ",\"spec\":{" SEL "," TMPL "}}"},
        {"deploy", "{" META ",\"spec\":{\"selector\":{\"matchExpressions\":[{\"key\":\"app\","
                   "\"operator\":\"In\",\"values\":[\"x\",\"y\"]}]}," TMPL "}}"},
        {"rs", "{" META ",\"spec\":{" SEL "," TMPL "}}"},
        {"sts", "{" META ",\"spec\":{\"serviceName\":\"s\"," SEL "," TMPL "}}"},
        {"ds", "{" META ",\"spec\":{" SEL "," TMPL "}}"},
        {"rc", "{" META ",\"spec\":{" TMPL "}}"},
        {"jobs", "{" META ",\"spec\":{\"template\":{\"spec\":{\"restartPolicy\":\"Never\"," POD_SPEC
                 "}}}}"},
        {"cj", "{" META ",\"spec\":{\"schedule\":\"*/5 * * * *\",\"jobTemplate\":{\"spec\":{"
               "\"template\":{\"spec\":{\"restartPolicy\":\"OnFailure\"," POD_SPEC "}}}}}}"},
        {"svc", "{" META ",\"spec\":{\"selector\":{\"app\":\"x\"},\"ports\":[{\"port\":80}]}}"},
        {"svc", "{" META ",\"spec\":{\"clusterIP\":\"None\"}}"},
        {"svc",
         "{" META ",\"spec\":{\"type\":\"ExternalName\",\"externalName\":\"db.example.com\"}}"},
        {"cm", "{" META ",\"data\":{\"a.conf\":\"x\",\"KEY_2\":\"y\"}}"},
        {"secret", "{" META ",\"data\":{\"password\":\"eA==\"}}"},
        {"ns", "{" CMETA "}"},
        {"no", "{" CMETA ",\"status\":{\"capacity\":{\"cpu\":\"4\",\"memory\":\"8Gi\"}}}"},
        {"ev", "{" META ",\"involvedObject\":{\"kind\":\"Pod\",\"name\":\"p\",\"namespace\":"
               "\"default\"},\"reason\":\"Started\",\"type\":\"Normal\"}"},
        {"lease", "{" META ",\"spec\":{\"holderIdentity\":\"n\",\"leaseDurationSeconds\":40}}"},
        {"pvc", "{" META ",\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],\"resources\":{"
                "\"requests\":{\"storage\":\"1Gi\"}}}}"},
        {"pv", "{" CMETA ",\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],\"capacity\":{"
               "\"storage\":\"1Gi\"},\"hostPath\":{\"path\":\"/tmp\"}}}"},
        {"hpa", "{" META ",\"spec\":{\"scaleTargetRef\":{\"kind\":\"Deployment\",\"name\":\"d\"},"
                "\"maxReplicas\":5}}"},
        {"ing", "{" META ",\"spec\":{\"rules\":[{\"host\":\"a.example.com\",\"http\":{\"paths\":"
                "[{\"path\":\"/\",\"pathType\":\"Prefix\",\"backend\":{\"service\":{\"name\":"
                "\"web\",\"port\":{\"number\":80}}}}]}}]}}"},
        {"netpol", "{" META ",\"spec\":{\"podSelector\":{},\"policyTypes\":[\"Ingress\"]}}"},
        {"sc", "{" CMETA ",\"provisioner\":\"kubernetes.io/no-provisioner\"}"},
        {"clusterroles", "{\"metadata\":{\"name\":\"system:node\"},\"rules\":[{\"apiGroups\":"
                         "[\"\"],\"resources\":[\"pods\"],\"verbs\":[\"get\"]}]}"},
        {"rolebindings", "{" META ",\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\","
                         "\"kind\":\"Role\",\"name\":\"r\"},\"subjects\":[{\"kind\":"
                         "\"ServiceAccount\",\"name\":\"default\"}]}"},
        {"pc", "{" CMETA ",\"value\":1000}"},
        {"endpointslices", "{" META ",\"addressType\":\"IPv4\",\"endpoints\":[{\"addresses\":"
                           "[\"10.0.0.1\"]}],\"ports\":[{\"port\":80}]}"},
        {"limits", "{" META ",\"spec\":{\"limits\":[{\"type\":\"Container\",\"max\":{\"cpu\":"
                   "\"2\"}}]}}"},
        {"quota", "{" META ",\"spec\":{\"hard\":{\"pods\":\"10\",\"requests.cpu\":\"4\"}}}"},
        {"ep", "{" META ",\"subsets\":[{\"addresses\":[{\"ip\":\"10.0.0.1\"}],\"ports\":[{"
               "\"port\":80}]}]}"},
        {"sa", "{" META "}"},
        {"controllerrevisions", "{" META ",\"revision\":1}"},
        {"jobs", JOB(PFP("{\"action\":\"FailJob\",\"onExitCodes\":{\"containerName\":\"c\","
                         "\"operator\":\"In\",\"values\":[1,2,42]}},{\"action\":\"Ignore\","
                         "\"onPodConditions\":[{\"type\":\"DisruptionTarget\",\"status\":"
                         "\"True\"}]}"))},
        {"jobs", JOB(IDX "\"backoffLimitPerIndex\":1,\"maxFailedIndexes\":2," PFP(
                     "{\"action\":\"FailIndex\",\"onExitCodes\":{\"operator\":\"NotIn\",\"values\":"
                     "[0]}}"))},
        {"jobs", JOB(IDX "\"successPolicy\":{\"rules\":[{\"succeededIndexes\":\"0,2-3\","
                         "\"succeededCount\":2},{\"succeededCount\":1}]},")},
        {"jobs", JOB("\"podReplacementPolicy\":\"Failed\",\"managedBy\":\"example.com/q\",")},
    };
    for (size_t i = 0; i < C8S_ARRAY_SIZE(valid); i++) {
        c8s_err_t err = C8S_ERR_INIT;
        int rc = run(valid[i].kind, valid[i].obj, NULL, NULL, &err);
        CHECK_MSG(rc == 0, "valid[%zu] %s: rc %d: %s", i, valid[i].kind, rc, err.msg);
        c8s_err_clear(&err);
    }

    static const struct {
        const char *kind, *obj, *field, *reason;
    } invalid[] = {
        {"pods", "{\"metadata\":{\"namespace\":\"d\"},\"spec\":{" POD_SPEC "}}", "metadata.name",
         "FieldValueRequired"},
        {"pods", "{\"metadata\":{\"name\":\"Foo\",\"namespace\":\"d\"},\"spec\":{" POD_SPEC "}}",
         "metadata.name", "FieldValueInvalid"},
        {"pods", "{\"metadata\":{\"name\":\"x\"},\"spec\":{" POD_SPEC "}}", "metadata.namespace",
         "FieldValueRequired"},
        {"ns", "{\"metadata\":{\"name\":\"x\",\"namespace\":\"d\"}}", "metadata.namespace",
         "FieldValueForbidden"},
        {"ns", "{\"metadata\":{\"name\":\"a.b\"}}", "metadata.name", "FieldValueInvalid"},
        {"svc",
         "{\"metadata\":{\"name\":\"1abc\",\"namespace\":\"d\"},\"spec\":{\"ports\":[{"
         "\"port\":80}]}}",
         "metadata.name", "FieldValueInvalid"},
        {"pods",
         "{\"metadata\":{\"name\":\"x\",\"namespace\":\"d\",\"labels\":{\"a/b/c\":\"v\"}},"
         "\"spec\":{" POD_SPEC "}}",
         "metadata.labels", "FieldValueInvalid"},
        {"pods",
         "{\"metadata\":{\"name\":\"x\",\"namespace\":\"d\",\"labels\":{\"k\":\"-v\"}},"
         "\"spec\":{" POD_SPEC "}}",
         "metadata.labels", "FieldValueInvalid"},
        {"pods",
         "{\"metadata\":{\"name\":\"x\",\"namespace\":\"d\",\"annotations\":{\"_k\":"
         "\"v\"}},\"spec\":{" POD_SPEC "}}",
         "metadata.annotations", "FieldValueInvalid"},
        {"pods", "{" META ",\"spec\":{}}", "spec.containers", "FieldValueRequired"},
        {"pods", "{" META ",\"spec\":{\"containers\":[{\"image\":\"i\"}]}}",
         "spec.containers[0].name", "FieldValueRequired"},
        {"pods", "{" META ",\"spec\":{\"containers\":[{\"name\":\"Web\",\"image\":\"i\"}]}}",
         "spec.containers[0].name", "FieldValueInvalid"},
        {"pods",
         "{" META ",\"spec\":{\"initContainers\":[{\"name\":\"a\",\"image\":\"i\"}],"
         "\"containers\":[{\"name\":\"a\",\"image\":\"i\"}]}}",
         "spec.containers[0].name", "FieldValueDuplicate"},
        /* Sidecars: restartPolicy Always on an init container only; probes and hooks only on
         * those among the init containers. */
        {"pods",
         "{" META ",\"spec\":{\"initContainers\":[{\"name\":\"s\",\"image\":\"i\","
         "\"restartPolicy\":\"OnFailure\"}]," POD_SPEC "}}",
         "spec.initContainers[0].restartPolicy", "FieldValueNotSupported"},
        {"pods",
         "{" META ",\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\","
         "\"restartPolicy\":\"Always\"}]}}",
         "spec.containers[0].restartPolicy", "FieldValueForbidden"},
        {"pods",
         "{" META ",\"spec\":{\"initContainers\":[{\"name\":\"s\",\"image\":\"i\","
         "\"readinessProbe\":{\"exec\":{\"command\":[\"true\"]}}}]," POD_SPEC "}}",
         "spec.initContainers[0].readinessProbe", "FieldValueForbidden"},
        {"pods", "{" META ",\"spec\":{\"containers\":[{\"name\":\"a\"}]}}",
         "spec.containers[0].image", "FieldValueRequired"},
        {"pods",
         "{" META ",\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"i\",\"ports\":"
         "[{\"containerPort\":70000}]}]}}",
         "spec.containers[0].ports[0].containerPort", "FieldValueInvalid"},
        {"pods",
         "{" META ",\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"i\",\"ports\":"
         "[{\"name\":\"http\"}]}]}}",
         "spec.containers[0].ports[0].containerPort", "FieldValueRequired"},
        {"pods",
         "{" META ",\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"i\",\"ports\":"
         "[{\"containerPort\":80,\"protocol\":\"HTTP\"}]}]}}",
         "spec.containers[0].ports[0].protocol", "FieldValueNotSupported"},
        {"pods",
         "{" META ",\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"i\",\"ports\":"
         "[{\"containerPort\":80,\"name\":\"averyveryverylongname\"}]}]}}",
         "spec.containers[0].ports[0].name", "FieldValueInvalid"},
        {"pods",
         "{" META ",\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"i\",\"ports\":"
         "[{\"containerPort\":80,\"name\":\"p\"},{\"containerPort\":81,\"name\":\"p\"}]}]}}",
         "spec.containers[0].ports[1].name", "FieldValueDuplicate"},
        {"pods", "{" META ",\"spec\":{\"restartPolicy\":\"Sometimes\"," POD_SPEC "}}",
         "spec.restartPolicy", "FieldValueNotSupported"},
        {"pods", "{" META ",\"spec\":{\"dnsPolicy\":\"Google\"," POD_SPEC "}}", "spec.dnsPolicy",
         "FieldValueNotSupported"},
        {"pods", "{" META ",\"spec\":{\"dnsPolicy\":\"None\"," POD_SPEC "}}", "spec.dnsConfig",
         "FieldValueRequired"},
        {"pods",
         "{" META ",\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"i\","
         "\"resources\":{\"limits\":{\"cpu\":\"abc\"}}}]}}",
         "spec.containers[0].resources.limits[cpu]", "FieldValueInvalid"},
        {"pods",
         "{" META ",\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"i\","
         "\"resources\":{\"limits\":{\"memory\":\"-1Gi\"}}}]}}",
         "spec.containers[0].resources.limits[memory]", "FieldValueInvalid"},
        {"pods",
         "{" META ",\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"i\","
         "\"resources\":{\"requests\":{\"cpu\":\"2\"},\"limits\":{\"cpu\":\"1500m\"}}}]}}",
         "spec.containers[0].resources.requests", "FieldValueInvalid"},
        {"pods",
         "{" META ",\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"i\","
         "\"env\":[{\"name\":\"1X\"}]}]}}",
         "spec.containers[0].env[0].name", "FieldValueInvalid"},
        {"pods",
         "{" META ",\"spec\":{\"volumes\":[{\"name\":\"v\"},{\"name\":\"v\"}]," POD_SPEC "}}",
         "spec.volumes[1].name", "FieldValueDuplicate"},
        {"pods",
         "{" META ",\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"i\","
         "\"volumeMounts\":[{\"name\":\"nope\",\"mountPath\":\"/x\"}]}]}}",
         "spec.containers[0].volumeMounts[0].name", "FieldValueNotFound"},
        {"pods",
         "{" META ",\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"i\","
         "\"livenessProbe\":{\"exec\":{\"command\":[\"true\"]},\"successThreshold\":2}}]}}",
         "spec.containers[0].livenessProbe.successThreshold", "FieldValueInvalid"},
        {"pods",
         "{" META ",\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"i\","
         "\"readinessProbe\":{\"exec\":{},\"failureThreshold\":-1}}]}}",
         "spec.containers[0].readinessProbe.failureThreshold", "FieldValueInvalid"},
        {"pods",
         "{" META ",\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"i\","
         "\"readinessProbe\":{\"periodSeconds\":5}}]}}",
         "spec.containers[0].readinessProbe", "FieldValueRequired"},
        {"pods",
         "{" META ",\"spec\":{\"tolerations\":[{\"operator\":\"Equal\",\"value\":\"v\"}]," POD_SPEC
         "}}",
         "spec.tolerations[0].operator", "FieldValueInvalid"},
        {"deploy", "{" META ",\"spec\":{" TMPL "}}", "spec.selector", "FieldValueRequired"},
        {"deploy", "{" META ",\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"y\"}}," TMPL "}}",
         "spec.template.metadata.labels", "FieldValueInvalid"},
        {"deploy", "{" META ",\"spec\":{\"replicas\":-1," SEL "," TMPL "}}", "spec.replicas",
         "FieldValueInvalid"},
        {"deploy",
         "{" META ",\"spec\":{" SEL ",\"template\":{\"metadata\":{\"labels\":{\"app\":"
         "\"x\"}},\"spec\":{\"restartPolicy\":\"Never\"," POD_SPEC "}}}}",
         "spec.template.spec.restartPolicy", "FieldValueNotSupported"},
        {"deploy",
         "{" META ",\"spec\":{" SEL ",\"template\":{\"metadata\":{\"labels\":{\"app\":"
         "\"x\"}},\"spec\":{}}}}",
         "spec.template.spec.containers", "FieldValueRequired"},
        {"rs",
         "{" META ",\"spec\":{\"selector\":{\"matchExpressions\":[{\"key\":\"app\","
         "\"operator\":\"NotIn\",\"values\":[\"x\"]}]}," TMPL "}}",
         "spec.template.metadata.labels", "FieldValueInvalid"},
        {"rc", "{" META ",\"spec\":{\"selector\":{\"app\":\"z\"}," TMPL "}}",
         "spec.template.metadata.labels", "FieldValueInvalid"},
        {"sts", "{" META ",\"spec\":{\"podManagementPolicy\":\"Random\"," SEL "," TMPL "}}",
         "spec.podManagementPolicy", "FieldValueNotSupported"},
        {"jobs", "{" META ",\"spec\":{\"template\":{\"spec\":{" POD_SPEC "}}}}",
         "spec.template.spec.restartPolicy", "FieldValueNotSupported"},
        {"jobs",
         "{" META ",\"spec\":{\"backoffLimit\":-1,\"template\":{\"spec\":{"
         "\"restartPolicy\":\"Never\"," POD_SPEC "}}}}",
         "spec.backoffLimit", "FieldValueInvalid"},
        {"jobs",
         "{" META ",\"spec\":{" PFP(
             "{\"action\":\"Count\",\"onExitCodes\":{\"operator\":"
             "\"In\",\"values\":[1]}}") "\"template\":{\"spec\":{"
                                        "\"restartPolicy\":\"OnFailure\"," POD_SPEC "}}}}",
         "spec.template.spec.restartPolicy", "FieldValueInvalid"},
        {"jobs",
         JOB(PFP("{\"action\":\"Explode\",\"onExitCodes\":{\"operator\":\"In\","
                 "\"values\":[1]}}")),
         "spec.podFailurePolicy.rules[0].action", "FieldValueNotSupported"},
        {"jobs",
         JOB(PFP("{\"action\":\"FailIndex\",\"onExitCodes\":{\"operator\":\"In\","
                 "\"values\":[1]}}")),
         "spec.podFailurePolicy.rules[0].action", "FieldValueInvalid"},
        {"jobs", JOB(PFP("{\"action\":\"FailJob\"}")), "spec.podFailurePolicy.rules[0]",
         "FieldValueInvalid"},
        {"jobs",
         JOB(PFP("{\"action\":\"FailJob\",\"onExitCodes\":{\"operator\":\"In\","
                 "\"values\":[1]},\"onPodConditions\":[{\"type\":\"A\",\"status\":"
                 "\"True\"}]}")),
         "spec.podFailurePolicy.rules[0]", "FieldValueInvalid"},
        {"jobs",
         JOB(PFP("{\"action\":\"FailJob\",\"onExitCodes\":{\"operator\":\"In\","
                 "\"values\":[0,1]}}")),
         "spec.podFailurePolicy.rules[0].onExitCodes.values[0]", "FieldValueInvalid"},
        {"jobs",
         JOB(PFP("{\"action\":\"FailJob\",\"onExitCodes\":{\"operator\":\"In\","
                 "\"values\":[3,1]}}")),
         "spec.podFailurePolicy.rules[0].onExitCodes.values[1]", "FieldValueInvalid"},
        {"jobs",
         JOB(PFP("{\"action\":\"FailJob\",\"onExitCodes\":{\"operator\":\"In\","
                 "\"values\":[3,3]}}")),
         "spec.podFailurePolicy.rules[0].onExitCodes.values[1]", "FieldValueDuplicate"},
        {"jobs",
         JOB(PFP("{\"action\":\"FailJob\",\"onExitCodes\":{\"containerName\":"
                 "\"nope\",\"operator\":\"In\",\"values\":[1]}}")),
         "spec.podFailurePolicy.rules[0].onExitCodes.containerName", "FieldValueInvalid"},
        {"jobs",
         JOB(PFP("{\"action\":\"Ignore\",\"onPodConditions\":[{\"type\":"
                 "\"DisruptionTarget\",\"status\":\"Maybe\"}]}")),
         "spec.podFailurePolicy.rules[0].onPodConditions[0].status", "FieldValueNotSupported"},
        {"jobs",
         JOB(PFP("{\"action\":\"Ignore\",\"onExitCodes\":{\"operator\":\"In\",\"values\":[1]}}"
                 ",{\"action\":\"Ignore\",\"onExitCodes\":{\"operator\":\"In\",\"values\":[1]}}"
                 ",{\"action\":\"Ignore\",\"onExitCodes\":{\"operator\":\"In\",\"values\":[1]}}"
                 ",{\"action\":\"Ignore\",\"onExitCodes\":{\"operator\":\"In\",\"values\":[1]}}"
                 ",{\"action\":\"Ignore\",\"onExitCodes\":{\"operator\":\"In\",\"values\":[1]}}"
                 ",{\"action\":\"Ignore\",\"onExitCodes\":{\"operator\":\"In\",\"values\":[1]}}"
                 ",{\"action\":\"Ignore\",\"onExitCodes\":{\"operator\":\"In\",\"values\":[1]}}"
                 ",{\"action\":\"Ignore\",\"onExitCodes\":{\"operator\":\"In\",\"values\":[1]}}"
                 ",{\"action\":\"Ignore\",\"onExitCodes\":{\"operator\":\"In\",\"values\":[1]}}"
                 ",{\"action\":\"Ignore\",\"onExitCodes\":{\"operator\":\"In\",\"values\":[1]}}"
                 ",{\"action\":\"Ignore\",\"onExitCodes\":{\"operator\":\"In\",\"values\":[1]}}"
                 ",{\"action\":\"Ignore\",\"onExitCodes\":{\"operator\":\"In\",\"values\":[1]}}"
                 ",{\"action\":\"Ignore\",\"onExitCodes\":{\"operator\":\"In\",\"values\":[1]}}"
                 ",{\"action\":\"Ignore\",\"onExitCodes\":{\"operator\":\"In\",\"values\":[1]}}"
                 ",{\"action\":\"Ignore\",\"onExitCodes\":{\"operator\":\"In\",\"values\":[1]}}"
                 ",{\"action\":\"Ignore\",\"onExitCodes\":{\"operator\":\"In\",\"values\":[1]}}"
                 ",{\"action\":\"Ignore\",\"onExitCodes\":{\"operator\":\"In\",\"values\":[1]}}"
                 ",{\"action\":\"Ignore\",\"onExitCodes\":{\"operator\":\"In\",\"values\":[1]}}"
                 ",{\"action\":\"Ignore\",\"onExitCodes\":{\"operator\":\"In\",\"values\":[1]}}"
                 ",{\"action\":\"Ignore\",\"onExitCodes\":{\"operator\":\"In\",\"values\":[1]}}"
                 ",{\"action\":\"Ignore\",\"onExitCodes\":{\"operator\":\"In\",\"values\":[1]}}")),
         "spec.podFailurePolicy.rules", "FieldValueTooMany"},
        {"jobs", JOB("\"backoffLimitPerIndex\":1,"), "spec.backoffLimitPerIndex",
         "FieldValueInvalid"},
        {"jobs", JOB(IDX "\"maxFailedIndexes\":1,"), "spec.backoffLimitPerIndex",
         "FieldValueRequired"},
        {"jobs", JOB(IDX "\"backoffLimitPerIndex\":1,\"maxFailedIndexes\":5,"),
         "spec.maxFailedIndexes", "FieldValueInvalid"},
        {"jobs", JOB("\"successPolicy\":{\"rules\":[{\"succeededCount\":1}]},"),
         "spec.successPolicy", "FieldValueInvalid"},
        {"jobs", JOB(IDX "\"successPolicy\":{\"rules\":[]},"), "spec.successPolicy.rules",
         "FieldValueRequired"},
        {"jobs", JOB(IDX "\"successPolicy\":{\"rules\":[{}]},"), "spec.successPolicy.rules[0]",
         "FieldValueRequired"},
        {"jobs", JOB(IDX "\"successPolicy\":{\"rules\":[{\"succeededIndexes\":\"2-1\"}]},"),
         "spec.successPolicy.rules[0].succeededIndexes", "FieldValueInvalid"},
        {"jobs", JOB(IDX "\"successPolicy\":{\"rules\":[{\"succeededIndexes\":\"1,5\"}]},"),
         "spec.successPolicy.rules[0].succeededIndexes", "FieldValueInvalid"},
        {"jobs", JOB(IDX "\"successPolicy\":{\"rules\":[{\"succeededCount\":5}]},"),
         "spec.successPolicy.rules[0].succeededCount", "FieldValueInvalid"},
        {"jobs",
         JOB(IDX
             "\"successPolicy\":{\"rules\":[{\"succeededIndexes\":\"1\",\"succeededCount\":2}]},"),
         "spec.successPolicy.rules[0].succeededCount", "FieldValueInvalid"},
        {"jobs", JOB("\"podReplacementPolicy\":\"Sometimes\","), "spec.podReplacementPolicy",
         "FieldValueNotSupported"},
        {"jobs",
         JOB("\"podReplacementPolicy\":\"TerminatingOrFailed\"," PFP(
             "{\"action\":\"Ignore\",\"onPodConditions\":[{\"type\":\"DisruptionTarget\","
             "\"status\":\"True\"}]}")),
         "spec.podReplacementPolicy", "FieldValueNotSupported"},
        {"jobs", JOB("\"managedBy\":\"nodomain\","), "spec.managedBy", "FieldValueInvalid"},
        {"cj",
         "{" META ",\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":{"
         "\"restartPolicy\":\"Never\"," POD_SPEC "}}}}}}",
         "spec.schedule", "FieldValueRequired"},
        {"cj",
         "{" META ",\"spec\":{\"schedule\":\"every minute\",\"jobTemplate\":{\"spec\":{"
         "\"template\":{\"spec\":{\"restartPolicy\":\"Never\"," POD_SPEC "}}}}}}",
         "spec.schedule", "FieldValueInvalid"},
        {"svc", "{" META ",\"spec\":{}}", "spec.ports", "FieldValueRequired"},
        {"pdb", "{" META ",\"spec\":{\"minAvailable\":1,\"maxUnavailable\":1}}", "spec",
         "FieldValueInvalid"},
        {"pdb", "{" META ",\"spec\":{\"minAvailable\":-1}}", "spec.minAvailable",
         "FieldValueInvalid"},
        {"pdb", "{" META ",\"spec\":{\"maxUnavailable\":\"20Percent\"}}", "spec.maxUnavailable",
         "FieldValueInvalid"},
        {"pdb", "{" META ",\"spec\":{\"minAvailable\":\"101%\"}}", "spec.minAvailable",
         "FieldValueInvalid"},
        {"pdb", "{" META ",\"spec\":{\"minAvailable\":true}}", "spec.minAvailable",
         "FieldValueInvalid"},
        {"pdb", "{" META ",\"spec\":{\"unhealthyPodEvictionPolicy\":\"Sometimes\"}}",
         "spec.unhealthyPodEvictionPolicy", "FieldValueNotSupported"},
        {"svc", "{" META ",\"spec\":{\"ports\":[{\"port\":0}]}}", "spec.ports[0].port",
         "FieldValueInvalid"},
        {"svc", "{" META ",\"spec\":{\"ports\":[{\"port\":80},{\"port\":81}]}}",
         "spec.ports[0].name", "FieldValueRequired"},
        {"svc",
         "{" META ",\"spec\":{\"ports\":[{\"port\":80,\"name\":\"a\"},{\"port\":81,"
         "\"name\":\"a\"}]}}",
         "spec.ports[1].name", "FieldValueDuplicate"},
        {"svc", "{" META ",\"spec\":{\"type\":\"Magic\",\"ports\":[{\"port\":80}]}}", "spec.type",
         "FieldValueNotSupported"},
        {"svc", "{" META ",\"spec\":{\"type\":\"ExternalName\"}}", "spec.externalName",
         "FieldValueRequired"},
        {"cm", "{" META ",\"data\":{\"bad key\":\"x\"}}", "data[bad key]", "FieldValueInvalid"},
        {"secret", "{" META ",\"data\":{\"a/b\":\"eA==\"}}", "data[a/b]", "FieldValueInvalid"},
        {"ev", "{" META ",\"reason\":\"x\"}", "involvedObject", "FieldValueRequired"},
        {"lease", "{" META ",\"spec\":{\"leaseDurationSeconds\":0}}", "spec.leaseDurationSeconds",
         "FieldValueInvalid"},
        {"no", "{" CMETA ",\"spec\":{\"taints\":[{\"key\":\"k\",\"effect\":\"Maybe\"}]}}",
         "spec.taints[0].effect", "FieldValueNotSupported"},
        {"pvc", "{" META ",\"spec\":{\"resources\":{\"requests\":{\"storage\":\"1Gi\"}}}}",
         "spec.accessModes", "FieldValueRequired"},
        {"pv",
         "{" CMETA ",\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],\"capacity\":{"
         "\"storage\":\"1Gi\"}}}",
         "spec", "FieldValueRequired"},
        {"hpa",
         "{" META ",\"spec\":{\"scaleTargetRef\":{\"kind\":\"Deployment\",\"name\":\"d\"},"
         "\"minReplicas\":5,\"maxReplicas\":2}}",
         "spec.maxReplicas", "FieldValueInvalid"},
        {"ing",
         "{" META ",\"spec\":{\"rules\":[{\"http\":{\"paths\":[{\"path\":\"/\","
         "\"backend\":{\"service\":{\"name\":\"web\",\"port\":{\"number\":80}}}}]}}]}}",
         "spec.rules[0].http.paths[0].pathType", "FieldValueRequired"},
        {"sc", "{" CMETA "}", "provisioner", "FieldValueRequired"},
        {"roles", "{" META ",\"rules\":[{\"apiGroups\":[\"\"],\"resources\":[\"pods\"]}]}",
         "rules[0].verbs", "FieldValueRequired"},
        {"clusterrolebindings",
         "{" CMETA ",\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\","
         "\"kind\":\"Role\",\"name\":\"r\"}}",
         "roleRef.kind", "FieldValueNotSupported"},
        {"pc", "{" CMETA ",\"value\":2000000000}", "value", "FieldValueForbidden"},
        {"endpointslices", "{" META ",\"addressType\":\"IPX\"}", "addressType",
         "FieldValueNotSupported"},
        {"limits", "{" META ",\"spec\":{\"limits\":[{\"max\":{\"cpu\":\"2\"}}]}}",
         "spec.limits[0].type", "FieldValueRequired"},
    };
    for (size_t i = 0; i < C8S_ARRAY_SIZE(invalid); i++) {
        c8s_err_t err = C8S_ERR_INIT;
        int rc = run(invalid[i].kind, invalid[i].obj, NULL, NULL, &err);
        CHECK_MSG(rc == C8S_EINVALID, "invalid[%zu] %s: rc %d", i, invalid[i].kind, rc);
        bool ok = has_cause(&err, invalid[i].field, invalid[i].reason);
        CHECK_MSG(ok, "invalid[%zu] %s: want %s %s", i, invalid[i].kind, invalid[i].field,
                  invalid[i].reason);
        if (!ok)
            dump(&err);
        c8s_err_clear(&err);
    }

    /* Summary messages as upstream: one cause bare, several in brackets, groups qualified. */
    c8s_err_t err = C8S_ERR_INIT;
    run("pods", "{\"metadata\":{\"name\":\"x\",\"namespace\":\"d\"},\"spec\":{}}", NULL, NULL,
        &err);
    CHECK_STR(err.msg, "Pod \"x\" is invalid: spec.containers: Required value");
    CHECK_INT(err.code, C8S_EINVALID);
    c8s_err_clear(&err);
    run("pods",
        "{" META ",\"spec\":{\"restartPolicy\":\"X\",\"containers\":[{\"name\":\"Foo\","
        "\"image\":\"i\"}]}}",
        NULL, NULL, &err);
    CHECK_STR(err.msg,
              "Pod \"x\" is invalid: [spec.containers[0].name: Invalid value: \"Foo\": a "
              "lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
              "'-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
              "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?'), "
              "spec.restartPolicy: Unsupported value: \"X\": supported values: \"Always\", "
              "\"OnFailure\", \"Never\"]");
    CHECK_INT(c8s_err_cause_count(&err), 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(err.causes, 0), "message")),
              "Invalid value: \"Foo\": a lowercase RFC 1123 label must consist of lower case "
              "alphanumeric characters or '-', and must start and end with an alphanumeric "
              "character (e.g. 'my-name',  or '123-abc', regex used for validation is "
              "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
    c8s_err_clear(&err);
    run("deploy", "{" META ",\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"y\"}}," TMPL "}}",
        NULL, NULL, &err);
    CHECK_STR(err.msg, "Deployment.apps \"x\" is invalid: spec.template.metadata.labels: Invalid "
                       "value: {\"app\":\"x\"}: `selector` does not match template `labels`");
    c8s_err_clear(&err);
    run("pods",
        "{" META ",\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"i\","
        "\"resources\":{\"requests\":{\"cpu\":\"2\"},\"limits\":{\"cpu\":\"1\"}}}]}}",
        NULL, NULL, &err);
    CHECK_STR(err.msg, "Pod \"x\" is invalid: spec.containers[0].resources.requests: Invalid "
                       "value: \"2\": must be less than or equal to cpu limit of 1");
    c8s_err_clear(&err);

    /* Updates: allowed changes pass, immutable fields are refused. */
    static const char pod_old[] =
        "{" META ",\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx:1\"}]}}";
    static const struct {
        const char *kind, *obj, *old, *field, *reason; /* field NULL: must pass */
    } updates[] = {
        {"pods", "{" META ",\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx:2\"}]}}",
         pod_old, NULL, NULL},
        {"pods",
         "{" META ",\"spec\":{\"activeDeadlineSeconds\":30,\"tolerations\":[{\"key\":\"k\","
         "\"operator\":\"Exists\"}],\"containers\":[{\"name\":\"c\",\"image\":\"nginx:1\"}]}}",
         pod_old, NULL, NULL},
        {"pods",
         "{" META ",\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx:1\","
         "\"ports\":[{\"containerPort\":80}]}]}}",
         pod_old, "spec", "FieldValueForbidden"},
        {"pods",
         "{" META ",\"spec\":{\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"c\","
         "\"image\":\"nginx:1\"}]}}",
         pod_old, "spec", "FieldValueForbidden"},
        {"pods",
         "{\"metadata\":{\"name\":\"y\",\"namespace\":\"default\"},\"spec\":{"
         "\"containers\":[{\"name\":\"c\",\"image\":\"nginx:1\"}]}}",
         pod_old, "metadata.name", "FieldValueInvalid"},
        {"pods",
         "{\"metadata\":{\"name\":\"x\",\"namespace\":\"default\",\"uid\":\"u2\"},"
         "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx:1\"}]}}",
         "{\"metadata\":{\"name\":\"x\",\"namespace\":\"default\",\"uid\":\"u1\"},\"spec\":{"
         "\"containers\":[{\"name\":\"c\",\"image\":\"nginx:1\"}]}}",
         "metadata.uid", "FieldValueInvalid"},
        {"deploy", "{" META ",\"spec\":{\"replicas\":5," SEL "," TMPL "}}",
         "{" META ",\"spec\":{" SEL "," TMPL "}}", NULL, NULL},
        {"deploy",
         "{" META ",\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"x\",\"v\":\"2\"}},"
         "\"template\":{\"metadata\":{\"labels\":{\"app\":\"x\",\"v\":\"2\"}},\"spec\":{" POD_SPEC
         "}}}}",
         "{" META ",\"spec\":{" SEL "," TMPL "}}", "spec.selector", "FieldValueInvalid"},
        {"sts", "{" META ",\"spec\":{\"replicas\":3,\"serviceName\":\"a\"," SEL "," TMPL "}}",
         "{" META ",\"spec\":{\"serviceName\":\"a\"," SEL "," TMPL "}}", NULL, NULL},
        {"sts", "{" META ",\"spec\":{\"serviceName\":\"b\"," SEL "," TMPL "}}",
         "{" META ",\"spec\":{\"serviceName\":\"a\"," SEL "," TMPL "}}", "spec",
         "FieldValueForbidden"},
        {"svc", "{" META ",\"spec\":{\"clusterIP\":\"10.96.0.2\",\"ports\":[{\"port\":80}]}}",
         "{" META ",\"spec\":{\"clusterIP\":\"10.96.0.1\",\"ports\":[{\"port\":80}]}}",
         "spec.clusterIP", "FieldValueInvalid"},
        {"svc", "{" META ",\"spec\":{\"clusterIP\":\"10.96.0.1\",\"ports\":[{\"port\":81}]}}",
         "{" META ",\"spec\":{\"clusterIP\":\"10.96.0.1\",\"ports\":[{\"port\":80}]}}", NULL, NULL},
        {"secret",
         "{" META ",\"type\":\"kubernetes.io/tls\",\"data\":{\"tls.crt\":\"\","
         "\"tls.key\":\"\"}}",
         "{" META ",\"type\":\"Opaque\"}", "type", "FieldValueInvalid"},
        {"cm", "{" META ",\"immutable\":true,\"data\":{\"a\":\"2\"}}",
         "{" META ",\"immutable\":true,\"data\":{\"a\":\"1\"}}", "data", "FieldValueForbidden"},
        {"jobs",
         "{" META ",\"spec\":{\"selector\":{\"matchLabels\":{\"a\":\"b\"}},\"template\":{"
         "\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{\"restartPolicy\":\"Never\"," POD_SPEC
         "}}}}",
         "{" META ",\"spec\":{\"selector\":{\"matchLabels\":{\"a\":\"c\"}},\"template\":{"
         "\"metadata\":{\"labels\":{\"a\":\"c\"}},\"spec\":{\"restartPolicy\":\"Never\"," POD_SPEC
         "}}}}",
         "spec.selector", "FieldValueInvalid"},
        {"jobs", JOB("\"managedBy\":\"example.com/b\","), JOB("\"managedBy\":\"example.com/a\","),
         "spec.managedBy", "FieldValueInvalid"},
        {"jobs", JOB(IDX "\"backoffLimitPerIndex\":2,"), JOB(IDX "\"backoffLimitPerIndex\":1,"),
         "spec.backoffLimitPerIndex", "FieldValueInvalid"},
        {"jobs", JOB(IDX "\"backoffLimitPerIndex\":1,\"maxFailedIndexes\":2,"),
         JOB(IDX "\"backoffLimitPerIndex\":1,\"maxFailedIndexes\":1,"), NULL, NULL},
        {"rolebindings",
         "{" META ",\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\","
         "\"kind\":\"Role\",\"name\":\"b\"}}",
         "{" META ",\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"Role\","
         "\"name\":\"a\"}}",
         "roleRef", "FieldValueInvalid"},
    };
    for (size_t i = 0; i < C8S_ARRAY_SIZE(updates); i++) {
        c8s_err_clear(&err);
        int rc = run(updates[i].kind, updates[i].obj, updates[i].old, NULL, &err);
        if (!updates[i].field) {
            CHECK_MSG(rc == 0, "update[%zu] %s: rc %d: %s", i, updates[i].kind, rc, err.msg);
            continue;
        }
        CHECK_MSG(rc == C8S_EINVALID, "update[%zu] %s: rc %d", i, updates[i].kind, rc);
        bool ok = has_cause(&err, updates[i].field, updates[i].reason);
        CHECK_MSG(ok, "update[%zu] %s: want %s %s", i, updates[i].kind, updates[i].field,
                  updates[i].reason);
        if (!ok)
            dump(&err);
    }
    c8s_err_clear(&err);
    run("pods",
        "{" META ",\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx:1\",\"ports\":[{"
        "\"containerPort\":80}]}]}}",
        pod_old, NULL, &err);
    CHECK(strstr(err.msg, "Pod \"x\" is invalid: spec: Forbidden: pod updates may not change "
                          "fields other than `spec.containers[*].image`") == err.msg);
    c8s_err_clear(&err);

    /* The status subresource skips spec checks but still checks status and metadata. */
    CHECK_INT(run("deploy", "{" META ",\"spec\":{},\"status\":{\"replicas\":1}}",
                  "{" META ",\"spec\":{}}", "status", &err),
              0);
    c8s_err_clear(&err);
    CHECK_INT(run("deploy", "{" META ",\"spec\":{},\"status\":{\"replicas\":-1}}",
                  "{" META ",\"spec\":{}}", "status", &err),
              C8S_EINVALID);
    CHECK(has_cause(&err, "status.replicas", "FieldValueInvalid"));
    c8s_err_clear(&err);
    CHECK_INT(run("pdb",
                  "{" META ",\"spec\":{},\"status\":{\"disruptionsAllowed\":-1,"
                  "\"currentHealthy\":0,\"desiredHealthy\":0,\"expectedPods\":0}}",
                  "{" META ",\"spec\":{}}", "status", &err),
              C8S_EINVALID);
    CHECK(has_cause(&err, "status.disruptionsAllowed", "FieldValueInvalid"));
    c8s_err_clear(&err);
    /* The message of both bounds set, as upstream words it. */
    CHECK_INT(run("pdb", "{" META ",\"spec\":{\"minAvailable\":1,\"maxUnavailable\":\"10%\"}}",
                  NULL, NULL, &err),
              C8S_EINVALID);
    CHECK(strstr(err.msg, "PodDisruptionBudget.policy \"x\" is invalid: spec: Invalid value: ") ==
          err.msg);
    CHECK(strstr(err.msg, "minAvailable and maxUnavailable cannot be both set") != NULL);
    c8s_err_clear(&err);

    /* Name checks. */
    CHECK(api_check_dns1123_label("my-name") == NULL);
    CHECK(api_check_dns1123_label("-x") != NULL);
    CHECK_STR(
        api_check_dns1123_label("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        "must be no more than 63 characters");
    CHECK(api_check_dns1123_subdomain("a.b-c.d") == NULL);
    CHECK(api_check_dns1123_subdomain("a..b") != NULL);
    CHECK(api_check_dns1123_subdomain("A") != NULL);
    CHECK(api_check_dns1035_label("1a") != NULL);
    CHECK(api_check_dns1035_label("a1") == NULL);
    CHECK(api_check_qualified_name("example.com/My_Name-1") == NULL);
    CHECK(api_check_qualified_name("Name") == NULL);
    CHECK_STR(api_check_qualified_name("/x"), "prefix part must be non-empty");
    CHECK_STR(api_check_qualified_name("x/"), "name part must be non-empty");
    CHECK(api_check_qualified_name("a/b/c") != NULL);
    CHECK(api_check_qualified_name("Bad_Prefix/x") != NULL);
    CHECK(api_check_label_value("") == NULL);
    CHECK(api_check_label_value("v1.2_x") == NULL);
    CHECK(api_check_label_value("v-") != NULL);
    CHECK(api_check_port_name("http") == NULL);
    CHECK_STR(api_check_port_name("80"), "must contain at least one letter (a-z)");
    CHECK_STR(api_check_port_name("a--b"), "must not contain consecutive hyphens");
    CHECK(api_check_env_var_name("MY.var-1") == NULL);
    CHECK(api_check_env_var_name("1X") != NULL);
    CHECK(api_check_config_key(".env") == NULL);
    CHECK_STR(api_check_config_key(".."), "must not be '..'");
    CHECK(api_check_path_segment_name("system:node") == NULL);
    CHECK(api_check_path_segment_name("a/b") != NULL);
    TEST_END();
}
