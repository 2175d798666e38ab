/*
 * apf_core.c — the pure part of API Priority and Fairness: upstream's built-in configuration
 * (flowcontrol bootstrap defaults, v1), classification, shuffle sharding and fair queuing.
 */
#include "c8s/apf.h"
#include "c8s/base.h"

#include <string.h>

/* Shares and queuing as upstream's suggested and mandatory configuration (v1). */
const apf_pl_t apf_priority_levels[] = {
    {"exempt", "5ab62e6e-8c1f-4c8b-9a6e-000000000001", true, 0, false, 0, 0, 0},
    {"system", "5ab62e6e-8c1f-4c8b-9a6e-000000000002", false, 30, false, 64, 6, 50},
    {"node-high", "5ab62e6e-8c1f-4c8b-9a6e-000000000003", false, 40, false, 64, 6, 50},
    {"leader-election", "5ab62e6e-8c1f-4c8b-9a6e-000000000004", false, 10, false, 16, 4, 50},
    {"workload-high", "5ab62e6e-8c1f-4c8b-9a6e-000000000005", false, 40, false, 128, 6, 50},
    {"workload-low", "5ab62e6e-8c1f-4c8b-9a6e-000000000006", false, 100, false, 128, 6, 50},
    {"global-default", "5ab62e6e-8c1f-4c8b-9a6e-000000000007", false, 20, false, 128, 6, 50},
    {"catch-all", "5ab62e6e-8c1f-4c8b-9a6e-000000000008", false, 5, true, 0, 0, 0},
};
const size_t apf_n_priority_levels = C8S_ARRAY_SIZE(apf_priority_levels);

const apf_fs_t apf_flow_schemas[] = {
    {"exempt", "7c1d3f0a-2b4e-4d6f-8a1c-000000000001", 1, "exempt", APF_DIST_NONE},
    {"probes", "7c1d3f0a-2b4e-4d6f-8a1c-000000000002", 2, "exempt", APF_DIST_NONE},
    {"system-leader-election", "7c1d3f0a-2b4e-4d6f-8a1c-000000000003", 100, "leader-election",
     APF_DIST_BY_USER},
    {"workload-leader-election", "7c1d3f0a-2b4e-4d6f-8a1c-000000000004", 200, "leader-election",
     APF_DIST_BY_USER},
    {"system-node-high", "7c1d3f0a-2b4e-4d6f-8a1c-000000000005", 400, "node-high",
     APF_DIST_BY_USER},
    {"system-nodes", "7c1d3f0a-2b4e-4d6f-8a1c-000000000006", 500, "system", APF_DIST_BY_USER},
    {"kube-controller-manager", "7c1d3f0a-2b4e-4d6f-8a1c-000000000007", 800, "workload-high",
     APF_DIST_BY_NAMESPACE},
    {"kube-scheduler", "7c1d3f0a-2b4e-4d6f-8a1c-000000000008", 800, "workload-high",
     APF_DIST_BY_NAMESPACE},
    {"kube-system-service-accounts", "7c1d3f0a-2b4e-4d6f-8a1c-000000000009", 900, "workload-high",
     APF_DIST_BY_NAMESPACE},
    {"service-accounts", "7c1d3f0a-2b4e-4d6f-8a1c-00000000000a", 9000, "workload-low",
     APF_DIST_BY_USER},
    {"global-default", "7c1d3f0a-2b4e-4d6f-8a1c-00000000000b", 9900, "global-default",
     APF_DIST_BY_USER},
    {"catch-all", "7c1d3f0a-2b4e-4d6f-8a1c-00000000000c", 10000, "catch-all", APF_DIST_BY_USER},
};
const size_t apf_n_flow_schemas = C8S_ARRAY_SIZE(apf_flow_schemas);

enum {
    FS_EXEMPT,
    FS_PROBES,
    FS_SYSTEM_LE,
    FS_WORKLOAD_LE,
    FS_NODE_HIGH,
    FS_NODES,
    FS_KCM,
    FS_SCHED,
    FS_KS_SA,
    FS_SA,
    FS_GLOBAL,
    FS_CATCH_ALL,
};

#define KUBE_SYSTEM_SA AUTH_SA_PREFIX "kube-system:"
#define KCM_USER       "system:kube-controller-manager"
#define SCHED_USER     "system:kube-scheduler"

const apf_pl_t *apf_pl_lookup(const char *name)
{
    for (size_t i = 0; i < apf_n_priority_levels; i++)
        if (strcmp(apf_priority_levels[i].name, name) == 0)
            return &apf_priority_levels[i];
    return NULL;
}

static bool str_in(const char *s, const char *const *set)
{
    for (; s && *set; set++)
        if (strcmp(s, *set) == 0)
            return true;
    return false;
}

/* The leader-election rules: get/create/update of endpoints or configmaps (in ns_only, or any
 * namespace when NULL) or of coordination.k8s.io leases. */
static bool leader_election_rule(const auth_attrs_t *a, const char *ns_only)
{
    static const char *const verbs[] = {"get", "create", "update", NULL};
    static const char *const core[] = {"endpoints", "configmaps", NULL};
    if (!a->resource_request || !str_in(a->verb, verbs) || a->subresource || !a->ns)
        return false;
    const char *g = a->api_group ? a->api_group : "";
    if (strcmp(g, "") == 0 && str_in(a->resource, core))
        return !ns_only || strcmp(a->ns, ns_only) == 0;
    return strcmp(g, "coordination.k8s.io") == 0 && a->resource &&
           strcmp(a->resource, "leases") == 0;
}

static bool node_high_rule(const auth_attrs_t *a)
{
    if (!a->resource_request || !a->resource)
        return false;
    const char *g = a->api_group ? a->api_group : "";
    if (strcmp(g, "") == 0 && strcmp(a->resource, "nodes") == 0 &&
        (!a->subresource || strcmp(a->subresource, "status") == 0))
        return true;
    return strcmp(g, "coordination.k8s.io") == 0 && strcmp(a->resource, "leases") == 0 &&
           !a->subresource && a->ns;
}

static bool is_probe(const auth_attrs_t *a)
{
    static const char *const paths[] = {"/healthz", "/readyz", "/livez", NULL};
    return !a->resource_request && a->verb && strcmp(a->verb, "get") == 0 && str_in(a->path, paths);
}

static size_t match(const auth_user_t *u, const auth_attrs_t *a)
{
    const char *name = u ? u->name : AUTH_USER_ANONYMOUS;
    bool ks_sa = strncmp(name, KUBE_SYSTEM_SA, strlen(KUBE_SYSTEM_SA)) == 0;
    if (auth_user_in_group(u, AUTH_GROUP_MASTERS))
        return FS_EXEMPT;
    if (is_probe(a))
        return FS_PROBES;
    if ((ks_sa || strcmp(name, KCM_USER) == 0 || strcmp(name, SCHED_USER) == 0) &&
        leader_election_rule(a, "kube-system"))
        return FS_SYSTEM_LE;
    if (ks_sa && leader_election_rule(a, NULL))
        return FS_WORKLOAD_LE;
    if (auth_user_in_group(u, AUTH_GROUP_NODES))
        return node_high_rule(a) ? FS_NODE_HIGH : FS_NODES;
    if (strcmp(name, KCM_USER) == 0)
        return FS_KCM;
    if (strcmp(name, SCHED_USER) == 0)
        return FS_SCHED;
    if (ks_sa)
        return FS_KS_SA;
    if (auth_user_in_group(u, AUTH_GROUP_SERVICEACCOUNTS))
        return FS_SA;
    /* global-default's subjects, system:authenticated and system:unauthenticated, cover every
     * authenticated or anonymous user, so catch-all is reached only by a user with neither. */
    if (u && !auth_user_in_group(u, AUTH_GROUP_AUTHENTICATED) &&
        !auth_user_in_group(u, AUTH_GROUP_UNAUTHENTICATED))
        return FS_CATCH_ALL;
    return FS_GLOBAL;
}

char *apf_classify(const auth_user_t *u, const auth_attrs_t *a, const apf_fs_t **fs,
                   const apf_pl_t **pl)
{
    const apf_fs_t *f = &apf_flow_schemas[match(u, a)];
    *fs = f;
    *pl = apf_pl_lookup(f->pl);
    switch (f->dist) {
    case APF_DIST_BY_USER:
        return xstrdup(u ? u->name : AUTH_USER_ANONYMOUS);
    case APF_DIST_BY_NAMESPACE:
        return xstrdup(a->ns ? a->ns : "");
    default:
        return xstrdup("");
    }
}

void apf_concurrency_limits(int total, int *out)
{
    long sum = 0;
    for (size_t i = 0; i < apf_n_priority_levels; i++)
        if (!apf_priority_levels[i].exempt)
            sum += apf_priority_levels[i].shares;
    for (size_t i = 0; i < apf_n_priority_levels; i++) {
        const apf_pl_t *p = &apf_priority_levels[i];
        if (p->exempt) {
            out[i] = 0;
            continue;
        }
        long l = ((long)total * p->shares + sum - 1) / sum;
        out[i] = l < 1 ? 1 : (int)l;
    }
}

uint64_t apf_flow_hash(const char *fs_name, const char *distinguisher)
{
    uint64_t h = 14695981039346656037ull;
    for (const char *p = fs_name; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h = (h ^ 0) * 1099511628211ull;
    for (const char *p = distinguisher; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    /* FNV's low bits mix poorly for short keys; a finalizer spreads them before the dealer
     * reads h digit by digit. */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

void apf_deal(uint64_t h, int n_queues, int hand_size, int *out)
{
    /* Digit i picks among the cards not yet dealt; later cards skip the earlier ones so that the
     * hand has distinct queues (a dealer from a deck of n_queues). */
    for (int i = 0; i < hand_size; i++) {
        uint64_t base = (uint64_t)(n_queues - i);
        int c = (int)(h % base);
        h /= base;
        /* Map c to the c-th queue not already in the hand. */
        int sorted[64];
        int n = 0;
        for (int j = 0; j < i && j < 64; j++) {
            int v = out[j], k = n;
            while (k > 0 && sorted[k - 1] > v) {
                sorted[k] = sorted[k - 1];
                k--;
            }
            sorted[k] = v;
            n++;
        }
        for (int j = 0; j < n; j++)
            if (sorted[j] <= c)
                c++;
        out[i] = c;
    }
}

/* ---- fair queuing ---- */

/* upstream's estimated service time G: what a dispatch adds to its queue's virtual start before
 * the request's real duration is known. */
#define SERVICE_ESTIMATE 3.0

typedef struct {
    apf_item_t *head, *tail;
    int waiting, executing;
    double vstart; /* virtual start time of the queue's next request */
} queue_t;

struct apf_qset_s {
    int limit, n_queues, hand_size, qlen;
    queue_t *q;
    int executing, waiting;
    double vnow, last_real; /* virtual clock and the real time it was last advanced to */
    int robin;              /* tie-breaking rotation */
};

apf_qset_t *apf_qset_new(int limit, int queues, int hand_size, int qlen)
{
    apf_qset_t *s = xcalloc(1, sizeof(*s));
    s->limit = limit;
    s->n_queues = queues > 0 ? queues : 0;
    s->hand_size = hand_size < 1 ? 1 : hand_size;
    if (s->hand_size > s->n_queues)
        s->hand_size = s->n_queues;
    if (s->hand_size > 64)
        s->hand_size = 64;
    s->qlen = qlen;
    s->q = s->n_queues ? xcalloc((size_t)s->n_queues, sizeof(queue_t)) : NULL;
    return s;
}

void apf_qset_free(apf_qset_t *s)
{
    if (!s)
        return;
    free(s->q);
    free(s);
}

static int active_queues(const apf_qset_t *s)
{
    int n = 0;
    for (int i = 0; i < s->n_queues; i++)
        if (s->q[i].waiting || s->q[i].executing)
            n++;
    return n;
}

/* Virtual time runs at the rate each active queue is being served: the seats in use shared
 * among the queues that have work. */
static void advance(apf_qset_t *s, double now)
{
    if (now <= s->last_real) {
        return;
    }
    int active = active_queues(s);
    if (active > 0) {
        int busy = s->executing < s->limit ? s->executing : s->limit;
        s->vnow += (now - s->last_real) * busy / active;
    }
    s->last_real = now;
}

static int choose_queue(apf_qset_t *s, uint64_t h)
{
    int hand[64];
    apf_deal(h, s->n_queues, s->hand_size, hand);
    int best = hand[0];
    for (int i = 1; i < s->hand_size; i++) {
        queue_t *a = &s->q[hand[i]], *b = &s->q[best];
        if (a->waiting + a->executing < b->waiting + b->executing)
            best = hand[i];
    }
    return best;
}

apf_verdict_t apf_qset_offer(apf_qset_t *s, apf_item_t *it, uint64_t h, double now)
{
    advance(s, now);
    it->next = NULL;
    it->executing = false;
    it->enqueued_at = now;
    it->queue = -1;
    if (s->n_queues == 0) {
        if (s->executing >= s->limit)
            return APF_REJECTED;
        s->executing++;
        it->executing = true;
        it->dispatched_at = now;
        return APF_DISPATCHED;
    }
    int qi = choose_queue(s, h);
    queue_t *q = &s->q[qi];
    if (q->waiting >= s->qlen)
        return APF_REJECTED;
    if (!q->waiting && !q->executing)
        q->vstart = s->vnow; /* the queue becomes active now: no credit for idle time */
    it->queue = qi;
    if (q->tail)
        q->tail->next = it;
    else
        q->head = it;
    q->tail = it;
    q->waiting++;
    s->waiting++;
    if (s->waiting == 1 && s->executing < s->limit) {
        apf_item_t *x = apf_qset_next(s, now);
        if (x == it)
            return APF_DISPATCHED;
    }
    return APF_QUEUED;
}

static void unlink_item(apf_qset_t *s, queue_t *q, apf_item_t *it)
{
    apf_item_t **pp = &q->head, *prev = NULL;
    while (*pp && *pp != it) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (!*pp)
        return;
    *pp = it->next;
    if (q->tail == it)
        q->tail = prev;
    it->next = NULL;
    q->waiting--;
    s->waiting--;
}

apf_item_t *apf_qset_next(apf_qset_t *s, double now)
{
    advance(s, now);
    if (s->executing >= s->limit || s->waiting == 0)
        return NULL;
    int best = -1;
    for (int k = 0; k < s->n_queues; k++) {
        int i = (s->robin + k) % s->n_queues;
        if (s->q[i].waiting && (best < 0 || s->q[i].vstart < s->q[best].vstart))
            best = i;
    }
    if (best < 0)
        return NULL;
    s->robin = (best + 1) % s->n_queues;
    queue_t *q = &s->q[best];
    apf_item_t *it = q->head;
    unlink_item(s, q, it);
    q->executing++;
    q->vstart += SERVICE_ESTIMATE;
    s->executing++;
    it->executing = true;
    it->dispatched_at = now;
    return it;
}

void apf_qset_done(apf_qset_t *s, apf_item_t *it, double now)
{
    if (!it->executing)
        return;
    advance(s, now);
    it->executing = false;
    s->executing--;
    if (it->queue >= 0) {
        queue_t *q = &s->q[it->queue];
        q->executing--;
        /* Correct the estimate with the real service time. */
        double took = now - it->dispatched_at;
        q->vstart -= SERVICE_ESTIMATE - took;
    }
}

void apf_qset_remove(apf_qset_t *s, apf_item_t *it)
{
    if (it->executing || it->queue < 0)
        return;
    unlink_item(s, &s->q[it->queue], it);
}

apf_item_t *apf_qset_expired(apf_qset_t *s, double before)
{
    apf_item_t *oldest = NULL;
    for (int i = 0; i < s->n_queues; i++) {
        apf_item_t *h = s->q[i].head;
        if (h && h->enqueued_at <= before && (!oldest || h->enqueued_at < oldest->enqueued_at))
            oldest = h;
    }
    return oldest;
}

int apf_qset_limit(const apf_qset_t *s)
{
    return s->limit;
}

int apf_qset_executing(const apf_qset_t *s)
{
    return s->executing;
}

int apf_qset_waiting(const apf_qset_t *s)
{
    return s->waiting;
}

int apf_qset_n_queues(const apf_qset_t *s)
{
    return s->n_queues;
}

void apf_qset_queue_info(const apf_qset_t *s, int i, int *waiting, int *executing, double *vstart)
{
    *waiting = s->q[i].waiting;
    *executing = s->q[i].executing;
    *vstart = s->q[i].vstart;
}

const apf_item_t *apf_qset_queue_head(const apf_qset_t *s, int i)
{
    return s->q[i].head;
}
