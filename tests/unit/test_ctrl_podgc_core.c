/*
 * test_ctrl_podgc_core.c — the pod garbage collector's decisions: only Succeeded and Failed pods
 * count as terminated; beyond the threshold the evicted go first, then the oldest, then by name;
 * a pod is failed before its forced deletion with a DisruptionTarget condition replacing any
 * earlier one, and an already terminated pod is left as it is.
 */
#include "../../src/controllers/internal.h"
#include "json_lit.h"
#include "test.h"

#include <string.h>

static json_t *pod(const char *name, const char *created, const char *phase, const char *reason)
{
    json_t *p = json_pack("{s:{s:s, s:s, s:s}, s:{}}", "metadata", "name", name, "namespace", "ns",
                          "creationTimestamp", created, "status");
    if (phase)
        json_object_set_new(json_object_get(p, "status"), "phase", json_string(phase));
    if (reason)
        json_object_set_new(json_object_get(p, "status"), "reason", json_string(reason));
    return p;
}

static const char *name_of(const json_t *p)
{
    return json_string_value(json_object_get(json_object_get(p, "metadata"), "name"));
}

int main(void)
{
    json_t *all[] = {
        pod("run", "2026-01-01T00:00:01Z", "Running", NULL),
        pod("new", "2026-01-01T00:00:09Z", "Succeeded", NULL),
        pod("old", "2026-01-01T00:00:02Z", "Failed", NULL),
        pod("pend", "2026-01-01T00:00:00Z", "Pending", NULL),
        pod("evicted", "2026-01-01T00:00:08Z", "Failed", "Evicted"),
        pod("b-same", "2026-01-01T00:00:05Z", "Succeeded", NULL),
        pod("a-same", "2026-01-01T00:00:05Z", "Succeeded", NULL),
        pod("nophase", "2026-01-01T00:00:00Z", NULL, NULL),
    };
    size_t n = sizeof(all) / sizeof(all[0]);
    CHECK(!controllers__podgc_terminated(all[0]));
    CHECK(controllers__podgc_terminated(all[1]));
    CHECK(!controllers__podgc_terminated(all[3]));
    CHECK(!controllers__podgc_terminated(all[7]));

    const json_t *v[8];
    for (size_t i = 0; i < n; i++)
        v[i] = all[i];
    /* Five terminated, three kept: two go, the evicted one first, then the oldest. */
    CHECK_INT((int)controllers__podgc_victims(v, n, 3), 2);
    CHECK_STR(name_of(v[0]), "evicted");
    CHECK_STR(name_of(v[1]), "old");
    /* The whole order: the same creation time falls back to the name. */
    CHECK_STR(name_of(v[2]), "a-same");
    CHECK_STR(name_of(v[3]), "b-same");
    CHECK_STR(name_of(v[4]), "new");
    for (size_t i = 0; i < n; i++)
        v[i] = all[i];
    CHECK_INT((int)controllers__podgc_victims(v, n, 5), 0);
    CHECK_INT((int)controllers__podgc_victims(v, n, 12500), 0);

    /* Failed before deletion: conditions kept, an earlier DisruptionTarget replaced. */
    json_t *running = J("{'metadata':{'name':'r'},'status':{'phase':'Running','conditions':["
                        "{'type':'Ready','status':'True'},"
                        "{'type':'DisruptionTarget','status':'True','reason':'Old'}]}}");
    json_t *patch = controllers__podgc_failed_status(
        running, "DeletionByPodGC", "PodGC: node no longer exists", "2026-01-01T00:00:00Z");
    json_t *want = J("{'status':{'phase':'Failed','conditions':[{'type':'Ready','status':'True'},"
                     "{'type':'DisruptionTarget','status':'True','reason':'DeletionByPodGC',"
                     "'message':'PodGC: node no longer exists',"
                     "'lastTransitionTime':'2026-01-01T00:00:00Z'}]}}");
    CHECK(json_equal(patch, want));
    json_decref(patch);
    json_decref(want);
    /* Without a reason only the phase changes. */
    patch = controllers__podgc_failed_status(running, NULL, NULL, "2026-01-01T00:00:00Z");
    CHECK_STR(json_string_value(json_object_get(json_object_get(patch, "status"), "phase")),
              "Failed");
    CHECK_INT((int)json_array_size(json_object_get(json_object_get(patch, "status"), "conditions")),
              2);
    json_decref(patch);
    /* A terminated pod is not rewritten. */
    CHECK(controllers__podgc_failed_status(all[1], "DeletionByPodGC", "x", "t") == NULL);
    json_decref(running);
    for (size_t i = 0; i < n; i++)
        json_decref(all[i]);
    TEST_END();
}
