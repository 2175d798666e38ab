/*
 * store_int.h — what the files of the store room share and nobody else sees: the store, a unary
 * request and a watch as structs, the libcurl/libuv wiring, and the JSON/base64 codec.
 *
 * Threading and re-entrancy: everything runs on the store's loop. libcurl callbacks (socket,
 * timer, read, write) never call user code; user callbacks run only from store__dispatch, after
 * curl_multi_socket_action has returned, so a callback may add, cancel or close anything.
 */
#ifndef C8S_STORE_INT_H
#define C8S_STORE_INT_H

#include "c8s/store.h"

#include <curl/curl.h>

#define STORE_ROOM "store"

/* Idle easy handles kept for reuse (their connections live in the multi handle's cache). */
#define STORE_POOL_MAX 32

/* What an easy handle's CURLOPT_PRIVATE points at: the first member of a request or a watch. */
typedef enum { STORE_XFER_REQ = 1, STORE_XFER_WATCH = 2 } store_xfer_kind_t;

typedef struct store_buf_s {
    char *p;
    size_t len, cap;
} store_buf_t;

typedef enum {
    STORE_OP_RANGE,
    STORE_OP_TXN,
    STORE_OP_COMPACT,
    STORE_OP_LEASE_GRANT,
    STORE_OP_LEASE_KEEPALIVE,
    STORE_OP_LEASE_REVOKE,
    STORE_OP_PROBE,
} store_op_t;

typedef struct store_req_s {
    store_xfer_kind_t kind; /* first: CURLOPT_PRIVATE */
    store_t *s;
    CURL *easy;
    store_op_t op;
    const char *path; /* "/v3/kv/range" … (static) */
    char *body;       /* owned JSON request */
    store_buf_t resp;
    char errbuf[CURL_ERROR_SIZE];
    size_t ep_first; /* endpoint index of the first attempt */
    size_t tries;    /* attempts made so far */
    bool idempotent; /* may be retried on another endpoint after a post-connect failure */
    bool raw;        /* values are not for the caller (keys_only, probes): never transformed */
    store_cb cb;
    void *data;
    uint64_t start_ns;               /* for the observer's latency */
    struct store_req_s *prev, *next; /* s->reqs */
} store_req_t;

struct store_watch_s {
    store_xfer_kind_t kind; /* first: CURLOPT_PRIVATE */
    store_t *s;
    CURL *easy;
    store_watch_cb cb;
    void *data;
    char *create_line; /* the request body: one create_request */
    char *key, *end;   /* the watched range */
    size_t key_len, end_len;
    int64_t seen_rev; /* everything up to this revision was delivered; -1 = not created yet */
    struct store_progress_s *progress_ctx; /* a progress range in flight */
    int64_t progress_rev;                  /* a progress to deliver … */
    int64_t progress_wait;                 /* … once seen_rev reaches this */
    store_buf_t recv;                      /* bytes received, split on '\n' by the pump */
    size_t ep_first, tries;
    bool got_data;
    bool stream_done; /* curl finished the transfer; done_code says how */
    CURLcode done_code;
    long http_status;
    char errbuf[CURL_ERROR_SIZE];
    bool finished; /* the final callback ran (or is running) */
    int busy;      /* pump frames on the stack; the last one frees a finished watch */
    bool in_ready;
    store_watch_t *prev, *next;             /* s->watches */
    store_watch_t *ready_prev, *ready_next; /* s->ready: has data or ended */
};

/* A progress range in flight; w is cleared if the watch finishes first. */
typedef struct store_progress_s {
    store_watch_t *w;
} store_progress_t;

typedef struct store_sock_s {
    uv_poll_t poll;
    curl_socket_t fd;
    store_t *s;
    struct store_sock_s *prev, *next; /* s->socks */
} store_sock_t;

struct store_s {
    uv_loop_t *loop;
    char **endpoints;
    size_t n_endpoints;
    size_t good; /* the endpoint that answered last */
    int request_timeout_ms;
    int connect_timeout_ms;

    CURLM *multi;
    struct curl_slist *headers;
    uv_timer_t curl_timer;
    uv_timer_t probe_timer;
    store_sock_t *socks;

    CURL *pool[STORE_POOL_MAX];
    size_t n_pool;

    store_req_t *reqs;
    store_watch_t *watches;
    store_watch_t *ready_head, *ready_tail;

    bool healthy;
    uint64_t last_ok_ms;
    bool probe_in_flight;

    int dispatch_depth;
    bool closing;
    bool torn_down;
    int pending_closes;
    void (*done)(void *data);
    void *done_data;
    store_observer_cb observer;
    void *observer_data;
    const store_crypt_t *crypt; /* borrowed; NULL: values are passed through untouched */
};

/* ---- curl_uv.c: the multi handle on the loop ---- */
int store__curl_init(store_t *s, c8s_err_t *err);
/* Adds an easy handle to the multi (outside curl callbacks only). */
void store__curl_add(store_t *s, CURL *easy);
/* Removes an easy handle from the multi. */
void store__curl_remove(store_t *s, CURL *easy);
/* Drains finished transfers and ready watches, calling user callbacks. */
void store__dispatch(store_t *s);
/* Releases curl and closes every uv handle; s is freed once the last close callback ran. */
void store__teardown(store_t *s);
CURL *store__easy_get(store_t *s);
void store__easy_put(store_t *s, CURL *easy);

/* ---- etcd.c: unary requests ---- */
/* A finished transfer of a request (from dispatch). */
void store__req_done(store_req_t *r, CURLcode rc);
/* An answer of etcd's JSON gateway to op (what names it in errors): 0 with res filled (free
 * with store__result_free), or the error code with err filled (res left empty). Marks s
 * reachable or not as the answer says. raw: values are not untransformed. */
int store__response_parse(store_t *s, store_op_t op, const char *what, bool raw, long http,
                          const char *body, size_t len, store_result_t *res, c8s_err_t *err);
void store__result_free(store_result_t *res);
/* Fails every request in flight with C8S_EUNAVAILABLE "store closed". */
void store__reqs_abort(store_t *s);
/* A range with a caller-built body (owned: stolen). */
void store__range_raw(store_t *s, json_t *body, store_cb cb, void *data);
/* Sends the light health probe. */
void store__probe(store_t *s);
/* Whether a curl code means the request never reached etcd (safe to retry anywhere). */
bool store__connect_failure(CURL *easy, CURLcode rc);
/* Marks the store reachable or not. */
void store__set_healthy(store_t *s, bool healthy);
void store__easy_common(store_t *s, CURL *easy, const char *url);

/* ---- watch.c ---- */
void store__watch_done(store_watch_t *w, CURLcode rc);
void store__watch_pump(store_watch_t *w);
void store__ready_push(store_watch_t *w);
store_watch_t *store__ready_pop(store_t *s);
void store__watches_close(store_t *s);

/* ---- codec.c: bytes, base64, JSON ---- */
void store__buf_append(store_buf_t *b, const void *p, size_t n);
void store__buf_free(store_buf_t *b);
/* Standard base64 with padding; returns a new NUL-terminated string. */
char *store__b64_encode(const void *p, size_t n);
/* Decodes into a new NUL-terminated buffer; returns 0 or -1 on malformed input. */
int store__b64_decode(const char *s, char **out, size_t *out_len);
/* s[0..n): the same, for base64 that is not NUL-terminated (read in place from a line). */
int store__b64_decode_n(const char *s, size_t n, char **out, size_t *out_len);
/* The end of the prefix range of key: key with its last byte incremented (carrying past 0xff);
 * "\0" (every key) when key is all 0xff. Returns a new buffer and its length. */
char *store__prefix_end(const char *key, size_t key_len, size_t *out_len);
/* int64 from a JSON string or integer member; 0 when absent. */
int64_t store__json_int(const json_t *obj, const char *name);
/* Fills kv from an etcd KeyValue object; returns 0 or -1 on malformed base64. */
int store__kv_parse(const json_t *j, store_kv_t *kv);
void store__kv_free(store_kv_t *kv);
/* Replaces kv->value by what s's crypt reads from it (no-op without one, or for a NULL value).
 * Returns 0, or C8S_EINTERNAL "unable to transform key ..." with err filled. */
int store__kv_untransform(const store_t *s, store_kv_t *kv, c8s_err_t *err);
/* The same for a previous value (an applied txn's, an event's), which nothing needs in order to
 * be correct: an unreadable one is logged and dropped (*prev freed, set NULL), never an error. */
void store__prev_untransform(const store_t *s, store_kv_t **prev);
/* Adds name = base64(p[0..n)) to obj. */
void store__json_set_b64(json_t *obj, const char *name, const void *p, size_t n);
char *store__json_dump(json_t *j);

#endif
