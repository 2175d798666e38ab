/*
 * endpoints.c — the Endpoints controller: for every Service with a selector, an Endpoints
 * object of the same name listing the pods it selects (ready ones under addresses, the others
 * under notReadyAddresses; terminating pods leave at once), computed by the pure core in
 * endpoints_core.c and written only when it changed. Services without a selector (the
 * `kubernetes` service among them) keep whatever Endpoints someone else writes; when a Service
 * goes, its Endpoints go too.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define UNSYNCED_RETRY_MS 200

typedef struct {
    client_t *client;
    informer_t *services, *pods, *endpoints;
    informer_reg_t *svc_reg, *pod_reg, *ep_reg;
    workqueue_t *queue;
    json_t *triggers; /* "ns/name" → when the first change not yet written was seen */
    bool closing;
    void (*done)(void *data);
    void *done_data;
} epctrl_t;

typedef struct {
    epctrl_t *ec;
    char *key;
} write_t;

void controllers__now_rfc3339nano(char *buf, size_t len)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char sec[32];
    strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%09ldZ", sec, ts.tv_nsec);
}

typedef struct {
    const json_t *pod;
    workqueue_t *q;
    json_t *triggers;
} visit_t;

static void note_key(workqueue_t *q, json_t *triggers, const char *key)
{
    if (triggers && !json_object_get(triggers, key)) {
        char now[48];
        controllers__now_rfc3339nano(now, sizeof(now));
        json_object_set_new(triggers, key, json_string(now));
    }
    workqueue_add(q, key);
}

static bool visit_service(json_t *svc, void *data)
{
    visit_t *v = data;
    if (controllers__svc_selects_pod(svc, v->pod)) {
        cleanup_free char *key =
            xasprintf("%s/%s", controllers__meta(svc, "namespace"), controllers__meta(svc, "name"));
        note_key(v->q, v->triggers, key);
    }
    return true;
}

void controllers__enqueue_services_of(informer_t *services, const json_t *pod, workqueue_t *q,
                                      json_t *triggers)
{
    visit_t v = {pod, q, triggers};
    informer_foreach(services, visit_service, &v);
}

typedef struct {
    const json_t *svc;
    json_t *out;
} pick_t;

static bool pick(json_t *pod, void *data)
{
    pick_t *p = data;
    if (controllers__svc_selects_pod(p->svc, pod))
        json_array_append(p->out, pod);
    return true;
}

json_t *controllers__selected_pods(informer_t *pods, const json_t *svc)
{
    pick_t p = {svc, json_array()};
    informer_foreach(pods, pick, &p);
    return p.out;
}

static char *obj_key(const json_t *obj)
{
    const char *ns = controllers__meta(obj, "namespace");
    const char *name = controllers__meta(obj, "name");
    if (!ns || !name)
        return NULL;
    return xasprintf("%s/%s", ns, name);
}

static void on_written(const client_resp_t *resp, void *data)
{
    write_t *w = data;
    epctrl_t *ec = w->ec;
    if (resp->status < 300 || resp->status == 404 || resp->status == 403) {
        /* 403/404 on a create: the namespace is going. */
        json_object_del(ec->triggers, w->key);
        workqueue_forget(ec->queue, w->key);
    } else {
        if (resp->status != 409)
            log_warn("endpoints", "writing Endpoints %s: %d %.*s", w->key, resp->status,
                     (int)resp->len, resp->body);
        if (!ec->closing)
            workqueue_add_rate_limited(ec->queue, w->key);
    }
    workqueue_done(ec->queue, w->key);
    free(w->key);
    free(w);
}

static void process(workqueue_t *q, const char *key, void *data)
{
    epctrl_t *ec = data;
    if (!informer_synced(ec->services) || !informer_synced(ec->pods) ||
        !informer_synced(ec->endpoints)) {
        workqueue_add_after(q, key, UNSYNCED_RETRY_MS);
        workqueue_done(q, key);
        return;
    }
    cleanup_free char *buf = xstrdup(key);
    char *slash = strchr(buf, '/');
    if (!slash) {
        workqueue_done(q, key);
        return;
    }
    *slash = 0;
    const char *ns = buf, *name = slash + 1;
    json_t *svc = informer_get(ec->services, ns, name);
    json_t *current = informer_get(ec->endpoints, ns, name);
    cleanup_free char *path = xasprintf("/api/v1/namespaces/%s/endpoints%s%s", ns,
                                        current ? "/" : "", current ? name : "");
    write_t *w = xcalloc(1, sizeof(*w));
    w->ec = ec;
    w->key = xstrdup(key);
    if (!svc) {
        if (!current) {
            on_written(&(client_resp_t){.status = 200}, w);
            return;
        }
        client_request(ec->client, "DELETE", path, NULL, NULL, 0, on_written, w);
        return;
    }
    cleanup_json json_t *pods = NULL;
    cleanup_json json_t *next = NULL;
    if (controllers__svc_selects(svc)) {
        pods = controllers__selected_pods(ec->pods, svc);
        next = controllers__endpoints_update(svc, pods, current,
                                             json_string_value(json_object_get(ec->triggers, key)));
    }
    if (!next) {
        on_written(&(client_resp_t){.status = 200}, w);
        return;
    }
    cleanup_free char *body = json_dumps(next, JSON_COMPACT);
    client_request(ec->client, current ? "PUT" : "POST", path, "application/json", body,
                   strlen(body), on_written, w);
}

static void svc_changed(informer_t *inf, json_t *obj, void *data)
{
    epctrl_t *ec = data;
    cleanup_free char *key = obj_key(obj);
    if (key)
        note_key(ec->queue, ec->triggers, key);
}

static void svc_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    svc_changed(inf, obj, data);
}

static void pod_changed(informer_t *inf, json_t *obj, void *data)
{
    epctrl_t *ec = data;
    controllers__enqueue_services_of(ec->services, obj, ec->queue, ec->triggers);
}

static void pod_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    epctrl_t *ec = data;
    /* Services that selected the old labels and those that select the new ones. */
    controllers__enqueue_services_of(ec->services, old, ec->queue, ec->triggers);
    controllers__enqueue_services_of(ec->services, obj, ec->queue, ec->triggers);
}

static void ep_deleted(informer_t *inf, json_t *obj, void *data)
{
    epctrl_t *ec = data;
    cleanup_free char *key = obj_key(obj);
    if (key)
        workqueue_add(ec->queue, key);
}

static bool enqueue_leftover(json_t *ep, void *data)
{
    epctrl_t *ec = data;
    json_t *ann = json_object_get(json_object_get(ep, "metadata"), "annotations");
    cleanup_free char *key = obj_key(ep);
    if (key && json_object_get(ann, "endpoints.kubernetes.io/last-change-trigger-time"))
        workqueue_add(ec->queue, key);
    return true;
}

/* Endpoints this controller wrote (they carry its annotation) for services deleted while no
 * controller ran are found once, at start, as upstream's checkLeftoverEndpoints does; the sync
 * removes those whose service is gone. */
static void ep_synced(informer_t *inf, void *data)
{
    informer_foreach(inf, enqueue_leftover, data);
}

static ctrl_t *start(controllers_t *cm)
{
    epctrl_t *ec = xcalloc(1, sizeof(*ec));
    ec->client = controllers__client(cm);
    ec->triggers = json_object();
    ec->queue = workqueue_new(client_loop(ec->client), 4, process, ec);
    ec->services = controllers__informer(cm, "/api/v1/services");
    ec->pods = controllers__informer(cm, "/api/v1/pods");
    ec->endpoints = controllers__informer(cm, "/api/v1/endpoints");
    informer_handlers_t sh = {
        .on_add = svc_changed, .on_update = svc_updated, .on_delete = svc_changed};
    informer_handlers_t ph = {
        .on_add = pod_changed, .on_update = pod_updated, .on_delete = pod_changed};
    informer_handlers_t eh = {.on_delete = ep_deleted, .on_synced = ep_synced};
    ec->ep_reg = informer_add_handlers(ec->endpoints, &eh, ec);
    ec->pod_reg = informer_add_handlers(ec->pods, &ph, ec);
    ec->svc_reg = informer_add_handlers(ec->services, &sh, ec);
    return (ctrl_t *)ec;
}

static void on_queue_closed(void *data)
{
    epctrl_t *ec = data;
    void (*done)(void *) = ec->done;
    void *d = ec->done_data;
    json_decref(ec->triggers);
    free(ec);
    done(d);
}

static void stop(ctrl_t *ctrl, void (*done)(void *data), void *data)
{
    epctrl_t *ec = (epctrl_t *)ctrl;
    ec->closing = true;
    ec->done = done;
    ec->done_data = data;
    informer_remove_handlers(ec->services, ec->svc_reg);
    informer_remove_handlers(ec->pods, ec->pod_reg);
    informer_remove_handlers(ec->endpoints, ec->ep_reg);
    workqueue_close(ec->queue, on_queue_closed, ec);
}

const ctrl_ops_t controllers__endpoints = {"endpoints", start, stop};
