/* test_pki.c — the in-memory PKI core: CA and leaf issuance, name coverage, issuer checks, the
 * service IP, and the serving certificate's default names. */
#include "c8s/pki.h"
#include "test.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string.h>

static X509 *parse(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    return x;
}

static bool has(char **v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

int main(void)
{
    c8s_err_t err = C8S_ERR_INIT;
    char ip[64];

    /* The `kubernetes` service's address is the first of the service range. */
    CHECK_INT(pki_service_ip("10.96.0.0/12", ip, sizeof(ip), &err), 0);
    CHECK_STR(ip, "10.96.0.1");
    CHECK_INT(pki_service_ip("10.100.7.9/16", ip, sizeof(ip), &err), 0);
    CHECK_STR(ip, "10.100.0.1");
    CHECK_INT(pki_service_ip("fd00:10:96::/108", ip, sizeof(ip), &err), 0);
    CHECK_STR(ip, "fd00:10:96::1");
    CHECK_INT(pki_service_ip("10.96.0.0", ip, sizeof(ip), &err), C8S_EBADREQUEST);
    CHECK_INT(pki_service_ip("10.96.0.0/33", ip, sizeof(ip), &err), C8S_EBADREQUEST);
    CHECK_INT(pki_service_ip("nonsense/8", ip, sizeof(ip), &err), C8S_EBADREQUEST);
    c8s_err_clear(&err);

    /* Default names: fixed ones, host and node, loopbacks, a specific bind, the service IP;
     * not the wildcard bind; no duplicates. */
    char **dns, **ips;
    size_t nd, ni;
    pki_default_sans("host1", "node-a", "cluster.local", "192.0.2.10", "0.0.0.0", "10.96.0.1", &dns,
                     &nd, &ips, &ni);
    CHECK(has(dns, nd, "localhost") && has(dns, nd, "kubernetes") &&
          has(dns, nd, "kubernetes.default") && has(dns, nd, "kubernetes.default.svc") &&
          has(dns, nd, "kubernetes.default.svc.cluster.local") && has(dns, nd, "host1") &&
          has(dns, nd, "node-a"));
    CHECK_INT((int)nd, 7);
    CHECK(has(ips, ni, "127.0.0.1") && has(ips, ni, "::1") && has(ips, ni, "192.0.2.10") &&
          has(ips, ni, "10.96.0.1"));
    CHECK(!has(ips, ni, "0.0.0.0"));
    CHECK_INT((int)ni, 4);
    pki_names_free(dns, nd);
    pki_names_free(ips, ni);
    pki_default_sans("host1", "host1", NULL, NULL, "192.0.2.11", NULL, &dns, &nd, &ips, &ni);
    CHECK_INT((int)nd, 5);
    CHECK(has(ips, ni, "192.0.2.11"));
    pki_names_free(dns, nd);
    pki_names_free(ips, ni);

    /* A CA, and a serving certificate from it that names what it was asked to. */
    char *ca = NULL, *ca_key = NULL;
    REQUIRE(pki_ca_new("kubernetes", 3650, &ca, &ca_key, &err) == 0);
    CHECK(strstr(ca, "BEGIN CERTIFICATE") != NULL);
    CHECK(strstr(ca_key, "PRIVATE KEY") != NULL);
    const char *sdns[] = {"localhost", "kubernetes.default.svc"};
    const char *sips[] = {"127.0.0.1", "::1", "10.96.0.1"};
    pki_cert_req_t req = {
        .cn = "kube-apiserver", .dns = sdns, .n_dns = 2, .ips = sips, .n_ips = 3, .server = true};
    char *crt = NULL, *key = NULL;
    REQUIRE(pki_cert_issue(ca, ca_key, &req, &crt, &key, &err) == 0);
    CHECK(pki_cert_covers(crt, sdns, 2, sips, 3));
    const char *other_dns[] = {"kubernetes.default.svc.cluster.local"};
    const char *other_ip[] = {"10.0.0.1"};
    CHECK(!pki_cert_covers(crt, other_dns, 1, NULL, 0));
    CHECK(!pki_cert_covers(crt, NULL, 0, other_ip, 1));
    CHECK(!pki_cert_covers("garbage", NULL, 0, NULL, 0));
    CHECK(pki_cert_signed_by(crt, ca, 30));
    /* Valid for a year: not for 400 more days. */
    CHECK(!pki_cert_signed_by(crt, ca, 400));

    /* Another CA did not sign it. */
    char *ca2 = NULL, *ca2_key = NULL;
    REQUIRE(pki_ca_new("other", 10, &ca2, &ca2_key, &err) == 0);
    CHECK(!pki_cert_signed_by(crt, ca2, 0));
    CHECK(!pki_cert_signed_by("garbage", ca, 0));

    /* A client certificate: CN the user, O the groups, clientAuth, verifiable against the CA. */
    const char *groups[] = {"dev", "ops"};
    pki_cert_req_t creq = {.cn = "alice", .orgs = groups, .n_orgs = 2};
    char *ccrt = NULL, *ckey = NULL;
    REQUIRE(pki_cert_issue(ca, ca_key, &creq, &ccrt, &ckey, &err) == 0);
    X509 *x = parse(ccrt);
    REQUIRE(x != NULL);
    X509_NAME *subj = X509_get_subject_name(x);
    char buf[64];
    CHECK(X509_NAME_get_text_by_NID(subj, NID_commonName, buf, sizeof(buf)) > 0);
    CHECK_STR(buf, "alice");
    CHECK_INT(X509_NAME_entry_count(subj), 3);
    CHECK_INT(X509_check_purpose(x, X509_PURPOSE_SSL_CLIENT, 0), 1);
    CHECK(X509_check_purpose(x, X509_PURPOSE_SSL_SERVER, 0) != 1);
    X509_STORE *store = X509_STORE_new();
    X509 *cax = parse(ca);
    X509_STORE_add_cert(store, cax);
    X509_STORE_CTX *sctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(sctx, store, x, NULL);
    CHECK_INT(X509_verify_cert(sctx), 1);
    X509_STORE_CTX_free(sctx);
    X509_STORE_free(store);
    X509_free(cax);
    X509_free(x);

    /* Bad input is an error, not a certificate. */
    char *bc = NULL, *bk = NULL;
    pki_cert_req_t bad = {.cn = "x", .dns = (const char *[]){"a,DNS:evil"}, .n_dns = 1};
    CHECK_INT(pki_cert_issue(ca, ca_key, &bad, &bc, &bk, &err), C8S_EBADREQUEST);
    CHECK(bc == NULL && bk == NULL);
    pki_cert_req_t badip = {.cn = "x", .ips = (const char *[]){"10.0.0.300"}, .n_ips = 1};
    CHECK_INT(pki_cert_issue(ca, ca_key, &badip, &bc, &bk, &err), C8S_EBADREQUEST);
    CHECK_INT(pki_cert_issue(ca, ca2_key, &creq, &bc, &bk, &err), C8S_EBADREQUEST);
    CHECK_INT(pki_cert_issue("nope", ca_key, &creq, &bc, &bk, &err), C8S_EBADREQUEST);
    pki_cert_req_t nocn = {.cn = ""};
    CHECK_INT(pki_cert_issue(ca, ca_key, &nocn, &bc, &bk, &err), C8S_EBADREQUEST);
    c8s_err_clear(&err);

    free(ca);
    free(ca_key);
    free(ca2);
    free(ca2_key);
    free(crt);
    free(key);
    free(ccrt);
    free(ckey);
    TEST_END();
}
