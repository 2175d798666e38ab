/* test_certmgr.c — when a node's certificate is renewed (src/kubelet/certmgr.c): upstream's
 * jittered point between 70 and 90 % of the lifetime, notBefore to notAfter, backdating
 * included. */
#include "c8s/certmgr.h"
#include "c8s/pki.h"
#include "test.h"

#include <stdlib.h>
#include <time.h>

int main(void)
{
    c8s_err_t err = C8S_ERR_INIT;
    char *ca = NULL, *ca_key = NULL, *csr = NULL, *cert = NULL;
    REQUIRE(pki_ca_new("test-ca", 1, &ca, &ca_key, &err) == 0);
    const char *orgs[] = {"system:nodes"};
    pki_cert_req_t req = {.cn = "system:node:n1", .orgs = orgs, .n_orgs = 1};
    REQUIRE(pki_csr_new(&req, NULL, &csr, NULL, &err) == 0);
    time_t before = time(NULL);
    REQUIRE(pki_csr_sign(ca, ca_key, csr, strlen(csr),
                         PKI_USAGE_DIGITAL_SIGNATURE | PKI_USAGE_CLIENT_AUTH, 1000, &cert,
                         &err) == 0);
    time_t after = time(NULL);

    /* The signer backdates five minutes: the lifetime is 1300 s, of which 300 already passed. */
    time_t nb = 0, na = 0, half = 0, lo = 0, hi = 0;
    CHECK(certmgr_deadline(cert, 0.0, &nb, &err) == 0);
    CHECK(certmgr_deadline(cert, 1.0, &na, &err) == 0);
    CHECK(nb >= before - 300 && nb <= after - 300);
    CHECK_INT(na - nb, 1300);
    CHECK(certmgr_deadline(cert, 0.5, &half, &err) == 0);
    CHECK_INT(half - nb, 650);
    CHECK(certmgr_deadline(cert, certmgr_jitter(0.0), &lo, &err) == 0);
    CHECK(certmgr_deadline(cert, certmgr_jitter(0.999999), &hi, &err) == 0);
    CHECK_INT(lo - nb, 910);
    CHECK(hi - nb >= 1169 && hi - nb <= 1170);

    /* The jitter stays in [0.7, 0.9] whatever it is given. */
    CHECK(certmgr_jitter(0.0) == 0.7);
    CHECK(certmgr_jitter(0.5) > 0.79 && certmgr_jitter(0.5) < 0.81);
    CHECK(certmgr_jitter(-3) == 0.7);
    CHECK(certmgr_jitter(7) > 0.899 && certmgr_jitter(7) <= 0.9);

    /* A pair file (certificate then key) is read by its first certificate. */
    char *pair = NULL;
    REQUIRE(asprintf(&pair, "%s%s", cert, ca_key) > 0);
    time_t t = 0;
    CHECK(certmgr_deadline(pair, 0.5, &t, &err) == 0);
    CHECK_INT(t, half);
    free(pair);

    /* Not a certificate. */
    CHECK_INT(certmgr_deadline("garbage", 0.5, &t, &err), C8S_EBADREQUEST);
    c8s_err_clear(&err);
    CHECK_INT(certmgr_deadline(ca_key, 0.5, &t, &err), C8S_EBADREQUEST);
    c8s_err_clear(&err);

    /* The shortest lifetime a CSR may ask for: upstream's 10 minutes unless the test knob
     * lowers it (never raises it, never to nothing). */
    unsetenv("C8S_CSR_MIN_EXPIRATION_S");
    CHECK_INT(pki_csr_min_expiration_s(), 600);
    setenv("C8S_CSR_MIN_EXPIRATION_S", "120", 1);
    CHECK_INT(pki_csr_min_expiration_s(), 120);
    setenv("C8S_CSR_MIN_EXPIRATION_S", "6000", 1);
    CHECK_INT(pki_csr_min_expiration_s(), 600);
    setenv("C8S_CSR_MIN_EXPIRATION_S", "0", 1);
    CHECK_INT(pki_csr_min_expiration_s(), 600);
    setenv("C8S_CSR_MIN_EXPIRATION_S", "12x", 1);
    CHECK_INT(pki_csr_min_expiration_s(), 600);
    unsetenv("C8S_CSR_MIN_EXPIRATION_S");

    free(ca);
    free(ca_key);
    free(csr);
    free(cert);
    TEST_END();
}
