/*
 * test_apf.c — API Priority and Fairness core: classification by the built-in flow schemas,
 * concurrency shares, shuffle sharding and a deterministic fair-queuing simulation.
 */
#include "test.h"

#include "c8s/apf.h"
#include "c8s/base.h"

#include <stdlib.h>
#include <string.h>

static auth_user_t *mkuser(const char *name, const char *g1, const char *g2)
{
    const char *g[2] = {g1, g2};
    return auth_user_new(name, NULL, g, g2 ? 2 : (g1 ? 1 : 0));
}

static void classify_case(const char *name, const char *g1, const char *g2, const char *verb,
                          const char *group, const char *resource, const char *ns,
                          const char *want_fs, const char *want_pl, const char *want_dist)
{
    auth_user_t *u = mkuser(name, g1, g2);
    auth_attrs_t a = {.resource_request = resource != NULL,
                      .verb = verb,
                      .api_group = group,
                      .resource = resource,
                      .ns = ns,
                      .path = resource ? "/api/v1/x" : "/apis"};
    const apf_fs_t *fs = NULL;
    const apf_pl_t *pl = NULL;
    char *d = apf_classify(u, &a, &fs, &pl);
    CHECK_MSG(strcmp(fs->name, want_fs) == 0, "%s %s %s: schema %s, want %s", name, verb,
              resource ? resource : "-", fs->name, want_fs);
    CHECK_MSG(strcmp(pl->name, want_pl) == 0, "%s: level %s, want %s", name, pl->name, want_pl);
    CHECK_MSG(strcmp(d, want_dist) == 0, "%s: distinguisher %s, want %s", name, d, want_dist);
    free(d);
    auth_user_free(u);
}

static void test_classify(void)
{
    const char *au = AUTH_GROUP_AUTHENTICATED;
    classify_case("admin", AUTH_GROUP_MASTERS, au, "list", "", "pods", "default", "exempt",
                  "exempt", "");
    classify_case("system:node:n1", AUTH_GROUP_NODES, au, "update", "", "nodes", NULL,
                  "system-node-high", "node-high", "system:node:n1");
    classify_case("system:node:n1", AUTH_GROUP_NODES, au, "update", "coordination.k8s.io", "leases",
                  "kube-node-lease", "system-node-high", "node-high", "system:node:n1");
    classify_case("system:node:n1", AUTH_GROUP_NODES, au, "get", "", "pods", "default",
                  "system-nodes", "system", "system:node:n1");
    classify_case("system:serviceaccount:kube-system:ctrl", AUTH_GROUP_SERVICEACCOUNTS, au,
                  "update", "coordination.k8s.io", "leases", "kube-system",
                  "system-leader-election", "leader-election",
                  "system:serviceaccount:kube-system:ctrl");
    classify_case("system:serviceaccount:kube-system:ctrl", AUTH_GROUP_SERVICEACCOUNTS, au, "list",
                  "", "pods", "default", "kube-system-service-accounts", "workload-high",
                  "default");
    classify_case("system:kube-scheduler", au, NULL, "create", "", "bindings", "ns1",
                  "kube-scheduler", "workload-high", "ns1");
    classify_case("system:kube-scheduler", au, NULL, "get", "coordination.k8s.io", "leases",
                  "kube-system", "system-leader-election", "leader-election",
                  "system:kube-scheduler");
    classify_case("system:serviceaccount:app:web", AUTH_GROUP_SERVICEACCOUNTS, au, "list", "",
                  "pods", "app", "service-accounts", "workload-low",
                  "system:serviceaccount:app:web");
    classify_case("alice", au, NULL, "create", "", "configmaps", "default", "global-default",
                  "global-default", "alice");
    classify_case(AUTH_USER_ANONYMOUS, AUTH_GROUP_UNAUTHENTICATED, NULL, "get", NULL, NULL, NULL,
                  "global-default", "global-default", AUTH_USER_ANONYMOUS);
    classify_case("odd", NULL, NULL, "get", "", "pods", "x", "catch-all", "catch-all", "odd");

    /* probes: GET /healthz from anyone is exempt */
    auth_attrs_t a = {.verb = "get", .path = "/livez"};
    const apf_fs_t *fs;
    const apf_pl_t *pl;
    char *d = apf_classify(NULL, &a, &fs, &pl);
    CHECK_STR(fs->name, "probes");
    CHECK(pl->exempt);
    free(d);
}

static void test_limits(void)
{
    int l[16];
    CHECK(apf_n_priority_levels <= 16);
    apf_concurrency_limits(600, l);
    /* shares 30 40 10 40 100 20 5 of 245 */
    CHECK_INT(l[0], 0);
    CHECK_INT(l[apf_pl_lookup("system") - apf_priority_levels], 74);
    CHECK_INT(l[apf_pl_lookup("workload-low") - apf_priority_levels], 245);
    CHECK_INT(l[apf_pl_lookup("global-default") - apf_priority_levels], 49);
    CHECK_INT(l[apf_pl_lookup("catch-all") - apf_priority_levels], 13);
    apf_concurrency_limits(6, l);
    CHECK_INT(l[apf_pl_lookup("global-default") - apf_priority_levels], 1);
    CHECK_INT(l[apf_pl_lookup("leader-election") - apf_priority_levels], 1);
}

static void test_deal(void)
{
    /* Every hand has distinct in-range queues, and across many flows every queue is dealt about
     * equally often. */
    int counts[128] = {0};
    bool ok = true;
    for (int f = 0; f < 10000; f++) {
        char name[32];
        snprintf(name, sizeof(name), "user-%d", f);
        int hand[6];
        apf_deal(apf_flow_hash("global-default", name), 128, 6, hand);
        for (int i = 0; i < 6; i++) {
            if (hand[i] < 0 || hand[i] >= 128)
                ok = false;
            for (int j = 0; j < i; j++)
                if (hand[i] == hand[j])
                    ok = false;
            if (hand[i] >= 0 && hand[i] < 128)
                counts[hand[i]]++;
        }
    }
    CHECK(ok);
    int lo = 1 << 30, hi = 0;
    for (int i = 0; i < 128; i++) {
        lo = counts[i] < lo ? counts[i] : lo;
        hi = counts[i] > hi ? counts[i] : hi;
    }
    printf("shuffle sharding: 10000 flows over 128 queues (hand 6): min %d max %d (mean 469)\n", lo,
           hi);
    CHECK(lo > 350 && hi < 600);
    /* Two flows rarely share a whole hand. */
    int a[6], b[6];
    apf_deal(apf_flow_hash("global-default", "alice"), 128, 6, a);
    apf_deal(apf_flow_hash("global-default", "bob"), 128, 6, b);
    int same = 0;
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++)
            same += a[i] == b[j];
    CHECK(same < 6);
}

typedef struct {
    apf_item_t it;
    int flow;
} sim_req_t;

/* One seat, every request takes 10 ms; flows 0 and 1 keep `backlog[f]` requests waiting. */
static void simulate(int hand, const int backlog[2], int steps, int served[2], double *max_wait1)
{
    apf_qset_t *q = apf_qset_new(1, 16, hand, 1000);
    uint64_t h[2] = {apf_flow_hash("fs", "flooder"), apf_flow_hash("fs", "quiet")};
    double now = 0;
    int queued[2] = {0, 0};
    served[0] = served[1] = 0;
    *max_wait1 = 0;
    for (int step = 0; step < steps; step++) {
        apf_item_t *running = NULL;
        for (int f = 0; f < 2; f++)
            while (queued[f] < backlog[f]) {
                sim_req_t *r = xcalloc(1, sizeof(*r));
                r->flow = f;
                r->it.data = r;
                apf_verdict_t v = apf_qset_offer(q, &r->it, h[f], now);
                if (v == APF_REJECTED) {
                    free(r);
                    break;
                }
                queued[f]++;
                if (v == APF_DISPATCHED)
                    running = &r->it;
            }
        if (!running)
            running = apf_qset_next(q, now);
        if (!running)
            break;
        sim_req_t *r = running->data;
        if (r->flow == 1 && now - running->enqueued_at > *max_wait1)
            *max_wait1 = now - running->enqueued_at;
        now += 0.01;
        apf_qset_done(q, running, now);
        served[r->flow]++;
        queued[r->flow]--;
        free(r);
    }
    /* drain */
    apf_item_t *it;
    while ((it = apf_qset_next(q, now))) {
        apf_qset_done(q, it, now);
        free(it->data);
    }
    CHECK_INT(apf_qset_waiting(q), 0);
    CHECK_INT(apf_qset_executing(q), 0);
    apf_qset_free(q);
}

static void test_fair_queuing(void)
{
    int served[2];
    double wait;
    /* Both backlogged, one queue each (hand 1): equal shares whatever the flood's depth. */
    simulate(1, (int[]){500, 3}, 1000, served, &wait);
    printf("hand 1, flooder backlog 500 vs 3: served %d / %d, quiet max wait %.3f s\n", served[0],
           served[1], wait);
    CHECK(abs(served[0] - served[1]) <= 2);
    /* The quiet flow with one request at a time waits for at most the flooder's hand (its
     * queues) to be served once each, not for the flood. */
    simulate(6, (int[]){500, 1}, 1000, served, &wait);
    printf("hand 6, flooder backlog 500 vs 1: served %d / %d, quiet max wait %.3f s\n", served[0],
           served[1], wait);
    CHECK(served[1] >= 1000 / 8);
    CHECK(wait <= 0.07 + 1e-9);
}

static void test_reject_and_expire(void)
{
    apf_qset_t *q = apf_qset_new(1, 2, 1, 2);
    apf_item_t it[6];
    memset(it, 0, sizeof(it));
    uint64_t h = apf_flow_hash("fs", "a");
    CHECK_INT(apf_qset_offer(q, &it[0], h, 0), APF_DISPATCHED);
    CHECK_INT(apf_qset_offer(q, &it[1], h, 1), APF_QUEUED);
    CHECK_INT(apf_qset_offer(q, &it[2], h, 2), APF_QUEUED);
    CHECK_INT(apf_qset_offer(q, &it[3], h, 3), APF_REJECTED); /* queue length limit 2 */
    CHECK(apf_qset_expired(q, 0.5) == NULL);
    CHECK(apf_qset_expired(q, 1.5) == &it[1]);
    apf_qset_remove(q, &it[1]);
    CHECK_INT(apf_qset_waiting(q), 1);
    apf_qset_done(q, &it[0], 4);
    CHECK(apf_qset_next(q, 4) == &it[2]);
    CHECK(apf_qset_next(q, 4) == NULL);
    apf_qset_done(q, &it[2], 5);
    apf_qset_free(q);

    /* A Reject level (catch-all): no queues, excess refused. */
    q = apf_qset_new(1, 0, 0, 0);
    CHECK_INT(apf_qset_offer(q, &it[4], h, 0), APF_DISPATCHED);
    CHECK_INT(apf_qset_offer(q, &it[5], h, 0), APF_REJECTED);
    apf_qset_done(q, &it[4], 1);
    CHECK_INT(apf_qset_executing(q), 0);
    apf_qset_free(q);
}

int main(void)
{
    test_classify();
    test_limits();
    test_deal();
    test_fair_queuing();
    test_reject_and_expire();
    TEST_END();
}
