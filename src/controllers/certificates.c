/*
 * certificates.c — the certificate controllers of upstream's controller manager, on the
 * CertificateSigningRequest informer:
 *
 *  - csrapproving: approves kubelet client CSRs (kubernetes.io/kube-apiserver-client-kubelet)
 *    whose shape is a node's and whose requester may ask for one, as upstream's approver asks a
 *    SubjectAccessReview for certificatesigningrequests/nodeclient (a bootstrap token) or
 *    /selfnodeclient (a node renewing its own). Beyond upstream, kubelet-serving CSRs are
 *    approved when the node itself asks for names the Node object has (docs/security.md).
 *  - csrsigning: signs approved CSRs of the three kubernetes.io signers with the cluster CA,
 *    for min(expirationSeconds, --cluster-signing-duration); a request the signer refuses gets
 *    a Failed condition instead.
 *
 * and the bootstrapsigner: kube-public/cluster-info holds a kubeconfig naming the server and its
 * CA, signed (detached JWS, jws-kubeconfig-<id>) with every bootstrap token allowed to sign, so
 * a joining node can trust what it reads there before it has any credential.
 */
#include "internal.h"

#include "c8s/kubeconfig.h"
#include "c8s/strbuf.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- csrapproving + csrsigning ---- */

#define SERVING_RECHECK_S 120

typedef struct {
    client_t *client;
    controllers_t *cm;
    informer_t *csrs, *nodes;
    informer_reg_t *csr_reg;
    workqueue_t *queue;
    void (*done)(void *data);
    void *done_data;
} csr_ctrl_t;

typedef struct {
    csr_ctrl_t *c;
    char *name;
    json_t *csr;     /* the object the review was about (owned) */
    const char *msg; /* static: the approval message */
} pending_t;

static void pending_free(pending_t *p)
{
    json_decref(p->csr);
    free(p->name);
    free(p);
}

static void finish(csr_ctrl_t *c, const char *name, int status)
{
    /* 409: the CSR changed meanwhile; its event brings it back. 404: gone. */
    if ((status >= 200 && status < 300) || status == 409 || status == 404) {
        workqueue_forget(c->queue, name);
    } else {
        log_warn("controllers", "certificatesigningrequest %s: %d", name, status);
        workqueue_add_rate_limited(c->queue, name);
    }
    workqueue_done(c->queue, name);
}

static void on_written(const client_resp_t *resp, void *data)
{
    pending_t *p = data;
    finish(p->c, p->name, resp->status);
    pending_free(p);
}

static json_t *condition(const char *type, const char *reason, const char *msg)
{
    char now[32];
    c8s_rfc3339_now(now, sizeof(now));
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", type, "status", "True", "reason",
                     reason, "message", msg, "lastUpdateTime", now, "lastTransitionTime", now);
}

/* Writes csr (stolen) to its subresource sub ("approval" or "status"). */
static void put_sub(csr_ctrl_t *c, const char *name, json_t *csr, const char *sub)
{
    pending_t *p = xcalloc(1, sizeof(*p));
    p->c = c;
    p->name = xstrdup(name);
    cleanup_free char *body = json_dumps(csr, JSON_COMPACT);
    json_decref(csr);
    cleanup_free char *path =
        xasprintf("/apis/certificates.k8s.io/v1/certificatesigningrequests/%s/%s", name, sub);
    client_request(c->client, "PUT", path, "application/json", body, strlen(body), on_written, p);
}

static void add_condition(json_t *csr, json_t *cond)
{
    json_t *st = json_object_get(csr, "status");
    if (!json_is_object(st)) {
        st = json_object();
        json_object_set_new(csr, "status", st);
    }
    json_t *conds = json_object_get(st, "conditions");
    if (!json_is_array(conds)) {
        conds = json_array();
        json_object_set_new(st, "conditions", conds);
    }
    json_array_append_new(conds, cond);
}

static void on_review(const client_resp_t *resp, void *data)
{
    pending_t *p = data;
    csr_ctrl_t *c = p->c;
    if (resp->status != 201 && resp->status != 200) {
        finish(c, p->name, resp->status);
        pending_free(p);
        return;
    }
    json_t *r = json_loadb(resp->body, resp->len, 0, NULL);
    bool allowed = json_is_true(json_object_get(json_object_get(r, "status"), "allowed"));
    json_decref(r);
    if (!allowed) {
        /* Not this approver's to approve: a person (or another approver) decides. */
        finish(c, p->name, 200);
        pending_free(p);
        return;
    }
    json_t *csr = c8s_steal(&p->csr);
    add_condition(csr, condition("Approved", "AutoApproved", p->msg));
    put_sub(c, p->name, csr, "approval");
    pending_free(p);
}

/* Asks whether the CSR's requester may create certificatesigningrequests/<sub>. */
static void review(csr_ctrl_t *c, const char *name, const json_t *csr, const char *sub,
                   const char *msg)
{
    const json_t *spec = json_object_get(csr, "spec");
    json_t *sar = json_pack("{s:s, s:s, s:{s:{s:s, s:s, s:s, s:s}}}", "apiVersion",
                            "authorization.k8s.io/v1", "kind", "SubjectAccessReview", "spec",
                            "resourceAttributes", "group", "certificates.k8s.io", "resource",
                            "certificatesigningrequests", "subresource", sub, "verb", "create");
    json_t *ss = json_object_get(sar, "spec");
    static const char *const copy[] = {"username", "uid", "groups", "extra"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(copy); i++) {
        json_t *v = json_object_get(spec, copy[i]);
        if (v)
            json_object_set(ss, strcmp(copy[i], "username") ? copy[i] : "user", v);
    }
    pending_t *p = xcalloc(1, sizeof(*p));
    p->c = c;
    p->name = xstrdup(name);
    p->csr = json_deep_copy(csr);
    p->msg = msg;
    cleanup_free char *body = json_dumps(sar, JSON_COMPACT);
    json_decref(sar);
    client_request(c->client, "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews",
                   "application/json", body, strlen(body), on_review, p);
}

static void approve(csr_ctrl_t *c, const char *name, const json_t *csr, const pki_csr_info_t *info,
                    unsigned usages, bool other)
{
    const json_t *spec = json_object_get(csr, "spec");
    const char *signer = json_string_value(json_object_get(spec, "signerName"));
    const char *user = json_string_value(json_object_get(spec, "username"));
    if (signer && !strcmp(signer, CSR_SIGNER_KUBELET_CLIENT) &&
        !controllers__csr_node_client_problem(info, usages, other)) {
        bool self = user && !strcmp(user, info->cn);
        return review(c, name, csr, self ? "selfnodeclient" : "nodeclient",
                      self ? "Auto approving self kubelet client certificate after "
                             "SubjectAccessReview."
                           : "Auto approving kubelet client certificate after "
                             "SubjectAccessReview.");
    }
    if (signer && !strcmp(signer, CSR_SIGNER_KUBELET_SERVING)) {
        const json_t *node =
            info->cn && !strncmp(info->cn, AUTH_NODE_PREFIX, strlen(AUTH_NODE_PREFIX))
                ? informer_get(c->nodes, NULL, info->cn + strlen(AUTH_NODE_PREFIX))
                : NULL;
        if (controllers__csr_serving_approvable(csr, info, usages, other, node)) {
            json_t *copy = json_deep_copy(csr);
            add_condition(copy, condition("Approved", "AutoApproved",
                                          "Auto approving kubelet serving certificate: the node "
                                          "asks for its own names."));
            return put_sub(c, name, copy, "approval");
        }
        /* The node may be asking for an address its Node object (in this informer) does not
         * show yet — a new --node-ip, reported a moment ago: look again for a while rather than
         * leave the request pending for good. */
        int64_t created = c8s_rfc3339_parse(json_string_value(
            json_object_get(json_object_get(csr, "metadata"), "creationTimestamp")));
        if (created > 0 && time(NULL) - created < SERVING_RECHECK_S) {
            workqueue_add_after(c->queue, name, 2000);
            return finish(c, name, 200);
        }
    }
    finish(c, name, 200);
}

static char *b64(const char *s)
{
    size_t n = strlen(s);
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
    return out;
}

static void sign(csr_ctrl_t *c, const char *name, const json_t *csr, const pki_csr_info_t *info,
                 unsigned usages, bool other)
{
    const json_t *spec = json_object_get(csr, "spec");
    const char *signer = json_string_value(json_object_get(spec, "signerName"));
    const char *ca = controllers__signing_cert(c->cm), *key = controllers__signing_key(c->cm);
    bool ours = signer &&
                (!strcmp(signer, CSR_SIGNER_CLIENT) || !strcmp(signer, CSR_SIGNER_KUBELET_CLIENT) ||
                 !strcmp(signer, CSR_SIGNER_KUBELET_SERVING));
    if (!ours || !ca || !key)
        return finish(c, name, 200);
    const char *problem = controllers__csr_signer_problem(signer, info, usages, other);
    json_t *next = json_deep_copy(csr);
    if (problem) {
        add_condition(next, condition("Failed", "SignerValidationFailure", problem));
        return put_sub(c, name, next, "status");
    }
    long long secs = controllers__signing_duration(c->cm);
    json_t *es = json_object_get(spec, "expirationSeconds");
    /* upstream: the shorter of what was asked and the signer's limit, never under 10 minutes
     * (validation refuses less; C8S_CSR_MIN_EXPIRATION_S lowers both for tests). */
    if (json_is_integer(es) && json_integer_value(es) >= pki_csr_min_expiration_s() &&
        json_integer_value(es) < secs)
        secs = json_integer_value(es);
    const char *req = json_string_value(json_object_get(spec, "request"));
    c8s_err_t err = C8S_ERR_INIT;
    char *pem = NULL, *cert = NULL;
    size_t n = 0;
    int rc = kubeconfig_base64_decode(req, &pem, &n, &err);
    if (rc == 0)
        rc = pki_csr_sign(ca, key, pem, n, usages, secs, &cert, &err);
    free(pem);
    if (rc != 0) {
        add_condition(next, condition("Failed", "SignerValidationFailure", err.msg));
        c8s_err_clear(&err);
        return put_sub(c, name, next, "status");
    }
    json_t *st = json_object_get(next, "status");
    if (!json_is_object(st)) {
        st = json_object();
        json_object_set_new(next, "status", st);
    }
    char *enc = b64(cert);
    free(cert);
    json_object_set_new(st, "certificate", json_string(enc));
    free(enc);
    put_sub(c, name, next, "status");
}

static void process(workqueue_t *q, const char *name, void *data)
{
    csr_ctrl_t *c = data;
    json_t *csr = informer_get(c->csrs, NULL, name);
    if (!csr || controllers__csr_has(csr, "Denied") || controllers__csr_has(csr, "Failed")) {
        workqueue_done(q, name);
        return;
    }
    const char *have =
        json_string_value(json_object_get(json_object_get(csr, "status"), "certificate"));
    if (have && *have) {
        workqueue_done(q, name);
        return;
    }
    pki_csr_info_t info;
    unsigned usages = 0;
    bool other = false;
    if (controllers__csr_info(csr, &info, &usages, &other) != 0) {
        workqueue_done(q, name);
        return;
    }
    /* The informer's object may change under a later event: work on a copy. */
    cleanup_json json_t *copy = json_deep_copy(csr);
    if (controllers__csr_has(copy, "Approved"))
        sign(c, name, copy, &info, usages, other);
    else
        approve(c, name, copy, &info, usages, other);
    pki_csr_info_clear(&info);
}

static void csr_added(informer_t *inf, json_t *obj, void *data)
{
    const char *name = controllers__meta(obj, "name");
    if (name)
        workqueue_add(((csr_ctrl_t *)data)->queue, name);
}

static void csr_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    csr_added(inf, obj, data);
}

static ctrl_t *csr_start(controllers_t *cm)
{
    csr_ctrl_t *c = xcalloc(1, sizeof(*c));
    c->cm = cm;
    c->client = controllers__client(cm);
    c->queue = workqueue_new(client_loop(c->client), 2, process, c);
    c->nodes = controllers__informer(cm, "/api/v1/nodes");
    c->csrs = controllers__informer(cm, "/apis/certificates.k8s.io/v1/certificatesigningrequests");
    informer_handlers_t h = {.on_add = csr_added, .on_update = csr_updated};
    c->csr_reg = informer_add_handlers(c->csrs, &h, c);
    return (ctrl_t *)c;
}

static void on_csr_queue_closed(void *data)
{
    csr_ctrl_t *c = data;
    void (*done)(void *) = c->done;
    void *d = c->done_data;
    free(c);
    done(d);
}

static void csr_stop(ctrl_t *ctrl, void (*done)(void *data), void *data)
{
    csr_ctrl_t *c = (csr_ctrl_t *)ctrl;
    c->done = done;
    c->done_data = data;
    informer_remove_handlers(c->csrs, c->csr_reg);
    workqueue_close(c->queue, on_csr_queue_closed, c);
}

const ctrl_ops_t controllers__csr = {"csrapproving-csrsigning", csr_start, csr_stop};

/* ---- bootstrapsigner ---- */

#define CLUSTER_INFO "cluster-info"
#define JWS_PREFIX   "jws-kubeconfig-"

typedef struct {
    client_t *client;
    controllers_t *cm;
    informer_t *secrets, *configmaps;
    informer_reg_t *sec_reg, *cm_reg;
    workqueue_t *queue;
    void (*done)(void *data);
    void *done_data;
} bs_t;

static void on_bs_written(const client_resp_t *resp, void *data)
{
    bs_t *b = data;
    if ((resp->status >= 200 && resp->status < 300) || resp->status == 409) {
        workqueue_forget(b->queue, CLUSTER_INFO);
    } else {
        log_warn("controllers", "kube-public/cluster-info: %d", resp->status);
        workqueue_add_rate_limited(b->queue, CLUSTER_INFO);
    }
    workqueue_done(b->queue, CLUSTER_INFO);
}

/* The kubeconfig a joining node reads: the server and its CA, no user. */
static char *cluster_kubeconfig(const char *server, const char *ca)
{
    cleanup_free char *ca64 = b64(ca);
    return xasprintf("apiVersion: v1\n"
                     "clusters:\n"
                     "- cluster:\n"
                     "    certificate-authority-data: %s\n"
                     "    server: %s\n"
                     "  name: \"\"\n"
                     "contexts: null\n"
                     "current-context: \"\"\n"
                     "kind: Config\n"
                     "preferences: {}\n"
                     "users: null\n",
                     ca64, server);
}

static char *secret_field(const json_t *sec, const char *key)
{
    const char *v = json_string_value(json_object_get(json_object_get(sec, "data"), key));
    char *out = NULL;
    size_t n = 0;
    c8s_err_t err = C8S_ERR_INIT;
    if (!v || kubeconfig_base64_decode(v, &out, &n, &err) != 0) {
        c8s_err_clear(&err);
        return NULL;
    }
    return out;
}

typedef struct {
    const char *content;
    json_t *want; /* jws key → signature */
} sigs_t;

static bool add_signature(json_t *sec, void *data)
{
    sigs_t *s = data;
    const char *ns = controllers__meta(sec, "namespace");
    const char *type = json_string_value(json_object_get(sec, "type"));
    if (!ns || strcmp(ns, "kube-system") || !type || strcmp(type, "bootstrap.kubernetes.io/token"))
        return true;
    cleanup_free char *id = secret_field(sec, "token-id");
    cleanup_free char *secret = secret_field(sec, "token-secret");
    cleanup_free char *usage = secret_field(sec, "usage-bootstrap-signing");
    cleanup_free char *exp = secret_field(sec, "expiration");
    if (!id || !secret || !usage || strcmp(usage, "true") != 0)
        return true;
    if (exp) {
        int64_t t = c8s_rfc3339_parse(exp);
        if (t < 0 || t * 1000 <= controllers__now_ms())
            return true;
    }
    char *jws = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    if (pki_jws_detached(s->content, id, secret, &jws, &err) != 0) {
        c8s_err_clear(&err);
        return true;
    }
    cleanup_free char *key = xasprintf(JWS_PREFIX "%s", id);
    json_object_set_new(s->want, key, json_string(jws));
    free(jws);
    return true;
}

static void bs_process(workqueue_t *q, const char *key, void *data)
{
    bs_t *b = data;
    const char *server = controllers__cluster_server(b->cm);
    const char *ca = controllers__root_ca(b->cm);
    if (!server || !ca || !informer_synced(b->secrets) || !informer_synced(b->configmaps)) {
        workqueue_done(q, key);
        return;
    }
    json_t *cur = informer_get(b->configmaps, "kube-public", CLUSTER_INFO);
    const char *have =
        json_string_value(json_object_get(json_object_get(cur, "data"), "kubeconfig"));
    /* An existing kubeconfig is kept (several servers must not take turns rewriting it; an
     * operator may point it at a load balancer); only a missing one is written. */
    cleanup_free char *content = have ? xstrdup(have) : cluster_kubeconfig(server, ca);
    sigs_t s = {content, json_object()};
    informer_foreach(b->secrets, add_signature, &s);
    json_t *data_want = json_object();
    json_object_set_new(data_want, "kubeconfig", json_string(content));
    json_object_update(data_want, s.want);
    json_decref(s.want);
    /* Other keys an operator added stay; only stale signatures go. */
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(cur, "data"), k, v)
    {
        if (strncmp(k, JWS_PREFIX, strlen(JWS_PREFIX)) != 0 && !json_object_get(data_want, k))
            json_object_set(data_want, k, v);
    }
    if (cur && json_equal(json_object_get(cur, "data"), data_want)) {
        json_decref(data_want);
        workqueue_done(q, key);
        return;
    }
    json_t *want =
        cur ? json_deep_copy(cur)
            : json_pack("{s:s, s:s, s:{s:s, s:s}}", "apiVersion", "v1", "kind", "ConfigMap",
                        "metadata", "name", CLUSTER_INFO, "namespace", "kube-public");
    json_object_set_new(want, "data", data_want);
    cleanup_free char *body = json_dumps(want, JSON_COMPACT);
    json_decref(want);
    const char *path = cur ? "/api/v1/namespaces/kube-public/configmaps/" CLUSTER_INFO
                           : "/api/v1/namespaces/kube-public/configmaps";
    client_request(b->client, cur ? "PUT" : "POST", path, "application/json", body, strlen(body),
                   on_bs_written, b);
}

static void bs_kick(informer_t *inf, json_t *obj, void *data)
{
    const char *ns = controllers__meta(obj, "namespace");
    const char *name = controllers__meta(obj, "name");
    bool relevant = ns && name &&
                    ((!strcmp(ns, "kube-system") && !strncmp(name, "bootstrap-token-", 16)) ||
                     (!strcmp(ns, "kube-public") && !strcmp(name, CLUSTER_INFO)));
    if (relevant)
        workqueue_add(((bs_t *)data)->queue, CLUSTER_INFO);
}

static void bs_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    bs_kick(inf, obj, data);
}

static void bs_synced(informer_t *inf, void *data)
{
    workqueue_add(((bs_t *)data)->queue, CLUSTER_INFO);
}

static ctrl_t *bs_start(controllers_t *cm)
{
    bs_t *b = xcalloc(1, sizeof(*b));
    b->cm = cm;
    b->client = controllers__client(cm);
    b->queue = workqueue_new(client_loop(b->client), 1, bs_process, b);
    if (!controllers__cluster_server(cm) || !controllers__root_ca(cm))
        return (ctrl_t *)b;
    informer_handlers_t h = {
        .on_add = bs_kick, .on_update = bs_updated, .on_delete = bs_kick, .on_synced = bs_synced};
    b->secrets = controllers__informer(cm, "/api/v1/secrets");
    b->configmaps = controllers__informer(cm, "/api/v1/configmaps");
    b->sec_reg = informer_add_handlers(b->secrets, &h, b);
    b->cm_reg = informer_add_handlers(b->configmaps, &h, b);
    return (ctrl_t *)b;
}

static void on_bs_queue_closed(void *data)
{
    bs_t *b = data;
    void (*done)(void *) = b->done;
    void *d = b->done_data;
    free(b);
    done(d);
}

static void bs_stop(ctrl_t *ctrl, void (*done)(void *data), void *data)
{
    bs_t *b = (bs_t *)ctrl;
    b->done = done;
    b->done_data = data;
    if (b->secrets)
        informer_remove_handlers(b->secrets, b->sec_reg);
    if (b->configmaps)
        informer_remove_handlers(b->configmaps, b->cm_reg);
    workqueue_close(b->queue, on_bs_queue_closed, b);
}

const ctrl_ops_t controllers__bootstrapsigner = {"bootstrapsigner", bs_start, bs_stop};
