/*
 * etcd.c — unary requests to etcd's v3 JSON gateway: the request bodies (range, txn for
 * create/update/delete, compaction, leases), endpoint fail-over, the parsing of answers into a
 * store_result_t, health tracking with a light periodic probe, and the store's life cycle.
 */
#include "store_int.h"
#include "c8s/jsonr.h"

#include "c8s/strbuf.h"

#include <openssl/evp.h>

#include <inttypes.h>
#include <string.h>

#define PROBE_INTERVAL_MS 1000 /* probe cadence while unhealthy */
#define PROBE_IDLE_MS     5000 /* probe when healthy but nothing succeeded for this long */

/* ---- life cycle ---- */

static void on_probe_timer(uv_timer_t *t);

int store_new(uv_loop_t *loop, const store_config_t *cfg, store_t **out, c8s_err_t *err)
{
    static bool curl_ready;
    if (!cfg || !cfg->endpoints || !cfg->endpoints[0])
        return c8s_err_set(err, C8S_EBADREQUEST, "store: no etcd endpoints");
    size_t n = 0;
    for (; cfg->endpoints[n]; n++) {
        const char *e = cfg->endpoints[n];
        if (strncmp(e, "http://", 7) != 0 && strncmp(e, "https://", 8) != 0)
            return c8s_err_set(err, C8S_EBADREQUEST, "store: endpoint %s is not an http(s) URL", e);
    }
    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return c8s_err_set(err, C8S_EINTERNAL, "curl_global_init failed");
        curl_ready = true;
    }
    store_t *s = xcalloc(1, sizeof(*s));
    s->loop = loop;
    s->endpoints = xcalloc(n, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        /* Strip a trailing '/' so "<endpoint>/v3/..." is well formed. */
        size_t len = strlen(cfg->endpoints[i]);
        while (len > 0 && cfg->endpoints[i][len - 1] == '/')
            len--;
        s->endpoints[i] = xstrndup(cfg->endpoints[i], len);
    }
    s->n_endpoints = n;
    s->request_timeout_ms = cfg->request_timeout_ms > 0 ? cfg->request_timeout_ms : 5000;
    s->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 1000;
    s->healthy = true; /* optimistic until the first request says otherwise */
    s->last_ok_ms = c8s_now_ms();
    int rc = store__curl_init(s, err);
    if (rc < 0) {
        for (size_t i = 0; i < n; i++)
            free(s->endpoints[i]);
        free(s->endpoints);
        free(s);
        return rc;
    }
    s->headers = curl_slist_append(NULL, "Content-Type: application/json");
    /* No "Expect: 100-continue" round trip: etcd answers at once anyway. */
    s->headers = curl_slist_append(s->headers, "Expect:");
    uv_timer_init(loop, &s->probe_timer);
    s->probe_timer.data = s;
    uv_timer_start(&s->probe_timer, on_probe_timer, PROBE_INTERVAL_MS, PROBE_INTERVAL_MS);
    /* The probe alone must not keep a loop running. */
    uv_unref((uv_handle_t *)&s->probe_timer);
    *out = s;
    return 0;
}

void store_close(store_t *s, void (*done)(void *data), void *data)
{
    if (s->closing)
        return;
    s->closing = true;
    s->done = done;
    s->done_data = data;
    uv_timer_stop(&s->probe_timer);
    s->dispatch_depth++; /* callbacks below may re-enter; tear down once, after them */
    store__reqs_abort(s);
    store__watches_close(s);
    s->dispatch_depth--;
    if (s->dispatch_depth == 0 && !s->torn_down)
        store__teardown(s);
}

bool store_healthy(const store_t *s)
{
    return s->healthy;
}

void store__set_healthy(store_t *s, bool healthy)
{
    if (healthy != s->healthy)
        log_info(STORE_ROOM, "etcd is %s", healthy ? "reachable again" : "unreachable");
    s->healthy = healthy;
    if (healthy)
        s->last_ok_ms = c8s_now_ms();
}

/* ---- requests ---- */

static size_t on_write(char *p, size_t size, size_t n, void *userp)
{
    store_req_t *r = userp;
    store__buf_append(&r->resp, p, size * n);
    return size * n;
}

void store__easy_common(store_t *s, CURL *easy, const char *url)
{
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, s->headers);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, (long)s->connect_timeout_ms);
    curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
}

static void req_start(store_req_t *r)
{
    store_t *s = r->s;
    size_t ep = (r->ep_first + r->tries) % s->n_endpoints;
    r->tries++;
    cleanup_free char *url = xasprintf("%s%s", s->endpoints[ep], r->path);
    if (!r->easy)
        r->easy = store__easy_get(s);
    CURL *e = r->easy;
    store__easy_common(s, e, url);
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(r->body));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)s->request_timeout_ms);
    r->errbuf[0] = '\0';
    r->resp.len = 0;
    store__curl_add(s, e);
}

static void req_link(store_req_t *r)
{
    store_t *s = r->s;
    r->next = s->reqs;
    if (s->reqs)
        s->reqs->prev = r;
    s->reqs = r;
}

static void req_unlink(store_req_t *r)
{
    store_t *s = r->s;
    if (r->prev)
        r->prev->next = r->next;
    else
        s->reqs = r->next;
    if (r->next)
        r->next->prev = r->prev;
    r->prev = r->next = NULL;
}

void store__result_free(store_result_t *res)
{
    for (size_t i = 0; i < res->n_kvs; i++)
        store__kv_free(&res->kvs[i]);
    free(res->kvs);
    if (res->prev_kv) {
        store__kv_free(res->prev_kv);
        free(res->prev_kv);
    }
}

/* Calls the callback with res, then frees the request (its easy handle goes back to the pool). */
static const char *op_name(store_op_t op)
{
    switch (op) {
    case STORE_OP_RANGE:
        return "range";
    case STORE_OP_TXN:
        return "txn";
    case STORE_OP_COMPACT:
        return "compaction";
    case STORE_OP_LEASE_GRANT:
        return "lease_grant";
    case STORE_OP_LEASE_KEEPALIVE:
        return "lease_keepalive";
    case STORE_OP_LEASE_REVOKE:
        return "lease_revoke";
    default:
        return "other";
    }
}

void store_set_crypt(store_t *s, const store_crypt_t *c)
{
    s->crypt = c;
}

int store__kv_untransform(const store_t *s, store_kv_t *kv, c8s_err_t *err)
{
    if (!s->crypt || !kv->value)
        return 0;
    char *plain;
    size_t plain_len;
    if (store_crypt_from_storage(s->crypt, kv->key, kv->value, kv->value_len, &plain, &plain_len,
                                 err) < 0)
        return c8s_err_wrap(err, "unable to transform key \"%s\"", kv->key);
    if (plain) {
        free(kv->value);
        kv->value = plain;
        kv->value_len = plain_len;
    }
    return 0;
}

void store__prev_untransform(const store_t *s, store_kv_t **prev)
{
    cleanup_err c8s_err_t err = C8S_ERR_INIT;
    if (!*prev || store__kv_untransform(s, *prev, &err) == 0)
        return;
    log_warn(STORE_ROOM, "%s; its previous value is dropped", err.msg);
    store__kv_free(*prev);
    free(*prev);
    *prev = NULL;
}

void store_set_observer(store_t *s, store_observer_cb cb, void *data)
{
    s->observer = cb;
    s->observer_data = data;
}

static void req_finish(store_req_t *r, store_result_t *res)
{
    store_t *s = r->s;
    req_unlink(r);
    if (s->observer && r->op != STORE_OP_PROBE)
        s->observer(op_name(r->op), (double)(c8s_now_ns() - r->start_ns) / 1e9, res->code,
                    s->observer_data);
    if (r->easy) {
        store__easy_put(s, r->easy);
        r->easy = NULL;
    }
    if (r->op == STORE_OP_PROBE)
        s->probe_in_flight = false;
    else if (r->cb)
        r->cb(res, r->data);
    store__result_free(res);
    store__buf_free(&r->resp);
    free(r->body);
    free(r);
}

static void req_fail(store_req_t *r, int code, c8s_err_t *err)
{
    store_result_t res = {.code = code, .err = err};
    req_finish(r, &res);
}

/* body: the request's JSON, owned (taken). */
static void req_submit_body(store_t *s, store_op_t op, const char *path, char *body,
                            bool idempotent, bool raw, store_cb cb, void *data)
{
    store_req_t *r = xcalloc(1, sizeof(*r));
    r->raw = raw;
    r->start_ns = c8s_now_ns();
    r->kind = STORE_XFER_REQ;
    r->s = s;
    r->op = op;
    r->path = path;
    r->body = body;
    r->idempotent = idempotent;
    r->cb = cb;
    r->data = data;
    r->ep_first = s->good;
    req_link(r);
    if (s->closing) {
        cleanup_err c8s_err_t err = C8S_ERR_INIT;
        c8s_err_set(&err, C8S_EUNAVAILABLE, "store closed");
        req_fail(r, C8S_EUNAVAILABLE, &err);
        return;
    }
    req_start(r);
}

static void req_submit_ex(store_t *s, store_op_t op, const char *path, json_t *body,
                          bool idempotent, bool raw, store_cb cb, void *data)
{
    char *text = store__json_dump(body);
    json_decref(body);
    req_submit_body(s, op, path, text, idempotent, raw, cb, data);
}

static void req_submit(store_t *s, store_op_t op, const char *path, json_t *body, bool idempotent,
                       store_cb cb, void *data)
{
    req_submit_ex(s, op, path, body, idempotent, false, cb, data);
}

void store__reqs_abort(store_t *s)
{
    while (s->reqs) {
        store_req_t *r = s->reqs;
        if (r->easy)
            store__curl_remove(s, r->easy);
        cleanup_err c8s_err_t err = C8S_ERR_INIT;
        c8s_err_set(&err, C8S_EUNAVAILABLE, "store closed");
        req_fail(r, C8S_EUNAVAILABLE, &err);
    }
}

bool store__connect_failure(CURL *easy, CURLcode rc)
{
    if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST)
        return true;
    if (rc == CURLE_OPERATION_TIMEDOUT) {
        curl_off_t connect_us = 0;
        curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connect_us);
        return connect_us == 0;
    }
    return false;
}

/* Maps an etcd error ({"error","message","code"} or a stream's {"error":{"grpc_code",…}}). */
static int etcd_error(store_t *s, long http, const json_t *j, const char *raw, c8s_err_t *err)
{
    const json_t *e = json_object_get(j, "error");
    int64_t code = store__json_int(j, "code");
    const char *msg = json_string_value(json_object_get(j, "message"));
    if (json_is_object(e)) {
        code = store__json_int(e, "grpc_code");
        msg = json_string_value(json_object_get(e, "message"));
    } else if (!msg) {
        msg = json_string_value(e);
    }
    if (!msg)
        msg = raw && raw[0] ? raw : "no message";
    int c = C8S_EINTERNAL;
    if (code == 11 && strstr(msg, "compacted"))
        c = C8S_EGONE;
    else if (code == 5)
        c = C8S_ENOTFOUND;
    else if (code == 14) {
        c = C8S_EUNAVAILABLE;
        store__set_healthy(s, false);
    } else if (code == 4)
        c = C8S_ETIMEOUT;
    else if (strstr(msg, "too large"))
        c = C8S_ETOOLARGE;
    return c8s_err_set(err, c, "etcd: %s (HTTP %ld, code %" PRId64 ")", msg, http, code);
}

static int kvs_parse(const json_t *arr, store_result_t *res)
{
    size_t n = json_array_size(arr);
    if (!n)
        return 0;
    res->kvs = xcalloc(n, sizeof(store_kv_t));
    for (size_t i = 0; i < n; i++) {
        if (store__kv_parse(json_array_get(arr, i), &res->kvs[i]) < 0)
            return -1;
        res->n_kvs++;
    }
    return 0;
}

static int prev_kv_parse(const json_t *j, store_result_t *res)
{
    if (!json_is_object(j))
        return 0;
    res->prev_kv = xcalloc(1, sizeof(store_kv_t));
    return store__kv_parse(j, res->prev_kv);
}

static int txn_parse(const json_t *j, store_result_t *res)
{
    res->succeeded = json_is_true(json_object_get(j, "succeeded"));
    const json_t *op = json_array_get(json_object_get(j, "responses"), 0);
    const json_t *x;
    if ((x = json_object_get(op, "response_put")))
        return prev_kv_parse(json_object_get(x, "prev_kv"), res);
    if ((x = json_object_get(op, "response_range")))
        return kvs_parse(json_object_get(x, "kvs"), res);
    if ((x = json_object_get(op, "response_delete_range")))
        return prev_kv_parse(json_array_get(json_object_get(x, "prev_kvs"), 0), res);
    return 0;
}

static int body_parse(store_op_t op, const json_t *j, store_result_t *res)
{
    /* The lease keepalive stream wraps its answer in "result". */
    if (op == STORE_OP_LEASE_KEEPALIVE && json_is_object(json_object_get(j, "result")))
        j = json_object_get(j, "result");
    res->revision = store__json_int(json_object_get(j, "header"), "revision");
    switch (op) {
    case STORE_OP_RANGE:
        res->count = store__json_int(j, "count");
        res->more = json_is_true(json_object_get(j, "more"));
        return kvs_parse(json_object_get(j, "kvs"), res);
    case STORE_OP_TXN:
        return txn_parse(j, res);
    case STORE_OP_LEASE_GRANT:
    case STORE_OP_LEASE_KEEPALIVE:
        res->lease_id = store__json_int(j, "ID");
        res->lease_ttl = store__json_int(j, "TTL");
        return 0;
    default:
        return 0;
    }
}

/* A value that cannot be read fails the whole answer, as upstream fails a get or a list: a
 * partial list would look complete. Not so the previous value of a txn that etcd has applied:
 * reporting that write as failed would be a lie. */
static int result_untransform(const store_t *s, store_result_t *res, c8s_err_t *err)
{
    for (size_t i = 0; i < res->n_kvs; i++)
        if (store__kv_untransform(s, &res->kvs[i], err) < 0)
            return -1;
    store__prev_untransform(s, &res->prev_kv);
    return 0;
}

void store__req_done(store_req_t *r, CURLcode rc)
{
    store_t *s = r->s;
    store__curl_remove(s, r->easy);
    size_t ep = (r->ep_first + r->tries - 1) % s->n_endpoints;
    cleanup_err c8s_err_t err = C8S_ERR_INIT;
    if (rc != CURLE_OK) {
        bool never_arrived = store__connect_failure(r->easy, rc);
        if ((never_arrived || r->idempotent) && r->tries < s->n_endpoints) {
            log_debug(STORE_ROOM, "%s%s: %s; trying the next endpoint", s->endpoints[ep], r->path,
                      curl_easy_strerror(rc));
            req_start(r);
            return;
        }
        store__set_healthy(s, false);
        c8s_err_set(&err, C8S_EUNAVAILABLE, "etcd unreachable: %s%s: %s", s->endpoints[ep], r->path,
                    r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc));
        req_fail(r, C8S_EUNAVAILABLE, &err);
        return;
    }
    s->good = ep;
    long http = 0;
    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &http);
    store_result_t res = {0};
    int code =
        store__response_parse(s, r->op, r->path, r->raw, http, r->resp.p, r->resp.len, &res, &err);
    if (code != 0) {
        req_fail(r, code, &err);
        return;
    }
    req_finish(r, &res);
}

int store__response_parse(store_t *s, store_op_t op, const char *what, bool raw, long http,
                          const char *body, size_t len, store_result_t *res, c8s_err_t *err)
{
    cleanup_json json_t *j = jsonr_loadb(body ? body : "", len, 0, NULL);
    if (http != 200 || !j || json_is_object(json_object_get(j, "error"))) {
        /* etcd_error quotes the raw text: a NUL-terminated copy, as curl's buffer may not be. */
        cleanup_free char *raw_text = xstrndup(body ? body : "", len);
        int code = etcd_error(s, http, j, raw_text, err);
        if (code != C8S_EUNAVAILABLE)
            store__set_healthy(s, true);
        return code;
    }
    store__set_healthy(s, true);
    if (body_parse(op, j, res) < 0) {
        store__result_free(res);
        memset(res, 0, sizeof(*res));
        return c8s_err_set(err, C8S_EINTERNAL, "etcd: malformed base64 in response to %s", what);
    }
    if (s->crypt && !raw && result_untransform(s, res, err) < 0) {
        store__result_free(res);
        memset(res, 0, sizeof(*res));
        return err->code;
    }
    return 0;
}

/* ---- health probe ---- */

void store__probe(store_t *s)
{
    json_t *b = json_object();
    store__json_set_b64(b, "key", "/c8s-health", 11);
    json_object_set_new(b, "count_only", json_true());
    s->probe_in_flight = true;
    req_submit_ex(s, STORE_OP_PROBE, "/v3/kv/range", b, true, true, NULL, NULL);
}

static void on_probe_timer(uv_timer_t *t)
{
    store_t *s = t->data;
    if (s->closing || s->probe_in_flight)
        return;
    if (!s->healthy || c8s_now_ms() - s->last_ok_ms >= PROBE_IDLE_MS)
        store__probe(s);
}

/* ---- operations ---- */

static json_t *range_body(const char *key, const char *range_end, bool prefix, int64_t rev)
{
    json_t *b = json_object();
    size_t klen = strlen(key);
    store__json_set_b64(b, "key", key, klen);
    if (range_end) {
        store__json_set_b64(b, "range_end", range_end, strlen(range_end));
    } else if (prefix) {
        size_t elen;
        cleanup_free char *end = store__prefix_end(key, klen, &elen);
        store__json_set_b64(b, "range_end", end, elen);
    }
    if (rev > 0)
        json_object_set_new(b, "revision", json_integer(rev));
    return b;
}

void store_get(store_t *s, const char *key, int64_t rev, store_cb cb, void *data)
{
    req_submit(s, STORE_OP_RANGE, "/v3/kv/range", range_body(key, NULL, false, rev), true, cb,
               data);
}

void store_range(store_t *s, const char *key, const char *range_end, int64_t rev, int64_t limit,
                 store_cb cb, void *data)
{
    json_t *b = range_body(key, range_end, true, rev);
    if (limit > 0)
        json_object_set_new(b, "limit", json_integer(limit));
    req_submit(s, STORE_OP_RANGE, "/v3/kv/range", b, true, cb, data);
}

void store__range_raw(store_t *s, json_t *body, store_cb cb, void *data)
{
    req_submit_ex(s, STORE_OP_RANGE, "/v3/kv/range", body, true, true, cb, data);
}

void store_count(store_t *s, const char *prefix, store_cb cb, void *data)
{
    json_t *b = range_body(prefix, NULL, true, 0);
    json_object_set_new(b, "count_only", json_true());
    req_submit_ex(s, STORE_OP_RANGE, "/v3/kv/range", b, true, true, cb, data);
}

static json_t *key_obj(const char *key)
{
    json_t *o = json_object();
    store__json_set_b64(o, "key", key, strlen(key));
    return o;
}

static json_t *mod_compare(const char *key, int64_t mod_rev)
{
    json_t *c = key_obj(key);
    json_object_set_new(c, "target", json_string("MOD"));
    json_object_set_new(c, "result", json_string("EQUAL"));
    json_object_set_new(c, "mod_revision", json_integer(mod_rev));
    return json_pack("[o]", c);
}

/* Appends the standard base64 of p[0..n) (no characters JSON would escape). */
static void add_b64(strbuf_t *b, const void *p, size_t n)
{
    size_t enc = 4 * ((n + 2) / 3);
    if (b->len + enc + 1 > b->cap) {
        b->cap = (b->len + enc + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    EVP_EncodeBlock((unsigned char *)b->s + b->len, p, (int)n);
    b->len += enc;
    b->s[b->len] = '\0';
}

/* Every create and update: compare the key's mod_revision, put on success, read the key on
 * failure. Its JSON is written straight into one buffer, value encoded in place: building it as
 * a jansson tree cost a copy, a UTF-8 check and an escaping pass over the encoded value. */
static void put_txn(store_t *s, const char *key, const char *value, size_t value_len,
                    int64_t mod_rev, int64_t lease, bool prev_kv, store_cb cb, void *data)
{
    size_t key_len = strlen(key);
    strbuf_t b = STRBUF_INIT;
    b.cap = 4 * ((value_len + 2) / 3) + 3 * 4 * ((key_len + 2) / 3) + 256;
    b.s = xmalloc(b.cap);
    b.s[0] = '\0';
    strbuf_add(&b, "{\"compare\":[{\"key\":\"");
    add_b64(&b, key, key_len);
    strbuf_addf(&b,
                "\",\"target\":\"MOD\",\"result\":\"EQUAL\",\"mod_revision\":%lld}],"
                "\"success\":[{\"request_put\":{\"key\":\"",
                (long long)mod_rev);
    add_b64(&b, key, key_len);
    strbuf_add(&b, "\",\"value\":\"");
    add_b64(&b, value, value_len);
    strbuf_add(&b, "\"");
    if (lease)
        strbuf_addf(&b, ",\"lease\":%lld", (long long)lease);
    if (prev_kv)
        strbuf_add(&b, ",\"prev_kv\":true");
    strbuf_add(&b, "}}],\"failure\":[{\"request_range\":{\"key\":\"");
    add_b64(&b, key, key_len);
    strbuf_add(&b, "\"}}]}");
    /* As txn: safe to repeat, but only connect failures are retried. */
    req_submit_body(s, STORE_OP_TXN, "/v3/kv/txn", strbuf_take(&b), false, false, cb, data);
}

static json_t *range_op(const char *key)
{
    return json_pack("[{so}]", "request_range", key_obj(key));
}

static void txn(store_t *s, json_t *compare, json_t *success, json_t *failure, store_cb cb,
                void *data)
{
    json_t *b = json_object();
    if (compare)
        json_object_set_new(b, "compare", compare);
    json_object_set_new(b, "success", success);
    json_object_set_new(b, "failure", failure);
    /* A txn with a compare is safe to repeat: a second application fails the compare. Still,
     * only connect failures are retried, so a caller never sees a misleading lost race. */
    req_submit(s, STORE_OP_TXN, "/v3/kv/txn", b, false, cb, data);
}

/* What a put writes: value itself, or (with a crypt covering key) a new buffer in *stored.
 * On failure the callback gets the error at once and -1 is returned. */
static int put_value(store_t *s, const char *key, const char **value, size_t *value_len,
                     char **stored, store_cb cb, void *data)
{
    *stored = NULL;
    if (!s->crypt)
        return 0;
    cleanup_err c8s_err_t err = C8S_ERR_INIT;
    size_t len;
    if (store_crypt_to_storage(s->crypt, key, *value, *value_len, stored, &len, &err) < 0) {
        c8s_err_wrap(&err, "unable to transform key \"%s\"", key);
        store_result_t res = {.code = C8S_EINTERNAL, .err = &err};
        cb(&res, data);
        return -1;
    }
    if (*stored) {
        *value = *stored;
        *value_len = len;
    }
    return 0;
}

void store_create(store_t *s, const char *key, const char *value, size_t value_len, int64_t lease,
                  store_cb cb, void *data)
{
    cleanup_free char *stored = NULL;
    if (put_value(s, key, &value, &value_len, &stored, cb, data) < 0)
        return;
    put_txn(s, key, value, value_len, 0, lease, false, cb, data);
}

void store_update(store_t *s, const char *key, const char *value, size_t value_len,
                  int64_t expect_mod_rev, int64_t lease, store_cb cb, void *data)
{
    cleanup_free char *stored = NULL;
    if (put_value(s, key, &value, &value_len, &stored, cb, data) < 0)
        return;
    put_txn(s, key, value, value_len, expect_mod_rev, lease, true, cb, data);
}

void store_delete(store_t *s, const char *key, int64_t expect_mod_rev, store_cb cb, void *data)
{
    json_t *d = key_obj(key);
    json_object_set_new(d, "prev_kv", json_true());
    txn(s, expect_mod_rev ? mod_compare(key, expect_mod_rev) : NULL,
        json_pack("[{so}]", "request_delete_range", d), range_op(key), cb, data);
}

void store_compact(store_t *s, int64_t rev, store_cb cb, void *data)
{
    json_t *b = json_pack("{sIsb}", "revision", (json_int_t)rev, "physical", 1);
    req_submit(s, STORE_OP_COMPACT, "/v3/kv/compaction", b, false, cb, data);
}

void store_lease_grant(store_t *s, int64_t ttl_seconds, store_cb cb, void *data)
{
    json_t *b = json_pack("{sI}", "TTL", (json_int_t)ttl_seconds);
    req_submit(s, STORE_OP_LEASE_GRANT, "/v3/lease/grant", b, false, cb, data);
}

void store_lease_keepalive(store_t *s, int64_t lease_id, store_cb cb, void *data)
{
    json_t *b = json_pack("{sI}", "ID", (json_int_t)lease_id);
    req_submit(s, STORE_OP_LEASE_KEEPALIVE, "/v3/lease/keepalive", b, true, cb, data);
}

void store_lease_revoke(store_t *s, int64_t lease_id, store_cb cb, void *data)
{
    json_t *b = json_pack("{sI}", "ID", (json_int_t)lease_id);
    req_submit(s, STORE_OP_LEASE_REVOKE, "/v3/lease/revoke", b, true, cb, data);
}
