/*
 * admission.c — the admission stage of the write path (issue 8): the built-in plugins in
 * upstream's order, their inputs read from this server's own watch caches (namespaces,
 * LimitRanges, ResourceQuotas, PriorityClasses, StorageClasses), their decisions made by the
 * pure cores of src/admission.
 *
 * Mutating plugins run on the defaulted object before validation, validating ones after it, as
 * upstream's handler chain does; ResourceQuota comes last and charges status.used of each quota
 * it admits against with a compare-and-swap on the quota (a lost race re-reads and re-decides,
 * as upstream's quota evaluator retries on conflict).
 */
#include "internal.h"
#include "c8s/jsonr.h"
#include "c8s/admission.h"
#include "c8s/strbuf.h"

#include <stdio.h>
#include <string.h>

#define QUOTA_ATTEMPTS 8

static const struct {
    const char *group, *resource;
} needed[] = {{"", "namespaces"},
              {"", "limitranges"},
              {"", "resourcequotas"},
              {"scheduling.k8s.io", "priorityclasses"},
              {"storage.k8s.io", "storageclasses"}};

static resource_t *res_of(apiserver_t *s, const char *group, const char *resource)
{
    const api_kind_t *k = api_kind_lookup(group, "v1", resource);
    return k ? apiserver__resource_for(s, k) : NULL;
}

static void ready_step(api_req_t *r)
{
    for (size_t i = 0; i < C8S_ARRAY_SIZE(needed); i++) {
        resource_t *res = res_of(r->srv, needed[i].group, needed[i].resource);
        if (res && !res->ready)
            return apiserver__when_ready(res, r, ready_step);
    }
    void (*fn)(api_req_t *) = r->adm_next;
    r->adm_next = NULL;
    fn(r);
}

void apiserver__admission_ready(api_req_t *r, void (*fn)(api_req_t *r))
{
    r->adm_next = fn;
    ready_step(r);
}

typedef struct {
    json_t *out;
} collect_t;

static bool collect(wc_obj_t *o, void *data)
{
    json_t *v = jsonr_loadb(o->json, o->json_len, 0, NULL);
    if (v)
        json_array_append_new(((collect_t *)data)->out, v);
    return true;
}

/* The cached objects of a resource (in ns, or all of a cluster-scoped one): owned array. */
static json_t *cached(apiserver_t *s, const char *group, const char *resource, const char *ns)
{
    collect_t c = {json_array()};
    resource_t *res = res_of(s, group, resource);
    if (!res)
        return c.out;
    cleanup_free char *prefix = ns ? xasprintf("%s%s/", res->prefix, ns) : xstrdup(res->prefix);
    wcache_scan(res->cache, prefix, NULL, collect, &c);
    return c.out;
}

static json_t *cached_one(apiserver_t *s, const char *group, const char *resource, const char *name)
{
    resource_t *res = res_of(s, group, resource);
    if (!res)
        return NULL;
    cleanup_free char *key = apiserver__key(res, NULL, name);
    wc_obj_t *o = wcache_get(res->cache, key);
    return o ? jsonr_loadb(o->json, o->json_len, 0, NULL) : NULL;
}

/* ---- LimitRanger's live lookup ---- */

#define LIVE_TTL_MS 30000

static json_t *limit_ranges(api_req_t *r)
{
    if (r->adm_ranges)
        return json_incref(r->adm_ranges);
    return cached(r->srv, "", "limitranges", r->ns);
}

/* The objects etcd answered for a live lookup (owned), remembered LIVE_TTL_MS under
 * "<what>/<ns>" as upstream's admission accessors keep theirs. */
static json_t *remember_live(apiserver_t *s, const char *what, const char *ns,
                             const store_result_t *res)
{
    json_t *items = json_array();
    for (size_t i = 0; i < res->n_kvs; i++) {
        json_t *o = apiserver__decode_stored(res->kvs[i].value, res->kvs[i].value_len,
                                             res->kvs[i].mod_revision);
        if (o)
            json_array_append_new(items, o);
    }
    if (!s->adm_live)
        s->adm_live = json_object();
    cleanup_free char *key = xasprintf("%s/%s", what, ns);
    json_object_set_new(s->adm_live, key,
                        json_pack("{s:I, s:O}", "until",
                                  (json_int_t)(uv_now(&s->loop) + LIVE_TTL_MS), "items", items));
    return items;
}

static void on_ranges_read(const store_result_t *res, void *data)
{
    api_req_t *r = data;
    c8s_err_t err = C8S_ERR_INIT;
    if (res->code != 0) {
        apiserver__store_err(res, &err);
        apiserver__respond_err(r, &err);
        c8s_err_clear(&err);
        return;
    }
    r->adm_ranges = remember_live(r->srv, "limitranges", r->ns, res);
    void (*fn)(api_req_t *) = r->adm_next;
    r->adm_next = NULL;
    fn(r);
}

void apiserver__admission_prefetch(api_req_t *r, void (*next)(api_req_t *r))
{
    bool wants = !r->kind->group[0] &&
                 (!strcmp(r->kind->kind, "Pod") || !strcmp(r->kind->kind, "PersistentVolumeClaim"));
    if (!wants || !r->ns)
        return next(r);
    cleanup_json json_t *c = cached(r->srv, "", "limitranges", r->ns);
    if (json_array_size(c) > 0)
        return next(r);
    apiserver_t *s = r->srv;
    cleanup_free char *lkey = xasprintf("limitranges/%s", r->ns);
    json_t *live = json_object_get(s->adm_live, lkey);
    if (live && json_integer_value(json_object_get(live, "until")) > (json_int_t)uv_now(&s->loop)) {
        r->adm_ranges = json_incref(json_object_get(live, "items"));
        return next(r);
    }
    /* Forget expired lookups so the table does not grow with every namespace ever seen. */
    const char *k;
    json_t *v, *tmp;
    json_object_foreach_safe(s->adm_live, tmp, k, v)
    {
        if (json_integer_value(json_object_get(v, "until")) <= (json_int_t)uv_now(&s->loop))
            json_object_del(s->adm_live, k);
    }
    r->adm_next = next;
    resource_t *res = res_of(s, "", "limitranges");
    cleanup_free char *prefix = xasprintf("%s%s/", res->prefix, r->ns);
    cleanup_free char *end = xstrdup(prefix);
    end[strlen(end) - 1]++;
    store_range(s->store, prefix, end, 0, 0, on_ranges_read, r);
}

/* upstream's admission.NewForbidden: `pods "x" is forbidden: <reason>`. */
static int forbidden(api_req_t *r, c8s_err_t *err)
{
    if (err->code != C8S_EFORBIDDEN)
        return err->code;
    return c8s_err_wrap(err, "%s \"%s\" is forbidden", apiserver__qualified(r),
                        r->name ? r->name : "");
}

static bool is(const api_req_t *r, const char *group, const char *kind)
{
    return !strcmp(r->kind->group, group) && !strcmp(r->kind->kind, kind);
}

/* The node a request comes from (NodeRestriction), or NULL. */
static const char *node_of(const api_req_t *r)
{
    const auth_user_t *u = r->user; /* set by authentication (authn.c) */
    if (!u)
        return NULL;
    return admission_node_name(u->name, (const char *const *)u->groups, u->n_groups);
}

static const char *op_name(adm_op_t op)
{
    return op == ADM_CREATE ? "CREATE" : op == ADM_UPDATE ? "UPDATE" : "DELETE";
}

/* ---- Pod Security Admission ---- */

static void warn(api_req_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(api_req_t *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    if (!msg)
        return;
    strbuf_t b = STRBUF_INIT;
    strbuf_add(&b, "299 - \"");
    for (const char *c = msg; *c; c++) {
        if (*c == '"' || *c == '\\')
            strbuf_addn(&b, "\\", 1);
        strbuf_addn(&b, c, 1);
    }
    strbuf_add(&b, "\"");
    cleanup_free char *w = strbuf_take(&b);
    apiserver__add_header(r, "Warning", w);
    free(msg);
}

static const char *const level_names[] = {"privileged", "baseline", "restricted"};

/* The pod template of a workload kind (borrowed), or NULL. */
static const json_t *workload_template(const api_req_t *r, const json_t *obj)
{
    const json_t *spec = json_object_get(obj, "spec");
    if (is(r, "batch", "CronJob"))
        return json_object_get(json_object_get(json_object_get(spec, "jobTemplate"), "spec"),
                               "template");
    static const char *const kinds[][2] = {{"apps", "Deployment"},  {"apps", "ReplicaSet"},
                                           {"apps", "StatefulSet"}, {"apps", "DaemonSet"},
                                           {"batch", "Job"},        {"", "ReplicationController"},
                                           {"", "PodTemplate"}};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(kinds); i++)
        if (is(r, kinds[i][0], kinds[i][1]))
            return is(r, "", "PodTemplate") ? json_object_get(obj, "template")
                                            : json_object_get(spec, "template");
    return NULL;
}

static int pod_security(api_req_t *r, c8s_err_t *err)
{
    bool pod = is(r, "", "Pod");
    const json_t *tpl = pod ? NULL : workload_template(r, r->obj);
    if (!pod && !tpl)
        return 0;
    /* The namespace NamespaceLifecycle read (from etcd when the cache had not seen it yet, as
     * upstream's PodSecurity falls back to a live read). */
    cleanup_json json_t *ns =
        r->adm_ns ? json_incref(r->adm_ns) : cached_one(r->srv, "", "namespaces", r->ns);
    const json_t *labels = json_object_get(json_object_get(ns, "metadata"), "labels");
    const json_t *meta =
        pod ? json_object_get(r->obj, "metadata") : json_object_get(tpl, "metadata");
    const json_t *spec = pod ? json_object_get(r->obj, "spec") : json_object_get(tpl, "spec");
    char ever[32], wver[32];
    psa_level_t enforce = admission_psa_mode(labels, "enforce", ever, sizeof ever);
    psa_level_t warnl = admission_psa_mode(labels, "warn", wver, sizeof wver);
    if (pod && enforce != PSA_PRIVILEGED) {
        cleanup_free char *v = admission_psa_check(enforce, meta, spec);
        if (v)
            return c8s_err_set(err, C8S_EFORBIDDEN,
                               "%s \"%s\" is forbidden: violates PodSecurity "
                               "\"%s:%s\": %s",
                               apiserver__qualified(r), r->name ? r->name : "",
                               level_names[enforce], ever, v);
    }
    /* Workloads are not refused (their pods will be), but their authors hear of it at the
     * enforce level as well as the warn level. */
    if (!pod && enforce != PSA_PRIVILEGED && enforce != warnl) {
        cleanup_free char *v = admission_psa_check(enforce, meta, spec);
        if (v)
            warn(r, "would violate PodSecurity \"%s:%s\": %s", level_names[enforce], ever, v);
    }
    if (warnl != PSA_PRIVILEGED) {
        cleanup_free char *v = admission_psa_check(warnl, meta, spec);
        if (v)
            warn(r, "would violate PodSecurity \"%s:%s\": %s", level_names[warnl], wver, v);
    }
    /* The audit level annotates the request's audit events, as upstream. */
    char aver[32];
    psa_level_t auditl = admission_psa_mode(labels, "audit", aver, sizeof aver);
    if (auditl != PSA_PRIVILEGED) {
        cleanup_free char *v = admission_psa_check(auditl, meta, spec);
        if (v) {
            cleanup_free char *msg = xasprintf("%s:%s: %s", level_names[auditl], aver, v);
            apiserver__audit_annotate(r, "pod-security.kubernetes.io/audit-violations", msg);
        }
    }
    return 0;
}

/* ---- certificates.k8s.io ---- */

/* upstream's CSR PrepareForCreate: who asked is recorded by the server, never by the client, so
 * approvers and signers can trust spec.username/groups. */
static void csr_fill_requester(api_req_t *r)
{
    json_t *spec = json_object_get(r->obj, "spec");
    const auth_user_t *u = r->user;
    if (!json_is_object(spec) || !u)
        return;
    json_object_set_new(spec, "username", json_string(u->name));
    if (u->uid)
        json_object_set_new(spec, "uid", json_string(u->uid));
    else
        json_object_del(spec, "uid");
    json_t *groups = json_array();
    for (size_t i = 0; i < u->n_groups; i++)
        json_array_append_new(groups, json_string(u->groups[i]));
    json_object_set_new(spec, "groups", groups);
    if (u->extra && json_object_size(u->extra))
        json_object_set(spec, "extra", u->extra);
    else
        json_object_del(spec, "extra");
}

/* upstream's CertificateApproval and CertificateSigning plugins: approving (or denying) needs
 * `approve`, issuing needs `sign`, on certificates.k8s.io signers named by the request's
 * signerName or its wildcard "<domain>/" + "*". */
static int csr_signer_permission(api_req_t *r, const char *verb, c8s_err_t *err)
{
    const char *signer =
        json_string_value(json_object_get(json_object_get(r->obj, "spec"), "signerName"));
    if (!signer)
        return 0;
    const char *slash = strchr(signer, '/');
    cleanup_free char *wild =
        slash ? xasprintf("%.*s/*", (int)(slash - signer), signer) : xstrdup(signer);
    const char *names[] = {signer, wild};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(names); i++) {
        auth_attrs_t a = {.resource_request = true,
                          .verb = verb,
                          .api_group = "certificates.k8s.io",
                          .api_version = "*",
                          .resource = "signers",
                          .name = names[i]};
        if (apiserver__authz_decide(r->srv, r->user, &a, NULL) == AUTHZ_ALLOW)
            return 0;
    }
    return c8s_err_set(err, C8S_EFORBIDDEN, "user not permitted to %s requests with signerName %s",
                       verb, signer);
}

static bool csr_certificate_changed(const api_req_t *r)
{
    json_t *a = json_object_get(json_object_get(r->obj, "status"), "certificate");
    json_t *b = json_object_get(json_object_get(r->old, "status"), "certificate");
    return !(a == b || (a && b && json_equal(a, b)));
}

/* ---- the two phases ---- */

int apiserver__admit_mutate(api_req_t *r, adm_op_t op, c8s_err_t *err)
{
    if (op != ADM_CREATE)
        return 0;
    if (is(r, "", "Pod")) {
        cleanup_json json_t *ranges = limit_ranges(r);
        if (admission_limitrange_pod(r->obj, ranges, err) != 0)
            return forbidden(r, err);
        cleanup_json json_t *classes = cached(r->srv, "scheduling.k8s.io", "priorityclasses", NULL);
        if (admission_priority_pod(r->obj, classes, err) != 0)
            return forbidden(r, err);
        if (admission_default_tolerations(r->obj, err) != 0)
            return err->code;
    } else if (is(r, "", "PersistentVolumeClaim")) {
        cleanup_json json_t *classes = cached(r->srv, "storage.k8s.io", "storageclasses", NULL);
        admission_default_storageclass(r->obj, classes);
    } else if (is(r, "certificates.k8s.io", "CertificateSigningRequest")) {
        csr_fill_requester(r);
    }
    return 0;
}

int apiserver__admit_validate(api_req_t *r, adm_op_t op, c8s_err_t *err)
{
    if (op == ADM_CREATE && is(r, "", "PersistentVolumeClaim")) {
        cleanup_json json_t *ranges = limit_ranges(r);
        if (admission_limitrange_pvc(r->obj, ranges, err) != 0)
            return forbidden(r, err);
    }
    const char *node = node_of(r);
    if (node) {
        const char *kind = r->kind->kind;
        /* Leases outside kube-node-lease are not a node's heartbeat: the authorizer judges. */
        if (is(r, "coordination.k8s.io", "Lease") && (!r->ns || strcmp(r->ns, "kube-node-lease")))
            kind = NULL;
        if (!r->kind->group[0] || is(r, "coordination.k8s.io", "Lease"))
            if (kind &&
                admission_node_restriction(node, op_name(op), kind, r->subresource, r->name,
                                           op == ADM_DELETE ? NULL : r->obj, r->old, err) != 0)
                return forbidden(r, err);
    }
    if (op == ADM_UPDATE && is(r, "certificates.k8s.io", "CertificateSigningRequest") &&
        r->subresource) {
        bool approval = strcmp(r->subresource, "approval") == 0;
        if ((approval || csr_certificate_changed(r)) &&
            csr_signer_permission(r, approval ? "approve" : "sign", err) != 0)
            return forbidden(r, err);
    }
    if (op == ADM_CREATE && !r->subresource && pod_security(r, err) != 0)
        return err->code;
    if (is(r, "scheduling.k8s.io", "PriorityClass") && op != ADM_DELETE) {
        cleanup_json json_t *classes = cached(r->srv, "scheduling.k8s.io", "priorityclasses", NULL);
        if (admission_priority_class(r->obj, classes, err) != 0)
            return forbidden(r, err);
    }
    return 0;
}

/* ---- ResourceQuota ---- */

static void quota_next(api_req_t *r);

static void quota_fail(api_req_t *r, c8s_err_t *err)
{
    json_decref(r->adm_quotas);
    r->adm_quotas = NULL;
    apiserver__respond_err(r, err);
    c8s_err_clear(err);
}

static void quota_done(api_req_t *r)
{
    json_decref(r->adm_quotas);
    r->adm_quotas = NULL;
    void (*fn)(api_req_t *) = r->adm_next;
    r->adm_next = NULL;
    fn(r);
}

static void quota_read(api_req_t *r);

/* On to the next quota (this one charged, or nothing to charge in it). */
static void quota_advance(api_req_t *r)
{
    r->adm_qi++;
    r->adm_attempts = 0;
    quota_next(r);
}

static void on_quota_charged(const store_result_t *res, void *data)
{
    api_req_t *r = data;
    c8s_err_t err = C8S_ERR_INIT;
    if (res->code != 0) {
        apiserver__store_err(res, &err);
        return quota_fail(r, &err);
    }
    if (!res->succeeded) {
        /* Someone else charged or the controller recomputed it: decide again on the new one. */
        if (++r->adm_attempts < QUOTA_ATTEMPTS)
            return quota_read(r);
        c8s_err_set(&err, C8S_ECONFLICT,
                    "Operation cannot be fulfilled on resourcequotas \"%s\": the object has been "
                    "modified; please apply your changes to the latest version and try again",
                    json_string_value(json_array_get(r->adm_quotas, r->adm_qi)));
        return quota_fail(r, &err);
    }
    quota_advance(r);
}

static void on_quota_read(const store_result_t *res, void *data)
{
    api_req_t *r = data;
    c8s_err_t err = C8S_ERR_INIT;
    if (res->code != 0) {
        apiserver__store_err(res, &err);
        return quota_fail(r, &err);
    }
    if (res->n_kvs == 0) { /* deleted meanwhile: nothing to charge */
        return quota_advance(r);
    }
    cleanup_json json_t *quota =
        apiserver__decode_stored(res->kvs[0].value, res->kvs[0].value_len, 0);
    if (!quota) {
        c8s_err_set(&err, C8S_EINTERNAL, "malformed ResourceQuota in storage");
        return quota_fail(r, &err);
    }
    cleanup_json json_t *usage = admission_quota_usage(r->kind->group, r->kind->resource, r->obj);
    if (r->old) {
        /* An update is charged what it adds: a claim grown, a service turned NodePort. */
        cleanup_json json_t *before =
            admission_quota_usage(r->kind->group, r->kind->resource, r->old);
        json_t *delta = admission_quota_delta(usage, before);
        json_decref(usage);
        usage = delta;
        if (json_object_size(usage) == 0) {
            return quota_advance(r);
        }
    }
    json_t *used = NULL;
    if (admission_quota_check(quota, r->kind->group, r->kind->resource, r->obj, usage, &used,
                              &err) != 0) {
        forbidden(r, &err);
        return quota_fail(r, &err);
    }
    if (!used || r->dry_run) { /* a dry run is judged but charges nothing */
        json_decref(used);
        return quota_advance(r);
    }
    json_t *st = json_object_get(quota, "status");
    if (!json_is_object(st)) {
        st = json_object();
        json_object_set_new(quota, "status", st);
    }
    json_object_set_new(st, "used", used);
    json_object_del(json_object_get(quota, "metadata"), "resourceVersion");
    cleanup_free char *val = apiserver__serialize_for_store(quota);
    cleanup_free char *key =
        apiserver__key(res_of(r->srv, "", "resourcequotas"), r->ns,
                       json_string_value(json_array_get(r->adm_quotas, r->adm_qi)));
    store_update(r->srv->store, key, val, strlen(val), res->kvs[0].mod_revision, 0,
                 on_quota_charged, r);
}

static void quota_read(api_req_t *r)
{
    cleanup_free char *key =
        apiserver__key(res_of(r->srv, "", "resourcequotas"), r->ns,
                       json_string_value(json_array_get(r->adm_quotas, r->adm_qi)));
    store_get(r->srv->store, key, 0, on_quota_read, r);
}

static void quota_next(api_req_t *r)
{
    if (r->adm_qi >= json_array_size(r->adm_quotas))
        return quota_done(r);
    quota_read(r);
}

/* Every quota named is read from etcd and decided on afresh (the cache may trail a status the
 * controller has just published), then charged. */
static void quota_with(api_req_t *r, const json_t *quotas)
{
    r->adm_quotas = json_array();
    size_t i;
    json_t *q;
    json_array_foreach((json_t *)quotas, i, q)
    {
        const char *name =
            json_string_value(json_object_get(json_object_get(q, "metadata"), "name"));
        if (name)
            json_array_append_new(r->adm_quotas, json_string(name));
    }
    r->adm_qi = 0;
    r->adm_attempts = 0;
    quota_next(r);
}

static void on_quotas_live(const store_result_t *res, void *data)
{
    api_req_t *r = data;
    c8s_err_t err = C8S_ERR_INIT;
    if (res->code != 0) {
        apiserver__store_err(res, &err);
        return quota_fail(r, &err);
    }
    json_t *items = remember_live(r->srv, "resourcequotas", r->ns, res);
    quota_with(r, items);
    json_decref(items);
}

void apiserver__admit_quota(api_req_t *r, void (*next)(api_req_t *r))
{
    r->adm_next = next;
    if (!r->kind->namespaced || !r->ns || r->subresource)
        return quota_done(r);
    cleanup_json json_t *quotas = cached(r->srv, "", "resourcequotas", r->ns);
    if (json_array_size(quotas) > 0)
        return quota_with(r, quotas);
    /* None in the cache: ask etcd (a quota made a moment ago), and keep the answer 30 s as
     * upstream's quota accessor does. */
    apiserver_t *s = r->srv;
    cleanup_free char *key = xasprintf("resourcequotas/%s", r->ns);
    json_t *live = json_object_get(s->adm_live, key);
    if (live && json_integer_value(json_object_get(live, "until")) > (json_int_t)uv_now(&s->loop))
        return quota_with(r, json_object_get(live, "items"));
    resource_t *res = res_of(s, "", "resourcequotas");
    cleanup_free char *prefix = xasprintf("%s%s/", res->prefix, r->ns);
    cleanup_free char *end = xstrdup(prefix);
    end[strlen(end) - 1]++;
    store_range(s->store, prefix, end, 0, 0, on_quotas_live, r);
}

/* ---- NamespaceLifecycle on delete ---- */

int apiserver__admit_delete(api_req_t *r, c8s_err_t *err)
{
    if (!is(r, "", "Namespace") || !r->name)
        return 0;
    if (admission_namespace_delete(r->name, err) != 0)
        return err->code;
    /* For a while the cache may still show this namespace Active: creates in it read etcd
     * (upstream's forceLiveLookup after a namespace delete). */
    apiserver_t *s = r->srv;
    if (!s->adm_live)
        s->adm_live = json_object();
    cleanup_free char *key = xasprintf("nsdeleted/%s", r->name);
    json_object_set_new(s->adm_live, key,
                        json_pack("{s:I}", "until", (json_int_t)(uv_now(&s->loop) + LIVE_TTL_MS)));
    return 0;
}

bool apiserver__admission_ns_live(api_req_t *r)
{
    apiserver_t *s = r->srv;
    cleanup_free char *key = xasprintf("nsdeleted/%s", r->ns);
    json_t *live = json_object_get(s->adm_live, key);
    return live &&
           json_integer_value(json_object_get(live, "until")) > (json_int_t)uv_now(&s->loop);
}
