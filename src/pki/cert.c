/*
 * cert.c — the in-memory core of the PKI (see include/c8s/pki.h): keys, certificates and name
 * checks with OpenSSL 3's EVP and X509 interfaces, PEM text in and out.
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
#include <string.h>
#include <time.h>

/* The newest OpenSSL error as text, for messages; the queue is emptied. */
static const char *ssl_reason(char *buf, size_t len)
{
    unsigned long e = ERR_get_error();
    ERR_clear_error();
    if (!e)
        return "unknown error";
    ERR_error_string_n(e, buf, len);
    return buf;
}

static int ssl_err(c8s_err_t *err, int code, const char *what)
{
    char buf[256];
    return c8s_err_set(err, code, "%s: %s", what, ssl_reason(buf, sizeof(buf)));
}

static char *bio_text(BIO *b)
{
    char *data = NULL;
    long n = BIO_get_mem_data(b, &data);
    return xstrndup(data ? data : "", n > 0 ? (size_t)n : 0);
}

static char *cert_to_pem(X509 *x)
{
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, x);
    char *out = bio_text(b);
    BIO_free(b);
    return out;
}

static char *key_to_pem(EVP_PKEY *k)
{
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
    char *out = bio_text(b);
    BIO_free(b);
    return out;
}

static X509 *pem_to_cert(const char *pem)
{
    if (!pem)
        return NULL;
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    ERR_clear_error();
    return x;
}

static EVP_PKEY *pem_to_key(const char *pem)
{
    if (!pem)
        return NULL;
    BIO *b = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    ERR_clear_error();
    return k;
}

/* A random positive 127-bit serial, as RFC 5280 wants them unpredictable. */
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

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    if (!e)
        return -1;
    int ok = X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    return ok ? 0 : -1;
}

/* A name is put into an OpenSSL configuration string; these characters would change its
 * meaning there, and no valid host name or address has them. */
static bool name_ok(const char *s)
{
    return s && *s && !strpbrk(s, ",\n\r\"\\");
}

/* A new certificate for key with subject cn/orgs, signed by (issuer, issuer_key), or
 * self-signed when issuer is NULL. */
static X509 *make_cert(EVP_PKEY *key, const pki_cert_req_t *req, bool ca, X509 *issuer,
                       EVP_PKEY *issuer_key, c8s_err_t *err)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_get_subject_name(x);
    if (set_serial(x) != 0 || X509_set_version(x, 2) != 1) {
        ssl_err(err, C8S_EINTERNAL, "certificate serial");
        goto fail;
    }
    for (size_t i = 0; i < req->n_orgs; i++) {
        if (!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                        (const unsigned char *)req->orgs[i], -1, -1, 0)) {
            ssl_err(err, C8S_EBADREQUEST, "certificate organization");
            goto fail;
        }
    }
    if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)req->cn, -1,
                                    -1, 0)) {
        ssl_err(err, C8S_EBADREQUEST, "certificate common name");
        goto fail;
    }
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
    /* An hour of slack backwards: clocks of the machines that check it differ a little. */
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_time_adj_ex(X509_getm_notAfter(x), req->days > 0 ? req->days : 365, 0, NULL);
    X509_set_pubkey(x, key);

    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
    int bad = 0;
    if (ca) {
        bad |= add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE");
        bad |= add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
    } else {
        bad |= add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE");
        bad |= add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature,keyEncipherment");
        bad |= add_ext(x, &ctx, NID_ext_key_usage, req->server ? "serverAuth" : "clientAuth");
    }
    bad |= add_ext(x, &ctx, NID_subject_key_identifier, "hash");
    if (issuer)
        bad |= add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
    if (bad) {
        ssl_err(err, C8S_EINTERNAL, "certificate extensions");
        goto fail;
    }
    if (req->n_dns + req->n_ips > 0) {
        strbuf_t san = STRBUF_INIT;
        for (size_t i = 0; i < req->n_dns; i++) {
            if (!name_ok(req->dns[i]) || strchr(req->dns[i], ':')) {
                strbuf_free(&san);
                c8s_err_set(err, C8S_EBADREQUEST, "invalid DNS name \"%s\"", req->dns[i]);
                goto fail;
            }
            strbuf_addf(&san, "%sDNS:%s", san.len ? "," : "", req->dns[i]);
        }
        for (size_t i = 0; i < req->n_ips; i++) {
            unsigned char buf[16];
            if (!name_ok(req->ips[i]) || (inet_pton(AF_INET, req->ips[i], buf) != 1 &&
                                          inet_pton(AF_INET6, req->ips[i], buf) != 1)) {
                strbuf_free(&san);
                c8s_err_set(err, C8S_EBADREQUEST, "invalid IP address \"%s\"", req->ips[i]);
                goto fail;
            }
            strbuf_addf(&san, "%sIP:%s", san.len ? "," : "", req->ips[i]);
        }
        int rc = add_ext(x, &ctx, NID_subject_alt_name, san.s);
        strbuf_free(&san);
        if (rc != 0) {
            ssl_err(err, C8S_EBADREQUEST, "subjectAltName");
            goto fail;
        }
    }
    if (!X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256())) {
        ssl_err(err, C8S_EINTERNAL, "signing the certificate");
        goto fail;
    }
    return x;
fail:
    X509_free(x);
    return NULL;
}

int pki_ca_new(const char *cn, int days, char **cert_pem, char **key_pem, c8s_err_t *err)
{
    *cert_pem = *key_pem = NULL;
    EVP_PKEY *key = EVP_EC_gen("P-256");
    if (!key)
        return ssl_err(err, C8S_EINTERNAL, "generating the CA key");
    pki_cert_req_t req = {.cn = cn, .days = days};
    X509 *x = make_cert(key, &req, true, NULL, NULL, err);
    if (!x) {
        EVP_PKEY_free(key);
        return err->code;
    }
    *cert_pem = cert_to_pem(x);
    *key_pem = key_to_pem(key);
    X509_free(x);
    EVP_PKEY_free(key);
    return 0;
}

int pki_cert_issue(const char *ca_cert_pem, const char *ca_key_pem, const pki_cert_req_t *req,
                   char **cert_pem, char **key_pem, c8s_err_t *err)
{
    *cert_pem = *key_pem = NULL;
    if (!req->cn || !*req->cn)
        return c8s_err_set(err, C8S_EBADREQUEST, "a certificate needs a common name");
    X509 *ca = pem_to_cert(ca_cert_pem);
    EVP_PKEY *ca_key = pem_to_key(ca_key_pem);
    if (!ca || !ca_key || X509_check_private_key(ca, ca_key) != 1) {
        ERR_clear_error();
        X509_free(ca);
        EVP_PKEY_free(ca_key);
        return c8s_err_set(err, C8S_EBADREQUEST, "malformed CA certificate or key");
    }
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = key ? make_cert(key, req, false, ca, ca_key, err) : NULL;
    if (!key)
        ssl_err(err, C8S_EINTERNAL, "generating a key");
    if (x) {
        *cert_pem = cert_to_pem(x);
        *key_pem = key_to_pem(key);
    }
    X509_free(x);
    EVP_PKEY_free(key);
    X509_free(ca);
    EVP_PKEY_free(ca_key);
    return x ? 0 : err->code;
}

bool pki_cert_covers(const char *cert_pem, const char *const *dns, size_t n_dns,
                     const char *const *ips, size_t n_ips)
{
    X509 *x = pem_to_cert(cert_pem);
    if (!x)
        return false;
    bool ok = true;
    for (size_t i = 0; ok && i < n_dns; i++)
        ok = X509_check_host(x, dns[i], 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1;
    for (size_t i = 0; ok && i < n_ips; i++)
        ok = X509_check_ip_asc(x, ips[i], 0) == 1;
    X509_free(x);
    ERR_clear_error();
    return ok;
}

bool pki_cert_signed_by(const char *cert_pem, const char *ca_pem, int margin_days)
{
    X509 *x = pem_to_cert(cert_pem), *ca = pem_to_cert(ca_pem);
    bool ok = false;
    if (x && ca) {
        EVP_PKEY *pub = X509_get0_pubkey(ca);
        time_t later = time(NULL) + (time_t)margin_days * 86400;
        ok = pub && X509_verify(x, pub) == 1 && X509_cmp_time(X509_get0_notBefore(x), NULL) < 0 &&
             X509_cmp_time(X509_get0_notAfter(x), &later) > 0;
    }
    X509_free(x);
    X509_free(ca);
    ERR_clear_error();
    return ok;
}

int pki_service_ip(const char *cidr, char *out, size_t out_len, c8s_err_t *err)
{
    char addr[64];
    const char *slash = cidr ? strchr(cidr, '/') : NULL;
    if (!slash || (size_t)(slash - cidr) >= sizeof(addr))
        return c8s_err_set(err, C8S_EBADREQUEST, "invalid CIDR \"%s\"", cidr ? cidr : "");
    memcpy(addr, cidr, (size_t)(slash - cidr));
    addr[slash - cidr] = '\0';
    char *end;
    long bits = strtol(slash + 1, &end, 10);
    unsigned char b[16];
    int family = strchr(addr, ':') ? AF_INET6 : AF_INET;
    int max = family == AF_INET ? 32 : 128;
    if (*end || end == slash + 1 || bits < 0 || bits > max - 1 || inet_pton(family, addr, b) != 1)
        return c8s_err_set(err, C8S_EBADREQUEST, "invalid CIDR \"%s\"", cidr);
    int n = max / 8;
    /* Clear the host bits, then add one: the network address itself is never allocated. */
    for (int i = 0; i < n; i++) {
        int keep = (int)bits - i * 8;
        unsigned char mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (unsigned char)(0xff << (8 - keep));
        b[i] &= mask;
    }
    for (int i = n - 1; i >= 0; i--)
        if (++b[i] != 0)
            break;
    if (!inet_ntop(family, b, out, (socklen_t)out_len))
        return c8s_err_set(err, C8S_EBADREQUEST, "invalid CIDR \"%s\"", cidr);
    return 0;
}

static void add_name(char ***v, size_t *n, const char *s)
{
    if (!s || !*s)
        return;
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*v)[i], s) == 0)
            return;
    *v = xrealloc(*v, (*n + 1) * sizeof(char *));
    (*v)[(*n)++] = xstrdup(s);
}

static bool is_ip(const char *s)
{
    unsigned char b[16];
    return s && (inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1);
}

void pki_default_sans(const char *hostname, const char *node_name, const char *cluster_domain,
                      const char *advertise, const char *bind, const char *service_ip, char ***dns,
                      size_t *n_dns, char ***ips, size_t *n_ips)
{
    *dns = *ips = NULL;
    *n_dns = *n_ips = 0;
    const char *fixed[] = {"localhost", "kubernetes", "kubernetes.default",
                           "kubernetes.default.svc"};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        add_name(dns, n_dns, fixed[i]);
    if (cluster_domain && *cluster_domain) {
        cleanup_free char *d = xasprintf("kubernetes.default.svc.%s", cluster_domain);
        add_name(dns, n_dns, d);
    }
    /* A host or node name given as an address belongs with the addresses. */
    const char *names[] = {hostname, node_name};
    for (size_t i = 0; i < 2; i++) {
        if (!names[i] || !name_ok(names[i]))
            continue;
        if (is_ip(names[i]))
            add_name(ips, n_ips, names[i]);
        else if (!strchr(names[i], ':'))
            add_name(dns, n_dns, names[i]);
    }
    add_name(ips, n_ips, "127.0.0.1");
    add_name(ips, n_ips, "::1");
    if (is_ip(advertise))
        add_name(ips, n_ips, advertise);
    if (is_ip(bind) && strcmp(bind, "0.0.0.0") != 0 && strcmp(bind, "::") != 0)
        add_name(ips, n_ips, bind);
    if (is_ip(service_ip))
        add_name(ips, n_ips, service_ip);
}

void pki_names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}
