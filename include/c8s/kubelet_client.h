/*
 * kubelet_client.h — the API server's way to a kubelet's HTTPS port (pods/log, exec, attach,
 * portforward; a node's stats): one request per connection, over TLS with the API server's
 * kubelet-client certificate, the kubelet's certificate checked against the cluster CA and for
 * the node's name. Asynchronous on a libuv loop; the response body streams to the caller, and
 * after a 101 answer the caller can take the connection over (websocket exec/attach).
 *
 * A request without an upgrade is sent as HTTP/1.0, so its answer is plain bytes until the
 * kubelet closes (no chunked framing to undo on the way through).
 */
#ifndef C8S_KUBELET_CLIENT_H
#define C8S_KUBELET_CLIENT_H

#include "c8s/base.h"

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

struct st_h2o_socket_t;

typedef struct kubelet_client_s kubelet_client_t;
typedef struct kubelet_req_s kubelet_req_t;

/* A TLS client context from PEM files (read now). *out owned: kubelet_client_free. */
int kubelet_client_new(const char *cert_file, const char *key_file, const char *ca_file,
                       kubelet_client_t **out, c8s_err_t *err);
/* After every request made with it has ended. NULL is fine. */
void kubelet_client_free(kubelet_client_t *c);

/* Borrowed; copied by kubelet_req_start. */
typedef struct kubelet_req_opts_s {
    const char *address;     /* the node's address (IPv4 or IPv6 text) */
    int port;                /* its kubelet port */
    const char *server_name; /* the name its certificate must carry (the node name) */
    const char *method;
    const char *path;           /* with its query, already escaped */
    const char *const *headers; /* extra "Name: value" lines, NULL-terminated; may be NULL */
    bool upgrade;               /* send HTTP/1.1 (a websocket upgrade); the caller's headers
                                   carry Connection/Upgrade/Sec-WebSocket-* */
    unsigned timeout_ms;        /* for the answer's head; 0: 10 s */
} kubelet_req_opts_t;

/* Callbacks run on the loop. After on_end (or kubelet_req_cancel, or kubelet_req_take) none
 * run again, and the request is freed by the library. */
typedef struct kubelet_req_cbs_s {
    /* The answer's head: status, and the header lines (raw, "Name: value\r\n" each; len
     * bytes). */
    void (*on_head)(kubelet_req_t *q, int status, const char *headers, size_t len, void *data);
    /* A piece of the body. */
    void (*on_body)(kubelet_req_t *q, const char *buf, size_t len, void *data);
    /* The end: code 0 when the body ended (the kubelet closed), else a C8S_E* code with msg
     * (connection, TLS or protocol failure; C8S_EUNAVAILABLE when nothing was answered). */
    void (*on_end)(kubelet_req_t *q, int code, const char *msg, void *data);
} kubelet_req_cbs_t;

int kubelet_req_start(kubelet_client_t *c, uv_loop_t *loop, const kubelet_req_opts_t *o,
                      const kubelet_req_cbs_t *cbs, void *data, kubelet_req_t **out,
                      c8s_err_t *err);
/* Stops or resumes reading the body (back-pressure toward a slow reader). */
void kubelet_req_pause(kubelet_req_t *q, bool paused);
/* Ends the request now; no callback follows. Safe inside a callback. */
void kubelet_req_cancel(kubelet_req_t *q);
/* After on_head with 101 (from inside on_head or later): the connection, now the caller's
 * (close it with h2o_socket_close). Bytes that arrived after the head are left in its input
 * buffer (sock->input). The request is over; no callback follows. */
struct st_h2o_socket_t *kubelet_req_take(kubelet_req_t *q);

/* ---- pure ---- */

/* Parses an HTTP/1.x response head in buf[0..len): the status and where the header lines
 * begin and end. Returns the head's length (through the blank line), 0 when more bytes are
 * needed, or C8S_EBADREQUEST when it is not an HTTP response. */
int kubelet_parse_head(const char *buf, size_t len, int *status, size_t *hdr_off, size_t *hdr_len,
                       c8s_err_t *err);

#endif
