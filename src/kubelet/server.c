/*
 * server.c — the kubelet's HTTPS port: h2o on the kubelet's loop, TLS with a client certificate
 * asked for on every connection, the identity check, the route table and answers (whole or
 * streamed).
 *
 * As on the API port (src/apiserver/tls.c), the handshake never fails for a missing or foreign
 * certificate: the request is answered 401 with a Status instead, which a client can explain.
 */
#include "server_int.h"

#include <ctype.h>
#include <stdio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <string.h>
#include <sys/socket.h>

#define DRAIN_MS 3000

typedef struct {
    char *prefix;
    size_t len;
    kubelet_server_handler_fn fn;
    void *data;
} route_t;

typedef struct kconn_s {
    uv_tcp_t tcp;
    kubelet_server_t *srv;
    struct kconn_s *next, **pprev;
} kconn_t;

typedef struct {
    h2o_handler_t super;
    kubelet_server_t *srv;
} khandler_t;

struct kubelet_server_s {
    uv_loop_t *loop;
    uv_tcp_t listener;
    int port;
    SSL_CTX *ssl_ctx;
    h2o_globalconf_t config;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    route_t routes[KUBELET_SERVER_MAX_ROUTE];
    size_t n_routes;
    kconn_t *conns;
    kubelet_server_req_t *streams;
    uv_timer_t drain;
    uint64_t drain_deadline;
    bool stopping, disposed, shut;
};

/* Accept whatever the client presents; each request is judged by the verification result. */
static int accept_any(int preverify_ok, X509_STORE_CTX *ctx)
{
    return 1;
}

static int ssl_fail(c8s_err_t *err, const char *what, const char *path)
{
    char buf[256];
    unsigned long e = ERR_get_error();
    ERR_clear_error();
    ERR_error_string_n(e, buf, sizeof(buf));
    return c8s_err_set(err, C8S_EBADREQUEST, "kubelet server: %s %s: %s", what, path ? path : "",
                       buf);
}

static int tls_init(kubelet_server_t *s, const kubelet_server_config_t *c, c8s_err_t *err)
{
    if (!c->tls_cert_file || !c->tls_key_file || !c->client_ca_file)
        return c8s_err_set(err, C8S_EBADREQUEST,
                           "kubelet server: a serving certificate, its key and a client CA are "
                           "needed");
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx)
        return ssl_fail(err, "creating the TLS context", NULL);
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
    STACK_OF(X509_NAME) *names = NULL;
    if (SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20") != 1)
        goto fail_suites;
    if (SSL_CTX_use_certificate_chain_file(ctx, c->tls_cert_file) != 1)
        goto fail_cert;
    if (SSL_CTX_use_PrivateKey_file(ctx, c->tls_key_file, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1)
        goto fail_key;
    names = SSL_load_client_CA_file(c->client_ca_file);
    if (!names || SSL_CTX_load_verify_locations(ctx, c->client_ca_file, NULL) != 1)
        goto fail_ca;
    SSL_CTX_set_client_CA_list(ctx, names);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_any);
    /* A resumed session would skip the certificate; there is little to gain from resumption on
     * a port the API server keeps few connections to. */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(ctx, 0);
    /* No close_notify: see src/apiserver/tls.c (h2o 2.2 waits on that write at close). */
    SSL_CTX_set_quiet_shutdown(ctx, 1);
    s->ssl_ctx = ctx;
    s->accept_ctx.ssl_ctx = ctx;
    return 0;
fail_suites:
    SSL_CTX_free(ctx);
    return ssl_fail(err, "TLS cipher list", NULL);
fail_cert:
    SSL_CTX_free(ctx);
    return ssl_fail(err, "loading the serving certificate", c->tls_cert_file);
fail_key:
    SSL_CTX_free(ctx);
    return ssl_fail(err, "loading the serving key", c->tls_key_file);
fail_ca:
    sk_X509_NAME_pop_free(names, X509_NAME_free);
    SSL_CTX_free(ctx);
    return ssl_fail(err, "loading the client CA", c->client_ca_file);
}

int kubelet_server_reload_cert(kubelet_server_t *s, const char *cert_file, const char *key_file,
                               c8s_err_t *err)
{
    /* Both are read before either is installed, so a half-written pair never reaches the
     * context; handshakes already done keep the SSL copy of the old pair (SSL_new copies it). */
    X509 *x = NULL;
    EVP_PKEY *pk = NULL;
    FILE *f = fopen(cert_file, "r");
    if (f) {
        x = PEM_read_X509(f, NULL, NULL, NULL);
        fclose(f);
    }
    if (!x)
        return ssl_fail(err, "reading the serving certificate", cert_file);
    f = fopen(key_file, "r");
    if (f) {
        pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
        fclose(f);
    }
    int rc = 0;
    if (!pk)
        rc = ssl_fail(err, "reading the serving key", key_file);
    else if (X509_check_private_key(x, pk) != 1)
        rc = ssl_fail(err, "the serving key does not match", cert_file);
    else if (SSL_CTX_use_certificate(s->ssl_ctx, x) != 1 ||
             SSL_CTX_use_PrivateKey(s->ssl_ctx, pk) != 1)
        rc = ssl_fail(err, "installing the serving certificate", cert_file);
    X509_free(x);
    EVP_PKEY_free(pk);
    return rc;
}

/* h2o 2.2 keeps a connection's SSL object in a private struct that begins {SSL_CTX *; SSL *;}
 * (the API server reads it the same way, src/apiserver/tls.c); it is trusted only when both
 * point at our context, so another layout fails closed (401). */
struct h2o_ssl_head {
    SSL_CTX *ssl_ctx;
    SSL *ossl;
};

static SSL *request_ssl(kubelet_server_t *s, h2o_req_t *req)
{
    if (!req->conn || !req->conn->callbacks->get_socket)
        return NULL;
    h2o_socket_t *sock = req->conn->callbacks->get_socket(req->conn);
    if (!sock || !sock->ssl)
        return NULL;
    const struct h2o_ssl_head *head = (const struct h2o_ssl_head *)sock->ssl;
    if (head->ssl_ctx != s->ssl_ctx || !head->ossl || SSL_get_SSL_CTX(head->ossl) != s->ssl_ctx)
        return NULL;
    return head->ossl;
}

/* The verified peer's CN and whether it may use the kubelet's API. Returns 0 (allowed, *cn
 * owned), C8S_EUNAUTH or C8S_EFORBIDDEN with err filled. */
static int peer_identity(kubelet_server_t *s, h2o_req_t *req, char **cn_out, c8s_err_t *err)
{
    *cn_out = NULL;
    SSL *ssl = request_ssl(s, req);
    X509 *leaf = ssl ? SSL_get0_peer_certificate(ssl) : NULL;
    if (!leaf)
        return c8s_err_set(err, C8S_EUNAUTH, "Unauthorized: a client certificate is required");
    long v = SSL_get_verify_result(ssl);
    if (v != X509_V_OK)
        return c8s_err_set(err, C8S_EUNAUTH, "Unauthorized: client certificate rejected: %s",
                           X509_verify_cert_error_string(v));
    X509_NAME *subj = X509_get_subject_name(leaf);
    char cn[256] = "";
    int idx = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
    ASN1_STRING *d = idx >= 0 ? X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, idx)) : NULL;
    unsigned char *utf8 = NULL;
    int n = d ? ASN1_STRING_to_UTF8(&utf8, d) : -1;
    if (n <= 0 || (size_t)n >= sizeof(cn) || memchr(utf8, '\0', (size_t)n)) {
        OPENSSL_free(utf8);
        return c8s_err_set(err, C8S_EUNAUTH, "Unauthorized: the certificate has no common name");
    }
    memcpy(cn, utf8, (size_t)n);
    OPENSSL_free(utf8);
    bool allowed = strcmp(cn, KUBELET_CLIENT_CN) == 0;
    for (idx = -1;
         !allowed && (idx = X509_NAME_get_index_by_NID(subj, NID_organizationName, idx)) >= 0;) {
        unsigned char *o = NULL;
        int on = ASN1_STRING_to_UTF8(&o, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, idx)));
        allowed =
            on == (int)strlen("system:masters") && memcmp(o, "system:masters", (size_t)on) == 0;
        OPENSSL_free(o);
    }
    if (!allowed)
        return c8s_err_set(
            err, C8S_EFORBIDDEN, "Forbidden (user=%s, verb=%s, resource=nodes, subresource=proxy)",
            cn, req->method.len == 3 && memcmp(req->method.base, "GET", 3) == 0 ? "get" : "create");
    *cn_out = xstrdup(cn);
    return 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
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
        } else {
            out[j++] = plus_is_space && s[i] == '+' ? ' ' : s[i];
        }
    }
    out[j] = '\0';
    return out;
}

static json_t *parse_query(const char *q, size_t n)
{
    json_t *obj = json_object();
    for (size_t i = 0; i < n;) {
        size_t end = i, eq;
        while (end < n && q[end] != '&')
            end++;
        for (eq = i; eq < end && q[eq] != '=';)
            eq++;
        if (end > i) {
            cleanup_free char *k = pct_decode(q + i, eq - i, true);
            cleanup_free char *v =
                eq < end ? pct_decode(q + eq + 1, end - eq - 1, true) : xstrdup("");
            /* The first of a repeated name wins (upstream's url.Values.Get); command= repeats
             * and is read through kserver's own walk. */
            if (!json_object_get(obj, k))
                json_object_set_new(obj, k, json_string(v));
        }
        i = end + 1;
    }
    return obj;
}

/* ---- requests ---- */

typedef struct {
    kubelet_server_req_t *r;
} guard_t;

static void stream_unlink(kubelet_server_req_t *r)
{
    if (r->pprev) {
        *r->pprev = r->next;
        if (r->next)
            r->next->pprev = r->pprev;
        r->pprev = NULL;
        r->next = NULL;
    }
}

static void tell_gone(kubelet_server_req_t *r)
{
    if (r->gone)
        return;
    r->gone = true;
    stream_unlink(r);
    if (r->on_gone)
        r->on_gone(r, r->gone_data);
}

/* h2o frees the request's pool: the client went away (or the answer is done). */
static void on_guard_dispose(void *p)
{
    guard_t *g = p;
    kubelet_server_req_t *r = g->r;
    if (!r)
        return;
    r->h2o = NULL;
    r->guard = NULL;
    if (r->ending)
        kserver_req_free(r);
    else
        tell_gone(r);
}

void kserver_req_free(kubelet_server_req_t *r)
{
    if (!r)
        return;
    stream_unlink(r);
    if (r->guard)
        ((guard_t *)r->guard)->r = NULL;
    free(r->method);
    free(r->path);
    free(r->user);
    json_decref(r->query);
    free(r);
}

const char *kubelet_server_req_method(const kubelet_server_req_t *r)
{
    return r->method;
}

const char *kubelet_server_req_path(const kubelet_server_req_t *r)
{
    return r->path;
}

const char *kubelet_server_req_query(const kubelet_server_req_t *r, const char *name)
{
    return json_string_value(json_object_get(r->query, name));
}

const char *kubelet_server_req_user(const kubelet_server_req_t *r)
{
    return r->user ? r->user : "";
}

const char *kserver_header(kubelet_server_req_t *r, const char *name, size_t *len)
{
    if (!r->h2o)
        return NULL;
    ssize_t i = h2o_find_header_by_str(&r->h2o->headers, name, strlen(name), -1);
    if (i < 0)
        return NULL;
    *len = r->h2o->headers.entries[i].value.len;
    return r->h2o->headers.entries[i].value.base;
}

int kserver_path_parts(const char *s, char parts[][KSERVER_PART_MAX], int max)
{
    int n = 0;
    while (n < max && *s) {
        const char *e = strchr(s, '/');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        if (l == 0 || l >= KSERVER_PART_MAX)
            break;
        memcpy(parts[n], s, l);
        parts[n++][l] = '\0';
        if (!e)
            break;
        s = e + 1;
    }
    return n;
}

void kubelet_server_respond(kubelet_server_req_t *r, int status, const char *content_type,
                            const char *body, size_t len)
{
    h2o_req_t *req = r->h2o;
    if (req) {
        req->res.status = status;
        req->res.reason = "";
        if (content_type)
            h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                           h2o_strdup(&req->pool, content_type, SIZE_MAX).base,
                           strlen(content_type));
        /* h2o_send_inline copies the body into the request's pool. */
        h2o_send_inline(req, body, len);
    }
    kserver_req_free(r);
}

void kubelet_server_respond_json(kubelet_server_req_t *r, int status, json_t *obj)
{
    char *out = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    if (!out) {
        kubelet_server_respond(r, 500, "text/plain; charset=utf-8", "encoding failed", 15);
        return;
    }
    kubelet_server_respond(r, status, "application/json", out, strlen(out));
    free(out);
}

void kubelet_server_respond_err(kubelet_server_req_t *r, const c8s_err_t *err)
{
    json_t *st = json_pack("{s:s, s:s, s:{}, s:s, s:s, s:s, s:i}", "kind", "Status", "apiVersion",
                           "v1", "metadata", "status", "Failure", "message", err->msg, "reason",
                           c8s_err_reason(err->code), "code", c8s_err_http_status(err->code));
    kubelet_server_respond_json(r, c8s_err_http_status(err->code), st);
}

/* ---- streamed answers ---- */

typedef struct {
    h2o_generator_t super;
    kubelet_server_req_t *r;
    char *buf; /* the chunk h2o is sending */
} kgen_t;

static void stream_finish(kubelet_server_req_t *r)
{
    h2o_req_t *req = r->h2o;
    kgen_t *kg = r->gen;
    if (kg)
        kg->r = NULL;
    r->h2o = NULL;
    kserver_req_free(r);
    if (req)
        h2o_send(req, NULL, 0, H2O_SEND_STATE_FINAL);
}

static void gen_proceed(h2o_generator_t *g, h2o_req_t *req)
{
    kgen_t *kg = (kgen_t *)g;
    free(kg->buf);
    kg->buf = NULL;
    kubelet_server_req_t *r = kg->r;
    if (!r)
        return;
    r->sending = false;
    if (r->ending)
        stream_finish(r);
    else if (r->on_proceed)
        r->on_proceed(r, r->proceed_data);
}

static void gen_stop(h2o_generator_t *g, h2o_req_t *req)
{
    kgen_t *kg = (kgen_t *)g;
    free(kg->buf);
    kg->buf = NULL;
    kubelet_server_req_t *r = kg->r;
    kg->r = NULL;
    if (r) {
        r->h2o = NULL;
        r->gen = NULL;
        r->sending = false;
        if (r->ending)
            kserver_req_free(r);
        else
            tell_gone(r);
    }
}

/* The generator lives in h2o's pool (freed with the request); its buffer is ours. */
static void gen_dispose(void *p)
{
    kgen_t *kg = p;
    free(kg->buf);
    kg->buf = NULL;
}

void kserver_stream_start(kubelet_server_req_t *r, int status, const char *content_type)
{
    h2o_req_t *req = r->h2o;
    if (!req)
        return;
    kgen_t *kg = h2o_mem_alloc_shared(&req->pool, sizeof(*kg), gen_dispose);
    kg->super.proceed = gen_proceed;
    kg->super.stop = gen_stop;
    kg->r = r;
    kg->buf = NULL;
    r->gen = kg;
    r->streaming = true;
    req->res.status = status;
    req->res.reason = "";
    if (content_type)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                       h2o_strdup(&req->pool, content_type, SIZE_MAX).base, strlen(content_type));
    h2o_start_response(req, &kg->super);
    kubelet_server_t *s = r->srv;
    r->next = s->streams;
    if (s->streams)
        s->streams->pprev = &r->next;
    s->streams = r;
    r->pprev = &s->streams;
}

bool kserver_stream_send(kubelet_server_req_t *r, const char *buf, size_t len)
{
    kgen_t *kg = r->gen;
    if (!r->h2o || !kg || r->sending || r->ending)
        return false;
    kg->buf = xmalloc(len ? len : 1);
    memcpy(kg->buf, buf, len);
    r->sending = true;
    h2o_iovec_t v = h2o_iovec_init(kg->buf, len);
    h2o_send(r->h2o, &v, 1, H2O_SEND_STATE_IN_PROGRESS);
    return true;
}

void kserver_stream_end(kubelet_server_req_t *r)
{
    r->ending = true;
    stream_unlink(r);
    if (!r->sending)
        stream_finish(r);
}

/* ---- dispatch ---- */

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    kubelet_server_t *s = ((khandler_t *)self)->srv;
    kubelet_server_req_t *r = xcalloc(1, sizeof(*r));
    r->srv = s;
    r->h2o = req;
    guard_t *g = h2o_mem_alloc_shared(&req->pool, sizeof(*g), on_guard_dispose);
    g->r = r;
    r->guard = g;
    r->method = xstrndup(req->method.base, req->method.len);
    size_t plen = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    r->path = pct_decode(req->path.base, plen, false);
    r->query = req->query_at != SIZE_MAX ? parse_query(req->path.base + req->query_at + 1,
                                                       req->path.len - req->query_at - 1)
                                         : json_object();
    c8s_err_t err = C8S_ERR_INIT;
    if (peer_identity(s, req, &r->user, &err) != 0) {
        kubelet_server_respond_err(r, &err);
        c8s_err_clear(&err);
        return 0;
    }
    if (strcmp(r->path, "/healthz") == 0) {
        kubelet_server_respond(r, 200, "text/plain; charset=utf-8", "ok", 2);
        return 0;
    }
    const route_t *best = NULL;
    for (size_t i = 0; i < s->n_routes; i++) {
        const route_t *rt = &s->routes[i];
        if (strncmp(r->path, rt->prefix, rt->len) == 0 && (!best || rt->len > best->len))
            best = rt;
    }
    if (!best) {
        c8s_err_set(&err, C8S_ENOTFOUND, "404 page not found");
        kubelet_server_respond_err(r, &err);
        c8s_err_clear(&err);
        return 0;
    }
    best->fn(r, best->data);
    return 0;
}

static void free_conn(uv_handle_t *h)
{
    kconn_t *c = (kconn_t *)h;
    if (c->pprev) {
        *c->pprev = c->next;
        if (c->next)
            c->next->pprev = c->pprev;
    }
    free(c);
}

static void on_accept(uv_stream_t *listener, int status)
{
    kubelet_server_t *s = listener->data;
    if (status != 0 || s->stopping)
        return;
    kconn_t *c = xcalloc(1, sizeof(*c));
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

static void free_failed(uv_handle_t *h)
{
    free(h->data);
}

int kubelet_server_new(uv_loop_t *loop, const kubelet_server_config_t *cfg, kubelet_server_t **out,
                       c8s_err_t *err)
{
    kubelet_server_t *s = xcalloc(1, sizeof(*s));
    s->loop = loop;
    if (tls_init(s, cfg, err) != 0) {
        free(s);
        return err->code;
    }
    const char *bind = cfg->bind_address ? cfg->bind_address : "0.0.0.0";
    struct sockaddr_storage addr;
    if (uv_ip4_addr(bind, cfg->port, (struct sockaddr_in *)&addr) != 0 &&
        uv_ip6_addr(bind, cfg->port, (struct sockaddr_in6 *)&addr) != 0) {
        SSL_CTX_free(s->ssl_ctx);
        free(s);
        return c8s_err_set(err, C8S_EBADREQUEST, "kubelet server: invalid address %s", bind);
    }
    uv_tcp_init(loop, &s->listener);
    s->listener.data = s;
    int rc = uv_tcp_bind(&s->listener, (struct sockaddr *)&addr, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&s->listener, 128, on_accept);
    struct sockaddr_storage got;
    int glen = sizeof(got);
    if (rc == 0)
        rc = uv_tcp_getsockname(&s->listener, (struct sockaddr *)&got, &glen);
    if (rc != 0) {
        /* The handle closes on the loop's next turn; the server stays allocated until then. */
        c8s_err_set(err, C8S_ESYS, "kubelet server: listening on %s:%d: %s", bind, cfg->port,
                    uv_strerror(rc));
        SSL_CTX_free(s->ssl_ctx);
        uv_close((uv_handle_t *)&s->listener, free_failed);
        return err->code;
    }
    s->port = got.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&got)->sin6_port)
                                        : ntohs(((struct sockaddr_in *)&got)->sin_port);
    h2o_config_init(&s->config);
    h2o_hostconf_t *host =
        h2o_config_register_host(&s->config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *pc = h2o_config_register_path(host, "/", 0);
    khandler_t *h = (khandler_t *)h2o_create_handler(pc, sizeof(*h));
    h->super.on_req = on_req;
    h->srv = s;
    h2o_context_init(&s->ctx, loop, &s->config);
    s->accept_ctx.ctx = &s->ctx;
    s->accept_ctx.hosts = s->config.hosts;
    uv_timer_init(loop, &s->drain);
    s->drain.data = s;
    *out = s;
    return 0;
}

int kubelet_server_port(const kubelet_server_t *s)
{
    return s->port;
}

int kubelet_server_route(kubelet_server_t *s, const char *prefix, kubelet_server_handler_fn fn,
                         void *data, c8s_err_t *err)
{
    for (size_t i = 0; i < s->n_routes; i++)
        if (strcmp(s->routes[i].prefix, prefix) == 0)
            return c8s_err_set(err, C8S_ECONFLICT, "kubelet server: %s is routed already", prefix);
    if (s->n_routes == KUBELET_SERVER_MAX_ROUTE)
        return c8s_err_set(err, C8S_EBADREQUEST, "kubelet server: route table full");
    s->routes[s->n_routes++] =
        (route_t){.prefix = xstrdup(prefix), .len = strlen(prefix), .fn = fn, .data = data};
    return 0;
}

static void on_drain(uv_timer_t *t)
{
    kubelet_server_t *s = t->data;
    bool idle = h2o_linklist_is_empty(&s->ctx.http1._conns) &&
                h2o_linklist_is_empty(&s->ctx.http2._conns) && !s->conns;
    bool late = uv_now(s->loop) > s->drain_deadline;
    if (!idle && !late)
        return;
    uv_close((uv_handle_t *)t, NULL);
    if (!idle) {
        /* h2o 2.2 cannot close its connections from outside, and disposing its context with
         * live ones asserts: cut our sockets and leave the context undisposed. */
        log_warn("kubelet", "server connections still open at stop; cutting them");
        for (kconn_t *c = s->conns; c; c = c->next)
            if (!uv_is_closing((uv_handle_t *)&c->tcp))
                uv_close((uv_handle_t *)&c->tcp, NULL);
        s->disposed = true;
        return;
    }
    h2o_context_dispose(&s->ctx);
    s->disposed = true;
}

void kubelet_server_stop(kubelet_server_t *s)
{
    if (!s || s->stopping)
        return;
    s->stopping = true;
    uv_close((uv_handle_t *)&s->listener, NULL);
    /* Streams end themselves when told; connections then see end-of-stream and close. */
    while (s->streams)
        tell_gone(s->streams);
    for (kconn_t *c = s->conns; c; c = c->next) {
        uv_os_fd_t fd;
        if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0)
            shutdown(fd, SHUT_RDWR);
    }
    s->drain_deadline = uv_now(s->loop) + DRAIN_MS;
    uv_timer_start(&s->drain, on_drain, 10, 20);
}

void kubelet_server_free(kubelet_server_t *s)
{
    if (!s)
        return;
    if (s->port) /* h2o was set up */
        h2o_config_dispose(&s->config);
    for (size_t i = 0; i < s->n_routes; i++)
        free(s->routes[i].prefix);
    SSL_CTX_free(s->ssl_ctx);
    free(s);
}
