/*
 * image_int.h — what the image files (store, pull, import) share and nobody else sees: blob
 * ingestion and in-flight leases, so a concurrent `image rm` never prunes what a pull or an
 * import has fetched but not yet recorded.
 */
#ifndef C8S_IMAGE_INT_H
#define C8S_IMAGE_INT_H

#include "c8s/image.h"

/* A temporary path under <root>/tmp (owned), unique in this process and across processes. */
char *image__tmp_path(image_store_t *st, const char *what);

/* Reads a whole file of at most max bytes; *data owned (NUL-terminated). C8S_ENOTFOUND when absent.
 */
int image__read_file(const char *path, size_t max, char **data, size_t *len, c8s_err_t *err);
/* Creates or truncates path (mode 0600) with data. */
int image__write_file(const char *path, const void *data, size_t len, c8s_err_t *err);
/* rm -rf on one filesystem, never following symlinks; a missing path is success. */
int image__rm_tree(const char *path, c8s_err_t *err);

/* Hashes the file: *digest owned, *size its length. */
int image__hash_file(const char *path, char **digest, uint64_t *size, c8s_err_t *err);

/* Moves the file at tmp (under <root>/tmp) into blobs/ after checking it hashes to want (when
 * want is NULL the digest is computed); sets *digest (owned) when digest is not NULL. tmp is
 * removed on failure. */
int image__blob_put_file(image_store_t *st, const char *tmp, const char *want, char **digest,
                         c8s_err_t *err);
/* Moves tmp into blobs/ as digest, which the caller computed over exactly tmp's bytes while
 * writing them (a download hashed as it streams). */
int image__blob_put_hashed(image_store_t *st, const char *tmp, const char *digest, c8s_err_t *err);
/* Stores bytes as a blob, verified against want when not NULL; *digest owned when not NULL. */
int image__blob_put_mem(image_store_t *st, const void *data, size_t len, const char *want,
                        char **digest, c8s_err_t *err);
/* True when the blob is present. */
bool image__blob_has(image_store_t *st, const char *digest);
/* The blob's path (owned). */
char *image__blob_path(image_store_t *st, const char *digest);
/* Reads a (small) blob into memory, re-verifying its digest; *data owned. */
int image__blob_read(image_store_t *st, const char *digest, char **data, size_t *len,
                     c8s_err_t *err);
/* Unpacks the layer blob into layers/<hex> unless already there. */
int image__layer_ensure(image_store_t *st, const char *digest, c8s_err_t *err);

/* An ingest lease: blobs named in it survive pruning until image__ingest_end. */
typedef struct image_ingest_s image_ingest_t;
image_ingest_t *image__ingest_begin(image_store_t *st);
void image__ingest_add(image_ingest_t *in, const char *digest);
void image__ingest_end(image_ingest_t *in);

#endif
