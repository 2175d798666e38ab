/*
 * kubelet.c — the kubelet role: a thread with its own loop and in-process client. It registers
 * the Node (created when missing, adopted otherwise, spec.podCIDR filled when unset), then every
 * status_interval_ms renews its Lease in kube-node-lease (the heartbeat) and computes the Node's
 * status, patching it only when it changed or status_report_ms passed since the last patch (as
 * upstream's nodeStatusUpdateFrequency and nodeStatusReportFrequency). One heartbeat at a time:
 * the next tick waits for both of the previous one, so a slow API server never sees a pile-up.
 */
#include "kubelet_int.h"

#include "c8s/ocispec.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define STATUS_INTERVAL_MS_DEFAULT 10000
#define STATUS_REPORT_MS_DEFAULT   300000 /* upstream's nodeStatusReportFrequency */
#define LEASE_DURATION_S           40

static void heartbeat(kubelet_t *k);

static void micro_now(char *buf, size_t len)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char base[32];
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%.19s.%06dZ", base, (int)(ts.tv_nsec / 1000) % 1000000);
}

static void register_node(kubelet_t *k);

/* The next heartbeat, or another try at registering. */
static void on_timer(uv_timer_t *t)
{
    kubelet_t *k = t->data;
    if (k->registered)
        heartbeat(k);
    else
        register_node(k);
}

static void heartbeat_done(kubelet_t *k, bool ok)
{
    if (ok)
        atomic_fetch_add(&k->heartbeats, 1);
    /* Waiting for the node IPAM to give the node its pod CIDR: look again every second. */
    if (--k->inflight == 0 && !k->stopping)
        uv_timer_start(&k->timer, on_timer,
                       k->pod_cidr || k->interval_ms < 1000 ? k->interval_ms : 1000, 0);
}

static void start_pods(kubelet_t *k);

/* The pod CIDR the node IPAM controller wrote on the Node: the pods start once it is there. */
static void adopt_cidr(kubelet_t *k, const json_t *node)
{
    const char *cidr = json_string_value(json_object_get(json_object_get(node, "spec"), "podCIDR"));
    if (!cidr || !*cidr)
        return;
    k->pod_cidr = xstrdup(cidr);
    log_info("kubelet", "node %s: pod CIDR %s", k->node_name, cidr);
    start_pods(k);
}

static void on_status(const client_resp_t *r, void *data)
{
    kubelet_t *k = data;
    bool ok = r->status == 200;
    if (ok) {
        json_t *node = json_loadb(r->body, r->len, 0, NULL);
        k->status_sent_ms = uv_now(&k->loop);
        if (!k->pod_cidr)
            adopt_cidr(k, node);
        json_decref(node);
    } else {
        log_warn("kubelet", "updating node %s status: %d %.*s", k->node_name, r->status,
                 (int)r->len, r->body);
    }
    heartbeat_done(k, ok);
}

/* The Node as the API server has it: the status is sent when it says something new, or when
 * status_report_ms passed since the last send (upstream's tryUpdateNodeStatus). */
static void on_node_read(const client_resp_t *r, void *data)
{
    kubelet_t *k = data;
    if (k->stopping) {
        heartbeat_done(k, false);
        return;
    }
    if (r->status != 200) {
        log_warn("kubelet", "reading node %s: %d %.*s", k->node_name, r->status, (int)r->len,
                 r->body);
        heartbeat_done(k, false);
        return;
    }
    cleanup_json json_t *node = json_loadb(r->body, r->len, 0, NULL);
    if (!k->pod_cidr)
        adopt_cidr(k, node);
    /* The server's copy is the base, as upstream's: what another writer (the node lifecycle
     * controller's Unknown) put there is a change to undo at once. */
    const json_t *current = json_object_get(node, "status");
    char now[32];
    c8s_rfc3339_now(now, sizeof(now));
    json_t *status = kubelet_node_status(&k->facts, current, now);
    keviction_node_status(k, status, current, now);
    cleanup_json json_t *evs = kubelet_node_condition_events(current, status);
    size_t i;
    json_t *ev;
    json_array_foreach(evs, i, ev)
    {
        cleanup_free char *msg =
            xasprintf("Node %s status is now: %s", k->node_name, json_string_value(ev));
        kubelet_node_event(k, json_string_value(ev), msg);
    }
    uint64_t t = uv_now(&k->loop);
    if (k->status_sent_ms && t - k->status_sent_ms < k->report_ms &&
        !kubelet_node_status_changed(current, status)) {
        json_decref(status);
        heartbeat_done(k, true);
        return;
    }
    cleanup_json json_t *patch = json_pack("{s:o}", "status", status);
    cleanup_free char *body = json_dumps(patch, JSON_COMPACT);
    cleanup_free char *path = xasprintf("/api/v1/nodes/%s/status", k->node_name);
    client_request(k->client, "PATCH", path, "application/merge-patch+json", body, strlen(body),
                   on_status, k);
}

static void renew_lease(kubelet_t *k);

static void on_lease(const client_resp_t *r, void *data)
{
    kubelet_t *k = data;
    bool ok = r->status == 200 || r->status == 201;
    if (r->status == 409 && !k->lease_exists) {
        /* A restarted kubelet finds the Lease it made before: renew it now, not a tick later,
         * so the node lifecycle controller hears from it at once. */
        k->lease_exists = true;
        renew_lease(k);
        return;
    }
    if (ok)
        k->lease_exists = true;
    else if (r->status == 404)
        k->lease_exists = false; /* the next tick creates it */
    if (!ok)
        log_warn("kubelet", "renewing lease %s: %d %.*s", k->node_name, r->status, (int)r->len,
                 r->body);
    heartbeat_done(k, ok);
}

/* Renews the node's Lease, creating it when there is none yet. */
static void renew_lease(kubelet_t *k)
{
    char micro[40];
    micro_now(micro, sizeof(micro));
    cleanup_json json_t *spec =
        json_pack("{s:s, s:i, s:s}", "holderIdentity", k->node_name, "leaseDurationSeconds",
                  LEASE_DURATION_S, "renewTime", micro);
    if (k->lease_exists) {
        cleanup_json json_t *lp = json_pack("{s:O}", "spec", spec);
        cleanup_free char *lb = json_dumps(lp, JSON_COMPACT);
        cleanup_free char *lpath = xasprintf(
            "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/%s", k->node_name);
        client_request(k->client, "PATCH", lpath, "application/merge-patch+json", lb, strlen(lb),
                       on_lease, k);
    } else {
        /* Owned by the Node, so deleting the Node takes its Lease along (as upstream). */
        cleanup_json json_t *lease =
            json_pack("{s:s, s:s, s:{s:s, s:s}, s:O}", "apiVersion", "coordination.k8s.io/v1",
                      "kind", "Lease", "metadata", "name", k->node_name, "namespace",
                      "kube-node-lease", "spec", spec);
        cleanup_free char *lb = json_dumps(lease, JSON_COMPACT);
        client_request(k->client, "POST",
                       "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases",
                       "application/json", lb, strlen(lb), on_lease, k);
    }
}

static void heartbeat(kubelet_t *k)
{
    if (k->stopping || k->inflight)
        return;
    k->inflight = 2;
    /* From the watch cache (resourceVersion=0), as upstream reads it, so a quiet node costs no
     * etcd read either. */
    cleanup_free char *path = xasprintf("/api/v1/nodes/%s?resourceVersion=0", k->node_name);
    client_request(k->client, "GET", path, NULL, NULL, 0, on_node_read, k);
    renew_lease(k);
}

static void on_pod(informer_t *inf, json_t *obj, void *data)
{
    kpod_update(data, obj);
}

static void on_pod_update(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    kpod_update(data, obj);
}

static void on_pod_delete(informer_t *inf, json_t *obj, void *data)
{
    kpod_delete(data, obj);
}

static void on_pods_synced(informer_t *inf, void *data)
{
    kpod_adopt_orphans(data);
}

static void on_pod_tick(uv_timer_t *t)
{
    kpod_tick(t->data);
}

/* The pod worker starts once the pod CIDR is known (the CNI config needs it). */
static void start_pods(kubelet_t *k)
{
    if (!k->run_pods || k->pods_inf || !k->pod_cidr)
        return;
    c8s_err_t err = C8S_ERR_INIT;
    if (image_store_open(k->root_dir, &k->images, &err) != 0) {
        log_error("kubelet", "image store: %s; pods will not run", err.msg);
        c8s_err_clear(&err);
        return;
    }
    k->cni = (cni_config_t){.state_dir = k->cni_state, .subnet = k->pod_cidr};
    runtime_config_t rc = {
        .runc_root = k->runc_root, .state_root = k->state_root, .shim_bin = k->shim_bin};
    k->rt = runtime_new(&k->loop, &rc);
    cleanup_free char *sel = xasprintf("fieldSelector=spec.nodeName%%3D%s", k->node_name);
    informer_handlers_t h = {on_pod, on_pod_update, on_pod_delete, on_pods_synced};
    k->pods_inf = informer_start(k->client, "/api/v1/pods", sel, &h, k);
    uv_timer_start(&k->tick, on_pod_tick, 1000, 1000);
}

static void on_registered(const client_resp_t *r, void *data)
{
    kubelet_t *k = data;
    k->inflight--;
    if (k->stopping)
        return;
    if (r->status != 200 && r->status != 201 && r->status != 409) {
        log_warn("kubelet", "registering node %s: %d %.*s (retrying)", k->node_name, r->status,
                 (int)r->len, r->body);
        uv_timer_start(&k->timer, on_timer, 1000, 0);
        return;
    }
    if (r->status == 409) { /* created meanwhile: adopt it */
        register_node(k);
        return;
    }
    k->registered = true;
    kubelet_node_event(k, "Starting", "Starting kubelet.");
    log_info("kubelet", "node %s registered (pod CIDR %s)", k->node_name,
             k->pod_cidr ? k->pod_cidr : "not yet assigned");
    start_pods(k);
    heartbeat(k);
}

static void on_node_get(const client_resp_t *r, void *data)
{
    kubelet_t *k = data;
    k->inflight--;
    if (k->stopping)
        return;
    if (r->status == 200) {
        cleanup_json json_t *node = json_loadb(r->body, r->len, 0, NULL);
        const char *cidr =
            json_string_value(json_object_get(json_object_get(node, "spec"), "podCIDR"));
        if (cidr && *cidr) {
            if (!k->pod_cidr)
                k->pod_cidr = xstrdup(cidr);
        } else if (k->pod_cidr) {
            cleanup_json json_t *patch = json_pack("{s:{s:s, s:[s]}}", "spec", "podCIDR",
                                                   k->pod_cidr, "podCIDRs", k->pod_cidr);
            cleanup_free char *body = json_dumps(patch, JSON_COMPACT);
            cleanup_free char *path = xasprintf("/api/v1/nodes/%s", k->node_name);
            k->inflight++;
            client_request(k->client, "PATCH", path, "application/merge-patch+json", body,
                           strlen(body), on_registered, k);
            return;
        }
        k->registered = true;
        kubelet_node_event(k, "Starting", "Starting kubelet.");
        log_info("kubelet", "node %s adopted (pod CIDR %s)", k->node_name,
                 k->pod_cidr ? k->pod_cidr : "not yet assigned");
        start_pods(k);
        heartbeat(k);
        return;
    }
    if (r->status != 404) {
        log_warn("kubelet", "reading node %s: %d (retrying)", k->node_name, r->status);
        uv_timer_start(&k->timer, on_timer, 1000, 0);
        return;
    }
    /* Without a pod CIDR of its own the node waits for the node IPAM controller's. */
    cleanup_json json_t *node = json_pack(
        "{s:s, s:s, s:{s:s, s:{s:s, s:s, s:s}}, s:{}}", "apiVersion", "v1", "kind", "Node",
        "metadata", "name", k->node_name, "labels", "kubernetes.io/hostname", k->node_name,
        "kubernetes.io/os", "linux", "kubernetes.io/arch", k->facts.arch, "spec");
    if (k->pod_cidr) {
        json_t *spec = json_object_get(node, "spec");
        json_object_set_new(spec, "podCIDR", json_string(k->pod_cidr));
        json_object_set_new(spec, "podCIDRs", json_pack("[s]", k->pod_cidr));
    }
    cleanup_free char *body = json_dumps(node, JSON_COMPACT);
    k->inflight++;
    client_request(k->client, "POST", "/api/v1/nodes", "application/json", body, strlen(body),
                   on_registered, k);
}

static void register_node(kubelet_t *k)
{
    cleanup_free char *path = xasprintf("/api/v1/nodes/%s", k->node_name);
    k->inflight++;
    client_request(k->client, "GET", path, NULL, NULL, 0, on_node_get, k);
}

static void on_client_closed(void *data)
{
    kubelet_t *k = data;
    uv_close((uv_handle_t *)&k->stop_async, NULL);
    uv_close((uv_handle_t *)&k->serve_async, NULL);
    uv_close((uv_handle_t *)&k->timer, NULL);
    uv_close((uv_handle_t *)&k->tick, NULL);
}

/* Opens the HTTPS port with these files (k->server set even on failure: stopped, freed with k). */
static int serve_open(kubelet_t *k, const char *cert, const char *key, const char *ca,
                      c8s_err_t *err)
{
    kubelet_server_config_t sc = {.bind_address = k->node_ip,
                                  .port = k->want_port,
                                  .tls_cert_file = cert,
                                  .tls_key_file = key,
                                  .client_ca_file = ca};
    if (kubelet_server_new(&k->loop, &sc, &k->server, err) != 0 || kserver_routes(k, err) != 0 ||
        kstats_routes(k, err) != 0) {
        kserver_exec_stop_all(k);
        kubelet_server_stop(k->server);
        return err->code;
    }
    atomic_store(&k->port, kubelet_server_port(k->server));
    return 0;
}

/* A certificate from kubelet_serve_cert: the port opens with the first, later ones replace it
 * for new handshakes (rotation). The Node publishes the port with its next status. */
static void on_serve(uv_async_t *a)
{
    kubelet_t *k = a->data;
    uv_mutex_lock(&k->serve_mu);
    cleanup_free char *cert = k->serve_cert, *key = k->serve_key, *ca = k->serve_ca;
    k->serve_cert = k->serve_key = k->serve_ca = NULL;
    uv_mutex_unlock(&k->serve_mu);
    if (!cert || k->stopping)
        return;
    c8s_err_t err = C8S_ERR_INIT;
    if (k->server) {
        if (kubelet_server_reload_cert(k->server, cert, key, &err) == 0)
            log_info("kubelet", "serving with the renewed certificate %s", cert);
    } else if (serve_open(k, cert, key, ca, &err) == 0) {
        k->facts.kubelet_port = atomic_load(&k->port);
        log_info("kubelet", "node %s serves on port %d with %s", k->node_name,
                 k->facts.kubelet_port, cert);
    }
    if (err.code)
        log_warn("kubelet", "%s", err.msg);
    c8s_err_clear(&err);
}

void kubelet_serve_cert(kubelet_t *k, const char *cert_file, const char *key_file,
                        const char *client_ca_file)
{
    uv_mutex_lock(&k->serve_mu);
    free(k->serve_cert);
    free(k->serve_key);
    free(k->serve_ca);
    k->serve_cert = xstrdup(cert_file);
    k->serve_key = xstrdup(key_file);
    k->serve_ca = xstrdup(client_ca_file);
    uv_mutex_unlock(&k->serve_mu);
    uv_async_send(&k->serve_async);
}

static void on_informer_stopped(void *data)
{
    kubelet_t *k = data;
    client_close(k->client, on_client_closed, k);
}

/* Containers live on: a stopped kubelet leaves its pods running. */
static void on_stop(uv_async_t *a)
{
    kubelet_t *k = a->data;
    k->stopping = true;
    uv_timer_stop(&k->timer);
    uv_timer_stop(&k->tick);
    kserver_exec_stop_all(k);
    kubelet_server_stop(k->server);
    if (k->pods_inf)
        informer_stop(k->pods_inf, on_informer_stopped, k);
    else
        client_close(k->client, on_client_closed, k);
}

static void run(void *arg)
{
    kubelet_t *k = arg;
    kubelet_node_facts_read(&k->facts, k->root_dir);
    if (k->node_ip) {
        free(k->facts.internal_ip);
        k->facts.internal_ip = xstrdup(k->node_ip);
    }
    k->facts.kubelet_port = atomic_load(&k->port);
    register_node(k);
    uv_run(&k->loop, UV_RUN_DEFAULT);
    /* Every runtime operation, pull and plugin run is a handle or request on the loop: all have
     * called back by now. */
    if (k->rt)
        runtime_free(k->rt);
    k->rt = NULL;
}

static void free_kubelet(kubelet_t *k)
{
    kubelet_server_free(k->server);
    free(k->node_ip);
    free(k->serve_cert);
    free(k->serve_key);
    free(k->serve_ca);
    uv_mutex_destroy(&k->serve_mu);
    kpod_free_all(k);
    if (k->images)
        image_store_close(k->images);
    for (size_t i = 0; i < k->n_insecure; i++)
        free(k->insecure_copy[i]);
    free(k->insecure_copy);
    free(k->cluster_dns);
    free(k->kubepods_root);
    free(k->cni_state);
    free(k->runc_root);
    free(k->state_root);
    free(k->shim_bin);
    kubelet_node_facts_free(&k->facts);
    free(k->node_name);
    free(k->root_dir);
    free(k->pod_cidr);
    free(k);
}

int kubelet_start(apiserver_t *srv, const kubelet_config_t *cfg, kubelet_t **out, c8s_err_t *err)
{
    if (!cfg->node_name || !*cfg->node_name || !cfg->root_dir)
        return c8s_err_set(err, C8S_EINVALID, "kubelet: node name and root dir are required");
    if (mkdir(cfg->root_dir, 0700) != 0 && errno != EEXIST)
        return c8s_err_set(err, C8S_ESYS, "kubelet: creating %s: %s", cfg->root_dir,
                           strerror(errno));
    kubelet_t *k = xcalloc(1, sizeof(*k));
    if (uv_mutex_init(&k->serve_mu) != 0) {
        free(k);
        return c8s_err_set(err, C8S_ESYS, "kubelet: uv_mutex_init failed");
    }
    k->srv = srv;
    k->node_name = xstrdup(cfg->node_name);
    k->root_dir = xstrdup(cfg->root_dir);
    k->pod_cidr = cfg->pod_cidr && *cfg->pod_cidr ? xstrdup(cfg->pod_cidr) : NULL;
    k->interval_ms = cfg->status_interval_ms ? cfg->status_interval_ms : STATUS_INTERVAL_MS_DEFAULT;
    const char *rep = getenv("C8S_NODE_STATUS_REPORT_MS");
    k->report_ms = cfg->status_report_ms           ? cfg->status_report_ms
                   : rep && strtoul(rep, NULL, 10) ? (unsigned)strtoul(rep, NULL, 10)
                                                   : STATUS_REPORT_MS_DEFAULT;
    k->run_pods = cfg->run_pods;
    k->cluster_dns = xstrdup(cfg->cluster_dns ? cfg->cluster_dns : "10.96.0.10");
    k->kubepods_root = xstrdup(cfg->kubepods_root ? cfg->kubepods_root : "/kubepods");
    k->cni_state = xasprintf("%s/cni", k->root_dir);
    k->state_root = xasprintf("%s/containers", k->root_dir);
    k->runc_root = cfg->runc_root ? xstrdup(cfg->runc_root) : NULL;
    k->shim_bin = cfg->shim_bin ? xstrdup(cfg->shim_bin) : NULL;
    k->insecure_copy = xcalloc(cfg->n_insecure + 1, sizeof(char *));
    for (size_t i = 0; i < cfg->n_insecure; i++)
        k->insecure_copy[i] = xstrdup(cfg->insecure_registries[i]);
    k->n_insecure = cfg->n_insecure;
    k->insecure = (const char *const *)k->insecure_copy;
    k->evict_interval_ms = cfg->eviction_interval_ms ? cfg->eviction_interval_ms : 10000;
    if (eviction_parse(cfg->eviction_hard ? cfg->eviction_hard : EVICTION_HARD_DEFAULT, k->evict_t,
                       k->evict_have, err) != 0) {
        free_kubelet(k);
        return c8s_err_wrap(err, "kubelet: --eviction-hard");
    }
    if (k->run_pods) {
        cleanup_free char *run = xasprintf("%s/run", k->root_dir);
        cleanup_free char *netns = xasprintf("%s/run/netns", k->root_dir);
        cleanup_free char *pods = xasprintf("%s/pods", k->root_dir);
        const char *dirs[] = {run, netns, pods, k->cni_state, k->state_root};
        for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
            if (mkdir(dirs[i], 0700) != 0 && errno != EEXIST) {
                int e = errno;
                free_kubelet(k);
                return c8s_err_set(err, C8S_ESYS, "kubelet: creating %s: %s", dirs[i], strerror(e));
            }
        }
    }
    atomic_init(&k->heartbeats, 0);
    int rc = uv_loop_init(&k->loop);
    if (rc != 0) {
        free_kubelet(k);
        return c8s_err_set(err, C8S_ESYS, "uv_loop_init: %s", uv_strerror(rc));
    }
    uv_async_init(&k->loop, &k->stop_async, on_stop);
    k->stop_async.data = k;
    uv_async_init(&k->loop, &k->serve_async, on_serve);
    k->serve_async.data = k;
    uv_timer_init(&k->loop, &k->timer);
    uv_timer_init(&k->loop, &k->tick);
    k->timer.data = k->tick.data = k;
    k->node_ip = cfg->node_ip && *cfg->node_ip ? xstrdup(cfg->node_ip) : NULL;
    atomic_init(&k->port, 0);
    k->want_port = cfg->port;
    if (cfg->tls_cert_file) {
        if (serve_open(k, cfg->tls_cert_file, cfg->tls_key_file, cfg->client_ca_file, err) != 0) {
            uv_close((uv_handle_t *)&k->stop_async, NULL);
            uv_close((uv_handle_t *)&k->serve_async, NULL);
            uv_close((uv_handle_t *)&k->timer, NULL);
            uv_close((uv_handle_t *)&k->tick, NULL);
            uv_run(&k->loop, UV_RUN_DEFAULT);
            uv_loop_close(&k->loop);
            free_kubelet(k);
            return err->code;
        }
    }
    k->client = cfg->remote ? client_new_http(&k->loop, cfg->remote, err)
                            : client_new_inproc(srv, &k->loop);
    if (!k->client) {
        kserver_exec_stop_all(k);
        kubelet_server_stop(k->server);
        on_client_closed(k);
        uv_run(&k->loop, UV_RUN_DEFAULT);
        uv_loop_close(&k->loop);
        free_kubelet(k);
        return err->code;
    }
    rc = uv_thread_create(&k->thread, run, k);
    if (rc != 0) {
        client_close(k->client, on_client_closed, k);
        uv_run(&k->loop, UV_RUN_DEFAULT);
        uv_loop_close(&k->loop);
        free_kubelet(k);
        return c8s_err_set(err, C8S_ESYS, "starting the kubelet thread: %s", uv_strerror(rc));
    }
    log_info("kubelet", "node %s, root dir %s, port %d", k->node_name, k->root_dir,
             atomic_load(&k->port));
    *out = k;
    return 0;
}

void kubelet_stop(kubelet_t *k)
{
    if (!k)
        return;
    uv_async_send(&k->stop_async);
    uv_thread_join(&k->thread);
    if (uv_loop_close(&k->loop) != 0)
        log_warn("kubelet", "loop closed with handles open");
    free_kubelet(k);
}

int kubelet_port(const kubelet_t *k)
{
    return atomic_load(&((kubelet_t *)k)->port);
}

unsigned long kubelet_heartbeats(const kubelet_t *k)
{
    return atomic_load(&((kubelet_t *)k)->heartbeats);
}
