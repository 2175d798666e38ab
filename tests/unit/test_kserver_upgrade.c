/* test_kserver_upgrade.c — the pure parts of taking a connection over (src/kubelet/
 * server_upgrade.c): tokens of upgrade headers, case-sensitive or not; the client's websocket
 * frames taken one at a time out of what arrived — a partial frame waits, an unmasked or
 * oversized one is an error, a whole one comes unmasked with the bytes to drop. */
#include "../../src/kubelet/server_int.h"
#include "test.h"

#include <string.h>

static void tokens(void)
{
    const char *l = "v4.channel.k8s.io, v5.channel.k8s.io,SPDY/3.1+portforward.k8s.io";
    size_t n = strlen(l);
    CHECK(kserver_token_in(l, n, "v5.channel.k8s.io", false));
    CHECK(kserver_token_in(l, n, "SPDY/3.1+portforward.k8s.io", false));
    CHECK(!kserver_token_in(l, n, "V5.CHANNEL.K8S.IO", false));
    CHECK(kserver_token_in(l, n, "V5.CHANNEL.K8S.IO", true));
    CHECK(!kserver_token_in(l, n, "v5.channel", true));
    CHECK(!kserver_token_in(l, 8, "v4.channel.k8s.io", false)); /* only len bytes count */
    CHECK(!kserver_token_in(NULL, 0, "x", true));
    CHECK(!kserver_token_in("", 0, "x", true));
}

/* A masked client frame with payload p (n bytes) appended to b. */
static void client_frame(strbuf_t *b, uint8_t op, const char *p, size_t n, bool masked)
{
    static const uint8_t mask[4] = {1, 2, 3, 4};
    uint8_t h[WSFRAME_HEADER_MAX];
    size_t hl = wsframe_header(h, true, op, masked ? mask : NULL, n);
    strbuf_addn(b, (const char *)h, hl);
    size_t at = b->len;
    strbuf_addn(b, p, n);
    if (masked)
        wsframe_unmask((uint8_t *)b->s + at, n, mask, 0);
}

static void frames(void)
{
    strbuf_t rx = STRBUF_INIT;
    client_frame(&rx, WSFRAME_BINARY, "\x00hello", 6, true);
    client_frame(&rx, WSFRAME_PING, "p", 1, true);
    size_t whole = rx.len;
    wsframe_t f;
    uint8_t *pl = NULL;
    size_t used = 0;
    /* Every prefix of the first frame waits. */
    for (size_t k = 0; k < 12; k++) {
        strbuf_t part = STRBUF_INIT;
        strbuf_addn(&part, rx.s, k);
        CHECK_INT(kserver_ws_next(&part, "test", 1024, &f, &pl, &used), 0);
        strbuf_free(&part);
    }
    CHECK_INT(kserver_ws_next(&rx, "test", 1024, &f, &pl, &used), 1);
    CHECK_INT(f.opcode, WSFRAME_BINARY);
    CHECK_INT(f.payload_len, 6);
    CHECK(pl && memcmp(pl, "\x00hello", 6) == 0);
    CHECK_INT(used, 12);
    kserver_consume(&rx, used);
    CHECK_INT(rx.len, whole - 12);
    CHECK_INT(kserver_ws_next(&rx, "test", 1024, &f, &pl, &used), 1);
    CHECK_INT(f.opcode, WSFRAME_PING);
    CHECK(pl && pl[0] == 'p');
    kserver_consume(&rx, used);
    CHECK_INT(rx.len, 0);
    CHECK_INT(kserver_ws_next(&rx, "test", 1024, &f, &pl, &used), 0);
    kserver_consume(&rx, 0);

    strbuf_t bad = STRBUF_INIT;
    client_frame(&bad, WSFRAME_BINARY, "abc", 3, false);
    CHECK_INT(kserver_ws_next(&bad, "test", 1024, &f, &pl, &used), -1); /* unmasked */
    strbuf_free(&bad);
    client_frame(&bad, WSFRAME_BINARY, "abcdef", 6, true);
    CHECK_INT(kserver_ws_next(&bad, "test", 5, &f, &pl, &used), -1); /* over max */
    strbuf_free(&bad);
    strbuf_addn(&bad, "\x8f\x80\x00\x00\x00\x00", 6); /* unknown opcode */
    CHECK_INT(kserver_ws_next(&bad, "test", 1024, &f, &pl, &used), -1);
    strbuf_free(&bad);
    strbuf_free(&rx);
}

int main(void)
{
    tokens();
    frames();
    TEST_END();
}
