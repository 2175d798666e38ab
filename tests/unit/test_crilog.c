/* test_crilog.c — CRI log records parse (streams, P/F tags, empty text) or are refused, and
 * tail selection counts logical lines (P records join the next), including a record being
 * written and malformed records. */
#include "c8s/crilog.h"
#include "c8s/strbuf.h"
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

static void times(void)
{
    int64_t t = 0;
    c8s_err_t err = C8S_ERR_INIT;
    CHECK_INT(crilog_parse_time("1970-01-01T00:00:01Z", 20, &t, &err), 0);
    CHECK_INT(t, 1000000000);
    const char *nano = "2026-11-23T07:00:00.123456789Z";
    CHECK_INT(crilog_parse_time(nano, strlen(nano), &t, &err), 0);
    CHECK_INT(t % 1000000000, 123456789);
    int64_t z = t;
    const char *off = "2026-11-23T08:30:00.123456789+01:30";
    CHECK_INT(crilog_parse_time(off, strlen(off), &t, &err), 0);
    CHECK_INT(t, z);
    const char *bad[] = {"2026-11-23 07:00:00Z", "2026-11-23T07:00:00", "2026-13-01T00:00:00Z",
                         "2026-11-23T07:00:00Zx", "yesterday"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_MSG(crilog_parse_time(bad[i], strlen(bad[i]), &t, &err) == C8S_EBADREQUEST,
                  "case %zu", i);
        c8s_err_clear(&err);
    }
}

static const char *const *q_pairs;
static const char *q_get(const char *name, void *data)
{
    (void)data;
    for (size_t i = 0; q_pairs[i]; i += 2)
        if (strcmp(q_pairs[i], name) == 0)
            return q_pairs[i + 1];
    return NULL;
}

static void opts(void)
{
    crilog_opts_t o;
    c8s_err_t err = C8S_ERR_INIT;
    const char *none[] = {NULL};
    q_pairs = none;
    CHECK_INT(crilog_opts_parse(q_get, NULL, 0, &o, &err), 0);
    CHECK_INT(o.tail_lines, -1);
    CHECK(!o.follow && !o.previous && !o.timestamps && o.limit_bytes == 0 && o.since_ns == 0);
    const char *all[] = {"follow",       "true",      "previous", "1",          "timestamps",
                         "true",         "tailLines", "0",        "limitBytes", "10",
                         "sinceSeconds", "5",         NULL};
    q_pairs = all;
    CHECK_INT(crilog_opts_parse(q_get, NULL, 100000000000ll, &o, &err), 0);
    CHECK(o.follow && o.previous && o.timestamps);
    CHECK_INT(o.tail_lines, 0);
    CHECK_INT(o.limit_bytes, 10);
    CHECK_INT(o.since_ns, 95000000000ll);
    const char *st[] = {"sinceTime", "1970-01-01T00:00:02Z", NULL};
    q_pairs = st;
    CHECK_INT(crilog_opts_parse(q_get, NULL, 0, &o, &err), 0);
    CHECK_INT(o.since_ns, 2000000000);
    const char *bad[][5] = {{"tailLines", "-1", NULL},
                            {"limitBytes", "0", NULL},
                            {"sinceSeconds", "0", NULL},
                            {"follow", "yes", NULL},
                            {"tailLines", "3x", NULL},
                            {"sinceSeconds", "5", "sinceTime", "1970-01-01T00:00:02Z", NULL}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        q_pairs = bad[i];
        CHECK_MSG(crilog_opts_parse(q_get, NULL, 0, &o, &err) == C8S_EBADREQUEST, "case %zu", i);
        c8s_err_clear(&err);
    }
}

static void format(void)
{
    crilog_opts_t o = {.tail_lines = -1};
    strbuf_t b = STRBUF_INIT;
    bool start = true;
    const char *p = "2026-11-23T07:00:00Z stdout P hel\n";
    const char *f = "2026-11-23T07:00:01Z stdout F lo\n";
    CHECK(crilog_format(p, strlen(p), &o, &start, &b));
    CHECK(!start);
    CHECK(crilog_format(f, strlen(f), &o, &start, &b));
    CHECK(start);
    CHECK_STR(b.s, "hello\n");
    /* Timestamps only where a logical line begins. */
    o.timestamps = true;
    b.len = 0;
    CHECK(crilog_format(p, strlen(p), &o, &start, &b));
    CHECK(crilog_format(f, strlen(f), &o, &start, &b));
    b.s[b.len] = '\0';
    CHECK_STR(b.s, "2026-11-23T07:00:00Z hello\n");
    /* A malformed record prints as it is; one before since_ns prints nothing. */
    o.timestamps = false;
    b.len = 0;
    CHECK(crilog_format("junk", 4, &o, &start, &b));
    b.s[b.len] = '\0';
    CHECK_STR(b.s, "junk\n");
    o.since_ns = 1795417201000000000ll; /* 2026-11-23T07:00:01Z */
    CHECK(!crilog_format(p, strlen(p), &o, &start, &b));
    CHECK(crilog_format(f, strlen(f), &o, &start, &b));
    strbuf_free(&b);
    const char *two = "t stdout P a\nt stdout F b\nt stderr F c\n";
    CHECK_INT(crilog_count_lines(two, strlen(two)), 2);
}

int main(void)
{
    parse_ok();
    parse_bad();
    tail();
    times();
    opts();
    format();
    TEST_END();
}
