/*
 * wcache.c — one resource's watch cache: objects sorted by key (binary search; inserts shift
 * pointers, cheap at the sizes a cluster holds) and a ring of recent events for resuming watches.
 */
#include "c8s/wcache.h"
#include "c8s/jsonr.h"

#include <string.h>

struct wc_watcher_s {
    wcache_t *cache;
    wc_watch_cb cb;
    void *data;
    bool stopped;
};

struct wcache_s {
    wc_obj_t **objs;
    size_t n, cap;
    wc_event_t **ring; /* window of recent events, oldest at ring[head] */
    size_t window, head, count;
    int64_t rev;
    int64_t base_rev; /* every event after base_rev is in the ring */
    wc_watcher_t **watchers;
    size_t n_watchers, cap_watchers;
    int delivering;
    bool need_sweep;
};

wc_obj_t *wc_obj_new(const char *key, const char *ns, const char *name, const char *uid,
                     int64_t rev, const char *json, size_t json_len, json_t *labels, json_t *fields)
{
    wc_obj_t *o = xcalloc(1, sizeof(*o));
    o->refs = 1;
    o->key = xstrdup(key);
    o->ns = xstrdup(ns ? ns : "");
    o->name = xstrdup(name ? name : "");
    o->uid = xstrdup(uid ? uid : "");
    o->rev = rev;
    o->json = xstrndup(json, json_len);
    o->json_len = json_len;
    o->labels = labels ? labels : json_object();
    o->fields = fields ? fields : json_object();
    return o;
}

const json_t *wc_obj_tree(wc_obj_t *o)
{
    if (!o->tree)
        o->tree = jsonr_loadb(o->json, o->json_len, 0, NULL);
    return o->tree;
}

wc_obj_t *wc_obj_ref(wc_obj_t *o)
{
    if (o)
        o->refs++;
    return o;
}

void wc_obj_unref(wc_obj_t *o)
{
    if (!o || --o->refs > 0)
        return;
    free(o->key);
    free(o->ns);
    free(o->name);
    free(o->uid);
    free(o->json);
    json_decref(o->labels);
    json_decref(o->fields);
    json_decref(o->tree);
    free(o);
}

static const char *type_names[] = {"ADDED", "MODIFIED", "DELETED"};

const char *wc_event_type_name(wc_event_type_t t)
{
    return type_names[t];
}

wc_event_t *wc_event_ref(wc_event_t *e)
{
    if (e)
        e->refs++;
    return e;
}

void wc_event_unref(wc_event_t *e)
{
    if (!e || --e->refs > 0)
        return;
    wc_obj_unref(e->obj);
    wc_obj_unref(e->prev);
    free(e->line);
    free(e);
}

char *wc_event_line_as(const wc_event_t *e, wc_event_type_t type, size_t *len)
{
    /* For a watcher the object left, upstream sends DELETED with the new state of the object. */
    const wc_obj_t *o = e->obj;
    static const char mid[] = "\",\"object\":";
    size_t tl = strlen(type_names[type]);
    size_t n = 9 + tl + sizeof(mid) - 1 + o->json_len + 2;
    char *line = xmalloc(n + 1);
    char *p = line;
    memcpy(p, "{\"type\":\"", 9);
    p += 9;
    memcpy(p, type_names[type], tl);
    p += tl;
    memcpy(p, mid, sizeof(mid) - 1);
    p += sizeof(mid) - 1;
    memcpy(p, o->json, o->json_len);
    p += o->json_len;
    memcpy(p, "}\n", 2);
    p += 2;
    *p = '\0';
    *len = n;
    return line;
}

const char *wc_event_line(wc_event_t *e, size_t *len)
{
    if (!e->line)
        e->line = wc_event_line_as(e, e->type, &e->line_len);
    *len = e->line_len;
    return e->line;
}

wcache_t *wcache_new(size_t window)
{
    wcache_t *c = xcalloc(1, sizeof(*c));
    c->window = window ? window : 1;
    c->ring = xcalloc(c->window, sizeof(*c->ring));
    return c;
}

static void ring_clear(wcache_t *c)
{
    for (size_t i = 0; i < c->count; i++)
        wc_event_unref(c->ring[(c->head + i) % c->window]);
    c->head = c->count = 0;
}

static void sweep_watchers(wcache_t *c)
{
    size_t j = 0;
    for (size_t i = 0; i < c->n_watchers; i++) {
        if (c->watchers[i]->stopped)
            free(c->watchers[i]);
        else
            c->watchers[j++] = c->watchers[i];
    }
    c->n_watchers = j;
    c->need_sweep = false;
}

void wcache_free(wcache_t *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_watchers; i++)
        free(c->watchers[i]);
    free(c->watchers);
    for (size_t i = 0; i < c->n; i++)
        wc_obj_unref(c->objs[i]);
    free(c->objs);
    ring_clear(c);
    free(c->ring);
    free(c);
}

static int cmp_obj(const void *a, const void *b)
{
    return strcmp((*(wc_obj_t *const *)a)->key, (*(wc_obj_t *const *)b)->key);
}

/* Index of key, or -(insertion point) - 1 when absent. */
static ssize_t find(const wcache_t *c, const char *key)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = strcmp(c->objs[mid]->key, key);
        if (r == 0)
            return (ssize_t)mid;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -(ssize_t)lo - 1;
}

void wcache_replace(wcache_t *c, wc_obj_t **objs, size_t n, int64_t rev)
{
    c->delivering++;
    for (size_t i = 0; i < c->n_watchers; i++) {
        wc_watcher_t *w = c->watchers[i];
        if (!w->stopped) {
            w->cb(w, NULL, w->data);
            wc_watcher_stop(w);
        }
    }
    if (--c->delivering == 0 && c->need_sweep)
        sweep_watchers(c);
    for (size_t i = 0; i < c->n; i++)
        wc_obj_unref(c->objs[i]);
    if (n > c->cap) {
        c->cap = n;
        c->objs = xrealloc(c->objs, c->cap * sizeof(*c->objs));
    }
    if (n > 0)
        memcpy(c->objs, objs, n * sizeof(*objs));
    c->n = n;
    if (n > 0)
        qsort(c->objs, n, sizeof(*c->objs), cmp_obj);
    ring_clear(c);
    c->rev = rev;
    c->base_rev = rev;
}

static void ring_push(wcache_t *c, wc_event_t *e)
{
    if (c->count == c->window) {
        wc_event_t *old = c->ring[c->head];
        c->base_rev = old->rev;
        wc_event_unref(old);
        c->head = (c->head + 1) % c->window;
        c->count--;
    }
    c->ring[(c->head + c->count) % c->window] = e;
    c->count++;
}

static void deliver(wcache_t *c, wc_event_t *e)
{
    c->delivering++;
    /* Watchers started from inside a callback are appended; they got this event by replay. */
    size_t n = c->n_watchers;
    for (size_t i = 0; i < n; i++) {
        wc_watcher_t *w = c->watchers[i];
        if (!w->stopped)
            w->cb(w, e, w->data);
    }
    if (--c->delivering == 0 && c->need_sweep)
        sweep_watchers(c);
}

void wcache_apply(wcache_t *c, bool is_delete, const char *key, wc_obj_t *obj, int64_t rev)
{
    if (rev <= c->rev) {
        wc_obj_unref(obj);
        return;
    }
    c->rev = rev;
    ssize_t idx = find(c, key);
    wc_event_t *e = xcalloc(1, sizeof(*e));
    e->refs = 1;
    e->rev = rev;
    if (is_delete) {
        if (idx < 0) {
            wc_obj_unref(obj);
            free(e);
            return;
        }
        e->type = WC_DELETED;
        e->prev = c->objs[idx];
        e->obj = obj ? obj : wc_obj_ref(e->prev);
        memmove(&c->objs[idx], &c->objs[idx + 1], (c->n - (size_t)idx - 1) * sizeof(*c->objs));
        c->n--;
    } else if (idx >= 0) {
        e->type = WC_MODIFIED;
        e->prev = c->objs[idx];
        e->obj = obj;
        c->objs[idx] = wc_obj_ref(obj);
    } else {
        size_t at = (size_t)(-idx - 1);
        if (c->n == c->cap) {
            c->cap = c->cap ? c->cap * 2 : 64;
            c->objs = xrealloc(c->objs, c->cap * sizeof(*c->objs));
        }
        memmove(&c->objs[at + 1], &c->objs[at], (c->n - at) * sizeof(*c->objs));
        c->objs[at] = wc_obj_ref(obj);
        c->n++;
        e->type = WC_ADDED;
        e->obj = obj;
    }
    ring_push(c, e);
    deliver(c, e);
}

void wcache_advance(wcache_t *c, int64_t rev)
{
    if (rev > c->rev)
        c->rev = rev;
}

int64_t wcache_rev(const wcache_t *c)
{
    return c->rev;
}

int64_t wcache_oldest(const wcache_t *c)
{
    return c->base_rev;
}

size_t wcache_size(const wcache_t *c)
{
    return c->n;
}

size_t wcache_watchers(const wcache_t *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n_watchers; i++)
        n += !c->watchers[i]->stopped;
    return n;
}

wc_obj_t *wcache_get(const wcache_t *c, const char *key)
{
    ssize_t idx = find(c, key);
    return idx >= 0 ? c->objs[idx] : NULL;
}

void wcache_scan(const wcache_t *c, const char *prefix, const char *after,
                 bool (*visit)(wc_obj_t *o, void *data), void *data)
{
    size_t plen = strlen(prefix);
    ssize_t idx = find(c, after ? after : prefix);
    size_t i = idx >= 0 ? (size_t)idx + (after ? 1 : 0) : (size_t)(-idx - 1);
    for (; i < c->n; i++) {
        if (strncmp(c->objs[i]->key, prefix, plen) != 0)
            break;
        if (!visit(c->objs[i], data))
            break;
    }
}

wc_watcher_t *wcache_watch(wcache_t *c, int64_t from_rev, wc_watch_cb cb, void *data,
                           c8s_err_t *err)
{
    if (from_rev < c->base_rev) {
        c8s_err_set(err, C8S_EGONE, "too old resource version: %lld (%lld)", (long long)from_rev,
                    (long long)c->base_rev);
        return NULL;
    }
    wc_watcher_t *w = xcalloc(1, sizeof(*w));
    w->cache = c;
    w->cb = cb;
    w->data = data;
    if (c->n_watchers == c->cap_watchers) {
        c->cap_watchers = c->cap_watchers ? c->cap_watchers * 2 : 16;
        c->watchers = xrealloc(c->watchers, c->cap_watchers * sizeof(*c->watchers));
    }
    c->watchers[c->n_watchers++] = w;
    c->delivering++;
    for (size_t i = 0; i < c->count && !w->stopped; i++) {
        wc_event_t *e = c->ring[(c->head + i) % c->window];
        if (e->rev > from_rev)
            cb(w, e, data);
    }
    if (--c->delivering == 0 && c->need_sweep)
        sweep_watchers(c);
    return w;
}

void wc_watcher_stop(wc_watcher_t *w)
{
    if (!w || w->stopped)
        return;
    wcache_t *c = w->cache;
    w->stopped = true;
    c->need_sweep = true;
    if (c->delivering == 0)
        sweep_watchers(c);
}
