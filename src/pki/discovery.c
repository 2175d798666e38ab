/* discovery.c — the two checks a joining node makes on kube-public/cluster-info before it trusts
 * the server: the CA public-key pin (kubeadm's --discovery-token-ca-cert-hash) and the detached
 * JWS the bootstrapsigner controller puts next to the kubeconfig for each signing token. */
#include "c8s/jwt.h"
#include "c8s/pki.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int pki_ca_cert_hash(const char *cert_pem, char **out, c8s_err_t *err)
{
    *out = NULL;
    BIO *b = BIO_new_mem_buf(cert_pem, -1);
    if (!b)
        return c8s_err_set(err, C8S_EINTERNAL, "out of memory");
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    if (!x)
        return c8s_err_set(err, C8S_EBADREQUEST, "CA certificate: not a PEM certificate");
    /* The pin covers the SubjectPublicKeyInfo only, as kubeadm's does, so a re-issued CA
     * certificate with the same key keeps existing join commands valid. */
    unsigned char *der = NULL;
    int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
    X509_free(x);
    if (n <= 0)
        return c8s_err_set(err, C8S_EBADREQUEST, "CA certificate: unreadable public key");
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    int ok = EVP_Digest(der, (size_t)n, md, &md_len, EVP_sha256(), NULL);
    OPENSSL_free(der);
    if (!ok)
        return c8s_err_set(err, C8S_EINTERNAL, "sha256 failed");
    char *s = xmalloc(7 + 2 * md_len + 1);
    memcpy(s, "sha256:", 7);
    for (unsigned int i = 0; i < md_len; i++)
        snprintf(s + 7 + 2 * i, 3, "%02x", md[i]);
    *out = s;
    return 0;
}

bool pki_ca_cert_hash_matches(const char *cert_pem, const char *want)
{
    c8s_err_t err = C8S_ERR_INIT;
    char *have = NULL;
    if (!want || pki_ca_cert_hash(cert_pem, &have, &err) < 0)
        return false;
    /* kubeadm accepts the hex in either case. */
    bool same = strcasecmp(have, want) == 0;
    free(have);
    return same;
}

int pki_jws_detached(const char *content, const char *token_id, const char *token_secret,
                     char **out, c8s_err_t *err)
{
    *out = NULL;
    if (!content || !token_id || !token_secret || !*token_id || !*token_secret)
        return c8s_err_set(err, C8S_EBADREQUEST, "JWS: content, token id and secret are required");
    for (const char *p = token_id; *p; p++)
        if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
            return c8s_err_set(err, C8S_EBADREQUEST, "JWS: invalid token id");
    /* The header bytes must be exactly upstream's (go-jose writes keys sorted, no spaces):
     * verification recomputes the signature and compares the strings. */
    char *header = xasprintf("{\"alg\":\"HS256\",\"kid\":\"%s\"}", token_id);
    char *h64 = jwt_b64url_encode(header, strlen(header));
    char *p64 = jwt_b64url_encode(content, strlen(content));
    free(header);
    char *input = xasprintf("%s.%s", h64, p64);
    free(p64);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    /* The key is the token's secret half, the id travels as kid (bootstrap/token/jws upstream). */
    unsigned char *r = HMAC(EVP_sha256(), token_secret, (int)strlen(token_secret),
                            (const unsigned char *)input, strlen(input), mac, &mac_len);
    free(input);
    if (!r) {
        free(h64);
        return c8s_err_set(err, C8S_EINTERNAL, "JWS: HMAC-SHA256 failed");
    }
    char *s64 = jwt_b64url_encode(mac, mac_len);
    /* Detached: the payload part is left empty (RFC 7515 appendix F). */
    *out = xasprintf("%s..%s", h64, s64);
    free(h64);
    free(s64);
    return 0;
}

bool pki_jws_detached_valid(const char *jws, const char *content, const char *token_id,
                            const char *token_secret)
{
    if (!jws)
        return false;
    c8s_err_t err = C8S_ERR_INIT;
    char *want = NULL;
    if (pki_jws_detached(content, token_id, token_secret, &want, &err) < 0)
        return false;
    size_t n = strlen(want);
    bool ok = strlen(jws) == n && CRYPTO_memcmp(jws, want, n) == 0;
    free(want);
    return ok;
}
