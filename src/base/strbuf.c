/* strbuf.c — a growable string. */
#include "c8s/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void strbuf_addn(strbuf_t *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void strbuf_add(strbuf_t *b, const char *s)
{
    strbuf_addn(b, s, strlen(s));
}

void strbuf_addf(strbuf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    if (b->len + (size_t)n + 1 > b->cap) {
        b->cap = (b->len + (size_t)n + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void strbuf_sep(strbuf_t *b, const char *sep, const char *s)
{
    if (b->len)
        strbuf_add(b, sep);
    strbuf_add(b, s);
}

void strbuf_add_escaped(strbuf_t *b, const char *s, const char *keep)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            strchr("-._~", ch) || (keep && strchr(keep, ch))) {
            strbuf_addn(b, s, 1);
        } else {
            char e[3] = {'%', hex[ch >> 4], hex[ch & 15]};
            strbuf_addn(b, e, 3);
        }
    }
}

char *strbuf_take(strbuf_t *b)
{
    char *s = b->s ? b->s : xstrdup("");
    *b = (strbuf_t)STRBUF_INIT;
    return s;
}

char *strbuf_take_or(strbuf_t *b, const char *def)
{
    if (b->len)
        return strbuf_take(b);
    strbuf_free(b);
    return xstrdup(def);
}

void strbuf_free(strbuf_t *b)
{
    free(b->s);
    *b = (strbuf_t)STRBUF_INIT;
}

size_t c8s_utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t k;
    unsigned int cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        k = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        k = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        k = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (k > n)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return k;
}
