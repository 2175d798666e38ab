/*
 * test_ctrl_disruption.c — the disruption controller with the real API server, etcd and the
 * ReplicaSet and Deployment controllers (pods made Ready by the fake kubelet): a budget over a
 * Deployment of 3 counts its pods and the Deployment's scale; an eviction spends it and the
 * controller gives it back once the replacement is Ready; a budget allowing nothing refuses
 * evictions with 429; scaling the Deployment moves expectedPods of a maxUnavailable budget.
 */
#include "ctrl_env.h"

#define NS    "default"
#define PDBS  "/apis/policy/v1/namespaces/" NS "/poddisruptionbudgets"
#define JSON  "application/json"
#define MERGE "application/merge-patch+json"

typedef struct {
    const char *name;
    long long allowed, current, desired, expected;
    const char *reason; /* the DisruptionAllowed condition's, or NULL: any */
} want_t;

static json_t *get_pdb(env_t *e, const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), PDBS "/%s", name);
    json_t *pdb = NULL;
    if (env_call(e, "GET", path, NULL, NULL, &pdb) != 200) {
        json_decref(pdb);
        return NULL;
    }
    return pdb;
}

static bool pdb_is(env_t *e, void *data)
{
    const want_t *w = data;
    json_t *pdb = get_pdb(e, w->name);
    json_t *st = json_object_get(pdb, "status");
    json_t *c = json_array_get(json_object_get(st, "conditions"), 0);
    const char *reason = json_string_value(json_object_get(c, "reason"));
    bool ok =
        pdb && json_integer_value(json_object_get(st, "disruptionsAllowed")) == w->allowed &&
        json_integer_value(json_object_get(st, "currentHealthy")) == w->current &&
        json_integer_value(json_object_get(st, "desiredHealthy")) == w->desired &&
        json_integer_value(json_object_get(st, "expectedPods")) == w->expected &&
        (!w->reason || (reason && strcmp(reason, w->reason) == 0)) &&
        json_integer_value(json_object_get(st, "observedGeneration")) ==
            json_integer_value(json_object_get(json_object_get(pdb, "metadata"), "generation"));
    json_decref(pdb);
    return ok;
}

static void dump_pdb(env_t *e, const char *name)
{
    json_t *pdb = get_pdb(e, name);
    char *s = pdb ? json_dumps(json_object_get(pdb, "status"), JSON_COMPACT) : NULL;
    fprintf(stderr, "  %s status: %s\n", name, s ? s : "(none)");
    free(s);
    json_decref(pdb);
}

/* Waits (bounded, 120 s) for the budget's status to be w; shows it when it is not. */
static void wait_pdb(env_t *e, want_t *w)
{
    bool ok = env_wait(e, pdb_is, w, 120000);
    CHECK_MSG(ok, "budget %s: want allowed %lld current %lld desired %lld expected %lld", w->name,
              w->allowed, w->current, w->desired, w->expected);
    if (!ok)
        dump_pdb(e, w->name);
}

static bool ready_is(env_t *e, void *data)
{
    int ready = 0;
    int n = env_pods(e, NS, "app%3Dweb", &ready, NULL);
    return n == *(int *)data && ready == *(int *)data;
}

/* The name of one Ready pod of the Deployment (owned), or NULL. */
static char *a_pod(env_t *e)
{
    json_t *items = NULL;
    int ready = 0;
    env_pods(e, NS, "app%3Dweb", &ready, &items);
    const char *name = NULL;
    size_t i;
    json_t *p;
    json_array_foreach(items, i, p) if (env_pod_ready(p))
    {
        name = json_string_value(env_get(p, "metadata", "name"));
        break;
    }
    char *out = name ? xstrdup(name) : NULL;
    json_decref(items);
    return out;
}

static int evict(env_t *e, const char *pod, json_t **out)
{
    char path[256], body[256];
    snprintf(path, sizeof(path), "/api/v1/namespaces/" NS "/pods/%s/eviction", pod);
    snprintf(body, sizeof(body),
             "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"%s\"}}",
             pod);
    return env_call(e, "POST", path, JSON, body, out);
}

static void test_budget(env_t *e)
{
    CHECK_INT(env_call(e, "POST", "/apis/apps/v1/namespaces/" NS "/deployments", JSON,
                       "{\"metadata\":{\"name\":\"web\"},\"spec\":{\"replicas\":3,\"selector\":{"
                       "\"matchLabels\":{\"app\":\"web\"}},\"template\":{\"metadata\":{\"labels\":{"
                       "\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":"
                       "\"busybox\"}]}}}}",
                       NULL),
              201);
    int three = 3;
    REQUIRE_VOID(env_wait(e, ready_is, &three, 120000));
    /* maxUnavailable 1: expected from the Deployment's scale (through its ReplicaSet). */
    CHECK_INT(env_call(e, "POST", PDBS, JSON,
                       "{\"metadata\":{\"name\":\"web\"},\"spec\":{\"maxUnavailable\":1,"
                       "\"selector\":{\"matchLabels\":{\"app\":\"web\"}}}}",
                       NULL),
              201);
    want_t one = {"web", 1, 3, 2, 3, "SufficientPods"};
    wait_pdb(e, &one);

    /* An eviction spends the budget; the ReplicaSet replaces the pod, the fake kubelet makes it
     * Ready, and the controller allows one disruption again with the evicted pod forgotten. */
    char *victim = a_pod(e);
    REQUIRE_VOID(victim != NULL);
    CHECK_INT(evict(e, victim, NULL), 201);
    wait_pdb(e, &one);
    json_t *pdb = get_pdb(e, "web");
    json_t *disrupted = json_object_get(json_object_get(pdb, "status"), "disruptedPods");
    CHECK_MSG(!json_object_get(disrupted, victim), "%s still in disruptedPods", victim);
    json_decref(pdb);
    free(victim);

    /* Scaling the Deployment to 4 moves what the budget expects (maxUnavailable counts the
     * scale), and the fourth Ready pod raises the healthy count. */
    CHECK_INT(env_call(e, "PATCH", "/apis/apps/v1/namespaces/" NS "/deployments/web", MERGE,
                       "{\"spec\":{\"replicas\":4}}", NULL),
              200);
    want_t four = {"web", 1, 4, 3, 4, "SufficientPods"};
    wait_pdb(e, &four);

    /* A budget that allows nothing: the eviction is refused and the pod stays. Two budgets
     * would cover the pods, so the first goes. */
    CHECK_INT(env_call(e, "DELETE", PDBS "/web", NULL, NULL, NULL), 200);
    CHECK_INT(env_call(e, "POST", PDBS, JSON,
                       "{\"metadata\":{\"name\":\"all\"},\"spec\":{\"minAvailable\":4,"
                       "\"selector\":{\"matchLabels\":{\"app\":\"web\"}}}}",
                       NULL),
              201);
    want_t none = {"all", 0, 4, 4, 4, "InsufficientPods"};
    wait_pdb(e, &none);
    victim = a_pod(e);
    REQUIRE_VOID(victim != NULL);
    json_t *st = NULL;
    CHECK_INT(evict(e, victim, &st), 429);
    CHECK_STR(json_string_value(json_object_get(st, "message")),
              "Cannot evict pod as it would violate the pod's disruption budget.");
    json_decref(st);
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/namespaces/" NS "/pods/%s", victim);
    CHECK_INT(env_call(e, "GET", path, NULL, NULL, NULL), 200);
    free(victim);
}

int main(void)
{
    env_t e;
    REQUIRE(env_start(&e, NULL) == 0);
    test_budget(&e);
    env_stop(&e);
    TEST_END();
}
