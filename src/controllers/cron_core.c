/*
 * cron_core.c — pure: the CronJob schedule language (robfig/cron's standard parser, as upstream's
 * CronJob controller uses it) and the next activation after a time, in UTC.
 */
#include "internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    int min, max;
    const char *const *names; /* may be NULL; names[i] is value min + i */
} cron_field_t;

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul",
                                          "aug", "sep", "oct", "nov", "dec", NULL};
static const char *const dow_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL};

static const cron_field_t fields[5] = {
    {0, 59, NULL}, {0, 23, NULL}, {1, 31, NULL}, {1, 12, month_names}, {0, 6, dow_names}};
static const char *const field_names[5] = {"minute", "hour", "day of month", "month",
                                           "day of week"};

/* A number or a name of the field; -1 when it is neither. */
static int parse_value(const char *s, size_t n, const cron_field_t *f)
{
    if (n == 0 || n > 9)
        return -1;
    if (f->names) {
        for (int i = 0; f->names[i]; i++) {
            if (strlen(f->names[i]) == n && strncasecmp(s, f->names[i], n) == 0)
                return f->min + i;
        }
    }
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* One comma-separated term: "*", "?", "a", "a-b", each optionally "/step" ("a/step" runs to the
 * field's end, as robfig/cron reads it). */
static int parse_term(const char *s, size_t n, int fi, uint64_t *bits, bool *star, c8s_err_t *err)
{
    const cron_field_t *f = &fields[fi];
    const char *slash = memchr(s, '/', n);
    size_t rn = slash ? (size_t)(slash - s) : n;
    int lo, hi, step = 1;
    if (slash) {
        step = parse_value(slash + 1, n - rn - 1, &(cron_field_t){0, 0, NULL});
        if (step <= 0)
            return c8s_err_set(err, C8S_EINVALID, "bad step in the %s field: %.*s", field_names[fi],
                               (int)n, s);
    }
    if (rn == 1 && (s[0] == '*' || s[0] == '?')) {
        lo = f->min;
        hi = f->max;
        if (!slash)
            *star = true;
    } else {
        const char *dash = memchr(s, '-', rn);
        if (dash) {
            lo = parse_value(s, (size_t)(dash - s), f);
            hi = parse_value(dash + 1, rn - (size_t)(dash - s) - 1, f);
        } else {
            lo = parse_value(s, rn, f);
            hi = slash ? f->max : lo;
        }
        if (lo < 0 || hi < 0)
            return c8s_err_set(err, C8S_EINVALID, "bad value in the %s field: %.*s",
                               field_names[fi], (int)n, s);
        if (lo < f->min || hi > f->max || lo > hi)
            return c8s_err_set(err, C8S_EINVALID, "%s field out of range (%d-%d): %.*s",
                               field_names[fi], f->min, f->max, (int)n, s);
    }
    for (int v = lo; v <= hi; v += step)
        *bits |= 1ULL << v;
    return 0;
}

static int parse_field(const char *s, int fi, uint64_t *bits, bool *star, c8s_err_t *err)
{
    *bits = 0;
    *star = false;
    for (;;) {
        const char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        int rc = parse_term(s, n, fi, bits, star, err);
        if (rc != 0)
            return rc;
        if (!comma)
            return 0;
        s = comma + 1;
    }
}

int controllers__cron_parse(const char *spec, cron_sched_t *out, c8s_err_t *err)
{
    memset(out, 0, sizeof(*out));
    while (isspace((unsigned char)*spec))
        spec++;
    static const struct {
        const char *name, *expr;
    } macros[] = {{"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
                  {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
                  {"@hourly", "0 * * * *"}};
    if (*spec == '@') {
        for (size_t i = 0; i < C8S_ARRAY_SIZE(macros); i++) {
            size_t n = strlen(macros[i].name);
            if (strncmp(spec, macros[i].name, n) == 0 &&
                (spec[n] == '\0' || isspace((unsigned char)spec[n])))
                return controllers__cron_parse(macros[i].expr, out, err);
        }
        return c8s_err_set(err, C8S_EINVALID, "unrecognized descriptor: %s", spec);
    }
    if (strncasecmp(spec, "TZ=", 3) == 0 || strncasecmp(spec, "CRON_TZ=", 8) == 0)
        return c8s_err_set(err, C8S_EINVALID,
                           "a time zone in the schedule is not supported; use spec.timeZone");
    char buf[256];
    if (strlen(spec) >= sizeof(buf))
        return c8s_err_set(err, C8S_EINVALID, "schedule too long");
    snprintf(buf, sizeof(buf), "%s", spec);
    char *save = NULL, *tok[6];
    int n = 0;
    for (char *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
        if (n == 5)
            return c8s_err_set(err, C8S_EINVALID, "expected exactly 5 fields, found more: %s",
                               spec);
        tok[n++] = t;
    }
    if (n != 5)
        return c8s_err_set(err, C8S_EINVALID, "expected exactly 5 fields, found %d: %s", n, spec);
    bool star[5];
    for (int i = 0; i < 5; i++) {
        int rc = parse_field(tok[i], i, &out->bits[i], &star[i], err);
        if (rc != 0)
            return rc;
    }
    /* Sunday may also be written 7 in other crons; robfig/cron refuses it, and so do we. */
    out->dom_star = star[2];
    out->dow_star = star[4];
    return 0;
}

static bool has(uint64_t bits, int v)
{
    return (bits >> v) & 1;
}

/* Day matching as cron does: when both day fields are restricted, either may match. */
static bool day_matches(const cron_sched_t *s, const struct tm *tm)
{
    bool dom = has(s->bits[2], tm->tm_mday), dow = has(s->bits[4], tm->tm_wday);
    if (s->dom_star || s->dow_star)
        return dom && dow;
    return dom || dow;
}

static int64_t next_wall(const cron_sched_t *s, int64_t after)
{
    /* The first whole minute after `after`. */
    time_t t = (time_t)((after / 60 + 1) * 60);
    if (after < 0 && after % 60 != 0)
        t = (time_t)((after / 60) * 60);
    struct tm tm;
    gmtime_r(&t, &tm);
    int start_year = tm.tm_year;
    /* Field by field, jumping to the start of the next month/day/hour when one does not match;
     * five years without a match (Feb 30) means never. */
    while (tm.tm_year - start_year <= 5) {
        if (!has(s->bits[3], tm.tm_mon + 1)) {
            tm.tm_mon++;
            tm.tm_mday = 1;
            tm.tm_hour = tm.tm_min = 0;
        } else if (!day_matches(s, &tm)) {
            tm.tm_mday++;
            tm.tm_hour = tm.tm_min = 0;
        } else if (!has(s->bits[1], tm.tm_hour)) {
            tm.tm_hour++;
            tm.tm_min = 0;
        } else if (!has(s->bits[0], tm.tm_min)) {
            tm.tm_min++;
        } else {
            return (int64_t)timegm(&tm);
        }
        tm.tm_sec = 0;
        time_t n = timegm(&tm); /* normalizes overflowed fields and sets tm_wday */
        gmtime_r(&n, &tm);
    }
    return -1;
}

int64_t controllers__cron_next(const cron_sched_t *s, int64_t after)
{
    if (!s->tz)
        return next_wall(s, after);
    int64_t wall_after = after + tz_offset(s->tz, after);
    for (int guard = 0; guard < 64; guard++) {
        int64_t wall = next_wall(s, wall_after);
        if (wall < 0)
            return -1;
        /* The instants showing that wall-clock time: at most two (fall back), maybe none. */
        int32_t o0 = tz_offset(s->tz, wall_after - tz_offset(s->tz, after));
        int32_t o1 = tz_offset(s->tz, wall - o0);
        int32_t offs[3] = {o0, o1, tz_offset(s->tz, wall - o1)};
        int64_t best = -1;
        int32_t lowest = o0;
        for (size_t i = 0; i < C8S_ARRAY_SIZE(offs); i++) {
            int64_t u = wall - offs[i];
            if (offs[i] < lowest)
                lowest = offs[i];
            if (u > after && tz_offset(s->tz, u) == offs[i] && (best < 0 || u < best))
                best = u;
        }
        if (best >= 0)
            return best;
        /* The clock skips this time (spring forward): go on from the first wall-clock time
         * after the gap, which may itself match. */
        int64_t t = wall - lowest;
        wall_after = t + tz_offset(s->tz, t) - 1;
    }
    return -1;
}
