/* meta.c — object metadata helpers: UIDs, generated names, qualified resource names. */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>

#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

static void random_bytes(unsigned char *buf, size_t n)
{
    if (RAND_bytes(buf, (int)n) != 1) {
        /* OpenSSL's generator failing is not recoverable for uniqueness; fall back to rand. */
        for (size_t i = 0; i < n; i++)
            buf[i] = (unsigned char)rand();
    }
}

void apiserver__uuid(char out[37])
{
    unsigned char b[16];
    random_bytes(b, sizeof(b));
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    /* 8-4-4-4-12 hex digits; by hand, as snprintf's sixteen %02x cost more than the rest of
     * making the uid. */
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < sizeof(b); i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 0x0f];
    }
    out[o] = '\0';
}

char *apiserver__generate_name(const char *base)
{
    /* Upstream: base cut to 58 characters, then 5 from an alphabet without vowels or lookalikes. */
    static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    size_t n = strlen(base);
    if (n > 58)
        n = 58;
    char *out = xmalloc(n + 6);
    memcpy(out, base, n);
    unsigned char rnd[5];
    random_bytes(rnd, sizeof(rnd));
    for (int i = 0; i < 5; i++)
        out[n + (size_t)i] = alphabet[rnd[i] % (sizeof(alphabet) - 1)];
    out[n + 5] = '\0';
    return out;
}

const char *apiserver__qualified(api_req_t *r)
{
    if (!r->tmp_qualified) {
        if (r->group && *r->group)
            r->tmp_qualified = xasprintf("%s.%s", r->resource, r->group);
        else
            r->tmp_qualified = xstrdup(r->resource ? r->resource : "");
    }
    return r->tmp_qualified;
}

int apiserver__query_int(const api_req_t *r, const char *name, long long *out, c8s_err_t *err)
{
    *out = 0;
    const char *v = apiserver__query(r, name);
    if (!v || !*v)
        return 0;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || *end || n < 0)
        return c8s_err_set(err, C8S_EBADREQUEST,
                           "%s: Invalid value: \"%s\": must be a whole "
                           "number, 0 or more",
                           name, v);
    *out = n;
    return 0;
}
