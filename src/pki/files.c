/*
 * files.c — the PKI directory of `c8s server` (see include/c8s/pki.h): what is missing is
 * created, what is valid is reused, a serving certificate missing a needed name is re-issued.
 */
#include "c8s/pki.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int pki_read_file(const char *path, char **out, size_t *len, c8s_err_t *err)
{
    *out = NULL;
    FILE *f = fopen(path, "re");
    if (!f)
        return c8s_err_set(err, errno == ENOENT ? C8S_ENOTFOUND : C8S_ESYS, "reading %s: %s", path,
                           strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = xmalloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0)
            buf = xrealloc(buf, cap *= 2);
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return c8s_err_set(err, C8S_ESYS, "reading %s", path);
    }
    buf[n] = '\0';
    *out = buf;
    if (len)
        *len = n;
    return 0;
}

int pki_write_file(const char *path, const char *data, size_t len, unsigned mode, c8s_err_t *err)
{
    cleanup_free char *tmp = xasprintf("%s.tmp", path);
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode);
    if (fd < 0)
        return c8s_err_set(err, C8S_ESYS, "writing %s: %s", tmp, strerror(errno));
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            unlink(tmp);
            return c8s_err_set(err, C8S_ESYS, "writing %s: %s", tmp, strerror(e));
        }
        off += (size_t)w;
    }
    /* The mode given at creation is masked by the umask; keys must be 0600 regardless. */
    if (fchmod(fd, (mode_t)mode) != 0 || fsync(fd) != 0 || close(fd) != 0 ||
        rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return c8s_err_set(err, C8S_ESYS, "writing %s: %s", path, strerror(e));
    }
    return 0;
}

static bool exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* Writes a certificate (0644) and its key (0600); the key first, so that a certificate on disk
 * always has its key. */
static int write_pair(const char *crt, const char *key, const char *crt_pem, const char *key_pem,
                      c8s_err_t *err)
{
    if (pki_write_file(key, key_pem, strlen(key_pem), 0600, err) != 0)
        return err->code;
    return pki_write_file(crt, crt_pem, strlen(crt_pem), 0644, err);
}

static int ensure_ca(pki_files_t *f, char **ca_pem, char **ca_key_pem, c8s_err_t *err)
{
    if (exists(f->ca_crt) || exists(f->ca_key)) {
        if (pki_read_file(f->ca_crt, ca_pem, NULL, err) != 0 ||
            pki_read_file(f->ca_key, ca_key_pem, NULL, err) != 0)
            return err->code;
        return 0;
    }
    log_info("pki", "creating the cluster CA in %s", f->ca_crt);
    if (pki_ca_new("kubernetes", 3650, ca_pem, ca_key_pem, err) != 0)
        return err->code;
    return write_pair(f->ca_crt, f->ca_key, *ca_pem, *ca_key_pem, err);
}

/* Reuses crt/key when both exist, the CA signed the certificate, it has 30 days left and names
 * everything req asks for; issues a new pair otherwise. */
static int ensure_leaf(const char *crt, const char *key, const char *ca_pem, const char *ca_key_pem,
                       const pki_cert_req_t *req, c8s_err_t *err)
{
    if (exists(crt) && exists(key)) {
        cleanup_free char *pem = NULL;
        if (pki_read_file(crt, &pem, NULL, err) != 0)
            return err->code;
        if (pki_cert_signed_by(pem, ca_pem, 30) &&
            pki_cert_covers(pem, req->dns, req->n_dns, req->ips, req->n_ips))
            return 0;
        log_info("pki", "re-issuing %s (another CA, expiring, or a name missing)", crt);
    } else {
        log_info("pki", "issuing %s", crt);
    }
    cleanup_free char *cpem = NULL;
    cleanup_free char *kpem = NULL;
    if (pki_cert_issue(ca_pem, ca_key_pem, req, &cpem, &kpem, err) != 0)
        return err->code;
    return write_pair(crt, key, cpem, kpem, err);
}

static int ensure_sa(const pki_files_t *f, c8s_err_t *err)
{
    if (exists(f->sa_key) && exists(f->sa_pub))
        return 0;
    log_info("pki", "creating the service-account signing key %s", f->sa_key);
    EVP_PKEY *k = EVP_RSA_gen(2048);
    if (!k) {
        ERR_clear_error();
        return c8s_err_set(err, C8S_EINTERNAL, "generating the service-account key");
    }
    BIO *priv = BIO_new(BIO_s_mem()), *pub = BIO_new(BIO_s_mem());
    int rc = 0;
    if (!PEM_write_bio_PrivateKey(priv, k, NULL, NULL, 0, NULL, NULL) ||
        !PEM_write_bio_PUBKEY(pub, k)) {
        ERR_clear_error();
        rc = c8s_err_set(err, C8S_EINTERNAL, "encoding the service-account key");
    } else {
        char *p1 = NULL, *p2 = NULL;
        long n1 = BIO_get_mem_data(priv, &p1), n2 = BIO_get_mem_data(pub, &p2);
        if (pki_write_file(f->sa_key, p1, (size_t)n1, 0600, err) != 0 ||
            pki_write_file(f->sa_pub, p2, (size_t)n2, 0644, err) != 0)
            rc = err->code;
    }
    BIO_free(priv);
    BIO_free(pub);
    EVP_PKEY_free(k);
    return rc;
}

void pki_files_clear(pki_files_t *f)
{
    free(f->ca_crt);
    free(f->ca_key);
    free(f->serving_crt);
    free(f->serving_key);
    free(f->client_ca);
    free(f->admin_crt);
    free(f->admin_key);
    free(f->kubelet_client_crt);
    free(f->kubelet_client_key);
    free(f->sa_key);
    free(f->sa_pub);
    memset(f, 0, sizeof(*f));
}

int pki_bootstrap(const pki_config_t *cfg, pki_files_t *out, c8s_err_t *err)
{
    memset(out, 0, sizeof(*out));
    if (!cfg->tls_cert_file != !cfg->tls_key_file)
        return c8s_err_set(err, C8S_EBADREQUEST,
                           "--tls-cert-file and --tls-private-key-file go together");
    if (mkdir(cfg->dir, 0700) != 0 && errno != EEXIST)
        return c8s_err_set(err, C8S_ESYS, "creating %s: %s", cfg->dir, strerror(errno));
    pki_files_t *f = out;
    f->ca_crt = xasprintf("%s/ca.crt", cfg->dir);
    f->ca_key = xasprintf("%s/ca.key", cfg->dir);
    f->admin_crt = xasprintf("%s/admin.crt", cfg->dir);
    f->admin_key = xasprintf("%s/admin.key", cfg->dir);
    f->kubelet_client_crt = xasprintf("%s/apiserver-kubelet-client.crt", cfg->dir);
    f->kubelet_client_key = xasprintf("%s/apiserver-kubelet-client.key", cfg->dir);
    f->sa_key = xasprintf("%s/sa.key", cfg->dir);
    f->sa_pub = xasprintf("%s/sa.pub", cfg->dir);
    cleanup_free char *ca_pem = NULL;
    cleanup_free char *ca_key_pem = NULL;
    if (ensure_ca(f, &ca_pem, &ca_key_pem, err) != 0)
        goto fail;
    if (cfg->tls_cert_file) {
        f->serving_crt = xstrdup(cfg->tls_cert_file);
        f->serving_key = xstrdup(cfg->tls_key_file);
    } else {
        f->serving_crt = xasprintf("%s/apiserver.crt", cfg->dir);
        f->serving_key = xasprintf("%s/apiserver.key", cfg->dir);
        pki_cert_req_t req = {.cn = "kube-apiserver",
                              .dns = cfg->dns,
                              .n_dns = cfg->n_dns,
                              .ips = cfg->ips,
                              .n_ips = cfg->n_ips,
                              .server = true};
        if (ensure_leaf(f->serving_crt, f->serving_key, ca_pem, ca_key_pem, &req, err) != 0)
            goto fail;
    }
    f->client_ca = xstrdup(cfg->client_ca_file ? cfg->client_ca_file : f->ca_crt);
    const char *groups[] = {PKI_ADMIN_GROUP};
    pki_cert_req_t admin = {.cn = PKI_ADMIN_CN, .orgs = groups, .n_orgs = 1};
    if (ensure_leaf(f->admin_crt, f->admin_key, ca_pem, ca_key_pem, &admin, err) != 0)
        goto fail;
    pki_cert_req_t kc = {.cn = "kube-apiserver-kubelet-client", .orgs = groups, .n_orgs = 1};
    if (ensure_leaf(f->kubelet_client_crt, f->kubelet_client_key, ca_pem, ca_key_pem, &kc, err) !=
        0)
        goto fail;
    if (ensure_sa(f, err) != 0)
        goto fail;
    return 0;
fail:
    pki_files_clear(f);
    return err->code;
}

int pki_ensure_leaf(const char *dir, const char *name, const pki_cert_req_t *req, c8s_err_t *err)
{
    cleanup_free char *ca_crt = xasprintf("%s/ca.crt", dir);
    cleanup_free char *ca_key = xasprintf("%s/ca.key", dir);
    cleanup_free char *ca_pem = NULL;
    cleanup_free char *ca_key_pem = NULL;
    if (pki_read_file(ca_crt, &ca_pem, NULL, err) != 0 ||
        pki_read_file(ca_key, &ca_key_pem, NULL, err) != 0)
        return err->code;
    cleanup_free char *crt = xasprintf("%s/%s.crt", dir, name);
    cleanup_free char *key = xasprintf("%s/%s.key", dir, name);
    return ensure_leaf(crt, key, ca_pem, ca_key_pem, req, err);
}

int pki_issue_client(const char *dir, const char *cn, const char *const *groups, size_t n,
                     char **cert_pem, char **key_pem, c8s_err_t *err)
{
    *cert_pem = *key_pem = NULL;
    cleanup_free char *crt = xasprintf("%s/ca.crt", dir);
    cleanup_free char *key = xasprintf("%s/ca.key", dir);
    cleanup_free char *ca_pem = NULL;
    cleanup_free char *ca_key_pem = NULL;
    if (pki_read_file(crt, &ca_pem, NULL, err) != 0 ||
        pki_read_file(key, &ca_key_pem, NULL, err) != 0)
        return err->code;
    pki_cert_req_t req = {.cn = cn, .orgs = groups, .n_orgs = n};
    return pki_cert_issue(ca_pem, ca_key_pem, &req, cert_pem, key_pem, err);
}
