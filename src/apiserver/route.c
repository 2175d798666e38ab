/*
 * route.c — /api/v1/… and /apis/<group>/<version>/… paths to a kind, a scope and a verb. One
 * generic handler serves every kind: the kinds registry is the table.
 */
#include "internal.h"

#include <string.h>

static int split(char *path, char **seg, int max)
{
    int n = 0;
    for (char *tok = strtok(path, "/"); tok && n < max; tok = strtok(NULL, "/"))
        seg[n++] = tok;
    return strtok(NULL, "/") ? max + 1 : n;
}

static void not_found(api_req_t *r)
{
    r->verb = r->method;
    apiserver__respond_code(r, C8S_ENOTFOUND, "the server could not find the requested resource");
}

static void dispatch(api_req_t *r)
{
    const char *m = r->method;
    const char *sub = r->subresource;
    bool watch = false;
    const char *w = apiserver__query(r, "watch");
    if (w && (strcmp(w, "true") == 0 || strcmp(w, "1") == 0))
        watch = true;
    if (r->verb && strcmp(r->verb, "WATCH") == 0)
        watch = true;

    if (sub && strcmp(sub, "scale") == 0) {
        if (!(r->kind->subresources & API_SUB_SCALE))
            return not_found(r);
        r->verb = m;
        return apiserver__scale(r);
    }
    if (sub && strcmp(sub, "binding") == 0) {
        if (!(r->kind->subresources & API_SUB_BINDING))
            return not_found(r);
        r->verb = "POST";
        if (strcmp(m, "POST") != 0)
            return apiserver__respond_code(r, C8S_EMETHOD,
                                           "the server does not allow this method on the "
                                           "requested resource");
        return apiserver__binding(r);
    }
    if (sub && strcmp(sub, "eviction") == 0) {
        if (!(r->kind->subresources & API_SUB_EVICTION) || !r->name)
            return not_found(r);
        return apiserver__eviction(r);
    }
    if (sub && strcmp(sub, "log") == 0 && strcmp(r->kind->resource, "pods") == 0)
        return apiserver__pod_log(r);
    if (sub && strcmp(r->kind->resource, "pods") == 0 &&
        (strcmp(sub, "exec") == 0 || strcmp(sub, "attach") == 0 || strcmp(sub, "portforward") == 0))
        return apiserver__pod_exec(r);
    if (sub && strcmp(sub, "token") == 0) {
        if (!(r->kind->subresources & API_SUB_TOKEN) || !r->name)
            return not_found(r);
        return apiserver__token_request(r);
    }
    if (sub && strcmp(sub, "approval") == 0 && !(r->kind->subresources & API_SUB_APPROVAL))
        return not_found(r);
    if (sub && strcmp(sub, "status") != 0 && strcmp(sub, "approval") != 0 &&
        !(strcmp(sub, "finalize") == 0 && strcmp(r->kind->resource, "namespaces") == 0))
        return not_found(r);
    if (sub && strcmp(sub, "status") == 0 && !(r->kind->subresources & API_SUB_STATUS))
        return not_found(r);

    if (strcmp(m, "GET") == 0) {
        if (watch) {
            r->verb = "WATCH";
            return apiserver__watch(r);
        }
        if (r->name) {
            r->verb = "GET";
            return apiserver__get(r);
        }
        r->verb = "LIST";
        return apiserver__list(r);
    }
    if (strcmp(m, "POST") == 0 && !r->name) {
        r->verb = "POST";
        return apiserver__create(r);
    }
    if (strcmp(m, "PUT") == 0 && r->name) {
        r->verb = "PUT";
        return apiserver__update(r);
    }
    if (strcmp(m, "PATCH") == 0 && r->name) {
        r->verb = "PATCH";
        return apiserver__patch(r);
    }
    if (strcmp(m, "DELETE") == 0 && !sub) {
        r->verb = "DELETE";
        return r->name ? apiserver__delete(r) : apiserver__deletecollection(r);
    }
    r->verb = m;
    apiserver__respond_code(r, C8S_EMETHOD,
                            "the server does not allow this method on the requested resource");
}

/* /api/v1/nodes/{name}/proxy[/path…]: the path past proxy is the kubelet's, any length. */
static bool node_proxy(api_req_t *r)
{
    static const char pre[] = "/api/v1/nodes/";
    if (strncmp(r->path, pre, sizeof(pre) - 1) != 0)
        return false;
    const char *name = r->path + sizeof(pre) - 1;
    const char *slash = strchr(name, '/');
    if (!slash || slash == name || strncmp(slash, "/proxy", 6) != 0 ||
        (slash[6] != '\0' && slash[6] != '/'))
        return false;
    r->group = xstrdup("");
    r->version = xstrdup("v1");
    r->resource = xstrdup("nodes");
    r->name = xstrndup(name, (size_t)(slash - name));
    r->subresource = xstrdup("proxy");
    r->metric_resource = r->resource;
    if (apiserver__authorize(r)) {
        cleanup_free char *node = xstrdup(r->name);
        apiserver__node_proxy(r, node, slash + 6);
    }
    return true;
}

void apiserver__route(api_req_t *r)
{
    if (node_proxy(r))
        return;
    cleanup_free char *path = xstrdup(r->path);
    char *seg[12];
    int n = split(path, seg, 10);
    int i;
    if (n > 10)
        return not_found(r);
    if (strcmp(seg[0], "api") == 0) {
        if (n < 3)
            return not_found(r);
        r->group = xstrdup("");
        r->version = xstrdup(seg[1]);
        i = 2;
    } else {
        if (n < 4)
            return not_found(r);
        r->group = xstrdup(seg[1]);
        r->version = xstrdup(seg[2]);
        i = 3;
    }
    if (strcmp(seg[i], "watch") == 0) {
        r->verb = "WATCH";
        i++;
    }
    int rest = n - i;
    if (rest >= 2 && strcmp(seg[i], "namespaces") == 0 &&
        !(rest == 2 || (rest == 3 && (strcmp(seg[i + 2], "status") == 0 ||
                                      strcmp(seg[i + 2], "finalize") == 0)))) {
        r->ns = xstrdup(seg[i + 1]);
        i += 2;
        rest -= 2;
    }
    if (rest < 1 || rest > 3)
        return not_found(r);
    r->resource = xstrdup(seg[i]);
    if (rest >= 2)
        r->name = xstrdup(seg[i + 1]);
    if (rest == 3)
        r->subresource = xstrdup(seg[i + 2]);
    r->metric_resource = r->resource;
    if (!apiserver__authorize(r))
        return;
    if (strcmp(r->group, "metrics.k8s.io") == 0)
        return apiserver__metrics_api(r);
    r->kind = api_kind_lookup(r->group, r->version, r->resource);
    if (!r->kind)
        return not_found(r);
    if (r->ns && !r->kind->namespaced)
        return not_found(r);
    if (!api_kind_stored(r->kind))
        return apiserver__review(r);
    r->res = apiserver__resource_for(r->srv, r->kind);
    if (!r->res)
        return not_found(r);
    const char *dry = apiserver__query(r, "dryRun");
    if (dry && *dry) {
        if (strcmp(dry, "All") != 0)
            return apiserver__respond_code(r, C8S_EBADREQUEST,
                                           "Invalid dryRun value: %s (supported: All)", dry);
        r->dry_run = true;
    }
    c8s_err_t err = C8S_ERR_INIT;
    if (apiserver__field_validation_param(r, &err) != 0) {
        apiserver__respond_err(r, &err);
        c8s_err_clear(&err);
        return;
    }
    dispatch(r);
}
