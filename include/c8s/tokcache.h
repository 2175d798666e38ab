/*
 * tokcache.h — the bearer-token authentication cache, as kube-apiserver wraps its token
 * authenticators in one (k8s.io/apiserver's token/cache): a success is kept for a TTL (10 s by
 * default), a failure is never kept, so a token that did not work yet (its ServiceAccount not in
 * the watch cache, its bootstrap Secret not made) works as soon as it can.
 *
 * Tokens are never kept: an entry is keyed by HMAC-SHA256 of the token under a random key made
 * per cache, so a memory dump does not hand out credentials and nobody can pick tokens that
 * collide in the table. The cache is bounded (least recently used entries go first) and an entry
 * never outlives the token's own validity (the caller says until when the token would still be
 * accepted). The core is pure: time is passed in. Not thread-safe: one per API server thread.
 */
#ifndef C8S_TOKCACHE_H
#define C8S_TOKCACHE_H

#include "c8s/auth.h"
#include "c8s/base.h"

#include <stddef.h>
#include <stdint.h>

#define TOKCACHE_DEFAULT_TTL_MS 10000 /* upstream's TokenSuccessCacheTTL */
#define TOKCACHE_DEFAULT_MAX    4096  /* upstream's 32 stripes of 128 */

typedef struct tokcache_s tokcache_t;

typedef struct tokcache_stats_s {
    uint64_t hits, misses, evictions;
} tokcache_stats_t;

/* A cache of at most max_entries successes (0: TOKCACHE_DEFAULT_MAX), each kept ttl_ms (> 0).
 * Owned; free with tokcache_free. */
tokcache_t *tokcache_new(size_t max_entries, int64_t ttl_ms);
void tokcache_free(tokcache_t *c);

/* The user cached for token at now_ms: a copy (owned), or NULL when absent or expired (an
 * expired entry is dropped). A hit makes the entry the most recently used. */
auth_user_t *tokcache_get(tokcache_t *c, const char *token, int64_t now_ms);

/* Caches a copy of u for token until min(now_ms + ttl, not_after_ms) (not_after_ms 0: the token
 * has no end of its own); nothing when that is not after now_ms. Replaces an entry for the same
 * token; evicts the least recently used entry when full. u is borrowed. */
void tokcache_put(tokcache_t *c, const char *token, const auth_user_t *u, int64_t now_ms,
                  int64_t not_after_ms);

/* An authenticator behind the cache: 1 with *out (owned) and *not_after_ms (0: no end; ms since
 * the epoch, as now_ms) when it accepts token, 0 when it does not know the token, negative with
 * err set when it refuses it. */
typedef int (*tokcache_auth_fn)(void *ctx, const char *token, auth_user_t **out,
                                int64_t *not_after_ms, c8s_err_t *err);

/* Answers from the cache or asks fn and caches what it accepts (never what it refuses or does
 * not know). Returns as fn: 1 with *out (owned), 0, or negative with err set. */
int tokcache_authenticate(tokcache_t *c, const char *token, int64_t now_ms, tokcache_auth_fn fn,
                          void *ctx, auth_user_t **out, c8s_err_t *err);

/* Entries held (expired ones not yet dropped included). */
size_t tokcache_len(const tokcache_t *c);
tokcache_stats_t tokcache_stats(const tokcache_t *c);

#endif
