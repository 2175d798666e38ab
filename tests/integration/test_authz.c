/*
 * test_authz.c — authorization for identities that arrive authenticated (not impersonated, not
 * the trusted plain-HTTP port): in-process calls carrying a user, as every request will once TLS
 * and tokens authenticate them. RBAC grants through a binding, refusals with upstream's message,
 * escalation prevention, the self reviews answering for the caller, and the Node authorizer.
 * A real etcd and the real server; no HTTP.
 */
#include "c8s/apiserver.h"
#include "c8s/auth.h"
#include "harness.h"
#include "test.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static apiserver_t *srv;

typedef struct {
    apiserver_call_t c;
    atomic_int done;
    int status;
    char *body;
} call_t;

static void on_answer(apiserver_call_t *c, int status, const char *ct, const char *body, size_t len)
{
    (void)ct;
    call_t *k = (call_t *)c;
    k->status = status;
    k->body = xstrndup(body ? body : "", body ? len : 0);
    atomic_store(&k->done, 1);
}

/* One call as u (NULL: the server itself); the answer's body in *out (owned) when out. */
static int call(const auth_user_t *u, const char *method, const char *path, const char *body,
                char **out)
{
    call_t k = {0};
    k.c.method = method;
    k.c.path = path;
    k.c.content_type =
        body ? (strcmp(method, "PATCH") == 0 ? "application/merge-patch+json" : "application/json")
             : NULL;
    k.c.body = body;
    k.c.body_len = body ? strlen(body) : 0;
    k.c.on_answer = on_answer;
    k.c.user = u;
    apiserver_call(srv, &k.c);
    for (int i = 0; i < 2000 && !atomic_load(&k.done); i++)
        usleep(5000);
    if (!atomic_load(&k.done))
        return -1;
    if (out)
        *out = k.body;
    else
        free(k.body);
    return k.status;
}

/* Until u gets want for GET path (RBAC follows the watch caches a moment after a write). */
static int eventually(const auth_user_t *u, const char *path, int want)
{
    int st = -1;
    for (int i = 0; i < 200 && st != want; i++) {
        st = call(u, "GET", path, NULL, NULL);
        if (st != want)
            usleep(20000);
    }
    return st;
}

int main(void)
{
    th_etcd_t etcd;
    REQUIRE(th_etcd_start(&etcd) == 0);
    apiserver_config_t cfg = {0};
    const char *eps[] = {etcd.url, NULL};
    cfg.etcd_endpoints = eps;
    cfg.port = th_free_port();
    REQUIRE(th_tls_config(&cfg) == 0);
    c8s_err_t err = C8S_ERR_INIT;
    if (apiserver_start(&cfg, &srv, &err) != 0) {
        fprintf(stderr, "apiserver_start: %s\n", err.msg);
        th_etcd_stop(&etcd);
        REQUIRE(!"server started");
    }
    const char *ag[] = {AUTH_GROUP_AUTHENTICATED};
    auth_user_t *alice = auth_user_new("alice", NULL, ag, 1);
    const char *ng[] = {AUTH_GROUP_NODES, AUTH_GROUP_AUTHENTICATED};
    auth_user_t *n1 = auth_user_new("system:node:n1", NULL, ng, 2);

    /* The default policy is in place once system:basic-user lets alice ask about herself. */
    CHECK_INT(eventually(NULL, "/apis/rbac.authorization.k8s.io/v1/clusterroles/view", 200), 200);
    char *body = NULL;
    int st = -1;
    for (int i = 0; i < 200 && st != 201; i++) {
        free(body);
        body = NULL;
        st = call(alice, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                  "{\"spec\":{\"resourceAttributes\":{\"verb\":\"list\",\"resource\":\"pods\","
                  "\"namespace\":\"default\"}}}",
                  &body);
        if (st != 201)
            usleep(20000);
    }
    CHECK_INT(st, 201);
    CHECK_MSG(body && strstr(body, "\"allowed\":false"), "%s", body);
    free(body);

    /* Nothing granted yet: 403 with upstream's message. */
    CHECK_INT(call(alice, "GET", "/api/v1/namespaces/default/pods", NULL, &body), 403);
    CHECK_MSG(body && strstr(body, "pods is forbidden: User \\\"alice\\\" cannot list resource "
                                   "\\\"pods\\\" in API group \\\"\\\" in the namespace "
                                   "\\\"default\\\""),
              "%s", body);
    free(body);
    /* Discovery is everyone's (system:discovery for system:authenticated). */
    CHECK_INT(call(alice, "GET", "/api", NULL, NULL), 200);
    CHECK_INT(call(alice, "GET", "/apis/apps/v1", NULL, NULL), 200);

    /* admin in default: pods readable there, not elsewhere; the SSAR says why. */
    CHECK_INT(call(NULL, "POST",
                   "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
                   "{\"metadata\":{\"name\":\"alice-admin\"},\"roleRef\":{\"apiGroup\":"
                   "\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\",\"name\":\"admin\"},"
                   "\"subjects\":[{\"kind\":\"User\",\"name\":\"alice\"}]}",
                   NULL),
              201);
    CHECK_INT(eventually(alice, "/api/v1/namespaces/default/pods", 200), 200);
    CHECK_INT(call(alice, "GET", "/api/v1/namespaces/kube-system/pods", NULL, NULL), 403);
    CHECK_INT(call(alice, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                   "{\"spec\":{\"resourceAttributes\":{\"verb\":\"list\",\"resource\":\"pods\","
                   "\"namespace\":\"default\"}}}",
                   &body),
              201);
    CHECK_MSG(body && strstr(body, "\"allowed\":true") &&
                  strstr(body, "RBAC: allowed by RoleBinding \\\"alice-admin/default\\\" of "
                               "ClusterRole \\\"admin\\\" to User \\\"alice\\\""),
              "%s", body);
    free(body);
    CHECK_INT(call(alice, "POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
                   "{\"spec\":{\"namespace\":\"default\"}}", &body),
              201);
    CHECK_MSG(body && strstr(body, "\"rolebindings\"") && strstr(body, "\"/api/*\""), "%s", body);
    free(body);

    /* Escalation: a Role with what admin holds is fine, one with more is refused. */
    CHECK_INT(call(alice, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
                   "{\"metadata\":{\"name\":\"ok\"},\"rules\":[{\"apiGroups\":[\"\"],"
                   "\"resources\":[\"pods\"],\"verbs\":[\"get\"]}]}",
                   NULL),
              201);
    CHECK_INT(call(alice, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
                   "{\"metadata\":{\"name\":\"more\"},\"rules\":[{\"apiGroups\":[\"\"],"
                   "\"resources\":[\"nodes\"],\"verbs\":[\"get\",\"list\"]}]}",
                   &body),
              403);
    CHECK_MSG(body && strstr(body, "roles.rbac.authorization.k8s.io \\\"more\\\" is forbidden: "
                                   "user \\\"alice\\\" (groups=[\\\"system:authenticated\\\"]) is "
                                   "attempting to grant RBAC permissions not currently held:\\n"
                                   "{APIGroups:[\\\"\\\"], Resources:[\\\"nodes\\\"], "
                                   "Verbs:[\\\"get\\\" \\\"list\\\"]}"),
              "%s", body);
    free(body);
    /* An update that adds what she lacks is refused too; the server itself may. */
    CHECK_INT(call(alice, "PATCH", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles/ok",
                   "{\"rules\":[{\"apiGroups\":[\"\"],\"resources\":[\"nodes\"],\"verbs\":"
                   "[\"get\"]}]}",
                   NULL),
              403);
    CHECK_INT(call(NULL, "PATCH", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles/ok",
                   "{\"rules\":[{\"apiGroups\":[\"\"],\"resources\":[\"nodes\"],\"verbs\":"
                   "[\"get\"]}]}",
                   NULL),
              200);
    /* Binding cluster-admin is escalation; binding view is not. */
    CHECK_INT(call(alice, "POST",
                   "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
                   "{\"metadata\":{\"name\":\"b1\"},\"roleRef\":{\"apiGroup\":"
                   "\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\",\"name\":"
                   "\"cluster-admin\"},\"subjects\":[{\"kind\":\"User\",\"name\":\"bob\"}]}",
                   NULL),
              403);
    CHECK_INT(call(alice, "POST",
                   "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
                   "{\"metadata\":{\"name\":\"b2\"},\"roleRef\":{\"apiGroup\":"
                   "\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\",\"name\":\"view\"},"
                   "\"subjects\":[{\"kind\":\"User\",\"name\":\"bob\"}]}",
                   NULL),
              201);

    /* The Node authorizer: n1 writes the status of its pod only, reads its pod's secret only. */
    CHECK_INT(call(NULL, "POST", "/api/v1/namespaces/default/secrets",
                   "{\"metadata\":{\"name\":\"s1\"},\"data\":{\"a\":\"Yg==\"}}", NULL),
              201);
    CHECK_INT(call(NULL, "POST", "/api/v1/namespaces/default/secrets",
                   "{\"metadata\":{\"name\":\"s2\"},\"data\":{\"a\":\"Yg==\"}}", NULL),
              201);
    CHECK_INT(call(NULL, "POST", "/api/v1/namespaces/default/pods",
                   "{\"metadata\":{\"name\":\"p1\"},\"spec\":{\"nodeName\":\"n1\",\"containers\":"
                   "[{\"name\":\"c\",\"image\":\"busybox\"}],\"volumes\":[{\"name\":\"s\","
                   "\"secret\":{\"secretName\":\"s1\"}}]}}",
                   NULL),
              201);
    CHECK_INT(call(NULL, "POST", "/api/v1/namespaces/default/pods",
                   "{\"metadata\":{\"name\":\"p2\"},\"spec\":{\"nodeName\":\"n2\",\"containers\":"
                   "[{\"name\":\"c\",\"image\":\"busybox\"}],\"volumes\":[{\"name\":\"s\","
                   "\"secret\":{\"secretName\":\"s2\"}}]}}",
                   NULL),
              201);
    CHECK_INT(eventually(n1, "/api/v1/namespaces/default/secrets/s1", 200), 200);
    CHECK_INT(call(n1, "GET", "/api/v1/namespaces/default/secrets/s2", NULL, NULL), 403);
    CHECK_INT(call(n1, "PATCH", "/api/v1/namespaces/default/pods/p1/status",
                   "{\"status\":{\"message\":\"m\"}}", NULL),
              200);
    CHECK_INT(call(n1, "PATCH", "/api/v1/namespaces/default/pods/p2/status",
                   "{\"status\":{\"message\":\"m\"}}", NULL),
              403);
    /* Without the group the name is just a name. */
    const char *only[] = {AUTH_GROUP_AUTHENTICATED};
    auth_user_t *fake = auth_user_new("system:node:n1", NULL, only, 1);
    CHECK_INT(call(fake, "GET", "/api/v1/namespaces/default/secrets/s1", NULL, NULL), 403);
    auth_user_free(fake);

    auth_user_free(alice);
    auth_user_free(n1);
    apiserver_stop(srv);
    th_etcd_stop(&etcd);
    TEST_END();
}
