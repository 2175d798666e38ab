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
    char *host;                 /* tcpSocket */
    int port;                   /* tcpSocket */
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
    } else {
        rc = c8s_err_set(err, C8S_EINVALID, "probe_net_run runs httpGet and tcpSocket probes only");
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
        free(j);
    }
    return rc;
}
