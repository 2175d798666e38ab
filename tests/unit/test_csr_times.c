/* test_csr_times.c — the timestamps the API server fills in a CertificateSigningRequest's
 * conditions on /status and /approval updates, as upstream's strategy: lastUpdateTime when
 * absent; lastTransitionTime when absent, kept from the stored condition of the same type and
 * status, else now; times the client sent are left alone. */
#include "c8s/kinds.h"
#include "test.h"

#include <jansson.h>

static const char *cond_time(const json_t *obj, size_t i, const char *field)
{
    json_t *c = json_array_get(json_object_get(json_object_get(obj, "status"), "conditions"), i);
    return json_string_value(json_object_get(c, field));
}

int main(void)
{
    const char *now = "2026-11-23T18:00:00Z";
    json_t *old = json_loads(
        "{\"status\":{\"conditions\":["
        "{\"type\":\"Approved\",\"status\":\"True\",\"lastUpdateTime\":\"2026-01-01T00:00:00Z\","
        "\"lastTransitionTime\":\"2026-01-01T00:00:00Z\"},"
        "{\"type\":\"Failed\",\"status\":\"False\",\"lastTransitionTime\":\"2026-02-02T00:00:00Z\"}"
        "]}}",
        0, NULL);
    json_t *obj = json_loads(
        "{\"status\":{\"conditions\":["
        /* the same Approved condition, sent without times: its transition stays */
        "{\"type\":\"Approved\",\"status\":\"True\"},"
        /* Failed flips to True: a transition now */
        "{\"type\":\"Failed\",\"status\":\"True\"},"
        /* times the client gave are kept */
        "{\"type\":\"Custom\",\"status\":\"True\",\"lastUpdateTime\":\"2025-05-05T00:00:00Z\","
        "\"lastTransitionTime\":\"2025-04-04T00:00:00Z\"},"
        /* an empty string is no time */
        "{\"type\":\"Other\",\"status\":\"True\",\"lastUpdateTime\":\"\"}"
        "]}}",
        0, NULL);
    REQUIRE(old && obj);
    api_csr_condition_times(obj, old, now);
    CHECK_STR(cond_time(obj, 0, "lastUpdateTime"), now);
    CHECK_STR(cond_time(obj, 0, "lastTransitionTime"), "2026-01-01T00:00:00Z");
    CHECK_STR(cond_time(obj, 1, "lastUpdateTime"), now);
    CHECK_STR(cond_time(obj, 1, "lastTransitionTime"), now);
    CHECK_STR(cond_time(obj, 2, "lastUpdateTime"), "2025-05-05T00:00:00Z");
    CHECK_STR(cond_time(obj, 2, "lastTransitionTime"), "2025-04-04T00:00:00Z");
    CHECK_STR(cond_time(obj, 3, "lastUpdateTime"), now);
    CHECK_STR(cond_time(obj, 3, "lastTransitionTime"), now);
    json_decref(obj);

    /* No stored object, no status, odd shapes: nothing breaks. */
    obj = json_loads("{\"status\":{\"conditions\":[{\"type\":\"Approved\",\"status\":\"True\"},"
                     "\"junk\"]}}",
                     0, NULL);
    api_csr_condition_times(obj, NULL, now);
    CHECK_STR(cond_time(obj, 0, "lastTransitionTime"), now);
    json_decref(obj);
    obj = json_loads("{\"status\":\"x\"}", 0, NULL);
    api_csr_condition_times(obj, old, now);
    CHECK_STR(json_string_value(json_object_get(obj, "status")), "x");
    json_decref(obj);
    json_decref(old);
    TEST_END();
}
