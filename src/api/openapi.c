/*
 * openapi.c — Swagger 2.0 and OpenAPI 3.0 documents from the schema tables and the kinds
 * registry. Both versions share one writer; they differ in where schemas live
 * (#/definitions/ or #/components/schemas/), how parameters carry their type, and how bodies
 * are described. kubectl reads the v3 documents: `explain` walks components.schemas from the
 * type carrying the kind's x-kubernetes-group-version-kind, and --validate=strict looks for a
 * fieldValidation query parameter on the kind's PATCH operation to let the server validate.
 */
#include "c8s/openapi.h"

#include "c8s/base.h"
#include "c8s/kinds.h"
#include "c8s/schema.h"

#include <string.h>

typedef struct {
    bool v3;
    const char *prefix; /* "#/definitions/" or "#/components/schemas/" */
} style_t;

static json_t *ref_to(const style_t *st, const schema_type_t *t)
{
    return json_pack("{s:s+}", "$ref", st->prefix, t->name);
}

static json_t *alias_schema(const style_t *st, const schema_type_t *t)
{
    json_t *o;
    switch (t->alias) {
    case SCHEMA_QUANTITY:
        /* A quantity is written as a string, though a plain number is accepted too. */
        o = st->v3 ? json_pack("{s:[{s:s},{s:s}]}", "oneOf", "type", "string", "type", "number")
                   : json_pack("{s:s}", "type", "string");
        break;
    case SCHEMA_INT_OR_STRING:
        o = json_pack("{s:s, s:s}", "type", "string", "format", "int-or-string");
        break;
    case SCHEMA_STRING:
        o = json_pack("{s:s}", "type", "string");
        if (t->format)
            json_object_set_new(o, "format", json_string(t->format));
        break;
    default:
        o = json_pack("{s:s}", "type", "object");
        break;
    }
    if (t->desc)
        json_object_set_new(o, "description", json_string(t->desc));
    return o;
}

static json_t *value_schema(const style_t *st, const schema_field_t *f)
{
    static const char *const names[] = {
        [SCHEMA_STRING] = "string",   [SCHEMA_INTEGER] = "integer", [SCHEMA_NUMBER] = "number",
        [SCHEMA_BOOLEAN] = "boolean", [SCHEMA_ANY] = "object",
    };
    if (f->kind == SCHEMA_REF && f->ref)
        return ref_to(st, f->ref);
    json_t *o =
        json_pack("{s:s}", "type",
                  f->kind < C8S_ARRAY_SIZE(names) && names[f->kind] ? names[f->kind] : "string");
    if (f->format)
        json_object_set_new(o, "format", json_string(f->format));
    return o;
}

static json_t *field_schema(const style_t *st, const schema_field_t *f)
{
    json_t *o;
    if (f->shape == SCHEMA_ARRAY) {
        o = json_pack("{s:s, s:o}", "type", "array", "items", value_schema(st, f));
    } else if (f->shape == SCHEMA_MAP) {
        o = json_pack("{s:s, s:o}", "type", "object", "additionalProperties", value_schema(st, f));
    } else if (f->kind == SCHEMA_REF && st->v3) {
        /* In 3.0 siblings of a $ref are ignored: wrap it so the description survives. */
        o = json_pack("{s:[o]}", "allOf", ref_to(st, f->ref));
    } else {
        o = value_schema(st, f);
    }
    if (f->desc)
        json_object_set_new(o, "description", json_string(f->desc));
    if (f->enums) {
        json_t *e = json_array();
        for (const char *const *v = f->enums; *v; v++)
            json_array_append_new(e, json_string(*v));
        json_object_set_new(o, "enum", e);
    }
    unsigned fl = f->flags;
    if (fl & (SCHEMA_F_PATCH_MERGE | SCHEMA_F_PATCH_RETAIN_KEYS | SCHEMA_F_PATCH_REPLACE)) {
        const char *s = (fl & SCHEMA_F_PATCH_MERGE) && (fl & SCHEMA_F_PATCH_RETAIN_KEYS)
                            ? "merge,retainKeys"
                        : (fl & SCHEMA_F_PATCH_MERGE)       ? "merge"
                        : (fl & SCHEMA_F_PATCH_RETAIN_KEYS) ? "retainKeys"
                                                            : "replace";
        json_object_set_new(o, "x-kubernetes-patch-strategy", json_string(s));
    }
    if (f->merge_key)
        json_object_set_new(o, "x-kubernetes-patch-merge-key", json_string(f->merge_key));
    if (fl & (SCHEMA_F_LIST_ATOMIC | SCHEMA_F_LIST_SET | SCHEMA_F_LIST_MAP))
        json_object_set_new(o, "x-kubernetes-list-type",
                            json_string(fl & SCHEMA_F_LIST_MAP   ? "map"
                                        : fl & SCHEMA_F_LIST_SET ? "set"
                                                                 : "atomic"));
    if (f->map_keys) {
        json_t *keys = json_array();
        for (const char *p = f->map_keys; *p;) {
            size_t n = strcspn(p, ",");
            json_array_append_new(keys, json_stringn(p, n));
            p += n;
            if (*p == ',')
                p++;
        }
        json_object_set_new(o, "x-kubernetes-list-map-keys", keys);
    }
    if (fl & (SCHEMA_F_MAP_ATOMIC | SCHEMA_F_MAP_GRANULAR))
        json_object_set_new(o, "x-kubernetes-map-type",
                            json_string(fl & SCHEMA_F_MAP_ATOMIC ? "atomic" : "granular"));
    return o;
}

static json_t *type_schema(const style_t *st, const schema_type_t *t)
{
    if (!t->fields)
        return alias_schema(st, t);
    json_t *o = json_pack("{s:s}", "type", "object");
    if (t->desc)
        json_object_set_new(o, "description", json_string(t->desc));
    json_t *props = json_object(), *req = json_array();
    for (size_t i = 0; i < t->n_fields; i++) {
        const schema_field_t *f = &t->fields[i];
        json_object_set_new(props, f->name, field_schema(st, f));
        if (f->flags & SCHEMA_F_REQUIRED)
            json_array_append_new(req, json_string(f->name));
    }
    json_object_set_new(o, "properties", props);
    if (json_array_size(req))
        json_object_set_new(o, "required", req);
    else
        json_decref(req);
    if (t->kind)
        json_object_set_new(o, "x-kubernetes-group-version-kind",
                            json_pack("[{s:s, s:s, s:s}]", "group", t->group, "kind", t->kind,
                                      "version", t->version));
    if (t->flags & SCHEMA_F_MAP_ATOMIC)
        json_object_set_new(o, "x-kubernetes-map-type", json_string("atomic"));
    return o;
}

/* Adds t and every type it reaches to schemas (an object keyed by definition name). */
static void add_closure(const style_t *st, const schema_type_t *t, json_t *schemas)
{
    if (json_object_get(schemas, t->name))
        return;
    json_object_set_new(schemas, t->name, type_schema(st, t));
    for (size_t i = 0; i < t->n_fields; i++)
        if (t->fields[i].kind == SCHEMA_REF && t->fields[i].ref)
            add_closure(st, t->fields[i].ref, schemas);
}

/* ---- paths ---- */

typedef struct {
    const char *name, *desc;
} param_t;

static const param_t list_params[] = {
    {"labelSelector", "Only objects whose labels match this selector."},
    {"fieldSelector", "Only objects whose fields match this selector."},
    {"limit", "At most this many items; the rest follow with continue."},
    {"continue", "The token from a previous page, to fetch the next one."},
    {"resourceVersion", "Read at (or after) this resource version."},
    {"resourceVersionMatch", "How resourceVersion applies: Exact or NotOlderThan."},
    {"watch", "Stream changes instead of listing."},
    {"allowWatchBookmarks", "Ask for BOOKMARK events in a watch."},
    {"timeoutSeconds", "End the list or watch after this many seconds."},
    {"sendInitialEvents", "Start a watch with the current objects as ADDED events."},
    {NULL, NULL},
};
static const param_t write_params[] = {
    {"dryRun", "All: check and answer as usual, but store nothing."},
    {"fieldManager", "Name of the actor making the change."},
    {"fieldValidation",
     "What to do with unknown or duplicate fields: Ignore, Warn (the default; warning headers) "
     "or Strict (reject the request)."},
    {NULL, NULL},
};
static const param_t patch_params[] = {
    {"force", "Take over conflicting fields (apply patches)."},
    {NULL, NULL},
};
static const param_t delete_params[] = {
    {"dryRun", "All: check and answer as usual, but delete nothing."},
    {"gracePeriodSeconds", "Seconds before the object is deleted; 0 means at once."},
    {"propagationPolicy", "Garbage collection of dependents: Orphan, Background or Foreground."},
    {"orphanDependents", "Deprecated: orphan the dependents (use propagationPolicy)."},
    {NULL, NULL},
};

static void add_params(const style_t *st, json_t *arr, const param_t *ps)
{
    for (const param_t *p = ps; p->name; p++) {
        const char *type = strcmp(p->name, "limit") == 0 ||
                                   strcmp(p->name, "timeoutSeconds") == 0 ||
                                   strcmp(p->name, "gracePeriodSeconds") == 0
                               ? "integer"
                           : strcmp(p->name, "watch") == 0 || strcmp(p->name, "force") == 0 ||
                                   strcmp(p->name, "allowWatchBookmarks") == 0 ||
                                   strcmp(p->name, "sendInitialEvents") == 0 ||
                                   strcmp(p->name, "orphanDependents") == 0
                               ? "boolean"
                               : "string";
        json_t *o =
            json_pack("{s:s, s:s, s:s}", "name", p->name, "in", "query", "description", p->desc);
        if (st->v3)
            json_object_set_new(o, "schema",
                                json_pack("{s:s, s:b}", "type", type, "uniqueItems", true));
        else
            json_object_set_new(o, "type", json_string(type));
        json_array_append_new(arr, o);
    }
}

static json_t *body_of(const style_t *st, const schema_type_t *t, bool patch)
{
    if (st->v3) {
        json_t *content = json_object();
        static const char *const patch_types[] = {
            "application/json-patch+json", "application/merge-patch+json",
            "application/strategic-merge-patch+json", "application/apply-patch+yaml"};
        if (patch) {
            for (size_t i = 0; i < C8S_ARRAY_SIZE(patch_types); i++)
                json_object_set_new(content, patch_types[i],
                                    json_pack("{s:{s:s}}", "schema", "type", "object"));
        } else {
            json_object_set_new(content, "*/*", json_pack("{s:o}", "schema", ref_to(st, t)));
        }
        return json_pack("{s:o, s:b}", "content", content, "required", true);
    }
    return json_pack("{s:s, s:s, s:b, s:o}", "name", "body", "in", "body", "required", true,
                     "schema", patch ? json_pack("{s:s}", "type", "object") : ref_to(st, t));
}

static json_t *op(const style_t *st, const api_kind_t *k, const schema_type_t *t,
                  const char *action, const char *op_verb, bool list_result)
{
    char id[256];
    snprintf(id, sizeof(id), "%s%s%s%s", op_verb, k->group[0] ? k->group : "core", k->version,
             k->kind);
    json_t *resp_schema = list_result ? json_pack("{s:s}", "type", "object") : ref_to(st, t);
    json_t *ok;
    if (st->v3)
        ok = json_pack("{s:s, s:{s:{s:o}, s:{s:o}}}", "description", "OK", "content",
                       "application/json", "schema", resp_schema, "application/yaml", "schema",
                       json_deep_copy(resp_schema));
    else
        ok = json_pack("{s:s, s:o}", "description", "OK", "schema", resp_schema);
    json_t *o = json_pack("{s:s, s:s, s:{s:o}, s:s, s:{s:s, s:s, s:s}}", "operationId", id,
                          "description", action, "responses", "200", ok, "x-kubernetes-action",
                          action, "x-kubernetes-group-version-kind", "group", k->group, "kind",
                          k->kind, "version", k->version);
    char tag[128];
    snprintf(tag, sizeof(tag), "%s_%s", k->group[0] ? k->group : "core", k->version);
    json_object_set_new(o, "tags", json_pack("[s]", tag));
    if (!st->v3) {
        json_object_set_new(o, "consumes", json_pack("[s]", "*/*"));
        json_object_set_new(o, "produces",
                            json_pack("[s,s]", "application/json", "application/yaml"));
    }
    return o;
}

static void with_params(json_t *o, json_t *params)
{
    if (json_array_size(params))
        json_object_set(o, "parameters", params);
    json_decref(params);
}

static json_t *path_param(const style_t *st, const char *name)
{
    json_t *o = json_pack("{s:s, s:s, s:b}", "name", name, "in", "path", "required", true);
    if (st->v3)
        json_object_set_new(o, "schema", json_pack("{s:s}", "type", "string"));
    else
        json_object_set_new(o, "type", json_string("string"));
    return o;
}

static void add_write(const style_t *st, json_t *o, const schema_type_t *t, bool patch)
{
    json_t *params = json_array();
    add_params(st, params, write_params);
    if (patch)
        add_params(st, params, patch_params);
    if (st->v3)
        json_object_set_new(o, "requestBody", body_of(st, t, patch));
    else
        json_array_insert_new(params, 0, body_of(st, t, patch));
    with_params(o, params);
}

static void add_paths(const style_t *st, const api_kind_t *k, json_t *paths)
{
    const schema_type_t *t = schema_type_for_kind(k);
    if (!t)
        return;
    char base[256], coll[320], item[384];
    if (k->group[0])
        snprintf(base, sizeof(base), "/apis/%s/%s", k->group, k->version);
    else
        snprintf(base, sizeof(base), "/api/%s", k->version);
    snprintf(coll, sizeof(coll), "%s%s/%s", base, k->namespaced ? "/namespaces/{namespace}" : "",
             k->resource);
    snprintf(item, sizeof(item), "%s/{name}", coll);

    json_t *c = json_object();
    if (!api_kind_stored(k)) {
        json_t *create = op(st, k, t, "post", "create", false);
        add_write(st, create, t, false);
        json_object_set_new(c, "post", create);
        if (k->namespaced)
            json_object_set_new(c, "parameters", json_pack("[o]", path_param(st, "namespace")));
        json_object_set_new(paths, coll, c);
        return;
    }
    json_t *lst = op(st, k, t, "list", "list", true);
    json_t *lp = json_array();
    add_params(st, lp, list_params);
    with_params(lst, lp);
    json_object_set_new(c, "get", lst);
    json_t *create = op(st, k, t, "post", "create", false);
    add_write(st, create, t, false);
    json_object_set_new(c, "post", create);
    json_t *dc = op(st, k, t, "deletecollection", "deleteCollection", true);
    json_t *dp = json_array();
    add_params(st, dp, delete_params);
    add_params(st, dp, list_params);
    with_params(dc, dp);
    json_object_set_new(c, "delete", dc);
    if (k->namespaced)
        json_object_set_new(c, "parameters", json_pack("[o]", path_param(st, "namespace")));
    json_object_set_new(paths, coll, c);

    const char *subs[] = {NULL, "status", "scale"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(subs); i++) {
        if (subs[i] && !api_kind_has_subresource(k, subs[i]))
            continue;
        char p[448];
        snprintf(p, sizeof(p), "%s%s%s", item, subs[i] ? "/" : "", subs[i] ? subs[i] : "");
        json_t *it = json_object();
        /* The scale subresource speaks autoscaling/v1 Scale, which c8s's schema does not
         * describe; its operations answer plain objects. */
        json_object_set_new(it, "get", op(st, k, t, "get", "read", i == 2));
        json_t *put = op(st, k, t, "put", "replace", i == 2);
        add_write(st, put, t, false);
        json_object_set_new(it, "put", put);
        json_t *patch = op(st, k, t, "patch", "patch", i == 2);
        add_write(st, patch, t, true);
        json_object_set_new(it, "patch", patch);
        if (!subs[i]) {
            json_t *del = op(st, k, t, "delete", "delete", true);
            json_t *pp = json_array();
            add_params(st, pp, delete_params);
            with_params(del, pp);
            json_object_set_new(it, "delete", del);
        }
        json_t *pparams = json_pack("[o]", path_param(st, "name"));
        if (k->namespaced)
            json_array_append_new(pparams, path_param(st, "namespace"));
        json_object_set_new(it, "parameters", pparams);
        json_object_set_new(paths, p, it);
    }
    if (k->namespaced) {
        char all[384];
        snprintf(all, sizeof(all), "%s/%s", base, k->resource);
        json_t *a = json_object();
        json_t *l = op(st, k, t, "list", "listForAllNamespaces", true);
        json_t *ap = json_array();
        add_params(st, ap, list_params);
        with_params(l, ap);
        json_object_set_new(a, "get", l);
        json_object_set_new(paths, all, a);
    }
}

json_t *openapi_v2(void)
{
    style_t st = {false, "#/definitions/"};
    json_t *defs = json_object(), *paths = json_object();
    for (size_t i = 0; i < schema_types_count(); i++)
        add_closure(&st, schema_type_at(i), defs);
    for (size_t i = 0; i < api_kinds_count(); i++)
        add_paths(&st, api_kind_at(i), paths);
    return json_pack("{s:s, s:{s:s, s:s}, s:o, s:o}", "swagger", "2.0", "info", "title", "c8s",
                     "version", "v1", "paths", paths, "definitions", defs);
}

json_t *openapi_v3_group_version(const char *group, const char *version)
{
    if (!group || !version)
        return NULL;
    style_t st = {true, "#/components/schemas/"};
    json_t *schemas = json_object(), *paths = json_object();
    bool any = false;
    for (size_t i = 0; i < api_kinds_count(); i++) {
        const api_kind_t *k = api_kind_at(i);
        if (strcmp(k->group, group) != 0 || strcmp(k->version, version) != 0)
            continue;
        const schema_type_t *t = schema_type_for_kind(k);
        if (!t)
            continue;
        any = true;
        add_closure(&st, t, schemas);
        add_paths(&st, k, paths);
    }
    if (!any) {
        json_decref(schemas);
        json_decref(paths);
        return NULL;
    }
    return json_pack("{s:s, s:{s:s, s:s}, s:o, s:{s:o}}", "openapi", "3.0.0", "info", "title",
                     "c8s", "version", "v1", "paths", paths, "components", "schemas", schemas);
}

json_t *openapi_v3_group_versions(void)
{
    json_t *out = json_array();
    for (size_t i = 0; i < api_kinds_count(); i++) {
        const api_kind_t *k = api_kind_at(i);
        char gv[256];
        if (k->group[0])
            snprintf(gv, sizeof(gv), "apis/%s/%s", k->group, k->version);
        else
            snprintf(gv, sizeof(gv), "api/%s", k->version);
        bool seen = false;
        size_t j;
        json_t *v;
        json_array_foreach(out, j, v) seen = seen || strcmp(json_string_value(v), gv) == 0;
        if (!seen)
            json_array_append_new(out, json_string(gv));
    }
    return out;
}
