/*
 * node.c — the node snapshot: what the filters read from a Node (labels, taints, allocatable,
 * images) plus the aggregate of the pods bound or assumed there, kept incrementally so resource
 * checks are O(1). Also the matching helpers (tolerations, node selector terms, pod terms) and
 * the topology-pair counter map the cycle state uses.
 */
#include "sched_int.h"
#include "c8s/quantity.h"
#include <string.h>

static const char *jstr(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

static int image_cmp(const void *a, const void *b)
{
    return strcmp(((const sched_image_t *)a)->name, ((const sched_image_t *)b)->name);
}

static int read_alloc(const json_t *list, sched_node_t *n, c8s_err_t *err)
{
    static const char *names[] = {"cpu", "memory", "ephemeral-storage", "pods"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(names); i++) {
        const json_t *v = json_object_get(list, names[i]);
        quantity_t q;
        if (!v)
            continue;
        if (quantity_parse_json(v, &q, err) < 0)
            return c8s_err_wrap(err, "allocatable %s", names[i]);
        switch (i) {
        case 0:
            n->alloc.cpu = quantity_milli(&q);
            break;
        case 1:
            n->alloc.mem = quantity_value(&q);
            break;
        case 2:
            n->alloc.eph = quantity_value(&q);
            break;
        default:
            n->alloc_pods = quantity_value(&q);
        }
    }
    return 0;
}

static int parse_node(const json_t *node, sched_node_t *n, c8s_err_t *err)
{
    const json_t *meta = json_object_get(node, "metadata");
    const json_t *spec = json_object_get(node, "spec");
    const json_t *status = json_object_get(node, "status");
    n->name = xstrdup(jstr(meta, "name"));
    json_t *labels = json_object_get(meta, "labels");
    n->labels = json_is_object(labels) ? json_incref(labels) : json_object();
    n->unschedulable = json_is_true(json_object_get(spec, "unschedulable"));
    const char *region = sched_node_label(n, SCHED_LABEL_REGION),
               *zone = sched_node_label(n, SCHED_LABEL_ZONE);
    /* Spreading by owner reads it for every scored node: built once here. */
    if (region || zone)
        n->zone_key = xasprintf("%s:%s", region ? region : "", zone ? zone : "");

    size_t i, k;
    json_t *o, *nm;
    const json_t *taints = json_object_get(spec, "taints");
    n->taints =
        json_array_size(taints) ? xcalloc(json_array_size(taints), sizeof(*n->taints)) : NULL;
    json_array_foreach(taints, i, o)
    {
        sched_taint_t *t = &n->taints[n->ntaints++];
        t->key = xstrdup(jstr(o, "key"));
        t->value = xstrdup(jstr(o, "value"));
        t->effect = sched__parse_effect(jstr(o, "effect"));
    }

    /* Allocatable, falling back to capacity for nodes that report only that. */
    const json_t *alloc = json_object_get(status, "allocatable");
    if (read_alloc(json_object_get(status, "capacity"), n, err) < 0 ||
        read_alloc(alloc, n, err) < 0)
        return err->code;

    json_array_foreach(json_object_get(status, "conditions"), i, o)
    {
        if (strcmp(jstr(o, "type"), "Ready") == 0)
            n->ready = strcmp(jstr(o, "status"), "True") == 0;
    }

    json_array_foreach(json_object_get(status, "images"), i, o)
    {
        int64_t size = json_integer_value(json_object_get(o, "sizeBytes"));
        json_array_foreach(json_object_get(o, "names"), k, nm)
        {
            if (!json_is_string(nm))
                continue;
            n->images = xrealloc(n->images, (n->nimages + 1) * sizeof(*n->images));
            n->images[n->nimages].name = xstrdup(json_string_value(nm));
            n->images[n->nimages++].size = size;
        }
    }
    if (n->nimages)
        qsort(n->images, n->nimages, sizeof(*n->images), image_cmp);
    return 0;
}

int sched_node_from_json(const json_t *node, sched_node_t **out, c8s_err_t *err)
{
    sched_node_t *n = xcalloc(1, sizeof(*n));
    if (parse_node(node, n, err) < 0) {
        sched_node_free(n);
        return c8s_err_wrap(err, "node %s", jstr(json_object_get(node, "metadata"), "name"));
    }
    *out = n;
    return 0;
}

void sched_node_free(sched_node_t *n)
{
    if (!n)
        return;
    free(n->name);
    free(n->zone_key);
    if (n->labels)
        json_decref(n->labels);
    for (size_t i = 0; i < n->ntaints; i++) {
        free(n->taints[i].key);
        free(n->taints[i].value);
    }
    free(n->taints);
    for (size_t i = 0; i < n->nimages; i++)
        free(n->images[i].name);
    free(n->images);
    for (size_t i = 0; i < n->npods; i++)
        sched_pod_unref(n->pods[i]);
    free(n->pods);
    free(n->ports);
    free(n);
}

static bool has_affinity(const sched_pod_t *p)
{
    return p->naff_req || p->nanti_req || p->naff_pref || p->nanti_pref;
}

void sched_node_add_pod(sched_node_t *n, sched_pod_t *pod)
{
    if (n->npods == n->cap) {
        n->cap = n->cap ? n->cap * 2 : 8;
        n->pods = xrealloc(n->pods, n->cap * sizeof(*n->pods));
    }
    n->pods[n->npods++] = sched_pod_ref(pod);
    n->requested.cpu += pod->req.cpu;
    n->requested.mem += pod->req.mem;
    n->requested.eph += pod->req.eph;
    n->nz_cpu += pod->nz_cpu;
    n->nz_mem += pod->nz_mem;
    if (has_affinity(pod))
        n->naffinity++;
    if (pod->nanti_req)
        n->nanti_req++;
    if (pod->nports) {
        if (n->nports + pod->nports > n->ports_cap) {
            n->ports_cap = (n->nports + pod->nports) * 2;
            n->ports = xrealloc(n->ports, n->ports_cap * sizeof(*n->ports));
        }
        memcpy(n->ports + n->nports, pod->ports, pod->nports * sizeof(*n->ports));
        n->nports += pod->nports;
    }
    n->generation++;
}

static bool same_pod(const sched_pod_t *a, const sched_pod_t *b)
{
    if (a == b)
        return true;
    if (a->uid && b->uid)
        return strcmp(a->uid, b->uid) == 0;
    return strcmp(a->ns, b->ns) == 0 && strcmp(a->name, b->name) == 0;
}

int sched_node_remove_pod(sched_node_t *n, const sched_pod_t *pod, c8s_err_t *err)
{
    size_t i;
    for (i = 0; i < n->npods; i++)
        if (same_pod(n->pods[i], pod))
            break;
    if (i == n->npods)
        return c8s_err_set(err, C8S_ENOTFOUND, "pod %s/%s is not on node %s", pod->ns, pod->name,
                           n->name);
    sched_pod_t *p = n->pods[i];
    memmove(n->pods + i, n->pods + i + 1, (n->npods - i - 1) * sizeof(*n->pods));
    n->npods--;
    n->requested.cpu -= p->req.cpu;
    n->requested.mem -= p->req.mem;
    n->requested.eph -= p->req.eph;
    n->nz_cpu -= p->nz_cpu;
    n->nz_mem -= p->nz_mem;
    if (has_affinity(p))
        n->naffinity--;
    if (p->nanti_req)
        n->nanti_req--;
    /* Drop one used entry per port of the pod. */
    for (size_t k = 0; k < p->nports; k++) {
        for (size_t j = 0; j < n->nports; j++) {
            if (memcmp(&n->ports[j], &p->ports[k], sizeof(sched_hostport_t)) == 0) {
                n->ports[j] = n->ports[--n->nports];
                break;
            }
        }
    }
    n->generation++;
    sched_pod_unref(p);
    return 0;
}

int64_t sched_node_image_size(const sched_node_t *n, const char *image)
{
    sched_image_t key = {.name = (char *)image};
    const sched_image_t *hit =
        n->nimages ? bsearch(&key, n->images, n->nimages, sizeof(*n->images), image_cmp) : NULL;
    return hit ? hit->size : -1;
}

const char *sched_node_label(const sched_node_t *n, const char *key)
{
    return json_string_value(json_object_get(n->labels, key));
}

/* ---- Matching helpers ------------------------------------------------------------------ */

bool sched_toleration_tolerates(const sched_toleration_t *t, const sched_taint_t *taint)
{
    if (t->effect != SCHED_EFFECT_ANY && t->effect != taint->effect)
        return false;
    if (*t->key && strcmp(t->key, taint->key) != 0)
        return false;
    if (t->exists)
        return true;
    return strcmp(t->value, taint->value) == 0;
}

static bool req_matches(const sched_nsreq_t *r, const char *val)
{
    switch (r->op) {
    case SCHED_OP_IN:
    case SCHED_OP_NOT_IN: {
        bool in = false;
        if (val)
            for (size_t i = 0; i < r->nvalues && !in; i++)
                in = strcmp(r->values[i], val) == 0;
        return r->op == SCHED_OP_IN ? in : !in;
    }
    case SCHED_OP_EXISTS:
        return val != NULL;
    case SCHED_OP_DOES_NOT_EXIST:
        return val == NULL;
    case SCHED_OP_GT:
    case SCHED_OP_LT: {
        if (!val || !*val)
            return false;
        char *end = NULL;
        long long v = strtoll(val, &end, 10);
        if (*end)
            return false;
        return r->op == SCHED_OP_GT ? v > r->num : v < r->num;
    }
    }
    return false;
}

bool sched_nsterm_matches(const sched_nsterm_t *term, const sched_node_t *node)
{
    if (term->nexprs == 0 && term->nfields == 0)
        return false;
    for (size_t i = 0; i < term->nexprs; i++)
        if (!req_matches(&term->exprs[i], sched_node_label(node, term->exprs[i].key)))
            return false;
    for (size_t i = 0; i < term->nfields; i++) {
        const sched_nsreq_t *r = &term->fields[i];
        if (strcmp(r->key, "metadata.name") != 0 ||
            (r->op != SCHED_OP_IN && r->op != SCHED_OP_NOT_IN))
            return false;
        if (!req_matches(r, node->name))
            return false;
    }
    return true;
}

bool sched_node_matches_pod_affinity(const sched_pod_t *pod, const sched_node_t *node)
{
    if (pod->selector.nexprs && !sched_nsterm_matches(&pod->selector, node))
        return false;
    if (!pod->has_required_affinity)
        return true;
    for (size_t i = 0; i < pod->nrequired; i++)
        if (sched_nsterm_matches(&pod->required[i], node))
            return true;
    return false;
}

bool sched_podterm_matches(const sched_podterm_t *t, const sched_pod_t *pod)
{
    if (!t->sel)
        return false;
    bool ns_ok = t->all_namespaces;
    for (size_t i = 0; i < t->nnamespaces && !ns_ok; i++)
        ns_ok = strcmp(t->namespaces[i], pod->ns) == 0;
    return ns_ok && labelsel_matches(t->sel, pod->labels);
}

int64_t sched__count_matching(const sched_node_t *node, const labelsel_t *sel, const char *ns)
{
    int64_t c = 0;
    for (size_t i = 0; i < node->npods; i++) {
        const sched_pod_t *p = node->pods[i];
        if (strcmp(p->ns, ns) == 0 && labelsel_matches(sel, p->labels))
            c++;
    }
    return c;
}

/* ---- Status ---------------------------------------------------------------------------- */

void sched__status_add(sched_status_t *st, const char *reason)
{
    if (!st || st->n >= SCHED_STATUS_MAX)
        return;
    size_t used = st->n ? st->off[st->n - 1] + strlen(st->buf + st->off[st->n - 1]) + 1 : 0;
    if (used >= sizeof(st->buf))
        return;
    snprintf(st->buf + used, sizeof(st->buf) - used, "%s", reason);
    st->off[st->n++] = (uint16_t)used;
}

const char *sched_status_reason(const sched_status_t *st, size_t i)
{
    return i < st->n ? st->buf + st->off[i] : NULL;
}

/* ---- Topology-pair map ----------------------------------------------------------------- */

static uint64_t pair_hash(const char *k, const char *v)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = k; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    h = (h ^ '=') * 1099511628211ULL;
    for (const char *p = v; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return h;
}

static bool pair_eq(const char *stored, const char *k, size_t klen, const char *v)
{
    return strncmp(stored, k, klen) == 0 && stored[klen] == '=' &&
           strcmp(stored + klen + 1, v) == 0;
}

static void tmap_grow(sched__tmap_t *m)
{
    size_t ocap = m->cap;
    char **okeys = m->keys;
    int64_t *ovals = m->vals;
    m->cap = ocap ? ocap * 2 : 16;
    m->keys = xcalloc(m->cap, sizeof(char *));
    m->vals = xcalloc(m->cap, sizeof(int64_t));
    for (size_t i = 0; i < ocap; i++) {
        if (!okeys[i])
            continue;
        const char *eq = strchr(okeys[i], '=');
        char kbuf[512];
        size_t kl = (size_t)(eq - okeys[i]);
        uint64_t h;
        if (kl < sizeof(kbuf)) {
            memcpy(kbuf, okeys[i], kl);
            kbuf[kl] = 0;
            h = pair_hash(kbuf, eq + 1);
        } else {
            char *k = xstrndup(okeys[i], kl);
            h = pair_hash(k, eq + 1);
            free(k);
        }
        size_t j = h & (m->cap - 1);
        while (m->keys[j])
            j = (j + 1) & (m->cap - 1);
        m->keys[j] = okeys[i];
        m->vals[j] = ovals[i];
    }
    free(okeys);
    free(ovals);
}

int64_t *sched__tmap_get(sched__tmap_t *m, const char *key, const char *value, bool create)
{
    size_t klen = strlen(key);
    if (m->cap) {
        size_t j = pair_hash(key, value) & (m->cap - 1);
        while (m->keys[j]) {
            if (pair_eq(m->keys[j], key, klen, value))
                return &m->vals[j];
            j = (j + 1) & (m->cap - 1);
        }
    }
    if (!create)
        return NULL;
    if ((m->len + 1) * 4 > m->cap * 3)
        tmap_grow(m);
    size_t j = pair_hash(key, value) & (m->cap - 1);
    while (m->keys[j])
        j = (j + 1) & (m->cap - 1);
    m->keys[j] = xasprintf("%s=%s", key, value);
    m->vals[j] = 0;
    m->len++;
    return &m->vals[j];
}

int64_t sched__tmap_value(const sched__tmap_t *m, const char *key, const char *value)
{
    int64_t *v = sched__tmap_get((sched__tmap_t *)m, key, value, false);
    return v ? *v : 0;
}

void sched__tmap_add_node(sched__tmap_t *m, const sched_node_t *node, const char *key,
                          int64_t delta)
{
    const char *v = sched_node_label(node, key);
    if (v)
        *sched__tmap_get(m, key, v, true) += delta;
}

void sched__tmap_free(sched__tmap_t *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof(*m));
}
