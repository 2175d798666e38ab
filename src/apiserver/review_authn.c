/*
 * review_authn.c — the authentication.k8s.io reviews: TokenReview (who is this bearer token, for
 * these audiences) and SelfSubjectReview (who am I, for `kubectl auth whoami`).
 */
#include "internal.h"

#include <string.h>

/* A review is never stored, so its metadata is not validated as an object's is; but values of
 * the wrong JSON type are refused, as upstream's typed decoding refuses them. */
static int check_meta_types(api_req_t *r, const json_t *obj, c8s_err_t *err)
{
    const json_t *md = json_object_get(obj, "metadata");
    const char *bad = NULL;
    if (md && !json_is_object(md) && !json_is_null(md))
        bad = "metadata";
    static const char *const strs[] = {"name", "namespace", "generateName", "uid"};
    for (size_t i = 0; !bad && json_is_object(md) && i < C8S_ARRAY_SIZE(strs); i++) {
        const json_t *v = json_object_get(md, strs[i]);
        if (v && !json_is_string(v) && !json_is_null(v))
            bad = strs[i];
    }
    static const char *const maps[] = {"labels", "annotations"};
    for (size_t i = 0; !bad && json_is_object(md) && i < C8S_ARRAY_SIZE(maps); i++) {
        const json_t *m = json_object_get(md, maps[i]);
        const char *k;
        const json_t *v;
        if (m && !json_is_object(m) && !json_is_null(m))
            bad = maps[i];
        json_object_foreach((json_t *)m, k, v) if (!json_is_string(v)) bad = maps[i];
    }
    if (!bad)
        return 0;
    return c8s_err_set(err, C8S_EBADREQUEST,
                       "%s in version \"%s\" cannot be handled as a %s: metadata.%s has the wrong "
                       "type",
                       r->kind->kind, r->kind->version, r->kind->kind, bad);
}

int apiserver__review_token(api_req_t *r, json_t *obj, c8s_err_t *err)
{
    if (check_meta_types(r, obj, err) != 0)
        return err->code;
    json_t *spec = json_object_get(obj, "spec");
    const char *token = json_string_value(json_object_get(spec, "token"));
    if (!token || !*token)
        return c8s_err_set(err, C8S_EBADREQUEST,
                           "token is required for TokenReview in authentication");
    json_t *auds = json_object_get(spec, "audiences");
    size_t n = json_array_size(auds);
    const char **want = xcalloc(n + 1, sizeof(char *));
    size_t nw = 0;
    for (size_t i = 0; i < n; i++) {
        const char *a = json_string_value(json_array_get(auds, i));
        if (a)
            want[nw++] = a;
    }
    auth_user_t *u = NULL;
    json_t *matched = NULL;
    c8s_err_t why = C8S_ERR_INIT;
    int rc = apiserver__token_review(r->srv, token, want, nw, &u, &matched, &why);
    free(want);
    json_t *status = json_object();
    if (rc == 0 && u) {
        auth_user_add_group(u, AUTH_GROUP_AUTHENTICATED);
        json_object_set_new(status, "authenticated", json_true());
        json_object_set_new(status, "user", auth_user_to_json(u));
        json_object_set_new(status, "audiences", matched);
        matched = NULL;
    } else {
        /* upstream: an empty user and the reason, with a 201 — the review itself succeeded. */
        json_object_set_new(status, "user", json_object());
        json_object_set_new(status, "error", json_string(why.msg[0] ? why.msg : "invalid token"));
    }
    json_decref(matched);
    auth_user_free(u);
    c8s_err_clear(&why);
    json_object_set_new(obj, "status", status);
    return 0;
}

int apiserver__review_self(api_req_t *r, json_t *obj, c8s_err_t *err)
{
    if (check_meta_types(r, obj, err) != 0)
        return err->code;
    json_object_del(obj, "spec");
    json_object_set_new(obj, "status", json_pack("{s:o}", "userInfo", auth_user_to_json(r->user)));
    return 0;
}
