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

/* The next activation with the schedule read in zone tz (from the POSIX rule, so the test
 * needs no zone files). */
static int64_t next_tz(const char *spec, const char *rule, int64_t after)
{
    cron_sched_t s;
    c8s_err_t err = C8S_ERR_INIT;
    tz_t *tz = NULL;
    if (controllers__cron_parse(spec, &s, &err) != 0 || tz_parse_posix(rule, &tz, &err) != 0) {
        fprintf(stderr, "%s / %s: %s\n", spec, rule, err.msg);
        return -2;
    }
    s.tz = tz;
    int64_t t = controllers__cron_next(&s, after);
    tz_free(tz);
    return t;
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

    /* spec.timeZone: fields match the zone's wall clock. New York, 2030: DST from Sun 10 March
     * 02:00 EST to Sun 3 November 02:00 EDT. */
    const char *ny = "EST5EDT,M3.2.0,M11.1.0";
    CHECK(next_tz("0 9 * * *", ny, at(2030, 3, 8, 15, 0)) == at(2030, 3, 9, 14, 0));
    CHECK(next_tz("0 9 * * *", ny, at(2030, 3, 9, 14, 0)) == at(2030, 3, 10, 13, 0));
    /* 02:30 does not exist on 10 March: skipped that day. */
    CHECK(next_tz("30 2 * * *", ny, at(2030, 3, 9, 8, 0)) == at(2030, 3, 11, 6, 30));
    /* 01:30 happens twice on 3 November: run once, at the first. */
    CHECK(next_tz("30 1 * * *", ny, at(2030, 11, 2, 12, 0)) == at(2030, 11, 3, 5, 30));
    CHECK(next_tz("30 1 * * *", ny, at(2030, 11, 3, 5, 30)) == at(2030, 11, 4, 6, 30));
    /* Every minute across the spring-forward gap: 01:59 EST then 03:00 EDT. */
    CHECK(next_tz("* * * * *", ny, at(2030, 3, 10, 6, 59)) == at(2030, 3, 10, 7, 0));
    /* Kolkata, no DST, half-hour offset: midnight there is 18:30 UTC. */
    CHECK(next_tz("0 0 * * *", "IST-5:30", at(2030, 1, 1, 12, 0)) == at(2030, 1, 1, 18, 30));
    /* Sydney (south): January is summer time, +11. */
    CHECK(next_tz("0 12 * * *", "AEST-10AEDT,M10.1.0,M4.1.0/3", at(2030, 1, 1, 0, 0)) ==
          at(2030, 1, 1, 1, 0));
    CHECK(next_tz("0 0 30 2 *", ny, at(2030, 1, 1, 0, 0)) == -1);
    TEST_END();
}
