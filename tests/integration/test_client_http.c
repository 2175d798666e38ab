/*
 * test_client_http.c — the HTTP transport of the client API against a real `c8s server` on a
 * real etcd: requests and their Status errors, the Accept header (a server-side Table), a watch
 * streamed line by line (live events, stop, a server-side timeout ending it), a server that
 * cannot be reached (status 0), and a close with a watch open that leaves nothing on the loop.
 */
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

static int call(client_t *c, const char *method, const char *path, const char *body, char **out)
{
    answer_t a = {0};
    client_request(c, method, path, body ? "application/json" : NULL, body, body ? strlen(body) : 0,
                   on_answer, &a);
    if (!th_run_until(&loop, &a.done, 10000))
        return -1;
    if (out)
        *out = a.body;
    else
        free(a.body);
    return a.status;
}

typedef struct {
    int added, modified, lines;
    bool ended;
    bool complete; /* every line was one whole JSON object */
} seen_t;

static void on_line(client_watch_t *w, const char *line, size_t len, void *data)
{
    seen_t *s = data;
    s->lines++;
    json_t *ev = json_loadb(line, len, 0, NULL);
    if (!ev || strlen(line) != len)
        s->complete = false;
    json_decref(ev);
    if (strstr(line, "\"type\":\"ADDED\""))
        s->added++;
    else if (strstr(line, "\"type\":\"MODIFIED\""))
        s->modified++;
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

static bool wait_for(int *counter, int want, int timeout_ms)
{
    uint64_t end = c8s_now_ms() + (uint64_t)timeout_ms;
    while (*counter < want && c8s_now_ms() < end)
        uv_run(&loop, UV_RUN_ONCE);
    return *counter >= want;
}

int main(void)
{
    th_etcd_t etcd;
    REQUIRE(th_etcd_start(&etcd) == 0);
    th_server_t srv;
    const char *args[] = {"--disable-scheduler", "--disable-controller-manager", NULL};
    if (th_server_start(&srv, etcd.url, args) != 0) {
        th_etcd_stop(&etcd);
        REQUIRE(!"server started");
    }
    uv_loop_init(&loop);
    c8s_err_t err = C8S_ERR_INIT;

    client_http_config_t none = {0};
    CHECK(client_new_http(&loop, &none, &err) == NULL);
    CHECK_INT(err.code, C8S_EBADREQUEST);
    c8s_err_clear(&err);

    /* TLS: without a client certificate the server answers 401; a client that does not trust
     * the server's CA gets no answer at all. */
    client_http_config_t anon = {.server = srv.url, .ca_file = srv.ca, .timeout_ms = 10000};
    client_t *ac = client_new_http(&loop, &anon, &err);
    REQUIRE(ac != NULL);
    CHECK_INT(call(ac, "GET", "/api/v1/namespaces/default/configmaps", NULL, NULL), 401);
    client_http_config_t untrusting = {.server = srv.url, .timeout_ms = 10000};
    client_t *uc = client_new_http(&loop, &untrusting, &err);
    REQUIRE(uc != NULL);
    CHECK_INT(call(uc, "GET", "/healthz", NULL, NULL), 0);
    client_close(ac, on_client_closed, NULL);
    CHECK(th_run_until(&loop, &closed, 10000));
    closed = false;
    client_close(uc, on_client_closed, NULL);
    CHECK(th_run_until(&loop, &closed, 10000));
    closed = false;

    client_http_config_t cfg = {.server = srv.url,
                                .ca_file = srv.ca,
                                .cert_file = srv.cert,
                                .key_file = srv.key,
                                .timeout_ms = 10000};
    client_t *c = client_new_http(&loop, &cfg, &err);
    REQUIRE(c != NULL);
    CHECK(client_loop(c) == &loop);

    /* Requests: create, read, a Status error. */
    char *body = NULL;
    CHECK_INT(call(c, "POST", "/api/v1/namespaces/default/configmaps",
                   "{\"metadata\":{\"name\":\"h1\"},\"data\":{\"a\":\"1\"}}", &body),
              201);
    CHECK(body && strstr(body, "\"name\":\"h1\""));
    free(body);
    CHECK_INT(call(c, "GET", "/api/v1/namespaces/default/configmaps/h1", NULL, &body), 200);
    CHECK(body && strstr(body, "\"a\":\"1\""));
    free(body);
    CHECK_INT(call(c, "GET", "/api/v1/namespaces/default/configmaps/nope", NULL, &body), 404);
    CHECK(body && strstr(body, "\"reason\":\"NotFound\""));
    free(body);
    CHECK_INT(call(c, "POST", "/api/v1/namespaces/default/configmaps", "{\"metadata\":{}}", &body),
              422);
    free(body);

    /* The Accept header reaches the server: a Table, then JSON again. */
    client_set_accept(c, "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
    CHECK_INT(call(c, "GET", "/api/v1/namespaces/default/configmaps", NULL, &body), 200);
    CHECK(body && strstr(body, "\"kind\":\"Table\""));
    free(body);
    client_set_accept(c, NULL);
    CHECK_INT(call(c, "GET", "/api/v1/namespaces/default/configmaps", NULL, &body), 200);
    CHECK(body && strstr(body, "\"kind\":\"ConfigMapList\""));
    free(body);

    /* A watch: the initial ADDED, live events line by line, then stop. */
    seen_t s = {.complete = true};
    client_watch_t *w =
        client_watch(c, "/api/v1/namespaces/default/configmaps?watch=true", on_line, on_end, &s);
    CHECK(w != NULL);
    CHECK(wait_for(&s.added, 1, 10000));
    for (int i = 0; i < 20; i++) {
        char p[200];
        snprintf(p, sizeof(p), "{\"metadata\":{\"name\":\"h1\"},\"data\":{\"a\":\"%d\"}}", i);
        CHECK_INT(call(c, "PUT", "/api/v1/namespaces/default/configmaps/h1", p, NULL), 200);
    }
    CHECK(wait_for(&s.modified, 20, 10000));
    CHECK(s.complete);
    client_watch_stop(w);
    CHECK(th_run_until(&loop, &s.ended, 10000));
    int lines = s.lines;
    CHECK_INT(call(c, "PUT", "/api/v1/namespaces/default/configmaps/h1",
                   "{\"metadata\":{\"name\":\"h1\"},\"data\":{\"a\":\"x\"}}", NULL),
              200);
    CHECK_INT(s.lines, lines); /* nothing after the stop */

    /* The server ends a watch (timeoutSeconds): on_end runs. */
    seen_t s2 = {.complete = true};
    client_watch(c, "/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1", on_line,
                 on_end, &s2);
    CHECK(th_run_until(&loop, &s2.ended, 10000));
    CHECK(s2.added >= 1);

    /* A watch still open when the client closes is ended; the loop is left empty. */
    seen_t s3 = {.complete = true};
    client_watch(c, "/api/v1/namespaces/default/configmaps?watch=true", on_line, on_end, &s3);
    CHECK(wait_for(&s3.added, 1, 10000));
    client_close(c, on_client_closed, NULL);
    CHECK(th_run_until(&loop, &closed, 10000));
    CHECK(s3.ended);

    /* A server that cannot be reached: status 0 and curl's message. */
    client_http_config_t bad = {.server = "http://127.0.0.1:1"};
    client_t *b = client_new_http(&loop, &bad, &err);
    REQUIRE(b != NULL);
    CHECK_INT(call(b, "GET", "/api/v1/pods", NULL, &body), 0);
    CHECK(body && strlen(body) > 0);
    free(body);
    seen_t s4 = {.complete = true};
    client_watch(b, "/api/v1/pods?watch=true", on_line, on_end, &s4);
    CHECK(th_run_until(&loop, &s4.ended, 10000));
    CHECK_INT(s4.lines, 0);
    closed = false;
    client_close(b, on_client_closed, NULL);
    CHECK(th_run_until(&loop, &closed, 10000));

    uv_run(&loop, UV_RUN_NOWAIT);
    CHECK_INT(uv_loop_close(&loop), 0);
    CHECK_INT(th_server_stop(&srv), 0);
    th_etcd_stop(&etcd);
    TEST_END();
}
