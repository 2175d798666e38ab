/* fuzz_selector.c — label and field selectors as they arrive in query strings, parsed, printed
 * back and matched against an object. */
#include "fuzz.h"
#include "c8s/selector.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    json_t *obj =
        json_pack("{s:{s:s,s:s,s:{s:s,s:s}},s:{s:s}}", "metadata", "name", "web", "namespace",
                  "default", "labels", "app", "web", "tier", "front", "spec", "nodeName", "n1");
    c8s_err_t err = C8S_ERR_INIT;
    labelsel_t *ls = NULL;
    if (labelsel_parse(s, &ls, &err) == 0) {
        (void)labelsel_matches(ls, json_object_get(json_object_get(obj, "metadata"), "labels"));
        char *back = labelsel_string(ls);
        labelsel_t *again = NULL;
        /* What we print, parsed again, prints the same. (It need not parse: as upstream,
         * "x in (,)" holds the empty value and prints as "x in ()", which is refused.) */
        if (labelsel_parse(back, &again, &err) == 0) {
            char *twice = labelsel_string(again);
            if (strcmp(back, twice) != 0)
                abort();
            free(twice);
            labelsel_free(again);
        }
        free(back);
        labelsel_free(ls);
    }
    c8s_err_clear(&err);
    fieldsel_t *fs = NULL;
    if (fieldsel_parse(s, &fs, &err) == 0) {
        (void)fieldsel_matches(fs, obj);
        (void)fieldsel_exact(fs, "metadata.name");
        fieldsel_free(fs);
    }
    c8s_err_clear(&err);
    json_decref(obj);
    free(s);
    return 0;
}
