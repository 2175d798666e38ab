/* test_openapi.c — the OpenAPI documents: what kubectl reads in them. explain finds a kind by
 * its schema's x-kubernetes-group-version-kind and walks $refs; --validate=strict lets the
 * server validate when the kind's PATCH operation lists a fieldValidation query parameter. */
#include "c8s/kinds.h"
#include "c8s/openapi.h"
#include "test.h"

#include <string.h>

static bool has_gvk(const json_t *schema, const api_kind_t *k)
{
    size_t i;
    json_t *g;
    json_array_foreach(
        json_object_get(schema, "x-kubernetes-group-version-kind"), i,
        g) if (strcmp(json_string_value(json_object_get(g, "group")), k->group) == 0 &&
               strcmp(json_string_value(json_object_get(g, "version")), k->version) == 0 &&
               strcmp(json_string_value(json_object_get(g, "kind")), k->kind) == 0) return true;
    return false;
}

static bool patch_has_field_validation(const json_t *paths, const api_kind_t *k)
{
    const char *p;
    json_t *item;
    json_object_foreach((json_t *)paths, p, item)
    {
        json_t *patch = json_object_get(item, "patch");
        json_t *gvk = json_object_get(patch, "x-kubernetes-group-version-kind");
        if (!gvk || strcmp(json_string_value(json_object_get(gvk, "kind")), k->kind) != 0 ||
            strcmp(json_string_value(json_object_get(gvk, "group")), k->group) != 0)
            continue;
        size_t i;
        json_t *param;
        json_array_foreach(json_object_get(patch, "parameters"), i,
                           param) if (strcmp(json_string_value(json_object_get(param, "name")),
                                             "fieldValidation") == 0 &&
                                      strcmp(json_string_value(json_object_get(param, "in")),
                                             "query") == 0) return true;
    }
    return false;
}

/* Every "$ref" in v resolves to a key of schemas. */
static bool refs_resolve(const json_t *v, const json_t *schemas, const char *prefix)
{
    if (json_is_object(v)) {
        const char *key;
        json_t *child;
        json_object_foreach((json_t *)v, key, child)
        {
            if (strcmp(key, "$ref") == 0) {
                const char *r = json_string_value(child);
                if (!r || strncmp(r, prefix, strlen(prefix)) != 0 ||
                    !json_object_get(schemas, r + strlen(prefix))) {
                    fprintf(stderr, "dangling $ref %s\n", r ? r : "(null)");
                    return false;
                }
            } else if (!refs_resolve(child, schemas, prefix)) {
                return false;
            }
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *child;
        json_array_foreach(v, i, child) if (!refs_resolve(child, schemas, prefix)) return false;
    }
    return true;
}

int main(void)
{
    json_t *v2 = openapi_v2();
    REQUIRE(v2);
    CHECK_STR(json_string_value(json_object_get(v2, "swagger")), "2.0");
    json_t *defs = json_object_get(v2, "definitions");
    for (size_t i = 0; i < api_kinds_count(); i++) {
        const api_kind_t *k = api_kind_at(i);
        bool found = false;
        const char *name;
        json_t *s;
        json_object_foreach(defs, name, s) found = found || has_gvk(s, k);
        CHECK_MSG(found, "v2: no definition for %s %s", k->group, k->kind);
        /* Create-only kinds (TokenReview ...) have no PATCH. */

        CHECK_MSG(!api_kind_stored(k) ||
                      patch_has_field_validation(json_object_get(v2, "paths"), k),
                  "v2: no fieldValidation on %s PATCH", k->kind);
    }
    CHECK(refs_resolve(v2, defs, "#/definitions/"));
    json_t *containers = json_object_get(
        json_object_get(json_object_get(defs, "io.k8s.api.core.v1.PodSpec"), "properties"),
        "containers");
    CHECK_STR(json_string_value(json_object_get(containers, "x-kubernetes-patch-merge-key")),
              "name");
    CHECK_STR(json_string_value(json_object_get(containers, "x-kubernetes-patch-strategy")),
              "merge");
    CHECK_STR(json_string_value(json_object_get(containers, "x-kubernetes-list-type")), "map");
    CHECK_STR(json_string_value(json_object_get(json_object_get(containers, "items"), "$ref")),
              "#/definitions/io.k8s.api.core.v1.Container");
    json_t *req =
        json_object_get(json_object_get(defs, "io.k8s.api.core.v1.Container"), "required");
    CHECK(json_array_size(req) == 1 &&
          strcmp(json_string_value(json_array_get(req, 0)), "name") == 0);
    CHECK(json_object_get(json_object_get(v2, "paths"),
                          "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"));
    CHECK(json_object_get(json_object_get(v2, "paths"), "/api/v1/nodes/{name}/status"));
    CHECK(!json_object_get(json_object_get(v2, "paths"), "/api/v1/configmaps/{name}"));
    /* The protobuf form (gnostic's Document): field 1 is "2.0"; the PATCH operations' extension
     * and fieldValidation parameter are in it. */
    size_t pb_len = 0;
    char *pb = openapi_v2_protobuf(v2, &pb_len);
    CHECK(pb_len > 100000 && memcmp(pb,
                                    "\x0a\x03"
                                    "2.0",
                                    5) == 0);
    CHECK(memmem(pb, pb_len, "fieldValidation", 15) != NULL);
    CHECK(memmem(pb, pb_len, "x-kubernetes-group-version-kind", 31) != NULL);
    CHECK(memmem(pb, pb_len, "io.k8s.api.core.v1.Container", 28) != NULL);
    free(pb);
    json_decref(v2);

    /* v3: one document per group-version, each self-contained. */
    json_t *gvs = openapi_v3_group_versions();
    CHECK_STR(json_string_value(json_array_get(gvs, 0)), "api/v1");
    bool apps = false;
    size_t i;
    json_t *gv;
    json_array_foreach(gvs, i, gv) apps =
        apps || strcmp(json_string_value(gv), "apis/apps/v1") == 0;
    CHECK(apps);
    json_decref(gvs);
    for (size_t n = 0; n < api_kinds_count(); n++) {
        const api_kind_t *k = api_kind_at(n);
        json_t *doc = openapi_v3_group_version(k->group, k->version);
        REQUIRE(doc);
        json_t *schemas = json_object_get(json_object_get(doc, "components"), "schemas");
        bool found = false;
        const char *name;
        json_t *s;
        json_object_foreach(schemas, name, s) found = found || has_gvk(s, k);
        CHECK_MSG(found, "v3: no schema for %s %s", k->group, k->kind);
        CHECK_MSG(!api_kind_stored(k) ||
                      patch_has_field_validation(json_object_get(doc, "paths"), k),
                  "v3: no fieldValidation on %s PATCH", k->kind);
        CHECK_MSG(refs_resolve(doc, schemas, "#/components/schemas/"), "v3 %s refs", k->kind);
        json_decref(doc);
    }
    json_t *apps_doc = openapi_v3_group_version("apps", "v1");
    json_t *strategy = json_object_get(
        json_object_get(
            json_object_get(json_object_get(json_object_get(apps_doc, "components"), "schemas"),
                            "io.k8s.api.apps.v1.DeploymentSpec"),
            "properties"),
        "strategy");
    CHECK_STR(json_string_value(json_object_get(strategy, "x-kubernetes-patch-strategy")),
              "retainKeys");
    CHECK(json_string_value(json_object_get(strategy, "description")) != NULL);
    json_decref(apps_doc);
    CHECK(openapi_v3_group_version("nosuch.io", "v1") == NULL);
    TEST_END();
}
