/*
 * quantity.c — Kubernetes resource.Quantity parsing, comparison and canonical formatting.
 *
 * Parsing follows apimachinery's parseQuantityString: an optional sign, decimal digits with an
 * optional '.', then a suffix (SI, binary SI, or a decimal exponent). The value is computed
 * exactly in decimal and rounded away from zero to a whole milli-unit, as upstream rounds to
 * its precision with inf.RoundUp. Formatting follows Quantity.String(): the mantissa with its
 * exponent reduced to a multiple of three (or of 1024 for binary inputs that stay exact).
 */
#include "c8s/quantity.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define QTY_ERR_FORMAT                                                                             \
    "quantities must match the regular expression "                                                \
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
#define QTY_ERR_SUFFIX "unable to parse quantity's suffix"

static const struct {
    const char *suffix;
    quantity_format_t format;
    int exp10; /* decimal exponent for DECIMAL_SI */
    int exp2;  /* binary exponent for BINARY_SI */
} qty_suffixes[] = {
    {"n", QUANTITY_DECIMAL_SI, -9, 0}, {"u", QUANTITY_DECIMAL_SI, -6, 0},
    {"m", QUANTITY_DECIMAL_SI, -3, 0}, {"", QUANTITY_DECIMAL_SI, 0, 0},
    {"k", QUANTITY_DECIMAL_SI, 3, 0},  {"M", QUANTITY_DECIMAL_SI, 6, 0},
    {"G", QUANTITY_DECIMAL_SI, 9, 0},  {"T", QUANTITY_DECIMAL_SI, 12, 0},
    {"P", QUANTITY_DECIMAL_SI, 15, 0}, {"E", QUANTITY_DECIMAL_SI, 18, 0},
    {"Ki", QUANTITY_BINARY_SI, 0, 10}, {"Mi", QUANTITY_BINARY_SI, 0, 20},
    {"Gi", QUANTITY_BINARY_SI, 0, 30}, {"Ti", QUANTITY_BINARY_SI, 0, 40},
    {"Pi", QUANTITY_BINARY_SI, 0, 50}, {"Ei", QUANTITY_BINARY_SI, 0, 60},
};

static bool qty_isdigit(char c)
{
    return c >= '0' && c <= '9';
}

/* Interprets the suffix: sets format and the decimal / binary exponents. */
static int qty_suffix(const char *suf, quantity_format_t *format, long *exp10, int *exp2)
{
    for (size_t i = 0; i < C8S_ARRAY_SIZE(qty_suffixes); i++) {
        if (strcmp(suf, qty_suffixes[i].suffix) == 0) {
            *format = qty_suffixes[i].format;
            *exp10 = qty_suffixes[i].exp10;
            *exp2 = qty_suffixes[i].exp2;
            return 0;
        }
    }
    /* A decimal exponent: e or E then a signed int32, as strconv.ParseInt(s, 10, 32). */
    if ((suf[0] == 'e' || suf[0] == 'E') && suf[1]) {
        const char *p = suf + 1;
        bool neg = false;
        if (*p == '+' || *p == '-')
            neg = *p++ == '-';
        if (!*p)
            return -1;
        long v = 0;
        for (; *p; p++) {
            if (!qty_isdigit(*p))
                return -1;
            v = v * 10 + (*p - '0');
            if (v > 2147483648L)
                return -1;
        }
        if (!neg && v > 2147483647L)
            return -1;
        *format = QUANTITY_DECIMAL_EXP;
        *exp10 = neg ? -v : v;
        *exp2 = 0;
        return 0;
    }
    return -1;
}

/* Multiplies the decimal digit string digits[0..*n) (most significant first) by 2. */
static void qty_double(char *digits, size_t *n)
{
    int carry = 0;
    for (size_t i = *n; i-- > 0;) {
        int d = (digits[i] - '0') * 2 + carry;
        digits[i] = (char)('0' + d % 10);
        carry = d / 10;
    }
    if (carry) {
        memmove(digits + 1, digits, *n);
        digits[0] = (char)('0' + carry);
        (*n)++;
    }
}

int quantity_parse(const char *s, quantity_t *out, c8s_err_t *err)
{
    if (!s || !*s)
        return c8s_err_set(err, C8S_EINVALID, QTY_ERR_FORMAT);
    const char *p = s;
    bool neg = false;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';

    const char *int_start = p;
    while (qty_isdigit(*p))
        p++;
    const char *int_end = p;
    const char *frac_start = p, *frac_end = p;
    if (*p == '.') {
        frac_start = ++p;
        while (qty_isdigit(*p))
            p++;
        frac_end = p;
    }
    if (int_end == int_start && frac_end == frac_start)
        return c8s_err_set(err, C8S_EINVALID, QTY_ERR_FORMAT);

    /* The suffix must have upstream's shape: letters from the set, optional sign, digits. */
    const char *suf = p;
    while (*p && strchr("eEinumkKMGTP", *p))
        p++;
    if (*p == '+' || *p == '-')
        p++;
    while (qty_isdigit(*p))
        p++;
    if (*p)
        return c8s_err_set(err, C8S_EINVALID, QTY_ERR_FORMAT);

    quantity_format_t format;
    long exp10;
    int exp2;
    if (qty_suffix(suf, &format, &exp10, &exp2) < 0)
        return c8s_err_set(err, C8S_EINVALID, QTY_ERR_SUFFIX);

    /* Significant digits: integer part without leading zeros, fraction without trailing ones. */
    while (int_start < int_end && *int_start == '0')
        int_start++;
    while (frac_end > frac_start && frac_end[-1] == '0')
        frac_end--;
    size_t ni = (size_t)(int_end - int_start), nf = (size_t)(frac_end - frac_start);
    size_t n = ni + nf;
    /* Room for the doublings of a binary suffix (2^60 < 10^19). */
    cleanup_free char *digits = xmalloc(n + 24);
    memcpy(digits, int_start, ni);
    memcpy(digits + ni, frac_start, nf);
    size_t lead = 0;
    while (lead < n && digits[lead] == '0')
        lead++;
    memmove(digits, digits + lead, n - lead);
    n -= lead;
    out->format = format;
    if (n == 0) {
        out->milli = 0;
        return 0;
    }
    for (int i = 0; i < exp2; i++)
        qty_double(digits, &n);

    /* value = digits * 10^e, with e counted in milli-units. */
    long e = exp10 + 3 - (long)nf;
    if (e > 0 && (long)n + e > 19)
        return c8s_err_set(err, C8S_EINVALID, "quantity too large: %s", s);
    size_t keep; /* digits forming the integer milli value */
    bool round_up = false;
    if (e >= 0) {
        keep = n;
    } else if ((long)n + e <= 0) {
        keep = 0;
        round_up = true; /* non-zero digits all below a milli-unit */
    } else {
        keep = (size_t)((long)n + e);
        for (size_t i = keep; i < n; i++)
            if (digits[i] != '0')
                round_up = true;
    }
    if ((long)keep + (e > 0 ? e : 0) > 19)
        return c8s_err_set(err, C8S_EINVALID, "quantity too large: %s", s);
    uint64_t v = 0;
    for (size_t i = 0; i < keep; i++)
        v = v * 10 + (uint64_t)(digits[i] - '0');
    for (long i = 0; i < e; i++)
        v *= 10;
    /* 19 digits fit in uint64; the int64 bound is checked here. */
    if (round_up)
        v++;
    if (v > (uint64_t)INT64_MAX)
        return c8s_err_set(err, C8S_EINVALID, "quantity too large: %s", s);
    out->milli = neg ? -(int64_t)v : (int64_t)v;
    return 0;
}

int quantity_parse_json(const json_t *v, quantity_t *out, c8s_err_t *err)
{
    if (json_is_string(v)) {
        /* Upstream's UnmarshalJSON trims surrounding whitespace. */
        const char *s = json_string_value(v);
        size_t len = json_string_length(v);
        if (strlen(s) != len)
            return c8s_err_set(err, C8S_EINVALID, QTY_ERR_FORMAT);
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
            s++, len--;
        while (len && strchr(" \t\n\r", s[len - 1]))
            len--;
        cleanup_free char *t = xstrndup(s, len);
        return quantity_parse(t, out, err);
    }
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i > INT64_MAX / 1000 || i < -(INT64_MAX / 1000))
            return c8s_err_set(err, C8S_EINVALID, "quantity too large: %" JSON_INTEGER_FORMAT, i);
        out->milli = (int64_t)i * 1000;
        out->format = QUANTITY_DECIMAL_SI;
        return 0;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!isfinite(d))
            return c8s_err_set(err, C8S_EINVALID, QTY_ERR_FORMAT);
        /* The shortest text that reads back as d, as the JSON on the wire most likely had. */
        char buf[64];
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(buf, sizeof(buf), "%.*g", prec, d);
            if (strtod(buf, NULL) == d)
                break;
        }
        /* "%g" writes "e+21"/"e-05": upstream's suffix grammar accepts both signs. */
        return quantity_parse(buf, out, err);
    }
    return c8s_err_set(err, C8S_EINVALID, "quantity must be a string or a number");
}

int64_t quantity_milli(const quantity_t *q)
{
    return q->milli;
}

int64_t quantity_value(const quantity_t *q)
{
    int64_t v = q->milli / 1000;
    if (q->milli % 1000 > 0)
        v++;
    else if (q->milli % 1000 < 0)
        v--;
    return v;
}

int quantity_cmp(const quantity_t *a, const quantity_t *b)
{
    return a->milli < b->milli ? -1 : a->milli > b->milli ? 1 : 0;
}

char *quantity_format(const quantity_t *q, char *buf, size_t len)
{
    int64_t m = q->milli;
    if (m == 0) {
        snprintf(buf, len, "0");
        return buf;
    }
    quantity_format_t format = q->format;
    /* Binary only for whole values of at least 1Ki in magnitude; otherwise decimal. */
    if (format == QUANTITY_BINARY_SI && (m % 1000 != 0 || (m > -1024000 && m < 1024000)))
        format = QUANTITY_DECIMAL_SI;

    if (format == QUANTITY_BINARY_SI) {
        int64_t v = m / 1000;
        int exp = 0;
        while (exp < 6 && v % 1024 == 0) {
            v /= 1024;
            exp++;
        }
        static const char *const bin[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
        snprintf(buf, len, "%" PRId64 "%s", v, bin[exp]);
        return buf;
    }

    int64_t v = m;
    int exp = -3;
    while (v % 10 == 0) {
        v /= 10;
        exp++;
    }
    /* Back to a multiple of three; this never exceeds the original magnitude. */
    while (((exp % 3) + 3) % 3 != 0) {
        v *= 10;
        exp--;
    }
    if (format == QUANTITY_DECIMAL_EXP) {
        if (exp == 0)
            snprintf(buf, len, "%" PRId64, v);
        else
            snprintf(buf, len, "%" PRId64 "e%d", v, exp);
        return buf;
    }
    static const char *const dec[] = {"m", "", "k", "M", "G", "T", "P", "E"};
    snprintf(buf, len, "%" PRId64 "%s", v, dec[(exp + 3) / 3]);
    return buf;
}
