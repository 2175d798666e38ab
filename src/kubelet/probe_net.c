/* probe_net.c — httpGet and tcpSocket probes on libuv's thread pool (see include/c8s/probe.h).
 * Why the thread pool and blocking calls rather than the multi interface on the loop: a probe
 * is one short request bounded by its timeout, and the kubelet's loop has no curl multi wiring
 * of its own (src/store/curl_uv.c is tied to the store). */
#include "c8s/probe.h"
#include "c8s/strbuf.h"
#include "c8s/version.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
    uv_work_t work;
    probe_handler_t handler;
    char *url;                  /* httpGet */
    struct curl_slist *headers; /* httpGet, owned */
    char *host;                 /* tcpSocket, grpc */
    int port;                   /* tcpSocket, grpc */
    char *service;              /* grpc */
    uint64_t timeout_ms;
    probe_result_t result;
    char *msg;
    probe_done_cb cb;
    void *data;
} job_t;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_rc;

static void curl_init_once(void)
{
    curl_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Upstream reads at most 10 KiB of the body, for the event message only; we only drain it. */
static size_t discard(char *ptr, size_t size, size_t n, void *ud)
{
    (void)ptr;
    (void)ud;
    return size * n;
}

static void run_http(job_t *j)
{
    CURL *c = curl_easy_init();
    if (!c) {
        j->result = PROBE_UNKNOWN;
        j->msg = xstrdup("curl_easy_init failed");
        return;
    }
    curl_easy_setopt(c, CURLOPT_URL, j->url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)j->timeout_ms);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, j->headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    if (rc == CURLE_TOO_MANY_REDIRECTS) {
        /* Upstream stops following and counts the last redirect as success. */
        j->result = PROBE_SUCCESS;
        j->msg = xasprintf("probe terminated redirects: %s", j->url);
    } else if (rc != CURLE_OK) {
        j->result = PROBE_FAILURE;
        j->msg = xasprintf("Get \"%s\": %s", j->url, curl_easy_strerror(rc));
    } else if (probe_http_status_ok(code)) {
        j->result = PROBE_SUCCESS;
        j->msg = xasprintf("HTTP probe succeeded with statuscode: %ld", code);
    } else {
        j->result = PROBE_FAILURE;
        j->msg = xasprintf("HTTP probe failed with statuscode: %ld", code);
    }
}

/* ---- grpc: one unary grpc.health.v1.Health/Check over HTTP/2 cleartext (prior knowledge, as
 * gRPC speaks it), through libcurl's nghttp2. */

typedef struct {
    strbuf_t body;
    int grpc_status; /* -1 until a grpc-status header or trailer is seen */
    char grpc_message[256];
} grpc_io_t;

static size_t grpc_body(char *ptr, size_t size, size_t n, void *ud)
{
    grpc_io_t *io = ud;
    if (io->body.len + size * n > 65536) /* a HealthCheckResponse is a few bytes */
        return 0;
    strbuf_addn(&io->body, ptr, size * n);
    return size * n;
}

/* Trailers come through the header callback too (HTTP/2), so a Trailers-Only answer and a
 * normal one are read alike. */
static size_t grpc_header(char *ptr, size_t size, size_t n, void *ud)
{
    grpc_io_t *io = ud;
    size_t len = size * n;
    if (len > 12 && strncasecmp(ptr, "grpc-status:", 12) == 0) {
        io->grpc_status = atoi(ptr + 12);
    } else if (len > 13 && strncasecmp(ptr, "grpc-message:", 13) == 0) {
        size_t m = len - 13;
        while (m && (ptr[13 + m - 1] == '\r' || ptr[13 + m - 1] == '\n'))
            m--;
        const char *v = ptr + 13;
        while (m && *v == ' ') {
            v++;
            m--;
        }
        snprintf(io->grpc_message, sizeof(io->grpc_message), "%.*s", (int)m, v);
    }
    return len;
}

static void run_grpc(job_t *j)
{
    CURL *c = curl_easy_init();
    if (!c) {
        j->result = PROBE_UNKNOWN;
        j->msg = xstrdup("curl_easy_init failed");
        return;
    }
    bool v6 = strchr(j->host, ':') != NULL;
    cleanup_free char *url = xasprintf("http://%s%s%s:%d/grpc.health.v1.Health/Check",
                                       v6 ? "[" : "", j->host, v6 ? "]" : "", j->port);
    unsigned char *req = NULL;
    size_t req_len = 0;
    probe_grpc_request(j->service, &req, &req_len);
    struct curl_slist *h = NULL, *n;
    const char *lines[] = {"Content-Type: application/grpc", "TE: trailers",
                           "User-Agent: kube-probe/" C8S_KUBE_MAJOR "." C8S_KUBE_MINOR, "Expect:"};
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        if ((n = curl_slist_append(h, lines[i])))
            h = n;
    grpc_io_t io = {.body = STRBUF_INIT, .grpc_status = -1};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)j->timeout_ms);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)req);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)req_len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, grpc_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &io);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, grpc_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &io);
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    curl_slist_free_all(h);
    free(req);
    int serving = -1;
    c8s_err_t err = C8S_ERR_INIT;
    /* Messages as upstream's grpc prober words them. */
    if (rc == CURLE_OPERATION_TIMEDOUT) {
        j->result = PROBE_FAILURE;
        j->msg = xasprintf("timeout: health rpc did not complete within %llums",
                           (unsigned long long)j->timeout_ms);
    } else if (rc != CURLE_OK) {
        j->result = PROBE_FAILURE;
        j->msg = xasprintf("timeout: failed to connect service \"%s:%d\": %s", j->host, j->port,
                           curl_easy_strerror(rc));
    } else if (code != 200 || io.grpc_status != 0) {
        j->result = PROBE_FAILURE;
        j->msg = io.grpc_status == 12 /* UNIMPLEMENTED */
                     ? xasprintf("error: this server does not implement the grpc health protocol "
                                 "(grpc.health.v1.Health): %s",
                                 io.grpc_message)
                     : xasprintf("error: health rpc probe failed: HTTP %ld, grpc-status %d: %s",
                                 code, io.grpc_status, io.grpc_message);
    } else if (probe_grpc_parse_response(io.body.s ? io.body.s : "", io.body.len, &serving, &err) !=
               0) {
        j->result = PROBE_FAILURE;
        j->msg = xasprintf("error: health rpc probe failed: %s", err.msg);
        c8s_err_clear(&err);
    } else if (serving != PROBE_GRPC_SERVING) {
        static const char *const names[] = {"UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"};
        j->result = PROBE_FAILURE;
        j->msg = xasprintf("service unhealthy (responded with \"%s\")",
                           serving >= 0 && serving < 4 ? names[serving] : "UNKNOWN");
    } else {
        j->result = PROBE_SUCCESS;
        j->msg = xstrdup("SERVING");
    }
    strbuf_free(&io.body);
}

static void run_tcp(job_t *j)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    char port[16];
    snprintf(port, sizeof(port), "%d", j->port);
    int grc = getaddrinfo(j->host, port, &hints, &ai);
    if (grc != 0 || !ai) {
        j->result = PROBE_FAILURE;
        j->msg = xasprintf("dial tcp %s:%d: %s", j->host, j->port, gai_strerror(grc));
        return;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int err = fd < 0 ? errno : 0;
    if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        err = errno;
        if (err == EINPROGRESS) {
            struct pollfd pfd = {.fd = fd, .events = POLLOUT};
            int n = poll(&pfd, 1, (int)j->timeout_ms);
            socklen_t len = sizeof(err);
            if (n == 0)
                err = ETIMEDOUT;
            else if (n < 0)
                err = errno;
            else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
                err = errno;
        }
    }
    if (fd >= 0)
        close(fd);
    freeaddrinfo(ai);
    j->result = err ? PROBE_FAILURE : PROBE_SUCCESS;
    j->msg = err ? xasprintf("dial tcp %s:%d: %s", j->host, j->port, strerror(err))
                 : xasprintf("tcp %s:%d open", j->host, j->port);
}

static void work(uv_work_t *w)
{
    job_t *j = w->data;
    if (j->handler == PROBE_HANDLER_HTTP)
        run_http(j);
    else if (j->handler == PROBE_HANDLER_GRPC)
        run_grpc(j);
    else
        run_tcp(j);
}

static void after(uv_work_t *w, int status)
{
    job_t *j = w->data;
    if (status != 0) {
        j->result = PROBE_UNKNOWN;
        free(j->msg);
        j->msg = xstrdup("probe cancelled");
    }
    j->cb(j->result, j->msg ? j->msg : "", j->data);
    curl_slist_free_all(j->headers);
    free(j->url);
    free(j->host);
    free(j->service);
    free(j->msg);
    free(j);
}

static int add_headers(job_t *j, const json_t *action, c8s_err_t *err)
{
    bool ua = false, accept = false;
    json_t *h;
    size_t i;
    json_array_foreach(json_object_get(action, "httpHeaders"), i, h)
    {
        const char *name = json_string_value(json_object_get(h, "name"));
        const char *value = json_string_value(json_object_get(h, "value"));
        if (!name || !*name || strpbrk(name, ":\r\n") || (value && strpbrk(value, "\r\n")))
            return c8s_err_set(err, C8S_EINVALID, "invalid httpHeaders[%zu]", i);
        ua = ua || strcasecmp(name, "User-Agent") == 0;
        accept = accept || strcasecmp(name, "Accept") == 0;
        /* "Name;" is curl's spelling of a header sent with an empty value. */
        cleanup_free char *line =
            value && *value ? xasprintf("%s: %s", name, value) : xasprintf("%s;", name);
        struct curl_slist *n = curl_slist_append(j->headers, line);
        if (!n)
            return c8s_err_set(err, C8S_EINTERNAL, "curl_slist_append failed");
        j->headers = n;
    }
    const char *defaults[2] = {ua ? NULL
                                  : "User-Agent: kube-probe/" C8S_KUBE_MAJOR "." C8S_KUBE_MINOR,
                               accept ? NULL : "Accept: */*"};
    for (int d = 0; d < 2; d++) {
        if (!defaults[d])
            continue;
        struct curl_slist *n = curl_slist_append(j->headers, defaults[d]);
        if (!n)
            return c8s_err_set(err, C8S_EINTERNAL, "curl_slist_append failed");
        j->headers = n;
    }
    return 0;
}

int probe_net_run(uv_loop_t *loop, const json_t *probe, const probe_spec_t *spec,
                  const json_t *container, const char *pod_ip, probe_done_cb cb, void *data,
                  c8s_err_t *err)
{
    job_t *j = xcalloc(1, sizeof(*j));
    j->handler = spec->handler;
    j->timeout_ms = spec->timeout_ms ? spec->timeout_ms : 1000;
    j->cb = cb;
    j->data = data;
    j->work.data = j;
    int rc = 0;
    if (spec->handler == PROBE_HANDLER_HTTP) {
        pthread_once(&curl_once, curl_init_once);
        if (curl_rc != CURLE_OK) {
            rc = c8s_err_set(err, C8S_EINTERNAL, "curl_global_init: %s",
                             curl_easy_strerror(curl_rc));
        } else {
            const json_t *a = json_object_get(probe, "httpGet");
            rc = probe_http_url(a, container, pod_ip, &j->url, err);
            if (rc == 0)
                rc = add_headers(j, a, err);
        }
    } else if (spec->handler == PROBE_HANDLER_TCP) {
        const json_t *a = json_object_get(probe, "tcpSocket");
        const char *host = json_string_value(json_object_get(a, "host"));
        if (!host || !*host)
            host = pod_ip;
        if (!host || !*host)
            rc = c8s_err_set(err, C8S_EINVALID, "no host and no pod IP to probe");
        else
            rc = probe_resolve_port(json_object_get(a, "port"), container, &j->port, err);
        if (rc == 0)
            j->host = xstrdup(host);
    } else if (spec->handler == PROBE_HANDLER_GRPC) {
        pthread_once(&curl_once, curl_init_once);
        const json_t *a = json_object_get(probe, "grpc");
        const json_t *port = json_object_get(a, "port");
        if (curl_rc != CURLE_OK)
            rc = c8s_err_set(err, C8S_EINTERNAL, "curl_global_init: %s",
                             curl_easy_strerror(curl_rc));
        else if (!pod_ip || !*pod_ip)
            rc = c8s_err_set(err, C8S_EINVALID, "no pod IP to probe");
        else if (!json_is_integer(port) || json_integer_value(port) < 1 ||
                 json_integer_value(port) > 65535)
            rc = c8s_err_set(err, C8S_EINVALID, "grpc probe port must be a number in 1-65535");
        if (rc == 0) {
            j->host = xstrdup(pod_ip);
            j->port = (int)json_integer_value(port);
            const char *svc = json_string_value(json_object_get(a, "service"));
            j->service = svc ? xstrdup(svc) : NULL;
        }
    } else {
        rc = c8s_err_set(err, C8S_EINVALID,
                         "probe_net_run runs httpGet, tcpSocket and grpc probes only");
    }
    if (rc == 0) {
        int uv = uv_queue_work(loop, &j->work, work, after);
        if (uv != 0)
            rc = c8s_err_set(err, C8S_EINTERNAL, "uv_queue_work: %s", uv_strerror(uv));
    }
    if (rc != 0) {
        curl_slist_free_all(j->headers);
        free(j->url);
        free(j->host);
        free(j->service);
        free(j);
    }
    return rc;
}
