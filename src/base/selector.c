/*
 * selector.c — label selectors (k8s.io/apimachinery/pkg/labels) and field selectors
 * (k8s.io/apimachinery/pkg/fields).
 *
 * The label parser follows upstream's lexer and recursive descent: the same tokens, the same
 * empty-value rules (`a=`, `a in (,b)`), the same key and value validation, and the same error
 * wording ("unable to parse requirement: ..."), so kubectl users see familiar messages.
 */
#include "c8s/selector.h"
#include "c8s/strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* ---- Label key and value validation (apimachinery/pkg/util/validation) ---- */

#define QNAME_FMT_MSG                                                                              \
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "  \
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for " \
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define DNS1123_SUBDOMAIN_MSG                                                                      \
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "   \
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "  \
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define LABEL_VALUE_MSG                                                                            \
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "    \
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value', " \
    " or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

static bool sel_isalnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] over s[0..n), n > 0. */
static bool sel_name_ok(const char *s, size_t n)
{
    if (!sel_isalnum(s[0]) || !sel_isalnum(s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!sel_isalnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
            return false;
    return true;
}

/* A lowercase RFC 1123 subdomain over s[0..n). */
static bool sel_dns_subdomain_ok(const char *s, size_t n)
{
    size_t label = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (label == 0 || s[i - 1] == '-')
                return false;
            label = 0;
            continue;
        }
        char c = s[i];
        bool lower_alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!lower_alnum && !(c == '-' && label > 0))
            return false;
        label++;
    }
    return true;
}

/* validation.IsQualifiedName: NULL if valid, else a static message. */
static const char *sel_qualified_name_error(const char *key)
{
    const char *slash = strchr(key, '/');
    const char *name = key;
    if (slash) {
        if (strchr(slash + 1, '/'))
            return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', "
                   "and must start and end with an alphanumeric character (e.g. 'MyName',  or "
                   "'my.name',  or '123-abc', regex used for validation is "
                   "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain "
                   "prefix and '/' (e.g. 'example.com/MyName')";
        size_t plen = (size_t)(slash - key);
        if (plen == 0)
            return "prefix part must be non-empty";
        if (plen > 253)
            return "prefix part must be no more than 253 characters";
        if (!sel_dns_subdomain_ok(key, plen))
            return "prefix part " DNS1123_SUBDOMAIN_MSG;
        name = slash + 1;
    }
    size_t n = strlen(name);
    if (n == 0)
        return "name part must be non-empty";
    if (n > 63)
        return "name part must be no more than 63 characters";
    if (!sel_name_ok(name, n))
        return QNAME_FMT_MSG;
    return NULL;
}

static const char *sel_label_value_error(const char *v)
{
    size_t n = strlen(v);
    if (n > 63)
        return "must be no more than 63 characters";
    if (n > 0 && !sel_name_ok(v, n))
        return LABEL_VALUE_MSG;
    return NULL;
}

/* ---- Label selector representation ---- */

typedef enum {
    OP_IN,
    OP_NOTIN,
    OP_EQ,  /* = */
    OP_DEQ, /* == */
    OP_NEQ,
    OP_EXISTS,
    OP_DNE,
    OP_GT,
    OP_LT,
} sel_op_t;

typedef struct {
    char *key;
    sel_op_t op;
    char **vals; /* sorted, unique */
    size_t nvals;
    long long num; /* OP_GT / OP_LT operand */
} sel_req_t;

struct labelsel_s {
    sel_req_t *reqs;
    size_t n, cap;
};

static void sel_req_free(sel_req_t *r)
{
    free(r->key);
    for (size_t i = 0; i < r->nvals; i++)
        free(r->vals[i]);
    free(r->vals);
}

void labelsel_free(labelsel_t *sel)
{
    if (!sel)
        return;
    for (size_t i = 0; i < sel->n; i++)
        sel_req_free(&sel->reqs[i]);
    free(sel->reqs);
    free(sel);
}

static void labelsel_freep(labelsel_t **p)
{
    labelsel_free(*p);
}
#define cleanup_labelsel __attribute__((cleanup(labelsel_freep)))

/* A set of strings kept sorted and unique. */
typedef struct {
    char **v;
    size_t n;
} sel_set_t;

static void sel_set_insert(sel_set_t *s, const char *str, size_t len)
{
    size_t i = 0;
    for (; i < s->n; i++) {
        int c = strncmp(s->v[i], str, len);
        if (c == 0 && s->v[i][len] == '\0')
            return;
        if (c > 0 || (c == 0 && s->v[i][len] != '\0'))
            break;
    }
    s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
    memmove(s->v + i + 1, s->v + i, (s->n - i) * sizeof(*s->v));
    s->v[i] = xstrndup(str, len);
    s->n++;
}

static void sel_set_clear(sel_set_t *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

static bool sel_parse_int(const char *s, long long *out)
{
    if (!*s)
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || s[0] == ' ' || s[0] == '\t' || s[0] == '\n')
        return false;
    *out = v;
    return true;
}

/* labels.NewRequirement: validates and, on success, appends to sel taking the values set. */
static int sel_add_requirement(labelsel_t *sel, const char *key, sel_op_t op, sel_set_t *vals,
                               int code, c8s_err_t *err)
{
    const char *msg = sel_qualified_name_error(key);
    if (msg)
        return c8s_err_set(err, code, "<nil>: Invalid value: \"%s\": %s", key, msg);
    long long num = 0;
    switch (op) {
    case OP_IN:
    case OP_NOTIN:
        if (vals->n == 0)
            return c8s_err_set(err, code,
                               "values: Invalid value: []string{}: for 'in', 'notin' operators, "
                               "values set can't be empty");
        break;
    case OP_EQ:
    case OP_DEQ:
    case OP_NEQ:
        if (vals->n != 1)
            return c8s_err_set(err, code,
                               "values: Invalid value: %zu values: exact-match compatibility "
                               "requires one single value",
                               vals->n);
        break;
    case OP_EXISTS:
    case OP_DNE:
        if (vals->n != 0)
            return c8s_err_set(err, code,
                               "values: Invalid value: %zu values: values set must be empty for "
                               "exists and does not exist",
                               vals->n);
        break;
    case OP_GT:
    case OP_LT:
        if (vals->n != 1)
            return c8s_err_set(err, code,
                               "values: Invalid value: %zu values: for 'Gt', 'Lt' operators, "
                               "exactly one value is required",
                               vals->n);
        if (!sel_parse_int(vals->v[0], &num))
            return c8s_err_set(err, code,
                               "values[0]: Invalid value: \"%s\": for 'Gt', 'Lt' operators, the "
                               "value must be an integer",
                               vals->v[0]);
        break;
    }
    for (size_t i = 0; i < vals->n; i++) {
        msg = sel_label_value_error(vals->v[i]);
        if (msg)
            return c8s_err_set(err, code, "values[%zu]: Invalid value: \"%s\": %s", i, vals->v[i],
                               msg);
    }
    if (sel->n == sel->cap) {
        sel->cap = sel->cap ? sel->cap * 2 : 4;
        sel->reqs = xrealloc(sel->reqs, sel->cap * sizeof(*sel->reqs));
    }
    sel->reqs[sel->n++] =
        (sel_req_t){.key = xstrdup(key), .op = op, .vals = vals->v, .nvals = vals->n, .num = num};
    vals->v = NULL;
    vals->n = 0;
    return 0;
}

/* Stable sort by key, as upstream sorts requirements (ByKey). */
static void sel_sort(labelsel_t *sel)
{
    for (size_t i = 1; i < sel->n; i++) {
        sel_req_t r = sel->reqs[i];
        size_t j = i;
        while (j > 0 && strcmp(sel->reqs[j - 1].key, r.key) > 0) {
            sel->reqs[j] = sel->reqs[j - 1];
            j--;
        }
        sel->reqs[j] = r;
    }
}

/* ---- Lexer (labels/selector.go Lexer) ---- */

typedef enum {
    TOK_EOS,
    TOK_IDENT,
    TOK_COMMA,
    TOK_OPEN,
    TOK_CLOSE,
    TOK_NOT, /* ! */
    TOK_NEQ,
    TOK_EQ,
    TOK_DEQ,
    TOK_GT,
    TOK_LT,
} sel_tok_t;

typedef struct {
    sel_tok_t tok;
    const char *lit; /* into the input, not terminated */
    size_t len;
} sel_token_t;

static bool sel_special(char c)
{
    return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

static bool sel_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static sel_token_t sel_lex(const char **pp)
{
    const char *p = *pp;
    while (sel_space(*p))
        p++;
    sel_token_t t = {TOK_EOS, p, 0};
    if (!*p) {
        *pp = p;
        return t;
    }
    if (sel_special(*p)) {
        /* The longest of the operator spellings. */
        if ((p[0] == '!' || p[0] == '=') && p[1] == '=') {
            t.tok = p[0] == '!' ? TOK_NEQ : TOK_DEQ;
            t.len = 2;
        } else {
            t.len = 1;
            switch (*p) {
            case '=':
                t.tok = TOK_EQ;
                break;
            case '!':
                t.tok = TOK_NOT;
                break;
            case '(':
                t.tok = TOK_OPEN;
                break;
            case ')':
                t.tok = TOK_CLOSE;
                break;
            case ',':
                t.tok = TOK_COMMA;
                break;
            case '>':
                t.tok = TOK_GT;
                break;
            default:
                t.tok = TOK_LT;
                break;
            }
        }
        *pp = p + t.len;
        return t;
    }
    const char *s = p;
    while (*p && !sel_space(*p) && !sel_special(*p))
        p++;
    t.tok = TOK_IDENT;
    t.len = (size_t)(p - s);
    *pp = p;
    return t;
}

typedef struct {
    const char *p;   /* input position after `cur` */
    sel_token_t cur; /* lookahead */
} sel_parser_t;

static void sel_advance(sel_parser_t *ps)
{
    ps->cur = sel_lex(&ps->p);
}

static bool sel_ident_is(const sel_token_t *t, const char *word)
{
    return t->tok == TOK_IDENT && t->len == strlen(word) && memcmp(t->lit, word, t->len) == 0;
}

static int sel_parse_requirement(sel_parser_t *ps, labelsel_t *sel, c8s_err_t *err)
{
    bool dne = false;
    if (ps->cur.tok == TOK_NOT) {
        dne = true;
        sel_advance(ps);
    }
    if (ps->cur.tok != TOK_IDENT)
        return c8s_err_set(err, C8S_EBADREQUEST, "found '%.*s', expected: identifier",
                           (int)ps->cur.len, ps->cur.lit);
    cleanup_free char *key = xstrndup(ps->cur.lit, ps->cur.len);
    const char *msg = sel_qualified_name_error(key);
    if (msg)
        return c8s_err_set(err, C8S_EBADREQUEST, "<nil>: Invalid value: \"%s\": %s", key, msg);
    sel_advance(ps);
    sel_set_t vals = {0};
    if (dne || ps->cur.tok == TOK_EOS || ps->cur.tok == TOK_COMMA)
        return sel_add_requirement(sel, key, dne ? OP_DNE : OP_EXISTS, &vals, C8S_EBADREQUEST, err);

    sel_op_t op;
    if (sel_ident_is(&ps->cur, "in"))
        op = OP_IN;
    else if (sel_ident_is(&ps->cur, "notin"))
        op = OP_NOTIN;
    else if (ps->cur.tok == TOK_EQ)
        op = OP_EQ;
    else if (ps->cur.tok == TOK_DEQ)
        op = OP_DEQ;
    else if (ps->cur.tok == TOK_NEQ)
        op = OP_NEQ;
    else if (ps->cur.tok == TOK_GT)
        op = OP_GT;
    else if (ps->cur.tok == TOK_LT)
        op = OP_LT;
    else
        return c8s_err_set(err, C8S_EBADREQUEST,
                           "found '%.*s', expected: in, notin, =, ==, !=, gt, lt", (int)ps->cur.len,
                           ps->cur.lit);
    sel_advance(ps);

    int rc = 0;
    if (op == OP_IN || op == OP_NOTIN) {
        if (ps->cur.tok != TOK_OPEN)
            return c8s_err_set(err, C8S_EBADREQUEST, "found '%.*s', expected:'('", (int)ps->cur.len,
                               ps->cur.lit);
        sel_advance(ps);
        if (ps->cur.tok == TOK_CLOSE) {
            sel_advance(ps);
        } else if (ps->cur.tok == TOK_IDENT || ps->cur.tok == TOK_COMMA) {
            /* An identifier list; empty entries (`(,a)`, `(a,)`, `(a,,b)`) are "". */
            for (;;) {
                sel_token_t t = ps->cur;
                sel_advance(ps);
                if (t.tok == TOK_IDENT) {
                    sel_set_insert(&vals, t.lit, t.len);
                    if (ps->cur.tok == TOK_COMMA) {
                        sel_advance(ps);
                        if (ps->cur.tok == TOK_CLOSE) {
                            sel_set_insert(&vals, "", 0);
                            break;
                        }
                        continue;
                    }
                    if (ps->cur.tok == TOK_CLOSE)
                        break;
                    rc = c8s_err_set(err, C8S_EBADREQUEST, "found '%.*s', expected: ',' or ')'",
                                     (int)ps->cur.len, ps->cur.lit);
                    goto out;
                } else if (t.tok == TOK_COMMA) {
                    sel_set_insert(&vals, "", 0);
                    if (ps->cur.tok == TOK_CLOSE)
                        break;
                    if (ps->cur.tok == TOK_COMMA)
                        continue;
                    if (ps->cur.tok != TOK_IDENT) {
                        rc = c8s_err_set(err, C8S_EBADREQUEST,
                                         "found '%.*s', expected: ',', or identifier",
                                         (int)ps->cur.len, ps->cur.lit);
                        goto out;
                    }
                } else {
                    rc = c8s_err_set(err, C8S_EBADREQUEST,
                                     "found '%.*s', expected: ',', or identifier", (int)t.len,
                                     t.lit);
                    goto out;
                }
            }
            sel_advance(ps); /* the ')' */
        } else {
            return c8s_err_set(err, C8S_EBADREQUEST,
                               "found '%.*s', expected: ',', ')' or identifier", (int)ps->cur.len,
                               ps->cur.lit);
        }
    } else {
        if (ps->cur.tok == TOK_EOS || ps->cur.tok == TOK_COMMA) {
            sel_set_insert(&vals, "", 0);
        } else if (ps->cur.tok == TOK_IDENT) {
            sel_set_insert(&vals, ps->cur.lit, ps->cur.len);
            sel_advance(ps);
        } else {
            return c8s_err_set(err, C8S_EBADREQUEST, "found '%.*s', expected: identifier",
                               (int)ps->cur.len, ps->cur.lit);
        }
    }
    rc = sel_add_requirement(sel, key, op, &vals, C8S_EBADREQUEST, err);
out:
    sel_set_clear(&vals);
    return rc;
}

int labelsel_parse(const char *s, labelsel_t **out, c8s_err_t *err)
{
    cleanup_labelsel labelsel_t *sel = xcalloc(1, sizeof(*sel));
    sel_parser_t ps = {.p = s ? s : ""};
    sel_advance(&ps);
    while (ps.cur.tok != TOK_EOS) {
        if (ps.cur.tok != TOK_IDENT && ps.cur.tok != TOK_NOT)
            return c8s_err_set(err, C8S_EBADREQUEST,
                               "found '%.*s', expected: !, identifier, or 'end of string'",
                               (int)ps.cur.len, ps.cur.lit);
        int rc = sel_parse_requirement(&ps, sel, err);
        if (rc < 0) {
            c8s_err_wrap(err, "unable to parse requirement");
            return rc;
        }
        if (ps.cur.tok == TOK_EOS)
            break;
        if (ps.cur.tok != TOK_COMMA)
            return c8s_err_set(err, C8S_EBADREQUEST,
                               "found '%.*s', expected: ',' or 'end of string'", (int)ps.cur.len,
                               ps.cur.lit);
        sel_advance(&ps);
        if (ps.cur.tok != TOK_IDENT && ps.cur.tok != TOK_NOT)
            return c8s_err_set(err, C8S_EBADREQUEST, "found '%.*s', expected: identifier after ','",
                               (int)ps.cur.len, ps.cur.lit);
    }
    sel_sort(sel);
    *out = c8s_steal(&sel);
    return 0;
}

int labelsel_from_json(const json_t *js, labelsel_t **out, c8s_err_t *err)
{
    cleanup_labelsel labelsel_t *sel = xcalloc(1, sizeof(*sel));
    if (js && !json_is_null(js)) {
        if (!json_is_object(js))
            return c8s_err_set(err, C8S_EINVALID, "selector: must be an object");
        const json_t *ml = json_object_get(js, "matchLabels");
        if (ml && !json_is_null(ml)) {
            if (!json_is_object(ml))
                return c8s_err_set(err, C8S_EINVALID, "matchLabels: must be an object");
            const char *k;
            json_t *v;
            json_object_foreach((json_t *)ml, k, v)
            {
                if (!json_is_string(v))
                    return c8s_err_set(err, C8S_EINVALID, "matchLabels[%s]: must be a string", k);
                sel_set_t vals = {0};
                sel_set_insert(&vals, json_string_value(v), strlen(json_string_value(v)));
                int rc = sel_add_requirement(sel, k, OP_EQ, &vals, C8S_EINVALID, err);
                sel_set_clear(&vals);
                if (rc < 0)
                    return rc;
            }
        }
        const json_t *me = json_object_get(js, "matchExpressions");
        if (me && !json_is_null(me)) {
            if (!json_is_array(me))
                return c8s_err_set(err, C8S_EINVALID, "matchExpressions: must be an array");
            size_t i;
            json_t *e;
            json_array_foreach(me, i, e)
            {
                const char *key = json_string_value(json_object_get(e, "key"));
                const char *opname = json_string_value(json_object_get(e, "operator"));
                const json_t *jv = json_object_get(e, "values");
                if (!key)
                    return c8s_err_set(err, C8S_EINVALID,
                                       "matchExpressions[%zu].key: Required value", i);
                sel_op_t op;
                if (opname && strcmp(opname, "In") == 0)
                    op = OP_IN;
                else if (opname && strcmp(opname, "NotIn") == 0)
                    op = OP_NOTIN;
                else if (opname && strcmp(opname, "Exists") == 0)
                    op = OP_EXISTS;
                else if (opname && strcmp(opname, "DoesNotExist") == 0)
                    op = OP_DNE;
                else
                    return c8s_err_set(err, C8S_EINVALID,
                                       "\"%s\" is not a valid label selector operator",
                                       opname ? opname : "");
                if (jv && !json_is_null(jv) && !json_is_array(jv))
                    return c8s_err_set(err, C8S_EINVALID,
                                       "matchExpressions[%zu].values: must be an array", i);
                sel_set_t vals = {0};
                size_t j;
                json_t *jvv;
                json_array_foreach(jv, j, jvv)
                {
                    if (!json_is_string(jvv)) {
                        sel_set_clear(&vals);
                        return c8s_err_set(err, C8S_EINVALID,
                                           "matchExpressions[%zu].values[%zu]: must be a string", i,
                                           j);
                    }
                    sel_set_insert(&vals, json_string_value(jvv), strlen(json_string_value(jvv)));
                }
                int rc = sel_add_requirement(sel, key, op, &vals, C8S_EINVALID, err);
                sel_set_clear(&vals);
                if (rc < 0) {
                    c8s_err_wrap(err, "matchExpressions[%zu]", i);
                    return rc;
                }
            }
        }
    }
    sel_sort(sel);
    *out = c8s_steal(&sel);
    return 0;
}

static bool sel_req_has(const sel_req_t *r, const char *v)
{
    for (size_t i = 0; i < r->nvals; i++)
        if (strcmp(r->vals[i], v) == 0)
            return true;
    return false;
}

static bool sel_req_matches(const sel_req_t *r, const json_t *labels)
{
    const json_t *jv = labels ? json_object_get(labels, r->key) : NULL;
    const char *v = json_is_string(jv) ? json_string_value(jv) : NULL;
    long long n;
    switch (r->op) {
    case OP_IN:
    case OP_EQ:
    case OP_DEQ:
        return v && sel_req_has(r, v);
    case OP_NOTIN:
    case OP_NEQ:
        return !v || !sel_req_has(r, v);
    case OP_EXISTS:
        return v != NULL;
    case OP_DNE:
        return v == NULL;
    case OP_GT:
        return v && sel_parse_int(v, &n) && n > r->num;
    case OP_LT:
        return v && sel_parse_int(v, &n) && n < r->num;
    }
    return false;
}

bool labelsel_matches(const labelsel_t *sel, const json_t *labels)
{
    for (size_t i = 0; i < sel->n; i++)
        if (!sel_req_matches(&sel->reqs[i], labels))
            return false;
    return true;
}

bool labelsel_empty(const labelsel_t *sel)
{
    return sel->n == 0;
}

char *labelsel_string(const labelsel_t *sel)
{
    static const char *const opstr[] = {
        [OP_IN] = " in ", [OP_NOTIN] = " notin ", [OP_EQ] = "=", [OP_DEQ] = "==", [OP_NEQ] = "!=",
        [OP_EXISTS] = "", [OP_DNE] = "",          [OP_GT] = ">", [OP_LT] = "<",
    };
    strbuf_t b = STRBUF_INIT;
    for (size_t i = 0; i < sel->n; i++) {
        const sel_req_t *r = &sel->reqs[i];
        if (i)
            strbuf_add(&b, ",");
        if (r->op == OP_DNE)
            strbuf_add(&b, "!");
        strbuf_add(&b, r->key);
        strbuf_add(&b, opstr[r->op]);
        if (r->op == OP_EXISTS || r->op == OP_DNE)
            continue;
        bool set = r->op == OP_IN || r->op == OP_NOTIN;
        if (set)
            strbuf_add(&b, "(");
        for (size_t j = 0; j < r->nvals; j++) {
            if (j)
                strbuf_add(&b, ",");
            strbuf_add(&b, r->vals[j]);
        }
        if (set)
            strbuf_add(&b, ")");
    }
    return strbuf_take(&b);
}

/* ---- Field selectors (apimachinery/pkg/fields) ---- */

typedef enum { FOP_EQ, FOP_DEQ, FOP_NEQ } fsel_op_t;

typedef struct {
    char *field;
    fsel_op_t op;
    char *value;
} fsel_req_t;

struct fieldsel_s {
    fsel_req_t *reqs;
    size_t n;
};

void fieldsel_free(fieldsel_t *sel)
{
    if (!sel)
        return;
    for (size_t i = 0; i < sel->n; i++) {
        free(sel->reqs[i].field);
        free(sel->reqs[i].value);
    }
    free(sel->reqs);
    free(sel);
}

static void fieldsel_freep(fieldsel_t **p)
{
    fieldsel_free(*p);
}

/* fields.UnescapeValue: `\\`, `\,`, `\=` (and `\!`) are escapes; a bare `,` or `=` is refused. */
static int fsel_unescape(const char *s, size_t n, char **out, c8s_err_t *err)
{
    cleanup_free char *r = xmalloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\\') {
            if (i + 1 == n)
                return c8s_err_set(err, C8S_EBADREQUEST,
                                   "invalid field selector: invalid escape sequence: \\");
            char e = s[++i];
            if (e != '\\' && e != ',' && e != '=' && e != '!')
                return c8s_err_set(err, C8S_EBADREQUEST,
                                   "invalid field selector: invalid escape sequence: \\%c", e);
            r[k++] = e;
        } else if (c == ',' || c == '=') {
            return c8s_err_set(err, C8S_EBADREQUEST,
                               "invalid field selector: unescaped character %c", c);
        } else {
            r[k++] = c;
        }
    }
    r[k] = '\0';
    *out = c8s_steal(&r);
    return 0;
}

int fieldsel_parse(const char *s, fieldsel_t **out, c8s_err_t *err)
{
    __attribute__((cleanup(fieldsel_freep))) fieldsel_t *sel = xcalloc(1, sizeof(*sel));
    if (!s)
        s = "";
    size_t len = strlen(s);
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] == '\\') {
            if (i + 1 < len)
                i++; /* the escaped character never ends a term */
            continue;
        }
        if (i < len && s[i] != ',')
            continue;
        const char *term = s + start;
        size_t tlen = i - start;
        start = i + 1;
        if (tlen == 0)
            continue;
        /* The first operator not inside an escape: "!=", "==", then "=". */
        size_t j = 0, oplen = 0;
        fsel_op_t op = FOP_EQ;
        for (; j < tlen; j++) {
            if (term[j] == '\\') {
                j++;
                continue;
            }
            if (j + 1 < tlen && term[j] == '!' && term[j + 1] == '=') {
                op = FOP_NEQ, oplen = 2;
                break;
            }
            if (j + 1 < tlen && term[j] == '=' && term[j + 1] == '=') {
                op = FOP_DEQ, oplen = 2;
                break;
            }
            if (term[j] == '=') {
                op = FOP_EQ, oplen = 1;
                break;
            }
        }
        if (oplen == 0)
            return c8s_err_set(err, C8S_EBADREQUEST,
                               "invalid selector: '%s'; can't understand '%.*s'", s, (int)tlen,
                               term);
        char *value = NULL;
        int rc = fsel_unescape(term + j + oplen, tlen - j - oplen, &value, err);
        if (rc < 0)
            return rc;
        sel->reqs = xrealloc(sel->reqs, (sel->n + 1) * sizeof(*sel->reqs));
        sel->reqs[sel->n++] = (fsel_req_t){xstrndup(term, j), op, value};
    }
    *out = c8s_steal(&sel);
    return 0;
}

int fieldsel_check(const fieldsel_t *sel, const char *const *allowed, c8s_err_t *err)
{
    for (size_t i = 0; i < sel->n; i++) {
        bool ok = false;
        for (size_t j = 0; allowed && allowed[j]; j++)
            if (strcmp(allowed[j], sel->reqs[i].field) == 0)
                ok = true;
        if (!ok)
            return c8s_err_set(err, C8S_EBADREQUEST, "field label not supported: %s",
                               sel->reqs[i].field);
    }
    return 0;
}

/* The text of the value at a dotted path; "" when missing. Returns an owned string. */
static char *fsel_value(const json_t *obj, const char *path)
{
    const json_t *cur = obj;
    const char *p = path;
    while (cur) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (!json_is_object(cur))
            return xstrdup("");
        cur = json_object_getn(cur, p, n);
        if (!dot)
            break;
        p = dot + 1;
    }
    if (json_is_string(cur))
        return xstrndup(json_string_value(cur), json_string_length(cur));
    if (json_is_integer(cur) || json_is_real(cur) || json_is_boolean(cur))
        return json_dumps(cur, JSON_ENCODE_ANY);
    return xstrdup("");
}

bool fieldsel_matches(const fieldsel_t *sel, const json_t *obj)
{
    for (size_t i = 0; i < sel->n; i++) {
        cleanup_free char *v = fsel_value(obj, sel->reqs[i].field);
        bool eq = strcmp(v, sel->reqs[i].value) == 0;
        if (eq != (sel->reqs[i].op != FOP_NEQ))
            return false;
    }
    return true;
}

const char *fieldsel_exact(const fieldsel_t *sel, const char *field)
{
    for (size_t i = 0; i < sel->n; i++)
        if (sel->reqs[i].op != FOP_NEQ && strcmp(sel->reqs[i].field, field) == 0)
            return sel->reqs[i].value;
    return NULL;
}

size_t fieldsel_count(const fieldsel_t *sel)
{
    return sel->n;
}
