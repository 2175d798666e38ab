/* fuzz_http.c — HTTP/1 requests as the API server sees them, from bytes and without a socket:
 * the request head split by the parser h2o uses (picohttpparser), then what on_req and the
 * handler chain compute before touching storage: the percent-decoded path, the query object,
 * the media type, upstream's RequestInfo (verb, group, resource, namespace, name, subresource),
 * the resource's kind, Accept negotiation for a get, a list and a watch, fieldValidation, limit,
 * and the body decoded as its Content-Type says. A RequestInfo must point inside what it was
 * given, and a negotiation that succeeds must pick a form that exists. */
#include "fuzz.h"
#include "../../src/apiserver/internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* libh2o exports picohttpparser (what its HTTP/1 server parses with); Debian ships no header. */
struct phr_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};
int phr_parse_request(const char *buf, size_t len, const char **method, size_t *method_len,
                      const char **path, size_t *path_len, int *minor_version,
                      struct phr_header *headers, size_t *num_headers, size_t last_len);

static char *header(const struct phr_header *h, size_t n, const char *name)
{
    char *v = NULL;
    for (size_t i = 0; i < n; i++)
        if (h[i].name && h[i].name_len == strlen(name) &&
            strncasecmp(h[i].name, name, h[i].name_len) == 0) {
            free(v); /* the last one wins, as h2o_find_header's caller reads it */
            v = xstrndup(h[i].value, h[i].value_len);
        }
    return v;
}

static void check_str(const char *s)
{
    /* Reads every byte: ASan catches a RequestInfo pointing at freed or foreign memory. */
    if (s && strlen(s) > (1u << 30))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data, *method, *path;
    size_t method_len, path_len, n_headers = 64;
    int minor;
    struct phr_header headers[64];
    int head = phr_parse_request(buf, size, &method, &method_len, &path, &path_len, &minor, headers,
                                 &n_headers, 0);
    if (head <= 0)
        return 0;
    api_req_t *r = xcalloc(1, sizeof(*r));
    r->method = xstrndup(method, method_len);
    const char *q = memchr(path, '?', path_len);
    size_t query_at = q ? (size_t)(q - path) : path_len;
    r->path = apiserver__path_decode(path, query_at);
    r->query = q ? apiserver__parse_query(q + 1, path_len - query_at - 1) : json_object();
    cleanup_free char *ct = header(headers, n_headers, "content-type");
    r->content_type = apiserver__media_type(ct);
    r->accept = header(headers, n_headers, "accept");
    r->if_none_match = header(headers, n_headers, "if-none-match");
    r->body = buf + head;
    r->body_len = size - (size_t)head;

    apiserver_reqinfo_t ri;
    apiserver__reqinfo(r, &ri);
    const auth_attrs_t *a = &ri.attrs;
    check_str(a->verb);
    check_str(a->api_group);
    check_str(a->resource);
    check_str(a->subresource);
    check_str(a->path);
    if (a->resource_request && a->resource)
        r->kind = api_kind_lookup(a->api_group ? a->api_group : "", "v1", a->resource);
    if (!r->kind)
        r->kind = api_kind_find("pods");
    if (a->subresource)
        r->subresource = xstrdup(a->subresource);
    apiserver__reqinfo_free(&ri);

    static const bool forms[][2] = {{false, false}, {true, false}, {true, true}};
    for (size_t i = 0; i < 3; i++) {
        c8s_err_t err = C8S_ERR_INIT;
        if (apiserver__negotiate(r, forms[i][0], forms[i][1], &err) == 0 &&
            r->as > APISERVER_AS_PARTIAL_LIST)
            abort();
        c8s_err_clear(&err);
    }
    c8s_err_t err = C8S_ERR_INIT;
    (void)apiserver__field_validation_param(r, &err);
    c8s_err_clear(&err);
    long long limit;
    (void)apiserver__query_int(r, "limit", &limit, &err);
    c8s_err_clear(&err);
    (void)apiserver__wants_yaml(r);
    json_t *obj = NULL;
    if (apiserver__decode_body(r, &obj, &err) == 0 && !obj)
        abort();
    json_decref(obj);
    c8s_err_clear(&err);
    apiserver__req_free(r);
    return 0;
}
