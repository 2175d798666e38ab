/*
 * inproc.c — the in-process transport of the client API. Calls go to the API server's thread
 * through apiserver_call; answers, watch lines and ends come back through a locked queue and a
 * uv_async on the caller's loop. A watcher that lets lines pile up past a bound is dropped, as a
 * slow HTTP watcher is.
 */
#include "client_int.h"

#include <string.h>

#define WATCH_QUEUE_MAX_BYTES (64u << 20)

typedef enum { OP_REQUEST, OP_WATCH } op_kind_t;
typedef enum { ITEM_ANSWER, ITEM_LINE, ITEM_END } item_kind_t;

typedef struct op_s {
    apiserver_call_t call; /* first: the server hands it back */
    client_t *client;
    op_kind_t kind;
    char *method, *path, *content_type, *body;
    client_cb cb;
    client_line_cb on_line;
    client_end_cb on_end;
    void *data;
    int stopped;                /* atomic: client_watch_stop was called */
    size_t queued;              /* atomic: line bytes waiting on the caller's loop */
    struct op_s *next, **pprev; /* the client's watches */
} op_t;

struct client_watch_s {
    client_watch_base_t base; /* first: client.c dispatches through it */
    op_t op;
};

typedef struct item_s {
    item_kind_t kind;
    op_t *op;
    int status;
    char *content_type;
    char *body;
    size_t len;
    struct item_s *next;
} item_t;

struct client_s {
    client_base_t base; /* first: client.c dispatches through it */
    apiserver_t *srv;
    uv_async_t async;
    uv_mutex_t lock;
    item_t *head, *tail;
    size_t inflight; /* ops not yet answered or ended (caller's thread) */
    op_t *watches;
    bool closing;
    void (*done)(void *data);
    void *done_data;
};

/* ---- the server's thread ---- */

static void push(client_t *c, item_t *it)
{
    uv_mutex_lock(&c->lock);
    if (c->tail)
        c->tail->next = it;
    else
        c->head = it;
    c->tail = it;
    /* Under the lock: the client frees itself only after taking it, so it cannot be gone. */
    uv_async_send(&c->async);
    uv_mutex_unlock(&c->lock);
}

static void on_answer(apiserver_call_t *call, int status, const char *ct, const char *body,
                      size_t len)
{
    op_t *op = (op_t *)call;
    item_t *it = xcalloc(1, sizeof(*it));
    it->kind = ITEM_ANSWER;
    it->op = op;
    it->status = status;
    it->content_type = ct ? xstrdup(ct) : NULL;
    it->body = xstrndup(body ? body : "", body ? len : 0);
    it->len = body ? len : 0;
    push(op->client, it);
}

static bool on_line(apiserver_call_t *call, const char *line, size_t len)
{
    op_t *op = (op_t *)call;
    if (__atomic_load_n(&op->stopped, __ATOMIC_ACQUIRE))
        return false;
    if (__atomic_load_n(&op->queued, __ATOMIC_ACQUIRE) + len > WATCH_QUEUE_MAX_BYTES)
        return false;
    __atomic_add_fetch(&op->queued, len, __ATOMIC_ACQ_REL);
    item_t *it = xcalloc(1, sizeof(*it));
    it->kind = ITEM_LINE;
    it->op = op;
    it->body = xstrndup(line, len);
    it->len = len;
    push(op->client, it);
    return true;
}

static void on_end(apiserver_call_t *call)
{
    op_t *op = (op_t *)call;
    item_t *it = xcalloc(1, sizeof(*it));
    it->kind = ITEM_END;
    it->op = op;
    push(op->client, it);
}

/* ---- the caller's thread ---- */

static void op_free(op_t *op)
{
    free(op->method);
    free(op->path);
    free(op->content_type);
    free(op->body);
    if (op->kind == OP_WATCH)
        free(c8s_container_of(op, client_watch_t, op));
    else
        free(op);
}

static void on_closed(uv_handle_t *h)
{
    client_t *c = h->data;
    void (*done)(void *) = c->done;
    void *data = c->done_data;
    uv_mutex_destroy(&c->lock);
    free(c);
    if (done)
        done(data);
}

static void maybe_finish_close(client_t *c)
{
    if (!c->closing || c->inflight > 0 || uv_is_closing((uv_handle_t *)&c->async))
        return;
    /* Wait out any server-thread push still inside the lock. */
    uv_mutex_lock(&c->lock);
    uv_mutex_unlock(&c->lock);
    uv_close((uv_handle_t *)&c->async, on_closed);
}

static void deliver(client_t *c, item_t *it)
{
    op_t *op = it->op;
    switch (it->kind) {
    case ITEM_ANSWER: {
        client_resp_t resp = {it->status, it->content_type, it->body, it->len};
        if (op->cb)
            op->cb(&resp, op->data);
        op_free(op);
        c->inflight--;
        break;
    }
    case ITEM_LINE: {
        __atomic_sub_fetch(&op->queued, it->len, __ATOMIC_ACQ_REL);
        size_t n = it->len;
        while (n > 0 && (it->body[n - 1] == '\n' || it->body[n - 1] == '\r'))
            n--;
        if (n > 0 && !__atomic_load_n(&op->stopped, __ATOMIC_ACQUIRE) && op->on_line) {
            it->body[n] = '\0';
            op->on_line(c8s_container_of(op, client_watch_t, op), it->body, n, op->data);
        }
        break;
    }
    case ITEM_END:
        if (op->pprev) {
            *op->pprev = op->next;
            if (op->next)
                op->next->pprev = op->pprev;
        }
        if (op->on_end)
            op->on_end(c8s_container_of(op, client_watch_t, op), op->data);
        op_free(op);
        c->inflight--;
        break;
    }
}

static void on_async(uv_async_t *a)
{
    client_t *c = a->data;
    uv_mutex_lock(&c->lock);
    item_t *it = c->head;
    c->head = c->tail = NULL;
    uv_mutex_unlock(&c->lock);
    while (it) {
        item_t *next = it->next;
        deliver(c, it);
        free(it->content_type);
        free(it->body);
        free(it);
        it = next;
    }
    maybe_finish_close(c);
}

static void inproc_request(client_t *c, const char *method, const char *path,
                           const char *content_type, const char *body, size_t len, client_cb cb,
                           void *data);
static client_watch_t *inproc_watch(client_t *c, const char *path, client_line_cb line_cb,
                                    client_end_cb end_cb, void *data);
static void inproc_watch_stop(client_watch_t *w);
static void inproc_close(client_t *c, void (*done)(void *data), void *data);

static const client_ops_t inproc_ops = {inproc_request, inproc_watch, inproc_watch_stop,
                                        inproc_close};

client_t *client_new_inproc(apiserver_t *srv, uv_loop_t *loop)
{
    client_t *c = xcalloc(1, sizeof(*c));
    c->srv = srv;
    c->base.ops = &inproc_ops;
    c->base.loop = loop;
    uv_mutex_init(&c->lock);
    uv_async_init(loop, &c->async, on_async);
    c->async.data = c;
    return c;
}

static void op_fill(op_t *op, client_t *c, const char *method, const char *path,
                    const char *content_type, const char *body, size_t len)
{
    op->client = c;
    op->method = xstrdup(method);
    op->path = xstrdup(path);
    op->content_type = content_type ? xstrdup(content_type) : NULL;
    op->body = body ? xstrndup(body, len) : NULL;
    op->call.method = op->method;
    op->call.path = op->path;
    op->call.content_type = op->content_type;
    op->call.accept = "application/json";
    op->call.body = op->body;
    op->call.body_len = body ? len : 0;
    op->call.on_answer = on_answer;
    op->call.on_line = on_line;
    op->call.on_end = on_end;
    c->inflight++;
}

static void inproc_request(client_t *c, const char *method, const char *path,
                           const char *content_type, const char *body, size_t len, client_cb cb,
                           void *data)
{
    op_t *op = xcalloc(1, sizeof(*op));
    op->kind = OP_REQUEST;
    op->cb = cb;
    op->data = data;
    op_fill(op, c, method, path, content_type, body, len);
    apiserver_call(c->srv, &op->call);
}

/* A watch that the server refused (an error Status instead of a stream) ends after its answer
 * line is handed to on_line: the answer is what a client would read from the HTTP stream. */
static void watch_answer(apiserver_call_t *call, int status, const char *ct, const char *body,
                         size_t len)
{
    op_t *op = (op_t *)call;
    if (len > 0)
        on_line(call, body, len);
    on_end(call);
    (void)status;
    (void)ct;
    (void)op;
}

static client_watch_t *inproc_watch(client_t *c, const char *path, client_line_cb line_cb,
                                    client_end_cb end_cb, void *data)
{
    client_watch_t *w = xcalloc(1, sizeof(*w));
    w->base.ops = &inproc_ops;
    op_t *op = &w->op;
    op->kind = OP_WATCH;
    op->on_line = line_cb;
    op->on_end = end_cb;
    op->data = data;
    op_fill(op, c, "GET", path, NULL, NULL, 0);
    op->call.on_answer = watch_answer;
    op->next = c->watches;
    if (c->watches)
        c->watches->pprev = &op->next;
    c->watches = op;
    op->pprev = &c->watches;
    apiserver_call(c->srv, &op->call);
    return w;
}

static void inproc_watch_stop(client_watch_t *w)
{
    op_t *op = &w->op;
    if (__atomic_exchange_n(&op->stopped, 1, __ATOMIC_ACQ_REL))
        return;
    apiserver_call_cancel(op->client->srv, &op->call);
}

static void inproc_close(client_t *c, void (*done)(void *data), void *data)
{
    c->closing = true;
    c->done = done;
    c->done_data = data;
    for (op_t *op = c->watches; op; op = op->next)
        inproc_watch_stop(c8s_container_of(op, client_watch_t, op));
    maybe_finish_close(c);
}
