/* fuzz_oci.c — what a registry or an image tarball hands the kubelet: manifests and indexes
 * (kind detection, platform selection, manifest parsing), image configs through the runtime
 * spec and the environment a container gets (Entrypoint, Cmd, Env, WorkingDir, User of the
 * image meeting a pod), layer entry paths (whiteouts, traversal), WWW-Authenticate challenges and
 * .dockerconfigjson documents. The first byte picks which; the rest is the input. A parsed
 * manifest has only valid digests; a layer entry never escapes the layer. */
#include "fuzz.h"
#include "c8s/image.h"
#include "c8s/ocispec.h"

#include <stdlib.h>
#include <string.h>

static json_t *pod;

static void init_pod(void)
{
    if (pod)
        return;
    /* A container without command or args: the image's Entrypoint and Cmd decide. */
    pod = json_loads(
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"namespace\":"
        "\"default\",\"uid\":\"0b5c6f1e-7d43-4c55-9b1a-6a1e8a2b9c01\"},\"spec\":{\"containers\":"
        "[{\"name\":\"main\",\"image\":\"busybox\",\"env\":[{\"name\":\"A\",\"value\":\"$(PATH)"
        ":$(HOME)\"}],\"resources\":{\"limits\":{\"cpu\":\"500m\",\"memory\":\"64Mi\"}}},"
        "{\"name\":\"second\",\"image\":\"busybox\",\"args\":[\"$(A)\"],\"securityContext\":"
        "{\"runAsNonRoot\":true}}]},\"status\":{}}",
        0, NULL);
    if (!pod)
        abort();
}

static void fuzz_doc(const char *s, size_t n, unsigned char pick)
{
    static const char *const cts[] = {NULL,
                                      IMAGE_MT_OCI_INDEX,
                                      IMAGE_MT_OCI_MANIFEST,
                                      IMAGE_MT_DOCKER_LIST,
                                      IMAGE_MT_DOCKER_MANIFEST,
                                      "application/json"};
    cleanup_json json_t *doc = json_loadb(s, n, 0, NULL);
    if (!doc)
        return;
    image_doc_kind_t kind = image_doc_kind(doc, cts[pick % C8S_ARRAY_SIZE(cts)]);
    if (kind > IMAGE_DOC_MANIFEST)
        abort();
    c8s_err_t err = C8S_ERR_INIT;
    char *digest = NULL;
    static const char *const arches[] = {"amd64", "arm64", "arm", "s390x"};
    if (image_index_select(doc, "linux", arches[(pick / 8) % 4], &digest, &err) == 0 && !digest)
        abort();
    free(digest);
    c8s_err_clear(&err);
    image_manifest_t m = {0};
    if (image_manifest_parse(doc, &m, &err) == 0) {
        if (!image_digest_valid(m.config.digest) || (m.n_layers && !m.layers))
            abort();
        for (size_t i = 0; i < m.n_layers; i++)
            if (!image_digest_valid(m.layers[i].digest))
                abort();
        image_manifest_free(&m);
    }
    c8s_err_clear(&err);
}

static void fuzz_config(const char *s, size_t n)
{
    init_pod();
    cleanup_json json_t *doc = json_loadb(s, n, 0, NULL);
    if (!doc)
        return;
    /* A whole image config document carries its runtime settings under "config". */
    const json_t *cfg =
        json_is_object(json_object_get(doc, "config")) ? json_object_get(doc, "config") : doc;
    ocispec_node_t node = {
        .container_id = "0b5c6f1e-main",
        .rootfs = "/var/lib/c8s/containers/x/rootfs",
        .netns_path = "/run/c8s/netns/x",
        .pod_cgroup = "/kubepods/burstable/pod0b5c6f1e",
        .cgroup_version = 2,
        .hostname = "p",
        .node_name = "n1",
        .pod_ip = "10.244.0.5",
        .host_ip = "192.168.1.2",
        .node_cpu_milli = 2000,
        .node_memory_bytes = 1 << 30,
        .pids_limit = 1024,
    };
    const json_t *ctrs = json_object_get(json_object_get(pod, "spec"), "containers");
    for (size_t i = 0; i < json_array_size(ctrs); i++) {
        const json_t *c = json_array_get(ctrs, i);
        c8s_err_t err = C8S_ERR_INIT;
        json_t *out = NULL;
        if (ocispec_build(pod, c, cfg, &node, &out, &err) == 0 &&
            !json_is_object(json_object_get(out, "process")))
            abort();
        json_decref(out);
        c8s_err_clear(&err);
        out = NULL;
        if (ocispec_env(pod, c, cfg, &node, &out, &err) == 0 && !json_is_array(out))
            abort();
        json_decref(out);
        c8s_err_clear(&err);
    }
}

static void fuzz_layer_path(const char *s, size_t n)
{
    cleanup_free char *path = xstrndup(s, n);
    image_entry_kind_t kind;
    char *rel = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    if (image_layer_entry(path, &kind, &rel, &err) == 0) {
        if (!rel || rel[0] == '/' || strcmp(rel, "..") == 0 || strncmp(rel, "../", 3) == 0 ||
            strstr(rel, "/../") || (strlen(rel) >= 3 && strcmp(rel + strlen(rel) - 3, "/..") == 0))
            abort();
    }
    free(rel);
    c8s_err_clear(&err);
}

static void fuzz_auth(const char *s, size_t n, bool dockerconfig)
{
    c8s_err_t err = C8S_ERR_INIT;
    if (!dockerconfig) {
        cleanup_free char *h = xstrndup(s, n);
        image_auth_challenge_t c = {0};
        if (image_auth_parse_challenge(h, &c, &err) == 0) {
            if (!c.scheme)
                abort();
            image_auth_challenge_free(&c);
        }
        c8s_err_clear(&err);
        return;
    }
    cleanup_json json_t *doc = json_loadb(s, n, 0, NULL);
    if (!doc)
        return;
    static const char *const hosts[] = {"docker.io", "127.0.0.1:5000", "ghcr.io"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(hosts); i++) {
        char *user = NULL, *pass = NULL;
        if (image_auth_from_dockerconfig(doc, hosts[i], &user, &pass, &err) == 0 &&
            (!user || !pass))
            abort();
        free(user);
        free(pass);
        c8s_err_clear(&err);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    switch (data[0] % 5) {
    case 0:
        fuzz_doc(s, n, data[0] / 5);
        break;
    case 1:
        fuzz_config(s, n);
        break;
    case 2:
        fuzz_layer_path(s, n);
        break;
    case 3:
        fuzz_auth(s, n, false);
        break;
    default:
        fuzz_auth(s, n, true);
        break;
    }
    return 0;
}
