/*
 * server.c — the DNS role: a thread with its own loop serving UDP and TCP on the cluster DNS
 * address. Services and EndpointSlices come from informers; the zone is rebuilt from them at
 * most every REBUILD_MS, so a burst of changes is one rebuild. Questions about the cluster
 * domain are answered from the zone; others are relayed over UDP to the node's resolvers (from
 * resolv.conf) and their answers passed back, with a timeout answered SERVFAIL.
 */
#include "c8s/client.h"
#include "c8s/dns.h"
#include "c8s/informer.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

#define REBUILD_MS    100
#define FORWARD_MS    2000
#define MAX_UPSTREAMS 3
#define TCP_MAX       65535

struct dns_s {
    apiserver_t *srv;
    uv_loop_t loop;
    uv_thread_t thread;
    uv_async_t stop_async;
    uv_timer_t rebuild;
    uv_udp_t udp;
    uv_tcp_t tcp;
    client_t *client;
    informer_t *services, *slices;
    json_t *zone;
    char *domain;
    struct sockaddr_storage listen;
    struct sockaddr_in upstream[MAX_UPSTREAMS];
    int nupstream;
    int pending_stops;
    bool stopping, dirty;
};

/* ---- answering ---- */

/* The answer to one message, or 0 when it must be forwarded. */
static size_t answer(dns_t *d, const uint8_t *msg, size_t len, uint8_t *out, size_t cap, bool tcp)
{
    dns_query_t q;
    c8s_err_t err = C8S_ERR_INIT;
    if (dns_parse_query(msg, len, &q, &err) != 0) {
        c8s_err_clear(&err);
        return dns_write_error(msg, len, DNS_FORMERR, out, cap);
    }
    if (tcp)
        q.udp_size = 0; /* no size limit but the message's */
    dns_answer_t a;
    if (!d->zone || !dns_zone_answer(d->zone, d->domain, &q, &a))
        return 0;
    size_t n = dns_write_response(&q, &a, out, cap);
    dns_answer_free(&a);
    return n;
}

/* ---- forwarding ---- */

typedef struct fwd_s {
    dns_t *d;
    uv_udp_t sock;
    uv_timer_t timer;
    uint8_t *query;
    size_t qlen;
    bool done;
    int closing;
    void (*reply)(struct fwd_s *f, const uint8_t *msg, size_t len);
    /* who asked */
    struct sockaddr_storage peer; /* UDP */
    uv_tcp_t *conn;               /* TCP (NULL for UDP) */
} fwd_t;

static void fwd_free(uv_handle_t *h)
{
    fwd_t *f = h->data;
    if (--f->closing > 0)
        return;
    free(f->query);
    free(f);
}

static void fwd_finish(fwd_t *f, const uint8_t *msg, size_t len)
{
    if (f->done)
        return;
    f->done = true;
    uint8_t err[512];
    if (!msg) {
        len = dns_write_error(f->query, f->qlen, DNS_SERVFAIL, err, sizeof(err));
        msg = err;
    }
    f->reply(f, msg, len);
    f->closing = 2;
    uv_udp_recv_stop(&f->sock);
    uv_close((uv_handle_t *)&f->sock, fwd_free);
    uv_close((uv_handle_t *)&f->timer, fwd_free);
}

static void fwd_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    buf->base = xmalloc(TCP_MAX);
    buf->len = TCP_MAX;
}

static void fwd_recv(uv_udp_t *s, ssize_t n, const uv_buf_t *buf, const struct sockaddr *from,
                     unsigned flags)
{
    fwd_t *f = s->data;
    /* Only an answer to our question (same id) counts. */
    if (n >= 12 && ((uint8_t *)buf->base)[0] == f->query[0] &&
        ((uint8_t *)buf->base)[1] == f->query[1])
        fwd_finish(f, (uint8_t *)buf->base, (size_t)n);
    free(buf->base);
}

static void fwd_timeout(uv_timer_t *t)
{
    fwd_finish(t->data, NULL, 0);
}

static void fwd_sent(uv_udp_send_t *req, int status)
{
    free(req);
}

static void forward(dns_t *d, fwd_t *f, const uint8_t *msg, size_t len)
{
    f->d = d;
    f->query = xmalloc(len);
    memcpy(f->query, msg, len);
    f->qlen = len;
    uv_udp_init(&d->loop, &f->sock);
    uv_timer_init(&d->loop, &f->timer);
    f->sock.data = f->timer.data = f;
    if (d->nupstream == 0) {
        fwd_finish(f, NULL, 0);
        return;
    }
    uv_udp_recv_start(&f->sock, fwd_alloc, fwd_recv);
    uv_timer_start(&f->timer, fwd_timeout, FORWARD_MS, 0);
    /* Every upstream at once: the first answer wins (what resolvers with `rotate` approximate). */
    for (int i = 0; i < d->nupstream; i++) {
        uv_udp_send_t *req = xmalloc(sizeof(*req));
        uv_buf_t b = uv_buf_init((char *)f->query, (unsigned)len);
        if (uv_udp_send(req, &f->sock, &b, 1, (const struct sockaddr *)&d->upstream[i], fwd_sent) !=
            0)
            free(req);
    }
}

/* ---- UDP ---- */

typedef struct {
    uv_udp_send_t req;
    uint8_t *buf;
} udp_out_t;

static void udp_sent(uv_udp_send_t *req, int status)
{
    udp_out_t *o = (udp_out_t *)req;
    free(o->buf);
    free(o);
}

static void udp_send(dns_t *d, const struct sockaddr *to, const uint8_t *msg, size_t len)
{
    udp_out_t *o = xmalloc(sizeof(*o));
    o->buf = xmalloc(len);
    memcpy(o->buf, msg, len);
    uv_buf_t b = uv_buf_init((char *)o->buf, (unsigned)len);
    if (uv_udp_send(&o->req, &d->udp, &b, 1, to, udp_sent) != 0) {
        free(o->buf);
        free(o);
    }
}

static void udp_reply(fwd_t *f, const uint8_t *msg, size_t len)
{
    if (!f->d->stopping)
        udp_send(f->d, (const struct sockaddr *)&f->peer, msg, len);
}

static void udp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    buf->base = xmalloc(4096);
    buf->len = 4096;
}

static void on_udp(uv_udp_t *s, ssize_t n, const uv_buf_t *buf, const struct sockaddr *from,
                   unsigned flags)
{
    dns_t *d = s->data;
    if (n > 0 && from) {
        uint8_t out[4096];
        size_t len = answer(d, (uint8_t *)buf->base, (size_t)n, out, sizeof(out), false);
        if (len) {
            udp_send(d, from, out, len);
        } else {
            fwd_t *f = xcalloc(1, sizeof(*f));
            f->reply = udp_reply;
            memcpy(&f->peer, from,
                   from->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                               : sizeof(struct sockaddr_in));
            forward(d, f, (uint8_t *)buf->base, (size_t)n);
        }
    }
    free(buf->base);
}

/* ---- TCP: two-byte length, then the message; several per connection ---- */

typedef struct {
    uv_tcp_t tcp;
    dns_t *d;
    uint8_t *in;
    size_t len, cap;
    int inflight; /* forwards not yet answered */
    bool closed;
} conn_t;

typedef struct {
    uv_write_t req;
    uint8_t *buf;
} tcp_out_t;

static void conn_closed(uv_handle_t *h)
{
    conn_t *c = h->data;
    if (c->inflight > 0) {
        c->closed = true; /* the last forward frees it */
        return;
    }
    free(c->in);
    free(c);
}

static void tcp_written(uv_write_t *w, int status)
{
    tcp_out_t *o = (tcp_out_t *)w;
    free(o->buf);
    free(o);
}

static void tcp_send(conn_t *c, const uint8_t *msg, size_t len)
{
    if (c->closed || uv_is_closing((uv_handle_t *)&c->tcp))
        return;
    tcp_out_t *o = xmalloc(sizeof(*o));
    o->buf = xmalloc(len + 2);
    o->buf[0] = (uint8_t)(len >> 8);
    o->buf[1] = (uint8_t)len;
    memcpy(o->buf + 2, msg, len);
    uv_buf_t b = uv_buf_init((char *)o->buf, (unsigned)(len + 2));
    if (uv_write(&o->req, (uv_stream_t *)&c->tcp, &b, 1, tcp_written) != 0) {
        free(o->buf);
        free(o);
    }
}

static void tcp_reply(fwd_t *f, const uint8_t *msg, size_t len)
{
    conn_t *c = (conn_t *)f->conn;
    c->inflight--;
    if (c->closed) {
        if (c->inflight == 0) {
            free(c->in);
            free(c);
        }
        return;
    }
    tcp_send(c, msg, len);
}

static void tcp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    buf->base = xmalloc(suggested);
    buf->len = suggested;
}

static void on_tcp_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    conn_t *c = s->data;
    if (n < 0) {
        free(buf->base);
        uv_close((uv_handle_t *)s, conn_closed);
        return;
    }
    if (c->len + (size_t)n > TCP_MAX + 2) {
        free(buf->base);
        uv_close((uv_handle_t *)s, conn_closed);
        return;
    }
    if (c->len + (size_t)n > c->cap) {
        c->cap = c->len + (size_t)n;
        c->in = xrealloc(c->in, c->cap);
    }
    memcpy(c->in + c->len, buf->base, (size_t)n);
    c->len += (size_t)n;
    free(buf->base);
    while (c->len >= 2) {
        size_t mlen = (size_t)(c->in[0] << 8 | c->in[1]);
        if (c->len < mlen + 2)
            break;
        uint8_t *out = xmalloc(TCP_MAX);
        size_t len = answer(c->d, c->in + 2, mlen, out, TCP_MAX, true);
        if (len) {
            tcp_send(c, out, len);
        } else {
            fwd_t *f = xcalloc(1, sizeof(*f));
            f->reply = tcp_reply;
            f->conn = &c->tcp;
            c->inflight++;
            forward(c->d, f, c->in + 2, mlen);
        }
        free(out);
        memmove(c->in, c->in + 2 + mlen, c->len - 2 - mlen);
        c->len -= 2 + mlen;
    }
}

static void on_tcp(uv_stream_t *server, int status)
{
    dns_t *d = server->data;
    if (status != 0)
        return;
    conn_t *c = xcalloc(1, sizeof(*c));
    c->d = d;
    uv_tcp_init(&d->loop, &c->tcp);
    c->tcp.data = c;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
        uv_close((uv_handle_t *)&c->tcp, conn_closed);
        return;
    }
    uv_read_start((uv_stream_t *)&c->tcp, tcp_alloc, on_tcp_read);
}

/* ---- the zone ---- */

static bool add_obj(json_t *obj, void *data)
{
    json_array_append(data, obj);
    return true;
}

static void on_rebuild(uv_timer_t *t)
{
    dns_t *d = t->data;
    d->dirty = false;
    cleanup_json json_t *svcs = json_array();
    cleanup_json json_t *slices = json_array();
    informer_foreach(d->services, add_obj, svcs);
    informer_foreach(d->slices, add_obj, slices);
    json_t *zone = dns_zone_build(svcs, slices, d->domain);
    json_decref(d->zone);
    d->zone = zone;
}

static void changed(dns_t *d)
{
    if (d->stopping || d->dirty || !informer_synced(d->services) || !informer_synced(d->slices))
        return;
    d->dirty = true;
    uv_timer_start(&d->rebuild, on_rebuild, d->zone ? REBUILD_MS : 0, 0);
}

static void on_change(informer_t *inf, json_t *obj, void *data)
{
    changed(data);
}

static void on_update(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    changed(data);
}

static void on_synced(informer_t *inf, void *data)
{
    changed(data);
}

/* ---- upstreams ---- */

static void read_resolv_conf(dns_t *d, const char *path, const char *own)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        log_warn("dns", "%s: cannot read; names outside %s will fail", path, d->domain);
        return;
    }
    char line[512];
    while (fgets(line, sizeof(line), f) && d->nupstream < MAX_UPSTREAMS) {
        char ip[64];
        if (sscanf(line, "nameserver %63s", ip) != 1 || strcmp(ip, own) == 0)
            continue;
        struct sockaddr_in *sa = &d->upstream[d->nupstream];
        if (uv_ip4_addr(ip, 53, sa) == 0)
            d->nupstream++;
    }
    fclose(f);
}

/* ---- the address ---- */

static int run_ip(char *const argv[])
{
    pid_t pid;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -1;
    int st = 0;
    if (waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Runs before any loop (at start, blocking is fine): the address on a dummy interface, or on
 * the loopback interface where the kernel has no dummy driver; either may exist from a
 * previous run. */
static int assign(const char *addr, c8s_err_t *err)
{
    char cidr[80];
    snprintf(cidr, sizeof(cidr), "%s/%s", addr, strchr(addr, ':') ? "128" : "32");
    char *add_link[] = {"ip", "link", "add", "c8s-dns", "type", "dummy", NULL};
    char *show_link[] = {"ip", "link", "show", "c8s-dns", NULL};
    bool dummy = run_ip(add_link) == 0 || run_ip(show_link) == 0;
    char *dev = dummy ? "c8s-dns" : "lo";
    char *up[] = {"ip", "link", "set", dev, "up", NULL};
    char *add_addr[] = {"ip", "addr", "replace", cidr, "dev", dev, NULL};
    if (run_ip(add_addr) != 0 || run_ip(up) != 0)
        return c8s_err_set(err, C8S_ESYS, "could not put %s on the interface %s (ip failed)", cidr,
                           dev);
    return 0;
}

/* ---- the thread ---- */

static void on_client_closed(void *data)
{
    dns_t *d = data;
    uv_close((uv_handle_t *)&d->stop_async, NULL);
    uv_close((uv_handle_t *)&d->rebuild, NULL);
}

static void on_part_stopped(void *data)
{
    dns_t *d = data;
    if (--d->pending_stops == 0)
        client_close(d->client, on_client_closed, d);
}

static void close_conn(uv_handle_t *h, void *arg)
{
    if (h->type == UV_TCP && h->data && h->data != arg && !uv_is_closing(h))
        uv_close(h, conn_closed);
}

static void on_stop(uv_async_t *a)
{
    dns_t *d = a->data;
    d->stopping = true;
    uv_timer_stop(&d->rebuild);
    uv_close((uv_handle_t *)&d->udp, NULL);
    uv_close((uv_handle_t *)&d->tcp, NULL);
    /* Open TCP connections (their data is a conn_t, the listener's is d). */
    uv_walk(&d->loop, close_conn, d);
    d->pending_stops = 2;
    informer_stop(d->services, on_part_stopped, d);
    informer_stop(d->slices, on_part_stopped, d);
}

static void run(void *arg)
{
    dns_t *d = arg;
    informer_handlers_t h = {on_change, on_update, on_change, on_synced};
    d->services = informer_start(d->client, "/api/v1/services", NULL, &h, d);
    d->slices = informer_start(d->client, "/apis/discovery.k8s.io/v1/endpointslices", NULL, &h, d);
    uv_run(&d->loop, UV_RUN_DEFAULT);
}

static void free_dns(dns_t *d)
{
    json_decref(d->zone);
    free(d->domain);
    free(d);
}

int dns_start(apiserver_t *srv, const dns_config_t *cfg, dns_t **out, c8s_err_t *err)
{
    const char *addr = cfg->address && *cfg->address ? cfg->address : "10.96.0.10";
    int port = cfg->port ? cfg->port : 53;
    dns_t *d = xcalloc(1, sizeof(*d));
    d->srv = srv;
    d->domain = xstrdup(cfg->domain && *cfg->domain ? cfg->domain : "cluster.local");
    if (uv_ip4_addr(addr, port, (struct sockaddr_in *)&d->listen) != 0 &&
        uv_ip6_addr(addr, port, (struct sockaddr_in6 *)&d->listen) != 0) {
        free_dns(d);
        return c8s_err_set(err, C8S_EINVALID, "cluster DNS address %s is not an IP", addr);
    }
    read_resolv_conf(d, cfg->resolv_conf ? cfg->resolv_conf : "/etc/resolv.conf", addr);
    if (cfg->assign_address && assign(addr, err) != 0) {
        free_dns(d);
        return err->code;
    }
    int rc = uv_loop_init(&d->loop);
    if (rc != 0) {
        free_dns(d);
        return c8s_err_set(err, C8S_ESYS, "uv_loop_init: %s", uv_strerror(rc));
    }
    uv_udp_init(&d->loop, &d->udp);
    uv_tcp_init(&d->loop, &d->tcp);
    d->udp.data = d->tcp.data = d;
    const struct sockaddr *sa = (const struct sockaddr *)&d->listen;
    rc = uv_udp_bind(&d->udp, sa, 0);
    if (rc == 0)
        rc = uv_tcp_bind(&d->tcp, sa, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&d->tcp, 128, on_tcp);
    if (rc == 0)
        rc = uv_udp_recv_start(&d->udp, udp_alloc, on_udp);
    if (rc != 0) {
        uv_close((uv_handle_t *)&d->udp, NULL);
        uv_close((uv_handle_t *)&d->tcp, NULL);
        uv_run(&d->loop, UV_RUN_DEFAULT);
        uv_loop_close(&d->loop);
        free_dns(d);
        return c8s_err_set(err, C8S_ESYS, "cluster DNS on %s:%d: %s", addr, port, uv_strerror(rc));
    }
    uv_async_init(&d->loop, &d->stop_async, on_stop);
    d->stop_async.data = d;
    uv_timer_init(&d->loop, &d->rebuild);
    d->rebuild.data = d;
    d->client = cfg->remote ? client_new_http(&d->loop, cfg->remote, err)
                            : client_new_inproc(srv, &d->loop);
    if (!d->client) {
        uv_close((uv_handle_t *)&d->udp, NULL);
        uv_close((uv_handle_t *)&d->tcp, NULL);
        on_client_closed(d);
        uv_run(&d->loop, UV_RUN_DEFAULT);
        uv_loop_close(&d->loop);
        free_dns(d);
        return err->code;
    }
    rc = uv_thread_create(&d->thread, run, d);
    if (rc != 0) {
        uv_close((uv_handle_t *)&d->udp, NULL);
        uv_close((uv_handle_t *)&d->tcp, NULL);
        client_close(d->client, on_client_closed, d);
        uv_run(&d->loop, UV_RUN_DEFAULT);
        uv_loop_close(&d->loop);
        free_dns(d);
        return c8s_err_set(err, C8S_ESYS, "starting the DNS thread: %s", uv_strerror(rc));
    }
    log_info("dns", "serving %s on %s:%d (%d upstream resolvers)", d->domain, addr, port,
             d->nupstream);
    *out = d;
    return 0;
}

void dns_stop(dns_t *d)
{
    if (!d)
        return;
    uv_async_send(&d->stop_async);
    uv_thread_join(&d->thread);
    if (uv_loop_close(&d->loop) != 0)
        log_warn("dns", "loop closed with handles open");
    free_dns(d);
}
