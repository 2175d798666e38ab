/*
 * test_api_eviction.c — pods/eviction against a real etcd: the API server runs in this process
 * (no controllers, so each PodDisruptionBudget's status is what the test writes) and is called
 * in-process. Eviction without a budget, refused (429) when the budget allows no disruption,
 * allowed and recorded in the budget's status, more than one budget (500), pods that skip the
 * budget (Pending, not Ready with a healthy budget), a budget not yet observed, dry-run, and a
 * node evicting a pod of another node.
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
    (void)ct;
    sync_call_t *s = (sync_call_t *)c;
    s->status = status;
    s->body = xstrndup(body ? body : "", body ? len : 0);
    atomic_store(&s->done, 1);
}

/* One call (JSON body with ' for "), as the node n1 (as_node) or as the server itself. Returns
 * the status; *out (owned, may be NULL) the parsed answer. */
static int call_as(bool as_node, const char *method, const char *path, const char *ct,
                   const char *body, json_t **out)
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
    /* Bounded: 120 s on a loaded machine. */
    for (int i = 0; i < 12000 && !atomic_load(&s.done); i++)
        usleep(10 * 1000);
    free(b);
    if (!atomic_load(&s.done))
        return -1;
    if (out)
        *out = json_loads(s.body, 0, NULL);
    free(s.body);
    return s.status;
}

static int call(const char *method, const char *path, const char *ct, const char *body,
                json_t **out)
{
    return call_as(false, method, path, ct, body, out);
}

#define JSON  "application/json"
#define MERGE "application/merge-patch+json"
#define PODS  "/api/v1/namespaces/default/pods"
#define PDBS  "/apis/policy/v1/namespaces/default/poddisruptionbudgets"

static const char *str_at(const json_t *o, const char *a, const char *b)
{
    return json_string_value(json_object_get(json_object_get(o, a), b));
}

static long long int_at(const json_t *o, const char *a, const char *b)
{
    return json_integer_value(json_object_get(json_object_get(o, a), b));
}

/* A pod labelled app=<app> (bound to node when not NULL), Running and Ready (ready) or Pending. */
static void make_pod(const char *name, const char *app, const char *node, const char *phase,
                     bool ready)
{
    char body[1024];
    snprintf(body, sizeof(body),
             "{'metadata':{'name':'%s','labels':{'app':'%s'}},'spec':{%s%s%s"
             "'containers':[{'name':'c','image':'busybox'}]}}",
             name, app, node ? "'nodeName':'" : "", node ? node : "", node ? "'," : "");
    CHECK_INT(call("POST", PODS, JSON, body, NULL), 201);
    snprintf(body, sizeof(body),
             "{'status':{'phase':'%s','conditions':[{'type':'Ready','status':'%s'}]}}", phase,
             ready ? "True" : "False");
    char path[256];
    snprintf(path, sizeof(path), PODS "/%s/status", name);
    CHECK_INT(call("PATCH", path, MERGE, body, NULL), 200);
}

/* A budget minAvailable 1 over app=<app> whose status says allowed disruptions (observed: its
 * generation, else 0). */
static void make_pdb(const char *name, const char *app, int allowed, int healthy, int desired,
                     bool observed)
{
    char body[1024];
    snprintf(body, sizeof(body),
             "{'metadata':{'name':'%s'},'spec':{'minAvailable':1,'selector':{'matchLabels':{"
             "'app':'%s'}}}}",
             name, app);
    json_t *pdb = NULL;
    CHECK_INT(call("POST", PDBS, JSON, body, &pdb), 201);
    long long gen = int_at(pdb, "metadata", "generation");
    json_decref(pdb);
    snprintf(body, sizeof(body),
             "{'status':{'observedGeneration':%lld,'disruptionsAllowed':%d,'currentHealthy':%d,"
             "'desiredHealthy':%d,'expectedPods':%d}}",
             observed ? gen : 0, allowed, healthy, desired, healthy);
    char path[256];
    snprintf(path, sizeof(path), PDBS "/%s/status", name);
    CHECK_INT(call("PATCH", path, MERGE, body, NULL), 200);
}

static int evict_as(bool as_node, const char *pod, const char *query, json_t **out)
{
    char path[256], body[256];
    snprintf(path, sizeof(path), PODS "/%s/eviction%s", pod, query ? query : "");
    snprintf(body, sizeof(body),
             "{'apiVersion':'policy/v1','kind':'Eviction','metadata':{'name':'%s',"
             "'namespace':'default'}}",
             pod);
    return call_as(as_node, "POST", path, JSON, body, out);
}

static int evict(const char *pod, json_t **out)
{
    return evict_as(false, pod, NULL, out);
}

/* Whether the pod is gone or going (a deletionTimestamp). */
static bool pod_deleted(const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), PODS "/%s", name);
    json_t *pod = NULL;
    int st = call("GET", path, NULL, NULL, &pod);
    bool gone = st == 404 || (st == 200 && str_at(pod, "metadata", "deletionTimestamp"));
    json_decref(pod);
    return gone;
}

static json_t *get_pdb(const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), PDBS "/%s", name);
    json_t *pdb = NULL;
    CHECK_INT(call("GET", path, NULL, NULL, &pdb), 200);
    return pdb;
}

static void test_no_budget(void)
{
    make_pod("free-0", "free", NULL, "Running", true);
    json_t *st = NULL;
    CHECK_INT(evict("free-0", &st), 201);
    CHECK_STR(json_string_value(json_object_get(st, "status")), "Success");
    json_decref(st);
    CHECK(pod_deleted("free-0"));
    /* No such pod: the GET's NotFound. */
    CHECK_INT(evict("nosuch", NULL), 404);
    /* The body must name the pod of the URL, as upstream. */
    json_t *err = NULL;
    CHECK_INT(call("POST", PODS "/free-1/eviction", JSON,
                   "{'apiVersion':'policy/v1','kind':'Eviction','metadata':{'name':'other'}}",
                   &err),
              400);
    CHECK_STR(json_string_value(json_object_get(err, "message")),
              "name in URL does not match name in Eviction object");
    json_decref(err);
    /* policy/v1beta1 bodies are accepted too. */
    make_pod("free-2", "free", NULL, "Running", true);
    CHECK_INT(call("POST", PODS "/free-2/eviction", JSON,
                   "{'apiVersion':'policy/v1beta1','kind':'Eviction','metadata':{'name':'free-2'}}",
                   NULL),
              201);
    CHECK(pod_deleted("free-2"));
    /* Only POST. */
    CHECK_INT(call("GET", PODS "/free-2/eviction", NULL, NULL, NULL), 405);
}

static void test_budget(void)
{
    make_pod("web-0", "web", NULL, "Running", true);
    make_pod("web-1", "web", NULL, "Running", true);
    make_pdb("web", "web", 0, 1, 1, true);

    /* No disruption allowed: 429 with upstream's message and cause; the pod stays. */
    json_t *st = NULL;
    CHECK_INT(evict("web-0", &st), 429);
    CHECK_STR(json_string_value(json_object_get(st, "message")),
              "Cannot evict pod as it would violate the pod's disruption budget.");
    CHECK_STR(json_string_value(json_object_get(st, "reason")), "TooManyRequests");
    json_t *cause = json_array_get(json_object_get(json_object_get(st, "details"), "causes"), 0);
    CHECK_STR(json_string_value(json_object_get(cause, "reason")), "DisruptionBudget");
    CHECK_STR(json_string_value(json_object_get(cause, "message")),
              "The disruption budget web needs 1 healthy pods and has 1 currently");
    json_decref(st);
    CHECK(!pod_deleted("web-0"));

    /* One allowed: the budget is spent first (the pod in disruptedPods, the condition False),
     * then the pod deleted. */
    CHECK_INT(call("PATCH", PDBS "/web/status", MERGE,
                   "{'status':{'disruptionsAllowed':1,'currentHealthy':2}}", NULL),
              200);
    /* dry-run: answered as done, nothing written. */
    CHECK_INT(evict_as(false, "web-0", "?dryRun=All", NULL), 201);
    CHECK(!pod_deleted("web-0"));
    json_t *pdb = get_pdb("web");
    CHECK_INT(int_at(pdb, "status", "disruptionsAllowed"), 1);
    json_decref(pdb);

    CHECK_INT(evict("web-0", NULL), 201);
    CHECK(pod_deleted("web-0"));
    pdb = get_pdb("web");
    json_t *status = json_object_get(pdb, "status");
    CHECK_INT(int_at(pdb, "status", "disruptionsAllowed"), 0);
    CHECK(json_is_string(json_object_get(json_object_get(status, "disruptedPods"), "web-0")));
    json_t *cond = json_array_get(json_object_get(status, "conditions"), 0);
    CHECK_STR(json_string_value(json_object_get(cond, "type")), "DisruptionAllowed");
    CHECK_STR(json_string_value(json_object_get(cond, "status")), "False");
    CHECK_STR(json_string_value(json_object_get(cond, "reason")), "InsufficientPods");
    json_decref(pdb);
    /* And the next eviction is refused. */
    CHECK_INT(evict("web-1", NULL), 429);
    CHECK(!pod_deleted("web-1"));

    /* A pod not yet running skips the budget. */
    make_pod("web-2", "web", NULL, "Pending", false);
    CHECK_INT(evict("web-2", NULL), 201);
    CHECK(pod_deleted("web-2"));
    /* A Running pod that is not Ready, while the budget has its healthy pods: deleted without
     * spending the budget. */
    CHECK_INT(call("PATCH", PDBS "/web/status", MERGE,
                   "{'status':{'disruptionsAllowed':0,'currentHealthy':1,'desiredHealthy':1}}",
                   NULL),
              200);
    make_pod("web-3", "web", NULL, "Running", false);
    CHECK_INT(evict("web-3", NULL), 201);
    CHECK(pod_deleted("web-3"));
    pdb = get_pdb("web");
    CHECK_INT(int_at(pdb, "status", "disruptionsAllowed"), 0);
    CHECK(!json_object_get(json_object_get(json_object_get(pdb, "status"), "disruptedPods"),
                           "web-3"));
    json_decref(pdb);
}

static void test_not_observed(void)
{
    make_pod("new-0", "new", NULL, "Running", true);
    make_pdb("new", "new", 1, 2, 1, false);
    json_t *st = NULL;
    CHECK_INT(evict("new-0", &st), 429);
    json_t *cause = json_array_get(json_object_get(json_object_get(st, "details"), "causes"), 0);
    CHECK_STR(json_string_value(json_object_get(cause, "message")),
              "The disruption budget new is still being processed by the server.");
    json_decref(st);
    CHECK(!pod_deleted("new-0"));
}

static void test_two_budgets(void)
{
    make_pod("two-0", "two", NULL, "Running", true);
    make_pdb("two-a", "two", 1, 2, 1, true);
    make_pdb("two-b", "two", 1, 2, 1, true);
    json_t *st = NULL;
    CHECK_INT(evict("two-0", &st), 500);
    CHECK_STR(json_string_value(json_object_get(st, "message")),
              "This pod has more than one PodDisruptionBudget, which the eviction subresource "
              "does not support.");
    json_decref(st);
    CHECK(!pod_deleted("two-0"));
}

static void test_node(void)
{
    /* NodeRestriction: a node evicts only pods bound to itself. */
    make_pod("on-n2", "nodes", "n2", "Running", true);
    make_pod("on-n1", "nodes", "n1", "Running", true);
    json_t *st = NULL;
    CHECK_INT(evict_as(true, "on-n2", NULL, &st), 403);
    CHECK_STR(json_string_value(json_object_get(st, "message")),
              "pods \"on-n2\" is forbidden: node \"n1\" can only evict pods with spec.nodeName set "
              "to itself");
    json_decref(st);
    CHECK(!pod_deleted("on-n2"));
    CHECK_INT(evict_as(true, "on-n1", NULL, NULL), 201);
    CHECK(pod_deleted("on-n1"));
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
    /* The default namespace is made at boot: wait for it (bounded). */
    for (int i = 0; i < 1200 && call("GET", "/api/v1/namespaces/default", NULL, NULL, NULL) != 200;
         i++)
        usleep(100 * 1000);
    test_no_budget();
    test_budget();
    test_not_observed();
    test_two_budgets();
    test_node();
    auth_user_free(node_user);
    apiserver_stop(srv);
    th_etcd_stop(&etcd);
    TEST_END();
}
