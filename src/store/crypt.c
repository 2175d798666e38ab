/*
 * crypt.c — encryption at rest: upstream's EncryptionConfiguration (which resources, which
 * providers in which order) and the value transforms of its aesgcm, aescbc and identity
 * providers, byte for byte as kube-apiserver stores them. Pure: no I/O except
 * store_crypt_load reading its file.
 */
#include "store_int.h"
#include "c8s/yaml.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#define ENC_MARK      "k8s:enc:" /* every encrypting provider's prefix starts so */
#define GCM_NONCE_LEN 12
#define GCM_TAG_LEN   16
#define CBC_IV_LEN    16
#define CONFIG_MAX    (1 << 20)

typedef enum { PROV_IDENTITY, PROV_AESGCM, PROV_AESCBC } prov_kind_t;

typedef struct {
    char *prefix; /* "k8s:enc:aesgcm:v1:<name>:" */
    size_t prefix_len;
    unsigned char secret[32];
    size_t secret_len;
} crypt_key_t;

typedef struct {
    prov_kind_t kind;
    crypt_key_t *keys; /* the first one encrypts */
    size_t n_keys;
} crypt_provider_t;

typedef struct {
    char **resources; /* as written: "secrets", "deployments.apps", "*.apps", "*.*" */
    size_t n_resources;
    crypt_provider_t *providers; /* the first one writes */
    size_t n_providers;
} crypt_rule_t;

typedef struct {
    char *prefix;
    size_t len;
    const crypt_rule_t *rule;
} crypt_bind_t;

struct store_crypt_s {
    crypt_rule_t *rules;
    size_t n_rules;
    crypt_bind_t *binds;
    size_t n_binds;
};

/* ---- the configuration ---- */

void store_crypt_free(store_crypt_t *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_rules; i++) {
        crypt_rule_t *r = &c->rules[i];
        for (size_t j = 0; j < r->n_resources; j++)
            free(r->resources[j]);
        free(r->resources);
        for (size_t j = 0; j < r->n_providers; j++) {
            crypt_provider_t *p = &r->providers[j];
            for (size_t k = 0; k < p->n_keys; k++) {
                OPENSSL_cleanse(p->keys[k].secret, sizeof(p->keys[k].secret));
                free(p->keys[k].prefix);
            }
            free(p->keys);
        }
        free(r->providers);
    }
    free(c->rules);
    for (size_t i = 0; i < c->n_binds; i++)
        free(c->binds[i].prefix);
    free(c->binds);
    free(c);
}

/* A resource entry is "<resource>" (core), "<resource>.<group>", "*.<group>", "*." (every core
 * resource) or "*.*". Refused as upstream's validation refuses them, in its words: capitals, a
 * lone "*", "<resource>.*", the events.k8s.io and extensions groups, and the allocation records
 * that have no REST API. */
static int resource_check(const char *s, const char *where, c8s_err_t *err)
{
    const char *dot = strchr(s, '.');
    const char *group = dot ? dot + 1 : "";
    size_t rlen = dot ? (size_t)(dot - s) : strlen(s);
    const char *why = NULL;
    for (const char *q = s; *q && !why; q++)
        if (*q >= 'A' && *q <= 'Z')
            why = "resource name should not contain capital letters";
    if (why)
        ;
    else if (rlen == 0)
        why = "names no resource";
    else if (strcmp(s, "*") == 0)
        why = "use '*.' to encrypt all the resources from core API group or *.* to encrypt all "
              "resources";
    else if (strcmp(s, "apiserveripinfo") == 0 || strcmp(s, "serviceipallocations") == 0 ||
             strcmp(s, "servicenodeportallocations") == 0)
        why = "resources which do not have REST API/s cannot be encrypted";
    else if (strcmp(group, "events.k8s.io") == 0)
        why = "'*.events.k8s.io' objects are stored using the 'events' API group in etcd. Use "
              "'events' instead in the config file";
    else if (strcmp(group, "extensions") == 0)
        why = "'extensions' group has been removed and cannot be used for encryption";
    else if (strcmp(group, "*") == 0 && !(rlen == 1 && s[0] == '*'))
        why = "encrypting the same resource across groups is not supported";
    else if ((memchr(s, '*', rlen) && rlen != 1) || (strchr(group, '*') && strcmp(group, "*") != 0))
        why = "only a whole resource or group may be '*'";
    if (why)
        return c8s_err_set(err, C8S_EBADREQUEST, "%s: Invalid value: \"%s\": %s", where, s, why);
    return 0;
}

/* Within one resources list upstream refuses a repeat and an entry a wildcard masks ("secrets"
 * beside "*."); across lists the first list that matches wins. */
static int overlap_check(char *const *res, size_t n, const char *where, c8s_err_t *err)
{
    bool dup = false, overlap = false;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            if (i == j)
                continue;
            if (strcmp(res[i], res[j]) == 0) {
                dup = true;
                continue;
            }
            if (strcmp(res[i], "*.*") == 0) {
                overlap = true;
                continue;
            }
            const char *gi = strchr(res[i], '.'), *gj = strchr(res[j], '.');
            if (strcmp(gi ? gi + 1 : "", gj ? gj + 1 : "") != 0)
                continue;
            if (strncmp(res[i], "*.", 2) == 0 || strncmp(res[j], "*.", 2) == 0)
                overlap = true;
        }
    if (dup)
        return c8s_err_set(err, C8S_EBADREQUEST,
                           "%s: the same resource cannot be specified multiple times", where);
    if (overlap)
        return c8s_err_set(err, C8S_EBADREQUEST,
                           "%s: using overlapping resources such as 'secrets' and '*.' in the "
                           "same resource list is not allowed as they will be masked",
                           where);
    return 0;
}

static bool resource_matches(const char *entry, const char *group, const char *resource)
{
    const char *dot = strchr(entry, '.');
    const char *egroup = dot ? dot + 1 : "";
    size_t rlen = dot ? (size_t)(dot - entry) : strlen(entry);
    bool any_res = rlen == 1 && entry[0] == '*';
    if (!any_res && (strlen(resource) != rlen || strncmp(entry, resource, rlen) != 0))
        return false;
    return strcmp(egroup, "*") == 0 || strcmp(egroup, group) == 0;
}

static int keys_parse(const json_t *pj, prov_kind_t kind, const char *where, crypt_provider_t *p,
                      c8s_err_t *err)
{
    const char *kname = kind == PROV_AESGCM ? "aesgcm" : "aescbc";
    const json_t *keys = json_object_get(pj, "keys");
    cleanup_free char *kwhere = xasprintf("%s.keys", where);
    where = kwhere;
    if (!json_is_array(keys) || json_array_size(keys) == 0)
        return c8s_err_set(err, C8S_EBADREQUEST,
                           "%s: Required value: at least one keys is required", where);
    size_t n = json_array_size(keys);
    p->keys = xcalloc(n, sizeof(*p->keys));
    for (size_t i = 0; i < n; i++) {
        const json_t *k = json_array_get(keys, i);
        const char *name = json_string_value(json_object_get(k, "name"));
        const char *secret = json_string_value(json_object_get(k, "secret"));
        /* Upstream takes any name (':' included) and repeated names (the first one reads). */
        if (!name || !name[0])
            return c8s_err_set(err, C8S_EBADREQUEST,
                               "%s[%zu].name: Required value: name is a mandatory field for a key",
                               where, i);
        if (!secret || !secret[0])
            return c8s_err_set(
                err, C8S_EBADREQUEST,
                "%s[%zu].secret: Required value: secret is a mandatory field for a key", where, i);
        cleanup_free char *raw = NULL;
        size_t raw_len = 0;
        /* The secret itself is never echoed, as upstream's "REDACTED". */
        if (store__b64_decode(secret, &raw, &raw_len) < 0)
            return c8s_err_set(err, C8S_EBADREQUEST,
                               "%s[%zu].secret: Invalid value: \"REDACTED\": secrets must be "
                               "base64 encoded",
                               where, i);
        if (raw_len != 16 && raw_len != 24 && raw_len != 32) {
            OPENSSL_cleanse(raw, raw_len);
            return c8s_err_set(err, C8S_EBADREQUEST,
                               "%s[%zu].secret: Invalid value: \"REDACTED\": secret is not of the "
                               "expected length, got %zu, expected one of [16 24 32]",
                               where, i, raw_len);
        }
        crypt_key_t *ck = &p->keys[p->n_keys++];
        memcpy(ck->secret, raw, raw_len);
        ck->secret_len = raw_len;
        OPENSSL_cleanse(raw, raw_len);
        ck->prefix = xasprintf(ENC_MARK "%s:v1:%s:", kname, name);
        ck->prefix_len = strlen(ck->prefix);
    }
    return 0;
}

static int provider_parse(const json_t *pj, const char *where, crypt_provider_t *p, c8s_err_t *err)
{
    if (!json_is_object(pj) || json_object_size(pj) == 0)
        return c8s_err_set(err, C8S_EBADREQUEST,
                           "%s: Invalid value: provider does not contain any of the expected "
                           "providers: KMS, AESGCM, AESCBC, Secretbox, Identity",
                           where);
    if (json_object_size(pj) > 1)
        return c8s_err_set(err, C8S_EBADREQUEST,
                           "%s: Invalid value: more than one provider specified in a single "
                           "element, should split into different list elements",
                           where);
    const char *name = json_object_iter_key(json_object_iter((json_t *)pj));
    const json_t *body = json_object_get(pj, name);
    cleanup_free char *sub = xasprintf("%s.%s", where, name);
    if (strcmp(name, "identity") == 0) {
        p->kind = PROV_IDENTITY;
        return 0;
    }
    if (strcmp(name, "aesgcm") == 0 || strcmp(name, "aescbc") == 0) {
        p->kind = name[3] == 'g' ? PROV_AESGCM : PROV_AESCBC;
        if (!json_is_object(body))
            return c8s_err_set(err, C8S_EBADREQUEST, "%s: must be a mapping with keys", sub);
        return keys_parse(body, p->kind, sub, p, err);
    }
    if (strcmp(name, "secretbox") == 0 || strcmp(name, "kms") == 0)
        return c8s_err_set(err, C8S_EBADREQUEST,
                           "%s: the %s provider is not supported (aesgcm, aescbc, identity are)",
                           sub, name);
    return c8s_err_set(err, C8S_EBADREQUEST, "%s: unknown field \"%s\"", where, name);
}

static int config_parse(const json_t *j, store_crypt_t *c, c8s_err_t *err)
{
    if (!json_is_object(j))
        return c8s_err_set(err, C8S_EBADREQUEST, "not a mapping");
    const char *kind = json_string_value(json_object_get(j, "kind"));
    const char *av = json_string_value(json_object_get(j, "apiVersion"));
    if (!kind || strcmp(kind, "EncryptionConfiguration") != 0)
        return c8s_err_set(err, C8S_EBADREQUEST, "kind: want EncryptionConfiguration, got \"%s\"",
                           kind ? kind : "");
    if (!av || strcmp(av, "apiserver.config.k8s.io/v1") != 0)
        return c8s_err_set(err, C8S_EBADREQUEST,
                           "apiVersion: want apiserver.config.k8s.io/v1, got \"%s\"", av ? av : "");
    const json_t *rules = json_object_get(j, "resources");
    if (!json_is_array(rules) || json_array_size(rules) == 0)
        return c8s_err_set(err, C8S_EBADREQUEST,
                           "resources: Required value: at least one resources is required");
    size_t n = json_array_size(rules);
    c->rules = xcalloc(n, sizeof(*c->rules));
    for (size_t i = 0; i < n; i++) {
        const json_t *rj = json_array_get(rules, i);
        crypt_rule_t *r = &c->rules[c->n_rules++];
        const json_t *res = json_object_get(rj, "resources");
        const json_t *provs = json_object_get(rj, "providers");
        if (!json_is_array(res) || json_array_size(res) == 0)
            return c8s_err_set(err, C8S_EBADREQUEST,
                               "resources[%zu].resources: Required value: at least one "
                               "resources[%zu].resources is required",
                               i, i);
        if (!json_is_array(provs) || json_array_size(provs) == 0)
            return c8s_err_set(err, C8S_EBADREQUEST,
                               "resources[%zu].providers: Required value: at least one "
                               "resources[%zu].providers is required",
                               i, i);
        r->resources = xcalloc(json_array_size(res), sizeof(char *));
        for (size_t k = 0; k < json_array_size(res); k++) {
            const char *s = json_string_value(json_array_get(res, k));
            char where[64];
            snprintf(where, sizeof(where), "resources[%zu].resources[%zu]", i, k);
            if (!s)
                return c8s_err_set(err, C8S_EBADREQUEST, "%s: must be a string", where);
            if (resource_check(s, where, err) < 0)
                return err->code;
            r->resources[r->n_resources++] = xstrdup(s);
        }
        char list[64];
        snprintf(list, sizeof(list), "resources[%zu].resources", i);
        if (overlap_check(r->resources, r->n_resources, list, err) < 0)
            return err->code;
        r->providers = xcalloc(json_array_size(provs), sizeof(*r->providers));
        for (size_t k = 0; k < json_array_size(provs); k++) {
            char where[64];
            snprintf(where, sizeof(where), "resources[%zu].providers[%zu]", i, k);
            crypt_provider_t *p = &r->providers[r->n_providers++];
            if (provider_parse(json_array_get(provs, k), where, p, err) < 0)
                return err->code;
        }
    }
    return 0;
}

int store_crypt_parse(const char *buf, size_t len, store_crypt_t **out, c8s_err_t *err)
{
    *out = NULL;
    cleanup_json json_t *j = NULL;
    if (yaml_to_json(buf, len, &j, err) < 0)
        return c8s_err_wrap(err, "encryption provider config");
    store_crypt_t *c = xcalloc(1, sizeof(*c));
    if (config_parse(j, c, err) < 0) {
        store_crypt_free(c);
        return c8s_err_wrap(err, "encryption provider config");
    }
    *out = c;
    return 0;
}

int store_crypt_load(const char *path, store_crypt_t **out, c8s_err_t *err)
{
    *out = NULL;
    FILE *f = fopen(path, "re");
    if (!f)
        return c8s_err_set(err, C8S_EBADREQUEST, "encryption provider config %s: %s", path,
                           strerror(errno));
    char *buf = xmalloc(CONFIG_MAX + 1);
    size_t n = fread(buf, 1, CONFIG_MAX + 1, f);
    bool bad = ferror(f);
    fclose(f);
    int rc = 0;
    if (bad)
        rc = c8s_err_set(err, C8S_EBADREQUEST, "encryption provider config %s: read error", path);
    else if (n > CONFIG_MAX)
        rc = c8s_err_set(err, C8S_EBADREQUEST, "encryption provider config %s: larger than 1 MiB",
                         path);
    else if (store_crypt_parse(buf, n, out, err) < 0)
        rc = c8s_err_wrap(err, "%s", path);
    OPENSSL_cleanse(buf, n < CONFIG_MAX ? n : CONFIG_MAX);
    free(buf);
    return rc;
}

bool store_crypt_bind(store_crypt_t *c, const char *group, const char *resource,
                      const char *key_prefix)
{
    const crypt_rule_t *rule = NULL;
    for (size_t i = 0; i < c->n_rules && !rule; i++)
        for (size_t k = 0; k < c->rules[i].n_resources && !rule; k++)
            if (resource_matches(c->rules[i].resources[k], group, resource))
                rule = &c->rules[i];
    if (!rule)
        return false;
    for (size_t i = 0; i < c->n_binds; i++)
        if (strcmp(c->binds[i].prefix, key_prefix) == 0)
            return true; /* another group's resource stored under the same prefix */
    c->binds = xrealloc(c->binds, (c->n_binds + 1) * sizeof(*c->binds));
    crypt_bind_t *b = &c->binds[c->n_binds++];
    b->prefix = xstrdup(key_prefix);
    b->len = strlen(key_prefix);
    b->rule = rule;
    return true;
}

static const crypt_rule_t *rule_for(const store_crypt_t *c, const char *key)
{
    for (size_t i = 0; i < c->n_binds; i++)
        if (strncmp(key, c->binds[i].prefix, c->binds[i].len) == 0)
            return c->binds[i].rule;
    return NULL;
}

bool store_crypt_covers(const store_crypt_t *c, const char *key)
{
    return rule_for(c, key) != NULL;
}

/* ---- the transforms ---- */

static const EVP_CIPHER *gcm_cipher(size_t len)
{
    return len == 16 ? EVP_aes_128_gcm() : len == 24 ? EVP_aes_192_gcm() : EVP_aes_256_gcm();
}

static const EVP_CIPHER *cbc_cipher(size_t len)
{
    return len == 16 ? EVP_aes_128_cbc() : len == 24 ? EVP_aes_192_cbc() : EVP_aes_256_cbc();
}

/* out = prefix nonce ciphertext tag, with the etcd key authenticated alongside. */
static int gcm_seal(const crypt_key_t *k, const char *key, const char *val, size_t len, char **out,
                    size_t *out_len, c8s_err_t *err)
{
    if (len > INT32_MAX - 64)
        return c8s_err_set(err, C8S_EINTERNAL, "aes-gcm: value too large");
    size_t total = k->prefix_len + GCM_NONCE_LEN + len + GCM_TAG_LEN;
    unsigned char *buf = xmalloc(total + 1);
    memcpy(buf, k->prefix, k->prefix_len);
    unsigned char *nonce = buf + k->prefix_len;
    unsigned char *ct = nonce + GCM_NONCE_LEN;
    int n1 = 0, n2 = 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    bool ok =
        ctx && RAND_bytes(nonce, GCM_NONCE_LEN) == 1 &&
        EVP_EncryptInit_ex(ctx, gcm_cipher(k->secret_len), NULL, NULL, NULL) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, GCM_NONCE_LEN, NULL) == 1 &&
        EVP_EncryptInit_ex(ctx, NULL, NULL, k->secret, nonce) == 1 &&
        EVP_EncryptUpdate(ctx, NULL, &n1, (const unsigned char *)key, (int)strlen(key)) == 1 &&
        EVP_EncryptUpdate(ctx, ct, &n1, (const unsigned char *)val, (int)len) == 1 &&
        EVP_EncryptFinal_ex(ctx, ct + n1, &n2) == 1 && (size_t)(n1 + n2) == len &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, GCM_TAG_LEN, ct + len) == 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok) {
        free(buf);
        return c8s_err_set(err, C8S_EINTERNAL, "aes-gcm: encryption failed");
    }
    buf[total] = '\0';
    *out = (char *)buf;
    *out_len = total;
    return 0;
}

static int gcm_open(const crypt_key_t *k, const char *key, const unsigned char *p, size_t len,
                    char **out, size_t *out_len, c8s_err_t *err)
{
    if (len < GCM_NONCE_LEN + GCM_TAG_LEN)
        return c8s_err_set(err, C8S_EINTERNAL, "aes-gcm: the stored data is too short");
    size_t ct_len = len - GCM_NONCE_LEN - GCM_TAG_LEN;
    const unsigned char *nonce = p, *ct = p + GCM_NONCE_LEN, *tag = ct + ct_len;
    unsigned char *buf = xmalloc(ct_len + 1);
    int n1 = 0, n2 = 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    bool ok =
        ctx && EVP_DecryptInit_ex(ctx, gcm_cipher(k->secret_len), NULL, NULL, NULL) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, GCM_NONCE_LEN, NULL) == 1 &&
        EVP_DecryptInit_ex(ctx, NULL, NULL, k->secret, nonce) == 1 &&
        EVP_DecryptUpdate(ctx, NULL, &n1, (const unsigned char *)key, (int)strlen(key)) == 1 &&
        EVP_DecryptUpdate(ctx, buf, &n1, ct, (int)ct_len) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, GCM_TAG_LEN, (void *)tag) == 1 &&
        EVP_DecryptFinal_ex(ctx, buf + n1, &n2) == 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok) {
        free(buf);
        return c8s_err_set(err, C8S_EINTERNAL, "aes-gcm: message authentication failed");
    }
    buf[n1 + n2] = '\0';
    *out = (char *)buf;
    *out_len = (size_t)(n1 + n2);
    return 0;
}

/* out = prefix iv ciphertext (PKCS#7); CBC has no associated data, as upstream's. */
static int cbc_seal(const crypt_key_t *k, const char *val, size_t len, char **out, size_t *out_len,
                    c8s_err_t *err)
{
    if (len > INT32_MAX - 64)
        return c8s_err_set(err, C8S_EINTERNAL, "aes-cbc: value too large");
    size_t cap = k->prefix_len + CBC_IV_LEN + len + CBC_IV_LEN;
    unsigned char *buf = xmalloc(cap + 1);
    memcpy(buf, k->prefix, k->prefix_len);
    unsigned char *iv = buf + k->prefix_len, *ct = iv + CBC_IV_LEN;
    int n1 = 0, n2 = 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    bool ok = ctx && RAND_bytes(iv, CBC_IV_LEN) == 1 &&
              EVP_EncryptInit_ex(ctx, cbc_cipher(k->secret_len), NULL, k->secret, iv) == 1 &&
              EVP_EncryptUpdate(ctx, ct, &n1, (const unsigned char *)val, (int)len) == 1 &&
              EVP_EncryptFinal_ex(ctx, ct + n1, &n2) == 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok) {
        free(buf);
        return c8s_err_set(err, C8S_EINTERNAL, "aes-cbc: encryption failed");
    }
    size_t total = k->prefix_len + CBC_IV_LEN + (size_t)(n1 + n2);
    buf[total] = '\0';
    *out = (char *)buf;
    *out_len = total;
    return 0;
}

static int cbc_open(const crypt_key_t *k, const unsigned char *p, size_t len, char **out,
                    size_t *out_len, c8s_err_t *err)
{
    if (len < 2 * CBC_IV_LEN || len % CBC_IV_LEN != 0)
        return c8s_err_set(err, C8S_EINTERNAL,
                           "aes-cbc: the stored data is not a multiple of the block size");
    size_t ct_len = len - CBC_IV_LEN;
    unsigned char *buf = xmalloc(ct_len + 1);
    int n1 = 0, n2 = 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    bool ok = ctx && EVP_DecryptInit_ex(ctx, cbc_cipher(k->secret_len), NULL, k->secret, p) == 1 &&
              EVP_DecryptUpdate(ctx, buf, &n1, p + CBC_IV_LEN, (int)ct_len) == 1 &&
              EVP_DecryptFinal_ex(ctx, buf + n1, &n2) == 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok) {
        free(buf);
        return c8s_err_set(err, C8S_EINTERNAL, "aes-cbc: invalid padding on input");
    }
    buf[n1 + n2] = '\0';
    *out = (char *)buf;
    *out_len = (size_t)(n1 + n2);
    return 0;
}

int store_crypt_to_storage(const store_crypt_t *c, const char *key, const char *val, size_t len,
                           char **out, size_t *out_len, c8s_err_t *err)
{
    *out = NULL;
    *out_len = 0;
    const crypt_rule_t *r = rule_for(c, key);
    if (!r)
        return 0;
    const crypt_provider_t *p = &r->providers[0];
    switch (p->kind) {
    case PROV_AESGCM:
        return gcm_seal(&p->keys[0], key, val, len, out, out_len, err);
    case PROV_AESCBC:
        return cbc_seal(&p->keys[0], val, len, out, out_len, err);
    default:
        return 0;
    }
}

int store_crypt_from_storage(const store_crypt_t *c, const char *key, const char *val, size_t len,
                             char **out, size_t *out_len, c8s_err_t *err)
{
    *out = NULL;
    *out_len = 0;
    const crypt_rule_t *r = rule_for(c, key);
    if (!r)
        return 0;
    /* Providers in order, keys in order: the first whose prefix the value carries decides (a
     * failure there is final: another key with the same name cannot be meant). Identity reads
     * anything not marked as encrypted, so plaintext written before encryption stays readable
     * while identity is listed, and encrypted data never passes for plaintext. */
    for (size_t i = 0; i < r->n_providers; i++) {
        const crypt_provider_t *p = &r->providers[i];
        if (p->kind == PROV_IDENTITY) {
            if (len >= strlen(ENC_MARK) && memcmp(val, ENC_MARK, strlen(ENC_MARK)) == 0)
                continue;
            return 0;
        }
        for (size_t k = 0; k < p->n_keys; k++) {
            const crypt_key_t *ck = &p->keys[k];
            if (len < ck->prefix_len || memcmp(val, ck->prefix, ck->prefix_len) != 0)
                continue;
            const unsigned char *body = (const unsigned char *)val + ck->prefix_len;
            size_t blen = len - ck->prefix_len;
            return p->kind == PROV_AESGCM ? gcm_open(ck, key, body, blen, out, out_len, err)
                                          : cbc_open(ck, body, blen, out, out_len, err);
        }
    }
    if (len >= strlen(ENC_MARK) && memcmp(val, ENC_MARK, strlen(ENC_MARK)) == 0) {
        const char *end = memchr(val + strlen(ENC_MARK), ':', len - strlen(ENC_MARK));
        const char *name_end = end ? memchr(end + 1, ':', len - (size_t)(end + 1 - val)) : NULL;
        const char *key_end =
            name_end ? memchr(name_end + 1, ':', len - (size_t)(name_end + 1 - val)) : NULL;
        int shown = key_end ? (int)(key_end + 1 - val) : (int)strlen(ENC_MARK);
        return c8s_err_set(err, C8S_EINTERNAL,
                           "no provider can read data with prefix \"%.*s\" (unknown key name?)",
                           shown, val);
    }
    return c8s_err_set(err, C8S_EINTERNAL,
                       "no matching prefix found (plaintext, and identity is not a provider)");
}
