/*
 * cycle.c — per-pod state computed once over all nodes, as upstream's PreFilter and PreScore
 * steps do: topology-pair counts for inter-pod (anti-)affinity and topology spreading, the
 * spread of the pod's images, and the preferred-affinity scores. Filters and scores then do a
 * few hash lookups per node.
 */
#include "sched_int.h"
#include <math.h>
#include <string.h>

static bool matches_all(const sched_podterm_t *terms, size_t n, const sched_pod_t *pod)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!sched_podterm_matches(&terms[i], pod))
            return false;
    return true;
}

static bool node_has_keys(const sched_node_t *node, const sched_pod_t *pod, bool hard)
{
    for (size_t i = 0; i < pod->nspread; i++)
        if (pod->spread[i].hard == hard && !sched_node_label(node, pod->spread[i].topology_key))
            return false;
    return true;
}

static void prefilter_inter_pod(sched_cycle_t *cy)
{
    const sched_pod_t *pod = cy->pod;
    bool incoming = pod->naff_req || pod->nanti_req;
    cy->self_affinity = matches_all(pod->aff_req, pod->naff_req, pod);
    if (!incoming && cy->affinity_free)
        return;
    for (size_t i = 0; i < cy->n; i++) {
        const sched_node_t *node = cy->nodes[i];
        /* Existing pods' required anti-affinity against the incoming pod (the symmetric
         * check): only nodes holding such pods need a look. */
        if (node->nanti_req) {
            for (size_t k = 0; k < node->npods; k++) {
                const sched_pod_t *e = node->pods[k];
                for (size_t t = 0; t < e->nanti_req; t++)
                    if (sched_podterm_matches(&e->anti_req[t], pod))
                        sched__tmap_add_node(&cy->existing_anti, node, e->anti_req[t].topology_key,
                                             1);
            }
        }
        if (!incoming)
            continue;
        for (size_t k = 0; k < node->npods; k++) {
            const sched_pod_t *e = node->pods[k];
            if (matches_all(pod->aff_req, pod->naff_req, e))
                for (size_t t = 0; t < pod->naff_req; t++)
                    sched__tmap_add_node(&cy->aff, node, pod->aff_req[t].topology_key, 1);
            for (size_t t = 0; t < pod->nanti_req; t++)
                if (sched_podterm_matches(&pod->anti_req[t], e))
                    sched__tmap_add_node(&cy->anti, node, pod->anti_req[t].topology_key, 1);
        }
    }
}

static void prefilter_spread(sched_cycle_t *cy)
{
    const sched_pod_t *pod = cy->pod;
    for (size_t i = 0; i < pod->nspread; i++) {
        if (pod->spread[i].hard)
            cy->nhard++;
        else
            cy->nsoft++;
    }
    cy->hard = cy->nhard ? xcalloc(cy->nhard, sizeof(*cy->hard)) : NULL;
    cy->soft = cy->nsoft ? xcalloc(cy->nsoft, sizeof(*cy->soft)) : NULL;
    size_t h = 0, s = 0;
    for (size_t i = 0; i < pod->nspread; i++) {
        sched__spread_state_t *st = pod->spread[i].hard ? &cy->hard[h++] : &cy->soft[s++];
        st->c = &pod->spread[i];
        st->self_match = labelsel_matches(st->c->sel, pod->labels);
    }
    if (!cy->nhard)
        return;
    /* Domains are the values of nodes that pass the pod's node affinity/selector (upstream's
     * default nodeAffinityPolicy Honor) and carry every hard constraint's key. */
    for (size_t i = 0; i < cy->n; i++) {
        const sched_node_t *node = cy->nodes[i];
        if (!node_has_keys(node, pod, true) || !sched_node_matches_pod_affinity(pod, node))
            continue;
        for (size_t k = 0; k < cy->nhard; k++) {
            sched__spread_state_t *st = &cy->hard[k];
            const char *v = sched_node_label(node, st->c->topology_key);
            *sched__tmap_get(&st->counts, st->c->topology_key, v, true) +=
                sched__count_matching(node, st->c->sel, pod->ns);
        }
    }
    for (size_t k = 0; k < cy->nhard; k++) {
        sched__spread_state_t *st = &cy->hard[k];
        int64_t min = INT64_MAX;
        for (size_t j = 0; j < st->counts.cap; j++)
            if (st->counts.keys[j] && st->counts.vals[j] < min)
                min = st->counts.vals[j];
        if (min == INT64_MAX || (int64_t)st->counts.len < st->c->min_domains)
            min = 0;
        st->min = min;
    }
}

/* ImageLocality's spread factor: on how many of all nodes each of the pod's images is. Counted
 * only when some feasible node has one of them, as the score is 0 everywhere otherwise (and a
 * pass over every node per pod is what large clusters cannot afford). */
static void prescore_images(sched_cycle_t *cy, sched_node_t *const *feasible, size_t nf)
{
    const sched_pod_t *pod = cy->pod;
    bool any = false;
    for (size_t i = 0; i < nf && !any; i++)
        for (size_t k = 0; k < pod->nimages && !any && feasible[i]->nimages; k++)
            any = sched_node_image_size(feasible[i], pod->images[k]) >= 0;
    if (!any)
        return;
    cy->image_nodes = xcalloc(pod->nimages, sizeof(int64_t));
    for (size_t k = 0; k < pod->nimages; k++)
        for (size_t i = 0; i < cy->n; i++)
            if (cy->nodes[i]->nimages && sched_node_image_size(cy->nodes[i], pod->images[k]) >= 0)
                cy->image_nodes[k]++;
}

sched_cycle_t *sched_cycle_new(const sched_pod_t *pod, sched_node_t *const *nodes, size_t n)
{
    return sched__cycle_new(pod, nodes, n, false);
}

sched_cycle_t *sched__cycle_new(const sched_pod_t *pod, sched_node_t *const *nodes, size_t n,
                                bool affinity_free)
{
    sched_cycle_t *cy = xcalloc(1, sizeof(*cy));
    cy->pod = pod;
    cy->nodes = nodes;
    cy->n = n;
    cy->affinity_free = affinity_free;
    prefilter_inter_pod(cy);
    prefilter_spread(cy);
    return cy;
}

/* Adds `w` to every topology pair of node for each term of `terms` that matches `target`. */
static void pref_terms(sched_cycle_t *cy, const sched_podterm_t *terms, size_t n,
                       const sched_pod_t *target, const sched_node_t *node, int64_t sign)
{
    for (size_t t = 0; t < n; t++) {
        if (terms[t].weight == 0 || !sched_podterm_matches(&terms[t], target))
            continue;
        const char *v = sched_node_label(node, terms[t].topology_key);
        if (!v)
            continue;
        *sched__tmap_get(&cy->pref, terms[t].topology_key, v, true) += sign * terms[t].weight;
        cy->pref_any = true;
    }
}

static void prescore_inter_pod(sched_cycle_t *cy)
{
    const sched_pod_t *pod = cy->pod;
    bool incoming = pod->naff_pref || pod->nanti_pref;
    if (!incoming && cy->affinity_free)
        return;
    for (size_t i = 0; i < cy->n; i++) {
        const sched_node_t *node = cy->nodes[i];
        if (!incoming && !node->naffinity)
            continue;
        for (size_t k = 0; k < node->npods; k++) {
            const sched_pod_t *e = node->pods[k];
            pref_terms(cy, pod->aff_pref, pod->naff_pref, e, node, 1);
            pref_terms(cy, pod->anti_pref, pod->nanti_pref, e, node, -1);
            /* Existing pods' required affinity counts with upstream's hardPodAffinityWeight 1. */
            for (size_t t = 0; t < e->naff_req; t++) {
                if (!sched_podterm_matches(&e->aff_req[t], pod))
                    continue;
                const char *v = sched_node_label(node, e->aff_req[t].topology_key);
                if (v) {
                    *sched__tmap_get(&cy->pref, e->aff_req[t].topology_key, v, true) += 1;
                    cy->pref_any = true;
                }
            }
            pref_terms(cy, e->aff_pref, e->naff_pref, pod, node, 1);
            pref_terms(cy, e->anti_pref, e->nanti_pref, pod, node, -1);
        }
    }
}

static void prescore_spread(sched_cycle_t *cy, sched_node_t *const *feasible, size_t nf)
{
    const sched_pod_t *pod = cy->pod;
    size_t ignored = 0;
    /* Domains among the feasible nodes that carry every soft key. */
    for (size_t i = 0; i < nf; i++) {
        if (!node_has_keys(feasible[i], pod, false)) {
            ignored++;
            continue;
        }
        for (size_t k = 0; k < cy->nsoft; k++) {
            sched__spread_state_t *st = &cy->soft[k];
            if (strcmp(st->c->topology_key, SCHED_LABEL_HOSTNAME) == 0)
                continue;
            sched__tmap_get(&st->counts, st->c->topology_key,
                            sched_node_label(feasible[i], st->c->topology_key), true);
        }
    }
    for (size_t k = 0; k < cy->nsoft; k++) {
        sched__spread_state_t *st = &cy->soft[k];
        size_t sz =
            strcmp(st->c->topology_key, SCHED_LABEL_HOSTNAME) == 0 ? nf - ignored : st->counts.len;
        st->weight = log((double)sz + 2);
    }
    /* Counts over all nodes, but only for domains some feasible node is in. */
    for (size_t i = 0; i < cy->n; i++) {
        const sched_node_t *node = cy->nodes[i];
        if (!node_has_keys(node, pod, false) || !sched_node_matches_pod_affinity(pod, node))
            continue;
        for (size_t k = 0; k < cy->nsoft; k++) {
            sched__spread_state_t *st = &cy->soft[k];
            if (strcmp(st->c->topology_key, SCHED_LABEL_HOSTNAME) == 0)
                continue;
            int64_t *c = sched__tmap_get(&st->counts, st->c->topology_key,
                                         sched_node_label(node, st->c->topology_key), false);
            if (c)
                *c += sched__count_matching(node, st->c->sel, pod->ns);
        }
    }
}

void sched_cycle_prescore(sched_cycle_t *cy, sched_node_t *const *feasible, size_t nf)
{
    prescore_inter_pod(cy);
    prescore_images(cy, feasible, nf);
    if (cy->nsoft)
        prescore_spread(cy, feasible, nf);
}

void sched_cycle_free(sched_cycle_t *cy)
{
    if (!cy)
        return;
    sched__tmap_free(&cy->aff);
    sched__tmap_free(&cy->anti);
    sched__tmap_free(&cy->existing_anti);
    sched__tmap_free(&cy->pref);
    for (size_t i = 0; i < cy->nhard; i++)
        sched__tmap_free(&cy->hard[i].counts);
    for (size_t i = 0; i < cy->nsoft; i++)
        sched__tmap_free(&cy->soft[i].counts);
    free(cy->hard);
    free(cy->soft);
    free(cy->image_nodes);
    free(cy);
}
