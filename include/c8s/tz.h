/*
 * tz.h — IANA time zones from the system's tz database (/usr/share/zoneinfo, Debian's tzdata),
 * for CronJob spec.timeZone: a zone's UTC offset at any instant, from the TZif transitions and,
 * past the last one, the POSIX TZ rule in the file's footer.
 */
#ifndef C8S_TZ_H
#define C8S_TZ_H

#include "c8s/base.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tz_s tz_t;

/* Parses a TZif file's bytes (versions 1–4). *out is owned (tz_free). Pure. C8S_EBADREQUEST
 * when the data is not a valid TZif file. */
int tz_parse(const unsigned char *buf, size_t len, tz_t **out, c8s_err_t *err);
/* A zone from a POSIX TZ rule alone ("CET-1CEST,M3.5.0,M10.5.0/3"). Pure. */
int tz_parse_posix(const char *rule, tz_t **out, c8s_err_t *err);
/* Loads the zone named name ("Europe/Berlin", "UTC") from the tz database. C8S_ENOTFOUND with
 * upstream's "unknown time zone <name>" when there is no such zone; names with "..", a leading
 * '/' or odd characters are refused the same way. */
int tz_load(const char *name, tz_t **out, c8s_err_t *err);
void tz_free(tz_t *tz);

/* Seconds east of UTC at the instant t (Unix seconds). */
int32_t tz_offset(const tz_t *tz, int64_t t);

#endif
