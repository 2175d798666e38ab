/* internal.h — what the controllers share: the manager's loop and client, and each controller's
 * start/stop entry. Everything runs on the controller thread. */
#ifndef C8S_CONTROLLERS_INTERNAL_H
#define C8S_CONTROLLERS_INTERNAL_H

#include "c8s/client.h"
#include "c8s/controllers.h"
#include "c8s/informer.h"
#include "c8s/kinds.h"
#include "c8s/workqueue.h"

typedef struct ctrl_s ctrl_t;

/* One controller: started once the loop runs; stopped (asynchronously: it calls done when it
 * has let go of everything) when the manager stops. */
typedef struct ctrl_ops_s {
    const char *name;
    ctrl_t *(*start)(controllers_t *cm);
    void (*stop)(ctrl_t *ctrl, void (*done)(void *data), void *data);
} ctrl_ops_t;

extern const ctrl_ops_t controllers__namespace;
extern const ctrl_ops_t controllers__serviceaccount;
extern const ctrl_ops_t controllers__replicaset;
extern const ctrl_ops_t controllers__replicationcontroller;
extern const ctrl_ops_t controllers__deployment;

/* The in-process client every controller writes through (borrowed). */
client_t *controllers__client(controllers_t *cm);
/* The shared informer of a collection ("/api/v1/pods"): one list and watch however many
 * controllers read it. Started on first use; borrowed, alive until every controller has
 * stopped. A controller adds its handlers (informer_add_handlers) and removes them in its stop. */
informer_t *controllers__informer(controllers_t *cm, const char *path);

/* "/api/v1" or "/apis/<group>/<version>" for a kind; owned. */
char *controllers__group_path(const api_kind_t *k);
/* A JSON string field at metadata.<field>, or NULL (borrowed). */
const char *controllers__meta(const json_t *obj, const char *field);

/* The ownerReference with controller=true, or NULL (borrowed). */
const json_t *controllers__controller_ref(const json_t *obj);
/* "<namespace>/<name>" of an object, or NULL without a name; owned. */
char *controllers__key(const json_t *obj);
/* Splits "<namespace>/<name>" into the two buffers (truncating). */
void controllers__split_key(const char *key, char *ns, size_t nslen, char *name, size_t namelen);
/* A controller ownerReference to owner (controller and blockOwnerDeletion true); owned. */
json_t *controllers__owner_ref(const json_t *owner, const char *kind, const char *api_version);
/* Posts a core/v1 Event about obj (fire and forget: the answer is only logged), as upstream's
 * recorder: reason e.g. "SuccessfulCreate", type "Normal" or "Warning". */
void controllers__event(client_t *c, const json_t *obj, const char *kind, const char *api_version,
                        const char *component, const char *type, const char *reason,
                        const char *fmt, ...) __attribute__((format(printf, 8, 9)));

#endif
