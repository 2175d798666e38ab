/*
 * watchq.h — the accounting of one watch stream's queue of unsent event lines (watch.c), pure so
 * that its bound is unit-tested (tests/unit/test_watchq.c).
 *
 * Upstream ends a watcher that cannot keep up (its client re-watches from its last
 * resourceVersion) rather than buffer for it without limit. Here the bound is on the live part of
 * the queue only: the events a stream starts with (the state as ADDED events, or the cache window
 * replayed from the resourceVersion asked) may be many at once and are sent as the client takes
 * them; what arrives after that counts. The replayed entries are always the queue's head, so the
 * part not yet sent is known from two counters.
 */
#ifndef C8S_APISERVER_WATCHQ_H
#define C8S_APISERVER_WATCHQ_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    size_t n, bytes;               /* entries and line bytes queued */
    size_t replay_n, replay_bytes; /* of which the stream's start (the head of the queue) */
} watchq_acct_t;

/* An entry of len bytes joins the tail; live is false while the stream is starting. */
static inline void watchq_push(watchq_acct_t *a, size_t len, bool live)
{
    a->n++;
    a->bytes += len;
    if (!live) {
        a->replay_n++;
        a->replay_bytes += len;
    }
}

/* The k head entries (bytes long together) left the queue. */
static inline void watchq_take(watchq_acct_t *a, size_t k, size_t bytes)
{
    if (k >= a->replay_n) {
        a->replay_n = 0;
        a->replay_bytes = 0;
    } else {
        a->replay_n -= k;
        a->replay_bytes -= bytes;
    }
    a->n -= k;
    a->bytes -= bytes;
}

/* Whether a live entry of len bytes would take the queue's live part past either bound. */
static inline bool watchq_full(const watchq_acct_t *a, size_t len, size_t max_bytes,
                               size_t max_events)
{
    return a->n - a->replay_n + 1 > max_events || a->bytes - a->replay_bytes + len > max_bytes;
}

#endif
