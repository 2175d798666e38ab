/* test_quantity.c — resource.Quantity parsing, rounding, comparison and canonical form. */
#include "c8s/quantity.h"
#include "test.h"

#include <math.h>

static const struct {
    const char *in;
    int64_t milli;
    int64_t value;
    const char *canon;
} ok_cases[] = {
    {"0", 0, 0, "0"},
    {"0m", 0, 0, "0"},
    {"-0", 0, 0, "0"},
    {"100m", 100, 1, "100m"},
    {"1", 1000, 1, "1"},
    {"1500m", 1500, 2, "1500m"},
    {"1.5", 1500, 2, "1500m"},
    {".5", 500, 1, "500m"},
    {"5.", 5000, 5, "5"},
    {"+2", 2000, 2, "2"},
    {"-1.5", -1500, -2, "-1500m"},
    {"1000", 1000000, 1000, "1k"},
    {"1k", 1000000, 1000, "1k"},
    {"1.5k", 1500000, 1500, "1500"},
    {"1M", 1000000000LL, 1000000, "1M"},
    {"2G", 2000000000000LL, 2000000000LL, "2G"},
    {"1T", 1000000000000000LL, 1000000000000LL, "1T"},
    {"3P", 3000000000000000000LL, 3000000000000000LL, "3P"},
    {"128Mi", 134217728000LL, 134217728LL, "128Mi"},
    {"1Gi", 1073741824000LL, 1073741824LL, "1Gi"},
    {"1024Mi", 1073741824000LL, 1073741824LL, "1Gi"},
    {"1Ki", 1024000, 1024, "1Ki"},
    {"1536Ki", 1572864000LL, 1572864, "1536Ki"},
    {"1.5Gi", 1610612736000LL, 1610612736LL, "1536Mi"},
    {"0.5Ki", 512000, 512, "512"},
    {"0.1Gi", 107374182400LL, 107374183LL, "107374182400m"},
    {"1e3", 1000000, 1000, "1e3"},
    {"1E3", 1000000, 1000, "1e3"},
    {"1e-3", 1, 1, "1e-3"},
    {"1.5e3", 1500000, 1500, "1500"},
    {"15e2", 1500000, 1500, "1500"},
    {"1e+3", 1000000, 1000, "1e3"},
    {"1n", 1, 1, "1m"},
    {"1u", 1, 1, "1m"},
    {"1500u", 2, 1, "2m"},
    {"-1n", -1, -1, "-1m"},
    {"0.0001", 1, 1, "1m"},
    {"1e-999", 1, 1, "1e-3"},
    {"0.000000001", 1, 1, "1m"},
    {"00012", 12000, 12, "12"},
    {"12.000", 12000, 12, "12"},
    {"9223372036854775807m", INT64_MAX, 9223372036854776LL, "9223372036854775807m"},
    {"1.", 1000, 1, "1"},
};

static const struct {
    const char *in;
    const char *msg;
} bad_cases[] = {
    {"", "quantities must match the regular expression"},
    {" 1", "quantities must match the regular expression"},
    {"1 ", "quantities must match the regular expression"},
    {"abc", "quantities must match the regular expression"},
    {"1.5.5", "quantities must match the regular expression"},
    {"1Mi1", "unable to parse quantity's suffix"},
    {"--1", "quantities must match the regular expression"},
    {"1K", "unable to parse quantity's suffix"},
    {"1e", "unable to parse quantity's suffix"},
    {"1mm", "unable to parse quantity's suffix"},
    {"1KiB", "quantities must match the regular expression"},
    {"+", "quantities must match the regular expression"},
    {".", "quantities must match the regular expression"},
    {"1e99999999999", "unable to parse quantity's suffix"},
    {"1E", "quantity too large"},
    {"10P", "quantity too large"},
    {"9223372036854775808m", "quantity too large"},
    {"16Ei", "quantity too large"},
    {"1e20", "quantity too large"},
    {"99999999999999999999999999", "quantity too large"},
};

static void check_json(json_t *v, int64_t want_milli, int want_rc)
{
    quantity_t q;
    c8s_err_t err = C8S_ERR_INIT;
    int rc = quantity_parse_json(v, &q, &err);
    CHECK_INT(rc, want_rc);
    if (rc == 0)
        CHECK_INT(q.milli, want_milli);
    json_decref(v);
    c8s_err_clear(&err);
}

int main(void)
{
    char buf[64];
    for (size_t i = 0; i < C8S_ARRAY_SIZE(ok_cases); i++) {
        quantity_t q;
        c8s_err_t err = C8S_ERR_INIT;
        int rc = quantity_parse(ok_cases[i].in, &q, &err);
        CHECK_MSG(rc == 0, "%s: %s", ok_cases[i].in, err.msg);
        if (rc != 0)
            continue;
        CHECK_MSG(quantity_milli(&q) == ok_cases[i].milli, "%s: milli %lld want %lld",
                  ok_cases[i].in, (long long)q.milli, (long long)ok_cases[i].milli);
        CHECK_MSG(quantity_value(&q) == ok_cases[i].value, "%s: value %lld want %lld",
                  ok_cases[i].in, (long long)quantity_value(&q), (long long)ok_cases[i].value);
        CHECK_STR(quantity_format(&q, buf, sizeof(buf)), ok_cases[i].canon);
        /* The canonical form parses back to the same value. */
        quantity_t q2;
        CHECK_INT(quantity_parse(buf, &q2, &err), 0);
        CHECK_INT(quantity_cmp(&q, &q2), 0);
    }
    for (size_t i = 0; i < C8S_ARRAY_SIZE(bad_cases); i++) {
        quantity_t q;
        c8s_err_t err = C8S_ERR_INIT;
        int rc = quantity_parse(bad_cases[i].in, &q, &err);
        CHECK_MSG(rc == C8S_EINVALID, "\"%s\" parsed", bad_cases[i].in);
        CHECK_MSG(strstr(err.msg, bad_cases[i].msg) != NULL, "\"%s\": %s", bad_cases[i].in,
                  err.msg);
    }
    {
        c8s_err_t err = C8S_ERR_INIT;
        quantity_t q;
        quantity_parse("x", &q, &err);
        CHECK_STR(err.msg, "quantities must match the regular expression "
                           "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    }

    /* Comparison across formats. */
    static const struct {
        const char *a, *b;
        int cmp;
    } cmp_cases[] = {
        {"1", "1000m", 0},         {"1Ki", "1024", 0}, {"1k", "1Ki", -1}, {"500m", "0.5", 0},
        {"2", "1999m", 1},         {"-1", "1", -1},    {"1Gi", "1G", 1},  {"1e3", "1k", 0},
        {"100Mi", "104857600", 0}, {"0", "-0.0", 0},
    };
    for (size_t i = 0; i < C8S_ARRAY_SIZE(cmp_cases); i++) {
        quantity_t a, b;
        CHECK_INT(quantity_parse(cmp_cases[i].a, &a, NULL), 0);
        CHECK_INT(quantity_parse(cmp_cases[i].b, &b, NULL), 0);
        CHECK_MSG(quantity_cmp(&a, &b) == cmp_cases[i].cmp, "%s vs %s", cmp_cases[i].a,
                  cmp_cases[i].b);
        CHECK_INT(quantity_cmp(&b, &a), -cmp_cases[i].cmp);
    }

    /* JSON values: strings (trimmed as upstream's UnmarshalJSON), integers, reals. */
    check_json(json_string(" 250m "), 250, 0);
    check_json(json_string("2Gi"), 2147483648000LL, 0);
    check_json(json_integer(3), 3000, 0);
    check_json(json_real(0.1), 100, 0);
    check_json(json_real(1.5), 1500, 0);
    check_json(json_real(1e-7), 1, 0);
    check_json(json_string("nope"), 0, C8S_EINVALID);
    check_json(json_true(), 0, C8S_EINVALID);
    check_json(json_integer(INT64_MAX), 0, C8S_EINVALID);
    TEST_END();
}
