/*
 * image_store.c — the image store on disk: blobs, shared unpacked layers, image records in
 * index.json, leases, removal with pruning, GC by disk use, and overlayfs root filesystems.
 *
 * Every change of index.json happens under flock(<root>/lock) with a read-modify-rename, so the
 * kubelet's threads and a `c8s image` command run side by side without losing an update. Blobs
 * and layers are written under tmp/ and renamed into place, so a reader never sees half of one
 * and a layer is unpacked once even when two pulls race for it.
 */
#include "image_int.h"
#include "c8s/strbuf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>

struct image_store_s {
    char *root;
};

static atomic_uint tmp_seq;

const char *image_store_root(const image_store_t *st)
{
    return st->root;
}

static int mkdir_p(const char *path, mode_t mode, c8s_err_t *err)
{
    cleanup_free char *p = xstrdup(path);
    for (char *s = p + 1;; s++) {
        char c = *s;
        if (c != '/' && c != '\0')
            continue;
        *s = '\0';
        if (mkdir(p, mode) < 0 && errno != EEXIST)
            return c8s_err_set(err, C8S_ESYS, "mkdir %s: %s", p, strerror(errno));
        *s = c;
        if (!c)
            break;
    }
    return 0;
}

static bool pid_alive(long pid);

/* Removes what dead processes left in tmp/ (names are "<what>-<pid>-<seq>-<ns>"): a pull or an
 * import killed half-way. A live process's entries, or ones of unknown shape, are left alone. */
static void tmp_sweep(const char *root)
{
    cleanup_free char *dir = xasprintf("%s/tmp", root);
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *dash = strchr(de->d_name, '-');
        if (de->d_name[0] == '.' || !dash)
            continue;
        char *end = NULL;
        long pid = strtol(dash + 1, &end, 10);
        if (!end || *end != '-' || pid <= 0 || pid_alive(pid))
            continue;
        cleanup_free char *p = xasprintf("%s/%s", dir, de->d_name);
        c8s_err_t e = C8S_ERR_INIT;
        if (image__rm_tree(p, &e) < 0)
            log_warn(IMAGE_ROOM, "sweeping tmp: %s", e.msg);
        c8s_err_clear(&e);
    }
    closedir(d);
}

int image_store_open(const char *data_dir, image_store_t **out, c8s_err_t *err)
{
    *out = NULL;
    cleanup_free char *root = xasprintf("%s/images", data_dir);
    /* ',' and ':' separate overlayfs mount options and lowerdirs; such a path cannot be mounted. */
    if (strpbrk(root, ",:"))
        return c8s_err_set(err, C8S_EINVALID,
                           "data dir %s: ',' and ':' cannot appear in overlayfs layer paths",
                           data_dir);
    static const char *const subdirs[] = {"blobs/sha256", "layers", "leases", "tmp", "empty"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(subdirs); i++) {
        cleanup_free char *d = xasprintf("%s/%s", root, subdirs[i]);
        if (mkdir_p(d, 0700, err) < 0)
            return c8s_err_wrap(err, "opening the image store");
    }
    tmp_sweep(root);
    image_store_t *st = xcalloc(1, sizeof(*st));
    st->root = c8s_steal(&root);
    *out = st;
    return 0;
}

void image_store_close(image_store_t *st)
{
    if (!st)
        return;
    free(st->root);
    free(st);
}

char *image__tmp_path(image_store_t *st, const char *what)
{
    return xasprintf("%s/tmp/%s-%ld-%u-%llx", st->root, what, (long)getpid(),
                     atomic_fetch_add(&tmp_seq, 1), (unsigned long long)c8s_now_ns());
}

char *image__blob_path(image_store_t *st, const char *digest)
{
    return xasprintf("%s/blobs/sha256/%s", st->root, digest + 7);
}

static char *layer_path(image_store_t *st, const char *digest)
{
    return xasprintf("%s/layers/%s", st->root, digest + 7);
}

bool image__blob_has(image_store_t *st, const char *digest)
{
    if (!image_digest_valid(digest))
        return false;
    cleanup_free char *p = image__blob_path(st, digest);
    return access(p, F_OK) == 0;
}

int image__hash_file(const char *path, char **digest, uint64_t *size, c8s_err_t *err)
{
    *digest = NULL;
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return c8s_err_set(err, C8S_ESYS, "open %s: %s", path, strerror(errno));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
        abort(); /* only out of memory */
    char *buf = xmalloc(1 << 16);
    uint64_t total = 0;
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, buf, 1 << 16);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = c8s_err_set(err, C8S_ESYS, "read %s: %s", path, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        EVP_DigestUpdate(ctx, buf, (size_t)n);
        total += (uint64_t)n;
    }
    free(buf);
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    if (rc < 0)
        return rc;
    char *s = xmalloc(7 + 64 + 1);
    memcpy(s, "sha256:", 7);
    for (int i = 0; i < 32; i++)
        sprintf(s + 7 + 2 * i, "%02x", md[i]);
    *digest = s;
    if (size)
        *size = total;
    return 0;
}

int image__blob_put_file(image_store_t *st, const char *tmp, const char *want, char **digest,
                         c8s_err_t *err)
{
    if (digest)
        *digest = NULL;
    cleanup_free char *got = NULL;
    if (image__hash_file(tmp, &got, NULL, err) < 0) {
        unlink(tmp);
        return err->code;
    }
    if (want && strcmp(want, got) != 0) {
        unlink(tmp);
        return c8s_err_set(err, C8S_EINVALID, "digest mismatch: want %s, got %s", want, got);
    }
    cleanup_free char *dst = image__blob_path(st, got);
    if (rename(tmp, dst) < 0) {
        int e = errno;
        unlink(tmp);
        return c8s_err_set(err, C8S_ESYS, "rename %s: %s", dst, strerror(e));
    }
    if (digest)
        *digest = c8s_steal(&got);
    return 0;
}

int image__blob_put_hashed(image_store_t *st, const char *tmp, const char *digest, c8s_err_t *err)
{
    cleanup_free char *dst = image__blob_path(st, digest);
    if (rename(tmp, dst) < 0) {
        int e = errno;
        unlink(tmp);
        return c8s_err_set(err, C8S_ESYS, "rename %s: %s", dst, strerror(e));
    }
    return 0;
}

int image__write_file(const char *path, const void *data, size_t len, c8s_err_t *err)
{
    cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return c8s_err_set(err, C8S_ESYS, "create %s: %s", path, strerror(errno));
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return c8s_err_set(err, C8S_ESYS, "write %s: %s", path, strerror(errno));
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int image__blob_put_mem(image_store_t *st, const void *data, size_t len, const char *want,
                        char **digest, c8s_err_t *err)
{
    if (digest)
        *digest = NULL;
    cleanup_free char *got = image_digest_of(data, len);
    if (want && strcmp(want, got) != 0)
        return c8s_err_set(err, C8S_EINVALID, "digest mismatch: want %s, got %s", want, got);
    if (!image__blob_has(st, got)) {
        cleanup_free char *tmp = image__tmp_path(st, "blob");
        if (image__write_file(tmp, data, len, err) < 0) {
            unlink(tmp);
            return err->code;
        }
        cleanup_free char *dst = image__blob_path(st, got);
        if (rename(tmp, dst) < 0) {
            int e = errno;
            unlink(tmp);
            return c8s_err_set(err, C8S_ESYS, "rename %s: %s", dst, strerror(e));
        }
    }
    if (digest)
        *digest = c8s_steal(&got);
    return 0;
}

int image__read_file(const char *path, size_t max, char **data, size_t *len, c8s_err_t *err)
{
    *data = NULL;
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return c8s_err_set(err, errno == ENOENT ? C8S_ENOTFOUND : C8S_ESYS, "open %s: %s", path,
                           strerror(errno));
    strbuf_t b = STRBUF_INIT;
    char buf[8192];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            strbuf_free(&b);
            return c8s_err_set(err, C8S_ESYS, "read %s: %s", path, strerror(errno));
        }
        if (n == 0)
            break;
        if (b.len + (size_t)n > max) {
            strbuf_free(&b);
            return c8s_err_set(err, C8S_ETOOLARGE, "%s is larger than %zu bytes", path, max);
        }
        strbuf_addn(&b, buf, (size_t)n);
    }
    *len = b.len;
    *data = strbuf_take(&b);
    return 0;
}

int image__blob_read(image_store_t *st, const char *digest, char **data, size_t *len,
                     c8s_err_t *err)
{
    *data = NULL;
    if (!image_digest_valid(digest))
        return c8s_err_set(err, C8S_EINVALID, "bad digest \"%s\"", digest);
    cleanup_free char *p = image__blob_path(st, digest);
    cleanup_free char *buf = NULL;
    size_t n = 0;
    if (image__read_file(p, 16 << 20, &buf, &n, err) < 0)
        return err->code;
    if (image_digest_verify(digest, buf, n, err) < 0)
        return c8s_err_wrap(err, "blob %s is corrupt", digest);
    *data = c8s_steal(&buf);
    *len = n;
    return 0;
}

static int rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* rm -rf, staying on one filesystem and never following symlinks. ENOENT is success. */
int image__rm_tree(const char *path, c8s_err_t *err)
{
    struct stat stt;
    if (lstat(path, &stt) < 0)
        return errno == ENOENT ? 0
                               : c8s_err_set(err, C8S_ESYS, "stat %s: %s", path, strerror(errno));
    if (nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) != 0)
        return c8s_err_set(err, C8S_ESYS, "removing %s: %s", path, strerror(errno));
    return 0;
}

int image__layer_ensure(image_store_t *st, const char *digest, c8s_err_t *err)
{
    cleanup_free char *dst = layer_path(st, digest);
    if (access(dst, F_OK) == 0)
        return 0;
    cleanup_free char *blob = image__blob_path(st, digest);
    cleanup_free char *tmp = image__tmp_path(st, "layer");
    if (mkdir(tmp, 0755) < 0)
        return c8s_err_set(err, C8S_ESYS, "mkdir %s: %s", tmp, strerror(errno));
    c8s_err_t rmerr = C8S_ERR_INIT;
    if (image_layer_unpack(blob, tmp, err) < 0) {
        image__rm_tree(tmp, &rmerr);
        c8s_err_clear(&rmerr);
        return c8s_err_wrap(err, "unpacking layer %s", digest);
    }
    if (rename(tmp, dst) < 0) {
        int e = errno;
        image__rm_tree(tmp, &rmerr);
        c8s_err_clear(&rmerr);
        /* Another pull unpacked the same layer meanwhile: theirs is as good as ours. */
        if (e == EEXIST || e == ENOTEMPTY)
            return 0;
        return c8s_err_set(err, C8S_ESYS, "rename %s: %s", dst, strerror(e));
    }
    return 0;
}

/* ---- ingest leases ---- */

struct image_ingest_s {
    image_store_t *st;
    char *path;
};

image_ingest_t *image__ingest_begin(image_store_t *st)
{
    image_ingest_t *in = xcalloc(1, sizeof(*in));
    in->st = st;
    in->path = xasprintf("%s/leases/.ingest-%ld-%u", st->root, (long)getpid(),
                         atomic_fetch_add(&tmp_seq, 1));
    return in;
}

void image__ingest_add(image_ingest_t *in, const char *digest)
{
    FILE *f = fopen(in->path, "ae");
    if (!f) {
        log_warn(IMAGE_ROOM, "ingest lease %s: %s", in->path, strerror(errno));
        return;
    }
    fprintf(f, "%s\n", digest);
    fclose(f);
}

void image__ingest_end(image_ingest_t *in)
{
    if (!in)
        return;
    unlink(in->path);
    free(in->path);
    free(in);
}

/* ---- index.json under the lock ---- */

typedef struct {
    int fd;
} store_lock_t;

static int lock_take(image_store_t *st, store_lock_t *l, c8s_err_t *err)
{
    cleanup_free char *p = xasprintf("%s/lock", st->root);
    /* A fresh open file description per holder: flock then excludes other threads of this
     * process as well as other processes. */
    l->fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (l->fd < 0)
        return c8s_err_set(err, C8S_ESYS, "open %s: %s", p, strerror(errno));
    while (flock(l->fd, LOCK_EX) < 0) {
        if (errno != EINTR) {
            int e = errno;
            close(l->fd);
            l->fd = -1;
            return c8s_err_set(err, C8S_ESYS, "flock %s: %s", p, strerror(e));
        }
    }
    return 0;
}

static void lock_drop(store_lock_t *l)
{
    if (l->fd >= 0)
        close(l->fd); /* releases the flock */
    l->fd = -1;
}

static int index_load(image_store_t *st, json_t **out, c8s_err_t *err)
{
    cleanup_free char *p = xasprintf("%s/index.json", st->root);
    cleanup_free char *buf = NULL;
    size_t n = 0;
    c8s_err_t rerr = C8S_ERR_INIT;
    if (image__read_file(p, 256 << 20, &buf, &n, &rerr) < 0) {
        if (rerr.code == C8S_ENOTFOUND) {
            c8s_err_clear(&rerr);
            *out = json_pack("{s:{}}", "images");
            return 0;
        }
        c8s_err_move(err, &rerr);
        return err->code;
    }
    json_error_t je;
    json_t *j = json_loadb(buf, n, 0, &je);
    if (!j || !json_is_object(json_object_get(j, "images"))) {
        json_decref(j);
        return c8s_err_set(err, C8S_EINTERNAL, "%s is corrupt: %s", p, je.text);
    }
    *out = j;
    return 0;
}

static int index_save(image_store_t *st, json_t *idx, c8s_err_t *err)
{
    cleanup_free char *p = xasprintf("%s/index.json", st->root);
    cleanup_free char *tmp = image__tmp_path(st, "index");
    cleanup_free char *s = json_dumps(idx, JSON_INDENT(1) | JSON_SORT_KEYS);
    if (!s)
        return c8s_err_set(err, C8S_EINTERNAL, "encoding the image index");
    if (image__write_file(tmp, s, strlen(s), err) < 0) {
        unlink(tmp);
        return err->code;
    }
    if (rename(tmp, p) < 0) {
        int e = errno;
        unlink(tmp);
        return c8s_err_set(err, C8S_ESYS, "rename %s: %s", p, strerror(e));
    }
    return 0;
}

static bool hex_prefix(const char *s)
{
    size_t n = strlen(s);
    if (n < 12 || n > 64)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

static bool names_contain(json_t *names, const char *name)
{
    size_t i;
    json_t *v;
    json_array_foreach(names, i, v) if (strcmp(json_string_value(v), name) == 0) return true;
    return false;
}

/* The index key (manifest digest, borrowed from idx) an image reference names. *by_name says the
 * reference was a name (tag), not a digest or an ID; *canon (owned) the canonical name then. */
static int index_find(json_t *idx, const char *ref, const char **key, bool *by_name, char **canon,
                      c8s_err_t *err)
{
    json_t *images = json_object_get(idx, "images");
    *key = NULL;
    *by_name = false;
    if (canon)
        *canon = NULL;
    const char *k;
    json_t *v;
    if (image_digest_valid(ref)) {
        json_object_foreach(images, k, v) if (strcmp(k, ref) == 0)
        {
            *key = k;
            return 0;
        }
        return c8s_err_set(err, C8S_ENOTFOUND, "image \"%s\" not found", ref);
    }
    if (hex_prefix(ref)) {
        const char *hit = NULL;
        int hits = 0;
        size_t n = strlen(ref);
        json_object_foreach(images, k, v)
        {
            const char *cfg = json_string_value(json_object_get(v, "config"));
            if ((cfg && strncmp(cfg + 7, ref, n) == 0) || strncmp(k + 7, ref, n) == 0) {
                if (hit != k)
                    hits++;
                hit = k;
            }
        }
        if (hits == 1) {
            *key = hit;
            return 0;
        }
        if (hits > 1)
            return c8s_err_set(err, C8S_ECONFLICT, "image ID prefix \"%s\" is ambiguous", ref);
        /* Fall through: a hex-looking string may also be a repository name. */
    }
    image_ref_t r;
    if (image_ref_parse(ref, &r, err) < 0)
        return err->code;
    if (r.digest) {
        json_object_foreach(images, k, v) if (strcmp(k, r.digest) == 0)
        {
            *key = k;
            image_ref_free(&r);
            return 0;
        }
        image_ref_free(&r);
        return c8s_err_set(err, C8S_ENOTFOUND, "image \"%s\" not found", ref);
    }
    cleanup_free char *name = image_ref_string(&r);
    image_ref_free(&r);
    json_object_foreach(images, k, v) if (names_contain(json_object_get(v, "names"), name))
    {
        *key = k;
        *by_name = true;
        if (canon)
            *canon = c8s_steal(&name);
        return 0;
    }
    return c8s_err_set(err, C8S_ENOTFOUND, "image \"%s\" not found", ref);
}

static void names_remove(json_t *names, const char *name)
{
    for (size_t i = 0; i < json_array_size(names);) {
        if (strcmp(json_string_value(json_array_get(names, i)), name) == 0)
            json_array_remove(names, i);
        else
            i++;
    }
}

int image_store_record(image_store_t *st, const char *manifest_digest, const char *name,
                       c8s_err_t *err)
{
    cleanup_free char *mbuf = NULL;
    size_t mlen = 0;
    if (image__blob_read(st, manifest_digest, &mbuf, &mlen, err) < 0)
        return err->code;
    json_error_t je;
    cleanup_json json_t *doc = json_loadb(mbuf, mlen, 0, &je);
    if (!doc)
        return c8s_err_set(err, C8S_EINVALID, "manifest %s: %s", manifest_digest, je.text);
    image_manifest_t m;
    if (image_manifest_parse(doc, &m, err) < 0)
        return err->code;
    int rc = 0;
    uint64_t size = 0;
    json_t *layers = json_array();
    if (!image__blob_has(st, m.config.digest)) {
        rc = c8s_err_set(err, C8S_EINTERNAL, "config blob %s missing", m.config.digest);
        goto out;
    }
    for (size_t i = 0; i < m.n_layers; i++) {
        cleanup_free char *bp = image__blob_path(st, m.layers[i].digest);
        struct stat stt;
        if (stat(bp, &stt) < 0) {
            rc = c8s_err_set(err, C8S_EINTERNAL, "layer blob %s missing", m.layers[i].digest);
            goto out;
        }
        if (image__layer_ensure(st, m.layers[i].digest, err) < 0) {
            rc = err->code;
            goto out;
        }
        size += (uint64_t)stt.st_size;
        json_array_append_new(layers, json_string(m.layers[i].digest));
    }
    store_lock_t l;
    if (lock_take(st, &l, err) < 0) {
        rc = err->code;
        goto out;
    }
    json_t *idx = NULL;
    if (index_load(st, &idx, err) < 0) {
        rc = err->code;
        lock_drop(&l);
        goto out;
    }
    json_t *images = json_object_get(idx, "images");
    const char *k;
    json_t *v;
    if (name)
        json_object_foreach(images, k, v) names_remove(json_object_get(v, "names"), name);
    json_t *rec = json_object_get(images, manifest_digest);
    int64_t now = (int64_t)time(NULL);
    if (!rec) {
        rec = json_pack("{s:[], s:s, s:O, s:I, s:I, s:I}", "names", "config", m.config.digest,
                        "layers", layers, "size", (json_int_t)size, "created", (json_int_t)now,
                        "lastUsed", (json_int_t)now);
        json_object_set_new(images, manifest_digest, rec);
    } else {
        json_object_set_new(rec, "lastUsed", json_integer(now));
    }
    if (name && !names_contain(json_object_get(rec, "names"), name))
        json_array_append_new(json_object_get(rec, "names"), json_string(name));
    rc = index_save(st, idx, err);
    json_decref(idx);
    lock_drop(&l);
out:
    json_decref(layers);
    image_manifest_free(&m);
    return rc;
}

/* ---- leases and what they keep ---- */

static bool pid_alive(long pid)
{
    return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

/* Adds to keep (an object used as a set) every digest the leases pin: a container lease's
 * manifest with its config and layers, an ingest lease's blobs (from live processes only). Also
 * sets used (an object) to the leased manifest digests. */
static void leases_collect(image_store_t *st, json_t *images, json_t *keep, json_t *used)
{
    cleanup_free char *dir = xasprintf("%s/leases", st->root);
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        bool ingest = strncmp(de->d_name, ".ingest-", 8) == 0;
        cleanup_free char *p = xasprintf("%s/%s", dir, de->d_name);
        if (ingest && !pid_alive(strtol(de->d_name + 8, NULL, 10))) {
            unlink(p); /* a pull that died: nothing pins its blobs any more */
            continue;
        }
        cleanup_free char *buf = NULL;
        size_t n = 0;
        c8s_err_t e = C8S_ERR_INIT;
        if (image__read_file(p, 1 << 20, &buf, &n, &e) < 0) {
            c8s_err_clear(&e);
            continue;
        }
        for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
            if (!image_digest_valid(line))
                continue;
            json_object_set_new(keep, line, json_true());
            json_t *rec = json_object_get(images, line);
            if (!rec)
                continue;
            if (!ingest)
                json_object_set_new(used, line, json_true());
        }
    }
    closedir(d);
}

/* Deletes blobs and layer dirs that no image record and no lease needs. Under the lock. */
static void prune(image_store_t *st, json_t *idx)
{
    json_t *images = json_object_get(idx, "images");
    cleanup_json json_t *keep = json_object();
    cleanup_json json_t *used = json_object();
    leases_collect(st, images, keep, used);
    const char *k;
    json_t *v;
    json_object_foreach(images, k, v) json_object_set_new(keep, k, json_true());
    /* Closure: every kept manifest keeps its config and layers. */
    json_object_foreach(images, k, v)
    {
        if (!json_object_get(keep, k))
            continue;
        json_object_set_new(keep, json_string_value(json_object_get(v, "config")), json_true());
        size_t i;
        json_t *l;
        json_array_foreach(json_object_get(v, "layers"), i, l)
            json_object_set_new(keep, json_string_value(l), json_true());
    }
    static const char *const dirs[] = {"blobs/sha256", "layers"};
    for (size_t di = 0; di < 2; di++) {
        cleanup_free char *dir = xasprintf("%s/%s", st->root, dirs[di]);
        DIR *d = opendir(dir);
        if (!d)
            continue;
        struct dirent *de;
        while ((de = readdir(d))) {
            if (de->d_name[0] == '.')
                continue;
            cleanup_free char *dg = xasprintf("sha256:%s", de->d_name);
            if (json_object_get(keep, dg))
                continue;
            cleanup_free char *p = xasprintf("%s/%s", dir, de->d_name);
            c8s_err_t e = C8S_ERR_INIT;
            if (image__rm_tree(p, &e) < 0)
                log_warn(IMAGE_ROOM, "pruning: %s", e.msg);
            c8s_err_clear(&e);
        }
        closedir(d);
    }
}

static bool manifest_leased(image_store_t *st, json_t *images, const char *digest)
{
    cleanup_json json_t *keep = json_object();
    cleanup_json json_t *used = json_object();
    leases_collect(st, images, keep, used);
    return json_object_get(used, digest) != NULL;
}

/* ---- list, lookup, config, remove ---- */

void image_info_free(image_info_t *info)
{
    if (!info)
        return;
    free(info->digest);
    free(info->config);
    for (size_t i = 0; i < info->n_names; i++)
        free(info->names[i]);
    free(info->names);
    for (size_t i = 0; i < info->n_layers; i++)
        free(info->layers[i]);
    free(info->layers);
    memset(info, 0, sizeof(*info));
}

void image_info_free_array(image_info_t *infos, size_t n)
{
    for (size_t i = 0; i < n; i++)
        image_info_free(&infos[i]);
    free(infos);
}

static char **strings_of(json_t *arr, size_t *n)
{
    *n = json_array_size(arr);
    char **out = xcalloc(*n + 1, sizeof(char *));
    for (size_t i = 0; i < *n; i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        out[i] = xstrdup(s ? s : "");
    }
    return out;
}

static void info_fill(image_info_t *info, const char *key, json_t *rec, json_t *used)
{
    memset(info, 0, sizeof(*info));
    info->digest = xstrdup(key);
    const char *cfg = json_string_value(json_object_get(rec, "config"));
    info->config = xstrdup(cfg ? cfg : "");
    info->names = strings_of(json_object_get(rec, "names"), &info->n_names);
    info->layers = strings_of(json_object_get(rec, "layers"), &info->n_layers);
    info->size = (uint64_t)json_integer_value(json_object_get(rec, "size"));
    info->created = json_integer_value(json_object_get(rec, "created"));
    info->last_used = json_integer_value(json_object_get(rec, "lastUsed"));
    info->in_use = json_object_get(used, key) != NULL;
}

static int info_cmp(const void *a, const void *b)
{
    const image_info_t *x = a, *y = b;
    const char *xn = x->n_names ? x->names[0] : "\x7f";
    const char *yn = y->n_names ? y->names[0] : "\x7f";
    int c = strcmp(xn, yn);
    return c ? c : strcmp(x->digest, y->digest);
}

/* Loads the index under the lock (readers too: a rename is atomic, but leases are read
 * alongside and should agree with it). */
static int load_locked(image_store_t *st, json_t **idx, c8s_err_t *err)
{
    store_lock_t l;
    if (lock_take(st, &l, err) < 0)
        return err->code;
    int rc = index_load(st, idx, err);
    lock_drop(&l);
    return rc;
}

int image_list(image_store_t *st, image_info_t **out, size_t *n, c8s_err_t *err)
{
    *out = NULL;
    *n = 0;
    cleanup_json json_t *idx = NULL;
    if (load_locked(st, &idx, err) < 0)
        return err->code;
    json_t *images = json_object_get(idx, "images");
    cleanup_json json_t *keep = json_object();
    cleanup_json json_t *used = json_object();
    leases_collect(st, images, keep, used);
    image_info_t *arr = xcalloc(json_object_size(images) + 1, sizeof(*arr));
    size_t i = 0;
    const char *k;
    json_t *v;
    json_object_foreach(images, k, v) info_fill(&arr[i++], k, v, used);
    qsort(arr, i, sizeof(*arr), info_cmp);
    *out = arr;
    *n = i;
    return 0;
}

int image_lookup(image_store_t *st, const char *ref, image_info_t *out, c8s_err_t *err)
{
    memset(out, 0, sizeof(*out));
    cleanup_json json_t *idx = NULL;
    if (load_locked(st, &idx, err) < 0)
        return err->code;
    const char *key;
    bool by_name;
    if (index_find(idx, ref, &key, &by_name, NULL, err) < 0)
        return err->code;
    json_t *images = json_object_get(idx, "images");
    cleanup_json json_t *keep = json_object();
    cleanup_json json_t *used = json_object();
    leases_collect(st, images, keep, used);
    info_fill(out, key, json_object_get(images, key), used);
    return 0;
}

int image_config(image_store_t *st, const char *ref, json_t **config, c8s_err_t *err)
{
    *config = NULL;
    image_info_t info;
    if (image_lookup(st, ref, &info, err) < 0)
        return err->code;
    cleanup_free char *buf = NULL;
    size_t n = 0;
    int rc = image__blob_read(st, info.config, &buf, &n, err);
    image_info_free(&info);
    if (rc < 0)
        return rc;
    json_error_t je;
    *config = json_loadb(buf, n, 0, &je);
    if (!*config)
        return c8s_err_set(err, C8S_EINVALID, "image config of %s: %s", ref, je.text);
    return 0;
}

/* Removes ref from idx (loaded under the lock held by the caller) and saves. */
static int remove_locked(image_store_t *st, json_t *idx, const char *ref, c8s_err_t *err)
{
    const char *key;
    bool by_name;
    cleanup_free char *canon = NULL;
    if (index_find(idx, ref, &key, &by_name, &canon, err) < 0)
        return err->code;
    json_t *images = json_object_get(idx, "images");
    json_t *rec = json_object_get(images, key);
    json_t *names = json_object_get(rec, "names");
    if (by_name && json_array_size(names) > 1) {
        names_remove(names, canon);
        return index_save(st, idx, err);
    }
    if (manifest_leased(st, images, key))
        return c8s_err_set(err, C8S_ECONFLICT, "image \"%s\" is in use by a container", ref);
    json_object_del(images, key);
    if (index_save(st, idx, err) < 0)
        return err->code;
    prune(st, idx);
    return 0;
}

int image_remove(image_store_t *st, const char *ref, c8s_err_t *err)
{
    store_lock_t l;
    if (lock_take(st, &l, err) < 0)
        return err->code;
    json_t *idx = NULL;
    int rc = index_load(st, &idx, err);
    if (rc == 0)
        rc = remove_locked(st, idx, ref, err);
    json_decref(idx);
    lock_drop(&l);
    return rc;
}

int image_gc(image_store_t *st, int high_pct, int low_pct, uint64_t min_age_s, uint64_t *freed,
             size_t *removed, c8s_err_t *err)
{
    *freed = 0;
    *removed = 0;
    struct statvfs vfs;
    if (statvfs(st->root, &vfs) < 0)
        return c8s_err_set(err, C8S_ESYS, "statvfs %s: %s", st->root, strerror(errno));
    uint64_t capacity = (uint64_t)vfs.f_blocks * vfs.f_frsize;
    uint64_t used = (uint64_t)(vfs.f_blocks - vfs.f_bfree) * vfs.f_frsize;
    image_info_t *infos = NULL;
    size_t n = 0;
    if (image_list(st, &infos, &n, err) < 0)
        return err->code;
    image_gc_item_t *items = xcalloc(n + 1, sizeof(*items));
    size_t *pick = xcalloc(n + 1, sizeof(*pick));
    for (size_t i = 0; i < n; i++)
        items[i] = (image_gc_item_t){infos[i].digest, infos[i].size, (uint64_t)infos[i].last_used,
                                     (uint64_t)infos[i].created, infos[i].in_use};
    size_t k = image_gc_plan(items, n, capacity, used, high_pct, low_pct, (uint64_t)time(NULL),
                             min_age_s, pick);
    int rc = 0;
    for (size_t i = 0; i < k; i++) {
        c8s_err_t e = C8S_ERR_INIT;
        /* A container may have taken the image since the list: remove refuses it then. */
        if (image_remove(st, infos[pick[i]].digest, &e) == 0) {
            *freed += infos[pick[i]].size;
            (*removed)++;
            log_info(IMAGE_ROOM, "image GC removed %s (%llu bytes)", infos[pick[i]].digest,
                     (unsigned long long)infos[pick[i]].size);
        } else if (e.code != C8S_ECONFLICT && e.code != C8S_ENOTFOUND) {
            rc = c8s_err_set(err, e.code, "image GC: %s", e.msg);
            c8s_err_clear(&e);
            break;
        }
        c8s_err_clear(&e);
    }
    free(pick);
    free(items);
    image_info_free_array(infos, n);
    return rc;
}

/* ---- root filesystems ---- */

void image_mount_free(image_mount_t *m)
{
    if (!m)
        return;
    free(m->target);
    free(m->upperdir);
    free(m->workdir);
    free(m->options);
    for (size_t i = 0; i < m->n_lower; i++)
        free(m->lowers[i]);
    free(m->lowers);
    memset(m, 0, sizeof(*m));
}

static bool container_id_ok(const char *id)
{
    return id && *id && id[0] != '.' && !strchr(id, '/') && strlen(id) < 200;
}

int image_rootfs_prepare(image_store_t *st, const char *ref, const char *container_id,
                         const char *dir, image_mount_t *out, c8s_err_t *err)
{
    memset(out, 0, sizeof(*out));
    if (!container_id_ok(container_id))
        return c8s_err_set(err, C8S_EINVALID, "bad container id \"%s\"", container_id);
    store_lock_t l;
    if (lock_take(st, &l, err) < 0)
        return err->code;
    json_t *idx = NULL;
    int rc = index_load(st, &idx, err);
    const char *key = NULL;
    bool by_name;
    if (rc == 0)
        rc = index_find(idx, ref, &key, &by_name, NULL, err);
    json_t *rec = key ? json_object_get(json_object_get(idx, "images"), key) : NULL;
    strbuf_t lower = STRBUF_INIT;
    json_t *layers = json_object_get(rec, "layers");
    size_t nl = json_array_size(layers);
    char **lowers = xcalloc(nl + 1, sizeof(char *));
    size_t n_lowers = 0;
    /* overlayfs wants the top-most lowerdir first; manifests list layers bottom first. */
    for (size_t i = nl; rc == 0 && i-- > 0;) {
        const char *d = json_string_value(json_array_get(layers, i));
        if (!image_digest_valid(d)) {
            rc = c8s_err_set(err, C8S_EINTERNAL, "image record %s has a bad layer", key);
            break;
        }
        char *lp = layer_path(st, d);
        if (access(lp, F_OK) < 0)
            rc = c8s_err_set(err, C8S_EINTERNAL, "layer %s of %s is not unpacked", d, key);
        strbuf_sep(&lower, ":", lp);
        lowers[n_lowers++] = lp;
    }
    if (rc == 0 && nl == 0) {
        /* overlayfs needs a lowerdir; an image without layers gets an empty one. */
        lowers[n_lowers++] = xasprintf("%s/empty", st->root);
        strbuf_add(&lower, lowers[0]);
    }
    if (rc == 0) {
        cleanup_free char *lease = xasprintf("%s/leases/%s", st->root, container_id);
        cleanup_free char *line = xasprintf("%s\n", key);
        rc = image__write_file(lease, line, strlen(line), err);
    }
    if (rc == 0) {
        json_object_set_new(rec, "lastUsed", json_integer((json_int_t)time(NULL)));
        rc = index_save(st, idx, err);
    }
    json_decref(idx);
    lock_drop(&l);
    cleanup_free char *lowerdirs = strbuf_take(&lower);
    out->lowers = lowers;
    out->n_lower = n_lowers;
    if (rc < 0) {
        image_mount_free(out);
        return rc;
    }
    out->target = xasprintf("%s/rootfs", dir);
    out->upperdir = xasprintf("%s/upper", dir);
    out->workdir = xasprintf("%s/work", dir);
    out->options =
        xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", lowerdirs, out->upperdir, out->workdir);
    if (mkdir_p(out->target, 0755, err) < 0 || mkdir_p(out->upperdir, 0755, err) < 0 ||
        mkdir_p(out->workdir, 0700, err) < 0) {
        image_mount_free(out);
        return c8s_err_wrap(err, "preparing the root filesystem of %s", container_id);
    }
    return 0;
}

/* The new mount API: no one-page limit on the options, one fsconfig per layer. */
static int mount_fsconfig(const image_mount_t *m, c8s_err_t *err)
{
    cleanup_close int fs = fsopen("overlay", FSOPEN_CLOEXEC);
    if (fs < 0)
        return c8s_err_set(err, C8S_ESYS, "fsopen overlay: %s", strerror(errno));
    for (size_t i = 0; i < m->n_lower; i++)
        if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", m->lowers[i], 0) < 0)
            return c8s_err_set(err, C8S_ESYS,
                               "overlay lowerdir+ %s: %s (%zu layers need Linux 6.8 or later)",
                               m->lowers[i], strerror(errno), m->n_lower);
    if (fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", m->upperdir, 0) < 0 ||
        fsconfig(fs, FSCONFIG_SET_STRING, "workdir", m->workdir, 0) < 0 ||
        fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return c8s_err_set(err, C8S_ESYS, "overlay on %s: %s", m->target, strerror(errno));
    cleanup_close int mnt = fsmount(fs, FSMOUNT_CLOEXEC, 0);
    if (mnt < 0)
        return c8s_err_set(err, C8S_ESYS, "fsmount overlay: %s", strerror(errno));
    if (move_mount(mnt, "", AT_FDCWD, m->target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return c8s_err_set(err, C8S_ESYS, "move_mount to %s: %s", m->target, strerror(errno));
    return 0;
}

int image_rootfs_mount(const image_mount_t *m, c8s_err_t *err)
{
    if (c8s_unmount_all(m->target, err) != 0)
        return err->code;
    /* mount(2)'s data is one page; past it the kernel would refuse the layer list. */
    if (strlen(m->options) >= 4000)
        return mount_fsconfig(m, err);
    if (mount("overlay", m->target, "overlay", 0, m->options) < 0)
        return c8s_err_set(err, C8S_ESYS, "mount overlay on %s: %s", m->target, strerror(errno));
    return 0;
}

int image_rootfs_teardown(image_store_t *st, const char *container_id, const char *dir,
                          c8s_err_t *err)
{
    if (!container_id_ok(container_id))
        return c8s_err_set(err, C8S_EINVALID, "bad container id \"%s\"", container_id);
    cleanup_free char *target = xasprintf("%s/rootfs", dir);
    if (c8s_unmount_all(target, err) != 0)
        return err->code;
    if (image__rm_tree(dir, err) < 0)
        return err->code;
    cleanup_free char *lease = xasprintf("%s/leases/%s", st->root, container_id);
    if (unlink(lease) < 0 && errno != ENOENT)
        return c8s_err_set(err, C8S_ESYS, "unlink %s: %s", lease, strerror(errno));
    return 0;
}
