/*
 * kubeconfig.c — kubectl's kubeconfig loading and merging (see include/c8s/kubeconfig.h).
 */
#include "c8s/kubeconfig.h"

#include "c8s/strbuf.h"
#include "c8s/yaml.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

static int b64val(int ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '+' || ch == '-')
        return 62;
    if (ch == '/' || ch == '_')
        return 63;
    return -1;
}

int kubeconfig_base64_decode(const char *in, char **out, size_t *out_len, c8s_err_t *err)
{
    size_t n = strlen(in);
    char *buf = xmalloc(n / 4 * 3 + 4);
    size_t len = 0;
    unsigned acc = 0;
    int bits = 0, pad = 0;
    for (const char *p = in; *p; p++) {
        if (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
            continue;
        if (*p == '=') {
            pad++;
            continue;
        }
        int v = b64val((unsigned char)*p);
        if (v < 0 || pad) {
            free(buf);
            return c8s_err_set(err, C8S_EBADREQUEST, "illegal base64 data at input byte %zu",
                               (size_t)(p - in));
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[len++] = (char)((acc >> bits) & 0xff);
        }
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return 0;
}

/* The named entry ("cluster", "user", "context") called name in the first file that has it. */
static const json_t *find_named(const kubeconfig_file_t *files, size_t n, const char *list,
                                const char *field, const char *name, const char **dir)
{
    if (!name || !*name)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const json_t *arr = json_object_get(files[i].doc, list);
        size_t j;
        const json_t *e;
        json_array_foreach(arr, j, e)
        {
            const char *nm = json_string_value(json_object_get(e, "name"));
            if (nm && strcmp(nm, name) == 0) {
                if (dir)
                    *dir = files[i].dir;
                const json_t *v = json_object_get(e, field);
                return v ? v : e; /* an entry without its body: nothing to read from it */
            }
        }
    }
    return NULL;
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s && *s ? s : NULL;
}

static char *path_in(const char *dir, const char *p)
{
    if (!p)
        return NULL;
    if (p[0] == '/' || !dir || !*dir)
        return xstrdup(p);
    return xasprintf("%s/%s", dir, p);
}

static int decode_field(const json_t *o, const char *key, char **out, size_t *len, c8s_err_t *err)
{
    const char *s = str(o, key);
    if (!s)
        return 0;
    if (kubeconfig_base64_decode(s, out, len, err) != 0)
        return c8s_err_wrap(err, "%s", key);
    return 0;
}

int kubeconfig_resolve(const kubeconfig_file_t *files, size_t n, const kubeconfig_overrides_t *ov,
                       kubeconfig_t *out, c8s_err_t *err)
{
    const char *ctx_name = ov->context;
    if (!ctx_name)
        for (size_t i = 0; i < n && !ctx_name; i++)
            ctx_name = str(files[i].doc, "current-context");
    const json_t *ctx = find_named(files, n, "contexts", "context", ctx_name, NULL);
    if (ov->context && !ctx)
        return c8s_err_set(err, C8S_EBADREQUEST, "context \"%s\" does not exist", ov->context);
    out->context = xstrdup(ctx ? ctx_name : "");
    const char *cluster_name = ov->cluster ? ov->cluster : str(ctx, "cluster");
    const char *user_name = ov->user ? ov->user : str(ctx, "user");
    const char *cdir = NULL, *udir = NULL;
    const json_t *cluster = find_named(files, n, "clusters", "cluster", cluster_name, &cdir);
    const json_t *user = find_named(files, n, "users", "user", user_name, &udir);
    if (ov->cluster && !cluster)
        return c8s_err_set(err, C8S_EBADREQUEST, "cluster \"%s\" does not exist", ov->cluster);
    if (ov->user && !user)
        return c8s_err_set(err, C8S_EBADREQUEST, "user \"%s\" does not exist", ov->user);

    const char *server = ov->server ? ov->server : str(cluster, "server");
    out->server = xstrdup(server ? server : "http://localhost:8080");
    const char *ns = ov->namespace_ ? ov->namespace_ : str(ctx, "namespace");
    out->namespace_ = xstrdup(ns ? ns : "default");
    out->namespace_explicit = ov->namespace_ != NULL;
    out->insecure =
        ov->insecure || json_is_true(json_object_get(cluster, "insecure-skip-tls-verify"));
    out->ca_file = path_in(cdir, str(cluster, "certificate-authority"));
    out->cert_file = path_in(udir, str(user, "client-certificate"));
    out->key_file = path_in(udir, str(user, "client-key"));
    const char *token = ov->token ? ov->token : str(user, "token");
    out->token = token ? xstrdup(token) : NULL;
    if (!out->token)
        out->token_file = path_in(udir, str(user, "tokenFile"));
    if (decode_field(cluster, "certificate-authority-data", &out->ca_data, &out->ca_data_len,
                     err) != 0 ||
        decode_field(user, "client-certificate-data", &out->cert_data, &out->cert_data_len, err) !=
            0 ||
        decode_field(user, "client-key-data", &out->key_data, &out->key_data_len, err) != 0)
        return err->code;
    return 0;
}

void kubeconfig_clear(kubeconfig_t *kc)
{
    free(kc->context);
    free(kc->server);
    free(kc->namespace_);
    free(kc->ca_file);
    free(kc->ca_data);
    free(kc->cert_file);
    free(kc->cert_data);
    free(kc->key_file);
    free(kc->key_data);
    free(kc->token);
    free(kc->token_file);
    memset(kc, 0, sizeof(*kc));
}

static int read_file(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -errno;
    strbuf_t b = STRBUF_INIT;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        strbuf_addn(&b, chunk, n);
    int bad = ferror(f);
    fclose(f);
    *len = b.len;
    *out = strbuf_take(&b);
    if (bad) {
        free(*out);
        return -EIO;
    }
    return 0;
}

int kubeconfig_load(const kubeconfig_overrides_t *ov, kubeconfig_t *out, c8s_err_t *err)
{
    cleanup_free char *list = NULL;
    bool must_exist = false;
    if (ov->kubeconfig) {
        list = xstrdup(ov->kubeconfig);
        must_exist = true;
    } else if (getenv("KUBECONFIG") && *getenv("KUBECONFIG")) {
        list = xstrdup(getenv("KUBECONFIG"));
    } else {
        /* kubectl's default, then the one `c8s server` writes with its default data dir, so
         * that root on a server node needs no setup (as k3s's own kubectl does). */
        const char *home = getenv("HOME");
        list = xasprintf("%s/.kube/config", home ? home : "");
        if (access(list, R_OK) != 0 && access(KUBECONFIG_SERVER_DEFAULT, R_OK) == 0) {
            free(list);
            list = xstrdup(KUBECONFIG_SERVER_DEFAULT);
        }
    }
    json_t *docs[64] = {0};
    char *dirs[64] = {0};
    kubeconfig_file_t files[64] = {{0}};
    size_t n = 0;
    int rc = 0;
    char *save = NULL;
    for (char *p = strtok_r(list, ":", &save); p && n < 64; p = strtok_r(NULL, ":", &save)) {
        char *buf;
        size_t len;
        int r = read_file(p, &buf, &len);
        if (r != 0) {
            if (must_exist) {
                rc = c8s_err_set(err, C8S_EBADREQUEST, "stat %s: %s", p, strerror(-r));
                break;
            }
            continue;
        }
        json_t *doc = NULL;
        r = yaml_to_json(buf, len, &doc, err);
        free(buf);
        if (r != 0) {
            rc = c8s_err_wrap(err, "error loading config file \"%s\"", p);
            break;
        }
        docs[n] = doc;
        const char *slash = strrchr(p, '/');
        dirs[n] = slash ? xstrndup(p, (size_t)(slash - p)) : xstrdup(".");
        files[n].doc = docs[n];
        files[n].dir = dirs[n];
        n++;
    }
    if (rc == 0)
        rc = kubeconfig_resolve(files, n, ov, out, err);
    if (rc == 0 && !out->token && out->token_file) {
        char *tok;
        size_t tlen;
        int r = read_file(out->token_file, &tok, &tlen);
        if (r != 0) {
            rc = c8s_err_set(err, C8S_EBADREQUEST, "reading token file %s: %s", out->token_file,
                             strerror(-r));
        } else {
            while (tlen > 0 && (tok[tlen - 1] == '\n' || tok[tlen - 1] == '\r'))
                tok[--tlen] = '\0';
            out->token = tok;
        }
    }
    for (size_t i = 0; i < n; i++) {
        json_decref(docs[i]);
        free(dirs[i]);
    }
    if (rc != 0)
        kubeconfig_clear(out);
    return rc;
}
