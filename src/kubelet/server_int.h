/* server_int.h — what the kubelet server's files share: the request behind kubelet_server_req_t,
 * for the handlers that stream (logs) or take the connection over (exec, attach). */
#ifndef C8S_KUBELET_SERVER_INT_H
#define C8S_KUBELET_SERVER_INT_H

#include "c8s/kubelet_server.h"

#include <h2o.h>

struct kubelet_server_req_s {
    kubelet_server_t *srv;
    h2o_req_t *h2o; /* NULL once h2o has let go of the request (client gone) */
    void *guard;
    char *method, *path, *user;
    json_t *query;
    /* Streams: told when the client has gone or the server stops; the stream then ends itself
     * (kserver_stream_end) and must not touch h2o any more. */
    void (*on_gone)(kubelet_server_req_t *r, void *data);
    void *gone_data;
    bool streaming, gone, ending;
    void *gen; /* the stream's h2o generator (in the request's pool) */
    void (*on_proceed)(kubelet_server_req_t *r, void *data); /* the last chunk went out */
    void *proceed_data;
    bool sending;                        /* a chunk is with h2o, waiting for proceed */
    kubelet_server_req_t *next, **pprev; /* the server's list of open streams */
};

/* Starts a streamed answer (status and content type now, body chunks later). */
void kserver_stream_start(kubelet_server_req_t *r, int status, const char *content_type);
/* Sends one chunk (copied); at most one chunk is in flight: the next waits for on_proceed.
 * Returns false when the client has gone (nothing sent). */
bool kserver_stream_send(kubelet_server_req_t *r, const char *buf, size_t len);
/* Ends the stream (final chunk) and releases r. */
void kserver_stream_end(kubelet_server_req_t *r);
/* A request header's value (borrowed from h2o), or NULL. */
const char *kserver_header(kubelet_server_req_t *r, const char *name, size_t *len);
/* Splits s into up to max '/'-separated segments (each under KSERVER_PART_MAX bytes) into parts;
 * the number read before the end, an empty segment or an overlong one. */
#define KSERVER_PART_MAX 256
int kserver_path_parts(const char *s, char parts[][KSERVER_PART_MAX], int max);
/* Releases r without answering (after its connection was taken over, or when gone). */
void kserver_req_free(kubelet_server_req_t *r);

#endif
