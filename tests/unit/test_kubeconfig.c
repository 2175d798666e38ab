/* test_kubeconfig.c — kubeconfig merging and overrides as kubectl resolves them (pure core). */
#include "c8s/kubeconfig.h"
#include "c8s/yaml.h"
#include "test.h"

static json_t *doc(const char *yaml)
{
    json_t *j = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    if (yaml_to_json(yaml, strlen(yaml), &j, &err) != 0)
        fprintf(stderr, "bad test yaml: %s\n", err.msg);
    c8s_err_clear(&err);
    return j;
}

static const char *file_a = "apiVersion: v1\n"
                            "kind: Config\n"
                            "current-context: a\n"
                            "clusters:\n"
                            "- name: ca\n"
                            "  cluster:\n"
                            "    server: https://a.example:6443\n"
                            "    certificate-authority: certs/ca.pem\n"
                            "- name: shared\n"
                            "  cluster: {server: https://first.example}\n"
                            "users:\n"
                            "- name: ua\n"
                            "  user:\n"
                            "    token: tok-a\n"
                            "    client-certificate-data: aGVsbG8=\n"
                            "    client-key: /abs/key.pem\n"
                            "contexts:\n"
                            "- name: a\n"
                            "  context: {cluster: ca, user: ua, namespace: team-a}\n"
                            "- name: s\n"
                            "  context: {cluster: shared, user: ub}\n";

static const char *file_b = "apiVersion: v1\n"
                            "kind: Config\n"
                            "current-context: b\n"
                            "clusters:\n"
                            "- name: shared\n"
                            "  cluster: {server: https://second.example}\n"
                            "- name: cb\n"
                            "  cluster:\n"
                            "    server: http://127.0.0.1:8080/\n"
                            "    insecure-skip-tls-verify: true\n"
                            "    certificate-authority-data: Y2EtYnl0ZXM=\n"
                            "users:\n"
                            "- name: ub\n"
                            "  user: {tokenFile: tok.txt}\n"
                            "contexts:\n"
                            "- name: b\n"
                            "  context: {cluster: cb, user: ub}\n"
                            "- name: a\n"
                            "  context: {cluster: cb, user: ub, namespace: ignored}\n";

int main(void)
{
    json_t *a = doc(file_a), *b = doc(file_b);
    kubeconfig_file_t files[] = {{a, "/home/u/.kube"}, {b, "/etc/k8s"}};
    c8s_err_t err = C8S_ERR_INIT;

    /* First file wins: current-context a, a's context (not b's "a"), a's cluster and user. */
    {
        kubeconfig_overrides_t ov = {0};
        kubeconfig_t kc = {0};
        CHECK_INT(kubeconfig_resolve(files, 2, &ov, &kc, &err), 0);
        CHECK_STR(kc.context, "a");
        CHECK_STR(kc.server, "https://a.example:6443");
        CHECK_STR(kc.namespace_, "team-a");
        CHECK(!kc.namespace_explicit);
        CHECK_STR(kc.token, "tok-a");
        CHECK_STR(kc.ca_file, "/home/u/.kube/certs/ca.pem"); /* relative to its file */
        CHECK_STR(kc.key_file, "/abs/key.pem");
        CHECK(kc.cert_data && kc.cert_data_len == 5 && memcmp(kc.cert_data, "hello", 5) == 0);
        CHECK(!kc.insecure);
        kubeconfig_clear(&kc);
    }
    /* Reversed order: b's current-context and b's "shared" cluster. */
    {
        kubeconfig_file_t rev[] = {files[1], files[0]};
        kubeconfig_overrides_t ov = {.context = "s"};
        kubeconfig_t kc = {0};
        CHECK_INT(kubeconfig_resolve(rev, 2, &ov, &kc, &err), 0);
        CHECK_STR(kc.server, "https://second.example");
        CHECK_STR(kc.namespace_, "default");
        CHECK_STR(kc.token_file, "/etc/k8s/tok.txt");
        CHECK(kc.token == NULL);
        kubeconfig_clear(&kc);
    }
    /* --context b with --namespace: insecure, CA data decoded, explicit namespace. */
    {
        kubeconfig_overrides_t ov = {.context = "b", .namespace_ = "kube-system"};
        kubeconfig_t kc = {0};
        CHECK_INT(kubeconfig_resolve(files, 2, &ov, &kc, &err), 0);
        CHECK_STR(kc.server, "http://127.0.0.1:8080/");
        CHECK(kc.insecure);
        CHECK(kc.ca_data && strcmp(kc.ca_data, "ca-bytes") == 0);
        CHECK_STR(kc.namespace_, "kube-system");
        CHECK(kc.namespace_explicit);
        kubeconfig_clear(&kc);
    }
    /* --server and --token override the context's. */
    {
        kubeconfig_overrides_t ov = {.server = "http://h:1", .token = "t2", .insecure = true};
        kubeconfig_t kc = {0};
        CHECK_INT(kubeconfig_resolve(files, 2, &ov, &kc, &err), 0);
        CHECK_STR(kc.server, "http://h:1");
        CHECK_STR(kc.token, "t2");
        CHECK(kc.insecure);
        kubeconfig_clear(&kc);
    }
    /* A missing --context is an error in kubectl's words. */
    {
        kubeconfig_overrides_t ov = {.context = "nope"};
        kubeconfig_t kc = {0};
        CHECK_INT(kubeconfig_resolve(files, 2, &ov, &kc, &err), C8S_EBADREQUEST);
        CHECK_STR(err.msg, "context \"nope\" does not exist");
        kubeconfig_clear(&kc);
        c8s_err_clear(&err);
    }
    /* No files at all: kubectl's localhost:8080 and the default namespace. */
    {
        kubeconfig_overrides_t ov = {0};
        kubeconfig_t kc = {0};
        CHECK_INT(kubeconfig_resolve(NULL, 0, &ov, &kc, &err), 0);
        CHECK_STR(kc.server, "http://localhost:8080");
        CHECK_STR(kc.namespace_, "default");
        CHECK_STR(kc.context, "");
        kubeconfig_clear(&kc);
    }
    /* Malformed base64 in a *-data field is an error. */
    {
        json_t *bad = doc("current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\n"
                          "clusters:\n- name: c\n  cluster: {server: http://s, "
                          "certificate-authority-data: '!!notbase64'}\n");
        kubeconfig_file_t f[] = {{bad, "."}};
        kubeconfig_overrides_t ov = {0};
        kubeconfig_t kc = {0};
        CHECK_INT(kubeconfig_resolve(f, 1, &ov, &kc, &err), C8S_EBADREQUEST);
        kubeconfig_clear(&kc);
        c8s_err_clear(&err);
        json_decref(bad);
    }
    /* base64 with whitespace and padding. */
    {
        char *out;
        size_t len;
        CHECK_INT(kubeconfig_base64_decode("aGVs\nbG8g\nd29y bGQ=", &out, &len, &err), 0);
        CHECK_STR(out, "hello world");
        CHECK_INT(len, 11);
        free(out);
    }
    json_decref(a);
    json_decref(b);
    TEST_END();
}
