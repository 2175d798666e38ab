/* status.c — the one place an error value becomes a Kubernetes Status object. */
#include "internal.h"

json_t *apiserver__status(const c8s_err_t *err, const char *group, const char *kind,
                          const char *name)
{
    json_t *st = json_pack("{s:s, s:s, s:{}, s:s, s:s, s:s, s:i}", "kind", "Status", "apiVersion",
                           "v1", "metadata", "status", "Failure", "message", err->msg, "reason",
                           c8s_err_reason(err->code), "code", c8s_err_http_status(err->code));
    json_t *details = json_object();
    if (name && *name)
        json_object_set_new(details, "name", json_string(name));
    if (group && *group)
        json_object_set_new(details, "group", json_string(group));
    if (kind && *kind)
        json_object_set_new(details, "kind", json_string(kind));
    if (err->causes && json_array_size(err->causes) > 0)
        json_object_set(details, "causes", err->causes);
    if (err->code == C8S_ETOOMANY)
        json_object_set_new(details, "retryAfterSeconds", json_integer(1));
    if (json_object_size(details) > 0)
        json_object_set_new(st, "details", details);
    else
        json_decref(details);
    return st;
}
