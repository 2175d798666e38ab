/*
 * bench/jwt.c — what a ServiceAccount token costs (a harness, not a test): RS256 signing (one per
 * TokenRequest) and verification plus claim validation (one per request carrying the token),
 * with a 2048-bit key, on one core; and what the token cache (tokcache.h) costs a request that
 * hits it, as the API server does for every token request after the first within the TTL. Ends
 * with one `RESULT key=value …` line.
 */
#include "c8s/base.h"
#include "c8s/jwt.h"
#include "c8s/tokcache.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
    EVP_PKEY *pk = EVP_RSA_gen(2048);
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL);
    char *pem = NULL;
    long plen = BIO_get_mem_data(b, &pem);
    jwt_key_t **keys = NULL;
    size_t n = 0;
    c8s_err_t err = C8S_ERR_INIT;
    if (jwt_keys_from_pem(pem, (size_t)plen, &keys, &n, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    BIO_free(b);
    EVP_PKEY_free(pk);
    const char *aud = JWT_DEFAULT_ISSUER;
    int64_t t0 = (int64_t)time(NULL);
    jwt_sa_t c = {.issuer = JWT_DEFAULT_ISSUER,
                  .audiences = &aud,
                  .n_audiences = 1,
                  .iat = t0,
                  .exp = t0 + 3600,
                  .jti = "b",
                  .ns = "default",
                  .sa_name = "default",
                  .sa_uid = "u",
                  .bound_kind = "Pod",
                  .bound_name = "p",
                  .bound_uid = "pu"};
    json_t *claims = jwt_sa_claims(&c);
    const int N = 500;
    char *tok = NULL;
    double s = now_s();
    for (int i = 0; i < N; i++) {
        free(tok);
        tok = jwt_sign(keys[0], claims, &err);
    }
    double sign = (now_s() - s) / N;
    jwt_key_t *pub = jwt_key_public(keys[0]);
    s = now_s();
    int ok = 0;
    for (int i = 0; i < N * 10; i++) {
        json_t *cl = NULL;
        jwt_sa_info_t info;
        if (jwt_verify(&pub, 1, tok, &cl, &err) == 0 &&
            jwt_sa_validate(cl, JWT_DEFAULT_ISSUER, &aud, 1, t0, &info, NULL, &err) == 0)
            ok++;
        json_decref(cl);
    }
    double verify = (now_s() - s) / (N * 10);
    /* The cache: a ServiceAccount user as authn_tokens.c makes it (bound to a pod), kept for
     * the token; a hit is an HMAC-SHA256 of the token, a table lookup and a copy of the user. */
    tokcache_t *cache = tokcache_new(0, TOKCACHE_DEFAULT_TTL_MS);
    const char *groups[] = {"system:serviceaccounts", "system:serviceaccounts:default",
                            "system:authenticated"};
    auth_user_t *u = auth_user_new("system:serviceaccount:default:default", "u", groups, 3);
    u->extra = json_pack("{s:[s], s:[s], s:[s]}", "authentication.kubernetes.io/pod-name", "p",
                         "authentication.kubernetes.io/pod-uid", "pu",
                         "authentication.kubernetes.io/credential-id", "JTI=b");
    int64_t now_ms = t0 * 1000;
    tokcache_put(cache, tok, u, now_ms, 0);
    const int H = N * 200;
    int hits = 0;
    s = now_s();
    for (int i = 0; i < H; i++) {
        auth_user_t *got = tokcache_get(cache, tok, now_ms);
        hits += got != NULL;
        auth_user_free(got);
    }
    double hit = (now_s() - s) / H;
    /* A miss on a full cache: the lookup, then the put that evicts (the verification it stands
     * in front of is the line above). */
    for (int i = 0; i < TOKCACHE_DEFAULT_MAX; i++) {
        char k[32];
        snprintf(k, sizeof k, "filler-%d", i);
        tokcache_put(cache, k, u, now_ms, 0);
    }
    s = now_s();
    for (int i = 0; i < H / 10; i++) {
        char k[32];
        snprintf(k, sizeof k, "miss-%d", i);
        auth_user_t *got = tokcache_get(cache, k, now_ms);
        auth_user_free(got);
        tokcache_put(cache, k, u, now_ms, 0);
    }
    double missput = (now_s() - s) / (H / 10);
    auth_user_free(u);
    tokcache_free(cache);
    printf("token bytes %zu\n", strlen(tok));
    printf("sign   %.1f us/token (%.0f/s)\n", sign * 1e6, 1 / sign);
    printf("verify %.1f us/token (%.0f/s), %d/%d valid\n", verify * 1e6, 1 / verify, ok, N * 10);
    printf("cache  %.2f us/hit (%d/%d hits), %.2f us/miss+put on a full cache\n", hit * 1e6, hits,
           H, missput * 1e6);
    printf("RESULT sign_us=%.1f verify_us=%.1f cache_hit_us=%.2f cache_missput_us=%.2f "
           "token_bytes=%zu\n",
           sign * 1e6, verify * 1e6, hit * 1e6, missput * 1e6, strlen(tok));
    free(tok);
    json_decref(claims);
    jwt_key_free(pub);
    jwt_keys_free(keys, n);
    return 0;
}
