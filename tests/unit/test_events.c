/* test_events.c — the event correlator as client-go's: repeats become one Event with a growing
 * count, ten different messages of one kind combine, one object cannot flood, old repeats start
 * afresh, and the caches stay bounded. */
#include "c8s/events.h"
#include "test.h"

#include <stdio.h>
#include <string.h>

static json_t *event(const char *obj, const char *reason, const char *msg, int serial)
{
    char name[64];
    snprintf(name, sizeof(name), "%s.%x", obj, serial);
    return json_pack("{s:{s:s, s:s}, s:{s:s, s:s, s:s, s:s}, s:s, s:s, s:s, s:{s:s}}", "metadata",
                     "name", name, "namespace", "default", "involvedObject", "kind", "Pod",
                     "namespace", "default", "name", obj, "uid", "u1", "reason", reason, "message",
                     msg, "type", "Normal", "source", "component", "test");
}

static const char *name_of(const json_t *ev)
{
    return json_string_value(json_object_get(json_object_get(ev, "metadata"), "name"));
}

int main(void)
{
    events_cache_t *c = events_cache_new(0);
    int serial = 0;

    /* Repeats: one Event, count 1, 2, 3, first timestamp kept. */
    json_t *e1 = event("web", "Pulled", "pulled busybox", serial++);
    CHECK_INT(events_observe(c, e1, 1000, "T1000"), EVENTS_CREATE);
    CHECK_INT(json_integer_value(json_object_get(e1, "count")), 1);
    char first[64];
    snprintf(first, sizeof(first), "%s", name_of(e1));
    json_t *e2 = event("web", "Pulled", "pulled busybox", serial++);
    CHECK_INT(events_observe(c, e2, 1010, "T1010"), EVENTS_PATCH);
    CHECK_STR(name_of(e2), first);
    CHECK_INT(json_integer_value(json_object_get(e2, "count")), 2);
    CHECK_STR(json_string_value(json_object_get(e2, "firstTimestamp")), "T1000");
    CHECK_STR(json_string_value(json_object_get(e2, "lastTimestamp")), "T1010");
    json_t *e3 = event("web", "Pulled", "pulled busybox", serial++);
    CHECK_INT(events_observe(c, e3, 1020, "T1020"), EVENTS_PATCH);
    CHECK_INT(json_integer_value(json_object_get(e3, "count")), 3);
    json_decref(e1);
    json_decref(e2);
    json_decref(e3);

    /* A repeat after a long silence: a new Event (the old one may have expired). */
    json_t *e4 = event("web", "Pulled", "pulled busybox", serial++);
    CHECK_INT(events_observe(c, e4, 1020 + EVENTS_PATCH_MAX_AGE + 1, "Tlate"), EVENTS_CREATE);
    CHECK(strcmp(name_of(e4), first) != 0);
    json_decref(e4);

    /* Similar events with different messages: the tenth and later are combined into one. */
    events_cache_t *a = events_cache_new(0);
    for (int i = 0; i < EVENTS_AGGREGATE_MAX - 1; i++) {
        char msg[32];
        snprintf(msg, sizeof(msg), "message %d", i);
        json_t *e = event("db", "BackOff", msg, serial++);
        CHECK_INT(events_observe(a, e, 2000 + i, "T"), EVENTS_CREATE);
        CHECK_STR(json_string_value(json_object_get(e, "message")), msg);
        json_decref(e);
    }
    json_t *c1 = event("db", "BackOff", "message 9", serial++);
    CHECK_INT(events_observe(a, c1, 2010, "T"), EVENTS_CREATE);
    CHECK_STR(json_string_value(json_object_get(c1, "message")),
              "(combined from similar events): message 9");
    char combined[64];
    snprintf(combined, sizeof(combined), "%s", name_of(c1));
    json_decref(c1);
    json_t *c2 = event("db", "BackOff", "message 10", serial++);
    CHECK_INT(events_observe(a, c2, 2011, "T"), EVENTS_PATCH);
    CHECK_STR(name_of(c2), combined);
    CHECK_INT(json_integer_value(json_object_get(c2, "count")), 2);
    CHECK_STR(json_string_value(json_object_get(c2, "message")),
              "(combined from similar events): message 10");
    json_decref(c2);
    /* Another reason is another aggregate. */
    json_t *o = event("db", "Killing", "message 11", serial++);
    CHECK_INT(events_observe(a, o, 2012, "T"), EVENTS_CREATE);
    CHECK_STR(json_string_value(json_object_get(o, "message")), "message 11");
    json_decref(o);
    events_cache_free(a);

    /* Spam: 25 events for one object, then one per five minutes. */
    events_cache_t *s = events_cache_new(0);
    int sent = 0;
    for (int i = 0; i < 40; i++) {
        char reason[32];
        snprintf(reason, sizeof(reason), "Reason%d", i);
        json_t *e = event("noisy", reason, "m", serial++);
        if (events_observe(s, e, 3000, "T") != EVENTS_DROP)
            sent++;
        json_decref(e);
    }
    CHECK_INT(sent, EVENTS_SPAM_BURST);
    json_t *later = event("noisy", "Later", "m", serial++);
    CHECK_INT(events_observe(s, later, 3000 + EVENTS_SPAM_REFILL_SEC, "T"), EVENTS_CREATE);
    json_decref(later);
    json_t *other = event("quiet", "Reason", "m", serial++);
    CHECK_INT(events_observe(s, other, 3000, "T"), EVENTS_CREATE);
    json_decref(other);
    events_cache_free(s);

    /* A small cache under many objects stays usable. */
    events_cache_t *small = events_cache_new(8);
    for (int i = 0; i < 500; i++) {
        char obj[32];
        snprintf(obj, sizeof(obj), "pod-%d", i);
        json_t *e = event(obj, "Scheduled", "assigned", serial++);
        CHECK(events_observe(small, e, 4000 + i, "T") == EVENTS_CREATE);
        json_decref(e);
    }
    json_t *again = event("pod-499", "Scheduled", "assigned", serial++);
    CHECK_INT(events_observe(small, again, 4500, "T"), EVENTS_PATCH);
    json_decref(again);
    events_cache_free(small);
    events_cache_free(c);
    TEST_END();
}
