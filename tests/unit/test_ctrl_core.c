/*
 * test_ctrl_core.c — the ReplicaSet and Deployment controllers' pure decisions: the scale-down
 * victim order, availability with minReadySeconds, slow-start batches, maxSurge/maxUnavailable
 * rounding, the pod-template-hash, and the rolling-update steps (checked over a whole simulated
 * rollout for the surge and availability bounds).
 */
#include "c8s/ctrlcore.h"
#include "test.h"

#include <stdio.h>
#include <string.h>

static json_t *pod(const char *name, const char *node, const char *phase, const char *ready,
                   const char *ready_since, int restarts, const char *created)
{
    json_t *p = json_pack("{s:{s:s, s:s}, s:{}, s:{s:[], s:[{s:i}]}}", "metadata", "name", name,
                          "creationTimestamp", created, "spec", "status", "conditions",
                          "containerStatuses", "restartCount", restarts);
    if (node)
        json_object_set_new(json_object_get(p, "spec"), "nodeName", json_string(node));
    if (phase)
        json_object_set_new(json_object_get(p, "status"), "phase", json_string(phase));
    if (ready)
        json_array_append_new(json_object_get(json_object_get(p, "status"), "conditions"),
                              json_pack("{s:s, s:s, s:s}", "type", "Ready", "status", ready,
                                        "lastTransitionTime", ready_since ? ready_since : ""));
    return p;
}

static void test_victims(void)
{
    json_t *p[] = {
        pod("ready-old", "n", "Running", "True", "2026-01-01T00:00:00Z", 0, "2026-01-01T00:00:00Z"),
        pod("ready-new", "n", "Running", "True", "2026-01-01T00:10:00Z", 0, "2026-01-01T00:09:00Z"),
        pod("unsched", NULL, "Pending", NULL, NULL, 0, "2026-01-01T00:00:00Z"),
        pod("pending", "n", "Pending", NULL, NULL, 0, "2026-01-01T00:00:00Z"),
        pod("unknown", "n", "Unknown", NULL, NULL, 0, "2026-01-01T00:00:00Z"),
        pod("notready", "n", "Running", "False", "2026-01-01T00:00:00Z", 0, "2026-01-01T00:00:00Z"),
        pod("restarts", "n", "Running", "True", "2026-01-01T00:00:00Z", 5, "2026-01-01T00:00:00Z"),
        pod("younger", "n", "Running", "True", "2026-01-01T00:00:00Z", 5, "2026-01-01T00:05:00Z"),
    };
    const json_t *v[C8S_ARRAY_SIZE(p)];
    for (size_t i = 0; i < C8S_ARRAY_SIZE(p); i++)
        v[i] = p[i];
    ctrlcore_sort_victims(v, C8S_ARRAY_SIZE(p));
    const char *want[] = {"unsched",   "pending", "unknown",  "notready",
                          "ready-new", "younger", "restarts", "ready-old"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(want); i++)
        CHECK_STR(json_string_value(json_object_get(json_object_get(v[i], "metadata"), "name")),
                  want[i]);
    for (size_t i = 0; i < C8S_ARRAY_SIZE(p); i++)
        json_decref(p[i]);
}

static void test_available(void)
{
    json_t *p = pod("a", "n", "Running", "True", "2026-01-01T00:00:00Z", 0, "2026-01-01T00:00:00Z");
    int64_t t0 = ctrlcore_parse_time("2026-01-01T00:00:00Z");
    CHECK(t0 > 0);
    CHECK_INT(ctrlcore_parse_time("2026-01-01T00:00:01.5Z") - t0, 1);
    int64_t wait = -1;
    CHECK(ctrlcore_pod_available(p, 0, t0, &wait));
    CHECK(!ctrlcore_pod_available(p, 10, t0 + 4, &wait));
    CHECK_INT(wait, 6);
    CHECK(ctrlcore_pod_available(p, 10, t0 + 10, &wait));
    CHECK_INT(wait, 0);
    json_t *n = pod("b", "n", "Running", "False", NULL, 0, "2026-01-01T00:00:00Z");
    CHECK(!ctrlcore_pod_available(n, 0, t0, &wait));
    CHECK(ctrlcore_pod_active(n));
    json_object_set_new(json_object_get(n, "status"), "phase", json_string("Failed"));
    CHECK(!ctrlcore_pod_active(n));
    json_object_set_new(json_object_get(p, "metadata"), "deletionTimestamp",
                        json_string("2026-01-01T00:00:00Z"));
    CHECK(!ctrlcore_pod_active(p));
    json_decref(p);
    json_decref(n);
}

static void test_slow_start(void)
{
    int sizes[16], nb = 0, sent = 0;
    for (int i = 0;; i++) {
        int b = ctrlcore_slow_start_batch(20, sent, i);
        if (b == 0)
            break;
        sizes[nb++] = b;
        sent += b;
    }
    CHECK_INT(nb, 5);
    int want[] = {1, 2, 4, 8, 5};
    for (int i = 0; i < 5; i++)
        CHECK_INT(sizes[i], want[i]);
    CHECK_INT(sent, 20);
}

static void test_fenceposts(void)
{
    struct {
        const char *ru;
        int replicas, surge, unavail;
    } cases[] = {
        {"{\"maxSurge\":\"25%\",\"maxUnavailable\":\"25%\"}", 10, 3, 2},
        {"{\"maxSurge\":\"25%\",\"maxUnavailable\":\"25%\"}", 1, 1, 0},
        {"{\"maxSurge\":1,\"maxUnavailable\":0}", 3, 1, 0},
        {"{\"maxSurge\":0,\"maxUnavailable\":0}", 3, 0, 1},
        {"{\"maxSurge\":\"0%\",\"maxUnavailable\":\"10%\"}", 5, 0, 1}, /* 0.5 → 0, then fencepost */
        {"{\"maxSurge\":\"50%\",\"maxUnavailable\":\"50%\"}", 3, 2, 1},
        {"{\"maxSurge\":\"2\",\"maxUnavailable\":\"1\"}", 3, 2, 1},
    };
    for (size_t i = 0; i < C8S_ARRAY_SIZE(cases); i++) {
        json_t *ru = json_loads(cases[i].ru, 0, NULL);
        int s = -1, u = -1;
        c8s_err_t err = C8S_ERR_INIT;
        CHECK_INT(ctrlcore_fenceposts(ru, cases[i].replicas, &s, &u, &err), 0);
        CHECK_MSG(s == cases[i].surge && u == cases[i].unavail, "case %zu: surge %d unavail %d", i,
                  s, u);
        json_decref(ru);
    }
    json_t *bad = json_loads("{\"maxSurge\":\"x%\"}", 0, NULL);
    int s, u;
    c8s_err_t err = C8S_ERR_INIT;
    CHECK_INT(ctrlcore_fenceposts(bad, 3, &s, &u, &err), C8S_EINVALID);
    c8s_err_clear(&err);
    json_decref(bad);
}

static void test_hash(void)
{
    json_t *a = json_loads("{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":"
                           "[{\"name\":\"c\",\"image\":\"nginx:1\"}]}}",
                           0, NULL);
    json_t *b =
        json_loads("{\"spec\":{\"containers\":[{\"image\":\"nginx:1\",\"name\":\"c\"}]},"
                   "\"metadata\":{\"labels\":{\"pod-template-hash\":\"zzz\",\"app\":\"web\"}}}",
                   0, NULL);
    json_t *c = json_loads("{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":"
                           "[{\"name\":\"c\",\"image\":\"nginx:2\"}]}}",
                           0, NULL);
    char ha[16], hb[16], hc[16], hcc[16];
    ctrlcore_template_hash(a, -1, ha, sizeof(ha));
    ctrlcore_template_hash(b, -1, hb, sizeof(hb));
    ctrlcore_template_hash(c, -1, hc, sizeof(hc));
    ctrlcore_template_hash(a, 1, hcc, sizeof(hcc));
    CHECK_STR(ha, hb); /* key order and the hash label do not matter */
    CHECK(strcmp(ha, hc) != 0);
    CHECK(strcmp(ha, hcc) != 0);
    CHECK(strlen(ha) >= 6 && strlen(ha) <= 10);
    for (const char *p = ha; *p; p++)
        CHECK(strchr("bcdfghjklmnpqrstvwxz2456789", *p) != NULL);
    CHECK(ctrlcore_template_equal_ignore_hash(a, b));
    /* kubectl's `creationTimestamp: null` in a template changes nothing. */
    json_object_set_new(json_object_get(b, "metadata"), "creationTimestamp", json_null());
    CHECK(ctrlcore_template_equal_ignore_hash(a, b));
    ctrlcore_template_hash(b, -1, hb, sizeof(hb));
    CHECK_STR(ha, hb);
    CHECK(!ctrlcore_template_equal_ignore_hash(a, c));
    json_decref(a);
    json_decref(b);
    json_decref(c);
}

static void test_rolling_steps(void)
{
    CHECK_INT(ctrlcore_rolling_new_size(3, 1, 3, 0), 1);
    CHECK_INT(ctrlcore_rolling_new_size(3, 1, 4, 1), 1);
    CHECK_INT(ctrlcore_rolling_new_size(3, 1, 3, 1), 2);
    CHECK_INT(ctrlcore_rolling_new_size(3, 1, 5, 5), 3); /* oversized after a scale-down */
    CHECK_INT(ctrlcore_rolling_new_size(10, 3, 10, 0), 3);

    /* Unhealthy old replicas go first, even below the healthy bound. */
    ctrlcore_rs_t nrs = {2, 2, 2, 2, 0};
    ctrlcore_rs_t old[] = {{3, 3, 1, 1, 0}};
    CHECK_INT(ctrlcore_rolling_scale_old(3, 0, &nrs, old, 1), 2);
    CHECK_INT(old[0].replicas, 1);
    /* Nothing down while the new pods are not available and no surge room is left. */
    ctrlcore_rs_t nrs2 = {1, 1, 0, 2, 0};
    ctrlcore_rs_t old2[] = {{3, 3, 3, 1, 0}};
    CHECK_INT(ctrlcore_rolling_scale_old(3, 0, &nrs2, old2, 1), 0);
    /* Oldest first. */
    ctrlcore_rs_t nrs3 = {2, 2, 2, 3, 0};
    ctrlcore_rs_t old3[] = {{1, 1, 1, 2, 0}, {1, 1, 1, 1, 0}};
    CHECK_INT(ctrlcore_rolling_scale_old(3, 0, &nrs3, old3, 2), 1);
    CHECK_INT(old3[1].replicas, 0);
    CHECK_INT(old3[0].replicas, 1);

    /* A whole rollout, every pod ready as soon as it exists: never above replicas + surge,
     * never below replicas - unavailable available, and it finishes. */
    int cfgs[][3] = {{3, 1, 0}, {10, 3, 2}, {5, 0, 1}, {4, 2, 2}, {1, 1, 0}};
    for (size_t k = 0; k < C8S_ARRAY_SIZE(cfgs); k++) {
        int replicas = cfgs[k][0], surge = cfgs[k][1], unavail = cfgs[k][2];
        ctrlcore_rs_t o = {replicas, replicas, replicas, 1, 0}, n = {0, 0, 0, 2, 0};
        bool ok = true;
        int steps = 0;
        while ((o.replicas > 0 || n.replicas < replicas) && steps < 100) {
            steps++;
            ctrlcore_rs_t all[2] = {o, n};
            int size =
                ctrlcore_rolling_new_size(replicas, surge, ctrlcore_pod_count(all, 2), n.replicas);
            if (size != n.replicas) {
                n.replicas = size;
            } else {
                ctrlcore_rolling_scale_old(replicas, unavail, &n, &o, 1);
            }
            /* the ReplicaSet controllers and kubelet catch up */
            o.actual = o.available = o.replicas;
            n.actual = n.available = n.replicas;
            if (o.actual + n.actual > replicas + surge ||
                o.available + n.available < replicas - unavail)
                ok = false;
        }
        CHECK_MSG(ok && o.replicas == 0 && n.replicas == replicas, "config %zu: %d steps", k,
                  steps);
    }
}

static void test_expectations(void)
{
    ctrlcore_expect_t *x = ctrlcore_expect_new(1000);
    CHECK(ctrlcore_expect_satisfied(x, "ns/a", 0, NULL)); /* never set */
    ctrlcore_expect_set(x, "ns/a", 3, NULL, 0, 100);
    CHECK(!ctrlcore_expect_satisfied(x, "ns/a", 100, NULL));
    ctrlcore_expect_created(x, "ns/a");
    ctrlcore_expect_created(x, "ns/a");
    CHECK(!ctrlcore_expect_satisfied(x, "ns/a", 200, NULL));
    ctrlcore_expect_created(x, "ns/a");
    CHECK(ctrlcore_expect_satisfied(x, "ns/a", 200, NULL));
    ctrlcore_expect_created(x, "ns/a"); /* more seen than asked: stays satisfied */
    CHECK(ctrlcore_expect_satisfied(x, "ns/a", 200, NULL));

    /* Deletions are tracked per pod: seeing one pod go twice (marked, then removed) counts
     * once, and another owner's pods do not count. */
    const char *keys[] = {"ns/p1", "ns/p2"};
    ctrlcore_expect_set(x, "ns/a", 0, keys, 2, 300);
    ctrlcore_expect_set(x, "ns/b", 1, NULL, 0, 300);
    CHECK(!ctrlcore_expect_deleted(x, "ns/b", "ns/p1", NULL));
    CHECK(ctrlcore_expect_deleted(x, "ns/a", "ns/p1", NULL));
    CHECK(!ctrlcore_expect_deleted(x, "ns/a", "ns/p1", NULL));
    CHECK(!ctrlcore_expect_satisfied(x, "ns/a", 300, NULL));
    const char *found = NULL;
    CHECK(ctrlcore_expect_deleted(x, NULL, "ns/p2", &found));
    CHECK_STR(found, "ns/a");
    CHECK(ctrlcore_expect_satisfied(x, "ns/a", 300, NULL));

    /* Unseen writes are given up on after the TTL. */
    bool expired = false;
    CHECK(!ctrlcore_expect_satisfied(x, "ns/b", 1300, &expired));
    CHECK(!expired);
    CHECK(ctrlcore_expect_satisfied(x, "ns/b", 1301, &expired));
    CHECK(expired);
    ctrlcore_expect_forget(x, "ns/b");
    CHECK(ctrlcore_expect_satisfied(x, "ns/b", 300, NULL));
    ctrlcore_expect_free(x);
}

static void test_proportional(void)
{
    /* Stuck mid-rollout at 10 (+3 surge): old 8, new 3. Scaled to 20 (+5): 14 more shared out
     * 8:3 scaled by 25/13, the leftover to the larger. */
    ctrlcore_rs_t rs[] = {{.replicas = 8, .created = 1, .max_before = 13},
                          {.replicas = 3, .created = 2, .max_before = 13}};
    ctrlcore_proportional_scale(20, 5, 11, rs, 2);
    CHECK_INT(rs[0].replicas, 19);
    CHECK_INT(rs[1].replicas, 6);
    /* And down to 5 (+2): 7 in all. */
    rs[0].max_before = rs[1].max_before = 25;
    ctrlcore_proportional_scale(5, 2, 25, rs, 2);
    CHECK_INT(rs[0].replicas, 5);
    CHECK_INT(rs[1].replicas, 2);
    /* To zero: everything goes. */
    ctrlcore_proportional_scale(0, 0, 7, rs, 2);
    CHECK_INT(rs[0].replicas + rs[1].replicas, 0);
    /* Without annotations the deployment's status size stands in. */
    ctrlcore_rs_t r2[] = {{.replicas = 2, .created = 1}, {.replicas = 2, .created = 2}};
    ctrlcore_proportional_scale(8, 0, 4, r2, 2);
    CHECK_INT(r2[0].replicas, 4);
    CHECK_INT(r2[1].replicas, 4);
}

int main(void)
{
    test_proportional();
    test_expectations();
    test_victims();
    test_available();
    test_slow_start();
    test_fenceposts();
    test_hash();
    test_rolling_steps();
    TEST_END();
}
