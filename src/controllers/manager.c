/*
 * manager.c — the controller thread: one loop, one in-process client, and the controllers
 * started on it; an orderly stop that lets each controller let go before the client closes.
 */
#include "internal.h"
#include "c8s/leader.h"

#include "c8s/strbuf.h"

#include <errno.h>
#include <unistd.h>

#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <string.h>

static const ctrl_ops_t *const table[] = {
    &controllers__namespace,
    &controllers__serviceaccount,
    &controllers__gc,
    &controllers__endpoints,
    &controllers__endpointslice,
    &controllers__endpointslicemirroring,
    &controllers__replicaset,
    &controllers__replicationcontroller,
    &controllers__deployment,
    &controllers__servicelb,
    &controllers__statefulset,
    &controllers__daemonset,
    &controllers__cronjob,
    &controllers__job,
    &controllers__nodelifecycle,
    &controllers__podgc,
    &controllers__rootcacert,
    &controllers__csr,
    &controllers__csrcleaner,
    &controllers__bootstrapsigner,

    &controllers__clusterroleaggregation,

    &controllers__resourcequota,
    &controllers__persistentvolume,
    &controllers__hpa,
    &controllers__disruption,
};

static _Atomic(controllers_clock_fn) test_clock;

void controllers_set_clock(controllers_clock_fn fn)
{
    test_clock = fn;
}

bool controllers__clock_is_test(void)
{
    return test_clock != NULL;
}

int64_t controllers__now_ms(void)
{
    controllers_clock_fn fn = test_clock;
    if (fn)
        return fn();
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct controllers_s {
    apiserver_t *srv;
    uv_loop_t loop;
    uv_thread_t thread;
    uv_async_t stop_async;
    client_t *client;
    leader_t *leader;
    ctrl_t *ctrls[C8S_ARRAY_SIZE(table)];
    struct shared_s {
        char *path;
        informer_t *inf;
    } * shared;
    size_t nshared, cap_shared;
    size_t stopping; /* controllers, then shared informers, still letting go */
    bool running;    /* controllers started */
    bool want;       /* we lead: controllers should run */
    bool shutdown;
    char *root_ca;     /* the root-CA publisher's bundle (owned) or NULL */
    char *storage_dir; /* local-path volumes' directory (owned) */
    bool local_path_class;
    size_t terminated_pod_gc_threshold; /* 0: never */
    char *signing_cert, *signing_key;   /* the csrsigning CA (owned) or NULL */
    long long signing_duration;
    char *cluster_server; /* cluster-info's server URL (owned) or NULL */
    uint64_t hpa_sync_ms;
    controllers_ipam_t ipam;
};

const char *controllers__signing_cert(controllers_t *cm)
{
    return cm->signing_cert;
}

const char *controllers__signing_key(controllers_t *cm)
{
    return cm->signing_key;
}

long long controllers__signing_duration(controllers_t *cm)
{
    return cm->signing_duration;
}

const char *controllers__cluster_server(controllers_t *cm)
{
    return cm->cluster_server;
}

static void free_config(controllers_t *cm)
{
    free(cm->root_ca);
    free(cm->storage_dir);
    free(cm->signing_cert);
    free(cm->signing_key);
    free(cm->cluster_server);
}

const char *controllers__root_ca(controllers_t *cm)
{
    return cm->root_ca;
}

const char *controllers__local_storage_dir(controllers_t *cm)
{
    return cm->storage_dir;
}

bool controllers__local_path_class(controllers_t *cm)
{
    return cm->local_path_class;
}

size_t controllers__terminated_pod_gc_threshold(controllers_t *cm)
{
    return cm->terminated_pod_gc_threshold;
}

const controllers_ipam_t *controllers__ipam(controllers_t *cm)
{
    return &cm->ipam;
}

uint64_t controllers__hpa_sync_ms(controllers_t *cm)
{
    return cm->hpa_sync_ms;
}

char *controllers__group_path(const api_kind_t *k)
{
    if (!*k->group)
        return xasprintf("/api/%s", k->version);
    return xasprintf("/apis/%s/%s", k->group, k->version);
}

const char *controllers__meta(const json_t *obj, const char *field)
{
    return json_string_value(json_object_get(json_object_get(obj, "metadata"), field));
}

client_t *controllers__client(controllers_t *cm)
{
    return cm->client;
}

informer_t *controllers__informer(controllers_t *cm, const char *path)
{
    for (size_t i = 0; i < cm->nshared; i++) {
        if (strcmp(cm->shared[i].path, path) == 0)
            return cm->shared[i].inf;
    }
    if (cm->nshared == cm->cap_shared) {
        cm->cap_shared = cm->cap_shared ? cm->cap_shared * 2 : 8;
        cm->shared = xrealloc(cm->shared, cm->cap_shared * sizeof(*cm->shared));
    }
    struct shared_s *sh = &cm->shared[cm->nshared++];
    sh->path = xstrdup(path);
    sh->inf = informer_start(cm->client, path, NULL, NULL, NULL);
    return sh->inf;
}

static void on_client_closed(void *data)
{
    controllers_t *cm = data;
    uv_close((uv_handle_t *)&cm->stop_async, NULL);
}

static void on_leader_stopped(void *data)
{
    controllers_t *cm = data;
    client_close(cm->client, on_client_closed, cm);
}

static void start_all(controllers_t *cm)
{
    cm->running = true;
    for (size_t i = 0; i < C8S_ARRAY_SIZE(table); i++)
        cm->ctrls[i] = table[i]->start(cm);
}

static void on_shared_stopped(void *data)
{
    controllers_t *cm = data;
    if (--cm->stopping > 0)
        return;
    cm->running = false;
    if (cm->shutdown)
        leader_stop(cm->leader, on_leader_stopped, cm);
    else if (cm->want)
        start_all(cm); /* leadership came back while we were letting go */
}

/* The controllers have let go of the shared informers: stop those too, so a later start lists
 * afresh. */
static void on_ctrl_stopped(void *data)
{
    controllers_t *cm = data;
    if (--cm->stopping > 0)
        return;
    size_t n = cm->nshared;
    cm->nshared = 0;
    cm->stopping = n + 1;
    for (size_t i = 0; i < n; i++) {
        free(cm->shared[i].path);
        informer_stop(cm->shared[i].inf, on_shared_stopped, cm);
    }
    on_shared_stopped(cm);
}

static void stop_all(controllers_t *cm)
{
    if (!cm->running || cm->stopping > 0)
        return;
    cm->stopping = C8S_ARRAY_SIZE(table);
    for (size_t i = 0; i < C8S_ARRAY_SIZE(table); i++)
        table[i]->stop(cm->ctrls[i], on_ctrl_stopped, cm);
}

/* Of several servers on one etcd only the one holding the Lease runs the controllers. */
static void on_lead(void *data)
{
    controllers_t *cm = data;
    cm->want = true;
    if (!cm->running && !cm->shutdown)
        start_all(cm);
}

static void on_lost(void *data)
{
    controllers_t *cm = data;
    cm->want = false;
    if (!cm->shutdown) {
        log_warn("controllers", "lost the controller Lease; stopping controllers");
        stop_all(cm);
    }
}

static void on_stop(uv_async_t *a)
{
    controllers_t *cm = a->data;
    cm->shutdown = true;
    if (cm->running && cm->stopping == 0)
        stop_all(cm);
    else if (!cm->running && cm->stopping == 0)
        leader_stop(cm->leader, on_leader_stopped, cm);
    /* else: a stop in progress finishes the shutdown (on_ctrl_stopped) */
}

static void run(void *arg)
{
    controllers_t *cm = arg;
    char host[256] = "c8s";
    gethostname(host, sizeof(host) - 1);
    char id[37];
    snprintf(id, sizeof(id), "%08x", (unsigned)(c8s_now_ns() ^ (uint64_t)getpid()));
    cleanup_free char *identity = xasprintf("%s_%s", host, id);
    leader_config_t lc = {.ns = "kube-system",
                          .name = "c8s-controller-manager",
                          .identity = identity,
                          .on_started = on_lead,
                          .on_stopped = on_lost,
                          .data = cm};
    cm->leader = leader_start(cm->client, &lc);
    uv_run(&cm->loop, UV_RUN_DEFAULT);
}

static char *read_file(const char *path, c8s_err_t *err)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        c8s_err_set(err, C8S_ESYS, "root CA file %s: %s", path, strerror(errno));
        return NULL;
    }
    strbuf_t b = STRBUF_INIT;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        strbuf_addn(&b, buf, n);
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        strbuf_free(&b);
        c8s_err_set(err, C8S_ESYS, "reading root CA file %s", path);
        return NULL;
    }
    return strbuf_take(&b);
}

int controllers_start(apiserver_t *srv, controllers_t **out, c8s_err_t *err)
{
    return controllers_start_config(srv, NULL, out, err);
}

int controllers_start_config(apiserver_t *srv, const controllers_config_t *cfg, controllers_t **out,
                             c8s_err_t *err)
{
    controllers_ipam_t ipam;
    if (controllers__ipam_init_config(&ipam, cfg, err) != 0)
        return err->code;
    char *ca = NULL;
    if (cfg && cfg->root_ca_file && !(ca = read_file(cfg->root_ca_file, err)))
        return err->code;
    char *scert = NULL, *skey = NULL;
    if (cfg && cfg->cluster_signing_cert_file && cfg->cluster_signing_key_file) {
        if (!(scert = read_file(cfg->cluster_signing_cert_file, err)) ||
            !(skey = read_file(cfg->cluster_signing_key_file, err))) {
            free(ca);
            free(scert);
            return err->code;
        }
    }
    controllers_t *cm = xcalloc(1, sizeof(*cm));
    cm->srv = srv;
    cm->root_ca = ca;
    cm->signing_cert = scert;
    cm->signing_key = skey;
    cm->signing_duration = cfg && cfg->cluster_signing_duration > 0 ? cfg->cluster_signing_duration
                                                                    : 365LL * 24 * 3600;
    cm->cluster_server = cfg && cfg->cluster_info_server ? xstrdup(cfg->cluster_info_server) : NULL;
    cm->local_path_class = cfg && cfg->local_path_class;
    int gct = cfg ? cfg->terminated_pod_gc_threshold : 0;
    cm->terminated_pod_gc_threshold = gct == 0 ? 12500 : gct < 0 ? 0 : (size_t)gct;
    cm->ipam = ipam;
    cm->hpa_sync_ms = cfg && cfg->hpa_sync_ms ? cfg->hpa_sync_ms : CONTROLLERS_HPA_SYNC_MS;
    cm->storage_dir = xstrdup(cfg && cfg->local_storage_dir ? cfg->local_storage_dir
                                                            : CONTROLLERS_LOCAL_STORAGE_DIR);
    int rc = uv_loop_init(&cm->loop);
    if (rc != 0) {
        free_config(cm);
        free(cm);
        return c8s_err_set(err, C8S_ESYS, "uv_loop_init: %s", uv_strerror(rc));
    }
    uv_async_init(&cm->loop, &cm->stop_async, on_stop);
    cm->stop_async.data = cm;
    cm->client = client_new_inproc(srv, &cm->loop);
    rc = uv_thread_create(&cm->thread, run, cm);
    if (rc != 0) {
        client_close(cm->client, NULL, NULL);
        uv_close((uv_handle_t *)&cm->stop_async, NULL);
        uv_run(&cm->loop, UV_RUN_DEFAULT);
        uv_loop_close(&cm->loop);
        free_config(cm);
        free(cm);
        return c8s_err_set(err, C8S_ESYS, "starting the controller thread: %s", uv_strerror(rc));
    }
    *out = cm;
    return 0;
}

void controllers_stop(controllers_t *cm)
{
    if (!cm)
        return;
    uv_async_send(&cm->stop_async);
    uv_thread_join(&cm->thread);
    free(cm->shared);
    int rc = uv_loop_close(&cm->loop);
    if (rc != 0)
        log_warn("controllers", "loop closed with handles open: %s", uv_strerror(rc));
    free_config(cm);
    free(cm);
}
