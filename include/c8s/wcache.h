/*
 * wcache.h — the watch cache of one resource: the current objects in key order, and a window of
 * recent events, fed by one etcd watch and serving LIST/GET at resourceVersion "0" and WATCH from
 * any revision still in the window (older: C8S_EGONE, as upstream's "too old resource version").
 *
 * Pure data structure, no I/O, used from one thread (the API server's loop): no locks. Objects
 * and events are immutable once made and reference-counted, so a LIST or a watcher can hold them
 * past later changes without copying.
 *
 * Memory: a cached object keeps its serialized JSON (what GET/LIST/WATCH send, with
 * metadata.resourceVersion already set) and only the small parts selectors need (labels, and a
 * skeleton holding the field-selector fields), not a parsed tree of the whole object.
 */
#ifndef C8S_WCACHE_H
#define C8S_WCACHE_H

#include "c8s/base.h"
#include <stdbool.h>
#include <stdint.h>

typedef struct wc_obj_s {
    int refs;
    char *key; /* full etcd key */
    char *ns;  /* "" for cluster-scoped */
    char *name;
    int64_t rev; /* mod_revision = metadata.resourceVersion */
    char *json;  /* serialized object with resourceVersion set; json_len bytes, NUL-terminated */
    size_t json_len;
    json_t *labels; /* owned; JSON object (possibly empty) */
    json_t *fields; /* owned; skeleton object holding only the field-selector paths */
    char *uid;
    json_t *tree; /* owned; the parsed json, made by the first wc_obj_tree, else NULL */
} wc_obj_t;

/* Makes an object with refs = 1. All strings are copied; labels and fields are stolen
 * (may be NULL). */
wc_obj_t *wc_obj_new(const char *key, const char *ns, const char *name, const char *uid,
                     int64_t rev, const char *json, size_t json_len, json_t *labels,
                     json_t *fields);
/* The object as a jansson tree, parsed once and kept with the object (borrowed; never modify
 * it: json_incref to keep it longer than o). NULL when json does not parse. For objects read
 * again and again (a namespace on every create in it); others are better parsed by the caller. */
const json_t *wc_obj_tree(wc_obj_t *o);
wc_obj_t *wc_obj_ref(wc_obj_t *o);
void wc_obj_unref(wc_obj_t *o);

typedef enum { WC_ADDED = 0, WC_MODIFIED = 1, WC_DELETED = 2 } wc_event_type_t;

typedef struct wc_event_s {
    int refs;
    wc_event_type_t type;
    int64_t rev;
    wc_obj_t *obj;  /* the new object (for DELETED: the last state, with rev = delete revision) */
    wc_obj_t *prev; /* the previous object (NULL for ADDED) */
    char *line;     /* lazily built `{"type":"ADDED","object":{…}}\n` (wc_event_line) */
    size_t line_len;
} wc_event_t;

wc_event_t *wc_event_ref(wc_event_t *e);
void wc_event_unref(wc_event_t *e);
/* The event's watch line, built once and shared by every watcher. Borrowed from e. */
const char *wc_event_line(wc_event_t *e, size_t *len);
/* The line of the same event for a watcher that sees it as another type (a MODIFIED object that
 * entered the watcher's selector is ADDED for it; one that left is DELETED). Owned (free). */
char *wc_event_line_as(const wc_event_t *e, wc_event_type_t type, size_t *len);
const char *wc_event_type_name(wc_event_type_t t);

typedef struct wcache_s wcache_t;
typedef struct wc_watcher_s wc_watcher_t;

/* Called for each event a watcher should see, in revision order (e == NULL: the cache was
 * reset and the watcher is ending; see wcache_replace); e is borrowed (take a ref to
 * keep it). The callback may call wc_watcher_stop on its own watcher. */
typedef void (*wc_watch_cb)(wc_watcher_t *w, wc_event_t *e, void *data);

/* window: how many recent events to keep for watches that resume (at least 1). */
wcache_t *wcache_new(size_t window);
/* Frees the cache; watchers must have been stopped first (any left are stopped). */
void wcache_free(wcache_t *c);

/* Replaces the whole content with objs (stolen refs; any order), at revision rev, as after a
 * (re)list. Clears the event window (resuming watches from before rev get C8S_EGONE) and ends
 * every watcher: each gets one callback with e == NULL and is then stopped by the cache, since
 * the events between its last one and rev are lost (its client must re-watch or re-list). */
void wcache_replace(wcache_t *c, wc_obj_t **objs, size_t n, int64_t rev);

/* Applies one change at revision rev. For a put, obj is the new object (stolen ref); for a delete,
 * obj is the last state with rev set to the delete revision (stolen), or NULL to use the cached
 * one. The type (ADDED/MODIFIED) is decided from the cache. Delivers the event to watchers.
 * Revisions must increase; an event at or below the current revision is ignored. */
void wcache_apply(wcache_t *c, bool is_delete, const char *key, wc_obj_t *obj, int64_t rev);

/* Moves the cache's revision forward without a change (progress notification). */
void wcache_advance(wcache_t *c, int64_t rev);

int64_t wcache_rev(const wcache_t *c);
/* The oldest revision a watch can resume from: watches from rev >= this replay the window. */
int64_t wcache_oldest(const wcache_t *c);
size_t wcache_size(const wcache_t *c);
size_t wcache_watchers(const wcache_t *c);

/* Borrowed; NULL if absent. */
wc_obj_t *wcache_get(const wcache_t *c, const char *key);

/* Visits objects whose key starts with prefix, in key order, starting after `after` (NULL:
 * from the first). Stops when visit returns false. */
void wcache_scan(const wcache_t *c, const char *prefix, const char *after,
                 bool (*visit)(wc_obj_t *o, void *data), void *data);

/* Starts a watcher that sees every event after from_rev (replayed from the window now, through
 * cb, before this returns) and then live events. from_rev below the window's reach gives
 * C8S_EGONE ("too old resource version: <from> (<oldest-1>)") and NULL. The watcher is owned by
 * the cache until wc_watcher_stop. */
wc_watcher_t *wcache_watch(wcache_t *c, int64_t from_rev, wc_watch_cb cb, void *data,
                           c8s_err_t *err);
/* Stops and frees the watcher (safe inside its callback: freed after the delivery loop). */
void wc_watcher_stop(wc_watcher_t *w);

#endif
