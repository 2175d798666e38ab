/* test_bad_input.c — hostile and broken requests over HTTP, hundreds of them: malformed, wrongly
 * typed, deeply nested, oversized and invalid-UTF-8 bodies for every kind, YAML bombs, path
 * traversal in names, huge label sets, bad content types, header floods, very long URLs,
 * garbage request lines, truncated and slow requests. Every answer must be a 4xx (a dropped
 * connection counts for protocol garbage, as upstream's Go server does), never a 5xx; and the
 * server must still serve afterwards and stop cleanly (no leak, no crash under ASan). */
#include "c8s/kinds.h"
#include "c8s/strbuf.h"
#include "harness.h"
#include "test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static th_server_t srv;
static int cases, fours;

/* One HTTP request through libcurl; a 4xx is what is wanted. */
static void expect_4xx(const char *what, const char *method, const char *path, const char *ct,
                       const char *body)
{
    char url[8192];
    snprintf(url, sizeof(url), "%s%s", srv.url, path);
    th_resp_t r = {0};
    int rc = th_http(method, url, ct, body, &r);
    cases++;
    bool ok = rc == 0 && r.status >= 400 && r.status < 500;
    fours += ok;
    CHECK_MSG(ok, "%s: %s %s → %ld %.200s", what, method, path, rc == 0 ? r.status : -1L,
              r.body ? r.body : "");
    th_resp_free(&r);
}

/* Raw bytes inside TLS on a fresh connection; returns the status of the answer, or 0 when the
 * server closed without one, -1 when it did neither within timeout_ms. */
static int raw(const char *bytes, size_t len, int timeout_ms)
{
    th_watch_t c;
    if (th_conn_open(&c, srv.port, NULL) != 0) {
        th_watch_close(&c);
        return -2;
    }
    /* Fewer bytes sent is fine: the server may close early on garbage. */
    th_conn_write(&c, bytes, len);
    char buf[512];
    int status = -1;
    ssize_t n = th_conn_read(&c, buf, sizeof(buf) - 1, timeout_ms);
    if (n < 0) {
        status = 0;
    } else if (n > 0) {
        buf[n] = '\0';
        if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
            status = 0;
    }
    th_watch_close(&c);
    return status;
}

/* Plain bytes where a TLS handshake is due: the server must drop the connection, not answer. */
static void expect_no_plaintext(const char *what, const char *bytes)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)srv.port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    cases++;
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        CHECK_MSG(false, "%s: connect failed", what);
        return;
    }
    send(fd, bytes, strlen(bytes), MSG_NOSIGNAL);
    char buf[512];
    struct pollfd p = {fd, POLLIN, 0};
    ssize_t n = poll(&p, 1, 5000) > 0 ? recv(fd, buf, sizeof(buf) - 1, 0) : -1;
    close(fd);
    /* Closed (0), or a TLS alert record (content type 21): never an HTTP answer. */
    bool ok = n == 0 || (n > 0 && buf[0] == 21) || (n < 0 && errno == ECONNRESET);
    fours += ok;
    CHECK_MSG(ok, "%s: plaintext on the TLS port got %zd bytes back", what, n);
}

static void expect_raw(const char *what, const char *bytes, size_t len)
{
    int st = raw(bytes, len, 5000);
    cases++;
    bool ok = st == 0 || (st >= 400 && st < 500);
    fours += ok;
    CHECK_MSG(ok, "%s: raw request answered %d", what, st);
}

static char *repeat(const char *unit, size_t n, const char *head, const char *tail)
{
    size_t u = strlen(unit), h = strlen(head), t = strlen(tail);
    char *s = xmalloc(h + u * n + t + 1);
    memcpy(s, head, h);
    for (size_t i = 0; i < n; i++)
        memcpy(s + h + i * u, unit, u);
    memcpy(s + h + u * n, tail, t + 1);
    return s;
}

/* Broken bodies for every kind that can be created in a namespace or the cluster. */
static void bodies_for_every_kind(void)
{
    static const char *const bad[] = {
        "",
        "{",
        "}",
        "[]",
        "\"str\"",
        "42",
        "null",
        "{\"metadata\":5}",
        "{\"metadata\":{\"name\":5}}",
        "{\"metadata\":{\"name\":\"\"}}",
        "{\"metadata\":{\"name\":\"../../etc/passwd\"}}",
        "{\"metadata\":{\"name\":\"a/b\"}}",
        "{\"metadata\":{\"name\":\"UPPER\"}}",
        "{\"metadata\":{\"name\":\"x\",\"labels\":{\"bad key!\":\"v\"}}}",
        "{\"metadata\":{\"name\":\"x\",\"labels\":[1,2]}}",
        "{\"metadata\":{\"name\":\"x\",\"namespace\":\"other\"},\"kind\":\"Nope\"}",
        "{\"apiVersion\":\"v9\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\"}}",
        "{\"metadata\":{\"name\":\"x\"},\"spec\":{\"replicas\":-1}}",
        "{\"metadata\":{\"name\":\"x\"},\"spec\":{\"replicas\":1e400}}",
        "{\"metadata\":{\"name\":\"x\",\"name\":\"y\"}}",
        "{\"metadata\":{\"name\":\"\xff\xfe\"}}",
        "{\"metadata\":{\"name\":\"x\"}} trailing",
    };
    for (size_t k = 0; k < api_kinds_count(); k++) {
        const api_kind_t *kind = api_kind_at(k);
        char path[512];
        const char *base = *kind->group ? "/apis/" : "/api";
        char gv[128];
        if (*kind->group)
            snprintf(gv, sizeof(gv), "%s%s/%s", base, kind->group, kind->version);
        else
            snprintf(gv, sizeof(gv), "%s/%s", base, kind->version);
        if (kind->namespaced)
            snprintf(path, sizeof(path), "%s/namespaces/default/%s", gv, kind->resource);
        else
            snprintf(path, sizeof(path), "%s/%s", gv, kind->resource);
        /* Not yet: a wrong type deep in an object is refused only where validation looks
         * (`"spec": "nope"` passes for kinds without spec checks); typed decoding needs the
         * schema (docs/reliability.md). */
        /* Create-only kinds (access reviews) are questions, never stored: upstream ignores
         * their metadata, and a SelfSubjectRulesReview has nothing to refuse. */
        if (!api_kind_stored(kind))
            continue;
        for (size_t i = 0; i < C8S_ARRAY_SIZE(bad); i++) {
            /* RBAC names only need to be path segments: "UPPER" is a valid Role name. */
            if (strncmp(kind->group, "rbac.", 5) == 0 && strstr(bad[i], "UPPER"))
                continue;
            /* A review (TokenReview, SelfSubjectReview ...) is never stored: upstream does not
             * validate its name or labels, only their JSON types. */
            if (!api_kind_stored(kind) &&
                (strstr(bad[i], "\"name\":\"\"") || strstr(bad[i], "passwd") ||
                 strstr(bad[i], "a/b") || strstr(bad[i], "UPPER") || strstr(bad[i], "bad key!")))
                continue;
            /* spec.replicas means something only where there is a scale subresource; elsewhere
             * it is an unknown field, which upstream drops. */
            if (strstr(bad[i], "replicas") && !api_kind_has_subresource(kind, "scale"))
                continue;
            char what[160];
            snprintf(what, sizeof(what), "%s body #%zu", kind->resource, i);
            /* A duplicate field is refused only with fieldValidation=Strict (kubectl's default);
             * the server's own default, Warn, takes the last value with a warning, as upstream. */
            char strict[600];
            snprintf(strict, sizeof(strict), "%s?fieldValidation=Strict", path);
            bool dup = strstr(bad[i], "\"name\":\"x\",\"name\"") != NULL;
            expect_4xx(what, "POST", dup ? strict : path, "application/json", bad[i]);
        }
    }
}

static void bodies_in_depth(void)
{
    const char *cm = "/api/v1/namespaces/default/configmaps";
    cleanup_free char *deep = repeat("[", 100000, "{\"metadata\":{\"name\":\"d\"},\"data\":", "");
    expect_4xx("100k nested arrays", "POST", cm, "application/json", deep);
    cleanup_free char *deep_obj = repeat("{\"a\":", 5000, "", "1");
    expect_4xx("5k nested objects, unterminated", "POST", cm, "application/json", deep_obj);
    /* Over the 3 MiB body limit. */
    cleanup_free char *huge =
        repeat("x", 4u << 20, "{\"metadata\":{\"name\":\"h\"},\"data\":{\"a\":\"", "\"}}");
    expect_4xx("4 MiB body", "POST", cm, "application/json", huge);
    /* 20,000 labels: valid JSON, invalid object (annotations/labels size limits). */
    strbuf_t lb = STRBUF_INIT;
    strbuf_add(&lb, "{\"metadata\":{\"name\":\"many\",\"annotations\":{");
    for (int i = 0; i < 20000; i++)
        strbuf_addf(&lb, "%s\"k%d\":\"%0100d\"", i ? "," : "", i, i);
    strbuf_add(&lb, "}}}");
    expect_4xx("annotations over 256 KiB", "POST", cm, "application/json", lb.s);
    strbuf_free(&lb);
    cleanup_free char *longname = repeat("a", 300, "{\"metadata\":{\"name\":\"", "\"}}");
    expect_4xx("300-character name", "POST", cm, "application/json", longname);

    /* YAML: a billion laughs, tags, broken documents. */
    const char *laughs = "a: &a [\"l\",\"l\",\"l\",\"l\",\"l\",\"l\",\"l\",\"l\",\"l\"]\n"
                         "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                         "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                         "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                         "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
                         "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
                         "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
                         "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
                         "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
                         "metadata: {name: lol}\ndata: {x: *i}\n";
    expect_4xx("billion laughs", "POST", cm, "application/yaml", laughs);
    expect_4xx("yaml: unknown alias", "POST", cm, "application/yaml", "metadata: *nope\n");
    expect_4xx("yaml: tabs and garbage", "POST", cm, "application/yaml", "\t- : : ]\n");
    expect_4xx("yaml: binary tag", "POST", cm, "application/yaml",
               "metadata: {name: t}\ndata: !!binary AAAA\nspec: !!python/object:os.system x\n");
    cleanup_free char *ydeep = repeat("[", 20000, "metadata: {name: y}\ndata: ", "");
    expect_4xx("yaml: 20k nested flows", "POST", cm, "application/yaml", ydeep);

    /* Content types and patches. */
    expect_4xx("unknown content type", "POST", cm, "application/x-whatever", "{}");
    expect_4xx("protobuf garbage", "POST", cm, "application/vnd.kubernetes.protobuf",
               "k8s\x00\xff\xff\xff");
    expect_4xx("patch without a content type", "PATCH", "/api/v1/namespaces/default", NULL, "{}");
    expect_4xx("json patch not a list", "PATCH", "/api/v1/namespaces/default",
               "application/json-patch+json", "{\"op\":\"add\"}");
    expect_4xx("json patch bad op", "PATCH", "/api/v1/namespaces/default",
               "application/json-patch+json", "[{\"op\":\"explode\",\"path\":\"/x\"}]");
    expect_4xx("json patch bad pointer", "PATCH", "/api/v1/namespaces/default",
               "application/json-patch+json",
               "[{\"op\":\"replace\",\"path\":\"/metadata/~9/x\",\"value\":1}]");
    expect_4xx("strategic patch with unknown directive", "PATCH", "/api/v1/namespaces/default",
               "application/strategic-merge-patch+json", "{\"$patch\":\"explode\"}");
    expect_4xx("merge patch changing the name", "PATCH", "/api/v1/namespaces/default",
               "application/merge-patch+json", "{\"metadata\":{\"name\":\"other\"}}");

    /* Names, paths and queries. */
    expect_4xx("traversal in the path", "GET", "/api/v1/namespaces/default/configmaps/..%2F..%2Fx",
               NULL, NULL);
    expect_4xx("unknown resource", "GET", "/api/v1/namespaces/default/nothings", NULL, NULL);
    expect_4xx("unknown group", "GET", "/apis/nope.example/v1/things", NULL, NULL);
    expect_4xx("bad label selector", "GET", "/api/v1/pods?labelSelector=a%20in%20(", NULL, NULL);
    expect_4xx("bad field selector", "GET", "/api/v1/pods?fieldSelector=spec.nope%3Dx", NULL, NULL);
    expect_4xx("bad limit", "GET", "/api/v1/pods?limit=-5x", NULL, NULL);
    expect_4xx("bad continue token", "GET", "/api/v1/pods?limit=1&continue=garbage%21", NULL, NULL);
    expect_4xx("bad resourceVersion", "GET", "/api/v1/pods?resourceVersion=abc&watch=true", NULL,
               NULL);
    expect_4xx("bad timeoutSeconds", "GET", "/api/v1/pods?watch=true&timeoutSeconds=x", NULL, NULL);
    expect_4xx("method not allowed", "PUT", "/api/v1/namespaces/default/configmaps",
               "application/json", "{}");
    expect_4xx("bad dryRun", "POST", "/api/v1/namespaces/default/configmaps?dryRun=Maybe",
               "application/json", "{\"metadata\":{\"name\":\"dr\"}}");
    expect_4xx("bad propagationPolicy", "DELETE",
               "/api/v1/namespaces/default/configmaps/x?propagationPolicy=Sideways", NULL, NULL);
    cleanup_free char *longpath = repeat("a", 60000, "/api/v1/namespaces/default/configmaps/", "");
    expect_4xx("60 kB URL", "GET", longpath, NULL, NULL);
}

static void protocol_garbage(void)
{
    static const char *const garbage[] = {
        "GARBAGE\r\n\r\n",
        "GET\r\n\r\n",
        "GET / HTTP/9.9\r\n\r\n",
        "GET /api HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        "POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nContent-Length: "
        "99999999999999999999\r\n\r\n{}",
        "POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
        "chunked\r\n\r\nzz\r\nnot hex\r\n0\r\n\r\n",
        "GET /api HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n",
        "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", /* a TLS hello inside TLS */
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00garbage",
    };
    for (size_t i = 0; i < C8S_ARRAY_SIZE(garbage); i++) {
        char what[64];
        snprintf(what, sizeof(what), "garbage #%zu", i);
        expect_raw(what, garbage[i], strlen(garbage[i]));
    }
    /* HTTP where the TLS handshake belongs (the text ones; the last two are binary). */
    for (size_t i = 0; i + 2 < C8S_ARRAY_SIZE(garbage); i++) {
        char what[64];
        snprintf(what, sizeof(what), "plaintext garbage #%zu", i);
        expect_no_plaintext(what, garbage[i]);
    }
    /* 20,000 headers. */
    strbuf_t h = STRBUF_INIT;
    strbuf_add(&h, "GET /api HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 20000; i++)
        strbuf_addf(&h, "X-Flood-%d: %d\r\n", i, i);
    strbuf_add(&h, "\r\n");
    expect_raw("header flood", h.s, h.len);
    strbuf_free(&h);
    /* One 1 MB header. */
    cleanup_free char *big =
        repeat("x", 1 << 20, "GET /api HTTP/1.1\r\nHost: x\r\nX-Big: ", "\r\n\r\n");
    expect_raw("1 MB header", big, strlen(big));
}

/* Slow clients: connections that send half a request and wait must not stop others. */
static void slowloris(void)
{
    /* Half of them stall before the TLS handshake, half inside TLS in the middle of a request. */
    th_watch_t c[64];
    for (int i = 0; i < 64; i++) {
        if (i < 32) {
            memset(&c[i], 0, sizeof(c[i]));
            c[i].fd = socket(AF_INET, SOCK_STREAM, 0);
            struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)srv.port)};
            inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
            if (connect(c[i].fd, (struct sockaddr *)&a, sizeof(a)) == 0)
                send(c[i].fd, "\x16\x03\x01", 3, MSG_NOSIGNAL);
        } else if (th_conn_open(&c[i], srv.port, NULL) == 0) {
            th_conn_write(&c[i], "GET /api HTTP/1.1\r\nHost: x\r\nX-Slow: ", 36);
        }
    }
    th_resp_t r = {0};
    char url[128];
    snprintf(url, sizeof(url), "%s/api/v1/namespaces/default", srv.url);
    uint64_t t0 = c8s_now_ns();
    CHECK_INT(th_http("GET", url, NULL, NULL, &r), 0);
    CHECK_INT(r.status, 200);
    th_resp_free(&r);
    /* Not a timing assertion: the request must simply be answered while 64 sit half-sent. */
    fprintf(stderr, "served beside 64 slow connections in %.1f ms\n",
            (double)(c8s_now_ns() - t0) / 1e6);
    for (int i = 0; i < 64; i++)
        th_watch_close(&c[i]);
}

int main(void)
{
    th_etcd_t etcd;
    REQUIRE(th_etcd_start(&etcd) == 0);
    static const char *const args[] = {"--disable-scheduler", "--disable-controller-manager", NULL};
    if (th_server_start(&srv, etcd.url, args) != 0) {
        th_etcd_stop(&etcd);
        REQUIRE(!"server started");
    }
    bodies_for_every_kind();
    bodies_in_depth();
    protocol_garbage();
    slowloris();

    /* Still serving, still consistent. */
    char url[128];
    snprintf(url, sizeof(url), "%s/readyz", srv.url);
    th_resp_t r = {0};
    CHECK_INT(th_http("GET", url, NULL, NULL, &r), 0);
    CHECK_INT(r.status, 200);
    th_resp_free(&r);
    snprintf(url, sizeof(url), "%s/api/v1/namespaces/default/configmaps", srv.url);
    CHECK_INT(th_http("POST", url, "application/json", "{\"metadata\":{\"name\":\"after\"}}", &r),
              0);
    CHECK_INT(r.status, 201);
    th_resp_free(&r);
    fprintf(stderr, "%d hostile requests, %d answered 4xx or dropped\n", cases, fours);
    CHECK(cases >= 300);
    CHECK_INT(th_server_stop(&srv), 0);
    th_etcd_stop(&etcd);
    TEST_END();
}
