/* test_harness_sigpipe.c — the harness's TLS connection survives a server that drops it: writing
 * to a connection the peer has reset must come back as a short write, not kill the test by
 * SIGPIPE (test_bad_input once died that way while its garbage was still going out). A TLS server
 * on a thread of this process accepts one connection and closes it with the client's bytes
 * unread, which makes the kernel answer with a reset; the client then writes again, which
 * raises SIGPIPE unless the harness keeps it away. The harness must also leave this thread's
 * signal mask and pending set as it found them. */
#include "harness.h"
#include "test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
    int lfd;
    const char *dir;
    int ok; /* the handshake completed and the connection was dropped */
} peer_t;

/* Accepts one TLS connection, waits (bounded) for the client's first bytes and closes without
 * reading them: unread data at close makes the kernel send a reset, not a FIN. */
static void *peer_main(void *arg)
{
    peer_t *p = arg;
    char crt[300], key[300];
    snprintf(crt, sizeof(crt), "%s/apiserver.crt", p->dir);
    snprintf(key, sizeof(key), "%s/apiserver.key", p->dir);
    int fd = accept(p->lfd, NULL, NULL);
    if (fd < 0)
        return NULL;
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    SSL *ssl = NULL;
    if (ctx && SSL_CTX_use_certificate_chain_file(ctx, crt) == 1 &&
        SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1) {
        ssl = SSL_new(ctx);
        if (ssl && SSL_set_fd(ssl, fd) == 1 && SSL_accept(ssl) == 1) {
            struct pollfd pf = {.fd = fd, .events = POLLIN};
            p->ok = poll(&pf, 1, 120000) == 1;
        }
    }
    close(fd);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return NULL;
}

static bool sigpipe_pending(void)
{
    sigset_t pend;
    sigpending(&pend);
    return sigismember(&pend, SIGPIPE) == 1;
}

static bool sigpipe_blocked(void)
{
    sigset_t cur;
    pthread_sigmask(SIG_SETMASK, NULL, &cur);
    return sigismember(&cur, SIGPIPE) == 1;
}

int main(void)
{
    /* What the harness must not rely on: a test that left SIGPIPE at its default. */
    signal(SIGPIPE, SIG_DFL);
    const char *dir = th_tls_dir();
    REQUIRE(dir != NULL);
    char ca[300], acrt[300], akey[300];
    snprintf(ca, sizeof(ca), "%s/ca.crt", dir);
    snprintf(acrt, sizeof(acrt), "%s/admin.crt", dir);
    snprintf(akey, sizeof(akey), "%s/admin.key", dir);

    peer_t p = {.lfd = socket(AF_INET, SOCK_STREAM, 0), .dir = dir};
    REQUIRE(p.lfd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof(a);
    REQUIRE(bind(p.lfd, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(p.lfd, 4) == 0 &&
            getsockname(p.lfd, (struct sockaddr *)&a, &alen) == 0);
    int port = ntohs(a.sin_port);
    th_tls_register(port, ca, acrt, akey);

    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, peer_main, &p) == 0);
    th_watch_t c;
    int opened = th_conn_open(&c, port, NULL);
    CHECK_INT(opened, 0);
    if (opened == 0) {
        CHECK_INT(th_conn_write(&c, "x", 1), 1);
        /* The reset arrives: the socket reports an error or a hang-up (always polled for). */
        struct pollfd pf = {.fd = c.fd, .events = 0};
        bool reset = false;
        for (int waited = 0; waited < 120000 && !reset; waited += 100)
            reset = poll(&pf, 1, 100) == 1 && (pf.revents & (POLLERR | POLLHUP));
        CHECK_MSG(reset, "no reset from the peer");
        /* The first write after a reset reports it (ECONNRESET); the ones after it find the
         * connection shut (EPIPE), which is where SIGPIPE comes from. The same buffer each time:
         * OpenSSL retries a failed record with the caller's pointer. */
        static char big[65536];
        memset(big, 'y', sizeof(big));
        for (int i = 0; i < 4; i++)
            CHECK(th_conn_write(&c, big, sizeof(big)) < (ssize_t)sizeof(big));
        /* The connection really was in the state that raises SIGPIPE. */
        errno = 0;
        CHECK(send(c.fd, "z", 1, MSG_NOSIGNAL) < 0 && errno == EPIPE);
        CHECK(!sigpipe_pending());
        CHECK(!sigpipe_blocked());
    }
    th_watch_close(&c);
    pthread_join(th, NULL);
    CHECK_MSG(p.ok, "the peer saw no handshake or no bytes");
    close(p.lfd);

    /* A test that hosts a server in-process ignores SIGPIPE as the binary does: the server's own
     * writes to departed clients happen on its threads, out of the harness's reach. */
    apiserver_config_t cfg = {.port = th_free_port()};
    CHECK_INT(th_tls_config(&cfg), 0);
    struct sigaction sa;
    CHECK(sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN);
    TEST_END();
}
