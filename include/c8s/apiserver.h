/*
 * apiserver.h — the API server role: Kubernetes REST over HTTP (h2o on its own libuv loop and
 * thread), backed by etcd through the store and served from per-resource watch caches.
 */
#ifndef C8S_APISERVER_H
#define C8S_APISERVER_H

#include "c8s/base.h"

#include <stdbool.h>

typedef struct apiserver_s apiserver_t;

typedef struct apiserver_config_s {
    const char *bind_address;           /* default 0.0.0.0 */
    int port;                           /* default 6443 */
    const char *const *etcd_endpoints;  /* NULL-terminated base URLs */
    const char *etcd_prefix;            /* default /registry */
    int max_requests_inflight;          /* default 400 (0 = unlimited) */
    int max_mutating_requests_inflight; /* default 200 (0 = unlimited) */
    const char *service_cidr;           /* default 10.96.0.0/12 */
    int node_port_min, node_port_max;   /* default 30000–32767 */
    int watch_cache_window;             /* events kept per resource; default 10000 */
    int compaction_interval_s;          /* default 300; 0 = never */
    size_t max_body_bytes;              /* default 3 MiB, as upstream */
    int event_ttl_s;                    /* Events expire after this; default 3600 */
    size_t watch_queue_max_bytes;       /* unsent bytes per watcher before it is dropped;
                                           default 16 MiB */
    const char *advertise_address;      /* where pods reach this server: the endpoint of the
                                           `kubernetes` service; NULL for none */
    /* Encryption at rest: an EncryptionConfiguration file (upstream's
     * --encryption-provider-config); NULL stores every value as it is. A bad file fails
     * apiserver_start. */
    const char *encryption_provider_config;

    /* Tokens (issue 8). Paths are read at start; strings are copied. */
    const char *service_account_key_file; /* PEM private key that signs ServiceAccount tokens;
                                             NULL: none are issued (TokenRequest fails) */
    const char *const *service_account_pub_files; /* NULL-terminated PEM files of the keys that
                                                     verify them; NULL: the signing key's half */
    const char *service_account_issuer;           /* default JWT_DEFAULT_ISSUER */
    const char *const *api_audiences;             /* NULL-terminated; default {issuer} */
    const char *token_auth_file;                  /* static tokens, upstream's CSV; NULL: none */
    bool enable_bootstrap_token_auth;             /* bootstrap-token-<id> Secrets in kube-system */
    /* How long a successful token authentication is cached (tokcache.h): 0 is upstream's 10 s,
     * negative turns the cache off. */
    int token_cache_ttl_ms;
    /* Admission plugins switched off, upstream's names comma-separated (only "ServiceAccount"
     * can be today: the others are always on); NULL: none. */
    const char *disable_admission_plugins;

    /* Priority and fairness: a request waits in its queue at most a quarter of this, as
     * upstream (--request-timeout; default 60 s). */
    int request_timeout_s;
    /* Audit (--audit-*): nothing is logged without both a policy file and a log path. */
    const char *audit_policy_file;
    const char *audit_log_path; /* "-" = standard output */
    int audit_log_maxsize_mb;   /* rotate past this size; 0 = never */
    int audit_log_maxbackup;    /* rotated files kept; 0 = all */
    int audit_log_maxage;       /* days rotated files are kept; 0 = forever */

    /* TLS and client certificates (issue 8). The API port serves TLS only: the serving
     * certificate and key are required. */
    const char *tls_cert_file;        /* PEM serving certificate (intermediates after it) */
    const char *tls_private_key_file; /* its PEM key */
    const char *client_ca_file;       /* CAs whose client certificates authenticate (CN the
                                         user, O the groups); NULL: none do */
    /* The API server's client certificate toward kubelets (pods/log, exec, attach,
     * portforward) and the CA their serving certificates come from; NULL: those subresources
     * answer 503. */
    const char *kubelet_client_cert_file, *kubelet_client_key_file, *kubelet_ca_file;

    /* How often every Ready node's kubelet is scraped for metrics.k8s.io (metrics-server's
     * --metric-resolution); 0: APISERVER_METRICS_RESOLUTION_MS. */
    int metrics_resolution_ms;
} apiserver_config_t;

#define APISERVER_METRICS_RESOLUTION_MS 15000

/* Fills the defaults above into a zeroed config. */
void apiserver_config_defaults(apiserver_config_t *cfg);

/* Binds the port, starts the server's thread and loop, and begins syncing the caches. Returns
 * once the socket listens (requests arriving before the caches are ready wait or are served
 * from etcd). *out is owned; release with apiserver_stop. */
int apiserver_start(const apiserver_config_t *cfg, apiserver_t **out, c8s_err_t *err);

/*
 * In-process calls: the same handler chain as HTTP (routing, admission, validation, the store),
 * without a socket. A call is owned by its caller and must stay valid until the server is done
 * with it: after on_answer for a request, after on_end for a stream. The callbacks run on the
 * server's thread and must only copy what they need and hand it to their own thread.
 */
typedef struct apiserver_call_s apiserver_call_t;
struct apiserver_call_s {
    /* The request (read-only for the server; borrowed until the server is done). */
    const char *method;
    const char *path; /* with its query string, e.g. /api/v1/pods?watch=true */
    const char *content_type;
    const char *accept;
    const char *body;
    size_t body_len;
    /* A whole answer (every call that is not an established watch gets exactly one). */
    void (*on_answer)(apiserver_call_t *c, int status, const char *content_type, const char *body,
                      size_t len);
    /* An established watch: one line per event (with its newline); return false when the
     * caller cannot take more (it is then dropped, as a slow HTTP watcher is). */
    bool (*on_line)(apiserver_call_t *c, const char *line, size_t len);
    /* The watch ended (server stop, timeout, too slow, cache reset, or apiserver_call_cancel). */
    void (*on_end)(apiserver_call_t *c);
    void *data;
    /* Set by apiserver_call_cancel (atomically); a watch that starts after it ends at once. */
    int cancelled;
    /* Who is asking (borrowed, read on the server's thread while the call runs); NULL is the
     * server's own identity, system:apiserver in system:masters. */
    const struct auth_user_s *user;
};

/* Queues a call to the server's thread. Thread-safe. */
void apiserver_call(apiserver_t *s, apiserver_call_t *c);
/* Ends a watch started by c; on_end follows (on the server's thread). Thread-safe. A call that
 * has already ended is ignored. */
void apiserver_call_cancel(apiserver_t *s, apiserver_call_t *c);

/* Stops serving (watch streams end, in-flight requests finish or fail), joins the thread and
 * frees s. Safe to call from any thread except the server's own. */
void apiserver_stop(apiserver_t *s);

#endif
