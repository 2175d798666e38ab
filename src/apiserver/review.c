/*
 * review.c — create-only kinds: a client POSTs a question (TokenReview, SubjectAccessReview, ...)
 * and gets the same object back with its status filled in. Nothing is stored, as upstream.
 */
#include "internal.h"

#include <string.h>

/* Fills obj's status in place (obj is owned by the caller). Runs on the server's loop. */
typedef int (*review_fn)(api_req_t *r, json_t *obj, c8s_err_t *err);

static const struct {
    const char *group, *resource;
    review_fn fn;
} reviews[] = {
    {NULL, NULL, NULL},
};

static review_fn find(const api_kind_t *k)
{
    for (size_t i = 0; reviews[i].fn; i++)
        if (strcmp(reviews[i].group, k->group) == 0 &&
            strcmp(reviews[i].resource, k->resource) == 0)
            return reviews[i].fn;
    return NULL;
}

static int check_type(api_req_t *r, json_t *obj, c8s_err_t *err)
{
    if (!json_is_object(obj))
        return c8s_err_set(err, C8S_EBADREQUEST, "the request body must be a JSON object");
    char apiv[64];
    api_kind_api_version(r->kind, apiv, sizeof(apiv));
    const char *kind = json_string_value(json_object_get(obj, "kind"));
    const char *av = json_string_value(json_object_get(obj, "apiVersion"));
    if (kind && *kind && strcmp(kind, r->kind->kind) != 0)
        return c8s_err_set(err, C8S_EBADREQUEST,
                           "the kind in the data (%s) does not match the expected kind (%s)", kind,
                           r->kind->kind);
    if (av && *av && strcmp(av, apiv) != 0)
        return c8s_err_set(err, C8S_EBADREQUEST,
                           "the API version in the data (%s) does not match the expected API "
                           "version (%s)",
                           av, apiv);
    json_object_set_new(obj, "kind", json_string(r->kind->kind));
    json_object_set_new(obj, "apiVersion", json_string(apiv));
    if (!json_is_object(json_object_get(obj, "metadata")))
        json_object_set_new(obj, "metadata", json_object());
    if (r->ns)
        json_object_set_new(json_object_get(obj, "metadata"), "namespace", json_string(r->ns));
    return 0;
}

void apiserver__review(api_req_t *r)
{
    r->verb = r->method;
    review_fn fn = find(r->kind);
    if (!fn) {
        apiserver__respond_code(r, C8S_ENOTFOUND,
                                "the server could not find the requested resource");
        return;
    }
    if (strcmp(r->method, "POST") != 0 || r->name) {
        apiserver__respond_code(r, C8S_EMETHOD,
                                "the server does not allow this method on the requested resource");
        return;
    }
    c8s_err_t err = C8S_ERR_INIT;
    json_t *obj = NULL;
    if (apiserver__decode_body(r, &obj, &err) != 0 || check_type(r, obj, &err) != 0 ||
        fn(r, obj, &err) != 0) {
        json_decref(obj);
        apiserver__respond_err(r, &err);
        c8s_err_clear(&err);
        return;
    }
    apiserver__respond_obj(r, 201, obj);
}
