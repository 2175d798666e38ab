/*
 * test_audit.c — audit policy parsing and matching (first match wins, levels, omitStages,
 * resources with subresources and names, namespaces, non-resource URLs, users and groups) and
 * lumberjack's rotated-file names.
 */
#include "test.h"

#include "c8s/audit.h"

#include <stdlib.h>
#include <string.h>

static const char policy_yaml[] = "apiVersion: audit.k8s.io/v1\n"
                                  "kind: Policy\n"
                                  "omitStages: [RequestReceived]\n"
                                  "rules:\n"
                                  "- level: None\n"
                                  "  users: [system:kube-proxy]\n"
                                  "  verbs: [watch]\n"
                                  "- level: None\n"
                                  "  nonResourceURLs: ['/healthz*', /version]\n"
                                  "- level: Metadata\n"
                                  "  resources:\n"
                                  "  - group: ''\n"
                                  "    resources: [secrets, configmaps]\n"
                                  "- level: Request\n"
                                  "  userGroups: [system:nodes]\n"
                                  "  resources:\n"
                                  "  - group: ''\n"
                                  "    resources: ['pods/status', '*/scale']\n"
                                  "- level: RequestResponse\n"
                                  "  resources:\n"
                                  "  - group: apps\n"
                                  "    resources: ['deployments/*']\n"
                                  "    resourceNames: [web]\n"
                                  "  omitStages: [ResponseStarted]\n"
                                  "- level: Request\n"
                                  "  namespaces: [kube-system]\n"
                                  "- level: None\n"
                                  "  namespaces: ['']\n"
                                  "  verbs: [get]\n"
                                  "- level: Metadata\n";

static auth_attrs_t res(const char *verb, const char *group, const char *resource, const char *sub,
                        const char *ns, const char *name)
{
    return (auth_attrs_t){.resource_request = true,
                          .verb = verb,
                          .api_group = group,
                          .api_version = "v1",
                          .resource = resource,
                          .subresource = sub,
                          .ns = ns,
                          .name = name,
                          .path = "/api/v1/x"};
}

static void test_match(void)
{
    audit_policy_t *p = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    int rc = audit_policy_parse(policy_yaml, strlen(policy_yaml), &p, &err);
    CHECK_MSG(rc == 0, "parse: %s", err.msg);
    if (rc != 0)
        return;
    const char *ng[] = {"system:nodes", "system:authenticated"};
    auth_user_t *node = auth_user_new("system:node:n1", NULL, ng, 2);
    auth_user_t *proxy = auth_user_new("system:kube-proxy", NULL, ng + 1, 1);
    auth_user_t *alice = auth_user_new("alice", NULL, ng + 1, 1);
    unsigned omit;
    auth_attrs_t a;

    a = res("watch", "", "endpoints", NULL, NULL, NULL);
    CHECK_INT(audit_policy_match(p, proxy, &a, &omit), AUDIT_LEVEL_NONE);
    CHECK_INT(audit_policy_match(p, alice, &a, &omit), AUDIT_LEVEL_METADATA); /* last rule */
    CHECK_INT(omit, AUDIT_STAGE_REQUEST_RECEIVED);

    auth_attrs_t nr = {.verb = "get", .path = "/healthz/etcd"};
    CHECK_INT(audit_policy_match(p, alice, &nr, &omit), AUDIT_LEVEL_NONE);
    nr.path = "/version";
    CHECK_INT(audit_policy_match(p, alice, &nr, &omit), AUDIT_LEVEL_NONE);
    nr.path = "/versions";
    CHECK_INT(audit_policy_match(p, alice, &nr, &omit), AUDIT_LEVEL_METADATA);

    /* first match wins: secrets at Metadata even in kube-system (a later Request rule) */
    a = res("get", "", "secrets", NULL, "kube-system", "s");
    CHECK_INT(audit_policy_match(p, alice, &a, &omit), AUDIT_LEVEL_METADATA);
    a = res("get", "", "services", NULL, "kube-system", "s");
    CHECK_INT(audit_policy_match(p, alice, &a, &omit), AUDIT_LEVEL_REQUEST);

    /* subresources: exact and */
    a = res("update", "", "pods", "status", "default", "p");
    CHECK_INT(audit_policy_match(p, node, &a, &omit), AUDIT_LEVEL_REQUEST);
    CHECK_INT(audit_policy_match(p, alice, &a, &omit), AUDIT_LEVEL_METADATA);
    a = res("update", "", "replicationcontrollers", "scale", "default", "rc");
    CHECK_INT(audit_policy_match(p, node, &a, &omit), AUDIT_LEVEL_REQUEST);
    a = res("update", "", "pods", NULL, "default", "p");
    CHECK_INT(audit_policy_match(p, node, &a, &omit), AUDIT_LEVEL_METADATA);

    /* deployments/\* with resourceNames, and the rule's own omitStages */
    a = res("update", "apps", "deployments", "scale", "default", "web");
    CHECK_INT(audit_policy_match(p, alice, &a, &omit), AUDIT_LEVEL_REQUEST_RESPONSE);
    CHECK_INT(omit, AUDIT_STAGE_REQUEST_RECEIVED | AUDIT_STAGE_RESPONSE_STARTED);
    a = res("update", "apps", "deployments", NULL, "default", "web");
    CHECK_INT(audit_policy_match(p, alice, &a, &omit), AUDIT_LEVEL_REQUEST_RESPONSE);
    a = res("update", "apps", "deployments", "scale", "default", "other");
    CHECK_INT(audit_policy_match(p, alice, &a, &omit), AUDIT_LEVEL_METADATA);
    /* the core group has the any-resource scale rule only for nodes; alice falls through */
    a = res("update", "", "deployments", "scale", "default", "web");
    CHECK_INT(audit_policy_match(p, alice, &a, &omit), AUDIT_LEVEL_METADATA);

    /* namespaces: [''] is cluster scope */
    a = res("get", "", "nodes", NULL, NULL, "n1");
    CHECK_INT(audit_policy_match(p, alice, &a, &omit), AUDIT_LEVEL_NONE);
    a = res("list", "", "nodes", NULL, NULL, NULL);
    CHECK_INT(audit_policy_match(p, alice, &a, &omit), AUDIT_LEVEL_METADATA);
    /* a namespace rule never matches a non-resource request */
    nr.path = "/apis";
    CHECK_INT(audit_policy_match(p, NULL, &nr, &omit), AUDIT_LEVEL_METADATA);

    auth_user_free(node);
    auth_user_free(proxy);
    auth_user_free(alice);
    audit_policy_free(p);
}

static void test_errors(void)
{
    static const char *const bad[] = {
        "apiVersion: v1\nkind: ConfigMap\n",
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Everything\n",
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  omitStages: "
        "[Later]\n",
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  users: alice\n",
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  namespaces: [a]\n"
        "  nonResourceURLs: [/x]\n",
        "rules: [",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        audit_policy_t *p = NULL;
        c8s_err_t err = C8S_ERR_INIT;
        CHECK_MSG(audit_policy_parse(bad[i], strlen(bad[i]), &p, &err) != 0, "bad[%zu] accepted",
                  i);
        CHECK(p == NULL);
        c8s_err_clear(&err);
    }
    /* No rules: everything at None. */
    audit_policy_t *p = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    const char *empty = "apiVersion: audit.k8s.io/v1\nkind: Policy\n";
    REQUIRE_VOID(audit_policy_parse(empty, strlen(empty), &p, &err) == 0);
    auth_attrs_t a = res("get", "", "pods", NULL, "a", "b");
    unsigned omit;
    CHECK_INT(audit_policy_match(p, NULL, &a, &omit), AUDIT_LEVEL_NONE);
    audit_policy_free(p);
}

static void test_backup_name(void)
{
    char *n = audit_backup_name("/var/log/c8s/audit.log", 1795404600, 7);
    CHECK_STR(n, "/var/log/c8s/audit-2026-11-23T03-30-00.007.log");
    free(n);
    n = audit_backup_name("/var/log/audit", 1795404600, 120);
    CHECK_STR(n, "/var/log/audit-2026-11-23T03-30-00.120");
    free(n);
    n = audit_backup_name("/var/log.d/audit", 0, 0);
    CHECK_STR(n, "/var/log.d/audit-1970-01-01T00-00-00.000");
    free(n);
    CHECK_STR(audit_level_name(AUDIT_LEVEL_REQUEST_RESPONSE), "RequestResponse");
}

int main(void)
{
    test_match();
    test_errors();
    test_backup_name();
    TEST_END();
}
