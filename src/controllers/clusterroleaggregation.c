/*
 * clusterroleaggregation.c — a ClusterRole with an aggregationRule holds the union of the rules
 * of the ClusterRoles its selectors match (admin ⊇ edit ⊇ view, fed by the
 * aggregate-to-* labels), written back whenever any ClusterRole changes, as upstream's
 * clusterrole-aggregation controller. Roles are read in name order so the result is stable.
 */
#include "internal.h"

#include "c8s/rbac.h"

#include <stdlib.h>
#include <string.h>

#define PATH "/apis/rbac.authorization.k8s.io/v1/clusterroles"

typedef struct {
    client_t *client;
    informer_t *roles;
    informer_reg_t *reg;
    workqueue_t *queue;
    void (*done)(void *data);
    void *done_data;
} aggctrl_t;

typedef struct {
    aggctrl_t *ac;
    char *name;
} write_t;

static void on_written(const client_resp_t *resp, void *data)
{
    write_t *w = data;
    aggctrl_t *ac = w->ac;
    if (resp->status == 200 || resp->status == 404) {
        workqueue_forget(ac->queue, w->name);
    } else {
        log_warn("controllers", "aggregating ClusterRole %s: %d", w->name, resp->status);
        workqueue_add_rate_limited(ac->queue, w->name);
    }
    workqueue_done(ac->queue, w->name);
    free(w->name);
    free(w);
}

static bool collect(json_t *obj, void *data)
{
    json_array_append(data, obj);
    return true;
}

static int by_name(const void *a, const void *b)
{
    const char *x = controllers__meta(*(json_t *const *)a, "name");
    const char *y = controllers__meta(*(json_t *const *)b, "name");
    return strcmp(x ? x : "", y ? y : "");
}

static void process(workqueue_t *q, const char *name, void *data)
{
    aggctrl_t *ac = data;
    json_t *role = informer_get(ac->roles, NULL, name);
    json_t *agg = json_object_get(role, "aggregationRule");
    if (!informer_synced(ac->roles) || !json_is_object(agg)) {
        workqueue_done(q, name);
        return;
    }
    /* Every role but this one, in name order. */
    json_t *all = json_array();
    informer_foreach(ac->roles, collect, all);
    json_t **v = xcalloc(json_array_size(all) + 1, sizeof(json_t *));
    size_t m = 0;
    for (size_t i = 0; i < json_array_size(all); i++) {
        json_t *o = json_array_get(all, i);
        if (o != role)
            v[m++] = o;
    }
    qsort(v, m, sizeof(json_t *), by_name);
    json_t *others = json_array();
    for (size_t i = 0; i < m; i++)
        json_array_append(others, v[i]);
    free(v);
    json_decref(all);
    json_t *rules = rbac_aggregated_rules(agg, others);
    json_decref(others);
    if (json_equal(rules, json_object_get(role, "rules"))) {
        json_decref(rules);
        workqueue_done(q, name);
        return;
    }
    json_t *patch = json_pack("{s:o}", "rules", rules);
    char *body = json_dumps(patch, JSON_COMPACT);
    json_decref(patch);
    write_t *w = xcalloc(1, sizeof(*w));
    w->ac = ac;
    w->name = xstrdup(name);
    cleanup_free char *path = xasprintf(PATH "/%s", name);
    client_request(ac->client, "PATCH", path, "application/merge-patch+json", body, strlen(body),
                   on_written, w);
    free(body);
}

static bool enqueue_aggregated(json_t *obj, void *data)
{
    const char *name = controllers__meta(obj, "name");
    if (name && json_is_object(json_object_get(obj, "aggregationRule")))
        workqueue_add(data, name);
    return true;
}

/* Any change may feed any aggregate: look at every aggregated role again. */
static void changed(informer_t *inf, json_t *obj, void *data)
{
    (void)obj;
    aggctrl_t *ac = data;
    informer_foreach(inf, enqueue_aggregated, ac->queue);
}

static void updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    (void)old;
    /* Our own rule writes change nothing that selects. */
    if (json_equal(json_object_get(json_object_get(old, "metadata"), "labels"),
                   json_object_get(json_object_get(obj, "metadata"), "labels")) &&
        json_equal(json_object_get(old, "aggregationRule"),
                   json_object_get(obj, "aggregationRule")) &&
        json_equal(json_object_get(old, "rules"), json_object_get(obj, "rules")))
        return;
    changed(inf, obj, data);
}

static void synced(informer_t *inf, void *data)
{
    changed(inf, NULL, data);
}

static ctrl_t *start(controllers_t *cm)
{
    aggctrl_t *ac = xcalloc(1, sizeof(*ac));
    ac->client = controllers__client(cm);
    ac->queue = workqueue_new(client_loop(ac->client), 1, process, ac);
    informer_handlers_t h = {
        .on_add = changed, .on_update = updated, .on_delete = changed, .on_synced = synced};
    ac->roles = controllers__informer(cm, PATH);
    ac->reg = informer_add_handlers(ac->roles, &h, ac);
    return (ctrl_t *)ac;
}

static void on_queue_closed(void *data)
{
    aggctrl_t *ac = data;
    void (*done)(void *) = ac->done;
    void *d = ac->done_data;
    free(ac);
    done(d);
}

static void stop(ctrl_t *ctrl, void (*done)(void *data), void *data)
{
    aggctrl_t *ac = (aggctrl_t *)ctrl;
    ac->done = done;
    ac->done_data = data;
    informer_remove_handlers(ac->roles, ac->reg);
    workqueue_close(ac->queue, on_queue_closed, ac);
}

const ctrl_ops_t controllers__clusterroleaggregation = {"clusterrole-aggregation", start, stop};
