/*
 * kubelet_env.h — what the kubelet integration tests share: the server's URL (base, set by the
 * test), blocking calls to it, a shell command, busybox-static imported as a one-layer image
 * under example.com/test/busybox:1, and waiting for a pod's phase.
 */
#ifndef C8S_KUBELET_ENV_H
#define C8S_KUBELET_ENV_H

#include "c8s/image.h"
#include "harness.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
