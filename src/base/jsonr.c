/* jsonr.c — a fast path for json_loadb (see jsonr.h). */
#include "c8s/jsonr.h"

#include "c8s/base.h"
#include "c8s/strbuf.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Below jansson's JSON_PARSER_MAX_DEPTH (2048): deeper text goes to jansson, which decides. */
#define JSONR_MAX_DEPTH 512

typedef struct {
    const char *p, *end;
    size_t flags;
    char *buf; /* scratch for strings with escapes */
    size_t cap;
} rd_t;

static void ws(rd_t *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
        r->p++;
}

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    return v;
}

static void buf_put(rd_t *r, size_t *n, const char *s, size_t k)
{
    if (*n + k + 1 > r->cap) {
        r->cap = (*n + k + 1) * 2;
        r->buf = xrealloc(r->buf, r->cap);
    }
    memcpy(r->buf + *n, s, k);
    *n += k;
}

/* A string at r->p ('"'): its bytes in *s / *len (pointing into the text, or into r->buf when
 * it had escapes; valid until the next string). false for anything jansson must judge. */
static bool read_string(rd_t *r, const char **s, size_t *len)
{
    const char *start = ++r->p;
    size_t n = 0;
    bool escaped = false;
    for (;;) {
        /* A run of plain ASCII. */
        const char *q = r->p;
        while (q < r->end && (unsigned char)*q >= 0x20 && (unsigned char)*q < 0x80 && *q != '"' &&
               *q != '\\')
            q++;
        if (escaped)
            buf_put(r, &n, r->p, (size_t)(q - r->p));
        r->p = q;
        if (q >= r->end)
            return false;
        unsigned char c = (unsigned char)*q;
        if (c == '"') {
            r->p++;
            if (escaped) {
                *s = r->buf;
                *len = n;
            } else {
                *s = start;
                *len = (size_t)(q - start);
            }
            return true;
        }
        if (c < 0x20)
            return false;
        if (c >= 0x80) {
            size_t k = c8s_utf8_len((const unsigned char *)q, (size_t)(r->end - q));
            if (!k)
                return false;
            if (escaped)
                buf_put(r, &n, q, k);
            r->p += k;
            continue;
        }
        /* A backslash: from here on the string is built in r->buf. */
        if (!escaped) {
            escaped = true;
            n = 0;
            buf_put(r, &n, start, (size_t)(q - start));
        }
        if (r->end - q < 2)
            return false;
        char e = q[1], out;
        r->p = q + 2;
        switch (e) {
        case '"':
        case '\\':
        case '/':
            out = e;
            break;
        case 'b':
            out = '\b';
            break;
        case 'f':
            out = '\f';
            break;
        case 'n':
            out = '\n';
            break;
        case 'r':
            out = '\r';
            break;
        case 't':
            out = '\t';
            break;
        case 'u': {
            if (r->end - q < 6)
                return false;
            int cp = hex4(q + 2);
            r->p = q + 6;
            if (cp <= 0) /* malformed, or \u0000 (JSON_ALLOW_NUL is jansson's) */
                return false;
            if (cp >= 0xdc00 && cp <= 0xdfff)
                return false;
            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u')
                    return false;
                int lo = hex4(r->p + 2);
                if (lo < 0xdc00 || lo > 0xdfff)
                    return false;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                r->p += 6;
            }
            char u[4];
            size_t k;
            if (cp < 0x80) {
                u[0] = (char)cp;
                k = 1;
            } else if (cp < 0x800) {
                u[0] = (char)(0xc0 | (cp >> 6));
                u[1] = (char)(0x80 | (cp & 0x3f));
                k = 2;
            } else if (cp < 0x10000) {
                u[0] = (char)(0xe0 | (cp >> 12));
                u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
                u[2] = (char)(0x80 | (cp & 0x3f));
                k = 3;
            } else {
                u[0] = (char)(0xf0 | (cp >> 18));
                u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
                u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
                u[3] = (char)(0x80 | (cp & 0x3f));
                k = 4;
            }
            buf_put(r, &n, u, k);
            continue;
        }
        default:
            return false;
        }
        buf_put(r, &n, &out, 1);
    }
}

static json_t *read_number(rd_t *r)
{
    const char *s = r->p, *p = r->p;
    bool real = false;
    if (p < r->end && *p == '-')
        p++;
    if (p >= r->end)
        return NULL;
    if (*p == '0') {
        p++;
        if (p < r->end && *p >= '0' && *p <= '9')
            return NULL;
    } else if (*p >= '1' && *p <= '9') {
        while (p < r->end && *p >= '0' && *p <= '9')
            p++;
    } else {
        return NULL;
    }
    if (p < r->end && *p == '.') {
        real = true;
        p++;
        if (p >= r->end || *p < '0' || *p > '9')
            return NULL;
        while (p < r->end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < r->end && (*p == 'e' || *p == 'E')) {
        real = true;
        p++;
        if (p < r->end && (*p == '+' || *p == '-'))
            p++;
        if (p >= r->end || *p < '0' || *p > '9')
            return NULL;
        while (p < r->end && *p >= '0' && *p <= '9')
            p++;
    }
    char tmp[64];
    size_t n = (size_t)(p - s);
    if (n >= sizeof(tmp))
        return NULL; /* long numbers: jansson's */
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    char *endp;
    errno = 0;
    json_t *v;
    if (!real) {
        long long x = strtoll(tmp, &endp, 10);
        if (errno || *endp)
            return NULL;
        v = json_integer((json_int_t)x);
    } else {
        double d = strtod(tmp, &endp);
        if (*endp || isinf(d) || (errno == ERANGE && d != 0))
            return NULL;
        if (errno == ERANGE)
            return NULL; /* underflow: let jansson decide as well */
        v = json_real(d);
    }
    r->p = p;
    return v;
}

static json_t *read_value(rd_t *r, int depth);

static json_t *read_object(rd_t *r, int depth)
{
    json_t *obj = json_object();
    r->p++;
    ws(r);
    if (r->p < r->end && *r->p == '}') {
        r->p++;
        return obj;
    }
    for (;;) {
        ws(r);
        const char *k;
        size_t kl;
        if (r->p >= r->end || *r->p != '"' || !read_string(r, &k, &kl) || memchr(k, '\0', kl))
            goto bad;
        /* The key outlives the value's strings, which may reuse r->buf. */
        char small[64];
        char *key = kl < sizeof(small) ? small : xmalloc(kl + 1);
        memcpy(key, k, kl);
        key[kl] = '\0';
        ws(r);
        json_t *v = NULL;
        if (r->p < r->end && *r->p == ':') {
            r->p++;
            v = read_value(r, depth + 1);
        }
        bool ok = v && !((r->flags & JSON_REJECT_DUPLICATES) && json_object_get(obj, key));
        if (ok)
            json_object_set_new_nocheck(obj, key, v);
        else
            json_decref(v);
        if (key != small)
            free(key);
        if (!ok)
            goto bad;
        ws(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == '}') {
            r->p++;
            return obj;
        }
        goto bad;
    }
bad:
    json_decref(obj);
    return NULL;
}

static json_t *read_array(rd_t *r, int depth)
{
    json_t *arr = json_array();
    r->p++;
    ws(r);
    if (r->p < r->end && *r->p == ']') {
        r->p++;
        return arr;
    }
    for (;;) {
        json_t *v = read_value(r, depth + 1);
        if (!v)
            break;
        json_array_append_new(arr, v);
        ws(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == ']') {
            r->p++;
            return arr;
        }
        break;
    }
    json_decref(arr);
    return NULL;
}

static bool literal(rd_t *r, const char *word, size_t n)
{
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return false;
    r->p += n;
    return true;
}

static json_t *read_value(rd_t *r, int depth)
{
    if (depth > JSONR_MAX_DEPTH)
        return NULL;
    ws(r);
    if (r->p >= r->end)
        return NULL;
    switch (*r->p) {
    case '{':
        return read_object(r, depth);
    case '[':
        return read_array(r, depth);
    case '"': {
        const char *s;
        size_t n;
        if (!read_string(r, &s, &n) || memchr(s, '\0', n))
            return NULL;
        return json_stringn_nocheck(s, n);
    }
    case 't':
        return literal(r, "true", 4) ? json_true() : NULL;
    case 'f':
        return literal(r, "false", 5) ? json_false() : NULL;
    case 'n':
        return literal(r, "null", 4) ? json_null() : NULL;
    default:
        return read_number(r);
    }
}

json_t *jsonr_loadb(const char *text, size_t len, size_t flags, json_error_t *err)
{
    if (!text || (flags & ~(size_t)(JSON_REJECT_DUPLICATES | JSON_DECODE_ANY)))
        return json_loadb(text, len, flags, err);
    rd_t r = {.p = text, .end = text + len, .flags = flags};
    ws(&r);
    json_t *v = NULL;
    if (r.p < r.end && ((flags & JSON_DECODE_ANY) || *r.p == '{' || *r.p == '['))
        v = read_value(&r, 0);
    free(r.buf);
    if (v) {
        ws(&r);
        if (r.p == r.end) {
            if (err) { /* as jansson leaves it on success */
                memset(err, 0, sizeof(*err));
                err->line = err->column = -1;
                snprintf(err->source, sizeof(err->source), "<buffer>");
            }
            return v;
        }
        json_decref(v);
    }
    return json_loadb(text, len, flags, err);
}
