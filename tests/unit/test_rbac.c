/* test_rbac.c — the RBAC evaluator: rule matching matrix, bindings and subjects, aggregation,
 * rule coverage (escalation) and upstream's messages. */
#include "c8s/rbac.h"
#include "test.h"

#include <stdlib.h>

static json_t *J(const char *s)
{
    json_error_t e;
    json_t *j = json_loads(s, 0, &e);
    if (!j)
        fprintf(stderr, "bad JSON in test: %s: %s\n", s, e.text);
    return j;
}

/* rule, verb, group, resource, subresource, name, path (non-resource when resource NULL). */
static const struct {
    const char *rule;
    const char *verb, *group, *resource, *sub, *name, *path;
    bool want;
} match[] = {
    {"{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"pods\"]}", "get", "", "pods", NULL,
     "p", NULL, true},
    {"{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"pods\"]}", "list", "", "pods",
     NULL, NULL, NULL, false},
    {"{\"verbs\":[\"*\"],\"apiGroups\":[\"\"],\"resources\":[\"pods\"]}", "delete", "", "pods",
     NULL, "p", NULL, true},
    {"{\"verbs\":[\"get\"],\"apiGroups\":[\"apps\"],\"resources\":[\"pods\"]}", "get", "", "pods",
     NULL, "p", NULL, false},
    {"{\"verbs\":[\"get\"],\"apiGroups\":[\"*\"],\"resources\":[\"deployments\"]}", "get", "apps",
     "deployments", NULL, "d", NULL, true},
    {"{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"*\"]}", "get", "", "secrets", NULL,
     "s", NULL, true},
    {"{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"*\"]}", "get", "", "pods", "log",
     "p", NULL, true},
    /* A subresource needs its own grant. */
    {"{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"pods\"]}", "get", "", "pods",
     "log", "p", NULL, false},
    {"{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"pods/log\"]}", "get", "", "pods",
     "log", "p", NULL, true},
    {"{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"pods/log\"]}", "get", "", "pods",
     NULL, "p", NULL, false},
    {"{\"verbs\":[\"update\"],\"apiGroups\":[\"*\"],\"resources\":[\"*/status\"]}", "update", "",
     "pods", "status", "p", NULL, true},
    {"{\"verbs\":[\"update\"],\"apiGroups\":[\"*\"],\"resources\":[\"*/status\"]}", "update", "",
     "pods", NULL, "p", NULL, false},
    {"{\"verbs\":[\"update\"],\"apiGroups\":[\"*\"],\"resources\":[\"*/status\"]}", "update", "",
     "pods", "scale", "p", NULL, false},
    {"{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"secrets\"],\"resourceNames\":["
     "\"a\"]}",
     "get", "", "secrets", NULL, "a", NULL, true},
    {"{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"secrets\"],\"resourceNames\":["
     "\"a\"]}",
     "get", "", "secrets", NULL, "b", NULL, false},
    /* resourceNames never match a collection. */
    {"{\"verbs\":[\"list\"],\"apiGroups\":[\"\"],\"resources\":[\"secrets\"],\"resourceNames\":["
     "\"a\"]}",
     "list", "", "secrets", NULL, NULL, NULL, false},
    {"{\"verbs\":[\"get\"],\"nonResourceURLs\":[\"/healthz\"]}", "get", NULL, NULL, NULL, NULL,
     "/healthz", true},
    {"{\"verbs\":[\"get\"],\"nonResourceURLs\":[\"/healthz\"]}", "get", NULL, NULL, NULL, NULL,
     "/healthz/ping", false},
    {"{\"verbs\":[\"get\"],\"nonResourceURLs\":[\"/healthz*\"]}", "get", NULL, NULL, NULL, NULL,
     "/healthz/ping", true},
    {"{\"verbs\":[\"get\"],\"nonResourceURLs\":[\"/api/*\"]}", "get", NULL, NULL, NULL, NULL,
     "/apis", false},
    {"{\"verbs\":[\"get\"],\"nonResourceURLs\":[\"*\"]}", "get", NULL, NULL, NULL, NULL, "/x",
     true},
    {"{\"verbs\":[\"get\"],\"nonResourceURLs\":[\"*\"]}", "post", NULL, NULL, NULL, NULL, "/x",
     false},
    /* Resource rules never match URLs and the other way round. */
    {"{\"verbs\":[\"*\"],\"apiGroups\":[\"*\"],\"resources\":[\"*\"]}", "get", NULL, NULL, NULL,
     NULL, "/version", false},
    {"{\"verbs\":[\"*\"],\"nonResourceURLs\":[\"*\"]}", "get", "", "pods", NULL, NULL, NULL, false},
};

static void test_match(void)
{
    for (size_t i = 0; i < sizeof(match) / sizeof(match[0]); i++) {
        json_t *rule = J(match[i].rule);
        auth_attrs_t a = {.resource_request = match[i].resource != NULL,
                          .verb = match[i].verb,
                          .api_group = match[i].group,
                          .resource = match[i].resource,
                          .subresource = match[i].sub,
                          .name = match[i].name,
                          .ns = "default",
                          .path = match[i].path};
        CHECK_MSG(rbac_rule_allows(rule, &a) == match[i].want, "row %zu", i);
        json_decref(rule);
    }
}

static const char *const objects[][2] = {
    {"ClusterRole", "{\"metadata\":{\"name\":\"reader\"},\"rules\":[{\"verbs\":[\"get\",\"list\"],"
                    "\"apiGroups\":[\"\"],\"resources\":[\"pods\"]}]}"},
    {"ClusterRole",
     "{\"metadata\":{\"name\":\"agg\"},\"aggregationRule\":{\"clusterRoleSelectors\":"
     "[{\"matchLabels\":{\"to-agg\":\"true\"}}]},\"rules\":[]}"},
    {"ClusterRole",
     "{\"metadata\":{\"name\":\"part\",\"labels\":{\"to-agg\":\"true\"}},\"rules\":[{\"verbs\":["
     "\"get\"],\"apiGroups\":[\"apps\"],\"resources\":[\"deployments\"]}]}"},
    {"Role",
     "{\"metadata\":{\"name\":\"sec\",\"namespace\":\"dev\"},\"rules\":[{\"verbs\":[\"get\"],"
     "\"apiGroups\":[\"\"],\"resources\":[\"secrets\"]}]}"},
    {"ClusterRoleBinding",
     "{\"metadata\":{\"name\":\"readers\"},\"roleRef\":{\"kind\":\"ClusterRole\",\"name\":"
     "\"reader\"},\"subjects\":[{\"kind\":\"Group\",\"name\":\"team\"}]}"},
    {"RoleBinding",
     "{\"metadata\":{\"name\":\"alice-sec\",\"namespace\":\"dev\"},\"roleRef\":{\"kind\":\"Role\","
     "\"name\":\"sec\"},\"subjects\":[{\"kind\":\"User\",\"name\":\"alice\"}]}"},
    {"RoleBinding",
     "{\"metadata\":{\"name\":\"sa-agg\",\"namespace\":\"dev\"},\"roleRef\":{\"kind\":"
     "\"ClusterRole\",\"name\":\"agg\"},\"subjects\":[{\"kind\":\"ServiceAccount\",\"name\":"
     "\"bot\"}]}"},
    /* Bindings in namespaces sorting before and after dev (lookups go by namespace). */
    {"RoleBinding",
     "{\"metadata\":{\"name\":\"a\",\"namespace\":\"alpha\"},\"roleRef\":{\"kind\":"
     "\"ClusterRole\",\"name\":\"reader\"},\"subjects\":[{\"kind\":\"User\",\"name\":\"dave\"}]}"},
    {"RoleBinding",
     "{\"metadata\":{\"name\":\"z\",\"namespace\":\"zeta\"},\"roleRef\":{\"kind\":"
     "\"ClusterRole\",\"name\":\"reader\"},\"subjects\":[{\"kind\":\"User\",\"name\":\"dave\"}]}"},
    /* A ClusterRoleBinding to a Role is invalid and grants nothing. */
    {"ClusterRoleBinding",
     "{\"metadata\":{\"name\":\"bad\"},\"roleRef\":{\"kind\":\"Role\",\"name\":\"sec\"},"
     "\"subjects\":[{\"kind\":\"User\",\"name\":\"bob\"}]}"},
};

static rbac_policy_t *policy(void)
{
    rbac_policy_t *p = rbac_policy_new();
    for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
        json_t *o = J(objects[i][1]);
        rbac_policy_add(p, objects[i][0], o);
        json_decref(o);
    }
    rbac_policy_finish(p);
    return p;
}

static const struct {
    const char *user, *group;
    const char *verb, *group_, *resource, *ns, *name;
    bool want;
    const char *reason;
} decisions[] = {
    {"carol", "team", "get", "", "pods", "x", "p", true,
     "RBAC: allowed by ClusterRoleBinding \"readers\" of ClusterRole \"reader\" to Group \"team\""},
    {"carol", "team", "delete", "", "pods", "x", "p", false, NULL},
    {"carol", "other", "get", "", "pods", "x", "p", false, NULL},
    {"alice", NULL, "get", "", "secrets", "dev", "s", true,
     "RBAC: allowed by RoleBinding \"alice-sec/dev\" of Role \"sec\" to User \"alice\""},
    /* A namespaced grant is nothing in another namespace, or cluster-wide. */
    {"alice", NULL, "get", "", "secrets", "prod", "s", false, NULL},
    {"alice", NULL, "get", "", "secrets", NULL, "s", false, NULL},
    {"bob", NULL, "get", "", "secrets", "dev", "s", false, NULL},
    /* Aggregated rules, through a RoleBinding to a ClusterRole, for a service account. */
    {"system:serviceaccount:dev:bot", NULL, "get", "apps", "deployments", "dev", "d", true,
     "RBAC: allowed by RoleBinding \"sa-agg/dev\" of ClusterRole \"agg\" to ServiceAccount "
     "\"bot/dev\""},
    {"system:serviceaccount:dev:bot", NULL, "get", "apps", "deployments", "prod", "d", false, NULL},
    {"dave", NULL, "get", "", "pods", "alpha", "p", true, NULL},
    {"dave", NULL, "get", "", "pods", "zeta", "p", true, NULL},
    {"dave", NULL, "get", "", "pods", "dev", "p", false, NULL},
    {"dave", NULL, "get", "", "pods", "omega", "p", false, NULL},
    {"dave", NULL, "get", "", "pods", "zzz", "p", false, NULL},
    {"system:serviceaccount:prod:bot", NULL, "get", "apps", "deployments", "dev", "d", false, NULL},
};

static void test_decisions(void)
{
    rbac_policy_t *p = policy();
    for (size_t i = 0; i < sizeof(decisions) / sizeof(decisions[0]); i++) {
        const char *g[] = {decisions[i].group};
        auth_user_t *u = auth_user_new(decisions[i].user, NULL, g, decisions[i].group ? 1 : 0);
        auth_attrs_t a = {.resource_request = true,
                          .verb = decisions[i].verb,
                          .api_group = decisions[i].group_,
                          .resource = decisions[i].resource,
                          .ns = decisions[i].ns,
                          .name = decisions[i].name};
        char *reason = NULL;
        authz_decision_t d = rbac_authorize(p, u, &a, &reason);
        CHECK_MSG((d == AUTHZ_ALLOW) == decisions[i].want, "row %zu", i);
        if (decisions[i].reason)
            CHECK_STR(reason, decisions[i].reason);
        free(reason);
        auth_user_free(u);
    }
    /* Rules a user holds: cluster-wide plus the namespace's. */
    const char *g[] = {"team"};
    auth_user_t *alice = auth_user_new("alice", NULL, g, 1);
    json_t *r = rbac_rules_for(p, alice, "dev");
    CHECK_INT(json_array_size(r), 2);
    json_decref(r);
    r = rbac_rules_for(p, alice, "prod");
    CHECK_INT(json_array_size(r), 1);
    json_decref(r);
    auth_user_free(alice);
    json_t *agg = rbac_role_rules(p, "ClusterRole", "agg", NULL);
    CHECK_INT(json_array_size(agg), 1);
    json_decref(agg);
    CHECK(rbac_role_rules(p, "Role", "sec", "prod") == NULL);
    /* Before the caches are filled there is no policy: nothing is granted, nothing crashes. */
    CHECK(rbac_role_rules(NULL, "ClusterRole", "reader", NULL) == NULL);
    auth_attrs_t any = {.resource_request = true, .verb = "get", .resource = "pods"};
    const char *none[] = {"team"};
    auth_user_t *carol = auth_user_new("carol", NULL, none, 1);
    CHECK(rbac_authorize(NULL, carol, &any, NULL) == AUTHZ_NO_OPINION);
    json_t *empty = rbac_rules_for(NULL, carol, "dev");
    CHECK_INT(json_array_size(empty), 0);
    json_decref(empty);
    auth_user_free(carol);
    rbac_policy_free(p);
}

static const struct {
    const char *owner, *req;
    bool want;
    const char *missing;
} cover[] = {
    {"[{\"verbs\":[\"*\"],\"apiGroups\":[\"*\"],\"resources\":[\"*\"]}]",
     "[{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"secrets\"]}]", true, ""},
    {"[{\"verbs\":[\"get\",\"list\"],\"apiGroups\":[\"\"],\"resources\":[\"pods\"]}]",
     "[{\"verbs\":[\"get\",\"list\",\"delete\"],\"apiGroups\":[\"\"],\"resources\":[\"pods\","
     "\"secrets\"]}]",
     false,
     "{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"delete\"]}\n"
     "{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\" \"list\" \"delete\"]}"},
    {"[{\"verbs\":[\"update\"],\"apiGroups\":[\"\"],\"resources\":[\"*/status\"]}]",
     "[{\"verbs\":[\"update\"],\"apiGroups\":[\"\"],\"resources\":[\"pods/status\"]}]", true, ""},
    {"[{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"secrets\"],\"resourceNames\":["
     "\"a\"]}]",
     "[{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"secrets\"]}]", false,
     "{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\"]}"},
    {"[{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"secrets\"]}]",
     "[{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"secrets\"],\"resourceNames\":["
     "\"a\",\"b\"]}]",
     true, ""},
    {"[{\"verbs\":[\"get\"],\"nonResourceURLs\":[\"/healthz*\"]}]",
     "[{\"verbs\":[\"get\"],\"nonResourceURLs\":[\"/healthz/ready\",\"/metrics\"]}]", false,
     "{NonResourceURLs:[\"/metrics\"], Verbs:[\"get\"]}"},
};

static void test_cover(void)
{
    for (size_t i = 0; i < sizeof(cover) / sizeof(cover[0]); i++) {
        json_t *o = J(cover[i].owner), *q = J(cover[i].req), *miss = NULL;
        CHECK_MSG(rbac_covers(o, q, &miss) == cover[i].want, "row %zu", i);
        char *s = rbac_rules_string(miss);
        CHECK_STR(s, cover[i].missing);
        free(s);
        json_decref(miss);
        json_decref(o);
        json_decref(q);
    }
}

static void test_aggregated(void)
{
    json_t *agg = J("{\"clusterRoleSelectors\":[{\"matchLabels\":{\"a\":\"true\"}},"
                    "{\"matchLabels\":{\"b\":\"true\"}},{}]}");
    json_t *roles = J("[{\"metadata\":{\"name\":\"x\",\"labels\":{\"a\":\"true\"}},\"rules\":"
                      "[{\"verbs\":[\"get\"]},{\"verbs\":[\"list\"]}]},"
                      "{\"metadata\":{\"name\":\"y\",\"labels\":{\"b\":\"true\"}},\"rules\":"
                      "[{\"verbs\":[\"list\"]},{\"verbs\":[\"watch\"]}]},"
                      "{\"metadata\":{\"name\":\"z\",\"labels\":{\"c\":\"true\"}},\"rules\":"
                      "[{\"verbs\":[\"delete\"]}]},"
                      "{\"metadata\":{\"name\":\"w\"},\"rules\":[{\"verbs\":[\"patch\"]}]}]");
    json_t *got = rbac_aggregated_rules(agg, roles);
    json_t *want = J("[{\"verbs\":[\"get\"]},{\"verbs\":[\"list\"]},{\"verbs\":[\"watch\"]}]");
    CHECK(json_equal(got, want));
    json_decref(got);
    json_decref(want);
    json_decref(agg);
    json_decref(roles);
}

int main(void)
{
    test_aggregated();
    test_match();
    test_decisions();
    test_cover();
    TEST_END();
}
