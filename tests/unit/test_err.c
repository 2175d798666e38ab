/* test_err.c — error values: codes map to Kubernetes reasons and HTTP codes; causes collect. */
#include "c8s/base.h"
#include "test.h"

int main(void)
{
    static const struct {
        int code;
        const char *reason;
        int http;
    } cases[] = {
        {C8S_ENOTFOUND, "NotFound", 404},
        {C8S_EEXIST, "AlreadyExists", 409},
        {C8S_ECONFLICT, "Conflict", 409},
        {C8S_EINVALID, "Invalid", 422},
        {C8S_EGONE, "Expired", 410},
        {C8S_EUNAVAILABLE, "ServiceUnavailable", 503},
        {C8S_ETOOMANY, "TooManyRequests", 429},
        {C8S_EBADREQUEST, "BadRequest", 400},
    };
    for (size_t i = 0; i < C8S_ARRAY_SIZE(cases); i++) {
        CHECK_STR(c8s_err_reason(cases[i].code), cases[i].reason);
        CHECK_INT(c8s_err_http_status(cases[i].code), cases[i].http);
    }
    c8s_err_t err = C8S_ERR_INIT;
    CHECK_INT(c8s_err_set(&err, C8S_ENOTFOUND, "pods \"%s\" not found", "x"), C8S_ENOTFOUND);
    c8s_err_wrap(&err, "getting");
    CHECK_STR(err.msg, "getting: pods \"x\" not found");
    c8s_err_add_cause(&err, "FieldValueRequired", "spec.containers", "Required value");
    CHECK_INT(c8s_err_cause_count(&err), 1);
    c8s_err_t moved = C8S_ERR_INIT;
    c8s_err_move(&moved, &err);
    CHECK_INT(err.code, 0);
    CHECK_INT(c8s_err_cause_count(&moved), 1);
    c8s_err_clear(&moved);
    TEST_END();
}
