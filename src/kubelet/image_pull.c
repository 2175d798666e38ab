/*
 * image_pull.c — pulling an image over the OCI distribution API with libcurl.
 *
 * Why a worker thread and libcurl's easy API rather than the multi interface on the loop
 * (src/store/curl_uv.c): a pull is a strict sequence (manifest, maybe a token, maybe an index,
 * then the blobs) followed by unpacking layers with libarchive and renaming files — disk work that
 * blocks whatever thread runs it. That work has to leave the loop anyway, so the whole pull runs
 * in uv_queue_work as plain sequential code and reports back on the loop in the after-work
 * callback. curl_uv.c is also wired to the store's own structs, not a reusable API. Pulls are few
 * (one per image per node), so a thread of libuv's pool each is cheap; note that libuv's pool has
 * 4 threads by default (UV_THREADPOOL_SIZE), shared with uv_fs and getaddrinfo.
 */
#include "image_int.h"
#include "c8s/strbuf.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define MANIFEST_MAX (4u << 20)

typedef struct pull_s {
    image_store_t *st;
    const image_pull_opts_t *opts;
    image_ref_t ref;
    char *base; /* "https://host/v2/<path>" */
    char *user, *pass;
    char *auth_header; /* "Authorization: Bearer …" / "Authorization: Basic …" once known */
    image_ingest_t *ingest;
} pull_t;

/* One response: status, the headers we need, a body in memory or in a file. */
typedef struct resp_s {
    long status;
    char *content_type, *www_auth, *docker_digest;
    strbuf_t body; /* memory sink, or the error body when a file sink gets a non-2xx */
    size_t max;
    bool too_large;
    FILE *file;
    int64_t file_max; /* the size the manifest declares, or -1 */
    int64_t file_len;
    EVP_MD_CTX *hash; /* the file's bytes, hashed as they arrive */
    CURL *easy;
} resp_t;

static void resp_reset(resp_t *r)
{
    free(r->content_type);
    free(r->www_auth);
    free(r->docker_digest);
    strbuf_free(&r->body);
    r->content_type = r->www_auth = r->docker_digest = NULL;
    r->status = 0;
    r->too_large = false;
    r->file_len = 0;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init_once(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static char *header_value(const char *line, size_t n, const char *name)
{
    size_t nl = strlen(name);
    if (n <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
        return NULL;
    const char *v = line + nl + 1;
    const char *e = line + n;
    while (v < e && (*v == ' ' || *v == '\t'))
        v++;
    while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' '))
        e--;
    return xstrndup(v, (size_t)(e - v));
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *userp)
{
    resp_t *r = userp;
    size_t n = size * nitems;
    if (n >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
        /* A new response (after a redirect): forget the previous one's headers. */
        free(r->content_type);
        free(r->www_auth);
        free(r->docker_digest);
        r->content_type = r->www_auth = r->docker_digest = NULL;
        return n;
    }
    char *v;
    if ((v = header_value(buf, n, "Content-Type"))) {
        free(r->content_type);
        r->content_type = v;
    } else if ((v = header_value(buf, n, "WWW-Authenticate"))) {
        /* Several challenges may come; the first Bearer one wins, else the first. */
        if (!r->www_auth ||
            (strncasecmp(r->www_auth, "Bearer", 6) != 0 && strncasecmp(v, "Bearer", 6) == 0)) {
            free(r->www_auth);
            r->www_auth = v;
        } else {
            free(v);
        }
    } else if ((v = header_value(buf, n, "Docker-Content-Digest"))) {
        free(r->docker_digest);
        r->docker_digest = v;
    }
    return n;
}

static size_t on_body(char *buf, size_t size, size_t nmemb, void *userp)
{
    resp_t *r = userp;
    size_t n = size * nmemb;
    long code = 0;
    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
    if (r->file && code >= 200 && code < 300) {
        /* A blob longer than its descriptor says cannot verify: stop before it fills the disk. */
        r->file_len += (int64_t)n;
        if (r->file_max >= 0 && r->file_len > r->file_max) {
            r->too_large = true;
            return 0;
        }
        EVP_DigestUpdate(r->hash, buf, n);
        return fwrite(buf, 1, n, r->file) == n ? n : 0;
    }
    size_t max = r->file ? 64 * 1024 : r->max;
    if (r->body.len + n > max) {
        r->too_large = true;
        return 0; /* aborts the transfer */
    }
    strbuf_addn(&r->body, buf, n);
    return n;
}

static int do_get(pull_t *p, const char *url, const char *accept, const char *auth, resp_t *r,
                  c8s_err_t *err)
{
    CURL *e = curl_easy_init();
    if (!e)
        abort(); /* only out of memory */
    r->easy = e;
    struct curl_slist *h = NULL;
    if (accept) {
        cleanup_free char *a = xasprintf("Accept: %s", accept);
        h = curl_slist_append(h, a);
    }
    if (auth)
        h = curl_slist_append(h, auth);
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
    /* Blob redirects go to object stores on other hosts; curl drops our Authorization header
     * there (CURLOPT_UNRESTRICTED_AUTH stays off). */
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 30L);
    /* No overall timeout (layers can be large); a stalled transfer is cut instead. */
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "c8s-kubelet");
    CURLcode rc = curl_easy_perform(e);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(h);
    curl_easy_cleanup(e);
    r->easy = NULL;
    if (r->too_large)
        return c8s_err_set(err, C8S_ETOOLARGE, "GET %s: response too large", url);
    if (rc != CURLE_OK)
        return c8s_err_set(err, C8S_EUNAVAILABLE, "GET %s: %s", url,
                           errbuf[0] ? errbuf : curl_easy_strerror(rc));
    return 0;
}

static char *b64(const char *s)
{
    size_t n = strlen(s);
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
    return out;
}

static char *basic_header(const char *user, const char *pass)
{
    cleanup_free char *up = xasprintf("%s:%s", user, pass);
    cleanup_free char *enc = b64(up);
    return xasprintf("Authorization: Basic %s", enc);
}

/* Answers a challenge: a bearer token from the realm (with our credentials, if any), or basic. */
static int authenticate(pull_t *p, const char *www_auth, c8s_err_t *err)
{
    image_auth_challenge_t ch;
    if (image_auth_parse_challenge(www_auth, &ch, err) < 0)
        return err->code;
    int rc = 0;
    if (strcasecmp(ch.scheme, "Basic") == 0) {
        if (!p->user)
            rc = c8s_err_set(err, C8S_EUNAUTH, "registry %s wants credentials",
                             image_ref_host(&p->ref));
        else
            p->auth_header = basic_header(p->user, p->pass);
        image_auth_challenge_free(&ch);
        return rc;
    }
    if (strcasecmp(ch.scheme, "Bearer") != 0 || !ch.realm) {
        rc = c8s_err_set(err, C8S_EUNAUTH, "unsupported authentication challenge \"%s\"", www_auth);
        image_auth_challenge_free(&ch);
        return rc;
    }
    if (strncmp(ch.realm, "https://", 8) != 0 && strncmp(ch.realm, "http://", 7) != 0) {
        rc = c8s_err_set(err, C8S_EUNAUTH, "bad token realm \"%s\"", ch.realm);
        image_auth_challenge_free(&ch);
        return rc;
    }
    cleanup_free char *own_scope = xasprintf("repository:%s:pull", p->ref.path);
    CURL *esc = curl_easy_init();
    if (!esc)
        abort();
    strbuf_t url = STRBUF_INIT;
    strbuf_add(&url, ch.realm);
    char sep = strchr(ch.realm, '?') ? '&' : '?';
    if (ch.service) {
        char *s = curl_easy_escape(esc, ch.service, 0);
        cleanup_free char *part = xasprintf("%cservice=%s", sep, s);
        curl_free(s);
        strbuf_add(&url, part);
        sep = '&';
    }
    char *sc = curl_easy_escape(esc, ch.scope ? ch.scope : own_scope, 0);
    cleanup_free char *part = xasprintf("%cscope=%s", sep, sc);
    curl_free(sc);
    curl_easy_cleanup(esc);
    strbuf_add(&url, part);
    cleanup_free char *u = strbuf_take(&url);
    image_auth_challenge_free(&ch);
    cleanup_free char *basic = p->user ? basic_header(p->user, p->pass) : NULL;
    resp_t r = {.max = 1 << 20};
    if (do_get(p, u, "application/json", basic, &r, err) < 0) {
        resp_reset(&r);
        return c8s_err_wrap(err, "getting a registry token");
    }
    if (r.status != 200) {
        rc = c8s_err_set(err, C8S_EUNAUTH, "token request to %s: HTTP %ld", u, r.status);
        resp_reset(&r);
        return rc;
    }
    json_error_t je;
    cleanup_json json_t *j = json_loadb(r.body.s ? r.body.s : "", r.body.len, 0, &je);
    resp_reset(&r);
    const char *tok = json_string_value(json_object_get(j, "token"));
    if (!tok)
        tok = json_string_value(json_object_get(j, "access_token"));
    if (!tok || !*tok)
        return c8s_err_set(err, C8S_EUNAUTH, "token response from %s has no token", u);
    free(p->auth_header);
    p->auth_header = xasprintf("Authorization: Bearer %s", tok);
    return 0;
}

static int status_error(const char *what, const resp_t *r, c8s_err_t *err)
{
    /* The distribution API's error body: {"errors":[{"code","message"}]}. */
    const char *msg = "";
    cleanup_json json_t *j = r->body.len ? json_loadb(r->body.s, r->body.len, 0, NULL) : NULL;
    json_t *e0 = json_array_get(json_object_get(j, "errors"), 0);
    if (e0)
        msg = json_string_value(json_object_get(e0, "message"));
    int code = r->status == 401 || r->status == 403   ? C8S_EUNAUTH
               : r->status == 404                     ? C8S_ENOTFOUND
               : r->status == 429 || r->status >= 500 ? C8S_EUNAVAILABLE
                                                      : C8S_EINVALID;
    return c8s_err_set(err, code, "%s: HTTP %ld%s%s", what, r->status, msg && *msg ? ": " : "",
                       msg ? msg : "");
}

/* GET with the registry's authentication dance: on a 401 answer the challenge once and retry. */
static int reg_get(pull_t *p, const char *url, const char *accept, FILE *file, int64_t file_max,
                   resp_t *r, c8s_err_t *err)
{
    for (int attempt = 0;; attempt++) {
        resp_reset(r);
        r->file = file;
        r->file_max = file_max;
        if (file && (fflush(file) != 0 || ftruncate(fileno(file), 0) < 0 || fseek(file, 0, 0)))
            return c8s_err_set(err, C8S_ESYS, "truncating a download: %s", strerror(errno));
        if (file && !EVP_DigestInit_ex(r->hash, EVP_sha256(), NULL))
            abort(); /* only out of memory */
        if (do_get(p, url, accept, p->auth_header, r, err) < 0)
            return err->code;
        if (r->status == 401 && attempt == 0 && r->www_auth) {
            if (authenticate(p, r->www_auth, err) < 0)
                return err->code;
            continue;
        }
        if (r->status < 200 || r->status >= 300)
            return status_error(url, r, err);
        return 0;
    }
}

static const char manifest_accept[] = IMAGE_MT_OCI_INDEX
    ", " IMAGE_MT_OCI_MANIFEST ", " IMAGE_MT_DOCKER_LIST ", " IMAGE_MT_DOCKER_MANIFEST;

/* Fetches a manifest or index by tag or digest; *doc owned, *digest (owned) its verified digest;
 * the bytes are stored as a blob. */
static int get_manifest(pull_t *p, const char *reference, json_t **doc, char **digest,
                        image_doc_kind_t *kind, c8s_err_t *err)
{
    *doc = NULL;
    *digest = NULL;
    cleanup_free char *url = xasprintf("%s/manifests/%s", p->base, reference);
    resp_t r = {.max = MANIFEST_MAX};
    if (reg_get(p, url, manifest_accept, NULL, -1, &r, err) < 0) {
        resp_reset(&r);
        return err->code;
    }
    const char *body = r.body.s ? r.body.s : "";
    cleanup_free char *got = image_digest_of(body, r.body.len);
    int rc = 0;
    if (image_digest_valid(reference) && strcmp(reference, got) != 0)
        rc =
            c8s_err_set(err, C8S_EINVALID, "manifest %s: digest mismatch (got %s)", reference, got);
    else if (r.docker_digest && strncmp(r.docker_digest, "sha256:", 7) == 0 &&
             strcmp(r.docker_digest, got) != 0)
        rc = c8s_err_set(err, C8S_EINVALID,
                         "manifest %s: Docker-Content-Digest %s does not match the body (%s)",
                         reference, r.docker_digest, got);
    json_error_t je;
    json_t *j = rc == 0 ? json_loadb(body, r.body.len, 0, &je) : NULL;
    if (rc == 0 && !j)
        rc = c8s_err_set(err, C8S_EINVALID, "manifest %s: %s", reference, je.text);
    if (rc == 0) {
        *kind = image_doc_kind(j, r.content_type);
        image__ingest_add(p->ingest, got);
        rc = image__blob_put_mem(p->st, body, r.body.len, got, NULL, err);
    }
    resp_reset(&r);
    if (rc < 0) {
        json_decref(j);
        return rc;
    }
    *doc = j;
    *digest = c8s_steal(&got);
    return 0;
}

static int get_blob(pull_t *p, const image_desc_t *d, c8s_err_t *err)
{
    image__ingest_add(p->ingest, d->digest);
    if (image__blob_has(p->st, d->digest))
        return 0;
    cleanup_free char *url = xasprintf("%s/blobs/%s", p->base, d->digest);
    cleanup_free char *tmp = image__tmp_path(p->st, "download");
    FILE *f = fopen(tmp, "w+e");
    if (!f)
        return c8s_err_set(err, C8S_ESYS, "create %s: %s", tmp, strerror(errno));
    resp_t r = {.hash = EVP_MD_CTX_new()};
    if (!r.hash)
        abort(); /* only out of memory */
    int rc = reg_get(p, url, NULL, f, d->size, &r, err);
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_DigestFinal_ex(r.hash, md, &mdlen);
    EVP_MD_CTX_free(r.hash);
    resp_reset(&r);
    if (fclose(f) != 0 && rc == 0)
        rc = c8s_err_set(err, C8S_ESYS, "writing %s: %s", tmp, strerror(errno));
    char got[7 + 64 + 1] = "sha256:";
    for (unsigned i = 0; i < mdlen && i < 32; i++)
        snprintf(got + 7 + 2 * i, 3, "%02x", md[i]);
    if (rc == 0 && strcmp(got, d->digest) != 0)
        rc = c8s_err_set(err, C8S_EINVALID, "blob %s: digest mismatch: want %s, got %s", d->digest,
                         d->digest, got);
    if (rc < 0) {
        unlink(tmp);
        return rc;
    }
    return image__blob_put_hashed(p->st, tmp, d->digest, err);
}

const char *image_host_arch(void)
{
#if defined(__x86_64__)
    return "amd64";
#elif defined(__aarch64__)
    return "arm64";
#elif defined(__arm__)
    return "arm";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return "ppc64le";
#elif defined(__s390x__)
    return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
    return "riscv64";
#else
    return "amd64";
#endif
}

static bool is_insecure(const image_pull_opts_t *o, const char *domain)
{
    for (size_t i = 0; o && i < o->n_insecure; i++)
        if (o->insecure[i] && strcmp(o->insecure[i], domain) == 0)
            return true;
    return false;
}

int image_pull(image_store_t *st, const char *refstr, const image_pull_opts_t *opts, char **digest,
               c8s_err_t *err)
{
    *digest = NULL;
    pthread_once(&curl_once, curl_init_once);
    if (curl_init_rc != CURLE_OK)
        return c8s_err_set(err, C8S_EINTERNAL, "curl_global_init failed");
    pull_t p = {.st = st, .opts = opts};
    if (image_ref_parse(refstr, &p.ref, err) < 0)
        return err->code;
    const char *os = opts && opts->os ? opts->os : "linux";
    const char *arch = opts && opts->arch ? opts->arch : image_host_arch();
    p.base = xasprintf("%s://%s/v2/%s", is_insecure(opts, p.ref.domain) ? "http" : "https",
                       image_ref_host(&p.ref), p.ref.path);
    /* Credentials to try, in order: the explicit ones, then each dockerconfig (one object, or an
     * array of them — a pod's imagePullSecrets) with an entry for this registry; anonymous when
     * none. As the kubelet does, the next is tried when the registry refuses one. */
    size_t n_creds = 0;
    char **users = NULL, **passes = NULL;
    int rc = 0;
    if (opts && opts->username) {
        users = xrealloc(users, (n_creds + 1) * sizeof(char *));
        passes = xrealloc(passes, (n_creds + 1) * sizeof(char *));
        users[n_creds] = xstrdup(opts->username);
        passes[n_creds++] = xstrdup(opts->password ? opts->password : "");
    }
    const json_t *cfgs = opts ? opts->dockerconfig : NULL;
    size_t n_cfgs = json_is_array(cfgs) ? json_array_size(cfgs) : cfgs ? 1 : 0;
    for (size_t i = 0; rc == 0 && i < n_cfgs; i++) {
        const json_t *cfg = json_is_array(cfgs) ? json_array_get(cfgs, i) : cfgs;
        char *u = NULL, *pw = NULL;
        c8s_err_t e = C8S_ERR_INIT;
        if (image_auth_from_dockerconfig(cfg, p.ref.domain, &u, &pw, &e) == 0) {
            users = xrealloc(users, (n_creds + 1) * sizeof(char *));
            passes = xrealloc(passes, (n_creds + 1) * sizeof(char *));
            users[n_creds] = u;
            passes[n_creds++] = pw;
        } else if (e.code != C8S_ENOTFOUND) {
            c8s_err_move(err, &e);
            rc = err->code;
        }
        c8s_err_clear(&e);
    }
    p.ingest = image__ingest_begin(st);
    json_t *doc = NULL;
    char *mdigest = NULL;
    image_manifest_t m = {0};
    image_doc_kind_t kind = IMAGE_DOC_UNKNOWN;
    for (size_t c = 0; rc == 0; c++) {
        p.user = c < n_creds ? users[c] : NULL;
        p.pass = c < n_creds ? passes[c] : NULL;
        free(p.auth_header);
        p.auth_header = NULL;
        rc = get_manifest(&p, p.ref.digest ? p.ref.digest : p.ref.tag, &doc, &mdigest, &kind, err);
        if (rc != C8S_EUNAUTH || c + 1 >= n_creds)
            break;
        log_debug(IMAGE_ROOM, "credentials %zu of %zu refused: %s", c + 1, n_creds, err->msg);
        c8s_err_clear(err);
        rc = 0;
    }
    if (rc == 0 && kind == IMAGE_DOC_INDEX) {
        char *sel = NULL;
        rc = image_index_select(doc, os, arch, &sel, err);
        json_decref(doc);
        doc = NULL;
        free(mdigest);
        mdigest = NULL;
        if (rc == 0)
            rc = get_manifest(&p, sel, &doc, &mdigest, &kind, err);
        free(sel);
        if (rc == 0 && kind != IMAGE_DOC_MANIFEST)
            rc = c8s_err_set(err, C8S_EINVALID, "index entry is not an image manifest");
    } else if (rc == 0 && kind != IMAGE_DOC_MANIFEST) {
        rc = c8s_err_set(err, C8S_EINVALID,
                         "unsupported manifest type (schema 1 and other formats are not pulled)");
    }
    if (rc == 0)
        rc = image_manifest_parse(doc, &m, err);
    if (rc == 0)
        rc = get_blob(&p, &m.config, err);
    for (size_t i = 0; rc == 0 && i < m.n_layers; i++)
        rc = get_blob(&p, &m.layers[i], err);
    cleanup_free char *name = image_ref_string(&p.ref);
    if (rc == 0)
        rc = image_store_record(st, mdigest, name, err);
    if (rc == 0) {
        *digest = c8s_steal(&mdigest);
        log_info(IMAGE_ROOM, "pulled %s (%s, %zu layers)", name, *digest, m.n_layers);
    } else {
        c8s_err_wrap(err, "pulling %s", name);
    }
    image_manifest_free(&m);
    json_decref(doc);
    free(mdigest);
    image__ingest_end(p.ingest);
    image_ref_free(&p.ref);
    free(p.base);
    for (size_t i = 0; i < n_creds; i++) {
        free(users[i]);
        free(passes[i]);
    }
    free(users);
    free(passes);
    free(p.auth_header);
    return rc;
}

/* ---- on a worker thread ---- */

typedef struct pull_work_s {
    uv_work_t work;
    image_store_t *st;
    char *ref;
    char **insecure;
    image_pull_opts_t opts;
    json_t *dockerconfig;
    char *username, *password, *os, *arch;
    image_pull_cb cb;
    void *data;
    char *digest;
    c8s_err_t err;
} pull_work_t;

static void on_work(uv_work_t *w)
{
    pull_work_t *pw = c8s_container_of(w, pull_work_t, work);
    image_pull(pw->st, pw->ref, &pw->opts, &pw->digest, &pw->err);
}

static void on_after_work(uv_work_t *w, int status)
{
    pull_work_t *pw = c8s_container_of(w, pull_work_t, work);
    if (status == UV_ECANCELED)
        c8s_err_set(&pw->err, C8S_EUNAVAILABLE, "pull of %s cancelled", pw->ref);
    pw->cb(pw->data, pw->err.code, pw->err.code ? pw->err.msg : "", pw->digest);
    for (size_t i = 0; i < pw->opts.n_insecure; i++)
        free(pw->insecure[i]);
    free(pw->insecure);
    json_decref(pw->dockerconfig);
    free(pw->username);
    free(pw->password);
    free(pw->os);
    free(pw->arch);
    free(pw->ref);
    free(pw->digest);
    c8s_err_clear(&pw->err);
    free(pw);
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

int image_pull_start(uv_loop_t *loop, image_store_t *st, const char *ref,
                     const image_pull_opts_t *opts, image_pull_cb cb, void *data, c8s_err_t *err)
{
    pull_work_t *pw = xcalloc(1, sizeof(*pw));
    pw->st = st;
    pw->ref = xstrdup(ref);
    pw->cb = cb;
    pw->data = data;
    if (opts) {
        pw->insecure = xcalloc(opts->n_insecure + 1, sizeof(char *));
        for (size_t i = 0; i < opts->n_insecure; i++)
            pw->insecure[i] = xstrdup(opts->insecure[i] ? opts->insecure[i] : "");
        pw->opts.n_insecure = opts->n_insecure;
        pw->dockerconfig = opts->dockerconfig ? json_deep_copy(opts->dockerconfig) : NULL;
        pw->username = dup_or_null(opts->username);
        pw->password = dup_or_null(opts->password);
        pw->os = dup_or_null(opts->os);
        pw->arch = dup_or_null(opts->arch);
    }
    pw->opts.insecure = (const char *const *)pw->insecure;
    pw->opts.dockerconfig = pw->dockerconfig;
    pw->opts.username = pw->username;
    pw->opts.password = pw->password;
    pw->opts.os = pw->os;
    pw->opts.arch = pw->arch;
    int r = uv_queue_work(loop, &pw->work, on_work, on_after_work);
    if (r < 0) {
        for (size_t i = 0; i < pw->opts.n_insecure; i++)
            free(pw->insecure[i]);
        free(pw->insecure);
        json_decref(pw->dockerconfig);
        free(pw->username);
        free(pw->password);
        free(pw->os);
        free(pw->arch);
        free(pw->ref);
        free(pw);
        return c8s_err_set(err, C8S_EINTERNAL, "uv_queue_work: %s", uv_strerror(r));
    }
    return 0;
}
