/* fuzz_patch.c — the three patch types on a document: the input is a target and a patch, two
 * JSON texts separated by a NUL byte; the first byte picks the kind for strategic merge. */
#include "fuzz.h"
#include "c8s/kinds.h"
#include "c8s/patch.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const api_kind_t *k = api_kind_at(data[0] % api_kinds_count());
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    const char *sep = memchr(p, '\0', n);
    if (!sep)
        return 0;
    json_t *target = json_loadb(p, (size_t)(sep - p), 0, NULL);
    json_t *patch = json_loadb(sep + 1, n - (size_t)(sep - p) - 1, JSON_DECODE_ANY, NULL);
    if (target && patch) {
        json_t *m = patch_merge(target, patch);
        json_decref(m);
        c8s_err_t err = C8S_ERR_INIT;
        json_t *out = NULL;
        if (patch_json(target, patch, &out, &err) == 0)
            json_decref(out);
        c8s_err_clear(&err);
        out = NULL;
        if (patch_strategic(k, target, patch, &out, &err) == 0)
            json_decref(out);
        c8s_err_clear(&err);
    }
    json_decref(target);
    json_decref(patch);
    return 0;
}
