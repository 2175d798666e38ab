/*
 * history.c — what the StatefulSet and DaemonSet controllers share on the loop: the owner's
 * ControllerRevisions read from the shared informer, and a batch of writes whose outcome
 * decides, once all have answered, whether the key is retried.
 */
#include "internal.h"

#include <string.h>

typedef struct {
    const json_t *owner;
    json_t *out;
} owned_t;

static bool pick_owned(json_t *obj, void *data)
{
    owned_t *o = data;
    const char *ns = controllers__meta(obj, "namespace");
    const char *ons = controllers__meta(o->owner, "namespace");
    if (ns && ons && strcmp(ns, ons) == 0 && controllers__owned_by(obj, o->owner))
        json_array_append(o->out, obj);
    return true;
}

json_t *controllers__owned(informer_t *inf, const json_t *owner)
{
    owned_t o = {owner, json_array()};
    informer_foreach(inf, pick_owned, &o);
    return o.out;
}

struct ctrl_batch_s {
    client_t *client;
    workqueue_t *queue;
    char *key;
    const char *who;
    const bool *closing;
    int pending;
    bool failed;
};

ctrl_batch_t *controllers__batch_new(client_t *c, workqueue_t *q, const char *key, const char *who,
                                     const bool *closing)
{
    ctrl_batch_t *b = xcalloc(1, sizeof(*b));
    b->client = c;
    b->queue = q;
    b->key = xstrdup(key);
    b->who = who;
    b->closing = closing;
    b->pending = 1; /* held until controllers__batch_end */
    return b;
}

static void release(ctrl_batch_t *b)
{
    if (--b->pending > 0)
        return;
    if (b->failed && !*b->closing)
        workqueue_add_rate_limited(b->queue, b->key);
    else if (!b->failed)
        workqueue_forget(b->queue, b->key);
    workqueue_done(b->queue, b->key);
    free(b->key);
    free(b);
}

static void on_answer(const client_resp_t *resp, void *data)
{
    ctrl_batch_t *b = data;
    /* 404: already gone; 409: already there (a name the cache had not seen yet) or a stale
     * update — the informer's next event brings the key back either way. */
    if (resp->status >= 300 && resp->status != 404 && resp->status != 409) {
        b->failed = true;
        log_warn(b->who, "%s: %d %.*s", b->key, resp->status, (int)resp->len, resp->body);
    }
    release(b);
}

void controllers__batch_send(ctrl_batch_t *b, const char *method, const char *path,
                             const char *content_type, const json_t *body)
{
    cleanup_free char *s = body ? json_dumps(body, JSON_COMPACT) : NULL;
    b->pending++;
    client_request(b->client, method, path, s ? content_type : NULL, s, s ? strlen(s) : 0,
                   on_answer, b);
}

void controllers__batch_end(ctrl_batch_t *b)
{
    release(b);
}
