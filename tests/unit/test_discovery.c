/* test_discovery.c — the joining node's checks on cluster-info: the CA public-key pin and the
 * bootstrap token's detached JWS. Vectors: the JWS ones are upstream's (cluster-bootstrap
 * token/jws tests); the pin was computed with kubeadm's documented openssl pipeline
 * (openssl x509 -pubkey | openssl pkey -pubin -outform der | openssl dgst -sha256). */
#include "c8s/pki.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static const char vector_ca[] = "-----BEGIN CERTIFICATE-----\n"
                                "MIIBfjCCASOgAwIBAgIUAdDHSBck+LfxAVJAVyaG59eya/AwCgYIKoZIzj0EAwIw\n"
                                "FDESMBAGA1UEAwwJdmVjdG9yLWNhMB4XDTI2MTEyMzA3NTQ0MVoXDTM2MTEyMDA3\n"
                                "NTQ0MVowFDESMBAGA1UEAwwJdmVjdG9yLWNhMFkwEwYHKoZIzj0CAQYIKoZIzj0D\n"
                                "AQcDQgAE0537melOnYSylsWtjOVuJ8glo8T3Ggwefgw1USUR542+ycNdom6TBMpB\n"
                                "Pwj+SKQwoG85n5iWDRHUAJZjiUMus6NTMFEwHQYDVR0OBBYEFDvtTAIc0AbRI961\n"
                                "Nt28fow/U3SyMB8GA1UdIwQYMBaAFDvtTAIc0AbRI961Nt28fow/U3SyMA8GA1Ud\n"
                                "EwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIhAIJEJjDpUUNbRFqptrfoa5E5\n"
                                "PlytXGkiauyi1qectClFAiEAwrI20QG6PcNaTsDaryfuKy2z1UuC0e9aZTxiquEH\n"
                                "dUw=\n"
                                "-----END CERTIFICATE-----\n";
static const char vector_pin[] =
    "sha256:adbe2ef72c0adfca804b2c01b016b0d5657814d9db3955e08fede56a9eee7d94";

static const char content[] = "Hello from the other side. I must have called a thousand times.";

int main(void)
{
    c8s_err_t err = C8S_ERR_INIT;
    char *s = NULL;

    /* The pin of a known certificate, and its case-insensitive match. */
    CHECK_INT(pki_ca_cert_hash(vector_ca, &s, &err), 0);
    CHECK_STR(s, vector_pin);
    free(s);
    CHECK(pki_ca_cert_hash_matches(vector_ca, vector_pin));
    CHECK(pki_ca_cert_hash_matches(
        vector_ca, "sha256:ADBE2EF72C0ADFCA804B2C01B016B0D5657814D9DB3955E08FEDE56A9EEE7D94"));
    CHECK(!pki_ca_cert_hash_matches(
        vector_ca, "sha256:adbe2ef72c0adfca804b2c01b016b0d5657814d9db3955e08fede56a9eee7d95"));
    CHECK(!pki_ca_cert_hash_matches(vector_ca, "adbe2ef72c0adfca804b2c01b016b0d5657814d9db3955e0"));
    CHECK(!pki_ca_cert_hash_matches(vector_ca, NULL));
    CHECK_INT(pki_ca_cert_hash("not a certificate", &s, &err), C8S_EBADREQUEST);
    CHECK(s == NULL);
    c8s_err_clear(&err);

    /* A fresh CA's pin differs from another CA's and has the documented shape. */
    char *ca1 = NULL, *key1 = NULL, *ca2 = NULL, *key2 = NULL, *p1 = NULL, *p2 = NULL;
    CHECK_INT(pki_ca_new("a", 1, &ca1, &key1, &err), 0);
    CHECK_INT(pki_ca_new("b", 1, &ca2, &key2, &err), 0);
    CHECK_INT(pki_ca_cert_hash(ca1, &p1, &err), 0);
    CHECK_INT(pki_ca_cert_hash(ca2, &p2, &err), 0);
    CHECK_INT((int)strlen(p1), 7 + 64);
    CHECK(strncmp(p1, "sha256:", 7) == 0);
    CHECK(strcmp(p1, p2) != 0);
    CHECK(!pki_ca_cert_hash_matches(ca2, p1));
    free(ca1), free(key1), free(ca2), free(key2), free(p1), free(p2);

    /* Upstream's signatures, byte for byte: verification elsewhere compares the strings. */
    CHECK_INT(pki_jws_detached(content, "joshua", "my voice is my passcode", &s, &err), 0);
    CHECK_STR(
        s, "eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..VShe2taLd-YTrmWuRkcL_8QTNDHYxQIEBsAYYiIj1_8");
    free(s);
    CHECK_INT(pki_jws_detached("", "joshua", "my voice is my passcode", &s, &err), 0);
    CHECK_STR(
        s, "eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..7Ui1ALizW4jXphVUB7xUqC9vLYLL9RZeOFfVLoB7Tgk");
    free(s);

    const char *sig =
        "eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..VShe2taLd-YTrmWuRkcL_8QTNDHYxQIEBsAYYiIj1_8";
    CHECK(pki_jws_detached_valid(sig, content, "joshua", "my voice is my passcode"));
    /* Wrong secret, wrong id, changed content, truncated or absent signature: all refused. */
    CHECK(!pki_jws_detached_valid(sig, content, "joshua", "my voice is my passcodf"));
    CHECK(!pki_jws_detached_valid(sig, content, "joshub", "my voice is my passcode"));
    CHECK(!pki_jws_detached_valid(sig, "Hello from the other side.", "joshua",
                                  "my voice is my passcode"));
    CHECK(!pki_jws_detached_valid("eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..VShe2taLd", content,
                                  "joshua", "my voice is my passcode"));
    CHECK(!pki_jws_detached_valid(NULL, content, "joshua", "my voice is my passcode"));

    /* Bad inputs are errors, not crashes. */
    CHECK_INT(pki_jws_detached(content, "", "x", &s, &err), C8S_EBADREQUEST);
    c8s_err_clear(&err);
    CHECK_INT(pki_jws_detached(content, "a\"b", "x", &s, &err), C8S_EBADREQUEST);
    c8s_err_clear(&err);
    CHECK_INT(pki_jws_detached(NULL, "a", "x", &s, &err), C8S_EBADREQUEST);
    CHECK(s == NULL);
    c8s_err_clear(&err);
    TEST_END();
}
