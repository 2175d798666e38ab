/* fuzz_json.c — the fast JSON paths against jansson, on hostile text: jsonr_loadb must give
 * exactly json_loadb's tree (or fail where it fails), and jsonw_dump of that tree must be
 * json_dumps(JSON_COMPACT)'s text byte for byte. */
#include "fuzz.h"
#include "c8s/jsonr.h"
#include "c8s/jsonw.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t flags = (data[0] & 1 ? JSON_REJECT_DUPLICATES : 0) | (data[0] & 2 ? JSON_DECODE_ANY : 0);
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    json_error_t e1, e2;
    json_t *want = json_loadb(text, len, flags, &e1);
    json_t *got = jsonr_loadb(text, len, flags, &e2);
    if (!want != !got)
        abort(); /* one parsed what the other refused */
    if (want && !json_equal(want, got))
        abort();
    if (want) { /* the same order of members too */
        char *a = json_dumps(want, JSON_COMPACT | JSON_ENCODE_ANY);
        char *b = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!a != !b || (a && strcmp(a, b) != 0))
            abort();
        free(a);
        free(b);
    }
    if (want) {
        char *a = json_dumps(want, JSON_COMPACT | JSON_ENCODE_ANY);
        size_t n = 0;
        char *b = jsonw_dump(want, &n);
        if (!a != !b || (a && (strcmp(a, b) != 0 || strlen(b) != n)))
            abort();
        free(a);
        free(b);
    }
    json_decref(want);
    json_decref(got);
    return 0;
}
