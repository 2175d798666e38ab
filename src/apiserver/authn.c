/*
 * authn.c — authentication: who is asking. In-process calls carry their identity; HTTP requests
 * (always over TLS) present a client certificate or a bearer token. A request with neither, or
 * with credentials nobody accepts, is refused with 401; the health endpoints (/healthz, /livez,
 * /readyz, /version) are answered before this and stay anonymous. A request without any
 * credential goes on as system:anonymous, but only as far as RBAC grants it something: anything
 * else is answered 401 by authorization (see authz.c).
 */
#include "internal.h"
#include "c8s/tokcache.h"

#include <string.h>
#include <strings.h>
#include <time.h>

typedef int (*token_authenticator_fn)(apiserver_t *s, const char *token, auth_user_t **out,
                                      int64_t *not_after_ms, c8s_err_t *err);

/* Tried in order; the first that recognises the token decides. */
static const token_authenticator_fn token_authenticators[] = {
    apiserver__token_static,
    apiserver__token_sa,
    apiserver__token_bootstrap,
    NULL,
};

static auth_user_t *apiserver_identity(void)
{
    const char *groups[] = {AUTH_GROUP_MASTERS, AUTH_GROUP_AUTHENTICATED};
    return auth_user_new(AUTH_USER_APISERVER, NULL, groups, C8S_ARRAY_SIZE(groups));
}

static bool unauthorized(api_req_t *r, const char *why)
{
    if (why && *why)
        log_debug("apiserver", "401 for %s %s: %s", r->method, r->path, why);
    r->verb = r->method;
    apiserver__respond_code(r, C8S_EUNAUTH, "Unauthorized");
    return false;
}

static char *bearer_token(api_req_t *r)
{
    if (!r->h2o)
        return NULL;
    ssize_t idx = h2o_find_header(&r->h2o->headers, H2O_TOKEN_AUTHORIZATION, -1);
    if (idx < 0)
        return NULL;
    h2o_iovec_t v = r->h2o->headers.entries[idx].value;
    if (v.len < 7 || strncasecmp(v.base, "Bearer ", 7) != 0)
        return NULL;
    size_t i = 7;
    while (i < v.len && v.base[i] == ' ')
        i++;
    return xstrndup(v.base + i, v.len - i);
}

/* The union of the token authenticators (tokcache_auth_fn; ctx is the server): the user with
 * system:authenticated added, as upstream's group adder inside its cache. */
static int token_union(void *ctx, const char *token, auth_user_t **out, int64_t *not_after_ms,
                       c8s_err_t *err)
{
    apiserver_t *s = ctx;
    for (size_t i = 0; token_authenticators[i]; i++) {
        auth_user_t *u = NULL;
        int rc = token_authenticators[i](s, token, &u, not_after_ms, err);
        if (rc > 0 && u) {
            auth_user_add_group(u, AUTH_GROUP_AUTHENTICATED);
            *out = u;
            return 1;
        }
        auth_user_free(u);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* As upstream, every token authenticator sits behind one cache of successes: a hit costs an
 * HMAC instead of an RSA verification and three watch-cache lookups. What a hit does not see
 * again (a ServiceAccount, bound Pod or bootstrap Secret deleted since) it learns when the entry
 * expires, --token-success-cache-ttl later at most, as upstream (docs/security.md); it never
 * outlives the token's own expiry. */
static int authenticate_token(api_req_t *r, const char *token)
{
    c8s_err_t err = C8S_ERR_INIT;
    auth_user_t *u = NULL;
    int64_t not_after = 0;
    int rc = r->srv->token_cache ? tokcache_authenticate(r->srv->token_cache, token, wall_ms(),
                                                         token_union, r->srv, &u, &err)
                                 : token_union(r->srv, token, &u, &not_after, &err);
    if (rc > 0 && u) {
        r->user = u;
        return 1;
    }
    auth_user_free(u);
    if (rc < 0)
        log_debug("apiserver", "token refused: %s", err.msg);
    c8s_err_clear(&err);
    return -1;
}

/* upstream's x509 authenticator: a client certificate that verifies against the client CAs
 * names the user (CN) and its groups (O); one that does not verify is an error (→ 401), not
 * anonymity, so that a certificate from another CA is not silently ignored. */
int apiserver__authn_x509(api_req_t *r, auth_user_t **out, c8s_err_t *err)
{
    return apiserver__tls_peer(r, out, err);
}

bool apiserver__authenticate(api_req_t *r)
{
    if (r->call) {
        r->user = r->call->user ? auth_user_dup(r->call->user) : apiserver_identity();
        return true;
    }
    /* As upstream's union of authenticators: the certificate first, then a token; the first
     * that accepts wins, and a rejected credential is only fatal when nothing else is
     * accepted. */
    c8s_err_t xerr = C8S_ERR_INIT;
    auth_user_t *u = NULL;
    int x = apiserver__authn_x509(r, &u, &xerr);
    if (x > 0) {
        r->user = u;
        return true;
    }
    cleanup_free char *token = bearer_token(r);
    if (token && authenticate_token(r, token) > 0) {
        c8s_err_clear(&xerr);
        return true;
    }
    if (!token && x == 0) {
        /* No credentials at all: upstream's anonymous identity, so that RBAC can grant the
         * one thing a stranger may read (kube-public/cluster-info, for joining nodes). Every
         * request it is not granted stays 401 (apiserver__authorize). */
        const char *g[] = {AUTH_GROUP_UNAUTHENTICATED};
        r->user = auth_user_new(AUTH_USER_ANONYMOUS, NULL, g, 1);
        return true;
    }
    cleanup_free char *why = xstrdup(token   ? "invalid bearer token"
                                     : x < 0 ? xerr.msg
                                             : "no credentials");
    c8s_err_clear(&xerr);
    return unauthorized(r, why);
}
