/*
 * schedule.c — one scheduling decision: filter (stopping early as upstream's
 * percentageOfNodesToScore says), score the feasible nodes with the weighted plugins, pick the
 * best with random tie-breaking, or explain why nothing fits in upstream's words.
 */
#include "sched_int.h"
#include <string.h>

const sched_weights_t sched_weights_default = {
    .least_allocated = 1,
    .balanced = 1,
    .image_locality = 1,
    .node_affinity = 2,
    .taints = 3,
    .inter_pod = 2,
    .spread = 2,
    .owner_spread = 1,
};

uint64_t sched_rand_xorshift(void *ctx)
{
    uint64_t *s = ctx, x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 2685821657736338717ULL;
}

/* Upstream's numFeasibleNodesToFind. */
static size_t feasible_to_find(int percentage, size_t n)
{
    const size_t min_nodes = 100, min_percent = 5;
    if (n < min_nodes || percentage >= 100)
        return n;
    size_t pct = (size_t)percentage;
    if (percentage <= 0) {
        size_t drop = n / 125;
        pct = drop < 50 - min_percent ? 50 - drop : min_percent;
    }
    size_t k = n * pct / 100;
    return k < min_nodes ? min_nodes : k;
}

static void count_reasons(sched_result_t *r, const sched_status_t *st)
{
    for (size_t i = 0; i < st->n; i++) {
        const char *reason = sched_status_reason(st, i);
        bool dup = false;
        for (size_t j = 0; j < i && !dup; j++)
            dup = strcmp(sched_status_reason(st, j), reason) == 0;
        if (dup)
            continue; /* a node counts once per reason */
        size_t k;
        for (k = 0; k < r->nreasons; k++)
            if (strcmp(r->reasons[k].reason, reason) == 0)
                break;
        if (k == r->nreasons) {
            r->reasons = xrealloc(r->reasons, (r->nreasons + 1) * sizeof(*r->reasons));
            r->reasons[k].reason = xstrdup(reason);
            r->reasons[k].count = 0;
            r->nreasons++;
        }
        r->reasons[k].count++;
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char *sched_fit_message(size_t n, const sched_reason_count_t *reasons, size_t nreasons)
{
    /* Upstream sorts the formatted "<count> <reason>" strings, count included. */
    char **parts = xcalloc(nreasons ? nreasons : 1, sizeof(char *));
    size_t len = 64;
    for (size_t i = 0; i < nreasons; i++) {
        parts[i] = xasprintf("%zu %s", reasons[i].count, reasons[i].reason);
        len += strlen(parts[i]) + 2;
    }
    qsort(parts, nreasons, sizeof(char *), cmp_str);
    char *msg = xmalloc(len);
    int off = snprintf(msg, len, "0/%zu nodes are available:", n);
    for (size_t i = 0; i < nreasons; i++) {
        off += snprintf(msg + off, len - (size_t)off, "%s%s", i ? ", " : " ", parts[i]);
        free(parts[i]);
    }
    snprintf(msg + off, len - (size_t)off, ".");
    free(parts);
    return msg;
}

typedef int64_t (*score_fn)(const sched_cycle_t *, const sched_node_t *);

static void score_all(sched_cycle_t *cy, sched_node_t *const *f, size_t nf,
                      const sched_weights_t *w, int64_t *total, int64_t *tmp)
{
    enum { PLAIN, DEFAULT, DEFAULT_REV, INTER_POD, SPREAD, OWNER };
    const struct {
        score_fn fn;
        int64_t weight;
        int norm;
    } plugins[] = {
        {sched_score_taints, w->taints, DEFAULT_REV},
        {sched_score_node_affinity, w->node_affinity, DEFAULT},
        {sched_score_spread, w->spread, SPREAD},
        {sched_score_inter_pod, w->inter_pod, INTER_POD},
        {sched_score_least_allocated, w->least_allocated, PLAIN},
        {sched_score_balanced, w->balanced, PLAIN},
        {sched_score_image_locality, w->image_locality, PLAIN},
        {sched_score_owner_spread, w->owner_spread, OWNER},
    };
    memset(total, 0, nf * sizeof(*total));
    for (size_t p = 0; p < C8S_ARRAY_SIZE(plugins); p++) {
        /* Upstream skips a plugin whose PreScore found nothing to do; a constant score for
         * every node would not change the pick anyway. */
        if (plugins[p].weight == 0 || (plugins[p].norm == OWNER && !cy->pod->owner_uid))
            continue;
        for (size_t i = 0; i < nf; i++)
            tmp[i] = plugins[p].fn(cy, f[i]);
        switch (plugins[p].norm) {
        case DEFAULT:
            sched_normalize_default(tmp, nf, false);
            break;
        case DEFAULT_REV:
            sched_normalize_default(tmp, nf, true);
            break;
        case INTER_POD:
            sched_normalize_inter_pod(cy, tmp, nf);
            break;
        case SPREAD:
            sched_normalize_spread(cy, f, tmp, nf);
            break;
        case OWNER:
            sched_normalize_owner_spread(cy, f, tmp, nf);
            break;
        default:
            break;
        }
        for (size_t i = 0; i < nf; i++)
            total[i] += tmp[i] * plugins[p].weight;
    }
}

int sched_schedule_one(const sched_pod_t *pod, sched_node_t *const *nodes, size_t n,
                       const sched_opts_t *opts, sched_result_t *out)
{
    static const sched_opts_t defaults = {0};
    if (!opts)
        opts = &defaults;
    const sched_weights_t *w = opts->weights ? opts->weights : &sched_weights_default;
    memset(out, 0, sizeof(*out));
    if (n == 0) {
        out->message = sched_fit_message(0, NULL, 0);
        return 0;
    }

    sched_cycle_t *cy = sched__cycle_new(pod, nodes, n, opts->affinity_free);
    size_t want = feasible_to_find(opts->percentage, n);
    sched_node_t **feasible = xmalloc(n * sizeof(*feasible));
    size_t nf = 0, start = opts->start_index % n, i;
    sched_status_t st;
    for (i = 0; i < n && nf < want; i++) {
        sched_node_t *node = nodes[(start + i) % n];
        st.n = 0;
        if (sched_filter_all(cy, node, &st))
            feasible[nf++] = node;
        else
            count_reasons(out, &st);
    }
    out->evaluated = i;
    out->feasible = nf;
    out->next_start = (start + i) % n;

    if (nf == 0) {
        out->message = sched_fit_message(n, out->reasons, out->nreasons);
    } else if (nf == 1) {
        out->node = feasible[0]; /* upstream skips scoring when one node fits */
    } else {
        int64_t *total = xmalloc(2 * nf * sizeof(int64_t));
        sched_cycle_prescore(cy, feasible, nf);
        score_all(cy, feasible, nf, w, total, total + nf);
        /* Reservoir sampling over the best: each tied node is equally likely. */
        size_t best = 0, ties = 0;
        for (size_t k = 0; k < nf; k++) {
            if (k == 0 || total[k] > total[best]) {
                best = k;
                ties = 1;
            } else if (total[k] == total[best]) {
                ties++;
                if (opts->rand && opts->rand(opts->rand_ctx) % ties == 0)
                    best = k;
            }
        }
        out->node = feasible[best];
        out->score = total[best];
        free(total);
    }
    free(feasible);
    sched_cycle_free(cy);
    return 0;
}

void sched_result_clear(sched_result_t *r)
{
    for (size_t i = 0; i < r->nreasons; i++)
        free(r->reasons[i].reason);
    free(r->reasons);
    free(r->message);
    memset(r, 0, sizeof(*r));
}
