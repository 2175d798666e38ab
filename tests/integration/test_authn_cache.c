/* test_authn_cache.c — the token authentication cache over HTTP against a real etcd, with a TTL
 * of an hour so that only the cache's own rules can end an entry: a token whose ServiceAccount
 * is deleted still works from the cache (upstream's behaviour within the TTL) while TokenReview,
 * which is not cached, already refuses it; an entry never outlives the token's expiry; a refusal
 * is not cached (a bootstrap token works as soon as its Secret exists). The default TTL's
 * refusal after deletion is test_api_tokens.c's. */
#include "c8s/jwt.h"
#include "harness.h"
#include "test.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static th_etcd_t etcd;
static th_server_t srv;
static char dir[256], keyfile[300];

static int write_key(const char *path)
{
    EVP_PKEY *k = EVP_RSA_gen(2048);
    FILE *f = fopen(path, "w");
    int ok = k && f && PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1;
    if (f)
        fclose(f);
    EVP_PKEY_free(k);
    return ok ? 0 : -1;
}

/* A request with token as bearer (NULL: the harness's admin certificate); the answer's JSON
 * (owned) and *status. */
static json_t *call(const char *method, const char *path, const char *token, const char *body,
                    long *status)
{
    char url[512], auth[2200];
    snprintf(url, sizeof url, "%s%s", srv.url, path);
    const char *headers[3] = {"Content-Type: application/json", NULL, NULL};
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        headers[1] = auth;
    }
    th_resp_t resp = {0};
    *status = -1;
    if (th_http_h(method, url, headers, body, &resp) != 0)
        return NULL;
    *status = resp.status;
    json_t *j = resp.body ? json_loads(resp.body, 0, NULL) : NULL;
    th_resp_free(&resp);
    return j;
}

static const char *str(const json_t *j, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const json_t *cur = j;
    for (char *save = NULL, *p = strtok_r(buf, ".", &save); p; p = strtok_r(NULL, ".", &save))
        cur = json_object_get(cur, p);
    return json_string_value(cur);
}

/* The status of a SelfSubjectReview made with token: 201 or 403 when it authenticated (RBAC
 * decides the rest), 401 when not. */
static long whoami(const char *token)
{
    long st;
    json_t *j =
        call("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", token,
             "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"SelfSubjectReview\"}", &st);
    json_decref(j);
    return st;
}

static bool accepted(long st)
{
    return st == 201 || st == 403;
}

/* Polls (up to 60 s) until token authenticates; the last status. */
static long wait_accepted(const char *token)
{
    long st = -1;
    for (int i = 0; i < 600; i++) {
        st = whoami(token);
        if (accepted(st))
            break;
        usleep(100000);
    }
    return st;
}

/* Whether TokenReview (never cached) authenticates token, as the admin. */
static bool reviewed(const char *token)
{
    char body[4096];
    snprintf(body, sizeof body,
             "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\","
             "\"spec\":{\"token\":\"%s\"}}",
             token);
    long st;
    json_t *j = call("POST", "/apis/authentication.k8s.io/v1/tokenreviews", NULL, body, &st);
    bool ok =
        st == 201 && json_is_true(json_object_get(json_object_get(j, "status"), "authenticated"));
    json_decref(j);
    return ok;
}

/* Creates ServiceAccount name in default and waits (up to 60 s) until the watch cache has it;
 * its uid (owned) or NULL. */
static char *make_sa(const char *name)
{
    long st;
    char body[256], path[256];
    snprintf(body, sizeof body, "{\"metadata\":{\"name\":\"%s\"}}", name);
    json_t *j = call("POST", "/api/v1/namespaces/default/serviceaccounts", NULL, body, &st);
    CHECK_INT(st, 201);
    char *uid = str(j, "metadata.uid") ? strdup(str(j, "metadata.uid")) : NULL;
    json_decref(j);
    snprintf(path, sizeof path, "/api/v1/namespaces/default/serviceaccounts/%s?resourceVersion=0",
             name);
    for (int i = 0; i < 600 && uid; i++) {
        json_decref(call("GET", path, NULL, NULL, &st));
        if (st == 200)
            break;
        usleep(100000);
    }
    return uid;
}

/* A ServiceAccount token for default/sa (uid) signed here with the server's key, valid from iat
 * to exp (owned). */
static char *sign(const char *sa, const char *uid, int64_t iat, int64_t exp)
{
    jwt_key_t **keys = NULL;
    size_t n = 0;
    c8s_err_t err = C8S_ERR_INIT;
    if (jwt_keys_load(keyfile, &keys, &n, &err) != 0) {
        c8s_err_clear(&err);
        return NULL;
    }
    const char *aud = JWT_DEFAULT_ISSUER;
    jwt_sa_t c = {.issuer = JWT_DEFAULT_ISSUER,
                  .audiences = &aud,
                  .n_audiences = 1,
                  .iat = iat,
                  .exp = exp,
                  .ns = "default",
                  .sa_name = sa,
                  .sa_uid = uid};
    json_t *claims = jwt_sa_claims(&c);
    char *tok = jwt_sign(keys[0], claims, &err);
    json_decref(claims);
    jwt_keys_free(keys, n);
    c8s_err_clear(&err);
    return tok;
}

/* Within the TTL a deleted account's token is still answered from the cache, as upstream's: the
 * uncached TokenReview shows the server already knows the account is gone. */
static void test_deleted_account_cached(void)
{
    char *uid = make_sa("robot");
    REQUIRE_VOID(uid);
    int64_t now = (int64_t)time(NULL);
    char *tok = sign("robot", uid, now, now + 3600);
    free(uid);
    REQUIRE_VOID(tok);
    CHECK(accepted(wait_accepted(tok)));
    long st;
    json_decref(
        call("DELETE", "/api/v1/namespaces/default/serviceaccounts/robot", NULL, NULL, &st));
    CHECK_INT(st, 200);
    bool gone = false;
    for (int i = 0; i < 600 && !gone; i++) {
        gone = !reviewed(tok);
        if (!gone)
            usleep(100000);
    }
    CHECK_MSG(gone, "TokenReview still accepts the deleted account's token");
    CHECK(accepted(whoami(tok)));
    free(tok);
}

/* A token inside the verifier's leeway after its exp (60 s, as go-jose's) authenticates and is
 * cached; once the leeway is over it is refused although the TTL has most of an hour to go. */
static void test_expiry_ends_entry(void)
{
    char *uid = make_sa("shortlived");
    REQUIRE_VOID(uid);
    int64_t now = (int64_t)time(NULL);
    /* exp 30 s ago: accepted for another 30 s or so. A loaded machine may take longer than that
     * to send the first request; then a fresh one is signed. */
    char *tok = NULL;
    long st = -1;
    for (int attempt = 0; attempt < 5 && !accepted(st); attempt++) {
        free(tok);
        now = (int64_t)time(NULL);
        tok = sign("shortlived", uid, now - 120, now - 30);
        REQUIRE_VOID(tok);
        st = whoami(tok);
    }
    free(uid);
    CHECK_MSG(accepted(st), "a token within the leeway: %ld", st);
    st = -1;
    for (int i = 0; i < 1200 && st != 401; i++) {
        st = whoami(tok);
        if (st != 401)
            usleep(100000);
    }
    CHECK_INT(st, 401);
    free(tok);
}

/* A refusal is not kept: a bootstrap token refused before its Secret exists works once it does
 * (with failures cached for the TTL it would stay refused for an hour). */
static void test_failure_not_cached(void)
{
    const char *tok = "abcdef.0123456789abcdef";
    CHECK_INT(whoami(tok), 401);
    long st;
    /* token-id abcdef, secret 0123456789abcdef, usage-bootstrap-authentication true. */
    json_decref(call("POST", "/api/v1/namespaces/kube-system/secrets", NULL,
                     "{\"metadata\":{\"name\":\"bootstrap-token-abcdef\"},"
                     "\"type\":\"bootstrap.kubernetes.io/token\",\"data\":{"
                     "\"token-id\":\"YWJjZGVm\",\"token-secret\":\"MDEyMzQ1Njc4OWFiY2RlZg==\","
                     "\"usage-bootstrap-authentication\":\"dHJ1ZQ==\"}}",
                     &st));
    CHECK_INT(st, 201);
    CHECK(accepted(wait_accepted(tok)));
    /* A wrong secret for the same id is refused: the entry is the whole token's. */
    CHECK_INT(whoami("abcdef.0123456789abcdee"), 401);
}

/* upstream's authentication_token_cache_request_total: the hits above are counted. */
static void test_metrics(void)
{
    char url[256];
    snprintf(url, sizeof url, "%s/metrics", srv.url);
    th_resp_t resp = {0};
    REQUIRE_VOID(th_http("GET", url, NULL, NULL, &resp) == 0);
    CHECK_INT(resp.status, 200);
    const char *hit = resp.body ? strstr(resp.body, "authentication_token_cache_request_total"
                                                    "{status=\"hit\"} ")
                                : NULL;
    CHECK(hit != NULL);
    if (hit)
        CHECK_MSG(atol(strchr(hit, '}') + 2) >= 1, "%.80s", hit);
    CHECK(resp.body &&
          strstr(resp.body, "authentication_token_cache_request_total{status=\"miss\"}"));
    th_resp_free(&resp);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/c8s-test-authncache-XXXXXX");
    REQUIRE(mkdtemp(dir) != NULL);
    snprintf(keyfile, sizeof keyfile, "%s/sa.key", dir);
    REQUIRE(write_key(keyfile) == 0);
    REQUIRE(th_etcd_start(&etcd) == 0);
    const char *const args[] = {"--disable-scheduler",
                                "--disable-controller-manager",
                                "--service-account-signing-key-file",
                                keyfile,
                                "--enable-bootstrap-token-auth",
                                "--token-success-cache-ttl",
                                "1h",
                                NULL};
    if (th_server_start(&srv, etcd.url, args) != 0) {
        th_server_stop(&srv);
        th_etcd_stop(&etcd);
        th_rmtree(dir);
        REQUIRE(!"server started");
    }
    test_deleted_account_cached();
    test_expiry_ends_entry();
    test_failure_not_cached();
    test_metrics();
    CHECK_INT(th_server_stop(&srv), 0);
    th_etcd_stop(&etcd);
    th_rmtree(dir);
    TEST_END();
}
