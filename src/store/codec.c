/*
 * codec.c — the byte-level vocabulary of etcd's JSON gateway: growable buffers, standard base64
 * for every `bytes` field, int64 that arrive as JSON strings, KeyValue objects, prefix ranges.
 */
#include "store_int.h"

#include "c8s/jsonw.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <string.h>

void store__buf_append(store_buf_t *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->p = xrealloc(b->p, cap);
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void store__buf_free(store_buf_t *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

char *store__b64_encode(const void *p, size_t n)
{
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, p, (int)n);
    return out;
}

int store__b64_decode(const char *s, char **out, size_t *out_len)
{
    return store__b64_decode_n(s, strlen(s), out, out_len);
}

int store__b64_decode_n(const char *s, size_t n, char **out, size_t *out_len)
{
    if (n % 4 != 0)
        return -1;
    char *buf = xmalloc(3 * (n / 4) + 1);
    int len = n ? EVP_DecodeBlock((unsigned char *)buf, (const unsigned char *)s, (int)n) : 0;
    if (len < 0) {
        free(buf);
        return -1;
    }
    /* EVP_DecodeBlock counts the padding as zero bytes. */
    for (size_t i = n; i > 0 && s[i - 1] == '=' && len > 0; i--)
        len--;
    buf[len] = '\0';
    *out = buf;
    *out_len = (size_t)len;
    return 0;
}

char *store__prefix_end(const char *key, size_t key_len, size_t *out_len)
{
    char *end = xmalloc(key_len + 1);
    memcpy(end, key, key_len);
    for (size_t i = key_len; i > 0; i--) {
        unsigned char c = (unsigned char)end[i - 1];
        if (c < 0xff) {
            end[i - 1] = (char)(c + 1);
            end[i] = '\0';
            *out_len = i;
            return end;
        }
    }
    /* Every byte was 0xff: etcd's "\0" range end means "to the end of the keyspace". */
    end[0] = '\0';
    *out_len = 1;
    return end;
}

int64_t store__json_int(const json_t *obj, const char *name)
{
    json_t *v = json_object_get(obj, name);
    if (json_is_integer(v))
        return (int64_t)json_integer_value(v);
    if (json_is_string(v)) {
        errno = 0;
        char *endp = NULL;
        long long x = strtoll(json_string_value(v), &endp, 10);
        if (errno == 0 && endp && *endp == '\0')
            return (int64_t)x;
    }
    return 0;
}

static int b64_member(const json_t *j, const char *name, char **out, size_t *len)
{
    const char *s = json_string_value(json_object_get(j, name));
    *out = NULL;
    *len = 0;
    if (!s)
        return 0;
    return store__b64_decode(s, out, len);
}

int store__kv_parse(const json_t *j, store_kv_t *kv)
{
    memset(kv, 0, sizeof(*kv));
    if (b64_member(j, "key", &kv->key, &kv->key_len) < 0 ||
        b64_member(j, "value", &kv->value, &kv->value_len) < 0) {
        store__kv_free(kv);
        return -1;
    }
    if (!kv->key)
        kv->key = xstrdup("");
    /* A present kv always has a value, even an empty one (proto3 omits ""). */
    if (!kv->value)
        kv->value = xstrdup("");
    kv->create_revision = store__json_int(j, "create_revision");
    kv->mod_revision = store__json_int(j, "mod_revision");
    kv->version = store__json_int(j, "version");
    kv->lease = store__json_int(j, "lease");
    return 0;
}

void store__kv_free(store_kv_t *kv)
{
    free(kv->key);
    free(kv->value);
    kv->key = kv->value = NULL;
}

void store__json_set_b64(json_t *obj, const char *name, const void *p, size_t n)
{
    cleanup_free char *enc = store__b64_encode(p, n);
    json_object_set_new(obj, name, json_string(enc));
}

char *store__json_dump(json_t *j)
{
    char *s = jsonw_dump(j, NULL);
    if (!s)
        abort(); /* only fails on allocation */
    return s;
}
