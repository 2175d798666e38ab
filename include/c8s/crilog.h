/*
 * crilog.h — the CRI container log format, as the shim writes it and as the kubelet's
 * /containerLogs will read it: one record per line, "<RFC3339Nano> <stdout|stderr> <P|F> <text>".
 * A P (partial) record continues in the next one; only an F record ends a logical line, so
 * tail counts F records. Pure functions, no I/O.
 */
#ifndef C8S_CRILOG_H
#define C8S_CRILOG_H

#include "c8s/base.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *ts; /* borrowed from the input line, not NUL-terminated */
    size_t ts_len;
    bool is_stderr;
    bool partial;     /* P tag: the logical line continues in the next record */
    const char *text; /* borrowed; without the record's trailing newline */
    size_t text_len;
} crilog_record_t;

/* Parses one record (line with or without its '\n'); the fields borrow from line.
 * Returns 0 or C8S_EBADREQUEST when the line is not a CRI record. */
int crilog_parse(const char *line, size_t len, crilog_record_t *out, c8s_err_t *err);

/* The offset in buf where the last n logical lines begin (n < 0: all, offset 0). A trailing
 * record without '\n' (being written) counts like the others; malformed records count as
 * one line each, as they end a line when printed. */
size_t crilog_tail_offset(const char *buf, size_t len, long n);
/* The logical lines in buf (as crilog_tail_offset counts them). */
long crilog_count_lines(const char *buf, size_t len);

/* What /containerLogs was asked for (upstream's PodLogOptions, as query parameters). */
typedef struct {
    bool follow, previous, timestamps;
    long tail_lines;       /* -1: all */
    long long limit_bytes; /* 0: no limit */
    int64_t since_ns;      /* records before this wall-clock time are skipped (0: none) */
} crilog_opts_t;

/* Reads the options from the query (get(name, data) returns a parameter or NULL); now_ns is
 * the wall clock sinceSeconds counts back from. C8S_EBADREQUEST for a malformed or negative
 * value (upstream's validation of PodLogOptions). */
int crilog_opts_parse(const char *(*get)(const char *name, void *data), void *data, int64_t now_ns,
                      crilog_opts_t *out, c8s_err_t *err);
/* An RFC 3339 time (fractional seconds and a zone offset allowed) as nanoseconds since the
 * epoch; C8S_EBADREQUEST when it is not one. */
int crilog_parse_time(const char *s, size_t len, int64_t *out, c8s_err_t *err);
/* Appends what one record prints as (o->timestamps: its time first when it begins a line;
 * *at_line_start says so and is updated); malformed records print as they are, with a newline.
 * Returns false when the record is before o->since_ns (nothing appended). */
struct strbuf_s;
bool crilog_format(const char *line, size_t len, const crilog_opts_t *o, bool *at_line_start,
                   struct strbuf_s *out);

#endif
