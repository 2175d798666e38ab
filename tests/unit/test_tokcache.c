/* test_tokcache.c — the token authentication cache's core: a success is kept for the TTL and no
 * longer than the token's own end, failures and unknown tokens are never kept, the size is
 * bounded with the least recently used entry evicted first, and a hit hands out a copy. */
#include "c8s/tokcache.h"
#include "test.h"

#include <stdio.h>
#include <string.h>

/* A scripted authenticator: counts its calls and answers with rc (the user named after the
 * token, valid until not_after). */
typedef struct {
    int calls;
    int rc;
    int64_t not_after;
} fake_t;

static int fake_auth(void *ctx, const char *token, auth_user_t **out, int64_t *not_after_ms,
                     c8s_err_t *err)
{
    fake_t *f = ctx;
    f->calls++;
    if (f->rc < 0)
        return c8s_err_set(err, C8S_EUNAUTH, "refused %s", token);
    if (f->rc == 0)
        return 0;
    const char *g[] = {"system:authenticated"};
    *out = auth_user_new(token, "uid-1", g, 1);
    *not_after_ms = f->not_after;
    return 1;
}

/* Authenticates token at now through the cache; the user's name (static buffer) or "" when
 * none, and the return code in *rc. */
static const char *auth(tokcache_t *c, fake_t *f, const char *token, int64_t now, int *rc)
{
    static char name[128];
    auth_user_t *u = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    *rc = tokcache_authenticate(c, token, now, fake_auth, f, &u, &err);
    snprintf(name, sizeof name, "%s", u ? u->name : "");
    auth_user_free(u);
    c8s_err_clear(&err);
    return name;
}

static void test_ttl(void)
{
    tokcache_t *c = tokcache_new(0, 10000);
    fake_t f = {.rc = 1};
    int rc;
    CHECK_STR(auth(c, &f, "tok-a", 1000, &rc), "tok-a");
    CHECK_INT(rc, 1);
    CHECK_INT(f.calls, 1);
    /* Within the TTL: answered from the cache, whatever the authenticator would say now. */
    f.rc = -1;
    CHECK_STR(auth(c, &f, "tok-a", 10999, &rc), "tok-a");
    CHECK_INT(rc, 1);
    CHECK_INT(f.calls, 1);
    /* At the TTL: asked again, and its refusal stands. */
    CHECK_STR(auth(c, &f, "tok-a", 11000, &rc), "");
    CHECK(rc < 0);
    CHECK_INT(f.calls, 2);
    CHECK_INT(tokcache_len(c), 0);
    tokcache_stats_t st = tokcache_stats(c);
    CHECK_INT(st.hits, 1);
    CHECK_INT(st.misses, 2);
    tokcache_free(c);
}

static void test_token_end(void)
{
    tokcache_t *c = tokcache_new(0, 10000);
    /* The token ends before the TTL would: the entry ends with it. */
    fake_t f = {.rc = 1, .not_after = 5000};
    int rc;
    CHECK_STR(auth(c, &f, "short", 1000, &rc), "short");
    CHECK_STR(auth(c, &f, "short", 4999, &rc), "short");
    CHECK_INT(f.calls, 1);
    f.rc = -1;
    CHECK_STR(auth(c, &f, "short", 5000, &rc), "");
    CHECK_INT(f.calls, 2);
    /* A token that ends later than the TTL: the TTL decides. */
    f = (fake_t){.rc = 1, .not_after = 1000000};
    CHECK_STR(auth(c, &f, "long", 1000, &rc), "long");
    f.rc = -1;
    CHECK_STR(auth(c, &f, "long", 11000, &rc), "");
    CHECK_INT(f.calls, 2);
    /* Already past its end (accepted by a verifier's leeway, say): not kept at all. */
    f = (fake_t){.rc = 1, .not_after = 500};
    CHECK_STR(auth(c, &f, "past", 1000, &rc), "past");
    CHECK_INT(tokcache_len(c), 0);
    CHECK_STR(auth(c, &f, "past", 1001, &rc), "past");
    CHECK_INT(f.calls, 2);
    tokcache_free(c);
}

static void test_failures_not_cached(void)
{
    tokcache_t *c = tokcache_new(0, 10000);
    fake_t f = {.rc = -1};
    int rc;
    CHECK_STR(auth(c, &f, "bad", 1000, &rc), "");
    CHECK(rc < 0);
    /* A refusal is not remembered: the next request asks again, and can succeed. */
    f.rc = 1;
    CHECK_STR(auth(c, &f, "bad", 1001, &rc), "bad");
    CHECK_INT(rc, 1);
    CHECK_INT(f.calls, 2);
    /* Nor is "not mine". */
    f.rc = 0;
    CHECK_STR(auth(c, &f, "unknown", 1002, &rc), "");
    CHECK_INT(rc, 0);
    CHECK_STR(auth(c, &f, "unknown", 1003, &rc), "");
    CHECK_INT(f.calls, 4);
    CHECK_INT(tokcache_len(c), 1);
    tokcache_free(c);
}

static void test_size_bound(void)
{
    tokcache_t *c = tokcache_new(3, 10000);
    fake_t f = {.rc = 1};
    int rc;
    auth(c, &f, "t1", 1000, &rc);
    auth(c, &f, "t2", 1001, &rc);
    auth(c, &f, "t3", 1002, &rc);
    CHECK_INT(tokcache_len(c), 3);
    /* t1 is used again: t2 is now the least recently used and goes for t4. */
    auth(c, &f, "t1", 1003, &rc);
    CHECK_INT(f.calls, 3);
    auth(c, &f, "t4", 1004, &rc);
    CHECK_INT(tokcache_len(c), 3);
    CHECK_INT(tokcache_stats(c).evictions, 1);
    f.rc = -1;
    CHECK_STR(auth(c, &f, "t1", 1005, &rc), "t1");
    CHECK_STR(auth(c, &f, "t3", 1005, &rc), "t3");
    CHECK_STR(auth(c, &f, "t4", 1005, &rc), "t4");
    CHECK_STR(auth(c, &f, "t2", 1005, &rc), "");
    CHECK_INT(f.calls, 5);
    /* Many more tokens than room: the bound holds. */
    f.rc = 1;
    for (int i = 0; i < 1000; i++) {
        char tok[32];
        snprintf(tok, sizeof tok, "many-%d", i);
        auth(c, &f, tok, 2000 + i, &rc);
    }
    CHECK_INT(tokcache_len(c), 3);
    tokcache_free(c);
}

static void test_put_get(void)
{
    tokcache_t *c = tokcache_new(0, 10000);
    const char *g[] = {"dev", "system:authenticated"};
    auth_user_t *u = auth_user_new("alice", "1001", g, 2);
    tokcache_put(c, "secret", u, 0, 0);
    /* The cache keeps its own copy: the caller's may go. */
    auth_user_free(u);
    auth_user_t *hit = tokcache_get(c, "secret", 9999);
    CHECK(hit != NULL);
    if (hit) {
        CHECK_STR(hit->name, "alice");
        CHECK_STR(hit->uid, "1001");
        CHECK(auth_user_in_group(hit, "dev"));
        CHECK_INT(hit->n_groups, 2);
    }
    auth_user_free(hit);
    /* A different token is a different key, even one differing in its last byte. */
    CHECK(tokcache_get(c, "secreT", 1) == NULL);
    CHECK(tokcache_get(c, "", 1) == NULL);
    /* Putting again replaces (and renews). */
    u = auth_user_new("bob", NULL, NULL, 0);
    tokcache_put(c, "secret", u, 5000, 0);
    auth_user_free(u);
    CHECK_INT(tokcache_len(c), 1);
    hit = tokcache_get(c, "secret", 14000);
    CHECK(hit && strcmp(hit->name, "bob") == 0);
    auth_user_free(hit);
    tokcache_free(c);
}

int main(void)
{
    test_ttl();
    test_token_end();
    test_failures_not_cached();
    test_size_bound();
    test_put_get();
    TEST_END();
}
