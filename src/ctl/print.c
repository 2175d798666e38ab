/*
 * print.c — the pure printing cores of `c8s ctl`: kubectl's column layout (its tabwriter
 * settings: minimum width 6, padding 3) and a subset of kubectl's jsonpath templates.
 */
#include "c8s/ctl.h"
#include "c8s/strbuf.h"

#include <string.h>

/* Width on screen: UTF-8 continuation bytes take no column. */
static size_t text_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            w++;
    return w;
}

static char *cell_text(const json_t *c)
{
    if (json_is_string(c))
        return xstrdup(json_string_value(c));
    if (json_is_integer(c))
        return xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(c));
    if (json_is_true(c))
        return xstrdup("true");
    if (json_is_false(c))
        return xstrdup("false");
    if (json_is_real(c))
        return xasprintf("%g", json_real_value(c));
    if (!c || json_is_null(c))
        return xstrdup("");
    return json_dumps(c, JSON_COMPACT | JSON_ENCODE_ANY);
}

char *ctl_format_columns(const json_t *rows)
{
    return ctl_format_columns_remember(rows, NULL, 0);
}

char *ctl_format_columns_remember(const json_t *rows, size_t *remember, size_t n_remember)
{
    size_t ncols = 0, i, j;
    const json_t *row, *cell;
    json_array_foreach(rows, i, row) if (json_array_size(row) > ncols) ncols = json_array_size(row);
    size_t *width = xcalloc(ncols ? ncols : 1, sizeof(*width));
    for (j = 0; j < ncols && j < n_remember; j++)
        width[j] = remember[j];
    json_array_foreach(rows, i, row)
    {
        json_array_foreach(row, j, cell)
        {
            cleanup_free char *t = cell_text(cell);
            size_t w = text_width(t) + 3;
            if (w < 6)
                w = 6;
            if (w > width[j])
                width[j] = w;
        }
    }
    strbuf_t b = STRBUF_INIT;
    json_array_foreach(rows, i, row)
    {
        size_t n = json_array_size(row);
        json_array_foreach(row, j, cell)
        {
            cleanup_free char *t = cell_text(cell);
            strbuf_add(&b, t);
            if (j + 1 < n)
                for (size_t pad = text_width(t); pad < width[j]; pad++)
                    strbuf_addn(&b, " ", 1);
        }
        strbuf_addn(&b, "\n", 1);
    }
    for (j = 0; j < ncols && j < n_remember; j++)
        remember[j] = width[j];
    free(width);
    return strbuf_take(&b);
}

/* ---- jsonpath ---- */

typedef struct {
    const json_t **v;
    size_t n, cap;
} nodes_t;

static void nodes_push(nodes_t *ns, const json_t *v)
{
    if (ns->n == ns->cap) {
        ns->cap = ns->cap ? ns->cap * 2 : 8;
        ns->v = xrealloc(ns->v, ns->cap * sizeof(*ns->v));
    }
    ns->v[ns->n++] = v;
}

static void descend_all(const json_t *v, const char *name, nodes_t *out)
{
    if (json_is_object(v)) {
        const char *k;
        const json_t *c;
        const json_t *hit = json_object_get(v, name);
        if (hit)
            nodes_push(out, hit);
        json_object_foreach((json_t *)v, k, c) descend_all(c, name, out);
    } else if (json_is_array(v)) {
        size_t i;
        const json_t *c;
        json_array_foreach(v, i, c) descend_all(c, name, out);
    }
}

/* Evaluates the path expr (e.g. ".items[*].metadata.name") from cur / root into out. */
static int eval_path(const char *expr, const json_t *root, const json_t *cur, nodes_t *out,
                     c8s_err_t *err)
{
    nodes_t a = {0}, b = {0};
    const char *p = expr;
    while (*p == ' ')
        p++;
    if (*p == '$') {
        nodes_push(&a, root);
        p++;
    } else if (*p == '@') {
        nodes_push(&a, cur);
        p++;
    } else {
        nodes_push(&a, cur);
    }
    int rc = 0;
    while (*p && *p != ' ') {
        b.n = 0;
        if (p[0] == '.' && p[1] == '.') {
            p += 2;
            const char *s = p;
            while (*p && *p != '.' && *p != '[' && *p != ' ')
                p++;
            cleanup_free char *name = xstrndup(s, (size_t)(p - s));
            for (size_t i = 0; i < a.n; i++)
                descend_all(a.v[i], name, &b);
        } else if (*p == '.') {
            p++;
            const char *s = p;
            while (*p && *p != '.' && *p != '[' && *p != ' ')
                p++;
            if (p == s) /* "{.}": the current node */
                for (size_t i = 0; i < a.n; i++)
                    nodes_push(&b, a.v[i]);
            cleanup_free char *name = xstrndup(s, (size_t)(p - s));
            for (size_t i = 0; i < a.n && p > s; i++) {
                const json_t *c = json_object_get(a.v[i], name);
                if (c)
                    nodes_push(&b, c);
            }
        } else if (*p == '[') {
            const char *close = strchr(p, ']');
            if (!close) {
                rc = c8s_err_set(err, C8S_EBADREQUEST, "unterminated array");
                break;
            }
            cleanup_free char *in = xstrndup(p + 1, (size_t)(close - p - 1));
            p = close + 1;
            size_t il = strlen(in);
            if (strcmp(in, "*") == 0) {
                for (size_t i = 0; i < a.n; i++) {
                    size_t j;
                    const json_t *c;
                    const char *k;
                    if (json_is_array(a.v[i]))
                        json_array_foreach(a.v[i], j, c) nodes_push(&b, c);
                    else if (json_is_object(a.v[i]))
                        json_object_foreach((json_t *)a.v[i], k, c) nodes_push(&b, c);
                }
            } else if (il >= 2 && (in[0] == '\'' || in[0] == '"') && in[il - 1] == in[0]) {
                in[il - 1] = '\0';
                for (size_t i = 0; i < a.n; i++) {
                    const json_t *c = json_object_get(a.v[i], in + 1);
                    if (c)
                        nodes_push(&b, c);
                }
            } else if (in[0] == '?') {
                rc = c8s_err_set(err, C8S_EBADREQUEST, "filters are not supported: [%s]", in);
                break;
            } else {
                char *end;
                long idx = strtol(in, &end, 10);
                if (end == in || *end) {
                    rc = c8s_err_set(err, C8S_EBADREQUEST, "invalid array index %s", in);
                    break;
                }
                for (size_t i = 0; i < a.n; i++) {
                    long len = (long)json_array_size(a.v[i]);
                    long at = idx < 0 ? len + idx : idx;
                    if (json_is_array(a.v[i]) && at >= 0 && at < len)
                        nodes_push(&b, json_array_get(a.v[i], (size_t)at));
                }
            }
        } else {
            rc = c8s_err_set(err, C8S_EBADREQUEST, "unrecognized character in action: %c", *p);
            break;
        }
        nodes_t t = a;
        a = b;
        b = t;
    }
    if (rc == 0)
        for (size_t i = 0; i < a.n; i++)
            nodes_push(out, a.v[i]);
    free(a.v);
    free(b.v);
    return rc;
}

static void print_value(strbuf_t *b, const json_t *v)
{
    if (json_is_string(v)) {
        strbuf_add(b, json_string_value(v));
        return;
    }
    if (json_is_null(v))
        return;
    cleanup_free char *t = json_is_object(v) || json_is_array(v)
                               ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS)
                               : cell_text(v);
    strbuf_add(b, t);
}

/* A quoted literal: "\n", "text", with Go's escapes. */
static void print_literal(strbuf_t *b, const char *s, size_t n)
{
    for (size_t i = 1; i + 1 < n; i++) {
        if (s[i] == '\\' && i + 2 < n) {
            i++;
            char ch = s[i] == 'n' ? '\n' : s[i] == 't' ? '\t' : s[i] == 'r' ? '\r' : s[i];
            strbuf_addn(b, &ch, 1);
        } else {
            strbuf_addn(b, s + i, 1);
        }
    }
}

/* Runs the template from *pp until its end or a {end} (consumed), printing into b when print. */
static int run(const char **pp, const json_t *root, const json_t *cur, bool print, strbuf_t *b,
               bool in_range, c8s_err_t *err)
{
    const char *p = *pp;
    while (*p) {
        if (*p != '{') {
            const char *s = p;
            while (*p && *p != '{')
                p++;
            if (print)
                strbuf_addn(b, s, (size_t)(p - s));
            continue;
        }
        const char *s = ++p;
        char quote = 0;
        while (*p && (quote || *p != '}')) {
            if (quote && *p == '\\' && p[1])
                p++;
            else if (*p == '"' || *p == '\'')
                quote = quote == *p ? 0 : quote ? quote : *p;
            p++;
        }
        if (!*p)
            return c8s_err_set(err, C8S_EBADREQUEST, "unclosed action");
        cleanup_free char *act = xstrndup(s, (size_t)(p - s));
        p++;
        char *a = act;
        while (*a == ' ')
            a++;
        size_t al = strlen(a);
        while (al > 0 && a[al - 1] == ' ')
            a[--al] = '\0';
        if (strcmp(a, "end") == 0) {
            if (!in_range)
                return c8s_err_set(err, C8S_EBADREQUEST, "not in range, nothing to end");
            *pp = p;
            return 0;
        }
        if (a[0] == '"' || a[0] == '\'') {
            if (print)
                print_literal(b, a, al);
            continue;
        }
        bool range = strncmp(a, "range ", 6) == 0;
        nodes_t ns = {0};
        int rc = eval_path(range ? a + 6 : a, root, cur, &ns, err);
        if (rc != 0) {
            free(ns.v);
            return rc;
        }
        if (range) {
            const char *body = p;
            if (ns.n == 0) {
                /* Skip the body without printing. */
                rc = run(&p, root, cur, false, b, true, err);
            }
            for (size_t i = 0; i < ns.n && rc == 0; i++) {
                p = body;
                rc = run(&p, root, ns.v[i], print, b, true, err);
            }
            free(ns.v);
            if (rc != 0)
                return rc;
            continue;
        }
        for (size_t i = 0; i < ns.n && print; i++) {
            if (i > 0)
                strbuf_addn(b, " ", 1);
            print_value(b, ns.v[i]);
        }
        free(ns.v);
    }
    if (in_range)
        return c8s_err_set(err, C8S_EBADREQUEST, "unclosed range");
    *pp = p;
    return 0;
}

int ctl_jsonpath(const char *tmpl, const json_t *v, char **out, c8s_err_t *err)
{
    strbuf_t b = STRBUF_INIT;
    const char *p = tmpl;
    int rc = run(&p, v, v, true, &b, false, err);
    if (rc != 0) {
        strbuf_free(&b);
        return c8s_err_wrap(err, "error parsing jsonpath %s", tmpl);
    }
    *out = strbuf_take(&b);
    return 0;
}
