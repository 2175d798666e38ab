/*
 * events_core.c — the correlator's three caches, keyed by strings made of the event's fields:
 * spam (source + object), aggregation (all but the message), deduplication (all). Each is a
 * jansson object used as a map; when one grows past the limit, its least recently used entries
 * go.
 */
#include "c8s/events.h"
#include "c8s/base.h"
#include "c8s/strbuf.h"

#include <stdbool.h>
#include <string.h>

struct events_cache_s {
    size_t max;
    json_t *spam; /* key → [tokens (real), last refill (int)] */
    json_t *agg;  /* key → {"since": int, "last": int, "messages": {msg: true}} */
    json_t *seen; /* key → {"name", "count", "first", "last": int} */
};

events_cache_t *events_cache_new(size_t max_entries)
{
    events_cache_t *c = xcalloc(1, sizeof(*c));
    c->max = max_entries ? max_entries : EVENTS_CACHE_SIZE;
    c->spam = json_object();
    c->agg = json_object();
    c->seen = json_object();
    return c;
}

void events_cache_free(events_cache_t *c)
{
    if (!c)
        return;
    json_decref(c->spam);
    json_decref(c->agg);
    json_decref(c->seen);
    free(c);
}

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static void add_field(strbuf_t *b, const char *s)
{
    strbuf_add(b, s);
    strbuf_addn(b, "\x1f", 1); /* unit separator: no field contains it */
}

/* source + involvedObject: what the spam filter counts by. */
static void object_key(strbuf_t *b, const json_t *ev)
{
    const json_t *src = json_object_get(ev, "source"), *obj = json_object_get(ev, "involvedObject");
    add_field(b, str(src, "component"));
    add_field(b, str(src, "host"));
    add_field(b, str(obj, "kind"));
    add_field(b, str(obj, "namespace"));
    add_field(b, str(obj, "name"));
    add_field(b, str(obj, "uid"));
    add_field(b, str(obj, "apiVersion"));
}

static void aggregate_key(strbuf_t *b, const json_t *ev)
{
    object_key(b, ev);
    add_field(b, str(json_object_get(ev, "involvedObject"), "fieldPath"));
    add_field(b, str(ev, "type"));
    add_field(b, str(ev, "reason"));
    add_field(b, str(ev, "reportingComponent"));
    add_field(b, str(ev, "reportingInstance"));
}

static json_int_t int_of(const json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

static json_int_t last_of(const json_t *v, const char *field)
{
    return json_is_array(v) ? json_integer_value(json_array_get(v, 1)) : int_of(v, field);
}

static int cmp_int(const void *a, const void *b)
{
    json_int_t x = *(const json_int_t *)a, y = *(const json_int_t *)b;
    return x < y ? -1 : x > y;
}

/* Past max entries, drops the least recently used quarter in one pass, so a busy recorder
 * pays for eviction once per max/4 events rather than a scan per event. */
static void trim(json_t *m, size_t max, const char *field)
{
    size_t n = json_object_size(m);
    if (n <= max)
        return;
    json_int_t *lasts = xmalloc(n * sizeof(*lasts));
    size_t i = 0;
    const char *k;
    json_t *v;
    json_object_foreach(m, k, v)
    {
        lasts[i++] = last_of(v, field);
    }
    qsort(lasts, n, sizeof(*lasts), cmp_int);
    json_int_t cut = lasts[n - max * 3 / 4 - 1];
    free(lasts);
    void *tmp;
    json_object_foreach_safe(m, tmp, k, v)
    {
        if (last_of(v, field) <= cut && json_object_size(m) > max * 3 / 4)
            json_object_del(m, k);
    }
}

/* A token bucket per source and object: false when it is empty. */
static bool spam_allows(events_cache_t *c, const char *key, int64_t now)
{
    json_t *b = json_object_get(c->spam, key);
    double tokens = EVENTS_SPAM_BURST;
    if (b) {
        tokens = json_real_value(json_array_get(b, 0));
        json_int_t last = json_integer_value(json_array_get(b, 1));
        if (now > last)
            tokens += (double)(now - last) / EVENTS_SPAM_REFILL_SEC;
        if (tokens > EVENTS_SPAM_BURST)
            tokens = EVENTS_SPAM_BURST;
    }
    if (tokens < 1)
        return false;
    json_object_set_new(c->spam, key, json_pack("[f, I]", tokens - 1, (json_int_t)now));
    trim(c->spam, c->max, NULL);
    return true;
}

/* Returns the dedup key: the full one, or the aggregate one once similar events combine. */
static char *aggregate(events_cache_t *c, json_t *ev, const char *akey, int64_t now)
{
    const char *msg = str(ev, "message");
    json_t *rec = json_object_get(c->agg, akey);
    if (!rec || now - int_of(rec, "since") > EVENTS_AGGREGATE_SECS) {
        rec = json_pack("{s:I, s:I, s:{}}", "since", (json_int_t)now, "last", (json_int_t)now,
                        "messages");
        json_object_set_new(c->agg, akey, rec);
        trim(c->agg, c->max, "last");
    }
    json_object_set_new(rec, "last", json_integer(now));
    json_t *msgs = json_object_get(rec, "messages");
    json_object_set_new(msgs, msg, json_true());
    strbuf_t b = STRBUF_INIT;
    strbuf_add(&b, akey);
    if (json_object_size(msgs) < EVENTS_AGGREGATE_MAX) {
        add_field(&b, msg);
        return strbuf_take(&b);
    }
    cleanup_free char *combined = xasprintf("(combined from similar events): %s", msg);
    json_object_set_new(ev, "message", json_string(combined));
    add_field(&b, "(combined)");
    return strbuf_take(&b);
}

events_action_t events_observe(events_cache_t *c, json_t *ev, int64_t now, const char *now_ts)
{
    strbuf_t ok = STRBUF_INIT;
    object_key(&ok, ev);
    cleanup_free char *okey = strbuf_take(&ok);
    if (!spam_allows(c, okey, now))
        return EVENTS_DROP;
    strbuf_t ak = STRBUF_INIT;
    aggregate_key(&ak, ev);
    cleanup_free char *akey = strbuf_take(&ak);
    cleanup_free char *key = aggregate(c, ev, akey, now);

    json_t *md = json_object_get(ev, "metadata");
    json_t *prev = json_object_get(c->seen, key);
    if (prev && now - int_of(prev, "last") <= EVENTS_PATCH_MAX_AGE) {
        json_int_t count = int_of(prev, "count") + 1;
        json_object_set_new(prev, "count", json_integer(count));
        json_object_set_new(prev, "last", json_integer(now));
        json_object_set_new(md, "name", json_string(str(prev, "name")));
        json_object_del(md, "generateName");
        json_object_set_new(ev, "count", json_integer(count));
        json_object_set_new(ev, "firstTimestamp", json_string(str(prev, "first")));
        json_object_set_new(ev, "lastTimestamp", json_string(now_ts));
        return EVENTS_PATCH;
    }
    json_object_set_new(c->seen, key,
                        json_pack("{s:s, s:I, s:s, s:I}", "name", str(md, "name"), "count",
                                  (json_int_t)1, "first", now_ts, "last", (json_int_t)now));
    trim(c->seen, c->max, "last");
    json_object_set_new(ev, "count", json_integer(1));
    json_object_set_new(ev, "firstTimestamp", json_string(now_ts));
    json_object_set_new(ev, "lastTimestamp", json_string(now_ts));
    return EVENTS_CREATE;
}
