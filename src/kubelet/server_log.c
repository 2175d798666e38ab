/* server_log.c — parsing the CRI log records the shim writes (see crilog.h). */
#include "c8s/crilog.h"

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
