/* mem.c — allocation that never fails (out of memory aborts) and small time helpers. */
#include "c8s/base.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static void oom(size_t n)
{
    fprintf(stderr, "c8s: out of memory allocating %zu bytes\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *xstrdup(const char *s)
{
    char *p = strdup(s ? s : "");
    if (!p)
        oom(strlen(s));
    return p;
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *out = NULL;
    int n = vasprintf(&out, fmt, ap);
    va_end(ap);
    if (n < 0)
        oom(0);
    return out;
}

uint64_t c8s_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t c8s_now_ms(void)
{
    return c8s_now_ns() / 1000000ull;
}

void c8s_rfc3339_now(char *buf, size_t len)
{
    c8s_rfc3339_format((int64_t)time(NULL), buf, len);
}

void c8s_rfc3339_format(int64_t t, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int64_t c8s_rfc3339_parse(const char *s)
{
    struct tm tm = {0};
    if (!s || sscanf(s, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                     &tm.tm_min, &tm.tm_sec) != 6)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm);
}

void c8s_go_duration_ms(uint64_t ms, char *buf, size_t len)
{
    if (ms < 1000) {
        if (ms)
            snprintf(buf, len, "%llums", (unsigned long long)ms);
        else
            snprintf(buf, len, "0s");
        return;
    }
    unsigned long long h = ms / 3600000, m = ms / 60000 % 60, sec = ms / 1000 % 60,
                       frac = ms % 1000;
    char fs[8] = "";
    if (frac) { /* three digits, trailing zeros dropped, as Go prints a fraction */
        snprintf(fs, sizeof(fs), ".%03llu", frac);
        for (size_t n = strlen(fs); fs[n - 1] == '0'; n--)
            fs[n - 1] = '\0';
    }
    if (h)
        snprintf(buf, len, "%lluh%llum%llu%ss", h, m, sec, fs);
    else if (m)
        snprintf(buf, len, "%llum%llu%ss", m, sec, fs);
    else
        snprintf(buf, len, "%llu%ss", sec, fs);
}
