/*
 * image_ref.c — the pure parts of the image store: references in Docker's conventions, sha256
 * digests, manifest and index documents, WWW-Authenticate challenges, dockerconfigjson
 * credentials, and the image GC decision. No I/O here; tests/unit/test_image.c covers it.
 */
#include "c8s/image.h"
#include "c8s/strbuf.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <string.h>

/* ---- references ---- */

void image_ref_free(image_ref_t *r)
{
    if (!r)
        return;
    free(r->domain);
    free(r->path);
    free(r->tag);
    free(r->digest);
    memset(r, 0, sizeof(*r));
}

/* Docker's path components: lowercase alphanumerics separated by '.', '_', '__' or '-'s. */
static bool path_component_ok(const char *s, size_t n)
{
    if (n == 0 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isupper(c))
            return false;
        if (!isalnum(c) && c != '.' && c != '_' && c != '-')
            return false;
        if ((c == '.' || c == '_') && i + 1 < n && s[i + 1] == '.')
            return false;
    }
    return true;
}

static bool tag_ok(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > 128 || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)t[i]) && t[i] != '_' && t[i] != '.' && t[i] != '-')
            return false;
    return true;
}

static bool domain_ok(const char *d)
{
    if (!*d)
        return false;
    for (const char *p = d; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr(".-:[]", *p))
            return false;
    return true;
}

int image_ref_parse(const char *s, image_ref_t *out, c8s_err_t *err)
{
    memset(out, 0, sizeof(*out));
    if (!s || !*s || strlen(s) > 4096)
        return c8s_err_set(err, C8S_EINVALID, "invalid image reference \"%s\"", s ? s : "");
    cleanup_free char *name = xstrdup(s);
    char *at = strchr(name, '@');
    if (at) {
        *at = '\0';
        if (!image_digest_valid(at + 1))
            return c8s_err_set(err, C8S_EINVALID,
                               "invalid image reference \"%s\": bad digest (want sha256:<64 hex>)",
                               s);
        out->digest = xstrdup(at + 1);
    }
    /* A tag is after the last ':' that follows the last '/' (a port is before it). */
    char *slash = strrchr(name, '/');
    char *colon = strrchr(slash ? slash : name, ':');
    if (colon) {
        *colon = '\0';
        if (!tag_ok(colon + 1)) {
            image_ref_free(out);
            return c8s_err_set(err, C8S_EINVALID, "invalid image reference \"%s\": bad tag", s);
        }
        out->tag = xstrdup(colon + 1);
    }
    char *first_slash = strchr(name, '/');
    const char *domain = "docker.io";
    char *path = name;
    if (first_slash) {
        size_t n = (size_t)(first_slash - name);
        if (memchr(name, '.', n) || memchr(name, ':', n) ||
            (n == 9 && memcmp(name, "localhost", 9) == 0)) {
            *first_slash = '\0';
            domain = name;
            path = first_slash + 1;
        }
    }
    if (strcmp(domain, "index.docker.io") == 0)
        domain = "docker.io";
    if (!domain_ok(domain)) {
        image_ref_free(out);
        return c8s_err_set(err, C8S_EINVALID, "invalid image reference \"%s\": bad domain", s);
    }
    for (const char *p = path;;) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (!path_component_ok(p, n)) {
            image_ref_free(out);
            return c8s_err_set(err, C8S_EINVALID,
                               "invalid image reference \"%s\": repository name must be "
                               "lowercase alphanumerics separated by '.', '_', '-' or '/'",
                               s);
        }
        if (!e)
            break;
        p = e + 1;
    }
    out->domain = xstrdup(domain);
    if (strcmp(domain, "docker.io") == 0 && !strchr(path, '/'))
        out->path = xasprintf("library/%s", path);
    else
        out->path = xstrdup(path);
    if (!out->tag && !out->digest)
        out->tag = xstrdup("latest");
    return 0;
}

char *image_ref_repo(const image_ref_t *r)
{
    return xasprintf("%s/%s", r->domain, r->path);
}

char *image_ref_string(const image_ref_t *r)
{
    return xasprintf("%s/%s%s%s%s%s", r->domain, r->path, r->tag ? ":" : "", r->tag ? r->tag : "",
                     r->digest ? "@" : "", r->digest ? r->digest : "");
}

const char *image_ref_host(const image_ref_t *r)
{
    return strcmp(r->domain, "docker.io") == 0 ? "registry-1.docker.io" : r->domain;
}

/* ---- digests ---- */

bool image_digest_valid(const char *d)
{
    if (!d || strncmp(d, "sha256:", 7) != 0 || strlen(d) != 7 + 64)
        return false;
    for (const char *p = d + 7; *p; p++)
        if (!isdigit((unsigned char)*p) && !(*p >= 'a' && *p <= 'f'))
            return false;
    return true;
}

char *image_digest_of(const void *data, size_t len)
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
        abort(); /* EVP_Digest with sha256 fails only when out of memory */
    char *s = xmalloc(7 + 64 + 1);
    memcpy(s, "sha256:", 7);
    for (int i = 0; i < 32; i++)
        sprintf(s + 7 + 2 * i, "%02x", md[i]);
    return s;
}

int image_digest_verify(const char *want, const void *data, size_t len, c8s_err_t *err)
{
    if (!image_digest_valid(want))
        return c8s_err_set(err, C8S_EINVALID, "unsupported digest \"%s\"", want ? want : "");
    cleanup_free char *got = image_digest_of(data, len);
    if (strcmp(got, want) != 0)
        return c8s_err_set(err, C8S_EINVALID, "digest mismatch: want %s, got %s", want, got);
    return 0;
}

/* ---- documents ---- */

static bool is_index_type(const char *mt)
{
    return mt && (strcmp(mt, IMAGE_MT_OCI_INDEX) == 0 || strcmp(mt, IMAGE_MT_DOCKER_LIST) == 0);
}

static bool is_manifest_type(const char *mt)
{
    return mt &&
           (strcmp(mt, IMAGE_MT_OCI_MANIFEST) == 0 || strcmp(mt, IMAGE_MT_DOCKER_MANIFEST) == 0);
}

image_doc_kind_t image_doc_kind(const json_t *doc, const char *content_type)
{
    const char *mt = json_string_value(json_object_get(doc, "mediaType"));
    if (is_index_type(mt))
        return IMAGE_DOC_INDEX;
    if (is_manifest_type(mt))
        return IMAGE_DOC_MANIFEST;
    if (content_type) {
        /* "application/…+json; charset=utf-8" */
        size_t n = strcspn(content_type, "; ");
        cleanup_free char *ct = xstrndup(content_type, n);
        if (is_index_type(ct))
            return IMAGE_DOC_INDEX;
        if (is_manifest_type(ct))
            return IMAGE_DOC_MANIFEST;
    }
    if (json_is_array(json_object_get(doc, "manifests")))
        return IMAGE_DOC_INDEX;
    if (json_is_array(json_object_get(doc, "layers")) &&
        json_is_object(json_object_get(doc, "config")))
        return IMAGE_DOC_MANIFEST;
    return IMAGE_DOC_UNKNOWN;
}

int image_index_select(const json_t *index, const char *os, const char *arch, char **digest,
                       c8s_err_t *err)
{
    *digest = NULL;
    json_t *ms = json_object_get(index, "manifests");
    if (!json_is_array(ms))
        return c8s_err_set(err, C8S_EINVALID, "index has no manifests");
    strbuf_t offered = STRBUF_INIT;
    const char *best = NULL;
    int best_score = -1;
    size_t i;
    json_t *m;
    json_array_foreach(ms, i, m)
    {
        json_t *p = json_object_get(m, "platform");
        const char *d = json_string_value(json_object_get(m, "digest"));
        const char *mos = json_string_value(json_object_get(p, "os"));
        const char *march = json_string_value(json_object_get(p, "architecture"));
        const char *var = json_string_value(json_object_get(p, "variant"));
        if (!mos || !march) {
            /* Attestation manifests (buildkit's "unknown/unknown") and platform-less entries. */
            continue;
        }
        cleanup_free char *pl = xasprintf("%s/%s%s%s", mos, march, var ? "/" : "", var ? var : "");
        strbuf_sep(&offered, ", ", pl);
        if (strcmp(mos, os) != 0 || strcmp(march, arch) != 0 || !image_digest_valid(d))
            continue;
        int score = 1;
        if (strcmp(arch, "arm64") == 0 && var && strcmp(var, "v8") == 0)
            score = 2;
        if (score > best_score) {
            best = d;
            best_score = score;
        }
    }
    cleanup_free char *list = strbuf_take_or(&offered, "none");
    if (!best)
        return c8s_err_set(err, C8S_ENOTFOUND, "no manifest for platform %s/%s (offered: %s)", os,
                           arch, list);
    *digest = xstrdup(best);
    return 0;
}

static int parse_desc(const json_t *j, image_desc_t *d, const char *what, c8s_err_t *err)
{
    const char *mt = json_string_value(json_object_get(j, "mediaType"));
    const char *dg = json_string_value(json_object_get(j, "digest"));
    json_t *sz = json_object_get(j, "size");
    if (!image_digest_valid(dg))
        return c8s_err_set(err, C8S_EINVALID, "manifest: %s has no valid sha256 digest", what);
    if (sz && (!json_is_integer(sz) || json_integer_value(sz) < 0))
        return c8s_err_set(err, C8S_EINVALID, "manifest: %s has a bad size", what);
    d->media_type = xstrdup(mt ? mt : "");
    d->digest = xstrdup(dg);
    d->size = sz ? json_integer_value(sz) : -1;
    return 0;
}

void image_manifest_free(image_manifest_t *m)
{
    if (!m)
        return;
    free(m->config.media_type);
    free(m->config.digest);
    for (size_t i = 0; i < m->n_layers; i++) {
        free(m->layers[i].media_type);
        free(m->layers[i].digest);
    }
    free(m->layers);
    memset(m, 0, sizeof(*m));
}

int image_manifest_parse(const json_t *doc, image_manifest_t *out, c8s_err_t *err)
{
    memset(out, 0, sizeof(*out));
    json_t *sv = json_object_get(doc, "schemaVersion");
    if (sv && json_integer_value(sv) != 2)
        return c8s_err_set(err, C8S_EINVALID,
                           "manifest schemaVersion %lld is not supported (only 2)",
                           (long long)json_integer_value(sv));
    json_t *layers = json_object_get(doc, "layers");
    if (!json_is_object(json_object_get(doc, "config")) || !json_is_array(layers))
        return c8s_err_set(err, C8S_EINVALID, "manifest: config or layers missing");
    if (parse_desc(json_object_get(doc, "config"), &out->config, "config", err) < 0) {
        image_manifest_free(out);
        return err->code;
    }
    out->layers = xcalloc(json_array_size(layers) + 1, sizeof(*out->layers));
    size_t i;
    json_t *l;
    json_array_foreach(layers, i, l)
    {
        char what[32];
        snprintf(what, sizeof(what), "layer %zu", i);
        if (parse_desc(l, &out->layers[i], what, err) < 0) {
            out->n_layers = i;
            image_manifest_free(out);
            return err->code;
        }
        out->n_layers = i + 1;
    }
    return 0;
}

/* ---- WWW-Authenticate ---- */

void image_auth_challenge_free(image_auth_challenge_t *c)
{
    if (!c)
        return;
    free(c->scheme);
    free(c->realm);
    free(c->service);
    free(c->scope);
    memset(c, 0, sizeof(*c));
}

int image_auth_parse_challenge(const char *h, image_auth_challenge_t *out, c8s_err_t *err)
{
    memset(out, 0, sizeof(*out));
    if (!h)
        return c8s_err_set(err, C8S_EINVALID, "no WWW-Authenticate challenge");
    while (*h == ' ' || *h == '\t')
        h++;
    size_t n = strcspn(h, " \t");
    if (n == 0)
        return c8s_err_set(err, C8S_EINVALID, "empty WWW-Authenticate challenge");
    out->scheme = xstrndup(h, n);
    const char *p = h + n;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (!*p || *p == '\r' || *p == '\n')
            break;
        size_t kn = strcspn(p, "= \t,");
        if (p[kn] != '=') {
            image_auth_challenge_free(out);
            return c8s_err_set(err, C8S_EINVALID, "malformed WWW-Authenticate parameter");
        }
        cleanup_free char *key = xstrndup(p, kn);
        p += kn + 1;
        strbuf_t val = STRBUF_INIT;
        if (*p == '"') {
            p++;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1])
                    p++;
                strbuf_addn(&val, p, 1);
                p++;
            }
            if (*p != '"') {
                strbuf_free(&val);
                image_auth_challenge_free(out);
                return c8s_err_set(err, C8S_EINVALID, "unterminated quote in WWW-Authenticate");
            }
            p++;
        } else {
            size_t vn = strcspn(p, ", \t\r\n");
            strbuf_addn(&val, p, vn);
            p += vn;
        }
        char **slot = NULL;
        if (strcasecmp(key, "realm") == 0)
            slot = &out->realm;
        else if (strcasecmp(key, "service") == 0)
            slot = &out->service;
        else if (strcasecmp(key, "scope") == 0)
            slot = &out->scope;
        if (slot) {
            free(*slot);
            *slot = strbuf_take(&val);
        } else {
            strbuf_free(&val);
        }
    }
    return 0;
}

/* ---- dockerconfigjson ---- */

/* "https://index.docker.io/v1/" → "index.docker.io"; "host:5000" stays. Owned. */
static char *auth_key_host(const char *key)
{
    const char *p = key;
    if (strncmp(p, "https://", 8) == 0)
        p += 8;
    else if (strncmp(p, "http://", 7) == 0)
        p += 7;
    return xstrndup(p, strcspn(p, "/"));
}

static bool host_matches(const char *key_host, const char *domain)
{
    if (strcmp(key_host, domain) == 0)
        return true;
    if (strcmp(domain, "docker.io") == 0)
        return strcmp(key_host, "index.docker.io") == 0 ||
               strcmp(key_host, "registry-1.docker.io") == 0;
    return false;
}

int image_auth_from_dockerconfig(const json_t *cfg, const char *domain, char **user, char **pass,
                                 c8s_err_t *err)
{
    *user = *pass = NULL;
    json_t *auths = json_object_get(cfg, "auths");
    if (!auths && json_is_object(cfg))
        auths = (json_t *)cfg; /* the older .dockercfg shape: hosts at the top */
    const char *key;
    json_t *v;
    json_object_foreach(auths, key, v)
    {
        cleanup_free char *kh = auth_key_host(key);
        if (!host_matches(kh, domain))
            continue;
        const char *auth = json_string_value(json_object_get(v, "auth"));
        if (auth && *auth) {
            size_t n = strlen(auth);
            unsigned char *raw = xmalloc(n + 1);
            int len = EVP_DecodeBlock(raw, (const unsigned char *)auth, (int)n);
            if (len < 0 || n % 4 != 0) {
                free(raw);
                return c8s_err_set(err, C8S_EINVALID, "dockerconfig: bad base64 auth for %s", key);
            }
            /* EVP_DecodeBlock counts '=' padding as zero bytes. */
            while (len > 0 && n > 0 && auth[n - 1] == '=') {
                len--;
                n--;
            }
            raw[len] = '\0';
            char *colon = memchr(raw, ':', (size_t)len);
            if (!colon || strlen((char *)raw) != (size_t)len) {
                free(raw);
                return c8s_err_set(err, C8S_EINVALID,
                                   "dockerconfig: auth for %s is not user:password", key);
            }
            *user = xstrndup((char *)raw, (size_t)(colon - (char *)raw));
            *pass = xstrdup(colon + 1);
            free(raw);
            return 0;
        }
        const char *u = json_string_value(json_object_get(v, "username"));
        const char *p = json_string_value(json_object_get(v, "password"));
        if (u && p) {
            *user = xstrdup(u);
            *pass = xstrdup(p);
            return 0;
        }
        return c8s_err_set(err, C8S_EINVALID, "dockerconfig: entry for %s has no credentials", key);
    }
    return c8s_err_set(err, C8S_ENOTFOUND, "no credentials for %s", domain);
}

/* ---- image GC decision ---- */

typedef struct {
    const image_gc_item_t *it;
    size_t idx;
} gc_cand_t;

static int gc_cmp(const void *a, const void *b)
{
    const gc_cand_t *x = a, *y = b;
    if (x->it->last_used != y->it->last_used)
        return x->it->last_used < y->it->last_used ? -1 : 1;
    if (x->it->size != y->it->size)
        return x->it->size > y->it->size ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

size_t image_gc_plan(const image_gc_item_t *items, size_t n, uint64_t capacity, uint64_t used,
                     int high_pct, int low_pct, uint64_t now, uint64_t min_age_s, size_t *remove)
{
    if (capacity == 0 || low_pct < 0 || high_pct > 100 || low_pct >= high_pct)
        return 0;
    /* used/capacity ≥ high/100, in integers without overflow for any realistic disk. */
    unsigned __int128 u = used, c = capacity;
    if (u * 100 < c * (unsigned)high_pct)
        return 0;
    uint64_t target = (uint64_t)(c * (unsigned)low_pct / 100);
    uint64_t need = used > target ? used - target : 0;
    gc_cand_t *cands = xcalloc(n + 1, sizeof(*cands));
    size_t nc = 0;
    for (size_t i = 0; i < n; i++)
        if (!items[i].in_use && (items[i].created > now || now - items[i].created >= min_age_s))
            cands[nc++] = (gc_cand_t){&items[i], i};
    qsort(cands, nc, sizeof(*cands), gc_cmp);
    size_t k = 0;
    uint64_t freed = 0;
    for (size_t i = 0; i < nc && freed < need; i++) {
        remove[k++] = cands[i].idx;
        freed += cands[i].it->size;
    }
    free(cands);
    return k;
}
