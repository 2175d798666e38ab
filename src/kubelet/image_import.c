/*
 * image_import.c — `c8s image import`: an OCI image layout or a docker-archive tarball (what
 * `docker save` writes; Docker 25+ writes both in one file, and then the docker-archive
 * manifest.json is preferred for its RepoTags).
 *
 * The tarball is unpacked (with the layer unpacker's path checks) under the store's tmp/, every
 * blob is hashed and hard-linked into blobs/, and each image is recorded. A docker-archive has no
 * manifest of its own: one is written (OCI media types) from its config and layer files, so
 * imported and pulled images look the same in the store.
 */
#include "image_int.h"
#include "c8s/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

typedef struct import_s {
    image_store_t *st;
    const char *dir; /* the unpacked tarball */
    image_ingest_t *ingest;
    char **names;
    size_t n_names;
} import_t;

/* A file of the unpacked tarball into blobs/ (linked, the file stays); *desc filled (owned). */
static int ingest_file(import_t *im, const char *rel, image_desc_t *desc, c8s_err_t *err)
{
    memset(desc, 0, sizeof(*desc));
    if (strstr(rel, "..") || rel[0] == '/')
        return c8s_err_set(err, C8S_EINVALID, "archive path \"%s\" is not allowed", rel);
    cleanup_free char *src = xasprintf("%s/%s", im->dir, rel);
    struct stat stt;
    if (lstat(src, &stt) < 0 || !S_ISREG(stt.st_mode))
        return c8s_err_set(err, C8S_EINVALID, "archive has no file \"%s\"", rel);
    char *digest = NULL;
    uint64_t size = 0;
    if (image__hash_file(src, &digest, &size, err) < 0)
        return err->code;
    image__ingest_add(im->ingest, digest);
    if (!image__blob_has(im->st, digest)) {
        cleanup_free char *dst = image__blob_path(im->st, digest);
        if (link(src, dst) < 0 && errno != EEXIST) {
            int e = errno;
            free(digest);
            return c8s_err_set(err, C8S_ESYS, "link %s: %s", dst, strerror(e));
        }
    }
    desc->digest = digest;
    desc->size = (int64_t)size;
    /* Compression by magic, as layers in either format may be plain or compressed. */
    unsigned char magic[4] = {0};
    cleanup_close int fd = open(src, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && read(fd, magic, 4) < 0)
        memset(magic, 0, sizeof(magic));
    if (magic[0] == 0x1f && magic[1] == 0x8b)
        desc->media_type = xstrdup(IMAGE_MT_OCI_LAYER_GZ);
    else if (magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
        desc->media_type = xstrdup(IMAGE_MT_OCI_LAYER "+zstd");
    else
        desc->media_type = xstrdup(IMAGE_MT_OCI_LAYER);
    return 0;
}

static void add_name(import_t *im, const char *name)
{
    im->names = xrealloc(im->names, (im->n_names + 1) * sizeof(char *));
    im->names[im->n_names++] = xstrdup(name);
}

/* A RepoTags or annotation name in canonical form (owned), or NULL when it is not a reference. */
static char *canonical(const char *name)
{
    image_ref_t r;
    c8s_err_t e = C8S_ERR_INIT;
    if (!name || image_ref_parse(name, &r, &e) < 0) {
        c8s_err_clear(&e);
        return NULL;
    }
    char *s = image_ref_string(&r);
    image_ref_free(&r);
    return s;
}

static json_t *desc_json(const char *mt, const image_desc_t *d)
{
    return json_pack("{s:s, s:s, s:I}", "mediaType", mt, "digest", d->digest, "size",
                     (json_int_t)d->size);
}

static int import_docker(import_t *im, json_t *manifest, c8s_err_t *err)
{
    if (!json_is_array(manifest) || json_array_size(manifest) == 0)
        return c8s_err_set(err, C8S_EINVALID, "manifest.json: not a list of images");
    size_t i;
    json_t *img;
    json_array_foreach(manifest, i, img)
    {
        const char *cfg = json_string_value(json_object_get(img, "Config"));
        json_t *layers = json_object_get(img, "Layers");
        if (!cfg || !json_is_array(layers))
            return c8s_err_set(err, C8S_EINVALID, "manifest.json: image %zu has no Config/Layers",
                               i);
        image_desc_t cd;
        if (ingest_file(im, cfg, &cd, err) < 0)
            return err->code;
        cleanup_json json_t *m = json_pack("{s:i, s:s, s:o, s:[]}", "schemaVersion", 2, "mediaType",
                                           IMAGE_MT_OCI_MANIFEST, "config",
                                           desc_json(IMAGE_MT_OCI_CONFIG, &cd), "layers");
        free(cd.digest);
        free(cd.media_type);
        size_t li;
        json_t *l;
        json_array_foreach(layers, li, l)
        {
            image_desc_t ld;
            if (!json_is_string(l))
                return c8s_err_set(err, C8S_EINVALID, "manifest.json: bad layer path");
            if (ingest_file(im, json_string_value(l), &ld, err) < 0)
                return err->code;
            json_array_append_new(json_object_get(m, "layers"), desc_json(ld.media_type, &ld));
            free(ld.digest);
            free(ld.media_type);
        }
        cleanup_free char *body = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
        cleanup_free char *mdigest = image_digest_of(body, strlen(body));
        image__ingest_add(im->ingest, mdigest);
        if (image__blob_put_mem(im->st, body, strlen(body), mdigest, NULL, err) < 0)
            return err->code;
        json_t *tags = json_object_get(img, "RepoTags");
        size_t ti;
        json_t *t;
        bool named = false;
        json_array_foreach(tags, ti, t)
        {
            cleanup_free char *name = canonical(json_string_value(t));
            if (!name)
                continue;
            if (image_store_record(im->st, mdigest, name, err) < 0)
                return err->code;
            add_name(im, name);
            named = true;
        }
        if (!named) {
            if (image_store_record(im->st, mdigest, NULL, err) < 0)
                return err->code;
            add_name(im, mdigest);
        }
    }
    return 0;
}

static int import_oci(import_t *im, c8s_err_t *err)
{
    cleanup_free char *ipath = xasprintf("%s/index.json", im->dir);
    cleanup_free char *buf = NULL;
    size_t n = 0;
    if (image__read_file(ipath, 4 << 20, &buf, &n, err) < 0)
        return c8s_err_wrap(err, "not an OCI layout or docker-archive");
    json_error_t je;
    cleanup_json json_t *index = json_loadb(buf, n, 0, &je);
    json_t *ms = json_object_get(index, "manifests");
    if (!json_is_array(ms))
        return c8s_err_set(err, C8S_EINVALID, "index.json: no manifests");
    size_t i;
    json_t *d;
    json_array_foreach(ms, i, d)
    {
        const char *digest = json_string_value(json_object_get(d, "digest"));
        if (!image_digest_valid(digest))
            return c8s_err_set(err, C8S_EINVALID, "index.json: manifest %zu: bad digest", i);
        cleanup_free char *rel = xasprintf("blobs/sha256/%s", digest + 7);
        image_desc_t md;
        if (ingest_file(im, rel, &md, err) < 0)
            return err->code;
        bool ok = strcmp(md.digest, digest) == 0;
        free(md.digest);
        free(md.media_type);
        if (!ok)
            return c8s_err_set(err, C8S_EINVALID, "blob %s: digest mismatch", digest);
        cleanup_free char *mbuf = NULL;
        size_t mlen = 0;
        if (image__blob_read(im->st, digest, &mbuf, &mlen, err) < 0)
            return err->code;
        cleanup_json json_t *doc = json_loadb(mbuf, mlen, 0, &je);
        if (!doc)
            return c8s_err_set(err, C8S_EINVALID, "manifest %s: %s", digest, je.text);
        cleanup_free char *chosen = xstrdup(digest);
        if (image_doc_kind(doc, json_string_value(json_object_get(d, "mediaType"))) ==
            IMAGE_DOC_INDEX) {
            free(chosen);
            chosen = NULL;
            if (image_index_select(doc, "linux", image_host_arch(), &chosen, err) < 0)
                return err->code;
            cleanup_free char *crel = xasprintf("blobs/sha256/%s", chosen + 7);
            if (ingest_file(im, crel, &md, err) < 0)
                return err->code;
            free(md.digest);
            free(md.media_type);
            json_decref(doc);
            free(mbuf);
            mbuf = NULL;
            if (image__blob_read(im->st, chosen, &mbuf, &mlen, err) < 0)
                return err->code;
            doc = json_loadb(mbuf, mlen, 0, &je);
        }
        image_manifest_t m;
        if (image_manifest_parse(doc, &m, err) < 0)
            return c8s_err_wrap(err, "manifest %s", chosen);
        int rc = 0;
        image_desc_t *all[1] = {&m.config};
        for (size_t k = 0; rc == 0 && k < m.n_layers + 1; k++) {
            const image_desc_t *want = k == 0 ? all[0] : &m.layers[k - 1];
            cleanup_free char *brel = xasprintf("blobs/sha256/%s", want->digest + 7);
            image_desc_t got;
            rc = ingest_file(im, brel, &got, err);
            if (rc == 0 && strcmp(got.digest, want->digest) != 0)
                rc = c8s_err_set(err, C8S_EINVALID, "blob %s: digest mismatch", want->digest);
            free(got.digest);
            free(got.media_type);
        }
        image_manifest_free(&m);
        if (rc < 0)
            return rc;
        json_t *ann = json_object_get(d, "annotations");
        cleanup_free char *name =
            canonical(json_string_value(json_object_get(ann, "io.containerd.image.name")));
        if (!name) {
            /* org.opencontainers.image.ref.name is often a bare tag ("latest"): a name only
             * when it names a repository too. */
            const char *rn =
                json_string_value(json_object_get(ann, "org.opencontainers.image.ref.name"));
            if (rn && (strchr(rn, '/') || strchr(rn, ':')))
                name = canonical(rn);
        }
        if (image_store_record(im->st, chosen, name, err) < 0)
            return err->code;
        add_name(im, name ? name : chosen);
    }
    return 0;
}

int image_import(image_store_t *st, const char *file, char ***names, size_t *n_names,
                 c8s_err_t *err)
{
    *names = NULL;
    *n_names = 0;
    cleanup_free char *dir = image__tmp_path(st, "import");
    if (mkdir(dir, 0700) < 0)
        return c8s_err_set(err, C8S_ESYS, "mkdir %s: %s", dir, strerror(errno));
    import_t im = {.st = st, .dir = dir, .ingest = image__ingest_begin(st)};
    int rc = image_layer_unpack(file, dir, err);
    if (rc < 0)
        c8s_err_wrap(err, "reading %s", file);
    if (rc == 0) {
        cleanup_free char *mpath = xasprintf("%s/manifest.json", dir);
        cleanup_free char *buf = NULL;
        size_t n = 0;
        c8s_err_t e = C8S_ERR_INIT;
        if (image__read_file(mpath, 4 << 20, &buf, &n, &e) == 0) {
            json_error_t je;
            cleanup_json json_t *m = json_loadb(buf, n, 0, &je);
            rc = m ? import_docker(&im, m, err)
                   : c8s_err_set(err, C8S_EINVALID, "manifest.json: %s", je.text);
        } else if (e.code == C8S_ENOTFOUND) {
            rc = import_oci(&im, err);
        } else {
            c8s_err_move(err, &e);
            rc = err->code;
        }
        c8s_err_clear(&e);
    }
    image__ingest_end(im.ingest);
    c8s_err_t rmerr = C8S_ERR_INIT;
    if (image__rm_tree(dir, &rmerr) < 0)
        log_warn(IMAGE_ROOM, "import: %s", rmerr.msg);
    c8s_err_clear(&rmerr);
    if (rc < 0) {
        for (size_t i = 0; i < im.n_names; i++)
            free(im.names[i]);
        free(im.names);
        return rc;
    }
    *names = im.names;
    *n_names = im.n_names;
    return 0;
}
