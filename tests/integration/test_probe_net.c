/* test_probe_net.c — httpGet, tcpSocket and grpc probes against real sockets on loopback: a
 * tiny HTTP server thread answers each path with a status (redirects included) and records the
 * request's headers; a port nobody listens on fails tcpSocket; a server that never answers
 * hits the timeout without holding other probes; a real gRPC health server (python3-grpcio,
 * tests/support/grpc_health.py) answers SERVING, NOT_SERVING and NOT_FOUND. */
#include "c8s/probe.h"
#include "test.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int listen_on(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        return -1;
    *port = ntohs(a.sin_port);
    return fd;
}

static char last_request[4096];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

/* Serves until it reads a request for /quit. */
static void *http_server(void *arg)
{
    int lfd = *(int *)arg;
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            return NULL;
        char buf[4096];
        ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
        buf[n > 0 ? n : 0] = '\0';
        pthread_mutex_lock(&mu);
        memcpy(last_request, buf, sizeof(buf));
        pthread_mutex_unlock(&mu);
        int status = 200;
        const char *loc = "";
        if (strncmp(buf, "GET /quit", 9) == 0) {
            close(fd);
            return NULL;
        } else if (strncmp(buf, "GET /fail", 9) == 0) {
            status = 500;
        } else if (strncmp(buf, "GET /missing", 12) == 0) {
            status = 404;
        } else if (strncmp(buf, "GET /redir-bad", 14) == 0) {
            status = 302;
            loc = "Location: /fail\r\n";
        } else if (strncmp(buf, "GET /redir-ok", 13) == 0) {
            status = 301;
            loc = "Location: /ok\r\n";
        } else if (strncmp(buf, "GET /loop", 9) == 0) {
            status = 302;
            loc = "Location: /loop\r\n";
        }
        char resp[256];
        int m = snprintf(resp, sizeof(resp),
                         "HTTP/1.1 %d X\r\n%sContent-Length: 2\r\n"
                         "Connection: close\r\n\r\nok",
                         status, loc);
        if (send(fd, resp, (size_t)m, MSG_NOSIGNAL) < 0) {
            /* the client may have gone (timeouts); nothing to do */
        }
        close(fd);
    }
}

typedef struct {
    probe_result_t r;
    int done;
    char msg[256];
} outcome_t;

static void on_done(probe_result_t r, const char *msg, void *data)
{
    outcome_t *o = data;
    o->r = r;
    o->done++;
    snprintf(o->msg, sizeof(o->msg), "%s", msg);
}

static probe_result_t run(uv_loop_t *loop, const char *json, const char *ip)
{
    json_error_t je;
    json_t *p = json_loads(json, 0, &je);
    json_t *ctr = json_loads("{\"ports\":[{\"name\":\"web\",\"containerPort\":1}]}", 0, &je);
    probe_spec_t spec;
    c8s_err_t e = C8S_ERR_INIT;
    outcome_t o = {0};
    probe_result_t r = PROBE_UNKNOWN;
    if (p && ctr && probe_spec_parse(p, PROBE_READINESS, &spec, &e) == 0 &&
        probe_net_run(loop, p, &spec, ctr, ip, on_done, &o, &e) == 0) {
        /* Copied before return: freeing our JSON now must not matter. */
        json_decref(p);
        p = NULL;
        uv_run(loop, UV_RUN_DEFAULT);
        CHECK_INT(o.done, 1);
        r = o.r;
    } else {
        fprintf(stderr, "probe not run: %s\n", e.msg);
        c8s_err_clear(&e);
    }
    json_decref(p);
    json_decref(ctr);
    return r;
}

int main(void)
{
    uv_loop_t loop;
    REQUIRE(uv_loop_init(&loop) == 0);
    int port = 0, lfd = listen_on(&port);
    REQUIRE(lfd >= 0);
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, http_server, &lfd) == 0);
    char js[512];

#define HTTP(path, extra)                                                                          \
    (snprintf(js, sizeof(js), "{\"httpGet\":{\"port\":%d,\"path\":\"%s\"%s}}", port, path, extra), \
     run(&loop, js, "127.0.0.1"))
    CHECK_INT(HTTP("/ok", ""), PROBE_SUCCESS);
    pthread_mutex_lock(&mu);
    CHECK(strstr(last_request, "User-Agent: kube-probe/1.") != NULL);
    CHECK(strstr(last_request, "Accept: */*") != NULL);
    pthread_mutex_unlock(&mu);
    CHECK_INT(HTTP("/fail", ""), PROBE_FAILURE);
    CHECK_INT(HTTP("/missing", ""), PROBE_FAILURE);
    CHECK_INT(HTTP("/redir-ok", ""), PROBE_SUCCESS);
    CHECK_INT(HTTP("/redir-bad", ""), PROBE_FAILURE);
    CHECK_INT(HTTP("/loop", ""), PROBE_SUCCESS);
    CHECK_INT(HTTP("/ok", ",\"httpHeaders\":[{\"name\":\"X-Probe\",\"value\":\"yes\"},"
                          "{\"name\":\"User-Agent\",\"value\":\"mine\"}]"),
              PROBE_SUCCESS);
    pthread_mutex_lock(&mu);
    CHECK(strstr(last_request, "X-Probe: yes") != NULL);
    CHECK(strstr(last_request, "User-Agent: mine") != NULL);
    CHECK(strstr(last_request, "kube-probe") == NULL);
    pthread_mutex_unlock(&mu);
    /* host given in the probe wins over the pod IP. */
    CHECK_INT(HTTP("/ok", ",\"host\":\"127.0.0.1\""), PROBE_SUCCESS);

    /* tcpSocket: the HTTP port is open; a just-closed port is not. */
    snprintf(js, sizeof(js), "{\"tcpSocket\":{\"port\":%d}}", port);
    CHECK_INT(run(&loop, js, "127.0.0.1"), PROBE_SUCCESS);
    int dport = 0, dfd = listen_on(&dport);
    REQUIRE(dfd >= 0);
    close(dfd);
    snprintf(js, sizeof(js), "{\"tcpSocket\":{\"port\":%d}}", dport);
    CHECK_INT(run(&loop, js, "127.0.0.1"), PROBE_FAILURE);
    snprintf(js, sizeof(js), "{\"httpGet\":{\"port\":%d}}", dport);
    CHECK_INT(run(&loop, js, "127.0.0.1"), PROBE_FAILURE);

    /* A server that accepts but never answers: the probe times out as a failure. */
    int sport = 0, sfd = listen_on(&sport);
    REQUIRE(sfd >= 0);
    snprintf(js, sizeof(js), "{\"httpGet\":{\"port\":%d},\"timeoutSeconds\":1}", sport);
    CHECK_INT(run(&loop, js, "127.0.0.1"), PROBE_FAILURE);
    close(sfd);

    /* Unrunnable probes are refused up front, the callback never called. */
    {
        json_t *p = json_loads("{\"httpGet\":{\"port\":\"nope\"}}", 0, NULL);
        json_t *ctr = json_object();
        probe_spec_t spec;
        c8s_err_t e = C8S_ERR_INIT;
        outcome_t o = {0};
        CHECK_INT(probe_spec_parse(p, PROBE_LIVENESS, &spec, &e), 0);
        CHECK_INT(probe_net_run(&loop, p, &spec, ctr, "127.0.0.1", on_done, &o, &e), C8S_EINVALID);
        c8s_err_clear(&e);
        CHECK_INT(o.done, 0);
        json_decref(p);
        json_decref(ctr);
    }

    /* grpc: a real gRPC server (python3-grpcio) answering grpc.health.v1.Health/Check. */
    cleanup_free char *gcmd =
        xasprintf("/usr/bin/python3 %s/tests/support/grpc_health.py", C8S_SOURCE_DIR);
    FILE *gs =
        system("/usr/bin/python3 -c 'import grpc' 2>/dev/null") == 0 ? popen(gcmd, "r") : NULL;
    int gport = 0;
    if (!gs || fscanf(gs, "%d", &gport) != 1) {
        fprintf(stderr, "skipping grpc probes: python3-grpcio is missing\n");
    } else {
        snprintf(js, sizeof(js), "{\"grpc\":{\"port\":%d}}", gport);
        CHECK_INT(run(&loop, js, "127.0.0.1"), PROBE_SUCCESS);
        snprintf(js, sizeof(js), "{\"grpc\":{\"port\":%d,\"service\":\"down\"}}", gport);
        CHECK_INT(run(&loop, js, "127.0.0.1"), PROBE_FAILURE);
        snprintf(js, sizeof(js), "{\"grpc\":{\"port\":%d,\"service\":\"other\"}}", gport);
        CHECK_INT(run(&loop, js, "127.0.0.1"), PROBE_FAILURE);
        /* An HTTP/1 server is no gRPC server; nothing listening fails too. */
        snprintf(js, sizeof(js), "{\"grpc\":{\"port\":%d}}", port);
        CHECK_INT(run(&loop, js, "127.0.0.1"), PROBE_FAILURE);
        snprintf(js, sizeof(js), "{\"grpc\":{\"port\":%d}}", dport);
        CHECK_INT(run(&loop, js, "127.0.0.1"), PROBE_FAILURE);
    }
    if (gs)
        pclose(gs); /* the server's next write fails: it stops */
    CHECK_INT(HTTP("/quit", ""), PROBE_FAILURE);
    pthread_join(th, NULL);
    close(lfd);
    CHECK_INT(uv_loop_close(&loop), 0);
    TEST_END();
}
