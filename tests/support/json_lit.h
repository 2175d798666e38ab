/*
 * json_lit.h — JSON literals for unit tests, written with ' for " so they read inline in C. A
 * literal that does not parse is a bug in the test: it aborts with the parser's message.
 */
#ifndef C8S_JSON_LIT_H
#define C8S_JSON_LIT_H

#include "c8s/base.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

/* The parsed literal (owned). */
static inline json_t *J(const char *s)
{
    cleanup_free char *q = xstrdup(s);
    for (char *p = q; *p; p++)
        if (*p == '\'')
            *p = '"';
    json_error_t e;
    json_t *v = json_loads(q, 0, &e);
    if (!v) {
        fprintf(stderr, "bad JSON literal in test: %s: %s\n", s, e.text);
        abort();
    }
    return v;
}

#endif
