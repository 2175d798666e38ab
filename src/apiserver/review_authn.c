/*
 * review_authn.c — the authentication.k8s.io reviews: TokenReview (who is this bearer token, for
 * these audiences) and SelfSubjectReview (who am I, for `kubectl auth whoami`).
 */
#include "internal.h"

#include <string.h>

int apiserver__review_token(api_req_t *r, json_t *obj, c8s_err_t *err)
{
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
    (void)err;
    json_object_del(obj, "spec");
    json_object_set_new(obj, "status", json_pack("{s:o}", "userInfo", auth_user_to_json(r->user)));
    return 0;
}
