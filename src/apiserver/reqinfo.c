/*
 * reqinfo.c — upstream's RequestInfo from the method, path and query alone, before routing:
 * what priority and fairness classifies by and what the audit log's objectRef and verb say.
 */
#include "internal.h"

#include <ctype.h>
#include <string.h>

void apiserver__reqinfo_free(apiserver_reqinfo_t *ri)
{
    free(ri->buf);
    memset(ri, 0, sizeof(*ri));
}

static bool query_true(const api_req_t *r, const char *name)
{
    const char *v = apiserver__query(r, name);
    return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

void apiserver__reqinfo(const api_req_t *r, apiserver_reqinfo_t *ri)
{
    memset(ri, 0, sizeof(*ri));
    auth_attrs_t *a = &ri->attrs;
    a->path = r->path;
    /* Lower-case method for non-resource requests, as upstream's authorizer sees them. */
    size_t i = 0;
    for (; r->method[i] && i < sizeof(ri->method) - 1; i++)
        ri->method[i] = (char)tolower((unsigned char)r->method[i]);
    ri->method[i] = '\0';
    a->verb = ri->method;

    bool core = strncmp(r->path, "/api/", 5) == 0;
    if (!core && strncmp(r->path, "/apis/", 6) != 0)
        return;
    ri->buf = xstrdup(r->path);
    char *seg[12];
    int n = 0;
    for (char *tok = strtok(ri->buf, "/"); tok && n < 12; tok = strtok(NULL, "/"))
        seg[n++] = tok;
    int k = core ? 1 : 2;
    if (n < k + 2) /* discovery (/api, /api/v1, /apis/g/v) is a non-resource request */
        return;
    a->api_group = core ? "" : seg[1];
    a->api_version = seg[k];
    k++;
    bool watch_path = false;
    if (strcmp(seg[k], "watch") == 0) {
        watch_path = true;
        k++;
    }
    int rest = n - k;
    if (rest >= 2 && strcmp(seg[k], "namespaces") == 0) {
        a->ns = seg[k + 1];
        if (rest == 2) {
            /* namespaces/<name> is the namespace object itself */
            a->resource = seg[k];
            a->name = seg[k + 1];
            a->ns = NULL;
            rest = 0;
        } else if (rest == 3 &&
                   (strcmp(seg[k + 2], "status") == 0 || strcmp(seg[k + 2], "finalize") == 0)) {
            a->resource = seg[k];
            a->name = seg[k + 1];
            a->subresource = seg[k + 2];
            a->ns = NULL;
            rest = 0;
        } else {
            k += 2;
            rest -= 2;
        }
    }
    if (rest >= 1) {
        a->resource = seg[k];
        if (rest >= 2)
            a->name = seg[k + 1];
        if (rest >= 3)
            a->subresource = seg[k + 2];
    }
    if (!a->resource)
        return;
    a->resource_request = true;
    const char *m = r->method;
    if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0) {
        if (watch_path || query_true(r, "watch"))
            a->verb = "watch";
        else
            a->verb = a->name ? "get" : "list";
    } else if (strcmp(m, "POST") == 0) {
        a->verb = "create";
    } else if (strcmp(m, "PUT") == 0) {
        a->verb = "update";
    } else if (strcmp(m, "PATCH") == 0) {
        a->verb = "patch";
    } else if (strcmp(m, "DELETE") == 0) {
        a->verb = a->name ? "delete" : "deletecollection";
    }
    /* A namespace object's own namespace is itself, as upstream's RequestInfo says. */
    if (strcmp(a->resource, "namespaces") == 0 && a->name && !a->ns && a->api_group[0] == '\0')
        a->ns = a->name;
}
