/*
 * hangup.c — seeing the client of a long HTTP/1 response leave. h2o 2.2 does not read an
 * HTTP/1 connection while it writes a response, so a client that went away is noticed at the
 * response's next write only: never, on a quiet watch or a `logs -f` of a quiet container, whose
 * stream, timers and kubelet connection then stay. Upstream's server reads in the background
 * and ends the request when its client closes. Reading the connection ourselves would take its
 * end-of-stream from h2o (libuv then refuses the stream's later reads and writes, and h2o never
 * closes it), so a duplicate of the socket's fd is polled for the hang-up alone (EPOLLRDHUP,
 * HUP, ERR): bytes the client sends stay for h2o. The poll handle is closed apart from its
 * owner, which may be gone by the time the close completes.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

struct apiserver_hangup_s {
    uv_poll_t poll;
    int fd; /* the duplicate; closed once the handle has closed */
    void (*fn)(void *data);
    void *data; /* NULL once stopped */
};

static void on_closed(uv_handle_t *h)
{
    apiserver_hangup_t *hu = h->data;
    close(hu->fd);
    free(hu);
}

void apiserver__hangup_stop(apiserver_hangup_t *hu)
{
    if (!hu)
        return;
    hu->data = NULL;
    uv_close((uv_handle_t *)&hu->poll, on_closed);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
    (void)status;
    (void)events; /* any wake is the hang-up or an error: no other event is asked for */
    apiserver_hangup_t *hu = p->data;
    void (*fn)(void *) = hu->fn;
    void *data = hu->data;
    if (!data)
        return;
    /* Once: the owner is told and stops the poll itself, now or later. */
    hu->data = NULL;
    uv_poll_stop(p);
    fn(data);
}

apiserver_hangup_t *apiserver__hangup_start(uv_loop_t *loop, h2o_req_t *req, void (*fn)(void *data),
                                            void *data, const char *what)
{
    if (req->version >= 0x200 || !req->conn->callbacks->get_socket)
        return NULL; /* HTTP/2: h2o reads the connection and stops the stream itself */
    h2o_socket_t *sock = req->conn->callbacks->get_socket(req->conn);
    int fd = sock ? h2o_socket_get_fd(sock) : -1;
    int dup_fd = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
    if (dup_fd < 0) {
        log_warn("apiserver", "%s: cannot watch for its client leaving: %s", what, strerror(errno));
        return NULL;
    }
    apiserver_hangup_t *hu = xcalloc(1, sizeof(*hu));
    hu->fd = dup_fd;
    hu->fn = fn;
    hu->data = data;
    int rc = uv_poll_init(loop, &hu->poll, dup_fd);
    if (rc != 0) {
        close(dup_fd);
        free(hu);
    } else {
        hu->poll.data = hu;
        rc = uv_poll_start(&hu->poll, UV_DISCONNECT, on_poll);
        if (rc != 0) {
            apiserver__hangup_stop(hu);
            hu = NULL;
        }
    }
    if (rc != 0)
        log_warn("apiserver", "%s: cannot watch for its client leaving: %s", what, uv_strerror(rc));
    return hu;
}
