/*
 * test_api_noderestriction.c — NodeRestriction against a real etcd: the API server runs in this
 * process and is called in-process with a node's identity (system:node:n1 in system:nodes). The
 * identity is also in system:masters so that authorization lets every request through to
 * admission, which must then hold the node to its own Node, its own pods' status and mirror pods.
 */
#include "c8s/apiserver.h"
#include "c8s/auth.h"
#include "harness.h"
#include "test.h"

#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static apiserver_t *srv;
static auth_user_t *node_user;

typedef struct {
    apiserver_call_t call;
    atomic_int done;
    int status;
    char *body;
} sync_call_t;

static void on_answer(apiserver_call_t *c, int status, const char *ct, const char *body, size_t len)
{
    sync_call_t *s = (sync_call_t *)c;
    s->status = status;
    s->body = xstrndup(body ? body : "", body ? len : 0);
    atomic_store(&s->done, 1);
}

/* One call (JSON body with ' for "), as the node (as_node) or as the server itself. Returns the
 * status; *msg (owned, may be NULL) the answer's message. */
static int call(bool as_node, const char *method, const char *path, const char *ct,
                const char *body, char **msg)
{
    char *b = body ? xstrdup(body) : NULL;
    for (char *p = b; p && *p; p++)
        if (*p == '\'')
            *p = '"';
    sync_call_t s = {0};
    s.call.method = method;
    s.call.path = path;
    s.call.content_type = b ? ct : NULL;
    s.call.body = b;
    s.call.body_len = b ? strlen(b) : 0;
    s.call.on_answer = on_answer;
    s.call.user = as_node ? node_user : NULL;
    apiserver_call(srv, &s.call);
    for (int i = 0; i < 1000 && !atomic_load(&s.done); i++)
        usleep(10 * 1000);
    free(b);
    if (!atomic_load(&s.done))
        return -1;
    if (msg) {
        json_t *st = json_loads(s.body, 0, NULL);
        const char *m = json_string_value(json_object_get(st, "message"));
        *msg = m ? xstrdup(m) : NULL;
        json_decref(st);
    }
    free(s.body);
    return s.status;
}

#define JSON  "application/json"
#define MERGE "application/merge-patch+json"

static void test_nodes(void)
{
    char *m = NULL;
    CHECK_INT(call(true, "POST", "/api/v1/nodes", JSON,
                   "{'metadata':{'name':'n1','labels':{'kubernetes.io/hostname':'n1'}}}", NULL),
              201);
    CHECK_INT(call(true, "POST", "/api/v1/nodes", JSON, "{'metadata':{'name':'n2'}}", &m), 403);
    CHECK_STR(m, "nodes \"n2\" is forbidden: node \"n1\" is not allowed to modify node \"n2\"");
    free(m);
    m = NULL;
    CHECK_INT(call(true, "PATCH", "/api/v1/nodes/n1", MERGE,
                   "{'metadata':{'labels':{'node-restriction.kubernetes.io/pool':'gold'}}}", &m),
              403);
    CHECK_STR(m, "nodes \"n1\" is forbidden: node \"n1\" is not allowed to modify labels: "
                 "node-restriction.kubernetes.io/pool");
    free(m);
    /* An administrator may; the node may then not take it away. */
    CHECK_INT(call(false, "PATCH", "/api/v1/nodes/n1", MERGE,
                   "{'metadata':{'labels':{'node-restriction.kubernetes.io/pool':'gold'}}}", NULL),
              200);
    CHECK_INT(call(true, "PATCH", "/api/v1/nodes/n1", MERGE,
                   "{'metadata':{'labels':{'node-restriction.kubernetes.io/pool':null}}}", NULL),
              403);
    CHECK_INT(call(true, "PATCH", "/api/v1/nodes/n1", MERGE,
                   "{'metadata':{'labels':{'example.com/rack':'r1'}}}", NULL),
              200);
    CHECK_INT(call(true, "PATCH", "/api/v1/nodes/n1/status", MERGE,
                   "{'status':{'conditions':[{'type':'Ready','status':'True'}]}}", NULL),
              200);
    CHECK_INT(call(false, "POST", "/api/v1/nodes", JSON, "{'metadata':{'name':'n2'}}", NULL), 201);
    CHECK_INT(call(true, "DELETE", "/api/v1/nodes/n2", NULL, NULL, NULL), 403);
}

static void test_pods(void)
{
    CHECK_INT(call(false, "POST", "/api/v1/namespaces/default/pods", JSON,
                   "{'metadata':{'name':'on1'},'spec':{'nodeName':'n1','containers':[{'name':"
                   "'c','image':'b'}]}}",
                   NULL),
              201);
    CHECK_INT(call(false, "POST", "/api/v1/namespaces/default/pods", JSON,
                   "{'metadata':{'name':'on2'},'spec':{'nodeName':'n2','containers':[{'name':"
                   "'c','image':'b'}]}}",
                   NULL),
              201);
    char *m = NULL;
    CHECK_INT(call(true, "PATCH", "/api/v1/namespaces/default/pods/on1/status", MERGE,
                   "{'status':{'phase':'Running'}}", NULL),
              200);
    CHECK_INT(call(true, "PATCH", "/api/v1/namespaces/default/pods/on2/status", MERGE,
                   "{'status':{'phase':'Running'}}", &m),
              403);
    CHECK_STR(m, "pods \"on2\" is forbidden: node \"n1\" can only update pod status for pods "
                 "with spec.nodeName set to itself");
    free(m);
    m = NULL;
    CHECK_INT(call(true, "PATCH", "/api/v1/namespaces/default/pods/on1", MERGE,
                   "{'metadata':{'labels':{'a':'b'}}}", &m),
              403);
    CHECK_STR(m, "pods \"on1\" is forbidden: unexpected operation UPDATE, node \"n1\" can only "
                 "create and delete mirror pods");
    free(m);
    m = NULL;
    CHECK_INT(call(true, "POST", "/api/v1/namespaces/default/pods", JSON,
                   "{'metadata':{'name':'plain'},'spec':{'nodeName':'n1','containers':[{'name':"
                   "'c','image':'b'}]}}",
                   &m),
              403);
    CHECK_STR(m, "pods \"plain\" is forbidden: pod does not have \"kubernetes.io/config.mirror\" "
                 "annotation, node \"n1\" can only create mirror pods");
    free(m);
    CHECK_INT(call(true, "POST", "/api/v1/namespaces/default/pods", JSON,
                   "{'metadata':{'name':'mirror','annotations':{'kubernetes.io/config.mirror':"
                   "'h'}},'spec':{'nodeName':'n1','containers':[{'name':'c','image':'b'}]}}",
                   NULL),
              201);
    m = NULL;
    CHECK_INT(call(true, "DELETE", "/api/v1/namespaces/default/pods/on2", NULL, NULL, &m), 403);
    CHECK_STR(m, "pods \"on2\" is forbidden: node \"n1\" can only delete pods with spec.nodeName "
                 "set to itself");
    free(m);
    CHECK_INT(call(true, "DELETE", "/api/v1/namespaces/default/pods/on1?gracePeriodSeconds=0", NULL,
                   NULL, NULL),
              200);
    /* The server's own roles are not nodes. */
    CHECK_INT(call(false, "DELETE", "/api/v1/namespaces/default/pods/on2?gracePeriodSeconds=0",
                   NULL, NULL, NULL),
              200);
}

int main(void)
{
    th_etcd_t etcd;
    REQUIRE(th_etcd_start(&etcd) == 0);
    apiserver_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    apiserver_config_defaults(&cfg);
    const char *eps[] = {etcd.url, NULL};
    cfg.etcd_endpoints = eps;
    cfg.bind_address = "127.0.0.1";
    cfg.port = th_free_port();
    REQUIRE(th_tls_config(&cfg) == 0);
    c8s_err_t err = C8S_ERR_INIT;
    if (apiserver_start(&cfg, &srv, &err) != 0) {
        fprintf(stderr, "apiserver_start: %s\n", err.msg);
        th_etcd_stop(&etcd);
        REQUIRE(!"server started");
    }
    const char *groups[] = {AUTH_GROUP_NODES, AUTH_GROUP_MASTERS, AUTH_GROUP_AUTHENTICATED};
    node_user = auth_user_new("system:node:n1", NULL, groups, 3);
    /* The default namespace is made at boot: wait for it. */
    for (int i = 0;
         i < 100 && call(false, "GET", "/api/v1/namespaces/default", NULL, NULL, NULL) != 200; i++)
        usleep(100 * 1000);
    test_nodes();
    test_pods();
    auth_user_free(node_user);
    apiserver_stop(srv);
    th_etcd_stop(&etcd);
    TEST_END();
}
