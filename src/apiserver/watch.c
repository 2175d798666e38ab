/*
 * watch.c — WATCH over HTTP: chunked, one JSON event per line, fed by the resource's watch
 * cache. h2o asks for the next chunk (proceed) when the socket has taken the last one, so a slow
 * client applies back-pressure; events queue meanwhile, up to a bound past which the watcher is
 * dropped (its client re-watches from its last resourceVersion), so one slow watcher never holds
 * up the others.
 *
 * Fan-out: an event's line is serialized once (the watch cache's, shared); a watcher queues a
 * reference to it, and its queue is handed to h2o (one TLS write, one syscall) at most every
 * FLUSH_DELAY_MS, so at hundreds of events a second a watcher's write carries several of them
 * rather than one each (bench/soak.c: the per-event writes were most of the server's CPU).
 */
#include "internal.h"
#include "watchq.h"

#include <stdio.h>
#include <string.h>

#define FLUSH_DELAY_MS 10u
#define SEND_MAX_BYTES (32u << 10)
#define BOOKMARK_MS    60000u

typedef struct {
    h2o_iovec_t v;
    wc_event_t *ev; /* holds v's memory when set */
    char *owned;    /* or this */
} chunk_t;

typedef struct watch_stream_s {
    h2o_generator_t super;
    api_req_t *r;
    h2o_req_t *req;
    wc_watcher_t *w;
    resource_t *res;
    char *prefix;
    size_t prefix_len;
    chunk_t *pending, *sending;
    h2o_iovec_t *iov; /* the sending lines as h2o takes them (HTTP/2); cap_sending long */
    char *sendbuf;    /* or the lines being sent, copied together */
    size_t n_pending, cap_pending, n_sending, cap_sending;
    watchq_acct_t q;                   /* what pending holds, and how much of it is live */
    bool live;                         /* the stream's start (state, replay) is queued */
    struct watch_stream_s *dirty_next; /* on the list of streams to flush (dirty.head) */
    bool dirty;
    bool in_flight, closing, done, bookmarks;
    bool headers_sent; /* a Table with column definitions has gone out (as=Table) */
    uint64_t deadline_ms, next_bookmark_ms;
    uv_timer_t timer;
    apiserver_hangup_t *hangup; /* owned: sees an HTTP/1 client leave (hangup.c), or NULL */
    struct watch_stream_s *next, **pprev;
} watch_stream_t;

static void chunks_free(chunk_t *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        wc_event_unref(c[i].ev);
        free(c[i].owned);
    }
}

/* HTTP streams with lines to hand to h2o, flushed together by one timer FLUSH_DELAY_MS after the
 * first was added. Per thread, as each API server owns its loop thread; the timer exists only
 * while the list is not empty, so an idle server has none. */
static _Thread_local struct {
    watch_stream_t *head;
    uv_timer_t *timer;
} dirty;

static void free_handle(uv_handle_t *h)
{
    free(h);
}

static void undirty(watch_stream_t *ws)
{
    if (!ws->dirty)
        return;
    for (watch_stream_t **p = &dirty.head; *p; p = &(*p)->dirty_next)
        if (*p == ws) {
            *p = ws->dirty_next;
            break;
        }
    ws->dirty = false;
    ws->dirty_next = NULL;
    if (!dirty.head && dirty.timer) {
        uv_close((uv_handle_t *)dirty.timer, free_handle);
        dirty.timer = NULL;
    }
}

/* Stops seeing the stream's HTTP/1 client leave (hangup.c: h2o alone would notice it only at the
 * stream's next write, never on a quiet resource). */
static void hangup_close(watch_stream_t *ws)
{
    apiserver__hangup_stop(ws->hangup);
    ws->hangup = NULL;
}

static void unlink_stream(watch_stream_t *ws)
{
    undirty(ws);
    if (ws->pprev) {
        *ws->pprev = ws->next;
        if (ws->next)
            ws->next->pprev = ws->pprev;
        ws->pprev = NULL;
    }
}

static void sent_free(watch_stream_t *ws);

/* No more events for this stream: what is queued is still sent unless dropped, then it ends. */
static void stop_watching(watch_stream_t *ws)
{
    if (ws->w)
        wc_watcher_stop(ws->w);
    ws->w = NULL;
    ws->closing = true;
}

/* Forgets what is queued (it cannot, or need not, reach the client any more). */
static void drop_pending(watch_stream_t *ws)
{
    chunks_free(ws->pending, ws->n_pending);
    ws->n_pending = 0;
    ws->q = (watchq_acct_t){0};
}

static void on_timer_closed(uv_handle_t *h)
{
    watch_stream_t *ws = h->data;
    chunks_free(ws->pending, ws->n_pending);
    sent_free(ws);
    free(ws->pending);
    free(ws->sending);
    free(ws->iov);
    free(ws->prefix);
    apiserver__req_free(ws->r);
    free(ws);
}

/* Ends our side: no more events, timers closed, memory freed once the timer has closed. */
static void teardown(watch_stream_t *ws)
{
    if (ws->done)
        return;
    ws->done = true;
    if (ws->w)
        wc_watcher_stop(ws->w);
    ws->w = NULL;
    /* Our duplicate must not keep the connection open once h2o closes it. */
    hangup_close(ws);
    unlink_stream(ws);
    uv_close((uv_handle_t *)&ws->timer, on_timer_closed);
}

/* An in-process watcher takes lines synchronously; it says when it cannot take more. */
static void flush_call(watch_stream_t *ws)
{
    apiserver_call_t *c = ws->r->call;
    /* Everything queued is handed over, a closing stream's last lines (an ERROR with 410 among
     * them) included, unless the watcher says it cannot take more. */
    bool dropped = false;
    for (size_t i = 0; i < ws->n_pending && !dropped; i++) {
        if (!c->on_line(c, ws->pending[i].v.base, ws->pending[i].v.len)) {
            log_info("apiserver", "in-process watch of %s dropped: too slow",
                     ws->res->kind->resource);
            dropped = true;
            stop_watching(ws);
        }
    }
    drop_pending(ws);
    if (ws->closing) {
        teardown(ws);
        c->on_end(c);
    }
}

static void flush(watch_stream_t *ws)
{
    if (ws->done)
        return;
    if (ws->r->call)
        return flush_call(ws);
    if (ws->in_flight || !ws->req)
        return;
    sent_free(ws);
    if (ws->n_pending == 0) {
        if (ws->closing) {
            h2o_req_t *req = ws->req;
            ws->req = NULL;
            teardown(ws);
            h2o_send(req, NULL, 0, H2O_SEND_STATE_FINAL);
        }
        return;
    }
    /* Hand the head of the queue to h2o; its memory must live until proceed. At most
     * SEND_MAX_BYTES at a time: h2o copies (over TLS, encrypts) what it is given into the
     * connection's own buffer, so handing over the whole queue of a far-behind watcher made a
     * buffer of up to the queue bound per connection, and 1,000 slow watchers held GBs
     * (bench/soak.c: 4.7 GB of RSS). The events in the queue are the watch cache's, shared. */
    size_t k = 0, bytes = 0;
    while (k < ws->n_pending && (k == 0 || bytes + ws->pending[k].v.len <= SEND_MAX_BYTES))
        bytes += ws->pending[k++].v.len;
    h2o_iovec_t v, *vecs = &v;
    size_t n_vecs = 1;
    if (k == 1 || ws->req->version >= 0x200) {
        /* One line, or HTTP/2: h2o reads the lines where they lie (the cache's shared lines),
         * until proceed. Over HTTP/2 h2o copies the lines of all its streams into one DATA frame
         * per stream and one TLS write per connection by itself, so a copy of ours would only
         * cost a malloc and a memcpy per flush (bench/soak.c). */
        if (ws->cap_sending < k) {
            ws->cap_sending = k < 16 ? 16 : k;
            ws->sending = xrealloc(ws->sending, ws->cap_sending * sizeof(*ws->sending));
            ws->iov = xrealloc(ws->iov, ws->cap_sending * sizeof(*ws->iov));
        }
        for (size_t i = 0; i < k; i++) {
            ws->sending[i] = ws->pending[i];
            ws->iov[i] = ws->pending[i].v;
        }
        ws->n_sending = k;
        vecs = ws->iov;
        n_vecs = k;
    } else {
        /* Several over HTTP/1.1: one buffer, so that h2o makes one TLS record of them rather than
         * a record (and its cipher set-up) per line; that was a third of the server's CPU at
         * 1,000 watchers (bench/soak.c). The copy is freed at proceed. */
        ws->sendbuf = xmalloc(bytes);
        size_t off = 0;
        for (size_t i = 0; i < k; i++) {
            memcpy(ws->sendbuf + off, ws->pending[i].v.base, ws->pending[i].v.len);
            off += ws->pending[i].v.len;
        }
        chunks_free(ws->pending, k);
        v = h2o_iovec_init(ws->sendbuf, bytes);
    }
    memmove(ws->pending, ws->pending + k, (ws->n_pending - k) * sizeof(*ws->pending));
    ws->n_pending -= k;
    watchq_take(&ws->q, k, bytes);
    ws->in_flight = true;
    h2o_send(ws->req, vecs, n_vecs, H2O_SEND_STATE_IN_PROGRESS);
}

/* What the last send held: h2o is done with it (proceed) or the stream is going. */
static void sent_free(watch_stream_t *ws)
{
    chunks_free(ws->sending, ws->n_sending);
    ws->n_sending = 0;
    free(ws->sendbuf);
    ws->sendbuf = NULL;
}

static void on_flush_timer(uv_timer_t *t)
{
    /* Flushing may end streams (closing) and so unlink them: take the list first. */
    watch_stream_t *list = dirty.head;
    dirty.head = NULL;
    uv_close((uv_handle_t *)t, free_handle);
    dirty.timer = NULL;
    while (list) {
        watch_stream_t *ws = list;
        list = ws->dirty_next;
        ws->dirty_next = NULL;
        ws->dirty = false;
        flush(ws);
    }
}

/* Flushes an HTTP stream soon, with whatever else arrives meanwhile; an in-process watcher (it
 * takes lines by a call, no syscall) or a stream with a write under way (proceed flushes it) at
 * once. */
static void flush_soon(watch_stream_t *ws)
{
    if (ws->r->call || ws->in_flight || !ws->req || ws->closing)
        return flush(ws);
    if (ws->dirty || ws->done)
        return;
    ws->dirty = true;
    ws->dirty_next = dirty.head;
    dirty.head = ws;
    if (!dirty.timer) {
        dirty.timer = xmalloc(sizeof(*dirty.timer));
        uv_timer_init(ws->timer.loop, dirty.timer);
        uv_timer_start(dirty.timer, on_flush_timer, FLUSH_DELAY_MS, 0);
    }
}

static void on_proceed(h2o_generator_t *g, h2o_req_t *req)
{
    watch_stream_t *ws = (watch_stream_t *)g;
    ws->in_flight = false;
    sent_free(ws);
    /* A watcher behind by a batch or more gets the next at once; otherwise what arrives in the
     * next few ms goes along. */
    if (ws->closing || ws->q.bytes >= SEND_MAX_BYTES / 2)
        flush(ws);
    else if (ws->n_pending)
        flush_soon(ws);
}

static void on_stop(h2o_generator_t *g, h2o_req_t *req)
{
    /* The client went away (h2o is freeing the request). */
    watch_stream_t *ws = (watch_stream_t *)g;
    ws->req = NULL;
    teardown(ws);
}

static void enqueue(watch_stream_t *ws, wc_event_t *ev, char *owned, const char *p, size_t len)
{
    if (ws->closing || ws->done) {
        free(owned);
        return;
    }
    /* Events past the stream's start count against the bounds: the bytes, and half the cache's
     * window of events, so that the client, resuming from its last resourceVersion, still finds
     * what it missed in the window instead of a 410 and a re-list. A healthy watcher is never
     * near either: at 500 events/s, 5,000 events (the default window's half) are 10 s behind. */
    const apiserver_config_t *cfg = &ws->res->srv->cfg;
    size_t max_events = cfg->watch_cache_window > 200 ? (size_t)cfg->watch_cache_window / 2 : 100;
    if (ws->live && watchq_full(&ws->q, len, cfg->watch_queue_max_bytes, max_events)) {
        /* Too far behind: drop this watcher rather than grow without bound. */
        log_info("apiserver", "watch of %s dropped: client too slow", ws->res->kind->resource);
        free(owned);
        stop_watching(ws);
        return;
    }
    if (ws->n_pending == ws->cap_pending) {
        ws->cap_pending = ws->cap_pending ? ws->cap_pending * 2 : 16;
        ws->pending = xrealloc(ws->pending, ws->cap_pending * sizeof(*ws->pending));
    }
    ws->pending[ws->n_pending++] =
        (chunk_t){.v = h2o_iovec_init(p, len), .ev = wc_event_ref(ev), .owned = owned};
    watchq_push(&ws->q, len, ws->live);
}

/* The event line with its object in the negotiated form (Table, PartialObjectMetadata); owned,
 * NULL if the cached object does not parse. Upstream sends a Table's column definitions with the
 * first event of a watch only. */
static char *transformed_line(watch_stream_t *ws, wc_event_type_t type, const wc_obj_t *o,
                              size_t *len)
{
    static const char *const names[] = {"ADDED", "MODIFIED", "DELETED"};
    json_t *obj = json_loadb(o->json, o->json_len, 0, NULL);
    if (!obj)
        return NULL;
    obj = apiserver__transform_obj(ws->r, obj, !ws->headers_sent);
    ws->headers_sent = true;
    json_t *ev = json_pack("{s:s, s:o}", "type", names[type], "object", obj);
    cleanup_free char *s = json_dumps(ev, JSON_COMPACT);
    json_decref(ev);
    if (!s)
        return NULL;
    char *line = xasprintf("%s\n", s);
    *len = strlen(line);
    return line;
}

static bool matches(watch_stream_t *ws, const wc_obj_t *o)
{
    return o && strncmp(o->key, ws->prefix, ws->prefix_len) == 0 &&
           labelsel_matches(ws->r->lsel, o->labels) && fieldsel_matches(ws->r->fsel, o->fields);
}

static void on_event(wc_watcher_t *w, wc_event_t *e, void *data)
{
    watch_stream_t *ws = data;
    if (!e) {
        /* The cache was re-listed: this stream's history is gone; the client re-watches. */
        ws->w = NULL;
        ws->closing = true;
        flush(ws);
        return;
    }
    bool now = matches(ws, e->obj);
    bool before = e->prev && matches(ws, e->prev);
    wc_event_type_t as;
    switch (e->type) {
    case WC_ADDED:
        if (!now)
            return;
        as = WC_ADDED;
        break;
    case WC_MODIFIED:
        if (now && before)
            as = WC_MODIFIED;
        else if (now)
            as = WC_ADDED;
        else if (before)
            as = WC_DELETED;
        else
            return;
        break;
    default:
        if (!before && !now)
            return;
        as = WC_DELETED;
    }
    if (ws->r->as != APISERVER_AS_OBJECT) {
        size_t len;
        char *line = transformed_line(ws, as, e->obj, &len);
        if (line)
            enqueue(ws, NULL, line, line, len);
    } else if (as == e->type) {
        size_t len;
        const char *line = wc_event_line(e, &len);
        enqueue(ws, e, NULL, line, len);
    } else {
        size_t len;
        char *line = wc_event_line_as(e, as, &len);
        enqueue(ws, NULL, line, line, len);
    }
    flush_soon(ws);
}

static void send_bookmark(watch_stream_t *ws)
{
    char apiv[64];
    api_kind_api_version(ws->res->kind, apiv, sizeof(apiv));
    char *line = xasprintf("{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"%s\",\"apiVersion\":"
                           "\"%s\",\"metadata\":{\"resourceVersion\":\"%lld\"}}}\n",
                           ws->res->kind->kind, apiv, (long long)wcache_rev(ws->res->cache));
    enqueue(ws, NULL, line, line, strlen(line));
    flush(ws);
}

static void on_tick(uv_timer_t *t);

/* One wake per stream for whichever comes first, its timeout or its next bookmark: a tick every
 * second per stream kept an idle server with 1,000 watchers busy (bench/api's idle figure). */
static void arm_timer(watch_stream_t *ws, uint64_t now)
{
    uint64_t due = ws->deadline_ms;
    if (ws->bookmarks && ws->next_bookmark_ms < due)
        due = ws->next_bookmark_ms;
    uv_timer_start(&ws->timer, on_tick, due > now ? due - now : 0, 0);
}

static void on_tick(uv_timer_t *t)
{
    watch_stream_t *ws = t->data;
    uint64_t now = uv_now(t->loop);
    if (now >= ws->deadline_ms) {
        if (ws->bookmarks)
            send_bookmark(ws);
        stop_watching(ws);
        flush(ws);
        return;
    }
    if (ws->bookmarks && now >= ws->next_bookmark_ms) {
        ws->next_bookmark_ms = now + BOOKMARK_MS;
        send_bookmark(ws);
    }
    if (!ws->done)
        arm_timer(ws, now);
}

static void on_client_left(void *data)
{
    watch_stream_t *ws = data;
    hangup_close(ws);
    /* Nothing queued can reach the client. Ending the response makes h2o write to the dead
     * connection, fail, read its end and close it, which frees the stream (on_stop). */
    stop_watching(ws);
    drop_pending(ws);
    flush(ws);
}

static void send_error(watch_stream_t *ws, const c8s_err_t *err)
{
    json_t *st = apiserver__status(err, NULL, NULL, NULL);
    json_t *ev = json_pack("{s:s, s:o}", "type", "ERROR", "object", st);
    char *s = json_dumps(ev, JSON_COMPACT);
    json_decref(ev);
    char *line = xasprintf("%s\n", s);
    free(s);
    enqueue(ws, NULL, line, line, strlen(line));
}

typedef struct {
    watch_stream_t *ws;
} initial_t;

static bool initial_visit(wc_obj_t *o, void *data)
{
    watch_stream_t *ws = data;
    if (!matches(ws, o))
        return true;
    if (ws->r->as != APISERVER_AS_OBJECT) {
        size_t len;
        char *line = transformed_line(ws, WC_ADDED, o, &len);
        if (line)
            enqueue(ws, NULL, line, line, len);
        return true;
    }
    static const char head[] = "{\"type\":\"ADDED\",\"object\":";
    size_t len = sizeof(head) - 1 + o->json_len + 2;
    char *line = xmalloc(len + 1);
    memcpy(line, head, sizeof(head) - 1);
    memcpy(line + sizeof(head) - 1, o->json, o->json_len);
    memcpy(line + len - 2, "}\n", 3);
    enqueue(ws, NULL, line, line, len);
    return true;
}

static void start_stream(api_req_t *r)
{
    apiserver_t *s = r->srv;
    if (!r->h2o && !r->call) {
        apiserver__req_free(r);
        return;
    }
    watch_stream_t *ws = xcalloc(1, sizeof(*ws));
    ws->super.proceed = on_proceed;
    ws->super.stop = on_stop;
    ws->r = r;
    ws->req = r->h2o;
    ws->res = r->res;
    const char *name = r->name ? r->name : fieldsel_exact(r->fsel, "metadata.name");
    if (r->name)
        ws->prefix = apiserver__key(r->res, r->ns, r->name);
    else if (r->kind->namespaced && r->ns)
        ws->prefix = xasprintf("%s%s/", r->res->prefix, r->ns);
    else
        ws->prefix = xstrdup(r->res->prefix);
    ws->prefix_len = strlen(ws->prefix);
    (void)name;
    uv_timer_init(&s->loop, &ws->timer);
    ws->timer.data = ws;
    const char *b = apiserver__query(r, "allowWatchBookmarks");
    ws->bookmarks = b && (strcmp(b, "true") == 0 || strcmp(b, "1") == 0);
    const char *to = apiserver__query(r, "timeoutSeconds");
    uint64_t now = uv_now(&s->loop);
    long long timeout = to ? strtoll(to, NULL, 10) : 0;
    if (timeout <= 0)
        timeout = 1800 + (long long)(now % 1800); /* upstream: 30–60 min, spread out */
    ws->deadline_ms = now + (uint64_t)timeout * 1000;
    ws->next_bookmark_ms = now + BOOKMARK_MS;
    arm_timer(ws, now);
    ws->next = s->streams;
    if (s->streams)
        s->streams->pprev = &ws->next;
    s->streams = ws;
    ws->pprev = &s->streams;

    h2o_req_t *req = r->h2o;
    apiserver__audit_answer(r, 200, NULL, NULL, 0);
    if (req) {
        req->res.status = 200;
        req->res.reason = "OK";
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                       H2O_STRLIT("application/json"));
        apiserver__emit_headers(r, req);
        h2o_start_response(req, &ws->super);
        ws->hangup =
            apiserver__hangup_start(&ws->res->srv->loop, req, on_client_left, ws, "a watch");
    }

    const char *rvq = apiserver__query(r, "resourceVersion");
    int64_t from;
    if (!rvq || !*rvq || strcmp(rvq, "0") == 0) {
        /* Upstream: state first as ADDED events, then changes. */
        wcache_scan(r->res->cache, ws->prefix, NULL, initial_visit, ws);
        from = wcache_rev(r->res->cache);
    } else {
        from = strtoll(rvq, NULL, 10);
    }
    c8s_err_t err = C8S_ERR_INIT;
    if (r->call && __atomic_load_n(&r->call->cancelled, __ATOMIC_ACQUIRE)) {
        ws->closing = true;
        flush(ws);
        return;
    }
    ws->w = wcache_watch(r->res->cache, from, on_event, ws, &err);
    ws->live = true;
    if (!ws->w) {
        send_error(ws, &err);
        ws->closing = true;
    }
    c8s_err_clear(&err);
    /* Headers go out now even with no event, so the client knows the watch is established.
     * h2o 2.2 holds HTTP/1 headers back until body bytes are sent, so the stream opens with a
     * newline, which JSON stream decoders (client-go's among them) skip as whitespace. Events
     * the cache replayed above may already be on their way (in_flight): h2o takes one write at
     * a time, so no newline then. */
    if (req && !ws->in_flight && ws->n_pending == 0 && !ws->closing) {
        static char nl[] = "\n";
        h2o_iovec_t v = h2o_iovec_init(nl, 1);
        ws->in_flight = true;
        h2o_send(req, &v, 1, H2O_SEND_STATE_IN_PROGRESS);
        return;
    }
    flush(ws);
}

void apiserver__watch(api_req_t *r)
{
    c8s_err_t err = C8S_ERR_INIT;
    if (apiserver__negotiate(r, true, true, &err) != 0 ||
        labelsel_parse(apiserver__query(r, "labelSelector"), &r->lsel, &err) != 0 ||
        fieldsel_parse(apiserver__query(r, "fieldSelector"), &r->fsel, &err) != 0) {
        apiserver__respond_err(r, &err);
        return c8s_err_clear(&err);
    }
    const char *rv = apiserver__query(r, "resourceVersion");
    if (rv && *rv && strtoll(rv, NULL, 10) <= 0 && strcmp(rv, "0") != 0) {
        c8s_err_set(&err, C8S_EBADREQUEST, "invalid resourceVersion %s", rv);
        apiserver__respond_err(r, &err);
        return c8s_err_clear(&err);
    }
    long long timeout;
    if (apiserver__query_int(r, "timeoutSeconds", &timeout, &err) != 0) {
        apiserver__respond_err(r, &err);
        return c8s_err_clear(&err);
    }
    apiserver__when_ready(r->res, r, start_stream);
}

void apiserver__watches_stop_all(apiserver_t *s)
{
    for (watch_stream_t *ws = s->streams; ws;) {
        watch_stream_t *next = ws->next;
        stop_watching(ws);
        flush(ws);
        ws = next;
    }
}

void apiserver__watch_cancel(apiserver_t *s, apiserver_call_t *c)
{
    for (watch_stream_t *ws = s->streams; ws; ws = ws->next) {
        if (ws->r->call == c && !ws->done) {
            stop_watching(ws);
            flush(ws);
            return;
        }
    }
}

size_t apiserver__watch_count(apiserver_t *s)
{
    size_t n = 0;
    for (watch_stream_t *ws = s->streams; ws; ws = ws->next)
        n++;
    return n;
}
