/*
 * bench/rbac.c — the RBAC evaluator's figures (a harness, not a test): building the policy index
 * from N roles and bindings (what the API server does when an RBAC cache moves) and one
 * decision against it (what every request pays), allowed and refused, at N = 100, 1,000 and
 * 10,000 RoleBindings spread over 100 namespaces. Ends with one `RESULT key=value …` line.
 */
#include "c8s/base.h"
#include "c8s/rbac.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static rbac_policy_t *build(int n, double *ms)
{
    json_t **objs = xcalloc((size_t)n * 2, sizeof(json_t *));
    for (int i = 0; i < n; i++) {
        char name[32], ns[32], user[32];
        snprintf(name, sizeof(name), "role-%d", i);
        snprintf(ns, sizeof(ns), "ns-%d", i % 100);
        snprintf(user, sizeof(user), "user-%d", i);
        objs[2 * i] = json_pack("{s:{s:s, s:s}, s:[{s:[s,s,s], s:[s], s:[s,s]}]}", "metadata",
                                "name", name, "namespace", ns, "rules", "verbs", "get", "list",
                                "watch", "apiGroups", "", "resources", "pods", "configmaps");
        objs[2 * i + 1] = json_pack("{s:{s:s, s:s}, s:{s:s, s:s}, s:[{s:s, s:s}]}", "metadata",
                                    "name", name, "namespace", ns, "roleRef", "kind", "Role",
                                    "name", name, "subjects", "kind", "User", "name", user);
    }
    uint64_t t0 = c8s_now_ns();
    rbac_policy_t *p = rbac_policy_new();
    for (int i = 0; i < n; i++) {
        rbac_policy_add(p, "Role", objs[2 * i]);
        rbac_policy_add(p, "RoleBinding", objs[2 * i + 1]);
    }
    rbac_policy_finish(p);
    *ms = (double)(c8s_now_ns() - t0) / 1e6;
    for (int i = 0; i < 2 * n; i++)
        json_decref(objs[i]);
    free(objs);
    return p;
}

static double decide_us(const rbac_policy_t *p, const char *user, const char *ns, int iters,
                        bool *allowed)
{
    auth_user_t *u = auth_user_new(user, NULL, NULL, 0);
    auth_user_add_group(u, "system:authenticated");
    auth_attrs_t a = {
        .resource_request = true, .verb = "list", .api_group = "", .resource = "pods", .ns = ns};
    uint64_t t0 = c8s_now_ns();
    for (int i = 0; i < iters; i++) {
        char *reason = NULL;
        *allowed = rbac_authorize(p, u, &a, &reason) == AUTHZ_ALLOW;
        free(reason);
    }
    double us = (double)(c8s_now_ns() - t0) / 1e3 / iters;
    auth_user_free(u);
    return us;
}

int main(void)
{
    static const int sizes[] = {100, 1000, 10000};
    char result[1024] = "RESULT";
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        int n = sizes[k];
        double build_ms;
        rbac_policy_t *p = build(n, &build_ms);
        char user[32], ns[32];
        snprintf(user, sizeof(user), "user-%d", n - 1);
        snprintf(ns, sizeof(ns), "ns-%d", (n - 1) % 100);
        bool al = false, den = true;
        int iters = n >= 10000 ? 2000 : 20000;
        double allow_us = decide_us(p, user, ns, iters, &al);
        double deny_us = decide_us(p, "nobody", ns, iters, &den);
        printf("%6d bindings: index build %.2f ms; decision %.2f us (allowed=%d), %.2f us "
               "(refused=%d)\n",
               n, build_ms, allow_us, al, deny_us, !den);
        size_t len = strlen(result);
        snprintf(result + len, sizeof(result) - len,
                 " build_ms_%d=%.2f allow_us_%d=%.2f deny_us_%d=%.2f", n, build_ms, n, allow_us, n,
                 deny_us);
        rbac_policy_free(p);
    }
    puts(result);
    return 0;
}
