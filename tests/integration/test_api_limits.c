/*
 * test_api_limits.c — the server under pressure: requests beyond --max-requests-inflight and
 * --max-mutating-requests-inflight get 429 with Retry-After (watches are not counted); a watcher
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

static long req(const char *method, const char *path, const char *body, th_resp_t *keep)
{
    char url[512];
    snprintf(url, sizeof(url), "%s%s", srv.url, path);
    th_resp_t r;
    int rc = th_http(method, url, body ? "application/json" : NULL, body, &r);
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
    th_resp_t r;
    CHECK_INT(req("GET", "/api/v1/namespaces/default/configmaps/y", NULL, &r), 429);
    CHECK(strstr(r.body, "\"reason\":\"TooManyRequests\"") != NULL);
    CHECK(strcasestr(r.headers, "Retry-After: 1") != NULL);
    th_resp_free(&r);
    CHECK_INT(req("PUT", "/api/v1/namespaces/default/configmaps/y", "{}", NULL), 429);
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
    CHECK_MSG(read.status == 404 || read.status == 503 || read.status == 504, "held read: %ld",
              read.status);
    CHECK_MSG(write.status == 201 || write.status == 503 || write.status == 504, "held write: %ld",
              write.status);
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
                                       NULL};
    if (th_server_start(&srv, etcd.url, args) != 0) {
        th_server_stop(&srv);
        th_etcd_stop(&etcd);
        REQUIRE(!"server started");
    }
    test_inflight_limits();
    test_slow_watcher();
    test_bookmarks();
    CHECK_INT(th_server_stop(&srv), 0);
    th_etcd_stop(&etcd);
    TEST_END();
}
