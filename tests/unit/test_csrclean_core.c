/* test_csrclean_core.c — the CSR cleaner's decision (src/controllers/csrclean_core.c), as
 * upstream's csrcleaner: approved and issued requests go an hour after approval, denied and
 * failed ones an hour after that condition, pending ones (no condition at all) a day after
 * creation, issued ones once their certificate has expired; approved without a certificate
 * stays; "older than" is strict; the recheck time is exactly when the request becomes due. JSON
 * written with ' for ". */
#include "../../src/controllers/internal.h"
#include "json_lit.h"
#include "test.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <string.h>
#include <time.h>

static const controllers_csrclean_ages_t ages = {CSRCLEAN_APPROVED_MS, CSRCLEAN_DENIED_MS,
                                                 CSRCLEAN_PENDING_MS};
static int64_t t0; /* 2026-01-01T00:00:00Z, in seconds */

#define H (3600LL * 1000)

/* Checks the decision for csr at now_ms: delete or not, and the recheck delay. */
static void want(const char *what, const json_t *csr, const controllers_csrclean_ages_t *a,
                 int64_t now_ms, bool del, int64_t recheck)
{
    int64_t got = -7;
    bool d = controllers__csrclean_due(csr, a, now_ms, &got);
    CHECK_MSG(d == del && got == recheck, "%s: delete %d recheck %lld, want %d and %lld", what, d,
              (long long)got, del, (long long)recheck);
}

/* A CSR created at t0 with conditions (JSON array text, ' for ") and certificate (base64 or
 * NULL). */
static json_t *csr(const char *conds, const char *cert)
{
    json_t *o = J("{'metadata':{'name':'x','creationTimestamp':'2026-01-01T00:00:00Z'},"
                  "'spec':{'signerName':'kubernetes.io/kube-apiserver-client'},'status':{}}");
    json_t *st = json_object_get(o, "status");
    if (conds)
        json_object_set_new(st, "conditions", J(conds));
    if (cert)
        json_object_set_new(st, "certificate", json_string(cert));
    return o;
}

static char *b64(const char *s)
{
    size_t n = strlen(s);
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
    return out;
}

/* A certificate signed for an hour (base64 of PEM, owned) and its NotAfter read by OpenSSL. */
static char *issued_cert(int64_t *na)
{
    c8s_err_t err = C8S_ERR_INIT;
    cleanup_free char *ca = NULL, *ca_key = NULL, *req = NULL, *cert = NULL;
    pki_cert_req_t r = {.cn = "alice"};
    if (pki_ca_new("test-ca", 30, &ca, &ca_key, &err) != 0 ||
        pki_csr_new(&r, NULL, &req, NULL, &err) != 0 ||
        pki_csr_sign(ca, ca_key, req, strlen(req), PKI_USAGE_CLIENT_AUTH, 3600, &cert, &err) != 0) {
        fprintf(stderr, "issuing: %s\n", err.msg);
        c8s_err_clear(&err);
        return NULL;
    }
    BIO *bio = BIO_new_mem_buf(cert, -1);
    X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    struct tm tm;
    *na = x && ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1 ? (int64_t)timegm(&tm) : -1;
    X509_free(x);
    BIO_free(bio);
    return b64(cert);
}

#define COND(type, when)                                                                           \
    "{'type':'" type "','status':'True','reason':'r','lastUpdateTime':'" when                      \
    "','lastTransitionTime':'" when "'}"

static void test_rules(void)
{
    t0 = c8s_rfc3339_parse("2026-01-01T00:00:00Z");
    REQUIRE_VOID(t0 > 0);
    int64_t ms0 = t0 * 1000;

    cleanup_json json_t *pending = csr(NULL, NULL);
    want("pending, 23 h", pending, &ages, ms0 + 23 * H, false, H + 1);
    want("pending, exactly 24 h", pending, &ages, ms0 + 24 * H, false, 1);
    want("pending, past 24 h", pending, &ages, ms0 + 24 * H + 1, true, 0);
    cleanup_json json_t *pending_empty = csr("[]", NULL);
    want("an empty condition list is pending", pending_empty, &ages, ms0 + 25 * H, true, 0);

    cleanup_json json_t *denied = csr("[" COND("Denied", "2026-01-01T01:00:00Z") "]", NULL);
    want("denied, 59 min", denied, &ages, ms0 + H + 59 * 60000, false, 60001);
    want("denied, past the hour", denied, &ages, ms0 + 2 * H + 1, true, 0);
    cleanup_json json_t *failed = csr("[" COND("Failed", "2026-01-01T01:00:00Z") "]", NULL);
    want("failed, 30 min", failed, &ages, ms0 + H + 30 * 60000, false, 30 * 60000 + 1);
    want("failed, past the hour", failed, &ages, ms0 + 2 * H + 1, true, 0);

    cleanup_json json_t *denied_lt = csr("[{'type':'Denied','status':'True','lastTransitionTime':"
                                         "'2026-01-01T00:00:00Z'}]",
                                         NULL);
    want("no lastUpdateTime: lastTransitionTime", denied_lt, &ages, ms0 + H + 1, true, 0);
    cleanup_json json_t *denied_untimed = csr("[{'type':'Denied','status':'True'}]", NULL);
    want("no time at all: kept", denied_untimed, &ages, ms0 + 1000 * H, false, 0);

    cleanup_json json_t *approved = csr("[" COND("Approved", "2026-01-01T00:00:00Z") "]", NULL);
    want("approved without a certificate stays", approved, &ages, ms0 + 1000 * H, false, 0);
    cleanup_json json_t *other = csr("[" COND("Example", "2026-01-01T00:00:00Z") "]", NULL);
    want("another condition is not pending", other, &ages, ms0 + 1000 * H, false, 0);

    /* Issued: an hour after approval, or when the certificate expires, whichever is first. */
    int64_t na = -1;
    cleanup_free char *cert = issued_cert(&na);
    REQUIRE_VOID(cert && na > 0);
    cleanup_json json_t *issued = csr("[" COND("Approved", "2026-01-01T00:00:00Z") "]", cert);
    want("issued, 30 min", issued, &ages, ms0 + 30 * 60000, false, 30 * 60000 + 1);
    want("issued, past the hour", issued, &ages, ms0 + H + 1, true, 0);
    char later[32];
    c8s_rfc3339_format(na, later, sizeof(later));
    cleanup_free char *conds = xasprintf("[{'type':'Approved','status':'True','lastUpdateTime':"
                                         "'%s'}]",
                                         later);
    cleanup_json json_t *expiring = csr(conds, cert);
    want("issued, certificate valid a second more", expiring, &ages, na * 1000 - 1000, false, 1001);
    want("issued, certificate at NotAfter", expiring, &ages, na * 1000, false, 1);
    want("issued, certificate expired", expiring, &ages, na * 1000 + 1, true, 0);
    cleanup_json json_t *garbage =
        csr("[" COND("Approved", "2026-01-01T00:00:00Z") "]", "bm90IGEgY2VydA==");
    want("a certificate that does not parse: the age alone", garbage, &ages, ms0 + H + 1, true, 0);
    want("a certificate that does not parse, 10 min", garbage, &ages, ms0 + 10 * 60000, false,
         50 * 60000 + 1);

    /* Shorter ages (the test knob). */
    controllers_csrclean_ages_t quick = {2000, 1000, 3000};
    want("quick approved", issued, &quick, ms0 + 2001, true, 0);
    want("quick approved, early", issued, &quick, ms0 + 1500, false, 501);
    want("quick denied", denied, &quick, ms0 + H + 1001, true, 0);
    want("quick pending", pending, &quick, ms0 + 2000, false, 1001);
}

int main(void)
{
    test_rules();
    TEST_END();
}
