/* test_crilog.c — CRI log records parse (streams, P/F tags, empty text) or are refused, and
 * tail selection counts logical lines (P records join the next), including a record being
 * written and malformed records. */
#include "c8s/crilog.h"
#include "test.h"

#include <string.h>

static void parse_ok(void)
{
    const char *l = "2026-11-23T07:00:00.123456789Z stderr P hello world\n";
    crilog_record_t r;
    c8s_err_t err = C8S_ERR_INIT;
    CHECK_INT(crilog_parse(l, strlen(l), &r, &err), 0);
    CHECK_INT(r.ts_len, strlen("2026-11-23T07:00:00.123456789Z"));
    CHECK(r.is_stderr);
    CHECK(r.partial);
    CHECK_INT(r.text_len, strlen("hello world"));
    CHECK(memcmp(r.text, "hello world", r.text_len) == 0);

    const char *e = "2026-11-23T07:00:00Z stdout F";
    CHECK_INT(crilog_parse(e, strlen(e), &r, &err), 0);
    CHECK(!r.is_stderr);
    CHECK(!r.partial);
    CHECK_INT(r.text_len, 0);
}

static void parse_bad(void)
{
    const char *bad[] = {
        "",          "nospace", " stdout F x", "ts stdin F x", "ts stdout X x", "ts stdout Fx",
        "ts stdout "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        crilog_record_t r;
        c8s_err_t err = C8S_ERR_INIT;
        CHECK_MSG(crilog_parse(bad[i], strlen(bad[i]), &r, &err) == C8S_EBADREQUEST, "%s", bad[i]);
        c8s_err_clear(&err);
    }
}

static void tail(void)
{
    const char *buf = "t stdout F one\n"
                      "t stdout P tw\n"
                      "t stdout F o\n"
                      "t stderr F three\n";
    size_t len = strlen(buf);
    size_t two = strlen("t stdout F one\n");
    size_t three = two + strlen("t stdout P tw\nt stdout F o\n");
    CHECK_INT(crilog_tail_offset(buf, len, -1), 0);
    CHECK_INT(crilog_tail_offset(buf, len, 0), len);
    CHECK_INT(crilog_tail_offset(buf, len, 1), three);
    CHECK_INT(crilog_tail_offset(buf, len, 2), two);
    CHECK_INT(crilog_tail_offset(buf, len, 3), 0);
    CHECK_INT(crilog_tail_offset(buf, len, 10), 0);
    CHECK_INT(crilog_tail_offset("", 0, 5), 0);

    /* A record still being written (no newline) is the last line; garbage counts as a line. */
    const char *w = "t stdout F a\ngarbage\nt stdout F b";
    CHECK_INT(crilog_tail_offset(w, strlen(w), 1), strlen("t stdout F a\ngarbage\n"));
    CHECK_INT(crilog_tail_offset(w, strlen(w), 2), strlen("t stdout F a\n"));
}

int main(void)
{
    parse_ok();
    parse_bad();
    tail();
    TEST_END();
}
