/*
 * pki.h — the cluster's certificates: a CA, the API server's serving certificate, client
 * certificates (the admin's, nodes', tests'), and the service-account signing key pair.
 *
 * Two tiers. The in-memory core (pki_ca_new, pki_cert_issue, pki_cert_covers, pki_cert_signed_by,
 * pki_service_ip) takes and returns PEM text and touches no files. pki_bootstrap does the file
 * work of `c8s server`'s first start under <data-dir>/pki/: it creates what is missing, reuses
 * what is valid, and re-issues the serving certificate when a needed name is missing from it.
 *
 * Layout of the directory (keys 0600, certificates 0644):
 *   ca.crt ca.key               the cluster CA (ECDSA P-256, 10 years)
 *   apiserver.crt apiserver.key the serving certificate (1 year), SANs from pki_config_t
 *   admin.crt admin.key         CN=kubernetes-admin O=system:masters (1 year)
 *   apiserver-kubelet-client.crt/.key  CN=kube-apiserver-kubelet-client O=system:masters: the
 *                               API server's identity toward kubelets (logs, exec, …)
 *   sa.key sa.pub               RSA 2048: service-account tokens (RS256)
 */
#ifndef C8S_PKI_H
#define C8S_PKI_H

#include "c8s/base.h"

#include <stdbool.h>
#include <stddef.h>

#define PKI_ADMIN_CN    "kubernetes-admin"
#define PKI_ADMIN_GROUP "system:masters"

/* What a certificate is for and who it names. Every pointer is borrowed. */
typedef struct pki_cert_req_s {
    const char *cn;
    const char *const *orgs; /* O= entries (Kubernetes groups for client certificates) */
    size_t n_orgs;
    const char *const *dns; /* subjectAltName DNS entries */
    size_t n_dns;
    const char *const *ips; /* subjectAltName IP entries (v4 or v6 text) */
    size_t n_ips;
    bool server; /* extendedKeyUsage serverAuth; otherwise clientAuth */
    int days;    /* validity; 0 → 365 */
} pki_cert_req_t;

/* A new self-signed CA named cn, valid `days` days. *cert_pem and *key_pem are owned. */
int pki_ca_new(const char *cn, int days, char **cert_pem, char **key_pem, c8s_err_t *err);

/* Issues a certificate for req from the CA (ca_cert_pem/ca_key_pem borrowed) with a new ECDSA
 * P-256 key. *cert_pem and *key_pem are owned. C8S_EBADREQUEST for a malformed CA or name. */
int pki_cert_issue(const char *ca_cert_pem, const char *ca_key_pem, const pki_cert_req_t *req,
                   char **cert_pem, char **key_pem, c8s_err_t *err);

/* Whether the certificate names every DNS name and IP address given (false for malformed PEM). */
bool pki_cert_covers(const char *cert_pem, const char *const *dns, size_t n_dns,
                     const char *const *ips, size_t n_ips);

/* Whether cert_pem was signed by the CA certificate ca_pem, is valid now and for at least
 * `margin_days` more days (false for malformed PEM). */
bool pki_cert_signed_by(const char *cert_pem, const char *ca_pem, int margin_days);

/* The first usable address of a CIDR (10.96.0.0/12 → 10.96.0.1), as the `kubernetes` service's
 * ClusterIP. out holds at least 46 bytes. C8S_EBADREQUEST for a malformed CIDR. */
int pki_service_ip(const char *cidr, char *out, size_t out_len, c8s_err_t *err);

/* The subject alternative names of the serving certificate, as upstream's apiserver has them:
 * localhost, the host name, the node name, kubernetes, kubernetes.default,
 * kubernetes.default.svc, kubernetes.default.svc.<domain>; 127.0.0.1, ::1, the advertise
 * address, the bind address when it is a specific one, and the service IP. Any input may be
 * NULL (skipped). Fills owned arrays of owned strings (free with pki_names_free). */
void pki_default_sans(const char *hostname, const char *node_name, const char *cluster_domain,
                      const char *advertise, const char *bind, const char *service_ip, char ***dns,
                      size_t *n_dns, char ***ips, size_t *n_ips);
void pki_names_free(char **names, size_t n);

/* What pki_bootstrap needs. Borrowed. */
typedef struct pki_config_s {
    const char *dir; /* <data-dir>/pki; created 0700 if missing */
    const char *const *dns;
    size_t n_dns;
    const char *const *ips;
    size_t n_ips;
    /* Operator-supplied files: used as they are, never written. */
    const char *tls_cert_file, *tls_key_file; /* both or neither */
    const char *client_ca_file;
} pki_config_t;

/* Paths of what the server uses (owned strings; pki_files_clear frees them). */
typedef struct pki_files_s {
    char *ca_crt, *ca_key;
    char *serving_crt, *serving_key; /* the operator's files or ours */
    char *client_ca;                 /* the operator's file or ca_crt */
    char *admin_crt, *admin_key;
    char *kubelet_client_crt, *kubelet_client_key;
    char *sa_key, *sa_pub;
} pki_files_t;

/* Creates or reuses the files above. *out zeroed first. */
int pki_bootstrap(const pki_config_t *cfg, pki_files_t *out, c8s_err_t *err);
void pki_files_clear(pki_files_t *f);

/* Makes <dir>/<name>.crt and <name>.key for req from dir's CA (ca.crt, ca.key), or keeps them
 * while that CA signed them, they have 30 days left and they name everything req asks for (the
 * kubelet's serving certificate). */
int pki_ensure_leaf(const char *dir, const char *name, const pki_cert_req_t *req, c8s_err_t *err);

/* Issues a client certificate for cn in groups[0..n) from the CA files of dir (ca.crt/ca.key).
 * *cert_pem and *key_pem owned. */
int pki_issue_client(const char *dir, const char *cn, const char *const *groups, size_t n,
                     char **cert_pem, char **key_pem, c8s_err_t *err);

/* Reads a whole file (owned, NUL-terminated; *len may be NULL). */
int pki_read_file(const char *path, char **out, size_t *len, c8s_err_t *err);
/* Writes a file atomically (tmp + rename) with mode. */
int pki_write_file(const char *path, const char *data, size_t len, unsigned mode, c8s_err_t *err);

/* Cluster discovery (kubeadm's token discovery of kube-public/cluster-info). */

/* "sha256:<hex>" of the certificate's DER SubjectPublicKeyInfo, as `kubeadm join
 * --discovery-token-ca-cert-hash` pins the CA. *out is owned. C8S_EBADREQUEST for malformed PEM. */
int pki_ca_cert_hash(const char *cert_pem, char **out, c8s_err_t *err);
/* Whether cert_pem's pin equals want (hex compared case-insensitively); false for bad input. */
bool pki_ca_cert_hash_matches(const char *cert_pem, const char *want);

/* The detached compact JWS (HS256, protected header {"alg":"HS256","kid":token_id}, key the
 * token's secret) of content, as the bootstrapsigner controller stores it under
 * jws-kubeconfig-<token-id>: "<header>..<signature>". *out is owned. All inputs borrowed. */
int pki_jws_detached(const char *content, const char *token_id, const char *token_secret,
                     char **out, c8s_err_t *err);
/* Whether jws is the detached signature of content by the token (constant-time compare). */
bool pki_jws_detached_valid(const char *jws, const char *content, const char *token_id,
                            const char *token_secret);

/* Certificate signing requests (PKCS#10), as certificates.k8s.io carries them. */

/* What a request asks for. Owned by the record (pki_csr_info_clear frees it). */
typedef struct pki_csr_info_s {
    char *cn;    /* NULL when the subject has no CN */
    char **orgs; /* O= entries */
    size_t n_orgs;
    char **dns, **ips; /* subjectAltName DNS and IP entries (IPs as text) */
    size_t n_dns, n_ips;
    size_t n_other;         /* other subjectAltNames (e-mail, URI, ...) */
    size_t n_other_subject; /* subject attributes besides CN and O */
    const char *key_type;   /* static: "ECDSA", "RSA" or "other" */
} pki_csr_info_t;

/* Reads a PEM CERTIFICATE REQUEST (pem[0..len), borrowed) and checks its self-signature.
 * C8S_EBADREQUEST with upstream's wording ("PEM block type must be CERTIFICATE REQUEST") for
 * anything else. *out is zeroed first and filled on success. */
int pki_csr_parse(const char *pem, size_t len, pki_csr_info_t *out, c8s_err_t *err);
void pki_csr_info_clear(pki_csr_info_t *c);

/* A new PEM request for req's CN, O and SANs (req->server and days unused), signed with
 * key_pem_in (borrowed) or, when NULL, a new ECDSA P-256 key. *csr_pem is owned; *key_pem (when
 * key_pem is not NULL) gets the key used, owned. */
int pki_csr_new(const pki_cert_req_t *req, const char *key_pem_in, char **csr_pem, char **key_pem,
                c8s_err_t *err);

/* Key usages of a signed certificate (upstream's KeyUsage strings, as bits). */
enum {
    PKI_USAGE_DIGITAL_SIGNATURE = 1, /* "digital signature" */
    PKI_USAGE_KEY_ENCIPHERMENT = 2,  /* "key encipherment" */
    PKI_USAGE_CLIENT_AUTH = 4,       /* "client auth" */
    PKI_USAGE_SERVER_AUTH = 8,       /* "server auth" */
};

/* The shortest spec.expirationSeconds a CSR may ask for: upstream's 600, or less when the
 * environment variable C8S_CSR_MIN_EXPIRATION_S says so (a test knob, for certificate rotation
 * in minutes; at least 1). */
long long pki_csr_min_expiration_s(void);

/* Signs the request with the CA (all PEM, borrowed): the request's subject and SANs, the usages
 * given, valid from five minutes ago for `seconds` (cut at the CA's own expiry). *cert_pem is
 * owned. C8S_EBADREQUEST for a bad request, C8S_EINTERNAL for an unusable CA. */
int pki_csr_sign(const char *ca_cert_pem, const char *ca_key_pem, const char *csr_pem,
                 size_t csr_len, unsigned usages, long long seconds, char **cert_pem,
                 c8s_err_t *err);

#endif
