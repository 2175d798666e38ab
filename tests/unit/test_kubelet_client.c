/* test_kubelet_client.c — the kubelet client's response-head parser: the status and the header
 * lines of whole heads, "need more" for every prefix, and refusals of what is not HTTP. */
#include "c8s/kubelet_client.h"
#include "test.h"

#include <string.h>

static void whole(void)
{
    const char *h = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                    "Sec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\nrest";
    size_t len = strlen(h);
    for (size_t k = 0; k < len - 4; k++) {
        int st = 0;
        size_t off = 0, hl = 0;
        c8s_err_t err = C8S_ERR_INIT;
        CHECK_MSG(kubelet_parse_head(h, k, &st, &off, &hl, &err) == 0, "prefix %zu", k);
    }
    int st = 0;
    size_t off = 0, hl = 0;
    c8s_err_t err = C8S_ERR_INIT;
    int n = kubelet_parse_head(h, len, &st, &off, &hl, &err);
    CHECK_INT(n, (long long)(len - 4));
    CHECK_INT(st, 101);
    CHECK(strncmp(h + off, "Upgrade: websocket\r\n", 20) == 0);
    CHECK_INT(hl, (long long)strlen("Upgrade: websocket\r\nSec-WebSocket-Protocol: "
                                    "v5.channel.k8s.io\r\n"));

    /* No header lines at all, and a status line without a reason (HTTP/1.0 style). */
    const char *bare = "HTTP/1.0 404\r\n\r\n";
    n = kubelet_parse_head(bare, strlen(bare), &st, &off, &hl, &err);
    CHECK_INT(n, (long long)strlen(bare));
    CHECK_INT(st, 404);
    CHECK_INT(hl, 0);
}

static void refused(void)
{
    const char *bad[] = {
        "SSH-2.0-OpenSSH\r\n\r\n",
        "HTTP/1.1 2x0 OK\r\n\r\n",
        "HTTP/1.1\r\n\r\n",
        "HTTP/1.1 2000 OK\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int st = 0;
        size_t off = 0, hl = 0;
        c8s_err_t err = C8S_ERR_INIT;
        CHECK_MSG(kubelet_parse_head(bad[i], strlen(bad[i]), &st, &off, &hl, &err) ==
                      C8S_EBADREQUEST,
                  "case %zu", i);
        c8s_err_clear(&err);
    }
}

int main(void)
{
    whole();
    refused();
    TEST_END();
}
