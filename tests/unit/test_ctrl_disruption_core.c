/*
 * test_ctrl_disruption_core.c — a PodDisruptionBudget's status as upstream's disruption controller
 * computes it: integer minAvailable counts the matching pods, percentages and maxUnavailable the
 * pods' controllers' scale (rounded up, each controller once); only Ready pods that are neither
 * terminating nor recently evicted are healthy; nothing is allowed while no pod is expected;
 * disruptedPods entries expire after two minutes; the DisruptionAllowed condition and its
 * transition time; a pod whose controller is unknown fails safe.
 */
#include "../../src/controllers/internal.h"
#include "json_lit.h"
#include "test.h"

#include <string.h>

/* 2026-11-23T10:00:00Z */
#define NOW_S  1795428000LL
#define NOW_MS (NOW_S * 1000)

/* A pod of controller uid (NULL: none), Ready or not, terminating or not. */
static json_t *pod(const char *name, const char *uid, bool ready, bool terminating)
{
    json_t *p = json_pack("{s:{s:s, s:s}, s:{s:s, s:[{s:s, s:s}]}}", "metadata", "name", name,
                          "namespace", "ns", "status", "phase", "Running", "conditions", "type",
                          "Ready", "status", ready ? "True" : "False");
    json_t *md = json_object_get(p, "metadata");
    if (uid)
        json_object_set_new(md, "ownerReferences",
                            json_pack("[{s:s, s:s, s:s, s:b}]", "kind", "ReplicaSet", "name", "rs",
                                      "uid", uid, "controller", 1));
    if (terminating)
        json_object_set_new(md, "deletionTimestamp", json_string("2026-11-23T09:59:00Z"));
    return p;
}

static long long st(const json_t *s, const char *k)
{
    return json_integer_value(json_object_get(s, k));
}

static const char *cond(const json_t *s, const char *k)
{
    return json_string_value(
        json_object_get(json_array_get(json_object_get(s, "conditions"), 0), k));
}

static void test_scaled(void)
{
    long long v = -1;
    cleanup_json json_t *i = json_integer(3), *p = json_string("50%"), *bad = json_string("5");
    CHECK_INT(controllers__pdb_scaled(i, 10, &v), 0);
    CHECK_INT(v, 3);
    CHECK_INT(controllers__pdb_scaled(p, 3, &v), 0);
    CHECK_INT(v, 2); /* 1.5 rounded up */
    CHECK_INT(controllers__pdb_scaled(p, 0, &v), 0);
    CHECK_INT(v, 0);
    CHECK_INT(controllers__pdb_scaled(bad, 3, &v), -1);
}

static void test_min_integer(void)
{
    /* Two Ready pods, one not Ready, one terminating: minAvailable 1 counts the four. */
    cleanup_json json_t *pdb = J("{'metadata':{'name':'p','generation':2},'spec':{"
                                 "'minAvailable':1,'selector':{}}}");
    cleanup_json json_t *pods = json_array();
    json_array_append_new(pods, pod("a", "u1", true, false));
    json_array_append_new(pods, pod("b", "u1", true, false));
    json_array_append_new(pods, pod("c", "u1", false, false));
    json_array_append_new(pods, pod("d", "u1", true, true));
    cleanup_json json_t *scales = J("{}");
    int64_t recheck = -1;
    cleanup_json json_t *s = controllers__pdb_status(pdb, pods, scales, NOW_MS, &recheck);
    CHECK_INT(st(s, "expectedPods"), 4);
    CHECK_INT(st(s, "desiredHealthy"), 1);
    CHECK_INT(st(s, "currentHealthy"), 2);
    CHECK_INT(st(s, "disruptionsAllowed"), 1);
    CHECK_INT(st(s, "observedGeneration"), 2);
    CHECK_INT(recheck, 0);
    CHECK_STR(cond(s, "type"), "DisruptionAllowed");
    CHECK_STR(cond(s, "status"), "True");
    CHECK_STR(cond(s, "reason"), "SufficientPods");
    CHECK_STR(cond(s, "lastTransitionTime"), "2026-11-23T10:00:00Z");
    CHECK(json_object_get(s, "disruptedPods") == NULL);

    /* The same status again keeps the condition's time; a change of status moves it. */
    json_object_set(pdb, "status", s);
    cleanup_json json_t *again =
        controllers__pdb_status(pdb, pods, scales, NOW_MS + 5000, &recheck);
    CHECK(json_equal(again, s));
    json_array_remove(pods, 0);
    cleanup_json json_t *less = controllers__pdb_status(pdb, pods, scales, NOW_MS + 5000, &recheck);
    CHECK_INT(st(less, "disruptionsAllowed"), 0);
    CHECK_STR(cond(less, "status"), "False");
    CHECK_STR(cond(less, "reason"), "InsufficientPods");
    CHECK_STR(cond(less, "lastTransitionTime"), "2026-11-23T10:00:05Z");

    /* No pods: nothing may be disrupted even with minAvailable 0. */
    cleanup_json json_t *zero = J("{'metadata':{'generation':1},'spec':{'minAvailable':0}}");
    cleanup_json json_t *none = json_array();
    cleanup_json json_t *z = controllers__pdb_status(zero, none, scales, NOW_MS, &recheck);
    CHECK_INT(st(z, "expectedPods"), 0);
    CHECK_INT(st(z, "disruptionsAllowed"), 0);
}

static void test_scale_based(void)
{
    /* maxUnavailable 1 over a Deployment of 3 (one controller counted once) with 2 Ready pods:
     * desired 2, nothing allowed; then 3 Ready: one allowed. */
    cleanup_json json_t *pdb = J("{'metadata':{'generation':1},'spec':{'maxUnavailable':1}}");
    cleanup_json json_t *pods = json_array();
    json_array_append_new(pods, pod("a", "d1", true, false));
    json_array_append_new(pods, pod("b", "d1", true, false));
    cleanup_json json_t *scales = J("{'d1':3}");
    int64_t recheck;
    cleanup_json json_t *s = controllers__pdb_status(pdb, pods, scales, NOW_MS, &recheck);
    CHECK_INT(st(s, "expectedPods"), 3);
    CHECK_INT(st(s, "desiredHealthy"), 2);
    CHECK_INT(st(s, "currentHealthy"), 2);
    CHECK_INT(st(s, "disruptionsAllowed"), 0);
    json_array_append_new(pods, pod("c", "d1", true, false));
    cleanup_json json_t *s3 = controllers__pdb_status(pdb, pods, scales, NOW_MS, &recheck);
    CHECK_INT(st(s3, "disruptionsAllowed"), 1);

    /* minAvailable 50% of two controllers (3 + 2): 3 desired, rounded up. */
    cleanup_json json_t *pct = J("{'metadata':{'generation':1},'spec':{'minAvailable':'50%'}}");
    json_array_append_new(pods, pod("e", "s1", true, false));
    cleanup_json json_t *two = J("{'d1':3,'s1':2}");
    cleanup_json json_t *p = controllers__pdb_status(pct, pods, two, NOW_MS, &recheck);
    CHECK_INT(st(p, "expectedPods"), 5);
    CHECK_INT(st(p, "desiredHealthy"), 3);
    CHECK_INT(st(p, "currentHealthy"), 4);
    CHECK_INT(st(p, "disruptionsAllowed"), 1);

    /* maxUnavailable 100%: nothing desired. */
    cleanup_json json_t *all = J("{'metadata':{'generation':1},'spec':{'maxUnavailable':'100%'}}");
    cleanup_json json_t *a = controllers__pdb_status(all, pods, two, NOW_MS, &recheck);
    CHECK_INT(st(a, "desiredHealthy"), 0);
    CHECK_INT(st(a, "disruptionsAllowed"), 4);

    /* A pod whose controller is not known: fail safe, with upstream's reason. */
    cleanup_json json_t *only = J("{'d1':3}");
    json_object_set_new(pct, "status",
                        J("{'disruptionsAllowed':2,'currentHealthy':4,"
                          "'desiredHealthy':2,'expectedPods':4}"));
    cleanup_json json_t *f = controllers__pdb_status(pct, pods, only, NOW_MS, &recheck);
    CHECK_INT(st(f, "disruptionsAllowed"), 0);
    CHECK_INT(st(f, "currentHealthy"), 4);
    CHECK_STR(cond(f, "status"), "False");
    CHECK_STR(cond(f, "reason"), "SyncFailed");
    CHECK_STR(cond(f, "message"), "found no controllers for pod \"e\"");
    /* Unmanaged pods count nowhere in a scale-based budget (upstream goes on without them). */
    cleanup_json json_t *lone = json_array();
    json_array_append_new(lone, pod("x", NULL, true, false));
    cleanup_json json_t *u = controllers__pdb_status(pdb, lone, scales, NOW_MS, &recheck);
    CHECK_INT(st(u, "expectedPods"), 0);
    CHECK_INT(st(u, "disruptionsAllowed"), 0);
}

static void test_disrupted(void)
{
    /* a evicted 30 s ago (not healthy, recheck in 90 s), b evicted 3 min ago (forgotten), c
     * evicted and already terminating (dropped), gone evicted and no longer listed (dropped). */
    cleanup_json json_t *pdb =
        J("{'metadata':{'generation':1},'spec':{'minAvailable':1},'status':{'disruptedPods':{"
          "'a':'2026-11-23T09:59:30Z','b':'2026-11-23T09:57:00Z','c':'2026-11-23T09:59:50Z',"
          "'gone':'2026-11-23T09:59:59Z'}}}");
    cleanup_json json_t *pods = json_array();
    json_array_append_new(pods, pod("a", NULL, true, false));
    json_array_append_new(pods, pod("b", NULL, true, false));
    json_array_append_new(pods, pod("c", NULL, true, true));
    cleanup_json json_t *scales = J("{}");
    int64_t recheck = 0;
    cleanup_json json_t *s = controllers__pdb_status(pdb, pods, scales, NOW_MS, &recheck);
    json_t *d = json_object_get(s, "disruptedPods");
    CHECK_INT(json_object_size(d), 1);
    CHECK_STR(json_string_value(json_object_get(d, "a")), "2026-11-23T09:59:30Z");
    CHECK_INT(recheck, 90 * 1000);
    CHECK_INT(st(s, "currentHealthy"), 1); /* b only */
    CHECK_INT(st(s, "disruptionsAllowed"), 0);
}

int main(void)
{
    test_scaled();
    test_min_integer();
    test_scale_based();
    test_disrupted();
    TEST_END();
}
