/*
 * portforward.c — `c8s ctl port-forward POD [LOCAL:]REMOTE…`: pods/portforward as kubectl 1.31+
 * speaks it, SPDY/3.1 (spdy.h) in the binary messages of a websocket with subprotocol
 * SPDY/3.1+portforward.k8s.io. Each accepted local connection becomes an "error" and a "data"
 * stream sharing a requestid; the error stream's text, if any, is printed as kubectl prints it.
 *
 * A command-line client, blocking: one poll() over the API server's socket, the listeners and
 * the local connections; writes toward a local connection block (a slow local reader slows the
 * whole forward, as one SPDY session has no per-stream flow control here either).
 */
#include "ctl_int.h"
#include "c8s/spdy.h"
#include "c8s/wsframe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_PORTS 16
#define MAX_CONNS 64

typedef struct {
    int fd, local, remote;
} pf_listener_t;

typedef struct {
    int fd; /* the local connection; -1 once closed */
    int remote;
    uint32_t err_id, data_id;
    bool local_eof, remote_fin;
    strbuf_t err; /* the error stream's text */
} pf_conn_t;

static int parse_ports(const char *spec, int *local, int *remote)
{
    char *end = NULL;
    const char *colon = strchr(spec, ':');
    long r, l;
    if (colon) {
        l = colon == spec ? 0 : strtol(spec, &end, 10);
        if (colon != spec && end != colon)
            return -1;
        r = strtol(colon + 1, &end, 10);
    } else {
        r = l = strtol(spec, &end, 10);
    }
    if (*end || r <= 0 || r > 65535 || l < 0 || l > 65535)
        return -1;
    *local = (int)l;
    *remote = (int)r;
    return 0;
}

static int listen_on(int port, int *bound)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof(a);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &al) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *bound = ntohs(a.sin_port);
    return fd;
}

static bool send_spdy(ctl_ws_t *w, strbuf_t *b)
{
    bool ok = b->len == 0 || ctl__ws_send(w, WSFRAME_BINARY, b->s, b->len);
    b->len = 0;
    return ok;
}

static void write_fd(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        p += n;
        len -= (size_t)n;
    }
}

static void conn_close(pf_conn_t *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

static pf_conn_t *conn_of(pf_conn_t *conns, size_t n, uint32_t id, bool *is_data)
{
    for (size_t i = 0; i < n; i++) {
        if (conns[i].data_id == id) {
            *is_data = true;
            return &conns[i];
        }
        if (conns[i].err_id == id) {
            *is_data = false;
            return &conns[i];
        }
    }
    return NULL;
}

int ctl__cmd_port_forward(ctl_t *c)
{
    if (c->o.n_args < 2)
        return ctl__error("TYPE/NAME and list of ports are required for port-forward");
    pf_listener_t ls[MAX_PORTS];
    size_t nl = 0;
    for (size_t i = 1; i < c->o.n_args && nl < MAX_PORTS; i++) {
        if (parse_ports(c->o.args[i], &ls[nl].local, &ls[nl].remote) != 0)
            return ctl__error("Invalid port specification: %s", c->o.args[i]);
        nl++;
    }
    cleanup_free char *pod_path = NULL;
    cleanup_json json_t *pod = NULL;
    if (ctl__pod_target(c, c->o.args[0], &pod_path, &pod) != 0)
        return 1;
    const char *phase = json_string_value(json_object_get(json_object_get(pod, "status"), "phase"));
    if (phase && strcmp(phase, "Running") != 0)
        return ctl__error("unable to forward port because pod is not running. Current status=%s",
                          phase);
    cleanup_free char *path = xasprintf("%s/portforward", pod_path);
    ctl_ws_t w;
    int rc = ctl__ws_open(c, path, "SPDY/3.1+portforward.k8s.io", "port-forward", &w);
    if (rc != 0)
        return rc;
    signal(SIGPIPE, SIG_IGN);
    for (size_t i = 0; i < nl; i++) {
        int bound = 0;
        ls[i].fd = listen_on(ls[i].local, &bound);
        if (ls[i].fd < 0) {
            for (size_t j = 0; j < i; j++)
                close(ls[j].fd);
            ctl__ws_close(&w);
            return ctl__error("unable to listen on port %d: %s", ls[i].local, strerror(errno));
        }
        ls[i].local = bound;
        printf("Forwarding from 127.0.0.1:%d -> %d\n", bound, ls[i].remote);
    }
    fflush(stdout);

    spdy_zlib_t *zin = spdy_zlib_new(false), *zout = spdy_zlib_new(true);
    pf_conn_t conns[MAX_CONNS];
    size_t nc = 0;
    uint32_t next_id = 1, reqid = 0;
    strbuf_t out = STRBUF_INIT, in = STRBUF_INIT;
    char buf[32768];
    rc = 0;
    for (bool done = false; !done;) {
        /* Websocket frames already here, then the SPDY frames in them. */
        for (;;) {
            wsframe_t f;
            c8s_err_t err = C8S_ERR_INIT;
            int hl = wsframe_parse((const uint8_t *)w.rx.s, w.rx.len, &f, &err);
            if (hl < 0) {
                ctl__error("websocket: %s", err.msg);
                c8s_err_clear(&err);
                rc = 1;
                done = true;
                break;
            }
            if (hl == 0 || w.rx.len < (size_t)hl + f.payload_len)
                break;
            if (f.opcode == WSFRAME_CLOSE)
                done = true;
            else if (f.opcode == WSFRAME_BINARY || f.opcode == WSFRAME_CONT)
                strbuf_addn(&in, w.rx.s + hl, (size_t)f.payload_len);
            size_t used = (size_t)hl + (size_t)f.payload_len;
            memmove(w.rx.s, w.rx.s + used, w.rx.len - used);
            w.rx.len -= used;
        }
        size_t off = 0;
        for (;;) {
            spdy_frame_t f;
            c8s_err_t err = C8S_ERR_INIT;
            int hl = spdy_frame_parse((const uint8_t *)in.s + off, in.len - off, &f, &err);
            if (hl < 0) {
                ctl__error("%s", err.msg);
                c8s_err_clear(&err);
                rc = 1;
                done = true;
                break;
            }
            if (hl == 0 || in.len - off < (size_t)hl + f.length)
                break;
            const uint8_t *pl = (const uint8_t *)in.s + off + hl;
            off += (size_t)hl + f.length;
            bool is_data = false;
            if (!f.control) {
                pf_conn_t *pc = conn_of(conns, nc, f.stream_id, &is_data);
                if (!pc)
                    continue;
                if (is_data && pc->fd >= 0 && f.length)
                    write_fd(pc->fd, pl, f.length);
                else if (!is_data)
                    strbuf_addn(&pc->err, (const char *)pl, f.length);
                if (f.flags & SPDY_FLAG_FIN) {
                    if (is_data) {
                        pc->remote_fin = true;
                        if (pc->fd >= 0)
                            shutdown(pc->fd, SHUT_WR);
                    } else if (pc->err.len > 0) {
                        fprintf(stderr, "error: an error occurred forwarding %d: %.*s\n",
                                pc->remote, (int)pc->err.len, pc->err.s);
                        conn_close(pc);
                    }
                }
                continue;
            }
            uint32_t id = spdy_payload_stream(pl, f.length);
            if (f.type == SPDY_SYN_REPLY || f.type == SPDY_HEADERS || f.type == SPDY_SYN_STREAM) {
                size_t skip = f.type == SPDY_SYN_STREAM ? 10 : 4;
                json_t *h = NULL;
                if (f.length < skip ||
                    spdy_headers_decode(zin, pl + skip, f.length - skip, &h, &err) != 0) {
                    ctl__error("port-forward: %s", err.code ? err.msg : "short SPDY frame");
                    c8s_err_clear(&err);
                    rc = 1;
                    done = true;
                    break;
                }
                json_decref(h);
            } else if (f.type == SPDY_RST_STREAM) {
                pf_conn_t *pc = conn_of(conns, nc, id, &is_data);
                if (pc)
                    conn_close(pc);
            } else if (f.type == SPDY_PING && f.length >= 4) {
                strbuf_addn(&out, (const char *)pl - hl, (size_t)hl + 4);
            } else if (f.type == SPDY_GOAWAY) {
                done = true;
            }
        }
        if (off > 0) {
            memmove(in.s, in.s + off, in.len - off);
            in.len -= off;
        }
        /* Connections over on both sides leave their slot. */
        for (size_t i = 0; i < nc;) {
            pf_conn_t *pc = &conns[i];
            if (pc->fd < 0 || (pc->local_eof && pc->remote_fin)) {
                if (pc->fd >= 0 || !pc->remote_fin)
                    spdy_put_rst(&out, pc->data_id, SPDY_RST_CANCEL);
                conn_close(pc);
                strbuf_free(&pc->err);
                conns[i] = conns[--nc];
            } else {
                i++;
            }
        }
        if (!send_spdy(&w, &out) || done)
            break;
        if (SSL_pending(w.ssl) > 0) {
            int n = SSL_read(w.ssl, buf, sizeof(buf));
            if (n <= 0)
                break;
            strbuf_addn(&w.rx, buf, (size_t)n);
            continue;
        }
        struct pollfd pf[1 + MAX_PORTS + MAX_CONNS];
        size_t np = 0;
        pf[np++] = (struct pollfd){.fd = w.fd, .events = POLLIN};
        for (size_t i = 0; i < nl; i++)
            pf[np++] = (struct pollfd){.fd = nc < MAX_CONNS ? ls[i].fd : -1, .events = POLLIN};
        for (size_t i = 0; i < nc; i++)
            pf[np++] =
                (struct pollfd){.fd = conns[i].local_eof ? -1 : conns[i].fd, .events = POLLIN};
        if (poll(pf, np, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (size_t i = 0; i < nc; i++) {
            pf_conn_t *pc = &conns[i];
            if (!(pf[1 + nl + i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = read(pc->fd, buf, sizeof(buf));
            if (n > 0) {
                spdy_put_data(&out, pc->data_id, 0, buf, (size_t)n);
            } else if (n == 0 || errno != EINTR) {
                pc->local_eof = true;
                spdy_put_data(&out, pc->data_id, SPDY_FLAG_FIN, "", 0);
            }
        }
        for (size_t i = 0; i < nl; i++) {
            if (!(pf[1 + i].revents & POLLIN) || nc == MAX_CONNS)
                continue;
            int fd = accept4(ls[i].fd, NULL, NULL, SOCK_CLOEXEC);
            if (fd < 0)
                continue;
            printf("Handling connection for %d\n", ls[i].local);
            fflush(stdout);
            pf_conn_t *pc = &conns[nc++];
            *pc = (pf_conn_t){.fd = fd, .remote = ls[i].remote};
            pc->err_id = next_id;
            pc->data_id = next_id + 2;
            next_id += 4;
            char port[16], rid[16];
            snprintf(port, sizeof(port), "%d", ls[i].remote);
            snprintf(rid, sizeof(rid), "%u", reqid++);
            json_t *h =
                json_pack("{s:s, s:s, s:s}", "streamtype", "error", "port", port, "requestid", rid);
            spdy_put_syn_stream(&out, zout, pc->err_id, 0, h);
            /* Nothing goes to the error stream from this side. */
            spdy_put_data(&out, pc->err_id, SPDY_FLAG_FIN, "", 0);
            json_object_set_new(h, "streamtype", json_string("data"));
            spdy_put_syn_stream(&out, zout, pc->data_id, 0, h);
            json_decref(h);
        }
        if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            int n = SSL_read(w.ssl, buf, sizeof(buf));
            if (n <= 0) {
                ctl__error("lost connection to pod");
                rc = 1;
                break;
            }
            strbuf_addn(&w.rx, buf, (size_t)n);
        }
    }
    for (size_t i = 0; i < nc; i++) {
        conn_close(&conns[i]);
        strbuf_free(&conns[i].err);
    }
    for (size_t i = 0; i < nl; i++)
        close(ls[i].fd);
    strbuf_free(&out);
    strbuf_free(&in);
    spdy_zlib_free(zin);
    spdy_zlib_free(zout);
    ctl__ws_close(&w);
    return rc;
}
