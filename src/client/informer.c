/*
 * informer.c — list, then watch from the list's resourceVersion; resume a broken watch from the
 * last resourceVersion seen; re-list on 410 and hand out the differences. The cache is a JSON
 * object keyed "namespace/name".
 */
#include "c8s/informer.h"

#include <stdio.h>
#include <string.h>

#define PAGE         500
#define RETRY_MIN_MS 100
#define RETRY_MAX_MS 5000
/* Each watch asks the server to end it after 5 to 10 minutes, spread at random, and is resumed
 * from its last resourceVersion then, as client-go's reflector does (minWatchTimeout): watches
 * do not all end together, and a client whose certificate was renewed stops presenting the old
 * one within that time (connections made after a renewal use the new one). */
#define WATCH_TIMEOUT_MIN_S 300

/* One set of handlers; several controllers share one informer, each with its own. */
struct informer_reg_s {
    informer_handlers_t h;
    void *data;
    bool removed; /* removed while handlers were running: freed after them */
    struct informer_reg_s *next;
};

struct informer_s {
    client_t *client;
    char *path, *selectors;
    informer_reg_t *regs;
    int dispatching;
    json_t *cache;   /* "ns/name" → object */
    json_t *listing; /* the re-list being assembled */
    char *rv;
    client_watch_t *watch;
    uv_timer_t retry;
    int retry_ms;
    int inflight; /* list requests and the watch */
    bool synced, stopping, relist;
    bool refused; /* a list was refused (401/403) and said so; quiet until one succeeds */
    void (*done)(void *data);
    void *done_data;
};

static void start_list(informer_t *inf, const char *cont);
static void start_watch(informer_t *inf);

enum ev { EV_ADD, EV_UPDATE, EV_DELETE, EV_SYNCED };

static void sweep_removed(informer_t *inf)
{
    informer_reg_t **pp = &inf->regs;
    while (*pp) {
        informer_reg_t *r = *pp;
        if (r->removed) {
            *pp = r->next;
            free(r);
        } else {
            pp = &r->next;
        }
    }
}

static void call(informer_t *inf, const informer_reg_t *r, enum ev ev, json_t *old, json_t *obj)
{
    if (r->removed)
        return;
    switch (ev) {
    case EV_ADD:
        if (r->h.on_add)
            r->h.on_add(inf, obj, r->data);
        break;
    case EV_UPDATE:
        if (r->h.on_update)
            r->h.on_update(inf, old, obj, r->data);
        break;
    case EV_DELETE:
        if (r->h.on_delete)
            r->h.on_delete(inf, obj, r->data);
        break;
    case EV_SYNCED:
        if (r->h.on_synced)
            r->h.on_synced(inf, r->data);
        break;
    }
}

static void dispatch(informer_t *inf, enum ev ev, json_t *old, json_t *obj)
{
    inf->dispatching++;
    for (informer_reg_t *r = inf->regs; r; r = r->next)
        call(inf, r, ev, old, obj);
    if (--inf->dispatching == 0)
        sweep_removed(inf);
}

static char *key_of(const json_t *obj)
{
    json_t *md = json_object_get(obj, "metadata");
    const char *ns = json_string_value(json_object_get(md, "namespace"));
    const char *name = json_string_value(json_object_get(md, "name"));
    return xasprintf("%s/%s", ns ? ns : "", name ? name : "");
}

static void set_rv(informer_t *inf, const char *rv)
{
    if (!rv || !*rv)
        return;
    free(inf->rv);
    inf->rv = xstrdup(rv);
}

static void on_retry_closed(uv_handle_t *h)
{
    informer_t *inf = h->data;
    void (*done)(void *) = inf->done;
    void *data = inf->done_data;
    while (inf->regs) {
        informer_reg_t *r = inf->regs;
        inf->regs = r->next;
        free(r);
    }
    json_decref(inf->cache);
    json_decref(inf->listing);
    free(inf->rv);
    free(inf->path);
    free(inf->selectors);
    free(inf);
    if (done)
        done(data);
}

static void maybe_finish(informer_t *inf)
{
    if (inf->stopping && inf->inflight == 0 && !uv_is_closing((uv_handle_t *)&inf->retry))
        uv_close((uv_handle_t *)&inf->retry, on_retry_closed);
}

static void on_retry(uv_timer_t *t)
{
    informer_t *inf = t->data;
    if (inf->stopping)
        return;
    if (inf->relist || !inf->rv)
        start_list(inf, NULL);
    else
        start_watch(inf);
}

static void schedule_retry(informer_t *inf)
{
    inf->retry_ms = inf->retry_ms ? inf->retry_ms * 2 : RETRY_MIN_MS;
    if (inf->retry_ms > RETRY_MAX_MS)
        inf->retry_ms = RETRY_MAX_MS;
    uv_timer_start(&inf->retry, on_retry, (uint64_t)inf->retry_ms, 0);
}

/* The list is complete: hand out what changed since the cache, then replace it. */
static void apply_listing(informer_t *inf)
{
    json_t *next = inf->listing;
    inf->listing = NULL;
    const char *k;
    json_t *obj, *old;
    json_object_foreach(next, k, obj)
    {
        old = json_object_get(inf->cache, k);
        if (!old)
            dispatch(inf, EV_ADD, NULL, obj);
        else if (!json_equal(old, obj))
            dispatch(inf, EV_UPDATE, old, obj);
    }
    json_object_foreach(inf->cache, k, old)
    {
        if (!json_object_get(next, k))
            dispatch(inf, EV_DELETE, NULL, old);
    }
    json_decref(inf->cache);
    inf->cache = next;
    inf->relist = false;
    if (!inf->synced) {
        inf->synced = true;
        dispatch(inf, EV_SYNCED, NULL, NULL);
    }
}

static void on_list(const client_resp_t *resp, void *data)
{
    informer_t *inf = data;
    inf->inflight--;
    if (inf->stopping)
        return maybe_finish(inf);
    cleanup_json json_t *list =
        resp->status == 200 ? json_loadb(resp->body, resp->len, 0, NULL) : NULL;
    if (!list) {
        /* A refusal does not pass on its own: say it once (client-go's reflector logs
         * "forbidden" on every try), the rest at debug level. */
        if ((resp->status == 401 || resp->status == 403) && !inf->refused) {
            inf->refused = true;
            log_warn("informer", "%s: list refused: %d %.200s", inf->path, resp->status,
                     resp->body ? resp->body : "");
        } else {
            log_debug("informer", "%s: list failed: %d %.200s", inf->path, resp->status,
                      resp->body ? resp->body : "");
        }
        json_decref(inf->listing);
        inf->listing = NULL;
        inf->relist = true;
        return schedule_retry(inf);
    }
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(list, "items"), i, item)
    {
        cleanup_free char *k = key_of(item);
        json_object_set(inf->listing, k, item);
    }
    json_t *md = json_object_get(list, "metadata");
    const char *cont = json_string_value(json_object_get(md, "continue"));
    if (cont && *cont)
        return start_list(inf, cont);
    set_rv(inf, json_string_value(json_object_get(md, "resourceVersion")));
    log_debug("informer", "%s: listed %zu at %s", inf->path, json_object_size(inf->listing),
              inf->rv ? inf->rv : "");
    inf->retry_ms = 0;
    inf->refused = false;
    apply_listing(inf);
    start_watch(inf);
}

static void start_list(informer_t *inf, const char *cont)
{
    if (!cont) {
        json_decref(inf->listing);
        inf->listing = json_object();
    }
    char *path = xasprintf("%s?limit=%d%s%s%s%s", inf->path, PAGE, cont ? "&continue=" : "",
                           cont ? cont : "", inf->selectors ? "&" : "",
                           inf->selectors ? inf->selectors : "");
    inf->inflight++;
    client_request(inf->client, "GET", path, NULL, NULL, 0, on_list, inf);
    free(path);
}

static void on_watch_line(client_watch_t *w, const char *line, size_t len, void *data)
{
    informer_t *inf = data;
    cleanup_json json_t *ev = json_loadb(line, len, 0, NULL);
    const char *type = json_string_value(json_object_get(ev, "type"));
    json_t *obj = json_object_get(ev, "object");
    if (!type || !json_is_object(obj))
        return;
    log_debug("informer", "%s: %s", inf->path, type);
    const char *rv =
        json_string_value(json_object_get(json_object_get(obj, "metadata"), "resourceVersion"));
    if (strcmp(type, "ERROR") == 0) {
        /* 410: our resourceVersion is gone; re-list when the stream ends. */
        if (json_integer_value(json_object_get(obj, "code")) == 410)
            inf->relist = true;
        return;
    }
    if (strcmp(type, "BOOKMARK") == 0) {
        set_rv(inf, rv);
        return;
    }
    cleanup_free char *k = key_of(obj);
    json_t *old = json_incref(json_object_get(inf->cache, k));
    if (strcmp(type, "DELETED") == 0) {
        json_object_del(inf->cache, k);
        dispatch(inf, EV_DELETE, NULL, old ? old : obj);
    } else {
        json_object_set(inf->cache, k, obj);
        dispatch(inf, old ? EV_UPDATE : EV_ADD, old, obj);
    }
    json_decref(old);
    set_rv(inf, rv);
    inf->retry_ms = 0;
}

static void on_watch_end(client_watch_t *w, void *data)
{
    informer_t *inf = data;
    log_debug("informer", "%s: watch ended (relist %d)", inf->path, inf->relist);
    inf->watch = NULL;
    inf->inflight--;
    if (inf->stopping)
        return maybe_finish(inf);
    /* Resume from the last resourceVersion (or re-list after a 410) — at once when the stream
     * simply timed out, with back-off when it keeps failing. */
    schedule_retry(inf);
}

static void start_watch(informer_t *inf)
{
    int timeout = WATCH_TIMEOUT_MIN_S + (int)(uv_hrtime() % (WATCH_TIMEOUT_MIN_S + 1));
    char *path =
        xasprintf("%s?watch=true&allowWatchBookmarks=true&timeoutSeconds=%d&resourceVersion=%s%s%s",
                  inf->path, timeout, inf->rv ? inf->rv : "0", inf->selectors ? "&" : "",
                  inf->selectors ? inf->selectors : "");
    inf->inflight++;
    log_debug("informer", "watching %s", path);
    inf->watch = client_watch(inf->client, path, on_watch_line, on_watch_end, inf);
    free(path);
}

informer_t *informer_start(client_t *c, const char *path, const char *selectors,
                           const informer_handlers_t *h, void *data)
{
    informer_t *inf = xcalloc(1, sizeof(*inf));
    inf->client = c;
    inf->path = xstrdup(path);
    inf->selectors = selectors && *selectors ? xstrdup(selectors) : NULL;
    if (h)
        informer_add_handlers(inf, h, data);
    inf->cache = json_object();
    uv_timer_init(client_loop(c), &inf->retry);
    inf->retry.data = inf;
    start_list(inf, NULL);
    return inf;
}

void informer_stop(informer_t *inf, void (*done)(void *data), void *data)
{
    inf->stopping = true;
    inf->done = done;
    inf->done_data = data;
    uv_timer_stop(&inf->retry);
    if (inf->watch)
        client_watch_stop(inf->watch);
    maybe_finish(inf);
}

informer_reg_t *informer_add_handlers(informer_t *inf, const informer_handlers_t *h, void *data)
{
    informer_reg_t *r = xcalloc(1, sizeof(*r));
    r->h = *h;
    r->data = data;
    informer_reg_t **pp = &inf->regs;
    while (*pp)
        pp = &(*pp)->next;
    *pp = r;
    if (!inf->synced || !inf->cache)
        return r;
    /* A late comer sees what the others saw: every cached object as an add, then synced. */
    inf->dispatching++;
    const char *k;
    json_t *obj;
    json_object_foreach(inf->cache, k, obj)
    {
        call(inf, r, EV_ADD, NULL, obj);
    }
    call(inf, r, EV_SYNCED, NULL, NULL);
    if (--inf->dispatching == 0)
        sweep_removed(inf);
    return r;
}

void informer_remove_handlers(informer_t *inf, informer_reg_t *reg)
{
    if (!reg)
        return;
    reg->removed = true;
    if (inf->dispatching == 0)
        sweep_removed(inf);
}

bool informer_synced(const informer_t *inf)
{
    return inf->synced;
}

json_t *informer_get(const informer_t *inf, const char *ns, const char *name)
{
    char key[512];
    snprintf(key, sizeof(key), "%s/%s", ns ? ns : "", name ? name : "");
    return json_object_get(inf->cache, key);
}

size_t informer_size(const informer_t *inf)
{
    return json_object_size(inf->cache);
}

void informer_foreach(const informer_t *inf, bool (*visit)(json_t *obj, void *data), void *data)
{
    const char *k;
    json_t *obj;
    json_object_foreach(inf->cache, k, obj)
    {
        if (!visit(obj, data))
            return;
    }
}

const char *informer_resource_version(const informer_t *inf)
{
    return inf->rv ? inf->rv : "";
}
