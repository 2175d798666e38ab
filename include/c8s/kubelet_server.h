/*
 * kubelet_server.h — the kubelet's HTTPS port (upstream's :10250), on the kubelet's own loop.
 *
 * TLS only, with a client certificate required for every request: a request without one is
 * answered 401, one whose certificate the cluster CA did not sign 401, and one from a user who
 * is neither the API server's kubelet client (CN kube-apiserver-kubelet-client) nor in group
 * system:masters 403. Upstream asks the API server (SubjectAccessReview on nodes/proxy); here
 * only those two identities are let in, which is what the API server's proxying needs.
 *
 * Handlers are registered by path prefix (the longest registered prefix wins) and run on the
 * loop the server was made on. A handler answers each request exactly once, now or later.
 */
#ifndef C8S_KUBELET_SERVER_H
#define C8S_KUBELET_SERVER_H

#include "c8s/base.h"

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#define KUBELET_PORT_DEFAULT     10250
#define KUBELET_CLIENT_CN        "kube-apiserver-kubelet-client"
#define KUBELET_SERVER_MAX_ROUTE 32

typedef struct kubelet_server_s kubelet_server_t;
typedef struct kubelet_server_req_s kubelet_server_req_t;

/* Borrowed; paths are read at kubelet_server_new. */
typedef struct kubelet_server_config_s {
    const char *bind_address;   /* default 0.0.0.0 */
    int port;                   /* 0: a free port (tests); see kubelet_server_port */
    const char *tls_cert_file;  /* serving certificate (required) */
    const char *tls_key_file;   /* its key (required) */
    const char *client_ca_file; /* CAs of client certificates (required) */
} kubelet_server_config_t;

/* A request handler; data is what kubelet_server_route was given. */
typedef void (*kubelet_server_handler_fn)(kubelet_server_req_t *req, void *data);

/* Binds and listens on loop (not yet running, or from its thread). *out is owned: stop it with
 * kubelet_server_stop on the loop, then free it with kubelet_server_free once the loop has run
 * out. On failure a handle may be closing: run the loop before closing it. */
int kubelet_server_new(uv_loop_t *loop, const kubelet_server_config_t *cfg, kubelet_server_t **out,
                       c8s_err_t *err);
/* The port it listens on (the kernel's pick when cfg->port was 0). */
int kubelet_server_port(const kubelet_server_t *s);
/* Replaces the serving certificate and key (PEM files, may be one file holding both) for the
 * handshakes that follow; connections already open keep theirs. Nothing changes on failure.
 * Call on the loop's thread (certificate rotation). */
int kubelet_server_reload_cert(kubelet_server_t *s, const char *cert_file, const char *key_file,
                               c8s_err_t *err);
/* Routes paths beginning with prefix (copied) to fn. Call on the loop's thread (or before it
 * runs). C8S_ECONFLICT when the prefix is taken, C8S_EBADREQUEST when the table is full. */
int kubelet_server_route(kubelet_server_t *s, const char *prefix, kubelet_server_handler_fn fn,
                         void *data, c8s_err_t *err);
/* Stops accepting and ends open connections (streams are told through their on_gone). The
 * handles it holds close within a few seconds; the loop then runs out. NULL is fine. */
void kubelet_server_stop(kubelet_server_t *s);
/* After the loop has finished. NULL is fine. */
void kubelet_server_free(kubelet_server_t *s);

/* ---- a request (borrowed by the handler until it answers) ---- */

const char *kubelet_server_req_method(const kubelet_server_req_t *r);
/* The path, percent-decoded, without the query. */
const char *kubelet_server_req_path(const kubelet_server_req_t *r);
/* A query parameter's decoded value, or NULL when absent. */
const char *kubelet_server_req_query(const kubelet_server_req_t *r, const char *name);
/* The client certificate's common name. */
const char *kubelet_server_req_user(const kubelet_server_req_t *r);
/* Answers with the whole body (copied) and releases r. */
void kubelet_server_respond(kubelet_server_req_t *r, int status, const char *content_type,
                            const char *body, size_t len);
/* Answers with a JSON body (obj is taken). */
void kubelet_server_respond_json(kubelet_server_req_t *r, int status, json_t *obj);
/* Answers with a metav1 Status of err's code and message. */
void kubelet_server_respond_err(kubelet_server_req_t *r, const c8s_err_t *err);

#endif
