/* fuzz_crypt.c — encryption at rest on hostile bytes: the input is parsed as an
 * EncryptionConfiguration, and read as a stored value under a covered key by a fixed config with
 * every provider (what a tampered etcd would hand the store). A value that opens must be what
 * sealing it again and opening gives back. */
#include "fuzz.h"
#include "c8s/store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define KEY "/registry/secrets/ns/name"

static store_crypt_t *fixed;

static void setup(void)
{
    static const char cfg[] = "apiVersion: apiserver.config.k8s.io/v1\n"
                              "kind: EncryptionConfiguration\n"
                              "resources:\n"
                              "- resources: [secrets]\n"
                              "  providers:\n"
                              "  - aesgcm: {keys: [{name: g, secret: AAECAwQFBgcICQoLDA0ODw==}]}\n"
                              "  - aescbc: {keys: [{name: c, secret: AAECAwQFBgcICQoLDA0ODw==}]}\n"
                              "  - identity: {}\n";
    c8s_err_t err = C8S_ERR_INIT;
    if (store_crypt_parse(cfg, sizeof(cfg) - 1, &fixed, &err) != 0)
        abort();
    store_crypt_bind(fixed, "", "secrets", "/registry/secrets/");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fixed)
        setup();
    c8s_err_t err = C8S_ERR_INIT;
    store_crypt_t *c = NULL;
    if (store_crypt_parse((const char *)data, size, &c, &err) == 0) {
        store_crypt_bind(c, "", "secrets", "/registry/secrets/");
        store_crypt_bind(c, "apps", "deployments", "/registry/deployments/");
        store_crypt_free(c);
    }
    c8s_err_clear(&err);

    char *plain = NULL, *sealed = NULL, *back = NULL;
    size_t plen = 0, slen = 0, blen = 0;
    if (store_crypt_from_storage(fixed, KEY, (const char *)data, size, &plain, &plen, &err) == 0) {
        const char *p = plain ? plain : (const char *)data;
        size_t n = plain ? plen : size;
        if (store_crypt_to_storage(fixed, KEY, p, n, &sealed, &slen, &err) != 0 || !sealed ||
            store_crypt_from_storage(fixed, KEY, sealed, slen, &back, &blen, &err) != 0 || !back ||
            blen != n || memcmp(back, p, n) != 0)
            abort();
    }
    c8s_err_clear(&err);
    free(plain);
    free(sealed);
    free(back);
    return 0;
}
