/* fuzz_object.c — a JSON body through defaulting and validation, as on create and update, for
 * the kind the first byte picks. */
#include "fuzz.h"
#include "c8s/kinds.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const api_kind_t *k = api_kind_at(data[0] % api_kinds_count());
    json_t *obj = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, NULL);
    if (!obj)
        return 0;
    c8s_err_t err = C8S_ERR_INIT;
    json_t *old = json_deep_copy(obj);
    if (api_object_default(k, obj, &err) == 0) {
        c8s_err_clear(&err);
        (void)api_object_validate(k, obj, NULL, NULL, &err);
        c8s_err_clear(&err);
        (void)api_object_validate(k, obj, old, NULL, &err);
        c8s_err_clear(&err);
        (void)api_object_validate(k, obj, old, "status", &err);
    }
    c8s_err_clear(&err);
    json_decref(old);
    json_decref(obj);
    return 0;
}
