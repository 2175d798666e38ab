/* test_watch_replay.c — a watch from a resourceVersion with one change after it, over HTTP/1.1:
 * the watch cache replays it while the stream starts, the stream sends it, and the server keeps
 * serving. With exactly one replayed event (so nothing left queued behind its write) the stream
 * used to send its opening newline while that event was still being written, which trips h2o's
 * one-write-at-a-time assertion and aborts the server; `kubectl delete --wait` (a GET, then a
 * watch of that one name from its resourceVersion) hit it when a deleted namespace changed in
 * between. */
#include "c8s/base.h"
#include "harness.h"
#include "test.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static th_etcd_t etcd;
static th_server_t srv;

static long req(const char *method, const char *path, const char *ctype, const char *body,
                json_t **out)
{
    char url[512];
    snprintf(url, sizeof(url), "%s%s", srv.url, path);
    th_resp_t r = {0};
    long st = th_http(method, url, ctype, body, &r) == 0 ? r.status : -1;
    if (out)
        *out = r.body ? json_loads(r.body, 0, NULL) : NULL;
    th_resp_free(&r);
    return st;
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
    json_t *cm = NULL;
    CHECK_INT(req("POST", "/api/v1/namespaces/default/configmaps", "application/json",
                  "{\"metadata\":{\"name\":\"cm\"},\"data\":{\"a\":\"1\"}}", &cm),
              201);
    char rv[32];
    snprintf(rv, sizeof(rv), "%s",
             json_string_value(json_object_get(json_object_get(cm, "metadata"), "resourceVersion"))
                 ?: "0");
    json_decref(cm);
    CHECK_INT(req("PATCH", "/api/v1/namespaces/default/configmaps/cm",
                  "application/merge-patch+json", "{\"data\":{\"a\":\"2\"}}", NULL),
              200);
    /* Give the watch cache the change before the watch starts, so it is replayed. */
    for (int i = 0; i < 50; i++) {
        json_t *list = NULL;
        req("GET", "/api/v1/namespaces/default/configmaps?resourceVersion=0", NULL, NULL, &list);
        const char *got = json_string_value(json_object_get(
            json_object_get(json_array_get(json_object_get(list, "items"), 0), "data"), "a"));
        bool seen = got && strcmp(got, "2") == 0;
        json_decref(list);
        if (seen)
            break;
        usleep(100000);
    }

    char path[128];
    snprintf(path, sizeof(path), "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=%s",
             rv);
    th_watch_t w = {0};
    CHECK_INT(th_watch_open(&w, srv.port, path), 0);
    CHECK_INT(w.status, 200);
    int modified = 0;
    char *line;
    while (modified < 1 && (line = th_watch_next(&w, 5000))) {
        if (strstr(line, "\"type\":\"MODIFIED\""))
            modified++;
        free(line);
    }
    th_watch_close(&w);
    CHECK_INT(modified, 1);
    CHECK_INT(req("GET", "/api/v1/namespaces/default/configmaps/cm", NULL, NULL, NULL), 200);
    CHECK_INT(th_server_stop(&srv), 0);
    th_etcd_stop(&etcd);
    TEST_END();
}
