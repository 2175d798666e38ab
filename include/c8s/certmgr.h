/*
 * certmgr.h — a joined node's certificates, as upstream's kubelet certificate manager keeps
 * them: the client certificate it talks to the API server with and, with serverTLSBootstrap, the
 * serving certificate of its HTTPS port, both obtained by CSR and renewed before they expire.
 *
 * Files under <data-dir>/pki (0600, certificate then key in one PEM file, replaced atomically so
 * a reader never sees a certificate with another's key):
 *   kubelet-client-current.pem  CN=system:node:<name> O=system:nodes, signer
 *                               kubernetes.io/kube-apiserver-client-kubelet
 *   kubelet-server-current.pem  the same subject, signer kubernetes.io/kubelet-serving, SANs the
 *                               Node's addresses (its InternalIP/ExternalIP and host names)
 *
 * Each is renewed once a jittered 70-90 % of its lifetime (notBefore to notAfter) has passed (the
 * serving one also when the Node has an address it does not name, checked every minute), by
 * a new CSR with a new key authenticated with the current client certificate (the approver's
 * selfnodeclient path for the client one). Readers pick the new files up by path: libcurl reads
 * the client files for every new connection, the kubelet's port is told through
 * kubelet_serve_cert.
 *
 * The HTTP here is blocking (libcurl easy): the join runs before any loop, the manager on a
 * thread of its own.
 */
#ifndef C8S_CERTMGR_H
#define C8S_CERTMGR_H

#include "c8s/base.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define CERTMGR_SIGNER_CLIENT  "kubernetes.io/kube-apiserver-client-kubelet"
#define CERTMGR_SIGNER_SERVING "kubernetes.io/kubelet-serving"

typedef struct kubelet_s kubelet_t;

/* How a blocking request reaches and authenticates to the API server. Borrowed. */
typedef struct certmgr_auth_s {
    const char *server;  /* https://host:port */
    const char *ca_file; /* NULL: the server is not verified (cluster-info, before trust) */
    const char *token;   /* a bearer token, or NULL */
    const char *cert_file, *key_file; /* a client certificate, or NULL */
} certmgr_auth_t;

/* One request (path appended to a->server; body JSON or NULL). *out (owned) is the body; *status
 * the HTTP status. C8S_EUNAVAILABLE when no answer came. */
int certmgr_https(const certmgr_auth_t *a, const char *method, const char *path, const char *body,
                  long *status, char **out, c8s_err_t *err);

/* Sends a CSR (csr_pem borrowed) for signer with usages[0..n) and waits up to wait_s seconds for
 * its certificate (*cert_pem, owned PEM). expiration_s > 0 asks for spec.expirationSeconds.
 * C8S_EFORBIDDEN when denied or failed, C8S_ETIMEOUT when not issued in time, C8S_EUNAVAILABLE
 * when *stop (may be NULL) became true while waiting. */
int certmgr_request_cert(const certmgr_auth_t *a, const char *signer, const char *const *usages,
                         size_t n_usages, const char *csr_pem, long expiration_s, int wait_s,
                         const atomic_bool *stop, char **cert_pem, c8s_err_t *err);

/* Writes cert then key (PEM, borrowed) to path as one file, 0600, replaced atomically. */
int certmgr_write_pair(const char *path, const char *cert, const char *key, c8s_err_t *err);

/* When a certificate (the first in pem) is due for renewal: notBefore + frac of its lifetime.
 * C8S_EBADREQUEST for malformed PEM. */
int certmgr_deadline(const char *pem, double frac, time_t *out, c8s_err_t *err);

/* Upstream's jittered renewal point: 0.7 + 0.2 * r for r in [0, 1). */
double certmgr_jitter(double r);

/* What the manager works with. Borrowed (copied by certmgr_start). */
typedef struct certmgr_config_s {
    const char *server, *ca_file;
    const char *node_name;
    const char *client_pem;  /* kubelet-client-current.pem (must exist: the join wrote it) */
    const char *serving_pem; /* kubelet-server-current.pem; NULL: no serving certificate */
    long expiration_s;       /* asked for in spec.expirationSeconds; 0: the signer's choice */
    kubelet_t *kubelet;      /* told of serving certificates; must outlive the manager */
} certmgr_config_t;

typedef struct certmgr_s certmgr_t;

/* Starts the manager's thread: it serves with a still-good serving certificate at once, else
 * asks for one as soon as the Node has addresses; then renews both as they come due, retrying
 * failures. *out owned: certmgr_stop. */
int certmgr_start(const certmgr_config_t *cfg, certmgr_t **out, c8s_err_t *err);
/* Stops and joins the thread (a request in flight ends within its timeout) and frees m. NULL is
 * fine. */
void certmgr_stop(certmgr_t *m);

#endif
