/*
 * podproxy.c — requests the API server answers by asking a node's kubelet (upstream's
 * nodes/proxy, pods/log, exec, attach, portforward): the node's address and port come from its
 * Node object (status.addresses, status.daemonEndpoints.kubeletEndpoint), the connection is the
 * kubelet client's (kubelet_client.h, TLS with the API server's kubelet-client certificate), and
 * the kubelet's answer streams back as it arrives, paced by the client: while h2o is still
 * writing, what comes from the kubelet queues, and past a bound the kubelet is not read.
 */
#include "internal.h"
#include "c8s/crilog.h"
#include "c8s/kubelet_client.h"

#include <strings.h>
#include <string.h>

#include <h2o/http1.h>

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
    apiserver_hangup_t *hangup; /* an HTTP/1 client leaving a streamed answer (owned), or NULL */
    /* An upgraded connection (exec, attach): the client's socket and the kubelet's, spliced. */
    bool upgrade;
    char *ws_headers[8]; /* the client's Sec-WebSocket-* lines for the kubelet (owned) */
    h2o_socket_t *csock, *ksock;
    char *cbuf, *kbuf; /* writes in flight toward the client / the kubelet */
    bool upgrading, spliced;
    bool ceof, keof; /* that side has closed: what it sent is delivered, then all ends */
    struct proxy_s *next, **pprev;
} proxy_t;

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
    /* Most requests name none of these: no RequestInfo for them. */
    static const char *const words[] = {"/log", "/exec", "/attach", "/portforward", "/proxy"};
    bool maybe = false;
    for (size_t i = 0; i < C8S_ARRAY_SIZE(words) && !maybe; i++)
        maybe = strstr(r->path, words[i]) != NULL;
    if (!maybe)
        return false;
    apiserver_reqinfo_t ri;
    apiserver__reqinfo(r, &ri);
    bool lr = apiserver__long_running_attrs(&ri.attrs);
    apiserver__reqinfo_free(&ri);
    return lr;
}

/* ---- the stream's life ---- */

static char *header_of(const char *h, size_t len, const char *name);

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
    apiserver__hangup_stop(p->hangup);
    p->hangup = NULL;
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
    if (p->csock) {
        p->csock->data = NULL;
        h2o_socket_close(p->csock);
    }
    if (p->ksock) {
        p->ksock->data = NULL;
        h2o_socket_close(p->ksock);
    }
    for (size_t i = 0; i < C8S_ARRAY_SIZE(p->ws_headers); i++)
        free(p->ws_headers[i]);
    free(p->cbuf);
    free(p->kbuf);
    strbuf_free(&p->pending);
    free(p->sending);
    free(p->node);
    free(p->path);
    free(p);
}

/* ---- upgraded connections: bytes both ways, one write in flight per direction ---- */

static void splice_read(h2o_socket_t *sock, const char *errstr);

/* Whether the splice is over: a side has closed and everything it sent has been written. */
static bool splice_done(proxy_t *p)
{
    if (p->keof && !p->cbuf && p->ksock->input->size == 0)
        return true;
    if (p->ceof && !p->kbuf && p->csock->input->size == 0)
        return true;
    return false;
}

static void on_splice_written(h2o_socket_t *sock, const char *errstr)
{
    proxy_t *p = sock->data;
    if (!p)
        return;
    bool to_client = sock == p->csock;
    free(to_client ? p->cbuf : p->kbuf);
    *(to_client ? &p->cbuf : &p->kbuf) = NULL;
    if (errstr)
        return proxy_free(p, NULL);
    h2o_socket_t *from = to_client ? p->ksock : p->csock;
    if (from->input->size > 0) {
        splice_read(from, NULL);
        return;
    }
    if (splice_done(p))
        return proxy_free(p, NULL);
    /* The written-to side's peer may read again. */
    if (!(to_client ? p->keof : p->ceof))
        h2o_socket_read_start(from, splice_read);
}

static void splice_read(h2o_socket_t *sock, const char *errstr)
{
    proxy_t *p = sock->data;
    if (!p)
        return;
    bool from_client = sock == p->csock;
    h2o_socket_t *to = from_client ? p->ksock : p->csock;
    char **buf = from_client ? &p->kbuf : &p->cbuf;
    if (errstr) {
        *(from_client ? &p->ceof : &p->keof) = true;
        h2o_socket_read_stop(sock);
    }
    if (sock->input->size > 0 && !*buf) {
        size_t n = sock->input->size;
        *buf = xmalloc(n);
        memcpy(*buf, sock->input->bytes, n);
        h2o_buffer_consume(&sock->input, n);
        /* Paced by the other side: no more reading until this is written. */
        h2o_socket_read_stop(sock);
        h2o_iovec_t v = h2o_iovec_init(*buf, n);
        h2o_socket_write(to, &v, 1, on_splice_written);
        return;
    }
    if (splice_done(p))
        proxy_free(p, NULL);
}

static void on_client_upgraded(void *data, h2o_socket_t *sock, size_t reqsize)
{
    proxy_t *p = data;
    p->upgrading = false;
    if (sock) {
        p->csock = sock;
        sock->data = p;
    }
    if (!sock || !p->ksock || p->srv->stopping)
        return proxy_free(p, NULL);
    h2o_buffer_consume(&sock->input, reqsize);
    p->spliced = true;
    h2o_socket_read_start(p->csock, splice_read);
    h2o_socket_read_start(p->ksock, splice_read);
    /* Bytes that came before the splice (the kubelet's first frames, the client's). */
    if (p->ksock->input->size > 0)
        splice_read(p->ksock, NULL);
    if (p->csock && p->csock->input->size > 0)
        splice_read(p->csock, NULL);
}

/* The kubelet switched protocols: the same answer goes to the client, then the two connections
 * are joined. */
static void upgrade_client(proxy_t *p, kubelet_req_t *q, const char *headers, size_t len)
{
    api_req_t *r = p->r;
    h2o_req_t *req = r->h2o;
    p->ksock = kubelet_req_take(q);
    p->kq = NULL;
    if (!p->ksock)
        return proxy_free(p, NULL);
    p->ksock->data = p;
    req->res.status = 101;
    req->res.reason = "Switching Protocols";
    /* websocket, or SPDY/3.1 (port-forward from kubectl before 1.31): as the kubelet said. */
    cleanup_free char *up = header_of(headers, len, "Upgrade");
    const char *upv = up ? up : "websocket";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_UPGRADE, NULL,
                   h2o_strdup(&req->pool, upv, SIZE_MAX).base, strlen(upv));
    static const char *const pass[] = {"Sec-WebSocket-Accept", "Sec-WebSocket-Protocol",
                                       "X-Stream-Protocol-Version"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(pass); i++) {
        cleanup_free char *v = header_of(headers, len, pass[i]);
        if (!v)
            continue;
        h2o_iovec_t name = h2o_strdup(&req->pool, pass[i], SIZE_MAX);
        h2o_strtolower(name.base, name.len);
        h2o_add_header_by_str(&req->pool, &req->res.headers, name.base, name.len, 0, NULL,
                              h2o_strdup(&req->pool, v, SIZE_MAX).base, strlen(v));
    }
    apiserver__audit_answer(r, 101, NULL, NULL, 0);
    /* The request is over for the API server's books; h2o ends it once the socket is ours. */
    p->r = NULL;
    r->proxy = NULL;
    r->on_gone = NULL;
    apiserver__finish(r, 101);
    p->upgrading = true;
    h2o_http1_upgrade(req, NULL, 0, on_client_upgraded, p);
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

/* An HTTP/1 client left a streamed answer (`logs -f` of a quiet container would otherwise hold
 * the kubelet's connection until the container wrote again): nothing more is read from the
 * kubelet, and ending the answer makes h2o write to the dead connection, fail and dispose of the
 * request, which frees p (on_stop). */
static void on_client_left(void *data)
{
    proxy_t *p = data;
    if (p->kq)
        kubelet_req_cancel(p->kq);
    p->kq = NULL;
    strbuf_free(&p->pending);
    p->ended = true;
    flush(p);
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
    if (p->upgrade && status == 101)
        return upgrade_client(p, q, headers, len);
    cleanup_free char *ct = header_of(headers, len, "Content-Type");
    apiserver__audit_answer(p->r, status, NULL, NULL, 0);
    req->res.status = status;
    req->res.reason = "";
    if (ct)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                       h2o_strdup(&req->pool, ct, SIZE_MAX).base, strlen(ct));
    apiserver__emit_headers(p->r, req);
    h2o_start_response(req, &p->super);
    p->hangup = apiserver__hangup_start(&p->srv->loop, req, on_client_left, p, p->path);
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

const char *apiserver__node_address(const json_t *node)
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
    const char *addr = node ? apiserver__node_address(node) : NULL;
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
                                 .headers = (const char *const *)p->ws_headers,
                                 .upgrade = p->upgrade,
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
static void proxy_start(api_req_t *r, const char *node, char *path, unsigned head_timeout_ms,
                        char **ws_headers)
{
    apiserver_t *s = r->srv;
    if (!s->kubelet_client) {
        for (size_t i = 0; ws_headers && ws_headers[i]; i++)
            free(ws_headers[i]);
        free(path);
        return apiserver__respond_code(r, C8S_EUNAVAILABLE,
                                       "this API server has no kubelet client certificate");
    }
    const api_kind_t *nk = api_kind_lookup("", "v1", "nodes");
    resource_t *nodes = nk ? apiserver__resource_for(s, nk) : NULL;
    if (!nodes) {
        for (size_t i = 0; ws_headers && ws_headers[i]; i++)
            free(ws_headers[i]);
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
    for (size_t i = 0; ws_headers && ws_headers[i] && i + 1 < C8S_ARRAY_SIZE(p->ws_headers); i++)
        p->ws_headers[i] = ws_headers[i];
    p->upgrade = ws_headers != NULL;
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
        if (p->spliced || p->upgrading) {
            proxy_unlink(p);
            if (p->spliced)
                proxy_free(p, NULL); /* else on_client_upgraded frees it */
        } else if (p->started && p->r && p->r->h2o) {
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
        strbuf_add_escaped(b, k, NULL);
        strbuf_add(b, "=");
        strbuf_add_escaped(b, json_string_value(v) ? json_string_value(v) : "", NULL);
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
    strbuf_add_escaped(&b, rest[0] == '/' ? rest + 1 : rest, "/");
    add_query(&b, r);
    proxy_start(r, node, strbuf_take(&b), 0, NULL);
}

/* ---- pods/log ---- */

static bool ctr_in(const json_t *list, const char *name)
{
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c)
    {
        const char *n = json_string_value(json_object_get(c, "name"));
        if (n && strcmp(n, name) == 0)
            return true;
    }
    return false;
}

static void names_of(strbuf_t *b, const json_t *list)
{
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c)
    {
        const char *n = json_string_value(json_object_get(c, "name"));
        if (n)
            strbuf_sep(b, " ", n);
    }
}

/* The container a pods/log|exec|attach request is about (borrowed from pod), as upstream
 * picks it: the container parameter, else the kubectl.kubernetes.io/default-container
 * annotation, else the only container; NULL with err otherwise. */
static const char *pick_container(const api_req_t *r, const json_t *pod, c8s_err_t *err)
{
    const json_t *spec = json_object_get(pod, "spec");
    const json_t *ctrs = json_object_get(spec, "containers");
    const json_t *inits = json_object_get(spec, "initContainers");
    const json_t *eph = json_object_get(spec, "ephemeralContainers");
    const char *c = apiserver__query(r, "container");
    if (!c || !*c)
        c = json_string_value(
            json_object_get(json_object_get(json_object_get(pod, "metadata"), "annotations"),
                            "kubectl.kubernetes.io/default-container"));
    if (!c || !*c) {
        if (json_array_size(ctrs) == 1)
            return json_string_value(json_object_get(json_array_get(ctrs, 0), "name"));
        strbuf_t b = STRBUF_INIT, bi = STRBUF_INIT;
        names_of(&b, ctrs);
        names_of(&bi, inits);
        c8s_err_set(err, C8S_EBADREQUEST,
                    "a container name must be specified for pod %s, choose one of: [%s]%s%s%s",
                    r->name, b.s ? b.s : "", bi.len ? " or one of the init containers: [" : "",
                    bi.len ? bi.s : "", bi.len ? "]" : "");
        strbuf_free(&b);
        strbuf_free(&bi);
        return NULL;
    }
    if (!ctr_in(ctrs, c) && !ctr_in(inits, c) && !ctr_in(eph, c)) {
        c8s_err_set(err, C8S_EBADREQUEST, "container %s is not valid for pod %s", c, r->name);
        return NULL;
    }
    return c;
}

static const char *opt_get(const char *name, void *data)
{
    return apiserver__query(data, name);
}

static void pod_log_resolved(api_req_t *r)
{
    c8s_err_t err = C8S_ERR_INIT;
    if (!r->h2o)
        return apiserver__finish(r, 499);
    cleanup_free char *key = apiserver__key(r->res, r->ns, r->name);
    wc_obj_t *o = wcache_get(r->res->cache, key);
    cleanup_json json_t *pod = o ? json_loadb(o->json, o->json_len, 0, NULL) : NULL;
    const char *node = json_string_value(json_object_get(json_object_get(pod, "spec"), "nodeName"));
    const char *ctr = NULL;
    crilog_opts_t opts;
    if (!pod)
        c8s_err_set(&err, C8S_ENOTFOUND, "pods \"%s\" not found", r->name);
    else if (!(ctr = pick_container(r, pod, &err)))
        ;
    else if (crilog_opts_parse(opt_get, r, 0, &opts, &err) != 0)
        ;
    else if (!node || !*node)
        c8s_err_set(&err, C8S_EBADREQUEST, "pod %s does not have a host assigned", r->name);
    if (err.code) {
        apiserver__respond_err(r, &err);
        return c8s_err_clear(&err);
    }
    strbuf_t b = STRBUF_INIT;
    strbuf_add(&b, "/containerLogs/");
    strbuf_add_escaped(&b, r->ns, NULL);
    strbuf_add(&b, "/");
    strbuf_add_escaped(&b, r->name, NULL);
    strbuf_add(&b, "/");
    strbuf_add_escaped(&b, ctr, NULL);
    static const char *const pass[] = {"follow",     "previous",     "timestamps", "tailLines",
                                       "limitBytes", "sinceSeconds", "sinceTime"};
    char sep = '?';
    for (size_t i = 0; i < C8S_ARRAY_SIZE(pass); i++) {
        const char *v = apiserver__query(r, pass[i]);
        if (!v || !*v)
            continue;
        strbuf_addf(&b, "%c%s=", sep, pass[i]);
        strbuf_add_escaped(&b, v, NULL);
        sep = '&';
    }
    /* A followed log may stay silent for long before its first byte (and its head with it). */
    proxy_start(r, node, strbuf_take(&b), opts.follow ? 24u * 3600 * 1000 : 0, NULL);
}

void apiserver__pod_log(api_req_t *r)
{
    r->verb = "GET";
    if (strcmp(r->method, "GET") != 0)
        return apiserver__respond_code(r, C8S_EMETHOD,
                                       "the server does not allow this method on the requested "
                                       "resource");
    if (strcmp(r->kind->resource, "pods") != 0 || !r->name)
        return apiserver__respond_code(r, C8S_ENOTFOUND,
                                       "the server could not find the requested resource");
    apiserver__when_ready(r->res, r, pod_log_resolved);
}

/* ---- pods/exec, pods/attach, pods/portforward: an upgraded connection, proxied whole ---- */

static void pod_exec_resolved(api_req_t *r)
{
    c8s_err_t err = C8S_ERR_INIT;
    h2o_req_t *req = r->h2o;
    if (!req)
        return apiserver__finish(r, 499);
    cleanup_free char *key = apiserver__key(r->res, r->ns, r->name);
    wc_obj_t *o = wcache_get(r->res->cache, key);
    cleanup_json json_t *pod = o ? json_loadb(o->json, o->json_len, 0, NULL) : NULL;
    const char *node = json_string_value(json_object_get(json_object_get(pod, "spec"), "nodeName"));
    const char *phase = json_string_value(json_object_get(json_object_get(pod, "status"), "phase"));
    const char *ctr = NULL;
    bool pf = strcmp(r->subresource, "portforward") == 0;
    if (!pod)
        c8s_err_set(&err, C8S_ENOTFOUND, "pods \"%s\" not found", r->name);
    else if (!pf && !(ctr = pick_container(r, pod, &err)))
        ;
    else if (!node || !*node)
        c8s_err_set(&err, C8S_EBADREQUEST, "pod %s does not have a host assigned", r->name);
    else if (phase && (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0))
        c8s_err_set(&err, C8S_EBADREQUEST,
                    pf ? "cannot port-forward to a completed pod; current phase is %s"
                       : "cannot exec into a container in a completed pod; current phase is %s",
                    phase);
    if (err.code) {
        apiserver__respond_err(r, &err);
        return c8s_err_clear(&err);
    }
    strbuf_t b = STRBUF_INIT;
    strbuf_addf(&b, "/%s/", pf ? "portForward" : r->subresource);
    strbuf_add_escaped(&b, r->ns, NULL);
    strbuf_add(&b, "/");
    strbuf_add_escaped(&b, r->name, NULL);
    if (!pf) {
        strbuf_add(&b, "/");
        strbuf_add_escaped(&b, ctr, NULL);
    }
    /* The query as the client sent it: command= repeats, in order. */
    if (req->query_at != SIZE_MAX)
        strbuf_addn(&b, req->path.base + req->query_at, req->path.len - req->query_at);
    char *hdrs[8] = {xstrdup("Connection: Upgrade"),
                     xasprintf("Upgrade: %.*s", (int)req->upgrade.len, req->upgrade.base)};
    size_t n = 2;
    static const char *const pass[] = {"sec-websocket-key", "sec-websocket-version",
                                       "sec-websocket-protocol", "x-stream-protocol-version"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(pass); i++) {
        /* X-Stream-Protocol-Version may come several times (one per protocol offered). */
        ssize_t at = -1;
        while (n + 1 < C8S_ARRAY_SIZE(hdrs) &&
               (at = h2o_find_header_by_str(&req->headers, pass[i], strlen(pass[i]), at)) >= 0)
            hdrs[n++] = xasprintf("%s: %.*s", pass[i], (int)req->headers.entries[at].value.len,
                                  req->headers.entries[at].value.base);
    }
    proxy_start(r, node, strbuf_take(&b), 0, hdrs);
}

void apiserver__pod_exec(api_req_t *r)
{
    r->verb = "CONNECT";
    if (!r->name || strcmp(r->kind->resource, "pods") != 0)
        return apiserver__respond_code(r, C8S_ENOTFOUND,
                                       "the server could not find the requested resource");
    h2o_req_t *req = r->h2o;
    bool pf = strcmp(r->subresource, "portforward") == 0;
    bool ws = req && req->upgrade.base && req->upgrade.len == 9 &&
              strncasecmp(req->upgrade.base, "websocket", 9) == 0;
    /* kubectl before 1.30 upgrades to SPDY/3.1 itself (before 1.31 for port-forward): the
     * kubelet speaks it too, so the upgrade is proxied as a websocket's is. */
    bool spdy = req && req->upgrade.base && req->upgrade.len >= 8 &&
                strncasecmp(req->upgrade.base, "SPDY/3.1", 8) == 0;
    if (!ws && !spdy)
        return apiserver__respond_code(r, C8S_EBADREQUEST,
                                       pf ? "Upgrade request required (a websocket with "
                                            "SPDY/3.1+portforward.k8s.io or v4.channel.k8s.io, "
                                            "or SPDY/3.1)"
                                          : "Upgrade request required (a websocket with "
                                            "v5.channel.k8s.io or v4.channel.k8s.io, or "
                                            "SPDY/3.1)");
    if (req->version >= 0x200)
        return apiserver__respond_code(r, C8S_EBADREQUEST, "upgrades need HTTP/1.1");
    apiserver__when_ready(r->res, r, pod_exec_resolved);
}
