/*
 * internal.h — what the files of the API server room share (the apiserver__ tier). Everything
 * here runs on the server's loop thread.
 */
#ifndef C8S_APISERVER_INTERNAL_H
#define C8S_APISERVER_INTERNAL_H

#include "c8s/apiserver.h"
#include "c8s/auth.h"
#include "c8s/base.h"
#include "c8s/kinds.h"
#include "c8s/selector.h"
#include "c8s/store.h"
#include "c8s/table.h"
#include "c8s/wcache.h"

#include <h2o.h>
#include <stdbool.h>
#include <uv.h>

typedef struct resource_s resource_t;
typedef struct api_req_s api_req_t;
typedef struct metrics_s metrics_t;

/* What a read answers with, negotiated from the Accept header (negotiate.c). */
typedef enum {
    APISERVER_AS_OBJECT = 0,   /* the object or the list itself */
    APISERVER_AS_TABLE,        /* meta.k8s.io Table (server-side printing) */
    APISERVER_AS_PARTIAL,      /* meta.k8s.io PartialObjectMetadata */
    APISERVER_AS_PARTIAL_LIST, /* meta.k8s.io PartialObjectMetadataList */
} apiserver_as_t;

/* One served resource: its kind, etcd prefix and watch cache, kept in sync by a list + watch. */
struct resource_s {
    apiserver_t *srv;
    const api_kind_t *kind;
    char *prefix; /* "<etcd prefix>/<storage resource>/" */
    wcache_t *cache;
    store_watch_t *watch;
    bool ready; /* the cache holds a full list and follows the watch */
    bool closing;
    uv_timer_t retry;
    int retry_ms;
    /* Initial list paging state. */
    wc_obj_t **pending;
    size_t n_pending, cap_pending;
    int64_t list_rev;
    /* Requests waiting for the cache to be ready. */
    api_req_t **waiters;
    size_t n_waiters, cap_waiters;
};

struct apiserver_s {
    apiserver_config_t cfg;
    char *etcd_prefix;
    char *advertise; /* the copy cfg.advertise_address points at, or NULL */
    char **endpoints;
    uv_loop_t loop;
    uv_thread_t thread;
    uv_async_t stop_async;
    uv_tcp_t listener;
    uv_timer_t compact_timer;
    int64_t compact_last_rev; /* the revision seen at the last compaction cycle */
    int64_t compact_key_rev;
    /* The current Event lease (events.c), shared by events written in the same minute. */
    int64_t event_lease;
    uint64_t event_lease_until_ms; /* mod_revision of compact_rev_key as last seen (0: absent) */
    h2o_globalconf_t h2o_config;
    h2o_context_t h2o_ctx;
    h2o_accept_ctx_t accept_ctx;
    SSL_CTX *ssl_ctx;   /* the API port's TLS (tls.c) */
    char *tls_files[4]; /* copies the cfg TLS paths point at */
    store_t *store;
    resource_t *resources; /* one per storage resource (HPA v1/v2 share one) */
    size_t n_resources;
    int inflight, inflight_mutating;
    metrics_t *metrics;
    bool stopping;
    bool store_closed, h2o_disposed;
    uv_timer_t drain_timer;
    uint64_t drain_deadline;
    struct watch_stream_s *streams; /* open watch streams (watch.c) */
    struct conn_s *conns;           /* accepted connections (http.c) */
    /* In-process calls queued from other threads (inproc.c). */
    uv_mutex_t inproc_lock;
    struct inproc_msg_s *inproc_head, *inproc_tail;
    uv_async_t inproc_async;
    bool inproc_closed;
    bool conns_shut;
    /* Bootstrap objects (bootstrap.c): ready once they are known to exist. */
    uv_timer_t boot_timer;
    int boot_pending;
    bool boot_failed, bootstrapped;
    /* Service IP allocation state. */
    uint32_t svc_base, svc_size;
    char *tmp;
};

/* A request in flight. Heap-owned by the server until answered. h2o is cleared if the client
 * goes away before the answer (h2o frees its request then). */
struct api_req_s {
    apiserver_t *srv;
    h2o_req_t *h2o;
    char *method;
    char *path;         /* without query, percent-decoded */
    json_t *query;      /* object: param → string (last wins) */
    char *content_type; /* lower-cased media type without parameters, or NULL */
    char *accept;       /* raw Accept header or NULL */
    const char *body;   /* borrowed from h2o's request */
    size_t body_len;
    uint64_t start_ns;
    const char *verb; /* for metrics: GET LIST WATCH POST PUT PATCH DELETE … */
    const char *metric_resource;
    bool mutating, counted;
    /* Route. */
    bool is_api; /* /api or /apis resource path */
    char *group, *version, *ns, *resource, *name, *subresource;
    resource_t *res;
    const api_kind_t *kind;
    /* Per-verb working state. */
    json_t *obj; /* the object being written */
    json_t *old; /* the stored object (update, patch, delete) */
    int64_t old_rev;
    int attempts;
    bool dry_run;
    json_t *items; /* list accumulation */
    char *cont_key;
    int64_t list_rev;
    int64_t limit;
    labelsel_t *lsel;
    fieldsel_t *fsel;
    json_t *delete_opts;
    size_t coll_index; /* deletecollection progress */
    json_t *alloc;     /* allocations to release if the write fails: array of keys */
    char *tmp_qualified;
    char *stored;               /* the serialized object last written (rest_write.c) */
    void *guard;                /* the guard in h2o's pool that clears h2o when h2o lets go */
    void (*next)(api_req_t *r); /* continuation while waiting for a cache */
    apiserver_call_t *call;     /* an in-process call (inproc.c) instead of h2o */
    /* fieldValidation (openapi.c): what unknown and duplicate fields cost. */
    int field_validation; /* API_FV_* */
    json_t *resp_headers; /* extra answer headers: array of [name, value] (Warning, ETag) */
    char *if_none_match;  /* the If-None-Match header or NULL */
    /* Output form of a read (apiserver__negotiate). */
    apiserver_as_t as;
    bool as_v1beta1;           /* the meta.k8s.io/v1beta1 form of as */
    table_include_t table_inc; /* ?includeObject= for as=Table */
    /* Authentication (authn.c): who is asking (owned). */
    auth_user_t *user;
};

enum { API_FV_WARN = 0, API_FV_IGNORE, API_FV_STRICT };

/* http.c: answers. Each frees the request (it must not be used afterwards). */
void apiserver__respond(api_req_t *r, int status, const char *content_type, const char *body,
                        size_t len);
/* Serializes obj as JSON or YAML per the Accept header; steals obj. */
void apiserver__respond_obj(api_req_t *r, int status, json_t *obj);
/* Answers with the Status for err. name/kind describe the object for details (may be NULL). */
void apiserver__respond_err(api_req_t *r, const c8s_err_t *err);
void apiserver__respond_code(api_req_t *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void apiserver__req_free(api_req_t *r);
const char *apiserver__query(const api_req_t *r, const char *name);
/* An integer query parameter: *out = 0 when absent; C8S_EBADREQUEST in err when it is not a
 * whole non-negative number (upstream refuses `limit=-5x` rather than reading -5). */
int apiserver__query_int(const api_req_t *r, const char *name, long long *out, c8s_err_t *err);
bool apiserver__wants_yaml(const api_req_t *r);

/* tls.c: the TLS context of the API port (sets accept_ctx.ssl_ctx); C8S_EBADREQUEST when the
 * serving certificate, its key or the client CA cannot be loaded. */
int apiserver__tls_init(apiserver_t *s, c8s_err_t *err);
void apiserver__tls_free(apiserver_t *s);
/* The request's TLS client certificate, verified against the client CAs: 1 with *out (owned)
 * the user (CN) in its groups (every O, and system:authenticated); 0 when none was presented (or
 * the request did not come over TLS); C8S_EUNAUTH when one was presented and does not verify. */
int apiserver__tls_peer(api_req_t *r, auth_user_t **out, c8s_err_t *err);

/* h2o glue (http.c) and watch streams (watch.c). */
void apiserver__h2o_init(apiserver_t *s);
void apiserver__h2o_dispose(apiserver_t *s);
void apiserver__on_accept(uv_stream_t *listener, int status);
/* Shuts down (both ways) every accepted connection still open. */
void apiserver__conns_shutdown(apiserver_t *s);
void apiserver__watches_stop_all(apiserver_t *s);
size_t apiserver__watch_count(apiserver_t *s);
/* subres.c */
void apiserver__scale(api_req_t *r);
void apiserver__binding(api_req_t *r);
/* The etcd key holding a service IP (owned). */
char *apiserver__service_ip_key(apiserver_t *s, const char *ip);

/* The handler chain after an api_req_t is filled in, shared by h2o and in-process calls. */
void apiserver__handle(api_req_t *r);
json_t *apiserver__parse_query(const char *q, size_t n);
char *apiserver__media_type(const char *ct);
/* inproc.c */
void apiserver__inproc_init(apiserver_t *s);
/* Answers everything still queued (503 / on_end) and closes the async handle. */
void apiserver__inproc_close(apiserver_t *s);
/* Ends the watch stream of call c, if it is still open (watch.c). */
void apiserver__watch_cancel(apiserver_t *s, apiserver_call_t *c);

/* status.c: the one place an error becomes a Kubernetes Status object (owned). */
json_t *apiserver__status(const c8s_err_t *err, const char *group, const char *kind,
                          const char *name);

/* authn.c: fills r->user. False when the request was refused (answered 401 and freed). */
bool apiserver__authenticate(api_req_t *r);
/* authn.c: the TLS client certificate's user (see apiserver__tls_peer): 1 with *out owned, 0
 * none presented, C8S_EUNAUTH presented but not verified. */
int apiserver__authn_x509(api_req_t *r, auth_user_t **out, c8s_err_t *err);
/* authz.c: the attributes of r (borrowing r's strings); r->verb need not be set yet. */
void apiserver__auth_attrs(const api_req_t *r, auth_attrs_t *a);
/* authz.c: false when the request was refused (answered 403 and freed). */
bool apiserver__authorize(api_req_t *r);

/* review.c: a create-only kind (TokenReview, SubjectAccessReview, ...): POST of a request
 * object answered with it and its status; nothing is stored. */
void apiserver__review(api_req_t *r);

/* route.c: dispatches /api and /apis paths; others are handled in http.c. */
void apiserver__route(api_req_t *r);

/* resource.c */
int apiserver__resources_init(apiserver_t *s);
void apiserver__resources_close(apiserver_t *s);
/* After the loop has stopped: frees the caches. */
void apiserver__resources_free(apiserver_t *s);
resource_t *apiserver__resource_for(apiserver_t *s, const api_kind_t *k);
/* Builds a cache object from a stored value (rev becomes metadata.resourceVersion). NULL if the
 * value is not a JSON object. */
wc_obj_t *apiserver__obj_from_value(const resource_t *res, const char *key, const char *value,
                                    size_t len, int64_t rev);
/* Parses a stored value and sets metadata.resourceVersion (owned result, NULL if malformed). */
json_t *apiserver__decode_stored(const char *value, size_t len, int64_t rev);
/* Stored bytes that begin `{"metadata":{` with the resourceVersion spliced in (owned, *out_len
 * set), or NULL when the bytes are not in that form (the caller then parses and serializes). */
char *apiserver__with_rv(const char *stored, size_t len, int64_t rev, size_t *out_len);
/* etcd key of an object. Owned. */
char *apiserver__key(const resource_t *res, const char *ns, const char *name);
/* Runs r when the resource's cache is ready (at once if it is). */
void apiserver__when_ready(resource_t *res, api_req_t *r, void (*fn)(api_req_t *r));

/* rest_read.c / rest_write.c / watch.c */
void apiserver__get(api_req_t *r);
void apiserver__list(api_req_t *r);
void apiserver__watch(api_req_t *r);
void apiserver__create(api_req_t *r);
void apiserver__update(api_req_t *r);
void apiserver__patch(api_req_t *r);
void apiserver__delete(api_req_t *r);
void apiserver__deletecollection(api_req_t *r);
/* Decodes the request body (JSON or YAML per Content-Type) into an object; owned. */
int apiserver__decode_body(api_req_t *r, json_t **out, c8s_err_t *err);
/* Copies a failed store result's error into err; returns its code. */
int apiserver__store_err(const store_result_t *res, c8s_err_t *err);
/* Takes the current object of a single-key read into r->old / r->old_rev. Returns 0, or the
 * error (etcd failure, NotFound, malformed value) filled into err. */
int apiserver__take_current(api_req_t *r, const store_result_t *res, c8s_err_t *err);
/* For a compare-and-swap write's result: true when it landed. Otherwise it answers the store's
 * error, or — after a lost race — runs `again` (a fresh read and a new attempt) up to 8 times
 * and then answers Conflict; either way r is no longer the caller's. */
bool apiserver__cas_landed(api_req_t *r, const store_result_t *res, void (*again)(api_req_t *r));
/* The error for a missing object: `pods "x" not found`. */
int apiserver__err_notfound(api_req_t *r, c8s_err_t *err);

/* meta.c: pure metadata helpers. */
void apiserver__uuid(char out[37]);
char *apiserver__generate_name(const char *base); /* owned */
/* The `prefix/resource` string for messages: "pods" or "deployments.apps". Owned by r. */
const char *apiserver__qualified(api_req_t *r);

/* alloc.c: ClusterIP and NodePort allocation for Services. Calls done(r, code) when finished,
 * with r->alloc holding the keys reserved (released by apiserver__alloc_release on failure). */
void apiserver__alloc_service(api_req_t *r, void (*done)(api_req_t *r, int code, c8s_err_t *err));
void apiserver__alloc_release(apiserver_t *s, json_t *keys);
/* Releases what a deleted service held. */
void apiserver__alloc_release_service(apiserver_t *s, const json_t *svc);
int apiserver__alloc_init(apiserver_t *s, c8s_err_t *err);

/* events.c: the lease an Event is written with, so it expires after --event-ttl as upstream.
 * Calls done(r, lease_id) on the loop; lease_id 0 means "write without a lease" (etcd said no). */
void apiserver__event_lease(apiserver_t *s, api_req_t *r,
                            void (*done)(api_req_t *r, int64_t lease));

/* bootstrap.c: creates the built-in namespaces and the kubernetes service (retrying). */
void apiserver__bootstrap_timer(uv_timer_t *t);

/* metrics.c */
metrics_t *apiserver__metrics_new(void);
void apiserver__metrics_free(metrics_t *m);
void apiserver__metrics_request(metrics_t *m, const char *verb, const char *resource, int code,
                                double seconds);
void apiserver__metrics_etcd(metrics_t *m, const char *op, double seconds);
/* Prometheus text; owned. */
char *apiserver__metrics_text(apiserver_t *s, size_t *len);

/* negotiate.c: server-side transforms of reads (Table, PartialObjectMetadata). */
/* Chooses the response form of a GET (list=false), LIST (list=true) or WATCH (watch=true) from
 * the Accept header as upstream's negotiation does, filling r->as, r->as_v1beta1 and
 * r->table_inc. Fails with NotAcceptable (406) when no offered type is acceptable, BadRequest for
 * a bad includeObject. */
int apiserver__negotiate(api_req_t *r, bool list, bool watch, c8s_err_t *err);
/* The answer for one object in the negotiated form; steals obj, returns a new reference. For a
 * watch event pass headers (Table column definitions: first event only); else true. */
json_t *apiserver__transform_obj(const api_req_t *r, json_t *obj, bool headers);
/* The answer for a list (kind, apiVersion, metadata, items) in the negotiated form; steals list,
 * returns a new reference. */
json_t *apiserver__transform_list(const api_req_t *r, json_t *list);

/* discovery.c: /api, /apis, /api/v1, /apis/<g>/<v>, /version. Returns false if not a discovery
 * path. */
bool apiserver__discovery(api_req_t *r);

/* openapi.c: /openapi/v2, /openapi/v3 and /openapi/v3/<group-version>, built once, served with
 * ETag and hash-addressed caching. Returns false if not an OpenAPI path. */
bool apiserver__openapi(api_req_t *r);
/* Reads ?fieldValidation= into r->field_validation; 0, or C8S_EBADREQUEST for a bad value. */
int apiserver__field_validation_param(api_req_t *r, c8s_err_t *err);
/* Applies fieldValidation to obj (modified: unknown fields are dropped unless Strict rejects
 * them). old: for a patch, the stored object it was applied to (its own unknown fields are let
 * be); NULL otherwise. body/len: the JSON text obj came from, checked for duplicate fields.
 * Strict with problems → C8S_EBADREQUEST `strict decoding error: ...`; Warn → one Warning header
 * per problem; Ignore → silence. In-process calls (the server's own roles) are not checked. */
int apiserver__field_check(api_req_t *r, json_t *obj, const json_t *old, const char *body,
                           size_t len, c8s_err_t *err);
/* Adds an answer header (copied). */
void apiserver__add_header(api_req_t *r, const char *name, const char *value);

#endif
