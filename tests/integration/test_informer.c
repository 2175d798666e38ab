/*
 * test_informer.c — an informer over the in-process client against a real etcd: the first list
 * (paged past one page), then live adds, updates and deletes in order, label selection, the
 * local cache matching the server, and a clean stop.
 */
#include "c8s/apiserver.h"
#include "c8s/client.h"
#include "c8s/informer.h"
#include "harness.h"
#include "test.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static uv_loop_t loop;

static bool run_until(bool *flag, int timeout_ms)
{
    return th_run_until(&loop, flag, timeout_ms);
}

typedef struct {
    bool done;
    int status;
} answer_t;

static void on_answer(const client_resp_t *resp, void *data)
{
    answer_t *a = data;
    a->done = true;
    a->status = resp->status;
    if (resp->status >= 300)
        fprintf(stderr, "answer %d: %s\n", resp->status, resp->body);
}

static int call(client_t *c, const char *method, const char *path, const char *ct, const char *body)
{
    answer_t a = {0};
    client_request(c, method, path, ct, body, body ? strlen(body) : 0, on_answer, &a);
    run_until(&a.done, 10000);
    return a.status;
}

typedef struct {
    int adds, updates, deletes;
    bool synced;
    char order[4096];
} counts_t;

static void note(counts_t *n, const char *what, json_t *obj)
{
    size_t len = strlen(n->order);
    snprintf(n->order + len, sizeof(n->order) - len, "%s:%s ", what,
             json_string_value(json_object_get(json_object_get(obj, "metadata"), "name")));
}

static void on_add(informer_t *inf, json_t *obj, void *data)
{
    counts_t *n = data;
    n->adds++;
    if (n->synced)
        note(n, "add", obj);
}

static void on_update(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    counts_t *n = data;
    n->updates++;
    note(n, "update", obj);
}

static void on_delete(informer_t *inf, json_t *obj, void *data)
{
    counts_t *n = data;
    n->deletes++;
    note(n, "delete", obj);
}

static void on_synced(informer_t *inf, void *data)
{
    ((counts_t *)data)->synced = true;
}

static bool stopped;
static void on_stopped(void *data)
{
    stopped = true;
}
static bool closed;
static void on_closed(void *data)
{
    closed = true;
}

int main(void)
{
    th_etcd_t etcd;
    REQUIRE(th_etcd_start(&etcd) == 0);
    apiserver_config_t cfg = {0};
    const char *eps[] = {etcd.url, NULL};
    cfg.etcd_endpoints = eps;
    cfg.port = th_free_port();
    c8s_err_t err = C8S_ERR_INIT;
    apiserver_t *srv = NULL;
    th_tls_config(&cfg);
    if (apiserver_start(&cfg, &srv, &err) != 0) {
        th_etcd_stop(&etcd);
        REQUIRE(!"server started");
    }
    uv_loop_init(&loop);
    client_t *c = client_new_inproc(srv, &loop);
    int st = -1;
    for (int i = 0; i < 100 && st != 200; i++) {
        st = call(c, "GET", "/api/v1/namespaces/default", NULL, NULL);
        if (st != 200)
            usleep(50000);
    }
    REQUIRE(st == 200);
    /* More than one page (500) exists before the informer starts; half carry the label. */
    for (int i = 0; i < 520; i++) {
        char body[128];
        snprintf(body, sizeof(body),
                 "{\"metadata\":{\"name\":\"pre%03d\",\"labels\":{\"half\":\"%s\"}}}", i,
                 i % 2 ? "a" : "b");
        if (call(c, "POST", "/api/v1/namespaces/default/configmaps", "application/json", body) !=
            201) {
            CHECK(!"pre-create");
            break;
        }
    }
    counts_t all = {0}, sel = {0};
    informer_handlers_t h = {on_add, on_update, on_delete, on_synced};
    informer_t *inf = informer_start(c, "/api/v1/namespaces/default/configmaps", NULL, &h, &all);
    informer_t *infs = informer_start(c, "/api/v1/configmaps", "labelSelector=half%3Da", &h, &sel);
    run_until(&all.synced, 10000);
    run_until(&sel.synced, 10000);
    CHECK(informer_synced(inf));
    CHECK_INT(all.adds, 520);
    CHECK_INT(informer_size(inf), 520);
    CHECK_INT(sel.adds, 260);

    CHECK_INT(call(c, "POST", "/api/v1/namespaces/default/configmaps", "application/json",
                   "{\"metadata\":{\"name\":\"live\",\"labels\":{\"half\":\"a\"}}}"),
              201);
    CHECK_INT(call(c, "PATCH", "/api/v1/namespaces/default/configmaps/live",
                   "application/merge-patch+json", "{\"data\":{\"k\":\"v\"}}"),
              200);
    CHECK_INT(call(c, "DELETE", "/api/v1/namespaces/default/configmaps/live", NULL, NULL), 200);
    bool seen = false;
    for (int i = 0; i < 300 && !seen; i++) {
        run_until(&seen, 10);
        seen = all.deletes == 1 && sel.deletes == 1;
    }
    CHECK_STR(all.order, "add:live update:live delete:live ");
    CHECK_STR(sel.order, "add:live update:live delete:live ");

    /* A late second consumer of the same informer is handed the cache, then synced, at once;
     * after it is removed it sees nothing more while the first still does. */
    counts_t late = {0};
    informer_reg_t *reg = informer_add_handlers(inf, &h, &late);
    CHECK_INT(late.adds, 520);
    CHECK(late.synced);
    CHECK_INT(call(c, "POST", "/api/v1/namespaces/default/configmaps", "application/json",
                   "{\"metadata\":{\"name\":\"shared\"}}"),
              201);
    seen = false;
    for (int i = 0; i < 300 && !seen; i++) {
        run_until(&seen, 10);
        seen = late.adds == 521 && all.adds == 521;
    }
    CHECK_INT(late.adds, 521);
    informer_remove_handlers(inf, reg);
    CHECK_INT(call(c, "DELETE", "/api/v1/namespaces/default/configmaps/shared", NULL, NULL), 200);
    seen = false;
    for (int i = 0; i < 300 && !seen; i++) {
        run_until(&seen, 10);
        seen = all.deletes == 2;
    }
    CHECK_INT(all.deletes, 2);
    CHECK_INT(late.deletes, 0);
    CHECK(informer_get(inf, "default", "pre007") != NULL);
    CHECK(informer_get(inf, "default", "live") == NULL);
    CHECK(strlen(informer_resource_version(inf)) > 0);

    informer_stop(inf, on_stopped, NULL);
    run_until(&stopped, 5000);
    CHECK(stopped);
    stopped = false;
    informer_stop(infs, on_stopped, NULL);
    run_until(&stopped, 5000);
    client_close(c, on_closed, NULL);
    run_until(&closed, 5000);
    CHECK(closed);
    CHECK_INT(uv_loop_close(&loop), 0);
    apiserver_stop(srv);
    th_etcd_stop(&etcd);
    TEST_END();
}
