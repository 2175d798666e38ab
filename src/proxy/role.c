/*
 * role.c — the proxy role: a thread with its own loop that keeps the node's iptables equal to
 * what the Services and EndpointSlices say. Changes are coalesced: at most one sync per
 * min_sync_ms, one payload per sync, applied by one iptables-restore --noflush; a full rewrite
 * first (after adopting the chains a previous run left), after any failure, and every
 * full_sync_ms. Nothing is written before both informers have their first list, so a restart
 * never empties the tables in between.
 */
#include "c8s/client.h"
#include "c8s/informer.h"
#include "proxy_int.h"

#include <stdatomic.h>
#include <string.h>

#define MIN_SYNC_MS_DEFAULT  1000
#define FULL_SYNC_MS_DEFAULT 3600000

struct proxy_s {
    apiserver_t *srv;
    uv_loop_t loop;
    uv_thread_t thread;
    uv_async_t stop_async;
    uv_timer_t timer, full_timer;
    client_t *client;
    informer_t *services, *slices;
    proxy_config_t cfg;
    char *node_name, *cluster_cidr;
    char save_cmd[64], restore_cmd[64];
    proxy_rules_t *rules;
    char *jumps; /* jumps still to insert after the first sync's payload */
    bool adopted, busy, dirty, need_full, stopping;
    uint64_t last_sync_ns;
    int pending_stops;
    atomic_ulong syncs;
};

static void start_sync(proxy_t *p);

static void on_timer(uv_timer_t *t)
{
    proxy_t *p = t->data;
    if (!p->stopping && p->dirty && !p->busy)
        start_sync(p);
}

/* Something changed: sync now, or as soon as the minimum interval allows. */
static void request(proxy_t *p)
{
    p->dirty = true;
    if (p->stopping || p->busy || !informer_synced(p->services) || !informer_synced(p->slices))
        return;
    uint64_t now = c8s_now_ns(), next = p->last_sync_ns + (uint64_t)p->cfg.min_sync_ms * 1000000;
    if (p->last_sync_ns && now < next)
        uv_timer_start(&p->timer, on_timer, (next - now) / 1000000 + 1, 0);
    else
        start_sync(p);
}

static void on_full_timer(uv_timer_t *t)
{
    proxy_t *p = t->data;
    p->need_full = true;
    request(p);
}

static void finish_stop(proxy_t *p);

/* A command has ended: go on with the next step of the sync, or of the stop. */
static bool stopping_after_exec(proxy_t *p)
{
    p->busy = false;
    if (!p->stopping)
        return false;
    finish_stop(p);
    return true;
}

static void sync_done(proxy_t *p, bool ok)
{
    p->busy = false;
    p->last_sync_ns = c8s_now_ns();
    if (ok) {
        atomic_fetch_add(&p->syncs, 1);
    } else {
        p->need_full = true;
        p->dirty = true;
    }
    if (p->dirty)
        request(p);
}

static void on_jumps(int status, const char *out, const char *errt, void *data)
{
    proxy_t *p = data;
    if (stopping_after_exec(p))
        return;
    if (status != 0) {
        log_warn("proxy", "inserting the jump rules failed (%d): %s", status, errt);
        sync_done(p, false);
        return;
    }
    free(p->jumps);
    p->jumps = NULL;
    sync_done(p, true);
}

static void on_restored(int status, const char *out, const char *errt, void *data)
{
    proxy_t *p = data;
    if (stopping_after_exec(p))
        return;
    if (status != 0) {
        log_warn("proxy", "iptables-restore failed (%d): %s", status, errt);
        sync_done(p, false);
        return;
    }
    if (p->jumps && *p->jumps) {
        p->busy = true;
        char *argv[] = {p->restore_cmd, "-w", "5", "--noflush", NULL};
        proxy_exec(&p->loop, argv, p->jumps, strlen(p->jumps), on_jumps, p);
        return;
    }
    sync_done(p, true);
}

static bool add_obj(json_t *obj, void *data)
{
    json_array_append(data, obj);
    return true;
}

static void apply(proxy_t *p)
{
    cleanup_json json_t *svcs = json_array();
    cleanup_json json_t *slices = json_array();
    informer_foreach(p->services, add_obj, svcs);
    informer_foreach(p->slices, add_obj, slices);
    proxy_opts_t o = {.node_name = p->node_name, .cluster_cidr = p->cluster_cidr};
    strbuf_t payload = STRBUF_INIT;
    c8s_err_t err = C8S_ERR_INIT;
    bool full = p->need_full;
    p->need_full = false;
    if (proxy_rules_build(p->rules, svcs, slices, &o, full, &payload, &err) != 0) {
        log_warn("proxy", "building the rules: %s", err.msg);
        strbuf_free(&payload);
        sync_done(p, false);
        return;
    }
    log_debug("proxy", "sync: %zu services, %zu slices, %zu bytes%s", json_array_size(svcs),
              json_array_size(slices), payload.len, full ? " (full)" : "");
    char *argv[] = {p->restore_cmd, "-w", "5", "--noflush", NULL};
    proxy_exec(&p->loop, argv, payload.s, payload.len, on_restored, p);
    strbuf_free(&payload);
}

static void on_saved(int status, const char *out, const char *errt, void *data)
{
    proxy_t *p = data;
    if (stopping_after_exec(p))
        return;
    if (status != 0) {
        log_warn("proxy", "%s failed (%d): %s", p->save_cmd, status, errt);
        sync_done(p, false);
        return;
    }
    proxy_rules_adopt(p->rules, out);
    strbuf_t j = STRBUF_INIT;
    proxy_rules_jumps(out, &j);
    free(p->jumps);
    p->jumps = strbuf_take(&j);
    p->adopted = true;
    p->busy = true;
    apply(p);
}

static void start_sync(proxy_t *p)
{
    uv_timer_stop(&p->timer);
    p->busy = true;
    p->dirty = false;
    if (!p->adopted) {
        /* First look at what is there: chains of a previous run, jumps already in place. */
        p->need_full = true;
        char *argv[] = {p->save_cmd, NULL};
        proxy_exec(&p->loop, argv, NULL, 0, on_saved, p);
        return;
    }
    apply(p);
}

static void on_change(informer_t *inf, json_t *obj, void *data)
{
    request(data);
}

static void on_update(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    request(data);
}

static void on_synced(informer_t *inf, void *data)
{
    request(data);
}

static void on_client_closed(void *data)
{
    proxy_t *p = data;
    uv_close((uv_handle_t *)&p->stop_async, NULL);
    uv_close((uv_handle_t *)&p->timer, NULL);
    uv_close((uv_handle_t *)&p->full_timer, NULL);
}

static void finish_stop(proxy_t *p)
{
    if (--p->pending_stops == 0)
        client_close(p->client, on_client_closed, p);
}

static void on_part_stopped(void *data)
{
    finish_stop(data);
}

static void on_stop(uv_async_t *a)
{
    proxy_t *p = a->data;
    p->stopping = true;
    uv_timer_stop(&p->timer);
    uv_timer_stop(&p->full_timer);
    /* The informers, and the command in flight if any (its callback counts itself). */
    p->pending_stops = 2 + (p->busy ? 1 : 0);
    informer_stop(p->services, on_part_stopped, p);
    informer_stop(p->slices, on_part_stopped, p);
}

static void run(void *arg)
{
    proxy_t *p = arg;
    informer_handlers_t h = {on_change, on_update, on_change, on_synced};
    p->services = informer_start(p->client, "/api/v1/services", NULL, &h, p);
    p->slices = informer_start(p->client, "/apis/discovery.k8s.io/v1/endpointslices", NULL, &h, p);
    uv_timer_start(&p->full_timer, on_full_timer, p->cfg.full_sync_ms, p->cfg.full_sync_ms);
    uv_run(&p->loop, UV_RUN_DEFAULT);
}

static void free_proxy(proxy_t *p)
{
    proxy_rules_free(p->rules);
    free(p->jumps);
    free(p->node_name);
    free(p->cluster_cidr);
    free(p);
}

int proxy_start(apiserver_t *srv, const proxy_config_t *cfg, proxy_t **out, c8s_err_t *err)
{
    proxy_t *p = xcalloc(1, sizeof(*p));
    p->srv = srv;
    p->cfg = *cfg;
    if (!p->cfg.min_sync_ms)
        p->cfg.min_sync_ms = MIN_SYNC_MS_DEFAULT;
    if (!p->cfg.full_sync_ms)
        p->cfg.full_sync_ms = FULL_SYNC_MS_DEFAULT;
    p->node_name = xstrdup(cfg->node_name ? cfg->node_name : "");
    p->cluster_cidr = xstrdup(cfg->cluster_cidr ? cfg->cluster_cidr : "10.244.0.0/16");
    const char *ipt = cfg->iptables && *cfg->iptables ? cfg->iptables : "iptables";
    snprintf(p->save_cmd, sizeof(p->save_cmd), "%s-save", ipt);
    snprintf(p->restore_cmd, sizeof(p->restore_cmd), "%s-restore", ipt);
    p->cfg.node_name = p->cfg.cluster_cidr = p->cfg.iptables = NULL; /* not kept: copied above */
    p->rules = proxy_rules_new();
    atomic_init(&p->syncs, 0);
    int rc = uv_loop_init(&p->loop);
    if (rc != 0) {
        free_proxy(p);
        return c8s_err_set(err, C8S_ESYS, "uv_loop_init: %s", uv_strerror(rc));
    }
    uv_async_init(&p->loop, &p->stop_async, on_stop);
    p->stop_async.data = p;
    uv_timer_init(&p->loop, &p->timer);
    uv_timer_init(&p->loop, &p->full_timer);
    p->timer.data = p->full_timer.data = p;
    p->client = client_new_inproc(srv, &p->loop);
    rc = uv_thread_create(&p->thread, run, p);
    if (rc != 0) {
        client_close(p->client, on_client_closed, p);
        uv_run(&p->loop, UV_RUN_DEFAULT);
        uv_loop_close(&p->loop);
        free_proxy(p);
        return c8s_err_set(err, C8S_ESYS, "starting the proxy thread: %s", uv_strerror(rc));
    }
    log_info("proxy", "programming %s rules (cluster CIDR %s, node %s)", ipt, p->cluster_cidr,
             p->node_name);
    *out = p;
    return 0;
}

void proxy_stop(proxy_t *p)
{
    if (!p)
        return;
    uv_async_send(&p->stop_async);
    uv_thread_join(&p->thread);
    if (uv_loop_close(&p->loop) != 0)
        log_warn("proxy", "loop closed with handles open");
    free_proxy(p);
}

unsigned long proxy_syncs(const proxy_t *p)
{
    return atomic_load(&((proxy_t *)p)->syncs);
}

/* ---- `c8s proxy --cleanup` ---- */

typedef struct {
    int status;
    char *out, *err;
} result_t;

static void on_result(int status, const char *out, const char *errt, void *data)
{
    result_t *r = data;
    r->status = status;
    r->out = xstrdup(out);
    r->err = xstrdup(errt);
}

static int run_blocking(char *const argv[], const char *payload, result_t *r)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    proxy_exec(&loop, argv, payload, payload ? strlen(payload) : 0, on_result, r);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return r->status;
}

int proxy_cleanup(const char *iptables, c8s_err_t *err)
{
    const char *ipt = iptables && *iptables ? iptables : "iptables";
    char save[64], restore[64];
    snprintf(save, sizeof(save), "%s-save", ipt);
    snprintf(restore, sizeof(restore), "%s-restore", ipt);
    result_t r = {0};
    char *sargv[] = {save, NULL};
    if (run_blocking(sargv, NULL, &r) != 0) {
        int rc = c8s_err_set(err, C8S_ESYS, "%s failed (%d): %s", save, r.status, r.err);
        free(r.out);
        free(r.err);
        return rc;
    }
    strbuf_t payload = STRBUF_INIT;
    proxy_rules_cleanup(r.out, &payload);
    free(r.out);
    free(r.err);
    if (payload.len == 0)
        return 0;
    result_t w = {0};
    char *rargv[] = {restore, "-w", "5", "--noflush", NULL};
    int rc = 0;
    if (run_blocking(rargv, payload.s, &w) != 0)
        rc = c8s_err_set(err, C8S_ESYS, "%s failed (%d): %s", restore, w.status, w.err);
    strbuf_free(&payload);
    free(w.out);
    free(w.err);
    return rc;
}
