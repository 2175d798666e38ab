/*
 * http.c — h2o on the server's loop: accepting connections, turning an h2o request into an
 * api_req_t, the non-API endpoints (health, version, metrics), request limits, and answers.
 */
#include "internal.h"

#include "c8s/jsonw.h"
#include "c8s/version.h"
#include "c8s/yaml.h"

#include <h2o/http2.h>

#include <ctype.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>

static int on_req(h2o_handler_t *self, h2o_req_t *req);

typedef struct {
    h2o_handler_t super;
    apiserver_t *srv;
} handler_t;

void apiserver__h2o_init(apiserver_t *s)
{
    h2o_config_init(&s->h2o_config);
    /* h2o refuses bodies past its limit with a plain-text answer (HTTP/1.1) or a reset stream
     * (HTTP/2, which clients report as a transport error); we want a Status, so h2o's limit
     * sits well above ours and on_req checks ours. */
    s->h2o_config.max_request_entity_size = 2 * s->cfg.max_body_bytes + 1024 * 1024;
    /* HTTP/2 streams run at once per connection: what h2o 2.2 advertises in its SETTINGS, a
     * constant of the library (100: kube-apiserver's default too since the rapid-reset fixes of
     * 2023, which match Go clients' initial limit; its --http2-max-streams-per-connection has no
     * counterpart here, as h2o's SETTINGS frame is fixed bytes). A stream past
     * this limit waits until another ends, and a watch ends after 30-60 min: a lower value
     * than advertised would hang a client's request behind its own watches. Clients open
     * another connection at the advertised limit, as client-go does (bench/soak.c). */
    s->h2o_config.http2.max_concurrent_requests_per_connection =
        H2O_HTTP2_SETTINGS_HOST.max_concurrent_streams;
    h2o_hostconf_t *host =
        h2o_config_register_host(&s->h2o_config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *pc = h2o_config_register_path(host, "/", 0);
    handler_t *h = (handler_t *)h2o_create_handler(pc, sizeof(*h));
    h->super.on_req = on_req;
    h->srv = s;
    h2o_context_init(&s->h2o_ctx, &s->loop, &s->h2o_config);
    s->accept_ctx.ctx = &s->h2o_ctx;
    s->accept_ctx.hosts = s->h2o_config.hosts;
}

void apiserver__h2o_dispose(apiserver_t *s)
{
    h2o_context_dispose(&s->h2o_ctx);
    h2o_config_dispose(&s->h2o_config);
}

/* Our record of an accepted socket, so that a stop can end connections h2o still holds. */
typedef struct conn_s {
    uv_tcp_t tcp;
    apiserver_t *srv;
    struct conn_s *next, **pprev;
} conn_t;

static void free_conn(uv_handle_t *h)
{
    conn_t *c = (conn_t *)h;
    if (c->pprev) {
        *c->pprev = c->next;
        if (c->next)
            c->next->pprev = c->pprev;
    }
    free(c);
}

void apiserver__on_accept(uv_stream_t *listener, int status)
{
    apiserver_t *s = listener->data;
    if (status != 0 || s->stopping)
        return;
    conn_t *c = xcalloc(1, sizeof(*c));
    c->srv = s;
    uv_tcp_init(listener->loop, &c->tcp);
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0) {
        uv_close((uv_handle_t *)&c->tcp, free_conn);
        return;
    }
    c->next = s->conns;
    if (s->conns)
        s->conns->pprev = &c->next;
    s->conns = c;
    c->pprev = &s->conns;
    uv_tcp_nodelay(&c->tcp, 1);
    h2o_socket_t *sock = h2o_uv_socket_create((uv_stream_t *)&c->tcp, free_conn);
    h2o_accept(&s->accept_ctx, sock);
}

void apiserver__conns_shutdown(apiserver_t *s)
{
    /* h2o sees end-of-stream on its next read and closes each connection its own way. */
    for (conn_t *c = s->conns; c; c = c->next) {
        uv_os_fd_t fd;
        if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0)
            shutdown(fd, SHUT_RDWR);
    }
}

/* Lives in h2o's request pool: when h2o frees the request (client gone), it tells our request. */
typedef struct {
    api_req_t *r;
} req_guard_t;

static void on_guard_dispose(void *p)
{
    req_guard_t *g = p;
    if (g->r) {
        api_req_t *r = g->r;
        r->h2o = NULL;
        r->guard = NULL;
        /* A proxied stream waiting on a kubelet hears of it now, not at its next byte. */
        if (r->on_gone)
            r->on_gone(r);
    }
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static char *pct_decode(const char *s, size_t n, bool plus_is_space)
{
    char *out = xmalloc(n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval((unsigned char)s[i + 1]) >= 0 &&
            hexval((unsigned char)s[i + 2]) >= 0) {
            out[j++] =
                (char)(hexval((unsigned char)s[i + 1]) * 16 + hexval((unsigned char)s[i + 2]));
            i += 2;
        } else if (plus_is_space && s[i] == '+') {
            out[j++] = ' ';
        } else {
            out[j++] = s[i];
        }
    }
    out[j] = '\0';
    return out;
}

char *apiserver__path_decode(const char *s, size_t n)
{
    return pct_decode(s, n, false);
}

json_t *apiserver__parse_query(const char *q, size_t n)
{
    json_t *obj = json_object();
    size_t i = 0;
    while (i < n) {
        size_t end = i;
        while (end < n && q[end] != '&')
            end++;
        size_t eq = i;
        while (eq < end && q[eq] != '=')
            eq++;
        if (end > i) {
            cleanup_free char *k = pct_decode(q + i, eq - i, true);
            cleanup_free char *v =
                eq < end ? pct_decode(q + eq + 1, end - eq - 1, true) : xstrdup("");
            json_object_set_new(obj, k, json_string(v));
        }
        i = end + 1;
    }
    return obj;
}

static char *header_value(h2o_req_t *req, const h2o_token_t *token)
{
    ssize_t idx = h2o_find_header(&req->headers, token, -1);
    if (idx < 0)
        return NULL;
    h2o_iovec_t v = req->headers.entries[idx].value;
    return xstrndup(v.base, v.len);
}

char *apiserver__media_type(const char *ct)
{
    if (!ct)
        return NULL;
    size_t n = strcspn(ct, ";");
    while (n > 0 && isspace((unsigned char)ct[n - 1]))
        n--;
    char *m = xstrndup(ct, n);
    for (char *p = m; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return m;
}

void apiserver__req_free(api_req_t *r)
{
    if (!r)
        return;
    apiserver__audit_end(r);
    apiserver__apf_release(r);
    if (r->guard)
        ((req_guard_t *)r->guard)->r = NULL;
    free(r->method);
    free(r->path);
    json_decref(r->query);
    free(r->content_type);
    free(r->accept);
    free(r->group);
    free(r->version);
    free(r->ns);
    free(r->resource);
    free(r->name);
    free(r->subresource);
    json_decref(r->obj);
    json_decref(r->old);
    json_decref(r->items);
    free(r->cont_key);
    labelsel_free(r->lsel);
    fieldsel_free(r->fsel);
    json_decref(r->delete_opts);
    json_decref(r->alloc);
    free(r->tmp_qualified);
    json_decref(r->resp_headers);
    json_decref(r->adm_quotas);
    json_decref(r->adm_ranges);
    json_decref(r->adm_ns);
    free(r->if_none_match);
    free(r->stored);
    auth_user_free(r->user);
    free(r);
}

const auth_user_t *apiserver__req_user(const api_req_t *r)
{
    return r->user;
}

const char *apiserver__query(const api_req_t *r, const char *name)
{
    return json_string_value(json_object_get(r->query, name));
}

bool apiserver__wants_yaml(const api_req_t *r)
{
    return r->accept && strstr(r->accept, "application/yaml") &&
           !strstr(r->accept, "application/json");
}

void apiserver__finish(api_req_t *r, int status)
{
    apiserver_t *s = r->srv;
    if (r->counted) {
        if (r->mutating)
            s->inflight_mutating--;
        else
            s->inflight--;
    }
    double secs = (double)(c8s_now_ns() - r->start_ns) / 1e9;
    apiserver__metrics_request(s->metrics, r->verb ? r->verb : r->method,
                               r->metric_resource ? r->metric_resource : "", status, secs);
    apiserver__req_free(r);
}

void apiserver__emit_headers(api_req_t *r, h2o_req_t *req)
{
    size_t i;
    json_t *h;
    json_array_foreach(r->resp_headers, i, h)
    {
        const char *n = json_string_value(json_array_get(h, 0));
        const char *v = json_string_value(json_array_get(h, 1));
        /* h2o keeps the name pointers: both copies live in the request's pool. */
        h2o_iovec_t lower = h2o_strdup(&req->pool, n, SIZE_MAX);
        h2o_strtolower(lower.base, lower.len);
        h2o_add_header_by_str(&req->pool, &req->res.headers, lower.base, lower.len, 1,
                              h2o_strdup(&req->pool, n, SIZE_MAX).base,
                              h2o_strdup(&req->pool, v, SIZE_MAX).base, strlen(v));
    }
}

void apiserver__respond(api_req_t *r, int status, const char *content_type, const char *body,
                        size_t len)
{
    h2o_req_t *req = r->h2o;
    apiserver__audit_answer(r, status, content_type, body, len);
    if (r->call) {
        r->call->on_answer(r->call, status, content_type, body, len);
    } else if (req) {
        req->res.status = status;
        req->res.reason = "";
        if (content_type)
            h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                           content_type, strlen(content_type));
        if (status == 429)
            h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
                           H2O_STRLIT("1"));
        apiserver__emit_headers(r, req);
        h2o_send_inline(req, body, len);
    }
    apiserver__finish(r, status);
}

void apiserver__respond_obj(api_req_t *r, int status, json_t *obj)
{
    if (apiserver__wants_yaml(r)) {
        char *out = NULL;
        size_t len = 0;
        c8s_err_t err = C8S_ERR_INIT;
        if (json_to_yaml(obj, &out, &len, &err) == 0) {
            json_decref(obj);
            apiserver__respond(r, status, "application/yaml", out, len);
            free(out);
            return;
        }
        c8s_err_clear(&err);
    }
    size_t len = 0;
    char *out = jsonw_dump(obj, &len);
    json_decref(obj);
    if (!out) {
        apiserver__respond_code(r, C8S_EINTERNAL, "encoding the response failed");
        return;
    }
    apiserver__respond(r, status, "application/json", out, len);
    free(out);
}

void apiserver__respond_err(api_req_t *r, const c8s_err_t *err)
{
    const char *kind = r->resource;
    if (err->code == C8S_EINVALID && r->kind)
        kind = r->kind->kind;
    json_t *st = apiserver__status(err, r->group, kind, r->name);
    int http = c8s_err_http_status(err->code);
    apiserver__respond_obj(r, http, st);
}

void apiserver__respond_code(api_req_t *r, int code, const char *fmt, ...)
{
    c8s_err_t err = C8S_ERR_INIT;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err.msg, sizeof(err.msg), fmt, ap);
    va_end(ap);
    err.code = code;
    apiserver__respond_err(r, &err);
    c8s_err_clear(&err);
}

static bool is_watch(const api_req_t *r)
{
    const char *w = apiserver__query(r, "watch");
    return (w && (strcmp(w, "true") == 0 || strcmp(w, "1") == 0)) ||
           strncmp(r->path, "/api/v1/watch/", 14) == 0 || strstr(r->path, "/watch/") != NULL;
}

static bool health_endpoint(api_req_t *r)
{
    const char *p = r->path;
    if (strcmp(p, "/healthz") == 0 || strcmp(p, "/livez") == 0 || strncmp(p, "/healthz/", 9) == 0 ||
        strncmp(p, "/livez/", 7) == 0) {
        r->verb = "GET";
        apiserver__respond(r, 200, "text/plain; charset=utf-8", "ok", 2);
        return true;
    }
    if (strcmp(p, "/readyz") == 0 || strncmp(p, "/readyz/", 8) == 0) {
        r->verb = "GET";
        /* Name each check as upstream does, so an operator sees which one holds readiness back. */
        bool etcd_ok = store_healthy(r->srv->store);
        bool synced = true;
        for (size_t i = 0; synced && i < r->srv->n_resources; i++)
            synced = r->srv->resources[i].ready;
        bool boot_ok = r->srv->bootstrapped;
        bool verbose = apiserver__query(r, "verbose") != NULL;
        if (etcd_ok && synced && boot_ok && !verbose) {
            apiserver__respond(r, 200, "text/plain; charset=utf-8", "ok", 2);
            return true;
        }
        char body[320];
        int n = snprintf(body, sizeof(body),
                         "[+]ping ok\n[%c]etcd %s\n[%c]informer-sync %s\n"
                         "[%c]poststarthook/c8s-bootstrap %s\n%s",
                         etcd_ok ? '+' : '-', etcd_ok ? "ok" : "failed: reason withheld",
                         synced ? '+' : '-', synced ? "ok" : "failed: reason withheld",
                         boot_ok ? '+' : '-', boot_ok ? "ok" : "failed: reason withheld",
                         etcd_ok && synced && boot_ok ? "readyz check passed\n"
                                                      : "readyz check failed\n");
        apiserver__respond(r, etcd_ok && synced && boot_ok ? 200 : 500, "text/plain; charset=utf-8",
                           body, (size_t)n);
        return true;
    }
    if (strcmp(p, "/version") == 0) {
        r->verb = "GET";
        json_t *v =
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "major", C8S_KUBE_MAJOR,
                      "minor", C8S_KUBE_MINOR, "gitVersion", C8S_KUBE_VERSION "+c8s", "gitCommit",
                      "", "gitTreeState", "clean", "buildDate", "", "goVersion", "c8s " C8S_VERSION,
                      "compiler", "gcc", "platform", "linux/amd64");
        apiserver__respond_obj(r, 200, v);
        return true;
    }
    return false;
}

/* /metrics: after authentication and authorization, as upstream (system:monitoring's). */
static bool metrics_endpoint(api_req_t *r)
{
    if (strcmp(r->path, "/metrics") != 0)
        return false;
    r->verb = "GET";
    size_t len = 0;
    char *text = apiserver__metrics_text(r->srv, &len);
    apiserver__respond(r, 200, "text/plain; version=0.0.4", text, len);
    free(text);
    return true;
}

/* /api/<v>/<resource…> or /apis/<g>/<v>/<resource…>: what route.c parses (discovery documents
 * are the shorter paths). */
static bool resource_request_path(const char *p)
{
    int min = strncmp(p, "/api/", 5) == 0 ? 3 : strncmp(p, "/apis/", 6) == 0 ? 4 : 0;
    if (!min)
        return false;
    int n = 0;
    for (const char *c = p; *c; c++)
        if (*c == '/' && c[1] && c[1] != '/')
            n++;
    return n >= min;
}

/* After priority and fairness has given r a seat. */
static void admitted(api_req_t *r)
{
    apiserver_t *s = r->srv;
    /* The in-flight gauges of /metrics: requests holding a seat (not watches, not the server's
     * own calls), as upstream's max-in-flight filter counted them. */
    if (!is_watch(r) && !r->call && !apiserver__long_running(r)) {
        r->mutating = strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0 &&
                      strcmp(r->method, "OPTIONS") != 0;
        (*(r->mutating ? &s->inflight_mutating : &s->inflight))++;
        r->counted = true;
    }
    /* Resource paths are authorized by route.c once parsed; everything else here. */
    bool resource_path = resource_request_path(r->path);
    if (!resource_path && !apiserver__authorize(r))
        return;
    if (apiserver__discovery(r) || apiserver__openapi(r) || apiserver__oidc(r) ||
        apiserver__apf_debug(r) || metrics_endpoint(r))
        return;
    if (resource_path) {
        apiserver__route(r);
        return;
    }
    r->verb = r->method;
    apiserver__respond_code(r, C8S_ENOTFOUND, "the server could not find the requested resource");
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    apiserver_t *s = ((handler_t *)self)->srv;
    api_req_t *r = xcalloc(1, sizeof(*r));
    r->srv = s;
    r->h2o = req;
    r->start_ns = c8s_now_ns();
    req_guard_t *g = h2o_mem_alloc_shared(&req->pool, sizeof(*g), on_guard_dispose);
    g->r = r;
    r->guard = g;
    r->method = xstrndup(req->method.base, req->method.len);
    size_t path_len = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    r->path = apiserver__path_decode(req->path.base, path_len);
    r->query = req->query_at != SIZE_MAX
                   ? apiserver__parse_query(req->path.base + req->query_at + 1,
                                            req->path.len - req->query_at - 1)
                   : json_object();
    cleanup_free char *ct = header_value(req, H2O_TOKEN_CONTENT_TYPE);
    r->content_type = apiserver__media_type(ct);
    r->accept = header_value(req, H2O_TOKEN_ACCEPT);
    r->if_none_match = header_value(req, H2O_TOKEN_IF_NONE_MATCH);
    r->body = req->entity.base;
    r->body_len = req->entity.base ? req->entity.len : 0;

    apiserver__handle(r);
    return 0;
}

void apiserver__handle(api_req_t *r)
{
    apiserver_t *s = r->srv;
    if (health_endpoint(r))
        return;
    if (r->body_len > s->cfg.max_body_bytes) {
        r->verb = r->method;
        apiserver__respond_code(r, C8S_ETOOLARGE, "Request entity too large: limit is %zu",
                                s->cfg.max_body_bytes);
        return;
    }
    if (!apiserver__authenticate(r))
        return;
    if (!apiserver__impersonate(r))
        return;
    apiserver__audit_begin(r);
    apiserver__apf_admit(r, admitted);
}
