/* test_protobuf.c — decoding of kubectl's protobuf request bodies. The vectors in
 * tests/unit/data/protobuf are bodies kubectl 1.32's `create` subcommands sent (captured by a
 * proxy in front of c8s); the .json beside each is what the decoder must produce, checked when
 * captured against `kubectl create … --dry-run=client -o json` for the same command (equal but
 * for null fields and the statuses, which the table skips). Hand-built bodies cover the edges. */
#include "c8s/protobuf.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>

static const char *const vectors[] = {
    "namespaces",
    "configmaps",
    "configmaps-binary",
    "secrets",
    "secrets-typed",
    "serviceaccounts",
    "services",
    "deployments",
    "jobs",
    "cronjobs",
    "resourcequotas",
    "priorityclasses",
    "roles",
    "rolebindings",
    "clusterroles",
    "clusterrolebindings",
    "poddisruptionbudgets",
    "ingresses",
    "token",
};

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 16);
    *len = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

static void check_vector(const char *name)
{
    char path[512];
    size_t len;
    snprintf(path, sizeof(path), "%s/tests/unit/data/protobuf/%s.pb", C8S_SOURCE_DIR, name);
    char *body = slurp(path, &len);
    REQUIRE_VOID(body != NULL);
    snprintf(path, sizeof(path), "%s/tests/unit/data/protobuf/%s.json", C8S_SOURCE_DIR, name);
    json_error_t je;
    json_t *want = json_load_file(path, 0, &je);
    json_t *got = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    int rc = protobuf_decode(body, len, &got, &err);
    CHECK_MSG(rc == 0, "%s: %s", name, err.msg);
    char *dump = got ? json_dumps(got, JSON_COMPACT) : NULL;
    CHECK_MSG(want && got && json_equal(want, got), "%s decoded to %s", name,
              dump ? dump : "(null)");
    /* every strict prefix is refused or decodes without error; it must never crash or leak */
    for (size_t n = 0; n < len; n++) {
        json_t *part = NULL;
        c8s_err_t perr = C8S_ERR_INIT;
        if (protobuf_decode(body, n, &part, &perr) == 0)
            json_decref(part);
        c8s_err_clear(&perr);
    }
    free(dump);
    json_decref(want);
    json_decref(got);
    c8s_err_clear(&err);
    free(body);
}

/* Decodes a hand-built body; returns the result code, *out set on success. */
static int decode(const unsigned char *b, size_t n, json_t **out, c8s_err_t *err)
{
    return protobuf_decode(b, n, out, err);
}

#define K8S 'k', '8', 's', 0
/* Unknown{typeMeta{apiVersion "v1", kind "ConfigMap"}} — 17 bytes, then field 2 (raw) */
#define CM_HEAD                                                                                    \
    0x0a, 0x0f, 0x0a, 0x02, 'v', '1', 0x12, 0x09, 'C', 'o', 'n', 'f', 'i', 'g', 'M', 'a', 'p'

static void check_edges(void)
{
    json_t *o = NULL;
    c8s_err_t err = C8S_ERR_INIT;

    static const unsigned char nomagic[] = {'k', '8', 'x', 0, 0x0a, 0x00};
    CHECK_INT(decode(nomagic, sizeof(nomagic), &o, &err), C8S_EBADREQUEST);
    c8s_err_clear(&err);

    /* unknown kind: 415 so the client learns which media types work */
    static const unsigned char pod[] = {K8S, 0x0a, 0x09, 0x0a, 0x02, 'v',
                                        '1', 0x12, 0x03, 'P',  'o',  'd'};
    CHECK_INT(decode(pod, sizeof(pod), &o, &err), C8S_EMEDIATYPE);
    c8s_err_clear(&err);

    /* raw: metadata{name "x", unknown field 99 varint, creationTimestamp{seconds 86400}},
     * immutable=false (a pointer: kept), an unknown fixed32 and fixed64 field skipped */
    static const unsigned char cm[] = {K8S,  CM_HEAD, 0x12, 0x1e, 0x0a, 0x0c, 0x0a, 0x01, 'x',
                                       0x98, 0x06,    0x05, 0x42, 0x04, 0x08, 0x80, 0xa3, 0x05,
                                       0x20, 0x00,    0x7d, 1,    2,    3,    4,    0x79, 1,
                                       2,    3,       4,    5,    6,    7,    8};
    REQUIRE_VOID(decode(cm, sizeof(cm), &o, &err) == 0);
    CHECK_STR(json_string_value(json_object_get(json_object_get(o, "metadata"), "name")), "x");
    CHECK_STR(
        json_string_value(json_object_get(json_object_get(o, "metadata"), "creationTimestamp")),
        "1970-01-02T00:00:00Z");
    CHECK(json_is_false(json_object_get(o, "immutable")));
    json_decref(o);
    o = NULL;

    /* wrong wire type for a known field (data as varint) */
    static const unsigned char wt[] = {K8S, CM_HEAD, 0x12, 0x02, 0x10, 0x01};
    CHECK_INT(decode(wt, sizeof(wt), &o, &err), C8S_EBADREQUEST);
    c8s_err_clear(&err);

    /* a length beyond the message */
    static const unsigned char len[] = {K8S, CM_HEAD, 0x12, 0x03, 0x0a, 0x7f, 0x00};
    CHECK_INT(decode(len, sizeof(len), &o, &err), C8S_EBADREQUEST);
    c8s_err_clear(&err);

    /* a string that is not UTF-8 */
    static const unsigned char utf[] = {K8S, CM_HEAD, 0x12, 0x05, 0x0a, 0x03, 0x0a, 0x01, 0xff};
    CHECK_INT(decode(utf, sizeof(utf), &o, &err), C8S_EBADREQUEST);
    c8s_err_clear(&err);

    /* a group wire type (3) */
    static const unsigned char grp[] = {K8S, CM_HEAD, 0x12, 0x01, 0x0b};
    CHECK_INT(decode(grp, sizeof(grp), &o, &err), C8S_EBADREQUEST);
    c8s_err_clear(&err);

    /* an overlong varint */
    static const unsigned char vi[] = {K8S,  CM_HEAD, 0x12, 0x0c, 0x20, 0xff, 0xff, 0xff,
                                       0xff, 0xff,    0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    CHECK_INT(decode(vi, sizeof(vi), &o, &err), C8S_EBADREQUEST);
    c8s_err_clear(&err);

    /* a content encoding is refused rather than misread */
    static const unsigned char enc[] = {K8S, CM_HEAD, 0x1a, 0x04, 'g', 'z', 'i', 'p'};
    CHECK_INT(decode(enc, sizeof(enc), &o, &err), C8S_EMEDIATYPE);
    c8s_err_clear(&err);

    /* Deployment: replicas -1 (int32 sign-extended to 10 bytes), strategy.rollingUpdate
     * maxSurge as a string IntOrString, paused=false omitted */
    static const unsigned char dep[] = {
        K8S,  0x0a, 0x15, 0x0a, 0x07, 'a',  'p',  'p',  's',  '/',  'v',  '1',  0x12,
        0x0a, 'D',  'e',  'p',  'l',  'o',  'y',  'm',  'e',  'n',  't',  0x12, 0x1a,
        0x12, 0x18, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
        0x22, 0x09, 0x12, 0x07, 0x12, 0x05, 0x08, 0x01, 0x1a, 0x01, '3',  0x38, 0x00};
    REQUIRE_VOID(decode(dep, sizeof(dep), &o, &err) == 0);
    json_t *spec = json_object_get(o, "spec");
    CHECK_INT(json_integer_value(json_object_get(spec, "replicas")), -1);
    CHECK_STR(json_string_value(json_object_get(
                  json_object_get(json_object_get(spec, "strategy"), "rollingUpdate"), "maxSurge")),
              "3");
    CHECK(json_object_get(spec, "paused") == NULL);
    json_decref(o);
    o = NULL;
}

int main(void)
{
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
        check_vector(vectors[i]);
    check_edges();
    CHECK(protobuf_kind_known("Deployment"));
    CHECK(!protobuf_kind_known("Pod"));
    TEST_END();
}
