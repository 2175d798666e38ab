/*
 * util.c — shared helpers of the object model: field errors worded as upstream's field.Error
 * bodies ("Required value", "Invalid value: \"x\": ..."), tolerant JSON getters, defaulting
 * setters with Go's zero-value semantics, quantities and a local label-selector matcher.
 */
#include "internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

const char *api__path(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    return buf;
}

/* Renders a value as upstream's %v/%q would for the types we meet: strings quoted. */
static char *render(const json_t *v)
{
    if (!v)
        return xstrdup("null");
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    return s ? s : xstrdup("null");
}

void api__required(c8s_err_t *err, const char *field, const char *detail)
{
    if (detail && *detail)
        c8s_err_add_cause(err, "FieldValueRequired", field, "Required value: %s", detail);
    else
        c8s_err_add_cause(err, "FieldValueRequired", field, "Required value");
}

void api__invalid(c8s_err_t *err, const char *field, const json_t *value, const char *detail)
{
    cleanup_free char *v = render(value);
    if (detail && *detail)
        c8s_err_add_cause(err, "FieldValueInvalid", field, "Invalid value: %s: %s", v, detail);
    else
        c8s_err_add_cause(err, "FieldValueInvalid", field, "Invalid value: %s", v);
}

void api__invalid_str(c8s_err_t *err, const char *field, const char *value, const char *detail)
{
    cleanup_json json_t *v = json_string(value ? value : "");
    api__invalid(err, field, v, detail);
}

void api__invalid_int(c8s_err_t *err, const char *field, long long value, const char *detail)
{
    cleanup_json json_t *v = json_integer(value);
    api__invalid(err, field, v, detail);
}

void api__not_supported(c8s_err_t *err, const char *field, const char *value,
                        const char *const *supported)
{
    char list[C8S_ERR_MSG_MAX] = "";
    size_t off = 0;
    for (const char *const *s = supported; s && *s && off < sizeof(list); s++)
        off += (size_t)snprintf(list + off, sizeof(list) - off, "%s\"%s\"",
                                s == supported ? "" : ", ", *s);
    cleanup_json json_t *v = json_string(value ? value : "");
    cleanup_free char *r = render(v);
    c8s_err_add_cause(err, "FieldValueNotSupported", field,
                      "Unsupported value: %s: supported values: %s", r, list);
}

void api__duplicate(c8s_err_t *err, const char *field, const char *value)
{
    cleanup_json json_t *v = json_string(value ? value : "");
    cleanup_free char *r = render(v);
    c8s_err_add_cause(err, "FieldValueDuplicate", field, "Duplicate value: %s", r);
}

void api__forbidden(c8s_err_t *err, const char *field, const char *detail)
{
    c8s_err_add_cause(err, "FieldValueForbidden", field, "Forbidden: %s", detail);
}

void api__too_long(c8s_err_t *err, const char *field, long long max)
{
    c8s_err_add_cause(err, "FieldValueTooLong", field, "Too long: may not be more than %lld bytes",
                      max);
}

void api__too_many(c8s_err_t *err, const char *field, long long n, long long max)
{
    c8s_err_add_cause(err, "FieldValueTooMany", field,
                      "Too many: %lld: must have at most %lld items", n, max);
}

void api__not_found(c8s_err_t *err, const char *field, const char *value)
{
    cleanup_json json_t *v = json_string(value ? value : "");
    cleanup_free char *r = render(v);
    c8s_err_add_cause(err, "FieldValueNotFound", field, "Not found: %s", r);
}

json_t *api__obj(const json_t *o, const char *key)
{
    json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
    return json_is_object(v) ? v : NULL;
}

json_t *api__arr(const json_t *o, const char *key)
{
    json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
    return json_is_array(v) ? v : NULL;
}

const char *api__str(const json_t *o, const char *key)
{
    json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

bool api__int(const json_t *o, const char *key, long long *out)
{
    json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
    if (!json_is_integer(v))
        return false;
    *out = json_integer_value(v);
    return true;
}

json_t *api__ensure_obj(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (json_is_object(v))
        return v;
    v = json_object();
    json_object_set_new(o, key, v);
    return v;
}

void api__default_str(json_t *o, const char *key, const char *val)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v)))
        json_object_set_new(o, key, json_string(val));
}

void api__default_int(json_t *o, const char *key, long long val, bool zero_unset)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v) || (zero_unset && json_is_integer(v) && !json_integer_value(v)))
        json_object_set_new(o, key, json_integer(val));
}

void api__default_bool(json_t *o, const char *key, bool val)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        json_object_set_new(o, key, json_boolean(val));
}

bool api__in(const char *s, const char *const *set)
{
    for (; s && set && *set; set++)
        if (!strcmp(s, *set))
            return true;
    return false;
}

void api__check_enum(c8s_err_t *err, const json_t *o, const char *key, const char *field,
                     const char *const *supported, bool required)
{
    const char *v = api__str(o, key);
    if (!v || !*v) {
        if (required)
            api__required(err, field, NULL);
        return;
    }
    if (!api__in(v, supported))
        api__not_supported(err, field, v, supported);
}

void api__check_min(c8s_err_t *err, const json_t *o, const char *key, const char *field,
                    long long min)
{
    long long v;
    if (api__int(o, key, &v) && v < min) {
        char detail[64];
        snprintf(detail, sizeof(detail), "must be greater than or equal to %lld", min);
        api__invalid_int(err, field, v, detail);
    }
}

void api__check_labels(c8s_err_t *err, const json_t *labels, const char *field)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)labels, k, v)
    {
        const char *msg = api_check_qualified_name(k);
        if (msg)
            api__invalid_str(err, field, k, msg);
        const char *s = json_is_string(v) ? json_string_value(v) : NULL;
        if (!s)
            api__invalid(err, field, v, "must be a string");
        else if ((msg = api_check_label_value(s)))
            api__invalid_str(err, field, s, msg);
    }
}

static const char *const selector_ops[] = {"In", "NotIn", "Exists", "DoesNotExist", NULL};

void api__check_label_selector(c8s_err_t *err, const json_t *sel, const char *field)
{
    char p[API_PATH_MAX];
    json_t *ml = api__obj(sel, "matchLabels");
    if (ml)
        api__check_labels(err, ml, api__path(p, sizeof(p), "%s.matchLabels", field));
    json_t *exprs = api__arr(sel, "matchExpressions");
    size_t i;
    json_t *e;
    json_array_foreach(exprs, i, e)
    {
        char base[API_PATH_MAX];
        api__path(base, sizeof(base), "%s.matchExpressions[%zu]", field, i);
        const char *key = api__str(e, "key");
        const char *msg;
        if (!key || !*key)
            api__required(err, api__path(p, sizeof(p), "%s.key", base), NULL);
        else if ((msg = api_check_qualified_name(key)))
            api__invalid_str(err, api__path(p, sizeof(p), "%s.key", base), key, msg);
        api__check_enum(err, e, "operator", api__path(p, sizeof(p), "%s.operator", base),
                        selector_ops, true);
        const char *op = api__str(e, "operator");
        size_t nvals = json_array_size(api__arr(e, "values"));
        if (op && (!strcmp(op, "In") || !strcmp(op, "NotIn")) && nvals == 0)
            api__required(err, api__path(p, sizeof(p), "%s.values", base),
                          "must be specified when `operator` is 'In' or 'NotIn'");
        if (op && (!strcmp(op, "Exists") || !strcmp(op, "DoesNotExist")) && nvals > 0)
            api__forbidden(err, api__path(p, sizeof(p), "%s.values", base),
                           "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
    }
}

bool api__map_selector_matches(const json_t *selector, const json_t *labels)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)selector, k, v)
    {
        const char *have = api__str(labels, k);
        if (!have || !json_is_string(v) || strcmp(have, json_string_value(v)))
            return false;
    }
    return true;
}

static bool values_contain(const json_t *values, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(values, i,
                       v) if (json_is_string(v) && !strcmp(json_string_value(v), s)) return true;
    return false;
}

bool api__selector_matches(const json_t *selector, const json_t *labels)
{
    json_t *ml = api__obj(selector, "matchLabels");
    if (ml && !api__map_selector_matches(ml, labels))
        return false;
    size_t i;
    json_t *e;
    json_array_foreach(api__arr(selector, "matchExpressions"), i, e)
    {
        const char *key = api__str(e, "key"), *op = api__str(e, "operator");
        if (!key || !op)
            return false;
        const char *have = api__str(labels, key);
        json_t *values = api__arr(e, "values");
        if (!strcmp(op, "In")) {
            if (!have || !values_contain(values, have))
                return false;
        } else if (!strcmp(op, "NotIn")) {
            if (have && values_contain(values, have))
                return false;
        } else if (!strcmp(op, "Exists")) {
            if (!have)
                return false;
        } else if (!strcmp(op, "DoesNotExist")) {
            if (have)
                return false;
        } else {
            return false;
        }
    }
    return true;
}

/* The syntax of upstream's resource.Quantity: a signed decimal number, then one of the binary
 * (Ki..Ei), decimal (n, u, m, k, M..E) suffixes, or a decimal exponent (e3, E-2). */
static int quantity_parse(const char *s, long double *out)
{
    const char *p = s;
    int sign = 1;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    long double num = 0, frac = 0.1L;
    bool digits = false, dot = false;
    for (; isdigit((unsigned char)*p) || *p == '.'; p++) {
        if (*p == '.') {
            if (dot)
                return -1;
            dot = true;
            continue;
        }
        digits = true;
        if (dot) {
            num += (*p - '0') * frac;
            frac /= 10;
        } else {
            num = num * 10 + (*p - '0');
        }
    }
    if (!digits)
        return -1;
    static const struct {
        const char *suffix;
        long double mult;
    } suffixes[] = {
        {"", 1},
        {"Ki", 1024.0L},
        {"Mi", 1048576.0L},
        {"Gi", 1073741824.0L},
        {"Ti", 1099511627776.0L},
        {"Pi", 1125899906842624.0L},
        {"Ei", 1152921504606846976.0L},
        {"n", 1e-9L},
        {"u", 1e-6L},
        {"m", 1e-3L},
        {"k", 1e3L},
        {"M", 1e6L},
        {"G", 1e9L},
        {"T", 1e12L},
        {"P", 1e15L},
        {"E", 1e18L},
    };
    for (size_t i = 0; i < C8S_ARRAY_SIZE(suffixes); i++) {
        if (!strcmp(p, suffixes[i].suffix)) {
            *out = sign * num * suffixes[i].mult;
            return 0;
        }
    }
    if (*p == 'e' || *p == 'E') {
        const char *q = p + 1;
        if (*q == '+' || *q == '-')
            q++;
        if (!isdigit((unsigned char)*q))
            return -1;
        for (const char *r = q; *r; r++)
            if (!isdigit((unsigned char)*r))
                return -1;
        long exp = strtol(p + 1, NULL, 10);
        if (exp > 4000 || exp < -4000)
            return -1;
        *out = sign * num * powl(10.0L, (long double)exp);
        return 0;
    }
    return -1;
}

int api__quantity(const json_t *v, long double *out)
{
    if (json_is_integer(v)) {
        *out = (long double)json_integer_value(v);
        return 0;
    }
    if (json_is_real(v)) {
        *out = (long double)json_real_value(v);
        return 0;
    }
    if (json_is_string(v))
        return quantity_parse(json_string_value(v), out);
    return -1;
}

void api__check_resource_list(c8s_err_t *err, const json_t *list, const char *field)
{
    const char *k;
    json_t *v;
    char p[API_PATH_MAX];
    json_object_foreach((json_t *)list, k, v)
    {
        long double q;
        api__path(p, sizeof(p), "%s[%s]", field, k);
        const char *msg = api_check_qualified_name(k);
        if (msg)
            api__invalid_str(err, p, k, msg);
        if (api__quantity(v, &q) < 0)
            api__invalid(err, p, v,
                         "quantities must match the regular expression "
                         "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
        else if (q < 0)
            api__invalid(err, p, v, "must be greater than or equal to 0");
    }
}

void api__check_immutable(c8s_err_t *err, const json_t *nv, const json_t *ov, const char *field)
{
    if (json_is_null(nv))
        nv = NULL;
    if (json_is_null(ov))
        ov = NULL;
    if (!nv && !ov)
        return;
    if (nv && ov && json_equal((json_t *)nv, (json_t *)ov))
        return;
    api__invalid(err, field, nv, "field is immutable");
}
