/*
 * score.c — the score plugins of upstream's default profile (plus the legacy SelectorSpread
 * spreading by owner), each a pure function of the cycle state and one node, and their
 * normalizations. Integer arithmetic follows upstream's so totals compare the same.
 */
#include "sched_int.h"
#include <math.h>
#include <string.h>

#define MB                (1024LL * 1024)
#define IMAGE_MIN         (23 * MB)
#define IMAGE_MAX_PER_CTR (1000 * MB)
#define ZONE_WEIGHTING    (2.0 / 3.0)

static int64_t least_requested(int64_t req, int64_t cap)
{
    if (cap == 0 || req > cap)
        return 0;
    return (cap - req) * SCHED_MAX_SCORE / cap;
}

int64_t sched_score_least_allocated(const sched_cycle_t *cy, const sched_node_t *n)
{
    /* Upstream scores the "non-zero" requests so pods without requests still spread. */
    int64_t cpu = least_requested(n->nz_cpu + cy->pod->nz_cpu, n->alloc.cpu);
    int64_t mem = least_requested(n->nz_mem + cy->pod->nz_mem, n->alloc.mem);
    return (cpu + mem) / 2;
}

int64_t sched_score_balanced(const sched_cycle_t *cy, const sched_node_t *n)
{
    double f[2];
    size_t nf = 0;
    const int64_t req[2] = {n->requested.cpu + cy->pod->req.cpu,
                            n->requested.mem + cy->pod->req.mem};
    const int64_t cap[2] = {n->alloc.cpu, n->alloc.mem};
    for (size_t i = 0; i < 2; i++) {
        if (cap[i] == 0)
            continue;
        double x = (double)req[i] / (double)cap[i];
        f[nf++] = x > 1 ? 1 : x;
    }
    /* With two resources the standard deviation is half their difference. */
    double sd = nf == 2 ? fabs(f[0] - f[1]) / 2 : 0;
    return (int64_t)((1 - sd) * SCHED_MAX_SCORE);
}

int64_t sched_score_image_locality(const sched_cycle_t *cy, const sched_node_t *n)
{
    const sched_pod_t *pod = cy->pod;
    if (!cy->image_nodes || !cy->n)
        return 0;
    int64_t sum = 0;
    for (size_t k = 0; k < pod->nimages; k++) {
        int64_t size = sched_node_image_size(n, pod->images[k]);
        if (size < 0)
            continue;
        /* Scaled by the fraction of nodes that have it, so one node holding a popular image
         * does not attract every pod (upstream's spread factor). */
        sum += (int64_t)((double)size * ((double)cy->image_nodes[k] / (double)cy->n));
    }
    int64_t max = IMAGE_MAX_PER_CTR * (int64_t)pod->nimages;
    if (sum < IMAGE_MIN)
        sum = IMAGE_MIN;
    else if (sum > max)
        sum = max;
    return SCHED_MAX_SCORE * (sum - IMAGE_MIN) / (max - IMAGE_MIN);
}

int64_t sched_score_node_affinity(const sched_cycle_t *cy, const sched_node_t *n)
{
    int64_t s = 0;
    for (size_t i = 0; i < cy->pod->npreferred; i++) {
        const sched_nsterm_t *t = &cy->pod->preferred[i];
        if (t->weight != 0 && sched_nsterm_matches(t, n))
            s += t->weight;
    }
    return s;
}

int64_t sched_score_taints(const sched_cycle_t *cy, const sched_node_t *n)
{
    const sched_pod_t *pod = cy->pod;
    int64_t c = 0;
    for (size_t i = 0; i < n->ntaints; i++) {
        const sched_taint_t *t = &n->taints[i];
        if (t->effect != SCHED_EFFECT_PREFER_NO_SCHEDULE)
            continue;
        bool ok = false;
        for (size_t k = 0; k < pod->ntols && !ok; k++) {
            const sched_toleration_t *tol = &pod->tols[k];
            if (tol->effect == SCHED_EFFECT_ANY || tol->effect == SCHED_EFFECT_PREFER_NO_SCHEDULE)
                ok = sched_toleration_tolerates(tol, t);
        }
        if (!ok)
            c++;
    }
    return c;
}

int64_t sched_score_inter_pod(const sched_cycle_t *cy, const sched_node_t *n)
{
    if (!cy->pref_any)
        return 0;
    int64_t s = 0;
    const char *k;
    json_t *v;
    json_object_foreach(n->labels, k, v)
    {
        const char *val = json_string_value(v);
        if (val)
            s += sched__tmap_value(&cy->pref, k, val);
    }
    return s;
}

static bool has_soft_keys(const sched_cycle_t *cy, const sched_node_t *n)
{
    for (size_t k = 0; k < cy->nsoft; k++)
        if (!sched_node_label(n, cy->soft[k].c->topology_key))
            return false;
    return true;
}

int64_t sched_score_spread(const sched_cycle_t *cy, const sched_node_t *n)
{
    if (!cy->nsoft || !has_soft_keys(cy, n))
        return 0;
    double s = 0;
    for (size_t k = 0; k < cy->nsoft; k++) {
        const sched__spread_state_t *st = &cy->soft[k];
        const char *v = sched_node_label(n, st->c->topology_key);
        int64_t cnt = strcmp(st->c->topology_key, SCHED_LABEL_HOSTNAME) == 0
                          ? sched__count_matching(n, st->c->sel, cy->pod->ns)
                          : sched__tmap_value(&st->counts, st->c->topology_key, v);
        s += (double)cnt * st->weight + (double)(st->c->max_skew - 1);
    }
    return (int64_t)round(s);
}

int64_t sched_score_owner_spread(const sched_cycle_t *cy, const sched_node_t *n)
{
    const sched_pod_t *pod = cy->pod;
    if (!pod->owner_uid)
        return 0;
    int64_t c = 0;
    for (size_t i = 0; i < n->npods; i++) {
        const sched_pod_t *p = n->pods[i];
        if (p->owner_uid && strcmp(p->owner_uid, pod->owner_uid) == 0 &&
            strcmp(p->ns, pod->ns) == 0)
            c++;
    }
    return c;
}

void sched_normalize_default(int64_t *s, size_t n, bool reverse)
{
    int64_t max = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] > max)
            max = s[i];
    for (size_t i = 0; i < n; i++) {
        if (max == 0) {
            if (reverse)
                s[i] = SCHED_MAX_SCORE;
            continue;
        }
        s[i] = SCHED_MAX_SCORE * s[i] / max;
        if (reverse)
            s[i] = SCHED_MAX_SCORE - s[i];
    }
}

void sched_normalize_inter_pod(const sched_cycle_t *cy, int64_t *s, size_t n)
{
    if (!cy->pref_any || n == 0)
        return;
    int64_t min = INT64_MAX, max = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < min)
            min = s[i];
        if (s[i] > max)
            max = s[i];
    }
    for (size_t i = 0; i < n; i++)
        s[i] =
            max > min
                ? (int64_t)((double)SCHED_MAX_SCORE * ((double)(s[i] - min) / (double)(max - min)))
                : 0;
}

void sched_normalize_spread(const sched_cycle_t *cy, sched_node_t *const *nodes, int64_t *s,
                            size_t n)
{
    if (!cy->nsoft)
        return;
    int64_t min = INT64_MAX, max = 0;
    for (size_t i = 0; i < n; i++) {
        if (!has_soft_keys(cy, nodes[i]))
            continue;
        if (s[i] < min)
            min = s[i];
        if (s[i] > max)
            max = s[i];
    }
    for (size_t i = 0; i < n; i++) {
        if (!has_soft_keys(cy, nodes[i]))
            s[i] = 0;
        else if (max == 0)
            s[i] = SCHED_MAX_SCORE;
        else
            s[i] = SCHED_MAX_SCORE * (max + min - s[i]) / max;
    }
}

void sched_normalize_owner_spread(const sched_cycle_t *cy, sched_node_t *const *nodes, int64_t *s,
                                  size_t n)
{
    sched__tmap_t zones = {0};
    int64_t max_node = 0, max_zone = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] > max_node)
            max_node = s[i];
        const char *z = nodes[i]->zone_key;
        if (z)
            *sched__tmap_get(&zones, "zone", z, true) += s[i];
    }
    for (size_t j = 0; j < zones.cap; j++)
        if (zones.keys[j] && zones.vals[j] > max_zone)
            max_zone = zones.vals[j];
    for (size_t i = 0; i < n; i++) {
        double f = SCHED_MAX_SCORE;
        if (max_node > 0)
            f = SCHED_MAX_SCORE * ((double)(max_node - s[i]) / (double)max_node);
        const char *z = zones.len ? nodes[i]->zone_key : NULL;
        if (z) {
            double zs = SCHED_MAX_SCORE;
            if (max_zone > 0)
                zs = SCHED_MAX_SCORE *
                     ((double)(max_zone - sched__tmap_value(&zones, "zone", z)) / (double)max_zone);
            f = f * (1.0 - ZONE_WEIGHTING) + ZONE_WEIGHTING * zs;
        }
        s[i] = (int64_t)f;
    }
    sched__tmap_free(&zones);
    (void)cy;
}
