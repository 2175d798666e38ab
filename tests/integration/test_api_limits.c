/*
 * test_api_limits.c — the server under pressure: with the concurrency limit
 * (--max-requests-inflight + --max-mutating-requests-inflight, shared out by priority and
 * fairness) taken, requests wait in their queue and get 429 with Retry-After when the wait
 * (--request-timeout / 4) runs out (watches take no seat); a watcher
 * too slow to read is dropped without holding up the others; bookmarks arrive when asked.
 */
#include "c8s/base.h"
#include "harness.h"
#include "test.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static th_server_t srv;
static th_etcd_t etcd;

/* The requests here are a user's, not the admin's: system:masters is exempt from priority and
 * fairness. The admin impersonates "limited", bound to cluster-admin (main). */
static const char *as_user = NULL;

static long req(const char *method, const char *path, const char *body, th_resp_t *keep)
{
    char url[512];
    snprintf(url, sizeof(url), "%s%s", srv.url, path);
    th_resp_t r;
    const char *headers[3] = {"Content-Type: application/json", as_user, NULL};
    int rc = th_http_h(method, url, body ? headers : headers + 1, body, &r);
    long st = rc == 0 ? r.status : -1;
    if (keep)
        *keep = r;
    else
        th_resp_free(&r);
    return st;
}

typedef struct {
    const char *method, *path, *body;
    long status;
} bg_t;

static void *bg_req(void *arg)
{
    bg_t *b = arg;
    b->status = req(b->method, b->path, b->body, NULL);
    return NULL;
}

static void test_inflight_limits(void)
{
    /* With etcd frozen, reads and writes that reach it stay in flight. */
    th_etcd_signal(&etcd, SIGSTOP);
    bg_t read = {"GET", "/api/v1/namespaces/default/configmaps/x", NULL, 0};
    bg_t write = {"POST", "/api/v1/namespaces/default/configmaps",
                  "{\"metadata\":{\"name\":\"held\"}}", 0};
    pthread_t tr, tw;
    pthread_create(&tr, NULL, bg_req, &read);
    pthread_create(&tw, NULL, bg_req, &write);
    usleep(300000);
    /* The global-default level has one seat here (2 × 20/245, rounded up); a held request has
     * it, so this waits in a queue for the 0.5 s allowed and is refused. */
    th_resp_t r;
    uint64_t t0 = c8s_now_ms();
    CHECK_INT(req("GET", "/api/v1/namespaces/default/configmaps/y", NULL, &r), 429);
    uint64_t waited = c8s_now_ms() - t0;
    CHECK_MSG(waited >= 450, "refused after %llu ms, before its queue wait ran out",
              (unsigned long long)waited);
    CHECK(strstr(r.body, "\"reason\":\"TooManyRequests\"") != NULL);
    CHECK(strcasestr(r.headers, "Retry-After: 1") != NULL);
    th_resp_free(&r);
    CHECK_INT(req("PUT", "/api/v1/namespaces/default/configmaps/y", "{}", NULL), 429);
    /* The wait and the refusals show in the flow-control metrics (read as the admin: exempt). */
    const char *user = as_user;
    as_user = NULL;
    CHECK_INT(req("GET", "/metrics", NULL, &r), 200);
    as_user = user;
    CHECK(strstr(r.body,
                 "apiserver_flowcontrol_rejected_requests_total{flow_schema=\"global-"
                 "default\",priority_level=\"global-default\",reason=\"time-out\"} ") != NULL);
    CHECK(strstr(r.body, "apiserver_flowcontrol_current_executing_requests{flow_schema=\"global-"
                         "default\",priority_level=\"global-default\"} 1") != NULL);
    th_resp_free(&r);
    /* Watches are long-running and not counted: one still opens. */
    th_watch_t w;
    CHECK_INT(th_watch_open(&w, srv.port, "/api/v1/namespaces/default/configmaps?watch=true"), 0);
    CHECK_INT(w.status, 200);
    th_watch_close(&w);
    /* Health checks are never limited. */
    CHECK_INT(req("GET", "/livez", NULL, NULL), 200);
    th_etcd_signal(&etcd, SIGCONT);
    pthread_join(tr, NULL);
    pthread_join(tw, NULL);
    /* One of the two held requests has the seat, the other waited in its queue and may have
     * been refused; whichever won the race. */
    CHECK_MSG(read.status == 404 || read.status == 429 || read.status == 503 || read.status == 504,
              "held read: %ld", read.status);
    CHECK_MSG(read.status != 429 || write.status != 429, "both held requests refused");
    /* the write waited behind the read: refused in its queue, or run once etcd was back */
    CHECK_MSG(write.status == 201 || write.status == 429 || write.status == 503 ||
                  write.status == 504,
              "held write: %ld", write.status);
    /* Once they finish, there is room again. */
    bool room = false;
    for (int i = 0; i < 50 && !room; i++) {
        room = req("GET", "/api/v1/namespaces/default/configmaps?limit=1", NULL, NULL) == 200;
        if (!room)
            usleep(100000);
    }
    CHECK(room);
}

static void test_slow_watcher(void)
{
    /* One watcher never reads while ~9 MB of events flow: more than its queue bound (256 KiB
     * here) and the kernel's socket buffers. Another reads each event as it comes. */
    th_watch_t slow, fast;
    REQUIRE_VOID(th_watch_open(&slow, srv.port, "/api/v1/namespaces/default/secrets?watch=true") ==
                 0);
    REQUIRE_VOID(th_watch_open(&fast, srv.port, "/api/v1/namespaces/default/secrets?watch=true") ==
                 0);
    enum { N = 150, SIZE = 60000 };
    /* The revision before the secrets, for a replay of their creation further down. */
    th_resp_t lr;
    char rv0[32] = "";
    if (req("GET", "/api/v1/namespaces/default/secrets?limit=1", NULL, &lr) == 200) {
        const char *p = strstr(lr.body, "\"resourceVersion\":\"");
        if (p)
            snprintf(rv0, sizeof(rv0), "%lld", strtoll(p + 19, NULL, 10));
    }
    th_resp_free(&lr);
    CHECK(rv0[0] != '\0');
    char *big = xmalloc(SIZE + 1);
    memset(big, 'v', SIZE);
    big[SIZE] = '\0';
    char *body = xmalloc(SIZE + 200);
    int fast_seen = 0;
    uint64_t worst_ms = 0;
    for (int i = 0; i < N; i++) {
        snprintf(body, SIZE + 200,
                 "{\"metadata\":{\"name\":\"s%d\"},\"stringData\":{\"k\":\"%s\"}}", i, big);
        CHECK_INT(req("POST", "/api/v1/namespaces/default/secrets", body, NULL), 201);
        uint64_t t0 = c8s_now_ms();
        while (fast_seen <= i && c8s_now_ms() - t0 < 5000) {
            char *line = th_watch_next(&fast, 100);
            if (line)
                fast_seen += strstr(line, "\"ADDED\"") != NULL;
            free(line);
        }
        if (c8s_now_ms() - t0 > worst_ms)
            worst_ms = c8s_now_ms() - t0;
    }
    free(big);
    free(body);
    CHECK_INT(fast_seen, N); /* the reader got everything, promptly, despite the stuck one */
    CHECK_MSG(worst_ms < 2000, "the reading watcher waited %llu ms", (unsigned long long)worst_ms);
    /* The stuck watcher was dropped: what it can still read ends early, with the stream's end. */
    int slow_seen = 0;
    uint64_t start = c8s_now_ms();
    while (!slow.eof && c8s_now_ms() - start < 20000) {
        char *line = th_watch_next(&slow, 200);
        if (line)
            slow_seen += strstr(line, "\"ADDED\"") != NULL;
        free(line);
    }
    CHECK_MSG(slow.eof && slow_seen < N, "slow watcher: eof=%d, saw %d of %d", slow.eof, slow_seen,
              N);
    th_watch_close(&slow);
    th_watch_close(&fast);

    /* What a watch starts with does not count against the bound: the state as 150 ADDED events
     * (resourceVersion=0) or the cache window replayed from a revision, ~9 MB either way, far past
     * the 256 KiB bound, reach a client that reads them, and the stream stays open. */
    char path[256];
    const char *const starts[] = {"0", rv0};
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof(path),
                 "/api/v1/namespaces/default/secrets?watch=true&resourceVersion=%s", starts[k]);
        th_watch_t w;
        REQUIRE_VOID(th_watch_open(&w, srv.port, path) == 0);
        int seen = 0;
        start = c8s_now_ms();
        while (seen < N && !w.eof && c8s_now_ms() - start < 60000) {
            char *line = th_watch_next(&w, 200);
            if (line)
                seen += strstr(line, "\"ADDED\"") != NULL;
            free(line);
        }
        CHECK_MSG(seen == N && !w.eof, "watch from %s: saw %d of %d, eof=%d", starts[k], seen, N,
                  w.eof);
        th_watch_close(&w);
    }
}

/* ---- ClusterIP and NodePort allocation under concurrent creates ---- */

#define SVC_THREADS 24 /* more than the 20 node ports of this server's range */

typedef struct {
    int index;
    long status;
    char ip[64];
    long node_port;
} svc_t;

static void *create_svc(void *arg)
{
    svc_t *v = arg;
    char body[256];
    snprintf(body, sizeof(body),
             "{\"metadata\":{\"name\":\"np%d\"},\"spec\":{\"type\":\"NodePort\",\"ports\":[{"
             "\"port\":80}]}}",
             v->index);
    th_resp_t r;
    /* This server admits one write at a time: back off on 429 as clients do (Retry-After). */
    for (;;) {
        v->status = req("POST", "/api/v1/namespaces/default/services", body, &r);
        if (v->status != 429)
            break;
        th_resp_free(&r);
        usleep(20000);
    }
    json_t *j = json_loads(r.body, 0, NULL);
    json_t *spec = json_object_get(j, "spec");
    snprintf(v->ip, sizeof(v->ip), "%s",
             json_string_value(json_object_get(spec, "clusterIP")) ?: "");
    v->node_port = (long)json_integer_value(
        json_object_get(json_array_get(json_object_get(spec, "ports"), 0), "nodePort"));
    json_decref(j);
    th_resp_free(&r);
    return NULL;
}

static void test_allocation(void)
{
    pthread_t th[SVC_THREADS];
    svc_t v[SVC_THREADS];
    memset(v, 0, sizeof(v));
    for (int i = 0; i < SVC_THREADS; i++) {
        v[i].index = i;
        pthread_create(&th[i], NULL, create_svc, &v[i]);
    }
    for (int i = 0; i < SVC_THREADS; i++)
        pthread_join(th[i], NULL);
    int created = 0, refused = 0;
    bool distinct = true;
    for (int i = 0; i < SVC_THREADS; i++) {
        if (v[i].status == 201) {
            created++;
            CHECK_MSG(v[i].node_port >= 30000 && v[i].node_port <= 30019, "np%d: port %ld", i,
                      v[i].node_port);
            for (int j = 0; j < i; j++) {
                if (v[j].status != 201)
                    continue;
                distinct =
                    distinct && strcmp(v[i].ip, v[j].ip) != 0 && v[i].node_port != v[j].node_port;
            }
        } else {
            refused++;
        }
    }
    CHECK_INT(created, 20); /* exactly as many as the range holds */
    CHECK_INT(refused, SVC_THREADS - 20);
    CHECK_MSG(distinct, "an address or port was handed out twice");
    /* Deleting a service releases its address and port: both can be asked for again. */
    int k = 0;
    while (k < SVC_THREADS && v[k].status != 201)
        k++;
    char path[128], body[256];
    snprintf(path, sizeof(path), "/api/v1/namespaces/default/services/np%d", k);
    CHECK_INT(req("DELETE", path, NULL, NULL), 200);
    snprintf(
        body, sizeof(body),
        "{\"metadata\":{\"name\":\"again\"},\"spec\":{\"type\":\"NodePort\",\"clusterIP\":\"%s\","
        "\"ports\":[{\"port\":80,\"nodePort\":%ld}]}}",
        v[k].ip, v[k].node_port);
    bool reused = false;
    for (int i = 0; i < 50 && !reused; i++) {
        reused = req("POST", "/api/v1/namespaces/default/services", body, NULL) == 201;
        if (!reused)
            usleep(50000);
    }
    CHECK_MSG(reused, "released %s:%ld could not be allocated again", v[k].ip, v[k].node_port);
    /* A taken port asked for by number is Invalid. */
    snprintf(body, sizeof(body),
             "{\"metadata\":{\"name\":\"clash\"},\"spec\":{\"type\":\"NodePort\",\"ports\":[{"
             "\"port\":80,"
             "\"nodePort\":%ld}]}}",
             v[k].node_port);
    CHECK_INT(req("POST", "/api/v1/namespaces/default/services", body, NULL), 422);
}

/* A namespace being deleted takes no new objects. */
static void test_terminating_namespace(void)
{
    CHECK_INT(req("POST", "/api/v1/namespaces", "{\"metadata\":{\"name\":\"going\"}}", NULL), 201);
    th_resp_t r;
    CHECK_INT(req("DELETE", "/api/v1/namespaces/going", NULL, &r), 200);
    CHECK(strstr(r.body, "\"phase\":\"Terminating\"") != NULL);
    th_resp_free(&r);
    CHECK_INT(
        req("POST", "/api/v1/namespaces/going/configmaps", "{\"metadata\":{\"name\":\"x\"}}", &r),
        403);
    CHECK(strstr(r.body, "because it is being terminated") != NULL);
    th_resp_free(&r);
}

static void test_bookmarks(void)
{
    th_watch_t w;
    REQUIRE_VOID(th_watch_open(&w, srv.port,
                               "/api/v1/namespaces/default/pods?watch=true&allowWatchBookmarks=true"
                               "&timeoutSeconds=1&resourceVersion=0") == 0);
    bool bookmark = false;
    for (int i = 0; i < 30 && !w.eof && !bookmark; i++) {
        char *line = th_watch_next(&w, 200);
        if (line && strstr(line, "\"type\":\"BOOKMARK\"") && strstr(line, "\"kind\":\"Pod\""))
            bookmark = true;
        free(line);
    }
    CHECK(bookmark);
    /* timeoutSeconds ends the stream. */
    for (int i = 0; i < 30 && !w.eof; i++)
        free(th_watch_next(&w, 200));
    CHECK(w.eof);
    th_watch_close(&w);
}

int main(void)
{
    REQUIRE(th_etcd_start(&etcd) == 0);
    static const char *const args[] = {"--max-requests-inflight",
                                       "1",
                                       "--max-mutating-requests-inflight",
                                       "1",
                                       "--watch-queue-max-bytes",
                                       "262144",
                                       "--service-node-port-range",
                                       "30000-30019",
                                       "--disable-scheduler",
                                       "--disable-controller-manager",
                                       "--request-timeout",
                                       "2s",
                                       NULL};
    if (th_server_start(&srv, etcd.url, args) != 0) {
        th_server_stop(&srv);
        th_etcd_stop(&etcd);
        REQUIRE(!"server started");
    }
    CHECK_INT(req("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
                  "{\"metadata\":{\"name\":\"limited\"},\"roleRef\":{\"apiGroup\":"
                  "\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\",\"name\":"
                  "\"cluster-admin\"},\"subjects\":[{\"apiGroup\":\"rbac.authorization.k8s.io\","
                  "\"kind\":\"User\",\"name\":\"limited\"}]}",
                  NULL),
              201);
    as_user = "Impersonate-User: limited";
    for (int i = 0; i < 100 && req("GET", "/api/v1/namespaces/default", NULL, NULL) != 200; i++)
        usleep(50000);
    test_inflight_limits();
    test_slow_watcher();
    test_bookmarks();
    test_allocation();
    test_terminating_namespace();
    CHECK_INT(th_server_stop(&srv), 0);
    th_etcd_stop(&etcd);
    TEST_END();
}
