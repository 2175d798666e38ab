/*
 * discovery.c — /api, /apis, /api/v1 and /apis/<group>/<version>: what the server serves, built
 * from the kinds registry.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

static json_t *verbs_for(const api_kind_t *k)
{
    if (!api_kind_stored(k))
        return json_pack("[s]", "create");
    return json_pack("[s,s,s,s,s,s,s,s]", "create", "delete", "deletecollection", "get", "list",
                     "patch", "update", "watch");
}

static json_t *strings(const char *const *list)
{
    json_t *a = json_array();
    for (; list && *list; list++)
        json_array_append_new(a, json_string(*list));
    return a;
}

static json_t *resource_list(const char *group, const char *version)
{
    char gv[256];
    if (*group)
        snprintf(gv, sizeof(gv), "%s/%s", group, version);
    else
        snprintf(gv, sizeof(gv), "%s", version);
    json_t *res = json_array();
    for (size_t i = 0; i < api_kinds_count(); i++) {
        const api_kind_t *k = api_kind_at(i);
        if (strcmp(k->group, group) != 0 || strcmp(k->version, version) != 0)
            continue;
        json_t *r =
            json_pack("{s:s, s:s, s:b, s:s, s:o}", "name", k->resource, "singularName", k->singular,
                      "namespaced", k->namespaced, "kind", k->kind, "verbs", verbs_for(k));
        if (k->short_names && k->short_names[0])
            json_object_set_new(r, "shortNames", strings(k->short_names));
        if (k->categories && k->categories[0])
            json_object_set_new(r, "categories", strings(k->categories));
        json_array_append_new(res, r);
        char name[160];
        if (k->subresources & API_SUB_STATUS) {
            snprintf(name, sizeof(name), "%s/status", k->resource);
            json_array_append_new(res,
                                  json_pack("{s:s, s:s, s:b, s:s, s:[s,s,s]}", "name", name,
                                            "singularName", "", "namespaced", k->namespaced, "kind",
                                            k->kind, "verbs", "get", "patch", "update"));
        }
        if (k->subresources & API_SUB_SCALE) {
            snprintf(name, sizeof(name), "%s/scale", k->resource);
            json_array_append_new(res,
                                  json_pack("{s:s, s:s, s:b, s:s, s:s, s:s, s:[s,s,s]}", "name",
                                            name, "singularName", "", "namespaced", k->namespaced,
                                            "group", "autoscaling", "version", "v1", "kind",
                                            "Scale", "verbs", "get", "patch", "update"));
        }
        if (k->subresources & API_SUB_BINDING) {
            snprintf(name, sizeof(name), "%s/binding", k->resource);
            json_array_append_new(res, json_pack("{s:s, s:s, s:b, s:s, s:[s]}", "name", name,
                                                 "singularName", "", "namespaced", k->namespaced,
                                                 "kind", "Binding", "verbs", "create"));
        }
        if (k->subresources & API_SUB_EVICTION) {
            snprintf(name, sizeof(name), "%s/eviction", k->resource);
            json_array_append_new(res, json_pack("{s:s, s:s, s:b, s:s, s:s, s:s, s:[s]}", "name",
                                                 name, "singularName", "", "namespaced",
                                                 k->namespaced, "group", "policy", "version", "v1",
                                                 "kind", "Eviction", "verbs", "create"));
        }
        if (k->subresources & API_SUB_APPROVAL) {
            snprintf(name, sizeof(name), "%s/approval", k->resource);
            json_array_append_new(res,
                                  json_pack("{s:s, s:s, s:b, s:s, s:[s,s,s]}", "name", name,
                                            "singularName", "", "namespaced", k->namespaced, "kind",
                                            k->kind, "verbs", "get", "patch", "update"));
        }
        if (k->subresources & API_SUB_TOKEN) {
            snprintf(name, sizeof(name), "%s/token", k->resource);
            json_array_append_new(res,
                                  json_pack("{s:s, s:s, s:b, s:s, s:s, s:s, s:[s]}", "name", name,
                                            "singularName", "", "namespaced", k->namespaced,
                                            "group", "authentication.k8s.io", "version", "v1",
                                            "kind", "TokenRequest", "verbs", "create"));
        }
    }
    if (json_array_size(res) == 0) {
        json_decref(res);
        return NULL;
    }
    return json_pack("{s:s, s:s, s:s, s:o}", "kind", "APIResourceList", "apiVersion", "v1",
                     "groupVersion", gv, "resources", res);
}

static json_t *group_list(void)
{
    json_t *groups = json_array();
    for (size_t i = 0; i < api_kinds_count(); i++) {
        const api_kind_t *k = api_kind_at(i);
        if (!*k->group)
            continue;
        json_t *g = NULL;
        size_t j;
        json_t *x;
        json_array_foreach(groups, j, x) if (strcmp(json_string_value(json_object_get(x, "name")),
                                                    k->group) == 0) g = x;
        char gv[128];
        snprintf(gv, sizeof(gv), "%s/%s", k->group, k->version);
        json_t *ver = json_pack("{s:s, s:s}", "groupVersion", gv, "version", k->version);
        if (!g) {
            g = json_pack("{s:s, s:[], s:O}", "name", k->group, "versions", "preferredVersion",
                          ver);
            json_array_append_new(groups, g);
        }
        json_t *vs = json_object_get(g, "versions");
        bool seen = false;
        json_array_foreach(vs, j, x) seen =
            seen || strcmp(json_string_value(json_object_get(x, "version")), k->version) == 0;
        if (!seen)
            json_array_append(vs, ver);
        json_decref(ver);
    }
    json_array_append_new(groups, apiserver__metrics_api_group());
    return json_pack("{s:s, s:s, s:o}", "kind", "APIGroupList", "apiVersion", "v1", "groups",
                     groups);
}

/* ---- Aggregated discovery (apidiscovery.k8s.io v2 and v2beta1): every group, version and
 * resource in one document, which kubectl 1.27+ asks for before the per-version lists. ---- */

static json_t *agg_resource(const api_kind_t *k)
{
    json_t *res = json_pack("{s:s, s:{s:s, s:s, s:s}, s:s, s:s, s:o}", "resource", k->resource,
                            "responseKind", "group", k->group, "version", k->version, "kind",
                            k->kind, "scope", k->namespaced ? "Namespaced" : "Cluster",
                            "singularResource", k->singular, "verbs", verbs_for(k));
    if (k->short_names && k->short_names[0])
        json_object_set_new(res, "shortNames", strings(k->short_names));
    if (k->categories && k->categories[0])
        json_object_set_new(res, "categories", strings(k->categories));
    json_t *subs = json_array();
    if (k->subresources & API_SUB_STATUS)
        json_array_append_new(subs, json_pack("{s:s, s:{s:s, s:s, s:s}, s:[s,s,s]}", "subresource",
                                              "status", "responseKind", "group", k->group,
                                              "version", k->version, "kind", k->kind, "verbs",
                                              "get", "patch", "update"));
    if (k->subresources & API_SUB_SCALE)
        json_array_append_new(subs,
                              json_pack("{s:s, s:{s:s, s:s, s:s}, s:[s,s,s]}", "subresource",
                                        "scale", "responseKind", "group", "autoscaling", "version",
                                        "v1", "kind", "Scale", "verbs", "get", "patch", "update"));
    if (k->subresources & API_SUB_BINDING)
        json_array_append_new(subs, json_pack("{s:s, s:{s:s, s:s, s:s}, s:[s]}", "subresource",
                                              "binding", "responseKind", "group", "", "version",
                                              "v1", "kind", "Binding", "verbs", "create"));
    if (k->subresources & API_SUB_EVICTION)
        json_array_append_new(subs,
                              json_pack("{s:s, s:{s:s, s:s, s:s}, s:[s]}", "subresource",
                                        "eviction", "responseKind", "group", "policy", "version",
                                        "v1", "kind", "Eviction", "verbs", "create"));
    if (k->subresources & API_SUB_APPROVAL)
        json_array_append_new(subs, json_pack("{s:s, s:{s:s, s:s, s:s}, s:[s,s,s]}", "subresource",
                                              "approval", "responseKind", "group", k->group,
                                              "version", k->version, "kind", k->kind, "verbs",
                                              "get", "patch", "update"));
    if (k->subresources & API_SUB_TOKEN)
        json_array_append_new(subs,
                              json_pack("{s:s, s:{s:s, s:s, s:s}, s:[s]}", "subresource", "token",
                                        "responseKind", "group", "authentication.k8s.io", "version",
                                        "v1", "kind", "TokenRequest", "verbs", "create"));
    if (json_array_size(subs) > 0)
        json_object_set_new(res, "subresources", subs);
    else
        json_decref(subs);
    return res;
}

/* core: only the legacy group ""; otherwise every named group. */
static json_t *agg_list(bool core, const char *api_version)
{
    json_t *items = json_array();
    for (size_t i = 0; i < api_kinds_count(); i++) {
        const api_kind_t *k = api_kind_at(i);
        if (core != (*k->group == '\0'))
            continue;
        json_t *group = NULL, *x;
        size_t j;
        json_array_foreach(items, j, x)
        {
            const char *n =
                json_string_value(json_object_get(json_object_get(x, "metadata"), "name"));
            if (strcmp(n ? n : "", k->group) == 0)
                group = x;
        }
        if (!group) {
            group = json_pack("{s:{}, s:[]}", "metadata", "versions");
            if (*k->group)
                json_object_set_new(json_object_get(group, "metadata"), "name",
                                    json_string(k->group));
            json_array_append_new(items, group);
        }
        json_t *versions = json_object_get(group, "versions"), *ver = NULL;
        json_array_foreach(versions, j,
                           x) if (strcmp(json_string_value(json_object_get(x, "version")),
                                         k->version) == 0) ver = x;
        if (!ver) {
            /* The registry lists preferred versions first, as discovery must. */
            ver = json_pack("{s:s, s:[], s:s}", "version", k->version, "resources", "freshness",
                            "Current");
            json_array_append_new(versions, ver);
        }
        json_array_append_new(json_object_get(ver, "resources"), agg_resource(k));
    }
    if (!core)
        json_array_append_new(items, apiserver__metrics_api_agg());
    return json_pack("{s:s, s:s, s:{}, s:o}", "kind", "APIGroupDiscoveryList", "apiVersion",
                     api_version, "metadata", "items", items);
}

/* Which aggregated form the Accept header asks for, or NULL. */
static const char *wants_aggregated(const api_req_t *r)
{
    if (!r->accept || !strstr(r->accept, "as=APIGroupDiscoveryList"))
        return NULL;
    if (strstr(r->accept, "g=apidiscovery.k8s.io;v=v2;") ||
        strstr(r->accept, "g=apidiscovery.k8s.io;v=v2,") ||
        (strstr(r->accept, "v=v2;") && !strstr(r->accept, "v=v2beta1")))
        return "v2";
    if (strstr(r->accept, "v=v2beta1"))
        return "v2beta1";
    return NULL;
}

static void respond_aggregated(api_req_t *r, bool core, const char *v)
{
    char api_version[64], ctype[160];
    snprintf(api_version, sizeof(api_version), "apidiscovery.k8s.io/%s", v);
    snprintf(ctype, sizeof(ctype),
             "application/json;g=apidiscovery.k8s.io;v=%s;as=APIGroupDiscoveryList", v);
    json_t *doc = agg_list(core, api_version);
    char *out = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    apiserver__respond(r, 200, ctype, out, strlen(out));
    free(out);
}

bool apiserver__discovery(api_req_t *r)
{
    const char *p = r->path;
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        n--;
    if (strcmp(r->method, "GET") != 0)
        return false;
    const char *agg = wants_aggregated(r);
    if (agg &&
        ((n == 4 && strncmp(p, "/api", 4) == 0) || (n == 5 && strncmp(p, "/apis", 5) == 0))) {
        r->verb = "GET";
        respond_aggregated(r, n == 4, agg);
        return true;
    }
    if (n == 4 && strncmp(p, "/api", 4) == 0) {
        r->verb = "GET";
        char addr[96];
        snprintf(addr, sizeof(addr), "%s:%d", r->srv->cfg.bind_address, r->srv->cfg.port);
        apiserver__respond_obj(r, 200,
                               json_pack("{s:s, s:[s], s:[{s:s, s:s}]}", "kind", "APIVersions",
                                         "versions", "v1", "serverAddressByClientCIDRs",
                                         "clientCIDR", "0.0.0.0/0", "serverAddress", addr));
        return true;
    }
    if (n == 5 && strncmp(p, "/apis", 5) == 0) {
        r->verb = "GET";
        apiserver__respond_obj(r, 200, group_list());
        return true;
    }
    char g[128] = "", v[64] = "";
    if (n == 7 && strncmp(p, "/api/v1", 7) == 0) {
        snprintf(v, sizeof(v), "v1");
    } else if (strncmp(p, "/apis/", 6) == 0) {
        const char *rest = p + 6;
        const char *slash = strchr(rest, '/');
        if (!slash || (size_t)(slash - p) >= n)
            return false;
        const char *ver = slash + 1;
        size_t vlen = n - (size_t)(ver - p);
        if (memchr(ver, '/', vlen) || vlen == 0 || vlen >= sizeof(v) ||
            (size_t)(slash - rest) >= sizeof(g))
            return false;
        memcpy(g, rest, (size_t)(slash - rest));
        memcpy(v, ver, vlen);
    } else {
        return false;
    }
    r->verb = "GET";
    json_t *list = strcmp(g, "metrics.k8s.io") == 0 && strcmp(v, "v1beta1") == 0
                       ? apiserver__metrics_api_resources()
                       : resource_list(g, v);
    if (!list) {
        apiserver__respond_code(r, C8S_ENOTFOUND,
                                "the server could not find the requested "
                                "resource");
        return true;
    }
    apiserver__respond_obj(r, 200, list);
    return true;
}
