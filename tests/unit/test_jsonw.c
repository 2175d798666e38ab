/*
 * test_jsonw.c — jsonw_dump writes exactly what json_dumps(v, JSON_COMPACT) writes, and
 * jsonr_loadb builds exactly the tree json_loadb builds: on fixed documents (escapes, UTF-8,
 * reals, empty containers, insertion order, duplicates) and on a few thousand random trees;
 * both fail where jansson fails, jsonr_loadb with jansson's own error.
 */
#include "test.h"

#include "c8s/jsonr.h"
#include "c8s/jsonw.h"

#include "c8s/base.h"

#include <stdlib.h>
#include <string.h>

/* jsonr_loadb and json_loadb agree on text: the same tree (compared as dumped, which keeps
 * order and tells integers from reals), or both NULL with the same error. */
static int same_parse(const char *text, size_t len, size_t flags)
{
    json_error_t e1, e2;
    json_t *want = json_loadb(text, len, flags, &e1);
    json_t *got = jsonr_loadb(text, len, flags, &e2);
    int ok;
    if (!want || !got) {
        ok = !want && !got && strcmp(e1.text, e2.text) == 0 && e1.position == e2.position;
    } else {
        char *a = json_dumps(want, JSON_COMPACT | JSON_ENCODE_ANY);
        char *b = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY);
        ok = a && b && strcmp(a, b) == 0 && json_equal(want, got);
        free(a);
        free(b);
    }
    if (!ok)
        fprintf(stderr, "parse differs on: %.*s\n", (int)len, text);
    json_decref(want);
    json_decref(got);
    return ok;
}

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
        if (!strstr(docs[i], "u0000"))
            CHECK(same_parse(docs[i], strlen(docs[i]), JSON_DECODE_ANY));
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

/* Text jansson refuses or treats specially: jsonr_loadb must give the same answer. */
static void test_parse_edges(void)
{
    static const char *const docs[] = {
        "",
        "   ",
        "{",
        "{\"a\":1,}",
        "[1,]",
        "{\"a\" 1}",
        "{\"a\":1}x",
        "{\"a\":1} ",
        " \t\r\n{\"a\" : [ 1 , 2 ] }\n",
        "{\"a\":1,\"a\":2,\"b\":3}",
        "{\"a\":01}",
        "{\"a\":-}",
        "{\"a\":1.}",
        "{\"a\":.5}",
        "{\"a\":1e}",
        "{\"a\":-0}",
        "{\"a\":-0.0}",
        "{\"a\":1E+2}",
        "{\"a\":9223372036854775808}",
        "{\"a\":-9223372036854775809}",
        "{\"a\":1e400}",
        "{\"a\":1e-400}",
        "{\"a\":123456789012345678901234567890123456789012345678901234567890123456789.5}",
        "{\"a\":tru}",
        "{\"a\":truex}",
        "{\"a\":nul}",
        "{\"a\":\"\\u0000\"}",
        "{\"a\":\"\\ud800\"}",
        "{\"a\":\"\\udc00\"}",
        "{\"a\":\"\\ud83d\\ude00\"}",
        "{\"a\":\"\\u00e9\\u20AC\"}",
        "{\"a\":\"\\x\"}",
        "{\"a\":\"\\u12\"}",
        "{\"a\":\"tab\there\"}",
        "{\"a\":\"\xff\"}",
        "{\"a\":\"\xc3\xa9\"}",
        "{\"\\u00e9\":1}",
        "{\"k\\u0000\":1}",
        "\"top\"",
        "42",
        "[\"a\",{\"b\":[true,false,null]}]",
    };
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        CHECK_MSG(same_parse(docs[i], strlen(docs[i]), 0), "%s", docs[i]);
        CHECK_MSG(same_parse(docs[i], strlen(docs[i]), JSON_DECODE_ANY), "%s", docs[i]);
        CHECK_MSG(same_parse(docs[i], strlen(docs[i]), JSON_REJECT_DUPLICATES), "%s", docs[i]);
    }
    /* Nesting: deep but allowed, and past jansson's limit. */
    for (int depth = 600; depth <= 2100; depth += 1500) {
        char *t = xmalloc((size_t)depth * 2 + 1);
        memset(t, '[', (size_t)depth);
        memset(t + depth, ']', (size_t)depth);
        t[depth * 2] = '\0';
        CHECK(same_parse(t, strlen(t), 0));
        free(t);
    }
}

static void test_parse_random(void)
{
    int bad = 0;
    for (int i = 0; i < 3000; i++) {
        json_t *v = random_value(0);
        char *t = json_dumps(v, JSON_ENCODE_ANY | (i % 2 ? JSON_COMPACT : JSON_INDENT(2)));
        if (!t || !same_parse(t, strlen(t), JSON_DECODE_ANY))
            bad++;
        free(t);
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
    test_parse_edges();
    test_parse_random();
    TEST_END();
}
