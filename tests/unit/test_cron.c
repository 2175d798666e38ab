/* test_cron.c — the CronJob schedule parser and next-activation search: fields, ranges, steps,
 * lists, names, macros, the day-of-month/day-of-week rule, refusals, and rolling over months,
 * years and leap days. */
#include "../../src/controllers/internal.h"
#include "test.h"

#include <string.h>
#include <time.h>

/* Seconds since the epoch of a UTC date. */
static int64_t at(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {
        .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
    return (int64_t)timegm(&tm);
}

static int64_t next(const char *spec, int64_t after)
{
    cron_sched_t s;
    c8s_err_t err = C8S_ERR_INIT;
    if (controllers__cron_parse(spec, &s, &err) != 0) {
        fprintf(stderr, "%s: %s\n", spec, err.msg);
        return -2;
    }
    return controllers__cron_next(&s, after);
}

static bool refused(const char *spec)
{
    cron_sched_t s;
    c8s_err_t err = C8S_ERR_INIT;
    return controllers__cron_parse(spec, &s, &err) == C8S_EINVALID;
}

int main(void)
{
    int64_t t0 = at(2026, 11, 23, 1, 30); /* a Monday */
    CHECK(next("* * * * *", t0) == at(2026, 11, 23, 1, 31));
    CHECK(next("* * * * *", t0 + 59) == at(2026, 11, 23, 1, 31));
    CHECK(next("*/1 * * * *", t0 + 60) == at(2026, 11, 23, 1, 32));
    CHECK(next("*/15 * * * *", t0) == at(2026, 11, 23, 1, 45));
    CHECK(next("*/15 * * * *", at(2026, 11, 23, 1, 45)) == at(2026, 11, 23, 2, 0));
    CHECK(next("5/20 * * * *", t0) == at(2026, 11, 23, 1, 45));
    CHECK(next("10-20/5 3 * * *", t0) == at(2026, 11, 23, 3, 10));
    CHECK(next("0,30 * * * *", t0) == at(2026, 11, 23, 2, 0));
    CHECK(next("0 9 * * mon-fri", at(2026, 11, 27, 10, 0)) == at(2026, 11, 30, 9, 0)); /* Fri→Mon */
    CHECK(next("0 0 1 JAN *", t0) == at(2027, 1, 1, 0, 0));
    CHECK(next("0 0 * dec sun", t0) == at(2026, 12, 6, 0, 0));
    /* Both day fields restricted: either matches (the 1st, or a Friday). */
    CHECK(next("0 0 1 * 5", t0) == at(2026, 11, 27, 0, 0));
    CHECK(next("0 0 1 * 5", at(2026, 11, 27, 0, 0)) == at(2026, 12, 1, 0, 0));
    /* One restricted: only it counts. Both: either. */
    CHECK(next("0 0 13 * ?", t0) == at(2026, 12, 13, 0, 0));
    CHECK(next("0 0 13 * fri", t0) == at(2026, 11, 27, 0, 0));
    CHECK(next("0 0 * * fri", at(2026, 11, 27, 0, 0)) == at(2026, 12, 4, 0, 0));
    /* Leap day. */
    CHECK(next("0 12 29 2 *", t0) == at(2028, 2, 29, 12, 0));
    CHECK(next("0 0 30 2 *", t0) == -1);
    /* Macros. */
    CHECK(next("@hourly", t0) == at(2026, 11, 23, 2, 0));
    CHECK(next("@daily", t0) == at(2026, 11, 24, 0, 0));
    CHECK(next("@midnight", t0) == at(2026, 11, 24, 0, 0));
    CHECK(next("@weekly", t0) == at(2026, 11, 29, 0, 0));
    CHECK(next("@monthly", t0) == at(2026, 12, 1, 0, 0));
    CHECK(next("@yearly", t0) == at(2027, 1, 1, 0, 0));
    CHECK(next("@annually", t0) == at(2027, 1, 1, 0, 0));
    CHECK(next("  0   0  *  *  *  ", t0) == at(2026, 11, 24, 0, 0));
    /* Refusals. */
    CHECK(refused(""));
    CHECK(refused("* * * *"));
    CHECK(refused("* * * * * *"));
    CHECK(refused("60 * * * *"));
    CHECK(refused("* 24 * * *"));
    CHECK(refused("* * 0 * *"));
    CHECK(refused("* * * 13 *"));
    CHECK(refused("* * * * 7"));
    CHECK(refused("5-1 * * * *"));
    CHECK(refused("*/0 * * * *"));
    CHECK(refused("a * * * *"));
    CHECK(refused("* * * foo *"));
    CHECK(refused("@every 5m"));
    CHECK(refused("@reboot"));
    CHECK(refused("TZ=UTC * * * * *"));
    CHECK(refused("1,,2 * * * *"));
    TEST_END();
}
