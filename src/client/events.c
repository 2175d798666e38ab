/*
 * events.c — a recorder for every component on a client: the correlator (events_core.c)
 * decides, this file names the Event and sends the POST or the PATCH. A patch of an Event
 * whose creation is still on its way waits for it (the API would not find it yet); only the
 * latest such patch is kept, as each carries the whole count.
 */
#include "client_int.h"
#include "c8s/events.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Shared by the client and its requests in flight (refs), so an answer that arrives after
 * client_close finds it still there. */
typedef struct client_events_s {
    int refs;
    bool closed;
    client_t *client;
    events_cache_t *cache;
    json_t *creating; /* Event name → the patch waiting for its creation (string) or true */
} client_events_t;

typedef struct {
    client_events_t *st;
    char *ns, *name; /* set for a creation */
    client_cb cb;
    void *data;
} sent_t;

static void unref(client_events_t *st)
{
    if (--st->refs > 0)
        return;
    events_cache_free(st->cache);
    json_decref(st->creating);
    free(st);
}

void client__events_close(client_events_t *st)
{
    if (!st)
        return;
    st->closed = true;
    unref(st);
}

static void send_patch(client_events_t *st, const char *ns, const char *name, const char *body,
                       client_cb cb, void *data);

static void on_sent(const client_resp_t *resp, void *data)
{
    sent_t *s = data;
    client_events_t *st = s->st;
    if (resp->status >= 300)
        log_debug("client", "writing an event: %d %s", resp->status, resp->body ? resp->body : "");
    if (s->name) {
        json_t *waiting = json_incref(json_object_get(st->creating, s->name));
        json_object_del(st->creating, s->name);
        if (json_is_string(waiting) && !st->closed && resp->status == 201)
            send_patch(st, s->ns, s->name, json_string_value(waiting), NULL, NULL);
        json_decref(waiting);
    }
    if (s->cb)
        s->cb(resp, s->data);
    free(s->ns);
    free(s->name);
    free(s);
    unref(st);
}

static sent_t *sent_new(client_events_t *st, client_cb cb, void *data)
{
    sent_t *s = xcalloc(1, sizeof(*s));
    s->st = st;
    s->cb = cb;
    s->data = data;
    st->refs++;
    return s;
}

static void send_patch(client_events_t *st, const char *ns, const char *name, const char *body,
                       client_cb cb, void *data)
{
    cleanup_free char *path = xasprintf("/api/v1/namespaces/%s/events/%s", ns, name);
    client_request(st->client, "PATCH", path, "application/merge-patch+json", body, strlen(body),
                   on_sent, sent_new(st, cb, data));
}

static void name_event(json_t *ev, const struct timespec *now)
{
    json_t *md = json_object_get(ev, "metadata");
    if (!json_is_object(md)) {
        md = json_object();
        json_object_set_new(ev, "metadata", md);
    }
    const char *name = json_string_value(json_object_get(md, "name"));
    if (name && *name)
        return;
    const char *obj =
        json_string_value(json_object_get(json_object_get(ev, "involvedObject"), "name"));
    uint64_t ns = (uint64_t)now->tv_sec * 1000000000ull + (uint64_t)now->tv_nsec;
    char buf[320];
    snprintf(buf, sizeof(buf), "%.250s.%llx", obj && *obj ? obj : "event", (unsigned long long)ns);
    json_object_set_new(md, "name", json_string(buf));
    json_object_del(md, "generateName");
}

static void dropped(client_cb cb, void *data)
{
    if (cb) {
        client_resp_t r = {0};
        cb(&r, data);
    }
}

void client_event_post(client_t *c, json_t *ev, client_cb cb, void *data)
{
    client_base_t *b = (client_base_t *)c;
    if (!b->events) {
        b->events = xcalloc(1, sizeof(*b->events));
        b->events->refs = 1;
        b->events->client = c;
        b->events->cache = events_cache_new(EVENTS_CACHE_SIZE);
        b->events->creating = json_object();
    }
    client_events_t *st = b->events;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    name_event(ev, &now);
    char ts[32];
    c8s_rfc3339_now(ts, sizeof(ts));
    events_action_t act = events_observe(st->cache, ev, (int64_t)now.tv_sec, ts);
    if (act == EVENTS_DROP)
        return dropped(cb, data);
    json_t *md = json_object_get(ev, "metadata");
    const char *mns = json_string_value(json_object_get(md, "namespace"));
    cleanup_free char *ns = xstrdup(mns && *mns ? mns : "default");
    const char *name = json_string_value(json_object_get(md, "name"));
    if (act == EVENTS_CREATE) {
        json_object_set_new(md, "namespace", json_string(ns));
        cleanup_free char *body = json_dumps(ev, JSON_COMPACT);
        cleanup_free char *path = xasprintf("/api/v1/namespaces/%s/events", ns);
        sent_t *s = sent_new(st, cb, data);
        s->ns = xstrdup(ns);
        s->name = xstrdup(name);
        json_object_set_new(st->creating, name, json_true());
        client_request(c, "POST", path, "application/json", body, strlen(body), on_sent, s);
        return;
    }
    json_t *patch = json_object();
    static const char *const fields[] = {"count", "lastTimestamp", "message"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(fields); i++) {
        json_t *v = json_object_get(ev, fields[i]);
        if (v)
            json_object_set(patch, fields[i], v);
    }
    cleanup_free char *body = json_dumps(patch, JSON_COMPACT);
    json_decref(patch);
    if (json_object_get(st->creating, name)) {
        /* Sent once the Event exists; this caller's part ends here. */
        json_object_set_new(st->creating, name, json_string(body));
        return dropped(cb, data);
    }
    send_patch(st, ns, name, body, cb, data);
}
