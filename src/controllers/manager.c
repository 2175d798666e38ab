/*
 * manager.c — the controller thread: one loop, one in-process client, and the controllers
 * started on it; an orderly stop that lets each controller let go before the client closes.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

static const ctrl_ops_t *const table[] = {
    &controllers__namespace,
    &controllers__serviceaccount,
};

struct controllers_s {
    apiserver_t *srv;
    uv_loop_t loop;
    uv_thread_t thread;
    uv_async_t stop_async;
    client_t *client;
    ctrl_t *ctrls[C8S_ARRAY_SIZE(table)];
    size_t stopping;
};

char *controllers__group_path(const api_kind_t *k)
{
    if (!*k->group)
        return xasprintf("/api/%s", k->version);
    return xasprintf("/apis/%s/%s", k->group, k->version);
}

const char *controllers__meta(const json_t *obj, const char *field)
{
    return json_string_value(json_object_get(json_object_get(obj, "metadata"), field));
}

static void on_client_closed(void *data)
{
    controllers_t *cm = data;
    uv_close((uv_handle_t *)&cm->stop_async, NULL);
}

static void on_ctrl_stopped(void *data)
{
    controllers_t *cm = data;
    if (--cm->stopping == 0)
        client_close(cm->client, on_client_closed, cm);
}

static void on_stop(uv_async_t *a)
{
    controllers_t *cm = a->data;
    cm->stopping = C8S_ARRAY_SIZE(table);
    for (size_t i = 0; i < C8S_ARRAY_SIZE(table); i++)
        table[i]->stop(cm->ctrls[i], on_ctrl_stopped, cm);
}

static void run(void *arg)
{
    controllers_t *cm = arg;
    for (size_t i = 0; i < C8S_ARRAY_SIZE(table); i++)
        cm->ctrls[i] = table[i]->start(cm->client);
    uv_run(&cm->loop, UV_RUN_DEFAULT);
}

int controllers_start(apiserver_t *srv, controllers_t **out, c8s_err_t *err)
{
    controllers_t *cm = xcalloc(1, sizeof(*cm));
    cm->srv = srv;
    int rc = uv_loop_init(&cm->loop);
    if (rc != 0) {
        free(cm);
        return c8s_err_set(err, C8S_ESYS, "uv_loop_init: %s", uv_strerror(rc));
    }
    uv_async_init(&cm->loop, &cm->stop_async, on_stop);
    cm->stop_async.data = cm;
    cm->client = client_new_inproc(srv, &cm->loop);
    rc = uv_thread_create(&cm->thread, run, cm);
    if (rc != 0) {
        client_close(cm->client, NULL, NULL);
        uv_close((uv_handle_t *)&cm->stop_async, NULL);
        uv_run(&cm->loop, UV_RUN_DEFAULT);
        uv_loop_close(&cm->loop);
        free(cm);
        return c8s_err_set(err, C8S_ESYS, "starting the controller thread: %s", uv_strerror(rc));
    }
    *out = cm;
    return 0;
}

void controllers_stop(controllers_t *cm)
{
    if (!cm)
        return;
    uv_async_send(&cm->stop_async);
    uv_thread_join(&cm->thread);
    int rc = uv_loop_close(&cm->loop);
    if (rc != 0)
        log_warn("controllers", "loop closed with handles open: %s", uv_strerror(rc));
    free(cm);
}
