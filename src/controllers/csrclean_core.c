/*
 * csrclean_core.c — the CSR cleaner's decision, pure over one CertificateSigningRequest, as
 * upstream's csrcleaner (pkg/controller/certificates/cleaner) makes it: a request goes once it
 * is approved and issued and its Approved condition was last updated more than an hour ago, or
 * denied or failed and that condition is more than an hour old, or still pending (no condition
 * at all) a day after its creation, or approved and issued with a certificate that has expired.
 * Approved without a certificate is none of these: it stays. Unit-tested in
 * tests/unit/test_csrclean_core.c.
 */
#include "internal.h"

#include "c8s/kubeconfig.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <string.h>
#include <time.h>

/* A condition's time: lastUpdateTime as upstream reads it; upstream's API server fills it in
 * when a writer left it out, this one does not, so lastTransitionTime stands in. -1: none. */
static int64_t condition_time(const json_t *c)
{
    const char *t = json_string_value(json_object_get(c, "lastUpdateTime"));
    if (!t || !*t)
        t = json_string_value(json_object_get(c, "lastTransitionTime"));
    return t && *t ? c8s_rfc3339_parse(t) : -1;
}

/* The NotAfter of the first certificate in status.certificate (base64 of PEM), in epoch seconds;
 * -1 when there is none or it does not parse (upstream: not expired then). */
static int64_t not_after(const char *cert_b64)
{
    char *pem = NULL;
    size_t n = 0;
    c8s_err_t err = C8S_ERR_INIT;
    if (kubeconfig_base64_decode(cert_b64, &pem, &n, &err) != 0) {
        c8s_err_clear(&err);
        return -1;
    }
    int64_t out = -1;
    BIO *bio = BIO_new_mem_buf(pem, (int)n);
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    struct tm tm;
    if (x && ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1)
        out = (int64_t)timegm(&tm);
    X509_free(x);
    BIO_free(bio);
    free(pem);
    return out;
}

/* Keeps the earliest deadline (ms) in *due. */
static void earliest(int64_t *due, int64_t at_ms)
{
    if (*due < 0 || at_ms < *due)
        *due = at_ms;
}

bool controllers__csrclean_due(const json_t *csr, const controllers_csrclean_ages_t *ages,
                               int64_t now_ms, int64_t *recheck_ms)
{
    const json_t *status = json_object_get(csr, "status");
    const json_t *conds = json_object_get(status, "conditions");
    const char *cert = json_string_value(json_object_get(status, "certificate"));
    bool issued = cert && *cert;
    int64_t due = -1;
    if (json_array_size(conds) == 0) {
        int64_t created = c8s_rfc3339_parse(json_string_value(
            json_object_get(json_object_get(csr, "metadata"), "creationTimestamp")));
        if (created >= 0)
            earliest(&due, created * 1000 + ages->pending_ms);
    }
    size_t i;
    json_t *c;
    json_array_foreach(conds, i, c)
    {
        const char *type = json_string_value(json_object_get(c, "type"));
        int64_t t = condition_time(c);
        if (!type)
            continue;
        bool approved = strcmp(type, "Approved") == 0;
        if (approved && issued) {
            int64_t na = not_after(cert);
            /* Expired once now is after NotAfter (Go's time.After), as the ages are passed. */
            if (na >= 0)
                earliest(&due, na * 1000);
        }
        if (t < 0)
            continue;
        if (approved && issued)
            earliest(&due, t * 1000 + ages->approved_ms);
        else if (strcmp(type, "Denied") == 0 || strcmp(type, "Failed") == 0)
            earliest(&due, t * 1000 + ages->denied_ms);
    }
    /* Older than the age: strictly past the deadline, as upstream's isOlderThan. */
    if (due >= 0 && now_ms > due) {
        *recheck_ms = 0;
        return true;
    }
    *recheck_ms = due < 0 ? 0 : due - now_ms + 1;
    return false;
}
