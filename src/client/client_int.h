/*
 * client_int.h — what the client API's transports share: the table of operations each transport
 * fills in, and the header at the start of every transport's client and watch, through which
 * client.c dispatches the public functions.
 */
#ifndef C8S_CLIENT_INT_H
#define C8S_CLIENT_INT_H

#include "c8s/client.h"

typedef struct client_ops_s {
    void (*request)(client_t *c, const char *method, const char *path, const char *content_type,
                    const char *body, size_t len, client_cb cb, void *data);
    client_watch_t *(*watch)(client_t *c, const char *path, client_line_cb on_line,
                             client_end_cb on_end, void *data);
    void (*watch_stop)(client_watch_t *w);
    void (*close)(client_t *c, void (*done)(void *data), void *data);
} client_ops_t;

/* First member of every transport's client. accept is owned (NULL: application/json). */
typedef struct client_base_s {
    const client_ops_t *ops;
    uv_loop_t *loop;
    char *accept;
    struct client_events_s *events; /* the Event recorder (events.c), made on first use */
} client_base_t;

/* events.c: the client is closing; the recorder goes once its requests have answered. */
void client__events_close(struct client_events_s *st);

/* First member of every transport's watch. */
typedef struct client_watch_base_s {
    const client_ops_t *ops;
} client_watch_base_t;

#endif
