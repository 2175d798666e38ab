/*
 * workqueue.h — the controllers' work queue, with client-go's guarantees: a key waits in the
 * queue at most once however often it is added; a key is never processed twice at the same
 * time (added while processing, it runs again after); delayed adds; per-key exponential back-off
 * for retries (5 ms doubling to 1000 s) under an overall rate limit (10 per second, bursts of
 * 100). Lives on one loop; used only from its thread.
 */
#ifndef C8S_WORKQUEUE_H
#define C8S_WORKQUEUE_H

#include "c8s/base.h"

#include <stdbool.h>
#include <uv.h>

typedef struct workqueue_s workqueue_t;

/* Called on the loop for each key to work on; the handler calls workqueue_done(q, key) when it
 * has finished (at once or later, after asynchronous work). key is borrowed until then. */
typedef void (*workqueue_fn)(workqueue_t *q, const char *key, void *data);

/* workers: how many keys may be in process at once (≥ 1). Owned: release with workqueue_close. */
workqueue_t *workqueue_new(uv_loop_t *loop, int workers, workqueue_fn fn, void *data);

void workqueue_add(workqueue_t *q, const char *key);
void workqueue_add_after(workqueue_t *q, const char *key, uint64_t delay_ms);
/* Adds after the key's back-off (which doubles each time), or the overall limit's wait. */
void workqueue_add_rate_limited(workqueue_t *q, const char *key);
/* Resets the key's back-off (call after a success). */
void workqueue_forget(workqueue_t *q, const char *key);
/* How many times the key has been re-queued through workqueue_add_rate_limited. */
int workqueue_retries(const workqueue_t *q, const char *key);
void workqueue_done(workqueue_t *q, const char *key);
size_t workqueue_len(const workqueue_t *q);

/* Drops what waits, lets what is in process finish (workqueue_done still required), then frees
 * the queue and calls done (may be NULL) on the loop. */
void workqueue_close(workqueue_t *q, void (*done)(void *data), void *data);

#endif
