/*
 * test_client.c — the in-process client against a real etcd: the API server runs in this
 * process on its own thread; the client, on the test's loop, creates, reads, lists, patches and
 * deletes through the same handler chain as HTTP (validation, Status errors), watches (initial
 * state, live events from an HTTP writer, stop), and closes with nothing left on its loop.
 */
#include "c8s/apiserver.h"
#include "c8s/client.h"
#include "harness.h"
#include "test.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static uv_loop_t loop;

typedef struct {
    bool done;
    int status;
    char *body;
} answer_t;

static void on_answer(const client_resp_t *resp, void *data)
{
    answer_t *a = data;
    a->done = true;
    a->status = resp->status;
    a->body = xstrndup(resp->body, resp->len);
}

static bool run_until(bool *flag, int timeout_ms)
{
    return th_run_until(&loop, flag, timeout_ms);
}

static int call(client_t *c, const char *method, const char *path, const char *body, char **out)
{
    answer_t a = {0};
    client_request(c, method, path, body ? "application/json" : NULL, body, body ? strlen(body) : 0,
                   on_answer, &a);
    if (!run_until(&a.done, 10000))
        return -1;
    if (out)
        *out = a.body;
    else
        free(a.body);
    return a.status;
}

typedef struct {
    int added, modified, deleted, other;
    bool ended;
    char last[256];
} seen_t;

static void on_line(client_watch_t *w, const char *line, size_t len, void *data)
{
    seen_t *s = data;
    if (strstr(line, "\"type\":\"ADDED\""))
        s->added++;
    else if (strstr(line, "\"type\":\"MODIFIED\""))
        s->modified++;
    else if (strstr(line, "\"type\":\"DELETED\""))
        s->deleted++;
    else
        s->other++;
    snprintf(s->last, sizeof(s->last), "%.*s", (int)(len < 255 ? len : 255), line);
}

static void on_end(client_watch_t *w, void *data)
{
    ((seen_t *)data)->ended = true;
}

static bool closed;
static void on_client_closed(void *data)
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
    /* A small window, so that resourceVersion 1 is surely too old by the time it is asked for. */
    cfg.watch_cache_window = 2;
    c8s_err_t err = C8S_ERR_INIT;
    apiserver_t *srv = NULL;
    th_tls_config(&cfg);
    if (apiserver_start(&cfg, &srv, &err) != 0) {
        fprintf(stderr, "apiserver_start: %s\n", err.msg);
        th_etcd_stop(&etcd);
        REQUIRE(!"server started");
    }
    uv_loop_init(&loop);
    client_t *c = client_new_inproc(srv, &loop);

    /* The server is ready once the built-in namespaces exist. */
    int st = -1;
    for (int i = 0; i < 100 && st != 200; i++) {
        st = call(c, "GET", "/api/v1/namespaces/default", NULL, NULL);
        if (st != 200)
            usleep(50000);
    }
    CHECK_INT(st, 200);

    char *body = NULL;
    CHECK_INT(
        call(c, "POST", "/api/v1/namespaces/default/configmaps",
             "{\"metadata\":{\"name\":\"a\",\"labels\":{\"x\":\"1\"}},\"data\":{\"k\":\"v\"}}",
             &body),
        201);
    CHECK(body && strstr(body, "\"resourceVersion\""));
    free(body);
    CHECK_INT(call(c, "GET", "/api/v1/namespaces/default/configmaps/a", NULL, &body), 200);
    CHECK(body && strstr(body, "\"k\":\"v\""));
    free(body);
    CHECK_INT(
        call(c, "GET", "/api/v1/namespaces/default/configmaps?labelSelector=x%3D1", NULL, &body),
        200);
    CHECK(body && strstr(body, "\"ConfigMapList\"") && strstr(body, "\"name\":\"a\""));
    free(body);
    /* The same validation and Status errors as over HTTP. */
    CHECK_INT(call(c, "POST", "/api/v1/namespaces/default/pods",
                   "{\"metadata\":{\"name\":\"bad\"},\"spec\":{\"containers\":[]}}", &body),
              422);
    CHECK(body && strstr(body, "\"reason\":\"Invalid\""));
    free(body);
    CHECK_INT(call(c, "GET", "/api/v1/namespaces/default/configmaps/none", NULL, NULL), 404);
    CHECK_INT(call(c, "PATCH", "/api/v1/namespaces/default/configmaps/a", "{}", NULL), 415);

    /* A watch: the current state first, then live changes, including one made over HTTP. */
    seen_t seen = {0};
    client_watch_t *w =
        client_watch(c, "/api/v1/namespaces/default/configmaps?watch=true", on_line, on_end, &seen);
    bool got = false;
    for (int i = 0; i < 100 && !got; i++) {
        run_until(&got, 20);
        got = seen.added >= 1;
    }
    CHECK_INT(seen.added, 1);
    char url[128];
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/api/v1/namespaces/default/configmaps",
             cfg.port);
    th_resp_t r;
    CHECK(th_http("POST", url, "application/json", "{\"metadata\":{\"name\":\"b\"}}", &r) == 0 &&
          r.status == 201);
    th_resp_free(&r);
    answer_t pa = {0};
    client_request(c, "PATCH", "/api/v1/namespaces/default/configmaps/a",
                   "application/merge-patch+json", "{\"data\":{\"k\":\"w\"}}",
                   strlen("{\"data\":{\"k\":\"w\"}}"), on_answer, &pa);
    run_until(&pa.done, 5000);
    CHECK_INT(pa.status, 200);
    free(pa.body);
    CHECK_INT(call(c, "DELETE", "/api/v1/namespaces/default/configmaps/b", NULL, NULL), 200);
    bool all = false;
    for (int i = 0; i < 200 && !all; i++) {
        run_until(&all, 20);
        all = seen.added == 2 && seen.modified == 1 && seen.deleted == 1;
    }
    CHECK_MSG(all, "watch saw %d added, %d modified, %d deleted (last %s)", seen.added,
              seen.modified, seen.deleted, seen.last);
    client_watch_stop(w);
    run_until(&seen.ended, 5000);
    CHECK(seen.ended);

    /* A refused watch (bad selector) hands back its Status and ends. */
    seen_t bad = {0};
    client_watch(c, "/api/v1/pods?watch=true&labelSelector=a%20in%20(", on_line, on_end, &bad);
    run_until(&bad.ended, 5000);
    CHECK(bad.ended && strstr(bad.last, "\"code\":400"));

    /* A watch from a resourceVersion older than the cache's window gets the 410 ERROR event
     * before it ends (so an informer knows to re-list), not just the end. */
    seen_t old = {0};
    client_watch(c, "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1", on_line,
                 on_end, &old);
    run_until(&old.ended, 5000);
    CHECK_MSG(old.ended && strstr(old.last, "\"type\":\"ERROR\"") &&
                  strstr(old.last, "\"code\":410"),
              "too-old watch: ended=%d last=%s", old.ended, old.last);

    /* Closing stops open watches and waits for them. */
    seen_t open = {0};
    client_watch(c, "/api/v1/secrets?watch=true", on_line, on_end, &open);
    client_close(c, on_client_closed, NULL);
    run_until(&closed, 5000);
    CHECK(closed);
    CHECK(open.ended);
    CHECK_INT(uv_loop_close(&loop), 0);

    apiserver_stop(srv);
    th_etcd_stop(&etcd);
    TEST_END();
}
