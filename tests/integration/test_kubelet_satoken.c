/* test_kubelet_satoken.c — a pod reads its ServiceAccount token, as root on the real things (a
 * real etcd, the API server, controllers and kubelet in-process, runc, CNI) in a network and
 * mount namespace of the test's own: ServiceAccount admission gives the pod the kube-api-access
 * projected volume, the kubelet asks for a token bound to the pod (TokenRequest) and writes it
 * with kube-root-ca.crt's ca.crt (the root-CA publisher) and the namespace; the token the
 * container reads authenticates as the pod's ServiceAccount (TokenReview) until the pod goes. */
#include "c8s/apiserver.h"
#include "c8s/controllers.h"
#include "c8s/image.h"
#include "c8s/kubelet.h"
#include "harness.h"
#include "kubelet_env.h"
#include "test.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static char *post(const char *path, const char *body, long *status)
{
    cleanup_free char *url = xasprintf("%s%s", base, path);
    th_resp_t r = {0};
    *status = th_http("POST", url, "application/json", body, &r) == 0 ? r.status : -1;
    char *out = r.body ? xstrdup(r.body) : NULL;
    th_resp_free(&r);
    return out;
}

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

#define SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

int main(void)
{
    if (geteuid() != 0)
        TEST_SKIP("needs root (namespaces, mounts, runc, CNI)");
    if (access("/usr/lib/cni/bridge", X_OK) != 0 || access("/usr/sbin/runc", X_OK) != 0 ||
        access("/bin/busybox", X_OK) != 0)
        TEST_SKIP("needs /usr/lib/cni, runc and busybox-static");
    REQUIRE(unshare(CLONE_NEWNET | CLONE_NEWNS) == 0);
    REQUIRE(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
    REQUIRE(sh("ip link set lo up") == 0);

    char work[] = "/tmp/c8s-ksatok-XXXXXX";
    REQUIRE(mkdtemp(work));
    cleanup_free char *root = xasprintf("%s/root", work);
    cleanup_free char *runc_root = xasprintf("%s/runc", work);
    cleanup_free char *keyfile = xasprintf("%s/sa.key", work);
    cleanup_free char *cafile = xasprintf("%s/ca.crt", work);
    REQUIRE(sh("mkdir -p %s %s", root, runc_root) == 0);
    REQUIRE(write_key(keyfile) == 0);
    /* Any PEM text does for the publisher; the test compares bytes. */
    REQUIRE(sh("printf -- '-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n' > %s",
               cafile) == 0);
    REQUIRE(make_image(root, work) == 0);
    char kubepods[128];
    snprintf(kubepods, sizeof(kubepods), "/c8s-test-%d", (int)getpid());

    th_etcd_t etcd;
    REQUIRE(th_etcd_start(&etcd) == 0);
    apiserver_config_t cfg = {0};
    const char *eps[] = {etcd.url, NULL};
    cfg.etcd_endpoints = eps;
    cfg.port = th_free_port();
    cfg.disable_admission_plugins = ""; /* the token volume is what this test is about */
    REQUIRE(th_tls_config(&cfg) == 0);
    cfg.service_account_key_file = keyfile;
    snprintf(base, sizeof(base), "https://127.0.0.1:%d", cfg.port);
    c8s_err_t err = C8S_ERR_INIT;
    apiserver_t *srv = NULL;
    if (apiserver_start(&cfg, &srv, &err) != 0) {
        fprintf(stderr, "apiserver_start: %s\n", err.msg);
        th_etcd_stop(&etcd);
        REQUIRE(!"server started");
    }
    long st = 0;
    controllers_config_t cc = {.root_ca_file = cafile};
    controllers_t *cm = NULL;
    REQUIRE(controllers_start_config(srv, &cc, &cm, &err) == 0);
    /* The default ServiceAccount and kube-root-ca.crt appear in "default". */
    json_t *x = NULL;
    for (int i = 0; i < 200; i++) {
        json_decref(x);
        x = get("/api/v1/namespaces/default/configmaps/kube-root-ca.crt", &st);
        /* resourceVersion=0 reads the watch cache, which ServiceAccount admission reads too. */
        json_t *sa =
            get("/api/v1/namespaces/default/serviceaccounts/default?resourceVersion=0", &st);
        bool both = x && sa;
        json_decref(sa);
        if (both)
            break;
        usleep(50000);
    }
    CHECK(x != NULL);
    json_decref(x);

    kubelet_config_t kc = {.node_name = "kn",
                           .root_dir = root,
                           .pod_cidr = "10.244.4.0/24",
                           .run_pods = true,
                           .kubepods_root = kubepods,
                           .runc_root = runc_root,
                           .shim_bin = C8S_BIN};
    kubelet_t *k = NULL;
    REQUIRE(kubelet_start(srv, &kc, &k, &err) == 0);

    const char *pod =
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"reader\"},\"spec\":{"
        "\"nodeName\":\"kn\",\"terminationGracePeriodSeconds\":1,\"containers\":["
        "{\"name\":\"c\",\"image\":\"example.com/test/busybox:1\",\"command\":[\"sleep\","
        "\"3600\"]}]}}";
    CHECK_INT(req("POST", "/api/v1/namespaces/default/pods", pod), 201);
    json_t *p = wait_pod("reader", "Running");
    CHECK(p != NULL);
    cleanup_free char *uid = xstrdup(
        json_string_value(json_object_get(json_object_get(p, "metadata"), "uid")) ?: "none");
    cleanup_free char *id = xasprintf("%s-c", uid);
    json_decref(p);

    /* What the container sees. */
    cleanup_free char *tokfile = xasprintf("%s/token.txt", work);
    CHECK(sh("/usr/sbin/runc --root %s exec %s cat " SA_DIR "/token > %s", runc_root, id,
             tokfile) == 0);
    CHECK(sh("/usr/sbin/runc --root %s exec %s cat " SA_DIR "/namespace | grep -qx default",
             runc_root, id) == 0);
    CHECK(sh("/usr/sbin/runc --root %s exec %s cat " SA_DIR "/ca.crt | cmp -s - %s", runc_root, id,
             cafile) == 0);
    CHECK(sh("! /usr/sbin/runc --root %s exec %s sh -c 'echo x > " SA_DIR "/token' 2>/dev/null",
             runc_root, id) == 0);
    CHECK(sh("grep ' %s/pods/%s/volumes/kube-api-access-' /proc/self/mountinfo | grep -q ' - "
             "tmpfs '",
             root, uid) == 0);
    char tok[4096] = "";
    FILE *f = fopen(tokfile, "r");
    if (f) {
        if (!fgets(tok, sizeof tok, f))
            tok[0] = '\0';
        fclose(f);
    }
    CHECK(strlen(tok) > 100);
    cleanup_free char *body =
        xasprintf("{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\","
                  "\"spec\":{\"token\":\"%s\"}}",
                  tok);
    char *out = post("/apis/authentication.k8s.io/v1/tokenreviews", body, &st);
    CHECK_INT(st, 201);
    CHECK_MSG(out && strstr(out, "\"authenticated\":true") &&
                  strstr(out, "\"username\":\"system:serviceaccount:default:default\"") &&
                  strstr(out, "\"authentication.kubernetes.io/pod-name\":[\"reader\"]"),
              "review: %s", out);
    free(out);

    /* The pod goes: its token stops working. */
    CHECK_INT(req("DELETE", "/api/v1/namespaces/default/pods/reader", NULL), 200);
    bool gone = false;
    for (int i = 0; i < 300 && !gone; i++) {
        json_t *y = get("/api/v1/namespaces/default/pods/reader", &st);
        json_decref(y);
        gone = st == 404;
        if (!gone)
            usleep(100000);
    }
    CHECK(gone);
    out = NULL;
    for (int i = 0; i < 50; i++) {
        free(out);
        out = post("/apis/authentication.k8s.io/v1/tokenreviews", body, &st);
        if (out && !strstr(out, "\"authenticated\":true"))
            break;
        usleep(100000);
    }
    CHECK_MSG(out && !strstr(out, "\"authenticated\":true"), "after delete: %s", out);
    free(out);

    kubelet_stop(k);
    controllers_stop(cm);
    apiserver_stop(srv);
    th_etcd_stop(&etcd);
    sh("for c in $(/usr/sbin/runc --root %s list -q 2>/dev/null); do /usr/sbin/runc --root %s "
       "delete -f $c; done",
       runc_root, runc_root);
    sh("grep -o ' %s/[^ ]*' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l", work);
    sh("find /sys/fs/cgroup -depth -type d -path '*%s*' -exec rmdir {} + 2>/dev/null", kubepods);
    th_rmtree(work);
    TEST_END();
}
