/*
 * client.c — the client API's public functions, dispatched to the transport that made the
 * client (inproc.c, http.c) through the operations table at the head of every client and watch.
 */
#include "client_int.h"

void client_request(client_t *c, const char *method, const char *path, const char *content_type,
                    const char *body, size_t len, client_cb cb, void *data)
{
    ((client_base_t *)c)->ops->request(c, method, path, content_type, body, len, cb, data);
}

client_watch_t *client_watch(client_t *c, const char *path, client_line_cb on_line,
                             client_end_cb on_end, void *data)
{
    return ((client_base_t *)c)->ops->watch(c, path, on_line, on_end, data);
}

void client_watch_stop(client_watch_t *w)
{
    ((client_watch_base_t *)w)->ops->watch_stop(w);
}

uv_loop_t *client_loop(const client_t *c)
{
    return ((const client_base_t *)c)->loop;
}

void client_set_accept(client_t *c, const char *accept)
{
    client_base_t *b = (client_base_t *)c;
    free(b->accept);
    b->accept = accept ? xstrdup(accept) : NULL;
}

void client_close(client_t *c, void (*done)(void *data), void *data)
{
    client_base_t *b = (client_base_t *)c;
    free(b->accept);
    b->accept = NULL;
    client__events_close(b->events);
    b->events = NULL;
    b->ops->close(c, done, data);
}
