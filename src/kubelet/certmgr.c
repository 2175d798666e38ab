/*
 * certmgr.c — a joined node's client and serving certificates by CSR, renewed before they expire
 * (include/c8s/certmgr.h). Upstream's kubelet does the same with its certificate manager
 * (--rotate-certificates, serverTLSBootstrap): a jittered deadline at 70-90 % of the lifetime,
 * a new key for every request, the pair written where readers find it by name.
 *
 * The manager is a thread of its own with blocking libcurl: its requests are few and far
 * between, and the kubelet's loop is not held up while a CSR waits for its approver.
 */
#include "c8s/certmgr.h"

#include "c8s/kubeconfig.h"
#include "c8s/kubelet.h"
#include "c8s/pki.h"
#include "c8s/strbuf.h"

#include <curl/curl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

/* How long a renewal waits for its certificate. A serving request waits less: the thread
 * renews the client certificate too, which must not expire behind a request left pending. */
#define CSR_WAIT_S         300
#define CSR_WAIT_SERVING_S 60
#define RETRY_MIN_S        2
#define RETRY_MAX_S        60
#define POLL_MS            500
#define HTTP_TIMEOUT_S     30L
#define NAMES_CHECK_S      60

/* ---- blocking HTTPS ---- */

static size_t on_body(char *p, size_t size, size_t n, void *data)
{
    strbuf_addn(data, p, size * n);
    return size * n;
}

int certmgr_https(const certmgr_auth_t *a, const char *method, const char *path, const char *body,
                  long *status, char **out, c8s_err_t *err)
{
    *out = NULL;
    *status = 0;
    CURL *h = curl_easy_init();
    if (!h)
        return c8s_err_set(err, C8S_EINTERNAL, "libcurl did not start");
    strbuf_t b = STRBUF_INIT;
    struct curl_slist *hdr = NULL;
    cleanup_free char *auth = a->token ? xasprintf("Authorization: Bearer %s", a->token) : NULL;
    cleanup_free char *url = xasprintf("%s%s", a->server, path);
    if (auth)
        hdr = curl_slist_append(hdr, auth);
    hdr = curl_slist_append(hdr, "Accept: application/json");
    if (body)
        hdr = curl_slist_append(hdr, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, HTTP_TIMEOUT_S);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (body)
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    if (a->cert_file)
        curl_easy_setopt(h, CURLOPT_SSLCERT, a->cert_file);
    if (a->key_file)
        curl_easy_setopt(h, CURLOPT_SSLKEY, a->key_file);
    if (a->ca_file) {
        curl_easy_setopt(h, CURLOPT_CAINFO, a->ca_file);
    } else {
        /* Trust comes from what the caller checks on the answer (the JWS and the CA pin). */
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(hdr);
    if (rc != CURLE_OK) {
        strbuf_free(&b);
        curl_easy_cleanup(h);
        return c8s_err_set(err, C8S_EUNAVAILABLE, "%s %s: %s", method, url, curl_easy_strerror(rc));
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(h);
    *out = strbuf_take(&b);
    if (!*out)
        *out = xstrdup("");
    return 0;
}

static char *b64(const char *s)
{
    size_t n = strlen(s);
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
    return out;
}

static const char *msg_of(const json_t *o)
{
    const char *m = json_string_value(json_object_get(o, "message"));
    return m ? m : "";
}

int certmgr_request_cert(const certmgr_auth_t *a, const char *signer, const char *const *usages,
                         size_t n_usages, const char *csr_pem, long expiration_s, int wait_s,
                         const atomic_bool *stop, char **cert_pem, c8s_err_t *err)
{
    *cert_pem = NULL;
    cleanup_free char *req64 = b64(csr_pem);
    /* Upstream's names: node-csr- for the bootstrap request, csr- for the node's own. */
    json_t *u = json_array();
    for (size_t i = 0; i < n_usages; i++)
        json_array_append_new(u, json_string(usages[i]));
    cleanup_json json_t *obj = json_pack(
        "{s:s, s:s, s:{s:s}, s:{s:s, s:s, s:o}}", "apiVersion", "certificates.k8s.io/v1", "kind",
        "CertificateSigningRequest", "metadata", "generateName", a->token ? "node-csr-" : "csr-",
        "spec", "request", req64, "signerName", signer, "usages", u);
    if (expiration_s > 0)
        json_object_set_new(json_object_get(obj, "spec"), "expirationSeconds",
                            json_integer(expiration_s));
    cleanup_free char *body = json_dumps(obj, JSON_COMPACT);
    const char *path = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
    long status = 0;
    cleanup_free char *resp = NULL;
    if (certmgr_https(a, "POST", path, body, &status, &resp, err) != 0)
        return err->code;
    cleanup_json json_t *created = json_loads(resp, 0, NULL);
    const char *name =
        json_string_value(json_object_get(json_object_get(created, "metadata"), "name"));
    if (status != 201 || !name)
        return c8s_err_set(err, status == 401 || status == 403 ? C8S_EUNAUTH : C8S_EUNAVAILABLE,
                           "creating the certificate request: HTTP %ld: %s", status,
                           msg_of(created));
    log_info("certmgr", "certificate request %s (%s) sent; waiting for approval", name, signer);
    cleanup_free char *get = xasprintf("%s/%s", path, name);
    for (int i = 0; i < wait_s * 1000 / POLL_MS; i++) {
        if (stop && atomic_load(stop))
            return c8s_err_set(err, C8S_EUNAVAILABLE, "certificate request %s: stopped", name);
        usleep(POLL_MS * 1000);
        cleanup_free char *r = NULL;
        if (certmgr_https(a, "GET", get, NULL, &status, &r, err) != 0) {
            log_warn("certmgr", "%s", err->msg);
            c8s_err_clear(err);
            continue;
        }
        cleanup_json json_t *csr = json_loads(r, 0, NULL);
        json_t *st = json_object_get(csr, "status");
        size_t k;
        json_t *c;
        json_array_foreach(json_object_get(st, "conditions"), k, c)
        {
            const char *t = json_string_value(json_object_get(c, "type"));
            if (t && (!strcmp(t, "Denied") || !strcmp(t, "Failed")))
                return c8s_err_set(err, C8S_EFORBIDDEN, "certificate request %s: %s: %s", name, t,
                                   msg_of(c));
        }
        const char *cert64 = json_string_value(json_object_get(st, "certificate"));
        if (cert64 && *cert64) {
            size_t n = 0;
            return kubeconfig_base64_decode(cert64, cert_pem, &n, err);
        }
    }
    return c8s_err_set(err, C8S_ETIMEOUT, "certificate request %s: not issued within %d s", name,
                       wait_s);
}

/* ---- deadlines (pure) ---- */

static int asn1_to_time(const ASN1_TIME *t, time_t *out)
{
    struct tm tm;
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return -1;
    *out = timegm(&tm);
    return 0;
}

int certmgr_deadline(const char *pem, double frac, time_t *out, c8s_err_t *err)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    time_t nb = 0, na = 0;
    int rc = 0;
    if (!x || asn1_to_time(X509_get0_notBefore(x), &nb) != 0 ||
        asn1_to_time(X509_get0_notAfter(x), &na) != 0 || na < nb)
        rc = c8s_err_set(err, C8S_EBADREQUEST, "not a PEM certificate with a validity period");
    else
        *out = nb + (time_t)((double)(na - nb) * frac + 0.5);
    X509_free(x);
    return rc;
}

double certmgr_jitter(double r)
{
    if (r < 0)
        r = 0;
    if (r > 1)
        r = 1;
    return 0.7 + 0.2 * r;
}

/* ---- the manager ---- */

struct certmgr_s {
    char *server, *ca_file, *node_name, *client_pem, *serving_pem;
    long expiration_s;
    kubelet_t *kubelet;
    uv_thread_t thread;
    uv_mutex_t mu;
    uv_cond_t cond;
    atomic_bool stop;
};

static time_t due_of(const char *pem)
{
    c8s_err_t err = C8S_ERR_INIT;
    time_t t = 0;
    if (certmgr_deadline(pem, certmgr_jitter((double)(uv_hrtime() % 1000003) / 1000003.0), &t,
                         &err) != 0) {
        c8s_err_clear(&err);
        return 0;
    }
    return t;
}

static time_t retry_at(int fails)
{
    int s = RETRY_MIN_S;
    for (int i = 1; i < fails && s < RETRY_MAX_S; i++)
        s *= 2;
    return time(NULL) + (s < RETRY_MAX_S ? s : RETRY_MAX_S);
}

int certmgr_write_pair(const char *path, const char *cert, const char *key, c8s_err_t *err)
{
    size_t n = strlen(cert);
    cleanup_free char *both = xasprintf("%s%s%s", cert, n && cert[n - 1] == '\n' ? "" : "\n", key);
    return pki_write_file(path, both, strlen(both), 0600, err);
}

static int renew(certmgr_t *m, const char *signer, const char *const *usages, size_t n_usages,
                 const pki_cert_req_t *req, const char *path, c8s_err_t *err)
{
    cleanup_free char *csr = NULL, *key = NULL, *cert = NULL;
    if (pki_csr_new(req, NULL, &csr, &key, err) != 0)
        return err->code;
    certmgr_auth_t a = {.server = m->server,
                        .ca_file = m->ca_file,
                        .cert_file = m->client_pem,
                        .key_file = m->client_pem};
    int wait = strcmp(signer, CERTMGR_SIGNER_SERVING) ? CSR_WAIT_S : CSR_WAIT_SERVING_S;
    if (certmgr_request_cert(&a, signer, usages, n_usages, csr, m->expiration_s, wait, &m->stop,
                             &cert, err) != 0)
        return err->code;
    return certmgr_write_pair(path, cert, key, err);
}

static int renew_client(certmgr_t *m, c8s_err_t *err)
{
    cleanup_free char *cn = xasprintf("system:node:%s", m->node_name);
    const char *orgs[] = {"system:nodes"};
    pki_cert_req_t req = {.cn = cn, .orgs = orgs, .n_orgs = 1};
    /* ECDSA keys: no key encipherment (upstream asks it only of RSA keys). */
    const char *usages[] = {"digital signature", "client auth"};
    return renew(m, CERTMGR_SIGNER_CLIENT, usages, 2, &req, m->client_pem, err);
}

/* The Node's names, as the approver will compare them: its addresses by type. */
static int node_names(certmgr_t *m, json_t **dns, json_t **ips, c8s_err_t *err)
{
    certmgr_auth_t a = {.server = m->server,
                        .ca_file = m->ca_file,
                        .cert_file = m->client_pem,
                        .key_file = m->client_pem};
    cleanup_free char *path = xasprintf("/api/v1/nodes/%s", m->node_name);
    cleanup_free char *body = NULL;
    long status = 0;
    if (certmgr_https(&a, "GET", path, NULL, &status, &body, err) != 0)
        return err->code;
    if (status != 200)
        return c8s_err_set(err, C8S_EUNAVAILABLE, "node %s: HTTP %ld (not registered yet?)",
                           m->node_name, status);
    cleanup_json json_t *node = json_loads(body, 0, NULL);
    *dns = json_array();
    *ips = json_array();
    size_t i;
    json_t *ad;
    json_array_foreach(json_object_get(json_object_get(node, "status"), "addresses"), i, ad)
    {
        const char *t = json_string_value(json_object_get(ad, "type"));
        const char *v = json_string_value(json_object_get(ad, "address"));
        if (!t || !v || !*v)
            continue;
        if (!strcmp(t, "InternalIP") || !strcmp(t, "ExternalIP"))
            json_array_append_new(*ips, json_string(v));
        else if (!strcmp(t, "Hostname") || !strcmp(t, "InternalDNS") || !strcmp(t, "ExternalDNS"))
            json_array_append_new(*dns, json_string(v));
    }
    if (json_array_size(*dns) + json_array_size(*ips) == 0) {
        json_decref(*dns);
        json_decref(*ips);
        *dns = *ips = NULL;
        return c8s_err_set(err, C8S_EUNAVAILABLE, "node %s has no addresses yet", m->node_name);
    }
    return 0;
}

static int renew_serving(certmgr_t *m, c8s_err_t *err)
{
    json_t *jd = NULL, *ji = NULL;
    if (node_names(m, &jd, &ji, err) != 0)
        return err->code;
    size_t nd = json_array_size(jd), ni = json_array_size(ji);
    const char **dns = xcalloc(nd + 1, sizeof(char *)), **ips = xcalloc(ni + 1, sizeof(char *));
    for (size_t i = 0; i < nd; i++)
        dns[i] = json_string_value(json_array_get(jd, i));
    for (size_t i = 0; i < ni; i++)
        ips[i] = json_string_value(json_array_get(ji, i));
    cleanup_free char *cn = xasprintf("system:node:%s", m->node_name);
    const char *orgs[] = {"system:nodes"};
    pki_cert_req_t req = {
        .cn = cn, .orgs = orgs, .n_orgs = 1, .dns = dns, .n_dns = nd, .ips = ips, .n_ips = ni};
    const char *usages[] = {"digital signature", "server auth"};
    int rc = renew(m, CERTMGR_SIGNER_SERVING, usages, 2, &req, m->serving_pem, err);
    free(dns);
    free(ips);
    json_decref(jd);
    json_decref(ji);
    return rc;
}

/* Whether the serving certificate still names every address the Node has (true when either
 * cannot be read: nothing to act on then). Upstream's manager likewise renews when the names it
 * would ask for changed (a new --node-ip, say). */
static bool serving_covers_node(certmgr_t *m)
{
    json_t *jd = NULL, *ji = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    cleanup_free char *pem = NULL;
    if (node_names(m, &jd, &ji, &err) != 0 ||
        pki_read_file(m->serving_pem, &pem, NULL, &err) != 0) {
        c8s_err_clear(&err);
        json_decref(jd);
        json_decref(ji);
        return true;
    }
    size_t nd = json_array_size(jd), ni = json_array_size(ji);
    const char **dns = xcalloc(nd + 1, sizeof(char *)), **ips = xcalloc(ni + 1, sizeof(char *));
    for (size_t i = 0; i < nd; i++)
        dns[i] = json_string_value(json_array_get(jd, i));
    for (size_t i = 0; i < ni; i++)
        ips[i] = json_string_value(json_array_get(ji, i));
    bool ok = pki_cert_covers(pem, dns, nd, ips, ni);
    free(dns);
    free(ips);
    json_decref(jd);
    json_decref(ji);
    return ok;
}

/* Reads a pair and, when the cluster CA signed it and it is still valid, its renewal point. */
static time_t valid_due(certmgr_t *m, const char *path)
{
    cleanup_free char *pem = NULL, *ca = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    if (pki_read_file(path, &pem, NULL, &err) != 0 ||
        pki_read_file(m->ca_file, &ca, NULL, &err) != 0 || !pki_cert_signed_by(pem, ca, 0)) {
        c8s_err_clear(&err);
        return 0;
    }
    return due_of(pem);
}

/* One renewal; the new pair is in place when it returns true. */
static bool step(certmgr_t *m, bool serving)
{
    c8s_err_t err = C8S_ERR_INIT;
    const char *path = serving ? m->serving_pem : m->client_pem;
    int rc = serving ? renew_serving(m, &err) : renew_client(m, &err);
    if (rc != 0) {
        if (!atomic_load(&m->stop))
            log_warn("certmgr", "%s certificate: %s", serving ? "serving" : "client", err.msg);
        c8s_err_clear(&err);
        return false;
    }
    log_info("certmgr", "%s certificate written to %s", serving ? "serving" : "client", path);
    if (serving && m->kubelet)
        kubelet_serve_cert(m->kubelet, path, path, m->ca_file);
    return true;
}

typedef struct {
    time_t due, retry; /* due 0: no good certificate */
    int fails;
} track_t;

/* Renews t's certificate when due (or, for a missing serving one, whenever a retry is allowed). */
static void tend(certmgr_t *m, track_t *t, bool serving, time_t now)
{
    bool want = t->due ? now >= t->due : serving;
    if (!want || now < t->retry || atomic_load(&m->stop))
        return;
    if (step(m, serving)) {
        time_t due = valid_due(m, serving ? m->serving_pem : m->client_pem);
        if (due) {
            t->due = due;
            t->fails = 0;
            t->retry = 0;
            return;
        }
    }
    /* A failure, or a pair that does not verify once written: try again later, not at once. */
    t->retry = retry_at(++t->fails);
}

static time_t wake_of(const track_t *t, bool serving, time_t now)
{
    if (!t->due && !serving)
        return now + RETRY_MAX_S;
    time_t w = t->due ? t->due : now;
    return w > t->retry ? w : t->retry;
}

static void run(void *arg)
{
    certmgr_t *m = arg;
    track_t client = {.due = valid_due(m, m->client_pem)}, serving = {0};
    if (m->serving_pem) {
        serving.due = valid_due(m, m->serving_pem);
        /* A restart serves at once with the certificate it has, renewing it if due. */
        if (serving.due && m->kubelet) {
            long in = (long)(serving.due - time(NULL));
            log_info("certmgr", "serving with the kept certificate %s (renewal in %ld s)",
                     m->serving_pem, in > 0 ? in : 0);
            kubelet_serve_cert(m->kubelet, m->serving_pem, m->serving_pem, m->ca_file);
        }
    }
    time_t names_check = time(NULL);
    while (!atomic_load(&m->stop)) {
        tend(m, &client, false, time(NULL));
        if (m->serving_pem && serving.due && time(NULL) >= names_check) {
            names_check = time(NULL) + NAMES_CHECK_S;
            if (!serving_covers_node(m)) {
                log_info("certmgr", "the Node's addresses are not all in the serving certificate: "
                                    "renewing it");
                serving.due = time(NULL);
            }
        }
        if (m->serving_pem)
            tend(m, &serving, true, time(NULL));
        time_t now = time(NULL);
        time_t next = wake_of(&client, false, now);
        if (m->serving_pem && wake_of(&serving, true, now) < next)
            next = wake_of(&serving, true, now);
        if (m->serving_pem && serving.due && names_check < next)
            next = names_check;
        if (next <= now)
            continue;
        uv_mutex_lock(&m->mu);
        if (!atomic_load(&m->stop))
            (void)uv_cond_timedwait(&m->cond, &m->mu, (uint64_t)(next - now) * 1000000000ULL);
        uv_mutex_unlock(&m->mu);
    }
}

static void free_mgr(certmgr_t *m)
{
    free(m->server);
    free(m->ca_file);
    free(m->node_name);
    free(m->client_pem);
    free(m->serving_pem);
    free(m);
}

int certmgr_start(const certmgr_config_t *cfg, certmgr_t **out, c8s_err_t *err)
{
    *out = NULL;
    if (!cfg->server || !cfg->ca_file || !cfg->node_name || !cfg->client_pem)
        return c8s_err_set(err, C8S_EINVALID,
                           "certmgr: the server, its CA, the node name and the client pair are "
                           "required");
    certmgr_t *m = xcalloc(1, sizeof(*m));
    m->server = xstrdup(cfg->server);
    m->ca_file = xstrdup(cfg->ca_file);
    m->node_name = xstrdup(cfg->node_name);
    m->client_pem = xstrdup(cfg->client_pem);
    m->serving_pem = cfg->serving_pem ? xstrdup(cfg->serving_pem) : NULL;
    m->expiration_s = cfg->expiration_s;
    m->kubelet = cfg->kubelet;
    atomic_init(&m->stop, false);
    if (uv_mutex_init(&m->mu) != 0) {
        free_mgr(m);
        return c8s_err_set(err, C8S_ESYS, "certmgr: uv_mutex_init failed");
    }
    if (uv_cond_init(&m->cond) != 0) {
        uv_mutex_destroy(&m->mu);
        free_mgr(m);
        return c8s_err_set(err, C8S_ESYS, "certmgr: uv_cond_init failed");
    }
    int rc = uv_thread_create(&m->thread, run, m);
    if (rc != 0) {
        uv_cond_destroy(&m->cond);
        uv_mutex_destroy(&m->mu);
        free_mgr(m);
        return c8s_err_set(err, C8S_ESYS, "certmgr: starting the thread: %s", uv_strerror(rc));
    }
    *out = m;
    return 0;
}

void certmgr_stop(certmgr_t *m)
{
    if (!m)
        return;
    uv_mutex_lock(&m->mu);
    atomic_store(&m->stop, true);
    uv_cond_signal(&m->cond);
    uv_mutex_unlock(&m->mu);
    uv_thread_join(&m->thread);
    uv_cond_destroy(&m->cond);
    uv_mutex_destroy(&m->mu);
    free_mgr(m);
}
