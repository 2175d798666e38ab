/*
 * inproc.c — calls from the server's own roles on other threads: a locked queue and a uv_async
 * hand each call to this loop, where it runs through the same handler chain as an HTTP request
 * (apiserver__handle) and is answered through its callbacks.
 */
#include "internal.h"

#include <string.h>

typedef struct inproc_msg_s {
    apiserver_call_t *call;
    bool cancel;
    struct inproc_msg_s *next;
} inproc_msg_t;

static void push(apiserver_t *s, apiserver_call_t *c, bool cancel)
{
    inproc_msg_t *m = xcalloc(1, sizeof(*m));
    m->call = c;
    m->cancel = cancel;
    uv_mutex_lock(&s->inproc_lock);
    bool closed = s->inproc_closed;
    if (!closed) {
        if (s->inproc_tail)
            s->inproc_tail->next = m;
        else
            s->inproc_head = m;
        s->inproc_tail = m;
    }
    uv_mutex_unlock(&s->inproc_lock);
    if (closed) {
        /* The server has stopped: nobody will run this call. */
        free(m);
        if (!cancel)
            c->on_answer(c, 503, "application/json",
                         "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                         "\"status\":\"Failure\",\"message\":\"the server is shutting down\","
                         "\"reason\":\"ServiceUnavailable\",\"code\":503}",
                         strlen("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                                "\"status\":\"Failure\",\"message\":\"the server is shutting "
                                "down\",\"reason\":\"ServiceUnavailable\",\"code\":503}"));
        return;
    }
    uv_async_send(&s->inproc_async);
}

void apiserver_call(apiserver_t *s, apiserver_call_t *c)
{
    push(s, c, false);
}

void apiserver_call_cancel(apiserver_t *s, apiserver_call_t *c)
{
    __atomic_store_n(&c->cancelled, 1, __ATOMIC_RELEASE);
    push(s, c, true);
}

static void start_call(apiserver_t *s, apiserver_call_t *c)
{
    api_req_t *r = xcalloc(1, sizeof(*r));
    r->srv = s;
    r->call = c;
    r->start_ns = c8s_now_ns();
    r->method = xstrdup(c->method ? c->method : "GET");
    const char *path = c->path ? c->path : "/";
    const char *q = strchr(path, '?');
    r->path = q ? xstrndup(path, (size_t)(q - path)) : xstrdup(path);
    r->query = q ? apiserver__parse_query(q + 1, strlen(q + 1)) : json_object();
    r->content_type = apiserver__media_type(c->content_type);
    r->accept = c->accept ? xstrdup(c->accept) : NULL;
    r->body = c->body;
    r->body_len = c->body ? c->body_len : 0;
    apiserver__handle(r);
}

static void on_inproc(uv_async_t *a)
{
    apiserver_t *s = a->data;
    uv_mutex_lock(&s->inproc_lock);
    inproc_msg_t *m = s->inproc_head;
    s->inproc_head = s->inproc_tail = NULL;
    uv_mutex_unlock(&s->inproc_lock);
    /* In order: a cancel queued before a new call is handled before it (see apiserver.h). */
    while (m) {
        inproc_msg_t *next = m->next;
        if (m->cancel)
            apiserver__watch_cancel(s, m->call);
        else if (s->stopping)
            push(s, m->call, false); /* answered as closed below */
        else
            start_call(s, m->call);
        free(m);
        m = next;
    }
}

void apiserver__inproc_init(apiserver_t *s)
{
    uv_mutex_init(&s->inproc_lock);
    uv_async_init(&s->loop, &s->inproc_async, on_inproc);
    s->inproc_async.data = s;
}

void apiserver__inproc_close(apiserver_t *s)
{
    uv_mutex_lock(&s->inproc_lock);
    s->inproc_closed = true;
    inproc_msg_t *m = s->inproc_head;
    s->inproc_head = s->inproc_tail = NULL;
    uv_mutex_unlock(&s->inproc_lock);
    while (m) {
        inproc_msg_t *next = m->next;
        if (!m->cancel)
            push(s, m->call, false); /* closed: answered 503 */
        free(m);
        m = next;
    }
    uv_close((uv_handle_t *)&s->inproc_async, NULL);
}
