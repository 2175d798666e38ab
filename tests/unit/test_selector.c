/* test_selector.c — label selector parsing, matching and canonical form; field selectors. */
#include "c8s/selector.h"
#include "test.h"

/* Parse ok: input and canonical String(). */
static const struct {
    const char *in;
    const char *canon;
} parse_ok[] = {
    {"", ""},
    {"   ", ""},
    {"a=b", "a=b"},
    {"a==b", "a==b"},
    {"a!=b", "a!=b"},
    {"x=a,y=b,z=c", "x=a,y=b,z=c"},
    {"z=c,x=a,y=b", "x=a,y=b,z=c"},
    {"x = a , y != b", "x=a,y!=b"},
    {"x in (b,a)", "x in (a,b)"},
    {"x in(a)", "x in (a)"},
    {"x notin (a, b ,c)", "x notin (a,b,c)"},
    {"x in (a,a,b)", "x in (a,b)"},
    {"x in (,a)", "x in (,a)"},
    {"x in (a,)", "x in (,a)"},
    {"x in (a,,b)", "x in (,a,b)"},
    {"x", "x"},
    {"!x", "!x"},
    {"! x", "!x"},
    {"x,!y", "x,!y"},
    {"x=", "x="},
    {"x=,z= ", "x=,z="},
    {"x>1", "x>1"},
    {"x<10", "x<10"},
    {"in=notin", "in=notin"},
    {"example.com/app=web", "example.com/app=web"},
    {"app.kubernetes.io/name in (nginx)", "app.kubernetes.io/name in (nginx)"},
    {"x=a_b-c.d", "x=a_b-c.d"},
    {"environment in (production, qa),tier notin (frontend)",
     "environment in (production,qa),tier notin (frontend)"},
};

static const struct {
    const char *in;
    const char *msg;
} parse_bad[] = {
    {"x=a b", "found 'b', expected: ',' or 'end of string'"},
    {"x in a", "unable to parse requirement: found 'a', expected:'('"},
    {"x in (a b)", "found 'b', expected: ',' or ')'"},
    {"x in ()", "values set can't be empty"},
    {"x in (a", "found '', expected: ',' or ')'"},
    {"x IN (a)", "unable to parse requirement: found 'IN', expected: in, notin, =, ==, !=, gt, lt"},
    {"=a", "found '=', expected: !, identifier, or 'end of string'"},
    {"x=a,", "found '', expected: identifier after ','"},
    {",x", "found ',', expected: !, identifier, or 'end of string'"},
    {"x>a", "for 'Gt', 'Lt' operators, the value must be an integer"},
    {"x>", "for 'Gt', 'Lt' operators, the value must be an integer"},
    {"x=(a)", "found '(', expected: identifier"},
    {"!x=a", "found '=', expected: ',' or 'end of string'"},
    {"a:b=c", "unable to parse requirement: <nil>: Invalid value: \"a:b\": name part must consist"},
    {"-x=a", "name part must consist"},
    {"Example.com/x=a", "prefix part a lowercase RFC 1123 subdomain"},
    {"/x=a", "prefix part must be non-empty"},
    {"a/b/c=d", "a qualified name must consist"},
    {"a/=b", "name part must be non-empty"},
    {"x=-a", "values[0]: Invalid value: \"-a\": a valid label must be an empty string"},
    {"x=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "must be no more than 63 characters"},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "name part must be no more than 63 characters"},
    {"!", "found '', expected: identifier"},
};

/* Matching: selector, labels JSON, expected. */
static const struct {
    const char *sel;
    const char *labels;
    bool match;
} match_cases[] = {
    {"", "{}", true},
    {"", "null", true},
    {"a=b", "{\"a\":\"b\"}", true},
    {"a=b", "{\"a\":\"c\"}", false},
    {"a=b", "{}", false},
    {"a==b", "{\"a\":\"b\",\"c\":\"d\"}", true},
    {"a!=b", "{}", true},
    {"a!=b", "{\"a\":\"b\"}", false},
    {"a!=b", "{\"a\":\"c\"}", true},
    {"a in (x,y)", "{\"a\":\"y\"}", true},
    {"a in (x,y)", "{\"a\":\"z\"}", false},
    {"a in (x,y)", "{}", false},
    {"a notin (x,y)", "{}", true},
    {"a notin (x,y)", "{\"a\":\"x\"}", false},
    {"a notin (x,y)", "{\"a\":\"z\"}", true},
    {"a", "{\"a\":\"\"}", true},
    {"a", "{\"b\":\"\"}", false},
    {"!a", "{\"b\":\"\"}", true},
    {"!a", "{\"a\":\"x\"}", false},
    {"a=", "{\"a\":\"\"}", true},
    {"a=", "{}", false},
    {"a>5", "{\"a\":\"6\"}", true},
    {"a>5", "{\"a\":\"5\"}", false},
    {"a>5", "{\"a\":\"x\"}", false},
    {"a>5", "{}", false},
    {"a<5", "{\"a\":\"4\"}", true},
    {"a<5", "{\"a\":\"-4\"}", true},
    {"a<5", "{\"a\":\"40\"}", false},
    {"a=b,c=d", "{\"a\":\"b\",\"c\":\"d\"}", true},
    {"a=b,c=d", "{\"a\":\"b\",\"c\":\"e\"}", false},
    {"a in (,x)", "{\"a\":\"\"}", true},
};

/* LabelSelector objects. */
static const struct {
    const char *json;
    int rc;
    const char *canon_or_msg;
} json_cases[] = {
    {"{}", 0, ""},
    {"{\"matchLabels\":{\"b\":\"2\",\"a\":\"1\"}}", 0, "a=1,b=2"},
    {"{\"matchExpressions\":[{\"key\":\"t\",\"operator\":\"In\",\"values\":[\"y\",\"x\"]}]}", 0,
     "t in (x,y)"},
    {"{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":[{\"key\":\"env\",\"operator\":"
     "\"NotIn\",\"values\":[\"dev\"]},{\"key\":\"gpu\",\"operator\":\"Exists\"},{\"key\":\"old\","
     "\"operator\":\"DoesNotExist\",\"values\":[]}]}",
     0, "app=web,env notin (dev),gpu,!old"},
    {"{\"matchExpressions\":[{\"key\":\"t\",\"operator\":\"In\",\"values\":[]}]}", C8S_EINVALID,
     "values set can't be empty"},
    {"{\"matchExpressions\":[{\"key\":\"t\",\"operator\":\"In\"}]}", C8S_EINVALID,
     "values set can't be empty"},
    {"{\"matchExpressions\":[{\"key\":\"t\",\"operator\":\"Exists\",\"values\":[\"a\"]}]}",
     C8S_EINVALID, "values set must be empty for exists and does not exist"},
    {"{\"matchExpressions\":[{\"key\":\"t\",\"operator\":\"Gt\",\"values\":[\"1\"]}]}",
     C8S_EINVALID, "\"Gt\" is not a valid label selector operator"},
    {"{\"matchLabels\":{\"a\":\"-x\"}}", C8S_EINVALID, "a valid label must be"},
    {"{\"matchLabels\":{\"a b\":\"x\"}}", C8S_EINVALID, "name part must consist"},
    {"{\"matchLabels\":{\"a\":1}}", C8S_EINVALID, "must be a string"},
};

static json_t *J(const char *s)
{
    json_t *v = json_loads(s, JSON_DECODE_ANY, NULL);
    if (!v)
        fprintf(stderr, "bad test JSON: %s\n", s);
    return v;
}

static void test_labels(void)
{
    for (size_t i = 0; i < C8S_ARRAY_SIZE(parse_ok); i++) {
        labelsel_t *sel = NULL;
        c8s_err_t err = C8S_ERR_INIT;
        int rc = labelsel_parse(parse_ok[i].in, &sel, &err);
        CHECK_MSG(rc == 0, "\"%s\": %s", parse_ok[i].in, err.msg);
        if (rc)
            continue;
        char *s = labelsel_string(sel);
        CHECK_STR(s, parse_ok[i].canon);
        CHECK_INT(labelsel_empty(sel), parse_ok[i].canon[0] == '\0');
        /* The canonical form parses to itself. */
        labelsel_t *again = NULL;
        CHECK_INT(labelsel_parse(s, &again, &err), 0);
        char *s2 = again ? labelsel_string(again) : NULL;
        CHECK_STR(s2, s);
        free(s);
        free(s2);
        labelsel_free(again);
        labelsel_free(sel);
    }
    for (size_t i = 0; i < C8S_ARRAY_SIZE(parse_bad); i++) {
        labelsel_t *sel = NULL;
        c8s_err_t err = C8S_ERR_INIT;
        int rc = labelsel_parse(parse_bad[i].in, &sel, &err);
        CHECK_MSG(rc == C8S_EBADREQUEST, "\"%s\" parsed", parse_bad[i].in);
        CHECK_MSG(strstr(err.msg, parse_bad[i].msg) != NULL, "\"%s\": got: %s", parse_bad[i].in,
                  err.msg);
        CHECK(sel == NULL);
        labelsel_free(sel);
    }
    {
        labelsel_t *sel = NULL;
        c8s_err_t err = C8S_ERR_INIT;
        labelsel_parse("x in (a", &sel, &err);
        CHECK_STR(err.msg, "unable to parse requirement: found '', expected: ',' or ')'");
        CHECK_INT(labelsel_parse(NULL, &sel, &err), 0);
        CHECK(labelsel_empty(sel));
        labelsel_free(sel);
    }
    for (size_t i = 0; i < C8S_ARRAY_SIZE(match_cases); i++) {
        labelsel_t *sel = NULL;
        CHECK(labelsel_parse(match_cases[i].sel, &sel, NULL) == 0);
        if (!sel)
            continue;
        json_t *labels = J(match_cases[i].labels);
        CHECK_MSG(labelsel_matches(sel, labels) == match_cases[i].match, "\"%s\" vs %s",
                  match_cases[i].sel, match_cases[i].labels);
        json_decref(labels);
        labelsel_free(sel);
    }
    for (size_t i = 0; i < C8S_ARRAY_SIZE(json_cases); i++) {
        labelsel_t *sel = NULL;
        c8s_err_t err = C8S_ERR_INIT;
        json_t *js = J(json_cases[i].json);
        int rc = labelsel_from_json(js, &sel, &err);
        CHECK_MSG(rc == json_cases[i].rc, "%s: rc %d (%s)", json_cases[i].json, rc, err.msg);
        if (rc == 0 && sel) {
            char *s = labelsel_string(sel);
            CHECK_STR(s, json_cases[i].canon_or_msg);
            free(s);
        } else {
            CHECK_MSG(strstr(err.msg, json_cases[i].canon_or_msg) != NULL, "%s: got: %s",
                      json_cases[i].json, err.msg);
        }
        labelsel_free(sel);
        json_decref(js);
    }
    {
        /* NULL selects everything; set-based matching from an object. */
        labelsel_t *sel = NULL;
        CHECK_INT(labelsel_from_json(NULL, &sel, NULL), 0);
        CHECK(labelsel_empty(sel));
        labelsel_free(sel);
        json_t *js = J("{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":[{\"key\":\"env\","
                       "\"operator\":\"In\",\"values\":[\"prod\",\"qa\"]}]}");
        CHECK_INT(labelsel_from_json(js, &sel, NULL), 0);
        json_t *l1 = J("{\"app\":\"web\",\"env\":\"qa\"}");
        json_t *l2 = J("{\"app\":\"web\",\"env\":\"dev\"}");
        json_t *l3 = J("{\"env\":\"prod\"}");
        CHECK(labelsel_matches(sel, l1));
        CHECK(!labelsel_matches(sel, l2));
        CHECK(!labelsel_matches(sel, l3));
        CHECK(!labelsel_matches(sel, NULL));
        json_decref(l1);
        json_decref(l2);
        json_decref(l3);
        json_decref(js);
        labelsel_free(sel);
    }
}

static const struct {
    const char *sel;
    const char *obj;
    bool match;
} field_cases[] = {
    {"", "{}", true},
    {"metadata.name=a", "{\"metadata\":{\"name\":\"a\"}}", true},
    {"metadata.name==a", "{\"metadata\":{\"name\":\"a\"}}", true},
    {"metadata.name=b", "{\"metadata\":{\"name\":\"a\"}}", false},
    {"metadata.name!=b", "{\"metadata\":{\"name\":\"a\"}}", true},
    {"metadata.name!=a", "{\"metadata\":{\"name\":\"a\"}}", false},
    {"spec.nodeName=", "{\"spec\":{}}", true},
    {"spec.nodeName=", "{}", true},
    {"spec.nodeName=", "{\"spec\":{\"nodeName\":\"n1\"}}", false},
    {"spec.nodeName!=", "{\"spec\":{\"nodeName\":\"n1\"}}", true},
    {"status.phase=Running,spec.nodeName=n1",
     "{\"status\":{\"phase\":\"Running\"},\"spec\":{\"nodeName\":\"n1\"}}", true},
    {"status.phase=Running,spec.nodeName=n2",
     "{\"status\":{\"phase\":\"Running\"},\"spec\":{\"nodeName\":\"n1\"}}", false},
    {"a=x\\,y", "{\"a\":\"x,y\"}", true},
    {"a=x\\=y", "{\"a\":\"x=y\"}", true},
    {"a=x\\\\y", "{\"a\":\"x\\\\y\"}", true},
    {"spec.replicas=3", "{\"spec\":{\"replicas\":3}}", true},
    {"spec.unschedulable=true", "{\"spec\":{\"unschedulable\":true}}", true},
    {"a.b=", "{\"a\":\"str\"}", true},
    {"a=b,,", "{\"a\":\"b\"}", true},
};

static void test_fields(void)
{
    for (size_t i = 0; i < C8S_ARRAY_SIZE(field_cases); i++) {
        fieldsel_t *sel = NULL;
        c8s_err_t err = C8S_ERR_INIT;
        int rc = fieldsel_parse(field_cases[i].sel, &sel, &err);
        CHECK_MSG(rc == 0, "\"%s\": %s", field_cases[i].sel, err.msg);
        if (rc)
            continue;
        json_t *obj = J(field_cases[i].obj);
        CHECK_MSG(fieldsel_matches(sel, obj) == field_cases[i].match, "\"%s\" vs %s",
                  field_cases[i].sel, field_cases[i].obj);
        json_decref(obj);
        fieldsel_free(sel);
    }
    static const struct {
        const char *in, *msg;
    } bad[] = {
        {"a", "invalid selector: 'a'; can't understand 'a'"},
        {"a=b,c", "invalid selector: 'a=b,c'; can't understand 'c'"},
        {"a=b=c", "invalid field selector: unescaped character ="},
        {"a=b\\x", "invalid field selector: invalid escape sequence: \\x"},
        {"a=b\\", "invalid field selector: invalid escape sequence"},
    };
    for (size_t i = 0; i < C8S_ARRAY_SIZE(bad); i++) {
        fieldsel_t *sel = NULL;
        c8s_err_t err = C8S_ERR_INIT;
        CHECK_INT(fieldsel_parse(bad[i].in, &sel, &err), C8S_EBADREQUEST);
        CHECK_MSG(strstr(err.msg, bad[i].msg) != NULL, "\"%s\": got: %s", bad[i].in, err.msg);
        CHECK(sel == NULL);
    }

    fieldsel_t *sel = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    CHECK_INT(
        fieldsel_parse("metadata.namespace=default,metadata.name!=x,spec.nodeName==n1", &sel, &err),
        0);
    CHECK_INT(fieldsel_count(sel), 3);
    CHECK_STR(fieldsel_exact(sel, "metadata.namespace"), "default");
    CHECK_STR(fieldsel_exact(sel, "spec.nodeName"), "n1");
    CHECK(fieldsel_exact(sel, "metadata.name") == NULL);
    CHECK(fieldsel_exact(sel, "status.phase") == NULL);
    static const char *const allowed[] = {"metadata.name", "metadata.namespace", "spec.nodeName",
                                          NULL};
    CHECK_INT(fieldsel_check(sel, allowed, &err), 0);
    static const char *const few[] = {"metadata.name", NULL};
    CHECK_INT(fieldsel_check(sel, few, &err), C8S_EBADREQUEST);
    CHECK_STR(err.msg, "field label not supported: metadata.namespace");
    fieldsel_free(sel);

    CHECK_INT(fieldsel_parse(NULL, &sel, &err), 0);
    CHECK_INT(fieldsel_count(sel), 0);
    CHECK(fieldsel_matches(sel, NULL));
    fieldsel_free(sel);

    CHECK_INT(fieldsel_parse("x=", &sel, &err), 0);
    CHECK_INT(fieldsel_check(sel, few, &err), C8S_EBADREQUEST);
    CHECK_STR(err.msg, "field label not supported: x");
    fieldsel_free(sel);
}

int main(void)
{
    test_labels();
    test_fields();
    TEST_END();
}
