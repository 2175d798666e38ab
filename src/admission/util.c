/* util.c — helpers the admission cores share; see internal.h. */
#include "internal.h"

#include <string.h>

json_t *admission__get(const json_t *obj, const char *a, const char *b)
{
    json_t *v = json_object_get(obj, a);
    return b ? json_object_get(v, b) : v;
}

const char *admission__str(const json_t *obj, const char *field)
{
    return json_string_value(json_object_get(obj, field));
}

bool admission__qty(const json_t *list, const char *name, quantity_t *out)
{
    json_t *v = json_object_get(list, name);
    c8s_err_t err = C8S_ERR_INIT;
    if (!v || quantity_parse_json(v, out, &err) != 0) {
        c8s_err_clear(&err);
        return false;
    }
    return true;
}

const char *admission__fmt_milli(int64_t milli, char *buf, size_t len)
{
    quantity_t q = {.milli = milli, .format = QUANTITY_DECIMAL_SI};
    return quantity_format(&q, buf, len);
}

int admission__aggregate(const json_t *msgs, int code, c8s_err_t *err)
{
    size_t n = json_array_size(msgs);
    if (n == 0)
        return 0;
    if (n == 1)
        return c8s_err_set(err, code, "%s", json_string_value(json_array_get(msgs, 0)));
    strbuf_t b = STRBUF_INIT;
    size_t i;
    json_t *m;
    json_array_foreach(msgs, i, m) strbuf_sep(&b, ", ", json_string_value(m));
    char *s = strbuf_take(&b);
    c8s_err_set(err, code, "[%s]", s);
    free(s);
    return code;
}

/* Adds list[k] to sum[k] (milli-units kept as quantities: the format of the first seen). */
static void sum_into(json_t *sum, const json_t *list, bool take_max)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)list, k, v)
    {
        quantity_t q, s;
        c8s_err_t err = C8S_ERR_INIT;
        if (quantity_parse_json(v, &q, &err) != 0) {
            c8s_err_clear(&err);
            continue;
        }
        if (admission__qty(sum, k, &s)) {
            if (take_max) {
                if (quantity_cmp(&q, &s) <= 0)
                    continue;
            } else {
                q.milli += s.milli;
                q.format = s.format;
            }
        }
        char buf[48];
        json_object_set_new(sum, k, json_string(quantity_format(&q, buf, sizeof buf)));
    }
}

/* The pod's effective requests or limits: the sum over its containers, raised to any single
 * init container's value (init containers run one at a time). Owned. */
json_t *admission__pod_total(const json_t *spec, const char *field)
{
    json_t *sum = json_object();
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(spec, "containers"), i, c)
        sum_into(sum, admission__get(json_object_get(c, "resources"), field, NULL), false);
    json_array_foreach(json_object_get(spec, "initContainers"), i, c)
        sum_into(sum, admission__get(json_object_get(c, "resources"), field, NULL), true);
    return sum;
}
