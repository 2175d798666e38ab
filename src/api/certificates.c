/*
 * certificates.c — validation of certificates.k8s.io/v1 CertificateSigningRequest, as upstream's
 * (pkg/apis/certificates/validation): the request must be a PEM CERTIFICATE REQUEST whose
 * signature verifies, the signer a "domain/path" name, the usages known and distinct, a
 * requested duration no shorter than ten minutes; conditions of known statuses, Approved and
 * Denied exclusive; a certificate only once approved.
 */
#include "internal.h"

#include "c8s/kubeconfig.h"
#include "c8s/pki.h"

#include <stdio.h>
#include <string.h>

static const char *const known_usages[] = {"signing",
                                           "digital signature",
                                           "content commitment",
                                           "key encipherment",
                                           "key agreement",
                                           "data encipherment",
                                           "cert sign",
                                           "crl sign",
                                           "encipher only",
                                           "decipher only",
                                           "any",
                                           "server auth",
                                           "client auth",
                                           "code signing",
                                           "email protection",
                                           "s/mime",
                                           "ipsec end system",
                                           "ipsec tunnel",
                                           "ipsec user",
                                           "timestamping",
                                           "ocsp signing",
                                           "microsoft sgc",
                                           "netscape sgc",
                                           NULL};

/* upstream's validateSignerName: a fully qualified domain, a '/', and a path of at most one
 * more segment-ish part; the whole within 571 characters. */
static void check_signer(c8s_err_t *err, const char *s)
{
    const char *f = "spec.signerName";
    if (!s || !*s)
        return api__required(err, f, NULL);
    const char *slash = strchr(s, '/');
    if (!slash)
        return api__invalid_str(err, f, s,
                                "must be a fully qualified domain and path of the form "
                                "'example.com/signer-name'");
    char domain[300];
    size_t dl = (size_t)(slash - s);
    if (dl == 0 || dl >= sizeof(domain) || !slash[1])
        return api__invalid_str(err, f, s,
                                "must be a fully qualified domain and path of the form "
                                "'example.com/signer-name'");
    memcpy(domain, s, dl);
    domain[dl] = '\0';
    const char *bad = api_check_dns1123_subdomain(domain);
    if (bad || !strchr(domain, '.'))
        return api__invalid_str(err, f, s,
                                "should be a domain with at least two segments "
                                "separated by dots");
    if (strlen(s) > 571)
        api__too_long(err, f, 571);
    if (!strcmp(s, "kubernetes.io/legacy-unknown"))
        api__invalid_str(err, f, s, "the legacy signerName is not allowed via this API version");
}

static void check_request(c8s_err_t *err, const json_t *spec)
{
    const char *req = api__str(spec, "request");
    if (!req || !*req)
        return api__required(err, "spec.request", NULL);
    c8s_err_t e = C8S_ERR_INIT;
    char *pem = NULL;
    size_t n = 0;
    if (kubeconfig_base64_decode(req, &pem, &n, &e) != 0) {
        c8s_err_clear(&e);
        return api__invalid_str(err, "spec.request", "[]byte{...}", "not base64 data");
    }
    pki_csr_info_t info;
    if (pki_csr_parse(pem, n, &info, &e) != 0) {
        api__invalid_str(err, "spec.request", "[]byte{...}", e.msg);
        c8s_err_clear(&e);
    } else {
        pki_csr_info_clear(&info);
    }
    free(pem);
}

static void check_usages(c8s_err_t *err, const json_t *spec)
{
    const json_t *u = api__arr(spec, "usages");
    if (json_array_size(u) == 0)
        return api__required(err, "spec.usages", NULL);
    size_t i;
    json_t *v;
    json_array_foreach(u, i, v)
    {
        char f[64];
        api__path(f, sizeof(f), "spec.usages[%zu]", i);
        const char *s = json_string_value(v);
        if (!s || !api__in(s, known_usages)) {
            api__not_supported(err, f, s ? s : "", known_usages);
            continue;
        }
        for (size_t j = 0; j < i; j++)
            if (json_equal(v, json_array_get(u, j))) {
                api__duplicate(err, f, s);
                break;
            }
    }
}

static bool has_condition(const json_t *obj, const char *type)
{
    size_t i;
    json_t *c;
    json_array_foreach(api__arr(api__obj(obj, "status"), "conditions"), i, c)
    {
        const char *t = api__str(c, "type"), *st = api__str(c, "status");
        if (t && !strcmp(t, type) && (!st || !strcmp(st, "True")))
            return true;
    }
    return false;
}

static void check_status(c8s_err_t *err, const json_t *obj)
{
    const json_t *st = api__obj(obj, "status");
    static const char *const statuses[] = {"True", "False", "Unknown", NULL};
    int approved = 0, denied = 0, failed = 0;
    size_t i;
    json_t *c;
    json_array_foreach(api__arr(st, "conditions"), i, c)
    {
        char f[96];
        const char *t = api__str(c, "type");
        if (!t || !*t) {
            api__required(err, api__path(f, sizeof(f), "status.conditions[%zu].type", i), NULL);
            continue;
        }
        const char *s = api__str(c, "status");
        api__path(f, sizeof(f), "status.conditions[%zu].status", i);
        if (!s || !*s)
            api__required(err, f, NULL);
        else if (!api__in(s, statuses))
            api__not_supported(err, f, s, statuses);
        api__path(f, sizeof(f), "status.conditions[%zu].type", i);
        int *count = !strcmp(t, "Approved") ? &approved
                     : !strcmp(t, "Denied") ? &denied
                     : !strcmp(t, "Failed") ? &failed
                                            : NULL;
        if (count && ++*count > 1)
            api__duplicate(err, f, t);
        if (count && s && strcmp(s, "True") != 0 && count != &failed)
            api__not_supported(err, api__path(f, sizeof(f), "status.conditions[%zu].status", i), s,
                               (const char *const[]){"True", NULL});
    }
    if (approved && denied)
        api__invalid_str(err, "status.conditions", "Approved",
                         "Approved and Denied conditions are mutually exclusive");
    const char *cert = api__str(st, "certificate");
    if (cert && *cert) {
        c8s_err_t e = C8S_ERR_INIT;
        char *pem = NULL;
        size_t n = 0;
        if (kubeconfig_base64_decode(cert, &pem, &n, &e) != 0 ||
            !memmem(pem, n, "-----BEGIN CERTIFICATE-----", 27))
            api__invalid_str(err, "status.certificate", "<certificate data>",
                             "must contain at least one CERTIFICATE PEM block");
        c8s_err_clear(&e);
        free(pem);
        if (!has_condition(obj, "Approved"))
            api__forbidden(err, "status.certificate",
                           "updates may not set certificate content unless the Approved "
                           "condition is present");
    }
}

static void csr_validate(c8s_err_t *err, const json_t *obj)
{
    const json_t *spec = api__obj(obj, "spec");
    check_request(err, spec);
    check_signer(err, api__str(spec, "signerName"));
    check_usages(err, spec);
    long long secs;
    if (api__int(spec, "expirationSeconds", &secs) && secs < pki_csr_min_expiration_s())
        api__invalid_int(err, "spec.expirationSeconds", secs,
                         pki_csr_min_expiration_s() == 600
                             ? "may not specify a duration less than 600 seconds (10 minutes)"
                             : "may not specify a duration less than C8S_CSR_MIN_EXPIRATION_S");
    check_status(err, obj);
}

static void csr_update(c8s_err_t *err, const json_t *obj, const json_t *old)
{
    const char *a = api__str(api__obj(obj, "status"), "certificate");
    const char *b = api__str(api__obj(old, "status"), "certificate");
    if (b && *b && (!a || strcmp(a, b) != 0))
        api__forbidden(err, "status.certificate",
                       "updates may not modify existing certificate content");
}

static bool time_set(const json_t *c, const char *field)
{
    const char *v = json_string_value(json_object_get(c, field));
    return v && *v;
}

void api_csr_condition_times(json_t *obj, const json_t *old, const char *now)
{
    size_t i;
    json_t *c;
    json_array_foreach(api__arr(api__obj(obj, "status"), "conditions"), i, c)
    {
        if (!json_is_object(c))
            continue;
        if (!time_set(c, "lastUpdateTime"))
            json_object_set_new(c, "lastUpdateTime", json_string(now));
        if (time_set(c, "lastTransitionTime"))
            continue;
        /* The condition did not change if old had it with the same status: its transition
         * time stays. */
        const char *t = api__str(c, "type"), *st = api__str(c, "status");
        const char *since = now;
        size_t j;
        json_t *o;
        json_array_foreach(api__arr(api__obj(old, "status"), "conditions"), j, o)
        {
            const char *ot = api__str(o, "type"), *ost = api__str(o, "status");
            if (t && ot && st && ost && !strcmp(t, ot) && !strcmp(st, ost) &&
                time_set(o, "lastTransitionTime")) {
                since = api__str(o, "lastTransitionTime");
                break;
            }
        }
        json_object_set_new(c, "lastTransitionTime", json_string(since));
    }
}

const api__hooks_t api__certificates_hooks[] = {
    {"certificates.k8s.io", "CertificateSigningRequest", api_check_path_segment_name, NULL,
     csr_validate, csr_update, check_status, NULL},
    {0},
};
