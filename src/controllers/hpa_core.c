/*
 * hpa_core.c — the HorizontalPodAutoscaler's pure decisions (hpa.h): upstream's replica
 * calculator for resource metrics and its replica normalisation, with or without spec.behavior.
 */
#include "c8s/hpa.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The usage ratio over the pods in `in` (upstream's GetResourceUtilizationRatio when
 * target_percent > 0, GetMetricUsageRatio otherwise). fill[] overrides a pod's usage when ≥ 0. */
static int usage_ratio(const hpa_pod_t *pods, size_t n, const bool *in, const int64_t *fill,
                       int target_percent, int64_t target_average, double *ratio, int *util,
                       int64_t *avg, c8s_err_t *err)
{
    int64_t usage = 0, req = 0, count = 0;
    for (size_t i = 0; i < n; i++) {
        if (!in[i])
            continue;
        usage += fill[i] >= 0 ? fill[i] : pods[i].usage;
        req += pods[i].request;
        count++;
    }
    if (count == 0)
        return c8s_err_set(err, C8S_EINVALID,
                           "did not receive metrics for targeted pods (pods might be unready)");
    *avg = usage / count;
    if (target_percent > 0) {
        if (req <= 0)
            return c8s_err_set(err, C8S_EINVALID, "no metrics returned matched known pods");
        /* Upstream truncates to whole percent before taking the ratio; so do we, or the
         * tolerance band would differ at its edges. */
        *util = (int)(usage * 100 / req);
        *ratio = (double)*util / (double)target_percent;
    } else {
        *util = 0;
        *ratio = (double)*avg / (double)target_average;
    }
    return 0;
}

static int calc_pods(const hpa_pod_t *pods, size_t n, int current, int target_percent,
                     int64_t target_average, double tolerance, bool *in, int64_t *fill,
                     hpa_calc_t *out, c8s_err_t *err);

static int calc(const hpa_pod_t *pods, size_t n, int current, int target_percent,
                int64_t target_average, double tolerance, hpa_calc_t *out, c8s_err_t *err)
{
    memset(out, 0, sizeof(*out));
    if (n == 0)
        return c8s_err_set(err, C8S_EINVALID,
                           "no pods returned by selector while calculating replica count");
    /* Scratch per pod: whether it counts now, and the usage it is assumed to have (-1: its
     * own). Owned here. */
    bool *in = xcalloc(n, sizeof(*in));
    int64_t *fill = xcalloc(n, sizeof(*fill));
    int rc =
        calc_pods(pods, n, current, target_percent, target_average, tolerance, in, fill, out, err);
    free(in);
    free(fill);
    return rc;
}

static int calc_pods(const hpa_pod_t *pods, size_t n, int current, int target_percent,
                     int64_t target_average, double tolerance, bool *in, int64_t *fill,
                     hpa_calc_t *out, c8s_err_t *err)
{
    size_t unready = 0, missing = 0, ready = 0;
    for (size_t i = 0; i < n; i++) {
        in[i] = pods[i].state == HPA_POD_OK;
        fill[i] = -1;
        if (pods[i].state == HPA_POD_UNREADY)
            unready++;
        else if (pods[i].state == HPA_POD_MISSING)
            missing++;
        else if (pods[i].state == HPA_POD_OK)
            ready++;
        if (target_percent > 0 && pods[i].state != HPA_POD_IGNORED && pods[i].request <= 0)
            return c8s_err_set(err, C8S_EINVALID, "missing request for pod number %zu", i);
    }
    out->ready_pod_count = (int)ready;

    double ratio;
    int rc = usage_ratio(pods, n, in, fill, target_percent, target_average, &ratio,
                         &out->utilization, &out->average, err);
    if (rc < 0)
        return rc;

    bool up_with_unready = unready > 0 && ratio > 1.0;
    if (!up_with_unready && missing == 0) {
        if (fabs(1.0 - ratio) <= tolerance)
            out->replicas = current;
        else
            out->replicas = (int)ceil(ratio * (double)ready);
        return 0;
    }

    /* Assume the worst for the direction the sampled pods point to, so missing and unready pods
     * can only damp a change, never cause or reverse one. */
    for (size_t i = 0; i < n; i++) {
        if (pods[i].state == HPA_POD_MISSING) {
            in[i] = true;
            if (ratio < 1.0)
                fill[i] = target_percent > 0 ? pods[i].request : target_average;
            else
                fill[i] = 0;
        } else if (pods[i].state == HPA_POD_UNREADY && up_with_unready) {
            in[i] = true;
            fill[i] = 0;
        }
    }
    double new_ratio;
    int util_ignored;
    int64_t avg_ignored;
    rc = usage_ratio(pods, n, in, fill, target_percent, target_average, &new_ratio, &util_ignored,
                     &avg_ignored, err);
    if (rc < 0)
        return rc;
    if (fabs(1.0 - new_ratio) <= tolerance || (ratio < 1.0 && new_ratio > 1.0) ||
        (ratio > 1.0 && new_ratio < 1.0)) {
        out->replicas = current;
        return 0;
    }
    size_t counted = 0;
    for (size_t i = 0; i < n; i++)
        counted += in[i];
    int r = (int)ceil(new_ratio * (double)counted);
    if ((new_ratio < 1.0 && r > current) || (new_ratio > 1.0 && r < current))
        r = current;
    out->replicas = r;
    return 0;
}

int hpa_calc_utilization(const hpa_pod_t *pods, size_t n, int current_replicas, int target_percent,
                         double tolerance, hpa_calc_t *out, c8s_err_t *err)
{
    if (target_percent <= 0)
        return c8s_err_set(err, C8S_EINVALID, "averageUtilization must be greater than 0");
    return calc(pods, n, current_replicas, target_percent, 0, tolerance, out, err);
}

int hpa_calc_average_value(const hpa_pod_t *pods, size_t n, int current_replicas,
                           int64_t target_average, double tolerance, hpa_calc_t *out,
                           c8s_err_t *err)
{
    if (target_average <= 0)
        return c8s_err_set(err, C8S_EINVALID, "averageValue must be greater than 0");
    return calc(pods, n, current_replicas, 0, target_average, tolerance, out, err);
}

void hpa_behavior_default(hpa_behavior_t *b)
{
    memset(b, 0, sizeof(*b));
    b->up.window = 0;
    b->up.select = HPA_SELECT_MAX;
    b->up.policies[0] = (hpa_policy_t){.percent = true, .value = 100, .period = 15};
    b->up.policies[1] = (hpa_policy_t){.percent = false, .value = 4, .period = 15};
    b->up.n_policies = 2;
    b->down.window = HPA_DOWNSCALE_WINDOW;
    b->down.select = HPA_SELECT_MAX;
    b->down.policies[0] = (hpa_policy_t){.percent = true, .value = 100, .period = 15};
    b->down.n_policies = 1;
}

/* Replicas added (sign > 0) or removed (sign < 0) in the last `period` seconds. */
static int change_in_period(const hpa_event_t *ev, size_t n, int64_t now, int period, int sign)
{
    int sum = 0;
    for (size_t i = 0; i < n; i++)
        if (ev[i].at > now - period && (sign > 0 ? ev[i].delta > 0 : ev[i].delta < 0))
            sum += sign > 0 ? ev[i].delta : -ev[i].delta;
    return sum;
}

static int64_t imin(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static int64_t imax(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

static int up_limit(int current, const hpa_event_t *ev, size_t n, const hpa_rules_t *r, int64_t now)
{
    if (r->select == HPA_SELECT_DISABLED || r->n_policies == 0)
        return current;
    bool pick_min = r->select == HPA_SELECT_MIN;
    int64_t result = pick_min ? INT_MAX : INT_MIN;
    for (size_t i = 0; i < r->n_policies && i < 8; i++) {
        const hpa_policy_t *p = &r->policies[i];
        int64_t start = (int64_t)current - change_in_period(ev, n, now, p->period, 1) +
                        change_in_period(ev, n, now, p->period, -1);
        int64_t proposed =
            p->percent ? (int64_t)ceil((double)start * (1.0 + p->value / 100.0)) : start + p->value;
        result = pick_min ? imin(result, proposed) : imax(result, proposed);
    }
    return (int)imax(imin(result, INT_MAX), INT_MIN);
}

static int down_limit(int current, const hpa_event_t *ev, size_t n, const hpa_rules_t *r,
                      int64_t now)
{
    if (r->select == HPA_SELECT_DISABLED || r->n_policies == 0)
        return current;
    /* For scale-down "Max" means the largest change, i.e. the smallest count. */
    bool least_change = r->select == HPA_SELECT_MIN;
    int64_t result = least_change ? INT_MIN : INT_MAX;
    for (size_t i = 0; i < r->n_policies && i < 8; i++) {
        const hpa_policy_t *p = &r->policies[i];
        int64_t start = (int64_t)current - change_in_period(ev, n, now, p->period, 1) +
                        change_in_period(ev, n, now, p->period, -1);
        int64_t proposed =
            p->percent ? (int64_t)((double)start * (1.0 - p->value / 100.0)) : start - p->value;
        result = least_change ? imax(result, proposed) : imin(result, proposed);
    }
    return (int)imax(imin(result, INT_MAX), INT_MIN);
}

/* Drops recommendations older than `keep` seconds and appends this one (the oldest goes when
 * full). */
static void remember(hpa_rec_t *recs, size_t *n, size_t cap, int64_t now, int keep, int replicas)
{
    size_t w = 0;
    for (size_t i = 0; i < *n; i++)
        if (recs[i].at >= now - keep)
            recs[w++] = recs[i];
    if (cap == 0) {
        *n = 0;
        return;
    }
    if (w == cap) {
        memmove(recs, recs + 1, (cap - 1) * sizeof(*recs));
        w--;
    }
    recs[w++] = (hpa_rec_t){.at = now, .replicas = replicas};
    *n = w;
}

static void set_limit(hpa_limit_t *out, int replicas, const char *reason, const char *message)
{
    out->replicas = replicas;
    out->reason = reason;
    out->message = message;
}

void hpa_normalize(int current, int desired, int min_replicas, int max_replicas, int down_window,
                   const hpa_behavior_t *behavior, const hpa_event_t *events, size_t n_events,
                   hpa_rec_t *recs, size_t *n_recs, size_t cap, int64_t now, hpa_limit_t *out)
{
    static const char too_many[] = "the desired replica count is more than the maximum replica "
                                   "count";
    static const char too_few[] = "the desired replica count is less than the minimum replica "
                                  "count";
    static const char up_rate[] = "the desired replica count is increasing faster than the "
                                  "maximum scale rate";
    static const char down_rate[] = "the desired replica count is decreasing faster than the "
                                    "maximum scale rate";
    set_limit(out, desired, NULL, NULL);

    if (!behavior) {
        int stabilized = desired;
        for (size_t i = 0; i < *n_recs; i++)
            if (recs[i].at >= now - down_window && recs[i].replicas > stabilized)
                stabilized = recs[i].replicas;
        remember(recs, n_recs, cap, now, down_window, desired);
        out->stabilized = stabilized;

        int up = current * 2 > 4 ? current * 2 : 4;
        int max_allowed = max_replicas;
        const char *reason = "TooManyReplicas", *msg = too_many;
        if (max_replicas > up) {
            max_allowed = up;
            reason = "ScaleUpLimit";
            msg = up_rate;
        }
        if (stabilized < min_replicas)
            set_limit(out, min_replicas, "TooFewReplicas", too_few);
        else if (stabilized > max_allowed)
            set_limit(out, max_allowed, reason, msg);
        else
            out->replicas = stabilized;
        return;
    }

    int64_t up_rec = desired, down_rec = desired;
    for (size_t i = 0; i < *n_recs; i++) {
        if (recs[i].at > now - behavior->up.window)
            up_rec = imin(up_rec, recs[i].replicas);
        if (recs[i].at > now - behavior->down.window)
            down_rec = imax(down_rec, recs[i].replicas);
    }
    int keep =
        behavior->up.window > behavior->down.window ? behavior->up.window : behavior->down.window;
    remember(recs, n_recs, cap, now, keep, desired);
    int stabilized = current;
    if (stabilized < up_rec)
        stabilized = (int)up_rec;
    if (stabilized > down_rec)
        stabilized = (int)down_rec;
    out->replicas = stabilized;
    out->stabilized = stabilized;

    if (stabilized > current) {
        int limit = up_limit(current, events, n_events, &behavior->up, now);
        if (limit < current)
            limit = current;
        int max_allowed = max_replicas;
        const char *reason = "TooManyReplicas", *msg = too_many;
        if (max_allowed > limit) {
            max_allowed = limit;
            reason = "ScaleUpLimit";
            msg = up_rate;
        }
        if (stabilized > max_allowed)
            set_limit(out, max_allowed, reason, msg);
    } else if (stabilized < current) {
        int limit = down_limit(current, events, n_events, &behavior->down, now);
        if (limit > current)
            limit = current;
        int min_allowed = min_replicas;
        const char *reason = "TooFewReplicas", *msg = too_few;
        if (min_allowed < limit) {
            min_allowed = limit;
            reason = "ScaleDownLimit";
            msg = down_rate;
        }
        if (stabilized < min_allowed)
            set_limit(out, min_allowed, reason, msg);
    }
}
