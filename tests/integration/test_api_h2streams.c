/* test_api_h2streams.c — a client may run as many HTTP/2 streams on one connection as the API
 * server advertises (100, kube-apiserver's default): 100 watches opened at once over one TLS
 * connection all get their response headers while all stay open. Were the server to serve fewer
 * streams than it advertises, the surplus would wait behind watches that do not end, and this
 * would time out (docs/architecture.md, the watch streams). */
#include "harness.h"
#include "test.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#define STREAMS 100

static th_etcd_t etcd;
static th_server_t srv;

typedef struct {
    CURL *easy;
    bool ok; /* a 200 status line arrived */
} stream_t;

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
    stream_t *s = ud;
    size_t len = size * n;
    if (len >= 10 && strncmp(data, "HTTP/2 200", 10) == 0)
        s->ok = true;
    return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    (void)data;
    (void)ud;
    return size * n;
}

static void test_streams(void)
{
    char url[256];
    snprintf(url, sizeof url, "%s/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=300",
             srv.url);
    CURLM *m = curl_multi_init();
    REQUIRE_VOID(m);
    curl_multi_setopt(m, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    /* One connection only: every stream must fit on it. */
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, 1L);
    curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, 1L);
    static stream_t st[STREAMS];
    for (int i = 0; i < STREAMS; i++) {
        CURL *e = curl_easy_init();
        st[i] = (stream_t){.easy = e};
        curl_easy_setopt(e, CURLOPT_URL, url);
        th_curl_tls(e, url);
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
        curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, &st[i]);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_multi_add_handle(m, e);
    }
    /* Up to 240 s on a loaded machine: 100 TLS-less stream openings are quick, the handshake and
     * the server's first bytes under ASan may not be. */
    int open = 0, running = 0;
    for (int round = 0; round < 2400 && open < STREAMS; round++) {
        curl_multi_perform(m, &running);
        curl_multi_poll(m, NULL, 0, 100, NULL);
        open = 0;
        for (int i = 0; i < STREAMS; i++)
            open += st[i].ok;
        /* A stream that ended (an error, or the server closing it) will never count. */
        int left;
        CURLMsg *msg;
        while ((msg = curl_multi_info_read(m, &left)))
            if (msg->msg == CURLMSG_DONE)
                fprintf(stderr, "a stream ended: %s\n", curl_easy_strerror(msg->data.result));
    }
    CHECK_INT(open, STREAMS);
    CHECK_INT(running, STREAMS);
    long connects = 0;
    for (int i = 0; i < STREAMS; i++) {
        long n = 0, ver = 0;
        curl_easy_getinfo(st[i].easy, CURLINFO_NUM_CONNECTS, &n);
        curl_easy_getinfo(st[i].easy, CURLINFO_HTTP_VERSION, &ver);
        connects += n;
        if (st[i].ok)
            CHECK_INT(ver, CURL_HTTP_VERSION_2_0);
    }
    CHECK_INT(connects, 1);
    for (int i = 0; i < STREAMS; i++) {
        curl_multi_remove_handle(m, st[i].easy);
        curl_easy_cleanup(st[i].easy);
    }
    curl_multi_cleanup(m);
}

int main(void)
{
    REQUIRE(th_etcd_start(&etcd) == 0);
    const char *const args[] = {"--disable-scheduler", "--disable-controller-manager", NULL};
    if (th_server_start(&srv, etcd.url, args) != 0) {
        th_server_stop(&srv);
        th_etcd_stop(&etcd);
        REQUIRE(!"server started");
    }
    test_streams();
    CHECK_INT(th_server_stop(&srv), 0);
    th_etcd_stop(&etcd);
    TEST_END();
}
