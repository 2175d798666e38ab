/*
 * tls.c — the API port's TLS: the OpenSSL context h2o handshakes with (TLS 1.2 or newer, ALPN h2
 * and http/1.1), and the client certificate of a request.
 *
 * A client certificate is asked for but never required, and a bad one does not fail the
 * handshake: as upstream, the authenticator verifies it, so a certificate from another CA is a
 * 401 answer (with a Status) rather than a TLS alert a client cannot explain.
 */
#include "internal.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string.h>
#include <time.h>

/* What a connection's client certificate proved, computed on its first request and kept with
 * the connection (SSL ex_data) so that later requests do not verify it again. */
typedef struct {
    int verdict; /* 1 verified, 0 none presented, C8S_EUNAUTH presented but not verified */
    auth_user_t *user;
    time_t not_after; /* verified: the certificate's end, checked at every request */
    char reason[128];
} peer_t;

static int peer_index = -1;
static uv_once_t peer_once = UV_ONCE_INIT;

static void free_peer(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    peer_t *p = ptr;
    if (p) {
        auth_user_free(p->user);
        free(p);
    }
}

/* Several servers may start at once in one process (tests); the index is shared by all. */
static void make_peer_index(void)
{
    peer_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, free_peer);
}

/* Accept whatever the client presents: verification is the authenticator's, per request. */
static int accept_any(int preverify_ok, X509_STORE_CTX *ctx)
{
    return 1;
}

static int ssl_fail(c8s_err_t *err, const char *what, const char *path)
{
    char buf[256];
    unsigned long e = ERR_get_error();
    ERR_clear_error();
    ERR_error_string_n(e, buf, sizeof(buf));
    return c8s_err_set(err, C8S_EBADREQUEST, "%s %s: %s", what, path ? path : "", buf);
}

int apiserver__tls_init(apiserver_t *s, c8s_err_t *err)
{
    const apiserver_config_t *c = &s->cfg;
    if (!c->tls_cert_file || !c->tls_private_key_file)
        return c8s_err_set(err, C8S_EBADREQUEST,
                           "the API port serves TLS only: a serving certificate and key are "
                           "needed (--tls-cert-file, --tls-private-key-file)");
    uv_once(&peer_once, make_peer_index);
    if (peer_index < 0)
        return c8s_err_set(err, C8S_EINTERNAL, "no OpenSSL ex_data index for client verdicts");
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx)
        return ssl_fail(err, "creating the TLS context", NULL);
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE);
    /* TLS 1.2 suites with forward secrecy and AEAD only: HTTP/2 (RFC 7540 §9.2.2) refuses the
     * others, and Go's client (kubectl) offers these. */
    if (SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20") != 1) {
        SSL_CTX_free(ctx);
        return ssl_fail(err, "TLS cipher list", NULL);
    }
    if (SSL_CTX_use_certificate_chain_file(ctx, c->tls_cert_file) != 1) {
        SSL_CTX_free(ctx);
        return ssl_fail(err, "loading the serving certificate", c->tls_cert_file);
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, c->tls_private_key_file, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        SSL_CTX_free(ctx);
        return ssl_fail(err, "loading the serving key", c->tls_private_key_file);
    }
    if (c->client_ca_file) {
        STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(c->client_ca_file);
        if (!names || SSL_CTX_load_verify_locations(ctx, c->client_ca_file, NULL) != 1) {
            sk_X509_NAME_pop_free(names, X509_NAME_free);
            SSL_CTX_free(ctx);
            return ssl_fail(err, "loading the client CA", c->client_ca_file);
        }
        SSL_CTX_set_client_CA_list(ctx, names);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_any);
    }
    /* A session cache would hand a resumed connection the first one's certificate without our
     * ex_data; resumption is not worth that subtlety for an API port. */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx, 0);
    /* No close_notify on close: h2o 2.2 waits for that alert's write to finish before it lets
     * go of a socket, and a peer that stopped reading kept a connection (and the server's stop)
     * hanging. HTTP frames its own messages, so a truncation is visible without the alert. */
    SSL_CTX_set_quiet_shutdown(ctx, 1);
    h2o_ssl_register_alpn_protocols(ctx, h2o_alpn_protocols);
    s->ssl_ctx = ctx;
    s->accept_ctx.ssl_ctx = ctx;
    return 0;
}

void apiserver__tls_free(apiserver_t *s)
{
    SSL_CTX_free(s->ssl_ctx);
    s->ssl_ctx = NULL;
}

/* h2o 2.2 keeps a connection's OpenSSL object in its private struct st_h2o_socket_ssl_t, which
 * begins {SSL_CTX *ssl_ctx; SSL *ossl; …}, and its header has no accessor for it. We read the
 * two fields and trust them only when the first is our context and the second belongs to it, so
 * that another layout fails closed (no certificate seen → 401), never open. */
struct h2o_ssl_head {
    SSL_CTX *ssl_ctx;
    SSL *ossl;
};

static SSL *request_ssl(api_req_t *r)
{
    h2o_req_t *req = r->h2o;
    if (!req || !req->conn || !req->conn->callbacks->get_socket || !r->srv->ssl_ctx)
        return NULL;
    h2o_socket_t *sock = req->conn->callbacks->get_socket(req->conn);
    if (!sock || !sock->ssl)
        return NULL;
    const struct h2o_ssl_head *head = (const struct h2o_ssl_head *)sock->ssl;
    if (head->ssl_ctx != r->srv->ssl_ctx || !head->ossl ||
        SSL_get_SSL_CTX(head->ossl) != r->srv->ssl_ctx)
        return NULL;
    return head->ossl;
}

/* Verifies the peer's chain against the client CAs for client use; fills p. */
static void verify_peer(apiserver_t *s, SSL *ssl, peer_t *p)
{
    X509 *leaf = SSL_get0_peer_certificate(ssl);
    if (!leaf) {
        p->verdict = 0;
        return;
    }
    p->verdict = C8S_EUNAUTH;
    if (!s->cfg.client_ca_file) {
        snprintf(p->reason, sizeof(p->reason), "no client CA is configured");
        return;
    }
    X509_STORE_CTX *vctx = X509_STORE_CTX_new();
    /* The server side's chain list holds the intermediates the client sent (without the leaf). */
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
    if (!vctx || X509_STORE_CTX_init(vctx, SSL_CTX_get_cert_store(s->ssl_ctx), leaf, chain) != 1) {
        X509_STORE_CTX_free(vctx);
        snprintf(p->reason, sizeof(p->reason), "cannot verify");
        ERR_clear_error();
        return;
    }
    X509_STORE_CTX_set_purpose(vctx, X509_PURPOSE_SSL_CLIENT);
    int ok = X509_verify_cert(vctx);
    if (ok != 1) {
        snprintf(p->reason, sizeof(p->reason), "%s",
                 X509_verify_cert_error_string(X509_STORE_CTX_get_error(vctx)));
        X509_STORE_CTX_free(vctx);
        ERR_clear_error();
        return;
    }
    X509_STORE_CTX_free(vctx);
    struct tm tm;
    if (ASN1_TIME_to_tm(X509_get0_notAfter(leaf), &tm) != 1) {
        snprintf(p->reason, sizeof(p->reason), "the certificate has no usable notAfter");
        ERR_clear_error();
        return;
    }
    p->not_after = timegm(&tm);
    /* upstream's CommonNameUserConversion: CN the user, every O a group. */
    X509_NAME *subj = X509_get_subject_name(leaf);
    char cn[256] = "";
    int idx = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
    ASN1_STRING *d = idx >= 0 ? X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, idx)) : NULL;
    unsigned char *utf8 = NULL;
    int n = d ? ASN1_STRING_to_UTF8(&utf8, d) : -1;
    if (n <= 0 || (size_t)n >= sizeof(cn) || memchr(utf8, '\0', (size_t)n)) {
        OPENSSL_free(utf8);
        snprintf(p->reason, sizeof(p->reason), "the certificate has no usable common name");
        return;
    }
    memcpy(cn, utf8, (size_t)n);
    OPENSSL_free(utf8);
    auth_user_t *u = auth_user_new(cn, NULL, NULL, 0);
    for (idx = -1; (idx = X509_NAME_get_index_by_NID(subj, NID_organizationName, idx)) >= 0;) {
        unsigned char *o = NULL;
        int on = ASN1_STRING_to_UTF8(&o, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, idx)));
        if (on > 0 && !memchr(o, '\0', (size_t)on)) {
            cleanup_free char *g = xstrndup((const char *)o, (size_t)on);
            auth_user_add_group(u, g);
        }
        OPENSSL_free(o);
    }
    auth_user_add_group(u, AUTH_GROUP_AUTHENTICATED);
    p->user = u;
    p->verdict = 1;
}

int apiserver__tls_peer(api_req_t *r, auth_user_t **out, c8s_err_t *err)
{
    *out = NULL;
    SSL *ssl = request_ssl(r);
    if (!ssl)
        return 0;
    peer_t *p = SSL_get_ex_data(ssl, peer_index);
    if (!p) {
        p = xcalloc(1, sizeof(*p));
        verify_peer(r->srv, ssl, p);
        if (SSL_set_ex_data(ssl, peer_index, p) != 1) {
            free_peer(NULL, p, NULL, 0, 0, NULL);
            return c8s_err_set(err, C8S_EINTERNAL, "keeping the client certificate's verdict");
        }
    }
    /* As upstream's x509 authenticator, validity is judged at each request, not once per
     * connection: a long-lived connection does not outlive its certificate. */
    if (p->verdict == 1 && time(NULL) > p->not_after)
        return c8s_err_set(err, C8S_EUNAUTH,
                           "client certificate rejected: certificate has expired");
    if (p->verdict == 1) {
        *out = auth_user_dup(p->user);
        return 1;
    }
    if (p->verdict < 0)
        return c8s_err_set(err, C8S_EUNAUTH, "client certificate rejected: %s", p->reason);
    return 0;
}
