/*
 * tz.c — reading the tz database ourselves: the C library's zone functions work through the
 * process-wide TZ setting, which threads cannot switch per CronJob.
 */
#include "c8s/tz.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define TZ_DIR "/usr/share/zoneinfo"

/* A POSIX rule date: Jn (1–365, no Feb 29), n (0–365), or Mm.w.d; secs: local time of day. */
typedef struct {
    char kind; /* 'J', 'N' or 'M' */
    int n, m, w, d;
    int32_t secs;
} rule_date_t;

typedef struct {
    bool valid;
    int32_t std_off, dst_off; /* seconds east of UTC */
    bool has_dst;
    rule_date_t start, end;
} posix_rule_t;

struct tz_s {
    int64_t *times; /* transition instants, ascending */
    uint8_t *idx;   /* type index after each transition */
    size_t n;
    int32_t *offs; /* offset per type */
    size_t ntypes;
    int32_t before; /* offset before the first transition */
    posix_rule_t rule;
};

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* ---- POSIX TZ rules ---- */

static const char *parse_name(const char *p)
{
    if (*p == '<') {
        const char *e = strchr(p, '>');
        return e ? e + 1 : NULL;
    }
    const char *s = p;
    while (isalpha((unsigned char)*p))
        p++;
    return p - s >= 3 ? p : NULL;
}

/* [+-]hh[:mm[:ss]] → seconds (hours up to 167 for rule times, as TZif v3 allows). */
static const char *parse_hms(const char *p, int32_t *out)
{
    int sign = 1;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    if (!isdigit((unsigned char)*p))
        return NULL;
    int32_t v[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        if (i > 0) {
            if (*p != ':')
                break;
            p++;
        }
        if (!isdigit((unsigned char)*p))
            return NULL;
        int32_t n = 0;
        while (isdigit((unsigned char)*p) && n < 1000)
            n = n * 10 + (*p++ - '0');
        v[i] = n;
    }
    if (v[0] > 167 || v[1] > 59 || v[2] > 59)
        return NULL;
    *out = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
    return p;
}

static const char *parse_num(const char *p, int lo, int hi, int *out)
{
    if (!isdigit((unsigned char)*p))
        return NULL;
    int n = 0;
    while (isdigit((unsigned char)*p) && n <= hi)
        n = n * 10 + (*p++ - '0');
    if (n < lo || n > hi)
        return NULL;
    *out = n;
    return p;
}

static const char *parse_date(const char *p, rule_date_t *d)
{
    memset(d, 0, sizeof(*d));
    d->secs = 7200; /* 02:00 when no time is given */
    if (*p == 'J') {
        d->kind = 'J';
        p = parse_num(p + 1, 1, 365, &d->n);
    } else if (*p == 'M') {
        d->kind = 'M';
        p = parse_num(p + 1, 1, 12, &d->m);
        if (p && *p == '.')
            p = parse_num(p + 1, 1, 5, &d->w);
        else
            p = NULL;
        if (p && *p == '.')
            p = parse_num(p + 1, 0, 6, &d->d);
        else
            p = NULL;
    } else {
        d->kind = 'N';
        p = parse_num(p, 0, 365, &d->n);
    }
    if (p && *p == '/')
        p = parse_hms(p + 1, &d->secs);
    return p;
}

static int parse_rule(const char *s, posix_rule_t *r)
{
    memset(r, 0, sizeof(*r));
    const char *p = parse_name(s);
    int32_t std = 0;
    if (!p || !(p = parse_hms(p, &std)))
        return -1;
    r->std_off = -std; /* POSIX offsets count west of UTC */
    r->dst_off = r->std_off;
    if (*p) {
        if (!(p = parse_name(p)))
            return -1;
        r->has_dst = true;
        r->dst_off = r->std_off + 3600;
        if (*p && *p != ',') {
            int32_t dst = 0;
            if (!(p = parse_hms(p, &dst)))
                return -1;
            r->dst_off = -dst;
        }
        /* Without dates, POSIX leaves them implementation-defined: take the US rule, as glibc. */
        if (!*p) {
            r->start = (rule_date_t){'M', 0, 3, 2, 0, 7200};
            r->end = (rule_date_t){'M', 0, 11, 1, 0, 7200};
        } else if (*p != ',' || !(p = parse_date(p + 1, &r->start)) || *p != ',' ||
                   !(p = parse_date(p + 1, &r->end))) {
            return -1;
        }
    }
    if (*p)
        return -1;
    r->valid = true;
    return 0;
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* The rule date in year y as local seconds since the epoch (local midnight + secs). */
static int64_t rule_local(const rule_date_t *d, int64_t y)
{
    int64_t day;
    if (d->kind == 'J')
        day = days_from_civil(y, 1, 1) + d->n - 1 + (leap(y) && d->n >= 60);
    else if (d->kind == 'N')
        day = days_from_civil(y, 1, 1) + d->n;
    else {
        int64_t first = days_from_civil(y, d->m, 1);
        int wday = (int)(((first % 7) + 11) % 7); /* 1970-01-01 was a Thursday (4) */
        int mday = 1 + (d->d - wday + 7) % 7 + (d->w - 1) * 7;
        while (mday > month_days(y, d->m))
            mday -= 7;
        day = first + mday - 1;
    }
    return day * 86400 + d->secs;
}

static int64_t year_of(int64_t t)
{
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    /* civil_from_days, year only */
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    return yoe + era * 400 + (mp >= 10);
}

static int32_t rule_offset(const posix_rule_t *r, int64_t t)
{
    if (!r->has_dst)
        return r->std_off;
    int64_t y = year_of(t + r->std_off);
    /* DST starts at a local standard time and ends at a local daylight time. */
    int64_t start = rule_local(&r->start, y) - r->std_off;
    int64_t end = rule_local(&r->end, y) - r->dst_off;
    bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
    return dst ? r->dst_off : r->std_off;
}

/* ---- TZif ---- */

typedef struct {
    uint32_t isut, isstd, leap, time, type, chars;
} counts_t;

static int header(const unsigned char *p, size_t len, counts_t *c)
{
    if (len < 44 || memcmp(p, "TZif", 4) != 0)
        return -1;
    c->isut = be32(p + 20);
    c->isstd = be32(p + 24);
    c->leap = be32(p + 28);
    c->time = be32(p + 32);
    c->type = be32(p + 36);
    c->chars = be32(p + 40);
    if (c->type == 0 || c->type > 256 || c->time > 100000 || c->leap > 100000 ||
        c->chars > 100000 || c->isut > 256 || c->isstd > 256)
        return -1;
    return 0;
}

static size_t block_len(const counts_t *c, size_t tsize)
{
    return c->time * tsize + c->time + c->type * 6 + c->chars + c->leap * (tsize + 4) + c->isstd +
           c->isut;
}

static int bad(c8s_err_t *err)
{
    return c8s_err_set(err, C8S_EBADREQUEST, "not a valid TZif time zone file");
}

int tz_parse(const unsigned char *buf, size_t len, tz_t **out, c8s_err_t *err)
{
    counts_t c;
    if (header(buf, len, &c) != 0)
        return bad(err);
    size_t tsize = 4;
    const unsigned char *p = buf + 44;
    size_t need = block_len(&c, 4);
    if (len - 44 < need)
        return bad(err);
    const unsigned char *footer = NULL;
    size_t footer_len = 0;
    if (buf[4] >= '2') {
        /* The 64-bit block after the 32-bit one is the one to read. */
        const unsigned char *h2 = p + need;
        size_t left = len - (size_t)(h2 - buf);
        if (header(h2, left, &c) != 0)
            return bad(err);
        tsize = 8;
        p = h2 + 44;
        need = block_len(&c, 8);
        if (left - 44 < need)
            return bad(err);
        footer = p + need;
        footer_len = len - (size_t)(footer - buf);
    }
    tz_t *tz = xcalloc(1, sizeof(*tz));
    tz->n = c.time;
    tz->ntypes = c.type;
    tz->times = xcalloc(c.time + 1, sizeof(int64_t));
    tz->idx = xcalloc(c.time + 1, 1);
    tz->offs = xcalloc(c.type, sizeof(int32_t));
    for (size_t i = 0; i < c.time; i++)
        tz->times[i] = tsize == 8 ? be64(p + i * 8) : (int32_t)be32(p + i * 4);
    p += c.time * tsize;
    for (size_t i = 0; i < c.time; i++) {
        tz->idx[i] = p[i];
        if (p[i] >= c.type) {
            tz_free(tz);
            return bad(err);
        }
    }
    p += c.time;
    for (size_t i = 0; i < c.type; i++)
        tz->offs[i] = (int32_t)be32(p + i * 6);
    tz->before = tz->offs[0];
    if (footer && footer_len >= 2 && footer[0] == '\n') {
        const unsigned char *nl = memchr(footer + 1, '\n', footer_len - 1);
        if (nl && nl > footer + 1) {
            char rule[128];
            size_t n = (size_t)(nl - footer - 1);
            if (n < sizeof(rule)) {
                memcpy(rule, footer + 1, n);
                rule[n] = '\0';
                if (parse_rule(rule, &tz->rule) != 0)
                    tz->rule.valid = false;
            }
        }
    }
    *out = tz;
    return 0;
}

int tz_parse_posix(const char *rule, tz_t **out, c8s_err_t *err)
{
    posix_rule_t r;
    if (!rule || parse_rule(rule, &r) != 0)
        return c8s_err_set(err, C8S_EBADREQUEST, "invalid POSIX time zone rule \"%s\"",
                           rule ? rule : "");
    tz_t *tz = xcalloc(1, sizeof(*tz));
    tz->rule = r;
    tz->before = r.std_off;
    *out = tz;
    return 0;
}

static bool valid_name(const char *name)
{
    if (!name || !*name || name[0] == '/' || strstr(name, "..") || strlen(name) > 255)
        return false;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("/_+-", *p))
            return false;
    return true;
}

int tz_load(const char *name, tz_t **out, c8s_err_t *err)
{
    if (!valid_name(name))
        return c8s_err_set(err, C8S_ENOTFOUND, "unknown time zone %s", name ? name : "");
    cleanup_free char *path = xasprintf("%s/%s", TZ_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return c8s_err_set(err, C8S_ENOTFOUND, "unknown time zone %s", name);
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 8192;
            if (cap > (1u << 20))
                break; /* no zone file is this big */
            buf = xrealloc(buf, cap);
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    fclose(f);
    int rc = tz_parse(buf, len, out, err);
    free(buf);
    if (rc != 0) {
        c8s_err_clear(err);
        return c8s_err_set(err, C8S_ENOTFOUND, "unknown time zone %s", name);
    }
    return 0;
}

void tz_free(tz_t *tz)
{
    if (!tz)
        return;
    free(tz->times);
    free(tz->idx);
    free(tz->offs);
    free(tz);
}

int32_t tz_offset(const tz_t *tz, int64_t t)
{
    if (tz->n == 0 || t < tz->times[0])
        return tz->n == 0 && tz->rule.valid ? rule_offset(&tz->rule, t) : tz->before;
    if (t >= tz->times[tz->n - 1] && tz->rule.valid)
        return rule_offset(&tz->rule, t);
    size_t lo = 0, hi = tz->n; /* the last transition at or before t */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (tz->times[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return tz->offs[tz->idx[lo]];
}
