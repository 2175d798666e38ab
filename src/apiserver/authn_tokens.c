/*
 * authn_tokens.c — bearer-token authenticators: the static token file, ServiceAccount JWTs and
 * bootstrap tokens, plus the signing side TokenRequest uses. Keys and the static table are read
 * once at start; objects a token names (ServiceAccount, bound Pod or Secret, bootstrap Secret) are
 * read from the server's own watch caches, so a deleted ServiceAccount's tokens stop working at
 * once, as upstream's.
 */
#include "internal.h"
#include "c8s/jwt.h"
#include "c8s/kubeconfig.h"
#include "c8s/strbuf.h"
#include "c8s/table.h"
#include "c8s/tokcache.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

typedef struct {
    char *token;
    auth_user_t *user;
} static_token_t;

struct apiserver_tokens_s {
    jwt_key_t *signer;  /* NULL: ServiceAccount tokens are not issued */
    jwt_key_t **verify; /* keys that verify ServiceAccount tokens */
    size_t n_verify;
    char *issuer;
    char **auds; /* the API server's audiences */
    size_t n_auds;
    static_token_t *statics;
    size_t n_statics;
    bool bootstrap;
};

/* ---- static token file: token,user,uid[,"group1,group2"] ---- */

/* Splits one CSV line into at most max fields (double quotes group; "" is a quote). Returns the
 * number of fields, or -1 for an unterminated quote. Fields are owned by the caller. */
static int csv_fields(const char *line, char **out, int max)
{
    int n = 0;
    const char *p = line;
    for (;;) {
        strbuf_t b = STRBUF_INIT;
        if (*p == '"') {
            p++;
            for (;;) {
                if (!*p) {
                    strbuf_free(&b);
                    for (int i = 0; i < n; i++)
                        free(out[i]);
                    return -1;
                }
                if (*p == '"' && p[1] == '"') {
                    strbuf_addn(&b, "\"", 1);
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    strbuf_addn(&b, p++, 1);
                }
            }
        }
        while (*p && *p != ',')
            strbuf_addn(&b, p++, 1);
        if (n < max)
            out[n++] = strbuf_take(&b);
        else
            strbuf_free(&b);
        if (*p != ',')
            break;
        p++;
    }
    return n;
}

static int load_static(apiserver_tokens_t *t, const char *path, c8s_err_t *err)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return c8s_err_set(err, C8S_ESYS, "--token-auth-file %s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0, rc = 0;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        char *fld[4] = {0};
        int n = csv_fields(line, fld, 4);
        if (n < 3 || !*fld[0] || !*fld[1]) {
            for (int i = 0; i < n; i++)
                free(fld[i]);
            rc = c8s_err_set(err, C8S_EBADREQUEST,
                             "--token-auth-file %s line %d: want token,user,uid[,\"groups\"]", path,
                             lineno);
            break;
        }
        auth_user_t *u = auth_user_new(fld[1], *fld[2] ? fld[2] : NULL, NULL, 0);
        if (n == 4) {
            char *save = NULL;
            for (char *g = strtok_r(fld[3], ",", &save); g; g = strtok_r(NULL, ",", &save)) {
                while (*g == ' ')
                    g++;
                if (*g)
                    auth_user_add_group(u, g);
            }
        }
        t->statics = xrealloc(t->statics, (t->n_statics + 1) * sizeof(*t->statics));
        t->statics[t->n_statics++] = (static_token_t){.token = c8s_steal(&fld[0]), .user = u};
        for (int i = 1; i < n; i++)
            free(fld[i]);
    }
    if (line)
        OPENSSL_cleanse(line, cap);
    free(line);
    fclose(f);
    return rc;
}

/* ---- init ---- */

static void free_tokens(apiserver_tokens_t *t)
{
    if (!t)
        return;
    jwt_key_free(t->signer);
    jwt_keys_free(t->verify, t->n_verify);
    free(t->issuer);
    for (size_t i = 0; i < t->n_auds; i++)
        free(t->auds[i]);
    free(t->auds);
    for (size_t i = 0; i < t->n_statics; i++) {
        OPENSSL_cleanse(t->statics[i].token, strlen(t->statics[i].token));
        free(t->statics[i].token);
        auth_user_free(t->statics[i].user);
    }
    free(t->statics);
    free(t);
}

void apiserver__tokens_free(apiserver_t *s)
{
    free_tokens(s->tokens);
    s->tokens = NULL;
    tokcache_free(s->token_cache);
    s->token_cache = NULL;
}

static void add_verify(apiserver_tokens_t *t, jwt_key_t *k)
{
    t->verify = xrealloc(t->verify, (t->n_verify + 1) * sizeof(*t->verify));
    t->verify[t->n_verify++] = k;
}

static int init_keys(apiserver_tokens_t *t, const apiserver_config_t *cfg, c8s_err_t *err)
{
    if (cfg->service_account_key_file) {
        jwt_key_t **keys = NULL;
        size_t n = 0;
        if (jwt_keys_load(cfg->service_account_key_file, &keys, &n, err) != 0)
            return c8s_err_wrap(err, "--service-account-signing-key-file");
        for (size_t i = 0; i < n; i++)
            if (!t->signer && jwt_key_is_private(keys[i]))
                t->signer = c8s_steal(&keys[i]);
        jwt_keys_free(keys, n);
        if (!t->signer)
            return c8s_err_set(err, C8S_EBADREQUEST,
                               "--service-account-signing-key-file %s holds no private key",
                               cfg->service_account_key_file);
    }
    for (size_t f = 0; cfg->service_account_pub_files && cfg->service_account_pub_files[f]; f++) {
        jwt_key_t **keys = NULL;
        size_t n = 0;
        if (jwt_keys_load(cfg->service_account_pub_files[f], &keys, &n, err) != 0)
            return c8s_err_wrap(err, "--service-account-key-file");
        /* Only the public half is kept: a verifier never needs to sign. */
        for (size_t i = 0; i < n; i++) {
            jwt_key_t *pub = jwt_key_public(keys[i]);
            if (pub)
                add_verify(t, pub);
        }
        jwt_keys_free(keys, n);
    }
    if (t->n_verify == 0 && t->signer) {
        jwt_key_t *pub = jwt_key_public(t->signer);
        if (pub)
            add_verify(t, pub);
    }
    return 0;
}

int apiserver__tokens_init(apiserver_t *s, c8s_err_t *err)
{
    const apiserver_config_t *cfg = &s->cfg;
    apiserver_tokens_t *t = xcalloc(1, sizeof(*t));
    t->issuer = xstrdup(cfg->service_account_issuer && *cfg->service_account_issuer
                            ? cfg->service_account_issuer
                            : JWT_DEFAULT_ISSUER);
    for (size_t i = 0; cfg->api_audiences && cfg->api_audiences[i]; i++) {
        t->auds = xrealloc(t->auds, (t->n_auds + 1) * sizeof(char *));
        t->auds[t->n_auds++] = xstrdup(cfg->api_audiences[i]);
    }
    if (t->n_auds == 0) {
        t->auds = xmalloc(sizeof(char *));
        t->auds[t->n_auds++] = xstrdup(t->issuer);
    }
    t->bootstrap = cfg->enable_bootstrap_token_auth;
    if (init_keys(t, cfg, err) != 0 ||
        (cfg->token_auth_file && load_static(t, cfg->token_auth_file, err) != 0)) {
        free_tokens(t);
        return err->code;
    }
    /* The paths were read; nothing keeps the caller's strings. */
    s->cfg.service_account_key_file = NULL;
    s->cfg.service_account_pub_files = NULL;
    s->cfg.service_account_issuer = NULL;
    s->cfg.api_audiences = NULL;
    s->cfg.token_auth_file = NULL;
    s->tokens = t;
    if (cfg->token_cache_ttl_ms >= 0)
        s->token_cache =
            tokcache_new(TOKCACHE_DEFAULT_MAX, cfg->token_cache_ttl_ms ? cfg->token_cache_ttl_ms
                                                                       : TOKCACHE_DEFAULT_TTL_MS);
    if (!t->signer)
        log_info("apiserver", "no --service-account-signing-key-file: ServiceAccount tokens are "
                              "not issued");
    return 0;
}

/* ---- helpers ---- */

/* The cached object ns/name of a core/v1 resource (borrowed), or NULL. *ready is false when the
 * cache has not synced yet. */
static wc_obj_t *cached(apiserver_t *s, const char *resource, const char *ns, const char *name,
                        bool *ready)
{
    const api_kind_t *k = api_kind_lookup("", "v1", resource);
    resource_t *res = k ? apiserver__resource_for(s, k) : NULL;
    *ready = res && res->ready;
    if (!*ready)
        return NULL;
    cleanup_free char *key = apiserver__key(res, ns, name);
    return wcache_get(res->cache, key);
}

static bool ct_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    return la == lb && CRYPTO_memcmp(a, b, la) == 0;
}

static void add_extra(auth_user_t *u, const char *key, const char *value)
{
    if (!value)
        return;
    if (!u->extra)
        u->extra = json_object();
    json_object_set_new(u->extra, key, json_pack("[s]", value));
}

/* ---- the authenticators ---- */

int apiserver__token_static(apiserver_t *s, const char *token, auth_user_t **out,
                            int64_t *not_after_ms, c8s_err_t *err)
{
    (void)err;
    if (not_after_ms)
        *not_after_ms = 0;
    apiserver_tokens_t *t = s->tokens;
    for (size_t i = 0; t && i < t->n_statics; i++)
        if (ct_equal(t->statics[i].token, token)) {
            *out = auth_user_dup(t->statics[i].user);
            return 1;
        }
    return 0;
}

/* The ServiceAccount authenticator for the given audiences; *matched (owned, may be NULL) gets
 * the audiences the token was valid for. */
static int sa_token(apiserver_t *s, const char *token, const char *const *auds, size_t n_auds,
                    auth_user_t **out, int64_t *not_after_ms, json_t **matched, c8s_err_t *err)
{
    apiserver_tokens_t *t = s->tokens;
    json_t *peek = NULL;
    if (!t || !jwt_peek(token, &peek))
        return 0;
    /* Another issuer's token is somebody else's (a later authenticator may know it). */
    const char *iss = json_string_value(json_object_get(peek, "iss"));
    bool ours = iss && strcmp(iss, t->issuer) == 0;
    json_decref(peek);
    if (!ours)
        return 0;
    if (t->n_verify == 0)
        return c8s_err_set(err, C8S_EUNAUTH, "no keys to verify service account tokens");
    cleanup_json json_t *claims = NULL;
    if (jwt_verify(t->verify, t->n_verify, token, &claims, err) != 0)
        return err->code;
    jwt_sa_info_t info;
    if (jwt_sa_validate(claims, t->issuer, auds, n_auds, (int64_t)time(NULL), &info, matched,
                        err) != 0)
        return err->code;
    bool ready;
    wc_obj_t *sa = cached(s, "serviceaccounts", info.ns, info.sa_name, &ready);
    if (!ready)
        return c8s_err_set(err, C8S_EUNAUTH, "service accounts are not loaded yet");
    if (!sa || !sa->uid || strcmp(sa->uid, info.sa_uid) != 0)
        goto gone;
    if (info.pod_name) {
        wc_obj_t *pod = cached(s, "pods", info.ns, info.pod_name, &ready);
        if (!pod || !pod->uid || strcmp(pod->uid, info.pod_uid) != 0) {
            c8s_err_set(err, C8S_EUNAUTH, "pod \"%s\" (uid %s) the token is bound to is gone",
                        info.pod_name, info.pod_uid);
            goto fail;
        }
    }
    if (info.secret_name) {
        wc_obj_t *sec = cached(s, "secrets", info.ns, info.secret_name, &ready);
        if (!sec || !sec->uid || strcmp(sec->uid, info.secret_uid) != 0) {
            c8s_err_set(err, C8S_EUNAUTH, "secret \"%s\" (uid %s) the token is bound to is gone",
                        info.secret_name, info.secret_uid);
            goto fail;
        }
    }
    char name[512], nsgroup[300];
    snprintf(name, sizeof(name), AUTH_SA_PREFIX "%s:%s", info.ns, info.sa_name);
    snprintf(nsgroup, sizeof(nsgroup), AUTH_GROUP_SERVICEACCOUNTS ":%s", info.ns);
    const char *groups[] = {AUTH_GROUP_SERVICEACCOUNTS, nsgroup};
    auth_user_t *u = auth_user_new(name, info.sa_uid, groups, 2);
    add_extra(u, "authentication.kubernetes.io/pod-name", info.pod_name);
    add_extra(u, "authentication.kubernetes.io/pod-uid", info.pod_uid);
    add_extra(u, "authentication.kubernetes.io/node-name", info.node_name);
    add_extra(u, "authentication.kubernetes.io/node-uid", info.node_uid);
    if (info.jti) {
        cleanup_free char *cid = xasprintf("JTI=%s", info.jti);
        add_extra(u, "authentication.kubernetes.io/credential-id", cid);
    }
    /* A cache (authn.c) keeps the answer no longer than verification would give it: until
     * exp plus the leeway jwt_sa_validate grants; a token without exp has no end of its own. */
    if (not_after_ms)
        *not_after_ms = info.exp > 0 ? (info.exp + JWT_LEEWAY_S) * 1000 : 0;
    *out = u;
    return 1;
gone:
    c8s_err_set(err, C8S_EUNAUTH, "service account %s/%s (uid %s) does not exist any more", info.ns,
                info.sa_name, info.sa_uid);
fail:
    if (matched) {
        json_decref(*matched);
        *matched = NULL;
    }
    return err->code;
}

int apiserver__token_sa(apiserver_t *s, const char *token, auth_user_t **out, int64_t *not_after_ms,
                        c8s_err_t *err)
{
    if (!s->tokens)
        return 0;
    return sa_token(s, token, (const char *const *)s->tokens->auds, s->tokens->n_auds, out,
                    not_after_ms, NULL, err);
}

static bool lower_alnum(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9')))
            return false;
    return true;
}

/* A field of a Secret's data, decoded (owned), or NULL. */
static char *secret_field(const json_t *sec, const char *name)
{
    const char *b64 = json_string_value(json_object_get(json_object_get(sec, "data"), name));
    if (!b64)
        return NULL;
    char *out = NULL;
    size_t len = 0;
    c8s_err_t err = C8S_ERR_INIT;
    if (kubeconfig_base64_decode(b64, &out, &len, &err) != 0) {
        c8s_err_clear(&err);
        return NULL;
    }
    if (strlen(out) != len) {
        free(out);
        return NULL;
    }
    return out;
}

int apiserver__token_bootstrap(apiserver_t *s, const char *token, auth_user_t **out,
                               int64_t *not_after_ms, c8s_err_t *err)
{
    if (not_after_ms)
        *not_after_ms = 0;
    if (!s->tokens || !s->tokens->bootstrap)
        return 0;
    /* upstream's shape: [a-z0-9]{6}.[a-z0-9]{16} */
    if (strlen(token) != 23 || token[6] != '.' || !lower_alnum(token, 6) ||
        !lower_alnum(token + 7, 16))
        return 0;
    char id[7];
    memcpy(id, token, 6);
    id[6] = '\0';
    cleanup_free char *name = xasprintf("bootstrap-token-%s", id);
    bool ready;
    wc_obj_t *o = cached(s, "secrets", "kube-system", name, &ready);
    if (!o)
        return c8s_err_set(err, C8S_EUNAUTH, "no bootstrap token with id %s", id);
    cleanup_json json_t *sec = json_loadb(o->json, o->json_len, 0, NULL);
    const char *type = json_string_value(json_object_get(sec, "type"));
    if (!type || strcmp(type, "bootstrap.kubernetes.io/token") != 0 ||
        json_object_get(json_object_get(sec, "metadata"), "deletionTimestamp"))
        return c8s_err_set(err, C8S_EUNAUTH, "bootstrap token %s is not usable", id);
    cleanup_free char *tid = secret_field(sec, "token-id");
    cleanup_free char *tsecret = secret_field(sec, "token-secret");
    cleanup_free char *usage = secret_field(sec, "usage-bootstrap-authentication");
    cleanup_free char *exp = secret_field(sec, "expiration");
    cleanup_free char *extra = secret_field(sec, "auth-extra-groups");
    if (!tid || strcmp(tid, id) != 0 || !tsecret || !ct_equal(tsecret, token + 7))
        return c8s_err_set(err, C8S_EUNAUTH, "bootstrap token %s: wrong secret", id);
    if (!usage || strcmp(usage, "true") != 0)
        return c8s_err_set(err, C8S_EUNAUTH, "bootstrap token %s is not for authentication", id);
    if (exp) {
        int64_t when = 0;
        if (!table_parse_time(exp, &when) || (int64_t)time(NULL) >= when)
            return c8s_err_set(err, C8S_EUNAUTH, "bootstrap token %s has expired", id);
        if (not_after_ms)
            *not_after_ms = when * 1000;
    }
    char user[64];
    snprintf(user, sizeof(user), "system:bootstrap:%s", id);
    const char *g0[] = {"system:bootstrappers"};
    auth_user_t *u = auth_user_new(user, NULL, g0, 1);
    if (extra) {
        char *save = NULL;
        for (char *g = strtok_r(extra, ",", &save); g; g = strtok_r(NULL, ",", &save)) {
            while (*g == ' ')
                g++;
            /* Only groups under system:bootstrappers: may be claimed, as upstream. */
            if (strncmp(g, "system:bootstrappers:", 21) != 0) {
                auth_user_free(u);
                return c8s_err_set(err, C8S_EUNAUTH,
                                   "bootstrap token %s: group %s is not under "
                                   "system:bootstrappers:",
                                   id, g);
            }
            auth_user_add_group(u, g);
        }
    }
    *out = u;
    return 1;
}

/* ---- TokenReview and TokenRequest ---- */

int apiserver__token_review(apiserver_t *s, const char *token, const char *const *auds,
                            size_t n_auds, auth_user_t **out, json_t **matched, c8s_err_t *err)
{
    *out = NULL;
    *matched = NULL;
    apiserver_tokens_t *t = s->tokens;
    if (!t)
        return c8s_err_set(err, C8S_EUNAUTH, "token authentication is not configured");
    const char *const *want = n_auds ? auds : (const char *const *)t->auds;
    size_t n_want = n_auds ? n_auds : t->n_auds;
    int rc = sa_token(s, token, want, n_want, out, NULL, matched, err);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    /* The other authenticators are not audience-aware: they stand for the server's own
     * audiences, so a review for another audience fails, as upstream's wrapper does. */
    json_t *hit = json_array();
    for (size_t i = 0; i < n_want; i++)
        for (size_t j = 0; j < t->n_auds; j++)
            if (strcmp(want[i], t->auds[j]) == 0) {
                json_array_append_new(hit, json_string(want[i]));
                break;
            }
    rc = apiserver__token_static(s, token, out, NULL, err);
    if (rc == 0)
        rc = apiserver__token_bootstrap(s, token, out, NULL, err);
    if (rc > 0 && json_array_size(hit) == 0) {
        auth_user_free(*out);
        *out = NULL;
        json_decref(hit);
        return c8s_err_set(err, C8S_EUNAUTH, "token audiences are invalid");
    }
    if (rc <= 0) {
        json_decref(hit);
        return rc < 0 ? rc : c8s_err_set(err, C8S_EUNAUTH, "invalid bearer token");
    }
    *matched = hit;
    return 0;
}

bool apiserver__tokens_can_sign(apiserver_t *s)
{
    return s->tokens && s->tokens->signer;
}

const char *const *apiserver__api_audiences(apiserver_t *s, size_t *n)
{
    *n = s->tokens ? s->tokens->n_auds : 0;
    return s->tokens ? (const char *const *)s->tokens->auds : NULL;
}

char *apiserver__sa_token_sign(apiserver_t *s, jwt_sa_t *c, c8s_err_t *err)
{
    if (!apiserver__tokens_can_sign(s)) {
        c8s_err_set(err, C8S_EUNAVAILABLE,
                    "the API server has no service account signing key "
                    "(--service-account-signing-key-file): tokens cannot be issued");
        return NULL;
    }
    c->issuer = s->tokens->issuer;
    json_t *claims = jwt_sa_claims(c);
    char *tok = jwt_sign(s->tokens->signer, claims, err);
    json_decref(claims);
    return tok;
}

/* ---- issuer discovery (oidc.c) ---- */

json_t *apiserver__oidc_config(apiserver_t *s)
{
    apiserver_tokens_t *t = s->tokens;
    /* Discovery needs an https issuer and keys to publish, as upstream's. */
    if (!t || t->n_verify == 0 || strncmp(t->issuer, "https://", 8) != 0)
        return NULL;
    cleanup_free char *jwks = xasprintf("%s/openid/v1/jwks", t->issuer);
    return json_pack("{s:s, s:s, s:[s], s:[s], s:[s]}", "issuer", t->issuer, "jwks_uri", jwks,
                     "response_types_supported", "id_token", "subject_types_supported", "public",
                     "id_token_signing_alg_values_supported", "RS256");
}

json_t *apiserver__oidc_jwks(apiserver_t *s)
{
    apiserver_tokens_t *t = s->tokens;
    if (!t || t->n_verify == 0 || strncmp(t->issuer, "https://", 8) != 0)
        return NULL;
    json_t *keys = json_array();
    for (size_t i = 0; i < t->n_verify; i++) {
        json_t *k = jwt_key_jwk(t->verify[i]);
        if (k)
            json_array_append_new(keys, k);
    }
    return json_pack("{s:o}", "keys", keys);
}
