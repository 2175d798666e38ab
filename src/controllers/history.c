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
    json_t *owner; /* for write events: {"metadata": namespace, name, uid}, or NULL */
    const char *kind, *api_version, *component;
};

/* One write with events: what to say when it has answered. */
typedef struct {
    ctrl_batch_t *b;
    char *ok_reason, *ok_msg, *ok_prefix, *fail_reason, *fail_prefix;
} write_ev_t;

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
    json_decref(b->owner);
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
    static const ctrl_write_events_t none = {0};
    controllers__batch_send_ev(b, method, path, content_type, body, &none);
}

void controllers__batch_owner(ctrl_batch_t *b, const json_t *owner, const char *kind,
                              const char *api_version, const char *component)
{
    json_decref(b->owner);
    b->owner = json_pack("{s:{s:s?, s:s?, s:s?}}", "metadata", "namespace",
                         controllers__meta(owner, "namespace"), "name",
                         controllers__meta(owner, "name"), "uid", controllers__meta(owner, "uid"));
    b->kind = kind;
    b->api_version = api_version;
    b->component = component;
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void on_answer_ev(const client_resp_t *resp, void *data)
{
    write_ev_t *w = data;
    ctrl_batch_t *b = w->b;
    /* The answer is read only when an event needs its name or message. */
    bool says = b->owner && (w->ok_reason || w->fail_reason);
    cleanup_json json_t *answer =
        says && resp->body ? json_loadb(resp->body, resp->len, 0, NULL) : NULL;
    if (b->owner && resp->status >= 200 && resp->status < 300 && w->ok_reason) {
        cleanup_free char *msg = w->ok_msg ? NULL
                                           : xasprintf("%s%s", w->ok_prefix ? w->ok_prefix : "",
                                                       controllers__meta(answer, "name") ?: "?");
        controllers__event(b->client, b->owner, b->kind, b->api_version, b->component, "Normal",
                           w->ok_reason, "%s", w->ok_msg ? w->ok_msg : msg);
    } else if (b->owner && resp->status >= 300 && resp->status != 404 && resp->status != 409 &&
               w->fail_reason) {
        controllers__event(b->client, b->owner, b->kind, b->api_version, b->component, "Warning",
                           w->fail_reason, "%s%s", w->fail_prefix ? w->fail_prefix : "",
                           json_string_value(json_object_get(answer, "message")) ?: "");
    }
    free(w->ok_reason);
    free(w->ok_msg);
    free(w->ok_prefix);
    free(w->fail_reason);
    free(w->fail_prefix);
    free(w);
    on_answer(resp, b);
}

void controllers__batch_send_ev(ctrl_batch_t *b, const char *method, const char *path,
                                const char *content_type, const json_t *body,
                                const ctrl_write_events_t *ev)
{
    write_ev_t *w = xcalloc(1, sizeof(*w));
    w->b = b;
    w->ok_reason = dup_or_null(ev->ok_reason);
    w->ok_msg = dup_or_null(ev->ok_msg);
    w->ok_prefix = dup_or_null(ev->ok_prefix);
    w->fail_reason = dup_or_null(ev->fail_reason);
    w->fail_prefix = dup_or_null(ev->fail_prefix);
    cleanup_free char *s = body ? json_dumps(body, JSON_COMPACT) : NULL;
    b->pending++;
    client_request(b->client, method, path, s ? content_type : NULL, s, s ? strlen(s) : 0,
                   on_answer_ev, w);
}

void controllers__batch_end(ctrl_batch_t *b)
{
    release(b);
}
