/*
 * volume.c — a pod's volumes as directories under <pod dir>/volumes, and the OCI bind mounts of
 * one container's volumeMounts. emptyDir (medium Memory: a tmpfs), hostPath (created for
 * DirectoryOrCreate), configMap and secret (their keys, or the listed items, written as files) are
 * supported; other volume types are refused so the pod says why instead of running without
 * them. Secrets go on a tmpfs of their own (never onto the node's disk); where tmpfs cannot be
 * mounted the volume is a 0700 directory and a warning says so.
 */
#include "kubelet_int.h"

#include "c8s/ocispec.h"

#include "c8s/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

char *kvol_dir(const char *pod_dir, const char *name)
{
    return xasprintf("%s/volumes/%s", pod_dir, name);
}

static bool safe_rel(const char *path)
{
    return path && *path && path[0] != '/' && strstr(path, "..") == NULL;
}

int kvol_prepare(const char *pod_dir, const json_t *vol, c8s_err_t *err)
{
    const char *name = str(vol, "name");
    if (!name || !*name || strchr(name, '/'))
        return c8s_err_set(err, C8S_EINVALID, "volume without a valid name");
    cleanup_free char *vols = xasprintf("%s/volumes", pod_dir);
    cleanup_free char *dir = kvol_dir(pod_dir, name);
    if (mkdir(vols, 0750) != 0 && errno != EEXIST)
        return c8s_err_set(err, C8S_ESYS, "creating %s: %s", vols, strerror(errno));
    json_t *ed = json_object_get(vol, "emptyDir");
    if (ed || json_object_get(vol, "configMap")) {
        if (mkdir(dir, 0777) != 0 && errno != EEXIST)
            return c8s_err_set(err, C8S_ESYS, "creating %s: %s", dir, strerror(errno));
        chmod(dir, 0777); /* any user of the pod may write an emptyDir, as upstream */
        if (ed && strcmp(str(ed, "medium") ?: "", "Memory") == 0) {
            struct stat a, b;
            cleanup_free char *parent = xasprintf("%s/..", dir);
            bool mounted = stat(dir, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
            if (!mounted && mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0)
                return c8s_err_set(err, C8S_ESYS, "tmpfs on %s: %s", dir, strerror(errno));
        }
        return 0;
    }
    /* A projected volume carries a ServiceAccount token: kept off the disk like a secret. */
    if (json_object_get(vol, "secret") || json_object_get(vol, "projected") ||
        json_object_get(vol, "downwardAPI")) {
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            return c8s_err_set(err, C8S_ESYS, "creating %s: %s", dir, strerror(errno));
        struct stat a, b;
        cleanup_free char *parent = xasprintf("%s/..", dir);
        bool mounted = stat(dir, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
        if (!mounted &&
            mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755") != 0)
            log_warn("kubelet", "secret volume %s: no tmpfs (%s): a 0700 directory on disk", dir,
                     strerror(errno));
        return 0;
    }
    json_t *hp = json_object_get(vol, "hostPath");
    if (hp) {
        const char *path = str(hp, "path");
        if (!path || path[0] != '/')
            return c8s_err_set(err, C8S_EINVALID, "hostPath %s: path must be absolute", name);
        if (strcmp(str(hp, "type") ?: "", "DirectoryOrCreate") == 0 && mkdir(path, 0755) != 0 &&
            errno != EEXIST)
            return c8s_err_set(err, C8S_ESYS, "creating %s: %s", path, strerror(errno));
        return 0;
    }
    /* The claim's volume is linked in once the claim is bound (kvol_link_claim). */
    if (json_object_get(vol, "persistentVolumeClaim"))
        return 0;
    return c8s_err_set(err, C8S_EINVALID, "volume %s: this volume type is not supported yet", name);
}

int kvol_link_claim(const char *pod_dir, const char *name, const json_t *pv, c8s_err_t *err)
{
    const json_t *spec = json_object_get(pv, "spec");
    const json_t *hp = json_object_get(spec, "hostPath");
    const char *path = hp ? str(hp, "path") : str(json_object_get(spec, "local"), "path");
    if (!path || path[0] != '/')
        return c8s_err_set(err, C8S_EINVALID,
                           "volume %s: only hostPath and local persistent volumes are supported",
                           name);
    /* The provisioner's hostPath volumes are made where the pod lands: here. */
    if (hp && strcmp(str(hp, "type") ?: "", "DirectoryOrCreate") == 0) {
        cleanup_free char *parent = xstrdup(path);
        char *slash = strrchr(parent, '/');
        if (slash && slash != parent) {
            *slash = '\0';
            if (mkdir(parent, 0755) != 0 && errno != EEXIST)
                return c8s_err_set(err, C8S_ESYS, "creating %s: %s", parent, strerror(errno));
        }
        if (mkdir(path, 0777) == 0)
            chmod(path, 0777); /* any user of the pod may write, as k3s's local-path does */
        else if (errno != EEXIST)
            return c8s_err_set(err, C8S_ESYS, "creating %s: %s", path, strerror(errno));
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return c8s_err_set(err, C8S_EINVALID, "volume %s: %s is not a directory", name, path);
    /* A link the bind mount follows; removing the pod's directory never follows it. */
    cleanup_free char *link = kvol_dir(pod_dir, name);
    unlink(link);
    if (symlink(path, link) != 0)
        return c8s_err_set(err, C8S_ESYS, "linking %s: %s", link, strerror(errno));
    return 0;
}

static int write_file(const char *dir, const char *rel, const char *data, size_t len, int mode,
                      c8s_err_t *err)
{
    cleanup_free char *path = xasprintf("%s/%s", dir, rel);
    /* Nested item paths ("a/b") need their directories. */
    for (char *s = path + strlen(dir) + 1; (s = strchr(s, '/')); s++) {
        *s = '\0';
        int rc = mkdir(path, 0755);
        *s = '/';
        if (rc != 0 && errno != EEXIST)
            return c8s_err_set(err, C8S_ESYS, "creating %s: %s", path, strerror(errno));
    }
    /* Written aside and renamed over, so a container never reads half a refreshed token. */
    cleanup_free char *tmp = xasprintf("%s.c8s-tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return c8s_err_set(err, C8S_ESYS, "writing %s: %s", path, strerror(errno));
    bool ok = write(fd, data, len) == (ssize_t)len;
    fchmod(fd, mode);
    close(fd);
    if (ok && rename(tmp, path) != 0)
        ok = false;
    if (!ok) {
        unlink(tmp);
        return c8s_err_set(err, C8S_ESYS, "writing %s failed", path);
    }
    return 0;
}

static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Standard base64 (the API's encoding of Secret data); NULL when malformed. Owned. */
static char *b64decode(const char *in, size_t *len)
{
    size_t n = strlen(in);
    char *out = xmalloc(n / 4 * 3 + 3);
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i] == '=')
            break;
        int v = b64val((unsigned char)in[i]);
        if (v < 0) {
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xff);
        }
    }
    out[o] = '\0';
    *len = o;
    return out;
}

int kvol_write_configmap(const char *pod_dir, const json_t *vol, const json_t *cm, c8s_err_t *err)
{
    bool secret = json_object_get(vol, "secret") != NULL;
    json_t *src = json_object_get(vol, secret ? "secret" : "configMap");
    cleanup_free char *dir = kvol_dir(pod_dir, str(vol, "name"));
    /* Secret data is base64; decoded into a copy keyed the same way. */
    cleanup_json json_t *data = json_object();
    const char *dk;
    json_t *dv;
    json_object_foreach(json_object_get(cm, "data"), dk, dv)
    {
        if (!secret) {
            json_object_set(data, dk, dv);
            continue;
        }
        size_t len = 0;
        cleanup_free char *raw = b64decode(json_string_value(dv) ?: "", &len);
        if (!raw)
            return c8s_err_set(err, C8S_EINVALID, "secret key %s: invalid base64", dk);
        json_object_set_new(data, dk, json_stringn_nocheck(raw, len));
    }
    json_t *dm = json_object_get(src, "defaultMode");
    int mode = json_is_integer(dm) ? (int)json_integer_value(dm) & 07777 : 0644;
    json_t *items = json_object_get(src, "items");
    if (json_array_size(items) > 0) {
        json_t *it;
        size_t i;
        json_array_foreach(items, i, it)
        {
            const char *key = str(it, "key"), *path = str(it, "path");
            json_t *jv = json_object_get(data, key ?: "");
            const char *v = json_string_value(jv);
            if (!v)
                return c8s_err_set(err, C8S_ENOTFOUND,
                                   "configmap references non-existent config key: %s",
                                   key ? key : "");
            if (!safe_rel(path))
                return c8s_err_set(err, C8S_EINVALID, "invalid item path %s", path ? path : "");
            json_t *im = json_object_get(it, "mode");
            int m = json_is_integer(im) ? (int)json_integer_value(im) & 07777 : mode;
            if (write_file(dir, path, v, json_string_length(jv), m, err) != 0)
                return err->code;
        }
        return 0;
    }
    const char *key;
    json_t *v;
    json_object_foreach(data, key, v)
    {
        if (!safe_rel(key) || strchr(key, '/'))
            continue;
        if (write_file(dir, key, json_string_value(v) ?: "", json_string_length(v), mode, err) != 0)
            return err->code;
    }
    return 0;
}

/* The value of a downward API fieldRef (owned), or NULL when c8s does not know the path. */
static char *downward_value(const json_t *pod, const char *field)
{
    const json_t *md = json_object_get(pod, "metadata");
    const json_t *spec = json_object_get(pod, "spec");
    if (strcmp(field, "metadata.namespace") == 0 || strcmp(field, "metadata.name") == 0 ||
        strcmp(field, "metadata.uid") == 0)
        return xstrdup(str(md, field + 9) ?: "");
    if (strcmp(field, "spec.nodeName") == 0 || strcmp(field, "spec.serviceAccountName") == 0)
        return xstrdup(str(spec, field + 5) ?: "");
    if (strcmp(field, "metadata.labels") == 0 || strcmp(field, "metadata.annotations") == 0) {
        /* key="value" lines, sorted, as upstream's format. */
        const json_t *m = json_object_get(md, field + 9);
        const char *k;
        json_t *v;
        size_t n = json_object_size(m), i = 0;
        const char **keys = xcalloc(n + 1, sizeof(char *));
        json_object_foreach((json_t *)m, k, v) keys[i++] = k;
        for (size_t a = 1; a < i; a++)
            for (size_t b = a; b > 0 && strcmp(keys[b - 1], keys[b]) > 0; b--) {
                const char *t = keys[b];
                keys[b] = keys[b - 1];
                keys[b - 1] = t;
            }
        strbuf_t out = STRBUF_INIT;
        for (size_t a = 0; a < i; a++)
            strbuf_addf(&out, "%s%s=\"%s\"", a ? "\n" : "", keys[a],
                        json_string_value(json_object_get(m, keys[a])) ?: "");
        free(keys);
        return strbuf_take(&out);
    }
    return NULL;
}

static int projected_mode(const json_t *vol)
{
    json_t *dm = json_object_get(json_object_get(vol, "projected"), "defaultMode");
    return json_is_integer(dm) ? (int)json_integer_value(dm) & 07777 : 0644;
}

/* The items of a downwardAPI volume or projected source into dir, each with its mode or mode. */
static int write_downward(const char *dir, const json_t *dapi, const json_t *pod,
                          const ocispec_node_t *node, int mode, c8s_err_t *err)
{
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(dapi, "items"), i, it)
    {
        const char *path = str(it, "path");
        const char *field = str(json_object_get(it, "fieldRef"), "fieldPath");
        const json_t *res = json_object_get(it, "resourceFieldRef");
        if (!safe_rel(path) || (!field && !res))
            return c8s_err_set(err, C8S_EINVALID,
                               "downwardAPI item: path and fieldRef or resourceFieldRef needed");
        cleanup_free char *v = NULL;
        if (!field) {
            if (ocispec_resource_field(pod, NULL, node, res, &v, err) != 0)
                return c8s_err_wrap(err, "downwardAPI item %s", path);
        } else if (!(v = downward_value(pod, field))) {
            return c8s_err_set(err, C8S_EINVALID, "downwardAPI: field %s is not supported yet",
                               field);
        }
        json_t *im = json_object_get(it, "mode");
        int m = json_is_integer(im) ? (int)json_integer_value(im) & 07777 : mode;
        if (write_file(dir, path, v, strlen(v), m, err) != 0)
            return err->code;
    }
    return 0;
}

int kvol_write_downward(const char *pod_dir, const json_t *vol, const json_t *pod,
                        const ocispec_node_t *node, c8s_err_t *err)
{
    const json_t *dapi = json_object_get(vol, "downwardAPI");
    json_t *dm = json_object_get(dapi, "defaultMode");
    cleanup_free char *dir = kvol_dir(pod_dir, str(vol, "name"));
    return write_downward(dir, dapi, pod, node,
                          json_is_integer(dm) ? (int)json_integer_value(dm) & 07777 : 0644, err);
}

int kvol_write_projected(const char *pod_dir, const json_t *vol, size_t idx, const json_t *pod,
                         const ocispec_node_t *node, const json_t *obj, const char *token,
                         c8s_err_t *err)
{
    const json_t *src =
        json_array_get(json_object_get(json_object_get(vol, "projected"), "sources"), idx);
    cleanup_free char *dir = kvol_dir(pod_dir, str(vol, "name"));
    int mode = projected_mode(vol);
    const json_t *sat = json_object_get(src, "serviceAccountToken");
    if (sat) {
        const char *path = str(sat, "path");
        if (!safe_rel(path) || !token)
            return c8s_err_set(err, C8S_EINVALID, "serviceAccountToken: invalid path or no token");
        return write_file(dir, path, token, strlen(token), mode, err);
    }
    const json_t *dapi = json_object_get(src, "downwardAPI");
    if (dapi)
        return write_downward(dir, dapi, pod, node, mode, err);
    const char *kind = json_object_get(src, "secret") ? "secret" : "configMap";
    const json_t *ref = json_object_get(src, kind);
    if (!ref)
        return c8s_err_set(err, C8S_EINVALID, "projected source %zu: not supported yet", idx);
    /* A configMap/secret source is a configMap/secret volume in the projected directory. */
    json_t *as = json_deep_copy(ref);
    if (!json_object_get(as, "defaultMode"))
        json_object_set_new(as, "defaultMode", json_integer(mode));
    if (strcmp(kind, "secret") == 0 && !json_object_get(as, "secretName"))
        json_object_set(as, "secretName", json_object_get(as, "name"));
    cleanup_json json_t *fake = json_pack("{s:s, s:o}", "name", str(vol, "name"), kind, as);
    return kvol_write_configmap(pod_dir, fake, obj, err);
}

int kvol_mounts(const char *pod_dir, const json_t *pod, const json_t *container, json_t **out,
                c8s_err_t *err)
{
    json_t *vols = json_object_get(json_object_get(pod, "spec"), "volumes");
    json_t *mounts = json_array();
    json_t *vm;
    size_t i;
    json_array_foreach(json_object_get(container, "volumeMounts"), i, vm)
    {
        const char *name = str(vm, "name"), *dst = str(vm, "mountPath");
        const json_t *vol = NULL, *x;
        size_t j;
        json_array_foreach(vols, j, x)
        {
            if (name && strcmp(str(x, "name") ?: "", name) == 0)
                vol = x;
        }
        if (!vol || !dst) {
            json_decref(mounts);
            return c8s_err_set(err, C8S_EINVALID, "volumeMount %s: no such volume",
                               name ? name : "");
        }
        const json_t *hp = json_object_get(vol, "hostPath");
        cleanup_free char *src = hp ? xstrdup(str(hp, "path")) : kvol_dir(pod_dir, name);
        const char *sub = str(vm, "subPath");
        if (sub && *sub) {
            if (!safe_rel(sub)) {
                json_decref(mounts);
                return c8s_err_set(err, C8S_EINVALID,
                                   "subPath %s must be a relative path "
                                   "without ..",
                                   sub);
            }
            char *full = xasprintf("%s/%s", src, sub);
            free(src);
            src = full;
            if (access(src, F_OK) != 0 && mkdir(src, 0777) != 0) {
                int e = errno;
                json_decref(mounts);
                return c8s_err_set(err, C8S_ESYS, "subPath %s: %s", src, strerror(e));
            }
        }
        bool ro = json_is_true(json_object_get(vm, "readOnly"));
        json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:[s, s, s]}", "destination", dst,
                                                "type", "bind", "source", src, "options", "rbind",
                                                "rprivate", ro ? "ro" : "rw"));
    }
    *out = mounts;
    return 0;
}

void kvol_unmount_all(const char *pod_dir, const json_t *pod)
{
    json_t *v;
    size_t i;
    json_array_foreach(json_object_get(json_object_get(pod, "spec"), "volumes"), i, v)
    {
        const char *name = str(v, "name");
        if (!name || strchr(name, '/'))
            continue;
        cleanup_free char *dir = kvol_dir(pod_dir, name);
        /* Only tmpfs volumes are mounts; EINVAL (not a mount point) is the common case. */
        cleanup_err c8s_err_t e = C8S_ERR_INIT;
        if (c8s_unmount_all(dir, &e) != 0)
            log_warn("kubelet", "%s", e.msg);
    }
}
