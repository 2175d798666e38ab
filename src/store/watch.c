/*
 * watch.c — etcd watches over the gateway's streaming POST /v3/watch. The request body is the
 * create_request alone, sent whole: etcd 3.4's gateway (Go net/http, HTTP/1.1) holds the answer
 * back while a chunked request body stays open, so progress_request cannot be written into the
 * stream later. The answer is chunked, one {"result":{…}} object per line; curl's write callback
 * only buffers, and the dispatch pass splits lines and calls the owner outside curl callbacks.
 *
 * store_watch_request_progress is emulated with one range: the newest mod_revision M among the
 * keys under the prefix changed since the last revision delivered, and the current revision R.
 * PROGRESS(R) is delivered once the watch has delivered M. Puts are thus never overtaken; a
 * delete after the last delivered revision with no later put is not visible to the range, so a
 * PROGRESS may overtake such a delete still in flight (milliseconds on a healthy etcd).
 */
#include "store_int.h"
#include "c8s/jsonr.h"

#include "c8s/jscan.h"

#include <string.h>

/* A dead peer on a quiet watch is found by TCP keepalive (a killed local etcd is seen at once by
 * the connection reset; a vanished host within about KEEPIDLE + 3 * KEEPINTVL). */
#define WATCH_KEEPIDLE_S  10L
#define WATCH_KEEPINTVL_S 5L

/* ---- the ready queue: watches with data to parse or a finished stream ---- */

void store__ready_push(store_watch_t *w)
{
    store_t *s = w->s;
    if (w->in_ready)
        return;
    w->in_ready = true;
    w->ready_next = NULL;
    w->ready_prev = s->ready_tail;
    if (s->ready_tail)
        s->ready_tail->ready_next = w;
    else
        s->ready_head = w;
    s->ready_tail = w;
}

static void ready_remove(store_watch_t *w)
{
    store_t *s = w->s;
    if (!w->in_ready)
        return;
    if (w->ready_prev)
        w->ready_prev->ready_next = w->ready_next;
    else
        s->ready_head = w->ready_next;
    if (w->ready_next)
        w->ready_next->ready_prev = w->ready_prev;
    else
        s->ready_tail = w->ready_prev;
    w->ready_prev = w->ready_next = NULL;
    w->in_ready = false;
}

store_watch_t *store__ready_pop(store_t *s)
{
    store_watch_t *w = s->ready_head;
    if (w)
        ready_remove(w);
    return w;
}

/* ---- curl callbacks: buffer only ---- */

static size_t on_write(char *p, size_t size, size_t n, void *userp)
{
    store_watch_t *w = userp;
    store__buf_append(&w->recv, p, size * n);
    w->got_data = true;
    store__ready_push(w);
    return size * n;
}

/* ---- life cycle ---- */

static void watch_free(store_watch_t *w)
{
    store__buf_free(&w->recv);
    free(w->create_line);
    free(w->key);
    free(w->end);
    free(w);
}

static void watch_start(store_watch_t *w)
{
    store_t *s = w->s;
    size_t ep = (w->ep_first + w->tries) % s->n_endpoints;
    w->tries++;
    cleanup_free char *url = xasprintf("%s/v3/watch", s->endpoints[ep]);
    if (!w->easy)
        w->easy = store__easy_get(s);
    CURL *e = w->easy;
    store__easy_common(s, e, url);
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, w->create_line);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(w->create_line));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, w);
    curl_easy_setopt(e, CURLOPT_PRIVATE, w);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, w->errbuf);
    /* A watch gets its own connection, never reused after (it ends mid-stream). */
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPIDLE, WATCH_KEEPIDLE_S);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPINTVL, WATCH_KEEPINTVL_S);
    /* No CURLOPT_TIMEOUT: a watch lives as long as its owner wants. */
    w->errbuf[0] = '\0';
    store__curl_add(s, e);
}

static void watch_finish(store_watch_t *w, store_watch_status_t status, int64_t rev,
                         const c8s_err_t *err)
{
    store_t *s = w->s;
    if (w->finished)
        return;
    w->finished = true;
    if (w->prev)
        w->prev->next = w->next;
    else
        s->watches = w->next;
    if (w->next)
        w->next->prev = w->prev;
    ready_remove(w);
    if (w->progress_ctx) {
        w->progress_ctx->w = NULL; /* its range answer will find the watch gone */
        w->progress_ctx = NULL;
    }
    if (w->easy) {
        if (!w->stream_done)
            store__curl_remove(s, w->easy);
        store__easy_put(s, w->easy);
        w->easy = NULL;
    }
    w->busy++;
    w->cb(w, status, rev, NULL, 0, err, w->data);
    w->busy--;
    if (w->busy == 0)
        watch_free(w);
}

/* Ends the watch with STORE_WATCH_ERROR and the message "<what>: <detail>". */
static void watch_fail(store_watch_t *w, const char *what, const char *detail)
{
    cleanup_err c8s_err_t err = C8S_ERR_INIT;
    c8s_err_set(&err, C8S_EUNAVAILABLE, "%s: %s", what, detail);
    watch_finish(w, STORE_WATCH_ERROR, 0, &err);
}

store_watch_t *store_watch(store_t *s, const char *prefix, int64_t start_rev, store_watch_cb cb,
                           void *data)
{
    store_watch_t *w = xcalloc(1, sizeof(*w));
    w->kind = STORE_XFER_WATCH;
    w->s = s;
    w->cb = cb;
    w->data = data;
    size_t klen = strlen(prefix), elen;
    char *end = store__prefix_end(prefix, klen, &elen);
    w->key = xstrdup(prefix);
    w->key_len = klen;
    w->end = end;
    w->end_len = elen;
    w->seen_rev = start_rev > 0 ? start_rev - 1 : -1;
    cleanup_json json_t *cr = json_object();
    store__json_set_b64(cr, "key", prefix, klen);
    store__json_set_b64(cr, "range_end", end, elen);
    if (start_rev > 0)
        json_object_set_new(cr, "start_revision", json_integer(start_rev));
    json_object_set_new(cr, "prev_kv", json_true());
    json_object_set_new(cr, "progress_notify", json_true());
    cleanup_json json_t *req = json_pack("{sO}", "create_request", cr);
    cleanup_free char *line = store__json_dump(req);
    w->create_line = xasprintf("%s\n", line);
    w->next = s->watches;
    if (s->watches)
        s->watches->prev = w;
    s->watches = w;
    if (s->closing) {
        watch_finish(w, STORE_WATCH_CLOSED, 0, NULL);
        return NULL;
    }
    w->ep_first = s->good;
    watch_start(w);
    return w;
}

static void deliver_progress(store_watch_t *w, int64_t rev)
{
    w->busy++;
    w->cb(w, STORE_WATCH_PROGRESS, rev, NULL, 0, NULL, w->data);
    w->busy--;
    if (w->finished && w->busy == 0)
        watch_free(w);
}

/* Delivers a pending emulated progress once the watch has delivered what the range saw. */
static void maybe_progress(store_watch_t *w)
{
    if (w->finished || !w->progress_rev || w->seen_rev < 0 || w->seen_rev < w->progress_wait)
        return;
    int64_t rev = w->progress_rev;
    w->progress_rev = w->progress_wait = 0;
    deliver_progress(w, rev);
}

static void on_progress_range(const store_result_t *res, void *data)
{
    store_progress_t *pr = data;
    store_watch_t *w = pr->w;
    free(pr);
    if (!w)
        return;
    w->progress_ctx = NULL;
    if (res->code) {
        log_debug(STORE_ROOM, "watch progress range failed: %s", res->err ? res->err->msg : "");
        return;
    }
    int64_t newest = res->n_kvs ? res->kvs[0].mod_revision : 0;
    if (res->revision > w->progress_rev)
        w->progress_rev = res->revision;
    if (newest > w->progress_wait)
        w->progress_wait = newest;
    maybe_progress(w);
}

void store_watch_request_progress(store_watch_t *w)
{
    if (!w || w->finished || w->stream_done || w->progress_ctx)
        return;
    store_progress_t *pr = xcalloc(1, sizeof(*pr));
    pr->w = w;
    w->progress_ctx = pr;
    json_t *b = json_object();
    store__json_set_b64(b, "key", w->key, w->key_len);
    store__json_set_b64(b, "range_end", w->end, w->end_len);
    if (w->seen_rev >= 0)
        json_object_set_new(b, "min_mod_revision", json_integer(w->seen_rev + 1));
    json_object_set_new(b, "keys_only", json_true());
    json_object_set_new(b, "sort_order", json_string("DESCEND"));
    json_object_set_new(b, "sort_target", json_string("MOD"));
    json_object_set_new(b, "limit", json_integer(1));
    store__range_raw(w->s, b, on_progress_range, pr);
}

void store_watch_cancel(store_watch_t *w)
{
    if (w)
        watch_finish(w, STORE_WATCH_CLOSED, 0, NULL);
}

void store__watches_close(store_t *s)
{
    while (s->watches)
        watch_finish(s->watches, STORE_WATCH_CLOSED, 0, NULL);
}

void store__watch_done(store_watch_t *w, CURLcode rc)
{
    store_t *s = w->s;
    store__curl_remove(s, w->easy);
    if (!w->got_data && store__connect_failure(w->easy, rc) && w->tries < s->n_endpoints) {
        watch_start(w);
        return;
    }
    if (rc != CURLE_OK && !w->got_data)
        store__set_healthy(s, false);
    w->stream_done = true;
    w->done_code = rc;
    curl_easy_getinfo(w->easy, CURLINFO_RESPONSE_CODE, &w->http_status);
    if (w->got_data && w->http_status == 200)
        s->good = (w->ep_first + w->tries - 1) % s->n_endpoints;
    store__ready_push(w);
}

/* ---- parsing ---- */

static void events_free(store_event_t *ev, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        store__kv_free(&ev[i].kv);
        if (ev[i].prev_kv) {
            store__kv_free(ev[i].prev_kv);
            free(ev[i].prev_kv);
        }
    }
    free(ev);
}

static int events_parse(const store_t *s, const json_t *arr, store_event_t **out, size_t *n_out,
                        c8s_err_t *err)
{
    size_t n = json_array_size(arr);
    store_event_t *ev = xcalloc(n, sizeof(*ev));
    *out = ev;
    *n_out = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(arr, i);
        const json_t *type = json_object_get(e, "type");
        bool del = (json_is_string(type) && strcmp(json_string_value(type), "DELETE") == 0) ||
                   (json_is_integer(type) && json_integer_value(type) == 1);
        ev[i].type = del ? STORE_EVENT_DELETE : STORE_EVENT_PUT;
        if (store__kv_parse(json_object_get(e, "kv"), &ev[i].kv) < 0)
            return c8s_err_set(err, C8S_EUNAVAILABLE, "etcd watch: malformed base64 in an event");
        (*n_out)++;
        if (del) {
            free(ev[i].kv.value);
            ev[i].kv.value = NULL;
        }
        const json_t *pkv = json_object_get(e, "prev_kv");
        if (json_is_object(pkv)) {
            ev[i].prev_kv = xcalloc(1, sizeof(store_kv_t));
            if (store__kv_parse(pkv, ev[i].prev_kv) < 0)
                return c8s_err_set(err, C8S_EUNAVAILABLE,
                                   "etcd watch: malformed base64 in an event");
        }
        if (store__kv_untransform(s, &ev[i].kv, err) < 0)
            return -1;
        store__prev_untransform(s, &ev[i].prev_kv);
    }
    return 0;
}

/* Hands events (owned, freed here) to the watcher. */
static void deliver_events(store_watch_t *w, int64_t rev, store_event_t *ev, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ev[i].kv.mod_revision > w->seen_rev)
            w->seen_rev = ev[i].kv.mod_revision;
    w->cb(w, STORE_WATCH_EVENTS, rev, ev, n, NULL, w->data);
    events_free(ev, n);
    maybe_progress(w);
}

/* A kv object read in place: the base64 of key and value decoded straight from the line. */
static bool kv_scan(jscan_t *j, store_kv_t *kv)
{
    memset(kv, 0, sizeof(*kv));
    const char *k, *s;
    size_t kl, sl;
    if (!jscan_enter(j, '{'))
        return false;
    while (jscan_member(j, &k, &kl)) {
        int64_t *num = NULL;
        char **bytes = NULL;
        size_t *bytes_len = NULL;
        if (kl == 3 && memcmp(k, "key", 3) == 0) {
            bytes = &kv->key;
            bytes_len = &kv->key_len;
        } else if (kl == 5 && memcmp(k, "value", 5) == 0) {
            bytes = &kv->value;
            bytes_len = &kv->value_len;
        } else if (kl == 15 && memcmp(k, "create_revision", 15) == 0) {
            num = &kv->create_revision;
        } else if (kl == 12 && memcmp(k, "mod_revision", 12) == 0) {
            num = &kv->mod_revision;
        } else if (kl == 7 && memcmp(k, "version", 7) == 0) {
            num = &kv->version;
        } else if (kl == 5 && memcmp(k, "lease", 5) == 0) {
            num = &kv->lease;
        }
        if (num) {
            if (!jscan_int(j, num))
                return false;
        } else if (bytes) {
            if (*bytes || !jscan_string(j, &s, &sl) ||
                store__b64_decode_n(s, sl, bytes, bytes_len) < 0)
                return false;
        } else if (!jscan_skip(j, NULL, NULL)) {
            return false;
        }
    }
    if (j->bad)
        return false;
    if (!kv->key)
        kv->key = xstrdup("");
    if (!kv->value)
        kv->value = xstrdup("");
    return true;
}

/* One event of the events array, in place (as events_parse reads it from a tree). */
static bool event_scan(jscan_t *j, store_event_t *ev)
{
    const char *k, *s;
    size_t kl, sl;
    bool del = false, have_kv = false;
    if (!jscan_enter(j, '{'))
        return false;
    while (jscan_member(j, &k, &kl)) {
        if (kl == 4 && memcmp(k, "type", 4) == 0) {
            /* A string as etcd's gateway writes it; anything else is the full parse's. */
            if (!jscan_string(j, &s, &sl))
                return false;
            del = sl == 6 && memcmp(s, "DELETE", 6) == 0;
        } else if (kl == 2 && memcmp(k, "kv", 2) == 0) {
            if (have_kv || !kv_scan(j, &ev->kv))
                return false;
            have_kv = true;
        } else if (kl == 7 && memcmp(k, "prev_kv", 7) == 0) {
            if (ev->prev_kv)
                return false;
            ev->prev_kv = xcalloc(1, sizeof(store_kv_t));
            if (!kv_scan(j, ev->prev_kv))
                return false;
        } else if (!jscan_skip(j, NULL, NULL)) {
            return false;
        }
    }
    if (j->bad || !have_kv)
        return false;
    ev->type = del ? STORE_EVENT_DELETE : STORE_EVENT_PUT;
    if (del) {
        free(ev->kv.value);
        ev->kv.value = NULL;
    }
    return true;
}

/* The common line, a result with events (or a bare progress header), read without building a
 * jansson tree: that tree cost more than the rest of a create's watch delivery, most of it in
 * lexing the base64 values character by character. Returns false, having delivered nothing,
 * for any other line or anything unexpected; handle_line then parses it fully. */
static bool handle_line_fast(store_watch_t *w, const char *line, size_t len)
{
    jscan_t j;
    const char *k;
    size_t kl;
    int64_t rev = 0;
    bool have_result = false;
    store_event_t *ev = NULL;
    size_t n = 0, cap = 0;
    cleanup_err c8s_err_t err = C8S_ERR_INIT; /* before the first goto: its cleanup runs there */
    jscan_init(&j, line, len);
    if (!jscan_enter(&j, '{'))
        return false;
    while (jscan_member(&j, &k, &kl)) {
        if (have_result || kl != 6 || memcmp(k, "result", 6) != 0 || !jscan_enter(&j, '{'))
            goto slow;
        have_result = true;
        while (jscan_member(&j, &k, &kl)) {
            if (kl == 6 && memcmp(k, "header", 6) == 0) {
                if (!jscan_enter(&j, '{'))
                    goto slow;
                while (jscan_member(&j, &k, &kl)) {
                    if (kl == 8 && memcmp(k, "revision", 8) == 0) {
                        if (!jscan_int(&j, &rev))
                            goto slow;
                    } else if (!jscan_skip(&j, NULL, NULL)) {
                        goto slow;
                    }
                }
            } else if (kl == 6 && memcmp(k, "events", 6) == 0) {
                if (ev || !jscan_enter(&j, '['))
                    goto slow;
                while (jscan_element(&j)) {
                    if (n == cap) {
                        cap = cap ? cap * 2 : 4;
                        ev = xrealloc(ev, cap * sizeof(*ev));
                    }
                    memset(&ev[n], 0, sizeof(ev[n]));
                    n++;
                    if (!event_scan(&j, &ev[n - 1]))
                        goto slow;
                }
            } else if (kl == 8 && memcmp(k, "watch_id", 8) == 0) {
                if (!jscan_skip(&j, NULL, NULL))
                    goto slow;
            } else {
                /* created, canceled, compact_revision, fragment …: the full parse's. */
                goto slow;
            }
        }
    }
    if (!have_result || !jscan_done(&j))
        goto slow;
    if (n == 0) {
        free(ev);
        if (rev > w->seen_rev)
            w->seen_rev = rev;
        w->cb(w, STORE_WATCH_PROGRESS, rev, NULL, 0, NULL, w->data);
        maybe_progress(w);
        return true;
    }
    for (size_t i = 0; i < n; i++) {
        if (store__kv_untransform(w->s, &ev[i].kv, &err) < 0) {
            events_free(ev, n);
            watch_finish(w, STORE_WATCH_ERROR, 0, &err);
            return true;
        }
        store__prev_untransform(w->s, &ev[i].prev_kv);
    }
    deliver_events(w, rev, ev, n);
    return true;
slow:
    events_free(ev, n);
    return false;
}

static void handle_line(store_watch_t *w, const char *line, size_t len)
{
    while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
        len--;
    if (len == 0 || handle_line_fast(w, line, len))
        return;
    cleanup_json json_t *j = jsonr_loadb(line, len, 0, NULL);
    const json_t *r = json_object_get(j, "result");
    if (!json_is_object(r)) {
        const json_t *e = json_object_get(j, "error");
        const char *msg = json_string_value(json_object_get(e, "message"));
        if (!msg)
            msg = json_string_value(json_object_get(j, "message"));
        cleanup_free char *raw = xstrndup(line, len < 200 ? len : 200);
        watch_fail(w, "etcd watch", msg ? msg : raw);
        return;
    }
    int64_t rev = store__json_int(json_object_get(r, "header"), "revision");
    if (json_is_true(json_object_get(r, "canceled"))) {
        int64_t compact = store__json_int(r, "compact_revision");
        if (compact > 0) {
            cleanup_err c8s_err_t err = C8S_ERR_INIT;
            c8s_err_set(&err, C8S_EGONE, "etcd watch: revision compacted (compact revision %lld)",
                        (long long)compact);
            watch_finish(w, STORE_WATCH_COMPACTED, compact, &err);
            return;
        }
        const char *why = json_string_value(json_object_get(r, "cancel_reason"));
        watch_fail(w, "etcd watch canceled", why ? why : "no reason given");
        return;
    }
    const json_t *events = json_object_get(r, "events");
    if (json_array_size(events) > 0) {
        store_event_t *ev;
        size_t n;
        cleanup_err c8s_err_t err = C8S_ERR_INIT;
        if (events_parse(w->s, events, &ev, &n, &err) < 0) {
            events_free(ev, n);
            watch_finish(w, STORE_WATCH_ERROR, 0, &err);
            return;
        }
        deliver_events(w, rev, ev, n);
        return;
    }
    if (json_is_true(json_object_get(r, "created"))) {
        /* From now: nothing before the creation revision concerns this watch. A replay from a
         * past revision is not caught up yet, so its created header proves nothing. */
        if (w->seen_rev < 0)
            w->seen_rev = rev;
        maybe_progress(w);
        return;
    }
    if (rev > w->seen_rev)
        w->seen_rev = rev;
    w->cb(w, STORE_WATCH_PROGRESS, rev, NULL, 0, NULL, w->data);
    maybe_progress(w);
}

void store__watch_pump(store_watch_t *w)
{
    w->busy++;
    size_t off = 0;
    while (!w->finished && w->recv.p && off < w->recv.len) {
        char *start = w->recv.p + off;
        char *nl = memchr(start, '\n', w->recv.len - off);
        if (!nl)
            break;
        off = (size_t)(nl - w->recv.p) + 1;
        handle_line(w, start, (size_t)(nl - start));
    }
    if (!w->finished && off) {
        memmove(w->recv.p, w->recv.p + off, w->recv.len - off);
        w->recv.len -= off;
        off = 0;
    }
    if (!w->finished && w->stream_done) {
        /* An error answer (HTTP 400 …) may lack the final newline. */
        if (w->recv.len) {
            handle_line(w, w->recv.p, w->recv.len);
            w->recv.len = 0;
        }
        if (!w->finished) {
            cleanup_free char *why =
                w->done_code != CURLE_OK
                    ? xasprintf("%s", w->errbuf[0] ? w->errbuf : curl_easy_strerror(w->done_code))
                    : xasprintf("stream ended (HTTP %ld)", w->http_status);
            watch_fail(w, "etcd watch", why);
        }
    }
    w->busy--;
    if (w->finished && w->busy == 0)
        watch_free(w);
}
