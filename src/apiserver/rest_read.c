/*
 * rest_read.c — get and list. resourceVersion "" reads etcd (a consistent read, as upstream);
 * any other resourceVersion is served from the watch cache. Paged lists carry a continue token
 * naming the revision and next key, and continue from etcd at that revision (410 once compacted).
 */
#include "internal.h"
#include "c8s/jsonr.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

int apiserver__err_notfound(api_req_t *r, c8s_err_t *err)
{
    return c8s_err_set(err, C8S_ENOTFOUND, "%s \"%s\" not found", apiserver__qualified(r),
                       r->name ? r->name : "");
}

int apiserver__store_err(const store_result_t *res, c8s_err_t *err)
{
    return c8s_err_set(err, res->code, "%s", res->err ? res->err->msg : "etcd error");
}

bool apiserver__cas_landed(api_req_t *r, const store_result_t *res, void (*again)(api_req_t *r))
{
    c8s_err_t err = C8S_ERR_INIT;
    if (res->code != 0) {
        apiserver__store_err(res, &err);
    } else if (!res->succeeded) {
        if (++r->attempts < 8) {
            again(r);
            return false;
        }
        c8s_err_set(&err, C8S_ECONFLICT, "too many conflicting writes; try again");
    } else {
        return true;
    }
    if (r->alloc)
        apiserver__alloc_release(r->srv, r->alloc);
    apiserver__respond_err(r, &err);
    c8s_err_clear(&err);
    return false;
}

int apiserver__take_current(api_req_t *r, const store_result_t *res, c8s_err_t *err)
{
    if (res->code != 0)
        return apiserver__store_err(res, err);
    if (res->n_kvs == 0)
        return apiserver__err_notfound(r, err);
    json_decref(r->old);
    r->old = apiserver__decode_stored(res->kvs[0].value, res->kvs[0].value_len,
                                      res->kvs[0].mod_revision);
    r->old_rev = res->kvs[0].mod_revision;
    if (!r->old)
        return c8s_err_set(err, C8S_EINTERNAL, "stored object is not valid JSON");
    return 0;
}

static const char *rv_param(const api_req_t *r)
{
    const char *rv = apiserver__query(r, "resourceVersion");
    return rv ? rv : "";
}

/* ---- get ---- */

static void on_get(const store_result_t *res, void *data)
{
    api_req_t *r = data;
    if (res->code != 0)
        return apiserver__respond_err(r, res->err);
    if (res->n_kvs == 0) {
        c8s_err_t err = C8S_ERR_INIT;
        apiserver__err_notfound(r, &err);
        apiserver__respond_err(r, &err);
        return c8s_err_clear(&err);
    }
    json_t *obj = apiserver__decode_stored(res->kvs[0].value, res->kvs[0].value_len,
                                           res->kvs[0].mod_revision);
    if (!obj)
        return apiserver__respond_code(r, C8S_EINTERNAL, "stored object is not valid JSON");
    apiserver__respond_obj(r, 200, apiserver__transform_obj(r, obj, true));
}

static void get_from_cache(api_req_t *r)
{
    cleanup_free char *key = apiserver__key(r->res, r->ns, r->name);
    wc_obj_t *o = wcache_get(r->res->cache, key);
    if (!o) {
        c8s_err_t err = C8S_ERR_INIT;
        apiserver__err_notfound(r, &err);
        apiserver__respond_err(r, &err);
        return c8s_err_clear(&err);
    }
    if (apiserver__wants_yaml(r) || r->as != APISERVER_AS_OBJECT) {
        json_t *obj = jsonr_loadb(o->json, o->json_len, 0, NULL);
        if (!obj)
            return apiserver__respond_code(r, C8S_EINTERNAL, "cached object is not valid JSON");
        return apiserver__respond_obj(r, 200, apiserver__transform_obj(r, obj, true));
    }
    apiserver__respond(r, 200, "application/json", o->json, o->json_len);
}

/* Chooses the answer's form; false when it has answered the request with an error. */
static bool negotiate(api_req_t *r, bool list)
{
    c8s_err_t err = C8S_ERR_INIT;
    if (apiserver__negotiate(r, list, false, &err) == 0)
        return true;
    apiserver__respond_err(r, &err);
    c8s_err_clear(&err);
    return false;
}

void apiserver__get(api_req_t *r)
{
    if (r->subresource && strcmp(r->subresource, "status") != 0 &&
        strcmp(r->subresource, "approval") != 0)
        return apiserver__respond_code(r, C8S_ENOTFOUND,
                                       "the server could not find the "
                                       "requested resource");
    if (!negotiate(r, false))
        return;
    if (*rv_param(r))
        return apiserver__when_ready(r->res, r, get_from_cache);
    cleanup_free char *key = apiserver__key(r->res, r->ns, r->name);
    store_get(r->srv->store, key, 0, on_get, r);
}

/* ---- list ---- */

static int parse_selectors(api_req_t *r, c8s_err_t *err)
{
    if (labelsel_parse(apiserver__query(r, "labelSelector"), &r->lsel, err) != 0)
        return err->code;
    if (fieldsel_parse(apiserver__query(r, "fieldSelector"), &r->fsel, err) != 0)
        return err->code;
    static const char *const base[] = {"metadata.name", "metadata.namespace", NULL};
    const char *const *allowed = r->kind->field_selectors ? r->kind->field_selectors : base;
    if (fieldsel_check(r->fsel, allowed, err) != 0) {
        /* metadata.name/namespace are always allowed even if the table omits them. */
        c8s_err_t e2 = C8S_ERR_INIT;
        if (fieldsel_check(r->fsel, base, &e2) != 0) {
            c8s_err_clear(&e2);
            return err->code;
        }
        c8s_err_clear(err);
    }
    return 0;
}

static bool obj_matches(const api_req_t *r, const json_t *labels, const json_t *fields)
{
    return labelsel_matches(r->lsel, labels) && fieldsel_matches(r->fsel, fields);
}

static char *encode_continue(int64_t rev, const char *next_key_rel)
{
    json_t *tok = json_pack("{s:s, s:I, s:s}", "v", "meta.k8s.io/v1", "rv", (json_int_t)rev,
                            "start", next_key_rel);
    cleanup_free char *raw = json_dumps(tok, JSON_COMPACT);
    json_decref(tok);
    size_t n = strlen(raw);
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)raw, (int)n);
    return out;
}

static int decode_continue(const char *tok, int64_t *rev, char **start, c8s_err_t *err)
{
    size_t n = strlen(tok);
    cleanup_free unsigned char *raw = xmalloc(n + 1);
    int len = EVP_DecodeBlock(raw, (const unsigned char *)tok, (int)n);
    if (len < 0)
        return c8s_err_set(err, C8S_EBADREQUEST, "continue key is not valid: illegal base64");
    while (len > 0 && raw[len - 1] == '\0')
        len--;
    cleanup_json json_t *j = jsonr_loadb((const char *)raw, (size_t)len, 0, NULL);
    json_int_t rv = 0;
    const char *s = NULL;
    if (!j || json_unpack(j, "{s:I, s:s}", "rv", &rv, "start", &s) != 0 || rv <= 0)
        return c8s_err_set(err, C8S_EBADREQUEST, "continue key is not valid");
    if (strstr(s, "..") || s[0] == '/')
        return c8s_err_set(err, C8S_EBADREQUEST, "continue key is not valid: invalid start");
    *rev = rv;
    *start = xstrdup(s);
    return 0;
}

static char *list_prefix(const api_req_t *r)
{
    if (r->kind->namespaced && r->ns)
        return xasprintf("%s%s/", r->res->prefix, r->ns);
    return xstrdup(r->res->prefix);
}

static void respond_list(api_req_t *r, int64_t rev, const char *cont, int64_t remaining)
{
    char apiv[64], list_kind[128], rvs[24];
    api_kind_api_version(r->kind, apiv, sizeof(apiv));
    snprintf(list_kind, sizeof(list_kind), "%s", r->kind->list_kind);
    snprintf(rvs, sizeof(rvs), "%lld", (long long)rev);
    json_t *md = json_pack("{s:s}", "resourceVersion", rvs);
    if (cont) {
        json_object_set_new(md, "continue", json_string(cont));
        if (remaining >= 0)
            json_object_set_new(md, "remainingItemCount", json_integer(remaining));
    }
    json_t *list = json_pack("{s:s, s:s, s:o, s:O}", "kind", list_kind, "apiVersion", apiv,
                             "metadata", md, "items", r->items ? r->items : json_array());
    apiserver__respond_obj(r, 200, apiserver__transform_list(r, list));
}

/* From the cache: assemble the list text from the cached objects' JSON without reparsing. */
typedef struct {
    api_req_t *r;
    char *buf;
    size_t len, cap;
    size_t count;
} list_acc_t;

static void acc_put(list_acc_t *a, const char *s, size_t n)
{
    if (a->len + n + 1 > a->cap) {
        a->cap = (a->len + n + 1) * 2;
        a->buf = xrealloc(a->buf, a->cap);
    }
    memcpy(a->buf + a->len, s, n);
    a->len += n;
}

static bool cache_visit(wc_obj_t *o, void *data)
{
    list_acc_t *a = data;
    if (!obj_matches(a->r, o->labels, o->fields))
        return true;
    if (a->count++ > 0)
        acc_put(a, ",", 1);
    acc_put(a, o->json, o->json_len);
    return true;
}

static void list_from_cache(api_req_t *r)
{
    cleanup_free char *prefix = list_prefix(r);
    char apiv[64], head[256];
    api_kind_api_version(r->kind, apiv, sizeof(apiv));
    int hn = snprintf(head, sizeof(head),
                      "{\"kind\":\"%s\",\"apiVersion\":\"%s\",\"metadata\":{\"resourceVersion\":"
                      "\"%lld\"},\"items\":[",
                      r->kind->list_kind, apiv, (long long)wcache_rev(r->res->cache));
    list_acc_t a = {.r = r};
    acc_put(&a, head, (size_t)hn);
    const char *name = fieldsel_exact(r->fsel, "metadata.name");
    if (name && (r->ns || !r->kind->namespaced)) {
        cleanup_free char *key = apiserver__key(r->res, r->ns, name);
        wc_obj_t *o = wcache_get(r->res->cache, key);
        if (o)
            cache_visit(o, &a);
    } else {
        wcache_scan(r->res->cache, prefix, NULL, cache_visit, &a);
    }
    acc_put(&a, "]}", 2);
    if (apiserver__wants_yaml(r) || r->as != APISERVER_AS_OBJECT) {
        json_t *obj = jsonr_loadb(a.buf, a.len, 0, NULL);
        free(a.buf);
        if (!obj)
            return apiserver__respond_code(r, C8S_EINTERNAL, "cached object is not valid JSON");
        return apiserver__respond_obj(r, 200, apiserver__transform_list(r, obj));
    }
    apiserver__respond(r, 200, "application/json", a.buf, a.len);
    free(a.buf);
}

static void list_page(api_req_t *r);

static void on_list_range(const store_result_t *res, void *data)
{
    api_req_t *r = data;
    if (res->code != 0) {
        if (res->code == C8S_EGONE) {
            c8s_err_t err = C8S_ERR_INIT;
            c8s_err_set(&err, C8S_EGONE,
                        "The provided continue parameter is too old to display a consistent list "
                        "result. You can start a new list without the continue parameter, or use "
                        "the continue token in this response to retrieve the remainder of the "
                        "results. Continuing with the provided token results in an inconsistent "
                        "list - objects that were created, modified, or deleted between the time "
                        "the first chunk was returned and now may show up in the list.");
            apiserver__respond_err(r, &err);
            return c8s_err_clear(&err);
        }
        return apiserver__respond_err(r, res->err);
    }
    if (r->list_rev == 0)
        r->list_rev = res->revision;
    if (!r->items)
        r->items = json_array();
    const store_kv_t *last = NULL;
    size_t used = 0;
    for (size_t i = 0; i < res->n_kvs; i++) {
        const store_kv_t *kv = &res->kvs[i];
        used++;
        last = kv;
        json_t *obj = apiserver__decode_stored(kv->value, kv->value_len, kv->mod_revision);
        if (!obj)
            continue;
        if (obj_matches(r, json_object_get(json_object_get(obj, "metadata"), "labels"), obj))
            json_array_append_new(r->items, obj);
        else
            json_decref(obj);
        if (r->limit > 0 && (int64_t)json_array_size(r->items) >= r->limit)
            break;
    }
    bool more = res->more || used < res->n_kvs;
    if (more && last && (r->limit <= 0 || (int64_t)json_array_size(r->items) < r->limit)) {
        /* The page was thinned by selectors: read on. */
        free(r->cont_key);
        r->cont_key = xasprintf("%s\x01", last->key);
        return list_page(r);
    }
    if (more && last) {
        const char *rel = last->key + strlen(r->res->prefix);
        cleanup_free char *start = xasprintf("%s\x01", rel);
        cleanup_free char *tok = encode_continue(r->list_rev, start);
        int64_t remaining = -1;
        if (!r->lsel || labelsel_empty(r->lsel)) {
            if (fieldsel_count(r->fsel) == 0)
                remaining = res->count - (int64_t)used;
        }
        return respond_list(r, r->list_rev, tok, remaining > 0 ? remaining : -1);
    }
    respond_list(r, r->list_rev, NULL, -1);
}

static void list_page(api_req_t *r)
{
    cleanup_free char *prefix = list_prefix(r);
    cleanup_free char *end = xstrdup(prefix);
    end[strlen(end) - 1]++;
    const char *from = r->cont_key ? r->cont_key : prefix;
    store_range(r->srv->store, from, end, r->list_rev, r->limit > 0 ? r->limit : 0, on_list_range,
                r);
}

void apiserver__list(api_req_t *r)
{
    c8s_err_t err = C8S_ERR_INIT;
    if (!negotiate(r, true))
        return;
    if (parse_selectors(r, &err) != 0) {
        apiserver__respond_err(r, &err);
        return c8s_err_clear(&err);
    }
    long long lim = 0;
    if (apiserver__query_int(r, "limit", &lim, &err) != 0) {
        apiserver__respond_err(r, &err);
        return c8s_err_clear(&err);
    }
    r->limit = lim;
    const char *cont = apiserver__query(r, "continue");
    const char *rv = rv_param(r);
    if (cont && *cont) {
        cleanup_free char *start = NULL;
        if (decode_continue(cont, &r->list_rev, &start, &err) != 0) {
            apiserver__respond_err(r, &err);
            return c8s_err_clear(&err);
        }
        r->cont_key = xasprintf("%s%s", r->res->prefix, start);
        return list_page(r);
    }
    /* Upstream serves resourceVersion="0" from the cache and ignores the limit there. */
    if (*rv && !(r->limit > 0 && strcmp(rv, "0") != 0))
        return apiserver__when_ready(r->res, r, list_from_cache);
    if (*rv && strcmp(rv, "0") != 0) {
        r->list_rev = strtoll(rv, NULL, 10);
        if (r->list_rev <= 0) {
            c8s_err_set(&err, C8S_EBADREQUEST, "invalid resourceVersion %s", rv);
            apiserver__respond_err(r, &err);
            return c8s_err_clear(&err);
        }
    }
    list_page(r);
}
