/*
 * podproxy_client.c — the API server's client of kubelet ports (include/c8s/kubelet_client.h):
 * h2o sockets for the connection and TLS, a request written whole, the answer's head parsed
 * here and its body handed on as it arrives.
 */
#include "c8s/kubelet_client.h"
#include "c8s/strbuf.h"

#include <ctype.h>
#include <h2o.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <string.h>

#define HEAD_MAX            (64 * 1024)
#define HEAD_TIMEOUT_MS_DEF 10000

struct kubelet_client_s {
    SSL_CTX *ssl_ctx;
};

struct kubelet_req_s {
    kubelet_client_t *c;
    h2o_socket_t *sock;
    uv_timer_t *timer; /* until the head has arrived; closed apart (its own free) */
    kubelet_req_cbs_t cbs;
    void *data;
    char *server_name;
    char *request; /* the bytes written */
    size_t request_len;
    bool head_done, paused, in_cb, cancelled, taken;
};

int kubelet_client_new(const char *cert_file, const char *key_file, const char *ca_file,
                       kubelet_client_t **out, c8s_err_t *err)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        return c8s_err_set(err, C8S_EINTERNAL, "kubelet client: no TLS context");
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    const char *what = NULL, *path = NULL;
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1)
        what = "loading the client certificate", path = cert_file;
    else if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1 ||
             SSL_CTX_check_private_key(ctx) != 1)
        what = "loading the client key", path = key_file;
    else if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1)
        what = "loading the kubelets' CA", path = ca_file;
    if (what) {
        char buf[256];
        ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
        ERR_clear_error();
        SSL_CTX_free(ctx);
        return c8s_err_set(err, C8S_EBADREQUEST, "kubelet client: %s %s: %s", what, path, buf);
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    kubelet_client_t *c = xcalloc(1, sizeof(*c));
    c->ssl_ctx = ctx;
    *out = c;
    return 0;
}

void kubelet_client_free(kubelet_client_t *c)
{
    if (!c)
        return;
    SSL_CTX_free(c->ssl_ctx);
    free(c);
}

int kubelet_parse_head(const char *buf, size_t len, int *status, size_t *hdr_off, size_t *hdr_len,
                       c8s_err_t *err)
{
    const char *end = NULL;
    for (size_t i = 0; i + 3 < len; i++) {
        if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
            end = buf + i;
            break;
        }
    }
    size_t check = len < 12 ? len : 12;
    if (check >= 5 && memcmp(buf, "HTTP/", 5) != 0)
        return c8s_err_set(err, C8S_EBADREQUEST, "not an HTTP response");
    if (!end)
        return len > HEAD_MAX ? c8s_err_set(err, C8S_EBADREQUEST, "response head too long") : 0;
    /* "HTTP/1.x NNN reason\r\n" */
    const char *sp = memchr(buf, ' ', (size_t)(end - buf));
    if (!sp || end - sp < 4 || !isdigit((unsigned char)sp[1]) || !isdigit((unsigned char)sp[2]) ||
        !isdigit((unsigned char)sp[3]) || (sp + 4 < end && sp[4] != ' ' && sp[4] != '\r'))
        return c8s_err_set(err, C8S_EBADREQUEST, "malformed status line");
    *status = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
    const char *eol = memchr(buf, '\n', (size_t)(end - buf) + 2);
    *hdr_off = (size_t)(eol + 1 - buf);
    size_t head = (size_t)(end - buf) + 4;
    *hdr_len = head - 2 - *hdr_off; /* the header lines, each with its CRLF */
    return (int)head;
}

/* ---- one request ---- */

static void on_timer_closed(uv_handle_t *h)
{
    free(h);
}

static void stop_timer(kubelet_req_t *q)
{
    if (q->timer) {
        uv_close((uv_handle_t *)q->timer, on_timer_closed);
        q->timer = NULL;
    }
}

static void req_free(kubelet_req_t *q)
{
    stop_timer(q);
    if (q->sock) {
        q->sock->data = NULL;
        h2o_socket_close(q->sock);
        q->sock = NULL;
    }
    free(q->server_name);
    free(q->request);
    free(q);
}

/* Ends q with code (0: the body is complete) and frees it. */
static void finish(kubelet_req_t *q, int code, const char *msg)
{
    if (!q->cancelled && q->cbs.on_end) {
        q->in_cb = true;
        q->cbs.on_end(q, code, msg, q->data);
    }
    req_free(q);
}

/* After a callback: whether q was cancelled (or taken) inside it; frees it then. */
static bool after_cb(kubelet_req_t *q)
{
    q->in_cb = false;
    if (q->cancelled || q->taken) {
        req_free(q);
        return true;
    }
    return false;
}

static void on_read(h2o_socket_t *sock, const char *errstr)
{
    kubelet_req_t *q = sock->data;
    if (!q)
        return;
    h2o_buffer_t *in = sock->input;
    if (!q->head_done && in->size > 0) {
        int status = 0;
        size_t off = 0, hl = 0;
        c8s_err_t err = C8S_ERR_INIT;
        int n = kubelet_parse_head(in->bytes, in->size, &status, &off, &hl, &err);
        if (n < 0) {
            finish(q, C8S_EINTERNAL, err.msg);
            c8s_err_clear(&err);
            return;
        }
        if (n > 0) {
            q->head_done = true;
            stop_timer(q);
            if (status == 101)
                h2o_socket_read_stop(sock);
            /* The head leaves the buffer first: after a 101 what stays is the peer's. */
            char *hdrs = xstrndup(in->bytes + off, hl);
            h2o_buffer_consume(&sock->input, (size_t)n);
            q->in_cb = true;
            if (q->cbs.on_head)
                q->cbs.on_head(q, status, hdrs, hl, q->data);
            free(hdrs);
            if (after_cb(q))
                return;
            if (status == 101)
                return; /* waiting for kubelet_req_take */
            in = sock->input;
        }
    }
    if (q->head_done && in->size > 0) {
        q->in_cb = true;
        if (q->cbs.on_body)
            q->cbs.on_body(q, in->bytes, in->size, q->data);
        if (after_cb(q))
            return;
        h2o_buffer_consume(&sock->input, sock->input->size);
    }
    if (errstr) {
        if (q->head_done)
            finish(q, 0, NULL);
        else
            finish(q, C8S_EUNAVAILABLE, "the kubelet closed the connection without an answer");
    }
}

static void on_written(h2o_socket_t *sock, const char *errstr)
{
    kubelet_req_t *q = sock->data;
    if (!q)
        return;
    if (errstr)
        return finish(q, C8S_EUNAVAILABLE, errstr);
    if (!q->paused)
        h2o_socket_read_start(sock, on_read);
}

static void on_handshake(h2o_socket_t *sock, const char *errstr)
{
    kubelet_req_t *q = sock->data;
    if (!q)
        return;
    if (errstr) {
        char msg[256];
        snprintf(msg, sizeof(msg), "TLS with the kubelet (%s): %s", q->server_name, errstr);
        return finish(q, C8S_EUNAVAILABLE, msg);
    }
    h2o_iovec_t v = h2o_iovec_init(q->request, q->request_len);
    h2o_socket_write(sock, &v, 1, on_written);
}

static void on_connect(h2o_socket_t *sock, const char *errstr)
{
    kubelet_req_t *q = sock->data;
    if (!q)
        return;
    if (errstr) {
        char msg[256];
        snprintf(msg, sizeof(msg), "connecting to the kubelet of %s: %s", q->server_name, errstr);
        return finish(q, C8S_EUNAVAILABLE, msg);
    }
    h2o_socket_ssl_handshake(sock, q->c->ssl_ctx, q->server_name, on_handshake);
}

static void on_timeout(uv_timer_t *t)
{
    kubelet_req_t *q = t->data;
    finish(q, C8S_ETIMEOUT, "the kubelet did not answer in time");
}

int kubelet_req_start(kubelet_client_t *c, uv_loop_t *loop, const kubelet_req_opts_t *o,
                      const kubelet_req_cbs_t *cbs, void *data, kubelet_req_t **out, c8s_err_t *err)
{
    if (out)
        *out = NULL;
    struct sockaddr_storage addr;
    socklen_t alen = sizeof(struct sockaddr_in);
    if (!o->address || uv_ip4_addr(o->address, o->port, (struct sockaddr_in *)&addr) != 0) {
        alen = sizeof(struct sockaddr_in6);
        if (!o->address || uv_ip6_addr(o->address, o->port, (struct sockaddr_in6 *)&addr) != 0)
            return c8s_err_set(err, C8S_EUNAVAILABLE, "no usable address for the kubelet of %s",
                               o->server_name ? o->server_name : "?");
    }
    if (o->port <= 0 || o->port > 65535)
        return c8s_err_set(err, C8S_EUNAVAILABLE, "the kubelet of %s serves no port",
                           o->server_name ? o->server_name : "?");
    strbuf_t b = {0};
    strbuf_addf(&b, "%s %s HTTP/1.%c\r\nHost: %s:%d\r\n", o->method, o->path,
                o->upgrade ? '1' : '0', o->server_name, o->port);
    if (!o->upgrade)
        strbuf_add(&b, "Connection: close\r\n");
    for (size_t i = 0; o->headers && o->headers[i]; i++)
        strbuf_addf(&b, "%s\r\n", o->headers[i]);
    strbuf_add(&b, "\r\n");
    kubelet_req_t *q = xcalloc(1, sizeof(*q));
    q->c = c;
    q->cbs = *cbs;
    q->data = data;
    q->server_name = xstrdup(o->server_name);
    q->request_len = b.len;
    q->request = strbuf_take(&b);
    q->sock = h2o_socket_connect(loop, (struct sockaddr *)&addr, alen, on_connect);
    if (!q->sock) {
        req_free(q);
        return c8s_err_set(err, C8S_EUNAVAILABLE, "connecting to the kubelet of %s failed",
                           o->server_name);
    }
    q->sock->data = q;
    q->timer = xcalloc(1, sizeof(*q->timer));
    uv_timer_init(loop, q->timer);
    q->timer->data = q;
    uv_timer_start(q->timer, on_timeout, o->timeout_ms ? o->timeout_ms : HEAD_TIMEOUT_MS_DEF, 0);
    if (out)
        *out = q;
    return 0;
}

void kubelet_req_pause(kubelet_req_t *q, bool paused)
{
    if (q->paused == paused)
        return;
    q->paused = paused;
    if (!q->sock || !q->head_done)
        return;
    if (paused)
        h2o_socket_read_stop(q->sock);
    else
        h2o_socket_read_start(q->sock, on_read);
}

void kubelet_req_cancel(kubelet_req_t *q)
{
    if (!q)
        return;
    q->cancelled = true;
    if (!q->in_cb)
        req_free(q);
}

struct st_h2o_socket_t *kubelet_req_take(kubelet_req_t *q)
{
    h2o_socket_t *sock = q->sock;
    q->sock = NULL;
    if (sock)
        sock->data = NULL;
    q->taken = true;
    if (!q->in_cb)
        req_free(q);
    return sock;
}
