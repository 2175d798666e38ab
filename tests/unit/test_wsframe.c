/* test_wsframe.c — websocket frame headers round-trip at every length encoding, masked and
 * not; partial headers ask for more; protocol errors are refused; RFC 6455's own examples
 * parse; unmasking works in pieces. */
#include "c8s/wsframe.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static void roundtrip(void)
{
    const uint64_t lens[] = {0, 1, 125, 126, 65535, 65536, 1ull << 40};
    const uint8_t mask[4] = {0x37, 0xfa, 0x21, 0x3d};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        for (int m = 0; m < 2; m++) {
            uint8_t h[WSFRAME_HEADER_MAX];
            size_t n = wsframe_header(h, true, WSFRAME_BINARY, m ? mask : NULL, lens[i]);
            /* Every prefix is "need more". */
            for (size_t k = 0; k < n; k++) {
                wsframe_t f;
                c8s_err_t err = C8S_ERR_INIT;
                CHECK_INT(wsframe_parse(h, k, &f, &err), 0);
            }
            wsframe_t f;
            c8s_err_t err = C8S_ERR_INIT;
            CHECK_INT(wsframe_parse(h, n, &f, &err), (long long)n);
            CHECK(f.fin);
            CHECK_INT(f.opcode, WSFRAME_BINARY);
            CHECK_INT(f.masked, m);
            CHECK(f.payload_len == lens[i]);
            if (m)
                CHECK(memcmp(f.mask, mask, 4) == 0);
        }
    }
}

static void rfc_examples(void)
{
    /* RFC 6455 5.7: a masked "Hello" from a client. */
    uint8_t fr[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    wsframe_t f;
    c8s_err_t err = C8S_ERR_INIT;
    CHECK_INT(wsframe_parse(fr, sizeof fr, &f, &err), 6);
    CHECK_INT(f.opcode, WSFRAME_TEXT);
    CHECK(f.payload_len == 5);
    /* Unmask in two pieces. */
    wsframe_unmask(fr + 6, 2, f.mask, 0);
    wsframe_unmask(fr + 8, 3, f.mask, 2);
    CHECK(memcmp(fr + 6, "Hello", 5) == 0);

    /* An unmasked fragmented text "Hel" + "lo". */
    uint8_t a[] = {0x01, 0x03, 'H', 'e', 'l'};
    CHECK_INT(wsframe_parse(a, sizeof a, &f, &err), 2);
    CHECK(!f.fin);
    uint8_t b[] = {0x80, 0x02, 'l', 'o'};
    CHECK_INT(wsframe_parse(b, sizeof b, &f, &err), 2);
    CHECK(f.fin);
    CHECK_INT(f.opcode, WSFRAME_CONT);
}

static void errors(void)
{
    const uint8_t bad[][10] = {
        {0xc2, 0x00},                            /* RSV1 */
        {0x83, 0x00},                            /* reserved opcode */
        {0x09, 0x00},                            /* fragmented ping */
        {0x88, 0x7e, 0x00, 0x7e},                /* 126-byte close */
        {0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0}, /* 64-bit length, top bit */
    };
    const size_t lens[] = {2, 2, 2, 4, 10};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        wsframe_t f;
        c8s_err_t err = C8S_ERR_INIT;
        CHECK_MSG(wsframe_parse(bad[i], lens[i], &f, &err) == C8S_EBADREQUEST, "case %zu", i);
        c8s_err_clear(&err);
    }
}

/* The error channel's Status: built as the kubelet sends it, read back as a client reads it. */
static void exec_status(void)
{
    for (int code = 0; code < 256; code += 51) {
        char *m = wsframe_exec_status(code, "sh -c exit");
        int got = -1;
        c8s_err_t err = C8S_ERR_INIT;
        CHECK_INT(wsframe_exec_exit_code(m, strlen(m), &got, &err), 0);
        CHECK_INT(got, code);
        if (code)
            CHECK(strstr(m, "\"reason\":\"NonZeroExitCode\"") &&
                  strstr(m, "command terminated with non-zero exit code"));
        free(m);
    }
    /* Upstream's own form, and failures that carry no exit code. */
    const char *up = "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"x\",\"reason\":"
                     "\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\","
                     "\"message\":\"42\"}]}}";
    int got = 0;
    c8s_err_t err = C8S_ERR_INIT;
    CHECK_INT(wsframe_exec_exit_code(up, strlen(up), &got, &err), 0);
    CHECK_INT(got, 42);
    const char *bad[] = {"{\"status\":\"Failure\",\"message\":\"container not found\"}", "not json",
                         "{\"reason\":\"NonZeroExitCode\",\"details\":{\"causes\":"
                         "[{\"reason\":\"ExitCode\",\"message\":\"x\"}]}}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_MSG(wsframe_exec_exit_code(bad[i], strlen(bad[i]), &got, &err) == C8S_EBADREQUEST,
                  "case %zu", i);
        c8s_err_clear(&err);
    }
    CHECK(wsframe_exec_exit_code(bad[0], strlen(bad[0]), &got, &err) != 0 &&
          strcmp(err.msg, "container not found") == 0);
    c8s_err_clear(&err);
}

int main(void)
{
    roundtrip();
    exec_status();
    rfc_examples();
    errors();
    TEST_END();
}
