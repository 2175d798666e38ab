/* test_kserver_upgrade.c — the pure parts of taking a connection over (src/kubelet/
 * server_upgrade.c): tokens of upgrade headers, case-sensitive or not; the client's websocket
 * frames taken one at a time out of what arrived — a partial frame waits, an unmasked or
 * oversized one is an error, a whole one comes unmasked with the bytes to drop; the lines of a
 * SPDY resize stream, however its bytes are cut; a port-forward query's ports. */
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

/* Go's json.Encoder writes one value and a newline per size; DATA frames cut them anywhere. */
static void json_lines(void)
{
    static const char all[] = "{\"Width\":80,\"Height\":24}\n{\"Width\":100,\"Height\":30}\n";
    for (size_t cut = 0; cut <= sizeof(all) - 1; cut++) {
        strbuf_t b = STRBUF_INIT;
        strbuf_addn(&b, all, cut);
        const char *line = NULL;
        size_t len = 0, used;
        int seen = 0;
        for (int round = 0; round < 2; round++) {
            while ((used = kserver_json_line(&b, &line, &len)) > 0) {
                CHECK_INT(used, len + 1);
                CHECK(line[len] == '\n' && memchr(line, '\n', len) == NULL);
                CHECK(strncmp(line, seen == 0 ? "{\"Width\":80," : "{\"Width\":100,", 12) == 0);
                seen++;
                kserver_consume(&b, used);
            }
            if (round == 0)
                strbuf_addn(&b, all + cut, sizeof(all) - 1 - cut);
        }
        CHECK_INT(seen, 2);
        CHECK_INT(b.len, 0);
        strbuf_free(&b);
    }
    strbuf_t empty = STRBUF_INIT;
    const char *line;
    size_t len;
    CHECK_INT(kserver_json_line(&empty, &line, &len), 0);
    strbuf_addn(&empty, "no newline", 10);
    CHECK_INT(kserver_json_line(&empty, &line, &len), 0);
    strbuf_free(&empty);
}

static int ports_of(const char *q, int *out, size_t max)
{
    c8s_err_t err = C8S_ERR_INIT;
    int n = kserver_query_ports(q, q ? strlen(q) : 0, out, max, &err);
    CHECK(n > 0 ? err.code == 0 : err.code == C8S_EBADREQUEST && err.msg && *err.msg);
    c8s_err_clear(&err);
    return n;
}

static void query_ports(void)
{
    int p[8] = {0};
    CHECK_INT(ports_of("ports=80", p, 8), 1);
    CHECK_INT(p[0], 80);
    CHECK_INT(ports_of("tty=1&ports=80,8080&x=y&port=1%2C65535", p, 8), 4);
    CHECK(p[0] == 80 && p[1] == 8080 && p[2] == 1 && p[3] == 65535);
    CHECK_INT(ports_of("port=443&port=22", p, 8), 2);
    CHECK(p[0] == 443 && p[1] == 22);
    CHECK_INT(ports_of("portsx=1&xports=2", p, 8), C8S_EBADREQUEST); /* none */
    CHECK_INT(ports_of(NULL, p, 8), C8S_EBADREQUEST);
    CHECK_INT(ports_of("", p, 8), C8S_EBADREQUEST);
    CHECK_INT(ports_of("ports=", p, 8), C8S_EBADREQUEST);
    CHECK_INT(ports_of("ports=0", p, 8), C8S_EBADREQUEST);
    CHECK_INT(ports_of("ports=65536", p, 8), C8S_EBADREQUEST);
    CHECK_INT(ports_of("ports=99999999999999999999", p, 8), C8S_EBADREQUEST);
    CHECK_INT(ports_of("ports=80,", p, 8), C8S_EBADREQUEST);
    CHECK_INT(ports_of("ports=,80", p, 8), C8S_EBADREQUEST);
    CHECK_INT(ports_of("ports=8a", p, 8), C8S_EBADREQUEST);
    CHECK_INT(ports_of("ports=-1", p, 8), C8S_EBADREQUEST);
    CHECK_INT(ports_of("ports=1,2,3", p, 2), C8S_EBADREQUEST); /* over max */
}

int main(void)
{
    tokens();
    frames();
    json_lines();
    query_ports();
    TEST_END();
}
