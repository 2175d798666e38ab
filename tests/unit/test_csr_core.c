/* test_csr_core.c — certificate requests: making, reading and signing one (src/pki/csr.c), and
 * the certificate controllers' decisions over CSR objects (src/controllers/csr_core.c). */
#include "../../src/controllers/internal.h"
#include "test.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string.h>

static char *b64(const char *s)
{
    size_t n = strlen(s);
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
    return out;
}

/* A CSR object for req signed by signer, asked by user in groups (JSON array text). */
static json_t *csr_obj(const pki_cert_req_t *req, const char *signer, const char *usages,
                       const char *user, const char *groups)
{
    c8s_err_t err = C8S_ERR_INIT;
    char *pem = NULL;
    if (pki_csr_new(req, NULL, &pem, NULL, &err) != 0)
        return NULL;
    char *enc = b64(pem);
    free(pem);
    json_t *u = json_loads(usages, 0, NULL), *g = json_loads(groups, 0, NULL);
    json_t *o =
        json_pack("{s:{s:s}, s:{s:s, s:s, s:o, s:s, s:o}}", "metadata", "name", "x", "spec",
                  "request", enc, "signerName", signer, "usages", u, "username", user, "groups", g);
    free(enc);
    return o;
}

static const char *problem(const json_t *csr)
{
    pki_csr_info_t info;
    unsigned usages;
    bool other;
    if (controllers__csr_info(csr, &info, &usages, &other) != 0)
        return "unreadable";
    const char *signer =
        json_string_value(json_object_get(json_object_get(csr, "spec"), "signerName"));
    const char *p = controllers__csr_signer_problem(signer, &info, usages, other);
    pki_csr_info_clear(&info);
    return p;
}

static bool serving_ok(const json_t *csr, const json_t *node)
{
    pki_csr_info_t info;
    unsigned usages;
    bool other;
    if (controllers__csr_info(csr, &info, &usages, &other) != 0)
        return false;
    bool ok = controllers__csr_serving_approvable(csr, &info, usages, other, node);
    pki_csr_info_clear(&info);
    return ok;
}

int main(void)
{
    c8s_err_t err = C8S_ERR_INIT;
    /* Make, read back. */
    const char *orgs[] = {"system:nodes"};
    const char *dns[] = {"n1"};
    const char *ips[] = {"10.0.0.5"};
    pki_cert_req_t req = {.cn = "system:node:n1", .orgs = orgs, .n_orgs = 1};
    char *csr = NULL, *key = NULL;
    REQUIRE(pki_csr_new(&req, NULL, &csr, &key, &err) == 0);
    CHECK(strstr(csr, "BEGIN CERTIFICATE REQUEST") != NULL);
    CHECK(strstr(key, "PRIVATE KEY") != NULL);
    pki_csr_info_t info;
    REQUIRE(pki_csr_parse(csr, strlen(csr), &info, &err) == 0);
    CHECK_STR(info.cn, "system:node:n1");
    CHECK_INT((int)info.n_orgs, 1);
    CHECK_STR(info.orgs[0], "system:nodes");
    CHECK_STR(info.key_type, "ECDSA");
    CHECK_INT((int)(info.n_dns + info.n_ips + info.n_other), 0);
    pki_csr_info_clear(&info);
    /* The same key again gives a request for the same public key. */
    char *csr2 = NULL;
    CHECK_INT(pki_csr_new(&req, key, &csr2, NULL, &err), 0);
    free(csr2);

    /* Garbage and a tampered request are refused. */
    CHECK_INT(pki_csr_parse("hello", 5, &info, &err), C8S_EBADREQUEST);
    CHECK(strstr(err.msg, "PEM block type must be CERTIFICATE REQUEST") != NULL);
    c8s_err_clear(&err);
    char *bad = xstrdup(csr);
    char *mid = strstr(bad, "\n") + 40;
    *mid = *mid == 'A' ? 'B' : 'A';
    CHECK(pki_csr_parse(bad, strlen(bad), &info, &err) != 0);
    c8s_err_clear(&err);
    free(bad);

    /* Sign with a CA: subject and usages as asked, validity as asked. */
    char *ca = NULL, *ca_key = NULL, *cert = NULL;
    REQUIRE(pki_ca_new("test-ca", 30, &ca, &ca_key, &err) == 0);
    REQUIRE(pki_csr_sign(ca, ca_key, csr, strlen(csr),
                         PKI_USAGE_DIGITAL_SIGNATURE | PKI_USAGE_CLIENT_AUTH, 3600, &cert,
                         &err) == 0);
    CHECK(pki_cert_signed_by(cert, ca, 0));
    CHECK(!pki_cert_signed_by(cert, ca, 1)); /* an hour, not a day */
    BIO *b = BIO_new_mem_buf(cert, -1);
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    REQUIRE(x);
    CHECK(X509_get_extended_key_usage(x) & XKU_SSL_CLIENT);
    CHECK(!(X509_get_extended_key_usage(x) & XKU_SSL_SERVER));
    char cn[128];
    X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn));
    CHECK_STR(cn, "system:node:n1");
    X509_free(x);
    free(cert);
    /* Longer than the CA lives: cut at the CA's end. */
    REQUIRE(pki_csr_sign(ca, ca_key, csr, strlen(csr), PKI_USAGE_CLIENT_AUTH, 400LL * 86400, &cert,
                         &err) == 0);
    CHECK(pki_cert_signed_by(cert, ca, 29));
    CHECK(!pki_cert_signed_by(cert, ca, 31));
    free(cert);
    free(csr);
    free(key);

    /* The signer's checks. */
    const char *ku = "[\"client auth\",\"digital signature\",\"key encipherment\"]";
    json_t *o = csr_obj(&req, CSR_SIGNER_KUBELET_CLIENT, ku, "system:bootstrap:abcdef",
                        "[\"system:bootstrappers\"]");
    REQUIRE(o);
    CHECK(problem(o) == NULL);
    json_decref(o);
    o = csr_obj(&req, CSR_SIGNER_KUBELET_CLIENT, "[\"client auth\",\"server auth\"]", "u", "[]");
    CHECK(problem(o) != NULL);
    json_decref(o);
    pki_cert_req_t alice = {.cn = "alice"};
    o = csr_obj(&alice, CSR_SIGNER_KUBELET_CLIENT, ku, "u", "[]");
    CHECK(problem(o) != NULL); /* not a node's subject */
    json_decref(o);
    o = csr_obj(&alice, CSR_SIGNER_CLIENT, "[\"client auth\"]", "u", "[]");
    CHECK(problem(o) == NULL);
    json_decref(o);
    o = csr_obj(&alice, CSR_SIGNER_CLIENT, "[\"server auth\"]", "u", "[]");
    CHECK(problem(o) != NULL);
    json_decref(o);
    o = csr_obj(&alice, "example.com/mine", "[\"client auth\"]", "u", "[]");
    CHECK(problem(o) != NULL);
    json_decref(o);
    pki_cert_req_t withsan = {
        .cn = "system:node:n1", .orgs = orgs, .n_orgs = 1, .dns = dns, .n_dns = 1};
    o = csr_obj(&withsan, CSR_SIGNER_KUBELET_CLIENT, ku, "u", "[]");
    CHECK(problem(o) != NULL); /* a client certificate names no hosts */
    json_decref(o);

    /* kubelet-serving: approved only for the node itself and its own names. */
    pki_cert_req_t serving = {.cn = "system:node:n1",
                              .orgs = orgs,
                              .n_orgs = 1,
                              .dns = dns,
                              .n_dns = 1,
                              .ips = ips,
                              .n_ips = 1};
    const char *su = "[\"server auth\",\"digital signature\"]";
    json_t *node = json_loads("{\"metadata\":{\"name\":\"n1\"},\"status\":{\"addresses\":"
                              "[{\"type\":\"InternalIP\",\"address\":\"10.0.0.5\"},"
                              "{\"type\":\"Hostname\",\"address\":\"n1\"}]}}",
                              0, NULL);
    json_t *other_node = json_loads("{\"metadata\":{\"name\":\"n1\"},\"status\":{\"addresses\":"
                                    "[{\"type\":\"InternalIP\",\"address\":\"10.0.0.6\"}]}}",
                                    0, NULL);
    o = csr_obj(&serving, CSR_SIGNER_KUBELET_SERVING, su, "system:node:n1",
                "[\"system:nodes\",\"system:authenticated\"]");
    CHECK(problem(o) == NULL);
    CHECK(serving_ok(o, node));
    CHECK(!serving_ok(o, other_node)); /* 10.0.0.5 is not its address */
    CHECK(!serving_ok(o, NULL));
    json_decref(o);
    o = csr_obj(&serving, CSR_SIGNER_KUBELET_SERVING, su, "system:node:n2", "[\"system:nodes\"]");
    CHECK(!serving_ok(o, node)); /* another node asks */
    json_decref(o);
    o = csr_obj(&serving, CSR_SIGNER_KUBELET_SERVING, su, "system:node:n1",
                "[\"system:bootstrappers\"]");
    CHECK(!serving_ok(o, node)); /* not authenticated as a node */
    json_decref(o);
    json_decref(node);
    json_decref(other_node);

    /* Conditions. */
    o = json_loads("{\"status\":{\"conditions\":[{\"type\":\"Approved\",\"status\":\"True\"},"
                   "{\"type\":\"Failed\",\"status\":\"False\"}]}}",
                   0, NULL);
    CHECK(controllers__csr_has(o, "Approved"));
    CHECK(!controllers__csr_has(o, "Failed"));
    CHECK(!controllers__csr_has(o, "Denied"));
    json_decref(o);
    free(ca);
    free(ca_key);
    TEST_END();
}
