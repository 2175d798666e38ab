/*
 * authn_cache.c — the token authentication cache's core (tokcache.h): a hash table of HMAC
 * digests with a least-recently-used list through it. No I/O; the clock is the caller's.
 */
#include "c8s/tokcache.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <string.h>

#define DIGEST_LEN 32

typedef struct entry_s {
    unsigned char digest[DIGEST_LEN];
    auth_user_t *user;
    int64_t expires_ms;
    struct entry_s *chain;         /* the next entry of the bucket */
    struct entry_s *newer, *older; /* the LRU list */
} entry_t;

struct tokcache_s {
    unsigned char key[DIGEST_LEN]; /* the HMAC key: random, never leaves the cache */
    entry_t **buckets;
    size_t n_buckets; /* a power of two */
    size_t len, max;
    int64_t ttl_ms;
    entry_t *newest, *oldest;
    tokcache_stats_t stats;
};

tokcache_t *tokcache_new(size_t max_entries, int64_t ttl_ms)
{
    tokcache_t *c = xcalloc(1, sizeof(*c));
    c->max = max_entries ? max_entries : TOKCACHE_DEFAULT_MAX;
    c->ttl_ms = ttl_ms > 0 ? ttl_ms : TOKCACHE_DEFAULT_TTL_MS;
    c->n_buckets = 16;
    while (c->n_buckets < c->max)
        c->n_buckets <<= 1;
    c->buckets = xcalloc(c->n_buckets, sizeof(*c->buckets));
    /* Should the DRBG fail (unseeded), the key stays zero: entries are still digests, never
     * tokens; the random key only keeps them from being computed outside this process. */
    if (RAND_bytes(c->key, sizeof(c->key)) != 1)
        log_warn("apiserver", "token cache: RAND_bytes failed; the HMAC key is not random");
    return c;
}

static void entry_free(entry_t *e)
{
    auth_user_free(e->user);
    OPENSSL_cleanse(e->digest, sizeof(e->digest));
    free(e);
}

void tokcache_free(tokcache_t *c)
{
    if (!c)
        return;
    for (entry_t *e = c->newest, *next; e; e = next) {
        next = e->older;
        entry_free(e);
    }
    free(c->buckets);
    OPENSSL_cleanse(c->key, sizeof(c->key));
    free(c);
}

static void digest_of(const tokcache_t *c, const char *token, unsigned char out[DIGEST_LEN])
{
    unsigned int n = DIGEST_LEN;
    if (!HMAC(EVP_sha256(), c->key, sizeof(c->key), (const unsigned char *)token, strlen(token),
              out, &n))
        memset(out, 0, DIGEST_LEN); /* only without SHA-256 at all; lookups then miss */
}

static size_t bucket_of(const tokcache_t *c, const unsigned char d[DIGEST_LEN])
{
    uint64_t h;
    memcpy(&h, d, sizeof(h));
    return (size_t)(h & (c->n_buckets - 1));
}

static entry_t **find(tokcache_t *c, const unsigned char d[DIGEST_LEN])
{
    entry_t **pp = &c->buckets[bucket_of(c, d)];
    while (*pp && CRYPTO_memcmp((*pp)->digest, d, DIGEST_LEN) != 0)
        pp = &(*pp)->chain;
    return pp;
}

static void lru_unlink(tokcache_t *c, entry_t *e)
{
    if (e->newer)
        e->newer->older = e->older;
    else
        c->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        c->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void lru_push(tokcache_t *c, entry_t *e)
{
    e->newer = NULL;
    e->older = c->newest;
    if (c->newest)
        c->newest->newer = e;
    c->newest = e;
    if (!c->oldest)
        c->oldest = e;
}

/* Unlinks *pp (an entry's slot in its bucket) and frees the entry. */
static void drop(tokcache_t *c, entry_t **pp)
{
    entry_t *e = *pp;
    *pp = e->chain;
    lru_unlink(c, e);
    entry_free(e);
    c->len--;
}

auth_user_t *tokcache_get(tokcache_t *c, const char *token, int64_t now_ms)
{
    unsigned char d[DIGEST_LEN];
    digest_of(c, token, d);
    entry_t **pp = find(c, d);
    OPENSSL_cleanse(d, sizeof(d));
    if (!*pp) {
        c->stats.misses++;
        return NULL;
    }
    if ((*pp)->expires_ms <= now_ms) {
        drop(c, pp);
        c->stats.misses++;
        return NULL;
    }
    entry_t *e = *pp;
    lru_unlink(c, e);
    lru_push(c, e);
    c->stats.hits++;
    return auth_user_dup(e->user);
}

void tokcache_put(tokcache_t *c, const char *token, const auth_user_t *u, int64_t now_ms,
                  int64_t not_after_ms)
{
    int64_t until = now_ms + c->ttl_ms;
    if (not_after_ms > 0 && not_after_ms < until)
        until = not_after_ms;
    if (until <= now_ms || !u)
        return;
    unsigned char d[DIGEST_LEN];
    digest_of(c, token, d);
    entry_t **pp = find(c, d);
    if (*pp)
        drop(c, pp);
    /* Full: the least recently used goes, expired or not (an expired one would be dropped at
     * its next lookup anyway). */
    while (c->len >= c->max && c->oldest) {
        entry_t **victim = find(c, c->oldest->digest);
        drop(c, victim);
        c->stats.evictions++;
    }
    entry_t *e = xcalloc(1, sizeof(*e));
    memcpy(e->digest, d, DIGEST_LEN);
    OPENSSL_cleanse(d, sizeof(d));
    e->user = auth_user_dup(u);
    e->expires_ms = until;
    size_t b = bucket_of(c, e->digest);
    e->chain = c->buckets[b];
    c->buckets[b] = e;
    lru_push(c, e);
    c->len++;
}

int tokcache_authenticate(tokcache_t *c, const char *token, int64_t now_ms, tokcache_auth_fn fn,
                          void *ctx, auth_user_t **out, c8s_err_t *err)
{
    *out = tokcache_get(c, token, now_ms);
    if (*out)
        return 1;
    int64_t not_after = 0;
    int rc = fn(ctx, token, out, &not_after, err);
    if (rc > 0 && *out)
        tokcache_put(c, token, *out, now_ms, not_after);
    return rc;
}

size_t tokcache_len(const tokcache_t *c)
{
    return c->len;
}

tokcache_stats_t tokcache_stats(const tokcache_t *c)
{
    return c->stats;
}
