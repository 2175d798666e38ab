/*
 * image_unpack.c — a layer tarball into its own directory with libarchive, ready to be an
 * overlayfs lowerdir.
 *
 * Whiteouts become overlayfs's own (a 0/0 character device, the trusted.overlay.opaque xattr)
 * rather than being applied by merging layers into one tree: each layer is unpacked once and
 * shared between images, and the kernel does the merge. Checked on this machine's kernel
 * (overlayfs on ext4, root): both forms hide the lower layers' entries.
 *
 * Safety: entry paths are cleaned here ("./" and leading "/" dropped, ".." refused) and made
 * absolute under the layer dir; libarchive's ARCHIVE_EXTRACT_SECURE_SYMLINKS then refuses to
 * write through a symlink an earlier entry planted (`a -> /etc`, then `a/passwd`). Absolute
 * symlink *targets* are content and kept as they are. No chdir: pulls run on worker threads.
 * Extended attributes from the tarball are not applied: a layer could otherwise forge overlay
 * xattrs (file capabilities are therefore lost; see docs).
 */
#include "c8s/image.h"
#include "c8s/strbuf.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#define WH_OPAQUE ".wh..wh..opq"

/* The entry's path relative to the layer root, cleaned ("" for the root itself), or NULL when it
 * would escape (a ".." component). Owned. */
static char *clean_path(const char *p)
{
    strbuf_t b = STRBUF_INIT;
    while (*p) {
        while (*p == '/')
            p++;
        size_t n = strcspn(p, "/");
        if (n == 0)
            break;
        if (n == 1 && p[0] == '.') {
            p += n;
            continue;
        }
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            strbuf_free(&b);
            return NULL;
        }
        if (b.len)
            strbuf_addn(&b, "/", 1);
        strbuf_addn(&b, p, n);
        p += n;
    }
    return strbuf_take(&b);
}

/* Creates the parent directories of rel under root (mode 0755), refusing symlinks on the way. */
static int make_parents(const char *root, const char *rel, c8s_err_t *err)
{
    cleanup_free char *path = xasprintf("%s/%s", root, rel);
    size_t rootlen = strlen(root);
    for (char *p = path + rootlen + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        struct stat stt;
        if (lstat(path, &stt) == 0) {
            if (!S_ISDIR(stt.st_mode)) {
                *p = '/';
                return c8s_err_set(err, C8S_EINVALID, "layer entry %s: parent is not a directory",
                                   rel);
            }
        } else if (mkdir(path, 0755) < 0 && errno != EEXIST) {
            int e = errno;
            *p = '/';
            return c8s_err_set(err, C8S_ESYS, "mkdir %s: %s", path, strerror(e));
        }
        *p = '/';
    }
    return 0;
}

/* True when every parent of rel under root is a real directory (no symlink on the way). */
static bool parents_are_dirs(const char *root, const char *rel)
{
    cleanup_free char *path = xasprintf("%s/%s", root, rel);
    for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        struct stat stt;
        bool ok = lstat(path, &stt) == 0 && S_ISDIR(stt.st_mode);
        *p = '/';
        if (!ok)
            return false;
    }
    return true;
}

int image_layer_entry(const char *path, image_entry_kind_t *kind, char **rel, c8s_err_t *err)
{
    *rel = NULL;
    *kind = IMAGE_ENTRY_FILE;
    char *clean = clean_path(path ? path : "");
    if (!clean)
        return c8s_err_set(err, C8S_EINVALID, "layer entry \"%s\" escapes the layer", path);
    if (!*clean) {
        *kind = IMAGE_ENTRY_ROOT;
        *rel = clean;
        return 0;
    }
    char *slash = strrchr(clean, '/');
    char *base = slash ? slash + 1 : clean;
    if (strncmp(base, ".wh.", 4) != 0) {
        *rel = clean;
        return 0;
    }
    if (strcmp(base, WH_OPAQUE) == 0) {
        *kind = IMAGE_ENTRY_OPAQUE;
        *base = '\0';
        if (slash)
            *slash = '\0';
        *rel = clean;
        return 0;
    }
    const char *name = base + 4;
    if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
        strncmp(name, ".wh.", 4) == 0) {
        free(clean);
        return c8s_err_set(err, C8S_EINVALID, "layer entry \"%s\": bad whiteout", path);
    }
    *kind = IMAGE_ENTRY_WHITEOUT;
    memmove(base, name, strlen(name) + 1);
    *rel = clean;
    return 0;
}

/* Applies a whiteout (rel: the entry deleted) or an opaque marker (rel: the directory). */
static int apply_whiteout(const char *root, image_entry_kind_t kind, const char *rel,
                          c8s_err_t *err)
{
    cleanup_free char *target = xasprintf("%s%s%s", root, *rel ? "/" : "", rel);
    if (kind == IMAGE_ENTRY_OPAQUE) {
        /* The directory may come later in the tarball, or not at all. */
        if (*rel) {
            cleanup_free char *child = xasprintf("%s/x", rel);
            if (make_parents(root, child, err) < 0)
                return err->code;
        }
        if (lsetxattr(target, "trusted.overlay.opaque", "y", 1, 0) < 0)
            return c8s_err_set(err, C8S_ESYS, "opaque whiteout on %s: %s", target, strerror(errno));
        return 0;
    }
    if (make_parents(root, rel, err) < 0)
        return err->code;
    struct stat stt;
    if (lstat(target, &stt) == 0) {
        /* An entry of this same layer under the whiteout's name: the whiteout wins, as it
         * describes the layer's final state. A directory here would be a malformed layer. */
        if (S_ISDIR(stt.st_mode))
            return c8s_err_set(err, C8S_EINVALID, "layer entry %s: whiteout over a directory", rel);
        if (unlink(target) < 0)
            return c8s_err_set(err, C8S_ESYS, "unlink %s: %s", target, strerror(errno));
    }
    if (mknod(target, S_IFCHR | 0, makedev(0, 0)) < 0)
        return c8s_err_set(err, C8S_ESYS, "whiteout %s: %s", target, strerror(errno));
    return 0;
}

int image_layer_unpack(const char *tarball, const char *dir, c8s_err_t *err)
{
    struct archive *in = archive_read_new();
    struct archive *out = archive_write_disk_new();
    archive_read_support_format_tar(in);
    archive_read_support_filter_gzip(in);
    archive_read_support_filter_zstd(in);
    archive_read_support_filter_xz(in);
    archive_read_support_filter_bzip2(in);
    archive_write_disk_set_options(out, ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM |
                                            ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_UNLINK |
                                            ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                            ARCHIVE_EXTRACT_SECURE_NODOTDOT);
    /* Numeric owners only: the host's /etc/passwd has nothing to do with the image's. */
    int rc = 0;
    if (archive_read_open_filename(in, tarball, 64 * 1024) != ARCHIVE_OK) {
        rc = c8s_err_set(err, C8S_EINVALID, "layer %s: %s", tarball, archive_error_string(in));
        goto out;
    }
    struct archive_entry *e;
    int r;
    while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        /* Copied: archive_entry_set_pathname below frees the entry's own string. */
        const char *ename = archive_entry_pathname(e);
        cleanup_free char *name = xstrdup(ename ? ename : "");
        cleanup_free char *rel = NULL;
        image_entry_kind_t kind;
        if (image_layer_entry(name, &kind, &rel, err) < 0) {
            rc = err->code;
            goto out;
        }
        if (kind == IMAGE_ENTRY_ROOT)
            continue; /* the layer dir keeps its own mode */
        if (kind != IMAGE_ENTRY_FILE) {
            if (apply_whiteout(dir, kind, rel, err) < 0) {
                rc = err->code;
                goto out;
            }
            continue;
        }
        if (make_parents(dir, rel, err) < 0) {
            rc = err->code;
            goto out;
        }
        cleanup_free char *abs = xasprintf("%s/%s", dir, rel);
        archive_entry_set_pathname(e, abs);
        const char *ehl = archive_entry_hardlink(e);
        cleanup_free char *hl = ehl ? xstrdup(ehl) : NULL;
        cleanup_free char *hlabs = NULL;
        if (hl) {
            cleanup_free char *hlrel = clean_path(hl);
            if (!hlrel || !*hlrel) {
                rc = c8s_err_set(err, C8S_EINVALID,
                                 "layer entry \"%s\": hardlink to \"%s\" "
                                 "escapes the layer",
                                 name, hl);
                goto out;
            }
            /* Not left to libarchive alone: a target reached through a symlink an earlier entry
             * planted would link a host file into the layer. */
            if (!parents_are_dirs(dir, hlrel)) {
                rc = c8s_err_set(err, C8S_EINVALID,
                                 "layer entry \"%s\": hardlink target \"%s\" is not inside the "
                                 "layer",
                                 name, hl);
                goto out;
            }
            hlabs = xasprintf("%s/%s", dir, hlrel);
            archive_entry_set_hardlink(e, hlabs);
        }
        archive_entry_xattr_clear(e);
        r = archive_write_header(out, e);
        if (r < ARCHIVE_WARN) {
            rc = c8s_err_set(err, C8S_EINVALID, "layer entry \"%s\": %s", name,
                             archive_error_string(out));
            goto out;
        }
        if (archive_entry_size(e) > 0 && !hl) {
            const void *buf;
            size_t len;
            la_int64_t off;
            while ((r = archive_read_data_block(in, &buf, &len, &off)) == ARCHIVE_OK) {
                if (archive_write_data_block(out, buf, len, off) < ARCHIVE_OK) {
                    rc = c8s_err_set(err, C8S_ESYS, "layer entry \"%s\": %s", name,
                                     archive_error_string(out));
                    goto out;
                }
            }
            if (r != ARCHIVE_EOF) {
                rc = c8s_err_set(err, C8S_EINVALID, "layer entry \"%s\": %s", name,
                                 archive_error_string(in));
                goto out;
            }
        }
        if (archive_write_finish_entry(out) < ARCHIVE_WARN) {
            rc = c8s_err_set(err, C8S_ESYS, "layer entry \"%s\": %s", name,
                             archive_error_string(out));
            goto out;
        }
    }
    if (r != ARCHIVE_EOF)
        rc = c8s_err_set(err, C8S_EINVALID, "layer %s: %s", tarball, archive_error_string(in));
out:
    /* close applies deferred directory modes and times (after their contents were written). */
    if (archive_write_close(out) != ARCHIVE_OK && rc == 0)
        rc = c8s_err_set(err, C8S_ESYS, "layer %s: %s", tarball, archive_error_string(out));
    archive_write_free(out);
    archive_read_free(in);
    return rc;
}
