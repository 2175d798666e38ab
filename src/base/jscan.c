/* jscan.c — an in-place JSON walker (see jscan.h). */
#include "c8s/jscan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Deep enough for any Kubernetes object; deeper text is refused rather than recursed into. */
#define JSCAN_MAX_DEPTH 200

static bool fail(jscan_t *j)
{
    j->bad = true;
    return false;
}

static void ws(jscan_t *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t'))
        j->p++;
}

void jscan_init(jscan_t *j, const char *text, size_t len)
{
    j->p = text;
    j->end = text + len;
    j->bad = false;
    j->fresh = false;
}

bool jscan_enter(jscan_t *j, char open)
{
    ws(j);
    if (j->bad || j->p >= j->end || *j->p != open)
        return fail(j);
    j->p++;
    j->fresh = true;
    return true;
}

/* Before an item of a container: the closing character (consumed, *at_end), or a ',' (consumed)
 * unless this is the container's first item. */
static bool next_item(jscan_t *j, char close, bool *at_end)
{
    ws(j);
    if (j->p >= j->end)
        return fail(j);
    if (*j->p == close) {
        j->p++;
        j->fresh = false;
        *at_end = true;
        return true;
    }
    *at_end = false;
    if (j->fresh) {
        j->fresh = false;
        return true;
    }
    if (*j->p != ',')
        return fail(j);
    j->p++;
    ws(j);
    return true;
}

/* A string starting at j->p ('"'): its body in s/len; *escaped when it has a backslash. */
static bool string_span(jscan_t *j, const char **s, size_t *len, bool *escaped)
{
    if (j->p >= j->end || *j->p != '"')
        return fail(j);
    const char *start = ++j->p;
    *escaped = false;
    for (;;) {
        const char *q = memchr(j->p, '"', (size_t)(j->end - j->p));
        if (!q)
            return fail(j);
        /* A quote is the end unless an odd run of backslashes precedes it. */
        size_t bs = 0;
        while (q - bs > start && q[-1 - (ptrdiff_t)bs] == '\\')
            bs++;
        if (bs || memchr(start, '\\', (size_t)(q - start)))
            *escaped = true;
        j->p = q + 1;
        if (bs % 2 == 0) {
            *s = start;
            *len = (size_t)(q - start);
            return true;
        }
    }
}

bool jscan_member(jscan_t *j, const char **key, size_t *key_len)
{
    bool at_end, escaped;
    if (j->bad || !next_item(j, '}', &at_end) || at_end)
        return false;
    if (!string_span(j, key, key_len, &escaped) || escaped)
        return fail(j);
    ws(j);
    if (j->p >= j->end || *j->p != ':')
        return fail(j);
    j->p++;
    ws(j);
    return true;
}

bool jscan_element(jscan_t *j)
{
    bool at_end;
    if (j->bad || !next_item(j, ']', &at_end) || at_end)
        return false;
    return true;
}

bool jscan_string(jscan_t *j, const char **s, size_t *len)
{
    bool escaped;
    ws(j);
    if (j->bad || !string_span(j, s, len, &escaped) || escaped)
        return fail(j);
    return true;
}

bool jscan_int(jscan_t *j, int64_t *v)
{
    ws(j);
    if (j->bad || j->p >= j->end)
        return fail(j);
    bool quoted = *j->p == '"';
    const char *p = j->p + quoted;
    char buf[24];
    size_t n = 0;
    while (p < j->end && n < sizeof(buf) - 1 && ((*p >= '0' && *p <= '9') || (*p == '-' && !n)))
        buf[n++] = *p++;
    if (n == 0 || (n == 1 && buf[0] == '-'))
        return fail(j);
    if (quoted) {
        if (p >= j->end || *p != '"')
            return fail(j);
        p++;
    } else if (p < j->end && (*p == '.' || *p == 'e' || *p == 'E' || (*p >= '0' && *p <= '9'))) {
        return fail(j); /* a fraction, an exponent or too many digits */
    }
    buf[n] = '\0';
    errno = 0;
    char *endp;
    long long x = strtoll(buf, &endp, 10);
    if (errno || *endp)
        return fail(j);
    *v = (int64_t)x;
    j->p = p;
    return true;
}

bool jscan_skip(jscan_t *j, const char **start, size_t *len)
{
    /* What may come next: a value, a key, a ':', or a ',' / closer after a value; *_OR_CLOSE
     * right after an opener (an empty container). */
    enum { VALUE, VALUE_OR_CLOSE, KEY, KEY_OR_CLOSE, COLON, AFTER } need = VALUE;
    char closer[JSCAN_MAX_DEPTH]; /* the closer each open container wants */
    int depth = 0;
    ws(j);
    if (j->bad || j->p >= j->end)
        return fail(j);
    const char *s = j->p;
    for (;;) {
        ws(j);
        if (j->p >= j->end)
            return fail(j);
        char c = *j->p;
        if ((need == VALUE_OR_CLOSE && c == ']') || (need == KEY_OR_CLOSE && c == '}') ||
            (need == AFTER && depth > 0 && c == closer[depth - 1])) {
            j->p++;
            depth--;
            need = AFTER;
        } else if (need == AFTER) {
            if (depth == 0 || c != ',')
                return fail(j);
            j->p++;
            need = closer[depth - 1] == '}' ? KEY : VALUE;
            continue;
        } else if (need == COLON) {
            if (c != ':')
                return fail(j);
            j->p++;
            need = VALUE;
            continue;
        } else if (need == KEY || need == KEY_OR_CLOSE) {
            const char *str;
            size_t n;
            bool escaped;
            if (!string_span(j, &str, &n, &escaped))
                return false;
            need = COLON;
            continue;
        } else if (c == '"') {
            const char *str;
            size_t n;
            bool escaped;
            if (!string_span(j, &str, &n, &escaped))
                return false;
            need = AFTER;
        } else if (c == '{' || c == '[') {
            if (depth == JSCAN_MAX_DEPTH)
                return fail(j);
            closer[depth++] = c == '{' ? '}' : ']';
            j->p++;
            need = c == '{' ? KEY_OR_CLOSE : VALUE_OR_CLOSE;
            continue;
        } else if ((c >= '0' && c <= '9') || c == '-' || (c >= 'a' && c <= 'z')) {
            /* A number or a literal: its characters, checked by whoever parses it. */
            while (j->p < j->end &&
                   ((*j->p >= '0' && *j->p <= '9') || *j->p == '-' || *j->p == '+' ||
                    *j->p == '.' || (*j->p >= 'a' && *j->p <= 'z') || *j->p == 'E'))
                j->p++;
            need = AFTER;
        } else {
            return fail(j);
        }
        if (depth == 0)
            break;
    }
    if (start)
        *start = s;
    if (len)
        *len = (size_t)(j->p - s);
    return true;
}

bool jscan_done(jscan_t *j)
{
    ws(j);
    return !j->bad && j->p == j->end;
}
