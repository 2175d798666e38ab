/*
 * server.c — the API server's thread: its libuv loop, the listening socket handed to h2o, the
 * store, periodic compaction, and an orderly stop.
 */
#include "internal.h"
#include "c8s/kubelet_client.h"

#include <string.h>

void apiserver_config_defaults(apiserver_config_t *cfg)
{
    if (!cfg->bind_address)
        cfg->bind_address = "0.0.0.0";
    if (!cfg->port)
        cfg->port = 6443;
    if (!cfg->etcd_prefix)
        cfg->etcd_prefix = "/registry";
    if (!cfg->max_requests_inflight)
        cfg->max_requests_inflight = 400;
    if (!cfg->max_mutating_requests_inflight)
        cfg->max_mutating_requests_inflight = 200;
    if (!cfg->service_cidr)
        cfg->service_cidr = "10.96.0.0/12";
    if (!cfg->node_port_min)
        cfg->node_port_min = 30000;
    if (!cfg->node_port_max)
        cfg->node_port_max = 32767;
    if (!cfg->watch_cache_window)
        cfg->watch_cache_window = 10000;
    if (!cfg->max_body_bytes)
        cfg->max_body_bytes = 3 * 1024 * 1024;
    if (!cfg->event_ttl_s)
        cfg->event_ttl_s = 3600;
    if (!cfg->watch_queue_max_bytes)
        cfg->watch_queue_max_bytes = 16u << 20;
}

static void on_store_request(const char *op, double seconds, int code, void *data)
{
    apiserver_t *s = data;
    apiserver__metrics_etcd(s->metrics, op, seconds);
}

static void on_compacted(const store_result_t *res, void *data)
{
    if (res->code != 0 && res->code != C8S_EGONE)
        log_warn("apiserver", "compaction: %s", res->err ? res->err->msg : "failed");
}

/* Upstream's compactor (storage/etcd3/compact.go): every server tries to advance the key
 * compact_rev_key with a compare-and-swap; only the one that wins compacts, to the revision it
 * saw one interval earlier, so several servers on one etcd compact once per interval and every
 * watcher has had a whole interval to catch up. Upstream compares the key's version; we compare
 * its mod_revision, which serves the same purpose. */
static void on_compact_cas(const store_result_t *res, void *data)
{
    apiserver_t *s = data;
    if (res->code != 0 || s->stopping)
        return;
    int64_t prev = s->compact_last_rev;
    s->compact_last_rev = res->revision;
    if (!res->succeeded) {
        s->compact_key_rev = res->n_kvs > 0 ? res->kvs[0].mod_revision : 0;
        return;
    }
    s->compact_key_rev = res->revision;
    if (prev > 0) {
        log_debug("apiserver", "compacting etcd to revision %lld", (long long)prev);
        store_compact(s->store, prev, on_compacted, s);
    }
}

static void on_compact_timer(uv_timer_t *t)
{
    apiserver_t *s = t->data;
    char val[24];
    snprintf(val, sizeof(val), "%lld", (long long)s->compact_last_rev);
    store_update(s->store, "compact_rev_key", val, strlen(val), s->compact_key_rev, 0,
                 on_compact_cas, s);
}

static void on_store_closed(void *data)
{
    apiserver_t *s = data;
    s->store_closed = true;
}

static void walk_close(uv_handle_t *h, void *arg)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

/* Waits for h2o's connections to finish their requests and close, then disposes h2o's context
 * (its timers keep the loop alive until then). A connection that lingers past the deadline is
 * cut. */
static void on_drain(uv_timer_t *t)
{
    apiserver_t *s = t->data;
    /* h2o lists a connection only once its TLS handshake is done; our own list has every
     * accepted socket until its handle is closed. */
    bool idle = h2o_linklist_is_empty(&s->h2o_ctx.http1._conns) &&
                h2o_linklist_is_empty(&s->h2o_ctx.http2._conns) && !s->conns;
    uint64_t now = uv_now(&s->loop);
    bool late = now > s->drain_deadline;
    if (!idle && !s->conns_shut && now + 2000 > s->drain_deadline) {
        /* A second to finish in-flight answers, then connections are ended from our side. */
        s->conns_shut = true;
        apiserver__conns_shutdown(s);
    }
    if (!((idle && s->store_closed) || late))
        return;
    uv_close((uv_handle_t *)t, NULL);
    if (late) {
        /* h2o 2.2 cannot close its connections from outside; cut every handle instead and
         * leave its context undisposed (disposing with live connections asserts). */
        log_warn("apiserver",
                 "connections still open at shutdown (%zu watch streams, %d+%d requests); "
                 "closing them",
                 apiserver__watch_count(s), s->inflight, s->inflight_mutating);
        s->h2o_disposed = true;
        uv_walk(&s->loop, walk_close, NULL);
        return;
    }
    h2o_context_dispose(&s->h2o_ctx);
    s->h2o_disposed = true;
}

static void close_cb(uv_handle_t *h)
{
    (void)h;
}

static void on_stop(uv_async_t *a)
{
    apiserver_t *s = a->data;
    s->stopping = true;
    uv_close((uv_handle_t *)&s->listener, close_cb);
    uv_close((uv_handle_t *)&s->compact_timer, close_cb);
    uv_close((uv_handle_t *)&s->boot_timer, close_cb);
    uv_close((uv_handle_t *)&s->stop_async, close_cb);
    apiserver__watches_stop_all(s);
    apiserver__proxies_stop_all(s);
    apiserver__inproc_close(s);
    apiserver__apf_close(s);
    apiserver__resources_close(s);
    apiserver__metrics_src_close(s);
    store_close(s->store, on_store_closed, s);
    s->drain_deadline = uv_now(&s->loop) + 3000;
    uv_timer_init(&s->loop, &s->drain_timer);
    s->drain_timer.data = s;
    uv_timer_start(&s->drain_timer, on_drain, 10, 20);
}

static void run(void *arg)
{
    apiserver_t *s = arg;
    uv_run(&s->loop, UV_RUN_DEFAULT);
}

static void free_server(apiserver_t *s)
{
    apiserver__audit_free(s);
    for (size_t i = 0; s->endpoints && s->endpoints[i]; i++)
        free(s->endpoints[i]);
    free(s->endpoints);
    free(s->etcd_prefix);
    free(s->advertise);
    store_crypt_free(s->crypt);

    apiserver__tokens_free(s);

    json_decref(s->adm_live);
    kubelet_client_free(s->kubelet_client);
    apiserver__metrics_src_free(s);

    for (size_t i = 0; i < C8S_ARRAY_SIZE(s->tls_files); i++)
        free(s->tls_files[i]);
    free(s);
}

/* Loads the encryption config and binds the etcd prefix of every kind it covers. The config
 * is read before anything is stored, so no value is ever written in the clear by mistake. */
static int crypt_init(apiserver_t *s, c8s_err_t *err)
{
    if (store_crypt_load(s->cfg.encryption_provider_config, &s->crypt, err) < 0)
        return err->code;
    size_t bound = 0;
    for (size_t i = 0; i < api_kinds_count(); i++) {
        const api_kind_t *k = api_kind_at(i);
        cleanup_free char *prefix = xasprintf(
            "%s/%s/", s->etcd_prefix, k->storage_resource ? k->storage_resource : k->resource);
        if (store_crypt_bind(s->crypt, k->group, k->resource, prefix)) {
            log_debug("apiserver", "encryption at rest: %s%s%s under %s", k->resource,
                      k->group[0] ? "." : "", k->group, prefix);
            bound++;
        }
    }
    log_info("apiserver", "encryption at rest: %s (%zu resources covered)",
             s->cfg.encryption_provider_config, bound);
    return 0;
}

int apiserver_start(const apiserver_config_t *cfg, apiserver_t **out, c8s_err_t *err)
{
    apiserver_t *s = xcalloc(1, sizeof(*s));
    s->cfg = *cfg;
    apiserver_config_defaults(&s->cfg);
    size_t n = 0;
    while (cfg->etcd_endpoints && cfg->etcd_endpoints[n])
        n++;
    if (n == 0) {
        free_server(s);
        return c8s_err_set(err, C8S_EBADREQUEST, "no etcd endpoints");
    }
    s->endpoints = xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        s->endpoints[i] = xstrdup(cfg->etcd_endpoints[i]);
    s->etcd_prefix = xstrdup(s->cfg.etcd_prefix);
    size_t plen = strlen(s->etcd_prefix);
    while (plen > 1 && s->etcd_prefix[plen - 1] == '/')
        s->etcd_prefix[--plen] = '\0';
    s->cfg.etcd_endpoints = (const char *const *)s->endpoints;
    s->cfg.etcd_prefix = s->etcd_prefix;
    s->advertise = cfg->advertise_address ? xstrdup(cfg->advertise_address) : NULL;
    s->cfg.advertise_address = s->advertise;
    const char **tls[] = {&s->cfg.tls_cert_file,
                          &s->cfg.tls_private_key_file,
                          &s->cfg.client_ca_file,
                          &s->cfg.service_account_key_file,
                          &s->cfg.kubelet_client_cert_file,
                          &s->cfg.kubelet_client_key_file,
                          &s->cfg.kubelet_ca_file};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(tls); i++) {
        s->tls_files[i] = *tls[i] ? xstrdup(*tls[i]) : NULL;
        *tls[i] = s->tls_files[i];
    }
    if (apiserver__tokens_init(s, err) != 0) {
        free_server(s);
        return err->code;
    }
    if (s->cfg.kubelet_client_cert_file &&
        kubelet_client_new(s->cfg.kubelet_client_cert_file, s->cfg.kubelet_client_key_file,
                           s->cfg.kubelet_ca_file ? s->cfg.kubelet_ca_file : s->cfg.client_ca_file,
                           &s->kubelet_client, err) != 0) {
        free_server(s);
        return err->code;
    }

    int rc = uv_loop_init(&s->loop);
    if (rc != 0) {
        free_server(s);
        return c8s_err_set(err, C8S_ESYS, "uv_loop_init: %s", uv_strerror(rc));
    }
    if (s->cfg.encryption_provider_config && crypt_init(s, err) != 0) {
        uv_loop_close(&s->loop);
        free_server(s);
        return err->code;
    }
    store_config_t sc = {.endpoints = s->cfg.etcd_endpoints};
    if (store_new(&s->loop, &sc, &s->store, err) != 0) {
        uv_loop_close(&s->loop);
        free_server(s);
        return err->code;
    }
    if (s->crypt)
        store_set_crypt(s->store, s->crypt);
    if (apiserver__alloc_init(s, err) != 0)
        goto fail_store;
    if (apiserver__audit_init(s, err) != 0)
        goto fail_store;

    struct sockaddr_storage addr;
    if (uv_ip4_addr(s->cfg.bind_address, s->cfg.port, (struct sockaddr_in *)&addr) != 0 &&
        uv_ip6_addr(s->cfg.bind_address, s->cfg.port, (struct sockaddr_in6 *)&addr) != 0) {
        c8s_err_set(err, C8S_EBADREQUEST, "invalid --bind-address %s", s->cfg.bind_address);
        goto fail_store;
    }
    uv_tcp_init(&s->loop, &s->listener);
    s->listener.data = s;
    rc = uv_tcp_bind(&s->listener, (struct sockaddr *)&addr, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&s->listener, 511, apiserver__on_accept);
    if (rc != 0) {
        c8s_err_set(err, C8S_ESYS, "listening on %s:%d: %s", s->cfg.bind_address, s->cfg.port,
                    uv_strerror(rc));
        uv_close((uv_handle_t *)&s->listener, NULL);
        goto fail_store;
    }
    s->metrics = apiserver__metrics_new();
    if (apiserver__apf_init(s, err) != 0) {
        uv_close((uv_handle_t *)&s->listener, NULL);
        apiserver__metrics_free(s->metrics);
        goto fail_store;
    }
    store_set_observer(s->store, on_store_request, s);
    apiserver__h2o_init(s);
    if (apiserver__tls_init(s, err) != 0) {
        uv_close((uv_handle_t *)&s->listener, NULL);
        apiserver__h2o_dispose(s);
        apiserver__metrics_free(s->metrics);
        apiserver__apf_close(s); /* freed once the loop has closed its timers */
        goto fail_store;
    }
    apiserver__inproc_init(s);
    uv_async_init(&s->loop, &s->stop_async, on_stop);
    s->stop_async.data = s;
    uv_timer_init(&s->loop, &s->compact_timer);
    s->compact_timer.data = s;
    if (s->cfg.compaction_interval_s > 0) {
        uint64_t ms = (uint64_t)s->cfg.compaction_interval_s * 1000;
        uv_timer_start(&s->compact_timer, on_compact_timer, ms, ms);
    }
    uv_unref((uv_handle_t *)&s->compact_timer);
    apiserver__resources_init(s);
    apiserver__metrics_src_init(s);
    uv_timer_init(&s->loop, &s->boot_timer);
    s->boot_timer.data = s;
    uv_timer_start(&s->boot_timer, apiserver__bootstrap_timer, 0, 0);
    rc = uv_thread_create(&s->thread, run, s);
    if (rc != 0) {
        /* Nothing ran yet: the loop has never turned. */
        c8s_err_set(err, C8S_ESYS, "starting the API server thread: %s", uv_strerror(rc));
        on_stop(&s->stop_async);
        uv_run(&s->loop, UV_RUN_DEFAULT);
        apiserver__h2o_dispose(s);
        apiserver__tls_free(s);
        apiserver__metrics_free(s->metrics);
        apiserver__apf_free(s);
        uv_loop_close(&s->loop);
        free_server(s);
        return err->code;
    }
    log_info("apiserver", "serving on https://%s:%d (etcd %s, prefix %s)", s->cfg.bind_address,
             s->cfg.port, s->endpoints[0], s->etcd_prefix);
    *out = s;
    return 0;

fail_store:
    store_close(s->store, NULL, NULL);
    uv_run(&s->loop, UV_RUN_DEFAULT);
    apiserver__apf_free(s);
    uv_loop_close(&s->loop);
    free(s->tmp);
    free_server(s);
    return err->code;
}

void apiserver_stop(apiserver_t *s)
{
    if (!s)
        return;
    uv_async_send(&s->stop_async);
    uv_thread_join(&s->thread);
    if (!s->h2o_disposed)
        h2o_context_dispose(&s->h2o_ctx);
    h2o_config_dispose(&s->h2o_config);
    apiserver__tls_free(s);
    apiserver__metrics_free(s->metrics);
    apiserver__apf_free(s);
    int rc = uv_loop_close(&s->loop);
    if (rc != 0)
        log_warn("apiserver", "loop closed with handles open: %s", uv_strerror(rc));
    apiserver__resources_free(s);
    uv_mutex_destroy(&s->inproc_lock);
    free(s->resources);
    free(s->tmp);
    free_server(s);
}
