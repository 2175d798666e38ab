/*
 * metrics.c — Prometheus text metrics: requests by verb, resource and code; request latency
 * histograms by verb; open watchers by resource; etcd request latency by operation.
 */
#include "internal.h"
#include "c8s/tokcache.h"

#include <stdio.h>
#include <string.h>

static const double buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5,
                                 2,     3,    4,     5,    6,   8,   10,  15,  20,  30,  45,   60};
#define NB C8S_ARRAY_SIZE(buckets)

typedef struct {
    char *name;
    uint64_t counts[NB + 1];
    double sum;
    uint64_t n;
} hist_t;

typedef struct {
    char *verb, *resource;
    int code;
    uint64_t n;
} counter_t;

struct metrics_s {
    counter_t *counters;
    size_t n_counters, cap_counters;
    hist_t *req_hist;
    size_t n_req_hist;
    hist_t *etcd_hist;
    size_t n_etcd_hist;
};

metrics_t *apiserver__metrics_new(void)
{
    return xcalloc(1, sizeof(metrics_t));
}

static void free_hists(hist_t *h, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(h[i].name);
    free(h);
}

void apiserver__metrics_free(metrics_t *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_counters; i++) {
        free(m->counters[i].verb);
        free(m->counters[i].resource);
    }
    free(m->counters);
    free_hists(m->req_hist, m->n_req_hist);
    free_hists(m->etcd_hist, m->n_etcd_hist);
    free(m);
}

static void observe(hist_t **hs, size_t *n, const char *name, double secs)
{
    hist_t *h = NULL;
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*hs)[i].name, name) == 0)
            h = &(*hs)[i];
    if (!h) {
        *hs = xrealloc(*hs, (*n + 1) * sizeof(**hs));
        h = &(*hs)[(*n)++];
        memset(h, 0, sizeof(*h));
        h->name = xstrdup(name);
    }
    size_t b = 0;
    while (b < NB && secs > buckets[b])
        b++;
    h->counts[b]++;
    h->sum += secs;
    h->n++;
}

void apiserver__metrics_request(metrics_t *m, const char *verb, const char *resource, int code,
                                double seconds)
{
    counter_t *c = NULL;
    for (size_t i = 0; i < m->n_counters; i++) {
        counter_t *x = &m->counters[i];
        if (x->code == code && strcmp(x->verb, verb) == 0 && strcmp(x->resource, resource) == 0) {
            c = x;
            break;
        }
    }
    if (!c) {
        if (m->n_counters == m->cap_counters) {
            m->cap_counters = m->cap_counters ? m->cap_counters * 2 : 64;
            m->counters = xrealloc(m->counters, m->cap_counters * sizeof(*m->counters));
        }
        c = &m->counters[m->n_counters++];
        *c = (counter_t){.verb = xstrdup(verb), .resource = xstrdup(resource), .code = code};
    }
    c->n++;
    observe(&m->req_hist, &m->n_req_hist, verb, seconds);
}

void apiserver__metrics_etcd(metrics_t *m, const char *op, double seconds)
{
    observe(&m->etcd_hist, &m->n_etcd_hist, op, seconds);
}

typedef struct {
    char *buf;
    size_t len, cap;
} out_t;

static void outf(out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void outf(out_t *o, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < o->cap - o->len) {
            o->len += (size_t)n;
            return;
        }
        o->cap = o->cap * 2 + (size_t)(n > 0 ? n : 256);
        o->buf = xrealloc(o->buf, o->cap);
    }
}

static void write_hists(out_t *o, const char *metric, const char *label, hist_t *hs, size_t n)
{
    outf(o, "# TYPE %s histogram\n", metric);
    for (size_t i = 0; i < n; i++) {
        uint64_t cum = 0;
        for (size_t b = 0; b < NB; b++) {
            cum += hs[i].counts[b];
            outf(o, "%s_bucket{%s=\"%s\",le=\"%g\"} %llu\n", metric, label, hs[i].name, buckets[b],
                 (unsigned long long)cum);
        }
        outf(o, "%s_bucket{%s=\"%s\",le=\"+Inf\"} %llu\n", metric, label, hs[i].name,
             (unsigned long long)hs[i].n);
        outf(o, "%s_sum{%s=\"%s\"} %g\n", metric, label, hs[i].name, hs[i].sum);
        outf(o, "%s_count{%s=\"%s\"} %llu\n", metric, label, hs[i].name,
             (unsigned long long)hs[i].n);
    }
}

char *apiserver__metrics_text(apiserver_t *s, size_t *len)
{
    metrics_t *m = s->metrics;
    out_t o = {.buf = xmalloc(4096), .cap = 4096};
    outf(&o, "# HELP apiserver_request_total Counter of apiserver requests broken out by verb, "
             "resource and HTTP response code.\n# TYPE apiserver_request_total counter\n");
    for (size_t i = 0; i < m->n_counters; i++)
        outf(&o, "apiserver_request_total{verb=\"%s\",resource=\"%s\",code=\"%d\"} %llu\n",
             m->counters[i].verb, m->counters[i].resource, m->counters[i].code,
             (unsigned long long)m->counters[i].n);
    outf(&o, "# HELP apiserver_request_duration_seconds Response latency by verb.\n");
    write_hists(&o, "apiserver_request_duration_seconds", "verb", m->req_hist, m->n_req_hist);
    outf(&o, "# HELP etcd_request_duration_seconds etcd request latency by operation.\n");
    write_hists(&o, "etcd_request_duration_seconds", "operation", m->etcd_hist, m->n_etcd_hist);
    outf(&o, "# HELP apiserver_registered_watchers Number of currently open watches by "
             "resource.\n# TYPE apiserver_registered_watchers gauge\n");
    for (size_t i = 0; i < s->n_resources; i++)
        outf(&o, "apiserver_registered_watchers{resource=\"%s\"} %zu\n",
             s->resources[i].kind->resource, wcache_watchers(s->resources[i].cache));
    outf(&o,
         "# TYPE apiserver_current_inflight_requests gauge\n"
         "apiserver_current_inflight_requests{request_kind=\"readOnly\"} %d\n"
         "apiserver_current_inflight_requests{request_kind=\"mutating\"} %d\n",
         s->inflight, s->inflight_mutating);
    outf(&o, "# TYPE apiserver_storage_objects gauge\n");
    for (size_t i = 0; i < s->n_resources; i++)
        outf(&o, "apiserver_storage_objects{resource=\"%s\"} %zu\n", s->resources[i].kind->resource,
             wcache_size(s->resources[i].cache));
    strbuf_t apf = STRBUF_INIT;
    apiserver__apf_metrics(s, &apf);
    if (apf.len)
        outf(&o, "%s", apf.s);
    strbuf_free(&apf);
    if (s->token_cache) {
        /* upstream's token cache counter (k8s.io/apiserver token/cache stats.go). */
        tokcache_stats_t ts = tokcache_stats(s->token_cache);
        outf(&o,
             "# HELP authentication_token_cache_request_total Bearer token authentications "
             "answered from the cache (hit) or by the authenticators (miss).\n"
             "# TYPE authentication_token_cache_request_total counter\n"
             "authentication_token_cache_request_total{status=\"hit\"} %llu\n"
             "authentication_token_cache_request_total{status=\"miss\"} %llu\n",
             (unsigned long long)ts.hits, (unsigned long long)ts.misses);
    }
    *len = o.len;
    return o.buf;
}
