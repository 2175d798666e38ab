/* fuzz_protobuf.c — protobuf request bodies (the k8s envelope and the field-table walk): any
 * input is refused or decoded to a JSON object, and a decoded object serializes. */
#include "fuzz.h"
#include "c8s/protobuf.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *obj = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    if (protobuf_decode(data, size, &obj, &err) == 0) {
        if (!json_is_object(obj))
            abort();
        char *s = json_dumps(obj, JSON_COMPACT);
        if (!s)
            abort();
        free(s);
        json_decref(obj);
    }
    c8s_err_clear(&err);
    return 0;
}
