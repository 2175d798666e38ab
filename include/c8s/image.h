/*
 * image.h — the node's OCI image store, as the kubelet and `c8s image` use it.
 *
 * Layout under <data-dir>/images:
 *   blobs/sha256/<hex>     content-addressed blobs (manifests, configs, compressed layers), each
 *                          verified against its digest before it is renamed into place
 *   layers/<hex>/          one directory per layer blob, unpacked once and shared by every image
 *                          that lists the blob; overlayfs whiteouts already converted
 *   leases/<container-id>  the manifest digest of an image a prepared rootfs uses (rm and GC skip
 *                          leased images)
 *   index.json             image records: manifest digest → names, config, layers, size, times
 *   lock                   flock(2)ed around every change of index.json, so the kubelet's thread,
 *                          a pull's worker thread and a `c8s image` command never lose an update
 *
 * Root filesystems are overlayfs mounts: the image's layers as read-only lowerdirs, an upperdir
 * and a workdir per container (the seeds' writable-layer story).
 *
 * Thread-safety: an image_store_t may be used from several threads at once; every function that
 * changes index.json takes the lock. Pulls run on a libuv worker thread (image_pull_start) and
 * report on the loop.
 */
#ifndef C8S_IMAGE_H
#define C8S_IMAGE_H

#include "c8s/base.h"

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#define IMAGE_ROOM "image"

/* ---- references ---- */

/* A reference in Docker's conventions: domain/path[:tag][@digest]. All strings owned. */
typedef struct image_ref_s {
    char *domain; /* "docker.io", "127.0.0.1:5000", "localhost" */
    char *path;   /* "library/busybox", "x/y" */
    char *tag;    /* "latest" when neither tag nor digest was given; NULL with a bare digest */
    char *digest; /* "sha256:<64 hex>" or NULL */
} image_ref_t;

/* Parses s: `busybox` → docker.io/library/busybox:latest; the first component is a domain when it
 * has a '.' or ':' or is "localhost"; index.docker.io is docker.io. Fills *out (free with
 * image_ref_free) or returns C8S_EINVALID. */
int image_ref_parse(const char *s, image_ref_t *out, c8s_err_t *err);
void image_ref_free(image_ref_t *r);
/* The canonical name: "docker.io/library/busybox:latest", "host/x@sha256:…" or both (owned). */
char *image_ref_string(const image_ref_t *r);
/* The repository without tag or digest: "docker.io/library/busybox" (owned). */
char *image_ref_repo(const image_ref_t *r);
/* The host to speak to: registry-1.docker.io for docker.io, else the domain (borrowed). */
const char *image_ref_host(const image_ref_t *r);

/* ---- digests ---- */

/* True for "sha256:" followed by 64 lowercase hex digits (the only algorithm we accept). */
bool image_digest_valid(const char *digest);
/* "sha256:<hex>" of data (owned). */
char *image_digest_of(const void *data, size_t len);
/* 0 when data hashes to want; C8S_EINVALID ("digest mismatch") otherwise. */
int image_digest_verify(const char *want, const void *data, size_t len, c8s_err_t *err);

/* ---- manifests and indexes (pure) ---- */

#define IMAGE_MT_OCI_INDEX       "application/vnd.oci.image.index.v1+json"
#define IMAGE_MT_OCI_MANIFEST    "application/vnd.oci.image.manifest.v1+json"
#define IMAGE_MT_OCI_CONFIG      "application/vnd.oci.image.config.v1+json"
#define IMAGE_MT_OCI_LAYER       "application/vnd.oci.image.layer.v1.tar"
#define IMAGE_MT_OCI_LAYER_GZ    "application/vnd.oci.image.layer.v1.tar+gzip"
#define IMAGE_MT_DOCKER_LIST     "application/vnd.docker.distribution.manifest.list.v2+json"
#define IMAGE_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define IMAGE_MT_DOCKER_CONFIG   "application/vnd.docker.container.image.v1+json"
#define IMAGE_MT_DOCKER_LAYER    "application/vnd.docker.image.rootfs.diff.tar.gzip"

typedef enum { IMAGE_DOC_UNKNOWN = 0, IMAGE_DOC_INDEX, IMAGE_DOC_MANIFEST } image_doc_kind_t;

/* What a fetched document is: by the document's own mediaType, else by the Content-Type the
 * registry sent (may be NULL), else by shape (a "manifests" array → index, "layers" → manifest). */
image_doc_kind_t image_doc_kind(const json_t *doc, const char *content_type);

/* From an index (OCI index or Docker manifest list), the digest of the manifest for os/arch
 * (variant ignored except that an exact "v8" for arm64 is preferred). *digest is owned. Returns
 * C8S_ENOTFOUND with the platforms on offer in the message when none matches. */
int image_index_select(const json_t *index, const char *os, const char *arch, char **digest,
                       c8s_err_t *err);

typedef struct image_desc_s {
    char *media_type;
    char *digest;
    int64_t size;
} image_desc_t;

/* An image manifest: its config and its layers, bottom first. Strings owned. */
typedef struct image_manifest_s {
    image_desc_t config;
    image_desc_t *layers;
    size_t n_layers;
} image_manifest_t;

/* Parses an OCI or Docker v2 schema 2 manifest; every digest must be valid sha256. */
int image_manifest_parse(const json_t *doc, image_manifest_t *out, c8s_err_t *err);
void image_manifest_free(image_manifest_t *m);

/* ---- registry authentication (pure parts) ---- */

/* One WWW-Authenticate challenge. Strings owned; absent parameters are NULL. */
typedef struct image_auth_challenge_s {
    char *scheme; /* "Bearer", "Basic" (as sent) */
    char *realm, *service, *scope;
} image_auth_challenge_t;

/* Parses `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="…"`
 * (quoted or token values, any order, unknown parameters skipped). */
int image_auth_parse_challenge(const char *header, image_auth_challenge_t *out, c8s_err_t *err);
void image_auth_challenge_free(image_auth_challenge_t *c);

/* Credentials for registry domain from a .dockerconfigjson document ({"auths": {host: {auth |
 * username+password}}}), matching keys written as "host", "https://host", "http://host/…" and, for
 * docker.io, "https://index.docker.io/v1/". Sets *user and *pass (owned) and returns 0, or returns
 * C8S_ENOTFOUND (nothing for that host) or C8S_EINVALID (a malformed entry). */
int image_auth_from_dockerconfig(const json_t *cfg, const char *domain, char **user, char **pass,
                                 c8s_err_t *err);

/* ---- image garbage collection: the pure decision ---- */

typedef struct image_gc_item_s {
    const char *id;     /* borrowed */
    uint64_t size;      /* bytes the image accounts for */
    uint64_t last_used; /* unix seconds */
    uint64_t created;   /* unix seconds: when the store got it */
    bool in_use;        /* a container uses it: never removed */
} image_gc_item_t;

/* As the kubelet's image GC: when used/capacity ≥ high_pct, frees used − low_pct·capacity bytes
 * by picking unused images, least recently used first (ties: larger first), skipping images the
 * store got less than min_age_s before now (upstream's ImageMinimumGCAge, 2 min by default: a
 * fresh pull is not taken away before its container starts). Writes the chosen indexes into
 * remove (room for n) and returns how many. Returns 0 under the threshold or when the thresholds
 * are out of order (0 ≤ low < high ≤ 100 is required). */
size_t image_gc_plan(const image_gc_item_t *items, size_t n, uint64_t capacity, uint64_t used,
                     int high_pct, int low_pct, uint64_t now, uint64_t min_age_s, size_t *remove);

/* ---- the store ---- */

typedef struct image_store_s image_store_t;

/* Opens (creating) <data_dir>/images. *out is owned; close with image_store_close. */
int image_store_open(const char *data_dir, image_store_t **out, c8s_err_t *err);
void image_store_close(image_store_t *st);
/* The store's root directory (borrowed). */
const char *image_store_root(const image_store_t *st);

/* One image as listed. All strings owned. */
typedef struct image_info_s {
    char *digest; /* manifest digest */
    char *config; /* config digest; its hex is the image ID */
    char **names; /* canonical references pointing at it; may be empty */
    size_t n_names;
    char **layers; /* layer blob digests, bottom first */
    size_t n_layers;
    uint64_t size;              /* sum of the layer blobs' sizes */
    int64_t created, last_used; /* unix seconds */
    bool in_use;                /* a lease exists */
} image_info_t;

void image_info_free(image_info_t *info);
void image_info_free_array(image_info_t *infos, size_t n);

/* All images, sorted by first name then digest. *out owned (image_info_free_array). */
int image_list(image_store_t *st, image_info_t **out, size_t *n, c8s_err_t *err);
/* The image a reference names: a name ("busybox", "host/x:tag"), "name@sha256:…", a manifest
 * digest, or an image ID (config hex, or a unique prefix of at least 12). C8S_ENOTFOUND when none.
 */
int image_lookup(image_store_t *st, const char *ref, image_info_t *out, c8s_err_t *err);
/* The image's config document (owned), for entrypoint, cmd, env, workingDir, user. */
int image_config(image_store_t *st, const char *ref, json_t **config, c8s_err_t *err);

/* Removes a name; the image goes when its last name goes or when ref is a digest or ID. An image
 * a container uses is refused with C8S_ECONFLICT. Blobs and layers no image needs are deleted. */
int image_remove(image_store_t *st, const char *ref, c8s_err_t *err);

/* Records a pulled or imported image: the manifest blob (already stored) under manifest_digest,
 * named by name (canonical, may be NULL), whose config and layer blobs are stored and unpacked.
 * A name moves from any image that had it. */
int image_store_record(image_store_t *st, const char *manifest_digest, const char *name,
                       c8s_err_t *err);

/* Image GC by disk use of the filesystem holding the store (statvfs), with image_gc_plan's rule.
 * Sets *freed (bytes of image size removed) and *removed (images). */
int image_gc(image_store_t *st, int high_pct, int low_pct, uint64_t min_age_s, uint64_t *freed,
             size_t *removed, c8s_err_t *err);

/* ---- root filesystems ---- */

/* An overlayfs mount. Strings owned. */
typedef struct image_mount_s {
    char *target;   /* <dir>/rootfs */
    char *upperdir; /* <dir>/upper */
    char *workdir;  /* <dir>/work */
    char **lowers;  /* layer dirs, top-most first */
    size_t n_lower;
    char *options; /* "lowerdir=L_top:…:L_bottom,upperdir=…,workdir=…" (for mount(2)) */
} image_mount_t;

/* Prepares a container's root filesystem from image ref under dir (created; the runtime's
 * per-container directory): upper/, work/, rootfs/, and a lease so the image stays while the
 * container lives. Does not mount. */
int image_rootfs_prepare(image_store_t *st, const char *ref, const char *container_id,
                         const char *dir, image_mount_t *out, c8s_err_t *err);
void image_mount_free(image_mount_t *m);
/* Mounts m (needs CAP_SYS_ADMIN): mount(2) when the options fit its one page, else the new mount
 * API with one "lowerdir+" per layer (Linux 6.8+), so images with many layers mount too. */
int image_rootfs_mount(const image_mount_t *m, c8s_err_t *err);
/* Unmounts <dir>/rootfs if mounted, deletes dir and drops the container's lease. Idempotent. */
int image_rootfs_teardown(image_store_t *st, const char *container_id, const char *dir,
                          c8s_err_t *err);

/* ---- layers ---- */

typedef enum {
    IMAGE_ENTRY_FILE = 0, /* an ordinary entry (file, dir, link, device) */
    IMAGE_ENTRY_ROOT,     /* "." or "/": the layer root itself */
    IMAGE_ENTRY_WHITEOUT, /* ".wh.NAME": NAME is deleted */
    IMAGE_ENTRY_OPAQUE,   /* ".wh..wh..opq": the directory hides lower layers' contents */
} image_entry_kind_t;

/* Classifies a layer entry's path (pure). *rel (owned) is the cleaned path, relative to the layer
 * root, of what the entry concerns: the entry itself, the entry a whiteout deletes, or the
 * directory an opaque marker is in ("" for the root). C8S_EINVALID for a path that escapes the
 * layer ("..") or a malformed whiteout (".wh.", ".wh..", ".wh..."). */
int image_layer_entry(const char *path, image_entry_kind_t *kind, char **rel, c8s_err_t *err);

/* Unpacks a layer tarball (uncompressed, gzip, zstd, xz — detected) into dir, which must exist
 * and be empty: converts whiteouts to overlayfs's (".wh.NAME" → a 0/0 character device NAME,
 * ".wh..wh..opq" → trusted.overlay.opaque=y on its directory), refuses entries whose path
 * escapes dir ("..", or through a symlink), keeps modes, owners, times, symlinks and hardlinks. */
int image_layer_unpack(const char *tarball, const char *dir, c8s_err_t *err);

/* ---- pulling ---- */

typedef struct image_pull_opts_s {
    const char *const *insecure; /* "host:port" registries spoken to over plain HTTP */
    size_t n_insecure;
    const char *username, *password; /* basic credentials, or NULL */
    /* A .dockerconfigjson document, or an array of them (a pod's imagePullSecrets, in order), or
     * NULL. Each matching entry is tried in turn while the registry refuses (401/403). */
    const json_t *dockerconfig;
    const char *os, *arch; /* platform to choose from an index; NULL = linux and image_host_arch */
} image_pull_opts_t;

/* The OCI architecture name of the machine c8s was built for ("amd64", "arm64", …). */
const char *image_host_arch(void);

/* Pulls ref into the store, blocking: manifest (choosing the platform from an index), config and
 * layers over the OCI distribution API, every blob's digest verified, layers unpacked, the image
 * recorded under the canonical name. Sets *digest (owned) to the manifest digest. Errors:
 * C8S_EUNAUTH (401/403), C8S_ENOTFOUND (404), C8S_EUNAVAILABLE (network), C8S_EINVALID (bad
 * content). */
int image_pull(image_store_t *st, const char *ref, const image_pull_opts_t *opts, char **digest,
               c8s_err_t *err);

/* The result of an asynchronous pull; borrowed for the callback's duration. */
typedef void (*image_pull_cb)(void *data, int code, const char *message, const char *digest);

/* Pulls on a libuv worker thread and calls cb on loop's thread. The options are copied. */
int image_pull_start(uv_loop_t *loop, image_store_t *st, const char *ref,
                     const image_pull_opts_t *opts, image_pull_cb cb, void *data, c8s_err_t *err);

/* ---- import ---- */

/* Imports an OCI-layout or docker-archive tarball (`docker save`). Sets *names (owned array of
 * owned strings; images without a name are reported by manifest digest). */
int image_import(image_store_t *st, const char *file, char ***names, size_t *n_names,
                 c8s_err_t *err);

#endif
