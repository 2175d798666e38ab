/* server_int.h — what the kubelet server's files share: the request behind kubelet_server_req_t,
 * for the handlers that stream (logs) or take the connection over (exec, attach). */
#ifndef C8S_KUBELET_SERVER_INT_H
#define C8S_KUBELET_SERVER_INT_H

#include "c8s/kubelet_server.h"
#include "c8s/strbuf.h"
#include "c8s/wsframe.h"

#include <h2o.h>
#include <h2o/http1.h>

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

/* ---- taking the connection over (server_upgrade.c: exec, attach, port-forward) ---- */

/* The connection of a session that took it over: h2o's socket once handed over, the bytes
 * queued for it and the one write in flight. Embedded in the session, the socket's data. */
typedef struct kserver_conn_s {
    h2o_socket_t *sock; /* NULL until handed over, and once closed */
    strbuf_t wq;        /* bytes waiting for the socket */
    char *wbuf;         /* the write in flight (owned) */
    bool writing;       /* a write is with h2o */
    bool upgrading;     /* h2o has yet to hand the socket over */
    bool done;          /* the socket failed or the client went: nothing more goes out */
} kserver_conn_t;

/* In the upgrade callback: the handover is over; sock (NULL when the client went first: c->done
 * set) becomes c's, with data (the session) as its data and the request's bytes dropped.
 * Returns whether there is a socket. */
bool kserver_conn_take(kserver_conn_t *c, h2o_socket_t *sock, size_t reqsize, void *data);
/* Starts the one write in flight: v[0..nv) (nv ≤ 2), whose bytes buf (owned, may be NULL when
 * they live elsewhere for the write's life) holds; cb gets the session as sock->data. */
void kserver_conn_write(kserver_conn_t *c, char *buf, const h2o_iovec_t *v, size_t nv,
                        h2o_socket_cb cb);
/* In a write's callback: the write is over (its buffer freed); false when it failed (c->done
 * set, the queue dropped). */
bool kserver_conn_written(kserver_conn_t *c, const char *errstr);
/* Whether the session must wait before it frees itself: the handover or a write under way, or
 * queued bytes that can still go out. */
bool kserver_conn_busy(const kserver_conn_t *c);
/* Closes the socket (when there is one) and frees the queue and the write buffer. */
void kserver_conn_release(kserver_conn_t *c);

/* Whether tok is one of the space- or comma-separated tokens of list[0..len) (list may be NULL);
 * nocase: compared without regard to case. */
bool kserver_token_in(const char *list, size_t len, const char *tok, bool nocase);
/* Sets req's answer to 101 Switching Protocols with a websocket's headers: the accept key of
 * key[0..kl) and the subprotocol proto (borrowed; copied or static for the request's life; ""
 * for none). */
void kserver_ws_accept(h2o_req_t *req, const char *key, size_t kl, const char *proto);
/* Releases r and has h2o send the answer set on r's request and hand the socket to cb (NULL
 * when the client went first); *upgrading is true until cb runs. */
void kserver_upgrade(kubelet_server_req_t *r, bool *upgrading, h2o_http1_upgrade_cb cb, void *data);
/* The next whole frame of a client's websocket in rx: 1 with *f, its payload unmasked in place
 * at *payload and *used, the bytes to drop from rx (kserver_consume) once it is handled; 0 when
 * it has not all arrived; -1 on a protocol error, an unmasked frame or one over max bytes
 * (logged as who's). */
int kserver_ws_next(strbuf_t *rx, const char *who, uint64_t max, wsframe_t *f, uint8_t **payload,
                    size_t *used);
/* Drops the first used bytes of b. */
void kserver_consume(strbuf_t *b, size_t used);
/* The next newline-ended line of b (a JSON value per line, as Go's json.Encoder writes the
 * terminal sizes on a SPDY resize stream): its bytes at *line (borrowed from b, *len of them, the
 * newline not counted) and the return value the bytes to drop (kserver_consume) after it is
 * used; 0 while no whole line has arrived. */
size_t kserver_json_line(const strbuf_t *b, const char **line, size_t *len);
/* The ports of a port-forward's query (raw, after '?'): every port= and ports= value, each a
 * comma-separated list of 1..65535, in order, into ports[0..max); how many (at least one), or
 * C8S_EBADREQUEST with err for none, an empty or bad one, or more than max. */
int kserver_query_ports(const char *query, size_t len, int *ports, size_t max, c8s_err_t *err);

#endif
