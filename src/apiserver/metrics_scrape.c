/*
 * metrics_scrape.c — the API server's resource metrics source, as upstream's metrics-server: every
 * resolution period it asks each Ready node's kubelet for /stats/summary (over the kubelet
 * client: TLS with the API server's kubelet-client certificate) and records the answer in the
 * store metrics_api.c reads. Rates come from two consecutive samples, so an object shows one
 * period after it is first seen. Runs on the API server's loop; nothing here blocks.
 */
#include "internal.h"

#include "c8s/kubelet_client.h"
#include "c8s/metrics_api.h"
#include "c8s/strbuf.h"

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

/* One request to one kubelet. */
typedef struct scrape_s {
    struct apiserver_msrc_s *m;
    char *node;
    kubelet_req_t *q;
    int status;
    strbuf_t body;
    bool too_big;
    struct scrape_s *next;
} scrape_t;

static void scrape_free(scrape_t *sc)
{
    struct apiserver_msrc_s *m = sc->m;
    for (scrape_t **pp = &m->inflight; *pp; pp = &(*pp)->next)
        if (*pp == sc) {
            *pp = sc->next;
            break;
        }
    free(sc->node);
    strbuf_free(&sc->body);
    free(sc);
}

static void on_head(kubelet_req_t *q, int status, const char *headers, size_t len, void *data)
{
    ((scrape_t *)data)->status = status;
}

static void on_body(kubelet_req_t *q, const char *buf, size_t len, void *data)
{
    scrape_t *sc = data;
    if (sc->too_big || sc->body.len + len > MAX_SUMMARY) {
        sc->too_big = true;
        return;
    }
    strbuf_addn(&sc->body, buf, len);
}

static void on_end(kubelet_req_t *q, int code, const char *msg, void *data)
{
    scrape_t *sc = data;
    c8s_err_t err = C8S_ERR_INIT;
    if (code != 0 || sc->status != 200 || sc->too_big) {
        log_debug("apiserver", "metrics: scraping node %s: %s", sc->node,
                  code != 0     ? (msg ? msg : "failed")
                  : sc->too_big ? "summary too large"
                                : "unexpected status");
        metrics_api_store_forget(sc->m->store, sc->node);
    } else {
        json_t *summary = json_loadb(sc->body.s ? sc->body.s : "", sc->body.len, 0, NULL);
        if (!summary || metrics_api_store_put(sc->m->store, sc->node, summary, &err) != 0)
            log_debug("apiserver", "metrics: node %s: %s", sc->node,
                      err.code ? err.msg : "summary is not JSON");
        json_decref(summary);
        c8s_err_clear(&err);
    }
    scrape_free(sc);
}

/* The address the API server reaches a kubelet at: InternalIP, else ExternalIP (as the pod
 * proxy picks it). Borrowed from node. */
static void scrape_node(struct apiserver_msrc_s *m, const char *name, const json_t *node)
{
    apiserver_t *s = m->srv;
    if (!s->kubelet_client || m->closing)
        return;
    for (scrape_t *sc = m->inflight; sc; sc = sc->next)
        if (strcmp(sc->node, name) == 0)
            return; /* the last round's request is still out */
    const char *addr = apiserver__node_address(node);
    json_int_t port = json_integer_value(json_object_get(
        json_object_get(json_object_get(json_object_get(node, "status"), "daemonEndpoints"),
                        "kubeletEndpoint"),
        "Port"));
    if (!addr || port <= 0 || port > 65535)
        return;
    scrape_t *sc = xcalloc(1, sizeof(*sc));
    sc->m = m;
    sc->node = xstrdup(name);
    sc->body = (strbuf_t)STRBUF_INIT;
    kubelet_req_opts_t o = {.address = addr,
                            .port = (int)port,
                            .server_name = name,
                            .method = "GET",
                            .path = "/stats/summary?only_cpu_and_memory=true",
                            .timeout_ms = 10000};
    kubelet_req_cbs_t cbs = {.on_head = on_head, .on_body = on_body, .on_end = on_end};
    c8s_err_t err = C8S_ERR_INIT;
    sc->next = m->inflight;
    m->inflight = sc;
    if (kubelet_req_start(s->kubelet_client, &s->loop, &o, &cbs, sc, &sc->q, &err) != 0) {
        log_debug("apiserver", "metrics: node %s: %s", name, err.msg);
        c8s_err_clear(&err);
        scrape_free(sc);
    }
}

static void cancel_all(struct apiserver_msrc_s *m)
{
    while (m->inflight) {
        scrape_t *sc = m->inflight;
        kubelet_req_cancel(sc->q);
        scrape_free(sc);
    }
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
