/*
 * client.h — how the server's roles (scheduler, controllers, kubelet, proxy) talk to the API:
 * asynchronous requests and watches on the caller's own libuv loop. The in-process transport
 * hands each call to the API server's thread (apiserver_call), where it runs through the same
 * handler chain as an HTTP request — routing, defaulting, validation, the store — without a
 * socket. The HTTP transport (agent-only nodes, `c8s ctl`) speaks to a server URL through libcurl's
 * multi interface driven by the same loop, with a kubeconfig's TLS client settings.
 *
 * A client_t belongs to one loop and is used only from that loop's thread. Callbacks run on it.
 */
#ifndef C8S_CLIENT_H
#define C8S_CLIENT_H

#include "c8s/apiserver.h"
#include "c8s/base.h"

#include <stdbool.h>

#include <uv.h>

typedef struct client_s client_t;
typedef struct client_watch_s client_watch_t;

typedef struct client_resp_s {
    int status;               /* HTTP status */
    const char *content_type; /* borrowed for the callback */
    const char *body;         /* borrowed for the callback; NUL-terminated */
    size_t len;
} client_resp_t;

typedef void (*client_cb)(const client_resp_t *resp, void *data);
/* One watch event line (without its newline; blank lines are not delivered). Borrowed. */
typedef void (*client_line_cb)(client_watch_t *w, const char *line, size_t len, void *data);
/* The watch has ended (server stop, timeout, too slow, client_watch_stop); w is freed after. */
typedef void (*client_end_cb)(client_watch_t *w, void *data);

/* An in-process client of srv whose callbacks run on loop. Owned: release with client_close. */
client_t *client_new_inproc(apiserver_t *srv, uv_loop_t *loop);

/* What the HTTP transport needs to reach a server, as a kubeconfig gives it. Every string may be
 * NULL and is copied by client_new_http. *_data fields are PEM bytes (already base64-decoded). */
typedef struct client_http_config_s {
    const char *server; /* "http://127.0.0.1:6443", "https://host:6443/prefix" */
    const char *ca_file, *ca_data;
    size_t ca_data_len;
    const char *cert_file, *cert_data;
    size_t cert_data_len;
    const char *key_file, *key_data;
    size_t key_data_len;
    const char *token; /* sent as "Authorization: Bearer <token>" */
    bool insecure;     /* insecure-skip-tls-verify */
    long timeout_ms;   /* per request (not watches); 0: none */
} client_http_config_t;

/* An HTTP client of cfg->server whose callbacks run on loop. Owned: release with client_close.
 * Returns NULL with err filled (C8S_EBADREQUEST) when the server URL is missing or libcurl cannot
 * start. A request that never reaches the server (refused connection, TLS failure) is answered
 * with status 0 and curl's message as the body. */
client_t *client_new_http(uv_loop_t *loop, const client_http_config_t *cfg, c8s_err_t *err);

/* The Accept header of later requests and watches (copied; NULL: application/json). Only the
 * HTTP transport honours it; the in-process transport always answers JSON. */
void client_set_accept(client_t *c, const char *accept);

/* Sends a request; cb gets exactly one answer (503 if the server has stopped). path includes
 * the query string. content_type and body may be NULL. All arguments are copied. */
void client_request(client_t *c, const char *method, const char *path, const char *content_type,
                    const char *body, size_t len, client_cb cb, void *data);

/* Starts a watch (path with ?watch=true or /watch/…). Returns the watch (owned by the client
 * until on_end has run). */
client_watch_t *client_watch(client_t *c, const char *path, client_line_cb on_line,
                             client_end_cb on_end, void *data);

/* Stops a watch; on_end follows. No line is delivered after this returns. */
void client_watch_stop(client_watch_t *w);

/* The loop the client's callbacks run on (borrowed). */
uv_loop_t *client_loop(const client_t *c);

/* Stops every watch, waits for what is in flight to be answered, then frees the client and
 * calls done (may be NULL) on the loop. */
void client_close(client_t *c, void (*done)(void *data), void *data);

/* Writes a core/v1 Event (ev borrowed; it may be rewritten) through the client's correlator,
 * as client-go's recorder: spam-filtered per source and object, similar events aggregated,
 * repeats sent as a patch of the first one's count and lastTimestamp. metadata.name is made
 * "<object>.<hex nanoseconds>" when absent. cb (may be NULL) is called once: with the API's
 * answer, or with status 0 when the event was dropped as spam. Run on the client's loop. */
void client_event_post(client_t *c, json_t *ev, client_cb cb, void *data);

#endif
