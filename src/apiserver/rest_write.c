/*
 * rest_write.c — create, update, patch, delete and deletecollection, with upstream's metadata
 * rules and optimistic concurrency: every write is an etcd txn on mod_revision; a client's stale
 * resourceVersion is 409 Conflict, and an unconditional write that loses a race is retried from a
 * fresh read, never a silent overwrite.
 */
#include "internal.h"
#include "c8s/jsonr.h"

#include "c8s/jsonw.h"
#include "c8s/admission.h"
#include "c8s/managedfields.h"
#include "c8s/patch.h"
#include "c8s/protobuf.h"
#include "c8s/yaml.h"

#include <stdio.h>
#include <string.h>

#define MAX_ATTEMPTS 8

static void fail(api_req_t *r, c8s_err_t *err)
{
    if (r->alloc)
        apiserver__alloc_release(r->srv, r->alloc);
    json_decref(r->alloc);
    r->alloc = NULL;
    apiserver__respond_err(r, err);
    c8s_err_clear(err);
}

static void fail_code(api_req_t *r, int code, const char *msg)
{
    c8s_err_t err = C8S_ERR_INIT;
    c8s_err_set(&err, code, "%s", msg);
    fail(r, &err);
}

/* ---- managed fields (server-side apply) ---- */

static bool is_apply(const api_req_t *r)
{
    return r->content_type && strcmp(r->content_type, "application/apply-patch+yaml") == 0;
}

/* The manager of a write, as upstream names it: ?fieldManager=, else the first segment of the
 * User-Agent. In-process callers send no agent: they are named by the role their user is, as the
 * upstream programs name themselves. Owned. */
static char *field_manager(api_req_t *r)
{
    const char *fm = apiserver__query(r, "fieldManager");
    if (fm && *fm)
        return xstrdup(fm);
    if (r->h2o) {
        ssize_t i = h2o_find_header(&r->h2o->headers, H2O_TOKEN_USER_AGENT, -1);
        if (i >= 0)
            return managedfields_manager_from_agent(r->h2o->headers.entries[i].value.base,
                                                    r->h2o->headers.entries[i].value.len);
    }
    const char *u = r->user ? r->user->name : NULL;
    if (u && strncmp(u, "system:node:", 12) == 0)
        return xstrdup("kubelet");
    if (u && strcmp(u, "system:kube-scheduler") == 0)
        return xstrdup("kube-scheduler");
    if (u && (strcmp(u, "system:kube-controller-manager") == 0 ||
              strncmp(u, "system:serviceaccount:kube-system:", 34) == 0))
        return xstrdup("kube-controller-manager");
    /* The roles of this binary call in-process as the server itself: one manager, "c8s". */
    if (r->call && u && strcmp(u, AUTH_USER_APISERVER) == 0)
        return xstrdup("c8s");
    return managedfields_manager_from_agent(NULL, 0);
}

void apiserver__managed_update(api_req_t *r, const json_t *old, json_t *obj)
{
    cleanup_free char *mgr = field_manager(r);
    char apiv[64], now[32];
    api_kind_api_version(r->kind, apiv, sizeof(apiv));
    c8s_rfc3339_now(now, sizeof(now));
    managedfields_who_t who = {mgr, apiv, r->subresource, now};
    managedfields_update(r->kind, old, obj, &who);
}

/* The Apply operation of r's configuration (r->items) on live (NULL: the object is created). */
static int apply_config(api_req_t *r, const json_t *live, json_t **out, c8s_err_t *err)
{
    char apiv[64], now[32];
    api_kind_api_version(r->kind, apiv, sizeof(apiv));
    c8s_rfc3339_now(now, sizeof(now));
    managedfields_who_t who = {apiserver__query(r, "fieldManager"), apiv, r->subresource, now};
    r->applied = true;
    return managedfields_apply(r->kind, live, r->items, &who, r->force, out, err);
}

/* PatchOptions problems, answered as upstream's validation of them: 422 with a PatchOptions
 * Status. */
static void fail_patch_options(api_req_t *r, const char *reason, const char *field,
                               const char *what)
{
    c8s_err_t err = C8S_ERR_INIT;
    c8s_err_add_cause(&err, reason, field, "%s", what);
    c8s_err_set(&err, C8S_EINVALID, "PatchOptions.meta.k8s.io \"\" is invalid: %s: %s", field,
                what);
    apiserver__respond_obj(r, 422, apiserver__status(&err, "meta.k8s.io", "PatchOptions", NULL));
    c8s_err_clear(&err);
}

int apiserver__decode_body(api_req_t *r, json_t **out, c8s_err_t *err)
{
    const char *ct = r->content_type ? r->content_type : "application/json";
    if (!r->body || r->body_len == 0)
        return c8s_err_set(err, C8S_EBADREQUEST, "the body of the request was empty");
    if (strcmp(ct, "application/yaml") == 0 || strcmp(ct, "application/x-yaml") == 0 ||
        strcmp(ct, "text/yaml") == 0) {
        if (yaml_to_json(r->body, r->body_len, out, err) != 0)
            return err->code;
    } else if (strcmp(ct, "application/json") == 0 || strstr(ct, "+json") ||
               strcmp(ct, "application/apply-patch+yaml") == 0) {
        json_error_t je;
        /* Duplicate fields are fieldValidation's to judge (apiserver__field_check): a body
         * without any (nearly all) needs one parse, not a second one to look for them. */
        *out = jsonr_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &je);
        r->body_unique = *out != NULL;
        if (!*out)
            *out = jsonr_loadb(r->body, r->body_len, 0, &je);
        if (!*out && strcmp(ct, "application/apply-patch+yaml") == 0) {
            if (yaml_to_json(r->body, r->body_len, out, err) != 0)
                return err->code;
        } else if (!*out) {
            return c8s_err_set(err, C8S_EBADREQUEST,
                               "couldn't get version/kind; json parse error: %s at line %d, "
                               "column %d (byte %d)",
                               je.text, je.line, je.column, je.position);
        }
    } else if (strcmp(ct, PROTOBUF_MEDIA_TYPE) == 0) {
        if (protobuf_decode(r->body, r->body_len, out, err) != 0)
            return err->code;
    } else {
        return c8s_err_set(err, C8S_EMEDIATYPE,
                           "the body of the request was in an unknown "
                           "format - accepted media types include: "
                           "application/json, application/yaml");
    }
    return 0;
}

static json_t *meta(json_t *obj)
{
    json_t *md = json_object_get(obj, "metadata");
    if (!json_is_object(md)) {
        md = json_object();
        json_object_set_new(obj, "metadata", md);
    }
    return md;
}

static const char *mstr(const json_t *obj, const char *field)
{
    return json_string_value(json_object_get(json_object_get(obj, "metadata"), field));
}

/* Checks apiVersion/kind against the URL and fills them in when absent. */
static int check_type(api_req_t *r, json_t *obj, c8s_err_t *err)
{
    if (!json_is_object(obj))
        return c8s_err_set(err, C8S_EBADREQUEST, "the request body must be a JSON object");
    char apiv[64];
    api_kind_api_version(r->kind, apiv, sizeof(apiv));
    const char *kind = json_string_value(json_object_get(obj, "kind"));
    const char *av = json_string_value(json_object_get(obj, "apiVersion"));
    if (kind && *kind && strcmp(kind, r->kind->kind) != 0)
        return c8s_err_set(err, C8S_EBADREQUEST,
                           "the kind in the data (%s) does not match the expected kind (%s)", kind,
                           r->kind->kind);
    if (av && *av && strcmp(av, apiv) != 0) {
        /* HorizontalPodAutoscaler is served in two versions over one storage. */
        if (!(r->kind->storage_resource &&
              strncmp(av, r->kind->group, strlen(r->kind->group)) == 0))
            return c8s_err_set(err, C8S_EBADREQUEST,
                               "the API version in the data (%s) does not match the expected API "
                               "version (%s)",
                               av, apiv);
    }
    json_object_set_new(obj, "kind", json_string(r->kind->kind));
    json_object_set_new(obj, "apiVersion", json_string(apiv));
    json_t *md = meta(obj);
    const char *ns = json_string_value(json_object_get(md, "namespace"));
    if (r->kind->namespaced) {
        if (ns && *ns && r->ns && strcmp(ns, r->ns) != 0)
            return c8s_err_set(err, C8S_EBADREQUEST,
                               "the namespace of the provided object does not match the namespace "
                               "sent on the request");
        if (r->ns)
            json_object_set_new(md, "namespace", json_string(r->ns));
        else if (!ns || !*ns)
            return c8s_err_set(err, C8S_EBADREQUEST, "namespace is required");
    } else {
        json_object_del(md, "namespace");
    }
    return 0;
}

static void set_rv(json_t *obj, int64_t rev)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "%lld", (long long)rev);
    json_object_set_new(meta(obj), "resourceVersion", json_string(buf));
}

/* The stored form: no resourceVersion (it is the key's mod_revision), and metadata first, so
 * that the resourceVersion can be spliced into these bytes (apiserver__with_rv) for the answer
 * and the watch cache instead of serializing the object again. */
char *apiserver__serialize_for_store(json_t *obj)
{
    json_t *md = json_object_get(obj, "metadata");
    json_t *rv = json_incref(json_object_get(md, "resourceVersion"));
    json_object_del(md, "resourceVersion");
    json_t *ordered = json_object();
    json_object_set(ordered, "metadata", md);
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        if (strcmp(k, "metadata") != 0)
            json_object_set(ordered, k, v);
    }
    char *out = jsonw_dump(ordered, NULL);
    json_decref(ordered);
    if (rv)
        json_object_set_new(md, "resourceVersion", rv);
    return out;
}

/* Answers with the object as stored (r->stored) and its new revision, without re-serializing
 * when the stored bytes allow it. */
static void respond_stored(api_req_t *r, int status, int64_t rev)
{
    size_t len = 0;
    char *body = r->stored && !apiserver__wants_yaml(r)
                     ? apiserver__with_rv(r->stored, strlen(r->stored), rev, &len)
                     : NULL;
    if (!body) {
        set_rv(r->obj, rev);
        return apiserver__respond_obj(r, status, c8s_steal(&r->obj));
    }
    apiserver__respond(r, status, "application/json", body, len);
    free(body);
}

/* Status is the controllers' and kubelets' to write: a create starts from a clean status, as
 * upstream's PrepareForCreate does for most kinds (nodes keep theirs). */
static void reset_status_for_create(api_req_t *r, json_t *obj)
{
    const char *kind = r->kind->kind;
    if (strcmp(kind, "Pod") == 0) {
        json_t *st = json_object();
        json_object_set_new(st, "phase", json_string("Pending"));
        json_object_set_new(obj, "status", st);
    } else if (strcmp(kind, "Namespace") == 0) {
        json_object_set_new(obj, "status", json_pack("{s:s}", "phase", "Active"));
    } else if (r->kind->has_spec_status && strcmp(kind, "Node") != 0 &&
               strcmp(kind, "PersistentVolume") != 0 &&
               strcmp(kind, "PersistentVolumeClaim") != 0) {
        json_object_set_new(obj, "status", json_object());
    } else if (strcmp(kind, "PersistentVolume") == 0 ||
               strcmp(kind, "PersistentVolumeClaim") == 0) {
        json_object_set_new(obj, "status", json_pack("{s:s}", "phase", "Pending"));
        if (strcmp(kind, "PersistentVolume") == 0)
            json_object_set_new(obj, "status", json_pack("{s:s}", "phase", "Available"));
    }
}

/* ---- create ---- */

static void create_store(api_req_t *r);
static void update_read(api_req_t *r);

static void on_created(const store_result_t *res, void *data)
{
    api_req_t *r = data;
    if (res->code == C8S_ENOTFOUND && strcmp(r->kind->kind, "Event") == 0 && r->attempts++ == 0) {
        /* The shared event lease is gone (etcd restored or revoked it): take a new one. */
        r->srv->event_lease = 0;
        return create_store(r);
    }
    if (res->code != 0) {
        c8s_err_t err = C8S_ERR_INIT;
        apiserver__store_err(res, &err);
        return fail(r, &err);
    }
    if (!res->succeeded && r->applied && is_apply(r) && ++r->attempts < MAX_ATTEMPTS) {
        /* Another writer created it between our read and our create: apply to theirs, as
         * upstream retries, instead of answering AlreadyExists. */
        if (r->alloc)
            apiserver__alloc_release(r->srv, r->alloc);
        json_decref(r->alloc);
        r->alloc = NULL;
        return update_read(r);
    }
    if (!res->succeeded) {
        const char *gen = mstr(r->obj, "generateName");
        if (gen && *gen && ++r->attempts < MAX_ATTEMPTS) {
            free(r->name);
            r->name = apiserver__generate_name(gen);
            json_object_set_new(meta(r->obj), "name", json_string(r->name));
            return create_store(r);
        }
        c8s_err_t err = C8S_ERR_INIT;
        c8s_err_set(&err, C8S_EEXIST, "%s \"%s\" already exists", apiserver__qualified(r), r->name);
        return fail(r, &err);
    }
    json_decref(r->alloc);
    r->alloc = NULL;
    respond_stored(r, 201, res->revision);
}

static void create_with_lease(api_req_t *r, int64_t lease)
{
    cleanup_free char *key = apiserver__key(r->res, r->ns, r->name);
    free(r->stored);
    r->stored = apiserver__serialize_for_store(r->obj);
    store_create(r->srv->store, key, r->stored, strlen(r->stored), lease, on_created, r);
}

static void create_store(api_req_t *r)
{
    if (!r->applied)
        apiserver__managed_update(r, NULL, r->obj);
    if (r->dry_run) {
        if (r->alloc)
            apiserver__alloc_release(r->srv, r->alloc);
        json_decref(r->alloc);
        r->alloc = NULL;
        return apiserver__respond_obj(r, 201, c8s_steal(&r->obj));
    }
    if (strcmp(r->kind->kind, "Event") == 0)
        return apiserver__event_lease(r->srv, r, create_with_lease);
    create_with_lease(r, 0);
}

static void on_allocated(api_req_t *r, int code, c8s_err_t *err)
{
    if (code != 0)
        return fail(r, err);
    create_store(r);
}

static void create_allocate(api_req_t *r)
{
    if (strcmp(r->kind->kind, "Service") == 0)
        return apiserver__alloc_service(r, on_allocated);
    create_store(r);
}

static void create_admit(api_req_t *r)
{
    c8s_err_t err = C8S_ERR_INIT;
    if (!r->adm_prefetched) {
        r->adm_prefetched = true;
        return apiserver__admission_prefetch(r, create_admit);
    }
    /* Mutating admission (issue 8), before validation as upstream orders it. */
    if (apiserver__admit_mutate(r, ADM_CREATE, &err) != 0)
        return fail(r, &err);
    if (strcmp(r->kind->kind, "Pod") == 0 && !r->kind->group[0] &&
        apiserver__admission_sa(r, r->obj, &err) != 0)
        return fail(r, &err);
    if (api_object_validate(r->kind, r->obj, NULL, NULL, &err) != 0 ||
        apiserver__rbac_escalation(r, &err) != 0)
        return fail(r, &err);
    if (!r->name)
        return fail_code(r, C8S_EINVALID, "name or generateName is required");
    if (apiserver__admit_validate(r, ADM_CREATE, &err) != 0)
        return fail(r, &err);
    apiserver__admit_quota(r, create_allocate);
}

/* NamespaceLifecycle, the first plugin: no new content in a missing or terminating namespace. */
static void on_namespace_read(const store_result_t *res, void *data)
{
    api_req_t *r = data;
    c8s_err_t err = C8S_ERR_INIT;
    if (res->code != 0) {
        apiserver__store_err(res, &err);
        return fail(r, &err);
    }
    json_t *ns =
        res->n_kvs ? apiserver__decode_stored(res->kvs[0].value, res->kvs[0].value_len, 0) : NULL;
    /* Kept for PodSecurity, which reads the namespace's labels (the cache may not have it). */
    r->adm_ns = ns;
    if (admission_namespace_create(r->ns, ns, &err) != 0)
        return fail(r, &err);
    create_admit(r);
}

static void create_checked(api_req_t *r)
{
    c8s_err_t err = C8S_ERR_INIT;
    if (r->kind->namespaced) {
        const api_kind_t *nk = api_kind_lookup("", "v1", "namespaces");
        resource_t *nres = apiserver__resource_for(r->srv, nk);
        cleanup_free char *key = apiserver__key(nres, NULL, r->ns);
        wc_obj_t *o = wcache_get(nres->cache, key);
        if (!o || apiserver__admission_ns_live(r)) {
            /* The cache may not have seen a namespace created (or deleted) a moment ago: ask
             * etcd. */
            store_get(r->srv->store, key, 0, on_namespace_read, r);
            return;
        }
        /* Parsed once per revision of the namespace, not once per create in it. */
        json_t *ns = json_incref((json_t *)wc_obj_tree(o));
        r->adm_ns = ns;
        if (admission_namespace_create(r->ns, ns, &err) != 0)
            return fail(r, &err);
    }
    create_admit(r);
}

/* The server's part of a create, on r->obj as the client (or an apply) gave it. */
static void create_prepared(api_req_t *r)
{
    c8s_err_t err = C8S_ERR_INIT;
    json_t *md = meta(r->obj);
    const char *name = json_string_value(json_object_get(md, "name"));
    const char *gen = json_string_value(json_object_get(md, "generateName"));
    if ((!name || !*name) && gen && *gen) {
        free(r->name);
        r->name = apiserver__generate_name(gen);
        json_object_set_new(md, "name", json_string(r->name));
    } else if (name && *name) {
        char *n = xstrdup(name);
        free(r->name);
        r->name = n;
    }
    char uid[37], now[32];
    apiserver__uuid(uid);
    c8s_rfc3339_now(now, sizeof(now));
    json_object_set_new(md, "uid", json_string(uid));
    json_object_set_new(md, "creationTimestamp", json_string(now));
    json_object_del(md, "resourceVersion");
    json_object_del(md, "deletionTimestamp");
    json_object_del(md, "deletionGracePeriodSeconds");
    json_object_del(md, "selfLink");
    if (r->kind->has_spec_status || json_object_get(r->obj, "spec"))
        json_object_set_new(md, "generation", json_integer(1));
    else
        json_object_del(md, "generation");
    reset_status_for_create(r, r->obj);
    if (strcmp(r->kind->kind, "Namespace") == 0 && r->name) {
        /* Upstream labels every namespace with its own name. */
        json_t *labels = json_object_get(md, "labels");
        if (!labels || json_is_null(labels)) {
            labels = json_object();
            json_object_set_new(md, "labels", labels);
        }
        /* Labels of the wrong type are left for validation to refuse. */
        if (json_is_object(labels))
            json_object_set_new(labels, "kubernetes.io/metadata.name", json_string(r->name));
    }
    if (api_object_default(r->kind, r->obj, &err) != 0)
        return fail(r, &err);
    apiserver__admission_ready(r, create_checked);
}

void apiserver__create(api_req_t *r)
{
    c8s_err_t err = C8S_ERR_INIT;
    if (apiserver__decode_body(r, &r->obj, &err) != 0 || check_type(r, r->obj, &err) != 0 ||
        apiserver__field_check(r, r->obj, NULL, r->body, r->body_len, &err) != 0)
        return fail(r, &err);
    create_prepared(r);
}

/* ---- update and patch: read, compute, compare-and-swap, retry on a lost race ---- */

static void update_read(api_req_t *r);

/* Whether two objects differ outside metadata and status (upstream bumps generation then). */
static bool spec_changed(const json_t *a, const json_t *b)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)a, k, v)
    {
        if (strcmp(k, "metadata") == 0 || strcmp(k, "status") == 0)
            continue;
        if (!json_equal(v, json_object_get(b, k)))
            return true;
    }
    json_object_foreach((json_t *)b, k, v)
    {
        if (strcmp(k, "metadata") == 0 || strcmp(k, "status") == 0)
            continue;
        if (!json_object_get(a, k))
            return true;
    }
    return false;
}

static void copy_field(json_t *dst, const json_t *src, const char *k)
{
    json_t *v = json_object_get(src, k);
    if (v)
        json_object_set(dst, k, v);
    else
        json_object_del(dst, k);
}

static bool is_csr(const api_req_t *r)
{
    return strcmp(r->kind->kind, "CertificateSigningRequest") == 0;
}

static bool approval_type(const char *t)
{
    return t && (strcmp(t, "Approved") == 0 || strcmp(t, "Denied") == 0);
}

/* Puts back in obj's status.conditions what the subresource may not change: with signer set
 * (/status) the Approved/Denied conditions of old replace the client's; otherwise (/approval)
 * every condition of old that is not Approved/Denied. */
static void csr_keep_conditions(json_t *obj, const json_t *old, bool signer)
{
    json_t *st = json_object_get(obj, "status");
    if (!json_is_object(st))
        return;
    json_t *conds = json_object_get(st, "conditions");
    json_t *out = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(conds, i, c)
    {
        bool a = approval_type(json_string_value(json_object_get(c, "type")));
        if (a != signer)
            json_array_append(out, c);
    }
    json_array_foreach(json_object_get(json_object_get(old, "status"), "conditions"), i, c)
    {
        bool a = approval_type(json_string_value(json_object_get(c, "type")));
        if (a == signer)
            json_array_append(out, c);
    }
    if (json_array_size(out))
        json_object_set_new(st, "conditions", out);
    else {
        json_decref(out);
        json_object_del(st, "conditions");
    }
}

static void csr_condition_times(json_t *obj, const json_t *old)
{
    char now[40];
    c8s_rfc3339_now(now, sizeof(now));
    api_csr_condition_times(obj, old, now);
}

/* Builds the object to store from the client's (r->obj, stolen into the result) and the stored
 * one, as upstream's PrepareForUpdate does per subresource. */
static int prepare_update(api_req_t *r, json_t *incoming, json_t **out, c8s_err_t *err)
{
    json_t *old = r->old;
    json_t *omd = json_object_get(old, "metadata");
    json_t *obj;
    const char *sub = r->subresource;
    if (sub && strcmp(sub, "status") == 0 && is_csr(r)) {
        /* A CSR's signer writes the certificate and Failed conditions; approval is only
         * decided through /approval, so Approved/Denied come from the stored object. */
        obj = json_deep_copy(old);
        copy_field(obj, incoming, "status");
        csr_keep_conditions(obj, old, true);
        csr_condition_times(obj, old);
    } else if (sub && strcmp(sub, "approval") == 0) {
        /* upstream's approval strategy: only the conditions change, and of them only
         * Approved/Denied; the certificate and the signer's conditions stay as stored. */
        obj = json_deep_copy(old);
        json_t *st = json_object_get(obj, "status");
        if (!json_is_object(st)) {
            st = json_object();
            json_object_set_new(obj, "status", st);
        }
        copy_field(st, json_object_get(incoming, "status"), "conditions");
        csr_keep_conditions(obj, old, false);
        csr_condition_times(obj, old);
    } else if (sub && strcmp(sub, "status") == 0) {
        obj = json_deep_copy(old);
        copy_field(obj, incoming, "status");
    } else if (is_csr(r)) {
        /* A CSR is immutable but for its metadata: spec was fixed (with the requester) at
         * creation, status changes through its subresources. */
        obj = json_deep_copy(incoming);
        copy_field(obj, old, "spec");
        copy_field(obj, old, "status");
    } else if (sub && strcmp(sub, "finalize") == 0) {
        obj = json_deep_copy(old);
        json_t *spec = json_object_get(obj, "spec");
        if (!spec) {
            spec = json_object();
            json_object_set_new(obj, "spec", spec);
        }
        copy_field(spec, json_object_get(incoming, "spec"), "finalizers");
    } else {
        obj = json_deep_copy(incoming);
        if (r->kind->has_spec_status)
            copy_field(obj, old, "status");
    }
    json_t *md = meta(obj);
    static const char *const keep[] = {
        "uid",  "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
        "name", "namespace"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(keep); i++)
        copy_field(md, omd, keep[i]);
    json_object_del(md, "selfLink");
    /* No new finalizers on an object being deleted. */
    if (json_object_get(omd, "deletionTimestamp")) {
        json_t *nf = json_object_get(md, "finalizers");
        json_t *of = json_object_get(omd, "finalizers");
        size_t i;
        json_t *f;
        json_array_foreach(nf, i, f)
        {
            bool found = false;
            size_t j;
            json_t *g;
            json_array_foreach(of, j, g) found = found || json_equal(f, g);
            if (!found) {
                json_decref(obj);
                c8s_err_add_cause(err, "FieldValueForbidden", "metadata.finalizers",
                                  "no new finalizers can be added if the object is being deleted");
                return c8s_err_set(err, C8S_EINVALID,
                                   "%s \"%s\" is invalid: metadata.finalizers: Forbidden: no new "
                                   "finalizers can be added if the object is being deleted, found "
                                   "new finalizers %s",
                                   r->kind->kind, r->name, json_string_value(f));
            }
        }
    }
    json_t *og = json_object_get(omd, "generation");
    json_int_t gen = json_is_integer(og) ? json_integer_value(og) : 1;
    if (spec_changed(obj, old))
        gen++;
    if (og || r->kind->has_spec_status)
        json_object_set_new(md, "generation", json_integer(gen));
    *out = obj;
    return 0;
}

static void on_updated(const store_result_t *res, void *data)
{
    api_req_t *r = data;
    if (!apiserver__cas_landed(r, res, update_read))
        return;
    respond_stored(r, 200, res->revision);
}

static void on_finalized_delete(const store_result_t *res, void *data)
{
    api_req_t *r = data;
    if (!apiserver__cas_landed(r, res, update_read))
        return;
    if (strcmp(r->kind->kind, "Service") == 0)
        apiserver__alloc_release_service(r->srv, r->obj);
    set_rv(r->obj, res->revision);
    apiserver__respond_obj(r, 200, c8s_steal(&r->obj));
}

static bool should_delete_after_update(const api_req_t *r, const json_t *obj)
{
    json_t *md = json_object_get(obj, "metadata");
    if (!json_object_get(md, "deletionTimestamp"))
        return false;
    if (json_array_size(json_object_get(md, "finalizers")) > 0)
        return false;
    if (strcmp(r->kind->kind, "Namespace") == 0)
        return json_array_size(json_object_get(json_object_get(obj, "spec"), "finalizers")) == 0;
    /* A graceful pod is removed by its kubelet (DELETE with grace 0), not by finalizers. */
    return strcmp(r->kind->kind, "Pod") != 0 ||
           json_integer_value(json_object_get(md, "deletionGracePeriodSeconds")) == 0;
}

static void update_commit(api_req_t *r);

/* r->obj holds the new object computed against r->old (stored at r->old_rev). */
static void update_store(api_req_t *r)
{
    c8s_err_t err = C8S_ERR_INIT;
    if (!r->subresource && api_object_default(r->kind, r->obj, &err) != 0)
        return fail(r, &err);
    if (api_object_validate(r->kind, r->obj, r->old, r->subresource, &err) != 0 ||
        apiserver__rbac_escalation(r, &err) != 0)
        return fail(r, &err);
    if (apiserver__admit_validate(r, ADM_UPDATE, &err) != 0)
        return fail(r, &err);
    apiserver__admit_quota(r, update_commit);
}

/* After ResourceQuota admitted (and charged) the update: stored, or deleted when finalized. */
static void update_commit(api_req_t *r)
{
    if (!r->applied)
        apiserver__managed_update(r, r->old, r->obj);
    set_rv(r->obj, r->old_rev);
    if (r->dry_run)
        return apiserver__respond_obj(r, 200, c8s_steal(&r->obj));
    cleanup_free char *key = apiserver__key(r->res, r->ns, r->name);
    if (should_delete_after_update(r, r->obj)) {
        store_delete(r->srv->store, key, r->old_rev, on_finalized_delete, r);
        return;
    }
    free(r->stored);
    r->stored = apiserver__serialize_for_store(r->obj);
    store_update(r->srv->store, key, r->stored, strlen(r->stored), r->old_rev, 0, on_updated, r);
}

/* The update's or patch's new object from the fresh stored one. */
static int compute_update(api_req_t *r, json_t **out, c8s_err_t *err);

static int check_name(api_req_t *r, json_t *obj, c8s_err_t *err);

/* An apply to an object that does not exist creates it, as upstream's does. */
static void apply_create(api_req_t *r)
{
    c8s_err_t err = C8S_ERR_INIT;
    json_t *obj = NULL;
    if (apply_config(r, NULL, &obj, &err) != 0)
        return fail(r, &err);
    json_decref(r->obj);
    r->obj = obj;
    if (check_type(r, obj, &err) != 0 || check_name(r, obj, &err) != 0 ||
        apiserver__field_check(r, obj, NULL, r->body, r->body_len, &err) != 0)
        return fail(r, &err);
    create_prepared(r);
}

static void on_update_read(const store_result_t *res, void *data)
{
    api_req_t *r = data;
    c8s_err_t err = C8S_ERR_INIT;
    if (res->code == 0 && res->n_kvs == 0 && is_apply(r) && !r->subresource)
        return apply_create(r);
    if (apiserver__take_current(r, res, &err) != 0)
        return fail(r, &err);
    json_t *next = NULL;
    if (compute_update(r, &next, &err) != 0)
        return fail(r, &err);
    json_decref(r->obj);
    r->obj = next;
    update_store(r);
}

static void update_read(api_req_t *r)
{
    cleanup_free char *key = apiserver__key(r->res, r->ns, r->name);
    store_get(r->srv->store, key, 0, on_update_read, r);
}

static int check_rv_precondition(api_req_t *r, const json_t *incoming, c8s_err_t *err)
{
    const char *rv = mstr(incoming, "resourceVersion");
    if (rv && *rv && strtoll(rv, NULL, 10) != r->old_rev)
        return c8s_err_set(err, C8S_ECONFLICT,
                           "Operation cannot be fulfilled on %s \"%s\": the object has been "
                           "modified; please apply your changes to the latest version and try "
                           "again",
                           apiserver__qualified(r), r->name);
    return 0;
}

/* For update: the request body is kept in r->delete_opts's sibling slot, r->items. */
static int compute_update(api_req_t *r, json_t **out, c8s_err_t *err)
{
    json_t *incoming = r->items; /* PUT body, or patched object */
    if (strcmp(r->verb, "PATCH") == 0) {
        json_t *patched = NULL;
        const char *ct = r->content_type ? r->content_type : "";
        json_t *patch = r->items;
        if (strcmp(ct, "application/json-patch+json") == 0) {
            if (patch_json(r->old, patch, &patched, err) != 0)
                return err->code;
        } else if (strcmp(ct, "application/strategic-merge-patch+json") == 0) {
            if (patch_strategic(r->kind, r->old, patch, &patched, err) != 0)
                return err->code;
        } else if (is_apply(r)) {
            if (apply_config(r, r->old, &patched, err) != 0)
                return err->code;
        } else {
            patched = patch_merge(r->old, patch);
        }
        /* A patch carrying a resourceVersion is a precondition on it. */
        int rc = check_rv_precondition(r, patched, err);
        if (rc == 0 && json_is_object(patched)) {
            json_t *pm = json_object_get(patched, "metadata");
            const char *pn = json_string_value(json_object_get(pm, "name"));
            if (pn && strcmp(pn, r->name) != 0)
                rc = c8s_err_set(err, C8S_EBADREQUEST,
                                 "the name of the object (%s) does not match the name on the URL "
                                 "(%s)",
                                 pn, r->name);
        }
        if (rc == 0)
            rc = check_type(r, patched, err);
        /* A retry after a lost race checks again: drop the first attempt's warnings. */
        json_decref(r->resp_headers);
        r->resp_headers = NULL;
        if (rc == 0)
            rc = apiserver__field_check(r, patched, r->old, r->body, r->body_len, err);
        if (rc == 0)
            rc = prepare_update(r, patched, out, err);
        json_decref(patched);
        return rc;
    }
    if (check_rv_precondition(r, incoming, err) != 0)
        return err->code;
    return prepare_update(r, incoming, out, err);
}

static int check_name(api_req_t *r, json_t *obj, c8s_err_t *err)
{
    const char *n = mstr(obj, "name");
    if (!n || !*n)
        json_object_set_new(meta(obj), "name", json_string(r->name));
    else if (strcmp(n, r->name) != 0)
        return c8s_err_set(err, C8S_EBADREQUEST,
                           "the name of the object (%s) does not match the name on the URL (%s)", n,
                           r->name);
    return 0;
}

void apiserver__update(api_req_t *r)
{
    c8s_err_t err = C8S_ERR_INIT;
    json_t *body = NULL;
    if (apiserver__decode_body(r, &body, &err) != 0)
        return fail(r, &err);
    r->items = body;
    if (check_type(r, body, &err) != 0 || check_name(r, body, &err) != 0 ||
        apiserver__field_check(r, body, NULL, r->body, r->body_len, &err) != 0)
        return fail(r, &err);
    apiserver__admission_ready(r, update_read);
}

void apiserver__patch(api_req_t *r)
{
    c8s_err_t err = C8S_ERR_INIT;
    const char *ct = r->content_type ? r->content_type : "";
    if (strcmp(ct, "application/merge-patch+json") != 0 &&
        strcmp(ct, "application/json-patch+json") != 0 &&
        strcmp(ct, "application/strategic-merge-patch+json") != 0 &&
        strcmp(ct, "application/apply-patch+yaml") != 0)
        return fail_code(r, C8S_EMEDIATYPE,
                         "the body of the request was in an unknown format - accepted media types "
                         "include: application/json-patch+json, application/merge-patch+json, "
                         "application/apply-patch+yaml, application/strategic-merge-patch+json");
    const char *fm = apiserver__query(r, "fieldManager");
    const char *force = apiserver__query(r, "force");
    if (is_apply(r) && (!fm || !*fm))
        return fail_patch_options(r, "FieldValueRequired", "fieldManager",
                                  "Required value: is required for apply patch");
    if (!is_apply(r) && force)
        return fail_patch_options(r, "FieldValueForbidden", "force",
                                  "Forbidden: may not be specified for non-apply patch");
    if (fm && strlen(fm) > 128)
        return fail_patch_options(r, "FieldValueTooLong", "fieldManager",
                                  "Too long: may not be more than 128 bytes");
    r->force = force && strcmp(force, "true") == 0;
    json_t *patch = NULL;
    if (apiserver__decode_body(r, &patch, &err) != 0)
        return fail(r, &err);
    r->items = patch;
    apiserver__admission_ready(r, update_read);
}

/* ---- delete ---- */

static void delete_read(api_req_t *r);
static void delete_done(api_req_t *r, int64_t rev);

static void on_deleted(const store_result_t *res, void *data)
{
    api_req_t *r = data;
    if (!apiserver__cas_landed(r, res, delete_read))
        return;
    if (strcmp(r->kind->kind, "Service") == 0)
        apiserver__alloc_release_service(r->srv, r->old);
    delete_done(r, res->revision);
}

static void on_delete_marked(const store_result_t *res, void *data)
{
    api_req_t *r = data;
    if (!apiserver__cas_landed(r, res, delete_read))
        return;
    json_decref(r->old);
    r->old = c8s_steal(&r->obj);
    set_rv(r->old, res->revision);
    delete_done(r, 0);
}

static void add_finalizer(json_t *md, const char *f)
{
    json_t *fs = json_object_get(md, "finalizers");
    if (!json_is_array(fs)) {
        fs = json_array();
        json_object_set_new(md, "finalizers", fs);
    }
    size_t i;
    json_t *v;
    json_array_foreach(fs, i,
                       v) if (json_is_string(v) && strcmp(json_string_value(v), f) == 0) return;
    json_array_append_new(fs, json_string(f));
}

static void rfc3339_in(char *buf, size_t len, long long secs)
{
    time_t t = time(NULL) + secs;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int delete_preconditions(api_req_t *r, c8s_err_t *err)
{
    json_t *pre = json_object_get(r->delete_opts, "preconditions");
    const char *uid = json_string_value(json_object_get(pre, "uid"));
    const char *rv = json_string_value(json_object_get(pre, "resourceVersion"));
    if (uid && *uid && strcmp(uid, mstr(r->old, "uid") ? mstr(r->old, "uid") : "") != 0)
        return c8s_err_set(
            err, C8S_ECONFLICT,
            "Operation cannot be fulfilled on %s \"%s\": Precondition failed: UID in "
            "precondition: %s, UID in object meta: %s",
            apiserver__qualified(r), r->name, uid, mstr(r->old, "uid"));
    if (rv && *rv && strtoll(rv, NULL, 10) != r->old_rev)
        return c8s_err_set(err, C8S_ECONFLICT,
                           "Operation cannot be fulfilled on %s \"%s\": Precondition failed: "
                           "ResourceVersion in precondition: %s, ResourceVersion in object meta: "
                           "%lld",
                           apiserver__qualified(r), r->name, rv, (long long)r->old_rev);
    return 0;
}

/* Decides between marking (graceful or finalizers) and removing; r->old is the stored object. */
static void delete_decide(api_req_t *r)
{
    c8s_err_t err = C8S_ERR_INIT;
    if (delete_preconditions(r, &err) != 0 || apiserver__admit_delete(r, &err) != 0 ||
        apiserver__admit_validate(r, ADM_DELETE, &err) != 0)
        return fail(r, &err);
    json_t *obj = json_deep_copy(r->old);
    json_t *md = meta(obj);
    const char *kind = r->kind->kind;
    const char *policy = json_string_value(json_object_get(r->delete_opts, "propagationPolicy"));
    json_t *orphan = json_object_get(r->delete_opts, "orphanDependents");
    if (!policy && json_is_true(orphan))
        policy = "Orphan";
    json_t *gp = json_object_get(r->delete_opts, "gracePeriodSeconds");
    bool mark = false;
    long long grace = 0;
    if (strcmp(kind, "Pod") == 0) {
        json_t *spec = json_object_get(obj, "spec");
        grace = json_is_integer(gp) ? json_integer_value(gp)
                : json_is_integer(json_object_get(spec, "terminationGracePeriodSeconds"))
                    ? json_integer_value(json_object_get(spec, "terminationGracePeriodSeconds"))
                    : 30;
        const char *node = json_string_value(json_object_get(spec, "nodeName"));
        const char *phase =
            json_string_value(json_object_get(json_object_get(obj, "status"), "phase"));
        /* Upstream deletes at once what no kubelet runs: unscheduled or finished pods. */
        if (!node || !*node || (phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"))))
            grace = 0;
        if (grace < 0)
            grace = 0;
        json_t *cur = json_object_get(md, "deletionGracePeriodSeconds");
        if (grace > 0) {
            if (json_object_get(md, "deletionTimestamp") && json_is_integer(cur) &&
                json_integer_value(cur) <= grace) {
                /* Already terminating with a shorter grace: nothing to change. */
                json_decref(obj);
                return delete_done(r, 0);
            }
            mark = true;
        }
    }
    if (policy && strcmp(policy, "Foreground") == 0) {
        add_finalizer(md, "foregroundDeletion");
    } else if (policy && strcmp(policy, "Orphan") == 0) {
        add_finalizer(md, "orphan");
    } else if (policy && strcmp(policy, "Background") != 0) {
        json_decref(obj);
        return fail_code(r, C8S_EINVALID,
                         "DeleteOptions.propagationPolicy: Unsupported value: must be one of "
                         "Orphan, Foreground, Background");
    }
    if (strcmp(kind, "Namespace") == 0) {
        json_t *st = json_object_get(obj, "status");
        if (!json_is_object(st)) {
            st = json_object();
            json_object_set_new(obj, "status", st);
        }
        json_object_set_new(st, "phase", json_string("Terminating"));
        if (json_array_size(json_object_get(json_object_get(obj, "spec"), "finalizers")) > 0)
            mark = true;
    }
    if (json_array_size(json_object_get(md, "finalizers")) > 0)
        mark = true;
    if (!mark) {
        json_decref(obj);
        if (r->dry_run)
            return delete_done(r, 0);
        cleanup_free char *key = apiserver__key(r->res, r->ns, r->name);
        store_delete(r->srv->store, key, r->old_rev, on_deleted, r);
        return;
    }
    if (!json_object_get(md, "deletionTimestamp")) {
        char ts[32];
        rfc3339_in(ts, sizeof(ts), grace);
        json_object_set_new(md, "deletionTimestamp", json_string(ts));
        json_object_set_new(md, "deletionGracePeriodSeconds", json_integer(grace));
    } else if (strcmp(kind, "Pod") == 0) {
        char ts[32];
        rfc3339_in(ts, sizeof(ts), grace);
        json_object_set_new(md, "deletionTimestamp", json_string(ts));
        json_object_set_new(md, "deletionGracePeriodSeconds", json_integer(grace));
    }
    json_decref(r->obj);
    r->obj = obj;
    if (r->dry_run) {
        json_decref(r->old);
        r->old = c8s_steal(&r->obj);
        return delete_done(r, 0);
    }
    cleanup_free char *key = apiserver__key(r->res, r->ns, r->name);
    cleanup_free char *val = apiserver__serialize_for_store(obj);
    store_update(r->srv->store, key, val, strlen(val), r->old_rev, 0, on_delete_marked, r);
}

static void on_delete_read(const store_result_t *res, void *data)
{
    api_req_t *r = data;
    c8s_err_t err = C8S_ERR_INIT;
    if (apiserver__take_current(r, res, &err) != 0)
        return fail(r, &err);
    delete_decide(r);
}

static void delete_read(api_req_t *r)
{
    cleanup_free char *key = apiserver__key(r->res, r->ns, r->name);
    store_get(r->srv->store, key, 0, on_delete_read, r);
}

static int parse_delete_options(api_req_t *r, c8s_err_t *err)
{
    if (r->body && r->body_len > 0) {
        if (apiserver__decode_body(r, &r->delete_opts, err) != 0)
            return err->code;
        if (!json_is_object(r->delete_opts))
            return c8s_err_set(err, C8S_EBADREQUEST, "DeleteOptions must be an object");
    } else {
        r->delete_opts = json_object();
    }
    const char *gp = apiserver__query(r, "gracePeriodSeconds");
    if (gp)
        json_object_set_new(r->delete_opts, "gracePeriodSeconds",
                            json_integer(strtoll(gp, NULL, 10)));
    const char *pp = apiserver__query(r, "propagationPolicy");
    if (pp)
        json_object_set_new(r->delete_opts, "propagationPolicy", json_string(pp));
    json_t *dry = json_object_get(r->delete_opts, "dryRun");
    if (json_array_size(dry) > 0)
        r->dry_run = true;
    return 0;
}

void apiserver__delete(api_req_t *r)
{
    c8s_err_t err = C8S_ERR_INIT;
    if (parse_delete_options(r, &err) != 0)
        return fail(r, &err);
    delete_read(r);
}

/* The answer to a delete: upstream returns the object for pods and services (and whatever is
 * still there because of a grace period or finalizers), a Success Status otherwise. */
static void delete_answer(api_req_t *r, int64_t rev)
{
    const char *kind = r->kind->kind;
    json_t *md = json_object_get(r->old, "metadata");
    bool still_there = rev == 0;
    if (rev > 0)
        set_rv(r->old, rev);
    if (still_there || strcmp(kind, "Pod") == 0 || strcmp(kind, "Service") == 0)
        return apiserver__respond_obj(r, 200, c8s_steal(&r->old));
    json_t *st = json_pack("{s:s, s:s, s:{}, s:s, s:{s:s, s:s, s:s}}", "kind", "Status",
                           "apiVersion", "v1", "metadata", "status", "Success", "details", "name",
                           r->name, "kind", r->resource, "uid",
                           json_string_value(json_object_get(md, "uid"))
                               ? json_string_value(json_object_get(md, "uid"))
                               : "");
    if (r->group && *r->group)
        json_object_set_new(json_object_get(st, "details"), "group", json_string(r->group));
    apiserver__respond_obj(r, 200, st);
}

/* deletecollection walks r->items (the objects listed) one by one through the same path. */
static void collection_next(api_req_t *r);

static void delete_done(api_req_t *r, int64_t rev)
{
    if (!r->cont_key) /* a single delete */
        return delete_answer(r, rev);
    json_t *done = json_object_get(r->delete_opts, "__deleted");
    if (rev > 0)
        set_rv(r->old, rev);
    json_array_append(done, r->old);
    r->coll_index++;
    collection_next(r);
}

static void collection_next(api_req_t *r)
{
    json_t *list = json_object_get(r->delete_opts, "__list");
    if (r->coll_index >= json_array_size(list)) {
        char apiv[64];
        api_kind_api_version(r->kind, apiv, sizeof(apiv));
        json_t *out =
            json_pack("{s:s, s:s, s:{}, s:O}", "kind", r->kind->list_kind, "apiVersion", apiv,
                      "metadata", "items", json_object_get(r->delete_opts, "__deleted"));
        return apiserver__respond_obj(r, 200, out);
    }
    json_t *item = json_array_get(list, r->coll_index);
    free(r->name);
    r->name = xstrdup(mstr(item, "name"));
    free(r->ns);
    r->ns = mstr(item, "namespace") ? xstrdup(mstr(item, "namespace")) : NULL;
    r->attempts = 0;
    delete_read(r);
}

static void on_collection_listed(const store_result_t *res, void *data)
{
    api_req_t *r = data;
    c8s_err_t err = C8S_ERR_INIT;
    if (res->code != 0) {
        apiserver__store_err(res, &err);
        return fail(r, &err);
    }
    json_t *list = json_array();
    for (size_t i = 0; i < res->n_kvs; i++) {
        json_t *obj = apiserver__decode_stored(res->kvs[i].value, res->kvs[i].value_len,
                                               res->kvs[i].mod_revision);
        if (obj &&
            labelsel_matches(r->lsel,
                             json_object_get(json_object_get(obj, "metadata"), "labels")) &&
            fieldsel_matches(r->fsel, obj))
            json_array_append_new(list, obj);
        else
            json_decref(obj);
    }
    json_object_set_new(r->delete_opts, "__list", list);
    json_object_set_new(r->delete_opts, "__deleted", json_array());
    r->cont_key = xstrdup("collection");
    r->coll_index = 0;
    /* The namespace of each item is taken from the item; keep the route's for the answer. */
    collection_next(r);
}

void apiserver__deletecollection(api_req_t *r)
{
    c8s_err_t err = C8S_ERR_INIT;
    if (parse_delete_options(r, &err) != 0)
        return fail(r, &err);
    if (labelsel_parse(apiserver__query(r, "labelSelector"), &r->lsel, &err) != 0 ||
        fieldsel_parse(apiserver__query(r, "fieldSelector"), &r->fsel, &err) != 0)
        return fail(r, &err);
    cleanup_free char *prefix = r->kind->namespaced && r->ns
                                    ? xasprintf("%s%s/", r->res->prefix, r->ns)
                                    : xstrdup(r->res->prefix);
    cleanup_free char *end = xstrdup(prefix);
    end[strlen(end) - 1]++;
    store_range(r->srv->store, prefix, end, 0, 0, on_collection_listed, r);
}
