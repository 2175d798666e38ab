/*
 * curl_uv.c — libcurl's multi *socket* interface driven by a libuv loop: one uv_poll_t per socket
 * curl asks to watch (CURLMOPT_SOCKETFUNCTION), one uv_timer_t for curl's timeout
 * (CURLMOPT_TIMERFUNCTION), curl_multi_socket_action when either fires, then a dispatch pass that
 * finishes transfers and runs user callbacks outside every curl callback. Also the pool of idle
 * easy handles and the teardown that closes every handle before freeing the store.
 */
#include "store_int.h"

#include <string.h>

static void free_store(store_t *s)
{
    for (size_t i = 0; i < s->n_endpoints; i++)
        free(s->endpoints[i]);
    free(s->endpoints);
    void (*done)(void *) = s->done;
    void *data = s->done_data;
    free(s);
    if (done)
        done(data);
}

static void on_handle_closed(uv_handle_t *h)
{
    store_t *s = h->data;
    if (h->type == UV_POLL)
        free(c8s_container_of((uv_poll_t *)h, store_sock_t, poll));
    if (--s->pending_closes == 0 && s->torn_down)
        free_store(s);
}

static void sock_close(store_sock_t *k)
{
    store_t *s = k->s;
    if (k->prev)
        k->prev->next = k->next;
    else
        s->socks = k->next;
    if (k->next)
        k->next->prev = k->prev;
    uv_poll_stop(&k->poll);
    s->pending_closes++;
    uv_close((uv_handle_t *)&k->poll, on_handle_closed);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    store_sock_t *k = c8s_container_of(h, store_sock_t, poll);
    store_t *s = k->s;
    int flags = 0;
    if (status < 0)
        flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    int running;
    curl_multi_socket_action(s->multi, k->fd, flags, &running);
    store__dispatch(s);
}

static void on_curl_timer(uv_timer_t *t)
{
    store_t *s = t->data;
    int running;
    curl_multi_socket_action(s->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    store__dispatch(s);
}

static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    store_t *s = userp;
    store_sock_t *k = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (k) {
            curl_multi_assign(s->multi, fd, NULL);
            sock_close(k);
        }
        return 0;
    }
    if (!k) {
        k = xcalloc(1, sizeof(*k));
        k->fd = fd;
        k->s = s;
        if (uv_poll_init_socket(s->loop, &k->poll, fd) != 0) {
            log_warn(STORE_ROOM, "uv_poll_init_socket(%d) failed", (int)fd);
            free(k);
            return -1;
        }
        k->poll.data = s;
        k->next = s->socks;
        if (s->socks)
            s->socks->prev = k;
        s->socks = k;
        curl_multi_assign(s->multi, fd, k);
    }
    int events = 0;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
        events |= UV_READABLE;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
        events |= UV_WRITABLE;
    uv_poll_start(&k->poll, events, on_poll);
    return 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    store_t *s = userp;
    if (timeout_ms < 0)
        uv_timer_stop(&s->curl_timer);
    else
        /* Even 0 goes through the loop: curl forbids socket_action from inside this callback. */
        uv_timer_start(&s->curl_timer, on_curl_timer, (uint64_t)timeout_ms, 0);
    return 0;
}

int store__curl_init(store_t *s, c8s_err_t *err)
{
    s->multi = curl_multi_init();
    if (!s->multi)
        return c8s_err_set(err, C8S_EINTERNAL, "curl_multi_init failed");
    curl_multi_setopt(s->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(s->multi, CURLMOPT_SOCKETDATA, s);
    curl_multi_setopt(s->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(s->multi, CURLMOPT_TIMERDATA, s);
    /* Keep an idle connection for every request a busy server has in flight: past the cache's
     * size curl closes connections and opens new ones, and with 16 clients creating pods while
     * the scheduler binds 64 at a time, 64 cached connections made bench/scheduler spend its
     * time in connect() (744 pods/s at 1,000 nodes; with 256: 962). */
    curl_multi_setopt(s->multi, CURLMOPT_MAXCONNECTS, 256L);
    uv_timer_init(s->loop, &s->curl_timer);
    s->curl_timer.data = s;
    return 0;
}

void store__curl_add(store_t *s, CURL *easy)
{
    CURLMcode mc = curl_multi_add_handle(s->multi, easy);
    if (mc != CURLM_OK)
        log_error(STORE_ROOM, "curl_multi_add_handle: %s", curl_multi_strerror(mc));
}

void store__curl_remove(store_t *s, CURL *easy)
{
    curl_multi_remove_handle(s->multi, easy);
}

CURL *store__easy_get(store_t *s)
{
    CURL *e = s->n_pool ? s->pool[--s->n_pool] : curl_easy_init();
    if (!e)
        abort(); /* curl_easy_init fails only when out of memory */
    return e;
}

void store__easy_put(store_t *s, CURL *easy)
{
    if (s->closing || s->n_pool == STORE_POOL_MAX) {
        curl_easy_cleanup(easy);
        return;
    }
    curl_easy_reset(easy);
    s->pool[s->n_pool++] = easy;
}

void store__dispatch(store_t *s)
{
    s->dispatch_depth++;
    CURLMsg *msg;
    int left;
    while (!s->closing && (msg = curl_multi_info_read(s->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *easy = msg->easy_handle;
        CURLcode rc = msg->data.result;
        void *priv = NULL;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&priv);
        if (*(store_xfer_kind_t *)priv == STORE_XFER_REQ)
            store__req_done(priv, rc);
        else
            store__watch_done(priv, rc);
    }
    store_watch_t *w;
    while (!s->closing && (w = store__ready_pop(s)))
        store__watch_pump(w);
    s->dispatch_depth--;
    if (s->closing && s->dispatch_depth == 0 && !s->torn_down)
        store__teardown(s);
}

void store__teardown(store_t *s)
{
    s->torn_down = true;
    while (s->n_pool)
        curl_easy_cleanup(s->pool[--s->n_pool]);
    /* Closing connections may call socket_cb with CURL_POLL_REMOVE; that closes their polls. */
    curl_multi_cleanup(s->multi);
    s->multi = NULL;
    while (s->socks)
        sock_close(s->socks);
    curl_slist_free_all(s->headers);
    s->headers = NULL;
    s->pending_closes += 2;
    uv_close((uv_handle_t *)&s->curl_timer, on_handle_closed);
    uv_close((uv_handle_t *)&s->probe_timer, on_handle_closed);
}
