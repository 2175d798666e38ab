/* fuzz_yaml.c — YAML bodies (one or many documents) to JSON and back, as a manifest applied with
 * curl goes through the API server. */
#include "fuzz.h"
#include "c8s/yaml.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    c8s_err_t err = C8S_ERR_INIT;
    json_t *docs = NULL;
    if (yaml_docs_to_json((const char *)data, size, &docs, &err) == 0) {
        size_t i;
        json_t *d;
        json_array_foreach(docs, i, d)
        {
            char *out = NULL;
            size_t len = 0;
            if (json_to_yaml(d, &out, &len, &err) == 0)
                free(out);
            c8s_err_clear(&err);
        }
        json_decref(docs);
    }
    c8s_err_clear(&err);
    json_t *one = NULL;
    if (yaml_to_json((const char *)data, size, &one, &err) == 0)
        json_decref(one);
    c8s_err_clear(&err);
    return 0;
}
