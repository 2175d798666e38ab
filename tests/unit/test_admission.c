/* test_admission.c — the pure admission decisions give upstream's results and messages. */
#include "c8s/admission.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static json_t *load(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, 0, &jerr);
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

int main(void)
{
    test_default_tolerations();
    test_namespace_lifecycle();
    TEST_END();
}
