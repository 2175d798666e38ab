/*
 * test_jsonw.c — jsonw_dump writes exactly what json_dumps(v, JSON_COMPACT) writes: on fixed
 * documents (escapes, UTF-8, reals, empty containers, insertion order) and on a few thousand
 * random trees; and it fails where jansson fails (a string that is not UTF-8).
 */
#include "test.h"

#include "c8s/jsonw.h"

#include <stdlib.h>
#include <string.h>

static int same(const json_t *v)
{
    char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    size_t len = 0;
    char *got = jsonw_dump(v, &len);
    int ok = want && got && strcmp(want, got) == 0 && len == strlen(want);
    if (!ok)
        fprintf(stderr, "want %s\ngot  %s\n", want ? want : "(null)", got ? got : "(null)");
    free(want);
    free(got);
    return ok;
}

static void test_fixed(void)
{
    static const char *const docs[] = {
        "{}",
        "[]",
        "{\"a\":[],\"b\":{},\"c\":null,\"d\":true,\"e\":false}",
        "{\"z\":1,\"a\":2,\"m\":3}",
        "{\"s\":\"quote \\\" backslash \\\\ slash / tab \\t nl \\n cr \\r bs \\b ff \\f\"}",
        "{\"c\":\"\\u0001\\u001f\\u007f x\"}",
        "{\"u\":\"caf\\u00e9 \\u2028 \\ud83d\\ude00 日本\"}",
        "{\"n\":[0,-1,9223372036854775807,-9223372036854775808]}",
        "{\"r\":[0.5,1.0,-2.25,1e300,3.141592653589793,1e-7,100.0]}",
        "{\"key\":\"v\\u0000al\"}",
        "[[[[[[[[[[\"deep\"]]]]]]]]]]",
        "\"just a string\"",
        "42",
    };
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        json_error_t e;
        json_t *v = json_loads(docs[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
        CHECK_MSG(v != NULL, "%s: %s", docs[i], e.text);
        if (v)
            CHECK_MSG(same(v), "%s", docs[i]);
        json_decref(v);
    }
}

static unsigned rnd_state = 12345;
static unsigned rnd(void)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 16) & 0x7fff;
}

static json_t *random_string(void)
{
    static const char *const pieces[] = {"a",    "Z", "\"", "\\", "/", "\n", "\x01", "\x1f",
                                         "\x7f", "é", "€",  "😀",  " ", "{",  "}",    "0"};
    char buf[256];
    size_t n = 0, k = rnd() % 20;
    for (size_t i = 0; i < k; i++) {
        const char *p = pieces[rnd() % (sizeof(pieces) / sizeof(pieces[0]))];
        size_t l = strlen(p);
        memcpy(buf + n, p, l);
        n += l;
    }
    return json_stringn(buf, n);
}

static json_t *random_value(int depth)
{
    switch (depth > 4 ? rnd() % 5 : rnd() % 7) {
    case 0:
        return random_string();
    case 1:
        return json_integer((json_int_t)rnd() * (rnd() % 2 ? -1 : 1) * (json_int_t)rnd());
    case 2:
        return json_real((double)rnd() / 7.0 * (rnd() % 2 ? 1e10 : 1e-3));
    case 3:
        return rnd() % 2 ? json_true() : json_false();
    case 4:
        return json_null();
    case 5: {
        json_t *o = json_object();
        for (unsigned i = rnd() % 6; i > 0; i--) {
            json_t *k = random_string();
            json_object_set_new(o, json_string_value(k), random_value(depth + 1));
            json_decref(k);
        }
        return o;
    }
    default: {
        json_t *a = json_array();
        for (unsigned i = rnd() % 6; i > 0; i--)
            json_array_append_new(a, random_value(depth + 1));
        return a;
    }
    }
}

static void test_random(void)
{
    int bad = 0;
    for (int i = 0; i < 3000; i++) {
        json_t *v = random_value(0);
        if (!same(v))
            bad++;
        json_decref(v);
    }
    CHECK_INT(bad, 0);
}

static void test_invalid_utf8(void)
{
    static const char *const bad[] = {"\xff", "a\xc3", "\xc0\xaf", "\xed\xa0\x80",
                                      "\xf5\x80\x80\x80"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *o = json_object();
        json_object_set_new(o, "s", json_string_nocheck(bad[i]));
        char *want = json_dumps(o, JSON_COMPACT);
        char *got = jsonw_dump(o, NULL);
        CHECK_MSG(want == NULL && got == NULL, "case %zu", i);
        free(want);
        free(got);
        json_decref(o);
    }
}

int main(void)
{
    test_fixed();
    test_random();
    test_invalid_utf8();
    TEST_END();
}
