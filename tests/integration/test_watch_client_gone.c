/* test_watch_client_gone.c — a watch whose HTTP/1.1 client goes away ends on the server at once,
 * with nothing written to the watched resource. h2o does not read an HTTP/1 connection while it
 * writes a response, so a client's close used to be seen only at the stream's next event: on a
 * quiet resource the stream, its connection and its timer stayed until the watch's timeout
 * (30-60 min), and bench/api's 1,000 closed watchers kept an idle server ticking. Upstream ends
 * the request when its client closes. Also: the watches still open keep working. */
#include "c8s/base.h"
#include "harness.h"
#include "test.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define N_GONE 20

static th_etcd_t etcd;
static th_server_t srv;

/* apiserver_registered_watchers{resource="configmaps"}, or -1. */
static long cm_watchers(void)
{
    char url[256];
    snprintf(url, sizeof(url), "%s/metrics", srv.url);
    th_resp_t r = {0};
    long n = -1;
    if (th_http("GET", url, NULL, NULL, &r) == 0 && r.status == 200 && r.body) {
        static const char key[] = "apiserver_registered_watchers{resource=\"configmaps\"} ";
        const char *p = strstr(r.body, key);
        if (p)
            n = strtol(p + sizeof(key) - 1, NULL, 10);
    }
    th_resp_free(&r);
    return n;
}

/* Polls until the configmaps watcher count is want (up to timeout_s); returns the last count. */
static long wait_watchers(long want, int timeout_s)
{
    long n = -1;
    for (int i = 0; i < timeout_s * 10; i++) {
        n = cm_watchers();
        if (n == want)
            break;
        usleep(100000);
    }
    return n;
}

int main(void)
{
    REQUIRE(th_etcd_start(&etcd) == 0);
    static const char *const args[] = {"--disable-scheduler", "--disable-controller-manager", NULL};
    if (th_server_start(&srv, etcd.url, args) != 0) {
        th_server_stop(&srv);
        th_etcd_stop(&etcd);
        REQUIRE(!"server started");
    }
    long base = cm_watchers();
    CHECK(base >= 0);

    /* Watches of a namespace where nothing happens, and one that stays. */
    static const char path[] = "/api/v1/namespaces/default/configmaps?watch=true";
    th_watch_t gone[N_GONE], stays = {0};
    for (int i = 0; i < N_GONE; i++) {
        memset(&gone[i], 0, sizeof(gone[i]));
        CHECK_INT(th_watch_open(&gone[i], srv.port, path), 0);
        CHECK_INT(gone[i].status, 200);
    }
    CHECK_INT(th_watch_open(&stays, srv.port, path), 0);
    CHECK_INT(stays.status, 200);
    CHECK_INT(wait_watchers(base + N_GONE + 1, 60), base + N_GONE + 1);

    /* Half of the clients close (FIN), the other half reset (RST, as a killed client's kernel
     * may); none says goodbye in TLS. */
    for (int i = 0; i < N_GONE; i++) {
        if (i % 2) {
            struct linger lg = {.l_onoff = 1, .l_linger = 0};
            CHECK(setsockopt(gone[i].fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0);
        }
        th_watch_close(&gone[i]);
    }
    CHECK_INT(wait_watchers(base + 1, 60), base + 1);

    /* The watch that stayed still gets events. */
    char url[256];
    snprintf(url, sizeof(url), "%s/api/v1/namespaces/default/configmaps", srv.url);
    th_resp_t r = {0};
    CHECK(th_http("POST", url, "application/json", "{\"metadata\":{\"name\":\"after\"}}", &r) == 0);
    CHECK_INT(r.status, 201);
    th_resp_free(&r);
    bool seen = false;
    char *line;
    while (!seen && (line = th_watch_next(&stays, 60000))) {
        seen = strstr(line, "\"type\":\"ADDED\"") && strstr(line, "\"name\":\"after\"");
        free(line);
    }
    CHECK(seen);
    th_watch_close(&stays);
    CHECK_INT(wait_watchers(base, 60), base);
    CHECK_INT(th_server_stop(&srv), 0);
    th_etcd_stop(&etcd);
    TEST_END();
}
