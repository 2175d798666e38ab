/*
 * tokenrequest.c — POST /api/v1/namespaces/<ns>/serviceaccounts/<name>/token: a TokenRequest
 * (authentication.k8s.io/v1) answered with a signed, time-bound ServiceAccount token, optionally
 * bound to a Pod or Secret (the token dies with the object). Nothing is stored.
 */
#include "internal.h"
#include "c8s/jwt.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* upstream's bounds on spec.expirationSeconds */
#define TR_DEFAULT_EXPIRATION 3600
#define TR_MIN_EXPIRATION     600
#define TR_MAX_EXPIRATION     (1LL << 32)

static void fail(api_req_t *r, c8s_err_t *err)
{
    apiserver__respond_err(r, err);
    c8s_err_clear(err);
}

static void invalid(api_req_t *r, const char *field, const char *detail)
{
    c8s_err_t err = C8S_ERR_INIT;
    c8s_err_add_cause(&err, "FieldValueInvalid", field, "%s", detail);
    c8s_err_set(&err, C8S_EINVALID, "TokenRequest.authentication.k8s.io \"%s\" is invalid: %s: %s",
                r->name, field, detail);
    fail(r, &err);
}

static resource_t *core_res(apiserver_t *s, const char *resource)
{
    return apiserver__resource_for(s, api_kind_lookup("", "v1", resource));
}

static const char *uid_of(const json_t *obj)
{
    return json_string_value(json_object_get(json_object_get(obj, "metadata"), "uid"));
}

/* r->old: the ServiceAccount; r->items: the bound object or NULL (both read from etcd, so a
 * token can be asked for an account created a moment ago, as upstream's registry reads). */
static void issue(api_req_t *r)
{
    json_t *spec = json_object_get(r->obj, "spec");
    json_t *bref = json_object_get(spec, "boundObjectRef");
    const char *bkind = json_string_value(json_object_get(bref, "kind"));
    const char *bname = json_string_value(json_object_get(bref, "name"));
    const char *bound_uid = r->items ? uid_of(r->items) : NULL;
    const char *node = NULL, *node_uid = NULL;
    if (bkind && strcmp(bkind, "Pod") == 0) {
        /* A pod's token also names its node, as upstream's since 1.30. */
        node = json_string_value(json_object_get(json_object_get(r->items, "spec"), "nodeName"));
        if (node && *node) {
            resource_t *nres = core_res(r->srv, "nodes");
            cleanup_free char *key = apiserver__key(nres, NULL, node);
            wc_obj_t *n = nres->ready ? wcache_get(nres->cache, key) : NULL;
            node_uid = n ? n->uid : NULL;
        } else {
            node = NULL;
        }
    }
    json_t *auds = json_object_get(spec, "audiences");
    size_t n_auds = json_array_size(auds);
    const char **aud = xcalloc(n_auds + 1, sizeof(char *));
    for (size_t i = 0; i < n_auds; i++)
        aud[i] = json_string_value(json_array_get(auds, i));
    int64_t now = (int64_t)time(NULL);
    int64_t exp = now + json_integer_value(json_object_get(spec, "expirationSeconds"));
    char jti[37];
    apiserver__uuid(jti);
    jwt_sa_t c = {.audiences = aud,
                  .n_audiences = n_auds,
                  .iat = now,
                  .exp = exp,
                  .jti = jti,
                  .ns = r->ns,
                  .sa_name = r->name,
                  .sa_uid = uid_of(r->old),
                  .bound_kind = bkind,
                  .bound_name = bname,
                  .bound_uid = bound_uid,
                  .node_name = node,
                  .node_uid = node_uid};
    c8s_err_t err = C8S_ERR_INIT;
    char *tok = c.sa_uid ? apiserver__sa_token_sign(r->srv, &c, &err) : NULL;
    free(aud);
    if (!tok) {
        if (!err.code)
            c8s_err_set(&err, C8S_EINTERNAL, "the service account has no uid");
        return fail(r, &err);
    }
    char ts[32];
    time_t t = (time_t)exp;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_object_set_new(r->obj, "status",
                        json_pack("{s:s, s:s}", "token", tok, "expirationTimestamp", ts));
    free(tok);
    apiserver__respond_obj(r, 201, c8s_steal(&r->obj));
}

static void on_bound(const store_result_t *res, void *data)
{
    api_req_t *r = data;
    json_t *bref = json_object_get(json_object_get(r->obj, "spec"), "boundObjectRef");
    const char *bkind = json_string_value(json_object_get(bref, "kind"));
    const char *bname = json_string_value(json_object_get(bref, "name"));
    const char *buid = json_string_value(json_object_get(bref, "uid"));
    c8s_err_t err = C8S_ERR_INIT;
    if (res->code != 0) {
        apiserver__store_err(res, &err);
        return fail(r, &err);
    }
    if (res->n_kvs == 0) {
        c8s_err_set(&err, C8S_ENOTFOUND, "%s \"%s\" not found",
                    strcmp(bkind, "Pod") == 0 ? "pods" : "secrets", bname);
        return fail(r, &err);
    }
    r->items = apiserver__decode_stored(res->kvs[0].value, res->kvs[0].value_len,
                                        res->kvs[0].mod_revision);
    const char *uid = uid_of(r->items);
    if (buid && *buid && (!uid || strcmp(uid, buid) != 0)) {
        c8s_err_set(&err, C8S_ECONFLICT,
                    "the UID in the bound object reference (%s) does not match the UID in "
                    "record. The object might have been deleted and then recreated",
                    buid);
        return fail(r, &err);
    }
    issue(r);
}

static void on_sa(const store_result_t *res, void *data)
{
    api_req_t *r = data;
    c8s_err_t err = C8S_ERR_INIT;
    if (apiserver__take_current(r, res, &err) != 0)
        return fail(r, &err);
    json_t *bref = json_object_get(json_object_get(r->obj, "spec"), "boundObjectRef");
    const char *bkind = json_string_value(json_object_get(bref, "kind"));
    if (!bkind)
        return issue(r);
    resource_t *bres = core_res(r->srv, strcmp(bkind, "Pod") == 0 ? "pods" : "secrets");
    cleanup_free char *key =
        apiserver__key(bres, r->ns, json_string_value(json_object_get(bref, "name")));
    store_get(r->srv->store, key, 0, on_bound, r);
}

/* Checks and defaults the request's spec (upstream's validation); false when answered. */
static bool check_spec(api_req_t *r, json_t *obj)
{
    json_t *spec = json_object_get(obj, "spec");
    if (!spec) {
        spec = json_object();
        json_object_set_new(obj, "spec", spec);
    }
    if (!json_is_object(spec)) {
        invalid(r, "spec", "must be an object");
        return false;
    }
    json_t *es = json_object_get(spec, "expirationSeconds");
    if (!es || json_is_null(es)) {
        json_object_set_new(spec, "expirationSeconds", json_integer(TR_DEFAULT_EXPIRATION));
    } else if (!json_is_integer(es)) {
        invalid(r, "spec.expirationSeconds", "must be an integer");
        return false;
    } else if (json_integer_value(es) < TR_MIN_EXPIRATION) {
        invalid(r, "spec.expirationSeconds", "may not specify a duration less than 10 minutes");
        return false;
    } else if (json_integer_value(es) > TR_MAX_EXPIRATION) {
        invalid(r, "spec.expirationSeconds", "may not specify a duration larger than 2^32 seconds");
        return false;
    }
    json_t *auds = json_object_get(spec, "audiences");
    if (auds && !json_is_null(auds) && !json_is_array(auds)) {
        invalid(r, "spec.audiences", "must be a list of strings");
        return false;
    }
    size_t i;
    json_t *a;
    json_array_foreach(auds, i, a) if (!json_is_string(a) || !*json_string_value(a))
    {
        invalid(r, "spec.audiences", "must be non-empty strings");
        return false;
    }
    if (json_array_size(auds) == 0) {
        size_t n = 0;
        const char *const *def = apiserver__api_audiences(r->srv, &n);
        json_t *arr = json_array();
        for (size_t j = 0; j < n; j++)
            json_array_append_new(arr, json_string(def[j]));
        json_object_set_new(spec, "audiences", arr);
    }
    json_t *bref = json_object_get(spec, "boundObjectRef");
    if (bref && !json_is_null(bref)) {
        const char *kind = json_string_value(json_object_get(bref, "kind"));
        const char *name = json_string_value(json_object_get(bref, "name"));
        const char *apiv = json_string_value(json_object_get(bref, "apiVersion"));
        if (!json_is_object(bref) || !kind ||
            (strcmp(kind, "Pod") != 0 && strcmp(kind, "Secret") != 0)) {
            invalid(r, "spec.boundObjectRef.kind", "supported values: \"Pod\", \"Secret\"");
            return false;
        }
        if (apiv && *apiv && strcmp(apiv, "v1") != 0) {
            invalid(r, "spec.boundObjectRef.apiVersion", "supported values: \"v1\"");
            return false;
        }
        if (!name || !*name) {
            invalid(r, "spec.boundObjectRef.name", "Required value");
            return false;
        }
    } else {
        json_object_del(spec, "boundObjectRef");
    }
    return true;
}

void apiserver__token_request(api_req_t *r)
{
    r->verb = "POST";
    if (strcmp(r->method, "POST") != 0)
        return apiserver__respond_code(
            r, C8S_EMETHOD, "the server does not allow this method on the requested resource");
    c8s_err_t err = C8S_ERR_INIT;
    if (!apiserver__tokens_can_sign(r->srv)) {
        c8s_err_set(&err, C8S_EUNAVAILABLE,
                    "the API server has no service account signing key "
                    "(--service-account-signing-key-file): tokens cannot be issued");
        return fail(r, &err);
    }
    json_t *obj = NULL;
    if (r->body_len == 0)
        obj = json_object();
    else if (apiserver__decode_body(r, &obj, &err) != 0)
        return fail(r, &err);
    if (!json_is_object(obj)) {
        json_decref(obj);
        c8s_err_set(&err, C8S_EBADREQUEST, "the request body must be a TokenRequest object");
        return fail(r, &err);
    }
    const char *kind = json_string_value(json_object_get(obj, "kind"));
    if (kind && *kind && strcmp(kind, "TokenRequest") != 0) {
        json_decref(obj);
        c8s_err_set(&err, C8S_EBADREQUEST,
                    "the kind in the data (%s) does not match the expected kind (TokenRequest)",
                    kind);
        return fail(r, &err);
    }
    json_object_set_new(obj, "kind", json_string("TokenRequest"));
    json_object_set_new(obj, "apiVersion", json_string("authentication.k8s.io/v1"));
    json_t *md = json_object_get(obj, "metadata");
    if (!json_is_object(md)) {
        md = json_object();
        json_object_set_new(obj, "metadata", md);
    }
    json_object_set_new(md, "name", json_string(r->name));
    json_object_set_new(md, "namespace", json_string(r->ns));
    json_object_set_new(md, "creationTimestamp", json_null());
    if (!check_spec(r, obj)) {
        json_decref(obj);
        return;
    }
    json_decref(r->obj);
    r->obj = obj;
    cleanup_free char *key = apiserver__key(r->res, r->ns, r->name);
    store_get(r->srv->store, key, 0, on_sa, r);
}
