/* test_tz.c — zone offsets from the tz database agree with the C library's, across transitions
 * and far past the last one (the POSIX rule), north and south, with negative DST; bad names
 * and bad data are refused. */
#include "c8s/tz.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static int32_t libc_offset(const char *zone, int64_t t)
{
    setenv("TZ", zone, 1);
    tzset();
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    return (int32_t)tm.tm_gmtoff;
}

static void compare(const char *zone)
{
    tz_t *tz = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    if (tz_load(zone, &tz, &err) != 0) {
        CHECK_MSG(0, "loading %s: %s", zone, err.msg);
        c8s_err_clear(&err);
        return;
    }
    int mismatches = 0;
    /* Every 6 hours (plus an odd minute) from 1960 to 2120. */
    for (int64_t t = -315619200; t < 4733510400LL && mismatches < 3; t += 6 * 3600 + 60) {
        int32_t want = libc_offset(zone, t), got = tz_offset(tz, t);
        if (want != got) {
            CHECK_MSG(0, "%s at %lld: offset %d, libc says %d", zone, (long long)t, got, want);
            mismatches++;
        }
    }
    if (!mismatches)
        CHECK(1);
    tz_free(tz);
}

static void posix(const char *rule, int64_t t, int32_t want)
{
    tz_t *tz = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    REQUIRE_VOID(tz_parse_posix(rule, &tz, &err) == 0);
    CHECK_MSG(tz_offset(tz, t) == want, "%s at %lld: %d, want %d", rule, (long long)t,
              tz_offset(tz, t), want);
    tz_free(tz);
}

int main(void)
{
    static const char *const zones[] = {
        "UTC",           "America/New_York", "Europe/Berlin",     "Australia/Sydney",
        "Asia/Kolkata",  "Europe/Dublin",    "America/Sao_Paulo", "Pacific/Apia",
        "Asia/Tehran",   "America/St_Johns", "Pacific/Chatham",   "Africa/Casablanca",
        "Europe/London", "America/Santiago", "Asia/Tokyo",        "Etc/GMT+5",
    };
    for (size_t i = 0; i < C8S_ARRAY_SIZE(zones); i++)
        compare(zones[i]);

    /* POSIX rules alone. 2030-07-01 and 2030-01-01 UTC. */
    int64_t july = 1909008000, jan = 1893456000;
    posix("EST5EDT,M3.2.0,M11.1.0", july, -4 * 3600);
    posix("EST5EDT,M3.2.0,M11.1.0", jan, -5 * 3600);
    posix("AEST-10AEDT,M10.1.0,M4.1.0/3", july, 10 * 3600);
    posix("AEST-10AEDT,M10.1.0,M4.1.0/3", jan, 11 * 3600);
    posix("IST-1GMT0,M10.5.0,M3.5.0/1", july, 3600); /* Dublin: winter is the "DST" */
    posix("IST-1GMT0,M10.5.0,M3.5.0/1", jan, 0);
    posix("<+0530>-5:30", jan, 5 * 3600 + 1800);
    posix("<-03>3<-02>,M3.5.0/-2,M10.5.0/-1", july, -2 * 3600); /* Godthab-style negative times */
    /* 2030-03-10 is the second Sunday of March: 06:59:59 UTC is still EST, 07:00 is EDT. */
    posix("EST5EDT,M3.2.0,M11.1.0", 1899356399, -5 * 3600);
    posix("EST5EDT,M3.2.0,M11.1.0", 1899356400, -4 * 3600);
    posix("JST-9", july, 9 * 3600);

    tz_t *tz = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    static const char *const bad_rules[] = {
        "",     "E5", "EST", "EST5EDT,M13.1.0,M11.1.0", "EST5EDT,M3.2.0", "EST5EDT,M3.6.0,M11.1.0",
        "EST5x"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(bad_rules); i++) {
        CHECK_MSG(tz_parse_posix(bad_rules[i], &tz, &err) == C8S_EBADREQUEST, "rule %s accepted",
                  bad_rules[i]);
        c8s_err_clear(&err);
    }
    static const char *const bad_names[] = {
        "Mars/Olympus_Mons", "../../etc/passwd", "/etc/localtime", "Europe/../UTC", "", "a b"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(bad_names); i++) {
        CHECK_MSG(tz_load(bad_names[i], &tz, &err) == C8S_ENOTFOUND, "zone %s accepted",
                  bad_names[i]);
        c8s_err_clear(&err);
    }
    CHECK_INT(tz_load("Mars/Olympus_Mons", &tz, &err), C8S_ENOTFOUND);
    CHECK_STR(err.msg, "unknown time zone Mars/Olympus_Mons");
    c8s_err_clear(&err);

    static const unsigned char junk[] = "TZif2\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\xff\xff\xff\xff";
    CHECK_INT(tz_parse(junk, sizeof(junk), &tz, &err), C8S_EBADREQUEST);
    c8s_err_clear(&err);
    CHECK_INT(tz_parse((const unsigned char *)"nope", 4, &tz, &err), C8S_EBADREQUEST);
    c8s_err_clear(&err);
    TEST_END();
}
