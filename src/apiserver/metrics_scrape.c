/*
 * metrics_scrape.c — the API server's resource metrics source, as upstream's metrics-server: every
 * resolution period it asks each Ready node's kubelet for /stats/summary (over the kubelet
 * client: TLS with the API server's kubelet-client certificate) and records the answer in the
 * store metrics_api.c reads. Rates come from two consecutive samples, so an object shows one
 * period after it is first seen. Runs on the API server's loop; nothing here blocks.
 */
#include "internal.h"

#include "c8s/metrics_api.h"

#include <string.h>

/* A summary larger than this is refused (a node runs at most a few hundred pods). */
#define MAX_SUMMARY (16u << 20)

struct apiserver_msrc_s {
    apiserver_t *srv;
    metrics_api_store_t *store;
    uv_timer_t timer;
    uint64_t period_ms;
    bool closing;
    struct scrape_s *inflight; /* requests out, to cancel at stop */
};

const metrics_api_store_t *apiserver__metrics_store(apiserver_t *s)
{
    return s->msrc ? s->msrc->store : NULL;
}

/* Whether a Node (cached JSON) is Ready. */
static bool node_ready(const json_t *node)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(node, "status"), "conditions"), i, c)
    {
        const char *t = json_string_value(json_object_get(c, "type"));
        const char *st = json_string_value(json_object_get(c, "status"));
        if (t && strcmp(t, "Ready") == 0)
            return st && strcmp(st, "True") == 0;
    }
    return false;
}

/* The kubelet client is not there yet: the seam where its requests go. */
static void scrape_node(struct apiserver_msrc_s *m, const char *name, const json_t *node)
{
    (void)m;
    (void)name;
    (void)node;
}

static void cancel_all(struct apiserver_msrc_s *m)
{
    (void)m;
}

typedef struct {
    struct apiserver_msrc_s *m;
    json_t *ready; /* names of the Ready nodes seen */
} sweep_t;

static bool visit_node(wc_obj_t *o, void *data)
{
    sweep_t *sw = data;
    json_t *node = json_loadb(o->json, o->json_len, 0, NULL);
    if (node && node_ready(node)) {
        json_object_set_new(sw->ready, o->name, json_true());
        scrape_node(sw->m, o->name, node);
    }
    json_decref(node);
    return true;
}

static void on_timer(uv_timer_t *t)
{
    struct apiserver_msrc_s *m = t->data;
    const api_kind_t *k = api_kind_lookup("", "v1", "nodes");
    resource_t *res = k ? apiserver__resource_for(m->srv, k) : NULL;
    if (!res || !res->ready)
        return;
    sweep_t sw = {m, json_object()};
    wcache_scan(res->cache, res->prefix, NULL, visit_node, &sw);
    /* A node that left (or is no longer Ready) keeps no figures: metrics-server shows only
     * what it scraped in its last round. */
    metrics_api_store_retain(m->store, sw.ready);
    json_decref(sw.ready);
}

void apiserver__metrics_src_init(apiserver_t *s)
{
    struct apiserver_msrc_s *m = xcalloc(1, sizeof(*m));
    m->srv = s;
    m->store = metrics_api_store_new();
    m->period_ms = s->cfg.metrics_resolution_ms > 0 ? (uint64_t)s->cfg.metrics_resolution_ms
                                                    : APISERVER_METRICS_RESOLUTION_MS;
    uv_timer_init(&s->loop, &m->timer);
    m->timer.data = m;
    /* The first round soon after start, so figures show one period later. */
    uv_timer_start(&m->timer, on_timer, 1000, m->period_ms);
    uv_unref((uv_handle_t *)&m->timer);
    s->msrc = m;
}

void apiserver__metrics_src_close(apiserver_t *s)
{
    struct apiserver_msrc_s *m = s->msrc;
    if (!m || m->closing)
        return;
    m->closing = true;
    uv_close((uv_handle_t *)&m->timer, NULL);
    cancel_all(m);
}

void apiserver__metrics_src_free(apiserver_t *s)
{
    struct apiserver_msrc_s *m = s->msrc;
    if (!m)
        return;
    metrics_api_store_free(m->store);
    free(m);
    s->msrc = NULL;
}
