/*
 * base.h — the conventions every room of c8s shares: errors as values, allocation that never
 * fails, cleanup attributes, and logging.
 *
 * Errors: a function that can fail takes `c8s_err_t *err` last, returns 0 or a negative C8S_E*
 * code, and fills `err` where the failure happened (c8s_err_set). Callers add context on the way
 * up with c8s_err_wrap. The API server turns an error into a Kubernetes Status in exactly one
 * place (apiserver/status.c), from the code, the message and the causes.
 */
#ifndef C8S_BASE_H
#define C8S_BASE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <jansson.h>

/* Error codes. Each maps to one Kubernetes Status reason and HTTP code. */
enum {
    C8S_OK = 0,
    C8S_EBADREQUEST = -1,  /* 400 BadRequest: malformed input */
    C8S_ENOTFOUND = -2,    /* 404 NotFound */
    C8S_EEXIST = -3,       /* 409 AlreadyExists */
    C8S_ECONFLICT = -4,    /* 409 Conflict: stale resourceVersion, lost race */
    C8S_EINVALID = -5,     /* 422 Invalid: validation failed; causes carry fields */
    C8S_EGONE = -6,        /* 410 Gone / Expired: resourceVersion too old */
    C8S_EUNAVAILABLE = -7, /* 503 ServiceUnavailable: etcd unreachable */
    C8S_EINTERNAL = -8,    /* 500 InternalError */
    C8S_ETOOMANY = -9,     /* 429 TooManyRequests */
    C8S_EMEDIATYPE = -10,  /* 415 UnsupportedMediaType */
    C8S_EMETHOD = -11,     /* 405 MethodNotAllowed */
    C8S_EFORBIDDEN = -12,  /* 403 Forbidden */
    C8S_EUNAUTH = -13,     /* 401 Unauthorized */
    C8S_ETIMEOUT = -14,    /* 504 Timeout */
    C8S_ENOTACCEPT = -15,  /* 406 NotAcceptable */
    C8S_ETOOLARGE = -16,   /* 413 RequestEntityTooLarge */
    C8S_ESYS = -17,        /* an OS call failed; message says which */
};

#define C8S_ERR_MSG_MAX 1024

typedef struct c8s_err_s {
    int code;                  /* one of C8S_E*, 0 when clear */
    char msg[C8S_ERR_MSG_MAX]; /* human-readable, built where the failure happened */
    json_t *causes;            /* owned; NULL or a JSON array of {reason, message, field} */
} c8s_err_t;

#define C8S_ERR_INIT                                                                               \
    {                                                                                              \
        0, {0}, NULL                                                                               \
    }

/* Sets code and message (printf-style); returns code so callers can `return c8s_err_set(...)`.
 * Any previous causes are kept (validation collects causes, then sets the code). */
int c8s_err_set(c8s_err_t *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefixes context to the message: "creating pod: <old message>"; returns err->code. */
int c8s_err_wrap(c8s_err_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends one field cause (reason e.g. "FieldValueRequired", field e.g. "spec.containers"). */
void c8s_err_add_cause(c8s_err_t *err, const char *reason, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Number of causes collected so far. */
size_t c8s_err_cause_count(const c8s_err_t *err);
/* Frees causes and resets to clear. Safe on a clear error. */
void c8s_err_clear(c8s_err_t *err);
/* Moves src into dst (dst cleared first); src becomes clear. */
void c8s_err_move(c8s_err_t *dst, c8s_err_t *src);
/* The Kubernetes reason ("NotFound") and HTTP status (404) for a code. */
const char *c8s_err_reason(int code);
int c8s_err_http_status(int code);

/* Allocation never fails: out of memory aborts, as in crun and h2o. Callers never test. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a newly allocated formatted string (owned by the caller). */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Cleanup attributes (crun's habit): released when the variable leaves scope. */
static inline void c8s_freep(void *p)
{
    free(*(void **)p);
}
static inline void c8s_json_decrefp(json_t **p)
{
    if (*p)
        json_decref(*p);
}
static inline void c8s_closep(int *fd)
{
    if (*fd >= 0)
        close(*fd);
}
static inline void c8s_err_clearp(c8s_err_t *e)
{
    c8s_err_clear(e);
}
#define cleanup_free  __attribute__((cleanup(c8s_freep)))
#define cleanup_json  __attribute__((cleanup(c8s_json_decrefp)))
#define cleanup_close __attribute__((cleanup(c8s_closep)))
#define cleanup_err   __attribute__((cleanup(c8s_err_clearp)))

/* Hands ownership on: returns *pp and sets *pp to NULL. */
#define c8s_steal(pp)                                                                              \
    ({                                                                                             \
        __typeof__(*(pp)) _v = *(pp);                                                              \
        *(pp) = NULL;                                                                              \
        _v;                                                                                        \
    })

#define C8S_ARRAY_SIZE(a)                   (sizeof(a) / sizeof((a)[0]))
#define c8s_container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

/* Detaches every mount stacked on path (a process killed between mounting and recording mounts
 * again on its next start; one umount would leave the lower one). 0 also when path is no mount
 * point or does not exist; C8S_ESYS otherwise. */
int c8s_unmount_all(const char *path, c8s_err_t *err);

/* Logging to stderr, one line each, with level and time. Thread-safe. */
enum { C8S_LOG_ERROR = 0, C8S_LOG_WARN = 1, C8S_LOG_INFO = 2, C8S_LOG_DEBUG = 3 };
void c8s_log_set_level(int level);
int c8s_log_get_level(void);
void c8s_log(int level, const char *room, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define log_error(room, ...) c8s_log(C8S_LOG_ERROR, room, __VA_ARGS__)
#define log_warn(room, ...)  c8s_log(C8S_LOG_WARN, room, __VA_ARGS__)
#define log_info(room, ...)  c8s_log(C8S_LOG_INFO, room, __VA_ARGS__)
#define log_debug(room, ...)                                                                       \
    do {                                                                                           \
        if (c8s_log_get_level() >= C8S_LOG_DEBUG)                                                  \
            c8s_log(C8S_LOG_DEBUG, room, __VA_ARGS__);                                             \
    } while (0)

/* Monotonic time in nanoseconds and milliseconds; wall clock as RFC 3339 UTC (second precision,
 * as metadata.creationTimestamp) into buf (at least 21 bytes). */
uint64_t c8s_now_ns(void);
uint64_t c8s_now_ms(void);
void c8s_rfc3339_now(char *buf, size_t len);
/* Unix seconds as RFC 3339 UTC, second precision, into buf (at least 21 bytes). */
void c8s_rfc3339_format(int64_t t, char *buf, size_t len);
/* The Unix seconds of an RFC 3339 UTC time ("2026-11-23T05:00:00Z"; a fraction is ignored), or -1
 * when s is NULL or not one. */
int64_t c8s_rfc3339_parse(const char *s);
/* A duration of ms milliseconds as Go's time.Duration prints it ("512ms", "1.5s", "2m3.04s",
 * "1h0m0s"), which upstream's event messages carry, into buf (at least 32 bytes). */
void c8s_go_duration_ms(uint64_t ms, char *buf, size_t len);

#endif
