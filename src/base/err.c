/* err.c — errors as values: codes, messages built where failures happen, field causes. */
#include "c8s/base.h"

#include <stdio.h>
#include <string.h>

static const struct {
    int code;
    const char *reason;
    int http;
} err_table[] = {
    {C8S_OK, "", 200},
    {C8S_EBADREQUEST, "BadRequest", 400},
    {C8S_ENOTFOUND, "NotFound", 404},
    {C8S_EEXIST, "AlreadyExists", 409},
    {C8S_ECONFLICT, "Conflict", 409},
    {C8S_EINVALID, "Invalid", 422},
    {C8S_EGONE, "Expired", 410},
    {C8S_EUNAVAILABLE, "ServiceUnavailable", 503},
    {C8S_EINTERNAL, "InternalError", 500},
    {C8S_ETOOMANY, "TooManyRequests", 429},
    {C8S_EMEDIATYPE, "UnsupportedMediaType", 415},
    {C8S_EMETHOD, "MethodNotAllowed", 405},
    {C8S_EFORBIDDEN, "Forbidden", 403},
    {C8S_EUNAUTH, "Unauthorized", 401},
    {C8S_ETIMEOUT, "Timeout", 504},
    {C8S_ENOTACCEPT, "NotAcceptable", 406},
    {C8S_ETOOLARGE, "RequestEntityTooLarge", 413},
    {C8S_ESYS, "InternalError", 500},
};

const char *c8s_err_reason(int code)
{
    for (size_t i = 0; i < C8S_ARRAY_SIZE(err_table); i++)
        if (err_table[i].code == code)
            return err_table[i].reason;
    return "InternalError";
}

int c8s_err_http_status(int code)
{
    for (size_t i = 0; i < C8S_ARRAY_SIZE(err_table); i++)
        if (err_table[i].code == code)
            return err_table[i].http;
    return 500;
}

int c8s_err_set(c8s_err_t *err, int code, const char *fmt, ...)
{
    if (!err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    err->code = code;
    return code;
}

int c8s_err_wrap(c8s_err_t *err, const char *fmt, ...)
{
    if (!err)
        return C8S_EINTERNAL;
    char prefix[C8S_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    size_t plen = strlen(prefix);
    if (plen + 2 >= sizeof(err->msg))
        plen = sizeof(err->msg) - 3;
    size_t olen = strnlen(err->msg, sizeof(err->msg) - 1);
    if (plen + 2 + olen >= sizeof(err->msg))
        olen = sizeof(err->msg) - plen - 3;
    memmove(err->msg + plen + 2, err->msg, olen);
    memcpy(err->msg, prefix, plen);
    memcpy(err->msg + plen, ": ", 2);
    err->msg[plen + 2 + olen] = '\0';
    return err->code;
}

void c8s_err_add_cause(c8s_err_t *err, const char *reason, const char *field, const char *fmt, ...)
{
    if (!err)
        return;
    char msg[C8S_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!err->causes)
        err->causes = json_array();
    json_array_append_new(err->causes, json_pack("{s:s, s:s, s:s}", "reason", reason, "message",
                                                 msg, "field", field ? field : ""));
}

size_t c8s_err_cause_count(const c8s_err_t *err)
{
    return err && err->causes ? json_array_size(err->causes) : 0;
}

void c8s_err_clear(c8s_err_t *err)
{
    if (!err)
        return;
    if (err->causes)
        json_decref(err->causes);
    err->causes = NULL;
    err->code = 0;
    err->msg[0] = '\0';
}

void c8s_err_move(c8s_err_t *dst, c8s_err_t *src)
{
    c8s_err_clear(dst);
    *dst = *src;
    src->causes = NULL;
    src->code = 0;
    src->msg[0] = '\0';
}
