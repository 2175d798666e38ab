/*
 * bench/endpoints.c — the Endpoints and EndpointSlice cores' cost per sync (a harness, not a
 * test): one Service with two ports (one named) over 100, 1,000 and 5,000 ready pods; the time
 * to compute the Endpoints object from scratch, to find it unchanged, to plan slices from
 * scratch, and to plan again over the slices already written (the steady state of every pod
 * event). Ends with one `RESULT key=value …` line.
 */
#include "../src/controllers/internal.h"

#include <stdio.h>
#include <string.h>

static json_t *make_pod(int k)
{
    char name[32], ip[32];
    snprintf(name, sizeof(name), "p%d", k);
    snprintf(ip, sizeof(ip), "10.%d.%d.%d", 1 + k / 62500, (k / 250) % 250, k % 250 + 1);
    return json_pack("{s:{s:s, s:s, s:s, s:{s:s}}, s:{s:s, s:[{s:s, s:[{s:s, s:i}]}]}, s:{s:s, "
                     "s:s, s:[{s:s, s:s}]}}",
                     "metadata", "name", name, "namespace", "ns", "uid", name, "labels", "app",
                     "web", "spec", "nodeName", "n1", "containers", "name", "c", "ports", "name",
                     "web", "containerPort", 8080, "status", "phase", "Running", "podIP", ip,
                     "conditions", "type", "Ready", "status", "True");
}

/* Mean milliseconds of fn over reps runs. */
static double time_ms(void (*fn)(void *), void *arg, int reps)
{
    uint64_t t0 = c8s_now_ns();
    for (int i = 0; i < reps; i++)
        fn(arg);
    return (double)(c8s_now_ns() - t0) / 1e6 / reps;
}

typedef struct {
    json_t *svc, *pods, *current, *slices;
} ctx_t;

static void ep_scratch(void *a)
{
    ctx_t *c = a;
    json_decref(controllers__endpoints_update(c->svc, c->pods, NULL, NULL));
}

static void ep_unchanged(void *a)
{
    ctx_t *c = a;
    json_t *r = controllers__endpoints_update(c->svc, c->pods, c->current, NULL);
    if (r) {
        fprintf(stderr, "unexpected write\n");
        json_decref(r);
    }
}

static void sl_scratch(void *a)
{
    ctx_t *c = a;
    json_t *empty = json_array();
    json_decref(controllers__slices_plan(c->svc, c->pods, empty, 100, NULL));
    json_decref(empty);
}

static void sl_steady(void *a)
{
    ctx_t *c = a;
    json_decref(controllers__slices_plan(c->svc, c->pods, c->slices, 100, NULL));
}

int main(void)
{
    static const int sizes[] = {100, 1000, 5000};
    char result[1024] = "RESULT";
    json_t *svc =
        json_pack("{s:{s:s, s:s, s:s}, s:{s:{s:s}, s:[{s:s, s:i, s:s}, {s:s, s:i, s:i}]}}",
                  "metadata", "name", "web", "namespace", "ns", "uid", "svc-uid", "spec",
                  "selector", "app", "web", "ports", "name", "http", "port", 80, "targetPort",
                  "web", "name", "metrics", "port", 9090, "targetPort", 9090);
    printf("%8s %14s %14s %14s %14s\n", "pods", "ep_scratch_ms", "ep_same_ms", "sl_scratch_ms",
           "sl_steady_ms");
    for (size_t s = 0; s < C8S_ARRAY_SIZE(sizes); s++) {
        int n = sizes[s];
        ctx_t c = {.svc = svc, .pods = json_array()};
        for (int k = 0; k < n; k++)
            json_array_append_new(c.pods, make_pod(k));
        c.current = controllers__endpoints_update(svc, c.pods, NULL, NULL);
        json_t *empty = json_array();
        json_t *plan = controllers__slices_plan(svc, c.pods, empty, 100, NULL);
        json_decref(empty);
        c.slices = json_array();
        size_t i;
        json_t *sl;
        json_array_foreach(json_object_get(plan, "create"), i, sl)
        {
            json_t *copy = json_deep_copy(sl);
            char name[32];
            snprintf(name, sizeof(name), "web-%zu", i);
            json_object_set_new(json_object_get(copy, "metadata"), "name", json_string(name));
            json_array_append_new(c.slices, copy);
        }
        json_decref(plan);
        int reps = n >= 5000 ? 3 : n >= 1000 ? 10 : 100;
        double a = time_ms(ep_scratch, &c, reps), b = time_ms(ep_unchanged, &c, reps);
        double d = time_ms(sl_scratch, &c, reps), e = time_ms(sl_steady, &c, reps);
        printf("%8d %14.2f %14.2f %14.2f %14.2f\n", n, a, b, d, e);
        size_t len = strlen(result);
        snprintf(result + len, sizeof(result) - len,
                 " ep_%d_ms=%.2f ep_same_%d_ms=%.2f slices_%d_ms=%.2f slices_steady_%d_ms=%.2f", n,
                 a, n, b, n, d, n, e);
        json_decref(c.slices);
        json_decref(c.current);
        json_decref(c.pods);
    }
    json_decref(svc);
    printf("%s\n", result);
    return 0;
}
