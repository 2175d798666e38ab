/*
 * table.c — the meta.k8s.io/v1 Table document around the per-kind printers of table_cells.c:
 * column definitions, rows with the includeObject policy, list / single-object / watch-event
 * tables, and upstream's HumanDuration for ages.
 *
 * Shapes follow upstream: TableConvertor generates with Wide: true (every cell); the API
 * handler's asTable replaces each row's object per includeObject (PartialObjectMetadata by
 * default); the watch encoder drops column definitions after the first event (leaving a nil
 * slice, serialized as null).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "c8s/table.h"
#include "internal.h"
#include "table_int.h"

int table_parse_include(const char *s, table_include_t *out, c8s_err_t *err)
{
    if (!s || !*s || strcmp(s, "Metadata") == 0)
        *out = TABLE_INCLUDE_METADATA;
    else if (strcmp(s, "None") == 0)
        *out = TABLE_INCLUDE_NONE;
    else if (strcmp(s, "Object") == 0)
        *out = TABLE_INCLUDE_OBJECT;
    else
        return c8s_err_set(err, C8S_EBADREQUEST, "unrecognized includeObject value: \"%s\"", s);
    return 0;
}

/* --- cells ------------------------------------------------------------------------------- */

void table__str(json_t *cells, const char *s)
{
    json_t *v = json_string(s ? s : "");
    /* A string jansson refuses (not UTF-8) still takes its cell, so cells stay aligned. */
    json_array_append_new(cells, v ? v : json_string(""));
}

void table__own(json_t *cells, char *s)
{
    table__str(cells, s);
    free(s);
}

void table__int(json_t *cells, long long v)
{
    json_array_append_new(cells, json_integer(v));
}

void table__bool(json_t *cells, bool v)
{
    json_array_append_new(cells, json_boolean(v));
}

/* --- time -------------------------------------------------------------------------------- */

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool table_parse_time(const char *s, int64_t *out)
{
    int y, mo, d, h, mi, sec;
    if (!s || strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
        s[7] != '-' || !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
        !digits(s + 17, 2, &sec))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return false;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    long offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om))
            return false;
        offset = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return false;
    }
    if (*p)
        return false;
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    *out = (int64_t)timegm(&tm) - offset;
    return true;
}

/* Upstream's k8s.io/apimachinery/pkg/util/duration.HumanDuration, on whole seconds. Precision
 * drops as the duration grows: seconds up to 2 minutes, minutes and seconds up to 10 minutes,
 * minutes up to 3 hours, hours and minutes up to 8 hours, hours up to 2 days, days and hours up
 * to 8 days, days up to 2 years, years and days up to 8 years, then years. */
char *table_age(int64_t seconds)
{
    if (seconds < -1)
        return xstrdup("<invalid>");
    if (seconds < 0)
        return xstrdup("0s");
    if (seconds < 60 * 2)
        return xasprintf("%llds", (long long)seconds);
    long long minutes = seconds / 60;
    if (minutes < 10) {
        long long s = seconds % 60;
        return s ? xasprintf("%lldm%llds", minutes, s) : xasprintf("%lldm", minutes);
    }
    if (minutes < 60 * 3)
        return xasprintf("%lldm", minutes);
    long long hours = seconds / 3600;
    if (hours < 8) {
        long long m = minutes % 60;
        return m ? xasprintf("%lldh%lldm", hours, m) : xasprintf("%lldh", hours);
    }
    if (hours < 48)
        return xasprintf("%lldh", hours);
    if (hours < 24 * 8) {
        long long h = hours % 24;
        return h ? xasprintf("%lldd%lldh", hours / 24, h) : xasprintf("%lldd", hours / 24);
    }
    if (hours < 24 * 365 * 2)
        return xasprintf("%lldd", hours / 24);
    if (hours < 24 * 365 * 8) {
        long long dy = (hours / 24) % 365;
        return dy ? xasprintf("%lldy%lldd", hours / 24 / 365, dy)
                  : xasprintf("%lldy", hours / 24 / 365);
    }
    return xasprintf("%lldy", hours / 24 / 365);
}

char *table__since(const char *ts, int64_t now)
{
    int64_t t;
    if (!ts || !*ts || !table_parse_time(ts, &t))
        return xstrdup("<unknown>");
    /* Go truncates the elapsed duration: at whole-second now, a fractional timestamp
     * (MicroTime, "…:10.5Z") is a second younger than its whole seconds. */
    const char *frac = strchr(ts, '.');
    if (frac && frac[strspn(frac + 1, "0") + 1] >= '1' && frac[strspn(frac + 1, "0") + 1] <= '9')
        t++;
    return table_age(now - t);
}

char *table__age_of(const json_t *obj, int64_t now)
{
    return table__since(api__str(api__obj(obj, "metadata"), "creationTimestamp"), now);
}

/* --- rows and tables --------------------------------------------------------------------- */

json_t *table_column_definitions(const api_kind_t *k, bool wide)
{
    const table__printer_t *p = table__printer_for(k);
    json_t *cols = json_array();
    for (size_t i = 0; i < p->ncols; i++) {
        const table__col_t *c = &p->cols[i];
        if (!wide && c->priority != 0)
            continue;
        json_array_append_new(cols, json_pack("{s:s, s:s, s:s, s:s, s:i}", "name", c->name, "type",
                                              c->type, "format", c->format, "description", c->desc,
                                              "priority", c->priority));
    }
    return cols;
}

static json_t *row_object(const json_t *obj, table_include_t inc)
{
    switch (inc) {
    case TABLE_INCLUDE_NONE:
        return json_null();
    case TABLE_INCLUDE_OBJECT:
        return json_incref((json_t *)obj);
    case TABLE_INCLUDE_METADATA:
    default: {
        json_t *meta = api__obj(obj, "metadata");
        return json_pack("{s:s, s:s, s:o}", "kind", "PartialObjectMetadata", "apiVersion",
                         "meta.k8s.io/v1", "metadata", meta ? json_incref(meta) : json_object());
    }
    }
}

json_t *table_row(const api_kind_t *k, const json_t *obj, int64_t now_unix, table_include_t inc)
{
    const table__printer_t *p = table__printer_for(k);
    json_t *row = json_object();
    json_t *cells = json_array();
    cleanup_json json_t *empty = NULL;
    if (!json_is_object(obj))
        obj = empty = json_object();
    p->cells(obj, now_unix, cells, row);
    /* A printer that fell short (a bug) must not shift kubectl's columns: pad to the width. */
    while (json_array_size(cells) < p->ncols)
        table__str(cells, "");
    json_object_set_new(row, "cells", cells);
    json_object_set_new(row, "object", row_object(obj, inc));
    return row;
}

static json_t *table_new(const api_kind_t *k, const char *rv, const char *cont, bool headers)
{
    json_t *meta = json_object();
    if (rv && *rv)
        json_object_set_new(meta, "resourceVersion", json_string(rv));
    if (cont && *cont)
        json_object_set_new(meta, "continue", json_string(cont));
    return json_pack("{s:s, s:s, s:o, s:o, s:[]}", "kind", "Table", "apiVersion", "meta.k8s.io/v1",
                     "metadata", meta, "columnDefinitions",
                     headers ? table_column_definitions(k, true) : json_null(), "rows");
}

json_t *table_from_list(const api_kind_t *k, const json_t *items, const char *resource_version,
                        const char *cont, int64_t now_unix, table_include_t inc)
{
    json_t *t = table_new(k, resource_version, cont, true);
    json_t *rows = json_object_get(t, "rows");
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
        json_array_append_new(rows, table_row(k, item, now_unix, inc));
    return t;
}

static json_t *single(const api_kind_t *k, const json_t *obj, int64_t now, table_include_t inc,
                      bool headers)
{
    const char *rv = api__str(api__obj(obj, "metadata"), "resourceVersion");
    json_t *t = table_new(k, rv, NULL, headers);
    json_array_append_new(json_object_get(t, "rows"), table_row(k, obj, now, inc));
    return t;
}

json_t *table_from_object(const api_kind_t *k, const json_t *obj, int64_t now_unix,
                          table_include_t inc)
{
    return single(k, obj, now_unix, inc, true);
}

json_t *table_for_event(const api_kind_t *k, const json_t *obj, int64_t now_unix,
                        table_include_t inc, bool headers)
{
    return single(k, obj, now_unix, inc, headers);
}
