/*
 * http.c — the HTTP transport of the client API: requests and line-by-line watch streams to a
 * server URL over libcurl's multi *socket* interface driven by the caller's libuv loop (one
 * uv_poll_t per socket curl asks to watch, one uv_timer_t for curl's timeout), with a
 * kubeconfig's TLS client settings passed through to libcurl.
 *
 * libcurl forbids calling the multi API from inside its callbacks, and user callbacks may start
 * or stop transfers; so the write callback only buffers, and every user callback runs from
 * dispatch(), after curl_multi_socket_action has returned. (src/store/curl_uv.c drives the same
 * libcurl wiring for the store, bound to store_t; this one is bound to a client.)
 */
#include "client_int.h"

#include "c8s/strbuf.h"

#include <curl/curl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

typedef struct http_client_s http_client_t;

typedef struct xfer_s {
    client_watch_base_t base; /* first: a watch is handed out as a client_watch_t */
    http_client_t *c;
    CURL *easy;
    struct curl_slist *headers;
    char *url, *body;
    strbuf_t buf; /* the answer, or a watch's bytes not yet delivered */
    char errbuf[CURL_ERROR_SIZE];
    bool watch, stopped;
    client_cb cb;
    client_line_cb on_line;
    client_end_cb on_end;
    void *data;
    struct xfer_s *next, *prev;
} xfer_t;

typedef struct sock_s {
    uv_poll_t poll;
    curl_socket_t fd;
    http_client_t *c;
    struct sock_s *next, *prev;
} sock_t;

struct http_client_s {
    client_base_t base; /* first: client.c dispatches through it */
    CURLM *multi;
    uv_timer_t curl_timer, kick;
    char *server, *ca_file, *cert_file, *key_file, *token;
    char *ca_data, *cert_data, *key_data;
    size_t ca_len, cert_len, key_len;
    bool insecure;
    long timeout_ms;
    /* The client pair's file as last seen, and when it was seen to change (certificate
     * rotation): connections made before then are not reused. */
    bool cert_seen;
    ino_t cert_ino;
    struct timespec cert_mtim;
    time_t cert_changed;
    xfer_t *xfers;
    sock_t *socks;
    int depth, pending_closes;
    bool closing, torn_down;
    void (*done)(void *data);
    void *done_data;
};

static void dispatch(http_client_t *c);
static void on_kick(uv_timer_t *t);

/* libcurl reads the client pair by name for every new connection, so a renewed certificate
 * (the agent's certificate manager replaces the file) is used by new connections only; as
 * upstream's kubelet closes its connections at rotation, requests after a change stop reusing
 * connections older than it (a connection's age is counted in whole seconds: a few made just
 * after the change are given up too). Watches already open keep theirs. */
static void avoid_old_connections(http_client_t *c, CURL *e)
{
    struct stat st;
    if (stat(c->cert_file, &st) != 0)
        return;
    if (c->cert_seen && (st.st_ino != c->cert_ino || st.st_mtim.tv_sec != c->cert_mtim.tv_sec ||
                         st.st_mtim.tv_nsec != c->cert_mtim.tv_nsec))
        c->cert_changed = time(NULL);
    c->cert_seen = true;
    c->cert_ino = st.st_ino;
    c->cert_mtim = st.st_mtim;
    if (!c->cert_changed)
        return;
    long age = (long)(time(NULL) - c->cert_changed);
    if (age <= 2)
        curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    else
        curl_easy_setopt(e, CURLOPT_MAXLIFETIME_CONN, age - 1);
}

/* ---- teardown ---- */

static void free_client(http_client_t *c)
{
    void (*done)(void *) = c->done;
    void *data = c->done_data;
    free(c->server);
    free(c->ca_file);
    free(c->cert_file);
    free(c->key_file);
    free(c->token);
    free(c->ca_data);
    free(c->cert_data);
    free(c->key_data);
    free(c);
    if (done)
        done(data);
}

static void on_handle_closed(uv_handle_t *h)
{
    http_client_t *c = h->data;
    if (h->type == UV_POLL)
        free(c8s_container_of((uv_poll_t *)h, sock_t, poll));
    if (--c->pending_closes == 0 && c->torn_down)
        free_client(c);
}

static void sock_close(sock_t *k)
{
    http_client_t *c = k->c;
    if (k->prev)
        k->prev->next = k->next;
    else
        c->socks = k->next;
    if (k->next)
        k->next->prev = k->prev;
    uv_poll_stop(&k->poll);
    c->pending_closes++;
    uv_close((uv_handle_t *)&k->poll, on_handle_closed);
}

static void teardown(http_client_t *c)
{
    c->torn_down = true;
    /* Closing cached connections may call socket_cb with CURL_POLL_REMOVE (closing their polls). */
    curl_multi_cleanup(c->multi);
    c->multi = NULL;
    while (c->socks)
        sock_close(c->socks);
    c->pending_closes += 2;
    uv_close((uv_handle_t *)&c->curl_timer, on_handle_closed);
    uv_close((uv_handle_t *)&c->kick, on_handle_closed);
}

static void maybe_finish_close(http_client_t *c)
{
    if (c->closing && !c->xfers && c->depth == 0 && !c->torn_down)
        teardown(c);
}

/* ---- the multi handle on the loop ---- */

static void on_poll(uv_poll_t *h, int status, int events)
{
    sock_t *k = c8s_container_of(h, sock_t, poll);
    http_client_t *c = k->c;
    int flags = status < 0 ? CURL_CSELECT_ERR : 0;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    int running;
    curl_multi_socket_action(c->multi, k->fd, flags, &running);
    dispatch(c);
}

static void on_curl_timer(uv_timer_t *t)
{
    http_client_t *c = t->data;
    int running;
    curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    dispatch(c);
}

static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    http_client_t *c = userp;
    sock_t *k = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (k) {
            if (c->multi)
                curl_multi_assign(c->multi, fd, NULL);
            sock_close(k);
        }
        return 0;
    }
    if (!k) {
        k = xcalloc(1, sizeof(*k));
        k->fd = fd;
        k->c = c;
        if (uv_poll_init_socket(c->base.loop, &k->poll, fd) != 0) {
            free(k);
            return -1;
        }
        k->poll.data = c;
        k->next = c->socks;
        if (c->socks)
            c->socks->prev = k;
        c->socks = k;
        curl_multi_assign(c->multi, fd, k);
    }
    int events = 0;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
        events |= UV_READABLE;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
        events |= UV_WRITABLE;
    uv_poll_start(&k->poll, events, on_poll);
    return 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    http_client_t *c = userp;
    if (timeout_ms < 0)
        uv_timer_stop(&c->curl_timer);
    else /* even 0 goes through the loop: socket_action may not run inside this callback */
        uv_timer_start(&c->curl_timer, on_curl_timer, (uint64_t)timeout_ms, 0);
    return 0;
}

/* ---- transfers ---- */

static size_t on_write(char *ptr, size_t size, size_t n, void *userdata)
{
    xfer_t *x = userdata;
    if (x->stopped)
        return 0; /* aborts the transfer; it ends through dispatch */
    strbuf_addn(&x->buf, ptr, size * n);
    return size * n;
}

static void xfer_unlink(xfer_t *x)
{
    http_client_t *c = x->c;
    if (x->prev)
        x->prev->next = x->next;
    else
        c->xfers = x->next;
    if (x->next)
        x->next->prev = x->prev;
}

static void xfer_free(xfer_t *x)
{
    if (x->easy) {
        if (x->c->multi)
            curl_multi_remove_handle(x->c->multi, x->easy);
        curl_easy_cleanup(x->easy);
    }
    curl_slist_free_all(x->headers);
    free(x->url);
    free(x->body);
    strbuf_free(&x->buf);
    free(x);
}

/* Hands complete lines to on_line; with flush, the last unterminated one too. */
static void deliver_lines(xfer_t *x, bool flush)
{
    size_t start = 0;
    while (!x->stopped && start < x->buf.len) {
        char *nl = memchr(x->buf.s + start, '\n', x->buf.len - start);
        if (!nl && !flush)
            break;
        size_t end = nl ? (size_t)(nl - x->buf.s) : x->buf.len;
        size_t n = end - start;
        while (n > 0 && x->buf.s[start + n - 1] == '\r')
            n--;
        if (n > 0 && x->on_line) {
            char save = x->buf.s[start + n];
            x->buf.s[start + n] = '\0';
            x->on_line((client_watch_t *)x, x->buf.s + start, n, x->data);
            x->buf.s[start + n] = save;
        }
        start = nl ? end + 1 : x->buf.len;
    }
    if (x->stopped)
        start = x->buf.len;
    if (start > 0) {
        memmove(x->buf.s, x->buf.s + start, x->buf.len - start);
        x->buf.len -= start;
        x->buf.s[x->buf.len] = '\0';
    }
}

static void finish(xfer_t *x, CURLcode rc)
{
    xfer_unlink(x);
    if (x->watch) {
        if (rc == CURLE_OK)
            deliver_lines(x, true);
        if (x->on_end)
            x->on_end((client_watch_t *)x, x->data);
    } else if (x->cb) {
        long code = 0;
        char *ct = NULL;
        if (rc == CURLE_OK) {
            curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
            curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ct);
        }
        cleanup_free char *msg = NULL;
        client_resp_t resp = {(int)code, ct, x->buf.s ? x->buf.s : "", x->buf.len};
        if (rc != CURLE_OK) {
            msg = xstrdup(x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
            resp.body = msg;
            resp.len = strlen(msg);
        }
        x->cb(&resp, x->data);
    }
    xfer_free(x);
}

static void dispatch(http_client_t *c)
{
    c->depth++;
    CURLMsg *msg;
    int left;
    while (c->multi && (msg = curl_multi_info_read(c->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURLcode rc = msg->data.result;
        xfer_t *x = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        /* A watch stopped by the user has already been told nothing more; end it quietly. */
        finish(x, x->stopped ? CURLE_ABORTED_BY_CALLBACK : rc);
    }
    for (xfer_t *x = c->xfers, *next; x; x = next) {
        next = x->next;
        if (!x->easy) {
            finish(x, CURLE_FAILED_INIT);
            continue;
        }
        if (x->watch && x->stopped) {
            finish(x, CURLE_ABORTED_BY_CALLBACK);
            continue;
        }
        if (x->watch && x->buf.len > 0)
            deliver_lines(x, false);
    }
    c->depth--;
    maybe_finish_close(c);
}

static void on_kick(uv_timer_t *t)
{
    dispatch(t->data);
}

static xfer_t *xfer_new(http_client_t *c, const char *method, const char *path,
                        const char *content_type, const char *body, size_t len)
{
    xfer_t *x = xcalloc(1, sizeof(*x));
    x->base.ops = c->base.ops;
    x->c = c;
    x->easy = curl_easy_init();
    if (!x->easy)
        abort(); /* fails only when out of memory */
    CURL *e = x->easy;
    x->url = xasprintf("%s%s", c->server, path);
    curl_easy_setopt(e, CURLOPT_URL, x->url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "c8s-ctl");
    if (strcmp(method, "GET") != 0)
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        x->body = xmalloc(len + 1);
        memcpy(x->body, body, len);
        x->body[len] = '\0';
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    if (c->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_file);
    if (c->ca_data) {
        struct curl_blob b = {c->ca_data, c->ca_len, CURL_BLOB_COPY};
        curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &b);
    }
    if (c->cert_file) {
        curl_easy_setopt(e, CURLOPT_SSLCERT, c->cert_file);
        avoid_old_connections(c, e);
    }
    if (c->cert_data) {
        struct curl_blob b = {c->cert_data, c->cert_len, CURL_BLOB_COPY};
        curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &b);
    }
    if (c->key_file)
        curl_easy_setopt(e, CURLOPT_SSLKEY, c->key_file);
    if (c->key_data) {
        struct curl_blob b = {c->key_data, c->key_len, CURL_BLOB_COPY};
        curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &b);
    }
    if (c->insecure) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    cleanup_free char *accept =
        xasprintf("Accept: %s", c->base.accept ? c->base.accept : "application/json");
    x->headers = curl_slist_append(x->headers, accept);
    x->headers = curl_slist_append(x->headers, "Expect:");
    if (content_type) {
        cleanup_free char *h = xasprintf("Content-Type: %s", content_type);
        x->headers = curl_slist_append(x->headers, h);
    }
    if (c->token) {
        cleanup_free char *h = xasprintf("Authorization: Bearer %s", c->token);
        x->headers = curl_slist_append(x->headers, h);
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
    x->next = c->xfers;
    if (c->xfers)
        c->xfers->prev = x;
    c->xfers = x;
    return x;
}

static void xfer_start(xfer_t *x)
{
    CURLMcode mc = curl_multi_add_handle(x->c->multi, x->easy);
    if (mc != CURLM_OK) {
        snprintf(x->errbuf, sizeof(x->errbuf), "curl_multi_add_handle: %s",
                 curl_multi_strerror(mc));
        /* Answer from the loop, never from inside the caller's call. */
        curl_easy_cleanup(x->easy);
        x->easy = NULL;
        uv_timer_start(&x->c->kick, on_kick, 0, 0);
    }
}

static void http_request(client_t *cl, const char *method, const char *path,
                         const char *content_type, const char *body, size_t len, client_cb cb,
                         void *data)
{
    http_client_t *c = (http_client_t *)cl;
    xfer_t *x = xfer_new(c, method, path, content_type, body, len);
    x->cb = cb;
    x->data = data;
    if (c->timeout_ms > 0)
        curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    xfer_start(x);
}

static client_watch_t *http_watch(client_t *cl, const char *path, client_line_cb on_line,
                                  client_end_cb on_end, void *data)
{
    http_client_t *c = (http_client_t *)cl;
    xfer_t *x = xfer_new(c, "GET", path, NULL, NULL, 0);
    x->watch = true;
    x->on_line = on_line;
    x->on_end = on_end;
    x->data = data;
    curl_easy_setopt(x->easy, CURLOPT_TCP_KEEPALIVE, 1L);
    xfer_start(x);
    return (client_watch_t *)x;
}

static void http_watch_stop(client_watch_t *w)
{
    xfer_t *x = (xfer_t *)w;
    if (x->stopped)
        return;
    x->stopped = true;
    uv_timer_start(&x->c->kick, on_kick, 0, 0);
}

static void http_close(client_t *cl, void (*done)(void *data), void *data)
{
    http_client_t *c = (http_client_t *)cl;
    c->closing = true;
    c->done = done;
    c->done_data = data;
    for (xfer_t *x = c->xfers; x; x = x->next)
        if (x->watch)
            http_watch_stop((client_watch_t *)x);
    uv_timer_start(&c->kick, on_kick, 0, 0);
}

static const client_ops_t http_ops = {http_request, http_watch, http_watch_stop, http_close};

static char *dup_or_null(const char *s)
{
    return s && *s ? xstrdup(s) : NULL;
}

static char *dup_blob(const char *s, size_t n, size_t *out_len)
{
    *out_len = n;
    if (!s || n == 0)
        return NULL;
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

client_t *client_new_http(uv_loop_t *loop, const client_http_config_t *cfg, c8s_err_t *err)
{
    if (!cfg->server || !*cfg->server) {
        c8s_err_set(err, C8S_EBADREQUEST, "no server URL");
        return NULL;
    }
    static bool curl_ready;
    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            c8s_err_set(err, C8S_EINTERNAL, "curl_global_init failed");
            return NULL;
        }
        curl_ready = true;
    }
    http_client_t *c = xcalloc(1, sizeof(*c));
    c->multi = curl_multi_init();
    if (!c->multi) {
        free(c);
        c8s_err_set(err, C8S_EINTERNAL, "curl_multi_init failed");
        return NULL;
    }
    c->base.ops = &http_ops;
    c->base.loop = loop;
    c->server = xstrdup(cfg->server);
    size_t n = strlen(c->server);
    while (n > 0 && c->server[n - 1] == '/')
        c->server[--n] = '\0';
    c->ca_file = dup_or_null(cfg->ca_file);
    c->cert_file = dup_or_null(cfg->cert_file);
    c->key_file = dup_or_null(cfg->key_file);
    c->token = dup_or_null(cfg->token);
    c->ca_data = dup_blob(cfg->ca_data, cfg->ca_data_len, &c->ca_len);
    c->cert_data = dup_blob(cfg->cert_data, cfg->cert_data_len, &c->cert_len);
    c->key_data = dup_blob(cfg->key_data, cfg->key_data_len, &c->key_len);
    c->insecure = cfg->insecure;
    c->timeout_ms = cfg->timeout_ms;
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
    uv_timer_init(loop, &c->curl_timer);
    c->curl_timer.data = c;
    uv_timer_init(loop, &c->kick);
    c->kick.data = c;
    return (client_t *)c;
}
