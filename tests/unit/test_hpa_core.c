/*
 * test_hpa_core.c — the HPA's pure decisions: the replica calculator's tolerance band, its
 * handling of missing and unready pods (which may damp a change but never cause or reverse one),
 * AverageValue targets, and normalisation (the 5-minute scale-down window, min/max, the default
 * scale-up limit, behavior rate policies).
 */
#include "c8s/hpa.h"
#include "test.h"

#define OK(u, r)                                                                                   \
    {                                                                                              \
        HPA_POD_OK, (u), (r)                                                                       \
    }

static void test_utilization(void)
{
    c8s_err_t err = {0};
    hpa_calc_t c;
    /* 3 pods at 500m of 1000m requested, target 50%: within tolerance. */
    hpa_pod_t even[] = {OK(500, 1000), OK(500, 1000), OK(500, 1000)};
    CHECK_INT(hpa_calc_utilization(even, 3, 3, 50, HPA_TOLERANCE, &c, &err), 0);
    CHECK_INT(c.replicas, 3);
    CHECK_INT(c.utilization, 50);
    CHECK_INT(c.average, 500);
    /* 54% is inside the 10% band of 50%: no change. */
    hpa_pod_t near[] = {OK(540, 1000), OK(540, 1000)};
    CHECK_INT(hpa_calc_utilization(near, 2, 2, 50, HPA_TOLERANCE, &c, &err), 0);
    CHECK_INT(c.replicas, 2);
    /* 90% against 50%: ceil(1.8 * 2) = 4. */
    hpa_pod_t hot[] = {OK(900, 1000), OK(900, 1000)};
    CHECK_INT(hpa_calc_utilization(hot, 2, 2, 50, HPA_TOLERANCE, &c, &err), 0);
    CHECK_INT(c.replicas, 4);
    CHECK_INT(c.utilization, 90);
    /* 10% against 50%: ceil(0.2 * 4) = 1. */
    hpa_pod_t cold[] = {OK(100, 1000), OK(100, 1000), OK(100, 1000), OK(100, 1000)};
    CHECK_INT(hpa_calc_utilization(cold, 4, 4, 50, HPA_TOLERANCE, &c, &err), 0);
    CHECK_INT(c.replicas, 1);
    /* A sampled pod without a request is an error, not a guess. */
    hpa_pod_t noreq[] = {OK(100, 0)};
    CHECK(hpa_calc_utilization(noreq, 1, 1, 50, HPA_TOLERANCE, &c, &err) == C8S_EINVALID);
    c8s_err_clear(&err);
    CHECK(hpa_calc_utilization(NULL, 0, 1, 50, HPA_TOLERANCE, &c, &err) == C8S_EINVALID);
    c8s_err_clear(&err);
    /* Only unready pods: nothing to go by. */
    hpa_pod_t none[] = {{HPA_POD_UNREADY, 0, 1000}};
    CHECK(hpa_calc_utilization(none, 1, 1, 50, HPA_TOLERANCE, &c, &err) == C8S_EINVALID);
    c8s_err_clear(&err);
}

static void test_missing_unready(void)
{
    c8s_err_t err = {0};
    hpa_calc_t c;
    /* Scale-up with a missing pod: it counts as 0 usage. Ready: 2 x 100% = ratio 2 on 50%;
     * with the missing one at 0: 2000 / 3000 = 66% → ratio 1.32, ceil(1.32 * 3) = 4. */
    hpa_pod_t up_missing[] = {OK(1000, 1000), OK(1000, 1000), {HPA_POD_MISSING, 0, 1000}};
    CHECK_INT(hpa_calc_utilization(up_missing, 3, 3, 50, HPA_TOLERANCE, &c, &err), 0);
    CHECK_INT(c.replicas, 4);
    CHECK_INT(c.utilization, 100);
    /* Scale-down with a missing pod: it counts as using its full request. Ready 2 x 10%, missing
     * at 100%: 1200 / 3000 = 40% → ratio 0.8, ceil(0.8 * 3) = 3 (= current). */
    hpa_pod_t down_missing[] = {OK(100, 1000), OK(100, 1000), {HPA_POD_MISSING, 0, 1000}};
    CHECK_INT(hpa_calc_utilization(down_missing, 3, 3, 50, HPA_TOLERANCE, &c, &err), 0);
    CHECK_INT(c.replicas, 3);
    /* A missing pod that would reverse the direction: no change. Ready 60% on 50% (ratio 1.2),
     * missing at 0: 600 / 2000 = 30% → reversed, keep current. */
    hpa_pod_t reverse[] = {OK(600, 1000), {HPA_POD_MISSING, 0, 1000}};
    CHECK_INT(hpa_calc_utilization(reverse, 2, 2, 50, HPA_TOLERANCE, &c, &err), 0);
    CHECK_INT(c.replicas, 2);
    /* Unready pods are left out of a scale-down entirely. */
    hpa_pod_t down_unready[] = {OK(100, 1000), OK(100, 1000), {HPA_POD_UNREADY, 900, 1000}};
    CHECK_INT(hpa_calc_utilization(down_unready, 3, 3, 50, HPA_TOLERANCE, &c, &err), 0);
    CHECK_INT(c.replicas, 1);
    CHECK_INT(c.ready_pod_count, 2);
    /* On a scale-up they count as 0: 2000 / 4000 = 50% on 50% → no change. */
    hpa_pod_t up_unready[] = {
        OK(1000, 1000), OK(1000, 1000), {HPA_POD_UNREADY, 0, 1000}, {HPA_POD_UNREADY, 0, 1000}};
    CHECK_INT(hpa_calc_utilization(up_unready, 4, 4, 50, HPA_TOLERANCE, &c, &err), 0);
    CHECK_INT(c.replicas, 4);
    /* Ignored pods (deleted, Failed) do not count at all. */
    hpa_pod_t ignored[] = {OK(900, 1000), {HPA_POD_IGNORED, 0, 0}};
    CHECK_INT(hpa_calc_utilization(ignored, 2, 2, 50, HPA_TOLERANCE, &c, &err), 0);
    CHECK_INT(c.replicas, 2); /* ceil(1.8 * 1) */
}

static void test_average_value(void)
{
    c8s_err_t err = {0};
    hpa_calc_t c;
    /* 3 pods at 300Mi average, target 100Mi: ceil(3 * 3) = 9. */
    int64_t mi = 1024 * 1024;
    hpa_pod_t mem[] = {OK(300 * mi, 0), OK(300 * mi, 0), OK(300 * mi, 0)};
    CHECK_INT(hpa_calc_average_value(mem, 3, 3, 100 * mi, HPA_TOLERANCE, &c, &err), 0);
    CHECK_INT(c.replicas, 9);
    CHECK_INT(c.average, 300 * mi);
    /* Missing pods in a scale-down count at the target. 2 x 20Mi, one missing at 100Mi:
     * 140/3 = 46.6Mi → ratio 0.466, ceil(1.4) = 2. */
    hpa_pod_t down[] = {OK(20 * mi, 0), OK(20 * mi, 0), {HPA_POD_MISSING, 0, 0}};
    CHECK_INT(hpa_calc_average_value(down, 3, 3, 100 * mi, HPA_TOLERANCE, &c, &err), 0);
    CHECK_INT(c.replicas, 2);
    CHECK(hpa_calc_average_value(down, 3, 3, 0, HPA_TOLERANCE, &c, &err) == C8S_EINVALID);
    c8s_err_clear(&err);
}

static void test_normalize_default(void)
{
    hpa_rec_t recs[16];
    size_t n = 0;
    hpa_limit_t l;
    /* Scale-up limited to max(2 x current, 4). */
    hpa_normalize(1, 10, 1, 20, HPA_DOWNSCALE_WINDOW, NULL, NULL, 0, recs, &n, 16, 1000, &l);
    CHECK_INT(l.replicas, 4);
    CHECK_STR(l.reason, "ScaleUpLimit");
    CHECK_INT(n, 1);
    /* Max replicas wins when lower than the rate limit. */
    hpa_normalize(4, 10, 1, 6, HPA_DOWNSCALE_WINDOW, NULL, NULL, 0, recs, &n, 16, 1010, &l);
    CHECK_INT(l.replicas, 6);
    CHECK_STR(l.reason, "TooManyReplicas");
    /* A scale-down within 5 minutes of a recommendation of 10 keeps 10 (the highest recent). */
    hpa_normalize(6, 2, 1, 6, HPA_DOWNSCALE_WINDOW, NULL, NULL, 0, recs, &n, 16, 1100, &l);
    CHECK_INT(l.replicas, 6);
    CHECK_STR(l.reason, "TooManyReplicas");
    /* After the window the low recommendations win. */
    hpa_normalize(6, 2, 1, 6, HPA_DOWNSCALE_WINDOW, NULL, NULL, 0, recs, &n, 16, 1400, &l);
    CHECK_INT(l.replicas, 2);
    CHECK(l.reason == NULL);
    /* min replicas. */
    hpa_normalize(2, 0, 1, 6, HPA_DOWNSCALE_WINDOW, NULL, NULL, 0, recs, &n, 16, 1400, &l);
    CHECK_INT(l.replicas, 2); /* 2 from the recommendation a moment ago */
    hpa_normalize(2, 0, 1, 6, HPA_DOWNSCALE_WINDOW, NULL, NULL, 0, recs, &n, 16, 1800, &l);
    CHECK_INT(l.replicas, 1);
    CHECK_STR(l.reason, "TooFewReplicas");
    /* Old recommendations are dropped, and a full buffer loses its oldest. */
    CHECK_INT(n, 1);
    size_t small = 0;
    hpa_rec_t two[2];
    for (int i = 0; i < 5; i++)
        hpa_normalize(2, 10 - i, 1, 20, 300, NULL, NULL, 0, two, &small, 2, 2000 + i, &l);
    CHECK_INT(small, 2);
    CHECK_INT(two[0].replicas, 7);
    CHECK_INT(two[1].replicas, 6);
}

static void test_normalize_behavior(void)
{
    hpa_behavior_t b;
    hpa_behavior_default(&b);
    hpa_rec_t recs[16];
    size_t n = 0;
    hpa_limit_t l;
    /* Default scale-up: the larger of +100% and +4 per 15 s. */
    hpa_normalize(2, 20, 1, 50, 300, &b, NULL, 0, recs, &n, 16, 1000, &l);
    CHECK_INT(l.replicas, 6);
    CHECK_STR(l.reason, "ScaleUpLimit");
    hpa_normalize(10, 50, 1, 50, 300, &b, NULL, 0, recs, &n, 16, 1001, &l);
    CHECK_INT(l.replicas, 20);
    /* Events within the period count against it: 2 added 5 s ago, so the period started at 8;
     * one 20 s ago is outside it. */
    hpa_event_t ev[] = {{980, 5}, {995, 2}};
    hpa_normalize(10, 50, 1, 50, 300, &b, ev, 2, recs, &n, 16, 1002, &l);
    CHECK_INT(l.replicas, 16); /* max(8 * 2, 8 + 4) */
    /* A limit below the current count never turns a scale-up into a scale-down. */
    hpa_event_t big[] = {{1000, 9}};
    hpa_normalize(10, 50, 1, 50, 300, &b, big, 1, recs, &n, 16, 1003, &l);
    CHECK_INT(l.replicas, 10);
    /* Scale-down stabilised by the 300 s window. */
    n = 0;
    hpa_normalize(10, 10, 1, 50, 300, &b, NULL, 0, recs, &n, 16, 1000, &l);
    hpa_normalize(10, 3, 1, 50, 300, &b, NULL, 0, recs, &n, 16, 1200, &l);
    CHECK_INT(l.replicas, 10);
    hpa_normalize(10, 3, 1, 50, 300, &b, NULL, 0, recs, &n, 16, 1301, &l);
    CHECK_INT(l.replicas, 3);
    /* A Pods policy of 1 per 60 s, and the selection Min / Disabled. */
    b.down.window = 0;
    b.down.policies[1] = (hpa_policy_t){.percent = false, .value = 1, .period = 60};
    b.down.n_policies = 2;
    b.down.select = HPA_SELECT_MIN;
    n = 0;
    hpa_normalize(10, 3, 1, 50, 300, &b, NULL, 0, recs, &n, 16, 5000, &l);
    CHECK_INT(l.replicas, 9);
    CHECK_STR(l.reason, "ScaleDownLimit");
    b.down.select = HPA_SELECT_MAX;
    n = 0;
    hpa_normalize(10, 3, 1, 50, 300, &b, NULL, 0, recs, &n, 16, 6000, &l);
    CHECK_INT(l.replicas, 3);
    b.down.select = HPA_SELECT_DISABLED;
    n = 0;
    hpa_normalize(10, 3, 1, 50, 300, &b, NULL, 0, recs, &n, 16, 7000, &l);
    CHECK_INT(l.replicas, 10);
    /* min still applies. */
    b.down.select = HPA_SELECT_MAX;
    n = 0;
    hpa_normalize(10, 0, 2, 50, 300, &b, NULL, 0, recs, &n, 16, 8000, &l);
    CHECK_INT(l.replicas, 2);
    CHECK_STR(l.reason, "TooFewReplicas");
}

int main(void)
{
    test_utilization();
    test_missing_unready();
    test_average_value();
    test_normalize_default();
    test_normalize_behavior();
    TEST_END();
}
