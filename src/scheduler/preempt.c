/*
 * preempt.c — which pods to evict so a pod that fits nowhere can run: upstream's
 * SelectVictimsOnNode (remove every lower-priority pod, then reprieve the most important ones
 * while the pod still fits) and pickOneNodeForPreemption's ordering, limited to the resource
 * and host-port filters.
 */
#include "sched_int.h"
#include <string.h>

typedef struct cand_s {
    size_t node;
    size_t *victims; /* indices into the node's pods */
    size_t nvictims;
    int64_t top; /* highest victim priority */
    int64_t sum; /* sum of victim priorities, each shifted to be positive as upstream */
} cand_t;

/* Upstream's MoreImportantPod: higher priority first, then the one started earlier. */
static bool more_important(const sched_pod_t *a, const sched_pod_t *b)
{
    if (a->priority != b->priority)
        return a->priority > b->priority;
    return a->start_ns < b->start_ns;
}

/* Insertion sort of pod indices by importance (few pods per node; no global qsort context). */
static void sort_by_importance(const sched_node_t *node, size_t *idx, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        size_t v = idx[i], j = i;
        for (; j > 0 && more_important(node->pods[v], node->pods[idx[j - 1]]); j--)
            idx[j] = idx[j - 1];
        idx[j] = v;
    }
}

/* Does pod fit node with the pods flagged in `gone` removed? */
static bool fits_without(const sched_pod_t *pod, const sched_node_t *node, const bool *gone)
{
    sched_res_t used = node->requested;
    int64_t npods = (int64_t)node->npods;
    for (size_t i = 0; i < node->npods; i++) {
        if (!gone[i])
            continue;
        used.cpu -= node->pods[i]->req.cpu;
        used.mem -= node->pods[i]->req.mem;
        used.eph -= node->pods[i]->req.eph;
        npods--;
    }
    if (!sched__fits_raw(pod, &node->alloc, node->alloc_pods, &used, npods, NULL))
        return false;
    for (size_t i = 0; i < node->npods; i++) {
        if (gone[i])
            continue;
        const sched_pod_t *e = node->pods[i];
        for (size_t a = 0; a < pod->nports; a++)
            for (size_t b = 0; b < e->nports; b++)
                if (sched__port_conflict(&pod->ports[a], &e->ports[b]))
                    return false;
    }
    return true;
}

static bool select_victims(const sched_pod_t *pod, const sched_node_t *node, cand_t *c)
{
    bool *gone = xcalloc(node->npods ? node->npods : 1, sizeof(bool));
    size_t *order = xmalloc((node->npods ? node->npods : 1) * sizeof(size_t));
    size_t npot = 0;
    for (size_t i = 0; i < node->npods; i++) {
        if (node->pods[i]->priority < pod->priority) {
            gone[i] = true;
            order[npot++] = i;
        }
    }
    bool ok = fits_without(pod, node, gone);
    if (ok) {
        sort_by_importance(node, order, npot);
        c->victims = xmalloc((npot ? npot : 1) * sizeof(size_t));
        c->top = INT64_MIN;
        for (size_t k = 0; k < npot; k++) {
            gone[order[k]] = false;
            if (fits_without(pod, node, gone))
                continue; /* reprieved */
            gone[order[k]] = true;
            const sched_pod_t *v = node->pods[order[k]];
            c->victims[c->nvictims++] = order[k];
            if (v->priority > c->top)
                c->top = v->priority;
            c->sum += (int64_t)v->priority + INT32_MAX + 1;
        }
    }
    free(gone);
    free(order);
    return ok;
}

/* Upstream's order (PodDisruptionBudgets not modelled): a node needing no victims, lowest
 * highest-victim priority, lowest priority sum, fewest victims; the first node wins remaining ties.
 */
static bool better(const cand_t *a, const cand_t *b)
{
    if (a->nvictims == 0 || b->nvictims == 0)
        return a->nvictims == 0 && b->nvictims != 0;
    if (a->top != b->top)
        return a->top < b->top;
    if (a->sum != b->sum)
        return a->sum < b->sum;
    return a->nvictims < b->nvictims;
}

int sched_preempt_candidates(const sched_pod_t *pod, sched_node_t *const *nodes, size_t n,
                             sched_preempt_t *out, c8s_err_t *err)
{
    memset(out, 0, sizeof(*out));
    sched_cycle_t *cy = sched_cycle_new(pod, nodes, n);
    cand_t best = {0};
    bool have = false;
    for (size_t i = 0; i < n; i++) {
        const sched_node_t *node = nodes[i];
        /* Evictions cannot fix these (upstream: UnschedulableAndUnresolvable). */
        if (!sched_filter_unschedulable(cy, node, NULL) ||
            !sched_filter_node_name(cy, node, NULL) || !sched_filter_taints(cy, node, NULL) ||
            !sched_filter_node_affinity(cy, node, NULL) || !sched_filter_volumes(cy, node, NULL))
            continue;
        cand_t c = {.node = i};
        if (!select_victims(pod, node, &c))
            continue;
        if (!have || better(&c, &best)) {
            free(best.victims);
            best = c;
            have = true;
        } else {
            free(c.victims);
        }
    }
    sched_cycle_free(cy);
    if (!have)
        return c8s_err_set(err, C8S_ENOTFOUND, "preemption: 0/%zu nodes are available", n);
    out->node = nodes[best.node];
    out->nvictims = best.nvictims;
    out->victims = xcalloc(best.nvictims ? best.nvictims : 1, sizeof(char *));
    for (size_t k = 0; k < best.nvictims; k++) {
        const sched_pod_t *v = out->node->pods[best.victims[k]];
        out->victims[k] = xasprintf("%s/%s", v->ns, v->name);
    }
    free(best.victims);
    return 0;
}

void sched_preempt_clear(sched_preempt_t *p)
{
    for (size_t i = 0; i < p->nvictims; i++)
        free(p->victims[i]);
    free(p->victims);
    memset(p, 0, sizeof(*p));
}
