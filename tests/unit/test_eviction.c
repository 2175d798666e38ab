/* test_eviction.c — the eviction manager's core: upstream's threshold syntax and defaults, when a
 * threshold is met, the ranking of pods under memory and disk pressure (BestEffort first, then
 * Burstable over its requests, Guaranteed last; priority before usage), and the message. JSON
 * written with ' for ". */
#include "c8s/eviction.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static json_t *J(const char *s)
{
    cleanup_free char *q = xstrdup(s);
    for (char *p = q; *p; p++)
        if (*p == '\'')
            *p = '"';
    json_error_t e;
    json_t *v = json_loads(q, 0, &e);
    if (!v) {
        fprintf(stderr, "bad JSON literal in test: %s: %s\n", s, e.text);
        abort();
    }
    return v;
}

static void test_parse(void)
{
    eviction_threshold_t t[EVICTION_NSIGNALS];
    bool have[EVICTION_NSIGNALS];
    c8s_err_t e = C8S_ERR_INIT;
    CHECK_INT(eviction_parse(EVICTION_HARD_DEFAULT, t, have, &e), 0);
    CHECK(have[EVICTION_MEMORY] && have[EVICTION_DISK]);
    CHECK_INT(t[EVICTION_MEMORY].bytes, 100 * 1024 * 1024);
    CHECK(t[EVICTION_DISK].percent == 10.0);
    CHECK_INT(eviction_threshold_bytes(&t[EVICTION_DISK], 1000), 100);
    /* Under the threshold is met; at it is not. */
    CHECK(eviction_met(&t[EVICTION_MEMORY], 100 * 1024 * 1024 - 1, 1LL << 40));
    CHECK(!eviction_met(&t[EVICTION_MEMORY], 100 * 1024 * 1024, 1LL << 40));
    CHECK(eviction_met(&t[EVICTION_DISK], 99, 1000));
    CHECK(!eviction_met(&t[EVICTION_DISK], 100, 1000));

    CHECK_INT(eviction_parse("", t, have, &e), 0);
    CHECK(!have[EVICTION_MEMORY] && !have[EVICTION_DISK]);
    CHECK_INT(eviction_parse("memory.available<1Gi", t, have, &e), 0);
    CHECK(have[EVICTION_MEMORY] && !have[EVICTION_DISK]);
    CHECK_INT(t[EVICTION_MEMORY].bytes, 1LL << 30);

    const char *bad[] = {"memory.available>1Gi",  "pid.available<10",      "nodefs.available<0%",
                         "nodefs.available<101%", "memory.available<lots", "memory.available"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_MSG(eviction_parse(bad[i], t, have, &e) == C8S_EINVALID, "%s", bad[i]);
        c8s_err_clear(&e);
    }
}

static json_t *pod(const char *name, const char *requests, const char *limits, int priority)
{
    char buf[512];
    snprintf(
        buf, sizeof(buf),
        "{'metadata':{'name':'%s','namespace':'d','uid':'%s'},'spec':{'priority':%d,"
        "'containers':[{'name':'c','image':'i','resources':{'requests':{%s},'limits':{%s}}}]}}",
        name, name, priority, requests, limits);
    return J(buf);
}

static const char *name_of(const eviction_pod_t *p)
{
    return json_string_value(json_object_get(json_object_get(p->pod, "metadata"), "name"));
}

static void test_rank(void)
{
    int64_t Mi = 1024 * 1024;
    json_t *guar = pod("guar", "'cpu':'1','memory':'100Mi'", "'cpu':'1','memory':'100Mi'", 0);
    json_t *under = pod("burst-under", "'memory':'200Mi'", "", 0);
    json_t *over = pod("burst-over", "'memory':'10Mi'", "", 0);
    json_t *be = pod("besteffort", "", "", 0);
    json_t *be_small = pod("besteffort-small", "", "", 0);
    json_t *be_high = pod("besteffort-prio", "", "", 1000);
    eviction_pod_t ps[] = {
        {.pod = guar, .usage = 90 * Mi}, {.pod = under, .usage = 150 * Mi},
        {.pod = over, .usage = 50 * Mi}, {.pod = be_small, .usage = 5 * Mi},
        {.pod = be, .usage = 30 * Mi},   {.pod = be_high, .usage = 500 * Mi},
    };
    eviction_rank(ps, 6, EVICTION_MEMORY);
    /* Pods over their requests first (burst-over by 40Mi, besteffort by 30Mi, besteffort-small
     * by 5Mi), the high-priority one after the others; then the pods within their requests,
     * the one closest to its request first (upstream does not rank Guaranteed below Burstable
     * pods that stay within their requests). */
    const char *want[] = {"burst-over",      "besteffort", "besteffort-small",
                          "besteffort-prio", "guar",       "burst-under"};
    for (int i = 0; i < 6; i++)
        CHECK_STR(name_of(&ps[i]), want[i]);
    CHECK_INT(ps[0].request, 10 * Mi);

    /* Disk: ephemeral-storage requests, the same shape. */
    json_t *d1 = pod("d-req", "'ephemeral-storage':'1Gi'", "", 0);
    json_t *d2 = pod("d-none", "", "", 0);
    eviction_pod_t ds[] = {{.pod = d1, .usage = 512 * Mi}, {.pod = d2, .usage = 1}};
    eviction_rank(ds, 2, EVICTION_DISK);
    CHECK_STR(name_of(&ds[0]), "d-none");
    CHECK_STR(name_of(&ds[1]), "d-req");

    json_decref(guar);
    json_decref(under);
    json_decref(over);
    json_decref(be);
    json_decref(be_small);
    json_decref(be_high);
    json_decref(d1);
    json_decref(d2);
}

static void test_message(void)
{
    eviction_threshold_t t = {.signal = EVICTION_MEMORY, .bytes = 100 * 1024 * 1024};
    cleanup_free char *m = eviction_message(EVICTION_MEMORY, &t, 51200 * 1024, 1LL << 33);
    CHECK_STR(m, "The node was low on resource: memory. Threshold quantity: 100Mi, available: "
                 "51200Ki. ");
    eviction_threshold_t d = {.signal = EVICTION_DISK, .percent = 10};
    cleanup_free char *m2 = eviction_message(EVICTION_DISK, &d, 1024 * 1024, 100LL * 1024 * 1024);
    CHECK_STR(m2, "The node was low on resource: ephemeral-storage. Threshold quantity: 10Mi, "
                  "available: 1024Ki. ");
    CHECK_STR(eviction_condition(EVICTION_DISK), "DiskPressure");
    eviction_threshold_t big = {.signal = EVICTION_MEMORY, .bytes = 1000LL << 40};
    cleanup_free char *m3 = eviction_message(EVICTION_MEMORY, &big, 2048, 1);
    CHECK(strstr(m3, "Threshold quantity: 1000Ti, available: 2Ki. ") != NULL);
}

int main(void)
{
    test_parse();
    test_rank();
    test_message();
    TEST_END();
}
