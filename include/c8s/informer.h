/*
 * informer.h — a local, always-current copy of one resource, as client-go's informers keep:
 * list (paged), then watch from the list's resourceVersion with bookmarks; a broken watch
 * resumes from the last resourceVersion seen, a 410 re-lists (and the differences are handed
 * to the handlers as adds, updates and deletes, so nothing is missed). Built on the client API;
 * lives on the client's loop and is used only from its thread.
 */
#ifndef C8S_INFORMER_H
#define C8S_INFORMER_H

#include "c8s/client.h"

#include <stdbool.h>

typedef struct informer_s informer_t;

/* Objects passed to handlers are borrowed for the call (json_incref to keep one). */
typedef struct informer_handlers_s {
    void (*on_add)(informer_t *inf, json_t *obj, void *data);
    void (*on_update)(informer_t *inf, json_t *old, json_t *obj, void *data);
    void (*on_delete)(informer_t *inf, json_t *obj, void *data);
    /* Once, after the first full list has been handed out. */
    void (*on_synced)(informer_t *inf, void *data);
} informer_handlers_t;

/* path: the collection, e.g. "/api/v1/pods" or "/apis/apps/v1/namespaces/x/deployments";
 * selectors: extra query (e.g. "labelSelector=app%3Dweb&fieldSelector=spec.nodeName%3Dn1") or
 * NULL. Handlers are copied. Owned: release with informer_stop. Starts at once. */
informer_t *informer_start(client_t *c, const char *path, const char *selectors,
                           const informer_handlers_t *h, void *data);

/* Another set of handlers on a running informer (shared informers: one list and watch, several
 * consumers). When the informer has synced already, h->on_add runs for every cached object and
 * then h->on_synced, before this returns — so set up what the handlers use first. The returned
 * registration is owned by the informer; hand it back with informer_remove_handlers (safe from
 * inside a handler) or let informer_stop free it. */
typedef struct informer_reg_s informer_reg_t;
informer_reg_t *informer_add_handlers(informer_t *inf, const informer_handlers_t *h, void *data);
void informer_remove_handlers(informer_t *inf, informer_reg_t *reg);

/* Stops watching; done (may be NULL) runs on the loop once nothing is in flight, after which
 * the informer is freed. */
void informer_stop(informer_t *inf, void (*done)(void *data), void *data);

bool informer_synced(const informer_t *inf);
/* The cached object (borrowed; valid until the next event is handled), or NULL. ns is NULL or
 * "" for cluster-scoped objects. */
json_t *informer_get(const informer_t *inf, const char *ns, const char *name);
size_t informer_size(const informer_t *inf);
/* Visits every cached object; stop early by returning false. */
void informer_foreach(const informer_t *inf, bool (*visit)(json_t *obj, void *data), void *data);
/* The resourceVersion the cache is at. */
const char *informer_resource_version(const informer_t *inf);

#endif
