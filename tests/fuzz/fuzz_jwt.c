/* fuzz_jwt.c — bearer tokens as an attacker sends them: base64url decoding (and re-encoding to
 * the same text), the unverified peek, signature verification with a fixed key (which must never
 * accept), and ServiceAccount claim validation of whatever payload parses. */
#include "fuzz.h"
#include "c8s/jwt.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static jwt_key_t **keys;
static size_t n_keys;

static void init_key(void)
{
    if (keys)
        return;
    EVP_PKEY *k = EVP_RSA_gen(1024);
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(b, k);
    char *pem = NULL;
    long n = BIO_get_mem_data(b, &pem);
    c8s_err_t err = C8S_ERR_INIT;
    if (jwt_keys_from_pem(pem, (size_t)n, &keys, &n_keys, &err) != 0)
        abort();
    BIO_free(b);
    EVP_PKEY_free(k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init_key();
    size_t n = 0;
    unsigned char *raw = jwt_b64url_decode((const char *)data, size, &n);
    if (raw) {
        char *again = jwt_b64url_encode(raw, n);
        if (strlen(again) != size || memcmp(again, data, size) != 0)
            abort();
        free(again);
        free(raw);
    }
    char *tok = malloc(size + 1);
    memcpy(tok, data, size);
    tok[size] = '\0';
    json_t *claims = NULL;
    if (jwt_peek(tok, &claims)) {
        const char *aud[] = {JWT_DEFAULT_ISSUER};
        jwt_sa_info_t info;
        json_t *hit = NULL;
        c8s_err_t err = C8S_ERR_INIT;
        (void)jwt_sa_validate(claims, JWT_DEFAULT_ISSUER, aud, 1, 1800000000, &info, &hit, &err);
        json_decref(hit);
        c8s_err_clear(&err);
    }
    json_decref(claims);
    c8s_err_t err = C8S_ERR_INIT;
    json_t *verified = NULL;
    /* Nobody holds the private half of this key: nothing may verify. */
    if (jwt_verify(keys, n_keys, tok, &verified, &err) == 0)
        abort();
    json_decref(verified);
    c8s_err_clear(&err);
    free(tok);
    return 0;
}
