/*
 * resource.c — one watch cache per stored resource, kept in step with etcd: a paged list at one
 * revision, then a watch from the next; a broken watch resumes from the last revision seen, and
 * a compacted one re-lists (which ends the cache's watchers, as their history is gone).
 */
#include "internal.h"
#include "c8s/jsonr.h"

#include "c8s/jsonw.h"

#include "c8s/jscan.h"

#include <stdio.h>
#include <string.h>

#define LIST_PAGE    1000
#define RETRY_MIN_MS 100
#define RETRY_MAX_MS 5000

static void start_list(resource_t *res, const char *from_key);
static void start_watch(resource_t *res);

char *apiserver__key(const resource_t *res, const char *ns, const char *name)
{
    if (res->kind->namespaced)
        return xasprintf("%s%s/%s", res->prefix, ns ? ns : "", name ? name : "");
    return xasprintf("%s%s", res->prefix, name ? name : "");
}

json_t *apiserver__decode_stored(const char *value, size_t len, int64_t rev)
{
    json_t *obj = jsonr_loadb(value, len, 0, NULL);
    if (!obj || !json_is_object(obj)) {
        json_decref(obj);
        return NULL;
    }
    json_t *md = json_object_get(obj, "metadata");
    if (!json_is_object(md)) {
        md = json_object();
        json_object_set_new(obj, "metadata", md);
    }
    char buf[24];
    snprintf(buf, sizeof(buf), "%lld", (long long)rev);
    json_object_set_new(md, "resourceVersion", json_string(buf));
    return obj;
}

char *apiserver__with_rv(const char *stored, size_t len, int64_t rev, size_t *out_len)
{
    static const char head[] = "{\"metadata\":{\"";
    size_t hl = sizeof(head) - 2; /* up to and including the metadata object's brace */
    if (len < sizeof(head) - 1 || memcmp(stored, head, sizeof(head) - 1) != 0)
        return NULL;
    char field[48];
    int fl = snprintf(field, sizeof(field), "\"resourceVersion\":\"%lld\",", (long long)rev);
    char *out = xmalloc(len + (size_t)fl + 1);
    memcpy(out, stored, hl);
    memcpy(out + hl, field, (size_t)fl);
    memcpy(out + hl + (size_t)fl, stored + hl, len - hl);
    out[len + (size_t)fl] = '\0';
    *out_len = len + (size_t)fl;
    return out;
}

/* Copies the value at a dotted path of src into the same path of dst. */
static void copy_path(json_t *dst, const json_t *src, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", path);
    const json_t *v = src;
    json_t *d = dst;
    char *save = NULL;
    char *tok = strtok_r(buf, ".", &save);
    while (tok) {
        char *next = strtok_r(NULL, ".", &save);
        v = json_is_object(v) ? json_object_get(v, tok) : NULL;
        if (!v)
            return;
        if (!next) {
            json_object_set(d, tok, (json_t *)v);
            return;
        }
        json_t *child = json_object_get(d, tok);
        if (!child) {
            child = json_object();
            json_object_set_new(d, tok, child);
        }
        d = child;
        tok = next;
    }
}

/* Whether a member at prefix ("" for the top level, "metadata." inside it) is one a cache entry
 * is made of: metadata, name, namespace, uid and labels, or a step of a field selector's path. */
static bool member_needed(const resource_t *res, const char *prefix, const char *k, size_t kl)
{
    size_t pl = strlen(prefix);
    if (pl == 0 && kl == 8 && memcmp(k, "metadata", 8) == 0)
        return true;
    if (pl &&
        ((kl == 4 && memcmp(k, "name", 4) == 0) || (kl == 9 && memcmp(k, "namespace", 9) == 0) ||
         (kl == 3 && memcmp(k, "uid", 3) == 0) || (kl == 6 && memcmp(k, "labels", 6) == 0)))
        return true;
    for (const char *const *f = res->kind->field_selectors; f && *f; f++)
        if (strncmp(*f, prefix, pl) == 0 && strncmp(*f + pl, k, kl) == 0 &&
            ((*f)[pl + kl] == '.' || (*f)[pl + kl] == '\0'))
            return true;
    return false;
}

/* The members of the object (or of its metadata) at j that member_needed wants, parsed alone
 * into a new object; the others (a ConfigMap's data, managedFields, annotations) are only
 * walked over. NULL when the text is not a well-formed object. */
static json_t *parse_needed(const resource_t *res, jscan_t *j, const char *prefix)
{
    const char *k, *v;
    size_t kl, vl;
    if (!jscan_enter(j, '{'))
        return NULL;
    json_t *obj = json_object();
    while (jscan_member(j, &k, &kl)) {
        char name[64];
        json_t *m = NULL;
        if (!member_needed(res, prefix, k, kl)) {
            if (!jscan_skip(j, NULL, NULL))
                break;
            continue;
        }
        if (kl >= sizeof(name)) {
            j->bad = true;
            break;
        }
        memcpy(name, k, kl);
        name[kl] = '\0';
        if (!*prefix && strcmp(name, "metadata") == 0)
            m = parse_needed(res, j, "metadata.");
        else if (jscan_skip(j, &v, &vl))
            m = jsonr_loadb(v, vl, JSON_DECODE_ANY, NULL);
        if (!m) {
            j->bad = true;
            break;
        }
        json_object_set_new(obj, name, m);
    }
    if (j->bad) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

/* A cache entry's members of a stored object: a whole parse cost more than the rest of a
 * create's way back through the watch. */
static json_t *parse_entry(const resource_t *res, const char *value, size_t len)
{
    jscan_t j;
    jscan_init(&j, value, len);
    json_t *obj = parse_needed(res, &j, "");
    if (obj && !jscan_done(&j)) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

wc_obj_t *apiserver__obj_from_value(const resource_t *res, const char *key, const char *value,
                                    size_t len, int64_t rev)
{
    /* Our own writes splice; anything else (older data, other writers) is re-serialized. */
    size_t json_len = 0;
    cleanup_free char *json = apiserver__with_rv(value, len, rev, &json_len);
    cleanup_json json_t *obj =
        json ? parse_entry(res, value, len) : apiserver__decode_stored(value, len, rev);
    if (!json_is_object(obj))
        return NULL;
    json_t *md = json_object_get(obj, "metadata");
    if (!json) {
        json = jsonw_dump(obj, NULL);
        if (!json)
            return NULL;
        json_len = strlen(json);
    }
    json_t *labels = json_object_get(md, "labels");
    json_t *fields = json_object();
    copy_path(fields, obj, "metadata.name");
    copy_path(fields, obj, "metadata.namespace");
    for (const char *const *f = res->kind->field_selectors; f && *f; f++)
        copy_path(fields, obj, *f);
    return wc_obj_new(key, json_string_value(json_object_get(md, "namespace")),
                      json_string_value(json_object_get(md, "name")),
                      json_string_value(json_object_get(md, "uid")), rev, json, json_len,
                      json_is_object(labels) ? json_incref(labels) : NULL, fields);
}

static void run_waiters(resource_t *res)
{
    api_req_t **w = res->waiters;
    size_t n = res->n_waiters;
    res->waiters = NULL;
    res->n_waiters = res->cap_waiters = 0;
    for (size_t i = 0; i < n; i++) {
        api_req_t *r = w[i];
        void (*fn)(api_req_t *) = r->next;
        r->next = NULL;
        if (res->closing)
            apiserver__respond_code(r, C8S_EUNAVAILABLE, "the server is shutting down");
        else
            fn(r);
    }
    free(w);
}

void apiserver__when_ready(resource_t *res, api_req_t *r, void (*fn)(api_req_t *r))
{
    if (res->ready) {
        fn(r);
        return;
    }
    if (res->n_waiters == res->cap_waiters) {
        res->cap_waiters = res->cap_waiters ? res->cap_waiters * 2 : 8;
        res->waiters = xrealloc(res->waiters, res->cap_waiters * sizeof(*res->waiters));
    }
    r->next = fn;
    res->waiters[res->n_waiters++] = r;
}

static void on_retry(uv_timer_t *t)
{
    resource_t *res = t->data;
    if (res->closing)
        return;
    if (res->ready)
        start_watch(res);
    else
        start_list(res, NULL);
}

static void schedule_retry(resource_t *res)
{
    res->retry_ms = res->retry_ms ? res->retry_ms * 2 : RETRY_MIN_MS;
    if (res->retry_ms > RETRY_MAX_MS)
        res->retry_ms = RETRY_MAX_MS;
    uv_timer_start(&res->retry, on_retry, (uint64_t)res->retry_ms, 0);
}

static void drop_pending(resource_t *res)
{
    for (size_t i = 0; i < res->n_pending; i++)
        wc_obj_unref(res->pending[i]);
    res->n_pending = 0;
}

static void on_list_page(const store_result_t *rr, void *data)
{
    resource_t *res = data;
    if (res->closing) {
        drop_pending(res);
        return;
    }
    if (rr->code != 0) {
        /* An outage is reported by /readyz; anything else (a value that cannot be decrypted)
         * would leave the cache unready with no word of why. */
        if (rr->code != C8S_EUNAVAILABLE)
            log_warn("apiserver", "%s: list failed, retrying: %s", res->kind->resource,
                     rr->err ? rr->err->msg : "");
        drop_pending(res);
        schedule_retry(res);
        return;
    }
    if (res->list_rev == 0)
        res->list_rev = rr->revision;
    for (size_t i = 0; i < rr->n_kvs; i++) {
        const store_kv_t *kv = &rr->kvs[i];
        wc_obj_t *o =
            apiserver__obj_from_value(res, kv->key, kv->value, kv->value_len, kv->mod_revision);
        if (!o) {
            log_warn("apiserver", "skipping malformed value at %s", kv->key);
            continue;
        }
        if (res->n_pending == res->cap_pending) {
            res->cap_pending = res->cap_pending ? res->cap_pending * 2 : 256;
            res->pending = xrealloc(res->pending, res->cap_pending * sizeof(*res->pending));
        }
        res->pending[res->n_pending++] = o;
    }
    if (rr->more && rr->n_kvs > 0) {
        /* Next page at the same revision: the key after the last one. */
        const store_kv_t *last = &rr->kvs[rr->n_kvs - 1];
        cleanup_free char *next = xmalloc(last->key_len + 2);
        memcpy(next, last->key, last->key_len);
        next[last->key_len] = '\0';
        next[last->key_len + 1] = '\0';
        start_list(res, next);
        return;
    }
    wcache_replace(res->cache, res->pending, res->n_pending, res->list_rev);
    res->n_pending = 0;
    res->ready = true;
    res->retry_ms = 0;
    start_watch(res);
    run_waiters(res);
}

/* from_key: continue a paged list after this key (it is the last key seen; a NUL is appended
 * to start just past it). */
static void start_list(resource_t *res, const char *from_key)
{
    if (!from_key) {
        drop_pending(res);
        res->list_rev = 0;
        res->ready = false;
    }
    cleanup_free char *end = xstrdup(res->prefix);
    end[strlen(end) - 1]++; /* '/' + 1 = '0': the prefix range */
    if (from_key) {
        /* etcd compares bytes: key + "\0" is the smallest key after key. The gateway takes the
         * key as base64, so a trailing NUL needs the length-aware range API; instead continue
         * from the same key and skip it. */
        size_t n = strlen(from_key);
        cleanup_free char *k = xmalloc(n + 2);
        memcpy(k, from_key, n);
        k[n] = '\x01';
        k[n + 1] = '\0';
        store_range(res->srv->store, k, end, res->list_rev, LIST_PAGE, on_list_page, res);
        return;
    }
    store_range(res->srv->store, res->prefix, end, 0, LIST_PAGE, on_list_page, res);
}

static void on_watch(store_watch_t *w, store_watch_status_t status, int64_t revision,
                     const store_event_t *events, size_t n, const c8s_err_t *err, void *data)
{
    resource_t *res = data;
    switch (status) {
    case STORE_WATCH_EVENTS:
        for (size_t i = 0; i < n; i++) {
            const store_event_t *ev = &events[i];
            int64_t rev = ev->kv.mod_revision;
            if (ev->type == STORE_EVENT_PUT) {
                wc_obj_t *o =
                    apiserver__obj_from_value(res, ev->kv.key, ev->kv.value, ev->kv.value_len, rev);
                if (o)
                    wcache_apply(res->cache, false, ev->kv.key, o, rev);
                else
                    wcache_advance(res->cache, rev);
            } else {
                wc_obj_t *o = NULL;
                if (ev->prev_kv && ev->prev_kv->value)
                    o = apiserver__obj_from_value(res, ev->kv.key, ev->prev_kv->value,
                                                  ev->prev_kv->value_len, rev);
                wcache_apply(res->cache, true, ev->kv.key, o, rev);
            }
        }
        wcache_advance(res->cache, revision);
        res->retry_ms = 0;
        break;
    case STORE_WATCH_PROGRESS:
        wcache_advance(res->cache, revision);
        break;
    case STORE_WATCH_COMPACTED:
        res->watch = NULL;
        if (!res->closing) {
            log_info("apiserver", "%s: watch history compacted at %lld; re-listing",
                     res->kind->resource, (long long)revision);
            res->ready = false;
            start_list(res, NULL);
        }
        break;
    case STORE_WATCH_ERROR:
        res->watch = NULL;
        if (!res->closing) {
            if (err && err->code != C8S_EUNAVAILABLE)
                log_warn("apiserver", "%s: watch failed (%s); resuming", res->kind->resource,
                         err->msg);
            else
                log_debug("apiserver", "%s: watch broke (%s); resuming", res->kind->resource,
                          err ? err->msg : "");
            schedule_retry(res);
        }
        break;
    case STORE_WATCH_CLOSED:
        res->watch = NULL;
        break;
    }
}

static void start_watch(resource_t *res)
{
    res->watch =
        store_watch(res->srv->store, res->prefix, wcache_rev(res->cache) + 1, on_watch, res);
}

resource_t *apiserver__resource_for(apiserver_t *s, const api_kind_t *k)
{
    const char *sr = k->storage_resource ? k->storage_resource : k->resource;
    for (size_t i = 0; i < s->n_resources; i++) {
        const api_kind_t *rk = s->resources[i].kind;
        const char *rsr = rk->storage_resource ? rk->storage_resource : rk->resource;
        if (strcmp(rsr, sr) == 0 && strcmp(rk->group, k->group) == 0)
            return &s->resources[i];
    }
    return NULL;
}

int apiserver__resources_init(apiserver_t *s)
{
    size_t n = api_kinds_count();
    s->resources = xcalloc(n, sizeof(*s->resources));
    for (size_t i = 0; i < n; i++) {
        const api_kind_t *k = api_kind_at(i);
        if (!api_kind_stored(k) || apiserver__resource_for(s, k))
            continue; /* never stored, or another version of the same storage */
        resource_t *res = &s->resources[s->n_resources++];
        res->srv = s;
        res->kind = k;
        res->prefix = xasprintf("%s/%s/", s->etcd_prefix,
                                k->storage_resource ? k->storage_resource : k->resource);
        res->cache = wcache_new((size_t)s->cfg.watch_cache_window);
        uv_timer_init(&s->loop, &res->retry);
        res->retry.data = res;
        start_list(res, NULL);
    }
    return 0;
}

void apiserver__resources_free(apiserver_t *s)
{
    apiserver__rbac_free(s);
    apiserver__nodeidx_free(s);
    for (size_t i = 0; i < s->n_resources; i++) {
        resource_t *res = &s->resources[i];
        wcache_free(res->cache);
        free(res->prefix);
        drop_pending(res);
        free(res->pending);
        free(res->waiters);
    }
}

void apiserver__resources_close(apiserver_t *s)
{
    for (size_t i = 0; i < s->n_resources; i++) {
        resource_t *res = &s->resources[i];
        res->closing = true;
        run_waiters(res);
        if (res->watch)
            store_watch_cancel(res->watch);
        uv_close((uv_handle_t *)&res->retry, NULL);
    }
}
