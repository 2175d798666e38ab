/*
 * metrics_api.c — metrics.k8s.io/v1beta1 inside the API server, as upstream's metrics-server
 * serves it through the aggregator: NodeMetrics and PodMetrics (get and list, label and field
 * selectors, namespaces), read-only, built from the samples the scraper keeps
 * (metrics_api_store_t) and the watch caches of nodes and pods (for names and labels: as
 * metrics-server, an object is listed only when it exists and has a rate). The group is in
 * discovery (plain and aggregated) so kubectl top and the HPA controller find it. The scraper
 * (metrics_scrape.c) fills the store.
 */
#include "internal.h"

#include "c8s/metrics_api.h"
#include "c8s/selector.h"

#include <string.h>

#define GROUP   "metrics.k8s.io"
#define VERSION "v1beta1"
#define GV      GROUP "/" VERSION

/* ---- discovery ---- */

json_t *apiserver__metrics_api_group(void)
{
    return json_pack("{s:s, s:[{s:s, s:s}], s:{s:s, s:s}}", "name", GROUP, "versions",
                     "groupVersion", GV, "version", VERSION, "preferredVersion", "groupVersion", GV,
                     "version", VERSION);
}

json_t *apiserver__metrics_api_resources(void)
{
    return json_pack("{s:s, s:s, s:s, s:[{s:s, s:s, s:b, s:s, s:[s,s]}, {s:s, s:s, s:b, s:s, "
                     "s:[s,s]}]}",
                     "kind", "APIResourceList", "apiVersion", "v1", "groupVersion", GV, "resources",
                     "name", "nodes", "singularName", "", "namespaced", 0, "kind", "NodeMetrics",
                     "verbs", "get", "list", "name", "pods", "singularName", "", "namespaced", 1,
                     "kind", "PodMetrics", "verbs", "get", "list");
}

json_t *apiserver__metrics_api_agg(void)
{
    return json_pack(
        "{s:{s:s}, s:[{s:s, s:s, s:[{s:s, s:{s:s, s:s, s:s}, s:s, s:s, s:[s,s]}, {s:s, "
        "s:{s:s, s:s, s:s}, s:s, s:s, s:[s,s]}]}]}",
        "metadata", "name", GROUP, "versions", "version", VERSION, "freshness", "Current",
        "resources", "resource", "nodes", "responseKind", "group", GROUP, "version", VERSION,
        "kind", "NodeMetrics", "scope", "Cluster", "singularResource", "", "verbs", "get", "list",
        "resource", "pods", "responseKind", "group", GROUP, "version", VERSION, "kind",
        "PodMetrics", "scope", "Namespaced", "singularResource", "", "verbs", "get", "list");
}

/* ---- reads ---- */

static resource_t *cache_of(apiserver_t *s, const char *resource)
{
    const api_kind_t *k = api_kind_lookup("", "v1", resource);
    return k ? apiserver__resource_for(s, k) : NULL;
}

typedef struct {
    const metrics_api_store_t *store;
    bool pods;
    labelsel_t *labels;
    fieldsel_t *fields;
    json_t *items;
} list_t;

static bool visit(wc_obj_t *o, void *data)
{
    list_t *l = data;
    if (l->labels && !labelsel_matches(l->labels, o->labels))
        return true;
    if (l->fields) {
        json_t *md = json_pack("{s:{s:s}}", "metadata", "name", o->name);
        if (l->pods)
            json_object_set_new(json_object_get(md, "metadata"), "namespace", json_string(o->ns));
        bool ok = fieldsel_matches(l->fields, md);
        json_decref(md);
        if (!ok)
            return true;
    }
    json_t *m = l->pods ? metrics_api_store_pod(l->store, o->ns, o->name, o->labels)
                        : metrics_api_store_node(l->store, o->name, o->labels);
    if (m)
        json_array_append_new(l->items, m);
    return true;
}

void apiserver__metrics_api(api_req_t *r)
{
    r->verb = r->name ? "GET" : "LIST";
    bool pods = strcmp(r->resource, "pods") == 0;
    if (strcmp(r->version, VERSION) != 0 || r->subresource ||
        (!pods && strcmp(r->resource, "nodes") != 0) || (!pods && r->ns))
        return apiserver__respond_code(r, C8S_ENOTFOUND,
                                       "the server could not find the requested resource");
    const char *w = apiserver__query(r, "watch");
    if (strcmp(r->method, "GET") != 0 || (w && (strcmp(w, "true") == 0 || strcmp(w, "1") == 0)))
        return apiserver__respond_code(
            r, C8S_EMETHOD, "the server does not allow this method on the requested resource");
    resource_t *res = cache_of(r->srv, r->resource);
    const metrics_api_store_t *store = apiserver__metrics_store(r->srv);
    if (r->name) {
        json_t *m = NULL;
        if (res && store) {
            cleanup_free char *key = apiserver__key(res, r->ns, r->name);
            wc_obj_t *o = wcache_get(res->cache, key);
            if (o)
                m = pods ? metrics_api_store_pod(store, o->ns, o->name, o->labels)
                         : metrics_api_store_node(store, o->name, o->labels);
        }
        if (!m) {
            if (pods)
                return apiserver__respond_code(r, C8S_ENOTFOUND,
                                               "podmetrics.metrics.k8s.io \"%s/%s\" not found",
                                               r->ns, r->name);
            return apiserver__respond_code(r, C8S_ENOTFOUND,
                                           "nodemetrics.metrics.k8s.io \"%s\" not found", r->name);
        }
        return apiserver__respond_obj(r, 200, m);
    }
    c8s_err_t err = C8S_ERR_INIT;
    list_t l = {store, pods, NULL, NULL, json_array()};
    const char *ls = apiserver__query(r, "labelSelector");
    const char *fs = apiserver__query(r, "fieldSelector");
    if ((ls && *ls && labelsel_parse(ls, &l.labels, &err) != 0) ||
        (fs && *fs && fieldsel_parse(fs, &l.fields, &err) != 0)) {
        json_decref(l.items);
        labelsel_free(l.labels);
        err.code = C8S_EBADREQUEST;
        apiserver__respond_err(r, &err);
        c8s_err_clear(&err);
        return;
    }
    if (res && store) {
        cleanup_free char *prefix =
            r->ns ? xasprintf("%s%s/", res->prefix, r->ns) : xstrdup(res->prefix);
        wcache_scan(res->cache, prefix, NULL, visit, &l);
    }
    labelsel_free(l.labels);
    fieldsel_free(l.fields);
    apiserver__respond_obj(r, 200,
                           json_pack("{s:s, s:s, s:{}, s:o}", "kind",
                                     pods ? "PodMetricsList" : "NodeMetricsList", "apiVersion", GV,
                                     "metadata", "items", l.items));
}
