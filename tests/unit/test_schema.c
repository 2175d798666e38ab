/* test_schema.c — c8s's schema tables: every kind described, upstream's facts where kubectl
 * relies on them (required fields, merge keys, as strategic merge patch reads them),
 * and fieldValidation's unknown / duplicate field checks. */
#include "c8s/kinds.h"
#include "c8s/patch.h"
#include "c8s/schema.h"
#include "test.h"

#include <string.h>

static bool problems_are(json_t *got, const char *const *want)
{
    size_t n = 0;
    for (; want[n]; n++) {
        bool found = false;
        size_t i;
        json_t *v;
        json_array_foreach(got, i, v) found = found || strcmp(json_string_value(v), want[n]) == 0;
        if (!found) {
            fprintf(stderr, "missing problem: %s\n", want[n]);
            return false;
        }
    }
    if (json_array_size(got) != n) {
        char *s = json_dumps(got, 0);
        fprintf(stderr, "problems: %s\n", s);
        free(s);
    }
    return json_array_size(got) == n;
}

int main(void)
{
    /* Every kind of the registry has a top-level type carrying its group/version/kind. */
    for (size_t i = 0; i < api_kinds_count(); i++) {
        const api_kind_t *k = api_kind_at(i);
        const schema_type_t *t = schema_type_for_kind(k);
        CHECK_MSG(t != NULL, "no schema for %s/%s %s", k->group, k->version, k->kind);
        if (!t)
            continue;
        CHECK_MSG(schema_field_find(t, "metadata") && schema_field_find(t, "apiVersion") &&
                      schema_field_find(t, "kind"),
                  "%s lacks apiVersion/kind/metadata", k->kind);
    }
    /* Field tables are sorted (schema_field_find searches them by halves), refs resolve. */
    for (size_t i = 0; i < schema_types_count(); i++) {
        const schema_type_t *t = schema_type_at(i);
        for (size_t j = 0; j + 1 < t->n_fields; j++)
            CHECK_MSG(strcmp(t->fields[j].name, t->fields[j + 1].name) < 0, "%s: %s before %s",
                      t->name, t->fields[j].name, t->fields[j + 1].name);
        for (size_t j = 0; j < t->n_fields; j++)
            CHECK_MSG(t->fields[j].kind != SCHEMA_REF || t->fields[j].ref, "%s.%s: no ref", t->name,
                      t->fields[j].name);
    }

    const api_kind_t *pod = api_kind_find("pods"), *deploy = api_kind_find("deployments");
    const schema_type_t *ps = schema_type_for_kind(pod);
    const schema_field_t *f = NULL;
    const schema_type_t *c = schema_type_at_path(ps, "spec.containers", &f);
    REQUIRE(c && f);
    CHECK_STR(c->name, "io.k8s.api.core.v1.Container");
    CHECK_INT(f->shape, SCHEMA_ARRAY);
    CHECK_STR(f->merge_key, "name");
    CHECK(f->flags & SCHEMA_F_PATCH_MERGE);
    CHECK(f->flags & SCHEMA_F_LIST_MAP);
    CHECK_STR(f->map_keys, "name");
    CHECK(schema_field_find(c, "name")->flags & SCHEMA_F_REQUIRED);
    CHECK(!(schema_field_find(c, "image")->flags & SCHEMA_F_REQUIRED));
    CHECK_STR(schema_field_find(c, "ports")->map_keys, "containerPort,protocol");
    CHECK(schema_field_find(c, "imagePullPolicy")->enums != NULL);
    CHECK_INT(schema_field_find(c, "resources")->kind, SCHEMA_REF);
    const schema_type_t *q = schema_type_at_path(c, "resources.limits", &f);
    CHECK(q && q->alias == SCHEMA_QUANTITY && f->shape == SCHEMA_MAP);
    CHECK(schema_type_at_path(schema_type_for_kind(deploy), "spec.strategy.rollingUpdate.maxSurge",
                              NULL)
              ->alias == SCHEMA_INT_OR_STRING);
    CHECK(schema_type_at_path(ps, "spec.nosuch", NULL) == NULL);
    CHECK(schema_type_by_name("io.k8s.api.apps.v1.DeploymentSpec") != NULL);
    CHECK(schema_type_by_name("io.k8s.api.apps.v1.Nope") == NULL);

    /* Strategic merge patch reads its merge keys and strategies from this schema
     * (patch_schema.c): upstream's facts, through the patch API. */
    static const struct {
        const char *kind, *path, *key;
        unsigned strategy;
    } merge_paths[] = {
        {"pods", "spec.containers", "name", PATCH_STRATEGY_MERGE},
        {"pods", "spec.volumes", "name", PATCH_STRATEGY_MERGE | PATCH_STRATEGY_RETAIN_KEYS},
        {"pods", "spec.containers.env", "name", PATCH_STRATEGY_MERGE},
        {"pods", "spec.containers.ports", "containerPort", PATCH_STRATEGY_MERGE},
        {"pods", "spec.containers.volumeMounts", "mountPath", PATCH_STRATEGY_MERGE},
        {"pods", "status.conditions", "type", PATCH_STRATEGY_MERGE},
        {"pods", "metadata.ownerReferences", "uid", PATCH_STRATEGY_MERGE},
        {"pods", "metadata.finalizers", NULL, PATCH_STRATEGY_MERGE},
        {"pods", "spec.tolerations", NULL, 0},
        {"deployments", "spec.template.spec.initContainers", "name", PATCH_STRATEGY_MERGE},
        {"deployments", "spec.strategy", NULL, PATCH_STRATEGY_RETAIN_KEYS},
        {"services", "spec.ports", "port", PATCH_STRATEGY_MERGE},
        {"nodes", "status.addresses", "type", PATCH_STRATEGY_MERGE},
        {"nodes", "spec.taints", NULL, 0},
        {"cronjobs", "spec.jobTemplate.spec.template.spec.containers", "name",
         PATCH_STRATEGY_MERGE},
    };
    for (size_t i = 0; i < C8S_ARRAY_SIZE(merge_paths); i++) {
        const api_kind_t *k = api_kind_find(merge_paths[i].kind);
        const char *key = patch_merge_key(k, merge_paths[i].path);
        CHECK_MSG((!key && !merge_paths[i].key) ||
                      (key && merge_paths[i].key && strcmp(key, merge_paths[i].key) == 0),
                  "merge key of %s %s: %s", merge_paths[i].kind, merge_paths[i].path,
                  key ? key : "(none)");
        CHECK_MSG(patch_strategy(k, merge_paths[i].path) == merge_paths[i].strategy,
                  "strategy of %s %s", merge_paths[i].kind, merge_paths[i].path);
    }
    CHECK(patch_schema_root(NULL) == NULL);

    /* Unknown fields, at any depth, named as upstream does; known ones pass. */
    json_error_t je;
    json_t *d = json_loads(
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"x\","
        "\"labelz\":{}},\"spec\":{\"replicas\":1,\"foo\":1,\"selector\":{\"matchLabels\":{\"a\":"
        "\"b\"}},\"template\":{\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{\"containers\":"
        "[{\"name\":\"a\",\"image\":\"i\"},{\"name\":\"b\",\"image\":\"i\",\"imagePullPolicyy\":"
        "\"Always\",\"resources\":{\"limits\":{\"cpu\":\"1\"}},\"env\":[{\"name\":\"e\","
        "\"valu\":\"v\"}]}]}}},\"status\":{}}",
        0, &je);
    REQUIRE(d);
    json_t *p = schema_unknown_fields(deploy, d, NULL, false);
    CHECK(problems_are(p, (const char *const[]){
                              "unknown field \"metadata.labelz\"", "unknown field \"spec.foo\"",
                              "unknown field \"spec.template.spec.containers[1].imagePullPolicyy\"",
                              "unknown field \"spec.template.spec.containers[1].env[0].valu\"",
                              NULL}));
    json_decref(p);
    /* Pruning drops them, so a second pass finds nothing and the known fields stay. */
    p = schema_unknown_fields(deploy, d, NULL, true);
    CHECK_INT(json_array_size(p), 4);
    json_decref(p);
    p = schema_unknown_fields(deploy, d, NULL, false);
    CHECK_INT(json_array_size(p), 0);
    json_decref(p);
    CHECK(json_object_get(json_object_get(d, "spec"), "replicas") != NULL);
    CHECK(json_object_get(json_object_get(d, "spec"), "foo") == NULL);
    json_decref(d);

    /* After a patch: unknown fields the stored object already had are let be (and kept); new
     * ones are reported, inside lists too. */
    json_t *old = json_pack("{s:{s:i, s:{s:{s:[{s:s, s:s}]}}}}", "spec", "legacy", 1, "template",
                            "spec", "containers", "name", "a", "oldx", "1");
    json_t *patched = json_deep_copy(old);
    json_t *pspec = json_object_get(patched, "spec");
    json_object_set_new(pspec, "newx", json_integer(2));
    json_t *c0 = json_array_get(
        json_object_get(json_object_get(json_object_get(pspec, "template"), "spec"), "containers"),
        0);
    json_object_set_new(c0, "newy", json_integer(3));
    p = schema_unknown_fields(deploy, patched, old, true);
    CHECK(problems_are(
        p, (const char *const[]){"unknown field \"spec.newx\"",
                                 "unknown field \"spec.template.spec.containers[0].newy\"", NULL}));
    json_decref(p);
    CHECK(json_object_get(pspec, "legacy") != NULL);
    CHECK(json_object_get(c0, "oldx") != NULL);
    CHECK(json_object_get(pspec, "newx") == NULL);
    json_decref(patched);
    json_decref(old);

    /* Free-form values (annotations, ConfigMap data) have no unknown keys. */
    json_t *cm =
        json_pack("{s:s, s:s, s:{s:s, s:{s:s}}, s:{s:s}}", "apiVersion", "v1", "kind", "ConfigMap",
                  "metadata", "name", "c", "annotations", "any/key", "v", "data", "whatever", "x");
    p = schema_unknown_fields(api_kind_find("configmaps"), cm, NULL, false);
    CHECK_INT(json_array_size(p), 0);
    json_decref(p);
    json_decref(cm);

    /* Duplicate fields in the JSON text. */
    p = json_array();
    const char *dup = "{\"spec\":{\"replicas\":1,\"replicas\":2}}";
    schema_duplicate_fields(dup, strlen(dup), p);
    CHECK(problems_are(p, (const char *const[]){"duplicate field \"replicas\"", NULL}));
    const char *clean = "{\"spec\":{\"replicas\":1}}";
    schema_duplicate_fields(clean, strlen(clean), p);
    CHECK_INT(json_array_size(p), 1);
    json_decref(p);
    TEST_END();
}
