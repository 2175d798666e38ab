/* jsonw.c — compact JSON text from a jansson tree (see jsonw.h). */
#include "c8s/jsonw.h"

#include "c8s/base.h"
#include "c8s/strbuf.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* jansson's JSON_PARSER_MAX_DEPTH is 2048 for parsing; dumping refuses cycles, not depth. A
 * tree deeper than this is handed to json_dumps instead of being recursed into here. */
#define JSONW_MAX_DEPTH 1000

static void reserve(strbuf_t *b, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->s = xrealloc(b->s, cap);
        b->cap = cap;
    }
}

static void put(strbuf_t *b, const char *s, size_t n)
{
    reserve(b, n);
    memcpy(b->s + b->len, s, n);
    b->len += n;
}

static bool put_string(strbuf_t *b, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    reserve(b, n + 2);
    b->s[b->len++] = '"';
    size_t i = 0;
    while (i < n) {
        /* The run of bytes that need nothing. */
        size_t run = i;
        while (run < n && s[run] >= 0x20 && s[run] != '"' && s[run] != '\\' && s[run] < 0x80)
            run++;
        if (run > i) {
            put(b, str + i, run - i);
            i = run;
            continue;
        }
        unsigned char c = s[i];
        if (c >= 0x80) {
            size_t k = c8s_utf8_len(s + i, n - i);
            if (!k)
                return false;
            put(b, str + i, k);
            i += k;
            continue;
        }
        char esc[8];
        const char *e = esc;
        size_t el = 2;
        switch (c) {
        case '"':
            e = "\\\"";
            break;
        case '\\':
            e = "\\\\";
            break;
        case '\b':
            e = "\\b";
            break;
        case '\f':
            e = "\\f";
            break;
        case '\n':
            e = "\\n";
            break;
        case '\r':
            e = "\\r";
            break;
        case '\t':
            e = "\\t";
            break;
        default:
            snprintf(esc, sizeof(esc), "\\u%04X", c);
            el = 6;
        }
        put(b, e, el);
        i++;
    }
    put(b, "\"", 1);
    return true;
}

static bool put_value(strbuf_t *b, const json_t *v, int depth)
{
    if (depth > JSONW_MAX_DEPTH)
        return false;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        put(b, "{", 1);
        bool first = true;
        for (void *it = json_object_iter((json_t *)v); it;
             it = json_object_iter_next((json_t *)v, it)) {
            if (!first)
                put(b, ",", 1);
            first = false;
            if (!put_string(b, json_object_iter_key(it), json_object_iter_key_len(it)))
                return false;
            put(b, ":", 1);
            if (!put_value(b, json_object_iter_value(it), depth + 1))
                return false;
        }
        put(b, "}", 1);
        return true;
    }
    case JSON_ARRAY: {
        put(b, "[", 1);
        size_t n = json_array_size(v);
        for (size_t i = 0; i < n; i++) {
            if (i)
                put(b, ",", 1);
            if (!put_value(b, json_array_get(v, i), depth + 1))
                return false;
        }
        put(b, "]", 1);
        return true;
    }
    case JSON_STRING:
        return put_string(b, json_string_value(v), json_string_length(v));
    case JSON_INTEGER: {
        char num[32];
        int n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        put(b, num, (size_t)n);
        return true;
    }
    case JSON_REAL: {
        /* jansson's own formatting (precision, ".0", locale), for the rare real. */
        char *r = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        if (!r)
            return false;
        put(b, r, strlen(r));
        free(r);
        return true;
    }
    case JSON_TRUE:
        put(b, "true", 4);
        return true;
    case JSON_FALSE:
        put(b, "false", 5);
        return true;
    case JSON_NULL:
        put(b, "null", 4);
        return true;
    }
    return false;
}

char *jsonw_dump(const json_t *v, size_t *len)
{
    if (!v)
        return NULL;
    strbuf_t b = STRBUF_INIT;
    if (!put_value(&b, v, 0)) {
        strbuf_free(&b);
        /* Whatever jansson makes of it (deep trees), or its NULL. */
        char *out = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        if (out && len)
            *len = strlen(out);
        return out;
    }
    b.s[b.len] = '\0'; /* reserve always leaves room for it */
    if (len)
        *len = b.len;
    return strbuf_take(&b);
}
