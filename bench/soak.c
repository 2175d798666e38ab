/*
 * bench/soak.c — the soak and load harness of issue 10: a real etcd and a real `c8s server`
 * process; W watchers on one namespace's ConfigMaps and writes at R per second (merge patches
 * spreading over 1,000 ConfigMaps, each carrying its sequence number) for S seconds. Every
 * watcher checks its own stream: resourceVersions strictly increase, and at the end every write
 * the server acknowledged was seen by every watcher (a watch the server ends is resumed from the
 * last resourceVersion seen, as a client does; a 410 there counts as a miss). Writes stop at S
 * seconds; the watchers then read on until they have everything (up to 5 min). A write missing
 * from a stream at or below the last resourceVersion it delivered was skipped (missed); above
 * it, not read by the end (unread). Reports write latency (p50, p99, max), the server's RSS and
 * open fds before and after, the CPU time the server, etcd and the harness used while writing,
 * and ends with one `RESULT key=value ...` line. Exits 1 when a watcher missed a write or saw one
 * out of order, when a stream could not be resumed, when the streams stalled (10 s without an
 * event) with writes unread, when most writes failed, or when the server kept fds of the closed
 * watches.
 *
 * The watchers watch as client-go does, as HTTP/2 streams multiplexed over as few TLS
 * connections as the server's stream limit allows; --http1 gives each its own HTTP/1.1
 * connection instead.
 *
 *   bench_soak                      1,000 watchers, 500 writes/s, 600 s (`make soak`)
 *   bench_soak --short              50 watchers (2 connections), 50 writes/s, 30 s, streams
 *                                   ended every 12 s (the test in `make test`)
 *   bench_soak --http1              a connection per watcher (HTTP/1.1)
 *   bench_soak --h2-conns N         at least N HTTP/2 connections
 *   bench_soak --watch-timeout S    each watch asks timeoutSeconds=S: resumes exercised
 *   bench_soak -w N -r R -s S       any other mix (-w 0: the write path alone)
 *   bench_soak --etcd -r R -s S     the same writes as puts straight to etcd's gateway: what the
 *                                   storage takes on this machine, without the API server
 */
#include "c8s/base.h"
#include "harness.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <inttypes.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define OBJECTS   1000 /* ConfigMaps the writes spread over */
#define INFLIGHT  64   /* writes in flight at most */
#define NAMESPACE "soak"

static th_etcd_t etcd;
static th_server_t srv;
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void stop_all(void)
{
    if (srv.pid > 0)
        th_server_stop(&srv);
    if (etcd.pid > 0)
        th_etcd_stop(&etcd);
}

static long proc_rss_kib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kib = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

static int proc_fds(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int http_ok(const char *method, const char *path, const char *ct, const char *body)
{
    cleanup_free char *url = xasprintf("%s%s", srv.url, path);
    /* Set-up on a loaded machine: etcd may time out a write now and then (503); tried again. */
    for (int attempt = 0;; attempt++) {
        th_resp_t r;
        if (th_http(method, url, ct, body, &r) != 0)
            return -1;
        long status = r.status;
        if (status >= 200 && status < 300) {
            th_resp_free(&r);
            return 0;
        }
        if (status < 500 || attempt == 5) {
            fprintf(stderr, "soak: %s %s: HTTP %ld %.300s\n", method, path, r.status, r.body);
            th_resp_free(&r);
            return -1;
        }
        th_resp_free(&r);
    }
}

/* ---- watchers ----
 *
 * Reader threads, each with its own epoll set of up to WATCHERS_PER_THREAD streams: a thread per
 * stream would be 1,000 threads on two cores, one thread for all of them (what this harness did
 * first) read ~18,000 events a second and was the limit. Each stream is non-blocking and read until
 * TLS says it wants more, so nothing decrypted stays hidden from level-triggered epoll. The chunked
 * body is decoded in place and each line handled where it lies: no copy or shift per line. */

#define WATCHERS_PER_THREAD 250

typedef struct {
    th_watch_t c;    /* the connection (fd, TLS); its own buffers only while opening */
    int64_t last_rv; /* written by the reader thread, read by main (atomics) */
    uint8_t *seen;   /* bit per write sequence number (atomics) */
    long events, resumes, out_of_order, errors;
    char *raw; /* bytes read, not yet de-chunked */
    size_t rlen, rcap;
    char *body; /* de-chunked bytes, not yet a whole line */
    size_t blen, bcap;
    size_t chunk_left;
    int chunk_state; /* 0: size line next, 1: in a chunk's data, 2: its CRLF next */
    bool eof, dead;
    /* HTTP/2 mode: a stream on a shared connection, owned by that connection's reader thread. */
    struct h2conn_s *h2;
    int32_t sid;       /* the open stream, 0 when none */
    int status;        /* its :status, 0 until the headers came */
    int fails;         /* opens in a row that did not answer 200 */
    uint64_t retry_ns; /* when to open it again (0: not waiting) */
    bool ready;        /* a stream answered 200 (atomics: main waits for it) */
} watcher_t;

typedef struct {
    pthread_t tid;
    int ep;
    watcher_t *ws; /* HTTP/1.1: this thread's slice of the watchers */
    int n;
    struct h2conn_s **conns; /* HTTP/2: this thread's connections */
    int n_conns;
} reader_t;

static long n_seq;
static int watch_timeout; /* timeoutSeconds asked of each watch (0: the server's own) */
static int stop_readers;
static uint64_t last_read_ns; /* when a reader last handled an event line (atomics) */

static char *list_rv(void)
{
    cleanup_free char *url =
        xasprintf("%s/api/v1/namespaces/%s/configmaps?limit=1", srv.url, NAMESPACE);
    th_resp_t r;
    char *rv = NULL;
    if (th_http("GET", url, NULL, NULL, &r) == 0 && r.status == 200) {
        cleanup_json json_t *j = json_loads(r.body, 0, NULL);
        const char *v =
            json_string_value(json_object_get(json_object_get(j, "metadata"), "resourceVersion"));
        if (v)
            rv = xstrdup(v);
    }
    th_resp_free(&r);
    return rv;
}

static void grow(char **b, size_t *cap, size_t need)
{
    if (need > *cap) {
        *cap = need * 2;
        *b = xrealloc(*b, *cap);
    }
}

/* Opens (or re-opens) the stream from w->last_rv; blocking, then made non-blocking. */
static void watcher_decode(watcher_t *w);

static int watcher_open(watcher_t *w)
{
    cleanup_free char *path = xasprintf(
        "/api/v1/namespaces/%s/configmaps?watch=true&resourceVersion=%" PRId64 "&timeoutSeconds=%d",
        NAMESPACE, __atomic_load_n(&w->last_rv, __ATOMIC_RELAXED), watch_timeout);
    if (th_watch_open(&w->c, srv.port, path) != 0 || w->c.status != 200 || w->c.eof) {
        th_watch_close(&w->c);
        return -1;
    }
    /* Body bytes that came with the headers. */
    w->rlen = w->blen = 0;
    w->chunk_state = 0;
    w->chunk_left = 0;
    w->eof = false;
    grow(&w->raw, &w->rcap, w->c.rlen + 1);
    if (w->c.rlen)
        memcpy(w->raw, w->c.raw, w->c.rlen);
    w->rlen = w->c.rlen;
    watcher_decode(w);
    int fl = fcntl(w->c.fd, F_GETFL);
    if (fl < 0 || fcntl(w->c.fd, F_SETFL, fl | O_NONBLOCK) != 0) {
        th_watch_close(&w->c);
        return -1;
    }
    return 0;
}

/* One event line: {"type":"MODIFIED","object":{... "resourceVersion":"N" ... "seq":"S" ...}}. */
static void watcher_line(watcher_t *w, const char *line)
{
    w->events++;
    if (strncmp(line, "{\"type\":\"ERROR\"", 15) == 0) {
        w->errors++;
        return;
    }
    const char *p = strstr(line, "\"resourceVersion\":\"");
    if (!p)
        return;
    const char *q = strstr(p, "\"seq\":\"");
    int64_t rv = strtoll(p + 19, NULL, 10);
    if (rv <= w->last_rv)
        w->out_of_order++;
    else
        __atomic_store_n(&w->last_rv, rv, __ATOMIC_RELEASE);
    if (q) {
        long s = strtol(q + 7, NULL, 10);
        if (s >= 0 && s < n_seq)
            __atomic_fetch_or(&w->seen[s / 8], (uint8_t)(1u << (s % 8)), __ATOMIC_RELAXED);
    }
}

static void watcher_lines(watcher_t *w);

/* Moves whole chunks from raw to body, then handles body's whole lines. */
static void watcher_decode(watcher_t *w)
{
    size_t p = 0;
    while (p < w->rlen && !w->eof) {
        if (w->chunk_state == 0) {
            char *crlf = memmem(w->raw + p, w->rlen - p, "\r\n", 2);
            if (!crlf)
                break;
            size_t size = strtoul(w->raw + p, NULL, 16);
            p = (size_t)(crlf - w->raw) + 2;
            if (size == 0)
                w->eof = true;
            w->chunk_left = size;
            w->chunk_state = 1;
        } else if (w->chunk_state == 1) {
            size_t take = w->rlen - p < w->chunk_left ? w->rlen - p : w->chunk_left;
            grow(&w->body, &w->bcap, w->blen + take + 1);
            memcpy(w->body + w->blen, w->raw + p, take);
            w->blen += take;
            p += take;
            w->chunk_left -= take;
            if (w->chunk_left == 0)
                w->chunk_state = 2;
        } else {
            if (w->rlen - p < 2)
                break;
            p += 2;
            w->chunk_state = 0;
        }
    }
    if (p) {
        memmove(w->raw, w->raw + p, w->rlen - p);
        w->rlen -= p;
    }
    watcher_lines(w);
}

/* Handles body's whole lines in place and keeps the partial last one. */
static void watcher_lines(watcher_t *w)
{
    size_t s = 0;
    char *nl;
    while (s < w->blen && (nl = memchr(w->body + s, '\n', w->blen - s))) {
        *nl = '\0';
        if (nl > w->body + s) /* blank lines (the stream's opening newline) are skipped */
            watcher_line(w, w->body + s);
        s = (size_t)(nl - w->body) + 1;
    }
    if (s) {
        __atomic_store_n(&last_read_ns, c8s_now_ns(), __ATOMIC_RELAXED);
        memmove(w->body, w->body + s, w->blen - s);
        w->blen -= s;
    }
}

/* Reads everything the stream has now (until TLS wants more from the socket). */
static void watcher_drain(watcher_t *w)
{
    SSL *ssl = w->c.ssl;
    for (;;) {
        grow(&w->raw, &w->rcap, w->rlen + 65536);
        ssize_t n;
        if (ssl) {
            ERR_clear_error();
            n = SSL_read(ssl, w->raw + w->rlen, 65536);
            if (n <= 0) {
                int e = SSL_get_error(ssl, (int)n);
                if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
                    w->eof = true;
                return;
            }
        } else {
            n = read(w->c.fd, w->raw + w->rlen, 65536);
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
            if (n <= 0) {
                w->eof = true;
                return;
            }
        }
        w->rlen += (size_t)n;
        watcher_decode(w);
        if (w->eof)
            return;
    }
}

/* The server ended the stream: resume from the last resourceVersion seen, as a client does. */
static void watcher_resume(reader_t *r, watcher_t *w)
{
    epoll_ctl(r->ep, EPOLL_CTL_DEL, w->c.fd, NULL);
    th_watch_close(&w->c);
    w->resumes++;
    for (int attempt = 0; attempt < 5; attempt++) {
        if (watcher_open(w) == 0) {
            struct epoll_event ev = {.events = EPOLLIN, .data.ptr = w};
            if (epoll_ctl(r->ep, EPOLL_CTL_ADD, w->c.fd, &ev) == 0)
                return;
            th_watch_close(&w->c);
        }
        w->errors++;
        usleep(200000);
    }
    w->dead = true;
}

static void *reader_main(void *data)
{
    reader_t *r = data;
    struct epoll_event evs[64];
    while (!__atomic_load_n(&stop_readers, __ATOMIC_RELAXED)) {
        int n = epoll_wait(r->ep, evs, 64, 100);
        for (int i = 0; i < n; i++) {
            watcher_t *w = evs[i].data.ptr;
            watcher_drain(w);
            if (w->eof)
                watcher_resume(r, w);
        }
    }
    return NULL;
}

/* ---- HTTP/2 watchers ----
 *
 * As client-go watches: every watch of a process is a stream on one TLS connection per API
 * server, and a new connection is opened only when the open ones carry as many streams as the
 * server's SETTINGS_MAX_CONCURRENT_STREAMS allows (Go's transport does the same when its
 * StrictMaxConcurrentStreams is off, the default). The flow-control windows are Go's transport's
 * (4 MiB a stream, 1 GiB the connection), so that the server is never held up by the client's
 * window on this loopback link. libnghttp2 decodes the frames; each connection is owned by one
 * reader thread, which reads it until TLS wants more (nothing decrypted stays hidden from
 * level-triggered epoll) and hands each DATA frame's bytes to its stream's watcher. */

#define H2_STREAM_WINDOW (4 << 20)
#define H2_CONN_WINDOW   (1 << 30)

typedef struct h2conn_s {
    int fd;
    SSL *ssl;
    nghttp2_session *s;
    watcher_t **ws; /* its watchers (borrowed) */
    int n;
    bool settings_seen, broken;
    uint32_t max_streams; /* the server's SETTINGS_MAX_CONCURRENT_STREAMS */
    long reconnects;
} h2conn_t;

static SSL_CTX *h2_ctx;

static int h2_ctx_init(void)
{
    static const unsigned char alpn[] = "\x02h2";
    h2_ctx = SSL_CTX_new(TLS_client_method());
    if (!h2_ctx || SSL_CTX_load_verify_locations(h2_ctx, srv.ca, NULL) != 1 ||
        SSL_CTX_use_certificate_chain_file(h2_ctx, srv.cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(h2_ctx, srv.key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_set_alpn_protos(h2_ctx, alpn, sizeof(alpn) - 1) != 0) {
        fprintf(stderr, "soak: the TLS client context: %s\n",
                ERR_error_string(ERR_get_error(), NULL));
        return -1;
    }
    SSL_CTX_set_verify(h2_ctx, SSL_VERIFY_PEER, NULL);
    return 0;
}

/* Everything nghttp2 has to send (requests, WINDOW_UPDATEs, SETTINGS ACKs), written out. */
static int h2_flush(h2conn_t *c)
{
    for (;;) {
        const uint8_t *data;
        ssize_t n = nghttp2_session_mem_send(c->s, &data);
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        for (ssize_t off = 0; off < n;) {
            ERR_clear_error();
            int k = SSL_write(c->ssl, data + off, (int)(n - off));
            if (k > 0) {
                off += k;
                continue;
            }
            int e = SSL_get_error(c->ssl, k);
            if (e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ)
                return -1;
            /* The socket is full (rare: the frames we send are small); wait for room. */
            struct pollfd pfd = {.fd = c->fd,
                                 .events = e == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN};
            poll(&pfd, 1, 100);
        }
    }
}

static int h2_on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
                        size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                        void *data)
{
    (void)flags, (void)data, (void)valuelen;
    if (f->hd.type != NGHTTP2_HEADERS || namelen != 7 || memcmp(name, ":status", 7) != 0)
        return 0;
    watcher_t *w = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
    if (w && w->sid == f->hd.stream_id) {
        w->status = atoi((const char *)value);
        if (w->status == 200) {
            w->fails = 0;
            __atomic_store_n(&w->ready, true, __ATOMIC_RELEASE);
        }
    }
    return 0;
}

static int h2_on_data(nghttp2_session *s, uint8_t flags, int32_t sid, const uint8_t *p, size_t len,
                      void *data)
{
    (void)flags, (void)data;
    watcher_t *w = nghttp2_session_get_stream_user_data(s, sid);
    if (!w || w->sid != sid || w->status != 200)
        return 0;
    grow(&w->body, &w->bcap, w->blen + len + 1);
    memcpy(w->body + w->blen, p, len);
    w->blen += len;
    watcher_lines(w);
    return 0;
}

/* The server ended a stream (its timeout, a watcher too slow) or refused one: opened again from
 * the last resourceVersion seen, as a client does; one that did not answer 200 is tried again
 * 200 ms later, five times at most in a row. */
static int h2_on_close(nghttp2_session *s, int32_t sid, uint32_t code, void *data)
{
    (void)code, (void)data;
    watcher_t *w = nghttp2_session_get_stream_user_data(s, sid);
    if (!w || w->sid != sid)
        return 0;
    w->sid = 0;
    w->blen = 0;
    if (w->status == 200) {
        w->resumes++;
        w->retry_ns = 1; /* at once */
    } else {
        w->errors++;
        if (++w->fails >= 5)
            __atomic_store_n(&w->dead, true, __ATOMIC_RELAXED);
        else
            w->retry_ns = c8s_now_ns() + 200000000ull;
    }
    return 0;
}

static int h2_on_frame(nghttp2_session *s, const nghttp2_frame *f, void *data)
{
    h2conn_t *c = data;
    if (f->hd.type == NGHTTP2_SETTINGS && !(f->hd.flags & NGHTTP2_FLAG_ACK)) {
        c->settings_seen = true;
        c->max_streams =
            nghttp2_session_get_remote_settings(s, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
    } else if (f->hd.type == NGHTTP2_GOAWAY) {
        c->broken = true;
    }
    return 0;
}

static void h2_submit(h2conn_t *c, watcher_t *w)
{
    char path[256], authority[64];
    snprintf(path, sizeof(path),
             "/api/v1/namespaces/%s/configmaps?watch=true&resourceVersion=%" PRId64
             "&timeoutSeconds=%d",
             NAMESPACE, __atomic_load_n(&w->last_rv, __ATOMIC_RELAXED), watch_timeout);
    snprintf(authority, sizeof(authority), "127.0.0.1:%d", srv.port);
#define NV(n, v) {(uint8_t *)(n), (uint8_t *)(v), strlen(n), strlen(v), NGHTTP2_NV_FLAG_NONE}
    nghttp2_nv nva[] = {NV(":method", "GET"), NV(":scheme", "https"), NV(":authority", authority),
                        NV(":path", path), NV("accept", "application/json")};
#undef NV
    w->status = 0;
    w->blen = 0;
    w->retry_ns = 0;
    int32_t sid = nghttp2_submit_request(c->s, NULL, nva, sizeof(nva) / sizeof(nva[0]), NULL, w);
    if (sid < 0) {
        w->errors++;
        __atomic_store_n(&w->dead, true, __ATOMIC_RELAXED);
        return;
    }
    w->sid = sid;
}

static void h2_close(h2conn_t *c)
{
    if (c->s)
        nghttp2_session_del(c->s);
    c->s = NULL;
    if (c->ssl)
        SSL_free(c->ssl);
    c->ssl = NULL;
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

/* Reads what the connection has now into nghttp2; marks it broken at its end or on an error. */
static void h2_read(h2conn_t *c)
{
    uint8_t buf[65536];
    for (;;) {
        ERR_clear_error();
        int n = SSL_read(c->ssl, buf, sizeof(buf));
        if (n <= 0) {
            int e = SSL_get_error(c->ssl, n);
            if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
                c->broken = true;
            return;
        }
        ssize_t used = nghttp2_session_mem_recv(c->s, buf, (size_t)n);
        if (used < 0) {
            fprintf(stderr, "soak: HTTP/2: %s\n", nghttp2_strerror((int)used));
            c->broken = true;
            return;
        }
    }
}

/* Connects, exchanges SETTINGS (so the server's stream limit is known) and leaves the socket
 * non-blocking. Returns 0 or -1. */
static int h2_connect(h2conn_t *c)
{
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)srv.port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
        goto fail;
    c->ssl = SSL_new(h2_ctx);
    if (!c->ssl || X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), "127.0.0.1") != 1 ||
        SSL_set_fd(c->ssl, c->fd) != 1 || SSL_connect(c->ssl) != 1)
        goto fail;
    const unsigned char *proto;
    unsigned int plen;
    SSL_get0_alpn_selected(c->ssl, &proto, &plen);
    if (plen != 2 || memcmp(proto, "h2", 2) != 0) {
        fprintf(stderr, "soak: the server did not choose HTTP/2 (ALPN)\n");
        goto fail;
    }
    nghttp2_session_callbacks *cb;
    if (nghttp2_session_callbacks_new(&cb) != 0)
        goto fail;
    nghttp2_session_callbacks_set_on_header_callback(cb, h2_on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, h2_on_data);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, h2_on_close);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, h2_on_frame);
    int rc = nghttp2_session_client_new(&c->s, cb, c);
    nghttp2_session_callbacks_del(cb);
    if (rc != 0)
        goto fail;
    nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
                                   {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, H2_STREAM_WINDOW}};
    if (nghttp2_submit_settings(c->s, NGHTTP2_FLAG_NONE, iv, 2) != 0 ||
        nghttp2_session_set_local_window_size(c->s, NGHTTP2_FLAG_NONE, 0, H2_CONN_WINDOW) != 0 ||
        h2_flush(c) != 0)
        goto fail;
    int fl = fcntl(c->fd, F_GETFL);
    if (fl < 0 || fcntl(c->fd, F_SETFL, fl | O_NONBLOCK) != 0)
        goto fail;
    c->settings_seen = c->broken = false;
    for (int waited = 0; !c->settings_seen && !c->broken && waited < 100; waited++) {
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        poll(&pfd, 1, 100);
        h2_read(c);
    }
    if (!c->settings_seen || c->broken || h2_flush(c) != 0)
        goto fail;
    return 0;
fail:
    h2_close(c);
    return -1;
}

/* Opens the connection's streams that are due (re-opens, retries) and sends what is queued. */
static void h2_service(reader_t *r, h2conn_t *c)
{
    if (c->broken) {
        /* The connection ended (GOAWAY, reset): a new one, every stream resumed on it. */
        epoll_ctl(r->ep, EPOLL_CTL_DEL, c->fd, NULL);
        h2_close(c);
        c->reconnects++;
        int attempt = 0;
        while (h2_connect(c) != 0) {
            if (++attempt == 5) {
                for (int i = 0; i < c->n; i++) {
                    __atomic_store_n(&c->ws[i]->dead, true, __ATOMIC_RELAXED);
                    c->ws[i]->errors++;
                }
                return;
            }
            usleep(200000);
        }
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(r->ep, EPOLL_CTL_ADD, c->fd, &ev);
        for (int i = 0; i < c->n; i++)
            if (!c->ws[i]->dead) {
                c->ws[i]->sid = 0;
                c->ws[i]->resumes++;
                h2_submit(c, c->ws[i]);
            }
    }
    uint64_t now = 0;
    for (int i = 0; i < c->n; i++) {
        watcher_t *w = c->ws[i];
        if (!w->retry_ns || w->dead || w->sid)
            continue;
        if (!now)
            now = c8s_now_ns();
        if (w->retry_ns <= now)
            h2_submit(c, w);
    }
    if (c->s && h2_flush(c) != 0)
        c->broken = true;
}

static void *reader_h2_main(void *data)
{
    reader_t *r = data;
    struct epoll_event evs[64];
    while (!__atomic_load_n(&stop_readers, __ATOMIC_RELAXED)) {
        int n = epoll_wait(r->ep, evs, 64, 100);
        for (int i = 0; i < n; i++) {
            h2conn_t *c = evs[i].data.ptr;
            if (c->s)
                h2_read(c);
        }
        /* Retries and resumes are due whether or not anything was read. */
        for (int i = 0; i < r->n_conns; i++)
            h2_service(r, r->conns[i]);
    }
    return NULL;
}

/* ---- writers ---- */

typedef struct {
    CURL *e;
    bool busy;
    long seq;
    uint64_t t0;
    char body[160];
    char url[256];
    char resp[4096]; /* the answer's start: the object with its new resourceVersion */
    size_t resp_len;
} write_t;

static size_t on_resp(char *p, size_t size, size_t n, void *data)
{
    write_t *w = data;
    size_t len = size * n, room = sizeof(w->resp) - 1 - w->resp_len;
    size_t take = len < room ? len : room;
    memcpy(w->resp + w->resp_len, p, take);
    w->resp_len += take;
    w->resp[w->resp_len] = '\0';
    return len;
}

static char *b64(const char *s)
{
    size_t n = strlen(s);
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
    return out;
}

/* Write seq: a merge patch of ConfigMap s-<seq % OBJECTS> through the API server, or (etcd_only)
 * a put of a key of that name straight to etcd's gateway, for the storage's own figure. */
static void write_prepare(write_t *w, long seq, bool etcd_only)
{
    w->seq = seq;
    w->resp_len = 0;
    w->resp[0] = '\0';
    if (etcd_only) {
        char key[64], val[32];
        snprintf(key, sizeof(key), "/soak/s-%ld", seq % OBJECTS);
        snprintf(val, sizeof(val), "%ld", seq);
        cleanup_free char *k = b64(key), *v = b64(val);
        snprintf(w->url, sizeof(w->url), "%s/v3/kv/put", etcd.url);
        snprintf(w->body, sizeof(w->body), "{\"key\":\"%s\",\"value\":\"%s\"}", k, v);
        curl_easy_setopt(w->e, CURLOPT_CUSTOMREQUEST, "POST");
    } else {
        snprintf(w->url, sizeof(w->url), "%s/api/v1/namespaces/%s/configmaps/s-%ld", srv.url,
                 NAMESPACE, seq % OBJECTS);
        snprintf(w->body, sizeof(w->body), "{\"data\":{\"seq\":\"%ld\"}}", seq);
        curl_easy_setopt(w->e, CURLOPT_CUSTOMREQUEST, "PATCH");
        th_curl_tls(w->e, w->url);
    }
    curl_easy_setopt(w->e, CURLOPT_URL, w->url);
    curl_easy_setopt(w->e, CURLOPT_POSTFIELDS, w->body);
}

/* The new revision in a write's answer: the object's resourceVersion, or etcd's header revision. */
static int64_t write_rv(const write_t *w)
{
    const char *p = strstr(w->resp, "\"resourceVersion\":\"");
    if (p)
        return strtoll(p + 19, NULL, 10);
    p = strstr(w->resp, "\"revision\":\"");
    return p ? strtoll(p + 12, NULL, 10) : INT64_MAX;
}

/* CPU seconds (user + system) a process has used so far. */
static double proc_cpu_s(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    unsigned long ut, st;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double self_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char **argv)
{
    int n_watchers = 1000, rate = 500, seconds = 600, h2_conns = 0;
    bool etcd_only = false, http1 = false, short_mode = false;
    static const struct option opts[] = {{"short", no_argument, NULL, 'q'},
                                         {"etcd", no_argument, NULL, 'e'},
                                         {"watchers", required_argument, NULL, 'w'},
                                         {"rate", required_argument, NULL, 'r'},
                                         {"seconds", required_argument, NULL, 's'},
                                         {"http1", no_argument, NULL, '1'},
                                         {"h2-conns", required_argument, NULL, 'c'},
                                         {"watch-timeout", required_argument, NULL, 't'},
                                         {NULL, 0, NULL, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "qew:r:s:1c:t:", opts, NULL)) != -1) {
        switch (o) {
        case 'q':
            n_watchers = 50, rate = 50, seconds = 30;
            /* The server ends each stream twice or so during the run: every watcher resumes
             * from its last resourceVersion, and must still miss nothing. */
            watch_timeout = 12;
            short_mode = true;
            break;
        case '1':
            http1 = true;
            break;
        case 'c':
            h2_conns = atoi(optarg);
            break;
        case 't':
            watch_timeout = atoi(optarg);
            break;
        case 'e':
            etcd_only = true;
            break;
        case 'w':
            n_watchers = atoi(optarg);
            break;
        case 'r':
            rate = atoi(optarg);
            break;
        case 's':
            seconds = atoi(optarg);
            break;
        default:
            fprintf(stderr,
                    "usage: %s [--short] [--etcd] [--http1 | --h2-conns N] [--watch-timeout S] "
                    "[-w watchers] [-r writes/s] [-s seconds]\n",
                    argv[0]);
            return 2;
        }
    }
    if (etcd_only)
        n_watchers = 0;
    if (n_watchers < 0 || rate < 1 || seconds < 1 || h2_conns < 0 || watch_timeout < 0) {
        fprintf(stderr, "soak: watchers and connections must be 0 or more, rate and seconds "
                        "positive\n");
        return 2;
    }
    /* The CI length spreads its 50 streams over two connections, so that the spreading is
     * exercised too (one connection would carry them all). */
    if (short_mode && !h2_conns)
        h2_conns = 2;
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)n_watchers + 512) {
        rl.rlim_cur =
            rl.rlim_max < (rlim_t)n_watchers + 512 ? rl.rlim_max : (rlim_t)n_watchers + 512;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    atexit(stop_all);
    if (th_etcd_start(&etcd) != 0) {
        fprintf(stderr, "soak: etcd did not start\n");
        return 1;
    }
    /* The API server alone, its limits off: the harness measures storage, watch fan-out and
     * memory, not the controllers or the inflight limits. */
    static const char *const args[] = {"--max-requests-inflight",
                                       "0",
                                       "--max-mutating-requests-inflight",
                                       "0",
                                       "--disable-scheduler",
                                       "--disable-controller-manager",
                                       NULL};
    if (!etcd_only && th_server_start(&srv, etcd.url, args) != 0) {
        fprintf(stderr, "soak: the server did not start (log %s)\n", srv.log);
        return 1;
    }
    pid_t measured = etcd_only ? etcd.pid : srv.pid;
    if (!etcd_only) {
        if (http_ok("POST", "/api/v1/namespaces", "application/json",
                    "{\"metadata\":{\"name\":\"" NAMESPACE "\"}}") != 0)
            return 1;
        for (int i = 0; i < OBJECTS; i++) {
            char body[128];
            snprintf(body, sizeof(body),
                     "{\"metadata\":{\"name\":\"s-%d\"},\"data\":{\"seq\":\"-1\"}}", i);
            if (http_ok("POST", "/api/v1/namespaces/" NAMESPACE "/configmaps", "application/json",
                        body) != 0)
                return 1;
        }
    }
    sleep(1); /* let the server's fd count settle (etcd connections of the creates) */
    int fds_before = proc_fds(measured);

    n_seq = (long)rate * seconds;
    cleanup_free char *rv0 = etcd_only ? xstrdup("0") : list_rv();
    if (!rv0) {
        fprintf(stderr, "soak: no resourceVersion from the list\n");
        return 1;
    }
    watcher_t *ws = xcalloc((size_t)n_watchers + 1, sizeof(*ws));
    int opened = 0;
    for (int i = 0; i < n_watchers; i++) {
        ws[i].last_rv = strtoll(rv0, NULL, 10);
        ws[i].seen = xcalloc((size_t)n_seq / 8 + 1, 1);
        ws[i].c.fd = -1;
        if (!http1)
            continue;
        if (watcher_open(&ws[i]) == 0)
            opened++;
        else
            ws[i].dead = true;
    }
    /* HTTP/2: as many connections as the server's stream limit needs (or more, if asked), the
     * watchers spread evenly; every stream asked for before the readers start. */
    h2conn_t *conns = NULL;
    int n_conns = 0;
    uint32_t max_streams = 0;
    if (!http1 && n_watchers > 0) {
        h2conn_t first = {.fd = -1};
        if (h2_ctx_init() != 0 || h2_connect(&first) != 0) {
            fprintf(stderr, "soak: no HTTP/2 connection to the server\n");
            return 1;
        }
        max_streams = first.max_streams;
        long per =
            max_streams > 0 && max_streams < (uint32_t)n_watchers ? (long)max_streams : n_watchers;
        n_conns = (int)((n_watchers + per - 1) / per);
        if (h2_conns > n_conns)
            n_conns = h2_conns > n_watchers ? n_watchers : h2_conns;
        else if (h2_conns && h2_conns < n_conns)
            printf("soak: %d connections asked, %d needed for %d streams at the server's %" PRIu32
                   " a connection\n",
                   h2_conns, n_conns, n_watchers, max_streams);
        conns = xcalloc((size_t)n_conns, sizeof(*conns));
        conns[0] = first;
        for (int j = 1; j < n_conns; j++) {
            conns[j].fd = -1;
            if (h2_connect(&conns[j]) != 0) {
                fprintf(stderr, "soak: no HTTP/2 connection to the server\n");
                return 1;
            }
        }
        for (int j = 0; j < n_conns; j++)
            conns[j].ws = xcalloc((size_t)(n_watchers / n_conns + 1), sizeof(watcher_t *));
        for (int i = 0; i < n_watchers; i++) {
            h2conn_t *c = &conns[i % n_conns];
            c->ws[c->n++] = &ws[i];
            ws[i].h2 = c;
            h2_submit(c, &ws[i]);
        }
        for (int j = 0; j < n_conns; j++)
            if (h2_flush(&conns[j]) != 0) {
                fprintf(stderr, "soak: HTTP/2: the requests could not be sent\n");
                return 1;
            }
    }
    int n_readers = (n_watchers + WATCHERS_PER_THREAD - 1) / WATCHERS_PER_THREAD;
    if (!http1 && n_readers > n_conns)
        n_readers = n_conns;
    reader_t *readers = xcalloc((size_t)n_readers + 1, sizeof(*readers));
    for (int t = 0; t < n_readers; t++) {
        reader_t *r = &readers[t];
        r->ep = epoll_create1(EPOLL_CLOEXEC);
        if (r->ep < 0) {
            fprintf(stderr, "soak: epoll_create1: %s\n", strerror(errno));
            return 1;
        }
        if (!http1) {
            r->conns = xcalloc((size_t)(n_conns / n_readers + 1), sizeof(*r->conns));
            for (int j = t; j < n_conns; j += n_readers) {
                r->conns[r->n_conns++] = &conns[j];
                struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &conns[j]};
                if (epoll_ctl(r->ep, EPOLL_CTL_ADD, conns[j].fd, &ev) != 0) {
                    fprintf(stderr, "soak: epoll_ctl: %s\n", strerror(errno));
                    return 1;
                }
            }
            if (pthread_create(&r->tid, NULL, reader_h2_main, r) != 0) {
                fprintf(stderr, "soak: no reader thread\n");
                return 1;
            }
            continue;
        }
        r->ws = &ws[t * WATCHERS_PER_THREAD];
        r->n = n_watchers - t * WATCHERS_PER_THREAD;
        if (r->n > WATCHERS_PER_THREAD)
            r->n = WATCHERS_PER_THREAD;
        for (int i = 0; i < r->n; i++) {
            if (r->ws[i].dead)
                continue;
            struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &r->ws[i]};
            if (epoll_ctl(r->ep, EPOLL_CTL_ADD, r->ws[i].c.fd, &ev) != 0) {
                fprintf(stderr, "soak: epoll_ctl: %s\n", strerror(errno));
                return 1;
            }
        }
        if (pthread_create(&r->tid, NULL, reader_main, r) != 0) {
            fprintf(stderr, "soak: no reader thread\n");
            return 1;
        }
    }
    if (!http1) {
        /* Writes start once every stream is established (200), as the HTTP/1.1 watchers are
         * when opened; up to 4 min on a loaded machine. */
        uint64_t t0 = c8s_now_ns();
        do {
            opened = 0;
            int settled = 0;
            for (int i = 0; i < n_watchers; i++) {
                bool ok = __atomic_load_n(&ws[i].ready, __ATOMIC_ACQUIRE);
                opened += ok;
                settled += ok || __atomic_load_n(&ws[i].dead, __ATOMIC_RELAXED);
            }
            if (settled == n_watchers)
                break;
            usleep(20000);
        } while (!interrupted && c8s_now_ns() - t0 < 240000000000ull);
    }
    double load[3] = {0, 0, 0};
    getloadavg(load, 3);
    char mode[96];
    if (http1)
        snprintf(mode, sizeof(mode), "HTTP/1.1, a connection each");
    else
        snprintf(mode, sizeof(mode), "HTTP/2, %d connections, the server's limit %" PRIu32, n_conns,
                 max_streams);
    printf("soak: %d of %d watchers (%s) from resourceVersion %s (%d reader threads); %d "
           "writes/s for %d s (%ld writes)%s; load %.1f %.1f %.1f\n",
           opened, n_watchers, mode, rv0, n_readers, rate, seconds, n_seq,
           etcd_only ? " straight to etcd" : "", load[0], load[1], load[2]);
    long rss_start = proc_rss_kib(measured);

    CURLM *multi = curl_multi_init();
    /* One easy handle per slot, kept: its connection is reused (the server does not see a TLS
     * handshake per write). */
    write_t *slots = xcalloc(INFLIGHT, sizeof(*slots));
    struct curl_slist *hdr =
        curl_slist_append(NULL, etcd_only ? "Content-Type: application/json"
                                          : "Content-Type: application/merge-patch+json");
    for (int i = 0; i < INFLIGHT; i++) {
        write_t *w = &slots[i];
        w->e = curl_easy_init();
        curl_easy_setopt(w->e, CURLOPT_HTTPHEADER, hdr);
        curl_easy_setopt(w->e, CURLOPT_WRITEFUNCTION, on_resp);
        curl_easy_setopt(w->e, CURLOPT_WRITEDATA, w);
        curl_easy_setopt(w->e, CURLOPT_PRIVATE, w);
        curl_easy_setopt(w->e, CURLOPT_TIMEOUT, 30L);
    }
    int busy = 0;
    long issued = 0, acked = 0, failed = 0, connects = 0;
    double *lat = xcalloc((size_t)n_seq + 1, sizeof(double));
    uint8_t *ack = xcalloc((size_t)n_seq / 8 + 1, 1);
    int64_t *ack_rv = xcalloc((size_t)n_seq + 1, sizeof(int64_t)); /* the write's resourceVersion */
    double cpu_srv0 = proc_cpu_s(measured), cpu_etcd0 = proc_cpu_s(etcd.pid),
           cpu_self0 = self_cpu_s();
    uint64_t start = c8s_now_ns();
    /* Writes stop at the deadline even when the server could not take them all at `rate`. */
    uint64_t deadline = start + (uint64_t)seconds * 1000000000ull;
    __atomic_store_n(&last_read_ns, start, __ATOMIC_RELAXED);
    bool stalled = false;
    long rss_max = rss_start;
    uint64_t next_sample = start, drain_start = 0, writes_end = 0;
    double cpu_srv = 0, cpu_etcd = 0, cpu_self = 0;
    /* Writes end at the deadline; then the watchers read on until they have everything or stall. */
    while (!interrupted) {
        uint64_t now = c8s_now_ns();
        if (now >= next_sample) {
            long r = proc_rss_kib(measured);
            if (r > rss_max)
                rss_max = r;
            next_sample = now + 1000000000ull;
            if (seconds >= 60 && (now - start) / 1000000000ull % 60 == 0) {
                getloadavg(load, 3);
                printf("soak: %3" PRIu64 " s: %ld acknowledged, %ld failed, RSS %ld KiB, load "
                       "%.1f\n",
                       (uint64_t)((now - start) / 1000000000u), acked, failed, r, load[0]);
            }
        }
        /* Issue the writes that are due (open loop at `rate`, INFLIGHT at most). */
        while (issued < n_seq && busy < INFLIGHT && now < deadline &&
               now >= start + (uint64_t)issued * 1000000000ull / (uint64_t)rate) {
            write_t *w = NULL;
            for (int i = 0; i < INFLIGHT && !w; i++)
                if (!slots[i].busy)
                    w = &slots[i];
            write_prepare(w, issued++, etcd_only);
            w->t0 = c8s_now_ns();
            w->busy = true;
            curl_multi_add_handle(multi, w->e);
            busy++;
        }
        int running;
        curl_multi_perform(multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            write_t *w = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&w);
            long status = 0, nc = 0;
            curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
            curl_easy_getinfo(m->easy_handle, CURLINFO_NUM_CONNECTS, &nc);
            connects += nc;
            if (m->data.result == CURLE_OK && status == 200) {
                ack[w->seq / 8] |= (uint8_t)(1u << (w->seq % 8));
                ack_rv[w->seq] = write_rv(w);
                lat[acked++] = (double)(c8s_now_ns() - w->t0) / 1e6;
            } else if (failed++ < 5) {
                fprintf(stderr, "soak: write %ld: %s, HTTP %ld\n", w->seq,
                        curl_easy_strerror(m->data.result), status);
            }
            curl_multi_remove_handle(multi, w->e);
            w->busy = false;
            busy--;
        }
        if ((issued == n_seq || c8s_now_ns() >= deadline) && busy == 0) {
            /* Done writing: stop once every watcher saw the last acknowledged writes. */
            if (!drain_start) {
                drain_start = writes_end = c8s_now_ns();
                cpu_srv = proc_cpu_s(measured) - cpu_srv0;
                cpu_etcd = proc_cpu_s(etcd.pid) - cpu_etcd0;
                cpu_self = self_cpu_s() - cpu_self0;
            }
            bool all = true;
            for (int i = 0; i < n_watchers && all; i++)
                for (long s = issued - 1; s >= 0 && s >= issued - INFLIGHT; s--)
                    if ((ack[s / 8] >> (s % 8) & 1) &&
                        !(__atomic_load_n(&ws[i].seen[s / 8], __ATOMIC_RELAXED) >> (s % 8) & 1))
                        all = false;
            /* Watchers still reading are given time, up to 5 min; 10 s without an event read is
             * a stall. */
            uint64_t t = c8s_now_ns();
            if (all || t - drain_start > 300000000000ull)
                break;
            if (t - __atomic_load_n(&last_read_ns, __ATOMIC_RELAXED) > 10000000000ull &&
                t - drain_start > 10000000000ull) {
                stalled = true;
                break;
            }
            usleep(10000);
            continue;
        }
        int numfds = 0;
        curl_multi_poll(multi, NULL, 0, 1, &numfds);
    }
    double secs = (double)((writes_end ? writes_end : c8s_now_ns()) - start) / 1e9;
    double drain_s = writes_end ? (double)(c8s_now_ns() - writes_end) / 1e9 : 0;
    long rss_end = proc_rss_kib(measured);
    __atomic_store_n(&stop_readers, 1, __ATOMIC_RELAXED);
    for (int t = 0; t < n_readers; t++) {
        pthread_join(readers[t].tid, NULL);
        close(readers[t].ep);
        free(readers[t].conns);
    }

    /* Every acknowledged write seen by every watcher. A stream is in resourceVersion order: a
     * write at or below the last resourceVersion a watcher read and not in its stream was
     * skipped (missed); one above it was not read yet when the run ended (unread: the harness
     * fell behind, or the server had not sent it). */
    long missed = 0, unread = 0, watchers_missing = 0, events = 0, resumes = 0, disorder = 0,
         errors = 0, dead = 0, reconnects = 0;
    for (int j = 0; j < n_conns; j++) {
        reconnects += conns[j].reconnects;
        h2_close(&conns[j]);
        free(conns[j].ws);
    }
    free(conns);
    SSL_CTX_free(h2_ctx);
    for (int i = 0; i < n_watchers; i++) {
        long m = 0;
        for (long s = 0; s < n_seq; s++)
            if ((ack[s / 8] >> (s % 8) & 1) && !(ws[i].seen[s / 8] >> (s % 8) & 1)) {
                if (ack_rv[s] <= ws[i].last_rv)
                    m++;
                else
                    unread++;
            }
        missed += m;
        watchers_missing += m > 0;
        events += ws[i].events;
        resumes += ws[i].resumes;
        disorder += ws[i].out_of_order;
        errors += ws[i].errors;
        dead += ws[i].dead;
        th_watch_close(&ws[i].c);
        free(ws[i].seen);
        free(ws[i].raw);
        free(ws[i].body);
    }
    sleep(2);
    int fds_idle = proc_fds(measured);
    /* A watch stream learns that its client went away when it next writes (the server does not
     * read a connection while it streams an answer): a few more writes (the first one after
     * the close still goes out), then the count. */
    for (int i = 0; i < 3 && !etcd_only; i++) {
        if (http_ok("PATCH", "/api/v1/namespaces/" NAMESPACE "/configmaps/s-0",
                    "application/merge-patch+json", "{\"data\":{\"seq\":\"-2\"}}") != 0)
            fprintf(stderr, "soak: a last write failed\n");
        usleep(500000);
    }
    sleep(1);
    int fds_after = proc_fds(measured);
    getloadavg(load, 3);
    qsort(lat, (size_t)acked, sizeof(double), cmp_double);
    double p50 = acked ? lat[acked / 2] : 0,
           p99 = acked ? lat[(long)(0.99 * (double)(acked - 1))] : 0,
           max = acked ? lat[acked - 1] : 0;
    printf("soak: %.0f s, %ld writes issued, %ld acknowledged (%.0f/s), %ld failed, %ld "
           "connections made\n",
           secs, issued, acked, (double)acked / secs, failed, connects);
    printf("soak: write latency p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", p50, p99, max);
    printf("soak: %d watchers, %ld events read (%.0f/s), %ld resumed streams, %ld watch errors, "
           "%ld lost streams, %ld out of order; missed %ld (in %ld watchers), not read by the end "
           "%ld; drain %.1f s\n",
           n_watchers, events, (double)events / (secs + drain_s), resumes, errors, dead, disorder,
           missed, watchers_missing, unread, drain_s);
    if (!http1 && n_conns)
        printf("soak: HTTP/2: %d connections, %ld made again\n", n_conns, reconnects);
    printf("soak: %s RSS %ld KiB at start, %ld KiB at end (max %ld), growth %ld KiB; "
           "fds %d before the watchers, %d once they closed, %d after more writes\n",
           etcd_only ? "etcd" : "server", rss_start, rss_end, rss_max, rss_end - rss_start,
           fds_before, fds_idle, fds_after);
    printf("soak: CPU while writing: %s%.1f s, etcd %.1f s, harness %.1f s (%.0f s; %.0f %% of "
           "the 2 cores busy with these); load at the end %.1f %.1f %.1f\n",
           etcd_only ? "" : "server ", etcd_only ? 0 : cpu_srv, cpu_etcd, cpu_self, secs,
           100.0 * ((etcd_only ? 0 : cpu_srv) + cpu_etcd + cpu_self) / (secs * 2), load[0], load[1],
           load[2]);
    printf("RESULT mode=%s conns=%d watchers=%d rate=%d seconds=%d acked=%ld failed=%ld missed=%ld "
           "unread=%ld "
           "out_of_order=%ld resumes=%ld p50_ms=%.1f p99_ms=%.1f max_ms=%.1f rss_start_kib=%ld "
           "rss_end_kib=%ld rss_max_kib=%ld fds_before=%d fds_idle=%d fds_after=%d\n",
           http1 ? "http1" : "h2", http1 ? n_watchers : n_conns, n_watchers, rate, seconds, acked,
           failed, missed, unread, disorder, resumes, p50, p99, max, rss_start, rss_end, rss_max,
           fds_before, fds_idle, fds_after);
    for (int i = 0; i < INFLIGHT; i++) {
        if (slots[i].busy)
            curl_multi_remove_handle(multi, slots[i].e);
        curl_easy_cleanup(slots[i].e);
    }
    curl_slist_free_all(hdr);
    curl_multi_cleanup(multi);
    free(slots);
    free(lat);
    free(ack);
    free(ack_rv);
    free(readers);
    free(ws);
    int rc = 0;
    /* A write etcd timed out on a loaded machine is a failed write, not a lost one: reported,
     * and only a server that fails most of them fails the run. */
    if (interrupted || missed || disorder || dead || acked < issued / 2 || acked == 0 ||
        (stalled && unread)) {
        fprintf(stderr,
                "soak: FAIL (missed %ld, out of order %ld, lost streams %ld, failed %ld, "
                "%s)\n",
                missed, disorder, dead, failed, stalled ? "the watches stalled" : "no stall");
        rc = 1;
    }
    /* A watch that leaked its connection would leave n_watchers fds behind; the server's own
     * pools (etcd connections) move by a few. */
    if (fds_after > fds_before + n_watchers / 4 + 8) {
        fprintf(stderr, "soak: FAIL: the server holds %d fds more than before the watchers\n",
                fds_after - fds_before);
        rc = 1;
    }
    return rc;
}
