/* test_api_tokens.c — token authentication over HTTP against a real etcd: static tokens,
 * TokenRequest and ServiceAccount JWTs (bound, expired, of a deleted account), bootstrap tokens,
 * TokenReview and SelfSubjectReview. */
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
static char dir[256], keyfile[300], tokfile[300];

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

/* A request as bearer token (NULL: none); the answer's JSON (owned) and *status. */
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

static bool has_group(const json_t *user, const char *g)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(user, "groups"), i,
                       v) if (strcmp(json_string_value(v), g) == 0) return true;
    return false;
}

/* SelfSubjectReview as token: the username (owned) or NULL, and *status. */
static char *whoami(const char *token, long *status, json_t **user)
{
    json_t *j = call("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", token,
                     "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"SelfSubjectReview\"}",
                     status);
    const char *name = str(j, "status.userInfo.username");
    char *out = name ? strdup(name) : NULL;
    if (user)
        *user = json_incref(json_object_get(json_object_get(j, "status"), "userInfo"));
    json_decref(j);
    return out;
}

/* TokenReview of token (as the admin: no bearer on plain HTTP). */
static json_t *review(const char *token, const char *audiences)
{
    char body[4096];
    snprintf(body, sizeof body,
             "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\","
             "\"spec\":{\"token\":\"%s\"%s%s}}",
             token, audiences ? ",\"audiences\":" : "", audiences ? audiences : "");
    long st;
    json_t *j = call("POST", "/apis/authentication.k8s.io/v1/tokenreviews", NULL, body, &st);
    CHECK_MSG(st == 201, "tokenreview: %ld", st);
    json_t *s = json_incref(json_object_get(j, "status"));
    json_decref(j);
    return s;
}

/* Waits (up to 60 s) until a request with token gets want. A token that worked stays in the
 * authentication cache for its TTL (10 s, as upstream's) after what it names is deleted. */
static long wait_status(const char *token, long want)
{
    long st = -1;
    for (int i = 0; i < 600; i++) {
        free(whoami(token, &st, NULL));
        if (st == want)
            break;
        usleep(100000);
    }
    return st;
}

/* Authentication reads the watch caches, which follow etcd by a few milliseconds: a token for
 * an object created a moment ago may need that long to be accepted. Waits (up to 5 s) while
 * the answer is 401; returns the last status. */
static long wait_accepted(const char *token)
{
    long st = -1;
    for (int i = 0; i < 50; i++) {
        free(whoami(token, &st, NULL));
        if (st != 401)
            break;
        usleep(100000);
    }
    return st;
}

static char *request_token(const char *sa, const char *body, long *status)
{
    char path[256];
    snprintf(path, sizeof path, "/api/v1/namespaces/default/serviceaccounts/%s/token", sa);
    json_t *j = call("POST", path, NULL, body, status);
    const char *t = str(j, "status.token");
    char *out = t ? strdup(t) : NULL;
    if (*status != 201)
        fprintf(stderr, "token request: %s\n", str(j, "message"));
    json_decref(j);
    return out;
}

static void test_anonymous_and_wrong(void)
{
    long st;
    /* Without a token the harness presents the admin's client certificate (requests with no
     * credentials at all are refused: security_tls.sh). */
    char *who = whoami(NULL, &st, NULL);
    CHECK_INT(st, 201);
    CHECK_STR(who, "kubernetes-admin");
    free(who);
    json_t *j = call("GET", "/api/v1/namespaces", NULL, NULL, &st);
    CHECK_INT(st, 200);
    json_decref(j);
    /* A token nobody recognises → 401, whatever its shape. */
    j = call("GET", "/api/v1/namespaces", "not-a-token", NULL, &st);
    CHECK_INT(st, 401);
    CHECK_STR(str(j, "reason"), "Unauthorized");
    json_decref(j);
    j = call("GET", "/api/v1/namespaces", "aaa.bbb.ccc", NULL, &st);
    CHECK_INT(st, 401);
    json_decref(j);
    /* Health endpoints stay anonymous even with a bad token? upstream authenticates them too;
     * c8s leaves them before authentication. */
    j = call("GET", "/readyz", "not-a-token", NULL, &st);
    CHECK_INT(st, 200);
    json_decref(j);
}

static void test_static(void)
{
    long st;
    json_t *user = NULL;
    /* Until RBAC's default roles land (system:basic-user lets every authenticated user ask
     * SelfSubjectReview), only system:masters is authorized: a member sees itself... */
    char *who = whoami("root-token", &st, &user);
    CHECK_INT(st, 201);
    CHECK_STR(who, "root");
    CHECK(has_group(user, "system:masters"));
    CHECK(has_group(user, "system:authenticated"));
    free(who);
    json_decref(user);
    /* ...and another user is authenticated (403, not 401); TokenReview says who. */
    free(whoami("s3cret-alice", &st, NULL));
    CHECK(st == 403 || st == 201);
    json_t *s = review("s3cret-alice", NULL);
    CHECK(json_is_true(json_object_get(s, "authenticated")));
    CHECK_STR(str(s, "user.username"), "alice");
    CHECK_STR(str(s, "user.uid"), "1001");
    CHECK(has_group(json_object_get(s, "user"), "dev"));
    CHECK(has_group(json_object_get(s, "user"), "ops"));
    CHECK(has_group(json_object_get(s, "user"), "system:authenticated"));
    json_decref(s);
    /* Not audience-aware: only the server's own audiences. */
    s = review("s3cret-alice", "[\"vault\"]");
    CHECK(!json_is_true(json_object_get(s, "authenticated")));
    CHECK(str(s, "error") != NULL);
    json_decref(s);
    s = review("wrong", NULL);
    CHECK(!json_is_true(json_object_get(s, "authenticated")));
    json_decref(s);
    json_t *j =
        call("POST", "/apis/authentication.k8s.io/v1/tokenreviews", NULL, "{\"spec\":{}}", &st);
    CHECK_INT(st, 400);
    json_decref(j);
}

static char *sa_uid;

static void test_token_request(void)
{
    long st;
    json_t *j = call("POST", "/api/v1/namespaces/default/serviceaccounts", NULL,
                     "{\"metadata\":{\"name\":\"robot\"}}", &st);
    CHECK_INT(st, 201);
    sa_uid = str(j, "metadata.uid") ? strdup(str(j, "metadata.uid")) : NULL;
    json_decref(j);
    REQUIRE_VOID(sa_uid);
    /* ServiceAccount admission and token authentication read the watch cache: wait until it
     * has the account (resourceVersion=0 reads the cache). */
    for (int i = 0; i < 50; i++) {
        j = call("GET", "/api/v1/namespaces/default/serviceaccounts/robot?resourceVersion=0", NULL,
                 NULL, &st);
        json_decref(j);
        if (st == 200)
            break;
        usleep(100000);
    }

    /* Validation and absent accounts. */
    char *t = request_token("robot", "{\"spec\":{\"expirationSeconds\":100}}", &st);
    CHECK_INT(st, 422);
    free(t);
    t = request_token("nobody", "{}", &st);
    CHECK_INT(st, 404);
    free(t);
    t = request_token("robot", "{\"spec\":{\"boundObjectRef\":{\"kind\":\"Node\",\"name\":\"x\"}}}",
                      &st);
    CHECK_INT(st, 422);
    free(t);

    /* A plain token: the ServiceAccount's user. */
    j = call("POST", "/api/v1/namespaces/default/serviceaccounts/robot/token", NULL,
             "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\"}", &st);
    CHECK_INT(st, 201);
    CHECK_STR(str(j, "kind"), "TokenRequest");
    CHECK_INT(json_integer_value(json_object_get(json_object_get(j, "spec"), "expirationSeconds")),
              3600);
    CHECK(str(j, "status.expirationTimestamp") != NULL);
    char *tok = str(j, "status.token") ? strdup(str(j, "status.token")) : NULL;
    json_decref(j);
    REQUIRE_VOID(tok);
    st = wait_accepted(tok);
    CHECK(st == 403 || st == 201); /* authenticated (authorization is RBAC's) */
    json_t *s = review(tok, NULL);
    CHECK(json_is_true(json_object_get(s, "authenticated")));
    CHECK_STR(str(s, "user.username"), "system:serviceaccount:default:robot");
    CHECK_STR(str(s, "user.uid"), sa_uid);
    CHECK(has_group(json_object_get(s, "user"), "system:serviceaccounts"));
    CHECK(has_group(json_object_get(s, "user"), "system:serviceaccounts:default"));
    CHECK(has_group(json_object_get(s, "user"), "system:authenticated"));
    CHECK_STR(json_string_value(json_array_get(json_object_get(s, "audiences"), 0)),
              JWT_DEFAULT_ISSUER);
    json_decref(s);
    /* Another audience: the token is not for it. */
    s = review(tok, "[\"vault\"]");
    CHECK(!json_is_true(json_object_get(s, "authenticated")));
    json_decref(s);
    t = request_token("robot", "{\"spec\":{\"audiences\":[\"vault\"]}}", &st);
    CHECK_INT(st, 201);
    if (t) {
        s = review(t, "[\"vault\"]");
        CHECK(json_is_true(json_object_get(s, "authenticated")));
        json_decref(s);
        /* ...and not for the API server. */
        free(whoami(t, &st, NULL));
        CHECK_INT(st, 401);
    }
    free(t);
    /* A tampered token is refused. */
    tok[strlen(tok) - 3] = tok[strlen(tok) - 3] == 'A' ? 'B' : 'A';
    free(whoami(tok, &st, NULL));
    CHECK_INT(st, 401);
    free(tok);
}

/* ServiceAccount admission (on: the server has a signing key). */
/* Issuer discovery: the configuration names the issuer and the key set holds the key whose id a
 * token's header carries. */
static void test_discovery(void)
{
    long st;
    json_t *cfg = call("GET", "/.well-known/openid-configuration", NULL, NULL, &st);
    CHECK_INT(st, 200);
    CHECK_STR(str(cfg, "issuer"), JWT_DEFAULT_ISSUER);
    CHECK_STR(str(cfg, "jwks_uri"), JWT_DEFAULT_ISSUER "/openid/v1/jwks");
    json_decref(cfg);
    json_t *jwks = call("GET", "/openid/v1/jwks", NULL, NULL, &st);
    CHECK_INT(st, 200);
    json_t *key = json_array_get(json_object_get(jwks, "keys"), 0);
    CHECK_STR(str(key, "kty"), "RSA");
    CHECK_STR(str(key, "alg"), "RS256");
    char *tok = request_token("robot", "{}", &st);
    CHECK_INT(st, 201);
    if (tok) {
        size_t n = 0;
        unsigned char *h = jwt_b64url_decode(tok, (size_t)(strchr(tok, '.') - tok), &n);
        json_t *hdr = h ? json_loadb((const char *)h, n, 0, NULL) : NULL;
        CHECK_STR(str(hdr, "kid"), str(key, "kid"));
        CHECK_STR(str(hdr, "alg"), "RS256");
        json_decref(hdr);
        free(h);
    }
    free(tok);
    json_decref(jwks);
}

static void test_admission(void)
{
    long st;
    json_t *j = call("POST", "/api/v1/namespaces/default/pods", NULL,
                     "{\"metadata\":{\"name\":\"nosa\"},\"spec\":{\"serviceAccountName\":\"ghost\","
                     "\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}",
                     &st);
    CHECK_INT(st, 403);
    CHECK_STR(str(j, "message"), "pods \"nosa\" is forbidden: error looking up service account "
                                 "default/ghost: serviceaccount \"ghost\" not found");
    json_decref(j);
    j = call("POST", "/api/v1/namespaces/default/pods", NULL,
             "{\"metadata\":{\"name\":\"mounted\"},\"spec\":{\"serviceAccountName\":\"robot\","
             "\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}",
             &st);
    CHECK_INT(st, 201);
    json_t *spec = json_object_get(j, "spec");
    const char *vol = json_string_value(
        json_object_get(json_array_get(json_object_get(spec, "volumes"), 0), "name"));
    CHECK_MSG(vol && strncmp(vol, "kube-api-access-", 16) == 0 && strlen(vol) == 21, "volume %s",
              vol);
    json_t *m = json_array_get(
        json_object_get(json_array_get(json_object_get(spec, "containers"), 0), "volumeMounts"), 0);
    CHECK_STR(json_string_value(json_object_get(m, "mountPath")),
              "/var/run/secrets/kubernetes.io/serviceaccount");
    CHECK(json_is_true(json_object_get(m, "readOnly")));
    json_decref(j);
    /* Without a name: "default", which does not exist here (no controller-manager). */
    j = call("POST", "/api/v1/namespaces/default/pods", NULL,
             "{\"metadata\":{\"name\":\"dflt\"},\"spec\":{"
             "\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}",
             &st);
    CHECK_INT(st, 403);
    json_decref(j);
    /* A mirror pod is left alone. */
    j = call("POST", "/api/v1/namespaces/default/pods", NULL,
             "{\"metadata\":{\"name\":\"mirror\",\"annotations\":{\"kubernetes.io/config.mirror\":"
             "\"x\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}",
             &st);
    CHECK_INT(st, 201);
    CHECK(json_object_get(json_object_get(j, "spec"), "volumes") == NULL);
    json_decref(j);
}

static void test_bound_pod(void)
{
    long st;
    json_t *j = call("POST", "/api/v1/namespaces/default/pods", NULL,
                     "{\"metadata\":{\"name\":\"p1\"},\"spec\":{\"serviceAccountName\":\"robot\","
                     "\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}",
                     &st);
    CHECK_INT(st, 201);
    char uid[64] = "";
    if (str(j, "metadata.uid"))
        snprintf(uid, sizeof uid, "%s", str(j, "metadata.uid"));
    json_decref(j);
    char body[512];
    snprintf(body, sizeof body,
             "{\"spec\":{\"boundObjectRef\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\","
             "\"name\":\"p1\",\"uid\":\"%s\"}}}",
             "00000000-0000-0000-0000-000000000000");
    char *t = request_token("robot", body, &st);
    CHECK_INT(st, 409);
    free(t);
    snprintf(body, sizeof body,
             "{\"spec\":{\"boundObjectRef\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\","
             "\"name\":\"p1\",\"uid\":\"%s\"}}}",
             uid);
    t = request_token("robot", body, &st);
    CHECK_INT(st, 201);
    REQUIRE_VOID(t);
    st = wait_accepted(t);
    CHECK(st == 403 || st == 201);
    json_t *user = review(t, NULL);
    json_t *extra = json_object_get(json_object_get(user, "user"), "extra");
    CHECK_STR(json_string_value(json_array_get(
                  json_object_get(extra, "authentication.kubernetes.io/pod-name"), 0)),
              "p1");
    CHECK_STR(json_string_value(json_array_get(
                  json_object_get(extra, "authentication.kubernetes.io/pod-uid"), 0)),
              uid);
    json_decref(user);
    /* The pod goes: so does the token, once the cache's entry expires. */
    j = call("DELETE", "/api/v1/namespaces/default/pods/p1?gracePeriodSeconds=0", NULL, NULL, &st);
    CHECK_MSG(st == 200 || st == 202, "delete pod: %ld", st);
    json_decref(j);
    CHECK_INT(wait_status(t, 401), 401);
    free(t);
}

/* A token signed here with the server's key: exp in the past → refused; a fresh one → accepted
 * (so the refusal is the expiry's). */
static void test_expired(void)
{
    jwt_key_t **keys = NULL;
    size_t n = 0;
    c8s_err_t err = C8S_ERR_INIT;
    REQUIRE_VOID(jwt_keys_load(keyfile, &keys, &n, &err) == 0 && n == 1);
    int64_t now = (int64_t)time(NULL);
    const char *aud = JWT_DEFAULT_ISSUER;
    jwt_sa_t c = {.issuer = JWT_DEFAULT_ISSUER,
                  .audiences = &aud,
                  .n_audiences = 1,
                  .iat = now - 7200,
                  .exp = now - 3600,
                  .ns = "default",
                  .sa_name = "robot",
                  .sa_uid = sa_uid};
    json_t *claims = jwt_sa_claims(&c);
    char *old = jwt_sign(keys[0], claims, &err);
    json_decref(claims);
    c.iat = now;
    c.exp = now + 600;
    claims = jwt_sa_claims(&c);
    char *fresh = jwt_sign(keys[0], claims, &err);
    json_decref(claims);
    /* ...and one for a uid the account never had. */
    c.sa_uid = "11111111-2222-3333-4444-555555555555";
    claims = jwt_sa_claims(&c);
    char *other = jwt_sign(keys[0], claims, &err);
    json_decref(claims);
    jwt_keys_free(keys, n);
    REQUIRE_VOID(old && fresh && other);
    long st;
    free(whoami(old, &st, NULL));
    CHECK_INT(st, 401);
    json_t *s = review(old, NULL);
    CHECK_STR(str(s, "error"), "service account token has expired");
    json_decref(s);
    free(whoami(fresh, &st, NULL));
    CHECK(st == 403 || st == 201);
    s = review(fresh, NULL);
    CHECK_STR(str(s, "user.username"), "system:serviceaccount:default:robot");
    json_decref(s);
    free(whoami(other, &st, NULL));
    CHECK_INT(st, 401);
    /* The account is deleted: its tokens stop working (within the cache's TTL). */
    json_t *j = call("DELETE", "/api/v1/namespaces/default/serviceaccounts/robot", NULL, NULL, &st);
    CHECK_INT(st, 200);
    json_decref(j);
    CHECK_INT(wait_status(fresh, 401), 401);
    free(old);
    free(fresh);
    free(other);
}

static void test_bootstrap(void)
{
    long st;
    /* token-id abcdef, secret 0123456789abcdef; base64 of each field. */
    json_t *j = call("POST", "/api/v1/namespaces/kube-system/secrets", NULL,
                     "{\"metadata\":{\"name\":\"bootstrap-token-abcdef\"},"
                     "\"type\":\"bootstrap.kubernetes.io/token\",\"data\":{"
                     "\"token-id\":\"YWJjZGVm\",\"token-secret\":\"MDEyMzQ1Njc4OWFiY2RlZg==\","
                     "\"usage-bootstrap-authentication\":\"dHJ1ZQ==\","
                     "\"auth-extra-groups\":"
                     "\"c3lzdGVtOmJvb3RzdHJhcHBlcnM6a3ViZWFkbTpkZWZhdWx0LW5vZGUtdG9rZW4=\"}}",
                     &st);
    CHECK_INT(st, 201);
    json_decref(j);
    json_t *s = NULL;
    for (int i = 0; i < 50; i++) {
        json_decref(s);
        s = review("abcdef.0123456789abcdef", NULL);
        if (json_is_true(json_object_get(s, "authenticated")))
            break;
        usleep(100000);
    }
    CHECK_STR(str(s, "user.username"), "system:bootstrap:abcdef");
    CHECK(has_group(json_object_get(s, "user"), "system:bootstrappers"));
    CHECK(has_group(json_object_get(s, "user"), "system:bootstrappers:kubeadm:default-node-token"));
    json_decref(s);
    free(whoami("abcdef.0123456789abcdef", &st, NULL));
    CHECK(st == 403 || st == 201);
    free(whoami("abcdef.0123456789abcdee", &st, NULL));
    CHECK_INT(st, 401);
    free(whoami("zzzzzz.0123456789abcdef", &st, NULL));
    CHECK_INT(st, 401);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/c8s-test-tokens-XXXXXX");
    REQUIRE(mkdtemp(dir) != NULL);
    snprintf(keyfile, sizeof keyfile, "%s/sa.key", dir);
    snprintf(tokfile, sizeof tokfile, "%s/tokens.csv", dir);
    REQUIRE(write_key(keyfile) == 0);
    FILE *f = fopen(tokfile, "w");
    REQUIRE(f);
    fprintf(f, "s3cret-alice,alice,1001,\"dev,ops\"\nbobtoken,bob,1002\nroot-token,root,0,system:"
               "masters\n");
    fclose(f);
    REQUIRE(th_etcd_start(&etcd) == 0);
    const char *const args[] = {"--disable-scheduler",
                                "--disable-controller-manager",
                                "--disable-admission-plugins=", /* ServiceAccount admission on */
                                "--service-account-signing-key-file",
                                keyfile,
                                "--token-auth-file",
                                tokfile,
                                "--enable-bootstrap-token-auth",
                                NULL};
    if (th_server_start(&srv, etcd.url, args) != 0) {
        th_server_stop(&srv);
        th_etcd_stop(&etcd);
        th_rmtree(dir);
        REQUIRE(!"server started");
    }
    test_anonymous_and_wrong();
    test_static();
    test_token_request();
    test_discovery();
    test_admission();
    test_bound_pod();
    test_expired();
    test_bootstrap();
    free(sa_uid);
    CHECK_INT(th_server_stop(&srv), 0);
    th_etcd_stop(&etcd);
    th_rmtree(dir);
    TEST_END();
}
