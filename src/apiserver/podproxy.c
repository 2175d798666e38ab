/*
 * podproxy.c — requests the API server answers by asking a node's kubelet (upstream's
 * nodes/proxy, pods/log, exec, attach, portforward): the node's address and port come from its
 * Node object (status.addresses, status.daemonEndpoints.kubeletEndpoint), the connection is the
 * kubelet client's (kubelet_client.h, TLS with the API server's kubelet-client certificate), and
 * the kubelet's answer streams back as it arrives, paced by the client: while h2o is still
 * writing, what comes from the kubelet queues, and past a bound the kubelet is not read.
 */
#include "internal.h"
#include "c8s/kubelet_client.h"

#include <strings.h>
#include <string.h>

/* Past this much queued for a slow client, the kubelet connection is not read until it drains. */
#define PENDING_MAX (1u << 20)

typedef struct proxy_s {
    h2o_generator_t super;
    apiserver_t *srv;
    api_req_t *r;
    char *node; /* the node's name */
    char *path; /* the kubelet's path with its query, escaped */
    unsigned head_timeout_ms;
    kubelet_req_t *kq;
    strbuf_t pending; /* from the kubelet, not yet handed to h2o */
    char *sending;    /* what h2o is writing (until proceed) */
    int status;
    bool started, in_flight, ended, paused;
    struct proxy_s *next, **pprev;
} proxy_t;

static bool query_true(const api_req_t *r, const char *name)
{
    const char *v = apiserver__query(r, name);
    return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

bool apiserver__long_running_attrs(const auth_attrs_t *a)
{
    if (!a->resource_request)
        return false;
    if (strcmp(a->verb, "watch") == 0 || strcmp(a->verb, "proxy") == 0)
        return true;
    static const char *const subs[] = {"log", "exec", "attach", "portforward", "proxy"};
    for (size_t i = 0; a->subresource && i < C8S_ARRAY_SIZE(subs); i++)
        if (strcmp(a->subresource, subs[i]) == 0)
            return true;
    return false;
}

bool apiserver__long_running(const api_req_t *r)
{
    apiserver_reqinfo_t ri;
    apiserver__reqinfo(r, &ri);
    bool lr = apiserver__long_running_attrs(&ri.attrs);
    apiserver__reqinfo_free(&ri);
    return lr;
}

/* ---- the stream's life ---- */

static void proxy_unlink(proxy_t *p)
{
    if (p->pprev) {
        *p->pprev = p->next;
        if (p->next)
            p->next->pprev = p->pprev;
        p->pprev = NULL;
        p->next = NULL;
    }
}

/* Frees p; r, if still p's, is answered with err first (nothing was sent yet) or finished. */
static void proxy_free(proxy_t *p, const c8s_err_t *err)
{
    proxy_unlink(p);
    if (p->kq)
        kubelet_req_cancel(p->kq);
    p->kq = NULL;
    api_req_t *r = p->r;
    p->r = NULL;
    if (r) {
        r->proxy = NULL;
        r->on_gone = NULL;
        if (err && !p->started)
            apiserver__respond_err(r, err);
        else
            apiserver__finish(r, p->status ? p->status : 499);
    }
    strbuf_free(&p->pending);
    free(p->sending);
    free(p->node);
    free(p->path);
    free(p);
}

/* Hands what is queued to h2o, or ends the answer when the kubelet has finished. */
static void flush(proxy_t *p)
{
    h2o_req_t *req = p->r ? p->r->h2o : NULL;
    if (!req || p->in_flight)
        return;
    free(p->sending);
    p->sending = NULL;
    if (p->pending.len > 0) {
        size_t n = p->pending.len;
        p->sending = strbuf_take(&p->pending);
        p->in_flight = true;
        h2o_iovec_t v = h2o_iovec_init(p->sending, n);
        h2o_send(req, &v, 1, H2O_SEND_STATE_IN_PROGRESS);
        if (p->paused && p->kq) {
            p->paused = false;
            kubelet_req_pause(p->kq, false);
        }
        return;
    }
    if (p->ended) {
        proxy_free(p, NULL);
        h2o_send(req, NULL, 0, H2O_SEND_STATE_FINAL);
    }
}

static void on_proceed(h2o_generator_t *g, h2o_req_t *req)
{
    proxy_t *p = (proxy_t *)g;
    p->in_flight = false;
    flush(p);
}

/* h2o is disposing of the request (the client went away). */
static void on_stop(h2o_generator_t *g, h2o_req_t *req)
{
    proxy_free((proxy_t *)g, NULL);
}

static void on_gone(api_req_t *r)
{
    proxy_t *p = r->proxy;
    if (p)
        proxy_free(p, NULL);
}

/* The value of header name in raw "Name: value\r\n" lines, or NULL (owned). */
static char *header_of(const char *h, size_t len, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i < len;) {
        const char *eol = memchr(h + i, '\n', len - i);
        size_t end = eol ? (size_t)(eol - h) : len;
        if (end - i > nl && h[i + nl] == ':' && strncasecmp(h + i, name, nl) == 0) {
            size_t a = i + nl + 1, b = end;
            while (a < b && (h[a] == ' ' || h[a] == '\t'))
                a++;
            while (b > a && (h[b - 1] == '\r' || h[b - 1] == ' '))
                b--;
            return xstrndup(h + a, b - a);
        }
        i = end + 1;
    }
    return NULL;
}

static void on_head(kubelet_req_t *q, int status, const char *headers, size_t len, void *data)
{
    proxy_t *p = data;
    h2o_req_t *req = p->r->h2o;
    p->status = status;
    p->started = true;
    if (!req)
        return; /* on_gone follows */
    cleanup_free char *ct = header_of(headers, len, "Content-Type");
    apiserver__audit_answer(p->r, status, NULL, NULL, 0);
    req->res.status = status;
    req->res.reason = "";
    if (ct)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                       h2o_strdup(&req->pool, ct, SIZE_MAX).base, strlen(ct));
    apiserver__emit_headers(p->r, req);
    h2o_start_response(req, &p->super);
}

static void on_body(kubelet_req_t *q, const char *buf, size_t len, void *data)
{
    proxy_t *p = data;
    strbuf_addn(&p->pending, buf, len);
    if (p->pending.len > PENDING_MAX && !p->paused) {
        p->paused = true;
        kubelet_req_pause(q, true);
    }
    flush(p);
}

static void on_end(kubelet_req_t *q, int code, const char *msg, void *data)
{
    proxy_t *p = data;
    p->kq = NULL; /* the library frees q after this */
    if (!p->started) {
        c8s_err_t err = C8S_ERR_INIT;
        c8s_err_set(&err, code ? code : C8S_EUNAVAILABLE, "%s",
                    msg ? msg : "the kubelet did not answer");
        proxy_free(p, &err);
        c8s_err_clear(&err);
        return;
    }
    if (code != 0)
        log_info("apiserver", "proxy to node %s ended early: %s", p->node, msg ? msg : "?");
    p->ended = true;
    flush(p);
}

/* ---- starting ---- */

/* The address the API server reaches node's kubelet at: InternalIP first, as kubeadm's
 * --kubelet-preferred-address-types has it, then ExternalIP. Borrowed from node. */
static const char *node_address(const json_t *node)
{
    static const char *const types[] = {"InternalIP", "ExternalIP"};
    const json_t *addrs = json_object_get(json_object_get(node, "status"), "addresses");
    for (size_t t = 0; t < C8S_ARRAY_SIZE(types); t++) {
        size_t i;
        json_t *a;
        json_array_foreach(addrs, i, a)
        {
            if (json_is_string(json_object_get(a, "type")) &&
                strcmp(json_string_value(json_object_get(a, "type")), types[t]) == 0 &&
                json_string_value(json_object_get(a, "address")))
                return json_string_value(json_object_get(a, "address"));
        }
    }
    return NULL;
}

static void connect_node(api_req_t *r)
{
    proxy_t *p = r->proxy;
    apiserver_t *s = r->srv;
    c8s_err_t err = C8S_ERR_INIT;
    if (!r->h2o) {
        proxy_free(p, NULL);
        return;
    }
    cleanup_free char *key = apiserver__key(r->res, NULL, p->node);
    wc_obj_t *o = wcache_get(r->res->cache, key);
    json_t *node = o ? json_loadb(o->json, o->json_len, 0, NULL) : NULL;
    const char *addr = node ? node_address(node) : NULL;
    json_int_t port = json_integer_value(json_object_get(
        json_object_get(json_object_get(json_object_get(node, "status"), "daemonEndpoints"),
                        "kubeletEndpoint"),
        "Port"));
    if (!o)
        c8s_err_set(&err, C8S_ENOTFOUND, "nodes \"%s\" not found", p->node);
    else if (!addr)
        c8s_err_set(&err, C8S_EUNAVAILABLE, "node %s has no InternalIP or ExternalIP address",
                    p->node);
    else if (port <= 0 || port > 65535)
        c8s_err_set(&err, C8S_EUNAVAILABLE, "node %s reports no kubelet port", p->node);
    if (err.code == 0) {
        kubelet_req_opts_t ko = {.address = addr,
                                 .port = (int)port,
                                 .server_name = p->node,
                                 .method = r->method,
                                 .path = p->path,
                                 .timeout_ms = p->head_timeout_ms};
        kubelet_req_cbs_t cbs = {.on_head = on_head, .on_body = on_body, .on_end = on_end};
        if (kubelet_req_start(s->kubelet_client, &s->loop, &ko, &cbs, p, &p->kq, &err) == 0) {
            json_decref(node);
            return;
        }
    }
    json_decref(node);
    proxy_free(p, &err);
    c8s_err_clear(&err);
}

/* Takes r over: answers it through node's kubelet at path (owned by the callee from now). */
static void proxy_start(api_req_t *r, const char *node, char *path, unsigned head_timeout_ms)
{
    apiserver_t *s = r->srv;
    if (!s->kubelet_client) {
        free(path);
        return apiserver__respond_code(r, C8S_EUNAVAILABLE,
                                       "this API server has no kubelet client certificate");
    }
    const api_kind_t *nk = api_kind_lookup("", "v1", "nodes");
    resource_t *nodes = nk ? apiserver__resource_for(s, nk) : NULL;
    if (!nodes) {
        free(path);
        return apiserver__respond_code(r, C8S_EINTERNAL, "no nodes resource");
    }
    proxy_t *p = xcalloc(1, sizeof(*p));
    p->super.proceed = on_proceed;
    p->super.stop = on_stop;
    p->srv = s;
    p->r = r;
    p->node = xstrdup(node);
    p->path = path;
    p->head_timeout_ms = head_timeout_ms;
    r->proxy = p;
    r->on_gone = on_gone;
    p->next = s->proxies;
    if (s->proxies)
        s->proxies->pprev = &p->next;
    s->proxies = p;
    p->pprev = &s->proxies;
    r->res = nodes;
    apiserver__when_ready(nodes, r, connect_node);
}

void apiserver__proxies_stop_all(apiserver_t *s)
{
    while (s->proxies) {
        proxy_t *p = s->proxies;
        if (p->started && p->r && p->r->h2o) {
            /* What the kubelet sent so far goes out, then the end. */
            if (p->kq)
                kubelet_req_cancel(p->kq);
            p->kq = NULL;
            p->ended = true;
            proxy_unlink(p);
            flush(p);
        } else {
            c8s_err_t err = C8S_ERR_INIT;
            c8s_err_set(&err, C8S_EUNAVAILABLE, "the server is shutting down");
            proxy_free(p, &err);
            c8s_err_clear(&err);
        }
    }
}

/* Characters left as they are in a path toward the kubelet; the rest is percent-escaped. */
static void add_escaped(strbuf_t *b, const char *s, bool keep_slash)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("-._~", c) || (keep_slash && c == '/'))
            strbuf_addn(b, s, 1);
        else
            strbuf_addf(b, "%%%02X", c);
    }
}

/* The request's query, re-escaped, after '?' (nothing when empty). */
static void add_query(strbuf_t *b, const api_req_t *r)
{
    const char *k;
    json_t *v;
    bool first = true;
    json_object_foreach(r->query, k, v)
    {
        strbuf_add(b, first ? "?" : "&");
        first = false;
        add_escaped(b, k, false);
        strbuf_add(b, "=");
        add_escaped(b, json_string_value(v) ? json_string_value(v) : "", false);
    }
}

void apiserver__node_proxy(api_req_t *r, const char *node, const char *rest)
{
    r->verb = "PROXY";
    if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0)
        return apiserver__respond_code(r, C8S_EMETHOD,
                                       "only GET is proxied to a node's kubelet here");
    strbuf_t b = STRBUF_INIT;
    strbuf_add(&b, "/");
    add_escaped(&b, rest[0] == '/' ? rest + 1 : rest, true);
    add_query(&b, r);
    (void)query_true;
    proxy_start(r, node, strbuf_take(&b), 0);
}
