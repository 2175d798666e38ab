/*
 * server_portforward.c — GET|POST /portForward/{namespace}/{pod}: upstream's kubelet
 * port-forward, a SPDY/3.1 session (spdy.h) carried either by the upgraded connection itself
 * (`Upgrade: SPDY/3.1`, X-Stream-Protocol-Version portforward.k8s.io: kubectl up to 1.30) or
 * inside the binary messages of a websocket with subprotocol SPDY/3.1+portforward.k8s.io
 * (kubectl 1.31+, PortForwardWebsockets; upstream's API server unwraps that tunnel, here the
 * kubelet does, so the API server only splices bytes).
 *
 * Every forwarded connection is two client-opened streams sharing a requestid header: "error"
 * (what went wrong, as text, then FIN) and "data" (the bytes). Once both exist, a TCP socket is
 * made inside the pod's network namespace (a short thread that enters it with setns: a socket
 * stays in the namespace it was made in) and connected to 127.0.0.1:port on this loop. The
 * client's FIN becomes a shutdown of the socket's write side; the pod's end of the connection
 * becomes FIN on the data stream and then on the error stream (kubectl reads the error stream
 * to its end before it lets the connection go). A RST_STREAM from the client drops the socket.
 *
 * The older websocket port-forward (subprotocol v4.channel.k8s.io, or none; no kubectl speaks
 * it, web consoles did) has no SPDY: ?port= (or the API server's ?ports=) names the ports, each
 * one connection for the session's life on two channels, 2i its data and 2i+1 its error, every
 * message led by its channel's byte. The first message on each of a port's channels is the
 * port, two bytes little-endian. The pod's end of a connection ends its pair (an error as text
 * on the error channel first); the session ends, with a websocket close, once every pair has.
 */
#include "kubelet_int.h"
#include "server_int.h"
#include "c8s/spdy.h"
#include "c8s/strbuf.h"
#include "c8s/wsframe.h"

#include <h2o/http1.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define WS_PROTOCOL    "SPDY/3.1+portforward.k8s.io"
#define CHAN_PROTOCOL  "v4.channel.k8s.io"
#define CHAN_PORTS_MAX 128 /* two channels each, numbered by one byte */
#define PF_PROTOCOL    "portforward.k8s.io"
#define MAX_FRAME      (16u << 20)
#define MAX_PAIRS      256
#define WQ_HIGH        (1u << 20) /* queued toward the client past this: pods are not read */
#define READ_CHUNK_MAX (64u << 10)

typedef struct kpf_s kpf_t;

/* One forwarded connection: its two streams and its socket in the pod. */
typedef struct kpf_pair_s {
    kpf_t *s;
    char *reqid;
    uint32_t err_id, data_id;
    int port;
    uv_tcp_t tcp;
    uv_connect_t creq;
    uv_shutdown_t sreq;
    bool tcp_open, connecting, connected;
    bool client_fin;  /* the client sends no more on the data stream */
    bool shut;        /* the socket's write side is shut */
    bool fins_sent;   /* our FINs on both streams are out: nothing more from here */
    strbuf_t pending; /* from the client while the socket connects */
    struct kpf_pair_s *next;
} kpf_pair_t;

struct kpf_s {
    kubelet_t *k;
    kserver_conn_t c; /* the client's connection, once upgraded; c.wq: SPDY bytes for it */
    bool ws;          /* SPDY inside websocket messages (or, chan, websocket channels) */
    bool chan;        /* the v4 channel protocol: pair i's streams are channels 2i and 2i+1 */
    bool starting;    /* chan: the pairs are being made; none ending yet ends the session */
    int cur_ch;       /* chan: the channel of the message whose continuation frames come */
    int *ports;       /* chan: the query's ports (owned) */
    size_t nports;
    char *netns;                      /* the pod's network namespace file; "" for hostNetwork */
    char *pod;                        /* "namespace/name", for messages */
    strbuf_t rx;                      /* websocket bytes not yet parsed */
    strbuf_t in;                      /* SPDY bytes not yet parsed */
    uint8_t whdr[WSFRAME_HEADER_MAX]; /* the websocket header of the write in flight */
    bool closing, paused;
    bool ws_close_wanted; /* a websocket close frame goes out once the queue is empty */
    spdy_zlib_t *zin, *zout;
    kpf_pair_t *pairs;
    int handles; /* pair sockets not yet closed */
    struct kpf_s *next, **pprev;
};

static void pf_maybe_free(kpf_t *s);
static void pf_close(kpf_t *s);
static void flush(kpf_t *s);

static void pf_unlink(kpf_t *s)
{
    if (s->pprev) {
        *s->pprev = s->next;
        if (s->next)
            s->next->pprev = s->pprev;
        s->pprev = NULL;
    }
}

/* ---- pairs ---- */

static void pair_free(kpf_pair_t *p)
{
    free(p->reqid);
    strbuf_free(&p->pending);
    free(p);
}

static void pair_unlink(kpf_pair_t *p)
{
    for (kpf_pair_t **pp = &p->s->pairs; *pp; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            return;
        }
}

static void on_tcp_closed(uv_handle_t *h)
{
    kpf_pair_t *p = h->data;
    kpf_t *s = p->s;
    s->handles--;
    pair_free(p);
    pf_maybe_free(s);
}

/* Lets the pair go: its socket closes (pending writes dropped), it leaves the session. */
static void pair_drop(kpf_pair_t *p)
{
    kpf_t *s = p->s;
    pair_unlink(p);
    if (p->tcp_open) {
        p->tcp_open = false;
        uv_close((uv_handle_t *)&p->tcp, on_tcp_closed);
    } else if (!p->connecting) {
        pair_free(p);
    }
    /* A pair still connecting is freed by its connect callback (the socket was closed). */
    if (s->chan && !s->pairs && !s->starting && !s->closing)
        pf_close(s); /* every port is done: so is the session, as upstream's */
}

/* Data (maybe none) and/or the end of stream id: a SPDY data frame; a channel message (id is
 * the channel + 1) with the channel protocol, whose channels have no end but the session's. */
static void pf_put(kpf_t *s, uint32_t id, bool fin, const char *data, size_t len)
{
    if (!s->chan)
        return spdy_put_data(&s->c.wq, id, fin ? SPDY_FLAG_FIN : 0, data, len);
    if (len == 0 || id == 0)
        return;
    uint8_t h[WSFRAME_HEADER_MAX];
    size_t hl = wsframe_header(h, true, WSFRAME_BINARY, NULL, len + 1);
    strbuf_addn(&s->c.wq, (const char *)h, hl);
    char ch = (char)(id - 1);
    strbuf_addn(&s->c.wq, &ch, 1);
    strbuf_addn(&s->c.wq, data, len);
}

/* Our side of both streams ends (msg, when given, on the error stream first). */
static void send_fins(kpf_pair_t *p, const char *msg)
{
    if (p->fins_sent)
        return;
    p->fins_sent = true;
    kpf_t *s = p->s;
    if (p->data_id)
        pf_put(s, p->data_id, true, "", 0);
    if (p->err_id)
        pf_put(s, p->err_id, true, msg ? msg : "", msg ? strlen(msg) : 0);
    flush(s);
}

static void pair_fail(kpf_pair_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void pair_fail(kpf_pair_t *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = NULL;
    if (vasprintf(&m, fmt, ap) < 0)
        m = NULL;
    va_end(ap);
    cleanup_free char *msg =
        xasprintf("error forwarding port %d to pod %s: %s", p->port, p->s->pod, m ? m : "failed");
    free(m);
    log_info("kubelet", "port-forward: %s", msg);
    send_fins(p, msg);
    pair_drop(p);
}

/* Once the pod has closed and the client has sent its last byte, nothing is left to carry. */
static void pair_maybe_done(kpf_pair_t *p)
{
    if (p->fins_sent && (p->client_fin || p->s->chan))
        pair_drop(p);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    size_t n = suggested > READ_CHUNK_MAX ? READ_CHUNK_MAX : suggested;
    buf->base = xmalloc(n);
    buf->len = n;
}

static void on_pod_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    kpf_pair_t *p = st->data;
    kpf_t *s = p->s;
    if (n > 0 && !s->closing) {
        pf_put(s, p->data_id, false, buf->base, (size_t)n);
        flush(s);
        if (s->c.wq.len > WQ_HIGH && !s->paused) {
            /* A slow client: every pod connection waits until the queue has gone out. */
            s->paused = true;
            for (kpf_pair_t *q = s->pairs; q; q = q->next)
                if (q->connected && !q->fins_sent)
                    uv_read_stop((uv_stream_t *)&q->tcp);
        }
    }
    free(buf->base);
    if (n < 0) {
        uv_read_stop(st);
        send_fins(p, NULL);
        pair_maybe_done(p);
    }
}

typedef struct {
    uv_write_t w;
    char *buf;
} wreq_t;

static void on_pod_written(uv_write_t *w, int status)
{
    (void)status; /* a failed write shows as the socket's read error or close */
    wreq_t *wr = (wreq_t *)w;
    free(wr->buf);
    free(wr);
}

static void pod_write(kpf_pair_t *p, const char *data, size_t len)
{
    if (len == 0 || !p->tcp_open)
        return;
    wreq_t *wr = xcalloc(1, sizeof(*wr));
    wr->buf = xmalloc(len);
    memcpy(wr->buf, data, len);
    uv_buf_t b = uv_buf_init(wr->buf, (unsigned)len);
    if (uv_write(&wr->w, (uv_stream_t *)&p->tcp, &b, 1, on_pod_written) != 0) {
        free(wr->buf);
        free(wr);
    }
}

static void on_shutdown(uv_shutdown_t *r, int status)
{
    (void)r;
    (void)status;
}

/* The client's FIN: once what it sent is written, the pod reads its end. */
static void pod_shut(kpf_pair_t *p)
{
    if (p->shut || !p->connected || !p->tcp_open)
        return;
    p->shut = true;
    if (uv_shutdown(&p->sreq, (uv_stream_t *)&p->tcp, on_shutdown) != 0)
        p->shut = false;
}

static void on_connected(uv_connect_t *c, int status)
{
    kpf_pair_t *p = c->data;
    p->connecting = false;
    if (status == UV_ECANCELED || !p->tcp_open) {
        /* Dropped while connecting: the close callback frees it (or did). */
        return;
    }
    if (status < 0) {
        pair_fail(p, "dial tcp4 127.0.0.1:%d: connect: %s", p->port, uv_strerror(status));
        return;
    }
    p->connected = true;
    pod_write(p, p->pending.s, p->pending.len);
    strbuf_free(&p->pending);
    if (p->client_fin)
        pod_shut(p);
    if (!p->s->paused)
        uv_read_start((uv_stream_t *)&p->tcp, on_alloc, on_pod_read);
}

/* Makes a TCP socket in the network namespace at path ("": this one's). */
typedef struct {
    const char *path;
    int fd, err;
} nsock_t;

static void nsock_thread(void *arg)
{
    nsock_t *a = arg;
    /* Only this short thread changes namespace; the socket keeps it after the thread ends. */
    int nfd = open(a->path, O_RDONLY | O_CLOEXEC);
    if (nfd < 0 || setns(nfd, CLONE_NEWNET) != 0) {
        a->err = errno;
        if (nfd >= 0)
            close(nfd);
        return;
    }
    close(nfd);
    a->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (a->fd < 0)
        a->err = errno;
}

static int socket_in(const char *netns, int *fd)
{
    nsock_t a = {.path = netns, .fd = -1};
    if (!*netns) {
        a.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        a.err = a.fd < 0 ? errno : 0;
    } else {
        uv_thread_t t;
        int rc = uv_thread_create(&t, nsock_thread, &a);
        if (rc != 0)
            return rc;
        uv_thread_join(&t);
    }
    *fd = a.fd;
    return a.fd < 0 ? -a.err : 0;
}

static void pair_start(kpf_pair_t *p)
{
    kpf_t *s = p->s;
    int fd = -1;
    int rc = socket_in(s->netns, &fd);
    if (rc != 0)
        return pair_fail(p, "entering the pod's network namespace: %s", uv_strerror(rc));
    uv_tcp_init(&s->k->loop, &p->tcp);
    p->tcp.data = p;
    p->tcp_open = true;
    s->handles++;
    rc = uv_tcp_open(&p->tcp, fd);
    if (rc != 0) {
        close(fd);
        return pair_fail(p, "%s", uv_strerror(rc));
    }
    struct sockaddr_in a;
    uv_ip4_addr("127.0.0.1", p->port, &a);
    p->creq.data = p;
    rc = uv_tcp_connect(&p->creq, &p->tcp, (const struct sockaddr *)&a, on_connected);
    if (rc != 0)
        return pair_fail(p, "dial tcp4 127.0.0.1:%d: %s", p->port, uv_strerror(rc));
    p->connecting = true;
}

static kpf_pair_t *pair_by_stream(kpf_t *s, uint32_t id, bool *is_data)
{
    for (kpf_pair_t *p = s->pairs; p; p = p->next) {
        if (id && p->data_id == id) {
            *is_data = true;
            return p;
        }
        if (id && p->err_id == id) {
            *is_data = false;
            return p;
        }
    }
    return NULL;
}

/* ---- the SPDY session ---- */

static void on_syn_stream(kpf_t *s, uint32_t id, const json_t *h)
{
    const char *type = json_string_value(json_object_get(h, "streamtype"));
    const char *port = json_string_value(json_object_get(h, "port"));
    const char *reqid = json_string_value(json_object_get(h, "requestid"));
    spdy_put_syn_reply(&s->c.wq, s->zout, id, 0, NULL);
    bool data = type && strcmp(type, "data") == 0;
    if (!type || (!data && strcmp(type, "error") != 0)) {
        spdy_put_rst(&s->c.wq, id, SPDY_RST_PROTOCOL_ERROR);
        return flush(s);
    }
    /* Clients before requestid paired streams by order: both then carry none. */
    if (!reqid)
        reqid = "";
    kpf_pair_t *p = s->pairs;
    size_t n = 0;
    for (; p; p = p->next, n++)
        if (strcmp(p->reqid, reqid) == 0 && !(data ? p->data_id : p->err_id))
            break;
    if (!p) {
        if (n >= MAX_PAIRS) {
            spdy_put_rst(&s->c.wq, id, SPDY_RST_REFUSED_STREAM);
            return flush(s);
        }
        p = xcalloc(1, sizeof(*p));
        p->s = s;
        p->reqid = xstrdup(reqid);
        p->next = s->pairs;
        s->pairs = p;
    }
    *(data ? &p->data_id : &p->err_id) = id;
    char *end = NULL;
    long v = port ? strtol(port, &end, 10) : 0;
    if (!p->port)
        p->port = port && *port && !*end && v > 0 && v <= 65535 ? (int)v : -1;
    flush(s);
    if (!p->data_id || !p->err_id)
        return;
    if (p->port <= 0)
        return pair_fail(p, "invalid port %s", port ? port : "(none)");
    pair_start(p);
}

static void on_data(kpf_t *s, uint32_t id, uint8_t flags, const uint8_t *d, size_t n)
{
    bool is_data = false;
    kpf_pair_t *p = pair_by_stream(s, id, &is_data);
    if (!p || !is_data)
        return; /* the error stream carries nothing from the client but its FIN */
    if (n > 0 && !p->client_fin) {
        if (p->connected)
            pod_write(p, (const char *)d, n);
        else
            strbuf_addn(&p->pending, (const char *)d, n);
    }
    if (flags & SPDY_FLAG_FIN) {
        p->client_fin = true;
        pod_shut(p);
        pair_maybe_done(p);
    }
}

/* Parses and handles every whole frame in s->in; false on a protocol error (s closed). */
static bool spdy_input(kpf_t *s)
{
    size_t off = 0;
    bool ok = true;
    while (ok && !s->closing) {
        spdy_frame_t f;
        c8s_err_t err = C8S_ERR_INIT;
        int hl = spdy_frame_parse((const uint8_t *)s->in.s + off, s->in.len - off, &f, &err);
        if (hl < 0 || (hl > 0 && f.length > MAX_FRAME)) {
            log_info("kubelet", "port-forward: SPDY protocol error: %s",
                     hl < 0 ? err.msg : "frame too large");
            c8s_err_clear(&err);
            ok = false;
            break;
        }
        if (hl == 0 || s->in.len - off < (size_t)hl + f.length)
            break;
        const uint8_t *pl = (const uint8_t *)s->in.s + off + hl;
        off += (size_t)hl + f.length;
        if (!f.control) {
            on_data(s, f.stream_id, f.flags, pl, f.length);
            continue;
        }
        uint32_t id = spdy_payload_stream(pl, f.length);
        json_t *h = NULL;
        switch (f.type) {
        case SPDY_SYN_STREAM:
        case SPDY_HEADERS: {
            /* Every block is read, even unwanted ones: the zlib stream runs through them all. */
            size_t skip = f.type == SPDY_SYN_STREAM ? 10 : 4;
            if (f.length < skip || id == 0 ||
                spdy_headers_decode(s->zin, pl + skip, f.length - skip, &h, &err) != 0) {
                log_info("kubelet", "port-forward: bad SPDY headers: %s",
                         err.code ? err.msg : "short frame");
                c8s_err_clear(&err);
                ok = false;
                break;
            }
            if (f.type == SPDY_SYN_STREAM)
                on_syn_stream(s, id, h);
            json_decref(h);
            break;
        }
        case SPDY_RST_STREAM: {
            bool is_data = false;
            kpf_pair_t *p = pair_by_stream(s, id, &is_data);
            if (p) {
                send_fins(p, NULL);
                pair_drop(p);
            }
            break;
        }
        case SPDY_PING:
            if (f.length >= 4) {
                /* Echoed as it came (the peer's ids are odd, ours would be even). */
                strbuf_addn(&s->c.wq, (const char *)pl - hl, (size_t)hl + 4);
                flush(s);
            }
            break;
        case SPDY_GOAWAY:
            ok = false;
            break;
        default:
            break; /* SETTINGS, WINDOW_UPDATE: no flow control is kept (spdy.h) */
        }
    }
    if (off > 0)
        kserver_consume(&s->in, off);
    if (!ok)
        pf_close(s);
    return ok;
}

/* ---- the client's connection ---- */

static void pf_maybe_free(kpf_t *s)
{
    if (!s->closing || s->handles > 0 || kserver_conn_busy(&s->c))
        return;
    kserver_conn_release(&s->c);
    pf_unlink(s);
    strbuf_free(&s->rx);
    strbuf_free(&s->in);
    free(s->netns);
    free(s->pod);
    spdy_zlib_free(s->zin);
    spdy_zlib_free(s->zout);
    free(s->ports);
    free(s);
}

static void pf_close(kpf_t *s)
{
    if (s->closing)
        return;
    s->closing = true;
    while (s->pairs)
        pair_drop(s->pairs);
    if (s->c.sock)
        h2o_socket_read_stop(s->c.sock);
    if (s->ws && s->c.sock && !s->c.done) {
        s->ws_close_wanted = true;
        /* The websocket's close goes out as a frame of its own, after what is queued. */
        flush(s);
    }
    pf_maybe_free(s);
}

static void on_written(h2o_socket_t *sock, const char *errstr)
{
    kpf_t *s = sock->data;
    if (!s)
        return;
    if (!kserver_conn_written(&s->c, errstr)) {
        if (s->closing)
            pf_maybe_free(s);
        else
            pf_close(s);
        return;
    }
    if (s->paused && s->c.wq.len == 0 && !s->closing) {
        s->paused = false;
        for (kpf_pair_t *p = s->pairs; p; p = p->next)
            if (p->connected && !p->fins_sent)
                uv_read_start((uv_stream_t *)&p->tcp, on_alloc, on_pod_read);
    }
    flush(s);
    if (s->closing)
        pf_maybe_free(s);
}

static void flush(kpf_t *s)
{
    if (!s->c.sock || s->c.writing || s->c.upgrading || s->c.done)
        return;
    if (s->c.wq.len == 0) {
        if (s->closing && s->ws && s->ws_close_wanted && !s->c.wbuf) {
            /* 1000, normal closure: written once, after everything else. */
            static const uint8_t close_frame[] = {0x88, 0x02, 0x03, 0xe8};
            s->ws_close_wanted = false; /* sent once */
            char *b = xmalloc(sizeof(close_frame));
            memcpy(b, close_frame, sizeof(close_frame));
            h2o_iovec_t v = h2o_iovec_init(b, sizeof(close_frame));
            kserver_conn_write(&s->c, b, &v, 1, on_written);
        }
        return;
    }
    size_t n = s->c.wq.len;
    char *b = strbuf_take(&s->c.wq);
    h2o_iovec_t v[2];
    size_t nv = 0;
    if (s->ws && !s->chan) {
        size_t hl = wsframe_header(s->whdr, true, WSFRAME_BINARY, NULL, n);
        v[nv++] = h2o_iovec_init(s->whdr, hl);
    }
    v[nv++] = h2o_iovec_init(b, n);
    kserver_conn_write(&s->c, b, v, nv, on_written);
}

/* Websocket mode: the SPDY bytes are the payloads of the client's binary messages. */
static bool ws_input(kpf_t *s)
{
    for (;;) {
        wsframe_t f;
        uint8_t *pl = NULL;
        size_t used = 0;
        int got = kserver_ws_next(&s->rx, "port-forward", MAX_FRAME, &f, &pl, &used);
        if (got < 0) {
            pf_close(s);
            return false;
        }
        if (got == 0)
            return true;
        size_t n = (size_t)f.payload_len;
        if (f.opcode == WSFRAME_CLOSE) {
            pf_close(s);
            return false;
        }
        if (f.opcode == WSFRAME_PING) {
            uint8_t h[WSFRAME_HEADER_MAX];
            size_t l = wsframe_header(h, true, WSFRAME_PONG, NULL, n);
            /* A pong is a websocket frame, not SPDY bytes: sent straight, outside s->c.wq. */
            if (!s->c.writing && s->c.wq.len == 0 && s->c.sock) {
                char *b = xmalloc(l + n);
                memcpy(b, h, l);
                memcpy(b + l, pl, n);
                h2o_iovec_t v = h2o_iovec_init(b, l + n);
                kserver_conn_write(&s->c, b, &v, 1, on_written);
            }
        } else if (s->chan && (f.opcode == WSFRAME_BINARY || f.opcode == WSFRAME_CONT)) {
            /* The channel leads a message; its continuation frames carry no byte of it. */
            size_t skip = f.opcode == WSFRAME_BINARY && n > 0 ? 1 : 0;
            if (skip)
                s->cur_ch = pl[0];
            bool is_data = false;
            kpf_pair_t *p =
                s->cur_ch >= 0 ? pair_by_stream(s, (uint32_t)s->cur_ch + 1, &is_data) : NULL;
            if (p && is_data && n > skip)
                on_data(s, p->data_id, 0, pl + skip, n - skip);
            if (f.fin)
                s->cur_ch = -1;
        } else if (f.opcode == WSFRAME_BINARY || f.opcode == WSFRAME_CONT) {
            strbuf_addn(&s->in, (const char *)pl, n);
        }
        kserver_consume(&s->rx, used);
        if (!s->chan && !spdy_input(s))
            return false;
    }
}

static void on_sock_read(h2o_socket_t *sock, const char *errstr)
{
    kpf_t *s = sock->data;
    if (!s)
        return;
    if (sock->input->size > 0) {
        strbuf_addn(s->ws ? &s->rx : &s->in, sock->input->bytes, sock->input->size);
        h2o_buffer_consume(&sock->input, sock->input->size);
        if (!(s->ws ? ws_input(s) : spdy_input(s)))
            return;
    }
    if (errstr) {
        s->c.done = true;
        strbuf_free(&s->c.wq);
        pf_close(s);
    }
}

/* The channel protocol's pairs, one per port, each announced by its port on both channels and
 * connected at once. */
static void chan_start(kpf_t *s)
{
    s->starting = true;
    kpf_pair_t **tail = &s->pairs;
    for (size_t i = 0; i < s->nports; i++) {
        kpf_pair_t *p = xcalloc(1, sizeof(*p));
        p->s = s;
        p->reqid = xasprintf("%zu", i);
        p->port = s->ports[i];
        p->data_id = (uint32_t)(2 * i + 1);
        p->err_id = (uint32_t)(2 * i + 2);
        const char le[2] = {(char)(p->port & 0xff), (char)(p->port >> 8)};
        pf_put(s, p->data_id, false, le, 2);
        pf_put(s, p->err_id, false, le, 2);
        *tail = p;
        tail = &p->next;
    }
    flush(s);
    /* Started from a copy of the list: a pair that fails at once leaves it. */
    size_t n = 0;
    for (kpf_pair_t *p = s->pairs; p; p = p->next)
        n++;
    kpf_pair_t **all = xcalloc(n ? n : 1, sizeof(*all));
    n = 0;
    for (kpf_pair_t *p = s->pairs; p; p = p->next)
        all[n++] = p;
    for (size_t i = 0; i < n && !s->closing; i++)
        pair_start(all[i]);
    free(all);
    s->starting = false;
    if (!s->pairs && !s->closing)
        pf_close(s);
}

static void on_upgraded(void *data, h2o_socket_t *sock, size_t reqsize)
{
    kpf_t *s = data;
    if (!kserver_conn_take(&s->c, sock, reqsize, s)) {
        if (s->closing)
            pf_maybe_free(s);
        else
            pf_close(s);
        return;
    }
    if (s->closing) {
        pf_maybe_free(s);
        return;
    }
    if (s->chan)
        chan_start(s);
    h2o_socket_read_start(sock, on_sock_read);
    if (sock->input->size > 0)
        on_sock_read(sock, NULL);
}

/* ---- the request ---- */

/* Whether any X-Stream-Protocol-Version header (there may be several) names proto; true when
 * none is sent at all, as upstream's handshake accepts such old clients. */
static bool stream_protocol_ok(h2o_req_t *req, const char *proto)
{
    static const char name[] = "x-stream-protocol-version";
    ssize_t i = -1;
    bool any = false;
    while ((i = h2o_find_header_by_str(&req->headers, name, sizeof(name) - 1, i)) >= 0) {
        any = true;
        if (kserver_token_in(req->headers.entries[i].value.base, req->headers.entries[i].value.len,
                             proto, true))
            return true;
    }
    return !any;
}

static void on_portforward(kubelet_server_req_t *r, void *data)
{
    kubelet_t *k = data;
    c8s_err_t err = C8S_ERR_INIT;
    h2o_req_t *req = r->h2o;
    const char *path = kubelet_server_req_path(r) + strlen("/portForward/");
    char parts[2][KSERVER_PART_MAX];
    int n = kserver_path_parts(path, parts, 2);
    size_t kl = 0, pl = 0;
    const char *key = kserver_header(r, "sec-websocket-key", &kl);
    const char *offer = kserver_header(r, "sec-websocket-protocol", &pl);
    bool ws = req && req->upgrade.base && req->upgrade.len == 9 &&
              strncasecmp(req->upgrade.base, "websocket", 9) == 0;
    bool spdy = req && req->upgrade.base && req->upgrade.len >= 8 &&
                strncasecmp(req->upgrade.base, "SPDY/3.1", 8) == 0;
    /* The channel protocol when offered, or when no subprotocol is (upstream's "" entry). */
    bool chan = ws && key && !kserver_token_in(offer, pl, WS_PROTOCOL, true) &&
                (!offer || pl == 0 || kserver_token_in(offer, pl, CHAN_PROTOCOL, false));
    int ports[CHAN_PORTS_MAX];
    int nports = 0;
    if (n == 2 && chan)
        nports = kserver_query_ports(
            req->query_at == SIZE_MAX ? NULL : req->path.base + req->query_at + 1,
            req->query_at == SIZE_MAX ? 0 : req->path.len - req->query_at - 1, ports,
            CHAN_PORTS_MAX, &err);
    if (err.code)
        ;
    else if (n != 2)
        c8s_err_set(&err, C8S_ENOTFOUND, "expected /portForward/{namespace}/{pod}");
    else if (!ws && !spdy)
        c8s_err_set(&err, C8S_EBADREQUEST,
                    "Upgrade request required: port-forward is served over SPDY/3.1 or a "
                    "websocket");
    else if (ws && !chan && (!key || !kserver_token_in(offer, pl, WS_PROTOCOL, true)))
        c8s_err_set(&err, C8S_EBADREQUEST,
                    "unsupported subprotocol: " WS_PROTOCOL " or " CHAN_PROTOCOL
                    " required over a websocket");
    else if (spdy && !stream_protocol_ok(req, PF_PROTOCOL))
        c8s_err_set(&err, C8S_EBADREQUEST,
                    "unable to upgrade: unable to negotiate protocol: client supports none of "
                    "[" PF_PROTOCOL "]");
    cleanup_free char *netns = err.code ? NULL : kpod_netns(k, parts[0], parts[1], &err);
    if (err.code) {
        kubelet_server_respond_err(r, &err);
        return c8s_err_clear(&err);
    }
    kpf_t *s = xcalloc(1, sizeof(*s));
    s->k = k;
    s->ws = ws;
    s->chan = chan;
    s->cur_ch = -1;
    if (chan) {
        s->nports = (size_t)nports;
        s->ports = xcalloc((size_t)nports, sizeof(int));
        memcpy(s->ports, ports, (size_t)nports * sizeof(int));
    }
    s->netns = c8s_steal(&netns);
    s->pod = xasprintf("%s/%s", parts[0], parts[1]);
    s->zin = spdy_zlib_new(false);
    s->zout = spdy_zlib_new(true);
    s->next = k->pfs;
    if (k->pfs)
        k->pfs->pprev = &s->next;
    k->pfs = s;
    s->pprev = &k->pfs;

    if (ws) {
        kserver_ws_accept(req, key, kl, !chan ? WS_PROTOCOL : pl ? CHAN_PROTOCOL : "");
    } else {
        req->res.status = 101;
        req->res.reason = "Switching Protocols";
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_UPGRADE, NULL,
                       H2O_STRLIT("SPDY/3.1"));
        h2o_add_header_by_str(&req->pool, &req->res.headers,
                              H2O_STRLIT("x-stream-protocol-version"), 0, NULL,
                              H2O_STRLIT(PF_PROTOCOL));
    }
    kserver_upgrade(r, &s->c.upgrading, on_upgraded, s);
}

int kserver_portforward_route(kubelet_t *k, c8s_err_t *err)
{
    return kubelet_server_route(k->server, "/portForward/", on_portforward, k, err);
}

void kserver_portforward_stop_all(kubelet_t *k)
{
    while (k->pfs) {
        kpf_t *s = k->pfs;
        pf_unlink(s);
        s->c.done = true; /* nothing more goes out: the server stops */
        pf_close(s);
    }
}
