/*
 * workqueue.c — a de-duplicating FIFO with a processing set, a heap of delayed adds behind one
 * timer, and client-go's default controller rate limiter (per-key exponential back-off and an
 * overall token bucket, whichever waits longer).
 */
#include "c8s/workqueue.h"

#include <string.h>

#define BACKOFF_BASE_MS 5
#define BACKOFF_MAX_MS  (1000 * 1000)
#define BUCKET_QPS      10
#define BUCKET_BURST    100

typedef struct {
    uint64_t due;
    char *key;
} delayed_t;

struct workqueue_s {
    uv_loop_t *loop;
    workqueue_fn fn;
    void *data;
    int workers, busy;
    char **fifo; /* ring of keys waiting */
    size_t head, count, cap;
    json_t *dirty;      /* keys waiting (or to run again after processing) */
    json_t *processing; /* keys being processed */
    json_t *failures;   /* key → retries */
    delayed_t *heap;
    size_t n_heap, cap_heap;
    json_t *waiting;  /* key → due: one delayed entry per key, the soonest (stale heap entries
                         are skipped when popped) */
    uv_timer_t timer; /* the earliest delayed add */
    uv_idle_t kick;   /* dispatches from the loop, never from inside add */
    double tokens;
    uint64_t tokens_at;
    bool closing;
    void (*done)(void *data);
    void *done_data;
};

static void fifo_push(workqueue_t *q, const char *key)
{
    if (q->count == q->cap) {
        size_t ncap = q->cap ? q->cap * 2 : 64;
        char **n = xcalloc(ncap, sizeof(char *));
        for (size_t i = 0; i < q->count; i++)
            n[i] = q->fifo[(q->head + i) % q->cap];
        free(q->fifo);
        q->fifo = n;
        q->cap = ncap;
        q->head = 0;
    }
    q->fifo[(q->head + q->count) % q->cap] = xstrdup(key);
    q->count++;
}

static char *fifo_pop(workqueue_t *q)
{
    if (q->count == 0)
        return NULL;
    char *k = q->fifo[q->head];
    q->head = (q->head + 1) % q->cap;
    q->count--;
    return k;
}

static void on_kick(uv_idle_t *idle);

static void want_dispatch(workqueue_t *q)
{
    if (!q->closing && q->count > 0 && q->busy < q->workers)
        uv_idle_start(&q->kick, on_kick);
}

static void on_kick(uv_idle_t *idle)
{
    workqueue_t *q = idle->data;
    uv_idle_stop(idle);
    while (!q->closing && q->busy < q->workers && q->count > 0) {
        char *k = fifo_pop(q);
        json_object_del(q->dirty, k);
        json_object_set_new(q->processing, k, json_true());
        q->busy++;
        q->fn(q, k, q->data);
        free(k);
    }
}

void workqueue_add(workqueue_t *q, const char *key)
{
    if (q->closing || json_object_get(q->dirty, key))
        return;
    json_object_set_new(q->dirty, key, json_true());
    if (json_object_get(q->processing, key))
        return; /* runs again once the current run is done */
    fifo_push(q, key);
    want_dispatch(q);
}

/* ---- delayed adds: a min-heap on due time ---- */

static void heap_swap(workqueue_t *q, size_t a, size_t b)
{
    delayed_t t = q->heap[a];
    q->heap[a] = q->heap[b];
    q->heap[b] = t;
}

static void heap_push(workqueue_t *q, uint64_t due, const char *key)
{
    if (q->n_heap == q->cap_heap) {
        q->cap_heap = q->cap_heap ? q->cap_heap * 2 : 32;
        q->heap = xrealloc(q->heap, q->cap_heap * sizeof(*q->heap));
    }
    size_t i = q->n_heap++;
    q->heap[i] = (delayed_t){due, xstrdup(key)};
    while (i > 0 && q->heap[(i - 1) / 2].due > q->heap[i].due) {
        heap_swap(q, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static delayed_t heap_pop(workqueue_t *q)
{
    delayed_t top = q->heap[0];
    q->heap[0] = q->heap[--q->n_heap];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < q->n_heap && q->heap[l].due < q->heap[m].due)
            m = l;
        if (r < q->n_heap && q->heap[r].due < q->heap[m].due)
            m = r;
        if (m == i)
            break;
        heap_swap(q, i, m);
        i = m;
    }
    return top;
}

static void arm_timer(workqueue_t *q);

static void on_timer(uv_timer_t *t)
{
    workqueue_t *q = t->data;
    uint64_t now = uv_now(q->loop);
    while (q->n_heap > 0 && q->heap[0].due <= now) {
        delayed_t d = heap_pop(q);
        json_t *due = json_object_get(q->waiting, d.key);
        if (due && (uint64_t)json_integer_value(due) == d.due) {
            json_object_del(q->waiting, d.key);
            workqueue_add(q, d.key);
        }
        free(d.key);
    }
    arm_timer(q);
}

static void arm_timer(workqueue_t *q)
{
    if (q->n_heap == 0 || q->closing) {
        uv_timer_stop(&q->timer);
        return;
    }
    uint64_t now = uv_now(q->loop);
    uint64_t due = q->heap[0].due;
    uv_timer_start(&q->timer, on_timer, due > now ? due - now : 0, 0);
}

void workqueue_add_after(workqueue_t *q, const char *key, uint64_t delay_ms)
{
    if (q->closing)
        return;
    if (delay_ms == 0)
        return workqueue_add(q, key);
    /* The loop's cached time is that of its last wake, which a busy iteration (or a stalled
     * process) leaves far behind: the delay counts from now, as upstream's clock.Now(). */
    uv_update_time(q->loop);
    uint64_t due = uv_now(q->loop) + delay_ms;
    json_t *cur = json_object_get(q->waiting, key);
    if (cur && (uint64_t)json_integer_value(cur) <= due)
        return; /* already waiting, and sooner */
    json_object_set_new(q->waiting, key, json_integer((json_int_t)due));
    heap_push(q, due, key);
    arm_timer(q);
}

/* ---- rate limiting ---- */

static uint64_t bucket_wait(workqueue_t *q)
{
    uint64_t now = uv_now(q->loop);
    q->tokens += (double)(now - q->tokens_at) * BUCKET_QPS / 1000.0;
    if (q->tokens > BUCKET_BURST)
        q->tokens = BUCKET_BURST;
    q->tokens_at = now;
    q->tokens -= 1;
    if (q->tokens >= 0)
        return 0;
    return (uint64_t)(-q->tokens * 1000.0 / BUCKET_QPS);
}

void workqueue_add_rate_limited(workqueue_t *q, const char *key)
{
    int n = workqueue_retries(q, key);
    json_object_set_new(q->failures, key, json_integer(n + 1));
    uint64_t backoff = BACKOFF_BASE_MS;
    for (int i = 0; i < n && backoff < BACKOFF_MAX_MS; i++)
        backoff *= 2;
    if (backoff > BACKOFF_MAX_MS)
        backoff = BACKOFF_MAX_MS;
    uint64_t bucket = bucket_wait(q);
    workqueue_add_after(q, key, backoff > bucket ? backoff : bucket);
}

void workqueue_forget(workqueue_t *q, const char *key)
{
    json_object_del(q->failures, key);
}

int workqueue_retries(const workqueue_t *q, const char *key)
{
    return (int)json_integer_value(json_object_get(q->failures, key));
}

static void maybe_free(workqueue_t *q);

void workqueue_done(workqueue_t *q, const char *key)
{
    if (!json_object_get(q->processing, key))
        return;
    json_object_del(q->processing, key);
    q->busy--;
    if (!q->closing && json_object_get(q->dirty, key))
        fifo_push(q, key);
    want_dispatch(q);
    maybe_free(q);
}

size_t workqueue_len(const workqueue_t *q)
{
    return q->count;
}

workqueue_t *workqueue_new(uv_loop_t *loop, int workers, workqueue_fn fn, void *data)
{
    workqueue_t *q = xcalloc(1, sizeof(*q));
    q->loop = loop;
    q->workers = workers > 0 ? workers : 1;
    q->fn = fn;
    q->data = data;
    q->dirty = json_object();
    q->processing = json_object();
    q->failures = json_object();
    q->waiting = json_object();
    q->tokens = BUCKET_BURST;
    q->tokens_at = uv_now(loop);
    uv_timer_init(loop, &q->timer);
    q->timer.data = q;
    uv_idle_init(loop, &q->kick);
    q->kick.data = q;
    return q;
}

static void on_kick_closed(uv_handle_t *h)
{
    workqueue_t *q = h->data;
    void (*done)(void *) = q->done;
    void *data = q->done_data;
    char *k;
    while ((k = fifo_pop(q)) != NULL)
        free(k);
    free(q->fifo);
    for (size_t i = 0; i < q->n_heap; i++)
        free(q->heap[i].key);
    free(q->heap);
    json_decref(q->dirty);
    json_decref(q->processing);
    json_decref(q->failures);
    json_decref(q->waiting);
    free(q);
    if (done)
        done(data);
}

static void on_timer_closed(uv_handle_t *h)
{
    workqueue_t *q = h->data;
    uv_close((uv_handle_t *)&q->kick, on_kick_closed);
}

static void maybe_free(workqueue_t *q)
{
    if (q->closing && q->busy == 0 && !uv_is_closing((uv_handle_t *)&q->timer))
        uv_close((uv_handle_t *)&q->timer, on_timer_closed);
}

void workqueue_close(workqueue_t *q, void (*done)(void *data), void *data)
{
    q->closing = true;
    q->done = done;
    q->done_data = data;
    uv_idle_stop(&q->kick);
    uv_timer_stop(&q->timer);
    maybe_free(q);
}
