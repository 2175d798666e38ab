/* fuzz_store.c — what etcd's JSON gateway sends back, as the store reads it: the answer to a
 * unary request (range, txn, lease grant and keepalive, compact, the health probe) with an HTTP
 * status, or a watch stream delivered in chunks of any size (lines split anywhere, the last one
 * without its newline). A watch must end with exactly one final callback; every event has a key;
 * a unary answer is either a result or an error code, never both. */
#include "fuzz.h"
#include "../../src/store/store_int.h"

#include <stdlib.h>
#include <string.h>

static store_t *store;
static uv_loop_t loop;

static void init_store(void)
{
    if (store)
        return;
    uv_loop_init(&loop);
    /* Never contacted: the loop is never run. */
    const char *eps[] = {"http://127.0.0.1:9", NULL};
    store_config_t cfg = {.endpoints = eps};
    c8s_err_t err = C8S_ERR_INIT;
    if (store_new(&loop, &cfg, &store, &err) != 0)
        abort();
}

typedef struct {
    int finals;
} watch_seen_t;

static void on_watch(store_watch_t *w, store_watch_status_t status, int64_t revision,
                     const store_event_t *events, size_t n, const c8s_err_t *err, void *data)
{
    watch_seen_t *seen = data;
    switch (status) {
    case STORE_WATCH_EVENTS:
        if (n == 0 || !events)
            abort();
        for (size_t i = 0; i < n; i++)
            if (!events[i].kv.key || strlen(events[i].kv.key) > events[i].kv.key_len ||
                (events[i].type == STORE_EVENT_DELETE && events[i].kv.value))
                abort();
        break;
    case STORE_WATCH_PROGRESS:
        break;
    case STORE_WATCH_COMPACTED:
    case STORE_WATCH_ERROR:
    case STORE_WATCH_CLOSED:
        if (status != STORE_WATCH_CLOSED && (!err || !err->msg[0]))
            abort();
        seen->finals++;
        break;
    }
}

static void fuzz_watch(const uint8_t *data, size_t size)
{
    watch_seen_t seen = {0};
    store_watch_t *w = xcalloc(1, sizeof(*w));
    w->kind = STORE_XFER_WATCH;
    w->s = store;
    w->cb = on_watch;
    w->data = &seen;
    w->seen_rev = -1;
    w->key = xstrdup("/registry/pods/");
    w->key_len = strlen(w->key);
    w->end = xstrdup("/registry/pods0");
    w->end_len = strlen(w->end);
    w->http_status = 200;
    /* The first byte picks the chunk size curl hands over: lines arrive cut anywhere. */
    size_t chunk = size ? (size_t)data[0] % 64 + 1 : 1;
    size_t off = size ? 1 : 0;
    while (off < size && seen.finals == 0) {
        size_t n = size - off < chunk ? size - off : chunk;
        store__buf_append(&w->recv, data + off, n);
        off += n;
        store__watch_pump(w);
    }
    if (seen.finals == 0) {
        w->stream_done = true;
        w->done_code = CURLE_OK;
        store__watch_pump(w); /* ends it: the last line, then "stream ended" */
    }
    if (seen.finals != 1)
        abort();
}

static void fuzz_unary(const uint8_t *data, size_t size)
{
    static const store_op_t ops[] = {
        STORE_OP_RANGE,           STORE_OP_TXN,          STORE_OP_COMPACT, STORE_OP_LEASE_GRANT,
        STORE_OP_LEASE_KEEPALIVE, STORE_OP_LEASE_REVOKE, STORE_OP_PROBE};
    static const long statuses[] = {200, 200, 200, 400, 404, 413, 500, 503};
    if (size < 2)
        return;
    store_op_t op = ops[data[0] % C8S_ARRAY_SIZE(ops)];
    long http = statuses[data[1] % C8S_ARRAY_SIZE(statuses)];
    store_result_t res = {0};
    c8s_err_t err = C8S_ERR_INIT;
    int code = store__response_parse(store, op, "/v3/fuzz", false, http, (const char *)data + 2,
                                     size - 2, &res, &err);
    if (code == 0) {
        if (err.code || (res.n_kvs && !res.kvs))
            abort();
        for (size_t i = 0; i < res.n_kvs; i++)
            if (!res.kvs[i].key)
                abort();
    } else if (code > 0 || err.code != code || res.kvs || res.prev_kv) {
        abort();
    }
    store__result_free(&res);
    c8s_err_clear(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init_store();
    if (size == 0)
        return 0;
    /* The first byte: even → a watch stream, odd → a unary answer. */
    if (data[0] % 2 == 0)
        fuzz_watch(data + 1, size - 1);
    else
        fuzz_unary(data + 1, size - 1);
    return 0;
}
