/*
 * test_jscan.c — the in-place JSON walker: members, elements, strings, integers and skipped
 * values of well-formed text, and a refusal (bad set) for every malformed or unexpected input,
 * since its callers fall back to jansson only when it says so.
 */
#include "test.h"

#include "c8s/jscan.h"

#include <string.h>

static void test_walk(void)
{
    const char *t = " { \"a\" : \"x\\\\y\", \"b\":[1, {\"c\":\"d\"}, \"e\\\"f\"],\"n\":\"-42\","
                    "\"m\": 7 , \"t\":true,\"z\":{}} ";
    jscan_t j;
    jscan_init(&j, t, strlen(t));
    REQUIRE_VOID(jscan_enter(&j, '{'));
    const char *k, *s;
    size_t kl, sl;
    int64_t v = 0;
    REQUIRE_VOID(jscan_member(&j, &k, &kl));
    CHECK(kl == 1 && k[0] == 'a');
    /* An escaped string is refused by jscan_string, but skipped fine. */
    jscan_t copy = j;
    CHECK(!jscan_string(&copy, &s, &sl) && copy.bad);
    REQUIRE_VOID(jscan_skip(&j, &s, &sl));
    CHECK(sl == 6 && memcmp(s, "\"x\\\\y\"", 6) == 0);
    REQUIRE_VOID(jscan_member(&j, &k, &kl));
    CHECK(kl == 1 && k[0] == 'b');
    REQUIRE_VOID(jscan_skip(&j, &s, &sl));
    CHECK(sl == strlen("[1, {\"c\":\"d\"}, \"e\\\"f\"]"));
    REQUIRE_VOID(jscan_member(&j, &k, &kl));
    CHECK(jscan_int(&j, &v) && v == -42);
    REQUIRE_VOID(jscan_member(&j, &k, &kl));
    CHECK(jscan_int(&j, &v) && v == 7);
    REQUIRE_VOID(jscan_member(&j, &k, &kl));
    CHECK(kl == 1 && k[0] == 't');
    copy = j;
    CHECK(!jscan_int(&copy, &v) && copy.bad);
    REQUIRE_VOID(jscan_skip(&j, &s, &sl));
    CHECK(sl == 4);
    REQUIRE_VOID(jscan_member(&j, &k, &kl));
    REQUIRE_VOID(jscan_enter(&j, '{'));
    CHECK(!jscan_member(&j, &k, &kl) && !j.bad); /* {} */
    CHECK(!jscan_member(&j, &k, &kl) && !j.bad); /* the outer object's end */
    CHECK(jscan_done(&j));
}

static void test_array(void)
{
    const char *t = "[\"a\",\"bc\" ,[]]";
    jscan_t j;
    jscan_init(&j, t, strlen(t));
    const char *s;
    size_t n;
    REQUIRE_VOID(jscan_enter(&j, '['));
    REQUIRE_VOID(jscan_element(&j));
    CHECK(jscan_string(&j, &s, &n) && n == 1 && *s == 'a');
    REQUIRE_VOID(jscan_element(&j));
    CHECK(jscan_string(&j, &s, &n) && n == 2 && memcmp(s, "bc", 2) == 0);
    REQUIRE_VOID(jscan_element(&j));
    REQUIRE_VOID(jscan_enter(&j, '['));
    CHECK(!jscan_element(&j) && !j.bad);
    CHECK(!jscan_element(&j) && !j.bad);
    CHECK(jscan_done(&j));
}

/* Each of these must end with bad set, wherever the walk meets the fault. */
static bool walk_all(const char *t)
{
    jscan_t j;
    jscan_init(&j, t, strlen(t));
    if (!jscan_enter(&j, '{'))
        return j.bad;
    const char *k;
    size_t kl;
    while (jscan_member(&j, &k, &kl))
        if (!jscan_skip(&j, NULL, NULL))
            break;
    return j.bad || !jscan_done(&j);
}

static void test_malformed(void)
{
    static const char *const bad[] = {
        "",
        "[]",
        "{\"a\":[1 2]}",
        "{\"a\":{\"b\" 1}}",
        "{\"a\":{1:2}}",
        "{\"a\":[1,]}",
        "{\"a\":{\"b\":1,}}",
        "{\"a\":{\"b\":1]}",
        "{",
        "{\"a\"}",
        "{\"a\":}",
        "{\"a\":1,}",
        "{,\"a\":1}",
        "{\"a\":1 \"b\":2}",
        "{\"a\":\"x}",
        "{\"a\":[1,2}",
        "{\"a\":{]}",
        "{\"a\":1}}",
        "{\"a\":1} x",
        "{\"a\\u0062\":1}",
        "{\"a\":@}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_MSG(walk_all(bad[i]), "accepted: %s", bad[i]);
    CHECK(!walk_all("{\"a\":1,\"b\":[{},[]],\"c\":null}"));
    /* Integers: fractions, exponents, overflow and empty strings are refused. */
    static const char *const ints[] = {"1.5", "1e3",  "\"\"", "\"12x\"", "99999999999999999999",
                                       "-",   "\"-\""};
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        jscan_t j;
        int64_t v;
        jscan_init(&j, ints[i], strlen(ints[i]));
        CHECK_MSG(!jscan_int(&j, &v) && j.bad, "accepted int: %s", ints[i]);
    }
    /* Nesting deeper than any object is refused, not recursed into. */
    char deep[1000];
    memset(deep, '[', sizeof(deep) - 1);
    deep[sizeof(deep) - 1] = '\0';
    jscan_t j;
    jscan_init(&j, deep, strlen(deep));
    CHECK(!jscan_skip(&j, NULL, NULL) && j.bad);
}

int main(void)
{
    test_walk();
    test_array();
    test_malformed();
    TEST_END();
}
