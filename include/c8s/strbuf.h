/*
 * strbuf.h — a growable NUL-terminated string, for building output piece by piece. The buffer
 * owns its memory until strbuf_take hands it over (or strbuf_free drops it).
 */
#ifndef C8S_STRBUF_H
#define C8S_STRBUF_H

#include "c8s/base.h"

typedef struct strbuf_s {
    char *s; /* NUL-terminated when non-NULL */
    size_t len, cap;
} strbuf_t;

#define STRBUF_INIT                                                                                \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void strbuf_addn(strbuf_t *b, const char *s, size_t n);
void strbuf_add(strbuf_t *b, const char *s);
/* Appends printf-style. */
void strbuf_addf(strbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s percent-encoded for a URL path segment or query value: RFC 3986's unreserved
 * characters and those in keep (NULL: none; "/" for a path) as they are, every other byte %XX. */
void strbuf_add_escaped(strbuf_t *b, const char *s, const char *keep);
/* Appends sep first when the buffer is not empty. */
void strbuf_sep(strbuf_t *b, const char *sep, const char *s);
/* The string (owned by the caller; "" when nothing was added); the buffer is reset. */
char *strbuf_take(strbuf_t *b);
/* The string, or a copy of def when nothing was added (owned); the buffer is reset. */
char *strbuf_take_or(strbuf_t *b, const char *def);
void strbuf_free(strbuf_t *b);

/* Length of the valid UTF-8 sequence at s (at most n bytes; 1 for ASCII), 0 when it is not one:
 * jansson's utf8_check_first / utf8_check_full (no overlongs, surrogates or > U+10FFFF), which the
 * JSON reader and writer (jsonr.c, jsonw.c) must match. */
size_t c8s_utf8_len(const unsigned char *s, size_t n);

#endif
