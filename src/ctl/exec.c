/*
 * exec.c — `c8s ctl exec POD [-c CONTAINER] [-i] -- COMMAND [ARG…]` and `c8s ctl attach POD
 * [-c CONTAINER] [-i]`: pods/exec and pods/attach over a websocket (v5.channel.k8s.io, else v4), as
 * kubectl 1.30+ speaks it: stdin on channel 0 (with -i; v5's close of channel 0 at its end), stdout
 * and stderr from channels 1 and 2, the exit code from the Status on channel 3 — printed as kubectl
 * does ("command terminated with exit code N") and returned.
 *
 * A command-line client: blocking OpenSSL on one socket and poll() with stdin. libcurl does not
 * speak websockets here, so the kubeconfig's CA, client certificate and token are applied to an
 * OpenSSL context of its own. With -t (stdin a terminal, as kubectl asks) the terminal is put in
 * raw mode for the session, one output stream comes back, and its size goes on the resize
 * channel (4) at the start and on every SIGWINCH.
 */
#include "ctl_int.h"
#include "c8s/kubelet_client.h"
#include "c8s/wsframe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

/* PEM certificates in data into store, or as ctx's certificate and chain (use_as_leaf). */
static int load_pem_certs(SSL_CTX *ctx, const char *data, size_t len, bool leaf)
{
    BIO *bio = BIO_new_mem_buf(data, (int)len);
    X509 *x;
    int n = 0;
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
        int ok =
            leaf ? (n == 0 ? SSL_CTX_use_certificate(ctx, x) : SSL_CTX_add_extra_chain_cert(ctx, x))
                 : X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), x);
        if (!leaf || n == 0)
            X509_free(x); /* add_extra_chain_cert keeps its reference */
        if (ok != 1) {
            BIO_free(bio);
            return -1;
        }
        n++;
    }
    ERR_clear_error();
    BIO_free(bio);
    return n > 0 ? 0 : -1;
}

static SSL_CTX *tls_ctx(const kubeconfig_t *kc)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        return NULL;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    static const unsigned char alpn[] = "\x08http/1.1";
    SSL_CTX_set_alpn_protos(ctx, alpn, sizeof(alpn) - 1);
    bool ok = true;
    if (!kc->insecure) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        if (kc->ca_file)
            ok = SSL_CTX_load_verify_locations(ctx, kc->ca_file, NULL) == 1;
        else if (kc->ca_data)
            ok = load_pem_certs(ctx, kc->ca_data, kc->ca_data_len, false) == 0;
        else
            ok = SSL_CTX_set_default_verify_paths(ctx) == 1;
    }
    if (ok && kc->cert_file)
        ok = SSL_CTX_use_certificate_chain_file(ctx, kc->cert_file) == 1;
    else if (ok && kc->cert_data)
        ok = load_pem_certs(ctx, kc->cert_data, kc->cert_data_len, true) == 0;
    if (ok && kc->key_file) {
        ok = SSL_CTX_use_PrivateKey_file(ctx, kc->key_file, SSL_FILETYPE_PEM) == 1;
    } else if (ok && kc->key_data) {
        BIO *bio = BIO_new_mem_buf(kc->key_data, (int)kc->key_data_len);
        EVP_PKEY *k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
        ok = k && SSL_CTX_use_PrivateKey(ctx, k) == 1;
        EVP_PKEY_free(k);
        BIO_free(bio);
    }
    if (!ok) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* "https://host:port/…" → host (brackets of IPv6 removed) and port. */
static int split_server(const char *url, char *host, size_t hl, char *port, size_t pl)
{
    if (strncmp(url, "https://", 8) != 0)
        return -1;
    const char *h = url + 8, *end = h + strcspn(h, "/");
    const char *colon;
    if (*h == '[') {
        const char *rb = memchr(h, ']', (size_t)(end - h));
        if (!rb)
            return -1;
        snprintf(host, hl, "%.*s", (int)(rb - h - 1), h + 1);
        colon = rb[1] == ':' ? rb + 1 : NULL;
    } else {
        colon = memchr(h, ':', (size_t)(end - h));
        snprintf(host, hl, "%.*s", (int)((colon ? colon : end) - h), h);
    }
    snprintf(port, pl, "%.*s", colon ? (int)(end - colon - 1) : 3, colon ? colon + 1 : "443");
    return 0;
}

static int dial(const char *host, const char *port)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    if (getaddrinfo(host, port, &hints, &res) != 0)
        return -1;
    int fd = -1;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

static bool write_all(SSL *ssl, const void *buf, size_t len)
{
    return SSL_write(ssl, buf, (int)len) == (int)len;
}

static bool send_frame(SSL *ssl, int channel, const char *data, size_t len)
{
    uint8_t mask[4];
    RAND_bytes(mask, 4);
    size_t n = len + (channel >= 0 ? 1 : 0);
    uint8_t h[WSFRAME_HEADER_MAX];
    size_t hl = wsframe_header(h, true, channel >= 0 ? WSFRAME_BINARY : WSFRAME_CLOSE, mask, n);
    cleanup_free uint8_t *buf = xmalloc(hl + n);
    memcpy(buf, h, hl);
    if (channel >= 0)
        buf[hl] = (uint8_t)channel;
    memcpy(buf + hl + (channel >= 0 ? 1 : 0), data, len);
    wsframe_unmask(buf + hl, n, mask, 0); /* masking is the same XOR */
    return write_all(ssl, buf, hl + n);
}

static int stream_session(ctl_t *c, const char *path, const char *what, bool tty);

/* -t needs a terminal on stdin, as kubectl's: without one it says so and goes on without. */
static bool want_tty(ctl_t *c)
{
    if (!c->o.tty)
        return false;
    if (!isatty(0)) {
        fprintf(stderr,
                "Unable to use a TTY - input is not a terminal or the right kind of file\n");
        return false;
    }
    return true;
}

/* The stream flags of the request: with a tty one output stream (stdout), as kubectl asks. */
static void add_streams(ctl_t *c, bool tty, strbuf_t *b)
{
    strbuf_addf(b, "&stdout=true%s%s", tty ? "&tty=true" : "&stderr=true",
                c->o.stdin_ ? "&stdin=true" : "");
}

int ctl__cmd_exec(ctl_t *c)
{
    bool tty = want_tty(c);
    if (c->o.n_args < 1)
        return ctl__error("expected 'exec (POD | TYPE/NAME) -- COMMAND [args...]'");
    if (!c->o.dash || c->o.dash_at != 1 || c->o.n_args < 2)
        return ctl__error("exec [POD] [COMMAND] is not supported; use exec [POD] -- [COMMAND]");
    strbuf_t b = STRBUF_INIT;
    if (ctl__container_request(c, c->o.args[0], "exec", &b) != 0) {
        strbuf_free(&b);
        return 1;
    }
    for (size_t i = 1; i < c->o.n_args; i++) {
        strbuf_add(&b, "&command=");
        strbuf_add_escaped(&b, c->o.args[i], NULL);
    }
    add_streams(c, tty, &b);
    cleanup_free char *path = strbuf_take(&b);
    return stream_session(c, path, "exec", tty);
}

int ctl__cmd_attach(ctl_t *c)
{
    bool tty = want_tty(c);
    if (c->o.n_args != 1)
        return ctl__error("expected 'attach (POD | TYPE/NAME) -c CONTAINER'");
    strbuf_t b = STRBUF_INIT;
    if (ctl__container_request(c, c->o.args[0], "attach", &b) != 0) {
        strbuf_free(&b);
        return 1;
    }
    add_streams(c, tty, &b);
    cleanup_free char *path = strbuf_take(&b);
    return stream_session(c, path, "attach", tty);
}

int ctl__ws_open(ctl_t *c, const char *path, const char *protocols, const char *what, ctl_ws_t *w)
{
    memset(w, 0, sizeof(*w));
    w->fd = -1;
    char host[256], port[16];
    if (split_server(c->kc.server, host, sizeof(host), port, sizeof(port)) != 0)
        return ctl__error("%s needs an https:// server, not %s", what, c->kc.server);
    w->ctx = tls_ctx(&c->kc);
    if (!w->ctx)
        return ctl__error("loading the kubeconfig's TLS credentials failed");
    w->fd = dial(host, port);
    if (w->fd < 0) {
        ctl__ws_close(w);
        return ctl__error("dial tcp %s:%s: connection refused", host, port);
    }
    w->ssl = SSL_new(w->ctx);
    SSL_set_fd(w->ssl, w->fd);
    SSL_set_tlsext_host_name(w->ssl, host);
    struct in6_addr a6;
    struct in_addr a4;
    if (inet_pton(AF_INET, host, &a4) == 1 || inet_pton(AF_INET6, host, &a6) == 1)
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(w->ssl), host);
    else
        SSL_set1_host(w->ssl, host);
    int rc = 1;
    if (SSL_connect(w->ssl) != 1) {
        char e[256];
        ERR_error_string_n(ERR_get_error(), e, sizeof(e));
        ctl__error("TLS with %s: %s", host, e);
        goto out;
    }
    uint8_t rnd[16];
    char key[32];
    RAND_bytes(rnd, sizeof(rnd));
    EVP_EncodeBlock((unsigned char *)key, rnd, sizeof(rnd));
    strbuf_t q = STRBUF_INIT;
    strbuf_addf(&q,
                "GET %s HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
                "Sec-WebSocket-Protocol: %s\r\n",
                path, host, port, key, protocols);
    if (c->kc.token)
        strbuf_addf(&q, "Authorization: Bearer %s\r\n", c->kc.token);
    strbuf_add(&q, "\r\n");
    bool sent = write_all(w->ssl, q.s, q.len);
    strbuf_free(&q);
    if (!sent) {
        ctl__error("sending the %s request failed", what);
        goto out;
    }
    /* The answer's head. */
    int status = 0;
    size_t hoff = 0, hlen = 0;
    int head = 0;
    char buf[32768];
    strbuf_t *rx = &w->rx;
    while (head == 0) {
        int n = SSL_read(w->ssl, buf, sizeof(buf));
        if (n <= 0)
            break;
        strbuf_addn(rx, buf, (size_t)n);
        c8s_err_t err = C8S_ERR_INIT;
        head = kubelet_parse_head(rx->s, rx->len, &status, &hoff, &hlen, &err);
        c8s_err_clear(&err);
    }
    if (head <= 0) {
        ctl__error("the server closed the connection without an answer");
        goto out;
    }
    if (status != 101) {
        /* An error Status: read what follows the head (Content-Length or until close). */
        const char *cl = strcasestr(rx->s + hoff, "content-length:");
        size_t want = cl && cl < rx->s + head ? strtoul(cl + 15, NULL, 10) : SIZE_MAX;
        while (rx->len - (size_t)head < want) {
            int n = SSL_read(w->ssl, buf, sizeof(buf));
            if (n <= 0)
                break;
            strbuf_addn(rx, buf, (size_t)n);
        }
        ctl_resp_t r = {.status = status, .body = rx->s + head, .len = rx->len - (size_t)head};
        r.json = json_loadb(r.body, r.len, 0, NULL);
        rc = ctl__fail(&r, NULL);
        json_decref(r.json);
        goto out;
    }
    memmove(rx->s, rx->s + head, rx->len - (size_t)head);
    rx->len -= (size_t)head;
    return 0;
out:
    ctl__ws_close(w);
    return rc ? rc : 1;
}

void ctl__ws_close(ctl_ws_t *w)
{
    strbuf_free(&w->rx);
    if (w->ssl)
        SSL_free(w->ssl);
    if (w->fd >= 0)
        close(w->fd);
    if (w->ctx)
        SSL_CTX_free(w->ctx);
    memset(w, 0, sizeof(*w));
    w->fd = -1;
}

bool ctl__ws_send(ctl_ws_t *w, uint8_t opcode, const void *data, size_t len)
{
    uint8_t mask[4];
    RAND_bytes(mask, 4);
    uint8_t h[WSFRAME_HEADER_MAX];
    size_t hl = wsframe_header(h, true, opcode, mask, len);
    cleanup_free uint8_t *buf = xmalloc(hl + len + 1);
    memcpy(buf, h, hl);
    if (len)
        memcpy(buf + hl, data, len);
    wsframe_unmask(buf + hl, len, mask, 0); /* masking is the same XOR */
    return write_all(w->ssl, buf, hl + len);
}

static volatile sig_atomic_t winched;

static void on_winch(int sig)
{
    (void)sig;
    winched = 1;
}

/* The terminal's size on the resize channel, as kubectl sends it. */
static void send_size(SSL *ssl)
{
    struct winsize ws;
    if (ioctl(0, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0 || ws.ws_row == 0)
        return;
    char msg[64];
    int n = snprintf(msg, sizeof(msg), "{\"Width\":%u,\"Height\":%u}", ws.ws_col, ws.ws_row);
    send_frame(ssl, 4, msg, (size_t)n);
}

/* One websocket session (v5.channel.k8s.io) at path: stdout and stderr out, stdin in with -i;
 * the exit code the error channel's Status says. what: "exec" or "attach", for messages. tty:
 * stdin is a terminal, raw for the session, its size sent and followed. */
static int stream_session(ctl_t *c, const char *path, const char *what, bool tty)
{
    ctl_ws_t w;
    int rc = ctl__ws_open(c, path, "v5.channel.k8s.io, v4.channel.k8s.io", what, &w);
    if (rc != 0)
        return rc;
    struct termios saved;
    bool raw = false;
    struct sigaction old_winch;
    if (tty) {
        struct sigaction sa = {.sa_handler = on_winch};
        sigemptyset(&sa.sa_mask);
        sigaction(SIGWINCH, &sa, &old_winch);
        if (c->o.stdin_ && tcgetattr(0, &saved) == 0) {
            struct termios t = saved;
            cfmakeraw(&t);
            raw = tcsetattr(0, TCSANOW, &t) == 0;
        }
        send_size(w.ssl);
    }
    SSL *ssl = w.ssl;
    int fd = w.fd;
    strbuf_t rx = w.rx;
    w.rx = (strbuf_t)STRBUF_INIT;
    char buf[32768];
    rc = 1;
    bool stdin_open = c->o.stdin_, done = false;
    int exit_code = -1;
    while (!done) {
        /* Frames already here first. */
        for (;;) {
            wsframe_t f;
            c8s_err_t err = C8S_ERR_INIT;
            int hl = wsframe_parse((const uint8_t *)rx.s, rx.len, &f, &err);
            if (hl < 0) {
                ctl__error("websocket: %s", err.msg);
                c8s_err_clear(&err);
                goto out;
            }
            if (hl == 0 || rx.len < (size_t)hl + f.payload_len)
                break;
            const char *pl = rx.s + hl;
            size_t n = (size_t)f.payload_len;
            if (f.opcode == WSFRAME_CLOSE) {
                done = true;
            } else if ((f.opcode == WSFRAME_BINARY || f.opcode == WSFRAME_TEXT) && n > 0) {
                if (pl[0] == 1)
                    fwrite(pl + 1, 1, n - 1, stdout), fflush(stdout);
                else if (pl[0] == 2)
                    fwrite(pl + 1, 1, n - 1, stderr), fflush(stderr);
                else if (pl[0] == 3 && n > 1) {
                    int code = 0;
                    if (wsframe_exec_exit_code(pl + 1, n - 1, &code, &err) != 0) {
                        fprintf(stderr, "error: %s\n", err.msg);
                        c8s_err_clear(&err);
                        code = 1;
                    } else if (code != 0) {
                        fprintf(stderr, "command terminated with exit code %d\n", code);
                    }
                    exit_code = code;
                }
            }
            size_t used = (size_t)hl + n;
            memmove(rx.s, rx.s + used, rx.len - used);
            rx.len -= used;
        }
        if (done)
            break;
        if (SSL_pending(ssl) == 0) {
            struct pollfd pf[2] = {{.fd = fd, .events = POLLIN}, {.fd = 0, .events = POLLIN}};
            int pr = poll(pf, stdin_open ? 2 : 1, -1);
            if (winched) {
                winched = 0;
                send_size(ssl);
            }
            if (pr < 0) {
                if (errno == EINTR)
                    continue;
                break;
            }
            if (stdin_open && (pf[1].revents & (POLLIN | POLLHUP))) {
                ssize_t n = read(0, buf, sizeof(buf));
                if (n > 0) {
                    send_frame(ssl, 0, buf, (size_t)n);
                } else if (n == 0 || errno != EINTR) {
                    stdin_open = false;
                    /* v5's "channel 0 is closed"; a v4 server ignores the channel. */
                    static const char close_stdin[1] = {0};
                    send_frame(ssl, 255, close_stdin, 1);
                }
            }
            if (!(pf[0].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
        }
        int n = SSL_read(ssl, buf, sizeof(buf));
        if (n <= 0)
            break;
        strbuf_addn(&rx, buf, (size_t)n);
    }
    if (exit_code < 0) {
        ctl__error("error reading from error stream: the connection closed early");
        rc = 1;
    } else {
        rc = exit_code;
        static const char normal[2] = {0x03, (char)0xe8};
        send_frame(ssl, -1, normal, 2);
    }
out:
    if (raw)
        tcsetattr(0, TCSANOW, &saved);
    if (tty)
        sigaction(SIGWINCH, &old_winch, NULL);
    strbuf_free(&rx);
    ctl__ws_close(&w);
    return rc;
}
