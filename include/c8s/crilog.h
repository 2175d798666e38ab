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

#endif
