/*
 * bench/crypt.c — the cost of encryption at rest per value (a harness, not a test): aesgcm
 * (32-byte key) and aescbc seal and open of a 1 KiB Secret-sized and a 64 KiB value, beside
 * the lookup a store with a config pays for a key it does not cover. No etcd, no I/O: what the
 * store's loop spends per value. Ends with one `RESULT key=value …` line.
 */
#include "c8s/base.h"
#include "c8s/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY "/registry/secrets/default/bench"

static const char *config = "apiVersion: apiserver.config.k8s.io/v1\n"
                            "kind: EncryptionConfiguration\n"
                            "resources:\n"
                            "- resources: [secrets]\n"
                            "  providers:\n"
                            "  - aesgcm: {keys: [{name: k1, secret: "
                            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=}]}\n"
                            "- resources: [configmaps]\n"
                            "  providers:\n"
                            "  - aescbc: {keys: [{name: c1, secret: "
                            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=}]}\n";

static double now_us(void)
{
    return (double)c8s_now_ns() / 1e3;
}

/* Microseconds per seal and per open of a value of size bytes under key. */
static int measure(const store_crypt_t *c, const char *key, size_t size, int iters, double *seal,
                   double *open)
{
    char *val = xmalloc(size);
    memset(val, 'x', size);
    cleanup_err c8s_err_t err = C8S_ERR_INIT;
    char *out = NULL;
    size_t out_len = 0;
    double t0 = now_us();
    for (int i = 0; i < iters; i++) {
        free(out);
        if (store_crypt_to_storage(c, key, val, size, &out, &out_len, &err) < 0)
            goto fail;
    }
    double t1 = now_us();
    for (int i = 0; i < iters; i++) {
        char *plain = NULL;
        size_t plen;
        if (store_crypt_from_storage(c, key, out, out_len, &plain, &plen, &err) < 0)
            goto fail;
        free(plain);
    }
    double t2 = now_us();
    *seal = (t1 - t0) / iters;
    *open = (t2 - t1) / iters;
    free(out);
    free(val);
    return 0;
fail:
    fprintf(stderr, "bench_crypt: %s\n", err.msg);
    free(out);
    free(val);
    return -1;
}

int main(int argc, char **argv)
{
    int iters = argc > 1 && strcmp(argv[1], "--quick") == 0 ? 200 : 20000;
    cleanup_err c8s_err_t err = C8S_ERR_INIT;
    store_crypt_t *c = NULL;
    if (store_crypt_parse(config, strlen(config), &c, &err) < 0) {
        fprintf(stderr, "bench_crypt: %s\n", err.msg);
        return 1;
    }
    store_crypt_bind(c, "", "secrets", "/registry/secrets/");
    store_crypt_bind(c, "", "configmaps", "/registry/configmaps/");
    double gs1, go1, gs64, go64, cs1, co1, ps, po;
    if (measure(c, KEY, 1024, iters, &gs1, &go1) < 0 ||
        measure(c, KEY, 65536, iters / 10, &gs64, &go64) < 0 ||
        measure(c, "/registry/configmaps/default/bench", 1024, iters, &cs1, &co1) < 0 ||
        measure(c, "/registry/pods/default/bench", 1024, iters, &ps, &po) < 0) {
        store_crypt_free(c);
        return 1;
    }
    store_crypt_free(c);
    printf("aesgcm 1 KiB:   seal %.2f us, open %.2f us\n", gs1, go1);
    printf("aesgcm 64 KiB:  seal %.2f us, open %.2f us\n", gs64, go64);
    printf("aescbc 1 KiB:   seal %.2f us, open %.2f us\n", cs1, co1);
    printf("not covered:    %.3f us, %.3f us (prefix lookup only)\n", ps, po);
    printf("RESULT gcm_seal_1k_us=%.2f gcm_open_1k_us=%.2f gcm_seal_64k_us=%.2f "
           "gcm_open_64k_us=%.2f cbc_seal_1k_us=%.2f cbc_open_1k_us=%.2f uncovered_us=%.3f\n",
           gs1, go1, gs64, go64, cs1, co1, ps);
    return 0;
}
