/* test_image.c — the image store's pure parts: references, digests, manifests and indexes,
 * WWW-Authenticate challenges, dockerconfigjson credentials, layer entry classification
 * (whiteouts, escapes) and the image GC decision. */
#include "c8s/image.h"
#include "test.h"

#define HEX_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEX_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HEX_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define DG_A  "sha256:" HEX_A
#define DG_B  "sha256:" HEX_B
#define DG_C  "sha256:" HEX_C

static const struct {
    const char *in;
    const char *domain, *path, *tag, *digest, *canon, *host;
} ref_ok[] = {
    {"busybox", "docker.io", "library/busybox", "latest", NULL, "docker.io/library/busybox:latest",
     "registry-1.docker.io"},
    {"busybox:1.36", "docker.io", "library/busybox", "1.36", NULL, "docker.io/library/busybox:1.36",
     "registry-1.docker.io"},
    {"library/busybox", "docker.io", "library/busybox", "latest", NULL,
     "docker.io/library/busybox:latest", "registry-1.docker.io"},
    {"bitnami/redis:7", "docker.io", "bitnami/redis", "7", NULL, "docker.io/bitnami/redis:7",
     "registry-1.docker.io"},
    {"docker.io/busybox", "docker.io", "library/busybox", "latest", NULL,
     "docker.io/library/busybox:latest", "registry-1.docker.io"},
    {"index.docker.io/library/busybox:x", "docker.io", "library/busybox", "x", NULL,
     "docker.io/library/busybox:x", "registry-1.docker.io"},
    {"127.0.0.1:5000/x/y:tag", "127.0.0.1:5000", "x/y", "tag", NULL, "127.0.0.1:5000/x/y:tag",
     "127.0.0.1:5000"},
    {"localhost/app", "localhost", "app", "latest", NULL, "localhost/app:latest", "localhost"},
    {"localhost:5000/app", "localhost:5000", "app", "latest", NULL, "localhost:5000/app:latest",
     "localhost:5000"},
    {"registry.k8s.io/pause:3.9", "registry.k8s.io", "pause", "3.9", NULL,
     "registry.k8s.io/pause:3.9", "registry.k8s.io"},
    {"quay.io/a/b/c:v1.2_3-x", "quay.io", "a/b/c", "v1.2_3-x", NULL, "quay.io/a/b/c:v1.2_3-x",
     "quay.io"},
    {"busybox@" DG_A, "docker.io", "library/busybox", NULL, DG_A, "docker.io/library/busybox@" DG_A,
     "registry-1.docker.io"},
    {"host:1/x:t@" DG_B, "host:1", "x", "t", DG_B, "host:1/x:t@" DG_B, "host:1"},
    {"my-app_1.x__y", "docker.io", "library/my-app_1.x__y", "latest", NULL,
     "docker.io/library/my-app_1.x__y:latest", "registry-1.docker.io"},
};

static const char *const ref_bad[] = {
    "",
    "Busybox",
    "busybox:",
    "busybox:-tag",
    "busybox@sha256:abc",
    "busybox@md5:" HEX_A,
    "a//b",
    "/busybox",
    "busybox/",
    "-x",
    "x-",
    "a..b",
    "host:5000/x:t:u",
    "busybox@" DG_A "@" DG_B,
};

static void test_refs(void)
{
    for (size_t i = 0; i < C8S_ARRAY_SIZE(ref_ok); i++) {
        image_ref_t r;
        c8s_err_t err = C8S_ERR_INIT;
        int rc = image_ref_parse(ref_ok[i].in, &r, &err);
        CHECK_MSG(rc == 0, "%s: %s", ref_ok[i].in, err.msg);
        if (rc == 0) {
            CHECK_STR(r.domain, ref_ok[i].domain);
            CHECK_STR(r.path, ref_ok[i].path);
            if (ref_ok[i].tag)
                CHECK_STR(r.tag, ref_ok[i].tag);
            else
                CHECK(r.tag == NULL);
            if (ref_ok[i].digest)
                CHECK_STR(r.digest, ref_ok[i].digest);
            else
                CHECK(r.digest == NULL);
            char *s = image_ref_string(&r);
            CHECK_STR(s, ref_ok[i].canon);
            free(s);
            CHECK_STR(image_ref_host(&r), ref_ok[i].host);
            /* The canonical form parses to itself. */
            image_ref_t r2;
            CHECK(image_ref_parse(ref_ok[i].canon, &r2, &err) == 0);
            s = image_ref_string(&r2);
            CHECK_STR(s, ref_ok[i].canon);
            free(s);
            image_ref_free(&r2);
        }
        image_ref_free(&r);
        c8s_err_clear(&err);
    }
    for (size_t i = 0; i < C8S_ARRAY_SIZE(ref_bad); i++) {
        image_ref_t r;
        c8s_err_t err = C8S_ERR_INIT;
        CHECK_MSG(image_ref_parse(ref_bad[i], &r, &err) == C8S_EINVALID, "accepted \"%s\"",
                  ref_bad[i]);
        CHECK(r.domain == NULL && r.path == NULL && r.tag == NULL && r.digest == NULL);
        c8s_err_clear(&err);
    }
    image_ref_t r;
    c8s_err_t err = C8S_ERR_INIT;
    CHECK(image_ref_parse("x/y:z", &r, &err) == 0);
    char *repo = image_ref_repo(&r);
    CHECK_STR(repo, "docker.io/x/y");
    free(repo);
    image_ref_free(&r);
}

static void test_digests(void)
{
    CHECK(image_digest_valid(DG_A));
    CHECK(!image_digest_valid("sha256:" HEX_A "a"));
    CHECK(!image_digest_valid(
        "sha256:AAAAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    CHECK(!image_digest_valid("sha512:" HEX_A));
    CHECK(!image_digest_valid(NULL));
    /* Known answers: sha256("") and sha256("abc"). */
    char *d = image_digest_of("", 0);
    CHECK_STR(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    free(d);
    d = image_digest_of("abc", 3);
    CHECK_STR(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    c8s_err_t err = C8S_ERR_INIT;
    CHECK(image_digest_verify(d, "abc", 3, &err) == 0);
    CHECK(image_digest_verify(d, "abd", 3, &err) == C8S_EINVALID);
    CHECK(strstr(err.msg, "digest mismatch") != NULL);
    c8s_err_clear(&err);
    CHECK(image_digest_verify("sha256:abc", "abc", 3, &err) == C8S_EINVALID);
    c8s_err_clear(&err);
    free(d);
}

static json_t *load(const char *s)
{
    json_error_t je;
    json_t *j = json_loads(s, 0, &je);
    if (!j)
        fprintf(stderr, "bad test JSON: %s\n", je.text);
    return j;
}

static void test_documents(void)
{
    json_t *idx = load("{\"schemaVersion\":2,\"mediaType\":\"" IMAGE_MT_OCI_INDEX "\","
                       "\"manifests\":["
                       "{\"digest\":\"" DG_A "\",\"platform\":{\"os\":\"linux\","
                       "\"architecture\":\"arm64\",\"variant\":\"v8\"}},"
                       "{\"digest\":\"" DG_C "\",\"platform\":{\"os\":\"unknown\","
                       "\"architecture\":\"unknown\"}},"
                       "{\"digest\":\"" DG_B "\",\"platform\":{\"os\":\"linux\","
                       "\"architecture\":\"amd64\"}},"
                       "{\"digest\":\"" DG_C "\",\"platform\":{\"os\":\"windows\","
                       "\"architecture\":\"amd64\"}}]}");
    REQUIRE_VOID(idx);
    CHECK_INT(image_doc_kind(idx, NULL), IMAGE_DOC_INDEX);
    char *d = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    CHECK(image_index_select(idx, "linux", "amd64", &d, &err) == 0);
    CHECK_STR(d, DG_B);
    free(d);
    CHECK(image_index_select(idx, "linux", "arm64", &d, &err) == 0);
    CHECK_STR(d, DG_A);
    free(d);
    CHECK(image_index_select(idx, "linux", "s390x", &d, &err) == C8S_ENOTFOUND);
    CHECK(d == NULL);
    CHECK(strstr(err.msg, "linux/arm64/v8") && strstr(err.msg, "windows/amd64"));
    c8s_err_clear(&err);
    json_decref(idx);

    /* A Docker manifest list recognised by Content-Type alone, and by shape alone. */
    json_t *list = load("{\"schemaVersion\":2,\"manifests\":[]}");
    CHECK_INT(image_doc_kind(list, IMAGE_MT_DOCKER_LIST "; charset=utf-8"), IMAGE_DOC_INDEX);
    CHECK_INT(image_doc_kind(list, NULL), IMAGE_DOC_INDEX);
    CHECK(image_index_select(list, "linux", "amd64", &d, &err) == C8S_ENOTFOUND);
    c8s_err_clear(&err);
    json_decref(list);

    json_t *m =
        load("{\"schemaVersion\":2,\"mediaType\":\"" IMAGE_MT_DOCKER_MANIFEST "\","
             "\"config\":{\"mediaType\":\"" IMAGE_MT_DOCKER_CONFIG "\",\"digest\":\"" DG_A
             "\",\"size\":7},\"layers\":["
             "{\"mediaType\":\"" IMAGE_MT_DOCKER_LAYER "\",\"digest\":\"" DG_B "\",\"size\":100},"
             "{\"mediaType\":\"" IMAGE_MT_OCI_LAYER "\",\"digest\":\"" DG_C "\",\"size\":5}]}");
    CHECK_INT(image_doc_kind(m, NULL), IMAGE_DOC_MANIFEST);
    image_manifest_t mf;
    CHECK(image_manifest_parse(m, &mf, &err) == 0);
    CHECK_STR(mf.config.digest, DG_A);
    CHECK_INT(mf.config.size, 7);
    CHECK_INT(mf.n_layers, 2);
    if (mf.n_layers == 2) {
        CHECK_STR(mf.layers[0].digest, DG_B);
        CHECK_STR(mf.layers[1].media_type, IMAGE_MT_OCI_LAYER);
    }
    image_manifest_free(&mf);
    json_decref(m);

    static const char *const bad[] = {
        "{\"schemaVersion\":1,\"fsLayers\":[]}",
        "{\"schemaVersion\":2,\"layers\":[]}",
        "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:x\"},\"layers\":[]}",
        "{\"schemaVersion\":2,\"config\":{\"digest\":\"" DG_A "\"},\"layers\":[{\"digest\":1}]}",
        "{\"schemaVersion\":2,\"config\":{\"digest\":\"" DG_A "\",\"size\":-1},\"layers\":[]}",
    };
    for (size_t i = 0; i < C8S_ARRAY_SIZE(bad); i++) {
        json_t *j = load(bad[i]);
        CHECK_MSG(image_manifest_parse(j, &mf, &err) == C8S_EINVALID, "accepted %s", bad[i]);
        CHECK(mf.layers == NULL && mf.config.digest == NULL);
        c8s_err_clear(&err);
        json_decref(j);
    }
    json_t *unknown = load("{\"hello\":1}");
    CHECK_INT(image_doc_kind(unknown, "text/plain"), IMAGE_DOC_UNKNOWN);
    json_decref(unknown);
}

static void test_challenges(void)
{
    c8s_err_t err = C8S_ERR_INIT;
    image_auth_challenge_t c;
    CHECK(image_auth_parse_challenge(
              "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
              "scope=\"repository:library/busybox:pull\"",
              &c, &err) == 0);
    CHECK_STR(c.scheme, "Bearer");
    CHECK_STR(c.realm, "https://auth.docker.io/token");
    CHECK_STR(c.service, "registry.docker.io");
    CHECK_STR(c.scope, "repository:library/busybox:pull");
    image_auth_challenge_free(&c);

    /* Any order, spaces, unknown and unquoted parameters, escapes, no scope. */
    CHECK(image_auth_parse_challenge("  Bearer error=\"invalid_token\", service=reg,"
                                     " realm=\"http://h/t?a=\\\"b\\\"\"",
                                     &c, &err) == 0);
    CHECK_STR(c.realm, "http://h/t?a=\"b\"");
    CHECK_STR(c.service, "reg");
    CHECK(c.scope == NULL);
    image_auth_challenge_free(&c);

    CHECK(image_auth_parse_challenge("Basic realm=\"Registry Realm\"", &c, &err) == 0);
    CHECK_STR(c.scheme, "Basic");
    CHECK_STR(c.realm, "Registry Realm");
    image_auth_challenge_free(&c);

    static const char *const bad[] = {"", "Bearer realm=\"unterminated", "Bearer realm", NULL};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(bad); i++) {
        CHECK_MSG(image_auth_parse_challenge(bad[i], &c, &err) == C8S_EINVALID, "accepted %s",
                  bad[i] ? bad[i] : "NULL");
        CHECK(c.scheme == NULL && c.realm == NULL);
        c8s_err_clear(&err);
    }
}

static void test_dockerconfig(void)
{
    /* "dXNlcjpwYTpzcw==" is base64("user:pa:ss"): the password may hold ':'. */
    json_t *cfg = load("{\"auths\":{"
                       "\"https://index.docker.io/v1/\":{\"auth\":\"dXNlcjpwYTpzcw==\"},"
                       "\"127.0.0.1:5000\":{\"username\":\"u\",\"password\":\"p\"},"
                       "\"http://bad.example/v2/\":{\"auth\":\"!!!!\"},"
                       "\"empty.example\":{}}}");
    char *u = NULL, *p = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    CHECK(image_auth_from_dockerconfig(cfg, "docker.io", &u, &p, &err) == 0);
    CHECK_STR(u, "user");
    CHECK_STR(p, "pa:ss");
    free(u);
    free(p);
    CHECK(image_auth_from_dockerconfig(cfg, "127.0.0.1:5000", &u, &p, &err) == 0);
    CHECK_STR(u, "u");
    CHECK_STR(p, "p");
    free(u);
    free(p);
    CHECK(image_auth_from_dockerconfig(cfg, "quay.io", &u, &p, &err) == C8S_ENOTFOUND);
    c8s_err_clear(&err);
    CHECK(image_auth_from_dockerconfig(cfg, "bad.example", &u, &p, &err) == C8S_EINVALID);
    c8s_err_clear(&err);
    CHECK(image_auth_from_dockerconfig(cfg, "empty.example", &u, &p, &err) == C8S_EINVALID);
    CHECK(u == NULL && p == NULL);
    c8s_err_clear(&err);
    json_decref(cfg);
}

static const struct {
    const char *in;
    int rc;
    image_entry_kind_t kind;
    const char *rel;
} entries[] = {
    {"bin/busybox", 0, IMAGE_ENTRY_FILE, "bin/busybox"},
    {"./bin/busybox", 0, IMAGE_ENTRY_FILE, "bin/busybox"},
    {"/etc//passwd", 0, IMAGE_ENTRY_FILE, "etc/passwd"},
    {"etc/./x/", 0, IMAGE_ENTRY_FILE, "etc/x"},
    {"./", 0, IMAGE_ENTRY_ROOT, ""},
    {"/", 0, IMAGE_ENTRY_ROOT, ""},
    {"etc/.wh.removed", 0, IMAGE_ENTRY_WHITEOUT, "etc/removed"},
    {"./.wh.top", 0, IMAGE_ENTRY_WHITEOUT, "top"},
    {"etc/.wh..hidden", 0, IMAGE_ENTRY_WHITEOUT, "etc/.hidden"},
    {"etc/opaque/.wh..wh..opq", 0, IMAGE_ENTRY_OPAQUE, "etc/opaque"},
    {".wh..wh..opq", 0, IMAGE_ENTRY_OPAQUE, ""},
    {"etc/.whx", 0, IMAGE_ENTRY_FILE, "etc/.whx"},
    {"etc/x.wh.y", 0, IMAGE_ENTRY_FILE, "etc/x.wh.y"},
    {"../escape", C8S_EINVALID, 0, NULL},
    {"a/../../b", C8S_EINVALID, 0, NULL},
    {"a/..", C8S_EINVALID, 0, NULL},
    {"etc/.wh.", C8S_EINVALID, 0, NULL},
    {"etc/.wh..", C8S_EINVALID, 0, NULL},
    {"etc/.wh...", C8S_EINVALID, 0, NULL},
    {"etc/.wh..wh.x", C8S_EINVALID, 0, NULL},
};

static void test_layer_entries(void)
{
    for (size_t i = 0; i < C8S_ARRAY_SIZE(entries); i++) {
        image_entry_kind_t k = 99;
        char *rel = (char *)"unset";
        c8s_err_t err = C8S_ERR_INIT;
        int rc = image_layer_entry(entries[i].in, &k, &rel, &err);
        CHECK_MSG(rc == entries[i].rc, "%s: rc %d", entries[i].in, rc);
        if (rc == 0) {
            CHECK_MSG(k == entries[i].kind, "%s: kind %d", entries[i].in, (int)k);
            CHECK_STR(rel, entries[i].rel);
        } else {
            CHECK(rel == NULL);
        }
        free(rc == 0 ? rel : NULL);
        c8s_err_clear(&err);
    }
}

static void test_gc(void)
{
    image_gc_item_t items[] = {
        /* id, size, last used, created, in use */
        {"a", 300, 100, 10, false}, /* least recently used */
        {"b", 500, 400, 10, false},
        {"c", 200, 50, 10, true},   /* used longer ago still, but in use */
        {"d", 100, 400, 10, false}, /* used when b was, smaller: after b */
        {"e", 50, 900, 900, false}, /* most recently used, and the youngest */
    };
    size_t pick[5];
    /* 1000 capacity, 900 used = 90% ≥ 85%: free 900 − 800 = 100 → the oldest unused only. */
    CHECK_INT(image_gc_plan(items, 5, 1000, 900, 85, 80, 10000, 0, pick), 1);
    CHECK_INT(pick[0], 0);
    /* Free 900 − 100 = 800: a (300), b (500) — LRU order, skipping c. */
    size_t k = image_gc_plan(items, 5, 1000, 900, 85, 10, 10000, 0, pick);
    CHECK_INT(k, 2);
    CHECK_INT(pick[0], 0);
    CHECK_INT(pick[1], 1);
    /* Free 900: a, b, d (900) — enough; e stays. */
    k = image_gc_plan(items, 5, 1000, 900, 85, 0, 10000, 0, pick);
    CHECK_INT(k, 3);
    CHECK_INT(pick[2], 3);
    /* Free 950: a, b, d, then e — everything unused, never c. */
    k = image_gc_plan(items, 5, 1000, 950, 85, 0, 10000, 0, pick);
    CHECK_INT(k, 4);
    CHECK_INT(pick[3], 4);
    /* Under the high threshold: nothing, even far above low. */
    CHECK_INT(image_gc_plan(items, 5, 1000, 849, 85, 10, 10000, 0, pick), 0);
    /* Exactly at the threshold counts. */
    CHECK_INT(image_gc_plan(items, 5, 1000, 850, 85, 80, 10000, 0, pick), 1);
    /* Bad thresholds and an empty disk decide nothing. */
    CHECK_INT(image_gc_plan(items, 5, 1000, 999, 80, 85, 10000, 0, pick), 0);
    CHECK_INT(image_gc_plan(items, 5, 1000, 999, 101, 85, 10000, 0, pick), 0);
    CHECK_INT(image_gc_plan(items, 5, 0, 0, 85, 80, 10000, 0, pick), 0);
    CHECK_INT(image_gc_plan(NULL, 0, 1000, 999, 85, 80, 10000, 0, pick), 0);
    /* Minimum age: at now = 1000 with 200 s, e (got at 900) is too young to go; a, b, d may. */
    k = image_gc_plan(items, 5, 1000, 950, 85, 0, 1000, 200, pick);
    CHECK_INT(k, 3);
    CHECK_INT(pick[0], 0);
    CHECK_INT(pick[1], 1);
    CHECK_INT(pick[2], 3);
    /* Exactly min_age old may go; a clock behind the record does not make it immortal. */
    CHECK_INT(image_gc_plan(items, 5, 1000, 950, 85, 0, 1100, 200, pick), 4);
    CHECK_INT(image_gc_plan(items, 5, 1000, 950, 85, 0, 5, 200, pick), 4);
    /* Huge disks do not overflow: 16 EiB-ish capacity, 95% used. */
    uint64_t cap = UINT64_MAX / 2;
    CHECK_INT(image_gc_plan(items, 5, cap, cap / 100 * 95, 85, 80, 10000, 0, pick), 4);
}

int main(void)
{
    test_refs();
    test_digests();
    test_documents();
    test_challenges();
    test_dockerconfig();
    test_layer_entries();
    test_gc();
    TEST_END();
}
