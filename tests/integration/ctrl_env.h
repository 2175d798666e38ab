/*
 * ctrl_env.h — what the controller integration tests share: a real etcd, the API server and the
 * controller manager in-process, the fake kubelet and a test client on the test's loop, and
 * blocking helpers to call the API and wait for a condition.
 */
#ifndef C8S_CTRL_ENV_H
#define C8S_CTRL_ENV_H

#include "c8s/apiserver.h"
#include "c8s/client.h"
#include "c8s/controllers.h"
#include "fakekubelet.h"
#include "harness.h"
#include "test.h"

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    th_etcd_t etcd;
    apiserver_t *srv;
    controllers_t *cm;
    uv_loop_t loop;
    client_t *c;
    fakekubelet_t *fk;
    int port;
    char kcache[64]; /* kubectl's discovery cache */
} env_t;

typedef struct {
    bool done;
    int status;
    json_t *body;
} env_answer_t;

static inline void env_on_answer(const client_resp_t *resp, void *data)
{
    env_answer_t *a = data;
    a->done = true;
    a->status = resp->status;
    a->body = json_loads(resp->body ? resp->body : "", 0, NULL);
}

/* A blocking call; *out (may be NULL) gets the parsed answer (owned). Returns the status. */
static inline int env_call(env_t *e, const char *method, const char *path, const char *ct,
                           const char *body, json_t **out)
{
    env_answer_t a = {0};
    client_request(e->c, method, path, ct, body, body ? strlen(body) : 0, env_on_answer, &a);
    th_run_until(&e->loop, &a.done, 15000);
    if (out)
        *out = a.body;
    else
        json_decref(a.body);
    return a.status;
}

static inline void env_run(env_t *e, int ms)
{
    th_run_until(&e->loop, NULL, ms);
}

/* env_start with a controller-manager config (NULL: the defaults). */
static inline int env_start_cfg(env_t *e, const fakekubelet_config_t *fkc,
                                const controllers_config_t *ccfg)
{
    memset(e, 0, sizeof(*e));
    if (th_etcd_start(&e->etcd) != 0)
        return -1;
    apiserver_config_t cfg = {0};
    const char *eps[] = {e->etcd.url, NULL};
    cfg.etcd_endpoints = eps;
    cfg.port = e->port = th_free_port();
    c8s_err_t err = C8S_ERR_INIT;
    th_tls_config(&cfg);
    if (apiserver_start(&cfg, &e->srv, &err) != 0) {
        fprintf(stderr, "apiserver: %s\n", err.msg);
        c8s_err_clear(&err);
        th_etcd_stop(&e->etcd);
        return -1;
    }
    uv_loop_init(&e->loop);
    e->c = client_new_inproc(e->srv, &e->loop);
    e->fk = fakekubelet_start(e->srv, &e->loop, fkc);
    if (controllers_start_config(e->srv, ccfg, &e->cm, &err) != 0) {
        fprintf(stderr, "controllers: %s\n", err.msg);
        c8s_err_clear(&err);
        return -1;
    }
    env_run(e, 300);
    return 0;
}

static inline int env_start(env_t *e, const fakekubelet_config_t *fkc)
{
    return env_start_cfg(e, fkc, NULL);
}

static inline void env_on_flag(void *data)
{
    *(bool *)data = true;
}

static inline void env_stop(env_t *e)
{
    controllers_stop(e->cm);
    fakekubelet_stop(e->fk);
    bool closed = false;
    client_close(e->c, env_on_flag, &closed);
    th_run_until(&e->loop, &closed, 5000);
    CHECK_INT(uv_loop_close(&e->loop), 0);
    apiserver_stop(e->srv);
    th_etcd_stop(&e->etcd);
    if (e->kcache[0])
        th_rmtree(e->kcache);
}

typedef struct {
    bool exited;
    int64_t status;
} env_proc_t;

static inline void env_on_exit(uv_process_t *p, int64_t status, int sig)
{
    env_proc_t *ep = p->data;
    ep->exited = true;
    ep->status = sig ? 128 + sig : status;
    uv_close((uv_handle_t *)p, NULL);
}

/* Runs the real kubectl against the in-process server (args NULL-terminated, after the
 * connection flags), driving the loop meanwhile so the fake kubelet keeps working. stdout goes
 * to out_file when given. Returns the exit status, -1 if it could not start (no kubectl). */
__attribute__((unused)) static int env_kubectl(env_t *e, const char *out_file,
                                               const char *const *args)
{
    if (!e->kcache[0]) {
        snprintf(e->kcache, sizeof(e->kcache), "/tmp/c8s-kcache-XXXXXX");
        if (!mkdtemp(e->kcache))
            return -1;
    }
    const char *pki = th_tls_dir();
    if (!pki)
        return -1;
    char server[64], cache[128], ca[320], crt[320], key[320];
    snprintf(server, sizeof(server), "--server=https://127.0.0.1:%d", e->port);
    snprintf(cache, sizeof(cache), "--cache-dir=%s", e->kcache);
    snprintf(ca, sizeof(ca), "--certificate-authority=%s/ca.crt", pki);
    snprintf(crt, sizeof(crt), "--client-certificate=%s/admin.crt", pki);
    snprintf(key, sizeof(key), "--client-key=%s/admin.key", pki);
    char *argv[32] = {"kubectl", server, cache, "--request-timeout=20s", ca, crt, key};
    size_t n = 7;
    for (size_t i = 0; args[i] && n < 31; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    int fd = -1;
    if (out_file)
        fd = open(out_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    uv_stdio_container_t stdio[3] = {{.flags = UV_IGNORE},
                                     {.flags = UV_INHERIT_FD, .data.fd = fd >= 0 ? fd : 1},
                                     {.flags = UV_INHERIT_FD, .data.fd = 2}};
    uv_process_options_t o = {
        .file = "kubectl", .args = argv, .stdio_count = 3, .stdio = stdio, .exit_cb = env_on_exit};
    uv_process_t proc;
    env_proc_t ep = {0};
    proc.data = &ep;
    int rc = uv_spawn(&e->loop, &proc, &o);
    if (fd >= 0)
        close(fd);
    if (rc != 0) {
        uv_close((uv_handle_t *)&proc, NULL);
        env_run(e, 10);
        return -1;
    }
    th_run_until(&e->loop, &ep.exited, 120000);
    env_run(e, 10); /* the close callback */
    return ep.exited ? (int)ep.status : -1;
}

/* Runs the loop until pred is true (checked every 50 ms) or timeout_ms passes. */
static inline bool env_wait(env_t *e, bool (*pred)(env_t *e, void *data), void *data,
                            int timeout_ms)
{
    uint64_t end = c8s_now_ms() + (uint64_t)timeout_ms;
    while (c8s_now_ms() < end) {
        if (pred(e, data))
            return true;
        env_run(e, 50);
    }
    return pred(e, data);
}

static inline const json_t *env_get(const json_t *o, const char *a, const char *b)
{
    return json_object_get(json_object_get(o, a), b);
}

static inline bool env_pod_ready(const json_t *pod)
{
    size_t i;
    json_t *c;
    json_array_foreach(env_get(pod, "status", "conditions"), i, c)
    {
        if (!strcmp(json_string_value(json_object_get(c, "type")) ?: "", "Ready"))
            return !strcmp(json_string_value(json_object_get(c, "status")) ?: "", "True");
    }
    return false;
}

/* Pods in ns selected by sel (query form, URL-encoded): those not being deleted, and of them
 * the ready ones. The list (owned) in *items when asked. */
static inline int env_pods(env_t *e, const char *ns, const char *sel, int *ready, json_t **items)
{
    char path[512];
    snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods?labelSelector=%s", ns, sel);
    json_t *list = NULL;
    if (env_call(e, "GET", path, NULL, NULL, &list) != 200) {
        json_decref(list);
        return -1;
    }
    int n = 0, r = 0;
    json_t *live = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(list, "items"), i, p)
    {
        if (env_get(p, "metadata", "deletionTimestamp"))
            continue;
        n++;
        if (env_pod_ready(p))
            r++;
        json_array_append(live, p);
    }
    json_decref(list);
    if (ready)
        *ready = r;
    if (items)
        *items = live;
    else
        json_decref(live);
    return n;
}

static inline int env_int(const json_t *o, const char *a, const char *b)
{
    return (int)json_integer_value(env_get(o, a, b));
}

#endif
