/*
 * bench/openapi.c — what the OpenAPI documents cost (a harness, not a test): the time to build
 * and serialize /openapi/v2 and every /openapi/v3 group-version document (done once per process,
 * on the first request), and their sizes. Ends with one `RESULT key=value …` line.
 */
#include "c8s/openapi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static size_t dump_len(json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    size_t n = s ? strlen(s) : 0;
    free(s);
    json_decref(v);
    return n;
}

int main(void)
{
    double t0 = now_ms();
    json_t *doc = openapi_v2();
    char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    size_t v2 = text ? strlen(text) : 0;
    free(text);
    double v2_ms = now_ms() - t0;
    t0 = now_ms();
    size_t pb_len = 0;
    free(openapi_v2_protobuf(doc, &pb_len));
    double pb_ms = now_ms() - t0;
    json_decref(doc);

    t0 = now_ms();
    json_t *gvs = openapi_v3_group_versions();
    size_t total = 0, largest = 0, i;
    json_t *gv;
    json_array_foreach(gvs, i, gv)
    {
        const char *name = json_string_value(gv);
        char group[128] = "", version[64] = "";
        if (strncmp(name, "api/", 4) == 0)
            snprintf(version, sizeof(version), "%s", name + 4);
        else if (sscanf(name, "apis/%127[^/]/%63s", group, version) != 2)
            continue;
        size_t n = dump_len(openapi_v3_group_version(group, version));
        printf("v3 %-40s %8zu bytes\n", name, n);
        total += n;
        largest = n > largest ? n : largest;
    }
    double v3_ms = now_ms() - t0;
    printf("v2: %zu bytes in %.1f ms, protobuf %zu bytes in %.1f ms more; v3: %zu documents, %zu "
           "bytes in %.1f ms\n",
           v2, v2_ms, pb_len, pb_ms, json_array_size(gvs), total, v3_ms);
    printf("RESULT v2_bytes=%zu v2_ms=%.1f v2_pb_bytes=%zu v2_pb_ms=%.1f v3_docs=%zu v3_bytes=%zu "
           "v3_largest=%zu v3_ms=%.1f\n",
           v2, v2_ms, pb_len, pb_ms, json_array_size(gvs), total, largest, v3_ms);
    json_decref(gvs);
    return 0;
}
