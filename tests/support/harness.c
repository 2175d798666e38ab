/* harness.c — real etcd and c8s server processes for integration tests; blocking HTTP. */
#include "harness.h"
#include "c8s/pki.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Ports are drawn below the kernel's ephemeral range: one inside it may be taken, between the
 * check here and the server's bind, as the local port of any outgoing connection. */
int th_free_port(void)
{
    static int seeded, base = 20000, span = 40000;
    if (!seeded) {
        srand((unsigned)(getpid() ^ time(NULL)));
        seeded = 1;
        FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
        int lo = 0, hi = 0;
        if (f && fscanf(f, "%d %d", &lo, &hi) == 2 && lo > 22000) {
            base = lo - 12000;
            span = 12000;
        }
        if (f)
            fclose(f);
    }
    for (int tries = 0; tries < 200; tries++) {
        int port = base + rand() % span;
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
            return -1;
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
        close(fd);
        if (ok)
            return port;
    }
    return -1;
}

static int rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void th_rmtree(const char *dir)
{
    if (dir && dir[0])
        nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* Credentials by port (see harness.h). Tests are single-threaded; a port reused by a later
 * server in the same process takes the newer entry. */
typedef struct {
    int port;
    char ca[300], cert[300], key[300];
} tls_entry_t;

static tls_entry_t tls_reg[64];
static size_t n_tls_reg;

void th_tls_register(int port, const char *ca, const char *cert, const char *key)
{
    tls_entry_t *e = NULL;
    for (size_t i = 0; i < n_tls_reg && !e; i++)
        if (tls_reg[i].port == port)
            e = &tls_reg[i];
    if (!e && n_tls_reg < sizeof(tls_reg) / sizeof(tls_reg[0]))
        e = &tls_reg[n_tls_reg++];
    if (!e)
        e = &tls_reg[port % (sizeof(tls_reg) / sizeof(tls_reg[0]))];
    e->port = port;
    snprintf(e->ca, sizeof(e->ca), "%s", ca);
    snprintf(e->cert, sizeof(e->cert), "%s", cert);
    snprintf(e->key, sizeof(e->key), "%s", key);
}

static const tls_entry_t *tls_lookup(int port)
{
    for (size_t i = n_tls_reg; i-- > 0;)
        if (tls_reg[i].port == port)
            return &tls_reg[i];
    return NULL;
}

/* The port of an https:// URL, or 0. */
static int https_port(const char *url)
{
    if (strncmp(url, "https://", 8) != 0)
        return 0;
    const char *host_end = strchr(url + 8, '/');
    const char *colon = strrchr(url + 8, ':');
    if (!colon || (host_end && colon > host_end))
        return 443;
    return atoi(colon + 1);
}

void th_curl_tls(void *curl, const char *url)
{
    int port = https_port(url);
    const tls_entry_t *tls = port ? tls_lookup(port) : NULL;
    if (!tls)
        return;
    curl_easy_setopt(curl, CURLOPT_CAINFO, tls->ca);
    curl_easy_setopt(curl, CURLOPT_SSLCERT, tls->cert);
    curl_easy_setopt(curl, CURLOPT_SSLKEY, tls->key);
}

static char tls_dir[256];

static void remove_tls_dir(void)
{
    if (tls_dir[0])
        th_rmtree(tls_dir);
}

const char *th_tls_dir(void)
{
    if (tls_dir[0])
        return tls_dir;
    snprintf(tls_dir, sizeof(tls_dir), "/tmp/c8s-test-pki-XXXXXX");
    if (!mkdtemp(tls_dir)) {
        tls_dir[0] = '\0';
        return NULL;
    }
    atexit(remove_tls_dir);
    const char *dns[] = {"localhost"};
    const char *ips[] = {"127.0.0.1", "::1"};
    pki_config_t pc = {.dir = tls_dir, .dns = dns, .n_dns = 1, .ips = ips, .n_ips = 2};
    pki_files_t f;
    c8s_err_t err = C8S_ERR_INIT;
    if (pki_bootstrap(&pc, &f, &err) != 0) {
        fprintf(stderr, "harness: test PKI: %s\n", err.msg);
        c8s_err_clear(&err);
        th_rmtree(tls_dir);
        tls_dir[0] = '\0';
        return NULL;
    }
    pki_files_clear(&f);
    return tls_dir;
}

int th_tls_config(apiserver_config_t *cfg)
{
    static char crt[300], key[300], ca[300], akey[300], acrt[300], sa[300];
    const char *dir = th_tls_dir();
    if (!dir)
        return -1;
    snprintf(crt, sizeof(crt), "%s/apiserver.crt", dir);
    snprintf(key, sizeof(key), "%s/apiserver.key", dir);
    snprintf(ca, sizeof(ca), "%s/ca.crt", dir);
    snprintf(acrt, sizeof(acrt), "%s/admin.crt", dir);
    snprintf(akey, sizeof(akey), "%s/admin.key", dir);
    snprintf(sa, sizeof(sa), "%s/sa.key", dir);
    cfg->tls_cert_file = crt;
    cfg->tls_private_key_file = key;
    cfg->client_ca_file = ca;
    cfg->service_account_key_file = sa;
    /* As upstream's integration framework: no ServiceAccount admission unless a test asks for
     * it (set disable_admission_plugins to "" first), since most run without the controller
     * that makes the accounts. */
    if (!cfg->disable_admission_plugins)
        cfg->disable_admission_plugins = "ServiceAccount";
    if (!cfg->bind_address)
        cfg->bind_address = "127.0.0.1";
    /* This process now hosts a server, whose libuv writes to clients that went away raise
     * SIGPIPE on its own threads: it does as the binary's main does (src/cmd/server.c). What the
     * harness starts gets the default back (spawn), and uv_spawn resets it too. */
    signal(SIGPIPE, SIG_IGN);
    th_tls_register(cfg->port, ca, acrt, akey);
    return 0;
}

static pid_t spawn(char *const argv[], const char *log_path)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(log_path ? log_path : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        /* Its own process group (a Ctrl-C to the test is the test's), but it dies with the test
         * if the test crashes, so nothing is left running. */
        setpgid(0, 0);
        /* As from a shell, whatever this test process did with SIGPIPE (th_tls_config). */
        signal(SIGPIPE, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() == 1)
            _exit(127);
        execvp(argv[0], argv);
        _exit(127);
    }
    return pid;
}

static int wait_http_ok(const char *url, pid_t pid, int timeout_ms)
{
    for (int waited = 0; waited < timeout_ms; waited += 50) {
        th_resp_t r;
        if (th_http("GET", url, NULL, NULL, &r) == 0) {
            long st = r.status;
            th_resp_free(&r);
            if (st == 200)
                return 0;
        }
        if (pid > 0 && waitpid(pid, NULL, WNOHANG) == pid)
            return -1;
        sleep_ms(50);
    }
    return -1;
}

static int etcd_spawn(th_etcd_t *e)
{
    char client[64], peer[64], cluster[96], log[300];
    snprintf(client, sizeof(client), "http://127.0.0.1:%d", e->client_port);
    snprintf(peer, sizeof(peer), "http://127.0.0.1:%d", e->peer_port);
    snprintf(cluster, sizeof(cluster), "default=%s", peer);
    snprintf(log, sizeof(log), "%s.log", e->dir);
    char *argv[] = {"etcd",    "--name",
                    "default", "--data-dir",
                    e->dir,    "--listen-client-urls",
                    client,    "--advertise-client-urls",
                    client,    "--listen-peer-urls",
                    peer,      "--initial-advertise-peer-urls",
                    peer,      "--initial-cluster",
                    cluster,   "--log-level",
                    "error",   "--logger",
                    "zap",     NULL};
    e->pid = spawn(argv, log);
    if (e->pid < 0)
        return -1;
    char health[96];
    snprintf(health, sizeof(health), "%s/health", client);
    return wait_http_ok(health, e->pid, 20000);
}

int th_etcd_start(th_etcd_t *e)
{
    /* Ports are drawn at random by tests running in parallel: an etcd that cannot start (its
     * port taken meanwhile) is started again on others. */
    for (int attempt = 0; attempt < 3; attempt++) {
        memset(e, 0, sizeof(*e));
        snprintf(e->dir, sizeof(e->dir), "/tmp/c8s-test-etcd-XXXXXX");
        if (!mkdtemp(e->dir))
            return -1;
        e->client_port = th_free_port();
        do
            e->peer_port = th_free_port();
        while (e->peer_port == e->client_port);
        snprintf(e->url, sizeof(e->url), "http://127.0.0.1:%d", e->client_port);
        if (etcd_spawn(e) == 0)
            return 0;
        th_etcd_stop(e);
    }
    return -1;
}

void th_etcd_signal(th_etcd_t *e, int sig)
{
    if (e->pid <= 0)
        return;
    kill(e->pid, sig);
    if (sig == SIGKILL || sig == SIGTERM || sig == SIGINT) {
        waitpid(e->pid, NULL, 0);
        e->pid = 0;
    }
}

int th_etcd_restart(th_etcd_t *e)
{
    return etcd_spawn(e);
}

void th_etcd_stop(th_etcd_t *e)
{
    th_etcd_signal(e, SIGTERM);
    th_rmtree(e->dir);
    char log[300];
    snprintf(log, sizeof(log), "%s.log", e->dir);
    unlink(log);
}

static int server_start_once(th_server_t *s, const char *etcd_url, const char *const *extra_args);

int th_server_start(th_server_t *s, const char *etcd_url, const char *const *extra_args)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        if (server_start_once(s, etcd_url, extra_args) == 0)
            return 0;
        th_server_stop(s);
    }
    return -1;
}

static int server_start_once(th_server_t *s, const char *etcd_url, const char *const *extra_args)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->dir, sizeof(s->dir), "/tmp/c8s-test-server-XXXXXX");
    if (!mkdtemp(s->dir))
        return -1;
    s->port = th_free_port();
    snprintf(s->url, sizeof(s->url), "https://127.0.0.1:%d", s->port);
    snprintf(s->log, sizeof(s->log), "%s.log", s->dir);
    snprintf(s->ca, sizeof(s->ca), "%s/pki/ca.crt", s->dir);
    snprintf(s->cert, sizeof(s->cert), "%s/pki/admin.crt", s->dir);
    snprintf(s->key, sizeof(s->key), "%s/pki/admin.key", s->dir);
    snprintf(s->kubeconfig, sizeof(s->kubeconfig), "%s/admin.kubeconfig", s->dir);
    th_tls_register(s->port, s->ca, s->cert, s->key);
    char port[16];
    snprintf(port, sizeof(port), "%d", s->port);
    /* The node roles would change this network namespace (iptables, an interface, port 53):
     * never in these tests. */
    const char *argv[64] = {C8S_BIN,
                            "server",
                            "--port",
                            port,
                            "--data-dir",
                            s->dir,
                            "--disable-proxy",
                            "--disable-dns",
                            "--disable-kubelet",
                            "--bind-address",
                            "127.0.0.1",
                            "--kubelet-port",
                            "0"};
    int n = 13;
    if (etcd_url) {
        argv[n++] = "--etcd-servers";
        argv[n++] = etcd_url;
    }
    bool no_ctrl = false, adm_set = false;
    for (int i = 0; extra_args && extra_args[i] && n < 61; i++) {
        argv[n++] = extra_args[i];
        no_ctrl = no_ctrl || strcmp(extra_args[i], "--disable-controller-manager") == 0;
        adm_set = adm_set || strncmp(extra_args[i], "--disable-admission-plugins", 27) == 0;
    }
    /* Without the controller manager nothing makes ServiceAccounts: as upstream's integration
     * framework, pods are then admitted without one. */
    if (no_ctrl && !adm_set)
        argv[n++] = "--disable-admission-plugins=ServiceAccount";
    argv[n] = NULL;
    s->pid = spawn((char *const *)argv, s->log);
    if (s->pid < 0)
        return -1;
    char ready[96];
    snprintf(ready, sizeof(ready), "%s/readyz", s->url);
    if (wait_http_ok(ready, s->pid, 20000) != 0) {
        fprintf(stderr, "harness: server did not become ready; log %s\n", s->log);
        return -1;
    }
    return 0;
}

void th_server_signal(th_server_t *s, int sig)
{
    if (s->pid > 0)
        kill(s->pid, sig);
    if (sig == SIGKILL && s->pid > 0) {
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
}

int th_server_stop(th_server_t *s)
{
    int status = 0, rc = 0;
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        int waited = 0;
        while (waitpid(s->pid, &status, WNOHANG) == 0) {
            if (waited > 10000) {
                kill(s->pid, SIGKILL);
                waitpid(s->pid, &status, 0);
                break;
            }
            sleep_ms(20);
            waited += 20;
        }
        rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        s->pid = 0;
    }
    th_rmtree(s->dir);
    /* The log is kept only when the server did not stop cleanly, for whoever debugs it. */
    if (rc == 0 && s->log[0])
        unlink(s->log);
    else if (s->log[0])
        fprintf(stderr, "harness: server exited with %d; its log is %s\n", rc, s->log);
    return rc;
}

typedef struct {
    char *buf;
    size_t len;
} membuf_t;

static size_t on_data(char *p, size_t sz, size_t n, void *ud)
{
    membuf_t *m = ud;
    size_t add = sz * n;
    char *nb = realloc(m->buf, m->len + add + 1);
    if (!nb)
        return 0;
    m->buf = nb;
    memcpy(m->buf + m->len, p, add);
    m->len += add;
    m->buf[m->len] = '\0';
    return add;
}

int th_http_h(const char *method, const char *url, const char *const *headers, const char *body,
              th_resp_t *out)
{
    memset(out, 0, sizeof(*out));
    CURL *c = curl_easy_init();
    if (!c)
        return -1;
    membuf_t b = {0}, h = {0};
    struct curl_slist *hl = NULL;
    for (int i = 0; headers && headers[i]; i++)
        hl = curl_slist_append(hl, headers[i]);
    hl = curl_slist_append(hl, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    th_curl_tls(c, url);
    /* A request carrying its own credentials is about them: no admin certificate beside them
     * (the server would take the certificate first, as upstream's authenticator chain does). */
    for (int i = 0; headers && headers[i]; i++)
        if (strncasecmp(headers[i], "Authorization:", 14) == 0) {
            curl_easy_setopt(c, CURLOPT_SSLCERT, NULL);
            curl_easy_setopt(c, CURLOPT_SSLKEY, NULL);
        }
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
        char *ct = NULL;
        curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
        out->content_type = ct ? strdup(ct) : NULL;
    }
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    out->body = b.buf ? b.buf : strdup("");
    out->len = b.len;
    out->headers = h.buf ? h.buf : strdup("");
    if (rc != CURLE_OK) {
        th_resp_free(out); /* -1 hands nothing back: callers do not free on failure */
        return -1;
    }
    return 0;
}

int th_http(const char *method, const char *url, const char *content_type, const char *body,
            th_resp_t *out)
{
    char ct[256];
    const char *hdrs[2] = {NULL, NULL};
    if (content_type) {
        snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
        hdrs[0] = ct;
    }
    return th_http_h(method, url, hdrs, body, out);
}

void th_resp_free(th_resp_t *r)
{
    free(r->body);
    free(r->content_type);
    free(r->headers);
    memset(r, 0, sizeof(*r));
}

#include <poll.h>

/* OpenSSL writes to its socket with write(2), which raises SIGPIPE once the server has dropped the
 * connection (as it does on garbage: test_bad_input died of it); send(2) has MSG_NOSIGNAL, the
 * TLS calls have nothing alike. The harness blocks SIGPIPE in the calling thread around each TLS
 * call and takes a SIGPIPE the call raised off the pending set before the old mask comes back,
 * so the failure shows as the short write or read it is. Not SIG_IGN: a disposition is
 * process-wide and inherited across exec by everything a test starts (runc, kubectl, shell
 * pipelines), while this leaves no trace outside the call. */
typedef struct {
    sigset_t old;
    bool was_pending; /* a SIGPIPE pending before the call is someone else's */
} nopipe_t;

static void nopipe_begin(nopipe_t *g)
{
    sigset_t set, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &g->old);
    g->was_pending = sigpending(&pend) == 0 && sigismember(&pend, SIGPIPE) == 1;
}

static void nopipe_end(nopipe_t *g)
{
    int saved = errno;
    sigset_t set, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    if (!g->was_pending && sigpending(&pend) == 0 && sigismember(&pend, SIGPIPE) == 1) {
        const struct timespec zero = {0, 0};
        while (sigtimedwait(&set, NULL, &zero) < 0 && errno == EINTR)
            ;
    }
    pthread_sigmask(SIG_SETMASK, &g->old, NULL);
    errno = saved;
}

static int tls_read(SSL *ssl, void *buf, size_t n)
{
    nopipe_t g;
    nopipe_begin(&g);
    /* SSL_read writes too (TLS 1.3 key updates, alerts). */
    int r = SSL_read(ssl, buf, n > INT_MAX ? INT_MAX : (int)n);
    nopipe_end(&g);
    return r;
}

static int tls_write(SSL *ssl, const void *buf, size_t n)
{
    nopipe_t g;
    nopipe_begin(&g);
    int r = SSL_write(ssl, buf, n > INT_MAX ? INT_MAX : (int)n);
    nopipe_end(&g);
    return r;
}

static int tls_connect(SSL *ssl)
{
    nopipe_t g;
    nopipe_begin(&g);
    int r = SSL_connect(ssl);
    nopipe_end(&g);
    return r;
}

static void buf_add(char **b, size_t *len, size_t *cap, const char *p, size_t n)
{
    if (*len + n + 1 > *cap) {
        *cap = (*len + n + 1) * 2;
        *b = realloc(*b, *cap);
    }
    memcpy(*b + *len, p, n);
    *len += n;
    (*b)[*len] = '\0';
}

static int read_some(th_watch_t *w, int timeout_ms)
{
    SSL *ssl = w->ssl;
    /* Bytes OpenSSL has already decrypted do not show on the socket. */
    if (!ssl || SSL_pending(ssl) == 0) {
        struct pollfd p = {.fd = w->fd, .events = POLLIN};
        if (poll(&p, 1, timeout_ms) <= 0)
            return 0;
    }
    char tmp[65536];
    ssize_t n = ssl ? tls_read(ssl, tmp, sizeof(tmp)) : read(w->fd, tmp, sizeof(tmp));
    if (n <= 0) {
        w->eof = 1;
        return -1;
    }
    buf_add(&w->raw, &w->rlen, &w->rcap, tmp, (size_t)n);
    return 1;
}

/* TLS over w->fd with the port's registered credentials (HTTP/1.1: no ALPN offered). */
static int watch_tls(th_watch_t *w, int port)
{
    const tls_entry_t *t = tls_lookup(port);
    if (!t)
        return 0; /* not a registered API port: plain */
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    w->ssl_ctx = ctx;
    if (!ctx || SSL_CTX_load_verify_locations(ctx, t->ca, NULL) != 1 ||
        SSL_CTX_use_certificate_chain_file(ctx, t->cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, t->key, SSL_FILETYPE_PEM) != 1)
        goto fail;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL *ssl = SSL_new(ctx);
    w->ssl = ssl;
    if (!ssl || X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), "127.0.0.1") != 1 ||
        SSL_set_fd(ssl, w->fd) != 1 || tls_connect(ssl) != 1)
        goto fail;
    return 0;
fail:
    ERR_print_errors_fp(stderr);
    return -1;
}

/* Moves complete chunks from raw to buf. */
static void dechunk(th_watch_t *w)
{
    for (;;) {
        char *crlf = w->rlen ? strstr(w->raw, "\r\n") : NULL;
        if (!crlf)
            return;
        size_t size = strtoul(w->raw, NULL, 16);
        size_t head = (size_t)(crlf - w->raw) + 2;
        if (w->rlen < head + size + 2)
            return;
        if (size == 0) {
            w->eof = 1;
            w->rlen = 0;
            return;
        }
        buf_add(&w->buf, &w->len, &w->cap, w->raw + head, size);
        memmove(w->raw, w->raw + head + size + 2, w->rlen - head - size - 2);
        w->rlen -= head + size + 2;
        w->raw[w->rlen] = '\0';
    }
}

int th_conn_open(th_watch_t *w, int port, const char *path)
{
    memset(w, 0, sizeof(*w));
    w->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (w->fd < 0 || connect(w->fd, (struct sockaddr *)&a, sizeof(a)) != 0)
        return -1;
    if (watch_tls(w, port) != 0)
        return -1;
    if (!path)
        return 0;
    char req[2048];
    int n =
        snprintf(req, sizeof(req),
                 "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n", path);
    return th_conn_write(w, req, (size_t)n) == (ssize_t)n ? 0 : -1;
}

ssize_t th_conn_write(th_watch_t *w, const char *data, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t n = w->ssl ? tls_write(w->ssl, data + off, len - off)
                           : send(w->fd, data + off, len - off, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    return (ssize_t)off;
}

ssize_t th_conn_read(th_watch_t *w, char *buf, size_t n, int timeout_ms)
{
    if (!w->ssl || SSL_pending(w->ssl) == 0) {
        struct pollfd p = {.fd = w->fd, .events = POLLIN};
        if (poll(&p, 1, timeout_ms) <= 0)
            return 0;
    }
    ssize_t got = w->ssl ? tls_read(w->ssl, buf, n) : read(w->fd, buf, n);
    return got > 0 ? got : -1;
}

int th_watch_open(th_watch_t *w, int port, const char *path)
{
    if (th_conn_open(w, port, path) != 0)
        return -1;
    for (int waited = 0; waited < 10000; waited += 100) {
        char *end = w->rlen ? strstr(w->raw, "\r\n\r\n") : NULL;
        if (end) {
            sscanf(w->raw, "HTTP/1.1 %ld", &w->status);
            size_t hl = (size_t)(end - w->raw) + 4;
            int chunked = strcasestr(w->raw, "transfer-encoding: chunked") != NULL &&
                          strcasestr(w->raw, "transfer-encoding: chunked") < end;
            memmove(w->raw, w->raw + hl, w->rlen - hl);
            w->rlen -= hl;
            w->raw[w->rlen] = '\0';
            if (!chunked) {
                /* A plain (non-streaming) answer, e.g. an error Status: hand it out as one line. */
                buf_add(&w->buf, &w->len, &w->cap, w->raw, w->rlen);
                buf_add(&w->buf, &w->len, &w->cap, "\n", 1);
                w->rlen = 0;
                w->eof = 2;
            }
            return 0;
        }
        if (read_some(w, 100) < 0)
            return -1;
    }
    return -1;
}

char *th_watch_next(th_watch_t *w, int timeout_ms)
{
    uint64_t waited = 0;
    for (;;) {
        if (w->eof != 2)
            dechunk(w);
        char *nl = w->len ? memchr(w->buf, '\n', w->len) : NULL;
        if (nl) {
            size_t n = (size_t)(nl - w->buf);
            char *line = n ? strndup(w->buf, n) : NULL;
            memmove(w->buf, nl + 1, w->len - n - 1);
            w->len -= n + 1;
            if (line) /* blank lines (the stream's opening newline) are skipped */
                return line;
            continue;
        }
        if (w->eof || (int)waited >= timeout_ms)
            return NULL;
        if (read_some(w, 50) < 0)
            return NULL;
        waited += 50;
    }
}

void th_watch_close(th_watch_t *w)
{
    SSL_free(w->ssl);
    SSL_CTX_free(w->ssl_ctx);
    if (w->fd >= 0)
        close(w->fd);
    free(w->buf);
    free(w->raw);
    memset(w, 0, sizeof(*w));
    w->fd = -1;
}

static void on_wake(uv_timer_t *t)
{
    (void)t;
}

bool th_run_until(uv_loop_t *loop, bool *flag, int timeout_ms)
{
    uv_timer_t t;
    uv_timer_init(loop, &t);
    uv_timer_start(&t, on_wake, 10, 10);
    uint64_t start = uv_now(loop);
    while (!(flag && *flag) && uv_now(loop) - start < (uint64_t)timeout_ms) {
        uv_run(loop, UV_RUN_ONCE);
        uv_update_time(loop);
    }
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(loop, UV_RUN_NOWAIT);
    return flag && *flag;
}

long th_api(const char *base, const char *method, const char *path, const char *ct,
            const char *body, json_t **out)
{
    char url[512];
    snprintf(url, sizeof(url), "%s%s", base, path);
    th_resp_t r = {0};
    if (th_http(method, url, ct ? ct : (body ? "application/json" : NULL), body, &r) != 0)
        return -1;
    long st = r.status;
    if (out)
        *out = json_loads(r.body ? r.body : "", 0, NULL);
    if (st >= 300 && st != 404)
        fprintf(stderr, "%s %s: %ld %s\n", method, path, st, r.body ? r.body : "");
    th_resp_free(&r);
    return st;
}

bool th_event_seen(const char *base, const char *ns, const char *kind, const char *name,
                   const char *reason, const char *prefix)
{
    char *url = NULL;
    if (asprintf(&url, "%s/api/v1/namespaces/%s/events?fieldSelector=involvedObject.name%%3D%s",
                 base, ns, name) < 0)
        return false;
    th_resp_t r = {0};
    int rc = th_http("GET", url, NULL, NULL, &r);
    free(url);
    json_t *list = rc == 0 && r.status == 200 ? json_loads(r.body, 0, NULL) : NULL;
    th_resp_free(&r);
    bool seen = false;
    size_t i;
    json_t *ev;
    json_array_foreach(json_object_get(list, "items"), i, ev)
    {
        const json_t *obj = json_object_get(ev, "involvedObject");
        const char *k = json_string_value(json_object_get(obj, "kind"));
        const char *re = json_string_value(json_object_get(ev, "reason"));
        const char *m = json_string_value(json_object_get(ev, "message"));
        if (k && re && m && strcmp(k, kind) == 0 && strcmp(re, reason) == 0 &&
            strncmp(m, prefix, strlen(prefix)) == 0)
            seen = true;
    }
    json_decref(list);
    return seen;
}

bool th_wait_event(const char *base, const char *ns, const char *kind, const char *name,
                   const char *reason, const char *prefix, int timeout_ms)
{
    for (int waited = 0;; waited += 100) {
        if (th_event_seen(base, ns, kind, name, reason, prefix))
            return true;
        if (waited >= timeout_ms)
            break;
        usleep(100 * 1000);
    }
    fprintf(stderr, "no %s event \"%s…\" about %s %s/%s\n", reason, prefix, kind, ns, name);
    return false;
}
