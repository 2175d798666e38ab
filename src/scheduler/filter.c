/*
 * filter.c — the filter plugins of upstream's default profile, each a pure function of the
 * cycle state (the pod and what PreFilter computed) and one node. Reasons use upstream's words.
 */
#include "sched_int.h"
#include <string.h>

bool sched_filter_unschedulable(const sched_cycle_t *cy, const sched_node_t *n, sched_status_t *st)
{
    if (!n->unschedulable)
        return true;
    static const sched_taint_t t = {
        .key = "node.kubernetes.io/unschedulable", .value = "", .effect = SCHED_EFFECT_NO_SCHEDULE};
    for (size_t i = 0; i < cy->pod->ntols; i++)
        if (sched_toleration_tolerates(&cy->pod->tols[i], &t))
            return true;
    sched__status_add(st, SCHED_R_UNSCHEDULABLE);
    return false;
}

bool sched_filter_node_name(const sched_cycle_t *cy, const sched_node_t *n, sched_status_t *st)
{
    if (!cy->pod->node_name || strcmp(cy->pod->node_name, n->name) == 0)
        return true;
    sched__status_add(st, SCHED_R_NODE_NAME);
    return false;
}

bool sched_filter_taints(const sched_cycle_t *cy, const sched_node_t *n, sched_status_t *st)
{
    const sched_pod_t *pod = cy->pod;
    for (size_t i = 0; i < n->ntaints; i++) {
        const sched_taint_t *t = &n->taints[i];
        if (t->effect != SCHED_EFFECT_NO_SCHEDULE && t->effect != SCHED_EFFECT_NO_EXECUTE)
            continue;
        bool ok = false;
        for (size_t k = 0; k < pod->ntols && !ok; k++)
            ok = sched_toleration_tolerates(&pod->tols[k], t);
        if (!ok) {
            /* Upstream reports the first untolerated taint only. */
            char buf[600];
            snprintf(buf, sizeof(buf), "node(s) had untolerated taint {%s: %s}", t->key, t->value);
            sched__status_add(st, buf);
            return false;
        }
    }
    return true;
}

bool sched_filter_node_affinity(const sched_cycle_t *cy, const sched_node_t *n, sched_status_t *st)
{
    if (sched_node_matches_pod_affinity(cy->pod, n))
        return true;
    sched__status_add(st, SCHED_R_NODE_AFFINITY);
    return false;
}

bool sched__port_conflict(const sched_hostport_t *want, const sched_hostport_t *used)
{
    if (want->port != used->port || want->proto != used->proto)
        return false;
    /* 0.0.0.0 takes the port on every address, so it conflicts with any address and any
     * address conflicts with it (upstream's HostPortInfo.CheckConflict). */
    if (strcmp(want->ip, "0.0.0.0") == 0 || strcmp(used->ip, "0.0.0.0") == 0)
        return true;
    return strcmp(want->ip, used->ip) == 0;
}

bool sched_fits_ports(const sched_pod_t *pod, const sched_node_t *n)
{
    for (size_t i = 0; i < pod->nports; i++)
        for (size_t k = 0; k < n->nports; k++)
            if (sched__port_conflict(&pod->ports[i], &n->ports[k]))
                return false;
    return true;
}

bool sched_filter_ports(const sched_cycle_t *cy, const sched_node_t *n, sched_status_t *st)
{
    if (sched_fits_ports(cy->pod, n))
        return true;
    sched__status_add(st, SCHED_R_PORTS);
    return false;
}

bool sched__fits_raw(const sched_pod_t *pod, const sched_res_t *alloc, int64_t alloc_pods,
                     const sched_res_t *used, int64_t npods, sched_status_t *st)
{
    bool ok = true;
    if (npods + 1 > alloc_pods) {
        sched__status_add(st, SCHED_R_TOO_MANY_PODS);
        ok = false;
    }
    const sched_res_t *r = &pod->req;
    if (r->cpu > 0 && r->cpu > alloc->cpu - used->cpu) {
        sched__status_add(st, SCHED_R_CPU);
        ok = false;
    }
    if (r->mem > 0 && r->mem > alloc->mem - used->mem) {
        sched__status_add(st, SCHED_R_MEMORY);
        ok = false;
    }
    if (r->eph > 0 && r->eph > alloc->eph - used->eph) {
        sched__status_add(st, SCHED_R_EPHEMERAL);
        ok = false;
    }
    return ok;
}

bool sched_fits_resources(const sched_pod_t *pod, const sched_node_t *n, sched_status_t *st)
{
    return sched__fits_raw(pod, &n->alloc, n->alloc_pods, &n->requested, (int64_t)n->npods, st);
}

bool sched_filter_resources(const sched_cycle_t *cy, const sched_node_t *n, sched_status_t *st)
{
    return sched_fits_resources(cy->pod, n, st);
}

bool sched_filter_spread(const sched_cycle_t *cy, const sched_node_t *n, sched_status_t *st)
{
    for (size_t i = 0; i < cy->nhard; i++) {
        const sched__spread_state_t *s = &cy->hard[i];
        const char *v = sched_node_label(n, s->c->topology_key);
        if (!v) {
            sched__status_add(st, SCHED_R_SPREAD_MISSING);
            return false;
        }
        int64_t skew =
            sched__tmap_value(&s->counts, s->c->topology_key, v) + (s->self_match ? 1 : 0) - s->min;
        if (skew > s->c->max_skew) {
            sched__status_add(st, SCHED_R_SPREAD);
            return false;
        }
    }
    return true;
}

bool sched_filter_inter_pod(const sched_cycle_t *cy, const sched_node_t *n, sched_status_t *st)
{
    const sched_pod_t *pod = cy->pod;
    if (cy->existing_anti.len) {
        const char *k;
        json_t *v;
        json_object_foreach(n->labels, k, v)
        {
            const char *s = json_string_value(v);
            if (s && sched__tmap_value(&cy->existing_anti, k, s) > 0) {
                sched__status_add(st, SCHED_R_EXISTING_ANTI);
                return false;
            }
        }
    }
    for (size_t i = 0; i < pod->nanti_req; i++) {
        const char *v = sched_node_label(n, pod->anti_req[i].topology_key);
        if (v && sched__tmap_value(&cy->anti, pod->anti_req[i].topology_key, v) > 0) {
            sched__status_add(st, SCHED_R_ANTI_AFFINITY);
            return false;
        }
    }
    if (!pod->naff_req)
        return true;
    bool exist = true;
    for (size_t i = 0; i < pod->naff_req; i++) {
        const char *v = sched_node_label(n, pod->aff_req[i].topology_key);
        if (!v) {
            /* Every topology key must be on the node, even for the first pod of a group. */
            sched__status_add(st, SCHED_R_AFFINITY);
            return false;
        }
        if (sched__tmap_value(&cy->aff, pod->aff_req[i].topology_key, v) <= 0)
            exist = false;
    }
    /* The first pod of a group with affinity to itself may go anywhere that has the keys. */
    if (exist || (cy->aff.len == 0 && cy->self_affinity))
        return true;
    sched__status_add(st, SCHED_R_AFFINITY);
    return false;
}

bool sched_filter_volumes(const sched_cycle_t *cy, const sched_node_t *n, sched_status_t *st)
{
    const sched_pod_t *pod = cy->pod;
    for (size_t i = 0; i < pod->nvols; i++) {
        bool ok = false;
        for (size_t k = 0; k < pod->vols[i].nterms && !ok; k++)
            ok = sched_nsterm_matches(&pod->vols[i].terms[k], n);
        if (!ok) {
            sched__status_add(st, SCHED_R_VOLUME_AFFINITY);
            return false;
        }
    }
    return true;
}

bool sched_filter_all(const sched_cycle_t *cy, const sched_node_t *n, sched_status_t *st)
{
    return sched_filter_unschedulable(cy, n, st) && sched_filter_node_name(cy, n, st) &&
           sched_filter_taints(cy, n, st) && sched_filter_node_affinity(cy, n, st) &&
           sched_filter_ports(cy, n, st) && sched_filter_resources(cy, n, st) &&
           sched_filter_volumes(cy, n, st) && sched_filter_spread(cy, n, st) &&
           sched_filter_inter_pod(cy, n, st);
}
