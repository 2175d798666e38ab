/* test_yaml.c — YAML to JSON with yaml.v2's resolution, errors with lines, bombs, round trips. */
#include "c8s/yaml.h"
#include "test.h"

#include <time.h>

static json_t *J(const char *s)
{
    json_t *v = json_loads(s, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (!v)
        fprintf(stderr, "bad test JSON: %s\n", s);
    return v;
}

/* YAML text and the JSON it must give (compared structurally). */
static const struct {
    const char *yaml;
    const char *json;
} conv_cases[] = {
    {"", "null"},
    {"# only a comment\n", "null"},
    {"a: 1", "{\"a\":1}"},
    {"a: true\nb: false\nc: yes\nd: No\ne: ON\nf: off\ng: y\nh: N\ni: TRUE\nj: False",
     "{\"a\":true,\"b\":false,\"c\":true,\"d\":false,\"e\":true,\"f\":false,\"g\":true,\"h\":false,"
     "\"i\":true,\"j\":false}"},
    {"a: tRue\nb: yES\nc: oN", "{\"a\":\"tRue\",\"b\":\"yES\",\"c\":\"oN\"}"},
    {"a: null\nb: ~\nc:\nd: Null\ne: NULL\nf: nULL",
     "{\"a\":null,\"b\":null,\"c\":null,\"d\":null,\"e\":null,\"f\":\"nULL\"}"},
    {"a: 12\nb: -7\nc: +3\nd: 0x1F\ne: 0o17\nf: 017\ng: 0b101\nh: 1_000\ni: 08\nj: -0x10",
     "{\"a\":12,\"b\":-7,\"c\":3,\"d\":31,\"e\":15,\"f\":15,\"g\":5,\"h\":1000,\"i\":8,\"j\":-16}"},
    {"a: 1.5\nb: .5\nc: 1e3\nd: -2.5e-1\ne: 1.0\nf: 1e400\ng: 0x\nh: 1.2.3",
     "{\"a\":1.5,\"b\":0.5,\"c\":1000,\"d\":-0.25,\"e\":1,\"f\":\"1e400\",\"g\":\"0x\",\"h\":"
     "\"1.2.3\"}"},
    {"a: \"123\"\nb: 'true'\nc: \"null\"\nd: ''\ne: \"\"",
     "{\"a\":\"123\",\"b\":\"true\",\"c\":\"null\",\"d\":\"\",\"e\":\"\"}"},
    {"a: !!str 123\nb: !!int \"42\"\nc: !!float 3\nd: !!bool yes\ne: !!null ''\nf: !custom 5",
     "{\"a\":\"123\",\"b\":42,\"c\":3,\"d\":true,\"e\":null,\"f\":\"5\"}"},
    {"date: 2001-12-14\nts: 2001-12-14T21:59:43.10-05:00\nver: 1.20\nimg: nginx:1.25",
     "{\"date\":\"2001-12-14\",\"ts\":\"2001-12-14T21:59:43.10-05:00\",\"ver\":1.2,\"img\":"
     "\"nginx:1.25\"}"},
    {"1: a\ntrue: b\n1.5: c\n0x10: d", "{\"1\":\"a\",\"true\":\"b\",\"1.5\":\"c\",\"16\":\"d\"}"},
    {"s: |\n  line1\n  line2\nf: >\n  folded\n  text\n",
     "{\"s\":\"line1\\nline2\\n\",\"f\":\"folded text\\n\"}"},
    {"- a\n- [1, 2]\n- {x: z}\n- []\n- {}", "[\"a\",[1,2],{\"x\":\"z\"},[],{}]"},
    {"y: n\nx: y", "{\"true\":false,\"x\":true}"},
    {"base: &b\n  x: 1\n  z: 2\nderived:\n  <<: *b\n  z: 3\nlist: [*b]",
     "{\"base\":{\"x\":1,\"z\":2},\"derived\":{\"z\":3,\"x\":1},\"list\":[{\"x\":1,\"z\":2}]}"},
    {"a: &a {p: 1}\nb: &b {p: 2, q: 2}\nc:\n  <<: [*a, *b]\n  r: 3",
     "{\"a\":{\"p\":1},\"b\":{\"p\":2,\"q\":2},\"c\":{\"r\":3,\"p\":1,\"q\":2}}"},
    {"big: 18446744073709551615", "{\"big\":1.8446744073709552e19}"},
    {"weird: <<", "{\"weird\":\"<<\"}"},
    {"---\na: 1\n---\nb: 2\n", "{\"a\":1}"},
    {"k: \"\\u00e9t\\u00e9\"", "{\"k\":\"\\u00e9t\\u00e9\"}"},
};

static const char deployment[] = "apiVersion: apps/v1\n"
                                 "kind: Deployment\n"
                                 "metadata:\n"
                                 "  name: web\n"
                                 "  labels:\n"
                                 "    app: web\n"
                                 "spec:\n"
                                 "  replicas: 3\n"
                                 "  selector:\n"
                                 "    matchLabels:\n"
                                 "      app: web\n"
                                 "  template:\n"
                                 "    metadata:\n"
                                 "      labels:\n"
                                 "        app: web\n"
                                 "    spec:\n"
                                 "      containers:\n"
                                 "      - name: nginx\n"
                                 "        image: nginx:1.25\n"
                                 "        args: [\"--port\", \"8080\"]\n"
                                 "        ports:\n"
                                 "        - containerPort: 80\n"
                                 "          protocol: TCP\n"
                                 "        env:\n"
                                 "        - name: DEBUG\n"
                                 "          value: \"true\"\n"
                                 "        resources:\n"
                                 "          limits: {cpu: 500m, memory: 128Mi}\n";

static const char deployment_json[] =
    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\","
    "\"labels\":{\"app\":\"web\"}},\"spec\":{\"replicas\":3,\"selector\":{\"matchLabels\":{"
    "\"app\":\"web\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{"
    "\"containers\":[{\"name\":\"nginx\",\"image\":\"nginx:1.25\",\"args\":[\"--port\",\"8080\"],"
    "\"ports\":[{\"containerPort\":80,\"protocol\":\"TCP\"}],\"env\":[{\"name\":\"DEBUG\","
    "\"value\":\"true\"}],\"resources\":{\"limits\":{\"cpu\":\"500m\",\"memory\":\"128Mi\"}}}]}}}"
    "}";

/* Malformed or refused YAML and a substring of the message. */
static const struct {
    const char *yaml;
    const char *msg;
} bad_cases[] = {
    {"a: b\nc: d\ne: f: g\n",
     "error converting YAML to JSON: yaml: line 3: mapping values are not allowed in this "
     "context"},
    {"a: [1, 2\n", "yaml: line 1: did not find expected ',' or ']'"},
    {"a: \"unterminated\n", "found unexpected end of stream"},
    {"a: 1\na: 2\n", "yaml: unmarshal errors:\n  line 2: key \"a\" already set in map"},
    {"x:\n  a: 1\n  b: 2\n  a: 3\n", "line 4: key \"a\" already set in map"},
    {"1: a\n\"1\": b\n", "key \"1\" already set in map"},
    {"a: *nope\n", "yaml: line 1: unknown anchor 'nope' referenced"},
    {"a: .inf\n", "json: unsupported value: +Inf"},
    {"a: -.Inf\n", "json: unsupported value: -Inf"},
    {"a: .nan\n", "json: unsupported value: NaN"},
    {"a: !!int abc\n", "cannot decode !!str `abc` as a !!int"},
    {"a: !!bool 1\n", "cannot decode !!int `1` as a !!bool"},
    {"~: a\n", "Unsupported map key"},
    {"[a]: b\n", "invalid map key"},
    {"a:\n  <<: 5\n", "map merge requires map"},
    {"\t- a\n", "yaml: "},
};

static void check_conv(void)
{
    for (size_t i = 0; i < C8S_ARRAY_SIZE(conv_cases); i++) {
        json_t *got = NULL;
        c8s_err_t err = C8S_ERR_INIT;
        int rc = yaml_to_json(conv_cases[i].yaml, strlen(conv_cases[i].yaml), &got, &err);
        CHECK_MSG(rc == 0, "case %zu: %s", i, err.msg);
        if (rc)
            continue;
        json_t *want = J(conv_cases[i].json);
        char *g = json_dumps(got, JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
        CHECK_MSG(json_equal(got, want), "case %zu: got %s want %s", i, g, conv_cases[i].json);
        free(g);
        json_decref(want);
        json_decref(got);
    }
    /* Floats stay floats when not integral; integers are JSON integers. */
    json_t *v = NULL;
    CHECK_INT(yaml_to_json("a: 1.5\nb: 2", 11, &v, NULL), 0);
    CHECK(json_is_real(json_object_get(v, "a")));
    CHECK(json_is_integer(json_object_get(v, "b")));
    json_decref(v);

    c8s_err_t err = C8S_ERR_INIT;
    CHECK_INT(yaml_to_json(deployment, strlen(deployment), &v, &err), 0);
    json_t *want = J(deployment_json);
    CHECK(json_equal(v, want));
    /* Keys keep the document's order. */
    const char *first = NULL;
    const char *k;
    json_t *child;
    json_object_foreach(v, k, child)
    {
        if (!first)
            first = k;
    }
    CHECK_STR(first, "apiVersion");
    json_decref(want);
    json_decref(v);
}

static void check_bad(void)
{
    for (size_t i = 0; i < C8S_ARRAY_SIZE(bad_cases); i++) {
        json_t *got = NULL;
        c8s_err_t err = C8S_ERR_INIT;
        int rc = yaml_to_json(bad_cases[i].yaml, strlen(bad_cases[i].yaml), &got, &err);
        CHECK_MSG(rc == C8S_EBADREQUEST, "case %zu parsed", i);
        CHECK_MSG(strstr(err.msg, bad_cases[i].msg) != NULL, "case %zu: got: %s", i, err.msg);
        CHECK(got == NULL);
        json_decref(got);
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void check_bombs(void)
{
    static const char laughs[] =
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
        "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
        "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
        "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
        "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
        "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
    double t0 = now_s();
    json_t *got = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    CHECK_INT(yaml_to_json(laughs, strlen(laughs), &got, &err), C8S_EBADREQUEST);
    CHECK_MSG(strstr(err.msg, "document too large") != NULL, "got: %s", err.msg);
    /* Not a timing figure: expanding the aliases would take hours; refusing them takes well
     * under a second, so a bound far above that (this machine is shared and may be loaded)
     * still tells the two apart. */
    CHECK_MSG(now_s() - t0 < 60.0, "billion laughs took %.1fs", now_s() - t0);

    /* Deep nesting, directly and through aliases. */
    size_t depth = 5000;
    char *deep = xmalloc(2 * depth + 1);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    deep[2 * depth] = '\0';
    CHECK_INT(yaml_to_json(deep, 2 * depth, &got, &err), C8S_EBADREQUEST);
    CHECK_MSG(strstr(err.msg, "too deeply nested") != NULL, "got: %s", err.msg);
    free(deep);

    /* A self-referencing anchor is refused. */
    CHECK_INT(yaml_to_json("a: &x [*x]", 10, &got, &err), C8S_EBADREQUEST);
    CHECK_MSG(strstr(err.msg, "contains itself") != NULL, "got: %s", err.msg);

    /* Moderate nesting is fine. */
    CHECK_INT(yaml_to_json("[[[[[[[[[[1]]]]]]]]]]", 21, &got, &err), 0);
    json_decref(got);
}

static void check_docs(void)
{
    static const char stream[] = "# leading comment\n"
                                 "---\n"
                                 "apiVersion: v1\n"
                                 "kind: Namespace\n"
                                 "metadata: {name: a}\n"
                                 "---\n"
                                 "---\n"
                                 "# empty\n"
                                 "---\n"
                                 "apiVersion: v1\n"
                                 "kind: ConfigMap\n"
                                 "data: {k: \"1\"}\n"
                                 "...\n"
                                 "---\n"
                                 "null\n";
    json_t *arr = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    CHECK_INT(yaml_docs_to_json(stream, strlen(stream), &arr, &err), 0);
    CHECK_INT(json_array_size(arr), 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(arr, 0), "kind")), "Namespace");
    CHECK_STR(json_string_value(json_object_get(json_array_get(arr, 1), "kind")), "ConfigMap");
    json_decref(arr);

    CHECK_INT(yaml_docs_to_json("", 0, &arr, &err), 0);
    CHECK_INT(json_array_size(arr), 0);
    json_decref(arr);

    static const char broken[] = "a: 1\n---\nb: [\n";
    arr = NULL;
    CHECK_INT(yaml_docs_to_json(broken, strlen(broken), &arr, &err), C8S_EBADREQUEST);
    CHECK(arr == NULL);
    /* yaml_to_json reads only the first document, as yaml.v2's Unmarshal. */
    json_t *v = NULL;
    CHECK_INT(yaml_to_json(broken, strlen(broken), &v, &err), 0);
    json_decref(v);
}

static void roundtrip(const char *json_text)
{
    json_t *v = J(json_text);
    char *y = NULL;
    size_t ylen = 0;
    c8s_err_t err = C8S_ERR_INIT;
    CHECK_INT(json_to_yaml(v, &y, &ylen, &err), 0);
    json_t *back = NULL;
    CHECK_INT(yaml_to_json(y, ylen, &back, &err), 0);
    char *b = json_dumps(back, JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
    CHECK_MSG(json_equal(v, back), "round trip of %s\nyaml:\n%s\nback: %s (%s)", json_text, y, b,
              err.msg);
    free(b);
    free(y);
    json_decref(back);
    json_decref(v);
}

static void check_emit(void)
{
    static const char *const trips[] = {
        deployment_json,
        "{\"s\":[\"true\",\"false\",\"yes\",\"no\",\"on\",\"off\",\"y\",\"N\",\"null\",\"~\",\"\","
        "\"123\",\"-1\",\"0x1F\",\"017\",\"1.5\",\"1e3\",\".5\",\".inf\",\".nan\",\"<<\","
        "\"1:20\",\"2001-12-14\",\"2024-01-01T00:00:00Z\"]}",
        "{\"special\":[\"a: b\",\"- x\",\"#c\",\"&a\",\"*a\",\"!t\",\"%p\",\"@x\",\"`x\",\"{x}\","
        "\"[x]\",\" lead\",\"trail \",\"x #y\",\"'q'\",\"\\\"dq\\\"\",\"a,b\",\"?\",\"|\",\">\","
        "\"tab\\there\",\"nul\\u0000byte\",\"\\u00e9t\\u00e9 \\u2603\"]}",
        "{\"multi\":\"line1\\nline2\\n\",\"nofinal\":\"a\\nb\",\"trailing\":\"a\\n\\n\","
        "\"spaces\":\"  indented\\nx\",\"trailsp\":\"x  \\ny\"}",
        "{\"n\":[0,-5,9223372036854775807,1.5,-0.25,1e-7,3.14159],\"b\":[true,false],\"z\":null}",
        "{\"empty\":{},\"arr\":[],\"nested\":[[1,[2,[]]],{\"a\":{}}],\"k:ey\":1,\"123\":\"num "
        "key\",\"true\":\"bool key\",\"\":\"empty key\"}",
        "[]",
        "\"just a string\"",
        "42",
        "null",
        "{\"long\":\"aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee ffffffffff gggggggggg "
        "hhhhhhhhhh iiiiiiiiii jjjjjjjjjj\"}",
    };
    for (size_t i = 0; i < C8S_ARRAY_SIZE(trips); i++)
        roundtrip(trips[i]);

    /* The shape kubectl prints. */
    json_t *v = J("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\","
                  "\"labels\":{\"on\":\"true\"},\"creationTimestamp\":\"2024-01-01T00:00:00Z\"},"
                  "\"spec\":{\"containers\":[{\"name\":\"c\",\"args\":[\"a\",\"123\"]}],"
                  "\"script\":\"echo hi\\necho bye\\n\",\"tolerations\":[],\"x\":{},\"port\":80,"
                  "\"ratio\":0.5,\"empty\":\"\"}}");
    char *y = NULL;
    CHECK_INT(json_to_yaml(v, &y, NULL, NULL), 0);
    static const char want[] = "apiVersion: v1\n"
                               "kind: Pod\n"
                               "metadata:\n"
                               "  name: p\n"
                               "  labels:\n"
                               "    \"on\": \"true\"\n"
                               "  creationTimestamp: \"2024-01-01T00:00:00Z\"\n"
                               "spec:\n"
                               "  containers:\n"
                               "  - name: c\n"
                               "    args:\n"
                               "    - a\n"
                               "    - \"123\"\n"
                               "  script: |\n"
                               "    echo hi\n"
                               "    echo bye\n"
                               "  tolerations: []\n"
                               "  x: {}\n"
                               "  port: 80\n"
                               "  ratio: 0.5\n"
                               "  empty: \"\"\n";
    CHECK_STR(y, want);
    free(y);
    json_decref(v);
}

int main(void)
{
    check_conv();
    check_bad();
    check_bombs();
    check_docs();
    check_emit();
    TEST_END();
}
