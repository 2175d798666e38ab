/* test_ctl_print.c — `c8s ctl`'s column layout (kubectl's tabwriter) and jsonpath subset. */
#include "c8s/ctl.h"
#include "test.h"

static void check_cols(const char *rows_json, const char *want)
{
    json_t *rows = json_loads(rows_json, 0, NULL);
    REQUIRE_VOID(rows != NULL);
    char *got = ctl_format_columns(rows);
    CHECK_STR(got, want);
    free(got);
    json_decref(rows);
}

static void check_jp(const char *tmpl, const char *doc, const char *want)
{
    json_t *v = json_loads(doc, 0, NULL);
    REQUIRE_VOID(v != NULL);
    char *out = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    int rc = ctl_jsonpath(tmpl, v, &out, &err);
    CHECK_MSG(rc == 0, "%s: %s", tmpl, err.msg);
    if (rc == 0)
        CHECK_MSG(strcmp(out, want) == 0, "%s: got \"%s\", want \"%s\"", tmpl, out, want);
    free(out);
    c8s_err_clear(&err);
    json_decref(v);
}

static const char *pod_list =
    "{\"kind\":\"List\",\"items\":["
    "{\"metadata\":{\"name\":\"a\",\"labels\":{\"app\":\"x\",\"k8s.io/n\":\"y\"}},"
    "\"spec\":{\"containers\":[{\"name\":\"c1\",\"image\":\"nginx\"},{\"name\":\"c2\","
    "\"image\":\"busybox\"}]},\"status\":{\"ready\":true,\"n\":3}},"
    "{\"metadata\":{\"name\":\"b\"},\"spec\":{\"containers\":[{\"name\":\"d1\",\"image\":\"redis\"}"
    "]}}"
    "]}";

int main(void)
{
    /* Column width: widest cell + 3, at least 6; the last column is not padded. */
    check_cols("[[\"NAME\",\"READY\",\"STATUS\",\"AGE\"],[\"web-1\",\"1/1\",\"Running\",\"5m\"]]",
               "NAME    READY   STATUS    AGE\n"
               "web-1   1/1     Running   5m\n");
    check_cols("[[\"NAME\",\"AGE\"],[\"a\",\"1s\"]]", "NAME   AGE\na      1s\n");
    /* Integers and booleans print as kubectl's cells; short columns keep the minimum of 6. */
    check_cols("[[\"X\",\"N\",\"B\"],[\"y\",3,true]]", "X     N     B\ny     3     true\n");
    /* Multi-byte text counts one column per character. */
    check_cols("[[\"NAME\",\"V\"],[\"héllo\",\"x\"]]", "NAME    V\nhéllo   x\n");
    /* Widths remembered across calls keep watch rows aligned with the table. */
    {
        size_t w[4] = {0};
        json_t *t = json_loads("[[\"NAME\",\"AGE\"],[\"a-long-name\",\"1s\"]]", 0, NULL);
        json_t *r = json_loads("[[\"b\",\"2s\"]]", 0, NULL);
        free(ctl_format_columns_remember(t, w, 4));
        char *s = ctl_format_columns_remember(r, w, 4);
        CHECK_STR(s, "b             2s\n"); /* 11 + 3 wide */
        free(s);
        json_decref(t);
        json_decref(r);
    }

    check_jp("{.kind}", pod_list, "List");
    check_jp("{.items[0].metadata.name}", pod_list, "a");
    check_jp("{.items[-1].metadata.name}", pod_list, "b");
    check_jp("{.items[*].metadata.name}", pod_list, "a b");
    check_jp("{.items[0].spec.containers[*].image}", pod_list, "nginx busybox");
    check_jp("{.items[0].metadata.labels['k8s.io/n']}", pod_list, "y");
    check_jp("{$.items[0].status.n}", pod_list, "3");
    check_jp("{.items[0].status.ready}", pod_list, "true");
    check_jp("{.items[0].status}", pod_list, "{\"n\":3,\"ready\":true}");
    check_jp("{..image}", pod_list, "nginx busybox redis");
    check_jp("name={.items[1].metadata.name}!", pod_list, "name=b!");
    check_jp("{range .items[*]}{.metadata.name}{\"\\n\"}{end}", pod_list, "a\nb\n");
    check_jp("{range .items[*]}{.metadata.name}:{range .spec.containers[*]}{.name},{end};{end}",
             pod_list, "a:c1,c2,;b:d1,;");
    /* Missing keys print nothing, as kubectl's -o jsonpath (allowMissingKeys). */
    check_jp("{.items[0].nope}", pod_list, "");
    check_jp("{.items[5].metadata.name}", pod_list, "");
    check_jp("{range .nothing[*]}x{end}done", pod_list, "done");

    /* Malformed templates are errors. */
    {
        json_t *v = json_loads(pod_list, 0, NULL);
        const char *bad[] = {"{.items[0", "{.a", "{range .items[*]}{.x}", "{end}", "{.a[x]}"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            char *out = NULL;
            c8s_err_t err = C8S_ERR_INIT;
            CHECK_MSG(ctl_jsonpath(bad[i], v, &out, &err) == C8S_EBADREQUEST, "%s", bad[i]);
            free(out);
            c8s_err_clear(&err);
        }
        json_decref(v);
    }
    TEST_END();
}
