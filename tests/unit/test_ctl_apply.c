/* test_ctl_apply.c — client-side apply's three-way merge (kubectl's CreateThreeWayMergePatch
 * behaviour), checked on the patch it produces and on what the server's strategic merge makes
 * of it. */
#include "c8s/ctl.h"
#include "c8s/patch.h"
#include "test.h"

static json_t *J(const char *s)
{
    json_error_t e;
    json_t *v = json_loads(s, 0, &e);
    if (!v)
        fprintf(stderr, "bad test json: %s: %s\n", s, e.text);
    return v;
}

static const api_kind_t *deploy(void)
{
    return api_kind_lookup("apps", "v1", "deployments");
}

/* patch(original, modified, current) must equal want (JSON). */
static void check_patch(const api_kind_t *k, const char *orig, const char *mod, const char *cur,
                        const char *want)
{
    json_t *o = orig ? J(orig) : NULL, *m = J(mod), *c = J(cur), *w = J(want);
    json_t *p = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    CHECK_INT(ctl_threeway_patch(k, o, m, c, &p, &err), 0);
    char *got = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
    char *exp = json_dumps(w, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_MSG(json_equal(p, w), "got %s, want %s", got, exp);
    free(got);
    free(exp);
    json_decref(o);
    json_decref(m);
    json_decref(c);
    json_decref(w);
    json_decref(p);
    c8s_err_clear(&err);
}

/* Applying the patch to current with the server's strategic merge gives want. */
static void check_result(const char *orig, const char *mod, const char *cur, const char *want)
{
    json_t *o = orig ? J(orig) : NULL, *m = J(mod), *c = J(cur), *w = J(want);
    json_t *p = NULL, *res = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    CHECK_INT(ctl_threeway_patch(deploy(), o, m, c, &p, &err), 0);
    CHECK_INT(patch_strategic(deploy(), c, p, &res, &err), 0);
    char *got = json_dumps(res, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_MSG(json_equal(res, w), "got %s", got);
    free(got);
    json_decref(o);
    json_decref(m);
    json_decref(c);
    json_decref(w);
    json_decref(p);
    json_decref(res);
    c8s_err_clear(&err);
}

#define CONT(n, img) "{\"name\":\"" n "\",\"image\":\"" img "\"}"
#define DEP(conts)   "{\"spec\":{\"template\":{\"spec\":{\"containers\":[" conts "]}}}}"

int main(void)
{
    const api_kind_t *k = deploy();
    /* Nothing changed: an empty patch (kubectl's "unchanged"). */
    check_patch(k, "{\"a\":1}", "{\"a\":1}", "{\"a\":1,\"status\":{\"x\":1}}", "{}");
    /* A changed scalar and an added field. */
    check_patch(k, "{\"spec\":{\"replicas\":1}}", "{\"spec\":{\"replicas\":3,\"paused\":true}}",
                "{\"spec\":{\"replicas\":1,\"revisionHistoryLimit\":10}}",
                "{\"spec\":{\"replicas\":3,\"paused\":true}}");
    /* A field the last apply set and this one dropped is deleted; one set by others is kept. */
    check_patch(k, "{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":\"2\"}}}",
                "{\"metadata\":{\"labels\":{\"a\":\"1\"}}}",
                "{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":\"2\",\"other\":\"x\"}}}",
                "{\"metadata\":{\"labels\":{\"b\":null}}}");
    /* Containers are merged by name: a changed image patches that item only, with the order. */
    check_patch(k, DEP(CONT("web", "nginx") "," CONT("side", "busybox")),
                DEP(CONT("web", "nginx") "," CONT("side", "busybox:1.36")),
                DEP(CONT("web", "nginx") "," CONT("side", "busybox")),
                "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"side\","
                "\"image\":\"busybox:1.36\"}],\"$setElementOrder/containers\":[{\"name\":\"web\"},"
                "{\"name\":\"side\"}]}}}}");
    /* A container the last apply had and this one dropped is deleted by key. */
    check_patch(k, DEP(CONT("web", "nginx") "," CONT("side", "busybox")), DEP(CONT("web", "nginx")),
                DEP(CONT("web", "nginx") "," CONT("side", "busybox")),
                "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"side\","
                "\"$patch\":\"delete\"}]}}}}");
    /* No last-applied: nothing is deleted (kubectl's first apply on a created object). */
    check_patch(k, NULL, DEP(CONT("web", "nginx")),
                DEP(CONT("web", "nginx") "," CONT("side", "busybox")), "{}");
    /* Primitive merging lists (finalizers): additions listed, removals as a directive. */
    check_patch(
        k, "{\"metadata\":{\"finalizers\":[\"a\",\"b\"]}}",
        "{\"metadata\":{\"finalizers\":[\"a\",\"c\"]}}",
        "{\"metadata\":{\"finalizers\":[\"a\",\"b\",\"x\"]}}",
        "{\"metadata\":{\"finalizers\":[\"c\"],\"$deleteFromPrimitiveList/finalizers\":[\"b\"]}}");
    /* Without a schema (custom resources): a JSON merge patch, lists replaced whole. */
    check_patch(NULL, "{\"l\":[1,2],\"x\":1}", "{\"l\":[1,3]}", "{\"l\":[1,2],\"x\":1,\"y\":2}",
                "{\"l\":[1,3],\"x\":null}");
    /* Nested: a container's field dropped since the last apply is deleted inside that item. */
    check_patch(k, DEP("{\"name\":\"web\",\"image\":\"nginx\",\"command\":[\"sh\"]}"),
                DEP(CONT("web", "nginx")),
                DEP("{\"name\":\"web\",\"image\":\"nginx\",\"command\":[\"sh\"]}"),
                "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\","
                "\"command\":null}]}}}}");
    /* Changes and deletions on the same item merge into one patch item. */
    check_patch(k, DEP("{\"name\":\"web\",\"image\":\"nginx\",\"command\":[\"sh\"]}"),
                DEP(CONT("web", "nginx:2")),
                DEP("{\"name\":\"web\",\"image\":\"nginx\",\"command\":[\"sh\"]}"),
                "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\","
                "\"image\":\"nginx:2\",\"command\":null}],\"$setElementOrder/containers\":"
                "[{\"name\":\"web\"}]}}}}");

    /* End to end through the server's strategic merge: fields others set survive. */
    check_result(DEP(CONT("web", "nginx") "," CONT("side", "busybox")), DEP(CONT("web", "nginx:2")),
                 DEP("{\"name\":\"web\",\"image\":\"nginx\",\"imagePullPolicy\":\"Always\"}," CONT(
                     "side", "busybox")),
                 DEP("{\"name\":\"web\",\"image\":\"nginx:2\",\"imagePullPolicy\":\"Always\"}"));

    /* Not objects: an error. */
    {
        json_t *p = NULL, *arr = json_array();
        c8s_err_t err = C8S_ERR_INIT;
        CHECK_INT(ctl_threeway_patch(k, NULL, arr, arr, &p, &err), C8S_EBADREQUEST);
        json_decref(arr);
        c8s_err_clear(&err);
    }
    TEST_END();
}
