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
#include "c8s/strbuf.h"
#include "c8s/table.h"
#include "c8s/wcache.h"

#include <h2o.h>
#include <stdbool.h>
#include <uv.h>

typedef struct resource_s resource_t;
typedef struct api_req_s api_req_t;
typedef struct metrics_s metrics_t;
typedef struct apiserver_tokens_s apiserver_tokens_t;
struct jwt_sa_s;

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
    SSL_CTX *ssl_ctx;                        /* the API port's TLS (tls.c) */
    char *tls_files[7];                      /* copies the cfg TLS paths point at */
    struct kubelet_client_s *kubelet_client; /* toward kubelets (podproxy*.c), or NULL */
    struct proxy_s *proxies;                 /* open proxied requests (podproxy.c) */
    store_t *store;
    store_crypt_t *crypt;  /* encryption at rest, or NULL; outlives store */
    resource_t *resources; /* one per storage resource (HPA v1/v2 share one) */
    size_t n_resources;
    int inflight, inflight_mutating;
    metrics_t *metrics;
    struct apf_s *apf;     /* priority and fairness state (apf.c) */
    struct audit_s *audit; /* the audit log (audit.c), NULL when off */
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
    /* Authorization indexes over the watch caches, rebuilt when a cache's revision moves
     * (authz_rbac.c, authz_node.c). */
    struct apiserver_rbac_s *rbac;
    struct apiserver_nodeidx_s *nodeidx;
    char *tmp;
    /* Token authentication (authn_tokens.c): keys, static tokens (owned). */
    apiserver_tokens_t *tokens;
    /* Successful token authentications (authn.c; owned), NULL when off. */
    struct tokcache_s *token_cache;

    /* LimitRanger's live lookups (admission.c): ns → {"until": ms, "items": [...]}. */
    json_t *adm_live;
    /* The resource metrics scraper and its samples (metrics_scrape.c), NULL when off. */
    struct apiserver_msrc_s *msrc;
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
    bool body_unique; /* body parsed as JSON with no duplicate keys (apiserver__decode_body) */
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
    bool applied;  /* server-side apply computed r->obj and its managedFields */
    bool force;    /* ?force=true of an apply */
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
    /* The admission stage (admission.c). */
    void (*adm_next)(api_req_t *r); /* where admission continues once done */
    json_t *adm_quotas;             /* names of the quotas left to charge */
    json_t *adm_ranges;             /* the namespace's LimitRanges when read from etcd */
    json_t *adm_ns; /* the namespace as NamespaceLifecycle read it (create); may be shared with
                       the watch cache (wc_obj_tree): read only */
    bool adm_prefetched;
    size_t adm_qi;
    int adm_attempts;
    /* Authentication (authn.c): who is asking (owned). */
    auth_user_t *user;
    /* Told when h2o lets go of the request (the client went away) while r is still ours
     * (podproxy.c's streams); r->h2o is NULL by then. */
    void (*on_gone)(api_req_t *r);
    void *proxy; /* the stream of a proxied request (podproxy.c) */
    /* Priority and fairness (apf.c) and the audit record (audit.c); owned, NULL when unused. */
    struct apf_req_s *apf;
    struct audit_req_s *audit;
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
/* Ends r's accounting (in-flight gauges, request metrics with status) and frees it, for answers
 * sent some other way than apiserver__respond (proxied streams). */
void apiserver__finish(api_req_t *r, int status);
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
/* hangup.c: sees the client of a long HTTP/1 response (a watch, a followed log) leave, which
 * h2o notices only at the response's next write. fn(data) is called once, on loop, when it does.
 * NULL for HTTP/2 (h2o sees it) or when the connection cannot be watched (logged with what).
 * Owned: apiserver__hangup_stop before data goes away (also after fn was called). */
typedef struct apiserver_hangup_s apiserver_hangup_t;
apiserver_hangup_t *apiserver__hangup_start(uv_loop_t *loop, h2o_req_t *req, void (*fn)(void *data),
                                            void *data, const char *what);
void apiserver__hangup_stop(apiserver_hangup_t *hu);
/* podproxy.c: requests answered by a node's kubelet — nodes/{name}/proxy/…, pods/{name}/log,
 * exec, attach, portforward. long_running: whether r is one of those that may stay open
 * (upstream's long-running check: no seat in priority and fairness, not in the in-flight
 * gauges), judged from its path alone. */
bool apiserver__long_running(const api_req_t *r);
bool apiserver__long_running_attrs(const auth_attrs_t *a);
void apiserver__node_proxy(api_req_t *r, const char *node, const char *rest);
void apiserver__pod_log(api_req_t *r);
void apiserver__pod_exec(api_req_t *r);
/* The address the API server reaches node's kubelet at: InternalIP first, as kubeadm's
 * --kubelet-preferred-address-types has it, then ExternalIP. Borrowed from node; NULL: none. */
const char *apiserver__node_address(const json_t *node);
/* Ends every proxied stream (the server is stopping). */
void apiserver__proxies_stop_all(apiserver_t *s);
/* subres.c */
void apiserver__scale(api_req_t *r);
void apiserver__binding(api_req_t *r);
/* eviction.c: POST pods/<name>/eviction, the pod deleted as its PodDisruptionBudget allows. */
void apiserver__eviction(api_req_t *r);
/* The etcd key holding a service IP (owned). */
char *apiserver__service_ip_key(apiserver_t *s, const char *ip);

/* The handler chain after an api_req_t is filled in, shared by h2o and in-process calls. */
void apiserver__handle(api_req_t *r);
/* A request path as the handlers see it: percent-decoded ('+' stays), owned. */
char *apiserver__path_decode(const char *s, size_t n);
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

/* authn_tokens.c: token authenticators (authn.c's table) and what TokenRequest/TokenReview use.
 * Reads the key and token files named in s->cfg (C8S_ESYS / C8S_EBADREQUEST when unusable). */
int apiserver__tokens_init(apiserver_t *s, c8s_err_t *err);
void apiserver__tokens_free(apiserver_t *s);
/* Each: 1 with *out (owned) when it accepts the token, 0 when the token is not its kind,
 * negative with err set when it refuses it. *not_after_ms (may be NULL) gets the time (ms since
 * the epoch) past which the token would be refused anyway, 0 for none: what the token cache
 * (authn.c) may not outlive. */
int apiserver__token_static(apiserver_t *s, const char *token, auth_user_t **out,
                            int64_t *not_after_ms, c8s_err_t *err);
int apiserver__token_sa(apiserver_t *s, const char *token, auth_user_t **out, int64_t *not_after_ms,
                        c8s_err_t *err);
int apiserver__token_bootstrap(apiserver_t *s, const char *token, auth_user_t **out,
                               int64_t *not_after_ms, c8s_err_t *err);
/* TokenReview: every token authenticator, for audiences auds (n_auds 0: the server's own).
 * 0 with *out (owned user) and *matched (owned array of the audiences it is valid for), or
 * C8S_EUNAUTH with the reason. */
int apiserver__token_review(apiserver_t *s, const char *token, const char *const *auds,
                            size_t n_auds, auth_user_t **out, json_t **matched, c8s_err_t *err);
bool apiserver__tokens_can_sign(apiserver_t *s);
/* The server's audiences (--api-audiences; borrowed). */
const char *const *apiserver__api_audiences(apiserver_t *s, size_t *n);
/* Signs a ServiceAccount token for c (its issuer is filled in). Owned; NULL with err set
 * (C8S_EUNAVAILABLE without a signing key). */
char *apiserver__sa_token_sign(apiserver_t *s, struct jwt_sa_s *c, c8s_err_t *err);
/* review_authn.c: TokenReview and SelfSubjectReview (review.c's table; obj filled in place). */
int apiserver__review_token(api_req_t *r, json_t *obj, c8s_err_t *err);
int apiserver__review_self(api_req_t *r, json_t *obj, c8s_err_t *err);
/* admission_sa.c: ServiceAccount admission of a pod create (modified in place); 0, or
 * C8S_EFORBIDDEN when its ServiceAccount does not exist. A no-op without a signing key. */
int apiserver__admission_sa(api_req_t *r, json_t *pod, c8s_err_t *err);
/* authn_tokens.c: the issuer discovery documents (owned), NULL when not served (no keys, or an
 * issuer that is not an https URL). oidc.c: serves them; false when the path is not theirs. */
json_t *apiserver__oidc_config(apiserver_t *s);
json_t *apiserver__oidc_jwks(apiserver_t *s);
bool apiserver__oidc(api_req_t *r);
/* tokenrequest.c: POST serviceaccounts/<name>/token. */
void apiserver__token_request(api_req_t *r);

/* authz.c: the decision of the authorizer chain (system:masters first), without answering:
 * NO_OPINION when no authorizer had one (a refusal, but not an explicit denial). reason (may be
 * NULL) receives the deciding authorizer's reason (owned). */
authz_decision_t apiserver__authz_decide(apiserver_t *s, const auth_user_t *u,
                                         const auth_attrs_t *a, char **reason);
/* authz_rbac.c: the RBAC authorizer, and the policy index it reads (borrowed, rebuilt when the
 * RBAC caches move on; NULL before they are filled). */
authz_decision_t apiserver__authz_rbac(apiserver_t *s, const auth_user_t *u, const auth_attrs_t *a,
                                       char **reason);
const struct rbac_policy_s *apiserver__rbac_policy(apiserver_t *s);
/* Escalation prevention for writes of Roles, ClusterRoles and (Cluster)RoleBindings (r->obj is
 * the new object): 0, or Forbidden in err with upstream's message. Other kinds: 0. */
int apiserver__rbac_escalation(api_req_t *r, c8s_err_t *err);
void apiserver__rbac_free(apiserver_t *s);
/* authz_node.c: the Node authorizer (kubelets: system:node:<name> in system:nodes). */
authz_decision_t apiserver__authz_node(apiserver_t *s, const auth_user_t *u, const auth_attrs_t *a,
                                       char **reason);
void apiserver__nodeidx_free(apiserver_t *s);
/* impersonate.c: applies Impersonate-* headers after authentication. False when refused (the
 * request was answered and freed). */
bool apiserver__impersonate(api_req_t *r);

/* review.c: a create-only kind (TokenReview, SubjectAccessReview, ...): POST of a request
 * object answered with it and its status; nothing is stored. */
void apiserver__review(api_req_t *r);
/* review_authz.c: the access reviews (rows of review.c's table). */
int apiserver__review_sar(api_req_t *r, json_t *obj, c8s_err_t *err);
int apiserver__review_lsar(api_req_t *r, json_t *obj, c8s_err_t *err);
int apiserver__review_ssar(api_req_t *r, json_t *obj, c8s_err_t *err);
int apiserver__review_ssrr(api_req_t *r, json_t *obj, c8s_err_t *err);

/* metrics_api.c: metrics.k8s.io/v1beta1 (NodeMetrics, PodMetrics; get and list). */
void apiserver__metrics_api(api_req_t *r);
/* Its entries in /apis (an APIGroup), /apis/metrics.k8s.io/v1beta1 (an APIResourceList) and
 * the aggregated discovery document (an APIGroupDiscovery); owned. */
json_t *apiserver__metrics_api_group(void);
json_t *apiserver__metrics_api_resources(void);
json_t *apiserver__metrics_api_agg(void);
/* metrics_scrape.c: scrapes every Ready node's kubelet /stats/summary each resolution period
 * into the store the API reads. init starts it (on the server's loop), close stops its timer
 * and requests (on_stop), free releases it after the loop has ended. */
void apiserver__metrics_src_init(apiserver_t *s);
void apiserver__metrics_src_close(apiserver_t *s);
void apiserver__metrics_src_free(apiserver_t *s);
/* The samples (borrowed), or NULL when the scraper is off. */
const struct metrics_api_store_s *apiserver__metrics_store(apiserver_t *s);

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
/* Server-side apply's Update operation (rest_write.c): records in obj's managedFields what the
 * request's manager (?fieldManager=, else its User-Agent) changed from old (NULL on create). */
void apiserver__managed_update(api_req_t *r, const json_t *old, json_t *obj);
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

/* admission.c: the built-in admission plugins (issue 8). */
typedef enum { ADM_CREATE = 0, ADM_UPDATE, ADM_DELETE } adm_op_t;
/* Runs fn(r) once every cache admission reads (namespaces, LimitRanges, ResourceQuotas,
 * PriorityClasses, StorageClasses) is ready. */
void apiserver__admission_ready(api_req_t *r, void (*fn)(api_req_t *r));
/* LimitRanger's live lookup, before the plugins run: when the cache holds no LimitRange in the
 * namespace of a pod or claim being created (one made a moment ago may not be there yet), the
 * namespace's LimitRanges are read from etcd, and that answer is reused for 30 s, as upstream's
 * liveLookupCache does. Then next(r); a failure is answered here. */
void apiserver__admission_prefetch(api_req_t *r, void (*next)(api_req_t *r));
/* The mutating plugins on r->obj in upstream's order (LimitRanger, Priority,
 * DefaultTolerationSeconds, DefaultStorageClass). 0, or err filled with the whole message. */
int apiserver__admit_mutate(api_req_t *r, adm_op_t op, c8s_err_t *err);
/* The validating plugins (LimitRanger for claims, NodeRestriction, PodSecurity, Priority for
 * PriorityClasses) on r->obj (NULL for a delete) and r->old (NULL for a create). */
int apiserver__admit_validate(api_req_t *r, adm_op_t op, c8s_err_t *err);
/* NamespaceLifecycle for a delete: the immortal namespaces; a namespace deleted is looked up in
 * etcd rather than the cache for 30 s (apiserver__admission_ns_live). */
int apiserver__admit_delete(api_req_t *r, c8s_err_t *err);
bool apiserver__admission_ns_live(api_req_t *r);
/* ResourceQuota, last: checks r->obj (a create) against the namespace's quotas and charges
 * their status.used, then runs next(r); a refusal is answered here (r is then gone). */
void apiserver__admit_quota(api_req_t *r, void (*next)(api_req_t *r));
/* rest_write.c: an object's stored form (metadata first, no resourceVersion); owned. */
char *apiserver__serialize_for_store(json_t *obj);

/* bootstrap.c: creates the built-in namespaces and the kubernetes service (retrying). */
void apiserver__bootstrap_timer(uv_timer_t *t);
/* bootstrap_rbac.c: the default RBAC policy, created when absent and reconciled when present
 * (missing rules, subjects, labels added unless autoupdate is "false"). Each object counts in
 * s->boot_pending; done(result, s) runs once per object when it is settled. */
void apiserver__bootstrap_rbac(apiserver_t *s, const char *now, store_cb done);

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

/* reqinfo.c: upstream's RequestInfo computed from method, path and query before routing. The
 * attrs' strings point into buf or into r (valid while both live). */
typedef struct {
    auth_attrs_t attrs;
    char method[16];
    char *buf;
} apiserver_reqinfo_t;
void apiserver__reqinfo(const api_req_t *r, apiserver_reqinfo_t *ri);
void apiserver__reqinfo_free(apiserver_reqinfo_t *ri);

/* The identity a request acts as (borrowed; NULL for an in-process call of the server itself,
 * or before authentication). */
const auth_user_t *apiserver__req_user(const api_req_t *r);
/* Adds r->resp_headers to an h2o answer (http.c; the watch stream's headers too). */
void apiserver__emit_headers(api_req_t *r, h2o_req_t *req);

/* apf.c: API Priority and Fairness. */
int apiserver__apf_init(apiserver_t *s, c8s_err_t *err);
/* Stops the queue-timeout timer and answers every queued request 503 (server stopping). */
void apiserver__apf_close(apiserver_t *s);
void apiserver__apf_free(apiserver_t *s);
/* Classifies r and runs then(r) once a seat is free: at once, after waiting in its queue, or
 * never (r is answered 429 and freed). Watches and in-process calls take no seat. */
void apiserver__apf_admit(api_req_t *r, void (*then)(api_req_t *r));
/* Frees r's seat (called from apiserver__req_free); queued requests move on the next loop turn. */
void apiserver__apf_release(api_req_t *r);
/* /debug/api_priority_and_fairness/...: answers and returns true when the path is one. */
bool apiserver__apf_debug(api_req_t *r);
/* The apiserver_flowcontrol_* metrics (Prometheus text appended to b). */
void apiserver__apf_metrics(apiserver_t *s, strbuf_t *b);

/* audit.c: the audit log. */
int apiserver__audit_init(apiserver_t *s, c8s_err_t *err);
void apiserver__audit_free(apiserver_t *s);
/* A request has arrived (RequestReceived; sets the Audit-Id answer header). */
void apiserver__audit_begin(api_req_t *r);
/* The answer about to go out (its code and, at RequestResponse, its body). */
void apiserver__audit_answer(api_req_t *r, int code, const char *content_type, const char *body,
                             size_t len);
/* The request is over (ResponseComplete); called from apiserver__req_free. */
void apiserver__audit_end(api_req_t *r);
/* Adds an annotation (key → value, copied) to r's audit events still to be written; nothing
 * when the request is not audited. */
void apiserver__audit_annotate(api_req_t *r, const char *key, const char *value);

#endif
