/* server_log.c — parsing the CRI log records the shim writes (see crilog.h). */
#include "c8s/crilog.h"
#include "c8s/strbuf.h"

#include <ctype.h>
#include <stdlib.h>
#include <time.h>

#include <string.h>

int crilog_parse(const char *line, size_t len, crilog_record_t *out, c8s_err_t *err)
{
    if (len > 0 && line[len - 1] == '\n')
        len--;
    const char *sp = memchr(line, ' ', len);
    if (!sp || sp == line)
        return c8s_err_set(err, C8S_EBADREQUEST, "CRI log record without a timestamp");
    size_t ts_len = (size_t)(sp - line);
    const char *p = sp + 1;
    size_t rest = len - ts_len - 1;
    bool is_stderr;
    if (rest >= 7 && memcmp(p, "stdout ", 7) == 0)
        is_stderr = false;
    else if (rest >= 7 && memcmp(p, "stderr ", 7) == 0)
        is_stderr = true;
    else
        return c8s_err_set(err, C8S_EBADREQUEST, "CRI log record with an unknown stream");
    p += 7;
    rest -= 7;
    /* The tag is P or F; the text after it may be empty ("... F" or "... F "). */
    if (rest < 1 || (p[0] != 'P' && p[0] != 'F') || (rest > 1 && p[1] != ' '))
        return c8s_err_set(err, C8S_EBADREQUEST, "CRI log record with an unknown tag");
    out->ts = line;
    out->ts_len = ts_len;
    out->is_stderr = is_stderr;
    out->partial = p[0] == 'P';
    out->text = rest > 1 ? p + 2 : p + rest;
    out->text_len = rest > 1 ? rest - 2 : 0;
    return 0;
}

/* Whether the record [start, end) ends a logical line: F records and malformed ones do. */
static bool ends_line(const char *start, size_t len)
{
    crilog_record_t r;
    c8s_err_t err = C8S_ERR_INIT;
    if (crilog_parse(start, len, &r, &err) != 0) {
        c8s_err_clear(&err);
        return true;
    }
    return !r.partial;
}

size_t crilog_tail_offset(const char *buf, size_t len, long n)
{
    if (n < 0)
        return 0;
    if (n == 0)
        return len;
    /* Walk records backwards; the answer is the start of the record just after the (n+1)-th
     * line end counted from the back. */
    long seen = 0;
    size_t end = len;
    while (end > 0) {
        size_t rec_end = end;
        size_t start = end;
        if (buf[start - 1] == '\n')
            start--;
        while (start > 0 && buf[start - 1] != '\n')
            start--;
        if (ends_line(buf + start, rec_end - start)) {
            if (seen == n)
                return rec_end;
            seen++;
        }
        end = start;
    }
    return 0;
}

long crilog_count_lines(const char *buf, size_t len)
{
    long n = 0;
    for (size_t start = 0; start < len;) {
        const char *nl = memchr(buf + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - buf) + 1 : len;
        if (ends_line(buf + start, end - start))
            n++;
        start = end;
    }
    return n;
}

static int digits(const char *s, size_t len, size_t at, size_t n, int *out)
{
    if (at + n > len)
        return -1;
    int v = 0;
    for (size_t i = at; i < at + n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int crilog_parse_time(const char *s, size_t len, int64_t *out, c8s_err_t *err)
{
    int Y, M, D, h, m, sec;
    if (digits(s, len, 0, 4, &Y) || len < 20 || s[4] != '-' || digits(s, len, 5, 2, &M) ||
        s[7] != '-' || digits(s, len, 8, 2, &D) || (s[10] != 'T' && s[10] != 't') ||
        digits(s, len, 11, 2, &h) || s[13] != ':' || digits(s, len, 14, 2, &m) || s[16] != ':' ||
        digits(s, len, 17, 2, &sec) || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 ||
        sec > 60)
        return c8s_err_set(err, C8S_EBADREQUEST, "not an RFC 3339 time: %.*s", (int)len, s);
    size_t i = 19;
    int64_t frac = 0;
    if (i < len && s[i] == '.') {
        int64_t scale = 100000000;
        for (i++; i < len && isdigit((unsigned char)s[i]); i++) {
            frac += (s[i] - '0') * scale;
            scale /= 10;
        }
    }
    int off = 0;
    if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < len && (s[i] == '+' || s[i] == '-')) {
        int oh, om;
        if (digits(s, len, i + 1, 2, &oh) || i + 3 >= len || s[i + 3] != ':' ||
            digits(s, len, i + 4, 2, &om))
            return c8s_err_set(err, C8S_EBADREQUEST, "not an RFC 3339 time: %.*s", (int)len, s);
        off = (oh * 60 + om) * 60 * (s[i] == '-' ? -1 : 1);
        i += 6;
    } else {
        return c8s_err_set(err, C8S_EBADREQUEST, "RFC 3339 time without a zone: %.*s", (int)len, s);
    }
    if (i != len)
        return c8s_err_set(err, C8S_EBADREQUEST, "not an RFC 3339 time: %.*s", (int)len, s);
    struct tm tm = {.tm_year = Y - 1900,
                    .tm_mon = M - 1,
                    .tm_mday = D,
                    .tm_hour = h,
                    .tm_min = m,
                    .tm_sec = sec};
    int64_t t = (int64_t)timegm(&tm) - off;
    *out = t * 1000000000 + frac;
    return 0;
}

static int opt_int(const char *(*get)(const char *, void *), void *data, const char *name,
                   long long min, long long *out, c8s_err_t *err)
{
    const char *v = get(name, data);
    if (!v || !*v)
        return 1;
    char *end = NULL;
    long long n = strtoll(v, &end, 10);
    if (*end || end == v)
        return c8s_err_set(err, C8S_EBADREQUEST, "%s: not a number: %s", name, v);
    if (n < min)
        return c8s_err_set(err, C8S_EBADREQUEST, "%s: must be greater than or equal to %lld", name,
                           min);
    *out = n;
    return 0;
}

static int opt_bool(const char *(*get)(const char *, void *), void *data, const char *name,
                    bool *out, c8s_err_t *err)
{
    const char *v = get(name, data);
    *out = false;
    if (!v || !*v || strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
        return 0;
    if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
        *out = true;
        return 0;
    }
    return c8s_err_set(err, C8S_EBADREQUEST, "%s: not a boolean: %s", name, v);
}

int crilog_opts_parse(const char *(*get)(const char *name, void *data), void *data, int64_t now_ns,
                      crilog_opts_t *o, c8s_err_t *err)
{
    memset(o, 0, sizeof(*o));
    o->tail_lines = -1;
    if (opt_bool(get, data, "follow", &o->follow, err) ||
        opt_bool(get, data, "previous", &o->previous, err) ||
        opt_bool(get, data, "timestamps", &o->timestamps, err))
        return err->code;
    long long v = 0;
    int rc = opt_int(get, data, "tailLines", 0, &v, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        o->tail_lines = (long)v;
    rc = opt_int(get, data, "limitBytes", 1, &v, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        o->limit_bytes = v;
    rc = opt_int(get, data, "sinceSeconds", 1, &v, err);
    if (rc < 0)
        return rc;
    const char *since_time = get("sinceTime", data);
    if (rc == 0 && since_time && *since_time)
        return c8s_err_set(err, C8S_EBADREQUEST,
                           "at most one of sinceTime or sinceSeconds may be specified");
    if (rc == 0)
        o->since_ns = now_ns - (int64_t)v * 1000000000;
    else if (since_time && *since_time &&
             crilog_parse_time(since_time, strlen(since_time), &o->since_ns, err) != 0)
        return err->code;
    return 0;
}

bool crilog_format(const char *line, size_t len, const crilog_opts_t *o, bool *at_line_start,
                   strbuf_t *out)
{
    crilog_record_t r;
    c8s_err_t err = C8S_ERR_INIT;
    if (crilog_parse(line, len, &r, &err) != 0) {
        c8s_err_clear(&err);
        if (len > 0 && line[len - 1] == '\n')
            len--;
        strbuf_addn(out, line, len);
        strbuf_add(out, "\n");
        *at_line_start = true;
        return true;
    }
    if (o->since_ns) {
        int64_t t = 0;
        if (crilog_parse_time(r.ts, r.ts_len, &t, &err) == 0 && t < o->since_ns)
            return false;
        c8s_err_clear(&err);
    }
    if (o->timestamps && *at_line_start) {
        strbuf_addn(out, r.ts, r.ts_len);
        strbuf_add(out, " ");
    }
    strbuf_addn(out, r.text, r.text_len);
    if (!r.partial)
        strbuf_add(out, "\n");
    *at_line_start = !r.partial;
    return true;
}
