/*
 * test_api_consistency.c — the API's promises under concurrency and failure, on a real etcd:
 * concurrent writers on one object lose no update; a watch resumed from a resourceVersion sees
 * every later event once, in order; a compacted resourceVersion is 410; pagination sees every
 * object once; etcd killed gives 503 within a second, and once etcd is back the server serves
 * again and its watches follow again.
 */
#include "c8s/base.h"
#include "harness.h"
#include "test.h"

#include <pthread.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static th_server_t srv;
static th_etcd_t etcd;

static long req(const char *method, const char *path, const char *ct, const char *body,
                json_t **out)
{
    char url[512];
    snprintf(url, sizeof(url), "%s%s", srv.url, path);
    th_resp_t r;
    int rc = th_http(method, url, ct, body, &r);
    long st = rc == 0 ? r.status : -1;
    if (out)
        *out = rc == 0 ? json_loads(r.body, 0, NULL) : NULL;
    th_resp_free(&r);
    return st;
}

static const char *rv_of(const json_t *o)
{
    return json_string_value(json_object_get(json_object_get(o, "metadata"), "resourceVersion"));
}

/* ---- N concurrent read-modify-write writers on one counter ---- */

#define WRITERS     8
#define WRITES_EACH 15

typedef struct {
    int landed, conflicts, errors;
} writer_t;

static void *writer(void *arg)
{
    writer_t *w = arg;
    for (int i = 0; i < WRITES_EACH; i++) {
        for (;;) {
            json_t *cm = NULL;
            if (req("GET", "/api/v1/namespaces/default/configmaps/counter", NULL, NULL, &cm) !=
                200) {
                w->errors++;
                json_decref(cm);
                break;
            }
            json_t *data = json_object_get(cm, "data");
            long n = strtol(json_string_value(json_object_get(data, "n")), NULL, 10);
            char buf[32];
            snprintf(buf, sizeof(buf), "%ld", n + 1);
            json_object_set_new(data, "n", json_string(buf));
            char *body = json_dumps(cm, JSON_COMPACT);
            json_decref(cm);
            long st = req("PUT", "/api/v1/namespaces/default/configmaps/counter",
                          "application/json", body, NULL);
            free(body);
            if (st == 200) {
                w->landed++;
                break;
            }
            if (st == 409) {
                w->conflicts++;
                continue;
            }
            w->errors++;
            break;
        }
    }
    return NULL;
}

static void test_concurrent_writers(void)
{
    CHECK_INT(req("POST", "/api/v1/namespaces/default/configmaps", "application/json",
                  "{\"metadata\":{\"name\":\"counter\"},\"data\":{\"n\":\"0\"}}", NULL),
              201);
    pthread_t th[WRITERS];
    writer_t w[WRITERS];
    memset(w, 0, sizeof(w));
    for (int i = 0; i < WRITERS; i++)
        pthread_create(&th[i], NULL, writer, &w[i]);
    int landed = 0, conflicts = 0, errors = 0;
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(th[i], NULL);
        landed += w[i].landed;
        conflicts += w[i].conflicts;
        errors += w[i].errors;
    }
    json_t *cm = NULL;
    req("GET", "/api/v1/namespaces/default/configmaps/counter", NULL, NULL, &cm);
    long n = strtol(json_string_value(json_object_get(json_object_get(cm, "data"), "n")) ?: "-1",
                    NULL, 10);
    json_decref(cm);
    fprintf(stderr, "concurrent writers: %d landed, %d conflicts (retried), %d errors\n", landed,
            conflicts, errors);
    CHECK_INT(errors, 0);
    CHECK_INT(landed, WRITERS * WRITES_EACH);
    CHECK_INT(n, landed); /* every landed write is counted: none was silently overwritten */
    CHECK(conflicts > 0); /* the race really happened */
}

/* ---- watch resume without gaps or duplicates ---- */

static int watch_collect(int port, const char *path, int want, char names[][32], int timeout_ms,
                         char *last_rv)
{
    th_watch_t w;
    if (th_watch_open(&w, port, path) != 0 || w.status != 200) {
        th_watch_close(&w);
        return -1;
    }
    int got = 0;
    uint64_t start = c8s_now_ms();
    while (got < want && (int)(c8s_now_ms() - start) < timeout_ms) {
        char *line = th_watch_next(&w, 200);
        if (!line)
            continue;
        json_t *ev = json_loads(line, 0, NULL);
        free(line);
        const char *type = json_string_value(json_object_get(ev, "type"));
        json_t *obj = json_object_get(ev, "object");
        if (type && strcmp(type, "BOOKMARK") != 0 && strcmp(type, "ERROR") != 0) {
            snprintf(names[got], 32, "%s:%s", type,
                     json_string_value(json_object_get(json_object_get(obj, "metadata"), "name")));
            if (last_rv)
                snprintf(last_rv, 32, "%s", rv_of(obj));
            got++;
        } else if (type && strcmp(type, "ERROR") == 0) {
            snprintf(names[got], 32, "ERROR:%lld",
                     (long long)json_integer_value(json_object_get(obj, "code")));
            got++;
        }
        json_decref(ev);
    }
    th_watch_close(&w);
    return got;
}

static void test_watch_resume(void)
{
    CHECK_INT(req("POST", "/api/v1/namespaces", "application/json",
                  "{\"metadata\":{\"name\":\"wr\"}}", NULL),
              201);
    json_t *cm = NULL;
    CHECK_INT(req("POST", "/api/v1/namespaces/wr/configmaps", "application/json",
                  "{\"metadata\":{\"name\":\"w0\"}}", &cm),
              201);
    char from[32];
    snprintf(from, sizeof(from), "%s", rv_of(cm));
    json_decref(cm);
    for (int i = 1; i <= 10; i++) {
        char b[128];
        snprintf(b, sizeof(b), "{\"metadata\":{\"name\":\"w%d\"}}", i);
        CHECK_INT(req("POST", "/api/v1/namespaces/wr/configmaps", "application/json", b, NULL),
                  201);
    }
    CHECK_INT(req("DELETE", "/api/v1/namespaces/wr/configmaps/w3", NULL, NULL, NULL), 200);
    /* From the first object's resourceVersion: exactly w1..w10 added, then w3 deleted. */
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/namespaces/wr/configmaps?watch=true&resourceVersion=%s",
             from);
    char names[64][32];
    int got = watch_collect(srv.port, path, 12, names, 3000, NULL);
    CHECK_INT(got, 11); /* and nothing more: no duplicates */
    bool in_order = got == 11;
    for (int i = 0; i < 10 && in_order; i++) {
        char want[32];
        snprintf(want, sizeof(want), "ADDED:w%d", i + 1);
        in_order = strcmp(names[i], want) == 0;
    }
    CHECK_MSG(in_order, "events out of order or missing");
    if (got == 11)
        CHECK_STR(names[10], "DELETED:w3");
    /* Resuming from the middle: only what came after, once. */
    json_t *w5 = NULL;
    req("GET", "/api/v1/namespaces/wr/configmaps/w5", NULL, NULL, &w5);
    snprintf(path, sizeof(path), "/api/v1/namespaces/wr/configmaps?watch=true&resourceVersion=%s",
             rv_of(w5));
    json_decref(w5);
    got = watch_collect(srv.port, path, 7, names, 3000, NULL);
    CHECK_INT(got, 6);
    if (got == 6) {
        CHECK_STR(names[0], "ADDED:w6");
        CHECK_STR(names[5], "DELETED:w3");
    }
    /* Without a resourceVersion: the current state first, as ADDED events. */
    got =
        watch_collect(srv.port, "/api/v1/namespaces/wr/configmaps?watch=1", 11, names, 2000, NULL);
    CHECK_INT(got, 10);
    /* Label-selected watch: an object entering the selector is ADDED for the watcher, one
     * leaving it DELETED, as upstream. */
    th_watch_t lw;
    CHECK_INT(th_watch_open(&lw, srv.port,
                            "/api/v1/namespaces/wr/configmaps?watch=true&labelSelector=sel%3Don"),
              0);
    req("POST", "/api/v1/namespaces/wr/configmaps", "application/json",
        "{\"metadata\":{\"name\":\"ls\"}}", NULL);
    req("PATCH", "/api/v1/namespaces/wr/configmaps/ls", "application/merge-patch+json",
        "{\"metadata\":{\"labels\":{\"sel\":\"on\"}}}", NULL);
    req("PATCH", "/api/v1/namespaces/wr/configmaps/ls", "application/merge-patch+json",
        "{\"metadata\":{\"labels\":{\"sel\":\"off\"}}}", NULL);
    const char *want[] = {"\"type\":\"ADDED\"", "\"type\":\"DELETED\""};
    for (int i = 0; i < 2; i++) {
        char *line = th_watch_next(&lw, 3000);
        CHECK_MSG(line && strstr(line, want[i]), "selected watch event %d: %s", i,
                  line ? line : "(none)");
        free(line);
    }
    th_watch_close(&lw);
}

static void test_pagination(void)
{
    CHECK_INT(req("POST", "/api/v1/namespaces", "application/json",
                  "{\"metadata\":{\"name\":\"pg\"}}", NULL),
              201);
    for (int i = 0; i < 57; i++) {
        char b[128];
        snprintf(b, sizeof(b), "{\"metadata\":{\"name\":\"p%02d\",\"labels\":{\"odd\":\"%s\"}}}", i,
                 i % 2 ? "yes" : "no");
        CHECK_INT(req("POST", "/api/v1/namespaces/pg/configmaps", "application/json", b, NULL),
                  201);
    }
    char seen[57] = {0};
    int pages = 0, total = 0;
    char cont[1024] = "";
    int64_t first_rv = 0;
    do {
        char path[1400];
        snprintf(path, sizeof(path), "/api/v1/namespaces/pg/configmaps?limit=10%s%s",
                 cont[0] ? "&continue=" : "", cont);
        json_t *list = NULL;
        long st = req("GET", path, NULL, NULL, &list);
        CHECK_INT(st, 200);
        if (st != 200) {
            json_decref(list);
            break;
        }
        pages++;
        json_t *md = json_object_get(list, "metadata");
        int64_t rv =
            strtoll(json_string_value(json_object_get(md, "resourceVersion")) ?: "0", NULL, 10);
        if (!first_rv)
            first_rv = rv;
        CHECK_INT(rv, first_rv); /* every page is at the first page's revision */
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(list, "items"), i, it)
        {
            int n = atoi(
                json_string_value(json_object_get(json_object_get(it, "metadata"), "name")) + 1);
            if (n >= 0 && n < 57)
                seen[n]++;
            total++;
        }
        const char *c = json_string_value(json_object_get(md, "continue"));
        snprintf(cont, sizeof(cont), "%s", c ? c : "");
        /* Someone writes between pages: the list stays consistent. */
        if (pages == 2)
            req("POST", "/api/v1/namespaces/pg/configmaps", "application/json",
                "{\"metadata\":{\"name\":\"zz-late\"}}", NULL);
        json_decref(list);
    } while (cont[0] && pages < 20);
    CHECK_INT(pages, 6);
    CHECK_INT(total, 57);
    bool once = true;
    for (int i = 0; i < 57; i++)
        once = once && seen[i] == 1;
    CHECK_MSG(once, "an object was seen twice or never");
    /* Selectors filter across pages. */
    json_t *odd = NULL;
    req("GET", "/api/v1/namespaces/pg/configmaps?labelSelector=odd%3Dyes", NULL, NULL, &odd);
    CHECK_INT(json_array_size(json_object_get(odd, "items")), 28);
    json_decref(odd);
    req("GET", "/api/v1/namespaces/pg/configmaps?labelSelector=odd%3Dyes&resourceVersion=0", NULL,
        NULL, &odd);
    CHECK_INT(json_array_size(json_object_get(odd, "items")), 28);
    json_decref(odd);
    req("GET", "/api/v1/namespaces/pg/configmaps?fieldSelector=metadata.name%3Dp07", NULL, NULL,
        &odd);
    CHECK_INT(json_array_size(json_object_get(odd, "items")), 1);
    json_decref(odd);
    CHECK_INT(req("GET", "/api/v1/namespaces/pg/configmaps?fieldSelector=spec.bogus%3Dx", NULL,
                  NULL, NULL),
              400);
    CHECK_INT(
        req("GET", "/api/v1/namespaces/pg/configmaps?labelSelector=a%20in%20(", NULL, NULL, NULL),
        400);
}

/* Compaction: a watch from before the compacted revision is 410 Gone. */
static void test_gone_after_compaction(void)
{
    json_t *a = NULL;
    req("POST", "/api/v1/namespaces/default/configmaps", "application/json",
        "{\"metadata\":{\"name\":\"old1\"}}", &a);
    char old_rv[32];
    snprintf(old_rv, sizeof(old_rv), "%s", rv_of(a));
    json_decref(a);
    /* Push the watch cache's window (set small for this test) past old_rv. */
    for (int i = 0; i < 40; i++) {
        char b[128];
        snprintf(b, sizeof(b), "{\"metadata\":{\"name\":\"churn%d\"}}", i);
        req("POST", "/api/v1/namespaces/default/configmaps", "application/json", b, NULL);
    }
    char path[1400];
    snprintf(path, sizeof(path),
             "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=%s", old_rv);
    char names[4][32];
    int got = watch_collect(srv.port, path, 1, names, 3000, NULL);
    CHECK_INT(got, 1);
    if (got == 1)
        CHECK_STR(names[0], "ERROR:410");
    /* And a list continuing from a compacted revision: compact etcd directly. */
    json_t *l1 = NULL;
    req("GET", "/api/v1/namespaces/default/configmaps?limit=5", NULL, NULL, &l1);
    const char *cont =
        json_string_value(json_object_get(json_object_get(l1, "metadata"), "continue"));
    char contbuf[1024];
    snprintf(contbuf, sizeof(contbuf), "%s", cont ? cont : "");
    json_t *now = NULL;
    req("POST", "/api/v1/namespaces/default/configmaps", "application/json",
        "{\"metadata\":{\"name\":\"compact-me\"}}", &now);
    char url[256], body[128];
    snprintf(url, sizeof(url), "%s/v3/kv/compaction", etcd.url);
    snprintf(body, sizeof(body), "{\"revision\":\"%s\",\"physical\":true}", rv_of(now));
    th_resp_t r;
    th_http("POST", url, "application/json", body, &r);
    CHECK_INT(r.status, 200);
    th_resp_free(&r);
    json_decref(now);
    json_decref(l1);
    snprintf(path, sizeof(path), "/api/v1/namespaces/default/configmaps?limit=5&continue=%s",
             contbuf);
    CHECK_INT(req("GET", path, NULL, NULL, NULL), 410);
}

static void test_etcd_down(void)
{
    /* A watch open across the outage. */
    th_watch_t w;
    CHECK_INT(th_watch_open(&w, srv.port, "/api/v1/namespaces/default/secrets?watch=true"), 0);
    th_etcd_signal(&etcd, SIGKILL);
    uint64_t t0 = c8s_now_ms();
    long st = req("GET", "/api/v1/namespaces/default/configmaps/counter", NULL, NULL, NULL);
    uint64_t took = c8s_now_ms() - t0;
    CHECK_INT(st, 503);
    CHECK_MSG(took < 1000, "503 took %llu ms", (unsigned long long)took);
    st = req("POST", "/api/v1/namespaces/default/configmaps", "application/json",
             "{\"metadata\":{\"name\":\"during\"}}", NULL);
    CHECK_INT(st, 503);
    /* readyz reports the outage (it may take a probe interval). */
    bool unready = false;
    for (int i = 0; i < 50 && !unready; i++) {
        unready = req("GET", "/readyz", NULL, NULL, NULL) != 200;
        if (!unready)
            usleep(100000);
    }
    CHECK(unready);
    CHECK_INT(req("GET", "/livez", NULL, NULL, NULL), 200);

    REQUIRE_VOID(th_etcd_restart(&etcd) == 0);
    bool back = false;
    for (int i = 0; i < 100 && !back; i++) {
        long b = req("GET", "/api/v1/namespaces/default/configmaps/counter", NULL, NULL, NULL);
        back = b == 200 || b == 404;
        if (!back)
            usleep(100000);
    }
    CHECK(back);
    CHECK_INT(req("POST", "/api/v1/namespaces/default/secrets", "application/json",
                  "{\"metadata\":{\"name\":\"after\"}}", NULL),
              201);
    /* The watch opened before the outage still delivers (the cache resumed its etcd watch). */
    bool seen = false;
    for (int i = 0; i < 50 && !seen; i++) {
        char *line = th_watch_next(&w, 200);
        if (line && strstr(line, "\"after\""))
            seen = true;
        free(line);
    }
    CHECK_MSG(seen, "watch did not resume after etcd came back");
    th_watch_close(&w);
    /* And ready again. */
    bool ready = false;
    for (int i = 0; i < 100 && !ready; i++) {
        ready = req("GET", "/readyz", NULL, NULL, NULL) == 200;
        if (!ready)
            usleep(100000);
    }
    CHECK(ready);
}

int main(void)
{
    REQUIRE(th_etcd_start(&etcd) == 0);
    static const char *const args[] = {"--watch-cache-size", "20", "--disable-scheduler",
                                       "--disable-controller-manager", NULL};
    if (th_server_start(&srv, etcd.url, args) != 0) {
        th_server_stop(&srv);
        th_etcd_stop(&etcd);
        REQUIRE(!"server started");
    }
    test_concurrent_writers();
    test_watch_resume();
    test_pagination();
    test_etcd_down();
    test_gone_after_compaction();
    CHECK_INT(th_server_stop(&srv), 0);
    th_etcd_stop(&etcd);
    TEST_END();
}
