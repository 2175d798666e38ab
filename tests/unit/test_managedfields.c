/* test_managedfields.c — server-side apply's pure core: field sets from objects (keyed lists, set
 * lists, atomic values, map keys), set operations, the Update and Apply operations with their
 * ownership, removal of fields no longer applied, conflicts and force, and the cases upstream's
 * documentation walks through (scale then apply, edit then apply, shared ownership). JSON in the
 * tests is written with ' for ". */
#include "c8s/managedfields.h"
#include "c8s/kinds.h"
#include "c8s/strbuf.h"
#include "test.h"

#include <stdlib.h>

static json_t *J(const char *s)
{
    cleanup_free char *q = xstrdup(s);
    for (char *p = q; *p; p++)
        if (*p == '\'')
            *p = '"';
    json_error_t e;
    json_t *v = json_loads(q, JSON_DECODE_ANY, &e);
    if (!v) {
        fprintf(stderr, "bad JSON literal in test: %s: %s\n", s, e.text);
        abort();
    }
    return v;
}

/* The member paths of a set, space-separated (owned). */
static char *P(const json_t *set)
{
    json_t *ps = fieldset_paths(set);
    size_t n = 1, i;
    json_t *p;
    json_array_foreach(ps, i, p) n += strlen(json_string_value(p)) + 1;
    char *out = xmalloc(n);
    out[0] = '\0';
    json_array_foreach(ps, i, p)
    {
        if (i)
            strcat(out, " ");
        strcat(out, json_string_value(p));
    }
    json_decref(ps);
    return out;
}

/* The paths a manager's entry owns in obj ("" when absent), owned. */
static char *owned(const json_t *obj, const char *manager, const char *op)
{
    json_t *mf = json_object_get(json_object_get(obj, "metadata"), "managedFields");
    size_t i;
    json_t *e;
    json_array_foreach(mf, i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "manager")), manager) == 0 &&
            strcmp(json_string_value(json_object_get(e, "operation")), op) == 0)
            return P(json_object_get(e, "fieldsV1"));
    }
    return xstrdup("");
}

#define CHECK_OWNED(obj, mgr, op, want)                                                            \
    do {                                                                                           \
        cleanup_free char *_o = owned(obj, mgr, op);                                               \
        CHECK_MSG(strcmp(_o, want) == 0, "%s %s owns\n  got  %s\n  want %s", mgr, op, _o, want);   \
    } while (0)

static const api_kind_t *deploy(void)
{
    return api_kind_lookup("apps", "v1", "deployments");
}

static const managedfields_who_t KUBECTL = {"kubectl", "apps/v1", NULL, "2026-11-23T10:00:00Z"};
static const managedfields_who_t SCALE = {"kubectl-scale", "apps/v1", "scale",
                                          "2026-11-23T10:01:00Z"};
static const managedfields_who_t EDIT = {"kubectl-edit", "apps/v1", NULL, "2026-11-23T10:02:00Z"};
static const managedfields_who_t OTHER = {"other", "apps/v1", NULL, "2026-11-23T10:03:00Z"};

#define DEP(replicas_json, labels, containers)                                                     \
    "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','namespace':'d'" labels  \
    "},'spec':{" replicas_json "'selector':{'matchLabels':{'app':'web'}},'template':{'metadata':{" \
    "'labels':{'app':'web'}},'spec':{'containers':[" containers "]}}}}"

static void test_fieldset_from_object(void)
{
    const schema_field_t *root = schema_kind_root(deploy());
    json_t *o = J(DEP("'replicas':2,", ",'labels':{'a':'1'},'finalizers':['x/y']",
                      "{'name':'web','image':'nginx','ports':[{'containerPort':80}]}"));
    json_t *s = fieldset_from_object(root, o);
    cleanup_free char *p = P(s);
    CHECK_STR(p, ".apiVersion .kind .metadata.name .metadata.namespace .metadata.labels.a "
                 ".metadata.finalizers[=\"x/y\"] .spec.replicas .spec.selector "
                 ".spec.template.metadata.labels.app .spec.template.spec.containers[name=\"web\"] "
                 ".spec.template.spec.containers[name=\"web\"].name "
                 ".spec.template.spec.containers[name=\"web\"].image "
                 ".spec.template.spec.containers[name=\"web\"].ports[containerPort=80,protocol="
                 "\"TCP\"] "
                 ".spec.template.spec.containers[name=\"web\"].ports[containerPort=80,protocol="
                 "\"TCP\"].containerPort");
    /* The FieldsV1 encoding itself. */
    json_t *c = json_object_get(
        json_object_get(
            json_object_get(json_object_get(json_object_get(s, "f:spec"), "f:template"), "f:spec"),
            "f:containers"),
        "k:{\"name\":\"web\"}");
    CHECK(json_is_object(json_object_get(c, ".")));
    CHECK(json_object_size(json_object_get(c, "f:image")) == 0);
    json_decref(s);
    json_decref(o);
    /* No schema: objects are granular, lists atomic. */
    json_t *u = J("{'a':{'b':1,'c':[1,2]},'d':{}}");
    s = fieldset_from_object(NULL, u);
    cleanup_free char *pu = P(s);
    CHECK_STR(pu, ".a .a.b .a.c .d");
    json_decref(s);
    json_decref(u);
}

static void test_set_ops(void)
{
    json_t *a = J("{'f:a':{},'f:b':{'f:c':{},'f:d':{}}}");
    json_t *b = J("{'f:b':{'.':{},'f:c':{}},'f:e':{}}");
    json_t *u = fieldset_union(a, b), *d = fieldset_difference(a, b),
           *i = fieldset_intersection(a, b);
    cleanup_free char *pu = P(u), *pd = P(d), *pi = P(i);
    CHECK_STR(pu, ".a .b .b.c .b.d .e");
    CHECK_STR(pd, ".a .b.d");
    CHECK_STR(pi, ".b.c");
    json_t *e = fieldset_difference(a, a);
    CHECK(fieldset_empty(e));
    CHECK(json_object_size(e) == 0);
    json_decref(a);
    json_decref(b);
    json_decref(u);
    json_decref(d);
    json_decref(i);
    json_decref(e);
}

static void test_compare(void)
{
    const schema_field_t *root = schema_kind_root(deploy());
    json_t *l = J(DEP("'replicas':2,", "", "{'name':'a','image':'x'},{'name':'b','image':'y'}"));
    json_t *r = J(DEP("'replicas':3,", ",'labels':{'n':'1'}",
                      "{'name':'a','image':'z'},{'name':'c','image':'y'}"));
    json_t *a, *m, *d;
    fieldset_compare(root, l, r, &a, &m, &d);
    cleanup_free char *pa = P(a), *pm = P(m), *pd = P(d);
    CHECK_STR(pa, ".metadata.labels.n .spec.template.spec.containers[name=\"c\"] "
                  ".spec.template.spec.containers[name=\"c\"].name "
                  ".spec.template.spec.containers[name=\"c\"].image");
    CHECK_STR(pm, ".spec.replicas .spec.template.spec.containers[name=\"a\"].image");
    CHECK_STR(pd, ".spec.template.spec.containers[name=\"b\"] "
                  ".spec.template.spec.containers[name=\"b\"].name "
                  ".spec.template.spec.containers[name=\"b\"].image");
    json_decref(a);
    json_decref(m);
    json_decref(d);
    json_decref(l);
    json_decref(r);
}

/* Apply creates, applies again with a change, and removes what it stopped applying. */
static void test_apply_create_update_prune(void)
{
    c8s_err_t err = C8S_ERR_INIT;
    json_t *cfg1 =
        J(DEP("'replicas':2,", ",'labels':{'keep':'1','drop':'1'}", "{'name':'web','image':'a'}"));
    json_t *o1 = NULL;
    REQUIRE_VOID(managedfields_apply(deploy(), NULL, cfg1, &KUBECTL, false, &o1, &err) == 0);
    json_t *mf = json_object_get(json_object_get(o1, "metadata"), "managedFields");
    CHECK_INT(json_array_size(mf), 1);
    json_t *e = json_array_get(mf, 0);
    CHECK_STR(json_string_value(json_object_get(e, "operation")), "Apply");
    CHECK_STR(json_string_value(json_object_get(e, "fieldsType")), "FieldsV1");
    CHECK_STR(json_string_value(json_object_get(e, "apiVersion")), "apps/v1");
    CHECK_STR(json_string_value(json_object_get(e, "time")), KUBECTL.time);
    CHECK(!json_object_get(e, "subresource"));
    CHECK_OWNED(o1, "kubectl", "Apply",
                ".metadata.labels.keep .metadata.labels.drop .spec.replicas .spec.selector "
                ".spec.template.metadata.labels.app .spec.template.spec.containers[name=\"web\"] "
                ".spec.template.spec.containers[name=\"web\"].name "
                ".spec.template.spec.containers[name=\"web\"].image");
    /* A field another writer set (defaulting, a controller) stays when the applier drops its
     * own fields around it. */
    json_object_set_new(json_object_get(o1, "spec"), "paused", json_false());
    json_t *cfg2 = J(DEP("", ",'labels':{'keep':'1'}",
                         "{'name':'web','image':'b'},{'name':'side','image':'s'}"));
    json_t *o2 = NULL;
    REQUIRE_VOID(managedfields_apply(deploy(), o1, cfg2, &KUBECTL, false, &o2, &err) == 0);
    json_t *spec = json_object_get(o2, "spec");
    CHECK(!json_object_get(spec, "replicas"));
    CHECK(json_is_false(json_object_get(spec, "paused")));
    json_t *labels = json_object_get(json_object_get(o2, "metadata"), "labels");
    CHECK(json_object_get(labels, "keep") && !json_object_get(labels, "drop"));
    json_t *cs =
        json_object_get(json_object_get(json_object_get(spec, "template"), "spec"), "containers");
    CHECK_INT(json_array_size(cs), 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(cs, 0), "image")), "b");
    CHECK_STR(json_string_value(json_object_get(json_array_get(cs, 1), "name")), "side");
    /* A container it stops applying goes too. */
    json_t *cfg3 = J(DEP("", ",'labels':{'keep':'1'}", "{'name':'web','image':'b'}"));
    json_t *o3 = NULL;
    REQUIRE_VOID(managedfields_apply(deploy(), o2, cfg3, &KUBECTL, false, &o3, &err) == 0);
    cs = json_object_get(
        json_object_get(json_object_get(json_object_get(o3, "spec"), "template"), "spec"),
        "containers");
    CHECK_INT(json_array_size(cs), 1);
    /* managedFields in an applied configuration are refused. */
    json_t *bad = J("{'metadata':{'name':'web','managedFields':[]}}");
    json_t *o4 = NULL;
    CHECK_INT(managedfields_apply(deploy(), o3, bad, &KUBECTL, false, &o4, &err), C8S_EBADREQUEST);
    CHECK(o4 == NULL);
    c8s_err_clear(&err);
    json_decref(bad);
    json_decref(cfg1);
    json_decref(cfg2);
    json_decref(cfg3);
    json_decref(o1);
    json_decref(o2);
    json_decref(o3);
}

/* Upstream's documented case: kubectl scale takes .spec.replicas; an apply that still sets it
 * conflicts (unless forced), an apply without it keeps the scaled value. */
static void test_scale_then_apply(void)
{
    c8s_err_t err = C8S_ERR_INIT;
    json_t *cfg = J(DEP("'replicas':2,", "", "{'name':'web','image':'a'}"));
    json_t *o1 = NULL;
    REQUIRE_VOID(managedfields_apply(deploy(), NULL, cfg, &KUBECTL, false, &o1, &err) == 0);
    json_t *o2 = json_deep_copy(o1);
    json_object_set_new(json_object_get(o2, "spec"), "replicas", json_integer(5));
    managedfields_update(deploy(), o1, o2, &SCALE);
    CHECK_OWNED(o2, "kubectl-scale", "Update", ".spec.replicas");
    {
        cleanup_free char *k = owned(o2, "kubectl", "Apply");
        CHECK(strstr(k, ".spec.replicas") == NULL);
    }
    json_t *mf = json_object_get(json_object_get(o2, "metadata"), "managedFields");
    CHECK_STR(json_string_value(json_object_get(json_array_get(mf, 1), "subresource")), "scale");

    json_t *o3 = NULL;
    CHECK_INT(managedfields_apply(deploy(), o2, cfg, &KUBECTL, false, &o3, &err), C8S_ECONFLICT);
    CHECK(o3 == NULL);
    CHECK_STR(err.msg, "Apply failed with 1 conflict: conflict with \"kubectl-scale\" with "
                       "subresource \"scale\" using apps/v1: .spec.replicas");
    json_t *cause = json_array_get(err.causes, 0);
    CHECK_STR(json_string_value(json_object_get(cause, "reason")), "FieldManagerConflict");
    CHECK_STR(json_string_value(json_object_get(cause, "field")), ".spec.replicas");
    CHECK_STR(json_string_value(json_object_get(cause, "message")),
              "conflict with \"kubectl-scale\" with subresource \"scale\" using apps/v1");
    c8s_err_clear(&err);

    /* The same value is no conflict: ownership is shared. */
    json_t *same = J(DEP("'replicas':5,", "", "{'name':'web','image':'a'}"));
    REQUIRE_VOID(managedfields_apply(deploy(), o2, same, &KUBECTL, false, &o3, &err) == 0);
    CHECK_OWNED(o3, "kubectl-scale", "Update", ".spec.replicas");
    {
        cleanup_free char *k = owned(o3, "kubectl", "Apply");
        CHECK(strstr(k, ".spec.replicas") != NULL);
    }
    json_decref(o3);

    /* Without replicas: the scaled value stays. */
    json_t *without = J(DEP("", "", "{'name':'web','image':'a'}"));
    REQUIRE_VOID(managedfields_apply(deploy(), o2, without, &KUBECTL, false, &o3, &err) == 0);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(o3, "spec"), "replicas")), 5);
    json_decref(o3);

    /* Forced: the applier takes the field, the other manager's entry (now empty) goes. */
    REQUIRE_VOID(managedfields_apply(deploy(), o2, cfg, &KUBECTL, true, &o3, &err) == 0);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(o3, "spec"), "replicas")), 2);
    CHECK_OWNED(o3, "kubectl-scale", "Update", "");
    CHECK_INT(json_array_size(json_object_get(json_object_get(o3, "metadata"), "managedFields")),
              1);
    json_decref(o3);
    json_decref(same);
    json_decref(without);
    json_decref(cfg);
    json_decref(o1);
    json_decref(o2);
}

/* An Update by kubectl edit of a container image, then conflicts on that image naming it; two
 * conflicts are listed per manager. */
static void test_edit_then_apply(void)
{
    c8s_err_t err = C8S_ERR_INIT;
    json_t *cfg = J(DEP("'replicas':2,", "", "{'name':'web','image':'a'}"));
    json_t *o1 = NULL;
    REQUIRE_VOID(managedfields_apply(deploy(), NULL, cfg, &KUBECTL, false, &o1, &err) == 0);
    json_t *o2 = json_deep_copy(o1);
    json_t *c0 = json_array_get(
        json_object_get(
            json_object_get(json_object_get(json_object_get(o2, "spec"), "template"), "spec"),
            "containers"),
        0);
    json_object_set_new(c0, "image", json_string("edited"));
    json_object_set_new(json_object_get(o2, "spec"), "replicas", json_integer(4));
    managedfields_update(deploy(), o1, o2, &EDIT);
    CHECK_OWNED(o2, "kubectl-edit", "Update",
                ".spec.replicas .spec.template.spec.containers[name=\"web\"].image");
    json_t *cfg2 = J(DEP("'replicas':3,", "", "{'name':'web','image':'b'}"));
    json_t *o3 = NULL;
    CHECK_INT(managedfields_apply(deploy(), o2, cfg2, &KUBECTL, false, &o3, &err), C8S_ECONFLICT);
    CHECK_STR(err.msg, "Apply failed with 2 conflicts: conflicts with \"kubectl-edit\" using "
                       "apps/v1:\n- .spec.replicas\n- "
                       ".spec.template.spec.containers[name=\"web\"].image");
    CHECK_INT(json_array_size(err.causes), 2);
    c8s_err_clear(&err);
    json_decref(cfg);
    json_decref(cfg2);
    json_decref(o1);
    json_decref(o2);
}

/* Two appliers share a label; one dropping it does not remove it while the other applies it. A
 * set list (finalizers) is unioned, item by item. */
static void test_shared_and_sets(void)
{
    c8s_err_t err = C8S_ERR_INIT;
    json_t *a1 = J("{'metadata':{'name':'c','labels':{'x':'1'},'finalizers':['a/a']},'data':{'k':"
                   "'v'}}");
    json_t *b1 = J("{'metadata':{'name':'c','labels':{'x':'1'},'finalizers':['b/b']}}");
    const api_kind_t *cm = api_kind_lookup("", "v1", "configmaps");
    managedfields_who_t a = {"a", "v1", NULL, "2026-11-23T10:00:00Z"};
    managedfields_who_t b = {"b", "v1", NULL, "2026-11-23T10:00:00Z"};
    json_t *o1 = NULL, *o2 = NULL, *o3 = NULL;
    REQUIRE_VOID(managedfields_apply(cm, NULL, a1, &a, false, &o1, &err) == 0);
    REQUIRE_VOID(managedfields_apply(cm, o1, b1, &b, false, &o2, &err) == 0);
    json_t *fin = json_object_get(json_object_get(o2, "metadata"), "finalizers");
    CHECK_INT(json_array_size(fin), 2);
    CHECK_OWNED(o2, "b", "Apply", ".metadata.labels.x .metadata.finalizers[=\"b/b\"]");
    json_t *a2 = J("{'metadata':{'name':'c'}}");
    REQUIRE_VOID(managedfields_apply(cm, o2, a2, &a, false, &o3, &err) == 0);
    json_t *md = json_object_get(o3, "metadata");
    CHECK_STR(json_string_value(json_object_get(json_object_get(md, "labels"), "x")), "1");
    fin = json_object_get(md, "finalizers");
    CHECK_INT(json_array_size(fin), 1);
    CHECK_STR(json_string_value(json_array_get(fin, 0)), "b/b");
    CHECK(json_object_size(json_object_get(o3, "data")) == 0);
    json_decref(a1);
    json_decref(b1);
    json_decref(a2);
    json_decref(o1);
    json_decref(o2);
    json_decref(o3);
}

/* Update operations: a create records its fields (server-set metadata and status left out); a
 * client may reset managedFields with [{}]; a no-op writes no entry. */
static void test_update_ops(void)
{
    json_t *o =
        J(DEP("'replicas':1,", ",'uid':'u','resourceVersion':'5'", "{'name':'web','image':'a'}"));
    json_object_set_new(o, "status", json_pack("{s:i}", "replicas", 1));
    managedfields_update(deploy(), NULL, o, &OTHER);
    CHECK_OWNED(o, "other", "Update",
                ".spec.replicas .spec.selector .spec.template.metadata.labels.app "
                ".spec.template.spec.containers[name=\"web\"] "
                ".spec.template.spec.containers[name=\"web\"].name "
                ".spec.template.spec.containers[name=\"web\"].image");
    /* The same write again changes nothing: still one entry. */
    json_t *o2 = json_deep_copy(o);
    managedfields_update(deploy(), o, o2, &EDIT);
    CHECK_INT(json_array_size(json_object_get(json_object_get(o2, "metadata"), "managedFields")),
              1);
    /* A status write is owned through the status subresource only. */
    json_t *o3 = json_deep_copy(o);
    json_object_set_new(json_object_get(o3, "status"), "replicas", json_integer(2));
    managedfields_who_t st = {"kube-controller-manager", "apps/v1", "status",
                              "2026-11-23T10:00:00Z"};
    managedfields_update(deploy(), o, o3, &st);
    CHECK_OWNED(o3, "kube-controller-manager", "Update", ".status.replicas");
    /* [{}] clears the entries: only the writer's own change is recorded. */
    json_t *o4 = json_deep_copy(o);
    json_object_set_new(json_object_get(o4, "metadata"), "managedFields", J("[{}]"));
    json_object_set_new(json_object_get(o4, "spec"), "replicas", json_integer(3));
    managedfields_update(deploy(), o, o4, &EDIT);
    json_t *mf = json_object_get(json_object_get(o4, "metadata"), "managedFields");
    CHECK_INT(json_array_size(mf), 1);
    CHECK_OWNED(o4, "kubectl-edit", "Update", ".spec.replicas");
    /* Entries that do not decode are replaced by the stored ones. */
    json_t *o5 = json_deep_copy(o);
    json_object_set_new(json_object_get(o5, "metadata"), "managedFields", J("[1]"));
    managedfields_update(deploy(), o, o5, &EDIT);
    CHECK_OWNED(o5, "other", "Update",
                ".spec.replicas .spec.selector .spec.template.metadata.labels.app "
                ".spec.template.spec.containers[name=\"web\"] "
                ".spec.template.spec.containers[name=\"web\"].name "
                ".spec.template.spec.containers[name=\"web\"].image");
    json_decref(o);
    json_decref(o2);
    json_decref(o3);
    json_decref(o4);
    json_decref(o5);
}

/* Entries a client wrote badly (fieldsV1 nodes that are not objects, unknown path elements) are
 * walked without harm: updates and applies still work over them. */
static void test_garbage_entries(void)
{
    c8s_err_t err = C8S_ERR_INIT;
    json_t *o = J(DEP("'replicas':1,", "", "{'name':'web','image':'a'}"));
    json_object_set_new(
        json_object_get(o, "metadata"), "managedFields",
        J("[{'manager':'x','operation':'Update','apiVersion':'apps/v1','fieldsType':'FieldsV1',"
          "'fieldsV1':{'f:spec':5,'k:notjson':[1],'v:':{'i:0':'s'},'f:metadata':{'f:labels':null}}}"
          ","
          "{'manager':'y','operation':'Apply','fieldsV1':{'f:spec':{'f:replicas':{}}}}]"));
    json_t *o2 = json_deep_copy(o);
    json_object_set_new(json_object_get(o2, "spec"), "replicas", json_integer(2));
    managedfields_update(deploy(), o, o2, &EDIT);
    CHECK_OWNED(o2, "kubectl-edit", "Update", ".spec.replicas");
    json_t *cfg = J(DEP("'replicas':3,", "", "{'name':'web','image':'a'}"));
    json_t *o3 = NULL;
    CHECK_INT(managedfields_apply(deploy(), o2, cfg, &KUBECTL, false, &o3, &err), C8S_ECONFLICT);
    c8s_err_clear(&err);
    CHECK_INT(managedfields_apply(deploy(), o2, cfg, &KUBECTL, true, &o3, &err), 0);
    json_decref(o3);
    json_decref(cfg);
    json_decref(o);
    json_decref(o2);
}

/* Merged list order as structured-merge-diff gives it: shared items in the configuration's order,
 * the live object's own items in place, new items where the configuration puts them. */
static char *names(const json_t *o)
{
    json_t *cs = json_object_get(
        json_object_get(json_object_get(json_object_get(o, "spec"), "template"), "spec"),
        "containers");
    strbuf_t sb = STRBUF_INIT;
    size_t i;
    json_t *c;
    json_array_foreach(cs, i, c)
        strbuf_sep(&sb, ",", json_string_value(json_object_get(c, "name")));
    return strbuf_take(&sb);
}

static void test_list_order(void)
{
    c8s_err_t err = C8S_ERR_INIT;
    json_t *live = J(DEP("", "",
                         "{'name':'a','image':'i'},{'name':'b','image':'i'},{'name':'c',"
                         "'image':'i'}"));
    json_t *cfg1 = J(DEP("", "",
                         "{'name':'a','image':'i'},{'name':'x','image':'i'},{'name':'b',"
                         "'image':'i'}"));
    json_t *cfg2 = J(DEP("", "", "{'name':'c','image':'i'},{'name':'a','image':'i'}"));
    json_t *o1 = NULL, *o2 = NULL;
    REQUIRE_VOID(managedfields_apply(deploy(), live, cfg1, &OTHER, false, &o1, &err) == 0);
    REQUIRE_VOID(managedfields_apply(deploy(), live, cfg2, &OTHER, false, &o2, &err) == 0);
    cleanup_free char *n1 = names(o1), *n2 = names(o2);
    CHECK_STR(n1, "a,x,b,c");
    CHECK_STR(n2, "b,c,a");
    json_t *cm = J("{'metadata':{'name':'c','finalizers':['p/p','q/q']}}");
    json_t *cmc = J("{'metadata':{'name':'c','finalizers':['r/r','p/p']}}");
    json_t *o3 = NULL;
    REQUIRE_VOID(managedfields_apply(api_kind_lookup("", "v1", "configmaps"), cm, cmc, &OTHER,
                                     false, &o3, &err) == 0);
    cleanup_free char *f =
        json_dumps(json_object_get(json_object_get(o3, "metadata"), "finalizers"), JSON_COMPACT);
    CHECK_STR(f, "[\"r/r\",\"p/p\",\"q/q\"]");
    json_decref(live);
    json_decref(cfg1);
    json_decref(cfg2);
    json_decref(o1);
    json_decref(o2);
    json_decref(cm);
    json_decref(cmc);
    json_decref(o3);
}

static void test_agent(void)
{
    const char *ua = "kubectl/v1.32.0 (linux/amd64) kubernetes/abc";
    cleanup_free char *m1 = managedfields_manager_from_agent(ua, strlen(ua));
    cleanup_free char *m2 = managedfields_manager_from_agent(NULL, 0);
    cleanup_free char *m3 = managedfields_manager_from_agent("curl", 4);
    CHECK_STR(m1, "kubectl");
    CHECK_STR(m2, "unknown");
    CHECK_STR(m3, "curl");
}

int main(void)
{
    test_fieldset_from_object();
    test_set_ops();
    test_compare();
    test_apply_create_update_prune();
    test_scale_then_apply();
    test_edit_then_apply();
    test_shared_and_sets();
    test_update_ops();
    test_garbage_entries();
    test_list_order();
    test_agent();
    TEST_END();
}
