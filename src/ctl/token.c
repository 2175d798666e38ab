/*
 * token.c — `c8s token create|list|delete` (also `c8s ctl token`): bootstrap tokens for nodes
 * joining, as kubeadm keeps them — a Secret of type bootstrap.kubernetes.io/token named
 * bootstrap-token-<id> in kube-system, the token being "<id>.<secret>".
 */
#include "ctl_int.h"
#include "c8s/pki.h"
#include "c8s/yaml.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>
#include <time.h>

#define TOKEN_NS       "kube-system"
#define TOKEN_TYPE     "bootstrap.kubernetes.io/token"
#define DEFAULT_GROUPS "system:bootstrappers:c8s:default-node-token"

static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";

static int random_chars(char *out, size_t n)
{
    unsigned char buf[32];
    size_t i = 0;
    while (i < n) {
        if (RAND_bytes(buf, sizeof(buf)) != 1)
            return -1;
        /* Rejection sampling keeps the 36 characters equally likely. */
        for (size_t j = 0; j < sizeof(buf) && i < n; j++)
            if (buf[j] < 252)
                out[i++] = alphabet[buf[j] % 36];
    }
    out[n] = '\0';
    return 0;
}

static bool token_chars(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strchr(alphabet, s[i]) || !s[i])
            return false;
    return true;
}

/* "abcdef.0123456789abcdef" as kubeadm's regexp ^[a-z0-9]{6}\.[a-z0-9]{16}$. */
static bool valid_token(const char *t)
{
    return strlen(t) == 23 && t[6] == '.' && token_chars(t, 6) && token_chars(t + 7, 16);
}

static char *b64(const char *s)
{
    size_t n = strlen(s);
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
    return out;
}

static char *unb64(const json_t *data, const char *key)
{
    const char *v = json_string_value(json_object_get(data, key));
    if (!v)
        return NULL;
    char *out = NULL;
    size_t len = 0;
    c8s_err_t err = C8S_ERR_INIT;
    if (kubeconfig_base64_decode(v, &out, &len, &err) != 0) {
        c8s_err_clear(&err);
        return NULL;
    }
    return out;
}

/* "24h", "90m", "3600s", "1h30m" or "0" (never expires) → seconds; -1 when malformed. */
static long parse_ttl(const char *s)
{
    if (strcmp(s, "0") == 0)
        return 0;
    long total = 0;
    const char *p = s;
    while (*p) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 0)
            return -1;
        long mult = *end == 'h' ? 3600 : *end == 'm' ? 60 : *end == 's' ? 1 : 0;
        if (!mult)
            return -1;
        total += v * mult;
        p = end + 1;
    }
    return total;
}

static void add_data(json_t *data, const char *key, const char *value)
{
    cleanup_free char *enc = b64(value);
    json_object_set_new(data, key, json_string(enc));
}

/* kubeadm's `token create --print-join-command`: the server and CA as kube-public/cluster-info
 * publishes them (what the joining node will read), the CA pinned by its public key. */
static int print_join(ctl_t *c, const char *token)
{
    cleanup_json json_t *cm = NULL;
    if (ctl__get_json(c, "/api/v1/namespaces/kube-public/configmaps/cluster-info", &cm) != 0)
        return 1;
    const char *kc = json_string_value(json_object_get(json_object_get(cm, "data"), "kubeconfig"));
    c8s_err_t err = C8S_ERR_INIT;
    cleanup_json json_t *cfg = NULL;
    if (!kc || yaml_to_json(kc, strlen(kc), &cfg, &err) != 0) {
        c8s_err_clear(&err);
        return ctl__error("kube-public/cluster-info holds no readable kubeconfig");
    }
    json_t *cluster =
        json_object_get(json_array_get(json_object_get(cfg, "clusters"), 0), "cluster");
    const char *server = json_string_value(json_object_get(cluster, "server"));
    const char *ca64 = json_string_value(json_object_get(cluster, "certificate-authority-data"));
    cleanup_free char *ca = NULL, *hash = NULL;
    size_t n = 0;
    if (!server || !ca64 || kubeconfig_base64_decode(ca64, &ca, &n, &err) != 0 ||
        pki_ca_cert_hash(ca, &hash, &err) != 0) {
        c8s_err_clear(&err);
        return ctl__error("kube-public/cluster-info: no server or CA");
    }
    printf("c8s agent --server %s --token %s --ca-cert-hash %s\n", server, token, hash);
    return 0;
}

static int token_create(ctl_t *c)
{
    char token[24];
    if (c->o.n_args > 1) {
        if (!valid_token(c->o.args[1]))
            return ctl__error("the token must be of the form \"[a-z0-9]{6}.[a-z0-9]{16}\"");
        snprintf(token, sizeof(token), "%s", c->o.args[1]);
    } else if (random_chars(token, 6) != 0 || random_chars(token + 7, 16) != 0) {
        return ctl__error("could not read random bytes");
    } else {
        token[6] = '.';
    }
    long ttl = parse_ttl(c->o.ttl ? c->o.ttl : "24h");
    if (ttl < 0)
        return ctl__error("invalid --ttl %s (e.g. 24h, 90m, 0 for never)", c->o.ttl);
    char id[7];
    memcpy(id, token, 6);
    id[6] = '\0';
    json_t *data = json_object();
    add_data(data, "token-id", id);
    add_data(data, "token-secret", token + 7);
    if (ttl > 0) {
        time_t when = time(NULL) + ttl;
        char ts[32];
        strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&when));
        add_data(data, "expiration", ts);
    }
    const char *usages = c->o.usages ? c->o.usages : "signing,authentication";
    cleanup_free char *u = xstrdup(usages);
    char *save = NULL;
    for (char *tok = strtok_r(u, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (strcmp(tok, "signing") != 0 && strcmp(tok, "authentication") != 0) {
            json_decref(data);
            return ctl__error("invalid bootstrap token usage \"%s\" (signing, authentication)",
                              tok);
        }
        cleanup_free char *key = xasprintf("usage-bootstrap-%s", tok);
        add_data(data, key, "true");
    }
    add_data(data, "auth-extra-groups", c->o.groups ? c->o.groups : DEFAULT_GROUPS);
    if (c->o.description)
        add_data(data, "description", c->o.description);
    cleanup_free char *name = xasprintf("bootstrap-token-%s", id);
    json_t *secret = json_pack("{s:s, s:s, s:{s:s, s:s}, s:s, s:o}", "apiVersion", "v1", "kind",
                               "Secret", "metadata", "name", name, "namespace", TOKEN_NS, "type",
                               TOKEN_TYPE, "data", data);
    cleanup_free char *body = json_dumps(secret, JSON_COMPACT);
    json_decref(secret);
    ctl_resp_t r = {0};
    ctl__do(c, "POST", "/api/v1/namespaces/" TOKEN_NS "/secrets", "application/json", body, NULL,
            &r);
    int rc = ctl__ok(&r) ? 0 : ctl__fail(&r, NULL);
    ctl__resp_clear(&r);
    if (rc == 0 && c->o.print_join)
        rc = print_join(c, token);
    else if (rc == 0)
        printf("%s\n", token);
    return rc;
}

static void human_ttl(time_t left, char *buf, size_t len)
{
    if (left <= 0)
        snprintf(buf, len, "<expired>");
    else if (left >= 86400)
        snprintf(buf, len, "%ldd", (long)(left / 86400));
    else if (left >= 3600)
        snprintf(buf, len, "%ldh", (long)(left / 3600));
    else
        snprintf(buf, len, "%ldm", (long)(left / 60) + 1);
}

static void print_row(const json_t *item)
{
    const json_t *data = json_object_get(item, "data");
    cleanup_free char *id = unb64(data, "token-id");
    cleanup_free char *sec = unb64(data, "token-secret");
    cleanup_free char *exp = unb64(data, "expiration");
    cleanup_free char *desc = unb64(data, "description");
    cleanup_free char *groups = unb64(data, "auth-extra-groups");
    if (!id || !sec)
        return;
    char ttl[32] = "<forever>";
    if (exp) {
        struct tm tm = {0};
        if (strptime(exp, "%Y-%m-%dT%H:%M:%SZ", &tm))
            human_ttl(timegm(&tm) - time(NULL), ttl, sizeof(ttl));
    }
    strbuf_t usages = STRBUF_INIT;
    static const char *const kinds[] = {"authentication", "signing"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(kinds); i++) {
        cleanup_free char *key = xasprintf("usage-bootstrap-%s", kinds[i]);
        cleanup_free char *v = unb64(data, key);
        if (v && strcmp(v, "true") == 0)
            strbuf_sep(&usages, ",", kinds[i]);
    }
    cleanup_free char *us = strbuf_take_or(&usages, "<none>");
    printf("%s.%-18s %-9s %-22s %-29s %-30s %s\n", id, sec, ttl, exp ? exp : "<never>", us,
           desc ? desc : "<none>", groups ? groups : "");
}

static int token_list(ctl_t *c)
{
    json_t *list = NULL;
    if (ctl__get_json(c, "/api/v1/namespaces/" TOKEN_NS "/secrets?fieldSelector=type%3D" TOKEN_TYPE,
                      &list) != 0)
        return 1;
    printf("%-25s %-9s %-22s %-29s %-30s %s\n", "TOKEN", "TTL", "EXPIRES", "USAGES", "DESCRIPTION",
           "EXTRA GROUPS");
    size_t i;
    const json_t *item;
    json_array_foreach(json_object_get(list, "items"), i, item)
    {
        if (strcmp(json_string_value(json_object_get(item, "type")) ?: "", TOKEN_TYPE) == 0)
            print_row(item);
    }
    json_decref(list);
    return 0;
}

static int token_delete(ctl_t *c)
{
    if (c->o.n_args < 2)
        return ctl__error("missing subcommand; \"token delete\" needs a token or a token ID");
    int rc = 0;
    for (size_t i = 1; i < c->o.n_args; i++) {
        const char *t = c->o.args[i];
        if (!(strlen(t) == 6 && token_chars(t, 6)) && !valid_token(t)) {
            rc = ctl__error("\"%s\" is neither a token nor a token ID", t);
            continue;
        }
        char id[7];
        memcpy(id, t, 6);
        id[6] = '\0';
        cleanup_free char *path =
            xasprintf("/api/v1/namespaces/" TOKEN_NS "/secrets/bootstrap-token-%s", id);
        ctl_resp_t r = {0};
        ctl__do(c, "DELETE", path, NULL, NULL, NULL, &r);
        if (ctl__ok(&r))
            printf("bootstrap token \"%s\" deleted\n", id);
        else
            rc = ctl__fail(&r, NULL);
        ctl__resp_clear(&r);
    }
    return rc;
}

int ctl__cmd_token(ctl_t *c)
{
    const char *sub = c->o.n_args > 0 ? c->o.args[0] : NULL;
    if (sub && strcmp(sub, "create") == 0)
        return token_create(c);
    if (sub && strcmp(sub, "list") == 0)
        return token_list(c);
    if (sub && strcmp(sub, "delete") == 0)
        return token_delete(c);
    fprintf(
        stderr,
        "usage: c8s token create [TOKEN] [--ttl 24h] [--description TEXT] [--print-join-command]\n"
        "                        [--groups G1,G2] [--usages signing,authentication]\n"
        "       c8s token list\n"
        "       c8s token delete TOKEN-OR-ID...\n");
    return 1;
}
