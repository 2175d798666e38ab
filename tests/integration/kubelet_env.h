/*
 * kubelet_env.h — what the kubelet integration tests share: the world they run in (a network and
 * mount namespace of the test's own, a work dir, the kubelet's root with busybox-static imported
 * as a one-layer image under example.com/test/busybox:1, a real etcd, the API server), its
 * cleanup, the server's URL (base), blocking calls to it, a shell command, and waiting for a
 * pod's phase.
 */
#ifndef C8S_KUBELET_ENV_H
#define C8S_KUBELET_ENV_H

#include "c8s/apiserver.h"
#include "c8s/image.h"
#include "harness.h"

#include <jansson.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

static char base[64];

static inline int sh(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *cmd = NULL;
    if (vasprintf(&cmd, fmt, ap) < 0)
        cmd = NULL;
    va_end(ap);
    if (!cmd)
        return -1;
    int rc = system(cmd);
    free(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static inline json_t *get(const char *path, long *status)
{
    cleanup_free char *url = xasprintf("%s%s", base, path);
    th_resp_t r = {0};
    if (th_http("GET", url, NULL, NULL, &r) != 0) {
        th_resp_free(&r);
        *status = -1;
        return NULL;
    }
    *status = r.status;
    json_t *o = r.status == 200 ? json_loads(r.body, 0, NULL) : NULL;
    th_resp_free(&r);
    return o;
}

static inline long req(const char *method, const char *path, const char *body)
{
    cleanup_free char *url = xasprintf("%s%s", base, path);
    th_resp_t r = {0};
    long st = th_http(method, url, body ? "application/json" : NULL, body, &r) == 0 ? r.status : -1;
    if (st >= 300)
        fprintf(stderr, "%s %s: %ld %s\n", method, path, st, r.body);
    th_resp_free(&r);
    return st;
}

/* busybox-static as a one-layer image, imported under the name the pod asks for. */
static inline int make_image(const char *root, const char *work)
{
    return sh(
        "set -e; W=%s/img; mkdir -p $W/r/bin $W/r/tmp $W/r/etc $W/a; chmod 1777 $W/r/tmp;"
        "cp /bin/busybox $W/r/bin/busybox;"
        "for a in sh cat echo sleep ls hostname nc ip ifconfig wget touch test; do ln -s busybox "
        "$W/r/bin/$a; done;"
        "tar --numeric-owner -C $W/r -cf $W/a/layer.tar .;"
        "D=$(sha256sum $W/a/layer.tar | cut -d' ' -f1);"
        "printf '{\"architecture\":\"%s\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/bin\"],"
        "\"Cmd\":[\"sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:%%s\"]}}' $D"
        " > $W/a/cfg.json;"
        "echo '[{\"Config\":\"cfg.json\",\"RepoTags\":[\"example.com/test/busybox:1\"],"
        "\"Layers\":[\"layer.tar\"]}]' > $W/a/manifest.json;"
        "tar -C $W/a -cf $W/img.tar .;"
        "%s image import --data-dir %s $W/img.tar >/dev/null",
        work, image_host_arch(), C8S_BIN, root);
}

/* A kubelet test's world. Paths owned by it (fixed buffers). */
typedef struct {
    char work[64];      /* the test's temp dir, removed by kenv_cleanup */
    char root[96];      /* the kubelet's root dir, the image imported */
    char runc_root[96]; /* runc's state for this test */
    char kubepods[64];  /* the pods' cgroup parent */
    th_etcd_t etcd;
    const char *eps[2];
    bool etcd_up;
} kenv_t;

/* Enters the namespaces and makes the world up to a running etcd. 1: the machine cannot run
 * kubelet tests (why in *skip); 0: ready; -1: failed (what said on stderr). */
static inline int kenv_enter(kenv_t *e, const char *tag, const char **skip)
{
    memset(e, 0, sizeof(*e));
    if (geteuid() != 0) {
        *skip = "needs root (namespaces, mounts, runc, CNI)";
        return 1;
    }
    if (access("/usr/lib/cni/bridge", X_OK) != 0 || access("/usr/sbin/runc", X_OK) != 0 ||
        access("/bin/busybox", X_OK) != 0) {
        *skip = "needs /usr/lib/cni, runc and busybox-static";
        return 1;
    }
    if (unshare(CLONE_NEWNET | CLONE_NEWNS) != 0 ||
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 || sh("ip link set lo up") != 0) {
        perror("namespaces");
        return -1;
    }
    snprintf(e->work, sizeof(e->work), "/tmp/c8s-%s-XXXXXX", tag);
    if (!mkdtemp(e->work)) {
        perror("mkdtemp");
        return -1;
    }
    snprintf(e->root, sizeof(e->root), "%s/root", e->work);
    snprintf(e->runc_root, sizeof(e->runc_root), "%s/runc", e->work);
    snprintf(e->kubepods, sizeof(e->kubepods), "/c8s-test-%d", (int)getpid());
    /* The image's home is the kubelet's store, as `c8s image import` puts it there. */
    if (sh("mkdir -p %s %s", e->root, e->runc_root) != 0 || make_image(e->root, e->work) != 0) {
        fprintf(stderr, "making %s failed\n", e->root);
        return -1;
    }
    if (th_etcd_start(&e->etcd) != 0)
        return -1;
    e->etcd_up = true;
    e->eps[0] = e->etcd.url;
    return 0;
}

/* Starts the API server of cfg (its etcd, port and TLS filled in here) and waits until it
 * serves the default namespace; sets base. 0 or -1. */
static inline int kenv_server(kenv_t *e, apiserver_config_t *cfg, apiserver_t **srv)
{
    cfg->etcd_endpoints = e->eps;
    cfg->port = th_free_port();
    snprintf(base, sizeof(base), "https://127.0.0.1:%d", cfg->port);
    th_tls_config(cfg);
    c8s_err_t err = C8S_ERR_INIT;
    if (apiserver_start(cfg, srv, &err) != 0) {
        fprintf(stderr, "apiserver_start: %s\n", err.msg);
        c8s_err_clear(&err);
        return -1;
    }
    long st = 0;
    json_t *ns = NULL;
    for (int i = 0; i < 100 && !(ns = get("/api/v1/namespaces/default", &st)); i++)
        usleep(50000);
    json_decref(ns);
    return 0;
}

/* Whatever a test (or its failure) left behind: runc containers, mounts, cgroups, etcd, the work
 * dir. The kubelet and the server are stopped by then. */
static inline void kenv_cleanup(kenv_t *e)
{
    if (e->etcd_up)
        th_etcd_stop(&e->etcd);
    if (!e->work[0])
        return;
    sh("for c in $(/usr/sbin/runc --root %s list -q 2>/dev/null); do /usr/sbin/runc --root %s "
       "delete -f $c; done",
       e->runc_root, e->runc_root);
    sh("grep -o ' %s/[^ ]*' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l", e->work);
    sh("find /sys/fs/cgroup -depth -type d -path '*%s*' -exec rmdir {} + 2>/dev/null", e->kubepods);
    th_rmtree(e->work);
}

/* The test's first lines: the world entered, or the test skipped or failed. */
#define KENV_ENTER(e, tag)                                                                         \
    do {                                                                                           \
        const char *skip_ = NULL;                                                                  \
        int rc_ = kenv_enter((e), (tag), &skip_);                                                  \
        if (rc_ > 0)                                                                               \
            TEST_SKIP("%s", skip_);                                                                \
        if (rc_ < 0)                                                                               \
            kenv_cleanup(e);                                                                       \
        REQUIRE(rc_ == 0);                                                                         \
    } while (0)

static inline json_t *wait_pod(const char *name, const char *phase)
{
    cleanup_free char *path = xasprintf("/api/v1/namespaces/default/pods/%s", name);
    for (int i = 0; i < 300; i++) {
        long st;
        json_t *pod = get(path, &st);
        const char *ph =
            json_string_value(json_object_get(json_object_get(pod, "status"), "phase"));
        if (pod && ph && strcmp(ph, phase) == 0)
            return pod;
        json_decref(pod);
        usleep(100000);
    }
    return NULL;
}

#endif
