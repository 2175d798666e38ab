/* fuzz_quantity.c — resource quantities ("100m", "1.5Gi", "2e3"): parsed, compared, formatted,
 * and the formatted text parsed again to the same value. */
#include "fuzz.h"
#include "c8s/quantity.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    quantity_t q, back;
    c8s_err_t err = C8S_ERR_INIT;
    if (quantity_parse(s, &q, &err) == 0) {
        (void)quantity_milli(&q);
        (void)quantity_value(&q);
        char buf[128];
        if (quantity_format(&q, buf, sizeof(buf)) && quantity_parse(buf, &back, &err) == 0 &&
            quantity_cmp(&q, &back) != 0)
            abort();
    }
    c8s_err_clear(&err);
    free(s);
    return 0;
}
