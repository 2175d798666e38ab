/* test_jwt.c — RS256 tokens: round trip, tampering, wrong key, time bounds, audiences, "none". */
#include "c8s/jwt.h"
#include "test.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <string.h>

/* A fresh RSA key as PEM text (owned), made in memory. */
static char *gen_pem(void)
{
    EVP_PKEY *k = EVP_RSA_gen(2048);
    if (!k)
        return NULL;
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
    char *data = NULL;
    long n = BIO_get_mem_data(b, &data);
    char *out = xstrndup(data, (size_t)n);
    BIO_free(b);
    EVP_PKEY_free(k);
    return out;
}

static jwt_key_t *load(const char *pem)
{
    jwt_key_t **keys = NULL;
    size_t n = 0;
    c8s_err_t err = C8S_ERR_INIT;
    if (jwt_keys_from_pem(pem, strlen(pem), &keys, &n, &err) != 0 || n != 1) {
        c8s_err_clear(&err);
        jwt_keys_free(keys, n);
        return NULL;
    }
    jwt_key_t *k = keys[0];
    free(keys);
    return k;
}

static const char *auds[] = {"https://kubernetes.default.svc.cluster.local", "api"};

static char *token_for(const jwt_key_t *k, int64_t iat, int64_t exp, const char *aud)
{
    jwt_sa_t c = {.issuer = JWT_DEFAULT_ISSUER,
                  .audiences = &aud,
                  .n_audiences = 1,
                  .iat = iat,
                  .exp = exp,
                  .jti = "0f4a6e7e-0000-4000-8000-000000000001",
                  .ns = "ns1",
                  .sa_name = "default",
                  .sa_uid = "sa-uid",
                  .bound_kind = "Pod",
                  .bound_name = "p1",
                  .bound_uid = "pod-uid"};
    json_t *claims = jwt_sa_claims(&c);
    c8s_err_t err = C8S_ERR_INIT;
    char *t = jwt_sign(k, claims, &err);
    json_decref(claims);
    c8s_err_clear(&err);
    return t;
}

static int check(jwt_key_t *k, const char *tok, int64_t now, const char *const *a, size_t na)
{
    json_t *claims = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    int rc = jwt_verify(&k, 1, tok, &claims, &err);
    if (rc == 0) {
        jwt_sa_info_t info;
        rc = jwt_sa_validate(claims, JWT_DEFAULT_ISSUER, a, na, now, &info, NULL, &err);
    }
    json_decref(claims);
    c8s_err_clear(&err);
    return rc;
}

int main(void)
{
    /* base64url round trip over every remainder, and refusals. */
    const char *raw = "\xff\xfe\x00hello?>";
    for (size_t n = 0; n <= 9; n++) {
        char *e = jwt_b64url_encode(raw, n);
        CHECK(strchr(e, '=') == NULL && strchr(e, '+') == NULL && strchr(e, '/') == NULL);
        size_t m = 99;
        unsigned char *d = jwt_b64url_decode(e, strlen(e), &m);
        REQUIRE(d);
        CHECK_INT(m, n);
        CHECK(memcmp(d, raw, n) == 0);
        free(d);
        free(e);
    }
    size_t m;
    CHECK(jwt_b64url_decode("ab+c", 4, &m) == NULL);
    CHECK(jwt_b64url_decode("abcde", 5, &m) == NULL);

    cleanup_free char *pem1 = gen_pem();
    cleanup_free char *pem2 = gen_pem();
    REQUIRE(pem1 && pem2);
    jwt_key_t *k1 = load(pem1), *k2 = load(pem2);
    REQUIRE(k1 && k2);
    CHECK(jwt_key_is_private(k1));
    /* kid: 43 characters of base64url SHA-256, the same for the public half. */
    CHECK_INT(strlen(jwt_key_id(k1)), 43);
    jwt_key_t *p1 = jwt_key_public(k1);
    REQUIRE(p1);
    CHECK(!jwt_key_is_private(p1));
    CHECK_STR(jwt_key_id(p1), jwt_key_id(k1));
    CHECK(strcmp(jwt_key_id(k1), jwt_key_id(k2)) != 0);

    /* The JWK of the public half: RSA, the same kid, e = 65537. */
    json_t *jwk = jwt_key_jwk(p1);
    REQUIRE(jwk);
    CHECK_STR(json_string_value(json_object_get(jwk, "kty")), "RSA");
    CHECK_STR(json_string_value(json_object_get(jwk, "kid")), jwt_key_id(k1));
    CHECK_STR(json_string_value(json_object_get(jwk, "e")), "AQAB");
    CHECK_INT(strlen(json_string_value(json_object_get(jwk, "n"))), 342); /* 256 bytes */
    json_decref(jwk);

    int64_t now = 1800000000;
    cleanup_free char *tok = token_for(k1, now, now + 3600, auds[0]);
    REQUIRE(tok);
    CHECK(jwt_peek(tok, NULL));
    CHECK(!jwt_peek("abc", NULL));
    CHECK(!jwt_peek("a.b.c.d", NULL));

    /* Round trip with the public half; the claims as upstream's. */
    json_t *claims = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    CHECK_INT(jwt_verify(&p1, 1, tok, &claims, &err), 0);
    jwt_sa_info_t info;
    json_t *hit = NULL;
    CHECK_INT(jwt_sa_validate(claims, JWT_DEFAULT_ISSUER, auds, 2, now + 10, &info, &hit, &err), 0);
    CHECK_STR(info.ns, "ns1");
    CHECK_STR(info.sa_name, "default");
    CHECK_STR(info.sa_uid, "sa-uid");
    CHECK_STR(info.pod_name, "p1");
    CHECK_STR(info.pod_uid, "pod-uid");
    CHECK(info.secret_name == NULL);
    CHECK_INT(json_array_size(hit), 1);
    CHECK_STR(json_string_value(json_object_get(claims, "sub")),
              "system:serviceaccount:ns1:default");
    CHECK_INT(json_integer_value(json_object_get(claims, "nbf")), now);
    json_decref(hit);
    json_decref(claims);

    /* Tampered payload: same signature over another body. */
    {
        const char *d1 = strchr(tok, '.');
        const char *d2 = strchr(d1 + 1, '.');
        json_t *c = NULL;
        CHECK(jwt_peek(tok, &c));
        json_object_set_new(json_object_get(json_object_get(c, JWT_SA_CLAIM), "serviceaccount"),
                            "name", json_string("admin"));
        cleanup_free char *body = json_dumps(c, JSON_COMPACT);
        json_decref(c);
        cleanup_free char *eb = jwt_b64url_encode(body, strlen(body));
        cleanup_free char *forged = xasprintf("%.*s.%s%s", (int)(d1 - tok), tok, eb, d2);
        CHECK_INT(check(k1, forged, now, auds, 2), C8S_EUNAUTH);
        /* Tampered signature. */
        cleanup_free char *badsig = xstrdup(tok);
        char *last = badsig + strlen(badsig) - 5;
        *last = *last == 'A' ? 'B' : 'A';
        CHECK_INT(check(k1, badsig, now, auds, 2), C8S_EUNAUTH);
        /* alg none, with and without a signature. */
        const char *none = "{\"alg\":\"none\"}";
        cleanup_free char *eh = jwt_b64url_encode(none, strlen(none));
        cleanup_free char *orig_body = xstrndup(d1 + 1, (size_t)(d2 - d1 - 1));
        cleanup_free char *n1 = xasprintf("%s.%s.", eh, orig_body);
        cleanup_free char *n2 = xasprintf("%s.%s%s", eh, orig_body, d2);
        CHECK_INT(check(k1, n1, now, auds, 2), C8S_EUNAUTH);
        CHECK_INT(check(k1, n2, now, auds, 2), C8S_EUNAUTH);
        /* HS256 with the public key as the secret is refused too. */
        const char *hs = "{\"alg\":\"HS256\"}";
        cleanup_free char *eh2 = jwt_b64url_encode(hs, strlen(hs));
        cleanup_free char *n3 = xasprintf("%s.%s%s", eh2, orig_body, d2);
        CHECK_INT(check(k1, n3, now, auds, 2), C8S_EUNAUTH);
    }
    /* Wrong key. */
    CHECK_INT(check(k2, tok, now, auds, 2), C8S_EUNAUTH);
    /* The private key verifies too (its public half is used). */
    CHECK_INT(check(k1, tok, now, auds, 2), 0);
    /* Expired (beyond the leeway), and inside it. */
    CHECK_INT(check(k1, tok, now + 3600 + JWT_LEEWAY_S + 1, auds, 2), C8S_EUNAUTH);
    CHECK_INT(check(k1, tok, now + 3600 + JWT_LEEWAY_S - 1, auds, 2), 0);
    /* Not yet valid. */
    CHECK_INT(check(k1, tok, now - JWT_LEEWAY_S - 10, auds, 2), C8S_EUNAUTH);
    /* Wrong audience. */
    const char *other[] = {"vault"};
    CHECK_INT(check(k1, tok, now, other, 1), C8S_EUNAUTH);
    cleanup_free char *tok2 = token_for(k1, now, now + 600, "vault");
    CHECK_INT(check(k1, tok2, now, other, 1), 0);
    CHECK_INT(check(k1, tok2, now, auds, 2), C8S_EUNAUTH);
    /* Wrong issuer. */
    {
        json_t *c = NULL;
        CHECK_INT(jwt_verify(&k1, 1, tok, &c, &err), 0);
        CHECK_INT(jwt_sa_validate(c, "https://elsewhere", auds, 2, now, &info, NULL, &err),
                  C8S_EUNAUTH);
        json_decref(c);
        c8s_err_clear(&err);
    }
    /* Not PEM, and a public key cannot sign. */
    jwt_key_t **ks = NULL;
    size_t nk = 0;
    CHECK_INT(jwt_keys_from_pem("junk", 4, &ks, &nk, &err), C8S_EBADREQUEST);
    c8s_err_clear(&err);
    json_t *c = json_object();
    CHECK(jwt_sign(p1, c, &err) == NULL);
    c8s_err_clear(&err);
    json_decref(c);

    jwt_key_free(k1);
    jwt_key_free(k2);
    jwt_key_free(p1);
    TEST_END();
}
