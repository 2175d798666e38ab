/*
 * yaml.c — YAML documents to JSON and back, with yaml.v2's scalar resolution.
 *
 * Parsing runs libyaml's event API (not its document loader) because resolution needs to know
 * whether a scalar was plain and untagged, which the loader forgets. Events are composed into a
 * small node graph (aliases share nodes), then converted to JSON with budgets on node visits,
 * scalar bytes and depth, so a billion-laughs document fails fast instead of exhausting memory.
 */
#include "c8s/yaml.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#define YAML_ERR_PREFIX "error converting YAML to JSON: "
#define TAG_PREFIX      "tag:yaml.org,2002:"

/* Bytes of scalar text a document may expand to through aliases, beyond its own size. */
#define YAML_MAX_EXPANDED_BYTES (64u << 20)

typedef enum { YN_SCALAR, YN_SEQ, YN_MAP } ynode_kind_t;

typedef struct ynode_s {
    ynode_kind_t kind;
    char *tag; /* owned; NULL when untagged */
    char *value;
    size_t len;
    bool plain; /* plain style and implicitly typed: resolved like yaml.v2 */
    bool complete;
    size_t line;            /* 0-based */
    struct ynode_s **items; /* sequence items, or mapping key, value, key, value... */
    size_t n, cap;
    struct ynode_s *next_alloc;
} ynode_t;

typedef struct {
    char *name;
    ynode_t *node;
} yanchor_t;

typedef struct {
    yaml_parser_t parser;
    ynode_t *all;
    yanchor_t *anchors;
    size_t nanchors;
    size_t visits, bytes, byte_budget;
} yctx_t;

/* ---- Composition: events → node graph ---- */

static ynode_t *ynode_new(yctx_t *c, ynode_kind_t kind, const yaml_char_t *tag, size_t line)
{
    ynode_t *n = xcalloc(1, sizeof(*n));
    n->kind = kind;
    n->tag = tag ? xstrdup((const char *)tag) : NULL;
    n->line = line;
    n->next_alloc = c->all;
    c->all = n;
    return n;
}

static void ynode_push(ynode_t *n, ynode_t *child)
{
    if (n->n == n->cap) {
        n->cap = n->cap ? n->cap * 2 : 8;
        n->items = xrealloc(n->items, n->cap * sizeof(*n->items));
    }
    n->items[n->n++] = child;
}

static void yctx_reset_doc(yctx_t *c)
{
    for (size_t i = 0; i < c->nanchors; i++)
        free(c->anchors[i].name);
    free(c->anchors);
    c->anchors = NULL;
    c->nanchors = 0;
    while (c->all) {
        ynode_t *n = c->all;
        c->all = n->next_alloc;
        free(n->tag);
        free(n->value);
        free(n->items);
        free(n);
    }
}

static void yctx_anchor(yctx_t *c, const yaml_char_t *name, ynode_t *node)
{
    if (!name)
        return;
    c->anchors = xrealloc(c->anchors, (c->nanchors + 1) * sizeof(*c->anchors));
    c->anchors[c->nanchors++] = (yanchor_t){xstrdup((const char *)name), node};
}

/* yaml.v2's parser.fail(): scanner errors are reported one line further on. */
static int yaml_parse_error(yctx_t *c, c8s_err_t *err)
{
    const yaml_parser_t *p = &c->parser;
    size_t line = 0;
    if (p->problem_mark.line != 0) {
        line = p->problem_mark.line;
        if (p->error == YAML_SCANNER_ERROR)
            line++;
    } else if (p->context_mark.line != 0) {
        line = p->context_mark.line;
    }
    const char *msg = p->problem ? p->problem : "unknown problem parsing YAML content";
    if (line)
        return c8s_err_set(err, C8S_EBADREQUEST, YAML_ERR_PREFIX "yaml: line %zu: %s", line, msg);
    return c8s_err_set(err, C8S_EBADREQUEST, YAML_ERR_PREFIX "yaml: %s", msg);
}

static int yaml_next(yctx_t *c, yaml_event_t *ev, c8s_err_t *err)
{
    if (!yaml_parser_parse(&c->parser, ev))
        return yaml_parse_error(c, err);
    return 0;
}

/* Composes the node whose first event is ev (consumed here). */
static int yaml_compose(yctx_t *c, yaml_event_t *ev, size_t depth, ynode_t **out, c8s_err_t *err)
{
    size_t line = ev->start_mark.line;
    if (depth > C8S_YAML_MAX_DEPTH) {
        yaml_event_delete(ev);
        return c8s_err_set(err, C8S_EBADREQUEST,
                           YAML_ERR_PREFIX "yaml: document too deeply nested (more than %d levels)",
                           C8S_YAML_MAX_DEPTH);
    }
    switch (ev->type) {
    case YAML_ALIAS_EVENT: {
        const char *name = (const char *)ev->data.alias.anchor;
        ynode_t *target = NULL;
        for (size_t i = c->nanchors; i-- > 0;) {
            if (strcmp(c->anchors[i].name, name) == 0) {
                target = c->anchors[i].node;
                break;
            }
        }
        int rc = 0;
        if (!target)
            rc = c8s_err_set(err, C8S_EBADREQUEST,
                             YAML_ERR_PREFIX "yaml: line %zu: unknown anchor '%s' referenced",
                             line + 1, name);
        else if (!target->complete)
            rc = c8s_err_set(err, C8S_EBADREQUEST,
                             YAML_ERR_PREFIX "yaml: line %zu: anchor '%s' value contains itself",
                             line + 1, name);
        yaml_event_delete(ev);
        *out = target;
        return rc;
    }
    case YAML_SCALAR_EVENT: {
        ynode_t *n = ynode_new(c, YN_SCALAR, ev->data.scalar.tag, line);
        n->len = ev->data.scalar.length;
        n->value = xmalloc(n->len + 1);
        memcpy(n->value, ev->data.scalar.value, n->len);
        n->value[n->len] = '\0';
        n->plain =
            ev->data.scalar.plain_implicit && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        n->complete = true;
        yctx_anchor(c, ev->data.scalar.anchor, n);
        yaml_event_delete(ev);
        *out = n;
        return 0;
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
        ynode_t *n =
            ynode_new(c, seq ? YN_SEQ : YN_MAP,
                      seq ? ev->data.sequence_start.tag : ev->data.mapping_start.tag, line);
        yctx_anchor(c, seq ? ev->data.sequence_start.anchor : ev->data.mapping_start.anchor, n);
        yaml_event_delete(ev);
        yaml_event_type_t end = seq ? YAML_SEQUENCE_END_EVENT : YAML_MAPPING_END_EVENT;
        for (;;) {
            yaml_event_t child;
            int rc = yaml_next(c, &child, err);
            if (rc < 0)
                return rc;
            if (child.type == end) {
                yaml_event_delete(&child);
                break;
            }
            ynode_t *cn = NULL;
            rc = yaml_compose(c, &child, depth + 1, &cn, err);
            if (rc < 0)
                return rc;
            ynode_push(n, cn);
        }
        n->complete = true;
        *out = n;
        return 0;
    }
    default:
        yaml_event_delete(ev);
        return c8s_err_set(err, C8S_EBADREQUEST, YAML_ERR_PREFIX "yaml: unexpected event");
    }
}

/* ---- Scalar resolution (gopkg.in/yaml.v2 resolve.go) ---- */

typedef enum { YR_STR, YR_NULL, YR_BOOL, YR_INT, YR_FLOAT, YR_MERGE, YR_TIMESTAMP } yres_t;

typedef struct {
    yres_t kind;
    bool b;
    long long i;
    double f;
    bool big_uint; /* an integer above INT64_MAX, kept in f */
} yval_t;

static bool ystr_in(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}

/* Go's strconv.ParseInt/ParseUint with base 0 on an underscore-free string. */
static bool yparse_go_int(const char *s, long long *iv, unsigned long long *uv, bool *is_unsigned)
{
    const char *p = s;
    bool neg = false;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    int base = 10;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        base = 16, p += 2;
    else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
        base = 8, p += 2;
    else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B'))
        base = 2, p += 2;
    else if (p[0] == '0' && p[1])
        base = 8, p += 1;
    if (!*p)
        return false;
    unsigned long long v = 0;
    for (; *p; p++) {
        int d;
        if (*p >= '0' && *p <= '9')
            d = *p - '0';
        else if (*p >= 'a' && *p <= 'f')
            d = *p - 'a' + 10;
        else if (*p >= 'A' && *p <= 'F')
            d = *p - 'A' + 10;
        else
            return false;
        if (d >= base)
            return false;
        if (v > (~0ULL - (unsigned)d) / (unsigned)base)
            return false;
        v = v * (unsigned)base + (unsigned)d;
    }
    if (neg) {
        if (v > (unsigned long long)INT64_MAX + 1)
            return false;
        *iv = v == (unsigned long long)INT64_MAX + 1 ? INT64_MIN : -(long long)v;
        *is_unsigned = false;
    } else if (v > (unsigned long long)INT64_MAX) {
        if (s[0] == '+') /* ParseUint takes no sign */
            return false;
        *uv = v;
        *is_unsigned = true;
    } else {
        *iv = (long long)v;
        *is_unsigned = false;
    }
    return true;
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool yaml_style_float(const char *s)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9'))
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    } else {
        if (!(*p >= '0' && *p <= '9'))
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
        if (*p == '.') {
            p++;
            while (*p >= '0' && *p <= '9')
                p++;
        }
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return *p == '\0';
}

/* Decimal float text as Go's ParseFloat accepts it here; overflow to infinity fails. */
static bool yparse_float(const char *s, double *out)
{
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (*end || end == s || isinf(d))
        return false;
    *out = d;
    return true;
}

/* yyyy-m-d, optionally followed by [Tt ] and a time: yaml.v2's timestamp shapes, used to decide
 * what must be quoted on output (upstream reads them back as strings, but quotes them). */
static bool ylooks_timestamp(const char *s)
{
    const char *p = s;
    for (int i = 0; i < 4; i++, p++)
        if (!(*p >= '0' && *p <= '9'))
            return false;
    for (int part = 0; part < 2; part++) {
        if (*p++ != '-')
            return false;
        int digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 3)
            p++, digits++;
        if (digits < 1 || digits > 2)
            return false;
    }
    return *p == '\0' || *p == 'T' || *p == 't' || *p == ' ';
}

/* Implicit resolution of a plain scalar. */
static yval_t yaml_resolve_plain(const char *in)
{
    static const char *const trues[] = {"y",    "Y",    "yes", "Yes", "YES", "true",
                                        "True", "TRUE", "on",  "On",  "ON",  NULL};
    static const char *const falses[] = {"n",     "N",     "no",  "No",  "NO",  "false",
                                         "False", "FALSE", "off", "Off", "OFF", NULL};
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
    static const char *const nans[] = {".nan", ".NaN", ".NAN", NULL};
    static const char *const pinfs[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", NULL};
    static const char *const ninfs[] = {"-.inf", "-.Inf", "-.INF", NULL};
    yval_t r = {.kind = YR_STR};
    char c = in[0];
    bool hint = c == '\0' || c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9') ||
                strchr("yYnNtTfFoO~<", c) != NULL;
    if (!hint)
        return r;
    if (ystr_in(in, trues))
        return (yval_t){.kind = YR_BOOL, .b = true};
    if (ystr_in(in, falses))
        return (yval_t){.kind = YR_BOOL, .b = false};
    if (ystr_in(in, nulls))
        return (yval_t){.kind = YR_NULL};
    if (ystr_in(in, nans))
        return (yval_t){.kind = YR_FLOAT, .f = NAN};
    if (ystr_in(in, pinfs))
        return (yval_t){.kind = YR_FLOAT, .f = INFINITY};
    if (ystr_in(in, ninfs))
        return (yval_t){.kind = YR_FLOAT, .f = -INFINITY};
    if (strcmp(in, "<<") == 0)
        return (yval_t){.kind = YR_MERGE};
    if (c == '.') {
        double d;
        if (yparse_float(in, &d) && yaml_style_float(in))
            return (yval_t){.kind = YR_FLOAT, .f = d};
        return r;
    }
    if (c == '+' || c == '-' || (c >= '0' && c <= '9')) {
        if (ylooks_timestamp(in))
            return (yval_t){.kind = YR_TIMESTAMP};
        size_t n = strlen(in);
        cleanup_free char *plain = xmalloc(n + 1);
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (in[i] != '_')
                plain[k++] = in[i];
        plain[k] = '\0';
        long long iv;
        unsigned long long uv;
        bool is_unsigned;
        if (yparse_go_int(plain, &iv, &uv, &is_unsigned)) {
            if (is_unsigned)
                return (yval_t){.kind = YR_INT, .f = (double)uv, .big_uint = true};
            return (yval_t){.kind = YR_INT, .i = iv};
        }
        double d;
        if (yaml_style_float(plain) && yparse_float(plain, &d))
            return (yval_t){.kind = YR_FLOAT, .f = d};
    }
    return r;
}

static const char *yres_short_tag(yres_t k)
{
    switch (k) {
    case YR_NULL:
        return "!!null";
    case YR_BOOL:
        return "!!bool";
    case YR_INT:
        return "!!int";
    case YR_FLOAT:
        return "!!float";
    case YR_MERGE:
        return "!!merge";
    case YR_TIMESTAMP:
        return "!!timestamp";
    default:
        return "!!str";
    }
}

/* Resolves a scalar node, honouring explicit tags as yaml.v2's resolve() does. */
static int yaml_resolve(const ynode_t *n, yval_t *out, c8s_err_t *err)
{
    *out = (yval_t){.kind = YR_STR};
    yres_t want;
    if (!n->tag) {
        if (!n->plain)
            return 0; /* quoted or block scalars are strings */
        *out = yaml_resolve_plain(n->value);
        if (out->kind == YR_TIMESTAMP)
            out->kind = YR_STR;
        return 0;
    }
    if (strncmp(n->tag, TAG_PREFIX, strlen(TAG_PREFIX)) != 0)
        return 0; /* "!", "!foo": not resolvable, kept as strings */
    const char *t = n->tag + strlen(TAG_PREFIX);
    if (strcmp(t, "null") == 0)
        want = YR_NULL;
    else if (strcmp(t, "bool") == 0)
        want = YR_BOOL;
    else if (strcmp(t, "int") == 0)
        want = YR_INT;
    else if (strcmp(t, "float") == 0)
        want = YR_FLOAT;
    else if (strcmp(t, "timestamp") == 0)
        want = YR_TIMESTAMP;
    else
        return 0; /* !!str, !!binary and the rest: strings */
    yval_t v = yaml_resolve_plain(n->value);
    if (v.kind == want) {
        *out = v;
        if (want == YR_TIMESTAMP)
            out->kind = YR_STR;
        return 0;
    }
    if (want == YR_FLOAT && v.kind == YR_INT) {
        out->kind = YR_FLOAT;
        out->f = v.big_uint ? v.f : (double)v.i;
        return 0;
    }
    return c8s_err_set(err, C8S_EBADREQUEST,
                       YAML_ERR_PREFIX "yaml: line %zu: cannot decode %s `%s` as a %s", n->line + 1,
                       yres_short_tag(v.kind), n->value, yres_short_tag(want));
}

/* A double as JSON: integral values within range become integers, as Go prints them. */
static int yaml_float_json(double f, json_t **out, c8s_err_t *err)
{
    if (isnan(f))
        return c8s_err_set(err, C8S_EBADREQUEST, YAML_ERR_PREFIX "json: unsupported value: NaN");
    if (isinf(f))
        return c8s_err_set(err, C8S_EBADREQUEST, YAML_ERR_PREFIX "json: unsupported value: %s",
                           f > 0 ? "+Inf" : "-Inf");
    if (f == floor(f) && fabs(f) < 9.2e18)
        *out = json_integer((json_int_t)f);
    else
        *out = json_real(f);
    return 0;
}

/* ---- Conversion: node graph → JSON ---- */

static int yaml_node_json(yctx_t *c, const ynode_t *n, size_t depth, json_t **out, c8s_err_t *err);

static int yaml_budget(yctx_t *c, size_t depth, size_t bytes, c8s_err_t *err)
{
    if (++c->visits > C8S_YAML_MAX_NODES || (c->bytes += bytes) > c->byte_budget)
        return c8s_err_set(err, C8S_EBADREQUEST,
                           YAML_ERR_PREFIX "yaml: document too large (aliases expand beyond %d "
                                           "nodes or the size budget)",
                           C8S_YAML_MAX_NODES);
    if (depth > C8S_YAML_MAX_DEPTH)
        return c8s_err_set(err, C8S_EBADREQUEST,
                           YAML_ERR_PREFIX "yaml: document too deeply nested (more than %d levels)",
                           C8S_YAML_MAX_DEPTH);
    return 0;
}

static int yaml_scalar_json(const ynode_t *n, json_t **out, c8s_err_t *err)
{
    yval_t v;
    int rc = yaml_resolve(n, &v, err);
    if (rc < 0)
        return rc;
    switch (v.kind) {
    case YR_NULL:
        *out = json_null();
        return 0;
    case YR_BOOL:
        *out = json_boolean(v.b);
        return 0;
    case YR_INT:
        if (v.big_uint)
            return yaml_float_json(v.f, out, err);
        *out = json_integer(v.i);
        return 0;
    case YR_FLOAT:
        return yaml_float_json(v.f, out, err);
    default:
        *out = json_stringn(n->value, n->len);
        if (!*out)
            return c8s_err_set(err, C8S_EBADREQUEST,
                               YAML_ERR_PREFIX "yaml: line %zu: invalid UTF-8 in string",
                               n->line + 1);
        return 0;
    }
}

/* The string form of a mapping key, as sigs.k8s.io/yaml converts non-string keys. */
static int yaml_key_string(const ynode_t *k, char **out, c8s_err_t *err)
{
    if (k->kind != YN_SCALAR)
        return c8s_err_set(err, C8S_EBADREQUEST,
                           YAML_ERR_PREFIX "yaml: line %zu: invalid map key: a %s", k->line + 1,
                           k->kind == YN_MAP ? "mapping" : "sequence");
    yval_t v;
    int rc = yaml_resolve(k, &v, err);
    if (rc < 0)
        return rc;
    switch (v.kind) {
    case YR_NULL:
        return c8s_err_set(err, C8S_EBADREQUEST,
                           YAML_ERR_PREFIX "yaml: line %zu: Unsupported map key of type: <nil>",
                           k->line + 1);
    case YR_BOOL:
        *out = xstrdup(v.b ? "true" : "false");
        return 0;
    case YR_INT:
        *out = v.big_uint ? xasprintf("%.0f", v.f) : xasprintf("%lld", v.i);
        return 0;
    case YR_FLOAT: {
        if (isnan(v.f)) {
            *out = xstrdup(".nan");
            return 0;
        }
        if (isinf(v.f)) {
            *out = xstrdup(v.f > 0 ? ".inf" : "-.inf");
            return 0;
        }
        /* strconv.FormatFloat(f, 'g', -1, 32): the shortest text that reads back as float32. */
        char buf[64];
        for (int prec = 1; prec <= 9; prec++) {
            snprintf(buf, sizeof(buf), "%.*g", prec, (double)(float)v.f);
            if ((float)strtod(buf, NULL) == (float)v.f)
                break;
        }
        *out = xstrdup(buf);
        return 0;
    }
    default:
        *out = xstrndup(k->value, k->len);
        return 0;
    }
}

static bool yaml_is_merge_key(const ynode_t *k)
{
    if (k->kind != YN_SCALAR || strcmp(k->value, "<<") != 0)
        return false;
    return (k->plain && !k->tag) || (k->tag && strcmp(k->tag, TAG_PREFIX "merge") == 0);
}

/* Adds the keys of a merged mapping that obj does not have yet. */
static int yaml_merge_into(yctx_t *c, json_t *obj, const ynode_t *src, size_t depth, c8s_err_t *err)
{
    if (src->kind != YN_MAP)
        return c8s_err_set(err, C8S_EBADREQUEST,
                           YAML_ERR_PREFIX "yaml: line %zu: map merge requires map or sequence "
                                           "of maps as the value",
                           src->line + 1);
    cleanup_json json_t *m = NULL;
    int rc = yaml_node_json(c, src, depth, &m, err);
    if (rc < 0)
        return rc;
    const char *k;
    json_t *v;
    json_object_foreach(m, k, v)
    {
        if (!json_object_get(obj, k))
            json_object_set(obj, k, v);
    }
    return 0;
}

static int yaml_map_json(yctx_t *c, const ynode_t *n, size_t depth, json_t **out, c8s_err_t *err)
{
    cleanup_json json_t *obj = json_object();
    /* Explicit keys first: they win over merged ones wherever the merge key appears. */
    for (size_t i = 0; i + 1 < n->n; i += 2) {
        const ynode_t *k = n->items[i];
        if (yaml_is_merge_key(k))
            continue;
        int rc = yaml_budget(c, depth + 1, 0, err);
        if (rc < 0)
            return rc;
        cleanup_free char *ks = NULL;
        rc = yaml_key_string(k, &ks, err);
        if (rc < 0)
            return rc;
        if (json_object_get(obj, ks))
            return c8s_err_set(err, C8S_EBADREQUEST,
                               YAML_ERR_PREFIX "yaml: unmarshal errors:\n  line %zu: key \"%s\" "
                                               "already set in map",
                               k->line + 1, ks);
        json_t *v = NULL;
        rc = yaml_node_json(c, n->items[i + 1], depth + 1, &v, err);
        if (rc < 0)
            return rc;
        json_object_set_new(obj, ks, v);
    }
    for (size_t i = 0; i + 1 < n->n; i += 2) {
        if (!yaml_is_merge_key(n->items[i]))
            continue;
        const ynode_t *v = n->items[i + 1];
        int rc = 0;
        if (v->kind == YN_SEQ) {
            for (size_t j = 0; j < v->n && rc == 0; j++)
                rc = yaml_merge_into(c, obj, v->items[j], depth + 1, err);
        } else {
            rc = yaml_merge_into(c, obj, v, depth + 1, err);
        }
        if (rc < 0)
            return rc;
    }
    *out = c8s_steal(&obj);
    return 0;
}

static int yaml_node_json(yctx_t *c, const ynode_t *n, size_t depth, json_t **out, c8s_err_t *err)
{
    int rc = yaml_budget(c, depth, n->kind == YN_SCALAR ? n->len : 0, err);
    if (rc < 0)
        return rc;
    if (n->kind == YN_SCALAR)
        return yaml_scalar_json(n, out, err);
    if (n->kind == YN_MAP)
        return yaml_map_json(c, n, depth, out, err);
    cleanup_json json_t *arr = json_array();
    for (size_t i = 0; i < n->n; i++) {
        json_t *v = NULL;
        rc = yaml_node_json(c, n->items[i], depth + 1, &v, err);
        if (rc < 0)
            return rc;
        json_array_append_new(arr, v);
    }
    *out = c8s_steal(&arr);
    return 0;
}

/* Reads the next document into *out (NULL at the end of the stream). */
static int yaml_next_doc(yctx_t *c, json_t **out, c8s_err_t *err)
{
    *out = NULL;
    yaml_event_t ev;
    int rc = yaml_next(c, &ev, err);
    if (rc < 0)
        return rc;
    if (ev.type == YAML_STREAM_START_EVENT) {
        yaml_event_delete(&ev);
        if ((rc = yaml_next(c, &ev, err)) < 0)
            return rc;
    }
    if (ev.type == YAML_STREAM_END_EVENT) {
        yaml_event_delete(&ev);
        return 0;
    }
    if (ev.type != YAML_DOCUMENT_START_EVENT) {
        yaml_event_delete(&ev);
        return c8s_err_set(err, C8S_EBADREQUEST, YAML_ERR_PREFIX "yaml: expected a document");
    }
    yaml_event_delete(&ev);
    if ((rc = yaml_next(c, &ev, err)) < 0)
        return rc;
    ynode_t *root = NULL;
    rc = yaml_compose(c, &ev, 0, &root, err);
    if (rc == 0) {
        c->visits = 0;
        c->bytes = 0;
        rc = yaml_node_json(c, root, 0, out, err);
    }
    yctx_reset_doc(c);
    if (rc < 0)
        return rc;
    if ((rc = yaml_next(c, &ev, err)) < 0) { /* DOCUMENT-END */
        json_decref(*out);
        *out = NULL;
        return rc;
    }
    yaml_event_delete(&ev);
    return 0;
}

static void yctx_init(yctx_t *c, const char *buf, size_t len)
{
    memset(c, 0, sizeof(*c));
    yaml_parser_initialize(&c->parser);
    yaml_parser_set_input_string(&c->parser, (const unsigned char *)buf, len);
    c->byte_budget = YAML_MAX_EXPANDED_BYTES + len;
}

static void yctx_done(yctx_t *c)
{
    yctx_reset_doc(c);
    yaml_parser_delete(&c->parser);
}

int yaml_to_json(const char *buf, size_t len, json_t **out, c8s_err_t *err)
{
    yctx_t c;
    yctx_init(&c, buf, len);
    json_t *doc = NULL;
    int rc = yaml_next_doc(&c, &doc, err);
    yctx_done(&c);
    if (rc < 0)
        return rc;
    *out = doc ? doc : json_null();
    return 0;
}

int yaml_docs_to_json(const char *buf, size_t len, json_t **out_array, c8s_err_t *err)
{
    yctx_t c;
    yctx_init(&c, buf, len);
    cleanup_json json_t *arr = json_array();
    int rc;
    for (;;) {
        json_t *doc = NULL;
        rc = yaml_next_doc(&c, &doc, err);
        if (rc < 0 || !doc)
            break;
        if (json_is_null(doc))
            json_decref(doc);
        else
            json_array_append_new(arr, doc);
    }
    yctx_done(&c);
    if (rc < 0)
        return rc;
    *out_array = c8s_steal(&arr);
    return 0;
}

/* ---- Emission: JSON → YAML ---- */

typedef struct {
    char *s;
    size_t len, cap;
} ybuf_t;

static int yaml_write_cb(void *data, unsigned char *bytes, size_t size)
{
    ybuf_t *b = data;
    if (b->len + size + 1 > b->cap) {
        b->cap = (b->len + size + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, bytes, size);
    b->len += size;
    b->s[b->len] = '\0';
    return 1;
}

/* yaml.v2 quotes "1:20"-style base 60 floats for other parsers' sake. */
static bool ylooks_base60(const char *s)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    if (!(*p >= '0' && *p <= '9'))
        return false;
    bool colon = false;
    for (; *p && *p != '.'; p++) {
        if (*p == ':')
            colon = true;
        else if (!((*p >= '0' && *p <= '9') || *p == '_'))
            return false;
    }
    return colon;
}

static int yaml_emit_scalar(yaml_emitter_t *e, const char *s, size_t len, yaml_scalar_style_t style)
{
    yaml_event_t ev;
    yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)len, 1, 1, style);
    return yaml_emitter_emit(e, &ev) ? 0 : -1;
}

static int yaml_emit_string(yaml_emitter_t *e, const char *s, size_t len)
{
    yaml_scalar_style_t style = YAML_PLAIN_SCALAR_STYLE;
    if (memchr(s, '\n', len)) {
        style = YAML_LITERAL_SCALAR_STYLE;
    } else if (strlen(s) != len) {
        style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    } else {
        yval_t v = yaml_resolve_plain(s);
        if (v.kind != YR_STR || ylooks_base60(s))
            style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    }
    return yaml_emit_scalar(e, s, len, style);
}

static int yaml_emit_value(yaml_emitter_t *e, const json_t *v)
{
    yaml_event_t ev;
    char buf[64];
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
                                            json_object_size(v) ? YAML_BLOCK_MAPPING_STYLE
                                                                : YAML_FLOW_MAPPING_STYLE);
        if (!yaml_emitter_emit(e, &ev))
            return -1;
        const char *k;
        json_t *child;
        json_object_foreach((json_t *)v, k, child)
        {
            if (yaml_emit_string(e, k, strlen(k)) < 0 || yaml_emit_value(e, child) < 0)
                return -1;
        }
        yaml_mapping_end_event_initialize(&ev);
        return yaml_emitter_emit(e, &ev) ? 0 : -1;
    }
    case JSON_ARRAY: {
        yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
                                             json_array_size(v) ? YAML_BLOCK_SEQUENCE_STYLE
                                                                : YAML_FLOW_SEQUENCE_STYLE);
        if (!yaml_emitter_emit(e, &ev))
            return -1;
        size_t i;
        json_t *child;
        json_array_foreach(v, i, child)
        {
            if (yaml_emit_value(e, child) < 0)
                return -1;
        }
        yaml_sequence_end_event_initialize(&ev);
        return yaml_emitter_emit(e, &ev) ? 0 : -1;
    }
    case JSON_STRING:
        return yaml_emit_string(e, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return yaml_emit_scalar(e, buf, strlen(buf), YAML_PLAIN_SCALAR_STYLE);
    case JSON_REAL: {
        /* The shortest text that reads back as the same double (Go's 'g', -1). */
        double d = json_real_value(v);
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(buf, sizeof(buf), "%.*g", prec, d);
            if (strtod(buf, NULL) == d)
                break;
        }
        return yaml_emit_scalar(e, buf, strlen(buf), YAML_PLAIN_SCALAR_STYLE);
    }
    case JSON_TRUE:
        return yaml_emit_scalar(e, "true", 4, YAML_PLAIN_SCALAR_STYLE);
    case JSON_FALSE:
        return yaml_emit_scalar(e, "false", 5, YAML_PLAIN_SCALAR_STYLE);
    default:
        return yaml_emit_scalar(e, "null", 4, YAML_PLAIN_SCALAR_STYLE);
    }
}

int json_to_yaml(const json_t *v, char **out, size_t *out_len, c8s_err_t *err)
{
    yaml_emitter_t e;
    yaml_event_t ev;
    ybuf_t b = {0};
    yaml_emitter_initialize(&e);
    yaml_emitter_set_output(&e, yaml_write_cb, &b);
    yaml_emitter_set_unicode(&e, 1);
    int ok = 1;
    yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
    ok = ok && yaml_emitter_emit(&e, &ev);
    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
    ok = ok && yaml_emitter_emit(&e, &ev);
    ok = ok && yaml_emit_value(&e, v ? v : json_null()) == 0;
    yaml_document_end_event_initialize(&ev, 1);
    ok = ok && yaml_emitter_emit(&e, &ev);
    yaml_stream_end_event_initialize(&ev);
    ok = ok && yaml_emitter_emit(&e, &ev);
    if (!ok) {
        int rc = c8s_err_set(err, C8S_EINTERNAL, "emitting YAML: %s",
                             e.problem ? e.problem : "unknown problem");
        yaml_emitter_delete(&e);
        free(b.s);
        return rc;
    }
    yaml_emitter_delete(&e);
    if (!b.s)
        b.s = xstrdup("");
    *out = b.s;
    if (out_len)
        *out_len = b.len;
    return 0;
}
