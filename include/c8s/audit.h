/*
 * audit.h — the audit log: upstream's audit.k8s.io/v1 Policy (which requests are recorded, at
 * what level, at which stages) and a size-rotated JSON-lines file written off the caller's
 * thread.
 */
#ifndef C8S_AUDIT_H
#define C8S_AUDIT_H

#include "c8s/auth.h"
#include "c8s/base.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

typedef enum {
    AUDIT_LEVEL_NONE = 0,
    AUDIT_LEVEL_METADATA,
    AUDIT_LEVEL_REQUEST,
    AUDIT_LEVEL_REQUEST_RESPONSE,
} audit_level_t;

/* Stages as a bit set (omitStages). */
enum {
    AUDIT_STAGE_REQUEST_RECEIVED = 1,
    AUDIT_STAGE_RESPONSE_STARTED = 2,
    AUDIT_STAGE_RESPONSE_COMPLETE = 4,
    AUDIT_STAGE_PANIC = 8,
};

const char *audit_level_name(audit_level_t l);

typedef struct audit_policy_s audit_policy_t;

/* Parses an audit.k8s.io/v1 (or v1beta1) Policy from YAML or JSON text. Unknown levels or stages
 * are errors (C8S_EINVALID). *out is owned; free with audit_policy_free. */
int audit_policy_parse(const char *text, size_t len, audit_policy_t **out, c8s_err_t *err);
/* Reads and parses a policy file. */
int audit_policy_load(const char *path, audit_policy_t **out, c8s_err_t *err);
void audit_policy_free(audit_policy_t *p);

/* The level of the first rule matching the request (u may be NULL: system:anonymous with no
 * groups), AUDIT_LEVEL_NONE when none does. *omit gets the stages to leave out: the policy's
 * omitStages and the rule's. */
audit_level_t audit_policy_match(const audit_policy_t *p, const auth_user_t *u,
                                 const auth_attrs_t *a, unsigned *omit);

/* A rotated file's name, as lumberjack (upstream's log rotation) names it: the base name with
 * "-<UTC time to the millisecond>" before the extension, e.g. /var/log/audit.log →
 * /var/log/audit-2026-11-23T03-30-00.000.log. Owned. */
char *audit_backup_name(const char *path, time_t secs, int millis);

/* The log file: lines are appended to a buffer and a writer thread writes them, rotating when the
 * file would pass max_bytes (0: never), keeping max_backups rotated files (0: all) no older than
 * max_age_days (0: any age). path "-" is standard output (never rotated). */
typedef struct audit_log_s audit_log_t;
int audit_log_open(const char *path, size_t max_bytes, int max_backups, int max_age_days,
                   audit_log_t **out, c8s_err_t *err);
/* Queues one line (a newline is added). Thread-safe, never blocks on the disk; when the writer
 * falls more than 64 MiB behind, lines are dropped and counted. */
void audit_log_write(audit_log_t *l, const char *line, size_t len);
/* Writes what is queued, stops the writer and frees l. */
void audit_log_close(audit_log_t *l);
/* Lines dropped so far. */
unsigned long long audit_log_dropped(audit_log_t *l);

#endif
