/*
 * jwt.c — RS256 JSON Web Tokens for ServiceAccount tokens (OpenSSL 3 EVP), and upstream's
 * bound-token claims. Only RS256 is ever accepted when verifying: a token naming "none" or an
 * HMAC algorithm would otherwise let anyone who knows the public key mint tokens.
 */
#include "c8s/jwt.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

struct jwt_key_s {
    EVP_PKEY *pkey;
    bool priv;
    char *kid;
};

/* ---- base64url ---- */

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *jwt_b64url_encode(const void *data, size_t n)
{
    const unsigned char *p = data;
    char *out = xmalloc(n / 3 * 4 + 5);
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        out[o++] = b64url[v >> 18 & 63];
        out[o++] = b64url[v >> 12 & 63];
        out[o++] = b64url[v >> 6 & 63];
        out[o++] = b64url[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        out[o++] = b64url[v >> 18 & 63];
        out[o++] = b64url[v >> 12 & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        out[o++] = b64url[v >> 18 & 63];
        out[o++] = b64url[v >> 12 & 63];
        out[o++] = b64url[v >> 6 & 63];
    }
    out[o] = '\0';
    return out;
}

static int b64val(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

unsigned char *jwt_b64url_decode(const char *s, size_t len, size_t *n)
{
    /* Padding is not part of a JWT's encoding; a remainder of one character is impossible. */
    if (len % 4 == 1)
        return NULL;
    unsigned char *out = xmalloc(len / 4 * 3 + 3);
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64val(s[i]);
        if (v < 0) {
            free(out);
            return NULL;
        }
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits & 0xff);
        }
    }
    /* Leftover bits must be zero (canonical encoding), so one token has one spelling. */
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
        free(out);
        return NULL;
    }
    *n = o;
    return out;
}

/* ---- keys ---- */

static char *key_id(EVP_PKEY *pkey)
{
    unsigned char *der = NULL;
    int len = i2d_PUBKEY(pkey, &der);
    if (len <= 0)
        return NULL;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    int ok = EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(), NULL);
    OPENSSL_free(der);
    if (!ok)
        return NULL;
    return jwt_b64url_encode(md, mdlen);
}

static jwt_key_t *key_new(EVP_PKEY *pkey, bool priv)
{
    char *kid = key_id(pkey);
    if (!kid) {
        EVP_PKEY_free(pkey);
        return NULL;
    }
    jwt_key_t *k = xcalloc(1, sizeof(*k));
    k->pkey = pkey;
    k->priv = priv;
    k->kid = kid;
    return k;
}

void jwt_key_free(jwt_key_t *k)
{
    if (!k)
        return;
    EVP_PKEY_free(k->pkey);
    free(k->kid);
    free(k);
}

void jwt_keys_free(jwt_key_t **keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        jwt_key_free(keys[i]);
    free(keys);
}

bool jwt_key_is_private(const jwt_key_t *k)
{
    return k && k->priv;
}

const char *jwt_key_id(const jwt_key_t *k)
{
    return k->kid;
}

jwt_key_t *jwt_key_public(const jwt_key_t *k)
{
    unsigned char *der = NULL;
    int len = i2d_PUBKEY(k->pkey, &der);
    if (len <= 0)
        return NULL;
    const unsigned char *p = der;
    EVP_PKEY *pub = d2i_PUBKEY(NULL, &p, len);
    OPENSSL_free(der);
    return pub ? key_new(pub, false) : NULL;
}

static char *bn_b64(const EVP_PKEY *pkey, const char *name)
{
    BIGNUM *bn = NULL;
    if (!EVP_PKEY_get_bn_param(pkey, name, &bn))
        return NULL;
    int len = BN_num_bytes(bn);
    unsigned char *buf = xmalloc(len > 0 ? (size_t)len : 1);
    BN_bn2bin(bn, buf);
    char *out = jwt_b64url_encode(buf, (size_t)len);
    free(buf);
    BN_free(bn);
    return out;
}

json_t *jwt_key_jwk(const jwt_key_t *k)
{
    char *n = bn_b64(k->pkey, OSSL_PKEY_PARAM_RSA_N);
    char *e = bn_b64(k->pkey, OSSL_PKEY_PARAM_RSA_E);
    json_t *jwk = n && e ? json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "use", "sig", "kty", "RSA",
                                     "kid", k->kid, "alg", "RS256", "n", n, "e", e)
                         : NULL;
    free(n);
    free(e);
    return jwk;
}

static bool is_rsa(EVP_PKEY *pkey)
{
    return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA;
}

int jwt_keys_from_pem(const char *pem, size_t len, jwt_key_t ***out, size_t *n, c8s_err_t *err)
{
    *out = NULL;
    *n = 0;
    if (len > INT32_MAX)
        return c8s_err_set(err, C8S_EBADREQUEST, "key data too large");
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (!bio)
        return c8s_err_set(err, C8S_EINTERNAL, "out of memory reading keys");
    jwt_key_t **keys = NULL;
    size_t nk = 0;
    for (;;) {
        char *name = NULL, *header = NULL;
        unsigned char *data = NULL;
        long dlen = 0;
        if (!PEM_read_bio(bio, &name, &header, &data, &dlen))
            break;
        const unsigned char *p = data;
        EVP_PKEY *pkey = NULL;
        bool priv = false;
        if (strcmp(name, "RSA PRIVATE KEY") == 0) {
            pkey = d2i_PrivateKey(EVP_PKEY_RSA, NULL, &p, dlen);
            priv = true;
        } else if (strcmp(name, "PRIVATE KEY") == 0) {
            pkey = d2i_AutoPrivateKey(NULL, &p, dlen);
            priv = true;
        } else if (strcmp(name, "PUBLIC KEY") == 0) {
            pkey = d2i_PUBKEY(NULL, &p, dlen);
        } else if (strcmp(name, "RSA PUBLIC KEY") == 0) {
            pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, dlen);
        }
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);
        if (!pkey)
            continue; /* certificates and other blocks are not keys */
        if (!is_rsa(pkey)) {
            EVP_PKEY_free(pkey);
            continue;
        }
        jwt_key_t *k = key_new(pkey, priv);
        if (!k)
            continue;
        keys = xrealloc(keys, (nk + 1) * sizeof(*keys));
        keys[nk++] = k;
    }
    BIO_free(bio);
    if (nk == 0)
        return c8s_err_set(err, C8S_EBADREQUEST, "no RSA key found in the PEM data");
    *out = keys;
    *n = nk;
    return 0;
}

int jwt_keys_load(const char *path, jwt_key_t ***out, size_t *n, c8s_err_t *err)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return c8s_err_set(err, C8S_ESYS, "open %s: %s", path, strerror(errno));
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 > cap) {
            cap = cap ? cap * 2 : 8192;
            buf = xrealloc(buf, cap);
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return c8s_err_set(err, C8S_ESYS, "read %s failed", path);
    }
    int rc = jwt_keys_from_pem(buf ? buf : "", len, out, n, err);
    OPENSSL_cleanse(buf, len);
    free(buf);
    if (rc != 0)
        return c8s_err_wrap(err, "%s", path);
    return 0;
}

/* ---- sign and verify ---- */

char *jwt_sign(const jwt_key_t *k, const json_t *claims, c8s_err_t *err)
{
    if (!k || !k->priv) {
        c8s_err_set(err, C8S_EINTERNAL, "no private key to sign with");
        return NULL;
    }
    json_t *hdr = json_pack("{s:s, s:s}", "alg", "RS256", "kid", k->kid);
    char *h = json_dumps(hdr, JSON_COMPACT);
    char *c = json_dumps(claims, JSON_COMPACT);
    json_decref(hdr);
    if (!h || !c) {
        free(h);
        free(c);
        c8s_err_set(err, C8S_EINTERNAL, "cannot serialize the token");
        return NULL;
    }
    char *eh = jwt_b64url_encode(h, strlen(h));
    char *ec = jwt_b64url_encode(c, strlen(c));
    free(h);
    free(c);
    char *input = xasprintf("%s.%s", eh, ec);
    free(eh);
    free(ec);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    size_t siglen = 0;
    unsigned char *sig = NULL;
    bool ok = md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k->pkey) == 1 &&
              EVP_DigestSign(md, NULL, &siglen, (const unsigned char *)input, strlen(input)) == 1;
    if (ok) {
        sig = xmalloc(siglen);
        ok = EVP_DigestSign(md, sig, &siglen, (const unsigned char *)input, strlen(input)) == 1;
    }
    EVP_MD_CTX_free(md);
    if (!ok) {
        free(sig);
        free(input);
        c8s_err_set(err, C8S_EINTERNAL, "signing the token failed");
        return NULL;
    }
    char *es = jwt_b64url_encode(sig, siglen);
    free(sig);
    char *tok = xasprintf("%s.%s", input, es);
    free(input);
    free(es);
    return tok;
}

/* Splits token into its three parts; false when it does not have exactly three. */
static bool parts(const char *token, const char **p1, const char **p2, size_t *l0, size_t *l1,
                  size_t *l2)
{
    const char *d1 = strchr(token, '.');
    if (!d1)
        return false;
    const char *d2 = strchr(d1 + 1, '.');
    if (!d2 || strchr(d2 + 1, '.'))
        return false;
    *p1 = d1 + 1;
    *p2 = d2 + 1;
    *l0 = (size_t)(d1 - token);
    *l1 = (size_t)(d2 - d1 - 1);
    *l2 = strlen(d2 + 1);
    return *l0 > 0 && *l1 > 0;
}

static json_t *decode_json(const char *s, size_t len)
{
    size_t n = 0;
    unsigned char *raw = jwt_b64url_decode(s, len, &n);
    if (!raw)
        return NULL;
    json_t *j = json_loadb((const char *)raw, n, JSON_REJECT_DUPLICATES, NULL);
    free(raw);
    if (j && !json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

bool jwt_peek(const char *token, json_t **claims)
{
    if (claims)
        *claims = NULL;
    if (!token || strlen(token) > JWT_TOKEN_MAX_BYTES)
        return false;
    const char *p1, *p2;
    size_t l0, l1, l2;
    if (!parts(token, &p1, &p2, &l0, &l1, &l2))
        return false;
    json_t *hdr = decode_json(token, l0);
    if (!hdr)
        return false;
    json_decref(hdr);
    json_t *c = decode_json(p1, l1);
    if (!c)
        return false;
    if (claims)
        *claims = c;
    else
        json_decref(c);
    return true;
}

static bool verify_with(const jwt_key_t *k, const char *input, size_t ilen,
                        const unsigned char *sig, size_t slen)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k->pkey) == 1 &&
              EVP_DigestVerify(md, sig, slen, (const unsigned char *)input, ilen) == 1;
    EVP_MD_CTX_free(md);
    return ok;
}

int jwt_verify(jwt_key_t *const *keys, size_t n, const char *token, json_t **claims, c8s_err_t *err)
{
    *claims = NULL;
    if (!token || strlen(token) > JWT_TOKEN_MAX_BYTES)
        return c8s_err_set(err, C8S_EUNAUTH, "token too large");
    const char *p1, *p2;
    size_t l0, l1, l2;
    if (!parts(token, &p1, &p2, &l0, &l1, &l2))
        return c8s_err_set(err, C8S_EUNAUTH, "malformed token");
    json_t *hdr = decode_json(token, l0);
    if (!hdr)
        return c8s_err_set(err, C8S_EUNAUTH, "malformed token header");
    const char *alg = json_string_value(json_object_get(hdr, "alg"));
    if (!alg || strcmp(alg, "RS256") != 0) {
        c8s_err_set(err, C8S_EUNAUTH, "unsupported signing algorithm %s", alg ? alg : "(none)");
        json_decref(hdr);
        return err->code;
    }
    const char *kid = json_string_value(json_object_get(hdr, "kid"));
    size_t slen = 0;
    unsigned char *sig = jwt_b64url_decode(p2, l2, &slen);
    if (!sig || slen == 0) {
        free(sig);
        json_decref(hdr);
        return c8s_err_set(err, C8S_EUNAUTH, "malformed token signature");
    }
    size_t ilen = l0 + 1 + l1;
    bool ok = false, kid_known = false;
    if (kid)
        for (size_t i = 0; i < n && !kid_known; i++)
            if (strcmp(keys[i]->kid, kid) == 0) {
                kid_known = true;
                ok = verify_with(keys[i], token, ilen, sig, slen);
            }
    for (size_t i = 0; i < n && !ok && !kid_known; i++)
        ok = verify_with(keys[i], token, ilen, sig, slen);
    free(sig);
    json_decref(hdr);
    if (!ok)
        return c8s_err_set(err, C8S_EUNAUTH, "invalid signature");
    json_t *c = decode_json(p1, l1);
    if (!c)
        return c8s_err_set(err, C8S_EUNAUTH, "malformed token payload");
    *claims = c;
    return 0;
}

/* ---- ServiceAccount claims ---- */

static json_t *ref(const char *name, const char *uid)
{
    return json_pack("{s:s, s:s}", "name", name ? name : "", "uid", uid ? uid : "");
}

json_t *jwt_sa_claims(const jwt_sa_t *c)
{
    json_t *aud = json_array();
    for (size_t i = 0; i < c->n_audiences; i++)
        json_array_append_new(aud, json_string(c->audiences[i]));
    char sub[512];
    snprintf(sub, sizeof(sub), "system:serviceaccount:%s:%s", c->ns, c->sa_name);
    json_t *k8s =
        json_pack("{s:s, s:o}", "namespace", c->ns, "serviceaccount", ref(c->sa_name, c->sa_uid));
    if (c->bound_kind && strcmp(c->bound_kind, "Pod") == 0)
        json_object_set_new(k8s, "pod", ref(c->bound_name, c->bound_uid));
    else if (c->bound_kind && strcmp(c->bound_kind, "Secret") == 0)
        json_object_set_new(k8s, "secret", ref(c->bound_name, c->bound_uid));
    if (c->node_name)
        json_object_set_new(k8s, "node", ref(c->node_name, c->node_uid));
    json_t *claims = json_pack("{s:o, s:I, s:I, s:s, s:o, s:I, s:s}", "aud", aud, "exp",
                               (json_int_t)c->exp, "iat", (json_int_t)c->iat, "iss", c->issuer,
                               JWT_SA_CLAIM, k8s, "nbf", (json_int_t)c->iat, "sub", sub);
    if (c->jti)
        json_object_set_new(claims, "jti", json_string(c->jti));
    return claims;
}

static bool num(const json_t *claims, const char *name, int64_t *out)
{
    json_t *v = json_object_get(claims, name);
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return true;
    }
    if (json_is_real(v)) {
        /* A time outside int64 (or NaN) is no time at all: casting it would be undefined. */
        double d = json_real_value(v);
        if (!(d >= -9.2e18 && d <= 9.2e18))
            return false;
        *out = (int64_t)d;
        return true;
    }
    return false;
}

static const char *str_at(const json_t *obj, const char *a, const char *b)
{
    const json_t *o = json_object_get(obj, a);
    if (b)
        o = json_object_get(o, b);
    const char *s = json_string_value(o);
    return s && *s ? s : NULL;
}

int jwt_sa_validate(const json_t *claims, const char *issuer, const char *const *audiences,
                    size_t n_audiences, int64_t now, jwt_sa_info_t *out, json_t **matched,
                    c8s_err_t *err)
{
    memset(out, 0, sizeof(*out));
    if (matched)
        *matched = NULL;
    const char *iss = json_string_value(json_object_get(claims, "iss"));
    if (!iss || strcmp(iss, issuer) != 0)
        return c8s_err_set(err, C8S_EUNAUTH, "token issuer %s is not %s", iss ? iss : "(none)",
                           issuer);
    int64_t exp = 0, t = 0;
    if (!num(claims, "exp", &exp))
        return c8s_err_set(err, C8S_EUNAUTH, "token has no expiry");
    if (now > exp + JWT_LEEWAY_S)
        return c8s_err_set(err, C8S_EUNAUTH, "service account token has expired");
    bool has_nbf = json_object_get(claims, "nbf") != NULL;
    if (has_nbf && (!num(claims, "nbf", &t) || now + JWT_LEEWAY_S < t))
        return c8s_err_set(err, C8S_EUNAUTH, "service account token is not valid yet");
    bool has_iat = json_object_get(claims, "iat") != NULL;
    if (has_iat && (!num(claims, "iat", &t) || now + JWT_LEEWAY_S < t))
        return c8s_err_set(err, C8S_EUNAUTH, "service account token was issued in the future");
    /* aud is a string or an array of strings (RFC 7519 §4.1.3). */
    json_t *aud = json_object_get(claims, "aud");
    json_t *hit = json_array();
    for (size_t i = 0; i < n_audiences; i++) {
        bool in = false;
        if (json_is_string(aud))
            in = strcmp(json_string_value(aud), audiences[i]) == 0;
        size_t j;
        json_t *a;
        json_array_foreach(aud, j, a) if (json_is_string(a) && strcmp(json_string_value(a),
                                                                      audiences[i]) == 0) in = true;
        if (in)
            json_array_append_new(hit, json_string(audiences[i]));
    }
    if (json_array_size(hit) == 0) {
        json_decref(hit);
        return c8s_err_set(err, C8S_EUNAUTH, "token audiences are invalid");
    }
    const json_t *k8s = json_object_get(claims, JWT_SA_CLAIM);
    out->ns = str_at(k8s, "namespace", NULL);
    out->sa_name = str_at(k8s, "serviceaccount", "name");
    out->sa_uid = str_at(k8s, "serviceaccount", "uid");
    out->pod_name = str_at(k8s, "pod", "name");
    out->pod_uid = str_at(k8s, "pod", "uid");
    out->secret_name = str_at(k8s, "secret", "name");
    out->secret_uid = str_at(k8s, "secret", "uid");
    out->node_name = str_at(k8s, "node", "name");
    out->node_uid = str_at(k8s, "node", "uid");
    out->jti = json_string_value(json_object_get(claims, "jti"));
    out->exp = exp;
    const char *sub = json_string_value(json_object_get(claims, "sub"));
    char want[512];
    if (out->ns && out->sa_name)
        snprintf(want, sizeof(want), "system:serviceaccount:%s:%s", out->ns, out->sa_name);
    if (!out->ns || !out->sa_name || !out->sa_uid || !sub || strcmp(sub, want) != 0 ||
        (json_object_get(k8s, "pod") && !(out->pod_name && out->pod_uid)) ||
        (json_object_get(k8s, "secret") && !(out->secret_name && out->secret_uid))) {
        json_decref(hit);
        memset(out, 0, sizeof(*out));
        return c8s_err_set(err, C8S_EUNAUTH, "token lacks the service account claims");
    }
    if (matched)
        *matched = hit;
    else
        json_decref(hit);
    return 0;
}
