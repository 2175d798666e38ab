/*
 * csr.c — PKCS#10 certificate requests, the in-memory part of certificates.k8s.io: reading one
 * (what API validation and the approver check), making one (what a joining node sends) and
 * signing one with the cluster CA (the csrsigning controller), PEM text in and out.
 */
#include "c8s/pki.h"
#include "c8s/strbuf.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void push(char ***v, size_t *n, const char *s, size_t len)
{
    *v = xrealloc(*v, (*n + 1) * sizeof(**v));
    (*v)[(*n)++] = xstrndup(s, len);
}

void pki_csr_info_clear(pki_csr_info_t *c)
{
    free(c->cn);
    pki_names_free(c->orgs, c->n_orgs);
    pki_names_free(c->dns, c->n_dns);
    pki_names_free(c->ips, c->n_ips);
    memset(c, 0, sizeof(*c));
}

static X509_REQ *pem_to_req(const char *pem, size_t len)
{
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    if (!b)
        return NULL;
    X509_REQ *req = PEM_read_bio_X509_REQ(b, NULL, NULL, NULL);
    BIO_free(b);
    ERR_clear_error();
    return req;
}

static void read_sans(X509_REQ *req, pki_csr_info_t *out)
{
    STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
    if (!exts)
        return;
    GENERAL_NAMES *names = X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        if (g->type == GEN_DNS) {
            push(&out->dns, &out->n_dns, (const char *)ASN1_STRING_get0_data(g->d.dNSName),
                 (size_t)ASN1_STRING_length(g->d.dNSName));
        } else if (g->type == GEN_IPADD) {
            char buf[INET6_ADDRSTRLEN];
            int n = ASN1_STRING_length(g->d.iPAddress);
            const unsigned char *p = ASN1_STRING_get0_data(g->d.iPAddress);
            if ((n == 4 && inet_ntop(AF_INET, p, buf, sizeof(buf))) ||
                (n == 16 && inet_ntop(AF_INET6, p, buf, sizeof(buf))))
                push(&out->ips, &out->n_ips, buf, strlen(buf));
            else
                out->n_other++;
        } else {
            /* e-mail addresses, URIs and the rest: a kubelet asks for none of them. */
            out->n_other++;
        }
    }
    GENERAL_NAMES_free(names);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
}

int pki_csr_parse(const char *pem, size_t len, pki_csr_info_t *out, c8s_err_t *err)
{
    memset(out, 0, sizeof(*out));
    if (!pem || !len || !memmem(pem, len, "-----BEGIN CERTIFICATE REQUEST-----", 35))
        return c8s_err_set(err, C8S_EBADREQUEST, "PEM block type must be CERTIFICATE REQUEST");
    X509_REQ *req = pem_to_req(pem, len);
    if (!req)
        return c8s_err_set(err, C8S_EBADREQUEST, "x509: malformed certificate request");
    EVP_PKEY *key = X509_REQ_get0_pubkey(req);
    /* The request's self-signature proves its sender holds the key it wants certified. */
    if (!key || X509_REQ_verify(req, key) != 1) {
        X509_REQ_free(req);
        ERR_clear_error();
        return c8s_err_set(err, C8S_EBADREQUEST,
                           "x509: certificate request signature does not verify");
    }
    out->key_type = EVP_PKEY_base_id(key) == EVP_PKEY_EC    ? "ECDSA"
                    : EVP_PKEY_base_id(key) == EVP_PKEY_RSA ? "RSA"
                                                            : "other";
    const X509_NAME *name = X509_REQ_get_subject_name(req);
    for (int i = 0; i < X509_NAME_entry_count(name); i++) {
        const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
        int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
        const ASN1_STRING *d = X509_NAME_ENTRY_get_data(e);
        const char *s = (const char *)ASN1_STRING_get0_data(d);
        size_t n = (size_t)ASN1_STRING_length(d);
        if (nid == NID_commonName) {
            free(out->cn);
            out->cn = xstrndup(s, n);
        } else if (nid == NID_organizationName) {
            push(&out->orgs, &out->n_orgs, s, n);
        } else {
            out->n_other_subject++;
        }
    }
    read_sans(req, out);
    X509_REQ_free(req);
    return 0;
}

static int ssl_fail(c8s_err_t *err, int code, const char *what)
{
    char buf[256];
    unsigned long e = ERR_get_error();
    ERR_clear_error();
    if (e)
        ERR_error_string_n(e, buf, sizeof(buf));
    return c8s_err_set(err, code, "%s: %s", what, e ? buf : "unknown error");
}

static char *bio_text(BIO *b)
{
    char *data = NULL;
    long n = BIO_get_mem_data(b, &data);
    return xstrndup(data ? data : "", n > 0 ? (size_t)n : 0);
}

static EVP_PKEY *pem_to_key(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    if (!b)
        return NULL;
    EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    ERR_clear_error();
    return k;
}

static X509 *pem_to_cert(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    if (!b)
        return NULL;
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    ERR_clear_error();
    return x;
}

static bool name_ok(const char *s)
{
    return s && *s && !strpbrk(s, ",\n\r\"\\:");
}

/* "DNS:a,IP:1.2.3.4" for an OpenSSL extension value; NULL (err set) for a name that cannot be
 * one, or when there are none. */
static char *san_value(const char *const *dns, size_t n_dns, const char *const *ips, size_t n_ips,
                       c8s_err_t *err)
{
    strbuf_t san = STRBUF_INIT;
    for (size_t i = 0; i < n_dns; i++) {
        if (!name_ok(dns[i])) {
            strbuf_free(&san);
            c8s_err_set(err, C8S_EBADREQUEST, "invalid DNS name \"%s\"", dns[i]);
            return NULL;
        }
        strbuf_addf(&san, "%sDNS:%s", san.len ? "," : "", dns[i]);
    }
    for (size_t i = 0; i < n_ips; i++) {
        unsigned char buf[16];
        if (!ips[i] || strpbrk(ips[i], ",\n\r\"\\") ||
            (inet_pton(AF_INET, ips[i], buf) != 1 && inet_pton(AF_INET6, ips[i], buf) != 1)) {
            strbuf_free(&san);
            c8s_err_set(err, C8S_EBADREQUEST, "invalid IP address \"%s\"", ips[i] ? ips[i] : "");
            return NULL;
        }
        strbuf_addf(&san, "%sIP:%s", san.len ? "," : "", ips[i]);
    }
    return strbuf_take(&san);
}

int pki_csr_new(const pki_cert_req_t *req, const char *key_pem_in, char **csr_pem, char **key_pem,
                c8s_err_t *err)
{
    *csr_pem = NULL;
    if (key_pem)
        *key_pem = NULL;
    if (!req || !req->cn || !*req->cn)
        return c8s_err_set(err, C8S_EBADREQUEST, "certificate request: a common name is required");
    EVP_PKEY *key = key_pem_in ? pem_to_key(key_pem_in) : EVP_EC_gen("P-256");
    if (!key)
        return ssl_fail(err, key_pem_in ? C8S_EBADREQUEST : C8S_EINTERNAL, "request key");
    X509_REQ *x = X509_REQ_new();
    X509_NAME *name = X509_REQ_get_subject_name(x);
    int rc = 0;
    for (size_t i = 0; i < req->n_orgs && rc == 0; i++)
        if (!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                        (const unsigned char *)req->orgs[i], -1, -1, 0))
            rc = ssl_fail(err, C8S_EBADREQUEST, "request organization");
    if (rc == 0 && !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                               (const unsigned char *)req->cn, -1, -1, 0))
        rc = ssl_fail(err, C8S_EBADREQUEST, "request common name");
    if (rc == 0 && req->n_dns + req->n_ips > 0) {
        char *san = san_value(req->dns, req->n_dns, req->ips, req->n_ips, err);
        if (!san) {
            rc = err ? err->code : C8S_EBADREQUEST;
        } else {
            STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
            X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, san);
            if (!e || !sk_X509_EXTENSION_push(exts, e) || !X509_REQ_add_extensions(x, exts)) {
                if (e && sk_X509_EXTENSION_num(exts) == 0)
                    X509_EXTENSION_free(e);
                rc = ssl_fail(err, C8S_EBADREQUEST, "request subjectAltName");
            }
            sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
            free(san);
        }
    }
    if (rc == 0 && (!X509_REQ_set_pubkey(x, key) || !X509_REQ_sign(x, key, EVP_sha256())))
        rc = ssl_fail(err, C8S_EINTERNAL, "signing the request");
    if (rc == 0) {
        BIO *b = BIO_new(BIO_s_mem());
        PEM_write_bio_X509_REQ(b, x);
        *csr_pem = bio_text(b);
        BIO_free(b);
        if (key_pem) {
            b = BIO_new(BIO_s_mem());
            PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL);
            *key_pem = bio_text(b);
            BIO_free(b);
        }
    }
    X509_REQ_free(x);
    EVP_PKEY_free(key);
    return rc;
}

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    if (!e)
        return -1;
    int ok = X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    return ok ? 0 : -1;
}

static int set_serial(X509 *x)
{
    unsigned char raw[16];
    if (RAND_bytes(raw, sizeof(raw)) != 1)
        return -1;
    raw[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(raw, sizeof(raw), NULL);
    int ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
    BN_free(bn);
    return ok ? 0 : -1;
}

int pki_csr_sign(const char *ca_cert_pem, const char *ca_key_pem, const char *csr_pem,
                 size_t csr_len, unsigned usages, long long seconds, char **cert_pem,
                 c8s_err_t *err)
{
    *cert_pem = NULL;
    pki_csr_info_t info;
    if (pki_csr_parse(csr_pem, csr_len, &info, err) != 0)
        return err ? err->code : C8S_EBADREQUEST;
    X509 *ca = pem_to_cert(ca_cert_pem);
    EVP_PKEY *ca_key = pem_to_key(ca_key_pem);
    X509_REQ *req = pem_to_req(csr_pem, csr_len);
    X509 *x = X509_new();
    int rc = 0;
    if (!ca || !ca_key || !req) {
        rc = c8s_err_set(err, C8S_EINTERNAL, "the signer's CA certificate or key is unreadable");
        goto out;
    }
    if (set_serial(x) != 0 || X509_set_version(x, 2) != 1 ||
        !X509_set_subject_name(x, X509_REQ_get_subject_name(req)) ||
        !X509_set_issuer_name(x, X509_get_subject_name(ca)) ||
        !X509_set_pubkey(x, X509_REQ_get0_pubkey(req))) {
        rc = ssl_fail(err, C8S_EINTERNAL, "certificate fields");
        goto out;
    }
    /* Backdated five minutes as upstream's signer does, for clocks a little behind; never
     * past the CA's own end. */
    time_t now = time(NULL);
    X509_time_adj_ex(X509_getm_notBefore(x), 0, -300, &now);
    X509_time_adj_ex(X509_getm_notAfter(x), 0, (long)seconds, &now);
    if (X509_cmp_time(X509_get0_notAfter(ca), &(time_t){now + (time_t)seconds}) < 0)
        X509_set1_notAfter(x, X509_get0_notAfter(ca));

    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, ca, x, NULL, NULL, 0);
    strbuf_t ku = STRBUF_INIT, eku = STRBUF_INIT;
    strbuf_add(&ku, "critical");
    if (usages & PKI_USAGE_DIGITAL_SIGNATURE)
        strbuf_add(&ku, ",digitalSignature");
    if (usages & PKI_USAGE_KEY_ENCIPHERMENT)
        strbuf_add(&ku, ",keyEncipherment");
    if (usages & PKI_USAGE_CLIENT_AUTH)
        strbuf_addf(&eku, "%sclientAuth", eku.len ? "," : "");
    if (usages & PKI_USAGE_SERVER_AUTH)
        strbuf_addf(&eku, "%sserverAuth", eku.len ? "," : "");
    int bad = add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE");
    if (ku.len > strlen("critical"))
        bad |= add_ext(x, &ctx, NID_key_usage, ku.s);
    if (eku.len)
        bad |= add_ext(x, &ctx, NID_ext_key_usage, eku.s);
    bad |= add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
    strbuf_free(&ku);
    strbuf_free(&eku);
    if (!bad && info.n_dns + info.n_ips > 0) {
        char *san = san_value((const char *const *)info.dns, info.n_dns,
                              (const char *const *)info.ips, info.n_ips, err);
        if (!san) {
            rc = err ? err->code : C8S_EBADREQUEST;
            goto out;
        }
        bad |= add_ext(x, &ctx, NID_subject_alt_name, san);
        free(san);
    }
    if (bad) {
        rc = ssl_fail(err, C8S_EINTERNAL, "certificate extensions");
        goto out;
    }
    if (!X509_sign(x, ca_key, EVP_sha256())) {
        rc = ssl_fail(err, C8S_EINTERNAL, "signing the certificate");
        goto out;
    }
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, x);
    *cert_pem = bio_text(b);
    BIO_free(b);
out:
    X509_free(x);
    X509_REQ_free(req);
    EVP_PKEY_free(ca_key);
    X509_free(ca);
    pki_csr_info_clear(&info);
    return rc;
}

long long pki_csr_min_expiration_s(void)
{
    const char *v = getenv("C8S_CSR_MIN_EXPIRATION_S");
    if (!v || !*v)
        return 600;
    char *end = NULL;
    long long n = strtoll(v, &end, 10);
    return *end || n < 1 || n > 600 ? 600 : n;
}
