/*
 * subres.c — the scale subresource (autoscaling/v1 Scale over a workload's spec.replicas) and
 * pods/binding (the scheduler's way to set spec.nodeName, once).
 */
#include "internal.h"
#include "c8s/patch.h"

#include <stdio.h>
#include <string.h>

static void fail(api_req_t *r, c8s_err_t *err)
{
    apiserver__respond_err(r, err);
    c8s_err_clear(err);
}

static json_t *scale_of(api_req_t *r, const json_t *obj)
{
    json_t *md = json_object_get(obj, "metadata");
    json_t *spec = json_object_get(obj, "spec");
    json_t *status = json_object_get(obj, "status");
    json_int_t want = json_is_integer(json_object_get(spec, "replicas"))
                          ? json_integer_value(json_object_get(spec, "replicas"))
                          : 1;
    json_int_t have = json_integer_value(json_object_get(status, "replicas"));
    json_t *scale =
        json_pack("{s:s, s:s, s:{s:O*, s:O*, s:O*, s:O*, s:O*}, s:{s:I}, s:{s:I}}", "kind", "Scale",
                  "apiVersion", "autoscaling/v1", "metadata", "name", json_object_get(md, "name"),
                  "namespace", json_object_get(md, "namespace"), "uid", json_object_get(md, "uid"),
                  "resourceVersion", json_object_get(md, "resourceVersion"), "creationTimestamp",
                  json_object_get(md, "creationTimestamp"), "spec", "replicas", want, "status",
                  "replicas", have);
    /* status.selector is the label selector in its string form, as upstream's Scale. */
    json_t *sel = json_object_get(spec, "selector");
    labelsel_t *ls = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    if (json_is_object(sel) && labelsel_from_json(sel, &ls, &err) == 0) {
        char *s = labelsel_string(ls);
        json_object_set_new(json_object_get(scale, "status"), "selector", json_string(s));
        free(s);
    } else if (json_is_object(sel)) {
        /* ReplicationController: a plain map selector. */
        char buf[1024] = "";
        const char *k;
        json_t *v;
        size_t n = 0;
        json_object_foreach(sel, k, v)
        {
            n += (size_t)snprintf(buf + n, n < sizeof(buf) ? sizeof(buf) - n : 0, "%s%s=%s",
                                  n ? "," : "", k, json_string_value(v));
        }
        json_object_set_new(json_object_get(scale, "status"), "selector", json_string(buf));
    }
    labelsel_free(ls);
    c8s_err_clear(&err);
    return scale;
}

static void on_scale_written(const store_result_t *res, void *data);
static void scale_read(api_req_t *r);

static void on_scale_read(const store_result_t *res, void *data)
{
    api_req_t *r = data;
    c8s_err_t err = C8S_ERR_INIT;
    if (apiserver__take_current(r, res, &err) != 0)
        return fail(r, &err);
    json_t *cur = scale_of(r, r->old);
    if (strcmp(r->method, "GET") == 0)
        return apiserver__respond_obj(r, 200, apiserver__transform_obj(r, cur, true));
    json_t *want = NULL;
    if (strcmp(r->method, "PUT") == 0) {
        want = json_incref(r->items);
    } else {
        const char *ct = r->content_type ? r->content_type : "";
        if (strcmp(ct, "application/json-patch+json") == 0) {
            if (patch_json(cur, r->items, &want, &err) != 0) {
                json_decref(cur);
                return fail(r, &err);
            }
        } else {
            want = patch_merge(cur, r->items);
        }
    }
    json_decref(cur);
    const char *rv =
        json_string_value(json_object_get(json_object_get(want, "metadata"), "resourceVersion"));
    if (strcmp(r->method, "PUT") == 0 && rv && *rv && strtoll(rv, NULL, 10) != r->old_rev) {
        json_decref(want);
        c8s_err_set(&err, C8S_ECONFLICT,
                    "Operation cannot be fulfilled on %s \"%s\": the object has been modified; "
                    "please apply your changes to the latest version and try again",
                    apiserver__qualified(r), r->name);
        return fail(r, &err);
    }
    json_t *replicas = json_object_get(json_object_get(want, "spec"), "replicas");
    if (!json_is_integer(replicas) || json_integer_value(replicas) < 0) {
        json_decref(want);
        c8s_err_add_cause(&err, "FieldValueInvalid", "spec.replicas",
                          "must be greater than or equal to 0");
        c8s_err_set(&err, C8S_EINVALID,
                    "Scale.autoscaling \"%s\" is invalid: spec.replicas: Invalid value: must be "
                    "greater than or equal to 0",
                    r->name);
        return fail(r, &err);
    }
    json_t *obj = json_deep_copy(r->old);
    json_t *spec = json_object_get(obj, "spec");
    json_int_t old_replicas = json_integer_value(json_object_get(spec, "replicas"));
    json_object_set_new(spec, "replicas", json_integer(json_integer_value(replicas)));
    json_decref(want);
    json_t *md = json_object_get(obj, "metadata");
    if (old_replicas != json_integer_value(replicas))
        json_object_set_new(
            md, "generation",
            json_integer(json_integer_value(json_object_get(md, "generation")) + 1));
    json_object_del(md, "resourceVersion");
    /* The scaler owns .spec.replicas from now on, as "<manager>" with subresource "scale". */
    apiserver__managed_update(r, r->old, obj);
    json_decref(r->obj);
    r->obj = obj;
    if (r->dry_run) {
        json_t *s = scale_of(r, r->obj);
        return apiserver__respond_obj(r, 200, s);
    }
    cleanup_free char *key = apiserver__key(r->res, r->ns, r->name);
    cleanup_free char *val = json_dumps(obj, JSON_COMPACT);
    store_update(r->srv->store, key, val, strlen(val), r->old_rev, 0, on_scale_written, r);
}

static void on_scale_written(const store_result_t *res, void *data)
{
    api_req_t *r = data;
    if (!apiserver__cas_landed(r, res, scale_read))
        return;
    char rv[24];
    snprintf(rv, sizeof(rv), "%lld", (long long)res->revision);
    json_object_set_new(json_object_get(r->obj, "metadata"), "resourceVersion", json_string(rv));
    apiserver__respond_obj(r, 200, scale_of(r, r->obj));
}

static void scale_read(api_req_t *r)
{
    cleanup_free char *key = apiserver__key(r->res, r->ns, r->name);
    store_get(r->srv->store, key, 0, on_scale_read, r);
}

void apiserver__scale(api_req_t *r)
{
    c8s_err_t err = C8S_ERR_INIT;
    if (strcmp(r->method, "GET") == 0 && apiserver__negotiate(r, false, false, &err) != 0)
        return fail(r, &err);
    if (strcmp(r->method, "GET") != 0) {
        if (strcmp(r->method, "PUT") != 0 && strcmp(r->method, "PATCH") != 0) {
            c8s_err_set(&err, C8S_EMETHOD,
                        "the server does not allow this method on the requested resource");
            return fail(r, &err);
        }
        json_t *body = NULL;
        if (apiserver__decode_body(r, &body, &err) != 0)
            return fail(r, &err);
        r->items = body;
    }
    scale_read(r);
}

/* ---- pods/binding ---- */

static void binding_read(api_req_t *r);

static void on_bound(const store_result_t *res, void *data)
{
    api_req_t *r = data;
    if (!apiserver__cas_landed(r, res, binding_read))
        return;
    json_t *st = json_pack("{s:s, s:s, s:{}, s:s, s:i}", "kind", "Status", "apiVersion", "v1",
                           "metadata", "status", "Success", "code", 201);
    apiserver__respond_obj(r, 201, st);
}

static void on_binding_read(const store_result_t *res, void *data)
{
    api_req_t *r = data;
    c8s_err_t err = C8S_ERR_INIT;
    if (res->code != 0) {
        apiserver__store_err(res, &err);
        return fail(r, &err);
    }
    if (res->n_kvs == 0) {
        apiserver__err_notfound(r, &err);
        return fail(r, &err);
    }
    cleanup_json json_t *pod = json_loadb(res->kvs[0].value, res->kvs[0].value_len, 0, NULL);
    if (!pod) {
        c8s_err_set(&err, C8S_EINTERNAL, "stored object is not valid JSON");
        return fail(r, &err);
    }
    json_t *md = json_object_get(pod, "metadata");
    json_t *spec = json_object_get(pod, "spec");
    const char *node =
        json_string_value(json_object_get(json_object_get(r->items, "target"), "name"));
    const char *cur = json_string_value(json_object_get(spec, "nodeName"));
    if (json_object_get(md, "deletionTimestamp")) {
        c8s_err_set(&err, C8S_ECONFLICT,
                    "Operation cannot be fulfilled on pods/binding \"%s\": pod %s is being "
                    "deleted, cannot be assigned to a host",
                    r->name, r->name);
        return fail(r, &err);
    }
    if (cur && *cur) {
        c8s_err_set(&err, C8S_ECONFLICT,
                    "Operation cannot be fulfilled on pods/binding \"%s\": pod %s is already "
                    "assigned to node \"%s\"",
                    r->name, r->name, cur);
        return fail(r, &err);
    }
    json_object_set_new(spec, "nodeName", json_string(node));
    json_t *status = json_object_get(pod, "status");
    if (!json_is_object(status)) {
        status = json_object();
        json_object_set_new(pod, "status", status);
    }
    json_t *conds = json_object_get(status, "conditions");
    if (!json_is_array(conds)) {
        conds = json_array();
        json_object_set_new(status, "conditions", conds);
    }
    char now[32];
    c8s_rfc3339_now(now, sizeof(now));
    size_t i;
    json_t *c;
    json_array_foreach(conds, i, c) if (strcmp(json_string_value(json_object_get(c, "type")) ?: "",
                                               "PodScheduled") == 0) break;
    json_t *cond = json_pack("{s:s, s:s, s:n, s:s}", "type", "PodScheduled", "status", "True",
                             "lastProbeTime", "lastTransitionTime", now);
    if (i < json_array_size(conds))
        json_array_set_new(conds, i, cond);
    else
        json_array_append_new(conds, cond);
    cleanup_free char *key = apiserver__key(r->res, r->ns, r->name);
    cleanup_free char *val = json_dumps(pod, JSON_COMPACT);
    store_update(r->srv->store, key, val, strlen(val), res->kvs[0].mod_revision, 0, on_bound, r);
}

static void binding_read(api_req_t *r)
{
    cleanup_free char *key = apiserver__key(r->res, r->ns, r->name);
    store_get(r->srv->store, key, 0, on_binding_read, r);
}

void apiserver__binding(api_req_t *r)
{
    c8s_err_t err = C8S_ERR_INIT;
    json_t *body = NULL;
    if (apiserver__decode_body(r, &body, &err) != 0)
        return fail(r, &err);
    r->items = body;
    const char *node = json_string_value(json_object_get(json_object_get(body, "target"), "name"));
    if (!node || !*node) {
        c8s_err_add_cause(&err, "FieldValueRequired", "target.name", "Required value");
        c8s_err_set(&err, C8S_EINVALID,
                    "Binding.core \"%s\" is invalid: target.name: Required value", r->name);
        return fail(r, &err);
    }
    if (r->dry_run) {
        json_t *st = json_pack("{s:s, s:s, s:{}, s:s, s:i}", "kind", "Status", "apiVersion", "v1",
                               "metadata", "status", "Success", "code", 201);
        return apiserver__respond_obj(r, 201, st);
    }
    binding_read(r);
}
