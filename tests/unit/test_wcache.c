/* test_wcache.c — the watch cache: ordering, event types, resume windows, 410, watcher stops. */
#include "c8s/wcache.h"
#include "test.h"

#include <stdio.h>

static wc_obj_t *mk(const char *ns, const char *name, int64_t rev)
{
    char key[128], json[256];
    snprintf(key, sizeof(key), "/registry/pods/%s/%s", ns, name);
    int n = snprintf(json, sizeof(json),
                     "{\"metadata\":{\"name\":\"%s\",\"resourceVersion\":\"%lld\"}}", name,
                     (long long)rev);
    return wc_obj_new(key, ns, name, "uid", rev, json, (size_t)n, json_pack("{s:s}", "app", name),
                      NULL);
}

typedef struct {
    int64_t revs[64];
    wc_event_type_t types[64];
    int n;
    int stop_after;
} seen_t;

static void on_event(wc_watcher_t *w, wc_event_t *e, void *data)
{
    seen_t *s = data;
    s->revs[s->n] = e->rev;
    s->types[s->n] = e->type;
    s->n++;
    if (s->stop_after && s->n == s->stop_after)
        wc_watcher_stop(w);
}

static bool count_visit(wc_obj_t *o, void *data)
{
    (*(int *)data)++;
    return true;
}

int main(void)
{
    wcache_t *c = wcache_new(4);
    wc_obj_t *init[] = {mk("b", "x", 5), mk("a", "y", 3), mk("a", "x", 4)};
    wcache_replace(c, init, 3, 10);
    CHECK_INT(wcache_size(c), 3);
    CHECK_INT(wcache_rev(c), 10);
    CHECK(wcache_get(c, "/registry/pods/a/x") != NULL);
    CHECK(wcache_get(c, "/registry/pods/a/z") == NULL);

    int n = 0;
    wcache_scan(c, "/registry/pods/a/", NULL, count_visit, &n);
    CHECK_INT(n, 2);
    n = 0;
    wcache_scan(c, "/registry/pods/", "/registry/pods/a/x", count_visit, &n);
    CHECK_INT(n, 2);

    seen_t live = {0};
    c8s_err_t err = C8S_ERR_INIT;
    wc_watcher_t *w = wcache_watch(c, 10, on_event, &live, &err);
    REQUIRE(w != NULL);

    wcache_apply(c, false, "/registry/pods/a/z", mk("a", "z", 11), 11); /* ADDED */
    wcache_apply(c, false, "/registry/pods/a/x", mk("a", "x", 12), 12); /* MODIFIED */
    wcache_apply(c, true, "/registry/pods/b/x", NULL, 13);              /* DELETED */
    wcache_apply(c, true, "/registry/pods/b/none", NULL, 14);           /* absent: no event */
    wcache_apply(c, false, "/registry/pods/a/x", mk("a", "x", 9), 9);   /* stale: ignored */
    CHECK_INT(live.n, 3);
    CHECK_INT(live.types[0], WC_ADDED);
    CHECK_INT(live.types[1], WC_MODIFIED);
    CHECK_INT(live.types[2], WC_DELETED);
    CHECK_INT(wcache_size(c), 3);
    CHECK_INT(wcache_rev(c), 14);

    /* Resume from 11: replays 12 and 13 only, no gaps, no duplicates. */
    seen_t resumed = {0};
    wc_watcher_t *w2 = wcache_watch(c, 11, on_event, &resumed, &err);
    REQUIRE(w2 != NULL);
    CHECK_INT(resumed.n, 2);
    CHECK_INT(resumed.revs[0], 12);
    CHECK_INT(resumed.revs[1], 13);

    /* Window of 4: after two more events the oldest (11) falls out; resuming from 10 is Gone. */
    wcache_apply(c, false, "/registry/pods/c/1", mk("c", "1", 15), 15);
    wcache_apply(c, false, "/registry/pods/c/2", mk("c", "2", 16), 16);
    CHECK(wcache_oldest(c) == 11);
    CHECK(wcache_watch(c, 10, on_event, &resumed, &err) == NULL);
    CHECK_INT(err.code, C8S_EGONE);
    CHECK_STR(err.msg, "too old resource version: 10 (11)");
    c8s_err_clear(&err);

    /* A watcher stopping itself inside its callback is safe and sees nothing more. */
    seen_t once = {.stop_after = 1};
    wcache_watch(c, 11, on_event, &once, &err);
    CHECK_INT(once.n, 1);
    wcache_apply(c, false, "/registry/pods/c/3", mk("c", "3", 17), 17);
    CHECK_INT(once.n, 1);
    CHECK_INT(wcache_watchers(c), 2);

    size_t len;
    wc_event_t *e = xcalloc(1, sizeof(*e));
    e->refs = 1;
    e->obj = mk("a", "q", 1);
    e->type = WC_ADDED;
    const char *line = wc_event_line(e, &len);
    CHECK_STR(line, "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"q\","
                    "\"resourceVersion\":\"1\"}}}\n");
    CHECK_INT(len, strlen(line));
    wc_event_unref(e);

    wc_watcher_stop(w);
    wc_watcher_stop(w2);
    CHECK_INT(wcache_watchers(c), 0);
    wcache_free(c);
    TEST_END();
}
