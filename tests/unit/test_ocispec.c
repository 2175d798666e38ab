/* test_ocispec.c — the OCI runtime spec function and its resource math (pure, no I/O). */
#include "c8s/ocispec.h"
#include "c8s/runtime.h"
#include "test.h"

#include <stdbool.h>
#include <stdlib.h>

static json_t *J(const char *s)
{
    json_error_t e;
    json_t *j = json_loads(s, 0, &e);
    if (!j)
        fprintf(stderr, "bad test JSON: %s: %s\n", e.text, s);
    return j;
}

static const ocispec_node_t base_node = {
    .container_id = "c1",
    .rootfs = "/run/rootfs",
    .netns_path = "/run/netns/p",
    .pod_cgroup = "/kubepods/besteffort/podu1",
    .cgroup_version = 1,
    .hostname = "web",
    .node_name = "node1",
    .pod_ip = "10.244.0.5",
    .host_ip = "192.168.1.2",
    .node_cpu_milli = 2000,
    .node_memory_bytes = 4LL << 30,
};

/* Builds the spec of the first container of pod with the given image config; NULL on error
 * (with err filled). */
static json_t *build(const char *pod_s, const char *image_s, const ocispec_node_t *node,
                     c8s_err_t *err)
{
    cleanup_json json_t *pod = J(pod_s);
    cleanup_json json_t *img = image_s ? J(image_s) : NULL;
    json_t *c = json_array_get(json_object_get(json_object_get(pod, "spec"), "containers"), 0);
    json_t *out = NULL;
    if (ocispec_build(pod, c, img, node ? node : &base_node, &out, err) < 0)
        return NULL;
    return out;
}

/* The process args joined by '|' (owned). */
static char *args_of(const json_t *spec)
{
    const json_t *a = json_object_get(json_object_get(spec, "process"), "args");
    size_t i, n = 1;
    const json_t *e;
    json_array_foreach(a, i, e) n += strlen(json_string_value(e)) + 1;
    char *s = calloc(1, n);
    json_array_foreach(a, i, e)
    {
        if (i)
            strcat(s, "|");
        strcat(s, json_string_value(e));
    }
    return s;
}

static bool has_env(const json_t *spec, const char *kv)
{
    const json_t *a = json_object_get(json_object_get(spec, "process"), "env");
    size_t i;
    const json_t *e;
    json_array_foreach(a, i, e) if (strcmp(json_string_value(e), kv) == 0) return true;
    return false;
}

static bool has_str(const json_t *arr, const char *s)
{
    size_t i;
    const json_t *e;
    json_array_foreach(arr, i, e) if (strcmp(json_string_value(e), s) == 0) return true;
    return false;
}

#define POD(containers)                                                                            \
    "{\"metadata\":{\"name\":\"web\",\"namespace\":\"ns1\",\"uid\":\"u1\",\"labels\":{\"app\":"    \
    "\"x\"},\"annotations\":{\"a/b\":\"c\"}},\"spec\":{\"serviceAccountName\":\"sa\","             \
    "\"containers\":[" containers "]}}"

static void test_command_args(void)
{
    static const struct {
        const char *container, *image, *want;
    } cases[] = {
        /* neither: Entrypoint + Cmd */
        {"{\"name\":\"c\"}", "{\"Entrypoint\":[\"/ep\"],\"Cmd\":[\"a\",\"b\"]}", "/ep|a|b"},
        /* command only: Cmd dropped */
        {"{\"name\":\"c\",\"command\":[\"/x\"]}", "{\"Entrypoint\":[\"/ep\"],\"Cmd\":[\"a\"]}",
         "/x"},
        /* args only: Entrypoint + args */
        {"{\"name\":\"c\",\"args\":[\"z\"]}", "{\"Entrypoint\":[\"/ep\"],\"Cmd\":[\"a\"]}",
         "/ep|z"},
        /* both */
        {"{\"name\":\"c\",\"command\":[\"/x\"],\"args\":[\"y\"]}",
         "{\"Entrypoint\":[\"/ep\"],\"Cmd\":[\"a\"]}", "/x|y"},
        /* Entrypoint [""] counts as none */
        {"{\"name\":\"c\"}", "{\"Entrypoint\":[\"\"],\"Cmd\":[\"sh\"]}", "sh"},
        /* $(VAR) from the container env, not from the image env */
        {"{\"name\":\"c\",\"command\":[\"echo\",\"$(A)-$(IMG)-$$(A)-$(NOPE)\"],"
         "\"env\":[{\"name\":\"A\",\"value\":\"1\"}]}",
         "{\"Env\":[\"IMG=i\"]}", "echo|1-$(IMG)-$(A)-$(NOPE)"},
    };
    for (size_t i = 0; i < C8S_ARRAY_SIZE(cases); i++) {
        char pod[2048];
        snprintf(pod, sizeof pod, POD("%s"), cases[i].container);
        c8s_err_t err = C8S_ERR_INIT;
        cleanup_json json_t *spec = build(pod, cases[i].image, NULL, &err);
        CHECK_MSG(spec != NULL, "case %zu: %s", i, err.msg);
        if (!spec)
            continue;
        cleanup_free char *a = args_of(spec);
        CHECK_STR(a, cases[i].want);
        c8s_err_clear(&err);
    }
    c8s_err_t err = C8S_ERR_INIT;
    json_t *none = build(POD("{\"name\":\"c\"}"), "{}", NULL, &err);
    CHECK(none == NULL);
    CHECK_STR(err.msg, "no command specified");
    c8s_err_clear(&err);
}

static void test_expand(void)
{
    cleanup_json json_t *env = J("{\"A\":\"x\",\"B\":\"y\"}");
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"$(A)", "x"},    {"$(A)$(B)", "xy"}, {"$$(A)", "$(A)"},      {"$$", "$"},
        {"$(C)", "$(C)"}, {"$(A", "$(A"},     {"a$", "a$"},           {"$x", "$x"},
        {"$()", "$()"},   {"$$$(A)", "$x"},   {"no vars", "no vars"},
    };
    for (size_t i = 0; i < C8S_ARRAY_SIZE(cases); i++) {
        cleanup_free char *got = ocispec_expand(cases[i].in, env);
        CHECK_MSG(strcmp(got, cases[i].want) == 0, "%s → %s, want %s", cases[i].in, got,
                  cases[i].want);
    }
}

static void test_env(void)
{
    const char *pod = POD(
        "{\"name\":\"c\",\"command\":[\"x\"],\"resources\":{\"limits\":{\"memory\":\"64Mi\"},"
        "\"requests\":{\"cpu\":\"250m\"}},"
        "\"envFrom\":[{\"configMapRef\":{\"name\":\"cm\"},\"prefix\":\"CM_\"},"
        "{\"secretRef\":{\"name\":\"missing\",\"optional\":true}}],"
        "\"env\":[{\"name\":\"PATH\",\"value\":\"/mine\"},"
        "{\"name\":\"N\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"metadata.name\"}}},"
        "{\"name\":\"NS\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"metadata.namespace\"}}},"
        "{\"name\":\"UID\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"metadata.uid\"}}},"
        "{\"name\":\"L\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"metadata.labels['app']\"}}},"
        "{\"name\":\"AN\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":"
        "\"metadata.annotations['a/b']\"}}},"
        "{\"name\":\"IP\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"status.podIP\"}}},"
        "{\"name\":\"HIP\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"status.hostIP\"}}},"
        "{\"name\":\"NODE\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"spec.nodeName\"}}},"
        "{\"name\":\"SA\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":"
        "\"spec.serviceAccountName\"}}},"
        "{\"name\":\"MEM\",\"valueFrom\":{\"resourceFieldRef\":{\"resource\":\"limits.memory\","
        "\"divisor\":\"1Mi\"}}},"
        "{\"name\":\"CPU\",\"valueFrom\":{\"resourceFieldRef\":{\"resource\":\"requests.cpu\","
        "\"divisor\":\"1m\"}}},"
        "{\"name\":\"CPUL\",\"valueFrom\":{\"resourceFieldRef\":{\"resource\":\"limits.cpu\"}}},"
        "{\"name\":\"K\",\"valueFrom\":{\"configMapKeyRef\":{\"name\":\"cm\",\"key\":\"k\"}}},"
        "{\"name\":\"S\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"sec\",\"key\":\"pw\"}}},"
        "{\"name\":\"OPT\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"sec\",\"key\":\"no\","
        "\"optional\":true}}},"
        "{\"name\":\"E\",\"value\":\"$(N)/$(K)/$(CM_k)\"},"
        "{\"name\":\"IMG\",\"value\":\"over\"}]}");
    cleanup_json json_t *cms = J("{\"cm\":{\"data\":{\"k\":\"v\",\"bad key\":\"z\"}}}");
    cleanup_json json_t *secs = J("{\"sec\":{\"data\":{\"pw\":\"czNjcmV0\"}}}");
    ocispec_node_t node = base_node;
    node.configmaps = cms;
    node.secrets = secs;
    c8s_err_t err = C8S_ERR_INIT;
    cleanup_json json_t *spec =
        build(pod, "{\"Env\":[\"PATH=/img\",\"IMG=base\",\"KEEP=1\"]}", &node, &err);
    CHECK_MSG(spec != NULL, "%s", err.msg);
    if (!spec)
        return;
    static const char *const want[] = {
        "HOSTNAME=web",  "PATH=/mine",      "IMG=over",   "KEEP=1",   "CM_k=v",
        "N=web",         "NS=ns1",          "UID=u1",     "L=x",      "AN=c",
        "IP=10.244.0.5", "HIP=192.168.1.2", "NODE=node1", "SA=sa",    "MEM=64",
        "CPU=250",       "CPUL=2",          "K=v",        "S=s3cret", "E=web/v/v",
    };
    for (size_t i = 0; i < C8S_ARRAY_SIZE(want); i++)
        CHECK_MSG(has_env(spec, want[i]), "env lacks %s", want[i]);
    CHECK(!has_env(spec, "CM_bad key=z"));
    const json_t *env = json_object_get(json_object_get(spec, "process"), "env");
    /* The image's PATH is replaced in place, not appended. */
    CHECK_STR(json_string_value(json_array_get(env, 1)), "PATH=/mine");
    size_t i;
    const json_t *e;
    json_array_foreach(env, i, e) CHECK(strncmp(json_string_value(e), "OPT=", 4) != 0);

    /* Missing ConfigMap and key: upstream's CreateContainerConfigError messages. */
    c8s_err_clear(&err);
    json_t *bad =
        build(POD("{\"name\":\"c\",\"command\":[\"x\"],\"env\":[{\"name\":\"K\","
                  "\"valueFrom\":{\"configMapKeyRef\":{\"name\":\"cm\",\"key\":\"q\"}}}]}"),
              NULL, &node, &err);
    CHECK(bad == NULL);
    CHECK(strstr(err.msg, "couldn't find key q in ConfigMap ns1/cm") != NULL);
    c8s_err_clear(&err);
    bad = build(POD("{\"name\":\"c\",\"command\":[\"x\"],\"envFrom\":[{\"configMapRef\":"
                    "{\"name\":\"nope\"}}]}"),
                NULL, &node, &err);
    CHECK(bad == NULL);
    CHECK_STR(err.msg, "configmap \"nope\" not found");
    c8s_err_clear(&err);
}

static const json_t *linux_of(const json_t *spec)
{
    return json_object_get(spec, "linux");
}

static void test_security(void)
{
    c8s_err_t err = C8S_ERR_INIT;
    /* Defaults: containerd's capability set, runc's masked/readonly paths, no seccomp. */
    cleanup_json json_t *d = build(POD("{\"name\":\"c\",\"command\":[\"x\"]}"), NULL, NULL, &err);
    REQUIRE_VOID(d != NULL);
    const json_t *caps =
        json_object_get(json_object_get(json_object_get(d, "process"), "capabilities"), "bounding");
    CHECK_INT(json_array_size(caps), 14);
    CHECK(has_str(caps, "CAP_NET_RAW") && !has_str(caps, "CAP_SYS_ADMIN"));
    CHECK(has_str(json_object_get(linux_of(d), "maskedPaths"), "/proc/kcore"));
    CHECK(has_str(json_object_get(linux_of(d), "readonlyPaths"), "/proc/sys"));
    CHECK(json_object_get(linux_of(d), "seccomp") == NULL);
    CHECK(json_is_false(json_object_get(json_object_get(d, "process"), "noNewPrivileges")));
    CHECK_INT(json_integer_value(
                  json_object_get(json_object_get(json_object_get(d, "process"), "user"), "uid")),
              0);
    CHECK_STR(json_string_value(json_object_get(d, "hostname")), "web");

    /* add/drop, runAsUser/Group, groups, readOnlyRoot, no escalation, RuntimeDefault. */
    const char *pod =
        "{\"metadata\":{\"name\":\"p\",\"uid\":\"u\"},\"spec\":{\"securityContext\":{"
        "\"runAsUser\":1000,\"supplementalGroups\":[5,6],\"fsGroup\":2000,"
        "\"seccompProfile\":{\"type\":\"RuntimeDefault\"}},\"containers\":[{\"name\":\"c\","
        "\"command\":[\"x\"],\"securityContext\":{\"runAsGroup\":3000,\"runAsNonRoot\":true,"
        "\"readOnlyRootFilesystem\":true,\"allowPrivilegeEscalation\":false,"
        "\"capabilities\":{\"add\":[\"NET_ADMIN\"],\"drop\":[\"NET_RAW\",\"KILL\"]}}}]}}";
    cleanup_json json_t *s = build(pod, "{\"User\":\"1:1\"}", NULL, &err);
    CHECK_MSG(s != NULL, "%s", err.msg);
    if (s) {
        const json_t *p = json_object_get(s, "process");
        const json_t *u = json_object_get(p, "user");
        CHECK_INT(json_integer_value(json_object_get(u, "uid")), 1000);
        CHECK_INT(json_integer_value(json_object_get(u, "gid")), 3000);
        CHECK_INT(json_array_size(json_object_get(u, "additionalGids")), 3);
        const json_t *c = json_object_get(json_object_get(p, "capabilities"), "effective");
        CHECK(has_str(c, "CAP_NET_ADMIN") && !has_str(c, "CAP_NET_RAW") && !has_str(c, "CAP_KILL"));
        CHECK_INT(json_array_size(c), 13);
        CHECK(json_is_true(json_object_get(p, "noNewPrivileges")));
        CHECK(json_is_true(json_object_get(json_object_get(s, "root"), "readonly")));
        const json_t *sec = json_object_get(linux_of(s), "seccomp");
        CHECK_STR(json_string_value(json_object_get(sec, "defaultAction")), "SCMP_ACT_ALLOW");
        const json_t *denied =
            json_object_get(json_array_get(json_object_get(sec, "syscalls"), 0), "names");
        CHECK(has_str(denied, "mount") && has_str(denied, "kexec_load") &&
              has_str(denied, "ptrace"));
    }
    c8s_err_clear(&err);

    /* SYS_ADMIN granted: mount is no longer refused; drop ALL then add one. */
    cleanup_json json_t *a =
        build(POD("{\"name\":\"c\",\"command\":[\"x\"],\"securityContext\":{\"seccompProfile\":"
                  "{\"type\":\"RuntimeDefault\"},\"capabilities\":{\"drop\":[\"ALL\"],"
                  "\"add\":[\"SYS_ADMIN\"]}}}"),
              NULL, NULL, &err);
    REQUIRE_VOID(a != NULL);
    const json_t *acaps = json_object_get(
        json_object_get(json_object_get(a, "process"), "capabilities"), "permitted");
    CHECK_INT(json_array_size(acaps), 1);
    const json_t *adenied = json_object_get(
        json_array_get(json_object_get(json_object_get(linux_of(a), "seccomp"), "syscalls"), 0),
        "names");
    CHECK(!has_str(adenied, "mount") && has_str(adenied, "ptrace"));

    /* Privileged: every capability, no masks, no seccomp, devices allowed. */
    cleanup_json json_t *pv =
        build(POD("{\"name\":\"c\",\"command\":[\"x\"],\"securityContext\":{\"privileged\":true,"
                  "\"seccompProfile\":{\"type\":\"RuntimeDefault\"}}}"),
              NULL, NULL, &err);
    REQUIRE_VOID(pv != NULL);
    CHECK_INT(json_array_size(json_object_get(
                  json_object_get(json_object_get(pv, "process"), "capabilities"), "bounding")),
              41);
    CHECK(json_object_get(linux_of(pv), "maskedPaths") == NULL);
    CHECK(json_object_get(linux_of(pv), "seccomp") == NULL);
    CHECK(json_is_true(json_object_get(
        json_array_get(json_object_get(json_object_get(linux_of(pv), "resources"), "devices"), 0),
        "allow")));

    /* runAsNonRoot with a root image user; a user name that cannot be resolved purely. */
    json_t *r = build(POD("{\"name\":\"c\",\"command\":[\"x\"],\"securityContext\":"
                          "{\"runAsNonRoot\":true}}"),
                      NULL, NULL, &err);
    CHECK(r == NULL);
    CHECK(strstr(err.msg, "container has runAsNonRoot and image will run as root") != NULL);
    c8s_err_clear(&err);
    r = build(POD("{\"name\":\"c\",\"command\":[\"x\"]}"), "{\"User\":\"nobody\"}", NULL, &err);
    CHECK(r == NULL && err.code == C8S_EINVALID);
    c8s_err_clear(&err);
    r = build(POD("{\"name\":\"c\",\"command\":[\"x\"],\"securityContext\":{\"capabilities\":"
                  "{\"add\":[\"BOGUS\"]}}}"),
              NULL, NULL, &err);
    CHECK(r == NULL && strstr(err.msg, "BOGUS") != NULL);
    c8s_err_clear(&err);
}

static void test_namespaces_mounts(void)
{
    c8s_err_t err = C8S_ERR_INIT;
    ocispec_node_t node = base_node;
    node.ipcns_path = "/run/c8s/pods/u1/ipc";
    node.utsns_path = "/run/c8s/pods/u1/uts";
    node.resolv_conf = "/run/c8s/pods/u1/resolv.conf";
    cleanup_json json_t *vols =
        J("[{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/v\",\"options\":"
          "[\"rbind\"]}]");
    node.mounts = vols;
    cleanup_json json_t *s = build(POD("{\"name\":\"c\",\"command\":[\"x\"]}"), NULL, &node, &err);
    REQUIRE_VOID(s != NULL);
    const json_t *ns = json_object_get(linux_of(s), "namespaces");
    size_t i;
    const json_t *e;
    int seen = 0;
    json_array_foreach(ns, i, e)
    {
        const char *t = json_string_value(json_object_get(e, "type"));
        const char *p = json_string_value(json_object_get(e, "path"));
        if (strcmp(t, "network") == 0 && p && strcmp(p, "/run/netns/p") == 0)
            seen |= 1;
        if (strcmp(t, "ipc") == 0 && p && strcmp(p, node.ipcns_path) == 0)
            seen |= 2;
        if (strcmp(t, "uts") == 0 && p && strcmp(p, node.utsns_path) == 0)
            seen |= 4;
        if (strcmp(t, "pid") == 0 && !p)
            seen |= 8;
        if (strcmp(t, "cgroup") == 0)
            seen |= 16;
    }
    CHECK_INT(seen, 15);
    /* Joining the pod's UTS namespace: the hostname is the namespace's, not set again. */
    CHECK(json_object_get(s, "hostname") == NULL);
    const json_t *m = json_object_get(s, "mounts");
    bool resolv = false, data = false;
    json_array_foreach(m, i, e)
    {
        const char *d = json_string_value(json_object_get(e, "destination"));
        resolv |= strcmp(d, "/etc/resolv.conf") == 0;
        data |= strcmp(d, "/data") == 0;
    }
    CHECK(resolv && data);
    CHECK_STR(json_string_value(json_object_get(linux_of(s), "cgroupsPath")),
              "/kubepods/besteffort/podu1/c1");
    node.cgroup_version = 2;
    cleanup_json json_t *s2 = build(POD("{\"name\":\"c\",\"command\":[\"x\"]}"), NULL, &node, &err);
    REQUIRE_VOID(s2 != NULL);
    seen = 0;
    json_array_foreach(json_object_get(linux_of(s2), "namespaces"), i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "type")), "cgroup") == 0)
            seen = 1;
    }
    CHECK_INT(seen, 1);
}

/* Bad input is an error, never a crash. */
static void test_bad_input(void)
{
    c8s_err_t err = C8S_ERR_INIT;
    ocispec_node_t node = base_node;
    node.rootfs = "/run/\xff";
    json_t *s = build(POD("{\"name\":\"c\",\"command\":[\"x\"]}"), NULL, &node, &err);
    CHECK(s == NULL && err.code == C8S_EINVALID);
    c8s_err_clear(&err);
    node = base_node;
    node.container_id = NULL;
    s = build(POD("{\"name\":\"c\",\"command\":[\"x\"]}"), NULL, &node, &err);
    CHECK(s == NULL && err.code == C8S_EINVALID);
    c8s_err_clear(&err);
    s = build(POD("{\"name\":\"c\",\"command\":[\"x\"],\"env\":[{\"name\":\"F\",\"valueFrom\":"
                  "{\"fieldRef\":{\"fieldPath\":\"spec.nope\"}}}]}"),
              NULL, NULL, &err);
    CHECK(s == NULL && strstr(err.msg, "unsupported fieldPath: spec.nope"));
    c8s_err_clear(&err);
    s = build(POD("{\"name\":\"c\",\"command\":[\"x\"],\"securityContext\":{\"seccompProfile\":"
                  "{\"type\":\"Localhost\"}}}"),
              NULL, NULL, &err);
    CHECK(s == NULL && err.code == C8S_EINVALID);
    c8s_err_clear(&err);
}

static void test_resources(void)
{
    CHECK_INT(ocispec_cpu_shares(0), 2);
    CHECK_INT(ocispec_cpu_shares(1), 2);
    CHECK_INT(ocispec_cpu_shares(100), 102);
    CHECK_INT(ocispec_cpu_shares(250), 256);
    CHECK_INT(ocispec_cpu_shares(1000), 1024);
    CHECK_INT(ocispec_cpu_shares(1000000), 262144);
    CHECK_INT(ocispec_cpu_quota(0, 100000), 0);
    CHECK_INT(ocispec_cpu_quota(1, 100000), 1000);
    CHECK_INT(ocispec_cpu_quota(250, 100000), 25000);
    CHECK_INT(ocispec_cpu_quota(1500, 100000), 150000);

    c8s_err_t err = C8S_ERR_INIT;
    cleanup_json json_t *s =
        build(POD("{\"name\":\"c\",\"command\":[\"x\"],\"resources\":{\"requests\":{\"cpu\":"
                  "\"100m\",\"memory\":\"1Gi\"},\"limits\":{\"cpu\":\"500m\",\"memory\":"
                  "\"2Gi\"}}}"),
              NULL, NULL, &err);
    REQUIRE_VOID(s != NULL);
    const json_t *r = json_object_get(linux_of(s), "resources");
    const json_t *cpu = json_object_get(r, "cpu");
    CHECK_INT(json_integer_value(json_object_get(cpu, "shares")), 102);
    CHECK_INT(json_integer_value(json_object_get(cpu, "quota")), 50000);
    CHECK_INT(json_integer_value(json_object_get(cpu, "period")), 100000);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(r, "memory"), "limit")),
              2LL << 30);
    /* Burstable: 1000 - 1000*1Gi/4Gi = 750 */
    CHECK_INT(json_integer_value(json_object_get(json_object_get(s, "process"), "oomScoreAdj")),
              750);
    /* Only a cpu limit: the request defaults to it for shares. */
    cleanup_json json_t *l = build(
        POD("{\"name\":\"c\",\"command\":[\"x\"],\"resources\":{\"limits\":{\"cpu\":\"2\"}}}"),
        NULL, NULL, &err);
    REQUIRE_VOID(l != NULL);
    CHECK_INT(json_integer_value(json_object_get(
                  json_object_get(json_object_get(linux_of(l), "resources"), "cpu"), "shares")),
              2048);
    ocispec_node_t node = base_node;
    node.pids_limit = 1024;
    cleanup_json json_t *p = build(POD("{\"name\":\"c\",\"command\":[\"x\"]}"), NULL, &node, &err);
    REQUIRE_VOID(p != NULL);
    const json_t *pr = json_object_get(linux_of(p), "resources");
    CHECK_INT(json_integer_value(json_object_get(json_object_get(pr, "pids"), "limit")), 1024);
    CHECK(json_object_get(pr, "memory") == NULL);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(pr, "cpu"), "shares")), 2);
    CHECK(json_object_get(json_object_get(pr, "cpu"), "quota") == NULL);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(p, "process"), "oomScoreAdj")),
              1000);
}

static void test_qos(void)
{
    static const struct {
        const char *containers;
        ocispec_qos_t want;
        const char *cgroup;
    } cases[] = {
        {"{\"name\":\"a\"}", OCISPEC_QOS_BESTEFFORT, "/kubepods/besteffort/podu1"},
        {"{\"name\":\"a\",\"resources\":{\"limits\":{\"cpu\":\"1\",\"memory\":\"1Gi\"}}}",
         OCISPEC_QOS_GUARANTEED, "/kubepods/podu1"},
        {"{\"name\":\"a\",\"resources\":{\"limits\":{\"cpu\":\"1\",\"memory\":\"1Gi\"},"
         "\"requests\":{\"cpu\":\"1\",\"memory\":\"1Gi\"}}}",
         OCISPEC_QOS_GUARANTEED, "/kubepods/podu1"},
        {"{\"name\":\"a\",\"resources\":{\"limits\":{\"cpu\":\"1\",\"memory\":\"1Gi\"},"
         "\"requests\":{\"cpu\":\"500m\"}}}",
         OCISPEC_QOS_BURSTABLE, "/kubepods/burstable/podu1"},
        {"{\"name\":\"a\",\"resources\":{\"limits\":{\"cpu\":\"1\"}}}", OCISPEC_QOS_BURSTABLE,
         "/kubepods/burstable/podu1"},
        {"{\"name\":\"a\",\"resources\":{\"requests\":{\"memory\":\"10Mi\"}}}",
         OCISPEC_QOS_BURSTABLE, "/kubepods/burstable/podu1"},
        /* one guaranteed container and one best-effort: burstable */
        {"{\"name\":\"a\",\"resources\":{\"limits\":{\"cpu\":\"1\",\"memory\":\"1Gi\"}}},"
         "{\"name\":\"b\"}",
         OCISPEC_QOS_BURSTABLE, "/kubepods/burstable/podu1"},
        /* zero requests count as none */
        {"{\"name\":\"a\",\"resources\":{\"requests\":{\"cpu\":\"0\"}}}", OCISPEC_QOS_BESTEFFORT,
         "/kubepods/besteffort/podu1"},
    };
    for (size_t i = 0; i < C8S_ARRAY_SIZE(cases); i++) {
        char buf[2048];
        snprintf(buf, sizeof buf, POD("%s"), cases[i].containers);
        cleanup_json json_t *pod = J(buf);
        CHECK_MSG(ocispec_qos_class(pod) == cases[i].want, "case %zu: %s", i,
                  ocispec_qos_name(ocispec_qos_class(pod)));
        cleanup_free char *cg = ocispec_pod_cgroup("/kubepods/", pod);
        CHECK_STR(cg, cases[i].cgroup);
    }
    CHECK_STR(ocispec_qos_name(OCISPEC_QOS_BESTEFFORT), "BestEffort");
    /* An init container without limits makes an otherwise guaranteed pod burstable. */
    cleanup_json json_t *pod =
        J("{\"metadata\":{\"uid\":\"u\"},\"spec\":{\"initContainers\":[{\"name\":\"i\"}],"
          "\"containers\":[{\"name\":\"a\",\"resources\":{\"limits\":{\"cpu\":\"1\","
          "\"memory\":\"1Gi\"}}}]}}");
    CHECK(ocispec_qos_class(pod) == OCISPEC_QOS_BURSTABLE);
}

static void test_pod_resources(void)
{
    static const struct {
        const char *spec;
        uint64_t shares;
        int64_t quota, memory;
    } cases[] = {
        {"\"containers\":[{\"name\":\"a\"}]", 2, 0, 0},
        {"\"containers\":[{\"name\":\"a\",\"resources\":{\"limits\":{\"cpu\":\"500m\","
         "\"memory\":\"64Mi\"}}},{\"name\":\"b\",\"resources\":{\"limits\":{\"cpu\":"
         "\"250m\",\"memory\":\"64Mi\"}}}]",
         768, 75000, 128LL << 20},
        /* one container without a memory limit: no pod memory limit; no cpu limit: no quota */
        {"\"containers\":[{\"name\":\"a\",\"resources\":{\"requests\":{\"cpu\":\"100m\"},"
         "\"limits\":{\"memory\":\"64Mi\"}}},{\"name\":\"b\"}]",
         102, 0, 0},
        /* a larger init container sets the pod's request */
        {"\"initContainers\":[{\"name\":\"i\",\"resources\":{\"requests\":{\"cpu\":\"2\"}}}],"
         "\"containers\":[{\"name\":\"a\",\"resources\":{\"requests\":{\"cpu\":\"500m\"}}}]",
         2048, 0, 0},
    };
    for (size_t i = 0; i < C8S_ARRAY_SIZE(cases); i++) {
        char buf[1024];
        snprintf(buf, sizeof buf, "{\"metadata\":{\"uid\":\"u\"},\"spec\":{%s}}", cases[i].spec);
        cleanup_json json_t *pod = J(buf);
        ocispec_pod_resources_t r;
        ocispec_pod_resources(pod, &r);
        CHECK_MSG(r.cpu_shares == cases[i].shares, "case %zu: shares %llu", i,
                  (unsigned long long)r.cpu_shares);
        CHECK_MSG(r.cpu_quota == cases[i].quota, "case %zu: quota %lld", i, (long long)r.cpu_quota);
        CHECK_MSG(r.memory_limit == cases[i].memory, "case %zu: memory %lld", i,
                  (long long)r.memory_limit);
        CHECK_INT(r.cpu_period, 100000);
    }
}

static void test_cri_record(void)
{
    /* 2026-11-23T01:02:03.000000042Z */
    int64_t ts = 1795395723LL * 1000000000LL + 42;
    cleanup_free char *f = runtime_cri_log_record(ts, "stdout", false, "hello", 5);
    CHECK_STR(f, "2026-11-23T01:02:03.000000042Z stdout F hello\n");
    cleanup_free char *p = runtime_cri_log_record(ts, "stderr", true, "abcdef", 3);
    CHECK_STR(p, "2026-11-23T01:02:03.000000042Z stderr P abc\n");
}

/* tty: true runs the process on a terminal, with TERM=xterm unless the env names a TERM. */
static void test_tty(void)
{
    c8s_err_t err = C8S_ERR_INIT;
    cleanup_json json_t *plain =
        build(POD("{\"name\":\"c\",\"command\":[\"sh\"]}"), NULL, NULL, &err);
    CHECK(plain && json_is_false(json_object_get(json_object_get(plain, "process"), "terminal")));
    CHECK(plain && !has_env(plain, "TERM=xterm"));
    cleanup_json json_t *t =
        build(POD("{\"name\":\"c\",\"command\":[\"sh\"],\"tty\":true}"), NULL, NULL, &err);
    CHECK(t && json_is_true(json_object_get(json_object_get(t, "process"), "terminal")));
    CHECK(t && has_env(t, "TERM=xterm"));
    cleanup_json json_t *own = build(POD("{\"name\":\"c\",\"command\":[\"sh\"],\"tty\":true,"
                                         "\"env\":[{\"name\":\"TERM\",\"value\":\"vt100\"}]}"),
                                     NULL, NULL, &err);
    CHECK(own && has_env(own, "TERM=vt100") && !has_env(own, "TERM=xterm"));
    c8s_err_clear(&err);
}

/* The attach socket's RESIZE payload: rows then columns, 2 bytes each, big endian. */
static void test_attach_resize(void)
{
    uint8_t b[RUNTIME_ATTACH_RESIZE_LEN];
    runtime_attach_resize_encode(b, 0x0102, 300);
    CHECK(b[0] == 1 && b[1] == 2 && b[2] == 1 && b[3] == 44);
    uint16_t r = 0, c = 0;
    CHECK(runtime_attach_resize_parse(b, sizeof b, &r, &c));
    CHECK_INT(r, 0x0102);
    CHECK_INT(c, 300);
    CHECK(!runtime_attach_resize_parse(b, 3, &r, &c));
    CHECK(!runtime_attach_resize_parse((const uint8_t[]){0, 0, 0, 80}, 4, &r, &c));
    CHECK(!runtime_attach_resize_parse((const uint8_t[]){0, 24, 0, 0}, 4, &r, &c));
    uint8_t longer[5] = {0, 24, 0, 80, 0};
    CHECK(!runtime_attach_resize_parse(longer, sizeof longer, &r, &c));
}

int main(void)
{
    test_tty();
    test_attach_resize();
    test_command_args();
    test_expand();
    test_env();
    test_security();
    test_namespaces_mounts();
    test_resources();
    test_bad_input();
    test_qos();
    test_pod_resources();
    test_cri_record();
    TEST_END();
}
