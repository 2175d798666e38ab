/*
 * test_store.c — the asynchronous etcd client against a real etcd: CRUD with optimistic
 * concurrency, ranges, concurrent read-modify-write, watches (history, prev_kv, progress,
 * compaction), leases, a crash and restart of etcd, endpoint fail-over and the managed etcd.
 */
#include "c8s/store.h"
#include "harness.h"
#include "test.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#define MAXKV 32

typedef struct kvc_s {
    char key[96];
    char value[96];
    bool has_value;
    int64_t create_rev, mod_rev;
} kvc_t;

typedef struct res_s {
    bool done;
    int code;
    char msg[C8S_ERR_MSG_MAX];
    int64_t revision, count, lease_id, lease_ttl;
    bool succeeded, more, has_prev;
    size_t n;
    kvc_t kvs[MAXKV];
    kvc_t prev;
} res_t;

static uv_loop_t loop;
static uv_timer_t tick;
static store_t *st;

static void kv_copy(kvc_t *d, const store_kv_t *s)
{
    snprintf(d->key, sizeof(d->key), "%s", s->key);
    d->has_value = s->value != NULL;
    snprintf(d->value, sizeof(d->value), "%s", s->value ? s->value : "");
    d->create_rev = s->create_revision;
    d->mod_rev = s->mod_revision;
}

static void on_res(const store_result_t *r, void *data)
{
    res_t *o = data;
    o->done = true;
    o->code = r->code;
    if (r->code && r->err)
        snprintf(o->msg, sizeof(o->msg), "%s", r->err->msg);
    o->revision = r->revision;
    o->count = r->count;
    o->lease_id = r->lease_id;
    o->lease_ttl = r->lease_ttl;
    o->succeeded = r->succeeded;
    o->more = r->more;
    o->n = r->n_kvs;
    for (size_t i = 0; i < r->n_kvs && i < MAXKV; i++)
        kv_copy(&o->kvs[i], &r->kvs[i]);
    o->has_prev = r->prev_kv != NULL;
    if (r->prev_kv)
        kv_copy(&o->prev, r->prev_kv);
}

static void on_tick(uv_timer_t *t) {}

/* Runs the loop until *flag or timeout; a ticking timer bounds every uv_run. */
static bool wait_for(const bool *flag, int timeout_ms)
{
    uint64_t deadline = c8s_now_ms() + (uint64_t)timeout_ms;
    uv_timer_start(&tick, on_tick, 10, 10);
    while (!*flag && c8s_now_ms() < deadline)
        uv_run(&loop, UV_RUN_ONCE);
    uv_timer_stop(&tick);
    return *flag;
}

static void wait_ms(int ms)
{
    bool never = false;
    wait_for(&never, ms);
}

#define SYNC(call)                                                                                 \
    ({                                                                                             \
        res_t *_r = calloc(1, sizeof(res_t));                                                      \
        call;                                                                                      \
        wait_for(&_r->done, 8000);                                                                 \
        _r;                                                                                        \
    })

static res_t *do_get(store_t *s, const char *key, int64_t rev)
{
    return SYNC(store_get(s, key, rev, on_res, _r));
}
static res_t *do_create(store_t *s, const char *key, const char *val, int64_t lease)
{
    return SYNC(store_create(s, key, val, strlen(val), lease, on_res, _r));
}
static res_t *do_update(const char *key, const char *val, int64_t expect)
{
    return SYNC(store_update(st, key, val, strlen(val), expect, 0, on_res, _r));
}
static res_t *do_delete(const char *key, int64_t expect)
{
    return SYNC(store_delete(st, key, expect, on_res, _r));
}

/* ---- watch recorder ---- */

typedef struct wrec_s {
    int n_events;
    store_event_type_t type[16];
    kvc_t kv[16];
    bool has_prev[16];
    kvc_t prev[16];
    int64_t batch_rev;
    int progress;
    int64_t progress_rev;
    bool ended;
    store_watch_status_t final;
    int64_t final_rev;
    int final_code;
} wrec_t;

static void on_watch(store_watch_t *w, store_watch_status_t status, int64_t revision,
                     const store_event_t *events, size_t n, const c8s_err_t *err, void *data)
{
    wrec_t *r = data;
    switch (status) {
    case STORE_WATCH_EVENTS:
        r->batch_rev = revision;
        for (size_t i = 0; i < n && r->n_events < 16; i++, r->n_events++) {
            r->type[r->n_events] = events[i].type;
            kv_copy(&r->kv[r->n_events], &events[i].kv);
            r->has_prev[r->n_events] = events[i].prev_kv != NULL;
            if (events[i].prev_kv)
                kv_copy(&r->prev[r->n_events], events[i].prev_kv);
        }
        break;
    case STORE_WATCH_PROGRESS:
        r->progress++;
        r->progress_rev = revision;
        break;
    default:
        r->ended = true;
        r->final = status;
        r->final_rev = revision;
        r->final_code = err ? err->code : 0;
        break;
    }
}

typedef struct evwait_s {
    wrec_t *r;
    int want;
    bool ok;
} evwait_t;

static bool wait_events(wrec_t *r, int want, int timeout_ms)
{
    uint64_t deadline = c8s_now_ms() + (uint64_t)timeout_ms;
    uv_timer_start(&tick, on_tick, 10, 10);
    while (r->n_events < want && !r->ended && c8s_now_ms() < deadline)
        uv_run(&loop, UV_RUN_ONCE);
    uv_timer_stop(&tick);
    return r->n_events >= want;
}

/* ---- concurrent updaters ---- */

#define N_UPDATERS  20
#define INCREMENTS  5
#define COUNTER_KEY "/t/counter"

typedef struct updater_s {
    int left;
    int landed, lost, failed;
    bool done;
} updater_t;

static int64_t landed_revs[N_UPDATERS * INCREMENTS + 8];
static int n_landed_revs;

static void upd_step(updater_t *u, const store_kv_t *cur);

static void on_upd_write(const store_result_t *r, void *data)
{
    updater_t *u = data;
    if (r->code) {
        u->failed++;
        u->done = true;
        return;
    }
    if (r->succeeded) {
        u->landed++;
        landed_revs[n_landed_revs++] = r->revision;
        if (--u->left == 0) {
            u->done = true;
            return;
        }
        /* Next increment: read again (another updater may have written meanwhile). */
        upd_step(u, NULL);
        return;
    }
    u->lost++;
    /* The failed txn handed back the current kv: retry from it without another read. */
    upd_step(u, r->n_kvs ? &r->kvs[0] : NULL);
}

static void on_upd_read(const store_result_t *r, void *data)
{
    updater_t *u = data;
    if (r->code || r->n_kvs != 1) {
        u->failed++;
        u->done = true;
        return;
    }
    upd_step(u, &r->kvs[0]);
}

static void upd_step(updater_t *u, const store_kv_t *cur)
{
    if (!cur) {
        store_get(st, COUNTER_KEY, 0, on_upd_read, u);
        return;
    }
    char buf[32];
    snprintf(buf, sizeof(buf), "%lld", atoll(cur->value) + 1);
    store_update(st, COUNTER_KEY, buf, strlen(buf), cur->mod_revision, 0, on_upd_write, u);
}

static bool all_done(updater_t *u, int n)
{
    for (int i = 0; i < n; i++)
        if (!u[i].done)
            return false;
    return true;
}

/* ---- close ---- */

static void on_closed(void *data)
{
    *(bool *)data = true;
}

static void close_store(store_t **s)
{
    if (!*s)
        return;
    bool closed = false;
    store_close(*s, on_closed, &closed);
    wait_for(&closed, 5000);
    CHECK(closed);
    *s = NULL;
}

/* ---- the tests ---- */

static int test_crud(void)
{
    cleanup_free res_t *c1 = do_create(st, "/t/a", "1", 0);
    REQUIRE(c1->done);
    CHECK_MSG(c1->code == 0, "%s", c1->msg);
    CHECK(c1->succeeded);
    CHECK(c1->revision > 0);

    cleanup_free res_t *c2 = do_create(st, "/t/a", "2", 0);
    CHECK_INT(c2->code, 0);
    CHECK(!c2->succeeded);
    CHECK_INT(c2->n, 1);
    CHECK_STR(c2->kvs[0].value, "1");
    CHECK_INT(c2->kvs[0].mod_rev, c1->revision);

    cleanup_free res_t *g = do_get(st, "/t/a", 0);
    CHECK_INT(g->code, 0);
    CHECK_INT(g->n, 1);
    CHECK_STR(g->kvs[0].key, "/t/a");
    CHECK_STR(g->kvs[0].value, "1");
    CHECK_INT(g->kvs[0].create_rev, c1->revision);
    CHECK_INT(g->kvs[0].mod_rev, c1->revision);
    CHECK(g->revision >= c1->revision);

    cleanup_free res_t *miss = do_get(st, "/t/missing", 0);
    CHECK_INT(miss->code, 0);
    CHECK_INT(miss->n, 0);

    /* Empty values survive the proto3 omission of "". */
    cleanup_free res_t *ce = do_create(st, "/t/empty", "", 0);
    CHECK(ce->succeeded);
    cleanup_free res_t *ge = do_get(st, "/t/empty", 0);
    CHECK_INT(ge->n, 1);
    CHECK(ge->kvs[0].has_value);
    CHECK_STR(ge->kvs[0].value, "");

    /* Update: the right mod revision lands, a stale one loses and sees the current kv. */
    cleanup_free res_t *u1 = do_update("/t/a", "10", c1->revision);
    CHECK_INT(u1->code, 0);
    CHECK(u1->succeeded);
    CHECK(u1->has_prev);
    CHECK_STR(u1->prev.value, "1");
    CHECK(u1->revision > c1->revision);
    cleanup_free res_t *u2 = do_update("/t/a", "11", c1->revision);
    CHECK_INT(u2->code, 0);
    CHECK(!u2->succeeded);
    CHECK_INT(u2->n, 1);
    CHECK_STR(u2->kvs[0].value, "10");
    CHECK_INT(u2->kvs[0].mod_rev, u1->revision);
    /* Updating a deleted/missing key loses with no kv. */
    cleanup_free res_t *u3 = do_update("/t/nope", "x", 5);
    CHECK(!u3->succeeded);
    CHECK_INT(u3->n, 0);

    /* Delete: conditional stale loses, conditional right lands, unconditional lands. */
    cleanup_free res_t *d1 = do_delete("/t/a", c1->revision);
    CHECK_INT(d1->code, 0);
    CHECK(!d1->succeeded);
    CHECK_INT(d1->n, 1);
    cleanup_free res_t *d2 = do_delete("/t/a", u1->revision);
    CHECK(d2->succeeded);
    CHECK(d2->has_prev);
    CHECK_STR(d2->prev.value, "10");
    cleanup_free res_t *g2 = do_get(st, "/t/a", 0);
    CHECK_INT(g2->n, 0);
    cleanup_free res_t *d3 = do_delete("/t/empty", 0);
    CHECK(d3->succeeded);
    CHECK(d3->has_prev);
    cleanup_free res_t *g3 = do_get(st, "/t/empty", 0);
    CHECK_INT(g3->n, 0);

    /* A read at an older revision sees the old value. */
    cleanup_free res_t *old = do_get(st, "/t/a", c1->revision);
    CHECK_INT(old->n, 1);
    CHECK_STR(old->kvs[0].value, "1");
    return 0;
}

static int test_range(void)
{
    for (int i = 4; i >= 0; i--) {
        char k[32], v[32];
        snprintf(k, sizeof(k), "/t/r/%d", i);
        snprintf(v, sizeof(v), "v%d", i);
        cleanup_free res_t *c = do_create(st, k, v, 0);
        CHECK(c->succeeded);
    }
    cleanup_free res_t *other = do_create(st, "/t/r0", "outside the prefix", 0);
    CHECK(other->succeeded);

    cleanup_free res_t *all = SYNC(store_range(st, "/t/r/", NULL, 0, 0, on_res, _r));
    CHECK_INT(all->code, 0);
    CHECK_INT(all->n, 5);
    CHECK_INT(all->count, 5);
    CHECK(!all->more);
    CHECK_STR(all->kvs[0].key, "/t/r/0");
    CHECK_STR(all->kvs[4].key, "/t/r/4");
    CHECK_STR(all->kvs[4].value, "v4");

    cleanup_free res_t *lim = SYNC(store_range(st, "/t/r/", NULL, 0, 2, on_res, _r));
    CHECK_INT(lim->n, 2);
    CHECK(lim->more);
    CHECK_INT(lim->count, 5);
    CHECK_STR(lim->kvs[0].key, "/t/r/0");
    CHECK_STR(lim->kvs[1].key, "/t/r/1");

    /* Continue from the next key with an explicit range end, at the first page's revision. */
    cleanup_free res_t *next =
        SYNC(store_range(st, "/t/r/2", "/t/r0", lim->revision, 0, on_res, _r));
    CHECK_INT(next->n, 3);
    CHECK_STR(next->kvs[0].key, "/t/r/2");

    cleanup_free res_t *cnt = SYNC(store_count(st, "/t/r/", on_res, _r));
    CHECK_INT(cnt->code, 0);
    CHECK_INT(cnt->count, 5);
    CHECK_INT(cnt->n, 0);
    cleanup_free res_t *none = SYNC(store_count(st, "/t/none/", on_res, _r));
    CHECK_INT(none->count, 0);
    return 0;
}

static int test_concurrent_updates(void)
{
    cleanup_free res_t *c = do_create(st, COUNTER_KEY, "0", 0);
    REQUIRE(c->succeeded);
    updater_t u[N_UPDATERS] = {0};
    uint64_t t0 = c8s_now_ms();
    for (int i = 0; i < N_UPDATERS; i++) {
        u[i].left = INCREMENTS;
        upd_step(&u[i], NULL);
    }
    uint64_t deadline = c8s_now_ms() + 30000;
    uv_timer_start(&tick, on_tick, 10, 10);
    while (!all_done(u, N_UPDATERS) && c8s_now_ms() < deadline)
        uv_run(&loop, UV_RUN_ONCE);
    uv_timer_stop(&tick);
    uint64_t took = c8s_now_ms() - t0;
    int landed = 0, lost = 0, failed = 0;
    for (int i = 0; i < N_UPDATERS; i++) {
        CHECK(u[i].done);
        landed += u[i].landed;
        lost += u[i].lost;
        failed += u[i].failed;
    }
    CHECK_INT(failed, 0);
    CHECK_INT(landed, N_UPDATERS * INCREMENTS);
    cleanup_free res_t *g = do_get(st, COUNTER_KEY, 0);
    CHECK_INT(g->n, 1);
    CHECK_INT(atoll(g->kvs[0].value), landed);
    /* Every landed write has its own revision: nothing was silently overwritten. */
    int dup = 0;
    for (int i = 0; i < n_landed_revs; i++)
        for (int j = i + 1; j < n_landed_revs; j++)
            dup += landed_revs[i] == landed_revs[j];
    CHECK_INT(dup, 0);
    printf("concurrent updates: %d landed, %d lost races, %d updaters, %" PRIu64 " ms\n", landed,
           lost, N_UPDATERS, took);
    return 0;
}

static int test_watch(void)
{
    cleanup_free res_t *g0 = do_get(st, "/t/w/x", 0);
    int64_t rev0 = g0->revision;

    wrec_t live = {0};
    store_watch_t *w = store_watch(st, "/t/w/", rev0 + 1, on_watch, &live);
    REQUIRE(w != NULL);
    /* The progress answer proves the watch is established before the writes. */
    store_watch_request_progress(w);
    bool got = false;
    uint64_t deadline = c8s_now_ms() + 5000;
    while (!(got = live.progress > 0) && c8s_now_ms() < deadline)
        wait_ms(10);
    CHECK(got);
    CHECK(live.progress_rev >= rev0);

    cleanup_free res_t *c = do_create(st, "/t/w/x", "a", 0);
    cleanup_free res_t *outside = do_create(st, "/t/wx", "not watched", 0);
    cleanup_free res_t *u = do_update("/t/w/x", "b", c->revision);
    cleanup_free res_t *d = do_delete("/t/w/x", 0);
    CHECK(c->succeeded && u->succeeded && d->succeeded);

    CHECK(wait_events(&live, 3, 5000));
    CHECK_INT(live.n_events, 3);
    CHECK_INT(live.type[0], STORE_EVENT_PUT);
    CHECK_STR(live.kv[0].value, "a");
    CHECK_INT(live.kv[0].mod_rev, c->revision);
    CHECK_INT(live.kv[0].create_rev, c->revision);
    CHECK(!live.has_prev[0]);
    CHECK_INT(live.type[1], STORE_EVENT_PUT);
    CHECK_STR(live.kv[1].value, "b");
    CHECK_INT(live.kv[1].mod_rev, u->revision);
    CHECK(live.has_prev[1]);
    CHECK_STR(live.prev[1].value, "a");
    CHECK_INT(live.type[2], STORE_EVENT_DELETE);
    CHECK_STR(live.kv[2].key, "/t/w/x");
    CHECK(!live.kv[2].has_value);
    CHECK_INT(live.kv[2].mod_rev, d->revision);
    CHECK(live.has_prev[2]);
    CHECK_STR(live.prev[2].value, "b");

    /* Progress after the events reports a revision at least the last event's. */
    int before = live.progress;
    store_watch_request_progress(w);
    deadline = c8s_now_ms() + 5000;
    while (live.progress == before && c8s_now_ms() < deadline)
        wait_ms(10);
    CHECK(live.progress > before);
    CHECK(live.progress_rev >= d->revision);

    if (!live.ended)
        store_watch_cancel(w);
    CHECK(live.ended);
    CHECK_INT(live.final, STORE_WATCH_CLOSED);

    /* From history: a new watch from rev0 + 1 replays exactly the same three events. */
    wrec_t hist = {0};
    w = store_watch(st, "/t/w/", rev0 + 1, on_watch, &hist);
    CHECK(wait_events(&hist, 3, 5000));
    wait_ms(100); /* nothing more may arrive */
    CHECK(!hist.ended);
    CHECK_INT(hist.n_events, 3);
    CHECK_INT(hist.kv[0].mod_rev, c->revision);
    CHECK_INT(hist.kv[1].mod_rev, u->revision);
    CHECK_INT(hist.type[2], STORE_EVENT_DELETE);
    CHECK_INT(hist.kv[2].mod_rev, d->revision);
    CHECK(hist.has_prev[1] && hist.has_prev[2]);
    if (!hist.ended)
        store_watch_cancel(w);
    CHECK(hist.ended);

    /* Compaction: a watch from before the compacted revision ends with COMPACTED. */
    cleanup_free res_t *cur = do_get(st, "/t/w/x", 0);
    cleanup_free res_t *cp = SYNC(store_compact(st, cur->revision, on_res, _r));
    CHECK_MSG(cp->code == 0, "%s", cp->msg);
    wrec_t comp = {0};
    w = store_watch(st, "/t/w/", rev0 + 1, on_watch, &comp);
    REQUIRE(w != NULL);
    wait_events(&comp, 1, 5000);
    CHECK(comp.ended);
    if (!comp.ended)
        store_watch_cancel(w); /* comp lives on this stack */
    CHECK_INT(comp.final, STORE_WATCH_COMPACTED);
    CHECK_INT(comp.final_rev, cur->revision);
    CHECK_INT(comp.n_events, 0);
    cleanup_free res_t *gone = do_get(st, "/t/w/x", rev0 + 1);
    CHECK_INT(gone->code, C8S_EGONE);
    return 0;
}

static int test_lease(void)
{
    cleanup_free res_t *gr = SYNC(store_lease_grant(st, 30, on_res, _r));
    CHECK_MSG(gr->code == 0, "%s", gr->msg);
    CHECK(gr->lease_id != 0);
    CHECK_INT(gr->lease_ttl, 30);
    cleanup_free res_t *c = do_create(st, "/t/lease/k", "v", gr->lease_id);
    CHECK(c->succeeded);
    cleanup_free res_t *ka = SYNC(store_lease_keepalive(st, gr->lease_id, on_res, _r));
    CHECK_INT(ka->code, 0);
    CHECK(ka->lease_ttl > 0);
    cleanup_free res_t *g = do_get(st, "/t/lease/k", 0);
    CHECK_INT(g->n, 1);
    cleanup_free res_t *rv = SYNC(store_lease_revoke(st, gr->lease_id, on_res, _r));
    CHECK_INT(rv->code, 0);
    cleanup_free res_t *g2 = do_get(st, "/t/lease/k", 0);
    CHECK_INT(g2->n, 0);
    cleanup_free res_t *ka2 = SYNC(store_lease_keepalive(st, gr->lease_id, on_res, _r));
    CHECK(ka2->done);
    CHECK(ka2->code == C8S_ENOTFOUND || (ka2->code == 0 && ka2->lease_ttl == 0));
    cleanup_free res_t *bad = do_create(st, "/t/lease/k2", "v", gr->lease_id);
    CHECK_INT(bad->code, C8S_ENOTFOUND);
    return 0;
}

static int test_crash_restart(th_etcd_t *e)
{
    wrec_t rec = {0};
    store_watch_t *w = store_watch(st, "/t/k/", 0, on_watch, &rec);
    REQUIRE(w != NULL);
    store_watch_request_progress(w);
    uint64_t deadline = c8s_now_ms() + 5000;
    while (rec.progress == 0 && c8s_now_ms() < deadline)
        wait_ms(10);
    CHECK(rec.progress > 0);
    CHECK(store_healthy(st));

    th_etcd_signal(e, SIGKILL);
    uint64_t t0 = c8s_now_ms();
    cleanup_free res_t *g = do_get(st, "/t/k/a", 0);
    uint64_t took = c8s_now_ms() - t0;
    CHECK(g->done);
    CHECK_MSG(g->code == C8S_EUNAVAILABLE, "code %d: %s", g->code, g->msg);
    CHECK_MSG(took < 1000, "took %" PRIu64 " ms", took);
    printf("get against a killed etcd failed in %" PRIu64 " ms: %s\n", took, g->msg);
    CHECK(!store_healthy(st));
    deadline = c8s_now_ms() + 2000;
    while (!rec.ended && c8s_now_ms() < deadline)
        wait_ms(10);
    CHECK(rec.ended);
    if (!rec.ended)
        store_watch_cancel(w); /* rec lives on this stack */
    CHECK_INT(rec.final, STORE_WATCH_ERROR);
    CHECK_INT(rec.final_code, C8S_EUNAVAILABLE);

    REQUIRE(th_etcd_restart(e) == 0);
    /* The probe alone brings health back, without any request from us. */
    t0 = c8s_now_ms();
    deadline = t0 + 5000;
    while (!store_healthy(st) && c8s_now_ms() < deadline)
        wait_ms(20);
    CHECK(store_healthy(st));
    printf("health recovered %" PRIu64 " ms after etcd restarted\n", c8s_now_ms() - t0);
    cleanup_free res_t *c = do_create(st, "/t/k/a", "back", 0);
    CHECK_MSG(c->code == 0, "%s", c->msg);
    CHECK(c->succeeded);
    CHECK(store_healthy(st));
    return 0;
}

static int test_failover(th_etcd_t *e)
{
    char dead[64];
    snprintf(dead, sizeof(dead), "http://127.0.0.1:%d", th_free_port());
    const char *eps[] = {dead, e->url, NULL};
    store_config_t cfg = {.endpoints = eps};
    cleanup_err c8s_err_t err = C8S_ERR_INIT;
    store_t *s2 = NULL;
    REQUIRE(store_new(&loop, &cfg, &s2, &err) == 0);
    cleanup_free res_t *c = do_create(s2, "/t/fo", "x", 0);
    CHECK_MSG(c->code == 0, "%s", c->msg);
    CHECK(c->succeeded);
    cleanup_free res_t *g = do_get(s2, "/t/fo", 0);
    CHECK_INT(g->n, 1);
    CHECK(store_healthy(s2));
    wrec_t rec = {0};
    store_watch_t *w = store_watch(s2, "/t/fo", 0, on_watch, &rec);
    store_watch_request_progress(w);
    uint64_t deadline = c8s_now_ms() + 5000;
    while (rec.progress == 0 && !rec.ended && c8s_now_ms() < deadline)
        wait_ms(10);
    CHECK(rec.progress > 0);
    /* Closing with a watch open ends it with CLOSED. */
    close_store(&s2);
    CHECK(rec.ended);
    CHECK_INT(rec.final, STORE_WATCH_CLOSED);

    /* Only dead endpoints: EUNAVAILABLE after trying both. */
    char dead2[64];
    snprintf(dead2, sizeof(dead2), "http://127.0.0.1:%d", th_free_port());
    const char *deads[] = {dead, dead2, NULL};
    store_config_t cfg2 = {.endpoints = deads};
    REQUIRE(store_new(&loop, &cfg2, &s2, &err) == 0);
    cleanup_free res_t *bad = do_get(s2, "/t/fo", 0);
    CHECK_INT(bad->code, C8S_EUNAVAILABLE);
    CHECK(!store_healthy(s2));
    /* A request in flight at close gets "store closed". */
    res_t *pending = calloc(1, sizeof(res_t));
    store_get(s2, "/t/fo", 0, on_res, pending);
    close_store(&s2);
    CHECK(pending->done);
    CHECK_INT(pending->code, C8S_EUNAVAILABLE);
    free(pending);

    const char *none[] = {NULL};
    store_config_t cfg3 = {.endpoints = none};
    CHECK(store_new(&loop, &cfg3, &s2, &err) == C8S_EBADREQUEST);
    return 0;
}

static int test_managed(void)
{
    char dir[] = "/tmp/c8s-test-managed-XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    cleanup_free char *data = xasprintf("%s/etcd", dir);
    char url[64] = {0};
    store_managed_t *m = NULL;
    cleanup_err c8s_err_t err = C8S_ERR_INIT;
    int rc = store_managed_start(data, th_free_port(), th_free_port(), 20000, &m, url, sizeof(url),
                                 &err);
    CHECK_MSG(rc == 0, "%s", err.msg);
    if (rc == 0) {
        const char *eps[] = {url, NULL};
        store_config_t cfg = {.endpoints = eps};
        store_t *s3 = NULL;
        CHECK(store_new(&loop, &cfg, &s3, &err) == 0);
        cleanup_free res_t *c = do_create(s3, "/m", "managed", 0);
        CHECK(c->succeeded);
        cleanup_free res_t *g = do_get(s3, "/m", 0);
        CHECK_STR(g->kvs[0].value, "managed");
        close_store(&s3);
        store_managed_stop(m);
        th_resp_t r;
        cleanup_free char *health = xasprintf("%s/health", url);
        int hrc = th_http("GET", health, NULL, NULL, &r);
        CHECK(hrc < 0);
        if (hrc == 0)
            th_resp_free(&r);
        cleanup_free char *log = xasprintf("%s/etcd.log", dir);
        CHECK(access(log, F_OK) == 0);
    }
    th_rmtree(dir);
    return 0;
}

/* Encryption at rest at the store: sealed in etcd, plaintext to callers and watchers, other
 * prefixes untouched; with the wrong secret a read fails, an applied update still succeeds
 * (its unreadable prev_kv left out) and a watch carries on. */
static store_crypt_t *crypt_config(const char *secret)
{
    cleanup_free char *y = xasprintf("apiVersion: apiserver.config.k8s.io/v1\n"
                                     "kind: EncryptionConfiguration\n"
                                     "resources:\n"
                                     "- resources: [secrets]\n"
                                     "  providers:\n"
                                     "  - aesgcm: {keys: [{name: key1, secret: %s}]}\n",
                                     secret);
    cleanup_err c8s_err_t err = C8S_ERR_INIT;
    store_crypt_t *c = NULL;
    if (store_crypt_parse(y, strlen(y), &c, &err) != 0) {
        fprintf(stderr, "crypt config: %s\n", err.msg);
        return NULL;
    }
    store_crypt_bind(c, "", "secrets", "/enc/secrets/");
    return c;
}

static int test_crypt(th_etcd_t *e)
{
    store_crypt_t *c1 = crypt_config("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
    store_crypt_t *c2 = crypt_config("ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=");
    REQUIRE(c1 && c2);
    store_set_crypt(st, c1);
    wrec_t wr = {0};
    store_watch_t *w = store_watch(st, "/enc/", 0, on_watch, &wr);
    REQUIRE(w != NULL);
    wait_ms(300); /* the watch is created */

    cleanup_free res_t *c = do_create(st, "/enc/secrets/a", "plain-a", 0);
    CHECK(c->code == 0 && c->succeeded);
    cleanup_free res_t *o = do_create(st, "/enc/other/b", "plain-b", 0);
    CHECK(o->code == 0 && o->succeeded);
    CHECK(wait_events(&wr, 2, 5000));
    CHECK_STR(wr.kv[0].value, "plain-a");
    CHECK_STR(wr.kv[1].value, "plain-b");
    cleanup_free res_t *g = do_get(st, "/enc/secrets/a", 0);
    CHECK(g->code == 0 && g->n == 1);
    CHECK_STR(g->kvs[0].value, "plain-a");
    cleanup_free res_t *l = SYNC(store_range(st, "/enc/", NULL, 0, 0, on_res, _r));
    CHECK(l->code == 0 && l->n == 2);
    CHECK_STR(l->kvs[0].value, "plain-b");
    CHECK_STR(l->kvs[1].value, "plain-a");

    /* What etcd holds. */
    store_set_crypt(st, NULL);
    cleanup_free res_t *raw = do_get(st, "/enc/secrets/a", 0);
    CHECK(raw->n == 1 && strncmp(raw->kvs[0].value, "k8s:enc:aesgcm:v1:key1:", 23) == 0);
    CHECK(raw->n == 1 && !strstr(raw->kvs[0].value + 23, "plain-a"));
    cleanup_free res_t *rawo = do_get(st, "/enc/other/b", 0);
    CHECK(rawo->n == 1 && strcmp(rawo->kvs[0].value, "plain-b") == 0);

    /* Same key name, another secret. */
    store_set_crypt(st, c2);
    cleanup_free res_t *bad = do_get(st, "/enc/secrets/a", 0);
    CHECK_INT(bad->code, C8S_EINTERNAL);
    CHECK_MSG(strstr(bad->msg, "unable to transform key \"/enc/secrets/a\""), "%s", bad->msg);
    cleanup_free res_t *badl = SYNC(store_range(st, "/enc/", NULL, 0, 0, on_res, _r));
    CHECK_INT(badl->code, C8S_EINTERNAL);
    cleanup_free res_t *u = do_update("/enc/secrets/a", "plain-a2", c->revision);
    CHECK(u->code == 0 && u->succeeded && !u->has_prev);
    CHECK(wait_events(&wr, 3, 5000));
    CHECK(!wr.ended);
    CHECK_STR(wr.kv[2].value, "plain-a2");
    CHECK(!wr.has_prev[2]);
    cleanup_free res_t *g2 = do_get(st, "/enc/secrets/a", 0);
    CHECK(g2->code == 0 && g2->n == 1 && strcmp(g2->kvs[0].value, "plain-a2") == 0);

    /* A value the store cannot read (written by another store with the old secret) ends the
     * watch with an error. */
    const char *eps[] = {e->url, NULL};
    store_config_t cfg = {.endpoints = eps};
    cleanup_err c8s_err_t err = C8S_ERR_INIT;
    store_t *s2 = NULL;
    REQUIRE(store_new(&loop, &cfg, &s2, &err) == 0);
    store_set_crypt(s2, c1);
    cleanup_free res_t *u2 =
        SYNC(store_update(s2, "/enc/secrets/a", "plain-a3", 8, u->revision, 0, on_res, _r));
    CHECK(u2->code == 0 && u2->succeeded);
    close_store(&s2);
    for (int i = 0; i < 50 && !wr.ended; i++)
        wait_ms(100);
    CHECK(wr.ended && wr.final == STORE_WATCH_ERROR && wr.final_code == C8S_EINTERNAL);
    if (!wr.ended)
        store_watch_cancel(w);

    store_set_crypt(st, NULL);
    store_crypt_free(c1);
    store_crypt_free(c2);
    return 0;
}

static int run(th_etcd_t *e)
{
    const char *eps[] = {e->url, NULL};
    store_config_t cfg = {.endpoints = eps};
    cleanup_err c8s_err_t err = C8S_ERR_INIT;
    REQUIRE(store_new(&loop, &cfg, &st, &err) == 0);
    int rc = 0;
    rc |= test_crud();
    rc |= test_range();
    rc |= test_concurrent_updates();
    rc |= test_watch();
    rc |= test_lease();
    rc |= test_crypt(e);
    rc |= test_crash_restart(e);
    rc |= test_failover(e);
    close_store(&st);
    rc |= test_managed();
    return rc;
}

int main(void)
{
    th_etcd_t e;
    if (th_etcd_start(&e) != 0) {
        th_etcd_stop(&e);
        TEST_SKIP("etcd did not start");
    }
    uv_loop_init(&loop);
    uv_timer_init(&loop, &tick);
    run(&e);
    close_store(&st);
    th_etcd_stop(&e);
    uv_close((uv_handle_t *)&tick, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(&loop), 0);
    TEST_END();
}
