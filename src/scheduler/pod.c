/*
 * pod.c — a pod parsed once for scheduling: requests computed as upstream's resource helpers
 * do, host ports, node selector and affinity, tolerations, pod (anti-)affinity terms, topology
 * spread constraints and images. The filters and scores never look at JSON again.
 */
#include "sched_int.h"
#include "c8s/quantity.h"
#include <string.h>
#include <time.h>

/* Upstream's defaults for containers without requests, used only for scoring
 * (pkg/scheduler/util: DefaultMilliCPURequest, DefaultMemoryRequest). */
#define NZ_CPU_MILLI 100
#define NZ_MEM_BYTES (200LL * 1024 * 1024)

static const char *jstr(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

static char *jdup(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? xstrdup(s) : NULL;
}

/* One container's requests: requests[r], else limits[r] (the API defaults a missing request
 * to its limit), else missing. `set` says which of cpu/mem were given at all. */
typedef struct creq_s {
    sched_res_t r;
    bool has_cpu, has_mem, any;
} creq_t;

static int read_res(const json_t *list, const char *name, int64_t *out, bool milli, bool *has,
                    c8s_err_t *err)
{
    const json_t *v = json_object_get(list, name);
    if (!v)
        return 0;
    quantity_t q;
    int rc = quantity_parse_json(v, &q, err);
    if (rc < 0)
        return c8s_err_wrap(err, "resources %s", name);
    *out = milli ? quantity_milli(&q) : quantity_value(&q);
    *has = true;
    return 0;
}

static int container_req(const json_t *c, creq_t *out, c8s_err_t *err)
{
    memset(out, 0, sizeof(*out));
    const json_t *res = json_object_get(c, "resources");
    const json_t *req = json_object_get(res, "requests");
    const json_t *lim = json_object_get(res, "limits");
    static const struct {
        const char *name;
        size_t off;
        bool milli;
    } rs[] = {
        {"cpu", offsetof(sched_res_t, cpu), true},
        {"memory", offsetof(sched_res_t, mem), false},
        {"ephemeral-storage", offsetof(sched_res_t, eph), false},
    };
    for (size_t i = 0; i < C8S_ARRAY_SIZE(rs); i++) {
        int64_t *slot = (int64_t *)((char *)&out->r + rs[i].off);
        bool has = false, lhas = false;
        int64_t lv = 0;
        if (read_res(req, rs[i].name, slot, rs[i].milli, &has, err) < 0)
            return err->code;
        if (read_res(lim, rs[i].name, &lv, rs[i].milli, &lhas, err) < 0)
            return err->code;
        if (!has && lhas) {
            *slot = lv;
            has = true;
        }
        if (i == 0)
            out->has_cpu = has;
        if (i == 1)
            out->has_mem = has;
        if (i < 2 && (has || lhas))
            out->any = true;
    }
    return 0;
}

static void res_add(sched_res_t *a, const sched_res_t *b)
{
    a->cpu += b->cpu;
    a->mem += b->mem;
    a->eph += b->eph;
}

static void res_max(sched_res_t *a, const sched_res_t *b)
{
    if (b->cpu > a->cpu)
        a->cpu = b->cpu;
    if (b->mem > a->mem)
        a->mem = b->mem;
    if (b->eph > a->eph)
        a->eph = b->eph;
}

/* Requests of a container list: the sum (app containers) or upstream's init rule. `nz` selects
 * the scoring variant (missing cpu/memory count as defaults). */
static void nz_fill(sched_res_t *r, const creq_t *c)
{
    if (!c->has_cpu)
        r->cpu = NZ_CPU_MILLI;
    if (!c->has_mem)
        r->mem = NZ_MEM_BYTES;
}

int sched_pod_requests(const json_t *spec, sched_pod_t *out, c8s_err_t *err)
{
    sched_res_t app = {0}, app_nz = {0}, init = {0}, init_nz = {0}, side = {0}, side_nz = {0};
    bool any = false;
    size_t i;
    json_t *c;

    json_array_foreach(json_object_get(spec, "containers"), i, c)
    {
        creq_t cr;
        if (container_req(c, &cr, err) < 0)
            return err->code;
        sched_res_t nz = cr.r;
        nz_fill(&nz, &cr);
        res_add(&app, &cr.r);
        res_add(&app_nz, &nz);
        any |= cr.any;
    }
    /* Init containers run one at a time, before the app containers; restartable ones
     * (sidecars, restartPolicy Always) keep running, so they add to everything after them. */
    json_array_foreach(json_object_get(spec, "initContainers"), i, c)
    {
        creq_t cr;
        if (container_req(c, &cr, err) < 0)
            return err->code;
        sched_res_t nz = cr.r;
        nz_fill(&nz, &cr);
        any |= cr.any;
        if (strcmp(jstr(c, "restartPolicy"), "Always") == 0) {
            res_add(&side, &cr.r);
            res_add(&side_nz, &nz);
            res_max(&init, &side);
            res_max(&init_nz, &side_nz);
        } else {
            sched_res_t t = cr.r, tnz = nz;
            res_add(&t, &side);
            res_add(&tnz, &side_nz);
            res_max(&init, &t);
            res_max(&init_nz, &tnz);
        }
    }
    res_add(&app, &side);
    res_add(&app_nz, &side_nz);
    res_max(&app, &init);
    res_max(&app_nz, &init_nz);

    const json_t *ov = json_object_get(spec, "overhead");
    if (ov) {
        creq_t o = {0};
        bool h = false;
        if (read_res(ov, "cpu", &o.r.cpu, true, &h, err) < 0 ||
            read_res(ov, "memory", &o.r.mem, false, &h, err) < 0 ||
            read_res(ov, "ephemeral-storage", &o.r.eph, false, &h, err) < 0)
            return c8s_err_wrap(err, "overhead");
        res_add(&app, &o.r);
        res_add(&app_nz, &o.r);
    }
    out->req = app;
    out->nz_cpu = app_nz.cpu;
    out->nz_mem = app_nz.mem;
    out->best_effort = !any;
    return 0;
}

static char *normalize_image(const char *img)
{
    /* Upstream's normalizedImageName: no tag or digest after the last '/' means ":latest". */
    const char *colon = strrchr(img, ':'), *slash = strrchr(img, '/');
    if (strchr(img, '@') || (colon && (!slash || colon > slash)))
        return xstrdup(img);
    return xasprintf("%s:latest", img);
}

static int parse_effect(const char *s)
{
    if (strcmp(s, "NoSchedule") == 0)
        return SCHED_EFFECT_NO_SCHEDULE;
    if (strcmp(s, "PreferNoSchedule") == 0)
        return SCHED_EFFECT_PREFER_NO_SCHEDULE;
    if (strcmp(s, "NoExecute") == 0)
        return SCHED_EFFECT_NO_EXECUTE;
    return SCHED_EFFECT_ANY;
}

int sched__parse_effect(const char *s)
{
    return parse_effect(s);
}

static int parse_reqs(const json_t *arr, sched_nsreq_t **out, size_t *nout, c8s_err_t *err)
{
    size_t n = json_array_size(arr), i;
    json_t *r;
    *out = n ? xcalloc(n, sizeof(**out)) : NULL;
    *nout = 0;
    json_array_foreach(arr, i, r)
    {
        sched_nsreq_t *q = &(*out)[(*nout)++];
        q->key = xstrdup(jstr(r, "key"));
        const char *op = jstr(r, "operator");
        static const char *ops[] = {"In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"};
        q->op = -1;
        for (size_t k = 0; k < C8S_ARRAY_SIZE(ops); k++)
            if (strcmp(op, ops[k]) == 0)
                q->op = (int)k;
        if (q->op < 0)
            return c8s_err_set(err, C8S_EINVALID, "\"%s\" is not a valid node selector operator",
                               op);
        const json_t *vals = json_object_get(r, "values");
        q->nvalues = json_array_size(vals);
        q->values = q->nvalues ? xcalloc(q->nvalues, sizeof(char *)) : NULL;
        for (size_t k = 0; k < q->nvalues; k++) {
            const char *v = json_string_value(json_array_get(vals, k));
            q->values[k] = xstrdup(v ? v : "");
        }
        if (q->op == SCHED_OP_GT || q->op == SCHED_OP_LT) {
            char *end = NULL;
            if (q->nvalues != 1 || !*q->values[0])
                return c8s_err_set(err, C8S_EINVALID, "Gt/Lt need exactly one integer value");
            q->num = strtoll(q->values[0], &end, 10);
            if (*end)
                return c8s_err_set(err, C8S_EINVALID, "Gt/Lt value %s is not an integer",
                                   q->values[0]);
        }
    }
    return 0;
}

static int parse_nsterm(const json_t *t, sched_nsterm_t *out, c8s_err_t *err)
{
    if (parse_reqs(json_object_get(t, "matchExpressions"), &out->exprs, &out->nexprs, err) < 0)
        return err->code;
    return parse_reqs(json_object_get(t, "matchFields"), &out->fields, &out->nfields, err);
}

static void free_nsterm(sched_nsterm_t *t)
{
    for (int pass = 0; pass < 2; pass++) {
        sched_nsreq_t *r = pass ? t->fields : t->exprs;
        size_t n = pass ? t->nfields : t->nexprs;
        for (size_t i = 0; i < n; i++) {
            free(r[i].key);
            for (size_t k = 0; k < r[i].nvalues; k++)
                free(r[i].values[k]);
            free(r[i].values);
        }
        free(r);
    }
}

static int parse_podterms(const json_t *arr, bool weighted, const char *ns, sched_podterm_t **out,
                          size_t *nout, c8s_err_t *err)
{
    size_t n = json_array_size(arr), i;
    json_t *w;
    *out = n ? xcalloc(n, sizeof(**out)) : NULL;
    *nout = 0;
    json_array_foreach(arr, i, w)
    {
        sched_podterm_t *t = &(*out)[(*nout)++];
        const json_t *term = w;
        if (weighted) {
            t->weight = (int32_t)json_integer_value(json_object_get(w, "weight"));
            term = json_object_get(w, "podAffinityTerm");
        }
        t->topology_key = xstrdup(jstr(term, "topologyKey"));
        const json_t *sel = json_object_get(term, "labelSelector");
        if (sel && !json_is_null(sel) && labelsel_from_json(sel, &t->sel, err) < 0)
            return c8s_err_wrap(err, "labelSelector");
        const json_t *nss = json_object_get(term, "namespaces");
        const json_t *nsel = json_object_get(term, "namespaceSelector");
        /* An empty namespaceSelector selects every namespace. A non-empty one would need
         * namespace labels, which the pure core does not have: it adds nothing. */
        if (json_is_object(nsel) && json_object_size(nsel) == 0)
            t->all_namespaces = true;
        t->nnamespaces = json_array_size(nss);
        if (t->nnamespaces == 0 && !json_is_object(nsel)) {
            t->namespaces = xcalloc(1, sizeof(char *));
            t->namespaces[0] = xstrdup(ns);
            t->nnamespaces = 1;
        } else if (t->nnamespaces) {
            t->namespaces = xcalloc(t->nnamespaces, sizeof(char *));
            for (size_t k = 0; k < t->nnamespaces; k++) {
                const char *s = json_string_value(json_array_get(nss, k));
                t->namespaces[k] = xstrdup(s ? s : "");
            }
        }
    }
    return 0;
}

static void free_podterms(sched_podterm_t *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        labelsel_free(t[i].sel);
        for (size_t k = 0; k < t[i].nnamespaces; k++)
            free(t[i].namespaces[k]);
        free(t[i].namespaces);
        free(t[i].topology_key);
    }
    free(t);
}

static void add_ports(sched_pod_t *p, const json_t *containers)
{
    size_t i, k;
    json_t *c, *port;
    json_array_foreach(containers, i, c)
    {
        json_array_foreach(json_object_get(c, "ports"), k, port)
        {
            int64_t hp = json_integer_value(json_object_get(port, "hostPort"));
            if (hp <= 0)
                continue;
            p->ports = xrealloc(p->ports, (p->nports + 1) * sizeof(*p->ports));
            sched_hostport_t *h = &p->ports[p->nports++];
            memset(h, 0, sizeof(*h));
            const char *ip = jstr(port, "hostIP");
            snprintf(h->ip, sizeof(h->ip), "%s", *ip ? ip : "0.0.0.0");
            const char *proto = jstr(port, "protocol");
            h->proto = strcmp(proto, "UDP") == 0    ? SCHED_PROTO_UDP
                       : strcmp(proto, "SCTP") == 0 ? SCHED_PROTO_SCTP
                                                    : SCHED_PROTO_TCP;
            h->port = (int32_t)hp;
        }
    }
}

static void add_images(sched_pod_t *p, const json_t *containers)
{
    size_t i;
    json_t *c;
    json_array_foreach(containers, i, c)
    {
        const char *img = jstr(c, "image");
        p->images = xrealloc(p->images, (p->nimages + 1) * sizeof(char *));
        p->images[p->nimages++] = normalize_image(img);
    }
}

static int parse_pod(const json_t *pod, sched_pod_t *p, c8s_err_t *err)
{
    const json_t *meta = json_object_get(pod, "metadata");
    const json_t *spec = json_object_get(pod, "spec");
    p->name = xstrdup(jstr(meta, "name"));
    p->ns = xstrdup(*jstr(meta, "namespace") ? jstr(meta, "namespace") : "default");
    p->uid = jdup(meta, "uid");
    p->node_name =
        json_string_length(json_object_get(spec, "nodeName")) ? jdup(spec, "nodeName") : NULL;
    json_t *labels = json_object_get(meta, "labels");
    p->labels = json_is_object(labels) ? json_incref(labels) : json_object();
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(meta, "ownerReferences"), i, o)
    {
        if (json_is_true(json_object_get(o, "controller")) && !p->owner_uid)
            p->owner_uid = jdup(o, "uid");
    }
    p->priority = (int32_t)json_integer_value(json_object_get(spec, "priority"));
    const char *started = jstr(json_object_get(pod, "status"), "startTime");
    struct tm tm = {0};
    const char *end = *started ? strptime(started, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    if (end)
        p->start_ns = (int64_t)timegm(&tm) * 1000000000LL;

    if (sched_pod_requests(spec, p, err) < 0)
        return err->code;
    add_ports(p, json_object_get(spec, "containers"));
    add_images(p, json_object_get(spec, "initContainers"));
    add_images(p, json_object_get(spec, "containers"));

    /* nodeSelector: every key must equal; kept as In requirements of one term. */
    const json_t *nsel = json_object_get(spec, "nodeSelector");
    if (json_object_size(nsel)) {
        const char *k;
        json_t *v;
        p->selector.exprs = xcalloc(json_object_size(nsel), sizeof(sched_nsreq_t));
        json_object_foreach((json_t *)nsel, k, v)
        {
            sched_nsreq_t *q = &p->selector.exprs[p->selector.nexprs++];
            q->key = xstrdup(k);
            q->op = SCHED_OP_IN;
            q->values = xcalloc(1, sizeof(char *));
            q->values[0] = xstrdup(json_string_value(v) ? json_string_value(v) : "");
            q->nvalues = 1;
        }
    }

    const json_t *aff = json_object_get(spec, "affinity");
    const json_t *na = json_object_get(aff, "nodeAffinity");
    const json_t *reqd = json_object_get(na, "requiredDuringSchedulingIgnoredDuringExecution");
    if (reqd && !json_is_null(reqd)) {
        const json_t *terms = json_object_get(reqd, "nodeSelectorTerms");
        p->has_required_affinity = true;
        p->required =
            json_array_size(terms) ? xcalloc(json_array_size(terms), sizeof(sched_nsterm_t)) : NULL;
        json_array_foreach(terms, i, o)
        {
            if (parse_nsterm(o, &p->required[p->nrequired++], err) < 0)
                return c8s_err_wrap(err, "nodeAffinity");
        }
    }
    const json_t *pref = json_object_get(na, "preferredDuringSchedulingIgnoredDuringExecution");
    if (json_array_size(pref)) {
        p->preferred = xcalloc(json_array_size(pref), sizeof(sched_nsterm_t));
        json_array_foreach(pref, i, o)
        {
            sched_nsterm_t *t = &p->preferred[p->npreferred++];
            t->weight = (int32_t)json_integer_value(json_object_get(o, "weight"));
            if (parse_nsterm(json_object_get(o, "preference"), t, err) < 0)
                return c8s_err_wrap(err, "nodeAffinity");
        }
    }

    static const char *REQ = "requiredDuringSchedulingIgnoredDuringExecution";
    static const char *PREF = "preferredDuringSchedulingIgnoredDuringExecution";
    const json_t *pa = json_object_get(aff, "podAffinity");
    const json_t *paa = json_object_get(aff, "podAntiAffinity");
    if (parse_podterms(json_object_get(pa, REQ), false, p->ns, &p->aff_req, &p->naff_req, err) <
            0 ||
        parse_podterms(json_object_get(pa, PREF), true, p->ns, &p->aff_pref, &p->naff_pref, err) <
            0 ||
        parse_podterms(json_object_get(paa, REQ), false, p->ns, &p->anti_req, &p->nanti_req, err) <
            0 ||
        parse_podterms(json_object_get(paa, PREF), true, p->ns, &p->anti_pref, &p->nanti_pref,
                       err) < 0)
        return c8s_err_wrap(err, "podAffinity");

    const json_t *tols = json_object_get(spec, "tolerations");
    p->tols = json_array_size(tols) ? xcalloc(json_array_size(tols), sizeof(*p->tols)) : NULL;
    json_array_foreach(tols, i, o)
    {
        sched_toleration_t *t = &p->tols[p->ntols++];
        t->key = xstrdup(jstr(o, "key"));
        t->value = xstrdup(jstr(o, "value"));
        t->exists = strcmp(jstr(o, "operator"), "Exists") == 0;
        t->effect = parse_effect(jstr(o, "effect"));
    }

    const json_t *tsc = json_object_get(spec, "topologySpreadConstraints");
    p->spread = json_array_size(tsc) ? xcalloc(json_array_size(tsc), sizeof(*p->spread)) : NULL;
    json_array_foreach(tsc, i, o)
    {
        sched_spread_t *s = &p->spread[p->nspread++];
        s->max_skew = (int32_t)json_integer_value(json_object_get(o, "maxSkew"));
        if (s->max_skew < 1)
            s->max_skew = 1;
        s->topology_key = xstrdup(jstr(o, "topologyKey"));
        s->hard = strcmp(jstr(o, "whenUnsatisfiable"), "ScheduleAnyway") != 0;
        s->min_domains = (int32_t)json_integer_value(json_object_get(o, "minDomains"));
        if (s->min_domains < 1)
            s->min_domains = 1;
        if (labelsel_from_json(json_object_get(o, "labelSelector"), &s->sel, err) < 0)
            return c8s_err_wrap(err, "topologySpreadConstraints");
    }
    return 0;
}

int sched_pod_from_json(const json_t *pod, sched_pod_t **out, c8s_err_t *err)
{
    sched_pod_t *p = xcalloc(1, sizeof(*p));
    p->refs = 1;
    if (parse_pod(pod, p, err) < 0) {
        sched_pod_unref(p);
        return c8s_err_wrap(err, "pod %s", jstr(json_object_get(pod, "metadata"), "name"));
    }
    *out = p;
    return 0;
}

sched_pod_t *sched_pod_ref(sched_pod_t *pod)
{
    pod->refs++;
    return pod;
}

void sched_pod_unref(sched_pod_t *p)
{
    if (!p || --p->refs > 0)
        return;
    free(p->name);
    free(p->ns);
    free(p->uid);
    free(p->owner_uid);
    free(p->node_name);
    if (p->labels)
        json_decref(p->labels);
    free(p->ports);
    free_nsterm(&p->selector);
    for (size_t i = 0; i < p->nrequired; i++)
        free_nsterm(&p->required[i]);
    free(p->required);
    for (size_t i = 0; i < p->npreferred; i++)
        free_nsterm(&p->preferred[i]);
    free(p->preferred);
    for (size_t i = 0; i < p->ntols; i++) {
        free(p->tols[i].key);
        free(p->tols[i].value);
    }
    free(p->tols);
    free_podterms(p->aff_req, p->naff_req);
    free_podterms(p->anti_req, p->nanti_req);
    free_podterms(p->aff_pref, p->naff_pref);
    free_podterms(p->anti_pref, p->nanti_pref);
    for (size_t i = 0; i < p->nspread; i++) {
        free(p->spread[i].topology_key);
        labelsel_free(p->spread[i].sel);
    }
    free(p->spread);
    for (size_t i = 0; i < p->nimages; i++)
        free(p->images[i]);
    free(p->images);
    for (size_t i = 0; i < p->nvols; i++) {
        for (size_t k = 0; k < p->vols[i].nterms; k++)
            free_nsterm(&p->vols[i].terms[k]);
        free(p->vols[i].terms);
    }
    free(p->vols);
    free(p);
}

int sched_pod_add_volume(sched_pod_t *p, const json_t *pv, c8s_err_t *err)
{
    const json_t *req =
        json_object_get(json_object_get(json_object_get(pv, "spec"), "nodeAffinity"), "required");
    if (!json_is_object(req))
        return 0;
    const json_t *terms = json_object_get(req, "nodeSelectorTerms");
    p->vols = xrealloc(p->vols, (p->nvols + 1) * sizeof(*p->vols));
    sched_volaff_t *v = &p->vols[p->nvols++];
    v->nterms = 0;
    v->terms =
        json_array_size(terms) ? xcalloc(json_array_size(terms), sizeof(sched_nsterm_t)) : NULL;
    size_t i;
    const json_t *o;
    json_array_foreach(terms, i, o)
    {
        if (parse_nsterm(o, &v->terms[v->nterms++], err) < 0)
            return c8s_err_wrap(err, "volume %s: nodeAffinity",
                                jstr(json_object_get(pv, "metadata"), "name"));
    }
    return 0;
}
